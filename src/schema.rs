//! Checking fact documents against the ML pipeline fact model (`schema/ml-pipeline.schema.json`,
//! embedded, optionally extended by the user's own JSON Schema fragment), so a typo such as
//! `encrpytion` is reported at its line instead of passing silently.

mod model;

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;

pub use model::{ObjectType, ROOT, Ty, TypeId, TypeTable, merge};

use crate::facts::{Document, NodeId};

const ML_PIPELINE_SCHEMA: &str = include_str!("../schema/ml-pipeline.schema.json");

/// The name a policy gives the ML pipeline model: `schema "annexa.ml/v1"`.
pub const ML_MODEL: &str = "annexa.ml/v1";

/// Every model a policy can declare.
pub const MODELS: [&str; 1] = [ML_MODEL];

/// How `check` holds fact documents to the fact model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaMode {
    /// Every departure is an error; nothing is judged (exit 2).
    Strict,
    /// Departures are warnings on stderr; the run goes on.
    Warn,
    /// No check.
    Off,
}

impl SchemaMode {
    /// `strict`, `warn` or `off`.
    pub fn parse(word: &str) -> Option<SchemaMode> {
        match word {
            "strict" => Some(SchemaMode::Strict),
            "warn" => Some(SchemaMode::Warn),
            "off" => Some(SchemaMode::Off),
            _ => None,
        }
    }
}

/// `[schema]`: `check` (the default of `check --schema`) and `extend` (a JSON Schema fragment
/// merged into the shipped ML model, see docs/facts.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaConfig {
    /// `check`: `strict`, `warn` or `off`.
    pub check: Option<SchemaMode>,
    /// `extend`: the fragment's path, joined to the file's folder.
    pub extend: Option<std::path::PathBuf>,
}

impl SchemaConfig {
    /// The model `extend` asks for: the shipped one extended by the fragment, or `None` (the
    /// shipped model) without it; an error says why the fragment cannot be used.
    pub fn model(&self) -> Result<Option<FactModel>, String> {
        self.extend.as_deref().map(load_extension).transpose()
    }

    /// `schema = "MODE"` (short for `[schema] check = "MODE"`) or the `[schema]` table.
    pub fn from_toml(dir: &std::path::Path, value: &toml::Value) -> Result<SchemaConfig, String> {
        let mode = |v: &toml::Value| match v.as_str().and_then(SchemaMode::parse) {
            Some(m) => Ok(m),
            None => Err(format!(
                "`{v}` is not a schema check mode (strict, warn or off)"
            )),
        };
        match value {
            toml::Value::String(_) => Ok(SchemaConfig {
                check: Some(mode(value)?),
                extend: None,
            }),
            toml::Value::Table(table) => {
                let mut out = SchemaConfig::default();
                for (key, v) in table {
                    match key.as_str() {
                        "check" => out.check = Some(mode(v)?),
                        "extend" => match v.as_str() {
                            Some(path) => out.extend = Some(dir.join(path)),
                            None => {
                                return Err("`[schema] extend` is a path (a string)".to_string());
                            }
                        },
                        _ => {
                            let near = crate::diagnostics::close_names(key, ["check", "extend"]);
                            let hint = near.first().map(|n| format!("; did you mean `{n}`?"));
                            return Err(format!(
                                "`[schema]` has no key `{key}`{}",
                                hint.unwrap_or_default()
                            ));
                        }
                    }
                }
                Ok(out)
            }
            _ => Err("`schema` is a mode or a table".to_string()),
        }
    }
}

/// Reads a user's extension of the ML model (a JSON Schema fragment in a JSON file) and merges
/// it into the shipped model; the error says what is wrong.
pub fn load_extension(path: &std::path::Path) -> Result<FactModel, String> {
    let shown = path.to_string_lossy().replace('\\', "/");
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    let fragment: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("`{shown}` is not JSON: {e}"))?;
    if !fragment.is_object() {
        return Err(format!("`{shown}` must hold a JSON Schema object"));
    }
    FactModel::ml_extended(&fragment)
        .map_err(|e| format!("`{shown}` does not make a valid JSON Schema: {e}"))
}

/// A fact model: its JSON Schema (shipped, merged with any extension), the validator of fact
/// documents and the types the compiler checks fact paths against.
#[derive(Debug)]
pub struct FactModel {
    schema: serde_json::Value,
    validator: Option<jsonschema::Validator>,
    types: TypeTable,
}

impl FactModel {
    /// The shipped ML pipeline model.
    pub fn ml() -> &'static FactModel {
        static MODEL: OnceLock<FactModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            let schema = serde_json::from_str(ML_PIPELINE_SCHEMA).unwrap_or_default();
            FactModel::from_schema(schema)
        })
    }

    /// The ML pipeline model with a user's JSON Schema fragment merged in (see docs/facts.md);
    /// an error when the merged schema is not a valid JSON Schema.
    pub fn ml_extended(fragment: &serde_json::Value) -> Result<FactModel, String> {
        let mut schema = FactModel::ml().schema.clone();
        merge(&mut schema, fragment);
        let validator = jsonschema::validator_for(&schema).map_err(|e| e.to_string())?;
        Ok(FactModel {
            validator: Some(validator),
            types: TypeTable::from_schema(&schema),
            schema,
        })
    }

    fn from_schema(schema: serde_json::Value) -> FactModel {
        FactModel {
            validator: jsonschema::validator_for(&schema).ok(),
            types: TypeTable::from_schema(&schema),
            schema,
        }
    }

    /// The model's types.
    pub fn types(&self) -> &TypeTable {
        &self.types
    }

    /// Every departure of `doc` from this model, in document order.
    pub fn check(&self, doc: &Document) -> Vec<SchemaFinding> {
        match &self.validator {
            Some(v) => check_with(v, &self.types, doc),
            None => Vec::new(),
        }
    }
}

/// One place where a document departs from the fact model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFinding {
    /// The fact file.
    pub document: String,
    /// 0-based document position in the file.
    pub document_index: usize,
    /// JSON Pointer of the offending value (for an unknown field, the field itself).
    pub pointer: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// Whether it is a field the model does not declare (rather than a wrong type or value).
    pub unknown_field: bool,
}

/// Every departure of `doc` from the ML pipeline fact model, in document order.
///
/// ```
/// let facts = serde_json::json!({"datasets": [{"name": "d", "encrpytion": {}}]});
/// let doc = annexa::unstable::facts::Document::from_json("f.json", &facts);
/// let findings = annexa::unstable::schema::check_ml_pipeline(&doc);
/// assert!(findings.iter().any(|f| f.pointer == "/datasets/0/encrpytion"));
/// ```
pub fn check_ml_pipeline(doc: &Document) -> Vec<SchemaFinding> {
    FactModel::ml().check(doc)
}

fn check_with(
    validator: &jsonschema::Validator,
    types: &TypeTable,
    doc: &Document,
) -> Vec<SchemaFinding> {
    let instance = doc.to_json(doc.root());
    let mut findings = Vec::new();
    for error in validator.iter_errors(&instance) {
        let base = error.instance_path().to_string();
        let unknown: Vec<String> = match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => unexpected.clone(),
            _ => Vec::new(),
        };
        if unknown.is_empty() {
            findings.push(finding(doc, &base, error.to_string()));
        } else {
            for key in unknown {
                let mut pointer = base.clone();
                pointer.push('/');
                crate::facts::push_escaped(&mut pointer, &key);
                let mut message = format!(
                    "unknown field `{key}`: the fact model has no such field here (a typo?)"
                );
                if let Some(object) = types.at_pointer(&base) {
                    let known = object.fields.keys().map(String::as_str);
                    if let Some(n) = crate::diagnostics::nearest(&key, known) {
                        message = format!(
                            "unknown field `{key}`: `{}` has no field `{key}`; did you mean `{n}`?",
                            object.name
                        );
                    }
                }
                findings.push(SchemaFinding {
                    unknown_field: true,
                    ..finding(doc, &pointer, message)
                });
            }
        }
    }
    findings.sort_by(|a, b| {
        crate::controls::compare_segments(&a.pointer, &b.pointer, '/')
            .then_with(|| a.message.cmp(&b.message))
    });
    findings.dedup();
    findings
}

fn finding(doc: &Document, pointer: &str, message: String) -> SchemaFinding {
    let node = resolve(doc, pointer);
    let (line, column) = doc.position(node);
    SchemaFinding {
        document: doc.name().to_string(),
        document_index: doc.index(),
        pointer: pointer.to_string(),
        line,
        column,
        message,
        unknown_field: false,
    }
}

/// The node a pointer names, or its nearest present parent.
fn resolve(doc: &Document, pointer: &str) -> NodeId {
    let mut node = doc.root();
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        let next = doc
            .field(node, &key)
            .or_else(|| key.parse::<usize>().ok().and_then(|i| doc.element(node, i)));
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// The fields of the model's `pipeline` object, as `stdlib/ml.policy` lists them.
const PIPELINE_FIELDS: [&str; 8] = [
    "name",
    "owner",
    "description",
    "environments",
    "privacy",
    "development",
    "incident_response",
    "threat_intel",
];

/// Whether `doc` is a document of the ML fact model: the same test as `std.ml`'s
/// `is_fact_document` (docs/facts.md, "Which documents are ML fact documents"), so the default
/// schema warnings fall on exactly the documents the ML pack judges.
///
/// ```
/// let k8s = annexa::unstable::facts::Document::from_json("pod.json", &serde_json::json!({"kind": "Pod"}));
/// assert!(!annexa::unstable::schema::is_ml_fact_document(&k8s));
/// let ml = annexa::unstable::facts::Document::from_json("f.json", &serde_json::json!({"datasets": []}));
/// assert!(annexa::unstable::schema::is_ml_fact_document(&ml));
/// ```
pub fn is_ml_fact_document(doc: &Document) -> bool {
    use crate::facts::NodeValue;
    let NodeValue::Object(root) = doc.value(doc.root()) else {
        return false;
    };
    let value = |key: &str| root.get(key).map(|id| doc.value(id));
    let is_list = |key: &str| matches!(value(key), Some(NodeValue::Array(_)));
    let collections = [
        "datasets",
        "models",
        "transfers",
        "suppliers",
        "cloud_services",
    ];
    if collections.iter().any(|k| is_list(k)) {
        return true;
    }
    if let Some(NodeValue::Array(stages)) = value("stages")
        && !stages.is_empty()
        && stages
            .iter()
            .all(|s| matches!(doc.value(*s), NodeValue::Object(_)))
    {
        return true;
    }
    matches!(value("pipeline"), Some(NodeValue::Object(p))
        if p.iter().any(|(k, _)| PIPELINE_FIELDS.contains(&k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_schema_compiles() {
        assert!(FactModel::ml().validator.is_some());
        assert!(FactModel::ml().types().object(ROOT).is_some());
    }

    #[test]
    fn an_unknown_field_suggests_the_nearest_known_one() {
        let facts = serde_json::json!({"datasets": [{"name": "d", "encrypton": {}}]});
        let doc = Document::from_json("f.json", &facts);
        let findings = check_ml_pipeline(&doc);
        let typo = findings
            .iter()
            .find(|f| f.pointer == "/datasets/0/encrypton");
        assert_eq!(
            typo.map(|f| (f.unknown_field, f.message.as_str())),
            Some((
                true,
                "unknown field `encrypton`: `Dataset` has no field `encrypton`; did you mean `encryption`?"
            ))
        );
    }

    #[test]
    fn an_extension_declares_new_fields() {
        let facts = serde_json::json!({"datasets": [{"name": "d", "kind": "training", "owner_team": "ml"}]});
        let doc = Document::from_json("f.json", &facts);
        assert!(check_ml_pipeline(&doc).iter().any(|f| f.unknown_field));
        let fragment = serde_json::json!({"properties": {"datasets": {"items": {
            "properties": {"owner_team": {"type": "string"}}}}}});
        let extended = FactModel::ml_extended(&fragment).unwrap();
        assert_eq!(extended.check(&doc), Vec::new());
        let bad = serde_json::json!({"properties": {"datasets": {"type": 3}}});
        assert!(FactModel::ml_extended(&bad).is_err());
    }

    #[test]
    fn a_misspelt_field_is_found_at_its_line() {
        let yaml = b"datasets:\n  - name: d\n    encrpytion:\n      at_rest: {}\n";
        let loaded = crate::facts::load_bytes(
            "f.yaml",
            yaml,
            crate::facts::Format::Yaml,
            &Default::default(),
        )
        .unwrap_or_default();
        let doc = loaded
            .documents
            .first()
            .cloned()
            .unwrap_or_else(|| Document::from_json("f", &serde_json::json!({})));
        let findings = check_ml_pipeline(&doc);
        let typo = findings
            .iter()
            .find(|f| f.pointer == "/datasets/0/encrpytion");
        assert!(typo.is_some(), "{findings:?}");
        assert_eq!(typo.map(|f| (f.line, f.column)), Some((3, 5)));
    }

    #[test]
    fn the_compliant_example_follows_the_model() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/compliant/ml-pipeline.yaml");
        let loaded = crate::facts::load_path(&path, "ml-pipeline.yaml", &Default::default())
            .unwrap_or_default();
        assert!(!loaded.documents.is_empty());
        for doc in &loaded.documents {
            assert_eq!(check_ml_pipeline(doc), Vec::new());
        }
    }
}
