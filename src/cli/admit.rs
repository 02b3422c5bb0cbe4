//! `runner-doctor admit`: flags, the call into `admission::audit`, and the printed report.
//!
//! Everything that decides admission lives in the library; this file only turns flags into
//! [`AuditSettings`] and the [`AuditReport`] (or, with `--audit`, the streamed
//! [`SweepReport`]) into text, and draws the progress line when stderr is a terminal.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::ValueEnum;

use runner_doctor::admission::audit::{
    self, AuditReport, AuditSettings, ItemResult, Platform, SccResult,
};
use runner_doctor::admission::psa::{Level, ModeResult, PsaOutcome};
use runner_doctor::admission::sweep::{
    self, Counts, Progress, SweepOptions, SweepReport, WorkloadVerdict,
};
use runner_doctor::model::load::Inputs;
use runner_doctor::settings::DEFAULT_PLATFORM;
use runner_doctor::source::discover::{DEFAULT_MAX_INPUT_SIZE, read_inputs};

use super::{print, print_masked, say_load_problems, some_input_unparsed};

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
    /// Audit cluster dumps (`oc get ns,pods -A -o yaml` or `-o json`, of any size; on
    /// OpenShift, SCC admission needs the Namespaces): stream every Pod and pod template
    /// through SCC admission and PSA, and print a summary per namespace and a verdict per
    /// workload.
    #[arg(long)]
    pub audit: bool,
    /// With `--audit`: list the pods admitted today that this PSA level would refuse; any such
    /// pod makes the exit code 1, as a refused pod does.
    #[arg(long, value_enum, requires = "audit")]
    pub psa_level: Option<PsaLevelArg>,
    /// With `--audit`: worker threads (default: the available cores).
    #[arg(long, default_value_t = 0, requires = "audit")]
    pub threads: usize,
}

/// The PSA levels `--psa-level` asks about.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PsaLevelArg {
    /// `baseline`.
    Baseline,
    /// `restricted`.
    Restricted,
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
/// enforce), 2 when the inputs hold no pod or an input could not be read or parsed (its
/// objects were not evaluated).
pub fn run(args: AdmitArgs) -> anyhow::Result<ExitCode> {
    let settings = args.settings()?;
    if args.audit {
        return run_audit(&args, &settings);
    }
    let inputs = Inputs::load(read_inputs(&args.paths, args.max_input_size));
    // Every problem is named, whatever else is found: a pod in a broken document is a pod
    // that was not evaluated, and the exit code says so (2).
    say_load_problems(&inputs, &inputs.problems);
    let unevaluated = some_input_unparsed(&inputs);
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
        eprintln!(
            "runner-doctor: error: no Pod or workload found in the inputs (`check` says what each input holds)"
        );
        return Ok(ExitCode::from(2));
    }
    let text = match args.format {
        AdmitFormat::Human => human(&report),
        AdmitFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    print_masked(&analysis.inputs.sources, &text)?;
    Ok(if unevaluated {
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
        "platform {}; the objects of the inputs are requested by `{}` (groups: {}), a runner's job pods by its manager (named with each)",
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

/// Runs `admit --audit`: 0 when every pod would be created, 1 when any is refused, 2 when an
/// input cannot be read or holds no pod.
fn run_audit(args: &AdmitArgs, settings: &AuditSettings) -> anyhow::Result<ExitCode> {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("`--audit` reads files, not standard input (it reads each file twice)");
    }
    let options = SweepOptions {
        psa_level: args.psa_level.map(|l| match l {
            PsaLevelArg::Baseline => Level::Baseline,
            PsaLevelArg::Restricted => Level::Restricted,
        }),
        threads: args.threads,
    };
    let tty = std::io::stderr().is_terminal();
    let mut progress = |p: Progress| {
        if tty && p.total > 0 {
            let what = if p.pass == 1 { "context" } else { "pods" };
            eprint!(
                "\rrunner-doctor: reading {what}: {:>3}% of {} MB",
                p.bytes * 100 / p.total,
                p.total >> 20
            );
        }
    };
    let report = sweep::sweep(&args.paths, settings, &options, &mut progress);
    if tty {
        eprint!("\r\x1b[K");
    }
    let report = report?;
    if report.total.pods == 0 {
        for p in &report.problems {
            eprintln!("runner-doctor: error: {p}");
        }
        eprintln!("runner-doctor: error: no Pod or workload found in the inputs");
        return Ok(ExitCode::from(2));
    }
    let text = match args.format {
        AdmitFormat::Human => audit_human(&report),
        AdmitFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    print(&text)?;
    // 1 for what breaks; else 2 when pods went unevaluated for want of their Namespace.
    Ok(if !report.nothing_breaks() {
        ExitCode::from(1)
    } else if report.total.namespace_unknown > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// The human audit report: the namespace table, then the workloads that are refused (or that
/// the `--psa-level` asked about would break).
pub fn audit_human(r: &SweepReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "platform {}, requested by `{}`; {} objects, {} context objects, {} MB",
        r.platform,
        r.user,
        r.objects,
        r.context_objects,
        r.bytes >> 20
    );
    let level = r.psa_level;
    let width = r
        .namespaces
        .iter()
        .map(|n| n.namespace.len())
        .max()
        .unwrap_or(0)
        .max(9);
    let mut head = format!(
        "{:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>10}",
        "namespace", "pods", "admitted", "scc-deny", "psa-deny", "baseline", "restricted"
    );
    if let Some(l) = level {
        let _ = write!(head, "  {:>10}", format!("breaks@{l}"));
    }
    let _ = writeln!(out, "\n{head}");
    let row = |out: &mut String, name: &str, c: &Counts| {
        let _ = write!(
            out,
            "{name:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>10}",
            c.pods,
            c.admitted,
            c.refused_by_scc,
            c.refused_by_psa,
            c.baseline_violations,
            c.restricted_violations
        );
        if level.is_some() {
            let _ = write!(out, "  {:>10}", c.broken_at_level);
        }
        out.push('\n');
    };
    for n in &r.namespaces {
        let name = if n.namespace.is_empty() {
            "(none)"
        } else {
            &n.namespace
        };
        row(&mut out, name, &n.counts);
    }
    row(&mut out, "total", &r.total);
    if r.total.namespace_unknown > 0 {
        let missing: Vec<&str> = r
            .namespaces
            .iter()
            .filter(|n| n.counts.namespace_unknown > 0)
            .map(|n| n.namespace.as_str())
            .collect();
        let _ = writeln!(
            out,
            "\nnot evaluated: {} pods in {} namespaces the inputs hold no Namespace object for ({}): OpenShift's SCC admission needs each namespace's uid range and MCS; dump them too (`oc get namespaces,pods -A -o yaml`)",
            r.total.namespace_unknown,
            missing.len(),
            missing.join(", ")
        );
    }
    let listed: Vec<&WorkloadVerdict> = r
        .workloads
        .iter()
        .filter(|w| {
            w.counts.admitted + w.counts.namespace_unknown < w.counts.pods
                || w.counts.broken_at_level > 0
        })
        .collect();
    if !listed.is_empty() {
        out.push('\n');
    }
    for w in &listed {
        let ns = if w.namespace.is_empty() {
            "(none)"
        } else {
            &w.namespace
        };
        let c = &w.counts;
        let _ = writeln!(
            out,
            "{ns} {}/{}: {} of {} pods admitted{}",
            w.kind,
            w.name,
            c.admitted,
            c.pods,
            w.scc
                .as_deref()
                .map(|s| format!(" (SCC {s})"))
                .unwrap_or_default()
        );
        if let Some(why) = &w.refusal {
            let _ = writeln!(out, "  refused: {why}");
        }
        if c.broken_at_level > 0
            && let (Some(l), Some(v)) = (level, &w.violation)
        {
            let _ = writeln!(
                out,
                "  {} admitted pods would break at {l}: {v}",
                c.broken_at_level
            );
        }
    }
    let clean = r.workloads.len() - listed.len();
    let _ = writeln!(
        out,
        "\n{} workloads: {} listed above, {clean} with every pod admitted{}",
        r.workloads.len(),
        listed.len(),
        if level.is_some() {
            " and nothing the level breaks"
        } else {
            ""
        }
    );
    if r.problem_count > 0 {
        let _ = writeln!(out, "\n{} objects could not be read:", r.problem_count);
        for p in &r.problems {
            let _ = writeln!(out, "  {p}");
        }
    }
    out
}
