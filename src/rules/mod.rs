//! The rule registry: every rule's identity, group, documentation and check function.
//!
//! A rule lives in its own file under `rules/<area>/`, declared with [`declare_rule!`] so that
//! its doc comment becomes its documentation (for `explain`, the generated docs and SARIF).
//! Rules read the analysis through [`Context`] and report; they never print.

pub mod context;

pub mod docs;

mod admission;
mod builds;
mod config;
mod input;
mod manager;
mod network;
mod pipeline;
mod pod;
mod volumes;

pub use context::Context;

use crate::diagnostic::Severity;

/// A rule's group sets its default level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Something will fail: error.
    Correctness,
    /// Probably wrong or needless: warning.
    Suspicious,
    /// Works, but exposes something: warning.
    Security,
    /// Worth knowing; nothing fails: info.
    Advice,
    /// Opinionated; off unless selected.
    Pedantic,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Correctness => "correctness",
            Group::Suspicious => "suspicious",
            Group::Security => "security",
            Group::Advice => "advice",
            Group::Pedantic => "pedantic",
        }
    }

    /// The default severity, `None` when the group is off by default.
    pub fn default_severity(self) -> Option<Severity> {
        match self {
            Group::Correctness => Some(Severity::Error),
            Group::Suspicious | Group::Security => Some(Severity::Warning),
            Group::Advice => Some(Severity::Info),
            Group::Pedantic => None,
        }
    }
}

/// Whether a rule can offer a fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

/// A rule: its identity, documentation and check.
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub group: Group,
    pub fix: FixAvailability,
    /// The rule's doc comment, in Markdown.
    pub docs: &'static str,
    pub check: fn(&mut Context),
    pub file: &'static str,
    pub line: u32,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}]", self.code, self.name)
    }
}

impl Rule {
    /// The rule's docs as Markdown: the one space rustdoc leaves after `///` removed from each
    /// line, so that indentation in examples reads as written.
    pub fn markdown(&self) -> String {
        let mut out: String = self
            .docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        out.truncate(out.trim_end().len());
        out
    }

    /// [`Rule::summary`] on one line, whitespace collapsed, for tables.
    pub fn one_line_summary(&self) -> String {
        self.summary()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The first sentence of "What it does", for listings.
    pub fn summary(&self) -> &'static str {
        let after = self
            .docs
            .split("## What it does")
            .nth(1)
            .unwrap_or(self.docs)
            .trim_start();
        after.split("\n\n").next().unwrap_or("").trim()
    }

    /// Whether a selector (code, code prefix, name or group) designates this rule.
    pub fn matches(&self, selector: &str) -> bool {
        selector == "ALL"
            || self.code.starts_with(selector)
            || self.name == selector
            || self.group.name() == selector
    }
}

/// Declares a rule whose doc comment is its documentation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $NAME:ident = {
            code: $code:literal,
            name: $name:literal,
            group: $group:ident,
            fix: $fix:ident,
        }
    ) => {
        $(#[doc = $doc])*
        pub static $NAME: $crate::rules::Rule = $crate::rules::Rule {
            code: $code,
            name: $name,
            group: $crate::rules::Group::$group,
            fix: $crate::rules::FixAvailability::$fix,
            docs: concat!($($doc, "\n"),*),
            check,
            file: file!(),
            line: line!(),
        };
    };
}
pub(crate) use declare_rule;

/// Every rule, sorted by code.
pub static RULES: &[&Rule] = &[
    &input::unreadable_input::UNREADABLE_INPUT,
    &input::invalid_toml::INVALID_TOML,
    &input::invalid_yaml::INVALID_YAML,
    &input::invalid_object::INVALID_OBJECT,
    &input::unrecognised_input::UNRECOGNISED_INPUT,
    &input::unrendered_template::UNRENDERED_TEMPLATE,
    &input::cluster_read_refused::CLUSTER_READ_REFUSED,
    &input::unmodelled_kind::UNMODELLED_KIND,
    &input::unused_suppression::UNUSED_SUPPRESSION,
    &config::unknown_config_key::UNKNOWN_CONFIG_KEY,
    &config::wrong_config_type::WRONG_CONFIG_TYPE,
    &config::removed_config_key::REMOVED_CONFIG_KEY,
    &config::docker_only_key::DOCKER_ONLY_KEY,
    &config::session_server_without_listen_address::SESSION_SERVER_WITHOUT_LISTEN_ADDRESS,
    &config::cache_shared_without_type::CACHE_SHARED_WITHOUT_TYPE,
    &config::orphan_runners_table::ORPHAN_RUNNERS_TABLE,
    &config::key_after_subtable_header::KEY_AFTER_SUBTABLE_HEADER,
    &config::removed_chart_value::REMOVED_CHART_VALUE,
    &config::registration_only_chart_value::REGISTRATION_ONLY_CHART_VALUE,
    &config::pod_field_in_chart_security_context::POD_FIELD_IN_CHART_SECURITY_CONTEXT,
    &config::key_newer_than_runner::KEY_NEWER_THAN_RUNNER,
    &config::global_key_in_template::GLOBAL_KEY_IN_TEMPLATE,
    &config::template_runner_count::TEMPLATE_RUNNER_COUNT,
    &config::template_key_set_by_registration::TEMPLATE_KEY_SET_BY_REGISTRATION,
    &config::unknown_runner_spec_field::UNKNOWN_RUNNER_SPEC_FIELD,
    &config::env_conflicts_with_template::ENV_CONFLICTS_WITH_TEMPLATE,
    &config::chart_rbac_too_broad::CHART_RBAC_TOO_BROAD,
    &pod::quota_exhausted_by_concurrent::QUOTA_EXHAUSTED_BY_CONCURRENT,
    &pod::limit_above_limit_range_max::LIMIT_ABOVE_LIMIT_RANGE_MAX,
    &pod::limit_range_default_applies::LIMIT_RANGE_DEFAULT_APPLIES,
    &manager::manager_pod_rejected_by_scc::MANAGER_POD_REJECTED_BY_SCC,
    &manager::manager_pod_violates_pod_security::MANAGER_POD_VIOLATES_POD_SECURITY,
    &manager::manager_cannot_create_job_pods::MANAGER_CANNOT_CREATE_JOB_PODS,
    &manager::manager_config_dir_outside_mount::MANAGER_CONFIG_DIR_OUTSIDE_MOUNT,
    &admission::job_pod_rejected_by_scc::JOB_POD_REJECTED_BY_SCC,
    &admission::scc_runs_job_as_root::SCC_RUNS_JOB_AS_ROOT,
    &admission::job_pod_violates_pod_security::JOB_POD_VIOLATES_POD_SECURITY,
    &volumes::fs_group_not_applied::FS_GROUP_NOT_APPLIED,
    &volumes::cache_not_writable::CACHE_NOT_WRITABLE,
    &volumes::needless_mount_propagation::NEEDLESS_MOUNT_PROPAGATION,
    &volumes::pod_spec_patch_adds_volume::POD_SPEC_PATCH_ADDS_VOLUME,
    &volumes::docker_socket_mount::DOCKER_SOCKET_MOUNT,
    &volumes::probe_contradicts_prediction::PROBE_CONTRADICTS_PREDICTION,
    &volumes::logs_init_container_cannot_chmod::LOGS_INIT_CONTAINER_CANNOT_CHMOD,
    &volumes::umask_flag_without_effect::UMASK_FLAG_WITHOUT_EFFECT,
    &builds::rootful_build_cannot_mount_overlay::ROOTFUL_BUILD_CANNOT_MOUNT_OVERLAY,
    &builds::rootless_build_cannot_map_users::ROOTLESS_BUILD_CANNOT_MAP_USERS,
    &builds::userns_mount_blocked_by_lsm::USERNS_MOUNT_BLOCKED_BY_LSM,
    &builds::kaniko_without_root::KANIKO_WITHOUT_ROOT,
    &builds::image_build_needs_relaxation::IMAGE_BUILD_NEEDS_RELAXATION,
    &network::proxy_single_case::PROXY_SINGLE_CASE,
    &network::no_proxy_misses_cluster::NO_PROXY_MISSES_CLUSTER,
    &network::ca_mounted_where_nothing_reads::CA_MOUNTED_WHERE_NOTHING_READS,
    &network::no_proxy_misses_gitlab_host::NO_PROXY_MISSES_GITLAB_HOST,
    &network::no_proxy_misses_service_network::NO_PROXY_MISSES_SERVICE_NETWORK,
    &network::host_aliases_only_on_manager::HOST_ALIASES_ONLY_ON_MANAGER,
    &pipeline::world_writable_volume_chmod::WORLD_WRITABLE_VOLUME_CHMOD,
    &pipeline::job_writes_root_owned_image_path::JOB_WRITES_ROOT_OWNED_IMAGE_PATH,
    &pipeline::privileged_service_denied::PRIVILEGED_SERVICE_DENIED,
    &pipeline::overwrite_variable_not_allowed::OVERWRITE_VARIABLE_NOT_ALLOWED,
];

/// The findings of `unused-suppression` for the comments that suppressed nothing, when the
/// rule is selected (it is pedantic: off by default).
pub fn unused_suppressions(
    analysis: &crate::analysis::Analysis,
    unused: &[crate::suppress::Suppression],
) -> Vec<crate::diagnostic::Diagnostic> {
    let rule = &input::unused_suppression::UNUSED_SUPPRESSION;
    match severity_for(rule, &analysis.settings) {
        Some(severity) if !unused.is_empty() => {
            let mut cx = Context::new(analysis, rule, severity);
            input::unused_suppression::report(&mut cx, unused);
            cx.into_diagnostics()
        }
        _ => Vec::new(),
    }
}

/// Finds a rule by code or name.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// The severity a rule runs at under the whole settings: `ignore` first, then the last
/// `--level` (or `[levels]`) entry that designates the rule, then the group's default under
/// `select`. `None` when the rule does not run.
pub fn severity_for(rule: &Rule, settings: &crate::settings::Settings) -> Option<Severity> {
    if settings.ignore.iter().any(|s| rule.matches(s)) {
        return None;
    }
    let level = settings
        .levels
        .iter()
        .rev()
        .find(|(selector, _)| rule.matches(selector));
    match level {
        // A level turns a rule on (even a pedantic one) unless `select` leaves it out.
        Some((_, level)) => {
            let selected =
                settings.select.is_empty() || settings.select.iter().any(|s| rule.matches(s));
            level.filter(|_| selected)
        }
        None => effective_severity(rule, &settings.select, &settings.ignore),
    }
}

/// The severity a rule runs at under the selection, `None` when it does not run.
pub fn effective_severity(rule: &Rule, select: &[String], ignore: &[String]) -> Option<Severity> {
    if ignore.iter().any(|s| rule.matches(s)) {
        return None;
    }
    let selected = select.iter().any(|s| rule.matches(s));
    match rule.group.default_severity() {
        Some(severity) if select.is_empty() || selected => Some(severity),
        None if selected => Some(Severity::Info),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_sorted() {
        for pair in RULES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{:?} before {:?}",
                pair[0],
                pair[1]
            );
        }
        let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn every_rule_documents_itself() {
        for rule in RULES {
            let sections = [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "Use instead:",
                "## References",
            ];
            let mut last = 0;
            for section in sections {
                let at = rule.docs.find(section);
                assert!(at.is_some(), "{rule:?} lacks `{section}`");
                let at = at.unwrap_or(0);
                assert!(at >= last, "{rule:?}: `{section}` is out of order");
                last = at;
            }
            if rule.fix != FixAvailability::None {
                assert!(
                    rule.docs.contains("## Fix safety"),
                    "{rule:?} has a fix but no `## Fix safety`"
                );
            }
            assert!(!rule.summary().is_empty(), "{rule:?} has no summary");
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{rule:?} name is not kebab-case"
            );
        }
    }
}
