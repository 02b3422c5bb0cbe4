//! The effective config: the registration template merged with what the deployment sets.
//!
//! Under the Helm chart and the Operator, `config.toml` is a registration template, and
//! `gitlab-runner register` fills its config from flags and environment variables first; the
//! template only fills what is still empty (reference runner-manager.md §1.9). So a variable
//! in the chart's `envVars`, its `extraEnv`, one the chart's own template sets, or one in the
//! Operator's env ConfigMap can silently win over a key of the template (field case FC29).
//! This module collects those variables with their spans, decides key by key which source
//! wins, and applies the winners to the config the prediction reads. `render --effective`
//! prints the result; findings about an overridden key point at the variable that won.

use std::sync::LazyLock;

use serde_json::Value as Json;

use crate::analysis::deploy::{Deployment, DeploymentKind};
use crate::diagnostic::Assumption;
use crate::model::load::{ConfigDoc, ConfigOrigin, Inputs};
use crate::model::registration::{self, EnvKey};
use crate::model::schema::{self, Ty};
use crate::source::tree::Seg;
use crate::source::{Node, Span};

/// Where an environment variable of the runner's container comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum EnvOrigin {
    /// An item of the chart value `envVars`.
    HelmEnvVars,
    /// An entry of the chart value `extraEnv` (chart 0.62 and later).
    HelmExtraEnv,
    /// Set by the chart's own template (`_env_vars.tpl`), from the value or fact named.
    Chart { from: &'static str },
    /// A `data` entry of the ConfigMap the Operator's `Runner` names in `spec.env`.
    OperatorEnvConfigMap { name: String },
}

impl EnvOrigin {
    pub fn describe(&self) -> String {
        match self {
            EnvOrigin::HelmEnvVars => "chart value `envVars`".to_string(),
            EnvOrigin::HelmExtraEnv => "chart value `extraEnv`".to_string(),
            EnvOrigin::Chart { from } => format!("the chart's template, from {from}"),
            EnvOrigin::OperatorEnvConfigMap { name } => {
                format!("the Operator's env ConfigMap `{name}`")
            }
        }
    }
}

/// One environment variable the runner registers with.
#[derive(Clone, Debug)]
pub struct EnvSetting {
    pub name: String,
    /// The value; `None` when only the cluster knows it (the Helm release namespace).
    pub value: Option<String>,
    /// Where it is written, when the inputs hold it.
    pub span: Option<Span>,
    pub origin: EnvOrigin,
    pub assumption: Option<Assumption>,
}

/// A value the Operator writes into the config it generates when the template leaves the key
/// out (runner-manager.md §2.5, observed with Operator 1.15.1). The prediction applies these
/// itself, with their assumptions; here they are shown.
#[derive(Clone, Debug)]
pub struct GeneratedValue {
    pub path: &'static [&'static str],
    pub value: String,
    /// Where the `Runner` sets it, when it does.
    pub span: Option<Span>,
    pub origin: String,
}

/// Who sets a key of the effective config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Winner {
    /// The environment variable (`settings[index]`).
    Env,
    /// The template's own value: the variable is a zero value and cannot switch it off.
    Template,
}

/// An environment variable that maps to a config key of one `[[runners]]` entry.
#[derive(Clone, Debug)]
pub struct Override {
    pub runner: usize,
    pub key: &'static EnvKey,
    /// Index into [`EffectiveConfig::settings`].
    pub setting: usize,
    /// The variable's value as the key's type; `None` when unknown offline or not parsable.
    pub value: Option<Json>,
    /// Why the value could not be used, when it could not.
    pub invalid: Option<String>,
    /// The template's `key = value`, when it sets the key.
    pub template: Option<Span>,
    pub template_value: Option<Json>,
    pub winner: Winner,
}

impl Override {
    /// Whether the variable's value replaces the template's (or fills the key).
    pub fn applies(&self) -> bool {
        self.winner == Winner::Env && self.value.is_some()
    }
}

/// The merged view of one config.
#[derive(Clone, Debug, Default)]
pub struct EffectiveConfig {
    pub config: usize,
    /// Whether the config is a registration template at all (Helm or Operator).
    pub is_template: bool,
    pub settings: Vec<EnvSetting>,
    pub overrides: Vec<Override>,
    /// What the Operator fills in (empty for other deployments).
    pub generated: Vec<GeneratedValue>,
    /// Whether the Operator deploys the config.
    pub operator: bool,
}

impl EffectiveConfig {
    /// The variable that wins at a key path of a runner entry, if one does.
    pub fn winner_at(&self, runner: usize, path: &[&str]) -> Option<(&Override, &EnvSetting)> {
        self.overrides
            .iter()
            .find(|o| o.runner == runner && o.key.path == path && o.applies())
            .map(|o| (o, &self.settings[o.setting]))
    }

    /// Variables that set no config key (registration flags such as `REGISTER_LOCKED`, or
    /// variables the job environment reads).
    pub fn unmapped(&self) -> impl Iterator<Item = &EnvSetting> {
        self.settings
            .iter()
            .filter(|s| registration::key_for_env(&s.name).is_none())
    }

    /// Writes the winning values into the config's JSON (as `ConfigDoc::root.to_json()`).
    pub fn apply(&self, config: &mut Json) {
        for o in self.overrides.iter().filter(|o| o.applies()) {
            let Some(entry) = config.get_mut("runners").and_then(|r| r.get_mut(o.runner)) else {
                continue;
            };
            set_path(entry, o.key.path, o.value.clone().unwrap_or(Json::Null));
        }
    }
}

fn set_path(node: &mut Json, path: &[&str], value: Json) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = node;
    for key in parents {
        let Json::Object(map) = current else {
            return;
        };
        current = map
            .entry((*key).to_string())
            .or_insert_with(|| Json::Object(Default::default()));
    }
    if let Json::Object(map) = current {
        map.insert((*last).to_string(), value);
    }
}

/// Computes the effective config of `inputs.configs[index]` under its deployment.
pub fn compute(inputs: &Inputs, index: usize, deployment: &Deployment) -> EffectiveConfig {
    let config = &inputs.configs[index];
    let mut effective = EffectiveConfig {
        config: index,
        ..Default::default()
    };
    effective.settings = match &deployment.kind {
        DeploymentKind::Helm { .. } => {
            effective.is_template = true;
            helm_settings(inputs, config)
        }
        DeploymentKind::Operator { .. } => {
            effective.is_template = true;
            effective.operator = true;
            effective.generated = operator_generated(inputs, config, deployment);
            operator_settings(inputs, config)
        }
        DeploymentKind::Unknown => {
            // A ConfigMap nothing in the inputs deploys is a template only under the chart's
            // own key for one (as `rules::config::registration_template` decides); its
            // environment is then unknown.
            effective.is_template = matches!(
                &config.origin,
                ConfigOrigin::ConfigMap { key, .. } if key == "config.template.toml"
            );
            Vec::new()
        }
    };
    let runners = config.root.get("runners").map(Node::items).unwrap_or(&[]);
    for (runner, entry) in runners.iter().enumerate() {
        for (setting_index, setting) in effective.settings.iter().enumerate() {
            let Some(key) = registration::key_for_env(&setting.name) else {
                continue;
            };
            let Some(schema) = schema::runner_key(key.path) else {
                continue;
            };
            let (value, invalid) = match &setting.value {
                Some(text) => match parse_env(text, schema.ty) {
                    Ok(value) => (Some(value), None),
                    Err(reason) => (None, Some(reason)),
                },
                None => (None, None),
            };
            let segs: Vec<Seg<'_>> = key.path.iter().map(|k| Seg::Key(k)).collect();
            let template = entry
                .key_value_range(&segs)
                .map(|(kv, _)| Span::new(config.source, kv));
            let template_value = entry.at(&segs).map(Node::to_json);
            let env_is_zero = value.as_ref().is_none_or(is_zero);
            let template_is_zero = template_value.as_ref().is_none_or(is_zero);
            // dario.cat/mergo v1.0.2 (merge.go `deepMerge`, used by commands/register.go at
            // gitlabhq/gitlab-runner@d79f3e7b89ab L49 with no override) sets a field from the
            // template only when the flag/env value is empty; pointers are dereferenced first,
            // so an explicit `false` in the environment still gives way to `true`.
            let winner = if env_is_zero && !template_is_zero {
                Winner::Template
            } else {
                Winner::Env
            };
            // A zero value the template also leaves empty only matters for pointer fields.
            if winner == Winner::Env && env_is_zero && !key.pointer && setting.value.is_some() {
                continue;
            }
            effective.overrides.push(Override {
                runner,
                key,
                setting: setting_index,
                value,
                invalid,
                template,
                template_value,
                winner,
            });
        }
    }
    effective
}

/// Zero values in Go's sense: what mergo treats as unset.
fn is_zero(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::Bool(b) => !b,
        Json::Number(n) => n.as_f64() == Some(0.0),
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
    }
}

/// Parses an environment value as go-flags does for the field's type.
fn parse_env(text: &str, ty: Ty) -> Result<Json, String> {
    match ty {
        Ty::Str | Ty::Duration | Ty::StrOrList => Ok(Json::String(text.to_string())),
        // go-flags parses bools with strconv.ParseBool.
        Ty::Bool => match text {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(Json::Bool(true)),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(Json::Bool(false)),
            _ => Err(format!("`{text}` is not a boolean; registration fails")),
        },
        Ty::Int => text
            .trim()
            .parse::<i64>()
            .map(Json::from)
            .map_err(|_| format!("`{text}` is not an integer; registration fails")),
        // Without an `env-delim` tag go-flags keeps the whole value as one item.
        Ty::StrList => Ok(Json::Array(vec![Json::String(text.to_string())])),
        _ => Err("a table set from the environment is not modelled".to_string()),
    }
}

/// The chart's `_env_vars.tpl` skips `KUBERNETES_NAMESPACE` when `runners.config` matches this
/// unanchored pattern, so even a commented-out `# namespace = x` line suppresses it
/// (abbas123456/gitlab-runner, a fork with upstream tags, v0.57.0 `templates/_env_vars.tpl`).
// Invariant: a constant pattern; the chart tests in tests/effective.rs compile it.
#[allow(clippy::expect_used)]
static NAMESPACE_IN_CONFIG: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"\s*namespace\s*=").expect("a valid pattern"));

fn helm_settings(inputs: &Inputs, config: &ConfigDoc) -> Vec<EnvSetting> {
    let host = inputs
        .sources
        .to_host(Span::new(config.source, Default::default()))
        .0
        .source;
    let Some(values) = inputs.helm_values.iter().find(|v| v.source == host) else {
        return Vec::new();
    };
    let root = &values.root;
    let span_of = |node: &Node| Span::new(values.source, node.range);
    let mut settings = Vec::new();
    // `_env_vars.tpl` (v0.57.0) always sets these two, then the namespace, then `envVars`.
    if let Some(url) = root.get("gitlabUrl") {
        settings.push(EnvSetting {
            name: "CI_SERVER_URL".into(),
            value: url.as_str().map(str::to_string),
            span: Some(span_of(url)),
            origin: EnvOrigin::Chart {
                from: "`gitlabUrl`",
            },
            assumption: None,
        });
    }
    let executor = root.at(&["runners".into(), "executor".into()]);
    let executor_name = executor.and_then(Node::as_str).unwrap_or("kubernetes");
    settings.push(EnvSetting {
        name: "RUNNER_EXECUTOR".into(),
        value: Some(executor_name.to_string()),
        span: executor.map(span_of),
        origin: EnvOrigin::Chart {
            from: "`runners.executor` (default `kubernetes`)",
        },
        assumption: None,
    });
    let raw_config = root
        .at(&["runners".into(), "config".into()])
        .and_then(Node::as_str)
        .unwrap_or("");
    if executor_name == "kubernetes" && !NAMESPACE_IN_CONFIG.is_match(raw_config) {
        settings.push(EnvSetting {
            name: "KUBERNETES_NAMESPACE".into(),
            value: None,
            span: None,
            origin: EnvOrigin::Chart {
                from: "the release namespace",
            },
            assumption: Some(Assumption::new(
                "namespace.name",
                "the Helm release namespace",
                "`runners.config` sets no `namespace`, so the chart sets `KUBERNETES_NAMESPACE` to the release namespace, which only the cluster knows",
            )),
        });
    }
    for item in root.get("envVars").map(Node::items).unwrap_or(&[]) {
        let Some(name) = item.get("name").and_then(Node::as_str) else {
            continue;
        };
        let value = item.get("value");
        settings.push(EnvSetting {
            name: name.to_string(),
            value: Some(value.map(scalar_text).unwrap_or_default()),
            span: Some(span_of(value.unwrap_or(item))),
            origin: EnvOrigin::HelmEnvVars,
            assumption: None,
        });
    }
    for entry in root.get("extraEnv").map(Node::entries).unwrap_or(&[]) {
        settings.push(EnvSetting {
            name: entry.key.clone(),
            value: Some(scalar_text(&entry.value)),
            span: Some(span_of(&entry.value)),
            origin: EnvOrigin::HelmExtraEnv,
            assumption: None,
        });
    }
    settings
}

fn operator_settings(inputs: &Inputs, config: &ConfigDoc) -> Vec<EnvSetting> {
    let ConfigOrigin::ConfigMap { name, .. } = &config.origin else {
        return Vec::new();
    };
    let Some((runner_object, runner)) = inputs
        .cluster
        .runners()
        .find(|(_, r)| r.spec.config.as_deref() == Some(name.as_str()))
    else {
        return Vec::new();
    };
    let Some(env_name) = runner.spec.env.as_deref() else {
        return Vec::new();
    };
    let Some((object, _)) = inputs
        .cluster
        .config_map(env_name, runner_object.namespace())
    else {
        return Vec::new();
    };
    object
        .node
        .get("data")
        .map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .map(|entry| EnvSetting {
            name: entry.key.clone(),
            value: Some(scalar_text(&entry.value)),
            span: Some(Span::new(object.source, entry.value.range)),
            origin: EnvOrigin::OperatorEnvConfigMap {
                name: env_name.to_string(),
            },
            assumption: None,
        })
        .collect()
}

fn operator_generated(
    inputs: &Inputs,
    config: &ConfigDoc,
    deployment: &Deployment,
) -> Vec<GeneratedValue> {
    let runner = match &config.origin {
        ConfigOrigin::ConfigMap { name, .. } => inputs
            .cluster
            .runners()
            .find(|(_, r)| r.spec.config.as_deref() == Some(name.as_str())),
        _ => None,
    };
    let spec_span = |field: &'static str| {
        runner.and_then(|(object, _)| {
            object
                .node
                .at(&["spec".into(), field.into()])
                .map(|n| Span::new(object.source, n.range))
        })
    };
    let mut out = Vec::new();
    if let Some(ns) = &deployment.namespace {
        out.push(GeneratedValue {
            path: &["kubernetes", "namespace"],
            value: ns.clone(),
            span: None,
            origin: "the Operator, from the `Runner`'s namespace".into(),
        });
    }
    if let Some((image, assumption)) = &deployment.helper_image {
        out.push(GeneratedValue {
            path: &["kubernetes", "helper_image"],
            value: image.clone(),
            span: spec_span("helperImage"),
            origin: match assumption {
                Some(a) => format!("the Operator: assumed, {}", a.origin),
                None => "the Operator, from `spec.helperImage`".into(),
            },
        });
    }
    if let Some(image) = &deployment.build_image {
        out.push(GeneratedValue {
            path: &["kubernetes", "image"],
            value: image.clone(),
            span: spec_span("buildImage"),
            origin: "the Operator, from `spec.buildImage`".into(),
        });
    }
    out
}

/// The text of a scalar as Helm renders it into an env value (`{{ .value | quote }}`).
fn scalar_text(node: &Node) -> String {
    use crate::source::tree::Value;
    match &node.value {
        Value::Str(s, _) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null => String::new(),
        Value::Seq(_) | Value::Map(_) => node.to_json().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_parse_as_go_flags_does() {
        assert_eq!(parse_env("True", Ty::Bool), Ok(Json::Bool(true)));
        assert_eq!(parse_env("0", Ty::Bool), Ok(Json::Bool(false)));
        assert!(parse_env("yes", Ty::Bool).is_err());
        assert_eq!(parse_env("42", Ty::Int), Ok(Json::from(42)));
        assert!(parse_env("4k", Ty::Int).is_err());
        assert_eq!(
            parse_env("A=1,B=2", Ty::StrList),
            Ok(Json::Array(vec![Json::String("A=1,B=2".into())]))
        );
    }

    #[test]
    fn the_namespace_pattern_matches_even_a_comment() {
        assert!(NAMESPACE_IN_CONFIG.is_match("[[runners]]\n  # namespace = \"x\"\n"));
        assert!(NAMESPACE_IN_CONFIG.is_match("namespace=\"x\""));
        assert!(!NAMESPACE_IN_CONFIG.is_match("namespace_overwrite_allowed = \"x\""));
    }
}
