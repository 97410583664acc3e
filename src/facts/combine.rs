//! `--combine`: several documents evaluated as one list. The combined arena holds each
//! document's nodes as a contiguous block under a new array root, so every node still knows
//! which file and document it came from and its pointer inside that document.

use std::sync::Arc;

use super::{Document, Members, NO_PARENT, Node, NodeId, NodeValue, Part};

/// One document whose root is the list of `documents`' roots, in order.
///
/// ```
/// use annexa::facts::Document;
/// let a = Document::from_json("a.json", &serde_json::json!({"x": 1}));
/// let b = Document::from_json("b.json", &serde_json::json!({"x": 2}));
/// let all = annexa::facts::combine(&[a, b]);
/// let second = all.element(all.root(), 1).unwrap();
/// let x = all.field(second, "x").unwrap();
/// assert_eq!(all.pointer(x), "/x");
/// assert_eq!(all.source_of(x), ("b.json", 0));
/// ```
pub fn combine(documents: &[Document]) -> Document {
    let total: usize = documents.iter().map(|d| d.nodes.len()).sum();
    let mut nodes: Vec<Node> = Vec::with_capacity(total + 1);
    let root = NodeId::try_from(total).unwrap_or(NodeId::MAX - 1);
    let mut parts = Vec::with_capacity(documents.len());
    let mut roots = Vec::with_capacity(documents.len());
    for (k, doc) in documents.iter().enumerate() {
        let offset = NodeId::try_from(nodes.len()).unwrap_or(0);
        let shift = |id: NodeId| id.saturating_add(offset);
        for node in &doc.nodes {
            let mut copy = node.clone();
            copy.value = match copy.value {
                NodeValue::Array(items) => NodeValue::Array(items.into_iter().map(shift).collect()),
                NodeValue::Object(mut o) => {
                    match &mut o.members {
                        Members::Small(v) => v.iter_mut().for_each(|(_, id)| *id = shift(*id)),
                        Members::Large(m) => m.values_mut().for_each(|id| *id = shift(*id)),
                    }
                    NodeValue::Object(o)
                }
                other => other,
            };
            if copy.parent == NO_PARENT {
                copy.parent = root;
                copy.slot = u32::try_from(k).unwrap_or(u32::MAX);
            } else {
                copy.parent = shift(copy.parent);
            }
            nodes.push(copy);
        }
        roots.push(shift(doc.root));
        parts.push(Part {
            name: Arc::clone(&doc.name),
            index: doc.index,
            first: offset,
        });
    }
    nodes.push(Node {
        value: NodeValue::Array(roots),
        parent: NO_PARENT,
        slot: 0,
        line: 1,
        column: 1,
    });
    Document {
        name: Arc::from("<combined>"),
        index: 0,
        root,
        nodes,
        parts,
    }
}
