//! Finding fact files in a folder.

use std::path::{Path, PathBuf};

use super::error::FactsError;
use super::format_for_path;

/// Every `.json`, `.yaml` and `.yml` file under `dir`, recursively, sorted by path.
///
/// Symbolic links (to files or folders) inside `dir` are skipped, never followed, so a link loop
/// cannot hang the walk. `dir` itself may be a link.
pub fn collect_fact_files(dir: &Path) -> Result<Vec<PathBuf>, FactsError> {
    crate::walk::files_under(dir, |p| format_for_path(p).is_some()).map_err(|(path, source)| {
        FactsError::Io {
            name: path.display().to_string(),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_skipping_other_extensions_and_links() {
        let root =
            std::env::temp_dir().join(format!("annexa-facts-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("b/c")).unwrap();
        std::fs::create_dir_all(root.join("a")).unwrap();
        for f in [
            "b/c/z.YML",
            "b/x.json",
            "a/y.yaml",
            "a/notes.txt",
            "top.yml",
            "b/c/w.json.bak",
        ] {
            std::fs::write(root.join(f), "{}").unwrap();
        }
        #[cfg(unix)]
        {
            // a loop and a link to a file: neither is followed
            std::os::unix::fs::symlink(&root, root.join("b/loop")).unwrap();
            std::os::unix::fs::symlink(root.join("top.yml"), root.join("link.yml")).unwrap();
        }
        let files = collect_fact_files(&root).unwrap();
        let rel: Vec<String> = files
            .iter()
            .map(|p| {
                p.strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert_eq!(rel, ["a/y.yaml", "b/c/z.YML", "b/x.json", "top.yml"]);
        let missing = collect_fact_files(&root.join("nope")).unwrap_err();
        assert!(matches!(missing, FactsError::Io { .. }));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
