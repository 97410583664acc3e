//! The first hour: `annexa init` writes a starter that runs the built-in `ml` pack next to its
//! own policy (which `use`s a pack module without `-p`), with the fact-model check strict and a
//! baseline wired in, and every command a newcomer runs next succeeds in it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;
use common::*;

use std::path::Path;

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn the_starter_walks_end_to_end() {
    let dir = scratch("init_starter", "walk");
    let out = annexa_in(&dir, &["init", "starter"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    for file in [
        "annexa.toml",
        "policies/starter.policy",
        "facts/pipeline.yaml",
        "baseline.json",
        ".github/workflows/annexa.yml",
    ] {
        assert!(text.contains(&format!("wrote starter/{file}")), "{text}");
    }
    let starter = dir.join("starter");

    // a compliant starter: check passes (exit 0) with the pack and the own rules both judged
    let check = annexa_in(&starter, &["check"]);
    assert_exit(&check, 0);
    let report = stdout(&check);
    assert!(
        report.contains("PASS   starter.pipeline.training_data_in_allowed_regions"),
        "{report}"
    );
    assert!(
        report.contains("PASS   ml.data_protection.datasets_encrypted_at_rest"),
        "{report}"
    );
    // (the pack's rule count is the pack's business: only the verdict is asserted)
    assert!(
        report.contains("\nOK: ") && report.contains(" passed, 0 failed, "),
        "{report}"
    );
    assert!(!report.contains("INCOMPLETE"), "{report}");
    assert!(report.contains("config: annexa.toml"), "{report}");

    // the schema check is on (strict), and the facts pass it
    let strict = annexa_in(&starter, &["check", "--schema"]);
    assert_exit(&strict, 0);

    for args in [&["test"][..], &["fmt", "--check"], &["lint"]] {
        let out = annexa_in(&starter, args);
        assert_exit(&out, 0);
    }
    assert!(stdout(&annexa_in(&starter, &["test"])).contains("3 passed, 0 failed"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_starter_holds_facts_to_the_model_and_fails_new_findings() {
    let dir = scratch("init_starter", "strict");
    assert_exit(&annexa_in(&dir, &["init"]), 0);
    let facts = read(&dir, "facts/pipeline.yaml");
    // a field the fact model does not know stops the run: `[schema] check = "strict"`
    std::fs::write(
        dir.join("facts/pipeline.yaml"),
        facts.replace("    kind: training\n", "    kind: training\n    kindd: x\n"),
    )
    .unwrap();
    let out = annexa_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("kindd"), "{}", stderr(&out));

    // a new finding fails, with its fact line marked; accepted into the baseline, it passes
    std::fs::write(
        dir.join("facts/pipeline.yaml"),
        facts.replace(
            "region: eu-west-1, public: false",
            "region: us-east-1, public: false",
        ),
    )
    .unwrap();
    let out = annexa_in(&dir, &["check"]);
    assert_exit(&out, 1);
    let report = stdout(&out);
    assert!(
        report.contains("training dataset churn-train is stored in us-east-1"),
        "{report}"
    );
    assert!(report.contains("^^^^^^^^^"), "{report}");
    assert!(
        report.contains("help: Move the dataset to an allowed region"),
        "{report}"
    );
    std::fs::write(dir.join("baseline.json"), "{\"results\": []}").unwrap();
    let json = annexa_in(&dir, &["check", "--format", "json", "-o", "baseline.json"]);
    assert_exit(&json, 1);
    let out = annexa_in(&dir, &["check"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("WAIVED"), "{}", stdout(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_workflow_uses_the_action_of_this_release() {
    let dir = scratch("init_starter", "workflow");
    assert_exit(&annexa_in(&dir, &["init"]), 0);
    let workflow = read(&dir, ".github/workflows/annexa.yml");
    let repository = env!("CARGO_PKG_REPOSITORY")
        .trim_start_matches("https://github.com/")
        .trim_end_matches('/');
    let repository = if repository.is_empty() {
        "annexa-dev/annexa"
    } else {
        repository
    };
    let uses = format!("uses: {repository}@v{}", env!("CARGO_PKG_VERSION"));
    assert!(workflow.contains(&uses), "{workflow}");
    // nothing to fill in, nothing built from source on every pull request
    assert!(!workflow.contains("OWNER"), "{workflow}");
    assert!(!workflow.contains("cargo install"), "{workflow}");
    let toml = read(&dir, "annexa.toml");
    assert!(toml.contains("packs = [\"ml\"]"), "{toml}");
    assert!(toml.contains("baseline = \"baseline.json\""), "{toml}");
    assert!(read(&dir, "policies/starter.policy").contains("use ml.common"));
    std::fs::remove_dir_all(&dir).unwrap();
}
