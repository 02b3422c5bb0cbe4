//! The analysis rules read: the inputs, and for each runner the predicted job pod, its
//! admission, and who can write where.
//!
//! Built once per run from the model, in data-flow order; rules only read it.

pub mod admit;
pub mod builders;
pub mod deploy;
pub mod effective;
pub mod manager;
pub mod prediction;
pub mod stages;

use crate::diagnostic::Assumption;
use crate::model::load::{ConfigDoc, Inputs};
use crate::model::runner::{KeyPath, KeySegment};
use crate::settings::Settings;
use crate::source::tree::Seg;
use crate::source::{Node, Span};

/// Everything the rules look at.
pub struct Analysis {
    pub inputs: Inputs,
    pub settings: Settings,
    /// Assumptions every finding of this run shares (runner version, platform).
    pub global_assumptions: Vec<Assumption>,
    /// Each config merged with what its deployment sets at registration, by config index.
    pub effective: Vec<effective::EffectiveConfig>,
    /// Each Kubernetes runner's job pods, their admission and access.
    pub predictions: Vec<prediction::RunnerPrediction>,
    /// Each manager pod the Helm values and `Runner` resources deploy, its admission and access.
    pub managers: Vec<manager::ManagerPrediction>,
}

impl Analysis {
    pub fn new(inputs: Inputs, settings: Settings) -> Self {
        let mut global_assumptions = Vec::new();
        // The default version is assumed only where no deployment names its runner image.
        if inputs.configs.is_empty()
            || inputs
                .configs
                .iter()
                .any(|c| deploy::known_runner_version(&inputs, &settings, c).is_none())
        {
            global_assumptions.extend(settings.runner_version().1);
        }
        global_assumptions.extend(settings.platform().1);
        let (runner_version, _) = settings.runner_version();
        let effective: Vec<_> = (0..inputs.configs.len())
            .map(|index| {
                let deployment = deploy::find(&inputs, &inputs.configs[index], &runner_version);
                effective::compute(&inputs, index, &deployment)
            })
            .collect();
        let predictions = prediction::predict_all(&inputs, &settings, &effective);
        let managers = manager::predict_all(&inputs, &settings);
        Self {
            inputs,
            settings,
            global_assumptions,
            effective,
            predictions,
            managers,
        }
    }
}

/// A cache the helper cannot create, with what it was found in (see
/// [`Analysis::unwritable_caches`]).
pub struct UnwritableCache<'a> {
    pub prediction: &'a prediction::RunnerPrediction,
    pub job: &'a prediction::JobPrediction,
    pub job_pod: &'a crate::pod::JobPod,
    pub access: &'a prediction::AccessView,
    pub cache: &'a prediction::CacheAccess,
    pub identity: &'a crate::access::Identity,
}

/// One `[[runners]]` entry of a config, with span helpers.
#[derive(Clone, Copy, Debug)]
pub struct RunnerRef<'a> {
    pub config: &'a ConfigDoc,
    pub index: usize,
    pub node: &'a Node,
}

impl<'a> RunnerRef<'a> {
    /// The node at a path below this runner entry (`["kubernetes", "namespace"]`).
    pub fn at(&self, path: &[&str]) -> Option<&'a Node> {
        let segs: Vec<Seg<'_>> = path.iter().map(|k| Seg::Key(k)).collect();
        self.node.at(&segs)
    }

    /// The string at a path.
    pub fn str_at(&self, path: &[&str]) -> Option<&'a str> {
        self.at(path).and_then(Node::as_str)
    }

    /// The span of `key = value` at a path (or of the value when it is an array item).
    pub fn span_at(&self, path: &[&str]) -> Option<Span> {
        let (parent, last) = path.split_last().map(|(l, p)| (p, *l))?;
        let parent_node = if parent.is_empty() {
            Some(self.node)
        } else {
            self.at(parent)
        }?;
        let entry = parent_node.entry(last)?;
        Some(Span::new(
            self.config.source,
            entry.key_range.cover(entry.value.range),
        ))
    }

    /// The span of a node of this config.
    pub fn span_of(&self, node: &Node) -> Span {
        Span::new(self.config.source, node.range)
    }

    /// The span of the `[[runners]]` entry itself.
    pub fn span(&self) -> Span {
        self.span_of(self.node)
    }

    /// The executor, `kubernetes` when unset (the only one runner-doctor models).
    pub fn executor(&self) -> &'a str {
        self.str_at(&["executor"]).unwrap_or("kubernetes")
    }
}

impl Analysis {
    /// The spanned `[[runners]]` entry a prediction is about.
    pub fn runner_ref(&self, prediction: &prediction::RunnerPrediction) -> Option<RunnerRef<'_>> {
        let config = self.inputs.configs.get(prediction.config)?;
        let node = config.root.get("runners")?.items().get(prediction.runner)?;
        Some(RunnerRef {
            config,
            index: prediction.runner,
            node,
        })
    }

    /// The span of `key = value` (or of the table item) a config key path names, e.g.
    /// `runners[0].kubernetes.pod_security_context.fs_group`.
    ///
    /// A key an environment variable sets at registration points at that variable instead
    /// (the Helm values or the Operator's env ConfigMap): that is where the value comes from.
    pub fn key_span(&self, config: usize, key: &KeyPath) -> Option<Span> {
        if let Some(span) = self.env_winner_span(config, key) {
            return Some(span);
        }
        let config = self.inputs.configs.get(config)?;
        let segs: Vec<Seg<'_>> = key.0.iter().map(KeySegment::as_seg).collect();
        match segs.last()? {
            Seg::Key(_) => {
                let (key_and_value, _) = config.root.key_value_range(&segs)?;
                Some(Span::new(config.source, key_and_value))
            }
            Seg::Index(_) => Some(Span::new(config.source, config.root.at(&segs)?.range)),
        }
    }

    /// Whether a variable of registration sets this config key over the file's value (so an
    /// edit of the file's line would change nothing).
    pub fn set_by_variable(&self, config: usize, key: &KeyPath) -> bool {
        self.env_winner_span(config, key).is_some()
    }

    /// The variable that wins over a config key at registration, by its span.
    fn env_winner_span(&self, config: usize, key: &KeyPath) -> Option<Span> {
        let effective = self.effective.get(config)?;
        let (runner, path) = runner_key_path(key)?;
        let (_, setting) = effective.winner_at(runner, &path)?;
        setting.span
    }

    /// The config key that produced exactly this pod field (`spec.volumes[1]`).
    pub fn field_key<'p>(
        &self,
        job_pod: &'p crate::pod::JobPod,
        field: &str,
    ) -> Option<&'p KeyPath> {
        job_pod.provenance.iter().find_map(|p| match &p.source {
            crate::pod::Source::Config(key) if p.pod_path == field => Some(key),
            _ => None,
        })
    }

    /// The config span that produced a pod field (`spec.securityContext.fsGroup`), through the
    /// pod's provenance; fields below the one named count too.
    pub fn field_span(
        &self,
        prediction: &prediction::RunnerPrediction,
        job_pod: &crate::pod::JobPod,
        field: &str,
    ) -> Option<Span> {
        job_pod.provenance.iter().find_map(|p| {
            let below = p.pod_path == field
                || p.pod_path
                    .strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['));
            match &p.source {
                crate::pod::Source::Config(key) if below => self.key_span(prediction.config, key),
                _ => None,
            }
        })
    }

    /// Each runner whose representative job's helper cannot create the cache directory: the
    /// prediction, its job, the built pod, the cache verdict and the writer's identity. The
    /// cache rule (RD402) reports these and `fix --manifests` remedies them.
    pub fn unwritable_caches(&self) -> impl Iterator<Item = UnwritableCache<'_>> {
        self.predictions.iter().filter_map(|prediction| {
            let job = prediction.representative();
            let (Ok(job_pod), Some(access)) = (&job.pod, &job.access) else {
                return None;
            };
            let cache = access.cache.as_ref().filter(|c| !c.verdict.allowed)?;
            let identity = access.identities.get(&cache.container)?;
            Some(UnwritableCache {
                prediction,
                job,
                job_pod,
                access,
                cache,
                identity,
            })
        })
    }

    /// Every `[[runners]]` entry of every config, in input order.
    pub fn runners(&self) -> impl Iterator<Item = RunnerRef<'_>> {
        self.inputs.configs.iter().flat_map(|config| {
            config
                .root
                .get("runners")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .filter(|(_, node)| node.is_map())
                .map(move |(index, node)| RunnerRef {
                    config,
                    index,
                    node,
                })
        })
    }
}

/// Splits `runners[i].a.b` into the entry index and the path below it.
fn runner_key_path(key: &KeyPath) -> Option<(usize, Vec<&str>)> {
    match key.0.as_slice() {
        [
            KeySegment::Key(runners),
            KeySegment::Index(index),
            rest @ ..,
        ] if runners == "runners" => {
            let path = rest
                .iter()
                .map(|s| match s {
                    KeySegment::Key(k) => Some(k.as_str()),
                    KeySegment::Index(_) => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some((*index, path))
        }
        _ => None,
    }
}
