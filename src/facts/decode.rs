//! Bytes to text: UTF-8 (optional BOM), UTF-16 LE/BE with a BOM; NUL bytes rejected.

use std::sync::Arc;

use super::error::{ErrCtx, FactsError};
use crate::source::{SourceFile, Span, line_col};

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Decodes a fact file, without its byte order mark.
pub(crate) fn decode(name: &str, bytes: &[u8]) -> Result<String, FactsError> {
    decode_owned(name, bytes.to_vec())
}

/// Like [`decode`], reusing the buffer when the text is UTF-8 (no copy of a big file).
pub(crate) fn decode_owned(name: &str, mut owned: Vec<u8>) -> Result<String, FactsError> {
    let utf16 = owned.starts_with(&[0xFF, 0xFE]) || owned.starts_with(&[0xFE, 0xFF]);
    let bom = if owned.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    if bom == 0 && !utf16 && !has_nul(&owned) {
        // the common case, validated once (a text without the UTF-8 BOM cannot start with
        // U+FEFF, whose UTF-8 encoding is the BOM)
        return match String::from_utf8(owned) {
            Ok(text) => Ok(text),
            Err(e) => decode_slow(name, e.as_bytes()),
        };
    }
    let fast = !utf16
        && !has_nul(&owned)
        && std::str::from_utf8(owned.get(bom..).unwrap_or(&[]))
            .is_ok_and(|text| !text.starts_with('\u{FEFF}'));
    if fast {
        owned.drain(..bom);
        // validated above, so this cannot fail; the fallback keeps it panic-free anyway
        return match String::from_utf8(owned) {
            Ok(text) => Ok(text),
            Err(e) => decode_slow(name, e.as_bytes()),
        };
    }
    decode_slow(name, &owned)
}

/// Whether the bytes hold a NUL: `memchr`'s vector search (the slice's own `contains` goes a
/// word at a time, and was a sixteenth of the time of loading a large JSON file).
fn has_nul(bytes: &[u8]) -> bool {
    memchr::memchr(0, bytes).is_some()
}

fn decode_slow(name: &str, bytes: &[u8]) -> Result<String, FactsError> {
    let text = if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(encoding(name, "", "UTF-32 is not supported".into(), None));
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        utf16(name, rest, u16::from_le_bytes)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        utf16(name, rest, u16::from_be_bytes)?
    } else {
        let rest = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        match std::str::from_utf8(rest) {
            Ok(text) => text.to_string(),
            Err(e) => {
                let at = e.valid_up_to();
                let lossy = String::from_utf8_lossy(rest);
                let line = line_col(&lossy, at).0;
                let file_offset = at + (bytes.len() - rest.len());
                let message = format!("invalid UTF-8 at byte offset {file_offset} (line {line})");
                return Err(encoding(name, &lossy, message, Some(at)));
            }
        }
    };
    let text = match text.strip_prefix('\u{FEFF}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    if let Some(at) = text.find('\0') {
        let (line, column) = line_col(&text, at);
        let message = format!("a NUL character at line {line}, column {column}");
        return Err(encoding(name, &text, message, Some(at)));
    }
    Ok(text)
}

fn utf16(name: &str, bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, FactsError> {
    let units = bytes
        .chunks_exact(2)
        .map(|c| unit(<[u8; 2]>::try_from(c).unwrap_or_default()));
    let mut text = String::with_capacity(bytes.len() / 2);
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => text.push(c),
            Err(_) => {
                let units_before: usize = text.chars().map(char::len_utf16).sum();
                let file_offset = 2 + 2 * units_before;
                let line = line_col(&text, text.len()).0;
                let message = format!(
                    "an unpaired UTF-16 surrogate at byte offset {file_offset} (line {line})"
                );
                let at = text.len();
                return Err(encoding(name, &text, message, Some(at)));
            }
        }
    }
    if !bytes.len().is_multiple_of(2) {
        let message = format!(
            "UTF-16 text with an odd number of bytes ({})",
            bytes.len() + 2
        );
        let at = text.len();
        return Err(encoding(name, &text, message, Some(at)));
    }
    Ok(text)
}

fn encoding(name: &str, text: &str, message: String, at: Option<usize>) -> FactsError {
    let ctx = ErrCtx::new(SourceFile::new(Arc::<str>::from(name), text));
    let span = at.map(|at| {
        let end = text
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or(at, |c| at + c.len_utf8());
        Span::new(at, end).into()
    });
    FactsError::Encoding {
        name: name.to_string(),
        message,
        src: ctx.src(),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            out.extend(u.to_le_bytes());
        }
        out
    }

    #[test]
    fn utf8_bom_is_dropped() {
        assert_eq!(decode("a", b"\xEF\xBB\xBF{}").unwrap(), "{}");
    }

    #[test]
    fn utf16_le_and_be_decode() {
        assert_eq!(
            decode("a", &utf16le("{\"é\": 1}\r\n")).unwrap(),
            "{\"é\": 1}\r\n"
        );
        let mut be = vec![0xFE, 0xFF];
        for u in "[1]".encode_utf16() {
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode("a", &be).unwrap(), "[1]");
    }

    #[test]
    fn invalid_utf8_names_offset_and_line() {
        let err = decode("f.json", b"{\n\"a\": \"\xFF\"}").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("byte offset 8 (line 2)"), "{text}");
        assert!(matches!(err, FactsError::Encoding { .. }));
        assert_eq!(err.position(), Some((2, 7)));
    }

    #[test]
    fn nul_byte_is_rejected() {
        let err = decode("f.yaml", b"a: 1\nb: \0\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("NUL character at line 2, column 4"),
            "{err}"
        );
    }

    #[test]
    fn bad_utf16_is_rejected() {
        let mut bytes = utf16le("ab");
        bytes.extend([0x00, 0xD8, 0x41, 0x00]); // lone high surrogate, then 'A'
        let err = decode("f.json", &bytes).unwrap_err();
        assert!(
            err.to_string()
                .contains("unpaired UTF-16 surrogate at byte offset 6"),
            "{err}"
        );
        let mut odd = utf16le("ab");
        odd.push(0x41);
        assert!(
            decode("f.json", &odd)
                .unwrap_err()
                .to_string()
                .contains("odd number")
        );
        assert!(decode("f.json", &[0xFF, 0xFE, 0, 0]).is_err());
    }
}
