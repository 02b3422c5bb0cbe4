use crate::model::load::ProblemKind;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an input that is none of the things runner-doctor reads: a runner
    /// `config.toml`, a Kubernetes object, Helm chart values, or a `.gitlab-ci.yml`.
    ///
    /// ## Why is this bad?
    /// It is skipped, so whatever it was expected to contribute is missing from the prediction.
    ///
    /// ## Example
    /// ```yaml
    /// name: team-runner
    /// image: alpine
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: team-runner
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner: advanced configuration](https://docs.gitlab.com/runner/configuration/advanced-configuration/)
    /// - [GitLab Runner Helm chart](https://docs.gitlab.com/runner/install/kubernetes/)
    pub static UNRECOGNISED_INPUT = {
        code: "RD005",
        name: "unrecognised-input",
        group: Advice,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    super::report_problems(cx, ProblemKind::Unrecognised);
}
