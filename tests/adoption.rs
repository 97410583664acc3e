//! What a new user relies on before reading any code: the licence, the notices, the changelog and
//! the version, the GitHub Action and the CI examples, and one repository URL everywhere.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{annexa, annexa_in, assert_exit, scratch, stdout};

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `owner/name` of Cargo.toml's `repository`, the one place the project's URL is written.
fn repository_slug() -> &'static str {
    env!("CARGO_PKG_REPOSITORY")
        .strip_prefix("https://github.com/")
        .expect("repository is a GitHub URL")
        .trim_end_matches('/')
}

/// The versions of CHANGELOG.md, newest first: `(version, released)`. Released versions are
/// `## [X.Y.Z] - DATE` headings; the one being prepared is named by `## [Unreleased] - X.Y.Z`.
fn changelog_versions() -> Vec<(String, bool)> {
    read("CHANGELOG.md")
        .lines()
        .filter_map(|line| line.strip_prefix("## ["))
        .filter_map(|rest| {
            let (name, after) = rest.split_once(']')?;
            if name == "Unreleased" {
                let v = after.strip_prefix(" - ")?;
                Some((v.trim().to_string(), false))
            } else {
                Some((name.to_string(), true))
            }
        })
        .collect()
}

#[test]
fn the_licence_is_apache_2() {
    let licence = read("LICENSE");
    assert!(licence.contains("Apache License\n                        Version 2.0, January 2004"));
    assert!(licence.contains("END OF TERMS AND CONDITIONS"));
    assert!(licence.contains("APPENDIX: How to apply the Apache License to your work."));
    assert_eq!(env!("CARGO_PKG_LICENSE"), "Apache-2.0");
    assert!(read("python/pyproject.toml").contains("license = { text = \"Apache-2.0\" }"));
}

#[test]
fn the_newest_released_version_is_cargo_toml_s() {
    let versions = changelog_versions();
    let released = versions
        .iter()
        .find(|(_, released)| *released)
        .map(|(v, _)| v.as_str());
    assert_eq!(
        released,
        Some(env!("CARGO_PKG_VERSION")),
        "the newest `## [X.Y.Z]` of CHANGELOG.md and Cargo.toml's version differ"
    );
    let python = read("python/pyproject.toml");
    assert!(
        python.contains(&format!("\nversion = \"{}\"\n", env!("CARGO_PKG_VERSION"))),
        "python/pyproject.toml's version is not Cargo.toml's"
    );
    // Each released version has its comparison link at the bottom.
    let text = read("CHANGELOG.md");
    for (v, _) in versions.iter().filter(|(_, r)| *r) {
        assert!(
            text.contains(&format!(
                "\n[{v}]: https://github.com/{}/",
                repository_slug()
            )),
            "no link for [{v}]"
        );
    }
}

/// The version the docs tell users to install: the one being prepared, else the newest release.
fn documented_version() -> String {
    changelog_versions()
        .first()
        .map(|(v, _)| v.clone())
        .expect("CHANGELOG.md names a version")
}

#[test]
fn the_docs_install_the_documented_version_from_the_one_repository() {
    let version = documented_version();
    let slug = repository_slug();
    for (file, needles) in [
        (
            "README.md",
            vec![
                "cargo install --path .".to_string(),
                format!("cargo install --locked --git https://github.com/{slug} --tag v{version}"),
                format!("uses: {slug}@v{version}"),
            ],
        ),
        (
            "docs/ci/github-actions.yml",
            vec![format!("uses: {slug}@v{version}")],
        ),
        (
            "docs/ci/gitlab-ci.yml",
            vec![
                format!("ANNEXA_VERSION: \"{version}\""),
                format!("--git https://github.com/{slug} --tag"),
            ],
        ),
        (
            "docs/ci.md",
            vec![
                format!("uses: {slug}@v{version}"),
                format!("--tag v{version}"),
                format!("repo: https://github.com/{slug}"),
            ],
        ),
    ] {
        let text = read(file);
        for needle in needles {
            assert!(text.contains(&needle), "{file} does not say `{needle}`");
        }
    }
    // No placeholder is left for a user to fill in, and no other repository is named.
    for file in [
        "README.md",
        "docs/ci.md",
        "docs/ci/github-actions.yml",
        "docs/ci/gitlab-ci.yml",
        ".pre-commit-hooks.yaml",
        "CHANGELOG.md",
    ] {
        let text = read(file);
        for placeholder in ["OWNER/annexa", "<annexa repository", "<this repository>"] {
            assert!(
                !text.contains(placeholder),
                "{file} still says {placeholder}"
            );
        }
        for (i, _) in text.match_indices("github.com/") {
            let rest = text.get(i + "github.com/".len()..).unwrap_or_default();
            let named: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-_./".contains(*c))
                .collect();
            let repo: Vec<&str> = named.split('/').take(2).collect();
            if repo.get(1).is_some_and(|n| n.starts_with("annexa")) {
                assert_eq!(
                    repo.join("/"),
                    slug,
                    "{file} names another annexa repository"
                );
            }
        }
    }
}

#[test]
fn the_action_has_the_shape_github_needs() {
    let out = annexa(&[
        "check",
        "action.yml",
        "-p",
        "tests/fixtures/adoption/action.policy",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let passed = report["summary"]["passed"].as_u64();
    assert_eq!(passed, Some(4), "{}", stdout(&out));
}

#[test]
fn a_run_step_without_shell_is_caught() {
    // The shape check can fail: the same action with the shell of its steps removed.
    let dir = scratch("adoption", "no_shell");
    let action = read("action.yml").replace("      shell: bash\n", "");
    std::fs::write(dir.join("action.yml"), action).expect("write");
    let policy =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/adoption/action.policy");
    let policy = policy.to_str().expect("utf-8 path");
    let out = annexa_in(&dir, &["check", "action.yml", "-p", policy]);
    assert_exit(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains("action.yml:62:7  run step Resolve the annexa version has no shell: bash"),
        "{text}"
    );
}

#[test]
fn the_ci_examples_are_valid_yaml_with_the_parts_docs_ci_md_names() {
    let action = format!("action=\"{}\"", repository_slug());
    let out = annexa(&[
        "check",
        "docs/ci/github-actions.yml",
        "docs/ci/gitlab-ci.yml",
        "-p",
        "tests/fixtures/adoption/ci_examples.policy",
        "--param",
        &action,
    ]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("4 passed"), "{}", stdout(&out));
}

/// The crate names of a Cargo.lock, but the workspace's own (path packages have no `source`).
fn locked_crates(lock: &str) -> BTreeSet<(String, String)> {
    let lock: toml::Table = toml::from_str(&read(lock)).expect("Cargo.lock is TOML");
    lock.get("package")
        .and_then(|p| p.as_array())
        .expect("packages")
        .iter()
        .filter(|p| p.get("source").is_some())
        .map(|p| {
            let field = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            (field("name").to_string(), field("version").to_string())
        })
        .collect()
}

#[test]
fn the_notices_list_every_locked_crate() {
    let notices = read("THIRD_PARTY_NOTICES.md");
    let (root, python) = notices
        .split_once("### The Python package's native module")
        .expect("the Python section");
    for (lock, section) in [("Cargo.lock", root), ("python/Cargo.lock", python)] {
        let crates = locked_crates(lock);
        assert!(crates.len() > 50, "{lock}: {} crates", crates.len());
        let missing: Vec<String> = crates
            .iter()
            .filter(|(name, version)| !section.contains(&format!("| `{name}` | {version} |")))
            .map(|(name, version)| format!("{name} {version}"))
            .collect();
        assert!(
            missing.is_empty(),
            "THIRD_PARTY_NOTICES.md lacks crates of {lock} (run scripts/notices.sh): {missing:?}"
        );
    }
    for bundled in [
        "data/annex-a/",
        "tests/schemas/sarif-schema-2.1.0.json",
        "OSCAL",
    ] {
        assert!(notices.contains(bundled), "no notice for {bundled}");
    }
}
