use crate::model::load::ProblemKind;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an input that could not be read: missing, not a regular file, not UTF-8 text,
    /// binary, or over the size limit.
    ///
    /// ## Why is this bad?
    /// Nothing in it was checked, so a clean result would be misleading.
    ///
    /// ## Example
    /// ```sh
    /// runner-doctor check config.tmol
    /// ```
    ///
    /// Use instead:
    /// ```sh
    /// runner-doctor check config.toml
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner: advanced configuration](https://docs.gitlab.com/runner/configuration/advanced-configuration/)
    pub static UNREADABLE_INPUT = {
        code: "RD001",
        name: "unreadable-input",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    super::report_problems(cx, ProblemKind::Unreadable);
}
