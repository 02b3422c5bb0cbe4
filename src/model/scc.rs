//! The OpenShift `security.openshift.io/v1` `SecurityContextConstraints` object, with its JSON
//! field names, and the API server's defaulting of it (reference §1.1).
//!
//! This module owns the *shape* of an SCC and nothing else: it does not decide admission (that is
//! `crate::admission`) and it does not read files. Field semantics follow `openshift/api`
//! `security/v1/types.go` (release-4.14); defaulting follows `openshift/apiserver-library-go`
//! `pkg/securitycontextconstraints/sccdefaults/defaults.go` (release-4.14).

use std::collections::BTreeSet;
use std::fmt;

use k8s_openapi::api::core::v1::SELinuxOptions;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Deserializer, Serialize};

/// `allowedCapabilities: ["*"]` allows every capability (`AllowAllCapabilities`).
pub const ALLOW_ALL_CAPABILITIES: &str = "*";
/// `volumes: ["*"]` allows every volume kind (`FSTypeAll`).
pub const FS_TYPE_ALL: &str = "*";
/// `volumes: ["none"]` allows no volume at all (`FSTypeNone`).
pub const FS_TYPE_NONE: &str = "none";
/// The `hostPath` volume kind.
pub const FS_TYPE_HOST_PATH: &str = "hostPath";

/// Every volume kind (`FSType`) that OpenShift 4.14 knows, in the order of
/// `util.GetAllFSTypesAsSet` (apiserver-library-go release-4.14 `util/util.go`). `image` is 4.18+.
pub const ALL_FS_TYPES: &[&str] = &[
    "hostPath",
    "azureFile",
    "flocker",
    "flexVolume",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephFS",
    "downwardAPI",
    "fc",
    "configMap",
    "vsphere",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageOS",
    "csi",
    "ephemeral",
];

/// A SecurityContextConstraints object as the API stores it.
///
/// Booleans that the manifest leaves out or sets to `null` are `false`, as Go's zero value.
/// Lists keep the difference between `null` (`None`) and `[]`, because defaulting and admission
/// treat them differently (`volumes`, `seccompProfiles`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityContextConstraints {
    /// `security.openshift.io/v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `SecurityContextConstraints`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Standard object metadata; `metadata.name` is the SCC name.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Higher values are tried first; `None` counts as 0.
    #[serde(default)]
    pub priority: Option<i32>,
    /// Whether containers may run privileged.
    #[serde(default, deserialize_with = "null_as_default")]
    pub allow_privileged_container: bool,
    /// Capabilities added to every container unless it drops them.
    #[serde(default)]
    pub default_add_capabilities: Option<Vec<String>>,
    /// Capabilities every container must drop (merged into its drop list).
    #[serde(default)]
    pub required_drop_capabilities: Option<Vec<String>>,
    /// Capabilities a container may add; `*` allows any.
    #[serde(default)]
    pub allowed_capabilities: Option<Vec<String>>,
    /// Only used by API defaulting, which adds or removes `hostPath` in `volumes`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub allow_host_dir_volume_plugin: bool,
    /// Allowed volume kinds (`FSType` names, `*`, `none`).
    #[serde(default)]
    pub volumes: Option<Vec<String>>,
    /// Allowed flex volume drivers; empty allows any driver.
    #[serde(default)]
    pub allowed_flex_volumes: Option<Vec<AllowedFlexVolume>>,
    /// Whether `hostNetwork: true` is allowed.
    #[serde(default, deserialize_with = "null_as_default")]
    pub allow_host_network: bool,
    /// Whether a `hostPort > 0` is allowed.
    #[serde(default, deserialize_with = "null_as_default")]
    pub allow_host_ports: bool,
    /// Whether `hostPID: true` is allowed.
    #[serde(rename = "allowHostPID", default, deserialize_with = "null_as_default")]
    pub allow_host_pid: bool,
    /// Whether `hostIPC: true` is allowed.
    #[serde(rename = "allowHostIPC", default, deserialize_with = "null_as_default")]
    pub allow_host_ipc: bool,
    /// Default for an unset container `allowPrivilegeEscalation`.
    #[serde(default)]
    pub default_allow_privilege_escalation: Option<bool>,
    /// `Some(false)` forbids privilege escalation (and defaults it to false). Defaulted to `true`.
    #[serde(default)]
    pub allow_privilege_escalation: Option<bool>,
    /// The SELinux strategy.
    #[serde(rename = "seLinuxContext", default)]
    pub se_linux_context: SeLinuxContextStrategyOptions,
    /// The user ID strategy.
    #[serde(default)]
    pub run_as_user: RunAsUserStrategyOptions,
    /// The supplemental groups strategy.
    #[serde(default)]
    pub supplemental_groups: GroupStrategyOptions,
    /// The fsGroup strategy.
    #[serde(default)]
    pub fs_group: GroupStrategyOptions,
    /// If true, containers must run with a read-only root filesystem.
    #[serde(default, deserialize_with = "null_as_default")]
    pub read_only_root_filesystem: bool,
    /// User names that may use this SCC directly.
    #[serde(default)]
    pub users: Option<Vec<String>>,
    /// Group names that may use this SCC directly.
    #[serde(default)]
    pub groups: Option<Vec<String>>,
    /// Allowed seccomp profiles in annotation syntax; the first non-`*` entry is the default.
    #[serde(default)]
    pub seccomp_profiles: Option<Vec<String>>,
    /// Allowed unsafe sysctls (`name`, `prefix*` or `*`).
    #[serde(default)]
    pub allowed_unsafe_sysctls: Option<Vec<String>>,
    /// Forbidden sysctls (same syntax); they win over safe and allowed ones.
    #[serde(default)]
    pub forbidden_sysctls: Option<Vec<String>>,
    /// `AllowHostLevel` or `RequirePodLevel`. OpenShift 4.18+ only; kept for round-tripping and
    /// ignored by the 4.14 admission engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_namespace_level: Option<String>,
}

/// One entry of `allowedFlexVolumes`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllowedFlexVolume {
    /// The flex volume driver name.
    #[serde(default)]
    pub driver: String,
}

/// An inclusive ID range of a group strategy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRange {
    /// First allowed ID.
    #[serde(default)]
    pub min: i64,
    /// Last allowed ID.
    #[serde(default)]
    pub max: i64,
}

/// `runAsUser` strategy options.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAsUserStrategyOptions {
    /// The strategy.
    #[serde(rename = "type", default)]
    pub type_: RunAsUserStrategy,
    /// The UID of `MustRunAs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<i64>,
    /// Lower bound of `MustRunAsRange`; taken from the namespace when both bounds are unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_range_min: Option<i64>,
    /// Upper bound of `MustRunAsRange`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_range_max: Option<i64>,
}

/// `seLinuxContext` strategy options.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeLinuxContextStrategyOptions {
    /// The strategy.
    #[serde(rename = "type", default)]
    pub type_: SeLinuxStrategy,
    /// Required options of `MustRunAs`; an empty level is taken from the namespace.
    #[serde(
        rename = "seLinuxOptions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub se_linux_options: Option<SELinuxOptions>,
}

/// `fsGroup` and `supplementalGroups` strategy options.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupStrategyOptions {
    /// The strategy.
    #[serde(rename = "type", default)]
    pub type_: GroupStrategy,
    /// Allowed ranges of `MustRunAs`; taken from the namespace when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Vec<IdRange>>,
}

macro_rules! strategy_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($(#[$vm])* $variant,)*
            /// Any other text, including the empty string of an unset `type`. The admission
            /// plugin refuses to build a provider for it, as OpenShift does.
            Unrecognized(String),
        }

        impl $name {
            /// The type name as written in the SCC.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Unrecognized(s) => s,
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::Unrecognized(String::new())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($text => Self::$variant,)*
                    _ => Self::Unrecognized(s),
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

strategy_enum!(
    /// `runAsUser.type`.
    RunAsUserStrategy {
        /// A single UID (`uid`).
        MustRunAs = "MustRunAs",
        /// A UID range (`uidRangeMin`..=`uidRangeMax`, or the namespace block).
        MustRunAsRange = "MustRunAsRange",
        /// Any UID but 0.
        MustRunAsNonRoot = "MustRunAsNonRoot",
        /// Any UID.
        RunAsAny = "RunAsAny",
    }
);

strategy_enum!(
    /// `seLinuxContext.type`.
    SeLinuxStrategy {
        /// Fixed SELinux options (level from the namespace when unset).
        MustRunAs = "MustRunAs",
        /// Any SELinux options.
        RunAsAny = "RunAsAny",
    }
);

strategy_enum!(
    /// `fsGroup.type` and `supplementalGroups.type`.
    GroupStrategy {
        /// Groups must fall in `ranges` (or the namespace blocks).
        MustRunAs = "MustRunAs",
        /// Any group.
        RunAsAny = "RunAsAny",
    }
);

/// Go decodes a JSON `null` into a bool as `false`; serde would refuse it.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl SecurityContextConstraints {
    /// The SCC's name (`metadata.name`, empty when unset).
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or("")
    }

    /// Applies the API server's defaulting in place (`sccdefaults.SetDefaults_SCC`,
    /// apiserver-library-go release-4.14, run by the `DefaultSecurityContextConstraints`
    /// admission plugin). It is idempotent.
    pub fn apply_defaults(&mut self) {
        if self.fs_group.type_ == GroupStrategy::Unrecognized(String::new()) {
            self.fs_group.type_ = GroupStrategy::RunAsAny;
        }
        if self.supplemental_groups.type_ == GroupStrategy::Unrecognized(String::new()) {
            self.supplemental_groups.type_ = GroupStrategy::RunAsAny;
        }
        self.users.get_or_insert_with(Vec::new);
        self.groups.get_or_insert_with(Vec::new);

        // A null list allows everything (old clients); an empty list allows nothing, which
        // protobuf cannot store, so it becomes ["none"]. The host-dir flag always wins.
        let mut volumes: BTreeSet<String> = match &self.volumes {
            None => [FS_TYPE_ALL.to_owned()].into(),
            Some(v) if v.is_empty() && self.allow_host_dir_volume_plugin => {
                [FS_TYPE_HOST_PATH.to_owned()].into()
            }
            Some(v) if v.is_empty() => [FS_TYPE_NONE.to_owned()].into(),
            Some(v) => v.iter().cloned().collect(),
        };
        if self.allow_host_dir_volume_plugin {
            if !volumes.contains(FS_TYPE_ALL) {
                volumes.insert(FS_TYPE_HOST_PATH.to_owned());
            }
        } else {
            let had_all = volumes.remove(FS_TYPE_ALL);
            volumes.remove(FS_TYPE_HOST_PATH);
            if had_all {
                volumes.extend(
                    ALL_FS_TYPES
                        .iter()
                        .filter(|t| **t != FS_TYPE_HOST_PATH)
                        .map(|t| (*t).to_owned()),
                );
            }
        }
        // Go's sets.String.List() is sorted byte-wise, as is BTreeSet<String>.
        self.volumes = Some(volumes.into_iter().collect());

        if self.allow_privilege_escalation.is_none() {
            self.allow_privilege_escalation = Some(true);
        }
    }

    /// A defaulted copy (see [`apply_defaults`](Self::apply_defaults)).
    pub fn defaulted(mut self) -> Self {
        self.apply_defaults();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scc(json: &str) -> SecurityContextConstraints {
        serde_json::from_str(json).expect("test SCC parses")
    }

    #[test]
    fn minimal_scc_defaults_like_the_api_server() {
        let s = scc(r#"{"metadata":{"name":"m"},"runAsUser":{"type":"RunAsAny"},
                        "seLinuxContext":{"type":"RunAsAny"}}"#)
        .defaulted();
        assert_eq!(s.fs_group.type_, GroupStrategy::RunAsAny);
        assert_eq!(s.supplemental_groups.type_, GroupStrategy::RunAsAny);
        assert_eq!(s.allow_privilege_escalation, Some(true));
        assert_eq!(s.users, Some(vec![]));
        let vols = s.volumes.unwrap_or_default();
        assert!(!vols.iter().any(|v| v == "hostPath" || v == "*"));
        assert_eq!(vols.len(), ALL_FS_TYPES.len() - 1);
    }

    #[test]
    fn empty_volumes_become_none_or_host_path() {
        let s = scc(r#"{"volumes":[]}"#).defaulted();
        assert_eq!(s.volumes, Some(vec!["none".to_owned()]));
        let s = scc(r#"{"volumes":[],"allowHostDirVolumePlugin":true}"#).defaulted();
        assert_eq!(s.volumes, Some(vec!["hostPath".to_owned()]));
        let s = scc(r#"{"volumes":["*"],"allowHostDirVolumePlugin":true}"#).defaulted();
        assert_eq!(s.volumes, Some(vec!["*".to_owned()]));
    }

    #[test]
    fn null_booleans_and_unknown_strategy_types_survive_parsing() {
        let s = scc(r#"{"allowHostPID":null,"runAsUser":{"type":"Bogus"}}"#);
        assert!(!s.allow_host_pid);
        assert_eq!(
            s.run_as_user.type_,
            RunAsUserStrategy::Unrecognized("Bogus".into())
        );
    }
}
