//! Fact paths checked against the declared fact model (`schema "annexa.ml/v1"`), as Cedar
//! validates a policy against its schema: `d.encrypton` on a `Dataset` is a compile error with
//! the nearest field suggested, instead of a value that is always missing and a rule that
//! silently skips or fails for the wrong reason.
//!
//! The inference is deliberately light: the root has the model's root type, `for` variables,
//! quantifier variables and filter elements (`.`) over a typed collection have its element type,
//! lets (local and top-level, also through `use` aliases) have the type of their value, and
//! projections map field types over elements, and a fn parameter has the type all of the fn's
//! callers pass. Everything else (computed values, maps, builtin results) is unknown and not
//! checked.

use super::{DefRef, Defs, ModuleInfo};
use crate::ast::{self, BinaryOp, Item, Module, Stmt};
use crate::diagnostics::{Diagnostic, close_names, nearest};
use crate::schema::{FactModel, ROOT, Ty, TypeTable};
use crate::source::Span;

/// The `annexa::unknown_field` diagnostic code.
pub const CODE: &str = "annexa::unknown_field";

#[derive(Clone)]
enum LetState {
    Todo,
    Busy,
    Done(Ty),
}

/// Checks every module that declares `model_name`; returns the diagnostics.
pub(super) fn check(
    all: &[Module],
    infos: &[ModuleInfo],
    defs: &Defs,
    model: &FactModel,
    model_name: &str,
) -> Vec<Diagnostic> {
    let lets: Vec<(usize, &ast::Expr)> = all
        .iter()
        .enumerate()
        .flat_map(|(m, module)| {
            module.items.iter().filter_map(move |i| match i {
                Item::Let(b) => Some((m, &b.value)),
                _ => None,
            })
        })
        .collect();
    let fn_count = all
        .iter()
        .flat_map(|m| &m.items)
        .filter(|i| matches!(i, Item::Fn(_)))
        .count();
    let mut checker = Checker {
        infos,
        defs,
        types: model.types(),
        model_name,
        let_states: vec![LetState::Todo; lets.len()],
        lets,
        fn_args: vec![Vec::new(); fn_count],
        collecting: true,
    };
    // first the argument types of every call, so a fn's parameters are typed where all its
    // callers agree; then the reports
    let mut ignored = Vec::new();
    for m in 0..all.len() {
        checker.items(all, m, &mut ignored);
    }
    checker.collecting = false;
    let mut diags = Vec::new();
    for (m, module) in all.iter().enumerate() {
        let declares = module
            .schema
            .as_ref()
            .is_some_and(|s| s.model.value == model_name);
        if declares {
            checker.items(all, m, &mut diags);
        }
    }
    diags
}

/// Where an expression is: its module, the locals in scope, the filter elements.
struct Ctx {
    module: usize,
    locals: Vec<(String, Ty)>,
    elements: Vec<Ty>,
    /// False while inferring a let's type for another module: its own module reports.
    report: bool,
}

impl Ctx {
    fn new(module: usize, report: bool) -> Ctx {
        Ctx {
            module,
            locals: Vec::new(),
            elements: Vec::new(),
            report,
        }
    }
}

struct Checker<'a> {
    infos: &'a [ModuleInfo],
    defs: &'a Defs,
    types: &'a TypeTable,
    model_name: &'a str,
    /// Top-level let values by let id (the declaration order of `compile`).
    lets: Vec<(usize, &'a ast::Expr)>,
    let_states: Vec<LetState>,
    /// Per fn id, what its callers pass for each parameter.
    fn_args: Vec<Vec<ArgTy>>,
    /// True in the first pass, which only records call argument types.
    collecting: bool,
}

/// What the calls of a fn pass for one parameter.
#[derive(Clone)]
enum ArgTy {
    Unset,
    Known(Ty),
    /// Different types, or an unknown one: the parameter stays unknown.
    Conflict,
}

impl Checker<'_> {
    fn items(&mut self, all: &[Module], m: usize, diags: &mut Vec<Diagnostic>) {
        let Some(module) = all.get(m) else { return };
        let first_fn = all
            .iter()
            .take(m)
            .flat_map(|m| &m.items)
            .filter(|i| matches!(i, Item::Fn(_)))
            .count();
        let mut fn_id = first_fn;
        for item in &module.items {
            let mut cx = Ctx::new(m, !self.collecting);
            match item {
                Item::Param(b) | Item::Let(b) => {
                    self.expr(&mut cx, &b.value, diags);
                }
                Item::Fn(f) => {
                    for (i, p) in f.params.iter().enumerate() {
                        let ty = match self.fn_args.get(fn_id).and_then(|a| a.get(i)) {
                            Some(ArgTy::Known(t)) if !self.collecting => t.clone(),
                            _ => Ty::Any,
                        };
                        cx.locals.push((p.name.clone(), ty));
                    }
                    self.expr(&mut cx, &f.body, diags);
                    fn_id += 1;
                }
                Item::Rule(r) => {
                    for meta in &r.meta {
                        match &meta.value {
                            ast::MetaValue::Template(t) => self.template(&mut cx, t, diags),
                            ast::MetaValue::Expr(e) => {
                                self.expr(&mut cx, e, diags);
                            }
                            _ => {}
                        }
                    }
                    self.block(&mut cx, &r.body, diags);
                }
                Item::Scope(sc) => {
                    self.expr(&mut cx, &sc.expr, diags);
                }
                Item::Use(_) | Item::Test(_) => {}
            }
        }
    }

    /// Records the argument types of a call of a `fn` (not of a builtin).
    fn record_call(&mut self, cx: &Ctx, callee: &ast::Expr, args: Vec<Ty>) {
        let Some(info) = self.infos.get(cx.module) else {
            return;
        };
        let def = match &callee.kind {
            ast::ExprKind::Name(n) if !cx.locals.iter().any(|(l, _)| l == n) => {
                self.defs.lookup(&info.namespace, n)
            }
            ast::ExprKind::Field(base, name) => match &base.kind {
                ast::ExprKind::Name(alias) => info
                    .aliases
                    .get(alias)
                    .and_then(|ns| self.defs.lookup(ns, &name.name)),
                _ => None,
            },
            _ => None,
        };
        let Some(DefRef::Fn(id)) = def else { return };
        let Some(slots) = self.fn_args.get_mut(id) else {
            return;
        };
        if slots.is_empty() {
            slots.resize(args.len(), ArgTy::Unset);
        }
        for (slot, ty) in slots.iter_mut().zip(args) {
            *slot = match (&*slot, ty) {
                (_, Ty::Any) | (ArgTy::Conflict, _) => ArgTy::Conflict,
                (ArgTy::Unset, t) => ArgTy::Known(t),
                (ArgTy::Known(a), t) if *a == t => ArgTy::Known(t),
                (ArgTy::Known(_), _) => ArgTy::Conflict,
            };
        }
    }

    fn block(&mut self, cx: &mut Ctx, stmts: &[Stmt], diags: &mut Vec<Diagnostic>) {
        // nested `if`/`for` blocks recurse here, not through `expr`
        crate::source::grow_stack(|| self.block_here(cx, stmts, diags));
    }

    fn block_here(&mut self, cx: &mut Ctx, stmts: &[Stmt], diags: &mut Vec<Diagnostic>) {
        let mark = cx.locals.len();
        for stmt in stmts {
            match stmt {
                Stmt::Require { cond, message, .. } => {
                    self.expr(cx, cond, diags);
                    if let Some(t) = message {
                        self.template(cx, t, diags);
                    }
                }
                Stmt::For {
                    var, iter, body, ..
                } => {
                    let element = self.expr(cx, iter, diags).element();
                    cx.locals.push((var.name.clone(), element));
                    self.block(cx, body, diags);
                    cx.locals.pop();
                }
                Stmt::Let(b) => {
                    let ty = self.expr(cx, &b.value, diags);
                    cx.locals.push((b.name.name.clone(), ty));
                }
                Stmt::If {
                    cond,
                    then,
                    otherwise,
                    ..
                } => {
                    self.expr(cx, cond, diags);
                    self.block(cx, then, diags);
                    if let Some(o) = otherwise {
                        self.block(cx, o, diags);
                    }
                }
            }
        }
        cx.locals.truncate(mark);
    }

    fn template(&mut self, cx: &mut Ctx, t: &ast::Template, diags: &mut Vec<Diagnostic>) {
        for part in &t.parts {
            if let ast::TemplatePart::Hole(e) = part {
                self.expr(cx, e, diags);
            }
        }
    }

    fn expr(&mut self, cx: &mut Ctx, e: &ast::Expr, diags: &mut Vec<Diagnostic>) -> Ty {
        use ast::ExprKind as K;
        match &e.kind {
            K::Null | K::Bool(_) | K::Int(_) | K::Float(_) | K::Str(_) | K::Date(_) => Ty::Scalar,
            K::List(items) => {
                for i in items {
                    self.expr(cx, i, diags);
                }
                Ty::Any
            }
            K::Object(entries) => {
                for (_, v) in entries {
                    self.expr(cx, v, diags);
                }
                Ty::Any
            }
            K::Name(name) => self.name(cx, name, e.span, diags),
            K::Facts => self.types.root(),
            K::Element => cx.elements.last().cloned().unwrap_or(Ty::Any),
            K::Field(base, field) => {
                if let Some(ty) = self.alias_member(cx, base, &field.name) {
                    return ty;
                }
                let base = self.expr(cx, base, diags);
                self.field(cx, &base, &field.name, field.span, diags)
            }
            K::Key(base, key) => {
                let base = self.expr(cx, base, diags);
                self.field(cx, &base, &key.value, key.span, diags)
            }
            K::Index(base, _) => self.expr(cx, base, diags).element(),
            K::Filter(base, pred) => {
                let base = self.expr(cx, base, diags);
                cx.elements.push(base.element());
                self.expr(cx, pred, diags);
                cx.elements.pop();
                match base {
                    Ty::List(_) => base,
                    _ => Ty::Any,
                }
            }
            K::Project(base, steps) => {
                let base = self.expr(cx, base, diags);
                let Ty::List(element) = base else {
                    return Ty::Any;
                };
                let mut ty = *element;
                for step in steps {
                    let (key, span) = match step {
                        ast::Step::Field(i) => (i.name.as_str(), i.span),
                        ast::Step::Key(s) => (s.value.as_str(), s.span),
                    };
                    ty = self.field(cx, &ty, key, span, diags);
                }
                Ty::List(Box::new(ty))
            }
            // the callee is a function name, not a fact
            K::Call(callee, args) => {
                let types: Vec<Ty> = args.iter().map(|a| self.expr(cx, a, diags)).collect();
                if self.collecting {
                    self.record_call(cx, callee, types);
                }
                Ty::Any
            }
            K::Unary(_, inner) => {
                self.expr(cx, inner, diags);
                Ty::Scalar
            }
            K::Binary(BinaryOp::Default, left, right) => {
                let left = self.expr(cx, left, diags);
                let right = self.expr(cx, right, diags);
                if left == Ty::Any { right } else { left }
            }
            K::Binary(_, left, right) => {
                self.expr(cx, left, diags);
                self.expr(cx, right, diags);
                Ty::Any
            }
            K::Quantifier(_, var, over, pred) => {
                let element = self.expr(cx, over, diags).element();
                cx.locals.push((var.name.clone(), element));
                self.expr(cx, pred, diags);
                cx.locals.pop();
                Ty::Scalar
            }
        }
    }

    /// The name lookup order of the language: locals, `use` aliases, the namespace's params,
    /// lets and fns, then the facts root (rules are not values).
    fn name(&mut self, cx: &mut Ctx, name: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Ty {
        if let Some((_, ty)) = cx.locals.iter().rev().find(|(n, _)| n == name) {
            return ty.clone();
        }
        let Some(info) = self.infos.get(cx.module) else {
            return Ty::Any;
        };
        if info.aliases.contains_key(name) {
            return Ty::Any;
        }
        match self.defs.lookup(&info.namespace, name) {
            Some(DefRef::Let(id)) => return self.let_type(id),
            Some(DefRef::Param(_) | DefRef::Fn(_)) => return Ty::Any,
            Some(DefRef::Rule(_)) | None => {}
        }
        // a name close to a local, alias, param or let is already `annexa::unknown_name`
        let mut candidates: Vec<&str> = cx.locals.iter().map(|(n, _)| n.as_str()).collect();
        candidates.extend(info.aliases.keys().map(String::as_str));
        candidates.extend(self.defs.value_names(&info.namespace));
        if !close_names(name, candidates).is_empty() {
            return Ty::Any;
        }
        let root = self.types.root();
        self.field(cx, &root, name, span, diags)
    }

    /// `alias.name` naming a definition of a used module (not a fact).
    fn alias_member(&mut self, cx: &Ctx, base: &ast::Expr, name: &str) -> Option<Ty> {
        let ast::ExprKind::Name(alias) = &base.kind else {
            return None;
        };
        if cx.locals.iter().any(|(n, _)| n == alias) {
            return None;
        }
        let namespace = self.infos.get(cx.module)?.aliases.get(alias)?;
        Some(match self.defs.lookup(namespace, name) {
            Some(DefRef::Let(id)) => self.let_type(id),
            _ => Ty::Any,
        })
    }

    fn let_type(&mut self, id: usize) -> Ty {
        match self.let_states.get(id) {
            Some(LetState::Done(ty)) => return ty.clone(),
            // a cycle is reported by the graph; its type is unknown
            Some(LetState::Busy) | None => return Ty::Any,
            Some(LetState::Todo) => {}
        }
        let Some(&(module, value)) = self.lets.get(id) else {
            return Ty::Any;
        };
        if let Some(s) = self.let_states.get_mut(id) {
            *s = LetState::Busy;
        }
        let mut cx = Ctx::new(module, false);
        let ty = self.expr(&mut cx, value, &mut Vec::new());
        if let Some(s) = self.let_states.get_mut(id) {
            *s = LetState::Done(ty.clone());
        }
        ty
    }

    fn field(
        &mut self,
        cx: &Ctx,
        base: &Ty,
        key: &str,
        span: Span,
        diags: &mut Vec<Diagnostic>,
    ) -> Ty {
        match self.types.field(base, key) {
            Ok(ty) => ty,
            Err(id) => {
                if cx.report {
                    diags.push(self.unknown_field(cx, id, key, span));
                }
                Ty::Any
            }
        }
    }

    fn unknown_field(&self, cx: &Ctx, id: usize, key: &str, span: Span) -> Diagnostic {
        let (name, fields): (&str, Vec<&str>) = self.types.object(id).map_or(("?", vec![]), |o| {
            (
                o.name.as_str(),
                o.fields.keys().map(String::as_str).collect(),
            )
        });
        let what = if id == ROOT {
            format!("`{name}` (the document root)")
        } else {
            format!("`{name}`")
        };
        let file = self
            .infos
            .get(cx.module)
            .map(|i| i.file.clone())
            .unwrap_or_else(|| crate::source::SourceFile::new("", ""));
        let d = Diagnostic::error(CODE, format!("{what} has no field `{key}`"), &file)
            .with_label(span, format!("not in the fact model `{}`", self.model_name));
        match nearest(key, fields.iter().copied()) {
            Some(n) => d.with_help(format!("did you mean `{n}`?")),
            None => d.with_help(format!(
                "`{name}` has the fields {}; to read a field of your own, extend the model (docs/facts.md)",
                fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}
