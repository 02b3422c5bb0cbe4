use std::net::Ipv4Addr;

use crate::diagnostic::{Applicability, Assumption, Fix};
use crate::fix::text;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a runner whose `environment` sets a proxy while `NO_PROXY` covers no address of
    /// the cluster's service network, where the Kubernetes API (`KUBERNETES_SERVICE_HOST`) and
    /// every Service's ClusterIP live.
    ///
    /// ## Why is this bad?
    /// Inside a pod, Kubernetes clients (`kubectl`, `oc`, Helm, client libraries with in-cluster
    /// configuration) connect to `KUBERNETES_SERVICE_HOST`, an IP address such as `172.30.0.1`,
    /// not to a name ending in `.svc`; tools that resolve a Service name connect to its
    /// ClusterIP. Name suffixes in `NO_PROXY` do not match IP addresses, so these connections go
    /// to the proxy, which cannot reach them. Go programs and curl 7.86+ accept CIDR ranges.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   environment = ["HTTPS_PROXY=http://proxy:8080", "NO_PROXY=localhost,127.0.0.1,.svc,.cluster.local"]
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   environment = ["HTTPS_PROXY=http://proxy:8080", "NO_PROXY=localhost,127.0.0.1,.svc,.cluster.local,172.30.0.0/16"]
    /// ```
    ///
    /// ## Fix safety
    /// The fix appends the service network to every spelling of `NO_PROXY` that misses it (or
    /// adds `NO_PROXY` and `no_proxy` with it). It is safe when the network was given with
    /// `--assume cluster.service_network=CIDR`. Otherwise it rests on the platform's default
    /// network, and on a cluster installed with another one it would send some outside
    /// addresses around the proxy, so it is unsafe.
    ///
    /// ## References
    /// - [Go: `httpproxy.Config`, CIDR entries in `NO_PROXY`](https://pkg.go.dev/golang.org/x/net/http/httpproxy#Config)
    /// - [OpenShift: configuring the cluster-wide proxy (`noProxy` and the service network)](https://docs.openshift.com/container-platform/4.14/networking/enable-cluster-wide-proxy.html)
    /// - [We need to talk: NO_PROXY](https://about.gitlab.com/blog/2021/01/27/we-need-to-talk-no-proxy/)
    pub static NO_PROXY_MISSES_SERVICE_NETWORK = {
        code: "RD605",
        name: "no-proxy-misses-service-network",
        group: Advice,
        fix: Sometimes,
    }
}

/// Parses `a.b.c.d/len` or a bare address (a /32).
fn parse_cidr(entry: &str) -> Option<(u32, u32)> {
    let (addr, len) = match entry.trim().split_once('/') {
        Some((a, l)) => (a, l.parse::<u32>().ok()?),
        None => (entry.trim(), 32),
    };
    let addr: Ipv4Addr = addr.parse().ok()?;
    (len <= 32).then(|| (u32::from(addr), len))
}

fn covers(entry: &str, ip: Ipv4Addr) -> bool {
    if entry.trim() == "*" {
        return true;
    }
    let Some((net, len)) = parse_cidr(entry) else {
        return false;
    };
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    net & mask == u32::from(ip) & mask
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let openshift = analysis.settings.platform().0.starts_with("openshift");
    let given = analysis
        .settings
        .assumed("cluster.service_network")
        .is_some();
    let (network, api, origin) = match analysis.settings.assumed("cluster.service_network") {
        Some(given) => (given.to_string(), None, "given with --assume".to_string()),
        None if openshift => (
            "172.30.0.0/16".into(),
            Some("172.30.0.1"),
            "OpenShift's default service network (`networking.serviceNetwork` in install-config)"
                .into(),
        ),
        None => (
            "10.96.0.0/12".into(),
            Some("10.96.0.1"),
            "kubeadm's default `--service-cidr`; not in the inputs".into(),
        ),
    };
    let Some((net, len)) = parse_cidr(&network) else {
        return;
    };
    let api_ip: Ipv4Addr = api
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| Ipv4Addr::from(net.wrapping_add(1)));
    let runners: Vec<_> = analysis.runners().collect();
    for runner in runners {
        let env = super::environment(&runner);
        let has_proxy = env.iter().any(|(n, _, _)| {
            n.eq_ignore_ascii_case("http_proxy") || n.eq_ignore_ascii_case("https_proxy")
        });
        if !has_proxy {
            continue;
        }
        // Every spelling counts: curl reads `no_proxy` before `NO_PROXY`, Go only upper case.
        let no_proxy = env.iter().find(|(n, v, _)| {
            n.eq_ignore_ascii_case("no_proxy") && !v.split(',').any(|e| covers(e, api_ip))
        });
        let any_spelling = env
            .iter()
            .any(|(n, _, _)| n.eq_ignore_ascii_case("no_proxy"));
        if any_spelling && no_proxy.is_none() {
            continue;
        }
        let Some(span) = no_proxy
            .map(|(_, _, s)| *s)
            .or_else(|| runner.span_at(&["environment"]))
        else {
            continue;
        };
        let network = format!("{}/{len}", Ipv4Addr::from(net));
        let applicability = if given {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        };
        let spellings: Vec<&(&str, &str, crate::source::Span)> = env
            .iter()
            .filter(|(n, _, _)| n.eq_ignore_ascii_case("no_proxy"))
            .collect();
        let fix = if spellings.is_empty() {
            env.last().map(|(_, _, last)| Fix {
                title: format!("add `NO_PROXY` and `no_proxy` with `{network}`"),
                edits: vec![text::edit(
                    last.source,
                    crate::source::TextRange::empty_at(last.range.end as usize),
                    format!(
                        ", {}, {}",
                        text::toml_string(&format!("NO_PROXY={network}")),
                        text::toml_string(&format!("no_proxy={network}"))
                    ),
                )],
                applicability,
            })
        } else {
            let edits: Vec<_> = spellings
                .iter()
                .filter(|(_, v, _)| !v.split(',').any(|e| covers(e, api_ip)))
                .map(|(name, value, span)| {
                    let value = value.trim_end_matches(',');
                    let joined = if value.trim().is_empty() {
                        network.clone()
                    } else {
                        format!("{value},{network}")
                    };
                    text::edit(
                        span.source,
                        span.range,
                        text::toml_string(&format!("{name}={joined}")),
                    )
                })
                .collect();
            Some(Fix {
                title: format!("append `{network}` to `NO_PROXY`"),
                edits,
                applicability,
            })
        };
        let d = cx.report(
            Some(span),
            format!(
                "`NO_PROXY` covers no address of the service network `{network}`: the Kubernetes API at `{api_ip}` (`KUBERNETES_SERVICE_HOST`) and Services reached by ClusterIP are contacted through the proxy from jobs"
            ),
        )
        .note("name suffixes such as `.svc` do not match IP addresses")
        .help(format!("append `{network}` to `NO_PROXY` and `no_proxy`"))
        .assume(Assumption::new("cluster.service_network", network.clone(), origin.clone()));
        if let Some(fix) = fix {
            d.fix(fix);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_entries() {
        let api: Ipv4Addr = "172.30.0.1".parse().unwrap();
        assert!(covers("172.30.0.0/16", api));
        assert!(covers("172.30.0.1", api));
        assert!(!covers("10.0.0.0/8", api));
        assert!(!covers(".svc", api));
    }
}
