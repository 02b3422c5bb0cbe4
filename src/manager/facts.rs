//! What the gitlab-runner Helm chart and the GitLab Runner Operator put into the manager pod, as
//! data: one row per chart version range, one row for the Operator, and the manager images'
//! users. The synthesis in `helm.rs`/`operator.rs` reads these rows and holds no version
//! knowledge of its own.
//!
//! Sources: reference runner-manager.md §1.2–§1.8 and §4, which reads the chart's
//! `templates/deployment.yaml`, `_helpers.tpl`, `_env_vars.tpl` and `values.yaml` at the upstream
//! tags (GitHub mirror `abbas123456/gitlab-runner`, e.g. `values.yaml` at v0.57.0 has
//! `podSecurityContext: {runAsUser: 100, fsGroup: 65533}` and `rbac.create: false`), and the
//! Operator's OLM bundles (runner-manager.md §2). Checked against that mirror again:
//! `values.yaml` @ 4810cca62c68524b17903eb5c3438a5a43219bf7 (`podSecurityContext`,
//! `securityContext`, `useTini: false`, `imagePullPolicy: IfNotPresent`,
//! `terminationGracePeriodSeconds: 3600`, `rbac.rules` "default \"*\" if missing or empty") and
//! `templates/deployment.yaml` @ c806529380dbb82356e7defc0ff9b94d39c1e815 (mounts, command,
//! `serviceAccountName`).

/// How the chart names the manager's image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageScheme {
    /// `image` is a string, default `gitlab/gitlab-runner:alpine-v<appVersion>` (≤0.41).
    HubString,
    /// `image.{registry,image,tag}`; a string `image` still works (0.42–0.52).
    MapOrString,
    /// `image.{registry,image,tag}` only (≥0.53).
    Map,
}

/// How the chart picks the pod's `serviceAccountName` (runner-manager.md §1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaScheme {
    /// `fullname` if `rbac.create`, else `rbac.serviceAccountName` (≤0.63).
    Rbac,
    /// As `Rbac`, with `rbac.generatedServiceAccountName` replacing `fullname` (0.64–0.65).
    RbacGenerated,
    /// `serviceAccount.name`, or `fullname` when `serviceAccount.create` (or `rbac.create` with
    /// `serviceAccount.create` unset); else the `Rbac` rules (≥0.66, MR !415).
    ServiceAccount,
}

/// The chart's manager-pod facts for a range of chart versions (minor numbers of `0.N`).
#[derive(Clone, Copy, Debug)]
pub struct ChartFacts {
    /// The range as the reference writes it.
    pub range: &'static str,
    pub min_minor: u64,
    pub max_minor: u64,
    pub image: ImageScheme,
    /// The values key rendered as the pod `securityContext`.
    pub pod_sc_key: &'static str,
    /// Its defaults, as JSON (the chart's `values.yaml`).
    pub pod_sc_defaults: &'static str,
    /// The values key rendered as the main container's `securityContext`, when there is one.
    pub container_sc_key: Option<&'static str>,
    /// The main container's security context defaults, as JSON.
    pub container_sc_defaults: &'static str,
    /// An emptied `podSecurityContext` omits the block (0.57–0.58) instead of rendering `{}`.
    pub empty_pod_sc_omitted: bool,
    pub service_account: SaScheme,
    /// Environment variables the chart always sets on the manager container.
    pub env_always: &'static [&'static str],
    /// The init container `configure` copies secrets into `/secrets` (≤0.40).
    pub init_configure: bool,
    /// `projected-secrets` is rendered only when a token, secret, cache secret or `secrets[]`
    /// exists (≥0.58, MR !426); before, always.
    pub projected_secrets_conditional: bool,
}

const PSC_ALPINE: &str = r#"{"runAsUser":100,"fsGroup":65533}"#;
const CSC_OLD: &str = r#"{"allowPrivilegeEscalation":false}"#;
const CSC_HARDENED: &str = r#"{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":false,"runAsNonRoot":true,"privileged":false,"capabilities":{"drop":["ALL"]}}"#;
const ENV_LEGACY: &[&str] = &[
    "CI_SERVER_URL",
    "CLONE_URL",
    "RUNNER_EXECUTOR",
    "REGISTER_LOCKED",
    "RUNNER_TAG_LIST",
];
const ENV_053: &[&str] = &["CI_SERVER_URL", "RUNNER_EXECUTOR"];
const ENV_074: &[&str] = &[
    "CI_SERVER_URL",
    "RUNNER_EXECUTOR",
    "REGISTER_LOCKED",
    "RUNNER_TAG_LIST",
];

#[allow(clippy::too_many_arguments)]
const fn row(
    range: &'static str,
    (min_minor, max_minor): (u64, u64),
    image: ImageScheme,
    pod_sc_key: &'static str,
    container_sc_key: Option<&'static str>,
    container_sc_defaults: &'static str,
    empty_pod_sc_omitted: bool,
    service_account: SaScheme,
    env_always: &'static [&'static str],
    (init_configure, projected_secrets_conditional): (bool, bool),
) -> ChartFacts {
    ChartFacts {
        range,
        min_minor,
        max_minor,
        image,
        pod_sc_key,
        pod_sc_defaults: PSC_ALPINE,
        container_sc_key,
        container_sc_defaults,
        empty_pod_sc_omitted,
        service_account,
        env_always,
        init_configure,
        projected_secrets_conditional,
    }
}

use ImageScheme::*;
use SaScheme::*;

/// One row per chart version range, oldest first (runner-manager.md §4).
#[rustfmt::skip]
pub static CHART: &[ChartFacts] = &[
    row("<=0.40", (0, 40), HubString, "securityContext", None, CSC_OLD, false, Rbac, ENV_LEGACY, (true, false)),
    row("0.41", (41, 41), HubString, "securityContext", None, CSC_OLD, false, Rbac, ENV_LEGACY, (false, false)),
    row("0.42-0.52", (42, 52), MapOrString, "podSecurityContext", Some("securityContext"), CSC_HARDENED, false, Rbac, ENV_LEGACY, (false, false)),
    row("0.53-0.56", (53, 56), Map, "podSecurityContext", Some("securityContext"), CSC_HARDENED, false, Rbac, ENV_053, (false, false)),
    row("0.57", (57, 57), Map, "podSecurityContext", Some("securityContext"), CSC_HARDENED, true, Rbac, ENV_053, (false, false)),
    row("0.58", (58, 58), Map, "podSecurityContext", Some("securityContext"), CSC_HARDENED, true, Rbac, ENV_053, (false, true)),
    row("0.59-0.63", (59, 63), Map, "podSecurityContext", Some("securityContext"), CSC_HARDENED, false, Rbac, ENV_053, (false, true)),
    row("0.64-0.65", (64, 65), Map, "podSecurityContext", Some("securityContext"), CSC_HARDENED, false, RbacGenerated, ENV_053, (false, true)),
    row("0.66-0.73", (66, 73), Map, "podSecurityContext", Some("securityContext"), CSC_HARDENED, false, ServiceAccount, ENV_053, (false, true)),
    row(">=0.74", (74, u64::MAX), Map, "podSecurityContext", Some("securityContext"), CSC_HARDENED, false, ServiceAccount, ENV_074, (false, true)),
];

/// The row for a chart version (its minor number; the chart has been `0.N.x` throughout).
pub fn chart(version: &semver::Version) -> &'static ChartFacts {
    let minor = if version.major == 0 {
        version.minor
    } else {
        u64::MAX
    };
    CHART
        .iter()
        .find(|r| (r.min_minor..=r.max_minor).contains(&minor))
        .unwrap_or(&CHART[CHART.len() - 1])
}

/// The chart release that ships a runner version: from 16.0 (chart 0.53.0) each runner minor is
/// one chart minor (0.60.0 = 16.7.0, 0.70.0 = 17.5.0, 0.86.0 = 18.9.0; runner-manager.md §4).
pub fn chart_for_runner(runner: &semver::Version) -> semver::Version {
    let minor = (runner.major * 12 + runner.minor).saturating_sub(139);
    semver::Version::new(0, minor, 0)
}

/// The Helm chart's main container and volume names (all versions; runner-manager.md §1.4).
pub mod chart_pod {
    pub const CONTAINER: &str = "gitlab-runner";
    /// The chart's default release name assumed when none is known; `fullname` is then
    /// `gitlab-runner` (≥0.41 drops the duplicated chart name, MR !232).
    pub const FULLNAME: &str = "gitlab-runner";
    /// The in-memory emptyDir where the entrypoint writes `config.toml`.
    pub const CONFIG_DIR: &str = "/home/gitlab-runner/.gitlab-runner";
    pub const CERTS_DIR: &str = "/home/gitlab-runner/.gitlab-runner/certs/";
    pub const SECRETS_DIR: &str = "/secrets";
    pub const CONFIGMAPS_DIR: &str = "/configmaps";
    pub const DEFAULT_REGISTRY: &str = "registry.gitlab.com";
    pub const DEFAULT_IMAGE: &str = "gitlab-org/gitlab-runner";
    pub const HUB_IMAGE: &str = "gitlab/gitlab-runner";
    /// `/usr/bin/dumb-init -- /bin/bash /configmaps/entrypoint`; `useTini` swaps the init
    /// (≥0.52, MR !385, for UBI images without dumb-init).
    pub const DUMB_INIT: &str = "/usr/bin/dumb-init";
    pub const TINI: &str = "/usr/local/bin/tini";
    /// `terminationGracePeriodSeconds` and `imagePullPolicy` of the chart's `values.yaml`.
    pub const TERMINATION_GRACE: i64 = 3600;
    pub const PULL_POLICY: &str = "IfNotPresent";
}

/// What the Operator (1.15–1.53) creates per `Runner` (runner-manager.md §2.1–§2.4; the Go
/// source has no public mirror, so names and the absent security context are as observed in
/// 1.15.1 and read from the OLM bundles, marked inferred there).
pub mod operator {
    /// The Deployment is `<name>-runner` (observed 1.15.1).
    pub const DEPLOYMENT_SUFFIX: &str = "-runner";
    pub const CONTAINER: &str = "runner";
    /// `RELATED_IMAGE_GITLAB_RUNNER`, tagged by the runner version.
    pub const RUNNER_IMAGE: &str =
        "registry.gitlab.com/gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-ocp";
    /// The SA a fresh install creates and the bundled `gitlab-runner-app-role` binds.
    pub const SERVICE_ACCOUNT: &str = "gitlab-runner-app-sa";
    /// The bundled Role (O 1.42.0): full CRUD on what the executor creates.
    pub const APP_ROLE: &str = "gitlab-runner-app-role";
    pub const APP_ROLE_RESOURCES: &[&str] = &[
        "secrets",
        "pods",
        "pods/attach",
        "pods/exec",
        "pods/log",
        "services",
        "configmaps",
        "persistentvolumeclaims",
    ];
    /// Environment the Operator sets on the manager (those §2.5 infers from #229).
    pub const ENV_DEFAULTS: &[(&str, &str)] = &[
        ("RUNNER_REQUEST_CONCURRENCY", "1"),
        ("RUNNER_OUTPUT_LIMIT", "4096"),
        ("KUBERNETES_POLL_TIMEOUT", "180"),
    ];
}

/// The user of a manager image the image knowledge base does not list.
#[derive(Clone, Copy, Debug)]
pub struct ManagerImage {
    /// Matches when the image repository ends with this and the tag starts with `tag_prefix`.
    pub repository_suffix: &'static str,
    pub tag_prefix: &'static str,
    /// The image's `USER` (none: uid 0).
    pub uid: i64,
    pub gid: i64,
    /// The passwd user `gitlab-runner`: (uid, gid, home).
    pub passwd_user: (i64, i64, &'static str),
    pub source: &'static str,
}

/// The chart's default Alpine and Ubuntu images: neither sets `USER`; `adduser -D -S` gives
/// Alpine uid 100 in group `nogroup` 65533, Ubuntu uses 999 (runner-manager.md §1.2, from
/// `dockerfiles/runner/{alpine,ubuntu}/Dockerfile`).
pub static MANAGER_IMAGES: &[ManagerImage] = &[
    ManagerImage {
        repository_suffix: "gitlab-runner",
        tag_prefix: "alpine",
        uid: 0,
        gid: 0,
        passwd_user: (100, 65533, "/home/gitlab-runner"),
        source: "runner-manager.md §1.2: `dockerfiles/runner/alpine/Dockerfile` sets no USER; `adduser -D -S gitlab-runner` gives 100:65533",
    },
    ManagerImage {
        repository_suffix: "gitlab-runner",
        tag_prefix: "ubuntu",
        uid: 0,
        gid: 0,
        passwd_user: (999, 999, "/home/gitlab-runner"),
        source: "runner-manager.md §1.2: `dockerfiles/runner/ubuntu/Dockerfile` sets no USER; user gitlab-runner is 999",
    },
];

/// The manager image entry for a reference, if listed.
pub fn manager_image(reference: &str) -> Option<&'static ManagerImage> {
    let (repo, tag) = match reference.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, t),
        _ => (reference, "latest"),
    };
    MANAGER_IMAGES
        .iter()
        .find(|m| repo.ends_with(m.repository_suffix) && tag.starts_with(m.tag_prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cover_every_minor_in_order() {
        for pair in CHART.windows(2) {
            assert_eq!(
                pair[0].max_minor + 1,
                pair[1].min_minor,
                "{}",
                pair[1].range
            );
        }
        assert_eq!(chart(&semver::Version::new(0, 57, 0)).range, "0.57");
        assert_eq!(chart(&semver::Version::new(0, 86, 0)).range, ">=0.74");
        assert_eq!(
            chart(&semver::Version::new(0, 30, 0)).pod_sc_key,
            "securityContext"
        );
    }

    #[test]
    fn runner_versions_map_to_their_chart() {
        let v = |s| semver::Version::parse(s).unwrap();
        assert_eq!(chart_for_runner(&v("16.0.0")), v("0.53.0"));
        assert_eq!(chart_for_runner(&v("17.5.0")), v("0.70.0"));
        assert_eq!(chart_for_runner(&v("18.9.0")), v("0.86.0"));
    }

    #[test]
    fn defaults_parse() {
        for r in CHART {
            serde_json::from_str::<serde_json::Value>(r.pod_sc_defaults).unwrap();
            serde_json::from_str::<serde_json::Value>(r.container_sc_defaults).unwrap();
        }
    }
}
