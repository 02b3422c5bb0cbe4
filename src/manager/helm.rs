//! The Deployment the gitlab-runner Helm chart renders from a values file, following
//! `templates/deployment.yaml`, `_helpers.tpl` and `_env_vars.tpl` of the chart version modelled
//! (rows of [`super::facts::CHART`]). Helm merges the user's maps over the chart's defaults, so a
//! key left out keeps its default and only `null` removes it (runner-manager.md §1.2).

use serde_json::{Map, Value, json};

use super::facts::{self, ChartFacts, ImageScheme, SaScheme, chart_pod};
use super::{FieldSource, ManagerOrigin, ManagerPod, Provenance};
use crate::diagnostic::Assumption;
use crate::model::load::{HelmValuesDoc, Inputs};
use crate::settings::Settings;
use crate::source::tree::{Entry, Seg, Value as Tree};
use crate::source::{Node, Span};

struct Values<'a> {
    doc: &'a HelmValuesDoc,
    chart: &'static ChartFacts,
    /// The chart's minor version, for changes inside a row (`extraEnv` ≥0.62, `namespace` ≥0.79).
    minor: u64,
}

impl<'a> Values<'a> {
    fn entry(&self, path: &[&str]) -> Option<&'a Entry> {
        let (last, parent) = path.split_last()?;
        let segs: Vec<Seg<'_>> = parent.iter().map(|k| Seg::Key(k)).collect();
        let node = if segs.is_empty() {
            &self.doc.root
        } else {
            self.doc.root.at(&segs)?
        };
        node.entry(last)
    }

    fn node(&self, path: &[&str]) -> Option<&'a Node> {
        self.entry(path).map(|e| &e.value)
    }

    fn str(&self, path: &[&str]) -> Option<&'a str> {
        self.node(path)
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
    }

    fn bool(&self, path: &[&str]) -> Option<bool> {
        self.node(path).and_then(Node::as_bool)
    }

    fn key(&self, path: &[&str]) -> Option<FieldSource> {
        let entry = self.entry(path)?;
        Some(FieldSource::Key {
            key: path.join("."),
            span: Span::new(self.doc.source, entry.key_range.cover(entry.value.range)),
        })
    }

    /// The source of a key whose value the caller has just read at `path`. Were it absent after
    /// all, the field is said to come from the values without a line, rather than panicking.
    fn written(&self, path: &[&str]) -> FieldSource {
        self.key(path)
            .unwrap_or_else(|| FieldSource::Assumed(format!("`{}` of the values", path.join("."))))
    }

    fn default(&self, key: &str, value: impl ToString) -> FieldSource {
        FieldSource::ChartDefault {
            key: key.to_string(),
            value: value.to_string(),
            chart: self.chart.range,
        }
    }
}

struct Builder {
    provenance: Vec<Provenance>,
}

impl Builder {
    fn mark(&mut self, pod_path: impl Into<String>, source: FieldSource) {
        self.provenance.push(Provenance {
            pod_path: pod_path.into(),
            source,
        });
    }
}

fn is_null(node: &Node) -> bool {
    matches!(node.value, Tree::Null)
}

/// The chart version: `--assume chart.version=0.N.x`, else the release shipping the runner
/// version modelled.
fn chart_version(
    settings: &Settings,
    runner: &semver::Version,
    assumptions: &mut Vec<Assumption>,
) -> semver::Version {
    if let Some(v) = settings
        .assumed("chart.version")
        .and_then(|v| semver::Version::parse(v.trim_start_matches('v')).ok())
    {
        return v;
    }
    let chart = facts::chart_for_runner(runner);
    assumptions.push(Assumption::new(
        "chart.version",
        chart.to_string(),
        format!("the chart release that ships runner {runner} (set --assume chart.version=…)"),
    ));
    chart
}

pub(super) fn synthesize(
    inputs: &Inputs,
    settings: &Settings,
    index: usize,
    doc: &HelmValuesDoc,
) -> ManagerPod {
    let mut assumptions = Vec::new();
    // The runner version: `--runner-version`, else the chart's image tag, else the default.
    let runner_version = match (
        &settings.runner_version,
        crate::analysis::deploy::helm_runner_version(doc),
    ) {
        (Some(v), _) => v.clone(),
        (None, Some(known)) => {
            assumptions.push(Assumption::new(
                "runner.version",
                known.version.to_string(),
                format!("read from {} (set --runner-version)", known.from),
            ));
            known.version
        }
        (None, None) => {
            let (v, assumption) = settings.runner_version();
            assumptions.extend(assumption);
            v
        }
    };
    let version = chart_version(settings, &runner_version, &mut assumptions);
    let chart = facts::chart(&version);
    let v = Values {
        doc,
        chart,
        minor: version.minor,
    };
    let mut b = Builder {
        provenance: Vec::new(),
    };

    // Names: `fullname` from the release name, unknown offline.
    let fullname = v
        .str(&["fullnameOverride"])
        .map(str::to_string)
        .unwrap_or_else(|| {
            assumptions.push(Assumption::new(
                "chart.release",
                chart_pod::FULLNAME,
                "the release name is not in the values; `helm install gitlab-runner …` gives fullname `gitlab-runner`",
            ));
            chart_pod::FULLNAME.to_string()
        });
    let namespace = namespace(inputs, settings, &v, &mut assumptions);

    // Pod security context: `securityContext` (≤0.41) or `podSecurityContext` (≥0.42).
    let pod_sc = merged(
        &v,
        chart.pod_sc_key,
        chart.pod_sc_defaults,
        "spec.securityContext",
        &mut b,
    );
    let container_sc = match chart.container_sc_key {
        Some(key) => merged(
            &v,
            key,
            chart.container_sc_defaults,
            "spec.containers[0].securityContext",
            &mut b,
        ),
        None => {
            let defaults: Value =
                serde_json::from_str(chart.container_sc_defaults).unwrap_or_default();
            for k in defaults.as_object().into_iter().flatten().map(|(k, _)| k) {
                b.mark(
                    format!("spec.containers[0].securityContext.{k}"),
                    FieldSource::ChartTemplate(format!(
                        "`{k}: {}`, not configurable before 0.42",
                        defaults[k]
                    )),
                );
            }
            Some(defaults)
        }
    };

    let image = image(&v, &runner_version, &mut b);
    let (service_account, creates_role) = service_account(&v, &fullname, &mut b);

    let mut spec = Map::new();
    match pod_sc {
        Some(sc) if sc.as_object().is_some_and(Map::is_empty) && chart.empty_pod_sc_omitted => {}
        Some(sc) => {
            spec.insert("securityContext".into(), sc);
        }
        None => {}
    }
    if !service_account.is_empty() {
        spec.insert("serviceAccountName".into(), json!(service_account));
    }
    let grace = v
        .node(&["terminationGracePeriodSeconds"])
        .and_then(Node::as_i64);
    spec.insert(
        "terminationGracePeriodSeconds".into(),
        grace.map_or(json!(chart_pod::TERMINATION_GRACE), |n| json!(n)),
    );
    b.mark(
        "spec.terminationGracePeriodSeconds",
        match grace {
            Some(_) => v.written(&["terminationGracePeriodSeconds"]),
            None => v.default(
                "terminationGracePeriodSeconds",
                chart_pod::TERMINATION_GRACE,
            ),
        },
    );
    for key in [
        "nodeSelector",
        "tolerations",
        "affinity",
        "imagePullSecrets",
        "hostAliases",
    ] {
        if let Some(node) = v.node(&[key]).filter(|n| !is_null(n)) {
            let value = node.to_json();
            let empty = value.as_object().is_some_and(Map::is_empty)
                || value.as_array().is_some_and(Vec::is_empty);
            if !empty {
                spec.insert(key.into(), value);
                b.mark(format!("spec.{key}"), v.written(&[key]));
            }
        }
    }

    let use_tini = v.bool(&["useTini"]).unwrap_or(false);
    let command = if use_tini {
        vec![chart_pod::TINI, "--", "/bin/bash", "/configmaps/entrypoint"]
    } else {
        vec![
            chart_pod::DUMB_INIT,
            "--",
            "/bin/bash",
            "/configmaps/entrypoint",
        ]
    };
    b.mark(
        "spec.containers[0].command",
        v.key(&["useTini"])
            .unwrap_or_else(|| v.default("useTini", false)),
    );

    let env = env(&v, &mut b);
    let (volumes, mounts, config_mount, certs_mount) = volumes(&v, &fullname, &mut b);

    let mut container = Map::new();
    container.insert("name".into(), json!(fullname));
    container.insert("image".into(), json!(image));
    // `imagePullPolicy: {{ default "" .Values.imagePullPolicy | quote }}`, values default
    // `IfNotPresent`.
    let pull = v.str(&["imagePullPolicy"]);
    container.insert(
        "imagePullPolicy".into(),
        json!(pull.unwrap_or(chart_pod::PULL_POLICY)),
    );
    b.mark(
        "spec.containers[0].imagePullPolicy",
        match pull {
            Some(_) => v.written(&["imagePullPolicy"]),
            None => v.default("imagePullPolicy", chart_pod::PULL_POLICY),
        },
    );
    container.insert("command".into(), json!(command));
    container.insert("env".into(), Value::Array(env));
    if let Some(sc) = container_sc.filter(|sc| !sc.as_object().is_some_and(Map::is_empty)) {
        container.insert("securityContext".into(), sc);
    }
    container.insert("volumeMounts".into(), Value::Array(mounts.clone()));
    spec.insert("containers".into(), json!([Value::Object(container)]));
    if chart.init_configure {
        // `configure` (≤0.40): same image, env and container security context.
        let mut init = spec["containers"][0].clone();
        init["name"] = json!("configure");
        init["command"] = json!(["sh", "/configmaps/configure"]);
        spec.insert("initContainers".into(), json!([init]));
    }
    spec.insert("volumes".into(), Value::Array(volumes));

    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            // The ReplicaSet names its pods `<deployment>-<hash>-<suffix>`.
            "generateName": format!("{fullname}-"),
            "namespace": namespace,
            "labels": {"app": fullname, "release": fullname},
        },
        "spec": Value::Object(spec),
    });

    let job_namespace = inputs
        .configs
        .iter()
        .filter(|c| c.origin == crate::model::load::ConfigOrigin::HelmValues)
        .filter(|c| {
            inputs
                .sources
                .to_host(Span::new(c.source, Default::default()))
                .0
                .source
                == doc.source
        })
        .find_map(|c| {
            let node = c.root.at(&[
                "runners".into(),
                0.into(),
                "kubernetes".into(),
                "namespace".into(),
            ])?;
            let ns = node.as_str().filter(|ns| !ns.is_empty())?;
            // A template placeholder (`{{ .Release.Namespace }}`, `${namespace}`) is only known
            // once rendered: the release namespace stands in for it.
            Some((!c.is_placeholder(node.range)).then(|| ns.to_string()))
        });
    let job_namespace = match job_namespace {
        Some(Some(ns)) => ns,
        Some(None) => {
            assumptions.push(Assumption::new(
                "manager.jobNamespace",
                namespace.clone(),
                "the job namespace of `runners.config` is a template placeholder; the release namespace is assumed",
            ));
            namespace.clone()
        }
        None => namespace.clone(),
    };
    let job_namespace = Some(job_namespace);

    let rbac = creates_role.then(|| chart_role(&v, &fullname, &namespace, &service_account));
    ManagerPod {
        origin: ManagerOrigin::Helm { values: index },
        deployment: fullname.clone(),
        namespace,
        pod: super::to_pod(pod),
        container: fullname,
        provenance: b.provenance,
        chart: Some((version, chart)),
        config_mount,
        certs_mount,
        rbac,
        rbac_cluster_wide: v.bool(&["rbac", "clusterWideAccess"]).unwrap_or(false),
        job_namespace,
        assumptions,
    }
}

/// The manager's namespace: `namespace` (≥0.79), else the release namespace, which is not in the
/// values; `--assume manager.namespace=…`, the only Namespace of the inputs, or the runner
/// config's job namespace stand in for it.
fn namespace(
    inputs: &Inputs,
    settings: &Settings,
    v: &Values<'_>,
    assumptions: &mut Vec<Assumption>,
) -> String {
    if let Some(ns) = settings.assumed("manager.namespace") {
        return ns.to_string();
    }
    if v.minor >= 79
        && let Some(ns) = v.str(&["namespace"])
    {
        return ns.to_string();
    }
    let (ns, why) = match inputs.cluster.namespaces().collect::<Vec<_>>().as_slice() {
        [(object, _)] => (
            object.name().to_string(),
            "the only Namespace in the inputs",
        ),
        _ => (
            "gitlab-runner".to_string(),
            "the namespace GitLab's install guide uses",
        ),
    };
    assumptions.push(Assumption::new(
        "manager.namespace",
        ns.clone(),
        format!("the Helm release namespace is not in the values; {why} (set --assume manager.namespace=…)"),
    ));
    ns
}

/// A values map merged over the chart's defaults, one level deep as Helm's coalescing does for
/// these maps; `null` removes a key or the whole map. Returns `None` when the map is removed.
fn merged(
    v: &Values<'_>,
    key: &str,
    defaults: &str,
    pod_path: &str,
    b: &mut Builder,
) -> Option<Value> {
    let defaults: Value = serde_json::from_str(defaults).unwrap_or_else(|_| json!({}));
    let given = v.entry(&[key]);
    if let Some(entry) = given
        && is_null(&entry.value)
    {
        b.mark(pod_path, v.written(&[key]));
        return None;
    }
    let mut out = Map::new();
    let user = given.map(|e| &e.value);
    for (k, default) in defaults.as_object().into_iter().flatten() {
        match user.and_then(|u| u.entry(k)) {
            Some(e) if is_null(&e.value) => {}
            Some(e) => {
                out.insert(k.clone(), e.value.to_json());
                b.mark(format!("{pod_path}.{k}"), v.written(&[key, k]));
            }
            None => {
                out.insert(k.clone(), default.clone());
                b.mark(
                    format!("{pod_path}.{k}"),
                    v.default(&format!("{key}.{k}"), compact(default)),
                );
            }
        }
    }
    for e in user.map(Node::entries).unwrap_or(&[]) {
        if !out.contains_key(&e.key) && !is_null(&e.value) && defaults.get(&e.key).is_none() {
            out.insert(e.key.clone(), e.value.to_json());
            b.mark(format!("{pod_path}.{}", e.key), v.written(&[key, &e.key]));
        }
    }
    Some(Value::Object(out))
}

/// An env value as the chart quotes it.
fn env_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A default value for a provenance comment.
fn compact(value: &Value) -> String {
    match value {
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The image reference the chart renders (runner-manager.md §1.7).
fn image(v: &Values<'_>, runner: &semver::Version, b: &mut Builder) -> String {
    let path = "spec.containers[0].image";
    let default_tag = format!("alpine-v{runner}");
    let given = v.node(&["image"]);
    if let Some(text) = given.and_then(Node::as_str)
        && v.chart.image != ImageScheme::Map
    {
        b.mark(path, v.written(&["image"]));
        return text.to_string();
    }
    if v.chart.image == ImageScheme::HubString {
        b.mark(
            path,
            v.default("image", format!("{}:{default_tag}", chart_pod::HUB_IMAGE)),
        );
        return format!("{}:{default_tag}", chart_pod::HUB_IMAGE);
    }
    let part = |k: &str, default: &str, b: &mut Builder| match v.entry(&["image", k]) {
        Some(e) => {
            b.mark(path, v.written(&["image", k]));
            e.value.as_str().unwrap_or_default().to_string()
        }
        None => {
            b.mark(path, v.default(&format!("image.{k}"), default));
            default.to_string()
        }
    };
    let registry = part("registry", chart_pod::DEFAULT_REGISTRY, b);
    let name = part("image", chart_pod::DEFAULT_IMAGE, b);
    let tag = match v.node(&["image", "tag"]).map(|n| n.to_json()) {
        Some(Value::String(s)) => {
            b.mark(path, v.written(&["image", "tag"]));
            s
        }
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            b.mark(path, v.default("image.tag", &default_tag));
            default_tag
        }
    };
    if registry.is_empty() {
        format!("{name}:{tag}")
    } else {
        format!("{registry}/{name}:{tag}")
    }
}

/// The pod's `serviceAccountName`, and whether the chart creates the SA's Role (§1.3).
fn service_account(v: &Values<'_>, fullname: &str, b: &mut Builder) -> (String, bool) {
    let path = "spec.serviceAccountName";
    let rbac_create = v.bool(&["rbac", "create"]).unwrap_or(false);
    if v.chart.service_account == SaScheme::ServiceAccount {
        if let Some(name) = v.str(&["serviceAccount", "name"]) {
            b.mark(path, v.written(&["serviceAccount", "name"]));
            return (name.to_string(), rbac_create);
        }
        let sa_create = v.bool(&["serviceAccount", "create"]);
        if sa_create == Some(true) || (rbac_create && sa_create.is_none()) {
            let key = if sa_create == Some(true) {
                v.written(&["serviceAccount", "create"])
            } else {
                v.written(&["rbac", "create"])
            };
            b.mark(path, key);
            return (fullname.to_string(), rbac_create);
        }
    }
    if rbac_create {
        if v.chart.service_account == SaScheme::RbacGenerated
            && let Some(name) = v.str(&["rbac", "generatedServiceAccountName"])
        {
            b.mark(path, v.written(&["rbac", "generatedServiceAccountName"]));
            return (name.to_string(), true);
        }
        b.mark(path, v.written(&["rbac", "create"]));
        return (fullname.to_string(), true);
    }
    match v.str(&["rbac", "serviceAccountName"]) {
        Some(name) => {
            b.mark(path, v.written(&["rbac", "serviceAccountName"]));
            (name.to_string(), false)
        }
        None => {
            // `""` renders no name: the ServiceAccount admission plugin names `default`.
            b.mark(path, v.default("rbac.create", false));
            ("default".to_string(), false)
        }
    }
}

/// The container env the chart sets, then the user's `envVars` and `extraEnv` (§1.8).
fn env(v: &Values<'_>, b: &mut Builder) -> Vec<Value> {
    let mut env = Vec::new();
    let mut push = |name: &str, value: String, source: FieldSource, b: &mut Builder| {
        b.mark(format!("spec.containers[0].env[{}]", env.len()), source);
        env.push(json!({"name": name, "value": value}));
    };
    for &name in v.chart.env_always {
        let (value, source) = match name {
            "CI_SERVER_URL" => match v.str(&["gitlabUrl"]) {
                Some(url) => (url.to_string(), v.written(&["gitlabUrl"])),
                None => (String::new(), v.default("gitlabUrl", "\"\"")),
            },
            "CLONE_URL" => match v.str(&["runners", "cloneUrl"]) {
                Some(url) => (url.to_string(), v.written(&["runners", "cloneUrl"])),
                None => (String::new(), v.default("runners.cloneUrl", "\"\"")),
            },
            "RUNNER_EXECUTOR" => match v.str(&["runners", "executor"]) {
                Some(e) => (e.to_string(), v.written(&["runners", "executor"])),
                None => (
                    "kubernetes".into(),
                    v.default("runners.executor", "kubernetes"),
                ),
            },
            "REGISTER_LOCKED" => match v.bool(&["runners", "locked"]) {
                Some(l) => (l.to_string(), v.written(&["runners", "locked"])),
                None => ("true".into(), v.default("runners.locked", true)),
            },
            "RUNNER_TAG_LIST" => match v.str(&["runners", "tags"]) {
                Some(t) => (t.to_string(), v.written(&["runners", "tags"])),
                None => (String::new(), v.default("runners.tags", "\"\"")),
            },
            _ => continue,
        };
        push(name, value, source, b);
    }
    for (i, item) in v
        .node(&["envVars"])
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let Some(name) = item.get("name").and_then(Node::as_str) else {
            continue;
        };
        let value = item
            .get("value")
            .map(|n| env_value(&n.to_json()))
            .unwrap_or_default();
        let source = FieldSource::Key {
            key: format!("envVars[{i}]"),
            span: Span::new(v.doc.source, item.range),
        };
        push(name, value, source, b);
    }
    if v.minor >= 62 {
        for e in v.node(&["extraEnv"]).map(Node::entries).unwrap_or(&[]) {
            let source = v.written(&["extraEnv", &e.key]);
            push(&e.key, env_value(&e.value.to_json()), source, b);
        }
    }
    env
}

type Volumes = (Vec<Value>, Vec<Value>, Option<String>, Option<String>);

/// Volumes and the main container's mounts (§1.4); Secret names only, never their data.
fn volumes(v: &Values<'_>, fullname: &str, b: &mut Builder) -> Volumes {
    let (mut volumes, mut mounts) = (Vec::new(), Vec::new());
    let mut add = |volume: Value, mount: Value, source: FieldSource, b: &mut Builder| {
        b.mark(format!("spec.volumes[{}]", volumes.len()), source.clone());
        b.mark(
            format!("spec.containers[0].volumeMounts[{}]", mounts.len()),
            source,
        );
        volumes.push(volume);
        mounts.push(mount);
    };
    // The projected token and cache secrets.
    let mut sources = Vec::new();
    let token_items = json!([{"key": "runner-registration-token", "path": "runner-registration-token"},
                             {"key": "runner-token", "path": "runner-token"}]);
    let mut secret_source = None;
    if let Some(name) = v.str(&["runners", "secret"]) {
        sources.push(json!({"secret": {"name": name, "items": token_items}}));
        secret_source = v.key(&["runners", "secret"]);
    } else if v.entry(&["runnerToken"]).is_some() || v.entry(&["runnerRegistrationToken"]).is_some()
    {
        sources.push(json!({"secret": {"name": fullname, "items": token_items}}));
        secret_source = v
            .key(&["runnerToken"])
            .or_else(|| v.key(&["runnerRegistrationToken"]));
    }
    if let Some(name) = v.str(&["runners", "cache", "secretName"]) {
        sources.push(json!({"secret": {"name": name}}));
        secret_source = secret_source.or_else(|| v.key(&["runners", "cache", "secretName"]));
    }
    for item in v.node(&["secrets"]).map(Node::items).unwrap_or(&[]) {
        sources.push(json!({"secret": item.to_json()}));
        secret_source = secret_source.or_else(|| v.key(&["secrets"]));
    }
    if v.chart.init_configure {
        add(
            json!({"name": "runner-secrets", "emptyDir": {"medium": "Memory"}}),
            json!({"name": "runner-secrets", "mountPath": chart_pod::SECRETS_DIR}),
            FieldSource::ChartTemplate("always rendered".into()),
            b,
        );
    } else if !sources.is_empty() || !v.chart.projected_secrets_conditional {
        add(
            json!({"name": "projected-secrets", "projected": {"sources": sources}}),
            json!({"name": "projected-secrets", "mountPath": chart_pod::SECRETS_DIR}),
            secret_source.unwrap_or_else(|| {
                FieldSource::ChartTemplate("always rendered before 0.58".into())
            }),
            b,
        );
    }
    add(
        json!({"name": "etc-gitlab-runner", "emptyDir": {"medium": "Memory"}}),
        json!({"name": "etc-gitlab-runner", "mountPath": chart_pod::CONFIG_DIR}),
        FieldSource::ChartTemplate(
            "always rendered; the entrypoint writes `config.toml` here".into(),
        ),
        b,
    );
    add(
        json!({"name": "configmaps", "configMap": {"name": fullname}}),
        json!({"name": "configmaps", "mountPath": chart_pod::CONFIGMAPS_DIR}),
        FieldSource::ChartTemplate("always rendered; entrypoint and registration scripts".into()),
        b,
    );
    let mut certs = None;
    if let Some(name) = v.str(&["certsSecretName"]) {
        add(
            json!({"name": "custom-certs", "secret": {"secretName": name}}),
            json!({"name": "custom-certs", "mountPath": chart_pod::CERTS_DIR, "readOnly": true}),
            v.written(&["certsSecretName"]),
            b,
        );
        certs = Some(chart_pod::CERTS_DIR.trim_end_matches('/').to_string());
    }
    // User volumes and mounts (≥0.42, MR !348).
    if v.chart.min_minor >= 42 {
        for (i, item) in v
            .node(&["volumes"])
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            b.mark(
                format!("spec.volumes[{}]", volumes.len()),
                FieldSource::Key {
                    key: format!("volumes[{i}]"),
                    span: Span::new(v.doc.source, item.range),
                },
            );
            volumes.push(item.to_json());
        }
        for (i, item) in v
            .node(&["volumeMounts"])
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            b.mark(
                format!("spec.containers[0].volumeMounts[{}]", mounts.len()),
                FieldSource::Key {
                    key: format!("volumeMounts[{i}]"),
                    span: Span::new(v.doc.source, item.range),
                },
            );
            mounts.push(item.to_json());
        }
    }
    if !v.chart.init_configure {
        // Still declared, mounted nowhere, since `projected-secrets` replaced it (≥0.41,
        // runner-manager.md §1.4; `templates/deployment.yaml` of the mirror cited in `facts`).
        b.mark(
            format!("spec.volumes[{}]", volumes.len()),
            FieldSource::ChartTemplate("always rendered, unused since 0.41".into()),
        );
        volumes.push(json!({"name": "runner-secrets", "emptyDir": {"medium": "Memory"}}));
    }
    (
        volumes,
        mounts,
        Some(chart_pod::CONFIG_DIR.to_string()),
        certs,
    )
}

/// The Role and RoleBinding `rbac.create` renders: `rbac.rules`, or one rule allowing every verb
/// on every core resource when the list is empty (§1.3).
fn chart_role(
    v: &Values<'_>,
    fullname: &str,
    namespace: &str,
    service_account: &str,
) -> (
    k8s_openapi::api::rbac::v1::Role,
    k8s_openapi::api::rbac::v1::RoleBinding,
) {
    let mut rules: Vec<Value> = v
        .node(&["rbac", "rules"])
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .map(|r| {
            let list = |k: &str, default: &str| {
                let items: Vec<Value> = r.get(k).map(Node::items).unwrap_or(&[]).iter().map(Node::to_json).collect();
                if items.is_empty() { json!([default]) } else { Value::Array(items) }
            };
            json!({"apiGroups": list("apiGroups", ""), "resources": list("resources", "*"), "verbs": list("verbs", "*")})
        })
        .collect();
    if rules.is_empty() {
        rules.push(json!({"apiGroups": [""], "resources": ["*"], "verbs": ["*"]}));
    }
    let role = json!({"metadata": {"name": fullname, "namespace": namespace}, "rules": rules});
    let binding = json!({
        "metadata": {"name": fullname, "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": fullname},
        "subjects": [{"kind": "ServiceAccount", "name": service_account, "namespace": namespace}],
    });
    (
        serde_json::from_value(role).unwrap_or_default(),
        serde_json::from_value(binding).unwrap_or_default(),
    )
}
