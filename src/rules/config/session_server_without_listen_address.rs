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
    /// ## References
    /// - [The `[session_server]` section](https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-session_server-section)
    pub static SESSION_SERVER_WITHOUT_LISTEN_ADDRESS = {
        code: "RD105",
        name: "session-server-without-listen-address",
        group: Advice,
        fix: None,
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
        cx.report(
            Some(Span::new(config.source, entry.key_range)),
            "`[session_server]` has no `listen_address`, so the session server never starts and the table does nothing",
        )
        .help("add `listen_address` (and `advertise_address` if it differs) to enable web terminals, or remove the table");
    }
}
