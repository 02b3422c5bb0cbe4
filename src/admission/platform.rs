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
//! The admission algorithm itself is 4.14's for every set (4.11–4.13 z-streams received the
//! same error-path format in June 2023).

use crate::model::scc::SecurityContextConstraints;

const OPENSHIFT_4_11: &str = include_str!("../../data/openshift-sccs/openshift-4.11.json");
const OPENSHIFT_4_12: &str = include_str!("../../data/openshift-sccs/openshift-4.12.json");
const OPENSHIFT_4_14: &str = include_str!("../../data/openshift-sccs/openshift-4.14.json");

/// Platform names with an embedded default SCC set.
pub const PLATFORMS: &[&str] = &[
    "openshift-4.11",
    "openshift-4.12",
    "openshift-4.13",
    "openshift-4.14",
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
    let json = match platform {
        "openshift-4.11" => OPENSHIFT_4_11,
        "openshift-4.12" => OPENSHIFT_4_12,
        "openshift-4.13" | "openshift-4.14" => OPENSHIFT_4_14,
        _ => return None,
    };
    // The data is compiled in and checked by a unit test, so a parse failure is a build bug;
    // still, report it as "unknown" instead of panicking in library code.
    let sccs: Vec<SecurityContextConstraints> = serde_json::from_str(json).ok()?;
    Some(
        sccs.into_iter()
            .map(SecurityContextConstraints::defaulted)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_parses_and_has_the_standard_names() {
        for p in PLATFORMS {
            let set = default_sccs(p).unwrap_or_else(|| panic!("{p} parses"));
            let mut names: Vec<&str> = set.iter().map(|s| s.name()).collect();
            names.sort_unstable();
            assert_eq!(names, STANDARD_SCC_NAMES, "{p}");
        }
        assert!(default_sccs("openshift-3.11").is_none());
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
}
