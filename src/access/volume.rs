//! What kubelet does to a volume at SetUp: whether it runs its fsGroup ownership routine (per
//! volume type, and the full CSI decision), whether the recursive walk runs, and the owner and
//! mode of the root and of listed entries afterwards; plus subPath directory creation and the
//! owner/mode of files a process creates. It takes the admitted pod security context as input
//! and never looks at containers' identities (that is [`super::identity()`]) or decides access
//! (that is [`super::verdict`]). Reference: `k8s-volume-permissions.md` §2, §3, §5 and §7 C–F.

use std::collections::BTreeMap;

use super::identity::{FsGroupChangePolicy, Identity, PodSecurity};
use super::kb::{self, Assumption, Confidence, Origin};
use super::mode::{FileKind, FileStat, Mode};
use super::{KubeVersion, Platform};

/// `CSIDriver.spec.fsGroupPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FsGroupPolicy {
    /// Never apply fsGroup.
    None,
    /// Always apply it (when the volume is writable).
    File,
    /// Apply it only to RWO volumes with an fsType (the API default).
    ReadWriteOnceWithFSType,
}

impl FsGroupPolicy {
    /// Parses the API spelling; `None` for anything else (`n/a`, `unknown`).
    pub fn from_api(text: &str) -> Option<Self> {
        match text {
            "None" => Some(FsGroupPolicy::None),
            "File" => Some(FsGroupPolicy::File),
            "ReadWriteOnceWithFSType" => Some(FsGroupPolicy::ReadWriteOnceWithFSType),
            _ => None,
        }
    }

    /// The API spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            FsGroupPolicy::None => "None",
            FsGroupPolicy::File => "File",
            FsGroupPolicy::ReadWriteOnceWithFSType => "ReadWriteOnceWithFSType",
        }
    }
}

/// A PV access mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessMode {
    /// `ReadWriteOnce`.
    ReadWriteOnce,
    /// `ReadOnlyMany`.
    ReadOnlyMany,
    /// `ReadWriteMany`.
    ReadWriteMany,
    /// `ReadWriteOncePod`.
    ReadWriteOncePod,
}

impl AccessMode {
    /// Parses the API spelling (also the `RWO`/`ROX`/`RWX`/`RWOP` abbreviations).
    pub fn from_api(text: &str) -> Option<Self> {
        match text {
            "ReadWriteOnce" | "RWO" => Some(AccessMode::ReadWriteOnce),
            "ReadOnlyMany" | "ROX" => Some(AccessMode::ReadOnlyMany),
            "ReadWriteMany" | "RWX" => Some(AccessMode::ReadWriteMany),
            "ReadWriteOncePod" | "RWOP" => Some(AccessMode::ReadWriteOncePod),
            _ => None,
        }
    }
}

/// What is known about the driver's CSIDriver object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CsiDriverObject {
    /// Known not to exist: kubelet uses `ReadWriteOnceWithFSType` (CM `getFSGroupPolicy`).
    Absent,
    /// Read from the cluster or a file. A `None` policy means the field was empty; the API server
    /// defaults it to `ReadWriteOnceWithFSType` on create.
    Present {
        /// `spec.fsGroupPolicy`.
        fs_group_policy: Option<FsGroupPolicy>,
    },
    /// Not known (offline): the storage knowledge base is consulted and the result recorded as an
    /// assumption.
    #[default]
    Unknown,
}

/// A CSI volume, from a PV or inline in the pod.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsiVolume {
    /// `csi.driver`.
    pub driver: String,
    /// Inline (`pod.spec.volumes[].csi`) rather than a PV: kubelet treats it as RWO.
    pub inline: bool,
    /// `csi.fsType` of the PV (or of the inline source).
    pub fs_type: String,
    /// The PV's `spec.accessModes` (ignored for inline volumes).
    pub access_modes: Vec<AccessMode>,
    /// The CSIDriver object.
    pub driver_object: CsiDriverObject,
    /// Whether the node plugin reports `VOLUME_MOUNT_GROUP`; `None` = unknown (knowledge base).
    pub volume_mount_group: Option<bool>,
}

/// The key files of a secret/configMap/projected/downwardAPI volume.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Payload {
    /// `defaultMode`; `None` = the API default `0644`.
    pub default_mode: Option<Mode>,
    /// Key file names created at the root (each stands for the file its `..data/` symlink
    /// resolves to).
    pub keys: Vec<String>,
    /// Per-key `items[].mode`, overriding `defaultMode` for that key.
    pub key_modes: BTreeMap<String, Mode>,
}

/// A volume source, as far as ownership management cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSource {
    /// `emptyDir`.
    EmptyDir {
        /// `medium: Memory`: a tmpfs is mounted over the directory.
        memory: bool,
    },
    /// `secret`.
    Secret(Payload),
    /// `configMap`.
    ConfigMap(Payload),
    /// `projected`.
    Projected(Payload),
    /// `downwardAPI`.
    DownwardApi(Payload),
    /// CSI (PV or inline).
    Csi(CsiVolume),
    /// In-tree `nfs` (also PVs made by the nfs-subdir provisioner).
    Nfs,
    /// `hostPath` (also local-path-provisioner PVs).
    HostPath,
    /// A `local` PV.
    Local {
        /// Another pod on the node already mounts it: kubelet then leaves ownership alone.
        other_pod_on_node: bool,
    },
    /// The ownership routine called directly, as in kubelet's unit tests: managed, honours
    /// `fsGroupChangePolicy`.
    Direct,
}

impl VolumeSource {
    /// Whether kubelet always mounts it read-only into containers (secret, configMap, projected,
    /// downwardAPI: kubelet `makeMounts` ORs the mounter's `ReadOnly` attribute).
    pub const fn always_read_only(&self) -> bool {
        matches!(
            self,
            VolumeSource::Secret(_)
                | VolumeSource::ConfigMap(_)
                | VolumeSource::Projected(_)
                | VolumeSource::DownwardApi(_)
        )
    }

    fn payload(&self) -> Option<&Payload> {
        match self {
            VolumeSource::Secret(p)
            | VolumeSource::ConfigMap(p)
            | VolumeSource::Projected(p)
            | VolumeSource::DownwardApi(p) => Some(p),
            _ => None,
        }
    }
}

/// NFS export squashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NfsSquash {
    /// `root_squash`: uid 0 (kubelet included) acts as `nobody` (65534) on the server.
    Root,
}

/// The uid/gid `root_squash` maps root to (the common `anonuid`/`anongid` default).
pub const NOBODY: i64 = 65534;

/// One entry below the volume root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the root.
    pub path: String,
    /// Its kind.
    pub kind: FileKind,
    /// Owner and mode.
    pub stat: FileStat,
    /// For a symlink: its target lies outside the volume.
    pub target_outside_volume: bool,
}

/// Everything [`volume_setup`] needs to know about one volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSpec {
    /// Volume name (used in messages).
    pub name: String,
    /// The source.
    pub source: VolumeSource,
    /// The volume's read-only flag as kubelet sees it: `persistentVolumeClaim.readOnly` for a
    /// PV-backed volume, or the inline source's `readOnly`. Not the PV's own `csi.readOnly`,
    /// which kubelet never reads.
    pub read_only: bool,
    /// NFS squashing on the export (CSI NFS or in-tree NFS).
    pub nfs_squash: Option<NfsSquash>,
    /// The root before SetUp; `None` = unknown (a default or the knowledge base is used).
    pub root_before: Option<FileStat>,
    /// The provisioner that made the volume (StorageClass `provisioner`, or the PV annotation
    /// `pv.kubernetes.io/provisioned-by`). Used only to look up a fresh root in the knowledge
    /// base for non-CSI PVs (nfs-subdir, local-path); CSI volumes use their driver name.
    pub provisioner: Option<String>,
    /// Entries below the root before SetUp.
    pub entries_before: Vec<Entry>,
}

impl VolumeSpec {
    /// A spec with nothing known but the source.
    pub fn new(name: impl Into<String>, source: VolumeSource) -> Self {
        VolumeSpec {
            name: name.into(),
            source,
            read_only: false,
            nfs_squash: None,
            root_before: None,
            provisioner: None,
            entries_before: Vec::new(),
        }
    }
}

/// Why kubelet does or does not apply fsGroup (reference §7 D; `vectors/README.md` §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FsGroupReason {
    /// The pod has no fsGroup.
    FsGroupNil,
    /// hostPath: never managed.
    HostPath,
    /// In-tree NFS: never managed.
    IntreeNfs,
    /// The ownership routine runs.
    Applied,
    /// The volume is read-only.
    ReadOnly,
    /// The CSI driver takes fsGroup itself (VOLUME_MOUNT_GROUP); kubelet changes nothing.
    Delegated,
    /// CSIDriver policy `None`.
    PolicyNone,
    /// Policy `ReadWriteOnceWithFSType` and no fsType.
    NoFsType,
    /// Policy `ReadWriteOnceWithFSType` and no RWO (or, from 1.32, RWOP) access mode.
    NotRwo,
    /// A local PV another pod on the node already mounts: kubelet only warns
    /// ("The volume may not be shareable", LOC). Not in the vector vocabulary.
    LocalShared,
}

impl FsGroupReason {
    /// The reason code as the reference and the vectors spell it.
    pub const fn code(self) -> &'static str {
        match self {
            FsGroupReason::FsGroupNil => "FSGROUP_NIL",
            FsGroupReason::HostPath => "HOSTPATH",
            FsGroupReason::IntreeNfs => "INTREE_NFS",
            FsGroupReason::Applied => "APPLIED",
            FsGroupReason::ReadOnly => "READONLY",
            FsGroupReason::Delegated => "DELEGATED",
            FsGroupReason::PolicyNone => "POLICY_NONE",
            FsGroupReason::NoFsType => "NO_FSTYPE",
            FsGroupReason::NotRwo => "NOT_RWO",
            FsGroupReason::LocalShared => "LOCAL_SHARED",
        }
    }
}

/// The outcome of kubelet's ownership decision for one volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsGroupDecision {
    /// Whether kubelet runs its ownership routine.
    pub applied: bool,
    /// Why.
    pub reason: FsGroupReason,
    /// The CSIDriver policy kubelet uses (CSI only).
    pub effective_policy: Option<FsGroupPolicy>,
    /// The fsGroup handed to the CSI driver (delegation).
    pub volume_mount_group: Option<i64>,
    /// The routine uses the read-only masks (`0440`/`2550`).
    pub read_only_mask: bool,
    /// `fsGroupChangePolicy` is honoured (CSI, local, direct); emptyDir and the payload volumes
    /// pass a nil policy and always walk (ED, SEC).
    pub honours_change_policy: bool,
    /// What had to be assumed.
    pub assumptions: Vec<Assumption>,
}

/// Decides whether kubelet applies fsGroup to a volume (reference §2.2, §2.3, §7 D), in the
/// order of `vectors/README.md` §3.3: FSGROUP_NIL, HOSTPATH, INTREE_NFS, the always-managed
/// types, local, then the CSI steps as `csi_mounter.go` `SetUpAt`/`supportsFSGroup` take them.
pub fn fs_group_decision(
    spec: &VolumeSpec,
    fs_group: Option<i64>,
    version: KubeVersion,
    platform: Platform,
) -> FsGroupDecision {
    let mut d = FsGroupDecision {
        applied: false,
        reason: FsGroupReason::FsGroupNil,
        effective_policy: None,
        volume_mount_group: None,
        read_only_mask: false,
        honours_change_policy: false,
        assumptions: Vec::new(),
    };
    if let VolumeSource::Csi(csi) = &spec.source {
        // The policy is reported even when fsGroup is nil, as kubelet resolves it at mount time.
        d.effective_policy = Some(effective_policy(csi, platform, &mut d.assumptions));
    }
    let Some(fs_group) = fs_group else {
        return d;
    };
    let applied = |d: &mut FsGroupDecision, reason| {
        d.applied = reason == FsGroupReason::Applied;
        d.reason = reason;
    };
    match &spec.source {
        VolumeSource::HostPath => applied(&mut d, FsGroupReason::HostPath),
        VolumeSource::Nfs => applied(&mut d, FsGroupReason::IntreeNfs),
        VolumeSource::EmptyDir { .. } => applied(&mut d, FsGroupReason::Applied),
        // Payload volumes: the mounter reports ReadOnly, so the read-only masks apply; the
        // policy passed is nil (SEC, PRJ).
        VolumeSource::Secret(_)
        | VolumeSource::ConfigMap(_)
        | VolumeSource::Projected(_)
        | VolumeSource::DownwardApi(_) => {
            d.read_only_mask = true;
            applied(&mut d, FsGroupReason::Applied);
        }
        VolumeSource::Direct => {
            d.read_only_mask = spec.read_only;
            d.honours_change_policy = true;
            applied(&mut d, FsGroupReason::Applied);
        }
        VolumeSource::Local { other_pod_on_node } => {
            d.honours_change_policy = true;
            let reason = if spec.read_only {
                FsGroupReason::ReadOnly
            } else if *other_pod_on_node {
                FsGroupReason::LocalShared
            } else {
                FsGroupReason::Applied
            };
            applied(&mut d, reason);
        }
        VolumeSource::Csi(csi) => {
            d.honours_change_policy = true;
            let delegated = match csi.volume_mount_group {
                Some(v) => v,
                None => match kb::volume_mount_group(&csi.driver) {
                    Some(a) => {
                        d.assumptions.push(a.assumption);
                        a.value
                    }
                    None => {
                        d.assumptions.push(default_assumption(
                            "csidriver.volumeMountGroup",
                            &csi.driver,
                            "false",
                            "driver not in the knowledge base; most drivers do not report VOLUME_MOUNT_GROUP",
                        ));
                        false
                    }
                },
            };
            let policy = d
                .effective_policy
                .unwrap_or(FsGroupPolicy::ReadWriteOnceWithFSType);
            let reason = if delegated {
                // kubelet passes fsGroup as volume_mount_group and does no chown itself,
                // whatever the policy (CM SetUpAt; CMT "driver supports volume mount group").
                d.volume_mount_group = Some(fs_group);
                FsGroupReason::Delegated
            } else if policy == FsGroupPolicy::None {
                FsGroupReason::PolicyNone
            } else if spec.read_only {
                FsGroupReason::ReadOnly
            } else if policy == FsGroupPolicy::File {
                FsGroupReason::Applied
            } else if csi.fs_type.trim().is_empty() {
                FsGroupReason::NoFsType
            } else if csi.inline {
                // "Inline CSI volumes are always mounted with RWO AccessMode by SetUpAt" (CM).
                FsGroupReason::Applied
            } else if has_read_write_once(&csi.access_modes, version) {
                FsGroupReason::Applied
            } else {
                FsGroupReason::NotRwo
            };
            applied(&mut d, reason);
        }
    }
    d
}

/// `hasReadWriteOnce` (CU): the PV's modes *contain* RWO; from 1.32 RWOP counts too
/// (kubernetes/kubernetes PR #128244, fixing #127170).
pub fn has_read_write_once(modes: &[AccessMode], version: KubeVersion) -> bool {
    modes.iter().any(|m| {
        *m == AccessMode::ReadWriteOnce
            || (*m == AccessMode::ReadWriteOncePod && version.at_least(1, 32))
    })
}

fn default_assumption(key: &str, subject: &str, value: &str, note: &str) -> Assumption {
    Assumption {
        key: key.to_owned(),
        subject: subject.to_owned(),
        value: value.to_owned(),
        origin: Origin::PlatformDefault,
        source: "k8s-volume-permissions.md §2.3".to_owned(),
        confidence: Confidence::Inferred,
        note: Some(note.to_owned()),
    }
}

/// The policy kubelet uses: the CSIDriver's, `ReadWriteOnceWithFSType` when there is no object
/// or the field is empty (CM `getFSGroupPolicy`; API defaulting), else the knowledge base.
fn effective_policy(
    csi: &CsiVolume,
    platform: Platform,
    out: &mut Vec<Assumption>,
) -> FsGroupPolicy {
    match &csi.driver_object {
        CsiDriverObject::Absent => FsGroupPolicy::ReadWriteOnceWithFSType,
        CsiDriverObject::Present { fs_group_policy } => {
            fs_group_policy.unwrap_or(FsGroupPolicy::ReadWriteOnceWithFSType)
        }
        CsiDriverObject::Unknown => match kb::fs_group_policy(&csi.driver, platform) {
            Some(a) => {
                out.push(a.assumption);
                a.value
            }
            None => {
                out.push(default_assumption(
                    "csidriver.fsGroupPolicy",
                    &csi.driver,
                    FsGroupPolicy::ReadWriteOnceWithFSType.as_str(),
                    "driver not in the knowledge base; assumed the API default an unset field gets",
                ));
                FsGroupPolicy::ReadWriteOnceWithFSType
            }
        },
    }
}

/// Whether SetUp ended with the volume mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupOutcome {
    /// Mounted.
    Mounted,
    /// SetUp failed; the pod stays in `ContainerCreating`.
    MountFailed {
        /// The error kubelet reports.
        message: String,
    },
}

/// A volume right after kubelet's SetUp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeState {
    /// Volume name.
    pub name: String,
    /// The ownership decision.
    pub decision: FsGroupDecision,
    /// Whether the recursive walk ran (false when not applied, or skipped by OnRootMismatch).
    pub walk: bool,
    /// Whether the mounter asks the runtime for an SELinux relabel.
    pub selinux_relabel: bool,
    /// Containers see the volume read-only whatever their mount says.
    pub read_only: bool,
    /// NFS squashing on the export.
    pub nfs_squash: Option<NfsSquash>,
    /// The root after SetUp; `None` when nothing is known about it.
    pub root: Option<FileStat>,
    /// Listed entries after SetUp (secret/configMap keys included).
    pub entries: Vec<Entry>,
    /// Mounted or failed.
    pub outcome: SetupOutcome,
    /// Every assumption made (decision ones included).
    pub assumptions: Vec<Assumption>,
    /// Facts worth showing.
    pub notes: Vec<String>,
}

/// Applies kubelet's ownership routine to one object (VL `ChangePermissions`): the group becomes
/// fsGroup and the mask is OR-ed in; symlinks only change group. Bits are only ever added.
pub fn apply_ownership(
    stat: FileStat,
    kind: FileKind,
    fs_group: i64,
    read_only_mask: bool,
) -> FileStat {
    // VL: rwMask 0660 / roMask 0440 for files; directories add execMask 0110 and setgid.
    let file_mask = if read_only_mask { 0o440 } else { 0o660 };
    let mode = match kind {
        FileKind::Symlink => stat.mode,
        FileKind::File => stat.mode.with(file_mask),
        FileKind::Dir => stat.mode.with(file_mask | 0o110 | Mode::SETGID),
    };
    FileStat {
        uid: stat.uid,
        gid: fs_group,
        mode,
    }
}

/// The OnRootMismatch skip test (VL `requiresPermissionChange`): the root is a directory whose
/// gid is fsGroup, whose bits include `0770` (read-only: `0550`) and which is setgid.
pub fn root_matches(root: &FileStat, fs_group: i64, read_only_mask: bool) -> bool {
    let want = if read_only_mask { 0o550 } else { 0o770 };
    root.gid == fs_group && root.mode.perm() & want == want && root.mode.is_setgid()
}

/// Default root of a volume whose root the caller did not give, with the assumption it rests on.
fn default_root(spec: &VolumeSpec, platform_notes: &mut Vec<Assumption>) -> Option<FileStat> {
    let assume = |key: &str, stat: FileStat, source: &str, confidence, note: &str| Assumption {
        key: key.to_owned(),
        subject: spec.name.clone(),
        value: stat.to_string(),
        origin: Origin::PlatformDefault,
        source: source.to_owned(),
        confidence,
        note: Some(note.to_owned()),
    };
    match &spec.source {
        VolumeSource::EmptyDir { memory: false } => {
            // emptyDir makes its directory 0777 and re-chmods it if a umask interfered (ED).
            let s = FileStat::new(0, 0, Mode::new(0o777));
            platform_notes.push(assume(
                "volume.fresh_root",
                s,
                "k8s-volume-permissions.md §2.2 [ED]",
                Confidence::Confirmed,
                "emptyDir root",
            ));
            Some(s)
        }
        // `setupTmpfs` makes the directory, then mounts a tmpfs over it without a `mode=` option
        // (ED), so the root is the tmpfs default 1777; secret/configMap/projected/downwardAPI
        // are built on that memory emptyDir (SEC, PRJ).
        VolumeSource::EmptyDir { memory: true } => {
            let s = FileStat::new(0, 0, Mode::new(0o1777));
            platform_notes.push(assume(
                "volume.fresh_root",
                s,
                "kubernetes/kubernetes pkg/volume/emptydir/empty_dir.go setupTmpfs (no mode option)",
                Confidence::Inferred,
                "tmpfs root of a Memory emptyDir (tmpfs default mode 1777, not observed)",
            ));
            Some(s)
        }
        s if s.always_read_only() => {
            let s = FileStat::new(0, 0, Mode::new(0o1777));
            platform_notes.push(assume(
                "volume.fresh_root",
                s,
                "k8s-volume-permissions.md §2.5",
                Confidence::Inferred,
                "tmpfs root of a secret/configMap/projected/downwardAPI volume (tmpfs default 1777, not observed)",
            ));
            Some(s)
        }
        VolumeSource::Csi(csi) => kb::fresh_root(&csi.driver, None).map(|a| {
            platform_notes.push(a.assumption);
            a.value
        }),
        VolumeSource::Nfs | VolumeSource::HostPath | VolumeSource::Local { .. } => spec
            .provisioner
            .as_deref()
            .and_then(|p| kb::fresh_root(p, None))
            .map(|a| {
                platform_notes.push(a.assumption);
                a.value
            }),
        _ => None,
    }
}

/// Predicts a volume's state right after kubelet's SetUp for a pod (reference §7 D–E).
///
/// The pod security context gives fsGroup and fsGroupChangePolicy. Unknown facts (the root
/// before SetUp, the CSIDriver policy, delegation) come from platform defaults or the storage
/// knowledge base and are listed in [`VolumeState::assumptions`].
pub fn volume_setup(
    spec: &VolumeSpec,
    pod: &PodSecurity,
    version: KubeVersion,
    platform: Platform,
) -> VolumeState {
    let decision = fs_group_decision(spec, pod.fs_group, version, platform);
    let mut assumptions = decision.assumptions.clone();
    let mut notes = Vec::new();

    let root_before = spec
        .root_before
        .or_else(|| default_root(spec, &mut assumptions));
    if root_before.is_none() {
        notes.push(format!(
            "the owner and mode of volume `{}`'s root are unknown; give them or probe the cluster",
            spec.name
        ));
    }
    let mut entries = spec.entries_before.clone();
    if let Some(payload) = spec.source.payload() {
        // AtomicWriter writes each key as uid 0 with `items[].mode` or `defaultMode` (API
        // default 0644) [SEC MakePayload]; the entry stands for the file the symlink resolves to.
        let default_mode = payload.default_mode.unwrap_or(Mode::new(0o644));
        for key in &payload.keys {
            if !entries.iter().any(|e| e.path == *key) {
                let mode = payload.key_modes.get(key).copied().unwrap_or(default_mode);
                entries.push(Entry {
                    path: key.clone(),
                    kind: FileKind::File,
                    stat: FileStat::new(0, 0, mode),
                    target_outside_volume: false,
                });
            }
        }
    }

    let fs_group = pod.fs_group;
    let on_root_mismatch = decision.honours_change_policy
        && pod.fs_group_change_policy == Some(FsGroupChangePolicy::OnRootMismatch);
    let walk = match (decision.applied, fs_group) {
        (true, Some(g)) => match (on_root_mismatch, root_before) {
            (true, Some(root)) => !root_matches(&root, g, decision.read_only_mask),
            // Unknown root: kubelet stats it and walks unless it matches; assume it walks.
            _ => true,
        },
        _ => false,
    };

    let mut outcome = SetupOutcome::Mounted;
    let mut root = root_before;
    if let (true, Some(g)) = (walk, fs_group) {
        let squash = spec.nfs_squash.is_some();
        // With root_squash kubelet acts as nobody on the server: it must be able to list every
        // directory (else the walk aborts: csi-driver-nfs#894) and can chmod only what nobody
        // owns; chgrp to fsGroup fails because nobody is not in that group (errors only logged).
        let walk_one = |stat: FileStat, kind: FileKind| -> FileStat {
            if !squash {
                return apply_ownership(stat, kind, g, decision.read_only_mask);
            }
            if stat.uid == Some(NOBODY) {
                let changed = apply_ownership(stat, kind, g, decision.read_only_mask);
                FileStat {
                    gid: stat.gid,
                    ..changed
                }
            } else {
                stat
            }
        };
        if squash {
            let unreadable = root
                .map(|r| ("", r))
                .into_iter()
                .chain(
                    entries
                        .iter()
                        .filter(|e| e.kind == FileKind::Dir)
                        .map(|e| (e.path.as_str(), e.stat)),
                )
                .find(|(_, s)| !nobody_can_list(s));
            if let Some((path, _)) = unreadable {
                outcome = SetupOutcome::MountFailed {
                    message: format!(
                        "applyFSGroup failed for vol {}: open {}: permission denied",
                        spec.name,
                        if path.is_empty() {
                            "<volume root>".to_owned()
                        } else {
                            path.to_owned()
                        }
                    ),
                };
            }
        }
        if outcome == SetupOutcome::Mounted {
            for e in &mut entries {
                e.stat = walk_one(e.stat, e.kind);
            }
            root = root.map(|r| walk_one(r, FileKind::Dir));
        }
    }

    let selinux_relabel = match &spec.source {
        VolumeSource::EmptyDir { .. } | VolumeSource::Local { .. } => true,
        s if s.always_read_only() => true,
        VolumeSource::Csi(_) => {
            // CSI asks for a relabel when the mounted filesystem supports labels and no
            // `-o context` was used (CM `GetSELinuxSupport`); assumed here.
            notes.push(
                "SELinux relabel assumed: the CSI filesystem is taken to support labels".into(),
            );
            true
        }
        _ => false,
    };
    if platform == Platform::OpenShift {
        notes.extend(selinux_notes(spec));
    }

    VolumeState {
        name: spec.name.clone(),
        decision,
        walk,
        selinux_relabel,
        read_only: spec.read_only || spec.source.always_read_only(),
        nfs_squash: spec.nfs_squash,
        root,
        entries,
        outcome,
        assumptions,
        notes,
    }
}

/// SELinux caveats on an enforcing (OpenShift) node that mode bits do not show (reference §4,
/// §7 G). They are notes, not verdicts: the labels on disk are not part of the model.
fn selinux_notes(spec: &VolumeSpec) -> Vec<String> {
    let mut out = Vec::new();
    match &spec.source {
        VolumeSource::HostPath => out.push(
            "hostPath volumes are never relabelled: unless the host directory is labelled \
             `container_file_t`, SELinux denies `container_t` access even where mode bits allow it \
             (inferred)"
                .to_owned(),
        ),
        VolumeSource::Nfs => out.push(
            "in-tree NFS is not relabelled: files keep `nfs_t`, which `container_t` may use only \
             with the `virt_use_nfs` boolean on (container-selinux), or with a `context=` mount option \
             on the PV"
                .to_owned(),
        ),
        VolumeSource::Csi(csi) if csi.access_modes.contains(&AccessMode::ReadWriteMany) => out.push(
            "a ReadWriteMany volume is relabelled to the MCS categories of the last pod that mounts \
             it; pods of other namespaces using it at the same time then get EACCES (inferred)"
                .to_owned(),
        ),
        _ => {}
    }
    out
}

/// Whether `nobody` (no groups) can open and list a directory.
fn nobody_can_list(s: &FileStat) -> bool {
    let bits = if s.uid == Some(NOBODY) {
        s.mode.perm() >> 6
    } else {
        s.mode.perm()
    } & 0o7;
    bits & 0o5 == 0o5
}

impl VolumeState {
    /// The directory a container mounting `path` of this volume (a subPath) sees. An existing
    /// listed directory is returned as it is after SetUp. A missing one is created by kubelet
    /// before the container starts (KP `makeMounts`, `SafeMakeDir`): mode copied from the root
    /// (setgid included), owner 0, group the root's when the root is setgid, else 0. `None` when
    /// the subPath exists but is not listed, or the root is unknown.
    pub fn sub_path_dir(&self, path: &str, exists: bool) -> Option<FileStat> {
        let clean = path.trim_matches('/');
        if let Some(e) = self
            .entries
            .iter()
            .find(|e| e.path.trim_matches('/') == clean && e.kind == FileKind::Dir)
        {
            return Some(e.stat);
        }
        if exists {
            return None;
        }
        let root = self.root?;
        let gid = if root.mode.is_setgid() { root.gid } else { 0 };
        Some(FileStat::new(0, gid, root.mode))
    }

    /// A listed entry after SetUp.
    pub fn entry(&self, path: &str) -> Option<&Entry> {
        let clean = path.trim_matches('/');
        self.entries
            .iter()
            .find(|e| e.path.trim_matches('/') == clean)
    }
}

/// Owner and mode of a file or directory a process creates in `parent` (reference §7 I): its
/// uid; the parent's group when the parent is setgid (directories also inherit setgid), else
/// its primary gid; mode `0666`/`0777` minus `umask`.
pub fn created_entry(id: &Identity, parent: &FileStat, kind: FileKind, umask: u32) -> FileStat {
    let gid = if parent.mode.is_setgid() {
        parent.gid
    } else {
        id.gid
    };
    let base = match kind {
        FileKind::Dir => 0o777,
        FileKind::File | FileKind::Symlink => 0o666,
    };
    let mut mode = Mode::new(base & !umask);
    if kind == FileKind::Dir && parent.mode.is_setgid() {
        mode = mode.with(Mode::SETGID);
    }
    FileStat::new(id.uid, gid, mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_transforms_from_the_reference() {
        let t = |m: u32, k, ro| {
            apply_ownership(FileStat::new(0, 0, Mode::new(m)), k, 9, ro)
                .mode
                .bits()
        };
        assert_eq!(t(0o755, FileKind::Dir, false), 0o2775);
        assert_eq!(t(0o700, FileKind::Dir, false), 0o2770);
        assert_eq!(t(0o777, FileKind::Dir, false), 0o2777);
        assert_eq!(t(0o644, FileKind::File, false), 0o664);
        assert_eq!(t(0o600, FileKind::File, false), 0o660);
        assert_eq!(t(0o755, FileKind::Dir, true), 0o2755);
        assert_eq!(t(0o600, FileKind::File, true), 0o640);
        assert_eq!(t(0o777, FileKind::Symlink, false), 0o777);
    }

    #[test]
    fn squashed_walk_fails_on_a_private_directory() {
        let mut spec = VolumeSpec::new(
            "data",
            VolumeSource::Csi(CsiVolume {
                driver: "nfs.csi.k8s.io".into(),
                access_modes: vec![AccessMode::ReadWriteMany],
                driver_object: CsiDriverObject::Present {
                    fs_group_policy: Some(FsGroupPolicy::File),
                },
                volume_mount_group: Some(false),
                ..Default::default()
            }),
        );
        spec.nfs_squash = Some(NfsSquash::Root);
        spec.root_before = Some(FileStat::new(0, 0, Mode::new(0o775)));
        spec.entries_before.push(Entry {
            path: "raft".into(),
            kind: FileKind::Dir,
            stat: FileStat::new(1000, 1000, Mode::new(0o700)),
            target_outside_volume: false,
        });
        let pod = PodSecurity {
            fs_group: Some(1000),
            ..Default::default()
        };
        let st = volume_setup(&spec, &pod, KubeVersion::new(1, 30), Platform::Kubernetes);
        assert!(
            matches!(st.outcome, SetupOutcome::MountFailed { ref message } if message.contains("raft"))
        );
    }
}
