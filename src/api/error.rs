//! The one error type of the public API.

use std::fmt;

/// What kind of input an [`Error`] is about, so a host can answer each differently (a policy
/// mistake is the policy author's, a facts mistake the pipeline's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A policy does not read, parse or compile.
    Policy,
    /// A fact input cannot be read or parsed, or breaks the fact model in strict mode.
    Facts,
    /// The `annexa.toml`, a waivers file or a baseline is wrong.
    Config,
    /// The engine was asked for something it cannot do (no policy, no rule, a param no policy
    /// declares, a bad glob, limit or host function name).
    Usage,
    /// The evaluation ran past its deadline; nothing was judged.
    Deadline,
    /// The evaluation was cancelled from another thread; nothing was judged.
    Cancelled,
}

impl ErrorKind {
    /// The kind as a lowercase word (`policy`, `facts`, …), for logs and bindings.
    ///
    /// ```
    /// assert_eq!(annexa::ErrorKind::Facts.as_str(), "facts");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Policy => "policy",
            ErrorKind::Facts => "facts",
            ErrorKind::Config => "config",
            ErrorKind::Usage => "usage",
            ErrorKind::Deadline => "deadline",
            ErrorKind::Cancelled => "cancelled",
        }
    }
}

/// One diagnostic inside an [`Error`] or a warning: a coded message that knows where it points.
pub(crate) type Boxed = Box<dyn miette::Diagnostic + Send + Sync + 'static>;

/// Why a build or a check could not give a report: every diagnostic found, not only the first.
///
/// It renders like the CLI's diagnostics ([`Error::render`]) and is a [`miette::Diagnostic`]
/// whose `related()` items are the diagnostics after the first.
///
/// ```
/// let err = annexa::Engine::builder()
///     .policy_source("bad.policy", "rule r { require 1 == }")
///     .build()
///     .unwrap_err();
/// assert_eq!(err.kind(), annexa::ErrorKind::Policy);
/// assert!(err.render().contains("bad.policy"));
/// ```
pub struct Error {
    kind: ErrorKind,
    diagnostics: Vec<Boxed>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, diagnostics: Vec<Boxed>) -> Error {
        Error { kind, diagnostics }
    }

    pub(crate) fn one(
        kind: ErrorKind,
        diagnostic: impl miette::Diagnostic + Send + Sync + 'static,
    ) -> Error {
        Error::new(kind, vec![Box::new(diagnostic)])
    }

    /// A diagnostic without a source file: what is wrong and how to fix it.
    pub(crate) fn plain(
        kind: ErrorKind,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Error {
        Error::one(kind, Plain::new(kind, message, help))
    }

    /// What kind of input is wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Every diagnostic, as miette renders them (source line marked, help), without colour:
    /// the text the `annexa` binary prints on standard error.
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| crate::diagnostics::render_plain(d.as_ref(), 100))
            .collect()
    }

    /// The codes of the diagnostics (`annexa::parse`, `annexa::unknown_name`, …), in order.
    pub fn codes(&self) -> Vec<String> {
        self.diagnostics
            .iter()
            .map(|d| d.code().map(|c| c.to_string()).unwrap_or_default())
            .collect()
    }

    /// The diagnostics one by one, for a host that renders them itself.
    pub fn diagnostics(&self) -> impl Iterator<Item = &(dyn miette::Diagnostic + Send + Sync)> {
        self.diagnostics.iter().map(|d| d.as_ref())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field(
                "messages",
                &self
                    .diagnostics
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.diagnostics.first() {
            Some(first) => write!(f, "{first}")?,
            None => write!(f, "{} error", self.kind.as_str())?,
        }
        if self.diagnostics.len() > 1 {
            write!(f, " (and {} more)", self.diagnostics.len() - 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl miette::Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostics.first().and_then(|d| d.code())
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostics.first().and_then(|d| d.help())
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Error)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.diagnostics.first().and_then(|d| d.source_code())
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.diagnostics.first().and_then(|d| d.labels())
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.diagnostics.len() < 2 {
            return None;
        }
        Some(Box::new(
            self.diagnostics
                .iter()
                .skip(1)
                .map(|d| d.as_ref() as &dyn miette::Diagnostic),
        ))
    }
}

/// A problem that points into no source file (a missing input, a bad option).
#[derive(Debug)]
pub(crate) struct Plain {
    code: &'static str,
    message: String,
    help: Option<String>,
}

impl Plain {
    /// A problem of `kind` (the code is `annexa::usage`, as the CLI has always said, but for
    /// a deadline or a cancellation).
    pub(crate) fn new(
        kind: ErrorKind,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Plain {
        let code = match kind {
            ErrorKind::Deadline => "annexa::deadline",
            ErrorKind::Cancelled => "annexa::cancelled",
            _ => "annexa::usage",
        };
        Plain::coded(code, message, help)
    }

    /// A problem with its own code.
    pub(crate) fn coded(
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Plain {
        Plain {
            code,
            message: message.into(),
            help: Some(help.into()).filter(|h: &String| !h.is_empty()),
        }
    }
}

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Plain {}

impl miette::Diagnostic for Plain {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Error)
    }
}

/// A note that explains an error after it (why an input gave no document).
#[derive(Debug)]
pub(crate) struct Note(pub String);

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Note {}

impl miette::Diagnostic for Note {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }
}
