//! Writing fixed files: atomically (a temporary file in the same directory, then a rename),
//! keeping the file's permissions, never over a file that changed since it was read, and never
//! through a symbolic link that leads out of the tree the user named.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Why a fixed file was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("`{path}` changed since it was read; not overwritten (run `fix` again)")]
    Changed { path: PathBuf },
    #[error("`{path}` is a symbolic link to `{target}`, outside the inputs given; not written")]
    OutsideInputs { path: PathBuf, target: PathBuf },
    #[error("cannot write `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The content hash compared before writing.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Replaces `path` with `new`, if its content still is `original`.
///
/// A symbolic link is followed: the file it points to is replaced, in that file's directory,
/// and the link stays a link (renaming over the link itself would turn it into a copy).
///
/// `roots` are the inputs as the user named them, resolved (`std::fs::canonicalize`): the
/// file written must be one of them or lie below one, so that a link planted in a repository
/// (`values.yaml -> /etc/…`) cannot make `fix` write elsewhere. Empty `roots` allow any path.
pub fn write_fixed(
    path: &Path,
    original: &str,
    new: &str,
    roots: &[PathBuf],
) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let resolved = std::fs::canonicalize(path).map_err(io)?;
    if !roots.is_empty() && !roots.iter().any(|root| resolved.starts_with(root)) {
        return Err(WriteError::OutsideInputs {
            path: path.to_path_buf(),
            target: resolved,
        });
    }
    let path = resolved.as_path();
    let current = std::fs::read(path).map_err(io)?;
    if content_hash(&current) != content_hash(original.as_bytes()) {
        return Err(WriteError::Changed {
            path: path.to_path_buf(),
        });
    }
    let meta = std::fs::metadata(path).map_err(io)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let temp = dir.join(format!(".{name}.runner-doctor-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(new.as_bytes())?;
        file.set_permissions(meta.permissions())?;
        file.sync_all()?;
        drop(file);
        // A last look: the rename must not replace a file someone wrote meanwhile.
        if content_hash(&std::fs::read(path)?) != content_hash(original.as_bytes()) {
            return Err(std::io::Error::other("changed"));
        }
        std::fs::rename(&temp, path)
    })();
    if let Err(source) = result {
        let _ = std::fs::remove_file(&temp);
        if source.to_string() == "changed" {
            return Err(WriteError::Changed {
                path: path.to_path_buf(),
            });
        }
        return Err(io(source));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_keeps_mode_and_refuses_a_changed_file() {
        let dir = std::env::temp_dir().join(format!("rd-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, "a = 1\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_fixed(&path, "a = 1\n", "a = 2\n", &[]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a = 2\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        let err = write_fixed(&path, "a = 1\n", "a = 3\n", &[]).unwrap_err();
        assert!(matches!(err, WriteError::Changed { .. }));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a = 2\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_stays_a_link_to_the_fixed_file() {
        let dir = std::env::temp_dir().join(format!("rd-write-link-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let target = dir.join("data/config.toml");
        std::fs::write(&target, "a = 1\n").unwrap();
        let link = dir.join("config.toml");
        std::os::unix::fs::symlink("data/config.toml", &link).unwrap();
        let root = std::fs::canonicalize(&dir).unwrap();
        write_fixed(&link, "a = 1\n", "a = 2\n", std::slice::from_ref(&root)).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a = 2\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_inputs_is_refused() {
        let dir = std::env::temp_dir().join(format!("rd-write-escape-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("repo")).unwrap();
        let outside = dir.join("outside.toml");
        std::fs::write(&outside, "a = 1\n").unwrap();
        let link = dir.join("repo/config.toml");
        std::os::unix::fs::symlink("../outside.toml", &link).unwrap();
        let root = std::fs::canonicalize(dir.join("repo")).unwrap();
        let err = write_fixed(&link, "a = 1\n", "a = 2\n", &[root]).unwrap_err();
        assert!(matches!(err, WriteError::OutsideInputs { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "a = 1\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
