//! Every compile diagnostic code, each from a small policy, plus name resolution order and the
//! module rules (`use` cycles allowed, definition cycles not).

use super::*;
use crate::diagnostics::Diagnostic;
use crate::source::SourceFile;

fn module(name: &str, text: &str) -> Module {
    match crate::syntax::parse(&SourceFile::new(name, text)) {
        Ok(m) => m,
        Err(d) => panic!(
            "{name} does not parse: {}",
            crate::diagnostics::render_plain(&d, 100)
        ),
    }
}

fn compile_files(files: &[(&str, &str)]) -> Compiled {
    compile(files.iter().map(|(n, t)| module(n, t)).collect())
}

fn compile_str(text: &str) -> Compiled {
    compile_files(&[("p.policy", text)])
}

/// The program of a policy that must compile without any diagnostic.
fn clean(text: &str) -> Program {
    let compiled = compile_str(text);
    let shown: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code(), d.message()))
        .collect();
    assert!(shown.is_empty(), "unexpected diagnostics: {shown:#?}");
    match compiled.program {
        Some(p) => p,
        None => panic!("no program"),
    }
}

/// The one diagnostic a policy produces, which must have `code`; the program must be refused.
fn only(text: &str, code: &str) -> Diagnostic {
    let compiled = compile_str(text);
    let codes: Vec<(&str, &str)> = compiled
        .diagnostics
        .iter()
        .map(|d| (d.code(), d.message()))
        .collect();
    assert_eq!(
        compiled.diagnostics.len(),
        1,
        "expected one {code}, got {codes:#?}"
    );
    let d = compiled
        .diagnostics
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no diagnostic"));
    assert_eq!(d.code(), code, "{}", d.message());
    assert!(d.is_error(), "{code} should be an error");
    assert!(compiled.program.is_none(), "{code} must stop compilation");
    d
}

fn help(d: &Diagnostic) -> &str {
    d.help_text()
        .unwrap_or_else(|| panic!("`{}` has no help", d.message()))
}

/// The condition of the `n`th top-level `require` of the first rule.
fn require_cond(program: &Program, n: usize) -> &ExprKind {
    let rule = program.rules.first().unwrap_or_else(|| panic!("no rule"));
    let conds: Vec<&Expr> = flatten(&rule.body);
    &conds
        .get(n)
        .unwrap_or_else(|| panic!("no require #{n}"))
        .kind
}

fn flatten(stmts: &[Stmt]) -> Vec<&Expr> {
    let mut out = Vec::new();
    for s in stmts {
        match s {
            Stmt::Require { cond, .. } => out.push(cond),
            Stmt::For { body, .. } => out.extend(flatten(body)),
            Stmt::If {
                then, otherwise, ..
            } => {
                out.extend(flatten(then));
                out.extend(flatten(otherwise));
            }
            Stmt::Let { .. } => {}
        }
    }
    out
}

const R: &str = "rule r {\n  controls A.5.9\n";

fn rule_requiring(prelude: &str, body: &str) -> String {
    format!("{prelude}\n{R}  {body}\n}}\n")
}

// ------------------------------------------------------------------ unknown_name (the typo rule)

#[test]
fn typo_of_a_param_is_an_error_with_a_suggestion() {
    let d = only(
        &rule_requiring(
            "param allowed_regions = [\"eu-west-1\"]",
            "require all b in buckets: b.region in alowed_regions",
        ),
        "annexa::unknown_name",
    );
    assert_eq!(d.message(), "unknown name `alowed_regions`");
    assert!(
        help(&d).contains("did you mean `allowed_regions`?"),
        "{}",
        help(&d)
    );
    assert!(help(&d).contains("facts.alowed_regions"), "{}", help(&d));
    assert_eq!(d.location(), "p.policy:4:41");
}

#[test]
fn facts_dot_name_is_never_a_typo() {
    clean(&rule_requiring(
        "param allowed_regions = [\"eu-west-1\"]",
        "require all b in buckets: b.region in facts.alowed_regions",
    ));
}

#[test]
fn a_short_undeclared_name_is_a_fact_root_key() {
    let p = clean(&rule_requiring("let fob = 1", "require foo == 1"));
    match require_cond(&p, 0) {
        ExprKind::Binary(_, left, _) => {
            assert!(matches!(&left.kind, ExprKind::RootField(k) if &**k == "foo"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn typo_thresholds_follow_the_name_length() {
    // 4–6 characters: distance 1 is a typo, distance 2 is not
    only(
        &rule_requiring("let region = 1", "require regon == 1"),
        "annexa::unknown_name",
    );
    clean(&rule_requiring("let region = 1", "require rgin == 1"));
    // 7 or more: distance 2 is still a typo
    only(
        &rule_requiring("let allowed_regions = 1", "require alwed_regions == 1"),
        "annexa::unknown_name",
    );
    clean(&rule_requiring(
        "let allowed_regions = 1",
        "require alw_regios_x == 1",
    ));
}

#[test]
fn typos_compare_only_with_params_lets_locals_and_aliases() {
    // fns and rules are not candidates
    clean(&rule_requiring(
        "fn strong_tls(v) = v == \"1.3\"",
        "require strong_tl == 1",
    ));
    clean(&format!(
        "{R}  require owner_set == 1\n}}\nrule owners_set {{\n  controls A.5.9\n  require true\n}}\n"
    ));
    // a local is
    let d = only(
        &rule_requiring(
            "",
            "for dataset in datasets {\n    require datset.owner\n  }",
        ),
        "annexa::unknown_name",
    );
    assert!(help(&d).contains("`dataset`"), "{}", help(&d));
    // and so is a `use` alias
    let d = only(
        &rule_requiring("use std.crypto", "require crypt == 1"),
        "annexa::unknown_name",
    );
    assert!(help(&d).contains("`crypto`"), "{}", help(&d));
}

#[test]
fn an_alias_alone_is_not_a_value() {
    let d = only(
        &rule_requiring("use std.crypto", "require crypto == 1"),
        "annexa::unknown_name",
    );
    assert!(d.message().contains("is a module"), "{}", d.message());
    assert!(help(&d).contains("crypto.NAME"), "{}", help(&d));
}

#[test]
fn an_unknown_member_of_an_alias_suggests_or_lists() {
    let d = only(
        &rule_requiring("use std.crypto", "require crypto.strong_ciphr == 1"),
        "annexa::unknown_name",
    );
    assert_eq!(d.message(), "`std.crypto` has no `strong_ciphr`");
    let d = only(
        &rule_requiring("use std.crypto", "require crypto.strong_cipher_list == 1"),
        "annexa::unknown_name",
    );
    assert!(help(&d).contains("`crypto.strong_ciphers`"), "{}", help(&d));
}

// ------------------------------------------------------------------ functions

#[test]
fn unknown_function_suggests_the_nearest_builtin_or_fn() {
    let d = only(
        &rule_requiring("", "require cuont(datasets) > 0"),
        "annexa::unknown_function",
    );
    assert_eq!(d.message(), "unknown function `cuont`");
    assert_eq!(help(&d), "did you mean `count`?");
    let d = only(
        &rule_requiring(
            "fn strong_tls(v) = v == \"1.3\"",
            "require strong_tsl(\"1.2\")",
        ),
        "annexa::unknown_function",
    );
    assert_eq!(help(&d), "did you mean `strong_tls`?");
    let d = only(
        &rule_requiring("", "require zzzzzzzzzz(1)"),
        "annexa::unknown_function",
    );
    assert!(help(&d).contains("fn NAME"), "{}", help(&d));
}

#[test]
fn arity_is_checked_for_builtins_user_fns_and_stdlib_fns() {
    let d = only(
        &rule_requiring("", "require count(datasets, 1) > 0"),
        "annexa::arity",
    );
    assert_eq!(d.message(), "`count` takes 1 argument but 2 were given");
    assert!(help(&d).contains("exactly 1 argument"), "{}", help(&d));
    let d = only(
        &rule_requiring("fn both(a, b) = a and b", "require both(true)"),
        "annexa::arity",
    );
    assert_eq!(d.message(), "`both` takes 2 arguments but 1 was given");
    let d = only(
        &rule_requiring("use std.crypto", "require crypto.tls_ok()"),
        "annexa::arity",
    );
    assert_eq!(
        d.message(),
        "`crypto.tls_ok` takes 1 argument but 0 were given"
    );
}

#[test]
fn calling_a_non_function_is_an_error() {
    let d = only(
        &rule_requiring(
            "let owners = datasets[*].owner",
            "require count(owners()) > 0",
        ),
        "annexa::not_a_function",
    );
    assert_eq!(d.message(), "`owners` is not a function");
    assert!(help(&d).contains("can be called"), "{}", help(&d));
    // a param, a stdlib param, a local, a field
    only(
        &rule_requiring("param limit = 3", "require limit(1)"),
        "annexa::not_a_function",
    );
    only(
        &rule_requiring("use std.crypto", "require crypto.strong_ciphers(1)"),
        "annexa::not_a_function",
    );
    only(
        &rule_requiring("", "for d in datasets {\n    require d(1)\n  }"),
        "annexa::not_a_function",
    );
    let d = only(
        &rule_requiring("", "require datasets.first(1)"),
        "annexa::not_a_function",
    );
    assert!(help(&d).contains("alias.name(…)"), "{}", help(&d));
}

#[test]
fn a_function_used_as_a_value_is_an_error() {
    let d = only(
        &rule_requiring("fn ok(v) = v", "require ok"),
        "annexa::not_a_value",
    );
    assert!(help(&d).contains("ok(…)"), "{}", help(&d));
}

// ------------------------------------------------------------------ duplicates

#[test]
fn duplicate_definitions_in_one_file_mark_both_places() {
    let d = only(
        &rule_requiring("let x = 1\nlet x = 2", "require x == 1"),
        "annexa::duplicate",
    );
    assert_eq!(d.message(), "`x` is defined twice in the root namespace");
    let text = crate::diagnostics::render_plain(&d, 100);
    assert!(
        text.contains("first defined here") && text.contains("defined again here"),
        "{text}"
    );
    assert_eq!(d.location(), "p.policy:2:5");
    // a fn and a let share the namespace too
    only(
        &rule_requiring("let f = 1\nfn f(a) = a", "require true"),
        "annexa::duplicate",
    );
}

#[test]
fn duplicate_definitions_across_files_name_the_first_place() {
    let compiled = compile_files(&[
        ("a.policy", "policy org.x\nlet shared = 1\n"),
        ("b.policy", "policy org.x\n\nlet shared = 2\n"),
    ]);
    let d = compiled
        .diagnostics
        .first()
        .unwrap_or_else(|| panic!("no diagnostic"));
    assert_eq!(compiled.diagnostics.len(), 1);
    assert_eq!(d.code(), "annexa::duplicate");
    assert_eq!(
        d.message(),
        "`shared` is defined twice in namespace `org.x`"
    );
    assert_eq!(d.location(), "b.policy:3:5");
    assert!(help(d).contains("a.policy:2:1"), "{}", help(d));
}

#[test]
fn two_uses_with_the_same_last_segment_are_a_duplicate() {
    let compiled = compile_files(&[
        ("a.policy", "policy a\nuse std.crypto\nuse org.crypto\n"),
        ("b.policy", "policy org.crypto\nlet x = 1\n"),
    ]);
    let codes: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["annexa::duplicate"]);
    let d = compiled
        .diagnostics
        .first()
        .unwrap_or_else(|| panic!("none"));
    assert_eq!(d.message(), "two `use` lines bring in the name `crypto`");
    assert_eq!(d.location(), "a.policy:2:5");
    assert!(help(d).contains("same last segment"), "{}", help(d));
}

#[test]
fn duplicate_metadata_keys_are_a_duplicate() {
    let d = only(
        "rule r {\n  controls A.5.9\n  severity high\n  severity low\n  require true\n}\n",
        "annexa::duplicate",
    );
    assert_eq!(d.message(), "`severity` is given twice in rule `r`");
}

// ------------------------------------------------------------------ regexes

#[test]
fn invalid_regexes_are_compile_errors() {
    let d = only(
        &rule_requiring("", "require name matches \"^(ml-\""),
        "annexa::invalid_regex",
    );
    assert_eq!(d.message(), "invalid regex: unclosed group");
    assert!(help(&d).contains("regex"), "{}", help(&d));
    assert_eq!(d.location(), "p.policy:4:24");
    let d = only(
        &rule_requiring("let p = \"^a\"", "require name matches p"),
        "annexa::invalid_regex",
    );
    assert!(d.message().contains("string literal"), "{}", d.message());
    // a template-looking pattern is a plain regex
    clean(&rule_requiring("", "require name matches \"^a{2,3}$\""));
}

// ------------------------------------------------------------------ rules and `when`

#[test]
fn when_naming_no_rule_is_unknown_rule() {
    let d = only(
        &format!(
            "rule training_data_encrypted {{\n  controls A.8.24\n  require true\n}}\n{R}  when training_data_encrpted\n  require true\n}}\n"
        ),
        "annexa::unknown_rule",
    );
    assert_eq!(
        d.message(),
        "`when` names `training_data_encrpted`, which is not a rule"
    );
    assert_eq!(help(&d), "did you mean `training_data_encrypted`?");
    // a let is not a rule either
    only(
        &format!("let x = 1\n{R}  when x\n  require true\n}}\n"),
        "annexa::unknown_rule",
    );
}

#[test]
fn when_takes_qualified_names_across_namespaces() {
    let compiled = compile_files(&[
        (
            "a.policy",
            "policy a\nrule base {\n  controls A.5.9\n  require true\n}\n",
        ),
        (
            "b.policy",
            "policy b\nrule next {\n  controls A.5.9\n  when a.base\n  require true\n}\n",
        ),
    ]);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled
            .diagnostics
            .iter()
            .map(Diagnostic::message)
            .collect::<Vec<_>>()
    );
    let p = compiled.program.unwrap_or_else(|| panic!("no program"));
    let ids: Vec<&str> = p
        .order
        .iter()
        .filter_map(|r| p.rules.get(*r))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, ["a.base", "b.next"]);
}

// ------------------------------------------------------------------ cycles

#[test]
fn a_let_cycle_shows_the_whole_cycle() {
    let d = only(
        &rule_requiring("let a = b\nlet b = c\nlet c = a", "require a == 1"),
        "annexa::cycle",
    );
    assert!(
        d.message().ends_with("let a → let b → let c → let a"),
        "{}",
        d.message()
    );
    let text = crate::diagnostics::render_plain(&d, 100);
    for step in ["let a uses let b", "let b uses let c", "let c uses let a"] {
        assert!(text.contains(step), "{text}");
    }
}

#[test]
fn fn_recursion_direct_or_mutual_is_a_cycle() {
    let d = only(
        &rule_requiring("fn f(n) = f(n - 1)", "require f(3)"),
        "annexa::cycle",
    );
    assert!(d.message().ends_with("fn f → fn f"), "{}", d.message());
    assert!(help(&d).contains("recursion"), "{}", help(&d));
    let d = only(
        &rule_requiring(
            "fn even(n) = n == 0 or odd(n - 1)\nfn odd(n) = n != 0 and even(n - 1)",
            "require even(4)",
        ),
        "annexa::cycle",
    );
    assert!(
        d.message().ends_with("fn even → fn odd → fn even"),
        "{}",
        d.message()
    );
}

#[test]
fn a_when_cycle_is_a_cycle() {
    let text = "rule first {\n  controls A.5.9\n  when second\n  require true\n}\nrule second {\n  controls A.5.9\n  when first\n  require true\n}\n";
    let d = only(text, "annexa::cycle");
    assert_eq!(
        d.message(),
        "`when` dependencies form a cycle: rule first → rule second → rule first"
    );
    assert!(help(&d).contains("when"), "{}", help(&d));
}

#[test]
fn use_cycles_between_files_are_allowed() {
    let compiled = compile_files(&[
        (
            "a.policy",
            "policy a\nuse b\nlet x = 1\nlet from_b = b.y + 1\n",
        ),
        ("b.policy", "policy b\nuse a\nlet y = a.x + 1\n"),
    ]);
    assert!(
        compiled.diagnostics.is_empty(),
        "{:?}",
        compiled
            .diagnostics
            .iter()
            .map(Diagnostic::message)
            .collect::<Vec<_>>()
    );
    assert!(compiled.program.is_some());
}

#[test]
fn definition_cycles_across_files_are_errors() {
    let compiled = compile_files(&[
        ("a.policy", "policy a\nuse b\nlet x = b.y\n"),
        ("b.policy", "policy b\nuse a\nlet y = a.x\n"),
    ]);
    let codes: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["annexa::cycle"]);
    let d = compiled
        .diagnostics
        .first()
        .unwrap_or_else(|| panic!("none"));
    assert!(
        d.message().ends_with("let a.x → let b.y → let a.x"),
        "{}",
        d.message()
    );
    // the step in the other file is named in the help
    assert!(help(d).contains("b.policy:3:9"), "{}", help(d));
    assert!(compiled.program.is_none());
}

// ------------------------------------------------------------------ controls and metadata

#[test]
fn unknown_control_lists_every_nearest_catalog_id() {
    let d = only(
        "rule r {\n  controls A.8.99\n  require true\n}\n",
        "annexa::unknown_control",
    );
    assert_eq!(
        d.message(),
        "`A.8.99` is not an ISO/IEC 27001:2022 Annex A control"
    );
    for id in ["`A.8.9`", "`A.8.19`", "`A.8.29`"] {
        assert!(help(&d).contains(id), "{}", help(&d));
    }
    assert!(help(&d).starts_with("did you mean `A.8.9`"), "{}", help(&d));
    // far from everything: no suggestion, but a pointer to the catalog
    let d = only(
        "rule r {\n  controls A.99.99\n  require true\n}\n",
        "annexa::unknown_control",
    );
    assert!(help(&d).contains("annexa controls"), "{}", help(&d));
}

#[test]
fn a_2013_control_is_a_warning_and_maps_to_2022() {
    let compiled = compile_str("rule r {\n  controls A.10.1.1\n  require true\n}\n");
    let d = compiled
        .diagnostics
        .first()
        .unwrap_or_else(|| panic!("no warning"));
    assert_eq!(compiled.diagnostics.len(), 1);
    assert_eq!(d.code(), "annexa::legacy_control");
    assert!(!d.is_error());
    assert!(
        d.message().contains("A.10.1.1") && d.message().contains("A.8.24"),
        "{}",
        d.message()
    );
    assert_eq!(help(d), "write `A.8.24` instead");
    let p = compiled
        .program
        .unwrap_or_else(|| panic!("a warning must not stop compilation"));
    assert_eq!(
        p.rules.first().map(|r| r.controls.clone()),
        Some(vec!["A.8.24".to_string()])
    );
}

#[test]
fn a_rule_without_controls_is_an_error() {
    let d = only(
        "rule r {\n  severity high\n  require true\n}\n",
        "annexa::missing_controls",
    );
    assert_eq!(d.message(), "rule `r` maps to no Annex A control");
    assert!(help(&d).contains("controls A."), "{}", help(&d));
}

#[test]
fn unknown_severity_suggests_the_nearest() {
    let d = only(
        &format!("{R}  severity hihg\n  require true\n}}\n"),
        "annexa::unknown_severity",
    );
    assert_eq!(d.message(), "unknown severity `hihg`");
    assert!(help(&d).starts_with("did you mean `high`?"), "{}", help(&d));
    assert!(
        help(&d).contains("critical, high, medium, low, info"),
        "{}",
        help(&d)
    );
}

#[test]
fn dot_outside_a_filter_is_an_error() {
    let d = only(
        &rule_requiring("", "require .owner != null"),
        "annexa::dot_outside_filter",
    );
    assert_eq!(d.message(), "`.` outside a filter");
    assert!(help(&d).contains("xs[...]"), "{}", help(&d));
    only("let x = .\n", "annexa::dot_outside_filter");
    // inside a filter, even nested in a call, it is fine
    clean(&rule_requiring(
        "",
        "require count(datasets[exists(.owner)]) > 0",
    ));
}

// ------------------------------------------------------------------ modules

#[test]
fn an_unknown_stdlib_module_lists_the_stdlib() {
    let d = only(
        &rule_requiring("use std.nope", "require true"),
        "annexa::unknown_module",
    );
    assert_eq!(d.message(), "no stdlib module `std.nope`");
    assert!(help(&d).contains("std.crypto"), "{}", help(&d));
}

#[test]
fn a_namespace_that_is_not_loaded_is_an_unknown_module() {
    let d = only(
        &rule_requiring("policy org.main\nuse other.ns", "require true"),
        "annexa::unknown_module",
    );
    assert_eq!(d.message(), "no loaded policy has the namespace `other.ns`");
    assert!(help(&d).contains("-p"), "{}", help(&d));
    let compiled = compile_files(&[
        ("a.policy", "policy a\nuse org.netwrk\n"),
        ("b.policy", "policy org.network\nlet x = 1\n"),
    ]);
    let d = compiled
        .diagnostics
        .first()
        .unwrap_or_else(|| panic!("none"));
    assert_eq!(d.code(), "annexa::unknown_module");
    assert_eq!(help(d), "did you mean `org.network`?");
}

// ------------------------------------------------------------------ resolution order

#[test]
fn locals_shadow_lets() {
    let p = clean(&rule_requiring(
        "let x = 1",
        "for x in items {\n    require x\n  }",
    ));
    assert!(
        matches!(require_cond(&p, 0), ExprKind::Local(_)),
        "{:?}",
        require_cond(&p, 0)
    );
    assert!(
        p.rules.first().is_some_and(|r| r.lets_read.is_empty()),
        "the shadowed let is not read"
    );
    // without the local, the let is read
    let p = clean(&rule_requiring("let x = 1", "require x == 1"));
    assert!(p.rules.first().is_some_and(|r| r.lets_read == vec![0]));
}

#[test]
fn a_local_shadows_a_use_alias() {
    let p = clean(&rule_requiring(
        "use std.crypto",
        "for crypto in keys {\n    require crypto.strong_ciphers\n  }",
    ));
    assert!(
        matches!(require_cond(&p, 0), ExprKind::Field(base, _) if matches!(base.kind, ExprKind::Local(_)))
    );
}

#[test]
fn use_alias_member_access_reaches_the_stdlib() {
    let p = clean(&rule_requiring(
        "use std.crypto",
        "require \"AES-256\" in crypto.strong_ciphers",
    ));
    match require_cond(&p, 0) {
        ExprKind::Binary(_, _, right) => match &right.kind {
            ExprKind::Param(id) => assert_eq!(
                p.params.get(*id).map(|p| p.qualified.as_str()),
                Some("std.crypto.strong_ciphers")
            ),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn stdlib_functions_are_called_through_the_alias() {
    let p = clean(&rule_requiring(
        "use std.crypto",
        "require crypto.tls_ok(\"1.3\")",
    ));
    match require_cond(&p, 0) {
        ExprKind::CallFn(id, args) => {
            assert_eq!(
                p.fns.get(*id).map(|f| f.qualified.as_str()),
                Some("std.crypto.tls_ok")
            );
            assert_eq!(args.len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_namespace_name_shadows_the_facts_root() {
    // a let named like a fact key wins over the facts root; `facts.x` still reaches the fact
    let p = clean(&rule_requiring(
        "let datasets = 1",
        "require datasets == facts.datasets",
    ));
    match require_cond(&p, 0) {
        ExprKind::Binary(_, left, right) => {
            assert!(matches!(left.kind, ExprKind::Let(0)), "{:?}", left.kind);
            assert!(
                matches!(right.kind, ExprKind::Field(ref base, _) if matches!(base.kind, ExprKind::Root)),
                "{:?}",
                right.kind
            );
        }
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------------ the spec example

#[test]
fn the_spec_example_compiles_without_any_diagnostic() {
    let text = include_str!("../../tests/corpus/spec_example.policy");
    let p = clean(text);
    assert_eq!(p.rules.len(), 5);
    assert!(
        p.rules
            .iter()
            .all(|r| r.id.starts_with("ml.data_protection."))
    );
}

#[test]
fn aspect_states_what_part_of_its_controls_a_rule_evidences() {
    let p = clean(
        "rule a {\n  controls A.5.15\n  aspect \"MFA\"\n  require true\n}\nrule b {\n  controls A.8.24\n  aspect whole\n  require true\n}\nrule c {\n  controls A.8.24\n  require true\n}\n",
    );
    let aspects: Vec<Option<Aspect>> = p.rules.iter().map(|r| r.aspect.clone()).collect();
    assert_eq!(
        aspects,
        [Some(Aspect::Part("MFA".into())), Some(Aspect::Whole), None]
    );
    let d = only(
        "rule a {\n  controls A.5.15\n  aspect \"x\"\n  aspect whole\n  require true\n}\n",
        "annexa::duplicate",
    );
    assert!(d.message().contains("`aspect` is given twice"), "{d:?}");
}
