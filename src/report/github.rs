//! GitHub Actions workflow commands: one annotation per violation, on the fact file's line.
//!
//! `::LEVEL file=F,line=L,col=C,title=RULE::MESSAGE` where LEVEL is `error` (critical, high),
//! `warning` (medium) or `notice` (low, info). Rules in error are `::error title=RULE::…` without
//! a file; an incomplete rule is one command at its severity's level, on its first evidence gap;
//! files of a folder walk that could not be read are `::warning file=F,…`. Values are escaped as
//! the runner expects: in the message `%`, `\r`, `\n`; in properties
//! also `:` and `,`. The last line is a plain summary (not a command).

use std::fmt::Write;

use crate::findings::{Report, Severity, Status};

use crate::source::relative_path;

/// The workflow command for a severity.
pub fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// Escapes a command's message (the data after `::`).
pub fn escape_data(raw: &str) -> String {
    raw.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value (`file=…`, `title=…`).
pub fn escape_property(raw: &str) -> String {
    escape_data(raw).replace(':', "%3A").replace(',', "%2C")
}

/// Renders the workflow commands, one per line, and a closing summary line.
pub fn render_github(report: &Report) -> String {
    let report = &super::terminal_safe(report);
    let cwd = std::env::current_dir().ok();
    let mut out = String::new();
    for r in &report.results {
        if r.status == Status::Fail {
            for v in &r.violations {
                let _ = writeln!(
                    out,
                    "::{} file={},line={},col={},title={}::{}",
                    command(r.severity),
                    escape_property(&relative_path(&v.document, cwd.as_deref())),
                    v.line.max(1),
                    v.column.max(1),
                    escape_property(&r.rule),
                    escape_data(&format!(
                        "{} [{}; {}]",
                        super::violation_message(v),
                        r.severity.as_str(),
                        r.controls.join(", ")
                    )),
                );
            }
        }
        if r.status == Status::Incomplete {
            let at = r.evidence_gaps.first().map_or(String::new(), |g| {
                format!(
                    " file={},line={},col={},",
                    escape_property(&relative_path(&g.document, cwd.as_deref())),
                    g.line.max(1),
                    g.column.max(1)
                )
            });
            let n = r.evidence_gaps.len();
            let _ = writeln!(
                out,
                "::{}{}title={}::{}",
                command(r.severity),
                if at.is_empty() { " ".to_string() } else { at },
                escape_property(&r.rule),
                escape_data(&format!(
                    "incomplete: {n} evidence gap{} left the rule undecided [{}; {}]",
                    if n == 1 { "" } else { "s" },
                    r.severity.as_str(),
                    r.controls.join(", ")
                )),
            );
        }
        for g in &r.evidence_gaps {
            let _ = writeln!(
                out,
                "::notice file={},line={},col={},title={}::{}",
                escape_property(&relative_path(&g.document, cwd.as_deref())),
                g.line.max(1),
                g.column.max(1),
                escape_property(&format!("{} (evidence gap)", r.rule)),
                escape_data(&super::gap_message(g)),
            );
        }
        if r.status == Status::Error {
            let _ = writeln!(
                out,
                "::error title={}::{}",
                escape_property(&r.rule),
                escape_data(&format!(
                    "rule could not be evaluated: {}",
                    r.error.as_deref().unwrap_or("unknown error")
                )),
            );
        }
    }
    for u in &report.unreadable {
        let _ = writeln!(
            out,
            "::warning file={},title=annexa (unreadable file)::{}",
            escape_property(&relative_path(&u.file, cwd.as_deref())),
            escape_data(&format!("skipped: {}", u.message)),
        );
    }
    if let Some(coverage) = &report.coverage {
        let _ = writeln!(out, "annexa coverage: {}", coverage.sentence());
    }
    let s = &report.summary;
    let verdict = if s.failed > 0 || s.errors > 0 {
        "FAILED"
    } else if s.incomplete > 0 {
        "INCOMPLETE"
    } else {
        "OK"
    };
    let incomplete = if s.incomplete > 0 {
        format!(", {} incomplete", s.incomplete)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "annexa {verdict}: {} rules: {} passed, {} failed{incomplete}, {} skipped, {} waived, {} errors; {} violations",
        s.rules, s.passed, s.failed, s.skipped, s.waived, s.errors, s.violations
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_per_workflow_command_rules() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
