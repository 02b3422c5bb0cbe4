use crate::admission::{AttemptResult, GoValue, Reason, ReasonKind};
use crate::analysis::Analysis;
use crate::analysis::prediction::RunnerPrediction;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::fix::text;
use crate::model::runner::{KeyPath, KeySegment};
use crate::pod::{JobPod, Source};
use crate::source::tree::Seg;
use crate::source::{Span, TextRange};

use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Simulates OpenShift's SCC admission of the job pod the runner would create, with the
    /// platform's default SCCs, the SCCs and RBAC grants found in the inputs, the runner
    /// manager as the requester and the job pod's ServiceAccount, and reports a refusal in
    /// OpenShift's own words, pointing at the config keys that produced each refused field.
    ///
    /// ## Why is this bad?
    /// A refused job pod never starts: every job fails with `unable to validate against any
    /// security context constraint`, and the message names pod fields, not the `config.toml`
    /// lines that set them. With only `restricted-v2` usable, a fixed `fs_group` outside the
    /// namespace's range or an added capability is enough to refuse every job.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   executor = "kubernetes"
    ///   [runners.kubernetes]
    ///     namespace = "ci"
    ///     [runners.kubernetes.pod_security_context]
    ///       fs_group = 1000
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   executor = "kubernetes"
    ///   [runners.kubernetes]
    ///     namespace = "ci"
    /// ```
    ///
    /// `restricted-v2` then assigns the namespace's own fsGroup. Where a pod really needs more,
    /// grant the job pods' ServiceAccount a custom SCC that allows exactly that.
    ///
    /// ## Fix safety
    /// The fix removes what the usable SCCs refuse and assign by themselves: a refused
    /// `fs_group` line, and each refused capability from the `cap_add` or
    /// `capabilities.add` array that asked for it (the least-privilege capability set). It is
    /// unsafe: the SCC then assigns the namespace's own fsGroup, so files a volume already
    /// holds may belong to the old group, and a job may have needed the capability.
    ///
    /// When other refused fields remain (`privileged`, `run_as_user`, …) and another
    /// ServiceAccount of the namespace may use an SCC that admits the pods exactly as they are,
    /// the fix sets `service_account` in `[runners.kubernetes]` to it instead. That loosens
    /// security (the job pods then run under that SCC), so it is unsafe too, and the message
    /// names the SCC. Otherwise what the job needs instead is a choice, left to the help.
    ///
    /// ## References
    /// - [Managing security context constraints](https://docs.openshift.com/container-platform/4.14/authentication/managing-security-context-constraints.html)
    /// - [Runner on OpenShift](https://docs.gitlab.com/runner/install/openshift/)
    pub static JOB_POD_REJECTED_BY_SCC = {
        code: "RD301",
        name: "job-pod-rejected-by-scc",
        group: Correctness,
        fix: Sometimes,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for prediction in &analysis.predictions {
        let job = prediction.representative();
        let (Ok(job_pod), Some(outcome)) = (&job.pod, &job.admission) else {
            continue;
        };
        let Some(error) = outcome.error() else {
            continue;
        };
        let runner = analysis.runner_ref(prediction);
        // Each refused field that a config key produced, from the SCCs that could be used.
        let mut refused = Vec::new();
        for attempt in &outcome.attempts {
            if attempt.result == AttemptResult::NotUsable {
                continue;
            }
            for reason in &attempt.reasons {
                let span = analysis.field_span(prediction, job_pod, &reason.field);
                refused.push((span, reason));
            }
        }
        let primary = refused
            .iter()
            .find_map(|(span, _)| *span)
            .or_else(|| runner.map(|r| r.span_at(&["kubernetes"]).unwrap_or(r.span())));
        let sa = super::service_account(prediction);
        let usable = super::usable_sccs(prediction, &sa);
        let diagnostic = cx.report(
            primary,
            format!(
                "OpenShift refuses the job pods in namespace `{}`: no SCC usable by `{}` or ServiceAccount `{sa}` admits them, so every job fails before it starts",
                prediction.namespace, prediction.requester.name
            ),
        );
        let mut labelled = Vec::new();
        for (span, reason) in &refused {
            let Some(span) = span else { continue };
            let text = format!("{}: {}", reason.scc, reason_body(reason));
            if Some(*span) == primary && diagnostic.primary_label.is_none() {
                diagnostic.primary_label(text);
            } else if Some(*span) == primary && diagnostic.primary_label.as_deref() == Some(&text) {
                // The same refusal in another container: one mark is enough.
            } else if !labelled.contains(&(*span, text.clone())) {
                labelled.push((*span, text.clone()));
                diagnostic.label(*span, text);
            }
        }
        diagnostic.note(format!("OpenShift's message: {error}"));
        if !usable.is_empty() {
            diagnostic.note(format!("usable SCCs, in the order tried: {usable}"));
        }
        diagnostic.help(least_privilege_help(refused.iter().map(|(_, r)| *r)));
        for other in &prediction.admitting_service_accounts {
            diagnostic.note(format!(
                "ServiceAccount `{}` of namespace `{}` may use SCC `{}`, which admits these pods as they are",
                other.name, prediction.namespace, other.scc
            ));
        }
        if let Some(fix) = fix(analysis, prediction, job_pod, &refused) {
            diagnostic.fix(fix);
        }
        for a in analysis
            .global_assumptions
            .iter()
            .chain(&prediction.assumptions)
        {
            diagnostic.assume(a.clone());
        }
    }
}

/// The fix: remove the refused fields the SCC assigns by itself when that is all that was
/// refused; else switch to a ServiceAccount whose SCC admits the pods as they are.
fn fix(
    analysis: &Analysis,
    prediction: &RunnerPrediction,
    job_pod: &JobPod,
    refused: &[(Option<Span>, &Reason)],
) -> Option<Fix> {
    let fs_group = remove_fs_group(analysis, refused);
    let (cap_edits, caps) = remove_capabilities(analysis, prediction, job_pod, refused);
    let all_removable = refused.iter().all(|(_, reason)| {
        if reason.field.ends_with("securityContext.fsGroup") {
            fs_group.is_some()
        } else if reason.field.ends_with("capabilities.add") {
            matches!(&reason.kind, ReasonKind::Invalid(GoValue::Str(cap))
                if caps.contains(&normal_capability(cap)))
        } else {
            false
        }
    });
    let mut removed: Vec<String> = Vec::new();
    if fs_group.is_some() {
        removed.push("`fs_group`".into());
    }
    removed.extend(caps.iter().map(|c| format!("`{c}`")));
    let edits: Vec<Edit> = fs_group.into_iter().chain(cap_edits).collect();
    if all_removable && !edits.is_empty() {
        return Some(Fix {
            title: format!("remove {}", removed.join(", ")),
            edits,
            applicability: Applicability::Unsafe,
        });
    }
    let other = prediction.admitting_service_accounts.first()?;
    let edit = set_service_account(analysis, prediction, &other.name)?;
    Some(Fix {
        title: format!(
            "set `service_account = \"{}\"`: the job pods then run under SCC `{}`",
            other.name, other.scc
        ),
        edits: vec![edit],
        applicability: Applicability::Unsafe,
    })
}

/// Removes an `fs_group` line the SCC refused: the namespace's own fsGroup is then assigned.
fn remove_fs_group(analysis: &Analysis, refused: &[(Option<Span>, &Reason)]) -> Option<Edit> {
    let span = refused.iter().find_map(|(span, reason)| {
        reason
            .field
            .ends_with("securityContext.fsGroup")
            .then_some(*span)
            .flatten()
    })?;
    let text = &analysis.inputs.sources.get(span.source).text;
    let start = span.range.start as usize;
    let rest = text.get(start..)?;
    let line = rest.lines().next()?;
    if !line.starts_with("fs_group") || !line.contains('=') {
        return None;
    }
    // The value is an integer, so a `#` on the line starts a comment.
    let end = start + line.find('#').unwrap_or(line.len());
    let end = start + text[start..end].trim_end().len();
    let range = text::remove_entry(text, TextRange::new(start, end));
    Some(text::edit(span.source, range, ""))
}

/// The edits that take each refused added capability out of the config array that asked for
/// it (`cap_add`, `build_container_security_context.capabilities.add`, …), and the names
/// removed (as the API compares them). Removals in one array are merged, so that no two edits
/// touch the same commas.
fn remove_capabilities(
    analysis: &Analysis,
    prediction: &RunnerPrediction,
    job_pod: &JobPod,
    refused: &[(Option<Span>, &Reason)],
) -> (Vec<Edit>, Vec<String>) {
    let Some(config) = analysis.inputs.configs.get(prediction.config) else {
        return (Vec::new(), Vec::new());
    };
    // The array elements to drop, by the array's key path.
    let mut drops: Vec<(Vec<KeySegment>, usize, String)> = Vec::new();
    for (_, reason) in refused {
        if !reason.field.ends_with("capabilities.add") {
            continue;
        }
        let ReasonKind::Invalid(GoValue::Str(cap)) = &reason.kind else {
            continue;
        };
        for p in &job_pod.provenance {
            let Source::Config(key) = &p.source else {
                continue;
            };
            if !p.pod_path.starts_with(reason.field.as_str())
                || analysis.set_by_variable(prediction.config, key)
            {
                continue;
            }
            // The provenance names the element (`cap_add[1]`) or the whole array.
            let (array, index) = match key.0.split_last() {
                Some((KeySegment::Index(index), array)) if p.pod_path != reason.field => {
                    (array.to_vec(), *index)
                }
                Some((KeySegment::Key(_), _)) if p.pod_path == reason.field => {
                    let Some(node) = config.root.at(&segs_of(&key.0)) else {
                        continue;
                    };
                    let found = node.items().iter().position(|item| {
                        normal_capability(item.as_str().unwrap_or_default())
                            == normal_capability(cap)
                    });
                    let Some(index) = found else { continue };
                    (key.0.clone(), index)
                }
                _ => continue,
            };
            let mut element = array.clone();
            element.push(KeySegment::Index(index));
            let Some(node) = config.root.at(&segs_of(&element)) else {
                continue;
            };
            if normal_capability(node.as_str().unwrap_or_default()) != normal_capability(cap) {
                continue;
            }
            let entry = (array, index, cap.clone());
            if !drops.contains(&entry) {
                drops.push(entry);
            }
        }
    }
    let mut arrays: Vec<&Vec<KeySegment>> = drops.iter().map(|(a, _, _)| a).collect();
    arrays.sort();
    arrays.dedup();
    let mut edits = Vec::new();
    for array in arrays {
        let Some(node) = config.root.at(&segs_of(array)) else {
            continue;
        };
        let ranges: Vec<TextRange> = node.items().iter().map(|n| n.range).collect();
        let mut dropped: Vec<usize> = drops
            .iter()
            .filter(|(a, i, _)| a == array && *i < ranges.len())
            .map(|(_, i, _)| *i)
            .collect();
        dropped.sort_unstable();
        dropped.dedup();
        if dropped.len() == ranges.len()
            && let Some((KeySegment::Key(name), parent)) = array.split_last()
            && let Some(entry) = config.root.at(&segs_of(parent)).and_then(|t| t.entry(name))
        {
            // Nothing left: the whole `key = [...]` goes, with its line.
            let text = &analysis.inputs.sources.get(config.source).text;
            let range = text::remove_entry(text, entry.key_range.cover(entry.value.range));
            edits.push(text::edit(config.source, range, ""));
            continue;
        }
        for range in element_removals(&ranges, &dropped) {
            edits.push(text::edit(config.source, range, ""));
        }
    }
    let mut names: Vec<String> = drops.iter().map(|(_, _, c)| normal_capability(c)).collect();
    names.sort();
    names.dedup();
    (edits, names)
}

/// The ranges that remove the elements at `dropped` (sorted) from an array whose elements
/// have `ranges`, each run of neighbours at once: up to the next kept element, or from the
/// previous kept one when the run ends the array, so that the commas stay right.
fn element_removals(ranges: &[TextRange], dropped: &[usize]) -> Vec<TextRange> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < dropped.len() {
        let first = dropped[i];
        let mut last = first;
        while i + 1 < dropped.len() && dropped[i + 1] == last + 1 {
            i += 1;
            last = dropped[i];
        }
        let range = if let Some(next) = ranges.get(last + 1) {
            TextRange::new(ranges[first].start as usize, next.start as usize)
        } else if first > 0 {
            TextRange::new(ranges[first - 1].end as usize, ranges[last].end as usize)
        } else {
            TextRange::new(ranges[first].start as usize, ranges[last].end as usize)
        };
        out.push(range);
        i += 1;
    }
    out
}

/// A capability as the API compares it: upper case, without `CAP_`.
fn normal_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

fn segs_of(path: &[KeySegment]) -> Vec<Seg<'_>> {
    path.iter().map(KeySegment::as_seg).collect()
}

/// Sets `service_account` in the runner's `[runners.kubernetes]`: replaces the value written
/// there, or adds the key after the table's last key.
fn set_service_account(
    analysis: &Analysis,
    prediction: &RunnerPrediction,
    name: &str,
) -> Option<Edit> {
    let config = analysis.inputs.configs.get(prediction.config)?;
    let text = &analysis.inputs.sources.get(config.source).text;
    let value = text::toml_string(name);
    let runner = prediction.runner;
    let kubernetes = [
        Seg::Key("runners"),
        Seg::Index(runner),
        Seg::Key("kubernetes"),
    ];
    let table = config.root.at(&kubernetes)?;
    if let Some(entry) = table.entry("service_account") {
        let key = KeyPath(vec![
            KeySegment::Key("runners".into()),
            KeySegment::Index(runner),
            KeySegment::Key("kubernetes".into()),
            KeySegment::Key("service_account".into()),
        ]);
        let written = Span::new(config.source, entry.key_range.cover(entry.value.range));
        if analysis.key_span(prediction.config, &key) != Some(written) {
            return None; // set at registration by a variable: not this file's line
        }
        return Some(text::edit(config.source, entry.value.range, value));
    }
    // The table's own header: the `[runners.kubernetes]` after the entry's `[[runners]]` and
    // before the next one.
    let runner_start = config
        .root
        .at(&[Seg::Key("runners"), Seg::Index(runner)])?
        .range
        .start as usize;
    let (header_at, _, _) = text::runner_headers(text, runner_start)
        .0
        .into_iter()
        .find(|(_, _, name)| name == "runners.kubernetes")?;
    let body_start = text[header_at..].find('\n').map(|i| header_at + i + 1)?;
    let limit = text::next_header_start(text, body_start);
    let (at, indent) = text::table_insertion(text, table, body_start, limit);
    Some(text::edit(
        config.source,
        TextRange::new(at, at),
        format!("{}service_account = {value}\n", " ".repeat(indent)),
    ))
}

/// The smallest change for the refused fields: drop what the namespace's SCC assigns by itself,
/// and grant only what a job really needs.
fn least_privilege_help<'a>(reasons: impl Iterator<Item = &'a Reason>) -> String {
    let mut steps: Vec<String> = Vec::new();
    for reason in reasons {
        let step = if reason.field.ends_with("securityContext.fsGroup") {
            "remove `fs_group` (the SCC assigns the namespace's own fsGroup)".to_string()
        } else if reason.field.ends_with("securityContext.supplementalGroups") {
            "remove `supplemental_groups` (the SCC assigns the namespace's own)".to_string()
        } else if reason.field.ends_with("runAsUser") {
            "remove `run_as_user` (the SCC assigns a uid of the namespace's range)".to_string()
        } else if reason.field.ends_with("capabilities.add") {
            match &reason.kind {
                crate::admission::ReasonKind::Invalid(crate::admission::GoValue::Str(cap)) => {
                    format!("remove `{cap}` from `capabilities.add`")
                }
                _ => "remove the added capabilities".to_string(),
            }
        } else if reason.field.ends_with("privileged") {
            "set `privileged = false`".to_string()
        } else {
            continue;
        };
        if !steps.contains(&step) {
            steps.push(step);
        }
    }
    let grant = "if a job really needs more, bind an SCC that allows exactly that to a dedicated ServiceAccount set with `service_account`";
    if steps.is_empty() {
        format!("change the fields marked to what the usable SCCs allow; {grant}")
    } else {
        format!("{}; {grant}", steps.join("; "))
    }
}

/// The reason's body without its path: `Invalid value: "SETFCAP": capability may not be added`.
fn reason_body(reason: &crate::admission::Reason) -> String {
    let full = reason.message();
    full.strip_prefix(&format!("{}: ", reason.path))
        .map(str::to_string)
        .unwrap_or(full)
}
