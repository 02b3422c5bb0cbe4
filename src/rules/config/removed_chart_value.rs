use crate::model::schema::REMOVED_CHART_VALUES;
use crate::rules::{Context, declare_rule};
use crate::source::Span;
use crate::source::tree::Seg;

declare_rule! {
    /// ## What it does
    /// Reports a gitlab-runner Helm chart value that chart 0.53 removed (`runners.privileged`,
    /// `runners.namespace`, `runners.helpers.image`, `runners.cache.cacheType`, …), and names
    /// the `runners.config` key that replaces it.
    ///
    /// ## Why is this bad?
    /// The chart has no `values.schema.json`, so from 0.53 (runner 16.0) it ignores these
    /// values without a warning: the setting silently stops applying after an upgrade (reference
    /// runner-manager.md §1.10). When `runners.config` sets the same thing, only that applies.
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// runners:
    ///   privileged: true
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         image = "alpine:3.20"
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// runners:
    ///   config: |
    ///     [[runners]]
    ///       [runners.kubernetes]
    ///         image = "alpine:3.20"
    ///         privileged = true
    /// ```
    ///
    /// ## References
    /// - [gitlab-runner chart MR !393](https://gitlab.com/gitlab-org/charts/gitlab-runner/-/merge_requests/393)
    /// - [Deprecations for GitLab 16.0](https://gitlab.com/gitlab-org/gitlab/-/issues/379064)
    pub static REMOVED_CHART_VALUE = {
        code: "RD109",
        name: "removed-chart-value",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for values in &cx.analysis.inputs.helm_values {
        // Chart 0.53 ships runner 16.0: an older runner image means an older chart, which
        // still reads the value (deprecated, not yet removed).
        let old_chart = match &cx.analysis.settings.runner_version {
            Some(v) => (*v < semver::Version::new(16, 0, 0)).then(|| v.clone()),
            None => super::helm_runner_version(values)
                .map(|k| k.version)
                .filter(|v| *v < semver::Version::new(16, 0, 0)),
        };
        for removed in REMOVED_CHART_VALUES {
            let dotted = removed.path.trim_end_matches(".*");
            let segs: Vec<Seg<'_>> = dotted.split('.').map(Seg::Key).collect();
            // Invariant: `split` yields at least one piece, so `segs` is never empty.
            #[allow(clippy::expect_used)]
            let (last, parent) = segs.split_last().expect("paths are not empty");
            let Seg::Key(last) = last else { continue };
            let Some(entry) = values.root.at(parent).and_then(|p| p.entry(last)) else {
                continue;
            };
            if matches!(entry.value.value, crate::source::Value::Null) {
                continue;
            }
            let applies = replacement_in_config(cx, values.source, removed.replacement);
            found.push((
                Span::new(values.source, entry.key_range),
                dotted,
                removed,
                applies,
                old_chart.clone(),
            ));
        }
        // A string `image` (the full reference) gave way to the `image.{registry,image,tag}` map.
        if let Some(entry) = values.root.entry("image")
            && entry.value.as_str().is_some()
        {
            found.push((
                Span::new(values.source, entry.key_range),
                "image",
                &STRING_IMAGE,
                None,
                old_chart.clone(),
            ));
        }
    }
    for (span, dotted, removed, applies, old_chart) in found {
        let message = match &old_chart {
            Some(runner) => format!(
                "chart value `{dotted}` is deprecated and removed in chart {}; the chart for runner {runner} still reads it, but an upgrade to chart {0} or later silently drops it",
                removed.removed_in
            ),
            None => format!(
                "chart value `{dotted}` was removed in chart {}; later charts ignore it without a warning, so it has no effect",
                removed.removed_in
            ),
        };
        let d = cx.report(Some(span), message);
        d.primary_label("ignored by chart 0.53 and later");
        match applies {
            Some(span) => {
                d.label(span, "this is what applies");
                d.help(format!(
                    "remove `{dotted}`; `runners.config` already sets it"
                ));
            }
            None => {
                d.help(format!("use {} instead", removed.replacement));
            }
        }
    }
}

/// The key of the chart's own `runners.config` that replaces a removed value, when it is set.
fn replacement_in_config(
    cx: &Context,
    host: crate::source::SourceId,
    replacement: &str,
) -> Option<Span> {
    let key = replacement.split('`').nth(1)?;
    let path: Vec<&str> = if replacement.contains("in `[runners.kubernetes]`") {
        vec!["kubernetes", key]
    } else if replacement.contains("in `[[runners]]`") {
        vec![key]
    } else {
        return None;
    };
    let sources = &cx.analysis.inputs.sources;
    cx.analysis
        .runners()
        .filter(|r| {
            matches!(&sources.get(r.config.source).origin,
                crate::source::Origin::Embedded { host: h, .. } if *h == host)
        })
        .find_map(|r| r.span_at(&path))
}

static STRING_IMAGE: crate::model::schema::RemovedChartValue =
    crate::model::schema::RemovedChartValue {
        path: "image",
        removed_in: "0.53",
        replacement: "the `image.registry`, `image.image` and `image.tag` values",
    };
