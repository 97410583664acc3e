//! Test coverage: which rules and which `require`s no test's evaluation reached.

use crate::compile::{Program, Stmt};
use crate::eval::ReachedRequires;

/// One `require` of a rule and whether a test reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireCoverage {
    /// Byte offset of the `require` in its policy file.
    pub order: usize,
    /// 1-based line of the `require`.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The check's source text.
    pub text: String,
    /// True when some test's evaluation reached it (whatever it concluded).
    pub reached: bool,
}

/// One rule and its `require`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCoverage {
    /// The rule id.
    pub rule: String,
    /// The policy file.
    pub file: String,
    /// 1-based line of the `rule` keyword.
    pub line: u32,
    /// Its `require`s in source order.
    pub requires: Vec<RequireCoverage>,
}

impl RuleCoverage {
    /// True when a test reached at least one of its `require`s.
    pub fn exercised(&self) -> bool {
        self.requires.iter().any(|r| r.reached)
    }
}

/// What the tests reached, over every rule of the program (rules in file and line order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coverage {
    /// Every rule.
    pub rules: Vec<RuleCoverage>,
}

impl Coverage {
    /// Coverage of `program` given the `require`s the tests `reached`.
    pub fn new(program: &Program, reached: &ReachedRequires) -> Coverage {
        let mut rules: Vec<RuleCoverage> = program
            .rules
            .iter()
            .enumerate()
            .map(|(id, rule)| {
                let mut orders = Vec::new();
                collect(&rule.body, &mut orders);
                orders.sort_by_key(|(order, _)| *order);
                let requires = orders
                    .into_iter()
                    .map(|(order, text)| {
                        let (line, column) = rule.file.line_col(order);
                        RequireCoverage {
                            order,
                            line,
                            column,
                            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
                            reached: reached.contains(id, order),
                        }
                    })
                    .collect();
                RuleCoverage {
                    rule: rule.id.clone(),
                    file: rule.file.name().to_string(),
                    line: rule.file.line_col(rule.span.start).0,
                    requires,
                }
            })
            .collect();
        rules.sort_by(|a, b| (&a.file, a.line, &a.rule).cmp(&(&b.file, b.line, &b.rule)));
        Coverage { rules }
    }

    /// How many `require`s there are.
    pub fn total(&self) -> usize {
        self.rules.iter().map(|r| r.requires.len()).sum()
    }

    /// How many `require`s a test reached.
    pub fn reached(&self) -> usize {
        self.rules
            .iter()
            .flat_map(|r| &r.requires)
            .filter(|r| r.reached)
            .count()
    }

    /// The share of `require`s reached, in percent (100 when there is none).
    pub fn percent(&self) -> f64 {
        let total = self.total();
        if total == 0 {
            100.0
        } else {
            self.reached() as f64 * 100.0 / total as f64
        }
    }

    /// The rules no test exercised.
    pub fn unexercised_rules(&self) -> impl Iterator<Item = &RuleCoverage> {
        self.rules.iter().filter(|r| !r.exercised())
    }

    /// The `require`s no test reached, with their rule (those of unexercised rules included).
    pub fn unreached_requires(&self) -> impl Iterator<Item = (&RuleCoverage, &RequireCoverage)> {
        self.rules
            .iter()
            .flat_map(|rule| rule.requires.iter().map(move |r| (rule, r)))
            .filter(|(_, r)| !r.reached)
    }
}

fn collect(stmts: &[Stmt], out: &mut Vec<(usize, String)>) {
    for stmt in stmts {
        match stmt {
            Stmt::Require { order, text, .. } => out.push((*order, text.to_string())),
            Stmt::For { body, .. } => collect(body, out),
            Stmt::If {
                then, otherwise, ..
            } => {
                collect(then, out);
                collect(otherwise, out);
            }
            Stmt::Let { .. } => {}
        }
    }
}
