//! Expression evaluation over one document: values, three-valued conditions with the fact that
//! decided them, lets and params computed once, function frames.

use std::rc::Rc;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::builtins;
use super::calls::{CallKey, CallMemo};
use super::join::{self, BaseKey, Join, JoinSource};
use super::ops::{self, Tri};
use super::trace::TraceEvent;
use super::value::{FieldReader, Val, View};
use crate::compile::{BinOp, Expr, ExprKind, Program, Quant, RuleId, Slot};
use crate::facts::Document;
use crate::findings::EvidenceGap;
use crate::source::{SourceFile, Span};

/// A call's argument values (see `Ctx::args`).
type Args<'a> = smallvec::SmallVec<[Val<'a>; 3]>;

/// A run-time error of the rule being evaluated.
#[derive(Debug, Clone)]
pub struct RuleError {
    /// What went wrong, with where.
    pub message: String,
}

pub(crate) type Result<T> = std::result::Result<T, RuleError>;

enum Memo<'a> {
    Todo,
    Busy,
    Done(Val<'a>, Vec<EvidenceGap>),
}

/// The outcome of a condition and the fact that decided it.
pub(crate) struct Cond<'a> {
    pub truth: Tri,
    pub origin: Option<Val<'a>>,
}

/// A filter's site (its predicate's address and its base), its join plan and its index.
pub(crate) type LastJoin<'a> = ((usize, BaseKey), join::Plan<'a>, Arc<Join<'a>>);

/// Evaluation state for one document.
pub(crate) struct Ctx<'a> {
    pub program: &'a Program,
    pub doc: &'a Document,
    pub now: i64,
    overrides: &'a [Option<Document>],
    params: Vec<Memo<'a>>,
    lets: Vec<Memo<'a>>,
    stack: Vec<Val<'a>>,
    base: usize,
    file: &'a SourceFile,
    /// Evidence gaps recorded since the sink was last drained.
    pub gaps: Vec<EvidenceGap>,
    /// Steps and bytes charged to the current rule, the deadline and the cancel flag.
    pub(crate) budget: super::budget::Budget,
    /// Rendered messages are cut at this many characters.
    pub message_limit: usize,
    /// Join indexes of equality filters, by base and key field (see `join`): `r4`'s
    /// `datasets[.name == t.from]` and `r5`'s `datasets[.name == n]` share one.
    joins: HashMap<(BaseKey, Arc<str>), Arc<Join<'a>>, join::FastHash>,
    /// The join indexes of the document's fact lists shared with the other threads evaluating
    /// it, when threads share its rules.
    pub(crate) shared_joins: Option<&'a dyn JoinSource<'a>>,
    /// The plan and the join the last indexed filter used, by filter and base: a loop probes
    /// one filter once per element, and planning it and finding its index again (hashing the
    /// base and the key field) cost more than the probe.
    last_join: Option<LastJoin<'a>>,
    /// The statement-level trace of the rule being explained; `None` (nothing recorded) in a
    /// normal run.
    pub trace: Option<Vec<TraceEvent>>,
    /// The `require`s reached, `(rule, byte offset)`, when coverage is recorded; else `None`.
    pub reached: Option<HashSet<(RuleId, usize)>>,
    /// Documents parsed out of strings (`parse_json`, …).
    pub(crate) embedded: super::embedded::Docs<'a>,
    /// Function calls computed on this document (see `calls`).
    calls: HashMap<CallKey, CallMemo<'a>, join::FastHash>,
    /// Host functions called so far: a call that reached one is not remembered.
    host_calls: u64,
    /// Set while a `scope` is decided: only its truth matters (not the fact that decided it,
    /// nor its gaps), so a function call in it is answered like a value, from the calls
    /// remembered on this document, instead of through its body for the deciding fact. Every
    /// rule of a pack asks its scope of every document; the same few helpers answer them all.
    pub(crate) scoping: bool,
    /// How many `eval` and `cond` calls are under way: the stack is made sure of on every
    /// second one (see [`Ctx::guarded`]).
    nesting: u32,
    /// The readers of the field paths read, by key (see [`Ctx::field_of`]).
    field_readers: Vec<FieldReader<'a>>,
}

/// Readers in [`Ctx::field_readers`]: a rule reads a handful of keys in a loop, and a power of
/// two makes the slot a mask.
const FIELD_READERS: usize = 64;

impl<'a> Ctx<'a> {
    /// A context on `doc`; documents parsed out of its strings live in `arena`.
    pub(crate) fn new(
        program: &'a Program,
        doc: &'a Document,
        overrides: &'a [Option<Document>],
        options: &super::EvalOptions,
        file: &'a SourceFile,
        arena: &'a super::embedded::Arena,
    ) -> Ctx<'a> {
        Ctx {
            program,
            doc,
            now: options.now,
            overrides,
            params: program.params.iter().map(|_| Memo::Todo).collect(),
            lets: program.lets.iter().map(|_| Memo::Todo).collect(),
            stack: Vec::new(),
            base: 0,
            file,
            gaps: Vec::new(),
            budget: super::budget::Budget::new(options),
            message_limit: options.message_limit,
            joins: HashMap::default(),
            shared_joins: None,
            last_join: None,
            trace: None,
            reached: None,
            embedded: super::embedded::Docs::new(arena),
            calls: HashMap::default(),
            host_calls: 0,
            scoping: false,
            nesting: 0,
            field_readers: vec![FieldReader::new(""); FIELD_READERS],
        }
    }

    /// Starts a frame of `slots` locals for a rule body in `file`.
    pub(crate) fn enter_rule(&mut self, slots: usize, file: &'a SourceFile) {
        self.stack.clear();
        self.stack.resize(slots, Val::Missing(None));
        self.base = 0;
        self.file = file;
        self.budget.start_rule();
    }

    pub(crate) fn set_local(&mut self, slot: Slot, value: Val<'a>) {
        if let Some(cell) = self.stack.get_mut(self.base + slot) {
            *cell = value;
        }
    }

    fn local(&self, slot: Slot) -> Val<'a> {
        self.stack
            .get(self.base + slot)
            .cloned()
            .unwrap_or(Val::Missing(None))
    }

    /// The value of `e` when it is a path of fields off a local (`d`, `d.encryption.at_rest`),
    /// read off the local in place, with the steps that evaluating each level would charge, in
    /// the same order (outermost first); `None` for any other expression. A path is most of what
    /// a rule reads, and a frame of [`Ctx::eval`] per level cost more than the reads.
    fn local_path(&mut self, e: &'a Expr) -> Result<Option<Val<'a>>> {
        let mut keys: smallvec::SmallVec<[&'a str; 8]> = smallvec::SmallVec::new();
        let mut level = e;
        let slot = loop {
            match &level.kind {
                ExprKind::Field(base, key) => {
                    keys.push(key);
                    level = base;
                }
                ExprKind::Local(slot) => break *slot,
                _ => return Ok(None),
            }
        };
        let mut level = e;
        loop {
            self.tick(level.span)?;
            match &level.kind {
                ExprKind::Field(base, _) => level = base,
                _ => break,
            }
        }
        // a local or a field of one is never a new value: no memory to charge
        let Some(local) = self.stack.get(self.base + slot).cloned() else {
            return Ok(Some(Val::Missing(None)));
        };
        let Some((first, rest)) = keys.split_last() else {
            return Ok(Some(local));
        };
        let mut value = self.field_of(&local, first);
        for key in rest.iter().rev() {
            value = self.field_of(&value, key);
        }
        Ok(Some(value))
    }

    /// `value.key` ([`Val::field`]) through the [`FieldReader`] of `key`, kept here: a loop
    /// reads the same few keys of every element.
    /// The last join a filter probed: its site (predicate and base), plan and index.
    pub(crate) fn last_join(&self) -> Option<&LastJoin<'a>> {
        self.last_join.as_ref()
    }

    fn field_of(&mut self, value: &Val<'a>, key: &'a str) -> Val<'a> {
        let slot = (key.as_ptr() as usize >> 3) & (FIELD_READERS - 1);
        let Some(reader) = self.field_readers.get_mut(slot) else {
            return value.field(key);
        };
        if !reader.reads(key) {
            *reader = FieldReader::new(key);
        }
        reader.read(value)
    }

    /// An error located at `span` in the current file.
    pub(crate) fn error(&self, span: Span, message: impl Into<String>) -> RuleError {
        let (line, col) = self.file.line_col(span.start);
        let text = self.file.text().get(span.start..span.end).unwrap_or("");
        let text: String = if text.chars().count() > 60 {
            text.chars().take(60).collect::<String>() + "…"
        } else {
            text.to_string()
        };
        RuleError {
            message: format!(
                "{} in `{text}` at {}:{line}:{col}",
                message.into(),
                self.file.name()
            ),
        }
    }

    /// Records an evidence gap for an absent fact: `construct` is what could not decide, `of`
    /// how many elements a filter considered.
    pub(crate) fn gap(
        &mut self,
        message: String,
        origin: Option<&Val<'a>>,
        construct: String,
        of: Option<usize>,
    ) {
        let origin = origin.filter(|v| is_fact_of(v, self.doc));
        let doc = origin.map_or(self.doc, |v| super::embedded::located(v, self.doc));
        let (path, node) = match origin.and_then(Val::absent) {
            Some(a) => (a.pointer(), a.at),
            None => (String::new(), doc.root()),
        };
        let (line, column) = doc.position(node);
        let (file, document_index) = doc.source_of(node);
        // identity stays in this document: a value parsed out of a string is known by that string
        let id_node = super::embedded::identity_node(doc, self.doc, node);
        let locator = crate::identity::stable_path(self.doc, id_node, &path);
        self.gaps.push(EvidenceGap {
            message,
            document: file.to_string(),
            document_index,
            path,
            line,
            column,
            construct,
            of,
            locator,
            lacks: String::new(),
        });
    }

    fn tick(&mut self, span: Span) -> Result<()> {
        self.charge(1, span)
    }

    /// The value of a call computed before on this document, with its gaps and its cost
    /// charged again; `None` when it was not, or when the charge would break a limit (the
    /// call is then computed, and fails where it fails).
    fn remembered(&mut self, key: &CallKey, span: Span) -> Option<Val<'a>> {
        let memo = self.calls.get(key)?;
        if !self.budget.affords(memo.steps, memo.bytes) {
            return None;
        }
        let (value, steps, bytes) = (memo.value.clone(), memo.steps, memo.bytes);
        let gaps = memo.gaps.clone();
        // within the limits (checked above); a stop seen while charging still ends the rule
        if self.charge(steps, span).is_err() || self.budget.bytes(bytes).is_err() {
            return None;
        }
        self.gaps.extend(gaps);
        Some(value)
    }

    /// Counts `steps` of work against the rule's limit: operations that scan a collection
    /// (`in`, `==` on lists, builtins) cost its length, so no loop escapes the limit.
    fn charge(&mut self, steps: u64, span: Span) -> Result<()> {
        self.budget.steps(steps).map_err(|m| self.error(span, m))
    }

    /// Runs `f` in a fresh frame of `slots` locals in `file`, with `args` in the first slots.
    fn with_frame<T>(
        &mut self,
        slots: usize,
        file: &'a SourceFile,
        args: impl IntoIterator<Item = Val<'a>>,
        f: impl FnOnce(&mut Ctx<'a>) -> Result<T>,
    ) -> Result<T> {
        let saved_base = self.base;
        let saved_file = self.file;
        let base = self.stack.len();
        self.stack.extend(args);
        self.stack.resize(base + slots.max(1), Val::Missing(None));
        self.base = base;
        self.file = file;
        let out = f(self);
        self.stack.truncate(base);
        self.base = saved_base;
        self.file = saved_file;
        out
    }

    // ------------------------------------------------------------ lets and params

    /// The value of a top-level let, computed once per document.
    pub(crate) fn let_value(&mut self, id: usize, span: Span) -> Result<Val<'a>> {
        match self.lets.get(id) {
            Some(Memo::Done(v, _)) => return Ok(v.clone()),
            Some(Memo::Busy) => return Err(self.error(span, "a let depends on itself")),
            Some(Memo::Todo) => {}
            None => return Ok(Val::Missing(None)),
        }
        let Some(def) = self.program.lets.get(id) else {
            return Ok(Val::Missing(None));
        };
        if let Some(m) = self.lets.get_mut(id) {
            *m = Memo::Busy;
        }
        let outer_gaps = std::mem::take(&mut self.gaps);
        let result = self.with_frame(def.slots, &def.file, Vec::new(), |ctx| ctx.eval(&def.value));
        let own_gaps = std::mem::replace(&mut self.gaps, outer_gaps);
        let value = match result {
            Ok(v) => v,
            Err(e) => {
                // not Busy: the next rule reading it must see this error, not a false cycle
                if let Some(m) = self.lets.get_mut(id) {
                    *m = Memo::Todo;
                }
                return Err(e);
            }
        };
        if let Some(m) = self.lets.get_mut(id) {
            *m = Memo::Done(value.clone(), own_gaps);
        }
        Ok(value)
    }

    /// The gaps recorded while computing a let, if it was computed.
    pub(crate) fn let_gaps(&self, id: usize) -> &[EvidenceGap] {
        match self.lets.get(id) {
            Some(Memo::Done(_, gaps)) => gaps,
            _ => &[],
        }
    }

    fn param_value(&mut self, id: usize, span: Span) -> Result<Val<'a>> {
        if let Some(Some(doc)) = self.overrides.get(id) {
            return Ok(Val::Node(doc, doc.root()));
        }
        match self.params.get(id) {
            Some(Memo::Done(v, _)) => return Ok(v.clone()),
            Some(Memo::Busy) => return Err(self.error(span, "a param depends on itself")),
            Some(Memo::Todo) => {}
            None => return Ok(Val::Missing(None)),
        }
        let Some(def) = self.program.params.get(id) else {
            return Ok(Val::Missing(None));
        };
        if let Some(m) = self.params.get_mut(id) {
            *m = Memo::Busy;
        }
        let value = self.with_frame(def.slots, &def.file, Vec::new(), |ctx| {
            ctx.eval(&def.default)
        });
        let value = match value {
            Ok(v) => v,
            Err(e) => {
                if let Some(m) = self.params.get_mut(id) {
                    *m = Memo::Todo;
                }
                return Err(e);
            }
        };
        if let Some(m) = self.params.get_mut(id) {
            *m = Memo::Done(value.clone(), Vec::new());
        }
        Ok(value)
    }

    // ------------------------------------------------------------ values

    /// The values of a call's arguments, held inline up to three (nearly every call): calls
    /// run per subject and per rule, and a vector on the heap was one allocation per call.
    fn args(&mut self, args: &'a [Expr]) -> Result<Args<'a>> {
        let mut values = Args::new();
        for a in args {
            values.push(self.eval(a)?);
        }
        Ok(values)
    }

    /// Evaluates an expression to a value.
    pub(crate) fn eval(&mut self, e: &'a Expr) -> Result<Val<'a>> {
        let value = self.guarded(|ctx| ctx.eval_here(e))?;
        self.charge_memory(&value, e.span)?;
        Ok(value)
    }

    /// Charges a value this expression just computed against the rule's memory budget, so
    /// that forty `let`s doubling a list end the rule in error instead of the process. Only a
    /// value nothing else holds yet (one reference) is new; a let or local read again is not.
    fn charge_memory(&mut self, value: &Val<'a>, span: Span) -> Result<()> {
        let bytes = match value {
            Val::Str(s) if Rc::strong_count(s) == 1 => s.len(),
            Val::List(l) if Rc::strong_count(l) == 1 => {
                l.len().saturating_mul(std::mem::size_of::<Val<'a>>())
            }
            Val::Object(o) if Rc::strong_count(o) == 1 => o
                .len()
                .saturating_mul(std::mem::size_of::<(std::sync::Arc<str>, Val<'a>)>()),
            _ => return Ok(()),
        };
        self.budget
            .bytes(u64::try_from(bytes).unwrap_or(u64::MAX))
            .map_err(|m| self.error(span, m))
    }

    fn eval_here(&mut self, e: &'a Expr) -> Result<Val<'a>> {
        self.tick(e.span)?;
        Ok(match &e.kind {
            ExprKind::Const(c) => Val::Const(c),
            // a literal with a missing element is missing (the first one, so the report names
            // the absent fact): `count([x, y])` or `"root" not in [user.name]` must not judge
            // a list that silently lost an element, and the order of elements never matters
            ExprKind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut absent = None;
                for item in items {
                    let v = self.eval(item)?;
                    if v.is_missing() {
                        absent.get_or_insert(v);
                    } else {
                        out.push(v);
                    }
                }
                match absent {
                    Some(m) => m,
                    None => Val::List(Rc::new(out)),
                }
            }
            ExprKind::Object(members) => {
                let mut out = Vec::with_capacity(members.len());
                let mut absent = None;
                for (k, v) in members {
                    let v = self.eval(v)?;
                    if v.is_missing() {
                        absent.get_or_insert(v);
                    } else {
                        out.push((k.clone(), v));
                    }
                }
                match absent {
                    Some(m) => m,
                    None => Val::Object(Rc::new(out)),
                }
            }
            ExprKind::Local(slot) => self.local(*slot),
            ExprKind::Param(id) => self.param_value(*id, e.span)?,
            ExprKind::Let(id) => self.let_value(*id, e.span)?,
            ExprKind::Root => Val::Node(self.doc, self.doc.root()),
            ExprKind::RootField(key) => {
                let root = Val::Node(self.doc, self.doc.root());
                self.field_of(&root, key)
            }
            ExprKind::Field(base, key) => {
                let value = match self.local_path(base)? {
                    Some(value) => value,
                    None => self.eval(base)?,
                };
                self.field_of(&value, key)
            }
            ExprKind::Index(base, i) => self.eval(base)?.index(*i),
            ExprKind::Filter {
                base,
                pred,
                slot,
                text,
            } => self.filter(base, pred, *slot, text, e.span)?,
            ExprKind::Project(base, steps) => {
                let base = self.eval(base)?;
                match base.view() {
                    View::Missing => base.clone(),
                    View::List(list) => {
                        let mut out = Vec::with_capacity(list.len());
                        for item in list.iter() {
                            let mut v = item;
                            for step in steps {
                                v = v.field(step);
                            }
                            if !v.is_missing() {
                                out.push(v);
                            }
                        }
                        Val::List(Rc::new(out))
                    }
                    _ => {
                        return Err(self.error(
                            e.span,
                            format!("`[*]` needs a list, got {}", ops::describe(&base)),
                        ));
                    }
                }
            }
            ExprKind::CallFn(id, args) => {
                let Some(def) = self.program.fns.get(*id) else {
                    return Ok(Val::Missing(None));
                };
                let values = self.args(args)?;
                let key = CallKey::of(*id, &values);
                if let Some(value) = key.as_ref().and_then(|k| self.remembered(k, e.span)) {
                    return Ok(value);
                }
                let (steps, bytes) = self.budget.used();
                let (gaps, hosts) = (self.gaps.len(), self.host_calls);
                let value =
                    self.with_frame(def.slots, &def.file, values, |ctx| ctx.eval(&def.body))?;
                if let Some(key) = key
                    && self.host_calls == hosts
                {
                    let (steps_now, bytes_now) = self.budget.used();
                    let memo = CallMemo {
                        value: value.clone(),
                        gaps: self.gaps.get(gaps..).unwrap_or(&[]).to_vec(),
                        steps: steps_now.saturating_sub(steps),
                        bytes: bytes_now.saturating_sub(bytes),
                    };
                    self.calls.insert(key, memo);
                }
                value
            }
            ExprKind::CallBuiltin(b, args) => {
                let values = self.args(args)?;
                self.charge(builtins::cost(*b, &values), e.span)?;
                if super::embedded::handles(*b) {
                    let arg = values.first().cloned().unwrap_or(Val::Missing(None));
                    super::embedded::call(&mut self.embedded, *b, &arg)
                        .map_err(|m| self.error(e.span, m))?
                } else {
                    builtins::call(*b, &values, self.now).map_err(|m| self.error(e.span, m))?
                }
            }
            ExprKind::CallHost(id, args) => {
                let values = self.args(args)?;
                self.charge(builtins::cost_of_args(&values), e.span)?;
                let Some(f) = self.program.hosts.get(*id) else {
                    return Ok(Val::Missing(None));
                };
                self.host_calls += 1;
                let (value, nodes) = super::host::call(f, &values, &mut self.embedded)
                    .map_err(|m| self.error(e.span, m))?;
                // building the result document is work of the rule like any other
                self.charge(nodes, e.span)?;
                value
            }
            ExprKind::Neg(x) => {
                let v = self.eval(x)?;
                match v.view() {
                    View::Missing => v.clone(),
                    View::Int(i) => Val::Int(
                        i.checked_neg()
                            .ok_or_else(|| self.error(e.span, "integer overflow"))?,
                    ),
                    View::Float(f) => Val::Float(-f),
                    _ => {
                        return Err(
                            self.error(e.span, format!("cannot negate {}", ops::describe(&v)))
                        );
                    }
                }
            }
            ExprKind::Binary(BinOp::Default, a, b) => {
                let v = self.eval(a)?;
                if v.is_missing() { self.eval(b)? } else { v }
            }
            ExprKind::Binary(
                op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem),
                a,
                b,
            ) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                let sym = match op {
                    BinOp::Add => '+',
                    BinOp::Sub => '-',
                    BinOp::Mul => '*',
                    BinOp::Div => '/',
                    _ => '%',
                };
                ops::arithmetic(sym, &x, &y).map_err(|m| self.error(e.span, m))?
            }
            // the boolean forms share one implementation with `cond`
            ExprKind::Not(_)
            | ExprKind::Binary(..)
            | ExprKind::Matches(..)
            | ExprKind::Quantifier { .. } => {
                let c = self.cond(e)?;
                tri_value(c)
            }
        })
    }

    fn filter(
        &mut self,
        base: &'a Expr,
        pred: &'a Expr,
        slot: Slot,
        text: &str,
        span: Span,
    ) -> Result<Val<'a>> {
        let base_expr = base;
        let base = self.operand(base)?;
        if base.is_missing() {
            return Ok(base);
        }
        let Some(items) = base.elements() else {
            return Err(self.error(
                span,
                format!("a filter needs a list, got {}", ops::describe(&base)),
            ));
        };
        if items.total() >= join::MIN_INDEXED
            && let Some(base_key) = join::base_key(base_expr, &base)
        {
            let site = (std::ptr::from_ref(pred) as usize, base_key);
            // a loop probes one filter once per element: its plan and its index are the last
            // ones, found again without planning or hashing (taken out and put back, not
            // counted twice more per probe)
            let planned = match self.last_join.take() {
                Some((at, plan, join)) if at == site => Some((plan, join)),
                _ => join::plan(pred, slot).map(|plan| {
                    let join = self.join_of(&base, base_key, plan.key);
                    (plan, join)
                }),
            };
            if let Some((plan, join)) = planned {
                let probe = self.operand(plan.probe);
                let mut found = None;
                if let Ok(probe) = &probe
                    && let Some(probe_key) = join::key_of(probe.view())
                    && let Join::Indexed(index) = &*join
                {
                    let hits = index.hits(&probe_key);
                    let hits = hits.as_slice();
                    let mut kept = Vec::with_capacity(hits.len());
                    kept.extend(hits.iter().filter_map(|i| items.at(*i as usize)));
                    // elements without the key could not be decided, exactly as in the scan
                    for &i in &index.missing {
                        if let Some(item) = items.at(i as usize) {
                            let absent = item.field(plan.key);
                            self.filter_gap(text, items.total(), &item, Some(&absent));
                        }
                    }
                    found = Some(kept);
                }
                self.last_join = Some((site, plan, join));
                probe?;
                if let Some(kept) = found {
                    return Ok(Val::List(Rc::new(kept)));
                }
            }
        }
        let total = items.total();
        let mut kept = Vec::new();
        for item in items {
            self.set_local(slot, item.clone());
            let c = self.cond(pred)?;
            match c.truth {
                Tri::True => kept.push(item),
                Tri::False => {}
                Tri::Missing => self.filter_gap(text, total, &item, c.origin.as_ref()),
            }
        }
        Ok(Val::List(Rc::new(kept)))
    }

    /// The join of the fact list or let `base` by `key`: this context's, another thread's
    /// (see [`JoinSource`]), or built now.
    fn join_of(&mut self, base: &Val<'a>, base_key: BaseKey, key: &Arc<str>) -> Arc<Join<'a>> {
        let id = (base_key, Arc::clone(key));
        if let Some(join) = self.joins.get(&id) {
            return Arc::clone(join);
        }
        let shared = match (base, self.shared_joins) {
            (Val::Node(doc, list), Some(source)) => source.join(doc, *list, key),
            _ => None,
        };
        let join = shared
            .unwrap_or_else(|| Arc::new(Join::of(base.elements().into_iter().flatten(), key)));
        self.joins.insert(id, Arc::clone(&join));
        join
    }

    /// The evidence gap of a filter that could not decide for `item`.
    fn filter_gap(&mut self, text: &str, of: usize, item: &Val<'a>, origin: Option<&Val<'a>>) {
        let what = absent_name(origin);
        let element = match item {
            Val::Node(doc, id) => doc.pointer(*id),
            _ => String::new(),
        };
        self.gap(
            format!("`{text}` could not decide for {element}: {what} is missing"),
            origin,
            format!("`{text}`"),
            Some(of),
        );
        let lacks = match origin.and_then(Val::absent) {
            Some(a) if !element.is_empty() => super::gap::relative_field(&element, &a.pointer()),
            _ => String::new(),
        };
        if let Some(g) = self.gaps.last_mut() {
            g.lacks = lacks;
        }
    }

    // ------------------------------------------------------------ conditions

    /// Evaluates a condition to true/false/missing, keeping the fact that decided it.
    pub(crate) fn cond(&mut self, e: &'a Expr) -> Result<Cond<'a>> {
        // `not`, `and`, `or` and quantifiers recurse here without passing through `eval`, and
        // a debug frame of this function is large: a few dozen fill a 256 KiB thread
        self.guarded(|ctx| ctx.cond_here(e))
    }

    /// Runs one level of `eval` or `cond`, on a fresh stack segment when the current one is
    /// nearly used up. Asking on every level was a twentieth of an evaluation's instructions;
    /// two levels' frames, even unoptimised, fit well within the red zone of
    /// [`crate::source::grow_stack`] (tests/hostile/stack.rs runs the deepest policies on
    /// 256 KiB threads in a debug build).
    #[inline]
    fn guarded<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.nesting = self.nesting.wrapping_add(1);
        let out = if self.nesting.is_multiple_of(2) {
            crate::source::grow_stack(|| f(self))
        } else {
            f(self)
        };
        self.nesting = self.nesting.wrapping_sub(1);
        out
    }

    fn cond_here(&mut self, e: &'a Expr) -> Result<Cond<'a>> {
        self.tick(e.span)?;
        match &e.kind {
            ExprKind::Binary(BinOp::And, a, b) => {
                let l = self.cond(a)?;
                if l.truth == Tri::False {
                    return Ok(l);
                }
                let r = self.cond(b)?;
                Ok(match (l.truth, r.truth) {
                    (_, Tri::False) | (Tri::True, Tri::Missing) => r,
                    (Tri::Missing, _) => l,
                    _ => Cond {
                        truth: Tri::True,
                        origin: l.origin.or(r.origin),
                    },
                })
            }
            ExprKind::Binary(BinOp::Or, a, b) => {
                let l = self.cond(a)?;
                if l.truth == Tri::True {
                    return Ok(l);
                }
                let r = self.cond(b)?;
                Ok(match (l.truth, r.truth) {
                    (_, Tri::True) | (Tri::False, Tri::Missing) => r,
                    (Tri::Missing, _) => l,
                    _ => Cond {
                        truth: Tri::False,
                        origin: l.origin.or(r.origin),
                    },
                })
            }
            ExprKind::Not(x) => {
                let c = self.cond(x)?;
                Ok(Cond {
                    truth: c.truth.not(),
                    origin: c.origin,
                })
            }
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                let (x, y) = (self.operand(a)?, self.operand(b)?);
                self.charge(x.size().saturating_add(y.size()), e.span)?;
                let truth = match op {
                    BinOp::Eq => ops::equal(&x, &y).map_or(Tri::Missing, Tri::from_bool),
                    BinOp::Ne => ops::equal(&x, &y).map_or(Tri::Missing, |b| Tri::from_bool(!b)),
                    BinOp::In => ops::contains(&y, &x).map_err(|m| self.error(e.span, m))?,
                    BinOp::NotIn => ops::contains(&y, &x)
                        .map_err(|m| self.error(e.span, m))?
                        .not(),
                    _ => match ops::compare(&x, &y).map_err(|m| self.error(e.span, m))? {
                        None => Tri::Missing,
                        Some(ord) => Tri::from_bool(match op {
                            BinOp::Lt => ord.is_lt(),
                            BinOp::Le => ord.is_le(),
                            BinOp::Gt => ord.is_gt(),
                            _ => ord.is_ge(),
                        }),
                    },
                };
                Ok(Cond {
                    truth,
                    origin: origin_of(x, y, truth, self.doc),
                })
            }
            ExprKind::Matches(a, index) => {
                let x = self.eval(a)?;
                let truth = match x.view() {
                    View::Missing => Tri::Missing,
                    View::Str(s) => {
                        let re = self.program.regexes.get(*index);
                        Tri::from_bool(re.is_some_and(|re| re.is_match(s)))
                    }
                    _ => {
                        return Err(self.error(
                            e.span,
                            format!("`matches` needs a string, got {}", ops::describe(&x)),
                        ));
                    }
                };
                Ok(Cond {
                    truth,
                    origin: fact_origin(x, self.doc),
                })
            }
            ExprKind::Quantifier {
                kind,
                slot,
                over,
                pred,
            } => self.quantifier(*kind, *slot, over, pred, e.span),
            ExprKind::CallFn(..) if self.scoping => {
                let v = self.eval(e)?;
                let truth = self.truth(&v, e.span)?;
                Ok(Cond {
                    truth,
                    origin: None,
                })
            }
            ExprKind::CallFn(id, args) => {
                // through the body, so the fact that decided is the caller's argument
                let Some(def) = self.program.fns.get(*id) else {
                    return Ok(Cond {
                        truth: Tri::Missing,
                        origin: None,
                    });
                };
                let values = self.args(args)?;
                self.with_frame(def.slots, &def.file, values, |ctx| ctx.cond(&def.body))
            }
            _ => {
                let v = self.eval(e)?;
                let truth = self.truth(&v, e.span)?;
                Ok(Cond {
                    truth,
                    origin: fact_origin(v, self.doc),
                })
            }
        }
    }

    /// The value of a comparison's operand (or a filter's list and probe): [`Ctx::eval`], but a
    /// constant, a top-level fact or a path of fields off a local (most operands:
    /// `d.kind == "training"`) is read in place, charging the same steps; none is a new value,
    /// so no memory is charged either. A frame of `eval` for each (the stack guard, the
    /// dispatch, the memory charge) cost more than the read.
    fn operand(&mut self, e: &'a Expr) -> Result<Val<'a>> {
        match &e.kind {
            ExprKind::Const(c) => {
                self.tick(e.span)?;
                Ok(Val::Const(c))
            }
            ExprKind::Field(..) => match self.local_path(e)? {
                Some(value) => Ok(value),
                None => self.eval(e),
            },
            ExprKind::RootField(key) => {
                self.tick(e.span)?;
                let root = Val::Node(self.doc, self.doc.root());
                Ok(self.field_of(&root, key))
            }
            _ => self.eval(e),
        }
    }

    /// A boolean value as three-valued truth; anything else is a run-time error.
    pub(crate) fn truth(&self, v: &Val<'a>, span: Span) -> Result<Tri> {
        match v.view() {
            View::Bool(b) => Ok(Tri::from_bool(b)),
            View::Missing => Ok(Tri::Missing),
            _ => Err(self.error(
                span,
                format!("expected true or false, got {}", ops::describe(v)),
            )),
        }
    }

    fn quantifier(
        &mut self,
        kind: Quant,
        slot: Slot,
        over: &'a Expr,
        pred: &'a Expr,
        span: Span,
    ) -> Result<Cond<'a>> {
        let xs = self.eval(over)?;
        if xs.is_missing() {
            return Ok(Cond {
                truth: Tri::Missing,
                origin: Some(xs),
            });
        }
        let Some(items) = xs.elements() else {
            return Err(self.error(
                span,
                format!(
                    "a quantifier needs a list or an object, got {}",
                    ops::describe(&xs)
                ),
            ));
        };
        // `all` looks for a false, `any`/`none` for a true
        let decisive = if kind == Quant::All {
            Tri::False
        } else {
            Tri::True
        };
        let mut missing: Option<Cond<'a>> = None;
        let mut first_origin = None;
        for item in items {
            self.set_local(slot, item);
            let c = self.cond(pred)?;
            if c.truth == decisive {
                let truth = if kind == Quant::None {
                    c.truth.not()
                } else {
                    c.truth
                };
                return Ok(Cond {
                    truth,
                    origin: c.origin,
                });
            }
            if c.truth == Tri::Missing && missing.is_none() {
                missing = Some(c);
            } else if first_origin.is_none() {
                first_origin = c.origin;
            }
        }
        if let Some(m) = missing {
            return Ok(m);
        }
        let truth = match kind {
            Quant::All => Tri::True,
            Quant::Any => Tri::False,
            Quant::None => Tri::True,
        };
        Ok(Cond {
            truth,
            origin: first_origin.or_else(|| fact_origin(xs, self.doc)),
        })
    }
}

/// The operand that decided a comparison: the missing one when the result is missing,
/// otherwise the first operand that is a fact.
fn origin_of<'a>(x: Val<'a>, y: Val<'a>, truth: Tri, doc: &Document) -> Option<Val<'a>> {
    if truth == Tri::Missing {
        return if x.is_missing() { Some(x) } else { Some(y) };
    }
    fact_origin(x, doc).or_else(|| fact_origin(y, doc))
}

/// `v` when it is a fact of `doc` (present or absent); values of a `--param` document are not.
fn fact_origin<'a>(v: Val<'a>, doc: &Document) -> Option<Val<'a>> {
    is_fact_of(&v, doc).then_some(v)
}

/// True when `v` is a node of `doc`, or an absent path into it.
pub(crate) fn is_fact_of(v: &Val<'_>, doc: &Document) -> bool {
    match v {
        Val::Node(d, _) => std::ptr::eq(*d, doc) || d.is_embedded_in(doc),
        Val::Missing(Some(a)) => std::ptr::eq(a.doc, doc) || a.doc.is_embedded_in(doc),
        _ => false,
    }
}

fn tri_value(c: Cond<'_>) -> Val<'_> {
    match c.truth {
        Tri::True => Val::Bool(true),
        Tri::False => Val::Bool(false),
        Tri::Missing => match c.origin {
            Some(Val::Missing(a)) => Val::Missing(a),
            _ => Val::Missing(None),
        },
    }
}

/// `` `/datasets/3/contains_pii` `` for an absent fact, or a generic phrase.
pub(crate) fn absent_name(origin: Option<&Val<'_>>) -> String {
    match origin.and_then(Val::absent) {
        Some(a) => format!("`{}`", a.pointer()),
        None => "a value".to_string(),
    }
}
