//! YAML through `saphyr-parser` events, built into the arena with an explicit stack (no recursion,
//! so any nesting depth is safe), resolved with the YAML 1.2 core schema.

use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Tag};

use super::build::{Builder, OpenObject};
use super::error::{ErrCtx, FactsError};
use super::{Document, KeyId, LoadOptions, Loaded, NO_PARENT, NodeId, Slot};
use crate::source::{SourceFile, Span};

const FORMAT: &str = "YAML";

pub(crate) fn load(name: Arc<str>, text: String, opts: &LoadOptions) -> Result<Loaded, FactsError> {
    let ctx = || ErrCtx::new(SourceFile::new(Arc::clone(&name), text.as_str()));
    let mut loader = Loader {
        name: Arc::clone(&name),
        opts,
        expansions: 0,
        loaded: Loaded::default(),
        doc_index: 0,
        doc: None,
    };
    let mut parser = Parser::new_from_str(&text);
    while let Some(event) = parser.next_event() {
        let step = match event {
            Ok((event, span)) => loader.event(event, span.start),
            Err(e) => Err(Failure::Scan(e)),
        };
        match step {
            Ok(true) => {}
            Ok(false) => break,
            Err(failure) => return Err(failure.into_error(&ctx(), opts)),
        }
    }
    if loader.loaded.documents.is_empty() && loader.loaded.notes.is_empty() {
        loader
            .loaded
            .notes
            .push(format!("{name}: the file holds no YAML document"));
    }
    Ok(loader.loaded)
}

/// Why loading stopped; turned into a [`FactsError`] with the text only on this cold path.
enum Failure {
    Scan(ScanError),
    Syntax(&'static str, Marker, &'static str),
    TooDeep(Marker),
    AliasLimit(Marker),
    Duplicate {
        key: Box<str>,
        first: (u32, u32),
        second: Marker,
        second_len: usize,
    },
    TooManyNodes,
}

impl Failure {
    fn into_error(self, ctx: &ErrCtx, opts: &LoadOptions) -> FactsError {
        let at = |m: Marker| {
            let start = ctx.char_to_byte(m.index());
            let end = ctx
                .file
                .text()
                .get(start..)
                .and_then(|r| r.chars().next())
                .map_or(start, |c| start + c.len_utf8());
            Span::new(start, end)
        };
        match self {
            // the scanner looks ahead, so a deep flow collection can hit its own 255-level cap
            // before the parser hands us level `max_depth + 1`
            Failure::Scan(e) if e.info() == "recursion limit exceeded" => {
                ctx.too_deep(opts.max_depth, at(*e.marker()))
            }
            Failure::Scan(e) => {
                let mut message = e.info().to_string();
                if message.is_empty() {
                    message = "invalid YAML".into();
                }
                ctx.syntax(
                    FORMAT,
                    message,
                    at(*e.marker()),
                    Some("check the indentation, the quoting and the `:`/`-` markers near here"),
                )
            }
            Failure::Syntax(message, m, help) => ctx.syntax(FORMAT, message, at(m), Some(help)),
            Failure::TooDeep(m) => ctx.too_deep(opts.max_depth, at(m)),
            Failure::AliasLimit(m) => ctx.alias_limit(opts.max_alias_expansions, at(m)),
            Failure::Duplicate {
                key,
                first,
                second,
                second_len,
            } => {
                let start = ctx.char_to_byte(second.index());
                let end = ctx.char_to_byte(second.index() + second_len.max(1));
                ctx.duplicate_key(&key, first, Span::new(start, end))
            }
            Failure::TooManyNodes => FactsError::TooLarge {
                name: ctx.name(),
                size: u64::try_from(ctx.file.text().len()).unwrap_or(u64::MAX),
                limit: opts.max_file_bytes,
            },
        }
    }
}

/// A mapping key waiting for its value: key, position, char index and char length.
type PendingKey = (KeyId, (u32, u32), Marker, usize);

/// An open collection.
enum Frame {
    Seq {
        id: NodeId,
        /// The builder's mark for the open array.
        items: usize,
        anchor: usize,
    },
    Map {
        id: NodeId,
        object: OpenObject,
        anchor: usize,
        /// The key waiting for its value: text, position, char index and char length.
        key: Option<PendingKey>,
    },
}

/// The document being built.
struct Doc {
    builder: Builder,
    stack: Vec<Frame>,
    anchors: HashMap<usize, NodeId>,
    /// Anchors set on scalar keys (which have no node): their resolved values.
    key_anchors: HashMap<usize, Slot>,
    root: Option<NodeId>,
    empty: bool,
}

struct Loader<'a> {
    name: Arc<str>,
    opts: &'a LoadOptions,
    expansions: usize,
    loaded: Loaded,
    doc_index: usize,
    doc: Option<Doc>,
}

fn pos(m: Marker) -> (u32, u32) {
    (
        u32::try_from(m.line()).unwrap_or(u32::MAX),
        u32::try_from(m.col().saturating_add(1)).unwrap_or(u32::MAX),
    )
}

/// Where a new value goes.
struct Place {
    parent: NodeId,
    slot: usize,
    pos: (u32, u32),
    key: Option<PendingKey>,
    depth: usize,
}

impl Loader<'_> {
    /// Handles one event; `Ok(false)` at the end of the stream.
    fn event(&mut self, event: Event<'_>, mark: Marker) -> Result<bool, Failure> {
        match event {
            Event::StreamEnd => return Ok(false),
            Event::StreamStart | Event::Nothing => {}
            Event::DocumentStart(_) => {
                self.doc = Some(Doc {
                    builder: Builder::new(),
                    stack: Vec::new(),
                    anchors: HashMap::new(),
                    key_anchors: HashMap::new(),
                    root: None,
                    empty: false,
                });
            }
            Event::DocumentEnd => self.end_document(),
            Event::SequenceEnd | Event::MappingEnd => self.end_collection(),
            Event::Scalar(value, style, anchor, tag) => {
                if self.is_key_position() {
                    if anchor != 0
                        && let Some(doc) = self.doc.as_mut()
                    {
                        doc.anchors.remove(&anchor);
                        let value = resolve(&mut doc.builder, &value, style, tag.as_deref());
                        doc.key_anchors.insert(anchor, value);
                    }
                    self.set_key(&value, mark);
                    return Ok(true);
                }
                let Some(doc) = self.doc.as_mut() else {
                    return Ok(true);
                };
                if doc.stack.is_empty()
                    && style == ScalarStyle::Plain
                    && value.is_empty()
                    && anchor == 0
                    && tag.is_none()
                {
                    doc.empty = true;
                    return Ok(true);
                }
                let resolved = resolve(&mut doc.builder, &value, style, tag.as_deref());
                let place = self.place(mark);
                let id = self.attach(resolved, place)?;
                self.anchor(anchor, id);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let is_seq = matches!(event, Event::SequenceStart(..));
                if self.is_key_position() {
                    return Err(Failure::Syntax(
                        "a mapping or sequence cannot be used as a key",
                        mark,
                        "use a plain string key",
                    ));
                }
                let place = self.place(mark);
                if place.depth >= self.opts.max_depth {
                    return Err(Failure::TooDeep(mark));
                }
                let id = self.attach(Slot::Null, place)?;
                if let Some(doc) = self.doc.as_mut() {
                    doc.stack.push(if is_seq {
                        Frame::Seq {
                            id,
                            items: doc.builder.open_array(),
                            anchor,
                        }
                    } else {
                        Frame::Map {
                            id,
                            object: doc.builder.open_object(),
                            anchor,
                            key: None,
                        }
                    });
                }
            }
            Event::Alias(anchor) => {
                let key_value = self
                    .doc
                    .as_ref()
                    .and_then(|d| d.key_anchors.get(&anchor).copied());
                if let Some(value) = key_value {
                    if self.is_key_position() {
                        let key = self.string_form(&value).unwrap_or_default();
                        self.set_key(&key, mark);
                    } else {
                        self.count(mark, self.opts.max_alias_expansions)?;
                        let place = self.place(mark);
                        self.attach(value, place)?;
                    }
                    return Ok(true);
                }
                let Some(source) = self
                    .doc
                    .as_ref()
                    .and_then(|d| d.anchors.get(&anchor).copied())
                else {
                    return Err(Failure::Syntax(
                        "an alias to an anchor that is not complete (a recursive alias)",
                        mark,
                        "an alias may only refer to an anchored node that ends before it",
                    ));
                };
                if self.is_key_position() {
                    let key = self.alias_key(source).ok_or(Failure::Syntax(
                        "a mapping or sequence cannot be used as a key",
                        mark,
                        "use a plain string key",
                    ))?;
                    self.set_key(&key, mark);
                    return Ok(true);
                }
                let place = self.place(mark);
                self.copy(source, place, mark)?;
            }
        }
        Ok(true)
    }

    fn is_key_position(&self) -> bool {
        matches!(
            self.doc.as_ref().and_then(|d| d.stack.last()),
            Some(Frame::Map { key: None, .. })
        )
    }

    fn set_key(&mut self, key: &str, mark: Marker) {
        let len = key.chars().count();
        let Some(doc) = self.doc.as_mut() else {
            return;
        };
        if let Some(Frame::Map { key: slot, .. }) = doc.stack.last_mut() {
            *slot = Some((doc.builder.key(key), pos(mark), mark, len));
        }
    }

    /// The string form of an aliased scalar used as a key.
    fn alias_key(&self, source: NodeId) -> Option<Box<str>> {
        self.string_form(&self.doc.as_ref()?.builder.node(source)?.value)
    }

    /// The string form of a scalar (`None` for a collection).
    fn string_form(&self, value: &Slot) -> Option<Box<str>> {
        Some(match value {
            Slot::Null => "null".into(),
            Slot::Bool(b) => b.to_string().into(),
            Slot::Int(i) => i.to_string().into(),
            Slot::Float(f) => f.to_string().into(),
            Slot::Str(s) => self.doc.as_ref()?.builder.str(*s).into(),
            Slot::Array(_) | Slot::Object(_) => return None,
        })
    }

    /// Where the value starting at `mark` goes.
    fn place(&mut self, mark: Marker) -> Place {
        let at = pos(mark);
        let Some(doc) = self.doc.as_mut() else {
            return Place {
                parent: NO_PARENT,
                slot: 0,
                pos: at,
                key: None,
                depth: 0,
            };
        };
        let depth = doc.stack.len();
        let builder = &doc.builder;
        match doc.stack.last_mut() {
            None => Place {
                parent: NO_PARENT,
                slot: 0,
                pos: at,
                key: None,
                depth,
            },
            Some(Frame::Seq { id, items, .. }) => Place {
                parent: *id,
                slot: builder.array_len(*items),
                pos: at,
                key: None,
                depth,
            },
            Some(Frame::Map {
                id, object, key, ..
            }) => {
                let key = key.take();
                Place {
                    parent: *id,
                    slot: builder.object_len(object),
                    pos: key.as_ref().map_or(at, |k| k.1),
                    key,
                    depth,
                }
            }
        }
    }

    /// Adds a node at `place` and links it into its parent.
    fn attach(&mut self, value: Slot, place: Place) -> Result<NodeId, Failure> {
        let Some(doc) = self.doc.as_mut() else {
            return Ok(0);
        };
        let id = doc.builder.push(value, place.parent, place.slot, place.pos);
        if doc.builder.overflowed() {
            return Err(Failure::TooManyNodes);
        }
        match doc.stack.last_mut() {
            None => doc.root = Some(id),
            Some(Frame::Seq { .. }) => doc.builder.add_item(id),
            Some(Frame::Map { object, .. }) => {
                if let Some((key, _, mark, len)) = place.key
                    && let Err(first) = doc.builder.add_member(object, key, id)
                {
                    let first = doc
                        .builder
                        .node(first)
                        .map_or((1, 1), |n| (n.line, n.column));
                    return Err(Failure::Duplicate {
                        key: Box::from(doc.builder.key_str(key)),
                        first,
                        second: mark,
                        second_len: len,
                    });
                }
            }
        }
        Ok(id)
    }

    fn anchor(&mut self, anchor: usize, id: NodeId) {
        if anchor != 0
            && let Some(doc) = self.doc.as_mut()
        {
            doc.key_anchors.remove(&anchor);
            doc.anchors.insert(anchor, id);
        }
    }

    fn end_collection(&mut self) {
        let Some(doc) = self.doc.as_mut() else {
            return;
        };
        let (id, anchor) = match doc.stack.pop() {
            Some(Frame::Seq { id, items, anchor }) => {
                doc.builder.close_array(id, items);
                (id, anchor)
            }
            Some(Frame::Map {
                id, object, anchor, ..
            }) => {
                doc.builder.close_object(id, object);
                (id, anchor)
            }
            None => return,
        };
        self.anchor(anchor, id);
    }

    fn end_document(&mut self) {
        let index = self.doc_index;
        self.doc_index += 1;
        let Some(doc) = self.doc.take() else {
            return;
        };
        match doc.root {
            Some(root) if !doc.empty => {
                let document: Document = doc.builder.finish(Arc::clone(&self.name), index, root);
                self.loaded.documents.push(document);
            }
            _ => self.loaded.notes.push(format!(
                "{}: document {index} is empty and was skipped",
                self.name
            )),
        }
    }

    /// Expands an alias: copies the subtree at `source` to `place`, iteratively, counting every
    /// copied node against the limit and checking depth.
    fn copy(&mut self, source: NodeId, place: Place, mark: Marker) -> Result<(), Failure> {
        let limit = self.opts.max_alias_expansions;
        let max_depth = self.opts.max_depth;
        let base_depth = place.depth;
        let first = self
            .doc
            .as_ref()
            .and_then(|d| d.builder.node(source))
            .map(|n| n.value.clone_shallow());
        let Some(first) = first else {
            return Ok(());
        };
        self.count(mark, limit)?;
        let root = self.attach(first, place)?;
        // (source, copy, depth of the copy counting enclosing collections)
        let mut work = vec![(source, root, base_depth)];
        while let Some((src, dst, depth)) = work.pop() {
            let Some(doc) = self.doc.as_mut() else {
                return Ok(());
            };
            let Some(node) = doc.builder.node(src) else {
                continue;
            };
            let children: Vec<(Option<KeyId>, NodeId)> = match &node.value {
                Slot::Array(items) => doc
                    .builder
                    .items(items)
                    .iter()
                    .map(|&c| (None, c))
                    .collect(),
                Slot::Object(object) => doc
                    .builder
                    .members(object)
                    .map(|(k, c)| (Some(k), c))
                    .collect(),
                _ => continue,
            };
            if depth >= max_depth {
                return Err(Failure::TooDeep(mark));
            }
            let is_object = matches!(node.value, Slot::Object(_));
            let items = doc.builder.open_array();
            let mut object = doc.builder.open_object();
            for (slot, (key, child)) in children.into_iter().enumerate() {
                self.expansions += 1;
                if self.expansions > limit {
                    return Err(Failure::AliasLimit(mark));
                }
                let Some(doc) = self.doc.as_mut() else {
                    return Ok(());
                };
                let Some(child_node) = doc.builder.node(child) else {
                    continue;
                };
                let value = child_node.value.clone_shallow();
                let at = (child_node.line, child_node.column);
                let copy = doc.builder.push(value, dst, slot, at);
                if doc.builder.overflowed() {
                    return Err(Failure::TooManyNodes);
                }
                match key {
                    Some(key) => {
                        let _ = doc.builder.add_member(&mut object, key, copy);
                    }
                    None => doc.builder.add_item(copy),
                }
                work.push((child, copy, depth + 1));
            }
            if let Some(doc) = self.doc.as_mut() {
                if is_object {
                    doc.builder.close_object(dst, object);
                } else {
                    doc.builder.close_array(dst, items);
                }
            }
        }
        Ok(())
    }

    fn count(&mut self, mark: Marker, limit: usize) -> Result<(), Failure> {
        self.expansions += 1;
        if self.expansions > limit {
            return Err(Failure::AliasLimit(mark));
        }
        Ok(())
    }
}

impl Slot {
    /// The value without its children (collections come back empty; they are filled by the
    /// caller). Strings share the original's text.
    fn clone_shallow(&self) -> Slot {
        match self {
            Slot::Array(_) | Slot::Object(_) => Slot::Null,
            other => *other,
        }
    }
}

/// Resolves a scalar with the YAML 1.2 core schema.
fn resolve(builder: &mut Builder, value: &str, style: ScalarStyle, tag: Option<&Tag>) -> Slot {
    if style != ScalarStyle::Plain {
        return builder.string(value);
    }
    if let Some(tag) = tag {
        let core = tag.is_yaml_core_schema() || tag.handle == "!!";
        if !core || tag.suffix == "str" {
            return builder.string(value);
        }
    }
    resolve_plain(value).unwrap_or_else(|| builder.string(value))
}

/// The core schema's resolution of a plain scalar (`None`: it is a string).
pub(crate) fn resolve_plain(s: &str) -> Option<Slot> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Slot::Null),
        "true" | "True" | "TRUE" => return Some(Slot::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Slot::Bool(false)),
        ".nan" | ".NaN" | ".NAN" => return Some(Slot::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Some(Slot::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Some(Slot::Float(f64::NEG_INFINITY)),
        _ => {}
    }
    if let Some(hex) = s.strip_prefix("0x") {
        if let Some(v) = radix(hex, 16) {
            return Some(v);
        }
    } else if let Some(oct) = s.strip_prefix("0o") {
        if let Some(v) = radix(oct, 8) {
            return Some(v);
        }
    } else if is_decimal_int(s) {
        return Some(match s.parse::<i64>() {
            Ok(i) => Slot::Int(i),
            Err(_) => Slot::Float(s.parse::<f64>().unwrap_or(f64::NAN)),
        });
    } else if is_float(s)
        && let Ok(f) = s.parse::<f64>()
    {
        return Some(Slot::Float(f));
    }
    None
}

/// `[-+]?[0-9]+`
fn is_decimal_int(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (s.get(..i).unwrap_or(""), Some(s.get(i + 1..).unwrap_or(""))),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(frac) => all_digits(int) && all_digits(frac) && !(int.is_empty() && frac.is_empty()),
        None => !int.is_empty() && all_digits(int),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Hex/octal digits to an integer, or a float when past `i64`.
fn radix(digits: &str, base: u32) -> Option<Slot> {
    if digits.is_empty() {
        return None;
    }
    let mut exact: Option<i64> = Some(0);
    let mut approx = 0f64;
    for c in digits.chars() {
        let d = c.to_digit(base)?;
        exact = exact
            .and_then(|v| v.checked_mul(i64::from(base)))
            .and_then(|v| v.checked_add(i64::from(d)));
        approx = approx * f64::from(base) + f64::from(d);
    }
    Some(exact.map_or(Slot::Float(approx), Slot::Int))
}
