//! Cross-check against upstream's own pass/fail pods: `test/testdata/<level>/<version>/{pass,fail}`
//! of `k8s.io/pod-security-admission` (not vendored here). Run with
//! `PSA_TESTDATA=/path/to/pod-security-admission/test/testdata cargo test --test psa_upstream -- --ignored`.
//! Each pass pod must have no violation; each fail pod must violate the check its file is named
//! after (or, at `restricted`, the restricted check that replaces that baseline check). Pods are
//! API-defaulted first, as the API server does before admission.

use k8s_openapi::api::core::v1::Pod;
use runner_doctor::admission::defaults::apply_pod_defaults;
use runner_doctor::admission::psa::{self, EvalOptions, Level, LevelVersion, Version};

#[test]
#[ignore = "needs PSA_TESTDATA pointing at upstream's test/testdata"]
fn upstream_pass_and_fail_pods() {
    let root = std::path::PathBuf::from(std::env::var("PSA_TESTDATA").expect("PSA_TESTDATA"));
    let (mut n, mut bad) = (0, Vec::new());
    for level in ["baseline", "restricted"] {
        for dir in std::fs::read_dir(root.join(level)).expect("level dir") {
            let dir = dir.expect("entry").path();
            let version = dir.file_name().unwrap().to_string_lossy().into_owned();
            let lv = LevelVersion {
                level: Level::parse(level).unwrap(),
                version: Version::parse(&version).expect("version dir"),
            };
            for kind in ["pass", "fail"] {
                let Ok(files) = std::fs::read_dir(dir.join(kind)) else {
                    continue;
                };
                for file in files {
                    let file = file.expect("entry").path();
                    let text = std::fs::read_to_string(&file).expect("read");
                    let value: serde_json::Value = serde_saphyr::from_str(&text).expect("yaml");
                    let mut pod: Pod = serde_json::from_value(value).expect("pod");
                    apply_pod_defaults(&mut pod);
                    let found = psa::evaluate(
                        lv,
                        &pod.metadata,
                        pod.spec.as_ref().expect("spec"),
                        EvalOptions::default(),
                    );
                    let ids: Vec<String> = found.iter().map(|v| v.check.to_lowercase()).collect();
                    let stem = file.file_stem().unwrap().to_string_lossy();
                    let check = stem.trim_end_matches(|c: char| c.is_ascii_digit());
                    let replaced = [
                        "seccompprofile_baseline",
                        "capabilities_baseline",
                        "hostpathvolumes",
                    ];
                    let ok = match kind {
                        "pass" => found.is_empty(),
                        _ => {
                            ids.iter().any(|i| i == check)
                                || (level == "restricted"
                                    && !ids.is_empty()
                                    && replaced.contains(&check))
                        }
                    };
                    n += 1;
                    if !ok {
                        bad.push(format!("{lv} {kind} {}: {found:?}", file.display()));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {n} pods misjudged:\n{}",
        bad.len(),
        bad.join("\n")
    );
    assert!(n > 1000, "only {n} pods found");
}
