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
            Status::Incomplete => ("INCOMPLETE", "33;1"),
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
    render_human_with(report, colour, false)
}

/// True for a rule no document was in scope of: counted, not listed, unless `--verbose`.
fn out_of_scope(r: &RuleResult) -> bool {
    r.status == Status::Skip && r.skip_reason.as_deref() == Some(crate::findings::NOT_IN_SCOPE)
}

/// [`render_human`]; `verbose` also lists the rules no document was in scope of.
pub fn render_human_with(report: &Report, colour: bool, verbose: bool) -> String {
    let report = &super::terminal_safe(report);
    let paint = Paint { on: colour };
    let mut out = String::new();
    let mut hidden = 0;
    for result in &report.results {
        if !verbose && out_of_scope(result) {
            hidden += 1;
            continue;
        }
        rule_block(&mut out, result, &paint);
    }
    if !report.results.is_empty() {
        out.push('\n');
    }
    for skipped in &report.unreadable {
        let _ = writeln!(
            out,
            "{} {}  {}",
            paint.wrap("33;1", "UNREADABLE"),
            skipped.file,
            skipped.message
        );
    }
    if !report.unreadable.is_empty() {
        out.push('\n');
    }
    // before the verdict, so the verdict stays the line a CI log ends on
    if let Some(coverage) = &report.coverage {
        let _ = writeln!(out, "coverage: {}", coverage.sentence());
    }
    let s = &report.summary;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let verdict = if s.failed > 0 || s.errors > 0 {
        paint.wrap("31;1", "FAILED")
    } else if s.incomplete > 0 {
        paint.wrap("33;1", "INCOMPLETE")
    } else {
        paint.wrap("32;1", "OK")
    };
    // named only when there are some, so a run without gaps reads as it always did
    let incomplete = if s.incomplete > 0 {
        format!(", {} incomplete", s.incomplete)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{verdict}: {}: {} passed, {} failed{incomplete}, {} skipped, {} waived, {}; {}",
        plural(s.rules, "rule"),
        s.passed,
        s.failed,
        s.skipped,
        s.waived,
        plural(s.errors, "error"),
        plural(s.violations, "violation"),
    );
    if let Some(files) = &report.files {
        let packs: Vec<String> = files
            .by_pack
            .iter()
            .map(|(pack, n)| format!("{n} {pack}"))
            .collect();
        let packs = if packs.is_empty() {
            String::new()
        } else {
            format!(": {}", packs.join(", "))
        };
        let _ = writeln!(
            out,
            "{} of {} recognised{packs}; {} in no pack's scope",
            files.recognised,
            plural(files.total, "file"),
            files.total - files.recognised.min(files.total),
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "{} with no document in scope not listed (--verbose lists them)",
            plural(hidden, "rule"),
        );
    }
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
/// field are summed up on one line ("2 of 40 datasets lack `contains_pii`", the field read from
/// the element, dotted: `source.type`).
fn gap_lines(out: &mut String, gaps: &[EvidenceGap], paint: &Paint) {
    let indent = "       ";
    let label = paint.wrap("33", "gap");
    let mut groups: Vec<(GapKey<'_>, Vec<&EvidenceGap>)> = Vec::new();
    for g in gaps {
        // a fact outside the element (`datasets[.name == t.from]` without `t.from`) is the
        // same absent pointer for every element: grouped by that pointer instead
        let field = if g.lacks.is_empty() {
            g.path.as_str()
        } else {
            g.lacks.as_str()
        };
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
                // one absent fact outside the elements is one place, however many elements
                let mut seen = std::collections::HashSet::new();
                let mut places: Vec<String> = Vec::new();
                for g in many.iter() {
                    if seen.insert((g.line, g.column)) && places.len() < 3 {
                        places.push(at(g));
                    }
                }
                let more = if seen.len() > 3 {
                    format!(" and {} more", seen.len() - 3)
                } else {
                    String::new()
                };
                let what = if many.iter().all(|g| !g.lacks.is_empty()) {
                    format!("lack `{field}`")
                } else if field.is_empty() {
                    "could not be decided".to_string()
                } else {
                    format!("could not be decided: `{field}` is missing")
                };
                let _ = writeln!(
                    out,
                    "{indent}{label} {} of {of} {} {what}: {}{more}",
                    many.len(),
                    collection_noun(construct),
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

/// What a filter ranges over, for "2 of 4 datasets lack …": the last name before its first `[`
/// (`d.grants[.role == "admin"]` → `grants`), or `elements of `xs[…]`` when it has none.
fn collection_noun(construct: &str) -> String {
    let text = construct.trim_matches('`');
    let base = text.split('[').next().unwrap_or("");
    let name = base.rsplit('.').next().unwrap_or("");
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if plain {
        name.to_string()
    } else {
        format!("elements of {construct}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_named_by_their_collection() {
        assert_eq!(
            collection_noun("`datasets[.source.type == \"x\"]`"),
            "datasets"
        );
        assert_eq!(collection_noun("`d.grants[.admin]`"), "grants");
        assert_eq!(collection_noun("`f(x)[.a]`"), "elements of `f(x)[.a]`");
    }
}
