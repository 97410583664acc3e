//! Walking input folders: recursive, sorted, never following symbolic links.

use std::path::{Path, PathBuf};

/// Every regular file under `dir` (recursively) for which `keep` is true, sorted by path.
///
/// Symbolic links inside `dir` are skipped, never followed, so a link loop cannot hang the walk;
/// `dir` itself may be a link.
///
/// ```
/// let files = annexa::walk::files_under(std::path::Path::new("stdlib"), |p| {
///     p.extension().is_some_and(|e| e == "policy")
/// }).unwrap();
/// assert!(files.iter().any(|p| p.ends_with("crypto.policy")));
/// ```
pub fn files_under(
    dir: &Path,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| (folder.clone(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| (folder.clone(), e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| (path.clone(), e))?;
            if kind.is_symlink() {
                continue;
            }
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() && keep(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}
