//! `filter_never_binds`: a `for` over `xs[false]` (or any constantly false predicate), whose
//! block can never run.

use super::visit::{Event, const_bool, walk_item};
use super::{Context, Finding};
use crate::ast::{Expr, ExprKind};

/// The predicate of a constantly false filter on the way down `e`'s bases.
fn false_filter(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Filter(base, pred) => {
            if const_bool(pred) == Some(false) {
                Some(pred)
            } else {
                false_filter(base)
            }
        }
        ExprKind::Field(base, _)
        | ExprKind::Key(base, _)
        | ExprKind::Index(base, _)
        | ExprKind::Project(base, _) => false_filter(base),
        _ => None,
    }
}

pub(crate) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (m, module) in ctx.modules.iter().enumerate() {
        for item in &module.items {
            walk_item(item, &mut |event| {
                if let Event::For(iter) = event
                    && let Some(pred) = false_filter(iter)
                {
                    out.extend(Finding::new(
                        "filter_never_binds",
                        m,
                        pred.span,
                        "this `for` can never bind: its filter keeps no element",
                        "always false",
                    ));
                }
            });
        }
    }
}
