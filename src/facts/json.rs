//! Strict JSON through `jsonc-parser` (every leniency switched off), converted into the arena.
//!
//! `jsonc-parser` recurses, but stops itself at 512 open ranges, so even a 100,000-deep `[[[…`
//! cannot overflow the stack; that error is reported as `too_deep` at the first bracket past the
//! limit. The conversion below recurses at most `max_depth + 1` levels.

use std::sync::Arc;

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions, parse_to_ast};

use super::build::{Builder, LineCursor};
use super::error::{ErrCtx, FactsError};
use super::{LoadOptions, Loaded, NO_PARENT, NodeId, NodeValue, Object};
use crate::source::{SourceFile, Span};

const FORMAT: &str = "JSON";

fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

pub(crate) fn load(name: Arc<str>, text: String, opts: &LoadOptions) -> Result<Loaded, FactsError> {
    let ctx = || ErrCtx::new(SourceFile::new(Arc::clone(&name), text.as_str()));
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let parsed = match parse_to_ast(&text, &collect, &strict()) {
        Ok(parsed) => parsed,
        Err(e) => return Err(parse_error(&ctx(), &text, &e, opts.max_depth)),
    };
    let Some(value) = parsed.value else {
        let end = text.len();
        return Err(ctx().syntax(
            FORMAT,
            "the file holds no JSON value",
            Span::new(end, end),
            Some("a JSON fact file holds one value, usually an object: `{}`"),
        ));
    };
    let mut conv = Converter {
        text: &text,
        cursor: LineCursor::new(&text),
        builder: Builder::new(),
        max_depth: opts.max_depth,
    };
    let root = match conv.value(value, NO_PARENT, 0, None, 0) {
        Ok(root) => root,
        Err(e) => return Err(e.into_error(&ctx(), opts.max_depth)),
    };
    if conv.builder.overflowed() {
        return Err(FactsError::TooLarge {
            name: name.to_string(),
            size: u64::try_from(text.len()).unwrap_or(u64::MAX),
            limit: opts.max_file_bytes,
        });
    }
    let document = conv.builder.finish(name, 0, root);
    Ok(Loaded {
        documents: vec![document],
        notes: Vec::new(),
    })
}

fn parse_error(
    ctx: &ErrCtx,
    text: &str,
    e: &jsonc_parser::errors::ParseError,
    max_depth: usize,
) -> FactsError {
    let range = e.range();
    let span = Span::new(range.start, range.end.max(range.start));
    let (message, help): (String, Option<&str>) = match e.kind() {
        ParseErrorKind::NestingDepthExceeded => {
            let at = first_too_deep(text, max_depth).unwrap_or(range.start);
            return ctx.too_deep(max_depth, Span::new(at, at + 1));
        }
        ParseErrorKind::CommentsNotAllowed => (
            "comments are not allowed in JSON".into(),
            Some("remove the comment, or write the facts as YAML, which has `#` comments"),
        ),
        ParseErrorKind::TrailingCommasNotAllowed => (
            "trailing comma".into(),
            Some("remove the comma after the last element"),
        ),
        ParseErrorKind::ExpectedComma => (
            "expected a comma".into(),
            Some("separate elements and members with `,`"),
        ),
        ParseErrorKind::SingleQuotedStringsNotAllowed => (
            "single-quoted strings are not allowed in JSON".into(),
            Some("use double quotes: `\"…\"`"),
        ),
        ParseErrorKind::ExpectedStringObjectProperty => (
            "object keys must be double-quoted strings".into(),
            Some("quote the key: `\"key\": value`"),
        ),
        ParseErrorKind::UnexpectedWord | ParseErrorKind::UnexpectedToken => (
            format!("unexpected `{}`", snippet(text, span)),
            Some("JSON literals are `true`, `false` and `null` (lowercase); quote strings"),
        ),
        ParseErrorKind::NonFiniteNumbersNotAllowed => (
            "`NaN` and `Infinity` are not JSON numbers".into(),
            Some("use `null`, or write the facts as YAML (`.nan`, `.inf`)"),
        ),
        ParseErrorKind::MultipleRootJsonValues => (
            "more than one value at the top level".into(),
            Some("wrap the values in an array, or use a multi-document YAML file"),
        ),
        kind => (lowercase_first(&kind.to_string()), None),
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

/// Byte offset of the first `[`/`{` that opens nesting level `limit + 1`, outside strings.
/// Only called after the parser already refused the text as too deep.
fn first_too_deep(text: &str, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

enum ConvError {
    TooDeep(usize),
    Duplicate {
        key: String,
        first: (u32, u32),
        second: Span,
    },
    ControlChar(usize),
}

impl ConvError {
    fn into_error(self, ctx: &ErrCtx, max_depth: usize) -> FactsError {
        match self {
            ConvError::TooDeep(at) => ctx.too_deep(max_depth, Span::new(at, at + 1)),
            ConvError::Duplicate { key, first, second } => ctx.duplicate_key(&key, first, second),
            ConvError::ControlChar(at) => ctx.syntax(
                FORMAT,
                "a raw control character in a string",
                Span::new(at, at + 1),
                Some("escape it: `\\n`, `\\t`, `\\r` or `\\u00XX`"),
            ),
        }
    }
}

struct Converter<'t> {
    text: &'t str,
    cursor: LineCursor<'t>,
    builder: Builder,
    max_depth: usize,
}

impl Converter<'_> {
    /// Adds `value`; `at` is the key's byte offset for object members (the value's otherwise);
    /// `depth` counts the collections enclosing it.
    fn value(
        &mut self,
        value: Value<'_>,
        parent: NodeId,
        slot: usize,
        at: Option<usize>,
        depth: usize,
    ) -> Result<NodeId, ConvError> {
        let start = match &value {
            Value::StringLit(v) => v.range.start,
            Value::NumberLit(v) => v.range.start,
            Value::BooleanLit(v) => v.range.start,
            Value::Object(v) => v.range.start,
            Value::Array(v) => v.range.start,
            Value::NullKeyword(v) => v.range.start,
        };
        let pos = self.cursor.at(at.unwrap_or(start));
        let scalar = match value {
            Value::StringLit(s) => {
                self.check_raw(s.range.start, s.range.end)?;
                NodeValue::Str(s.value.into())
            }
            Value::NumberLit(n) => number(n.value),
            Value::BooleanLit(b) => NodeValue::Bool(b.value),
            Value::NullKeyword(_) => NodeValue::Null,
            Value::Array(array) => {
                if depth >= self.max_depth {
                    return Err(ConvError::TooDeep(start));
                }
                let id = self.builder.push(NodeValue::Null, parent, slot, pos);
                let mut children = Vec::with_capacity(array.elements.len());
                for (i, element) in array.elements.into_iter().enumerate() {
                    children.push(self.value(element, id, i, None, depth + 1)?);
                }
                self.builder.set_value(id, NodeValue::Array(children));
                return Ok(id);
            }
            Value::Object(object) => {
                if depth >= self.max_depth {
                    return Err(ConvError::TooDeep(start));
                }
                let id = self.builder.push(NodeValue::Null, parent, slot, pos);
                let mut members = Object::new();
                for (i, prop) in object.properties.into_iter().enumerate() {
                    let (key, key_start, key_end) = match prop.name {
                        ObjectPropName::String(s) => (s.value, s.range.start, s.range.end),
                        ObjectPropName::Word(w) => (w.value.into(), w.range.start, w.range.end),
                    };
                    self.check_raw(key_start, key_end)?;
                    let child = self.value(prop.value, id, i, Some(key_start), depth + 1)?;
                    if let Err((key, first)) = members.insert(key.into(), child) {
                        let first = self
                            .builder
                            .node(first)
                            .map_or((1, 1), |n| (n.line, n.column));
                        return Err(ConvError::Duplicate {
                            key: key.into(),
                            first,
                            second: Span::new(key_start, key_end),
                        });
                    }
                }
                self.builder.set_value(id, NodeValue::Object(members));
                return Ok(id);
            }
        };
        Ok(self.builder.push(scalar, parent, slot, pos))
    }

    /// Strict JSON forbids raw control characters inside string literals.
    fn check_raw(&self, start: usize, end: usize) -> Result<(), ConvError> {
        let raw = self.text.as_bytes().get(start..end).unwrap_or(&[]);
        match raw.iter().position(|&b| b < 0x20) {
            Some(i) => Err(ConvError::ControlChar(start + i)),
            None => Ok(()),
        }
    }
}

/// An integer that fits `i64`, else an `f64` (`1e400` is infinity).
pub(crate) fn number(raw: &str) -> NodeValue {
    if !raw.contains(['.', 'e', 'E'])
        && let Ok(i) = raw.parse::<i64>()
    {
        return NodeValue::Int(i);
    }
    NodeValue::Float(raw.parse::<f64>().unwrap_or(f64::NAN))
}
