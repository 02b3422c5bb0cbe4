//! One function per subcommand.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::CommandFactory;

use runner_doctor::model::load::Inputs;
use runner_doctor::render::{self, Options};
use runner_doctor::rules::{self, RULES};
use runner_doctor::source::discover::read_inputs;

use super::args::{
    AccessArgs, AccessFormat, Args, CheckArgs, Command, FailOn, Format, RenderArgs, RulesArgs,
    RulesFormat,
};
use super::{print, print_masked, say_load_problems, some_input_unparsed};

pub fn dispatch(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Check(check_args) => check(check_args),
        Command::Access(access_args) => access(access_args),
        Command::Render(render_args) => render_pods(render_args),
        Command::Admit(admit_args) => super::admit::run(admit_args),
        Command::Fix(fix_args) => super::fix::run(fix_args),
        #[cfg(feature = "cluster")]
        Command::Gather(gather_args) => super::live::gather(gather_args),
        #[cfg(feature = "cluster")]
        Command::Probe(probe_args) => super::live::probe(probe_args),
        #[cfg(not(feature = "cluster"))]
        Command::Gather { .. } | Command::Probe { .. } => without_cluster_feature(),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Args::command(), "runner-doctor", &mut out);
            print(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: Some(dir) } => {
            std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(Args::command(), &dir))
                .with_context(|| format!("cannot write manual pages to `{}`", dir.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: None } => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Args::command()).render(&mut out)?;
            print(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules(rules_args) => list_rules(rules_args),
        Command::Explain { rule } => match rules::find(&rule) {
            Some(rule) => {
                print(&rules::docs::page(rule))?;
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!("runner-doctor: no rule `{rule}`; `runner-doctor rules` lists them");
                Ok(ExitCode::from(2))
            }
        },
    }
}

/// `rules`: the table, the Markdown docs (printed or written) or JSON.
fn list_rules(args: RulesArgs) -> anyhow::Result<ExitCode> {
    use runner_doctor::rules::docs;
    match (args.format, &args.write) {
        (RulesFormat::Markdown, Some(dir)) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
            let files = docs::generate();
            // Pages of rules that were renamed or removed would linger otherwise.
            for entry in std::fs::read_dir(dir)? {
                let path = entry?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with("RD")
                    && name.ends_with(".md")
                    && !files.iter().any(|(f, _)| f == name)
                {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("cannot remove `{}`", path.display()))?;
                }
            }
            for (name, text) in &files {
                let path = dir.join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
            }
            eprintln!(
                "runner-doctor: wrote {} files to `{}`",
                files.len(),
                dir.display()
            );
        }
        (_, Some(_)) => anyhow::bail!("`--write` needs `--format markdown`"),
        (RulesFormat::Markdown, None) => {
            let pages: Vec<String> = docs::generate().into_iter().map(|(_, t)| t).collect();
            print(&pages.join("\n---\n\n"))?;
        }
        (RulesFormat::Json, None) => {
            print(&(serde_json::to_string_pretty(&docs::entries())? + "\n"))?;
        }
        (RulesFormat::Text, None) => {
            let mut out = String::new();
            for rule in RULES {
                out.push_str(&format!(
                    "{:<6} {:<38} {:<12} {}\n",
                    rule.code,
                    rule.name,
                    rule.group.name(),
                    rule.one_line_summary()
                ));
            }
            print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let (settings, fail_on) = args.settings()?;
    #[cfg(feature = "cluster")]
    if let Some(inputs) = super::live::check_inputs(&args)? {
        return report(&args, inputs, settings, fail_on);
    }
    #[cfg(not(feature = "cluster"))]
    if args.live {
        return without_cluster_feature();
    }
    // The project config file is settings, never an input to check.
    let raw: Vec<_> = read_inputs(&args.paths, args.model.max_input_size)
        .into_iter()
        .filter(|input| !super::config::is_project_config(&input.path))
        .collect();
    report(&args, Inputs::load(raw), settings, fail_on)
}

/// Runs the rules and prints the report in `check`'s formats; the exit code follows `--fail-on`
/// (2 when nothing usable was read).
pub(super) fn report(
    args: &CheckArgs,
    inputs: Inputs,
    settings: runner_doctor::settings::Settings,
    fail_on: FailOn,
) -> anyhow::Result<ExitCode> {
    let usable = inputs.has_usable_input();
    let report = runner_doctor::check(inputs, settings);
    // GitLab reports paths relative to the project; elsewhere, relative to where we run.
    let root = std::env::var_os("CI_PROJECT_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| ".".into(), Into::into);
    let mut options = Options { color: false, root };
    // Files first: a closed standard output ends the process.
    for (format, path) in &args.output {
        let text = render::render(&report, format.render_format(), &options);
        std::fs::write(path, text).with_context(|| {
            format!(
                "cannot write the {} report to `{}`",
                format.render_format().name(),
                path.display()
            )
        })?;
    }
    if !args.quiet {
        options.color = args.format == Format::Human && args.color.enabled();
        print(&render::render(
            &report,
            args.format.render_format(),
            &options,
        ))?;
    }
    if !usable && !args.quiet && report.diagnostics.is_empty() {
        // Nothing was read and nothing said why (an empty directory, empty standard input).
        eprintln!(
            "runner-doctor: no runner config, cluster object, Helm values or pipeline found in the inputs"
        );
    }
    Ok(if !usable {
        ExitCode::from(2)
    } else if report.fails() && !matches!(fail_on, FailOn::Never) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn access(args: AccessArgs) -> anyhow::Result<ExitCode> {
    let settings = args.model.settings()?;
    let inputs = Inputs::load(read_inputs(&args.paths, args.model.max_input_size));
    // What could not be read is named, even when the rest is shown.
    say_load_problems(&inputs, &inputs.problems);
    if !inputs.has_usable_input() {
        eprintln!("runner-doctor: nothing readable in the inputs");
        return Ok(ExitCode::from(2));
    }
    let analysis = runner_doctor::analysis::Analysis::new(inputs, settings);
    if analysis.predictions.is_empty() {
        eprintln!(
            "runner-doctor: no Kubernetes runner in the inputs (`check` says what each input holds)"
        );
        return Ok(ExitCode::from(2));
    }
    let report = render::access::report(&analysis, args.job.as_deref());
    if let Some(job) = &args.job
        && report.runners.is_empty()
    {
        eprintln!("runner-doctor: no job `{job}` in the pipelines of the inputs");
        return Ok(ExitCode::from(2));
    }
    let text = match args.format {
        AccessFormat::Human => render::access::human(&report),
        AccessFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    print_masked(&analysis.inputs.sources, &text)?;
    Ok(unparsed_or_success(&analysis.inputs))
}

/// `render` and `access` show what they could read; an input they could not (named on
/// standard error) makes the exit code 2.
fn unparsed_or_success(inputs: &Inputs) -> ExitCode {
    if some_input_unparsed(inputs) {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// `--job`: a YAML file describing a job, or the name of a pipeline job.
fn job_arg(job: Option<&str>) -> anyhow::Result<(Option<runner_doctor::pod::Job>, Option<String>)> {
    let Some(job) = job else {
        return Ok((None, None));
    };
    let path = std::path::Path::new(job);
    if !path.is_file() {
        return Ok((None, Some(job.to_string())));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", path.display()))?;
    let parsed = runner_doctor::pod::Job::from_yaml(&text)
        .map_err(|e| anyhow::anyhow!("`{}` is not a job description: {e}", path.display()))?;
    Ok((Some(parsed), None))
}

fn render_pods(args: RenderArgs) -> anyhow::Result<ExitCode> {
    let mut settings = args.model.settings()?;
    let (job, job_name) = job_arg(args.job.as_deref())?;
    settings.job = job;
    let inputs = Inputs::load(read_inputs(&args.paths, args.model.max_input_size));
    // What could not be read is named, even when the rest is rendered.
    say_load_problems(&inputs, &inputs.problems);
    let analysis = runner_doctor::analysis::Analysis::new(inputs, settings);
    if args.effective {
        if analysis.effective.is_empty() {
            eprintln!("runner-doctor: no runner config in the inputs");
            return Ok(ExitCode::from(2));
        }
        print(&render::effective::render(&analysis))?;
        return Ok(unparsed_or_success(&analysis.inputs));
    }
    if args.manager {
        if analysis.managers.is_empty() {
            eprintln!("runner-doctor: no Helm values or `Runner` resource in the inputs");
            return Ok(ExitCode::from(2));
        }
        print_masked(
            &analysis.inputs.sources,
            &render::manager_yaml::render(&analysis),
        )?;
        return Ok(unparsed_or_success(&analysis.inputs));
    }
    if analysis.predictions.is_empty() {
        eprintln!(
            "runner-doctor: no Kubernetes runner in the inputs (`check` says what each input holds)"
        );
        return Ok(ExitCode::from(2));
    }
    let stage = if args.admitted {
        render::pod_yaml::Stage::Admitted
    } else {
        render::pod_yaml::Stage::Submitted
    };
    let text = render::pod_yaml::render(&analysis, job_name.as_deref(), stage);
    if text.is_empty() {
        eprintln!(
            "runner-doctor: no job `{}` in the pipelines of the inputs",
            job_name.unwrap_or_default()
        );
        return Ok(ExitCode::from(2));
    }
    print_masked(&analysis.inputs.sources, &text)?;
    Ok(unparsed_or_success(&analysis.inputs))
}

/// `gather`, `probe` and `check --live` in a build without the `cluster` feature.
#[cfg(not(feature = "cluster"))]
fn without_cluster_feature() -> anyhow::Result<ExitCode> {
    eprintln!(
        "runner-doctor: error: this build has no live-cluster support; build with `cargo build --features cluster` for `gather`, `probe` and `check --live`"
    );
    Ok(ExitCode::from(2))
}
