//! Diagnostics about policies: one coded, spanned, miette-renderable type shared by the parser,
//! the checker and the compiler, plus the "did you mean" helper.

use std::fmt;

use miette::{LabeledSpan, Severity};

use crate::source::{SourceFile, Span};

/// A problem found in a policy file, with a stable code (`annexa::parse`, `annexa::unknown_name`, …).
///
/// ```
/// use annexa::unstable::diagnostics::Diagnostic;
/// use annexa::unstable::source::{SourceFile, Span};
/// let file = SourceFile::new("a.policy", "let x = y");
/// let d = Diagnostic::error("annexa::unknown_name", "unknown name `y`", &file)
///     .with_label(Span::new(8, 9), "not defined");
/// assert_eq!(d.code(), "annexa::unknown_name");
/// ```
#[derive(Debug, Clone)]
pub struct Diagnostic(Box<Inner>);

/// Boxed so that `Result<_, Diagnostic>` stays small on the parser's hot paths.
#[derive(Debug, Clone)]
struct Inner {
    code: &'static str,
    severity: Severity,
    message: String,
    help: Option<String>,
    file: SourceFile,
    labels: Vec<(Span, String)>,
}

impl Diagnostic {
    /// An error with a code and a message (lowercase, no trailing period).
    pub fn error(code: &'static str, message: impl Into<String>, file: &SourceFile) -> Diagnostic {
        Diagnostic(Box::new(Inner {
            code,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            file: file.clone(),
            labels: Vec::new(),
        }))
    }

    /// A warning: reported, but it does not stop compilation.
    pub fn warning(
        code: &'static str,
        message: impl Into<String>,
        file: &SourceFile,
    ) -> Diagnostic {
        let mut d = Diagnostic::error(code, message, file);
        d.0.severity = Severity::Warning;
        d
    }

    /// Adds a marked span with a short text.
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.0.labels.push((span, text.into()));
        self
    }

    /// Adds the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.0.help = Some(help.into());
        self
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// True for errors, false for warnings.
    pub fn is_error(&self) -> bool {
        self.0.severity == Severity::Error
    }

    /// The file the diagnostic points into.
    pub fn file(&self) -> &SourceFile {
        &self.0.file
    }

    /// `file:line:col` of the first label (or of the file start).
    pub fn location(&self) -> String {
        let offset = self.0.labels.first().map_or(0, |(s, _)| s.start);
        let (line, col) = self.0.file.line_col(offset);
        format!("{}:{line}:{col}", self.0.file.name())
    }

    /// The help text.
    pub fn help_text(&self) -> Option<&str> {
        self.0.help.as_deref()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.0.code))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.0.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.0.file as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.0.labels.iter().map(|(span, text)| {
            LabeledSpan::new_with_span(Some(text.clone()), *span)
        })))
    }
}

/// Source lines longer than this are shown as a window around the marked span: a one-line
/// 200 KB JSON file must not print 200 KB to the terminal.
const MAX_SHOWN_LINE: usize = 240;

impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.text();
        let contents = text.read_span(span, context_lines_before, context_lines_after)?;
        let whole = *contents.span();
        if whole.len() <= MAX_SHOWN_LINE || contents.line_count() > 1 {
            return Ok(Box::new(miette::MietteSpanContents::new_named(
                self.name().to_string(),
                contents.data(),
                whole,
                contents.line(),
                contents.column(),
                contents.line_count(),
            )));
        }
        // one long line: show a window of it around the span, on a character boundary
        let margin = MAX_SHOWN_LINE / 2;
        let line_start = whole.offset();
        let line_end = line_start + whole.len();
        let mut start = span.offset().saturating_sub(margin).max(line_start);
        let mut end = (span.offset() + span.len() + margin).min(line_end);
        while start > line_start && !text.is_char_boundary(start) {
            start -= 1;
        }
        while end < line_end && !text.is_char_boundary(end) {
            end += 1;
        }
        let data = text.as_bytes().get(start..end).unwrap_or(&[]);
        let column = text.get(line_start..start).map_or(0, |s| s.chars().count());
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name().to_string(),
            data,
            miette::SourceSpan::new(start.into(), end - start),
            contents.line(),
            column,
            1,
        )))
    }
}

/// Names among `candidates` close enough to `name` to suggest: for names of 4–6 characters at edit
/// distance ≤ 1, longer ones ≤ 2; shorter names get no suggestion. Closest first, then alphabetical.
pub fn close_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let len = name.chars().count();
    if len < 4 {
        return Vec::new();
    }
    let limit = if len <= 6 { 1 } else { 2 };
    let mut found: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    found.sort();
    found.dedup();
    found.into_iter().map(|(_, c)| c).collect()
}

/// The nearest candidate for an unknown function or rule name (any length, distance ≤ 3).
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, c)| *d <= 3 && *d < c.len().max(name.len()))
        .min()
        .map(|(_, c)| c)
}

/// Renders diagnostics as text without colour, for tests and for non-terminal output.
pub fn render_plain(diagnostic: &dyn miette::Diagnostic, width: usize) -> String {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_links(false)
            .with_width(width);
    let mut out = String::new();
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = diagnostic.to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_follow_the_length_thresholds() {
        let names = ["allowed_regions", "abc", "regions"];
        assert_eq!(
            close_names("alowed_regions", names),
            vec!["allowed_regions"]
        );
        assert_eq!(
            close_names("abd", names),
            Vec::<&str>::new(),
            "short names get no suggestion"
        );
        assert_eq!(close_names("region", names), vec!["regions"]);
        assert_eq!(
            close_names("rgion", names),
            Vec::<&str>::new(),
            "5 chars allow distance 1 only"
        );
    }

    #[test]
    fn a_very_long_line_is_shown_as_a_window_around_the_span() {
        let mut text = "x".repeat(100_000);
        text.push_str("BAD");
        text.push_str(&"y".repeat(100_000));
        let file = SourceFile::new("long.json", text);
        let d = Diagnostic::error("annexa::parse", "bad", &file)
            .with_label(Span::new(100_000, 100_003), "here");
        let out = render_plain(&d, 100);
        assert!(out.contains("BAD"), "{out}");
        assert!(out.len() < 2_000, "{} bytes", out.len());
        assert!(out.contains("long.json:1:100001"), "{out}");
    }

    #[test]
    fn plain_rendering_names_file_line_and_code() {
        let file = SourceFile::new("p.policy", "let x = y\n");
        let d = Diagnostic::error("annexa::unknown_name", "unknown name `y`", &file)
            .with_label(Span::new(8, 9), "not defined")
            .with_help("declare it");
        let text = render_plain(&d, 80);
        assert!(text.contains("annexa::unknown_name"), "{text}");
        assert!(text.contains("p.policy:1:9"), "{text}");
        assert!(text.contains("declare it"), "{text}");
    }
}
