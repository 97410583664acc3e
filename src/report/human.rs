//! The human report: one line per rule like a test runner, details indented under it.

use std::fmt::Write;

use super::snippet::SourceCache;
use crate::findings::{EvidenceGap, Report, RuleResult, Status, Violation};

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

/// How the human report is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours, for terminals only.
    pub colour: bool,
    /// Also list the rules no fact document was in scope of.
    pub verbose: bool,
    /// Under each violation, the lines of the fact file with the offending value marked (read
    /// from the file the violation names; a file that cannot be read has none).
    pub snippets: bool,
}

/// Lines of the fact file shown before and after the marked one.
const SNIPPET_CONTEXT: u32 = 1;

/// Renders the human report (`colour` adds ANSI colours, for terminals only), with snippets.
pub fn render_human(report: &Report, colour: bool) -> String {
    render_human_with(report, colour, false)
}

/// [`render_human`]; `verbose` also lists the rules no document was in scope of.
pub fn render_human_with(report: &Report, colour: bool, verbose: bool) -> String {
    render_human_options(
        report,
        HumanOptions {
            colour,
            verbose,
            snippets: true,
        },
    )
}

/// True for a rule no document was in scope of: counted, not listed, unless `--verbose`.
fn out_of_scope(r: &RuleResult) -> bool {
    r.status == Status::Skip && r.skip_reason.as_deref() == Some(crate::findings::NOT_IN_SCOPE)
}

/// The human report: rules from most to least severe, then by id; under each failed rule its
/// violations (with their fact-file lines when `snippets`) and its remediation, once.
pub fn render_human_options(report: &Report, options: HumanOptions) -> String {
    let report = &super::terminal_safe(report);
    let paint = Paint { on: options.colour };
    let mut sources = options.snippets.then(SourceCache::new);
    let mut out = String::new();
    let mut hidden = 0;
    let mut ordered: Vec<&RuleResult> = report.results.iter().collect();
    // stable: rules of one severity keep the report's order, which is by rule id
    ordered.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    for result in ordered {
        if !options.verbose && out_of_scope(result) {
            hidden += 1;
            continue;
        }
        rule_block(&mut out, result, &paint, sources.as_mut());
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

fn rule_block(
    out: &mut String,
    r: &RuleResult,
    paint: &Paint,
    mut sources: Option<&mut SourceCache>,
) {
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
            super::violation_message(v)
        );
        if let Some(cache) = sources.as_deref_mut() {
            snippet(out, v, cache, paint);
        }
    }
    if r.status == Status::Fail
        && let Some(fix) = r
            .source
            .remediation
            .as_deref()
            .filter(|f| !f.trim().is_empty())
    {
        let _ = writeln!(out, "{indent}{} {fix}", paint.wrap("32", "help:"));
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

/// The lines of the fact file around a violation, miette-style: a gutter of line numbers and
/// `│`, and `^^^` under the value the violation is about (for a missing fact, under the
/// nearest value present, saying which pointer is missing).
fn snippet(out: &mut String, v: &Violation, cache: &mut SourceCache, paint: &Paint) {
    let Some(excerpt) = cache.excerpt(&v.document, v.line, v.column, SNIPPET_CONTEXT) else {
        return;
    };
    let last = excerpt
        .first_line
        .saturating_add(u32::try_from(excerpt.lines.len()).unwrap_or(u32::MAX))
        .saturating_sub(1);
    let width = last.to_string().len();
    let indent = "       ";
    let bar = paint.dim("│");
    let _ = writeln!(out, "{indent}{:width$} {bar}", "");
    for (n, text) in (excerpt.first_line..).zip(&excerpt.lines) {
        let number = paint.dim(&format!("{n:>width$}"));
        if text.is_empty() {
            let _ = writeln!(out, "{indent}{number} {bar}");
        } else {
            let _ = writeln!(out, "{indent}{number} {bar} {text}");
        }
        if n != excerpt.line {
            continue;
        }
        let column = usize::try_from(excerpt.column.saturating_sub(1)).unwrap_or(0);
        let field = match v.reason {
            crate::findings::Reason::Missing => None,
            crate::findings::Reason::Failed => last_segment(&v.path),
        };
        let (start, len) = marked(text, column, field.as_deref());
        let label = if v.reason == crate::findings::Reason::Missing && !v.path.is_empty() {
            format!(" {} is missing", v.path)
        } else {
            String::new()
        };
        let marks = paint.wrap("31;1", &format!("{}{label}", "^".repeat(len)));
        let _ = writeln!(out, "{indent}{:width$} {bar} {:start$}{marks}", "", "");
    }
}

/// Where the mark goes on a line whose finding starts at character `column`. A fact is placed
/// at its key (`mfa: false`): when the text there is the key `field` (the last segment of the
/// violation's pointer) and a value follows on the same line, the value is marked; otherwise
/// (a block below the key, an element of a list, a missing fact's nearest parent) the text at
/// the column is.
fn marked(line: &str, column: usize, field: Option<&str>) -> (usize, usize) {
    let rest: String = line.chars().skip(column).collect();
    let key = rest
        .split_once(':')
        .map(|(k, after)| (k.trim_matches(['"', '\'']), after.trim_start()));
    if let (Some((key, value)), Some(field)) = (key, field)
        && key == field
        && !value.is_empty()
        && !value.starts_with('#')
    {
        let start = column + rest.chars().count() - value.chars().count();
        return (start, token_width(line, start));
    }
    (column, token_width(line, column))
}

/// The last segment of a JSON Pointer, unescaped (`/a/b~1c` → `b/c`).
fn last_segment(pointer: &str) -> Option<String> {
    let (_, last) = pointer.rsplit_once('/')?;
    Some(last.replace("~1", "/").replace("~0", "~"))
}

/// How many characters the value starting at character `start` of `line` spans: a quoted
/// scalar to its closing quote, a flow collection (`[…]`, `{…}`) to its closing bracket when it
/// closes on the line, anything else up to a flow delimiter (`,` `]` `}`), a comment or the end
/// of the line. At least 1, so a mark is always drawn.
fn token_width(line: &str, start: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(start).collect();
    let width = match rest.first() {
        Some('"' | '\'') => closing_quote(&rest).unwrap_or(rest.len()),
        Some('[' | '{') => closing_bracket(&rest).unwrap_or(1),
        _ => {
            let mut end = rest.len();
            for (i, &c) in rest.iter().enumerate() {
                let comment =
                    c == '#' && i > 0 && rest.get(i - 1).is_some_and(|p| p.is_whitespace());
                if matches!(c, ',' | ']' | '}') || comment {
                    end = i;
                    break;
                }
            }
            let text: String = rest.iter().take(end).collect();
            text.trim_end().chars().count()
        }
    };
    width.max(1)
}

/// The length of the quoted scalar `rest` starts with, closing quote included (`\"` escapes
/// in double quotes; `''` in single quotes reads as an end and a new start, which marks the
/// same characters).
fn closing_quote(rest: &[char]) -> Option<usize> {
    let quote = *rest.first()?;
    let mut escaped = false;
    for (i, &c) in rest.iter().enumerate().skip(1) {
        if quote == '"' && c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        if c == quote && !escaped {
            return Some(i + 1);
        }
        escaped = false;
    }
    None
}

/// The length of the flow collection `rest` starts with, closing bracket included, skipping
/// brackets inside quoted scalars; `None` when it does not close on this line.
fn closing_bracket(rest: &[char]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&c) = rest.get(i) {
        match c {
            '"' | '\'' => i += closing_quote(rest.get(i..)?)?.saturating_sub(1),
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
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
                let _ = writeln!(
                    out,
                    "{indent}{label} {}  {}",
                    at(one),
                    super::gap_message(one)
                );
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
    fn the_value_after_a_key_is_marked() {
        assert_eq!(marked("  mfa: false", 2, Some("mfa")), (7, 5));
        assert_eq!(marked("  mfa: false", 2, None), (2, 10));
        assert_eq!(
            marked("  - {principal: d, mfa: false}", 19, Some("mfa")),
            (24, 5)
        );
        assert_eq!(marked("  at_rest:", 2, Some("at_rest")), (2, 8));
        assert_eq!(marked("  at_rest: # none", 2, Some("at_rest")), (2, 8));
        assert_eq!(marked(r#"  "a b": "x y","#, 2, Some("a b")), (9, 5));
        // the element of a list is marked where it starts, not at its first field's value
        assert_eq!(marked("  - name: x", 4, Some("3")), (4, 7));
        assert_eq!(
            last_segment("/datasets/3/a~1b~0c").as_deref(),
            Some("a/b~c")
        );
        assert_eq!(last_segment(""), None);
    }

    #[test]
    fn marks_span_the_value() {
        assert_eq!(token_width("  mfa: false", 7), 5);
        assert_eq!(token_width(r#"  name: "a, b" # x"#, 8), 6);
        assert_eq!(token_width(r#"{"a": "x\"y", "b": 1}"#, 6), 6);
        assert_eq!(token_width("  - {role: admin, mfa: false}", 11), 5);
        assert_eq!(token_width("  region: us-east-1   # moved", 10), 9);
        assert_eq!(token_width("short", 40), 1);
        assert_eq!(token_width("    feeds: []", 11), 2);
        assert_eq!(token_width(r#"  x: [a, "]", {b: 1}] # c"#, 5), 16);
        assert_eq!(token_width("  x: [a,", 5), 1);
    }

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
