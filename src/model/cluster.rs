//! The cluster objects runner-doctor reads, typed with k8s-openapi, each keeping its spanned tree.
//!
//! Objects come from `oc get -o yaml` output, manifests, or (with the `cluster` feature) a live
//! API server; all end up as [`ClusterObject`]s here so every rule sees the same thing. Secret
//! data never enters this model: a Secret keeps its name, type and key names only.

use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, PersistentVolume, PersistentVolumeClaim, Pod, ResourceQuota,
    ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::api::storage::v1::{CSIDriver, StorageClass};
use serde::Deserialize;

use crate::model::scc::SecurityContextConstraints;
use crate::source::{Node, SourceId, Span};

/// A typed object and where it was written.
#[derive(Clone, Debug)]
pub struct ClusterObject {
    pub source: SourceId,
    /// The object's spanned tree (Secret values replaced by `<redacted>`).
    pub node: Node,
    pub kind: ObjectKind,
}

/// The kinds of object the model understands.
#[derive(Clone, Debug)]
// The typed objects are boxed: k8s-openapi's structs are kilobytes each (a PersistentVolume
// spec holds every volume source inline), and a dump holds tens of thousands of objects.
pub enum ObjectKind {
    Namespace(Box<Namespace>),
    ServiceAccount(Box<ServiceAccount>),
    Scc(Box<SecurityContextConstraints>),
    Role(Box<Role>),
    ClusterRole(Box<ClusterRole>),
    RoleBinding(Box<RoleBinding>),
    ClusterRoleBinding(Box<ClusterRoleBinding>),
    Pvc(Box<PersistentVolumeClaim>),
    Pv(Box<PersistentVolume>),
    StorageClass(Box<StorageClass>),
    CsiDriver(Box<CSIDriver>),
    Pod(Box<Pod>),
    ConfigMap(Box<ConfigMap>),
    /// A Secret's name, namespace, type and data keys: never its values.
    Secret(Box<SecretRef>),
    /// The GitLab Runner Operator's `Runner` resource.
    Runner(Box<OperatorRunner>),
    /// A namespace's ResourceQuota and LimitRange: what the job pods may request and use.
    ResourceQuota(Box<ResourceQuota>),
    LimitRange(Box<LimitRange>),
    /// Any other kind: kept so that workloads and unknown kinds can be reported on.
    Other {
        api_version: String,
        kind: String,
    },
}

#[derive(Clone, Debug, Default)]
pub struct SecretRef {
    pub name: String,
    pub namespace: Option<String>,
    pub type_: Option<String>,
    pub keys: Vec<String>,
}

/// `apps.gitlab.com/v1beta2` `Runner` (the fields the model uses; reference runner-manager.md §2.2).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OperatorRunner {
    pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    pub spec: OperatorRunnerSpec,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OperatorRunnerSpec {
    pub gitlab_url: Option<String>,
    /// The name of the Secret that holds the runner token (not the token itself).
    pub token: Option<String>,
    /// The name of the ConfigMap whose `config.toml` is the runner's template.
    pub config: Option<String>,
    pub concurrent: Option<i64>,
    pub check_interval: Option<i64>,
    pub build_image: Option<String>,
    pub helper_image: Option<String>,
    pub runner_image: Option<String>,
    pub serviceaccount: Option<String>,
    pub ca: Option<String>,
    pub env: Option<String>,
    pub tags: Option<String>,
    pub locked: Option<bool>,
    pub protected: Option<bool>,
    pub run_untagged: Option<bool>,
    pub interval: Option<i64>,
    pub cache_type: Option<String>,
    pub cache_path: Option<String>,
    pub cache_shared: Option<bool>,
    pub pod_spec: Option<serde_json::Value>,
}

impl ClusterObject {
    pub fn kind_name(&self) -> &str {
        match &self.kind {
            ObjectKind::Namespace(_) => "Namespace",
            ObjectKind::ServiceAccount(_) => "ServiceAccount",
            ObjectKind::Scc(_) => "SecurityContextConstraints",
            ObjectKind::Role(_) => "Role",
            ObjectKind::ClusterRole(_) => "ClusterRole",
            ObjectKind::RoleBinding(_) => "RoleBinding",
            ObjectKind::ClusterRoleBinding(_) => "ClusterRoleBinding",
            ObjectKind::Pvc(_) => "PersistentVolumeClaim",
            ObjectKind::Pv(_) => "PersistentVolume",
            ObjectKind::StorageClass(_) => "StorageClass",
            ObjectKind::CsiDriver(_) => "CSIDriver",
            ObjectKind::Pod(_) => "Pod",
            ObjectKind::ConfigMap(_) => "ConfigMap",
            ObjectKind::Secret(_) => "Secret",
            ObjectKind::Runner(_) => "Runner",
            ObjectKind::ResourceQuota(_) => "ResourceQuota",
            ObjectKind::LimitRange(_) => "LimitRange",
            ObjectKind::Other { kind, .. } => kind,
        }
    }

    pub fn name(&self) -> &str {
        self.node
            .at(&["metadata".into(), "name".into()])
            .and_then(Node::as_str)
            .unwrap_or("")
    }

    pub fn namespace(&self) -> Option<&str> {
        self.node
            .at(&["metadata".into(), "namespace".into()])
            .and_then(Node::as_str)
    }

    /// The span of the whole object.
    pub fn span(&self) -> Span {
        Span::new(self.source, self.node.range)
    }

    /// The span of the value at a path, or of the object when the path is absent.
    pub fn span_at(&self, path: &[crate::source::tree::Seg<'_>]) -> Span {
        let range = self
            .node
            .key_value_range(path)
            .map_or(self.node.range, |(key_and_value, _)| key_and_value);
        Span::new(self.source, range)
    }

    /// The span of the `metadata.name` value, the usual anchor for a context label.
    pub fn name_span(&self) -> Span {
        self.span_at(&["metadata".into(), "name".into()])
    }
}

/// All cluster objects read, with lookups by kind and name.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    pub objects: Vec<ClusterObject>,
}

macro_rules! lookups {
    ($($all:ident, $find:ident, $variant:ident, $ty:ty;)*) => {
        impl Cluster {
            $(
                pub fn $all(&self) -> impl Iterator<Item = (&ClusterObject, &$ty)> {
                    self.objects.iter().filter_map(|o| match &o.kind {
                        ObjectKind::$variant(v) => Some((o, std::borrow::Borrow::<$ty>::borrow(v))),
                        _ => None,
                    })
                }

                /// Finds by name (and namespace, for namespaced kinds, when given).
                pub fn $find(&self, name: &str, namespace: Option<&str>) -> Option<(&ClusterObject, &$ty)> {
                    self.$all().find(|(o, _)| {
                        o.name() == name && (namespace.is_none() || o.namespace().is_none() || o.namespace() == namespace)
                    })
                }
            )*
        }
    };
}

lookups! {
    namespaces, namespace, Namespace, Namespace;
    service_accounts, service_account, ServiceAccount, ServiceAccount;
    sccs, scc, Scc, SecurityContextConstraints;
    roles, role, Role, Role;
    cluster_roles, cluster_role, ClusterRole, ClusterRole;
    role_bindings, role_binding, RoleBinding, RoleBinding;
    cluster_role_bindings, cluster_role_binding, ClusterRoleBinding, ClusterRoleBinding;
    pvcs, pvc, Pvc, PersistentVolumeClaim;
    pvs, pv, Pv, PersistentVolume;
    storage_classes, storage_class, StorageClass, StorageClass;
    csi_drivers, csi_driver, CsiDriver, CSIDriver;
    pods, pod, Pod, Pod;
    config_maps, config_map, ConfigMap, ConfigMap;
    secrets, secret, Secret, SecretRef;
    runners, runner, Runner, OperatorRunner;
    resource_quotas, resource_quota, ResourceQuota, ResourceQuota;
    limit_ranges, limit_range, LimitRange, LimitRange;
}
