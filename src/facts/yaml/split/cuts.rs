//! Where a YAML text is cut: the pieces a helper parses while the main thread parses the
//! rest (see [`super`]).

/// The cuts tried before giving up (each after the end of the last short sequence).
const MAX_GUESSES: usize = 64;

/// A piece of the text: the lines `start..end` (bytes), entries of one block sequence whose
/// `-` is at column `col`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cut {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) col: usize,
}

/// The share of a text's lines, per mille, that the helper is given: the main thread also
/// reads the file, copies the rest of the text and takes the helper's entries in.
const HELPER_PER_MILLE: usize = 520;

/// The pieces the helper parses, in the text's order: the cut from the middle, and when its
/// piece holds too few of the text's lines, a second one before it. Time goes with lines,
/// not bytes (the benchmark's datasets and transfers take the same time per line, 20% apart
/// per byte), and a long sequence cut at the middle may leave the main thread most of them:
/// the second piece is the end of a sequence before the first, as long as what the helper
/// still lacks. The main parse reaches it first, and takes its entries in while the helper
/// parses the other.
pub(super) fn plan(bytes: &[u8], worth: usize) -> Option<Vec<Cut>> {
    let (last, in_last) = guess(bytes, bytes.len() / 2, worth, None)?;
    let total =
        in_last + count_lines(bytes.get(..last.start)?) + count_lines(bytes.get(last.end..)?);
    let lacking = (total.saturating_mul(HELPER_PER_MILLE) / 1000).saturating_sub(in_last);
    if lacking < total / 16 {
        return Some(vec![last]);
    }
    let from = lines_back(bytes, last.start, lacking);
    let first = guess(bytes, from, worth, Some(last.start))
        .map(|(cut, _)| cut)
        .filter(|cut| !bytes.get(cut.start..cut.end).is_none_or(may_have_anchors));
    Some(first.into_iter().chain([last]).collect())
}

/// The line feeds in `bytes`.
fn count_lines(bytes: &[u8]) -> usize {
    bytecount::count(bytes, b'\n')
}

/// Where the line `n` lines before the one at `end` starts (`n > 0`).
fn lines_back(bytes: &[u8], end: usize, n: usize) -> usize {
    let (mut at, mut left) = (end, n);
    while at > 0 {
        let from = at.saturating_sub(4096);
        let block = bytes.get(from..at).unwrap_or(&[]);
        let here = count_lines(block);
        if here > left {
            // the line feed that ends the line before the one wanted
            return memchr::memrchr_iter(b'\n', block)
                .nth(left)
                .map_or(from, |nl| from + nl + 1);
        }
        left -= here;
        at = from;
    }
    0
}

/// Whether `piece` may hold an anchor (`&a`) or an alias (`*a`): a `&` or `*` after a space,
/// a line break or a flow indicator and before a name. Errs towards yes (`"x &y"` in a
/// string), never towards no: an anchor or alias always has that form.
pub(super) fn may_have_anchors(piece: &[u8]) -> bool {
    memchr::memchr2_iter(b'&', b'*', piece).any(|at| {
        let before = at.checked_sub(1).and_then(|i| piece.get(i));
        let after = piece.get(at + 1);
        matches!(
            before,
            None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',')
        ) && after.is_some_and(|b| {
            !matches!(
                b,
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}'
            )
        })
    })
}

/// Whether a line before byte `at` is a directive (`%TAG`, `%YAML`): it names tag handles or
/// a version that a parse starting past it would not know.
pub(super) fn directives_before(bytes: &[u8], at: usize) -> bool {
    let before = bytes.get(..at).unwrap_or(bytes);
    before.first() == Some(&b'%') || memchr::memmem::find(before, b"\n%").is_some()
}

/// A cut at or after `from` whose piece is at least `worth` bytes long: a shorter one was a
/// nested sequence (an entry's `access:` list), and the next guess comes after it.
#[cfg(test)]
pub(super) fn find_cut(bytes: &[u8], from: usize, worth: usize) -> Option<Cut> {
    guess(bytes, from, worth, None).map(|(cut, _)| cut)
}

/// [`find_cut`], for a piece that ends before byte `before` when it is given (a piece that
/// does not is no piece).
fn guess(bytes: &[u8], from: usize, worth: usize, before: Option<usize>) -> Option<(Cut, usize)> {
    let mut search = from;
    for _ in 0..MAX_GUESSES {
        let (start, col) = entry_line(bytes, search)?;
        let (end, lines) = sequence_lines(bytes, start, col);
        if before.is_some_and(|before| end >= before) {
            return None;
        }
        if end - start >= worth {
            return (!directives_before(bytes, start)).then_some((Cut { start, end, col }, lines));
        }
        // the newline before the line that ended the sequence: the next guess may be that line
        search = end - 1;
    }
    None
}

/// The first line after the newline at or after `from` that starts with spaces and a block
/// sequence entry (`- `): where the line starts, and the column of its `-`.
pub(super) fn entry_line(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut at = from;
    loop {
        let line = at + memchr::memchr(b'\n', bytes.get(at..)?)? + 1;
        let col = indent(bytes, line, usize::MAX);
        if is_entry(bytes, line + col) && follows_an_entry(bytes, line, col) {
            return Some((line, col));
        }
        at = line;
    }
}

/// Whether the line before the one at `line` (an entry at column `col`) is part of an
/// earlier entry of the same sequence: deeper, or itself an entry at `col`. A first entry
/// starts its sequence, which the main parse would then never see open at the seam.
pub(super) fn follows_an_entry(bytes: &[u8], line: usize, col: usize) -> bool {
    let Some(before) = line.checked_sub(1).and_then(|end| bytes.get(..end)) else {
        return false;
    };
    let previous = memchr::memrchr(b'\n', before).map_or(0, |nl| nl + 1);
    let spaces = indent(bytes, previous, col + 1);
    match bytes.get(previous + spaces) {
        None | Some(b'\n' | b'\r' | b'#') => false,
        Some(_) => spaces > col || (spaces == col && is_entry(bytes, previous + spaces)),
    }
}

/// Where the block sequence at column `col` whose entry starts the line at `start` ends:
/// the first later line less indented, or as indented and not an entry (blank and comment
/// lines do not count), or the end of the text.
#[cfg(test)]
pub(super) fn sequence_end(bytes: &[u8], start: usize, col: usize) -> usize {
    sequence_lines(bytes, start, col).0
}

/// [`sequence_end`], and the line feeds before it.
pub(super) fn sequence_lines(bytes: &[u8], start: usize, col: usize) -> (usize, usize) {
    let rest = bytes.get(start..).unwrap_or(&[]);
    for (n, nl) in memchr::memchr_iter(b'\n', rest).enumerate() {
        let line = start + nl + 1;
        // counting stops past `col`: a deeper line needs no more than that
        let spaces = indent(bytes, line, col + 1);
        if spaces > col {
            continue;
        }
        match bytes.get(line + spaces) {
            None => return (bytes.len(), n + 1),
            Some(b'\n' | b'\r' | b'#') => continue,
            Some(_) if spaces == col && is_entry(bytes, line + spaces) => continue,
            Some(_) => return (line, n + 1),
        }
    }
    (bytes.len(), bytecount::count(rest, b'\n'))
}

/// The spaces at the start of the line at `line`, counted up to `most`.
pub(super) fn indent(bytes: &[u8], line: usize, most: usize) -> usize {
    bytes
        .get(line..)
        .unwrap_or(&[])
        .iter()
        .take(most)
        .take_while(|&&b| b == b' ')
        .count()
}

/// Whether a block sequence entry (`-` then a space, a tab or the end of the line) is at `at`.
pub(super) fn is_entry(bytes: &[u8], at: usize) -> bool {
    bytes.get(at) == Some(&b'-') && matches!(bytes.get(at + 1), Some(b' ' | b'\t' | b'\n' | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_n_lines_back_is_found_across_blocks() {
        let text: String = (0..3000).map(|i| format!("line {i}\n")).collect();
        let bytes = text.as_bytes();
        let end = text.find("line 2500\n").expect("the line");
        for n in [1, 2, 7, 600, 2500] {
            let start = lines_back(bytes, end, n);
            assert!(
                text[start..].starts_with(&format!("line {}\n", 2500 - n)),
                "{n} lines back: {:?}",
                &text[start..start + 12]
            );
        }
        assert_eq!(lines_back(bytes, end, 2600), 0);
    }
}
