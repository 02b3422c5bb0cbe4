//! The command line: clap definitions, their conversion into library settings, and output.
//!
//! Only the binary sees this module; the library never depends on flags.

mod admit;
mod args;
mod commands;
mod config;
mod fix;
#[cfg(feature = "cluster")]
mod live;

pub use args::Args;

use std::io::Write;
use std::process::ExitCode;

/// Runs the command and returns the process exit code.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    commands::dispatch(args)
}

/// Writes a report about these inputs to stdout with every secret value masked: pod names
/// carry a token's first characters, and renderers that do not mask (pod YAML, the access
/// and admission reports) go through here.
pub(crate) fn print_masked(
    sources: &runner_doctor::source::Sources,
    text: &str,
) -> anyhow::Result<()> {
    print(&runner_doctor::render::Secrets::of(sources).mask(text))
}

/// Writes to stdout; a closed pipe (`| head`) is a normal end, not an error.
pub(crate) fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => Ok(other?),
    }
}
