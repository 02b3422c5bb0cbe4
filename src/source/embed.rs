//! Documents embedded in a YAML string, and the map that leads their offsets back to the host.
//!
//! For a literal block scalar (`|`) every line of the embedded text is a line of the host file
//! minus a fixed indentation, so the map is exact. For any other scalar style (quoted, escaped,
//! folded) offsets cannot be followed character by character; the map then answers with the
//! whole host scalar and says it is approximate, and fixes there are display-only.

use super::TextRange;

/// How embedded offsets map to the host.
#[derive(Clone, Debug, PartialEq)]
pub enum EmbedMap {
    /// Per line: (offset of the line in the embedded text, offset of the same text in the host).
    Lines(Vec<(u32, u32)>),
    /// Only the host scalar as a whole is known.
    Whole(TextRange),
}

impl EmbedMap {
    /// Maps an embedded range into the host; the flag is `false` for an approximation.
    pub fn to_host(&self, range: TextRange) -> (TextRange, bool) {
        match self {
            EmbedMap::Whole(whole) => (*whole, false),
            EmbedMap::Lines(lines) => {
                let map = |offset: u32| -> u32 {
                    let i = match lines.binary_search_by_key(&offset, |&(e, _)| e) {
                        Ok(i) => i,
                        Err(0) => 0,
                        Err(i) => i - 1,
                    };
                    let (embedded, host) = lines.get(i).copied().unwrap_or((0, 0));
                    host + offset.saturating_sub(embedded)
                };
                let start = map(range.start);
                let end = map(range.end).max(start);
                (
                    TextRange {
                        start,
                        end: if range.is_empty() { start } else { end },
                    },
                    true,
                )
            }
        }
    }

    /// Builds the map of a block scalar whose value is `value` and whose node covers `scalar`
    /// in `host` (from the `|` indicator to the end of its content).
    ///
    /// The line map is verified by rebuilding the value from the host lines; on any mismatch
    /// (tabs, unusual indentation, a folded scalar) it falls back to the whole scalar.
    pub fn for_block_scalar(host: &str, scalar: TextRange, value: &str) -> EmbedMap {
        Self::try_lines(host, scalar, value).unwrap_or(EmbedMap::Whole(scalar))
    }

    fn try_lines(host: &str, scalar: TextRange, value: &str) -> Option<EmbedMap> {
        // saphyr's node starts at the content; other parsers start at the `|` indicator.
        let start = scalar.start as usize;
        let line_start = host[..start].rfind('\n').map_or(0, |i| i + 1);
        let content_start = if host[line_start..start].bytes().all(|b| b == b' ') {
            line_start
        } else {
            host[start..].find('\n')? + start + 1
        };
        let embedded_lines: Vec<&str> = value.split('\n').collect();
        // The indentation is that of the first non-blank content line.
        let mut host_lines = host[content_start..].split_inclusive('\n');
        let indent = host[content_start..]
            .lines()
            .find(|l| !l.trim().is_empty())?
            .chars()
            .take_while(|&c| c == ' ')
            .count();
        let mut lines = Vec::with_capacity(embedded_lines.len());
        let mut host_offset = content_start;
        let mut embedded_offset = 0usize;
        for (n, expected) in embedded_lines.iter().enumerate() {
            let is_last = n + 1 == embedded_lines.len();
            if is_last && expected.is_empty() {
                // The end of the text (where "unexpected end of input" is reported) maps to
                // the end of the last content line, not to whatever the host has next.
                lines.push((embedded_offset as u32, host_offset.saturating_sub(1) as u32));
                break;
            }
            let raw = host_lines.next()?;
            let line = raw.trim_end_matches('\n').trim_end_matches('\r');
            let content = if line.len() >= indent && line[..indent].bytes().all(|b| b == b' ') {
                &line[indent..]
            } else if line.trim().is_empty() {
                ""
            } else {
                return None;
            };
            if content != *expected {
                return None;
            }
            lines.push((embedded_offset as u32, (host_offset + indent) as u32));
            host_offset += raw.len();
            embedded_offset += expected.len() + 1;
        }
        Some(EmbedMap::Lines(lines))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_scalar_lines_map_exactly() {
        let host = "data:\n  config.toml: |\n    a = 1\n\n    [b]\n      c = \"é\"\nnext: 1\n";
        let start = host.find('|').unwrap();
        let end = host.find("next").unwrap();
        let value = "a = 1\n\n[b]\n  c = \"é\"\n";
        let map = EmbedMap::for_block_scalar(host, TextRange::new(start, end), value);
        assert!(matches!(map, EmbedMap::Lines(_)));
        let c = value.find("c =").unwrap();
        let (range, exact) = map.to_host(TextRange::new(c, c + 1));
        assert!(exact);
        assert_eq!(&host[range.as_range()], "c");
    }

    #[test]
    fn a_mismatch_falls_back_to_the_whole_scalar() {
        let host = "k: |\n  a\n";
        let map = EmbedMap::for_block_scalar(host, TextRange::new(3, 9), "different\n");
        assert_eq!(map, EmbedMap::Whole(TextRange::new(3, 9)));
    }
}
