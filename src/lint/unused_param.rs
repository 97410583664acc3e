//! `unused_param`: a `param` that no module reads.

use super::{Context, Finding, unused_defs};
use crate::ast::{Ident, Item};

fn pick(item: &Item) -> Option<&Ident> {
    match item {
        Item::Param(b) => Some(&b.name),
        _ => None,
    }
}

pub(crate) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    unused_defs(ctx, "unused_param", "param", pick, out);
}
