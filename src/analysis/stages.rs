//! The per-stage access matrix: what each job stage does to the file system, in execution
//! order, checked against the identity of the container that runs it.
//!
//! Files created by one stage are seen by the next: the helper clones the project under its
//! own uid and umask, the build container then works in it, the helper reads the build's output
//! to archive the cache and artifacts, and the next job's helper reads the cache archive the
//! previous one wrote (`0700` directories, `0600` archive; gitlab-runner-k8s.md §4). This module
//! carries that ownership forward; it reads the pod's stage plan and the access view and never
//! reports.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::access::{self, FileKind, FileStat, Identity, Op, Target, Verdict};
use crate::analysis::prediction::AccessView;
use crate::pod::{JobPod, Stage};

/// The umask of processes the runner does not wrap: the common image default.
const DEFAULT_UMASK: u32 = 0o022;

/// One operation of one stage, and whether it succeeds.
#[derive(Clone, Debug, Serialize)]
pub struct StepAccess {
    /// The stage (`get_sources`, `step_script`, …).
    pub stage: String,
    /// The container that runs it.
    pub container: String,
    /// What the stage does, in words.
    pub action: String,
    /// The path operated on (the directory an entry is created in, or the file read).
    pub path: String,
    /// The pod volume the path lies on.
    pub volume: Option<String>,
    /// `read` or `write`.
    pub op: &'static str,
    /// Owner and mode of the path at that moment (`0755 0:0`).
    pub target: String,
    /// Whether the operation succeeds.
    pub allowed: bool,
    /// What decided it (`owner`, `group`, `other`, `dac_override`, `read_only`).
    pub reason: &'static str,
    /// The bits the deciding class lacks (`g+w`).
    pub missing: Option<String>,
}

/// Where a path is, as one container sees it: its mount and current owner/mode.
struct Located {
    volume: String,
    stat: FileStat,
    kind: FileKind,
    read_only: bool,
}

/// Simulates the stages of one job in order; rows for stages whose container or path is
/// unknown to the model are left out.
pub fn stage_matrix(job_pod: &JobPod, view: &AccessView) -> Vec<StepAccess> {
    let mut sim = Simulation {
        view,
        created: BTreeMap::new(),
        rows: Vec::new(),
    };
    let project = job_pod.project_dir.trim_end_matches('/').to_string();
    let build_output = format!("{project}/<build output>");
    let checkout_file = format!("{project}/<checked-out file>");
    let restored_dir = format!("{project}/<restored cache directory>");
    for run in &job_pod.stages {
        let umask = run
            .umask
            .as_deref()
            .and_then(|u| u32::from_str_radix(u, 8).ok())
            .unwrap_or(DEFAULT_UMASK);
        let (stage, c) = (run.stage, run.container.as_str());
        match (stage, &job_pod.cache) {
            // git creates directories with 0777 minus the umask.
            (Stage::GetSources, _)
                if sim.create(stage, c, &project, 0o777 & !umask, "clone the project") =>
            {
                sim.create_file(stage, c, &project, &checkout_file, umask);
                // With the disable-umask flag the helper then chowns the project to the
                // build container's uid:gid (17.11+; gitlab-runner-k8s.md §4).
                let files = &job_pod.project_files;
                if let (false, Some(uid), Some(gid)) =
                    (files.world_writable, files.owner_uid, files.owner_gid)
                {
                    sim.chown_tree(&project, uid, gid);
                }
            }
            (Stage::RestoreCache, Some(cache)) => {
                let key_dir = format!("{}/{}", cache.project_cache_dir, cache.dir_name);
                let archiver = job_pod
                    .stage(Stage::ArchiveCache)
                    .map_or(c, |s| s.container.as_str());
                if sim.locate_any(archiver, &key_dir).is_none() {
                    sim.not_on_a_volume(stage, c, &cache.archive);
                    continue;
                }
                if !sim.could_create(archiver, &key_dir) {
                    sim.never_written(stage, c, &cache.archive);
                    continue;
                }
                // The previous job's helper archived it: MkdirAll 0700, archive 0600.
                sim.assume_written_by(archiver, &key_dir, FileKind::Dir, cache.dir_mode);
                sim.assume_written_by(archiver, &cache.archive, FileKind::File, cache.archive_mode);
                let read = "read the previous job's cache archive";
                sim.check(stage, c, &cache.archive, Op::Read, read);
                let extract = "extract the cache into the project";
                if sim.check(stage, c, &project, Op::Write, extract) {
                    // Extraction keeps the archived modes (typically 0755 directories) and
                    // the extracting uid, not the umask (FC05).
                    sim.restore(c, &project, &restored_dir, 0o755);
                }
            }
            (Stage::StepScript, _) => {
                sim.check(
                    stage,
                    c,
                    &checkout_file,
                    Op::Write,
                    "modify a checked-out file",
                );
                let restored = "create a file in a restored directory";
                sim.check(stage, c, &restored_dir, Op::Write, restored);
                sim.create_file(stage, c, &project, &build_output, umask);
            }
            (Stage::ArchiveCache, Some(cache)) => {
                let read = "read the build output to archive it";
                sim.check(stage, c, &build_output, Op::Read, read);
                let key_dir = format!("{}/{}", cache.project_cache_dir, cache.dir_name);
                sim.created.remove(&key_dir);
                sim.created.remove(&cache.archive);
                // MkdirAll(dir, 0700): every directory it creates gets 0700 minus the umask.
                let mode = cache.dir_mode & !umask;
                if sim.create(stage, c, &key_dir, mode, "create the cache directory") {
                    sim.check(stage, c, &key_dir, Op::Write, "write `cache.zip`");
                }
            }
            (Stage::UploadArtifactsOnSuccess, _) => {
                let read = "read the build output to upload it";
                sim.check(stage, c, &build_output, Op::Read, read);
            }
            _ => {}
        }
    }
    sim.rows
}

struct Simulation<'a> {
    view: &'a AccessView,
    /// Entries created so far, by absolute path.
    created: BTreeMap<String, (FileStat, FileKind)>,
    rows: Vec<StepAccess>,
}

impl Simulation<'_> {
    fn identity(&self, container: &str) -> Option<&Identity> {
        self.view.identities.get(container)
    }

    /// The mount of `container` holding `path`, and the path's current owner/mode: an entry
    /// created earlier, or the mount root for the root itself and for paths below it that do
    /// not exist yet (their nearest existing ancestor is the root).
    fn locate(&self, container: &str, path: &str) -> Option<Located> {
        let mount = self.locate_any(container, path)?;
        let target = mount.target?;
        let root = mount.mount_path.trim_end_matches('/');
        let (stat, kind) = self
            .created
            .get(path)
            .copied()
            .or_else(|| (path == root).then_some((target.stat, FileKind::Dir)))?;
        Some(Located {
            volume: mount.volume.clone(),
            stat,
            kind,
            read_only: target.read_only,
        })
    }

    /// The nearest existing directory at or above `path`.
    fn existing_parent(&self, container: &str, path: &str) -> Option<(String, Located)> {
        let mut dir = path.trim_end_matches('/').to_string();
        loop {
            dir = match dir.rfind('/') {
                Some(0) | None => return None,
                Some(i) => dir[..i].to_string(),
            };
            if let Some(found) = self.locate(container, &dir) {
                return Some((dir, found));
            }
        }
    }

    fn record(
        &mut self,
        stage: Stage,
        container: &str,
        action: &str,
        path: &str,
        found: &Located,
        op: Op,
    ) -> Option<Verdict> {
        let id = self.identity(container)?;
        let target = Target {
            kind: found.kind,
            stat: found.stat,
            read_only: found.read_only,
            squash: None,
        };
        let verdict = access::check(id, &target, op);
        self.rows.push(StepAccess {
            stage: stage.as_str().to_string(),
            container: container.to_string(),
            action: action.to_string(),
            path: path.to_string(),
            volume: Some(found.volume.clone()),
            op: match op {
                Op::Read => "read",
                Op::Write => "write",
            },
            target: found.stat.to_string(),
            allowed: verdict.allowed,
            reason: verdict.reason.as_str(),
            missing: verdict.missing.clone(),
        });
        Some(verdict)
    }

    /// Checks `op` on an existing path (a directory or a file created earlier).
    fn check(&mut self, stage: Stage, container: &str, path: &str, op: Op, action: &str) -> bool {
        let Some(found) = self.locate(container, path) else {
            return false;
        };
        self.record(stage, container, action, path, &found, op)
            .is_some_and(|v| v.allowed)
    }

    /// Creates a directory (and its missing parents, with the same mode) as `container` would,
    /// recording the write check on the nearest existing parent.
    fn create(
        &mut self,
        stage: Stage,
        container: &str,
        path: &str,
        mode: u32,
        action: &str,
    ) -> bool {
        let Some((parent, found)) = self.existing_parent(container, path) else {
            return false;
        };
        let parent_stat = found.stat;
        let allowed = self
            .record(stage, container, action, &parent, &found, Op::Write)
            .is_some_and(|v| v.allowed);
        if allowed && let Some(id) = self.identity(container).cloned() {
            let mut dir = parent.clone();
            let mut parent_stat = parent_stat;
            for part in path[parent.len()..].split('/').filter(|p| !p.is_empty()) {
                dir = format!("{dir}/{part}");
                // Owner and group as created (setgid inherited), mode as requested.
                let mut stat = access::created_entry(&id, &parent_stat, FileKind::Dir, 0);
                stat.mode = access::Mode::new(mode | (stat.mode.bits() & access::Mode::SETGID));
                self.created.insert(dir.clone(), (stat, FileKind::Dir));
                parent_stat = stat;
            }
        }
        allowed
    }

    /// Creates a file in `dir` as `container`.
    fn create_file(&mut self, stage: Stage, container: &str, dir: &str, file: &str, umask: u32) {
        let Some(found) = self.locate(container, dir) else {
            return;
        };
        let action = format!("create `{}`", file.rsplit('/').next().unwrap_or(file));
        let allowed = self
            .record(stage, container, &action, dir, &found, Op::Write)
            .is_some_and(|v| v.allowed);
        if allowed && let Some(id) = self.identity(container) {
            let stat = access::created_entry(id, &found.stat, FileKind::File, umask);
            self.created
                .insert(file.to_string(), (stat, FileKind::File));
        }
    }

    /// Whether `container` may create `path` (a write on its nearest existing parent).
    fn could_create(&self, container: &str, path: &str) -> bool {
        let (Some((_, parent)), Some(id)) = (
            self.existing_parent(container, path),
            self.identity(container),
        ) else {
            return false;
        };
        let target = Target {
            kind: parent.kind,
            stat: parent.stat,
            read_only: parent.read_only,
            squash: None,
        };
        access::check(id, &target, Op::Write).allowed
    }

    /// The mount of `container` holding `path`, whether or not the path exists yet.
    fn locate_any(&self, container: &str, path: &str) -> Option<&crate::access::k8s::MountAccess> {
        self.view
            .mounts
            .iter()
            .filter(|m| m.container == container && m.sub_path.is_none())
            .filter(|m| {
                let root = m.mount_path.trim_end_matches('/');
                path == root || path.starts_with(&format!("{root}/"))
            })
            .max_by_key(|m| m.mount_path.len())
    }

    /// Gives every created entry at or below `root` to `uid:gid` (`chown -R`).
    fn chown_tree(&mut self, root: &str, uid: i64, gid: i64) {
        for (path, (stat, _)) in self.created.iter_mut() {
            if path == root || path.starts_with(&format!("{root}/")) {
                stat.uid = Some(uid);
                stat.gid = gid;
            }
        }
    }

    /// The cache directory is in the container's own file system: the archive goes with the
    /// pod, so no later job finds it.
    fn not_on_a_volume(&mut self, stage: Stage, container: &str, path: &str) {
        self.rows.push(StepAccess {
            stage: stage.as_str().to_string(),
            container: container.to_string(),
            action: "read the previous job's cache archive, lost with its pod (no volume holds the cache directory)".to_string(),
            path: path.to_string(),
            volume: None,
            op: "read",
            target: "not on a volume".to_string(),
            allowed: false,
            reason: "ephemeral",
            missing: None,
        });
    }

    /// A read of an archive no job can ever write: the restore always misses.
    fn never_written(&mut self, stage: Stage, container: &str, path: &str) {
        self.rows.push(StepAccess {
            stage: stage.as_str().to_string(),
            container: container.to_string(),
            action: "read the previous job's cache archive, which no job can write".to_string(),
            path: path.to_string(),
            volume: None,
            op: "read",
            target: "missing".to_string(),
            allowed: false,
            reason: "missing",
            missing: None,
        });
    }

    /// Records a directory extracted from an archive by `container`: its uid, the parent's group
    /// when setgid, and the archived mode.
    fn restore(&mut self, container: &str, parent: &str, path: &str, mode: u32) {
        let (Some(found), Some(id)) = (self.locate(container, parent), self.identity(container))
        else {
            return;
        };
        let mut stat = access::created_entry(id, &found.stat, FileKind::Dir, 0);
        stat.mode = access::Mode::new(mode);
        self.created.insert(path.to_string(), (stat, FileKind::Dir));
    }

    /// Records an entry a previous job wrote as `container`'s identity, with the mode the
    /// runner asks for.
    fn assume_written_by(&mut self, container: &str, path: &str, kind: FileKind, mode: u32) {
        let Some(id) = self.identity(container) else {
            return;
        };
        let Some((_, parent)) = self.existing_parent(container, path) else {
            return;
        };
        let mut stat = access::created_entry(id, &parent.stat, kind, 0);
        stat.mode = access::Mode::new(mode | (stat.mode.bits() & access::Mode::SETGID));
        self.created.insert(path.to_string(), (stat, kind));
    }
}
