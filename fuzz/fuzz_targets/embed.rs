//! The span mapper: fuzzed TOML is embedded, line by line, in a ConfigMap's `config.toml: |` or
//! in Helm values' `runners.config: |` (the first byte picks the host and the indentation) and
//! loaded as `check` loads it. Every range of the embedded document must map back into the host
//! file on character boundaries; where the map says it is exact, a range within one line must
//! land on the very same text in the host, since that is where snippets and fixes point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runner_doctor::model::load::Inputs;
use runner_doctor::source::Span;
use runner_doctor::source::discover::RawInput;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let Ok(toml) = std::str::from_utf8(rest) else {
        return;
    };
    // Both hosts put the block scalar's key at two spaces; its content goes deeper.
    let indent = " ".repeat(3 + usize::from(choice % 8));
    let mut host = if choice & 0x80 == 0 {
        String::from(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fuzz\ndata:\n  config.toml: |\n",
        )
    } else {
        String::from("runners:\n  config: |\n")
    };
    for line in toml.lines() {
        if !line.is_empty() {
            host.push_str(&indent);
        }
        host.push_str(line);
        host.push('\n');
    }
    let inputs = Inputs::load(vec![RawInput {
        path: "fuzz-host.yaml".into(),
        text: Ok(host),
    }]);
    for config in &inputs.configs {
        let embedded = &inputs.sources.get(config.source).text;
        for range in config.root.ranges() {
            let (mapped, exact) = inputs.sources.to_host(Span::new(config.source, range));
            let host_text = &inputs.sources.get(mapped.source).text;
            let Some(landed) = host_text.get(mapped.range.as_range()) else {
                panic!(
                    "{range:?} maps to {:?}, outside the host or inside a character",
                    mapped.range
                );
            };
            let Some(written) = embedded.get(range.as_range()) else {
                panic!("{range:?} lies outside the embedded text or inside a character");
            };
            if exact && mapped.source != config.source && !written.contains('\n') {
                assert_eq!(landed, written, "{range:?} maps to other text in the host");
            }
        }
    }
});
