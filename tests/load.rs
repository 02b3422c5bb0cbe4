//! Loading: recognition by content, spans through an embedded ConfigMap TOML, bad inputs.

use std::path::PathBuf;

use runner_doctor::model::load::{ConfigOrigin, Inputs, ProblemKind};
use runner_doctor::source::Span;
use runner_doctor::source::discover::{DEFAULT_MAX_INPUT_SIZE, read_inputs};
use runner_doctor::source::tree::Seg;

fn example() -> Inputs {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/openshift-pvc-cache");
    Inputs::load(read_inputs(&[dir], DEFAULT_MAX_INPUT_SIZE))
}

/// The host line and column (1-based, in characters) a span of an embedded source maps to.
fn host_position(inputs: &Inputs, span: Span) -> (String, usize, usize, String) {
    let (host, exact) = inputs.sources.to_host(span);
    assert!(exact, "block scalars map exactly");
    let file = inputs.sources.get(host.source);
    let (line, col) = file.lines.line_col(&file.text, host.range.start as usize);
    let name = file.path.file_name().unwrap().to_string_lossy().to_string();
    (
        name,
        line,
        col,
        file.text[host.range.as_range()].to_string(),
    )
}

#[test]
fn the_example_loads_every_kind_of_input() {
    let inputs = example();
    assert!(inputs.problems.is_empty(), "{:?}", inputs.problems);
    assert_eq!(inputs.configs.len(), 1);
    assert_eq!(
        inputs.configs[0].origin,
        ConfigOrigin::ConfigMap {
            name: "team-runner-config".into(),
            key: "config.toml".into()
        }
    );
    assert_eq!(inputs.pipelines.len(), 1);
    let kinds: Vec<&str> = inputs
        .cluster
        .objects
        .iter()
        .map(|o| o.kind_name())
        .collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "ServiceAccount",
            "SecurityContextConstraints",
            "ClusterRole",
            "RoleBinding",
            "PersistentVolumeClaim",
            "PersistentVolume",
            "StorageClass",
            "CSIDriver",
            "ConfigMap",
            "Runner"
        ]
    );
}

#[test]
fn embedded_toml_spans_point_at_the_configmap_line_despite_french_comments() {
    let inputs = example();
    let config = &inputs.configs[0];
    let path = [
        Seg::Key("runners"),
        Seg::Index(0),
        Seg::Key("kubernetes"),
        Seg::Key("pod_security_context"),
        Seg::Key("fs_group"),
    ];
    let (_, value) = config.root.key_value_range(&path).unwrap();
    let at = host_position(&inputs, Span::new(config.source, value));
    assert_eq!(at, ("configmap.yaml".into(), 36, 22, "1000".into()));

    // After the lines with multi-byte characters ("gérer", "autorité").
    let volumes = [
        Seg::Key("runners"),
        Seg::Index(0),
        Seg::Key("kubernetes"),
        Seg::Key("volumes"),
        Seg::Key("secret"),
        Seg::Index(0),
        Seg::Key("mount_path"),
    ];
    let (_, value) = config.root.key_value_range(&volumes).unwrap();
    let at = host_position(&inputs, Span::new(config.source, value));
    assert_eq!(
        at,
        (
            "configmap.yaml".into(),
            48,
            24,
            "\"/etc/gitlab-runner/certs/\"".into()
        )
    );
}

#[test]
fn bad_inputs_are_problems_and_the_rest_is_still_read() {
    let mut inputs = Inputs::default();
    inputs.add_text("broken.yaml".into(), "a: [1, 2\nb: {\n".into());
    inputs.add_text(
        "broken.toml".into(),
        "[[runners]]\nname = \"x\"\nexecutor = \n".into(),
    );
    inputs.add_text(
        "cm.yaml".into(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  config.toml: |\n    [[runners]]\n    name = \"x\n".into(),
    );
    inputs.add_text(
        "thing.yaml".into(),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n".into(),
    );
    inputs.add_text(
        "sa.yaml".into(),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: [not, a, string]\n".into(),
    );
    let kinds: Vec<ProblemKind> = inputs.problems.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            ProblemKind::YamlSyntax,
            ProblemKind::TomlSyntax,
            ProblemKind::TomlSyntax,
            ProblemKind::InvalidObject
        ]
    );
    // The raw config with an error still yields its readable part, and so does the ConfigMap.
    assert_eq!(inputs.configs.len(), 2);
    // The unknown kind is kept (it is not an error to have other objects around).
    assert!(
        inputs
            .cluster
            .objects
            .iter()
            .any(|o| o.kind_name() == "Widget")
    );
    // The embedded TOML error points into cm.yaml, at the unterminated string's line.
    let problem = &inputs.problems[2];
    let (host, _) = inputs.sources.to_host(problem.span.unwrap());
    let file = inputs.sources.get(host.source);
    assert_eq!(
        file.lines.line_col(&file.text, host.range.start as usize).0,
        7
    );
}

#[test]
fn secret_values_never_enter_the_model() {
    let mut inputs = Inputs::default();
    inputs.add_text(
        "s.yaml".into(),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  runner-token: glrt-SECRETCANARY\n".into(),
    );
    let object = &inputs.cluster.objects[0];
    assert!(!format!("{:?}", object.node).contains("SECRETCANARY"));
    assert!(!format!("{:?}", object.kind).contains("SECRETCANARY"));
}
