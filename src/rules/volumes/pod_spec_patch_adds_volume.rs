use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports each volume a `[[runners.kubernetes.pod_spec]]` patch adds to the job pods,
    /// with its kind (a Secret, a hostPath…) and the containers that mount it.
    ///
    /// ## Why is this bad?
    /// A patch is applied to the whole generated pod spec when
    /// `FF_USE_ADVANCED_POD_SPEC_CONFIGURATION` is on (reference gitlab-runner-k8s.md §2;
    /// `PodSpecPatch`, common/config.go): what it adds appears in no
    /// `[runners.kubernetes.volumes]` key, so a review of the config, or a check of its keys,
    /// misses it. A Secret mounted in the `build` container is readable by every job's script.
    /// Nothing fails; it is worth knowing.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   environment = ["FF_USE_ADVANCED_POD_SPEC_CONFIGURATION=true"]
    ///   [runners.kubernetes]
    ///     [[runners.kubernetes.pod_spec]]
    ///       name = "kubeconfig"
    ///       patch = '''
    ///         containers:
    ///           - name: build
    ///             volumeMounts:
    ///               - { name: kubeconfig, mountPath: /tmp/kubeconfig }
    ///         volumes:
    ///           - { name: kubeconfig, secret: { secretName: kubeconfig } }
    ///       '''
    /// ```
    ///
    /// Use instead: the runner's own volume table, which needs no feature flag.
    /// ```toml
    /// [[runners]]
    ///   [runners.kubernetes]
    ///     [[runners.kubernetes.volumes.secret]]
    ///       name = "kubeconfig"
    ///       mount_path = "/tmp/kubeconfig"
    /// ```
    ///
    /// ## References
    /// - [GitLab Runner: overwrite generated pod specifications](https://docs.gitlab.com/runner/executors/kubernetes/#overwrite-generated-pod-specifications)
    pub static POD_SPEC_PATCH_ADDS_VOLUME = {
        code: "RD405",
        name: "pod-spec-patch-adds-volume",
        group: Advice,
        fix: None,
    }
}

/// The kinds of volume source, as the pod spec names them.
const KINDS: &[(&str, &str)] = &[
    ("secret", "Secret"),
    ("configMap", "ConfigMap"),
    ("hostPath", "hostPath"),
    ("persistentVolumeClaim", "PVC"),
    ("emptyDir", "emptyDir"),
    ("csi", "CSI"),
    ("nfs", "NFS"),
    ("projected", "projected"),
    ("downwardAPI", "downwardAPI"),
    ("ephemeral", "ephemeral"),
];

fn check(cx: &mut Context) {
    let mut found = Vec::new();
    for prediction in &cx.analysis.predictions {
        let job = prediction.representative();
        let Ok(job_pod) = &job.pod else { continue };
        let Some(spec) = job_pod.pod.spec.as_ref() else {
            continue;
        };
        for (index, volume) in spec.volumes.iter().flatten().enumerate() {
            let field = format!("spec.volumes[{index}]");
            // The patch set this volume (or a field of it) when a provenance entry at or
            // below it names a `pod_spec` patch.
            let from_patch = job_pod.provenance.iter().any(|p| {
                let below = p.pod_path == field
                    || p.pod_path
                        .strip_prefix(&field)
                        .is_some_and(|rest| rest.starts_with('.'));
                below
                    && matches!(&p.source, crate::pod::Source::Config(key)
                        if key.to_string().contains(".pod_spec["))
            });
            if !from_patch {
                continue;
            }
            let json = serde_json::to_value(volume).unwrap_or_default();
            let (kind, what) = KINDS
                .iter()
                .find_map(|(field, kind)| {
                    json.get(*field).map(|source| {
                        let named = ["secretName", "name", "claimName", "path", "server"]
                            .iter()
                            .find_map(|k| source.get(*k).and_then(|v| v.as_str()));
                        (*kind, named.map(|n| format!(" `{n}`")).unwrap_or_default())
                    })
                })
                .unwrap_or(("other", String::new()));
            let mounts: Vec<String> = spec
                .init_containers
                .iter()
                .flatten()
                .chain(spec.containers.iter())
                .flat_map(|c| {
                    c.volume_mounts
                        .iter()
                        .flatten()
                        .filter(|m| m.name == volume.name)
                        .map(move |m| format!("`{}` at `{}`", c.name, m.mount_path))
                })
                .collect();
            let span = cx.analysis.field_span(prediction, job_pod, &field);
            found.push((span, volume.name.clone(), kind, what, mounts));
        }
    }
    for (span, name, kind, what, mounts) in found {
        let mounted = if mounts.is_empty() {
            "mounted in no container".to_string()
        } else {
            format!("mounted in {}", mounts.join(", "))
        };
        let d = cx.report(
            span,
            format!(
                "a `pod_spec` patch adds volume `{name}` ({kind}{what}) to every job pod, {mounted}; no volume key of the config shows it"
            ),
        );
        d.primary_label("adds the volume");
        if kind == "Secret" && mounts.iter().any(|m| m.starts_with("`build`")) {
            d.note("every job's script can read this Secret: the build container runs them");
        }
        d.help("declare it in `[runners.kubernetes.volumes]` instead when the runner's volume tables can express it; they need no feature flag and are checked like any other volume");
    }
}
