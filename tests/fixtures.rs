//! Snapshot tests over fixture files, with the human renderer.
//!
//! - `tests/fixtures/corpus/`: real-world inputs, each with a header saying what is wrong in it.
//!   Every file must load without spurious input findings, and the diagnosis the header calls
//!   for must appear.
//! - `tests/fixtures/config/<rule-name>/`: one directory per rule; each file must fire the rule
//!   its directory is named after.
//! - `tests/fixtures/ok/`: realistic inputs on which no input or config rule (`RD0xx`, `RD1xx`)
//!   reports a warning or an error.

use std::path::{Path, PathBuf};

use runner_doctor::model::load::Inputs;
use runner_doctor::settings::Settings;

/// Checks one file of `tests/fixtures/<dir>` and renders the human output.
fn check_file(dir: &str, name: &str) -> (Vec<(&'static str, &'static str)>, String) {
    let rel = format!("tests/fixtures/{dir}/{name}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(&rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut inputs = Inputs::default();
    inputs.add_text(rel.clone().into(), text.clone());
    let report = runner_doctor::check(inputs, Settings::default());
    let codes = report
        .diagnostics
        .iter()
        .map(|d| (d.code, d.name))
        .collect();
    let mut output = runner_doctor::render::human::render(&report, false);
    // What `fix --unsafe-fixes --diff` makes of the file, so that every fix is reviewed in
    // the snapshot beside the finding that offers it.
    let run = runner_doctor::fix::fix(
        vec![(PathBuf::from(&rel), text)],
        &Settings::default(),
        runner_doctor::fix::FixOptions { unsafe_fixes: true },
    );
    for file in run.files.iter().filter(|f| f.changed()) {
        output.push_str("\n\n--- fix --unsafe-fixes --diff ---\n");
        output.push_str(&runner_doctor::fix::diff::unified(
            &rel,
            &file.display_original,
            &file.display_fixed,
        ));
    }
    (codes, output)
}

/// What each file's header says is wrong, as the codes that must report it.
const EXPECTED: &[(&str, &[&str])] = &[
    // `limit` after the `[runners.kubernetes]` header lands there; it belongs to `[[runners]]`.
    ("01-values-diff.yaml", &["RD108"]),
    // A Terraform template: reported once; `run_as_user:` with a colon is a syntax error.
    ("02-config-template.toml", &["RD006", "RD002"]),
    // Terraform placeholders; `tags` is not a config.toml key; the `pod_spec` patch adds a
    // Secret volume no volume key shows.
    ("04-values-podspec.yaml", &["RD006", "RD101", "RD405"]),
    // `tls_verify` is a Docker key; `runners.privileged` is a chart value removed in 0.53;
    // `hostAliases` for the GitLab host reach the manager, not the job pods.
    ("05-values-tlsverify.yaml", &["RD104", "RD109", "RD606"]),
    // No `[[runners]]` before the volume tables; `readonly` is a typo of `read_only`; the
    // Docker socket from the node.
    ("06-readme-pvc-snippet.toml", &["RD107", "RD101", "RD406"]),
    // Chart templates in `runners.config` (rendered by `tpl`); registration-only chart values.
    ("08-common-values.yaml", &["RD006", "RD110"]),
    // Registration-only chart values next to `runners.config`; `rbac.rules: []` grants `*`.
    ("09-kaniko-buildkit-values.yaml", &["RD110", "RD118"]),
    // `fsGroup` in the chart's container `securityContext`; `rbac.clusterWideAccess`.
    (
        "11-values-fsgroup-in-container-ctx.yaml",
        &["RD111", "RD118"],
    ),
    // `runners.privileged` is a chart value removed in 0.53.
    ("13-dind-values.yaml", &["RD109"]),
];

#[test]
fn every_corpus_file_is_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, listed);
}

#[test]
fn corpus() {
    let mut failures = Vec::new();
    for (name, expected) in EXPECTED {
        let (found, output) = check_file("corpus", name);
        let codes: Vec<&str> = found.iter().map(|(c, _)| *c).collect();
        for spurious in ["RD001", "RD003", "RD004", "RD005"] {
            if codes.contains(&spurious) {
                failures.push(format!("{name}: spurious {spurious}"));
            }
        }
        for code in *expected {
            if !codes.contains(code) {
                failures.push(format!("{name}: {code} missing (found {codes:?})"));
            }
        }
        insta::assert_snapshot!(format!("corpus__{name}"), output);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn config_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config");
    let mut rules: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    rules.sort();
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in rules {
        assert!(
            runner_doctor::rules::find(&rule).is_some(),
            "tests/fixtures/config/{rule}: no rule of that name"
        );
        let mut files: Vec<_> = std::fs::read_dir(root.join(&rule))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        for file in files {
            let (found, output) = check_file(&format!("config/{rule}"), &file);
            if !found.iter().any(|(_, name)| *name == rule) {
                failures.push(format!("config/{rule}/{file}: `{rule}` does not fire"));
            }
            insta::assert_snapshot!(format!("config__{rule}__{file}"), output);
            checked += 1;
        }
    }
    assert!(checked > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Bad input never panics: every fixture cut short at many points, and with a stray
/// character inserted, still loads and checks.
#[test]
fn truncated_and_mangled_fixtures_do_not_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let cuts: Vec<usize> = (0..text.len())
            .step_by(13)
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for cut in cuts {
            for variant in [
                text[..cut].to_string(),
                format!("{}{{{}", &text[..cut], &text[cut..]),
                format!("{}\"{}", &text[..cut], &text[cut..]),
                format!("{}]\n{}", &text[..cut], &text[cut..]),
            ] {
                let mut inputs = Inputs::default();
                inputs.add_text(path.clone(), variant);
                let report = runner_doctor::check(inputs, Settings::default());
                let _ = runner_doctor::render::human::render(&report, false);
            }
        }
    }
}

#[test]
fn ok_fixtures_stay_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for file in files {
        // Files and directories alike: a directory is one deployment read as a whole.
        let rel = format!("tests/fixtures/ok/{file}");
        let inputs = Inputs::load(runner_doctor::source::discover::read_inputs(
            &[Path::new(env!("CARGO_MANIFEST_DIR")).join(&rel)],
            10 << 20,
        ));
        let report = runner_doctor::check(inputs, Settings::default());
        let noisy: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.code.starts_with("RD0") || d.code.starts_with("RD1"))
            .filter(|d| d.severity > runner_doctor::diagnostic::Severity::Info)
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        assert!(noisy.is_empty(), "{file}: {noisy:#?}");
    }
}

/// `--runner-version` decides for a plain `config.toml`, which names no runner image.
#[test]
fn runner_version_setting_decides_for_plain_files() {
    let text = "[[runners]]\n  pre_clone_script = \"true\"\n  [runners.kubernetes]\n    namespace_per_job = true\n";
    let run = |version: Option<&str>| {
        let mut inputs = Inputs::default();
        inputs.add_text("config.toml".into(), text.into());
        let settings = Settings {
            runner_version: version.map(|v| semver::Version::parse(v).unwrap()),
            ..Settings::default()
        };
        let report = runner_doctor::check(inputs, settings);
        report
            .diagnostics
            .iter()
            .filter(|d| matches!(d.code, "RD103" | "RD112"))
            .map(|d| format!("{} {}", d.code, d.message))
            .collect::<Vec<_>>()
    };
    let old = run(Some("16.0.0"));
    assert!(
        old.iter()
            .any(|m| m.starts_with("RD112") && m.contains("16.10")),
        "{old:?}"
    );
    assert!(
        old.iter()
            .any(|m| m.starts_with("RD103") && m.contains("deprecated")),
        "{old:?}"
    );
    let new = run(Some("17.0.0"));
    assert!(!new.iter().any(|m| m.starts_with("RD112")), "{new:?}");
    assert!(
        new.iter()
            .any(|m| m.starts_with("RD103") && m.contains("was removed")),
        "{new:?}"
    );
    // Without a version nothing is known about the runner, so no key is too new.
    assert!(!run(None).iter().any(|m| m.starts_with("RD112")));
}
