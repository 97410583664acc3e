//! Strict JSON through `jiter` (a fast pull parser: no intermediate tree, and it reports the
//! byte index of every token), converted straight into the arena.
//!
//! The conversion recurses once per nesting level and refuses level `max_depth + 1` before
//! descending, so even a 100,000-deep `[[[…` is answered with `too_deep` at the bracket past
//! the limit, never with a stack overflow.

use std::sync::Arc;

use jiter::{Jiter, JiterError, JiterErrorType, JsonErrorType, Peek};

use super::build::{Builder, Reservation};
use super::error::{ErrCtx, FactsError};
use super::{LoadOptions, Loaded, NO_PARENT, NodeId, Place, Slot};
use crate::source::{SourceFile, Span};

mod split;

const FORMAT: &str = "JSON";

pub(crate) fn load(
    name: Arc<str>,
    text: String,
    opts: &LoadOptions,
    reservation: Option<Reservation>,
) -> Result<Loaded, FactsError> {
    let ctx = || ErrCtx::new(SourceFile::new(Arc::clone(&name), text.as_str()));
    if text.trim().is_empty() {
        let end = text.len();
        return Err(ctx().syntax(
            FORMAT,
            "the file holds no JSON value",
            Span::new(end, end),
            Some("a JSON fact file holds one value, usually an object: `{}`"),
        ));
    }
    let builder =
        Builder::with_reservation(reservation.unwrap_or_else(|| Reservation::for_text(text.len())));
    let (root, builder) = if text.len() >= split::MIN_BYTES {
        split::convert(&text, builder, opts.max_depth)
    } else {
        let mut conv = Converter::new(&text, 0, builder, opts.max_depth);
        (conv.convert(), conv.builder)
    };
    let root = match root {
        Ok(root) => root,
        Err(e) => return Err(e.into_error(&ctx(), &text, opts.max_depth)),
    };
    if builder.overflowed() {
        // within the byte ceiling only the node ids can run out
        return Err(FactsError::TooManyValues {
            name: name.to_string(),
            limit: super::MAX_VALUES,
        });
    }
    let document = builder.finish_with_text(
        name,
        0,
        root,
        Arc::new(super::lines::SourceText::new(text)),
        Place::Bytes,
    );
    Ok(Loaded {
        documents: vec![document],
        notes: Vec::new(),
    })
}

/// A jiter error in words, with help where a fix is likely.
fn parse_error(ctx: &ErrCtx, text: &str, e: &JiterError) -> FactsError {
    let at = e.index.min(text.len());
    let span = Span::new(at, (at + 1).min(text.len()).max(at));
    let rest = text.get(at..).unwrap_or("");
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '+' | '-'))
        .take(40)
        .collect();
    let found = if word.is_empty() {
        snippet(text, Span::new(at, (at + 2).min(text.len())))
    } else {
        word
    };
    let before = text.get(..at).unwrap_or("").trim_end();
    // what the text looks like says more than the parser's state
    if found.starts_with("//") || found.starts_with("/*") {
        return ctx.syntax(
            FORMAT,
            "comments are not allowed in JSON",
            span,
            Some("remove the comment, or write the facts as YAML, which has `#` comments"),
        );
    }
    if found.starts_with('\'') {
        return ctx.syntax(
            FORMAT,
            "single-quoted strings are not allowed in JSON",
            span,
            Some("use double quotes: `\"…\"`"),
        );
    }
    if (found.starts_with(']') || found.starts_with('}')) && before.ends_with(',') {
        let comma = before.len() - 1;
        return ctx.syntax(
            FORMAT,
            "trailing comma",
            Span::new(comma, comma + 1),
            Some("remove the comma after the last element"),
        );
    }
    let (message, help): (String, Option<&str>) = match &e.error_type {
        JiterErrorType::JsonError(kind) => match kind {
            JsonErrorType::EofWhileParsingList
            | JsonErrorType::EofWhileParsingObject
            | JsonErrorType::EofWhileParsingString
            | JsonErrorType::EofWhileParsingValue => (
                "the file ends in the middle of a value".into(),
                Some("close every `[`, `{` and `\"`"),
            ),
            JsonErrorType::ExpectedColon => (
                "expected `:` after an object key".into(),
                Some("write members as `\"key\": value`"),
            ),
            JsonErrorType::ExpectedListCommaOrEnd => (
                "expected a comma or `]`".into(),
                Some("separate elements with `,`; a trailing comma is not allowed in JSON"),
            ),
            JsonErrorType::ExpectedObjectCommaOrEnd => (
                "expected a comma or `}`".into(),
                Some("separate members with `,`; a trailing comma is not allowed in JSON"),
            ),
            JsonErrorType::KeyMustBeAString => (
                "object keys must be double-quoted strings".into(),
                Some("quote the key: `\"key\": value`"),
            ),
            JsonErrorType::ControlCharacterWhileParsingString => (
                "a raw control character in a string".into(),
                Some("escape it: `\\n`, `\\t`, `\\r` or `\\u00XX`"),
            ),
            JsonErrorType::TrailingCharacters => (
                "more than one value at the top level".into(),
                Some("wrap the values in an array, or use a multi-document YAML file"),
            ),
            JsonErrorType::ExpectedSomeIdent | JsonErrorType::ExpectedSomeValue => {
                if found.starts_with("NaN") || found.starts_with("Infinity") {
                    (
                        "`NaN` and `Infinity` are not JSON numbers".into(),
                        Some("use `null`, or write the facts as YAML (`.nan`, `.inf`)"),
                    )
                } else {
                    (
                        format!("unexpected `{found}`"),
                        Some(
                            "JSON literals are `true`, `false` and `null` (lowercase); quote strings",
                        ),
                    )
                }
            }
            other => (lowercase_first(&other.to_string()), None),
        },
        other => (lowercase_first(&other.to_string()), None),
    };
    ctx.syntax(FORMAT, message, span, help)
}

/// The text of a span, shortened to 40 characters.
fn snippet(text: &str, span: Span) -> String {
    let raw = text.get(span.start..span.end).unwrap_or("");
    let mut out: String = raw.chars().take(40).collect();
    if out.len() < raw.len() {
        out.push('…');
    }
    out
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

enum ConvError {
    Json(JiterError),
    TooDeep(usize),
    Duplicate {
        key: String,
        /// Byte offset of the first occurrence's key.
        first: usize,
        second: Span,
    },
}

impl ConvError {
    fn into_error(self, ctx: &ErrCtx, text: &str, max_depth: usize) -> FactsError {
        match self {
            ConvError::Json(e) => parse_error(ctx, text, &e),
            ConvError::TooDeep(at) => ctx.too_deep(max_depth, Span::new(at, at + 1)),
            ConvError::Duplicate { key, first, second } => ctx.duplicate_key(&key, first, second),
        }
    }
}

impl From<JiterError> for ConvError {
    fn from(e: JiterError) -> ConvError {
        ConvError::Json(e)
    }
}

struct Converter<'t> {
    text: &'t str,
    /// Parses `text` from `base` on (a thread parsing part of a large text starts past 0, and
    /// the main parse starts again past the part another thread parsed).
    jiter: Jiter<'t>,
    base: usize,
    builder: Builder,
    max_depth: usize,
    /// One more than the deepest `depth` at which a collection started (0: none yet).
    deepest: usize,
    /// Where another thread is parsing the rest of an array (see [`split`]).
    split: Option<split::Pending<'t>>,
    /// Whether this parse took that thread's values in.
    took_rest: bool,
}

impl<'t> Converter<'t> {
    fn new(text: &'t str, base: usize, builder: Builder, max_depth: usize) -> Converter<'t> {
        Converter {
            text,
            jiter: Jiter::new(text.as_bytes().get(base..).unwrap_or(&[])),
            base,
            builder,
            max_depth,
            deepest: 0,
            split: None,
            took_rest: false,
        }
    }

    /// The whole text's value: its root.
    fn convert(&mut self) -> Result<NodeId, ConvError> {
        let root = self
            .next_value(NO_PARENT, None, 0)
            .and_then(|root| self.jiter.finish().map(|()| root).map_err(ConvError::Json));
        // jiter counts from where it started
        root.map_err(|e| match e {
            ConvError::Json(mut e) => {
                e.index += self.base;
                ConvError::Json(e)
            }
            other => other,
        })
    }

    /// Where the parse is in the whole text.
    fn index(&self) -> usize {
        self.base + self.jiter.current_index()
    }

    /// Reads the next value.
    fn next_value(
        &mut self,
        parent: NodeId,
        key_at: Option<usize>,
        depth: usize,
    ) -> Result<NodeId, ConvError> {
        let peek = self.jiter.peek()?;
        self.value(peek, parent, key_at, depth)
    }

    /// Adds the value announced by `peek`; `key_at` is the key's byte offset for object members
    /// (positions are the key's there, the value's otherwise); `depth` counts enclosing
    /// collections.
    fn value(
        &mut self,
        peek: Peek,
        parent: NodeId,
        key_at: Option<usize>,
        depth: usize,
    ) -> Result<NodeId, ConvError> {
        let start = self.index();
        let pos = key_at.unwrap_or(start);
        let scalar = match peek {
            Peek::Null => {
                self.jiter.known_null()?;
                Slot::Null
            }
            Peek::True | Peek::False => Slot::Bool(self.jiter.known_bool(peek)?),
            Peek::String => {
                let s = self.jiter.known_str()?;
                // jiter hands out a string without escapes as a slice of the input: the
                // document keeps the text, so such a string is stored as its place in it
                let text = self.text.as_bytes().as_ptr_range();
                if !s.is_empty() && text.contains(&s.as_ptr()) {
                    let start = s.as_ptr().addr() - text.start.addr();
                    self.builder.text_string(start, s.len())
                } else {
                    self.builder.string(s)
                }
            }
            Peek::Array => {
                if depth >= self.max_depth {
                    return Err(ConvError::TooDeep(start));
                }
                self.deepest = self.deepest.max(depth + 1);
                let id = self.builder.push(Slot::Null, parent, pos);
                let mark = self.builder.open_array();
                let mut next = self.jiter.known_array()?;
                while let Some(peek) = next {
                    if self.take_rest(id, depth) {
                        break;
                    }
                    // bounded by `max_depth`, but a debug frame is large: 128 of them overflow a 256 KiB
                    // thread, and an embedder may lift the limit
                    let child = on_stack(depth, || self.value(peek, id, None, depth + 1))?;
                    self.builder.add_item(child);
                    next = self.jiter.array_step()?;
                }
                self.builder.close_array(id, mark);
                return Ok(id);
            }
            Peek::Object => {
                if depth >= self.max_depth {
                    return Err(ConvError::TooDeep(start));
                }
                self.deepest = self.deepest.max(depth + 1);
                let id = self.builder.push(Slot::Null, parent, pos);
                let mut object = self.builder.open_object();
                let mut key_start = self.next_quote(start);
                let mut key = self.jiter.known_object()?.map(|k| self.builder.key(k));
                while let Some(k) = key {
                    let child =
                        on_stack(depth, || self.next_value(id, Some(key_start), depth + 1))?;
                    if self.builder.is_cfn_no_value(child, self.text) {
                        // CloudFormation treats the member as absent, as the YAML loader does
                        // with `!Ref AWS::NoValue`
                        key_start = self.next_quote(self.index());
                        key = self
                            .jiter
                            .next_key()?
                            .map(|next| self.builder.key_after(k, next));
                        continue;
                    }
                    if let Err(first) = self.builder.add_member(&mut object, k, child) {
                        let first = self.builder.node(first).map_or(0, |n| n.at as usize);
                        return Err(ConvError::Duplicate {
                            key: self.builder.key_str(k).to_string(),
                            first,
                            second: Span::new(key_start, self.key_end(key_start)),
                        });
                    }
                    key_start = self.next_quote(self.index());
                    key = self
                        .jiter
                        .next_key()?
                        .map(|next| self.builder.key_after(k, next));
                }
                self.builder.close_object(id, object);
                return Ok(id);
            }
            _ => number(bytes_str(self.jiter.known_number_bytes(peek)?)),
        };
        Ok(self.builder.push(scalar, parent, pos))
    }

    /// The offset of the next `"` at or after `from`: between a value (or `{`) and the next
    /// key there is only whitespace and one `,`, so this is where the key starts.
    fn next_quote(&self, from: usize) -> usize {
        let bytes = self.text.as_bytes();
        bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| b == b'"'))
            .map_or(bytes.len(), |i| from + i)
    }

    /// The offset just past the key string starting at `start` (for the duplicate-key label).
    fn key_end(&self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut i = start + 1;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        bytes.len()
    }
}

/// Runs the conversion of a value one level down, making sure of the stack every few levels:
/// asking on every value cost a twentieth of the loader's time, and a few levels' frames fit
/// well within [`crate::source::grow_stack`]'s red zone.
fn on_stack<R>(depth: usize, f: impl FnOnce() -> R) -> R {
    if depth.is_multiple_of(4) {
        crate::source::grow_stack(f)
    } else {
        f()
    }
}

fn bytes_str(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

/// An integer that fits `i64`, else an `f64` (`1e400` is infinity).
pub(crate) fn number(raw: &str) -> Slot {
    if !raw.contains(['.', 'e', 'E'])
        && let Ok(i) = raw.parse::<i64>()
    {
        return Slot::int(i);
    }
    Slot::float(raw.parse::<f64>().unwrap_or(f64::NAN))
}
