//! `fix` interrupted: killed at any moment, it leaves the old file or the new one, never a
//! partial one (the write goes to a temporary file that is renamed over the original).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_runner-doctor");

/// A config with one safe fix (`tls_verify` is a Docker key) and a large body of comments, so
/// that writing the fixed file takes a measurable part of the run.
fn original() -> String {
    let mut text = String::from(
        "[[runners]]\n  url = \"https://gitlab.example.com/\"\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n    namespace = \"ci\"\n    tls_verify = true\n",
    );
    for i in 0..60_000 {
        text.push_str(&format!(
            "# padding line {i:06}: keeps the file large enough to be cut mid-write\n"
        ));
    }
    text
}

fn run_fix(dir: &Path) -> std::process::Child {
    Command::new(BIN)
        .args(["fix", "--select", "RD104"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("runner-doctor starts")
}

#[cfg(unix)]
#[test]
fn a_killed_fix_leaves_the_old_or_the_new_file() {
    let base = std::env::temp_dir().join(format!("rd-fix-interrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let old = original();

    // One full run: the fixed text, and how long a run takes.
    let dir = base.join("full");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), &old).unwrap();
    let started = Instant::now();
    let status = run_fix(&dir).wait().unwrap();
    let full = started.elapsed();
    assert!(status.code().is_some(), "fix ran to the end");
    let new = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(new != old, "the fix did not change the file");
    assert!(!new.contains("tls_verify"));

    // Kill runs at moments spread over the whole run, the end included.
    let mut outcomes = (0, 0);
    for step in 0..16u32 {
        let dir = base.join(format!("kill-{step}"));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, &old).unwrap();
        let mut child = run_fix(&dir);
        std::thread::sleep(full.mul_f64(f64::from(step) / 15.0));
        let _ = child.kill();
        let _ = child.wait();
        let text = std::fs::read_to_string(&path).unwrap();
        if text == old {
            outcomes.0 += 1;
        } else {
            assert!(
                text == new,
                "kill {step}: a partial file was left ({} bytes)",
                text.len()
            );
            outcomes.1 += 1;
        }
    }
    eprintln!(
        "old file left {} times, new file {} times",
        outcomes.0, outcomes.1
    );
    assert_eq!(outcomes.0 + outcomes.1, 16);
    let _ = std::fs::remove_dir_all(&base);
}
