//! Flag definitions (clap derive) and their conversion into validated [`Settings`].

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand, ValueEnum};

use runner_doctor::diagnostic::Severity;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::DEFAULT_MAX_INPUT_SIZE;

/// Predicts how GitLab Runner's Kubernetes executor job pods will fail on OpenShift and
/// Kubernetes, and how to fix it.
#[derive(Debug, Parser)]
#[command(name = "runner-doctor", version, about, long_about = None)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check runner configs and cluster objects, and report what will fail.
    Check(CheckArgs),
    /// Show who can read and write where: identities, volumes, mounts and each job stage.
    Access(AccessArgs),
    /// Print the job pod the runner would create, as Kubernetes YAML with provenance comments.
    Render(RenderArgs),
    /// List every rule (code, name, group, summary), or write the rule docs.
    Rules(RulesArgs),
    /// Simulate admission (OpenShift SCC, Pod Security) of Pods and workloads.
    Admit(super::admit::AdmitArgs),
    /// Apply the safe fixes (comments and layout kept), or show them with `--diff`; generate
    /// remediation manifests with `--manifests DIR`.
    Fix(super::fix::FixArgs),
    /// Read the runner namespace's objects from the cluster (read-only) into a redacted
    /// snapshot that `check` reads.
    #[cfg(feature = "cluster")]
    Gather(super::live::GatherArgs),
    /// Create one short-lived, labelled pod like the predicted job pod, and compare what it
    /// observes (`id`, the cache volume root, a test directory) with the prediction; a dry run
    /// unless `--yes`.
    #[cfg(feature = "cluster")]
    Probe(super::live::ProbeArgs),
    /// Without the `cluster` feature, `gather` and `probe` exist only to say how to get them.
    #[cfg(not(feature = "cluster"))]
    #[command(hide = true, disable_help_flag = true)]
    Gather {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        rest: Vec<String>,
    },
    #[cfg(not(feature = "cluster"))]
    #[command(hide = true, disable_help_flag = true)]
    Probe {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        rest: Vec<String>,
    },
    /// Show a rule's documentation.
    Explain {
        /// A rule code (`RD401`) or name.
        rule: String,
    },
    /// Print a shell completion script, e.g. `runner-doctor completions bash > /etc/bash_completion.d/runner-doctor`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `runner-doctor man | man -l -`.
    Man {
        /// Instead, write a page for the command and one per subcommand into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to read (recursively); `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write the report in FORMAT to FILE (e.g. `gitlab=gl-code-quality.json`); repeatable.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_output)]
    pub output: Vec<(Format, PathBuf)>,
    /// Print nothing on standard output; only the exit code (and `--output` files) tell.
    #[arg(long, short)]
    pub quiet: bool,
    /// Lowest severity that makes the exit code 1 [default: warning, or the project file's].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Run only these rules (code, code prefix, name or group); repeatable.
    #[arg(long, value_delimiter = ',', value_parser = parse_selector)]
    pub select: Vec<String>,
    /// Do not run these rules (code, code prefix, name or group); repeatable.
    #[arg(long, value_delimiter = ',', value_parser = parse_selector)]
    pub ignore: Vec<String>,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Set the level of a group (or code, prefix, name): `pedantic=warning`, `advice=off`;
    /// repeatable, later ones win.
    #[arg(long, value_name = "GROUP=LEVEL", value_parser = parse_level)]
    pub level: Vec<(String, Option<Severity>)>,
    /// The project config file [default: `runner-doctor.toml` or `.runner-doctor.toml` in the
    /// current directory or above].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any project config file.
    #[arg(long)]
    pub no_config: bool,
    #[cfg(feature = "cluster")]
    #[command(flatten)]
    pub live: super::live::LiveArgs,
    /// Without the `cluster` feature, `--live` exists only to say how to get it.
    #[cfg(not(feature = "cluster"))]
    #[arg(long, hide = true)]
    pub live: bool,
}

/// `rules`: the catalogue as a table, Markdown pages or JSON.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
    /// With `--format markdown`: write one page per rule and `README.md` into DIR (removing
    /// pages of rules that no longer exist) instead of printing.
    #[arg(long, value_name = "DIR")]
    pub write: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// One line per rule: code, name, group, summary.
    Text,
    /// The index and every rule's page, as in `docs/rules/`.
    Markdown,
    /// Every rule with its docs, as JSON.
    Json,
}

/// Parses `--level GROUP=LEVEL` (`off` turns the rules off).
fn parse_level(text: &str) -> Result<(String, Option<Severity>), String> {
    let (selector, level) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not GROUP=LEVEL"))?;
    let selector = parse_selector(selector)?;
    Ok((selector, parse_severity(level.trim())?))
}

/// Checks that a `--select`/`--ignore`/`--level` selector designates at least one rule, so
/// that a misspelt one is a usage error rather than a silently empty selection.
fn parse_selector(text: &str) -> Result<String, String> {
    use runner_doctor::rules::RULES;
    let selector = text.trim();
    if RULES.iter().any(|r| r.matches(selector)) {
        return Ok(selector.to_string());
    }
    let groups = [
        "correctness",
        "suspicious",
        "security",
        "advice",
        "pedantic",
    ];
    let closest = RULES
        .iter()
        .flat_map(|r| [r.code, r.name])
        .chain(groups)
        .map(|c| (strsim::levenshtein(c, selector), c))
        .min()
        .filter(|(distance, _)| *distance <= 2)
        .map_or(String::new(), |(_, c)| format!("; did you mean `{c}`?"));
    Err(format!(
        "`{selector}` names no rule group, code, prefix or name{closest} (groups: {}; `runner-doctor rules` lists the rules)",
        groups.join(", ")
    ))
}

/// How narrowly a selector designates rules, so that the project file's `[levels]` (a table,
/// whose order TOML does not keep) apply broad to narrow: a group, then a code prefix (shorter
/// first), then one rule's code or name, each overriding the one before.
fn specificity(selector: &str) -> (u8, usize) {
    use runner_doctor::rules::RULES;
    if RULES
        .iter()
        .any(|r| r.code == selector || r.name == selector)
    {
        (2, selector.len())
    } else if RULES.iter().any(|r| r.code.starts_with(selector)) && selector != "ALL" {
        (1, selector.len())
    } else {
        (0, 0)
    }
}

/// `error`, `warning`, `info` or `off`.
fn parse_severity(level: &str) -> Result<Option<Severity>, String> {
    match level {
        "error" => Ok(Some(Severity::Error)),
        "warning" | "warn" => Ok(Some(Severity::Warning)),
        "info" => Ok(Some(Severity::Info)),
        "off" => Ok(None),
        other => Err(format!(
            "unknown level `{other}`; expected error, warning, info or off"
        )),
    }
}

#[derive(Debug, clap::Args)]
pub struct AccessArgs {
    /// Files or directories to read (recursively); `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// The `.gitlab-ci.yml` job to show (default: a job with the runner's default image and a
    /// cache).
    #[arg(long)]
    pub job: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AccessFormat::Human)]
    pub format: AccessFormat,
}

/// The formats of `access` (a matrix, not findings: the finding formats do not apply).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AccessFormat {
    /// Tables for people.
    Human,
    /// The matrix as JSON.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// Files or directories to read (recursively); `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// A `.gitlab-ci.yml` job name, or a YAML file describing the job (`image`, `image_user`,
    /// `services`, `variables`, `cache_key`).
    #[arg(long)]
    pub job: Option<String>,
    /// Print the pod after OpenShift SCC admission mutated it.
    #[arg(long, conflicts_with = "effective")]
    pub admitted: bool,
    /// Print each runner config as the runner runs it: the registration template merged with
    /// the environment the Helm chart or the Operator sets, each key with the source that won.
    #[arg(long, conflicts_with_all = ["job", "manager"])]
    pub effective: bool,
    /// Print the runner manager Deployment the Helm chart or the Operator creates instead.
    #[arg(long, conflicts_with_all = ["job", "admitted"])]
    pub manager: bool,
}

/// What the prediction assumes.
#[derive(Clone, Debug, clap::Args)]
pub struct ModelArgs {
    /// The GitLab Runner version to model (default: the newest known).
    #[arg(long)]
    pub runner_version: Option<String>,
    /// The platform: `openshift-4.N` or `kubernetes` (default: openshift-4.14).
    #[arg(long)]
    pub platform: Option<String>,
    /// Override an assumption, e.g. `volume.team-runner-cache.root=0:0:0777`; repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    pub assume: Vec<String>,
    /// The user an image runs as, `IMAGE=UID[:GID]`; repeatable.
    #[arg(long, value_name = "IMAGE=UID[:GID]")]
    pub image_user: Vec<String>,
    /// Largest input file read, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_INPUT_SIZE)]
    pub max_input_size: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics in rustc's style, with source snippets.
    Human,
    /// One line per finding: `path:line:col: severity[CODE] message`.
    Concise,
    /// The findings as JSON.
    Json,
    /// SARIF 2.1.0, for code-scanning services and IDEs.
    Sarif,
    /// GitLab Code Quality (`artifacts:reports:codequality`).
    Gitlab,
    /// JUnit XML (`artifacts:reports:junit`).
    Junit,
}

impl Format {
    /// The library's format.
    pub fn render_format(self) -> runner_doctor::render::Format {
        use runner_doctor::render::Format as F;
        match self {
            Format::Human => F::Human,
            Format::Concise => F::Concise,
            Format::Json => F::Json,
            Format::Sarif => F::Sarif,
            Format::Gitlab => F::Gitlab,
            Format::Junit => F::Junit,
        }
    }
}

/// Parses `--output FORMAT=FILE`.
fn parse_output(text: &str) -> Result<(Format, PathBuf), String> {
    let (format, file) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not FORMAT=FILE"))?;
    let format = Format::from_str(format.trim(), true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        format!(
            "unknown format `{format}`; expected one of {}",
            names.join(", ")
        )
    })?;
    if file.is_empty() {
        return Err(format!("`{text}` names no file"));
    }
    Ok((format, PathBuf::from(file)))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Colour on a terminal unless `NO_COLOR` is set (https://no-color.org).
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

impl CheckArgs {
    /// Validates the flags, over the project config file's values, into library settings and
    /// the resolved `--fail-on` (whose `never` the caller handles).
    pub fn settings(&self) -> anyhow::Result<(Settings, FailOn)> {
        let project = if self.no_config {
            None
        } else if let Some(path) = &self.config {
            Some(super::config::load(path)?)
        } else {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            super::config::find(&cwd)
                .map(|p| super::config::load(&p))
                .transpose()?
        };
        let project = project.unwrap_or_default();
        // Flags win key by key; `--assume` and `--level` come after the file's, and the last
        // one given wins.
        let mut model = self.model.clone();
        model.runner_version = model.runner_version.or(project.runner_version.clone());
        model.platform = model.platform.or(project.platform.clone());
        let file_assume = project.assume.iter().map(|(k, v)| format!("{k}={v}"));
        model.assume = file_assume.chain(model.assume).collect();
        let mut settings = model.settings()?;
        settings.select = if self.select.is_empty() {
            project.select.clone().unwrap_or_default()
        } else {
            self.select.clone()
        };
        settings.ignore = if self.ignore.is_empty() {
            project.ignore.clone().unwrap_or_default()
        } else {
            self.ignore.clone()
        };
        for (key, selectors) in [("select", &settings.select), ("ignore", &settings.ignore)] {
            for selector in selectors {
                parse_selector(selector)
                    .map_err(|e| anyhow::anyhow!("project config `{key}`: {e}"))?;
            }
        }
        let mut file_levels: Vec<(&String, &String)> = project.levels.iter().collect();
        file_levels.sort_by_key(|(selector, _)| specificity(selector));
        for (selector, level) in file_levels {
            let parsed = parse_level(&format!("{selector}={level}"))
                .map_err(|e| anyhow::anyhow!("project config `[levels]`: {e}"))?;
            settings.levels.push(parsed);
        }
        settings.levels.extend(self.level.iter().cloned());
        let fail_on = match (self.fail_on, project.fail_on.as_deref()) {
            (Some(flag), _) => flag,
            (None, Some(text)) => FailOn::from_str(text, true).map_err(|_| {
                anyhow::anyhow!(
                    "project config: unknown `fail-on = \"{text}\"`; expected error, warning, info or never"
                )
            })?,
            (None, None) => FailOn::Warning,
        };
        settings.fail_on = match fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
            // Nothing is above "error"; `never` is handled by the caller.
            FailOn::Never => Severity::Error,
        };
        Ok((settings, fail_on))
    }
}

impl ModelArgs {
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let runner_version = self
            .runner_version
            .as_deref()
            .map(parse_version)
            .transpose()?;
        if let Some(platform) = &self.platform {
            // Only the platforms whose default SCCs are embedded: any other OpenShift release
            // would otherwise be modelled without SCC admission, silently.
            runner_doctor::admission::audit::Platform::parse(platform)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let mut assume = Vec::new();
        for item in &self.assume {
            let (key, value) = item
                .split_once('=')
                .with_context(|| format!("`--assume {item}` is not KEY=VALUE"))?;
            let (key, value) = (key.trim(), value.trim());
            check_assumption_key(key).map_err(|e| anyhow::anyhow!("`--assume {item}`: {e}"))?;
            if key.starts_with("volume.")
                && key.ends_with(".root")
                && runner_doctor::analysis::prediction::parse_root(value).is_none()
            {
                bail!(
                    "`--assume {item}`: `{value}` is not UID:GID:MODE (e.g. `0:0:0755`, the mode in octal)"
                );
            }
            assume.push((key.to_string(), value.to_string()));
        }
        for item in &self.image_user {
            let (image, user) = item
                .rsplit_once('=')
                .with_context(|| format!("`--image-user {item}` is not IMAGE=UID[:GID]"))?;
            let valid = user
                .split(':')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
            if !valid || user.split(':').count() > 2 {
                bail!("`--image-user {item}`: `{user}` is not UID or UID:GID");
            }
            assume.push((format!("image.{}.user", image.trim()), user.to_string()));
        }
        Ok(Settings {
            runner_version,
            platform: self.platform.clone(),
            assume,
            ..Settings::default()
        })
    }
}

/// The assumptions `--assume` can override: the keys the model reads back (`Settings::assumed`).
/// Others would be accepted and ignored, and the output would still show the default.
const ASSUMABLE: &[&str] = &[
    "chart.version",
    "cluster.service_network",
    "manager.namespace",
    "node.apparmor",
    "node.seccomp_unset",
    "image.<image or container>.user",
    "volume.<volume or claim>.root",
];

fn check_assumption_key(key: &str) -> Result<(), String> {
    let patterned = |prefix: &str, suffix: &str| {
        key.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|middle| !middle.is_empty())
    };
    if ASSUMABLE.contains(&key) || patterned("image.", ".user") || patterned("volume.", ".root") {
        return Ok(());
    }
    match key {
        "runner.version" => Err("set it with `--runner-version`".into()),
        "platform" => Err("set it with `--platform`".into()),
        _ => Err(format!(
            "`{key}` is not an assumption runner-doctor reads back; these are: {}",
            ASSUMABLE.join(", ")
        )),
    }
}

/// Accepts `17.11`, `v18.4.1`, `18`: the runner's own tags are `vX.Y.Z`.
fn parse_version(text: &str) -> anyhow::Result<semver::Version> {
    let trimmed = text.trim().trim_start_matches('v');
    let padded = match trimmed.matches('.').count() {
        0 => format!("{trimmed}.0.0"),
        1 => format!("{trimmed}.0"),
        _ => trimmed.to_string(),
    };
    semver::Version::parse(&padded)
        .with_context(|| format!("`{text}` is not a runner version (expected X.Y or X.Y.Z)"))
}
