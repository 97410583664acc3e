//! Every facts file annexa ships follows the ML fact model: the examples under `examples/`, the
//! fact snippets of the README and `docs/*.md` (fenced as ```` ```yaml facts ````), and the
//! facts `annexa init` writes. Each is checked with `check --schema` (strict): zero schema errors.

// the helpers below are test code too: a shipped file that cannot be read should stop the test
#![allow(clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{annexa, annexa_in, scratch, stderr};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` with a fact extension, sorted.
fn fact_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            fact_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
}

/// Whether a file holds a document of the ML fact model: the test the ML pack's `scope`
/// (`ml.is_fact_document`) applies, so a Kubernetes manifest or a Terraform plan under
/// `examples/repo/` (judged by other packs, with other shapes) is not held to this model.
fn is_ml_facts(path: &Path) -> bool {
    let name = path.to_string_lossy();
    let loaded = annexa::unstable::facts::load_path(path, &name, &Default::default())
        .expect("every shipped fact file loads");
    loaded
        .documents
        .iter()
        .any(annexa::unstable::schema::is_ml_fact_document)
}

/// Runs a strict schema check on `target` (relative to `dir`) and returns the schema errors.
fn schema_errors(dir: &Path, target: &str) -> Vec<String> {
    let out = annexa_in(dir, &["check", "--no-config", "--schema=strict", target]);
    let err = stderr(&out);
    let errors: Vec<String> = err
        .lines()
        .filter(|l| l.contains("error[annexa::facts::schema]"))
        .map(str::to_string)
        .collect();
    assert!(
        errors.is_empty() || out.status.code() == Some(2),
        "schema errors must stop the run: {err}"
    );
    if errors.is_empty() {
        // judged (0 or 1), not refused for another reason
        assert!(matches!(out.status.code(), Some(0 | 1)), "{target}: {err}");
    }
    errors
}

#[test]
fn every_ml_facts_file_under_examples_follows_the_model() {
    let mut files = Vec::new();
    fact_files(&root().join("examples"), &mut files);
    let ml: Vec<String> = files
        .iter()
        .filter(|p| is_ml_facts(p))
        .map(|p| {
            p.strip_prefix(root())
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    // the files the README and examples/README.md name are among those recognised
    for known in [
        "examples/facts/pipeline.yaml",
        "examples/compliant/pipeline.yaml",
        "examples/compliant/ml-pipeline.yaml",
        "examples/pipelines/fraud-tabular.yaml",
    ] {
        assert!(ml.iter().any(|f| f == known), "{known} not found in {ml:?}");
    }
    let mut failures = Vec::new();
    for file in &ml {
        failures.extend(schema_errors(root(), file));
    }
    assert_eq!(failures, Vec::<String>::new());
}

/// The ```` ```yaml facts ```` blocks of a Markdown text.
fn fact_snippets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match current.as_mut() {
            None if line.trim_start() == "```yaml facts" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_start().starts_with("```") => {
                out.extend(current.take());
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    out
}

#[test]
fn every_fact_snippet_of_the_docs_follows_the_model() {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    let dir = scratch("shipped_facts", "snippets");
    let mut count = 0;
    let mut failures = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).expect("readable page");
        let stem = page.file_stem().and_then(|s| s.to_str()).unwrap_or("page");
        for (i, snippet) in fact_snippets(&text).into_iter().enumerate() {
            let name = format!("{stem}-{i}.yaml");
            std::fs::write(dir.join(&name), snippet).expect("write");
            count += 1;
            failures.extend(schema_errors(&dir, &name));
        }
    }
    // docs/facts.md shows a whole pipeline and a split one: the marker is in use
    assert!(count >= 3, "only {count} `yaml facts` snippets found");
    assert_eq!(failures, Vec::<String>::new());
}

#[test]
fn the_snippet_check_catches_a_departure() {
    // the check above could pass by finding nothing wrong with anything: a typo is caught
    let dir = scratch("shipped_facts", "typo");
    let snippets = fact_snippets("```yaml facts\ndatasets:\n  - {name: d, kind: features}\n```\n");
    assert_eq!(snippets.len(), 1);
    std::fs::write(dir.join("t.yaml"), &snippets[0]).expect("write");
    let errors = schema_errors(&dir, "t.yaml");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("/datasets/0/kind"), "{errors:?}");
}

#[test]
fn the_facts_annexa_init_writes_follow_the_model() {
    let dir = scratch("shipped_facts", "init");
    let out = annexa(&["init", &dir.join("project").to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let project = dir.join("project");
    let mut files = Vec::new();
    fact_files(&project.join("facts"), &mut files);
    assert!(!files.is_empty(), "init wrote no facts");
    let mut failures = Vec::new();
    for file in &files {
        assert!(is_ml_facts(file), "{} is not ML facts", file.display());
        let name = file.strip_prefix(&project).expect("inside");
        failures.extend(schema_errors(&project, &name.to_string_lossy()));
    }
    assert_eq!(failures, Vec::<String>::new());
}
