//! Secrets canary: recognisable fake credentials sit in every place a secret can sit (runner
//! tokens, cache credentials, Secret data, registry auths, URLs with a password, token-like
//! `environment` entries, Helm values, the Operator `Runner`), and no output of any command, in
//! any format, nor any error message or debug output, may contain one of them.
//!
//! The canaries are fake; each one is unique, so a failure names the place that leaked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Canaries in plain text. Every one of them must stay out of every output.
const CANARIES: &[&str] = &[
    "glrt-CANARYTOKEN0001",
    "glrt-CANARYTOKEN0002",
    "glrt-CANARYTOKEN0003",
    "glrt-CANARYTOKEN0005",
    "glrt-CANARYTOKEN0006",
    "glrt-CANARYTOKEN0007",
    "glrt-CANARYTOKEN0008",
    "CANARYREG0001",
    "CANARYREG0002",
    "CANARY_S3_ACCESS",
    "CANARY_S3_SECRET",
    "CANARYGCSKEY",
    "CANARYAZUREKEY",
    "CANARYBEARER",
    "CANARYPW1",
    "CANARYPW2",
    "CANARYPW3",
    "CANARYENV0001",
    "CANARYENV0002",
    "CANARYCIVAR",
    "CANARYPODENV",
    "CANARYTYPO",
    "CANARYSESSION",
    "glpat-CANARYVALUE0001",
    "gldt-CANARYVALUE0002",
    "glptt-CANARYVALUE0003",
    // Values the parsers do not keep: the second of a duplicate key, a line a YAML syntax
    // error stops at. Their lines are still shown in snippets.
    "glrt-CANARYDUPLICATE1",
    "glrt-CANARYDUPLICATE2",
    "CANARYDUPS3SECRET",
    "glrt-CANARYDUPCONFIGMAP",
    "glrt-CANARYDUPHELM",
    "CANARYYAMLERRORPW",
    "glrt-CANARYFLOWMAP1",
    "CANARYJSONTRAILING",
    "CANARYINLINEDUP2",
    "CANARYENVDUP2",
    "CANARYURLPASSWORD",
];

/// A tiny base64 encoder, so the test has no extra dependency.
fn base64(data: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = data.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The base64 forms that must not appear either (Secret `data`, registry `auth`).
fn encoded_canaries() -> Vec<String> {
    let auth = base64("ciuser:CANARYPW4");
    let dockerconfig = format!(r#"{{"auths":{{"registry.example.com":{{"auth":"{auth}"}}}}}}"#);
    vec![
        base64("glrt-CANARYTOKEN0004"),
        auth.clone(),
        base64(&dockerconfig),
        "CANARYPW4".into(),
        "glrt-CANARYTOKEN0004".into(),
    ]
}

const CONFIG_TOML: &str = r#"concurrent = 4
[[runners]]
  name = "canary"
  url = "https://ciuser:CANARYPW1@gitlab.example.com"
  token = "glrt-CANARYTOKEN0001"
  executor = "kubernetes"
  environment = ["CI_TOKEN=CANARYENV0001", "HTTP_PROXY=http://proxyuser:CANARYPW2@proxy.example.com:8080", "REGISTRY_PASSWORD=CANARYENV0002", "DEPLOY=glpat-CANARYVALUE0001"]
  [runners.cache]
    Type = "s3"
    Shared = true
    [runners.cache.s3]
      ServerAddress = "s3.example.com"
      AccessKey = "CANARY_S3_ACCESS"
      SecretKey = "CANARY_S3_SECRET"
      SessionToken = "CANARYSESSION"
      BucketName = "cache"
    [runners.cache.gcs]
      AccessID = "cache@project.iam.gserviceaccount.com"
      PrivateKey = "-----BEGIN PRIVATE KEY-----CANARYGCSKEY-----END PRIVATE KEY-----"
    [runners.cache.azure]
      AccountName = "account"
      AccountKey = "CANARYAZUREKEY"
  [runners.kubernetes]
    host = "https://kube:CANARYPW3@api.example.com:6443"
    bearer_token = "CANARYBEARER"
    namespace = "ci"
    privileged = true
    [[runners.kubernetes.volumes.pvc]]
      name = "cache"
      mount_path = "/cache"
"#;

/// A wrong type where a token goes, and a misspelt token key: error messages quote values.
const BROKEN_TOML: &str = r#"[[runners]]
  name = "broken"
  token = ["glrt-CANARYTOKEN0007"]
  tokn = "CANARYTYPO"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "ci"
"#;

/// An unterminated string holding a token: the syntax error must not quote it.
const SYNTAX_TOML: &str = "[[runners]]\n  name = \"syntax\"\n  token = \"glrt-CANARYTOKEN0008\n  executor = \"kubernetes\"\n";

/// Duplicate keys: `toml` keeps the first of each and reports the second.
const DUPLICATE_TOML: &str = r#"[[runners]]
  name = "duplicate"
  url = "https://gitlab.example.com/"
  token = "glrt-CANARYDUPLICATE1"
  token = "glrt-CANARYDUPLICATE2"
  executor = "kubernetes"
  [runners.cache]
    Type = "s3"
    [runners.cache.s3]
      SecretKey = "CANARY_S3_SECRET"
      SecretKey = "CANARYDUPS3SECRET"
"#;

const DUPLICATE_CONFIGMAP: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: duplicate
data:
  config.toml: |
    [[runners]]
      token = "glrt-CANARYTOKEN0001"
      token = "glrt-CANARYDUPCONFIGMAP"
"#;

const DUPLICATE_HELM: &str = r#"gitlabUrl: https://gitlab.example.com/
runners:
  config: |
    [[runners]]
      token = "glrt-CANARYTOKEN0002"
      token = "glrt-CANARYDUPHELM"
"#;

/// A YAML syntax error on the line of a secret value: the parser stops there.
const SYNTAX_SECRET_YAML: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\nstringData:\n  password: CANARYYAMLERRORPW: x\n";

/// Secrets a broken line holds past its first key: in a flow mapping, in one-line JSON, in an
/// inline table with a duplicate key, in a `NAME=value` string of a duplicated `environment`,
/// in a URL (the YAML document is broken by its last line).
const FLOW_SECRET_YAML: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: flow}\nstringData: {token: glrt-CANARYFLOWMAP1: x}\n";
const JSON_SECRET: &str = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"stringData\":{\"token\":\"CANARYJSONTRAILING\",}\n";
const INLINE_DUPLICATE_TOML: &str = r#"[[runners]]
  executor = "kubernetes"
  cache = { Type = "s3", s3 = { SecretKey = "CANARY_S3_SECRET", SecretKey = "CANARYINLINEDUP2" } }
  environment = ["AWS_SECRET_ACCESS_KEY=CANARY_S3_ACCESS"]
  environment = ["DOCKER_AUTH_CONFIG={\"auths\":{\"r\":{\"auth\":\"CANARYENVDUP2\"}}}"]
"#;
const URL_SECRET_YAML: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: url}\ndata:\n  endpoint: https://user:CANARYURLPASSWORD@proxy.example.com/\n  broken: [\n";

fn configmap_yaml() -> String {
    r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: runner-config
  namespace: ci
data:
  config.toml: |
    concurrent = 2
    [[runners]]
      name = "cm"
      url = "https://gitlab.example.com"
      token = "glrt-CANARYTOKEN0002"
      executor = "kubernetes"
      [runners.kubernetes]
        namespace = "ci"
        privileged = true
  other.toml: "[[runners]]\n  name = \"quoted\"\n  token = \"glrt-CANARYTOKEN0003\"\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    namespace = \"ci\"\n"
"#
    .to_string()
}

fn secrets_yaml() -> String {
    let auth = base64("ciuser:CANARYPW4");
    let dockerconfig = format!(r#"{{"auths":{{"registry.example.com":{{"auth":"{auth}"}}}}}}"#);
    format!(
        r#"apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata:
    name: runner-token
    namespace: ci
  type: Opaque
  data:
    runner-token: {token}
  stringData:
    runner-registration-token: CANARYREG0001
- apiVersion: v1
  kind: Secret
  metadata:
    name: registry
    namespace: ci
  type: kubernetes.io/dockerconfigjson
  data:
    .dockerconfigjson: {docker}
"#,
        token = base64("glrt-CANARYTOKEN0004"),
        docker = base64(&dockerconfig),
    )
}

const HELM_VALUES: &str = r#"gitlabUrl: https://gitlab.example.com/
runnerToken: glrt-CANARYTOKEN0005
runnerRegistrationToken: CANARYREG0002
rbac:
  create: true
runners:
  config: |
    [[runners]]
      token = "glrt-CANARYTOKEN0005"
      [runners.kubernetes]
        namespace = "ci"
        privileged = true
"#;

const OPERATOR_RUNNER: &str = r#"apiVersion: apps.gitlab.com/v1beta2
kind: Runner
metadata:
  name: team
  namespace: ci
spec:
  gitlabUrl: https://gitlab.example.com
  token: runner-token
  config: runner-config
"#;

const PIPELINE: &str = r#"variables:
  CI_TOKEN: CANARYCIVAR
  LOGIN: gldt-CANARYVALUE0002
build:
  image: quay.io/buildah/stable
  script:
    - buildah bud -t app .
"#;

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: ci
spec:
  containers:
  - name: app
    image: registry.example.com/app
    env:
    - name: RUNNER_TOKEN
      value: glrt-CANARYTOKEN0006
    - name: API_PASSWORD
      value: CANARYPODENV
    - name: TRIGGER
      value: glptt-CANARYVALUE0003
    securityContext:
      privileged: true
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the inputs into a directory of the test's own (tests run in parallel).
fn write_inputs(test: &str) -> PathBuf {
    let dir = scratch(&format!("secrets_canary/{test}"));
    let files: Vec<(&str, String)> = vec![
        ("config.toml", CONFIG_TOML.into()),
        ("broken.toml", BROKEN_TOML.into()),
        ("syntax.toml", SYNTAX_TOML.into()),
        ("configmap.yaml", configmap_yaml()),
        ("secrets.yaml", secrets_yaml()),
        ("values.yaml", HELM_VALUES.into()),
        ("runner.yaml", OPERATOR_RUNNER.into()),
        (".gitlab-ci.yml", PIPELINE.into()),
        ("pod.yaml", POD.into()),
        ("duplicate.toml", DUPLICATE_TOML.into()),
        ("duplicate-configmap.yaml", DUPLICATE_CONFIGMAP.into()),
        ("duplicate-values.yaml", DUPLICATE_HELM.into()),
        ("syntax-secret.yaml", SYNTAX_SECRET_YAML.into()),
        ("flow-secret.yaml", FLOW_SECRET_YAML.into()),
        ("secret.json", JSON_SECRET.into()),
        ("inline-duplicate.toml", INLINE_DUPLICATE_TOML.into()),
        ("url-secret.yaml", URL_SECRET_YAML.into()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .current_dir(dir)
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "1")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap()
}

/// Every file, named explicitly: dot files such as `.gitlab-ci.yml` are not found by a walk.
const FILES: &[&str] = &[
    "config.toml",
    "broken.toml",
    "syntax.toml",
    "configmap.yaml",
    "secrets.yaml",
    "values.yaml",
    "runner.yaml",
    ".gitlab-ci.yml",
    "pod.yaml",
    "duplicate.toml",
    "duplicate-configmap.yaml",
    "duplicate-values.yaml",
    "syntax-secret.yaml",
    "flow-secret.yaml",
    "secret.json",
    "inline-duplicate.toml",
    "url-secret.yaml",
];

fn leaks(output: &Output) -> Vec<String> {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut all: Vec<String> = CANARIES.iter().map(|s| s.to_string()).collect();
    all.extend(encoded_canaries());
    let mut found: Vec<String> = all
        .into_iter()
        .filter(|c| text.contains(c.as_str()))
        .collect();
    // The runner names job pods after a token's first nine characters, lower-cased
    // (`runner-canarytok-project-…`): that prefix must not show either.
    if text.to_ascii_lowercase().contains("canarytok") {
        found.push("the short token `canarytok` (in a pod name?)".into());
    }
    found
}

fn assert_no_leak(dir: &Path, args: &[&str]) -> Output {
    let output = run(dir, args);
    let leaked = leaks(&output);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| leaked.iter().any(|c| l.contains(c.as_str())))
        .collect();
    assert!(
        leaked.is_empty(),
        "`runner-doctor {}` leaked {leaked:?} in:\n{}",
        args.join(" "),
        lines.join("\n")
    );
    output
}

fn with_files<'a>(head: &[&'a str]) -> Vec<&'a str> {
    head.iter().copied().chain(FILES.iter().copied()).collect()
}

#[test]
fn check_in_every_format_leaks_nothing() {
    let dir = write_inputs("check_in_every_format_leaks_nothing");
    for format in ["human", "concise", "json", "sarif", "gitlab", "junit"] {
        let output = assert_no_leak(&dir, &with_files(&["check", "--format", format]));
        // The run read the inputs and found things: a silent run would prove nothing.
        assert!(
            !output.stdout.is_empty(),
            "`check --format {format}` printed nothing"
        );
    }
    // Every rule, pedantic ones included.
    assert_no_leak(&dir, &with_files(&["check", "--select", "ALL"]));
    assert_no_leak(&dir, &with_files(&["check", "--select", "pedantic"]));
}

#[test]
fn check_output_files_leak_nothing() {
    let dir = write_inputs("check_output_files_leak_nothing");
    let mut args = vec!["check", "--quiet"];
    for (format, file) in [
        ("json", "out.json"),
        ("sarif", "out.sarif"),
        ("gitlab", "out.gitlab.json"),
        ("junit", "out.xml"),
    ] {
        args.push("--output");
        let spec: &'static str = Box::leak(format!("{format}={file}").into_boxed_str());
        args.push(spec);
    }
    let output = run(&dir, &with_files(&args));
    assert!(leaks(&output).is_empty(), "leaked {:?}", leaks(&output));
    for file in ["out.json", "out.sarif", "out.gitlab.json", "out.xml"] {
        let text = std::fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("--output did not write {file}: {e}"));
        assert!(!text.is_empty(), "{file} is empty");
        for canary in CANARIES {
            assert!(!text.contains(canary), "{file} leaked {canary}");
        }
    }
}

#[test]
fn render_access_admit_and_explain_leak_nothing() {
    let dir = write_inputs("render_access_admit_and_explain_leak_nothing");
    let render = assert_no_leak(&dir, &with_files(&["render"]));
    assert!(!render.stdout.is_empty(), "render printed nothing");
    assert_no_leak(&dir, &with_files(&["render", "--admitted"]));
    assert_no_leak(&dir, &with_files(&["render", "--job", "build"]));
    assert_no_leak(&dir, &with_files(&["access"]));
    assert_no_leak(&dir, &with_files(&["access", "--format", "json"]));
    assert_no_leak(&dir, &with_files(&["access", "--job", "build"]));
    assert_no_leak(&dir, &with_files(&["admit"]));
    assert_no_leak(&dir, &with_files(&["admit", "--format", "json"]));
    for rule in ["RD001", "RD101", "no-such-rule"] {
        assert_no_leak(&dir, &["explain", rule]);
    }
    // A directory walk (which skips dot files) and standard input.
    assert_no_leak(&dir, &["check", "."]);
}

#[test]
fn error_paths_leak_nothing() {
    let dir = write_inputs("error_paths_leak_nothing");
    // Bad flags next to secret-bearing inputs, a missing file, a bad --assume.
    assert_no_leak(&dir, &with_files(&["check", "--assume", "nonsense"]));
    assert_no_leak(&dir, &with_files(&["check", "missing.toml"]));
    assert_no_leak(&dir, &with_files(&["check", "--max-input-size", "10"]));
    for file in FILES {
        assert_no_leak(&dir, &["check", "--select", "ALL", file]);
        assert_no_leak(&dir, &["render", file]);
    }
}

#[test]
fn standard_input_leaks_nothing() {
    let dir = write_inputs("standard_input_leaks_nothing");
    // Each alone too: a file with nothing usable in it takes another path (exit code 2).
    for text in [
        CONFIG_TOML,
        BROKEN_TOML,
        SYNTAX_TOML,
        HELM_VALUES,
        DUPLICATE_TOML,
        DUPLICATE_CONFIGMAP,
        DUPLICATE_HELM,
        SYNTAX_SECRET_YAML,
        FLOW_SECRET_YAML,
        JSON_SECRET,
        INLINE_DUPLICATE_TOML,
        URL_SECRET_YAML,
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
            .current_dir(&dir)
            .args(["check", "--select", "ALL", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let leaked = leaks(&output);
        assert!(leaked.is_empty(), "stdin leaked {leaked:?}");
    }
}

#[test]
fn base64_encoder_is_right() {
    assert_eq!(base64("ciuser:pw"), "Y2l1c2VyOnB3");
    assert_eq!(base64("a"), "YQ==");
    assert_eq!(base64("ab"), "YWI=");
}
