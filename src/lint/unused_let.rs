//! `unused_let`: a top-level `let` that no module reads.

use super::{Context, Finding, unused_defs};
use crate::ast::{Ident, Item};

fn pick(item: &Item) -> Option<&Ident> {
    match item {
        Item::Let(b) => Some(&b.name),
        _ => None,
    }
}

pub(crate) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    unused_defs(ctx, "unused_let", "let", pick, out);
}
