//! Errors of fact loading, as `miette` diagnostics.

use std::sync::Arc;

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::source::{SourceFile, Span, line_col};

/// The source text an error points into (shared, cheap to clone, keeps the error small).
pub type FactsSource = Arc<SourceFile>;

/// Why a fact file could not be loaded. Every variant is a `miette` diagnostic with a code under
/// `annexa::facts::` and, where a position is known, the source text and a labelled span.
#[derive(Debug, Error, Diagnostic)]
pub enum FactsError {
    /// The text is not valid JSON or YAML.
    #[error("invalid {format} in `{name}`: {message}")]
    #[diagnostic(code(annexa::facts::syntax))]
    Syntax {
        /// `JSON` or `YAML`.
        format: &'static str,
        /// The fact file as the user named it.
        name: String,
        /// What is wrong, lowercase.
        message: String,
        /// The file text.
        #[source_code]
        src: FactsSource,
        /// Where.
        #[label("here")]
        span: SourceSpan,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
    /// An object holds the same key twice.
    #[error("duplicate key `{key}` in `{name}` (lines {first_line} and {second_line})")]
    #[diagnostic(
        code(annexa::facts::duplicate_key),
        help("remove one of the two members or rename it; a key may appear once per object")
    )]
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// The fact file as the user named it.
        name: String,
        /// Line of the first occurrence.
        first_line: u32,
        /// Line of the second occurrence.
        second_line: u32,
        /// The file text.
        #[source_code]
        src: FactsSource,
        /// The first occurrence.
        #[label("first defined here")]
        first: SourceSpan,
        /// The second occurrence.
        #[label("defined again here")]
        second: SourceSpan,
    },
    /// The document nests deeper than the limit.
    #[error("`{name}` nests deeper than {limit} levels")]
    #[diagnostic(
        code(annexa::facts::too_deep),
        help("fact documents may nest at most {limit} arrays/objects deep; flatten the structure")
    )]
    TooDeep {
        /// The fact file as the user named it.
        name: String,
        /// The limit.
        limit: usize,
        /// The file text.
        #[source_code]
        src: FactsSource,
        /// A collection past the limit (the first one, when the parser allows finding it).
        #[label("nested too deeply here")]
        span: SourceSpan,
    },
    /// YAML aliases expand to too many nodes (for example a "billion laughs" document).
    #[error("YAML aliases in `{name}` expand to more than {limit} nodes")]
    #[diagnostic(
        code(annexa::facts::alias_limit),
        help("write the repeated data out, or use fewer nested aliases")
    )]
    AliasLimit {
        /// The fact file as the user named it.
        name: String,
        /// The limit on expanded nodes.
        limit: usize,
        /// The file text.
        #[source_code]
        src: FactsSource,
        /// The alias whose expansion went over the limit.
        #[label("this alias went over the limit")]
        span: SourceSpan,
    },
    /// The bytes are not text in a supported encoding, or hold a NUL byte.
    #[error("`{name}` is not valid text: {message}")]
    #[diagnostic(
        code(annexa::facts::encoding),
        help("save the file as UTF-8 (UTF-16 with a byte order mark is also accepted)")
    )]
    Encoding {
        /// The fact file as the user named it.
        name: String,
        /// What is wrong, with the byte offset and line.
        message: String,
        /// The text decoded so far (lossily).
        #[source_code]
        src: FactsSource,
        /// Where.
        #[label("here")]
        span: Option<SourceSpan>,
    },
    /// The file is bigger than the limit.
    #[error("`{name}` is larger than the limit of {limit} bytes")]
    #[diagnostic(
        code(annexa::facts::too_large),
        help(
            "split the facts into several files, or raise `fact-file-bytes` under `[limits]` in annexa.toml"
        )
    )]
    TooLarge {
        /// The fact file as the user named it.
        name: String,
        /// Its size in bytes, or `limit + 1` when the input was cut off at the limit.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file holds more values than one document can number (see [`super::MAX_VALUES`]).
    #[error("`{name}` holds more than {limit} values, more than one fact document can hold")]
    #[diagnostic(
        code(annexa::facts::too_many_values),
        help("split the facts into several files, or a YAML stream into several documents")
    )]
    TooManyValues {
        /// The fact file as the user named it.
        name: String,
        /// The most values one document holds.
        limit: u64,
    },
    /// The file or folder could not be read.
    #[error("cannot read `{name}`: {source}")]
    #[diagnostic(
        code(annexa::facts::io),
        help("check that the path exists and is readable")
    )]
    Io {
        /// The path as the user named it.
        name: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A fact file named explicitly has an extension other than `.json`, `.yaml` or `.yml`.
    #[error("`{name}` is not a fact file: expected a `.json`, `.yaml` or `.yml` extension")]
    #[diagnostic(
        code(annexa::facts::unknown_extension),
        help("rename the file, or pass JSON/YAML on standard input with `--stdin-format`")
    )]
    UnknownExtension {
        /// The path as the user named it.
        name: String,
    },
}

impl FactsError {
    /// 1-based line and column of the labelled position, when the error has one.
    pub fn position(&self) -> Option<(u32, u32)> {
        let (src, span) = match self {
            FactsError::Syntax { src, span, .. }
            | FactsError::TooDeep { src, span, .. }
            | FactsError::AliasLimit { src, span, .. }
            | FactsError::DuplicateKey {
                src, second: span, ..
            } => (src, *span),
            FactsError::Encoding {
                src,
                span: Some(span),
                ..
            } => (src, *span),
            _ => return None,
        };
        Some(line_col(src.text(), span.offset()))
    }
}

/// What the loaders need to build errors: the file and its shared source.
pub(crate) struct ErrCtx {
    pub(crate) file: SourceFile,
    src: FactsSource,
}

impl ErrCtx {
    pub(crate) fn new(file: SourceFile) -> ErrCtx {
        let src = Arc::new(file.clone());
        ErrCtx { file, src }
    }

    pub(crate) fn name(&self) -> String {
        self.file.name().to_string()
    }

    pub(crate) fn src(&self) -> FactsSource {
        Arc::clone(&self.src)
    }

    pub(crate) fn syntax(
        &self,
        format: &'static str,
        message: impl Into<String>,
        span: Span,
        help: Option<&str>,
    ) -> FactsError {
        FactsError::Syntax {
            format,
            name: self.name(),
            message: message.into(),
            src: self.src(),
            span: span.into(),
            help: help.map(str::to_string),
        }
    }

    pub(crate) fn too_deep(&self, limit: usize, span: Span) -> FactsError {
        FactsError::TooDeep {
            name: self.name(),
            limit,
            src: self.src(),
            span: span.into(),
        }
    }

    pub(crate) fn alias_limit(&self, limit: usize, span: Span) -> FactsError {
        FactsError::AliasLimit {
            name: self.name(),
            limit,
            src: self.src(),
            span: span.into(),
        }
    }

    /// A duplicate key; `first` is the 1-based (line, column) of the first key.
    /// `first` is the byte offset of the key's first occurrence.
    pub(crate) fn duplicate_key(&self, key: &str, first: usize, second: Span) -> FactsError {
        let text = self.file.text();
        let first_offset = first.min(text.len());
        let first_line = self.file.line_col(first_offset).0;
        let key_len = |offset: usize| {
            // label the key as written: up to the end of the line or a `:`
            text.get(offset..)
                .and_then(|rest| rest.find([':', '\n', '\r']))
                .map_or(1, |n| n.max(1))
        };
        let second_line = self.file.line_col(second.start).0;
        let second = if second.end > second.start {
            second
        } else {
            Span::new(second.start, second.start + key_len(second.start))
        };
        FactsError::DuplicateKey {
            key: key.to_string(),
            name: self.name(),
            first_line,
            second_line,
            src: self.src(),
            first: Span::new(first_offset, first_offset + key_len(first_offset)).into(),
            second: second.into(),
        }
    }

    /// Byte offset of a YAML character index (error paths only: linear in the text).
    pub(crate) fn char_to_byte(&self, char_index: usize) -> usize {
        let text = self.file.text();
        text.char_indices()
            .nth(char_index)
            .map_or(text.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_stay_small() {
        assert!(std::mem::size_of::<FactsError>() <= 128);
    }
}
