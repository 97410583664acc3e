//! The coarse lexical view shared by the checks that run outside pest (bracket depth before
//! parsing, comments for `fmt`, the unclosed bracket of an end-of-file error): code characters
//! and comments, with string literals skipped.
//!
//! Template strings (after `else`, `title`, `description`, `remediation`) hold `{expr}` holes,
//! and a hole may hold string literals of its own (`"{x ?? "#"}"`), so the scanner keeps a
//! stack of what it is inside; the code of a hole is reported like any other code.

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

/// Only these keywords are followed by template strings.
const TEMPLATE_KEYWORDS: [&str; 4] = ["else", "title", "description", "remediation"];

enum State {
    /// Code; `braces` counts `{` opened inside a template hole (the hole ends at its `}`).
    Code { braces: usize },
    /// A plain string literal.
    Plain,
    /// A template string.
    Template,
}

/// Code characters and comments of `text`, in order.
pub(super) fn lexemes(text: &str) -> Lexemes<'_> {
    Lexemes {
        text,
        chars: text.char_indices().peekable(),
        stack: vec![State::Code { braces: 0 }],
        word: String::new(),
    }
}

pub(super) struct Lexemes<'t> {
    text: &'t str,
    chars: Peekable<CharIndices<'t>>,
    stack: Vec<State>,
    /// The last word of code seen (to know whether a string is a template).
    word: String,
}

impl Iterator for Lexemes<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        loop {
            let (i, c) = self.chars.next()?;
            let in_hole = self.stack.len() > 1;
            match self.stack.last_mut() {
                Some(State::Code { braces }) => match c {
                    '"' => {
                        let template = TEMPLATE_KEYWORDS.contains(&self.word.as_str());
                        self.stack.push(if template {
                            State::Template
                        } else {
                            State::Plain
                        });
                        self.word.clear();
                    }
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
                    '}' if in_hole && *braces == 0 => {
                        self.stack.pop();
                    }
                    _ => {
                        if in_hole && c == '{' {
                            *braces += 1;
                        } else if in_hole && c == '}' {
                            *braces -= 1;
                        }
                        if c.is_ascii_alphanumeric() || c == '_' {
                            if !self.word_continues(i) {
                                self.word.clear();
                            }
                            self.word.push(c);
                        } else if !c.is_whitespace() {
                            self.word.clear();
                        }
                        return Some(Lexeme::Code(i, c));
                    }
                },
                Some(State::Plain) => match c {
                    '\\' => {
                        self.chars.next();
                    }
                    '"' | '\n' => {
                        self.stack.pop();
                    }
                    _ => {}
                },
                Some(State::Template) => match c {
                    '\\' => {
                        self.chars.next();
                    }
                    '"' | '\n' => {
                        self.stack.pop();
                    }
                    '{' if self.chars.peek().is_some_and(|&(_, d)| d == '{') => {
                        self.chars.next();
                    }
                    '{' => self.stack.push(State::Code { braces: 0 }),
                    _ => {}
                },
                None => return None,
            }
        }
    }
}

impl Lexemes<'_> {
    /// Whether the word being collected ends right before offset `i` (no gap).
    fn word_continues(&self, i: usize) -> bool {
        !self.word.is_empty()
            && self
                .text
                .get(..i)
                .and_then(|b| b.chars().last())
                .is_some_and(|p| p.is_ascii_alphanumeric() || p == '_')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> String {
        lexemes(text)
            .filter_map(|l| match l {
                Lexeme::Code(_, c) => Some(c),
                Lexeme::Comment(_) => None,
            })
            .collect()
    }

    fn comments(text: &str) -> Vec<&str> {
        lexemes(text)
            .filter_map(|l| match l {
                Lexeme::Comment(s) => text.get(s.start..s.end),
                Lexeme::Code(..) => None,
            })
            .collect()
    }

    #[test]
    fn strings_are_skipped_and_comments_found() {
        let text = "a(\"(#\\\"\") # c\nb";
        assert_eq!(code(text), "a() \nb");
        assert_eq!(comments(text), ["# c"]);
    }

    #[test]
    fn holes_of_templates_are_code_and_their_strings_are_skipped() {
        let text = "require x else \"v {b ?? \"#\"} {{w}}\" # real\nlet y = \"{\" # also";
        assert_eq!(comments(text), ["# real", "# also"]);
        assert_eq!(code(text), "require x else b ??  \nlet y =  ");
    }

    #[test]
    fn a_brace_in_a_plain_string_opens_nothing() {
        let text = "let r = s matches \"^a{2,\" # c\nlet z = 1";
        assert_eq!(comments(text), ["# c"]);
    }
}
