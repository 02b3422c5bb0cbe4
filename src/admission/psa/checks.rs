//! The Pod Security Standards checks, one function per upstream check ID, each with the
//! revisions upstream has, and the registry order in which they run.
//!
//! Facts (conditions, allowed values, message words) are from
//! `staging/src/k8s.io/pod-security-admission/policy/check_<id>.go` in kubernetes/kubernetes
//! (v0.33 / Kubernetes 1.33), read, not copied; `helpers.go` for `joinQuote`/`pluralize`,
//! `visitor.go` for the container order (init, regular, ephemeral).

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{ContainerPort, PodSpec, SecurityContext, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{EvalOptions, Level, Violation};
use crate::admission::reason::go_quote;

/// What a check sees of one container (regular, init or ephemeral).
struct C<'a> {
    name: &'a str,
    sc: Option<&'a SecurityContext>,
    ports: &'a [ContainerPort],
}

/// The containers in `visitContainers` order: init, regular, ephemeral.
fn containers(spec: &PodSpec) -> Vec<C<'_>> {
    let init = spec.init_containers.iter().flatten();
    let regular = spec.containers.iter();
    let mut out: Vec<C<'_>> = init
        .chain(regular)
        .map(|c| C {
            name: &c.name,
            sc: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or_default(),
        })
        .collect();
    out.extend(spec.ephemeral_containers.iter().flatten().map(|c| C {
        name: &c.name,
        sc: c.security_context.as_ref(),
        ports: c.ports.as_deref().unwrap_or_default(),
    }));
    out
}

/// `"a", "b"`.
fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let inner: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("\"{}\"", inner.join("\", \""))
}

fn plural<'a>(singular: &'a str, plural: &'a str, n: usize) -> &'a str {
    if n == 1 { singular } else { plural }
}

/// `container "a"` / `containers "a", "b"`.
fn containers_phrase(names: &[&str]) -> String {
    format!(
        "{} {}",
        plural("container", "containers", names.len()),
        join_quote(names)
    )
}

fn sorted(set: BTreeSet<String>) -> Vec<String> {
    set.into_iter().collect()
}

fn fail(check: &'static str, reason: &str, detail: String) -> Option<Violation> {
    Some(Violation {
        check,
        reason: reason.to_owned(),
        detail,
    })
}

fn is_windows(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

/// `relaxPolicyForUserNamespacePod`.
fn relaxed(spec: &PodSpec, o: EvalOptions) -> bool {
    o.relax_user_namespace_pods && spec.host_users == Some(false)
}

type CheckFn = fn(&ObjectMeta, &PodSpec, u32, EvalOptions) -> Option<Violation>;

/// A check and the policy minor version range where it applies.
struct Entry {
    id: &'static str,
    level: Level,
    since: u32,
    /// Baseline check IDs this restricted check replaces (from the given minor on).
    overrides: &'static [(&'static str, u32)],
    run: CheckFn,
}

/// Every check, baseline IDs sorted bytewise then restricted IDs sorted (the registry's
/// `orderedIDs`).
const CHECKS: &[Entry] = &[
    Entry {
        id: "appArmorProfile",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: app_armor_profile,
    },
    Entry {
        id: "capabilities_baseline",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: capabilities_baseline,
    },
    Entry {
        id: "hostNamespaces",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: host_namespaces,
    },
    Entry {
        id: "hostPathVolumes",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: host_path_volumes,
    },
    Entry {
        id: "hostPorts",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: host_ports,
    },
    Entry {
        id: "privileged",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: privileged,
    },
    Entry {
        id: "procMount",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: proc_mount,
    },
    Entry {
        id: "seLinuxOptions",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: se_linux_options,
    },
    Entry {
        id: "seccompProfile_baseline",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: seccomp_baseline,
    },
    Entry {
        id: "sysctls",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: sysctls,
    },
    Entry {
        id: "windowsHostProcess",
        level: Level::Baseline,
        since: 0,
        overrides: &[],
        run: windows_host_process,
    },
    Entry {
        id: "allowPrivilegeEscalation",
        level: Level::Restricted,
        since: 8,
        overrides: &[],
        run: allow_privilege_escalation,
    },
    Entry {
        id: "capabilities_restricted",
        level: Level::Restricted,
        since: 22,
        overrides: &[("capabilities_baseline", 22)],
        run: capabilities_restricted,
    },
    Entry {
        id: "restrictedVolumes",
        level: Level::Restricted,
        since: 0,
        overrides: &[("hostPathVolumes", 0)],
        run: restricted_volumes,
    },
    Entry {
        id: "runAsNonRoot",
        level: Level::Restricted,
        since: 0,
        overrides: &[],
        run: run_as_non_root,
    },
    Entry {
        id: "runAsUser",
        level: Level::Restricted,
        since: 23,
        overrides: &[],
        run: run_as_user,
    },
    Entry {
        id: "seccompProfile_restricted",
        level: Level::Restricted,
        since: 19,
        overrides: &[("seccompProfile_baseline", 19)],
        run: seccomp_restricted,
    },
];

/// The IDs of the checks that run for `level` at policy minor version `minor`, in order.
pub(super) fn check_ids(level: Level, minor: u32) -> Vec<&'static str> {
    active(level, minor).map(|e| e.id).collect()
}

fn active(level: Level, minor: u32) -> impl Iterator<Item = &'static Entry> {
    let overridden = move |id: &str| {
        level == Level::Restricted
            && CHECKS.iter().any(|e| {
                e.level == Level::Restricted
                    && e.overrides
                        .iter()
                        .any(|(o, since)| *o == id && minor >= *since)
            })
    };
    CHECKS.iter().filter(move |e| {
        level != Level::Privileged && e.level <= level && minor >= e.since && !overridden(e.id)
    })
}

pub(super) fn evaluate(
    level: Level,
    minor: u32,
    meta: &ObjectMeta,
    spec: &PodSpec,
    o: EvalOptions,
) -> Vec<Violation> {
    active(level, minor)
        .filter_map(|e| (e.run)(meta, spec, minor, o))
        .collect()
}

// ---- baseline ----

fn app_armor_profile(
    meta: &ObjectMeta,
    spec: &PodSpec,
    _: u32,
    _: EvalOptions,
) -> Option<Violation> {
    let allowed = |t: &str| t == "RuntimeDefault" || t == "Localhost";
    let mut setters = Vec::new();
    let mut values = BTreeSet::new();
    if let Some(p) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.app_armor_profile.as_ref())
        && !allowed(&p.type_)
    {
        setters.push("pod".to_owned());
        values.insert(p.type_.clone());
    }
    let mut bad = Vec::new();
    for c in containers(spec) {
        if let Some(p) = c.sc.and_then(|s| s.app_armor_profile.as_ref())
            && !allowed(&p.type_)
        {
            bad.push(c.name);
            values.insert(p.type_.clone());
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    // The deprecated beta annotations: empty, `runtime/default` and `localhost/*` are allowed.
    let mut annotations: Vec<String> = meta
        .annotations
        .iter()
        .flatten()
        .filter(|(k, v)| {
            k.starts_with("container.apparmor.security.beta.kubernetes.io/")
                && !(v.is_empty() || *v == "runtime/default" || v.starts_with("localhost/"))
        })
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    let mut values = sorted(values);
    if !annotations.is_empty() {
        annotations.sort();
        let n = annotations.len();
        values.extend(annotations);
        setters.push(plural("annotation", "annotations", n).to_owned());
    }
    if setters.is_empty() {
        return None;
    }
    fail(
        "appArmorProfile",
        plural(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
    )
}

/// The baseline's allowed added capabilities (the container runtime's default set).
pub const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capabilities_baseline(
    _: &ObjectMeta,
    spec: &PodSpec,
    _: u32,
    _: EvalOptions,
) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut caps = BTreeSet::new();
    for c in containers(spec) {
        let added =
            c.sc.and_then(|s| s.capabilities.as_ref())
                .and_then(|k| k.add.as_deref())
                .unwrap_or_default();
        let mut valid = true;
        for cap in added {
            if !BASELINE_CAPABILITIES.contains(&cap.as_str()) {
                valid = false;
                caps.insert(cap.clone());
            }
        }
        if !valid {
            bad.push(c.name);
        }
    }
    if bad.is_empty() {
        return None;
    }
    fail(
        "capabilities_baseline",
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad),
            join_quote(&sorted(caps))
        ),
    )
}

fn host_namespaces(_: &ObjectMeta, spec: &PodSpec, _: u32, _: EvalOptions) -> Option<Violation> {
    let mut found = Vec::new();
    if spec.host_network == Some(true) {
        found.push("hostNetwork=true");
    }
    if spec.host_pid == Some(true) {
        found.push("hostPID=true");
    }
    if spec.host_ipc == Some(true) {
        found.push("hostIPC=true");
    }
    if found.is_empty() {
        return None;
    }
    fail("hostNamespaces", "host namespaces", found.join(", "))
}

fn host_path_volumes(_: &ObjectMeta, spec: &PodSpec, _: u32, _: EvalOptions) -> Option<Violation> {
    let names: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter(|v| v.host_path.is_some())
        .map(|v| v.name.as_str())
        .collect();
    if names.is_empty() {
        return None;
    }
    fail(
        "hostPathVolumes",
        "hostPath volumes",
        format!(
            "{} {}",
            plural("volume", "volumes", names.len()),
            join_quote(&names)
        ),
    )
}

fn host_ports(_: &ObjectMeta, spec: &PodSpec, _: u32, _: EvalOptions) -> Option<Violation> {
    let mut bad = Vec::new();
    // Upstream keeps the ports as decimal strings in a string set, so they sort as text.
    let mut ports = BTreeSet::new();
    for c in containers(spec) {
        let mut valid = true;
        for p in c.ports {
            if let Some(hp) = p.host_port.filter(|hp| *hp != 0) {
                valid = false;
                ports.insert(hp.to_string());
            }
        }
        if !valid {
            bad.push(c.name);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let ports = sorted(ports);
    fail(
        "hostPorts",
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&bad),
            plural("uses", "use", bad.len()),
            plural("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
    )
}

fn privileged(_: &ObjectMeta, spec: &PodSpec, _: u32, _: EvalOptions) -> Option<Violation> {
    let bad: Vec<&str> = containers(spec)
        .into_iter()
        .filter(|c| c.sc.and_then(|s| s.privileged) == Some(true))
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    fail(
        "privileged",
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&bad)
        ),
    )
}

fn proc_mount(_: &ObjectMeta, spec: &PodSpec, _: u32, o: EvalOptions) -> Option<Violation> {
    if relaxed(spec, o) {
        return None;
    }
    let mut bad = Vec::new();
    let mut types = BTreeSet::new();
    for c in containers(spec) {
        if let Some(pm) = c.sc.and_then(|s| s.proc_mount.as_ref())
            && pm != "Default"
        {
            bad.push(c.name);
            types.insert(pm.clone());
        }
    }
    if bad.is_empty() {
        return None;
    }
    fail(
        "procMount",
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&bad),
            join_quote(&sorted(types))
        ),
    )
}

fn se_linux_options(
    _: &ObjectMeta,
    spec: &PodSpec,
    minor: u32,
    _: EvalOptions,
) -> Option<Violation> {
    let mut allowed = vec!["", "container_t", "container_init_t", "container_kvm_t"];
    if minor >= 31 {
        allowed.push("container_engine_t");
    }
    let mut bad_types = BTreeSet::new();
    let (mut set_user, mut set_role) = (false, false);
    let mut valid = |o: &k8s_openapi::api::core::v1::SELinuxOptions| {
        let mut ok = true;
        let t = o.type_.as_deref().unwrap_or("");
        if !allowed.contains(&t) {
            ok = false;
            bad_types.insert(t.to_owned());
        }
        if o.user.as_deref().is_some_and(|u| !u.is_empty()) {
            ok = false;
            set_user = true;
        }
        if o.role.as_deref().is_some_and(|r| !r.is_empty()) {
            ok = false;
            set_role = true;
        }
        ok
    };
    let mut setters = Vec::new();
    if let Some(o) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.se_linux_options.as_ref())
        && !valid(o)
    {
        setters.push("pod".to_owned());
    }
    let mut bad = Vec::new();
    for c in containers(spec) {
        if let Some(o) = c.sc.and_then(|s| s.se_linux_options.as_ref())
            && !valid(o)
        {
            bad.push(c.name);
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    if !bad_types.is_empty() {
        let types = sorted(bad_types);
        data.push(format!(
            "{} {}",
            plural("type", "types", types.len()),
            join_quote(&types)
        ));
    }
    if set_user {
        data.push("user may not be set".to_owned());
    }
    if set_role {
        data.push("role may not be set".to_owned());
    }
    fail(
        "seLinuxOptions",
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
    )
}

fn valid_seccomp(t: &str) -> bool {
    t == "Localhost" || t == "RuntimeDefault"
}

fn seccomp_baseline(
    meta: &ObjectMeta,
    spec: &PodSpec,
    minor: u32,
    _: EvalOptions,
) -> Option<Violation> {
    if minor < 19 {
        return seccomp_annotations(meta, spec);
    }
    seccomp_fields(spec, false)
}

/// Policy versions before 1.19 look only at the deprecated seccomp annotations.
fn seccomp_annotations(meta: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let valid =
        |v: &str| v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/");
    let ann = meta.annotations.as_ref();
    let mut forbidden = BTreeSet::new();
    let pod_key = "seccomp.security.alpha.kubernetes.io/pod";
    if let Some(v) = ann.and_then(|a| a.get(pod_key))
        && !valid(v)
    {
        forbidden.insert(format!("{pod_key}={}", go_quote(v)));
    }
    for c in containers(spec) {
        let key = format!("container.seccomp.security.alpha.kubernetes.io/{}", c.name);
        if let Some(v) = ann.and_then(|a| a.get(&key))
            && !valid(v)
        {
            forbidden.insert(format!("{key}={}", go_quote(v)));
        }
    }
    if forbidden.is_empty() {
        return None;
    }
    let items = sorted(forbidden);
    fail(
        "seccompProfile_baseline",
        "seccompProfile",
        format!(
            "forbidden {} {}",
            plural("annotation", "annotations", items.len()),
            items.join(", ")
        ),
    )
}

/// The 1.19+ seccomp checks; `required` is the restricted variant (a profile must be set).
fn seccomp_fields(spec: &PodSpec, required: bool) -> Option<Violation> {
    let check = if required {
        "seccompProfile_restricted"
    } else {
        "seccompProfile_baseline"
    };
    let mut setters = Vec::new();
    let mut values = BTreeSet::new();
    let mut pod_set = false;
    if let Some(p) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
    {
        if valid_seccomp(&p.type_) {
            pod_set = true;
        } else {
            setters.push("pod".to_owned());
            values.insert(p.type_.clone());
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    for c in containers(spec) {
        match c.sc.and_then(|s| s.seccomp_profile.as_ref()) {
            Some(p) if !valid_seccomp(&p.type_) => {
                explicit.push(c.name);
                values.insert(p.type_.clone());
            }
            Some(_) => {}
            None if !pod_set => implicit.push(c.name),
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if !setters.is_empty() {
        return fail(
            check,
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&sorted(values))
            ),
        );
    }
    if required && !implicit.is_empty() {
        return fail(
            check,
            "seccompProfile",
            format!(
                "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                containers_phrase(&implicit)
            ),
        );
    }
    None
}

/// The sysctls baseline allows at a policy minor version (1.0, +1.27, +1.29, +1.32).
pub fn safe_sysctls(minor: u32) -> Vec<&'static str> {
    let mut s = vec![
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    ];
    if minor >= 27 {
        s.push("net.ipv4.ip_local_reserved_ports");
    }
    if minor >= 29 {
        s.extend([
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
        ]);
    }
    if minor >= 32 {
        s.extend(["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]);
    }
    s
}

fn sysctls(_: &ObjectMeta, spec: &PodSpec, minor: u32, _: EvalOptions) -> Option<Violation> {
    let safe = safe_sysctls(minor);
    // In spec order, repeats kept: upstream appends to a plain slice.
    let bad: Vec<&str> = spec
        .security_context
        .as_ref()
        .and_then(|s| s.sysctls.as_deref())
        .unwrap_or_default()
        .iter()
        .map(|s| s.name.as_str())
        .filter(|n| !safe.contains(n))
        .collect();
    if bad.is_empty() {
        return None;
    }
    fail("sysctls", "forbidden sysctls", bad.join(", "))
}

fn windows_host_process(
    _: &ObjectMeta,
    spec: &PodSpec,
    _: u32,
    _: EvalOptions,
) -> Option<Violation> {
    let bad: Vec<&str> = containers(spec)
        .into_iter()
        .filter(|c| {
            c.sc.and_then(|s| s.windows_options.as_ref())
                .and_then(|w| w.host_process)
                == Some(true)
        })
        .map(|c| c.name)
        .collect();
    let pod = spec
        .security_context
        .as_ref()
        .and_then(|s| s.windows_options.as_ref())
        .and_then(|w| w.host_process)
        == Some(true);
    let mut setters = Vec::new();
    if pod {
        setters.push("pod".to_owned());
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    fail(
        "windowsHostProcess",
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
    )
}

// ---- restricted ----

fn allow_privilege_escalation(
    _: &ObjectMeta,
    spec: &PodSpec,
    minor: u32,
    _: EvalOptions,
) -> Option<Violation> {
    // 1.25+: Windows pods are exempt.
    if minor >= 25 && is_windows(spec) {
        return None;
    }
    let bad: Vec<&str> = containers(spec)
        .into_iter()
        .filter(|c| c.sc.and_then(|s| s.allow_privilege_escalation) != Some(false))
        .map(|c| c.name)
        .collect();
    if bad.is_empty() {
        return None;
    }
    fail(
        "allowPrivilegeEscalation",
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&bad)
        ),
    )
}

fn capabilities_restricted(
    _: &ObjectMeta,
    spec: &PodSpec,
    minor: u32,
    _: EvalOptions,
) -> Option<Violation> {
    if minor >= 25 && is_windows(spec) {
        return None;
    }
    let mut missing_drop = Vec::new();
    let mut adding = Vec::new();
    let mut forbidden = BTreeSet::new();
    for c in containers(spec) {
        let Some(caps) = c.sc.and_then(|s| s.capabilities.as_ref()) else {
            missing_drop.push(c.name);
            continue;
        };
        if !caps.drop.iter().flatten().any(|d| d == "ALL") {
            missing_drop.push(c.name);
        }
        let mut bad = false;
        for a in caps.add.iter().flatten() {
            if a != "NET_BIND_SERVICE" {
                bad = true;
                forbidden.insert(a.clone());
            }
        }
        if bad {
            adding.push(c.name);
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote(&sorted(forbidden))
        ));
    }
    if details.is_empty() {
        return None;
    }
    fail(
        "capabilities_restricted",
        "unrestricted capabilities",
        details.join("; "),
    )
}

/// The volume type restricted allows none of: the first set source, by its JSON name.
fn restricted_volume_type(v: &Volume) -> Option<&'static str> {
    let allowed = v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.image.is_some()
        || v.persistent_volume_claim.is_some()
        || v.projected.is_some()
        || v.secret.is_some();
    if allowed {
        return None;
    }
    let kinds: [(bool, &'static str); 21] = [
        (v.host_path.is_some(), "hostPath"),
        (v.gce_persistent_disk.is_some(), "gcePersistentDisk"),
        (v.aws_elastic_block_store.is_some(), "awsElasticBlockStore"),
        (v.git_repo.is_some(), "gitRepo"),
        (v.nfs.is_some(), "nfs"),
        (v.iscsi.is_some(), "iscsi"),
        (v.glusterfs.is_some(), "glusterfs"),
        (v.rbd.is_some(), "rbd"),
        (v.flex_volume.is_some(), "flexVolume"),
        (v.cinder.is_some(), "cinder"),
        (v.cephfs.is_some(), "cephfs"),
        (v.flocker.is_some(), "flocker"),
        (v.fc.is_some(), "fc"),
        (v.azure_file.is_some(), "azureFile"),
        (v.vsphere_volume.is_some(), "vsphereVolume"),
        (v.quobyte.is_some(), "quobyte"),
        (v.azure_disk.is_some(), "azureDisk"),
        (v.photon_persistent_disk.is_some(), "photonPersistentDisk"),
        (v.portworx_volume.is_some(), "portworxVolume"),
        (v.scale_io.is_some(), "scaleIO"),
        (v.storageos.is_some(), "storageos"),
    ];
    Some(
        kinds
            .iter()
            .find(|(set, _)| *set)
            .map_or("unknown", |(_, name)| name),
    )
}

fn restricted_volumes(_: &ObjectMeta, spec: &PodSpec, _: u32, _: EvalOptions) -> Option<Violation> {
    let mut bad = Vec::new();
    let mut types = BTreeSet::new();
    for v in spec.volumes.iter().flatten() {
        if let Some(t) = restricted_volume_type(v) {
            bad.push(v.name.as_str());
            types.insert(t.to_owned());
        }
    }
    if bad.is_empty() {
        return None;
    }
    let types = sorted(types);
    fail(
        "restrictedVolumes",
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            plural("volume", "volumes", bad.len()),
            join_quote(&bad),
            plural("uses", "use", bad.len()),
            plural(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
    )
}

fn run_as_non_root(_: &ObjectMeta, spec: &PodSpec, _: u32, o: EvalOptions) -> Option<Violation> {
    if relaxed(spec, o) {
        return None;
    }
    let mut setters = Vec::new();
    let pod = spec
        .security_context
        .as_ref()
        .and_then(|s| s.run_as_non_root);
    if pod == Some(false) {
        setters.push("pod".to_owned());
    }
    let pod_non_root = pod == Some(true);
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    for c in containers(spec) {
        match c.sc.and_then(|s| s.run_as_non_root) {
            Some(false) => explicit.push(c.name),
            Some(true) => {}
            None if !pod_non_root => implicit.push(c.name),
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if !setters.is_empty() {
        return fail(
            "runAsNonRoot",
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
        );
    }
    if !implicit.is_empty() {
        return fail(
            "runAsNonRoot",
            "runAsNonRoot != true",
            format!(
                "pod or {} must set securityContext.runAsNonRoot=true",
                containers_phrase(&implicit)
            ),
        );
    }
    None
}

fn run_as_user(_: &ObjectMeta, spec: &PodSpec, _: u32, o: EvalOptions) -> Option<Violation> {
    if relaxed(spec, o) {
        return None;
    }
    let mut setters = Vec::new();
    if spec.security_context.as_ref().and_then(|s| s.run_as_user) == Some(0) {
        setters.push("pod".to_owned());
    }
    let bad: Vec<&str> = containers(spec)
        .into_iter()
        .filter(|c| c.sc.and_then(|s| s.run_as_user) == Some(0))
        .map(|c| c.name)
        .collect();
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    if setters.is_empty() {
        return None;
    }
    fail(
        "runAsUser",
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters.join(" and ")),
    )
}

fn seccomp_restricted(
    _: &ObjectMeta,
    spec: &PodSpec,
    minor: u32,
    _: EvalOptions,
) -> Option<Violation> {
    if minor >= 25 && is_windows(spec) {
        return None;
    }
    seccomp_fields(spec, true)
}
