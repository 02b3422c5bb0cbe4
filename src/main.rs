//! The `runner-doctor` binary: parse the command line, run the library, print, exit.

// Bad input must never panic: an `unwrap` or `expect` is allowed only where an invariant makes
// it unreachable, with an `#[allow]` and a comment saying which invariant.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: a streaming audit allocates and frees millions
/// of short strings on several threads, where glibc's malloc took about a third of the time
/// (docs/benchmarks.md, 2026-12-04).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            // Print the whole cause chain, as the library's errors carry their sources.
            eprintln!("runner-doctor: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
