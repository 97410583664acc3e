//! Lints: warnings about policies that compile but are probably not what their author meant.
//!
//! Each lint lives in its own file and has a stable code in [`LINTS`]. Lints work on the syntax
//! tree of the loaded user modules (stdlib modules are never linted). A finding can be allowed
//! for one item with a comment directive on the line before it:
//!
//! ```text
//! # annexa: allow(missing_remediation, shadowed_name)
//! rule r { … }
//! ```
//!
//! or for the whole run with a [`LintConfig`] (the `annexa.toml` lint levels).
//!
//! ```
//! use annexa::unstable::source::SourceFile;
//! let file = SourceFile::new("p.policy", "let unused = 1\nrule r {\n controls A.8.24\n require x\n}\n");
//! let module = annexa::unstable::syntax::parse(&file).unwrap();
//! let found = annexa::unstable::lint::lint(&[module], &annexa::unstable::lint::LintConfig::default());
//! let codes: Vec<&str> = found.iter().map(|d| d.code()).collect();
//! assert_eq!(codes, ["annexa::unused_let", "annexa::missing_remediation"]);
//! ```

mod always_true_require;
mod codes;
mod filter_never_binds;
mod missing_remediation;
mod shadowed_name;
mod unused_fn;
mod unused_let;
mod unused_param;
mod unused_use;
mod visit;

use std::collections::{BTreeMap, BTreeSet};

pub use codes::{LINTS, LintInfo, lookup};

use crate::ast::{Item, Module};
use crate::diagnostics::Diagnostic;
use crate::source::Span;

/// How a lint is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported as a warning.
    Warn,
    /// Reported as an error.
    Deny,
}

impl Level {
    /// Parses `allow`, `warn` or `deny`.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// Run-wide lint settings (what `annexa.toml` configures).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintConfig {
    /// Lints not reported at all (short names, `unused_let`).
    pub allowed: BTreeSet<String>,
    /// Per-lint levels (short names); these win over [`LintInfo::default_level`].
    pub levels: BTreeMap<String, Level>,
}

impl LintConfig {
    /// The level a lint is reported at.
    pub fn level(&self, lint: &LintInfo) -> Level {
        if self.allowed.contains(lint.name) {
            return Level::Allow;
        }
        self.levels
            .get(lint.name)
            .copied()
            .unwrap_or(lint.default_level)
    }
}

/// One finding before levels and allow directives are applied.
pub(crate) struct Finding {
    lint: &'static LintInfo,
    module: usize,
    span: Span,
    message: String,
    label: String,
}

impl Finding {
    pub(crate) fn new(
        name: &str,
        module: usize,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Option<Finding> {
        Some(Finding {
            lint: lookup(name)?,
            module,
            span,
            message: message.into(),
            label: label.into(),
        })
    }
}

/// What every lint may look at: the modules and the names they declare and read.
pub(crate) struct Context<'a> {
    pub(crate) modules: &'a [Module],
    /// Each module's namespace.
    pub(crate) namespaces: Vec<String>,
    /// namespace → its top-level params, lets and fns.
    pub(crate) top_level: BTreeMap<String, BTreeSet<String>>,
    /// `(namespace, name)` of every top-level definition something reads.
    pub(crate) referenced: BTreeSet<(String, String)>,
    /// Each module's bare names no local binds.
    pub(crate) free_names: Vec<BTreeSet<String>>,
    /// Namespaces that hold at least one rule (the others are libraries, like the stdlib).
    pub(crate) rule_namespaces: BTreeSet<String>,
}

impl<'a> Context<'a> {
    fn new(modules: &'a [Module]) -> Context<'a> {
        let namespaces: Vec<String> = modules.iter().map(Module::namespace).collect();
        let aliases: Vec<BTreeMap<String, String>> = modules
            .iter()
            .map(|m| {
                m.items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Use(u) => Some((u.path.last().to_string(), u.path.text())),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let mut top_level: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut rule_namespaces = BTreeSet::new();
        for (m, module) in modules.iter().enumerate() {
            let ns = namespaces.get(m).cloned().unwrap_or_default();
            for item in &module.items {
                let name = match item {
                    Item::Param(b) | Item::Let(b) => &b.name.name,
                    Item::Fn(f) => &f.name.name,
                    Item::Rule(_) => {
                        rule_namespaces.insert(ns.clone());
                        continue;
                    }
                    Item::Use(_) | Item::Test(_) | Item::Scope(_) => continue,
                };
                top_level
                    .entry(ns.clone())
                    .or_default()
                    .insert(name.clone());
            }
        }
        let mut referenced = BTreeSet::new();
        let mut free_names = Vec::new();
        for (m, module) in modules.iter().enumerate() {
            let ns = namespaces.get(m).cloned().unwrap_or_default();
            let empty = BTreeMap::new();
            let module_aliases = aliases.get(m).unwrap_or(&empty);
            let mut free = BTreeSet::new();
            for item in &module.items {
                visit::walk_item(item, &mut |event| match event {
                    visit::Event::Ref(name) => {
                        free.insert(name.to_string());
                        referenced.insert((ns.clone(), name.to_string()));
                    }
                    visit::Event::Member(base, member) => {
                        if let Some(target) = module_aliases.get(base) {
                            referenced.insert((target.clone(), member.name.clone()));
                        }
                    }
                    _ => {}
                });
            }
            free_names.push(free);
        }
        Context {
            modules,
            namespaces,
            top_level,
            referenced,
            free_names,
            rule_namespaces,
        }
    }

    /// The namespace of module `m`.
    pub(crate) fn namespace(&self, m: usize) -> &str {
        self.namespaces.get(m).map_or("", String::as_str)
    }

    /// Whether module `m`'s namespace declares `name` at top level.
    pub(crate) fn is_top_level(&self, m: usize, name: &str) -> bool {
        self.top_level
            .get(self.namespace(m))
            .is_some_and(|names| names.contains(name))
    }
}

/// Findings for one kind of unused top-level definition (shared by the three `unused_*` lints).
pub(crate) fn unused_defs(
    ctx: &Context<'_>,
    lint: &str,
    kind: &str,
    pick: impl Fn(&Item) -> Option<&crate::ast::Ident>,
    out: &mut Vec<Finding>,
) {
    for (m, module) in ctx.modules.iter().enumerate() {
        let ns = ctx.namespace(m).to_string();
        if !ctx.rule_namespaces.contains(&ns) {
            continue;
        }
        for item in &module.items {
            let Some(name) = pick(item) else { continue };
            if ctx.referenced.contains(&(ns.clone(), name.name.clone())) {
                continue;
            }
            out.extend(Finding::new(
                lint,
                m,
                name.span,
                format!("{kind} `{}` is never used", name.name),
                "defined here",
            ));
        }
    }
}

/// `# annexa: allow(a, b)` directives: (the item span they cover, the lint names).
fn directives(module: &Module, unknown: &mut Vec<(usize, Diagnostic)>) -> Vec<(Span, Vec<String>)> {
    let mut out = Vec::new();
    for comment in &module.comments {
        let text = comment.text.trim();
        let Some(rest) = text.strip_prefix("annexa:") else {
            continue;
        };
        let rest = rest.trim();
        let Some(inner) = rest
            .strip_prefix("allow(")
            .and_then(|r| r.trim_end().strip_suffix(')'))
        else {
            unknown.push((
                comment.span.start,
                Diagnostic::warning(
                    "annexa::bad_directive",
                    "this `# annexa:` comment is not a directive annexa knows",
                    &module.source,
                )
                .with_label(comment.span, "not understood")
                .with_help("write `# annexa: allow(LINT, …)` on the line before the item"),
            ));
            continue;
        };
        let mut names = Vec::new();
        for raw in inner.split(',') {
            let name = raw.trim();
            if name.is_empty() {
                continue;
            }
            match lookup(name) {
                Some(l) => names.push(l.name.to_string()),
                None => {
                    let known: Vec<&str> = LINTS.iter().map(|l| l.name).collect();
                    let help = match crate::diagnostics::nearest(name, known.iter().copied()) {
                        Some(n) => format!("did you mean `{n}`?"),
                        None => format!("the lints are {}", known.join(", ")),
                    };
                    unknown.push((
                        comment.span.start,
                        Diagnostic::warning(
                            "annexa::unknown_lint",
                            format!("no lint is called `{name}`"),
                            &module.source,
                        )
                        .with_label(comment.span, "in this directive")
                        .with_help(help),
                    ));
                }
            }
        }
        let covered = module
            .items
            .iter()
            .map(Item::span)
            .find(|s| s.start >= comment.span.end);
        if let Some(span) = covered {
            out.push((span, names));
        }
    }
    out
}

/// Runs every lint over the user modules; returns the findings (warnings, or errors for lints
/// at [`Level::Deny`]) in file order, then by position, after allow directives and `config`.
pub fn lint(modules: &[Module], config: &LintConfig) -> Vec<Diagnostic> {
    let ctx = Context::new(modules);
    let mut findings = Vec::new();
    unused_let::check(&ctx, &mut findings);
    unused_param::check(&ctx, &mut findings);
    unused_fn::check(&ctx, &mut findings);
    unused_use::check(&ctx, &mut findings);
    filter_never_binds::check(&ctx, &mut findings);
    always_true_require::check(&ctx, &mut findings);
    missing_remediation::check(&ctx, &mut findings);
    shadowed_name::check(&ctx, &mut findings);

    let mut out: Vec<(usize, usize, usize, Diagnostic)> = Vec::new();
    let mut allows = Vec::new();
    for (m, module) in modules.iter().enumerate() {
        let mut problems = Vec::new();
        allows.push(directives(module, &mut problems));
        for (start, d) in problems {
            out.push((m, start, usize::MAX, d));
        }
    }
    for f in findings {
        let level = config.level(f.lint);
        if level == Level::Allow {
            continue;
        }
        let allowed_here = allows.get(f.module).is_some_and(|list| {
            list.iter().any(|(span, names)| {
                span.start <= f.span.start
                    && f.span.end <= span.end
                    && names.iter().any(|n| n == f.lint.name)
            })
        });
        if allowed_here {
            continue;
        }
        let Some(module) = modules.get(f.module) else {
            continue;
        };
        let d = if level == Level::Deny {
            Diagnostic::error(f.lint.code, f.message, &module.source)
        } else {
            Diagnostic::warning(f.lint.code, f.message, &module.source)
        }
        .with_label(f.span, f.label)
        .with_help(f.lint.help);
        let order = LINTS
            .iter()
            .position(|l| l.name == f.lint.name)
            .unwrap_or(0);
        out.push((f.module, f.span.start, order, d));
    }
    out.sort_by_key(|(m, start, order, _)| (*m, *start, *order));
    out.into_iter().map(|(.., d)| d).collect()
}
