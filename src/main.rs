//! The `runner-doctor` binary: parse the command line, run the library, print, exit.

mod cli;

use std::process::ExitCode;

use clap::Parser;

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
