//! The binary end to end: exit codes, `--format`, `--output`, `--quiet`, colour, a closed pipe,
//! completions and the man page. Finding counts are never asserted: rules keep being added.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const EXAMPLE: &str = "examples/openshift-pvc-cache";

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_runner-doctor"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CI_PROJECT_DIR");
    command
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const CLEAN: &str =
    "[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    namespace = \"ci\"\n";
const TYPO: &str =
    "[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    namspace = \"ci\"\n";

#[test]
fn exit_codes() {
    let dir = scratch("exit_codes");
    std::fs::write(dir.join("clean.toml"), CLEAN).unwrap();
    std::fs::write(dir.join("typo.toml"), TYPO).unwrap();
    let clean = dir.join("clean.toml");
    let typo = dir.join("typo.toml");
    // Only the rule under test, so that new rules do not change what is clean.
    let status = |args: &[&str]| run(args).status.code();
    assert_eq!(
        status(&["check", "--select", "RD101", clean.to_str().unwrap()]),
        Some(0)
    );
    assert_eq!(
        status(&["check", "--select", "RD101", typo.to_str().unwrap()]),
        Some(1)
    );
    assert_eq!(
        status(&[
            "check",
            "--select",
            "RD101",
            "--fail-on",
            "never",
            typo.to_str().unwrap()
        ]),
        Some(0)
    );
    assert_eq!(status(&["check", "no/such/file.toml"]), Some(2));
    assert_eq!(status(&["check", "--format", "xml", EXAMPLE]), Some(2));
    assert_eq!(status(&["check", "--output", "sarif", EXAMPLE]), Some(2));
    assert_eq!(
        status(&["check", "--output", "yaml=x.yaml", EXAMPLE]),
        Some(2)
    );
    // A platform without embedded SCCs, or an assumed volume root that is not UID:GID:MODE,
    // is a usage error: either would otherwise be ignored without a word.
    for args in [
        &["check", "--platform", "openshift-4.19", EXAMPLE][..],
        &["render", "--platform", "openshift-4.10", EXAMPLE][..],
        &[
            "check",
            "--assume",
            "volume.team-runner-cache.root=0:0:9999",
            EXAMPLE,
        ][..],
        &["check", "--assume", "nonsense.key=1", EXAMPLE][..],
        &["check", "--assume", "runner.version=17.0", EXAMPLE][..],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("error:"),
            "{args:?}"
        );
    }
    // Nothing to read says so.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let output = run(&["check", empty.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no runner config"));
    // An unwritable report is an error, not findings.
    let nowhere = dir.join("missing-dir/report.json");
    let output = run(&[
        "check",
        "--output",
        &format!("gitlab={}", nowhere.display()),
        EXAMPLE,
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write"));
}

#[test]
fn commands_other_than_check_name_the_file_and_line_of_what_they_could_not_read() {
    let dir = scratch("load_problems_named");
    let broken = dir.join("broken.yaml");
    std::fs::write(
        &broken,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p: q\n",
    )
    .unwrap();
    let broken = broken.to_str().unwrap();
    for args in [
        vec!["render", broken],
        vec!["render", "--effective", broken],
        vec!["access", broken],
        vec!["admit", broken],
    ] {
        let out = run(&args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("{broken}:4:10: mapping values are not allowed")),
            "{args:?}: {stderr}"
        );
    }
    // A good Pod beside a broken document: the good one is shown, the broken one named, and
    // the exit code says that something was left out.
    let mixed = dir.join("mixed.yaml");
    std::fs::write(
        &mixed,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: good, namespace: a}\nspec:\n  containers:\n  - {name: c, image: i}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: a\nspec:\n  containers:\n  - {name: c, image: i, securityContext: {privileged: true}}\n",
    )
    .unwrap();
    let mixed = mixed.to_str().unwrap();
    let out = run(&["admit", "--platform", "kubernetes", mixed]);
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout(&out).contains("Pod/good"));
    assert!(stderr.contains(&format!("{mixed}:")), "{stderr}");
}

#[test]
fn every_format_on_stdout() {
    for format in ["human", "concise", "json", "sarif", "gitlab", "junit"] {
        let output = run(&["check", "--fail-on", "never", "--format", format, EXAMPLE]);
        assert_eq!(output.status.code(), Some(0), "{format}");
        let text = stdout(&output);
        assert!(text.ends_with('\n'), "{format}");
        match format {
            "json" | "sarif" | "gitlab" => {
                serde_json::from_str::<serde_json::Value>(&text).unwrap();
            }
            "junit" => assert!(text.starts_with("<?xml version=\"1.0\"")),
            _ => {}
        }
    }
}

#[test]
fn output_writes_several_formats_in_one_run() {
    let dir = scratch("output");
    let (sarif, gitlab, junit) = (
        dir.join("report.sarif"),
        dir.join("gl-code-quality.json"),
        dir.join("junit.xml"),
    );
    let output = run(&[
        "check",
        "--fail-on",
        "info",
        "--format",
        "concise",
        "--output",
        &format!("sarif={}", sarif.display()),
        "--output",
        &format!("gitlab={}", gitlab.display()),
        "--output",
        &format!("junit={}", junit.display()),
        EXAMPLE,
    ]);
    // The example has findings at `info` at least.
    assert_eq!(output.status.code(), Some(1));
    let concise = stdout(&output);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let gitlab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&gitlab).unwrap()).unwrap();
    let junit = std::fs::read_to_string(&junit).unwrap();
    let findings = concise.lines().count();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        findings
    );
    assert_eq!(gitlab.as_array().unwrap().len(), findings);
    assert!(junit.contains("<failure "));
    // Files never carry colour, even when standard output does.
    let human = dir.join("report.txt");
    run(&[
        "check",
        "--color",
        "always",
        "--output",
        &format!("human={}", human.display()),
        EXAMPLE,
    ]);
    assert!(!std::fs::read_to_string(&human).unwrap().contains('\x1b'));
}

#[test]
fn quiet_prints_nothing_and_keeps_the_exit_code() {
    let output = run(&["check", "--quiet", "--fail-on", "info", EXAMPLE]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(output.stderr.is_empty());
    let output = run(&["check", "-q", "--fail-on", "never", EXAMPLE]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_never_with_no_color() {
    let has_escape = |output: Output| stdout(&output).contains('\x1b');
    // A pipe is not a terminal.
    assert!(!has_escape(run(&["check", EXAMPLE])));
    assert!(has_escape(run(&["check", "--color", "always", EXAMPLE])));
    assert!(!has_escape(
        bin()
            .args(["check", "--color", "auto", EXAMPLE])
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    ));
    assert!(!has_escape(run(&["check", "--color", "never", EXAMPLE])));
}

#[test]
fn gitlab_paths_follow_ci_project_dir() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let output = bin()
        .args(["check", "--format", "gitlab", EXAMPLE])
        .env("CI_PROJECT_DIR", &root)
        .output()
        .unwrap();
    let issues: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    for issue in issues.as_array().unwrap() {
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(path.starts_with("openshift-pvc-cache/"), "{path}");
    }
}

/// `| head -c1` closes the pipe after one byte; the rest of a large report then meets a broken
/// pipe, which must end the run quietly with status 0 (not 1 for the findings, nor an error).
#[test]
fn broken_pipe_exits_quietly_with_success() {
    let dir = scratch("broken_pipe");
    let mut config =
        String::from("[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n");
    for i in 0..800 {
        config.push_str(&format!("    unknown_key_{i} = \"x\"\n"));
    }
    let file = dir.join("config.toml");
    std::fs::write(&file, config).unwrap();
    let mut doctor = bin()
        .args(["check", "--fail-on", "info"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let head = Command::new("head")
        .arg("-c1")
        .stdin(doctor.stdout.take().unwrap())
        .output()
        .unwrap();
    assert_eq!(head.stdout.len(), 1);
    let output = doctor.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Without the pipe closing, the same run fails on its findings and prints far more than
    // a pipe buffer holds, so the pipe above really broke.
    let full = run(&["check", "--fail-on", "info", file.to_str().unwrap()]);
    assert_eq!(full.status.code(), Some(1));
    assert!(full.stdout.len() > 4 * 65536, "{}", full.stdout.len());
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = run(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        assert!(stdout(&output).contains("runner-doctor"), "{shell}");
    }
    let bash = stdout(&run(&["completions", "bash"]));
    assert!(bash.contains("--output") && bash.contains("--quiet"));
    let man = run(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let man = stdout(&man);
    assert!(man.starts_with(".ie") || man.contains(".TH"), "{man}");
    assert!(man.contains("runner\\-doctor"));
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
    let dir = scratch("man");
    let output = run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    for page in ["runner-doctor.1", "runner-doctor-check.1"] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
    let check = std::fs::read_to_string(dir.join("runner-doctor-check.1")).unwrap();
    assert!(check.contains("\\-\\-output"));
}
