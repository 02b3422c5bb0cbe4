//! Who can read and write where: process identity per container, what kubelet does to a
//! volume's owner and mode, and the permission verdicts that follow. The inputs are the pod and
//! container security contexts *after* admission, what is known of the images, and each volume's
//! source with its cluster objects; unknown facts come from the embedded knowledge bases and are
//! returned as explicit [`Assumption`]s. This module only models; it never prints, reads files or
//! talks to a cluster, and it does not simulate SCC admission: callers pass the pod as
//! [`crate::admission`] admitted it. Reference: `reference/k8s-volume-permissions.md` §7.
//!
//! ```
//! use runner_doctor::access::{self, *};
//!
//! let v = KubeVersion::new(1, 29);
//! // An OpenShift arbitrary UID with the namespace fsGroup, after admission.
//! let pod = PodSecurity { fs_group: Some(1000680000), ..Default::default() };
//! let ctr = ContainerSecurity { run_as_user: Some(1000680000), ..Default::default() };
//! let id = access::identity(&pod, &ctr, &ImageConfig::default(), &[], v).unwrap();
//! assert_eq!((id.uid, id.gid), (1000680000, 0));
//!
//! // A CephFS RWX cache PVC whose CSIDriver says `None`, fresh root 0755 root:root.
//! let mut vol = VolumeSpec::new("cache", VolumeSource::Csi(CsiVolume {
//!     driver: "openshift-storage.cephfs.csi.ceph.com".into(),
//!     access_modes: vec![AccessMode::ReadWriteMany],
//!     driver_object: CsiDriverObject::Present { fs_group_policy: Some(FsGroupPolicy::None) },
//!     volume_mount_group: Some(false),
//!     ..Default::default()
//! }));
//! vol.root_before = Some(FileStat::new(0, 0, Mode::new(0o755)));
//! let state = access::volume_setup(&vol, &pod, v, Platform::OpenShift);
//! assert_eq!(state.decision.reason, FsGroupReason::PolicyNone);
//!
//! let root = state.target(TargetRef::Root, false).unwrap();
//! let verdict = access::check(&id, &root, Op::Write);
//! assert!(!verdict.allowed);
//! assert_eq!(verdict.reason, Reason::Group);
//! assert_eq!(verdict.missing.as_deref(), Some("g+w"));
//! ```

#![warn(missing_docs)]

pub mod identity;
pub mod k8s;
pub mod kb;
pub mod mode;
pub mod verdict;
pub mod volume;

use std::fmt;

pub use identity::{
    Capabilities, ContainerSecurity, FsGroupChangePolicy, GidSource, GroupEntry, Identity,
    IdentityError, ImageConfig, PasswdEntry, PodSecurity, SupplementalGroupsPolicy, UidSource,
    identity,
};
pub use kb::{Assumed, Assumption, Confidence, Origin};
pub use mode::{FileKind, FileStat, Mode, ModeError, PermClass};
pub use verdict::{Op, Reason, Target, TargetRef, Verdict, check};
pub use volume::{
    AccessMode, CsiDriverObject, CsiVolume, Entry, FsGroupDecision, FsGroupPolicy, FsGroupReason,
    NfsSquash, Payload, SetupOutcome, VolumeSource, VolumeSpec, VolumeState, created_entry,
    fs_group_decision, volume_setup,
};

/// The kind of cluster: it selects knowledge-base rows (OpenShift ships its own CSIDriver
/// objects) and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Platform {
    /// Upstream Kubernetes (or a distribution we do not model specially).
    #[default]
    Kubernetes,
    /// OpenShift.
    OpenShift,
}

/// A Kubernetes `major.minor` version, for feature gates (RWOP fsGroup from 1.32, Strict
/// supplemental groups from 1.33).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KubeVersion {
    /// Major (1).
    pub major: u32,
    /// Minor.
    pub minor: u32,
}

impl KubeVersion {
    /// A version.
    pub const fn new(major: u32, minor: u32) -> Self {
        KubeVersion { major, minor }
    }

    /// Parses `"1.27"`, `"v1.27.3"` or `"1.27+"`; `None` when it is not a version.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor_text: String = parts
            .next()?
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        Some(KubeVersion {
            major,
            minor: minor_text.parse().ok()?,
        })
    }

    /// Whether this version is at least `major.minor`.
    pub const fn at_least(self, major: u32, minor: u32) -> bool {
        self.major > major || (self.major == major && self.minor >= minor)
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kubernetes {}.{}", self.major, self.minor)
    }
}
