use crate::model::load::ProblemKind;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a read that `gather` (or `check --live`, or `probe`) asked of the API server and
    /// was refused (`403 Forbidden`): the verb, the resource and the namespace, as recorded in
    /// the snapshot's `GatherReport`.
    ///
    /// ## Why is this bad?
    /// The objects that read would have returned are missing from the prediction: without the
    /// SCCs, the RBAC that grants `use` on them, or the PersistentVolumes, runner-doctor models
    /// the platform's defaults instead of what the cluster really has, and a clean result may
    /// be wrong.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: runner-doctor/v1
    /// kind: GatherReport
    /// namespace: ci-team
    /// refused:
    /// - verb: list
    ///   resource: securitycontextconstraints.security.openshift.io
    /// ```
    ///
    /// Use instead: grant the gathering account the shipped read-only ClusterRoles
    /// (`kubectl apply -f deploy/in-cluster/clusterrole.yaml`, then bind them as
    /// `deploy/in-cluster/bindings.yaml` does) and gather again; the report then lists no
    /// refused read:
    /// ```yaml
    /// apiVersion: runner-doctor/v1
    /// kind: GatherReport
    /// namespace: ci-team
    /// ```
    ///
    /// ## References
    /// - [Kubernetes: RBAC authorization](https://kubernetes.io/docs/reference/access-authn-authz/rbac/)
    pub static CLUSTER_READ_REFUSED = {
        code: "RD007",
        name: "cluster-read-refused",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    super::report_problems(cx, ProblemKind::ReadRefused);
}
