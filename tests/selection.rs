//! Which findings a run reports: inline `# runner-doctor: allow(…)` comments (TOML, YAML, a
//! ConfigMap's embedded `config.toml`, file level), `unused-suppression`, levels by group, and
//! the project config file with command-line flags over it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use runner_doctor::diagnostic::Severity;
use runner_doctor::model::load::Inputs;
use runner_doctor::settings::Settings;

/// (code, 1-based line) of every finding.
fn findings(name: &str, text: &str, settings: Settings) -> Vec<(&'static str, usize)> {
    let mut inputs = Inputs::default();
    inputs.add_text(name.into(), text.to_string());
    let report = runner_doctor::check(inputs, settings);
    report
        .diagnostics
        .iter()
        .map(|d| {
            let span = d.primary.expect("these findings have a place");
            let (host, _) = report.analysis.inputs.sources.to_host(span);
            let file = report.analysis.inputs.sources.get(host.source);
            (d.code, file.lines.line_of(host.range.start as usize) + 1)
        })
        .collect()
}

fn select(codes: &[&str]) -> Settings {
    Settings {
        select: codes.iter().map(|c| c.to_string()).collect(),
        ..Settings::default()
    }
}

const TYPO: &str = "[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    namspace = \"ci\"\n    privileged = \"false\"\n";

#[test]
fn without_comments_both_findings_show() {
    let found = findings("config.toml", TYPO, select(&["RD1"]));
    assert_eq!(found, [("RD101", 4), ("RD102", 5)]);
}

#[test]
fn allow_on_the_line_or_the_comment_line_above() {
    let same_line = TYPO.replace("\"ci\"\n", "\"ci\" # runner-doctor: allow(RD101)\n");
    assert_eq!(
        findings("c.toml", &same_line, select(&["RD1"])),
        [("RD102", 5)]
    );
    let above = TYPO.replace(
        "    namspace",
        "    # runner-doctor: allow(unknown-config-key)\n    namspace",
    );
    assert_eq!(findings("c.toml", &above, select(&["RD1"])), [("RD102", 6)]);
    // A comment that ends a line of code covers that line only, not the next one.
    let trailing = TYPO.replace(
        "[runners.kubernetes]\n",
        "[runners.kubernetes] # runner-doctor: allow(RD101)\n",
    );
    assert_eq!(
        findings("c.toml", &trailing, select(&["RD1"])),
        [("RD101", 4), ("RD102", 5)]
    );
    // Several selectors, a prefix and a group.
    let many = TYPO.replace(
        "    namspace",
        "    # runner-doctor: allow(RD10, correctness)\n    namspace",
    );
    assert_eq!(findings("c.toml", &many, select(&["RD1"])), [("RD102", 6)]);
}

#[test]
fn allow_file_covers_the_whole_file() {
    let text = format!("# runner-doctor: allow-file(RD102)\n{TYPO}");
    assert_eq!(findings("c.toml", &text, select(&["RD1"])), [("RD101", 5)]);
}

#[test]
fn allow_inside_a_configmap_embedded_config_toml() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: runner-config, namespace: ci}\ndata:\n  config.toml: |\n    [[runners]]\n      executor = \"kubernetes\"\n      [runners.kubernetes]\n        namspace = \"ci\" # runner-doctor: allow(RD101)\n        # runner-doctor: allow(wrong-config-type)\n        privileged = \"false\"\n";
    assert_eq!(findings("cm.yaml", text, select(&["RD1"])), []);
    let plain = text.replace(" # runner-doctor: allow(RD101)", "");
    assert_eq!(
        findings("cm.yaml", &plain, select(&["RD1"])),
        [("RD101", 9)]
    );
}

#[test]
fn allow_in_yaml_on_the_object() {
    let text = "apiVersion: v1\n# runner-doctor: allow(RD020)\nkind: PersistentVolumeClame\nmetadata: {name: cache, namespace: ci}\n";
    assert_eq!(findings("x.yaml", text, select(&["RD020"])), []);
    let plain = text.replace("# runner-doctor: allow(RD020)\n", "");
    assert_eq!(
        findings("x.yaml", &plain, select(&["RD020"])),
        [("RD020", 2)]
    );
}

#[test]
fn unused_suppressions_are_reported_when_selected() {
    let stale = format!("concurrent = 2 # runner-doctor: allow(RD101)\n{TYPO}");
    // Pedantic: off by default.
    assert_eq!(
        findings("c.toml", &stale, select(&["RD1"])),
        [("RD101", 5), ("RD102", 6)]
    );
    let with = findings("c.toml", &stale, select(&["RD1", "unused-suppression"]));
    assert_eq!(with, [("RD021", 1), ("RD101", 5), ("RD102", 6)]);
    // A misspelt code is reported; a rule that did not run is not.
    let text = "concurrent = 2 # runner-doctor: allow(RD4O1, RD402)\n";
    assert_eq!(findings("c.toml", text, select(&["RD021"])), [("RD021", 1)]);
    // A used one is not.
    let used = TYPO.replace("\"ci\"\n", "\"ci\" # runner-doctor: allow(RD101)\n");
    assert_eq!(findings("c.toml", &used, select(&["RD101", "RD021"])), []);
}

#[test]
fn levels_by_group() {
    let stale = "concurrent = 2 # runner-doctor: allow(RD4O1)\n";
    let settings = Settings {
        levels: vec![("pedantic".into(), Some(Severity::Warning))],
        ..Settings::default()
    };
    let mut inputs = Inputs::default();
    inputs.add_text("c.toml".into(), stale.to_string());
    let report = runner_doctor::check(inputs, settings);
    let unused: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "RD021")
        .collect();
    assert_eq!(unused.len(), 1);
    assert_eq!(unused[0].severity, Severity::Warning);

    // `off` turns a group off; a later entry wins.
    let off = Settings {
        levels: vec![
            ("correctness".into(), Some(Severity::Info)),
            ("correctness".into(), None),
        ],
        ..Settings::default()
    };
    assert!(
        findings("c.toml", TYPO, off)
            .iter()
            .all(|(code, _)| !["RD101", "RD102"].contains(code))
    );
    let info = Settings {
        levels: vec![("RD101".into(), Some(Severity::Info))],
        ..Settings::default()
    };
    let mut inputs = Inputs::default();
    inputs.add_text("c.toml".into(), TYPO.to_string());
    let report = runner_doctor::check(inputs, info);
    let rd101 = report
        .diagnostics
        .iter()
        .find(|d| d.code == "RD101")
        .unwrap();
    assert_eq!(rd101.severity, Severity::Info);
}

// --- the project config file, through the binary ---

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("selection")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .current_dir(dir)
        .env_remove("CI_PROJECT_DIR")
        .args(args)
        .output()
        .unwrap()
}

fn codes(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| Some(l.split_once('[')?.1.split_once(']')?.0.to_string()))
        .collect()
}

#[test]
fn project_file_selects_and_flags_win() {
    let dir = scratch("flags-win");
    std::fs::write(dir.join("config.toml"), TYPO).unwrap();
    std::fs::write(
        dir.join("runner-doctor.toml"),
        "select = [\"RD1\"]\nignore = [\"RD102\"]\nfail-on = \"never\"\n",
    )
    .unwrap();
    let out = run_in(&dir, &["check", "--format", "concise", "."]);
    assert_eq!(
        codes(&out),
        ["RD101"],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `fail-on = "never"` from the file: exit 0 despite an error.
    assert_eq!(out.status.code(), Some(0));
    // The flags win, key by key.
    let out = run_in(
        &dir,
        &[
            "check",
            "--format",
            "concise",
            "--ignore",
            "RD101",
            "--fail-on",
            "error",
            ".",
        ],
    );
    assert_eq!(codes(&out), ["RD102"]);
    assert_eq!(out.status.code(), Some(1));
    // `--no-config` ignores the file: the defaults run (and the file itself is no input).
    let out = run_in(&dir, &["check", "--format", "concise", "--no-config", "."]);
    let found = codes(&out);
    assert!(found.contains(&"RD101".to_string()) && found.contains(&"RD102".to_string()));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("runner-doctor.toml"));
}

#[test]
fn dot_file_with_a_tool_table_is_found_from_below() {
    let dir = scratch("dot-file");
    let sub = dir.join("deploy/runner");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        sub.join("config.toml"),
        format!("concurrent = 1 # runner-doctor: allow(RD4O1)\n{TYPO}"),
    )
    .unwrap();
    std::fs::write(
        dir.join(".runner-doctor.toml"),
        "[tool.runner-doctor]\nselect = [\"RD1\", \"pedantic\"]\nrunner-version = \"17.11\"\n[tool.runner-doctor.levels]\npedantic = \"error\"\n[tool.runner-doctor.assume]\n\"image.helper.user\" = \"1001\"\n",
    )
    .unwrap();
    let out = run_in(&sub, &["check", "--format", "concise", "config.toml"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[RD021]"), "{text}");
    // `--level` on the command line comes after the file's `[levels]`.
    let out = run_in(
        &sub,
        &[
            "check",
            "--format",
            "concise",
            "--level",
            "pedantic=off",
            "config.toml",
        ],
    );
    assert!(!codes(&out).contains(&"RD021".to_string()));
}

#[test]
fn a_bad_project_file_or_level_is_a_usage_error() {
    let dir = scratch("bad");
    std::fs::write(dir.join("config.toml"), TYPO).unwrap();
    std::fs::write(dir.join("runner-doctor.toml"), "selcet = [\"RD1\"]\n").unwrap();
    let out = run_in(&dir, &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("runner-doctor.toml") && err.contains("selcet"),
        "{err}"
    );
    let out = run_in(
        &dir,
        &["check", "--no-config", "--level", "pedantik=error", "."],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run_in(
        &dir,
        &["check", "--no-config", "--level", "pedantic=loud", "."],
    );
    assert_eq!(out.status.code(), Some(2));
    std::fs::write(
        dir.join("runner-doctor.toml"),
        "[levels]\npedantic = \"loud\"\n",
    )
    .unwrap();
    assert_eq!(run_in(&dir, &["check", "."]).status.code(), Some(2));
}

#[test]
fn a_misspelt_selector_is_a_usage_error_with_a_suggestion() {
    let dir = scratch("misspelt");
    std::fs::write(dir.join("config.toml"), TYPO).unwrap();
    // A letter O for a zero: without the check this would select nothing and pass.
    let out = run_in(&dir, &["check", "--no-config", "--select", "RD1O1", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `RD101`?"), "{err}");
    let out = run_in(&dir, &["check", "--no-config", "--ignore", "pedantik", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`pedantic`"));
    std::fs::write(dir.join("runner-doctor.toml"), "ignore = [\"RD1O2\"]\n").unwrap();
    let out = run_in(&dir, &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`ignore`") && err.contains("RD1O2"), "{err}");
}

#[test]
fn the_project_files_levels_apply_broad_to_narrow() {
    let dir = scratch("levels-order");
    std::fs::write(dir.join("config.toml"), TYPO).unwrap();
    // Sorted by key, `RD101` would come before `correctness` and be overridden by it.
    std::fs::write(
        dir.join("runner-doctor.toml"),
        "select = [\"RD1\"]\n[levels]\nRD101 = \"info\"\ncorrectness = \"off\"\nRD10 = \"warning\"\n",
    )
    .unwrap();
    let out = run_in(&dir, &["check", "--format", "concise", "."]);
    let text = String::from_utf8_lossy(&out.stdout);
    // RD102: the prefix `RD10` overrides the group; RD101: its own code overrides both.
    assert!(text.contains("info[RD101]"), "{text}");
    assert!(text.contains("warning[RD102]"), "{text}");
}

/// JUnit lists one test case per rule that ran: a level that turns a pedantic rule on makes
/// it run, and `off` makes a rule not run.
#[test]
fn junit_counts_the_rules_levels_turn_on_and_off() {
    let dir = scratch("junit-levels");
    std::fs::write(dir.join("config.toml"), "concurrent = 1\n").unwrap();
    let junit = |extra: &[&str]| {
        let mut args = vec!["check", "--no-config", "--format", "junit"];
        args.extend_from_slice(extra);
        args.push("config.toml");
        String::from_utf8_lossy(&run_in(&dir, &args).stdout).into_owned()
    };
    let plain = junit(&[]);
    assert!(!plain.contains("RD021 unused-suppression"), "{plain}");
    assert!(plain.contains("RD101 unknown-config-key"), "{plain}");
    let on = junit(&["--level", "RD021=warning", "--level", "RD101=off"]);
    assert!(on.contains("RD021 unused-suppression"), "{on}");
    assert!(!on.contains("RD101 unknown-config-key"), "{on}");
}
