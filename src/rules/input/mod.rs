//! `RD0xx`: inputs that could not be read or understood.

use crate::model::load::ProblemKind;
use crate::rules::Context;

pub(crate) mod cluster_read_refused;
pub(crate) mod invalid_object;
pub(crate) mod invalid_toml;
pub(crate) mod invalid_yaml;
pub(crate) mod unmodelled_kind;
pub(crate) mod unreadable_input;
pub(crate) mod unrecognised_input;
pub(crate) mod unrendered_template;
pub(crate) mod unused_suppression;

/// Reports each load problem of one kind at its place.
fn report_problems(cx: &mut Context, kind: ProblemKind) {
    let problems: Vec<_> = cx
        .analysis
        .inputs
        .problems
        .iter()
        .filter(|p| p.kind == kind)
        .cloned()
        .collect();
    for problem in problems {
        let diagnostic = cx.report(problem.span, problem.message.clone());
        if let Some((span, label)) = &problem.related {
            diagnostic.label(*span, label.clone());
        }
        if let Some(help) = &problem.help {
            diagnostic.help(help.clone());
        }
        if problem.span.is_none() {
            diagnostic.note(format!("in `{}`", problem.path.display()));
        }
    }
}
