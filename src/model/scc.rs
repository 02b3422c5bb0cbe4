//! Placeholder until the admission branch lands its full SCC type.
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SecurityContextConstraints {
    pub priority: Option<i32>,
}
