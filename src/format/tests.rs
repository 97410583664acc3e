#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn fmt(text: &str) -> String {
    format_source(&SourceFile::new("t.policy", text)).unwrap()
}

#[track_caller]
fn same(text: &str) {
    assert_eq!(fmt(text), text);
}

#[test]
fn operators_get_parentheses_only_where_needed() {
    assert_eq!(fmt("let x = (a + b) * c"), "let x = (a + b) * c\n");
    assert_eq!(fmt("let x = a + (b * c)"), "let x = a + b * c\n");
    assert_eq!(fmt("let x = a - (b - c)"), "let x = a - (b - c)\n");
    assert_eq!(fmt("let x = (a ?? b) ?? c"), "let x = (a ?? b) ?? c\n");
    assert_eq!(fmt("let x = a ?? (b ?? c)"), "let x = a ?? b ?? c\n");
    assert_eq!(fmt("let x = not (a in b)"), "let x = not a in b\n");
    assert_eq!(fmt("let x = (not a) in b"), "let x = (not a) in b\n");
    assert_eq!(fmt("let x = (a == b) == c"), "let x = (a == b) == c\n");
    assert_eq!(fmt("let x = -(-1)"), "let x = -(-1)\n");
    assert_eq!(fmt("let x = (-1).a"), "let x = (-1).a\n");
    assert_eq!(fmt("let x = a and (b or c)"), "let x = a and (b or c)\n");
    assert_eq!(fmt("let x = (d.x ?? 0) > 5"), "let x = d.x ?? 0 > 5\n");
}

#[test]
fn quantifiers_are_parenthesised_when_something_follows() {
    same("let x = (all a in xs: a) and b\n");
    same("let x = b and not all a in xs: a and c\n");
    same("let x = not (any a in xs: a) or b\n");
    same("let x = count(xs[any a in .ys: a > 1], all b in ys: b)\n");
    assert_eq!(
        fmt("let x = all a in (any b in c: b): a"),
        "let x = all a in (any b in c: b): a\n"
    );
}

#[test]
fn filters_that_look_like_an_index_or_a_key_keep_their_parentheses() {
    same("let x = xs[(0)]\n");
    same("let x = xs[(\"k\")]\n");
    same("let x = xs[0][\"k\"][-1][*].a[\"b c\"]\n");
    same("let x = xs[.a == 1 and .[\"b\"]]\n");
}

#[test]
fn literals_are_re_escaped() {
    same("let x = [\"a\\\"b\\\\c\\n\\t\\r\\u{1}\", @2026-01-31, 1.5, -2, 1e300, null, true]\n");
    assert_eq!(fmt("let x = {a: 1}"), "let x = {\"a\": 1}\n");
    assert_eq!(fmt("let x = 1e999"), "let x = 1e999\n");
}

#[test]
fn templates_keep_holes_and_escaped_braces() {
    same(
        "rule r {\n  controls A.5.1\n  require x else \"{{{x}}} { {\"a\": 1}.a } {lower(\"}\")}\"\n}\n",
    );
}

#[test]
fn long_lines_break_lists_and_move_else_to_a_continuation_line() {
    let long = "let x = [\"aaaaaaaaaaaaaaaaaaaa\", \"bbbbbbbbbbbbbbbbbbbbbbb\", \"cccccccccccccccccccccc\", \"dddddddddddddddd\"]";
    assert_eq!(
        fmt(long),
        "let x = [\n  \"aaaaaaaaaaaaaaaaaaaa\",\n  \"bbbbbbbbbbbbbbbbbbbbbbb\",\n  \"cccccccccccccccccccccc\",\n  \"dddddddddddddddd\",\n]\n"
    );
    let rule = "rule r {\n  controls A.5.1\n  for d in datasets {\n    require d.encryption.at_rest.enabled == true\n      else \"dataset {d.name} is not encrypted at rest, which it must be\"\n  }\n}\n";
    same(rule);
    let short = "rule r {\n  controls A.5.1\n  require a\n    else \"b\"\n}\n";
    assert_eq!(
        fmt(short),
        "rule r {\n  controls A.5.1\n  require a else \"b\"\n}\n"
    );
}

#[test]
fn comments_stay_beside_their_lines() {
    same(
        "# file\npolicy a.b \"t\"  # header\n\nuse std.crypto  # c1\n\n# about x\nparam x = [\n  1,  # one\n  # before two\n  2,\n  # at the end\n]\n\nrule r {  # opens\n  title \"t\"  # the title\n  controls A.5.1\n\n  # a statement\n  for d in x {\n    require d  # trailing\n    # last in block\n  }  # after\n  if a {\n    require b\n  } else if c {\n    require c\n  } else {\n    # nothing\n  }\n}\n\n# the end\n",
    );
}

#[test]
fn comments_inside_expressions_move_before_their_statement() {
    assert_eq!(
        fmt("rule r {\n  controls A.5.1\n  require a and # why\n    b\n}\n"),
        "rule r {\n  controls A.5.1\n  # why\n  require a and b\n}\n"
    );
}

#[test]
fn blank_lines_between_items_and_kept_between_statements() {
    assert_eq!(
        fmt(
            "use a\nuse b\nlet x = 1\nlet y = 2\n\n\n\nlet z = 3\nrule r {\n\n  controls A.5.1\n\n\n  require x\n\n}\ntest \"t\" {\n  expect r pass\n  facts {}\n}"
        ),
        "use a\nuse b\n\nlet x = 1\nlet y = 2\n\nlet z = 3\n\nrule r {\n  controls A.5.1\n\n  require x\n}\n\ntest \"t\" {\n  facts {}\n  expect r pass\n}\n"
    );
}

#[test]
fn test_blocks_print_canonically() {
    same(
        "test \"t\" {\n  facts file \"f.yaml\"\n  params { a: 1, b.c: [\"x\"] }\n  expect all pass\n  expect r fail 2\n  expect control A.8.24 fail\n}\n",
    );
    same("test \"empty\" {}\n");
    same("rule r {}\n");
}

#[test]
fn strings_in_holes_are_not_comments() {
    same("rule r {\n  controls A.5.1\n  require a else \"x {b ?? \"#\"} y\"  # real\n}\n");
}

#[test]
fn fingerprints_ignore_spans() {
    let a = crate::syntax::parse(&SourceFile::new("a", "let x = (1 + 2)")).unwrap();
    let b = crate::syntax::parse(&SourceFile::new("b", "\n\nlet   x=1+2")).unwrap();
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert!(!fingerprint(&a).contains("span"));
    let c = crate::syntax::parse(&SourceFile::new("c", "let x = 1 + 3")).unwrap();
    assert_ne!(fingerprint(&a), fingerprint(&c));
}

#[test]
fn a_step_after_a_parenthesised_projection_keeps_the_parentheses() {
    same("let x = (a[*].g)[\"k\"].h\n");
    same("let x = a[*].g[\"k\"].h[0]\n");
}

#[test]
fn the_schema_line_stays_under_the_header() {
    same("policy a.b \"t\"\nschema \"annexa.ml/v1\"  # the model\n\nrule r {\n  require true\n}\n");
    assert_eq!(
        fmt("policy a.b\n   schema    \"annexa.ml/v1\"\nrule r {\nrequire true\n}\n"),
        "policy a.b\nschema \"annexa.ml/v1\"\n\nrule r {\n  require true\n}\n"
    );
    assert_eq!(
        fmt("schema \"annexa.ml/v1\"\nlet x = 1\n"),
        "schema \"annexa.ml/v1\"\n\nlet x = 1\n"
    );
}

#[test]
fn schema_is_still_a_name_and_a_field() {
    same("let schema = facts.schema\n");
}

#[test]
fn aspect_metadata_round_trips() {
    same("rule r {\n  controls A.5.15\n  aspect \"MFA for people\"\n  require true\n}\n");
    same("rule r {\n  controls A.8.24\n  aspect whole\n  require true\n}\n");
    assert_eq!(
        fmt("rule r { controls A.8.24 aspect   \"a \\\"b\\\"\" require true }"),
        "rule r {\n  controls A.8.24\n  aspect \"a \\\"b\\\"\"\n  require true\n}\n"
    );
}
