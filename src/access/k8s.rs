//! Adapter from Kubernetes API objects (k8s-openapi types) to the plain inputs of this module:
//! a `Pod`'s security contexts, and one pod volume plus its bound PersistentVolume, claim,
//! StorageClass and CSIDriver as a [`VolumeSpec`]. It copies what kubelet reads and nothing
//! else; it does not fetch objects, and it knows nothing of owners and modes on disk (those come
//! from a probe, the user, or the knowledge base in [`super::volume_setup`]).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec, Pod,
    SecurityContext, Volume,
};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass};

use super::identity::{
    Capabilities, ContainerSecurity, FsGroupChangePolicy, Identity, IdentityError, ImageConfig,
    PodSecurity, SupplementalGroupsPolicy, identity,
};
use super::mode::Mode;
use super::verdict::{Op, Target, TargetRef, Verdict, check};
use super::volume::{
    AccessMode, CsiDriverObject, CsiVolume, FsGroupDecision, FsGroupPolicy, Payload, VolumeSource,
    VolumeSpec, VolumeState, fs_group_decision,
};
use super::{KubeVersion, Platform};

/// The annotation some provisioners set so that pods using the PV get its gid as a
/// supplementary group (`pkg/volume/util/util.go` `VolumeGidAnnotationKey`).
pub const PV_GID_ANNOTATION: &str = "pv.beta.kubernetes.io/gid";

/// The annotation external provisioners set on the PVs they create.
pub const PROVISIONED_BY_ANNOTATION: &str = "pv.kubernetes.io/provisioned-by";

/// Why a pod volume could not be turned into a [`VolumeSpec`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    /// The pod has no spec.
    #[error("the pod has no spec")]
    NoSpec,
    /// No volume of that name.
    #[error("the pod has no volume named `{0}`")]
    NoVolume(String),
    /// A claim-backed volume with neither a bound PV nor a StorageClass to predict one from.
    #[error(
        "volume `{0}` uses a claim, but neither its PersistentVolume nor a StorageClass was given"
    )]
    Unbound(String),
    /// No container (or init container) of that name.
    #[error("the pod has no container named `{0}`")]
    NoContainer(String),
    /// The container cannot start with the identity its spec asks for.
    #[error("container `{container}`: {source}")]
    Identity {
        /// Container name.
        container: String,
        /// Why.
        #[source]
        source: IdentityError,
    },
    /// A volume type this model does not cover.
    #[error("volume `{name}` is of type `{kind}`, which the access model does not cover")]
    Unsupported {
        /// Volume name.
        name: String,
        /// Its type.
        kind: String,
    },
}

/// The CSIDriver object for a volume's driver, as far as it is known.
#[derive(Debug, Clone, Copy, Default)]
pub enum CsiDriverLookup<'a> {
    /// Read from the cluster: this object.
    Found(&'a CSIDriver),
    /// Read from the cluster: no such object.
    Absent,
    /// Not read (offline): the knowledge base decides, as an assumption.
    #[default]
    Unknown,
}

/// The cluster objects behind one pod volume. Only the ones that exist need be given.
#[derive(Debug, Clone, Copy, Default)]
pub struct VolumeObjects<'a> {
    /// The claim (for `persistentVolumeClaim` volumes), used when no PV is bound yet.
    pub claim: Option<&'a PersistentVolumeClaim>,
    /// The bound PersistentVolume.
    pub persistent_volume: Option<&'a PersistentVolume>,
    /// The claim's StorageClass (predicts a dynamically provisioned PV when none is bound).
    pub storage_class: Option<&'a StorageClass>,
    /// The CSIDriver.
    pub csi_driver: CsiDriverLookup<'a>,
    /// Whether the node plugin reports `VOLUME_MOUNT_GROUP` (`None` = unknown).
    pub volume_mount_group: Option<bool>,
}

/// The pod-level security fields of a Pod.
pub fn pod_security(pod: &Pod) -> PodSecurity {
    let Some(sc) = pod.spec.as_ref().and_then(|s| s.security_context.as_ref()) else {
        return PodSecurity::default();
    };
    PodSecurity {
        run_as_user: sc.run_as_user,
        run_as_group: sc.run_as_group,
        run_as_non_root: sc.run_as_non_root,
        fs_group: sc.fs_group,
        fs_group_change_policy: sc.fs_group_change_policy.as_deref().and_then(|p| match p {
            "Always" => Some(FsGroupChangePolicy::Always),
            "OnRootMismatch" => Some(FsGroupChangePolicy::OnRootMismatch),
            _ => None,
        }),
        supplemental_groups: sc.supplemental_groups.clone().unwrap_or_default(),
        supplemental_groups_policy: sc.supplemental_groups_policy.as_deref().and_then(
            |p| match p {
                "Merge" => Some(SupplementalGroupsPolicy::Merge),
                "Strict" => Some(SupplementalGroupsPolicy::Strict),
                _ => None,
            },
        ),
        se_linux_level: sc.se_linux_options.as_ref().and_then(|o| o.level.clone()),
    }
}

/// A container's own security fields.
pub fn container_security(container: &Container) -> ContainerSecurity {
    container
        .security_context
        .as_ref()
        .map(from_security_context)
        .unwrap_or_default()
}

fn from_security_context(sc: &SecurityContext) -> ContainerSecurity {
    ContainerSecurity {
        run_as_user: sc.run_as_user,
        run_as_group: sc.run_as_group,
        run_as_non_root: sc.run_as_non_root,
        privileged: sc.privileged.unwrap_or(false),
        capabilities: sc
            .capabilities
            .as_ref()
            .map(|c| Capabilities {
                add: c.add.clone().unwrap_or_default(),
                drop: c.drop.clone().unwrap_or_default(),
            })
            .unwrap_or_default(),
    }
}

/// The process identity of the container (or init container) `name` of `pod`, given what is
/// known of its image (see [`super::kb::image_config`] for the knowledge-base fallback) and the
/// PV gid annotations of the pod's volumes ([`pv_gids`]). The pod must be the admitted one.
pub fn container_identity(
    pod: &Pod,
    name: &str,
    image: &ImageConfig,
    pv_gids: &[i64],
    version: KubeVersion,
) -> Result<Identity, AdapterError> {
    let spec = pod.spec.as_ref().ok_or(AdapterError::NoSpec)?;
    let container = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == name)
        .ok_or_else(|| AdapterError::NoContainer(name.to_owned()))?;
    identity(
        &pod_security(pod),
        &container_security(container),
        image,
        pv_gids,
        version,
    )
    .map_err(|source| AdapterError::Identity {
        container: name.to_owned(),
        source,
    })
}

/// The gids of `pv.beta.kubernetes.io/gid` annotations on the PVs a pod uses; kubelet adds them
/// to every container's groups (`GetExtraSupplementalGroupsForPod`). Unparsable values are skipped,
/// as kubelet does.
pub fn pv_gids<'a>(pvs: impl IntoIterator<Item = &'a PersistentVolume>) -> Vec<i64> {
    pvs.into_iter()
        .filter_map(|pv| {
            pv.metadata
                .annotations
                .as_ref()?
                .get(PV_GID_ANNOTATION)?
                .trim()
                .parse()
                .ok()
        })
        .collect()
}

fn api_mode(m: Option<i32>) -> Option<Mode> {
    m.and_then(|m| u32::try_from(m).ok()).map(Mode::new)
}

/// A payload from `defaultMode` and `(path, items[].mode)` pairs. Without `items` kubelet
/// writes every key of the object, which we do not know here, so no key is listed.
fn payload(default_mode: Option<i32>, items: Vec<(String, Option<i32>)>) -> Payload {
    Payload {
        default_mode: api_mode(default_mode),
        key_modes: items
            .iter()
            .filter_map(|(k, m)| api_mode(*m).map(|m| (k.clone(), m)))
            .collect(),
        keys: items.into_iter().map(|(k, _)| k).collect(),
    }
}

fn access_modes(modes: Option<&Vec<String>>) -> Vec<AccessMode> {
    modes
        .map(|m| m.iter().filter_map(|s| AccessMode::from_api(s)).collect())
        .unwrap_or_default()
}

fn driver_object(lookup: CsiDriverLookup<'_>) -> CsiDriverObject {
    match lookup {
        CsiDriverLookup::Found(d) => CsiDriverObject::Present {
            fs_group_policy: d
                .spec
                .fs_group_policy
                .as_deref()
                .and_then(FsGroupPolicy::from_api),
        },
        CsiDriverLookup::Absent => CsiDriverObject::Absent,
        CsiDriverLookup::Unknown => CsiDriverObject::Unknown,
    }
}

/// The StorageClass fsType parameter external-provisioner copies into the PV: the prefixed key,
/// then the deprecated `fsType`/`fstype` (kubernetes-csi/external-provisioner `controller.go`).
fn class_fs_type(sc: &StorageClass) -> String {
    let params = sc.parameters.as_ref();
    ["csi.storage.k8s.io/fstype", "fsType", "fstype"]
        .iter()
        .find_map(|k| params.and_then(|p| p.get(*k)).cloned())
        .unwrap_or_default()
}

/// Builds the [`VolumeSpec`] of `volume_name` in `pod` from the objects behind it. The spec has
/// no root owner/mode: set [`VolumeSpec::root_before`] from a probe or leave it to the knowledge
/// base.
pub fn volume_spec(
    pod: &Pod,
    volume_name: &str,
    objects: &VolumeObjects<'_>,
) -> Result<VolumeSpec, AdapterError> {
    let spec = pod.spec.as_ref().ok_or(AdapterError::NoSpec)?;
    let volume = spec
        .volumes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|v| v.name == volume_name)
        .ok_or_else(|| AdapterError::NoVolume(volume_name.to_owned()))?;
    let (source, read_only) = pod_volume_source(volume, objects)?;
    let mut out = VolumeSpec::new(volume_name, source);
    out.read_only = read_only;
    // Who provisioned it, for the fresh-root lookup of non-CSI PVs (nfs-subdir, local-path).
    out.provisioner = objects
        .persistent_volume
        .and_then(|pv| pv.metadata.annotations.as_ref())
        .and_then(|a| a.get(PROVISIONED_BY_ANNOTATION).cloned())
        .or_else(|| objects.storage_class.map(|sc| sc.provisioner.clone()));
    Ok(out)
}

fn pod_volume_source(
    v: &Volume,
    objects: &VolumeObjects<'_>,
) -> Result<(VolumeSource, bool), AdapterError> {
    let keys = |items: Option<&Vec<k8s_openapi::api::core::v1::KeyToPath>>| {
        items
            .map(|i| i.iter().map(|k| (k.path.clone(), k.mode)).collect())
            .unwrap_or_default()
    };
    if let Some(e) = &v.empty_dir {
        let memory = e.medium.as_deref() == Some("Memory");
        return Ok((VolumeSource::EmptyDir { memory }, false));
    }
    if let Some(s) = &v.secret {
        return Ok((
            VolumeSource::Secret(payload(s.default_mode, keys(s.items.as_ref()))),
            true,
        ));
    }
    if let Some(c) = &v.config_map {
        return Ok((
            VolumeSource::ConfigMap(payload(c.default_mode, keys(c.items.as_ref()))),
            true,
        ));
    }
    if let Some(p) = &v.projected {
        return Ok((
            VolumeSource::Projected(payload(p.default_mode, Vec::new())),
            true,
        ));
    }
    if let Some(d) = &v.downward_api {
        let names = d
            .items
            .as_ref()
            .map(|i| i.iter().map(|k| (k.path.clone(), k.mode)).collect())
            .unwrap_or_default();
        return Ok((
            VolumeSource::DownwardApi(payload(d.default_mode, names)),
            true,
        ));
    }
    if v.host_path.is_some() {
        return Ok((VolumeSource::HostPath, false));
    }
    if let Some(n) = &v.nfs {
        return Ok((VolumeSource::Nfs, n.read_only.unwrap_or(false)));
    }
    if let Some(c) = &v.csi {
        let csi = CsiVolume {
            driver: c.driver.clone(),
            inline: true,
            fs_type: c.fs_type.clone().unwrap_or_default(),
            access_modes: Vec::new(),
            driver_object: driver_object(objects.csi_driver),
            volume_mount_group: objects.volume_mount_group,
        };
        return Ok((VolumeSource::Csi(csi), c.read_only.unwrap_or(false)));
    }
    if let Some(claim) = &v.persistent_volume_claim {
        let read_only = claim.read_only.unwrap_or(false);
        let pvc_spec = objects.claim.and_then(|c| c.spec.as_ref());
        return claim_source(&v.name, pvc_spec, objects).map(|s| (s, read_only));
    }
    if let Some(eph) = &v.ephemeral {
        // A generic ephemeral volume is a PVC made from the template (read-only is not a field).
        let pvc_spec = objects
            .claim
            .and_then(|c| c.spec.as_ref())
            .or_else(|| eph.volume_claim_template.as_ref().map(|t| &t.spec));
        return claim_source(&v.name, pvc_spec, objects).map(|s| (s, false));
    }
    Err(AdapterError::Unsupported {
        name: v.name.clone(),
        kind: "in-tree or unknown".into(),
    })
}

fn claim_source(
    name: &str,
    pvc: Option<&PersistentVolumeClaimSpec>,
    objects: &VolumeObjects<'_>,
) -> Result<VolumeSource, AdapterError> {
    if let Some(pv) = objects.persistent_volume.and_then(|pv| pv.spec.as_ref()) {
        if let Some(c) = &pv.csi {
            return Ok(VolumeSource::Csi(CsiVolume {
                driver: c.driver.clone(),
                inline: false,
                // kubelet reads the PV's fsType and access modes (CM supportsFSGroup).
                fs_type: c.fs_type.clone().unwrap_or_default(),
                access_modes: access_modes(pv.access_modes.as_ref()),
                driver_object: driver_object(objects.csi_driver),
                volume_mount_group: objects.volume_mount_group,
            }));
        }
        if pv.nfs.is_some() {
            return Ok(VolumeSource::Nfs);
        }
        if pv.host_path.is_some() {
            return Ok(VolumeSource::HostPath);
        }
        if pv.local.is_some() {
            return Ok(VolumeSource::Local {
                other_pod_on_node: false,
            });
        }
        return Err(AdapterError::Unsupported {
            name: name.to_owned(),
            kind: "in-tree PersistentVolume".into(),
        });
    }
    // No PV yet: predict the one a CSI provisioner would create from the StorageClass.
    let sc = objects
        .storage_class
        .ok_or_else(|| AdapterError::Unbound(name.to_owned()))?;
    Ok(VolumeSource::Csi(CsiVolume {
        driver: sc.provisioner.clone(),
        inline: false,
        fs_type: class_fs_type(sc),
        access_modes: access_modes(pvc.and_then(|s| s.access_modes.as_ref())),
        driver_object: driver_object(objects.csi_driver),
        volume_mount_group: objects.volume_mount_group,
    }))
}

/// The verdicts for one container's mount of one volume: the rows of the `access` matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountAccess {
    /// Container (or init container) name.
    pub container: String,
    /// Volume name.
    pub volume: String,
    /// `volumeMounts[].mountPath`.
    pub mount_path: String,
    /// `volumeMounts[].subPath`, when set.
    pub sub_path: Option<String>,
    /// The directory the container sees at `mount_path`; `None` when its owner/mode are unknown.
    pub target: Option<Target>,
    /// Can it list the directory (`None` when the target is unknown).
    pub read: Option<Verdict>,
    /// Can it create entries in the directory (`None` when the target is unknown).
    pub write: Option<Verdict>,
}

/// Evaluates every `volumeMounts[]` entry of every container and init container of `pod`
/// against the computed volume states and identities (keyed by volume and container name).
/// Mounts whose volume or container has no entry in the maps are skipped; a subPath is taken
/// as not existing before the pod starts unless the state lists it.
pub fn mount_access(
    pod: &Pod,
    identities: &BTreeMap<String, Identity>,
    volumes: &BTreeMap<String, VolumeState>,
) -> Vec<MountAccess> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in spec
        .init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
    {
        let Some(id) = identities.get(&c.name) else {
            continue;
        };
        for m in c.volume_mounts.iter().flatten() {
            let Some(state) = volumes.get(&m.name) else {
                continue;
            };
            let sub_path = m.sub_path.clone().filter(|p| !p.is_empty());
            let which = match &sub_path {
                Some(p) => TargetRef::SubPath {
                    path: p,
                    exists: state.entry(p).is_some(),
                },
                None => TargetRef::Root,
            };
            let target = state.target(which, m.read_only.unwrap_or(false));
            out.push(MountAccess {
                container: c.name.clone(),
                volume: m.name.clone(),
                mount_path: m.mount_path.clone(),
                sub_path,
                read: target.map(|t| check(id, &t, Op::Read)),
                write: target.map(|t| check(id, &t, Op::Write)),
                target,
            });
        }
    }
    out
}

/// The ownership decision for one pod volume: whether kubelet applies the pod's fsGroup, why,
/// and with which CSIDriver policy (see [`fs_group_decision`]).
pub fn volume_ownership(
    pod: &Pod,
    volume_name: &str,
    objects: &VolumeObjects<'_>,
    version: KubeVersion,
    platform: Platform,
) -> Result<FsGroupDecision, AdapterError> {
    let spec = volume_spec(pod, volume_name, objects)?;
    Ok(fs_group_decision(
        &spec,
        pod_security(pod).fs_group,
        version,
        platform,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::FsGroupReason;
    use k8s_openapi::api::core::v1::{
        CSIPersistentVolumeSource, PersistentVolumeClaimVolumeSource, PersistentVolumeSpec,
        PodSecurityContext, PodSpec,
    };
    use k8s_openapi::api::storage::v1::CSIDriverSpec;

    fn cache_pod() -> Pod {
        Pod {
            spec: Some(PodSpec {
                security_context: Some(PodSecurityContext {
                    fs_group: Some(1000680000),
                    ..Default::default()
                }),
                volumes: Some(vec![Volume {
                    name: "cache".into(),
                    persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                        claim_name: "runner-cache".into(),
                        read_only: None,
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn cephfs_rwx_with_policy_none_is_not_applied() {
        let pv = PersistentVolume {
            spec: Some(PersistentVolumeSpec {
                access_modes: Some(vec!["ReadWriteMany".into()]),
                csi: Some(CSIPersistentVolumeSource {
                    driver: "openshift-storage.cephfs.csi.ceph.com".into(),
                    volume_handle: "x".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let driver = CSIDriver {
            spec: CSIDriverSpec {
                fs_group_policy: Some("None".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let objects = VolumeObjects {
            persistent_volume: Some(&pv),
            csi_driver: CsiDriverLookup::Found(&driver),
            volume_mount_group: Some(false),
            ..Default::default()
        };
        let d = volume_ownership(
            &cache_pod(),
            "cache",
            &objects,
            KubeVersion::new(1, 27),
            Platform::OpenShift,
        )
        .unwrap();
        assert_eq!(d.reason, FsGroupReason::PolicyNone);
        // Offline, the knowledge base says ODF >= 4.12 uses File.
        let offline = VolumeObjects {
            persistent_volume: Some(&pv),
            ..Default::default()
        };
        let d = volume_ownership(
            &cache_pod(),
            "cache",
            &offline,
            KubeVersion::new(1, 27),
            Platform::OpenShift,
        )
        .unwrap();
        assert_eq!(d.reason, FsGroupReason::Applied);
        assert!(!d.assumptions.is_empty());
    }

    #[test]
    fn missing_volume_and_unbound_claims_are_errors() {
        let objects = VolumeObjects::default();
        assert!(matches!(
            volume_spec(&cache_pod(), "nope", &objects),
            Err(AdapterError::NoVolume(_))
        ));
        assert!(matches!(
            volume_spec(&cache_pod(), "cache", &objects),
            Err(AdapterError::Unbound(_))
        ));
    }

    #[test]
    fn nfs_subdir_pv_gets_its_fresh_root_from_the_provisioner() {
        use crate::access::{Op, TargetRef, check, volume_setup};
        use k8s_openapi::api::core::v1::NFSVolumeSource;
        let pv = PersistentVolume {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                annotations: Some(BTreeMap::from([(
                    PROVISIONED_BY_ANNOTATION.to_owned(),
                    "k8s-sigs.io/nfs-subdir-external-provisioner".to_owned(),
                )])),
                ..Default::default()
            },
            spec: Some(PersistentVolumeSpec {
                nfs: Some(NFSVolumeSource {
                    server: "nfs.example.com".into(),
                    path: "/export/x".into(),
                    read_only: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let objects = VolumeObjects {
            persistent_volume: Some(&pv),
            ..Default::default()
        };
        let pod = cache_pod();
        let spec = volume_spec(&pod, "cache", &objects).unwrap();
        let v = KubeVersion::new(1, 30);
        let st = volume_setup(&spec, &pod_security(&pod), v, Platform::OpenShift);
        assert_eq!(st.decision.reason, FsGroupReason::IntreeNfs);
        assert_eq!(st.root.map(|r| r.mode.bits()), Some(0o777));
        assert!(st.assumptions.iter().any(|a| a.key == "volume.fresh_root"));
        let mut pod = pod;
        if let Some(spec) = pod.spec.as_mut() {
            spec.containers.push(Container {
                name: "helper".into(),
                security_context: Some(SecurityContext {
                    run_as_user: Some(1000680000),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        let id = container_identity(&pod, "helper", &ImageConfig::default(), &[], v).unwrap();
        assert_eq!((id.uid, id.gid), (1000680000, 0));
        let target = st.target(TargetRef::Root, false).unwrap();
        assert!(check(&id, &target, Op::Write).allowed);
        if let Some(spec) = pod.spec.as_mut() {
            spec.containers[0].volume_mounts =
                Some(vec![k8s_openapi::api::core::v1::VolumeMount {
                    name: "cache".into(),
                    mount_path: "/cache".into(),
                    read_only: Some(true),
                    ..Default::default()
                }]);
        }
        let rows = mount_access(
            &pod,
            &BTreeMap::from([("helper".to_owned(), id.clone())]),
            &BTreeMap::from([("cache".to_owned(), st.clone())]),
        );
        assert_eq!(rows.len(), 1);
        let write = rows[0].write.as_ref().unwrap();
        assert_eq!(
            (write.allowed, write.reason),
            (false, crate::access::Reason::ReadOnly)
        );
        assert!(matches!(
            container_identity(&pod, "nope", &ImageConfig::default(), &[], v),
            Err(AdapterError::NoContainer(_))
        ));
    }

    #[test]
    fn secret_items_keep_their_modes() {
        use crate::access::{FileKind, volume_setup};
        use k8s_openapi::api::core::v1::{KeyToPath, SecretVolumeSource};
        let mut pod = cache_pod();
        if let Some(spec) = pod.spec.as_mut() {
            spec.volumes.get_or_insert_with(Vec::new).push(Volume {
                name: "token".into(),
                secret: Some(SecretVolumeSource {
                    default_mode: Some(0o400),
                    items: Some(vec![
                        KeyToPath {
                            key: "a".into(),
                            path: "a".into(),
                            mode: None,
                        },
                        KeyToPath {
                            key: "b".into(),
                            path: "b".into(),
                            mode: Some(0o600),
                        },
                    ]),
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
        let spec = volume_spec(&pod, "token", &VolumeObjects::default()).unwrap();
        let st = volume_setup(
            &spec,
            &pod_security(&pod),
            KubeVersion::new(1, 30),
            Platform::Kubernetes,
        );
        let a = st.entry("a").unwrap();
        let b = st.entry("b").unwrap();
        assert_eq!(
            (a.kind, a.stat.mode.bits(), a.stat.gid),
            (FileKind::File, 0o440, 1000680000)
        );
        assert_eq!(b.stat.mode.bits(), 0o640);
        assert!(st.read_only);
    }
}
