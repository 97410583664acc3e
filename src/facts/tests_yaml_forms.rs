//! Tests of YAML as the tools that read real files see it: merge keys, tags, CloudFormation's
//! short forms, YAML 1.1 octal in Kubernetes objects.

use serde_json::json;

use super::*;

fn yaml(text: &str) -> Result<Loaded, FactsError> {
    load_bytes(
        "f.yaml",
        text.as_bytes(),
        Format::Yaml,
        &LoadOptions::default(),
    )
}

fn one(text: &str) -> Document {
    let mut loaded = yaml(text).unwrap();
    assert_eq!(loaded.documents.len(), 1, "notes: {:?}", loaded.notes);
    loaded.documents.remove(0)
}

fn at(doc: &Document, pointer: &str) -> NodeId {
    let mut id = doc.root();
    for step in pointer.split('/').skip(1) {
        id = match step.parse::<usize>() {
            Ok(i) if matches!(doc.value(id), NodeValue::Array(_)) => doc.element(id, i),
            _ => doc.field(id, step),
        }
        .unwrap_or_else(|| panic!("no {step} in {pointer}"));
    }
    id
}

fn tree(text: &str) -> serde_json::Value {
    let doc = one(text);
    doc.to_json(doc.root())
}

#[test]
fn merge_key_with_an_alias_keeps_explicit_keys_and_anchored_positions() {
    let text = "\
x-defaults: &defaults
  image: python:3.11
  restart: always
services:
  web:
    <<: *defaults
    restart: never
    ports: [80]
";
    let doc = one(text);
    assert_eq!(
        doc.to_json(at(&doc, "/services/web")),
        json!({"restart": "never", "ports": [80], "image": "python:3.11"})
    );
    // the merged member sits where its text is: line 2, column 3 of the anchored mapping
    let image = at(&doc, "/services/web/image");
    assert_eq!(doc.position(image), (2, 3));
    assert_eq!(doc.pointer(image), "/services/web/image");
    // the explicit key keeps its own line
    assert_eq!(doc.position(at(&doc, "/services/web/restart")), (7, 5));
}

#[test]
fn merge_key_with_a_list_earlier_mappings_win() {
    let text = "\
a: &a {k: from-a, only_a: 1}
b: &b {k: from-b, only_b: 2}
c:
  <<: [*a, *b]
  own: 3
";
    assert_eq!(
        tree(text)["c"],
        json!({"own": 3, "k": "from-a", "only_a": 1, "only_b": 2})
    );
}

#[test]
fn merge_key_with_an_inline_mapping_and_nested_merges() {
    let text = "\
base: &base {image: alpine, env: {A: 1}}
mid: &mid
  <<: *base
  tag: mid
job:
  <<: [*mid, {extra: true}]
inline:
  <<: {image: busybox}
";
    let t = tree(text);
    assert_eq!(
        t["job"],
        json!({"image": "alpine", "env": {"A": 1}, "tag": "mid", "extra": true})
    );
    assert_eq!(t["inline"], json!({"image": "busybox"}));
    // nothing named `<<` is left anywhere
    assert!(!t.to_string().contains("<<"));
}

#[test]
fn quoted_merge_key_is_an_ordinary_key() {
    assert_eq!(tree("'<<': 1\n"), json!({"<<": 1}));
}

#[test]
fn merge_key_needs_a_mapping() {
    for text in [
        "a: 1\nb:\n  <<: 5\n",
        "a: &s [1]\nb:\n  <<: *s\n",
        "b:\n  <<: [1]\n",
    ] {
        let err = yaml(text).unwrap_err();
        assert!(err.to_string().contains("merge key"), "{text}: {err}");
    }
}

#[test]
fn merge_keys_count_against_the_alias_limit() {
    let opts = LoadOptions {
        max_alias_expansions: 5,
        ..LoadOptions::default()
    };
    let text = "a: &a {k1: 1, k2: 2, k3: 3}\nb: {<<: *a}\nc: {<<: *a}\n";
    let err = load_bytes("f.yaml", text.as_bytes(), Format::Yaml, &opts).unwrap_err();
    assert!(err.to_string().contains("alias"), "{err}");
    assert!(
        load_bytes(
            "f.yaml",
            text.as_bytes(),
            Format::Yaml,
            &LoadOptions::default()
        )
        .is_ok()
    );
}

const CFN_YAML: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '${AWS::StackName}-data'
      KmsKey: !GetAtt Key.Arn
      Role: !Ref Role
      Name: !Join ['-', [!Ref Env, !Select [0, !GetAZs '']]]
      Maybe: !If [IsProd, !Ref Key, !Ref AWS::NoValue]
      Gone: !Ref AWS::NoValue
      Tags:
        - !Ref AWS::NoValue
      Mapped: !FindInMap [Map, !Ref AWS::Region, Ami]
      Cond: !And [!Equals [a, b], !Not [!Condition C], !Or [!Condition D]]
      Enc: !Base64 text
      Cidr: !Cidr [10.0.0.0/16, 4, 8]
      Import: !ImportValue Shared
      Split: !Split [',', 'a,b']
      Att: !GetAtt [Key, Arn]
";

const CFN_JSON: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
    "BucketName": {"Fn::Sub": "${AWS::StackName}-data"},
    "KmsKey": {"Fn::GetAtt": ["Key", "Arn"]},
    "Role": {"Ref": "Role"},
    "Name": {"Fn::Join": ["-", [{"Ref": "Env"}, {"Fn::Select": [0, {"Fn::GetAZs": ""}]}]]},
    "Maybe": {"Fn::If": ["IsProd", {"Ref": "Key"}, {"Ref": "AWS::NoValue"}]},
    "Gone": {"Ref": "AWS::NoValue"},
    "Tags": [{"Ref": "AWS::NoValue"}],
    "Mapped": {"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, "Ami"]},
    "Cond": {"Fn::And": [{"Fn::Equals": ["a", "b"]}, {"Fn::Not": [{"Condition": "C"}]},
             {"Fn::Or": [{"Condition": "D"}]}]},
    "Enc": {"Fn::Base64": "text"},
    "Cidr": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
    "Import": {"Fn::ImportValue": "Shared"},
    "Split": {"Fn::Split": [",", "a,b"]},
    "Att": {"Fn::GetAtt": ["Key", "Arn"]}
  }}}
}"#;

#[test]
fn cloudformation_short_forms_read_as_the_json_long_forms() {
    let from_yaml = tree(CFN_YAML);
    let json_doc = load_bytes(
        "t.json",
        CFN_JSON.as_bytes(),
        Format::Json,
        &LoadOptions::default(),
    )
    .unwrap()
    .documents
    .remove(0);
    let from_json = json_doc.to_json(json_doc.root());
    assert_eq!(from_yaml, from_json);
    let props = &from_yaml["Resources"]["Bucket"]["Properties"];
    assert_eq!(props["KmsKey"], json!({"Fn::GetAtt": ["Key", "Arn"]}));
    // `!Ref AWS::NoValue` as a member's value: the member is absent, in YAML and JSON alike
    assert!(props.get("Gone").is_none());
    assert!(
        from_json["Resources"]["Bucket"]["Properties"]
            .get("Gone")
            .is_none()
    );
    // elsewhere it stays what CloudFormation sees, the reference
    assert_eq!(props["Tags"], json!([{"Ref": "AWS::NoValue"}]));
}

#[test]
fn tags_are_kept_as_written() {
    let doc = one(
        "a: !Ref Role\nb: !!str 5\nc: !secret db_password\nd: plain\ne: !reference [.setup, script]\nf: !If [c, 1, 2]\n",
    );
    let tag = |p: &str| doc.tag(at(&doc, p));
    assert_eq!(tag("/a"), Some("!Ref"));
    assert_eq!(tag("/a/Ref"), None);
    assert_eq!(tag("/b"), Some("!!str"));
    assert_eq!(tag("/c"), Some("!secret"));
    assert_eq!(doc.value(at(&doc, "/c")), NodeValue::Str("db_password"));
    assert_eq!(tag("/d"), None);
    assert_eq!(tag("/e"), Some("!reference"));
    assert_eq!(doc.to_json(at(&doc, "/e")), json!([".setup", "script"]));
    assert_eq!(tag("/f"), Some("!If"));
    // positions of a short form: the tagged text
    assert_eq!(doc.position(at(&doc, "/a/Ref")), (1, 4));
    // an alias copy keeps the tag
    let doc = one("a: &x !secret s\nb: *x\n");
    assert_eq!(doc.tag(at(&doc, "/b")), Some("!secret"));
}

#[test]
fn kubernetes_objects_read_yaml_1_1_octal() {
    let text = "\
apiVersion: v1
kind: Pod
spec:
  volumes:
    - name: s
      secret: {secretName: s, defaultMode: 0777}
    - name: t
      configMap: {name: t, defaultMode: 0o644, items: [{key: k, path: p, mode: 0400}]}
  other: 0644
  quoted: '0777'
  decimal: 420
";
    let doc = one(text);
    let v = |p: &str| doc.value(at(&doc, p));
    assert_eq!(v("/spec/volumes/0/secret/defaultMode"), NodeValue::Int(511));
    assert_eq!(
        v("/spec/volumes/1/configMap/defaultMode"),
        NodeValue::Int(420)
    );
    assert_eq!(
        v("/spec/volumes/1/configMap/items/0/mode"),
        NodeValue::Int(256)
    );
    assert_eq!(v("/spec/other"), NodeValue::Int(420));
    assert_eq!(v("/spec/quoted"), NodeValue::Str("0777"));
    assert_eq!(v("/spec/decimal"), NodeValue::Int(420));
    // not a Kubernetes object: YAML 1.2, `0777` is decimal
    let doc = one("mode: 0777\nkind: x\n");
    assert_eq!(doc.value(at(&doc, "/mode")), NodeValue::Int(777));
}
