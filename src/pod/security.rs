//! Pod and container security contexts as the executor computes them: the one-to-one pod table
//! copy (`GetPodSecurityContext`), the container tables with the global `privileged` /
//! `allow_privilege_escalation` fallback and the two-layer capability merge
//! (`GetContainerSecurityContext`, `getCapabilities`, `mergeCapabilitiesAddDrop`, upstream
//! `common/config.go` L1039–1232), and the UID/GID precedence of 18.4+
//! (`getContainerUIDGID`/`pickSecurityContextID`, `executors/kubernetes/kubernetes.go` L2791–2908)
//! or the job-user override before 18.4. Field provenance is recorded relative to the context.

use k8s_openapi::api::core::v1::{
    AppArmorProfile, Capabilities as K8sCaps, PodSecurityContext as K8sPodSc, SELinuxOptions,
    SeccompProfile, SecurityContext,
};
use semver::Version;

use crate::model::runner::{ContainerSecurityContext, KeyPath, KubernetesConfig, Profile};

use super::Source;
use super::version::since;

/// Relative provenance: (path below the context, source).
pub(crate) type RelProv = Vec<(String, Source)>;

/// Converts a seccomp or AppArmor table, dropping invalid types as the runner does (with an
/// error log upstream, a warning here).
fn profile(
    kind: &str,
    p: Option<&Profile>,
    warnings: &mut Vec<String>,
) -> Option<(String, Option<String>)> {
    let p = p?;
    let t = p.profile_type.as_deref().filter(|t| !t.is_empty())?;
    if !matches!(t, "RuntimeDefault" | "Unconfined" | "Localhost") {
        warnings.push(format!("invalid {kind} profile type value: {t}"));
        return None;
    }
    if t == "Localhost" {
        match p.localhost_profile.as_deref().filter(|s| !s.is_empty()) {
            Some(lp) => return Some((t.to_string(), Some(lp.to_string()))),
            None => {
                warnings.push(format!(
                    "{kind} profile type is Localhost but localhost_profile is not set"
                ));
                return None;
            }
        }
    }
    Some((t.to_string(), None))
}

/// `spec.securityContext` from `[runners.kubernetes.pod_security_context]`; `None` when every
/// field is unset (KT "uses default security context when unspecified").
pub(crate) fn pod_security_context(
    v: &Version,
    k: &KubernetesConfig,
    kbase: &KeyPath,
    warnings: &mut Vec<String>,
) -> (Option<K8sPodSc>, RelProv) {
    let mut prov = RelProv::new();
    // pod_security_context appeared in 12.0; older runners ignore the table.
    let Some(t) = k.pod_security_context.as_ref().filter(|_| since(v, 12, 0)) else {
        return (None, prov);
    };
    let base = kbase.key("pod_security_context");
    let mut sc = K8sPodSc::default();
    let set = |field: &str, key: &str, prov: &mut RelProv| {
        prov.push((field.to_string(), Source::Config(base.key(key))));
    };
    if let Some(x) = t.fs_group {
        sc.fs_group = Some(x);
        set("fsGroup", "fs_group", &mut prov);
    }
    if let Some(x) = t.run_as_group {
        sc.run_as_group = Some(x);
        set("runAsGroup", "run_as_group", &mut prov);
    }
    if let Some(x) = t.run_as_non_root {
        sc.run_as_non_root = Some(x);
        set("runAsNonRoot", "run_as_non_root", &mut prov);
    }
    if let Some(x) = t.run_as_user {
        sc.run_as_user = Some(x);
        set("runAsUser", "run_as_user", &mut prov);
    }
    if !t.supplemental_groups.is_empty() {
        sc.supplemental_groups = Some(t.supplemental_groups.clone());
        set("supplementalGroups", "supplemental_groups", &mut prov);
    }
    if let Some(x) = t.selinux_type.as_ref().filter(|s| !s.is_empty())
        && since(v, 15, 3)
    {
        sc.se_linux_options = Some(SELinuxOptions {
            type_: Some(x.clone()),
            ..Default::default()
        });
        set("seLinuxOptions.type", "selinux_type", &mut prov);
    }
    if since(v, 18, 11) {
        if let Some((t2, lp)) = profile("seccomp", t.seccomp_profile.as_ref(), warnings) {
            sc.seccomp_profile = Some(SeccompProfile {
                type_: t2,
                localhost_profile: lp,
            });
            set("seccompProfile", "seccomp_profile", &mut prov);
        }
        if let Some((t2, lp)) = profile("apparmor", t.app_armor_profile.as_ref(), warnings) {
            sc.app_armor_profile = Some(AppArmorProfile {
                type_: t2,
                localhost_profile: lp,
            });
            set("appArmorProfile", "app_armor_profile", &mut prov);
        }
    }
    if sc == K8sPodSc::default() {
        return (None, RelProv::new());
    }
    (Some(sc), prov)
}

/// The global capability layer (`getCapabilities`): the default drop list, then `cap_add`
/// entries flipped to add, then `cap_drop` entries flipped to drop, so drop wins.
fn global_caps(v: &Version, k: &KubernetesConfig, kbase: &KeyPath) -> Option<(K8sCaps, RelProv)> {
    // cap_add/cap_drop and the default NET_RAW drop arrived in 13.5 (reference §1.4).
    if !since(v, 13, 5) {
        return None;
    }
    let mut order: Vec<(String, bool, Source)> = Vec::new();
    let mut set = |name: &str, add: bool, src: Source| {
        if let Some(e) = order.iter_mut().find(|e| e.0 == name) {
            e.1 = add;
            e.2 = src;
        } else {
            order.push((name.to_string(), add, src));
        }
    };
    set(
        "NET_RAW",
        false,
        Source::Default("the executor drops NET_RAW on Linux".into()),
    );
    for (i, c) in k.cap_add.iter().enumerate() {
        set(
            c,
            true,
            Source::Config(KeyPath::parse(&format!("{kbase}.cap_add[{i}]"))),
        );
    }
    for (i, c) in k.cap_drop.iter().enumerate() {
        set(
            c,
            false,
            Source::Config(KeyPath::parse(&format!("{kbase}.cap_drop[{i}]"))),
        );
    }
    let mut caps = K8sCaps::default();
    let mut prov = RelProv::new();
    for (name, add, src) in order {
        let list = if add { &mut caps.add } else { &mut caps.drop };
        let list = list.get_or_insert_with(Vec::new);
        let field = if add { "add" } else { "drop" };
        prov.push((format!("capabilities.{field}[{}]", list.len()), src));
        list.push(name);
    }
    Some((caps, prov))
}

/// Which container table and how it is named in the config.
pub(crate) struct Table<'a> {
    pub(crate) key: &'static str,
    pub(crate) value: Option<&'a ContainerSecurityContext>,
}

/// `GetContainerSecurityContext(table, NET_RAW)`: never `None` on Linux from 13.5 because the
/// default drop list is always present.
pub(crate) fn container_security_context(
    v: &Version,
    k: &KubernetesConfig,
    kbase: &KeyPath,
    table: &Table<'_>,
    warnings: &mut Vec<String>,
) -> (SecurityContext, RelProv) {
    let mut sc = SecurityContext::default();
    let mut prov = RelProv::new();
    // The per-container tables appeared in 14.5 (init-permissions in 15.2, gated by the caller).
    let t = table.value.filter(|_| since(v, 14, 5));
    let tkey = kbase.key(table.key);

    // Capabilities: a container list replaces the global list of the same kind.
    let global = global_caps(v, k, kbase);
    let (mut add, mut drop) = (None, None);
    if let Some((g, gp)) = &global {
        add = g.add.clone();
        drop = g.drop.clone();
        prov.extend(gp.iter().cloned());
    }
    if let Some(c) = t.and_then(|t| t.capabilities.as_ref()) {
        if let Some(a) = &c.add {
            add = Some(a.clone());
            prov.retain(|(p, _)| !p.starts_with("capabilities.add"));
            prov.push((
                "capabilities.add".into(),
                Source::Config(tkey.key("capabilities").key("add")),
            ));
        }
        if let Some(d) = &c.drop {
            drop = Some(d.clone());
            prov.retain(|(p, _)| !p.starts_with("capabilities.drop"));
            prov.push((
                "capabilities.drop".into(),
                Source::Config(tkey.key("capabilities").key("drop")),
            ));
        }
    }
    if add.is_some() || drop.is_some() {
        sc.capabilities = Some(K8sCaps { add, drop });
    }

    // privileged / allowPrivilegeEscalation: container value, else the global key.
    match (t.and_then(|t| t.privileged), k.privileged) {
        (Some(p), _) => {
            sc.privileged = Some(p);
            prov.push(("privileged".into(), Source::Config(tkey.key("privileged"))));
        }
        (None, Some(p)) => {
            sc.privileged = Some(p);
            prov.push(("privileged".into(), Source::Config(kbase.key("privileged"))));
        }
        _ => {}
    }
    let global_ape = k.allow_privilege_escalation.filter(|_| since(v, 13, 6));
    match (t.and_then(|t| t.allow_privilege_escalation), global_ape) {
        (Some(p), _) => {
            sc.allow_privilege_escalation = Some(p);
            prov.push((
                "allowPrivilegeEscalation".into(),
                Source::Config(tkey.key("allow_privilege_escalation")),
            ));
        }
        (None, Some(p)) => {
            sc.allow_privilege_escalation = Some(p);
            prov.push((
                "allowPrivilegeEscalation".into(),
                Source::Config(kbase.key("allow_privilege_escalation")),
            ));
        }
        _ => {}
    }

    let Some(t) = t else {
        return (sc, prov);
    };
    let copy = |field: &str, key: &str, prov: &mut RelProv| {
        prov.push((field.to_string(), Source::Config(tkey.key(key))));
    };
    if let Some(x) = t.run_as_user {
        sc.run_as_user = Some(x);
        copy("runAsUser", "run_as_user", &mut prov);
    }
    if let Some(x) = t.run_as_group {
        sc.run_as_group = Some(x);
        copy("runAsGroup", "run_as_group", &mut prov);
    }
    if let Some(x) = t.run_as_non_root {
        sc.run_as_non_root = Some(x);
        copy("runAsNonRoot", "run_as_non_root", &mut prov);
    }
    if let Some(x) = t.read_only_root_filesystem {
        sc.read_only_root_filesystem = Some(x);
        copy(
            "readOnlyRootFilesystem",
            "read_only_root_filesystem",
            &mut prov,
        );
    }
    if let Some(x) = t.selinux_type.as_ref().filter(|s| !s.is_empty()) {
        sc.se_linux_options = Some(SELinuxOptions {
            type_: Some(x.clone()),
            ..Default::default()
        });
        copy("seLinuxOptions.type", "selinux_type", &mut prov);
    }
    // proc_mount (15.9): title-cased, anything but Default/Unmasked is dropped (getProcMount).
    if let Some(pm) = t
        .proc_mount
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        && since(v, 15, 9)
    {
        match pm.to_ascii_lowercase().as_str() {
            "default" => sc.proc_mount = Some("Default".into()),
            "unmasked" => sc.proc_mount = Some("Unmasked".into()),
            _ => warnings.push(format!("invalid proc-mount value: {pm}")),
        }
        if sc.proc_mount.is_some() {
            copy("procMount", "proc_mount", &mut prov);
        }
    }
    if since(v, 18, 11) {
        if let Some((ty, lp)) = profile("seccomp", t.seccomp_profile.as_ref(), warnings) {
            sc.seccomp_profile = Some(SeccompProfile {
                type_: ty,
                localhost_profile: lp,
            });
            copy("seccompProfile", "seccomp_profile", &mut prov);
        }
        if let Some((ty, lp)) = profile("apparmor", t.app_armor_profile.as_ref(), warnings) {
            sc.app_armor_profile = Some(AppArmorProfile {
                type_: ty,
                localhost_profile: lp,
            });
            copy("appArmorProfile", "app_armor_profile", &mut prov);
        }
    }
    (sc, prov)
}

/// Which kind of job-supplied user a container takes.
pub(crate) enum JobUser<'a> {
    /// The helper: never the job user.
    None,
    /// Build and the uid/gid collector: `image:kubernetes:user`.
    Image(Option<&'a str>),
    /// A service: `services:[].kubernetes.user`.
    Service(Option<&'a str>),
}

fn parse_id(kind: &str, s: &str, allowed: &[String]) -> Result<Option<i64>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let id: i64 = s
        .parse()
        .map_err(|e| format!("failed to parse {kind}: strconv.ParseInt: parsing {s:?}: {e}"))?;
    if id < 0 {
        return Err(format!(
            "failed to parse {kind}: negative values not allowed"
        ));
    }
    // isUserOrGroupAllowed: root needs an explicit entry; an empty list allows any non-root id.
    let listed = allowed
        .iter()
        .any(|a| a.trim().parse::<i64>().ok() == Some(id));
    let kind_word = if kind == "UID" { "user" } else { "group" };
    if !listed && (id == 0 || !allowed.is_empty()) {
        return Err(format!(
            "validating {kind}: {kind_word} {s:?} is not in the allowed list: {allowed:?}"
        ));
    }
    Ok(Some(id))
}

/// Applies the runner's UID/GID precedence to a container security context.
///
/// 18.4+: container table, else pod table (written explicitly into the container), else the
/// job-supplied user validated against `allowed_users`/`allowed_groups`; an invalid value logs
/// "Error parsing 'uid' …" and stays unset. Before 18.4 the job's image user overrides the
/// build container's configured `runAsUser` (`setSecurityContextUser`, v17.11.0 K L2355) and pod
/// values are left to Kubernetes inheritance.
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_uid_gid(
    v: &Version,
    k: &KubernetesConfig,
    kbase: &KeyPath,
    container: &str,
    job_user: JobUser<'_>,
    sc: &mut SecurityContext,
    prov: &mut RelProv,
    warnings: &mut Vec<String>,
) {
    let pod = k.pod_security_context.as_ref().filter(|_| since(v, 12, 0));
    let (user, user_src) = match job_user {
        JobUser::None => (None, ""),
        JobUser::Image(u) => (u, "image.kubernetes.user"),
        JobUser::Service(u) => (u, "services.kubernetes.user"),
    };
    if !since(v, 18, 4) {
        // Before 18.4 only the build image user overrides, and only for build/collector.
        if let (Some(u), "image.kubernetes.user") = (user, user_src) {
            let (uid, gid) = u.split_once(':').unwrap_or((u, ""));
            // 18.0–18.3 parse "uid[:gid]"; before 18.0 the field was an integer.
            if let Ok(uid) = uid.parse::<i64>() {
                sc.run_as_user = Some(uid);
                prov.retain(|(p, _)| p != "runAsUser");
                prov.push(("runAsUser".into(), Source::Job(user_src.into())));
            }
            if since(v, 18, 0)
                && let Ok(gid) = gid.parse::<i64>()
            {
                sc.run_as_group = Some(gid);
                prov.retain(|(p, _)| p != "runAsGroup");
                prov.push(("runAsGroup".into(), Source::Job(user_src.into())));
            }
        }
        return;
    }
    let user = user.unwrap_or("");
    let (uid_s, gid_s) = user.split_once(':').unwrap_or((user, ""));
    let pod_key = kbase.key("pod_security_context");
    for (field, key, kind, job_s, allowed, pod_val) in [
        (
            "runAsUser",
            "run_as_user",
            "UID",
            uid_s,
            &k.allowed_users,
            pod.and_then(|p| p.run_as_user),
        ),
        (
            "runAsGroup",
            "run_as_group",
            "GID",
            gid_s,
            &k.allowed_groups,
            pod.and_then(|p| p.run_as_group),
        ),
    ] {
        let current = if field == "runAsUser" {
            sc.run_as_user
        } else {
            sc.run_as_group
        };
        if current.is_some() {
            continue;
        }
        let (value, src) = if let Some(p) = pod_val {
            (Some(p), Source::Config(pod_key.key(key)))
        } else {
            match parse_id(kind, job_s, allowed) {
                Ok(x) => (x, Source::Job(user_src.into())),
                Err(e) => {
                    let short = if kind == "UID" { "uid" } else { "gid" };
                    warnings.push(format!(
                        "Error parsing '{short}' from image options for container {container:?}, using the configured security context: {e}"
                    ));
                    (None, Source::Job(user_src.into()))
                }
            }
        };
        if let Some(val) = value {
            if field == "runAsUser" {
                sc.run_as_user = Some(val);
            } else {
                sc.run_as_group = Some(val);
            }
            prov.push((field.into(), src));
        }
    }
}
