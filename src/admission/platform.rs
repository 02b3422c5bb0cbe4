//! The embedded default SCC sets, selectable by platform name (`openshift-4.14`, …).
//!
//! Data, not code: `data/openshift-sccs/*.json` are the SCC manifests that the
//! cluster-kube-apiserver-operator installs on a fresh cluster
//! (`bindata/bootkube/scc-manifests/0000_20_kube-apiserver-operator_00_scc-*.yaml`, release-4.14,
//! commit 67e982f0), converted unedited from YAML to JSON (the same objects as
//! `tests/vectors/openshift-4.14-sccs.yaml`). 4.13 ships identical manifests. The 4.11 and 4.12
//! sets are the 4.14 ones with the volume lists of those releases (4.11: no `csi`, no
//! `ephemeral`; 4.12: no `csi`), per reference §2.4. The sets are returned API-defaulted.
//!
//! 4.15 and 4.16 ship the 4.14 manifests byte for byte (release-4.15 9e3f9ec8, release-4.16
//! d0b79035: only the `system:openshift:scc:*` ClusterRoles changed, adding `hostmount`), so they
//! share the 4.14 data. 4.17 (release-4.17 84e19b21) adds `hostmount-anyuid-v2` (host mounts, any
//! UID, SELinux `RunAsAny`); `openshift-4.17.json` is that release's manifests, converted the same
//! way.
//!
//! The admission algorithm itself is 4.14's for every set (4.11–4.13 z-streams received the
//! same error-path format in June 2023). Differences in later releases that are **not modelled**
//! (`openshift/apiserver-library-go` release-4.14 → release-4.17, `pkg/securitycontextconstraints`):
//!
//! - 4.16+ `sysctl.SafeSysctlAllowlist` adds `net.ipv4.tcp_keepalive_time`,
//!   `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl` and
//!   `net.ipv4.tcp_keepalive_probes` (commit e100a629); here they are still unsafe, so a pod
//!   setting them is refused by SCCs without `allowedUnsafeSysctls` where 4.16 would admit it.
//! - 4.16+ `shouldIgnore` skips UPDATEs that change only the `k8s.ovn.org/pod-networks`
//!   annotation or GC fields (commit 8e50815f); only CREATE is simulated here, so this is moot.
//! - `standardSCCNames` is unchanged in 4.17: `hostmount-anyuid-v2` is not required to exist.

use std::sync::OnceLock;

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::model::scc::SecurityContextConstraints;

const OPENSHIFT_4_11: &str = include_str!("../../data/openshift-sccs/openshift-4.11.json");
const OPENSHIFT_4_12: &str = include_str!("../../data/openshift-sccs/openshift-4.12.json");
const OPENSHIFT_4_14: &str = include_str!("../../data/openshift-sccs/openshift-4.14.json");
const OPENSHIFT_4_17: &str = include_str!("../../data/openshift-sccs/openshift-4.17.json");

/// Platform names with an embedded default SCC set.
pub const PLATFORMS: &[&str] = &[
    "openshift-4.11",
    "openshift-4.12",
    "openshift-4.13",
    "openshift-4.14",
    "openshift-4.15",
    "openshift-4.16",
    "openshift-4.17",
];

/// The platform assumed when none is given.
pub const DEFAULT_PLATFORM: &str = "openshift-4.14";

/// The names of the SCCs the 4.14 plugin requires to exist before it admits anything
/// (`standardSCCNames` in `sccadmission/admission.go`).
pub const STANDARD_SCC_NAMES: &[&str] = &[
    "anyuid",
    "hostaccess",
    "hostmount-anyuid",
    "hostnetwork",
    "hostnetwork-v2",
    "nonroot",
    "nonroot-v2",
    "privileged",
    "restricted",
    "restricted-v2",
];

/// The embedded, API-defaulted default SCCs of `platform` (e.g. `openshift-4.14`), or `None`
/// for an unknown platform name.
pub fn default_sccs(platform: &str) -> Option<Vec<SecurityContextConstraints>> {
    // Parsed once per process and set: `check` asks for the set several times (the cluster
    // context, the default RBAC), and parsing it was a tenth of the start-up.
    static PARSED: [OnceLock<Option<Vec<SecurityContextConstraints>>>; 4] =
        [const { OnceLock::new() }; 4];
    let (json, slot) = match platform {
        "openshift-4.11" => (OPENSHIFT_4_11, 0),
        "openshift-4.12" => (OPENSHIFT_4_12, 1),
        "openshift-4.13" | "openshift-4.14" | "openshift-4.15" | "openshift-4.16" => {
            (OPENSHIFT_4_14, 2)
        }
        "openshift-4.17" => (OPENSHIFT_4_17, 3),
        _ => return None,
    };
    PARSED[slot]
        .get_or_init(|| {
            // The data is compiled in and checked by a unit test, so a parse failure is a
            // build bug; still, report it as "unknown" instead of panicking in library code.
            let sccs: Vec<SecurityContextConstraints> = serde_json::from_str(json).ok()?;
            Some(
                sccs.into_iter()
                    .map(SecurityContextConstraints::defaulted)
                    .collect(),
            )
        })
        .clone()
}

/// The platform's default RBAC for SCCs (reference openshift-scc.md §2.2): a ClusterRole
/// `system:openshift:scc:<name>` granting `use` on each default SCC, and the one default binding,
/// `restricted-v2` to every authenticated user. Empty for an unknown platform.
///
/// Up to 4.14 the hostmount-anyuid role is named `system:openshift:scc:hostmount` and grants
/// `hostmount`, so binding it gives nothing usable; 4.15 added the correctly named role (K
/// `…_cr-scc-*.yaml`).
pub fn default_rbac(platform: &str) -> (Vec<ClusterRole>, Vec<ClusterRoleBinding>) {
    let Some(sccs) = default_sccs(platform) else {
        return (Vec::new(), Vec::new());
    };
    let minor = platform
        .strip_prefix("openshift-4.")
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    let mut granted: Vec<String> = sccs.iter().map(|s| s.name().to_string()).collect();
    if minor <= 14 {
        granted.retain(|n| n != "hostmount-anyuid");
        granted.push("hostmount".to_string());
    } else {
        granted.push("hostmount".to_string());
    }
    let roles = granted
        .iter()
        .map(|name| ClusterRole {
            metadata: ObjectMeta {
                name: Some(format!("system:openshift:scc:{name}")),
                ..Default::default()
            },
            rules: Some(vec![PolicyRule {
                api_groups: Some(vec![super::authz::SCC_API_GROUP.to_string()]),
                resources: Some(vec![super::authz::SCC_RESOURCE.to_string()]),
                resource_names: Some(vec![name.clone()]),
                verbs: vec!["use".to_string()],
                ..Default::default()
            }]),
            ..Default::default()
        })
        .collect();
    let binding = ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some("system:openshift:scc:restricted-v2".to_string()),
            ..Default::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_string(),
            kind: "ClusterRole".to_string(),
            name: "system:openshift:scc:restricted-v2".to_string(),
        },
        subjects: Some(vec![Subject {
            kind: "Group".to_string(),
            name: "system:authenticated".to_string(),
            api_group: Some("rbac.authorization.k8s.io".to_string()),
            namespace: None,
        }]),
    };
    (roles, vec![binding])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_parses_and_has_the_standard_names() {
        for p in PLATFORMS {
            let set = default_sccs(p).unwrap_or_else(|| panic!("{p} parses"));
            let mut names: Vec<&str> = set
                .iter()
                .map(|s| s.name())
                .filter(|n| *n != "hostmount-anyuid-v2")
                .collect();
            names.sort_unstable();
            assert_eq!(names, STANDARD_SCC_NAMES, "{p}");
            let has_v2 = set.iter().any(|s| s.name() == "hostmount-anyuid-v2");
            assert_eq!(has_v2, *p == "openshift-4.17", "{p}");
        }
        assert!(default_sccs("openshift-3.11").is_none());
    }

    #[test]
    fn default_rbac_grants_restricted_v2_to_everyone_and_keeps_the_hostmount_bug() {
        use crate::admission::{Authorizer, RbacAuthorizer, UserInfo};
        let (roles, bindings) = default_rbac("openshift-4.14");
        let mut authz = RbacAuthorizer::new();
        for r in roles {
            authz.add_cluster_role(r);
        }
        for b in bindings {
            authz.add_cluster_role_binding(b);
        }
        let alice = UserInfo::new("alice", ["system:authenticated"]);
        assert!(authz.can_use_scc(&alice, "ci", "restricted-v2"));
        assert!(!authz.can_use_scc(&alice, "ci", "anyuid"));
        let (roles, _) = default_rbac("openshift-4.14");
        assert!(
            roles
                .iter()
                .any(|r| r.metadata.name.as_deref() == Some("system:openshift:scc:hostmount"))
        );
        assert!(
            !roles.iter().any(
                |r| r.metadata.name.as_deref() == Some("system:openshift:scc:hostmount-anyuid")
            )
        );
        let (roles, _) = default_rbac("openshift-4.15");
        assert!(
            roles.iter().any(
                |r| r.metadata.name.as_deref() == Some("system:openshift:scc:hostmount-anyuid")
            )
        );
        assert_eq!(default_rbac("kubernetes").0.len(), 0);
    }

    #[test]
    fn volumes_differ_by_release() {
        let vols = |p: &str| {
            default_sccs(p)
                .and_then(|s| s.into_iter().find(|s| s.name() == "restricted-v2"))
                .and_then(|s| s.volumes)
                .unwrap_or_default()
        };
        assert!(
            !vols("openshift-4.11")
                .iter()
                .any(|v| v == "csi" || v == "ephemeral")
        );
        assert!(vols("openshift-4.12").iter().any(|v| v == "ephemeral"));
        assert!(!vols("openshift-4.12").iter().any(|v| v == "csi"));
        assert!(vols("openshift-4.14").iter().any(|v| v == "csi"));
    }

    #[test]
    fn openshift_4_17_adds_hostmount_anyuid_v2() {
        let set = crate::admission::SccSet::platform("openshift-4.17").expect("4.17");
        let scc = set.get("hostmount-anyuid-v2").expect("new SCC");
        assert!(scc.allow_host_dir_volume_plugin);
        assert!(
            crate::admission::SccSet::platform("openshift-4.16")
                .expect("4.16")
                .get("hostmount-anyuid-v2")
                .is_none()
        );
    }
}
