//! Remediation that is not an edit of the user's files: manifests generated for a cache
//! volume the job pods cannot write (RD402, the founding OpenShift PVC case), ranked by
//! preference, with a README that says each option's trade-offs.
//!
//! Everything here is derived from the prediction (namespace, the PVC and its mount, the
//! helper's identity, the fsGroup and capabilities the job pod asks for); nothing is guessed
//! silently, and no credential is ever written: the object-bucket option names the Secret and
//! ConfigMap OpenShift Data Foundation creates, and says how to use them.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::analysis::Analysis;
use crate::diagnostic::Edit;
use crate::fix::text;
use crate::source::TextRange;
use crate::source::tree::Seg;

/// One generated file, relative to the output directory.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    pub file_name: String,
    pub text: String,
}

/// What the manifests are generated from: one runner whose cache volume is not writable.
#[derive(Clone, Debug)]
struct Target {
    /// The config and `[[runners]]` entry the runner comes from.
    config: usize,
    runner: usize,
    namespace: String,
    /// The job pod's volume name (the `--assume volume.NAME.root` key uses it).
    volume: String,
    claim: String,
    mount_path: String,
    container: String,
    uid: i64,
    groups: Vec<i64>,
    root: String,
    service_account: String,
    fs_group: Option<i64>,
    capabilities: BTreeSet<String>,
    /// The dedicated SCC's priority: that of the highest SCC in the inputs, and at least
    /// anyuid's 10. At equal priority OpenShift tries the more restrictive SCC first
    /// (`util/sort/byrestrictions.go`), and the dedicated one is, so it is chosen even where
    /// the runner manager's own ServiceAccount may use a looser SCC for the pods it creates.
    priority: i32,
}

/// The remediation for every runner whose cache volume is not writable; empty when none is.
pub fn remediation(analysis: &Analysis) -> Vec<Manifest> {
    let targets = targets(analysis);
    let Some(t) = targets.first() else {
        return Vec::new();
    };
    let patch = cache_patch_for(analysis, t)
        .map(|changes| {
            changes
                .iter()
                .map(|c| {
                    // `a/PATH` headers, so `patch -p1` applies it: relative paths from where
                    // runner-doctor ran, absolute ones from `/` (`patch -p1 -d /`).
                    let name = c.path.display().to_string();
                    let name = name.strip_prefix("./").unwrap_or(&name);
                    let name = name.trim_start_matches('/').to_string();
                    super::diff::unified(&name, &c.display_original, &c.display_fixed)
                })
                .collect::<String>()
        })
        .filter(|p| !p.is_empty());
    let cache_config = match patch {
        Some(text) => Manifest {
            file_name: "1-runner-cache.patch".into(),
            text,
        },
        None => Manifest {
            file_name: "1-runner-cache.toml.snippet".into(),
            text: s3_cache_config(t),
        },
    };
    vec![
        Manifest {
            file_name: "README.md".into(),
            text: readme(t, targets.len(), &cache_config.file_name),
        },
        Manifest {
            file_name: "1-object-bucket-claim.yaml".into(),
            text: object_bucket_claim(t),
        },
        cache_config,
        Manifest {
            file_name: "2-prepare-cache-volume.yaml".into(),
            text: prepare_job(t),
        },
        Manifest {
            file_name: "3-job-service-account-scc.yaml".into(),
            text: dedicated_scc(t),
        },
        Manifest {
            file_name: "4-pod-spec-patch.toml.snippet".into(),
            text: pod_spec_patch(),
        },
    ]
}

fn targets(analysis: &Analysis) -> Vec<Target> {
    let mut out = Vec::new();
    let priority = analysis
        .inputs
        .cluster
        .sccs()
        .filter_map(|(_, scc)| scc.priority)
        .max()
        .unwrap_or(0)
        .max(10);
    for found in analysis.unwritable_caches() {
        let crate::analysis::UnwritableCache {
            prediction,
            job,
            job_pod,
            access: _,
            cache,
            identity: id,
        } = found;
        let pod = job.running_pod().unwrap_or(&job_pod.pod);
        let Some(spec) = pod.spec.as_ref() else {
            continue;
        };
        let claim = spec
            .volumes
            .iter()
            .flatten()
            .find(|v| v.name == cache.volume)
            .and_then(|v| v.persistent_volume_claim.as_ref())
            .map(|c| c.claim_name.clone());
        let Some(claim) = claim else { continue };
        let capabilities = spec
            .containers
            .iter()
            .filter_map(|c| {
                c.security_context
                    .as_ref()?
                    .capabilities
                    .as_ref()?
                    .add
                    .as_ref()
            })
            .flatten()
            .cloned()
            .collect();
        // The fsGroup the job pod asks for: the config's, not one admission assigned.
        let fs_group = job_pod
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.security_context.as_ref()?.fs_group);
        out.push(Target {
            config: prediction.config,
            runner: prediction.runner,
            namespace: prediction.namespace.clone(),
            volume: cache.volume.clone(),
            claim,
            mount_path: cache.mount_path.clone(),
            container: cache.container.clone(),
            uid: id.uid,
            groups: id.groups.iter().copied().collect(),
            root: cache.root.to_string(),
            service_account: spec
                .service_account_name
                .clone()
                .unwrap_or_else(|| "default".into()),
            fs_group,
            capabilities,
            priority,
        });
    }
    out
}

/// A YAML double-quoted scalar (names come from the user's files).
fn q(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

fn readme(t: &Target, count: usize, cache_config: &str) -> String {
    let mut s = String::new();
    let groups: Vec<String> = t.groups.iter().map(i64::to_string).collect();
    let _ = writeln!(s, "# Remediation: the job cache on PVC `{}`\n", t.claim);
    let _ = writeln!(
        s,
        "runner-doctor found that the `{}` container (uid {}, groups {}) cannot create \
         directories under `{}`, the mount of PVC `{}` in namespace `{}`, whose root is `{}`. \
         Cache archives are never written and every restore misses.",
        t.container,
        t.uid,
        groups.join(","),
        t.mount_path,
        t.claim,
        t.namespace,
        t.root
    );
    if count > 1 {
        let _ = writeln!(
            s,
            "\n{count} runners have this problem; these files are for the first, in namespace `{}`.",
            t.namespace
        );
    }
    let _ = writeln!(
        s,
        "\nThe options, best first. Apply one; none needs `chmod 777` in a pipeline. The \
         `.toml.snippet` files are parts of a `config.toml` to paste, not whole configs: their \
         name keeps `runner-doctor check` from reading them as runners.\n"
    );
    let _ = writeln!(
        s,
        "## 1. A distributed cache (`1-object-bucket-claim.yaml`, `{cache_config}`)\n\n\
         An ObjectBucketClaim (OpenShift Data Foundation) gives the runners an S3 bucket; the \
         runner uploads and downloads cache archives over HTTPS, so every runner pod on every \
         node shares one cache and no shared volume's owner or mode is involved.\n\n\
         - Apply the claim: `oc apply -f 1-object-bucket-claim.yaml`. ODF creates a ConfigMap \
         and a Secret named `gitlab-runner-cache` in `{ns}` (`BUCKET_HOST`, `BUCKET_NAME`; \
         `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`).\n\
         - {apply}\n\
         - Keep credentials out of the config: with the Operator, set the `Runner`'s \
         `spec.cacheType: s3`, `spec.s3.server`, `spec.s3.bucket` and `spec.s3.credentials` to a \
         Secret with keys `accesskey` and `secretkey` copied from the bucket's Secret; with the \
         Helm chart, `runners.cache.secretName`.\n\
         - The helper still writes each `cache.zip` under `cache_dir` before uploading it, so \
         `{mp}` stays a volume, but a per-pod emptyDir instead of PVC `{claim}`: kubelet creates \
         an emptyDir world-writable, so the helper's arbitrary uid can write it. Then drop the \
         `chmod 777` from the pipeline.\n\n\
         Trade-offs: needs ODF's object service (NooBaa) or another S3 endpoint; archives \
         travel over the network (slower than a local volume for large caches); the bucket \
         needs a lifecycle rule to expire old archives. It is what GitLab recommends for \
         Kubernetes runners.\n",
        ns = t.namespace,
        mp = t.mount_path,
        claim = t.claim,
        apply = if cache_config.ends_with(".patch") {
            format!(
                "Apply `{cache_config}` with `patch -p1` (or `git apply`) in the directory \
                 runner-doctor ran in, or with `patch -p1 -d /` where it names an absolute \
                 path: it turns `[runners.cache]` into an S3 \
                 cache of that bucket and the PVC volume at `{}` into an emptyDir, keeping every \
                 comment. Check `ServerAddress` and `BucketName` against that ConfigMap. A \
                 patch whose context holds a masked secret does not apply: make the same change \
                 by hand then.",
                t.mount_path
            )
        } else {
            format!(
                "Replace `[runners.cache]` with `{cache_config}`, filling `ServerAddress` and \
                 `BucketName` from that ConfigMap, and turn the PVC volume at `{}` into an \
                 `[[runners.kubernetes.volumes.empty_dir]]`.",
                t.mount_path
            )
        }
    );
    let _ = writeln!(
        s,
        "## 2. Prepare the volume once (`2-prepare-cache-volume.yaml`)\n\n\
         A one-time Job mounts PVC `{claim}` and runs `chgrp 0` and `chmod 2775` on its root: \
         group 0 may write, and the setgid bit makes every directory created below inherit \
         group 0. OpenShift starts every container with primary group 0 (`{container}` runs \
         with groups {groups}), so every runner container can then create the cache \
         directories, and the `chmod 777` in the pipeline can be dropped. The Job runs as root \
         under a ServiceAccount of its own allowed to use the `anyuid` SCC, which only it \
         uses; delete both when it has succeeded.\n\n\
         After it ran, `runner-doctor check --assume volume.{vol}.root=0:0:2775` predicts the \
         cache as it then is.\n\n\
         Trade-offs: run it again for every new PVC (the mode lives on the volume); all \
         projects of the runner still share one writable tree (no isolation between projects, \
         but no longer world-writable); a file created with a restrictive umask can still \
         lock out others.\n",
        claim = t.claim,
        container = t.container,
        groups = groups.join(","),
        vol = t.volume
    );
    let caps: Vec<&str> = t.capabilities.iter().map(String::as_str).collect();
    let _ = writeln!(
        s,
        "## 3. A ServiceAccount and SCC for the job pods (`3-job-service-account-scc.yaml`)\n\n\
         The job pods run as ServiceAccount `{sa}`, so whatever SCC it may use applies to every \
         pod of the namespace that uses it. The file creates ServiceAccount \
         `gitlab-runner-jobs`, an SCC `gitlab-runner-jobs` that allows exactly what the \
         predicted job pod needs ({fsg}; capabilities: {caps}), a ClusterRole to `use` it and a \
         RoleBinding in `{ns}` for that ServiceAccount only. Its priority ({priority}) equals the \
         highest SCC's, and it is more restrictive, so OpenShift tries it first even where the \
         runner manager's ServiceAccount may use a looser SCC. Set `service_account = \
         \"gitlab-runner-jobs\"` in `[runners.kubernetes]`.\n\n\
         Trade-offs: it fixes who gets which privileges, not the volume: with a driver that \
         does not apply fsGroup, combine it with option 2 or 4. Its `runAsUser` is \
         `MustRunAsRange`, so every container runs under a uid of the namespace's range: a job \
         that needs root in its build container (a `chmod` or `chown` of a root-owned path, a \
         package install, a rootful podman or buildah build) then fails; give such jobs a \
         runner and ServiceAccount of their own, or build rootless.\n",
        sa = t.service_account,
        fsg = match t.fs_group {
            Some(g) => format!("fsGroup {g}"),
            None => "no fixed fsGroup".into(),
        },
        caps = if caps.is_empty() {
            "none".to_string()
        } else {
            caps.join(", ")
        },
        ns = t.namespace,
        priority = t.priority
    );
    let _ = writeln!(
        s,
        "## 4. fsGroup through a pod spec patch (`4-pod-spec-patch.toml.snippet`)\n\n\
         Only for a storage class whose CSI driver applies fsGroup (`fsGroupPolicy: File`): \
         kubelet then gives the volume the pod's fsGroup and `g+rwX`. The patch adds \
         `fsGroupChangePolicy: OnRootMismatch`, so kubelet changes ownership only when the \
         root does not match yet, not on every pod start (a large cache would otherwise be \
         walked each time). It needs `FF_USE_ADVANCED_POD_SPEC_CONFIGURATION=true`, and a pod \
         fsGroup to apply: keep `fs_group` (in the range the admitting SCC allows), or, where \
         `restricted-v2` admits the job pods, leave it unset and the namespace's own fsGroup \
         applies.\n\n\
         Trade-offs: needs a new PVC on another storage class when the current driver does not \
         apply fsGroup; the recursive change on first mount takes time on a full volume.\n"
    );
    s
}

fn object_bucket_claim(t: &Target) -> String {
    format!(
        "# Option 1: an S3 bucket from OpenShift Data Foundation for the runner cache.\n\
         # ODF creates a ConfigMap and a Secret named after the claim, in the same namespace.\n\
         apiVersion: objectbucket.io/v1alpha1\n\
         kind: ObjectBucketClaim\n\
         metadata:\n  name: gitlab-runner-cache\n  namespace: {ns}\n\
         spec:\n  bucketName: {bucket}\n  storageClassName: openshift-storage.noobaa.io\n",
        ns = q(&t.namespace),
        bucket = q(&bucket_name(t)),
    )
}

/// Bucket names are global to the object store: the namespace keeps them apart.
fn bucket_name(t: &Target) -> String {
    format!("gitlab-runner-cache-{}", t.namespace)
}

fn s3_cache_config(t: &Target) -> String {
    format!(
        "# Option 1: replaces [runners.cache] of the runner in namespace {ns}.\n\
         # ServerAddress and BucketName: `oc get configmap gitlab-runner-cache -n {ns} -o yaml`\n\
         # (BUCKET_HOST, BUCKET_NAME). Credentials come from the Runner's spec.s3.credentials\n\
         # Secret (keys accesskey, secretkey), never from this file.\n\
         [[runners]]\n  # the runner entry whose cache this replaces\n  [runners.cache]\n    Type = \"s3\"\n    Shared = true\n    [runners.cache.s3]\n      \
         ServerAddress = \"s3.openshift-storage.svc\"\n      BucketName = {bucket}\n      \
         AuthenticationType = \"access-key\"\n",
        ns = t.namespace,
        bucket = crate::fix::text::toml_string(&bucket_name(t)),
    )
}

/// Option 1's change of the first runner's config (see [`remediation`]) as it would leave the
/// input files; `None` when there is nothing to remedy or the change cannot be made as edits.
pub fn cache_patch(analysis: &Analysis) -> Option<Vec<super::FileChange>> {
    cache_patch_for(analysis, targets(analysis).first()?)
}

fn cache_patch_for(analysis: &Analysis, t: &Target) -> Option<Vec<super::FileChange>> {
    super::preview(&analysis.inputs.sources, s3_cache_edits(analysis, t)?)
}

/// The edits of option 1 in the runner's own config: `[runners.cache]` becomes an S3 cache of
/// the claimed bucket (never with credentials), and the PVC volume at the cache mount becomes an
/// emptyDir, since the helper still stages `cache.zip` under `cache_dir` with a distributed
/// cache (reference gitlab-runner-k8s.md §1.3) and kubelet creates an emptyDir with mode 0777
/// (k8s-volume-permissions.md). `None` when the config does not write these tables under
/// headers of their own (inline tables): the snippet is given instead.
fn s3_cache_edits(analysis: &Analysis, t: &Target) -> Option<Vec<Edit>> {
    let config = analysis.inputs.configs.get(t.config)?;
    let text = &analysis.inputs.sources.get(config.source).text;
    let runner_start = config
        .root
        .at(&[Seg::Key("runners"), Seg::Index(t.runner)])?
        .range
        .start as usize;
    let (headers, runner_end) = text::runner_headers(text, runner_start);
    let (runner_line, _, _) = headers.first()?.clone();
    let column = |offset: usize| {
        let line = &text[offset..];
        line.len() - line.trim_start_matches([' ', '\t']).len()
    };
    let mut edits = Vec::new();
    let source = config.source;

    // The volume: the pvc entry for the claim, under its own header.
    let pvcs: Vec<&(usize, usize, String)> = headers
        .iter()
        .filter(|(_, _, n)| n == "runners.kubernetes.volumes.pvc")
        .collect();
    let volumes = config.root.at(&[
        Seg::Key("runners"),
        Seg::Index(t.runner),
        Seg::Key("kubernetes"),
        Seg::Key("volumes"),
        Seg::Key("pvc"),
    ])?;
    let index = volumes
        .items()
        .iter()
        .position(|v| v.get("name").and_then(|n| n.as_str()) == Some(t.claim.as_str()))?;
    let (pvc_line, pvc_line_end, _) = pvcs.get(index)?;
    if volumes.items().len() != pvcs.len() {
        return None; // some written inline: the headers do not line up with the entries
    }
    let header = &text[*pvc_line..*pvc_line_end];
    let open = pvc_line + header.find("[[")?;
    let close = pvc_line + header.find("]]")? + 2;
    edits.push(text::edit(
        source,
        TextRange::new(open, close),
        "[[runners.kubernetes.volumes.empty_dir]]",
    ));
    let volume = &volumes.items()[index];
    for key in ["read_only", "mount_propagation"] {
        if let Some(entry) = volume.entry(key) {
            let range = text::remove_entry(text, entry.key_range.cover(entry.value.range));
            edits.push(text::edit(source, range, ""));
        }
    }

    // The cache table: its body (and subtables) replaced, comments kept; or a new table.
    let bucket = text::toml_string(&bucket_name(t));
    // Keys at `indent`; the subtable's header there too, and its keys one step further.
    let body = |indent: usize| {
        let (i, j) = (" ".repeat(indent), " ".repeat(indent + 2));
        format!(
            "{i}Type = \"s3\"\n{i}Shared = true\n{i}[runners.cache.s3]\n\
             {j}ServerAddress = \"s3.openshift-storage.svc\"\n{j}BucketName = {bucket}\n\
             {j}AuthenticationType = \"access-key\"\n"
        )
    };
    match headers.iter().position(|(_, _, n)| n == "runners.cache") {
        Some(at) => {
            let (line, line_end, _) = &headers[at];
            let end = headers[at + 1..]
                .iter()
                .find(|(_, _, n)| !n.starts_with("runners.cache."))
                .map_or(runner_end, |(l, _, _)| *l);
            let indent = column(*line);
            let mut offset = (*line_end + 1).min(text.len());
            let body_start = offset;
            for piece in text[body_start..end].split_inclusive('\n') {
                if !piece.trim_start().starts_with('#') && !piece.trim().is_empty() {
                    edits.push(text::edit(
                        source,
                        TextRange::new(offset, offset + piece.len()),
                        "",
                    ));
                }
                offset += piece.len();
            }
            edits.push(text::edit(
                source,
                TextRange::new(body_start, body_start),
                body(indent + 2),
            ));
        }
        None => {
            // Before the entry's first subtable, at that subtable's indentation.
            let (at, indent) = match headers.get(1) {
                Some((line, _, _)) => (*line, column(*line)),
                None => (runner_end, column(runner_line) + 2),
            };
            let table = format!(
                "{}[runners.cache]\n{}",
                " ".repeat(indent),
                body(indent + 2)
            );
            edits.push(text::edit(source, TextRange::new(at, at), table));
        }
    }
    Some(edits)
}

fn prepare_job(t: &Target) -> String {
    let ns = q(&t.namespace);
    format!(
        "# Option 2: prepare the root of PVC {claim} once, for group 0 with the setgid bit.\n\
         # OpenShift runs every container with primary group 0, so every runner container can\n\
         # then write; drop `chmod 777` from the pipeline. Delete these objects afterwards.\n\
         # The container asks for no capability: anyuid allows none to be added, and root keeps\n\
         # the runtime's default set (CHOWN and FOWNER among them, for a root owned by another uid).\n\
         apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner-cache-prepare\n  namespace: {ns}\n\
         ---\n\
         # Lets only this ServiceAccount run as root (SCC anyuid), to change the root's group.\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: runner-cache-prepare-anyuid\n  namespace: {ns}\n\
         roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: system:openshift:scc:anyuid\n\
         subjects:\n  - kind: ServiceAccount\n    name: runner-cache-prepare\n    namespace: {ns}\n\
         ---\n\
         apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: runner-cache-prepare\n  namespace: {ns}\n\
         spec:\n  backoffLimit: 2\n  ttlSecondsAfterFinished: 3600\n  template:\n    spec:\n      \
         serviceAccountName: runner-cache-prepare\n      restartPolicy: Never\n      containers:\n        \
         - name: prepare\n          image: registry.access.redhat.com/ubi9/ubi-minimal\n          \
         command: [\"sh\", \"-c\", \"chgrp 0 /cache && chmod 2775 /cache && stat -c '%a %u:%g' /cache\"]\n          \
         securityContext:\n            runAsUser: 0\n            allowPrivilegeEscalation: false\n          \
         volumeMounts:\n            - name: cache\n              mountPath: /cache\n      \
         volumes:\n        - name: cache\n          persistentVolumeClaim:\n            claimName: {claim_q}\n",
        claim = t.claim,
        claim_q = q(&t.claim),
    )
}

fn dedicated_scc(t: &Target) -> String {
    let ns = q(&t.namespace);
    let fs_group = match t.fs_group {
        Some(g) => {
            format!("fsGroup:\n  type: MustRunAs\n  ranges:\n    - min: {g}\n      max: {g}\n")
        }
        None => "fsGroup:\n  type: MustRunAs\n".to_string(),
    };
    let caps: Vec<String> = t.capabilities.iter().map(|c| q(c)).collect();
    format!(
        "# Option 3: a ServiceAccount for the job pods and an SCC that allows exactly what the\n\
         # predicted job pod needs; set service_account = \"gitlab-runner-jobs\" in [runners.kubernetes].\n\
         apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: gitlab-runner-jobs\n  namespace: {ns}\n\
         ---\n\
         apiVersion: security.openshift.io/v1\nkind: SecurityContextConstraints\nmetadata:\n  name: gitlab-runner-jobs\n\
         priority: {priority}\n\
         allowHostDirVolumePlugin: false\nallowHostIPC: false\nallowHostNetwork: false\nallowHostPID: false\nallowHostPorts: false\n\
         readOnlyRootFilesystem: false\nrequiredDropCapabilities: []\n\
         allowedCapabilities: [{caps}]\n\
         defaultAddCapabilities: []\n\
         runAsUser:\n  type: MustRunAsRange\n\
         seLinuxContext:\n  type: MustRunAs\n\
         {fs_group}\
         supplementalGroups:\n  type: RunAsAny\n\
         volumes: [configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret]\n\
         users: []\ngroups: []\n\
         ---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: use-scc-gitlab-runner-jobs\n\
         rules:\n  - apiGroups: [security.openshift.io]\n    resources: [securitycontextconstraints]\n    \
         resourceNames: [gitlab-runner-jobs]\n    verbs: [use]\n\
         ---\n\
         apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: gitlab-runner-jobs-scc\n  namespace: {ns}\n\
         roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: use-scc-gitlab-runner-jobs\n\
         subjects:\n  - kind: ServiceAccount\n    name: gitlab-runner-jobs\n    namespace: {ns}\n",
        caps = caps.join(", "),
        priority = t.priority,
    )
}

fn pod_spec_patch() -> String {
    "# Option 4: for a storage class whose CSI driver applies fsGroup (fsGroupPolicy: File).\n\
     # Paste inside the runner's [[runners]] entry, below its [runners.kubernetes] keys (the\n\
     # header below opens a table of that entry, not a new runner), and set\n\
     # FF_USE_ADVANCED_POD_SPEC_CONFIGURATION=true in its environment or [runners.feature_flags].\n\
     [[runners.kubernetes.pod_spec]]\n  name = \"fs-group-change-policy\"\n  patch_type = \"strategic\"\n  \
     patch = '''\n    securityContext:\n      fsGroupChangePolicy: OnRootMismatch\n  '''\n"
        .to_string()
}
