//! `runner-doctor admit`: flags, the call into `admission::audit`, and the printed report.
//!
//! Everything that decides admission lives in the library; this file only turns flags into
//! [`AuditSettings`] and the [`AuditReport`] into text.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::ValueEnum;

use runner_doctor::admission::audit::{
    self, AuditReport, AuditSettings, ItemResult, Platform, SccResult,
};
use runner_doctor::admission::psa::{ModeResult, PsaOutcome};
use runner_doctor::model::load::{Inputs, ProblemKind};
use runner_doctor::settings::DEFAULT_PLATFORM;
use runner_doctor::source::discover::{DEFAULT_MAX_INPUT_SIZE, read_inputs};

use super::print;

/// Flags of `admit`.
#[derive(Debug, clap::Args)]
pub struct AdmitArgs {
    /// Files or directories with Pods, workloads (Deployment, StatefulSet, DaemonSet,
    /// ReplicaSet, Job, CronJob) and the cluster objects around them (Namespaces, SCCs, RBAC);
    /// `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The platform: `openshift-4.N` (SCC admission, then PSA) or `kubernetes` (PSA only).
    #[arg(long, default_value = DEFAULT_PLATFORM)]
    pub platform: String,
    /// The user sending the pods (default: `developer`, an ordinary OAuth user in
    /// `system:authenticated:oauth` and `system:authenticated`, not cluster-admin).
    #[arg(long = "as", value_name = "USER", conflicts_with = "serviceaccount")]
    pub as_user: Option<String>,
    /// A group of the `--as` user; repeatable (`system:authenticated` is always added).
    #[arg(long = "as-group", value_name = "GROUP", requires = "as_user")]
    pub as_group: Vec<String>,
    /// Send the pods as this ServiceAccount (`NS/NAME`), as the runner manager does.
    #[arg(long, value_name = "NS/NAME")]
    pub serviceaccount: Option<String>,
    /// The namespace of objects that name none.
    #[arg(long, short = 'n')]
    pub namespace: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AdmitFormat::Human)]
    pub format: AdmitFormat,
    /// Largest input file read, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_INPUT_SIZE)]
    pub max_input_size: u64,
}

/// Output formats of `admit`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AdmitFormat {
    /// Readable text.
    Human,
    /// The report as JSON.
    Json,
}

impl AdmitArgs {
    /// Validates the flags into library settings.
    pub fn settings(&self) -> anyhow::Result<AuditSettings> {
        let platform = Platform::parse(&self.platform)?;
        let mut settings = AuditSettings::new(platform);
        if let Some(sa) = &self.serviceaccount {
            let (ns, name) = sa
                .split_once('/')
                .filter(|(ns, name)| !ns.is_empty() && !name.is_empty() && !name.contains('/'))
                .with_context(|| format!("`--serviceaccount {sa}` is not NS/NAME"))?;
            settings.user = audit::service_account_user(ns, name);
        } else if let Some(user) = &self.as_user {
            if user.is_empty() {
                bail!("`--as` needs a user name");
            }
            settings.user = audit::user(user, &self.as_group);
        }
        settings.namespace = self.namespace.clone();
        Ok(settings)
    }
}

/// Runs `admit`: 0 when every pod would be created, 1 when any is refused (SCC or PSA
/// enforce), 2 when the inputs cannot be read or hold no pod.
pub fn run(args: AdmitArgs) -> anyhow::Result<ExitCode> {
    let settings = args.settings()?;
    let inputs = Inputs::load(read_inputs(&args.paths, args.max_input_size));
    let unreadable: Vec<String> = inputs
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Unreadable)
        .map(|p| p.message.clone())
        .collect();
    for msg in &unreadable {
        eprintln!("runner-doctor: error: {msg}");
    }
    let mut report = audit::audit(&inputs, &settings);
    // The runner configs in the inputs contribute their predicted job pods, requested by the
    // runner manager rather than by `--as`.
    let model = runner_doctor::settings::Settings {
        platform: Some(args.platform.clone()),
        ..runner_doctor::settings::Settings::default()
    };
    let analysis = runner_doctor::analysis::Analysis::new(inputs, model);
    let mut items = runner_doctor::analysis::admit::runner_job_items(&analysis);
    items.append(&mut report.items);
    report.items = items;
    if report.items.is_empty() {
        for p in &report.problems {
            eprintln!("runner-doctor: error: {p}");
        }
        eprintln!("runner-doctor: error: no Pod or workload found in the inputs");
        return Ok(ExitCode::from(2));
    }
    let text = match args.format {
        AdmitFormat::Human => human(&report),
        AdmitFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    print(&text)?;
    Ok(if !unreadable.is_empty() {
        ExitCode::from(2)
    } else if report.all_admitted() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The human report.
pub fn human(report: &AuditReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "platform {}, requested by `{}` (groups: {})",
        report.platform,
        report.user,
        report.groups.join(", ")
    );
    for p in &report.problems {
        let _ = writeln!(out, "warning: {p}");
    }
    for item in &report.items {
        out.push('\n');
        item_text(&mut out, item);
    }
    let refused = report.items.iter().filter(|i| !i.admitted()).count();
    let _ = writeln!(
        out,
        "\n{} of {} admitted, {refused} refused",
        report.items.len() - refused,
        report.items.len()
    );
    out
}

fn item_text(out: &mut String, item: &ItemResult) {
    let ns = item.namespace.as_deref().unwrap_or("");
    let _ = writeln!(
        out,
        "{}/{} in namespace `{ns}` ({}): pod \"{}\"",
        item.kind, item.name, item.source, item.pod_name
    );
    if let Some(scc) = &item.scc {
        scc_text(out, scc);
    }
    let when = if item.psa.after_scc {
        " (on the pod after SCC mutation)"
    } else if item.scc.as_ref().is_some_and(|s| !s.allowed) {
        " (not reached, as SCC admission refuses first; on the pod as sent)"
    } else {
        ""
    };
    psa_text(out, &format!("PSA{when}"), &item.psa.pod);
    if let Some(t) = &item.psa.template {
        psa_text(
            out,
            &format!("PSA on the {} template as submitted", item.kind),
            t,
        );
    }
    for note in &item.notes {
        let _ = writeln!(out, "  note: {note}");
    }
}

fn scc_text(out: &mut String, scc: &SccResult) {
    if let Some(name) = &scc.scc {
        let _ = writeln!(out, "  admitted by SCC {name}");
        if scc.mutations.is_empty() {
            let _ = writeln!(out, "    no securityContext field changed");
        }
        for m in &scc.mutations {
            let show = |v: &Option<serde_json::Value>| {
                v.as_ref().map_or("(unset)".to_owned(), |v| v.to_string())
            };
            let container = m
                .container
                .as_deref()
                .map(|c| format!(" (container \"{c}\")"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    {}{container}: {} -> {}",
                m.path,
                show(&m.before),
                show(&m.after)
            );
        }
    } else if let Some(why) = scc.skipped {
        let _ = writeln!(out, "  SCC admission skipped: {why}");
    }
    if let Some(error) = &scc.error {
        let _ = writeln!(out, "  rejected: {error}");
    }
    if scc.scc.is_none() {
        for a in &scc.attempts {
            let _ = writeln!(out, "    SCC {}: {}", a.scc, a.result);
            for r in &a.reasons {
                let _ = writeln!(out, "      {r}");
            }
        }
        for r in &scc.extra_reasons {
            let _ = writeln!(out, "    {r}");
        }
    }
}

fn psa_text(out: &mut String, title: &str, psa: &PsaOutcome) {
    let _ = writeln!(out, "  {title}:");
    for e in &psa.label_errors {
        let _ = writeln!(
            out,
            "    invalid label {}={:?}: {}",
            e.label, e.value, e.message
        );
    }
    for m in psa.modes() {
        mode_text(out, m);
    }
}

fn mode_text(out: &mut String, m: &ModeResult) {
    match &m.message {
        None => {
            let _ = writeln!(out, "    {} {}: no violation", m.mode.as_str(), m.level);
        }
        Some(msg) => {
            let _ = writeln!(out, "    {} {}: {msg}", m.mode.as_str(), m.level);
        }
    }
}
