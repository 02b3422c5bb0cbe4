use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports proxy variables set in `[[runners]] environment` only in upper case
    /// (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`) or only in lower case.
    ///
    /// ## Why is this bad?
    /// Tools disagree on the spelling they read. curl (and so git over HTTP) ignores an
    /// upper-case `HTTP_PROXY` on purpose (the "httpoxy" CGI issue) and reads `http_proxy`;
    /// wget and many shell tools read only the lower-case names; Go programs read both. With
    /// only one spelling, some tools in the job go through the proxy and others do not.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   environment = ["HTTP_PROXY=http://proxy:8080", "HTTPS_PROXY=http://proxy:8080", "NO_PROXY=.example.org"]
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   environment = ["HTTP_PROXY=http://proxy:8080", "HTTPS_PROXY=http://proxy:8080", "NO_PROXY=.example.org",
    ///                  "http_proxy=http://proxy:8080", "https_proxy=http://proxy:8080", "no_proxy=.example.org"]
    /// ```
    ///
    /// ## Fix safety
    /// Adding the other spelling with the same value is safe: it makes the tools that read only
    /// that spelling use the proxy the config already chose.
    ///
    /// ## References
    /// - [curl: environment variables](https://everything.curl.dev/usingcurl/proxies/env.html)
    /// - [GitLab: running behind a proxy](https://docs.gitlab.com/runner/configuration/proxy/)
    pub static PROXY_SINGLE_CASE = {
        code: "RD601",
        name: "proxy-single-case",
        group: Advice,
        fix: Sometimes,
    }
}

fn check(cx: &mut Context) {
    let runners: Vec<_> = cx.analysis.runners().collect();
    for runner in runners {
        let env = super::environment(&runner);
        let names: Vec<&str> = env.iter().map(|(n, _, _)| *n).collect();
        let missing: Vec<String> = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"]
            .iter()
            .flat_map(|upper| {
                let lower = upper.to_ascii_lowercase();
                match (names.contains(upper), names.contains(&lower.as_str())) {
                    (true, false) => Some(lower),
                    (false, true) => Some(upper.to_string()),
                    _ => None,
                }
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        let Some(span) = runner.span_at(&["environment"]) else {
            continue;
        };
        let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
        // Each missing spelling takes the other's value, appended after the last item.
        let fix = env.last().map(|(_, _, last)| {
            let added: String = missing
                .iter()
                .filter_map(|name| {
                    let value = env
                        .iter()
                        .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
                        .map(|(_, v, _)| *v)?;
                    Some(format!(
                        ", {}",
                        text::toml_string(&format!("{name}={value}"))
                    ))
                })
                .collect();
            Fix {
                title: format!("add {}", list.join(", ")),
                edits: vec![text::edit(
                    last.source,
                    crate::source::TextRange::empty_at(last.range.end as usize),
                    added,
                )],
                applicability: Applicability::Safe,
            }
        });
        let d = cx.report(
            Some(span),
            format!(
                "proxy variables are set in one case only; {} missing, so tools that read the other spelling (curl and git read `http_proxy`, wget only lower case) bypass or ignore the proxy",
                list.join(", ")
            ),
        )
        .help("set each proxy variable in both upper and lower case");
        if let Some(fix) = fix {
            d.fix(fix);
        }
    }
}
