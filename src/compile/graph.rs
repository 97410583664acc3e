//! The rule graph: params, lets, fns and rules as nodes, references as edges.

use std::collections::{BTreeSet, HashMap};

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, EdgeRef};

use super::ir::{LetId, RuleId};
use super::{DefRef, Program};
use crate::diagnostics::Diagnostic;
use crate::source::{SourceFile, Span};

/// Why one node depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    /// The body reads the other definition.
    Reads,
    /// A rule's `when` names the other rule.
    When,
}

/// The dependency graph of a program (edges point from the user to what it uses).
#[derive(Debug, Default)]
pub struct RuleGraph {
    graph: DiGraph<DefRef, DepKind>,
    index: HashMap<DefRef, NodeIndex>,
}

type Edge = (DefRef, DefRef, Span, usize, DepKind);

impl RuleGraph {
    pub(super) fn build(program: &Program, edges: &[Edge]) -> RuleGraph {
        let mut g = RuleGraph::default();
        let defs = (0..program.params.len())
            .map(DefRef::Param)
            .chain((0..program.lets.len()).map(DefRef::Let))
            .chain((0..program.fns.len()).map(DefRef::Fn))
            .chain((0..program.rules.len()).map(DefRef::Rule));
        for def in defs {
            let node = g.graph.add_node(def);
            g.index.insert(def, node);
        }
        for (from, to, _, _, kind) in edges {
            if let (Some(a), Some(b)) = (g.index.get(from), g.index.get(to)) {
                g.graph.add_edge(*a, *b, *kind);
            }
        }
        g
    }

    /// Every dependency cycle, one diagnostic each, showing each reference on the cycle.
    pub(super) fn cycles(
        &self,
        program: &Program,
        edges: &[Edge],
        files: &[SourceFile],
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut sccs = tarjan_scc(&self.graph);
        sccs.sort();
        for scc in sccs {
            let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
            let Some(&start) = members.iter().next() else {
                continue;
            };
            let self_loop = self.graph.contains_edge(start, start);
            if members.len() < 2 && !self_loop {
                continue;
            }
            let path = self.cycle_path(start, &members);
            let mut names: Vec<String> = path.iter().map(|n| self.name(program, *n)).collect();
            if let Some(first) = names.first().cloned() {
                names.push(first);
            }
            // the references that make up the cycle, in order
            let refs: Vec<&Edge> = path
                .iter()
                .enumerate()
                .filter_map(|(i, from)| {
                    let to = path.get((i + 1) % path.len())?;
                    let (fd, td) = (self.graph.node_weight(*from)?, self.graph.node_weight(*to)?);
                    edges.iter().find(|(f, t, ..)| f == fd && t == td)
                })
                .collect();
            let Some(first) = refs.first() else { continue };
            let Some(file) = files.get(first.3) else {
                continue;
            };
            let is_when = refs.iter().all(|e| e.4 == DepKind::When);
            let what = if is_when {
                "`when` dependencies form a cycle"
            } else {
                "definitions depend on each other in a cycle"
            };
            let mut d = Diagnostic::error(
                "annexa::cycle",
                format!("{what}: {}", names.join(" → ")),
                file,
            );
            let mut elsewhere = Vec::new();
            for (i, e) in refs.iter().enumerate() {
                let step = format!(
                    "{} uses {}",
                    names.get(i).cloned().unwrap_or_default(),
                    names.get(i + 1).cloned().unwrap_or_default()
                );
                if e.3 == first.3 {
                    d = d.with_label(e.2, step);
                } else if let Some(f) = files.get(e.3) {
                    let (line, col) = f.line_col(e.2.start);
                    elsewhere.push(format!("{step} at {}:{line}:{col}", f.name()));
                }
            }
            let all_fns = path
                .iter()
                .all(|n| matches!(self.graph.node_weight(*n), Some(DefRef::Fn(_))));
            let help = if is_when {
                "a rule cannot wait for itself; remove one of the `when` names".to_string()
            } else if !all_fns {
                "a definition cannot depend on itself; compute one of them without the others"
                    .to_string()
            } else {
                "recursion is not allowed; compute the value without calling back".to_string()
            };
            d = if elsewhere.is_empty() {
                d.with_help(help)
            } else {
                d.with_help(format!("{help}; also {}", elsewhere.join("; ")))
            };
            out.push(d);
        }
        out
    }

    /// A cycle through `start` staying inside `members`.
    fn cycle_path(&self, start: NodeIndex, members: &BTreeSet<NodeIndex>) -> Vec<NodeIndex> {
        // breadth-first search for the shortest way back to start
        let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = std::collections::VecDeque::new();
        let mut successors: Vec<NodeIndex> = self
            .graph
            .neighbors(start)
            .filter(|n| members.contains(n))
            .collect();
        successors.sort();
        for n in successors {
            if n == start {
                return vec![start];
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(n) {
                e.insert(start);
                queue.push_back(n);
            }
        }
        while let Some(node) = queue.pop_front() {
            let mut next: Vec<NodeIndex> = self
                .graph
                .neighbors(node)
                .filter(|n| members.contains(n))
                .collect();
            next.sort();
            for n in next {
                if n == start {
                    let mut path = vec![node];
                    let mut cur = node;
                    while let Some(p) = parent.get(&cur) {
                        if *p == start {
                            break;
                        }
                        path.push(*p);
                        cur = *p;
                    }
                    path.push(start);
                    path.reverse();
                    return path;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(n) {
                    e.insert(node);
                    queue.push_back(n);
                }
            }
        }
        vec![start]
    }

    /// The display name of a node, e.g. `let pii_training`.
    pub fn name(&self, program: &Program, node: NodeIndex) -> String {
        match self.graph.node_weight(node) {
            Some(def) => def_name(program, *def),
            None => String::new(),
        }
    }

    /// Rules ordered so that every `when` dependency comes first.
    pub(super) fn rule_order(&self, program: &Program) -> Vec<RuleId> {
        let mut by_id: Vec<RuleId> = (0..program.rules.len()).collect();
        by_id.sort_by(|a, b| rule_id(program, *a).cmp(rule_id(program, *b)));
        let mut g: DiGraph<RuleId, ()> = DiGraph::new();
        let mut nodes = HashMap::new();
        for r in &by_id {
            nodes.insert(*r, g.add_node(*r));
        }
        for e in self.graph.edge_references() {
            if *e.weight() != DepKind::When {
                continue;
            }
            if let (Some(DefRef::Rule(user)), Some(DefRef::Rule(dep))) = (
                self.graph.node_weight(e.source()),
                self.graph.node_weight(e.target()),
            ) && let (Some(a), Some(b)) = (nodes.get(dep), nodes.get(user))
            {
                g.add_edge(*a, *b, ());
            }
        }
        match toposort(&g, None) {
            Ok(order) => order
                .into_iter()
                .filter_map(|n| g.node_weight(n).copied())
                .collect(),
            Err(_) => by_id,
        }
    }

    /// For each rule, the lets it reads directly or through lets and fns.
    pub(super) fn lets_read(&self, program: &Program) -> Vec<Vec<LetId>> {
        // One walk per rule over what that rule reaches, not a `Dfs` per rule: `Dfs::new`
        // allocates a visited set of the whole graph, which made this quadratic in the rules.
        let mut seen = vec![false; self.graph.node_count()];
        let mut touched = Vec::new();
        let mut stack = Vec::new();
        (0..program.rules.len())
            .map(|r| {
                let mut lets = BTreeSet::new();
                if let Some(start) = self.index.get(&DefRef::Rule(r)) {
                    stack.push(*start);
                    while let Some(n) = stack.pop() {
                        match seen.get_mut(n.index()) {
                            Some(s) if !*s => *s = true,
                            _ => continue,
                        }
                        touched.push(n);
                        if let Some(DefRef::Let(l)) = self.graph.node_weight(n) {
                            lets.insert(*l);
                        }
                        for e in self.graph.edges(n) {
                            if *e.weight() == DepKind::Reads {
                                stack.push(e.target());
                            }
                        }
                    }
                    for n in touched.drain(..) {
                        if let Some(s) = seen.get_mut(n.index()) {
                            *s = false;
                        }
                    }
                }
                lets.into_iter().collect()
            })
            .collect()
    }

    /// Graphviz DOT: nodes labelled by kind, `when` edges dashed.
    pub fn to_dot(&self, program: &Program) -> String {
        let mut out = String::from("digraph annexa {\n  rankdir=LR;\n");
        for n in self.graph.node_indices() {
            let shape = match self.graph.node_weight(n) {
                Some(DefRef::Rule(_)) => "box",
                Some(DefRef::Fn(_)) => "ellipse",
                Some(DefRef::Let(_)) => "note",
                _ => "plaintext",
            };
            out.push_str(&format!(
                "  n{} [label=\"{}\", shape={shape}];\n",
                n.index(),
                self.name(program, n)
            ));
        }
        for e in self.graph.edge_references() {
            let style = if *e.weight() == DepKind::When {
                " [style=dashed, label=\"when\"]"
            } else {
                ""
            };
            out.push_str(&format!(
                "  n{} -> n{}{style};\n",
                e.source().index(),
                e.target().index()
            ));
        }
        out.push_str("}\n");
        out
    }

    /// Mermaid flowchart: nodes labelled by kind (rules as boxes, lets as parallelograms, fns
    /// as rounded boxes, params as flags), `when` edges dotted and labelled.
    pub fn to_mermaid(&self, program: &Program) -> String {
        let mut out = String::from("flowchart LR\n");
        for n in self.graph.node_indices() {
            let label = self.name(program, n);
            let (open, close) = match self.graph.node_weight(n) {
                Some(DefRef::Rule(_)) => ("[", "]"),
                Some(DefRef::Fn(_)) => ("(", ")"),
                Some(DefRef::Let(_)) => ("[/", "/]"),
                _ => (">", "]"),
            };
            out.push_str(&format!("  n{}{open}\"{label}\"{close}\n", n.index()));
        }
        for e in self.graph.edge_references() {
            let arrow = if *e.weight() == DepKind::When {
                "-.->|when|"
            } else {
                "-->"
            };
            out.push_str(&format!(
                "  n{} {arrow} n{}\n",
                e.source().index(),
                e.target().index()
            ));
        }
        out
    }

    /// The part of the graph the given definitions need: those definitions and everything they
    /// reach (through reads and `when`), in the original node order.
    pub fn restricted_to(&self, roots: &[DefRef]) -> RuleGraph {
        let mut keep = BTreeSet::new();
        for root in roots {
            if let Some(start) = self.index.get(root) {
                let mut dfs = Dfs::new(&self.graph, *start);
                while let Some(n) = dfs.next(&self.graph) {
                    keep.insert(n);
                }
            }
        }
        let graph = self.graph.filter_map(
            |n, def| keep.contains(&n).then_some(*def),
            |_, kind| Some(*kind),
        );
        let index = graph
            .node_indices()
            .filter_map(|n| graph.node_weight(n).map(|d| (*d, n)))
            .collect();
        RuleGraph { graph, index }
    }
}

fn rule_id(program: &Program, r: RuleId) -> &str {
    program.rules.get(r).map_or("", |rule| rule.id.as_str())
}

fn def_name(program: &Program, def: DefRef) -> String {
    match def {
        DefRef::Param(i) => format!(
            "param {}",
            program.params.get(i).map_or("", |p| p.qualified.as_str())
        ),
        DefRef::Let(i) => format!(
            "let {}",
            program.lets.get(i).map_or("", |p| p.qualified.as_str())
        ),
        DefRef::Fn(i) => format!(
            "fn {}",
            program.fns.get(i).map_or("", |p| p.qualified.as_str())
        ),
        DefRef::Rule(i) => format!("rule {}", rule_id(program, i)),
    }
}
