//! The lines of a fact file around a finding, for reports that show the offending facts
//! (HTML, and the human report).
//!
//! Fact files are untrusted: a line may be megabytes long, hold terminal escapes or bidi
//! overrides, or the file may be gone by the time the report is written. An excerpt is
//! therefore bounded, escaped and optional: a report without it is still a report.

use std::collections::HashMap;
use std::io::Read;

use super::escape_controls;

/// At most this many characters of a line are shown; the rest is cut with `…`.
const MAX_LINE_CHARS: usize = 200;
/// Characters kept before the marked column when a long line is cut around it.
const LEAD_CHARS: usize = 60;
/// Files larger than this are not read for excerpts (a report must not stall on a dump).
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Tab stops, every this many columns.
const TAB_WIDTH: usize = 4;

/// Some lines of a fact file, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The 1-based line number of `lines[0]`.
    pub first_line: u32,
    /// The lines as shown: tabs expanded, control characters escaped, long lines cut.
    pub lines: Vec<String>,
    /// The 1-based line the finding is on.
    pub line: u32,
    /// The 1-based column, in characters of the shown line `line` (after tab expansion,
    /// escaping and cutting), where the finding starts.
    pub column: u32,
}

impl Excerpt {
    /// The shown text of the finding's own line.
    pub fn marked_line(&self) -> Option<&str> {
        let index = self.line.checked_sub(self.first_line)?;
        self.lines
            .get(usize::try_from(index).ok()?)
            .map(String::as_str)
    }
}

/// Lines `line-context ..= line+context` of `text` (1-based), control characters escaped;
/// `None` for line 0 or a line past the end.
///
/// ```
/// use annexa::unstable::report::snippet::excerpt;
/// let e = excerpt("a: 1\nb: 2\nc: 3\n", 2, 1, 1).unwrap();
/// assert_eq!((e.first_line, e.lines.len()), (1, 3));
/// assert_eq!(e.lines[1], "b: 2");
/// ```
pub fn excerpt(text: &str, line: u32, column: u32, context: u32) -> Option<Excerpt> {
    if line == 0 {
        return None;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.is_empty() {
        return None;
    }
    // the newline ending the last line does not start another one
    let text = text.strip_suffix('\n').unwrap_or(text);
    let first_line = line.saturating_sub(context).max(1);
    let last_line = line.saturating_add(context);
    let mut lines = Vec::new();
    let mut shown_column = None;
    // `split('\n')` rather than `lines()`: a lone `\r` inside a line is data and is escaped,
    // only the `\r` of a CRLF ending is dropped
    for (n, raw) in (1u32..).zip(text.split('\n')) {
        if n > last_line {
            break;
        }
        if n < first_line {
            continue;
        }
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (shown, col) = show_line(raw, (n == line).then_some(column));
        if n == line {
            shown_column = Some(col);
        }
        lines.push(shown);
    }
    let shown_column = shown_column?;
    Some(Excerpt {
        first_line,
        lines,
        line,
        column: shown_column,
    })
}

/// One line as shown, and where `column` (1-based, in characters of `raw`) ends up in it.
fn show_line(raw: &str, column: Option<u32>) -> (String, u32) {
    // tabs first, so that the cut below counts what a reader sees
    let mut expanded: Vec<char> = Vec::with_capacity(raw.len().min(4 * MAX_LINE_CHARS));
    let mut target = None;
    for (i, c) in raw.chars().enumerate() {
        if column.is_some_and(|col| usize::try_from(col).ok() == Some(i + 1)) {
            target = Some(expanded.len());
        }
        if c == '\t' {
            let pad = TAB_WIDTH - expanded.len() % TAB_WIDTH;
            expanded.extend(std::iter::repeat_n(' ', pad));
        } else {
            expanded.push(c);
        }
        // the characters past the window are never shown: stop collecting them early
        if expanded.len() > target.unwrap_or(0) + MAX_LINE_CHARS + LEAD_CHARS
            && (column.is_none() || target.is_some())
        {
            break;
        }
    }
    let target = target.unwrap_or_else(|| {
        // past the end of the line: the finding is at its end
        if column.is_some_and(|c| c > 1) {
            expanded.len()
        } else {
            0
        }
    });
    let start = if expanded.len() > MAX_LINE_CHARS && target > LEAD_CHARS {
        (target - LEAD_CHARS).min(expanded.len().saturating_sub(MAX_LINE_CHARS))
    } else {
        0
    };
    let end = (start + MAX_LINE_CHARS).min(expanded.len());
    let mut out = String::new();
    let mut col = 1u32;
    if start > 0 {
        out.push('…');
    }
    for (i, c) in expanded.iter().enumerate().take(end).skip(start) {
        if i == target {
            col = u32::try_from(out.chars().count() + 1).unwrap_or(u32::MAX);
        }
        out.push_str(&escape_controls(c.encode_utf8(&mut [0; 4])));
    }
    if target >= end {
        col = u32::try_from(out.chars().count() + 1).unwrap_or(u32::MAX);
    }
    if end < expanded.len() {
        out.push('…');
    }
    (out, col)
}

/// Reads fact files by the name a violation's `document` carries, each at most once, bounded
/// in size, never failing: an unreadable file has no excerpts.
#[derive(Debug, Default)]
pub struct SourceCache {
    files: HashMap<String, Option<String>>,
}

impl SourceCache {
    /// An empty cache.
    pub fn new() -> Self {
        SourceCache::default()
    }

    /// Lines around `line` of the file `document`, or `None` when it cannot be read, is larger
    /// than 8 MiB, or has no such line.
    pub fn excerpt(
        &mut self,
        document: &str,
        line: u32,
        column: u32,
        context: u32,
    ) -> Option<Excerpt> {
        let text = self
            .files
            .entry(document.to_string())
            .or_insert_with(|| read_bounded(document));
        excerpt(text.as_deref()?, line, column, context)
    }

    /// Gives the cache the text of `document` (standard input, a file already read), so that
    /// it is not read from disk.
    pub fn insert(&mut self, document: &str, text: String) {
        self.files.insert(document.to_string(), Some(text));
    }
}

fn read_bounded(document: &str) -> Option<String> {
    // `-` is standard input, already consumed by the check
    if document == "-" || document.is_empty() {
        return None;
    }
    let file = std::fs::File::open(document).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    // `take` as well as the size check: the file may grow between the two
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).ok()?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_clamped_to_the_file() {
        let text = "one\ntwo\nthree\n";
        let e = excerpt(text, 1, 1, 2).unwrap();
        assert_eq!(e.first_line, 1);
        assert_eq!(e.lines, ["one", "two", "three"]);
        let e = excerpt(text, 3, 2, 1).unwrap();
        assert_eq!((e.first_line, e.lines.len()), (2, 2));
        assert_eq!(e.marked_line(), Some("three"));
        assert_eq!(e.column, 2);
        let e = excerpt("no newline", 1, 4, 0).unwrap();
        assert_eq!(e.lines, ["no newline"]);
    }

    #[test]
    fn line_zero_and_past_the_end_have_no_excerpt() {
        assert_eq!(excerpt("a\nb\n", 0, 1, 1), None);
        assert_eq!(excerpt("a\nb\n", 3, 1, 1), None);
        assert_eq!(excerpt("a\nb", 3, 1, 1), None);
        assert_eq!(excerpt("", 1, 1, 1), None);
        assert!(
            excerpt("a\n\n", 2, 1, 0).is_some(),
            "an empty line is a line"
        );
    }

    #[test]
    fn crlf_endings_are_dropped_and_lone_cr_escaped() {
        let e = excerpt("a: 1\r\nb: 2\r\n", 2, 1, 1).unwrap();
        assert_eq!(e.lines, ["a: 1", "b: 2"]);
        let e = excerpt("a\rb\n", 1, 1, 0).unwrap();
        assert_eq!(e.lines, ["a\\u{d}b"]);
    }

    #[test]
    fn tabs_expand_and_the_column_follows() {
        let e = excerpt("\tkey: value\n", 1, 2, 0).unwrap();
        assert_eq!(e.lines, ["    key: value"]);
        assert_eq!(e.column, 5);
        let e = excerpt("ab\tc\n", 1, 4, 0).unwrap();
        assert_eq!(e.lines, ["ab  c"]);
        assert_eq!(e.column, 5);
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_escaped() {
        let e = excerpt("x: \"\u{1b}]52;c;aGk=\u{7}\" \u{202e}y\n", 1, 4, 0).unwrap();
        assert_eq!(e.lines, ["x: \"\\u{1b}]52;c;aGk=\\u{7}\" \\u{202e}y"]);
        assert_eq!(e.column, 4);
        let e = excerpt("\u{feff}a: 1\n", 1, 1, 0).unwrap();
        assert_eq!(e.lines, ["a: 1"], "the BOM is not shown");
        let e = excerpt("\u{1}\u{1}x\n", 1, 3, 0).unwrap();
        assert_eq!(e.column, 11, "the column moves past the escapes");
    }

    #[test]
    fn huge_lines_are_cut_around_the_finding() {
        let long = format!("{}X{}", "a".repeat(100_000), "b".repeat(100_000));
        let e = excerpt(&long, 1, 100_001, 0).unwrap();
        let shown = e.marked_line().unwrap();
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.chars().count() <= MAX_LINE_CHARS + 2);
        assert_eq!(
            shown.chars().nth(usize::try_from(e.column).unwrap() - 1),
            Some('X')
        );
        let e = excerpt(&long, 1, 1, 0).unwrap();
        let shown = e.marked_line().unwrap();
        assert!(shown.starts_with('a') && shown.ends_with('…'));
        assert_eq!(e.column, 1);
        // a column past the end of the line marks its end
        let e = excerpt("abc\n", 1, 99, 0).unwrap();
        assert_eq!(e.column, 4);
    }

    #[test]
    fn the_cache_reads_once_and_never_fails() {
        let dir = std::env::temp_dir().join(format!("annexa-snippet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f.yaml");
        std::fs::write(&file, "a: 1\nb: 2\n").unwrap();
        let name = file.to_string_lossy().to_string();
        let mut cache = SourceCache::new();
        assert_eq!(cache.excerpt(&name, 2, 1, 0).unwrap().lines, ["b: 2"]);
        std::fs::write(&file, "changed\n").unwrap();
        assert_eq!(
            cache.excerpt(&name, 2, 1, 0).unwrap().lines,
            ["b: 2"],
            "read once"
        );
        assert_eq!(cache.excerpt("/no/such/file.yaml", 1, 1, 0), None);
        assert_eq!(cache.excerpt("-", 1, 1, 0), None);
        assert_eq!(
            cache.excerpt(&dir.to_string_lossy(), 1, 1, 0),
            None,
            "a folder"
        );
        let big = dir.join("big.json");
        std::fs::write(&big, vec![b'a'; 8 * 1024 * 1024 + 1]).unwrap();
        assert_eq!(cache.excerpt(&big.to_string_lossy(), 1, 1, 0), None);
        cache.insert("-", "from stdin\n".into());
        assert!(cache.excerpt("-", 1, 1, 0).is_some());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
