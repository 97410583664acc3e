//! The human report: one line per rule like a test runner, details indented under it.

use std::fmt::Write;

use crate::findings::{EvidenceGap, Report, RuleResult, Status};

/// Evidence gaps shown per rule before the rest are counted.
const GAPS_SHOWN: usize = 10;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    fn status(&self, status: Status) -> String {
        let (word, code) = match status {
            Status::Pass => ("PASS  ", "32"),
            Status::Fail => ("FAIL  ", "31;1"),
            Status::Skip => ("SKIP  ", "33"),
            Status::Waived => ("WAIVED", "36"),
            Status::Error => ("ERROR ", "35;1"),
        };
        self.wrap(code, word)
    }

    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }
}

/// Renders the human report (`colour` adds ANSI colours, for terminals only).
pub fn render_human(report: &Report, colour: bool) -> String {
    let report = &super::terminal_safe(report);
    let paint = Paint { on: colour };
    let mut out = String::new();
    for result in &report.results {
        rule_block(&mut out, result, &paint);
    }
    if !report.results.is_empty() {
        out.push('\n');
    }
    let s = &report.summary;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let verdict = if s.failed > 0 || s.errors > 0 {
        paint.wrap("31;1", "FAILED")
    } else {
        paint.wrap("32;1", "OK")
    };
    let _ = writeln!(
        out,
        "{verdict}: {}: {} passed, {} failed, {} skipped, {} waived, {}; {}",
        plural(s.rules, "rule"),
        s.passed,
        s.failed,
        s.skipped,
        s.waived,
        plural(s.errors, "error"),
        plural(s.violations, "violation"),
    );
    if let Some(config) = &report.config {
        let _ = writeln!(out, "{}", paint.dim(&format!("config: {config}")));
    }
    out
}

fn rule_block(out: &mut String, r: &RuleResult, paint: &Paint) {
    let _ = writeln!(
        out,
        "{} {}  {}  {}",
        paint.status(r.status),
        r.rule,
        paint.dim(r.severity.as_str()),
        paint.dim(&r.controls.join(", "))
    );
    let indent = "       ";
    for v in &r.violations {
        let _ = writeln!(
            out,
            "{indent}{}  {}",
            paint.wrap("36", &format!("{}:{}:{}", v.document, v.line, v.column)),
            v.message
        );
    }
    if !r.waived.is_empty() {
        let why = r.waiver.as_ref().map_or(String::new(), |w| {
            let until = w
                .expires
                .as_ref()
                .map_or(String::new(), |e| format!(", until {e}"));
            format!(": {} ({}{until})", w.reason, w.source)
        });
        let n = r.waived.len();
        let plural = if n == 1 { "" } else { "s" };
        let _ = writeln!(
            out,
            "{indent}{}",
            paint.dim(&format!("{n} violation{plural} waived{why}"))
        );
    }
    if let Some(error) = &r.error {
        let _ = writeln!(out, "{indent}error: {error}");
    }
    if let Some(reason) = &r.skip_reason {
        let _ = writeln!(out, "{indent}{}", paint.dim(reason));
    }
    gap_lines(out, &r.evidence_gaps, paint);
}

/// Gaps that sum up together: (construct, missing field, document), in order of appearance.
type GapKey<'g> = (&'g str, &'g str, &'g str);

/// Evidence gaps, one line each, except that the gaps one filter recorded for the same missing
/// field are summed up on one line ("2 of 40 elements of `datasets[…]` lack `contains_pii`").
fn gap_lines(out: &mut String, gaps: &[EvidenceGap], paint: &Paint) {
    let indent = "       ";
    let label = paint.wrap("33", "gap");
    let mut groups: Vec<(GapKey<'_>, Vec<&EvidenceGap>)> = Vec::new();
    for g in gaps {
        let field = g.path.rsplit('/').next().unwrap_or("");
        let key = (g.construct.as_str(), field, g.document.as_str());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) if g.of.is_some() => members.push(g),
            _ => groups.push((key, vec![g])),
        }
    }
    for ((construct, field, _), members) in groups.iter().take(GAPS_SHOWN) {
        let at =
            |g: &EvidenceGap| paint.wrap("36", &format!("{}:{}:{}", g.document, g.line, g.column));
        match (members.as_slice(), members.first().and_then(|g| g.of)) {
            ([one], _) | ([one, ..], None) => {
                let _ = writeln!(out, "{indent}{label} {}  {}", at(one), one.message);
            }
            (many, Some(of)) => {
                let places: Vec<String> = many.iter().take(3).map(|g| at(g)).collect();
                let more = if many.len() > 3 {
                    format!(" and {} more", many.len() - 3)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "{indent}{label} {} of {of} elements of {construct} lack `{field}`: {}{more}",
                    many.len(),
                    places.join(", "),
                );
            }
            ([], _) => {}
        }
    }
    if groups.len() > GAPS_SHOWN {
        let _ = writeln!(
            out,
            "{indent}{label} … and {} more evidence gaps (see --format json)",
            groups
                .iter()
                .skip(GAPS_SHOWN)
                .map(|(_, m)| m.len())
                .sum::<usize>()
        );
    }
}
