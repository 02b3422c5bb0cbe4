//! `render --effective`: each runner config as the runner will run it, key by key with the
//! source that won.
//!
//! The template's keys keep their order; each line ends with a comment naming where the value
//! comes from (`file:line`, or the environment variable and the chart value or ConfigMap that
//! sets it, with the template's value it replaced). Keys registration adds are appended to
//! their table; values only the cluster knows are shown as comments, never guessed. Global keys
//! of a registration template, which never apply, are shown commented out. Credentials are
//! masked.

use serde_json::Value as Json;

use crate::analysis::Analysis;
use crate::analysis::effective::{EffectiveConfig, Override, Winner};
use crate::model::load::{ConfigOrigin, is_secret_key};
use crate::model::registration;
use crate::render::{Secrets, locate};
use crate::source::tree::Value;
use crate::source::{Node, Span};

/// Renders every config of the inputs.
pub fn render(analysis: &Analysis) -> String {
    let secrets = Secrets::of(&analysis.inputs.sources);
    let mut out = String::new();
    for effective in &analysis.effective {
        out.push_str(&render_one(analysis, effective));
    }
    secrets.mask(&out)
}

fn render_one(analysis: &Analysis, effective: &EffectiveConfig) -> String {
    let config = &analysis.inputs.configs[effective.config];
    let sources = &analysis.inputs.sources;
    let where_ = |span: Span| {
        let (_, _, location) = locate(sources, span);
        format!("{}:{}", location.path, location.line)
    };
    let (_, _, host) = locate(sources, Span::new(config.source, config.root.range));
    let kind = match (&config.origin, effective.is_template) {
        (ConfigOrigin::HelmValues, _) => "Helm chart values `runners.config`",
        (ConfigOrigin::ConfigMap { .. }, true) => "ConfigMap, a registration template",
        (ConfigOrigin::ConfigMap { .. }, false) => "ConfigMap",
        (ConfigOrigin::File, _) => "config.toml",
    };
    let mut out = format!("# effective config of {} ({kind})\n", host.path);
    if !effective.is_template {
        out.push_str("# the runner reads this file as it is: every value is the file's own\n");
    } else if effective.settings.is_empty() && effective.operator {
        out.push_str(
            "# a registration template of the Operator; its `Runner` names no env ConfigMap, so only the values the Operator generates are added\n",
        );
    } else if effective.settings.is_empty() {
        out.push_str(
            "# a registration template; no deployment in the inputs sets environment variables for it\n",
        );
    } else {
        out.push_str(
            "# a registration template: environment variables of registration win over its keys\n",
        );
    }

    let cx = Cx {
        analysis,
        effective,
        where_: &where_,
    };
    let mut globals = Vec::new();
    let mut tables = Vec::new();
    for entry in config.root.entries() {
        match (&entry.key[..], &entry.value.value) {
            ("runners", Value::Seq(_)) => tables.push(entry),
            (_, Value::Map(_)) => tables.push(entry),
            _ => globals.push(entry),
        }
    }
    for entry in globals {
        let line = format!(
            "{} = {}",
            entry.key,
            shown_value(&entry.key, &entry.value.to_json())
        );
        let origin = where_(Span::new(
            config.source,
            entry.key_range.cover(entry.value.range),
        ));
        if effective.is_template {
            out.push_str(&format!(
                "# {line}  # {origin}: ignored, a template's global keys never apply\n"
            ));
        } else {
            out.push_str(&format!("{line}  # {origin}\n"));
        }
    }
    for entry in tables {
        match &entry.value.value {
            Value::Seq(items) if entry.key == "runners" => {
                for (index, item) in items.iter().enumerate() {
                    out.push_str("\n[[runners]]\n");
                    cx.table(&mut out, item, index, &[], 1);
                }
            }
            _ if effective.is_template => {
                let origin = where_(Span::new(config.source, entry.key_range));
                out.push_str(&format!(
                    "\n# [{}]  # {origin}: ignored, a template's global tables never apply\n",
                    entry.key
                ));
            }
            _ => {
                out.push_str(&format!("\n[{}]\n", entry.key));
                cx.plain_table(&mut out, &entry.value, entry.key.clone(), 1);
            }
        }
    }
    for setting in effective.unmapped() {
        let origin = setting
            .span
            .map(|s| format!(" ({})", where_(s)))
            .unwrap_or_default();
        out.push_str(&format!(
            "# {} from {}{origin} sets no config key (a registration flag or a job variable)\n",
            setting.name,
            setting.origin.describe()
        ));
    }
    out.push('\n');
    out
}

struct Cx<'a> {
    analysis: &'a Analysis,
    effective: &'a EffectiveConfig,
    where_: &'a dyn Fn(Span) -> String,
}

impl Cx<'_> {
    fn source(&self) -> crate::source::SourceId {
        self.analysis.inputs.configs[self.effective.config].source
    }

    /// The overrides of a runner at exactly this path.
    fn overrides_at(&self, runner: usize, path: &[&str]) -> Vec<&Override> {
        self.effective
            .overrides
            .iter()
            .filter(|o| o.runner == runner && o.key.path == path)
            .collect()
    }

    /// A table below `[[runners]]` (or the entry itself, `path` empty).
    fn table(&self, out: &mut String, node: &Node, runner: usize, path: &[&str], depth: usize) {
        let indent = "  ".repeat(depth);
        let mut subtables = Vec::new();
        for entry in node.entries() {
            if entry.value.is_map() || is_table_array(&entry.value) {
                subtables.push(entry);
                continue;
            }
            let mut key_path = path.to_vec();
            key_path.push(&entry.key);
            let span = Span::new(self.source(), entry.key_range.cover(entry.value.range));
            let template = (self.where_)(span);
            let line =
                |value: &Json| format!("{indent}{} = {}", entry.key, shown(&key_path, value));
            if self.effective.is_template
                && let Some(reason) =
                    registration::preset_by_registration(&key_path, self.effective.operator)
            {
                out.push_str(&format!(
                    "{indent}# {} = {}  # {template}: ignored, {reason}\n",
                    entry.key,
                    shown(&key_path, &entry.value.to_json())
                ));
                continue;
            }
            match self.overrides_at(runner, &key_path).first() {
                Some(o) if o.applies() => {
                    let value = o.value.clone().unwrap_or(Json::Null);
                    out.push_str(&format!(
                        "{}  # {}; replaces the template's {} ({template})\n",
                        line(&value),
                        self.env_origin(o),
                        shown(&key_path, &entry.value.to_json())
                    ));
                }
                Some(o) if o.winner == Winner::Template => {
                    out.push_str(&format!(
                        "{}  # {template}; {} cannot switch it off (a zero value never wins)\n",
                        line(&entry.value.to_json()),
                        self.env_origin(o)
                    ));
                }
                Some(o) => out.push_str(&format!(
                    "{}  # {template}; {}{}\n",
                    line(&entry.value.to_json()),
                    self.env_origin(o),
                    self.unknown(o)
                )),
                None => out.push_str(&format!("{}  # {template}\n", line(&entry.value.to_json()))),
            }
        }
        // Keys registration adds to this table.
        for o in self.effective.overrides.iter().filter(|o| {
            o.runner == runner
                && o.template.is_none()
                && o.key.path.len() == path.len() + 1
                && o.key.path[..path.len()] == *path
                && !has_entry(node, o.key.path[path.len()])
        }) {
            let key = o.key.path[path.len()];
            match (&o.value, o.applies()) {
                (Some(value), true) => out.push_str(&format!(
                    "{indent}{key} = {}  # {}\n",
                    shown(o.key.path, value),
                    self.env_origin(o)
                )),
                _ => out.push_str(&format!(
                    "{indent}# {key} = ?  # {}{}\n",
                    self.env_origin(o),
                    self.unknown(o)
                )),
            }
        }
        // Values the Operator generates where the template leaves them out.
        for generated in self.effective.generated.iter().filter(|g| {
            g.path.len() == path.len() + 1
                && g.path[..path.len()] == *path
                && !has_entry(node, g.path[path.len()])
        }) {
            let at = generated
                .span
                .map(|s| format!(" ({})", (self.where_)(s)))
                .unwrap_or_default();
            out.push_str(&format!(
                "{indent}{} = {}  # {}{at}\n",
                generated.path[path.len()],
                toml_value(&Json::String(generated.value.clone())),
                generated.origin
            ));
        }
        for entry in subtables {
            let mut key_path = path.to_vec();
            key_path.push(&entry.key);
            let header = format!("runners.{}", key_path.join("."));
            match &entry.value.value {
                Value::Seq(items) => {
                    for item in items {
                        out.push_str(&format!("{indent}[[{header}]]\n"));
                        self.table(out, item, runner, &key_path, depth + 1);
                    }
                }
                _ => {
                    out.push_str(&format!("{indent}[{header}]\n"));
                    self.table(out, &entry.value, runner, &key_path, depth + 1);
                }
            }
        }
        // Tables registration creates (a `[runners.kubernetes]` the template leaves out).
        let added = self
            .effective
            .overrides
            .iter()
            .filter(|o| o.runner == runner && o.applies())
            .map(|o| o.key.path)
            .chain(self.effective.generated.iter().map(|g| g.path));
        let mut missing: Vec<&[&str]> = added
            .filter(|p| {
                p.len() > path.len() + 1
                    && p[..path.len()] == *path
                    && !has_entry(node, p[path.len()])
            })
            .map(|p| &p[..=path.len()])
            .collect();
        missing.dedup();
        for table in missing {
            out.push_str(&format!("{indent}[runners.{}]\n", table.join(".")));
            let empty = Node::new(node.range, Value::Map(Vec::new()));
            self.table(out, &empty, runner, table, depth + 1);
        }
    }

    /// A table outside `[[runners]]` (`[session_server]`): the file's own values.
    fn plain_table(&self, out: &mut String, node: &Node, header: String, depth: usize) {
        let indent = "  ".repeat(depth);
        for entry in node.entries() {
            if entry.value.is_map() {
                let header = format!("{header}.{}", entry.key);
                out.push_str(&format!("{indent}[{header}]\n"));
                self.plain_table(out, &entry.value, header, depth + 1);
                continue;
            }
            let span = Span::new(self.source(), entry.key_range.cover(entry.value.range));
            out.push_str(&format!(
                "{indent}{} = {}  # {}\n",
                entry.key,
                shown_value(&entry.key, &entry.value.to_json()),
                (self.where_)(span)
            ));
        }
    }

    fn env_origin(&self, o: &Override) -> String {
        let setting = &self.effective.settings[o.setting];
        let at = setting
            .span
            .map(|s| format!(" ({})", (self.where_)(s)))
            .unwrap_or_default();
        format!("{} from {}{at}", setting.name, setting.origin.describe())
    }

    fn unknown(&self, o: &Override) -> String {
        let setting = &self.effective.settings[o.setting];
        match (&o.invalid, &setting.assumption) {
            (Some(reason), _) => format!(": {reason}"),
            (None, Some(assumption)) => format!(": {}", assumption.value),
            _ => String::new(),
        }
    }
}

fn has_entry(node: &Node, key: &str) -> bool {
    node.entry(key).is_some()
}

fn is_table_array(node: &Node) -> bool {
    matches!(&node.value, Value::Seq(items) if !items.is_empty() && items.iter().all(Node::is_map))
}

/// A value as TOML, masked when its key holds a credential.
fn shown(path: &[&str], value: &Json) -> String {
    shown_value(path.last().copied().unwrap_or(""), value)
}

fn shown_value(key: &str, value: &Json) -> String {
    if is_secret_key(key) {
        return "\"****\"".to_string();
    }
    toml_value(value)
}

fn toml_value(value: &Json) -> String {
    match value {
        Json::Null => "\"\"".to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => toml_edit::Value::from(s.as_str()).to_string(),
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(toml_value).collect();
            format!("[{}]", items.join(", "))
        }
        Json::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    let key = toml_edit::Key::new(k.as_str()).display_repr().into_owned();
                    format!("{key} = {}", shown_value(k, v))
                })
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}
