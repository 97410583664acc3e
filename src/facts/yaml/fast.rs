//! A scanner for the block-style YAML most large fact files are written in, faster than
//! `saphyr-parser`: one pass over each line, scalars borrowed from the text.
//!
//! It gives *saphyr's* events with *saphyr's* spans, or gives up: [`Unsupported`] at the first
//! thing outside the subset it knows, and the caller parses the text again with saphyr, which
//! also reports every error. So the subset never changes what a file means, only how fast it
//! is read; the tests beside this file and the `yaml_scanner` fuzz target hold the two event
//! streams equal on every text this scanner accepts.
//!
//! The subset: printable ASCII without tabs or carriage returns ([`eligible`]); block
//! mappings whose keys are one-line plain or quoted scalars; block sequences, also compact
//! (`- a: 1`, `- - x`) and indentless (`key:` then `- x` at the key's column); one-line plain
//! scalars, double-quoted ones without escapes and single-quoted ones without `''`; `[]` and
//! `{}`; comments; `---` between documents. Anything else (anchors, aliases, tags, flow
//! collections with content, block scalars, multi-line scalars, `?` keys, directives, `...`)
//! is left to saphyr.

use std::collections::VecDeque;

use saphyr_parser::{Marker, ScalarStyle, Span};

use super::load_event::LoadEvent;

/// Deeper than this the text is left to saphyr, whose own limits then apply.
const MAX_NESTING: usize = 128;

/// The gap after the last one: never reached.
const NO_GAP: (usize, usize) = (usize::MAX, usize::MAX);

/// Longer keys are left to saphyr (YAML caps an implicit key at 1024 characters).
const MAX_KEY: usize = 512;

/// The text is outside the subset: parse it with saphyr.
#[derive(Debug, PartialEq, Eq)]
pub(in crate::facts::yaml) struct Unsupported;

/// Whether `bytes` may be scanned here: printable ASCII and line feeds only, so that a byte
/// offset is saphyr's character index and no tab or carriage return needs YAML's rules.
pub(in crate::facts::yaml) fn eligible(bytes: &[u8]) -> bool {
    // a fold per block, without an early exit inside it, is a loop the compiler vectorises
    bytes.chunks(4096).all(|block| {
        block.iter().fold(true, |ok, &b| {
            ok & ((0x20..0x7f).contains(&b) | (b == b'\n'))
        })
    })
}

/// An open block collection and the column of its keys or of its entries' `-`.
#[derive(Clone, Copy, Debug)]
enum Block {
    Map(usize),
    Seq { indent: usize, indentless: bool },
}

impl Block {
    fn indent(self) -> usize {
        match self {
            Block::Map(indent) | Block::Seq { indent, .. } => indent,
        }
    }
}

/// A value that may be null: the next line says whether a collection follows.
#[derive(Clone, Copy, Debug)]
enum Pending {
    /// A key with nothing after its `:` on its line; saphyr places its null at the `:`.
    Value { colon: Marker, indent: usize },
    /// A `-` with nothing after it on its line; saphyr places its null at the line's end.
    Entry { end: Marker, dash: usize },
}

/// One line of the text: where it starts and ends (before its line feed), its number, and
/// how many bytes of gaps before it the scanner left out (see [`Scanner::with_gaps`]).
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    number: usize,
    shift: usize,
}

/// A scalar token: its content, the end of its span and the `:` after it, if it is a key.
struct Token {
    content: (usize, usize),
    span_end: usize,
    style: ScalarStyle,
    colon: Option<usize>,
}

/// An event waiting in the queue: saphyr's `Event` and `Span` together are large enough that
/// each move in and out of the queue was a `memcpy` call (a few percent of a large parse),
/// so the queue holds this and the event is made as it leaves.
#[derive(Clone, Copy, Debug)]
enum Queued {
    StreamStart,
    StreamEnd,
    DocumentStart(bool),
    DocumentEnd,
    MappingStart,
    MappingEnd,
    SequenceStart,
    SequenceEnd,
    /// A scalar: bytes `from..to` of the text.
    Scalar {
        from: usize,
        to: usize,
        style: ScalarStyle,
    },
}

impl Queued {
    /// The null of a key or an entry without a value.
    const EMPTY: Queued = Queued::Scalar {
        from: 0,
        to: 0,
        style: ScalarStyle::Plain,
    };
}

/// The event stream of a text, pulled one event at a time like saphyr's `Parser`.
pub(in crate::facts::yaml) struct Scanner<'a> {
    text: &'a str,
    next_line: usize,
    line: usize,
    queue: VecDeque<(Queued, Marker, Marker)>,
    stack: Vec<Block>,
    /// Runs of whole lines left out, in the text's order (see [`Scanner::with_gaps`]).
    gaps: std::vec::IntoIter<(usize, usize)>,
    next_gap: (usize, usize),
    /// The bytes of the gaps passed so far.
    skipped: usize,
    pending: Option<Pending>,
    /// A document is open, and whether its root collection was opened.
    document: Option<bool>,
    started: bool,
    done: bool,
}

impl<'a> Scanner<'a> {
    /// A scanner of `text`, which [`eligible`] must have accepted.
    pub(in crate::facts::yaml) fn new(text: &'a str) -> Self {
        Scanner::with_gaps(text, Vec::new())
    }

    /// A scanner of `text` without the byte ranges `gaps` (each from a line's start to a
    /// later line's start or the text's end, in order, none overlapping): its events are those
    /// of the text with the gaps cut out, their marks counted in that shorter text, while
    /// scalars stay borrowed from `text` itself. The two-thread parse reads the text around
    /// the pieces a helper parses this way instead of copying it.
    pub(in crate::facts::yaml) fn with_gaps(text: &'a str, gaps: Vec<(usize, usize)>) -> Self {
        let mut gaps = gaps.into_iter();
        let next_gap = gaps.next().unwrap_or(NO_GAP);
        Scanner {
            text,
            next_line: 0,
            line: 1,
            queue: VecDeque::with_capacity(8),
            stack: Vec::new(),
            gaps,
            next_gap,
            skipped: 0,
            pending: None,
            document: None,
            started: false,
            done: false,
        }
    }

    /// The next event and its span, as saphyr's `Parser::next_event` would give it.
    // inlined: most calls only take an event off the queue, and an event returned through
    // memory was read back before the caller could go on
    #[inline]
    pub(in crate::facts::yaml) fn next_event(
        &mut self,
    ) -> Option<Result<(LoadEvent<'a>, Span), Unsupported>> {
        loop {
            if let Some((queued, start, end)) = self.queue.pop_front() {
                return Some(Ok((self.event(queued), Span::new(start, end))));
            }
            if self.done {
                return None;
            }
            if let Err(unsupported) = self.advance() {
                self.done = true;
                self.queue.clear();
                return Some(Err(unsupported));
            }
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn push(&mut self, event: Queued, start: Marker, end: Marker) {
        self.queue.push_back((event, start, end));
    }

    fn push_at(&mut self, event: Queued, at: Marker) {
        self.push(event, at, at);
    }

    fn empty_scalar(&mut self, at: Marker) {
        self.push_at(Queued::EMPTY, at);
    }

    /// The event of a queued one, its scalar borrowed from the text.
    fn event(&self, queued: Queued) -> LoadEvent<'a> {
        match queued {
            Queued::StreamStart => LoadEvent::StreamStart,
            Queued::StreamEnd => LoadEvent::StreamEnd,
            Queued::DocumentStart(explicit) => LoadEvent::DocumentStart(explicit),
            Queued::DocumentEnd => LoadEvent::DocumentEnd,
            Queued::MappingStart => LoadEvent::MappingStart(0, None),
            Queued::MappingEnd => LoadEvent::MappingEnd,
            Queued::SequenceStart => LoadEvent::SequenceStart(0, None),
            Queued::SequenceEnd => LoadEvent::SequenceEnd,
            Queued::Scalar { from, to, style } => {
                let content = self.text.get(from..to).unwrap_or_default();
                LoadEvent::Scalar(content, style, 0, None)
            }
        }
    }

    fn open(&mut self, block: Block, at: Marker) -> Result<(), Unsupported> {
        if self.stack.len() >= MAX_NESTING {
            return Err(Unsupported);
        }
        let event = match block {
            Block::Map(_) => Queued::MappingStart,
            Block::Seq { .. } => Queued::SequenceStart,
        };
        self.push_at(event, at);
        self.stack.push(block);
        Ok(())
    }

    fn close_top(&mut self, at: Marker) {
        if let Some(block) = self.stack.pop() {
            let event = match block {
                Block::Map(_) => Queued::MappingEnd,
                Block::Seq { .. } => Queued::SequenceEnd,
            };
            self.push_at(event, at);
        }
    }

    /// Reads lines up to the next one with content and turns it into events.
    fn advance(&mut self) -> Result<(), Unsupported> {
        if !self.started {
            self.started = true;
            let origin = Marker::new(0, 1, 0);
            self.push_at(Queued::StreamStart, origin);
            return Ok(());
        }
        let bytes = self.bytes();
        loop {
            while self.next_line >= self.next_gap.0 {
                let (from, to) = self.next_gap;
                // a gap that does not start where a line does would cut a line apart
                if self.next_line != from || to < from || to > bytes.len() {
                    return Err(Unsupported);
                }
                self.skipped += to - from;
                self.next_line = to;
                self.next_gap = self.gaps.next().unwrap_or(NO_GAP);
            }
            let start = self.next_line;
            if start >= bytes.len() {
                self.finish();
                return Ok(());
            }
            let end = find::find(b'\n', slice(bytes, start, bytes.len()))
                .map_or(bytes.len(), |i| start + i);
            let line = Line {
                start,
                end,
                number: self.line,
                shift: self.skipped,
            };
            self.next_line = end + 1;
            self.line += 1;
            let first = skip_spaces(bytes, start, end);
            if first == end || byte(bytes, first) == b'#' {
                // saphyr's marks of the collections it closes after a last comment or
                // blank line without a line feed are not at the end of the text, nor all at
                // one place (those more indented than the line end where its spaces do);
                // only a lone collection at the first column closes at the end
                let lone_at_column_zero = match self.stack.as_slice() {
                    [] => true,
                    [root] => root.indent() == 0,
                    _ => false,
                };
                if end == bytes.len() && start < end && !lone_at_column_zero {
                    return Err(Unsupported);
                }
                continue;
            }
            return self.content(line, first);
        }
    }

    /// The end of the text: every open value, collection and document closed.
    fn finish(&mut self) {
        let end = Marker::new(
            self.bytes().len().saturating_sub(self.skipped),
            self.line,
            0,
        );
        if let Some(rooted) = self.document {
            self.end_document(rooted, end, Span::new(end, end));
        }
        self.push_at(Queued::StreamEnd, end);
        self.done = true;
    }

    /// Ends the open document at `at` (its collections' ends) and `span` (the document's
    /// end, and an empty document's null).
    fn end_document(&mut self, rooted: bool, at: Marker, span: Span) {
        self.settle_pending();
        if !rooted {
            self.push(Queued::EMPTY, span.start, span.end);
        }
        while !self.stack.is_empty() {
            self.close_top(at);
        }
        self.push(Queued::DocumentEnd, span.start, span.end);
        self.document = None;
    }

    /// A pending value that turned out to be null.
    fn settle_pending(&mut self) {
        match self.pending.take() {
            Some(Pending::Value { colon, .. }) => self.empty_scalar(colon),
            Some(Pending::Entry { end, .. }) => self.empty_scalar(end),
            None => {}
        }
    }

    /// A line whose first character (not a space) is at `first` and not a comment.
    fn content(&mut self, line: Line, first: usize) -> Result<(), Unsupported> {
        let bytes = self.bytes();
        let col = first - line.start;
        if col == 0 {
            let rest = slice(bytes, first, line.end);
            if rest.starts_with(b"---") {
                return self.document_start(line, first);
            }
            if rest.starts_with(b"...") || rest.starts_with(b"%") {
                return Err(Unsupported);
            }
        }
        let here = mark(line, first);
        let rooted = match self.document {
            Some(rooted) => rooted,
            None => {
                self.push_at(Queued::DocumentStart(false), here);
                self.document = Some(false);
                false
            }
        };
        let entry = is_entry(bytes, first);
        let mut opened = false;
        match self.pending.take() {
            Some(Pending::Value { indent, .. }) if col > indent => {
                self.open_at(entry, col, here)?;
                opened = true;
            }
            Some(Pending::Value { indent, .. }) if col == indent && entry => {
                // an indentless sequence starts at its first entry's value
                let value = mark(line, after_dash(bytes, first, line.end));
                let block = Block::Seq {
                    indent: col,
                    indentless: true,
                };
                self.open(block, value)?;
                opened = true;
            }
            Some(Pending::Entry { dash, .. }) if col > dash => {
                self.open_at(entry, col, here)?;
                opened = true;
            }
            Some(pending) => {
                self.pending = Some(pending);
                self.settle_pending();
            }
            None => {}
        }
        if !opened {
            while let Some(&top) = self.stack.last() {
                let close = match top {
                    Block::Map(indent) => indent > col,
                    Block::Seq { indent, indentless } => {
                        indent > col || (indentless && indent == col && !entry)
                    }
                };
                if !close {
                    break;
                }
                self.close_top(here);
            }
            match self.stack.last() {
                None if rooted => return Err(Unsupported),
                None => {
                    self.document = Some(true);
                    self.open_at(entry, col, here)?;
                }
                Some(top) if top.indent() != col => return Err(Unsupported),
                Some(_) => {}
            }
        }
        match self.stack.last() {
            Some(Block::Map(_)) if !entry => self.key_and_value(line, first),
            Some(Block::Seq { .. }) if entry => self.entry(line, first),
            _ => Err(Unsupported),
        }
    }

    /// The collection a line at column `col` starts: a sequence if it is an entry.
    fn open_at(&mut self, entry: bool, col: usize, at: Marker) -> Result<(), Unsupported> {
        let block = if entry {
            Block::Seq {
                indent: col,
                indentless: false,
            }
        } else {
            Block::Map(col)
        };
        self.open(block, at)
    }

    /// A `---` line: the open document ends and the next one starts.
    fn document_start(&mut self, line: Line, first: usize) -> Result<(), Unsupported> {
        let rest = slice(self.bytes(), first + 3, line.end);
        // `---` alone, or before a space and a comment (`--- # c`), not before content
        if !blank_or_comment(rest) {
            return Err(Unsupported);
        }
        let (start, end) = (mark(line, first), mark(line, first + 3));
        let span = Span::new(start, end);
        if let Some(rooted) = self.document {
            self.end_document(rooted, start, span);
        }
        self.push(Queued::DocumentStart(true), start, end);
        self.document = Some(false);
        Ok(())
    }

    /// A block sequence entry whose `-` is at `dash`, the top of the stack its sequence.
    fn entry(&mut self, line: Line, mut dash: usize) -> Result<(), Unsupported> {
        let bytes = self.bytes();
        loop {
            let value = skip_spaces(bytes, dash + 1, line.end);
            if value == line.end || byte(bytes, value) == b'#' {
                self.pending = Some(Pending::Entry {
                    end: mark(line, line.end),
                    dash: dash - line.start,
                });
                return Ok(());
            }
            let at = mark(line, value);
            if is_entry(bytes, value) {
                let block = Block::Seq {
                    indent: value - line.start,
                    indentless: false,
                };
                self.open(block, at)?;
                dash = value;
                continue;
            }
            let token = token(bytes, value, line.end)?;
            if token.colon.is_some() {
                self.open(Block::Map(value - line.start), at)?;
                return self.key_and_value(line, value);
            }
            self.scalar(line, value, &token);
            return Ok(());
        }
    }

    /// `key: value` at `first`, the top of the stack its mapping.
    fn key_and_value(&mut self, line: Line, first: usize) -> Result<(), Unsupported> {
        let bytes = self.bytes();
        let key = token(bytes, first, line.end)?;
        let Some(colon) = key.colon else {
            return Err(Unsupported);
        };
        if key.content.1 - key.content.0 > MAX_KEY {
            return Err(Unsupported);
        }
        self.scalar(line, first, &key);
        let value = skip_spaces(bytes, colon + 1, line.end);
        if value == line.end || byte(bytes, value) == b'#' {
            let indent = first - line.start;
            self.pending = Some(Pending::Value {
                colon: mark(line, colon),
                indent,
            });
            return Ok(());
        }
        let empty = match slice(bytes, value, line.end) {
            [b'[', b']', ..] => Some((Queued::SequenceStart, Queued::SequenceEnd)),
            [b'{', b'}', ..] => Some((Queued::MappingStart, Queued::MappingEnd)),
            _ => None,
        };
        if let Some((open, close)) = empty {
            if !blank_or_comment(slice(bytes, value + 2, line.end)) {
                return Err(Unsupported);
            }
            let at = |i| mark(line, value + i);
            self.push(open, at(0), at(1));
            let close_end = mark(line, closed_span_end(value + 2, line.end));
            self.push(close, at(1), close_end);
            return Ok(());
        }
        if is_entry(bytes, value) {
            return Err(Unsupported);
        }
        let token = token(bytes, value, line.end)?;
        if token.colon.is_some() {
            return Err(Unsupported);
        }
        self.scalar(line, value, &token);
        Ok(())
    }

    fn scalar(&mut self, line: Line, start: usize, token: &Token) {
        let (from, to) = token.content;
        let event = Queued::Scalar {
            from,
            to,
            style: token.style,
        };
        let (start, end) = (mark(line, start), mark(line, token.span_end));
        self.push(event, start, end);
    }
}

/// The byte at `at`, or a NUL (never in an [`eligible`] text) past the end.
fn byte(bytes: &[u8], at: usize) -> u8 {
    bytes.get(at).copied().unwrap_or(0)
}

/// `bytes[from..to]`, empty when out of range.
fn slice(bytes: &[u8], from: usize, to: usize) -> &[u8] {
    bytes.get(from..to).unwrap_or_default()
}

/// Where saphyr's marker of byte `at` of `line` is: a byte is a character in this subset.
fn mark(line: Line, at: usize) -> Marker {
    Marker::new(at - line.shift, line.number, at - line.start)
}

/// Where saphyr ends the span of a token that closes itself (a quoted value, the `]` or `}`
/// of an empty collection) at `after`, on a line ending at `end` with nothing but spaces or
/// a comment after it: at the line's end when anything follows.
fn closed_span_end(after: usize, end: usize) -> usize {
    if after < end { end } else { after }
}

/// Whether a block sequence entry (`-` then a space or the line's end) is at `at`.
fn is_entry(bytes: &[u8], at: usize) -> bool {
    bytes.get(at) == Some(&b'-') && matches!(bytes.get(at + 1), None | Some(b' ' | b'\n'))
}

fn skip_spaces(bytes: &[u8], from: usize, end: usize) -> usize {
    let at = from.min(end);
    at + find::leading_spaces(slice(bytes, at, end))
}

/// Where saphyr starts what follows the `-` at `dash`: the first character that is not a
/// space, or the line's end when only a comment follows.
fn after_dash(bytes: &[u8], dash: usize, end: usize) -> usize {
    let at = skip_spaces(bytes, dash + 1, end);
    if at < end && byte(bytes, at) == b'#' {
        end
    } else {
        at
    }
}

/// Whether `rest` is spaces, then nothing or a comment.
fn blank_or_comment(rest: &[u8]) -> bool {
    let text = rest.iter().position(|&b| b != b' ');
    match text {
        None => true,
        Some(i) => i > 0 && byte(rest, i) == b'#',
    }
}

/// The scalar at `at` (not a space) up to the line's `end`: its content, and the `:` that
/// follows it when it is a key. Anything that starts another kind of node is unsupported.
fn token(bytes: &[u8], at: usize, end: usize) -> Result<Token, Unsupported> {
    match byte(bytes, at) {
        quote @ (b'"' | b'\'') => {
            let inner = at + 1;
            let rest = slice(bytes, inner, end);
            // a double-quoted scalar's escape and its end are looked for in one pass
            let (close, escaped) = if quote == b'"' {
                let hit = inner + find::find2(b'"', b'\\', rest).ok_or(Unsupported)?;
                (hit, byte(bytes, hit) == b'\\')
            } else {
                let close = inner + find::find(quote, rest).ok_or(Unsupported)?;
                (close, bytes.get(close + 1) == Some(&b'\''))
            };
            if escaped {
                return Err(Unsupported);
            }
            let after = close + 1;
            let colon = match bytes.get(after) {
                Some(b':') if matches!(bytes.get(after + 1), None | Some(b' ' | b'\n')) => {
                    Some(after)
                }
                _ if blank_or_comment(slice(bytes, after, end)) => None,
                _ => return Err(Unsupported),
            };
            let style = if quote == b'"' {
                ScalarStyle::DoubleQuoted
            } else {
                ScalarStyle::SingleQuoted
            };
            Ok(Token {
                content: (inner, close),
                span_end: if colon.is_none() {
                    closed_span_end(after, end)
                } else {
                    after
                },
                style,
                colon,
            })
        }
        b'[' | b']' | b'{' | b'}' | b',' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%'
        | b'@' | b'`' | b'?' | b':' => Err(Unsupported),
        b'-' if is_entry(bytes, at) => Err(Unsupported),
        _ => plain(bytes, at, end),
    }
}

/// A plain scalar: up to a `: ` (a key's end), a ` #` (a comment) or the line's end, less
/// its trailing spaces.
fn plain(bytes: &[u8], at: usize, end: usize) -> Result<Token, Unsupported> {
    let mut from = at;
    let (stop, colon) = loop {
        match find::find2(b':', b'#', slice(bytes, from, end)) {
            None => break (end, None),
            Some(i) => {
                let hit = from + i;
                if byte(bytes, hit) == b':' {
                    if hit + 1 == end || byte(bytes, hit + 1) == b' ' {
                        break (hit, Some(hit));
                    }
                } else if hit > at && byte(bytes, hit - 1) == b' ' {
                    break (hit, None);
                }
                from = hit + 1;
            }
        }
    };
    let mut content_end = stop;
    while content_end > at && byte(bytes, content_end - 1) == b' ' {
        content_end -= 1;
    }
    // `key : value` is a key to YAML; left to saphyr rather than guessed at
    if colon.is_some() && content_end != stop {
        return Err(Unsupported);
    }
    Ok(Token {
        content: (at, content_end),
        span_end: content_end,
        style: ScalarStyle::Plain,
        colon,
    })
}

pub(crate) mod check;
mod find;
#[cfg(test)]
mod tests;
