//! The JUnit XML format, for CI systems that show test reports (GitLab's
//! `artifacts:reports:junit`): one test case per rule that ran and input file, failed when the
//! rule reported on that file. Written by hand, with XML escaping, as no XML crate is needed
//! for this much.

use std::collections::BTreeMap;
use std::path::Path;

use crate::Report;
use crate::diagnostic::Diagnostic;
use crate::render::{Secrets, host_files, locate, relative_path};
use crate::rules::{RULES, severity_for};

/// Where findings about the run as a whole go (they have no file).
const RUN: &str = "(run)";

/// Escapes text for XML content and attribute values; drops characters XML 1.0 forbids.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Attribute values normalise raw whitespace; keep line breaks as references.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// One line of a failure's text: `path:line:col: severity message`, then the help.
fn describe(report: &Report, secrets: &Secrets, d: &Diagnostic) -> String {
    let sources = &report.analysis.inputs.sources;
    let place = d.primary.map(|span| {
        let (_, _, at) = locate(sources, span);
        format!("{}:{}:{}: ", at.path, at.line, at.column)
    });
    let mut line = format!(
        "{}{}[{}] {}",
        place.unwrap_or_default(),
        d.severity.as_str(),
        d.code,
        secrets.mask(&d.message)
    );
    if let Some(help) = &d.help {
        line.push_str(&format!("\n  help: {}", secrets.mask(help)));
    }
    line
}

/// Renders the report as a JUnit XML document.
pub fn render(report: &Report, root: &Path) -> String {
    let sources = &report.analysis.inputs.sources;
    let secrets = Secrets::of(sources);
    let settings = &report.analysis.settings;

    // Files, keyed by the path shown, in reading order.
    let mut files: Vec<String> = Vec::new();
    for file in host_files(sources) {
        let path = relative_path(&file.path, root);
        if !files.contains(&path) {
            files.push(path);
        }
    }
    let mut findings: BTreeMap<(&str, String), Vec<&Diagnostic>> = BTreeMap::new();
    for d in &report.diagnostics {
        let file = match d.primary {
            Some(span) => {
                let (host, _) = sources.to_host(span);
                relative_path(&sources.get(host.source).path, root)
            }
            None => RUN.to_string(),
        };
        if !files.contains(&file) {
            files.push(file.clone());
        }
        findings.entry((d.code, file)).or_default().push(d);
    }

    let mut cases = String::new();
    let (mut tests, mut failures) = (0usize, 0usize);
    for rule in RULES {
        let ran = severity_for(rule, settings).is_some();
        for file in &files {
            let found = findings.get(&(rule.code, file.clone()));
            // The run-level pseudo file only holds the rules that reported there.
            if found.is_none() && (!ran || file == RUN) {
                continue;
            }
            tests += 1;
            let name = escape(&format!("{} {}", rule.code, rule.name));
            let classname = escape(file);
            match found {
                None => cases.push_str(&format!(
                    "    <testcase name=\"{name}\" classname=\"{classname}\" file=\"{classname}\" time=\"0\"/>\n"
                )),
                Some(found) => {
                    failures += 1;
                    let first = secrets.mask(&found[0].message);
                    let message = if found.len() == 1 {
                        first
                    } else {
                        format!("{} findings; the first: {first}", found.len())
                    };
                    let text: Vec<String> =
                        found.iter().map(|d| describe(report, &secrets, d)).collect();
                    cases.push_str(&format!(
                        "    <testcase name=\"{name}\" classname=\"{classname}\" file=\"{classname}\" time=\"0\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        escape(&message),
                        found.iter().map(|d| d.severity).max().map_or("", |s| s.as_str()),
                        // Element content keeps its line breaks.
                        escape(&text.join("\n")).replace("&#10;", "\n"),
                    ));
                }
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"runner-doctor\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">\n  \
         <testsuite name=\"runner-doctor check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">\n\
         {cases}  </testsuite>\n</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;"
        );
    }
}
