//! The identity of a finding: what stays the same when the facts file is reordered, grows or is
//! reformatted, so baselines, waivers and SARIF fingerprints keep matching.
//!
//! A violation is identified by
//! - its rule id;
//! - its document: the fact file (as a path relative to the working directory, see
//!   [`relative_path`]) and the document's index in the file;
//! - its subject's **stable path**: the subject's JSON Pointer in which every array index is
//!   replaced by the element's own key when it has one (`/datasets/[id=ds-7]` instead of
//!   `/datasets/6`); an element without a key keeps its index, the only positional fallback;
//! - the stable path of the deciding fact **below** the subject (`encryption/at_rest/enabled`),
//!   or, for a fact outside the subject, its whole stable path;
//! - the `require`: its condition's source text with all whitespace removed, so reformatting the
//!   policy does not change it.
//!
//! The message and the line are **not** part of it: a message may quote values
//! (`cipher DES`) and lines move whenever something is added above.
//!
//! An element's own key is the first of [`KEY_FIELDS`] it has, as a string or an integer.
//! Kubernetes objects (`metadata.name`) are keyed by `KIND/NAMESPACE/NAME`, leaving out the
//! parts they lack. Object members (a CloudFormation resource under `Resources`) are keyed by
//! their member name already, which a pointer keeps.

use sha2::{Digest, Sha256};

use crate::facts::{Document, NodeId, NodeValue, Segment, push_escaped};
use crate::findings::{Report, Violation};

pub use crate::source::relative_path;

/// The fields that name an element, most specific first: `id`, `arn`/`Arn` (AWS), `address`
/// (Terraform plans, whose `name` is not unique across types), `metadata.name` (Kubernetes,
/// with `metadata.namespace` and `kind`), `name`/`Name` (datasets, models, stages, suppliers of
/// the ML fact model), `key`/`Key` (tag lists), `principal` (access grants) and `from`+`to`
/// (transfers, keyed `FROM->TO`).
pub const KEY_FIELDS: [&str; 11] = [
    "id",
    "arn",
    "Arn",
    "address",
    "metadata.name",
    "name",
    "Name",
    "key",
    "Key",
    "principal",
    "from+to",
];

/// The version tag hashed into every fingerprint (and the SARIF `partialFingerprints` key).
pub const VERSION: &str = "annexaFinding/v2";

/// The identity parts of one violation that the document alone decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The subject's own key, when it has one (see [`KEY_FIELDS`]).
    pub subject_key: Option<String>,
    /// Stable subject path, NUL, stable path of the fact below the subject.
    pub locator: String,
}

/// Locates a violation whose subject is `subject` (JSON Pointer `subject_pointer`) and whose
/// deciding fact is `path`, the nearest present node of which is `fact` (JSON Pointer
/// `fact_pointer`; equal to `path` unless the fact is absent).
///
/// Runs only for violations, never per evaluated node: it walks up the two nodes' parents once.
pub fn locate(
    doc: &Document,
    subject: NodeId,
    subject_pointer: &str,
    fact: NodeId,
    fact_pointer: &str,
    path: &str,
) -> Located {
    let subject_depth = depth(subject_pointer);
    let fact_chain = chain(doc, fact, depth(fact_pointer));
    // what a missing fact adds beyond its nearest present parent: absent, so positional
    let tail = path.strip_prefix(fact_pointer).unwrap_or("");
    let under = subject_depth == 0
        || (subject_depth <= fact_chain.len()
            && fact_chain
                .get(subject_depth - 1)
                .is_some_and(|(id, _)| *id == subject));
    // the subject's own key names its segment and is the violation's `subject_key`: looked up
    // once for both
    let mut subject_key = SubjectKey {
        id: subject,
        key: None,
    };
    let mut locator = String::with_capacity(path.len() + 32);
    if under {
        let (above, below) = fact_chain.split_at(subject_depth.min(fact_chain.len()));
        write_tokens(&mut locator, doc, above, &mut subject_key);
        locator.push('\0');
        write_tokens(&mut locator, doc, below, &mut subject_key);
    } else {
        let subject_chain = chain(doc, subject, subject_depth);
        write_tokens(&mut locator, doc, &subject_chain, &mut subject_key);
        // a fact outside the subject is named in full, marked so it cannot look like one below
        locator.push_str("\0@");
        write_tokens(&mut locator, doc, &fact_chain, &mut subject_key);
    }
    locator.push_str(tail);
    Located {
        subject_key: subject_key.value(doc),
        locator,
    }
}

/// The stable path of `path`, whose nearest present node is `node` (an evidence gap's absent
/// fact): array indexes replaced by element keys as in [`locate`].
pub fn stable_path(doc: &Document, node: NodeId, path: &str) -> String {
    let pointer = doc.pointer(node);
    let mut out = String::with_capacity(path.len() + 32);
    // no subject here: the node's own key is looked up once, like a subject's
    let mut node_key = SubjectKey {
        id: node,
        key: None,
    };
    write_tokens(
        &mut out,
        doc,
        &chain(doc, node, depth(&pointer)),
        &mut node_key,
    );
    out.push_str(path.strip_prefix(pointer.as_str()).unwrap_or(""));
    out
}

/// The fingerprint of an evidence gap of `rule`: like [`fingerprint`], over the gap's stable
/// path and the construct that could not decide (its message quotes the positional pointer).
pub fn gap_fingerprint(
    rule: &str,
    g: &crate::findings::EvidenceGap,
    cwd: Option<&std::path::Path>,
) -> String {
    let document = relative_path(&g.document, cwd);
    let index = g.document_index.to_string();
    digest(&[
        VERSION,
        "gap",
        rule,
        &document,
        &index,
        &g.locator,
        &g.construct,
    ])
}

/// The `require`'s part of the identity: its condition text without any whitespace.
pub fn require_text(text: &str) -> String {
    crate::compile::require_identity(text)
}

/// The fingerprint of a violation of `rule`: SHA-256 (hex) of [`VERSION`], the rule id, the
/// document as a relative path (`cwd` is the working directory), the document index and the
/// violation's locator, each followed by a NUL byte. Two violations with the same fingerprint
/// are the same finding (a list with two elements of the same key gives two, told apart only
/// by the SARIF occurrence counter).
pub fn fingerprint(rule: &str, v: &Violation, cwd: Option<&std::path::Path>) -> String {
    fingerprint_in(rule, v, &relative_path(&v.document, cwd))
}

/// [`fingerprint`] with the document's relative path worked out already.
fn fingerprint_in(rule: &str, v: &Violation, document: &str) -> String {
    let index = v.document_index.to_string();
    digest(&[VERSION, rule, document, &index, &v.locator])
}

/// SHA-256 (hex) of `parts`, each followed by a NUL byte: the hash of every fingerprint.
fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex(&hasher.finalize())
}

/// Fills the `fingerprint` of every violation (kept and waived) of a report.
pub fn stamp(report: &mut Report) {
    let cwd = std::env::current_dir().ok();
    // a rule's violations come a document at a time: its relative path is worked out once
    let mut last: Option<(String, String)> = None;
    for r in &mut report.results {
        for v in r.violations.iter_mut().chain(r.waived.iter_mut()) {
            let document = match &last {
                Some((name, relative)) if *name == v.document => relative,
                _ => {
                    let relative = relative_path(&v.document, cwd.as_deref());
                    &last.insert((v.document.clone(), relative)).1
                }
            };
            v.fingerprint = fingerprint_in(&r.rule, v, document);
        }
    }
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        for nibble in [byte >> 4, byte & 0x0f] {
            out.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}

/// Number of reference tokens of a JSON Pointer (`/` never occurs escaped, as `~1`).
fn depth(pointer: &str) -> usize {
    memchr::memchr_iter(b'/', pointer.as_bytes()).count()
}

/// The `depth` segments above and including `id`, root first, each with the node it leads to.
/// Counting by the pointer's depth stops at a combined document's part root by itself.
fn chain(
    doc: &Document,
    id: NodeId,
    depth: usize,
) -> smallvec::SmallVec<[(NodeId, Segment<'_>); 8]> {
    let mut out = smallvec::SmallVec::new();
    let mut current = id;
    for _ in 0..depth {
        let Some(segment) = doc.segment(current) else {
            break;
        };
        out.push((current, segment));
        match doc.node(current).parent() {
            Some(parent) => current = parent,
            None => break,
        }
    }
    out.reverse();
    out
}

/// The own key of a violation's subject, once looked up.
struct SubjectKey {
    id: NodeId,
    /// `None` until looked up; then the key, if the subject has one.
    key: Option<Option<(&'static str, String)>>,
}

impl SubjectKey {
    /// The subject's key, looked up the first time.
    fn get(&mut self, doc: &Document) -> Option<&(&'static str, String)> {
        let id = self.id;
        self.key.get_or_insert_with(|| key_of(doc, id)).as_ref()
    }

    fn value(mut self, doc: &Document) -> Option<String> {
        self.key
            .take()
            .unwrap_or_else(|| key_of(doc, self.id))
            .map(|(_, value)| value)
    }
}

/// Appends `/TOKEN` for each segment: a key escaped, an element by its own key
/// (`[FIELD=VALUE]`, the value escaped) or else its index.
fn write_tokens(
    out: &mut String,
    doc: &Document,
    chain: &[(NodeId, Segment<'_>)],
    subject: &mut SubjectKey,
) {
    for &(id, segment) in chain {
        out.push('/');
        match segment {
            Segment::Key(k) => push_escaped(out, k),
            Segment::Index(i) => {
                let looked_up;
                let key = if id == subject.id {
                    subject.get(doc)
                } else {
                    looked_up = key_of(doc, id);
                    looked_up.as_ref()
                };
                match key {
                    Some((field, value)) => {
                        out.push('[');
                        out.push_str(field);
                        out.push('=');
                        push_escaped(out, value);
                        out.push(']');
                    }
                    None => {
                        let _ = std::fmt::Write::write_fmt(out, format_args!("{i}"));
                    }
                }
            }
        }
    }
}

/// The element's own key value (see [`KEY_FIELDS`]).
pub fn own_key(doc: &Document, id: NodeId) -> Option<String> {
    key_of(doc, id).map(|(_, value)| value)
}

fn key_of(doc: &Document, id: NodeId) -> Option<(&'static str, String)> {
    if !matches!(doc.value(id), NodeValue::Object(_)) {
        return None;
    }
    for field in KEY_FIELDS {
        if field == "metadata.name" {
            let Some(metadata) = doc.field(id, "metadata") else {
                continue;
            };
            let Some(name) = scalar(doc, doc.field(metadata, "name")) else {
                continue;
            };
            let parts = [
                scalar(doc, doc.field(id, "kind")),
                scalar(doc, doc.field(metadata, "namespace")),
                Some(name),
            ];
            return Some((
                field,
                parts.into_iter().flatten().collect::<Vec<_>>().join("/"),
            ));
        }
        if field == "from+to" {
            if let (Some(from), Some(to)) = (
                scalar(doc, doc.field(id, "from")),
                scalar(doc, doc.field(id, "to")),
            ) {
                return Some((field, format!("{from}->{to}")));
            }
            continue;
        }
        if let Some(value) = scalar(doc, doc.field(id, field)) {
            return Some((field, value));
        }
    }
    None
}

/// A non-empty string or an integer, as text.
fn scalar(doc: &Document, id: Option<NodeId>) -> Option<String> {
    match doc.value(id?) {
        NodeValue::Str(s) if !s.is_empty() => Some(s.to_string()),
        NodeValue::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(doc: &Document, pointer: &str) -> NodeId {
        let mut id = doc.root();
        for token in pointer.split('/').skip(1) {
            id = match token.parse::<usize>() {
                Ok(i) => doc.element(id, i).unwrap(),
                Err(_) => doc.field(id, token).unwrap(),
            };
        }
        id
    }

    fn locator(facts: serde_json::Value, subject: &str, fact: &str, path: &str) -> Located {
        let doc = Document::from_json("f.json", &facts);
        locate(&doc, at(&doc, subject), subject, at(&doc, fact), fact, path)
    }

    #[test]
    fn keyed_elements_are_named_by_their_key_not_their_index() {
        let facts = json!({"datasets": [{"id": "a"}, {"id": "ds-7", "enc": {"on": false}}]});
        let l = locator(
            facts,
            "/datasets/1",
            "/datasets/1/enc/on",
            "/datasets/1/enc/on",
        );
        assert_eq!(l.subject_key.as_deref(), Some("ds-7"));
        assert_eq!(l.locator, "/datasets/[id=ds-7]\0/enc/on");
    }

    #[test]
    fn an_element_without_a_key_keeps_its_index_and_missing_tails_are_kept() {
        let facts = json!({"xs": [{"v": 1}, {"v": 2}]});
        let l = locator(facts, "/xs/1", "/xs/1", "/xs/1/enc/on");
        assert_eq!(l.subject_key, None);
        assert_eq!(l.locator, "/xs/1\0/enc/on");
    }

    #[test]
    fn a_fact_outside_the_subject_is_named_in_full() {
        let facts = json!({"cfg": {"on": false}, "xs": [{"name": "n"}]});
        let l = locator(facts, "/xs/0", "/cfg/on", "/cfg/on");
        assert_eq!(l.locator, "/xs/[name=n]\0@/cfg/on");
    }

    #[test]
    fn kubernetes_objects_are_keyed_by_kind_namespace_and_name() {
        let facts = json!({"items": [
            {"kind": "Deployment", "metadata": {"name": "web", "namespace": "prod"}},
            {"metadata": {"name": "solo"}},
        ]});
        let doc = Document::from_json("k.json", &facts);
        assert_eq!(
            own_key(&doc, at(&doc, "/items/0")).as_deref(),
            Some("Deployment/prod/web")
        );
        assert_eq!(own_key(&doc, at(&doc, "/items/1")).as_deref(), Some("solo"));
    }

    #[test]
    fn the_first_key_field_wins_and_only_strings_and_integers_count() {
        let doc = Document::from_json(
            "t.json",
            &json!({"r": [{"name": "logs", "address": "aws_s3_bucket.logs"}, {"id": true, "name": 7}]}),
        );
        assert_eq!(
            own_key(&doc, at(&doc, "/r/0")).as_deref(),
            Some("aws_s3_bucket.logs")
        );
        assert_eq!(own_key(&doc, at(&doc, "/r/1")).as_deref(), Some("7"));
        let doc = Document::from_json(
            "m.json",
            &json!({"t": [{"from": "a", "to": "b"}, {"from": "a"}]}),
        );
        assert_eq!(own_key(&doc, at(&doc, "/t/0")).as_deref(), Some("a->b"));
        assert_eq!(own_key(&doc, at(&doc, "/t/1")), None);
    }

    #[test]
    fn a_combined_document_locates_inside_the_part_a_node_comes_from() {
        let facts = json!({"datasets": [{"name": "x", "on": false}]});
        let alone = Document::from_json("b.json", &facts);
        let all =
            crate::facts::combine(&[Document::from_json("a.json", &json!({})), alone.clone()])
                .unwrap();
        let part = all.element(all.root(), 1).unwrap();
        let subject = all
            .element(all.field(part, "datasets").unwrap(), 0)
            .unwrap();
        let fact = all.field(subject, "on").unwrap();
        let combined = locate(
            &all,
            subject,
            "/datasets/0",
            fact,
            "/datasets/0/on",
            "/datasets/0/on",
        );
        let single = locator(facts, "/datasets/0", "/datasets/0/on", "/datasets/0/on");
        assert_eq!(combined, single);
        assert_eq!(combined.locator, "/datasets/[name=x]\0/on");
    }

    #[test]
    fn an_evidence_gap_path_is_stable_too() {
        let doc = Document::from_json("g.json", &json!({"xs": [{"id": "a"}, {"id": "b"}]}));
        assert_eq!(
            stable_path(&doc, at(&doc, "/xs/1"), "/xs/1/enc/on"),
            "/xs/[id=b]/enc/on"
        );
        assert_eq!(stable_path(&doc, doc.root(), "/ys"), "/ys");
    }

    #[test]
    fn require_text_ignores_layout() {
        assert_eq!(require_text("d.a  ==\n  1"), require_text("d.a == 1"));
    }
}
