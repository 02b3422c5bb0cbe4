//! Process identity of one container: uid, primary gid, supplementary groups and the
//! capabilities that let uid 0 bypass mode bits. It works on the security contexts *after*
//! admission (OpenShift defaulting is an input, never done here) and on what is known of the
//! image (`USER`, `/etc/passwd`, `/etc/group`). Reference: `k8s-volume-permissions.md` §1 and §7 B.

use std::collections::BTreeSet;

use super::KubeVersion;

/// `pod.spec.securityContext` fields that shape identity and volume ownership. Values are the
/// admitted ones (after OpenShift SCC defaulting, when that applies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodSecurity {
    /// `runAsUser`.
    pub run_as_user: Option<i64>,
    /// `runAsGroup`.
    pub run_as_group: Option<i64>,
    /// `runAsNonRoot`.
    pub run_as_non_root: Option<bool>,
    /// `fsGroup`.
    pub fs_group: Option<i64>,
    /// `fsGroupChangePolicy`; `None` behaves as `Always`.
    pub fs_group_change_policy: Option<FsGroupChangePolicy>,
    /// `supplementalGroups`.
    pub supplemental_groups: Vec<i64>,
    /// `supplementalGroupsPolicy`; `None` = `Merge`.
    pub supplemental_groups_policy: Option<SupplementalGroupsPolicy>,
    /// `seLinuxOptions.level` (OpenShift sets it from the namespace's MCS annotation).
    pub se_linux_level: Option<String>,
}

/// A container's own `securityContext` fields that shape identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSecurity {
    /// `runAsUser` (overrides the pod's).
    pub run_as_user: Option<i64>,
    /// `runAsGroup` (overrides the pod's).
    pub run_as_group: Option<i64>,
    /// `runAsNonRoot` (overrides the pod's).
    pub run_as_non_root: Option<bool>,
    /// `privileged`: the runtime grants every capability, whatever `add`/`drop` say.
    pub privileged: bool,
    /// `capabilities`.
    pub capabilities: Capabilities,
}

/// `securityContext.capabilities`: names with or without the `CAP_` prefix, any case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `add`.
    pub add: Vec<String>,
    /// `drop`.
    pub drop: Vec<String>,
}

/// What is known of the container image's user database and `USER`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// The image config `User` (`"1001"`, `"1001:1001"`, `"node"`); `None` or empty = not set.
    pub user: Option<String>,
    /// `/etc/passwd` entries.
    pub passwd: Vec<PasswdEntry>,
    /// `/etc/group` entries.
    pub groups: Vec<GroupEntry>,
}

/// One `/etc/passwd` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    /// User name.
    pub name: String,
    /// uid.
    pub uid: i64,
    /// Primary gid.
    pub gid: i64,
}

/// One `/etc/group` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    /// Group name.
    pub name: String,
    /// gid.
    pub gid: i64,
    /// Member user names.
    pub members: Vec<String>,
}

/// `pod.spec.securityContext.fsGroupChangePolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FsGroupChangePolicy {
    /// Walk the whole tree on every mount (also what an unset policy does).
    Always,
    /// Skip the walk when the root already has the fsGroup, the bits and setgid.
    OnRootMismatch,
}

/// `pod.spec.securityContext.supplementalGroupsPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupplementalGroupsPolicy {
    /// Add the image's `/etc/group` memberships of the user (the default).
    Merge,
    /// Leave them out.
    Strict,
}

/// Where the uid came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UidSource {
    /// The container's `runAsUser`.
    ContainerRunAsUser,
    /// The pod's `runAsUser`.
    PodRunAsUser,
    /// The image `USER` (a number, or a name resolved through the image's passwd).
    ImageUser,
    /// Nothing set anywhere: the runtime's default, uid 0.
    Default,
}

/// Where the primary gid came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GidSource {
    /// `runAsGroup` (container, else pod).
    RunAsGroup,
    /// The passwd entry that matched the uid.
    Passwd,
    /// Neither: gid 0.
    Default,
}

/// The identity a container's process runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Process uid.
    pub uid: i64,
    /// Primary gid.
    pub gid: i64,
    /// Every group the process is in, the primary gid included.
    pub groups: BTreeSet<i64>,
    /// The passwd name the uid matched, if any.
    pub user_name: Option<String>,
    /// Where the uid came from.
    pub uid_source: UidSource,
    /// Where the gid came from.
    pub gid_source: GidSource,
    /// The supplementary-groups policy in effect (after the version gate).
    pub supplemental_groups_policy: SupplementalGroupsPolicy,
    /// Capabilities granted to the container (normalised names without `CAP_`). A non-root
    /// process holds none of them effectively; see [`Identity::dac_override`].
    pub capabilities: BTreeSet<String>,
    /// uid 0 holding `CAP_DAC_OVERRIDE`: mode bits do not stop it.
    pub dac_override: bool,
    /// Facts worth showing next to the identity (version gates, ignored fields).
    pub notes: Vec<String>,
}

impl Identity {
    /// Whether the process is in `gid` (primary or supplementary).
    pub fn in_group(&self, gid: i64) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }
}

/// Why a container cannot start with the identity its spec asks for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The image `USER` is a name that the image's `/etc/passwd` lacks (runc `GetExecUser`).
    #[error("unable to find user {name}: no matching entries in passwd file")]
    UnknownUser {
        /// The name.
        name: String,
    },
    /// `runAsNonRoot` and the uid resolves to 0 (kubelet `verifyRunAsNonRoot`).
    #[error("container has runAsNonRoot and image will run as root")]
    RunAsRoot,
    /// `runAsNonRoot` and the image user is a name kubelet cannot check.
    #[error(
        "container has runAsNonRoot and image has non-numeric user ({name}), cannot verify user is non-root"
    )]
    NonNumericUser {
        /// The name.
        name: String,
    },
}

/// The runtime default capability set: CRI-O's (`cri-o/cri-o`
/// `internal/config/capabilities/capabilities_linux.go` `Default()`). containerd's default adds
/// MKNOD, NET_RAW, SYS_CHROOT and AUDIT_WRITE; both hold DAC_OVERRIDE, which is what matters here.
const DEFAULT_CAPS: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "KILL",
];

/// Normalises a capability name: upper case, without the `CAP_` prefix.
fn cap_name(raw: &str) -> String {
    let up = raw.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_owned).unwrap_or(up)
}

/// The capability set the runtime grants: the defaults, emptied by `drop: [ALL]`, plus every
/// `add` (`ALL` = everything), minus every capability dropped by name. `privileged` grants all.
/// Order as in `vectors/README.md` §3.3 (`dac_override`).
pub fn granted_capabilities(sc: &ContainerSecurity) -> BTreeSet<String> {
    let drops: Vec<String> = sc.capabilities.drop.iter().map(|c| cap_name(c)).collect();
    let adds: Vec<String> = sc.capabilities.add.iter().map(|c| cap_name(c)).collect();
    if sc.privileged || adds.iter().any(|c| c == "ALL") {
        // "ALL" stands for every capability; we only need to know the ones that bypass DAC.
        let mut all: BTreeSet<String> = ["ALL", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        all.extend(DEFAULT_CAPS.iter().map(|s| (*s).to_owned()));
        if !sc.privileged {
            for d in drops.iter().filter(|d| *d != "ALL") {
                all.remove(d);
            }
        }
        return all;
    }
    let mut set: BTreeSet<String> = if drops.iter().any(|d| d == "ALL") {
        BTreeSet::new()
    } else {
        DEFAULT_CAPS.iter().map(|s| (*s).to_owned()).collect()
    };
    set.extend(adds);
    for d in drops.iter().filter(|d| *d != "ALL") {
        set.remove(d);
    }
    set
}

/// The supplementary-groups policy kubelet actually uses: `Strict` needs the
/// `SupplementalGroupsPolicy` gate, alpha (off) in 1.31–1.32 and beta (on) from 1.33; without
/// it the API server drops the field and the default `Merge` applies (SGP blog posts).
pub fn effective_supplemental_groups_policy(
    requested: Option<SupplementalGroupsPolicy>,
    version: KubeVersion,
) -> (SupplementalGroupsPolicy, Option<String>) {
    match requested {
        Some(SupplementalGroupsPolicy::Strict) if version.at_least(1, 33) => {
            (SupplementalGroupsPolicy::Strict, None)
        }
        Some(SupplementalGroupsPolicy::Strict) => (
            SupplementalGroupsPolicy::Merge,
            Some(format!(
                "`supplementalGroupsPolicy: Strict` needs the SupplementalGroupsPolicy feature gate, \
                 on by default only from Kubernetes 1.33; on {version} it is dropped and Merge applies"
            )),
        ),
        _ => (SupplementalGroupsPolicy::Merge, None),
    }
}

/// Computes one container's process identity (reference §7 B).
///
/// - uid: container `runAsUser`, pod `runAsUser`, the image `USER` (the part before `:`; a name
///   is resolved in the image's passwd), else 0.
/// - gid: `runAsGroup`, else the gid of the passwd entry that matched the uid, else 0. The image's
///   `USER uid:gid` group is never used: kubelet passes only the uid (kubernetes/kubernetes#61967).
/// - groups: gid, the image `/etc/group` memberships of the matched user name (Merge only), the
///   pod's fsGroup and supplementalGroups, and `pv_gids` (the `pv.beta.kubernetes.io/gid`
///   annotations of the pod's PVs, kubelet `GetExtraSupplementalGroupsForPod`).
pub fn identity(
    pod: &PodSecurity,
    container: &ContainerSecurity,
    image: &ImageConfig,
    pv_gids: &[i64],
    version: KubeVersion,
) -> Result<Identity, IdentityError> {
    let mut notes = Vec::new();
    let image_user = image
        .user
        .as_deref()
        .map(|u| u.split(':').next().unwrap_or("").trim())
        .filter(|u| !u.is_empty());

    let (uid, uid_source, matched) = if let Some(uid) = container.run_as_user {
        (
            uid,
            UidSource::ContainerRunAsUser,
            image.passwd.iter().find(|p| p.uid == uid),
        )
    } else if let Some(uid) = pod.run_as_user {
        (
            uid,
            UidSource::PodRunAsUser,
            image.passwd.iter().find(|p| p.uid == uid),
        )
    } else if let Some(user) = image_user {
        match user.parse::<i64>() {
            // runc accepts an unknown *number* as is, and still looks it up for gid/name.
            Ok(uid) => (
                uid,
                UidSource::ImageUser,
                image.passwd.iter().find(|p| p.uid == uid),
            ),
            Err(_) => {
                // kubelet checks runAsNonRoot before the runtime resolves the name, and it only
                // sees the name, so it cannot verify it (KSC verifyRunAsNonRoot).
                if container.run_as_non_root.or(pod.run_as_non_root) == Some(true) {
                    return Err(IdentityError::NonNumericUser {
                        name: user.to_owned(),
                    });
                }
                let entry = image
                    .passwd
                    .iter()
                    .find(|p| p.name == user)
                    .ok_or_else(|| IdentityError::UnknownUser {
                        name: user.to_owned(),
                    })?;
                (entry.uid, UidSource::ImageUser, Some(entry))
            }
        }
    } else {
        // No user anywhere: runc's default is uid 0 (RU).
        (
            0,
            UidSource::Default,
            image.passwd.iter().find(|p| p.uid == 0),
        )
    };

    if uid == 0 && container.run_as_non_root.or(pod.run_as_non_root) == Some(true) {
        return Err(IdentityError::RunAsRoot);
    }

    let (gid, gid_source) = match container.run_as_group.or(pod.run_as_group) {
        Some(g) => (g, GidSource::RunAsGroup),
        None => match matched {
            Some(p) => (p.gid, GidSource::Passwd),
            None => (0, GidSource::Default),
        },
    };

    let (policy, gate_note) =
        effective_supplemental_groups_policy(pod.supplemental_groups_policy, version);
    notes.extend(gate_note);

    let mut groups = BTreeSet::from([gid]);
    if policy == SupplementalGroupsPolicy::Merge {
        // The runtime looks memberships up by the *name* of the matched passwd entry, so an
        // arbitrary uid without an entry gets none (RU, CRIO).
        if let Some(p) = matched {
            groups.extend(
                image
                    .groups
                    .iter()
                    .filter(|g| g.members.contains(&p.name))
                    .map(|g| g.gid),
            );
        }
    }
    groups.extend(pod.fs_group);
    groups.extend(pod.supplemental_groups.iter().copied());
    groups.extend(pv_gids.iter().copied());

    let capabilities = granted_capabilities(container);
    let dac_override = uid == 0 && capabilities.contains("DAC_OVERRIDE");

    Ok(Identity {
        uid,
        gid,
        groups,
        user_name: matched.map(|p| p.name.clone()),
        uid_source,
        gid_source,
        supplemental_groups_policy: policy,
        capabilities,
        dac_override,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(add: &[&str], drop: &[&str]) -> ContainerSecurity {
        ContainerSecurity {
            capabilities: Capabilities {
                add: add.iter().map(|s| (*s).to_owned()).collect(),
                drop: drop.iter().map(|s| (*s).to_owned()).collect(),
            },
            ..Default::default()
        }
    }

    #[test]
    fn capability_arithmetic() {
        assert!(granted_capabilities(&caps(&[], &[])).contains("DAC_OVERRIDE"));
        assert!(!granted_capabilities(&caps(&[], &["ALL"])).contains("DAC_OVERRIDE"));
        assert!(
            granted_capabilities(&caps(&["CAP_DAC_OVERRIDE"], &["ALL"])).contains("DAC_OVERRIDE")
        );
        assert!(!granted_capabilities(&caps(&[], &["dac_override"])).contains("DAC_OVERRIDE"));
        assert!(granted_capabilities(&caps(&["ALL"], &[])).contains("DAC_OVERRIDE"));
    }

    #[test]
    fn unknown_name_is_an_error_and_non_root_names_cannot_be_verified() {
        let image = ImageConfig {
            user: Some("nobody-here".into()),
            ..Default::default()
        };
        let err = identity(
            &PodSecurity::default(),
            &ContainerSecurity::default(),
            &image,
            &[],
            KubeVersion::new(1, 30),
        )
        .unwrap_err();
        assert!(matches!(err, IdentityError::UnknownUser { .. }));
        let image = ImageConfig {
            user: Some("node".into()),
            passwd: vec![PasswdEntry {
                name: "node".into(),
                uid: 1000,
                gid: 1000,
            }],
            groups: vec![],
        };
        let non_root = ContainerSecurity {
            run_as_non_root: Some(true),
            ..Default::default()
        };
        let err = identity(
            &PodSecurity::default(),
            &non_root,
            &image,
            &[],
            KubeVersion::new(1, 30),
        )
        .unwrap_err();
        assert!(matches!(err, IdentityError::NonNumericUser { .. }));
        let ok = identity(
            &PodSecurity::default(),
            &ContainerSecurity::default(),
            &image,
            &[],
            KubeVersion::new(1, 30),
        )
        .unwrap();
        assert_eq!(
            (ok.uid, ok.gid, ok.user_name.as_deref()),
            (1000, 1000, Some("node"))
        );
        assert!(!ok.dac_override);
    }

    #[test]
    fn strict_is_gated_before_1_33() {
        let (p, note) = effective_supplemental_groups_policy(
            Some(SupplementalGroupsPolicy::Strict),
            KubeVersion::new(1, 31),
        );
        assert_eq!(p, SupplementalGroupsPolicy::Merge);
        assert!(note.is_some());
    }
}
