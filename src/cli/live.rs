//! The live-cluster commands (feature `cluster`): `gather`, `check --live` and `probe`.
//!
//! This file only turns flags into the library's targets, shows progress and refusals on
//! standard error, and prints results; the reading, the probe pod and its clean-up are in
//! `runner_doctor::cluster`.

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};

use runner_doctor::cluster::gather::{self, ConfigSource, Gathered, Target};
use runner_doctor::cluster::{self, Connection, probe as live_probe};
use runner_doctor::model::load::Inputs;

use super::args::{CheckArgs, ColorChoice, FailOn, Format, ModelArgs};
use super::print;

/// Which cluster, namespace and runner config to read.
#[derive(Clone, Debug, clap::Args)]
pub struct ClusterArgs {
    /// The runner namespace (where the job pods run).
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// The kubeconfig context [default: the current one; inside a pod, its ServiceAccount].
    #[arg(long)]
    pub context: Option<String>,
    /// The ConfigMap that holds the runner's `config.toml` [default: every ConfigMap of the
    /// namespace holding one, and every Operator `Runner`].
    #[arg(long, value_name = "NAME", conflicts_with = "runner")]
    pub config_map: Option<String>,
    /// The GitLab Runner Operator's `Runner` resource (and the ConfigMaps it names).
    #[arg(long, value_name = "NAME")]
    pub runner: Option<String>,
    /// Seconds one API request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 20)]
    pub timeout: u64,
    /// Talk plain HTTP to this API server URL instead (`kubectl proxy`'s `http://127.0.0.1:8001`).
    #[arg(long, value_name = "URL", hide = true)]
    pub server: Option<String>,
}

/// `check --live`: the flags that replace the paths.
#[derive(Clone, Debug, clap::Args)]
pub struct LiveArgs {
    /// Read the cluster instead of files (needs `--namespace`); nothing is written.
    #[arg(long, conflicts_with = "paths")]
    pub live: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, clap::Args)]
pub struct GatherArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Write the snapshot here [default: standard output].
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Create the pod. Without it, the pod is only printed (a dry run: nothing is created).
    #[arg(long)]
    pub yes: bool,
    /// Output format of the findings on standard output.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl ClusterArgs {
    fn target(&self, command: &str) -> anyhow::Result<Target> {
        let Some(namespace) = self.namespace.clone() else {
            bail!("`{command}` needs `--namespace`: the namespace the runner's job pods run in");
        };
        let source = match (&self.config_map, &self.runner) {
            (Some(name), _) => ConfigSource::ConfigMap(name.clone()),
            (None, Some(name)) => ConfigSource::Runner(name.clone()),
            (None, None) => ConfigSource::Discover,
        };
        Ok(Target {
            namespace,
            source,
            context: self.context.clone(),
        })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout.max(1))
    }

    async fn client(&self) -> anyhow::Result<cluster::Client> {
        Ok(match &self.server {
            Some(url) => cluster::connect_url(url, Some(self.timeout())).await?,
            None => {
                cluster::connect(&Connection {
                    context: self.context.clone(),
                    timeout: Some(self.timeout()),
                })
                .await?
            }
        })
    }

    /// Gathers, with a progress line on a terminal and each refusal named on standard error.
    async fn gather(&self, command: &str) -> anyhow::Result<Gathered> {
        let target = self.target(command)?;
        let client = self.client().await?;
        let terminal = std::io::stderr().is_terminal();
        let mut progress = |p: gather::Progress| {
            if terminal {
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r\x1b[2K[{}/{}] {}",
                    p.step,
                    p.total.max(p.step),
                    p.what
                );
                let _ = err.flush();
            }
        };
        let gathered = gather::gather(&client, &target, self.timeout(), &mut progress).await;
        if terminal {
            eprint!("\r\x1b[2K");
        }
        let gathered = gathered?;
        for refusal in &gathered.refused {
            eprintln!(
                "runner-doctor: the API server refused {refusal}; it is left out (grant the read-only ClusterRoles in `deploy/in-cluster/clusterrole.yaml`)"
            );
        }
        for api in &gathered.not_served {
            let hint = if api.starts_with("securitycontextconstraints.") {
                " (not OpenShift: `--platform kubernetes` models no SCCs)"
            } else {
                ""
            };
            eprintln!("runner-doctor: the API server does not serve `{api}`; none read{hint}");
        }
        Ok(gathered)
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> anyhow::Result<T> {
    let runtime = cluster::runtime().context("cannot start the async runtime")?;
    Ok(runtime.block_on(future))
}

/// `gather`: the snapshot, to a file or standard output.
pub fn gather(args: GatherArgs) -> anyhow::Result<ExitCode> {
    let gathered = block_on(args.cluster.gather("gather"))??;
    let snapshot = gathered.snapshot();
    match &args.output {
        Some(path) => {
            std::fs::write(path, &snapshot)
                .with_context(|| format!("cannot write the snapshot to `{}`", path.display()))?;
            eprintln!(
                "runner-doctor: wrote {} objects to `{}`; `runner-doctor check {}` reads it",
                gathered.objects.len(),
                path.display(),
                path.display()
            );
        }
        None => print(&snapshot)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `check --live`: the inputs gather would write, loaded in memory; `None` without `--live`.
pub fn check_inputs(args: &CheckArgs) -> anyhow::Result<Option<Inputs>> {
    let live = &args.live;
    if !live.live {
        if live.cluster.namespace.is_some()
            || live.cluster.context.is_some()
            || live.cluster.config_map.is_some()
            || live.cluster.runner.is_some()
            || live.cluster.server.is_some()
        {
            bail!(
                "`--namespace`, `--context`, `--config-map`, `--runner` and `--server` go with `--live`"
            );
        }
        return Ok(None);
    }
    let gathered = block_on(live.cluster.gather("check --live"))??;
    Ok(Some(gathered.inputs()))
}

/// A run id: short, lower-case hex, unique enough for one namespace's probe pods.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{:08x}",
        (nanos as u64 ^ u64::from(std::process::id())) & 0xffff_ffff
    )
}

/// `probe`: print the pod (dry run), or run it and compare what it saw with the prediction.
pub fn probe(args: ProbeArgs) -> anyhow::Result<ExitCode> {
    let settings = args.model.settings()?;
    block_on(probe_async(args, settings))?
}

async fn probe_async(
    args: ProbeArgs,
    settings: runner_doctor::settings::Settings,
) -> anyhow::Result<ExitCode> {
    let gathered = args.cluster.gather("probe").await?;
    let analysis = runner_doctor::analysis::Analysis::new(gathered.inputs(), settings.clone());
    let run = run_id();
    let plan = match runner_doctor::probe::plan(&analysis, &run) {
        Ok(plan) => plan,
        Err(why) => {
            eprintln!("runner-doctor: {why}");
            return Ok(ExitCode::from(2));
        }
    };
    if !args.yes {
        let manifest = serde_json::to_value(&plan.pod)?;
        print(&cluster::yaml::to_yaml(&manifest))?;
        eprintln!(
            "runner-doctor: dry run, nothing was created; `--yes` creates this pod in `{}`, waits for it (at most {} s), reads its log and deletes it",
            plan.namespace,
            runner_doctor::probe::ACTIVE_DEADLINE_SECONDS
        );
        return Ok(ExitCode::SUCCESS);
    }
    let client = args.cluster.client().await?;
    // From here on Ctrl-C only raises the flag: the pod is still deleted.
    let interrupted = live_probe::interrupt_on_ctrl_c();
    eprintln!(
        "runner-doctor: creating pod `{}` in `{}`",
        plan.name(),
        plan.namespace
    );
    let options = live_probe::RunOptions {
        request_timeout: args.cluster.timeout(),
        ..Default::default()
    };
    let (outcome, cleanup) = live_probe::run(&client, &plan, &options, interrupted).await;
    match &cleanup {
        live_probe::Cleanup::Deleted => {
            eprintln!("runner-doctor: deleted pod `{}`", plan.name());
        }
        live_probe::Cleanup::NotCreated => {}
        live_probe::Cleanup::Failed(why) => eprintln!(
            "runner-doctor: error: could not delete pod `{}` ({why}); remove it with `kubectl delete pod -n {} -l {}={}`",
            plan.name(),
            plan.namespace,
            runner_doctor::probe::RUN_LABEL,
            run
        ),
    }
    let run_result = outcome?;
    let mut observed = runner_doctor::probe::parse_log(&run_result.log)
        .map_err(|e| anyhow::anyhow!("{e} (pod phase `{}`)", run_result.phase))?;
    observed.scc = run_result.scc.clone();
    let report = runner_doctor::probe::report(&plan, observed.clone());
    let mut table = format!("probe `{}` in `{}`:\n", plan.name(), plan.namespace);
    for item in &report.items {
        table.push_str(&format!(
            "  {:<7} predicted {:<24} observed {:<24} {}\n",
            item.item,
            item.predicted,
            item.observed,
            if item.matches { "ok" } else { "MISMATCH" }
        ));
    }
    if args.format == Format::Human {
        print(&(table + "\n"))?;
    } else {
        eprint!("{table}");
    }
    // The rest of the findings continue from what the platform really has.
    let mut settings = settings;
    if let Some(root) = runner_doctor::probe::root_assumption(&plan, &observed) {
        settings.assume.push(root);
    }
    let mut inputs = gathered.inputs();
    inputs.probes.push(report);
    let check_args = CheckArgs {
        paths: Vec::new(),
        model: args.model.clone(),
        format: args.format,
        output: Vec::new(),
        quiet: false,
        fail_on: None,
        select: Vec::new(),
        ignore: Vec::new(),
        color: args.color,
        level: Vec::new(),
        config: None,
        no_config: true,
        live: LiveArgs {
            live: false,
            cluster: args.cluster.clone(),
        },
    };
    super::commands::report(&check_args, inputs, settings, FailOn::Warning)
}
