//! The fix applier on one input: every fix, unsafe ones included, is applied until the file
//! settles (or the round cap), through the embedded-TOML map when the config sits in a
//! ConfigMap or Helm values. None of it may panic; a changed file must still load, and a fix
//! that breaks the file's syntax is a finding of this target.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runner_doctor::fix::{self, FixOptions};
use runner_doctor::model::load::Inputs;
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::RawInput;

fuzz_target!(|text: &str| {
    let settings = Settings::default();
    let run = fix::fix(
        vec![("fuzz-input.yaml".into(), text.to_string())],
        &settings,
        FixOptions { unsafe_fixes: true },
    );
    for file in run.files.iter().filter(|f| f.changed()) {
        let before = Inputs::load(vec![RawInput {
            path: "before".into(),
            text: Ok(file.original.clone()),
        }]);
        let after = Inputs::load(vec![RawInput {
            path: "after".into(),
            text: Ok(file.fixed.clone()),
        }]);
        // A file that loaded cleanly before the fix loads cleanly after it.
        if before.problems.is_empty() {
            assert!(after.problems.is_empty(), "a fix made a clean file unreadable");
        }
    }
});
