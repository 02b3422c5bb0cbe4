//! Behaviour tests of the pod builder beyond the shared vectors: version gates, provenance,
//! patches and the failure paths.

use semver::Version;

use super::*;
use crate::model::runner::RunnerConfigFile;

fn run(config: &str, job: Job, version: (u64, u64, u64)) -> Result<JobPod, PodError> {
    let cfg = RunnerConfigFile::from_toml_str(config).expect("config parses");
    let opts = BuildOptions {
        runner_version: Version::new(version.0, version.1, version.2),
        ..BuildOptions::default()
    };
    build(&cfg.runners[0], &job, &opts)
}

fn alpine() -> Job {
    Job {
        image: Some("alpine:latest".into()),
        ..Job::default()
    }
}

fn spec(out: &JobPod) -> &k8s_openapi::api::core::v1::PodSpec {
    out.pod.spec.as_ref().unwrap()
}

fn init_names(out: &JobPod) -> Vec<String> {
    spec(out)
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone())
        .collect()
}

const BASIC: &str = "[[runners]]\n  executor = \"kubernetes\"\n  [runners.kubernetes]\n";

#[test]
fn provenance_points_at_config_keys() {
    let out = run(
        "[[runners]]\n executor = \"kubernetes\"\n [runners.kubernetes]\n  cap_drop = [\"ALL\"]\n  [runners.kubernetes.pod_security_context]\n   fs_group = 1000\n",
        alpine(),
        (19, 4, 0),
    )
    .unwrap();
    let src: Vec<String> = out
        .provenance_of("spec.securityContext.fsGroup")
        .map(ToString::to_string)
        .collect();
    assert_eq!(src, ["runners[0].kubernetes.pod_security_context.fs_group"]);
    let drop1: Vec<String> = out
        .provenance_of("spec.containers[0].securityContext.capabilities.drop[1]")
        .map(ToString::to_string)
        .collect();
    assert_eq!(drop1, ["runners[0].kubernetes.cap_drop[0]"]);
}

#[test]
fn umask_flag_before_and_after_17_11() {
    let mut job = alpine();
    job.variables.insert(
        "FF_DISABLE_UMASK_FOR_KUBERNETES_EXECUTOR".into(),
        "true".into(),
    );
    let new = run(BASIC, job.clone(), (17, 11, 0)).unwrap();
    let gs = new.stage(Stage::GetSources).unwrap();
    assert_eq!(gs.argv[0], "/bin/bash");
    assert!(gs.script.iter().any(|l| l.contains("chown -R")));
    assert!(!new.project_files.world_writable);
    let collector = &spec(&new).init_containers.as_ref().unwrap()[0];
    assert_eq!(
        collector.command.as_ref().unwrap()[2],
        "> /builds/.gitlab-build-uid-gid"
    );

    let old = run(BASIC, job, (17, 5, 0)).unwrap();
    assert_eq!(
        init_names(&old),
        ["init-build-uid-gid-collector", "init-permissions"]
    );
    let gs = old.stage(Stage::GetSources).unwrap();
    assert_eq!(gs.argv[0], "gitlab-runner-build");
    assert!(!gs.script.iter().any(|l| l.contains("chown")));
    assert!(old.project_files.world_writable);
    let collector = &spec(&old).init_containers.as_ref().unwrap()[0];
    assert!(collector.command.as_ref().unwrap()[2].ends_with(".giltab-build-uid-gid"));
}

#[test]
fn exec_mode_and_dumb_init() {
    let legacy = "[[runners]]\n executor = \"kubernetes\"\n [runners.feature_flags]\n  FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY = true\n  FF_USE_DUMB_INIT_WITH_KUBERNETES_EXECUTOR = true\n";
    // 16.6 has the dumb-init flag but exec mode keeps the scripts volume only from 16.7.
    let out = run(legacy, alpine(), (16, 6, 0)).unwrap();
    assert!(init_names(&out).is_empty());
    let out = run(legacy, alpine(), (16, 7, 0)).unwrap();
    assert_eq!(init_names(&out), ["init-permissions"]);
    let names: Vec<&str> = spec(&out)
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(names, ["repo", "scripts"]);
    let init = &spec(&out).init_containers.as_ref().unwrap()[0];
    assert_eq!(
        init.command.as_ref().unwrap()[2],
        "cp /usr/bin/dumb-init /scripts-0-0"
    );
}

#[test]
fn job_user_override_before_18_4_and_precedence_after() {
    let cfg = "[[runners]]\n executor = \"kubernetes\"\n [runners.kubernetes]\n  [runners.kubernetes.build_container_security_context]\n   run_as_user = 3000\n";
    let mut job = alpine();
    job.image_user = Some("1000:1001".into());
    let sc = |out: &JobPod| spec(out).containers[0].security_context.clone().unwrap();
    let old = run(cfg, job.clone(), (18, 3, 0)).unwrap();
    assert_eq!(
        (sc(&old).run_as_user, sc(&old).run_as_group),
        (Some(1000), Some(1001))
    );
    let new = run(cfg, job, (18, 4, 0)).unwrap();
    assert_eq!(
        (sc(&new).run_as_user, sc(&new).run_as_group),
        (Some(3000), Some(1001))
    );
}

#[test]
fn root_job_user_needs_an_allowlist_entry() {
    let mut job = alpine();
    job.image_user = Some("0".into());
    let out = run(BASIC, job, (19, 4, 0)).unwrap();
    let sc = spec(&out).containers[0].security_context.clone().unwrap();
    assert_eq!(sc.run_as_user, None);
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("not in the allowed list"))
    );
}

#[test]
fn pod_spec_patch_applies_with_the_flag() {
    let cfg = r#"[[runners]]
  executor = "kubernetes"
  [runners.feature_flags]
    FF_USE_ADVANCED_POD_SPEC_CONFIGURATION = true
  [runners.kubernetes]
    [runners.kubernetes.pod_security_context]
      fs_group = 1000
    [[runners.kubernetes.pod_spec]]
      name = "policy"
      patch = '{"securityContext": {"fsGroupChangePolicy": "OnRootMismatch"}}'
"#;
    let out = run(cfg, alpine(), (19, 4, 0)).unwrap();
    let psc = spec(&out).security_context.clone().unwrap();
    assert_eq!(psc.fs_group, Some(1000));
    assert_eq!(
        psc.fs_group_change_policy.as_deref(),
        Some("OnRootMismatch")
    );
    let src: Vec<String> = out
        .provenance_of("spec.securityContext.fsGroupChangePolicy")
        .map(ToString::to_string)
        .collect();
    assert_eq!(src, ["runners[0].kubernetes.pod_spec[0].patch"]);
}

#[test]
fn refusals_before_the_pod_exists() {
    let cfg = "[[runners]]\n executor = \"kubernetes\"\n [runners.kubernetes]\n  allowed_images = [\"registry.example.com/**\"]\n";
    let err = run(cfg, alpine(), (19, 4, 0)).unwrap_err();
    assert!(
        err.to_string()
            .contains("not present on list of allowed images")
    );
    let mut ok = alpine();
    ok.image = Some("registry.example.com/team/img:1".into());
    assert!(run(cfg, ok, (19, 4, 0)).is_ok());

    let mut job = alpine();
    job.variables
        .insert("GIT_CLONE_PATH".into(), "/tmp/elsewhere".into());
    let err = run(BASIC, job, (19, 4, 0)).unwrap_err();
    assert!(err.to_string().contains("has to be within"));
}

#[test]
fn service_names_skip_invalid_and_duplicate_aliases() {
    let mut job = alpine();
    job.services = vec![
        JobService {
            name: "postgres:16".into(),
            alias: Some("db".into()),
            ..JobService::default()
        },
        JobService {
            name: "mysql:8".into(),
            alias: Some("db db.internal".into()),
            ..JobService::default()
        },
    ];
    let out = run(BASIC, job.clone(), (19, 4, 0)).unwrap();
    let names: Vec<&str> = spec(&out)
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    // `db` is taken, `db.internal` is no DNS-1123 label: svc-0.
    assert_eq!(names, ["build", "helper", "db", "svc-0"]);
    let hosts = spec(&out).host_aliases.clone().unwrap();
    assert_eq!(hosts[0].ip, "127.0.0.1");
    assert_eq!(
        hosts[0].hostnames.clone().unwrap(),
        ["postgres", "db", "mysql", "db", "db.internal"]
    );
    // Before 17.9 every service is svc-N.
    let out = run(BASIC, job, (17, 8, 0)).unwrap();
    let names: Vec<&str> = spec(&out)
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["build", "helper", "svc-0", "svc-1"]);
}

#[test]
fn resource_overwrites_respect_the_maximum() {
    let cfg = "[[runners]]\n executor = \"kubernetes\"\n [runners.kubernetes]\n  cpu_limit = \"1\"\n  cpu_limit_overwrite_max_allowed = \"2\"\n";
    let cpu = |out: &JobPod| {
        spec(out).containers[0]
            .resources
            .as_ref()
            .and_then(|r| r.limits.as_ref())
            .and_then(|l| l.get("cpu"))
            .map(|q| q.0.clone())
    };
    let mut job = alpine();
    job.variables
        .insert("KUBERNETES_CPU_LIMIT".into(), "1500m".into());
    assert_eq!(
        cpu(&run(cfg, job.clone(), (19, 4, 0)).unwrap()).as_deref(),
        Some("1500m")
    );
    job.variables
        .insert("KUBERNETES_CPU_LIMIT".into(), "3".into());
    let err = run(cfg, job, (19, 4, 0)).unwrap_err();
    assert!(err.to_string().contains("higher than limit allowed"));
}

#[test]
fn map_overwrites_need_the_allow_regex() {
    let cfg = "[[runners]]\n executor = \"kubernetes\"\n [runners.kubernetes]\n  node_selector_overwrite_allowed = \"^zone=\"\n  [runners.kubernetes.node_selector]\n   arch = \"amd64\"\n";
    let mut job = alpine();
    job.variables
        .insert("KUBERNETES_NODE_SELECTOR_ZONE".into(), "zone=a".into());
    let out = run(cfg, job.clone(), (19, 4, 0)).unwrap();
    let sel = spec(&out).node_selector.clone().unwrap();
    assert_eq!(sel.get("zone").map(String::as_str), Some("a"));
    assert_eq!(sel.get("arch").map(String::as_str), Some("amd64"));
    job.variables
        .insert("KUBERNETES_NODE_SELECTOR_ZONE".into(), "region=b".into());
    assert!(run(cfg, job, (19, 4, 0)).is_err());
}

#[test]
fn invalid_explicit_service_alias_fails_the_job() {
    let mut job = alpine();
    job.services = vec![JobService {
        name: "redis:7".into(),
        alias: Some("Bad_Alias".into()),
        ..JobService::default()
    }];
    let err = run(BASIC, job, (19, 4, 0)).unwrap_err();
    assert!(err.to_string().contains("Bad_Alias"));
}

#[test]
fn honor_entrypoint_in_exec_mode_adds_a_startup_probe() {
    let cfg = "[[runners]]\n executor = \"kubernetes\"\n [runners.feature_flags]\n  FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY = true\n  FF_KUBERNETES_HONOR_ENTRYPOINT = true\n";
    let out = run(cfg, alpine(), (19, 4, 0)).unwrap();
    let build = &spec(&out).containers[0];
    assert!(build.command.is_none());
    assert!(build.args.as_ref().unwrap()[2].starts_with(">'/builds/.gitlab-startup-marker'; "));
    let probe = build.startup_probe.as_ref().unwrap();
    assert_eq!(probe.failure_threshold, Some(60));
    let out = run(cfg, alpine(), (17, 3, 0)).unwrap();
    assert!(spec(&out).containers[0].startup_probe.is_none());
}

#[test]
fn fields_from_a_volume_key() {
    let cfg = "[[runners]]\n executor = \"kubernetes\"\n [runners.kubernetes]\n  [[runners.kubernetes.volumes.pvc]]\n   name = \"c\"\n   mount_path = \"/cache\"\n";
    let out = run(cfg, alpine(), (19, 4, 0)).unwrap();
    let key = crate::model::runner::KeyPath::parse("runners[0].kubernetes.volumes.pvc[0]");
    let fields: Vec<&str> = out.fields_from(&key).collect();
    assert!(fields.contains(&"spec.volumes[0]"));
    assert!(fields.contains(&"spec.containers[0].volumeMounts[2]"));
    assert!(fields.contains(&"spec.initContainers[0].volumeMounts[2]"));
}

#[test]
fn attach_mode_init_container_logs_and_scripts_follow_the_13_x_and_15_x_releases() {
    let attach = "[[runners]]\n executor = \"kubernetes\"\n [runners.feature_flags]\n  FF_USE_LEGACY_KUBERNETES_EXECUTION_STRATEGY = false\n";
    let init = |out: &JobPod| spec(out).init_containers.clone().unwrap_or_default();
    let volume = |out: &JobPod, name: &str| {
        spec(out)
            .volumes
            .as_ref()
            .unwrap()
            .iter()
            .find(|v| v.name == name)
            .cloned()
            .unwrap()
    };
    // 13.1: attach mode without an init container.
    let out = run(attach, alpine(), (13, 1, 0)).unwrap();
    assert!(init_names(&out).is_empty());
    // 13.4 (field case FC03): busybox chmods the whole logs directory, under the project's
    // `.tmp` directory, and the scripts come from a ConfigMap.
    let out = run(attach, alpine(), (13, 4, 0)).unwrap();
    let c = &init(&out)[0];
    assert_eq!(c.name, "change-logs-permissions");
    assert_eq!(c.image.as_deref(), Some("busybox"));
    let logs = "/builds/gitlab-org/gitlab-test.tmp/logs";
    assert_eq!(
        c.command.as_ref().unwrap()[2],
        format!("touch {logs}/output.log && chmod -R 777 {logs}")
    );
    assert!(
        c.volume_mounts
            .as_ref()
            .unwrap()
            .iter()
            .any(|m| m.name == "logs" && m.mount_path == logs)
    );
    let scripts = volume(&out, "scripts");
    assert_eq!(scripts.config_map.unwrap().default_mode, Some(0o777));
    // 13.7: the same command in the helper image.
    let out = run(attach, alpine(), (13, 7, 0)).unwrap();
    let c = &init(&out)[0];
    assert_eq!(c.name, "change-logs-permissions");
    assert!(c.image.as_deref().unwrap().contains("gitlab-runner-helper"));
    // 13.11: `init-logs` touches the log file only, under `/logs-<project>-<job>`.
    let out = run(attach, alpine(), (13, 11, 0)).unwrap();
    let c = &init(&out)[0];
    assert_eq!(c.name, "init-logs");
    assert_eq!(
        c.command.as_ref().unwrap()[2],
        "touch /logs-0-0/output.log && (chmod 777 /logs-0-0/output.log || exit 0)"
    );
    // The scripts volume is a ConfigMap until 15.7 and an emptyDir from 15.8.
    let out = run(attach, alpine(), (15, 7, 0)).unwrap();
    assert!(volume(&out, "scripts").config_map.is_some());
    let out = run(attach, alpine(), (15, 8, 0)).unwrap();
    assert!(volume(&out, "scripts").empty_dir.is_some());
}
