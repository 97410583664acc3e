//! Arbitrary bytes through the YAML fact loader (decoding, multi-document streams, anchors and
//! aliases, tags, limits, positions).
#![no_main]

use annexa::unstable::facts::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    annexa_fuzz_common::load(data, Format::Yaml);
});

mod annexa_fuzz_common {
    include!("common.rs");
}
