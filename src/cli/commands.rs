//! One function per subcommand.

use std::process::ExitCode;

use runner_doctor::model::load::Inputs;
use runner_doctor::render;
use runner_doctor::rules::{self, RULES};
use runner_doctor::source::discover::read_inputs;

use super::args::{Args, CheckArgs, Command, FailOn, Format};
use super::print;

pub fn dispatch(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Check(check_args) => check(check_args),
        Command::Admit(admit_args) => super::admit::run(admit_args),
        Command::Rules => {
            let mut out = String::new();
            for rule in RULES {
                out.push_str(&format!(
                    "{:<6} {:<34} {:<12} {}\n",
                    rule.code,
                    rule.name,
                    rule.group.name(),
                    rule.summary().replace('\n', " ")
                ));
            }
            print(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(rule) => {
                print(&format!(
                    "# {} ({})\n\ngroup: {}\n\n{}",
                    rule.name,
                    rule.code,
                    rule.group.name(),
                    rule.docs
                ))?;
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!("runner-doctor: no rule `{rule}`; `runner-doctor rules` lists them");
                Ok(ExitCode::from(2))
            }
        },
    }
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let settings = args.settings()?;
    let inputs = Inputs::load(read_inputs(&args.paths, args.model.max_input_size));
    let usable = inputs.has_usable_input();
    let report = runner_doctor::check(inputs, settings);
    let text = match args.format {
        Format::Human => render::human::render(&report, args.color.enabled()),
        Format::Json => render::json::render(&report) + "\n",
    };
    print(&text)?;
    Ok(if !usable {
        ExitCode::from(2)
    } else if report.fails() && !matches!(args.fail_on, FailOn::Never) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
