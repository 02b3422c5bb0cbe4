//! `gather`: reads what the prediction needs for one runner namespace, read-only.
//!
//! Each read is one entry of [`READS`], which the shipped ClusterRoles grant exactly. The
//! result is a [`Gathered`]: the objects as the API server returned them (less `managedFields`
//! and `last-applied-configuration`, which repeat the object and may hold a Secret's data), the
//! reads that were refused, and the APIs the server does not serve (no SCCs off OpenShift, no
//! `Runner` without the Operator). [`Gathered::snapshot`] writes it as the redacted YAML that
//! `check` reads; [`Gathered::inputs`] loads that same text for `check --live`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use kube::Api;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind, ListParams};
use serde_json::{Value, json};

use crate::model::load::{GATHER_GROUP, GATHER_REPORT_KIND, Inputs};
use crate::source::TextRange;

/// One kind of object `gather` reads, and with which verbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Read {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    /// The verbs used: `get` for one named object, `list` for all.
    pub verbs: &'static [&'static str],
}

impl Read {
    /// `plural.group` (`plural` for the core group), as RBAC and error messages name it.
    pub fn resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn api_resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(self.group, self.version, self.kind),
            self.plural,
        )
    }
}

const fn read(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    verbs: &'static [&'static str],
) -> Read {
    Read {
        group,
        version,
        kind,
        plural,
        namespaced,
        verbs,
    }
}

const NAMESPACE: Read = read("", "v1", "Namespace", "namespaces", false, &["get"]);
const SERVICE_ACCOUNTS: Read = read(
    "",
    "v1",
    "ServiceAccount",
    "serviceaccounts",
    true,
    &["list"],
);
const SCCS: Read = read(
    "security.openshift.io",
    "v1",
    "SecurityContextConstraints",
    "securitycontextconstraints",
    false,
    &["list"],
);
const RBAC: &str = "rbac.authorization.k8s.io";
const ROLES: Read = read(RBAC, "v1", "Role", "roles", true, &["list"]);
const ROLE_BINDINGS: Read = read(RBAC, "v1", "RoleBinding", "rolebindings", true, &["list"]);
const CLUSTER_ROLES: Read = read(RBAC, "v1", "ClusterRole", "clusterroles", false, &["list"]);
const CLUSTER_ROLE_BINDINGS: Read = read(
    RBAC,
    "v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
    false,
    &["list"],
);
const PVCS: Read = read(
    "",
    "v1",
    "PersistentVolumeClaim",
    "persistentvolumeclaims",
    true,
    &["list"],
);
const PVS: Read = read(
    "",
    "v1",
    "PersistentVolume",
    "persistentvolumes",
    false,
    &["get"],
);
const STORAGE_CLASSES: Read = read(
    "storage.k8s.io",
    "v1",
    "StorageClass",
    "storageclasses",
    false,
    &["list"],
);
const CSI_DRIVERS: Read = read(
    "storage.k8s.io",
    "v1",
    "CSIDriver",
    "csidrivers",
    false,
    &["list"],
);
const QUOTAS: Read = read("", "v1", "ResourceQuota", "resourcequotas", true, &["list"]);
const LIMIT_RANGES: Read = read("", "v1", "LimitRange", "limitranges", true, &["list"]);
/// Listed as metadata only (`PartialObjectMetadataList`): names, never data. RBAC cannot grant
/// less than `list`, which would allow reading data too; the shipped role grants it in the
/// runner namespace only.
const SECRETS: Read = read("", "v1", "Secret", "secrets", true, &["list"]);
const CONFIG_MAPS: Read = read("", "v1", "ConfigMap", "configmaps", true, &["get", "list"]);
/// The GitLab Runner Operator's resource (apps.gitlab.com/v1beta2).
const RUNNERS: Read = read(
    "apps.gitlab.com",
    "v1beta2",
    "Runner",
    "runners",
    true,
    &["get", "list"],
);

/// Every read `gather` may make; the shipped ClusterRoles grant exactly these.
pub const READS: &[Read] = &[
    NAMESPACE,
    SERVICE_ACCOUNTS,
    SCCS,
    ROLES,
    ROLE_BINDINGS,
    CLUSTER_ROLES,
    CLUSTER_ROLE_BINDINGS,
    PVCS,
    PVS,
    STORAGE_CLASSES,
    CSI_DRIVERS,
    QUOTAS,
    LIMIT_RANGES,
    SECRETS,
    CONFIG_MAPS,
    RUNNERS,
];

/// Where the runner's configuration lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    /// Every ConfigMap of the namespace that holds a runner `config.toml`, and every `Runner`.
    Discover,
    /// One ConfigMap, by name.
    ConfigMap(String),
    /// One Operator `Runner`, by name, and the ConfigMaps it names (`spec.config`, `spec.env`).
    Runner(String),
}

/// What to gather.
#[derive(Clone, Debug)]
pub struct Target {
    pub namespace: String,
    pub source: ConfigSource,
    /// The kubeconfig context, for the report (`None`: the current one).
    pub context: Option<String>,
}

/// A read the API server refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub verb: &'static str,
    pub resource: String,
    /// `None` for a cluster-wide read.
    pub namespace: Option<String>,
    /// The API server's message.
    pub status: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "`{}` `{}` in namespace `{ns}`", self.verb, self.resource),
            None => write!(f, "`{}` `{}` (cluster-wide)", self.verb, self.resource),
        }
    }
}

/// Why gathering stopped.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error(
        "the API server did not answer `{verb} {resource}` within {seconds} s; nothing was written (is the cluster reachable? `--timeout` sets the limit)"
    )]
    Timeout {
        verb: &'static str,
        resource: String,
        seconds: u64,
    },
    #[error("`{verb} {resource}` failed: {message}")]
    Request {
        verb: &'static str,
        resource: String,
        message: String,
    },
    #[error("{kind} `{name}` does not exist in namespace `{namespace}`")]
    NotFound {
        kind: &'static str,
        name: String,
        namespace: String,
    },
    #[error("namespace `{0}` does not exist")]
    NoNamespace(String),
}

/// One step, for a progress line.
#[derive(Clone, Debug)]
pub struct Progress {
    pub step: usize,
    pub total: usize,
    pub what: String,
}

/// What one gather read.
#[derive(Clone, Debug, Default)]
pub struct Gathered {
    pub namespace: String,
    pub context: Option<String>,
    /// The objects, each with its `apiVersion` and `kind`.
    pub objects: Vec<Value>,
    pub refused: Vec<Refusal>,
    /// APIs the server does not serve (`securitycontextconstraints.security.openshift.io` off
    /// OpenShift).
    pub not_served: Vec<String>,
}

/// The outcome of one request.
enum Answer<T> {
    Found(T),
    Refused,
    Missing,
}

struct Reader<'a> {
    client: &'a kube::Client,
    namespace: &'a str,
    timeout: Duration,
    gathered: Gathered,
    step: usize,
    progress: &'a mut dyn FnMut(Progress),
}

impl Reader<'_> {
    fn api(&self, read: &Read) -> Api<DynamicObject> {
        let resource = read.api_resource();
        if read.namespaced {
            Api::namespaced_with(self.client.clone(), self.namespace, &resource)
        } else {
            Api::all_with(self.client.clone(), &resource)
        }
    }

    fn tick(&mut self, what: String) {
        self.step += 1;
        (self.progress)(Progress {
            step: self.step,
            total: STEPS,
            what,
        });
    }

    /// Runs one request under the timeout, sorting a refusal and a 404 from real failures.
    async fn answer<T>(
        &mut self,
        read: &Read,
        verb: &'static str,
        request: impl std::future::Future<Output = Result<T, kube::Error>>,
    ) -> Result<Answer<T>, GatherError> {
        let outcome = tokio::time::timeout(self.timeout, request)
            .await
            .map_err(|_| GatherError::Timeout {
                verb,
                resource: read.resource(),
                seconds: self.timeout.as_secs(),
            })?;
        match outcome {
            Ok(value) => Ok(Answer::Found(value)),
            Err(kube::Error::Api(status)) if status.code == 403 => {
                self.gathered.refused.push(Refusal {
                    verb,
                    resource: read.resource(),
                    namespace: read.namespaced.then(|| self.namespace.to_string()),
                    status: status.message.clone(),
                });
                Ok(Answer::Refused)
            }
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(Answer::Missing),
            Err(kube::Error::Api(status)) if status.code == 401 => Err(GatherError::Request {
                verb,
                resource: read.resource(),
                message: "the API server does not accept the credentials (401 Unauthorized); log in again".into(),
            }),
            Err(other) => Err(GatherError::Request {
                verb,
                resource: read.resource(),
                message: other.to_string(),
            }),
        }
    }

    /// Every object of a kind; `None` when refused or not served.
    async fn list(&mut self, read: &Read) -> Result<Option<Vec<Value>>, GatherError> {
        self.tick(format!("list {}", read.resource()));
        let api = self.api(read);
        let params = ListParams::default();
        match self.answer(read, "list", api.list(&params)).await? {
            Answer::Found(list) => Ok(Some(
                list.items.iter().map(|o| object_json(read, o)).collect(),
            )),
            Answer::Refused => Ok(None),
            Answer::Missing => {
                self.gathered.not_served.push(read.resource());
                Ok(None)
            }
        }
    }

    /// One named object; `Ok(None)` when refused or absent.
    async fn get(&mut self, read: &Read, name: &str) -> Result<Answer<Value>, GatherError> {
        self.tick(format!("get {} {name}", read.resource()));
        let api = self.api(read);
        Ok(match self.answer(read, "get", api.get(name)).await? {
            Answer::Found(object) => Answer::Found(object_json(read, &object)),
            Answer::Refused => Answer::Refused,
            Answer::Missing => Answer::Missing,
        })
    }

    /// Secret names only: the metadata list never carries data.
    async fn secret_names(&mut self) -> Result<Vec<Value>, GatherError> {
        self.tick(format!("list {} (names only)", SECRETS.resource()));
        let api = self.api(&SECRETS);
        let params = ListParams::default();
        Ok(
            match self
                .answer(&SECRETS, "list", api.list_metadata(&params))
                .await?
            {
                Answer::Found(list) => list
                    .items
                    .iter()
                    .map(|item| {
                        json!({
                            "apiVersion": "v1",
                            "kind": "Secret",
                            "metadata": {
                                "name": item.metadata.name.clone().unwrap_or_default(),
                                "namespace": self.namespace,
                            },
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            },
        )
    }
}

/// The number of progress steps (the PersistentVolumes count as one each, beyond it).
const STEPS: usize = 15;

/// Reads everything the prediction for one runner namespace needs.
pub async fn gather(
    client: &kube::Client,
    target: &Target,
    timeout: Duration,
    progress: &mut dyn FnMut(Progress),
) -> Result<Gathered, GatherError> {
    let ns = target.namespace.as_str();
    let mut reader = Reader {
        client,
        namespace: ns,
        timeout,
        gathered: Gathered {
            namespace: ns.to_string(),
            context: target.context.clone(),
            ..Default::default()
        },
        step: 0,
        progress,
    };
    let mut objects = Vec::new();
    match reader.get(&NAMESPACE, ns).await? {
        Answer::Found(namespace) => objects.push(namespace),
        Answer::Refused => {}
        Answer::Missing => return Err(GatherError::NoNamespace(ns.to_string())),
    }
    // The runner's config source first: it names what else matters.
    objects.extend(config_source(&mut reader, &target.source).await?);
    let service_accounts = reader.list(&SERVICE_ACCOUNTS).await?.unwrap_or_default();
    objects.extend(service_accounts);
    objects.extend(reader.list(&SCCS).await?.unwrap_or_default());
    objects.extend(reader.list(&ROLES).await?.unwrap_or_default());
    let role_bindings = reader.list(&ROLE_BINDINGS).await?.unwrap_or_default();
    let cluster_role_bindings: Vec<Value> = reader
        .list(&CLUSTER_ROLE_BINDINGS)
        .await?
        .unwrap_or_default()
        .into_iter()
        .filter(|b| binds_namespace_subjects(b, ns))
        .collect();
    let referenced: BTreeSet<String> = role_bindings
        .iter()
        .chain(&cluster_role_bindings)
        .filter(|b| str_at(b, &["roleRef", "kind"]) == Some("ClusterRole"))
        .filter_map(|b| str_at(b, &["roleRef", "name"]).map(str::to_string))
        .collect();
    let cluster_roles = reader.list(&CLUSTER_ROLES).await?.unwrap_or_default();
    objects.extend(role_bindings);
    objects.extend(cluster_role_bindings);
    // Only the ClusterRoles bound in this namespace, and those granting `use` on an SCC: a
    // cluster has hundreds, and the others cannot change the prediction.
    objects.extend(cluster_roles.into_iter().filter(|role| {
        str_at(role, &["metadata", "name"]).is_some_and(|n| referenced.contains(n))
            || grants_scc_use(role)
    }));
    let claims = reader.list(&PVCS).await?.unwrap_or_default();
    let volume_names: Vec<String> = claims
        .iter()
        .filter_map(|c| str_at(c, &["spec", "volumeName"]).map(str::to_string))
        .collect();
    objects.extend(claims);
    for name in volume_names {
        if let Answer::Found(pv) = reader.get(&PVS, &name).await? {
            objects.push(pv);
        }
    }
    objects.extend(reader.list(&STORAGE_CLASSES).await?.unwrap_or_default());
    objects.extend(reader.list(&CSI_DRIVERS).await?.unwrap_or_default());
    objects.extend(reader.list(&QUOTAS).await?.unwrap_or_default());
    objects.extend(reader.list(&LIMIT_RANGES).await?.unwrap_or_default());
    objects.extend(reader.secret_names().await?);
    let mut gathered = reader.gathered;
    gathered.objects = objects;
    Ok(gathered)
}

async fn config_source(
    reader: &mut Reader<'_>,
    source: &ConfigSource,
) -> Result<Vec<Value>, GatherError> {
    let ns = reader.namespace.to_string();
    let required = |kind: &'static str, name: &str| GatherError::NotFound {
        kind,
        name: name.to_string(),
        namespace: ns.clone(),
    };
    match source {
        ConfigSource::ConfigMap(name) => match reader.get(&CONFIG_MAPS, name).await? {
            Answer::Found(map) => Ok(vec![map]),
            Answer::Refused => Ok(Vec::new()),
            Answer::Missing => Err(required("ConfigMap", name)),
        },
        ConfigSource::Runner(name) => {
            let runner = match reader.get(&RUNNERS, name).await? {
                Answer::Found(runner) => runner,
                Answer::Refused => return Ok(Vec::new()),
                Answer::Missing => return Err(required("Runner", name)),
            };
            let mut out = Vec::new();
            for key in ["config", "env"] {
                if let Some(map) = str_at(&runner, &["spec", key]).map(str::to_string)
                    && let Answer::Found(map) = reader.get(&CONFIG_MAPS, &map).await?
                {
                    out.push(map);
                }
            }
            out.insert(0, runner);
            Ok(out)
        }
        ConfigSource::Discover => {
            let runners = reader.list(&RUNNERS).await?.unwrap_or_default();
            let named: BTreeSet<String> = runners
                .iter()
                .flat_map(|r| {
                    ["config", "env"]
                        .into_iter()
                        .filter_map(|k| str_at(r, &["spec", k]).map(str::to_string))
                })
                .collect();
            let maps = reader.list(&CONFIG_MAPS).await?.unwrap_or_default();
            let mut out = runners;
            out.extend(maps.into_iter().filter(|m| {
                str_at(m, &["metadata", "name"]).is_some_and(|n| named.contains(n))
                    || holds_runner_config(m)
            }));
            Ok(out)
        }
    }
}

/// A ConfigMap with a runner `config.toml` (or template) in its data.
fn holds_runner_config(map: &Value) -> bool {
    map.get("data")
        .and_then(Value::as_object)
        .is_some_and(|data| {
            data.values()
                .filter_map(Value::as_str)
                .any(|text| text.contains("[[runners]]"))
        })
}

/// A binding with a subject the runner namespace's pods or ServiceAccounts are: one of its
/// ServiceAccounts, all ServiceAccounts (of it), or every authenticated user.
fn binds_namespace_subjects(binding: &Value, namespace: &str) -> bool {
    let groups = [
        "system:serviceaccounts".to_string(),
        format!("system:serviceaccounts:{namespace}"),
        "system:authenticated".to_string(),
    ];
    binding
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|s| {
            let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("");
            match field("kind") {
                "ServiceAccount" => field("namespace") == namespace,
                "Group" => groups.iter().any(|g| g == field("name")),
                "User" => field("name")
                    .strip_prefix("system:serviceaccount:")
                    .is_some_and(|rest| rest.split(':').next() == Some(namespace)),
                _ => false,
            }
        })
}

/// A role with a rule on SecurityContextConstraints whose verbs include `use`.
fn grants_scc_use(role: &Value) -> bool {
    let has = |rule: &Value, key: &str, wanted: &[&str]| {
        rule.get(key)
            .and_then(Value::as_array)
            .is_some_and(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|i| wanted.contains(&i))
            })
    };
    role.get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|rule| {
            // A wildcard role (`cluster-admin`) is kept only when bound in the namespace.
            has(rule, "resources", &["securitycontextconstraints"])
                && has(rule, "verbs", &["use", "*"])
        })
}

fn str_at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
}

/// An object as JSON, with its type and without the fields that only repeat it (keys sorted,
/// as `serde_json` keeps them).
fn object_json(read: &Read, object: &DynamicObject) -> Value {
    let mut value = serde_json::to_value(object).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("apiVersion".into(), Value::String(read.api_version()));
        map.insert("kind".into(), Value::String(read.kind.into()));
        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
            meta.remove("managedFields");
            if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
                // `kubectl apply` keeps the whole applied object here, a Secret's data included.
                annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
            }
        }
    }
    value
}

impl Gathered {
    /// The `GatherReport` document: what was read, and each refused read.
    fn report(&self) -> Value {
        let refused: Vec<Value> = self
            .refused
            .iter()
            .map(|r| {
                let mut entry = json!({
                    "verb": r.verb,
                    "resource": r.resource,
                });
                if let Some(ns) = &r.namespace {
                    entry["namespace"] = json!(ns);
                }
                if !r.status.is_empty() {
                    entry["status"] = json!(r.status);
                }
                entry
            })
            .collect();
        let mut report = json!({
            "apiVersion": format!("{GATHER_GROUP}/v1"),
            "kind": GATHER_REPORT_KIND,
            "namespace": self.namespace,
        });
        if let Some(context) = &self.context {
            report["context"] = json!(context);
        }
        if !refused.is_empty() {
            report["refused"] = Value::Array(refused);
        }
        if !self.not_served.is_empty() {
            report["notServed"] = json!(self.not_served);
        }
        report
    }

    /// The text before redaction.
    fn raw_text(&self) -> String {
        let list = json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": self.objects,
        });
        let context = self
            .context
            .as_deref()
            .map_or(String::new(), |c| format!(", context `{c}`"));
        format!(
            "# runner-doctor gather: namespace `{}`{context}. Secrets are listed by name only, and\n# credentials are redacted. `runner-doctor check` reads this file.\n{}---\n{}",
            self.namespace,
            super::yaml::to_yaml(&self.report()),
            super::yaml::to_yaml(&list)
        )
    }

    /// The snapshot: the YAML `check` reads, with every value the loader treats as a credential
    /// replaced by `<redacted>` (quotes kept, so the text still parses the same way).
    pub fn snapshot(&self) -> String {
        let raw = self.raw_text();
        let mut inputs = Inputs::default();
        inputs.add_text(PathBuf::from("snapshot"), raw.clone());
        let mut ranges: Vec<TextRange> = inputs
            .sources
            .iter()
            .next()
            .map(|host| host.redactions.clone())
            .unwrap_or_default();
        redact(&raw, &mut ranges)
    }

    /// The snapshot loaded as `check` loads a file, under a name that says where it came from.
    pub fn inputs(&self) -> Inputs {
        let mut inputs = Inputs::default();
        inputs.add_text(self.path(), self.snapshot());
        inputs
    }

    /// `live:CONTEXT/NAMESPACE`, the name findings of `check --live` carry.
    pub fn path(&self) -> PathBuf {
        match &self.context {
            Some(context) => PathBuf::from(format!("live:{context}/{}", self.namespace)),
            None => PathBuf::from(format!("live:{}", self.namespace)),
        }
    }
}

/// Replaces each range (merged where they overlap) with `<redacted>`, keeping the quotes that
/// enclose a quoted value.
fn redact(text: &str, ranges: &mut [TextRange]) -> String {
    ranges.sort();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for range in ranges.iter() {
        let (start, end) = (range.start as usize, (range.end as usize).min(text.len()));
        if end <= at || !text.is_char_boundary(start.max(at)) || !text.is_char_boundary(end) {
            continue;
        }
        let start = start.max(at);
        out.push_str(&text[at..start]);
        let masked = &text[start..end];
        let quote = ['"', '\'']
            .into_iter()
            .find(|q| masked.len() >= 2 && masked.starts_with(*q) && masked.ends_with(*q));
        match quote {
            Some(q) => {
                out.push(q);
                out.push_str("<redacted>");
                out.push(q);
            }
            None => out.push_str("<redacted>"),
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_quotes_and_merges_overlaps() {
        let text = r#"a = "glrt-secret" b = plain c"#;
        let mut ranges = vec![
            TextRange::new(4, 17),
            TextRange::new(6, 10),
            TextRange::new(22, 27),
        ];
        assert_eq!(
            redact(text, &mut ranges),
            r#"a = "<redacted>" b = <redacted> c"#
        );
    }

    #[test]
    fn rbac_filters_keep_what_can_change_the_prediction() {
        let binding =
            json!({"subjects": [{"kind": "Group", "name": "system:serviceaccounts:ci-team"}]});
        assert!(binds_namespace_subjects(&binding, "ci-team"));
        assert!(!binds_namespace_subjects(&binding, "other"));
        let sa =
            json!({"subjects": [{"kind": "ServiceAccount", "name": "x", "namespace": "ci-team"}]});
        assert!(binds_namespace_subjects(&sa, "ci-team"));
        let user =
            json!({"subjects": [{"kind": "User", "name": "system:serviceaccount:ci-team:x"}]});
        assert!(binds_namespace_subjects(&user, "ci-team"));
        let role = json!({"rules": [{"apiGroups": ["security.openshift.io"], "resources": ["securitycontextconstraints"], "verbs": ["use"]}]});
        assert!(grants_scc_use(&role));
        let reader = json!({"rules": [{"resources": ["pods"], "verbs": ["*"]}]});
        assert!(!grants_scc_use(&reader));
    }
}
