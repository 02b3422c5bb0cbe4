//! `fix`: apply the fixes rules offer, show them as a diff, write remediation manifests.
//!
//! The library computes everything (edits until stable, the diff, the manifests); this file
//! reads the inputs, writes the results and chooses the exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use runner_doctor::diagnostic::Severity;
use runner_doctor::fix::{self, FixOptions, diff, manifests, write};
use runner_doctor::source::discover::read_inputs;

use super::args::{FailOn, ModelArgs};
use super::print;

#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// Files or directories to fix (recursively).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print a unified diff of the fixes instead of writing them.
    #[arg(long)]
    pub diff: bool,
    /// Also apply fixes that change behaviour or loosen security.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Write remediation manifests (with a README ranking them) into this directory.
    #[arg(long, value_name = "DIR")]
    pub manifests: Option<PathBuf>,
    /// Run only these rules (code, code prefix, name or group); repeatable.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (code, code prefix, name or group); repeatable.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Lowest severity left after fixing that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
}

pub fn run(args: FixArgs) -> anyhow::Result<ExitCode> {
    let mut settings = args.model.settings()?;
    settings.select = args.select.clone();
    settings.ignore = args.ignore.clone();
    settings.fail_on = match args.fail_on {
        FailOn::Error | FailOn::Never => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let mut failed = false;
    let mut files = Vec::new();
    for input in read_inputs(&args.paths, args.model.max_input_size) {
        match input.text {
            Ok(text) if input.path.as_os_str() == "-" && !args.diff => {
                eprintln!("runner-doctor: standard input cannot be fixed in place; use `--diff`");
                failed = true;
                files.push((input.path, text));
            }
            Ok(text) => files.push((input.path, text)),
            Err(err) => {
                eprintln!("runner-doctor: error: {err}");
                failed = true;
            }
        }
    }
    if files.is_empty() {
        eprintln!("runner-doctor: nothing to fix in the inputs");
        return Ok(ExitCode::from(2));
    }
    let options = FixOptions {
        unsafe_fixes: args.unsafe_fixes,
    };
    let run = fix::fix(files, &settings, options);
    // The tree the user named: a fixed file must lie in it once links are resolved.
    let roots: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let mut out = String::new();
    let mut unwritten: Vec<&std::path::Path> = Vec::new();
    for file in run.files.iter().filter(|f| f.changed()) {
        let name = file.path.display().to_string();
        let name = name.strip_prefix("./").unwrap_or(&name);
        if args.diff {
            out.push_str(&diff::unified(
                name,
                &file.display_original,
                &file.display_fixed,
            ));
        } else if file.path.as_os_str() != "-"
            && let Err(err) = write::write_fixed(&file.path, &file.original, &file.fixed, &roots)
        {
            eprintln!("runner-doctor: error: {:#}", anyhow::Error::from(err));
            unwritten.push(&file.path);
            failed = true;
        }
    }
    print(&out)?;
    // Only what reached the disk counts as fixed.
    let verb = if args.diff { "would fix" } else { "fixed" };
    let written = |path: &std::path::Path| !unwritten.contains(&path);
    let fixed = run.applied.iter().filter(|a| written(&a.path)).count();
    let changed = run
        .files
        .iter()
        .filter(|f| f.changed() && written(&f.path))
        .count();
    eprintln!(
        "runner-doctor: {verb} {fixed} finding{} in {changed} file{}",
        if fixed == 1 { "" } else { "s" },
        if changed == 1 { "" } else { "s" }
    );
    if !unwritten.is_empty() {
        let lost = run.applied.len() - fixed;
        eprintln!(
            "runner-doctor: {} file{} left unchanged, so {lost} fix{} not applied",
            unwritten.len(),
            if unwritten.len() == 1 { "" } else { "s" },
            if lost == 1 { " is" } else { "es are" }
        );
    }
    if !run.converged {
        eprintln!(
            "runner-doctor: fixes did not settle after {} rounds; the rest is left as it is",
            fix::MAX_ROUNDS
        );
    }
    let unsafe_left = run.unsafe_remaining();
    if !args.unsafe_fixes && !unsafe_left.is_empty() {
        eprintln!(
            "runner-doctor: {} more fix{} with `--unsafe-fixes` ({})",
            unsafe_left.len(),
            if unsafe_left.len() == 1 { "" } else { "es" },
            unsafe_left
                .iter()
                .map(|d| d.code)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(dir) = &args.manifests {
        let generated = manifests::remediation(&run.report.analysis);
        if generated.is_empty() {
            eprintln!("runner-doctor: no cache volume needs remediation; no manifests written");
        } else if args.diff {
            let names: Vec<&str> = generated.iter().map(|m| m.file_name.as_str()).collect();
            eprintln!(
                "runner-doctor: would write {} into `{}`",
                names.join(", "),
                dir.display()
            );
        } else {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
            for manifest in &generated {
                let path = dir.join(&manifest.file_name);
                std::fs::write(&path, &manifest.text)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
            }
            eprintln!(
                "runner-doctor: wrote {} remediation files into `{}` (see README.md there)",
                generated.len(),
                dir.display()
            );
        }
    }
    let remaining = !run.remaining_fixable(options).is_empty();
    let fails = run.report.fails() && !matches!(args.fail_on, FailOn::Never);
    Ok(if failed {
        ExitCode::from(2)
    } else if remaining || fails || !run.converged {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
