use crate::rules::{Context, declare_rule};
use crate::suppress::Suppression;

declare_rule! {
    /// ## What it does
    /// Reports a `# runner-doctor: allow(…)` or `allow-file(…)` comment that suppresses
    /// nothing: it names no rule, or the rule it names ran and found nothing on that line (or in
    /// that file).
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding on the same line without anyone
    /// noticing, and a misspelt one (`RD4O1` with a letter O) suppresses nothing while looking
    /// as if it did. Comments for rules that did not run are not reported: they may be needed
    /// by a run that selects them.
    ///
    /// ## Example
    /// ```toml
    /// concurrent = 4 # runner-doctor: allow(RD4O1)
    /// [[runners]]
    ///   executor = "kubernetes"
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// concurrent = 4
    /// [[runners]]
    ///   executor = "kubernetes"
    /// ```
    ///
    /// ## References
    /// - [ruff: unused-noqa (RUF100)](https://docs.astral.sh/ruff/rules/unused-noqa/)
    /// - `runner-doctor rules` lists every code and name a comment may use
    pub static UNUSED_SUPPRESSION = {
        code: "RD021",
        name: "unused-suppression",
        group: Pedantic,
        fix: None,
    }
}

/// Suppression happens after every rule ran (`crate::suppress`), so this rule's work is done
/// by [`report`], which `check` calls with the comments that matched nothing.
fn check(_cx: &mut Context) {}

/// Reports each unused suppression at the selector it names.
pub(crate) fn report(cx: &mut Context, unused: &[Suppression]) {
    for s in unused {
        let kind = if s.file_level { "allow-file" } else { "allow" };
        if s.names_a_rule() {
            cx.report(
                Some(s.span),
                format!(
                    "`{kind}({})` suppresses nothing: the rule ran and found nothing here",
                    s.selector
                ),
            )
            .help("remove the selector, or the whole comment");
        } else {
            let closest = crate::rules::RULES
                .iter()
                .flat_map(|r| [r.code, r.name])
                .map(|c| {
                    (
                        strsim::levenshtein(&c.to_lowercase(), &s.selector.to_lowercase()),
                        c,
                    )
                })
                .min();
            let d = cx.report(
                Some(s.span),
                format!(
                    "`{kind}({})` names no rule, code prefix or group: it suppresses nothing",
                    s.selector
                ),
            );
            match closest {
                Some((distance, c)) if distance <= 2 => {
                    d.help(format!("did you mean `{c}`?"));
                }
                _ => {
                    d.help("`runner-doctor rules` lists every code and name");
                }
            }
        }
    }
}
