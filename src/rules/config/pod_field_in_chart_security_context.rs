use crate::diagnostic::{Applicability, Fix};
use crate::fix::text::{column, edit, entry_lines, reindent};
use crate::rules::{Context, declare_rule};
use crate::source::tree::{Entry, Node, Value};
use crate::source::{SourceId, Span, TextRange};

declare_rule! {
    /// ## What it does
    /// Reports pod-level security fields (`fsGroup`, `supplementalGroups`,
    /// `fsGroupChangePolicy`, `sysctls`) in the gitlab-runner Helm chart value
    /// `securityContext`, which is the manager *container's* security context.
    ///
    /// ## Why is this bad?
    /// From chart 0.42 `securityContext` renders into the container, where Kubernetes has no
    /// such field: the API server drops it (or refuses the Deployment under strict field
    /// validation), and the pod's `fsGroup` still comes from `podSecurityContext` (chart default
    /// 65533). Values written for older charts, or copied from the Ubuntu example, do this
    /// (reference runner-manager.md §1.2, §3.3).
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// securityContext:
    ///   fsGroup: 999
    ///   runAsUser: 999
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// securityContext:
    ///   runAsUser: 999
    /// podSecurityContext:
    ///   fsGroup: 999
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// ## Fix safety
    /// The fix moves the field, with the comment lines right above it, into `podSecurityContext`
    /// (after its last field, or into a new `podSecurityContext` right after `securityContext`),
    /// re-indented to its new place. When it was the last field of `securityContext`, that key
    /// goes too, so that the chart's default container security context applies as before
    /// (Helm merges a values map over the chart's defaults, and the dropped field never
    /// applied). It is unsafe: the field then starts to apply to the manager pod, and on
    /// OpenShift an `fsGroup` outside the namespace's range makes the SCC refuse the pod. There
    /// is no fix when either key is written in flow style (`{ … }`) or `podSecurityContext`
    /// already has the field.
    ///
    /// ## References
    /// - [SecurityContext v1 core](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security-context-1)
    pub static POD_FIELD_IN_CHART_SECURITY_CONTEXT = {
        code: "RD111",
        name: "pod-field-in-chart-security-context",
        group: Correctness,
        fix: Sometimes,
    }
}

/// PodSecurityContext fields that a container SecurityContext does not have.
const POD_ONLY: &[&str] = &[
    "fsGroup",
    "fsGroupChangePolicy",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "sysctls",
];

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    let sources = &cx.analysis.inputs.sources;
    for values in &cx.analysis.inputs.helm_values {
        let Some(context) = values.root.entry("securityContext") else {
            continue;
        };
        let text = &sources.get(values.source).text;
        for entry in context.value.entries() {
            if POD_ONLY.contains(&entry.key.as_str()) {
                let fix = move_to_pod_context(values.source, text, &values.root, context, entry);
                found.push((
                    Span::new(values.source, entry.key_range),
                    entry.key.clone(),
                    fix,
                ));
            }
        }
    }
    for (span, key, fix) in found {
        let diagnostic = cx.report(
            Some(span),
            format!(
                "`{key}` is a pod security context field, but chart value `securityContext` is the manager container's security context; Kubernetes has no `{key}` there, so it does not apply"
            ),
        )
        .primary_label("not a container field")
        .help(format!("move `{key}` to `podSecurityContext`"));
        if let Some(fix) = fix {
            diagnostic.fix(fix);
        }
    }
}

/// Whether a node is a block mapping (not `{ … }`, not empty): only then do its entries own
/// whole lines.
fn is_block_mapping(text: &str, node: &Node) -> bool {
    matches!(&node.value, Value::Map(entries) if !entries.is_empty())
        && !text[node.range.as_range()].trim_start().starts_with('{')
}

/// Moves `field` of `securityContext` into `podSecurityContext`, keeping its text.
fn move_to_pod_context(
    source: SourceId,
    text: &str,
    root: &Node,
    context: &Entry,
    field: &Entry,
) -> Option<Fix> {
    if !is_block_mapping(text, &context.value) {
        return None;
    }
    let block = entry_lines(text, field.key_range.cover(field.value.range))?;
    let field_column = column(text, field.key_range.start as usize);
    let context_column = column(text, context.key_range.start as usize);
    let moved = |to: usize| {
        let mut lines = reindent(&text[block.as_range()], field_column, to);
        if !lines.ends_with('\n') {
            lines.push('\n');
        }
        lines
    };
    let (insert_at, inserted) = match root.entry("podSecurityContext") {
        Some(pod) => {
            if !is_block_mapping(text, &pod.value) || pod.value.get(&field.key).is_some() {
                return None;
            }
            let last = pod.value.entries().last()?;
            let end = entry_lines(text, last.key_range.cover(last.value.range))?.end as usize;
            let to = column(text, last.key_range.start as usize);
            (end, moved(to))
        }
        None => {
            let last = context.value.entries().last()?;
            let end = entry_lines(text, last.key_range.cover(last.value.range))?.end as usize;
            let indent = " ".repeat(context_column);
            let to = context_column + (field_column - context_column).max(2);
            (end, format!("{indent}podSecurityContext:\n{}", moved(to)))
        }
    };
    let only_field = context.value.entries().len() == 1;
    let removed = if only_field {
        // `securityContext:` with nothing under it would be null, which Helm takes as "delete
        // the chart's default": remove the key whole instead.
        let start = text[..context.key_range.start as usize]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        TextRange::new(start, block.end as usize)
    } else {
        block
    };
    let mut inserted = inserted;
    if insert_at == text.len() && !text.ends_with('\n') {
        inserted.insert(0, '\n');
        inserted.pop();
    }
    Some(Fix {
        title: format!("move `{}` to `podSecurityContext`", field.key),
        edits: vec![
            edit(source, TextRange::new(insert_at, insert_at), inserted),
            edit(source, removed, ""),
        ],
        applicability: Applicability::Unsafe,
    })
}
