//! `--combine`: several documents evaluated as one list. The combined arena holds each
//! document's nodes as a contiguous block under a new array root, so every node still knows
//! which file and document it came from and its pointer inside that document.

use std::sync::Arc;

use super::lines::SourceText;

use super::{
    Document, FastMap, Items, KeyId, Member, NO_PARENT, Node, NodeId, Part, Place, STR_DECODED,
    Slot,
};

/// The documents are too large to be one document: a combined arena addresses its text, its
/// decoded strings, its nodes and its element and member buffers with 31- or 32-bit offsets.
///
/// ```
/// use annexa::unstable::facts::TooLargeToCombine;
/// let e = TooLargeToCombine { what: "bytes of text", total: 3 << 30, limit: (1 << 31) - 1 };
/// assert!(e.to_string().starts_with("the files together have 3221225472 bytes of text"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the files together have {total} {what}; one combined document holds at most {limit}")]
pub struct TooLargeToCombine {
    /// What overflows ("bytes of text", "values", ...).
    pub what: &'static str,
    /// How many the documents have together.
    pub total: u64,
    /// How many one document can hold.
    pub limit: u64,
}

/// Sizes of the buffers a combined document would have.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    text: u64,
    decoded: u64,
    nodes: u64,
    items: u64,
    members: u64,
}

impl Totals {
    fn of(documents: &[Document]) -> Totals {
        let mut seen: Vec<&Arc<SourceText>> = Vec::new();
        let mut t = Totals::default();
        for doc in documents {
            if !seen.iter().any(|s| Arc::ptr_eq(s, &doc.text)) {
                seen.push(&doc.text);
                t.text += doc.text.len() as u64;
            }
            t.decoded += doc.decoded.len() as u64;
            t.nodes += doc.nodes.len() as u64;
            t.items += doc.items.len() as u64;
            t.members += doc.members.len() as u64;
        }
        // the new root and its elements
        t.nodes += 1;
        t.items += documents.len() as u64;
        t
    }

    /// Every offset of the combined document fits its field. A string past the 31-bit text
    /// offsets could not be addressed at all, and silently making it something else (null)
    /// could make a rule pass on a value it never read.
    fn check(self) -> Result<(), TooLargeToCombine> {
        let string_limit = u64::from(STR_DECODED - 1);
        let id_limit = u64::from(NO_PARENT - 1);
        let limits = [
            ("bytes of text", self.text, string_limit),
            ("bytes of decoded strings", self.decoded, string_limit),
            ("values", self.nodes, id_limit),
            ("array elements", self.items, u64::from(u32::MAX)),
            ("object members", self.members, u64::from(u32::MAX)),
        ];
        match limits.into_iter().find(|&(_, total, limit)| total > limit) {
            Some((what, total, limit)) => Err(TooLargeToCombine { what, total, limit }),
            None => Ok(()),
        }
    }
}

/// One document whose root is the list of `documents`' roots, in order, or an error when
/// together they are too large for one document.
///
/// ```
/// use annexa::unstable::facts::Document;
/// let a = Document::from_json("a.json", &serde_json::json!({"x": 1}));
/// let b = Document::from_json("b.json", &serde_json::json!({"x": 2}));
/// let all = annexa::unstable::facts::combine(&[a, b]).unwrap();
/// let second = all.element(all.root(), 1).unwrap();
/// let x = all.field(second, "x").unwrap();
/// assert_eq!(all.pointer(x), "/x");
/// assert_eq!(all.source_of(x), ("b.json", 0));
/// ```
pub fn combine(documents: &[Document]) -> Result<Document, TooLargeToCombine> {
    Totals::of(documents).check()?;
    let total: usize = documents.iter().map(|d| d.nodes.len()).sum();
    let mut nodes: Vec<Node> = Vec::with_capacity(total + 1);
    // one source text for all: the documents' texts one after another
    let mut text = String::with_capacity(documents.iter().map(|d| d.text.len()).sum());
    let mut decoded = String::with_capacity(documents.iter().map(|d| d.decoded.len()).sum());
    let mut items: Vec<NodeId> = Vec::with_capacity(
        documents.iter().map(|d| d.items.len()).sum::<usize>() + documents.len(),
    );
    let mut members: Vec<Member> =
        Vec::with_capacity(documents.iter().map(|d| d.members.len()).sum());
    let mut keys: Vec<Arc<str>> = Vec::new();
    let mut key_ids: FastMap<Arc<str>, KeyId> = FastMap::default();
    let mut large: FastMap<(u32, KeyId), u32> = FastMap::default();
    let root = NodeId::try_from(total).unwrap_or(NodeId::MAX - 1);
    let mut parts = Vec::with_capacity(documents.len());
    let mut roots = Vec::with_capacity(documents.len());
    let mut tags: FastMap<NodeId, Arc<str>> = FastMap::default();
    // the texts copied so far, with where each starts in bytes and in characters: the
    // documents of one YAML stream share their file's text, which is copied once
    let mut texts: Vec<(&Arc<SourceText>, usize, usize)> = Vec::new();
    let mut chars = 0usize;
    for doc in documents {
        let offset = NodeId::try_from(nodes.len()).unwrap_or(0);
        let shift = |id: NodeId| id.saturating_add(offset);
        let (text_offset, char_offset) = match texts.iter().find(|t| Arc::ptr_eq(t.0, &doc.text)) {
            Some(&(_, bytes, before)) => (bytes, before),
            None => {
                let start = (text.len(), chars);
                texts.push((&doc.text, start.0, start.1));
                text.push_str(&doc.text);
                chars += doc.text.chars().count();
                start
            }
        };
        let decoded_offset = decoded.len();
        let at_offset = match doc.place {
            Place::Bytes => text_offset,
            Place::Chars => char_offset,
            Place::Fixed(..) => 0,
        };
        let item_offset = u32::try_from(items.len()).unwrap_or(u32::MAX);
        let member_offset = u32::try_from(members.len()).unwrap_or(u32::MAX);
        // this document's key ids in the combined table
        let key_map: Vec<KeyId> = doc
            .keys
            .iter()
            .map(|key| {
                *key_ids.entry(Arc::clone(key)).or_insert_with(|| {
                    keys.push(Arc::clone(key));
                    KeyId::try_from(keys.len() - 1).unwrap_or(KeyId::MAX)
                })
            })
            .collect();
        let rekey = |key: KeyId| key_map.get(key as usize).copied().unwrap_or(KeyId::MAX);
        decoded.push_str(&doc.decoded);
        tags.extend(doc.tags.iter().map(|(&id, t)| (shift(id), Arc::clone(t))));
        items.extend(doc.items.iter().map(|&id| shift(id)));
        members.extend(doc.members.iter().map(|m| Member {
            key: rekey(m.key),
            id: shift(m.id),
        }));
        large.extend(
            doc.large
                .iter()
                .map(|(&(start, key), &i)| ((start.saturating_add(member_offset), rekey(key)), i)),
        );
        for node in &doc.nodes {
            let mut copy = node.clone();
            copy.at = u32::try_from(copy.at as usize + at_offset).unwrap_or(u32::MAX);
            // `Totals::check` keeps every shifted string addressable
            let _ = copy.shift_value(text_offset, decoded_offset, item_offset, member_offset);
            let parent = copy.parent_id();
            copy.set_parent(if parent == NO_PARENT {
                root
            } else {
                shift(parent)
            });
            nodes.push(copy);
        }
        roots.push(shift(doc.root));
        parts.push(Part {
            name: Arc::clone(&doc.name),
            index: doc.index,
            first: offset,
            text_start: text_offset,
            place: doc.place,
        });
    }
    let roots_array = Items {
        start: u32::try_from(items.len()).unwrap_or(u32::MAX),
        len: u32::try_from(roots.len()).unwrap_or(u32::MAX),
    };
    items.extend(roots);
    nodes.push(Node::new(Slot::Array(roots_array), NO_PARENT, 0));
    Ok(Document {
        name: Arc::from("<combined>"),
        index: 0,
        root,
        nodes,
        text: Arc::new(SourceText::new(text)),
        decoded,
        // every node's place is read by its part's
        place: Place::Fixed(1, 1),
        items,
        members,
        keys,
        key_ids,
        large,
        parts,
        tags,
        embedded_at: None,
        host: 0,
        host_node: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{Format, LoadOptions, load_bytes};

    fn load(name: &str, text: &str, format: Format) -> Vec<Document> {
        load_bytes(name, text.as_bytes(), format, &LoadOptions::default())
            .unwrap()
            .documents
    }

    /// Every node of every part keeps the line and column it has in its own file.
    #[test]
    fn combined_nodes_keep_their_own_files_positions() {
        let mut documents = load(
            "a.json",
            "{\"x\": 1,\n \"é\": [true,\n  \"s\"]}",
            Format::Json,
        );
        // two documents of one YAML stream share their text; the second starts mid-file
        documents.extend(load(
            "b.yaml",
            "a: 1\nb:\n  - ü: 2\n---\nc:\n  d: x\n",
            Format::Yaml,
        ));
        documents.push(Document::from_json(
            "c.json",
            &serde_json::json!({"z": [1]}),
        ));
        let all = combine(&documents).unwrap();
        for (k, doc) in documents.iter().enumerate() {
            let root = all.element(all.root(), k).unwrap();
            let mut pairs = vec![(doc.root(), root)];
            while let Some((original, copy)) = pairs.pop() {
                assert_eq!(
                    doc.position(original),
                    all.position(copy),
                    "{} {}",
                    doc.name(),
                    doc.pointer(original)
                );
                assert_eq!(doc.pointer(original), all.pointer(copy));
                match doc.value(original) {
                    crate::facts::NodeValue::Array(items) => {
                        for (i, &child) in items.iter().enumerate() {
                            pairs.push((child, all.element(copy, i).unwrap()));
                        }
                    }
                    crate::facts::NodeValue::Object(o) => {
                        for (key, child) in o.iter() {
                            pairs.push((child, all.field(copy, key).unwrap()));
                        }
                    }
                    _ => {}
                }
            }
        }
        let second = all.element(all.root(), 2).unwrap();
        let d = all.field(all.field(second, "c").unwrap(), "d").unwrap();
        assert_eq!(all.position(d), (6, 3));
        assert_eq!(all.source_of(d), ("b.yaml", 1));
        assert_eq!(all.str_of(d), Some("x"));
        assert_eq!(all.position(all.root()), (1, 1));
    }

    /// Past the 31-bit string offsets the combined document is refused, never built with
    /// strings that cannot be read.
    #[test]
    fn sizes_past_the_offsets_are_refused() {
        let fits = Totals {
            text: u64::from(STR_DECODED - 1),
            nodes: 10,
            ..Totals::default()
        };
        assert_eq!(fits.check(), Ok(()));
        let err = Totals {
            text: u64::from(STR_DECODED),
            ..fits
        }
        .check()
        .unwrap_err();
        assert_eq!(err.what, "bytes of text");
        assert!(
            err.to_string().contains("2147483648 bytes of text"),
            "{err}"
        );
        let err = Totals {
            members: u64::from(u32::MAX) + 1,
            ..Totals::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(err.what, "object members");
    }

    #[test]
    fn totals_count_a_shared_text_once() {
        let documents = load("b.yaml", "a: 1\n---\nb: 2\n", Format::Yaml);
        let t = Totals::of(&documents);
        assert_eq!(t.text, documents[0].text.len() as u64);
        assert_eq!(t.items, 2);
    }
}
