//! The fix harness (ruff's `test.rs` invariants): for every rule declared fixable, on its doc
//! Example and on fixture files, fixes converge, the fixed text re-parses (and still unwraps
//! when the TOML is embedded), the fixed rule no longer fires, a fixable rule offers a fix
//! when it fires, and every fix has a title. Then the founding case end to end: the bundled
//! example fixed on a copy, its comments kept, the remediation manifests loadable, and the
//! cache writable under the assumption the prepare Job makes true.

use std::path::{Path, PathBuf};

use runner_doctor::diagnostic::Applicability;
use runner_doctor::fix::{self, FixOptions, manifests};
use runner_doctor::model::load::ProblemKind;
use runner_doctor::rules::{FixAvailability, RULES};
use runner_doctor::settings::Settings;
use runner_doctor::source::Origin;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The first fenced block after `marker`: (language, text), as tests/docs.rs reads them.
fn block_after<'a>(docs: &'a str, marker: &str) -> Option<(&'a str, String)> {
    let rest = &docs[docs.find(marker)? + marker.len()..];
    let open = rest.find("```")?;
    let after_fence = &rest[open + 3..];
    let lang_end = after_fence.find('\n')?;
    let lang = after_fence[..lang_end].trim();
    let body = &after_fence[lang_end + 1..];
    let close = body.find("```")?;
    let text: String = body[..close]
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .map(|l| format!("{l}\n"))
        .collect();
    Some((lang, text))
}

fn syntax_problems(files: &[(PathBuf, String)]) -> usize {
    let (paths, texts): (Vec<_>, Vec<_>) = files.iter().cloned().unzip();
    fix::load(&paths, &texts)
        .problems
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                ProblemKind::TomlSyntax | ProblemKind::YamlSyntax | ProblemKind::InvalidObject
            )
        })
        .count()
}

fn embedded(files: &[(PathBuf, String)]) -> usize {
    let (paths, texts): (Vec<_>, Vec<_>) = files.iter().cloned().unzip();
    fix::load(&paths, &texts)
        .sources
        .iter()
        .filter(|s| matches!(s.origin, Origin::Embedded { .. }))
        .count()
}

/// Runs every invariant on one input set; `select` limits the rules. Returns the codes whose
/// fixes were applied, and the failures.
fn invariants(
    name: &str,
    files: Vec<(PathBuf, String)>,
    select: Vec<String>,
) -> (Vec<&'static str>, Vec<String>, Vec<&'static str>) {
    let mut failures = Vec::new();
    let settings = Settings {
        select,
        ..Settings::default()
    };
    let options = FixOptions { unsafe_fixes: true };
    let before = runner_doctor::check(
        {
            let (p, t): (Vec<_>, Vec<_>) = files.iter().cloned().unzip();
            fix::load(&p, &t)
        },
        settings.clone(),
    );
    for d in &before.diagnostics {
        let rule = RULES.iter().find(|r| r.code == d.code).unwrap();
        if let Some(fix) = &d.fix {
            if fix.title.trim().is_empty() {
                failures.push(format!("{name}: {} offers a fix without a title", d.code));
            }
            if fix.edits.is_empty() {
                failures.push(format!("{name}: {} offers a fix without edits", d.code));
            }
            if rule.fix == FixAvailability::None {
                failures.push(format!("{name}: {} fixes but declares `fix: None`", d.code));
            }
        } else if rule.fix == FixAvailability::Always {
            failures.push(format!(
                "{name}: {} declares `fix: Always` but offers none: {}",
                d.code, d.message
            ));
        }
    }
    let run = fix::fix(files.clone(), &settings, options);
    if !run.converged {
        failures.push(format!(
            "{name}: fixes did not converge in {} rounds",
            run.rounds
        ));
    }
    let fixed: Vec<(PathBuf, String)> = run
        .files
        .iter()
        .map(|f| (f.path.clone(), f.fixed.clone()))
        .collect();
    if syntax_problems(&fixed) > syntax_problems(&files) {
        failures.push(format!("{name}: the fixed text no longer parses"));
    }
    if embedded(&fixed) != embedded(&files) {
        failures.push(format!(
            "{name}: the fixed text no longer unwraps its config.toml"
        ));
    }
    let applied: Vec<&'static str> = run.applied.iter().map(|a| a.code).collect();
    for d in &run.report.diagnostics {
        let allowed = d
            .fix
            .as_ref()
            .is_some_and(|f| f.applicability != Applicability::DisplayOnly);
        if applied.contains(&d.code) && allowed {
            failures.push(format!(
                "{name}: {} still fires with a fix after fixing: {}",
                d.code, d.message
            ));
        }
    }
    let remaining = run.report.diagnostics.iter().map(|d| d.code).collect();
    (applied, failures, remaining)
}

#[test]
fn every_fixable_rule_fixes_its_own_example() {
    let mut failures = Vec::new();
    let mut fixable = 0;
    for rule in RULES.iter().filter(|r| r.fix != FixAvailability::None) {
        fixable += 1;
        if !rule.docs.contains("## Fix safety") {
            failures.push(format!(
                "{}: declares a fix but documents no Fix safety",
                rule.code
            ));
        }
        let Some((lang, example)) = block_after(rule.docs, "## Example") else {
            failures.push(format!("{}: no example", rule.code));
            continue;
        };
        let path = if lang == "toml" {
            "example.toml"
        } else {
            "example.yaml"
        };
        let (applied, mut found, remaining) = invariants(
            rule.code,
            vec![(path.into(), example)],
            vec![rule.code.to_string()],
        );
        if !applied.contains(&rule.code) {
            found.push(format!(
                "{} {}: no fix applied on its Example",
                rule.code, rule.name
            ));
        }
        // Each Example shows one fixable problem: once fixed, the rule is silent.
        if remaining.contains(&rule.code) {
            found.push(format!("{}: still fires on its fixed Example", rule.code));
        }
        failures.extend(found);
    }
    assert!(fixable >= 8, "only {fixable} rules declare a fix");
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Every input set of the fixture tree: single files, and each case directory as a whole.
fn fixture_sets() -> Vec<(String, Vec<(PathBuf, String)>)> {
    let mut sets = Vec::new();
    let read = |path: &Path| -> (PathBuf, String) {
        let rel = path.strip_prefix(ROOT).unwrap().to_path_buf();
        (rel, std::fs::read_to_string(path).unwrap())
    };
    for dir in ["fix", "corpus", "config", "ok", "cases", "access"] {
        let base = Path::new(ROOT).join("tests/fixtures").join(dir);
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        entries.sort();
        for entry in entries {
            if entry.is_file() {
                sets.push((entry.display().to_string(), vec![read(&entry)]));
                continue;
            }
            let mut files: Vec<PathBuf> = std::fs::read_dir(&entry)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            if dir == "config" {
                // One rule per directory, one case per file.
                for f in files {
                    sets.push((f.display().to_string(), vec![read(&f)]));
                }
            } else {
                sets.push((
                    entry.display().to_string(),
                    files.iter().map(|f| read(f)).collect(),
                ));
            }
        }
    }
    sets
}

#[test]
fn fixes_on_fixtures_converge_reparse_and_silence_their_rule() {
    let mut failures = Vec::new();
    let mut applied_codes = std::collections::BTreeSet::new();
    let sets = fixture_sets();
    assert!(sets.len() > 50, "only {} fixture sets", sets.len());
    for (name, files) in sets {
        let (applied, found, _) = invariants(&name, files, Vec::new());
        applied_codes.extend(applied);
        failures.extend(found);
    }
    assert!(failures.is_empty(), "{failures:#?}");
    for code in [
        "RD101", "RD102", "RD103", "RD104", "RD105", "RD106", "RD108", "RD111", "RD113", "RD115",
        "RD301", "RD404", "RD601", "RD602", "RD605",
    ] {
        assert!(
            applied_codes.contains(code),
            "no fixture exercises the fix of {code}: {applied_codes:?}"
        );
    }
}

#[test]
fn a_quoted_embedding_gets_display_only_fixes_and_no_edit() {
    let path = PathBuf::from("tests/fixtures/fix/quoted-configmap.yaml");
    let text = std::fs::read_to_string(Path::new(ROOT).join(&path)).unwrap();
    let run = fix::fix(
        vec![(path, text.clone())],
        &Settings::default(),
        FixOptions { unsafe_fixes: true },
    );
    let rd106: Vec<_> = run
        .report
        .diagnostics
        .iter()
        .filter(|d| d.code == "RD106")
        .collect();
    assert_eq!(rd106.len(), 1);
    assert_eq!(
        rd106[0].fix.as_ref().map(|f| f.applicability),
        Some(Applicability::DisplayOnly)
    );
    assert!(run.applied.is_empty());
    assert_eq!(run.files[0].fixed, text);
}

#[test]
fn embedded_fixes_keep_yaml_indentation_and_comments() {
    let path = PathBuf::from("tests/fixtures/fix/configmap-many.yaml");
    let text = std::fs::read_to_string(Path::new(ROOT).join(&path)).unwrap();
    let run = fix::fix(
        vec![(path, text.clone())],
        &Settings::default(),
        FixOptions::default(),
    );
    let fixed = &run.files[0].fixed;
    for line in text.lines().filter(|l| l.trim_start().starts_with('#')) {
        assert!(fixed.contains(line), "lost comment line {line:?}:\n{fixed}");
    }
    assert!(fixed.contains("\n        # left over from S3\n"), "{fixed}");
    assert!(!fixed.contains("tls_verify"), "{fixed}");
    assert!(!fixed.contains("mount_propagation"), "{fixed}");
    // A ConfigMap no Runner or chart deploys is a whole config.toml: its globals stay.
    assert!(fixed.contains("\n    concurrent = 4\n"), "{fixed}");
    assert!(
        fixed.contains("\"https_proxy=http://proxy:3128\""),
        "{fixed}"
    );
    // Every other line is the original, byte for byte, in order.
    let kept: Vec<&str> = fixed.lines().collect();
    let mut it = text.lines();
    for line in &kept {
        if line.contains("environment") || line.contains("left over") {
            continue;
        }
        assert!(
            it.any(|l| l == *line),
            "line {line:?} is new or out of order"
        );
    }
}

#[test]
fn a_retyped_value_that_loosens_security_needs_unsafe_fixes() {
    let path = PathBuf::from("config.toml");
    let text = "[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    privileged = \"true\" # for dind\n    poll_timeout = \" 180\"\n    [runners.kubernetes.pod_security_context]\n      run_as_user = \"0\"\n      fs_group = \"1000\"\n";
    let settings = Settings {
        select: vec!["RD102".into()],
        ..Settings::default()
    };
    let safe = fix::fix(
        vec![(path.clone(), text.to_string())],
        &settings,
        FixOptions::default(),
    );
    assert_eq!(
        safe.files[0].fixed,
        text.replace("\" 180\"", "180").replace("\"1000\"", "1000"),
    );
    let unsafe_left: Vec<&str> = safe
        .unsafe_remaining()
        .iter()
        .map(|d| d.fix.as_ref().unwrap().title.as_str())
        .collect();
    assert_eq!(
        unsafe_left,
        ["write `privileged = true`", "write `run_as_user = 0`"]
    );
    let all = fix::fix(
        vec![(path, text.to_string())],
        &settings,
        FixOptions { unsafe_fixes: true },
    );
    assert_eq!(
        all.files[0].fixed,
        "[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    privileged = true # for dind\n    poll_timeout = 180\n    [runners.kubernetes.pod_security_context]\n      run_as_user = 0\n      fs_group = 1000\n"
    );
    assert!(
        all.report.diagnostics.is_empty(),
        "{:?}",
        all.report.diagnostics
    );
}

/// Fixes one fixture set with only `code` selected, unsafe fixes allowed: (fix titles, fixed
/// texts by file name, codes still reported).
fn fix_fixture(dir: &str, code: &str) -> (Vec<String>, Vec<(String, String)>, Vec<&'static str>) {
    let base = Path::new(ROOT).join("tests/fixtures/fix").join(dir);
    let files: Vec<(PathBuf, String)> = if base.is_dir() {
        read_dir_inputs(&base)
    } else {
        vec![(base.clone(), std::fs::read_to_string(&base).unwrap())]
    };
    let settings = Settings {
        select: vec![code.into()],
        ..Settings::default()
    };
    let run = fix::fix(files, &settings, FixOptions { unsafe_fixes: true });
    assert!(run.converged);
    let titles = run.applied.iter().map(|a| a.title.clone()).collect();
    let fixed = run
        .files
        .iter()
        .map(|f| {
            let name = f.path.file_name().unwrap().to_string_lossy().to_string();
            (name, f.fixed.clone())
        })
        .collect();
    let left = run.report.diagnostics.iter().map(|d| d.code).collect();
    (titles, fixed, left)
}

#[test]
fn refused_capabilities_leave_the_arrays_and_the_allowed_one_stays() {
    let (titles, fixed, left) = fix_fixture("scc-refused-capabilities.toml", "RD301");
    assert_eq!(titles, ["remove `CHOWN`, `NET_ADMIN`, `SYS_TIME`"]);
    let text = &fixed[0].1;
    assert!(
        text.contains("    cap_add = [\"NET_BIND_SERVICE\"] # for the network tests\n"),
        "{text}"
    );
    // The build container's array held only a refused capability: the key goes whole.
    assert!(!text.contains("\n      add = "), "{text}");
    assert!(text.starts_with("# The job pods ask"), "{text}");
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_service_account_whose_scc_admits_the_pods_is_set_unsafely() {
    let (titles, fixed, left) = fix_fixture("scc-service-account", "RD301");
    assert_eq!(
        titles,
        ["set `service_account = \"builder\"`: the job pods then run under SCC `anyuid`"]
    );
    let config = &fixed.iter().find(|(n, _)| n == "config.toml").unwrap().1;
    assert!(
        config.contains(
            "    namespace = \"ci\"\n    service_account = \"builder\"\n    # builds need root\n"
        ),
        "{config}"
    );
    assert!(left.is_empty(), "{left:?}");
    // Without --unsafe-fixes nothing is written: it loosens security.
    let base = Path::new(ROOT).join("tests/fixtures/fix/scc-service-account");
    let settings = Settings {
        select: vec!["RD301".into()],
        ..Settings::default()
    };
    let safe = fix::fix(read_dir_inputs(&base), &settings, FixOptions::default());
    assert!(safe.applied.is_empty());
    assert_eq!(safe.unsafe_remaining().len(), 1);
}

/// Fixes one text with only rule `code` selected: (fixed text, findings left), with or
/// without the unsafe fixes.
fn fix_one(name: &str, text: &str, code: &str, unsafe_fixes: bool) -> (String, Vec<&'static str>) {
    let settings = Settings {
        select: vec![code.into()],
        ..Settings::default()
    };
    let run = fix::fix(
        vec![(PathBuf::from(name), text.to_string())],
        &settings,
        FixOptions { unsafe_fixes },
    );
    assert!(run.converged);
    let left = run.report.diagnostics.iter().map(|d| d.code).collect();
    (run.files[0].fixed.clone(), left)
}

#[test]
fn a_key_after_a_subtable_moves_to_its_table_with_its_comments() {
    let text = "concurrent = 2\n[[runners]]\n  [runners.kubernetes]\n    namespace = \"ci\"\n    [runners.kubernetes.node_selector]\n      os = \"linux\"\n    [runners.kubernetes.pod_security_context]\n      run_as_non_root = true\n\n    # build\n    cpu_limit = \"2\" # two cores\n  [runners.cache]\n";
    let (unchanged, _) = fix_one("config.toml", text, "RD108", false);
    assert_eq!(unchanged, text, "moving a key is unsafe");
    let (fixed, left) = fix_one("config.toml", text, "RD108", true);
    assert_eq!(
        fixed,
        "concurrent = 2\n[[runners]]\n  [runners.kubernetes]\n    namespace = \"ci\"\n    # build\n    cpu_limit = \"2\" # two cores\n    [runners.kubernetes.node_selector]\n      os = \"linux\"\n    [runners.kubernetes.pod_security_context]\n      run_as_non_root = true\n\n  [runners.cache]\n"
    );
    assert!(left.is_empty(), "{left:?}");
    // Deeper than its table's keys: re-indented as they are.
    let (fixed, _) = fix_one(
        "config.toml",
        "[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n      limit = 4\n",
        "RD108",
        true,
    );
    assert_eq!(
        fixed,
        "[[runners]]\n  executor = \"kubernetes\"\n  limit = 4\n  [runners.kubernetes]\n"
    );
    // The table already has the key: no fix (it would be written twice).
    let twice = "[[runners]]\n  [runners.kubernetes]\n    cpu_limit = \"1\"\n    [runners.kubernetes.pod_security_context]\n    cpu_limit = \"2\"\n";
    let (fixed, left) = fix_one("c.toml", twice, "RD108", true);
    assert_eq!(fixed, twice);
    assert_eq!(left, ["RD108"]);
}

#[test]
fn a_pod_field_moves_from_the_chart_security_context_reindented() {
    let text = "gitlabUrl: https://gitlab.example.com/\npodSecurityContext:\n    runAsUser: 100\nsecurityContext:\n  # the cache group\n  fsGroup: 999\n  runAsNonRoot: true\nrunners:\n  config: |\n    [[runners]]\n";
    let (fixed, left) = fix_one("values.yaml", text, "RD111", true);
    assert_eq!(
        fixed,
        "gitlabUrl: https://gitlab.example.com/\npodSecurityContext:\n    runAsUser: 100\n    # the cache group\n    fsGroup: 999\nsecurityContext:\n  runAsNonRoot: true\nrunners:\n  config: |\n    [[runners]]\n"
    );
    assert!(left.is_empty(), "{left:?}");
    // The last field of `securityContext`: the key goes too (null would drop the chart's
    // default container security context), and a new `podSecurityContext` follows.
    let only = "securityContext:\n  fsGroup: 999\nrunners:\n  config: |\n    [[runners]]\n";
    let (fixed, _) = fix_one("values.yaml", only, "RD111", true);
    assert_eq!(
        fixed,
        "podSecurityContext:\n  fsGroup: 999\nrunners:\n  config: |\n    [[runners]]\n"
    );
}

#[test]
fn the_service_network_is_appended_safely_only_when_given() {
    let path = PathBuf::from("config.toml");
    let text = "[[runners]]\n  executor = \"kubernetes\"\n  environment = [\"HTTPS_PROXY=http://proxy:8080\", \"NO_PROXY=.svc\", \"no_proxy=.svc\"]\n";
    let mut settings = Settings {
        select: vec!["RD605".into()],
        ..Settings::default()
    };
    let assumed = fix::fix(
        vec![(path.clone(), text.to_string())],
        &settings,
        FixOptions::default(),
    );
    assert!(assumed.applied.is_empty(), "applied on a default network");
    assert_eq!(assumed.unsafe_remaining().len(), 1);
    settings.assume = vec![("cluster.service_network".into(), "10.43.0.0/16".into())];
    let given = fix::fix(
        vec![(path, text.to_string())],
        &settings,
        FixOptions::default(),
    );
    assert_eq!(
        given.files[0].fixed,
        text.replace("=.svc\"", "=.svc,10.43.0.0/16\"")
    );
    assert!(given.report.diagnostics.is_empty());
    // Each spelling is checked: curl reads `no_proxy` first, Go only `NO_PROXY`.
    let one_case = "[[runners]]\n  environment = [\"HTTPS_PROXY=http://p:1\", \"NO_PROXY=10.43.0.0/16\", \"no_proxy=.svc\"]\n";
    let run = fix::fix(
        vec![("c.toml".into(), one_case.to_string())],
        &settings,
        FixOptions::default(),
    );
    assert_eq!(
        run.files[0].fixed,
        one_case.replace("no_proxy=.svc", "no_proxy=.svc,10.43.0.0/16")
    );
}

/// A copy of the bundled example in a fresh temporary directory.
fn example_copy(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rd-fix-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(ROOT).join("examples/openshift-pvc-cache");
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir
}

fn read_dir_inputs(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let t = std::fs::read_to_string(&p).unwrap();
            (p, t)
        })
        .collect()
}

#[test]
fn the_founding_case_is_fixed_and_its_cache_writable_after_the_prepare_job() {
    let dir = example_copy("case");
    let inputs = read_dir_inputs(&dir);
    let original_configmap = std::fs::read_to_string(dir.join("configmap.yaml")).unwrap();
    let run = fix::fix(inputs, &Settings::default(), FixOptions::default());
    assert!(run.converged);
    assert!(run.report.diagnostics.iter().any(|d| d.code == "RD402"));
    for file in run.files.iter().filter(|f| f.changed()) {
        fix::write::write_fixed(&file.path, &file.original, &file.fixed, &[]).unwrap();
    }
    let fixed_configmap = std::fs::read_to_string(dir.join("configmap.yaml")).unwrap();
    assert_ne!(fixed_configmap, original_configmap);
    for line in original_configmap
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
    {
        assert!(
            fixed_configmap.contains(line),
            "comment lost: {line:?}\n{fixed_configmap}"
        );
    }
    // What the prepare Job leaves: the root group 0, `2775`.
    let settings = Settings {
        assume: vec![("volume.team-runner-cache.root".into(), "0:0:2775".into())],
        ..Settings::default()
    };
    let (paths, texts): (Vec<_>, Vec<_>) = read_dir_inputs(&dir).into_iter().unzip();
    let report = runner_doctor::check(fix::load(&paths, &texts), settings);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    assert!(!codes.contains(&"RD402"), "{codes:?}");
    for fixed in ["RD106", "RD113", "RD115", "RD404", "RD601", "RD602"] {
        assert!(!codes.contains(&fixed), "{fixed} still fires: {codes:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_s3_cache_patch_makes_the_founding_cache_writable_and_keeps_every_comment() {
    let dir = Path::new(ROOT).join("examples/openshift-pvc-cache");
    let files = read_dir_inputs(&dir);
    let (paths, texts): (Vec<PathBuf>, Vec<String>) = files.iter().cloned().unzip();
    let report = runner_doctor::check(fix::load(&paths, &texts), Settings::default());
    assert!(report.diagnostics.iter().any(|d| d.code == "RD402"));
    let changes = fix::manifests::cache_patch(&report.analysis).expect("a cache patch");
    assert_eq!(changes.len(), 1);
    let change = &changes[0];
    assert!(change.path.ends_with("configmap.yaml"), "{:?}", change.path);
    for line in change
        .original
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
    {
        assert!(change.fixed.contains(line), "comment lost: {line}");
    }
    assert!(change.fixed.contains("        Type = \"s3\"\n        Shared = true\n        [runners.cache.s3]\n          ServerAddress = "));
    assert!(change.fixed.contains("[[runners.kubernetes.volumes.empty_dir]]\n          name = \"team-runner-cache\"\n          mount_path = \"/cache\"\n"));
    // No credential is written.
    assert!(!change.fixed.contains("AccessKey") && !change.fixed.contains("SecretKey"));
    let texts: Vec<String> = paths
        .iter()
        .zip(&texts)
        .map(|(p, t)| {
            if *p == change.path {
                change.fixed.clone()
            } else {
                t.clone()
            }
        })
        .collect();
    let after = runner_doctor::check(fix::load(&paths, &texts), Settings::default());
    let codes: Vec<&str> = after.diagnostics.iter().map(|d| d.code).collect();
    assert!(!codes.contains(&"RD402"), "{codes:?}");
    // `/cache` is now a per-pod emptyDir: the pipeline's `chmod 777` no longer opens a volume
    // every job shares.
    assert!(!codes.contains(&"RD701"), "{codes:?}");
    assert!(
        !codes.iter().any(|c| c.starts_with("RD00") || *c == "RD101"),
        "{codes:?}"
    );
}

#[test]
fn remediation_manifests_load_with_our_own_loaders() {
    let dir = example_copy("manifests");
    let (paths, texts): (Vec<_>, Vec<_>) = read_dir_inputs(&dir).into_iter().unzip();
    let report = runner_doctor::check(fix::load(&paths, &texts), Settings::default());
    let generated = manifests::remediation(&report.analysis);
    let names: Vec<&str> = generated.iter().map(|m| m.file_name.as_str()).collect();
    assert_eq!(names[0], "README.md");
    assert!(names.len() >= 6, "{names:?}");
    let readme = &generated[0].text;
    for needle in [
        "ObjectBucketClaim",
        "chmod 2775",
        "chmod 777",
        "fsGroupChangePolicy",
        "Trade-offs",
        "volume.team-runner-cache.root=0:0:2775",
        "SETFCAP",
    ] {
        assert!(readme.contains(needle), "README lacks {needle}");
    }
    for manifest in &generated[1..] {
        if manifest.file_name.ends_with(".patch") {
            // A diff of the user's own file, not an input (directory walks skip `.patch`).
            assert!(manifest.text.starts_with("--- "), "{}", manifest.text);
            assert!(
                manifest.text.contains("+        Type = \"s3\"\n"),
                "{}",
                manifest.text
            );
            continue;
        }
        let inputs = fix::load(
            &[manifest.file_name.clone().into()],
            std::slice::from_ref(&manifest.text),
        );
        let problems: Vec<_> = inputs.problems.iter().map(|p| p.message.clone()).collect();
        assert!(problems.is_empty(), "{}: {problems:?}", manifest.file_name);
        // The ObjectBucketClaim is a kind runner-doctor does not model; the rest it reads.
        if !manifest.text.contains("kind: ObjectBucketClaim") {
            assert!(
                inputs.has_usable_input(),
                "{} reads as nothing",
                manifest.file_name
            );
        }
        assert!(
            !manifest.text.contains("AWS_SECRET_ACCESS_KEY:"),
            "credentials inline"
        );
    }
    let job = generated
        .iter()
        .find(|m| m.file_name.contains("prepare"))
        .unwrap();
    assert!(job.text.contains("chgrp 0 /cache && chmod 2775 /cache"));
    assert!(job.text.contains("claimName: \"team-runner-cache\""));
    let scc = generated
        .iter()
        .find(|m| m.file_name.contains("scc"))
        .unwrap();
    assert!(
        scc.text.contains("allowedCapabilities: [\"SETFCAP\"]"),
        "{}",
        scc.text
    );
    assert!(scc.text.contains("min: 1000"), "{}", scc.text);
    // The pod spec snippet, pasted at the end of a runner entry as it says, patches that runner
    // and adds no second one.
    let snippet = generated
        .iter()
        .find(|m| m.file_name.contains("pod-spec"))
        .unwrap();
    let pasted = format!(
        "[[runners]]\n  name = \"team\"\n  [runners.kubernetes]\n    namespace = \"ci\"\n{}",
        snippet.text
    );
    let config: toml::Table = pasted.parse().unwrap();
    let runners = config["runners"].as_array().unwrap();
    assert_eq!(runners.len(), 1, "{pasted}");
    assert_eq!(
        runners[0]["kubernetes"]["pod_spec"][0]["name"].as_str(),
        Some("fs-group-change-policy"),
        "{pasted}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
}

#[test]
fn a_file_that_cannot_be_written_is_not_counted_as_fixed() {
    // The input is a link to a file outside the tree given, which `fix` refuses to write
    // through; the summary must not say that its finding was fixed.
    let dir = std::env::temp_dir().join(format!("rd-fix-unwritten-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("inputs")).unwrap();
    std::fs::create_dir_all(dir.join("outside")).unwrap();
    let config = "[[runners]]\n  name = \"r\"\n  url = \"https://gitlab.example.com\"\n  executor = \"kubernetes\"\n  [runners.cache]\n    Shared = true\n  [runners.kubernetes]\n    namespace = \"ci\"\n";
    std::fs::write(dir.join("outside/config.toml"), config).unwrap();
    std::os::unix::fs::symlink(
        dir.join("outside/config.toml"),
        dir.join("inputs/config.toml"),
    )
    .unwrap();
    let out = bin()
        .current_dir(&dir)
        .args(["fix", "inputs"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("fixed 0 findings in 0 files"), "{stderr}");
    assert!(
        stderr.contains("1 file left unchanged, so 1 fix is not applied"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("outside/config.toml")).unwrap(),
        config
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn diff_of_the_example_writes_nothing() {
    let dir = example_copy("diff");
    let before = read_dir_inputs(&dir);
    let out = bin()
        .current_dir(&dir)
        .args(["fix", ".", "--diff"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "warnings remain after fixing");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(read_dir_inputs(&dir), before, "--diff wrote a file");
    insta::assert_snapshot!("example_diff", stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fix_writes_keeps_mode_and_exit_code_follows_fail_on() {
    let dir = example_copy("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join("configmap.yaml");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let manifests = dir.join("remediation");
    let out = bin()
        .current_dir(&dir)
        .args([
            "fix",
            "configmap.yaml",
            "runner.yaml",
            "cluster.yaml",
            "--fail-on",
            "never",
        ])
        .arg("--manifests")
        .arg(&manifests)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("fixed 7 findings in 1 file"), "{stderr}");
    assert!(manifests.join("README.md").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("configmap.yaml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // With the manifests next to the input, and the root the prepare Job leaves, `check`
    // reports no cache failure, and the snippets are not read as runners of their own.
    let after = bin()
        .current_dir(&dir)
        .args(["check", ".", "--format", "concise", "--fail-on", "never"])
        .args(["--assume", "volume.team-runner-cache.root=0:0:2775"])
        .output()
        .unwrap();
    let concise = String::from_utf8(after.stdout).unwrap();
    assert!(!concise.contains("RD402"), "{concise}");
    assert!(
        concise.contains("RD701"),
        "the pipeline's chmod 777 is still reported: {concise}"
    );
    let lines: Vec<&str> = concise.lines().collect();
    let mut unique = lines.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        lines.len(),
        unique.len(),
        "a finding is repeated: {concise}"
    );
    assert!(!concise.contains(".snippet"), "{concise}");
    // The prepare Job is admitted, under anyuid, by the namespace it is meant for.
    let admit = bin()
        .current_dir(&dir)
        .args([
            "admit",
            "remediation/2-prepare-cache-volume.yaml",
            "cluster.yaml",
        ])
        .output()
        .unwrap();
    let admitted = String::from_utf8_lossy(&admit.stdout);
    assert!(
        admitted.contains("Job/runner-cache-prepare in namespace `ci-team`")
            && admitted.contains("admitted by SCC anyuid"),
        "{admitted}"
    );
    // A second run has nothing left to do.
    let again = bin()
        .current_dir(&dir)
        .args(["fix", "configmap.yaml", "--diff", "--fail-on", "never"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert!(again.stdout.is_empty());
    // Option 3: with `service_account` set to the dedicated ServiceAccount, the job pods are
    // admitted by the dedicated SCC, not by the looser one the manager's ServiceAccount may use.
    let configmap = dir.join("configmap.yaml");
    let text = std::fs::read_to_string(&configmap).unwrap();
    let with_sa = text.replacen(
        "        namespace = \"ci-team\"\n",
        "        namespace = \"ci-team\"\n        service_account = \"gitlab-runner-jobs\"\n",
        1,
    );
    assert_ne!(with_sa, text);
    std::fs::write(&configmap, with_sa).unwrap();
    let admit = bin()
        .current_dir(&dir)
        .args(["admit", "configmap.yaml", "runner.yaml", "cluster.yaml"])
        .arg("remediation/3-job-service-account-scc.yaml")
        .output()
        .unwrap();
    let admitted = String::from_utf8_lossy(&admit.stdout);
    assert!(
        admitted.contains("admitted by SCC gitlab-runner-jobs"),
        "{admitted}"
    );
    let missing = bin()
        .current_dir(&dir)
        .args(["fix", "no-such-file.toml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}
