use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports each fact a `probe` pod observed on the real platform that differs from
    /// runner-doctor's prediction for the job pod: the helper's uid, gid or groups, the owner and
    /// mode of the cache volume's root, whether a directory could be created there, and the SCC
    /// that admitted the pod.
    ///
    /// ## Why is this bad?
    /// The prediction rests on the inputs and on assumptions (a fresh volume's root, the helper
    /// image's user, a CSI driver's `fsGroupPolicy`). A mismatch means one of them does not hold
    /// on this cluster, and the findings built on it may be wrong; the observed root is fed back
    /// into the access model (as `--assume volume.NAME.root=…`) so the other findings of the same
    /// run already use it.
    ///
    /// ## Example
    /// A volume root the model assumed fresh (`0755 root:root`) but that someone already opened:
    /// ```text
    /// runner-doctor probe --namespace ci-team --config-map team-runner-config --yes
    /// root: predicted 0:0:0755, observed 0:0:0777
    /// ```
    ///
    /// Use instead: record the fact, so offline checks start from it:
    /// ```sh
    /// runner-doctor check snapshot.yaml --assume volume.team-runner-cache.root=0:0:0777
    /// ```
    ///
    /// ## References
    /// - [Kubernetes: configure a security context for a pod](https://kubernetes.io/docs/tasks/configure-pod-container/security-context/)
    pub static PROBE_CONTRADICTS_PREDICTION = {
        code: "RD407",
        name: "probe-contradicts-prediction",
        group: Suspicious,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    for probe in &analysis.inputs.probes {
        let prediction = analysis
            .predictions
            .iter()
            .find(|p| p.config == probe.config && p.runner == probe.runner);
        // The cache volume's `name = "..."` line in the user's config, else the runner entry.
        let primary = prediction.and_then(|prediction| {
            let job_pod = prediction.representative().pod.as_ref().ok()?;
            let index = job_pod
                .pod
                .spec
                .as_ref()?
                .volumes
                .as_ref()?
                .iter()
                .position(|v| v.name == probe.volume)?;
            let key = analysis.field_key(job_pod, &format!("spec.volumes[{index}]"))?;
            analysis.key_span(prediction.config, &key.key("name"))
        });
        let primary = primary.or_else(|| {
            prediction
                .and_then(|p| analysis.runner_ref(p))
                .map(|r| r.span())
        });
        for item in probe.items.iter().filter(|i| !i.matches) {
            let what = match item.item {
                "uid" => "the helper's uid",
                "gid" => "the helper's primary gid",
                "groups" => "the helper's groups",
                "root" => "the cache volume root (uid:gid:mode)",
                "mkdir" => "creating a directory in the cache volume root",
                "scc" => "the admitting SCC",
                other => other,
            };
            let diagnostic = cx.report(
                primary,
                format!(
                    "the probe pod observed {what} as `{}` where runner-doctor predicted `{}` for volume `{}`",
                    item.observed, item.predicted, probe.volume
                ),
            );
            if item.item == "scc" {
                diagnostic.note("the probe pod is created by you, not by the runner's ServiceAccount: SCCs only you may use can admit it");
            }
            if let (Err(error), "mkdir") = (&probe.observation.mkdir, item.item)
                && !error.is_empty()
            {
                diagnostic.note(format!("`mkdir` said: {error}"));
            }
        }
    }
}
