//! Unified diffs of what a fix run changed, for `fix --diff` and for `help:` previews.
//!
//! The texts given should be the display texts (secrets masked), never the raw ones.

use similar::TextDiff;

/// A unified diff (`--- a/PATH`, `+++ b/PATH`, three lines of context; an absolute path is
/// shown as it is); empty when equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let (a, b) = if path.starts_with('/') {
        (path.to_string(), path.to_string())
    } else {
        (format!("a/{path}"), format!("b/{path}"))
    };
    let diff = TextDiff::from_lines(old, new);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn shows_the_changed_line() {
        let d = super::unified("c.toml", "a = 1\nb = 2\n", "a = 1\nb = 3\n");
        assert!(d.starts_with("--- a/c.toml\n+++ b/c.toml\n"));
        assert!(d.contains("-b = 2\n+b = 3\n"));
        assert_eq!(super::unified("c", "x", "x"), "");
    }
}
