//! Checks shared by the fuzz targets.

use runner_doctor::source::Node;

/// Every node's range, and its children's, must lie inside the text on character boundaries:
/// snippets and messages slice the text by them.
pub fn check_ranges(text: &str, node: &Node) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        assert!(
            text.get(node.range.as_range()).is_some(),
            "node range {:?} outside the text or inside a character",
            node.range
        );
        for entry in node.entries() {
            assert!(
                text.get(entry.key_range.as_range()).is_some(),
                "key range {:?} outside the text or inside a character",
                entry.key_range
            );
            stack.push(&entry.value);
        }
        stack.extend(node.items());
    }
}
