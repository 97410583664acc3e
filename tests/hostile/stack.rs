//! Every library entry point an embedder uses, on the small thread stacks a host may give
//! (2 MiB, the Rust default for spawned threads, and 256 KiB), with inputs deep enough to
//! overflow any of them without the guards: each is refused with a diagnostic or handled, and
//! nothing aborts (an overflow would kill this whole test binary).

use annexa::unstable::compile::{HostFunction, HostFunctions, compile_with_host};
use annexa::unstable::facts::{Format, LoadOptions, load_bytes};
use annexa::unstable::findings::{Report, Status};
use annexa::unstable::source::SourceFile;

/// Runs `f` on a 2 MiB and on a 256 KiB thread.
fn on_small_stacks<T: Send + 'static>(f: impl Fn() -> T + Send + Sync + Clone + 'static) -> T {
    let mut last = None;
    for stack in [2 << 20, 256 << 10] {
        let g = f.clone();
        let out = std::thread::Builder::new()
            .stack_size(stack)
            .spawn(g)
            .expect("spawn")
            .join()
            .unwrap_or_else(|_| panic!("panicked on a {stack}-byte stack"));
        last = Some(out);
    }
    last.expect("ran")
}

/// Parses `text`; when it parses, formats, lints, compiles with the stdlib and a host
/// function, evaluates on `facts` and renders the report in every format. The error code when
/// it is refused, else the report.
fn everything(text: &str, facts: &[annexa::unstable::facts::Document]) -> Result<Report, String> {
    let file = SourceFile::new("deep.policy", text);
    let module = annexa::unstable::syntax::parse(&file).map_err(|d| d.code().to_string())?;
    let formatted = annexa::unstable::format::format_module(&module);
    assert!(!formatted.is_empty());
    let _ = annexa::unstable::format::format_source(&file);
    let _ = annexa::unstable::lint::lint(
        std::slice::from_ref(&module),
        &annexa::unstable::lint::LintConfig::default(),
    );
    let mut hosts = HostFunctions::new();
    hosts
        .add(HostFunction::new("echo", 1, |a| {
            Ok(a.first().cloned().unwrap_or_default())
        }))
        .expect("registers");
    let compiled = compile_with_host(vec![module], None, &hosts);
    let program = match compiled.program {
        Some(p) => p,
        None => {
            let d = compiled.diagnostics.iter().find(|d| d.is_error());
            return Err(d.map_or("?", |d| d.code()).to_string());
        }
    };
    let report = annexa::unstable::eval::evaluate(&program, facts, &Default::default())
        .map_err(|e| e.to_string())?;
    for format in [
        annexa::unstable::report::Format::Human,
        annexa::unstable::report::Format::Json,
        annexa::unstable::report::Format::Sarif,
        annexa::unstable::report::Format::Junit,
    ] {
        assert!(!annexa::unstable::report::render(&report, format, false).is_empty());
    }
    Ok(report)
}

fn doc(json: &str) -> Vec<annexa::unstable::facts::Document> {
    load_bytes(
        "f.json",
        json.as_bytes(),
        Format::Json,
        &LoadOptions::default(),
    )
    .expect("facts load")
    .documents
}

fn rule(body: &str) -> String {
    format!("use std.crypto\nuse std.ml\nrule deep {{\n  controls A.8.24\n  {body}\n}}\n")
}

/// Far beyond any limit, and deep enough that one frame per level overflows either stack.
const N: usize = 20_000;

#[test]
fn deep_nesting_in_policies_is_refused_on_small_stacks() {
    // 5,000 levels: twenty times the limit, and far more than either stack holds at one frame
    // per level (the parser alone needs several); deeper only makes the parse slower
    const N: usize = 5_000;
    let cases: Vec<String> = vec![
        format!("require {}1{} == 1", "(".repeat(N), ")".repeat(N)),
        format!("require count({}1{}) == 1", "[".repeat(N), "]".repeat(N)),
        format!("require {}1{} != 1", "{\"a\": ".repeat(N), "}".repeat(N)),
        format!("require {}true", "not ".repeat(N)),
        format!("require {}1 == 1", "-".repeat(N)),
        format!("require {}true", "all x in [1]: ".repeat(N)),
        format!("require {}1{} == 1", "lower(".repeat(N), ")".repeat(N)),
        format!("require {}1{} == 1", "echo(".repeat(N), ")".repeat(N)),
        format!("{}require true{}", "if true {\n".repeat(N), "}\n".repeat(N)),
        format!(
            "{}require true{}",
            "for x in xs {\n".repeat(N),
            "}\n".repeat(N)
        ),
    ];
    for (i, body) in cases.into_iter().enumerate() {
        let text = rule(&body);
        let out = on_small_stacks(move || everything(&text, &doc("{}")).err());
        assert_eq!(out.as_deref(), Some("annexa::too_deep"), "case {i}");
    }
}

#[test]
fn policies_at_the_nesting_limit_run_through_every_entry_point_on_small_stacks() {
    // just under the limit of 256 is accepted, so every stage (fmt and its document tree
    // included) walks a tree that deep
    let n = 250;
    let cases: Vec<(String, Status)> = vec![
        (
            format!("require {}1{} == 1", "(".repeat(n), ")".repeat(n)),
            Status::Pass,
        ),
        (
            format!("require count({}1{}) == 1", "[".repeat(n), "]".repeat(n)),
            Status::Pass,
        ),
        (
            format!("require {}true", "not not ".repeat(n / 2)),
            Status::Pass,
        ),
        (
            format!("require {}true", "all x in [1]: ".repeat(n)),
            Status::Pass,
        ),
        (
            format!(
                "require {}\"A\"{} == \"a\"",
                "lower(".repeat(n),
                ")".repeat(n)
            ),
            Status::Pass,
        ),
        (
            format!("require {}1{} == 1", "echo(".repeat(n), ")".repeat(n)),
            Status::Pass,
        ),
        (
            format!("let x = true\n  require {}", vec!["x"; n].join(" and ")),
            Status::Pass,
        ),
        (
            format!("require facts{} == 1", ".f".repeat(n)),
            Status::Fail,
        ),
        (
            format!("{}require true{}", "if true {\n".repeat(n), "}\n".repeat(n)),
            Status::Pass,
        ),
        (
            format!(
                "{}require x == 1{}",
                "for x in [1] {\n".repeat(n),
                "}\n".repeat(n)
            ),
            Status::Pass,
        ),
    ];
    for (i, (body, expected)) in cases.into_iter().enumerate() {
        let text = rule(&body);
        let out =
            on_small_stacks(move || everything(&text, &doc("{}")).map(|r| r.results[0].status));
        assert_eq!(out, Ok(expected), "case {i}");
    }
}

#[test]
fn long_chains_in_policies_are_refused_or_evaluated_on_small_stacks() {
    // operator and postfix chains build trees as deep as they are long; past the nesting limit
    // they are refused (a parse of a much longer chain only costs time, which the binary's
    // tests already spend)
    let n = 5_000;
    let chain = |op: &str| vec!["x"; n].join(op);
    let too_deep = Err("annexa::too_deep".to_string());
    let cases: Vec<(String, Result<Status, String>)> = vec![
        (
            format!("let x = true\n  require {}", chain(" and ")),
            too_deep.clone(),
        ),
        (
            format!("let x = false\n  require {}", chain(" or ")),
            too_deep.clone(),
        ),
        (
            format!("let x = 1\n  require {} > 0", chain(" + ")),
            too_deep.clone(),
        ),
        (
            format!("let x = 1\n  require {} > 0", chain(" ?? ")),
            too_deep.clone(),
        ),
        (
            format!("require facts{} == 1", ".f".repeat(n)),
            too_deep.clone(),
        ),
        (
            format!("require count(xs{}) == 0", "[.a]".repeat(n)),
            too_deep.clone(),
        ),
        (
            format!("require lower(\"A\"){} == 1", "[0]".repeat(n)),
            too_deep,
        ),
        // flat lists, not trees: accepted and evaluated
        (
            format!("require count(xs[*]{}) == 0", ".a".repeat(n)),
            Ok(Status::Pass),
        ),
        (
            format!("let x = \"a\"\n  require \"{}\" == \"\"", "{x}".repeat(n)),
            Ok(Status::Fail),
        ),
    ];
    for (i, (body, expected)) in cases.into_iter().enumerate() {
        let text = rule(&body);
        let out = on_small_stacks(move || {
            everything(&text, &doc(r#"{"xs": []}"#)).map(|r| r.results[0].status)
        });
        assert_eq!(out, expected, "case {i}");
    }
}

#[test]
fn long_definition_chains_compile_and_evaluate_on_small_stacks() {
    let n = 1_500;
    let mut text =
        String::from("let l0 = 0\nfn f0(x) = x\nrule r0 {\n  controls A.8.24\n  require true\n}\n");
    for i in 1..n {
        let j = i - 1;
        text.push_str(&format!(
            "let l{i} = l{j} + 1\nfn f{i}(x) = f{j}(x)\nrule r{i} {{\n  controls A.8.24\n  when r{j}\n  require true\n}}\n"
        ));
    }
    text.push_str(&format!(
        "rule last {{\n  controls A.8.24\n  require l{} == {} and f{}(7) == 7\n}}\n",
        n - 1,
        n - 1,
        n - 1
    ));
    let report = on_small_stacks(move || everything(&text, &doc("{}")));
    let report = report.expect("compiles and evaluates");
    let last = report
        .results
        .iter()
        .find(|r| r.rule == "last")
        .expect("last");
    assert_eq!(last.status, Status::Pass, "{last:?}");
    assert_eq!(report.summary.passed, n + 1);
}

/// A JSON array nested `n` deep around `inner`.
fn nested_json(n: usize, inner: &str) -> String {
    format!("{}{inner}{}", "[".repeat(n), "]".repeat(n))
}

#[test]
fn deep_facts_are_refused_by_every_loader_on_small_stacks() {
    let yaml_block_seq = format!("{}x\n", "- ".repeat(N));
    let mut yaml_block_map = String::new();
    for i in 0..2_000 {
        yaml_block_map.push_str(&" ".repeat(i));
        yaml_block_map.push_str("a:\n");
    }
    yaml_block_map.push_str(&" ".repeat(2_000));
    yaml_block_map.push_str("x\n");
    // aliases that nest one level each: the expansion is deep although the text is not
    let mut yaml_aliases = String::from("l0: &l0 [x]\n");
    for i in 1..300 {
        yaml_aliases.push_str(&format!("l{i}: &l{i} [*l{}]\n", i - 1));
    }
    let cases: Vec<(Format, String)> = vec![
        (Format::Json, nested_json(N, "1")),
        (
            Format::Json,
            format!("{}1{}", "{\"a\":".repeat(N), "}".repeat(N)),
        ),
        (Format::Yaml, nested_json(N, "1")),
        (
            Format::Yaml,
            format!("{}1{}", "{a: ".repeat(N), "}".repeat(N)),
        ),
        (Format::Yaml, yaml_block_seq),
        (Format::Yaml, yaml_block_map),
        (Format::Yaml, yaml_aliases),
    ];
    for (i, (format, text)) in cases.into_iter().enumerate() {
        let out = on_small_stacks(move || {
            load_bytes("deep", text.as_bytes(), format, &LoadOptions::default())
                .err()
                .map(|e| e.to_string())
        });
        let message = out.unwrap_or_else(|| panic!("case {i} loaded"));
        assert!(
            message.contains("deep") || message.contains("nest"),
            "case {i}: {message}"
        );
    }
}

#[test]
fn deep_facts_an_embedder_allows_are_evaluated_on_small_stacks() {
    // an embedder may lift the depth limit: the evaluator must then cope with any depth
    let opts = LoadOptions {
        max_depth: usize::MAX,
        ..LoadOptions::default()
    };
    let facts = format!(
        "{{\"a\": {}, \"b\": {}}}",
        nested_json(N, "1"),
        nested_json(N, "1")
    );
    let text = rule(
        "require facts.a == facts.b\n  require type_name(facts.a[0][0]) == \"list\"\n  require facts.a == [1] else \"{facts.a}\"",
    ) + "rule host {\n  controls A.8.24\n  require echo(facts.a) == 1\n}\n";
    let report = on_small_stacks(move || {
        let docs = load_bytes("f.json", facts.as_bytes(), Format::Json, &opts)
            .expect("loads")
            .documents;
        everything(&text, &docs)
    });
    let report = report.expect("evaluates");
    let deep = report
        .results
        .iter()
        .find(|r| r.rule == "deep")
        .expect("deep");
    // `facts.a == [1]` fails, and its message renders the deep value (cut to the message limit)
    assert_eq!(deep.status, Status::Fail, "{deep:?}");
    assert_eq!(deep.violations.len(), 1);
    assert!(deep.violations[0].message.starts_with("[[[[[[[["));
    // the embedder's closure never receives a value it could not clone or drop on its stack
    let host = report
        .results
        .iter()
        .find(|r| r.rule == "host")
        .expect("host");
    assert_eq!(host.status, Status::Error);
    assert!(
        host.error.as_deref().unwrap_or("").starts_with(&format!(
            "host function `echo`: argument 1 is nested {N} levels deep; at most 250 are passed"
        )),
        "{:?}",
        host.error
    );
}

#[test]
fn deep_strings_parsed_inside_facts_are_refused_on_small_stacks() {
    let deep = nested_json(N, "1");
    let deep_yaml_block = format!("{}x", "- ".repeat(N));
    let facts = serde_json::json!({ "j": deep, "y": deep, "b": deep_yaml_block }).to_string();
    let text = rule(
        "require exists(parse_json(facts.j)) == false\n  require exists(parse_yaml(facts.y)) == false\n  require exists(parse_yaml(facts.b)) == false",
    );
    let report = on_small_stacks(move || everything(&text, &doc(&facts)));
    let report = report.expect("evaluates");
    assert_eq!(
        report.results[0].status,
        Status::Pass,
        "{:?}",
        report.results[0]
    );
}
