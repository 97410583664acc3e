//! Rule metadata: controls against the Annex A catalog, severity, `when`, and the rule body.

use indexmap::IndexMap;

use super::ir::{Rule, RuleId};
use super::resolve::Scope;
use super::{DefRef, Defs, DepKind, ModuleInfo, qualify};
use crate::ast::{self, Item, MetaKey, MetaValue, Severity};
use crate::controls::{Lookup, catalog};
use crate::diagnostics::{Diagnostic, nearest};
use crate::source::Span;

pub(super) fn compile_rule(rule: &ast::RuleItem, info: &ModuleInfo, scope: &mut Scope<'_>) -> Rule {
    let file = info.file.clone();
    let mut seen: IndexMap<&'static str, Span> = IndexMap::new();
    let mut compiled = Rule {
        id: qualify(&info.namespace, &rule.name.name),
        name: rule.name.name.clone(),
        namespace: info.namespace.clone(),
        title: None,
        description: None,
        remediation: None,
        controls: Vec::new(),
        severity: Severity::Medium,
        tags: Vec::new(),
        aspect: None,
        when: Vec::new(),
        body: Vec::new(),
        slots: 0,
        lets_read: Vec::new(),
        file_scope: None,
        scope: None,
        file: file.clone(),
        span: rule.span,
    };
    let mut has_controls = false;
    for meta in &rule.meta {
        let key = meta.key.as_str();
        if let Some(first) = seen.get(key) {
            scope.diags.push(
                Diagnostic::error(
                    "annexa::duplicate",
                    format!("`{key}` is given twice in rule `{}`", rule.name.name),
                    &file,
                )
                .with_label(*first, "first here")
                .with_label(meta.key_span, "again here")
                .with_help(
                    "each metadata key appears at most once; list several values with commas",
                ),
            );
            continue;
        }
        seen.insert(key, meta.key_span);
        match (&meta.key, &meta.value) {
            (MetaKey::Title, MetaValue::Template(t)) => compiled.title = Some(scope.template(t)),
            (MetaKey::Description, MetaValue::Template(t)) => {
                compiled.description = Some(scope.template(t))
            }
            (MetaKey::Remediation, MetaValue::Template(t)) => {
                compiled.remediation = Some(scope.template(t))
            }
            (MetaKey::Controls, MetaValue::Controls(ids)) => {
                has_controls = true;
                for control in ids {
                    for id in check_control(control, &file, scope.diags) {
                        if !compiled.controls.contains(&id) {
                            compiled.controls.push(id);
                        }
                    }
                }
            }
            (MetaKey::Severity, MetaValue::Severity(word)) => {
                match Severity::parse(&word.name) {
                    Some(s) => compiled.severity = s,
                    None => {
                        let words = ["critical", "high", "medium", "low", "info"];
                        let mut d = Diagnostic::error(
                            "annexa::unknown_severity",
                            format!("unknown severity `{}`", word.name),
                            &file,
                        )
                        .with_label(word.span, "not a severity");
                        d = match nearest(&word.name, words) {
                        Some(n) => d.with_help(format!("did you mean `{n}`? severities are critical, high, medium, low, info")),
                        None => d.with_help("severities are critical, high, medium, low, info"),
                    };
                        scope.diags.push(d);
                    }
                }
            }
            (MetaKey::Tags, MetaValue::Tags(tags)) => {
                compiled.tags = tags.iter().map(|t| t.value.clone()).collect();
            }
            (MetaKey::Aspect, MetaValue::Aspect(aspect)) => {
                compiled.aspect = Some(match aspect {
                    Some(text) => super::ir::Aspect::Part(text.value.clone()),
                    None => super::ir::Aspect::Whole,
                });
            }
            (MetaKey::Scope, MetaValue::Expr(e)) => compiled.scope = Some(scope.expr(e)),
            // resolved once every rule is declared
            (MetaKey::When, MetaValue::When(_)) => {}
            _ => {}
        }
    }
    if !has_controls {
        scope.diags.push(
            Diagnostic::error(
                "annexa::missing_controls",
                format!("rule `{}` maps to no Annex A control", rule.name.name),
                &file,
            )
            .with_label(rule.name.span, "this rule has no `controls` line")
            .with_help("add e.g. `controls A.8.24`: every rule evidences at least one control"),
        );
    }
    compiled.body = scope.block(&rule.body);
    compiled.slots = scope.slots();
    compiled
}

/// The 2022 ids a written control id stands for, reporting unknown and 2013 ids.
fn check_control(
    control: &ast::ControlRef,
    file: &crate::source::SourceFile,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    match catalog().lookup(&control.id) {
        Lookup::Current(c) => vec![c.id.clone()],
        Lookup::Legacy(legacy) => {
            let targets = legacy.targets.join(", ");
            diags.push(
                Diagnostic::warning(
                    "annexa::legacy_control",
                    format!(
                        "`{}` is an ISO/IEC 27001:2013 id; it maps to {targets} in 2022",
                        control.id
                    ),
                    file,
                )
                .with_label(control.span, format!("2013: {}", legacy.title_2013))
                .with_help(format!("write `{targets}` instead")),
            );
            legacy.targets.clone()
        }
        Lookup::Unknown { suggestions } => {
            let mut d = Diagnostic::error(
                "annexa::unknown_control",
                format!(
                    "`{}` is not an ISO/IEC 27001:2022 Annex A control",
                    control.id
                ),
                file,
            );
            d = if suggestions.is_empty() {
                d.with_label(control.span, "no such control").with_help(
                    "Annex A 2022 ids run from A.5.1 to A.8.34; `annexa controls` lists them",
                )
            } else {
                let list: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
                let list = match list.split_last() {
                    Some((last, init)) if !init.is_empty() => {
                        format!("{} or {last}", init.join(", "))
                    }
                    _ => list.join(""),
                };
                d.with_label(
                    control.span,
                    format!("no such control; did you mean {list}?"),
                )
                .with_help(format!(
                    "did you mean {list}? `annexa controls` lists the catalog"
                ))
            };
            diags.push(d);
            Vec::new()
        }
    }
}

/// Resolves every rule's `when` list (`name` in the rule's namespace, or `ns.name`).
pub(super) fn resolve_when(
    modules: &[ast::Module],
    infos: &[ModuleInfo],
    defs: &Defs,
    rules: &mut [Rule],
    edges: &mut Vec<(DefRef, DefRef, Span, usize, DepKind)>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut rule_id: RuleId = 0;
    for (m, module) in modules.iter().enumerate() {
        let Some(info) = infos.get(m) else { continue };
        for item in &module.items {
            let Item::Rule(rule) = item else { continue };
            let this = rule_id;
            rule_id += 1;
            let names = rule.meta.iter().find_map(|meta| match &meta.value {
                MetaValue::When(names) => Some(names),
                _ => None,
            });
            for name in names.into_iter().flatten() {
                let target = if name.parts.len() == 1 {
                    defs.lookup(&info.namespace, name.last())
                } else {
                    let ns: Vec<&str> = name
                        .parts
                        .iter()
                        .take(name.parts.len() - 1)
                        .map(|p| p.name.as_str())
                        .collect();
                    defs.lookup(&ns.join("."), name.last())
                };
                match target {
                    Some(DefRef::Rule(id)) => {
                        if let Some(r) = rules.get_mut(this)
                            && !r.when.contains(&id)
                        {
                            r.when.push(id);
                        }
                        edges.push((
                            DefRef::Rule(this),
                            DefRef::Rule(id),
                            name.span,
                            m,
                            DepKind::When,
                        ));
                    }
                    _ => {
                        let rule_names: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
                        let written = name.text();
                        let mut d = Diagnostic::error(
                            "annexa::unknown_rule",
                            format!("`when` names `{written}`, which is not a rule"),
                            &info.file,
                        )
                        .with_label(name.span, "no rule by this name");
                        d = match nearest(
                            &qualify(&info.namespace, &written),
                            rule_names.iter().copied(),
                        )
                        .or_else(|| nearest(&written, rule_names.iter().copied()))
                        {
                            Some(n) => d.with_help(format!("did you mean `{n}`?")),
                            None => d.with_help("`when` takes rule names, `name` or `ns.name`"),
                        };
                        diags.push(d);
                    }
                }
            }
        }
    }
}
