use crate::model::schema::suggest;
use crate::rules::{Context, declare_rule};
use crate::source::{Node, Span};

declare_rule! {
    /// ## What it does
    /// Reports a field of an Operator `Runner` (`apps.gitlab.com/v1beta2`) `spec` that the
    /// `Runner` CRD does not define, with the closest field ("did you mean") and the valid ones.
    ///
    /// ## Why is this bad?
    /// The CRD's structural schema prunes unknown fields when the object is stored, so the
    /// setting vanishes without an error: `listenAddress` instead of `listenAddr` leaves the
    /// metrics address at its default (reference runner-manager.md §2.2).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps.gitlab.com/v1beta2
    /// kind: Runner
    /// metadata:
    ///   name: team
    /// spec:
    ///   gitlabUrl: https://gitlab.example.com
    ///   token: team-runner-secret
    ///   listenAddress: "[::]:9252"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps.gitlab.com/v1beta2
    /// kind: Runner
    /// metadata:
    ///   name: team
    /// spec:
    ///   gitlabUrl: https://gitlab.example.com
    ///   token: team-runner-secret
    ///   listenAddr: "[::]:9252"
    /// ```
    ///
    /// ## References
    /// - [Configuring GitLab Runner on OpenShift](https://docs.gitlab.com/runner/configuration/configuring_runner_operator/)
    pub static UNKNOWN_RUNNER_SPEC_FIELD = {
        code: "RD116",
        name: "unknown-runner-spec-field",
        group: Correctness,
        fix: None,
    }
}

/// `Runner` `spec` fields of the CRD (1.46.0), and the objects below them.
const SPEC: &[&str] = &[
    "gitlabUrl",
    "token",
    "tags",
    "concurrent",
    "interval",
    "locked",
    "protected",
    "runUntagged",
    "cloneURL",
    "buildImage",
    "helperImage",
    "runnerImage",
    "imagePullPolicy",
    "env",
    "cacheType",
    "cachePath",
    "cacheShared",
    "s3",
    "gcs",
    "azure",
    "ca",
    "serviceaccount",
    "config",
    "namespace",
    "shutdownTimeout",
    "logLevel",
    "logFormat",
    "listenAddr",
    "sentryDsn",
    "connectionMaxAge",
    "podSpec",
    "deploymentSpec",
];
const NESTED: &[(&str, &[&str])] = &[
    (
        "s3",
        &["server", "bucket", "location", "insecure", "credentials"],
    ),
    ("gcs", &["bucket", "credentials", "credentialsFile"]),
    ("azure", &["container", "credentials", "storageDomain"]),
    ("podSpec", &["name", "patch", "patchFile", "patchType"]),
    (
        "deploymentSpec",
        &["name", "patch", "patchFile", "patchType"],
    ),
];
/// Names from other tools (config.toml, the Helm chart) that people carry over.
const KNOWN_MIX_UPS: &[(&str, &str)] = &[
    ("checkInterval", "interval"),
    ("check_interval", "interval"),
    ("listenAddress", "listenAddr"),
    ("cloneUrl", "cloneURL"),
    ("serviceAccount", "serviceaccount"),
    ("serviceAccountName", "serviceaccount"),
];

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for (object, runner) in cx.analysis.inputs.cluster.runners() {
        let name = runner.metadata.name.clone().unwrap_or_default();
        let Some(spec) = object.node.get("spec") else {
            continue;
        };
        let mut tables: Vec<(&Node, String, &'static [&'static str])> =
            vec![(spec, "spec".to_string(), SPEC)];
        for (field, valid) in NESTED {
            let Some(node) = spec.get(field) else {
                continue;
            };
            // `s3`, `gcs`, `azure` are objects; `podSpec`, `deploymentSpec` lists of them.
            let items: Vec<&Node> = if node.is_map() {
                vec![node]
            } else {
                node.items().iter().collect()
            };
            tables.extend(
                items
                    .into_iter()
                    .map(|i| (i, format!("spec.{field}"), *valid)),
            );
        }
        for (node, path, valid) in tables {
            for entry in node.entries() {
                if !valid.contains(&entry.key.as_str()) {
                    let span = Span::new(object.source, entry.key_range);
                    found.push((span, name.clone(), entry.key.clone(), path.clone(), valid));
                }
            }
        }
    }
    for (span, name, key, path, valid) in found {
        let mix_up = KNOWN_MIX_UPS
            .iter()
            .find(|(wrong, _)| *wrong == key && path == "spec")
            .map(|(_, right)| *right);
        let suggestion = mix_up.or_else(|| suggest(&key, valid));
        let d = cx.report(
            Some(span),
            format!(
                "`{path}.{key}` is not a field of the `Runner` CRD; the API server prunes it, so `Runner` `{name}` silently loses it"
            ),
        );
        d.primary_label("pruned on admission");
        let mut names = valid.to_vec();
        d.note(format!(
            "fields of `{path}`: {}",
            super::closest(&key, &mut names)
        ));
        if let Some(suggestion) = suggestion {
            d.help(format!("did you mean `{suggestion}`?"));
        }
    }
}
