//! serde_json's pretty output (two-space indent), with each line break and its indent written
//! in one piece.
//!
//! `serde_json::ser::PrettyFormatter` writes a line's indent one level at a time, a call into
//! the writer per level and per line: a report of tens of thousands of violations, a dozen
//! lines each four or five levels deep, spent more of its time there than in its strings. The
//! output is the same bytes (a test compares them).

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// Deepest level whose indent is one slice of [`BREAK`]; deeper lines add the rest in steps.
const LEVELS: usize = 32;

/// `,` and a newline, then the indent of [`LEVELS`] levels: every line break is a slice of it.
const BREAK: [u8; 2 + 2 * LEVELS] = {
    let mut bytes = [b' '; 2 + 2 * LEVELS];
    bytes[0] = b',';
    bytes[1] = b'\n';
    bytes
};

/// Writes `value` as `serde_json::to_writer_pretty` does.
pub(crate) fn to_writer<W: io::Write, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(writer, Pretty::default());
    value.serialize(&mut serializer)
}

/// Renders `value` as `serde_json::to_string_pretty` does.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    to_writer(&mut out, value)?;
    // serde_json writes valid UTF-8 only: the lossy copy is never made
    Ok(String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The formatter: the state of `PrettyFormatter` with its default indent.
#[derive(Default)]
struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    /// A newline (after a comma when `comma`), then the current level's indent.
    fn line_break<W: ?Sized + io::Write>(&self, writer: &mut W, comma: bool) -> io::Result<()> {
        let from = usize::from(!comma);
        let shallow = self.level.min(LEVELS);
        writer.write_all(BREAK.get(from..2 + 2 * shallow).unwrap_or(b"\n"))?;
        for _ in shallow..self.level {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level = self.level.saturating_sub(1);
        if self.has_value {
            self.line_break(writer, false)?;
        }
        writer.write_all(bracket)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line_break(writer, !first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line_break(writer, !first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// A value nested `depth` levels, alternating objects and arrays.
    fn nested(depth: usize) -> serde_json::Value {
        (0..depth).fold(json!("leaf \"quoted\"\n"), |inner, i| {
            if i % 2 == 0 {
                json!({ "k": inner, "n": i, "empty": {}, "none": [] })
            } else {
                json!([inner, null, 1.5, true, []])
            }
        })
    }

    #[test]
    fn the_output_is_serde_json_pretty_byte_for_byte() {
        let values = [
            json!(null),
            json!([]),
            json!({}),
            json!({"a": [1, {"b": []}], "c": {"d": {}}, "e": "x"}),
            nested(5),
            // past the levels one slice indents
            nested(super::LEVELS + 7),
        ];
        for value in &values {
            let ours = super::to_string(value).unwrap();
            let theirs = serde_json::to_string_pretty(value).unwrap();
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn a_report_renders_as_serde_json_pretty_renders_it() {
        let report = crate::findings::Report::from_results(Vec::new());
        let ours = super::to_string(&report).unwrap();
        assert_eq!(ours, serde_json::to_string_pretty(&report).unwrap());
    }
}
