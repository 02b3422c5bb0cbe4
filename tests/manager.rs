//! The runner manager pod (issue 12): the Deployment the Helm chart renders and the one the
//! Operator creates, their SCC admission in OpenShift's format traced to the values keys, the
//! `Runner` fields or the chart defaults that applied (FC12, FC15), `render --manager` read back
//! by the loaders and admitted by `admit`'s own audit, and the manager's HOME and RBAC.

use runner_doctor::admission::audit::{self, AuditSettings, Platform};
use runner_doctor::analysis::Analysis;
use runner_doctor::model::load::Inputs;
use runner_doctor::render::manager_yaml;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::read_inputs;

fn fixture(name: &str) -> String {
    format!("tests/fixtures/manager/{name}")
}

fn settings(assume: &[(&str, &str)]) -> Settings {
    Settings {
        // Pinned, so that the default runner version moving on does not move the snapshots.
        runner_version: Some(semver::Version::new(18, 9, 0)),
        platform: Some("openshift-4.14".into()),
        select: vec!["RD25".into()],
        assume: assume
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Settings::default()
    }
}

fn check(name: &str, assume: &[(&str, &str)]) -> (runner_doctor::Report, String) {
    let inputs = Inputs::load(read_inputs(&[fixture(name).into()], 10 << 20));
    let report = runner_doctor::check(inputs, settings(assume));
    let out = runner_doctor::render::human::render(&report, false);
    (report, out)
}

fn analysis(name: &str) -> Analysis {
    Analysis::new(
        Inputs::load(read_inputs(&[fixture(name).into()], 10 << 20)),
        settings(&[]),
    )
}

#[test]
fn fc12_chart_defaults_are_refused_by_restricted_v2_and_named_as_defaults() {
    let (report, out) = check("fc12-chart-defaults-restricted-v2", &[]);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["RD250"], "{out}");
    // OpenShift's own items, each traced to the chart default that applied.
    assert!(out.contains("provider restricted-v2: .spec.securityContext.fsGroup: Invalid value: []int64{65533}: 65533 is not an allowed group: the field comes from chart default `65533` (values key `podSecurityContext.fsGroup` absent"), "{out}");
    assert!(out.contains("provider restricted-v2: .containers[0].runAsUser: Invalid value: 100: must be in the ranges: [1000680000, 1000689999]: the field comes from chart default `100` (values key `podSecurityContext.runAsUser` absent"), "{out}");
    assert!(out.contains("`podSecurityContext: null`"), "{out}");
    assert!(out.contains("-ocp"), "{out}");
    assert!(!out.contains("glrt-"), "the token never reaches the output");
    insta::assert_snapshot!("fc12", out);
}

#[test]
fn fc12_on_an_older_chart_uses_that_rows_defaults() {
    // Chart 0.30 (runner 13.x): the pod context still comes from `securityContext`.
    let (_, out) = check(
        "fc12-chart-defaults-restricted-v2",
        &[("chart.version", "0.30.0")],
    );
    assert!(
        out.contains("values key `securityContext.fsGroup` absent; chart <=0.40"),
        "{out}"
    );
}

#[test]
fn fc12_a_values_key_is_pointed_at_by_line() {
    let a = analysis("fc12-chart-defaults-restricted-v2");
    let m = &a.managers[0];
    assert_eq!(m.pod.service_account(), "gitlab-runner");
    let source = m
        .pod
        .source_of("spec.serviceAccountName")
        .expect("provenance");
    assert!(source.span().is_some(), "{source}");
    assert_eq!(source.to_string(), "`rbac.create`");
    // `restricted-v2` reads the container's runAsUser from the pod context.
    let inherited = m
        .pod
        .source_of("spec.containers[0].securityContext.runAsUser")
        .expect("inherited");
    assert!(
        inherited.to_string().starts_with("chart default `100`"),
        "{inherited}"
    );
}

#[test]
fn fc12_fixed_is_admitted_and_finds_its_config_and_ca() {
    let (report, out) = check("fc12-fixed-ocp-image", &[]);
    assert!(report.diagnostics.is_empty(), "{out}");
    let a = analysis("fc12-fixed-ocp-image");
    let m = &a.managers[0];
    assert_eq!(
        m.admission.as_ref().and_then(|o| o.scc()),
        Some("restricted-v2")
    );
    let id = m.identity.as_ref().expect("identity");
    assert!((1000680000..1000690000).contains(&id.uid), "{}", id.uid);
    let files = m.files.as_ref().expect("files");
    assert_eq!(files.home.0, "/home/gitlab-runner");
    assert_eq!(files.config_in_mount, Some(true));
    assert_eq!(files.certs_found, Some(true));
    assert!(m.rbac.iter().all(|c| c.allowed), "{:?}", m.rbac);
}

#[test]
fn alpine_under_an_arbitrary_uid_misses_the_chart_mounts() {
    let (report, out) = check("fc12-chart-defaults-restricted-v2", &[]);
    assert!(
        !out.contains("RD253"),
        "the refused pod has no identity: {out}"
    );
    drop(report);
    // The same values with `podSecurityContext: null` but the Alpine image.
    let text = std::fs::read_to_string(fixture("fc12-fixed-ocp-image/values.yaml")).unwrap();
    let alpine: String = text
        .lines()
        .filter(|l| {
            !l.starts_with("image:")
                && !l.starts_with("  registry")
                && !l.starts_with("  image")
                && !l.starts_with("  tag")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let mut inputs = Inputs::default();
    inputs.add_text("values.yaml".into(), alpine);
    inputs.add_text(
        "namespace.yaml".into(),
        std::fs::read_to_string(fixture("fc12-fixed-ocp-image/namespace.yaml")).unwrap(),
    );
    let report = runner_doctor::check(inputs, settings(&[]));
    let out = runner_doctor::render::human::render(&report, false);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["RD253"], "{out}");
    assert!(
        out.contains("`HOME=/`, so it keeps its config in `/.gitlab-runner`"),
        "{out}"
    );
    assert!(out.contains("where this runner does not look"), "{out}");
}

#[test]
fn fc15_operator_patch_is_refused_and_traced_to_the_pod_spec_patch() {
    let (report, out) = check("fc15-operator-pod-spec-patch", &[]);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["RD250"], "{out}");
    assert!(
        out.contains("runner.yaml:31:7"),
        "primary at the patch: {out}"
    );
    assert!(out.contains("provider restricted-v2: .spec.securityContext.fsGroup: Invalid value: []int64{1000}: 1000 is not an allowed group"), "{out}");
    assert!(
        !out.contains("glrt-"),
        "Secret data never reaches the output"
    );
    insta::assert_snapshot!("fc15", out);
}

/// `render --manager` output, read back by the loaders and admitted by `admit`'s audit with
/// the fixture's Namespace: the same verdict as the prediction.
fn render_and_readmit(name: &str, namespace_file: &str) -> (String, audit::AuditReport) {
    let a = analysis(name);
    let text = manager_yaml::render(&a);
    let mut inputs = Inputs::default();
    inputs.add_text("rendered.yaml".into(), text.clone());
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    let namespace = std::fs::read_to_string(fixture(&format!("{name}/{namespace_file}"))).unwrap();
    inputs.add_text(namespace_file.into(), namespace);
    let report = audit::audit(
        &inputs,
        &AuditSettings::new(Platform::parse("openshift-4.14").unwrap()),
    );
    assert_eq!(report.items.len(), 1, "{text}");
    (text, report)
}

#[test]
fn render_manager_reads_back_and_admit_gives_the_same_refusal() {
    let (text, report) = render_and_readmit("fc12-chart-defaults-restricted-v2", "namespace.yaml");
    assert!(text.contains("fsGroup: 65533  # <- chart default `65533` (values key `podSecurityContext.fsGroup` absent; chart >=0.74)"), "{text}");
    assert!(text.contains("serviceAccountName: \"gitlab-runner\"  # <- rbac.create (tests/fixtures/manager/fc12-chart-defaults-restricted-v2/values.yaml:6)"), "{text}");
    let item = &report.items[0];
    assert!(!item.admitted());
    let error = item
        .scc
        .as_ref()
        .and_then(|s| s.error.clone())
        .unwrap_or_default();
    assert!(error.contains("65533 is not an allowed group"), "{error}");
    insta::assert_snapshot!("fc12_render", text);

    let (_, report) = render_and_readmit("fc12-fixed-ocp-image", "namespace.yaml");
    assert!(report.items[0].admitted(), "{:?}", report.items[0]);
}

#[test]
fn render_manager_of_a_runner_resource() {
    let (text, report) = render_and_readmit("fc15-operator-pod-spec-patch", "runner.yaml");
    assert!(
        text.contains("runAsUser: 1000  # <- spec.podSpec[0] `fixed-ids`"),
        "{text}"
    );
    assert!(!report.items[0].admitted());
    insta::assert_snapshot!("fc15_render", text);
}

#[test]
fn chart_rbac_rules_missing_exec_are_reported_before_the_first_job() {
    let mut inputs = Inputs::default();
    inputs.add_text(
        "values.yaml".into(),
        "gitlabUrl: https://gitlab.example.com/\npodSecurityContext: null\nuseTini: true\nimage:\n  image: gitlab-org/ci-cd/gitlab-runner-ubi-images/gitlab-runner-ocp\n  tag: v18.9.0\nrbac:\n  create: true\n  rules:\n    - resources: [\"pods\", \"secrets\", \"pods/attach\"]\n      verbs: [\"create\", \"get\", \"delete\"]\nrunners:\n  config: |\n    [[runners]]\n".into(),
    );
    let report = runner_doctor::check(inputs, settings(&[]));
    let out = runner_doctor::render::human::render(&report, false);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["RD252"], "{out}");
    assert!(
        out.contains("may not `create` `pods/exec` in namespace `gitlab-runner`"),
        "{out}"
    );
    assert!(out.contains("add `pods/exec` to `rbac.rules`"), "{out}");
}

#[test]
fn operator_default_service_account_has_the_bundled_role() {
    let a = analysis("fc15-operator-pod-spec-patch");
    let m = &a.managers[0];
    assert_eq!(m.pod.service_account(), "gitlab-runner-app-sa");
    assert!(m.rbac_known);
    assert!(m.rbac.iter().all(|c| c.allowed), "{:?}", m.rbac);
}

#[test]
fn bad_values_never_panic() {
    for text in [
        "gitlabUrl: 1\nrbac: 3\nrunners: {config: 5}\n",
        "gitlabUrl: x\npodSecurityContext: [1, 2]\nsecurityContext: \"no\"\nimage: 7\nenvVars: {a: 1}\nvolumes: 3\nrbac: {create: true, rules: [1]}\nrunners: {}\n",
        "apiVersion: apps.gitlab.com/v1beta2\nkind: Runner\nmetadata: {name: r}\nspec:\n  gitlabUrl: x\n  token: t\n  podSpec: [{name: a, patch: \"{{{\"}, {name: b, patch: \"- 1\", patchType: merge}]\n",
    ] {
        let mut inputs = Inputs::default();
        inputs.add_text("x.yaml".into(), text.into());
        let report = runner_doctor::check(inputs, Settings::default());
        let _ = runner_doctor::render::human::render(&report, false);
        let _ = manager_yaml::render(&report.analysis);
    }
}

#[test]
fn a_root_manager_writes_its_own_config_dir_but_misses_the_mounted_ca() {
    // On vanilla Kubernetes nothing stops uid 0; the runner then uses `/etc/gitlab-runner`,
    // which it may write, while the chart mounts the CA under `/home/gitlab-runner`.
    let mut inputs = Inputs::default();
    inputs.add_text(
        "values.yaml".into(),
        "gitlabUrl: https://gitlab.example.com/\nrbac:\n  create: true\ncertsSecretName: ca\npodSecurityContext:\n  runAsUser: 0\n  fsGroup: 0\nsecurityContext:\n  runAsNonRoot: false\nrunners:\n  config: |\n    [[runners]]\n".into(),
    );
    let mut s = settings(&[]);
    s.platform = Some("kubernetes".into());
    let report = runner_doctor::check(inputs, s);
    let out = runner_doctor::render::human::render(&report, false);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["RD253"], "{out}");
    assert!(out.contains("runs as uid 0 with `HOME=/root`, so it keeps its config in `/etc/gitlab-runner`; the CA of `certsSecretName` is mounted at `/home/gitlab-runner/.gitlab-runner/certs`, where this runner does not look"), "{out}");
    assert!(
        !out.contains("cannot write `config.toml`"),
        "root may write /etc/gitlab-runner: {out}"
    );
}

/// The binary: `render --manager` to a file, then `admit` of that file with the Namespace.
fn render_then_admit_cli(name: &str) -> (String, std::process::Output) {
    let bin = env!("CARGO_BIN_EXE_runner-doctor");
    let render = std::process::Command::new(bin)
        .args([
            "render",
            "--manager",
            "--runner-version",
            "18.9.0",
            "--platform",
            "openshift-4.14",
        ])
        .arg(fixture(name))
        .output()
        .unwrap();
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    let text = String::from_utf8(render.stdout).unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("manager-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("deployment.yaml"), &text).unwrap();
    let admit = std::process::Command::new(bin)
        .args(["admit", "--platform", "openshift-4.14"])
        .arg(dir.join("deployment.yaml"))
        .arg(format!("{}/namespace.yaml", fixture(name)))
        .output()
        .unwrap();
    (text, admit)
}

#[test]
fn cli_render_manager_then_admit() {
    let (text, admit) = render_then_admit_cli("fc12-fixed-ocp-image");
    let out = String::from_utf8_lossy(&admit.stdout);
    assert!(
        text.starts_with("---\n# the manager Deployment `gitlab-runner` the Helm chart renders"),
        "{text}"
    );
    assert!(text.contains("# admitted by SCC `restricted-v2`"), "{text}");
    assert_eq!(admit.status.code(), Some(0), "{out}");
    assert!(out.contains("1 of 1 admitted"), "{out}");

    let (_, admit) = render_then_admit_cli("fc12-chart-defaults-restricted-v2");
    let out = String::from_utf8_lossy(&admit.stdout);
    assert_eq!(admit.status.code(), Some(1), "{out}");
    assert!(out.contains("65533 is not an allowed group"), "{out}");
}

#[test]
fn cli_render_manager_without_a_deployer_says_so() {
    let bin = env!("CARGO_BIN_EXE_runner-doctor");
    let out = std::process::Command::new(bin)
        .args(["render", "--manager"])
        .arg("tests/fixtures/manager/fc12-fixed-ocp-image/namespace.yaml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Helm values or `Runner` resource"));
}

const RESTRICTED_NS: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gitlab-runner\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n";

fn check_kubernetes(values: &str) -> (Vec<&'static str>, String) {
    let mut inputs = Inputs::default();
    inputs.add_text("values.yaml".into(), values.into());
    inputs.add_text("namespace.yaml".into(), RESTRICTED_NS.into());
    let mut s = settings(&[]);
    s.platform = Some("kubernetes".into());
    let report = runner_doctor::check(inputs, s);
    let out = runner_doctor::render::human::render(&report, false);
    (report.diagnostics.iter().map(|d| d.code).collect(), out)
}

#[test]
fn psa_restricted_refuses_the_chart_defaults_for_want_of_a_seccomp_profile() {
    // The chart's hardened container context meets `restricted` except for seccomp, which no
    // chart version sets (runner-manager.md §1.2).
    let (codes, out) = check_kubernetes(
        "gitlabUrl: https://gitlab.example.com/\nrbac:\n  create: true\nrunners:\n  config: |\n    [[runners]]\n",
    );
    assert_eq!(codes, ["RD251"], "{out}");
    assert!(
        out.contains("namespace `gitlab-runner` enforces Pod Security `restricted`"),
        "{out}"
    );
    assert!(out.contains("seccompProfile"), "{out}");
    assert!(
        out.contains("set `podSecurityContext.seccompProfile.type: RuntimeDefault`"),
        "{out}"
    );
    assert!(
        !out.contains("allowPrivilegeEscalation != false"),
        "the chart default sets it: {out}"
    );

    let (codes, out) = check_kubernetes(
        "gitlabUrl: https://gitlab.example.com/\nrbac:\n  create: true\npodSecurityContext:\n  seccompProfile:\n    type: RuntimeDefault\nrunners:\n  config: |\n    [[runners]]\n",
    );
    assert!(codes.is_empty(), "{out}");
}

#[test]
fn the_chart_role_lives_in_the_release_namespace_unless_cluster_wide() {
    let values = |cluster_wide: bool| {
        format!(
            "gitlabUrl: https://gitlab.example.com/\nrbac:\n  create: true\n  clusterWideAccess: {cluster_wide}\nrunners:\n  config: |\n    [[runners]]\n      [runners.kubernetes]\n        namespace = \"ci-jobs\"\n"
        )
    };
    let run = |text: String| {
        let mut inputs = Inputs::default();
        inputs.add_text("values.yaml".into(), text);
        let mut s = settings(&[]);
        s.platform = Some("kubernetes".into());
        let report = runner_doctor::check(inputs, s);
        let out = runner_doctor::render::human::render(&report, false);
        let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
        (codes, out)
    };
    let (codes, out) = run(values(false));
    assert_eq!(codes, ["RD252"], "{out}");
    assert!(out.contains("may not `create` `secrets`, `create` `pods`, `create` `pods/attach`, `create` `pods/exec` in namespace `ci-jobs`"), "{out}");
    let (codes, out) = run(values(true));
    assert!(codes.is_empty(), "a ClusterRole covers `ci-jobs`: {out}");
}

#[test]
fn only_bindings_of_the_managers_service_account_count() {
    let runner = "apiVersion: apps.gitlab.com/v1beta2\nkind: Runner\nmetadata:\n  name: r\n  namespace: ci\nspec:\n  gitlabUrl: https://gitlab.example.com\n  token: t\n  serviceaccount: custom-sa\n";
    let binding = |subject: &str| {
        format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: pods-only\n  namespace: ci\nrules:\n- apiGroups: [\"\"]\n  resources: [\"pods\", \"secrets\", \"pods/attach\"]\n  verbs: [\"create\"]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\n  namespace: ci\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: pods-only\nsubjects:\n- kind: ServiceAccount\n  name: {subject}\n  namespace: ci\n"
        )
    };
    let run = |text: String| {
        let mut inputs = Inputs::default();
        inputs.add_text("runner.yaml".into(), text);
        let mut s = settings(&[]);
        s.platform = Some("kubernetes".into());
        let report = runner_doctor::check(inputs, s);
        let out = runner_doctor::render::human::render(&report, false);
        let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
        (codes, out)
    };
    let (codes, out) = run(format!("{runner}{}", binding("someone-else")));
    assert!(
        codes.is_empty(),
        "another subject's binding says nothing: {out}"
    );
    let (codes, out) = run(format!("{runner}{}", binding("custom-sa")));
    assert_eq!(codes, ["RD252"], "{out}");
    assert!(out.contains("ServiceAccount `ci/custom-sa` of the runner manager may not `create` `pods/exec` in namespace `ci`"), "{out}");
}
