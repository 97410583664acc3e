//! The built-in policy pack (`policies/`), embedded in the binary: policies over the ML pipeline
//! fact model of `docs/facts.md`, every rule mapped to ISO/IEC 27001:2022 Annex A controls.

use crate::ast::Module;
use crate::diagnostics::Diagnostic;
use crate::source::SourceFile;

/// The `policies/` folder, embedded whole (`include_dir`, so a new pack file or folder needs
/// no list to be kept in step with it).
static POLICIES: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/policies");

/// The pack's files: `(path relative to the crate root, text)`, sorted by path, every
/// `*.policy` under `policies/` (test fixtures beside them are not policies).
pub fn files() -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut todo = vec![&POLICIES];
    while let Some(dir) = todo.pop() {
        for entry in dir.entries() {
            match entry {
                include_dir::DirEntry::Dir(d) => todo.push(d),
                include_dir::DirEntry::File(f) => {
                    let path = f.path().to_string_lossy().replace('\\', "/");
                    if let (true, Some(text)) = (path.ends_with(".policy"), f.contents_utf8()) {
                        out.push((format!("policies/{path}"), text));
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Parses every file of the pack (the source name is the relative path).
///
/// ```
/// let modules = annexa::unstable::pack::modules().unwrap();
/// let compiled = annexa::unstable::compile::compile(modules);
/// assert!(compiled.program.is_some());
/// ```
pub fn modules() -> Result<Vec<Module>, Diagnostic> {
    modules_on(1)
}

/// [`modules`] parsed on up to `jobs` threads (the same modules, in the same order): every
/// run that uses the packs parses them before it reads a fact.
///
/// ```
/// let one = annexa::unstable::pack::modules().unwrap();
/// let two = annexa::unstable::pack::modules_on(2).unwrap();
/// assert_eq!(one.len(), two.len());
/// ```
pub fn modules_on(jobs: usize) -> Result<Vec<Module>, Diagnostic> {
    crate::threads::map_ordered(jobs, &files(), |(name, text)| {
        crate::syntax::parse(&SourceFile::new(name.as_str(), *text))
    })
    .into_iter()
    .collect()
}

/// The namespace a pack file declares (`policy ml.common "…"`), read from its header line
/// without parsing the file: `use` resolution asks for one module, not the whole pack.
fn header_namespace(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim_start)
        .find(|l| l.starts_with("policy "))
        .and_then(|l| l.split_whitespace().nth(1))
}

/// The pack a namespace belongs to: its first segment (`kubernetes.secrets` → `kubernetes`).
fn pack_of(namespace: &str) -> &str {
    namespace.split('.').next().unwrap_or(namespace)
}

/// The names of the built-in packs (`cloudformation`, `kubernetes`, `ml`, …), sorted: the
/// first segment of each pack file's namespace, as `docs/packs.md` groups them.
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = files()
        .iter()
        .filter_map(|(_, text)| header_namespace(text))
        .map(|ns| pack_of(ns).to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The namespaces of the pack's modules (`ml.common`, `kubernetes.secrets`, …), sorted.
pub fn namespaces() -> Vec<String> {
    let mut names: Vec<String> = files()
        .iter()
        .filter_map(|(_, text)| header_namespace(text).map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The pack module that declares `namespace`, parsed, or `None` when no pack file does: what
/// `use ml.common` in one's own policy loads when no loaded policy declares that namespace.
///
/// ```
/// let module = annexa::unstable::pack::module("ml.common").and_then(Result::ok);
/// assert_eq!(module.map(|m| m.namespace()).as_deref(), Some("ml.common"));
/// assert!(annexa::unstable::pack::module("ml.nope").is_none());
/// ```
pub fn module(namespace: &str) -> Option<Result<Module, Diagnostic>> {
    let files = files();
    let (name, text) = files
        .iter()
        .find(|(_, text)| header_namespace(text) == Some(namespace))?;
    Some(crate::syntax::parse(&SourceFile::new(name.as_str(), *text)))
}

/// Parses the files of the named packs only (`["ml", "kubernetes"]`, names as [`names`] gives
/// them). A name that is no pack is an error naming the packs, with a "did you mean".
///
/// ```
/// let modules = annexa::unstable::pack::modules_of(&["kubernetes".to_string()]).unwrap();
/// assert!(modules.iter().all(|m| m.namespace().starts_with("kubernetes.")));
/// assert!(annexa::unstable::pack::modules_of(&["kubernets".to_string()]).is_err());
/// ```
pub fn modules_of(packs: &[String]) -> Result<Vec<Module>, String> {
    let known = names();
    for pack in packs {
        if !known.contains(pack) {
            let near = crate::diagnostics::nearest(pack, known.iter().map(String::as_str))
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            return Err(format!(
                "no built-in pack is called `{pack}`: {near}the packs are {}",
                known.join(", ")
            ));
        }
    }
    files()
        .iter()
        .filter(|(_, text)| {
            header_namespace(text).is_some_and(|ns| packs.iter().any(|p| p == pack_of(ns)))
        })
        .map(|(name, text)| {
            crate::syntax::parse(&SourceFile::new(name.as_str(), *text))
                .map_err(|d| format!("the built-in pack file `{name}` does not parse: {d}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_files_are_the_policies_on_disk() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let files = files();
        assert!(files.len() >= 9, "{} files", files.len());
        for (name, text) in &files {
            let disk = std::fs::read_to_string(root.join(name));
            assert_eq!(disk.ok().as_deref(), Some(*text), "{name} differs on disk");
        }
        assert!(files.iter().all(|(n, _)| n.ends_with(".policy")));
    }

    #[test]
    fn the_pack_compiles_without_diagnostics() {
        let modules = modules();
        assert!(modules.is_ok(), "{:?}", modules.err());
        let compiled = crate::compile::compile(modules.unwrap_or_default());
        let texts: Vec<String> = compiled
            .diagnostics
            .iter()
            .map(|d| format!("{d:?}"))
            .collect();
        assert!(texts.is_empty(), "{texts:#?}");
        assert!(compiled.program.is_some());
    }

    #[test]
    fn header_namespaces_are_the_parsed_ones() {
        let parsed = modules().unwrap_or_default();
        let mut from_text = namespaces();
        let mut real: Vec<String> = parsed.iter().map(Module::namespace).collect();
        real.sort();
        from_text.sort();
        assert_eq!(from_text, real);
        assert!(names().contains(&"ml".to_string()));
        assert!(names().contains(&"kubernetes".to_string()));
        assert_eq!(names().iter().filter(|n| *n == "ml").count(), 1);
    }

    #[test]
    fn unknown_packs_are_named_with_a_suggestion() {
        let err = modules_of(&["kubernets".to_string()])
            .err()
            .unwrap_or_default();
        assert!(err.contains("did you mean `kubernetes`?"), "{err}");
        assert!(err.contains("the packs are "), "{err}");
    }
}
