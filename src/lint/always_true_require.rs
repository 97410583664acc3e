//! `always_true_require`: `require true`, or a condition that is true whatever the facts.

use super::visit::{Event, const_bool, walk_item};
use super::{Context, Finding};

pub(crate) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (m, module) in ctx.modules.iter().enumerate() {
        for item in &module.items {
            walk_item(item, &mut |event| {
                if let Event::Require(cond) = event
                    && const_bool(cond) == Some(true)
                {
                    out.extend(Finding::new(
                        "always_true_require",
                        m,
                        cond.span,
                        "this `require` can never fail",
                        "always true",
                    ));
                }
            });
        }
    }
}
