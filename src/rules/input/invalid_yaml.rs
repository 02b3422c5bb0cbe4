use crate::model::load::ProblemKind;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports YAML syntax errors, and YAML that runner-doctor refuses to expand (alias bombs,
    /// nesting deeper than 256 levels). Documents before the error are still checked.
    ///
    /// ## Why is this bad?
    /// `oc apply` and Helm refuse the file; whatever it was meant to change is not deployed.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: [team
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// metadata:
    ///   name: team
    /// ```
    ///
    /// ## References
    /// - [YAML 1.2.2](https://yaml.org/spec/1.2.2/)
    pub static INVALID_YAML = {
        code: "RD003",
        name: "invalid-yaml",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    super::report_problems(cx, ProblemKind::YamlSyntax);
}
