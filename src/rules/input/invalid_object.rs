use crate::model::load::ProblemKind;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a Kubernetes or OpenShift object whose fields do not have the types the API
    /// defines (a list where a string belongs, a string where a number belongs).
    ///
    /// ## Why is this bad?
    /// The API server rejects the object, and runner-doctor cannot use it for its prediction.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: [runner]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: runner
    /// ```
    ///
    /// ## References
    /// - [Kubernetes API reference](https://kubernetes.io/docs/reference/kubernetes-api/)
    pub static INVALID_OBJECT = {
        code: "RD004",
        name: "invalid-object",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    super::report_problems(cx, ProblemKind::InvalidObject);
}
