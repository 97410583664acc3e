//! Lines and columns of fact values, worked out when asked for: the loaders store each
//! node's place as one number (a byte offset for JSON, a character index for YAML, whose
//! parser counts characters), and a document computes line and column only for the values a
//! report names. Counting lines for every value while loading was a fifth of the JSON
//! loader's time; most values are never reported.

use std::sync::OnceLock;

/// A fact file's text, shared by every document parsed from it (a YAML stream's documents),
/// with its line index, built once for all of them the first time a position is asked for.
#[derive(Debug, Default)]
pub(crate) struct SourceText {
    text: String,
    lines: OnceLock<LineIndex>,
}

impl SourceText {
    pub(crate) fn new(text: String) -> SourceText {
        SourceText {
            text,
            lines: OnceLock::new(),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The line index of the text.
    pub(crate) fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }
}

impl std::ops::Deref for SourceText {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

/// Bytes per block of [`LineIndex::chars`]: a lookup counts the characters of at most one
/// block, and the table costs 4 bytes per block.
const BLOCK: usize = 256;

/// Where the lines of a text start, and how many characters come before each block of it.
#[derive(Clone, Debug, Default)]
pub(crate) struct LineIndex {
    /// Byte offset of each line's first byte (the first is 0).
    starts: Vec<u32>,
    /// Characters before byte `k * BLOCK`, for each block `k`; empty when the text is ASCII,
    /// where characters are bytes.
    chars: Vec<u32>,
    ascii: bool,
}

impl LineIndex {
    /// The index of `text`: newlines found by `memchr` (a vector search: the filter it
    /// replaced was most of the time of the first position asked of a large file), characters
    /// counted a block at a time.
    pub(crate) fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', bytes).map(|i| saturate(i + 1)))
            .collect();
        let ascii = bytes.is_ascii();
        let mut chars = Vec::new();
        if !ascii {
            chars.reserve(bytes.len() / BLOCK + 1);
            let mut count: u32 = 0;
            for block in bytes.chunks(BLOCK) {
                chars.push(count);
                count = count.saturating_add(char_count(block));
            }
        }
        LineIndex {
            starts,
            chars,
            ascii,
        }
    }

    /// 1-based line and column (in characters) of byte `offset` of `text` (the text this
    /// index was made of), counted from byte `from` (the start of the document in a text
    /// that holds several one after another).
    pub(crate) fn at_byte(&self, text: &str, from: usize, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let from = from.min(offset);
        let line = self.starts.partition_point(|&s| s as usize <= offset);
        let first = self.starts.partition_point(|&s| s as usize <= from);
        let line_start = self
            .starts
            .get(line.saturating_sub(1))
            .map_or(0, |&s| s as usize)
            .max(from);
        let column = self
            .chars_before(text, offset)
            .saturating_sub(self.chars_before(text, line_start));
        (saturate(line - first + 1), column.saturating_add(1))
    }

    /// The byte offset of character `index` of `text`.
    pub(crate) fn byte_of_char(&self, text: &str, index: usize) -> usize {
        if self.ascii {
            return index.min(text.len());
        }
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        // the last block that starts at or before the character
        let block = self
            .chars
            .partition_point(|&c| c <= index)
            .saturating_sub(1);
        let start = block * BLOCK;
        let mut left = index.saturating_sub(self.chars.get(block).copied().unwrap_or(0));
        let rest = text.as_bytes().get(start..).unwrap_or(&[]);
        for (i, &b) in rest.iter().enumerate() {
            if !is_continuation(b) {
                if left == 0 {
                    return start + i;
                }
                left -= 1;
            }
        }
        text.len()
    }

    /// Characters of `text` before byte `offset`.
    fn chars_before(&self, text: &str, offset: usize) -> u32 {
        if self.ascii {
            return saturate(offset);
        }
        let block = offset / BLOCK;
        let counted = self.chars.get(block).copied().unwrap_or(0);
        let tail = text.as_bytes().get(block * BLOCK..offset).unwrap_or(&[]);
        counted.saturating_add(char_count(tail))
    }
}

/// Characters in `bytes`: the bytes that do not continue a UTF-8 sequence (a count the
/// compiler turns into vector code).
fn char_count(bytes: &[u8]) -> u32 {
    saturate(bytes.iter().filter(|&&b| !is_continuation(b)).count())
}

/// Whether `b` continues a UTF-8 sequence (`10xxxxxx`).
fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::line_col;

    #[test]
    fn every_offset_has_the_line_and_column_of_a_plain_count() {
        // long enough to span blocks, with CRLF, multi-byte characters and an empty line
        let mut text = String::new();
        let mut ascii = String::new();
        for i in 0..120 {
            text.push_str(&format!("{{\"é{i}\": [1,\r\n 2, \"日本\"]}}\n\n"));
            ascii.push_str(&format!("{{\"e{i}\": [1,\r\n 2, \"ja\"]}}\n\n"));
        }
        assert!(!LineIndex::new(&text).ascii);
        assert!(LineIndex::new(&ascii).ascii);
        agrees_with_a_plain_count(&text);
        agrees_with_a_plain_count(&ascii);
    }

    fn agrees_with_a_plain_count(text: &str) {
        let text = text.to_string();
        let index = LineIndex::new(&text);
        for offset in 0..=text.len() {
            if text.is_char_boundary(offset) {
                assert_eq!(
                    index.at_byte(&text, 0, offset),
                    line_col(&text, offset),
                    "offset {offset}"
                );
            }
        }
        for (i, (byte, _)) in text.char_indices().enumerate() {
            assert_eq!(index.byte_of_char(&text, i), byte, "character {i}");
        }
        assert_eq!(index.byte_of_char(&text, usize::MAX), text.len());
    }

    #[test]
    fn positions_count_from_the_start_of_a_document_in_a_longer_text() {
        let first = "{\"a\":\n 1}";
        let text = format!("{first}[\n  2]");
        let index = LineIndex::new(&text);
        let two = text.rfind('2').unwrap();
        assert_eq!(index.at_byte(&text, first.len(), two), (2, 3));
        assert_eq!(index.at_byte(&text, first.len(), first.len()), (1, 1));
    }
}

#[cfg(test)]
mod shared_tests {
    use std::sync::Arc;

    use crate::facts::{Format, LoadOptions, load_bytes};

    /// The documents of one YAML stream share one text and one line index: a stream of many
    /// documents, each with a finding, counts the file's lines once, not once per document.
    #[test]
    fn the_documents_of_a_stream_share_their_text_and_its_lines() {
        let text = "a: 1\n---\nb: 2\n---\nc:\n  d: 3\n";
        let docs = load_bytes(
            "s.yaml",
            text.as_bytes(),
            Format::Yaml,
            &LoadOptions::default(),
        )
        .unwrap()
        .documents;
        assert_eq!(docs.len(), 3);
        assert!(Arc::ptr_eq(&docs[0].text, &docs[2].text));
        let c = docs[2].field(docs[2].root(), "c").unwrap();
        let d = docs[2].field(c, "d").unwrap();
        assert_eq!(docs[2].position(d), (6, 3));
        assert_eq!(
            docs[1].position(docs[1].field(docs[1].root(), "b").unwrap()),
            (3, 1)
        );
        // the index the third document built is the one the first one reads
        let lines: *const _ = docs[0].text.lines();
        assert!(std::ptr::eq(lines, docs[2].text.lines()));
    }
}
