//! The YAML reader (Kubernetes objects, Helm values, `.gitlab-ci.yml`, the Operator's
//! `Runner`): any text gives documents and errors, never a panic or a runaway expansion, and
//! every range lies inside the text on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runner_doctor::source::yaml;

fuzz_target!(|text: &str| {
    let stream = yaml::parse(text);
    for error in &stream.errors {
        assert!(
            text.get(error.range.as_range()).is_some(),
            "error range {:?} outside the text or inside a character",
            error.range
        );
    }
    for document in &stream.documents {
        runner_doctor_fuzz::check_ranges(text, &document.root);
    }
});
