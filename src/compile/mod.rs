//! Checking and compiling: parsed modules → [`Program`] (names resolved to indices, controls
//! validated, the rule graph built and ordered), or every diagnostic found.

mod facts_check;
#[cfg(test)]
mod facts_tests;
mod graph;
mod host;
pub mod ir;
mod meta;
mod resolve;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use indexmap::IndexMap;

pub use graph::{DepKind, RuleGraph};
pub use host::{HostCall, HostFunction, HostFunctions};
pub use ir::*;

use crate::ast::{self, Item, Module};
use crate::diagnostics::Diagnostic;
use crate::schema::{FactModel, MODELS};
use crate::source::{SourceFile, Span};

/// Everything compiled, ready to evaluate.
#[derive(Debug)]
pub struct Program {
    /// Params, indexed by [`ParamId`].
    pub params: Vec<Param>,
    /// Top-level lets, indexed by [`LetId`].
    pub lets: Vec<Let>,
    /// Functions, indexed by [`FnId`].
    pub fns: Vec<Function>,
    /// Rules, indexed by [`RuleId`].
    pub rules: Vec<Rule>,
    /// Rules in evaluation order (`when` dependencies first, then by id).
    pub order: Vec<RuleId>,
    /// Compiled regexes, indexed from [`ExprKind::Matches`].
    pub regexes: Vec<regex::Regex>,
    /// The dependency graph.
    pub graph: RuleGraph,
    /// File-level `scope` conditions, shared by the rules of their file.
    pub scopes: Vec<FileScope>,
    /// The parsed user modules (for tests and tooling).
    pub modules: Vec<Module>,
    /// The fact model the policies declare (`schema "annexa.ml/v1"`), if any.
    pub fact_model: Option<String>,
    /// The host functions the program was compiled with, indexed by [`HostId`]
    /// ([`ExprKind::CallHost`]).
    pub hosts: Vec<HostFunction>,
}

/// Compile output: the program, or the errors; warnings either way.
pub struct Compiled {
    /// The program, when there was no error.
    pub program: Option<Program>,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A reference to a top-level definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DefRef {
    /// A param.
    Param(ParamId),
    /// A let.
    Let(LetId),
    /// A fn.
    Fn(FnId),
    /// A rule.
    Rule(RuleId),
}

/// One module's view: its namespace and its `use` aliases.
pub(crate) struct ModuleInfo {
    pub(crate) file: SourceFile,
    pub(crate) namespace: String,
    /// A module the user gave (not a stdlib one): host function names are reserved in it.
    pub(crate) user: bool,
    /// alias → namespace
    pub(crate) aliases: IndexMap<String, String>,
}

/// Where a definition was written.
#[derive(Debug, Clone)]
struct Site {
    module: usize,
    name_span: Span,
    span: Span,
}

/// Every top-level definition, by namespace.
#[derive(Default)]
pub(crate) struct Defs {
    /// namespace → name → def
    scopes: BTreeMap<String, IndexMap<String, DefRef>>,
    /// namespace → names of its params and lets, in declaration order: the "did you mean"
    /// candidates of an unknown name, kept apart so that suggesting does not scan every rule
    /// (that made compiling quadratic in the number of rules).
    values: BTreeMap<String, Vec<String>>,
    /// namespace → names of its functions, in declaration order (likewise).
    fns: BTreeMap<String, Vec<String>>,
    fn_arity: Vec<usize>,
    /// The embedder's functions, callable by name like builtins.
    pub(crate) hosts: HostFunctions,
}

impl Defs {
    fn lookup(&self, namespace: &str, name: &str) -> Option<DefRef> {
        self.scopes.get(namespace)?.get(name).copied()
    }

    fn value_names<'a>(&'a self, namespace: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.values
            .get(namespace)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    fn fn_names<'a>(&'a self, namespace: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.fns
            .get(namespace)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Declares `name` in `namespace`.
    fn declare(&mut self, namespace: &str, name: &str, def: DefRef) {
        let names = match def {
            DefRef::Param(_) | DefRef::Let(_) => Some(&mut self.values),
            DefRef::Fn(_) => Some(&mut self.fns),
            DefRef::Rule(_) => None,
        };
        if let Some(names) = names {
            names
                .entry(namespace.to_string())
                .or_default()
                .push(name.to_string());
        }
        self.scopes
            .entry(namespace.to_string())
            .or_default()
            .insert(name.to_string(), def);
    }

    fn all_names<'a>(&'a self, namespace: &str) -> Vec<&'a str> {
        self.scopes
            .get(namespace)
            .map(|s| s.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn fn_arity(&self, id: FnId) -> usize {
        self.fn_arity.get(id).copied().unwrap_or(0)
    }
}

/// Compiles parsed policy modules (stdlib modules they `use` are loaded automatically).
///
/// ```
/// use annexa::unstable::source::SourceFile;
/// let file = SourceFile::new("p.policy", "rule r {\n controls A.8.24\n require true\n}");
/// let module = annexa::unstable::syntax::parse(&file).unwrap();
/// let compiled = annexa::unstable::compile::compile(vec![module]);
/// assert!(compiled.program.is_some());
/// ```
pub fn compile(modules: Vec<Module>) -> Compiled {
    compile_with_model(modules, None)
}

/// [`compile`], with the fact paths of policies that declare the ML model checked against
/// `model` (the shipped model extended by the user) instead of the shipped one.
pub fn compile_with_model(modules: Vec<Module>, model: Option<&FactModel>) -> Compiled {
    compile_with_host(modules, model, &HostFunctions::default())
}

/// [`compile_with_model`], with the embedder's `host` functions callable from the policies:
/// calls to them are resolved and arity-checked here like builtin calls, and a user `fn`,
/// `let` or `param` may not take their names (see `docs/host-functions.md`).
///
/// ```
/// use annexa::unstable::compile::{HostFunction, HostFunctions, compile_with_host};
/// use annexa::unstable::source::SourceFile;
/// let mut hosts = HostFunctions::new();
/// hosts.add(HostFunction::new("double", 1, |a| Ok((a[0].as_i64().unwrap_or(0) * 2).into()))).unwrap();
/// let file = SourceFile::new("p.policy", "rule r {\n controls A.8.24\n require double(facts.n) == 4\n}");
/// let module = annexa::unstable::syntax::parse(&file).unwrap();
/// let program = compile_with_host(vec![module], None, &hosts).program.unwrap();
/// let doc = annexa::unstable::facts::Document::from_json("f.json", &serde_json::json!({"n": 2}));
/// let report = annexa::unstable::eval::evaluate(&program, &[doc], &Default::default()).unwrap();
/// assert_eq!(report.summary.passed, 1);
/// ```
pub fn compile_with_host(
    modules: Vec<Module>,
    model: Option<&FactModel>,
    host: &HostFunctions,
) -> Compiled {
    let mut diags = Vec::new();
    let user_count = modules.len();
    let mut all = modules;
    load_built_in_modules(&mut all, &mut diags);
    let infos = module_infos(&all, user_count, &mut diags);

    // declare every definition
    let mut defs = Defs {
        hosts: host.clone(),
        ..Defs::default()
    };
    let (mut n_params, mut n_lets, mut n_fns, mut n_rules) = (0, 0, 0, 0);
    let mut first_site: BTreeMap<(String, String), Site> = BTreeMap::new();
    for (m, module) in all.iter().enumerate() {
        let Some(info) = infos.get(m) else { continue };
        for item in &module.items {
            let (name, def) = match item {
                Item::Param(b) => (&b.name, DefRef::Param(post_inc(&mut n_params))),
                Item::Let(b) => (&b.name, DefRef::Let(post_inc(&mut n_lets))),
                Item::Fn(f) => {
                    defs.fn_arity.push(f.params.len());
                    (&f.name, DefRef::Fn(post_inc(&mut n_fns)))
                }
                Item::Rule(r) => (&r.name, DefRef::Rule(post_inc(&mut n_rules))),
                Item::Use(_) | Item::Test(_) | Item::Scope(_) => continue,
            };
            if let Some(d) = reserved_builtin(item, name, &module.source) {
                diags.push(d);
            }
            if info.user
                && let Some(d) = host::reserved(item, name, &module.source, &defs.hosts)
            {
                diags.push(d);
            }
            if let Item::Fn(f) = item {
                diags.extend(repeated_params(f, &module.source));
            }
            let site = Site {
                module: m,
                name_span: name.span,
                span: item.span(),
            };
            let key = (info.namespace.clone(), name.name.clone());
            if let Some(previous) = first_site.get(&key) {
                diags.push(duplicate(
                    &name.name,
                    &info.namespace,
                    previous,
                    &site,
                    &infos,
                ));
            } else {
                first_site.insert(key, site);
                defs.declare(&info.namespace, &name.name, def);
            }
        }
    }

    // compile every body
    let mut regexes = Vec::new();
    let mut program = Program {
        params: Vec::new(),
        lets: Vec::new(),
        fns: Vec::new(),
        rules: Vec::new(),
        order: Vec::new(),
        regexes: Vec::new(),
        graph: RuleGraph::default(),
        scopes: Vec::new(),
        modules: Vec::new(),
        fact_model: None,
        hosts: host.list(),
    };
    let mut edges: Vec<(DefRef, DefRef, Span, usize, DepKind)> = Vec::new();
    for (m, module) in all.iter().enumerate() {
        let Some(info) = infos.get(m) else { continue };
        let file_scope =
            compile_file_scope(module, info, &defs, &mut diags, &mut regexes).map(|s| {
                program.scopes.push(s);
                program.scopes.len() - 1
            });
        for item in &module.items {
            let mut scope = resolve::Scope::new(&defs, info, &mut diags, &mut regexes);
            let from = match item {
                Item::Param(b) => {
                    let default = scope.expr(&b.value);
                    program.params.push(Param {
                        qualified: qualify(&info.namespace, &b.name.name),
                        name: b.name.name.clone(),
                        default,
                        slots: scope.slots(),
                        file: info.file.clone(),
                    });
                    DefRef::Param(program.params.len() - 1)
                }
                Item::Let(b) => {
                    let value = scope.expr(&b.value);
                    program.lets.push(Let {
                        qualified: qualify(&info.namespace, &b.name.name),
                        value,
                        slots: scope.slots(),
                        file: info.file.clone(),
                    });
                    DefRef::Let(program.lets.len() - 1)
                }
                Item::Fn(f) => {
                    for p in &f.params {
                        scope.bind(&p.name);
                    }
                    let body = scope.expr(&f.body);
                    program.fns.push(Function {
                        qualified: qualify(&info.namespace, &f.name.name),
                        arity: f.params.len(),
                        body,
                        slots: scope.slots(),
                        file: info.file.clone(),
                    });
                    DefRef::Fn(program.fns.len() - 1)
                }
                Item::Rule(r) => {
                    let mut rule = meta::compile_rule(r, info, &mut scope);
                    rule.file_scope = file_scope;
                    program.rules.push(rule);
                    DefRef::Rule(program.rules.len() - 1)
                }
                Item::Use(_) | Item::Test(_) | Item::Scope(_) => continue,
            };
            let deps = std::mem::take(&mut scope.deps);
            drop(scope);
            for (to, span) in deps {
                edges.push((from, to, span, m, DepKind::Reads));
            }
        }
    }

    // `when` needs every rule declared
    meta::resolve_when(
        &all,
        &infos,
        &defs,
        &mut program.rules,
        &mut edges,
        &mut diags,
    );
    program.regexes = regexes;

    program.fact_model = declared_model(&all, user_count, &mut diags);
    if program.fact_model.is_some() {
        let model = model.unwrap_or_else(|| FactModel::ml());
        diags.extend(facts_check::check(
            &all,
            &infos,
            &defs,
            model,
            crate::schema::ML_MODEL,
        ));
    }

    let graph = RuleGraph::build(&program, &edges);
    let module_files: Vec<SourceFile> = infos.iter().map(|i| i.file.clone()).collect();
    diags.extend(graph.cycles(&program, &edges, &module_files));
    program.order = graph.rule_order(&program);
    for (rule_id, lets) in graph.lets_read(&program).into_iter().enumerate() {
        if let Some(rule) = program.rules.get_mut(rule_id) {
            rule.lets_read = lets;
        }
    }
    program.graph = graph;

    all.truncate(user_count);
    program.modules = all;
    let failed = diags.iter().any(Diagnostic::is_error);
    Compiled {
        program: if failed { None } else { Some(program) },
        diagnostics: diags,
    }
}

/// The file's `scope` item compiled like a top-level `let` (read against the document root), or
/// `None`. A second `scope` item is an error: two conditions would leave the reader guessing
/// whether they combine by `and` or `or`.
fn compile_file_scope(
    module: &Module,
    info: &ModuleInfo,
    defs: &Defs,
    diags: &mut Vec<Diagnostic>,
    regexes: &mut Vec<regex::Regex>,
) -> Option<FileScope> {
    let mut items = module.items.iter().filter_map(|i| match i {
        Item::Scope(s) => Some(s),
        _ => None,
    });
    let first = items.next()?;
    for again in items {
        diags.push(
            Diagnostic::error(
                "annexa::duplicate",
                "the file has two `scope` items",
                &info.file,
            )
            .with_label(first.span, "first here")
            .with_label(again.span, "again here")
            .with_help("combine the conditions into one `scope` with `and` or `or`"),
        );
    }
    let mut scope = resolve::Scope::new(defs, info, diags, regexes);
    let expr = scope.expr(&first.expr);
    let slots = scope.slots();
    // a scope reads lets and fns but is not a node of the rule graph: no rule can be reached
    // from an expression, so it cannot close a cycle, and its evidence gaps belong to no rule
    drop(scope);
    Some(FileScope {
        expr,
        slots,
        file: info.file.clone(),
    })
}

/// A `fn`, `let` or `param` named like a builtin would replace it for the whole namespace
/// (calls resolve fns first), so the name is refused. [`Builtin::ALL`] is the one list, so a
/// builtin added later is reserved with no change here.
fn reserved_builtin(item: &Item, name: &ast::Ident, file: &SourceFile) -> Option<Diagnostic> {
    let what = match item {
        Item::Fn(_) => "a `fn`",
        Item::Let(_) => "a `let`",
        Item::Param(_) => "a `param`",
        _ => return None,
    };
    reserved_name_error(what, name, file)
}

/// The `annexa::reserved_builtin` error when `name` is a builtin's name.
pub(crate) fn reserved_name_error(
    what: &str,
    name: &ast::Ident,
    file: &SourceFile,
) -> Option<Diagnostic> {
    let (_, arity) = Builtin::by_name(&name.name)?;
    let plural = if arity == 1 { "" } else { "s" };
    Some(
        Diagnostic::error(
            "annexa::reserved_builtin",
            format!(
                "`{}` is the name of a builtin; {what} cannot take it",
                name.name
            ),
            file,
        )
        .with_label(
            name.span,
            format!(
                "the builtin `{}` ({arity} argument{plural})",
                name.name
            ),
        )
        .with_help(format!(
            "builtin names are reserved so that no file can replace a builtin for its namespace; rename it (e.g. `my_{}`)",
            name.name
        )),
    )
}

/// `fn f(x, x)`: the second `x` could never be read.
fn repeated_params(f: &ast::FnItem, file: &SourceFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, p) in f.params.iter().enumerate() {
        let first = f.params.iter().take(i).find(|q| q.name == p.name);
        if let Some(first) = first {
            out.push(
                Diagnostic::error(
                    "annexa::duplicate",
                    format!("`fn {}` repeats the parameter `{}`", f.name.name, p.name),
                    file,
                )
                .with_label(first.span, "first here")
                .with_label(p.span, "again here")
                .with_help("give every parameter its own name"),
            );
        }
    }
    out
}

/// The model the user modules declare; an unknown model name is an error.
fn declared_model(
    all: &[Module],
    user_count: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let mut found = None;
    for module in all.iter().take(user_count) {
        let Some(decl) = &module.schema else { continue };
        if MODELS.contains(&decl.model.value.as_str()) {
            found = Some(decl.model.value.clone());
        } else {
            let known: Vec<String> = MODELS.iter().map(|m| format!("`{m}`")).collect();
            let mut d = Diagnostic::error(
                "annexa::unknown_schema",
                format!("no fact model is called `{}`", decl.model.value),
                &module.source,
            )
            .with_label(decl.model.span, "unknown fact model");
            d = match crate::diagnostics::nearest(&decl.model.value, MODELS) {
                Some(n) => d.with_help(format!("did you mean `{n}`?")),
                None => d.with_help(format!("the fact models are {}", known.join(", "))),
            };
            diags.push(d);
        }
    }
    found
}

fn post_inc(n: &mut usize) -> usize {
    *n += 1;
    *n - 1
}

/// `ns.name`, or `name` in the root namespace.
pub fn qualify(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}.{name}")
    }
}

/// Appends every stdlib module named by a `use std.X`, and every built-in pack module named by
/// a `use` that no given module declares (`use ml.common` without `-p policies/`),
/// transitively. A pack module comes in whole, rules included, as if its file had been given.
fn load_built_in_modules(all: &mut Vec<Module>, diags: &mut Vec<Diagnostic>) {
    let mut loaded: Vec<String> = Vec::new();
    let mut declared: Vec<String> = all.iter().map(Module::namespace).collect();
    let mut next = 0;
    while next < all.len() {
        let wanted: Vec<(String, bool, Span, SourceFile)> = all
            .get(next)
            .map(|m| {
                m.items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Use(u)
                            if u.path.parts.len() == 2
                                && u.path.parts.first().is_some_and(|p| p.name == "std") =>
                        {
                            Some((
                                u.path.last().to_string(),
                                true,
                                u.path.span,
                                m.source.clone(),
                            ))
                        }
                        Item::Use(u) => Some((u.path.text(), false, u.path.span, m.source.clone())),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        next += 1;
        for (name, std, span, file) in wanted {
            if !std {
                // an unknown namespace is reported with the aliases (`module_infos`)
                if declared.contains(&name) {
                    continue;
                }
                if let Some(parsed) = crate::pack::module(&name) {
                    declared.push(name);
                    match parsed {
                        Ok(module) => all.push(module),
                        Err(d) => diags.push(d),
                    }
                }
                continue;
            }
            if loaded.contains(&name) {
                continue;
            }
            match crate::stdlib::load(&name) {
                Some(parsed) => {
                    loaded.push(name.clone());
                    match parsed {
                        Ok(module) => all.push(module),
                        Err(d) => diags.push(d),
                    }
                }
                None => {
                    let names: Vec<String> =
                        crate::stdlib::names().map(|n| format!("std.{n}")).collect();
                    diags.push(
                        Diagnostic::error(
                            "annexa::unknown_module",
                            format!("no stdlib module `std.{name}`"),
                            &file,
                        )
                        .with_label(span, "not in the standard library")
                        .with_help(format!("the stdlib has {}", names.join(", "))),
                    );
                }
            }
        }
    }
}

fn module_infos(all: &[Module], user_count: usize, diags: &mut Vec<Diagnostic>) -> Vec<ModuleInfo> {
    let namespaces: Vec<String> = all.iter().map(Module::namespace).collect();
    all.iter()
        .enumerate()
        .map(|(m, module)| {
            let namespace = namespaces.get(m).cloned().unwrap_or_default();
            let mut aliases: IndexMap<String, String> = IndexMap::new();
            let mut alias_spans: IndexMap<String, Span> = IndexMap::new();
            for item in &module.items {
                let Item::Use(u) = item else { continue };
                let target = u.path.text();
                let is_std = u.path.parts.len() == 2 && u.path.parts.first().is_some_and(|p| p.name == "std");
                if !is_std && !namespaces.contains(&target) {
                    let packs = crate::pack::namespaces();
                    let known: Vec<&str> = namespaces.iter().take(user_count).chain(packs.iter()).filter(|n| !n.is_empty()).map(String::as_str).collect();
                    let mut d = Diagnostic::error(
                        "annexa::unknown_module",
                        format!("no loaded policy has the namespace `{target}`"),
                        &module.source,
                    )
                    .with_label(u.path.span, "unknown namespace");
                    d = match crate::diagnostics::nearest(&target, known.iter().copied()) {
                        Some(n) => d.with_help(format!("did you mean `{n}`?")),
                        None => d.with_help("load the policy that declares it with `-p`; `use` also finds the built-in pack modules (docs/packs.md) and the stdlib (`std.NAME`)"),
                    };
                    diags.push(d);
                    continue;
                }
                let alias = u.path.last().to_string();
                if let Some(previous) = alias_spans.get(&alias) {
                    diags.push(
                        Diagnostic::error(
                            "annexa::duplicate",
                            format!("two `use` lines bring in the name `{alias}`"),
                            &module.source,
                        )
                        .with_label(*previous, "first here")
                        .with_label(u.path.span, "again here")
                        .with_help("two modules with the same last segment cannot be used in one file"),
                    );
                    continue;
                }
                alias_spans.insert(alias.clone(), u.path.span);
                aliases.insert(alias, target);
            }
            ModuleInfo {
                file: module.source.clone(),
                namespace,
                user: m < user_count,
                aliases,
            }
        })
        .collect()
}

fn duplicate(
    name: &str,
    namespace: &str,
    first: &Site,
    again: &Site,
    infos: &[ModuleInfo],
) -> Diagnostic {
    let ns = if namespace.is_empty() {
        "the root namespace".to_string()
    } else {
        format!("namespace `{namespace}`")
    };
    let again_file = infos.get(again.module).map(|i| i.file.clone());
    let first_file = infos.get(first.module).map(|i| i.file.clone());
    let (Some(again_file), Some(first_file)) = (again_file, first_file) else {
        return Diagnostic::error(
            "annexa::duplicate",
            format!("`{name}` is defined twice"),
            &SourceFile::new("", ""),
        );
    };
    let mut d = Diagnostic::error(
        "annexa::duplicate",
        format!("`{name}` is defined twice in {ns}"),
        &again_file,
    )
    .with_label(again.name_span, "defined again here");
    if first.module == again.module {
        d = d.with_label(first.name_span, "first defined here");
        d.with_help("rename one of them; top-level names are unique per namespace")
    } else {
        let (line, col) = first_file.line_col(first.span.start);
        d.with_help(format!(
            "first defined at {}:{line}:{col}; rename one of them",
            first_file.name()
        ))
    }
}
