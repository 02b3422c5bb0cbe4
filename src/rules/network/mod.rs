//! `RD6xx`: network, proxies and trust (CA certificates) as job pods see them.

pub(crate) mod ca_mounted_where_nothing_reads;
pub(crate) mod host_aliases_only_on_manager;
pub(crate) mod no_proxy_misses_cluster;
pub(crate) mod no_proxy_misses_gitlab_host;
pub(crate) mod no_proxy_misses_service_network;
pub(crate) mod proxy_single_case;

use crate::analysis::RunnerRef;
use crate::source::{Node, Span};

/// `[[runners]] environment` entries as (name, value, span of the array item).
pub(crate) fn environment<'a>(runner: &RunnerRef<'a>) -> Vec<(&'a str, &'a str, Span)> {
    runner
        .at(&["environment"])
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|item| {
            let (name, value) = item.as_str()?.split_once('=')?;
            Some((name, value, runner.span_of(item)))
        })
        .collect()
}
