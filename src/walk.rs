//! Walking input folders: recursive, sorted, never following symbolic links.

use std::path::{Path, PathBuf};

/// Every regular file under `dir` (recursively) for which `keep` is true, sorted by path.
///
/// Symbolic links inside `dir` are skipped, never followed, so a link loop cannot hang the walk;
/// `dir` itself may be a link.
///
/// ```
/// let files = annexa::unstable::walk::files_under(std::path::Path::new("stdlib"), |p| {
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

/// Every regular file under `dir` for which `keep` is true, walked as a repository: files the
/// `.gitignore` files of `dir` and its parents exclude are left out (whether or not `dir` is
/// inside a git checkout), `.git/` is skipped, hidden files and folders (`.github/`,
/// `.gitlab-ci.yml`) are kept, and symbolic links are never followed, so nothing outside
/// `dir` is read. Sorted by path.
///
/// Only the repository's own ignore files count (no global git configuration, no
/// `.git/info/exclude`), so the same checkout gives the same files on every machine.
pub fn repository_files(
    dir: &Path,
    keep: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    // a missing or unreadable root is an error, as for `files_under`
    std::fs::read_dir(dir).map_err(|e| (dir.to_path_buf(), e))?;
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .git_ignore(true)
        .parents(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build();
    let mut found = Vec::new();
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = match &e {
                ignore::Error::WithPath { path, .. } => path.clone(),
                _ => dir.to_path_buf(),
            };
            (path, std::io::Error::other(e.to_string()))
        })?;
        let is_file = entry.file_type().is_some_and(|t| t.is_file());
        if is_file && keep(entry.path()) {
            found.push(entry.into_path());
        }
    }
    found.sort();
    Ok(found)
}
