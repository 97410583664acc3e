//! The module graph of `src/` obeys the layer order of docs/architecture.md: no module refers to
//! a later one, and the files of one module do not refer to each other in a cycle.
//!
//! Only library and binary code counts: items under `#[cfg(test)]` and the files of
//! `#[cfg(test)] mod x;` declarations (`tests.rs`, `facts_tests.rs`, …) may use any module, as
//! the tests of `compile` parse policies with `syntax`. Comments (doc links included) are not
//! dependencies either.
#![allow(
    clippy::expect_used,
    reason = "reading src/ is the test's setup: a failure there is its report"
)]

#[path = "architecture/scan.rs"]
mod scan;

use std::collections::BTreeSet;
use std::path::Path;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::graphmap::DiGraphMap;

/// The library's top-level modules, earliest first: each may refer only to those before it.
/// The table of docs/architecture.md lists the same names in the same order.
const LAYERS: &[&str] = &[
    "source",
    "threads",
    "walk",
    "date",
    "diagnostics",
    "controls",
    "ast",
    "syntax",
    "stdlib",
    "pack",
    "facts",
    "schema",
    "compile",
    "findings",
    "identity",
    "eval",
    "audit",
    "report",
    "lint",
    "format",
    "testing",
    "config",
    "api",
];

/// The binary's one module (`src/main.rs` declares it): after every layer, its `crate::` is the
/// binary, so only its files' cycles are checked.
const BINARY: &str = "cli";

/// Edges the layer order allows but the data flow does not: `(from, to, why)`.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    (
        "compile",
        "syntax",
        "the compiler receives syntax trees; `stdlib` parses the embedded modules",
    ),
    (
        "audit",
        "eval",
        "waivers work on a finished report: `findings::Report::from_results` rebuilds it",
    ),
    (
        "report",
        "eval",
        "reports render findings: what they need of a result is in `findings`",
    ),
];

/// File pairs whose mutual references are tolerated for now; a pair that is no longer a cycle
/// must leave the list.
const ALLOWED_CYCLES: &[[&str; 2]] = &[];

/// One source file: its path from the crate folder, its module path, and which crate it is in.
struct File {
    path: String,
    module: Vec<String>,
    binary: bool,
    scanned: scan::Scanned,
}

/// The module path of `src/…` file `path` (`src/eval/expr.rs` → `eval::expr`, `src/eval/mod.rs`
/// → `eval`, `src/lib.rs` → the root), and whether it belongs to the binary.
fn module_of(path: &str) -> (Vec<String>, bool) {
    let inner = path.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    let binary = parts.first().is_some_and(|p| p == BINARY || p == "main");
    if matches!(inner, "lib" | "main") {
        parts.clear();
    }
    (parts, binary)
}

/// Resolves a written path against the module `at` it is written in: `crate::a::b` → `a::b`,
/// `super::x` → the parent's `x`, `self::x` → `at`'s `x`.
fn resolve(at: &[String], written: &[String]) -> Option<Vec<String>> {
    let mut out: Vec<String> = at.to_vec();
    let mut segments = written.iter().peekable();
    match segments.next().map(String::as_str) {
        Some("crate") => out.clear(),
        Some("self") => {}
        Some("super") => {
            out.pop()?;
            while segments.next_if(|s| *s == "super").is_some() {
                out.pop()?;
            }
        }
        _ => return None,
    }
    out.extend(segments.filter(|s| *s != "self").cloned());
    Some(out)
}

fn is_prefix(short: &[String], long: &[String]) -> bool {
    long.starts_with(short)
}

/// Every breach of the layer order and every cycle between the files of one module, as
/// `file:line: why` lines; `sources` are `(path from the crate folder, text)`.
fn check(sources: &[(String, String)]) -> Vec<String> {
    let files = code_files(sources);
    let refs = references(&files);
    let mut problems = layer_problems(&files, &refs);
    problems.extend(cycle_problems(&files, &refs));
    problems.sort();
    problems
}

/// The scanned files, without the test code: the files of `#[cfg(test)] mod x;` declarations
/// and everything below them.
fn code_files(sources: &[(String, String)]) -> Vec<File> {
    let mut files: Vec<File> = sources
        .iter()
        .map(|(path, text)| {
            let (module, binary) = module_of(path);
            File {
                path: path.clone(),
                module,
                binary,
                scanned: scan::scan(text),
            }
        })
        .collect();
    let test_only: Vec<(bool, Vec<String>)> = files
        .iter()
        .flat_map(|f| {
            f.scanned.test_modules.iter().map(|name| {
                let mut m = f.module.clone();
                m.push(name.clone());
                (f.binary, m)
            })
        })
        .collect();
    files.retain(|f| {
        !test_only
            .iter()
            .any(|(binary, m)| *binary == f.binary && is_prefix(m, &f.module))
    });
    files
}

/// One path a file names, resolved.
struct Reference {
    /// The index of the naming file.
    from: usize,
    line: usize,
    /// As written (`super::b::Y`).
    shown: String,
    /// The module path it names, from the crate root.
    target: Vec<String>,
}

fn references(files: &[File]) -> Vec<Reference> {
    files
        .iter()
        .enumerate()
        .flat_map(|(from, f)| {
            f.scanned.paths.iter().filter_map(move |(line, written)| {
                Some(Reference {
                    from,
                    line: *line,
                    shown: written.join("::"),
                    target: resolve(&f.module, written)?,
                })
            })
        })
        .collect()
}

/// The graph of references between the library's top-level modules (each edge with the sites
/// that make it), checked against [`LAYERS`] and [`FORBIDDEN`].
fn layer_problems(files: &[File], refs: &[Reference]) -> Vec<String> {
    let mut problems = Vec::new();
    let layer = |name: &str| LAYERS.iter().position(|l| *l == name);
    let tops: BTreeSet<&str> = files
        .iter()
        .filter(|f| !f.binary)
        .filter_map(|f| f.module.first().map(String::as_str))
        .collect();
    for top in &tops {
        if layer(top).is_none() {
            problems.push(format!(
                "src/{top}: the module `{top}` has no place in the layer order: add it to LAYERS \
                 in tests/architecture.rs and to the table of docs/architecture.md"
            ));
        }
    }
    let mut graph: DiGraphMap<&str, Vec<&Reference>> = DiGraphMap::new();
    for r in refs {
        let Some(f) = files.get(r.from).filter(|f| !f.binary) else {
            continue;
        };
        let (Some(top), Some(target)) = (f.module.first(), r.target.first()) else {
            continue;
        };
        if top != target && tops.contains(target.as_str()) {
            if let Some(sites) = graph.edge_weight_mut(top, target) {
                sites.push(r);
            } else {
                graph.add_edge(top, target, vec![r]);
            }
        }
    }
    for (top, target, sites) in graph.all_edges() {
        let (Some(from), Some(to)) = (layer(top), layer(target)) else {
            continue;
        };
        let forbidden = FORBIDDEN.iter().find(|(a, b, _)| *a == top && *b == target);
        for r in sites {
            let (at, line, shown) = (files.get(r.from).map_or("?", |f| &f.path), r.line, &r.shown);
            if let Some((.., why)) = forbidden {
                problems.push(format!(
                    "{at}:{line}: `{top}` must not refer to `{target}` (`{shown}`): {why}"
                ));
            }
            if to > from {
                problems.push(format!(
                    "{at}:{line}: `{top}` refers to `{target}` (`{shown}`), a later layer: \
                     `{top}` is layer {from} and may use only layers before it \
                     (docs/architecture.md)"
                ));
            }
        }
    }
    problems
}

/// Cycles between the files of one top-level module: a file's references to a file that is
/// neither its ancestor nor its descendant (`eval/expr.rs` → `eval/builtins.rs`, not
/// `eval/rule.rs` → `eval/mod.rs`), less the pairs of [`ALLOWED_CYCLES`].
fn cycle_problems(files: &[File], refs: &[Reference]) -> Vec<String> {
    let mut graph: DiGraph<&str, (usize, &str)> = DiGraph::new();
    let nodes: Vec<NodeIndex> = files.iter().map(|f| graph.add_node(&f.path)).collect();
    for r in refs {
        let Some(f) = files.get(r.from) else { continue };
        // the file the path lands in: the one with the longest module path prefixing it
        let landing = files
            .iter()
            .enumerate()
            .filter(|(_, g)| g.binary == f.binary && is_prefix(&g.module, &r.target))
            .max_by_key(|(_, g)| g.module.len());
        let Some((to, g)) = landing else { continue };
        let related = is_prefix(&g.module, &f.module) || is_prefix(&f.module, &g.module);
        if !related
            && g.module.first() == f.module.first()
            && let (Some(&a), Some(&b)) = (nodes.get(r.from), nodes.get(to))
        {
            graph.add_edge(a, b, (r.line, &r.shown));
        }
    }
    let mut problems = Vec::new();
    let mut excused: BTreeSet<usize> = BTreeSet::new();
    for scc in tarjan_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        let mut members: Vec<&str> = scc
            .iter()
            .filter_map(|n| graph.node_weight(*n).copied())
            .collect();
        members.sort_unstable();
        let allowed = ALLOWED_CYCLES
            .iter()
            .position(|pair| members.len() == 2 && members.iter().all(|m| pair.contains(m)));
        if let Some(k) = allowed {
            excused.insert(k);
            continue;
        }
        let mut why: Vec<String> = graph
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = graph.edge_endpoints(e)?;
                if !(scc.contains(&a) && scc.contains(&b)) {
                    return None;
                }
                let (line, shown) = graph.edge_weight(e)?;
                Some(format!("  {}:{line}: `{shown}`", graph.node_weight(a)?))
            })
            .collect();
        why.sort();
        why.dedup();
        problems.push(format!(
            "{}: these files refer to each other in a cycle:\n{}",
            members.join(", "),
            why.join("\n")
        ));
    }
    let present = |path: &str| files.iter().any(|f| f.path == path);
    for (k, pair) in ALLOWED_CYCLES.iter().enumerate() {
        if !excused.contains(&k) && pair.iter().all(|p| present(p)) {
            problems.push(format!(
                "{}: no longer a cycle: remove the pair from ALLOWED_CYCLES in tests/architecture.rs",
                pair.join(", ")
            ));
        }
    }
    problems
}

/// Every `.rs` file under `dir`, as `(path from the crate folder, text)`, in path order.
fn read_sources(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_sources(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("a source file is UTF-8");
            let shown = path.strip_prefix(root).expect("under the crate folder");
            out.push((shown.to_string_lossy().replace('\\', "/"), text));
        }
    }
}

#[test]
fn the_source_tree_obeys_the_layer_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    read_sources(root, &root.join("src"), &mut sources);
    assert!(sources.len() > 50, "found only {} files", sources.len());
    let problems = check(&sources);
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn the_architecture_doc_lists_the_layers_in_the_same_order() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"))
            .expect("docs/architecture.md");
    let listed: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let mut expected: Vec<&str> = LAYERS.to_vec();
    expected.push(BINARY);
    assert_eq!(listed, expected, "the module table of docs/architecture.md");
}

fn sources(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(p, t)| ((*p).to_string(), (*t).to_string()))
        .collect()
}

#[test]
fn a_reference_to_a_later_layer_is_named_with_its_file_and_line() {
    let problems = check(&sources(&[
        ("src/findings.rs", ""),
        ("src/source.rs", ""),
        (
            "src/compile/mod.rs",
            "use crate::source::Span;\n\nuse crate::{\n    findings::Severity,\n};\n",
        ),
    ]));
    assert_eq!(
        problems,
        vec![
            "src/compile/mod.rs:4: `compile` refers to `findings` (`crate::findings::Severity`), \
             a later layer: `compile` is layer 12 and may use only layers before it \
             (docs/architecture.md)"
                .to_string()
        ]
    );
}

#[test]
fn test_code_and_earlier_layers_are_allowed() {
    let problems = check(&sources(&[
        ("src/syntax/mod.rs", "pub fn parse() {}\n"),
        ("src/findings.rs", "use crate::controls::catalog;\n"),
        ("src/controls/mod.rs", ""),
        (
            "src/compile/mod.rs",
            "#[cfg(test)]\nmod tests;\n#[cfg(test)]\nmod inline { use crate::syntax::parse; }\n",
        ),
        (
            "src/compile/tests.rs",
            "use crate::syntax::parse;\nuse crate::findings::X;\n",
        ),
    ]));
    assert_eq!(problems, Vec::<String>::new());
}

#[test]
fn a_module_out_of_the_order_is_reported() {
    let problems = check(&sources(&[("src/shiny/mod.rs", "")]));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems.iter().all(|p| p.contains("`shiny` has no place")),
        "{problems:?}"
    );
}

#[test]
fn sibling_files_that_refer_to_each_other_are_a_cycle() {
    let files = [
        ("src/eval/mod.rs", "mod a;\nmod b;\nuse a::X;\n"),
        ("src/eval/a.rs", "use super::Ctx;\nuse super::b::Y;\n"),
        ("src/eval/b.rs", "fn f() {\n    crate::eval::a::g();\n}\n"),
    ];
    assert_eq!(
        check(&sources(&files)),
        vec![
            "src/eval/a.rs, src/eval/b.rs: these files refer to each other in a cycle:\n  \
             src/eval/a.rs:2: `super::b::Y`\n  src/eval/b.rs:2: `crate::eval::a::g`"
                .to_string()
        ]
    );
    // one direction only, and a parent and its child, are not cycles
    let one_way = [
        ("src/eval/mod.rs", "mod a;\nmod b;\nuse a::X;\n"),
        ("src/eval/a.rs", "use super::Ctx;\nuse super::b::Y;\n"),
        ("src/eval/b.rs", "use super::Ctx;\n"),
    ];
    assert_eq!(check(&sources(&one_way)), Vec::<String>::new());
}

#[test]
fn no_cycle_is_tolerated_since_builtins_and_expr_were_untangled() {
    let pair = [
        ("src/eval/builtins.rs", "use super::expr::Ctx;\n"),
        ("src/eval/expr.rs", "use super::builtins::call;\n"),
    ];
    let problems = check(&sources(&pair));
    assert!(
        problems.iter().any(|p| p.starts_with(
            "src/eval/builtins.rs, src/eval/expr.rs: these files refer to each other in a cycle"
        )),
        "{problems:?}"
    );
}

#[test]
fn an_edge_the_data_flow_forbids_is_reported_though_the_order_allows_it() {
    let problems = check(&sources(&[
        ("src/syntax/mod.rs", "pub fn parse() {}\n"),
        (
            "src/compile/mod.rs",
            "fn load() {\n    crate::syntax::parse();\n}\n",
        ),
    ]));
    assert_eq!(
        problems,
        vec![
            "src/compile/mod.rs:2: `compile` must not refer to `syntax` (`crate::syntax::parse`): \
             the compiler receives syntax trees; `stdlib` parses the embedded modules"
                .to_string()
        ]
    );
}

#[test]
fn the_binary_may_use_the_library_but_its_files_are_checked_for_cycles() {
    let files = [
        ("src/main.rs", "mod cli;\nfn main() { cli::run(); }\n"),
        ("src/cli/mod.rs", "mod a;\nmod b;\n"),
        (
            "src/cli/a.rs",
            "use crate::cli::b::f;\nuse annexa::config::Config;\n",
        ),
        ("src/cli/b.rs", "use super::a::g;\n"),
    ];
    let problems = check(&sources(&files));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems
            .iter()
            .all(|p| p.starts_with("src/cli/a.rs, src/cli/b.rs:")),
        "{problems:?}"
    );
}
