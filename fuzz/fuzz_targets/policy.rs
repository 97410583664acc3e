//! Arbitrary text through the policy parser and compiler; every diagnostic is rendered, as the
//! binary would print it. Must never panic, overflow the stack or hang.
#![no_main]

use annexa::unstable::diagnostics::render_plain;
use annexa::unstable::source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The binary refuses non-UTF-8 policies before parsing; the parser only ever sees text.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("fuzz.policy", text);
    match annexa::unstable::syntax::parse(&file) {
        Err(d) => {
            let _ = render_plain(&d, 100);
        }
        Ok(module) => {
            let compiled = annexa::unstable::compile::compile(vec![module]);
            for d in &compiled.diagnostics {
                let _ = render_plain(d, 100);
            }
        }
    }
});
