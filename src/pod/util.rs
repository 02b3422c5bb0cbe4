//! Small re-implementations of the Go helpers the runner leans on when it builds a pod: `os.Expand`
//! variable expansion, `path.Clean`, `filepath.Rel`, `strconv.ParseBool`, the short token, the
//! Kubernetes quantity grammar and the DNS-1123 label check. Pure functions, no I/O.

/// An ordered list of variables where a later entry wins, as the runner's `spec.Variables.Get`
/// looks them up from the end.
#[derive(Debug, Clone, Default)]
pub(crate) struct Vars(pub(crate) Vec<(String, String)>);

impl Vars {
    pub(crate) fn push(&mut self, k: impl Into<String>, v: impl Into<String>) {
        self.0.push((k.into(), v.into()));
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Go `os.Expand` with the variables as mapping: `$NAME` and `${NAME}`; unknown names expand
    /// to the empty string (runner `Variables.ExpandValue`).
    pub(crate) fn expand(&self, s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        let mut last = 0;
        while i < b.len() {
            if b[i] == b'$' && i + 1 < b.len() {
                out.push_str(&s[last..i]);
                let (name, width) = shell_name(&s[i + 1..]);
                if name.is_empty() && width > 0 {
                    // Bad syntax such as `${}`: Go eats it.
                } else if name.is_empty() {
                    out.push('$');
                } else {
                    out.push_str(self.get(name).unwrap_or(""));
                }
                i += 1 + width;
                last = i;
            } else {
                i += 1;
            }
        }
        out.push_str(&s[last..]);
        out
    }
}

/// Go's `getShellName`: the variable name after a `$` and how many bytes it spans.
fn shell_name(s: &str) -> (&str, usize) {
    let b = s.as_bytes();
    if b[0] == b'{' {
        if b.len() > 2 && is_special(b[1]) && b[2] == b'}' {
            return (&s[1..2], 3);
        }
        for i in 1..b.len() {
            if b[i] == b'}' {
                if i == 1 {
                    return ("", 2);
                }
                return (&s[1..i], i + 1);
            }
        }
        return ("", 1);
    }
    if is_special(b[0]) {
        return (&s[0..1], 1);
    }
    let n = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count();
    (&s[..n], n)
}

fn is_special(c: u8) -> bool {
    matches!(c, b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-') || c.is_ascii_digit()
}

/// Go `path.Clean`.
pub(crate) fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go `path.Join`: joins the non-empty elements and cleans the result.
pub(crate) fn join_path(parts: &[&str]) -> String {
    let non_empty: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if non_empty.is_empty() {
        return String::new();
    }
    clean_path(&non_empty.join("/"))
}

/// Go `filepath.Rel` for two absolute, clean Unix paths.
pub(crate) fn rel_path(base: &str, target: &str) -> String {
    let b: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    let t: Vec<&str> = target.split('/').filter(|s| !s.is_empty()).collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut out: Vec<&str> = vec![".."; b.len() - common];
    out.extend(&t[common..]);
    if out.is_empty() {
        ".".into()
    } else {
        out.join("/")
    }
}

/// Go `strconv.ParseBool`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The short token used in pod names and shared paths (upstream `helpers/shorten_token.go`):
/// strip the known prefixes (`glrt-`, `glrt-t1_`, `t1_`, `glrtr-`, `glcbt-`, `GR` + 7 hex), then
/// keep the first 9 characters.
pub fn short_token(token: &str) -> String {
    let mut t = token;
    // ^glrt-(t[123]_)?|^t[123]_|^glrtr-
    if let Some(rest) = t.strip_prefix("glrt-") {
        t = strip_partition(rest);
    } else if let Some(rest) = t.strip_prefix("glrtr-") {
        t = rest;
    } else {
        t = strip_partition(t);
    }
    if let Some(rest) = t.strip_prefix("glcbt-") {
        t = rest;
    }
    if let Some(rest) = t.strip_prefix("GR")
        && rest.len() >= 7
        && rest.as_bytes()[..7].iter().all(u8::is_ascii_hexdigit)
    {
        t = &rest[7..];
    }
    t.chars().take(9).collect()
}

fn strip_partition(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 3 && b[0] == b't' && matches!(b[1], b'1'..=b'3') && b[2] == b'_' {
        &s[3..]
    } else {
        s
    }
}

/// Whether `s` is a valid Kubernetes quantity (`resource.ParseQuantity` grammar).
pub(crate) fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1.0, &s[1..]),
        Some(b'-') => (-1.0, &s[1..]),
        _ => (1.0, s),
    };
    let num_len = rest
        .bytes()
        .take_while(|c| c.is_ascii_digit() || *c == b'.')
        .count();
    let (num, suffix) = rest.split_at(num_len);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return None;
    }
    let value: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => {
            let exp: i32 = e[1..].parse().ok()?;
            10f64.powi(exp)
        }
        _ => return None,
    };
    Some(sign * value * mult)
}

/// Kubernetes `validation.IsDNS1123Label`.
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Lowercase hex SHA-256.
pub(crate) fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(s.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_like_go() {
        let mut v = Vars::default();
        v.push("CI_CONCURRENT_ID", "54");
        assert_eq!(v.expand("PVC-${CI_CONCURRENT_ID}"), "PVC-54");
        assert_eq!(v.expand("a/$CI_CONCURRENT_ID/b"), "a/54/b");
        assert_eq!(v.expand("$UNSET-x"), "-x");
        assert_eq!(v.expand("cost $"), "cost $");
    }

    #[test]
    fn paths() {
        assert_eq!(
            clean_path("/builds//0/group/project"),
            "/builds/0/group/project"
        );
        assert_eq!(clean_path("/a/b/../c/."), "/a/c");
        assert_eq!(
            join_path(&["/cache", "group/project", "key"]),
            "/cache/group/project/key"
        );
        assert_eq!(
            rel_path("/builds/group/project", "/cache/group/project/k/cache.zip"),
            "../../../cache/group/project/k/cache.zip"
        );
    }

    #[test]
    fn tokens_and_quantities() {
        assert_eq!(short_token("glrt-t1_abcdefghijkl"), "abcdefghi");
        assert_eq!(short_token("abcdefghijklmnop"), "abcdefghi");
        assert_eq!(short_token(""), "");
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("2Gi"), Some(2.0 * 1024f64.powi(3)));
        assert_eq!(parse_quantity("lots"), None);
        assert!(is_dns1123_label("alpine-service"));
        assert!(!is_dns1123_label("Alpine"));
    }

    #[test]
    fn sha() {
        assert_eq!(
            sha256_hex("mykey"),
            "5e50f405ace6cbdf17379f4b9f2b0c9f4144c5e380ea0b9298cb02ebd8ffe511"
        );
    }
}
