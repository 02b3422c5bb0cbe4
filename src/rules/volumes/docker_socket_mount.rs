use crate::rules::{Context, declare_rule};
use crate::source::{Node, Span};

declare_rule! {
    /// ## What it does
    /// Reports a `[[runners.kubernetes.volumes.host_path]]` that mounts the Docker socket
    /// (`/var/run/docker.sock` or `/run/docker.sock`) into the job pods.
    ///
    /// ## Why is this bad?
    /// Kubernetes nodes run containerd or CRI-O, not Docker: on OpenShift and on current
    /// Kubernetes (dockershim was removed in 1.24) there is no Docker daemon behind the path,
    /// so `docker` in the job fails to connect — or kubelet creates an empty directory there.
    /// Where a daemon does listen, the socket gives every job root on the node, bypassing the
    /// pod's security context; on OpenShift the hostPath volume also needs an SCC such as
    /// `hostmount-anyuid` or `privileged` (reference openshift-scc.md §5).
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   [runners.kubernetes]
    ///     [[runners.kubernetes.volumes.host_path]]
    ///       name = "docker"
    ///       mount_path = "/var/run/docker.sock"
    ///       host_path = "/var/run/docker.sock"
    /// ```
    ///
    /// Use instead: build images without a daemon (rootless BuildKit, buildah, kaniko), or run
    /// a `docker:dind` service in the job pod when a privileged SCC is acceptable.
    /// ```toml
    /// [[runners]]
    ///   [runners.kubernetes]
    ///     namespace = "ci"
    /// ```
    ///
    /// ## References
    /// - [Kubernetes: dockershim removal FAQ](https://kubernetes.io/blog/2022/02/17/dockershim-faq/)
    /// - [GitLab: use Docker to build Docker images](https://docs.gitlab.com/ci/docker/using_docker_build/)
    pub static DOCKER_SOCKET_MOUNT = {
        code: "RD406",
        name: "docker-socket-mount",
        group: Correctness,
        fix: None,
    }
}

const SOCKETS: &[&str] = &["/var/run/docker.sock", "/run/docker.sock"];

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for config in &cx.analysis.inputs.configs {
        // The whole tree, not only well-formed `[[runners]]` entries: a snippet whose tables
        // come before any `[[runners]]` still says what it would mount.
        let mut tables = Vec::new();
        host_path_tables(&config.root, false, &mut tables);
        for table in tables {
            let path = table.get("host_path").and_then(Node::as_str);
            let mount = table.get("mount_path").and_then(Node::as_str);
            let Some(socket) = path.or(mount).filter(|p| SOCKETS.contains(p)) else {
                continue;
            };
            let entry = table
                .entry("host_path")
                .or_else(|| table.entry("mount_path"));
            let span = entry.map_or(Span::new(config.source, table.range), |e| {
                Span::new(config.source, e.key_range.cover(e.value.range))
            });
            found.push((span, socket.to_string()));
        }
    }
    let (platform, platform_assumed) = cx.analysis.settings.platform();
    let openshift = platform.starts_with("openshift");
    for (span, socket) in found {
        let why = if openshift {
            "OpenShift nodes run CRI-O"
        } else {
            "Kubernetes nodes run containerd or CRI-O since dockershim was removed in 1.24"
        };
        let d = cx.report(
            Some(span),
            format!(
                "the job pods mount `{socket}` from the node, but {why}: no Docker daemon answers there, so `docker` commands in jobs fail"
            ),
        );
        // The finding rests on the platform: name it when it was not given.
        if let Some(assumed) = &platform_assumed {
            d.assume(assumed.clone());
        }
        if !openshift {
            d.assume(crate::diagnostic::Assumption::new(
                "node.container_runtime",
                "containerd",
                "the default of current Kubernetes distributions; nodes with Docker Engine and cri-dockerd do have a daemon",
            ));
        }
        d.primary_label("no Docker daemon on the node")
        .note("where a daemon does listen, the socket gives every job root on the node")
        .help("build images without a daemon (rootless BuildKit, buildah or kaniko), or use a `docker:dind` service where a privileged SCC is acceptable; remove this volume");
    }
}

/// Every item of a `volumes.host_path` array anywhere in the tree.
fn host_path_tables<'a>(node: &'a Node, under_volumes: bool, out: &mut Vec<&'a Node>) {
    for entry in node.entries() {
        if under_volumes && entry.key == "host_path" {
            out.extend(entry.value.items().iter().filter(|i| i.is_map()));
            if entry.value.is_map() {
                out.push(&entry.value);
            }
            continue;
        }
        host_path_tables(&entry.value, entry.key == "volumes", out);
    }
    for item in node.items() {
        host_path_tables(item, false, out);
    }
}
