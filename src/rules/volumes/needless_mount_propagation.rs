use crate::diagnostic::{Applicability, Fix};
use crate::fix::text;
use crate::rules::{Context, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports `mount_propagation` on a PVC or emptyDir volume of `[runners.kubernetes.volumes]`.
    ///
    /// ## Why is this bad?
    /// Mount propagation only decides whether mounts made *later, below the path* cross the
    /// host/container boundary; it changes neither the owner, the mode nor the SELinux label of
    /// the volume (reference k8s-volume-permissions.md §5). On a cache PVC nothing mounts below
    /// it, so the setting does nothing — and it is often added in the hope that it fixes
    /// permissions, which it cannot. `Bidirectional` also requires a privileged container.
    ///
    /// ## Example
    /// ```toml
    /// [[runners]]
    ///   [runners.kubernetes]
    ///     [[runners.kubernetes.volumes.pvc]]
    ///       name = "cache"
    ///       mount_path = "/cache"
    ///       mount_propagation = "HostToContainer"
    /// ```
    ///
    /// Use instead:
    /// ```toml
    /// [[runners]]
    ///   [runners.kubernetes]
    ///     [[runners.kubernetes.volumes.pvc]]
    ///       name = "cache"
    ///       mount_path = "/cache"
    /// ```
    ///
    /// ## Fix safety
    /// Removing `mount_propagation` is safe on a PVC or emptyDir volume: nothing mounts below it.
    ///
    /// ## References
    /// - [Mount propagation](https://kubernetes.io/docs/concepts/storage/volumes/#mount-propagation)
    pub static NEEDLESS_MOUNT_PROPAGATION = {
        code: "RD404",
        name: "needless-mount-propagation",
        group: Advice,
        fix: Always,
    }
}

fn check(cx: &mut Context) {
    let runners: Vec<_> = cx.analysis.runners().collect();
    for runner in runners {
        for kind in ["pvc", "empty_dir"] {
            let volumes = runner.at(&["kubernetes", "volumes", kind]);
            for volume in volumes.map(|v| v.items()).unwrap_or(&[]) {
                let Some(entry) = volume.entry("mount_propagation") else {
                    continue;
                };
                let mode = entry.value.as_str().unwrap_or("");
                if mode.is_empty() || mode == "None" {
                    continue;
                }
                let name = volume.get("name").and_then(|n| n.as_str()).unwrap_or("?");
                let span = runner.span_of(volume);
                let range = entry.key_range.cover(entry.value.range);
                let text = &cx.analysis.inputs.sources.get(span.source).text;
                let fix = Fix {
                    title: "remove `mount_propagation`".into(),
                    edits: vec![text::edit(span.source, text::remove_entry(text, range), "")],
                    applicability: Applicability::Safe,
                };
                cx.report(
                    Some(crate::source::Span::new(span.source, range)),
                    format!(
                        "`mount_propagation = \"{mode}\"` on {} volume `{name}` does nothing: nothing mounts below it, and propagation never changes ownership or mode",
                        if kind == "pvc" { "PVC" } else { "emptyDir" }
                    ),
                )
                .help("remove `mount_propagation`")
                .fix(fix);
            }
        }
    }
}
