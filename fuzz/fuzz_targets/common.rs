// Shared by the two loader targets (included, not a target itself).

use annexa::unstable::diagnostics::render_plain;
use annexa::unstable::facts::{Format, LoadOptions, load_bytes};

/// Loads `data`; on success walks every node (pointer, position, JSON form), on failure renders
/// the diagnostic as the binary would.
pub fn load(data: &[u8], format: Format) {
    // Small limits so the fuzzer reaches them quickly.
    let opts = LoadOptions {
        max_depth: 32,
        max_file_bytes: 1 << 20,
        max_alias_expansions: 1_000,
    };
    match load_bytes("fuzz", data, format, &opts) {
        Err(e) => {
            let _ = render_plain(&e, 100);
        }
        Ok(loaded) => {
            for doc in &loaded.documents {
                for id in 0..doc.len() {
                    let Ok(id) = u32::try_from(id) else { break };
                    let _ = doc.pointer(id);
                    let _ = doc.position(id);
                }
                let json = doc.to_json(doc.root());
                // Round trip: the JSON form of a document loads back as the same value.
                let text = json.to_string();
                if let Ok(again) = load_bytes(
                    "again",
                    text.as_bytes(),
                    Format::Json,
                    &LoadOptions::default(),
                ) {
                    if let Some(d) = again.documents.first() {
                        assert_eq!(
                            d.to_json(d.root()),
                            json,
                            "JSON round trip changed the value"
                        );
                    }
                }
            }
        }
    }
}
