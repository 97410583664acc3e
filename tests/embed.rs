//! The public API as an embedder uses it: the same report as the CLI, from any number of
//! threads, on any thread stack, and every mistake an [`annexa::Error`].
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers"
)]

mod common;

use std::sync::Arc;

use annexa::{Engine, ErrorKind, FactFormat, Facts, Status};
use common::{FAILING, NOW, POLICY, annexa};
use serde_json::json;

/// 2026-11-25, the tests' fixed clock, in seconds.
const NOW_SECONDS: i64 = 1_795_564_800;

fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn engine_on(policies: Option<&str>) -> Engine {
    let mut builder = Engine::builder().now(NOW_SECONDS);
    if let Some(p) = policies {
        builder = builder.policy_path(p);
    }
    std::env::set_current_dir(root()).unwrap();
    builder.build().unwrap()
}

#[test]
fn to_json_is_the_cli_json_report_byte_for_byte() {
    std::env::set_current_dir(root()).unwrap();
    for (policies, facts) in [
        (Some(POLICY), FAILING),
        (None, "examples/repo"),
        (Some(POLICY), "examples/compliant/pipeline.yaml"),
    ] {
        let engine = engine_on(policies);
        let report = engine.check(&Facts::new().path(facts)).unwrap();
        let mut args = vec!["check", facts, "--format", "json", "--now", NOW];
        if let Some(p) = policies {
            args.extend(["-p", p]);
        }
        let cli = annexa(&args);
        assert_eq!(
            String::from_utf8_lossy(&cli.stdout),
            report.to_json(),
            "{facts}"
        );
        assert_eq!(
            cli.status.code() == Some(0),
            report.ok(),
            "{facts}: exit code vs ok()"
        );
    }
}

#[test]
fn many_threads_sharing_one_engine_give_the_one_thread_report() {
    let engine = Arc::new(engine_on(None));
    let facts = Facts::new().path("examples/repo").path(FAILING);
    let alone = engine.check(&facts).unwrap().to_json();
    let reports: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let engine = Arc::clone(&engine);
                let facts = facts.clone();
                s.spawn(move || {
                    (0..5)
                        .map(|_| engine.check(&facts).unwrap().to_json())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(reports.len(), 40);
    assert!(reports.iter().all(|r| *r == alone));
}

#[test]
fn values_and_texts_are_checked_with_their_positions() {
    let engine = Engine::builder()
        .policy_source(
            "p.policy",
            "rule enc { controls A.8.24 for d in datasets { require d.encrypted == true else \"{d.name} plain\" } }",
        )
        .build()
        .unwrap();
    let text = "datasets:\n  - name: a\n    encrypted: true\n  - name: b\n    encrypted: false\n";
    let report = engine
        .check(&Facts::new().text("t.yaml", text, FactFormat::Yaml))
        .unwrap();
    let rule = report.result("enc").unwrap();
    assert_eq!(rule.status(), Status::Fail);
    let v = rule.violations().next().unwrap();
    assert_eq!(
        (v.message(), v.document(), v.path(), v.line(), v.column()),
        ("b plain", "t.yaml", "/datasets/1/encrypted", 5, 5)
    );
    assert_eq!(report.failing_controls(), ["A.8.24"]);

    // a missing fact never passes: the rule fails closed on the missing field
    let missing = engine
        .check(&Facts::new().value("v.json", json!({"datasets": [{"name": "c"}]})))
        .unwrap();
    assert!(!missing.ok());
    assert_ne!(missing.result("enc").unwrap().status(), Status::Pass);
    let empty = engine
        .check(&Facts::new().value("v.json", json!({})))
        .unwrap();
    assert_eq!(empty.result("enc").unwrap().status(), Status::Incomplete);
    assert!(!empty.ok());
}

#[test]
fn mistakes_are_errors_of_their_kind_with_the_rendered_diagnostic() {
    let bad_policy = Engine::builder()
        .policy_source("bad.policy", "rule r { require }")
        .build()
        .unwrap_err();
    assert_eq!(bad_policy.kind(), ErrorKind::Policy);
    assert!(
        bad_policy.render().contains("bad.policy:1:"),
        "{}",
        bad_policy.render()
    );
    assert_eq!(bad_policy.codes(), ["annexa::parse"]);

    let engine = Engine::builder()
        .policy_source("p.policy", "rule r { controls A.8.24 require x == 1 }")
        .build()
        .unwrap();
    let bad_yaml = engine
        .check(&Facts::new().text("f.yaml", "a: [1,\n", FactFormat::Yaml))
        .unwrap_err();
    assert_eq!(bad_yaml.kind(), ErrorKind::Facts);
    assert!(
        bad_yaml.render().contains("f.yaml"),
        "{}",
        bad_yaml.render()
    );

    let no_docs = engine.check(&Facts::new()).unwrap_err();
    assert_eq!(no_docs.kind(), ErrorKind::Facts);

    let unknown_param = Engine::builder()
        .policy_source("p.policy", "rule r { controls A.8.24 require 1 == 1 }")
        .param("nope", json!(1))
        .build()
        .unwrap_err();
    assert_eq!(unknown_param.kind(), ErrorKind::Usage);
    assert!(
        unknown_param.to_string().contains("nope"),
        "{unknown_param}"
    );

    let no_rule = Engine::builder()
        .policy_source("p.policy", "let x = 1")
        .build()
        .unwrap_err();
    assert!(no_rule.to_string().contains("hold no rule"), "{no_rule}");

    let missing_config = Engine::builder()
        .config_file("no/such/annexa.toml")
        .build()
        .unwrap_err();
    assert_eq!(missing_config.kind(), ErrorKind::Config);
}

#[test]
fn an_annexa_toml_applies_as_the_cli_applies_it() {
    let dir = common::scratch("embed", "config");
    std::fs::write(dir.join("p.policy"), "param limit = 1\nrule small { controls A.8.24 severity low for d in datasets { require d.size <= limit } }\n").unwrap();
    std::fs::write(
        dir.join("annexa.toml"),
        "policies = [\"p.policy\"]\nfail-on = \"high\"\n[params]\nlimit = 5\n",
    )
    .unwrap();
    let engine = Engine::builder()
        .config_file(dir.join("annexa.toml"))
        .build()
        .unwrap();
    let report = engine
        .check(&Facts::new().value("f.json", json!({"datasets": [{"size": 3}, {"size": 9}]})))
        .unwrap();
    // the param of the file holds (3 passes, 9 fails), and fail-on high lets a low failure through
    assert_eq!(report.summary().violations, 1);
    assert!(report.ok());
    assert_eq!(engine.policy_sources().len(), 1);
}

#[test]
fn a_deep_policy_and_deep_facts_are_answered_on_a_2_mib_thread() {
    let deep_policy = format!(
        "rule r {{ controls A.8.24 require {}1{} == 1 }}",
        "(".repeat(250),
        ")".repeat(250)
    );
    let deep_json = format!("{{\"a\": {}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let worker = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let built = Engine::builder()
                .policy_source("deep.policy", deep_policy)
                .build();
            let engine = Engine::builder()
                .policy_source("p.policy", "rule r { controls A.8.24 require a == 1 }")
                .build()
                .unwrap();
            let checked =
                engine.check(&Facts::new().text("deep.json", deep_json, FactFormat::Json));
            (
                built.map(|_| ()).map_err(|e| e.kind()),
                checked.map(|_| ()).map_err(|e| e.kind()),
            )
        })
        .unwrap();
    let (built, checked) = worker.join().expect("no stack overflow");
    assert!(
        built.is_ok() || built == Err(ErrorKind::Policy),
        "{built:?}"
    );
    assert_eq!(checked, Err(ErrorKind::Facts));
}

/// An engine whose middle rule calls `hold`, a host function that returns only once `release`
/// says so (or after 20 s): the check is certainly still running when the test stops it, and
/// the rule evaluated after it is where the evaluator notices.
fn held_engine(release: impl Fn() -> bool + Send + Sync + 'static) -> Engine {
    Engine::builder()
        .function("hold", 1, move |_| {
            let started = std::time::Instant::now();
            while !release() && started.elapsed() < std::time::Duration::from_secs(20) {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Ok(json!(true))
        })
        .policy_source(
            "held.policy",
            "rule a_before { controls A.8.24 require 1 == 1 }\nrule b_held { controls A.8.24 require hold(1) == true }\nrule c_after { controls A.8.24 require 1 == 1 }\n",
        )
        .build()
        .unwrap()
}

#[test]
fn a_check_is_cancelled_from_another_thread_and_gives_no_report() {
    let token = annexa::Cancel::new();
    let seen = token.clone();
    let engine = held_engine(move || seen.is_cancelled());
    let remote = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        remote.cancel();
    });
    let facts = Facts::new().value("f.json", json!({}));
    let result = engine.check_with(&facts, &annexa::RunOptions::new().cancel(&token));
    canceller.join().unwrap();
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert_eq!(err.codes(), ["annexa::cancelled"]);
}

#[test]
fn a_check_past_its_deadline_is_an_error_not_a_partial_report() {
    let start = std::time::Instant::now();
    let engine = held_engine(move || start.elapsed() > std::time::Duration::from_millis(200));
    let run = annexa::RunOptions::new().timeout(std::time::Duration::from_millis(20));
    let err = engine
        .check_with(&Facts::new().value("f.json", json!({})), &run)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Deadline, "{err}");
}

#[test]
fn host_functions_are_called_checked_at_compile_time_and_never_pass_on_missing() {
    let owners = |args: &[serde_json::Value]| -> Result<serde_json::Value, String> {
        match args.first().and_then(|v| v.as_str()) {
            Some("s3://a") => Ok(json!("alice")),
            Some("s3://boom") => Err("the directory is down".to_string()),
            _ => Ok(serde_json::Value::Null),
        }
    };
    let build = |policy: &str| {
        Engine::builder()
            .function("owner_of", 1, owners)
            .policy_source("p.policy", policy.to_string())
            .build()
    };
    let engine = build(
        "rule owned { controls A.5.9 for d in datasets { require owner_of(d.uri) != null } }",
    )
    .unwrap();
    let check = |datasets: serde_json::Value| {
        engine
            .check(&Facts::new().value("f.json", json!({"datasets": datasets})))
            .unwrap()
    };
    assert_eq!(
        check(json!([{"uri": "s3://a"}]))
            .result("owned")
            .unwrap()
            .status(),
        Status::Pass
    );
    assert_eq!(
        check(json!([{"uri": "s3://b"}]))
            .result("owned")
            .unwrap()
            .status(),
        Status::Fail
    );
    assert_ne!(
        check(json!([{"name": "no uri"}]))
            .result("owned")
            .unwrap()
            .status(),
        Status::Pass
    );
    let failed = check(json!([{"uri": "s3://boom"}]));
    let rule = failed.result("owned").unwrap();
    assert_eq!(rule.status(), Status::Error);
    assert!(
        rule.error()
            .unwrap_or_default()
            .contains("the directory is down")
    );

    let arity = build("rule r { controls A.5.9 require owner_of(1, 2) == null }").unwrap_err();
    assert_eq!(arity.kind(), ErrorKind::Policy);
    let unknown = build("rule r { controls A.5.9 require owner_off(1) == null }").unwrap_err();
    assert!(
        unknown.render().contains("owner_of"),
        "{}",
        unknown.render()
    );
    let reserved = Engine::builder()
        .function("count", 1, owners)
        .policy_source("p.policy", "rule r { controls A.5.9 require 1 == 1 }")
        .build()
        .unwrap_err();
    assert_eq!(reserved.kind(), ErrorKind::Usage);
}
