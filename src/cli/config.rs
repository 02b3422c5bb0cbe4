//! The project config file: `runner-doctor.toml` or `.runner-doctor.toml`, found in the current
//! directory or the nearest one above it.
//!
//! It holds the defaults of `check`'s flags (`select`, `ignore`, `fail-on`, `platform`,
//! `runner-version`, an `[assume]` table and per-group `[levels]`), either at the top level or
//! under `[tool.runner-doctor]`. Flags given on the command line win, key by key. This module
//! only reads and validates the file; `args.rs` merges it into the settings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// The file names looked for, in order of preference within one directory.
pub const FILE_NAMES: &[&str] = &["runner-doctor.toml", ".runner-doctor.toml"];

/// The keys of the project config file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectConfig {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    /// `error`, `warning`, `info` or `never`.
    pub fail_on: Option<String>,
    pub platform: Option<String>,
    pub runner_version: Option<String>,
    /// `KEY = "VALUE"`, as `--assume KEY=VALUE`.
    pub assume: BTreeMap<String, String>,
    /// `GROUP = "error" | "warning" | "info" | "off"`, as `--level GROUP=LEVEL`.
    pub levels: BTreeMap<String, String>,
    /// `[tool.runner-doctor]`: the same keys one table down.
    tool: Option<Tool>,
}

#[derive(Debug, Default, Deserialize)]
struct Tool {
    #[serde(rename = "runner-doctor")]
    runner_doctor: Option<Box<ProjectConfig>>,
}

/// Whether a path is a project config file (never an input to check).
pub fn is_project_config(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| FILE_NAMES.contains(&n))
}

/// The nearest project config file from `start` upwards.
pub fn find(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Reads and validates a project config file.
pub fn load(path: &Path) -> anyhow::Result<ProjectConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the project config `{}`", path.display()))?;
    parse(&text).with_context(|| format!("invalid project config `{}`", path.display()))
}

/// Parses the text of a project config file.
pub fn parse(text: &str) -> anyhow::Result<ProjectConfig> {
    let mut config: ProjectConfig = toml::from_str(text)?;
    if let Some(inner) = config.tool.take().and_then(|t| t.runner_doctor) {
        let top_level_used = config.select.is_some()
            || config.ignore.is_some()
            || config.fail_on.is_some()
            || config.platform.is_some()
            || config.runner_version.is_some()
            || !config.assume.is_empty()
            || !config.levels.is_empty();
        if top_level_used {
            bail!("keys both at the top level and under `[tool.runner-doctor]`; keep one place");
        }
        config = *inner;
        if config.tool.is_some() {
            bail!("`[tool.runner-doctor.tool]` is not a key");
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_top_level_and_tool_tables() {
        let c =
            parse("select = [\"RD4\"]\nfail-on = \"error\"\n[levels]\npedantic = \"warning\"\n")
                .unwrap();
        assert_eq!(c.select.as_deref(), Some(&["RD4".to_string()][..]));
        assert_eq!(
            c.levels.get("pedantic").map(String::as_str),
            Some("warning")
        );
        let c = parse("[tool.runner-doctor]\nignore = [\"RD113\"]\n").unwrap();
        assert_eq!(c.ignore.as_deref(), Some(&["RD113".to_string()][..]));
        assert!(parse("selcet = []\n").is_err());
        assert!(parse("select = []\n[tool.runner-doctor]\nignore = []\n").is_err());
    }
}
