//! Walks the whole `config.toml` schema table: every key is accepted in its own table, and
//! reported as unknown one table up (unless that table has a key of the same name).

use runner_doctor::model::schema::{self, ALL_TABLES, CONFIG, SchemaIssue, TableSchema, Ty};
use runner_doctor::source::toml;

/// A table reachable from the top: its dotted path and whether each step is an array of tables.
#[derive(Clone)]
struct Place {
    steps: Vec<(&'static str, bool)>,
    schema: &'static TableSchema,
}

impl Place {
    /// TOML headers that open this table: `[[a]]` for every enclosing array, then its own.
    fn headers(&self) -> String {
        let mut out = String::new();
        for i in 0..self.steps.len() {
            let path: Vec<&str> = self.steps[..=i].iter().map(|(k, _)| *k).collect();
            let (_, array) = self.steps[i];
            if array {
                out.push_str(&format!("[[{}]]\n", path.join(".")));
            } else if i + 1 == self.steps.len() {
                out.push_str(&format!("[{}]\n", path.join(".")));
            }
        }
        out
    }

    fn name(&self) -> String {
        let path: Vec<&str> = self.steps.iter().map(|(k, _)| *k).collect();
        if path.is_empty() {
            "<top level>".into()
        } else {
            path.join(".")
        }
    }
}

/// A valid TOML value of a type.
fn value(ty: Ty) -> String {
    match ty {
        Ty::Str | Ty::StrOrList | Ty::Any => "\"x\"".into(),
        Ty::Duration => "\"1m\"".into(),
        Ty::Int => "1".into(),
        Ty::Bool => "true".into(),
        Ty::StrList => "[\"x\"]".into(),
        Ty::IntList => "[1]".into(),
        Ty::MapOf(inner) => format!("{{ k = {} }}", value(*inner)),
        Ty::Table(_) => "{}".into(),
        Ty::TableArray(_) => "[{}]".into(),
    }
}

/// Every (place, parent place) pair, depth first from the top.
fn places() -> Vec<(Place, Option<Place>)> {
    let mut out = Vec::new();
    let top = Place {
        steps: Vec::new(),
        schema: &CONFIG,
    };
    let mut stack = vec![(top, None::<Place>)];
    while let Some((place, parent)) = stack.pop() {
        for key in place.schema.keys {
            let (inner, array) = match key.ty {
                Ty::Table(t) => (t, false),
                Ty::TableArray(t) => (t, true),
                _ => continue,
            };
            let mut steps = place.steps.clone();
            steps.push((key.name, array));
            stack.push((
                Place {
                    steps,
                    schema: inner,
                },
                Some(place.clone()),
            ));
        }
        out.push((place, parent));
    }
    out
}

fn unknown_keys(text: &str) -> Vec<String> {
    let doc = toml::parse(text);
    assert!(doc.errors.is_empty(), "{text}\n{:?}", doc.errors);
    schema::validate(&doc.root)
        .into_iter()
        .filter_map(|i| match i {
            SchemaIssue::Unknown { key, .. } => Some(key),
            _ => None,
        })
        .collect()
}

#[test]
fn every_key_is_accepted_at_its_place_and_rejected_one_table_up() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut shared_with_parent = 0;
    let all = places();
    for (place, parent) in &all {
        for key in place.schema.keys {
            let line = format!("{} = {}\n", key.name, value(key.ty));
            let here = format!("{}{line}", place.headers());
            let issues = toml::parse(&here);
            let all_issues = schema::validate(&issues.root);
            if !all_issues.is_empty()
                && !all_issues.iter().all(|i| {
                    matches!(
                        i,
                        SchemaIssue::Removed { .. } | SchemaIssue::Versioned { .. }
                    )
                })
            {
                failures.push(format!(
                    "`{}` in {}: {all_issues:?}\n{here}",
                    key.name,
                    place.name()
                ));
            }
            checked += 1;
            let Some(parent) = parent else { continue };
            if parent.schema.key(key.name).is_some() {
                shared_with_parent += 1;
                continue;
            }
            let up = format!("{}{line}", parent.headers());
            if !unknown_keys(&up).contains(&key.name.to_string()) {
                failures.push(format!(
                    "`{}` of {} is not reported as unknown in {}\n{up}",
                    key.name,
                    place.name(),
                    parent.name()
                ));
            }
        }
    }
    // Every table of the schema is reachable from the top.
    for table in ALL_TABLES {
        if !all.iter().any(|(p, _)| std::ptr::eq(p.schema, *table)) {
            failures.push(format!("table `{}` is unreachable", table.path));
        }
    }
    assert!(checked > 300, "only {checked} keys checked");
    assert!(shared_with_parent < checked / 10);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
