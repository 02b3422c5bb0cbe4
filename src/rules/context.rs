//! What a rule sees while it runs, and how it reports.

use crate::analysis::Analysis;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::Rule;
use crate::source::Span;

/// The analysis, plus the findings reported so far under the rule being run.
pub struct Context<'a> {
    pub analysis: &'a Analysis,
    rule: &'static Rule,
    severity: Severity,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(analysis: &'a Analysis, rule: &'static Rule, severity: Severity) -> Self {
        Self {
            analysis,
            rule,
            severity,
            diagnostics: Vec::new(),
        }
    }

    /// Reports a finding of the running rule at `primary`.
    pub fn report(&mut self, primary: Option<Span>, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic {
            code: self.rule.code,
            name: self.rule.name,
            severity: self.severity,
            message: message.into(),
            primary,
            primary_label: None,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            assumptions: Vec::new(),
            fix: None,
        });
        // Invariant: the vector holds at least the diagnostic pushed just above.
        #[allow(clippy::expect_used)]
        self.diagnostics
            .last_mut()
            .expect("a diagnostic was pushed just above")
    }

    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}
