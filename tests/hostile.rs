//! Hostile input: each case must end, quickly and without a panic, in a clear diagnostic that
//! names the file (and the line, where there is one). The time check only catches a
//! pathological hang (many seconds); it is not a performance assertion.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Far above any normal run; only a hang or a runaway expansion gets near it.
const HANG: Duration = Duration::from_secs(60);

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hostile")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary, killing it if it outlives [`HANG`], and checks it did not panic.
fn run_with(args: &[&str], stdin: Stdio) -> Output {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_runner-doctor"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes while waiting: a child whose output fills a pipe would block for ever.
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            panic!("`runner-doctor {}` hung for {HANG:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = Output {
        status: child.wait().unwrap(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked"),
        "`runner-doctor {}` panicked:\n{stderr}",
        args.join(" ")
    );
    // 101 is Rust's panic exit code; the tool exits 0, 1 or 2.
    assert!(
        matches!(output.status.code(), Some(0..=2)),
        "exit status {:?}",
        output.status
    );
    output
}

fn check(path: &Path) -> String {
    check_args(&["check", "--format", "concise", path.to_str().unwrap()])
}

fn check_args(args: &[&str]) -> String {
    let output = run_with(args, Stdio::null());
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_has(out: &str, needles: &[&str]) {
    for needle in needles {
        assert!(out.contains(needle), "expected `{needle}` in:\n{out}");
    }
}

#[test]
fn billion_laughs_stops_at_the_alias_budget() {
    let dir = scratch("laughs");
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for name in 'b'..='i' {
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        prev = name;
    }
    let file = dir.join("laughs.yaml");
    std::fs::write(&file, &text).unwrap();
    let out = check(&file);
    assert_has(
        &out,
        &["laughs.yaml:", "alias expansion exceeds 100000 nodes"],
    );
}

#[test]
fn alias_bomb_inside_helm_values_and_merge_keys() {
    let dir = scratch("merge_bomb");
    // Merge keys multiply like aliases; the budget counts them the same way.
    let mut text = String::from("l0: &l0 {");
    text.push_str(
        &(0..50)
            .map(|i| format!("k{i}: v"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    text.push_str("}\n");
    for level in 1..8 {
        let refs: Vec<String> = (0..10).map(|_| format!("*l{}", level - 1)).collect();
        text.push_str(&format!("l{level}: &l{level} [{}]\n", refs.join(", ")));
    }
    text.push_str("runners:\n  config: |\n    [[runners]]\n  <<: *l0\n");
    let file = dir.join("values.yaml");
    std::fs::write(&file, &text).unwrap();
    let out = check(&file);
    assert_has(&out, &["values.yaml:", "alias expansion exceeds"]);
}

#[test]
fn deep_yaml_nesting_is_refused_with_its_line() {
    let dir = scratch("deep_yaml");
    let block: String = (0..1000)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    let file = dir.join("block.yaml");
    std::fs::write(&file, block).unwrap();
    assert_has(
        &check(&file),
        &["block.yaml:257:", "nesting deeper than 256 levels"],
    );

    let flow = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let file = dir.join("flow.yaml");
    std::fs::write(&file, flow).unwrap();
    // saphyr-parser's own limit for flow collections comes first.
    assert_has(
        &check(&file),
        &["flow.yaml:1:", "error[RD003]", "recursion limit"],
    );
}

#[test]
fn deep_toml_nesting_is_refused() {
    let dir = scratch("deep_toml");
    let n = 100_000;
    let cases = [
        (
            "arrays.toml",
            format!("concurrent = 1\na = {}{}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "inline.toml",
            format!(
                "concurrent = 1\na = {}1{}\n",
                "{b = ".repeat(n),
                "}".repeat(n)
            ),
        ),
        (
            "dotted.toml",
            format!("concurrent = 1\n{} = 1\n", vec!["a"; n].join(".")),
        ),
        (
            "header.toml",
            format!("concurrent = 1\n[{}]\n", vec!["a"; n].join(".")),
        ),
    ];
    for (name, text) in cases {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        assert_has(
            &check(&file),
            &[&format!("{name}:"), "error[RD002]", "nesting too deep"],
        );
    }
}

#[test]
fn deep_toml_inside_a_configmap_points_at_the_host_file() {
    let dir = scratch("deep_embedded");
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  config.toml: |\n    concurrent = 1\n    a = {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let file = dir.join("cm.yaml");
    std::fs::write(&file, text).unwrap();
    assert_has(&check(&file), &["cm.yaml:8:", "nesting too deep"]);
}

#[test]
fn huge_scalars_are_read_within_the_size_limit() {
    let dir = scratch("huge_scalar");
    // 8 MiB in one string: read, bounded by the input size, and never echoed whole.
    let text = format!(
        "[[runners]]\n  name = \"{}\"\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    namespace = \"ci\"\n    privilegd = true\n",
        "x".repeat(8 << 20)
    );
    let file = dir.join("huge.toml");
    std::fs::write(&file, text).unwrap();
    let out = check(&file);
    assert_has(&out, &["huge.toml:6:", "privilegd"]);
    assert!(
        out.len() < 1 << 20,
        "the huge scalar was echoed: {} bytes",
        out.len()
    );
}

#[test]
fn a_file_over_the_size_limit_is_named() {
    let dir = scratch("too_large");
    let file = dir.join("big.toml");
    std::fs::write(&file, "concurrent = 1\n".repeat(1000)).unwrap();
    let out = check_args(&["check", "--max-input-size", "1000", file.to_str().unwrap()]);
    assert_has(
        &out,
        &[
            "big.toml",
            "15000 bytes, over the 1000-byte limit",
            "--max-input-size",
        ],
    );
}

#[test]
fn the_default_size_limit_is_64_mib() {
    assert_eq!(
        runner_doctor::source::discover::DEFAULT_MAX_INPUT_SIZE,
        64 * 1024 * 1024
    );
}

#[test]
fn invalid_utf8_is_named_with_its_line() {
    let dir = scratch("utf8");
    let file = dir.join("latin1.toml");
    std::fs::write(
        &file,
        b"concurrent = 1\n[[runners]]\n  name = \"caf\xe9\"\n",
    )
    .unwrap();
    assert_has(
        &check(&file),
        &["latin1.toml", "not valid UTF-8 (line 3, byte 40)"],
    );
}

#[test]
fn nul_bytes_are_named_with_their_line() {
    let dir = scratch("nul");
    let file = dir.join("nul.yaml");
    std::fs::write(&file, b"a: 1\nb: \0\n").unwrap();
    assert_has(&check(&file), &["nul.yaml", "NUL byte (line 2, byte 8)"]);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_a_directory_ends() {
    let dir = scratch("symlink_loop");
    std::fs::write(
        dir.join("config.toml"),
        "[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    namspace = \"ci\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub/abs")).unwrap();
    std::os::unix::fs::symlink("self.yaml", dir.join("self.yaml")).unwrap();
    std::os::unix::fs::symlink("b.toml", dir.join("a.toml")).unwrap();
    std::os::unix::fs::symlink("a.toml", dir.join("b.toml")).unwrap();
    let out = check(&dir);
    // The config is read once, not once per way round the loop.
    assert_eq!(out.matches("namspace").count(), 1, "{out}");
    assert_has(&out, &["self.yaml", "a.toml", "b.toml", "symbolic links"]);
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_being_opened() {
    let dir = scratch("fifo");
    let fifo = dir.join("pipe.toml");
    mkfifo(&fifo);
    // Opening a FIFO blocks until a writer comes: none ever does here.
    assert_has(
        &check(&fifo),
        &[
            "pipe.toml",
            "is a FIFO (named pipe), not a regular file",
            "not opened",
        ],
    );
    // Found in a directory walk under a config file's name, likewise.
    let out = check(&dir);
    assert_has(&out, &["pipe.toml", "FIFO"]);
}

#[cfg(unix)]
#[test]
fn endless_character_devices_are_refused() {
    for device in ["/dev/zero", "/dev/urandom"] {
        if !Path::new(device).exists() {
            continue;
        }
        let out = check(Path::new(device));
        assert_has(&out, &[device, "is a character device", "not opened"]);
        for command in ["render", "access", "admit"] {
            let out = check_args(&[command, device]);
            assert!(!out.contains("panicked"));
        }
    }
}

#[cfg(unix)]
#[test]
fn endless_standard_input_stops_at_the_limit() {
    let Ok(zero) = std::fs::File::open("/dev/zero") else {
        return;
    };
    let output = run_with(
        &["check", "--max-input-size", "100000", "-"],
        Stdio::from(zero),
    );
    let out = String::from_utf8_lossy(&output.stderr).to_string()
        + &String::from_utf8_lossy(&output.stdout);
    assert_has(&out, &["100001 bytes, over the 100000-byte limit"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn many_small_aliases_and_long_keys_stay_bounded() {
    let dir = scratch("many_aliases");
    let mut text = String::from("x: &x v\nitems:\n");
    for _ in 0..200_000 {
        text.push_str("- *x\n");
    }
    let file = dir.join("aliases.yaml");
    std::fs::write(&file, text).unwrap();
    assert_has(&check(&file), &["aliases.yaml:", "alias expansion exceeds"]);

    let key = "k".repeat(1 << 20);
    let file = dir.join("longkey.toml");
    std::fs::write(&file, format!("concurrent = 1\n{key} = 1\n")).unwrap();
    let out = check(&file);
    assert!(out.len() < 4 << 20, "output grew to {} bytes", out.len());
}

#[test]
fn garbage_never_panics() {
    let dir = scratch("garbage");
    let cases: &[(&str, &[u8])] = &[
        ("empty.toml", b""),
        ("spaces.yaml", b"   \n\t\n"),
        ("bom.toml", b"\xef\xbb\xbf[[runners]]\n"),
        ("colon.toml", b":::\n[[[\n"),
        ("tabs.yaml", b"a:\n\t- b\n"),
        ("unclosed.yaml", b"a: \"\n"),
        ("directive.yaml", b"%YAML 9.9\n---\na: 1\n"),
        ("anchor.yaml", b"a: *nope\n"),
        ("list.yaml", b"apiVersion: v1\nkind: List\nitems: 5\n"),
        (
            "cm.yaml",
            b"apiVersion: v1\nkind: ConfigMap\ndata:\n  config.toml: 5\n",
        ),
        ("crlf.toml", b"[[runners]]\r\n  name = \"x\"\r\n"),
        ("lone_cr.toml", b"[[runners]]\r  name = \"x\"\r"),
    ];
    for (name, bytes) in cases {
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        for command in ["check", "render", "access", "admit"] {
            run_with(&[command, file.to_str().unwrap()], Stdio::null());
        }
    }
}

#[test]
fn a_megabyte_key_is_named_briefly_in_every_format() {
    let dir = scratch("huge_key");
    let config = |key: &str| {
        format!("[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    {key} = 1\n")
    };
    let small = dir.join("small.toml");
    let huge = dir.join("huge.toml");
    std::fs::write(&small, config(&"k".repeat(10))).unwrap();
    std::fs::write(&huge, config(&"k".repeat(1 << 20))).unwrap();
    for format in ["human", "concise", "json", "sarif", "gitlab", "junit"] {
        let out = |file: &Path| check_args(&["check", "--format", format, file.to_str().unwrap()]);
        let (small_out, huge_out) = (out(&small), out(&huge));
        // The key is shown by its start and its length, and nothing else grows with it.
        assert!(
            huge_out.len() < small_out.len() + 16 * 1024,
            "{format}: {} bytes against {} for a short key",
            huge_out.len(),
            small_out.len()
        );
        assert!(
            huge_out.contains(&"k".repeat(48)),
            "{format}: the key is not named"
        );
    }
    assert_has(
        &check_args(&["check", huge.to_str().unwrap()]),
        &[
            "…` (1048576 bytes) in `[runners.kubernetes]`",
            "huge.toml:4:5",
        ],
    );
}

#[test]
fn a_flow_collection_over_the_limit_is_refused_unread() {
    let dir = scratch("flow");
    // Under the YAML scanner this would be buffered whole, at hundreds of times its size.
    let yaml = dir.join("flow.yaml");
    std::fs::write(
        &yaml,
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\nvalues: [{}1]\n",
            "1,".repeat(3 << 19)
        ),
    )
    .unwrap();
    let json = dir.join("dump.json");
    let item = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}},"#;
    std::fs::write(
        &json,
        format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n{}\n{{}}]}}\n",
            item.repeat((3 << 20) / item.len())
        ),
    )
    .unwrap();
    assert_has(
        &check(&yaml),
        &["flow.yaml:6:9", "flow collection", "2 MiB"],
    );
    assert_has(
        &check(&json),
        &["dump.json:1:1", "flow collection", "admit --audit"],
    );
    // The document before it is still read: the ConfigMap is modelled (no unreadable input).
    let out = check_args(&["check", "--format", "json", yaml.to_str().unwrap()]);
    assert!(!out.contains("RD001"), "{out}");
}

#[test]
fn a_fix_whose_own_edits_overlap_is_left_unapplied() {
    // Found by the `fix` fuzz target: RD113 offered two removals sharing lines of a template
    // whose table name holds a control character, and applying both panicked.
    let dir = scratch("overlapping_fix");
    let file = dir.join("values.yaml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/fuzz/fix-overlapping-edits.yaml"),
        &file,
    )
    .unwrap();
    let before = std::fs::read_to_string(&file).unwrap();
    let output = run_with(
        &["fix", "--unsafe-fixes", file.to_str().unwrap()],
        Stdio::null(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(output.status.code(), Some(0..=2)), "{stderr}");
    // What was applied still loads; the overlapping removal did not eat the patch.
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.contains("secretName: kubeconfig"), "{after}");
    assert_ne!(before, after, "the other fixes still apply");
}

#[test]
fn a_non_ascii_template_placeholder_in_embedded_toml_is_read() {
    // Found by the `embed` fuzz target: Helm values whose `runners.config` holds a `${…}`
    // placeholder ending in a two-byte character after an unclosed string; the masked TOML's
    // error range fell inside that character and slicing the original there panicked.
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz/embed-non-ascii-placeholder.yaml");
    let output = run_with(
        &["check", "--format", "concise", file.to_str().unwrap()],
        Stdio::null(),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // The template is recognised and its syntax errors are named at the host file's lines.
    assert!(stdout.contains("RD006"), "{stdout}");
    assert!(
        stdout.contains("embed-non-ascii-placeholder.yaml:"),
        "{stdout}"
    );
}
