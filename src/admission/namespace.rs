//! The namespace allocations an SCC takes its values from: `openshift.io/sa.scc.uid-range`,
//! `openshift.io/sa.scc.supplemental-groups` and `openshift.io/sa.scc.mcs`, parsed exactly as the
//! plugin does, error texts included (apiserver-library-go release-4.14
//! `sccmatching/matcher.go` `getPreallocated*`; library-go `pkg/security/uid/uid.go` `ParseBlock`,
//! which relies on Go's `fmt.Sscanf`, emulated here).
//!
//! It only reads annotations; it never allocates ranges.

use std::collections::BTreeMap;

use crate::model::scc::IdRange;

/// `openshift.io/sa.scc.uid-range`.
pub const UID_RANGE_ANNOTATION: &str = "openshift.io/sa.scc.uid-range";
/// `openshift.io/sa.scc.supplemental-groups`.
pub const SUPPLEMENTAL_GROUPS_ANNOTATION: &str = "openshift.io/sa.scc.supplemental-groups";
/// `openshift.io/sa.scc.mcs`.
pub const MCS_ANNOTATION: &str = "openshift.io/sa.scc.mcs";

/// An inclusive block of IDs (`uid.Block`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    /// First ID.
    pub start: u32,
    /// Last ID.
    pub end: u32,
}

/// Parses `start/size` or `start-end` as `uid.ParseBlock` does, with the same error texts
/// (`unexpected EOF`, `expected integer`, `input does not match format`, …).
pub fn parse_block(input: &str) -> Result<Block, String> {
    let sep = if input.contains('/') { '/' } else { '-' };
    let mut sc = GoScanner { rest: input };
    let a = sc.uint32()?;
    sc.literal(sep)?;
    let b = sc.uint32()?;
    if sep == '/' {
        // Go computes start+size-1 in uint32 and wraps.
        Ok(Block {
            start: a,
            end: a.wrapping_add(b).wrapping_sub(1),
        })
    } else {
        Ok(Block { start: a, end: b })
    }
}

/// The subset of Go's `fmt.Sscanf` that `%d<sep>%d` into `uint32`s exercises.
struct GoScanner<'a> {
    rest: &'a str,
}

impl GoScanner<'_> {
    fn skip_space(&mut self) -> Result<(), String> {
        loop {
            let Some(c) = self.rest.chars().next() else {
                return Ok(());
            };
            if c == '\n' {
                return Err("unexpected newline".into());
            }
            if c == ' '
                || c == '\t'
                || c == '\r'
                || c == '\u{b}'
                || c == '\u{c}'
                || c.is_whitespace()
            {
                self.rest = &self.rest[c.len_utf8()..];
            } else {
                return Ok(());
            }
        }
    }

    fn uint32(&mut self) -> Result<u32, String> {
        self.skip_space()?;
        if self.rest.is_empty() {
            return Err("EOF".into());
        }
        let digits = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err("expected integer".into());
        }
        let tok = &self.rest[..digits];
        self.rest = &self.rest[digits..];
        let v: u64 = tok
            .parse()
            .map_err(|_| format!("strconv.ParseUint: parsing \"{tok}\": value out of range"))?;
        u32::try_from(v).map_err(|_| format!("unsigned integer overflow on token {tok}"))
    }

    fn literal(&mut self, want: char) -> Result<(), String> {
        match self.rest.chars().next() {
            None => Err("unexpected EOF".into()),
            Some(c) if c == want => {
                self.rest = &self.rest[c.len_utf8()..];
                Ok(())
            }
            Some(_) => Err("input does not match format".into()),
        }
    }
}

/// The namespace as the plugin sees it: its name and annotations.
#[derive(Clone, Debug, Default)]
pub(crate) struct NamespaceView<'a> {
    pub name: &'a str,
    pub annotations: Option<&'a BTreeMap<String, String>>,
}

impl NamespaceView<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.annotations
            .and_then(|a| a.get(key))
            .map(String::as_str)
    }

    /// `getPreallocatedUIDRange`.
    pub fn uid_range(&self) -> Result<(i64, i64), String> {
        let v = self
            .get(UID_RANGE_ANNOTATION)
            .ok_or_else(|| format!("unable to find annotation {UID_RANGE_ANNOTATION}"))?;
        if v.is_empty() {
            return Err(format!(
                "found annotation {UID_RANGE_ANNOTATION} but it was empty"
            ));
        }
        let b = parse_block(v)?;
        Ok((i64::from(b.start), i64::from(b.end)))
    }

    /// `getPreallocatedLevel`.
    pub fn mcs_level(&self) -> Result<String, String> {
        let v = self
            .get(MCS_ANNOTATION)
            .ok_or_else(|| format!("unable to find annotation {MCS_ANNOTATION}"))?;
        if v.is_empty() {
            return Err(format!(
                "found annotation {MCS_ANNOTATION} but it was empty"
            ));
        }
        Ok(v.to_owned())
    }

    /// `getSupplementalGroupsAnnotation` + `parseSupplementalGroupAnnotation`: the group
    /// blocks, falling back to the uid-range annotation when the groups annotation is absent.
    fn group_blocks(&self) -> Result<Vec<Block>, String> {
        let groups = match self.get(SUPPLEMENTAL_GROUPS_ANNOTATION) {
            Some(g) => g,
            None => self.get(UID_RANGE_ANNOTATION).ok_or_else(|| {
                format!(
                    "unable to find supplemental group or uid annotation for namespace {}",
                    self.name
                )
            })?,
        };
        if groups.is_empty() {
            return Err(format!(
                "unable to find groups using {SUPPLEMENTAL_GROUPS_ANNOTATION} and {UID_RANGE_ANNOTATION} annotations"
            ));
        }
        groups.split(',').map(parse_block).collect()
    }

    /// `getPreallocatedFSGroup`: only the start of the first block.
    pub fn fs_group_ranges(&self) -> Result<Vec<IdRange>, String> {
        let blocks = self.group_blocks()?;
        let first = blocks.first().ok_or("no blocks parsed from annotation")?;
        Ok(vec![IdRange {
            min: i64::from(first.start),
            max: i64::from(first.start),
        }])
    }

    /// `getPreallocatedSupplementalGroups`: one range per block.
    pub fn supplemental_group_ranges(&self) -> Result<Vec<IdRange>, String> {
        Ok(self
            .group_blocks()?
            .into_iter()
            .map(|b| IdRange {
                min: i64::from(b.start),
                max: i64::from(b.end),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocks_like_library_go() {
        assert_eq!(
            parse_block("1000680000/10000"),
            Ok(Block {
                start: 1_000_680_000,
                end: 1_000_689_999
            })
        );
        assert_eq!(parse_block("1-5"), Ok(Block { start: 1, end: 5 }));
        assert_eq!(parse_block("1000300000"), Err("unexpected EOF".into()));
        assert_eq!(parse_block("foo"), Err("expected integer".into()));
        assert_eq!(parse_block(""), Err("EOF".into()));
        assert_eq!(parse_block("1/"), Err("EOF".into()));
        assert_eq!(
            parse_block("1x5"),
            Err("input does not match format".into())
        );
        assert_eq!(
            parse_block("4294967296/1"),
            Err("unsigned integer overflow on token 4294967296".into())
        );
    }

    #[test]
    fn group_ranges_fall_back_to_uid_range() {
        let ann: BTreeMap<String, String> =
            [(UID_RANGE_ANNOTATION.to_owned(), "1/5".to_owned())].into();
        let ns = NamespaceView {
            name: "n",
            annotations: Some(&ann),
        };
        assert_eq!(ns.fs_group_ranges(), Ok(vec![IdRange { min: 1, max: 1 }]));
        assert_eq!(
            ns.supplemental_group_ranges(),
            Ok(vec![IdRange { min: 1, max: 5 }])
        );
    }
}
