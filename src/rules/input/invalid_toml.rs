use crate::model::load::ProblemKind;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports TOML syntax errors in a runner `config.toml`, including one embedded in a
    /// ConfigMap or in Helm values, at the line of the file you wrote.
    ///
    /// ## Why is this bad?
    /// GitLab Runner refuses to load a config that does not parse, and keeps running with the
    /// last one it loaded (or does not start), so the change silently never takes effect.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   name = "team
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   name = "team"
    /// ```
    ///
    /// ## References
    /// - [TOML 1.0](https://toml.io/en/v1.0.0)
    pub static INVALID_TOML = {
        code: "RD002",
        name: "invalid-toml",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    super::report_problems(cx, ProblemKind::TomlSyntax);
}
