//! Finding and reading input files: paths, directories (recursively) and standard input.
//!
//! Directories are walked in sorted order so output is stable. Inside a directory only files
//! that can hold runner or cluster configuration are read (`.toml`, `.yaml`, `.yml`, `.json`);
//! a file named explicitly is always read, whatever its name. Symlinked directories are followed
//! once (a loop is cut), and anything that is not a regular file is refused with a reason.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Default cap on one input's size.
pub const DEFAULT_MAX_INPUT_SIZE: u64 = 64 * 1024 * 1024;

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not valid UTF-8 (byte {offset})")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("`{path}` is {size} bytes, over the {limit}-byte limit (--max-input-size)")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("`{path}` is not a regular file or directory")]
    NotAFile { path: PathBuf },
    #[error("`{path}` contains a NUL byte (offset {offset}); binary files are not read")]
    Binary { path: PathBuf, offset: usize },
}

/// A file's text, or why it could not be had.
pub struct RawInput {
    pub path: PathBuf,
    pub text: Result<String, ReadError>,
}

/// Expands the given paths into input texts, in order. `-` reads standard input.
pub fn read_inputs(paths: &[PathBuf], max_size: u64) -> Vec<RawInput> {
    let mut out = Vec::new();
    let mut seen_dirs = std::collections::HashSet::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            let text = std::io::stdin()
                .take(max_size + 1)
                .read_to_end(&mut bytes)
                .map_err(|source| ReadError::Io {
                    path: path.clone(),
                    source,
                })
                .and_then(|_| decode(path, bytes, max_size));
            out.push(RawInput {
                path: path.clone(),
                text,
            });
            continue;
        }
        walk(path, true, max_size, &mut seen_dirs, &mut out);
    }
    out
}

fn walk(
    path: &Path,
    explicit: bool,
    max_size: u64,
    seen_dirs: &mut std::collections::HashSet<PathBuf>,
    out: &mut Vec<RawInput>,
) {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(source) => {
            out.push(RawInput {
                path: path.to_path_buf(),
                text: Err(ReadError::Io {
                    path: path.to_path_buf(),
                    source,
                }),
            });
            return;
        }
    };
    if meta.is_dir() {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !seen_dirs.insert(canonical) {
            return; // already read: a symlink loop or a path given twice
        }
        let mut children: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(source) => {
                out.push(RawInput {
                    path: path.to_path_buf(),
                    text: Err(ReadError::Io {
                        path: path.to_path_buf(),
                        source,
                    }),
                });
                return;
            }
        };
        children.sort();
        for child in children {
            let name = child.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let is_dir = child.is_dir();
            if is_dir && (name.starts_with('.') || name == "target" || name == "node_modules") {
                continue;
            }
            if is_dir || is_config_file_name(name) {
                walk(&child, false, max_size, seen_dirs, out);
            }
        }
        return;
    }
    if !meta.is_file() {
        if explicit {
            out.push(RawInput {
                path: path.to_path_buf(),
                text: Err(ReadError::NotAFile {
                    path: path.to_path_buf(),
                }),
            });
        }
        return;
    }
    if meta.len() > max_size {
        out.push(RawInput {
            path: path.to_path_buf(),
            text: Err(ReadError::TooLarge {
                path: path.to_path_buf(),
                size: meta.len(),
                limit: max_size,
            }),
        });
        return;
    }
    let text = std::fs::read(path)
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })
        .and_then(|bytes| decode(path, bytes, max_size));
    out.push(RawInput {
        path: path.to_path_buf(),
        text,
    });
}

fn is_config_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".toml", ".yaml", ".yml", ".json"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn decode(path: &Path, bytes: Vec<u8>, max_size: u64) -> Result<String, ReadError> {
    if bytes.len() as u64 > max_size {
        return Err(ReadError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit: max_size,
        });
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(ReadError::Binary {
            path: path.to_path_buf(),
            offset,
        });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    if text.starts_with('\u{feff}') {
        // A byte order mark: drop it, and keep offsets consistent with the text we hold.
        text.drain(..3);
    }
    Ok(text)
}
