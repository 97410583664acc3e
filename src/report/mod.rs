//! Presentation of a [`Report`]: the only place that knows about formats and colour.

mod delta;
mod escape;
mod github;
pub mod html;
mod human;
mod junit;
mod markdown;
mod message;
pub mod oscal;
mod pretty;
mod sarif;
pub mod snippet;

use std::io::Write as _;

use crate::findings::Report;

pub use crate::source::relative_path;
pub use delta::{render_delta_github, render_delta_human, render_delta_markdown, with_delta_json};
pub use escape::{escape_controls, terminal_safe};
pub use github::render_github;
pub use human::{HumanOptions, render_human, render_human_options, render_human_with};
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use message::{gap_message, readable, violation_message};
pub use sarif::render_sarif;

/// Output formats of `annexa check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The test-runner style text report.
    Human,
    /// The JSON report of `CLI.md`.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, one test case per rule.
    Junit,
    /// A Markdown summary for a pull request comment.
    Markdown,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// One self-contained HTML page for auditors.
    Html,
    /// OSCAL assessment results (JSON).
    Oscal,
}

impl Format {
    /// Every format with its name on the command line.
    pub const ALL: [(&'static str, Format); 8] = [
        ("human", Format::Human),
        ("json", Format::Json),
        ("sarif", Format::Sarif),
        ("junit", Format::Junit),
        ("markdown", Format::Markdown),
        ("github", Format::Github),
        ("html", Format::Html),
        ("oscal", Format::Oscal),
    ];

    /// The name of the format on the command line.
    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("human", |(n, _)| *n)
    }

    /// The format called `name` (`human`, `json`, `sarif`, `junit`, `markdown`, `github`, `html`,
    /// `oscal`).
    pub fn by_name(name: &str) -> Option<Format> {
        Format::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
    }
}

/// Renders a report; `colour` only affects the human format. The HTML page rendered here has
/// no excerpts of the fact files (this function reads no file): the CLI renders it through
/// [`html::render_check`] with a [`snippet::SourceCache`] that reads them.
///
/// ```
/// let report = annexa::unstable::findings::Report::from_results(Vec::new());
/// let json = annexa::unstable::report::render(&report, annexa::unstable::report::Format::Json, false);
/// assert!(json.contains("\"summary\""));
/// ```
pub fn render(report: &Report, format: Format, colour: bool) -> String {
    match format {
        Format::Human => render_human(report, colour),
        Format::Json => render_json(report),
        Format::Sarif => render_sarif(report),
        Format::Junit => render_junit(report),
        Format::Markdown => render_markdown(report),
        Format::Github => render_github(report),
        Format::Html => html::render_check(report, &mut snippet::SourceCache::disabled()),
        // the clock of a library render is today; `annexa check` passes `--now`
        Format::Oscal => oscal::render_check(report, &today(), None),
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The JSON report, pretty-printed, ending with a newline.
pub fn render_json(report: &Report) -> String {
    let mut out = Vec::new();
    match write_json(report, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// [`render_json`] written to `w` as it is serialised: a large report is never held whole in
/// memory (tens of megabytes for a large fact file).
pub fn write_json(report: &Report, w: &mut impl std::io::Write) -> std::io::Result<()> {
    // serde_json writes a few bytes at a time: through a buffer of its own, those writes are
    // inlined copies, not a call each into `w` (often a `dyn Write`)
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, w);
    pretty::to_writer(&mut buffered, report)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}
