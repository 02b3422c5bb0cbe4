//! Per-SCC refusal reasons and their rendering in OpenShift's own message format.
//!
//! A [`Reason`] is one `field.Error` of the SCC plugin, kept structured (SCC, canonical pod field
//! path, container, bad value, detail) so that later rules can point back at the configuration
//! key that caused it, and rendered byte for byte as the plugin prints it (reference §4): the
//! `k8s.io/apimachinery/pkg/util/validation/field` `Error.Error()` format, with Go's `%q`/`%#v`
//! value spellings, and the two aggregate formats (`Admit` de-duplicates and joins with `, `;
//! `Validate` prints the raw Go slice).

use std::fmt::{self, Write as _};

/// What kind of `field.Error` a reason is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReasonKind {
    /// `Required value`.
    Required,
    /// `Forbidden`.
    Forbidden,
    /// `Invalid value: <value>`, with the value as Go renders it.
    Invalid(GoValue),
}

/// A bad value, as `field.Error` prints it (`ErrorBody`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GoValue {
    /// int64/int32, printed plain.
    Int(i64),
    /// bool, printed plain.
    Bool(bool),
    /// A string, printed with Go `%q`.
    Str(String),
    /// A nil pointer or interface: printed as the quoted string `"null"`.
    Null,
    /// `[]int64` with `%#v`: `[]int64{1, 2}`, `[]int64{}`, or `[]int64(nil)`.
    Int64s(Option<Vec<i64>>),
    /// `[]core.Capability` with `%#v`: `[]core.Capability{"ALL"}` or `[]core.Capability(nil)`.
    Capabilities(Option<Vec<String>>),
    /// Any other value, already rendered.
    Raw(String),
}

impl fmt::Display for GoValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoValue::Int(i) => write!(f, "{i}"),
            GoValue::Bool(b) => write!(f, "{b}"),
            GoValue::Str(s) => f.write_str(&go_quote(s)),
            GoValue::Null => f.write_str("\"null\""),
            GoValue::Int64s(None) => f.write_str("[]int64(nil)"),
            GoValue::Int64s(Some(v)) => {
                let items: Vec<String> = v.iter().map(i64::to_string).collect();
                write!(f, "[]int64{{{}}}", items.join(", "))
            }
            GoValue::Capabilities(None) => f.write_str("[]core.Capability(nil)"),
            GoValue::Capabilities(Some(v)) => {
                let items: Vec<String> = v.iter().map(|c| go_quote(c)).collect();
                write!(f, "[]core.Capability{{{}}}", items.join(", "))
            }
            GoValue::Raw(s) => f.write_str(s),
        }
    }
}

/// One reason an SCC did not admit a pod (or could not be used).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// The SCC whose evaluation produced this reason (also for the items whose printed path
    /// carries no provider prefix, such as volumes and seccomp).
    pub scc: String,
    /// The path exactly as OpenShift prints it, e.g. `provider restricted-v2: .containers[0].runAsUser`.
    pub path: String,
    /// The pod field at fault, in canonical form, e.g.
    /// `spec.containers[0].securityContext.capabilities.add`. Empty for "not usable".
    pub field: String,
    /// The container concerned, if the check is per container.
    pub container: Option<String>,
    /// The error type and bad value.
    pub kind: ReasonKind,
    /// The detail text, e.g. `capability may not be added`.
    pub detail: String,
}

impl Reason {
    /// The item as it appears in OpenShift's message (`<path>: <body>`).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// True for `provider "<scc>": Forbidden: not usable by user or serviceaccount`.
    pub fn is_not_usable(&self) -> bool {
        self.field.is_empty() && self.path.starts_with("provider \"")
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path)?;
        match &self.kind {
            ReasonKind::Required => f.write_str("Required value")?,
            ReasonKind::Forbidden => f.write_str("Forbidden")?,
            ReasonKind::Invalid(v) => write!(f, "Invalid value: {v}")?,
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// `utilerrors.Aggregate.Error()` over already de-duplicated messages: one item alone, several
/// joined by `, ` in brackets. Messages are de-duplicated (first wins), as both
/// `ErrorList.ToAggregate` and `aggregate.Error` do.
pub(crate) fn aggregate<I, S>(items: I) -> String
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut seen = std::collections::HashSet::new();
    let mut unique = Vec::new();
    for item in items {
        let s: String = item.into();
        if seen.insert(s.clone()) {
            unique.push(s);
        }
    }
    match unique.len() {
        0 => String::new(),
        1 => unique.swap_remove(0),
        _ => format!("[{}]", unique.join(", ")),
    }
}

/// Go's `%v` of a `field.ErrorList`: `[e1 e2 …]`, space separated, no de-duplication.
pub(crate) fn go_slice(items: &[Reason]) -> String {
    let mut out = String::from("[");
    for (i, r) in items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{r}");
    }
    out.push(']');
    out
}

/// Go's `strconv.Quote`, close enough for Kubernetes field values: escapes `"` and `\`, the C
/// escapes, other control characters as `\x..`/`\u....`, and keeps printable Unicode.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(path: &str, kind: ReasonKind, detail: &str) -> Reason {
        Reason {
            scc: "s".into(),
            path: path.into(),
            field: "f".into(),
            container: None,
            kind,
            detail: detail.into(),
        }
    }

    #[test]
    fn renders_go_values() {
        assert_eq!(
            GoValue::Int64s(Some(vec![1000])).to_string(),
            "[]int64{1000}"
        );
        assert_eq!(
            GoValue::Int64s(Some(vec![1, 2])).to_string(),
            "[]int64{1, 2}"
        );
        assert_eq!(GoValue::Int64s(None).to_string(), "[]int64(nil)");
        assert_eq!(
            GoValue::Capabilities(Some(vec!["ALL".into(), "KILL".into()])).to_string(),
            r#"[]core.Capability{"ALL", "KILL"}"#
        );
        assert_eq!(GoValue::Null.to_string(), r#""null""#);
        assert_eq!(go_quote("a\"b\n"), r#""a\"b\n""#);
    }

    #[test]
    fn renders_items_and_aggregates() {
        let r = reason(
            "p",
            ReasonKind::Invalid(GoValue::Str("spc_t".into())),
            "must be ",
        );
        assert_eq!(r.to_string(), r#"p: Invalid value: "spc_t": must be "#);
        let q = reason("q", ReasonKind::Required, "");
        assert_eq!(q.to_string(), "q: Required value");
        assert_eq!(aggregate(["a", "b", "a"]), "[a, b]");
        assert_eq!(aggregate(["a", "a"]), "a");
        assert_eq!(
            go_slice(&[r.clone(), r]),
            format!("[{0} {0}]", "p: Invalid value: \"spc_t\": must be ")
        );
    }
}
