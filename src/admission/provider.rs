//! One SCC applied to one pod: the provider with its strategies resolved against the namespace,
//! security-context generation (mutation) and validation, in the plugin's exact order.
//!
//! Follows apiserver-library-go release-4.14: `sccmatching/matcher.go`
//! (`CreateProviderFromConstraint`, `AssignSecurityContext`), `sccmatching/provider.go`, the
//! strategies under `user/`, `selinux/`, `group/`, `capabilities/`, `seccomp/`, `sysctl/`, and
//! the nil-preserving setters of `sccmatching/patched_sc_accessors.go`. The pod is the v1 object;
//! the internal API's `PodSecurityContext.HostNetwork/HostPID/HostIPC` are read from the v1 spec.

use k8s_openapi::api::core::v1::{
    Capabilities, ContainerPort, Pod, SELinuxOptions, SeccompProfile, SecurityContext, Volume,
};

use super::namespace::NamespaceView;
use super::reason::{GoValue, Reason, ReasonKind};
use crate::model::scc::{
    FS_TYPE_ALL, GroupStrategy, IdRange, RunAsUserStrategy, SeLinuxStrategy,
    SecurityContextConstraints,
};

/// Pod annotation of the pod-level seccomp profile.
pub const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Prefix of the per-container seccomp annotations.
pub const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str =
    "container.seccomp.security.alpha.kubernetes.io/";

/// Safe sysctls of 4.14 (`sysctl.SafeSysctlAllowlist`).
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];

#[derive(Clone, Debug)]
enum UserStrat {
    MustRunAs(i64),
    Range(i64, i64),
    NonRoot,
    Any,
}

#[derive(Clone, Debug)]
enum SeLinuxStrat {
    MustRunAs(SELinuxOptions),
    Any,
}

#[derive(Clone, Debug)]
enum GroupStrat {
    MustRunAs(Vec<IdRange>),
    Any,
}

/// An SCC resolved against a namespace, ready to apply to pods.
#[derive(Clone, Debug)]
pub(crate) struct Provider<'a> {
    pub scc: &'a SecurityContextConstraints,
    user: UserStrat,
    selinux: SeLinuxStrat,
    fs_group: GroupStrat,
    supplemental: GroupStrat,
    seccomp_allowed: Vec<String>,
    seccomp_any: bool,
    runtime_default_allowed: bool,
}

fn list(v: &Option<Vec<String>>) -> &[String] {
    v.as_deref().unwrap_or_default()
}

impl<'a> Provider<'a> {
    /// `CreateProviderFromConstraint`: fills unset ranges and levels from the namespace, then
    /// builds the strategies. Errors are the plugin's texts.
    pub fn new(
        scc: &'a SecurityContextConstraints,
        ns: &NamespaceView<'_>,
    ) -> Result<Self, String> {
        let name = scc.name();
        let mut ru = scc.run_as_user.clone();
        if ru.type_ == RunAsUserStrategy::MustRunAsRange
            && ru.uid_range_min.is_none()
            && ru.uid_range_max.is_none()
        {
            let (min, max) = ns.uid_range().map_err(|e| {
                format!(
                    "unable to find pre-allocated uid annotation for namespace {} while trying to configure SCC {name}: {e}",
                    ns.name
                )
            })?;
            ru.uid_range_min = Some(min);
            ru.uid_range_max = Some(max);
        }
        let mut se = scc.se_linux_context.clone();
        if se.type_ == SeLinuxStrategy::MustRunAs
            && se
                .se_linux_options
                .as_ref()
                .is_none_or(|o| o.level.as_deref().unwrap_or("").is_empty())
        {
            let level = ns.mcs_level().map_err(|e| {
                format!(
                    "unable to find pre-allocated mcs annotation for namespace {} while trying to configure SCC {name}: {e}",
                    ns.name
                )
            })?;
            se.se_linux_options
                .get_or_insert_with(Default::default)
                .level = Some(level);
        }
        let group_err = |e: String| {
            format!(
                "unable to find pre-allocated group annotation for namespace {} while trying to configure SCC {name}: {e}",
                ns.name
            )
        };
        let mut fs = scc.fs_group.clone();
        if fs.type_ == GroupStrategy::MustRunAs
            && fs.ranges.as_deref().unwrap_or_default().is_empty()
        {
            fs.ranges = Some(ns.fs_group_ranges().map_err(group_err)?);
        }
        let mut sg = scc.supplemental_groups.clone();
        if sg.type_ == GroupStrategy::MustRunAs
            && sg.ranges.as_deref().unwrap_or_default().is_empty()
        {
            sg.ranges = Some(ns.supplemental_group_ranges().map_err(group_err)?);
        }

        let wrap = |e: String| {
            format!(
                "error creating provider for SCC {name} in namespace {}: {e}",
                ns.name
            )
        };
        let user = match &ru.type_ {
            RunAsUserStrategy::MustRunAs => UserStrat::MustRunAs(
                ru.uid
                    .ok_or_else(|| wrap("MustRunAs requires a UID".into()))?,
            ),
            RunAsUserStrategy::MustRunAsRange => {
                let min = ru
                    .uid_range_min
                    .ok_or_else(|| wrap("MustRunAsRange requires a UIDRangeMin".into()))?;
                let max = ru
                    .uid_range_max
                    .ok_or_else(|| wrap("MustRunAsRange requires a UIDRangeMax".into()))?;
                UserStrat::Range(min, max)
            }
            RunAsUserStrategy::MustRunAsNonRoot => UserStrat::NonRoot,
            RunAsUserStrategy::RunAsAny => UserStrat::Any,
            RunAsUserStrategy::Unrecognized(t) => {
                return Err(wrap(format!("Unrecognized RunAsUser strategy type {t}")));
            }
        };
        let selinux = match &se.type_ {
            SeLinuxStrategy::MustRunAs => SeLinuxStrat::MustRunAs(
                se.se_linux_options
                    .clone()
                    .ok_or_else(|| wrap("MustRunAs requires SELinuxOptions".into()))?,
            ),
            SeLinuxStrategy::RunAsAny => SeLinuxStrat::Any,
            SeLinuxStrategy::Unrecognized(t) => {
                return Err(wrap(format!(
                    "Unrecognized SELinuxContext strategy type {t}"
                )));
            }
        };
        let group = |o: &crate::model::scc::GroupStrategyOptions, what: &str| match &o.type_ {
            GroupStrategy::RunAsAny => Ok(GroupStrat::Any),
            GroupStrategy::MustRunAs => {
                let r = o.ranges.clone().unwrap_or_default();
                if r.is_empty() {
                    Err(wrap("ranges must be supplied for MustRunAs".into()))
                } else {
                    Ok(GroupStrat::MustRunAs(r))
                }
            }
            GroupStrategy::Unrecognized(t) => {
                Err(wrap(format!("Unrecognized {what} strategy type {t}")))
            }
        };
        let fs_group = group(&fs, "FSGroup")?;
        let supplemental = group(&sg, "SupplementalGroups")?;

        // seccomp: `*` allows anything; docker/default and runtime/default are equivalent.
        let mut seccomp_allowed = Vec::new();
        let mut seccomp_any = false;
        let mut runtime_default_allowed = false;
        for p in list(&scc.seccomp_profiles) {
            if p == "*" {
                seccomp_any = true;
                continue;
            }
            if p == "docker/default" || p == "runtime/default" {
                runtime_default_allowed = true;
            }
            seccomp_allowed.push(p.clone());
        }

        Ok(Provider {
            scc,
            user,
            selinux,
            fs_group,
            supplemental,
            seccomp_allowed,
            seccomp_any,
            runtime_default_allowed,
        })
    }

    pub fn name(&self) -> &'a str {
        self.scc.name()
    }

    /// `AssignSecurityContext`: mutates `pod` as this SCC would and returns every violation.
    pub fn assign(&self, pod: &mut Pod) -> Vec<Reason> {
        let mut errs = Vec::new();
        let root = format!("provider {}: ", self.name());
        self.create_pod_security_context(pod);
        self.validate_pod(pod, &root, &mut errs);

        let ports = container_ports(pod);
        for slot in container_slots(pod) {
            let (name, original) = slot_parts(pod, slot);
            let generated = self.create_container_security_context(pod, &name, original.as_ref());
            set_slot_sc(pod, slot, generated);
            self.validate_container(pod, slot, &name, &root, &ports, &mut errs);
        }
        errs
    }

    fn create_pod_security_context(&self, pod: &mut Pod) {
        let annotations_before = pod.metadata.annotations.clone();
        let spec = pod.spec.get_or_insert_with(Default::default);
        let pod_profile_field = spec
            .security_context
            .as_ref()
            .and_then(|sc| sc.seccomp_profile.clone());
        let sc = &mut spec.security_context;

        if sc
            .as_ref()
            .and_then(|s| s.supplemental_groups.as_ref())
            .is_none()
            && let GroupStrat::MustRunAs(r) = &self.supplemental
            && let Some(first) = r.first()
        {
            sc.get_or_insert_with(Default::default).supplemental_groups = Some(vec![first.min]);
        }
        if sc.as_ref().and_then(|s| s.fs_group).is_none()
            && let GroupStrat::MustRunAs(r) = &self.fs_group
            && let Some(first) = r.first()
        {
            sc.get_or_insert_with(Default::default).fs_group = Some(first.min);
        }
        if sc
            .as_ref()
            .and_then(|s| s.se_linux_options.as_ref())
            .is_none()
            && let SeLinuxStrat::MustRunAs(o) = &self.selinux
        {
            sc.get_or_insert_with(Default::default).se_linux_options = Some(o.clone());
        }

        // seccomp is generated at pod level only: the annotation wins, then the field, then the
        // SCC's first non-wildcard profile. The result is written to both annotation and field.
        let existing = annotations_before
            .as_ref()
            .and_then(|a| a.get(SECCOMP_POD_ANNOTATION))
            .filter(|v| !v.is_empty())
            .cloned();
        let profile = existing
            .or_else(|| pod_profile_field.as_ref().map(annotation_for_field))
            .or_else(|| self.seccomp_allowed.first().cloned())
            .unwrap_or_default();
        if !profile.is_empty() {
            let field = field_for_annotation(&profile);
            if field.is_some() || sc.is_some() {
                sc.get_or_insert_with(Default::default).seccomp_profile = field;
            }
            pod.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(SECCOMP_POD_ANNOTATION.to_owned(), profile);
        }
    }

    fn validate_pod(&self, pod: &Pod, root: &str, errs: &mut Vec<Reason>) {
        let spec = pod.spec.as_ref();
        let sc = spec.and_then(|s| s.security_context.as_ref());
        let base = format!("{root}.spec.securityContext");
        let scc = self.name();
        let pod_err = |path_tail: &str, field: &str, kind: ReasonKind, detail: String| Reason {
            scc: scc.to_owned(),
            path: format!("{base}.{path_tail}"),
            field: field.to_owned(),
            container: None,
            kind,
            detail,
        };

        let fs_groups: Vec<i64> = sc.and_then(|s| s.fs_group).into_iter().collect();
        if let GroupStrat::MustRunAs(ranges) = &self.fs_group {
            validate_groups(ranges, Some(&fs_groups), |value, detail| {
                errs.push(pod_err(
                    "fsGroup",
                    "spec.securityContext.fsGroup",
                    ReasonKind::Invalid(value),
                    detail,
                ));
            });
        }
        if let GroupStrat::MustRunAs(ranges) = &self.supplemental {
            let groups = sc.and_then(|s| s.supplemental_groups.as_ref());
            validate_groups(ranges, groups, |value, detail| {
                errs.push(pod_err(
                    "supplementalGroups",
                    "spec.securityContext.supplementalGroups",
                    ReasonKind::Invalid(value),
                    detail,
                ));
            });
        }

        // seccomp (pod): the annotation, else the field translated.
        let pod_profile = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(SECCOMP_POD_ANNOTATION))
            .filter(|v| !v.is_empty())
            .cloned()
            .or_else(|| {
                sc.and_then(|s| s.seccomp_profile.as_ref())
                    .map(annotation_for_field)
            })
            .unwrap_or_default();
        let key = format!("pod.metadata.annotations[{SECCOMP_POD_ANNOTATION}]");
        if let Some(detail) = self.seccomp_violation(&pod_profile) {
            errs.push(Reason {
                scc: scc.to_owned(),
                path: key,
                field: format!("metadata.annotations[{SECCOMP_POD_ANNOTATION}]"),
                container: None,
                kind: ReasonKind::Forbidden,
                detail,
            });
        }

        self.validate_selinux(
            sc.and_then(|s| s.se_linux_options.as_ref()),
            &format!("{base}.seLinuxOptions"),
            "spec.securityContext.seLinuxOptions",
            None,
            errs,
        );

        let (host_network, host_pid, host_ipc) = host_flags(pod);
        if !self.scc.allow_host_network && host_network {
            errs.push(pod_err(
                "hostNetwork",
                "spec.hostNetwork",
                ReasonKind::Invalid(GoValue::Bool(true)),
                "Host network is not allowed to be used".into(),
            ));
        }
        if !self.scc.allow_host_pid && host_pid {
            errs.push(pod_err(
                "hostPID",
                "spec.hostPID",
                ReasonKind::Invalid(GoValue::Bool(true)),
                "Host PID is not allowed to be used".into(),
            ));
        }
        if !self.scc.allow_host_ipc && host_ipc {
            errs.push(pod_err(
                "hostIPC",
                "spec.hostIPC",
                ReasonKind::Invalid(GoValue::Bool(true)),
                "Host IPC is not allowed to be used".into(),
            ));
        }

        // sysctls: forbidden wins, then safe, then allowed-unsafe.
        let sysctls = sc.and_then(|s| s.sysctls.as_deref()).unwrap_or_default();
        for (i, sysctl) in sysctls.iter().enumerate() {
            let n = sysctl.name.as_str();
            let detail = if matches_pattern(list(&self.scc.forbidden_sysctls), n) {
                format!("sysctl \"{n}\" is not allowed")
            } else if SAFE_SYSCTLS.contains(&n)
                || matches_pattern(list(&self.scc.allowed_unsafe_sysctls), n)
            {
                continue;
            } else {
                format!("unsafe sysctl \"{n}\" is not allowed")
            };
            errs.push(Reason {
                scc: scc.to_owned(),
                path: format!("pod.spec.securityContext.sysctls[{i}]"),
                field: format!("spec.securityContext.sysctls[{i}]"),
                container: None,
                kind: ReasonKind::Forbidden,
                detail,
            });
        }

        let volumes = spec.and_then(|s| s.volumes.as_deref()).unwrap_or_default();
        let allowed = list(&self.scc.volumes);
        if !volumes.is_empty() && !allowed.iter().any(|v| v == FS_TYPE_ALL) {
            let has = |t: &str| allowed.iter().any(|v| v == t);
            for (i, v) in volumes.iter().enumerate() {
                let (kind, detail) = match volume_fs_type(v) {
                    Some(t) => {
                        let ok = has(t)
                            || (has("secret")
                                && t == "projected"
                                && only_service_account_token_sources(v));
                        if ok {
                            continue;
                        }
                        (
                            t.to_owned(),
                            format!("{t} volumes are not allowed to be used"),
                        )
                    }
                    None => (
                        String::new(),
                        format!("unknown volume type for volume: {}", v.name),
                    ),
                };
                errs.push(Reason {
                    scc: scc.to_owned(),
                    path: format!("spec.volumes[{i}]"),
                    field: format!("spec.volumes[{i}]"),
                    container: None,
                    kind: ReasonKind::Invalid(GoValue::Str(kind)),
                    detail,
                });
            }
        }

        let flex_allowed = self.scc.allowed_flex_volumes.as_deref().unwrap_or_default();
        if !volumes.is_empty()
            && !flex_allowed.is_empty()
            && allowed
                .iter()
                .any(|v| v == "flexVolume" || v == FS_TYPE_ALL)
        {
            for (i, v) in volumes.iter().enumerate() {
                let Some(flex) = &v.flex_volume else { continue };
                if !flex_allowed.iter().any(|a| a.driver == flex.driver) {
                    errs.push(pod_err(
                        &format!("volumes[{i}].driver"),
                        &format!("spec.volumes[{i}].flexVolume.driver"),
                        ReasonKind::Invalid(GoValue::Str(flex.driver.clone())),
                        "Flexvolume driver is not allowed to be used".into(),
                    ));
                }
            }
        }
    }

    /// `seccomp.validateProfile`: the detail of the Forbidden error, if any.
    fn seccomp_violation(&self, profile: &str) -> Option<String> {
        if !self.seccomp_any && self.seccomp_allowed.is_empty() && !profile.is_empty() {
            return Some("seccomp may not be set".into());
        }
        if self.seccomp_allowed.is_empty() && profile.is_empty() {
            return None;
        }
        if self.seccomp_any {
            return None;
        }
        let rd = profile == "docker/default" || profile == "runtime/default";
        if self
            .seccomp_allowed
            .iter()
            .any(|p| p == profile || (self.runtime_default_allowed && rd))
        {
            return None;
        }
        Some(format!(
            "{profile} is not an allowed seccomp profile. Valid values are [{}]",
            self.seccomp_allowed.join(" ")
        ))
    }

    fn validate_selinux(
        &self,
        opts: Option<&SELinuxOptions>,
        path: &str,
        field: &str,
        container: Option<&str>,
        errs: &mut Vec<Reason>,
    ) {
        let SeLinuxStrat::MustRunAs(want) = &self.selinux else {
            return;
        };
        let mk = |tail: &str, kind: ReasonKind, detail: String| Reason {
            scc: self.name().to_owned(),
            path: format!("{path}{tail}"),
            field: format!("{field}{tail}"),
            container: container.map(str::to_owned),
            kind,
            detail,
        };
        let Some(got) = opts else {
            errs.push(mk("", ReasonKind::Required, String::new()));
            return;
        };
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        let (wl, gl) = (s(&want.level), s(&got.level));
        if !equal_levels(&wl, &gl) {
            errs.push(mk(
                ".level",
                ReasonKind::Invalid(GoValue::Str(gl)),
                format!("must be {wl}"),
            ));
        }
        for (tail, w, g) in [
            (".role", s(&want.role), s(&got.role)),
            (".type", s(&want.type_), s(&got.type_)),
            (".user", s(&want.user), s(&got.user)),
        ] {
            if g != w {
                errs.push(mk(
                    tail,
                    ReasonKind::Invalid(GoValue::Str(g)),
                    format!("must be {w}"),
                ));
            }
        }
    }

    /// `CreateContainerSecurityContext`: the container's new security context (or `None`).
    fn create_container_security_context(
        &self,
        pod: &Pod,
        container_name: &str,
        original: Option<&SecurityContext>,
    ) -> Option<SecurityContext> {
        let pod_sc = pod.spec.as_ref().and_then(|s| s.security_context.as_ref());
        let mut csc: Option<SecurityContext> = original.cloned();

        // runAsUser: only when the effective (container, else pod) value is unset.
        let eff_uid = csc
            .as_ref()
            .and_then(|c| c.run_as_user)
            .or(pod_sc.and_then(|p| p.run_as_user));
        if eff_uid.is_none() {
            let generated = match self.user {
                UserStrat::MustRunAs(uid) => Some(uid),
                UserStrat::Range(min, _) => Some(min),
                UserStrat::NonRoot | UserStrat::Any => None,
            };
            if generated.is_some() {
                csc.get_or_insert_with(Default::default).run_as_user = generated;
            }
        }

        let eff_selinux = csc
            .as_ref()
            .and_then(|c| c.se_linux_options.as_ref())
            .or(pod_sc.and_then(|p| p.se_linux_options.as_ref()));
        if eff_selinux.is_none()
            && let SeLinuxStrat::MustRunAs(o) = &self.selinux
        {
            csc.get_or_insert_with(Default::default).se_linux_options = Some(o.clone());
        }

        let eff_nonroot = csc
            .as_ref()
            .and_then(|c| c.run_as_non_root)
            .or(pod_sc.and_then(|p| p.run_as_non_root));
        if eff_nonroot.is_none() {
            let uid = csc
                .as_ref()
                .and_then(|c| c.run_as_user)
                .or(pod_sc.and_then(|p| p.run_as_user));
            let non_root = match uid {
                None => matches!(self.user, UserStrat::NonRoot),
                Some(u) => u > 0,
            };
            if non_root {
                csc.get_or_insert_with(Default::default).run_as_non_root = Some(true);
            }
        }

        let caps = self.generate_capabilities(original.and_then(|c| c.capabilities.as_ref()));
        let current = csc.as_ref().and_then(|c| c.capabilities.as_ref());
        if current != caps.as_ref() {
            // Only reached when caps differ; a None here means the original was Some.
            csc.get_or_insert_with(Default::default).capabilities = caps.clone();
        }

        if self.scc.read_only_root_filesystem
            && csc
                .as_ref()
                .and_then(|c| c.read_only_root_filesystem)
                .is_none()
        {
            csc.get_or_insert_with(Default::default)
                .read_only_root_filesystem = Some(true);
        }

        let privileged = csc.as_ref().and_then(|c| c.privileged) == Some(true);
        let adds_sys_admin = caps
            .as_ref()
            .and_then(|c| c.add.as_deref())
            .unwrap_or_default()
            .iter()
            .any(|c| c == "CAP_SYS_ADMIN");

        let key = format!("{SECCOMP_CONTAINER_ANNOTATION_PREFIX}{container_name}");
        if let Some(v) = pod.metadata.annotations.as_ref().and_then(|a| a.get(&key)) {
            let p = field_for_annotation(v);
            let current = csc.as_ref().and_then(|c| c.seccomp_profile.as_ref());
            if current != p.as_ref() && (csc.is_some() || p.is_some()) {
                csc.get_or_insert_with(Default::default).seccomp_profile = p;
            }
        }

        let ape_unset = csc
            .as_ref()
            .and_then(|c| c.allow_privilege_escalation)
            .is_none();
        if let Some(default) = self.scc.default_allow_privilege_escalation
            && ape_unset
            && !privileged
            && !adds_sys_admin
        {
            csc.get_or_insert_with(Default::default)
                .allow_privilege_escalation = Some(default);
        }
        if self.scc.allow_privilege_escalation == Some(false)
            && csc
                .as_ref()
                .and_then(|c| c.allow_privilege_escalation)
                .is_none()
        {
            csc.get_or_insert_with(Default::default)
                .allow_privilege_escalation = Some(false);
        }
        csc
    }

    /// `capabilities.Generate`: adds defaults (unless dropped) and required drops; returns the
    /// original object when nothing changes, otherwise sorted, de-duplicated lists.
    fn generate_capabilities(&self, original: Option<&Capabilities>) -> Option<Capabilities> {
        use std::collections::BTreeSet;
        let c_add: BTreeSet<&str> = original
            .and_then(|c| c.add.as_deref())
            .unwrap_or_default()
            .iter()
            .map(String::as_str)
            .collect();
        let c_drop: BTreeSet<&str> = original
            .and_then(|c| c.drop.as_deref())
            .unwrap_or_default()
            .iter()
            .map(String::as_str)
            .collect();
        let mut add: BTreeSet<&str> = list(&self.scc.default_add_capabilities)
            .iter()
            .map(String::as_str)
            .filter(|c| !c_drop.contains(c))
            .collect();
        add.extend(c_add.iter().copied());
        let mut drop: BTreeSet<&str> = list(&self.scc.required_drop_capabilities)
            .iter()
            .map(String::as_str)
            .collect();
        drop.extend(c_drop.iter().copied());
        if add.len() == c_add.len() && drop.len() == c_drop.len() {
            return original.cloned();
        }
        let to_vec = |s: BTreeSet<&str>| {
            (!s.is_empty()).then(|| s.into_iter().map(str::to_owned).collect::<Vec<_>>())
        };
        Some(Capabilities {
            add: to_vec(add),
            drop: to_vec(drop),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn validate_container(
        &self,
        pod: &Pod,
        slot: Slot,
        name: &str,
        root: &str,
        ports: &[(Slot, Vec<ContainerPort>)],
        errs: &mut Vec<Reason>,
    ) {
        let pod_sc = pod.spec.as_ref().and_then(|s| s.security_context.as_ref());
        let csc = slot_sc(pod, slot);
        let path = format!("{root}.{}[{}]", slot.kind.json_name(), slot.index);
        let field = format!("spec.{}[{}]", slot.kind.json_name(), slot.index);
        let scc = self.name();
        // `field_at` is the canonical pod field: the container's own, or the pod-level field
        // when the container inherits the value from there.
        let mk = |tail: &str, field_at: &str, kind: ReasonKind, detail: &str| Reason {
            scc: scc.to_owned(),
            path: format!("{path}.{tail}"),
            field: field_at.to_owned(),
            container: Some(name.to_owned()),
            kind,
            detail: detail.to_owned(),
        };

        let uid = csc
            .and_then(|c| c.run_as_user)
            .or(pod_sc.and_then(|p| p.run_as_user));
        let non_root = csc
            .and_then(|c| c.run_as_non_root)
            .or(pod_sc.and_then(|p| p.run_as_non_root));
        let own_or_pod = |own: bool, pod_has: bool, leaf: &str| {
            if !own && pod_has {
                format!("spec.securityContext.{leaf}")
            } else {
                format!("{field}.securityContext.{leaf}")
            }
        };
        let uid_field = own_or_pod(
            csc.and_then(|c| c.run_as_user).is_some(),
            pod_sc.and_then(|p| p.run_as_user).is_some(),
            "runAsUser",
        );
        let non_root_field = own_or_pod(
            csc.and_then(|c| c.run_as_non_root).is_some(),
            pod_sc.and_then(|p| p.run_as_non_root).is_some(),
            "runAsNonRoot",
        );
        match self.user {
            UserStrat::MustRunAs(want) => match uid {
                None => errs.push(mk("runAsUser", &uid_field, ReasonKind::Required, "")),
                Some(u) if u != want => errs.push(mk(
                    "runAsUser",
                    &uid_field,
                    ReasonKind::Invalid(GoValue::Int(u)),
                    &format!("must be: {want}"),
                )),
                Some(_) => {}
            },
            UserStrat::Range(min, max) => match uid {
                None => errs.push(mk("runAsUser", &uid_field, ReasonKind::Required, "")),
                Some(u) if u < min || u > max => errs.push(mk(
                    "runAsUser",
                    &uid_field,
                    ReasonKind::Invalid(GoValue::Int(u)),
                    &format!("must be in the ranges: [{min}, {max}]"),
                )),
                Some(_) => {}
            },
            UserStrat::NonRoot => {
                if non_root.is_none() && uid.is_none() {
                    errs.push(mk(
                        "runAsNonRoot",
                        &non_root_field,
                        ReasonKind::Required,
                        "must be true",
                    ));
                } else if non_root == Some(false) {
                    errs.push(mk(
                        "runAsNonRoot",
                        &non_root_field,
                        ReasonKind::Invalid(GoValue::Bool(false)),
                        "must be true",
                    ));
                } else if uid == Some(0) {
                    errs.push(mk(
                        "runAsUser",
                        &uid_field,
                        ReasonKind::Invalid(GoValue::Int(0)),
                        "running with the root UID is forbidden",
                    ));
                }
            }
            UserStrat::Any => {}
        }

        let own_selinux = csc.and_then(|c| c.se_linux_options.as_ref());
        let pod_selinux = pod_sc.and_then(|p| p.se_linux_options.as_ref());
        self.validate_selinux(
            own_selinux.or(pod_selinux),
            &format!("{path}.seLinuxOptions"),
            &own_or_pod(
                own_selinux.is_some(),
                pod_selinux.is_some(),
                "seLinuxOptions",
            ),
            Some(name),
            errs,
        );

        // seccomp (container): container field, else container annotation, else pod field,
        // else pod annotation.
        let annotations = pod.metadata.annotations.as_ref();
        let key = format!("{SECCOMP_CONTAINER_ANNOTATION_PREFIX}{name}");
        // The canonical field follows where the profile came from.
        let container_field = format!("{field}.securityContext.seccompProfile");
        let (profile, source) = if let Some(p) = csc.and_then(|c| c.seccomp_profile.as_ref()) {
            (annotation_for_field(p), container_field)
        } else if let Some(a) = annotations.and_then(|a| a.get(&key)) {
            (a.clone(), format!("metadata.annotations[{key}]"))
        } else if let Some(p) = pod_sc.and_then(|p| p.seccomp_profile.as_ref()) {
            (
                annotation_for_field(p),
                "spec.securityContext.seccompProfile".to_owned(),
            )
        } else {
            let a = annotations.and_then(|a| a.get(SECCOMP_POD_ANNOTATION));
            (
                a.cloned().unwrap_or_default(),
                if a.is_some() {
                    format!("metadata.annotations[{SECCOMP_POD_ANNOTATION}]")
                } else {
                    container_field
                },
            )
        };
        if let Some(detail) = self.seccomp_violation(&profile) {
            errs.push(Reason {
                scc: scc.to_owned(),
                path: format!("pod.metadata.annotations[{key}]"),
                field: source,
                container: Some(name.to_owned()),
                kind: ReasonKind::Forbidden,
                detail,
            });
        }

        if !self.scc.allow_privileged_container && csc.and_then(|c| c.privileged) == Some(true) {
            errs.push(mk(
                "privileged",
                &format!("{field}.securityContext.privileged"),
                ReasonKind::Invalid(GoValue::Bool(true)),
                "Privileged containers are not allowed",
            ));
        }

        self.validate_capabilities(csc.and_then(|c| c.capabilities.as_ref()), &field, &mk, errs);

        let (host_network, host_pid, host_ipc) = host_flags(pod);
        if !self.scc.allow_host_network && host_network {
            errs.push(mk(
                "hostNetwork",
                "spec.hostNetwork",
                ReasonKind::Invalid(GoValue::Bool(true)),
                "Host network is not allowed to be used",
            ));
        }
        if !self.scc.allow_host_ports {
            // Upstream quirk: each container's check walks every container of the pod, and
            // appends the other container's path to this container's path.
            for (other, ports) in ports {
                for (j, p) in ports.iter().enumerate() {
                    let hp = p.host_port.unwrap_or(0);
                    if hp > 0 {
                        errs.push(Reason {
                            scc: scc.to_owned(),
                            path: format!(
                                "{path}.{}[{}].hostPort",
                                other.kind.json_name(),
                                other.index
                            ),
                            field: format!(
                                "spec.{}[{}].ports[{j}].hostPort",
                                other.kind.json_name(),
                                other.index
                            ),
                            container: Some(name.to_owned()),
                            kind: ReasonKind::Invalid(GoValue::Int(i64::from(hp))),
                            detail: "Host ports are not allowed to be used".into(),
                        });
                    }
                }
            }
        }
        if !self.scc.allow_host_pid && host_pid {
            errs.push(mk(
                "hostPID",
                "spec.hostPID",
                ReasonKind::Invalid(GoValue::Bool(true)),
                "Host PID is not allowed to be used",
            ));
        }
        if !self.scc.allow_host_ipc && host_ipc {
            errs.push(mk(
                "hostIPC",
                "spec.hostIPC",
                ReasonKind::Invalid(GoValue::Bool(true)),
                "Host IPC is not allowed to be used",
            ));
        }
        if self.scc.read_only_root_filesystem {
            match csc.and_then(|c| c.read_only_root_filesystem) {
                None => errs.push(mk(
                    "readOnlyRootFilesystem",
                    &format!("{field}.securityContext.readOnlyRootFilesystem"),
                    ReasonKind::Invalid(GoValue::Null),
                    "ReadOnlyRootFilesystem may not be nil and must be set to true",
                )),
                Some(false) => errs.push(mk(
                    "readOnlyRootFilesystem",
                    &format!("{field}.securityContext.readOnlyRootFilesystem"),
                    ReasonKind::Invalid(GoValue::Bool(false)),
                    "ReadOnlyRootFilesystem must be set to true",
                )),
                Some(true) => {}
            }
        }
        if self.scc.allow_privilege_escalation == Some(false) {
            let value = match csc.and_then(|c| c.allow_privilege_escalation) {
                None => Some(GoValue::Null),
                Some(true) => Some(GoValue::Bool(true)),
                Some(false) => None,
            };
            if let Some(v) = value {
                errs.push(mk(
                    "allowPrivilegeEscalation",
                    &format!("{field}.securityContext.allowPrivilegeEscalation"),
                    ReasonKind::Invalid(v),
                    "Allowing privilege escalation for containers is not allowed",
                ));
            }
        }
    }

    fn validate_capabilities(
        &self,
        caps: Option<&Capabilities>,
        field: &str,
        mk: &dyn Fn(&str, &str, ReasonKind, &str) -> Reason,
        errs: &mut Vec<Reason>,
    ) {
        let default_add = list(&self.scc.default_add_capabilities);
        let required_drop = list(&self.scc.required_drop_capabilities);
        let Some(caps) = caps else {
            if !default_add.is_empty() || !required_drop.is_empty() {
                errs.push(mk(
                    "capabilities",
                    &format!("{field}.securityContext.capabilities"),
                    ReasonKind::Invalid(GoValue::Null),
                    "required capabilities are not set on the securityContext",
                ));
            }
            return;
        };
        let allowed = list(&self.scc.allowed_capabilities);
        if allowed.iter().any(|c| c == "*") {
            return;
        }
        for c in caps.add.as_deref().unwrap_or_default() {
            if !default_add.contains(c) && !allowed.contains(c) {
                errs.push(mk(
                    "capabilities.add",
                    &format!("{field}.securityContext.capabilities.add"),
                    ReasonKind::Invalid(GoValue::Str(c.clone())),
                    "capability may not be added",
                ));
            }
        }
        let drops = caps.drop.as_deref().unwrap_or_default();
        for r in required_drop {
            if !drops.contains(r) {
                errs.push(mk(
                    "capabilities.drop",
                    &format!("{field}.securityContext.capabilities.drop"),
                    ReasonKind::Invalid(GoValue::Capabilities(caps.drop.clone())),
                    &format!("{r} is required to be dropped but was not found"),
                ));
            }
        }
    }
}

/// `group.mustRunAs.Validate`: reports through `report(value, detail)`.
fn validate_groups(
    ranges: &[IdRange],
    groups: Option<&Vec<i64>>,
    mut report: impl FnMut(GoValue, String),
) {
    let value = || GoValue::Int64s(groups.cloned());
    let gs = groups.map(Vec::as_slice).unwrap_or_default();
    if gs.is_empty() && !ranges.is_empty() {
        report(
            value(),
            "unable to validate empty groups against required ranges".into(),
        );
    }
    for g in gs {
        if !ranges.iter().any(|r| *g >= r.min && *g <= r.max) {
            report(value(), format!("{g} is not an allowed group"));
        }
    }
}

/// `selinux.equalLevels`: equal strings, or the same sensitivity and the same category set.
fn equal_levels(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    let (Some((es, ec)), Some((as_, ac))) = (expected.split_once(':'), actual.split_once(':'))
    else {
        return false;
    };
    if es != as_ {
        return false;
    }
    let mut e: Vec<&str> = ec.split(',').collect();
    let mut a: Vec<&str> = ac.split(',').collect();
    e.sort_unstable();
    a.sort_unstable();
    e == a
}

/// Sysctl pattern match: exact name, or a prefix ending in `*`.
fn matches_pattern(patterns: &[String], name: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => p == name,
    })
}

/// `seccompAnnotationForField`.
pub(crate) fn annotation_for_field(p: &SeccompProfile) -> String {
    match p.type_.as_str() {
        "Unconfined" => "unconfined".into(),
        "RuntimeDefault" => "runtime/default".into(),
        "Localhost" => p
            .localhost_profile
            .as_ref()
            .map(|l| format!("localhost/{l}"))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// `seccompFieldForAnnotation`.
pub(crate) fn field_for_annotation(a: &str) -> Option<SeccompProfile> {
    let profile = |t: &str, l: Option<String>| SeccompProfile {
        type_: t.to_owned(),
        localhost_profile: l,
    };
    match a {
        "unconfined" => Some(profile("Unconfined", None)),
        "runtime/default" | "docker/default" => Some(profile("RuntimeDefault", None)),
        _ => a
            .strip_prefix("localhost/")
            .filter(|l| !l.is_empty())
            .map(|l| profile("Localhost", Some(l.to_owned()))),
    }
}

/// `hostNetwork`, `hostPID`, `hostIPC` of the pod.
fn host_flags(pod: &Pod) -> (bool, bool, bool) {
    pod.spec.as_ref().map_or((false, false, false), |s| {
        (
            s.host_network == Some(true),
            s.host_pid == Some(true),
            s.host_ipc == Some(true),
        )
    })
}

/// `util.GetVolumeFSType`: the first non-nil source, in upstream's order.
pub(crate) fn volume_fs_type(v: &Volume) -> Option<&'static str> {
    let checks: [(bool, &'static str); 29] = [
        (v.host_path.is_some(), "hostPath"),
        (v.empty_dir.is_some(), "emptyDir"),
        (v.gce_persistent_disk.is_some(), "gcePersistentDisk"),
        (v.aws_elastic_block_store.is_some(), "awsElasticBlockStore"),
        (v.git_repo.is_some(), "gitRepo"),
        (v.secret.is_some(), "secret"),
        (v.nfs.is_some(), "nfs"),
        (v.iscsi.is_some(), "iscsi"),
        (v.glusterfs.is_some(), "glusterfs"),
        (v.persistent_volume_claim.is_some(), "persistentVolumeClaim"),
        (v.rbd.is_some(), "rbd"),
        (v.flex_volume.is_some(), "flexVolume"),
        (v.cinder.is_some(), "cinder"),
        (v.cephfs.is_some(), "cephFS"),
        (v.flocker.is_some(), "flocker"),
        (v.downward_api.is_some(), "downwardAPI"),
        (v.fc.is_some(), "fc"),
        (v.azure_file.is_some(), "azureFile"),
        (v.config_map.is_some(), "configMap"),
        (v.vsphere_volume.is_some(), "vsphere"),
        (v.quobyte.is_some(), "quobyte"),
        (v.azure_disk.is_some(), "azureDisk"),
        (v.photon_persistent_disk.is_some(), "photonPersistentDisk"),
        (v.projected.is_some(), "projected"),
        (v.portworx_volume.is_some(), "portworxVolume"),
        (v.scale_io.is_some(), "scaleIO"),
        (v.storageos.is_some(), "storageOS"),
        (v.csi.is_some(), "csi"),
        (v.ephemeral.is_some(), "ephemeral"),
    ];
    checks.iter().find(|(set, _)| *set).map(|(_, t)| *t)
}

/// `util.IsOnlyServiceAccountTokenSources`: the projected volume the ServiceAccount admission
/// plugin injects (token, kube-root-ca.crt, namespace, openshift-service-ca.crt).
fn only_service_account_token_sources(v: &Volume) -> bool {
    let Some(p) = &v.projected else { return false };
    p.sources.as_deref().unwrap_or_default().iter().all(|s| {
        if s.service_account_token.is_none() && s.config_map.is_none() && s.downward_api.is_none() {
            return false;
        }
        if let Some(t) = &s.service_account_token
            && (t.path != "token" || t.audience.as_deref().is_some_and(|a| !a.is_empty()))
        {
            return false;
        }
        if let Some(cm) = &s.config_map {
            let items = cm.items.as_deref().unwrap_or_default();
            let only = |k: &str| items.len() == 1 && items[0].key == k && items[0].path == k;
            let ok = match cm.name.as_str() {
                "kube-root-ca.crt" => only("ca.crt"),
                "openshift-service-ca.crt" => only("service-ca.crt"),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
        if let Some(d) = &s.downward_api {
            let ok = d.items.as_deref().unwrap_or_default().iter().all(|i| {
                i.path == "namespace"
                    && i.field_ref.as_ref().is_some_and(|f| {
                        f.api_version.as_deref() == Some("v1")
                            && f.field_path == "metadata.namespace"
                    })
            });
            if !ok {
                return false;
            }
        }
        true
    })
}

/// The three container lists, in the order the plugin visits them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    pub fn json_name(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// A container position in the pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub kind: ContainerKind,
    pub index: usize,
}

/// Every container slot, init → regular → ephemeral (`VisitContainersWithPath`).
pub(crate) fn container_slots(pod: &Pod) -> Vec<Slot> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    let init = spec.init_containers.as_deref().unwrap_or_default().len();
    let regular = spec.containers.len();
    let eph = spec
        .ephemeral_containers
        .as_deref()
        .unwrap_or_default()
        .len();
    let mk = |kind, n: usize| (0..n).map(move |index| Slot { kind, index });
    mk(ContainerKind::Init, init)
        .chain(mk(ContainerKind::Regular, regular))
        .chain(mk(ContainerKind::Ephemeral, eph))
        .collect()
}

fn container_ports(pod: &Pod) -> Vec<(Slot, Vec<ContainerPort>)> {
    container_slots(pod)
        .into_iter()
        .map(|slot| {
            let spec = pod.spec.as_ref();
            let ports = match slot.kind {
                ContainerKind::Init => spec
                    .and_then(|s| s.init_containers.as_ref())
                    .and_then(|c| c.get(slot.index))
                    .and_then(|c| c.ports.clone()),
                ContainerKind::Regular => spec
                    .and_then(|s| s.containers.get(slot.index))
                    .and_then(|c| c.ports.clone()),
                ContainerKind::Ephemeral => spec
                    .and_then(|s| s.ephemeral_containers.as_ref())
                    .and_then(|c| c.get(slot.index))
                    .and_then(|c| c.ports.clone()),
            };
            (slot, ports.unwrap_or_default())
        })
        .collect()
}

/// The name and security context of the container in `slot`.
pub(crate) fn slot_parts(pod: &Pod, slot: Slot) -> (String, Option<SecurityContext>) {
    let spec = pod.spec.as_ref();
    match slot.kind {
        ContainerKind::Init => spec
            .and_then(|s| s.init_containers.as_ref())
            .and_then(|c| c.get(slot.index))
            .map(|c| (c.name.clone(), c.security_context.clone())),
        ContainerKind::Regular => spec
            .and_then(|s| s.containers.get(slot.index))
            .map(|c| (c.name.clone(), c.security_context.clone())),
        ContainerKind::Ephemeral => spec
            .and_then(|s| s.ephemeral_containers.as_ref())
            .and_then(|c| c.get(slot.index))
            .map(|c| (c.name.clone(), c.security_context.clone())),
    }
    .unwrap_or_default()
}

fn slot_sc(pod: &Pod, slot: Slot) -> Option<&SecurityContext> {
    let spec = pod.spec.as_ref()?;
    match slot.kind {
        ContainerKind::Init => spec
            .init_containers
            .as_ref()?
            .get(slot.index)?
            .security_context
            .as_ref(),
        ContainerKind::Regular => spec.containers.get(slot.index)?.security_context.as_ref(),
        ContainerKind::Ephemeral => spec
            .ephemeral_containers
            .as_ref()?
            .get(slot.index)?
            .security_context
            .as_ref(),
    }
}

fn set_slot_sc(pod: &mut Pod, slot: Slot, sc: Option<SecurityContext>) {
    let Some(spec) = pod.spec.as_mut() else {
        return;
    };
    let target = match slot.kind {
        ContainerKind::Init => spec
            .init_containers
            .as_mut()
            .and_then(|c| c.get_mut(slot.index))
            .map(|c| &mut c.security_context),
        ContainerKind::Regular => spec
            .containers
            .get_mut(slot.index)
            .map(|c| &mut c.security_context),
        ContainerKind::Ephemeral => spec
            .ephemeral_containers
            .as_mut()
            .and_then(|c| c.get_mut(slot.index))
            .map(|c| &mut c.security_context),
    };
    if let Some(t) = target {
        *t = sc;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selinux_levels_compare_as_category_sets() {
        assert!(equal_levels("s0:c26,c15", "s0:c15,c26"));
        assert!(!equal_levels("s0:c26,c15", "s0:c1,c0"));
        assert!(!equal_levels("s0:c26,c15", ""));
    }

    #[test]
    fn seccomp_translation_round_trips() {
        for a in ["unconfined", "runtime/default", "localhost/x.json"] {
            let f = field_for_annotation(a).expect("known profile");
            assert_eq!(annotation_for_field(&f), a);
        }
        assert_eq!(
            field_for_annotation("docker/default").map(|f| f.type_),
            Some("RuntimeDefault".into())
        );
        assert!(field_for_annotation("localhost/").is_none());
    }

    #[test]
    fn sysctl_patterns() {
        let p = vec!["net.*".to_owned(), "kernel.msgmax".to_owned()];
        assert!(matches_pattern(&p, "net.core.somaxconn"));
        assert!(matches_pattern(&p, "kernel.msgmax"));
        assert!(!matches_pattern(&p, "kernel.msgmnb"));
    }
}
