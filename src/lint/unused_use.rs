//! `unused_use`: a `use` whose alias (`crypto` for `use std.crypto`) the file never mentions.

use super::{Context, Finding};
use crate::ast::Item;

pub(crate) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (m, module) in ctx.modules.iter().enumerate() {
        let Some(free) = ctx.free_names.get(m) else {
            continue;
        };
        for item in &module.items {
            let Item::Use(u) = item else { continue };
            let alias = u.path.last();
            if free.contains(alias) {
                continue;
            }
            out.extend(Finding::new(
                "unused_use",
                m,
                u.path.span,
                format!("`use {}` is never used", u.path.text()),
                format!("no `{alias}.` in this file"),
            ));
        }
    }
}
