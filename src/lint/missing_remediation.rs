//! `missing_remediation`: a rule that does not say how to fix a failure.

use super::{Context, Finding};
use crate::ast::{Item, MetaKey};

pub(crate) fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (m, module) in ctx.modules.iter().enumerate() {
        for item in &module.items {
            let Item::Rule(r) = item else { continue };
            if r.meta.iter().any(|meta| meta.key == MetaKey::Remediation) {
                continue;
            }
            out.extend(Finding::new(
                "missing_remediation",
                m,
                r.name.span,
                format!("rule `{}` has no remediation", r.name.name),
                "this rule",
            ));
        }
    }
}
