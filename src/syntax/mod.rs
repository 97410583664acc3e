//! Parsing: source text → [`crate::ast::Module`]. pest types never leave this module.

mod error;
mod grammar;
mod lexical;
mod lower;

use pest::Parser;

pub use lower::MAX_DEPTH;

use crate::ast::{Comment, Module};
use crate::diagnostics::Diagnostic;
use crate::source::{SourceFile, Span};
use grammar::{PolicyParser, Rule};
use lexical::Lexeme;

/// Stack the pest parser may use on a policy at the nesting limit (measured need in a debug
/// build is well under a quarter of it).
const PEST_STACK: usize = 32 * 1024 * 1024;

/// Parses one policy file. Reports the first syntax error.
///
/// ```
/// use annexa::unstable::source::SourceFile;
/// let file = SourceFile::new("p.policy", "let x = 1 + 2");
/// let module = annexa::unstable::syntax::parse(&file).unwrap();
/// assert_eq!(module.items.len(), 1);
/// ```
pub fn parse(file: &SourceFile) -> Result<Module, Diagnostic> {
    let text = file.text();
    let comments = scan(file)?;
    // pest recurses about a dozen rules per bracket level: 256 levels want a few MiB
    let parse = || crate::source::with_stack(PEST_STACK, || PolicyParser::parse(Rule::file, text));
    // pest's record of what it tried at the furthest position (what makes a syntax error say
    // "expected …") cost half of parsing a large policy, and only a failed parse reads it:
    // parse without it, and again with it when the policy does not parse
    let mut pairs = match parse() {
        Ok(pairs) => pairs,
        Err(_) => {
            let e = with_error_detail(parse).err();
            return Err(match e {
                Some(e) => error::to_diagnostic(&e, file),
                None => Diagnostic::error(
                    "annexa::internal",
                    "internal error: the policy parsed only on the second attempt",
                    file,
                ),
            });
        }
    };
    let file_pair = pairs.next().ok_or_else(|| {
        Diagnostic::error(
            "annexa::internal",
            "internal error: the parser returned nothing",
            file,
        )
    })?;
    let (header, schema, items) = lower::Lowerer::new(file).lower_file(file_pair)?;
    Ok(Module {
        source: file.clone(),
        header,
        schema,
        items,
        comments,
    })
}

/// Runs `f` with pest's error detail on. The setting is one flag for the process: only this
/// function turns it on, one caller at a time, so every detailed parse sees it on (a parse on
/// another thread that starts meanwhile records the detail too, which costs time, not
/// correctness).
fn with_error_detail<T>(f: impl FnOnce() -> T) -> T {
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = DETAIL.lock().unwrap_or_else(|p| p.into_inner());
    pest::set_error_detail(true);
    let out = f();
    pest::set_error_detail(false);
    out
}

/// A cheap lexical pass before pest: rejects bracket nesting beyond the limit (so the recursive
/// parser never sees it), NUL and other control characters, and collects comments for `fmt`.
fn scan(file: &SourceFile) -> Result<Vec<Comment>, Diagnostic> {
    let text = file.text();
    if let Some((i, c)) = text
        .char_indices()
        .find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Diagnostic::error(
            "annexa::parse",
            format!(
                "the control character U+{:04X} cannot appear in a policy",
                u32::from(c)
            ),
            file,
        )
        .with_label(Span::new(i, i + c.len_utf8()), "here")
        .with_help("policies are UTF-8 text; is this a binary file?"));
    }
    let mut comments = Vec::new();
    let mut depth = 0usize;
    for lexeme in lexical::lexemes(text) {
        match lexeme {
            Lexeme::Comment(span) => comments.push(Comment {
                text: text.get(span.start + 1..span.end).unwrap_or("").to_string(),
                span,
            }),
            Lexeme::Code(i, '(' | '[' | '{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(lower::too_deep(file, Span::new(i, i + 1)));
                }
            }
            Lexeme::Code(_, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            Lexeme::Code(..) => {}
        }
    }
    Ok(comments)
}

#[cfg(test)]
mod tests;
