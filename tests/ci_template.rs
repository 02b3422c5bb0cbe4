//! `ci/runner-doctor.gitlab-ci.yml` is valid YAML, and its `check` command, run as GitLab would
//! run it, writes exactly the report files its `artifacts:reports` publish.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn template() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/runner-doctor.gitlab-ci.yml");
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Expands `$NAME` and `"$NAME"` from the template's variables, splitting on spaces as the
/// job's shell does for the unquoted ones.
fn expand(command: &str, variables: &Value, overrides: &[(&str, &str)]) -> Vec<String> {
    let value = |name: &str| {
        overrides
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .or_else(|| variables[name].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("`${name}` is not a template variable"))
    };
    let mut words = Vec::new();
    for word in command.split_whitespace() {
        let quoted = word.starts_with('"');
        let bare = word.trim_matches('"');
        match bare.strip_prefix('$') {
            Some(name) if quoted => words.push(value(name)),
            Some(name) => words.extend(value(name).split_whitespace().map(str::to_string)),
            None => words.push(bare.to_string()),
        }
    }
    words
}

#[test]
fn template_runs_check_and_publishes_its_reports() {
    let template = template();
    let job = &template[".runner-doctor"];
    let script = job["script"].as_array().unwrap();
    let command = script
        .iter()
        .filter_map(Value::as_str)
        .find(|line| line.starts_with("runner-doctor check"))
        .expect("a `runner-doctor check` line");
    let reports = &job["artifacts"]["reports"];
    let code_quality = reports["codequality"].as_str().unwrap();
    let junit = reports["junit"].as_str().unwrap();
    assert!(command.contains(&format!("--output gitlab={code_quality}")));
    assert!(command.contains(&format!("--output junit={junit}")));
    assert_eq!(job["artifacts"]["when"], "always");
    assert_eq!(template["runner-doctor"]["extends"], ".runner-doctor");

    // Run it as the job would, in a project directory holding the example.
    let project = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ci_template");
    let _ = std::fs::remove_dir_all(&project);
    std::fs::create_dir_all(&project).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/openshift-pvc-cache");
    let words = expand(
        command,
        &template["variables"],
        &[
            ("RUNNER_DOCTOR_PATHS", example.to_str().unwrap()),
            ("RUNNER_DOCTOR_FAIL_ON", "never"),
        ],
    );
    assert_eq!(words[0], "runner-doctor");
    let output = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args(&words[1..])
        .current_dir(&project)
        .env("CI_PROJECT_DIR", Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let issues: Value =
        serde_json::from_str(&std::fs::read_to_string(project.join(code_quality)).unwrap())
            .unwrap();
    for issue in issues.as_array().unwrap() {
        // Relative to CI_PROJECT_DIR, as GitLab links them to the repository.
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(path.starts_with("examples/openshift-pvc-cache/"), "{path}");
    }
    let xml = std::fs::read_to_string(project.join(junit)).unwrap();
    assert!(xml.starts_with("<?xml"));
    for path in job["artifacts"]["paths"].as_array().unwrap() {
        assert!(project.join(path.as_str().unwrap()).is_file(), "{path}");
    }
}
