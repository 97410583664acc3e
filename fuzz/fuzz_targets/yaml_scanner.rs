//! Arbitrary text through the fast YAML scanner and through saphyr: on every text the scanner
//! reads, the two must give the same events with the same spans.
#![no_main]

use annexa::unstable::facts::yaml_scanner_agrees;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(difference) = yaml_scanner_agrees(text) {
        panic!("{difference}");
    }
});
