//! The Markdown summary, for a pull request comment or a CI job summary.
//!
//! A heading with the verdict, a table of counts, a table of failing rules (rule, severity,
//! controls, violations), the violations of each failing rule as `FILE:LINE` bullets, one line
//! per incomplete rule (its gap count and first gap), rules in error, and the other rules (passed, skipped, waived) inside a collapsed `<details>` block.
//! Text taken from policies or facts is escaped: HTML-significant characters become entities,
//! Markdown emphasis and link characters get a backslash, and `|` is escaped in table cells.

use std::fmt::Write;

use crate::findings::{Report, RuleResult, Status};

/// Violations listed per rule; the rest are counted (a PR comment has a size limit).
const VIOLATIONS_SHOWN: usize = 50;

/// Renders the Markdown summary, ending with a newline.
pub fn render_markdown(report: &Report) -> String {
    let report = &super::terminal_safe(report);
    let s = &report.summary;
    let mut out = String::new();
    let failed = s.failed > 0 || s.errors > 0;
    let verdict = if failed {
        format!(
            "❌ annexa: FAILED — {} of {} rule{} failed{}{}",
            s.failed,
            s.rules,
            plural(s.rules),
            if s.incomplete > 0 {
                format!(", {} incomplete", s.incomplete)
            } else {
                String::new()
            },
            if s.errors > 0 {
                format!(", {} in error", s.errors)
            } else {
                String::new()
            }
        )
    } else if s.incomplete > 0 {
        format!(
            "⚠️ annexa: INCOMPLETE — {} of {} rule{} could not be judged (missing facts)",
            s.incomplete,
            s.rules,
            plural(s.rules)
        )
    } else {
        format!(
            "✅ annexa: PASSED — {} rule{} checked",
            s.rules,
            plural(s.rules)
        )
    };
    let _ = writeln!(out, "## {verdict}\n");
    out.push_str("| rules | passed | failed | skipped | waived | errors | violations |\n");
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |",
        s.rules, s.passed, s.failed, s.skipped, s.waived, s.errors, s.violations
    );
    if let Some(coverage) = &report.coverage {
        let _ = writeln!(out, "\n**Annex A coverage:** {}.", coverage.sentence());
    }

    let failing: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    if !failing.is_empty() {
        out.push_str("\n### Failing rules\n\n");
        out.push_str("| rule | severity | controls | violations |\n");
        out.push_str("|---|---|---|---:|\n");
        for r in &failing {
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} |",
                code(&r.rule),
                if r.rule.rsplit('.').next() == Some(r.title.as_str()) {
                    String::new()
                } else {
                    format!(" — {}", cell(&r.title))
                },
                r.severity.as_str(),
                cell(&r.controls.join(", ")),
                r.violations.len()
            );
        }
        out.push_str("\n### Violations\n");
        for r in &failing {
            let _ = writeln!(out, "\n**{}** ({})\n", code(&r.rule), r.severity.as_str());
            for v in r.violations.iter().take(VIOLATIONS_SHOWN) {
                let _ = writeln!(
                    out,
                    "- {} {}",
                    code(&format!("{}:{}", v.document, v.line)),
                    text(&super::violation_message(v))
                );
            }
            if r.violations.len() > VIOLATIONS_SHOWN {
                let _ = writeln!(
                    out,
                    "- … and {} more (see the SARIF or JSON report)",
                    r.violations.len() - VIOLATIONS_SHOWN
                );
            }
            if let Some(fix) = &r.source.remediation {
                let _ = writeln!(out, "\n> **Fix:** {}", text(fix));
            }
        }
    }

    let incomplete: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Incomplete)
        .collect();
    if !incomplete.is_empty() {
        out.push_str("\n### Incomplete rules (missing facts)\n\n");
        for r in &incomplete {
            let n = r.evidence_gaps.len();
            let first = r.evidence_gaps.first().map_or(String::new(), |g| {
                format!(
                    ": {} {}",
                    code(&format!("{}:{}", g.document, g.line)),
                    text(&super::gap_message(g))
                )
            });
            let _ = writeln!(
                out,
                "- {} ({}): {n} evidence gap{}{first}",
                code(&r.rule),
                r.severity.as_str(),
                plural(n)
            );
        }
    }

    let errors: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Error)
        .collect();
    if !errors.is_empty() {
        out.push_str("\n### Rules in error\n\n");
        for r in &errors {
            let _ = writeln!(
                out,
                "- {} ({}): {}",
                code(&r.rule),
                r.severity.as_str(),
                text(
                    r.error
                        .as_deref()
                        .unwrap_or("the rule could not be evaluated")
                )
            );
        }
    }

    let others: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Pass | Status::Skip | Status::Waived))
        .collect();
    if !others.is_empty() {
        let count = |st: Status| others.iter().filter(|r| r.status == st).count();
        let _ = writeln!(
            out,
            "\n<details>\n<summary>Passed, skipped and waived rules ({} passed, {} skipped, {} waived)</summary>\n",
            count(Status::Pass),
            count(Status::Skip),
            count(Status::Waived)
        );
        out.push_str("| rule | status | severity | controls | note |\n");
        out.push_str("|---|---|---|---|---|\n");
        for r in &others {
            let note = match r.status {
                Status::Skip => r.skip_reason.clone().unwrap_or_default(),
                Status::Waived => format!(
                    "{} violation{} waived",
                    r.violations.len(),
                    plural(r.violations.len())
                ),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code(&r.rule),
                r.status.as_str(),
                r.severity.as_str(),
                cell(&r.controls.join(", ")),
                cell(&note)
            );
        }
        out.push_str("\n</details>\n");
    }
    if let Some(config) = &report.config {
        let _ = writeln!(out, "\nConfiguration: `{}`", config.replace('`', "'"));
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Escapes text for Markdown prose: HTML entities, backslashes before Markdown punctuation,
/// line breaks folded into spaces.
pub(crate) fn text(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            // `_` inside a word is never emphasis (GFM); escape it only at a word's edge
            '_' => {
                let word = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                if !(word(i.checked_sub(1)) && word(Some(i + 1))) {
                    out.push('\\');
                }
                out.push('_');
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '[' | ']' | '#' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a table cell (`|` included, see [`text`]).
fn cell(raw: &str) -> String {
    text(raw)
}

/// A code span; `|` is escaped so it stays inside a table cell, and a backtick in the text
/// makes the fence longer.
fn code(raw: &str) -> String {
    let clean = raw.replace(['\n', '\r'], " ").replace('|', "\\|");
    if clean.contains('`') {
        format!("`` {clean} ``")
    } else {
        format!("`{clean}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(text("a|b <missing> *x*"), "a\\|b &lt;missing&gt; \\*x\\*");
        assert_eq!(text("snake_case _x_"), "snake_case \\_x\\_");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "`` a`b ``");
    }
}
