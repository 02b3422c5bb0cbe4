//! The TOML reader (`config.toml`, and the TOML embedded in ConfigMaps and Helm values, which
//! goes through the same parser): any text gives a tree and errors, never a panic, and every
//! range it reports lies inside the text on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runner_doctor::source::toml;

fuzz_target!(|text: &str| {
    let doc = toml::parse(text);
    for error in &doc.errors {
        assert!(
            text.get(error.range.as_range()).is_some(),
            "error range {:?} outside the text or inside a character",
            error.range
        );
    }
    runner_doctor_fuzz::check_ranges(text, &doc.root);
});
