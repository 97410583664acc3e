//! Documents inside strings (`parse_json`, `parse_yaml`, `base64_decode` of a fact): loaded with
//! the same limits as files, every node placed at the string that held it.

use std::sync::Arc;

use super::{Document, Format, LoadOptions, NodeId, build::Builder, load_bytes};

/// The first document in `text`, the value of string fact `host_id` of `host`. `None` when the
/// text is not valid JSON/YAML (or breaks a limit) or holds no document.
///
/// Findings about the parsed values point at the string: every node has the string's line and
/// column and file, and its pointer is the string's pointer followed by the pointer inside
/// the parsed text (`/Properties/PolicyDocument/Statement/0/Effect`).
pub fn load_embedded(
    host: &Document,
    host_id: NodeId,
    text: &str,
    format: Format,
    opts: &LoadOptions,
) -> Option<Document> {
    let (name, _) = host.source_of(host_id);
    let loaded = load_bytes(name, text.as_bytes(), format, opts).ok()?;
    let mut doc = loaded.documents.into_iter().next()?;
    place_at(&mut doc, host, host_id);
    Some(doc)
}

/// A one-string document holding `text` (a decoded string) at the place of `host_id`.
pub fn embedded_string(host: &Document, host_id: NodeId, text: &str) -> Document {
    let (name, _) = host.source_of(host_id);
    let mut b = Builder::new();
    let value = b.string(text);
    let root = b.push(value, super::NO_PARENT, 0);
    let mut doc = b.finish(Arc::from(name), 0, root);
    place_at(&mut doc, host, host_id);
    doc
}

/// Moves every node of `doc` to the place of `host_id` in `host`.
fn place_at(doc: &mut Document, host: &Document, host_id: NodeId) {
    let (line, column) = host.position(host_id);
    let (_, index) = host.source_of(host_id);
    doc.place = super::Place::Fixed(line, column);
    doc.index = index;
    doc.embedded_at = Some(Arc::from(host.pointer(host_id)));
    // a string inside a string still belongs to the fact file the outer one came from
    (doc.host, doc.host_node) = if host.host != 0 {
        (host.host, host.host_node)
    } else {
        (address(host), host_id)
    };
}

/// The address of a document, as an identity (never dereferenced).
fn address(doc: &Document) -> usize {
    std::ptr::from_ref(doc).addr()
}

impl Document {
    /// For a document parsed out of a string: that string's node in the fact document.
    pub fn host_node(&self) -> Option<NodeId> {
        (self.host != 0).then_some(self.host_node)
    }

    /// Whether this document was parsed out of a string of `doc` (directly or through other
    /// embedded documents).
    pub fn is_embedded_in(&self, doc: &Document) -> bool {
        self.host != 0 && self.host == address(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_values_sit_at_their_string() {
        let host = load_bytes(
            "plan.json",
            br#"{"a": 1,
 "policy": "{\"Statement\": [{\"Effect\": \"Allow\"}]}"}"#,
            Format::Json,
            &LoadOptions::default(),
        )
        .unwrap()
        .documents
        .remove(0);
        let string = host.field(host.root(), "policy").unwrap();
        let text = host.str_of(string).unwrap();
        let doc =
            load_embedded(&host, string, text, Format::Json, &LoadOptions::default()).unwrap();
        let effect = doc
            .element(doc.field(doc.root(), "Statement").unwrap(), 0)
            .and_then(|s| doc.field(s, "Effect"))
            .unwrap();
        assert_eq!(doc.str_of(effect), Some("Allow"));
        assert_eq!(doc.position(effect), (2, 2));
        assert_eq!(doc.pointer(effect), "/policy/Statement/0/Effect");
        assert_eq!(doc.name(), "plan.json");
        assert!(doc.is_embedded_in(&host));
        assert!(!host.is_embedded_in(&doc));
        // through a decoded string
        let decoded = embedded_string(&host, string, "Effect: Deny\n");
        let inner = load_embedded(
            &decoded,
            decoded.root(),
            "Effect: Deny\n",
            Format::Yaml,
            &LoadOptions::default(),
        )
        .unwrap();
        assert!(inner.is_embedded_in(&host));
        assert_eq!(inner.host_node(), Some(string));
        assert_eq!(host.host_node(), None);
        assert_eq!(
            inner.pointer(inner.field(inner.root(), "Effect").unwrap()),
            "/policy/Effect"
        );
        // limits of files apply
        let tight = LoadOptions {
            max_depth: 1,
            ..LoadOptions::default()
        };
        assert!(load_embedded(&host, string, text, Format::Json, &tight).is_none());
        assert!(load_embedded(&host, string, "{", Format::Json, &LoadOptions::default()).is_none());
    }
}
