//! Arbitrary bytes through the JSON fact loader (decoding, parsing, limits, positions).
#![no_main]

use annexa::unstable::facts::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    annexa_fuzz_common::load(data, Format::Json);
});

mod annexa_fuzz_common {
    include!("common.rs");
}
