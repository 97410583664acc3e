//! `annexa fmt`: the one canonical layout of a policy file. The layout is described in
//! `docs/fmt.md`.
//!
//! The formatter prints the syntax tree and places every comment of [`Module::comments`] next to
//! the line it preceded or trailed; [`format_source`] refuses to return a text whose syntax tree
//! or comments differ from the input's, so a bug here can never change what a policy means.

mod doc;
mod layout;

use crate::ast::Module;
use crate::diagnostics::Diagnostic;
use crate::source::SourceFile;

/// The widest line the formatter aims for (a longer one is printed when nothing can be broken).
pub const MAX_WIDTH: usize = 100;

/// Prints a parsed module in the canonical layout.
///
/// ```
/// use annexa::unstable::source::SourceFile;
/// let file = SourceFile::new("p.policy", "let  x=[1,2]   # two\nrule r{controls A.5.1 require x!=[]}");
/// let module = annexa::unstable::syntax::parse(&file).unwrap();
/// assert_eq!(
///     annexa::unstable::format::format_module(&module),
///     "let x = [1, 2]  # two\n\nrule r {\n  controls A.5.1\n  require x != []\n}\n"
/// );
/// ```
pub fn format_module(module: &Module) -> String {
    layout::Layout::new(module).run()
}

/// Parses and formats a policy file; checks that the result parses to the same syntax tree
/// (spans aside) with the same comments.
///
/// ```
/// use annexa::unstable::source::SourceFile;
/// let file = SourceFile::new("p.policy", "fn f(a)=a*(2+1)");
/// assert_eq!(annexa::unstable::format::format_source(&file).unwrap(), "fn f(a) = a * (2 + 1)\n");
/// ```
pub fn format_source(file: &SourceFile) -> Result<String, Diagnostic> {
    let module = crate::syntax::parse(file)?;
    let formatted = format_module(&module);
    let bug = |what: &str| {
        Diagnostic::error(
            "annexa::internal",
            format!("internal error: formatting would {what}; the file was left as it is"),
            file,
        )
        .with_help("this is a bug in annexa fmt; please report it with this policy")
    };
    let again = crate::syntax::parse(&SourceFile::new(file.name(), formatted.as_str()))
        .map_err(|_| bug("produce text that does not parse"))?;
    if fingerprint(&again) != fingerprint(&module) {
        return Err(bug("change the syntax tree"));
    }
    if comment_texts(&again) != comment_texts(&module) {
        return Err(bug("lose or alter a comment"));
    }
    Ok(formatted)
}

/// A rendering of the module's syntax tree without spans or comments: two modules with equal
/// fingerprints say the same thing, however they are laid out.
pub fn fingerprint(module: &Module) -> String {
    // derived `Debug` recurses with no way to grow the stack: about twenty frames per level of
    // a tree the nesting limit keeps under 256 levels, more than a 256 KiB thread holds
    let debug = crate::source::with_stack(DEBUG_STACK, || {
        format!("{:?} {:?} {:?}", module.header, module.schema, module.items)
    });
    strip_spans(&debug)
}

/// The stack [`fingerprint`] starts with, ample for 256 levels of derived `Debug` (only the
/// pages touched are ever committed).
const DEBUG_STACK: usize = 16 * 1024 * 1024;

fn strip_spans(debug: &str) -> String {
    // `span: Span { start: 1, end: 2 }` and `key_span: …`, as derived `Debug` writes them
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    const MARK: &str = "span: Span { start: ";
    while let Some(i) = rest.find(MARK) {
        let (before, after) = rest.split_at(i);
        out.push_str(before.strip_suffix("key_").unwrap_or(before));
        match after.find('}') {
            Some(j) => rest = &after[j + 1..],
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The texts of the module's comments (trailing whitespace dropped), sorted: the multiset the
/// formatter must keep.
pub fn comment_texts(module: &Module) -> Vec<String> {
    let mut texts: Vec<String> = module
        .comments
        .iter()
        .map(|c| c.text.trim_end().to_string())
        .collect();
    texts.sort();
    texts
}

#[cfg(test)]
mod tests;
