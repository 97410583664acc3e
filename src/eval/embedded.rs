//! The builtins that reach documents inside strings and the tags YAML values were written with:
//! `tag`, `parse_json`, `parse_yaml`, `base64_decode`.
//!
//! Parsed documents live in an arena per fact document ([`Arena`]), so their values are
//! borrowed like any fact (`Val::Node`), and each parse of one string fact is done once per
//! fact document. Their nodes sit at the string that held them (see
//! [`crate::facts::load_embedded`]), so findings about them point at that string's line.

use std::collections::HashMap;
use std::rc::Rc;

use base64::Engine as _;

use super::value::{Val, View};
use crate::compile::{Builtin, Const};
use crate::facts::{self, Document, Format, LoadOptions, NodeId};

/// `null`, for untagged values.
static NULL: Const = Const::Null;

/// Where the documents parsed during the evaluation of one fact document live.
pub type Arena = typed_arena::Arena<Document>;

/// The parsed documents of one evaluation, by the string they came from.
#[derive(Default)]
pub(crate) struct Docs<'a> {
    arena: Option<&'a Arena>,
    /// (document address, node, builtin) to the parsed document (`None`: not parseable).
    cache: HashMap<(usize, NodeId, u8), Option<&'a Document>>,
}

impl<'a> Docs<'a> {
    /// Documents parsed during this evaluation go into `arena`.
    pub(crate) fn new(arena: &'a Arena) -> Docs<'a> {
        Docs {
            arena: Some(arena),
            cache: HashMap::new(),
        }
    }

    /// Keeps `doc` for the rest of this evaluation (`None` without an arena).
    pub(crate) fn store(&mut self, doc: Document) -> Option<&'a Document> {
        self.arena.map(|arena| &*arena.alloc(doc))
    }
}

/// Whether `builtin` is one of this module's (called through [`call`]).
pub(crate) fn handles(builtin: Builtin) -> bool {
    matches!(
        builtin,
        Builtin::Tag | Builtin::ParseJson | Builtin::ParseYaml | Builtin::Base64Decode
    )
}

/// Calls one of this module's builtins. A missing argument gives missing. Text that does not
/// parse or decode gives missing too (so a `require` on it fails closed, reason `missing`);
/// an argument that is not a string is an error.
pub(crate) fn call<'a>(
    docs: &mut Docs<'a>,
    builtin: Builtin,
    arg: &Val<'a>,
) -> Result<Val<'a>, String> {
    if arg.is_missing() {
        return Ok(arg.clone());
    }
    if builtin == Builtin::Tag {
        return Ok(match arg {
            Val::Node(doc, id) => doc
                .tag(*id)
                .map_or(Val::Const(&NULL), |t| Val::Str(Rc::from(t))),
            _ => Val::Const(&NULL),
        });
    }
    let name = match builtin {
        Builtin::ParseJson => "parse_json",
        Builtin::ParseYaml => "parse_yaml",
        _ => "base64_decode",
    };
    let View::Str(text) = arg.view() else {
        return Err(format!(
            "`{name}` needs a string, got {}",
            super::ops::describe(arg)
        ));
    };
    let host = match arg {
        Val::Node(doc, id) => Some((*doc, *id)),
        _ => None,
    };
    let key = host.map(|(doc, id)| (std::ptr::from_ref(doc).addr(), id, builtin as u8));
    if let Some(key) = key
        && let Some(cached) = docs.cache.get(&key)
    {
        return Ok(cached.map_or(Val::Missing(None), |d| Val::Node(d, d.root())));
    }
    let parsed: Option<Document> = match builtin {
        Builtin::Base64Decode => {
            let Some(decoded) = decode(text) else {
                return Ok(Val::Missing(None));
            };
            match host {
                Some((doc, id)) => Some(facts::embedded_string(doc, id, &decoded)),
                None => return Ok(Val::Str(Rc::from(decoded))),
            }
        }
        _ => {
            let format = if builtin == Builtin::ParseJson {
                Format::Json
            } else {
                Format::Yaml
            };
            let opts = LoadOptions::default();
            match host {
                Some((doc, id)) => facts::load_embedded(doc, id, text, format, &opts),
                None => facts::load_bytes("<string>", text.as_bytes(), format, &opts)
                    .ok()
                    .and_then(|l| l.documents.into_iter().next()),
            }
        }
    };
    let stored: Option<&'a Document> = match (parsed, docs.arena) {
        (Some(doc), Some(arena)) => Some(&*arena.alloc(doc)),
        _ => None,
    };
    if let Some(key) = key {
        docs.cache.insert(key, stored);
    }
    Ok(stored.map_or(Val::Missing(None), |d| Val::Node(d, d.root())))
}

/// Standard base64 (padding optional, whitespace and line breaks ignored) of UTF-8 text.
fn decode(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let trimmed = compact.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(trimmed)
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// The document a finding about `v` should be located in: the value's own, when it was parsed
/// out of a string of `doc`; else `doc`.
pub(crate) fn located<'a>(v: &Val<'a>, doc: &'a Document) -> &'a Document {
    match v {
        Val::Node(d, _) if d.is_embedded_in(doc) => d,
        Val::Missing(Some(a)) if a.doc.is_embedded_in(doc) => a.doc,
        _ => doc,
    }
}

/// The node of `doc` a finding at `node` of `at` (see [`located`]) is known by, for its
/// identity: the string a parsed value came from, else `node` itself.
pub(crate) fn identity_node(at: &Document, doc: &Document, node: NodeId) -> NodeId {
    at.host_node()
        .filter(|_| !std::ptr::eq(at, doc))
        .unwrap_or(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    // the evaluator calls these builtins here, not through `builtins::call` (whose test of
    // missing arguments returns before it would reach this module)
    #[test]
    fn a_missing_argument_gives_missing() {
        let arena = Arena::new();
        let mut docs = Docs::new(&arena);
        for (name, builtin, _) in Builtin::ALL {
            if handles(builtin) {
                let out = call(&mut docs, builtin, &Val::Missing(None));
                assert!(matches!(out, Ok(Val::Missing(_))), "{name}");
            }
        }
    }

    #[test]
    fn base64_accepts_padding_and_line_breaks() {
        assert_eq!(decode("aGVsbG8=").as_deref(), Some("hello"));
        assert_eq!(decode("aGVs\nbG8").as_deref(), Some("hello"));
        assert_eq!(decode("not base64!"), None);
        // valid base64 of bytes that are not UTF-8
        assert_eq!(decode("/w=="), None);
    }
}
