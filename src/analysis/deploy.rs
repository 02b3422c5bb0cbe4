//! How a runner config reaches the runner, and what the deployment adds to it.
//!
//! The GitLab Runner Operator and the Helm chart do not run the `config.toml` they are given
//! as-is: it is a registration template, and registration settings (environment variables such
//! as the namespace and the helper image) win over it (reference runner-manager.md §1.9, §2.5).
//! This module finds the deployment a config belongs to and says what it changes, each change
//! named as an assumption where the inputs do not state it.

use crate::diagnostic::Assumption;
use crate::model::cluster::OperatorRunner;
use crate::model::load::{ConfigDoc, ConfigOrigin, Inputs};
use crate::source::tree::Seg;
use crate::source::{Node, Span};

/// The Operator's default OpenShift helper image (its `RELATED_IMAGE_GITLAB_RUNNER_HELPER`,
/// reference runner-manager.md §2.1); the tag follows the runner version.
pub const OPERATOR_HELPER_IMAGE: &str =
    "registry.gitlab.com/gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-helper-ocp";
/// The manager's ServiceAccount a fresh Operator install creates (runner-manager.md §2.3).
pub const OPERATOR_MANAGER_SA: &str = "gitlab-runner-app-sa";

/// What deploys a runner config.
#[derive(Clone, Debug, PartialEq)]
pub enum DeploymentKind {
    /// The Operator's `Runner` resource whose `spec.config` names the ConfigMap.
    Operator { runner_name: String, span: Span },
    /// Helm chart values (`runners.config`).
    Helm { span: Span },
    /// A plain `config.toml`, or a ConfigMap no deployment in the inputs refers to.
    Unknown,
}

/// The deployment of one config and what it implies for job pods.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub kind: DeploymentKind,
    /// The namespace the manager runs in, when known.
    pub namespace: Option<String>,
    /// The manager's ServiceAccount: the identity that creates job pods.
    pub manager_service_account: Option<(String, Option<Assumption>)>,
    /// A helper image the deployment sets, with the assumption when it is a default.
    pub helper_image: Option<(String, Option<Assumption>)>,
    /// A default job image the deployment sets.
    pub build_image: Option<String>,
}

/// Finds the deployment of `config` among the inputs.
pub fn find(inputs: &Inputs, config: &ConfigDoc, runner_version: &semver::Version) -> Deployment {
    match &config.origin {
        ConfigOrigin::ConfigMap { name, .. } => {
            let runner = inputs
                .cluster
                .runners()
                .find(|(_, r)| r.spec.config.as_deref() == Some(name.as_str()));
            match runner {
                Some((object, runner)) => operator(object.span(), runner, runner_version),
                None => unknown(),
            }
        }
        ConfigOrigin::HelmValues => {
            let values = inputs
                .helm_values
                .iter()
                .find(|v| v.source == host_of(inputs, config));
            match values {
                Some(values) => helm(values.source, &values.root),
                None => unknown(),
            }
        }
        ConfigOrigin::File => unknown(),
    }
}

fn host_of(inputs: &Inputs, config: &ConfigDoc) -> crate::source::SourceId {
    inputs
        .sources
        .to_host(Span::new(config.source, Default::default()))
        .0
        .source
}

fn unknown() -> Deployment {
    Deployment {
        kind: DeploymentKind::Unknown,
        namespace: None,
        manager_service_account: None,
        helper_image: None,
        build_image: None,
    }
}

fn operator(span: Span, runner: &OperatorRunner, version: &semver::Version) -> Deployment {
    let name = runner.metadata.name.clone().unwrap_or_default();
    let helper_image = match &runner.spec.helper_image {
        Some(image) => (image.clone(), None),
        None => {
            let image = format!("{OPERATOR_HELPER_IMAGE}:v{version}");
            let assumption = Assumption::new(
                "helper.image",
                image.clone(),
                format!(
                    "the Operator's default OpenShift helper (RELATED_IMAGE_GITLAB_RUNNER_HELPER); `Runner` `{name}` sets no `helperImage`"
                ),
            );
            (image, Some(assumption))
        }
    };
    let manager_sa = match &runner.spec.serviceaccount {
        Some(sa) => (sa.clone(), None),
        None => (
            OPERATOR_MANAGER_SA.to_string(),
            Some(Assumption::new(
                "manager.serviceAccount",
                OPERATOR_MANAGER_SA,
                "the ServiceAccount a fresh Operator install creates for the manager",
            )),
        ),
    };
    Deployment {
        kind: DeploymentKind::Operator {
            runner_name: name,
            span,
        },
        namespace: runner.metadata.namespace.clone(),
        manager_service_account: Some(manager_sa),
        helper_image: Some(helper_image),
        build_image: runner.spec.build_image.clone(),
    }
}

fn helm(source: crate::source::SourceId, root: &Node) -> Deployment {
    let str_at = |path: &[&'static str]| {
        let segs: Vec<_> = path.iter().map(|k| (*k).into()).collect::<Vec<_>>();
        root.at(&segs).and_then(Node::as_str).map(str::to_string)
    };
    // Chart ≥0.66 names the SA `serviceAccount.name`; older charts `rbac.serviceAccountName`
    // (runner-manager.md §1.3). Without either the name derives from the release, unknown here.
    let manager_sa = str_at(&["serviceAccount", "name"])
        .or_else(|| str_at(&["rbac", "serviceAccountName"]))
        .map(|sa| (sa, None));
    Deployment {
        kind: DeploymentKind::Helm {
            span: Span::new(source, root.range),
        },
        namespace: None,
        manager_service_account: manager_sa,
        helper_image: None,
        build_image: None,
    }
}

/// The runner version a config runs under, when the inputs or flags say it.
pub struct KnownVersion {
    pub version: semver::Version,
    /// Where it comes from, for messages (`--runner-version`, the chart's `image.tag`).
    pub from: String,
    /// The span of the image tag it was read from.
    pub span: Option<Span>,
}

/// The runner version of a config: `--runner-version`, else the tag of the runner image its
/// deployment names (Helm `image.tag` or a string `image`, Operator `spec.runnerImage`).
pub fn known_runner_version(
    inputs: &Inputs,
    settings: &crate::settings::Settings,
    config: &ConfigDoc,
) -> Option<KnownVersion> {
    if let Some(version) = &settings.runner_version {
        return Some(KnownVersion {
            version: version.clone(),
            from: "`--runner-version`".into(),
            span: None,
        });
    }
    let host = match &inputs.sources.get(config.source).origin {
        crate::source::Origin::Embedded { host, .. } => *host,
        crate::source::Origin::File => return None,
    };
    match &config.origin {
        crate::model::load::ConfigOrigin::HelmValues => {
            let values = inputs.helm_values.iter().find(|v| v.source == host)?;
            helm_runner_version(values)
        }
        crate::model::load::ConfigOrigin::ConfigMap { name, .. } => {
            let (object, runner) = inputs
                .cluster
                .runners()
                .find(|(_, r)| r.spec.config.as_deref() == Some(name.as_str()))?;
            let image = runner.spec.runner_image.as_deref()?;
            let version = crate::model::schema::version_in_image_tag(image)?;
            Some(KnownVersion {
                version,
                from: "the Operator `Runner`'s `spec.runnerImage`".into(),
                span: Some(object.span_at(&[Seg::Key("spec"), Seg::Key("runnerImage")])),
            })
        }
        crate::model::load::ConfigOrigin::File => None,
    }
}

/// The runner version the chart values' image tag names (`image.tag`, or a string `image`).
pub fn helm_runner_version(values: &crate::model::load::HelmValuesDoc) -> Option<KnownVersion> {
    let image = values.root.get("image")?;
    let (node, from) = match image.get("tag") {
        Some(tag) => (tag, "the chart's `image.tag`"),
        None => (image, "the chart's `image`"),
    };
    let version = crate::model::schema::version_in_image_tag(node.as_str()?)?;
    Some(KnownVersion {
        version,
        from: from.into(),
        span: Some(Span::new(values.source, node.range)),
    })
}
