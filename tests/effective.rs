//! `render --effective` and the registration merge behind it: the template's keys with the
//! source that won, environment variables of the Helm chart and the Operator winning over the
//! template, and the prediction and findings following the winner.

use runner_doctor::analysis::Analysis;
use runner_doctor::model::load::Inputs;
use runner_doctor::render::effective;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::read_inputs;

fn analysis(path: &str) -> Analysis {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let inputs = Inputs::load(read_inputs(&[path], 10 << 20));
    Analysis::new(inputs, Settings::default())
}

/// The rendered text with the checkout's absolute path removed.
fn rendered(path: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    effective::render(&analysis(path)).replace(root, "")
}

#[test]
fn the_example_shows_each_key_with_its_line_and_what_the_operator_adds() {
    let text = rendered("examples/openshift-pvc-cache");
    // Template keys keep their own line of the ConfigMap.
    assert!(
        text.contains("fs_group = 1000  # examples/openshift-pvc-cache/configmap.yaml:36\n"),
        "{text}"
    );
    // Global keys and the name never apply to a registration template.
    assert!(
        text.contains(
            "# concurrent = 200  # examples/openshift-pvc-cache/configmap.yaml:7: ignored"
        ),
        "{text}"
    );
    assert!(text.contains("# name = \"team\""), "{text}");
    // The Operator fills in its helper image, named as an assumption.
    assert!(text.contains("helper_image = \"registry.gitlab.com/gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-helper-ocp:v19.4.0\"  # the Operator: assumed"), "{text}");
    insta::assert_snapshot!("example", text);
}

#[test]
fn helm_env_vars_win_over_the_template_and_zero_values_do_not() {
    let path = "tests/fixtures/config/env-conflicts-with-template/helm_env_vars.yaml";
    let text = rendered(path);
    assert!(
        text.contains("namespace = \"ci-old\"  # KUBERNETES_NAMESPACE from chart value `envVars`"),
        "{text}"
    );
    assert!(text.contains("privileged = true  #"), "{text}");
    assert!(!text.contains("s3cr3t-canary-value"), "{text}");
    insta::assert_snapshot!("helm_env_vars", text);

    // The prediction follows the winner: the job pods go to `ci-old`, and stay privileged.
    let analysis = analysis(path);
    let prediction = &analysis.predictions[0];
    assert_eq!(prediction.namespace, "ci-old");
    let kube = prediction.entry.kubernetes.as_ref().unwrap();
    assert_eq!(kube.privileged, Some(true));
}

#[test]
fn the_release_namespace_is_never_guessed_and_secrets_are_masked() {
    let path = "tests/fixtures/effective/helm_release_namespace.yaml";
    let text = rendered(path);
    assert!(text.contains("# namespace = ?  # KUBERNETES_NAMESPACE from the chart's template, from the release namespace: the Helm release namespace"), "{text}");
    assert!(
        text.contains("privileged = true  # KUBERNETES_PRIVILEGED from chart value `extraEnv`"),
        "{text}"
    );
    assert!(!text.contains("glrt-canary-effective-token"), "{text}");
    insta::assert_snapshot!("helm_release_namespace", text);

    let analysis = analysis(path);
    let prediction = &analysis.predictions[0];
    assert_eq!(prediction.namespace, "gitlab-runner");
    assert!(
        prediction
            .assumptions
            .iter()
            .any(|a| a.key == "namespace.name" && a.origin.contains("release namespace")),
        "{:?}",
        prediction.assumptions
    );
    let kube = prediction.entry.kubernetes.as_ref().unwrap();
    assert_eq!(kube.privileged, Some(true));
}

#[test]
fn findings_about_an_overridden_key_point_at_the_variable_and_show_the_template() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/effective/helm_release_namespace.yaml");
    let report = runner_doctor::check(
        Inputs::load(read_inputs(&[path], 10 << 20)),
        Settings::default(),
    );
    // `privileged` comes from `extraEnv` only: the SCC refusal must point there.
    let rejected = report
        .diagnostics
        .iter()
        .find(|d| d.code == "RD301")
        .expect("a privileged job pod is refused by restricted-v2");
    let (_, _, location) = runner_doctor::render::locate(
        &report.analysis.inputs.sources,
        rejected.primary.expect("a span"),
    );
    assert_eq!((location.line, location.column), (6, 26));
    let text = runner_doctor::render::human::render(&report, false);
    assert!(text.contains("KUBERNETES_PRIVILEGED: \"true\""), "{text}");
    assert!(!text.contains("glrt-canary-effective-token"), "{text}");
}

#[test]
fn a_plain_config_toml_is_its_own_effective_config() {
    let text = rendered("tests/fixtures/ok/config.toml");
    assert!(
        text.contains("# the runner reads this file as it is"),
        "{text}"
    );
    assert!(!text.contains("ignored"), "{text}");
}

#[test]
fn the_runner_version_comes_from_the_chart_image_tag() {
    // `image.tag: alpine3.21-v18.4.0`: the job pods are those of runner 18.4.0, named so.
    let analysis = analysis("tests/fixtures/corpus/01-values-diff.yaml");
    let prediction = &analysis.predictions[0];
    let job_pod = prediction.representative().pod.as_ref().expect("a pod");
    assert_eq!(job_pod.runner_version, semver::Version::new(18, 4, 0));
    assert!(
        prediction
            .assumptions
            .iter()
            .any(|a| a.key == "runner.version"
                && a.value == "18.4.0"
                && a.origin.contains("`image.tag`"))
    );
    assert!(
        !analysis
            .global_assumptions
            .iter()
            .any(|a| a.key == "runner.version")
    );
}
