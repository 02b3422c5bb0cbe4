use crate::model::load::ProblemKind;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Recognises a template (Helm/Go `{{ }}`, Terraform or shell `${ }`, Terraform `%{ }`
    /// directives) given where a configuration is expected, and says so once instead of
    /// reporting a cascade of syntax errors.
    ///
    /// The placeholders are masked and the TOML around them is still checked: an unknown key
    /// or a `key: value` line next to a placeholder is reported, a placeholder where a boolean
    /// belongs is not. `${NAME}` in upper case inside a string is a job variable the runner
    /// expands itself, not a placeholder. In Helm `runners.config`, `{{ }}` is expected: the
    /// chart renders it with `tpl`.
    ///
    /// ## Why is this bad?
    /// Its values are only known once it is rendered; checking the placeholders themselves
    /// would report errors that are not there, and a clean result says nothing about them.
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
    ///
    /// ## References
    /// - [Helm: `helm template`](https://helm.sh/docs/helm/helm_template/)
    /// - [GitLab Runner Helm chart](https://docs.gitlab.com/runner/install/kubernetes/)
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
