//! Finding fact files in a folder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::FactsError;
use super::format_for_path;

/// The fact files of a folder walk, and notes about what was left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discovered {
    /// The files, sorted by path.
    pub files: Vec<PathBuf>,
    /// Notes such as `charts/web/templates: Helm templates (beside Chart.yaml) were skipped`.
    pub notes: Vec<String>,
}

/// Every fact file under `dir` (see [`format_for_path`]), walked as a repository
/// ([`crate::walk::repository_files`]: `.gitignore` respected, `.git/` skipped, symbolic links
/// never followed), sorted by path. A Helm chart's `templates/` folder (beside a `Chart.yaml`)
/// is skipped with a note: its files are Go templates, not YAML, until Helm renders them.
pub fn discover_fact_files(dir: &Path) -> Result<Discovered, FactsError> {
    let files = crate::walk::repository_files(dir, |p| format_for_path(p).is_some()).map_err(
        |(path, source)| FactsError::Io {
            name: path.display().to_string(),
            source,
        },
    )?;
    let mut skipped = BTreeSet::new();
    let files = files
        .into_iter()
        .filter(|file| match helm_templates(dir, file) {
            Some(templates) => {
                skipped.insert(templates);
                false
            }
            None => true,
        })
        .collect();
    let notes = skipped
        .into_iter()
        .map(|t| {
            format!(
                "{}: Helm templates (beside Chart.yaml) were skipped; check the rendered output (`helm template`) instead",
                t.to_string_lossy().replace('\\', "/")
            )
        })
        .collect();
    Ok(Discovered { files, notes })
}

/// The `templates` folder of a Helm chart that `file` sits in, if any (between `dir` and the
/// file).
fn helm_templates(dir: &Path, file: &Path) -> Option<PathBuf> {
    let relative = file.strip_prefix(dir).ok()?;
    let mut folder = dir.to_path_buf();
    for part in relative.parent()?.components() {
        folder.push(part);
        if part.as_os_str() == "templates"
            && folder
                .parent()
                .is_some_and(|p| p.join("Chart.yaml").is_file())
        {
            return Some(folder);
        }
    }
    None
}

/// The files of [`discover_fact_files`], without its notes.
pub fn collect_fact_files(dir: &Path) -> Result<Vec<PathBuf>, FactsError> {
    discover_fact_files(dir).map(|d| d.files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(root: &Path, files: &[PathBuf]) -> Vec<String> {
        files
            .iter()
            .map(|p| {
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    fn scratch(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!(
            "annexa-facts-discover-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    fn write(root: &Path, files: &[&str]) {
        for f in files {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "{}").unwrap();
        }
    }

    #[test]
    fn walks_sorted_skipping_other_extensions_and_links() {
        let root = scratch("links");
        write(
            &root,
            &[
                "b/c/z.YML",
                "b/x.json",
                "a/y.yaml",
                "a/notes.txt",
                "top.yml",
                "b/c/w.json.bak",
            ],
        );
        let outside = scratch("outside");
        write(&outside, &["secret.yaml", "d/inner.yaml"]);
        #[cfg(unix)]
        {
            // a loop, a link to a file and links out of the tree: none is followed
            std::os::unix::fs::symlink(&root, root.join("b/loop")).unwrap();
            std::os::unix::fs::symlink(root.join("top.yml"), root.join("link.yml")).unwrap();
            std::os::unix::fs::symlink(outside.join("secret.yaml"), root.join("out.yaml")).unwrap();
            std::os::unix::fs::symlink(outside.join("d"), root.join("outdir")).unwrap();
        }
        let files = collect_fact_files(&root).unwrap();
        assert_eq!(
            rel(&root, &files),
            ["a/y.yaml", "b/c/z.YML", "b/x.json", "top.yml"]
        );
        let missing = collect_fact_files(&root.join("nope")).unwrap_err();
        assert!(matches!(missing, FactsError::Io { .. }));
        std::fs::remove_dir_all(&root).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }

    #[test]
    fn walks_a_repository_as_git_would() {
        let root = scratch("repo");
        write(
            &root,
            &[
                ".git/config.yaml",
                ".github/workflows/ci.yml",
                ".gitlab-ci.yml",
                "build/out.json",
                "sub/keep.yaml",
                "sub/local.yaml",
                "vendor/lib.yaml",
                "mlflow/MLmodel",
                "data.dvc",
                "dvc.lock",
                "compose/docker-compose.prod.yml",
            ],
        );
        std::fs::write(root.join(".gitignore"), "build/\n/vendor\n").unwrap();
        std::fs::write(root.join("sub/.gitignore"), "local.yaml\n").unwrap();
        let files = collect_fact_files(&root).unwrap();
        assert_eq!(
            rel(&root, &files),
            [
                ".github/workflows/ci.yml",
                ".gitlab-ci.yml",
                "compose/docker-compose.prod.yml",
                "data.dvc",
                "dvc.lock",
                "mlflow/MLmodel",
                "sub/keep.yaml",
            ]
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn helm_templates_are_skipped_with_a_note() {
        let root = scratch("helm");
        write(
            &root,
            &[
                "charts/web/Chart.yaml",
                "charts/web/values.yaml",
                "charts/web/templates/deployment.yaml",
                "charts/web/templates/sub/x.yaml",
                "other/templates/plain.yaml",
            ],
        );
        let found = discover_fact_files(&root).unwrap();
        assert_eq!(
            rel(&root, &found.files),
            [
                "charts/web/Chart.yaml",
                "charts/web/values.yaml",
                "other/templates/plain.yaml"
            ]
        );
        assert_eq!(found.notes.len(), 1, "{:?}", found.notes);
        assert!(
            found.notes[0].ends_with(
                "charts/web/templates: Helm templates (beside Chart.yaml) were skipped; check the rendered output (`helm template`) instead"
            ),
            "{:?}",
            found.notes
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
