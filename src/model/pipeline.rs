//! `.gitlab-ci.yml` jobs as the runner receives them: image, services, variables, scripts.
//!
//! Only what changes the pod or touches the file system is modelled. `default:` and the old
//! top-level globals fill what a job does not set, and `extends:` merges templates (maps merge
//! deeply, everything else is replaced, as GitLab does). Every script line keeps its span so a
//! rule can point at `chmod 777 /cache` in the user's pipeline.

use crate::model::load::PipelineDoc;
use crate::source::tree::Value;
use crate::source::{Node, Span};

/// Top-level keys that are not jobs.
const RESERVED: &[&str] = &[
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "types",
    "spec",
];

/// A string and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned {
    pub value: String,
    pub span: Span,
}

/// One job of a pipeline.
#[derive(Clone, Debug)]
pub struct Job {
    pub name: String,
    pub name_span: Span,
    pub stage: Option<String>,
    pub image: Option<Spanned>,
    /// `image:kubernetes:user` (`"uid"` or `"uid:gid"`).
    pub image_user: Option<Spanned>,
    pub services: Vec<Service>,
    pub variables: Vec<(String, Spanned)>,
    pub before_script: Vec<Spanned>,
    pub script: Vec<Spanned>,
    pub after_script: Vec<Spanned>,
    pub cache: Vec<CacheSpec>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: Spanned,
    pub alias: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct CacheSpec {
    pub key: Option<String>,
    pub paths: Vec<String>,
}

impl Job {
    /// Every script line the build container runs, in order (before_script, script, after_script).
    pub fn build_lines(&self) -> impl Iterator<Item = &Spanned> {
        self.before_script
            .iter()
            .chain(&self.script)
            .chain(&self.after_script)
    }
}

/// The jobs of a pipeline document, in file order (hidden `.templates` excluded).
pub fn jobs(doc: &PipelineDoc) -> Vec<Job> {
    let root = &doc.root;
    let default = root.get("default");
    let global = |key: &str| default.and_then(|d| d.get(key)).or_else(|| root.get(key));
    root.entries()
        .iter()
        .filter(|e| !RESERVED.contains(&e.key.as_str()) && !e.key.starts_with('.'))
        .filter(|e| e.value.is_map())
        .map(|e| {
            let merged = resolve_extends(root, &e.value, 0);
            let pick = |key: &str| merged.get(key).or_else(|| global(key));
            let sp = |node: &Node| Span::new(doc.source, node.range);
            let spanned = |node: &Node| {
                scalar_text(node).map(|value| Spanned {
                    value,
                    span: sp(node),
                })
            };
            let image_node = pick("image");
            let image = image_node.and_then(|n| match &n.value {
                Value::Map(_) => n.get("name").and_then(spanned),
                _ => spanned(n),
            });
            let image_user = image_node
                .and_then(|n| n.at(&["kubernetes".into(), "user".into()]))
                .and_then(spanned);
            let lines = |key: &str| {
                let mut out = Vec::new();
                if let Some(node) = pick(key) {
                    flatten_script(node, &mut |n| out.extend(spanned(n)));
                }
                out
            };
            let services = pick("services")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(|s| match &s.value {
                    Value::Map(_) => Some(Service {
                        name: s.get("name").and_then(spanned)?,
                        alias: s.get("alias").and_then(scalar_text),
                    }),
                    _ => spanned(s).map(|name| Service { name, alias: None }),
                })
                .collect();
            let mut variables: Vec<(String, Spanned)> = Vec::new();
            for source in [root.get("variables"), merged.get("variables")]
                .into_iter()
                .flatten()
            {
                for v in source.entries() {
                    let value = match &v.value.value {
                        Value::Map(_) => v.value.get("value"),
                        _ => Some(&v.value),
                    };
                    if let Some(value) = value.and_then(spanned) {
                        variables.retain(|(k, _)| k != &v.key);
                        variables.push((v.key.clone(), value));
                    }
                }
            }
            let cache = pick("cache")
                .map(|c| match &c.value {
                    Value::Seq(items) => items.iter().map(cache_spec).collect(),
                    Value::Map(_) => vec![cache_spec(c)],
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            Job {
                name: e.key.clone(),
                name_span: Span::new(doc.source, e.key_range),
                stage: merged.get("stage").and_then(scalar_text),
                image,
                image_user,
                services,
                variables,
                before_script: lines("before_script"),
                script: lines("script"),
                after_script: lines("after_script"),
                cache,
            }
        })
        .collect()
}

fn cache_spec(node: &Node) -> CacheSpec {
    CacheSpec {
        key: node.get("key").and_then(|k| match &k.value {
            Value::Map(_) => Some("<files>".to_string()),
            _ => scalar_text(k),
        }),
        paths: node
            .get("paths")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(scalar_text)
            .collect(),
    }
}

/// Script entries may nest one level (YAML anchors of lists); strings are lines.
fn flatten_script(node: &Node, out: &mut dyn FnMut(&Node)) {
    match &node.value {
        Value::Seq(items) => items.iter().for_each(|i| flatten_script(i, out)),
        Value::Str(..) => out(node),
        _ => {}
    }
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s, _) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// Applies `extends:` (a name or a list), templates first, the job's own keys last.
fn resolve_extends(root: &Node, job: &Node, depth: usize) -> Node {
    // GitLab allows eleven levels of nesting; deeper (or a cycle) stops here.
    let parents: Vec<String> = match job.get("extends").map(|n| &n.value) {
        Some(Value::Str(s, _)) => vec![s.clone()],
        Some(Value::Seq(items)) => items.iter().filter_map(scalar_text).collect(),
        _ => Vec::new(),
    };
    if parents.is_empty() || depth > 10 {
        return job.clone();
    }
    let mut merged = Node::new(job.range, Value::Map(Vec::new()));
    for parent in parents {
        if let Some(template) = root.get(&parent) {
            let resolved = resolve_extends(root, template, depth + 1);
            deep_merge(&mut merged, &resolved);
        }
    }
    deep_merge(&mut merged, job);
    merged
}

fn deep_merge(base: &mut Node, over: &Node) {
    let (Value::Map(base_entries), Value::Map(over_entries)) = (&mut base.value, &over.value)
    else {
        *base = over.clone();
        return;
    };
    for entry in over_entries {
        match base_entries.iter_mut().find(|e| e.key == entry.key) {
            Some(existing) if existing.value.is_map() && entry.value.is_map() => {
                deep_merge(&mut existing.value, &entry.value);
            }
            Some(existing) => *existing = entry.clone(),
            None => base_entries.push(entry.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load::Inputs;

    #[test]
    fn jobs_inherit_defaults_and_templates_and_keep_spans() {
        let mut inputs = Inputs::default();
        let text = "default:\n  image: alpine\n.tpl:\n  before_script:\n    - chmod 777 /cache\nbuild:\n  extends: .tpl\n  image:\n    name: maven\n    kubernetes: {user: \"1000:1000\"}\n  script: [mvn package]\n  cache: {key: m2, paths: [.m2]}\nlint:\n  script: echo ok\n";
        inputs.add_text(".gitlab-ci.yml".into(), text.into());
        let jobs = jobs(&inputs.pipelines[0]);
        assert_eq!(jobs.len(), 2);
        let build = &jobs[0];
        assert_eq!(build.image.as_ref().unwrap().value, "maven");
        assert_eq!(build.image_user.as_ref().unwrap().value, "1000:1000");
        let chmod = &build.before_script[0];
        assert_eq!(&text[chmod.span.range.as_range()], "chmod 777 /cache");
        assert_eq!(build.cache[0].paths, [".m2"]);
        assert_eq!(jobs[1].image.as_ref().unwrap().value, "alpine");
        assert_eq!(jobs[1].script[0].value, "echo ok");
    }
}
