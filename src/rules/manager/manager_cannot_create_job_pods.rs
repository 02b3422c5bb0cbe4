use crate::manager::ManagerOrigin;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Evaluates the RBAC of the runner manager's ServiceAccount — the Role the Helm chart
    /// creates with `rbac.create`, the Operator's bundled `gitlab-runner-app-role`, and the
    /// Roles and bindings in the inputs — for the requests every job makes in the job
    /// namespace: `create` on `secrets`, `pods`, `pods/attach` and `pods/exec`.
    ///
    /// ## Why is this bad?
    /// The manager starts and registers, and then the first job fails with
    /// `pods is forbidden: User "system:serviceaccount:…" cannot create resource "pods"`. The
    /// chart's default is `rbac.create: false`, and a custom `rbac.rules` list easily misses a
    /// subresource (runner-manager.md §1.3).
    ///
    /// ## Example
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// rbac:
    ///   create: true
    ///   rules:
    ///     - resources: ["pods", "secrets"]
    ///       verbs: ["get", "list", "watch", "create", "delete"]
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// gitlabUrl: https://gitlab.example.com/
    /// rbac:
    ///   create: true
    ///   rules:
    ///     - resources: ["pods", "secrets", "pods/attach", "pods/exec"]
    ///       verbs: ["get", "list", "watch", "create", "patch", "delete"]
    /// runners:
    ///   config: |
    ///     [[runners]]
    /// ```
    ///
    /// ## References
    /// - [Configure runner API permissions](https://docs.gitlab.com/runner/executors/kubernetes/#configure-runner-api-permissions)
    pub static MANAGER_CANNOT_CREATE_JOB_PODS = {
        code: "RD252",
        name: "manager-cannot-create-job-pods",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for m in &analysis.managers {
        if !m.rbac_known {
            continue;
        }
        let denied: Vec<String> = m
            .rbac
            .iter()
            .filter(|c| !c.allowed)
            .map(|c| format!("`{}` `{}`", c.verb, c.resource_name()))
            .collect();
        if denied.is_empty() {
            continue;
        }
        let sa = m.pod.service_account();
        let primary = super::values_key(analysis, m, &["rbac", "rules"])
            .or_else(|| super::values_key(analysis, m, &["rbac", "create"]))
            .or_else(|| {
                m.pod
                    .source_of("spec.serviceAccountName")
                    .and_then(|s| s.span())
            })
            .or_else(|| super::anchor(analysis, m));
        let d = cx.report(
            primary,
            format!(
                "ServiceAccount `{}/{sa}` of the runner manager may not {} in namespace `{}`; the manager starts, but the first job fails with `forbidden`",
                m.pod.namespace,
                denied.join(", "),
                m.job_namespace
            ),
        );
        let role = match &m.pod.rbac {
            Some((role, _)) => format!(
                "the Role `{}` the deployment creates",
                role.metadata.name.as_deref().unwrap_or("")
            ),
            None => "no Role from the deployment".to_string(),
        };
        d.note(format!(
            "evaluated over {role} and the Roles and bindings in the inputs"
        ));
        let help = match &m.pod.origin {
            ManagerOrigin::Helm { .. } if m.pod.rbac.is_some() => format!(
                "add {} to `rbac.rules`",
                m.rbac
                    .iter()
                    .filter(|c| !c.allowed)
                    .map(|c| format!("`{}`", c.resource_name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ManagerOrigin::Helm { .. } => format!(
                "set `rbac.create: true`, or bind a Role allowing `create` on {} in namespace `{}` to ServiceAccount `{sa}`",
                m.rbac
                    .iter()
                    .filter(|c| !c.allowed)
                    .map(|c| format!("`{}`", c.resource_name()))
                    .collect::<Vec<_>>()
                    .join(", "),
                m.job_namespace
            ),
            ManagerOrigin::Operator { .. } => format!(
                "bind `gitlab-runner-app-role` (or a Role with the same rules) to ServiceAccount `{sa}` in namespace `{}`",
                m.job_namespace
            ),
        };
        d.help(help);
        super::assume_all(d, analysis, m);
    }
}
