//! The standard library: the embedded `stdlib/NAME.policy` sources that `use std.NAME` loads,
//! parsed on demand into modules named `std.NAME`.
//!
//! It sits between [`crate::syntax`] and [`crate::compile`] so that the compiler receives
//! syntax trees and never parses: parsing is the earlier stage's job (docs/architecture.md).

use crate::ast::{Dotted, Header, Ident, Module};
use crate::diagnostics::Diagnostic;
use crate::source::{SourceFile, Span};

/// The stdlib modules, embedded: `use std.NAME` loads `stdlib/NAME.policy`.
pub const STDLIB: &[(&str, &str)] = &[
    ("crypto", include_str!("../stdlib/crypto.policy")),
    ("net", include_str!("../stdlib/net.policy")),
    ("time", include_str!("../stdlib/time.policy")),
    ("iam", include_str!("../stdlib/iam.policy")),
    ("ml", include_str!("../stdlib/ml.policy")),
    ("k8s", include_str!("../stdlib/k8s.policy")),
    ("mlops", include_str!("../stdlib/mlops.policy")),
    ("aws", include_str!("../stdlib/aws.policy")),
];

/// The module `std.NAME`, parsed, or `None` when the stdlib has no such module; a parse error
/// (only possible if a shipped file is broken) is the parser's diagnostic.
///
/// ```
/// let module = annexa::unstable::stdlib::load("crypto").and_then(Result::ok);
/// assert_eq!(module.map(|m| m.namespace()).as_deref(), Some("std.crypto"));
/// assert!(annexa::unstable::stdlib::load("nope").is_none());
/// ```
pub fn load(name: &str) -> Option<Result<Module, Diagnostic>> {
    let (_, text) = STDLIB.iter().find(|(n, _)| *n == name)?;
    let source = SourceFile::new(format!("<stdlib>/{name}.policy"), *text);
    Some(crate::syntax::parse(&source).map(|mut module| {
        // the module name comes from the file, not a header
        module.header = Some(Header {
            name: Dotted {
                parts: ["std", name]
                    .iter()
                    .map(|p| Ident {
                        name: (*p).to_string(),
                        span: Span::default(),
                    })
                    .collect(),
                span: Span::default(),
            },
            title: None,
            span: Span::default(),
        });
        module
    }))
}

/// The names of the stdlib modules, in table order (`crypto`, `net`, …).
pub fn names() -> impl Iterator<Item = &'static str> {
    STDLIB.iter().map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_module_parses_under_its_file_name() {
        for name in names() {
            let module = load(name).and_then(Result::ok);
            assert_eq!(
                module.map(|m| m.namespace()),
                Some(format!("std.{name}")),
                "stdlib/{name}.policy"
            );
        }
    }
}
