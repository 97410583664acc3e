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
    files()
        .iter()
        .map(|(name, text)| crate::syntax::parse(&SourceFile::new(name.as_str(), *text)))
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
}
