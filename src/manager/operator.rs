//! The Deployment the GitLab Runner Operator creates for a `Runner` (runner-manager.md §2.3):
//! `<name>-runner` with one container `runner`, the `-ocp` image unless `runnerImage` is set, the
//! ServiceAccount `gitlab-runner-app-sa` unless `serviceaccount` is set, no security context of
//! its own (the namespace's SCC decides; inferred, the Operator's Go source has no public mirror),
//! then the `podSpec` patches applied in order.

use serde_json::{Value, json};

use super::facts::operator as facts;
use super::{FieldSource, ManagerOrigin, ManagerPod, Provenance};
use crate::diagnostic::Assumption;
use crate::model::cluster::{ClusterObject, OperatorRunner};
use crate::settings::Settings;
use crate::source::Span;
use crate::source::tree::Seg;

pub(super) fn synthesize(
    settings: &Settings,
    index: usize,
    object: &ClusterObject,
    runner: &OperatorRunner,
) -> ManagerPod {
    let name = object.name().to_string();
    let namespace = object.namespace().unwrap_or("default").to_string();
    let mut provenance = Vec::new();
    let mut assumptions = Vec::new();
    let key = |path: &[&str]| -> Option<FieldSource> {
        let segs: Vec<Seg<'_>> = path.iter().map(|k| Seg::Key(k)).collect();
        let (range, _) = object.node.key_value_range(&segs)?;
        Some(FieldSource::Key {
            key: path.join("."),
            span: Span::new(object.source, range),
        })
    };
    // The source of a field just read from the resource; see `Values::written` in helm.rs.
    let written = |path: &[&str]| {
        key(path)
            .unwrap_or_else(|| FieldSource::Assumed(format!("`{}` of the Runner", path.join("."))))
    };
    let mut mark = |path: &str, source: FieldSource| {
        provenance.push(Provenance {
            pod_path: path.to_string(),
            source,
        })
    };

    let (runner_version, _) = settings.runner_version();
    let image = match &runner.spec.runner_image {
        Some(image) => {
            mark(
                "spec.containers[0].image",
                written(&["spec", "runnerImage"]),
            );
            image.clone()
        }
        None => {
            let image = format!("{}:v{runner_version}", facts::RUNNER_IMAGE);
            mark(
                "spec.containers[0].image",
                FieldSource::OperatorDefault(
                    "`RELATED_IMAGE_GITLAB_RUNNER`, `runnerImage` absent".into(),
                ),
            );
            image
        }
    };
    let service_account = match &runner.spec.serviceaccount {
        Some(sa) => {
            mark(
                "spec.serviceAccountName",
                written(&["spec", "serviceaccount"]),
            );
            sa.clone()
        }
        None => {
            mark(
                "spec.serviceAccountName",
                FieldSource::OperatorDefault(format!(
                    "`{}`, the ServiceAccount a fresh install creates (`serviceaccount` absent)",
                    facts::SERVICE_ACCOUNT
                )),
            );
            assumptions.push(Assumption::new(
                "manager.serviceAccount",
                facts::SERVICE_ACCOUNT,
                "the ServiceAccount a fresh Operator install creates for the manager",
            ));
            facts::SERVICE_ACCOUNT.to_string()
        }
    };
    mark(
        "spec.securityContext",
        FieldSource::OperatorDefault(
            "no security context (inferred); the namespace's SCC assigns one".into(),
        ),
    );
    let mut env = vec![
        json!({"name": "CI_SERVER_URL", "value": runner.spec.gitlab_url.clone().unwrap_or_default()}),
    ];
    mark(
        "spec.containers[0].env[0]",
        key(&["spec", "gitlabUrl"]).unwrap_or(FieldSource::OperatorDefault(
            "`gitlabUrl` is required".into(),
        )),
    );
    for (name, value) in facts::ENV_DEFAULTS {
        mark(
            &format!("spec.containers[0].env[{}]", env.len()),
            FieldSource::OperatorDefault(format!(
                "`{name}` (inferred from gitlab-runner-operator#229)"
            )),
        );
        env.push(json!({"name": name, "value": value}));
    }
    let labels = json!({"app.kubernetes.io/component": "runner", "app.kubernetes.io/name": name});
    let mut spec = json!({
        "serviceAccountName": service_account,
        "containers": [{
            "name": facts::CONTAINER,
            "image": image,
            "env": env,
        }],
    });
    if let Some(ca) = &runner.spec.ca {
        // How `tls.crt` reaches the runner is undocumented (§2.5): a Secret volume is assumed,
        // its mount path unknown.
        spec["volumes"] = json!([{"name": "custom-certs", "secret": {"secretName": ca}}]);
        mark("spec.volumes[0]", written(&["spec", "ca"]));
        assumptions.push(Assumption::new(
            "operator.ca",
            "Secret volume `custom-certs`",
            "the Operator's wiring of `ca` is undocumented (runner-manager.md §2.5)",
        ));
    }

    // `podSpec` patches (≥1.23), in order, each on the pod spec (OD L610–660).
    let patches = runner
        .spec
        .pod_spec
        .as_ref()
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, patch) in patches.iter().enumerate() {
        let text = patch
            .get("patch")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = patch
            .get("patchType")
            .and_then(Value::as_str)
            .unwrap_or("strategic");
        let parsed = crate::source::yaml::parse(text);
        let Some(doc) = parsed
            .documents
            .first()
            .filter(|_| parsed.errors.is_empty())
        else {
            continue;
        };
        let patch_value = doc.root.to_json();
        let before = spec.clone();
        match kind {
            "json" => continue, // RFC 6902 patches are not modelled here
            other => super::merge(&mut spec, &patch_value, other == "strategic"),
        }
        let mut changed = Vec::new();
        super::changed_paths(Some(&before), &spec, "spec", &mut changed);
        let segs = [Seg::Key("spec"), Seg::Key("podSpec"), Seg::Index(i)];
        let span = object
            .node
            .at(&segs)
            .map(|n| Span::new(object.source, n.range))
            .unwrap_or_else(|| object.span());
        let label = patch.get("name").and_then(Value::as_str).unwrap_or("?");
        for path in changed {
            mark(
                &path,
                FieldSource::Key {
                    key: format!("spec.podSpec[{i}] `{label}`"),
                    span,
                },
            );
        }
    }
    if spec.get("securityContext").is_some() {
        provenance.retain(|p| {
            !(p.pod_path == "spec.securityContext"
                && matches!(p.source, FieldSource::OperatorDefault(_)))
        });
    }
    // Later marks of a field win: a patch replaces what the Operator set.
    provenance.reverse();

    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"generateName": format!("{name}{}-", facts::DEPLOYMENT_SUFFIX), "namespace": namespace, "labels": labels},
        "spec": spec,
    });
    assumptions.push(Assumption::new(
        "operator.deployment",
        format!("{name}{}", facts::DEPLOYMENT_SUFFIX),
        "the Deployment name observed with Operator 1.15.1 (runner-manager.md §2.3); the pod security context is the SCC's (inferred)",
    ));
    let rbac = runner
        .spec
        .serviceaccount
        .is_none()
        .then(|| app_role(&namespace));
    ManagerPod {
        origin: ManagerOrigin::Operator {
            object: index,
            name: name.clone(),
        },
        deployment: format!("{name}{}", facts::DEPLOYMENT_SUFFIX),
        namespace: namespace.clone(),
        pod: super::to_pod(pod),
        container: facts::CONTAINER.to_string(),
        provenance,
        chart: None,
        config_mount: None,
        certs_mount: None,
        rbac,
        rbac_cluster_wide: false,
        job_namespace: Some(namespace),
        assumptions,
    }
}

/// The bundled `gitlab-runner-app-role` bound to `gitlab-runner-app-sa` (O 1.42.0 Role).
fn app_role(
    namespace: &str,
) -> (
    k8s_openapi::api::rbac::v1::Role,
    k8s_openapi::api::rbac::v1::RoleBinding,
) {
    let role = json!({
        "metadata": {"name": facts::APP_ROLE, "namespace": namespace},
        "rules": [{"apiGroups": [""], "resources": facts::APP_ROLE_RESOURCES,
                   "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}],
    });
    let binding = json!({
        "metadata": {"name": "gitlab-runner-app-rolebinding", "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": facts::APP_ROLE},
        "subjects": [{"kind": "ServiceAccount", "name": facts::SERVICE_ACCOUNT, "namespace": namespace}],
    });
    (
        serde_json::from_value(role).unwrap_or_default(),
        serde_json::from_value(binding).unwrap_or_default(),
    )
}
