//! The order in which SCCs are tried: priority (descending, null = 0), then restrictiveness
//! score (ascending), then name (byte order). Scores follow apiserver-library-go release-4.14
//! `util/sort/byrestrictions.go` (`pointValue`) and `util/sort/bypriority.go`.
//!
//! Pure functions over SCC objects; nothing here looks at pods.

use std::cmp::Ordering;

use crate::model::scc::{FS_TYPE_ALL, FS_TYPE_HOST_PATH, FS_TYPE_NONE, SecurityContextConstraints};

const PRIVILEGED: i64 = 1_600_000;
const HOST_PORTS: i64 = 800_000;
const HOST_NETWORK: i64 = 400_000;
const HOST_VOLUME: i64 = 200_000;
const NON_TRIVIAL_VOLUME: i64 = 100_000;

/// Points of a strategy type name, shared by `runAsUser` and `seLinuxContext` (the upstream map
/// is keyed by the runAsUser names; SELinux `MustRunAs`/`RunAsAny` use the same spellings).
fn strategy_points(type_name: &str) -> i64 {
    match type_name {
        "RunAsAny" => 40_000,
        "MustRunAsNonRoot" => 30_000,
        "MustRunAsRange" => 20_000,
        "MustRunAs" => 10_000,
        // Upstream logs a warning and adds nothing.
        _ => 0,
    }
}

/// The restrictiveness score of an (API-defaulted) SCC; lower is more restrictive.
/// `allowHostPID` and `allowHostIPC` do not count, as upstream.
pub fn restriction_score(scc: &SecurityContextConstraints) -> i64 {
    let mut points = 0;
    if scc.allow_privileged_container {
        points += PRIVILEGED;
    }
    points += volume_points(scc);
    if scc.allow_host_network {
        points += HOST_NETWORK;
    }
    if scc.allow_host_ports {
        points += HOST_PORTS;
    }
    points += capability_points(scc);
    points += strategy_points(scc.se_linux_context.type_.as_str());
    points += strategy_points(scc.run_as_user.type_.as_str());
    points
}

fn volume_points(scc: &SecurityContextConstraints) -> i64 {
    let vols = scc.volumes.as_deref().unwrap_or_default();
    if vols
        .iter()
        .any(|v| v == FS_TYPE_HOST_PATH || v == FS_TYPE_ALL)
    {
        return HOST_VOLUME;
    }
    let trivial = [
        "secret",
        "configMap",
        "emptyDir",
        "downwardAPI",
        "projected",
        FS_TYPE_NONE,
    ];
    if vols.iter().any(|v| !trivial.contains(&v.as_str())) {
        NON_TRIVIAL_VOLUME
    } else {
        0
    }
}

fn capability_points(scc: &SecurityContextConstraints) -> i64 {
    // `hasCap` upper-cases the SCC's entries before comparing.
    let has = |list: &Option<Vec<String>>, cap: &str| {
        list.as_deref()
            .unwrap_or_default()
            .iter()
            .any(|c| c.to_uppercase() == cap)
    };
    let len = |list: &Option<Vec<String>>| list.as_deref().map_or(0, <[String]>::len) as i64;
    let mut points = 5000 + 300 * len(&scc.default_add_capabilities);
    if has(&scc.allowed_capabilities, "*") || has(&scc.allowed_capabilities, "ALL") {
        points += 4000;
    } else {
        points += 10 * len(&scc.allowed_capabilities);
    }
    if has(&scc.required_drop_capabilities, "ALL") {
        points -= 3000;
    } else {
        points -= 50 * len(&scc.required_drop_capabilities);
    }
    points.clamp(0, 9999)
}

/// `ByPriority.Less` as an ordering: higher priority first, then lower score, then name.
pub fn compare(a: &SecurityContextConstraints, b: &SecurityContextConstraints) -> Ordering {
    let pa = a.priority.unwrap_or(0);
    let pb = b.priority.unwrap_or(0);
    pb.cmp(&pa)
        .then_with(|| restriction_score(a).cmp(&restriction_score(b)))
        .then_with(|| a.name().cmp(b.name()))
}

/// Sorts SCCs into the order admission tries them.
pub fn sort_sccs(sccs: &mut [SecurityContextConstraints]) {
    // Precompute scores: the comparator would otherwise recompute them O(n log n) times.
    let mut keyed: Vec<(i32, i64, SecurityContextConstraints)> = sccs
        .iter()
        .map(|s| (s.priority.unwrap_or(0), restriction_score(s), s.clone()))
        .collect();
    keyed.sort_by(|(pa, sa, a), (pb, sb, b)| {
        pb.cmp(pa)
            .then(sa.cmp(sb))
            .then_with(|| a.name().cmp(b.name()))
    });
    for (slot, (_, _, s)) in sccs.iter_mut().zip(keyed) {
        *slot = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::platform;

    #[test]
    fn default_414_scores_and_order_match_the_reference() {
        let set = platform::default_sccs("openshift-4.14").expect("embedded set");
        let score = |n: &str| {
            let s = set.iter().find(|s| s.name() == n).expect("scc present");
            restriction_score(s)
        };
        assert_eq!(score("anyuid"), 154_950);
        assert_eq!(score("restricted-v2"), 132_010);
        assert_eq!(score("restricted"), 134_800);
        assert_eq!(score("nonroot-v2"), 142_010);
        assert_eq!(score("nonroot"), 144_800);
        assert_eq!(score("hostmount-anyuid"), 254_950);
        assert_eq!(score("hostnetwork-v2"), 1_332_010);
        assert_eq!(score("hostnetwork"), 1_334_800);
        assert_eq!(score("hostaccess"), 1_434_800);
        assert_eq!(score("privileged"), 3_089_000);

        let mut sorted = set.clone();
        sort_sccs(&mut sorted);
        let names: Vec<&str> = sorted.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "anyuid",
                "restricted-v2",
                "restricted",
                "nonroot-v2",
                "nonroot",
                "hostmount-anyuid",
                "hostnetwork-v2",
                "hostnetwork",
                "hostaccess",
                "privileged"
            ]
        );
    }

    #[test]
    fn name_breaks_ties_and_priority_wins() {
        let set = platform::default_sccs("openshift-4.14").expect("embedded set");
        let base = set
            .iter()
            .find(|s| s.name() == "restricted-v2")
            .expect("restricted-v2")
            .clone();
        let mut a = base.clone();
        a.metadata.name = Some("a-copy".into());
        assert_eq!(compare(&a, &base), Ordering::Less);
        let mut p = set
            .iter()
            .find(|s| s.name() == "privileged")
            .expect("privileged")
            .clone();
        p.priority = Some(20);
        assert_eq!(compare(&p, &a), Ordering::Less);
    }
}
