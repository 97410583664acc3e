//! The built-in policy pack (`policies/`), embedded in the binary: policies over the ML pipeline
//! fact model of `docs/facts.md`, every rule mapped to ISO/IEC 27001:2022 Annex A controls.

use crate::ast::Module;
use crate::diagnostics::Diagnostic;
use crate::source::SourceFile;

/// The pack's files: `(path relative to the crate root, text)`.
pub const PACK: &[(&str, &str)] = &[
    (
        "policies/access_control.policy",
        include_str!("../policies/access_control.policy"),
    ),
    (
        "policies/common.policy",
        include_str!("../policies/common.policy"),
    ),
    (
        "policies/data_protection.policy",
        include_str!("../policies/data_protection.policy"),
    ),
    (
        "policies/development.policy",
        include_str!("../policies/development.policy"),
    ),
    (
        "policies/logging_monitoring.policy",
        include_str!("../policies/logging_monitoring.policy"),
    ),
    (
        "policies/models.policy",
        include_str!("../policies/models.policy"),
    ),
    (
        "policies/operations.policy",
        include_str!("../policies/operations.policy"),
    ),
    (
        "policies/suppliers.policy",
        include_str!("../policies/suppliers.policy"),
    ),
    (
        "policies/transfers.policy",
        include_str!("../policies/transfers.policy"),
    ),
];

/// Parses every file of the pack (the source name is the relative path).
///
/// ```
/// let modules = annexa::pack::modules().unwrap();
/// let compiled = annexa::compile::compile(modules);
/// assert!(compiled.program.is_some());
/// ```
pub fn modules() -> Result<Vec<Module>, Diagnostic> {
    PACK.iter()
        .map(|(name, text)| crate::syntax::parse(&SourceFile::new(*name, *text)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_matches_the_policies_folder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".policy"))
            .map(|n| format!("policies/{n}"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = PACK.iter().map(|(n, _)| (*n).to_string()).collect();
        listed.sort();
        assert_eq!(
            listed, on_disk,
            "src/pack.rs PACK must list every file in policies/"
        );
        for (name, text) in PACK {
            let disk = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name),
            );
            assert_eq!(
                disk.ok().as_deref(),
                Some(*text),
                "{name} differs from the embedded copy"
            );
        }
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
