use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
use crate::rules::{Context, declare_rule};
use crate::source::Span;

declare_rule! {
    /// ## What it does
    /// Reports a `[session_server]` table that has no `listen_address`.
    ///
    /// ## Why is this bad?
    /// The session server (interactive web terminals, service proxying) starts only when it
    /// has an address to listen on; without one the table does nothing, though it reads as if
    /// terminals were enabled (reference gitlab-runner-k8s.md §1.1).
    ///
    /// ## Example
    /// ```toml
    /// concurrent = 4
    /// [session_server]
    ///   session_timeout = 1800
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// concurrent = 4
    /// [session_server]
    ///   listen_address = "[::]:8093"
    ///   session_timeout = 1800
    /// ```
    ///
    /// ## Fix safety
    /// The fix removes the `[session_server]` header and its keys; comment lines stay. The
    /// runner behaves the same, but the fix is unsafe: it is as likely that `listen_address`
    /// was forgotten and terminals are wanted, and removing the table drops that intention. A
    /// table written inline or with dotted keys is left to the help.
    ///
    /// ## References
    /// - [The `[session_server]` section](https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-session_server-section)
    pub static SESSION_SERVER_WITHOUT_LISTEN_ADDRESS = {
        code: "RD105",
        name: "session-server-without-listen-address",
        group: Advice,
        fix: Sometimes,
    }
}

fn check(cx: &mut Context) {
    for config in &cx.analysis.inputs.configs {
        let Some(entry) = config.root.entry("session_server") else {
            continue;
        };
        if entry.value.get("listen_address").is_some() {
            continue;
        }
        let text = &cx.analysis.inputs.sources.get(config.source).text;
        let start = entry.key_range.start as usize;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let header = text[line_start..]
            .trim_start()
            .starts_with("[session_server]");
        let d = cx.report(
            Some(Span::new(config.source, entry.key_range)),
            "`[session_server]` has no `listen_address`, so the session server never starts and the table does nothing",
        )
        .help("add `listen_address` (and `advertise_address` if it differs) to enable web terminals, or remove the table");
        if header && entry.value.is_map() {
            d.fix(Fix {
                title: "remove `[session_server]`".into(),
                edits: text::remove_table(text, start)
                    .into_iter()
                    .map(|r| text::edit(config.source, r, ""))
                    .collect(),
                applicability: Applicability::Unsafe,
            });
        }
    }
}
