//! `annexa explain RULE FACTS…`: one rule's evaluation, step by step, on each fact document.

use std::fmt::Write as _;

use annexa::unstable::eval::trace::{Branch, FactLoc, Operand, Outcome, SourceLoc};
use annexa::unstable::eval::{ExplainError, RuleTrace, TraceEvent};
use annexa::unstable::findings::{Reason, Status};

use super::inputs::load_facts;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, print_diagnostic};

/// Arguments of `annexa explain`.
#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// The rule: its id (`ml.data_protection.training_data_encrypted`) or a unique suffix
    /// (`training_data_encrypted`).
    #[arg(value_name = "RULE")]
    rule: String,
    /// Fact files or folders (JSON, YAML); `-` reads standard input (YAML or JSON).
    #[arg(value_name = "FACTS", required = true)]
    facts: Vec<String>,
    /// A policy file or folder (`*.policy`, recursively); repeatable. Without it, the built-in ML policy pack.
    #[arg(short = 'p', long = "policy", value_name = "POLICY")]
    policies: Vec<String>,
    /// Also load the built-in packs next to the policies, as `check --builtin[=PACKS]` does:
    /// all of them, or those named (`--builtin=ml,kubernetes`).
    #[arg(long = "builtin", value_name = "PACKS", num_args = 0..=1, require_equals = true,
          default_missing_value = "all")]
    builtin: Option<String>,
    /// Override a param: `NAME=JSON`; repeatable.
    #[arg(long = "param", value_name = "NAME=JSON")]
    params: Vec<String>,
    /// The evaluation clock as `YYYY-MM-DD` (midnight UTC), for reproducible runs.
    #[arg(long, value_name = "DATE")]
    now: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: ExplainFormat,
    /// Whether an incomplete result exits 1 (`fail`, the default) or 0 (`warn`), as for `check`.
    #[arg(
        long = "gaps",
        value_enum,
        value_name = "fail|warn",
        default_value = "fail"
    )]
    gaps: super::check::GapsArg,
}

/// Output formats of `annexa explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Text for people.
    Human,
    /// The traces as JSON (one per document).
    Json,
}

/// Runs the command; returns the exit code.
pub fn run(args: &ExplainArgs) -> u8 {
    let Ok(config) = super::inputs::load_config(None, false) else {
        return EXIT_USAGE;
    };
    // the limits and params of annexa.toml hold here as in `check`
    let mut options = super::inputs::configured_options(config.as_ref());
    if let Some(now) = &args.now {
        match super::parse_now(now) {
            Some(seconds) => options.now = seconds,
            None => return EXIT_USAGE,
        }
    }
    let Some(params) = super::inputs::parse_params(&args.params) else {
        return EXIT_USAGE;
    };
    options.params.extend(params);
    let modules = match (&args.builtin, args.policies.is_empty()) {
        (None, _) => super::inputs::load_policies_or_pack(&args.policies),
        (Some(spec), true) => super::inputs::builtin_modules(spec),
        (Some(spec), false) => super::inputs::load_policies(&args.policies).and_then(|mut own| {
            own.extend(super::inputs::builtin_modules(spec)?);
            Some(own)
        }),
    };
    let Some(modules) = modules else {
        return EXIT_USAGE;
    };
    let Some(compiled) = super::inputs::compile_configured(modules) else {
        return EXIT_USAGE;
    };
    for d in compiled.diagnostics.iter().filter(|d| d.is_error()) {
        print_diagnostic(d);
    }
    let Some(program) = compiled.program else {
        return EXIT_USAGE;
    };
    // an unknown rule is answered before any fact file is read
    if let Err(e) = annexa::unstable::eval::resolve_rule(&program, &args.rule) {
        print_diagnostic(&UsageError::new(e.message, e.help));
        return EXIT_USAGE;
    }
    let Some(documents) = load_facts(&args.facts, None) else {
        return EXIT_USAGE;
    };
    let traces = match annexa::unstable::eval::explain(&program, &args.rule, &documents, &options) {
        Ok(t) => t,
        Err(ExplainError::Rule(e)) => {
            print_diagnostic(&UsageError::new(e.message, e.help));
            return EXIT_USAGE;
        }
        Err(ExplainError::Param(e)) => {
            print_diagnostic(&UsageError::new(e.message, e.help));
            return EXIT_USAGE;
        }
        // the CLI sets no deadline and never cancels
        Err(ExplainError::Stopped(stop)) => {
            let e = annexa::unstable::eval::EvalError::from(stop);
            print_diagnostic(&UsageError::new(e.message(), e.help()));
            return EXIT_USAGE;
        }
    };
    match args.format {
        ExplainFormat::Human => out!("{}", render(&traces)),
        ExplainFormat::Json => match serde_json::to_string_pretty(&traces) {
            Ok(s) => outln!("{s}"),
            Err(e) => {
                errln!("error: {e}");
                return EXIT_USAGE;
            }
        },
    }
    let gaps_fail = args.gaps == super::check::GapsArg::Fail;
    if traces.iter().any(|t| {
        matches!(t.status, Status::Fail | Status::Error)
            || (t.status == Status::Incomplete && gaps_fail)
    }) {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn source(at: &SourceLoc) -> String {
    format!("{}:{}:{}", at.file, at.line, at.column)
}

/// Text from facts, file names or policies with its control characters escaped, so a value
/// cannot forge a line of the trace or drive the terminal.
fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    annexa::unstable::report::escape_controls(text)
}

fn document(name: &str, index: usize) -> String {
    let name = safe(name);
    if index > 0 {
        format!("{name}[{index}]")
    } else {
        name.into_owned()
    }
}

fn fact(f: &FactLoc) -> String {
    let at = format!(
        "{}:{}:{}",
        document(&f.document, f.document_index),
        f.line,
        f.column
    );
    let pointer = if f.pointer.is_empty() {
        "/".into()
    } else {
        safe(&f.pointer)
    };
    if f.missing {
        format!("({pointer} is absent; nearest present parent at {at})")
    } else {
        format!("at {at} ({pointer})")
    }
}

/// `/datasets/0/contains_pii = `true` at file:line:col`: the fact that decided a condition.
fn decided(o: &Operand) -> String {
    match &o.fact {
        Some(f) if f.missing => format!(
            "{} (absent; nearest present parent at {})",
            safe(&o.text),
            {
                let (doc, line, col) = (document(&f.document, f.document_index), f.line, f.column);
                format!("{doc}:{line}:{col}")
            }
        ),
        Some(f) => format!(
            "{} = `{}` at {}:{}:{}",
            safe(&o.text),
            safe(&o.value),
            document(&f.document, f.document_index),
            f.line,
            f.column
        ),
        None => format!("`{}`", safe(&o.value)),
    }
}

fn operand(o: &Operand) -> String {
    let mut out = format!("`{}` = ", safe(&o.text));
    if o.value == "missing" && o.fact.as_ref().is_none_or(|f| f.missing) {
        out.push_str("missing");
    } else {
        let _ = write!(out, "`{}`", safe(&o.value));
    }
    if let Some(f) = &o.fact {
        let _ = write!(out, " {}", fact(f));
    }
    out
}

/// The traces as text: per document, each step indented by its nesting, then the verdict.
pub fn render(traces: &[RuleTrace]) -> String {
    let mut out = String::new();
    for (i, t) in traces.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        render_one(&mut out, t);
    }
    out
}

fn render_one(out: &mut String, t: &RuleTrace) {
    let _ = writeln!(out, "rule {} ({})", t.rule, source(&t.at));
    let _ = writeln!(out, "facts {}", document(&t.document, t.document_index));
    for dep in &t.when {
        let verdict = if dep.status == Status::Pass {
            "passed"
        } else {
            "did not pass: this rule is skipped"
        };
        let _ = writeln!(
            out,
            "when {}: {} ({verdict})",
            dep.rule,
            dep.status.as_str()
        );
    }
    if !t.events.is_empty() {
        out.push('\n');
    }
    for event in &t.events {
        render_event(out, event);
    }
    out.push('\n');
    let n = t.violations.len();
    let subjects = format!(
        "{} subject{}",
        t.subjects,
        if t.subjects == 1 { "" } else { "s" }
    );
    match t.status {
        Status::Pass => {
            let _ = writeln!(out, "result: pass, every require reached held ({subjects})");
        }
        Status::Fail => {
            let missing = t
                .violations
                .iter()
                .filter(|v| v.reason == Reason::Missing)
                .count();
            let _ = write!(
                out,
                "result: fail, {n} violation{} ({subjects})",
                if n == 1 { "" } else { "s" }
            );
            if missing > 0 {
                let _ = write!(out, ", {missing} of them on a missing fact (fail-closed)");
            }
            out.push('\n');
        }
        Status::Incomplete => {
            let g = t.evidence_gaps.len();
            let _ = writeln!(
                out,
                "result: incomplete, no require failed but {g} evidence gap{} left it undecided \
                 ({subjects}); a missing fact never makes a rule pass",
                if g == 1 { "" } else { "s" }
            );
        }
        Status::Skip => {
            let reason = safe(t.reason.as_deref().unwrap_or("not applicable"));
            let _ = writeln!(out, "result: skip, {reason}");
            if let Some(dep) = t.when.iter().find(|d| d.status != Status::Pass) {
                let short = dep.rule.rsplit('.').next().unwrap_or(&dep.rule);
                let _ = writeln!(
                    out,
                    "  (`annexa explain {short} …` shows why {short} did not pass)"
                );
            }
        }
        Status::Error | Status::Waived => {
            let reason = safe(t.reason.as_deref().unwrap_or("evaluation failed"));
            let _ = writeln!(out, "result: {}, {reason}", t.status.as_str());
        }
    }
    if !t.evidence_gaps.is_empty() {
        let _ = writeln!(out, "evidence gaps:");
        for g in &t.evidence_gaps {
            let _ = writeln!(
                out,
                "  - {} ({}:{}:{})",
                safe(&g.message),
                document(&g.document, g.document_index),
                g.line,
                g.column
            );
        }
    }
}

fn render_event(out: &mut String, event: &TraceEvent) {
    match event {
        TraceEvent::For {
            depth,
            binding,
            over,
            at,
            elements,
            fact: missing,
        } => {
            let pad = "  ".repeat(*depth);
            let what = match (elements, missing) {
                (Some(0), _) => "no element: nothing to check".to_string(),
                (Some(1), _) => "1 element".to_string(),
                (Some(n), _) => format!("{n} elements"),
                (None, Some(f)) => {
                    format!("missing, nothing to iterate (evidence gap): {}", fact(f))
                }
                (None, None) => "nothing to iterate".to_string(),
            };
            let _ = writeln!(out, "{pad}for {binding} in {over}: {what} ({})", source(at));
        }
        TraceEvent::Subject {
            depth,
            binding,
            index,
            fact: f,
            value,
        } => {
            let pad = "  ".repeat(*depth);
            let shown = match (f, value) {
                (Some(f), _) => {
                    let pointer = if f.pointer.is_empty() {
                        "/"
                    } else {
                        &f.pointer
                    };
                    format!(
                        "{pointer} ({}:{}:{})",
                        document(&f.document, f.document_index),
                        f.line,
                        f.column
                    )
                }
                (None, Some(v)) => format!("`{v}`"),
                (None, None) => String::new(),
            };
            let _ = writeln!(out, "{pad}[{index}] {binding} = {shown}");
        }
        TraceEvent::Let { depth, operand: o } => {
            let pad = "  ".repeat(*depth);
            let _ = writeln!(out, "{pad}let {}", operand(o));
        }
        TraceEvent::If {
            depth,
            text,
            at,
            outcome,
            branch,
            decided_by,
        } => {
            let pad = "  ".repeat(*depth);
            let _ = writeln!(out, "{pad}if {} ({})", text.trim(), source(at));
            if let Some(d) = decided_by {
                let _ = writeln!(out, "{pad}  decided by {}", decided(d));
            }
            let taken = match branch {
                Branch::Then => "then branch taken",
                Branch::Else => "else branch taken (if any)",
                Branch::MissingElse => "else branch taken (if any), evidence gap",
            };
            let _ = writeln!(out, "{pad}  → {}: {taken}", outcome.as_str());
        }
        TraceEvent::Require {
            depth,
            text,
            at,
            operands,
            outcome,
            decided_by,
            message,
        } => {
            let pad = "  ".repeat(*depth);
            let _ = writeln!(out, "{pad}require {} ({})", text.trim(), source(at));
            for o in operands {
                let _ = writeln!(out, "{pad}  {}", operand(o));
            }
            // the deciding fact, unless an operand already is it
            if let Some(d) = decided_by {
                let shown = operands.iter().any(|o| {
                    o.fact
                        .as_ref()
                        .zip(d.fact.as_ref())
                        .is_some_and(|(a, b)| a.pointer == b.pointer)
                });
                if !shown {
                    let _ = writeln!(out, "{pad}  decided by {}", decided(d));
                }
            }
            let verdict = match outcome {
                Outcome::True => "holds".to_string(),
                Outcome::False => format!(
                    "violation: {}",
                    safe(message.as_deref().unwrap_or("requirement failed"))
                ),
                Outcome::Missing => format!(
                    "violation (missing fact, fail-closed): {}",
                    safe(message.as_deref().unwrap_or("requirement failed"))
                ),
            };
            let _ = writeln!(out, "{pad}  → {}: {verdict}", outcome.as_str());
        }
    }
}
