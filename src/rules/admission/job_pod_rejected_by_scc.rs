use crate::admission::AttemptResult;

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
    /// Removing a refused `fs_group` is unsafe: the SCC then assigns the namespace's own fsGroup,
    /// and files a volume already holds may belong to the old group. Other refused fields
    /// (capabilities, `run_as_user`, `privileged`) are left to the help, since what the job needs
    /// instead is a choice.
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
        if let Some(fix) = remove_fs_group(analysis, &refused) {
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

/// Removes an `fs_group` line the SCC refused: the namespace's own fsGroup is then assigned.
/// Unsafe, since files the volume already holds may belong to the old group.
fn remove_fs_group(
    analysis: &crate::analysis::Analysis,
    refused: &[(Option<crate::source::Span>, &crate::admission::Reason)],
) -> Option<crate::diagnostic::Fix> {
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
    let range = crate::fix::text::remove_entry(text, crate::source::TextRange::new(start, end));
    Some(crate::diagnostic::Fix {
        title: "remove `fs_group`".into(),
        edits: vec![crate::fix::text::edit(span.source, range, "")],
        applicability: crate::diagnostic::Applicability::Unsafe,
    })
}

/// The smallest change for the refused fields: drop what the namespace's SCC assigns by itself,
/// and grant only what a job really needs.
fn least_privilege_help<'a>(reasons: impl Iterator<Item = &'a crate::admission::Reason>) -> String {
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
