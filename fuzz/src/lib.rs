//! Checks shared by the fuzz targets.

use runner_doctor::source::Node;

/// Every node's range, and its children's and keys', must lie inside the text on character
/// boundaries: snippets and messages slice the text by them.
pub fn check_ranges(text: &str, node: &Node) {
    for range in node.ranges() {
        assert!(
            text.get(range.as_range()).is_some(),
            "range {range:?} outside the text or inside a character"
        );
    }
}
