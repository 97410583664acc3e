//! The coarse lexical view shared by the checks that run outside pest (bracket depth before
//! parsing, comments for `fmt`, the unclosed bracket of an end-of-file error): code characters
//! and comments, with string literals skipped.

use std::iter::Peekable;
use std::str::CharIndices;

use crate::source::Span;

/// A piece of policy text outside string literals.
pub(super) enum Lexeme {
    /// A character of code, with its byte offset.
    Code(usize, char),
    /// A `#` comment, from the `#` to the end of its line.
    Comment(Span),
}

/// Code characters and comments of `text`, in order.
pub(super) fn lexemes(text: &str) -> Lexemes<'_> {
    Lexemes {
        text,
        chars: text.char_indices().peekable(),
    }
}

pub(super) struct Lexemes<'t> {
    text: &'t str,
    chars: Peekable<CharIndices<'t>>,
}

impl Iterator for Lexemes<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        loop {
            let (i, c) = self.chars.next()?;
            match c {
                '"' => self.skip_string(),
                '#' => {
                    let mut end = self.text.len();
                    while let Some(&(j, d)) = self.chars.peek() {
                        if d == '\n' || d == '\r' {
                            end = j;
                            break;
                        }
                        self.chars.next();
                    }
                    return Some(Lexeme::Comment(Span::new(i, end)));
                }
                _ => return Some(Lexeme::Code(i, c)),
            }
        }
    }
}

impl Lexemes<'_> {
    /// Skips to the end of a string literal (a string holds no raw newline, so a line break
    /// ends an unterminated one).
    fn skip_string(&mut self) {
        while let Some((_, c)) = self.chars.next() {
            match c {
                '\\' => {
                    self.chars.next();
                }
                '"' | '\n' => return,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_skipped_and_comments_found() {
        let text = "a(\"(#\\\"\") # c\nb";
        let code: String = lexemes(text)
            .filter_map(|l| match l {
                Lexeme::Code(_, c) => Some(c),
                Lexeme::Comment(_) => None,
            })
            .collect();
        assert_eq!(code, "a() \nb");
        let comments: Vec<Span> = lexemes(text)
            .filter_map(|l| match l {
                Lexeme::Comment(s) => Some(s),
                Lexeme::Code(..) => None,
            })
            .collect();
        assert_eq!(comments, vec![Span::new(10, 13)]);
    }
}
