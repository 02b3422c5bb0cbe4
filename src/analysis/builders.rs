//! Image builds inside job pods: which builder a pipeline job uses (podman, buildah, kaniko,
//! BuildKit, Docker-in-Docker), the facts of the admitted build container a builder depends on,
//! and which build strategies could work in that container.
//!
//! This module reads the pipeline model and the admitted pod; it never reports. The kernel and
//! runtime prerequisites restated here come from the field cases (FC19, FC23–FC25) and the
//! builders' own documentation, cited where used; facts about the node that the inputs cannot
//! show (AppArmor, the runtime's seccomp default) are returned as assumptions.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{Container, Pod};
use serde::Deserialize;

use crate::access::kb;
use crate::analysis::Analysis;
use crate::analysis::prediction::{JobOrigin, JobPrediction, RunnerPrediction};
use crate::diagnostic::Assumption;
use crate::model::pipeline::{Job, Spanned};
use crate::source::Span;

/// An image builder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Podman,
    Buildah,
    Kaniko,
    /// `buildctl`/`buildkitd`, rootless when run through `rootlesskit` or the rootless image.
    BuildKit,
    /// `dockerd` in the build container.
    DockerDaemon,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Podman => "podman",
            Tool::Buildah => "buildah",
            Tool::Kaniko => "kaniko",
            Tool::BuildKit => "BuildKit",
            Tool::DockerDaemon => "dockerd",
        }
    }

    /// podman and buildah share containers/storage and its drivers.
    pub fn uses_containers_storage(self) -> bool {
        matches!(self, Tool::Podman | Tool::Buildah)
    }
}

/// A job that builds images, and how.
#[derive(Clone, Debug)]
pub struct BuildUse {
    pub tool: Tool,
    /// The first script line that runs the builder, or the job's image.
    pub evidence: Span,
    /// That line's (or image's) text.
    pub evidence_text: String,
    /// `STORAGE_DRIVER=vfs` or `--storage-driver vfs`.
    pub vfs: bool,
    /// `--isolation chroot`, `BUILDAH_ISOLATION=chroot`, or an image that sets it.
    pub chroot_isolation: bool,
    /// BuildKit through `rootlesskit`, `buildctl-daemonless.sh` in the rootless image, etc.
    pub rootless_buildkit: bool,
    /// The image configures `fuse-overlayfs` as the overlay `mount_program`
    /// (`quay.io/podman/stable`; containers/podman `contrib/podmanimage/stable/Containerfile`).
    pub fuse_overlay: bool,
}

/// The words that name each builder's command.
fn tool_of_word(word: &str) -> Option<Tool> {
    let base = word.rsplit('/').next().unwrap_or(word);
    match base {
        "podman" => Some(Tool::Podman),
        "buildah" => Some(Tool::Buildah),
        "buildctl" | "buildctl-daemonless.sh" | "buildkitd" | "rootlesskit" => Some(Tool::BuildKit),
        "dockerd" | "dockerd-entrypoint.sh" => Some(Tool::DockerDaemon),
        _ if word == "/kaniko/executor" => Some(Tool::Kaniko),
        _ => None,
    }
}

/// Subcommands of podman and buildah that use image storage (not `login`, `version`, `info`).
const STORAGE_SUBCOMMANDS: &[&str] = &[
    "build", "bud", "push", "pull", "from", "run", "commit", "tag", "images", "manifest", "load",
    "save", "create",
];

/// The commands of a shell line, each as (command word, first argument that is not a flag):
/// segments split at `&&`, `||`, `;` and `|`, skipping `sudo`, `exec`, `time` and leading
/// `NAME=value` assignments. Quoted text is not a command, so `echo "podman"` runs `echo`.
fn commands(line: &str) -> Vec<(&str, Option<&str>)> {
    line.split(['&', '|', ';'])
        .filter_map(|segment| {
            let mut words = segment.split_whitespace().skip_while(|w| {
                matches!(*w, "sudo" | "exec" | "time" | "command" | "env")
                    || w.starts_with('-')
                    || w.contains('=')
            });
            let cmd = words.next()?;
            let sub = words.find(|w| !w.starts_with('-'));
            Some((cmd, sub))
        })
        .collect()
}

/// The builder a job uses, from its script lines and its image.
pub fn detect(job: &Job) -> Option<BuildUse> {
    let image_repo = job
        .image
        .as_ref()
        .map(|i| kb::split_image_ref(&i.value))
        .unwrap_or_default();
    let var = |name: &str| {
        job.variables
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.value.as_str())
    };
    let lines: Vec<&Spanned> = job.build_lines().collect();
    let invocations: Vec<(Tool, bool, &Spanned)> = lines
        .iter()
        .flat_map(|line| {
            commands(&line.value)
                .into_iter()
                .filter_map(move |(cmd, sub)| {
                    let tool = tool_of_word(cmd)?;
                    Some((
                        tool,
                        sub.is_some_and(|s| STORAGE_SUBCOMMANDS.contains(&s)),
                        *line,
                    ))
                })
        })
        .collect();
    // The first line that builds or moves images, else the first that runs a builder at all.
    let found = invocations
        .iter()
        .find(|(_, builds, _)| *builds)
        .or_else(|| invocations.first())
        .map(|(tool, _, line)| (*tool, *line));
    let (tool, evidence, evidence_text) = match found {
        Some((tool, line)) => (tool, line.span, line.value.trim().to_string()),
        None => {
            let image = job.image.as_ref()?;
            let tool = match image_repo.0.as_str() {
                "gcr.io/kaniko-project/executor" => Tool::Kaniko,
                _ => return None,
            };
            (tool, image.span, image.value.clone())
        }
    };
    let text: String = lines
        .iter()
        .map(|l| l.value.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let flag = |name: &str, value: &str| {
        text.contains(&format!("{name} {value}")) || text.contains(&format!("{name}={value}"))
    };
    let image_entry = job
        .image
        .as_ref()
        .and_then(|i| kb::image_identity(&i.value))
        .map(|a| a.value.entry);
    let vfs = var("STORAGE_DRIVER") == Some("vfs")
        || flag("--storage-driver", "vfs")
        || text.contains("STORAGE_DRIVER=vfs");
    // quay.io/podman/stable and quay.io/buildah/stable set `ENV BUILDAH_ISOLATION=chroot`
    // (kb-images notes).
    let chroot_isolation = var("BUILDAH_ISOLATION") == Some("chroot")
        || flag("--isolation", "chroot")
        || text.contains("BUILDAH_ISOLATION=chroot")
        || matches!(
            image_entry.as_deref(),
            Some("podman-stable" | "buildah-stable")
        );
    let rootless_buildkit = tool == Tool::BuildKit
        && (text.contains("rootlesskit")
            || image_entry.as_deref() == Some("buildkit-rootless")
            || image_repo.1.contains("rootless"));
    Some(BuildUse {
        tool,
        evidence,
        evidence_text,
        vfs,
        chroot_isolation,
        rootless_buildkit,
        fuse_overlay: image_entry.as_deref() == Some("podman-stable"),
    })
}

/// What the build container of an admitted pod allows a builder to do.
#[derive(Clone, Debug)]
pub struct BuildContainer {
    /// The process uid, when known.
    pub uid: Option<i64>,
    /// Capabilities granted to the container (bounding set), without `CAP_`.
    pub capabilities: BTreeSet<String>,
    pub privileged: bool,
    /// `allowPrivilegeEscalation: false` sets `no_new_privs`: file capabilities are not honoured.
    pub no_new_privs: bool,
    /// The seccomp profile type (`RuntimeDefault`, `Unconfined`, `Localhost`), `None` unset.
    pub seccomp: Option<String>,
    /// The AppArmor profile type, `None` unset.
    pub apparmor: Option<String>,
    /// `/dev/fuse` is mounted or requested as a device resource.
    pub fuse: bool,
    /// `hostUsers: false`: the pod runs in its own user namespace.
    pub user_namespace: bool,
    /// The SCC that admitted the pod, on OpenShift.
    pub scc: Option<String>,
    /// The uid has a `/etc/subuid` range in the image (a user the image defines).
    pub subuid_range: bool,
    /// The SELinux type of the container (`container_t` when unset on OpenShift).
    pub selinux_type: Option<String>,
}

impl BuildContainer {
    /// The admitted pod's build container, or `None` when the job has no admitted pod.
    pub fn of(job: &JobPrediction) -> Option<Self> {
        let pod = job.running_pod()?;
        let container = build_container(pod)?;
        let identity = job.access.as_ref()?.identities.get("build");
        let sc = container.security_context.as_ref();
        let pod_sc = pod.spec.as_ref().and_then(|s| s.security_context.as_ref());
        let annotations = pod.metadata.annotations.as_ref();
        let annotation = |key: &str| annotations.and_then(|a| a.get(key)).cloned();
        let seccomp = sc
            .and_then(|s| s.seccomp_profile.as_ref())
            .or_else(|| pod_sc.and_then(|s| s.seccomp_profile.as_ref()))
            .map(|p| p.type_.clone())
            .or_else(|| {
                annotation("container.seccomp.security.alpha.kubernetes.io/build")
                    .or_else(|| annotation("seccomp.security.alpha.kubernetes.io/pod"))
                    .map(|a| seccomp_annotation_type(&a))
            });
        let apparmor = sc
            .and_then(|s| s.app_armor_profile.as_ref())
            .or_else(|| pod_sc.and_then(|s| s.app_armor_profile.as_ref()))
            .map(|p| p.type_.clone())
            .or_else(|| {
                annotation("container.apparmor.security.beta.kubernetes.io/build").map(|a| match a
                    .as_str()
                {
                    "unconfined" => "Unconfined".into(),
                    "runtime/default" => "RuntimeDefault".into(),
                    _ => "Localhost".into(),
                })
            });
        let fuse = container
            .volume_mounts
            .iter()
            .flatten()
            .any(|m| m.mount_path == "/dev/fuse")
            || container
                .resources
                .as_ref()
                .and_then(|r| r.limits.as_ref())
                .is_some_and(|l| l.keys().any(|k| k.contains("fuse")));
        Some(Self {
            uid: identity.map(|i| i.uid),
            capabilities: identity.map(|i| i.capabilities.clone()).unwrap_or_default(),
            privileged: sc.and_then(|s| s.privileged).unwrap_or(false),
            no_new_privs: sc.and_then(|s| s.allow_privilege_escalation) == Some(false),
            seccomp,
            apparmor,
            fuse,
            user_namespace: pod.spec.as_ref().and_then(|s| s.host_users) == Some(false),
            scc: job
                .admission
                .as_ref()
                .and_then(|o| o.scc())
                .map(str::to_string),
            selinux_type: sc
                .and_then(|s| s.se_linux_options.as_ref())
                .or_else(|| pod_sc.and_then(|s| s.se_linux_options.as_ref()))
                .and_then(|o| o.type_.clone()),
            subuid_range: identity
                .is_some_and(|i| has_subuid_range(container.image.as_deref().unwrap_or(""), i.uid)),
        })
    }

    pub fn has_cap(&self, cap: &str) -> bool {
        self.privileged || self.capabilities.contains(cap) || self.capabilities.contains("ALL")
    }

    pub fn is_root(&self) -> bool {
        self.uid == Some(0)
    }

    /// `uid 1000680000 (assigned by SCC `restricted-v2`)`, for messages.
    pub fn describe_uid(&self) -> String {
        match (self.uid, &self.scc) {
            (Some(uid), Some(scc)) => format!("uid {uid} under SCC `{scc}`"),
            (Some(uid), None) => format!("uid {uid}"),
            (None, _) => "an unknown uid".into(),
        }
    }
}

fn seccomp_annotation_type(annotation: &str) -> String {
    match annotation {
        "unconfined" => "Unconfined".into(),
        "runtime/default" | "docker/default" => "RuntimeDefault".into(),
        _ => "Localhost".into(),
    }
}

/// The container named `build`.
pub fn build_container(pod: &Pod) -> Option<&Container> {
    pod.spec
        .as_ref()?
        .containers
        .iter()
        .find(|c| c.name == "build")
}

/// The node facts a build depends on and the inputs cannot show.
#[derive(Clone, Debug)]
pub struct NodeFacts {
    /// Whether the nodes enforce AppArmor (Ubuntu/Debian nodes do; RHCOS uses SELinux).
    pub apparmor: bool,
    /// What an unset seccomp profile means on the nodes.
    pub seccomp_unset: String,
    /// The OpenShift minor version, off OpenShift `None`.
    pub openshift_minor: Option<u32>,
    pub assumptions: Vec<Assumption>,
}

impl NodeFacts {
    pub fn of(analysis: &Analysis) -> Self {
        let platform = analysis.settings.platform().0;
        let openshift = platform.starts_with("openshift");
        let openshift_minor = platform
            .strip_prefix("openshift-4.")
            .and_then(|m| m.parse().ok());
        let mut assumptions = Vec::new();
        let apparmor = match analysis.settings.assumed("node.apparmor") {
            Some(v) => {
                assumptions.push(Assumption::new("node.apparmor", v, "given with --assume"));
                matches!(v, "true" | "enabled" | "yes")
            }
            None => {
                let (value, origin) = if openshift {
                    (
                        "disabled",
                        "OpenShift nodes run RHCOS, which confines containers with SELinux, not AppArmor",
                    )
                } else {
                    (
                        "enabled",
                        "not in the inputs; Ubuntu-based nodes (GKE, AKS, most kubeadm installs) load AppArmor and the runtime applies its default profile",
                    )
                };
                assumptions.push(Assumption::new("node.apparmor", value, origin));
                !openshift
            }
        };
        let seccomp_unset = match analysis.settings.assumed("node.seccomp_unset") {
            Some(v) => {
                assumptions.push(Assumption::new(
                    "node.seccomp_unset",
                    v,
                    "given with --assume",
                ));
                v.to_string()
            }
            None => {
                assumptions.push(Assumption::new(
                    "node.seccomp_unset",
                    "Unconfined",
                    "kubelet's default: a container without a seccomp profile runs Unconfined unless kubelet runs with `--seccomp-default`",
                ));
                "Unconfined".into()
            }
        };
        Self {
            apparmor,
            seccomp_unset,
            openshift_minor,
            assumptions,
        }
    }

    /// The seccomp profile the container really runs with.
    pub fn seccomp<'a>(&'a self, c: &'a BuildContainer) -> &'a str {
        c.seccomp.as_deref().unwrap_or(&self.seccomp_unset)
    }

    /// Whether the container runs under an AppArmor profile that confines mounts.
    pub fn apparmor_confines(&self, c: &BuildContainer) -> bool {
        self.apparmor && !c.privileged && c.apparmor.as_deref() != Some("Unconfined")
    }

    /// Whether seccomp blocks `unshare(CLONE_NEWUSER)` and `mount` for a process without
    /// `CAP_SYS_ADMIN` (the Docker/containerd default profile; FC24).
    pub fn seccomp_blocks_userns(&self, c: &BuildContainer) -> bool {
        !c.privileged && self.seccomp(c) != "Unconfined" && !c.has_cap("SYS_ADMIN")
    }
}

/// A way to build images, and what the container lacks for it.
#[derive(Clone, Debug)]
pub struct Strategy {
    pub name: &'static str,
    /// Each missing prerequisite, as the relaxation that would provide it.
    pub missing: Vec<String>,
    /// How much the missing relaxations loosen the pod's isolation, summed: a capability or
    /// privilege escalation 1, a profile or a chosen uid 2, root 3, a platform upgrade 5,
    /// privileged 10.
    pub cost: u32,
}

impl Strategy {
    fn new(name: &'static str, items: Vec<(u32, String)>) -> Self {
        Self {
            name,
            cost: items.iter().map(|(w, _)| w).sum(),
            missing: items.into_iter().map(|(_, m)| m).collect(),
        }
    }

    pub fn works(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Capabilities a rootful build needs to unpack layers and switch users in `RUN` steps.
const ROOTFUL_CAPS: &[&str] = &["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID"];

/// Every strategy, in order of preference (least privilege first), with what it lacks here.
pub fn strategies(c: &BuildContainer, node: &NodeFacts) -> Vec<Strategy> {
    let root = || {
        (!c.is_root()).then(|| {
            let how = if node.openshift_minor.is_some() {
                "an SCC with `runAsUser: RunAsAny`, such as `anyuid`, bound to a dedicated ServiceAccount"
            } else {
                "no `run_as_user`/`run_as_non_root` for the build container, in a namespace whose Pod Security level allows it"
            };
            (3, format!("uid 0 ({how})"))
        })
    };
    let caps = |extra: &[&str]| -> Option<(u32, String)> {
        let lacking: Vec<String> = ROOTFUL_CAPS
            .iter()
            .chain(extra)
            .filter(|cap| !c.has_cap(cap))
            .map(|cap| format!("`{cap}`"))
            .collect();
        (!lacking.is_empty()).then(|| (1, format!("{} in `capabilities.add`", lacking.join(", "))))
    };
    let lsm = || {
        let mut out = Vec::new();
        if node.seccomp_blocks_userns(c) {
            out.push((
                2,
                "`seccomp_profile.type = \"Unconfined\"` on the build container".to_string(),
            ));
        }
        if node.apparmor_confines(c) {
            out.push((
                2,
                "`app_armor_profile.type = \"Unconfined\"` on the build container".to_string(),
            ));
        }
        out
    };

    let kaniko = Strategy::new(
        "kaniko as root",
        root().into_iter().chain(caps(&[])).collect(),
    );
    let chroot_vfs = Strategy::new(
        "buildah or podman as root with `--isolation chroot` and `STORAGE_DRIVER=vfs`",
        root().into_iter().chain(caps(&["SETFCAP"])).collect(),
    );
    let mut userns = Vec::new();
    if !c.user_namespace {
        if let Some(minor) = node.openshift_minor.filter(|m| *m < 19) {
            userns.push((
                5,
                format!("OpenShift 4.19 or later (4.{minor} has no SCC for user-namespace pods)"),
            ));
        }
        if node.openshift_minor.is_none() {
            // `UserNamespacesSupport` is beta and off by default until Kubernetes 1.33.
            userns.push((
                3,
                "Kubernetes 1.33 or later, or the `UserNamespacesSupport` feature gate, with a runtime that supports user namespaces".to_string(),
            ));
        }
        let scc = if node.openshift_minor.is_some() {
            " and an SCC with `userNamespaceLevel: RequirePodLevel`"
        } else {
            ""
        };
        userns.push((
            2,
            format!("`hostUsers: false` (through a `pod_spec` patch){scc}"),
        ));
    }
    // Nested containers in a user-namespace pod still switch users and, on OpenShift, need the
    // SELinux type made for container engines (OpenShift "nested containers", CRW-8320).
    let ids: Vec<&str> = ["SETUID", "SETGID"]
        .into_iter()
        .filter(|cap| !c.has_cap(cap))
        .collect();
    if !ids.is_empty() {
        userns.push((
            1,
            format!(
                "{} in `capabilities.add`",
                ids.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if node.openshift_minor.is_some() && c.selinux_type.as_deref() != Some("container_engine_t") {
        userns.push((
            1,
            "SELinux type `container_engine_t` (`se_linux_options.type`)".to_string(),
        ));
    }
    let userns_pod = Strategy::new("buildah or podman in a user-namespace pod", userns);
    let mut rootless = Vec::new();
    if c.is_root() || !c.subuid_range {
        rootless.push((2, "a uid with a `/etc/subuid` range in the image (`run_as_user` set to the image's build user)".to_string()));
    }
    let ids: Vec<&str> = ["SETUID", "SETGID"]
        .into_iter()
        .filter(|cap| !c.has_cap(cap))
        .collect();
    if !ids.is_empty() {
        rootless.push((
            1,
            format!(
                "{} in `capabilities.add` (for `newuidmap`/`newgidmap`)",
                ids.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if c.no_new_privs {
        rootless.push((
            1,
            "`allow_privilege_escalation = true` (file capabilities of `newuidmap`)".to_string(),
        ));
    }
    rootless.extend(lsm());
    let rootless_userns = Strategy::new(
        "rootless buildah or podman (user namespace with `newuidmap`)",
        rootless,
    );
    let mut buildkit = Vec::new();
    if c.uid != Some(1000) {
        buildkit.push((2, "uid 1000 (`run_as_user = 1000`; the rootless image's `HOME` and `XDG_RUNTIME_DIR` belong to it)".to_string()));
    }
    buildkit.extend(lsm());
    let rootless_buildkit = Strategy::new(
        "rootless BuildKit (`moby/buildkit:rootless` with `--oci-worker-no-process-sandbox`)",
        buildkit,
    );
    let privileged = Strategy::new(
        "any builder, or Docker-in-Docker, in a privileged container",
        if c.privileged {
            Vec::new()
        } else {
            vec![(
                10,
                "`privileged = true` (an SCC that allows privileged containers)".to_string(),
            )]
        },
    );
    vec![
        kaniko,
        chroot_vfs,
        userns_pod,
        rootless_userns,
        rootless_buildkit,
        privileged,
    ]
}

/// One line per strategy: `works here` or what it lacks.
pub fn advice(c: &BuildContainer, node: &NodeFacts) -> Vec<String> {
    strategies(c, node)
        .iter()
        .map(|s| {
            if s.works() {
                format!("{}: works here", s.name)
            } else {
                format!("{}: needs {}", s.name, s.missing.join(", "))
            }
        })
        .collect()
}

/// The least relaxation: the strategy whose missing relaxations cost least, except that one
/// with the job's own builder is kept when it costs at most one more (switching tools has a
/// cost of its own); on a tie, the least-privilege order.
pub fn least_relaxation(tool: Tool, c: &BuildContainer, node: &NodeFacts) -> Strategy {
    let all = strategies(c, node);
    let own = |s: &Strategy| match tool {
        Tool::Podman | Tool::Buildah => s.name.contains("podman"),
        Tool::Kaniko => s.name.contains("kaniko"),
        Tool::BuildKit => s.name.contains("BuildKit"),
        Tool::DockerDaemon => s.name.contains("Docker"),
    };
    let cheapest = |own_only: bool| {
        all.iter()
            .enumerate()
            .filter(|(_, s)| !own_only || own(s))
            .min_by_key(|(i, s)| (s.cost, *i))
            .map(|(_, s)| s.clone())
    };
    // Invariant: `strategies` always lists the rootless and rootful variants of every tool,
    // so the cheapest of all of them exists.
    #[allow(clippy::expect_used)]
    let best = cheapest(false).expect("the strategy list is not empty");
    match cheapest(true) {
        Some(mine) if mine.cost <= best.cost + 1 => mine,
        _ => best,
    }
}

/// Whether the image defines a user with this uid (the knowledge base's `extra_users` are the
/// ones given subuid ranges, e.g. `podman` 1000 in `quay.io/podman/stable`).
pub fn has_subuid_range(image: &str, uid: i64) -> bool {
    let Some(identity) = kb::image_identity(image) else {
        return false;
    };
    kb::images().ok().is_some_and(|images| {
        images
            .images
            .iter()
            .filter(|e| e.id == identity.value.entry)
            .any(|e| e.extra_users.iter().any(|u| u.uid == Some(uid)))
    })
}

/// The strategy the job's builder uses as written, and what it lacks in this container.
pub fn as_configured(build: &BuildUse, c: &BuildContainer, node: &NodeFacts) -> Strategy {
    let all = strategies(c, node);
    let pick = |index: usize| all[index].clone();
    match build.tool {
        Tool::Podman | Tool::Buildah if c.user_namespace => pick(2),
        Tool::Podman | Tool::Buildah if !c.is_root() => {
            let mut rootless = pick(3);
            // quay.io/podman/stable stores layers with fuse-overlayfs unless told to use vfs.
            if !build.vfs && build.fuse_overlay && !c.fuse {
                rootless.missing.push(
                    "`/dev/fuse` in the build container (for fuse-overlayfs; or `STORAGE_DRIVER=vfs`)".into(),
                );
                rootless.cost += 2;
            }
            rootless
        }
        Tool::Podman | Tool::Buildah if build.vfs && build.chroot_isolation => pick(1),
        Tool::Podman | Tool::Buildah => {
            let mut missing = Vec::new();
            if !build.vfs && !c.has_cap("SYS_ADMIN") {
                missing.push((2, "`CAP_SYS_ADMIN` (to mount overlay storage)".to_string()));
            }
            if !build.chroot_isolation && !c.privileged {
                missing.push((
                    10,
                    "`privileged = true` (for the default OCI isolation of `RUN` steps)".into(),
                ));
            }
            Strategy::new("rootful buildah or podman with overlay storage", missing)
        }
        Tool::Kaniko => pick(0),
        Tool::BuildKit if build.rootless_buildkit => pick(4),
        Tool::BuildKit | Tool::DockerDaemon => pick(5),
    }
}

/// Each pipeline job that builds images, with its prediction and its builder.
pub fn build_jobs(analysis: &Analysis) -> Vec<(&RunnerPrediction, &JobPrediction, Job, BuildUse)> {
    let mut out = Vec::new();
    for prediction in &analysis.predictions {
        for job in &prediction.jobs {
            let JobOrigin::Pipeline { pipeline, name } = &job.origin else {
                continue;
            };
            let Some(doc) = analysis.inputs.pipelines.get(*pipeline) else {
                continue;
            };
            let Some(spec) = crate::model::pipeline::jobs(doc)
                .into_iter()
                .find(|j| &j.name == name)
            else {
                continue;
            };
            if let Some(build) = detect(&spec) {
                out.push((prediction, job, spec, build));
            }
        }
    }
    out
}

/// The build container's image-user assumptions of a job (`image.<ref>.user`).
pub fn image_assumptions(job: &JobPrediction) -> Vec<Assumption> {
    job.access
        .as_ref()
        .map(|a| {
            a.assumptions
                .iter()
                .filter(|a| a.value.ends_with("(container `build`)"))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// A path an image needs writable at run time, from the image knowledge base.
#[derive(Clone, Debug, Deserialize)]
pub struct WritablePath {
    pub path: String,
    pub owner: String,
    pub mode: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Deserialize)]
struct ImagesPaths {
    images: Vec<EntryPaths>,
}

#[derive(Deserialize)]
struct EntryPaths {
    id: String,
    #[serde(default)]
    writable_paths_needed: Vec<WritablePath>,
}

/// The `writable_paths_needed` of the knowledge-base entry for an image reference, with the
/// entry id.
pub fn writable_paths(image: &str) -> Option<(String, Vec<WritablePath>)> {
    static PATHS: std::sync::OnceLock<Vec<EntryPaths>> = std::sync::OnceLock::new();
    let all = PATHS.get_or_init(|| {
        serde_json::from_str::<ImagesPaths>(include_str!("../../data/kb/kb-images.json"))
            .map(|kb| kb.images)
            .unwrap_or_default()
    });
    let id = kb::image_identity(image)?.value.entry;
    let entry = all.iter().find(|e| e.id == id)?;
    Some((id, entry.writable_paths_needed.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kaniko_knows_its_root_owned_paths() {
        let (id, paths) = writable_paths("gcr.io/kaniko-project/executor:debug").unwrap();
        assert_eq!(id, "kaniko-debug");
        let docker = paths.iter().find(|p| p.path == "/kaniko/.docker").unwrap();
        assert_eq!(
            (docker.owner.as_str(), docker.mode.as_str()),
            ("0:0", "0755")
        );
    }

    #[test]
    fn words_name_builders() {
        assert_eq!(tool_of_word("/usr/bin/podman"), Some(Tool::Podman));
        assert_eq!(tool_of_word("buildctl-daemonless.sh"), Some(Tool::BuildKit));
        assert_eq!(tool_of_word("/kaniko/executor"), Some(Tool::Kaniko));
        assert_eq!(tool_of_word("docker"), None);
    }

    fn container(
        uid: i64,
        caps: &[&str],
        no_new_privs: bool,
        seccomp: Option<&str>,
    ) -> BuildContainer {
        BuildContainer {
            uid: Some(uid),
            capabilities: caps.iter().map(|c| c.to_string()).collect(),
            privileged: false,
            no_new_privs,
            seccomp: seccomp.map(str::to_string),
            apparmor: None,
            fuse: false,
            user_namespace: false,
            scc: None,
            subuid_range: false,
            selinux_type: None,
        }
    }

    fn node(apparmor: bool) -> NodeFacts {
        NodeFacts {
            apparmor,
            seccomp_unset: "Unconfined".into(),
            openshift_minor: Some(14),
            assumptions: Vec::new(),
        }
    }

    #[test]
    fn restricted_v2_needs_a_relaxation_for_every_strategy() {
        let c = container(1000680000, &[], true, Some("RuntimeDefault"));
        let all = strategies(&c, &node(false));
        assert!(all.iter().all(|s| !s.works()));
        // Root with the default capabilities is cheaper than privileged or a user namespace.
        let best = least_relaxation(Tool::Buildah, &c, &node(false));
        assert_eq!(best.name, all[1].name);
        assert_eq!(best.cost, 4);
        assert_eq!(
            least_relaxation(Tool::Kaniko, &c, &node(false)).name,
            "kaniko as root"
        );
    }

    #[test]
    fn root_with_default_caps_and_setfcap_builds_with_chroot_and_vfs() {
        let caps = [
            "CHOWN",
            "DAC_OVERRIDE",
            "FOWNER",
            "FSETID",
            "SETUID",
            "SETGID",
            "SETFCAP",
        ];
        let c = container(0, &caps, false, None);
        let all = strategies(&c, &node(false));
        assert!(all[0].works() && all[1].works());
        let overlay = BuildUse {
            tool: Tool::Podman,
            evidence: Span::new(
                crate::source::SourceId(0),
                crate::source::TextRange::empty_at(0),
            ),
            evidence_text: String::new(),
            vfs: false,
            chroot_isolation: true,
            rootless_buildkit: false,
            fuse_overlay: true,
        };
        let configured = as_configured(&overlay, &c, &node(false));
        assert_eq!(
            configured.missing,
            vec!["`CAP_SYS_ADMIN` (to mount overlay storage)"]
        );
    }

    #[test]
    fn rootless_buildkit_needs_both_profiles_unconfined_on_apparmor_nodes() {
        let c = container(1000, &["CHOWN"], false, Some("RuntimeDefault"));
        let buildkit = &strategies(&c, &node(true))[4];
        assert_eq!(buildkit.missing.len(), 2, "{:?}", buildkit.missing);
        let c = container(1000, &["CHOWN"], false, Some("Unconfined"));
        assert_eq!(
            strategies(&c, &node(false))[4].missing,
            Vec::<String>::new()
        );
    }

    #[test]
    fn commands_of_a_line() {
        assert_eq!(
            commands("podman login -u x y && STORAGE_DRIVER=vfs podman build ."),
            vec![("podman", Some("login")), ("podman", Some("build"))]
        );
        assert_eq!(commands("echo podman build")[0].0, "echo");
        assert_eq!(
            commands("sudo -E buildah bud .")[0],
            ("buildah", Some("bud"))
        );
    }
}
