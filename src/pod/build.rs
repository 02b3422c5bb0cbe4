//! Assembles the job pod from one `[[runners]]` entry and a job, following the executor's own
//! order of construction (`preparePodConfig`, `createBuildAndHelperContainers`,
//! `buildInitContainers`, `getVolumes`/`getVolumeMounts`, `preparePodServices` in
//! `executors/kubernetes/kubernetes.go`), then the `[[pod_spec]]` patches, the stage plan and the
//! cache layout. Version differences are gated with [`since`]; provenance is collected as
//! `(pod JSON path, source)` pairs while fields are set.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity as K8sAffinity, CSIVolumeSource, ConfigMapVolumeSource, Container,
    EmptyDirVolumeSource, EnvVar, ExecAction, HTTPGetAction, HTTPHeader, HostAlias,
    HostPathVolumeSource, KeyToPath, Lifecycle, LifecycleHandler, LocalObjectReference,
    NFSVolumeSource, NodeAffinity as K8sNodeAffinity, NodeSelector as K8sNodeSelector,
    NodeSelectorRequirement, NodeSelectorTerm as K8sNodeSelectorTerm,
    PersistentVolumeClaimVolumeSource, Pod, PodAffinity as K8sPodAffinity,
    PodAffinityTerm as K8sPodAffinityTerm, PodAntiAffinity, PodDNSConfig, PodDNSConfigOption,
    PodSpec, PreferredSchedulingTerm as K8sPreferred, Probe, ResourceRequirements,
    SecretVolumeSource, SecurityContext, TCPSocketAction, Toleration, Volume, VolumeMount,
    WeightedPodAffinityTerm as K8sWeighted,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector as K8sLabelSelector, LabelSelectorRequirement, ObjectMeta,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::model::runner::{
    ContainerLifecycle, KeyPath, KubernetesConfig, LabelSelector, LifecycleHandler as CfgHandler,
    NodeSelectorTerm, PodAffinity, PodAffinityTerm, RunnerEntry, SelectorRequirement,
};

use super::security::{self, JobUser, RelProv, Table};
use super::stages::{self, CacheContext, ChownMode, PlanInput, ProjectFiles};
use super::util::{Vars, clean_path, is_dns1123_label, join_path, parse_quantity, short_token};
use super::version::{
    FF_ACTIVE_DEADLINE, FF_ADVANCED_POD_SPEC, FF_CONCRETE, FF_DISABLE_UMASK, FF_DUMB_INIT,
    FF_HASH_CACHE_KEYS, FF_HONOR_ENTRYPOINT, FF_LEGACY_EXEC, FF_POWERSHELL_PATH_RESOLVER,
    FF_SUSPENDABLE, FeatureFlags, since,
};
use super::{BuildOptions, Job, JobPod, PodError, Provenance, Source};

/// `shells.BashDetectShellScript` with `$@` replaced by nothing: the Kubernetes executor uses a
/// normal (not login) shell (K L133; `bashDetectScript`, `shells/bash.go`).
const DETECT_SHELL: &str = "if [ -x /usr/local/bin/bash ]; then\n\texec /usr/local/bin/bash \nelif [ -x /usr/bin/bash ]; then\n\texec /usr/bin/bash \nelif [ -x /bin/bash ]; then\n\texec /bin/bash \nelif [ -x /usr/local/bin/sh ]; then\n\texec /usr/local/bin/sh \nelif [ -x /usr/bin/sh ]; then\n\texec /usr/bin/sh \nelif [ -x /bin/sh ]; then\n\texec /bin/sh \nelif [ -x /busybox/sh ]; then\n\texec /busybox/sh \nelse\n\techo shell not found\n\texit 1\nfi\n\n";

/// The default helper image repository from 15.1 (before that, Docker Hub; reference §3.4).
const HELPER_REGISTRY: &str = "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper";

/// Collects warnings and provenance while the pod is built.
struct Cx<'a> {
    v: &'a semver::Version,
    k: &'a KubernetesConfig,
    kbase: KeyPath,
    rbase: KeyPath,
    vars: Vars,
    warnings: Vec<String>,
    assumptions: Vec<String>,
}

fn key(base: &KeyPath, rest: &str) -> KeyPath {
    KeyPath::parse(&format!("{base}.{rest}"))
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// Builds the job pod the runner would create for `job` with the `[[runners]]` entry `runner`.
///
/// Returns [`PodError`] when the runner would fail the job before creating a pod (no image, a
/// `GIT_CLONE_PATH` outside `builds_dir`, an unsupported `dns_policy`, a broken `[[pod_spec]]`
/// patch). Everything the runner only logs is in [`JobPod::warnings`].
pub fn build(runner: &RunnerEntry, job: &Job, opts: &BuildOptions) -> Result<JobPod, PodError> {
    let default_k = KubernetesConfig::default();
    let k = runner.kubernetes.as_ref().unwrap_or(&default_k);
    let v = &opts.runner_version;
    let rbase = KeyPath::parse(&format!("runners[{}]", opts.runner_index));
    let mut cx = Cx {
        v,
        k,
        kbase: rbase.key("kubernetes"),
        rbase,
        vars: Vars::default(),
        warnings: Vec::new(),
        assumptions: Vec::new(),
    };
    let mut prov: Vec<Provenance> = Vec::new();

    if runner.executor.as_deref() != Some("kubernetes") {
        cx.warnings.push(format!(
            "executor is {:?}, not \"kubernetes\"; the pod below is what the Kubernetes executor would build",
            runner.executor.as_deref().unwrap_or("")
        ));
    }

    if matches!(runner.shell.as_deref(), Some("pwsh" | "powershell")) {
        cx.warnings.push(
            "PowerShell stage commands and Windows helpers are not modelled; the stage plan assumes bash"
                .into(),
        );
    }

    // Variables: runner `environment` then job variables; the later entry wins.
    let runner_env: Vec<(String, String, usize)> = runner
        .environment
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.split_once('=').map(|(a, b)| (a.into(), b.into(), i)))
        .collect();
    let mut job_vars = Vars::default();
    for (a, b) in &job.variables {
        job_vars.push(a, b);
    }
    let ff = FeatureFlags::resolve(
        v,
        runner,
        opts.runner_index,
        &runner_env,
        &job_vars,
        &mut cx.warnings,
    );
    for (flag, what) in [
        (FF_SUSPENDABLE, "suspendable environments"),
        (FF_CONCRETE, "the step-runner (Concrete) pod builder"),
    ] {
        if ff.is_on(flag) {
            cx.warnings.push(format!(
                "{flag} is on: {what} change the pod in ways runner-doctor does not model"
            ));
        }
    }
    // Exec mode is the only mode before the flag existed (12.9).
    let legacy = ff.is_on(FF_LEGACY_EXEC) || !since(v, 12, 9);
    let dumb_init = ff.is_on(FF_DUMB_INIT);
    let umask_ff = ff.is_on(FF_DISABLE_UMASK);
    let honor = ff.is_on(FF_HONOR_ENTRYPOINT);
    // Exec mode keeps the scripts volume for dumb-init only from 16.7 (reference §4).
    let scripts_volume = !legacy || (dumb_init && since(v, 16, 7));
    let logs_volume = !legacy;

    let builds_dir = non_empty(&runner.builds_dir)
        .unwrap_or("/builds")
        .to_string();
    let cache_dir = non_empty(&runner.cache_dir).unwrap_or("/cache").to_string();
    let project_path = job
        .project_path
        .clone()
        .unwrap_or_else(|| opts.project_path.clone());
    let short = short_token(runner.token.as_deref().unwrap_or(""));

    // ProjectUniqueName, made RFC 1123 compatible (`dns.MakeRFC1123Compatible`).
    let unique_name: String = format!(
        "runner-{short}-project-{}-concurrent-{}",
        opts.project_id, opts.concurrent_project_id
    )
    .to_ascii_lowercase()
    .chars()
    .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
    .skip_while(|c| !c.is_ascii_alphanumeric())
    .take(63)
    .collect();

    // Predefined variables first, then runner environment, then the job's.
    cx.vars.push("CI_BUILDS_DIR", &builds_dir);
    cx.vars.push("CI_PROJECT_PATH", &project_path);
    cx.vars.push("CI_PROJECT_ID", opts.project_id.to_string());
    cx.vars.push("CI_JOB_ID", opts.job_id.to_string());
    cx.vars
        .push("CI_CONCURRENT_ID", opts.concurrent_id.to_string());
    cx.vars.push(
        "CI_CONCURRENT_PROJECT_ID",
        opts.concurrent_project_id.to_string(),
    );
    cx.vars.push("CI_RUNNER_VERSION", v.to_string());
    cx.vars.push("CI_RUNNER_SHORT_TOKEN", &short);
    for (a, b, _) in &runner_env {
        cx.vars.push(a, b);
    }
    for (a, b) in &job.variables {
        cx.vars.push(a, b);
    }

    // Build image: the job's, else `[runners.kubernetes] image` (checkDefaults).
    let (image, image_src) = match job.image.as_deref().filter(|s| !s.is_empty()) {
        Some(i) => (i.to_string(), Source::Job("image".into())),
        None => match non_empty(&k.image).map(|i| cx.vars.expand(i)) {
            Some(i) if !i.is_empty() => (i, Source::Config(cx.kbase.key("image"))),
            _ => return Err(PodError::NoImage),
        },
    };

    let mut scripts_dir = base_dir(
        &cx,
        "/scripts",
        &k.scripts_base_dir,
        opts.project_id,
        opts.job_id,
    );
    let mut logs_dir = base_dir(&cx, "/logs", &k.logs_base_dir, opts.project_id, opts.job_id);

    // Volumes and mounts.
    let user = user_volumes(&mut cx);
    let repo_required = !user.mounts.iter().any(|m| m.mount_path == builds_dir);
    let mut volumes = user.volumes.clone();
    let mut volume_prov = user.volume_prov.clone();
    let empty = |name: &str| Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Default::default()
    };
    let exec_src = |what: &str| Source::Default(format!("executor volume `{what}`"));
    if repo_required {
        volumes.push(empty("repo"));
        volume_prov.push(exec_src("repo"));
    }
    if scripts_volume && !since(v, 15, 8) {
        // Until 15.7 the scripts came from a ConfigMap the executor creates for the job
        // (`setupScriptsConfigMap`, generateName `<ProjectUniqueName>-scripts`), mounted with
        // mode 0777; 15.8 made the volume an emptyDir (gitlab-runner v15.7.0 and v15.8.0,
        // executors/kubernetes/kubernetes.go `getVolumes`).
        volumes.push(Volume {
            name: "scripts".into(),
            config_map: Some(ConfigMapVolumeSource {
                name: format!("{unique_name}-scripts"),
                default_mode: Some(0o777),
                optional: Some(false),
                ..Default::default()
            }),
            ..Default::default()
        });
        volume_prov.push(Source::Default(
            "executor volume `scripts`: the ConfigMap of the job's scripts, created per job (its name gets a random suffix)".into(),
        ));
    } else if scripts_volume {
        volumes.push(empty("scripts"));
        volume_prov.push(exec_src("scripts"));
    }
    if logs_volume {
        volumes.push(empty("logs"));
        volume_prov.push(exec_src("logs"));
    }
    for (i, s) in volume_prov.into_iter().enumerate() {
        prov.push(Provenance {
            pod_path: format!("spec.volumes[{i}]"),
            source: s,
        });
    }
    let mut mounts: Vec<(VolumeMount, Source)> = Vec::new();
    if scripts_volume {
        mounts.push((mount("scripts", &scripts_dir), exec_src("scripts")));
    }
    if logs_volume {
        mounts.push((mount("logs", &logs_dir), exec_src("logs")));
    }
    mounts.extend(user.mounts.into_iter().zip(user.mount_prov));
    if repo_required {
        mounts.push((
            mount("repo", &builds_dir),
            Source::Config(cx.rbase.key("builds_dir")),
        ));
    }

    // Shared builds dir: the volume at builds_dir is not an emptyDir (isSharedBuildsDirRequired).
    let shared = !repo_required && {
        let backing = mounts
            .iter()
            .find(|(m, _)| m.mount_path == builds_dir)
            .map(|(m, _)| m.name.clone())
            .unwrap_or_else(|| "repo".into());
        !volumes
            .iter()
            .any(|vol| vol.name == backing && vol.empty_dir.is_some())
    };
    let mut slug = project_path.clone();
    if cx.vars.get("GIT_STRATEGY") == Some("empty") {
        slug.push_str("-empty");
    }
    let unique_dir = if shared {
        join_path(&[&short, &opts.concurrent_project_id.to_string(), &slug])
    } else {
        slug.clone()
    };
    let project_dir = project_dir(runner, &cx, &builds_dir, &unique_dir)?;
    // Before 13.11 the scripts and logs lived in the project's temporary directory,
    // `<CI_PROJECT_DIR>.tmp/scripts` and `.../logs` (`TmpProjectDir`, common/build.go); 13.11
    // moved them to `/scripts-<project>-<job>` and `/logs-<project>-<job>` (gitlab-runner v13.10.0
    // and v13.11.0, executors/kubernetes/kubernetes.go `scriptsDir`, `logsDir`).
    if !since(v, 13, 11) {
        let tmp = format!("{project_dir}.tmp");
        scripts_dir = join_path(&[&tmp, "scripts"]);
        logs_dir = join_path(&[&tmp, "logs"]);
        for (m, _) in mounts.iter_mut() {
            match m.name.as_str() {
                "scripts" => m.mount_path = scripts_dir.clone(),
                "logs" => m.mount_path = logs_dir.clone(),
                _ => {}
            }
        }
    }

    // Pull policy: the first configured policy applies to every container.
    let pull_policy = pull_policy(&mut cx);

    // Images.
    let (helper_image, helper_src) = helper_image(&mut cx, runner, opts);

    // allowed_images applies to the build image, allowed_services (14.2) to services.
    let cfg_image = cx.vars.expand(non_empty(&k.image).unwrap_or(""));
    let internal = [cfg_image.as_str(), helper_image.as_str()];
    verify_allowed(&image, &k.allowed_images, &internal, "images")?;
    if since(v, 14, 2) {
        let config_services = k.services.iter().filter_map(|s| non_empty(&s.name));
        let names: Vec<String> = config_services
            .map(|n| cx.vars.expand(n))
            .chain(job.services.iter().map(|s| s.name.clone()))
            .filter(|n| !n.is_empty())
            .collect();
        for name in &names {
            verify_allowed(name, &k.allowed_services, &internal, "services")?;
        }
    }

    // Commands: DockerCommand, optionally behind dumb-init (getContainerCommand).
    let mut shell_cmd = vec!["sh".to_string(), "-c".into(), DETECT_SHELL.into()];
    if dumb_init {
        let mut c = vec![join_path(&[&scripts_dir, "dumb-init"]), "--".into()];
        c.append(&mut shell_cmd);
        shell_cmd = c;
    }

    // Environment of the build container (GetAllVariables().PublicOrInternal()).
    let mut env: Vec<(EnvVar, Source)> = Vec::new();
    for (name, f) in &ff.flags {
        env.push((env_var(name, &f.value.to_string()), flag_source(&ff, name)));
    }
    env.push((env_var("CI_JOB_IMAGE", &image), image_src.clone()));
    for (a, b, i) in &runner_env {
        if ff.flags.contains_key(a) {
            continue;
        }
        env.push((
            env_var(a, b),
            Source::Config(key(&cx.rbase, &format!("environment[{i}]"))),
        ));
    }
    env.push((
        env_var("CI_BUILDS_DIR", &builds_dir),
        Source::Config(cx.rbase.key("builds_dir")),
    ));
    env.push((
        env_var("CI_PROJECT_DIR", &project_dir),
        Source::Default("the job's project directory".into()),
    ));
    for (a, b) in &job.variables {
        if ff.flags.contains_key(a) {
            continue;
        }
        env.push((env_var(a, b), Source::Job(format!("variables.{a}"))));
    }

    let lifecycle = lifecycle(k.container_lifecycle.as_ref());

    // Build container.
    let (mut build_sc, mut build_scp) = security::container_security_context(
        v,
        k,
        &cx.kbase,
        &Table {
            key: "build_container_security_context",
            value: k.build_container_security_context.as_ref(),
        },
        &mut cx.warnings,
    );
    let image_user = job.image_user.as_deref();
    security::apply_uid_gid(
        v,
        k,
        &cx.kbase,
        "build",
        JobUser::Image(image_user),
        &mut build_sc,
        &mut build_scp,
        &mut cx.warnings,
    );
    let (build_res, build_resp) = resources(&mut cx, "", "")?;
    let mut containers: Vec<(Container, RelProv)> = Vec::new();
    {
        let mut c = base_container("build", &image, &pull_policy, &mounts, lifecycle.clone());
        let mut p: RelProv = vec![("image".into(), image_src.clone())];
        // Exec mode honouring the entrypoint (17.4+): the shell first writes a marker file that a
        // startup probe waits for (getContainerCommand, buildContainerStartupProbe).
        let startup_probe = honor && legacy && since(v, 17, 4);
        let build_cmd = if startup_probe {
            let marker = join_path(&[&builds_dir, ".gitlab-startup-marker"]);
            vec![
                "sh".to_string(),
                "-c".into(),
                format!(">'{marker}'; {DETECT_SHELL}"),
            ]
        } else {
            shell_cmd.clone()
        };
        set_command(&mut c, honor, build_cmd, &job.image_entrypoint, &[], false);
        if startup_probe {
            let shell = non_empty(&runner.shell).unwrap_or("bash").to_string();
            let interval = k.poll_interval.filter(|i| *i > 0).unwrap_or(3);
            let timeout = k.poll_timeout.filter(|i| *i > 0).unwrap_or(180);
            c.startup_probe = Some(Probe {
                exec: Some(ExecAction {
                    command: Some(vec![
                        shell,
                        "-c".into(),
                        "test -e \"$1\" || { echo -n \"$2\"; exit 1; }".into(),
                        "--".into(),
                        join_path(&[&builds_dir, ".gitlab-startup-marker"]),
                        "gitlab-runner shell not up yet".into(),
                    ]),
                }),
                success_threshold: Some(1),
                initial_delay_seconds: Some(1),
                period_seconds: Some(interval as i32),
                failure_threshold: Some((timeout / interval) as i32),
                ..Default::default()
            });
        }
        c.env = Some(env.iter().map(|(e, _)| e.clone()).collect());
        for (i, (_, s)) in env.iter().enumerate() {
            p.push((format!("env[{i}]"), s.clone()));
        }
        c.resources = build_res.clone();
        p.extend(build_resp.iter().cloned());
        c.security_context = Some(build_sc.clone());
        p.extend(prefix_prov("securityContext", &build_scp));
        p.extend(pull_policy_prov(&cx, &pull_policy));
        containers.push((c, p));
    }

    // Helper container: never the job user; no env.
    {
        let (mut sc, mut scp) = security::container_security_context(
            v,
            k,
            &cx.kbase,
            &Table {
                key: "helper_container_security_context",
                value: k.helper_container_security_context.as_ref(),
            },
            &mut cx.warnings,
        );
        security::apply_uid_gid(
            v,
            k,
            &cx.kbase,
            "helper",
            JobUser::None,
            &mut sc,
            &mut scp,
            &mut cx.warnings,
        );
        let (res, resp) = resources(&mut cx, "helper_", "HELPER_")?;
        let mut c = base_container(
            "helper",
            &helper_image,
            &pull_policy,
            &mounts,
            lifecycle.clone(),
        );
        let mut p: RelProv = vec![("image".into(), helper_src.clone())];
        set_command(&mut c, honor, shell_cmd.clone(), &[], &[], false);
        c.resources = res;
        p.extend(resp);
        c.security_context = Some(sc);
        p.extend(prefix_prov("securityContext", &scp));
        p.extend(pull_policy_prov(&cx, &pull_policy));
        containers.push((c, p));
    }

    // Services: config `[[services]]` first, then the job's; sorted by container name.
    let mut service_hosts = Vec::new();
    let services = services(
        &mut cx,
        job,
        &env,
        &pull_policy,
        &mounts,
        &lifecycle,
        honor,
        &mut service_hosts,
    )?;
    containers.extend(services);

    // Init containers (buildInitContainers).
    let mut init: Vec<(Container, RelProv)> = Vec::new();
    if umask_ff {
        let (mut sc, mut scp) = security::container_security_context(
            v,
            k,
            &cx.kbase,
            &Table {
                key: "build_container_security_context",
                value: k.build_container_security_context.as_ref(),
            },
            &mut cx.warnings,
        );
        security::apply_uid_gid(
            v,
            k,
            &cx.kbase,
            "init-build-uid-gid-collector",
            JobUser::Image(image_user),
            &mut sc,
            &mut scp,
            &mut cx.warnings,
        );
        let mut c = base_container(
            "init-build-uid-gid-collector",
            &image,
            &pull_policy,
            &mounts,
            None,
        );
        c.stdin = None;
        c.command = Some(vec![
            "sh".into(),
            "-c".into(),
            format!("> {}", join_path(&[&builds_dir, &uid_gid_file_name(v)])),
        ]);
        let mut p: RelProv = vec![
            ("image".into(), image_src.clone()),
            ("command".into(), flag_source(&ff, FF_DISABLE_UMASK)),
        ];
        c.resources = build_res.clone();
        p.extend(build_resp.iter().cloned());
        c.security_context = Some(sc);
        p.extend(prefix_prov("securityContext", &scp));
        init.push((c, p));
    }
    // Attach mode's init container (reference §2.3), as it changed over the releases
    // (gitlab-runner tags, executors/kubernetes/kubernetes.go): none before 13.2 (v13.1.0 builds
    // the pod without one); `change-logs-permissions` from 13.2, which chmods the whole logs
    // directory and fails where the pod's user does not own it (field case FC03), on `busybox`
    // until 13.6 and the helper image from 13.7; `init-logs` from 13.11, which only touches
    // the log file and tolerates a failed chmod; `init-permissions` from 14.2.
    if since(v, 13, 2) && (!legacy || (dumb_init && since(v, 16, 7))) {
        let name = if since(v, 14, 2) {
            "init-permissions"
        } else if since(v, 13, 11) {
            "init-logs"
        } else {
            "change-logs-permissions"
        };
        let (image, image_src) = if since(v, 13, 7) {
            (helper_image.as_str(), helper_src.clone())
        } else {
            (
                "busybox",
                Source::Default("the executor's image for this init container before 13.7".into()),
            )
        };
        let mut c = base_container(name, image, &pull_policy, &mounts, None);
        c.stdin = None;
        let mut p: RelProv = vec![("image".into(), image_src)];
        let mut parts = Vec::new();
        let log_file = join_path(&[&logs_dir, "output.log"]);
        if !legacy && since(v, 13, 11) {
            parts.push(format!(
                "touch {log_file} && (chmod 777 {log_file} || exit 0)"
            ));
        } else if !legacy {
            parts.push(format!("touch {log_file} && chmod -R 777 {logs_dir}"));
        }
        if dumb_init {
            parts.push(format!("cp /usr/bin/dumb-init {scripts_dir}"));
        }
        c.command = Some(vec!["sh".into(), "-c".into(), parts.join(";\n")]);
        let (res, resp) = resources(&mut cx, "helper_", "HELPER_")?;
        c.resources = res;
        p.extend(resp);
        // The init container has a security context only from 15.2 (reference §2.8).
        if since(v, 15, 2) {
            let (sc, scp) = security::container_security_context(
                v,
                k,
                &cx.kbase,
                &Table {
                    key: "init_permissions_container_security_context",
                    value: k.init_permissions_container_security_context.as_ref(),
                },
                &mut cx.warnings,
            );
            c.security_context = Some(sc);
            p.extend(prefix_prov("securityContext", &scp));
        }
        init.push((c, p));
    }

    // Mount provenance is the same in every container.
    let mount_prov: RelProv = mounts
        .iter()
        .enumerate()
        .map(|(i, (_, s))| (format!("volumeMounts[{i}]"), s.clone()))
        .collect();
    for (field, entries) in [("containers", &containers), ("initContainers", &init)] {
        for (i, (_, p)) in entries.iter().enumerate() {
            for (rel, src) in p.iter().chain(mount_prov.iter()) {
                prov.push(Provenance {
                    pod_path: format!("spec.{field}[{i}].{rel}"),
                    source: src.clone(),
                });
            }
        }
    }

    // Pod security context.
    let (pod_sc, pod_scp) = security::pod_security_context(v, k, &cx.kbase, &mut cx.warnings);
    for (rel, src) in pod_scp {
        prov.push(Provenance {
            pod_path: format!("spec.securityContext.{rel}"),
            source: src,
        });
    }

    let mut spec = PodSpec {
        containers: containers.into_iter().map(|(c, _)| c).collect(),
        init_containers: if init.is_empty() {
            None
        } else {
            Some(init.into_iter().map(|(c, _)| c).collect())
        },
        volumes: Some(volumes),
        restart_policy: Some("Never".into()),
        security_context: pod_sc,
        ..Default::default()
    };
    let namespace = pod_fields(&mut cx, &mut spec, &mut prov, &ff, job, opts, service_hosts)?;

    // `[[pod_spec]]` patches, applied to the whole spec (K L2332–2340).
    if !k.pod_spec.is_empty() {
        if since(v, 15, 10) && ff.is_on(FF_ADVANCED_POD_SPEC) {
            cx.warnings.push("Advanced Pod Spec configuration enabled, merging the provided PodSpec to the generated one. This is a beta feature and is subject to change.".into());
            spec = apply_patches(&mut cx, spec, &mut prov)?;
        } else {
            cx.warnings.push(format!(
                "`[[runners.kubernetes.pod_spec]]` is set but {FF_ADVANCED_POD_SPEC} is off; the runner ignores the patches"
            ));
        }
    }

    let metadata = metadata(&mut cx, &unique_name, namespace, opts, job, &mut prov)?;
    let pod = Pod {
        metadata,
        spec: Some(spec),
        status: None,
    };

    // Cache and stages.
    let remote = runner
        .cache
        .as_ref()
        .filter(|c| non_empty(&c.cache_type).is_some())
        .map(|c| {
            (
                c.path.clone().unwrap_or_default(),
                c.shared.unwrap_or(false),
            )
        });
    let cache_cx = CacheContext {
        cache_dir: cache_dir.clone(),
        project_path: slug.clone(),
        project_dir: project_dir.clone(),
        project_id: opts.project_id,
        short_token: short.clone(),
        hash_keys: ff.is_on(FF_HASH_CACHE_KEYS),
        absolute_paths: ff.is_on(FF_POWERSHELL_PATH_RESOLVER),
        remote,
    };
    let cache = match job.cache_key.as_deref() {
        Some(kk) => {
            let l = cache_cx.layout(kk);
            if l.is_none() {
                cx.warnings
                    .push(format!("cache key {kk:?} could not be sanitized"));
            }
            l
        }
        None => None,
    };
    // 17.11 switched the helper to /bin/bash under the umask flag and added the full chown.
    let full_umask_fix = umask_ff && since(v, 17, 11);
    let chown = if since(v, 17, 11) {
        ChownMode::Full
    } else if umask_ff && runner.shell.as_deref() == Some("bash") {
        ChownMode::CacheDirOnly
    } else {
        ChownMode::None
    };
    let mut helper_cmd: Vec<String> = if full_umask_fix {
        vec!["/bin/bash".into()]
    } else {
        vec!["gitlab-runner-build".into()]
    };
    // proxy_exec (17.10) wraps the helper command (helperimage/linux_info.go).
    if runner.proxy_exec == Some(true) && since(v, 17, 10) {
        let mut wrapped: Vec<String> = ["gitlab-runner-helper", "proxy-exec", "--bootstrap"]
            .map(String::from)
            .to_vec();
        wrapped.append(&mut helper_cmd);
        helper_cmd = wrapped;
    }
    let project_cache_dir = join_path(&[&cache_dir, &slug]);
    let uid_gid_file = join_path(&[&builds_dir, &uid_gid_file_name(v)]);
    let stages = stages::plan(&PlanInput {
        helper_cmd,
        scripts_dir: &scripts_dir,
        logs_dir: &logs_dir,
        legacy_exec: legacy,
        umask_wrapper: !full_umask_fix,
        chown,
        builds_dir: &builds_dir,
        project_dir: &project_dir,
        cache: cache.as_ref(),
        project_cache_dir: &project_cache_dir,
        uid_gid_file,
        pre_get_sources: non_empty(&runner.pre_get_sources_script),
        post_get_sources: non_empty(&runner.post_get_sources_script),
        pre_build: non_empty(&runner.pre_build_script),
        post_build: non_empty(&runner.post_build_script),
        user_script: &job.script,
    });
    let project_files = project_files(
        &pod,
        &mut cx,
        opts,
        full_umask_fix,
        non_empty(&k.helper_image).is_none(),
    );

    Ok(JobPod {
        pod,
        runner_version: v.clone(),
        feature_flags: ff,
        stages,
        cache,
        project_dir,
        builds_dir,
        cache_dir,
        shared_builds_dir: shared,
        project_files,
        warnings: cx.warnings,
        assumptions: cx.assumptions,
        provenance: prov,
        cache_cx,
    })
}

/// The provenance of a resolved feature flag.
fn flag_source(ff: &FeatureFlags, name: &str) -> Source {
    match ff.flags.get(name).map(|f| &f.source) {
        Some(super::FlagSource::Config(k) | super::FlagSource::RunnerEnvironment(k)) => {
            Source::Config(k.clone())
        }
        Some(super::FlagSource::JobVariable) => Source::Job(format!("variables.{name}")),
        _ => Source::Default(format!("{name} default")),
    }
}

/// doublestar-style match used by `allowed_images`/`allowed_services` (`common/allowed_images.go`):
/// `**` spans `/`, `*` and `?` do not.
fn glob_match(p: &[u8], s: &[u8]) -> bool {
    match p {
        [] => s.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=s.len()).any(|i| glob_match(rest, &s[i..])),
        [b'*', rest @ ..] => (0..=s.len())
            .take_while(|i| *i == 0 || s[i - 1] != b'/')
            .any(|i| glob_match(rest, &s[i..])),
        [b'?', rest @ ..] => !s.is_empty() && s[0] != b'/' && glob_match(rest, &s[1..]),
        [c, rest @ ..] => s.first() == Some(c) && glob_match(rest, &s[1..]),
    }
}

/// `VerifyAllowedImage`: an empty list allows everything; internal images are always allowed.
fn verify_allowed(
    image: &str,
    allowed: &[String],
    internal: &[&str],
    what: &str,
) -> Result<(), PodError> {
    if allowed.is_empty()
        || allowed
            .iter()
            .any(|a| glob_match(a.as_bytes(), image.as_bytes()))
        || internal.contains(&image)
    {
        return Ok(());
    }
    Err(PodError::Config(format!(
        "The {image:?} image is not present on list of allowed {what}: {allowed:?}"
    )))
}

fn uid_gid_file_name(v: &semver::Version) -> String {
    // 17.2–17.10 wrote a misspelt marker (reference §3.3).
    if since(v, 17, 11) {
        ".gitlab-build-uid-gid".into()
    } else {
        ".giltab-build-uid-gid".into()
    }
}

/// `baseDir`: from 17.5 trailing `/` and `\` are trimmed and `/scripts` or `/logs` appended;
/// 17.2–17.4 concatenated the raw prefix; before 17.2 the keys do not exist.
fn base_dir(cx: &Cx<'_>, default: &str, cfg: &Option<String>, project: i64, job: i64) -> String {
    let base = match non_empty(cfg).filter(|_| since(cx.v, 17, 2)) {
        Some(c) if since(cx.v, 17, 5) => format!("{}{default}", c.trim_end_matches(['/', '\\'])),
        Some(c) => c.to_string(),
        None => default.to_string(),
    };
    format!("{base}-{project}-{job}")
}

fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        ..Default::default()
    }
}

fn env_var(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        value_from: None,
    }
}

fn prefix_prov(prefix: &str, p: &RelProv) -> RelProv {
    p.iter()
        .map(|(rel, s)| (format!("{prefix}.{rel}"), s.clone()))
        .collect()
}

fn pull_policy_prov(cx: &Cx<'_>, pp: &Option<String>) -> RelProv {
    match pp {
        Some(_) => vec![(
            "imagePullPolicy".into(),
            Source::Config(cx.kbase.key("pull_policy")),
        )],
        None => Vec::new(),
    }
}

fn base_container(
    name: &str,
    image: &str,
    pull_policy: &Option<String>,
    mounts: &[(VolumeMount, Source)],
    lifecycle: Option<Lifecycle>,
) -> Container {
    Container {
        name: name.into(),
        image: Some(image.into()),
        image_pull_policy: pull_policy.clone(),
        volume_mounts: Some(mounts.iter().map(|(m, _)| m.clone()).collect()),
        lifecycle,
        stdin: Some(true),
        ..Default::default()
    }
}

/// `getCommandAndArgs`: with `FF_KUBERNETES_HONOR_ENTRYPOINT` the command is empty and the shell
/// goes to args; otherwise the given command (or, for services, the image entrypoint) and the
/// image's command as args.
fn set_command(
    c: &mut Container,
    honor: bool,
    command: Vec<String>,
    entrypoint: &[String],
    args: &[String],
    is_service: bool,
) {
    if honor {
        c.command = None;
        c.args = (!command.is_empty() && !is_service).then_some(command);
        return;
    }
    let cmd = if command.is_empty() && !entrypoint.is_empty() {
        entrypoint.to_vec()
    } else {
        command
    };
    c.command = (!cmd.is_empty()).then_some(cmd);
    c.args = (!args.is_empty()).then(|| args.to_vec());
}

/// Pull policy names as the runner accepts them (`GetPullPolicies`).
fn pull_policy(cx: &mut Cx<'_>) -> Option<String> {
    let list = cx.k.pull_policy.as_ref()?.to_vec();
    let first = list.into_iter().find(|s| !s.is_empty())?;
    match first.as_str() {
        "always" => Some("Always".into()),
        "if-not-present" => Some("IfNotPresent".into()),
        "never" => Some("Never".into()),
        other => {
            cx.warnings.push(format!(
                "unsupported pull_policy {other:?}; the runner rejects it"
            ));
            None
        }
    }
}

/// The helper image: `helper_image` (variables expanded) or the default registry image whose tag
/// is `[<flavor>-]<arch>-v<version>[-pwsh]` (`helperimage/linux_info.go`).
fn helper_image(cx: &mut Cx<'_>, runner: &RunnerEntry, opts: &BuildOptions) -> (String, Source) {
    let v = cx.v;
    if let Some(h) = non_empty(&cx.k.helper_image) {
        return (
            cx.vars.expand(h),
            Source::Config(cx.kbase.key("helper_image")),
        );
    }
    let flavor = non_empty(&cx.k.helper_image_flavor)
        .filter(|_| since(v, 14, 0))
        .unwrap_or("alpine");
    let prefix = if flavor == "alpine" {
        String::new()
    } else {
        format!("{flavor}-")
    };
    let autoset = cx.k.helper_image_autoset_arch_and_os == Some(true) && since(v, 16, 5);
    let arch = if autoset {
        match opts.arch.as_str() {
            "amd64" | "x86_64" => "x86_64",
            "arm64" | "aarch64" => "arm64",
            "arm" | "armv6l" | "armv7l" => "arm",
            other => other,
        }
        .to_string()
    } else {
        "x86_64".into()
    };
    if !since(v, 16, 8) {
        cx.assumptions.push(format!(
            "runner {v} tags its helper image by commit revision; the tag shown uses v{v} as a stand-in"
        ));
    }
    let registry = if since(v, 15, 1) {
        HELPER_REGISTRY
    } else {
        "gitlab/gitlab-runner-helper"
    };
    let suffix = if runner.shell.as_deref() == Some("pwsh") {
        "-pwsh"
    } else {
        ""
    };
    let src = if prefix.is_empty() {
        Source::Default("default helper image".into())
    } else {
        Source::Config(cx.kbase.key("helper_image_flavor"))
    };
    (format!("{registry}:{prefix}{arch}-v{v}{suffix}"), src)
}

/// The value of one resource key of `[runners.kubernetes]`.
fn res_key<'a>(k: &'a KubernetesConfig, name: &str) -> Option<&'a String> {
    let v = match name {
        "cpu_limit" => &k.cpu_limit,
        "cpu_limit_overwrite_max_allowed" => &k.cpu_limit_overwrite_max_allowed,
        "cpu_request" => &k.cpu_request,
        "cpu_request_overwrite_max_allowed" => &k.cpu_request_overwrite_max_allowed,
        "memory_limit" => &k.memory_limit,
        "memory_limit_overwrite_max_allowed" => &k.memory_limit_overwrite_max_allowed,
        "memory_request" => &k.memory_request,
        "memory_request_overwrite_max_allowed" => &k.memory_request_overwrite_max_allowed,
        "ephemeral_storage_limit" => &k.ephemeral_storage_limit,
        "ephemeral_storage_limit_overwrite_max_allowed" => {
            &k.ephemeral_storage_limit_overwrite_max_allowed
        }
        "ephemeral_storage_request" => &k.ephemeral_storage_request,
        "ephemeral_storage_request_overwrite_max_allowed" => {
            &k.ephemeral_storage_request_overwrite_max_allowed
        }
        "service_cpu_limit" => &k.service_cpu_limit,
        "service_cpu_limit_overwrite_max_allowed" => &k.service_cpu_limit_overwrite_max_allowed,
        "service_cpu_request" => &k.service_cpu_request,
        "service_cpu_request_overwrite_max_allowed" => &k.service_cpu_request_overwrite_max_allowed,
        "service_memory_limit" => &k.service_memory_limit,
        "service_memory_limit_overwrite_max_allowed" => {
            &k.service_memory_limit_overwrite_max_allowed
        }
        "service_memory_request" => &k.service_memory_request,
        "service_memory_request_overwrite_max_allowed" => {
            &k.service_memory_request_overwrite_max_allowed
        }
        "service_ephemeral_storage_limit" => &k.service_ephemeral_storage_limit,
        "service_ephemeral_storage_limit_overwrite_max_allowed" => {
            &k.service_ephemeral_storage_limit_overwrite_max_allowed
        }
        "service_ephemeral_storage_request" => &k.service_ephemeral_storage_request,
        "service_ephemeral_storage_request_overwrite_max_allowed" => {
            &k.service_ephemeral_storage_request_overwrite_max_allowed
        }
        "helper_cpu_limit" => &k.helper_cpu_limit,
        "helper_cpu_limit_overwrite_max_allowed" => &k.helper_cpu_limit_overwrite_max_allowed,
        "helper_cpu_request" => &k.helper_cpu_request,
        "helper_cpu_request_overwrite_max_allowed" => &k.helper_cpu_request_overwrite_max_allowed,
        "helper_memory_limit" => &k.helper_memory_limit,
        "helper_memory_limit_overwrite_max_allowed" => &k.helper_memory_limit_overwrite_max_allowed,
        "helper_memory_request" => &k.helper_memory_request,
        "helper_memory_request_overwrite_max_allowed" => {
            &k.helper_memory_request_overwrite_max_allowed
        }
        "helper_ephemeral_storage_limit" => &k.helper_ephemeral_storage_limit,
        "helper_ephemeral_storage_limit_overwrite_max_allowed" => {
            &k.helper_ephemeral_storage_limit_overwrite_max_allowed
        }
        "helper_ephemeral_storage_request" => &k.helper_ephemeral_storage_request,
        "helper_ephemeral_storage_request_overwrite_max_allowed" => {
            &k.helper_ephemeral_storage_request_overwrite_max_allowed
        }
        "pod_cpu_limit" => &k.pod_cpu_limit,
        "pod_cpu_limit_overwrite_max_allowed" => &k.pod_cpu_limit_overwrite_max_allowed,
        "pod_cpu_request" => &k.pod_cpu_request,
        "pod_cpu_request_overwrite_max_allowed" => &k.pod_cpu_request_overwrite_max_allowed,
        "pod_memory_limit" => &k.pod_memory_limit,
        "pod_memory_limit_overwrite_max_allowed" => &k.pod_memory_limit_overwrite_max_allowed,
        "pod_memory_request" => &k.pod_memory_request,
        "pod_memory_request_overwrite_max_allowed" => &k.pod_memory_request_overwrite_max_allowed,
        _ => &None,
    };
    v.as_ref().filter(|s| !s.trim().is_empty())
}

/// Limits and requests for one container kind (`prefix` `""`, `service_`, `helper_`, `pod_`),
/// with the job-variable overwrites `KUBERNETES_<VAR_PREFIX><RES>_<LIMIT|REQUEST>`
/// (`executors/kubernetes/overwrites.go` `evaluateMaxResourceOverwrite`): without
/// `*_overwrite_max_allowed` the overwrite is disabled; above the maximum, or with an unparsable
/// quantity, the job fails (`createResourceList`).
fn resources(
    cx: &mut Cx<'_>,
    prefix: &str,
    var_prefix: &str,
) -> Result<(Option<ResourceRequirements>, RelProv), PodError> {
    let mut rr = ResourceRequirements::default();
    let mut prov = RelProv::new();
    let kinds: &[(&str, &str, &str)] = if prefix == "pod_" {
        &[("cpu", "cpu", "CPU"), ("memory", "memory", "Memory")]
    } else {
        &[
            ("cpu", "cpu", "CPU"),
            ("memory", "memory", "Memory"),
            ("ephemeral_storage", "ephemeral-storage", "EphemeralStorage"),
        ]
    };
    let who = match prefix {
        "" => "build",
        "service_" => "service",
        "helper_" => "helper",
        _ => "Pod",
    };
    for (kind, field, go_kind) in [
        ("limit", "limits", "Limit"),
        ("request", "requests", "Request"),
    ] {
        let fail =
            |msg: String| PodError::Config(format!("invalid {who} {field} specified: {msg}"));
        for (res, k8s_name, go_res) in kinds {
            let cfg_key = format!("{prefix}{res}_{kind}");
            let mut value = res_key(cx.k, &cfg_key).cloned();
            let mut src = Source::Config(cx.kbase.key(&cfg_key));
            let var = format!(
                "KUBERNETES_{var_prefix}{}_{}",
                res.to_ascii_uppercase(),
                kind.to_ascii_uppercase()
            );
            let max_key = format!("{cfg_key}_overwrite_max_allowed");
            if let (Some(ov), Some(max)) = (
                cx.vars
                    .get(&var)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                res_key(cx.k, &max_key).cloned(),
            ) {
                let (Some(a), Some(b)) = (parse_quantity(&ov), parse_quantity(&max)) else {
                    return Err(fail(format!(
                        "parsing resource limit: {var}={ov:?}, max {max:?}"
                    )));
                };
                if a > b {
                    return Err(fail(format!(
                        "the resource \"{go_res}{go_kind}\" requested {ov:?} is higher than limit allowed {max:?}"
                    )));
                }
                value = Some(ov);
                src = Source::Job(format!("variables.{var}"));
            }
            let Some(value) = value else { continue };
            if parse_quantity(&value).is_none() {
                return Err(fail(format!("invalid {k8s_name} quantity {value:?}")));
            }
            let map = if field == "limits" {
                &mut rr.limits
            } else {
                &mut rr.requests
            };
            map.get_or_insert_with(BTreeMap::new)
                .insert(k8s_name.to_string(), Quantity(value));
            prov.push((format!("resources.{field}.{k8s_name}"), src));
        }
    }
    if rr == ResourceRequirements::default() {
        Ok((None, prov))
    } else {
        Ok((Some(rr), prov))
    }
}

/// User volumes in the executor's kind order with their mounts (`getVolumesForConfig`,
/// `getVolumeMountsForConfig`).
struct UserVolumes {
    volumes: Vec<Volume>,
    volume_prov: Vec<Source>,
    mounts: Vec<VolumeMount>,
    mount_prov: Vec<Source>,
}

fn user_volumes(cx: &mut Cx<'_>) -> UserVolumes {
    let k = &cx.k.volumes;
    let v = cx.v;
    let vb = cx.kbase.key("volumes");
    let mut out = UserVolumes {
        volumes: Vec::new(),
        volume_prov: Vec::new(),
        mounts: Vec::new(),
        mount_prov: Vec::new(),
    };
    let expand = |cx: &Cx<'_>, s: &Option<String>| cx.vars.expand(s.as_deref().unwrap_or(""));
    let opt = |s: String| (!s.is_empty()).then_some(s);
    let push_mount = |out: &mut UserVolumes,
                      name: String,
                      path: String,
                      sub: String,
                      ro: Option<bool>,
                      prop: Option<String>,
                      src: KeyPath| {
        out.mounts.push(VolumeMount {
            name,
            mount_path: path,
            sub_path: opt(sub),
            read_only: ro.filter(|r| *r),
            mount_propagation: prop,
            ..Default::default()
        });
        out.mount_prov.push(Source::Config(src));
    };
    let named =
        |cx: &mut Cx<'_>, kind: &str, i: usize, name: &Option<String>, mp: &Option<String>| {
            if non_empty(name).is_none() || non_empty(mp).is_none() {
                cx.warnings.push(format!(
                "`volumes.{kind}[{i}]` has no name or mount_path; the API server rejects the pod"
            ));
            }
        };
    // Mounts come in kind order host_path, secret, pvc, config_map, empty_dir, csi, nfs.
    let propagation = |cx: &Cx<'_>, p: &Option<String>| {
        non_empty(p)
            .filter(|_| since(cx.v, 17, 2))
            .map(str::to_string)
    };
    for (i, h) in k.host_path.iter().enumerate() {
        named(cx, "host_path", i, &h.name, &h.mount_path);
        let name = h.name.clone().unwrap_or_default();
        // Backward compatibility with 9.3: an empty host_path means mount_path (not expanded).
        let path = non_empty(&h.host_path)
            .or(non_empty(&h.mount_path))
            .unwrap_or("")
            .to_string();
        out.volumes.push(Volume {
            name: name.clone(),
            host_path: Some(HostPathVolumeSource { path, type_: None }),
            ..Default::default()
        });
        let src = key(&vb, &format!("host_path[{i}]"));
        out.volume_prov.push(Source::Config(src.clone()));
        push_mount(
            &mut out,
            name,
            expand(cx, &h.mount_path),
            expand(cx, &h.sub_path),
            h.read_only,
            propagation(cx, &h.mount_propagation),
            src,
        );
    }
    for (i, s) in k.secret.iter().enumerate() {
        named(cx, "secret", i, &s.name, &s.mount_path);
        let name = s.name.clone().unwrap_or_default();
        out.volumes.push(Volume {
            name: name.clone(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(name.clone()),
                items: items(&s.items),
                ..Default::default()
            }),
            ..Default::default()
        });
        let src = key(&vb, &format!("secret[{i}]"));
        out.volume_prov.push(Source::Config(src.clone()));
        push_mount(
            &mut out,
            name,
            expand(cx, &s.mount_path),
            expand(cx, &s.sub_path),
            s.read_only,
            None,
            src,
        );
    }
    // PVCs: de-duplicated on the raw name; the name is expanded from 16.3.
    let mut seen: Vec<String> = Vec::new();
    for (i, p) in k.pvc.iter().enumerate() {
        named(cx, "pvc", i, &p.name, &p.mount_path);
        let raw = p.name.clone().unwrap_or_default();
        let resolved = if since(v, 16, 3) {
            cx.vars.expand(&raw)
        } else {
            raw.clone()
        };
        let src = key(&vb, &format!("pvc[{i}]"));
        if !seen.contains(&raw) {
            seen.push(raw.clone());
            out.volumes.push(Volume {
                name: resolved.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: resolved.clone(),
                    read_only: None,
                }),
                ..Default::default()
            });
            out.volume_prov.push(Source::Config(src.clone()));
        }
        push_mount(
            &mut out,
            resolved,
            expand(cx, &p.mount_path),
            expand(cx, &p.sub_path),
            p.read_only,
            propagation(cx, &p.mount_propagation),
            src,
        );
    }
    for (i, c) in k.config_map.iter().enumerate() {
        named(cx, "config_map", i, &c.name, &c.mount_path);
        let name = c.name.clone().unwrap_or_default();
        out.volumes.push(Volume {
            name: name.clone(),
            config_map: Some(ConfigMapVolumeSource {
                name: name.clone(),
                items: items(&c.items),
                ..Default::default()
            }),
            ..Default::default()
        });
        let src = key(&vb, &format!("config_map[{i}]"));
        out.volume_prov.push(Source::Config(src.clone()));
        push_mount(
            &mut out,
            name,
            expand(cx, &c.mount_path),
            expand(cx, &c.sub_path),
            c.read_only,
            None,
            src,
        );
    }
    for (i, e) in k.empty_dir.iter().enumerate() {
        named(cx, "empty_dir", i, &e.name, &e.mount_path);
        let name = e.name.clone().unwrap_or_default();
        // size_limit (16.6): an invalid quantity only logs a warning (parseVolumeSizeLimit).
        let size_limit = match non_empty(&e.size_limit)
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) if since(v, 16, 6) => {
                if parse_quantity(s).is_some() {
                    Some(Quantity(s.to_string()))
                } else {
                    cx.warnings.push(format!(
                        "invalid limit quantity {s:?} for empty volume {name:?}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
                    ));
                    None
                }
            }
            _ => None,
        };
        out.volumes.push(Volume {
            name: name.clone(),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: non_empty(&e.medium).map(str::to_string),
                size_limit,
            }),
            ..Default::default()
        });
        let src = key(&vb, &format!("empty_dir[{i}]"));
        out.volume_prov.push(Source::Config(src.clone()));
        push_mount(
            &mut out,
            name,
            expand(cx, &e.mount_path),
            expand(cx, &e.sub_path),
            None,
            propagation(cx, &e.mount_propagation),
            src,
        );
    }
    if !k.csi.is_empty() && !since(v, 13, 11) {
        cx.warnings.push(format!(
            "`volumes.csi` needs runner 13.11; runner {v} ignores it"
        ));
    }
    for (i, c) in k.csi.iter().enumerate().filter(|_| since(v, 13, 11)) {
        named(cx, "csi", i, &c.name, &c.mount_path);
        let name = c.name.clone().unwrap_or_default();
        out.volumes.push(Volume {
            name: name.clone(),
            csi: Some(CSIVolumeSource {
                driver: c.driver.clone().unwrap_or_default(),
                fs_type: Some(c.fs_type.clone().unwrap_or_default()),
                read_only: Some(c.read_only.unwrap_or(false)),
                volume_attributes: (!c.volume_attributes.is_empty())
                    .then(|| c.volume_attributes.clone()),
                node_publish_secret_ref: None,
            }),
            ..Default::default()
        });
        let src = key(&vb, &format!("csi[{i}]"));
        out.volume_prov.push(Source::Config(src.clone()));
        push_mount(
            &mut out,
            name,
            expand(cx, &c.mount_path),
            expand(cx, &c.sub_path),
            c.read_only,
            None,
            src,
        );
    }
    if !k.nfs.is_empty() && !since(v, 19, 0) {
        cx.warnings.push(format!(
            "`volumes.nfs` needs runner 19.0; runner {v} ignores it"
        ));
    }
    for (i, n) in k.nfs.iter().enumerate().filter(|_| since(v, 19, 0)) {
        named(cx, "nfs", i, &n.name, &n.mount_path);
        let name = n.name.clone().unwrap_or_default();
        out.volumes.push(Volume {
            name: name.clone(),
            nfs: Some(NFSVolumeSource {
                path: n.path.clone().unwrap_or_default(),
                read_only: Some(n.read_only.unwrap_or(false)),
                server: n.server.clone().unwrap_or_default(),
            }),
            ..Default::default()
        });
        let src = key(&vb, &format!("nfs[{i}]"));
        out.volume_prov.push(Source::Config(src.clone()));
        push_mount(
            &mut out,
            name,
            expand(cx, &n.mount_path),
            expand(cx, &n.sub_path),
            n.read_only,
            None,
            src,
        );
    }
    out
}

fn items(m: &BTreeMap<String, String>) -> Option<Vec<KeyToPath>> {
    (!m.is_empty()).then(|| {
        m.iter()
            .map(|(k, p)| KeyToPath {
                key: k.clone(),
                path: p.clone(),
                mode: None,
            })
            .collect()
    })
}

/// `CI_PROJECT_DIR`: `<builds_dir>/<unique dir>`, or a `GIT_CLONE_PATH` within `builds_dir` when
/// `custom_build_dir` is enabled (default true on Kubernetes; `getCustomBuildDir`).
fn project_dir(
    runner: &RunnerEntry,
    cx: &Cx<'_>,
    builds_dir: &str,
    unique_dir: &str,
) -> Result<String, PodError> {
    let Some(clone_path) = cx.vars.get("GIT_CLONE_PATH").filter(|s| !s.is_empty()) else {
        return Ok(join_path(&[builds_dir, unique_dir]));
    };
    let clone_path = cx.vars.expand(clone_path);
    let enabled = runner
        .custom_build_dir
        .as_ref()
        .and_then(|c| c.enabled)
        .unwrap_or(true);
    if !enabled {
        return Err(PodError::Config(
            "setting GIT_CLONE_PATH is not allowed, enable `custom_build_dir` feature".into(),
        ));
    }
    let cleaned = clean_path(&clone_path);
    let root = clean_path(builds_dir);
    if cleaned != root && !cleaned.starts_with(&format!("{}/", root.trim_end_matches('/'))) {
        return Err(PodError::Config(format!(
            "the GIT_CLONE_PATH={clone_path:?} has to be within {builds_dir:?}"
        )));
    }
    Ok(cleaned)
}

fn lifecycle(l: Option<&ContainerLifecycle>) -> Option<Lifecycle> {
    let l = l?;
    if l.post_start.is_none() && l.pre_stop.is_none() {
        return None;
    }
    let conv = |h: &CfgHandler| LifecycleHandler {
        exec: h.exec.as_ref().map(|e| ExecAction {
            command: Some(e.command.clone()),
        }),
        http_get: h.http_get.as_ref().map(|g| HTTPGetAction {
            host: g.host.clone(),
            http_headers: (!g.http_headers.is_empty()).then(|| {
                g.http_headers
                    .iter()
                    .map(|hh| HTTPHeader {
                        name: hh.name.clone().unwrap_or_default(),
                        value: hh.value.clone().unwrap_or_default(),
                    })
                    .collect()
            }),
            path: g.path.clone(),
            port: IntOrString::Int(g.port.unwrap_or(0) as i32),
            scheme: g.scheme.clone(),
        }),
        tcp_socket: h.tcp_socket.as_ref().map(|t| TCPSocketAction {
            host: t.host.clone(),
            port: IntOrString::Int(t.port.unwrap_or(0) as i32),
        }),
        sleep: None,
    };
    Some(Lifecycle {
        post_start: l.post_start.as_ref().map(conv),
        pre_stop: l.pre_stop.as_ref().map(conv),
        stop_signal: None,
    })
}

/// Service containers (`prepareOptions`, `getServiceName`, `preparePodServices`).
#[allow(clippy::too_many_arguments)]
fn services(
    cx: &mut Cx<'_>,
    job: &Job,
    build_env: &[(EnvVar, Source)],
    pull_policy: &Option<String>,
    mounts: &[(VolumeMount, Source)],
    lifecycle: &Option<Lifecycle>,
    honor: bool,
    hostnames: &mut Vec<String>,
) -> Result<Vec<(Container, RelProv)>, PodError> {
    struct Svc {
        image: String,
        aliases: Vec<String>,
        user: Option<String>,
        entrypoint: Vec<String>,
        command: Vec<String>,
        env: Vec<(String, String)>,
        src: Source,
    }
    let mut list: Vec<Svc> = Vec::new();
    // Config-level services (12.5) come first; their fields are expanded with job variables.
    for (i, s) in cx.k.services.iter().enumerate() {
        let Some(name) = non_empty(&s.name) else {
            continue;
        };
        list.push(Svc {
            image: cx.vars.expand(name),
            aliases: split_aliases(&cx.vars.expand(s.alias.as_deref().unwrap_or(""))),
            user: None,
            entrypoint: s.entrypoint.clone(),
            command: s.command.clone(),
            env: s
                .environment
                .iter()
                .filter_map(|e| e.split_once('=').map(|(a, b)| (a.into(), b.into())))
                .collect(),
            src: Source::Config(key(&cx.kbase, &format!("services[{i}]"))),
        });
    }
    for (i, s) in job.services.iter().enumerate() {
        if s.name.is_empty() {
            continue;
        }
        list.push(Svc {
            image: s.name.clone(),
            aliases: split_aliases(s.alias.as_deref().unwrap_or("")),
            user: s.user.clone(),
            entrypoint: s.entrypoint.clone(),
            command: s.command.clone(),
            env: s
                .variables
                .iter()
                .map(|(a, b)| (a.clone(), b.clone()))
                .collect(),
            src: Source::Job(format!("services[{i}]")),
        });
    }
    // Naming: a valid, unused DNS-1123 alias (17.9+), else svc-N counting unaliased services.
    let mut used: Vec<String> = Vec::new();
    let mut index = 0;
    let mut named: Vec<(String, Svc)> = Vec::new();
    for s in list {
        let mut name = None;
        if since(cx.v, 17, 9) {
            for a in &s.aliases {
                if used.contains(a) {
                    continue;
                }
                used.push(a.clone());
                if is_dns1123_label(a) {
                    name = Some(a.clone());
                    break;
                }
            }
        }
        let name = name.unwrap_or_else(|| {
            let n = format!("svc-{index}");
            index += 1;
            n
        });
        named.push((name, s));
    }
    // getSortedServiceNames: containers are placed in lexicographic name order.
    named.sort_by(|a, b| a.0.cmp(&b.0));
    // createServicesHostAlias (host_aliases.go): in sorted service order, the image-derived
    // aliases that are valid DNS-1123 subdomains, then every explicit alias, which must be one.
    for (_, s) in &named {
        hostnames.extend(
            image_aliases(&s.image)
                .into_iter()
                .filter(|a| is_dns1123_subdomain(a)),
        );
        for a in &s.aliases {
            if !is_dns1123_subdomain(a) {
                return Err(PodError::Config(format!(
                    "provided host alias {a:?} for service {:?} is invalid DNS: a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'",
                    s.image
                )));
            }
            hostnames.push(a.clone());
        }
    }
    let v = cx.v;
    let k = cx.k;
    let kbase = cx.kbase.clone();
    let (res, resp) = resources(cx, "service_", "SERVICE_")?;
    Ok(named
        .into_iter()
        .map(|(name, s)| {
            let (mut sc, mut scp) = security::container_security_context(
                v,
                k,
                &kbase,
                &Table {
                    key: "service_container_security_context",
                    value: k.service_container_security_context.as_ref(),
                },
                &mut cx.warnings,
            );
            security::apply_uid_gid(
                v,
                k,
                &kbase,
                &name,
                JobUser::Service(s.user.as_deref()),
                &mut sc,
                &mut scp,
                &mut cx.warnings,
            );
            let mut c = base_container(&name, &s.image, pull_policy, mounts, lifecycle.clone());
            set_command(&mut c, honor, Vec::new(), &s.entrypoint, &s.command, true);
            let mut env: Vec<EnvVar> = build_env.iter().map(|(e, _)| e.clone()).collect();
            env.extend(s.env.iter().map(|(a, b)| env_var(a, &cx.vars.expand(b))));
            c.env = Some(env);
            c.resources = res.clone();
            c.security_context = Some(sc);
            let mut p: RelProv = vec![("image".into(), s.src.clone()), ("name".into(), s.src)];
            p.extend(resp.iter().cloned());
            p.extend(prefix_prov("securityContext", &scp));
            (c, p)
        })
        .collect())
}

/// The hostnames a service image gets from its name (`services.SplitNameAndVersion`): the
/// repository path without tag, digest or registry port, with `/` replaced by `__` and by `-`.
fn image_aliases(image: &str) -> Vec<String> {
    // Names the reference grammar rejects (e.g. upper case) get no aliases.
    if image.chars().any(|c| c.is_ascii_uppercase()) {
        return Vec::new();
    }
    let no_digest = image.split('@').next().unwrap_or(image);
    let without_tag = match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    };
    // `^(.*?)(|:[0-9]+)(|/.*)$`: drop a registry port.
    let (head, rest) = match without_tag.find('/') {
        Some(i) => (&without_tag[..i], &without_tag[i..]),
        None => (without_tag, ""),
    };
    let head = match head.split_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => head,
    };
    let service = format!("{head}{rest}");
    let alias = service.replace('/', "__");
    let alternative = service.replace('/', "-");
    if alias == alternative {
        vec![alias]
    } else {
        vec![alias, alternative]
    }
}

/// Kubernetes `IsDNS1123Subdomain`.
fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && !s.is_empty()
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

fn split_aliases(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// Pod-level fields from `[runners.kubernetes]` (`preparePodConfig`). Returns the namespace.
#[allow(clippy::too_many_arguments)]
fn pod_fields(
    cx: &mut Cx<'_>,
    spec: &mut PodSpec,
    prov: &mut Vec<Provenance>,
    ff: &FeatureFlags,
    job: &Job,
    opts: &BuildOptions,
    service_hosts: Vec<String>,
) -> Result<String, PodError> {
    let k = cx.k;
    let v = cx.v;
    let kb = cx.kbase.clone();
    let mut note = |path: &str, src: Source| {
        prov.push(Provenance {
            pod_path: format!("spec.{path}"),
            source: src,
        })
    };
    note(
        "restartPolicy",
        Source::Default("the executor never restarts job pods".into()),
    );

    // Service account, with the KUBERNETES_SERVICE_ACCOUNT_OVERWRITE job variable.
    let mut sa = non_empty(&k.service_account).map(str::to_string);
    let mut sa_src = Source::Config(kb.key("service_account"));
    if let Some(ov) = overwrite(
        cx,
        "KUBERNETES_SERVICE_ACCOUNT_OVERWRITE",
        &k.service_account_overwrite_allowed,
    )? {
        sa = Some(ov);
        sa_src = Source::Job("variables.KUBERNETES_SERVICE_ACCOUNT_OVERWRITE".into());
    }
    if let Some(sa) = sa {
        spec.service_account_name = Some(sa);
        note("serviceAccountName", sa_src);
    }
    if let Some(a) = k
        .automount_service_account_token
        .filter(|_| since(v, 16, 9))
    {
        spec.automount_service_account_token = Some(a);
        note(
            "automountServiceAccountToken",
            Source::Config(kb.key("automount_service_account_token")),
        );
    }
    let (selector, selector_vars) = map_overwrite(
        cx,
        &k.node_selector,
        &k.node_selector_overwrite_allowed,
        "KUBERNETES_NODE_SELECTOR_",
        false,
    )?;
    for key in selector.keys() {
        let src = match selector_vars.get(key) {
            Some(var) => Source::Job(format!("variables.{var}")),
            None => Source::Config(kb.key("node_selector").key(key)),
        };
        note(&format!("nodeSelector.{key}"), src);
    }
    if !selector.is_empty() {
        spec.node_selector = Some(selector);
    }
    // node_tolerations: `"key=value" = "Effect"`; a key without `=` uses operator Exists
    // (getPodTolerations). Overwrites come as `key[=value][:Effect]` (16.9).
    let (tolerations, toleration_vars) = if since(v, 16, 9) {
        map_overwrite(
            cx,
            &k.node_tolerations,
            &k.node_tolerations_overwrite_allowed,
            "KUBERNETES_NODE_TOLERATIONS_",
            true,
        )?
    } else {
        (k.node_tolerations.clone(), BTreeMap::new())
    };
    for (i, kv) in tolerations.keys().enumerate() {
        let src = match toleration_vars.get(kv) {
            Some(var) => Source::Job(format!("variables.{var}")),
            None => Source::Config(kb.key("node_tolerations").key(kv)),
        };
        note(&format!("tolerations[{i}]"), src);
    }
    if !tolerations.is_empty() {
        spec.tolerations = Some(
            tolerations
                .iter()
                .map(|(kv, effect)| {
                    let effect = (!effect.is_empty()).then(|| effect.clone());
                    match kv.split_once('=') {
                        Some((a, b)) => Toleration {
                            key: Some(a.into()),
                            value: Some(b.into()),
                            operator: Some("Equal".into()),
                            effect,
                            toleration_seconds: None,
                        },
                        None => Toleration {
                            key: Some(kv.clone()),
                            operator: Some("Exists".into()),
                            effect,
                            ..Default::default()
                        },
                    }
                })
                .collect(),
        );
    }
    if let Some(a) = k
        .affinity
        .as_ref()
        .map(affinity)
        .filter(|a| *a != K8sAffinity::default())
    {
        spec.affinity = Some(a);
        note("affinity", Source::Config(kb.key("affinity")));
    }
    if let Some(p) = non_empty(&k.dns_policy) {
        let policy = match p.to_ascii_lowercase().as_str() {
            "none" => "None",
            "default" => "Default",
            "cluster-first" => "ClusterFirst",
            "cluster-first-with-host-net" => "ClusterFirstWithHostNet",
            _ => {
                return Err(PodError::Config(format!(
                    "unsupported kubernetes-dns-policy: {p:?}"
                )));
            }
        };
        spec.dns_policy = Some(policy.into());
        note("dnsPolicy", Source::Config(kb.key("dns_policy")));
    }
    if let Some(d) = &k.dns_config
        && (!d.nameservers.is_empty() || !d.searches.is_empty() || !d.options.is_empty())
    {
        spec.dns_config = Some(PodDNSConfig {
            nameservers: (!d.nameservers.is_empty()).then(|| d.nameservers.clone()),
            searches: (!d.searches.is_empty()).then(|| d.searches.clone()),
            options: (!d.options.is_empty()).then(|| {
                d.options
                    .iter()
                    .map(|o| PodDNSConfigOption {
                        name: o.name.clone(),
                        value: o.value.clone(),
                    })
                    .collect()
            }),
        });
        note("dnsConfig", Source::Config(kb.key("dns_config")));
    }
    // Service aliases first (127.0.0.1), then `[[host_aliases]]` (createHostAliases).
    let mut aliases = Vec::new();
    if !service_hosts.is_empty() {
        note(
            "hostAliases[0]",
            Source::Job("services (aliases resolve to 127.0.0.1)".into()),
        );
        aliases.push(HostAlias {
            ip: "127.0.0.1".into(),
            hostnames: Some(service_hosts),
        });
    }
    for (i, h) in k.host_aliases.iter().enumerate() {
        note(
            &format!("hostAliases[{}]", aliases.len()),
            Source::Config(key(&kb, &format!("host_aliases[{i}]"))),
        );
        aliases.push(HostAlias {
            ip: h.ip.clone().unwrap_or_default(),
            hostnames: (!h.hostnames.is_empty()).then(|| h.hostnames.clone()),
        });
    }
    if !aliases.is_empty() {
        spec.host_aliases = Some(aliases);
    }
    for (gate, value, field, cfg) in [
        (
            (14, 9),
            &k.runtime_class_name,
            "runtimeClassName",
            "runtime_class_name",
        ),
        (
            (15, 1),
            &k.priority_class_name,
            "priorityClassName",
            "priority_class_name",
        ),
        (
            (15, 5),
            &k.scheduler_name,
            "schedulerName",
            "scheduler_name",
        ),
    ] {
        if let Some(x) = non_empty(value).filter(|_| since(v, gate.0, gate.1)) {
            let x = Some(x.to_string());
            match field {
                "runtimeClassName" => spec.runtime_class_name = x,
                "priorityClassName" => spec.priority_class_name = x,
                _ => spec.scheduler_name = x,
            }
            note(field, Source::Config(kb.key(cfg)));
        }
    }
    // imagePullSecrets, unless the service account's are to be used (16.9).
    let use_sa = k.use_service_account_image_pull_secrets == Some(true) && since(v, 16, 9);
    if !use_sa && !k.image_pull_secrets.is_empty() {
        spec.image_pull_secrets = Some(
            k.image_pull_secrets
                .iter()
                .map(|n| LocalObjectReference { name: n.clone() })
                .collect(),
        );
        note(
            "imagePullSecrets",
            Source::Config(kb.key("image_pull_secrets")),
        );
    }
    if let Some(t) = k
        .pod_termination_grace_period_seconds
        .filter(|_| since(v, 14, 5))
    {
        spec.termination_grace_period_seconds = Some(t);
        note(
            "terminationGracePeriodSeconds",
            Source::Config(kb.key("pod_termination_grace_period_seconds")),
        );
    }
    if ff.is_on(FF_ACTIVE_DEADLINE) {
        let timeout = match job.timeout {
            Some(t) => t,
            None => {
                cx.assumptions
                    .push("job timeout unknown; assumed GitLab's default of 3600 s".into());
                3600
            }
        };
        spec.active_deadline_seconds = Some(timeout + 1);
        let src = match ff.flags.get(FF_ACTIVE_DEADLINE).map(|f| &f.source) {
            Some(super::FlagSource::Config(kp)) => Source::Config(kp.clone()),
            _ => Source::Job("timeout".into()),
        };
        note("activeDeadlineSeconds", src);
    }
    // Pod-level resources (18.10).
    if since(v, 18, 10) {
        let (res, resp) = resources(cx, "pod_", "POD_")?;
        if let Some(r) = res {
            spec.resources = Some(r);
            for (rel, src) in resp {
                prov.push(Provenance {
                    pod_path: format!("spec.{rel}"),
                    source: src,
                });
            }
        }
    }

    // Namespace: namespace_per_job, the overwrite variable, the config, else `default`.
    let mut ns = non_empty(&k.namespace).map(str::to_string);
    if let Some(ov) = overwrite(
        cx,
        "KUBERNETES_NAMESPACE_OVERWRITE",
        &k.namespace_overwrite_allowed,
    )? {
        ns = Some(ov);
    }
    if k.namespace_per_job == Some(true) && since(v, 16, 10) {
        ns = Some(format!("ci-job-{}", opts.job_id));
    }
    Ok(ns.unwrap_or_else(|| {
        cx.warnings
            .push("Namespace is empty, therefore assuming 'default'.".into());
        "default".into()
    }))
}

/// A `*_OVERWRITE` job variable (`evaluateOverwrite`): ignored when `*_overwrite_allowed` is
/// empty; applied when it matches that regex (unanchored, Go `regexp.MatchString`); otherwise the
/// job fails.
fn overwrite(cx: &Cx<'_>, var: &str, allowed: &Option<String>) -> Result<Option<String>, PodError> {
    let Some(value) = cx.vars.get(var).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let Some(pattern) = non_empty(allowed) else {
        return Ok(None);
    };
    regex_check(pattern, value)?;
    Ok(Some(value.to_string()))
}

fn regex_check(pattern: &str, value: &str) -> Result<(), PodError> {
    let re = regex::Regex::new(pattern).map_err(|e| PodError::Config(e.to_string()))?;
    if re.is_match(value) {
        Ok(())
    } else {
        Err(PodError::Config(format!(
            "provided value {value:?} does not match {pattern:?}"
        )))
    }
}

type StringMap = BTreeMap<String, String>;

/// The map overwrites (`evaluateMapOverwrite`): every variable named `<prefix>*` whose value
/// matches the regex adds or replaces one entry; values are `key=value`, or for tolerations
/// `key[=value][:Effect]`. Returns the map and, per key, the variable that set it.
fn map_overwrite(
    cx: &Cx<'_>,
    base: &BTreeMap<String, String>,
    allowed: &Option<String>,
    prefix: &str,
    toleration: bool,
) -> Result<(StringMap, StringMap), PodError> {
    let mut out = base.clone();
    let mut from_var = BTreeMap::new();
    let Some(pattern) = non_empty(allowed) else {
        return Ok((out, from_var));
    };
    for (name, value) in &cx.vars.0 {
        if !name.starts_with(prefix) {
            continue;
        }
        regex_check(pattern, value)?;
        let (k, v) = if toleration {
            match value.split_once(':') {
                Some((k, e)) => (k.to_string(), e.to_string()),
                None => (value.clone(), String::new()),
            }
        } else {
            match value.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => {
                    return Err(PodError::Config(format!(
                        "provided value {value:?} does not match \"k=v\""
                    )));
                }
            }
        };
        out.insert(k.clone(), v);
        from_var.insert(k, name.clone());
    }
    Ok((out, from_var))
}

fn requirement(r: &SelectorRequirement) -> NodeSelectorRequirement {
    NodeSelectorRequirement {
        key: r.key.clone().unwrap_or_default(),
        operator: r.operator.clone().unwrap_or_default(),
        values: (!r.values.is_empty()).then(|| r.values.clone()),
    }
}

fn node_term(t: &NodeSelectorTerm) -> K8sNodeSelectorTerm {
    K8sNodeSelectorTerm {
        match_expressions: (!t.match_expressions.is_empty())
            .then(|| t.match_expressions.iter().map(requirement).collect()),
        match_fields: (!t.match_fields.is_empty())
            .then(|| t.match_fields.iter().map(requirement).collect()),
    }
}

fn label_selector(l: &LabelSelector) -> K8sLabelSelector {
    K8sLabelSelector {
        match_labels: (!l.match_labels.is_empty()).then(|| l.match_labels.clone()),
        match_expressions: (!l.match_expressions.is_empty()).then(|| {
            l.match_expressions
                .iter()
                .map(|r| LabelSelectorRequirement {
                    key: r.key.clone().unwrap_or_default(),
                    operator: r.operator.clone().unwrap_or_default(),
                    values: (!r.values.is_empty()).then(|| r.values.clone()),
                })
                .collect()
        }),
    }
}

fn pod_term(t: &PodAffinityTerm) -> K8sPodAffinityTerm {
    K8sPodAffinityTerm {
        label_selector: t.label_selector.as_ref().map(label_selector),
        namespaces: (!t.namespaces.is_empty()).then(|| t.namespaces.clone()),
        topology_key: t.topology_key.clone().unwrap_or_default(),
        namespace_selector: t.namespace_selector.as_ref().map(label_selector),
        match_label_keys: (!t.match_label_keys.is_empty()).then(|| t.match_label_keys.clone()),
        mismatch_label_keys: (!t.mismatch_label_keys.is_empty())
            .then(|| t.mismatch_label_keys.clone()),
    }
}

fn pod_affinity(p: &PodAffinity) -> (Option<Vec<K8sPodAffinityTerm>>, Option<Vec<K8sWeighted>>) {
    (
        (!p.required_during_scheduling_ignored_during_execution
            .is_empty())
        .then(|| {
            p.required_during_scheduling_ignored_during_execution
                .iter()
                .map(pod_term)
                .collect()
        }),
        (!p.preferred_during_scheduling_ignored_during_execution
            .is_empty())
        .then(|| {
            p.preferred_during_scheduling_ignored_during_execution
                .iter()
                .map(|w| K8sWeighted {
                    weight: w.weight.unwrap_or(0),
                    pod_affinity_term: w
                        .pod_affinity_term
                        .as_ref()
                        .map(pod_term)
                        .unwrap_or_default(),
                })
                .collect()
        }),
    )
}

fn affinity(a: &crate::model::runner::Affinity) -> K8sAffinity {
    K8sAffinity {
        node_affinity: a.node_affinity.as_ref().map(|n| K8sNodeAffinity {
            required_during_scheduling_ignored_during_execution: n
                .required_during_scheduling_ignored_during_execution
                .as_ref()
                .map(|s| K8sNodeSelector {
                    node_selector_terms: s.node_selector_terms.iter().map(node_term).collect(),
                }),
            preferred_during_scheduling_ignored_during_execution: (!n
                .preferred_during_scheduling_ignored_during_execution
                .is_empty())
            .then(|| {
                n.preferred_during_scheduling_ignored_during_execution
                    .iter()
                    .map(|p| K8sPreferred {
                        weight: p.weight.unwrap_or(0),
                        preference: p.preference.as_ref().map(node_term).unwrap_or_default(),
                    })
                    .collect()
            }),
        }),
        pod_affinity: a.pod_affinity.as_ref().map(|p| {
            let (req, pref) = pod_affinity(p);
            K8sPodAffinity {
                required_during_scheduling_ignored_during_execution: req,
                preferred_during_scheduling_ignored_during_execution: pref,
            }
        }),
        pod_anti_affinity: a.pod_anti_affinity.as_ref().map(|p| {
            let (req, pref) = pod_affinity(p);
            PodAntiAffinity {
                required_during_scheduling_ignored_during_execution: req,
                preferred_during_scheduling_ignored_during_execution: pref,
            }
        }),
    }
}

/// Labels and annotations (`buildLabels`, `buildAnnotations`). Labels in the
/// `runner.gitlab.com` namespace cannot be set from the config.
fn metadata(
    cx: &mut Cx<'_>,
    unique_name: &str,
    namespace: String,
    opts: &BuildOptions,
    job: &Job,
    prov: &mut Vec<Provenance>,
) -> Result<ObjectMeta, PodError> {
    let mut labels = BTreeMap::new();
    labels.insert("pod".to_string(), unique_name.to_string());
    labels.insert(
        "project.runner.gitlab.com/id".into(),
        opts.project_id.to_string(),
    );
    labels.insert("job.runner.gitlab.com/pod".into(), unique_name.to_string());
    // pod_labels plus KUBERNETES_POD_LABELS_* (15.1+ when pod_labels_overwrite_allowed is set).
    let (user_labels, label_vars) = map_overwrite(
        cx,
        &cx.k.pod_labels,
        &cx.k.pod_labels_overwrite_allowed,
        "KUBERNETES_POD_LABELS_",
        false,
    )?;
    for (k, v) in &user_labels {
        if k.contains("runner.gitlab.com/") {
            cx.warnings.push(format!(
                "not setting pod label {k:?}, overwrite of labels in the \"runner.gitlab.com\" namespace is not allowed"
            ));
            continue;
        }
        labels.insert(k.clone(), cx.vars.expand(v));
        let source = match label_vars.get(k) {
            Some(var) => Source::Job(format!("variables.{var}")),
            None => Source::Config(cx.kbase.key("pod_labels").key(k)),
        };
        prov.push(Provenance {
            pod_path: format!("metadata.labels.{k}"),
            source,
        });
    }
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "project.runner.gitlab.com/id".to_string(),
        opts.project_id.to_string(),
    );
    annotations.insert("job.runner.gitlab.com/id".into(), opts.job_id.to_string());
    if let Some(t) = job.timeout {
        annotations.insert("job.runner.gitlab.com/timeout".into(), format!("{t}s"));
    }
    let (user_annotations, annotation_vars) = map_overwrite(
        cx,
        &cx.k.pod_annotations,
        &cx.k.pod_annotations_overwrite_allowed,
        "KUBERNETES_POD_ANNOTATIONS_",
        false,
    )?;
    for (k, v) in &user_annotations {
        annotations.insert(k.clone(), cx.vars.expand(v));
        let source = match annotation_vars.get(k) {
            Some(var) => Source::Job(format!("variables.{var}")),
            None => Source::Config(cx.kbase.key("pod_annotations").key(k)),
        };
        prov.push(Provenance {
            pod_path: format!("metadata.annotations.{k}"),
            source,
        });
    }
    // The runner appends 8 random characters to the (≤54 character) unique name; the API
    // equivalent is generateName.
    let mut prefix: String = unique_name.chars().take(54).collect();
    prefix.push('-');
    Ok(ObjectMeta {
        generate_name: Some(prefix),
        namespace: Some(namespace),
        labels: Some(labels),
        annotations: Some(annotations),
        ..Default::default()
    })
}

/// Applies the `[[pod_spec]]` patches and records every changed leaf path as produced by the patch.
fn apply_patches(
    cx: &mut Cx<'_>,
    spec: PodSpec,
    prov: &mut Vec<Provenance>,
) -> Result<PodSpec, PodError> {
    let mut value = serde_json::to_value(&spec).map_err(|e| PodError::Patch {
        name: String::new(),
        reason: e.to_string(),
    })?;
    for (i, p) in cx.k.pod_spec.iter().enumerate() {
        let name = p.name.clone().unwrap_or_default();
        let patch_key = key(&cx.kbase, &format!("pod_spec[{i}]"));
        let text = match (non_empty(&p.patch), non_empty(&p.patch_path)) {
            (Some(_), Some(_)) => {
                return Err(PodError::Patch {
                    name,
                    reason: "patch and patch_path are mutually exclusive".into(),
                });
            }
            (Some(t), None) => t.to_string(),
            (None, Some(path)) => {
                cx.warnings.push(format!(
                    "pod_spec {name:?} reads {path:?}, which runner-doctor does not read; the patch is not modelled"
                ));
                continue;
            }
            (None, None) => continue,
        };
        let before = value.clone();
        super::patch::apply(
            &mut value,
            p.patch_type.as_deref().unwrap_or("strategic"),
            &text,
        )
        .map_err(|reason| PodError::Patch {
            name: name.clone(),
            reason,
        })?;
        let mut changed = Vec::new();
        diff_paths("spec", &before, &value, &mut changed);
        for path in changed {
            prov.push(Provenance {
                pod_path: path,
                source: Source::Config(patch_key.key("patch")),
            });
        }
    }
    serde_json::from_value(value).map_err(|e| PodError::Patch {
        name: "(all)".into(),
        reason: format!("the patched spec is not a valid PodSpec: {e}"),
    })
}

fn diff_paths(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, vb) in y {
                match x.get(k) {
                    Some(va) => diff_paths(&format!("{path}.{k}"), va, vb, out),
                    None => out.push(format!("{path}.{k}")),
                }
            }
            for k in x.keys().filter(|k| !y.contains_key(*k)) {
                out.push(format!("{path}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                diff_paths(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        // Lists of named items (containers, volumes, mounts) that a strategic patch grew or
        // shrank: items are matched by name, so an added volume is named, not the whole list.
        (Value::Array(x), Value::Array(y))
            if x.iter()
                .chain(y)
                .all(|v| v.get("name").is_some_and(Value::is_string)) =>
        {
            for (i, vb) in y.iter().enumerate() {
                match x.iter().find(|va| va.get("name") == vb.get("name")) {
                    Some(va) => diff_paths(&format!("{path}[{i}]"), va, vb, out),
                    None => out.push(format!("{path}[{i}]")),
                }
            }
            if x.iter()
                .any(|va| !y.iter().any(|vb| vb.get("name") == va.get("name")))
            {
                out.push(path.to_string());
            }
        }
        _ if a != b => out.push(path.to_string()),
        _ => {}
    }
}

/// Who owns the clone (reference §3.3): the helper's identity, with world-writable files under
/// the `umask 0000` wrapper; from 17.11 with the umask flag the helper `chown -R`s the builds dir
/// to the build container's identity collected by the init container (when it may chown).
fn project_files(
    pod: &Pod,
    cx: &mut Cx<'_>,
    opts: &BuildOptions,
    full_umask_fix: bool,
    default_helper: bool,
) -> ProjectFiles {
    let spec = pod.spec.as_ref();
    let pod_sc = spec.and_then(|s| s.security_context.as_ref());
    let sc_of = |name: &str| -> Option<SecurityContext> {
        spec?
            .containers
            .iter()
            .find(|c| c.name == name)?
            .security_context
            .clone()
    };
    let mut because = Vec::new();
    let identity = |name: &str, image_uid: Option<i64>, because: &mut Vec<String>| {
        let sc = sc_of(name);
        let uid = sc
            .as_ref()
            .and_then(|s| s.run_as_user)
            .or(pod_sc.and_then(|p| p.run_as_user))
            .or_else(|| {
                because.push(format!(
                    "the {name} image user is assumed to be {}",
                    image_uid.map_or("unknown".to_string(), |u| u.to_string())
                ));
                image_uid
            });
        // Without runAsGroup the primary gid comes from the image's passwd; root's is 0 and
        // arbitrary OpenShift uids get 0 too (KIT "uid=1895034 gid=0(root)").
        let gid = sc
            .as_ref()
            .and_then(|s| s.run_as_group)
            .or(pod_sc.and_then(|p| p.run_as_group))
            .or(uid.map(|_| 0));
        (uid, gid)
    };
    let helper_uid_default = if default_helper {
        opts.helper_image_uid
    } else {
        None
    };
    let helper = identity("helper", helper_uid_default, &mut because);
    if full_umask_fix {
        because.push("the helper runs without the umask 0000 wrapper and chowns the builds dir to the build identity".into());
        let build = identity("build", opts.build_image_uid, &mut because);
        if helper.0 == Some(0) {
            return ProjectFiles {
                owner_uid: build.0,
                owner_gid: build.1,
                world_writable: false,
                because,
            };
        }
        because.push(
            "the helper is not root, so `chown -R` may fail and leave the helper's ownership"
                .into(),
        );
        cx.assumptions
            .push("chown by a non-root helper is assumed to fail".into());
        return ProjectFiles {
            owner_uid: helper.0,
            owner_gid: helper.1,
            world_writable: false,
            because,
        };
    }
    because.push("helper stages run under `gitlab-runner-build`, which sets umask 0000".into());
    ProjectFiles {
        owner_uid: helper.0,
        owner_gid: helper.1,
        world_writable: true,
        because,
    }
}
