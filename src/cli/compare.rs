//! `--compare BASE.json` of `check` and `soa`: reading the base and putting the control delta
//! in front of the report.

use annexa::unstable::audit::delta::{Delta, Side, compare};
use annexa::unstable::audit::soa::Statement;
use annexa::unstable::findings::Report;
use annexa::unstable::report::{
    Format, render_delta_github, render_delta_human, render_delta_markdown, with_delta_json,
};
use serde_json::Value;

use super::{UsageError, print_diagnostic};

/// What a base file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `check --format json` report.
    Report,
    /// A `soa --format json` statement.
    Statement,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Report => "a JSON report of `annexa check --format json`",
            Kind::Statement => "a statement of `annexa soa --format json`",
        }
    }

    fn of(value: &Value) -> Option<Kind> {
        let has = |k: &str| value.get(k).is_some();
        if has("summary") && has("results") {
            Some(Kind::Report)
        } else if has("coverage") && has("controls") && has("run") {
            Some(Kind::Statement)
        } else {
            None
        }
    }
}

/// Reads the base file as `want`; prints why not (unreadable, not JSON, the other kind).
fn read(file: &str, want: Kind) -> Option<Value> {
    let help = format!("pass {} of an earlier run", want.describe());
    let bytes = match super::inputs::read_input(file) {
        Ok(b) => b,
        Err((message, more)) => {
            print_diagnostic(&UsageError::new(
                format!("--compare: {message}"),
                format!("{more}; {help}"),
            ));
            return None;
        }
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            print_diagnostic(&UsageError::new(
                format!("--compare: `{file}` is not JSON: {e}"),
                help,
            ));
            return None;
        }
    };
    match Kind::of(&value) {
        Some(k) if k == want => Some(value),
        Some(other) => {
            print_diagnostic(&UsageError::new(
                format!(
                    "--compare: `{file}` is {}, not {}",
                    other.describe(),
                    want.describe()
                ),
                help,
            ));
            None
        }
        None => {
            print_diagnostic(&UsageError::new(
                format!("--compare: `{file}` is neither a check report nor a statement"),
                help,
            ));
            None
        }
    }
}

fn malformed(file: &str, want: Kind, e: &serde_json::Error) {
    print_diagnostic(&UsageError::new(
        format!("--compare: `{file}` is not {}: {e}", want.describe()),
        format!("pass {} of an earlier run", want.describe()),
    ));
}

/// The base report of `check --compare`.
pub fn base_report(file: &str) -> Option<Side> {
    let value = read(file, Kind::Report)?;
    match serde_json::from_value::<Report>(value) {
        Ok(r) => Some(Side::of_report(&r)),
        Err(e) => {
            malformed(file, Kind::Report, &e);
            None
        }
    }
}

/// The base statement of `soa --compare`.
pub fn base_statement(file: &str) -> Option<Side> {
    let value = read(file, Kind::Statement)?;
    match serde_json::from_value::<Statement>(value) {
        Ok(s) => Some(Side::of_statement(&s)),
        Err(e) => {
            malformed(file, Kind::Statement, &e);
            None
        }
    }
}

/// The delta of a `check` run against its base.
pub fn of_report(base: &Side, report: &annexa::Report, file: &str) -> Option<Delta> {
    let head = super::oscal::inner(report)?;
    Some(compare(base, &Side::of_report(&head), file))
}

/// `text` in `format` with the delta in front (human, Markdown, GitHub) or as the JSON
/// report's `delta` key; the other formats (SARIF, JUnit, OSCAL) are unchanged.
pub fn with_delta(format: Format, text: String, delta: &Delta) -> String {
    match format {
        Format::Human => render_delta_human(delta) + &text,
        Format::Markdown => render_delta_markdown(delta) + &text,
        Format::Github => render_delta_github(delta) + &text,
        Format::Json => with_delta_json(&text, delta),
        _ => text,
    }
}

/// The delta of a statement against its base.
pub fn of_statement(base: &Side, soa: &Statement, file: Option<&str>) -> Delta {
    compare(base, &Side::of_statement(soa), file.unwrap_or(""))
}

/// Where a statement format has room for the delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoaText {
    /// In front (Markdown).
    Markdown,
    /// As the `delta` key (JSON).
    Json,
    /// Nowhere: it goes to standard error (CSV).
    Csv,
    /// Nowhere, and not repeated (OSCAL, which records the run, not a comparison).
    Other,
}

/// The statement with the delta in front (Markdown) or as its `delta` key (JSON); CSV has no
/// place for it, so it goes to standard error; other formats are unchanged.
pub fn soa_with_delta(format: SoaText, text: String, delta: &Delta) -> String {
    match format {
        SoaText::Markdown => render_delta_markdown(delta) + &text,
        SoaText::Json => with_delta_json(&text, delta),
        SoaText::Csv => {
            errln!("{}", render_delta_human(delta).trim_end());
            text
        }
        SoaText::Other => text,
    }
}
