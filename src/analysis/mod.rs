//! The analysis rules read: the inputs, and for each runner the predicted job pod, its
//! admission, and who can write where.
//!
//! Built once per run from the model, in data-flow order; rules only read it.

pub mod deploy;

use crate::diagnostic::Assumption;
use crate::model::load::{ConfigDoc, Inputs};
use crate::settings::Settings;
use crate::source::tree::Seg;
use crate::source::{Node, Span};

/// Everything the rules look at.
pub struct Analysis {
    pub inputs: Inputs,
    pub settings: Settings,
    /// Assumptions every finding of this run shares (runner version, platform).
    pub global_assumptions: Vec<Assumption>,
}

impl Analysis {
    pub fn new(inputs: Inputs, settings: Settings) -> Self {
        let mut global_assumptions = Vec::new();
        global_assumptions.extend(settings.runner_version().1);
        global_assumptions.extend(settings.platform().1);
        Self {
            inputs,
            settings,
            global_assumptions,
        }
    }
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
