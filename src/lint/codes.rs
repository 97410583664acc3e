//! The lint code table: every lint's name, stable code, default level and help.

use super::Level;

/// One lint: what it is called, its stable diagnostic code and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LintInfo {
    /// The short name used in `allow(…)` directives and `annexa.toml` (`unused_let`).
    pub name: &'static str,
    /// The diagnostic code (`annexa::unused_let`).
    pub code: &'static str,
    /// The level it is reported at unless configured otherwise.
    pub default_level: Level,
    /// One line on what it finds.
    pub summary: &'static str,
    /// The help line shown under each finding.
    pub help: &'static str,
}

/// Every lint, in the order they are documented (`docs/lint.md`).
pub const LINTS: [LintInfo; 8] = [
    LintInfo {
        name: "unused_let",
        code: "annexa::unused_let",
        default_level: Level::Warn,
        summary: "a top-level `let` that nothing reads",
        help: "remove the `let`, or use it in a rule",
    },
    LintInfo {
        name: "unused_param",
        code: "annexa::unused_param",
        default_level: Level::Warn,
        summary: "a `param` that nothing reads",
        help: "remove the `param`, or use it in a rule",
    },
    LintInfo {
        name: "unused_fn",
        code: "annexa::unused_fn",
        default_level: Level::Warn,
        summary: "a `fn` that nothing calls",
        help: "remove the `fn`, or call it from a rule",
    },
    LintInfo {
        name: "unused_use",
        code: "annexa::unused_use",
        default_level: Level::Warn,
        summary: "a `use` whose alias the file never mentions",
        help: "remove the `use` line",
    },
    LintInfo {
        name: "filter_never_binds",
        code: "annexa::filter_never_binds",
        default_level: Level::Warn,
        summary: "a `for` over a filter whose predicate is constantly false: the block never runs",
        help: "the filter keeps no element, so nothing inside the `for` is ever checked; fix the predicate",
    },
    LintInfo {
        name: "always_true_require",
        code: "annexa::always_true_require",
        default_level: Level::Warn,
        summary: "a `require` whose condition is a constant true expression",
        help: "a check that cannot fail checks nothing; compare a fact instead",
    },
    LintInfo {
        name: "missing_remediation",
        code: "annexa::missing_remediation",
        default_level: Level::Warn,
        summary: "a rule without `remediation`",
        help: "add `remediation \"…\"` saying how to fix a failure",
    },
    LintInfo {
        name: "shadowed_name",
        code: "annexa::shadowed_name",
        default_level: Level::Warn,
        summary: "a local name that hides a top-level param, let or fn of the namespace",
        help: "rename the local so that the top-level name stays reachable",
    },
];

/// Looks a lint up by its name, with or without the `annexa::` prefix.
pub fn lookup(name: &str) -> Option<&'static LintInfo> {
    let short = name.strip_prefix("annexa::").unwrap_or(name);
    LINTS.iter().find(|l| l.name == short)
}
