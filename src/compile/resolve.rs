//! Name resolution and lowering of expressions and statements from the AST to the IR.

use std::sync::Arc;

use regex::RegexBuilder;

use super::ir::{self, BinOp, Builtin, Const, ExprKind, Quant, Slot};
use super::{DefRef, Defs, ModuleInfo};
use crate::ast::{self, BinaryOp, Quantifier, UnaryOp};
use crate::diagnostics::{Diagnostic, close_names, nearest};
use crate::source::{SourceFile, Span};

/// Regexes larger than this (compiled program size) are refused at compile time.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The resolution context of one definition body (a frame of local slots).
pub(super) struct Scope<'c> {
    pub(super) defs: &'c Defs,
    pub(super) module: &'c ModuleInfo,
    locals: Vec<(String, Slot)>,
    next_slot: usize,
    filters: Vec<Slot>,
    /// References to other definitions, with where they were written (for the graph).
    pub(super) deps: Vec<(DefRef, Span)>,
    pub(super) diags: &'c mut Vec<Diagnostic>,
    pub(super) regexes: &'c mut Vec<regex::Regex>,
}

impl<'c> Scope<'c> {
    pub(super) fn new(
        defs: &'c Defs,
        module: &'c ModuleInfo,
        diags: &'c mut Vec<Diagnostic>,
        regexes: &'c mut Vec<regex::Regex>,
    ) -> Scope<'c> {
        Scope {
            defs,
            module,
            locals: Vec::new(),
            next_slot: 0,
            filters: Vec::new(),
            deps: Vec::new(),
            diags,
            regexes,
        }
    }

    fn file(&self) -> &SourceFile {
        &self.module.file
    }

    /// The number of slots the frame needs.
    pub(super) fn slots(&self) -> usize {
        self.next_slot
    }

    /// Declares a local in the current block and returns its slot.
    pub(super) fn bind(&mut self, name: &str) -> Slot {
        let slot = self.next_slot;
        self.next_slot += 1;
        self.locals.push((name.to_string(), slot));
        slot
    }

    fn text(&self, span: Span) -> Arc<str> {
        Arc::from(self.file().text().get(span.start..span.end).unwrap_or(""))
    }

    fn error(&mut self, diagnostic: Diagnostic) -> ir::Expr {
        self.diags.push(diagnostic);
        ir::Expr {
            kind: ExprKind::Const(Const::Null),
            span: Span::default(),
        }
    }

    // ------------------------------------------------------------ statements

    pub(super) fn block(&mut self, stmts: &[ast::Stmt]) -> Vec<ir::Stmt> {
        let mark = self.locals.len();
        // nested `if`/`for` blocks recurse here, not through `expr`
        let out = crate::source::grow_stack(|| stmts.iter().map(|s| self.stmt(s)).collect());
        self.locals.truncate(mark);
        out
    }

    fn stmt(&mut self, stmt: &ast::Stmt) -> ir::Stmt {
        match stmt {
            ast::Stmt::Require {
                cond,
                message,
                span,
            } => {
                let text = self.text(cond.span);
                ir::Stmt::Require {
                    cond: self.expr(cond),
                    message: message.as_ref().map(|m| self.template(m)),
                    identity: Arc::from(ir::require_identity(&text)),
                    text,
                    order: span.start,
                }
            }
            ast::Stmt::For {
                var, iter, body, ..
            } => {
                let iter_ir = self.expr(iter);
                let mark = self.locals.len();
                let slot = self.bind(&var.name);
                let body = self.block(body);
                self.locals.truncate(mark);
                ir::Stmt::For {
                    slot,
                    iter: iter_ir,
                    body,
                    text: self.text(iter.span),
                }
            }
            ast::Stmt::Let(binding) => {
                let file = self.file().clone();
                if let Some(d) = super::reserved_name_error("a `let`", &binding.name, &file) {
                    self.diags.push(d);
                }
                if self.module.user
                    && let Some(d) = super::host::reserved_error(
                        "a `let`",
                        &binding.name,
                        &file,
                        &self.defs.hosts,
                    )
                {
                    self.diags.push(d);
                }
                let value = self.expr(&binding.value);
                let slot = self.bind(&binding.name.name);
                ir::Stmt::Let { slot, value }
            }
            ast::Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => ir::Stmt::If {
                cond: self.expr(cond),
                then: self.block(then),
                otherwise: otherwise.as_ref().map_or_else(Vec::new, |o| self.block(o)),
                text: self.text(cond.span),
            },
        }
    }

    pub(super) fn template(&mut self, template: &ast::Template) -> ir::Template {
        let parts = template
            .parts
            .iter()
            .map(|p| match p {
                ast::TemplatePart::Text(t) => ir::TemplatePart::Text(Arc::from(t.as_str())),
                ast::TemplatePart::Hole(e) => ir::TemplatePart::Hole(self.expr(e)),
            })
            .collect();
        ir::Template { parts }
    }

    // ------------------------------------------------------------ expressions

    pub(super) fn expr(&mut self, expr: &ast::Expr) -> ir::Expr {
        crate::source::grow_stack(|| self.expr_here(expr))
    }

    fn expr_here(&mut self, expr: &ast::Expr) -> ir::Expr {
        let span = expr.span;
        let kind = match &expr.kind {
            ast::ExprKind::Null => ExprKind::Const(Const::Null),
            ast::ExprKind::Bool(b) => ExprKind::Const(Const::Bool(*b)),
            ast::ExprKind::Int(i) => ExprKind::Const(Const::Int(*i)),
            ast::ExprKind::Float(f) => ExprKind::Const(Const::Float(*f)),
            ast::ExprKind::Str(s) => ExprKind::Const(Const::Str(Arc::from(s.as_str()))),
            ast::ExprKind::Date(days) => ExprKind::Const(Const::Date(days.saturating_mul(86_400))),
            ast::ExprKind::List(items) => {
                let items: Vec<ir::Expr> = items.iter().map(|e| self.expr(e)).collect();
                if items.iter().all(|e| matches!(e.kind, ExprKind::Const(_))) {
                    ExprKind::Const(Const::List(
                        items.into_iter().filter_map(into_const).collect(),
                    ))
                } else {
                    ExprKind::List(items)
                }
            }
            ast::ExprKind::Object(entries) => {
                let entries: Vec<(Arc<str>, ir::Expr)> = entries
                    .iter()
                    .map(|(k, v)| (Arc::from(k.value.as_str()), self.expr(v)))
                    .collect();
                if entries
                    .iter()
                    .all(|(_, e)| matches!(e.kind, ExprKind::Const(_)))
                {
                    ExprKind::Const(Const::Object(
                        entries
                            .into_iter()
                            .filter_map(|(k, e)| into_const(e).map(|c| (k, c)))
                            .collect(),
                    ))
                } else {
                    ExprKind::Object(entries)
                }
            }
            ast::ExprKind::Name(name) => return self.name(name, span),
            ast::ExprKind::Facts => ExprKind::Root,
            ast::ExprKind::Element => match self.filters.last() {
                Some(slot) => ExprKind::Local(*slot),
                None => {
                    let file = self.file().clone();
                    return self.error(
                        Diagnostic::error("annexa::dot_outside_filter", "`.` outside a filter", &file)
                            .with_label(span, "there is no filter element here")
                            .with_help("`.` and `.field` refer to the element inside `xs[...]`; name a variable instead"),
                    );
                }
            },
            ast::ExprKind::Field(base, field) => {
                if let ast::ExprKind::Name(alias) = &base.kind
                    && !self.is_local(alias)
                    && self.module.aliases.contains_key(alias.as_str())
                {
                    return self.member(alias, &field.name, span);
                }
                ExprKind::Field(Box::new(self.expr(base)), Arc::from(field.name.as_str()))
            }
            ast::ExprKind::Key(base, key) => {
                ExprKind::Field(Box::new(self.expr(base)), Arc::from(key.value.as_str()))
            }
            ast::ExprKind::Index(base, i) => ExprKind::Index(Box::new(self.expr(base)), *i),
            ast::ExprKind::Filter(base, pred) => {
                let base = self.expr(base);
                let slot = self.bind(".");
                self.locals.pop();
                self.filters.push(slot);
                let pred_ir = self.expr(pred);
                self.filters.pop();
                ExprKind::Filter {
                    base: Box::new(base),
                    pred: Box::new(pred_ir),
                    slot,
                    text: self.text(span),
                }
            }
            ast::ExprKind::Project(base, steps) => ExprKind::Project(
                Box::new(self.expr(base)),
                steps.iter().map(|s| Arc::from(s.key())).collect(),
            ),
            ast::ExprKind::Call(callee, args) => return self.call(callee, args, span),
            ast::ExprKind::Unary(UnaryOp::Not, e) => ExprKind::Not(Box::new(self.expr(e))),
            ast::ExprKind::Unary(UnaryOp::Neg, e) => ExprKind::Neg(Box::new(self.expr(e))),
            ast::ExprKind::Binary(BinaryOp::Matches, left, right) => {
                let left = self.expr(left);
                match &right.kind {
                    ast::ExprKind::Str(pattern) => match self.regex(pattern, right.span) {
                        Some(index) => ExprKind::Matches(Box::new(left), index),
                        None => ExprKind::Const(Const::Null),
                    },
                    _ => {
                        let file = self.file().clone();
                        return self.error(
                            Diagnostic::error(
                                "annexa::invalid_regex",
                                "the pattern of `matches` must be a string literal",
                                &file,
                            )
                            .with_label(right.span, "not a string literal")
                            .with_help("write the regex inline, e.g. `name matches \"^ml-\"`, so it is checked at compile time"),
                        );
                    }
                }
            }
            ast::ExprKind::Binary(op, left, right) => {
                let op = binop(*op);
                ExprKind::Binary(op, Box::new(self.expr(left)), Box::new(self.expr(right)))
            }
            ast::ExprKind::Quantifier(q, var, over, pred) => {
                let over = self.expr(over);
                let mark = self.locals.len();
                let slot = self.bind(&var.name);
                let pred = self.expr(pred);
                self.locals.truncate(mark);
                let kind = match q {
                    Quantifier::All => Quant::All,
                    Quantifier::Any => Quant::Any,
                    Quantifier::None => Quant::None,
                };
                ExprKind::Quantifier {
                    kind,
                    slot,
                    over: Box::new(over),
                    pred: Box::new(pred),
                }
            }
        };
        ir::Expr { kind, span }
    }

    fn is_local(&self, name: &str) -> bool {
        self.locals.iter().any(|(n, _)| n == name)
    }

    fn name(&mut self, name: &str, span: Span) -> ir::Expr {
        if let Some((_, slot)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return ir::Expr {
                kind: ExprKind::Local(*slot),
                span,
            };
        }
        let file = self.file().clone();
        if self.module.aliases.contains_key(name) {
            return self.error(
                Diagnostic::error(
                    "annexa::unknown_name",
                    format!("`{name}` is a module, not a value"),
                    &file,
                )
                .with_label(span, "a `use` alias")
                .with_help(format!("reach its names as `{name}.NAME`")),
            );
        }
        // rules are not values: a rule named like a fact key (`rule datasets`) must not hide it
        if let Some(def) = self.defs.lookup(&self.module.namespace, name)
            && !matches!(def, DefRef::Rule(_))
        {
            return self.def_value(def, name, span);
        }
        let mut candidates: Vec<&str> = self.locals.iter().map(|(n, _)| n.as_str()).collect();
        candidates.extend(self.module.aliases.keys().map(String::as_str));
        candidates.extend(self.defs.value_names(&self.module.namespace));
        let close = close_names(name, candidates);
        if let Some(first) = close.first() {
            return self.error(
                Diagnostic::error(
                    "annexa::unknown_name",
                    format!("unknown name `{name}`"),
                    &file,
                )
                .with_label(span, format!("did you mean `{first}`?"))
                .with_help(format!(
                    "did you mean `{first}`? if a fact of the document root is really meant, write `facts.{name}`"
                )),
            );
        }
        ir::Expr {
            kind: ExprKind::RootField(Arc::from(name)),
            span,
        }
    }

    fn def_value(&mut self, def: DefRef, name: &str, span: Span) -> ir::Expr {
        let kind = match def {
            DefRef::Param(id) => ExprKind::Param(id),
            DefRef::Let(id) => ExprKind::Let(id),
            DefRef::Fn(_) | DefRef::Rule(_) => {
                let file = self.file().clone();
                let (what, help) = if matches!(def, DefRef::Fn(_)) {
                    ("a function", format!("call it: `{name}(…)`"))
                } else {
                    (
                        "a rule",
                        "rules are not values; use `when` to depend on a rule".to_string(),
                    )
                };
                return self.error(
                    Diagnostic::error(
                        "annexa::not_a_value",
                        format!("`{name}` is {what}, not a value"),
                        &file,
                    )
                    .with_label(span, "used as a value here")
                    .with_help(help),
                );
            }
        };
        self.deps.push((def, span));
        ir::Expr { kind, span }
    }

    /// `alias.name` as a value.
    fn member(&mut self, alias: &str, name: &str, span: Span) -> ir::Expr {
        let namespace = self.module.aliases.get(alias).cloned().unwrap_or_default();
        match self.defs.lookup(&namespace, name) {
            Some(def) => self.def_value(def, name, span),
            None => self.unknown_member(alias, &namespace, name, span),
        }
    }

    /// `alias.name` where the module defines no `name`.
    fn unknown_member(&mut self, alias: &str, namespace: &str, name: &str, span: Span) -> ir::Expr {
        let file = self.file().clone();
        let names = self.defs.all_names(namespace);
        let mut diag = Diagnostic::error(
            "annexa::unknown_name",
            format!("`{namespace}` has no `{name}`"),
            &file,
        )
        .with_label(span, "not defined in that module");
        diag = match nearest(name, names.iter().copied()) {
            Some(n) => diag.with_help(format!("did you mean `{alias}.{n}`?")),
            None => {
                let list: Vec<String> = names.iter().map(|n| format!("`{alias}.{n}`")).collect();
                diag.with_help(format!("`{namespace}` defines {}", list.join(", ")))
            }
        };
        self.error(diag)
    }

    fn call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> ir::Expr {
        let file = self.file().clone();
        let (target, name) = match &callee.kind {
            ast::ExprKind::Name(name) if !self.is_local(name) => {
                match self.defs.lookup(&self.module.namespace, name) {
                    Some(DefRef::Fn(id)) => {
                        self.deps.push((DefRef::Fn(id), callee.span));
                        (Callee::Fn(id), name.clone())
                    }
                    Some(_) => return self.not_a_function(name, callee.span),
                    None => match (Builtin::by_name(name), self.defs.hosts.get(name)) {
                        (Some((b, arity)), _) => (Callee::Builtin(b, arity), name.clone()),
                        (None, Some((id, f))) => (Callee::Host(id, f.arity), name.clone()),
                        (None, None) => {
                            let mut candidates: Vec<&str> =
                                Builtin::ALL.iter().map(|(n, _, _)| *n).collect();
                            candidates.extend(self.defs.fn_names(&self.module.namespace));
                            candidates.extend(self.defs.hosts.names());
                            let mut diag = Diagnostic::error(
                                "annexa::unknown_function",
                                format!("unknown function `{name}`"),
                                &file,
                            )
                            .with_label(
                                callee.span,
                                if self.defs.hosts.is_empty() {
                                    "no builtin or `fn` has this name"
                                } else {
                                    "no builtin, host function or `fn` has this name"
                                },
                            );
                            if let Some(n) = nearest(name, candidates) {
                                diag = diag.with_help(format!("did you mean `{n}`?"));
                            } else {
                                diag = diag.with_help("define it with `fn NAME(args) = EXPR`, or see the builtins in docs/language.md");
                            }
                            return self.error(diag);
                        }
                    },
                }
            }
            ast::ExprKind::Name(name) => return self.not_a_function(name, callee.span),
            ast::ExprKind::Field(base, field) => match &base.kind {
                ast::ExprKind::Name(alias)
                    if !self.is_local(alias)
                        && self.module.aliases.contains_key(alias.as_str()) =>
                {
                    let namespace = self
                        .module
                        .aliases
                        .get(alias.as_str())
                        .cloned()
                        .unwrap_or_default();
                    match self.defs.lookup(&namespace, &field.name) {
                        Some(DefRef::Fn(id)) => {
                            self.deps.push((DefRef::Fn(id), callee.span));
                            (Callee::Fn(id), format!("{alias}.{}", field.name))
                        }
                        Some(_) => {
                            return self
                                .not_a_function(&format!("{alias}.{}", field.name), callee.span);
                        }
                        None => {
                            return self.unknown_member(
                                alias,
                                &namespace,
                                &field.name,
                                callee.span,
                            );
                        }
                    }
                }
                _ => return self.not_callable(callee.span),
            },
            _ => return self.not_callable(callee.span),
        };
        let arity = match target {
            Callee::Fn(id) => self.defs.fn_arity(id),
            Callee::Builtin(_, arity) | Callee::Host(_, arity) => arity,
        };
        if args.len() != arity {
            let plural = if arity == 1 { "" } else { "s" };
            let were = if args.len() == 1 { "was" } else { "were" };
            return self.error(
                Diagnostic::error(
                    "annexa::arity",
                    format!(
                        "`{name}` takes {arity} argument{plural} but {} {were} given",
                        args.len()
                    ),
                    &file,
                )
                .with_label(span, format!("expected {arity} argument{plural}"))
                .with_help(format!(
                    "call `{name}` with exactly {arity} argument{plural}"
                )),
            );
        }
        let args: Vec<ir::Expr> = args.iter().map(|a| self.expr(a)).collect();
        let kind = match target {
            Callee::Fn(id) => ExprKind::CallFn(id, args),
            Callee::Builtin(b, _) => ExprKind::CallBuiltin(b, args),
            Callee::Host(id, _) => ExprKind::CallHost(id, args),
        };
        ir::Expr { kind, span }
    }

    fn not_a_function(&mut self, name: &str, span: Span) -> ir::Expr {
        let file = self.file().clone();
        self.error(
            Diagnostic::error(
                "annexa::not_a_function",
                format!("`{name}` is not a function"),
                &file,
            )
            .with_label(span, "called here")
            .with_help("only `fn`s, stdlib functions and builtins can be called"),
        )
    }

    fn not_callable(&mut self, span: Span) -> ir::Expr {
        let file = self.file().clone();
        self.error(
            Diagnostic::error(
                "annexa::not_a_function",
                "this expression cannot be called",
                &file,
            )
            .with_label(span, "not a function name")
            .with_help("call a function by name: `name(…)` or `alias.name(…)`"),
        )
    }

    fn regex(&mut self, pattern: &str, span: Span) -> Option<usize> {
        match RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
        {
            Ok(re) => {
                self.regexes.push(re);
                Some(self.regexes.len() - 1)
            }
            Err(e) => {
                let file = self.file().clone();
                let detail = e.to_string();
                let last = detail.lines().last().unwrap_or("").trim();
                let last = last.strip_prefix("error: ").unwrap_or(last).to_string();
                self.diags.push(
                    Diagnostic::error(
                        "annexa::invalid_regex",
                        format!("invalid regex: {last}"),
                        &file,
                    )
                    .with_label(span, "this pattern")
                    .with_help(
                        "patterns use the Rust `regex` syntax (no look-around or backreferences)",
                    ),
                );
                None
            }
        }
    }
}

enum Callee {
    Fn(usize),
    Builtin(Builtin, usize),
    /// A host function: its id and arity.
    Host(usize, usize),
}

fn into_const(e: ir::Expr) -> Option<Const> {
    match e.kind {
        ExprKind::Const(c) => Some(c),
        _ => None,
    }
}

fn binop(op: BinaryOp) -> BinOp {
    match op {
        BinaryOp::Or => BinOp::Or,
        BinaryOp::And => BinOp::And,
        BinaryOp::Eq => BinOp::Eq,
        BinaryOp::Ne => BinOp::Ne,
        BinaryOp::Lt => BinOp::Lt,
        BinaryOp::Le => BinOp::Le,
        BinaryOp::Gt => BinOp::Gt,
        BinaryOp::Ge => BinOp::Ge,
        BinaryOp::In => BinOp::In,
        BinaryOp::NotIn => BinOp::NotIn,
        BinaryOp::Default => BinOp::Default,
        BinaryOp::Add => BinOp::Add,
        BinaryOp::Sub => BinOp::Sub,
        BinaryOp::Mul => BinOp::Mul,
        BinaryOp::Div => BinOp::Div,
        // `matches` has its own node; never reached
        BinaryOp::Rem | BinaryOp::Matches => BinOp::Rem,
    }
}
