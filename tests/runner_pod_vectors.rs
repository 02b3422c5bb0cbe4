//! Data-driven test over the job-pod synthesis vectors (`tests/vectors/runner-pods*.yaml`, schema
//! `runner-pods/v1` in the shared `vectors/README.md` §1–§2), plus every `runner-pods*.yaml` in the
//! directory named by `RUNNER_DOCTOR_EXTRA_VECTORS`. One test runs every case and, on failure,
//! names every failing case with expected and actual values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use runner_doctor::model::runner::RunnerConfigFile;
use runner_doctor::pod::{self, BuildOptions, Job, JobPod, JobService, Stage};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorFile {
    schema: String,
    defaults: Defaults,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    runner_version: String,
    os: String,
    arch: String,
    project_id: i64,
    job_id: i64,
    project_path: String,
    concurrent_project_id: i64,
    token: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    #[allow(dead_code)]
    source: String,
    #[serde(default)]
    confidence: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
    #[serde(default)]
    runner_version: Option<String>,
    config: String,
    #[serde(default)]
    job: Option<JobIn>,
    expect: Vec<Expect>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobIn {
    image: Option<String>,
    image_user: Option<String>,
    #[serde(default)]
    services: Vec<ServiceIn>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    project_path: Option<String>,
    cache_key: Option<String>,
    timeout: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceIn {
    name: String,
    alias: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VolumeExpect {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    claim_name: Option<String>,
    path: Option<String>,
    medium: Option<String>,
    secret_name: Option<String>,
    config_map_name: Option<String>,
    driver: Option<String>,
    server: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Expect {
    Containers(Vec<String>),
    InitContainers(Vec<String>),
    Volumes(Vec<String>),
    Volume(VolumeExpect),
    VolumeCount {
        name: String,
        count: usize,
    },
    Mounts {
        container: String,
        names: Vec<String>,
    },
    Mount {
        container: String,
        name: String,
        path: String,
        sub_path: Option<String>,
        read_only: Option<bool>,
    },
    MountCount {
        container: String,
        count: usize,
    },
    NoMountAt {
        container: String,
        path: String,
    },
    Image {
        container: String,
        value: String,
    },
    Command {
        container: String,
        equals: Option<Vec<String>>,
        starts_with: Option<Vec<String>>,
    },
    Env {
        container: String,
        name: String,
        value: String,
    },
    EnvCount {
        container: String,
        count: usize,
    },
    PodSecurityContext(Option<Value>),
    SecurityContext {
        container: String,
        field: String,
        value: Value,
    },
    SecurityContextExact {
        container: String,
        value: Value,
    },
    Capabilities {
        container: String,
        add: Vec<String>,
        drop: Vec<String>,
    },
    Resources {
        container: String,
        field: String,
        value: String,
    },
    PodField {
        field: String,
        value: Value,
    },
    StageContainer {
        stage: String,
        container: String,
    },
    StageCommand {
        stage: String,
        equals: Option<Vec<String>>,
        starts_with: Option<Vec<String>>,
    },
    ScriptContains {
        stage: String,
        all: Vec<String>,
    },
    ProjectDir(String),
    SharedBuildsDir(bool),
    CacheLayout {
        key: String,
        archive: Option<String>,
        metadata: Option<String>,
        dir_mode: Option<String>,
        archive_mode: Option<String>,
        metadata_mode: Option<String>,
        writer: Option<String>,
    },
    RemoteCacheKey {
        key: String,
        value: String,
    },
    ProjectFiles {
        owner_uid: i64,
        owner_gid: i64,
        world_writable: bool,
    },
    NoPermissionChange {
        path: String,
    },
    IgnoredKey(String),
    Warning {
        contains: String,
    },
    Error {
        contains: Option<String>,
    },
}

/// Candidate runner releases for version requirements: every `X.Y.0` from 1.0 to the default.
fn candidates(default: &semver::Version) -> Vec<semver::Version> {
    let mut out = Vec::new();
    for major in (1..=default.major).rev() {
        for minor in (0..=12).rev() {
            let v = semver::Version::new(major, minor, 0);
            if v <= *default {
                out.push(v);
            }
        }
    }
    out
}

/// The versions to test: the default when it matches the requirement, else the newest matching
/// one. With `RUNNER_DOCTOR_VECTOR_VERSIONS=extremes` the oldest matching candidate is tested too.
fn pick_versions(
    req: Option<&str>,
    default: &semver::Version,
) -> Result<Vec<semver::Version>, String> {
    let req = match req {
        Some(r) => {
            semver::VersionReq::parse(r).map_err(|e| format!("bad runner_version {r:?}: {e}"))?
        }
        None => semver::VersionReq::parse(&format!("={default}")).map_err(|e| e.to_string())?,
    };
    let matching: Vec<semver::Version> = candidates(default)
        .into_iter()
        .chain(std::iter::once(default.clone()))
        .filter(|v| req.matches(v))
        .collect();
    let first = if req.matches(default) {
        default.clone()
    } else {
        matching
            .first()
            .cloned()
            .ok_or_else(|| format!("no candidate version matches {req}"))?
    };
    let mut out = vec![first];
    if std::env::var("RUNNER_DOCTOR_VECTOR_VERSIONS").as_deref() == Ok("extremes")
        && let Some(oldest) = matching.iter().min()
        && !out.contains(oldest)
    {
        out.push(oldest.clone());
    }
    Ok(out)
}

struct Ctx<'a> {
    out: &'a JobPod,
    pod: Value,
    version: String,
    short_token: String,
    concurrent_project_id: i64,
    project_path: String,
    ignored: Vec<String>,
}

fn clean(p: &str) -> String {
    // Go path.Clean for the expectation side (collapse `//`, drop `.`).
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for s in p.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let j = parts.join("/");
    if rooted { format!("/{j}") } else { j }
}

impl Ctx<'_> {
    fn subst(&self, s: &str) -> String {
        let had = s.contains('{');
        let r = s
            .replace("{version}", &self.version)
            .replace("{short_token}", &self.short_token)
            .replace(
                "{concurrent_project_id}",
                &self.concurrent_project_id.to_string(),
            )
            .replace("{project_path}", &self.project_path);
        if had && r.starts_with('/') {
            clean(&r)
        } else {
            r
        }
    }

    fn spec(&self) -> &Value {
        &self.pod["spec"]
    }

    fn list(&self, field: &str) -> Vec<&Value> {
        self.spec()[field]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    fn names(&self, field: &str) -> Vec<String> {
        self.list(field)
            .iter()
            .map(|c| c["name"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// The containers a selector names (`*` = every container and init container).
    fn select(&self, sel: &str) -> Result<Vec<&Value>, String> {
        let all: Vec<&Value> = self
            .list("containers")
            .into_iter()
            .chain(self.list("initContainers"))
            .collect();
        if sel == "*" {
            return Ok(all);
        }
        let found: Vec<&Value> = all.into_iter().filter(|c| c["name"] == sel).collect();
        if found.is_empty() {
            return Err(format!(
                "no container {sel:?} (containers {:?}, init {:?})",
                self.names("containers"),
                self.names("initContainers")
            ));
        }
        Ok(found)
    }

    fn stage(&self, name: &str) -> Result<&pod::StageRun, String> {
        let st = Stage::parse(name).ok_or_else(|| format!("unknown stage {name:?}"))?;
        self.out
            .stage(st)
            .ok_or_else(|| format!("stage {name} not planned"))
    }
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn mount_names(c: &Value) -> Vec<String> {
    strs(&Value::Array(
        c["volumeMounts"]
            .as_array()
            .map(|a| a.iter().map(|m| m["name"].clone()).collect())
            .unwrap_or_default(),
    ))
}

fn is_unset(v: &Value) -> bool {
    v.is_null() || v.as_array().is_some_and(Vec::is_empty)
}

fn sort_caps(v: &mut Value) {
    if let Some(caps) = v.get_mut("capabilities") {
        for k in ["add", "drop"] {
            if let Some(Value::Array(a)) = caps.get_mut(k) {
                a.sort_by_key(|x| x.to_string());
            }
        }
    }
}

fn check_argv(
    actual: &[String],
    equals: &Option<Vec<String>>,
    starts: &Option<Vec<String>>,
) -> Result<(), String> {
    if let Some(e) = equals
        && actual != e.as_slice()
    {
        return Err(format!("expected argv {e:?}, actual {actual:?}"));
    }
    if let Some(s) = starts
        && !actual.starts_with(s)
    {
        return Err(format!("expected argv starting {s:?}, actual {actual:?}"));
    }
    Ok(())
}

fn check(cx: &Ctx<'_>, e: &Expect) -> Result<(), String> {
    let eq = |what: &str, exp: &dyn std::fmt::Debug, act: &dyn std::fmt::Debug, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(format!("{what}: expected {exp:?}, actual {act:?}"))
        }
    };
    match e {
        Expect::Containers(n) => {
            let a = cx.names("containers");
            eq("containers", n, &a, &a == n)
        }
        Expect::InitContainers(n) => {
            let a = cx.names("initContainers");
            eq("init_containers", n, &a, &a == n)
        }
        Expect::Volumes(n) => {
            let a = cx.names("volumes");
            eq("volumes", n, &a, &a == n)
        }
        Expect::Volume(ve) => {
            let vols = cx.list("volumes");
            let vol = vols
                .iter()
                .find(|v| v["name"] == ve.name.as_str())
                .ok_or_else(|| format!("no volume {:?} in {:?}", ve.name, cx.names("volumes")))?;
            let src = &vol[ve.kind.as_str()];
            if src.is_null() {
                return Err(format!(
                    "volume {:?}: expected type {}, actual {vol}",
                    ve.name, ve.kind
                ));
            }
            let fields: [(&Option<String>, &str); 7] = [
                (&ve.claim_name, "claimName"),
                (&ve.path, "path"),
                (&ve.medium, "medium"),
                (&ve.secret_name, "secretName"),
                (&ve.config_map_name, "name"),
                (&ve.driver, "driver"),
                (&ve.server, "server"),
            ];
            for (want, f) in fields {
                if let Some(w) = want
                    && src[f] != w.as_str()
                {
                    return Err(format!(
                        "volume {:?} {f}: expected {w:?}, actual {}",
                        ve.name, src[f]
                    ));
                }
            }
            Ok(())
        }
        Expect::VolumeCount { name, count } => {
            let n = cx
                .list("volumes")
                .iter()
                .filter(|v| v["name"] == name.as_str())
                .count();
            eq(&format!("volume_count {name}"), count, &n, n == *count)
        }
        Expect::Mounts { container, names } => {
            for c in cx.select(container)? {
                let a = mount_names(c);
                eq(&format!("mounts of {}", c["name"]), names, &a, &a == names)?;
            }
            Ok(())
        }
        Expect::Mount {
            container,
            name,
            path,
            sub_path,
            read_only,
        } => {
            for c in cx.select(container)? {
                let mounts = c["volumeMounts"].as_array().cloned().unwrap_or_default();
                let ok = mounts.iter().any(|m| {
                    m["name"] == name.as_str()
                        && m["mountPath"] == path.as_str()
                        && sub_path.as_ref().is_none_or(|s| m["subPath"] == s.as_str())
                        && read_only.is_none_or(|r| m["readOnly"].as_bool().unwrap_or(false) == r)
                });
                if !ok {
                    return Err(format!(
                        "container {}: no mount {name} at {path} (sub_path {sub_path:?}, read_only {read_only:?}); mounts {}",
                        c["name"],
                        Value::Array(mounts)
                    ));
                }
            }
            Ok(())
        }
        Expect::MountCount { container, count } => {
            for c in cx.select(container)? {
                let n = c["volumeMounts"].as_array().map_or(0, Vec::len);
                eq(
                    &format!("mount_count of {}", c["name"]),
                    count,
                    &n,
                    n == *count,
                )?;
            }
            Ok(())
        }
        Expect::NoMountAt { container, path } => {
            for c in cx.select(container)? {
                let hit = c["volumeMounts"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|m| m["mountPath"] == path.as_str()));
                if hit {
                    return Err(format!("container {} has a mount at {path}", c["name"]));
                }
            }
            Ok(())
        }
        Expect::Image { container, value } => {
            let want = cx.subst(value);
            for c in cx.select(container)? {
                eq(
                    &format!("image of {container}"),
                    &want,
                    &c["image"],
                    c["image"] == want.as_str(),
                )?;
            }
            Ok(())
        }
        Expect::Command {
            container,
            equals,
            starts_with,
        } => {
            let sub = |v: &Option<Vec<String>>| {
                v.as_ref().map(|l| l.iter().map(|s| cx.subst(s)).collect())
            };
            for c in cx.select(container)? {
                check_argv(&strs(&c["command"]), &sub(equals), &sub(starts_with))
                    .map_err(|e| format!("command of {container}: {e}"))?;
            }
            Ok(())
        }
        Expect::Env {
            container,
            name,
            value,
        } => {
            for c in cx.select(container)? {
                let env = c["env"].as_array().cloned().unwrap_or_default();
                let found = env.iter().find(|e| e["name"] == name.as_str());
                let want = cx.subst(value);
                match found {
                    Some(e) if e["value"] == want.as_str() => {}
                    other => {
                        return Err(format!(
                            "env {name} of {container}: expected {want:?}, actual {other:?}"
                        ));
                    }
                }
            }
            Ok(())
        }
        Expect::EnvCount { container, count } => {
            for c in cx.select(container)? {
                let n = c["env"].as_array().map_or(0, Vec::len);
                eq(&format!("env_count of {container}"), count, &n, n == *count)?;
            }
            Ok(())
        }
        Expect::PodSecurityContext(want) => {
            let a = &cx.spec()["securityContext"];
            match want {
                None => eq("pod securityContext", &"null", a, a.is_null()),
                Some(w) => eq("pod securityContext", w, a, a == w),
            }
        }
        Expect::SecurityContext {
            container,
            field,
            value,
        } => {
            for c in cx.select(container)? {
                let a = &c["securityContext"][field.as_str()];
                let ok = if value.is_null() {
                    a.is_null()
                } else {
                    a == value
                };
                eq(
                    &format!("securityContext.{field} of {}", c["name"]),
                    value,
                    a,
                    ok,
                )?;
            }
            Ok(())
        }
        Expect::SecurityContextExact { container, value } => {
            for c in cx.select(container)? {
                let mut a = c["securityContext"].clone();
                let mut w = value.clone();
                sort_caps(&mut a);
                sort_caps(&mut w);
                eq(&format!("securityContext of {}", c["name"]), &w, &a, a == w)?;
            }
            Ok(())
        }
        Expect::Capabilities {
            container,
            add,
            drop,
        } => {
            for c in cx.select(container)? {
                let caps = &c["securityContext"]["capabilities"];
                for (what, want) in [("add", add), ("drop", drop)] {
                    let mut a = strs(&caps[what]);
                    let mut w = want.clone();
                    a.sort();
                    w.sort();
                    eq(
                        &format!("capabilities.{what} of {}", c["name"]),
                        &w,
                        &a,
                        a == w,
                    )?;
                }
            }
            Ok(())
        }
        Expect::Resources {
            container,
            field,
            value,
        } => {
            for c in cx.select(container)? {
                let mut a = &c["resources"];
                for part in field.split('.') {
                    a = &a[part];
                }
                eq(
                    &format!("resources.{field} of {}", c["name"]),
                    value,
                    a,
                    a == value.as_str(),
                )?;
            }
            Ok(())
        }
        Expect::PodField { field, value } => {
            let a = &cx.spec()[field.as_str()];
            let ok = if value.is_null() {
                is_unset(a)
            } else {
                a == value
            };
            eq(&format!("spec.{field}"), value, a, ok)
        }
        Expect::StageContainer { stage, container } => {
            let s = cx.stage(stage)?;
            eq(
                &format!("container of {stage}"),
                container,
                &s.container,
                &s.container == container,
            )
        }
        Expect::StageCommand {
            stage,
            equals,
            starts_with,
        } => {
            let s = cx.stage(stage)?;
            let sub = |v: &Option<Vec<String>>| {
                v.as_ref().map(|l| l.iter().map(|x| cx.subst(x)).collect())
            };
            check_argv(&s.argv, &sub(equals), &sub(starts_with))
                .map_err(|e| format!("stage {stage}: {e}"))
        }
        Expect::ScriptContains { stage, all } => {
            let s = cx.stage(stage)?;
            let text = s.script.join("\n");
            for want in all {
                let want = cx.subst(want);
                if !text.contains(&want) {
                    return Err(format!("script of {stage} lacks {want:?}; script:\n{text}"));
                }
            }
            Ok(())
        }
        Expect::ProjectDir(p) => {
            let want = cx.subst(p);
            eq(
                "project_dir",
                &want,
                &cx.out.project_dir,
                cx.out.project_dir == want,
            )
        }
        Expect::SharedBuildsDir(b) => eq(
            "shared_builds_dir",
            b,
            &cx.out.shared_builds_dir,
            cx.out.shared_builds_dir == *b,
        ),
        Expect::CacheLayout {
            key,
            archive,
            metadata,
            dir_mode,
            archive_mode,
            metadata_mode,
            writer,
        } => {
            let l = cx
                .out
                .cache_layout(key)
                .ok_or_else(|| format!("no cache layout for key {key:?}"))?;
            let mode = |m: &Option<String>| {
                m.as_ref()
                    .map(|s| u32::from_str_radix(s, 8).unwrap_or(u32::MAX))
            };
            let checks: [(&str, Option<String>, String); 3] = [
                (
                    "archive",
                    archive.as_ref().map(|s| cx.subst(s)),
                    l.archive.clone(),
                ),
                (
                    "metadata",
                    metadata.as_ref().map(|s| cx.subst(s)),
                    l.metadata.clone(),
                ),
                ("writer", writer.clone(), l.writer.clone()),
            ];
            for (what, want, act) in checks {
                if let Some(w) = want {
                    eq(&format!("cache_layout.{what}"), &w, &act, w == act)?;
                }
            }
            for (what, want, act) in [
                ("dir_mode", mode(dir_mode), l.dir_mode),
                ("archive_mode", mode(archive_mode), l.archive_mode),
                ("metadata_mode", mode(metadata_mode), l.metadata_mode),
            ] {
                if let Some(w) = want {
                    eq(
                        &format!("cache_layout.{what}"),
                        &format!("{w:o}"),
                        &format!("{act:o}"),
                        w == act,
                    )?;
                }
            }
            Ok(())
        }
        Expect::RemoteCacheKey { key, value } => {
            let want = cx.subst(value);
            let a = cx.out.remote_cache_key(key);
            eq(
                "remote_cache_key",
                &Some(want.clone()),
                &a,
                a.as_deref() == Some(want.as_str()),
            )
        }
        Expect::ProjectFiles {
            owner_uid,
            owner_gid,
            world_writable,
        } => {
            let pf = &cx.out.project_files;
            let ok = pf.owner_uid == Some(*owner_uid)
                && pf.owner_gid == Some(*owner_gid)
                && pf.world_writable == *world_writable;
            eq(
                "project_files",
                &(owner_uid, owner_gid, world_writable),
                &(pf.owner_uid, pf.owner_gid, pf.world_writable, &pf.because),
                ok,
            )
        }
        Expect::NoPermissionChange { path } => {
            let mut lines: Vec<String> = Vec::new();
            for c in cx.select("*")? {
                lines.push(strs(&c["command"]).join(" "));
                lines.push(strs(&c["args"]).join(" "));
            }
            for s in &cx.out.stages {
                lines.push(s.argv.join(" "));
                lines.extend(s.script.iter().cloned());
            }
            for line in lines {
                for cmd in line.split(['&', '|', ';', '(', ')', '\n']) {
                    let toks: Vec<&str> = cmd.split_whitespace().collect();
                    if !toks.iter().any(|t| *t == "chmod" || *t == "chown") {
                        continue;
                    }
                    if toks
                        .iter()
                        .any(|t| t.trim_matches(|c| c == '\'' || c == '"') == path)
                    {
                        return Err(format!("{path} has its permissions changed by: {cmd}"));
                    }
                }
            }
            Ok(())
        }
        Expect::IgnoredKey(k) => eq(
            "ignored keys",
            &format!("contains {k}"),
            &cx.ignored,
            cx.ignored.contains(k),
        ),
        Expect::Warning { contains } => {
            let ok = cx
                .out
                .warnings
                .iter()
                .any(|w| w.contains(contains.as_str()));
            eq(
                "warnings",
                &format!("one containing {contains:?}"),
                &cx.out.warnings,
                ok,
            )
        }
        Expect::Error { .. } => Err("expected an error, but a pod was built".into()),
    }
}

fn run_case(case: &Case, defaults: &Defaults) -> Result<(), Vec<String>> {
    let default_version =
        semver::Version::parse(&defaults.runner_version).map_err(|e| vec![e.to_string()])?;
    let versions =
        pick_versions(case.runner_version.as_deref(), &default_version).map_err(|e| vec![e])?;
    let mut failures = Vec::new();
    for version in versions {
        if let Err(mut f) = run_case_at(case, defaults, version) {
            failures.append(&mut f);
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}

fn run_case_at(
    case: &Case,
    defaults: &Defaults,
    version: semver::Version,
) -> Result<(), Vec<String>> {
    let tag = format!("{} [runner {version}]", case.id);
    let loaded = RunnerConfigFile::load_toml_str(&case.config)
        .map_err(|e| vec![format!("{tag}: config: {e}")])?;
    let Some(runner) = loaded.config.runners.first() else {
        return Err(vec![format!("{tag}: config has no [[runners]]")]);
    };
    let mut runner = runner.clone();
    if runner.token.is_none() {
        runner.token = Some(defaults.token.clone());
    }
    let jin = case.job.as_ref();
    let job = Job {
        image: jin.and_then(|j| j.image.clone()),
        image_user: jin.and_then(|j| j.image_user.clone()),
        services: jin
            .map(|j| {
                j.services
                    .iter()
                    .map(|s| JobService {
                        name: s.name.clone(),
                        alias: s.alias.clone(),
                        ..JobService::default()
                    })
                    .collect()
            })
            .unwrap_or_default(),
        variables: jin.map(|j| j.variables.clone()).unwrap_or_default(),
        project_path: jin.and_then(|j| j.project_path.clone()),
        cache_key: jin.and_then(|j| j.cache_key.clone()),
        timeout: jin.and_then(|j| j.timeout),
        ..Job::default()
    };
    let opts = BuildOptions {
        runner_version: version.clone(),
        project_id: defaults.project_id,
        job_id: defaults.job_id,
        concurrent_project_id: defaults.concurrent_project_id,
        project_path: defaults.project_path.clone(),
        arch: defaults.arch.clone(),
        ..BuildOptions::default()
    };
    let result = pod::build(&runner, &job, &opts);
    if let Some(Expect::Error { contains }) = case
        .expect
        .iter()
        .find(|e| matches!(e, Expect::Error { .. }))
    {
        return match result {
            Err(e)
                if contains
                    .as_ref()
                    .is_none_or(|c| e.to_string().contains(c.as_str())) =>
            {
                Ok(())
            }
            Err(e) => Err(vec![format!(
                "{tag}: error: expected one containing {contains:?}, actual {e}"
            )]),
            Ok(_) => Err(vec![format!(
                "{tag}: error: expected {contains:?}, but a pod was built"
            )]),
        };
    }
    let out = result.map_err(|e| vec![format!("{tag}: build failed: {e}")])?;
    let project_path = job
        .project_path
        .clone()
        .unwrap_or_else(|| defaults.project_path.clone());
    let cx = Ctx {
        pod: serde_json::to_value(&out.pod).map_err(|e| vec![e.to_string()])?,
        out: &out,
        version: version.to_string(),
        short_token: pod::short_token(runner.token.as_deref().unwrap_or("")),
        concurrent_project_id: defaults.concurrent_project_id,
        project_path,
        ignored: loaded.ignored.iter().map(|k| k.dotted()).collect(),
    };
    let failures: Vec<String> = case
        .expect
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            check(&cx, e)
                .err()
                .map(|m| format!("{tag}: expect[{i}] {m}"))
        })
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}

fn vector_files() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")];
    if let Ok(extra) = std::env::var("RUNNER_DOCTOR_EXTRA_VECTORS")
        && !extra.is_empty()
    {
        dirs.push(PathBuf::from(extra));
    }
    let mut files = Vec::new();
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            panic!("cannot read vector directory {}", d.display());
        };
        let mut here: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("runner-pods") && n.ends_with(".yaml"))
            })
            .collect();
        here.sort();
        files.extend(here);
    }
    files
}

#[test]
fn runner_pod_vectors() {
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut total = 0;
    for path in vector_files() {
        let text = std::fs::read_to_string(&path).expect("read vector file");
        let file: VectorFile =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(file.schema, "runner-pods/v1", "{}", path.display());
        assert_eq!(
            (file.defaults.os.as_str(), file.defaults.arch.as_str()),
            ("linux", "amd64")
        );
        for case in &file.cases {
            total += 1;
            match run_case(case, &file.defaults) {
                Ok(()) => passed += 1,
                Err(msgs) => {
                    let conf = case.confidence.as_deref().unwrap_or("source");
                    failures.push(format!(
                        "{} ({conf}):\n    {}",
                        case.id,
                        msgs.join("\n    ")
                    ));
                }
            }
        }
    }
    eprintln!("runner-pod vectors: {passed}/{total} passed");
    assert!(total > 0, "no vectors found");
    assert!(
        failures.is_empty(),
        "{} of {total} runner-pod vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
