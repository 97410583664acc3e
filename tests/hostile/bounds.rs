//! Issue 9, points 6 and 7: every input is read through the size bound, output never panics
//! or carries raw control characters, `init` never writes through a link, a run with no rule
//! is refused, and configuration discovery stops at the repository root.

use super::*;

use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_annexa"));
    c.env("NO_COLOR", "1");
    c
}

fn run_in(dir: &Path, args: &[&str], stdin: Stdio) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .stdin(stdin)
        .output()
        .expect("the binary runs")
}

fn manifest(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .to_string_lossy()
        .into_owned()
}

/// A scratch folder that is its own repository (so discovery stops there) with a 1,000-byte
/// input limit.
fn small_limit(test: &str) -> PathBuf {
    let dir = scratch(test);
    std::fs::create_dir_all(dir.join(".git")).expect(".git");
    write(&dir, "annexa.toml", "[limits]\nfact-file-bytes = 1000\n");
    write(
        &dir,
        "r.policy",
        "rule r {\n  controls A.8.24\n  require enabled\n}\n",
    );
    dir
}

#[test]
fn dev_zero_on_stdin_is_refused_at_the_limit() {
    let dir = small_limit("dev_zero_stdin");
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let o = run_in(
        &dir,
        &["check", "-", "--stdin-format", "json", "-p", "r.policy"],
        Stdio::from(zero),
    );
    refused(
        &o,
        &[
            "`standard input` is larger than the limit of 1000 bytes",
            "fact-file-bytes",
        ],
    );
}

#[test]
fn a_device_named_as_any_input_is_refused_at_the_limit() {
    let dir = small_limit("dev_zero_files");
    for name in ["zero.json", "zero.policy", "waivers.yaml", "baseline.json"] {
        std::os::unix::fs::symlink("/dev/zero", dir.join(name)).expect("symlink");
    }
    write(&dir, "ok.json", "{\"enabled\": true}");
    let cases: [&[&str]; 4] = [
        &["check", "zero.json", "-p", "r.policy"],
        &["check", "ok.json", "-p", "zero.policy"],
        &[
            "check",
            "ok.json",
            "-p",
            "r.policy",
            "--waivers",
            "waivers.yaml",
        ],
        &[
            "check",
            "ok.json",
            "-p",
            "r.policy",
            "--baseline",
            "baseline.json",
        ],
    ];
    for args in cases {
        let o = run_in(&dir, args, Stdio::null());
        refused(&o, &["larger than the limit of 1000 bytes"]);
    }
}

#[test]
fn a_fifo_that_never_ends_is_refused_at_the_limit() {
    let dir = small_limit("fifo");
    let fifo = dir.join("endless.json");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .expect("open fifo");
        let chunk = [b' '; 4096];
        // ends when annexa closes its end (EPIPE: Rust ignores SIGPIPE)
        while f.write_all(&chunk).is_ok() {}
    });
    let o = run_in(
        &dir,
        &["check", "endless.json", "-p", "r.policy"],
        Stdio::null(),
    );
    refused(&o, &["annexa::facts::too_large", "limit of 1000 bytes"]);
    writer.join().expect("writer ends");
}

#[test]
fn a_closed_standard_output_ends_quietly_with_the_runs_code() {
    let dir = scratch("closed_stdout");
    // enough violations that the report is far beyond a pipe's buffer
    let items: Vec<String> = (0..4000)
        .map(|i| format!("{{\"id\": \"x{i}\", \"ok\": false}}"))
        .collect();
    let facts = write(
        &dir,
        "many.json",
        format!("{{\"items\": [{}]}}", items.join(",")),
    );
    let policy = write(
        &dir,
        "r.policy",
        "rule r {\n  controls A.8.24\n  for i in items {\n    require i.ok else \"item {i.id} is not ok\"\n  }\n}\n",
    );
    for format in ["human", "json"] {
        let mut child = bin()
            .args([
                "check",
                &facts,
                "-p",
                &policy,
                "--no-config",
                "--format",
                format,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("finishes");
        assert_eq!(code(&o), 1, "{format}: the run's own code\n{}", stderr(&o));
        assert_eq!(stderr(&o), "", "{format}: quiet");
    }
}

/// Facts whose ids hold a forged ` PASS` line and an OSC 52 sequence, and a rule that prints them.
fn control_fixture(test: &str) -> (String, String) {
    let dir = scratch(test);
    let facts = write(
        &dir,
        "f.json",
        r#"{"items": [{"id": "a\n PASS x", "ok": false}, {"id": "\u001b]52;c;aGk=\u0007", "ok": false}]}"#,
    );
    let policy = write(
        &dir,
        "r.policy",
        "rule r {\n  controls A.8.24\n  for i in items {\n    require i.ok else \"item {i.id} is not ok\"\n  }\n}\n",
    );
    (facts, policy)
}

#[test]
fn control_characters_from_facts_are_escaped_in_text_formats() {
    let (facts, policy) = control_fixture("controls");
    for format in ["human", "markdown", "github"] {
        let o = annexa(&[
            "check",
            &facts,
            "-p",
            &policy,
            "--no-config",
            "--format",
            format,
        ]);
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        // Markdown shows `\\` and `\]` as `\` and `]`
        let out = stdout(&o).replace(r"\\", r"\").replace(r"\]", "]");
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{format}: raw control\n{out}"
        );
        assert!(
            !out.lines().any(|l| l.trim_start().starts_with("PASS")),
            "{format}: a forged PASS line\n{out}"
        );
        assert!(
            out.contains(r"a\u{a} PASS x"),
            "{format}: escaped LF\n{out}"
        );
        assert!(
            out.contains(r"\u{1b}]52;c;aGk=\u{7}"),
            "{format}: escaped OSC 52\n{out}"
        );
    }
    // JSON keeps the value itself (JSON escaping is already safe)
    let (_, report, _) = check_json(&facts, &policy);
    let message = report["results"][0]["violations"][0]["message"]
        .as_str()
        .expect("message");
    assert_eq!(message, "item a\n PASS x is not ok");
}

#[test]
fn control_characters_from_facts_are_escaped_in_explain() {
    let (facts, policy) = control_fixture("controls-explain");
    let o = annexa(&["explain", "r", &facts, "-p", &policy]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{7}'),
        "raw control\n{out}"
    );
    assert!(
        !out.lines().any(|l| l.trim_start().starts_with("PASS")),
        "forged line\n{out}"
    );
    assert!(
        out.contains(r"item a\u{a} PASS x is not ok"),
        "escaped LF\n{out}"
    );
}

#[test]
fn init_force_never_writes_through_a_symbolic_link() {
    let dir = scratch("init_link");
    let target = write(&dir, "precious.txt", "keep me");
    let project = dir.join("project");
    std::fs::create_dir_all(&project).expect("project");
    std::os::unix::fs::symlink(&target, project.join("annexa.toml")).expect("symlink");
    let o = annexa_in(&project, &["init", ".", "--force"]);
    refused(&o, &["annexa.toml", "symbolic link"]);
    assert_eq!(std::fs::read_to_string(&target).expect("target"), "keep me");
    assert!(!project.join("policies").exists(), "nothing written");
    // a linked folder on the way is refused too
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("elsewhere");
    std::fs::remove_file(project.join("annexa.toml")).expect("unlink");
    std::os::unix::fs::symlink(&elsewhere, project.join("policies")).expect("symlink");
    let o = annexa_in(&project, &["init", ".", "--force"]);
    refused(&o, &["policies", "symbolic link"]);
    assert_eq!(std::fs::read_dir(&elsewhere).expect("read").count(), 0);
}

#[test]
fn policies_without_rules_are_refused() {
    let dir = scratch("no_rules");
    let policy = write(&dir, "empty.policy", "# nothing here\n");
    let o = annexa(&["check", &h("bom.json"), "-p", &policy, "--no-config"]);
    refused(&o, &["the policies hold no rule"]);
}

#[test]
fn discovery_stops_at_the_repository_root() {
    let dir = scratch("discovery");
    write(&dir, "annexa.toml", "fail-on = \"nonsense\"\n");
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join(".git")).expect(".git");
    std::fs::create_dir_all(repo.join("sub")).expect("sub");
    let facts = manifest(&h("bom.json"));
    let policy = manifest(&h("bom.policy"));
    // the bad annexa.toml above the repository is not read
    let (code_, report) = {
        let o = annexa_in(
            &repo.join("sub"),
            &["check", &facts, "-p", &policy, "--format", "json"],
        );
        (
            code(&o),
            serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("json"),
        )
    };
    assert_eq!(code_, 0);
    assert_eq!(report["config"], serde_json::Value::Null);
    // inside the repository it is found, and every report names it
    write(&repo, "annexa.toml", "fail-on = \"high\"\n");
    let sub = repo.join("sub");
    let o = annexa_in(&sub, &["check", &facts, "-p", &policy, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(report["config"], "../annexa.toml");
    let o = annexa_in(&sub, &["check", &facts, "-p", &policy]);
    assert!(
        stdout(&o).lines().any(|l| l == "config: ../annexa.toml"),
        "{}",
        stdout(&o)
    );
    let o = annexa_in(&sub, &["check", &facts, "-p", &policy, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    assert_eq!(sarif["runs"][0]["properties"]["config"], "../annexa.toml");
    let o = annexa_in(
        &sub,
        &["check", &facts, "-p", &policy, "--format", "markdown"],
    );
    assert!(
        stdout(&o).contains("Configuration: `../annexa.toml`"),
        "{}",
        stdout(&o)
    );
}

/// A policy at the edge of every nesting limit: 250 nested parentheses (the policy-depth limit
/// is 256), 2,000 chained `let`s, and facts 128 levels deep (the fact-depth default).
fn edge_policy_and_facts() -> (String, String) {
    let mut policy = String::from("let l0 = 0\n");
    for i in 1..2000 {
        policy.push_str(&format!("let l{i} = l{} + 1\n", i - 1));
    }
    let parens = format!("{}1{}", "(".repeat(250), ")".repeat(250));
    let path = vec!["a"; 127].join(".");
    policy.push_str(&format!(
        "rule edge {{\n  controls A.8.24\n  require {parens} == 1\n  require l1999 == 1999\n  require {path} == true\n}}\n"
    ));
    let facts = format!("{}true{}", "{\"a\": ".repeat(127), "}".repeat(127));
    (policy, facts)
}

#[test]
fn the_library_is_safe_on_a_2_mib_thread() {
    use annexa::unstable::source::SourceFile;
    let (policy, facts) = edge_policy_and_facts();
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let file = SourceFile::new("edge.policy", policy);
            let module = annexa::unstable::syntax::parse(&file).expect("parses");
            let formatted = annexa::unstable::format::format_module(&module);
            let lints = annexa::unstable::lint::lint(
                std::slice::from_ref(&module),
                &annexa::unstable::lint::LintConfig::default(),
            );
            let compiled = annexa::unstable::compile::compile(vec![module]);
            let program = compiled.program.expect("compiles");
            let loaded = annexa::unstable::facts::load_bytes(
                "edge.json",
                facts.as_bytes(),
                annexa::unstable::facts::Format::Json,
                &Default::default(),
            )
            .expect("facts load");
            let report =
                annexa::unstable::eval::evaluate(&program, &loaded.documents, &Default::default())
                    .expect("evaluates");
            (report, formatted.len(), lints.len())
        })
        .expect("spawn");
    let (report, formatted, _) = worker.join().expect("no stack overflow");
    assert!(formatted > 0);
    let r = &report.results[0];
    assert_eq!(r.status, annexa::unstable::findings::Status::Pass, "{r:?}");
}

#[test]
fn the_binary_accepts_the_edge_policy() {
    let dir = scratch("edge");
    let (policy, facts) = edge_policy_and_facts();
    let policy = write(&dir, "edge.policy", policy);
    let facts = write(&dir, "edge.json", facts);
    let (code_, report, _) = check_json(&facts, &policy);
    assert_eq!(code_, 0);
    assert_eq!(status(&report, "edge"), "pass");
}

#[test]
fn forty_doubling_lets_end_as_a_rule_error_not_an_abort() {
    let dir = scratch("doubling");
    let mut policy = String::from("let l0 = [1]\n");
    for i in 1..=40 {
        policy.push_str(&format!("let l{i} = l{} + l{}\n", i - 1, i - 1));
    }
    policy.push_str("rule big {\n  controls A.8.24\n  require count(l40) > 0\n}\n");
    policy.push_str("rule small {\n  controls A.8.24\n  require count(l3) == 8\n}\n");
    let policy = write(&dir, "doubling.policy", policy);
    let (code_, report, _) = check_json(&h("bom.json"), &policy);
    assert_eq!(code_, 1);
    assert_eq!(status(&report, "big"), "error");
    let error = result(&report, "big")["error"].as_str().expect("error");
    assert!(
        error.contains("memory budget of 268435456 bytes"),
        "{error}"
    );
    assert!(error.contains("rule-memory"), "{error}");
    assert_eq!(status(&report, "small"), "pass", "other rules still run");
}

#[test]
fn the_memory_budget_is_configurable() {
    let dir = scratch("rule_memory");
    std::fs::create_dir_all(dir.join(".git")).expect(".git");
    write(&dir, "annexa.toml", "[limits]\nrule-memory = 1000\n");
    write(
        &dir,
        "r.policy",
        "let xs = [1, 2, 3, 4, 5, 6, 7, 8]\nlet ys = xs + xs + xs + xs + xs\nrule r {\n  controls A.8.24\n  require count(ys) == 40\n}\n",
    );
    write(&dir, "f.json", "{}");
    let o = annexa_in(
        &dir,
        &["check", "f.json", "-p", "r.policy", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        result(&report, "r")["error"]
            .as_str()
            .expect("error")
            .contains("memory budget of 1000 bytes")
    );
}

#[test]
fn limits_past_their_ceiling_are_refused() {
    let dir = scratch("ceilings");
    std::fs::create_dir_all(dir.join(".git")).expect(".git");
    for (key, value) in [
        ("fact-depth", "100000"),
        ("rule-memory", "999999999999999"),
        ("message-length", "99999999"),
    ] {
        write(&dir, "annexa.toml", format!("[limits]\n{key} = {value}\n"));
        let o = annexa_in(&dir, &["check", "x.json", "-p", "x.policy"]);
        refused(
            &o,
            &[
                "annexa::config",
                &format!("`{key} = {value}` is above the ceiling of"),
                "annexa.toml:2:",
            ],
        );
    }
    // at the ceiling, 250-deep facts load
    write(&dir, "annexa.toml", "[limits]\nfact-depth = 250\n");
    write(
        &dir,
        "deep.json",
        format!("{}true{}", "{\"a\": ".repeat(249), "}".repeat(249)),
    );
    write(
        &dir,
        "deep.yaml",
        format!("{}true{}", "{\"a\": ".repeat(249), "}".repeat(249)),
    );
    write(
        &dir,
        "r.policy",
        format!(
            "rule r {{\n  controls A.8.24\n  require {} == true\n}}\n",
            vec!["a"; 249].join(".")
        ),
    );
    for facts in ["deep.json", "deep.yaml"] {
        let o = annexa_in(&dir, &["check", facts, "-p", "r.policy"]);
        assert_eq!(code(&o), 0, "{facts}: {}", stderr(&o));
    }
}
