use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports `Shared` in `[runners.cache]` when the cache has no `Type`.
    ///
    /// ## Why is this bad?
    /// `Shared` only changes the object key of a distributed cache (`<Path>/project/<id>/…`
    /// instead of `<Path>/runner/<short-token>/project/<id>/…`; runner `cache/cache.go`). With no
    /// `Type` there is no distributed cache, so the key does nothing; the local cache under
    /// `cache_dir` is not affected either way (reference gitlab-runner-k8s.md §1.3).
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   [runners.cache]
    ///     Shared = false
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   [runners.cache]
    ///     Type = "s3"
    ///     Shared = false
    /// ```
    ///
    /// ## Fix safety
    /// Removing `Shared` is safe: without a distributed cache it changes nothing.
    ///
    /// ## References
    /// - [GitLab Runner: the `[runners.cache]` section](https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-runnerscache-section)
    pub static CACHE_SHARED_WITHOUT_TYPE = {
        code: "RD106",
        name: "cache-shared-without-type",
        group: Advice,
        fix: Always,
    }
}

fn check(cx: &mut Context) {
    let runners: Vec<_> = cx.analysis.runners().collect();
    for runner in runners {
        let has_type = runner
            .str_at(&["cache", "Type"])
            .is_some_and(|t| !t.is_empty());
        if has_type {
            continue;
        }
        let Some(span) = runner.span_at(&["cache", "Shared"]) else {
            continue;
        };
        let text = &cx.analysis.inputs.sources.get(span.source).text;
        let fix = Fix {
            title: "remove `Shared`".into(),
            edits: vec![text::edit(
                span.source,
                text::remove_entry(text, span.range),
                "",
            )],
            applicability: Applicability::Safe,
        };
        cx.report(
            Some(span),
            "`Shared` has no effect: `[runners.cache]` has no `Type`, so there is no distributed cache whose key it would change",
        )
        .help("remove `Shared`, or set `Type` (`s3`, `gcs`, `azure`) to use a distributed cache")
        .fix(fix);
    }
}
