use crate::model::load::ProblemKind;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Recognises a template (Helm `{{ }}`, shell `${ }`, ERB-like `%{ }`) given where a
    /// configuration is expected, and says so once instead of reporting a cascade of syntax
    /// errors.
    ///
    /// ## Why is this bad?
    /// Its values are only known once it is rendered; checking the template itself would report
    /// errors that are not there and miss the ones that are.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   url = "{{ .Values.gitlabUrl }}"
    ///   [runners.kubernetes]
    ///     namespace = {{ .Release.Namespace }}
    /// ```
    ///
    /// Use instead: render it first (`helm template …`) and check the output.
    /// ```toml
    /// [[runners]]
    ///   url = "https://gitlab.example.org"
    ///   [runners.kubernetes]
    ///     namespace = "ci"
    /// ```
    pub static UNRENDERED_TEMPLATE = {
        code: "RD006",
        name: "unrendered-template",
        group: Advice,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    super::report_problems(cx, ProblemKind::Template);
}
