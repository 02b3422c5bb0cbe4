//! Finding and reading input files: paths, directories (recursively) and standard input.
//!
//! Directories are walked in sorted order so output is stable. Inside a directory only files
//! that can hold runner or cluster configuration are read (`.toml`, `.yaml`, `.yml`, `.json`);
//! a file named explicitly is always read, whatever its name. Symlinked directories are followed
//! once (a loop is cut), and anything that is not a regular file is refused with a reason.
//!
//! Bounds, so that hostile input gives a diagnostic rather than a hang:
//! - the file type is checked (`stat`, following symlinks) *before* a file is opened, so a FIFO
//!   (which would block in `open` until a writer comes), a socket, or a character device such as
//!   `/dev/zero` (which never ends) is refused without being opened;
//! - no input is read past `--max-input-size` bytes (default [`DEFAULT_MAX_INPUT_SIZE`],
//!   64 MiB): a regular file is refused by its size, and standard input or a file that grows
//!   while it is read stops at the limit plus one byte;
//! - a directory is read once, by its canonical path, so a symlink loop ends; a symlink that
//!   loops on itself is an I/O error naming the file;
//! - text must be UTF-8 without NUL bytes; the first bad byte is named with its line.

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
    #[error("`{path}` is not valid UTF-8 (line {line}, byte {offset}); it is not read")]
    NotUtf8 {
        path: PathBuf,
        offset: usize,
        line: usize,
    },
    #[error(
        "`{path}` is {size} bytes, over the {limit}-byte limit; it is not read (raise `--max-input-size` to read it)"
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error(
        "`{path}` is {kind}, not a regular file or directory; it is not opened (reading it could block or never end)"
    )]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("`{path}` contains a NUL byte (line {line}, byte {offset}); binary files are not read")]
    Binary {
        path: PathBuf,
        offset: usize,
        line: usize,
    },
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
                .take(max_size.saturating_add(1))
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
        walk(path, max_size, &mut seen_dirs, &mut out);
    }
    out
}

fn walk(
    path: &Path,
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
                walk(&child, max_size, seen_dirs, out);
            }
        }
        return;
    }
    if !meta.is_file() {
        // Named explicitly, or found under a configuration file's name: say why it is skipped.
        out.push(RawInput {
            path: path.to_path_buf(),
            text: Err(ReadError::NotAFile {
                path: path.to_path_buf(),
                kind: file_kind(&meta),
            }),
        });
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
    // Bounded even if the file grows after `stat` (or reports a wrong size, as /proc does).
    let text = std::fs::File::open(path)
        .and_then(|file| {
            let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
            file.take(max_size.saturating_add(1))
                .read_to_end(&mut bytes)
                .map(|_| bytes)
        })
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

/// What a path that is not a regular file or directory is, for the message.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    let _ = meta;
    "a special file"
}

/// The 1-based line of a byte offset.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
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
            line: line_of(&bytes, offset),
        });
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        ReadError::NotUtf8 {
            path: path.to_path_buf(),
            offset,
            line: line_of(e.as_bytes(), offset),
        }
    })?;
    if text.starts_with('\u{feff}') {
        // A byte order mark: drop it, and keep offsets consistent with the text we hold.
        text.drain(..3);
    }
    Ok(text)
}
