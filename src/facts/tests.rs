//! Tests of the public facts API, for both formats.

use super::*;

fn opts() -> LoadOptions {
    LoadOptions::default()
}

fn json(text: &str) -> Result<Loaded, FactsError> {
    load_bytes("f.json", text.as_bytes(), Format::Json, &opts())
}

fn yaml(text: &str) -> Result<Loaded, FactsError> {
    load_bytes("f.yaml", text.as_bytes(), Format::Yaml, &opts())
}

fn one(loaded: Result<Loaded, FactsError>) -> Document {
    let mut loaded = loaded.unwrap();
    assert_eq!(loaded.documents.len(), 1, "notes: {:?}", loaded.notes);
    loaded.documents.remove(0)
}

/// Follows a JSON-Pointer-like path of keys and indexes.
fn at(doc: &Document, path: &[&str]) -> NodeId {
    let mut id = doc.root();
    for step in path {
        id = match step.parse::<usize>() {
            Ok(i) if matches!(doc.value(id), NodeValue::Array(_)) => doc.element(id, i),
            _ => doc.field(id, step),
        }
        .unwrap_or_else(|| panic!("no {step}"));
    }
    id
}

fn code(err: &FactsError) -> String {
    use miette::Diagnostic;
    err.code().map(|c| c.to_string()).unwrap_or_default()
}

#[test]
fn format_from_extension() {
    assert_eq!(format_for_path(Path::new("a/b.JSON")), Some(Format::Json));
    assert_eq!(format_for_path(Path::new("b.yml")), Some(Format::Yaml));
    assert_eq!(format_for_path(Path::new("b.Yaml")), Some(Format::Yaml));
    assert_eq!(format_for_path(Path::new("b.txt")), None);
    assert_eq!(format_for_path(Path::new("json")), None);
    for yaml in [
        "m/MLmodel",
        "MLproject",
        "sklearn.MLmodel",
        "dvc.lock",
        "p.dvc.lock",
        "data.dvc",
        ".gitlab-ci.yml",
        ".github/workflows/ci.yml",
        "docker-compose.override.yml",
    ] {
        assert_eq!(
            format_for_path(Path::new(yaml)),
            Some(Format::Yaml),
            "{yaml}"
        );
    }
    for other in ["Cargo.lock", "mlmodel.txt", "dvc"] {
        assert_eq!(format_for_path(Path::new(other)), None, "{other}");
    }
}

#[test]
fn json_positions_of_keys_elements_and_root() {
    let doc = one(json(
        "{\n  \"a\": {\"b\": [10,\n     20]},\n  \"é\":  \"x\"\n}",
    ));
    assert_eq!(doc.position(doc.root()), (1, 1));
    assert_eq!(doc.position(at(&doc, &["a"])), (2, 3), "member: its key");
    assert_eq!(doc.position(at(&doc, &["a", "b"])), (2, 9));
    assert_eq!(
        doc.position(at(&doc, &["a", "b", "0"])),
        (2, 15),
        "element: its value"
    );
    assert_eq!(doc.position(at(&doc, &["a", "b", "1"])), (3, 6));
    assert_eq!(doc.position(at(&doc, &["é"])), (4, 3));
    assert_eq!(doc.index(), 0);
    assert_eq!(doc.name(), "f.json");
}

#[test]
fn yaml_positions_of_keys_elements_and_root() {
    let text = "a:\n  b:\n    - 10\n    - x: 1\n      é: [7, 8]\nc: {d: 1}\n";
    let doc = one(yaml(text));
    assert_eq!(doc.position(doc.root()), (1, 1));
    assert_eq!(doc.position(at(&doc, &["a"])), (1, 1));
    assert_eq!(doc.position(at(&doc, &["a", "b"])), (2, 3));
    assert_eq!(
        doc.position(at(&doc, &["a", "b", "0"])),
        (3, 7),
        "element: its value"
    );
    assert_eq!(doc.position(at(&doc, &["a", "b", "1"])), (4, 7));
    assert_eq!(
        doc.position(at(&doc, &["a", "b", "1", "x"])),
        (4, 7),
        "member: its key"
    );
    assert_eq!(doc.position(at(&doc, &["a", "b", "1", "é"])), (5, 7));
    assert_eq!(doc.position(at(&doc, &["a", "b", "1", "é", "1"])), (5, 14));
    assert_eq!(doc.position(at(&doc, &["c", "d"])), (6, 5));
    let root = one(yaml("\n\n  [1, 2]\n"));
    assert_eq!(root.position(root.root()), (3, 3));
}

#[test]
fn pointers_escape_and_walk_parents() {
    let doc = one(json(r#"{"a/b": {"m~n": [0, {"": 1}]}, "x": 2}"#));
    let deep = at(&doc, &["a/b", "m~n", "1", ""]);
    assert_eq!(doc.pointer(deep), "/a~1b/m~0n/1/");
    assert_eq!(doc.pointer(doc.root()), "");
    assert_eq!(doc.pointer(at(&doc, &["x"])), "/x");
    assert_eq!(
        doc.node(deep).parent(),
        Some(at(&doc, &["a/b", "m~n", "1"]))
    );
    assert_eq!(doc.node(doc.root()).parent(), None);
}

#[test]
fn bad_ids_do_not_panic() {
    let doc = one(json("[1]"));
    assert_eq!(doc.value(999), NodeValue::Null);
    assert_eq!(doc.pointer(999), "");
    assert_eq!(doc.position(NodeId::MAX), (1, 1));
    assert_eq!(doc.field(999, "a"), None);
    assert_eq!(doc.element(doc.root(), 5), None);
    assert_eq!(doc.field(doc.root(), "a"), None);
}

#[test]
fn big_objects_are_indexed_and_keep_order() {
    let members: Vec<String> = (0..100).rev().map(|i| format!("\"k{i}\": {i}")).collect();
    let doc = one(json(&format!("{{{}}}", members.join(","))));
    let NodeValue::Object(object) = doc.value(doc.root()) else {
        panic!("not an object")
    };
    assert_eq!(object.len(), 100);
    assert_eq!(object.iter().next().map(|(k, _)| k), Some("k99"));
    assert_eq!(object.iter().len(), 100);
    let k7 = doc.field(doc.root(), "k7").unwrap();
    assert_eq!(doc.value(k7), NodeValue::Int(7));
    assert_eq!(doc.pointer(k7), "/k7");
    assert_eq!(doc.field(doc.root(), "nope"), None);
    let dup = format!("{{{}, \"k3\": 0}}", members.join(",\n"));
    let err = json(&dup).unwrap_err();
    assert_eq!(code(&err), "annexa::facts::duplicate_key");
}

#[test]
fn json_values_and_numbers() {
    let doc = one(json(
        r#"{"i": -12, "big": 9223372036854775808, "f": 1.5, "e": 2e3, "inf": 1e400, "s": "a\u00e9\n", "t": true, "n": null}"#,
    ));
    let v = |k: &str| doc.value(at(&doc, &[k]));
    assert_eq!(v("i"), NodeValue::Int(-12));
    assert_eq!(v("big"), NodeValue::Float(9223372036854775808.0));
    assert_eq!(v("f"), NodeValue::Float(1.5));
    assert_eq!(v("e"), NodeValue::Float(2000.0));
    assert_eq!(v("inf"), NodeValue::Float(f64::INFINITY));
    assert_eq!(v("s"), NodeValue::Str("aé\n"));
    assert_eq!(v("t"), NodeValue::Bool(true));
    assert_eq!(v("n"), NodeValue::Null);
    let back = doc.to_json(doc.root());
    assert_eq!(back["inf"], serde_json::Value::Null);
    assert_eq!(back["i"], serde_json::json!(-12));
    assert_eq!(back["s"], serde_json::json!("aé\n"));
}

#[test]
fn json_is_strict() {
    for (text, needle) in [
        ("{\"a\": 1,}", "trailing comma"),
        ("[1, 2,]", "trailing comma"),
        ("// c\n{}", "comments"),
        ("{/* c */}", "comments"),
        ("{'a': 1}", "single-quoted"),
        ("{a: 1}", "double-quoted"),
        ("[NaN]", ""),
        ("[0x10]", ""),
        ("[True]", "unexpected `True`"),
        ("[1 2]", "comma"),
        ("{} {}", "more than one value"),
        ("[\"a\tb\"]", "control character"),
        ("", "no JSON value"),
        ("[01]", ""),
        ("[+1]", ""),
        ("[.5]", ""),
    ] {
        let err = json(text).expect_err(text);
        assert_eq!(code(&err), "annexa::facts::syntax", "{text}");
        assert!(err.to_string().contains(needle), "{text}: {err}");
        assert!(
            err.to_string().starts_with("invalid JSON in `f.json`: "),
            "{err}"
        );
    }
    let err = json("{\n  \"a\": [1,\n  ]\n}").unwrap_err();
    assert_eq!(err.position(), Some((2, 10)), "at the trailing comma");
}

#[test]
fn bom_and_crlf_are_accepted() {
    let doc = one(load_bytes(
        "f.json",
        b"\xEF\xBB\xBF{\r\n  \"a\": [1,\r\n 2]\r\n}\r\n",
        Format::Json,
        &opts(),
    ));
    assert_eq!(doc.position(doc.root()), (1, 1), "the BOM is not a column");
    assert_eq!(doc.position(at(&doc, &["a"])), (2, 3));
    assert_eq!(doc.position(at(&doc, &["a", "1"])), (3, 2));
    let doc = one(load_bytes(
        "f.yaml",
        b"\xEF\xBB\xBFa: 1\r\nb:\r\n  - x\r\n",
        Format::Yaml,
        &opts(),
    ));
    assert_eq!(doc.position(at(&doc, &["a"])), (1, 1));
    assert_eq!(doc.position(at(&doc, &["b", "0"])), (3, 5));
    assert_eq!(doc.value(at(&doc, &["b", "0"])), NodeValue::Str("x"));
}

#[test]
fn utf16le_crlf_corpus_file_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/facts/tfplan-s3-bucket-no-sse-utf16le-crlf.json");
    let loaded = load_path(&path, "plan.json", &opts()).unwrap();
    let doc = &loaded.documents[0];
    let version = doc.field(doc.root(), "format_version").unwrap();
    assert_eq!(doc.value(version), NodeValue::Str("1.1"));
    assert_eq!(doc.position(version), (2, 3));
    assert_eq!(doc.name(), "plan.json");
}

#[test]
fn utf16_be_yaml_loads() {
    let mut bytes = vec![0xFE, 0xFF];
    for u in "a:\r\n  - 1\r\n".encode_utf16() {
        bytes.extend(u.to_be_bytes());
    }
    let doc = one(load_bytes("f.yaml", &bytes, Format::Yaml, &opts()));
    assert_eq!(doc.position(at(&doc, &["a", "0"])), (2, 5));
}

#[test]
fn invalid_utf8_and_nul_are_encoding_errors() {
    let err = load_bytes("f.yaml", b"a: 1\nb: \xC3\x28\n", Format::Yaml, &opts()).unwrap_err();
    assert_eq!(code(&err), "annexa::facts::encoding");
    assert!(err.to_string().contains("byte offset 8 (line 2)"), "{err}");
    let err = load_bytes("f.json", b"{\"a\": \"\0\"}", Format::Json, &opts()).unwrap_err();
    assert_eq!(code(&err), "annexa::facts::encoding");
    assert!(err.to_string().contains("NUL"), "{err}");
}

#[test]
fn duplicate_keys_name_both_lines() {
    use miette::Diagnostic;
    for (loaded, name) in [
        (json("{\n  \"a\": 1,\n  \"b\": 2,\n  \"a\": 3\n}"), "f.json"),
        (yaml("a: 1\nb: 2\na: 3\n"), "f.yaml"),
    ] {
        let err = loaded.unwrap_err();
        assert_eq!(code(&err), "annexa::facts::duplicate_key");
        let FactsError::DuplicateKey {
            first_line,
            second_line,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        let first_line = *first_line;
        assert_eq!((second_line - first_line), 2, "{err}");
        assert!(
            err.to_string()
                .contains(&format!("duplicate key `a` in `{name}`")),
            "{err}"
        );
        assert_eq!(err.labels().map(|l| l.count()), Some(2));
        let src = err.source_code().unwrap();
        for label in err.labels().unwrap() {
            let span = src.read_span(label.inner(), 0, 0).unwrap();
            let text = String::from_utf8_lossy(span.data());
            assert!(text.contains('a'), "label on the key: {text:?}");
        }
    }
    // nested duplicates too, and in flow mappings
    assert!(yaml("x:\n  - {k: 1, k: 2}\n").is_err());
}

#[test]
fn keys_that_share_a_bit_of_the_duplicate_filter_are_told_apart() {
    // keys k0..k69 get ids 0..69, so k0 and k64 share bit 0 of an open object's key filter
    let first: Vec<String> = (0..70).map(|i| format!("\"k{i}\": {i}")).collect();
    let wide = format!("{{{}}}", first.join(", "));
    for (small, duplicate) in [
        (r#"{"k0": 1, "k64": 2, "k1": 3, "k65": 4}"#, false),
        (r#"{"k0": 1, "k64": 2, "k0": 3}"#, true),
        (r#"{"k64": 1, "k1": 2, "k64": 3}"#, true),
    ] {
        let text = format!("[{wide}, {small}]");
        assert_eq!(json(&text).is_err(), duplicate, "{small}");
        let yaml_text = format!("- {wide}\n- {small}\n");
        assert_eq!(yaml(&yaml_text).is_err(), duplicate, "{small}");
    }
    let doc = one(json(&format!(
        "[{wide}, {}]",
        r#"{"k0": 1, "k64": 2, "k1": 3, "k65": 4}"#
    )));
    assert_eq!(doc.value(at(&doc, &["1", "k64"])), NodeValue::Int(2));
    // the wide object is looked up through the document's index (which keeps the key table)
    let wide_object = at(&doc, &["0"]);
    assert_eq!(doc.value(at(&doc, &["0", "k69"])), NodeValue::Int(69));
    assert_eq!(doc.field(wide_object, "k70"), None);
    // a document without a wide object drops its key table and still finds every key
    let narrow = one(json(r#"{"a": {"b": 1, "c": [2]}}"#));
    assert_eq!(
        narrow.value(at(&narrow, &["a", "c", "0"])),
        NodeValue::Int(2)
    );
    assert_eq!(narrow.field(narrow.root(), "z"), None);
}

#[test]
fn yaml_core_schema() {
    let text = "\
t: true\nT: True\nU: TRUE\nf: false\nn: null\nt2: ~\ne:\ni: 42\nneg: -7\nhex: 0x1F\noct: 0o17\n\
fl: 1.5\nexp: 1e3\nnan: .nan\ninf: .inf\nninf: -.inf\nyes: yes\non: on\nq: \"true\"\nsq: '12'\n\
big: 99999999999999999999\nver: 1.2.3\nlit: |\n  12\ntagged: !!str 3\ncfn: !Ref Bucket\nint: !!int 5\n";
    let doc = one(yaml(text));
    let v = |k: &str| doc.value(at(&doc, &[k]));
    assert_eq!(v("t"), NodeValue::Bool(true));
    assert_eq!(v("T"), NodeValue::Bool(true));
    assert_eq!(v("U"), NodeValue::Bool(true));
    assert_eq!(v("f"), NodeValue::Bool(false));
    assert_eq!(v("n"), NodeValue::Null);
    assert_eq!(v("t2"), NodeValue::Null);
    assert_eq!(v("e"), NodeValue::Null);
    assert_eq!(v("i"), NodeValue::Int(42));
    assert_eq!(v("neg"), NodeValue::Int(-7));
    assert_eq!(v("hex"), NodeValue::Int(31));
    assert_eq!(v("oct"), NodeValue::Int(15));
    assert_eq!(v("fl"), NodeValue::Float(1.5));
    assert_eq!(v("exp"), NodeValue::Float(1000.0));
    assert!(matches!(v("nan"), NodeValue::Float(f) if f.is_nan()));
    assert_eq!(v("inf"), NodeValue::Float(f64::INFINITY));
    assert_eq!(v("ninf"), NodeValue::Float(f64::NEG_INFINITY));
    assert_eq!(v("yes"), NodeValue::Str("yes"));
    assert_eq!(v("on"), NodeValue::Str("on"));
    assert_eq!(v("q"), NodeValue::Str("true"));
    assert_eq!(v("sq"), NodeValue::Str("12"));
    assert_eq!(v("big"), NodeValue::Float(1e20));
    assert_eq!(v("ver"), NodeValue::Str("1.2.3"));
    assert_eq!(v("lit"), NodeValue::Str("12\n"));
    assert_eq!(v("tagged"), NodeValue::Str("3"));
    assert_eq!(
        doc.to_json(at(&doc, &["cfn"])),
        serde_json::json!({"Ref": "Bucket"})
    );
    assert_eq!(v("int"), NodeValue::Int(5));
    assert_eq!(doc.to_json(at(&doc, &["nan"])), serde_json::Value::Null);
}

#[test]
fn yaml_keys_become_strings() {
    let doc = one(yaml("1: a\ntrue: b\n~: c\n&k name: d\nother: *k\n"));
    assert!(doc.field(doc.root(), "1").is_some());
    assert!(doc.field(doc.root(), "true").is_some());
    assert!(doc.field(doc.root(), "~").is_some());
    assert_eq!(doc.value(at(&doc, &["other"])), NodeValue::Str("name"));
    let doc = one(yaml("a: &n 5\n*n : six\n"));
    assert!(doc.field(doc.root(), "5").is_some());
    for text in ["? [a]\n: 1\n", "? {a: 1}\n: 1\n", "a: &m {x: 1}\n*m : 2\n"] {
        let err = yaml(text).unwrap_err();
        assert_eq!(code(&err), "annexa::facts::syntax", "{text}");
        assert!(err.to_string().contains("cannot be used as a key"), "{err}");
    }
}

#[test]
fn yaml_multi_document_and_skipped_documents() {
    let text = "# head\n---\na: 1\n---\n# only a comment\n---\n---\nb: 2\n--- ~\n";
    let loaded = yaml(text).unwrap();
    let docs: Vec<(usize, String)> = loaded
        .documents
        .iter()
        .map(|d| (d.index(), d.to_json(d.root()).to_string()))
        .collect();
    assert_eq!(
        docs,
        [
            (0, r#"{"a":1}"#.to_string()),
            (3, r#"{"b":2}"#.to_string()),
            (4, "null".to_string())
        ]
    );
    assert_eq!(
        loaded.notes,
        [
            "f.yaml: document 1 is empty and was skipped",
            "f.yaml: document 2 is empty and was skipped"
        ]
    );
    let b = loaded.documents[1]
        .field(loaded.documents[1].root(), "b")
        .unwrap();
    assert_eq!(loaded.documents[1].position(b), (8, 1));
}

#[test]
fn files_without_documents_load_empty() {
    let loaded = yaml("# nothing here\n\n").unwrap();
    assert!(loaded.documents.is_empty());
    assert_eq!(loaded.notes.len(), 1);
    assert!(yaml("").unwrap().documents.is_empty());
}

#[test]
fn aliases_are_expanded() {
    let doc = one(yaml(
        "base: &b\n  x: 1\n  y: [2, 3]\nuse: *b\nlist:\n  - *b\n",
    ));
    let copy = at(&doc, &["use", "y", "1"]);
    assert_eq!(doc.value(copy), NodeValue::Int(3));
    assert_eq!(doc.pointer(copy), "/use/y/1");
    assert_eq!(
        doc.position(at(&doc, &["use"])),
        (4, 1),
        "the alias sits at its key"
    );
    assert_eq!(doc.position(at(&doc, &["list", "0"])), (6, 5));
    assert_eq!(
        doc.position(copy),
        (3, 10),
        "copies keep the anchored positions"
    );
    assert_eq!(
        doc.to_json(at(&doc, &["list", "0"])),
        serde_json::json!({"x": 1, "y": [2, 3]})
    );
    let err = yaml("a: &x [1, *x]\n").unwrap_err();
    assert_eq!(code(&err), "annexa::facts::syntax");
}

#[test]
fn billion_laughs_fails_fast() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{next}: &{next} [{refs}]\n"));
    }
    let start = std::time::Instant::now();
    let err = yaml(&text).unwrap_err();
    assert_eq!(code(&err), "annexa::facts::alias_limit");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert!(err.to_string().contains("more than 100000 nodes"), "{err}");
}

#[test]
fn depth_limit_is_128() {
    for format in [Format::Json, Format::Yaml] {
        let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
        assert!(
            load_bytes("f", ok.as_bytes(), format, &opts()).is_ok(),
            "{format:?}"
        );
        let deep = format!("{}{}", "[".repeat(129), "]".repeat(129));
        let err = load_bytes("f", deep.as_bytes(), format, &opts()).unwrap_err();
        assert_eq!(code(&err), "annexa::facts::too_deep", "{format:?}: {err}");
        assert_eq!(err.position(), Some((1, 129)), "{format:?}");
    }
    let nested_objects = format!("{}1{}", "{\"a\":".repeat(129), "}".repeat(129));
    let err = json(&nested_objects).unwrap_err();
    assert_eq!(code(&err), "annexa::facts::too_deep");
}

#[test]
fn hundred_thousand_levels_do_not_overflow() {
    let n = 100_000;
    let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
    for format in [Format::Json, Format::Yaml] {
        let err = load_bytes("f", text.as_bytes(), format, &opts()).unwrap_err();
        assert_eq!(code(&err), "annexa::facts::too_deep", "{format:?}: {err}");
        let column = err.position().unwrap().1;
        // JSON: exactly the first bracket past the limit; YAML: where the scanner gave up
        assert!(
            column == 129 || (format == Format::Yaml && column > 129),
            "{format:?}"
        );
    }
    let objects = format!("{}{}", "{\"a\":".repeat(n), "}".repeat(n));
    assert_eq!(
        code(&json(&objects).unwrap_err()),
        "annexa::facts::too_deep"
    );
    let mut block = String::new();
    for i in 0..2_000 {
        block.push_str(&" ".repeat(i));
        block.push_str("a:\n");
    }
    assert_eq!(code(&yaml(&block).unwrap_err()), "annexa::facts::too_deep");
    let alias = format!(
        "x: &x {}1{}\ny: [[[*x]]]\n",
        "[".repeat(127),
        "]".repeat(127)
    );
    assert_eq!(
        code(&yaml(&alias).unwrap_err()),
        "annexa::facts::too_deep",
        "depth through an alias"
    );
}

#[test]
fn size_limit() {
    let small = LoadOptions {
        max_file_bytes: 4,
        ..LoadOptions::default()
    };
    let err = load_bytes("f.json", b"[1, 2]", Format::Json, &small).unwrap_err();
    assert_eq!(code(&err), "annexa::facts::too_large");
    assert!(load_bytes("f.json", b"[1]", Format::Json, &small).is_ok());
}

#[test]
fn load_path_checks_extension_and_existence() {
    let err = load_path(Path::new("facts.txt"), "facts.txt", &opts()).unwrap_err();
    assert_eq!(code(&err), "annexa::facts::unknown_extension");
    let err = load_path(Path::new("/nonexistent/x.json"), "x.json", &opts()).unwrap_err();
    assert_eq!(code(&err), "annexa::facts::io");
}

#[test]
fn yaml_syntax_errors_have_positions() {
    let err = yaml("a: 1\nb: [1, 2\n").unwrap_err();
    assert_eq!(code(&err), "annexa::facts::syntax");
    assert!(err.position().is_some());
    assert!(
        err.to_string().starts_with("invalid YAML in `f.yaml`: "),
        "{err}"
    );
}

#[test]
fn from_json_builds_a_document() {
    let value = serde_json::json!({"d": [{"n": "x", "f": 0.5, "big": u64::MAX}], "k/~": null});
    let doc = Document::from_json("inline", &value);
    assert_eq!(doc.name(), "inline");
    let n = at(&doc, &["d", "0", "n"]);
    assert_eq!(doc.pointer(n), "/d/0/n");
    assert_eq!(doc.position(n), (1, 1));
    assert_eq!(
        doc.value(at(&doc, &["d", "0", "big"])),
        NodeValue::Float(u64::MAX as f64)
    );
    assert_eq!(doc.pointer(at(&doc, &["k/~"])), "/k~1~0");
    let back = doc.to_json(doc.root());
    assert_eq!(back["d"][0]["f"], serde_json::json!(0.5));
    assert_eq!(back["d"][0]["n"], serde_json::json!("x"));
}

#[test]
fn nodes_stay_compact() {
    // four million nodes at 100,000 datasets: each byte here is 4 MB of fresh pages
    assert!(
        std::mem::size_of::<Node>() == 16,
        "{}",
        std::mem::size_of::<Node>()
    );
}

#[test]
fn a_packed_node_gives_back_every_kind_of_value_and_its_parent() {
    let values = [
        Slot::Null,
        Slot::Bool(false),
        Slot::Bool(true),
        Slot::int(i64::MIN),
        Slot::int(-1),
        Slot::float(f64::NAN),
        Slot::float(-0.0),
        Slot::Str(StrRef {
            start: STR_DECODED | 7,
            len: u32::MAX,
        }),
        Slot::Array(Items {
            start: u32::MAX,
            len: 3,
        }),
        Slot::Object(Members { start: 1, len: 0 }),
    ];
    for value in values {
        for parent in [0, 1, NO_PARENT - 1, NO_PARENT] {
            let mut node = Node::new(value, parent, 9);
            assert_eq!(node.slot(), value);
            assert_eq!(node.parent_id(), parent);
            assert_eq!(node.parent(), (parent != NO_PARENT).then_some(parent));
            node.set_parent(5);
            node.set_slot(Slot::Null);
            node.set_slot(value);
            assert_eq!((node.slot(), node.parent_id(), node.at), (value, 5, 9));
        }
    }
}

#[test]
fn no_option_lets_in_more_text_than_a_document_addresses() {
    let unbounded = LoadOptions {
        max_file_bytes: u64::MAX,
        ..LoadOptions::default()
    };
    assert_eq!(unbounded.byte_limit(), (1 << 31) - 1);
    assert_eq!(opts().byte_limit(), opts().max_file_bytes);
}

#[test]
fn too_many_values_says_what_one_document_holds_not_a_byte_size() {
    use miette::Diagnostic;
    // a file under the byte limit can still hold more values than node ids (a 2 GiB `[0,0,…]`);
    // building one takes gigabytes, so the error is checked as the loaders make it
    let err = FactsError::TooManyValues {
        name: "big.json".into(),
        limit: MAX_VALUES,
    };
    assert_eq!(code(&err), "annexa::facts::too_many_values");
    assert_eq!(
        err.to_string(),
        "`big.json` holds more than 536870911 values, more than one fact document can hold"
    );
    assert!(err.help().is_some_and(|h| h.to_string().contains("split")));
}

#[test]
fn every_error_renders_without_panicking() {
    let errors = [
        json("{\"a\": 1,}").unwrap_err(),
        json("{\"a\": 1, \"a\": 2}").unwrap_err(),
        yaml("a: [").unwrap_err(),
        load_bytes("f.json", b"\xFF", Format::Json, &opts()).unwrap_err(),
    ];
    for err in errors {
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, &err)
            .unwrap();
        assert!(out.contains("annexa::facts::"), "{out}");
    }
}

#[test]
fn load_path_decodes_in_place() {
    let dir = std::env::temp_dir().join(format!("annexa-facts-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("bom.json");
    std::fs::write(&good, b"\xEF\xBB\xBF{\"a\": [1]}").unwrap();
    let doc = one(load_path(&good, "bom.json", &opts()));
    assert_eq!(doc.position(at(&doc, &["a", "0"])), (1, 8));
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, b"\xEF\xBB\xBFa: \xFF\n").unwrap();
    let err = load_path(&bad, "bad.yaml", &opts()).unwrap_err();
    assert!(err.to_string().contains("byte offset 6 (line 1)"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn strings_and_keys_live_in_document_buffers() {
    // a string past the 24-bit inline length, next to short ones
    let long = "é".repeat(9_000_000);
    let doc = one(json(&format!(
        "{{\"a\": \"x\", \"long\": \"{long}\", \"b\": \"\"}}"
    )));
    assert_eq!(doc.str_of(at(&doc, &["a"])), Some("x"));
    assert_eq!(
        doc.str_of(at(&doc, &["long"])).map(str::len),
        Some(long.len())
    );
    assert_eq!(doc.str_of(at(&doc, &["b"])), Some(""));
    assert_eq!(doc.str_of(doc.root()), None);
    // combining shifts strings, elements, members and big-object indexes, and merges key tables
    let members: Vec<String> = (0..40).map(|i| format!("\"k{i}\": \"v{i}\"")).collect();
    let a = one(json(&format!(
        "{{\"z\": [\"p\", \"q\"], {}}}",
        members.join(",")
    )));
    let b = one(yaml("k39: other\nz: [r]\nnew: s\n"));
    let all = combine(&[b, a]).unwrap();
    let first = all.element(all.root(), 0).unwrap();
    let second = all.element(all.root(), 1).unwrap();
    assert_eq!(all.str_of(all.field(first, "k39").unwrap()), Some("other"));
    assert_eq!(all.str_of(all.field(second, "k39").unwrap()), Some("v39"));
    assert_eq!(all.str_of(all.field(second, "k0").unwrap()), Some("v0"));
    assert_eq!(all.field(second, "new"), None);
    let q = all.element(all.field(second, "z").unwrap(), 1).unwrap();
    assert_eq!(all.str_of(q), Some("q"));
    assert_eq!(all.pointer(q), "/z/1");
    assert_eq!(
        all.to_json(first),
        serde_json::json!({"k39": "other", "z": ["r"], "new": "s"})
    );
}

#[test]
fn a_large_json_file_loads_the_same_with_its_arena_prepared_on_a_helper_thread() {
    let dir = std::env::temp_dir().join(format!("annexa-facts-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // past PREFAULT_MIN_BYTES, so load_path takes the helper thread's reservation
    let datasets: Vec<serde_json::Value> = (0..90_000)
        .map(|i| serde_json::json!({"name": format!("ds-{i}"), "rows": i, "tags": ["a", "b\n"]}))
        .collect();
    let text = serde_json::to_string_pretty(&serde_json::json!({ "datasets": datasets })).unwrap();
    assert!(text.len() as u64 >= PREFAULT_MIN_BYTES, "{}", text.len());
    let file = dir.join("large.json");
    std::fs::write(&file, &text).unwrap();
    let read = one(load_path(&file, "large.json", &opts()));
    let parsed = one(load_bytes(
        "large.json",
        text.as_bytes(),
        Format::Json,
        &opts(),
    ));
    assert_eq!(read.to_json(read.root()), parsed.to_json(parsed.root()));
    let last = ["datasets", "89999", "tags", "1"];
    assert_eq!(
        read.position(at(&read, &last)),
        parsed.position(at(&parsed, &last))
    );
    // the limit still holds, and a broken file is still reported where it breaks
    let small = LoadOptions {
        max_file_bytes: PREFAULT_MIN_BYTES,
        ..opts()
    };
    let err = load_path(&file, "large.json", &small).unwrap_err();
    assert!(matches!(err, FactsError::TooLarge { .. }), "{err}");
    std::fs::write(&file, format!("{}]", &text[..text.len() - 1])).unwrap();
    let err = load_path(&file, "large.json", &opts()).unwrap_err();
    assert!(err.to_string().contains("JSON"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What `field_by_id` finds for `key` in each element of the root array, one hint carried
/// along as the evaluator carries it.
fn by_id_in_each(doc: &Document, key: &str) -> Vec<Option<NodeId>> {
    let mut hint = 0;
    let items: Vec<NodeId> = match doc.value(doc.root()) {
        NodeValue::Array(items) => items.to_vec(),
        _ => Vec::new(),
    };
    items
        .iter()
        .map(|&item| {
            doc.key_id(key)
                .and_then(|k| doc.field_by_id(item, k, &mut hint))
        })
        .collect()
}

fn by_text_in_each(doc: &Document, key: &str) -> Vec<Option<NodeId>> {
    match doc.value(doc.root()) {
        NodeValue::Array(items) => items.iter().map(|&item| doc.field(item, key)).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn a_field_by_key_id_is_the_field_by_key_text_whatever_order_the_objects_keep() {
    // key orders differ, keys are absent, a scalar is no object, a stale hint points past
    // the end or at another key
    let doc = one(json(
        r#"[{"a": 1, "b": 2, "c": 3}, {"c": 4, "a": 5}, {"b": 6}, 7, {}, {"x": 0, "y": 0, "z": 0, "b": 8}]"#,
    ));
    for key in ["a", "b", "c", "x", "nope"] {
        assert_eq!(
            by_id_in_each(&doc, key),
            by_text_in_each(&doc, key),
            "{key}"
        );
    }
    assert_eq!(doc.key_id("nope"), None);
    // the same in YAML, whose strings are all decoded
    let doc = one(yaml("- {a: 1, b: 2}\n- {b: 3, a: 4}\n- {a: 5}\n"));
    for key in ["a", "b", "z"] {
        assert_eq!(
            by_id_in_each(&doc, key),
            by_text_in_each(&doc, key),
            "{key}"
        );
    }
}

#[test]
fn a_field_by_key_id_is_found_in_large_objects_and_in_documents_of_many_keys() {
    // more keys than a document scans (it keeps its map), and objects past the size from
    // which they are indexed
    let wide: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
    let narrow: Vec<String> = (0..40)
        .rev()
        .step_by(3)
        .map(|i| format!("\"k{i}\": {i}"))
        .collect();
    let text = format!(
        "[{{{}}}, {{{}}}, {{\"k5\": true}}]",
        wide.join(", "),
        narrow.join(", ")
    );
    let doc = one(json(&text));
    for key in ["k0", "k5", "k21", "k39", "k40"] {
        assert_eq!(
            by_id_in_each(&doc, key),
            by_text_in_each(&doc, key),
            "{key}"
        );
    }
    assert!(doc.key_id("k39").is_some());
    assert!(doc.key_id("k40").is_none());
}
