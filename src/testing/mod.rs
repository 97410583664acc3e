//! Running the `test` blocks of policies (`annexa test`).
//!
//! Each test evaluates the whole program on its own facts and params, then checks its `expect`
//! lines against the report. [`check_tests`] finds the problems that can be seen without running
//! (unknown rules, statuses and params, non-constant facts); [`run_tests`] runs.

mod constant;
mod coverage;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use constant::{Constant, NotConstant, constant_json};
pub use coverage::{Coverage, RequireCoverage, RuleCoverage};

use crate::ast::{ExpectTarget, Item, Module, TestFacts, TestItem};
use crate::compile::{Program, qualify};
use crate::controls::{Lookup, catalog};
use crate::diagnostics::{Diagnostic, nearest};
use crate::eval::{EvalOptions, ReachedRequires, evaluate, evaluate_with_coverage, resolve_param};
use crate::facts::{Document, LoadOptions, load_path};
use crate::findings::{Report, RuleResult, Status, Violation};
use crate::source::SourceFile;

/// How to run tests.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Run only the tests whose name contains this text.
    pub filter: Option<String>,
    /// The evaluation clock, seconds since the Unix epoch.
    pub now: i64,
}

/// The result of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// The test's name.
    pub name: String,
    /// The policy file it is written in.
    pub file: String,
    /// 1-based line of the `test` keyword.
    pub line: u32,
    /// True when every expectation held.
    pub passed: bool,
    /// One text per expectation that did not hold (may span several lines: the violations).
    pub failures: Vec<String>,
}

/// Every `test` block of the user's policies, in file order.
pub fn tests(program: &Program) -> impl Iterator<Item = (&Module, &TestItem)> {
    program.modules.iter().flat_map(|m| {
        m.items.iter().filter_map(move |item| match item {
            Item::Test(t) => Some((m, t)),
            _ => None,
        })
    })
}

/// The problems of test blocks found without running them: unknown rules, statuses, params and
/// controls, non-constant facts or params, missing facts files. Errors and warnings.
pub fn check_tests(program: &Program) -> Vec<Diagnostic> {
    tests(program)
        .flat_map(|(module, test)| plan(program, module, test).1)
        .collect()
}

/// Runs every test block (those whose name contains `options.filter`), in file order.
pub fn run_tests(program: &Program, options: &TestOptions) -> Vec<TestOutcome> {
    selected(program, options)
        .map(|(module, test)| run_one(program, module, test, options, None))
        .collect()
}

/// [`run_tests`], also recording which `require`s the tests' evaluations reached.
pub fn run_tests_with_coverage(
    program: &Program,
    options: &TestOptions,
) -> (Vec<TestOutcome>, Coverage) {
    let mut reached = ReachedRequires::new();
    let outcomes = selected(program, options)
        .map(|(module, test)| run_one(program, module, test, options, Some(&mut reached)))
        .collect();
    (outcomes, Coverage::new(program, &reached))
}

fn selected<'p>(
    program: &'p Program,
    options: &TestOptions,
) -> impl Iterator<Item = (&'p Module, &'p TestItem)> {
    let filter = options.filter.clone();
    tests(program).filter(move |(_, t)| {
        filter
            .as_ref()
            .is_none_or(|f| t.name.value.contains(f.as_str()))
    })
}

/// What a test needs, resolved.
struct Plan {
    facts: FactsPlan,
    params: Vec<(String, Value)>,
    expects: Vec<Check>,
}

enum FactsPlan {
    None,
    Inline(Constant),
    File { path: PathBuf, name: String },
}

struct Check {
    /// The `expect` line as written, for messages.
    text: String,
    /// 1-based line of the `expect`.
    line: u32,
    what: CheckKind,
}

enum CheckKind {
    All,
    Rule {
        id: String,
        status: Status,
        count: Option<u64>,
    },
    Control {
        ids: Vec<String>,
        status: Status,
    },
}

fn parse_status(word: &str) -> Option<Status> {
    Some(match word {
        "pass" => Status::Pass,
        "fail" => Status::Fail,
        "incomplete" => Status::Incomplete,
        "skip" => Status::Skip,
        "error" => Status::Error,
        "waived" => Status::Waived,
        _ => return None,
    })
}

/// A path with `/` separators, for messages.
fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Resolves a test; the diagnostics say what could not be.
fn plan(program: &Program, module: &Module, test: &TestItem) -> (Plan, Vec<Diagnostic>) {
    let file = &module.source;
    let namespace = module.namespace();
    let mut diags = Vec::new();
    let not_constant = |what: &str, e: NotConstant| {
        Diagnostic::error(
            "annexa::test_facts",
            format!("test {what} must be constant"),
            file,
        )
        .with_label(e.span, e.reason)
        .with_help(
            "write literals only: null, true, false, numbers, strings, dates, lists and objects",
        )
    };

    let facts = match &test.facts {
        None => FactsPlan::None,
        Some(TestFacts::Inline(expr)) => match constant_json(expr) {
            Ok(c) => FactsPlan::Inline(c),
            Err(e) => {
                diags.push(not_constant("facts", e));
                FactsPlan::None
            }
        },
        Some(TestFacts::File(rel)) => {
            let base = Path::new(file.name()).parent().unwrap_or(Path::new(""));
            let path = base.join(&rel.value);
            let name = display(&path);
            if !path.is_file() {
                diags.push(
                    Diagnostic::error(
                        "annexa::test_facts",
                        format!("the facts file `{name}` does not exist"),
                        file,
                    )
                    .with_label(rel.span, "no such file")
                    .with_help("the path is relative to the folder of the policy file"),
                );
            }
            FactsPlan::File { path, name }
        }
    };

    let mut params = Vec::new();
    for (name, value) in &test.params {
        let written = name.text();
        let qualified = qualify(&namespace, &written);
        let resolved = resolve_param(program, &qualified)
            .ok()
            .filter(|&i| {
                program
                    .params
                    .get(i)
                    .is_some_and(|p| p.qualified == qualified)
            })
            .map_or_else(|| resolve_param(program, &written), Ok);
        let id = match resolved {
            Ok(id) => id,
            Err(e) => {
                diags.push(
                    Diagnostic::error("annexa::unknown_param", e.message, file)
                        .with_label(name.span, "not a declared param")
                        .with_help(e.help),
                );
                continue;
            }
        };
        match constant_json(value) {
            Ok(c) => {
                let qualified = program
                    .params
                    .get(id)
                    .map_or(written, |p| p.qualified.clone());
                params.push((qualified, c.value));
            }
            Err(e) => diags.push(not_constant("params", e)),
        }
    }

    let mut expects = Vec::new();
    for expect in &test.expects {
        let text = file
            .text()
            .get(expect.span.start..expect.span.end)
            .unwrap_or("expect")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let line = file.line_col(expect.span.start).0;
        let Some(status) = parse_status(&expect.status.name) else {
            let words = ["pass", "fail", "incomplete", "skip", "error", "waived"];
            let mut d = Diagnostic::error(
                "annexa::unknown_status",
                format!("`{}` is not a status", expect.status.name),
                file,
            )
            .with_label(expect.status.span, "not a status");
            d = match nearest(&expect.status.name, words) {
                Some(w) => d.with_help(format!(
                    "did you mean `{w}`? a status is pass, fail, incomplete, skip, error or waived"
                )),
                None => d.with_help("a status is pass, fail, incomplete, skip, error or waived"),
            };
            diags.push(d);
            continue;
        };
        let what = match &expect.target {
            ExpectTarget::All => CheckKind::All,
            ExpectTarget::Rule(name) => {
                let written = name.text();
                let id = if name.parts.len() == 1 {
                    qualify(&namespace, &written)
                } else {
                    written.clone()
                };
                if program.rules.iter().any(|r| r.id == id) {
                    CheckKind::Rule {
                        id,
                        status,
                        count: expect.count,
                    }
                } else {
                    let ids: Vec<&str> = program.rules.iter().map(|r| r.id.as_str()).collect();
                    let close = nearest(&qualify(&namespace, &written), ids.iter().copied())
                        .or_else(|| nearest(&written, ids.iter().copied()));
                    let mut d = Diagnostic::error(
                        "annexa::unknown_rule",
                        format!("`expect` names `{written}`, which is not a rule"),
                        file,
                    )
                    .with_label(name.span, "no rule by this name");
                    d = match close {
                        Some(n) => {
                            let short = n
                                .strip_prefix(&format!("{namespace}."))
                                .filter(|_| !namespace.is_empty());
                            d.with_help(format!("did you mean `{}`?", short.unwrap_or(n)))
                        }
                        None => d.with_help("`expect` takes a rule name, `name` or `ns.name`"),
                    };
                    diags.push(d);
                    continue;
                }
            }
            ExpectTarget::Control(control) => {
                match catalog().lookup(&control.id) {
                    Lookup::Current(c) => CheckKind::Control {
                        ids: vec![c.id.clone()],
                        status,
                    },
                    Lookup::Legacy(legacy) => {
                        let targets = legacy.targets.join(", ");
                        diags.push(
                        Diagnostic::warning(
                            "annexa::legacy_control",
                            format!("`{}` is an ISO/IEC 27001:2013 id; it maps to {targets} in 2022", control.id),
                            file,
                        )
                        .with_label(control.span, format!("2013: {}", legacy.title_2013))
                        .with_help(format!("write `{targets}` instead")),
                    );
                        CheckKind::Control {
                            ids: legacy.targets.clone(),
                            status,
                        }
                    }
                    Lookup::Unknown { suggestions } => {
                        let list: Vec<String> =
                            suggestions.iter().map(|s| format!("`{s}`")).collect();
                        let d = Diagnostic::error(
                            "annexa::unknown_control",
                            format!(
                                "`{}` is not an ISO/IEC 27001:2022 Annex A control",
                                control.id
                            ),
                            file,
                        )
                        .with_label(control.span, "no such control");
                        diags.push(if list.is_empty() {
                            d.with_help("Annex A 2022 ids run from A.5.1 to A.8.34")
                        } else {
                            d.with_help(format!("did you mean {}?", list.join(" or ")))
                        });
                        continue;
                    }
                }
            }
        };
        expects.push(Check { text, line, what });
    }
    (
        Plan {
            facts,
            params,
            expects,
        },
        diags,
    )
}

fn run_one(
    program: &Program,
    module: &Module,
    test: &TestItem,
    options: &TestOptions,
    reached: Option<&mut ReachedRequires>,
) -> TestOutcome {
    let file = &module.source;
    let mut outcome = TestOutcome {
        name: test.name.value.clone(),
        file: file.name().to_string(),
        line: file.line_col(test.span.start).0,
        passed: false,
        failures: Vec::new(),
    };
    let (plan, diags) = plan(program, module, test);
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.location(), d.message()))
        .collect();
    if !errors.is_empty() {
        outcome.failures = errors;
        return outcome;
    }
    let documents = match &plan.facts {
        FactsPlan::None => vec![Document::from_json(
            file.name(),
            &Value::Object(Default::default()),
        )],
        FactsPlan::Inline(c) => vec![Document::from_json(file.name(), &c.value)],
        FactsPlan::File { path, name } => match load_path(path, name, &LoadOptions::default()) {
            Ok(loaded) if loaded.documents.is_empty() => {
                vec![Document::from_json(
                    name,
                    &Value::Object(Default::default()),
                )]
            }
            Ok(loaded) => loaded.documents,
            Err(e) => {
                outcome
                    .failures
                    .push(format!("cannot load the facts file: {e}"));
                return outcome;
            }
        },
    };
    let eval_options = EvalOptions {
        now: options.now,
        params: plan.params.clone(),
        ..EvalOptions::default()
    };
    let evaluated = match reached {
        Some(sink) => evaluate_with_coverage(program, &documents, &eval_options, sink),
        None => evaluate(program, &documents, &eval_options),
    };
    let report = match evaluated {
        Ok(r) => r,
        Err(e) => {
            outcome
                .failures
                .push(format!("params: {} ({})", e.message(), e.help()));
            return outcome;
        }
    };
    let locate = Locator {
        file,
        facts: &plan.facts,
    };
    for check in &plan.expects {
        if let Some(failure) = verify(check, &report, &locate) {
            outcome.failures.push(failure);
        }
    }
    outcome.passed = outcome.failures.is_empty();
    outcome
}

/// Where a violation's fact is: in the fact file, or (inline facts) in the policy.
struct Locator<'a> {
    file: &'a SourceFile,
    facts: &'a FactsPlan,
}

impl Locator<'_> {
    fn violation(&self, v: &Violation) -> String {
        let at = match self.facts {
            FactsPlan::Inline(c) => match c.span_of(&v.path) {
                Some(span) => {
                    let (line, col) = self.file.line_col(span.start);
                    format!("{}:{line}:{col}", self.file.name())
                }
                None => self.file.name().to_string(),
            },
            FactsPlan::File { .. } if v.document_index > 0 => {
                format!(
                    "{}[{}]:{}:{}",
                    v.document, v.document_index, v.line, v.column
                )
            }
            FactsPlan::File { .. } => format!("{}:{}:{}", v.document, v.line, v.column),
            FactsPlan::None => v.document.clone(),
        };
        let path = if v.path.is_empty() {
            "/"
        } else {
            v.path.as_str()
        };
        format!("    - {} ({at}, {path})", v.message)
    }

    /// `fail, 2 violations:` and the violation lines (or the error / skip reason).
    fn actual(&self, r: &RuleResult) -> String {
        let mut out = r.status.as_str().to_string();
        match r.status {
            Status::Error => {
                if let Some(e) = &r.error {
                    out.push_str(&format!(" ({e})"));
                }
            }
            Status::Skip => {
                if let Some(reason) = &r.skip_reason {
                    out.push_str(&format!(" ({reason})"));
                }
            }
            _ => {}
        }
        let n = r.violations.len();
        if n > 0 || r.status == Status::Fail {
            out.push_str(&format!(
                " with {n} violation{}",
                if n == 1 { "" } else { "s" }
            ));
        }
        for v in &r.violations {
            out.push('\n');
            out.push_str(&self.violation(v));
        }
        if r.status == Status::Incomplete {
            let n = r.evidence_gaps.len();
            out.push_str(&format!(
                " with {n} evidence gap{}",
                if n == 1 { "" } else { "s" }
            ));
            for g in &r.evidence_gaps {
                let path = if g.path.is_empty() {
                    "/"
                } else {
                    g.path.as_str()
                };
                out.push_str(&format!(
                    "\n    - gap: {} ({}:{}:{}, {path})",
                    g.message, g.document, g.line, g.column
                ));
            }
        }
        out
    }
}

/// `None` when the expectation holds, else what went wrong.
fn verify(check: &Check, report: &Report, locate: &Locator<'_>) -> Option<String> {
    let head = format!("{} (line {})", check.text, check.line);
    match &check.what {
        CheckKind::All => {
            let offenders: Vec<&RuleResult> = report
                .results
                .iter()
                .filter(|r| matches!(r.status, Status::Fail | Status::Incomplete | Status::Error))
                .collect();
            if offenders.is_empty() {
                return None;
            }
            let n = offenders.len();
            let mut out = format!(
                "{head}: {n} rule{} did not pass",
                if n == 1 { "" } else { "s" }
            );
            for r in offenders {
                out.push_str(&format!("\n  {}: {}", r.rule, locate.actual(r)));
            }
            Some(out)
        }
        CheckKind::Rule { id, status, count } => {
            let Some(r) = report.results.iter().find(|r| &r.rule == id) else {
                return Some(format!("{head}: the rule `{id}` did not run"));
            };
            let status_ok = r.status == *status;
            let count_ok =
                count.is_none_or(|n| u64::try_from(r.violations.len()).is_ok_and(|k| k == n));
            if status_ok && count_ok {
                return None;
            }
            let expected = match count {
                Some(n) => format!(
                    "{} with {n} violation{}",
                    status.as_str(),
                    if *n == 1 { "" } else { "s" }
                ),
                None => status.as_str().to_string(),
            };
            Some(format!(
                "{head}\n  expected: {expected}\n  actual:   {}",
                locate.actual(r)
            ))
        }
        CheckKind::Control { ids, status } => {
            let mut problems = Vec::new();
            for id in ids {
                match report.controls.iter().find(|c| &c.id == id) {
                    None => problems.push(format!("  no loaded rule maps to the control {id}")),
                    Some(c) if c.status != *status => {
                        let mut line = format!(
                            "  control {id}: expected {}, actual {}",
                            status.as_str(),
                            c.status.as_str()
                        );
                        for rule in &c.rules {
                            if let Some(r) = report.results.iter().find(|r| &r.rule == rule) {
                                line.push_str(&format!(
                                    "\n    {rule}: {}",
                                    locate.actual(r).replace('\n', "\n  ")
                                ));
                            }
                        }
                        problems.push(line);
                    }
                    Some(_) => {}
                }
            }
            (!problems.is_empty()).then(|| format!("{head}\n{}", problems.join("\n")))
        }
    }
}
