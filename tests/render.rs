//! `render`: the predicted job pod as YAML with provenance, before and after admission, on the
//! founding case and on the field cases whose failures came from the runner's own containers
//! (FC03, FC09, FC17).

use k8s_openapi::api::core::v1::Pod;
use runner_doctor::admission::{
    self, AdmissionRequest, Operation, RbacAuthorizer, SccSet, UserInfo,
};
use runner_doctor::analysis::Analysis;
use runner_doctor::model::load::Inputs;
use runner_doctor::render::pod_yaml::{self, Stage};
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::read_inputs;

fn analysis(path: &str, platform: Option<&str>, version: Option<semver::Version>) -> Analysis {
    let settings = Settings {
        platform: platform.map(str::to_string),
        runner_version: version,
        ..Settings::default()
    };
    Analysis::new(
        Inputs::load(read_inputs(&[path.into()], 10 << 20)),
        settings,
    )
}

/// The rendered YAML read back by the loaders as one Pod.
fn reload(text: &str) -> Pod {
    let mut inputs = Inputs::default();
    inputs.add_text("rendered.yaml".into(), text.to_string());
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    let pods: Vec<&Pod> = inputs.cluster.pods().map(|(_, p)| p).collect();
    assert_eq!(pods.len(), 1, "{text}");
    pods[0].clone()
}

fn container_names(pod: &Pod) -> (Vec<String>, Vec<String>) {
    let spec = pod.spec.as_ref().expect("spec");
    (
        spec.init_containers
            .iter()
            .flatten()
            .map(|c| c.name.clone())
            .collect(),
        spec.containers.iter().map(|c| c.name.clone()).collect(),
    )
}

#[test]
fn the_example_renders_with_provenance_and_reads_back_for_admission() {
    let a = analysis("examples/openshift-pvc-cache", None, None);
    let text = pod_yaml::render(&a, None, Stage::Submitted);
    assert!(text.contains(
        "fsGroup: 1000  # <- runners[0].kubernetes.pod_security_context.fs_group (examples/openshift-pvc-cache/configmap.yaml:36)"
    ), "{text}");
    insta::assert_snapshot!("example_submitted", text);

    // The rendered pod is valid input for admission and gets the same verdict.
    let pod = reload(&text);
    let inputs = Inputs::load(read_inputs(
        &["examples/openshift-pvc-cache".into()],
        10 << 20,
    ));
    let mut sccs: Vec<_> = SccSet::platform("openshift-4.14")
        .expect("4.14")
        .iter()
        .cloned()
        .collect();
    sccs.extend(inputs.cluster.sccs().map(|(_, s)| s.clone()));
    let mut authz = RbacAuthorizer::new();
    let (roles, bindings) = admission::platform::default_rbac("openshift-4.14");
    roles.into_iter().for_each(|r| {
        authz.add_cluster_role(r);
    });
    bindings.into_iter().for_each(|b| {
        authz.add_cluster_role_binding(b);
    });
    inputs.cluster.cluster_roles().for_each(|(_, r)| {
        authz.add_cluster_role(r.clone());
    });
    inputs.cluster.role_bindings().for_each(|(_, b)| {
        authz.add_role_binding(b.clone());
    });
    let namespace = inputs
        .cluster
        .namespace("ci-team", None)
        .map(|(_, n)| n.clone());
    let mut user = UserInfo::service_account("ci-team", "gitlab-runner-app-sa");
    user.groups.push("system:authenticated".into());
    let outcome = admission::admit(&AdmissionRequest {
        pod: &pod,
        namespace: namespace.as_ref(),
        namespace_name: Some("ci-team"),
        user: &user,
        authorizer: &authz,
        sccs: &SccSet::new(sccs),
        operation: Operation::Create,
        options: Default::default(),
    });
    assert_eq!(outcome.scc(), Some("team-runner-build"));

    let admitted = pod_yaml::render(&a, None, Stage::Admitted);
    assert!(
        admitted.contains("openshift.io/scc: \"team-runner-build\""),
        "{admitted}"
    );
    let pod = reload(&admitted);
    let se = pod
        .spec
        .as_ref()
        .and_then(|s| s.security_context.as_ref())
        .and_then(|s| s.se_linux_options.as_ref());
    assert_eq!(se.and_then(|o| o.level.as_deref()), Some("s0:c26,c15"));
    insta::assert_snapshot!("example_admitted", admitted);
}

#[test]
fn fc03_a_pod_wide_non_root_context_reaches_the_runners_own_containers() {
    let a = analysis(
        "tests/fixtures/render/fc03-non-root-pod-security-context",
        Some("kubernetes"),
        None,
    );
    let text = pod_yaml::render(&a, None, Stage::Submitted);
    let pod = reload(&text);
    let (init, containers) = container_names(&pod);
    assert_eq!(init, ["init-permissions"]);
    assert_eq!(containers, ["build", "helper"]);
    let spec = pod.spec.as_ref().expect("spec");
    let pod_sc = spec
        .security_context
        .as_ref()
        .expect("pod security context");
    assert_eq!(
        (pod_sc.run_as_user, pod_sc.run_as_non_root),
        (Some(65000), Some(true))
    );
    // Without a container-level override the init container runs as the pod's user too.
    let init_sc = spec
        .init_containers
        .as_ref()
        .and_then(|c| c[0].security_context.as_ref());
    assert!(
        init_sc
            .and_then(|s| s.run_as_user)
            .is_none_or(|u| u == 65000)
    );
    let access = a.predictions[0]
        .representative()
        .access
        .as_ref()
        .expect("access");
    assert_eq!(access.identities["init-permissions"].uid, 65000);
    assert_eq!(access.identities["helper"].uid, 65000);
    insta::assert_snapshot!("fc03", text);
}

#[test]
fn fc09_the_disable_umask_flag_adds_the_uid_gid_collector() {
    let a = analysis(
        "tests/fixtures/render/fc09-disable-umask-init-container",
        Some("kubernetes"),
        None,
    );
    let text = pod_yaml::render(&a, None, Stage::Submitted);
    let pod = reload(&text);
    let (init, _) = container_names(&pod);
    assert_eq!(init, ["init-build-uid-gid-collector", "init-permissions"]);
    let collector = &pod
        .spec
        .as_ref()
        .expect("spec")
        .init_containers
        .as_ref()
        .expect("init")[0];
    let sc = collector
        .security_context
        .as_ref()
        .expect("build's security context");
    assert_eq!((sc.run_as_user, sc.run_as_group), (Some(1000), Some(1000)));
    insta::assert_snapshot!("fc09", text);
}

#[test]
fn fc17_allow_privilege_escalation_reaches_init_permissions_only_in_later_runners() {
    let path = "tests/fixtures/render/fc17-init-permissions-privilege-escalation";
    let init_ape = |version: Option<semver::Version>| {
        let a = analysis(path, Some("kubernetes"), version);
        let pod = reload(&pod_yaml::render(&a, None, Stage::Submitted));
        let spec = pod.spec.expect("spec");
        let init = &spec.init_containers.expect("init")[0];
        assert_eq!(init.name, "init-permissions");
        init.security_context
            .as_ref()
            .and_then(|s| s.allow_privilege_escalation)
    };
    assert_eq!(init_ape(Some(semver::Version::new(14, 8, 0))), None);
    assert_eq!(init_ape(None), Some(false));
    let a = analysis(path, Some("kubernetes"), None);
    insta::assert_snapshot!("fc17", pod_yaml::render(&a, None, Stage::Submitted));
}

#[test]
fn a_job_file_shapes_the_pod() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args([
            "render",
            "examples/openshift-pvc-cache",
            "--job",
            "tests/fixtures/render/jobs/kaniko.yaml",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let pod = reload(&text);
    let (_, containers) = container_names(&pod);
    // A service with an alias is named after it (`svc-N` only without one).
    assert_eq!(containers, ["build", "helper", "db"]);
    let build = &pod.spec.as_ref().expect("spec").containers[0];
    assert_eq!(
        build.image.as_deref(),
        Some("gcr.io/kaniko-project/executor:debug")
    );
    // A pipeline job by name, and an unknown one.
    let run = |job: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
            .args(["render", "examples/openshift-pvc-cache", "--job", job])
            .output()
            .expect("runs")
    };
    let by_name = run("build-image");
    assert_eq!(by_name.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&by_name.stdout).contains("quay.io/podman/stable:latest"));
    assert_eq!(run("no-such-job").status.code(), Some(2));
}
