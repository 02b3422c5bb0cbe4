//! The job's run inside the pod: which container runs each stage and with which argv
//! (`getContainerInfo`, K L1198), the script lines that matter for permissions (cache
//! extract/archive, the umask rules and the 17.11+ `chown -R` of `changeFilesOwnership`, A
//! L776–806), the local and remote cache layout (A L128–210, `cache_archiver.go`,
//! `cache/cache.go` L41–44), and who ends up owning the cloned files (reference §3.3).

use std::fmt;

use super::util::{join_path, rel_path, sha256_hex};

/// A job stage, as named by the runner (`common.BuildStage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Stage {
    PrepareScript,
    GetSources,
    ClearWorktree,
    RestoreCache,
    DownloadArtifacts,
    StepScript,
    AfterScript,
    ArchiveCache,
    ArchiveCacheOnFailure,
    UploadArtifactsOnSuccess,
    UploadArtifactsOnFailure,
    CleanupFileVariables,
}

impl Stage {
    /// Every stage in execution order (the `*_on_failure` variants next to their success twins).
    pub const ALL: [Stage; 12] = [
        Stage::PrepareScript,
        Stage::GetSources,
        Stage::ClearWorktree,
        Stage::RestoreCache,
        Stage::DownloadArtifacts,
        Stage::StepScript,
        Stage::AfterScript,
        Stage::ArchiveCache,
        Stage::ArchiveCacheOnFailure,
        Stage::UploadArtifactsOnSuccess,
        Stage::UploadArtifactsOnFailure,
        Stage::CleanupFileVariables,
    ];

    /// The runner's name for the stage (also the script file name under the scripts dir).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::PrepareScript => "prepare_script",
            Stage::GetSources => "get_sources",
            Stage::ClearWorktree => "clear_worktree",
            Stage::RestoreCache => "restore_cache",
            Stage::DownloadArtifacts => "download_artifacts",
            Stage::StepScript => "step_script",
            Stage::AfterScript => "after_script",
            Stage::ArchiveCache => "archive_cache",
            Stage::ArchiveCacheOnFailure => "archive_cache_on_failure",
            Stage::UploadArtifactsOnSuccess => "upload_artifacts_on_success",
            Stage::UploadArtifactsOnFailure => "upload_artifacts_on_failure",
            Stage::CleanupFileVariables => "cleanup_file_variables",
        }
    }

    /// Parses [`Stage::as_str`].
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the stage is predefined (runs in the helper): everything except user steps.
    pub fn is_predefined(self) -> bool {
        !matches!(self, Stage::StepScript | Stage::AfterScript)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One stage as the executor runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRun {
    /// The stage.
    pub stage: Stage,
    /// The container it runs in (`helper` or `build`).
    pub container: String,
    /// The argv the executor attaches/execs.
    pub argv: Vec<String>,
    /// The generated script lines that matter for identity and permissions (not the full
    /// script): umask, cache commands, ownership changes, user script hooks.
    pub script: Vec<String>,
    /// The umask the stage runs with when the runner sets one (`0000` under
    /// `gitlab-runner-build`); `None` = the image's default.
    pub umask: Option<String>,
}

/// Where the local cache of one key lives and who writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheLayout {
    /// The key as given.
    pub key: String,
    /// The directory name used for the key (sanitized, or SHA-256 with `FF_HASH_CACHE_KEYS`).
    pub dir_name: String,
    /// `<cache_dir>/<ns>/<project>`, the project cache dir.
    pub project_cache_dir: String,
    /// `<project cache dir>/<key>/cache.zip`.
    pub archive: String,
    /// `<project cache dir>/<key>/metadata.json`.
    pub metadata: String,
    /// The `--file` argument (relative to the project dir unless the PowerShell resolver is on).
    pub archive_arg: String,
    /// Mode of directories the archiver/extractor create (`MkdirAll(dir, 0700)`).
    pub dir_mode: u32,
    /// Mode of `cache.zip` (`os.CreateTemp` → 0600, then renamed).
    pub archive_mode: u32,
    /// Mode of `metadata.json` (0640).
    pub metadata_mode: u32,
    /// The container that writes the files.
    pub writer: String,
    /// The distributed-cache object key, when a remote cache is configured.
    pub remote_key: Option<String>,
}

/// Everything needed to lay out a cache key.
#[derive(Debug, Clone, Default)]
pub(crate) struct CacheContext {
    pub(crate) cache_dir: String,
    pub(crate) project_path: String,
    pub(crate) project_dir: String,
    pub(crate) project_id: i64,
    pub(crate) short_token: String,
    pub(crate) hash_keys: bool,
    pub(crate) absolute_paths: bool,
    pub(crate) remote: Option<(String, bool)>,
}

/// `cachekey.Sanitize`: normalise `%2f`, `%2e` and `\`, clean as a path, trim trailing spaces of
/// the last segments; `None` when nothing is left.
pub(crate) fn sanitize_key(key: &str) -> Option<String> {
    if key.is_empty() {
        return None;
    }
    let norm = key
        .replace("%2f", "/")
        .replace("%2F", "/")
        .replace("%2e", ".")
        .replace("%2E", ".")
        .replace('\\', "/");
    let cleaned = super::util::clean_path(&format!("/{norm}"));
    let mut parts: Vec<String> = cleaned[1..].split('/').map(str::to_string).collect();
    while let Some(last) = parts.last_mut() {
        let trimmed = last.trim_end().to_string();
        if trimmed.is_empty() {
            parts.pop();
        } else {
            *last = trimmed;
            break;
        }
    }
    let k = parts.join("/");
    (!k.is_empty()).then_some(k)
}

impl CacheContext {
    pub(crate) fn layout(&self, key: &str) -> Option<CacheLayout> {
        let dir_name = if self.hash_keys {
            sha256_hex(key)
        } else {
            sanitize_key(key)?
        };
        let project_cache_dir = join_path(&[&self.cache_dir, &self.project_path]);
        let archive = join_path(&[&project_cache_dir, &dir_name, "cache.zip"]);
        let metadata = join_path(&[&project_cache_dir, &dir_name, "metadata.json"]);
        let archive_arg = if self.absolute_paths {
            archive.clone()
        } else {
            rel_path(&self.project_dir, &archive)
        };
        Some(CacheLayout {
            key: key.to_string(),
            dir_name,
            project_cache_dir,
            archive,
            metadata,
            archive_arg,
            dir_mode: 0o700,
            archive_mode: 0o600,
            metadata_mode: 0o640,
            writer: "helper".into(),
            remote_key: self.remote_key(key),
        })
    }

    /// `cache/cache.go`: `<Path>/project/<id>/<key>` when shared, else
    /// `<Path>/runner/<short token>/project/<id>/<key>`.
    pub(crate) fn remote_key(&self, key: &str) -> Option<String> {
        let (prefix, shared) = self.remote.as_ref()?;
        let key = if self.hash_keys {
            sha256_hex(key)
        } else {
            sanitize_key(key)?
        };
        let pid = self.project_id.to_string();
        let p = if *shared {
            join_path(&[prefix, "project", &pid, &key])
        } else {
            join_path(&[prefix, "runner", &self.short_token, "project", &pid, &key])
        };
        Some(p.trim_start_matches('/').to_string())
    }
}

/// Who owns the files the clone creates in the project dir (reference §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFiles {
    /// Owner uid; `None` when it depends on an image `USER` the model does not know.
    pub owner_uid: Option<i64>,
    /// Owner gid; `None` when unknown.
    pub owner_gid: Option<i64>,
    /// Whether the files are world-writable (created under `umask 0000`).
    pub world_writable: bool,
    /// The facts this relies on.
    pub because: Vec<String>,
}

/// Inputs of the stage plan.
pub(crate) struct PlanInput<'a> {
    pub(crate) helper_cmd: Vec<String>,
    pub(crate) scripts_dir: &'a str,
    pub(crate) logs_dir: &'a str,
    pub(crate) legacy_exec: bool,
    pub(crate) umask_wrapper: bool,
    pub(crate) chown: ChownMode,
    pub(crate) builds_dir: &'a str,
    pub(crate) project_dir: &'a str,
    pub(crate) cache: Option<&'a CacheLayout>,
    pub(crate) project_cache_dir: &'a str,
    pub(crate) uid_gid_file: String,
    pub(crate) pre_get_sources: Option<&'a str>,
    pub(crate) post_get_sources: Option<&'a str>,
    pub(crate) pre_build: Option<&'a str>,
    pub(crate) post_build: Option<&'a str>,
    pub(crate) user_script: &'a [String],
}

/// Which ownership fix the helper scripts carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChownMode {
    /// No `chown` lines (before 17.2, or 17.2–17.10 without an explicit `shell = "bash"`).
    None,
    /// 17.2–17.10 with `shell = "bash"`: only the cache dir after `restore_cache`.
    CacheDirOnly,
    /// 17.11+: builds dir after `get_sources`; cache dir and builds dir after `restore_cache` and
    /// `download_artifacts`. Guarded by the marker file, so a no-op unless the collector ran.
    Full,
}

fn chown_lines(uid_file: &str, dirs: &[&str]) -> Vec<String> {
    let mut out = vec![format!("if [ -f {uid_file:?} ]; then")];
    for d in dirs {
        out.push(format!("  if [ -d {d:?} ]; then"));
        out.push(format!(
            "    chown -R \"$(stat -c '%u:%g' '{uid_file}')\" '{d}'"
        ));
        out.push("  fi".into());
    }
    out.push("fi".into());
    out
}

pub(crate) fn plan(inp: &PlanInput<'_>) -> Vec<StageRun> {
    let script_path = |st: Stage| join_path(&[inp.scripts_dir, st.as_str()]);
    let redirect = format!("2>&1 | tee -a {}", join_path(&[inp.logs_dir, "output.log"]));
    let detect = join_path(&[inp.scripts_dir, "detect_shell_script"]);
    Stage::ALL
        .into_iter()
        .map(|st| {
            let predefined = st.is_predefined();
            let container = if predefined { "helper" } else { "build" };
            let argv = if inp.legacy_exec {
                // Exec mode: the stage script is piped to the shell over exec (no files).
                if predefined {
                    inp.helper_cmd.clone()
                } else {
                    vec!["sh".into()]
                }
            } else if predefined {
                // getContainerInfo: "<helperCmd> <<< <script> 2>&1 | tee -a <log>".
                let mut a = inp.helper_cmd.clone();
                a.extend(["<<<".into(), script_path(st), redirect.clone()]);
                a
            } else {
                let sp = script_path(st);
                vec![
                    "sh".into(),
                    "-c".into(),
                    format!(
                        "'(({detect} {sp}; ec=$?; if [ $ec -ne 0 ]; then echo; echo \"{{\\\"command_exit_code\\\": $ec, \\\"script\\\": \\\"{sp}\\\"}}\"; fi) {redirect}) &'"
                    ),
                ]
            };
            let mut script = Vec::new();
            let umask = (predefined && inp.umask_wrapper).then(|| "0000".to_string());
            if let Some(u) = &umask {
                script.push(format!("umask {u}"));
            }
            let cache_file = inp.cache.map(|c| c.archive_arg.clone());
            match st {
                Stage::GetSources => {
                    if let Some(s) = inp.pre_get_sources {
                        script.push(s.to_string());
                    }
                    script.push(format!("git clone <repository> {}", inp.project_dir));
                    if let Some(s) = inp.post_get_sources {
                        script.push(s.to_string());
                    }
                    if inp.chown == ChownMode::Full {
                        script.extend(chown_lines(&inp.uid_gid_file, &[inp.builds_dir]));
                    }
                }
                Stage::RestoreCache | Stage::DownloadArtifacts => {
                    if st == Stage::RestoreCache {
                        if let Some(f) = &cache_file {
                            script.push(format!(
                                "gitlab-runner-helper cache-extractor --file {f} --timeout 10"
                            ));
                        }
                    } else {
                        script.push("gitlab-runner-helper artifacts-downloader".into());
                    }
                    match inp.chown {
                        ChownMode::Full => script.extend(chown_lines(
                            &inp.uid_gid_file,
                            &[inp.project_cache_dir, inp.builds_dir],
                        )),
                        ChownMode::CacheDirOnly if st == Stage::RestoreCache => script.extend(
                            chown_lines(&inp.uid_gid_file, &[inp.project_cache_dir]),
                        ),
                        _ => {}
                    }
                }
                Stage::ArchiveCache | Stage::ArchiveCacheOnFailure => {
                    if let Some(f) = &cache_file {
                        script.push(format!(
                            "gitlab-runner-helper cache-archiver --file {f} --alternate-file {f} --timeout 10 --path <cache paths>"
                        ));
                    }
                }
                Stage::UploadArtifactsOnSuccess | Stage::UploadArtifactsOnFailure => {
                    script.push("gitlab-runner-helper artifacts-uploader".into());
                }
                Stage::StepScript => {
                    if let Some(s) = inp.pre_build {
                        script.push(s.to_string());
                    }
                    script.extend(inp.user_script.iter().cloned());
                    if let Some(s) = inp.post_build {
                        script.push(s.to_string());
                    }
                }
                _ => {}
            }
            StageRun {
                stage: st,
                container: container.into(),
                argv,
                script,
                umask,
            }
        })
        .collect()
}
