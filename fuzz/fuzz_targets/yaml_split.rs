//! Arbitrary text parsed with its entry lines as cuts (one piece, and two) on a helper thread:
//! a cut that holds must give the documents one parse gives, and a text one parse refuses
//! must never split.
#![no_main]

use annexa::unstable::facts::yaml_split_agrees;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(difference) = yaml_split_agrees(text) {
        panic!("{difference}");
    }
});
