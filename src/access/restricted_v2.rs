//! A stand-in for SCC admission: the defaulting and range validation OpenShift's
//! `restricted-v2` SCC applies to a pod's security contexts, enough to turn *requested* contexts
//! into *admitted* ones before identity is computed. It models one SCC and nothing else (no SCC
//! choice, no RBAC, no other strategies).
//!
//! TODO(admission): replace with the SCC admission engine of `src/admission/` (branch
//! `admission`) once it lands; callers should pass its admitted pod instead.
//!
//! Facts (reference `k8s-volume-permissions.md` §1.6; `openshift/apiserver-library-go@a8019f39`
//! `pkg/securitycontextconstraints/{user/mustrunasrange.go,group/mustrunas.go,sccmatching/provider.go}`;
//! RV2 manifest): each container without `runAsUser` gets the minimum of the namespace uid range;
//! the pod gets `fsGroup` = the start of the first block of `openshift.io/sa.scc.supplemental-groups`
//! (else of the uid range), and that single value is the only one allowed; `seLinuxOptions.level`
//! comes from `openshift.io/sa.scc.mcs`; capabilities must drop `ALL`.

use super::identity::{ContainerSecurity, PodSecurity};

/// The namespace annotations restricted-v2 reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceRanges {
    /// `openshift.io/sa.scc.uid-range`, e.g. `1000680000/10000`.
    pub uid_range: Option<String>,
    /// `openshift.io/sa.scc.supplemental-groups`, e.g. `1000680000/10000` (comma-separated blocks).
    pub supplemental_groups: Option<String>,
    /// `openshift.io/sa.scc.mcs`, e.g. `s0:c26,c5`.
    pub mcs: Option<String>,
}

/// Why restricted-v2 does not admit the pod (message parts in OpenShift's field-error format).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// A namespace annotation is missing or malformed.
    #[error("unable to validate against any security context constraint: {0}")]
    Namespace(String),
    /// A requested value is outside the allowed ranges.
    #[error("unable to validate against any security context constraint: [provider \"restricted-v2\": {}]", .0.join(", "))]
    Invalid(Vec<String>),
}

/// Parses one block, `start/size` or `start-end`, into inclusive `(min, max)`.
pub fn parse_block(text: &str) -> Option<(i64, i64)> {
    let t = text.trim();
    if let Some((s, n)) = t.split_once('/') {
        let s: i64 = s.trim().parse().ok()?;
        let n: i64 = n.trim().parse().ok()?;
        (n > 0).then(|| (s, s + n - 1))
    } else if let Some((a, b)) = t.split_once('-') {
        let a: i64 = a.trim().parse().ok()?;
        let b: i64 = b.trim().parse().ok()?;
        (a <= b).then_some((a, b))
    } else {
        None
    }
}

/// Applies restricted-v2 defaulting and validation to requested contexts and returns the
/// admitted ones (containers in the same order).
pub fn restricted_v2_admit(
    pod: &PodSecurity,
    containers: &[ContainerSecurity],
    ns: &NamespaceRanges,
) -> Result<(PodSecurity, Vec<ContainerSecurity>), Rejected> {
    let uid_text = ns.uid_range.as_deref().ok_or_else(|| {
        Rejected::Namespace("unable to find annotation openshift.io/sa.scc.uid-range".into())
    })?;
    let (uid_min, uid_max) = parse_block(uid_text).ok_or_else(|| {
        Rejected::Namespace(format!(
            "invalid openshift.io/sa.scc.uid-range {uid_text:?}"
        ))
    })?;
    // group/mustrunas.go: the first block of supplemental-groups, else the uid range.
    let group_text = ns.supplemental_groups.as_deref().unwrap_or(uid_text);
    let first = group_text.split(',').next().unwrap_or("");
    let (fs_group_value, _) = parse_block(first).ok_or_else(|| {
        Rejected::Namespace(format!(
            "invalid openshift.io/sa.scc.supplemental-groups {group_text:?}"
        ))
    })?;

    let mut errors = Vec::new();
    let mut admitted_pod = pod.clone();
    match pod.fs_group {
        None => admitted_pod.fs_group = Some(fs_group_value),
        Some(g) if g != fs_group_value => errors.push(format!(
            "fsGroup: Invalid value: []int64{{{g}}}: {g} is not an allowed group"
        )),
        Some(_) => {}
    }
    if admitted_pod.se_linux_level.is_none() {
        admitted_pod.se_linux_level = ns.mcs.clone();
    }
    if let Some(u) = pod.run_as_user
        && !(uid_min..=uid_max).contains(&u)
    {
        errors.push(format!(
            "spec.securityContext.runAsUser: Invalid value: {u}: must be in the ranges: [{uid_min}, {uid_max}]"
        ));
    }

    let mut out = Vec::with_capacity(containers.len());
    for (i, c) in containers.iter().enumerate() {
        let mut a = c.clone();
        match c.run_as_user.or(pod.run_as_user) {
            None => a.run_as_user = Some(uid_min),
            Some(u) if !(uid_min..=uid_max).contains(&u) => errors.push(format!(
                "spec.containers[{i}].securityContext.runAsUser: Invalid value: {u}: must be in the ranges: [{uid_min}, {uid_max}]"
            )),
            Some(_) => {}
        }
        if c.privileged {
            errors.push(format!(
                "spec.containers[{i}].securityContext.privileged: Invalid value: true: Privileged containers are not allowed"
            ));
        }
        // requiredDropCapabilities: [ALL] is added to every container.
        if !a
            .capabilities
            .drop
            .iter()
            .any(|d| d.eq_ignore_ascii_case("ALL"))
        {
            a.capabilities.drop.push("ALL".into());
        }
        out.push(a);
    }
    if errors.is_empty() {
        Ok((admitted_pod, out))
    } else {
        Err(Rejected::Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_rejects() {
        let ns = NamespaceRanges {
            uid_range: Some("1000680000/10000".into()),
            supplemental_groups: Some("1000680000/10000".into()),
            mcs: Some("s0:c26,c5".into()),
        };
        let (pod, cs) = restricted_v2_admit(
            &PodSecurity::default(),
            &[ContainerSecurity::default()],
            &ns,
        )
        .unwrap();
        assert_eq!(pod.fs_group, Some(1000680000));
        assert_eq!(cs[0].run_as_user, Some(1000680000));
        assert_eq!(pod.se_linux_level.as_deref(), Some("s0:c26,c5"));
        let bad = PodSecurity {
            fs_group: Some(1001),
            ..Default::default()
        };
        let err = restricted_v2_admit(&bad, &[ContainerSecurity::default()], &ns).unwrap_err();
        assert!(err.to_string().contains("1001 is not an allowed group"));
    }
}
