//! `[[runners.kubernetes.pod_spec]]` patches (`applyPodSpecMerge`, K L2970–3026): applied in order
//! to the whole generated `PodSpec` when `FF_USE_ADVANCED_POD_SPEC_CONFIGURATION` is on. `merge`
//! is RFC 7386, `json` is RFC 6902, and `strategic` (the default) follows Kubernetes' strategic
//! merge for the lists that matter here (containers, initContainers, volumes, env, volumeMounts,
//! imagePullSecrets, hostAliases merge by their key; `$patch: delete|replace` is honoured).
//! `patch_path` files are not read (the library does no I/O); they produce a warning.

use serde_json::{Map, Value};

/// Merge keys of the PodSpec lists the strategic patch merges by element instead of replacing.
fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims"
        | "readinessGates" => match field {
            "readinessGates" => "conditionType",
            _ => "name",
        },
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "ports" => "containerPort",
        "hostAliases" => "ip",
        "tolerations" => return None,
        _ => return None,
    })
}

/// RFC 7386 JSON merge patch.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    if let Value::Object(p) = patch {
        if !target.is_object() {
            *target = Value::Object(Map::new());
        }
        if let Value::Object(t) = target {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

/// A strategic merge patch over a PodSpec-shaped JSON value.
pub(crate) fn strategic_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut p = p.clone();
        p.remove("$patch");
        *target = Value::Object(p);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if k == "$patch" {
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match (merge_key(k), v) {
            (Some(key), Value::Array(items)) => {
                let list = t.entry(k.clone()).or_insert(Value::Array(Vec::new()));
                if !list.is_array() {
                    *list = Value::Array(Vec::new());
                }
                let Value::Array(list) = list else { continue };
                for item in items {
                    let id = item.get(key).cloned();
                    let directive = item.get("$patch").and_then(Value::as_str);
                    let pos = id
                        .as_ref()
                        .and_then(|id| list.iter().position(|e| e.get(key) == Some(id)));
                    match (pos, directive) {
                        (Some(i), Some("delete")) => {
                            list.remove(i);
                        }
                        (None, Some("delete")) => {}
                        (Some(i), _) => strategic_patch(&mut list[i], item),
                        (None, _) => {
                            let mut fresh = Value::Null;
                            strategic_patch(&mut fresh, item);
                            list.push(fresh);
                        }
                    }
                }
            }
            (_, Value::Object(_)) => {
                strategic_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Applies one patch of the given type to the spec JSON.
pub(crate) fn apply(spec: &mut Value, patch_type: &str, text: &str) -> Result<(), String> {
    // The runner converts the patch with sigs.k8s.io/yaml `YAMLToJSON` (`PodSpecPatch`,
    // common/config.go L838–863 at gitlabhq/gitlab-runner@d79f3e7b89ab), so YAML and JSON
    // both work; JSON is tried first since it is the common case and a subset of YAML.
    let patch: Value = match serde_json::from_str(text) {
        Ok(patch) => patch,
        Err(_) => {
            let stream = crate::source::yaml::parse(text);
            match (stream.errors.first(), stream.documents.as_slice()) {
                (None, [doc]) => doc.root.to_json(),
                (Some(err), _) => {
                    return Err(format!(
                        "the patch is neither JSON nor YAML: {}",
                        err.message
                    ));
                }
                (None, _) => return Err("the patch is not one YAML document".to_string()),
            }
        }
    };
    match patch_type {
        "" | "strategic" => strategic_patch(spec, &patch),
        "merge" => merge_patch(spec, &patch),
        "json" => {
            let ops: json_patch::Patch =
                serde_json::from_value(patch).map_err(|e| e.to_string())?;
            json_patch::patch(spec, &ops).map_err(|e| e.to_string())?;
        }
        other => return Err(format!("unsupported patch type {other:?}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merges_containers_by_name() {
        let mut spec = json!({"containers": [{"name": "build", "image": "a"}, {"name": "helper"}],
                              "securityContext": {"fsGroup": 1}});
        strategic_patch(
            &mut spec,
            &json!({"containers": [{"name": "build", "image": "b"}],
                    "securityContext": {"fsGroupChangePolicy": "OnRootMismatch"}}),
        );
        assert_eq!(spec["containers"][0]["image"], "b");
        assert_eq!(spec["containers"][1]["name"], "helper");
        assert_eq!(spec["securityContext"]["fsGroup"], 1);
        assert_eq!(
            spec["securityContext"]["fsGroupChangePolicy"],
            "OnRootMismatch"
        );
    }

    #[test]
    fn json_patch_ops() {
        let mut spec = json!({"hostUsers": true});
        apply(
            &mut spec,
            "json",
            r#"[{"op":"replace","path":"/hostUsers","value":false}]"#,
        )
        .unwrap();
        assert_eq!(spec["hostUsers"], false);
    }
}
