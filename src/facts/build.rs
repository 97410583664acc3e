//! The arena builder shared by the JSON and YAML loaders, and an incremental line counter.

use std::collections::HashSet;
use std::sync::Arc;

use super::{Document, NO_PARENT, Node, NodeId, NodeValue, Object};
use crate::source::line_col;

/// Builds one [`Document`]'s arena.
pub(crate) struct Builder {
    pub(crate) nodes: Vec<Node>,
    /// Object keys repeat (every dataset has a `name`): each distinct key is stored once.
    keys: HashSet<Arc<str>>,
    /// Set when more nodes were pushed than a [`NodeId`] can number.
    overflow: bool,
}

impl Builder {
    pub(crate) fn new() -> Builder {
        Builder {
            nodes: Vec::new(),
            keys: HashSet::new(),
            overflow: false,
        }
    }

    /// The shared copy of an object key.
    pub(crate) fn key(&mut self, key: &str) -> Arc<str> {
        if let Some(shared) = self.keys.get(key) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(key);
        self.keys.insert(Arc::clone(&shared));
        shared
    }

    /// Adds a node and returns its id.
    pub(crate) fn push(
        &mut self,
        value: NodeValue,
        parent: NodeId,
        slot: usize,
        (line, column): (u32, u32),
    ) -> NodeId {
        let id = match NodeId::try_from(self.nodes.len()) {
            Ok(id) if id != NO_PARENT => id,
            _ => {
                self.overflow = true;
                return 0;
            }
        };
        self.nodes.push(Node {
            value,
            parent,
            slot: u32::try_from(slot).unwrap_or(u32::MAX),
            line,
            column,
        });
        id
    }

    /// Whether the arena ran out of ids (the caller reports the file as too large).
    pub(crate) fn overflowed(&self) -> bool {
        self.overflow
    }

    pub(crate) fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(usize::try_from(id).ok()?)
    }

    /// Sets a collection's value once its children are known, dropping the spare capacity the
    /// vectors grew while they were filled (it would otherwise stay for the document's life).
    pub(crate) fn set_value(&mut self, id: NodeId, mut value: NodeValue) {
        match &mut value {
            NodeValue::Array(children) => children.shrink_to_fit(),
            NodeValue::Object(members) => members.shrink_to_fit(),
            _ => {}
        }
        if let Some(node) = usize::try_from(id).ok().and_then(|i| self.nodes.get_mut(i)) {
            node.value = value;
        }
    }

    /// Adds a copy of `value` (recursively) at position (1, 1).
    pub(crate) fn add_json(
        &mut self,
        value: &serde_json::Value,
        parent: NodeId,
        slot: usize,
    ) -> NodeId {
        use serde_json::Value;
        let at = (1, 1);
        match value {
            Value::Null => self.push(NodeValue::Null, parent, slot, at),
            Value::Bool(b) => self.push(NodeValue::Bool(*b), parent, slot, at),
            Value::Number(n) => {
                let v = match n.as_i64() {
                    Some(i) => NodeValue::Int(i),
                    None => NodeValue::Float(n.as_f64().unwrap_or(f64::NAN)),
                };
                self.push(v, parent, slot, at)
            }
            Value::String(s) => self.push(NodeValue::Str(s.as_str().into()), parent, slot, at),
            Value::Array(items) => {
                let id = self.push(NodeValue::Null, parent, slot, at);
                let children = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.add_json(v, id, i))
                    .collect();
                self.set_value(id, NodeValue::Array(children));
                id
            }
            Value::Object(map) => {
                let id = self.push(NodeValue::Null, parent, slot, at);
                let mut object = Object::new();
                for (i, (k, v)) in map.iter().enumerate() {
                    let child = self.add_json(v, id, i);
                    // serde_json maps have unique keys
                    let _ = object.insert(self.key(k), child);
                }
                self.set_value(id, NodeValue::Object(object));
                id
            }
        }
    }

    pub(crate) fn finish(self, name: Arc<str>, index: usize, root: NodeId) -> Document {
        let mut nodes = self.nodes;
        nodes.shrink_to_fit();
        Document {
            name,
            index,
            root,
            nodes,
            parts: Vec::new(),
        }
    }
}

/// Turns byte offsets into 1-based (line, column-in-characters), in linear time overall when the
/// offsets come in increasing order (as a parser visits them).
pub(crate) struct LineCursor<'a> {
    text: &'a str,
    offset: usize,
    line: u32,
    column: u32,
}

impl<'a> LineCursor<'a> {
    pub(crate) fn new(text: &'a str) -> LineCursor<'a> {
        LineCursor {
            text,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    pub(crate) fn at(&mut self, offset: usize) -> (u32, u32) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.offset {
            let (line, column) = line_col(self.text, offset);
            (self.offset, self.line, self.column) = (offset, line, column);
            return (line, column);
        }
        // one pass over the bytes: line breaks, and characters (non-continuation bytes) since
        // the last of them
        let chunk = self.text.as_bytes().get(self.offset..offset).unwrap_or(&[]);
        for &b in chunk {
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                self.column = self.column.saturating_add(1);
            }
        }
        self.offset = offset;
        (self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_matches_line_col_forwards_and_backwards() {
        let text = "{\r\n  \"é\": [1,\n 2]}\n";
        let mut cursor = LineCursor::new(text);
        for offset in (0..=text.len()).chain([9, 3, 0, 15]) {
            if text.is_char_boundary(offset) {
                assert_eq!(cursor.at(offset), line_col(text, offset), "offset {offset}");
            }
        }
    }
}
