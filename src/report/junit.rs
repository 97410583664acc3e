//! The JUnit XML report, for CI systems that show test results (GitLab, Jenkins, Azure, …).
//!
//! One `testsuite` per policy namespace (the rule id without its last segment; rules without a
//! namespace go to the suite `annexa`), suites sorted by name; one `testcase` per rule with
//! `name` = rule id and `classname` = namespace. A failed rule has one `<failure>` whose text
//! lists each violation as `FILE:LINE:COL MESSAGE`; a skipped rule has `<skipped message=REASON>`;
//! a rule in error has `<error>`; a waived rule passes with a `<system-out>` note. An incomplete
//! rule fails (`<failure type="incomplete">`, its evidence gaps listed like violations): a rule
//! that could not be judged is not a passing test.

use std::collections::BTreeMap;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::findings::{Report, RuleResult, Status};

/// The suite of rules that have no namespace.
pub const ROOT_SUITE: &str = "annexa";

/// The namespace of a rule id: everything before its last `.` (or [`ROOT_SUITE`]).
pub fn namespace(rule: &str) -> &str {
    match rule.rsplit_once('.') {
        Some((ns, _)) if !ns.is_empty() => ns,
        _ => ROOT_SUITE,
    }
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn of<'a>(results: impl IntoIterator<Item = &'a RuleResult>) -> Counts {
        let mut c = Counts::default();
        for r in results {
            c.tests += 1;
            match r.status {
                Status::Fail | Status::Incomplete => c.failures += 1,
                Status::Error => c.errors += 1,
                Status::Skip => c.skipped += 1,
                Status::Pass | Status::Waived => {}
            }
        }
        c
    }

    fn attributes(&self) -> [(&'static str, String); 4] {
        [
            ("tests", self.tests.to_string()),
            ("failures", self.failures.to_string()),
            ("errors", self.errors.to_string()),
            ("skipped", self.skipped.to_string()),
        ]
    }
}

/// Renders the JUnit XML report, ending with a newline.
pub fn render_junit(report: &Report) -> String {
    match write(report) {
        Ok(bytes) => {
            let mut out = String::from_utf8_lossy(&bytes).into_owned();
            out.push('\n');
            out
        }
        Err(e) => format!(
            "<!-- annexa could not write the JUnit report: {} -->\n",
            clean(&e.to_string())
        ),
    }
}

fn write(report: &Report) -> io::Result<Vec<u8>> {
    let mut suites: BTreeMap<&str, Vec<&RuleResult>> = BTreeMap::new();
    for r in &report.results {
        suites.entry(namespace(&r.rule)).or_default().push(r);
    }
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    if let Some(coverage) = &report.coverage {
        // a comment: the JUnit schemas have no place for it above a suite, and CI tools
        // ignore comments rather than reject an unknown element
        let text = format!(" annexa coverage: {} ", coverage.sentence());
        w.write_event(Event::Comment(BytesText::from_escaped(
            text.replace("--", "- -"),
        )))?;
    }
    let total = Counts::of(&report.results);
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "annexa"));
    for (k, v) in total.attributes() {
        root.push_attribute((k, v.as_str()));
    }
    root.push_attribute(("time", "0"));
    w.write_event(Event::Start(root))?;
    for (name, rules) in &suites {
        let counts = Counts::of(rules.iter().copied());
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", *name));
        for (k, v) in counts.attributes() {
            suite.push_attribute((k, v.as_str()));
        }
        suite.push_attribute(("time", "0"));
        w.write_event(Event::Start(suite))?;
        for r in rules {
            testcase(&mut w, name, r)?;
        }
        w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    Ok(w.into_inner())
}

fn testcase(w: &mut Writer<Vec<u8>>, namespace: &str, r: &RuleResult) -> io::Result<()> {
    let mut case = BytesStart::new("testcase");
    case.push_attribute(("name", r.rule.as_str()));
    case.push_attribute(("classname", namespace));
    case.push_attribute(("time", "0"));
    let controls = if r.controls.is_empty() {
        String::new()
    } else {
        format!(" ({})", r.controls.join(", "))
    };
    match r.status {
        Status::Pass => {
            w.write_event(Event::Empty(case))?;
            return Ok(());
        }
        Status::Fail => {
            w.write_event(Event::Start(case))?;
            let n = r.violations.len();
            let message = format!(
                "{}: {} violation{}{controls}: {}",
                r.severity.as_str(),
                n,
                if n == 1 { "" } else { "s" },
                r.title
            );
            let mut failure = BytesStart::new("failure");
            failure.push_attribute(("message", clean_attr(&message).as_str()));
            failure.push_attribute(("type", r.severity.as_str()));
            w.write_event(Event::Start(failure))?;
            let body: Vec<String> = r
                .violations
                .iter()
                .map(|v| format!("{}:{}:{} {}", v.document, v.line, v.column, v.message))
                .collect();
            w.write_event(Event::Text(BytesText::new(&clean(&body.join("\n")))))?;
            w.write_event(Event::End(BytesEnd::new("failure")))?;
        }
        Status::Incomplete => {
            w.write_event(Event::Start(case))?;
            let n = r.evidence_gaps.len();
            let message = format!(
                "{}: incomplete, {} evidence gap{}{controls}: {}",
                r.severity.as_str(),
                n,
                if n == 1 { "" } else { "s" },
                r.title
            );
            let mut failure = BytesStart::new("failure");
            failure.push_attribute(("message", clean_attr(&message).as_str()));
            failure.push_attribute(("type", "incomplete"));
            w.write_event(Event::Start(failure))?;
            let body: Vec<String> = r
                .evidence_gaps
                .iter()
                .map(|g| format!("{}:{}:{} {}", g.document, g.line, g.column, g.message))
                .collect();
            w.write_event(Event::Text(BytesText::new(&clean(&body.join("\n")))))?;
            w.write_event(Event::End(BytesEnd::new("failure")))?;
        }
        Status::Skip => {
            w.write_event(Event::Start(case))?;
            let reason = r.skip_reason.as_deref().unwrap_or("skipped");
            let mut skipped = BytesStart::new("skipped");
            skipped.push_attribute(("message", clean_attr(reason).as_str()));
            w.write_event(Event::Empty(skipped))?;
        }
        Status::Error => {
            w.write_event(Event::Start(case))?;
            let message = r
                .error
                .as_deref()
                .unwrap_or("the rule could not be evaluated");
            let mut error = BytesStart::new("error");
            error.push_attribute(("message", clean_attr(message).as_str()));
            error.push_attribute(("type", "error"));
            w.write_event(Event::Start(error))?;
            w.write_event(Event::Text(BytesText::new(&clean(message))))?;
            w.write_event(Event::End(BytesEnd::new("error")))?;
        }
        Status::Waived => {
            w.write_event(Event::Start(case))?;
            let n = r.violations.len();
            let note = format!(
                "waived: {} violation{}{controls}",
                n,
                if n == 1 { "" } else { "s" }
            );
            w.write_event(Event::Start(BytesStart::new("system-out")))?;
            w.write_event(Event::Text(BytesText::new(&clean(&note))))?;
            w.write_event(Event::End(BytesEnd::new("system-out")))?;
        }
    }
    w.write_event(Event::End(BytesEnd::new("testcase")))?;
    Ok(())
}

/// Characters XML 1.0 cannot carry (most C0 controls) become U+FFFD.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Attribute values on one line (parsers would fold line breaks into spaces anyway).
fn clean_attr(text: &str) -> String {
    clean(text).replace(['\n', '\r', '\t'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        assert_eq!(namespace("ml.data.rule"), "ml.data");
        assert_eq!(namespace("rule"), ROOT_SUITE);
        assert_eq!(namespace(".rule"), ROOT_SUITE);
    }

    #[test]
    fn control_characters_are_replaced() {
        assert_eq!(clean("a\u{1}b\nc"), "a\u{FFFD}b\nc");
        assert_eq!(clean_attr("a\nb"), "a b");
    }
}
