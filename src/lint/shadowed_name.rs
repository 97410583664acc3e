//! `shadowed_name`: a local (`let`, `for`, quantifier variable, fn parameter) named like a
//! top-level param, let or fn of its namespace, which it hides.

use super::visit::{Event, walk_item};
use super::{Context, Finding};

pub(crate) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (m, module) in ctx.modules.iter().enumerate() {
        for item in &module.items {
            walk_item(item, &mut |event| {
                if let Event::Bind(ident) = event
                    && ctx.is_top_level(m, &ident.name)
                {
                    out.extend(Finding::new(
                        "shadowed_name",
                        m,
                        ident.span,
                        format!("the local `{}` shadows a top-level name", ident.name),
                        "hides the top-level definition",
                    ));
                }
            });
        }
    }
}
