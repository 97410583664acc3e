//! In-process benchmarks of the stages: loading facts, compiling policies, evaluating the six
//! benchmark rules (R1–R6 of `benches/peers/`). Whole-process timings against the peers are
//! `scripts/bench.sh`. Run with `cargo bench`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use annexa::unstable::facts::{Document, Format, LoadOptions, load_bytes};
use annexa::unstable::source::SourceFile;

fn main() {
    divan::main();
}

const POLICY: &str = include_str!("peers/bench.policy");

/// Synthetic facts shaped like `benches/peers/gen_facts.py` (N datasets, 2N transfers, N/10
/// models), deterministic and self-contained so the benchmark needs no Python.
fn facts_json(n: usize) -> String {
    let regions = [
        "eu-west-1",
        "eu-central-1",
        "us-east-1",
        "eu-north-1",
        "ap-south-1",
    ];
    let kinds = ["training", "validation", "inference", "test"];
    let classes = ["public", "internal", "confidential", "restricted"];
    let mut datasets = Vec::with_capacity(n);
    for i in 0..n {
        datasets.push(serde_json::json!({
            "name": format!("ds-{i:06}"),
            "kind": kinds[i % 4],
            "classification": classes[(i / 3) % 4],
            "contains_pii": i % 3 == 0,
            "region": regions[i % 5],
            "owner": if i % 10 == 0 { serde_json::Value::Null } else { format!("team-{:03}", i % 97).into() },
            "encryption": {"at_rest": {"enabled": i % 7 != 0, "algorithm": if i % 11 == 0 { "3DES" } else { "AES-256" }}},
            "access": [
                {"principal": format!("user-{i}"), "role": "admin", "mfa": i % 13 != 0},
                {"principal": format!("svc-{i}"), "role": "reader", "mfa": false}
            ]
        }));
    }
    let transfers: Vec<serde_json::Value> = (0..2 * n)
        .map(|i| {
            serde_json::json!({
                "id": format!("tr-{i:06}"),
                "from": format!("ds-{:06}", (i * 7) % n.max(1)),
                "to": "vendor",
                "third_party": i % 4 == 0,
                "encrypted_in_transit": i % 9 != 0,
                "tls_version": if i % 17 == 0 { "1.0" } else { "1.2" },
                "approved": i % 5 != 0,
                "destination_region": regions[i % 5]
            })
        })
        .collect();
    let models: Vec<serde_json::Value> = (0..n / 10)
        .map(|i| {
            serde_json::json!({
                "name": format!("model-{i}"),
                "signed": i % 6 != 0,
                "training_datasets": [format!("ds-{:06}", i * 3), format!("ds-{:06}", n + i)]
            })
        })
        .collect();
    serde_json::json!({"datasets": datasets, "transfers": transfers, "models": models}).to_string()
}

fn load(text: &str) -> Document {
    let loaded = load_bytes(
        "bench.json",
        text.as_bytes(),
        Format::Json,
        &LoadOptions::default(),
    );
    loaded.unwrap().documents.into_iter().next().unwrap()
}

fn program() -> annexa::unstable::compile::Program {
    let module = annexa::unstable::syntax::parse(&SourceFile::new("bench.policy", POLICY)).unwrap();
    annexa::unstable::compile::compile(vec![module])
        .program
        .unwrap()
}

#[divan::bench(args = [1_000, 10_000])]
fn load_json(bencher: divan::Bencher, n: usize) {
    let text = facts_json(n);
    bencher.bench(|| load(divan::black_box(&text)));
}

#[divan::bench]
fn compile_policy() -> annexa::unstable::compile::Program {
    program()
}

#[divan::bench(args = [1_000, 10_000])]
fn evaluate_six_rules(bencher: divan::Bencher, n: usize) {
    let doc = load(&facts_json(n));
    let program = program();
    let options = annexa::unstable::eval::EvalOptions::default();
    bencher.bench(|| {
        annexa::unstable::eval::evaluate(&program, std::slice::from_ref(&doc), &options).unwrap()
    });
}
