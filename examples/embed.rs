//! Embedding annexa: compile the policies once, check 10,000 fact documents from two threads
//! sharing one engine, print the Annex A controls that failed and how often.
//!
//! `cargo run --release --example embed` (CI runs it). The documents are made up here: every
//! seventh leaves a training set unencrypted, every eleventh gives an admin no MFA.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

const DOCUMENTS: usize = 10_000;
const THREADS: usize = 2;

fn document(i: usize) -> Value {
    json!({
        "datasets": [{
            "name": format!("train-{i:05}"),
            "kind": "training",
            "contains_pii": i.is_multiple_of(3),
            "classification": "confidential",
            "owner": format!("team-{}@example.com", i % 40),
            "region": "eu-west-1",
            "encryption": {"at_rest": {"enabled": !i.is_multiple_of(7), "algorithm": "AES-256-GCM"}},
            "access": [{"principal": "alice@example.com", "role": "admin", "mfa": !i.is_multiple_of(11)}],
        }],
        "transfers": [],
    })
}

fn main() -> Result<(), annexa::Error> {
    let root = env!("CARGO_MANIFEST_DIR");
    let engine = Arc::new(
        annexa::Engine::builder()
            .policy_path(format!("{root}/examples/policies"))
            .now(1_767_225_600) // 2026-01-01, so the output does not depend on the day it runs
            .build()?,
    );
    let failing: Vec<BTreeMap<String, usize>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let engine = Arc::clone(&engine);
                scope.spawn(move || -> Result<BTreeMap<String, usize>, annexa::Error> {
                    let mut counts = BTreeMap::new();
                    for i in (t..DOCUMENTS).step_by(THREADS) {
                        let facts = annexa::Facts::new()
                            .value(format!("pipelines/{i:05}.json"), document(i));
                        let report = engine.check(&facts)?;
                        for control in report.failing_controls() {
                            *counts.entry(control.to_string()).or_insert(0) += 1;
                        }
                    }
                    Ok(counts)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Ok(BTreeMap::new())))
            .collect::<Result<_, _>>()
    })?;
    let mut total: BTreeMap<String, usize> = BTreeMap::new();
    for counts in failing {
        for (control, n) in counts {
            *total.entry(control).or_insert(0) += n;
        }
    }
    println!("{DOCUMENTS} documents checked on {THREADS} threads; failing controls:");
    for (control, n) in &total {
        println!("  {control:<8} fails in {n} documents");
    }
    Ok(())
}
