//! The per-document loop of [`super::evaluate`], on one thread or several.
//!
//! Documents are independent (each has its own lets, joins and `when` statuses), so they are
//! cut into contiguous runs that threads take in turn; the caller merges the runs' results in
//! document order, which makes the report the same bytes for any thread count. A rule's title
//! and remediation are rendered on the first document of each run that has it in scope, so the
//! first document of all (the one the merge keeps) renders them exactly as one thread would.

use std::sync::atomic::Ordering;

use super::expr::Ctx;
use super::rule::{DocOutcome, run_rule};
use super::scope::{Recognition, ScopeMemo};
use super::{EvalError, EvalOptions, ReachedRequires, RuleTexts, blocked, budget, embedded};
use crate::compile::Program;
use crate::facts::Document;
use crate::findings::Status;
use crate::threads::on_threads;

/// What one document gave: the outcome of each rule that had it in scope, in evaluation order;
/// the texts rendered on it; which packs recognised it.
pub(super) struct DocRun {
    pub outcomes: Vec<(usize, DocOutcome)>,
    pub texts: Vec<(usize, RuleTexts)>,
    pub marks: Vec<bool>,
}

/// What one run of documents gave, or why it stopped.
type RunResult = Result<Vec<DocRun>, EvalError>;

/// Documents per unit of work, at least: a thread takes a run of this many (or more, for many
/// documents) so that a repository of small files is not one hand-off per file.
const MIN_RUN: usize = 4;

/// Evaluates every document, on up to `options.jobs` threads (one when coverage is recorded:
/// the set of reached `require`s is threaded through the documents in order): threads take
/// runs of documents, or, with fewer documents than that needs, the rules of each document.
pub(super) fn documents(
    program: &Program,
    documents: &[Document],
    overrides: &[Option<Document>],
    options: &EvalOptions,
    recognition: &Recognition,
    reached: Option<&mut ReachedRequires>,
) -> Result<Vec<DocRun>, EvalError> {
    let jobs = options.jobs.max(1).min(documents.len().div_ceil(MIN_RUN));
    if jobs <= 1 && options.jobs > 1 && reached.is_none() && program.rules.len() > 1 {
        // too few documents to share: share each one's rules instead
        let mut rendered: Vec<bool> = program.rules.iter().map(|_| false).collect();
        return documents
            .iter()
            .map(|doc| {
                one_threaded(
                    program,
                    doc,
                    overrides,
                    options,
                    recognition,
                    &mut rendered,
                    options.jobs,
                )
            })
            .collect();
    }
    if jobs <= 1 || reached.is_some() {
        let mut budget = budget::Budget::new(options);
        return sequence(
            program,
            documents,
            overrides,
            options,
            recognition,
            &mut budget,
            reached,
        );
    }
    // several runs per thread, so one slow document does not leave the other threads idle
    let run_len = documents.len().div_ceil(jobs * 4).max(MIN_RUN);
    let runs: Vec<&[Document]> = documents.chunks(run_len).collect();
    let per_thread = on_threads(jobs, runs.len(), |next| {
        let mut budget = budget::Budget::new(options);
        let mut mine = Vec::new();
        while let Some((i, run)) = next().and_then(|i| Some((i, *runs.get(i)?))) {
            let result = sequence(
                program,
                run,
                overrides,
                options,
                recognition,
                &mut budget,
                None,
            );
            let stop = result.is_err();
            mine.push((i, result));
            if stop {
                break;
            }
        }
        mine
    });
    let mut slots: Vec<Option<RunResult>> = runs.iter().map(|_| None).collect();
    for (i, result) in per_thread.into_iter().flatten() {
        if let Some(slot) = slots.get_mut(i) {
            *slot = Some(result);
        }
    }
    let mut all = Vec::with_capacity(documents.len());
    for slot in slots {
        match slot {
            Some(Ok(runs)) => all.extend(runs),
            Some(Err(e)) => return Err(e),
            // a run nobody took: another thread stopped (its error comes first) or the stop
            // came between runs; either way no report
            None => return Err(stopped(options)),
        }
    }
    Ok(all)
}

/// The error of a run that never ran because the evaluation stopped.
fn stopped(options: &EvalOptions) -> EvalError {
    if options
        .cancel
        .as_ref()
        .is_some_and(|c| c.load(Ordering::Relaxed))
    {
        EvalError::Cancelled
    } else {
        EvalError::Deadline
    }
}

/// Evaluates `documents` one after the other; one budget for all of them (the poll interval
/// and a stop carry over between documents).
fn sequence(
    program: &Program,
    documents: &[Document],
    overrides: &[Option<Document>],
    options: &EvalOptions,
    recognition: &Recognition,
    budget: &mut budget::Budget,
    mut reached: Option<&mut ReachedRequires>,
) -> Result<Vec<DocRun>, EvalError> {
    let mut rendered: Vec<bool> = program.rules.iter().map(|_| false).collect();
    let mut out = Vec::with_capacity(documents.len());
    for doc in documents {
        let fallback_file = crate::source::SourceFile::new("", "");
        let arena = embedded::Arena::new();
        let mut ctx = Ctx::new(program, doc, overrides, options, &fallback_file);
        ctx.embedded = embedded::Docs::new(&arena);
        std::mem::swap(&mut ctx.budget, budget);
        ctx.budget.start_rule();
        ctx.reached = reached.as_mut().map(|r| std::mem::take(&mut r.set));
        let result = one(&mut ctx, program, recognition, &mut rendered);
        std::mem::swap(&mut ctx.budget, budget);
        if let (Some(sink), Some(set)) = (reached.as_mut(), ctx.reached.take()) {
            sink.set = set;
        }
        out.push(result?);
    }
    Ok(out)
}

/// Every rule in graph order on the document of `ctx`.
fn one<'a>(
    ctx: &mut Ctx<'a>,
    program: &'a Program,
    recognition: &Recognition,
    rendered: &mut [bool],
) -> Result<DocRun, EvalError> {
    let mut statuses: Vec<Option<Status>> = program.rules.iter().map(|_| None).collect();
    let mut scopes = ScopeMemo::new(program);
    let mut run = DocRun {
        outcomes: Vec::new(),
        texts: Vec::new(),
        marks: recognition.marks(),
    };
    for &rule_id in &program.order {
        let wants_texts = rendered.get(rule_id).is_some_and(|done| !done);
        let judged = judge(
            ctx,
            program,
            rule_id,
            &statuses,
            &mut scopes,
            recognition,
            &mut run.marks,
            wants_texts,
        )?;
        record(&mut run, &mut statuses, rendered, rule_id, judged);
    }
    Ok(run)
}

/// What one rule gave on one document: nothing when the document is out of its scope (or the
/// rule does not exist), else its outcome and, when asked for, its rendered texts.
type Judged = Option<(DocOutcome, Option<RuleTexts>)>;

/// One rule on the document of `ctx`, given the statuses of the rules before it in graph order.
#[allow(clippy::too_many_arguments)]
fn judge<'a>(
    ctx: &mut Ctx<'a>,
    program: &'a Program,
    rule_id: usize,
    statuses: &[Option<Status>],
    scopes: &mut ScopeMemo,
    recognition: &Recognition,
    marks: &mut [bool],
    wants_texts: bool,
) -> Result<Judged, EvalError> {
    let Some(rule) = program.rules.get(rule_id) else {
        return Ok(None);
    };
    // also between rules: many small rules may each stay under the poll interval
    if let Some(stop) = ctx.budget.poll() {
        return Err(stop.into());
    }
    let outcome = match scopes.in_scope(ctx, rule) {
        // a document out of scope leaves no outcome: it is not the rule's business
        // (`when` reads it as a skip); `merge` says `not in scope` when none is left
        Ok(false) => return Ok(None),
        Err(message) => DocOutcome::failed(message),
        Ok(true) => {
            recognition.mark(marks, rule_id);
            match blocked(program, rule, statuses) {
                Some(reason) => DocOutcome::skipped(reason),
                None => run_rule(ctx, rule_id, rule),
            }
        }
    };
    let texts = wants_texts.then(|| super::rule_texts(ctx, rule));
    // the rule error a stop left is not the rule's result
    if let Some(stop) = ctx.budget.stopped() {
        return Err(stop.into());
    }
    Ok(Some((outcome, texts)))
}

/// Adds what a rule gave to the document's run, in graph order.
fn record(
    run: &mut DocRun,
    statuses: &mut [Option<Status>],
    rendered: &mut [bool],
    rule_id: usize,
    judged: Judged,
) {
    let status = match &judged {
        Some((outcome, _)) => outcome.status,
        None => Status::Skip,
    };
    if let Some(s) = statuses.get_mut(rule_id) {
        *s = Some(status);
    }
    let Some((outcome, texts)) = judged else {
        return;
    };
    if let Some(texts) = texts {
        if let Some(done) = rendered.get_mut(rule_id) {
            *done = true;
        }
        run.texts.push((rule_id, texts));
    }
    run.outcomes.push((rule_id, outcome));
}

/// Every rule on one document, the rules shared among `jobs` threads: for a run with fewer
/// documents than threads (one large fact file), where threads over documents would leave
/// cores idle. Rules go in waves of consecutive rules (in graph order) of which none waits
/// for another of the same wave (`when`), so every rule sees the statuses it depends on; each
/// thread has its own context (lets, joins, budget), and the results are put back in graph
/// order, so the report is the same bytes as on one thread.
pub(super) fn one_threaded(
    program: &Program,
    doc: &Document,
    overrides: &[Option<Document>],
    options: &EvalOptions,
    recognition: &Recognition,
    rendered: &mut [bool],
    jobs: usize,
) -> Result<DocRun, EvalError> {
    let mut statuses: Vec<Option<Status>> = program.rules.iter().map(|_| None).collect();
    let mut run = DocRun {
        outcomes: Vec::new(),
        texts: Vec::new(),
        marks: recognition.marks(),
    };
    for wave in waves(program) {
        let (statuses_now, rendered_now) = (&statuses, &*rendered);
        let per_thread = on_threads(jobs.min(wave.len()), wave.len(), |next| {
            let fallback_file = crate::source::SourceFile::new("", "");
            let arena = embedded::Arena::new();
            let mut ctx = Ctx::new(program, doc, overrides, options, &fallback_file);
            ctx.embedded = embedded::Docs::new(&arena);
            let mut scopes = ScopeMemo::new(program);
            let mut my_marks = recognition.marks();
            // (position in the wave, rule, what it gave)
            let mut mine = Vec::new();
            while let Some((i, rule_id)) = next().and_then(|i| Some((i, *wave.get(i)?))) {
                let wants_texts = rendered_now.get(rule_id).is_some_and(|done| !done);
                let judged = judge(
                    &mut ctx,
                    program,
                    rule_id,
                    statuses_now,
                    &mut scopes,
                    recognition,
                    &mut my_marks,
                    wants_texts,
                );
                let stop = judged.is_err();
                mine.push((i, rule_id, judged));
                if stop {
                    break;
                }
            }
            (mine, my_marks)
        });
        let mut done = Vec::with_capacity(wave.len());
        let mut marks = recognition.marks();
        for (mine, my_marks) in per_thread {
            done.extend(mine);
            for (mark, mine) in marks.iter_mut().zip(my_marks) {
                *mark |= mine;
            }
        }
        done.sort_unstable_by_key(|&(i, _, _)| i);
        // a rule nobody took: a thread stopped on an error, which comes first
        if done.len() < wave.len() && !done.iter().any(|(_, _, r)| r.is_err()) {
            return Err(stopped(options));
        }
        for (_, rule_id, judged) in done {
            record(&mut run, &mut statuses, rendered, rule_id, judged?);
        }
        for (mark, wave_mark) in run.marks.iter_mut().zip(marks) {
            *mark |= wave_mark;
        }
    }
    Ok(run)
}

/// The rules in graph order, cut into runs in which no rule waits (`when`) for another rule
/// of the same run.
fn waves(program: &Program) -> Vec<Vec<usize>> {
    let mut waves: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    // whether a rule is in the current wave, by rule id
    let mut in_current: Vec<bool> = program.rules.iter().map(|_| false).collect();
    for &rule_id in &program.order {
        let waits_on_current = program.rules.get(rule_id).is_some_and(|rule| {
            rule.when
                .iter()
                .any(|&dep| in_current.get(dep).copied().unwrap_or(false))
        });
        if waits_on_current {
            let wave = std::mem::take(&mut current);
            for &done in &wave {
                if let Some(flag) = in_current.get_mut(done) {
                    *flag = false;
                }
            }
            waves.push(wave);
        }
        if let Some(flag) = in_current.get_mut(rule_id) {
            *flag = true;
        }
        current.push(rule_id);
    }
    if !current.is_empty() {
        waves.push(current);
    }
    waves
}
