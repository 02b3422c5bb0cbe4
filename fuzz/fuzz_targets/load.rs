//! The whole pipeline on one input, as `runner-doctor check` runs it: the loader sniffs the
//! text (TOML config, ConfigMap with embedded TOML, Helm values, Operator `Runner`, pipeline,
//! cluster objects), every rule runs, and the report is rendered in every format, which maps
//! each span back to the file and cuts its snippet. None of it may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runner_doctor::model::load::Inputs;
use runner_doctor::render::{self, Format, Options};
use runner_doctor::settings::Settings;
use runner_doctor::source::discover::RawInput;

fuzz_target!(|text: &str| {
    let inputs = Inputs::load(vec![RawInput {
        path: "fuzz-input".into(),
        text: Ok(text.to_string()),
    }]);
    let report = runner_doctor::check(inputs, Settings::default());
    let options = Options::default();
    for format in Format::ALL {
        render::render(&report, format, &options);
    }
    render::access::report(&report.analysis, None);
});
