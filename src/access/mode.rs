//! File modes and ownership records: octal parsing and printing, permission classes, and the
//! bit arithmetic kubelet's ownership routine and the DAC check need. Pure data; it knows nothing
//! about volumes or processes.

use std::fmt;

/// A Unix file mode: the nine permission bits plus setuid (`4000`), setgid (`2000`) and sticky
/// (`1000`). The file type is not part of it; see [`FileKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mode(u32);

/// Why a mode string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModeError {
    /// The text is empty, has a non-octal digit, or has more than four digits.
    #[error("`{0}` is not an octal file mode (expected up to four octal digits, e.g. `0755`)")]
    NotOctal(String),
}

impl Mode {
    /// The setgid bit (`2000`): new entries inherit the directory's group.
    pub const SETGID: u32 = 0o2000;
    /// The sticky bit (`1000`).
    pub const STICKY: u32 = 0o1000;

    /// A mode from its numeric value; bits above `7777` are dropped.
    pub const fn new(bits: u32) -> Self {
        Mode(bits & 0o7777)
    }

    /// Parses an octal string such as `"0755"`, `"2775"` or `"644"` (an optional `0o` prefix is
    /// accepted). Modes are always written in octal in the references and vectors.
    pub fn from_octal(text: &str) -> Result<Self, ModeError> {
        let digits = text.trim();
        let digits = digits.strip_prefix("0o").unwrap_or(digits);
        if digits.is_empty()
            || digits.len() > 4
            || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b))
        {
            return Err(ModeError::NotOctal(text.to_owned()));
        }
        u32::from_str_radix(digits, 8)
            .map(Mode::new)
            .map_err(|_| ModeError::NotOctal(text.to_owned()))
    }

    /// The numeric value, special bits included.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The nine permission bits only (`rwxrwxrwx`).
    pub const fn perm(self) -> u32 {
        self.0 & 0o777
    }

    /// Whether the setgid bit is set.
    pub const fn is_setgid(self) -> bool {
        self.0 & Self::SETGID != 0
    }

    /// Whether the sticky bit is set.
    pub const fn is_sticky(self) -> bool {
        self.0 & Self::STICKY != 0
    }

    /// This mode with `mask` OR-ed in (kubelet only ever adds bits).
    pub const fn with(self, mask: u32) -> Self {
        Mode::new(self.0 | mask)
    }

    /// The three `rwx` bits of one permission class, as a value `0..=7`.
    pub const fn class_bits(self, class: PermClass) -> u32 {
        (self.0 >> class.shift()) & 0o7
    }
}

impl fmt::Display for Mode {
    /// Four octal digits, as `ls`-derived tables and the vectors write them (`0755`, `2775`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04o}", self.0)
    }
}

impl std::str::FromStr for Mode {
    type Err = ModeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::from_octal(s)
    }
}

/// The permission class that decides an access: the owner, the group, or everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PermClass {
    /// The process uid equals the file's uid.
    Owner,
    /// The file's gid is the process gid or one of its supplementary groups.
    Group,
    /// Neither.
    Other,
}

impl PermClass {
    const fn shift(self) -> u32 {
        match self {
            PermClass::Owner => 6,
            PermClass::Group => 3,
            PermClass::Other => 0,
        }
    }

    /// The `chmod` letter of the class (`u`, `g`, `o`).
    pub const fn letter(self) -> char {
        match self {
            PermClass::Owner => 'u',
            PermClass::Group => 'g',
            PermClass::Other => 'o',
        }
    }

    /// The lowercase name used in reports and the vectors (`owner`, `group`, `other`).
    pub const fn as_str(self) -> &'static str {
        match self {
            PermClass::Owner => "owner",
            PermClass::Group => "group",
            PermClass::Other => "other",
        }
    }
}

/// Read (`4`), write (`2`) and execute/search (`1`) bits of one class.
pub(crate) const R: u32 = 0o4;
pub(crate) const W: u32 = 0o2;
pub(crate) const X: u32 = 0o1;

/// Renders the bits `want & !have` of a class as a `chmod` fragment such as `g+w` or `o+rx`;
/// `None` when nothing is missing.
pub(crate) fn missing_bits(class: PermClass, have: u32, want: u32) -> Option<String> {
    let lacking = want & !have;
    if lacking == 0 {
        return None;
    }
    let mut out = String::with_capacity(5);
    out.push(class.letter());
    out.push('+');
    for (bit, ch) in [(R, 'r'), (W, 'w'), (X, 'x')] {
        if lacking & bit != 0 {
            out.push(ch);
        }
    }
    Some(out)
}

/// What kind of filesystem object an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (kubelet's walk never follows it).
    Symlink,
}

/// Owner and mode of one filesystem object, as `stat` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStat {
    /// Owner uid. `None` = some non-root uid that matters to nobody (it never equals a process
    /// uid in a check).
    pub uid: Option<i64>,
    /// Owner gid.
    pub gid: i64,
    /// Mode bits.
    pub mode: Mode,
}

impl FileStat {
    /// A stat record with a known owner.
    pub const fn new(uid: i64, gid: i64, mode: Mode) -> Self {
        FileStat {
            uid: Some(uid),
            gid,
            mode,
        }
    }
}

impl fmt::Display for FileStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.uid {
            Some(uid) => write!(f, "{} {}:{}", self.mode, uid, self.gid),
            None => write!(f, "{} ?:{}", self.mode, self.gid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_octal() {
        assert_eq!(Mode::from_octal("0755").unwrap().bits(), 0o755);
        assert_eq!(Mode::from_octal("2775").unwrap().to_string(), "2775");
        assert_eq!(Mode::from_octal("644").unwrap().to_string(), "0644");
        assert!(Mode::from_octal("0855").is_err());
        assert!(Mode::from_octal("").is_err());
        assert!(Mode::from_octal("17777").is_err());
    }

    #[test]
    fn missing_bits_render_like_chmod() {
        assert_eq!(
            missing_bits(PermClass::Group, 0o5, 0o3).as_deref(),
            Some("g+w")
        );
        assert_eq!(
            missing_bits(PermClass::Other, 0, 0o5).as_deref(),
            Some("o+rx")
        );
        assert_eq!(missing_bits(PermClass::Owner, 0o7, 0o3), None);
    }
}
