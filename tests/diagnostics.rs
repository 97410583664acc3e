#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Snapshots of the rendered diagnostics for every fixture under `tests/corpus/parse_err/` (files
//! that must not parse) and `tests/corpus/check_err/` (files that parse but do not compile cleanly).
//! One fixture per behaviour; the snapshot is named after the fixture
//! (`snapshots/diagnostics__check_errors@NAME.policy.snap`, as `insta::glob!` would name it).

use std::path::{Path, PathBuf};

use annexa::unstable::diagnostics::{Diagnostic, render_plain};
use annexa::unstable::source::SourceFile;

/// The `.policy` fixtures of a corpus folder, sorted.
fn fixtures(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(folder);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", dir.display());
    paths
}

/// The fixture as a source file, named by its file name so snapshots do not depend on the checkout.
fn load(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).unwrap();
    SourceFile::new(file_name(path), text)
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().to_string()
}

/// Every diagnostic rendered as the CLI shows it, without colour, 100 columns wide.
fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| render_plain(d, 100))
        .collect::<Vec<_>>()
        .join("\n")
}

fn snapshot(test: &str, path: &Path, rendered: &str) {
    insta::with_settings!({ input_file => path, omit_expression => true }, {
        insta::assert_snapshot!(format!("{test}@{}", file_name(path)), rendered);
    });
}

#[test]
fn parse_errors() {
    let mut no_help = Vec::new();
    for path in fixtures("parse_err") {
        let file = load(&path);
        let Err(diagnostic) = annexa::unstable::syntax::parse(&file) else {
            panic!("{} parsed, but it is a parse_err fixture", path.display());
        };
        assert!(diagnostic.is_error(), "{}", path.display());
        if diagnostic.help_text().is_none() {
            no_help.push(format!("{}: {}", file_name(&path), diagnostic.code()));
        }
        snapshot("parse_errors", &path, &render(&[diagnostic]));
    }
    assert!(
        no_help.is_empty(),
        "diagnostics without a help line: {no_help:?}"
    );
}

#[test]
fn check_errors() {
    let mut no_help = Vec::new();
    for path in fixtures("check_err") {
        let file = load(&path);
        let module = annexa::unstable::syntax::parse(&file).unwrap_or_else(|d| {
            panic!(
                "{} does not parse:\n{}",
                path.display(),
                render_plain(&d, 100)
            )
        });
        let compiled = annexa::unstable::compile::compile(vec![module]);
        assert!(
            !compiled.diagnostics.is_empty(),
            "{} compiled without a diagnostic",
            path.display()
        );
        for d in compiled
            .diagnostics
            .iter()
            .filter(|d| d.help_text().is_none())
        {
            no_help.push(format!("{}: {}", file_name(&path), d.code()));
        }
        snapshot("check_errors", &path, &render(&compiled.diagnostics));
    }
    assert!(
        no_help.is_empty(),
        "diagnostics without a help line: {no_help:?}"
    );
}
