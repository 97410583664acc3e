//! Named source texts and byte spans, shared by every diagnostic.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use miette::{NamedSource, SourceSpan};

/// The default bound on any one input (fact file, policy, waivers, baseline, annexa.toml,
/// standard input): `[limits] fact-file-bytes` of annexa.toml changes it.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

/// Why a bounded read gave no bytes.
#[derive(Debug)]
pub enum ReadError {
    /// The input holds more than `limit` bytes (only `limit + 1` of them were read).
    TooLarge {
        /// The bound, in bytes.
        limit: u64,
    },
    /// The input could not be opened or read.
    Io(std::io::Error),
}

/// Reads all of `reader`, but never more than `limit + 1` bytes: the one bounded-reading
/// function every input goes through, so that `/dev/zero`, a FIFO or an endless pipe is
/// refused at the limit instead of filling memory.
///
/// ```
/// use annexa::unstable::source::{read_bounded, ReadError};
/// assert_eq!(read_bounded(&b"abc"[..], 3).unwrap(), b"abc");
/// assert!(matches!(read_bounded(&b"abcd"[..], 3), Err(ReadError::TooLarge { limit: 3 })));
/// ```
pub fn read_bounded(reader: impl Read, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_bounded_sized(reader, limit, 0)
}

/// [`read_bounded`] into a buffer sized for `expected` bytes (a file's length from its
/// metadata): a buffer grown by doubling copies the text several times into fresh pages,
/// which the kernel zeroes first, and that was a third of the cost of reading a large file.
fn read_bounded_sized(reader: impl Read, limit: u64, expected: u64) -> Result<Vec<u8>, ReadError> {
    // one byte more than the file holds, so that reaching its end needs no growth
    let capacity = usize::try_from(expected.min(limit).saturating_add(1)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// [`read_bounded`] on the file (or device, or FIFO) at `path`.
pub fn read_file_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().ok();
    if metadata.as_ref().is_some_and(std::fs::Metadata::is_dir) {
        return Err(ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a folder",
        )));
    }
    // a FIFO or a device says 0 (or anything): only a regular file's length is a size hint
    let expected = metadata
        .filter(std::fs::Metadata::is_file)
        .map_or(0, |m| m.len());
    read_bounded_sized(file, limit, expected)
}

/// Below this much stack left, [`grow_stack`] switches to a fresh segment.
const STACK_RED_ZONE: usize = 256 * 1024;
/// The size of each fresh stack segment.
const STACK_SEGMENT: usize = 8 * 1024 * 1024;

/// Runs `f`, on a fresh stack segment when the current one is nearly used up. Every recursion
/// over policies and facts (lowering, name resolution, evaluation, layout, lints) goes through
/// it, so that the nesting limits, not the caller's thread stack, bound what is accepted: the
/// library is safe on a 2 MiB thread. `stacker` is what rustc uses for the same purpose.
pub fn grow_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, f)
}

/// [`grow_stack`] for a callee that recurses deeply without coming back through it (the pest
/// parser): at least `need` bytes of stack are left when `f` starts.
pub fn with_stack<R>(need: usize, f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(need, need.saturating_mul(2), f)
}

/// The help line of every "input too large" diagnostic: how to raise the bound.
pub fn too_large_help(limit: u64) -> String {
    format!(
        "the limit is {limit} bytes; raise it with `fact-file-bytes` under `[limits]` in annexa.toml (see docs/config.md)"
    )
}

/// A named text (a policy or a fact file) that diagnostics can point into.
///
/// Cloning is cheap: the text is shared.
///
/// ```
/// let file = annexa::unstable::source::SourceFile::new("a.policy", "rule r {}");
/// assert_eq!(file.name(), "a.policy");
/// ```
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: Arc<str>,
    text: Arc<str>,
    /// Byte offsets of the line starts, built on the first [`SourceFile::line_col`]: without
    /// it every position (one per rule, per violation) rescanned the text from the start,
    /// which made checking a policy of many rules quadratic.
    line_starts: Arc<OnceLock<Vec<usize>>>,
}

impl SourceFile {
    /// Wraps a text under a display name.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: Arc::new(OnceLock::new()),
        }
    }

    /// The display name (the path as the user gave it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A miette source for attaching to a diagnostic.
    pub fn named_source(&self) -> NamedSource<Arc<str>> {
        NamedSource::new(&self.name, Arc::clone(&self.text)).with_language("annexa")
    }

    /// A one-byte span at a 1-based line and column (in characters), as fact documents place
    /// their nodes: where a diagnostic about a node of a document loaded from this text points.
    pub fn span_at(&self, line: u32, column: u32) -> Span {
        let offset = offset_of(&self.text, line, column);
        Span::new(offset, offset + 1)
    }

    /// 1-based line and column (in characters) of a byte offset, as [`line_col`] but in time
    /// logarithmic in the text (plus the length of the line).
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let text: &str = &self.text;
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        // the last line start at or before `offset` (`starts[0]` is 0, so there is one)
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts.get(line - 1).copied().unwrap_or(0);
        let column = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        )
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
/// Offsets past the end or inside a character are clamped to the nearest earlier boundary.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Byte offset of a 1-based (line, column-in-characters) position; clamped to the text.
/// Linear in the text: for error paths only.
pub fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text.get(start..).and_then(|rest| rest.find('\n')) {
            Some(n) => start += n + 1,
            None => return text.len(),
        }
    }
    let rest = text.get(start..).unwrap_or("");
    let skip = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    start + rest.char_indices().nth(skip).map_or(rest.len(), |(i, _)| i)
}

/// A byte range in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Span> for SourceSpan {
    fn from(span: Span) -> SourceSpan {
        SourceSpan::new(span.start.into(), span.end.saturating_sub(span.start))
    }
}

/// A document name as a relative path with `/` separators: absolute paths are made relative to
/// `cwd` (with `..` where they lie outside it), `./` and repeated separators are dropped.
pub fn relative_path(name: &str, cwd: Option<&Path>) -> String {
    let unified = name.replace('\\', "/");
    let path = Path::new(&unified);
    let relative: PathBuf = match cwd {
        Some(cwd) if path.is_absolute() => relative_to(path, cwd),
        _ => path.to_path_buf(),
    };
    let mut parts: Vec<String> = Vec::new();
    for c in relative.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => parts.push("..".to_string()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    if parts.is_empty() {
        unified.trim_start_matches('/').to_string()
    } else {
        parts.join("/")
    }
}

fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(b.iter()).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in p.iter().skip(common) {
        out.push(c.as_os_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_of_inverts_line_col() {
        let text = "ab\r\ncé d\nx";
        for offset in [0, 1, 4, 5, 7, 8, 10] {
            let (l, c) = line_col(text, offset);
            assert_eq!(offset_of(text, l, c), offset, "offset {offset}");
        }
    }

    #[test]
    fn the_indexed_line_col_agrees_with_the_scan() {
        let text = "ab\r\ncé d\n\nx\n";
        let file = SourceFile::new("t", text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                file.line_col(offset),
                line_col(text, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn line_col_counts_characters_from_one() {
        let text = "ab\ncé d";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // byte 6 is after "cé" (c + two-byte é)
        assert_eq!(line_col(text, 6), (2, 3));
        assert_eq!(line_col(text, 5), (2, 2), "inside a char clamps back");
        assert_eq!(line_col(text, 99), (2, 5));
    }
}
