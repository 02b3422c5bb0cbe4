//! Benchmarks (divan): loading the bundled example, job pod synthesis, admission, the access
//! matrix and the whole `check`; and, over synthetic cluster dumps written by
//! `examples/gen_dump.rs`, splitting, per-item parsing (YAML and the JSON fast path) and the
//! whole `admit --audit` sweep.
//!
//! `cargo bench --bench scale` runs them all; dumps default to 1 000 pods, and
//! `RD_BENCH_PODS=1000,10000 cargo bench --bench scale -- sweep` sets the sizes. The figures
//! for the 100 000-pod target (wall time and peak memory of the binary, which need a process)
//! come from `scripts/compare.sh`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use runner_doctor::admission::audit::{self, AuditSettings, Platform};
use runner_doctor::admission::sweep::{self, SweepOptions};
use runner_doctor::analysis::Analysis;
use runner_doctor::model::load::Inputs;
use runner_doctor::model::runner::RunnerConfigFile;
use runner_doctor::pod;
use runner_doctor::render::access;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::{DEFAULT_MAX_INPUT_SIZE, read_inputs};
use runner_doctor::source::stream::{self, SplitOptions};

#[allow(dead_code)]
#[path = "../examples/gen_dump.rs"]
mod gen_dump;

fn main() {
    alias_bomb_facts();
    divan::main();
}

/// For the YAML crate choice: what each candidate does with a "billion laughs" item (nine
/// levels of ten aliases, 10^9 nodes once expanded). Printed, not asserted: the loaders' own
/// tests assert ours.
fn alias_bomb_facts() {
    let mut bomb = String::from("- kind: Pod\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..9 {
        let prev = format!("*a{}", level - 1);
        let refs = [prev.as_str(); 10].join(", ");
        bomb.push_str(&format!("  a{level}: &a{level} [{refs}]\n"));
    }
    let ours = stream::parse_item(&stream::RawItem {
        offset: 0,
        kind: None,
        api_version: None,
        body: stream::Body::Yaml {
            text: bomb.clone(),
            entry: true,
            prelude: None,
        },
    });
    let spanned = runner_doctor::source::yaml::parse(&bomb);
    let serde_saphyr = serde_saphyr::from_str::<serde_json::Value>(&bomb);
    let verdict = |refused: bool, why: String| {
        if refused {
            format!("refused ({why})")
        } else {
            "EXPANDED".to_owned()
        }
    };
    eprintln!("alias bomb, 10^9 nodes once expanded:");
    eprintln!(
        "  saphyr-parser events -> serde_json (stream::parse_item): {}",
        verdict(ours.is_err(), ours.err().unwrap_or_default())
    );
    eprintln!(
        "  saphyr-parser events -> spanned tree (source::yaml::parse): {}",
        verdict(
            !spanned.errors.is_empty(),
            spanned
                .errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default()
        )
    );
    eprintln!(
        "  serde-saphyr 2.2 (default budget): {}",
        verdict(
            serde_saphyr.is_err(),
            serde_saphyr
                .err()
                .and_then(|e| e.to_string().lines().next().map(str::to_owned))
                .unwrap_or_default()
        )
    );
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> PathBuf {
    root().join("examples/openshift-pvc-cache")
}

fn load(path: &Path) -> Inputs {
    Inputs::load(read_inputs(&[path.to_path_buf()], DEFAULT_MAX_INPUT_SIZE))
}

/// Reading and parsing the bundled example (ConfigMap with an embedded config.toml, the
/// runner Deployment, the cluster objects).
#[divan::bench]
fn load_example(b: Bencher) {
    let path = example();
    b.bench(|| load(black_box(&path)));
}

/// `check` on the bundled example, in process (the binary's start is timed by the script).
#[divan::bench]
fn check_example(b: Bencher) {
    let path = example();
    b.bench(|| {
        runner_doctor::check(load(&path), Settings::default())
            .diagnostics
            .len()
    });
}

const RUNNER: &str = r#"
[[runners]]
  name = "team"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "ci-team"
    privileged = false
    cpu_limit = "2"
    memory_limit = "6Gi"
    helper_memory_limit = "1Gi"
    [runners.kubernetes.pod_security_context]
      fs_group = 1000
      run_as_non_root = true
    [runners.kubernetes.build_container_security_context]
      run_as_user = 1000
      [runners.kubernetes.build_container_security_context.capabilities]
        drop = ["ALL"]
    [[runners.kubernetes.volumes.pvc]]
      name = "cache"
      mount_path = "/cache"
    [[runners.kubernetes.volumes.secret]]
      name = "ca"
      mount_path = "/etc/gitlab-runner/certs/"
"#;

/// The job pod the runner builds for one job, from a typed `[[runners]]` entry.
#[divan::bench]
fn pod_synthesis(b: Bencher) {
    let cfg = RunnerConfigFile::from_toml_str(RUNNER).expect("config parses");
    let job = pod::Job {
        image: Some("maven:3-eclipse-temurin-21".into()),
        ..pod::Job::default()
    };
    b.bench(|| pod::build_default(black_box(&cfg.runners[0]), black_box(&job)).is_ok());
}

/// SCC admission and PSA of the `admit` fixture's workloads on OpenShift 4.14.
#[divan::bench]
fn admission(b: Bencher) {
    let inputs = load(&root().join("tests/fixtures/admit/rejected"));
    let settings = AuditSettings::new(Platform::parse("openshift-4.14").expect("platform"));
    b.bench(|| audit::audit(black_box(&inputs), &settings).items.len());
}

/// The access matrix (process identity and volume permissions per stage) of the example.
#[divan::bench]
fn access_matrix(b: Bencher) {
    let analysis = Analysis::new(load(&example()), Settings::default());
    b.bench(|| access::report(black_box(&analysis), None).runners.len());
}

/// Dump sizes from `RD_BENCH_PODS` (comma-separated), 1 000 pods by default.
fn pod_counts() -> Vec<usize> {
    std::env::var("RD_BENCH_PODS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1000])
}

fn dump_text(pods: usize, json: bool) -> String {
    let mut out = Vec::new();
    gen_dump::write_dump(
        &mut out,
        pods,
        if json {
            gen_dump::Format::Json
        } else {
            gen_dump::Format::List
        },
        false,
    )
    .expect("in memory");
    String::from_utf8(out).expect("the generator writes UTF-8")
}

fn dump_file(pods: usize, json: bool) -> PathBuf {
    let dir = std::env::temp_dir().join("runner-doctor-bench");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!(
        "dump-{pods}.{}",
        if json { "json" } else { "yaml" }
    ));
    if !path.exists() {
        std::fs::write(&path, dump_text(pods, json)).expect("write dump");
    }
    path
}

/// Cutting a YAML List into items (one thread, no parsing).
#[divan::bench(args = pod_counts(), sample_count = 10)]
fn split_yaml(b: Bencher, pods: usize) {
    let text = dump_text(pods, false);
    b.counter(BytesCount::new(text.len()))
        .bench(|| stream::split_yaml_str(black_box(&text), SplitOptions::default()).len());
}

/// Parsing every item of a YAML List into values (one thread; status kept).
#[divan::bench(args = pod_counts(), sample_count = 10)]
fn parse_yaml_items(b: Bencher, pods: usize) {
    let text = dump_text(pods, false);
    let items = stream::split_yaml_str(&text, SplitOptions::default());
    b.counter(BytesCount::new(text.len())).bench(|| {
        items
            .iter()
            .map(|i| stream::parse_item(i).map_or(0, |v| v.len()))
            .sum::<usize>()
    });
}

/// Cutting and parsing every item of an `oc get -o json` List (one thread): the serde_json
/// fast path.
#[divan::bench(args = pod_counts(), sample_count = 10)]
fn split_and_parse_json(b: Bencher, pods: usize) {
    let text = dump_text(pods, true);
    b.counter(BytesCount::new(text.len())).bench(|| {
        stream::split_json_str(black_box(&text))
            .iter()
            .map(|i| stream::parse_item(i).map_or(0, |v| v.len()))
            .sum::<usize>()
    });
}

fn sweep_file(b: Bencher, pods: usize, json: bool) {
    let path = dump_file(pods, json);
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let settings = AuditSettings::new(Platform::parse("openshift-4.14").expect("platform"));
    let options = SweepOptions::default();
    b.counter(BytesCount::new(bytes))
        .counter(ItemsCount::new(pods))
        .bench(|| {
            sweep::sweep(
                std::slice::from_ref(&path),
                &settings,
                &options,
                &mut |_| {},
            )
            .expect("dump reads")
            .total
            .pods
        });
}

/// `admit --audit` over a YAML dump file, on all cores.
#[divan::bench(args = pod_counts(), sample_count = 5)]
fn sweep_yaml(b: Bencher, pods: usize) {
    sweep_file(b, pods, false);
}

/// `admit --audit` over a JSON dump file, on all cores.
#[divan::bench(args = pod_counts(), sample_count = 5)]
fn sweep_json(b: Bencher, pods: usize) {
    sweep_file(b, pods, true);
}

/// For the YAML crate choice: the same items through serde-saphyr into values (no spans, its
/// default budget per item), against [`parse_yaml_items`] (saphyr-parser events, YAML 1.1
/// scalars, our alias budget).
#[divan::bench(args = pod_counts(), sample_count = 10)]
fn parse_yaml_items_serde_saphyr(b: Bencher, pods: usize) {
    let text = dump_text(pods, false);
    let items = stream::split_yaml_str(&text, SplitOptions::default());
    let texts: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.body {
            stream::Body::Yaml { text, .. } => Some(text.as_str()),
            stream::Body::Json(_) => None,
        })
        .collect();
    b.counter(BytesCount::new(text.len())).bench(|| {
        texts
            .iter()
            .filter(|t| serde_saphyr::from_str::<serde_json::Value>(t).is_ok())
            .count()
    });
}

/// For the YAML crate choice: the same items into the loader's spanned tree (a byte span on
/// every node, YAML 1.1 scalars, our alias budget), as `check` reads a file.
#[divan::bench(args = pod_counts(), sample_count = 10)]
fn parse_yaml_items_spanned_tree(b: Bencher, pods: usize) {
    let text = dump_text(pods, false);
    let items = stream::split_yaml_str(&text, SplitOptions::default());
    let texts: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.body {
            stream::Body::Yaml { text, .. } => Some(text.as_str()),
            stream::Body::Json(_) => None,
        })
        .collect();
    b.counter(BytesCount::new(text.len())).bench(|| {
        texts
            .iter()
            .map(|t| runner_doctor::source::yaml::parse(t).documents.len())
            .sum::<usize>()
    });
}

/// For the YAML crate choice: saphyr-parser's events alone over the same items (the floor of
/// any tree built on it).
#[divan::bench(args = pod_counts(), sample_count = 10)]
fn yaml_events_only(b: Bencher, pods: usize) {
    let text = dump_text(pods, false);
    let items = stream::split_yaml_str(&text, SplitOptions::default());
    let texts: Vec<&str> = items
        .iter()
        .filter_map(|i| match &i.body {
            stream::Body::Yaml { text, .. } => Some(text.as_str()),
            stream::Body::Json(_) => None,
        })
        .collect();
    b.counter(BytesCount::new(text.len())).bench(|| {
        texts
            .iter()
            .map(|t| saphyr_parser::Parser::new_from_str(t).count())
            .sum::<usize>()
    });
}
