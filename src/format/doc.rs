//! A small Wadler-style pretty printer: documents with groups that are printed on one line when
//! they fit and broken (one element per line) when they do not.

/// The indentation step.
pub(super) const INDENT: usize = 2;

/// A document.
#[derive(Debug, Clone)]
pub(super) enum Doc {
    /// Literal text without line breaks.
    Text(String),
    /// A space when flat, a line break when broken.
    Line,
    /// Nothing when flat, a line break when broken.
    Soft,
    /// Always a line break (its groups never print flat).
    Hard,
    /// Text printed only when the enclosing group is broken (trailing commas).
    IfBreak(&'static str),
    /// An end-of-line comment (`  # text`); its groups never print flat.
    Comment(String),
    /// The inner document indented one step more after line breaks.
    Nest(Box<Doc>),
    /// A group: flat if it fits and holds no forced break; the flag says it must break.
    Group(Box<Doc>, bool),
    /// A sequence.
    Cat(Vec<Doc>),
}

pub(super) fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

pub(super) fn cat(parts: Vec<Doc>) -> Doc {
    Doc::Cat(parts)
}

pub(super) fn nest(d: Doc) -> Doc {
    Doc::Nest(Box::new(d))
}

pub(super) fn group(d: Doc) -> Doc {
    let forced = d.forces_break();
    Doc::Group(Box::new(d), forced)
}

impl Doc {
    /// Whether the document holds a hard break or a comment.
    pub(super) fn forces_break(&self) -> bool {
        match self {
            Doc::Hard | Doc::Comment(_) => true,
            Doc::Text(_) | Doc::Line | Doc::Soft | Doc::IfBreak(_) => false,
            Doc::Nest(d) => d.forces_break(),
            Doc::Group(_, forced) => *forced,
            Doc::Cat(parts) => parts.iter().any(Doc::forces_break),
        }
    }

    /// The one-line rendering, or `None` when the document must break.
    pub(super) fn flat(&self) -> Option<String> {
        if self.forces_break() {
            return None;
        }
        let mut out = String::new();
        self.write_flat(&mut out);
        Some(out)
    }

    fn write_flat(&self, out: &mut String) {
        match self {
            Doc::Text(s) => out.push_str(s),
            Doc::Line | Doc::Hard => out.push(' '),
            Doc::Soft | Doc::IfBreak(_) => {}
            Doc::Comment(c) => {
                out.push_str("  ");
                out.push_str(c);
            }
            Doc::Nest(d) | Doc::Group(d, _) => d.write_flat(out),
            Doc::Cat(parts) => parts.iter().for_each(|p| p.write_flat(out)),
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// Prints `doc` into `out`, the cursor being at column `col`, continuation lines indented by
/// `indent`, lines kept within `max` columns where the groups allow it.
pub(super) fn render(doc: &Doc, indent: usize, col: usize, max: usize, out: &mut String) {
    let mut col = col;
    // (indent, flat, doc); the top of the stack is printed next
    let mut stack: Vec<(usize, bool, &Doc)> = vec![(indent, false, doc)];
    while let Some((ind, flat, d)) = stack.pop() {
        match d {
            Doc::Text(s) => {
                out.push_str(s);
                col += width(s);
            }
            Doc::Line | Doc::Soft if flat => {
                if matches!(d, Doc::Line) {
                    out.push(' ');
                    col += 1;
                }
            }
            Doc::Line | Doc::Soft | Doc::Hard => {
                newline(out, ind);
                col = ind;
            }
            Doc::IfBreak(s) => {
                if !flat {
                    out.push_str(s);
                    col += width(s);
                }
            }
            Doc::Comment(c) => {
                out.push_str("  ");
                out.push_str(c);
                col += 2 + width(c);
            }
            Doc::Nest(inner) => stack.push((ind + INDENT, flat, inner)),
            Doc::Group(inner, forced) => {
                let as_flat = flat || (!forced && fits(max.saturating_sub(col), inner, &stack));
                stack.push((ind, as_flat, inner));
            }
            Doc::Cat(parts) => {
                for p in parts.iter().rev() {
                    stack.push((ind, flat, p));
                }
            }
        }
    }
}

fn newline(out: &mut String, indent: usize) {
    while out.ends_with(' ') {
        out.pop();
    }
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Whether `doc` printed flat, followed by the rest of the line, fits in `room` columns.
fn fits(room: usize, doc: &Doc, rest: &[(usize, bool, &Doc)]) -> bool {
    let mut room = room as isize;
    let mut pending: Vec<(bool, &Doc)> = vec![(true, doc)];
    let mut rest = rest.iter().rev();
    loop {
        let (flat, d) = match pending.pop() {
            Some(x) => x,
            None => match rest.next() {
                Some(&(_, flat, d)) => (flat, d),
                None => return true,
            },
        };
        match d {
            Doc::Text(s) => room -= width(s) as isize,
            Doc::Line if flat => room -= 1,
            Doc::Soft if flat => {}
            Doc::Line | Doc::Soft | Doc::Hard => return true,
            Doc::IfBreak(s) => {
                if !flat {
                    room -= width(s) as isize;
                }
            }
            Doc::Comment(_) => return false,
            Doc::Nest(inner) => pending.push((flat, inner)),
            Doc::Group(inner, forced) => pending.push((flat && !forced, inner)),
            Doc::Cat(parts) => {
                for p in parts.iter().rev() {
                    pending.push((flat, p));
                }
            }
        }
        if room < 0 {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Doc {
        let mut inner = vec![Doc::Soft];
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                inner.push(text(","));
                inner.push(Doc::Line);
            }
            inner.push(text(*it));
        }
        inner.push(Doc::IfBreak(","));
        group(cat(vec![text("["), nest(cat(inner)), Doc::Soft, text("]")]))
    }

    #[test]
    fn groups_print_flat_when_they_fit_and_break_otherwise() {
        let d = list(&["\"a\"", "\"b\""]);
        let mut out = String::new();
        render(&d, 0, 0, 100, &mut out);
        assert_eq!(out, "[\"a\", \"b\"]");
        let mut out = String::new();
        render(&d, 0, 0, 5, &mut out);
        assert_eq!(out, "[\n  \"a\",\n  \"b\",\n]");
    }
}
