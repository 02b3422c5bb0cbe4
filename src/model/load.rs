//! Turns input texts into the model's documents, recognising each by its content.
//!
//! A text is TOML when it parses as TOML, YAML when it parses as YAML; when neither parses, the
//! shape of its lines decides which parser's errors to report. YAML documents are then sorted
//! by what they hold: Kubernetes objects (and `kind: List` items), Helm chart values, or a
//! `.gitlab-ci.yml` pipeline. A runner `config.toml` inside a ConfigMap or Helm values becomes
//! an embedded source mapped back to its host. Problems are collected as [`LoadProblem`]s and
//! everything readable is still loaded.

use std::path::PathBuf;

use serde::de::DeserializeOwned;

use crate::model::cluster::{Cluster, ClusterObject, ObjectKind, OperatorRunner, SecretRef};
use crate::source::discover::RawInput;
use crate::source::tree::{Entry, StrStyle, Value};
use crate::source::{
    EmbedMap, Node, Origin, SourceId, Sources, Span, TextRange, template, toml, yaml,
};

/// What went wrong while loading, to be reported by the input rules.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadProblem {
    pub kind: ProblemKind,
    pub path: PathBuf,
    pub span: Option<Span>,
    pub message: String,
    /// What to do about it, in the imperative.
    pub help: Option<String>,
    /// A related place (the first definition of a duplicate key), with its label.
    pub related: Option<(Span, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file could not be read at all.
    Unreadable,
    /// TOML syntax error (in a file or embedded in YAML).
    TomlSyntax,
    /// YAML syntax error.
    YamlSyntax,
    /// A Kubernetes object whose fields do not have the API's types.
    InvalidObject,
    /// A YAML or TOML document that is none of the inputs runner-doctor reads.
    Unrecognised,
    /// A template (Helm, ERB, envsubst) rather than a configuration.
    Template,
    /// A read `gather` was refused (recorded in its snapshot's `GatherReport`): the objects it
    /// would have returned are missing from the prediction.
    ReadRefused,
}

/// Where a runner configuration was found.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigOrigin {
    /// A `config.toml` file.
    File,
    /// The data key of a ConfigMap.
    ConfigMap { name: String, key: String },
    /// `runners.config` in Helm chart values.
    HelmValues,
}

/// A runner `config.toml`, as a spanned tree in its own (possibly embedded) source.
#[derive(Clone, Debug)]
pub struct ConfigDoc {
    pub source: SourceId,
    pub root: Node,
    pub origin: ConfigOrigin,
    /// Template placeholders (`{{ }}`, `${ }`, `%{ }`) in the source, masked before parsing:
    /// keys and values there are only known once the template is rendered.
    pub placeholders: Vec<TextRange>,
}

impl ConfigDoc {
    /// Whether a range of the source touches a template placeholder.
    pub fn is_placeholder(&self, range: TextRange) -> bool {
        self.placeholders
            .iter()
            .any(|p| p.start < range.end.max(range.start + 1) && range.start < p.end)
    }
}

/// A `.gitlab-ci.yml` document.
#[derive(Clone, Debug)]
pub struct PipelineDoc {
    pub source: SourceId,
    pub root: Node,
}

/// Helm chart values for the gitlab-runner chart.
#[derive(Clone, Debug)]
pub struct HelmValuesDoc {
    pub source: SourceId,
    pub root: Node,
}

/// Everything read from the inputs.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub sources: Sources,
    pub problems: Vec<LoadProblem>,
    pub configs: Vec<ConfigDoc>,
    pub cluster: Cluster,
    pub pipelines: Vec<PipelineDoc>,
    pub helm_values: Vec<HelmValuesDoc>,
    /// What `probe` observed on the platform, compared with the prediction.
    pub probes: Vec<crate::model::probe::ProbeReport>,
}

impl Inputs {
    /// Whether anything usable was read (exit code 2 otherwise).
    pub fn has_usable_input(&self) -> bool {
        !self.configs.is_empty()
            || !self.cluster.objects.is_empty()
            || !self.pipelines.is_empty()
            || !self.helm_values.is_empty()
    }

    /// Loads every raw input.
    pub fn load(raw: Vec<RawInput>) -> Inputs {
        let mut inputs = Inputs::default();
        for input in raw {
            match input.text {
                Ok(text) => inputs.add_text(input.path, text),
                Err(err) => inputs.problems.push(LoadProblem {
                    kind: ProblemKind::Unreadable,
                    path: input.path,
                    span: None,
                    message: err.to_string(),
                    help: None,
                    related: None,
                }),
            }
        }
        inputs
    }

    /// Loads one text (a file's content) under the given path.
    pub fn add_text(&mut self, path: PathBuf, text: String) {
        if text.trim().is_empty() {
            return;
        }
        let first_new = self.sources.len();
        self.add_text_inner(path, text);
        for id in first_new..self.sources.len() {
            self.redact_url_passwords(SourceId(id as u32));
        }
    }

    fn add_text_inner(&mut self, path: PathBuf, text: String) {
        // Text that reads as YAML is parsed as YAML first: the TOML parser, given a large YAML
        // file, collects an error per line and takes tens of times the file's size in memory.
        let toml_like = looks_like_toml(&text);
        let early_yaml = match (!toml_like).then(|| yaml::parse(&text)) {
            Some(stream) if yaml_holds_collections(&stream) => {
                self.add_yaml_file(path, text, stream);
                return;
            }
            other => other,
        };
        // Placeholders are masked first, so that a template still parses as the TOML it is.
        let masked = template::mask(&text);
        let toml_doc = template::parse_toml(&text, masked.as_ref());
        if toml_doc.errors.is_empty() && !toml_doc.root.entries().is_empty() {
            let id = self.sources.add(path, text, Origin::File);
            let placeholders = self.template_problem(id, masked.as_ref(), "file", false);
            self.add_toml_config(id, toml_doc.root, ConfigOrigin::File, placeholders);
            return;
        }
        // The failed TOML tree goes before the YAML one is built: holding both made a large
        // input peak at the sum of the two. The rare TOML fallback below parses again.
        drop(toml_doc);
        let yaml_stream = early_yaml.unwrap_or_else(|| yaml::parse(&text));
        if yaml_holds_collections(&yaml_stream) || !toml_like {
            self.add_yaml_file(path, text, yaml_stream);
            return;
        }
        drop(yaml_stream);
        let toml_doc = template::parse_toml(&text, masked.as_ref());
        let id = self.sources.add(path, text, Origin::File);
        let placeholders = self.template_problem(id, masked.as_ref(), "file", false);
        self.toml_errors(id, toml_doc.errors);
        self.add_toml_config(id, toml_doc.root, ConfigOrigin::File, placeholders);
    }

    /// A file read as YAML: its documents, or why nothing in it is read.
    fn add_yaml_file(&mut self, path: PathBuf, text: String, stream: yaml::YamlStream) {
        let id = self.sources.add(path, text, Origin::File);
        if stream.errors.is_empty() && !yaml_holds_collections(&stream) {
            self.problem(
                ProblemKind::Unrecognised,
                id,
                TextRange::empty_at(0),
                "neither a TOML table nor a YAML mapping; nothing here is read".into(),
            );
        }
        self.add_yaml_stream(id, stream);
    }

    /// Reports TOML syntax errors, one per line: the parser's later errors on a line follow
    /// from its first. A `key: value` line (YAML habit) is named as such.
    fn toml_errors(&mut self, source: SourceId, errors: Vec<toml::TomlError>) {
        let mut last_line = None;
        for err in errors {
            let text = &self.sources.get(source).text;
            let at = (err.range.start as usize).min(text.len());
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            if last_line == Some(line_start) {
                continue;
            }
            last_line = Some(line_start);
            let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
            let line = text[line_start..line_end].to_string();
            if let Some((key, colon)) = yaml_style_key(&line) {
                let range = TextRange::new(line_start + colon, line_start + colon + 1);
                self.problem(ProblemKind::TomlSyntax, source, range, format!(
                    "`{key}:` separates key and value with a colon, as YAML does; TOML needs `=`, so the file does not parse and GitLab Runner refuses it"));
                if let Some(problem) = self.problems.last_mut() {
                    problem.help = Some(format!("write `{key} =` instead of `{key}:`"));
                }
            } else if err
                .message
                .starts_with("cannot extend value of type inline table")
            {
                let text = &self.sources.get(source).text;
                let name = text
                    .get(err.range.as_range())
                    .unwrap_or("")
                    .trim_matches(['"', '\''])
                    .to_string();
                self.problem(ProblemKind::TomlSyntax, source, err.range, format!(
                    "`{name}` is an inline table (`{name} = {{ … }}`), which TOML closes at its `}}`; nothing can be added to it later, so the file does not parse and GitLab Runner refuses it"));
                if let Some(problem) = self.problems.last_mut() {
                    problem.help = Some(format!(
                        "turn `{name} = {{ … }}` into a `[…{name}]` table header with its keys below it"
                    ));
                }
            } else if err.message.starts_with("duplicate key") {
                self.duplicate_key(source, err.range, err.message);
            } else {
                self.problem(ProblemKind::TomlSyntax, source, err.range, err.message);
            }
        }
    }

    /// A duplicate key or table, named, with its first definition as a related place.
    fn duplicate_key(&mut self, source: SourceId, range: TextRange, message: String) {
        let text = &self.sources.get(source).text;
        let Some(found) = duplicate_of(text, range) else {
            self.problem(ProblemKind::TomlSyntax, source, range, message);
            return;
        };
        let (message, help, label) = match &found {
            Duplicate::Table { name, .. } => (
                format!(
                    "table `[{name}]` is defined twice; TOML allows a table header once, so the file does not parse and GitLab Runner refuses it"
                ),
                format!("merge the two `[{name}]` tables into one"),
                "first defined here",
            ),
            Duplicate::Key { key, table, .. } => (
                format!(
                    "duplicate key `{key}` in {}; TOML allows a key once per table, so the file does not parse and GitLab Runner refuses it",
                    if table.is_empty() {
                        "the top level".to_string()
                    } else {
                        format!("`[{table}]`")
                    }
                ),
                format!("remove one of the two `{key}` lines"),
                "first set here",
            ),
        };
        let (primary, first) = match found {
            Duplicate::Table { here, first, .. } | Duplicate::Key { here, first, .. } => {
                (here, first)
            }
        };
        self.problem(ProblemKind::TomlSyntax, source, primary, message);
        if let Some(problem) = self.problems.last_mut() {
            problem.help = Some(help);
            problem.related = first.map(|f| (Span::new(source, f), label.to_string()));
        }
    }

    /// Reports a template once, at its first placeholder, and returns the placeholders.
    fn template_problem(
        &mut self,
        source: SourceId,
        masked: Option<&template::Masked>,
        what: &str,
        in_chart: bool,
    ) -> Vec<TextRange> {
        let Some(masked) = masked else {
            return Vec::new();
        };
        let kinds: Vec<String> = masked.kinds.iter().map(|k| format!("`{k}`")).collect();
        let count = masked.ranges.len();
        let placeholders = format!(
            "{count} {} placeholder{}",
            kinds.join(" and "),
            if count == 1 { "" } else { "s" }
        );
        let (them, they) = if count == 1 {
            ("it", "value it stands for is")
        } else {
            ("them", "values they stand for are")
        };
        // The chart renders `runners.config` with `tpl`: Go templates there are expected.
        let chart_only = in_chart && masked.kinds == ["{{ }}"];
        let message = if chart_only {
            format!(
                "this runner config has {placeholders}, which the chart fills in with `tpl` when it renders; the keys around {them} are checked, the {they} not"
            )
        } else {
            format!(
                "this {what} is a template, not a configuration: it has {placeholders}; the keys around {them} are checked, the {they} not"
            )
        };
        self.problem(ProblemKind::Template, source, masked.ranges[0], message);
        masked.ranges.clone()
    }

    fn problem(&mut self, kind: ProblemKind, source: SourceId, range: TextRange, message: String) {
        self.redact_secret_lines(source);
        self.problems.push(LoadProblem {
            kind,
            path: self.sources.get(source).path.clone(),
            span: Some(Span::new(source, range)),
            message,
            help: None,
            related: None,
        });
    }

    fn add_toml_config(
        &mut self,
        source: SourceId,
        mut root: Node,
        origin: ConfigOrigin,
        placeholders: Vec<TextRange>,
    ) {
        self.redact_secret_keys(source, &mut root);
        if !is_runner_config(&root) {
            if origin == ConfigOrigin::File {
                self.problem(ProblemKind::Unrecognised, source, TextRange::empty_at(0),
                    "a TOML file without `[[runners]]`, `concurrent` or `check_interval`: not a runner configuration".into());
            }
            return;
        }
        self.configs.push(ConfigDoc {
            source,
            root,
            origin,
            placeholders,
        });
    }

    fn add_yaml_stream(&mut self, source: SourceId, stream: yaml::YamlStream) {
        for err in stream.errors {
            self.problem(ProblemKind::YamlSyntax, source, err.range, err.message);
        }
        for doc in stream.documents {
            self.add_yaml_document(source, doc.root);
        }
    }

    fn add_yaml_document(&mut self, source: SourceId, root: Node) {
        if !root.is_map() {
            if !matches!(root.value, Value::Null) {
                self.problem(ProblemKind::Unrecognised, source, root.range,
                    format!("a YAML {} at the top of a document; expected a Kubernetes object, Helm values or a pipeline", root.kind_name()));
            }
            return;
        }
        let api_version = root.get("apiVersion").and_then(Node::as_str);
        let kind = root.get("kind").and_then(Node::as_str);
        if let (Some(_), Some(kind)) = (api_version, kind) {
            if kind == "List" || kind.ends_with("List") {
                // The items are taken, not cloned: a dump's tree is most of its memory.
                let mut root = root;
                let items = match &mut root.value {
                    Value::Map(entries) => entries
                        .iter_mut()
                        .find(|e| e.key == "items")
                        .map(|e| std::mem::replace(&mut e.value.value, Value::Null)),
                    _ => None,
                };
                if let Some(Value::Seq(items)) = items {
                    for item in items {
                        self.add_yaml_document(source, item);
                    }
                }
            } else {
                self.add_object(source, root);
            }
            return;
        }
        if is_helm_values(&root) {
            self.add_helm_values(source, root);
        } else if is_pipeline(&root) {
            let mut root = root;
            self.redact_pipeline(source, &mut root);
            self.pipelines.push(PipelineDoc { source, root });
        } else {
            let keys: Vec<&str> = root
                .entries()
                .iter()
                .take(4)
                .map(|e| e.key.as_str())
                .collect();
            self.problem(ProblemKind::Unrecognised, source, root.range, format!(
                "a YAML mapping that is not a Kubernetes object (no `apiVersion`/`kind`), Helm values or a pipeline (keys: {}); it is not read",
                keys.join(", ")));
        }
    }

    fn add_helm_values(&mut self, source: SourceId, mut root: Node) {
        self.redact_secret_keys(source, &mut root);
        // Environment variables that hold credentials (`CI_SERVER_TOKEN`,
        // `CACHE_S3_SECRET_KEY`…): their values sit under a neutral key (`value`).
        for item in root.get("envVars").map(Node::items).unwrap_or(&[]) {
            if item
                .get("name")
                .and_then(Node::as_str)
                .is_some_and(is_secret_env)
                && let Some(value) = item.get("value")
            {
                self.sources.redact(Span::new(source, value.range));
            }
        }
        for entry in root.get("extraEnv").map(Node::entries).unwrap_or(&[]) {
            if is_secret_env(&entry.key) {
                self.sources.redact(Span::new(source, entry.value.range));
            }
        }
        if let Some(config) = root.at(&["runners".into(), "config".into()]) {
            self.add_embedded_config(
                source,
                config,
                "runners.config".into(),
                ConfigOrigin::HelmValues,
            );
        }
        self.helm_values.push(HelmValuesDoc { source, root });
    }

    fn add_embedded_config(
        &mut self,
        host: SourceId,
        scalar: &Node,
        host_key: String,
        origin: ConfigOrigin,
    ) {
        let Value::Str(text, style) = &scalar.value else {
            return;
        };
        let host_text = &self.sources.get(host).text;
        let map = match style {
            StrStyle::Literal => EmbedMap::for_block_scalar(host_text, scalar.range, text),
            _ => EmbedMap::Whole(scalar.range),
        };
        let path = self.sources.get(host).path.clone();
        let id = self.sources.add(
            path,
            text.clone(),
            Origin::Embedded {
                host,
                host_key,
                map,
            },
        );
        let masked = template::mask(text);
        let placeholders = self.template_problem(
            id,
            masked.as_ref(),
            "runner config",
            origin == ConfigOrigin::HelmValues,
        );
        let doc = template::parse_toml(text, masked.as_ref());
        self.toml_errors(id, doc.errors);
        self.add_toml_config(id, doc.root, origin, placeholders);
    }

    fn add_object(&mut self, source: SourceId, mut node: Node) {
        // Objects keep their keys' values (a Runner's `token` names a Secret), but not the
        // credentials in their env and URLs.
        self.redact_tree(source, &mut node);
        let kind = node
            .get("kind")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let api_version = node
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        let group = api_version.split('/').rev().nth(1).unwrap_or("");
        let typed = match (group, kind.as_str()) {
            ("", "Namespace") => self.typed(source, &node, ObjectKind::Namespace),
            ("", "ServiceAccount") => self.typed(source, &node, ObjectKind::ServiceAccount),
            ("security.openshift.io", "SecurityContextConstraints") => {
                self.typed(source, &node, |s| ObjectKind::Scc(Box::new(s)))
            }
            ("rbac.authorization.k8s.io", "Role") => self.typed(source, &node, ObjectKind::Role),
            ("rbac.authorization.k8s.io", "ClusterRole") => {
                self.typed(source, &node, ObjectKind::ClusterRole)
            }
            ("rbac.authorization.k8s.io", "RoleBinding") => {
                self.typed(source, &node, ObjectKind::RoleBinding)
            }
            ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
                self.typed(source, &node, ObjectKind::ClusterRoleBinding)
            }
            ("", "PersistentVolumeClaim") => self.typed(source, &node, ObjectKind::Pvc),
            ("", "PersistentVolume") => self.typed(source, &node, ObjectKind::Pv),
            ("storage.k8s.io", "StorageClass") => {
                self.typed(source, &node, ObjectKind::StorageClass)
            }
            ("storage.k8s.io", "CSIDriver") => self.typed(source, &node, ObjectKind::CsiDriver),
            ("", "Pod") => self.typed(source, &node, |p| ObjectKind::Pod(Box::new(p))),
            ("", "ResourceQuota") => self.typed(source, &node, ObjectKind::ResourceQuota),
            ("", "LimitRange") => self.typed(source, &node, ObjectKind::LimitRange),
            ("apps.gitlab.com", "Runner") => self.typed(source, &node, |r: OperatorRunner| {
                ObjectKind::Runner(Box::new(r))
            }),
            ("", "ConfigMap") => {
                // An env ConfigMap (the Operator's `spec.env`) may carry credentials by name.
                for entry in node.get("data").map(Node::entries).unwrap_or(&[]) {
                    if is_secret_env(&entry.key) {
                        self.sources.redact(Span::new(source, entry.value.range));
                    }
                }
                let name = node
                    .at(&["metadata".into(), "name".into()])
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string();
                for entry in node.get("data").map(Node::entries).unwrap_or(&[]) {
                    if entry.value.as_str().is_some_and(looks_like_runner_toml) {
                        let origin = ConfigOrigin::ConfigMap {
                            name: name.clone(),
                            key: entry.key.clone(),
                        };
                        self.add_embedded_config(
                            source,
                            &entry.value,
                            format!("data.{}", entry.key),
                            origin,
                        );
                    }
                }
                self.typed(source, &node, ObjectKind::ConfigMap)
            }
            (GATHER_GROUP, GATHER_REPORT_KIND) => {
                self.gather_report(source, &node);
                None
            }
            ("", "Secret") => {
                for key in ["data", "stringData"] {
                    for entry in node.get(key).map(Node::entries).unwrap_or(&[]) {
                        self.sources.redact(Span::new(source, entry.value.range));
                    }
                }
                let secret = secret_ref(&node);
                redact_secret(&mut node);
                Some(ObjectKind::Secret(Box::new(secret)))
            }
            _ => Some(ObjectKind::Other { api_version, kind }),
        };
        if let Some(kind) = typed {
            self.cluster
                .objects
                .push(ClusterObject { source, node, kind });
        }
    }

    /// Masks, as text, what a line may hold of a secret: the value of a secret key anywhere on
    /// it (`token = …`, `password: …`, `{token: …}`, `"SecretKey":…`, `AWS_SECRET_ACCESS_KEY=…`
    /// inside a string), from that value to the end of the line; a GitLab token by its prefix;
    /// and the password of a URL.
    ///
    /// The tree-based masking only knows the values the parser kept. A file with a load problem
    /// may hold others: a duplicate key (`toml` keeps the first), the lines after a YAML syntax
    /// error, text that is neither TOML nor YAML. Its snippets show those lines, so this runs at
    /// a file's first problem; for a clean file the tree's masking is exact and this never runs.
    /// One forward pass per line: a hostile line of separators stays linear.
    fn redact_secret_lines(&mut self, source: SourceId) {
        let file = self.sources.get(source);
        if file.secret_lines_masked {
            return;
        }
        let mut secrets = Vec::new();
        let mut start = 0;
        for line in file.text.split_inclusive('\n') {
            let body = line.trim_end_matches(['\n', '\r']);
            let shift =
                |r: TextRange| TextRange::new(start + r.start as usize, start + r.end as usize);
            if let Some(value) = secret_value_start(body) {
                secrets.push(TextRange::new(start + value, start + body.len()));
            }
            for (at, _) in body.match_indices("://") {
                secrets.extend(url_password_at(body, at).map(shift));
            }
            let mut word_start = 0;
            for (i, c) in body.char_indices().chain([(body.len(), ' ')]) {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                    continue;
                }
                if looks_like_token(&body[word_start..i]) {
                    secrets.push(TextRange::new(start + word_start, start + i));
                }
                word_start = i + c.len_utf8();
            }
            start += line.len();
        }
        self.sources.set_secret_lines_masked(source);
        for range in secrets {
            self.sources.redact(Span::new(source, range));
        }
    }

    /// Masks credentials wherever they sit in a runner config, Helm values or pipeline tree:
    /// the values of keys that hold credentials (`token`, `SecretKey`, a `CI_TOKEN` variable),
    /// and whatever else [`Self::redact_tree`] finds.
    fn redact_secret_keys(&mut self, source: SourceId, node: &mut Node) {
        self.redact_keys(source, node, false);
    }

    /// Like [`Self::redact_secret_keys`], and the tree's values are replaced as well: a
    /// pipeline's variables become the job pod's `env`, which `render` prints from the model.
    /// (A runner config keeps its `token` in the tree: the job pod's name is made from it.)
    fn redact_pipeline(&mut self, source: SourceId, node: &mut Node) {
        self.redact_keys(source, node, true);
    }

    fn redact_keys(&mut self, source: SourceId, node: &mut Node, in_tree: bool) {
        if let Value::Map(entries) = &mut node.value {
            for entry in entries.iter_mut() {
                let scalar = |n: &Node| matches!(n.value, Value::Str(..) | Value::Int(_));
                let secret = is_secret_key(&entry.key);
                if secret && (scalar(&entry.value) || entry.value.items().iter().any(scalar)) {
                    self.sources.redact(Span::new(source, entry.value.range));
                    if in_tree && matches!(entry.value.value, Value::Str(..)) {
                        entry.value.value = Value::Str("<redacted>".into(), StrStyle::Plain);
                    }
                } else if secret && let Some(value) = entry.value.get("value").filter(|v| scalar(v))
                {
                    // A pipeline variable written as `{value: …, description: …}`.
                    self.sources.redact(Span::new(source, value.range));
                    if in_tree && let Value::Map(fields) = &mut entry.value.value {
                        for field in fields.iter_mut().filter(|f| f.key == "value") {
                            field.value.value = Value::Str("<redacted>".into(), StrStyle::Plain);
                        }
                    }
                } else {
                    self.redact_keys(source, &mut entry.value, in_tree);
                }
            }
        }
        if let Value::Seq(items) = &mut node.value {
            for item in items {
                self.redact_keys(source, item, in_tree);
            }
        }
        self.redact_tree(source, node);
    }

    /// Masks the credentials any document can hold, in the source text (for snippets and
    /// messages) and in the tree itself (for outputs built from the model, such as a rendered
    /// pod's `env`): `NAME=VALUE` strings and `{name, value}` pairs whose name is a credential's
    /// (`CI_TOKEN=…`, a container's `API_PASSWORD`), and the password of a URL's user info.
    /// The tree keeps the name and a `<redacted>` value, so rules still see that it is set.
    fn redact_tree(&mut self, source: SourceId, node: &mut Node) {
        match &mut node.value {
            Value::Str(text, _) => {
                if let Some((name, value)) = text.split_once('=')
                    && (is_secret_name(name) || looks_like_token(value))
                    && !name.contains(char::is_whitespace)
                {
                    let value_range = self.sub_range(source, node.range, text, name.len() + 1);
                    self.sources.redact(Span::new(source, value_range));
                    *text = format!("{name}=<redacted>");
                } else if looks_like_token(text) {
                    self.sources.redact(Span::new(source, node.range));
                    *text = "<redacted>".into();
                }
                mask_url_password(text);
            }
            Value::Map(entries) => {
                let secret_pair = entries
                    .iter()
                    .any(|e| e.key == "name" && e.value.as_str().is_some_and(is_secret_name));
                for entry in entries.iter_mut() {
                    if is_secret_key(&entry.key) {
                        // [`Self::redact_keys`] masked it already, and a runner's `token` stays
                        // in the tree (the job pod's name is made from it).
                        continue;
                    }
                    if secret_pair && entry.key == "value" && entry.value.as_str().is_some() {
                        self.sources.redact(Span::new(source, entry.value.range));
                        entry.value.value = Value::Str("<redacted>".into(), StrStyle::Plain);
                    } else {
                        self.redact_tree(source, &mut entry.value);
                    }
                }
            }
            Value::Seq(items) => {
                for item in items {
                    self.redact_tree(source, item);
                }
            }
            _ => {}
        }
    }

    /// The range of `value[from..]` in the source, when the scalar is written without escapes
    /// (so the text appears as is); otherwise the whole scalar, which is safe to over-mask.
    fn sub_range(&self, source: SourceId, range: TextRange, value: &str, from: usize) -> TextRange {
        let raw = self
            .sources
            .get(source)
            .text
            .get(range.as_range())
            .unwrap_or("");
        match raw.find(value) {
            Some(at) if raw.matches(value).count() == 1 && value.is_char_boundary(from) => {
                let start = range.start as usize + at;
                TextRange::new(start + from, start + value.len())
            }
            _ => range,
        }
    }

    /// Masks the password of every `scheme://user:password@host` in a file.
    fn redact_url_passwords(&mut self, source: SourceId) {
        let text = &self.sources.get(source).text;
        let ranges: Vec<TextRange> = text
            .match_indices("://")
            .filter_map(|(at, _)| url_password_at(text, at))
            .collect();
        for range in ranges {
            self.sources.redact(Span::new(source, range));
        }
    }

    fn typed<T: DeserializeOwned>(
        &mut self,
        source: SourceId,
        node: &Node,
        wrap: impl FnOnce(T) -> ObjectKind,
    ) -> Option<ObjectKind> {
        match serde_json::from_value::<T>(node.to_json()) {
            Ok(value) => Some(wrap(value)),
            Err(err) => {
                let kind = node.get("kind").and_then(Node::as_str).unwrap_or("object");
                let name = node
                    .at(&["metadata".into(), "name".into()])
                    .and_then(Node::as_str)
                    .unwrap_or("?");
                self.problem(ProblemKind::InvalidObject, source, node.range,
                    format!("{kind} `{name}` does not match the Kubernetes API types ({err}); it is not used"));
                None
            }
        }
    }
}

/// The API group and kind of the document `gather` writes into its snapshot about itself: the
/// context and namespace it read, and each read the API server refused.
pub const GATHER_GROUP: &str = "runner-doctor";
pub const GATHER_REPORT_KIND: &str = "GatherReport";

impl Inputs {
    /// Each refused read of a `GatherReport` becomes a problem at its entry, so that a snapshot
    /// checked offline reports it exactly as `check --live` does.
    fn gather_report(&mut self, source: SourceId, node: &Node) {
        for item in node.get("refused").map(Node::items).unwrap_or(&[]) {
            let field = |key: &str| item.get(key).and_then(Node::as_str).unwrap_or("");
            let (verb, resource, namespace) =
                (field("verb"), field("resource"), field("namespace"));
            let scope = if namespace.is_empty() {
                "cluster-wide".to_string()
            } else {
                format!("in namespace `{namespace}`")
            };
            let status = field("status");
            let message = format!(
                "the API server refused to `{verb}` `{resource}` {scope}{}: the prediction is made without these objects",
                if status.is_empty() {
                    String::new()
                } else {
                    format!(" ({status})")
                }
            );
            self.problem(ProblemKind::ReadRefused, source, item.range, message);
            if let Some(problem) = self.problems.last_mut() {
                problem.help = Some(format!(
                    "grant the account that gathers `{verb}` on `{resource}`: the read-only ClusterRoles in `deploy/in-cluster/clusterrole.yaml` grant every read runner-doctor makes"
                ));
            }
        }
    }
}

fn secret_ref(node: &Node) -> SecretRef {
    let meta = |key: &'static str| {
        node.at(&["metadata".into(), key.into()])
            .and_then(Node::as_str)
            .map(str::to_string)
    };
    let mut keys: Vec<String> = ["data", "stringData"]
        .iter()
        .flat_map(|k| node.get(k).map(Node::entries).unwrap_or(&[]))
        .map(|e| e.key.clone())
        .collect();
    keys.sort();
    keys.dedup();
    SecretRef {
        name: meta("name").unwrap_or_default(),
        namespace: meta("namespace"),
        type_: node.get("type").and_then(Node::as_str).map(str::to_string),
        keys,
    }
}

/// Secret values never reach the model (nor, through it, any output).
fn redact_secret(node: &mut Node) {
    if let Value::Map(entries) = &mut node.value {
        for Entry { key, value, .. } in entries.iter_mut() {
            if (key == "data" || key == "stringData")
                && let Value::Map(items) = &mut value.value
            {
                for item in items {
                    item.value.value = Value::Str("<redacted>".into(), StrStyle::Plain);
                }
            }
        }
    }
}

/// Environment variable names that hold credentials: the runner's own (`CI_SERVER_TOKEN`,
/// the cache keys) and any whose name says so.
pub fn is_secret_env(name: &str) -> bool {
    crate::model::registration::key_for_env(name).is_some_and(|k| k.is_secret())
        || is_secret_name(name)
}

/// Keys whose values are credentials (runner tokens, cache and registry keys, passwords),
/// including a near miss of one (`tokn`): GitLab Runner ignores a misspelt key, but its value
/// is still the secret the user meant to set.
pub fn is_secret_key(key: &str) -> bool {
    if is_secret_name(key) {
        return true;
    }
    let key = normalise_name(key);
    key.len() >= 4
        && EXACT_SECRET_NAMES
            .iter()
            // The distance is at least the length difference: checking that first keeps a
            // hostile megabyte-long key from costing a megabyte-by-name matrix per name.
            .any(|name| {
                name.len() >= 5
                    && key.len().abs_diff(name.len()) <= 1
                    && within_one_edit(&key, name)
            })
}

/// Where the value of the first secret key on a line starts: after a `:` or `=` whose key, the
/// word before it (quotes and blanks between them skipped), names a credential. `None` when no
/// secret key on the line has a value after it.
fn secret_value_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut key: Option<(usize, usize)> = None;
    let mut run: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
            run.get_or_insert(i);
            continue;
        }
        if let Some(from) = run.take() {
            key = Some((from, i));
        }
        match b {
            b':' | b'=' => {
                if let Some((from, to)) = key.take()
                    && is_secret_key(&line[from..to])
                {
                    let rest = &line[i + 1..];
                    let value = i + 1 + (rest.len() - rest.trim_start().len());
                    if value < line.len() {
                        return Some(value);
                    }
                }
            }
            // A key may be quoted, or followed by blanks before its separator.
            b' ' | b'\t' | b'"' | b'\'' => {}
            _ => key = None,
        }
    }
    None
}

/// Whether `a` and `b` are at most one edit apart (one insertion, deletion, substitution or
/// swap of neighbours: Damerau-Levenshtein distance ≤ 1), without the distance matrix and
/// hash map `strsim::damerau_levenshtein` allocates per call. Every key of every input goes
/// through here, and it was a quarter of `check`'s start-up.
fn within_one_edit(a: &str, b: &str) -> bool {
    if !a.is_ascii() || !b.is_ascii() {
        return strsim::damerau_levenshtein(a, b) <= 1;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
        .min(a.len().min(b.len()));
    let (a, b) = (&a[..a.len() - suffix], &b[..b.len() - suffix]);
    match (a, b) {
        ([], []) | ([_], []) | ([], [_]) | ([_], [_]) => true,
        ([x1, x2], [y1, y2]) => x1 == y2 && x2 == y1,
        _ => false,
    }
}

/// Names of credentials, normalised (lower case, without `_`, `-` and `.`).
const EXACT_SECRET_NAMES: &[&str] = &[
    "token",
    "runnertoken",
    "runnerregistrationtoken",
    "registrationtoken",
    "accesskey",
    "secretkey",
    "accountkey",
    "sessiontoken",
    "password",
    "privatekey",
    "clientsecret",
    "auth",
    "dockerconfigjson",
    "dockercfg",
    "dockerauthconfig",
];

/// Endings that make a name a credential's: `CI_TOKEN`, `REGISTRY_PASSWORD`, `aws_secret_access_key`.
const SECRET_SUFFIXES: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "secretkey",
    "accesskey",
    "privatekey",
    "apikey",
    "accountkey",
    "credentials",
    "authconfig",
];

fn normalise_name(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '-', '.'], "")
}

/// Whether a key or variable name names a credential.
fn is_secret_name(name: &str) -> bool {
    let name = normalise_name(name);
    EXACT_SECRET_NAMES.contains(&name.as_str())
        // A bare `secret` names a Secret (`runners.secret`, `volumes.secret`), not a credential.
        || SECRET_SUFFIXES
            .iter()
            .any(|suffix| name.len() > suffix.len() && name.ends_with(suffix))
}

/// Whether a value is a GitLab token by its prefix, whatever the name it is stored under
/// (`DEPLOY=gldt-…` in `environment`, a pipeline variable named `LOGIN`). The prefixes are
/// GitLab's (docs.gitlab.com, security/tokens, "Token prefixes"; `GR1348941` is the runner
/// registration token's), which GitLab adds so that leaked tokens can be recognised.
fn looks_like_token(value: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "glpat-",
        "gldt-",
        "glrt-",
        "glrtr-",
        "glcbt-",
        "glptt-",
        "glft-",
        "glimt-",
        "glagent-",
        "gloas-",
        "glsoat-",
        "glffct-",
        "GR1348941",
    ];
    let value = value.trim();
    PREFIXES.iter().any(|prefix| {
        value.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() >= 8
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
    })
}

/// Replaces the password of every `scheme://user:password@host` in a string with `****`.
fn mask_url_password(text: &mut String) {
    let mut ranges = Vec::new();
    for (at, _) in text.match_indices("://") {
        if let Some(range) = url_password_at(text, at) {
            ranges.push(range);
        }
    }
    for range in ranges.into_iter().rev() {
        text.replace_range(range.as_range(), "****");
    }
}

/// The password's range in `scheme://user:password@host`, where `at` is the offset of `://`.
fn url_password_at(text: &str, at: usize) -> Option<TextRange> {
    let rest = &text[at + 3..];
    let authority_end = rest
        .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
        .unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.find(':'), authority.rfind('@')) {
        (Some(colon), Some(arobase)) if colon < arobase => {
            Some(TextRange::new(at + 3 + colon + 1, at + 3 + arobase))
        }
        _ => None,
    }
}

fn is_runner_config(root: &Node) -> bool {
    const KEYS: &[&str] = &[
        "runners",
        "concurrent",
        "check_interval",
        "session_server",
        "listen_address",
    ];
    // A misspelt `[runner]` or `[[runnners]]` is still a runner config, with an unknown key.
    root.entries().iter().any(|e| {
        KEYS.contains(&e.key.as_str()) || crate::model::schema::suggest(&e.key, KEYS).is_some()
    })
}

fn looks_like_runner_toml(text: &str) -> bool {
    text.contains("[[runners]]")
        || text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("concurrent")
                || l.starts_with("check_interval")
                || l.starts_with("[runners")
        })
}

fn is_helm_values(root: &Node) -> bool {
    root.at(&["runners".into(), "config".into()]).is_some()
        || [
            "gitlabUrl",
            "runnerToken",
            "runnerRegistrationToken",
            "rbac",
            "runners",
        ]
        .iter()
        .filter(|k| root.get(k).is_some())
        .count()
            >= 2
}

fn is_pipeline(root: &Node) -> bool {
    root.entries().iter().any(|e| {
        matches!(
            e.key.as_str(),
            "stages" | "include" | "workflow" | "default"
        ) || e.value.get("script").is_some()
            || e.value.get("trigger").is_some()
            || e.value.get("extends").is_some()
    })
}

enum Duplicate {
    Table {
        name: String,
        here: TextRange,
        first: Option<TextRange>,
    },
    Key {
        key: String,
        table: String,
        here: TextRange,
        first: Option<TextRange>,
    },
}

/// The lines of a text with their start offsets.
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |at, line| {
        let start = *at;
        *at += line.len();
        Some((start, line.trim_end_matches(['\n', '\r'])))
    })
}

/// What the parser's "duplicate key" at `range` duplicates, and where that was first written.
fn duplicate_of(text: &str, range: TextRange) -> Option<Duplicate> {
    let at = range.start as usize;
    let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |n| n + 1);
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |n| line_start + n);
    let line = &text[line_start..line_end];
    if let Some(name) = toml::header_name(line) {
        // The first definition since the array entry (`[[runners]]`) that holds this table.
        let mut first = None;
        for (start, l) in lines_with_offsets(&text[..line_start]) {
            let Some(other) = toml::header_name(l) else {
                continue;
            };
            if l.trim_start().starts_with("[[")
                && format!("{name}.").starts_with(&format!("{other}."))
            {
                first = None;
            } else if other == name && first.is_none() {
                let indent = l.len() - l.trim_start().len();
                first = Some(TextRange::new(start + indent, start + l.trim_end().len()));
            }
        }
        let indent = line.len() - line.trim_start().len();
        let here = TextRange::new(line_start + indent, line_start + line.trim_end().len());
        return Some(Duplicate::Table { name, here, first });
    }
    let key = line
        .split('=')
        .next()?
        .trim()
        .trim_matches(['"', '\''])
        .to_string();
    if key.is_empty() {
        return None;
    }
    // The first definition: the same key earlier in the same table section.
    let mut first = None;
    let mut table = String::new();
    for (start, l) in lines_with_offsets(&text[..line_start]) {
        if let Some(name) = toml::header_name(l) {
            table = if l.trim_start().starts_with("[[") {
                format!("[{name}]")
            } else {
                name
            };
            first = None;
        } else if l
            .split('=')
            .next()
            .map(|k| k.trim().trim_matches(['"', '\'']))
            == Some(key.as_str())
            && l.contains('=')
        {
            let indent = l.len() - l.trim_start().len();
            first = Some(TextRange::new(start + indent, start + l.trim_end().len()));
        }
    }
    let indent = line.len() - line.trim_start().len();
    let here = TextRange::new(line_start + indent, line_start + line.trim_end().len());
    Some(Duplicate::Key {
        key,
        table,
        here,
        first,
    })
}

/// `key: value` in a TOML text: the key and the colon's offset in the line.
fn yaml_style_key(line: &str) -> Option<(&str, usize)> {
    let colon = line.find(':')?;
    let key = line[..colon].trim();
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (bare && !line[..colon].contains('=')).then_some((key, colon))
}

/// Line shapes decide, when neither parser accepts the text, which one the author meant.
/// Whether a YAML stream parsed cleanly into at least one mapping or sequence.
fn yaml_holds_collections(stream: &yaml::YamlStream) -> bool {
    stream.errors.is_empty()
        && stream
            .documents
            .iter()
            .any(|d| matches!(d.root.value, Value::Map(_) | Value::Seq(_)))
}

/// A TOML `key = …` line, the value possibly missing (`a =` is a TOML error, not YAML): what
/// stands before the first `=` is a bare, dotted or quoted key. A YAML line with a `=` in its
/// value (`url: http://h/?a=b`, `- --set=x`) has a `:` or a leading `- ` there instead.
fn is_key_assignment(line: &str) -> bool {
    line.split_once('=').is_some_and(|(key, _)| {
        let key = key.trim();
        !key.is_empty()
            && !line.starts_with("- ")
            && key.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\'' | ' ')
            })
    })
}

fn looks_like_toml(text: &str) -> bool {
    let (mut toml_lines, mut yaml_lines) = (0, 0);
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') || is_key_assignment(line) {
            toml_lines += 1;
        } else if line.starts_with("- ") || line.contains(": ") || line.ends_with(':') {
            yaml_lines += 1;
        }
    }
    toml_lines > yaml_lines
}

#[cfg(test)]
mod tests {
    use super::{looks_like_toml, secret_value_start, within_one_edit};

    #[test]
    fn the_first_secret_value_of_a_line_is_found_wherever_its_key_sits() {
        fn at(line: &str) -> Option<&str> {
            secret_value_start(line).map(|i| &line[i..])
        }
        assert_eq!(at("  token = \"t\""), Some("\"t\""));
        assert_eq!(at("password: p: x"), Some("p: x"));
        assert_eq!(at("stringData: {token: t: x}"), Some("t: x}"));
        assert_eq!(
            at("{\"kind\":\"Secret\",\"token\" : \"t\",}"),
            Some("\"t\",}")
        );
        assert_eq!(
            at("cache = { s3 = { SecretKey = \"a\" } }"),
            Some("\"a\" } }")
        );
        assert_eq!(at("env = [\"AWS_SECRET_ACCESS_KEY=k\"]"), Some("k\"]"));
        // A key that names no credential, a secret key with nothing after it.
        assert_eq!(at("url: https://h/?token"), None);
        assert_eq!(at("secretName: s"), None);
        assert_eq!(at("token:"), None);
    }

    #[test]
    fn a_key_with_a_missing_value_is_toml_and_a_yaml_value_with_an_equals_sign_is_not() {
        // `a =` is a TOML syntax error to report as such, not YAML text to call unrecognised.
        assert!(looks_like_toml("a = \n"));
        assert!(looks_like_toml("[[runners]]\n  token =\n"));
        assert!(looks_like_toml("\"quoted key\" = 1\n"));
        assert!(!looks_like_toml("url: http://h/?a=b\n"));
        assert!(!looks_like_toml("args:\n- --set=x\n"));
        assert!(!looks_like_toml("a: b = c\n"));
    }

    #[test]
    fn within_one_edit_agrees_with_damerau_levenshtein() {
        let words = [
            "token",
            "tokn",
            "tokne",
            "otken",
            "tokens",
            "toke",
            "taken",
            "tkoen",
            "password",
            "passwrod",
            "pasword",
            "passwordd",
            "xassword",
            "wordpass",
            "auth",
            "a",
            "",
            "ab",
            "ba",
            "aab",
            "aba",
            "runnertoken",
            "runnertokne",
            "ütoken",
            "tökn",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    within_one_edit(a, b),
                    strsim::damerau_levenshtein(a, b) <= 1,
                    "{a} / {b}"
                );
            }
        }
    }
}
