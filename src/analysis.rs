//! The analysis rules read: the inputs, and for each runner the predicted job pod, its
//! admission, and who can write where.
//!
//! Built once per run from the model, in data-flow order; rules only read it.

use crate::diagnostic::Assumption;
use crate::model::load::Inputs;
use crate::settings::Settings;

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
