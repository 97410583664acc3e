//! The fact-model check of policies that declare `schema "annexa.ml/v1"`.

use super::*;
use crate::source::SourceFile;

fn codes(files: &[(&str, &str)], model: Option<&FactModel>) -> Vec<String> {
    let modules = files
        .iter()
        .map(|(n, t)| crate::syntax::parse(&SourceFile::new(*n, *t)).unwrap())
        .collect();
    compile_with_model(modules, model)
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code(), d.message()))
        .collect()
}

const HEAD: &str = "policy t\nschema \"annexa.ml/v1\"\n";

fn rule(body: &str) -> String {
    format!("{HEAD}rule r {{\n controls A.8.24\n {body}\n}}\n")
}

#[test]
fn without_the_schema_line_nothing_is_checked() {
    let text = "rule r {\n controls A.8.24\n for d in datasets { require d.encrypton == 1 }\n}\n";
    assert_eq!(codes(&[("p.policy", text)], None), Vec::<String>::new());
}

#[test]
fn known_paths_compile_cleanly() {
    let text = rule(
        "for d in datasets[.contains_pii == true] { require d.encryption.at_rest.enabled == true }\n \
         require all m in models: m.name != \"\"\n \
         require count(datasets[*].access[*].principal) >= 0\n \
         require pipeline.privacy.dpia.completed == true",
    );
    assert_eq!(codes(&[("p.policy", &text)], None), Vec::<String>::new());
}

#[test]
fn unknown_values_are_not_checked() {
    // fn parameters, computed values and builtin results have no known type
    let text = format!(
        "{HEAD}fn enc(d) = d.encrypton\nrule r {{\n controls A.8.24\n \
         for k in keys(pipeline) {{ require k.anything == 1 }}\n \
         let x = {{\"a\": 1}}\n require x.whatever == 1\n}}\n"
    );
    assert_eq!(codes(&[("p.policy", &text)], None), Vec::<String>::new());
}

#[test]
fn a_let_of_another_module_keeps_its_element_type() {
    let common = "policy c\nlet training = datasets[.kind == \"training\"]\n";
    let user = rule("use_me = 1").replace(
        "use_me = 1",
        "for d in c.training { require d.ownr != null }",
    );
    let user = user.replace(
        "schema \"annexa.ml/v1\"\n",
        "schema \"annexa.ml/v1\"\nuse c\n",
    );
    assert_eq!(
        codes(&[("c.policy", common), ("p.policy", &user)], None),
        vec!["annexa::unknown_field: `Dataset` has no field `ownr`".to_string()]
    );
}

#[test]
fn a_rule_named_like_a_fact_key_reads_the_fact() {
    let text = format!(
        "{HEAD}rule datasets {{\n controls A.8.24\n for d in datasets {{ require d.nme != null }}\n}}\n"
    );
    assert_eq!(
        codes(&[("p.policy", &text)], None),
        vec!["annexa::unknown_field: `Dataset` has no field `nme`".to_string()]
    );
}

#[test]
fn an_extended_model_knows_the_users_fields() {
    let text =
        rule("for d in datasets { require d.owner_team != null }\n require count(my_things) >= 0");
    assert_eq!(codes(&[("p.policy", &text)], None).len(), 2);
    let fragment = serde_json::json!({"properties": {
        "datasets": {"items": {"properties": {"owner_team": {"type": "string"}}}},
        "my_things": {"type": "array", "items": {"type": "object"}}
    }});
    let model = FactModel::ml_extended(&fragment).unwrap();
    assert_eq!(
        codes(&[("p.policy", &text)], Some(&model)),
        Vec::<String>::new()
    );
}

#[test]
fn a_typo_close_to_a_let_is_reported_once() {
    let text =
        format!("{HEAD}let training = 1\nrule r {{\n controls A.8.24\n require trainin == 1\n}}\n");
    let found = codes(&[("p.policy", &text)], None);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("annexa::unknown_name"), "{found:?}");
}

#[test]
fn a_fn_parameter_has_the_type_all_its_callers_pass() {
    let body = "for d in datasets { require enc(d) == true }\n require all x in datasets: enc(x)";
    let text = format!(
        "{HEAD}fn enc(d) = d.encrypton.at_rest.enabled\nrule r {{\n controls A.8.24\n {body}\n}}\n"
    );
    assert_eq!(
        codes(&[("p.policy", &text)], None),
        vec!["annexa::unknown_field: `Dataset` has no field `encrypton`".to_string()]
    );
    // a caller passing something else (here a model) leaves the parameter unknown
    let mixed = text.replace("all x in datasets", "all x in models");
    assert_eq!(codes(&[("p.policy", &mixed)], None), Vec::<String>::new());
}
