//! Checking fact documents against the ML pipeline fact model (`schema/ml-pipeline.schema.json`,
//! embedded), so a typo such as `encrpytion` is reported at its line instead of passing silently.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;

use crate::facts::{Document, NodeId};

const ML_PIPELINE_SCHEMA: &str = include_str!("../schema/ml-pipeline.schema.json");

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
}

fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: serde_json::Value = serde_json::from_str(ML_PIPELINE_SCHEMA).ok()?;
            jsonschema::validator_for(&schema).ok()
        })
        .as_ref()
}

/// Every departure of `doc` from the ML pipeline fact model, in document order.
///
/// ```
/// let facts = serde_json::json!({"datasets": [{"name": "d", "encrpytion": {}}]});
/// let doc = annexa::facts::Document::from_json("f.json", &facts);
/// let findings = annexa::schema::check_ml_pipeline(&doc);
/// assert!(findings.iter().any(|f| f.pointer == "/datasets/0/encrpytion"));
/// ```
pub fn check_ml_pipeline(doc: &Document) -> Vec<SchemaFinding> {
    let Some(validator) = validator() else {
        return Vec::new();
    };
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
                let message = format!(
                    "unknown field `{key}`: the fact model has no such field here (a typo?)"
                );
                findings.push(finding(doc, &pointer, message));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_schema_compiles() {
        assert!(validator().is_some());
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
