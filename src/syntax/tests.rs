use super::*;
use crate::ast::*;

fn parse_str(text: &str) -> Result<Module, Diagnostic> {
    parse(&SourceFile::new("t.policy", text))
}

/// A compact prefix rendering of an expression, to assert precedence and associativity.
fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Null => "null".into(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => format!("{f:?}"),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Date(d) => format!("@{d}"),
        ExprKind::List(xs) => format!("[{}]", xs.iter().map(sexp).collect::<Vec<_>>().join(" ")),
        ExprKind::Object(es) => format!(
            "{{{}}}",
            es.iter()
                .map(|(k, v)| format!("{}:{}", k.value, sexp(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Facts => "facts".into(),
        ExprKind::Element => ".".into(),
        ExprKind::Field(b, f) => format!("(. {} {})", sexp(b), f.name),
        ExprKind::Key(b, k) => format!("(key {} {:?})", sexp(b), k.value),
        ExprKind::Index(b, i) => format!("(idx {} {i})", sexp(b)),
        ExprKind::Filter(b, p) => format!("(filter {} {})", sexp(b), sexp(p)),
        ExprKind::Project(b, steps) => format!(
            "(project {} {})",
            sexp(b),
            steps.iter().map(Step::key).collect::<Vec<_>>().join(" ")
        ),
        ExprKind::Call(c, args) => format!(
            "(call {}{})",
            sexp(c),
            args.iter()
                .map(|a| format!(" {}", sexp(a)))
                .collect::<String>()
        ),
        ExprKind::Unary(UnaryOp::Not, x) => format!("(not {})", sexp(x)),
        ExprKind::Unary(UnaryOp::Neg, x) => format!("(neg {})", sexp(x)),
        ExprKind::Binary(op, a, b) => format!("({} {} {})", op.as_str(), sexp(a), sexp(b)),
        ExprKind::Quantifier(q, v, xs, p) => {
            format!("({} {} {} {})", q.as_str(), v.name, sexp(xs), sexp(p))
        }
    }
}

fn expr(text: &str) -> String {
    let module =
        parse_str(&format!("let probe = {text}")).unwrap_or_else(|e| panic!("{text}: {e}"));
    match module.items.first() {
        Some(Item::Let(b)) => sexp(&b.value),
        other => panic!("{other:?}"),
    }
}

fn parse_error(text: &str) -> Diagnostic {
    match parse_str(text) {
        Ok(m) => panic!("expected an error for {text:?}, got {:?}", m.items),
        Err(e) => e,
    }
}

#[test]
fn the_spec_example_parses() {
    let text = include_str!("../../tests/corpus/spec_example.policy");
    let module =
        parse_str(text).unwrap_or_else(|e| panic!("{}", crate::diagnostics::render_plain(&e, 100)));
    let header = module.header.as_ref().map(|h| h.name.text());
    assert_eq!(header.as_deref(), Some("ml.data_protection"));
    let rules = module
        .items
        .iter()
        .filter(|i| matches!(i, Item::Rule(_)))
        .count();
    assert_eq!(rules, 5);
    assert!(module.comments.len() >= 5, "comments are collected");
}

#[test]
fn precedence_follows_the_spec() {
    assert_eq!(expr("d.x ?? 0 > 5"), "(> (?? (. d x) 0) 5)");
    assert_eq!(expr("not x in y"), "(not (in x y))");
    assert_eq!(expr("a or b and not c"), "(or a (and b (not c)))");
    assert_eq!(expr("1 + 2 * 3 - 4"), "(- (+ 1 (* 2 3)) 4)");
    assert_eq!(expr("a ?? b ?? c"), "(?? a (?? b c))");
    assert_eq!(expr("-x.y"), "(neg (. x y))");
    assert_eq!(expr("-1.5"), "-1.5");
    assert_eq!(expr("a == b + 1"), "(== a (+ b 1))");
    assert_eq!(expr("x not in [1, 2,]"), "(not in x [1 2])");
    assert_eq!(expr("s matches \"^a{2,3}$\""), "(matches s \"^a{2,3}$\")");
    assert_eq!(expr("a in b == true"), "(== (in a b) true)");
}

#[test]
fn comparisons_do_not_chain() {
    let e = parse_error("let x = a < b < c");
    assert_eq!(e.code(), "annexa::parse");
}

#[test]
fn brackets_are_index_key_projection_or_filter() {
    assert_eq!(expr("xs[0]"), "(idx xs 0)");
    assert_eq!(expr("xs[-1]"), "(idx xs -1)");
    assert_eq!(
        expr("x[\"key with spaces\"]"),
        "(key x \"key with spaces\")"
    );
    assert_eq!(expr("xs[*].name"), "(project xs name)");
    assert_eq!(expr("xs[*].a[\"b\"][0]"), "(idx (project xs a b) 0)");
    assert_eq!(
        expr("xs[.kind == \"t\" and .pii]"),
        "(filter xs (and (== (. . kind) \"t\") (. . pii)))"
    );
    assert_eq!(expr("xs[.]"), "(filter xs .)");
    assert_eq!(expr("d.all.in"), "(. (. d all) in)");
    assert_eq!(expr("facts[\"odd key\"]"), "(key facts \"odd key\")");
}

#[test]
fn quantifiers_extend_right() {
    assert_eq!(
        expr("all x in xs: x.a and x.b"),
        "(all x xs (and (. x a) (. x b)))"
    );
    assert_eq!(expr("(any x in xs: x) or y"), "(or (any x xs x) y)");
    assert_eq!(expr("not none x in xs: x"), "(not (none x xs x))");
}

#[test]
fn literals() {
    assert_eq!(
        expr("[1, 2.5, 1e3, \"a\\n\\u{41}\", true, null]"),
        "[1 2.5 1000.0 \"a\\nA\" true null]"
    );
    assert_eq!(expr("{\"k\": 1, bare: 2}"), "{k:1 bare:2}");
    assert_eq!(expr("@1970-01-02"), "@1");
    let e = parse_error("let d = @2026-02-30");
    assert!(
        e.message().contains("not a calendar date"),
        "{}",
        e.message()
    );
}

#[test]
fn statements_and_metadata() {
    let m = parse_str(
        "rule r {\n  title \"T {x} {{lit}}\"\n  controls A.5.15, A.10.1.1,\n  severity high\n  tags \"a\", \"b\"\n  when other, ns.other_rule\n  let y = 1\n  if y == 1 { require y } else if y == 2 { require y } else { require true else \"no {y}\" }\n  for d in ds { require d.ok }\n}",
    )
    .unwrap_or_else(|e| panic!("{}", crate::diagnostics::render_plain(&e, 100)));
    let Some(Item::Rule(rule)) = m.items.first() else {
        panic!()
    };
    assert_eq!(rule.meta.len(), 5);
    let Some(MetaValue::Template(t)) = rule.meta.first().map(|m| &m.value) else {
        panic!()
    };
    assert_eq!(t.parts.len(), 3);
    assert_eq!(t.parts.get(2), Some(&TemplatePart::Text(" {lit}".into())));
    let Some(MetaValue::Controls(ids)) = rule.meta.get(1).map(|m| &m.value) else {
        panic!()
    };
    assert_eq!(
        ids.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["A.5.15", "A.10.1.1"]
    );
    assert_eq!(rule.body.len(), 3);
    let Some(Stmt::If {
        otherwise: Some(otherwise),
        ..
    }) = rule.body.get(1)
    else {
        panic!()
    };
    assert!(matches!(
        otherwise.first(),
        Some(Stmt::If {
            otherwise: Some(_),
            ..
        })
    ));
}

#[test]
fn tests_blocks_are_kept() {
    let m = parse_str(
        "test \"t\" {\n facts {\"datasets\": [], transfers: []}\n params { allowed_regions: [\"eu\"] }\n expect r fail 2\n expect all pass\n expect control A.8.24 fail\n}\ntest \"f\" { facts file \"x.yaml\" }",
    )
    .unwrap_or_else(|e| panic!("{}", crate::diagnostics::render_plain(&e, 100)));
    let Some(Item::Test(t)) = m.items.first() else {
        panic!()
    };
    assert_eq!(t.expects.len(), 3);
    assert_eq!(t.expects.first().and_then(|e| e.count), Some(2));
    assert!(matches!(
        t.expects.get(2).map(|e| &e.target),
        Some(ExpectTarget::Control(_))
    ));
    let Some(Item::Test(f)) = m.items.get(1) else {
        panic!()
    };
    assert!(matches!(&f.facts, Some(TestFacts::File(s)) if s.value == "x.yaml"));
}

#[test]
fn templates_reject_empty_holes_and_lone_braces() {
    assert_eq!(
        parse_error("rule r { require x else \"a {} b\" }").code(),
        "annexa::parse"
    );
    assert_eq!(
        parse_error("rule r { require x else \"a } b\" }").code(),
        "annexa::parse"
    );
    // holes may hold string literals
    assert!(parse_str("rule r { require x else \"v={x[\"k\"]}\" }").is_ok());
}

#[test]
fn syntax_errors_speak_words_not_rule_names() {
    let e = parse_error("rule r {\n  require x ==\n}");
    assert!(e.message().starts_with("expected"), "{}", e.message());
    assert!(!e.message().contains("Rule::"), "{}", e.message());
    assert!(e.message().contains("an expression"), "{}", e.message());
    let e = parse_error("let s = \"abc");
    assert_eq!(e.code(), "annexa::parse");
    let e = parse_error("let s = \"a\\q\"");
    assert!(
        e.help_text().is_some_and(|h| h.contains("escapes")),
        "{:?}",
        e.help_text()
    );
}

#[test]
fn hostile_input_is_a_diagnostic() {
    let deep = format!("let x = {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(parse_error(&deep).code(), "annexa::too_deep");
    let nots = format!("let x = {}true", "not ".repeat(10_000));
    assert_eq!(parse_error(&nots).code(), "annexa::too_deep");
    let chain = format!("let x = 1{}", " + 1".repeat(10_000));
    assert_eq!(parse_error(&chain).code(), "annexa::too_deep");
    assert_eq!(parse_error("let x = 1\0").code(), "annexa::parse");
    let long = format!("let {} = 1", "a".repeat(10_000));
    assert!(parse_str(&long).is_ok());
}

#[test]
fn bom_and_crlf_are_accepted() {
    assert!(parse_str("\u{feff}let x = 1\r\nlet y = 2\r\n").is_ok());
}
