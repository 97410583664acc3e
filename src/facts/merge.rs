//! `--merge`: several files that describe one pipeline (a shared `suppliers.yaml`, per-team
//! `datasets/*.yaml`) read as one document. Top-level collections are concatenated, objects
//! merged key by key, equal scalars kept once; anything else is a conflict.
//!
//! The merged document is built over [`combine`]'s arena, so every node still belongs to the
//! file it was read from: an element of `b.yaml` keeps its parent chain inside `b.yaml`, and its
//! pointer, file, line and column are the ones an editor shows for that file. Only the root and
//! the merged arrays and objects change: a merged array is the first file's array node with the
//! others' elements appended, a merged object the first file's object with the others' members
//! appended after its own (so its own members keep their positions, which pointers rely on).

use std::collections::HashMap;

use super::{
    Document, INDEX_THRESHOLD, Items, KeyId, Member, Members, NO_PARENT, NodeId, Slot,
    TooLargeToCombine, combine,
};

/// Two files that give different values at the same place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer} is given twice with different values: at {first} and at {second}")]
pub struct MergeConflict {
    /// JSON Pointer of the place (the same in both files).
    pub pointer: String,
    /// `FILE:LINE:COL` of the first value.
    pub first: String,
    /// `FILE:LINE:COL` of the value that disagrees with it.
    pub second: String,
}

/// Why files cannot be merged.
///
/// ```
/// use annexa::unstable::facts::{Document, MergeError, merge};
/// let a = Document::from_json("a.yaml", &serde_json::json!({"pipeline": {"owner": "x"}}));
/// let b = Document::from_json("b.yaml", &serde_json::json!({"pipeline": {"owner": "y"}}));
/// let Err(MergeError::Conflict(c)) = merge(&[a, b]) else { panic!() };
/// assert_eq!(c.pointer, "/pipeline/owner");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Two files disagree at one place.
    #[error(transparent)]
    Conflict(#[from] MergeConflict),
    /// Together they are too large for one document.
    #[error(transparent)]
    TooLarge(TooLargeToCombine),
}

/// One document merging `documents` (in order), or the first conflict found.
///
/// ```
/// use annexa::unstable::facts::Document;
/// let shared = Document::from_json("suppliers.yaml", &serde_json::json!({"suppliers": [{"name": "v"}]}));
/// let a = Document::from_json("a.yaml", &serde_json::json!({"datasets": [{"name": "a"}]}));
/// let b = Document::from_json("b.yaml", &serde_json::json!({"datasets": [{"name": "b"}]}));
/// let one = annexa::unstable::facts::merge(&[shared, a, b]).unwrap();
/// let datasets = one.field(one.root(), "datasets").unwrap();
/// let second = one.element(datasets, 1).unwrap();
/// assert_eq!(one.source_of(second), ("b.yaml", 0));
/// assert_eq!(one.pointer(second), "/datasets/0");
/// assert!(one.field(one.root(), "suppliers").is_some());
/// ```
pub fn merge(documents: &[Document]) -> Result<Document, MergeError> {
    let mut doc = combine(documents).map_err(MergeError::TooLarge)?;
    let list = doc.root;
    let roots: Vec<NodeId> = match doc.node(list).slot() {
        Slot::Array(a) => doc.items(a).to_vec(),
        _ => Vec::new(),
    };
    // each file's root is a root again: its pointers start inside that file
    for &r in &roots {
        if let Some(node) = doc.nodes.get_mut(r as usize) {
            node.set_parent(NO_PARENT);
        }
    }
    let members = merge_objects(&mut doc, &roots)?;
    if let Some(node) = doc.nodes.get_mut(list as usize) {
        node.set_slot(Slot::Object(members));
        node.set_parent(NO_PARENT);
    }
    if let Some(first) = documents.first() {
        doc.name = first.name.clone();
        doc.index = first.index;
    }
    Ok(doc)
}

/// The members of the objects `objects` merged, as a new run of the member buffer.
fn merge_objects(doc: &mut Document, objects: &[NodeId]) -> Result<Members, MergeConflict> {
    let mut order: Vec<KeyId> = Vec::new();
    let mut values: HashMap<KeyId, Vec<NodeId>> = HashMap::new();
    for &o in objects {
        if let Slot::Object(m) = doc.node(o).slot() {
            for member in doc.members.get(m.range()).unwrap_or(&[]) {
                let entry = values.entry(member.key).or_default();
                if entry.is_empty() {
                    order.push(member.key);
                }
                entry.push(member.id);
            }
        }
    }
    let mut merged = Vec::with_capacity(order.len());
    for key in order {
        let vs = values.remove(&key).unwrap_or_default();
        let id = merge_values(doc, &vs)?;
        merged.push(Member { key, id });
    }
    let start = u32::try_from(doc.members.len()).unwrap_or(u32::MAX);
    let len = u32::try_from(merged.len()).unwrap_or(u32::MAX);
    if merged.len() > INDEX_THRESHOLD {
        for (i, m) in merged.iter().enumerate() {
            doc.large
                .insert((start, m.key), u32::try_from(i).unwrap_or(u32::MAX));
        }
    }
    doc.members.extend(merged);
    Ok(Members { start, len })
}

/// One node standing for `values` (the same key in several files): the first, with the others'
/// elements or members added.
fn merge_values(doc: &mut Document, values: &[NodeId]) -> Result<NodeId, MergeConflict> {
    let Some((&first, rest)) = values.split_first() else {
        return Ok(NO_PARENT);
    };
    if rest.is_empty() {
        return Ok(first);
    }
    let kinds: Vec<Slot> = values.iter().map(|&v| doc.node(v).slot()).collect();
    if kinds.iter().all(|k| matches!(k, Slot::Array(_))) {
        let mut items = Vec::new();
        for k in &kinds {
            if let Slot::Array(a) = k {
                items.extend_from_slice(doc.items(*a));
            }
        }
        let start = u32::try_from(doc.items.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(items.len()).unwrap_or(u32::MAX);
        doc.items.extend(items);
        set_value(doc, first, Slot::Array(Items { start, len }));
        return Ok(first);
    }
    if kinds.iter().all(|k| matches!(k, Slot::Object(_))) {
        let members = merge_objects(doc, values)?;
        set_value(doc, first, Slot::Object(members));
        return Ok(first);
    }
    let expected = doc.to_json(first);
    for &other in rest {
        if doc.to_json(other) != expected {
            return Err(MergeConflict {
                pointer: doc.pointer(first),
                first: place(doc, first),
                second: place(doc, other),
            });
        }
    }
    Ok(first)
}

fn set_value(doc: &mut Document, id: NodeId, value: Slot) {
    if let Some(node) = doc.nodes.get_mut(id as usize) {
        node.set_slot(value);
    }
}

/// `FILE:LINE:COL` of a node.
fn place(doc: &Document, id: NodeId) -> String {
    let (file, _) = doc.source_of(id);
    let (line, column) = doc.position(id);
    format!("{file}:{line}:{column}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(name: &str, v: serde_json::Value) -> Document {
        Document::from_json(name, &v)
    }

    #[test]
    fn collections_concatenate_and_objects_merge() {
        let a = doc(
            "a.yaml",
            json!({"pipeline": {"name": "p", "owner": "o"}, "datasets": [{"name": "a"}]}),
        );
        let b = doc(
            "b.yaml",
            json!({"pipeline": {"name": "p", "environments": []}, "datasets": [{"name": "b"}, {"name": "c"}]}),
        );
        let one = merge(&[a, b]).unwrap();
        assert_eq!(
            one.to_json(one.root()),
            json!({"pipeline": {"name": "p", "owner": "o", "environments": []},
                   "datasets": [{"name": "a"}, {"name": "b"}, {"name": "c"}]})
        );
        let datasets = one.field(one.root(), "datasets").unwrap();
        let c = one.element(datasets, 2).unwrap();
        assert_eq!(one.source_of(c), ("b.yaml", 0));
        assert_eq!(one.pointer(c), "/datasets/1");
        let a0 = one.element(datasets, 0).unwrap();
        assert_eq!(one.source_of(a0), ("a.yaml", 0));
        assert_eq!(one.pointer(a0), "/datasets/0");
        let pipeline = one.field(one.root(), "pipeline").unwrap();
        let envs = one.field(pipeline, "environments").unwrap();
        assert_eq!(one.source_of(envs), ("b.yaml", 0));
        assert_eq!(one.pointer(envs), "/pipeline/environments");
        let owner = one.field(pipeline, "owner").unwrap();
        assert_eq!(one.pointer(owner), "/pipeline/owner");
    }

    #[test]
    fn different_scalars_at_one_place_are_a_conflict() {
        let a = doc("a.yaml", json!({"pipeline": {"owner": "x"}}));
        let b = doc("b.yaml", json!({"pipeline": {"owner": "y"}}));
        let Err(MergeError::Conflict(err)) = merge(&[a, b]) else {
            panic!("no conflict")
        };
        assert_eq!(err.pointer, "/pipeline/owner");
        assert_eq!(err.first, "a.yaml:1:1");
        assert_eq!(err.second, "b.yaml:1:1");
        let list = doc("c.yaml", json!({"datasets": {"name": "x"}}));
        let other = doc("d.yaml", json!({"datasets": [{"name": "y"}]}));
        assert!(merge(&[list, other]).is_err());
    }

    #[test]
    fn many_keys_are_still_found_after_merging() {
        let wide: serde_json::Map<String, serde_json::Value> =
            (0..20).map(|i| (format!("k{i}"), json!(i))).collect();
        let a = doc("a.yaml", serde_json::Value::Object(wide));
        let b = doc("b.yaml", json!({"extra": true}));
        let one = merge(&[a, b]).unwrap();
        assert!(one.field(one.root(), "k19").is_some());
        assert!(one.field(one.root(), "extra").is_some());
    }
}
