//! runner-doctor predicts how GitLab Runner's Kubernetes executor will run a job on OpenShift or
//! Kubernetes, and says — pointing at the user's own lines — what will fail, why, and how to fix it.
//!
//! Data flows one way through the modules below: `source` (files, spans, embedded TOML) →
//! `model` (typed runner config and cluster objects) → `pod` (the job pod the runner builds) →
//! `admission` (OpenShift SCC admission) → `access` (process identity and volume permissions) →
//! `rules` (findings) → `diagnostic` → `render`. The library never prints; the binary does.

// Bad input must never panic: an `unwrap` or `expect` is allowed only where an invariant makes
// it unreachable, with an `#[allow]` and a comment saying which invariant.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod access;
pub mod admission;
pub mod analysis;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod diagnostic;
pub mod fix;
pub mod manager;
pub mod model;
pub mod pod;
pub mod probe;
pub mod render;
pub mod rules;
pub mod settings;
pub mod source;
pub mod suppress;

use analysis::Analysis;
use diagnostic::{Assumption, Diagnostic, Severity};
use model::load::Inputs;
use settings::Settings;

/// The outcome of a check: the analysis (for rendering its sources) and the findings.
pub struct Report {
    pub analysis: Analysis,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// The most severe finding, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.diagnostics.iter().map(|d| d.severity).max()
    }

    /// Every assumption a finding rests on, without repeats, in a stable order.
    pub fn assumptions(&self) -> Vec<&Assumption> {
        let mut all: Vec<&Assumption> = self
            .diagnostics
            .iter()
            .flat_map(|d| d.assumptions.iter())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Whether the run fails under `--fail-on`.
    pub fn fails(&self) -> bool {
        self.max_severity()
            .is_some_and(|s| s >= self.analysis.settings.fail_on)
    }
}

/// Runs every selected rule over the inputs.
pub fn check(inputs: Inputs, settings: Settings) -> Report {
    let analysis = Analysis::new(inputs, settings);
    let mut diagnostics = Vec::new();
    for &rule in rules::RULES {
        let Some(severity) = rules::severity_for(rule, &analysis.settings) else {
            continue;
        };
        let mut cx = rules::Context::new(&analysis, rule, severity);
        (rule.check)(&mut cx);
        diagnostics.extend(cx.into_diagnostics());
    }
    mark_registration_overrides(&analysis, &mut diagnostics);
    // Inline `# runner-doctor: allow(…)` comments, on the lines the user wrote.
    let ran = |rule: &rules::Rule| rules::severity_for(rule, &analysis.settings).is_some();
    let unused = suppress::apply(&analysis.inputs.sources, &mut diagnostics, &ran);
    diagnostics.extend(rules::unused_suppressions(&analysis, &unused));
    fix::downgrade_inexact(&analysis.inputs.sources, &mut diagnostics);
    for d in &mut diagnostics {
        d.shorten_quotes();
    }
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.primary.map(|s| analysis.inputs.sources.to_host(s).0);
        key(a).cmp(&key(b)).then(a.code.cmp(b.code))
    });
    Report {
        analysis,
        diagnostics,
    }
}

/// Findings about a key that registration takes from an environment variable point at the
/// variable (see `Analysis::key_span`); they also show the template's value that lost. A
/// finding that points at the losing template value says what replaces it.
fn mark_registration_overrides(analysis: &Analysis, diagnostics: &mut [Diagnostic]) {
    for effective in &analysis.effective {
        for o in effective.overrides.iter().filter(|o| o.applies()) {
            let setting = &effective.settings[o.setting];
            let Some(template) = o.template else {
                continue;
            };
            for d in diagnostics.iter_mut() {
                if d.labels.iter().any(|l| l.span == template) {
                    continue;
                }
                if setting.span.is_some() && d.primary == setting.span {
                    d.label(
                        template,
                        format!(
                            "the template's `{}`, which `{}` replaces at registration",
                            o.key.dotted(),
                            setting.name
                        ),
                    );
                } else if d.primary == Some(template) {
                    d.note(format!(
                        "registration replaces this value with `{}` from {}: the environment wins over the template",
                        setting.name,
                        setting.origin.describe()
                    ));
                }
            }
        }
    }
}
