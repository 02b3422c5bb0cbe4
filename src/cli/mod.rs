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

/// Names each problem met while loading the inputs on standard error, as
/// `path:line:column: message` with secrets masked. `check` reports them as findings; `render`,
/// `access` and `admit` call this before showing what they could read, so that what they leave
/// out is named.
pub(crate) fn say_load_problems<'a>(
    inputs: &runner_doctor::model::load::Inputs,
    problems: impl IntoIterator<Item = &'a runner_doctor::model::load::LoadProblem>,
) {
    let secrets = runner_doctor::render::Secrets::of(&inputs.sources);
    for problem in problems {
        // A problem without a place (an unreadable file) names its file in the message.
        let line = match problem.span {
            Some(span) => {
                let (_, _, at) = runner_doctor::render::locate(&inputs.sources, span);
                let place = format!("{}:{}:{}", at.path, at.line, at.column);
                format!("runner-doctor: {place}: {}", problem.message)
            }
            None => format!("runner-doctor: {}", problem.message),
        };
        eprintln!("{}", secrets.mask(&line));
    }
}

/// Whether an input could not be read or parsed, so that what the command shows leaves its
/// objects out (the commands other than `check` then exit 2, having named it).
pub(crate) fn some_input_unparsed(inputs: &runner_doctor::model::load::Inputs) -> bool {
    use runner_doctor::model::load::ProblemKind;
    inputs.problems.iter().any(|p| {
        matches!(
            p.kind,
            ProblemKind::Unreadable
                | ProblemKind::YamlSyntax
                | ProblemKind::TomlSyntax
                | ProblemKind::InvalidObject
        )
    })
}

/// Writes to stdout; a closed pipe (`| head`) is a normal end, not an error.
pub(crate) fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => Ok(other?),
    }
}
