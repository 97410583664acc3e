//! The per-document loop of [`super::evaluate`], on one thread or several.
//!
//! Documents are independent (each has its own lets, joins and `when` statuses), so they are
//! cut into contiguous runs that threads take in turn; the caller merges the runs' results in
//! document order, which makes the report the same bytes for any thread count. A rule's title
//! and remediation are rendered on the first document of each run that has it in scope, so the
//! first document of all (the one the merge keeps) renders them exactly as one thread would.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::expr::Ctx;
use super::join::{self, JoinSource, SharedJoins};
use super::rule::{DocOutcome, Part, Share, fact_path, finish, run_part, shareable_loop};
use super::scope::{Recognition, ScopeMemo};
use super::{EvalError, EvalOptions, ReachedRequires, RuleTexts, blocked, budget, embedded};
use crate::compile::Program;
use crate::facts::{Document, NodeId, NodeValue};
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
    if jobs <= 1 && options.jobs > 1 && reached.is_none() {
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
        let mut ctx = Ctx::new(program, doc, overrides, options, &fallback_file, &arena);
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

/// What one run of a rule (or of one share of its loop) gave: an outcome decided before any
/// statement ran (a `scope` error, a `when` skip), or what its statements gave.
enum Piece {
    Decided(DocOutcome),
    Ran(Part),
}

/// [`Judged`] of one share: the outcome is put together once every share has run.
type JudgedPiece = Option<(Piece, Option<RuleTexts>)>;

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
    let unit = Unit {
        rule_id,
        share: None,
        step_cap: None,
    };
    let piece = judge_piece(
        ctx,
        program,
        unit,
        statuses,
        scopes,
        recognition,
        marks,
        wants_texts,
    )?;
    Ok(piece.and_then(|(piece, texts)| {
        let outcome = match piece {
            Piece::Decided(outcome) => outcome,
            Piece::Ran(part) => finish(program.rules.get(rule_id)?, vec![part]),
        };
        Some((outcome, texts))
    }))
}

/// [`judge`] of one unit: a whole rule, or one share of its loop.
#[allow(clippy::too_many_arguments)]
fn judge_piece<'a>(
    ctx: &mut Ctx<'a>,
    program: &'a Program,
    unit: Unit,
    statuses: &[Option<Status>],
    scopes: &mut ScopeMemo,
    recognition: &Recognition,
    marks: &mut [bool],
    wants_texts: bool,
) -> Result<JudgedPiece, EvalError> {
    let Some(rule) = program.rules.get(unit.rule_id) else {
        return Ok(None);
    };
    // also between rules: many small rules may each stay under the poll interval
    if let Some(stop) = ctx.budget.poll() {
        return Err(stop.into());
    }
    let piece = match scopes.in_scope(ctx, rule) {
        // a document out of scope leaves no outcome: it is not the rule's business
        // (`when` reads it as a skip); `merge` says `not in scope` when none is left
        Ok(false) => return Ok(None),
        Err(message) => Piece::Decided(DocOutcome::failed(message)),
        Ok(true) => {
            recognition.mark(marks, unit.rule_id);
            match blocked(program, rule, statuses) {
                Some(reason) => Piece::Decided(DocOutcome::skipped(reason)),
                None => Piece::Ran(run_part(ctx, unit.rule_id, rule, unit.share, unit.step_cap)),
            }
        }
    };
    let texts = wants_texts.then(|| super::rule_texts(ctx, rule));
    // the rule error a stop left is not the rule's result
    if let Some(stop) = ctx.budget.stopped() {
        return Err(stop.into());
    }
    Ok(Some((piece, texts)))
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

/// A rule, or one share of its top-level loop: what a thread takes at a time on one document.
#[derive(Debug, Clone, Copy)]
struct Unit {
    rule_id: usize,
    share: Option<Share>,
    /// For a share: the steps the rule's other shares left of its limit, when it is run.
    step_cap: Option<u64>,
}

/// Each share of a shared loop holds at least this many elements, so a loop is shared from
/// twice this many on.
const SHARE_MIN: usize = 1024;
/// Shares per thread of a shared loop, so that a thread done early takes another.
const SHARES_PER_JOB: usize = 4;

/// The units of a wave: each rule whole, but a rule whose body is one large loop over a fact
/// path (`for t in transfers`) in shares, so that one costly rule does not leave the other
/// threads idle at the end of the wave.
fn units(program: &Program, doc: &Document, wave: &[usize], jobs: usize) -> Vec<Unit> {
    let mut out = Vec::new();
    for &rule_id in wave {
        let len = program
            .rules
            .get(rule_id)
            .and_then(|rule| shareable_loop(rule, doc))
            .unwrap_or(0);
        let of = (len / SHARE_MIN).min(jobs.saturating_mul(SHARES_PER_JOB));
        if of < 2 {
            out.push(Unit {
                rule_id,
                share: None,
                step_cap: None,
            });
            continue;
        }
        out.extend((0..of).map(|index| Unit {
            rule_id,
            share: Some(Share { index, of }),
            step_cap: None,
        }));
    }
    out
}

/// The join indexes over fact lists of `doc` that the rules of `wave` will look up (see
/// [`join::indexed_filters`]), each once. Only rules that will surely run are asked (no
/// `scope`, no `when`): an index nobody reads would hold a thread for nothing.
fn joins_to_prepare(program: &Program, doc: &Document, wave: &[usize]) -> Vec<(NodeId, Arc<str>)> {
    let mut out: Vec<(NodeId, Arc<str>)> = Vec::new();
    let sure = wave
        .iter()
        .filter_map(|&rule_id| program.rules.get(rule_id))
        .filter(|rule| rule.file_scope.is_none() && rule.scope.is_none() && rule.when.is_empty());
    for rule in sure {
        for (base, key) in join::indexed_filters(rule) {
            let Some(list) = fact_path(base, doc) else {
                continue;
            };
            let long = matches!(doc.value(list), NodeValue::Array(items) if items.len() >= join::MIN_INDEXED);
            if long && !out.iter().any(|(l, k)| *l == list && k == key) {
                out.push((list, Arc::clone(key)));
            }
        }
    }
    out
}

/// Every rule on one document, the rules shared among `jobs` threads: for a run with fewer
/// documents than threads (one large fact file), where threads over documents would leave
/// cores idle. Rules go in waves of consecutive rules (in graph order) of which none waits
/// for another of the same wave (`when`), so every rule sees the statuses it depends on; each
/// thread has its own context (lets, joins, budget), and the results are put back in graph
/// order, so the report is the same bytes as on one thread. A rule that is one large loop goes
/// in shares of its elements (see [`units`]); its shares' parts are put together in element
/// order, or, when a share stopped on an error or the shares together broke a limit of the
/// rule, the rule runs again whole, so that the result is the one-thread result either way.
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
    // the context of a rule run again whole, made when first needed
    let fallback_file = crate::source::SourceFile::new("", "");
    let arena = embedded::Arena::new();
    let shared_joins = SharedJoins::new(doc);
    let mut again: Option<(Ctx<'_>, ScopeMemo)> = None;
    for wave in waves(program) {
        let units = units(program, doc, &wave, jobs);
        // join indexes are built first, then whole rules, shares last: shares fill the
        // threads' ends evenly
        let prepare = joins_to_prepare(program, doc, &wave);
        let mut order: Vec<usize> = (0..units.len()).collect();
        order.sort_by_key(|&i| units.get(i).is_some_and(|u| u.share.is_some()));
        let (statuses_now, rendered_now) = (&statuses, &*rendered);
        // the steps each rule's finished shares used (u64::MAX once one stopped on an error):
        // a share runs within what the others left of the rule's limit, and is not run once
        // none is left, for the rule then runs again whole (a rule past its limit would
        // otherwise run its whole loop, share by share, before running to the limit again)
        let shares_used: Vec<AtomicU64> = program.rules.iter().map(|_| AtomicU64::new(0)).collect();
        let tasks = prepare.len() + units.len();
        let per_thread = on_threads(jobs.min(units.len()), tasks, |next| {
            let fallback_file = crate::source::SourceFile::new("", "");
            let arena = embedded::Arena::new();
            let mut ctx = Ctx::new(program, doc, overrides, options, &fallback_file, &arena);
            ctx.shared_joins = Some(&shared_joins);
            let mut scopes = ScopeMemo::new(program);
            let mut my_marks = recognition.marks();
            // (position in the units, what it gave)
            let mut mine = Vec::new();
            while let Some(k) = next() {
                if let Some((list, key)) = prepare.get(k) {
                    let _ = JoinSource::join(&shared_joins, doc, *list, key);
                    continue;
                }
                let Some(i) = order.get(k - prepare.len()).copied() else {
                    break;
                };
                let Some(&unit) = units.get(i) else {
                    break;
                };
                let used = unit.share.and(shares_used.get(unit.rule_id));
                let step_cap =
                    used.map(|u| options.step_limit.saturating_sub(u.load(Ordering::Relaxed)));
                if step_cap == Some(0) {
                    mine.push((i, Ok(Some((Piece::Ran(Part::abandoned()), None)))));
                    continue;
                }
                let first_share = unit.share.is_none_or(|s| s.index == 0);
                let wants_texts =
                    first_share && rendered_now.get(unit.rule_id).is_some_and(|done| !done);
                let judged = judge_piece(
                    &mut ctx,
                    program,
                    Unit { step_cap, ..unit },
                    statuses_now,
                    &mut scopes,
                    recognition,
                    &mut my_marks,
                    wants_texts,
                );
                if let (Some(used), Ok(Some((Piece::Ran(part), _)))) = (used, &judged) {
                    // saturating: a share finishing after another stopped must not wrap
                    // the count back under the limit
                    let add = part.steps_used().unwrap_or(u64::MAX);
                    let _ = used.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                        Some(u.saturating_add(add))
                    });
                }
                let stop = judged.is_err();
                mine.push((i, judged));
                if stop {
                    break;
                }
            }
            (mine, my_marks)
        });
        let mut done = Vec::with_capacity(units.len());
        let mut marks = recognition.marks();
        for (mine, my_marks) in per_thread {
            done.extend(mine);
            for (mark, mine) in marks.iter_mut().zip(my_marks) {
                *mark |= mine;
            }
        }
        done.sort_unstable_by_key(|&(i, _)| i);
        // a unit nobody took: a thread stopped on an error, which comes first
        if done.len() < units.len() && !done.iter().any(|(_, r)| r.is_err()) {
            return Err(stopped(options));
        }
        let mut pieces = Vec::with_capacity(done.len());
        for (_, judged) in done {
            pieces.push(judged?);
        }
        let mut pieces = pieces.into_iter();
        // a rule's units are consecutive, in wave order: its first one says how many
        let mut at = 0;
        for &rule_id in &wave {
            let shares = units
                .get(at)
                .and_then(|u| u.share)
                .map_or(1, |share| share.of);
            at += shares;
            let of_rule: Vec<JudgedPiece> = pieces.by_ref().take(shares).collect();
            let judged = match put_together(program, rule_id, of_rule, options) {
                Some(judged) => judged,
                None => {
                    let (ctx, scopes) = again.get_or_insert_with(|| {
                        let mut ctx =
                            Ctx::new(program, doc, overrides, options, &fallback_file, &arena);
                        ctx.shared_joins = Some(&shared_joins);
                        (ctx, ScopeMemo::new(program))
                    });
                    let wants_texts = rendered.get(rule_id).is_some_and(|done| !done);
                    let mut unused_marks = recognition.marks();
                    judge(
                        ctx,
                        program,
                        rule_id,
                        &statuses,
                        scopes,
                        recognition,
                        &mut unused_marks,
                        wants_texts,
                    )?
                }
            };
            record(&mut run, &mut statuses, rendered, rule_id, judged);
        }
        for (mark, wave_mark) in run.marks.iter_mut().zip(marks) {
            *mark |= wave_mark;
        }
    }
    Ok(run)
}

/// A rule's outcome from what its units gave, in share order; `None` when its shares must be
/// run again as one (see [`Part::shares_stand`]).
fn put_together(
    program: &Program,
    rule_id: usize,
    pieces: Vec<JudgedPiece>,
    options: &EvalOptions,
) -> Option<Judged> {
    let rule = program.rules.get(rule_id)?;
    let mut pieces = pieces.into_iter();
    // every share decides the rule's scope and `when` alike: the first one speaks for all
    let Some(Some((first, texts))) = pieces.next() else {
        return Some(None);
    };
    let first = match first {
        Piece::Decided(outcome) => return Some(Some((outcome, texts))),
        Piece::Ran(part) => part,
    };
    let mut parts = vec![first];
    for piece in pieces {
        match piece {
            Some((Piece::Ran(part), _)) => parts.push(part),
            _ => return None,
        }
    }
    if parts.len() > 1 && !Part::shares_stand(&parts, (options.step_limit, options.memory_limit)) {
        return None;
    }
    Some(Some((finish(rule, parts), texts)))
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The program of one policy text that compiles without diagnostics.
    pub(in crate::eval) fn program(text: &str) -> Program {
        let file = crate::source::SourceFile::new("p.policy", text);
        let module = crate::syntax::parse(&file).unwrap_or_else(|_| panic!("parses"));
        let compiled = crate::compile::compile(vec![module]);
        assert!(
            compiled.diagnostics.is_empty(),
            "{:?}",
            compiled.diagnostics
        );
        compiled.program.unwrap_or_else(|| panic!("compiles"))
    }

    #[test]
    fn the_joins_prepared_are_those_of_rules_sure_to_run_over_long_fact_lists() {
        let program = program(
            r#"
rule joined {
  controls A.5.9
  for t in transfers {
    let src = datasets[.name == t.from]
    require count(src) > 0
  }
}
rule same_index {
  controls A.5.9
  for m in models {
    require count(datasets[.name == m.source]) > 0
  }
}
rule after_joined {
  controls A.5.9
  when joined
  for t in transfers {
    require count(datasets[.kind == t.kind]) > 0
  }
}
rule short_list {
  controls A.5.9
  require count(models[.name == "m"]) > 0
}
rule not_an_equality {
  controls A.5.9
  require count(datasets[.kind == "a" and .pii == true]) > 0
}
"#,
        );
        let datasets: Vec<_> = (0..20)
            .map(|i| serde_json::json!({"name": format!("d{i}"), "kind": "a"}))
            .collect();
        let doc = Document::from_json(
            "f.json",
            &serde_json::json!({
                "datasets": datasets,
                "transfers": [{"from": "d1", "kind": "a"}],
                "models": [{"name": "m", "source": "d2"}],
            }),
        );
        let wave: Vec<usize> = (0..program.rules.len()).collect();
        let prepared = joins_to_prepare(&program, &doc, &wave);
        let datasets = doc.field(doc.root(), "datasets");
        // `joined` and `same_index` read one index; `after_joined` may be skipped, `models` is
        // shorter than an index pays for, and a conjunction is scanned
        assert_eq!(prepared.len(), 1, "{prepared:?}");
        assert_eq!(Some(prepared[0].0), datasets);
        assert_eq!(&*prepared[0].1, "name");
    }
}
