//! The DAC verdict: can this process read or write this directory or file, and what decided it
//! (a read-only mount, `CAP_DAC_OVERRIDE`, or the owner/group/other permission class), with the
//! bits the deciding class lacks. It reads an [`Identity`] and a [`Target`]; it never computes
//! either. Reference: `k8s-volume-permissions.md` §7 H; `vectors/README.md` §3.3.

use super::identity::Identity;
use super::mode::{FileKind, FileStat, PermClass, R, W, X, missing_bits};
use super::volume::{NOBODY, NfsSquash, VolumeState};

/// An operation a job stage performs on a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Directory: list and open entries (`r` + `x`). File: read (`r`).
    Read,
    /// Directory: create, rename or delete entries (`w` + `x`). File: write (`w`).
    Write,
}

/// What an access check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Directory, file or symlink (a symlink is checked on its own bits; resolve it first when
    /// the target's bits matter).
    pub kind: FileKind,
    /// Owner and mode.
    pub stat: FileStat,
    /// The mount is read-only for this container (its `volumeMounts[].readOnly`, the volume's
    /// read-only flag, or a volume kubelet always mounts read-only).
    pub read_only: bool,
    /// NFS squashing on the export.
    pub squash: Option<NfsSquash>,
}

/// What decided a verdict, in the order they apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The mount is read-only: writes fail with `EROFS` whatever the capabilities; reads follow
    /// the other rules.
    ReadOnly,
    /// uid 0 with `CAP_DAC_OVERRIDE`: mode bits are bypassed.
    DacOverride,
    /// The owner class decided.
    Owner,
    /// The group class decided.
    Group,
    /// The other class decided.
    Other,
}

impl Reason {
    /// The name the vectors use (`read_only`, `dac_override`, `owner`, `group`, `other`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::ReadOnly => "read_only",
            Reason::DacOverride => "dac_override",
            Reason::Owner => "owner",
            Reason::Group => "group",
            Reason::Other => "other",
        }
    }

    fn of_class(class: PermClass) -> Self {
        match class {
            PermClass::Owner => Reason::Owner,
            PermClass::Group => Reason::Group,
            PermClass::Other => Reason::Other,
        }
    }
}

/// The answer to one access question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the operation succeeds.
    pub allowed: bool,
    /// What decided it.
    pub reason: Reason,
    /// The permission class whose bits applied (`None` when `dac_override` bypassed them, or a
    /// read-only mount refused a write).
    pub class: Option<PermClass>,
    /// For a refusal by mode bits: what the class lacks, as a chmod fragment (`g+w`, `o+rx`).
    pub missing: Option<String>,
}

/// The permission class of a process for an object: owner if its uid matches, else group if
/// the object's gid is one of its groups, else other.
pub fn perm_class(uid: i64, groups_contain: impl Fn(i64) -> bool, stat: &FileStat) -> PermClass {
    if stat.uid == Some(uid) {
        PermClass::Owner
    } else if groups_contain(stat.gid) {
        PermClass::Group
    } else {
        PermClass::Other
    }
}

/// Decides whether `id` can perform `op` on `target` (reference §7 H): a read-only mount refuses
/// writes; then `dac_override` allows; then the owner/group/other class must have the bits. Under
/// NFS `root_squash`, uid 0 (and group 0) act as `nobody` on the server and lose the override.
pub fn check(id: &Identity, target: &Target, op: Op) -> Verdict {
    let squashed = target.squash == Some(NfsSquash::Root) && id.uid == 0;
    let uid = if squashed { NOBODY } else { id.uid };
    let in_group = |g: i64| {
        if squashed && g == 0 {
            return false;
        }
        id.in_group(g) || (squashed && g == NOBODY)
    };
    let class = perm_class(uid, in_group, &target.stat);
    let want = match (target.kind, op) {
        (FileKind::Dir, Op::Read) => R | X,
        (FileKind::Dir, Op::Write) => W | X,
        (_, Op::Read) => R,
        (_, Op::Write) => W,
    };
    let have = target.stat.mode.class_bits(class);
    let dac = id.dac_override && !squashed;

    if target.read_only {
        if op == Op::Write {
            return Verdict {
                allowed: false,
                reason: Reason::ReadOnly,
                class: None,
                missing: None,
            };
        }
        let allowed = dac || have & want == want;
        let missing = if allowed {
            None
        } else {
            missing_bits(class, have, want)
        };
        return Verdict {
            allowed,
            reason: Reason::ReadOnly,
            class: (!dac).then_some(class),
            missing,
        };
    }
    if dac {
        return Verdict {
            allowed: true,
            reason: Reason::DacOverride,
            class: None,
            missing: None,
        };
    }
    let allowed = have & want == want;
    Verdict {
        allowed,
        reason: Reason::of_class(class),
        class: Some(class),
        missing: if allowed {
            None
        } else {
            missing_bits(class, have, want)
        },
    }
}

/// Which object of a volume a container accesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetRef<'a> {
    /// The mount root.
    Root,
    /// The subPath directory the container mounts instead of the root.
    SubPath {
        /// Path below the root.
        path: &'a str,
        /// Whether it existed before the pod started.
        exists: bool,
    },
    /// A listed entry (or a secret/configMap key) by path.
    Entry(&'a str),
}

impl VolumeState {
    /// The [`Target`] for one object of this volume as a container with `mount_read_only` sees it;
    /// `None` when its owner and mode are unknown.
    pub fn target(&self, which: TargetRef<'_>, mount_read_only: bool) -> Option<Target> {
        let (kind, stat) = match which {
            TargetRef::Root => (FileKind::Dir, self.root?),
            TargetRef::SubPath { path, exists } => {
                (FileKind::Dir, self.sub_path_dir(path, exists)?)
            }
            TargetRef::Entry(path) => {
                let e = self.entry(path)?;
                (e.kind, e.stat)
            }
        };
        Some(Target {
            kind,
            stat,
            read_only: mount_read_only || self.read_only,
            squash: self.nfs_squash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::identity::{GidSource, SupplementalGroupsPolicy, UidSource};
    use crate::access::mode::Mode;
    use std::collections::BTreeSet;

    fn id(uid: i64, groups: &[i64], dac: bool) -> Identity {
        Identity {
            uid,
            gid: groups.first().copied().unwrap_or(0),
            groups: groups.iter().copied().collect(),
            user_name: None,
            uid_source: UidSource::Default,
            gid_source: GidSource::Default,
            supplemental_groups_policy: SupplementalGroupsPolicy::Merge,
            capabilities: BTreeSet::new(),
            dac_override: dac,
            notes: vec![],
        }
    }

    fn dir(uid: i64, gid: i64, mode: u32) -> Target {
        Target {
            kind: FileKind::Dir,
            stat: FileStat::new(uid, gid, Mode::new(mode)),
            read_only: false,
            squash: None,
        }
    }

    #[test]
    fn class_order_and_missing_bits() {
        let v = check(&id(1000, &[0, 1000], false), &dir(0, 0, 0o755), Op::Write);
        assert_eq!(
            (v.allowed, v.reason, v.missing.as_deref()),
            (false, Reason::Group, Some("g+w"))
        );
        let v = check(&id(1000, &[0], false), &dir(1001, 1001, 0o700), Op::Read);
        assert_eq!(
            (v.allowed, v.reason, v.missing.as_deref()),
            (false, Reason::Other, Some("o+rx"))
        );
    }

    #[test]
    fn dac_override_and_read_only_and_squash() {
        assert_eq!(
            check(&id(0, &[0], true), &dir(5, 5, 0o700), Op::Write).reason,
            Reason::DacOverride
        );
        let mut t = dir(0, 0, 0o777);
        t.read_only = true;
        let v = check(&id(0, &[0], true), &t, Op::Write);
        assert_eq!((v.allowed, v.reason), (false, Reason::ReadOnly));
        let mut t = dir(0, 0, 0o755);
        t.squash = Some(NfsSquash::Root);
        let v = check(&id(0, &[0], true), &t, Op::Write);
        assert_eq!((v.allowed, v.reason), (false, Reason::Other));
    }
}
