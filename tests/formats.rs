//! Every output format on the bundled example, as snapshots, and the machine formats against
//! their schemas (SARIF 2.1.0 from OASIS, GitLab Code Quality's documented subset; see
//! `tests/schemas/README.md` for where each schema came from).
//!
//! Other rules are added all the time, so nothing here counts findings: snapshots are
//! re-accepted with `cargo insta accept` (or `INSTA_UPDATE=always cargo test`), and the other
//! tests compare outputs with the report they came from.

use std::path::{Path, PathBuf};

use runner_doctor::Report;
use runner_doctor::diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, Severity};
use runner_doctor::model::load::Inputs;
use runner_doctor::render::{self, Format, Options};
use runner_doctor::rules::RULES;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::{DEFAULT_MAX_INPUT_SIZE, read_inputs};
use runner_doctor::source::{Span, TextRange};
use serde_json::Value;

const EXAMPLE: &str = "examples/openshift-pvc-cache";

/// The example, read by a path relative to the package (the test's working directory), so
/// that paths in the output do not depend on where the repository is checked out.
fn example() -> Report {
    let inputs = Inputs::load(read_inputs(
        &[PathBuf::from(EXAMPLE)],
        DEFAULT_MAX_INPUT_SIZE,
    ));
    runner_doctor::check(inputs, Settings::default())
}

fn from_text(name: &str, text: &str) -> Report {
    let mut inputs = Inputs::default();
    inputs.add_text(name.into(), text.to_string());
    runner_doctor::check(inputs, Settings::default())
}

fn options() -> Options {
    Options {
        color: false,
        root: PathBuf::from("."),
    }
}

fn render(report: &Report, format: Format) -> String {
    render::render(report, format, &options())
}

/// Filters for what varies between machines and releases: the checkout's absolute path, the
/// package version, and fingerprints (which follow the messages; they have their own tests).
fn snapshot(name: &str, text: &str) {
    let root = regex_escape(&std::env::current_dir().unwrap().display().to_string());
    let version = regex_escape(env!("CARGO_PKG_VERSION"));
    insta::with_settings!({
        filters => vec![
            (root.as_str(), "[ROOT]"),
            (version.as_str(), "[VERSION]"),
            (r"[0-9a-f]{64}", "[FINGERPRINT]"),
        ],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[test]
fn snapshot_human() {
    snapshot("human", &render(&example(), Format::Human));
}

#[test]
fn snapshot_concise() {
    snapshot("concise", &render(&example(), Format::Concise));
}

#[test]
fn snapshot_json() {
    snapshot("json", &render(&example(), Format::Json));
}

#[test]
fn snapshot_sarif() {
    // The rule table grows with every rule; it is checked against the registry below.
    let mut sarif: Value = serde_json::from_str(&render(&example(), Format::Sarif)).unwrap();
    sarif["runs"][0]["tool"]["driver"]["rules"] =
        Value::from("[every rule: see sarif_rules_are_the_registry]");
    snapshot("sarif", &serde_json::to_string_pretty(&sarif).unwrap());
}

#[test]
fn snapshot_gitlab() {
    snapshot("gitlab", &render(&example(), Format::Gitlab));
}

#[test]
fn snapshot_junit() {
    // Passing cases are one per rule and file: they grow with every rule and are counted in
    // junit_counts_match_the_cases instead.
    let xml = render(&example(), Format::Junit);
    let failing: String = xml
        .split_inclusive('\n')
        .filter(|line| {
            !(line.trim_start().starts_with("<testcase") && line.trim_end().ends_with("/>"))
        })
        .collect();
    let counts = regex::Regex::new(r#"tests="\d+""#).unwrap();
    snapshot("junit", &counts.replace_all(&failing, r#"tests="[N]""#));
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schemas")
        .join(name);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is invalid:\n{}",
        errors.join("\n")
    );
}

/// A report that exercises every part of the formats: the example's findings, a finding about
/// the run as a whole, one with context labels and a fix, and a duplicate (for salting).
fn rich() -> Report {
    let mut report = example();
    let anchor = report
        .diagnostics
        .iter()
        .find_map(|d| d.primary)
        .expect("the example has located findings");
    let other = Span::new(anchor.source, TextRange::new(0, 3));
    report.diagnostics.push(Diagnostic {
        code: RULES[0].code,
        name: RULES[0].name,
        severity: Severity::Error,
        message: "a finding about the whole run, with <markup> & \"quotes\"".into(),
        primary: None,
        primary_label: None,
        labels: Vec::new(),
        notes: vec!["a note".into()],
        help: Some("do something".into()),
        assumptions: Vec::new(),
        fix: None,
    });
    let located = Diagnostic {
        code: RULES[1].code,
        name: RULES[1].name,
        severity: Severity::Warning,
        message: "a finding with a label and a fix".into(),
        primary: Some(anchor),
        primary_label: Some("here".into()),
        labels: vec![Label {
            span: other,
            message: "conflicts with this".into(),
        }],
        notes: Vec::new(),
        help: None,
        assumptions: Vec::new(),
        fix: Some(Fix {
            title: "replace it".into(),
            edits: vec![
                Edit {
                    span: anchor,
                    replacement: "fixed".into(),
                },
                Edit {
                    span: Span::new(anchor.source, TextRange::empty_at(0)),
                    replacement: "# inserted\n".into(),
                },
            ],
            applicability: Applicability::Safe,
        }),
    };
    report.diagnostics.push(located.clone());
    report.diagnostics.push(located);
    report
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schemas() {
    let oasis = schema("sarif-schema-2.1.0.json");
    for (what, report) in [("example", example()), ("rich report", rich())] {
        let sarif: Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
        assert_valid(&oasis, &sarif, what);
    }
    // The schema does bite: a level SARIF does not define is refused.
    let mut broken: Value = serde_json::from_str(&render(&rich(), Format::Sarif)).unwrap();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!oasis.is_valid(&broken));
}

#[test]
fn sarif_rules_are_the_registry() {
    let sarif: Value = serde_json::from_str(&render(&example(), Format::Sarif)).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), RULES.len());
    for (descriptor, rule) in rules.iter().zip(RULES) {
        assert_eq!(descriptor["id"], rule.code);
        assert_eq!(descriptor["name"], rule.name);
        let short = descriptor["shortDescription"]["text"].as_str().unwrap();
        assert!(!short.is_empty() && !short.contains("  "), "{short}");
        let help = descriptor["help"]["markdown"].as_str().unwrap();
        assert!(help.contains("## What it does"), "{help}");
    }
    // Every result points at its own rule, and sits where the JSON format says it does.
    let json: Value = serde_json::from_str(&render(&example(), Format::Json)).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(results.len(), diagnostics.len());
    for (result, d) in results.iter().zip(diagnostics) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["ruleId"], d["code"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], d["location"]["line"]);
        assert_eq!(region["startColumn"], d["location"]["column"]);
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str();
        assert_eq!(uri, d["location"]["path"].as_str());
    }
}

#[test]
fn gitlab_is_valid_against_the_documented_code_quality_format() {
    let validator = schema("gitlab-codequality.json");
    for (what, report) in [("example", example()), ("rich report", rich())] {
        let gitlab: Value = serde_json::from_str(&render(&report, Format::Gitlab)).unwrap();
        assert_valid(&validator, &gitlab, what);
        for (issue, d) in gitlab.as_array().unwrap().iter().zip(&report.diagnostics) {
            let description = issue["description"].as_str().unwrap();
            assert!(
                description.starts_with(&format!("{}: ", d.code)),
                "{description}"
            );
        }
    }
    let mut broken: Value = serde_json::from_str(&render(&rich(), Format::Gitlab)).unwrap();
    broken[0].as_object_mut().unwrap().remove("fingerprint");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn gitlab_paths_are_relative_to_the_root() {
    let report = example();
    let root = Path::new(EXAMPLE).parent().unwrap().to_path_buf();
    let options = Options {
        color: false,
        root: std::env::current_dir().unwrap().join(root),
    };
    let gitlab: Value =
        serde_json::from_str(&render::render(&report, Format::Gitlab, &options)).unwrap();
    for issue in gitlab.as_array().unwrap() {
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(path.starts_with("openshift-pvc-cache/"), "{path}");
    }
}

fn fingerprints(report: &Report) -> Vec<String> {
    let gitlab: Value = serde_json::from_str(&render(report, Format::Gitlab)).unwrap();
    gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

const CONFIG: &str = r#"[[runners]]
  executor = "kubernetes"
  [runners.kubernetes]
    namspace = "ci"
    tls_verify = false
"#;

#[test]
fn fingerprints_do_not_follow_line_numbers() {
    let before = from_text("config.toml", CONFIG);
    let after = from_text(
        "config.toml",
        &format!("# a comment\n# and another\n\n{CONFIG}"),
    );
    assert!(!before.diagnostics.is_empty());
    let line = |r: &Report| render(r, Format::Concise);
    assert_ne!(line(&before), line(&after), "the findings moved");
    assert_eq!(fingerprints(&before), fingerprints(&after));
    // The same findings in another file are other issues.
    let elsewhere = from_text("other/config.toml", CONFIG);
    assert!(
        fingerprints(&elsewhere)
            .iter()
            .all(|f| !fingerprints(&before).contains(f))
    );
}

#[test]
fn fingerprints_are_unique_and_shared_with_sarif() {
    let report = rich();
    let gitlab = fingerprints(&report);
    let mut unique = gitlab.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), gitlab.len(), "duplicates are re-salted");
    assert!(gitlab.iter().all(|f| f.len() == 64));
    let sarif: Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
    let partial: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["runnerDoctor/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(partial, gitlab);
}

#[test]
fn junit_counts_match_the_cases() {
    for report in [example(), rich()] {
        let xml = render(&report, Format::Junit);
        let cases = xml.matches("<testcase ").count();
        let failures = xml.matches("<failure ").count();
        assert!(xml.contains(&format!(
            "<testsuite name=\"runner-doctor check\" tests=\"{cases}\" failures=\"{failures}\""
        )));
        assert!(xml.contains(&format!(
            "<testsuites name=\"runner-doctor\" tests=\"{cases}\" failures=\"{failures}\""
        )));
        // A failing case per rule and file that has findings; each finding is listed once.
        let mut pairs: Vec<(String, String)> = report
            .diagnostics
            .iter()
            .map(|d| {
                let file = d.primary.map_or("(run)".into(), |s| {
                    let sources = &report.analysis.inputs.sources;
                    let host = sources.to_host(s).0;
                    sources.get(host.source).path.display().to_string()
                });
                (d.code.to_string(), file)
            })
            .collect();
        pairs.sort();
        pairs.dedup();
        assert_eq!(failures, pairs.len());
        assert!(!xml.contains("<markup>"), "text is escaped");
    }
}

#[test]
fn concise_has_one_line_per_finding() {
    let report = example();
    let text = render(&report, Format::Concise);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), report.diagnostics.len());
    let shape = regex::Regex::new(r"^[^:]+:\d+:\d+: (error|warning|info)\[RD\d{3}\] \S").unwrap();
    for line in lines {
        assert!(shape.is_match(line), "{line}");
    }
}

#[test]
fn secrets_reach_no_format() {
    let text = r#"[[runners]]
  name = "team"
  url = "https://deploy:hunter2-url-password@gitlab.example.org"
  token = "glrt-t0ps3cr3t-runner-token"
  executor = "kubernetes"
  [runners.kubernetes]
    namspace = "ci"
"#;
    let mut report = from_text("config.toml", text);
    // A rule that quoted a secret in its message must not leak it either.
    let span = report.diagnostics.iter().find_map(|d| d.primary);
    report.diagnostics.push(Diagnostic {
        code: RULES[0].code,
        name: RULES[0].name,
        severity: Severity::Warning,
        message: "the token `glrt-t0ps3cr3t-runner-token` and hunter2-url-password".into(),
        primary: span,
        primary_label: None,
        labels: Vec::new(),
        notes: vec!["glrt-t0ps3cr3t-runner-token".into()],
        help: Some("rotate glrt-t0ps3cr3t-runner-token".into()),
        assumptions: Vec::new(),
        fix: None,
    });
    for format in Format::ALL {
        let out = render(&report, format);
        for secret in ["glrt-t0ps3cr3t-runner-token", "hunter2-url-password"] {
            assert!(!out.contains(secret), "{format:?} shows `{secret}`:\n{out}");
        }
    }
}

#[test]
fn sarif_uris_are_encoded() {
    let report = from_text("dir with space/café:1.toml", CONFIG);
    let sarif: Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
    assert_valid(&schema("sarif-schema-2.1.0.json"), &sarif, "odd path");
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "dir%20with%20space/caf%C3%A9%3A1.toml");
}
