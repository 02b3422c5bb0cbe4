use crate::access::kb;
use crate::admission::SccSet;
use crate::analysis::prediction::JobOrigin;
use crate::model::pipeline;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a job service that needs a privileged container — Docker-in-Docker
    /// (`docker:dind`), whose `dockerd` the image knowledge base marks as needing
    /// `privileged: true` — when the job pod's service container is not privileged, and says
    /// whether any SCC the runner's pods may use would allow it.
    ///
    /// ## Why is this bad?
    /// `dockerd` mounts file systems, sets up cgroups and network namespaces: in an unprivileged
    /// container it exits at start, and every `docker` command of the job fails with `Cannot
    /// connect to the Docker daemon at tcp://docker:2375`. Setting `privileged = true` is not
    /// enough on OpenShift: `restricted-v2` forbids privileged containers, so only an SCC with
    /// `allowPrivilegedContainer: true` bound to the job pods' ServiceAccount admits the pod.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: runner-config, namespace: ci}
    /// data:
    ///   config.toml: |
    ///     [[runners]]
    ///       executor = "kubernetes"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ---
    /// build-image:
    ///   image: docker:27
    ///   services: ["docker:27-dind"]
    ///   script:
    ///     - docker build -t registry.example.org/app .
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {name: runner-config, namespace: ci}
    /// data:
    ///   config.toml: |
    ///     [[runners]]
    ///       executor = "kubernetes"
    ///       [runners.kubernetes]
    ///         namespace = "ci"
    /// ---
    /// build-image:
    ///   image: quay.io/buildah/stable:latest
    ///   variables:
    ///     STORAGE_DRIVER: vfs
    ///   script:
    ///     - buildah bud --isolation chroot -t registry.example.org/app .
    /// ```
    ///
    /// A daemonless builder needs no service; RD505 says which one works in the admitted pod.
    ///
    /// ## References
    /// - [Use Docker to build Docker images: Docker-in-Docker with the Kubernetes executor](https://docs.gitlab.com/ci/docker/using_docker_build/)
    /// - [Managing security context constraints](https://docs.openshift.com/container-platform/4.14/authentication/managing-security-context-constraints.html)
    pub static PRIVILEGED_SERVICE_DENIED = {
        code: "RD703",
        name: "privileged-service-denied",
        group: Correctness,
        fix: None,
    }
}

fn check(cx: &mut Context) {
    let analysis = cx.analysis;
    let platform = analysis.settings.platform().0;
    let defaults = SccSet::platform(&platform);
    let allows_privileged = |name: &str| {
        analysis
            .inputs
            .cluster
            .scc(name, None)
            .map(|(_, scc)| scc.allow_privileged_container)
            .or_else(|| {
                defaults
                    .as_ref()
                    .and_then(|d| d.get(name))
                    .map(|s| s.allow_privileged_container)
            })
            .unwrap_or(false)
    };
    for prediction in &analysis.predictions {
        for job in &prediction.jobs {
            let JobOrigin::Pipeline { pipeline, name } = &job.origin else {
                continue;
            };
            // A refused pod is RD301's finding; here the pod runs, unprivileged.
            let Some(pod) = job.running_pod() else {
                continue;
            };
            let Some(spec) = analysis
                .inputs
                .pipelines
                .get(*pipeline)
                .and_then(|doc| pipeline::jobs(doc).into_iter().find(|j| &j.name == name))
            else {
                continue;
            };
            for service in &spec.services {
                let needs = kb::image_identity(&service.name.value)
                    .is_some_and(|a| a.value.entry == "docker-dind");
                if !needs {
                    continue;
                }
                let container = pod.spec.as_ref().and_then(|s| {
                    s.containers
                        .iter()
                        .find(|c| c.image.as_deref() == Some(service.name.value.as_str()))
                });
                let privileged = container
                    .and_then(|c| c.security_context.as_ref())
                    .and_then(|sc| sc.privileged)
                    .unwrap_or(false);
                if privileged {
                    continue;
                }
                let usable: Vec<&str> = prediction
                    .usable_sccs
                    .iter()
                    .filter(|u| u.by_service_account || u.by_requester)
                    .map(|u| u.name.as_str())
                    .collect();
                let allowing: Vec<&str> = usable
                    .iter()
                    .copied()
                    .filter(|n| allows_privileged(n))
                    .collect();
                let diagnostic = cx.report(
                    Some(service.name.span),
                    format!(
                        "service `{}` of job `{name}` runs `dockerd`, which needs a privileged container, but the service container is not privileged: the daemon exits at start and the job's `docker` commands cannot connect to it",
                        service.name.value
                    ),
                );
                diagnostic.primary_label("needs `privileged: true`");
                if let Some(runner) = analysis.runner_ref(prediction)
                    && let Some(span) = runner.span_at(&["kubernetes", "privileged"])
                {
                    diagnostic.label(span, "the runner's setting");
                }
                if job.admission.is_some() {
                    let scc = job.admission.as_ref().and_then(|o| o.scc()).unwrap_or("?");
                    if allowing.is_empty() {
                        diagnostic.note(format!(
                            "the pod is admitted by SCC `{scc}`; no usable SCC ({}) allows privileged containers, so `privileged = true` alone would get every job pod refused",
                            usable.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ")
                        ));
                    } else {
                        diagnostic.note(format!(
                            "SCC {} usable by the job pods allows privileged containers",
                            allowing
                                .iter()
                                .map(|u| format!("`{u}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
                diagnostic.help("build with a daemonless builder instead (buildah with `--isolation chroot` and `STORAGE_DRIVER=vfs`, see RD505); or, for a runner dedicated to such jobs, set `privileged = true` and bind an SCC with `allowPrivilegedContainer: true` to its own ServiceAccount");
            }
        }
    }
}
