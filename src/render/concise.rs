//! The concise format: one line per finding, `path:line:col: severity[CODE] message`, the shape
//! editors and `grep` understand. Findings about the run as a whole start with `runner-doctor:`.

use crate::Report;
use crate::render::{Secrets, locate};

/// Renders one line per finding, in the report's order.
pub fn render(report: &Report) -> String {
    let sources = &report.analysis.inputs.sources;
    let secrets = Secrets::of(sources);
    let mut out = String::new();
    for d in &report.diagnostics {
        let place = match d.primary {
            Some(span) => {
                let (_, _, at) = locate(sources, span);
                format!("{}:{}:{}", at.path, at.line, at.column)
            }
            None => "runner-doctor".to_string(),
        };
        // One line per finding, whatever the message holds.
        let message = secrets.mask(&d.message).replace(['\n', '\r'], " ");
        out.push_str(&format!(
            "{place}: {}[{}] {message}\n",
            d.severity.as_str(),
            d.code
        ));
    }
    out
}
