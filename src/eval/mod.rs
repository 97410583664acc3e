//! Evaluation: a compiled [`Program`] over fact documents → a [`Report`].
//!
//! Each document is evaluated on its own (lets computed once per document, rules in graph
//! order so `when` sees its dependencies' status); results are then merged per rule.

mod ahead;
mod budget;
mod builtins;
mod calls;
mod embedded;
mod expr;
mod gap;
mod host;
mod join;
mod ops;
mod rule;
mod run;
mod scope;
mod time;
pub mod trace;
mod value;

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use crate::compile::{Program, Rule};
use crate::facts::Document;
use crate::findings::{Report, RuleResult, RuleSource, Status};

pub use budget::Stop;
pub use rule::compare_pointers;
pub use scope::NOT_IN_SCOPE;
pub use time::parse as parse_time;
pub use trace::{ReachedRequires, RuleLookupError, RuleTrace, TraceEvent, resolve_rule};

use expr::Ctx;
use rule::{DocOutcome, render_template, run_rule};

/// How to evaluate. Every limit is per call: two evaluations running at once on other threads
/// each have their own.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The evaluation clock, seconds since the Unix epoch (`--now`).
    pub now: i64,
    /// Param overrides: `(name as given, JSON value)`.
    pub params: Vec<(String, serde_json::Value)>,
    /// Most evaluation steps one rule may take on one document before it ends in error.
    pub step_limit: u64,
    /// Most bytes of lists, objects and strings one rule may compute on one document before
    /// it ends in error.
    pub memory_limit: u64,
    /// Most characters of a rendered message; longer ones are cut and end with `…`.
    pub message_limit: usize,
    /// When the whole evaluation must be over: past it, [`evaluate`] returns
    /// [`EvalError::Deadline`] and no report.
    pub deadline: Option<Instant>,
    /// Set from any thread to stop the evaluation: [`evaluate`] then returns
    /// [`EvalError::Cancelled`] and no report.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Most threads evaluating documents at once (0 or 1: the calling thread only). The report
    /// is the same bytes for any value.
    pub jobs: usize,
}

impl Default for EvalOptions {
    fn default() -> EvalOptions {
        EvalOptions {
            now: time::now(),
            params: Vec::new(),
            step_limit: 50_000_000,
            memory_limit: 256 * 1024 * 1024,
            message_limit: 4_096,
            deadline: None,
            cancel: None,
            jobs: 1,
        }
    }
}

/// A `--param` that names no declared param, or names one ambiguously.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// What is wrong, in a sentence.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Why [`evaluate`] gave no report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A `--param` names no declared param, or several.
    Param(ParamError),
    /// [`EvalOptions::deadline`] passed before the evaluation was done.
    Deadline,
    /// [`EvalOptions::cancel`] was set before the evaluation was done.
    Cancelled,
}

impl EvalError {
    /// What is wrong, in a sentence.
    pub fn message(&self) -> String {
        match self {
            EvalError::Param(p) => p.message.clone(),
            EvalError::Deadline => Stop::Deadline.message().to_string(),
            EvalError::Cancelled => Stop::Cancelled.message().to_string(),
        }
    }

    /// How to fix it.
    pub fn help(&self) -> String {
        match self {
            EvalError::Param(p) => p.help.clone(),
            EvalError::Deadline => {
                "the evaluation stopped before it had read all the evidence, so no report is given; allow more time or evaluate fewer documents".to_string()
            }
            EvalError::Cancelled => "the caller cancelled it; nothing was reported".to_string(),
        }
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for EvalError {}

impl From<ParamError> for EvalError {
    fn from(e: ParamError) -> EvalError {
        EvalError::Param(e)
    }
}

impl From<Stop> for EvalError {
    fn from(s: Stop) -> EvalError {
        match s {
            Stop::Deadline => EvalError::Deadline,
            Stop::Cancelled => EvalError::Cancelled,
        }
    }
}

/// Finds the param a `--param NAME` means: its qualified name, its short name when unique, or
/// a dotted suffix (`crypto.min_rsa_bits`).
pub fn resolve_param(program: &Program, name: &str) -> Result<usize, ParamError> {
    if let Some(i) = program.params.iter().position(|p| p.qualified == name) {
        return Ok(i);
    }
    let suffix = format!(".{name}");
    let matches: Vec<usize> = program
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.name == name || p.qualified.ends_with(&suffix))
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => {
            let names: Vec<&str> = program
                .params
                .iter()
                .map(|p| p.qualified.as_str())
                .collect();
            let short = name.rsplit('.').next().unwrap_or(name);
            let close =
                crate::diagnostics::nearest(short, program.params.iter().map(|p| p.name.as_str()))
                    .and_then(|n| program.params.iter().find(|p| p.name == n));
            let help = match close {
                Some(p) => format!("did you mean `{}`?", p.qualified),
                None if names.is_empty() => "the loaded policies declare no param".to_string(),
                None => format!("declared params: {}", names.join(", ")),
            };
            Err(ParamError {
                message: format!("no param named `{name}` is declared"),
                help,
            })
        }
        many => {
            let names: Vec<&str> = many
                .iter()
                .filter_map(|i| program.params.get(*i).map(|p| p.qualified.as_str()))
                .collect();
            Err(ParamError {
                message: format!("`{name}` is ambiguous"),
                help: format!("qualify it: {}", names.join(" or ")),
            })
        }
    }
}

/// Evaluates every rule of `program` on every document and merges the results.
///
/// ```
/// use annexa::unstable::source::SourceFile;
/// let file = SourceFile::new("p.policy", "rule r {\n controls A.8.24\n for d in datasets { require d.ok }\n}");
/// let program = annexa::unstable::compile::compile(vec![annexa::unstable::syntax::parse(&file).unwrap()]).program.unwrap();
/// let facts = serde_json::json!({"datasets": [{"ok": true}, {"ok": false}]});
/// let doc = annexa::unstable::facts::Document::from_json("f.json", &facts);
/// let report = annexa::unstable::eval::evaluate(&program, &[doc], &Default::default()).unwrap();
/// assert_eq!(report.summary.failed, 1);
/// assert_eq!(report.results[0].violations[0].path, "/datasets/1/ok");
/// ```
///
/// A deadline or a cancellation gives an error, never a partial report: a report of the rules
/// evaluated so far could pass on evidence it never looked at.
pub fn evaluate(
    program: &Program,
    documents: &[Document],
    options: &EvalOptions,
) -> Result<Report, EvalError> {
    evaluate_inner(program, documents, options, None)
}

/// [`evaluate`], also recording into `reached` every `require` the evaluation reached (for
/// `annexa test --coverage`).
pub fn evaluate_with_coverage(
    program: &Program,
    documents: &[Document],
    options: &EvalOptions,
    reached: &mut ReachedRequires,
) -> Result<Report, EvalError> {
    evaluate_inner(program, documents, options, Some(reached))
}

/// The `--param` overrides as documents, by param id.
fn param_overrides(
    program: &Program,
    options: &EvalOptions,
) -> Result<Vec<Option<Document>>, ParamError> {
    let mut overrides: Vec<Option<Document>> = program.params.iter().map(|_| None).collect();
    for (name, value) in &options.params {
        let id = resolve_param(program, name)?;
        if let Some(slot) = overrides.get_mut(id) {
            *slot = Some(Document::from_json(&format!("--param {name}"), value));
        }
    }
    Ok(overrides)
}

/// Why `rule` is skipped: the first `when` dependency that did not pass.
fn blocked(program: &Program, rule: &Rule, statuses: &[Option<Status>]) -> Option<String> {
    rule.when.iter().find_map(|dep| {
        let status = statuses
            .get(*dep)
            .copied()
            .flatten()
            .unwrap_or(Status::Skip);
        (status != Status::Pass).then(|| {
            let name = program.rules.get(*dep).map_or("", |r| r.id.as_str());
            format!("when {name} did not pass ({})", status.as_str())
        })
    })
}

fn evaluate_inner(
    program: &Program,
    documents: &[Document],
    options: &EvalOptions,
    reached: Option<&mut ReachedRequires>,
) -> Result<Report, EvalError> {
    let overrides = param_overrides(program, options)?;
    let mut recognition = scope::Recognition::new(program);
    let runs = run::documents(
        program,
        documents,
        &overrides,
        options,
        &recognition,
        reached,
    )?;
    let mut per_rule: Vec<Vec<DocOutcome>> = program.rules.iter().map(|_| Vec::new()).collect();
    let mut texts: Vec<Option<RuleTexts>> = program.rules.iter().map(|_| None).collect();
    // merged in document order whatever the thread count, so the report is the same bytes
    for (doc, run) in documents.iter().zip(runs) {
        for (rule_id, outcome) in run.outcomes {
            if let Some(list) = per_rule.get_mut(rule_id) {
                list.push(outcome);
            }
        }
        for (rule_id, t) in run.texts {
            if let Some(slot) = texts.get_mut(rule_id)
                && slot.is_none()
            {
                *slot = Some(t);
            }
        }
        recognition.document(doc.name(), &run.marks);
    }
    let any_documents = !documents.is_empty();
    let mut results: Vec<RuleResult> = program
        .rules
        .iter()
        .zip(per_rule)
        .zip(texts)
        .map(|((rule, outcomes), texts)| {
            merge(
                rule,
                outcomes,
                texts.unwrap_or_else(|| plain_texts(rule)),
                any_documents,
            )
        })
        .collect();
    results.sort_by(|a, b| a.rule.cmp(&b.rule));
    let mut report = report(results);
    if recognition.any_scoped() {
        report.files = Some(recognition.counts());
    }
    crate::identity::stamp(&mut report);
    Ok(report)
}

/// Why [`explain`] could not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExplainError {
    /// The rule name names no rule, or several.
    Rule(RuleLookupError),
    /// A `--param` names no declared param, or several.
    Param(ParamError),
    /// The deadline passed or the evaluation was cancelled.
    Stopped(Stop),
}

/// Evaluates the rule `rule` (its id or a unique dotted suffix, see [`resolve_rule`]) on each
/// document with tracing on, after its `when` dependencies (evaluated normally): one
/// [`RuleTrace`] per document. Other rules are not evaluated.
///
/// ```
/// use annexa::unstable::source::SourceFile;
/// let file = SourceFile::new("p.policy", "policy ns\nrule r {\n controls A.8.24\n for d in datasets { require d.ok == true }\n}");
/// let program = annexa::unstable::compile::compile(vec![annexa::unstable::syntax::parse(&file).unwrap()]).program.unwrap();
/// let facts = serde_json::json!({"datasets": [{"ok": true}, {"ok": false}]});
/// let doc = annexa::unstable::facts::Document::from_json("f.json", &facts);
/// let traces = annexa::unstable::eval::explain(&program, "r", &[doc], &Default::default()).unwrap();
/// assert_eq!(traces[0].rule, "ns.r");
/// assert_eq!(traces[0].violations.len(), 1);
/// assert_eq!(traces[0].events.len(), 5); // the for, then a subject and its require, twice
/// ```
pub fn explain(
    program: &Program,
    rule: &str,
    documents: &[Document],
    options: &EvalOptions,
) -> Result<Vec<RuleTrace>, ExplainError> {
    let target = resolve_rule(program, rule).map_err(ExplainError::Rule)?;
    let overrides = param_overrides(program, options).map_err(ExplainError::Param)?;
    // the rules the target's `when` needs, transitively
    let mut needed = vec![false; program.rules.len()];
    let mut todo: Vec<usize> = program
        .rules
        .get(target)
        .map(|r| r.when.clone())
        .unwrap_or_default();
    while let Some(dep) = todo.pop() {
        if let Some(flag) = needed.get_mut(dep)
            && !*flag
        {
            *flag = true;
            todo.extend(program.rules.get(dep).iter().flat_map(|r| r.when.iter()));
        }
    }
    let mut traces = Vec::new();
    for doc in documents {
        let fallback_file = crate::source::SourceFile::new("", "");
        let arena = embedded::Arena::new();
        let mut ctx = Ctx::new(program, doc, &overrides, options, &fallback_file, &arena);
        let mut statuses: Vec<Option<Status>> = program.rules.iter().map(|_| None).collect();
        let mut scopes = scope::ScopeMemo::new(program);
        for &rule_id in &program.order {
            let Some(rule) = program.rules.get(rule_id) else {
                continue;
            };
            if rule_id == target {
                traces.push(trace_rule(
                    &mut ctx,
                    program,
                    rule_id,
                    rule,
                    &statuses,
                    &mut scopes,
                ));
                if let Some(stop) = ctx.budget.stopped() {
                    return Err(ExplainError::Stopped(stop));
                }
                break;
            }
            if !needed.get(rule_id).copied().unwrap_or(false) {
                continue;
            }
            let outcome = match scopes.in_scope(&mut ctx, rule) {
                Ok(false) => DocOutcome::skipped(NOT_IN_SCOPE),
                Err(message) => DocOutcome::failed(message),
                Ok(true) => match blocked(program, rule, &statuses) {
                    Some(reason) => DocOutcome::skipped(reason),
                    None => run_rule(&mut ctx, rule_id, rule),
                },
            };
            if let Some(stop) = ctx.budget.stopped() {
                return Err(ExplainError::Stopped(stop));
            }
            if let Some(s) = statuses.get_mut(rule_id) {
                *s = Some(outcome.status);
            }
        }
    }
    Ok(traces)
}

fn trace_rule<'a>(
    ctx: &mut Ctx<'a>,
    program: &Program,
    rule_id: usize,
    rule: &'a Rule,
    statuses: &[Option<Status>],
    scopes: &mut scope::ScopeMemo,
) -> RuleTrace {
    let when = rule
        .when
        .iter()
        .map(|dep| trace::WhenDep {
            rule: program
                .rules
                .get(*dep)
                .map_or_else(String::new, |r| r.id.clone()),
            status: statuses
                .get(*dep)
                .copied()
                .flatten()
                .unwrap_or(Status::Skip),
        })
        .collect();
    let outcome = match scopes.in_scope(ctx, rule) {
        Ok(false) => DocOutcome::skipped(NOT_IN_SCOPE),
        Err(message) => DocOutcome::failed(message),
        Ok(true) => match blocked(program, rule, statuses) {
            Some(reason) => DocOutcome::skipped(reason),
            None => {
                ctx.trace = Some(Vec::new());
                run_rule(ctx, rule_id, rule)
            }
        },
    };
    let events = ctx.trace.take().unwrap_or_default();
    let (line, column) = rule.file.line_col(rule.span.start);
    let doc = ctx.doc;
    RuleTrace {
        rule: rule.id.clone(),
        at: trace::SourceLoc {
            file: rule.file.name().to_string(),
            line,
            column,
        },
        document: doc.name().to_string(),
        document_index: doc.index(),
        when,
        status: outcome.status,
        reason: outcome.skip_reason.map(Cow::into_owned).or(outcome.error),
        subjects: outcome.subjects,
        events,
        violations: outcome.violations,
        evidence_gaps: outcome.gaps,
    }
}

struct RuleTexts {
    title: String,
    description: Option<String>,
    remediation: Option<String>,
}

/// Titles and remediation are templates over the document root (no locals exist there).
fn rule_texts<'a>(ctx: &mut Ctx<'a>, rule: &'a Rule) -> RuleTexts {
    ctx.enter_rule(rule.slots, &rule.file);
    let mut render = |t: &'a Option<crate::compile::Template>| -> Option<String> {
        t.as_ref()
            .map(|t| render_template(ctx, t).unwrap_or_else(|e| format!("<error: {}>", e.message)))
    };
    let title = render(&rule.title).unwrap_or_else(|| rule.name.clone());
    RuleTexts {
        title,
        description: render(&rule.description),
        remediation: render(&rule.remediation),
    }
}

fn plain_texts(rule: &Rule) -> RuleTexts {
    let plain = |t: &Option<crate::compile::Template>| {
        t.as_ref().map(|t| {
            t.parts
                .iter()
                .map(|p| match p {
                    crate::compile::TemplatePart::Text(s) => s.to_string(),
                    // no document to read the hole from: say a value goes here, not that it is missing
                    crate::compile::TemplatePart::Hole(_) => "…".to_string(),
                })
                .collect::<String>()
        })
    };
    RuleTexts {
        title: plain(&rule.title).unwrap_or_else(|| rule.name.clone()),
        description: plain(&rule.description),
        remediation: plain(&rule.remediation),
    }
}

/// Merges a rule's outcomes on the documents in its scope; with none left although documents
/// were read, no document was in its scope.
fn merge(
    rule: &Rule,
    outcomes: Vec<DocOutcome>,
    texts: RuleTexts,
    any_documents: bool,
) -> RuleResult {
    let outcomes = if outcomes.is_empty() && any_documents {
        vec![DocOutcome::skipped(NOT_IN_SCOPE)]
    } else {
        outcomes
    };
    let any = |s: Status| outcomes.iter().any(|o| o.status == s);
    let status = if any(Status::Error) {
        Status::Error
    } else if any(Status::Fail) {
        Status::Fail
    } else if any(Status::Incomplete) {
        Status::Incomplete
    } else if any(Status::Pass) {
        Status::Pass
    } else {
        Status::Skip
    };
    let skip_reason = if status == Status::Skip {
        Some(
            outcomes
                .iter()
                .find_map(|o| o.skip_reason.as_deref())
                .unwrap_or("not applicable: no fact document")
                .to_string(),
        )
    } else {
        None
    };
    let error = outcomes.iter().find_map(|o| o.error.clone());
    let subjects = outcomes.iter().map(|o| o.subjects).sum();
    let mut violations = Vec::new();
    let mut evidence_gaps = Vec::new();
    for o in outcomes {
        violations.extend(o.violations);
        evidence_gaps.extend(o.gaps);
    }
    let (line, _) = rule.file.line_col(rule.span.start);
    RuleResult {
        rule: rule.id.clone(),
        title: texts.title,
        status,
        severity: rule.severity,
        controls: rule.controls.clone(),
        subjects,
        violations,
        evidence_gaps,
        skip_reason,
        error: if status == Status::Error { error } else { None },
        waiver: None,
        waived: Vec::new(),
        source: RuleSource {
            file: rule.file.name().to_string(),
            line,
            description: texts.description,
            remediation: texts.remediation,
            tags: rule.tags.clone(),
        },
    }
}

/// Builds the report: summary counts and the per-control roll-up (see
/// [`Report::from_results`], which the stages after evaluation call themselves).
pub fn report(results: Vec<RuleResult>) -> Report {
    Report::from_results(results)
}
