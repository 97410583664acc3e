//! `unused_fn`: a `fn` that no module calls.

use super::{Context, Finding, unused_defs};
use crate::ast::{Ident, Item};

fn pick(item: &Item) -> Option<&Ident> {
    match item {
        Item::Fn(f) => Some(&f.name),
        _ => None,
    }
}

pub(crate) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    unused_defs(ctx, "unused_fn", "fn", pick, out);
}
