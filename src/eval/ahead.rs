//! Looking ahead in a loop whose body starts by probing a join off its element:
//! `for t in transfers { let src = datasets[.name == t.from] … }`. Each probe lands on a random
//! element of the indexed list, and the rule then waits for that element's node, its members
//! and its values, one load from memory after another. While the loop works on element `i`,
//! this probes the index for element `i + FAR` and asks the CPU for the hit's node, then for
//! its members a few elements later, so the real probe finds them in the cache.
//!
//! A hint only: it reads facts without charging steps, records nothing, and a wrong or
//! missing guess costs a few loads, never a different result.

use super::expr::Ctx;
use super::join::{self, BaseKey, Join};
use super::value::{Elements, Val};
use crate::compile::{Expr, ExprKind, Slot, Stmt};
use crate::facts::NodeId;

/// How many elements ahead the index is probed and the hit's node asked for.
const FAR: usize = 6;
/// How many elements ahead the hit's members are asked for (its node, asked for `FAR - NEAR`
/// elements before, is in the cache by then).
const NEAR: usize = 3;
/// Hits waiting for their members, by element position modulo this.
const RING: usize = 8;
/// Loops over fewer elements do not look ahead: the facts of a short list stay in the cache.
const MIN_ELEMENTS: usize = 64;

/// The look-ahead of one run of a `for` loop.
pub(crate) struct JoinAhead<'a> {
    /// The predicate of the join filter: [`Ctx`] keeps the index of its last join by it.
    pred: &'a Expr,
    /// The probe's fields off the loop's element, innermost first (`t.a.b` gives `b`, `a`;
    /// `t` itself none).
    keys: Vec<&'a str>,
    hits: [Option<NodeId>; RING],
}

impl<'a> JoinAhead<'a> {
    /// The look-ahead of a loop binding `slot` over `total` elements, when its body starts
    /// with a `let` of an equality filter whose probe is a field path off the element.
    pub(crate) fn of(body: &'a [Stmt], slot: Slot, total: usize) -> Option<JoinAhead<'a>> {
        if total < MIN_ELEMENTS {
            return None;
        }
        let Some(Stmt::Let { value, .. }) = body.first() else {
            return None;
        };
        let ExprKind::Filter {
            pred,
            slot: element,
            ..
        } = &value.kind
        else {
            return None;
        };
        let plan = join::plan(pred, *element)?;
        let mut keys = Vec::new();
        let mut level = plan.probe;
        loop {
            match &level.kind {
                ExprKind::Field(base, key) => {
                    keys.push(&**key);
                    level = base;
                }
                ExprKind::Local(s) if *s == slot => break,
                _ => return None,
            }
        }
        Some(JoinAhead {
            pred,
            keys,
            hits: [None; RING],
        })
    }

    /// Asks for what the loop's element `index + NEAR` and `index + FAR` will read of the
    /// joined list, once the loop has probed the join (the index is the context's last one).
    pub(crate) fn prefetch(&mut self, ctx: &Ctx<'a>, items: &Elements<'_, 'a>, index: usize) {
        let Some(((site, BaseKey::Node(doc_at, list)), _, join)) = ctx.last_join() else {
            return;
        };
        let Join::Indexed(by_key) = &**join else {
            return;
        };
        if *site != std::ptr::from_ref(self.pred) as usize
            || *doc_at != std::ptr::from_ref(ctx.doc) as usize
        {
            return;
        }
        if let Some(hit) = self
            .hits
            .get_mut((index + NEAR) % RING)
            .and_then(Option::take)
        {
            ctx.doc.prefetch_contents(hit);
        }
        let far = index + FAR;
        let Some(mut probe) = items.at(far) else {
            return;
        };
        for key in self.keys.iter().rev() {
            probe = probe.field(key);
        }
        let hit = join::key_of(probe.view())
            .and_then(|key| by_key.hits(&key).as_slice().first().copied())
            .and_then(|position| Val::Node(ctx.doc, *list).elements()?.at(position as usize));
        if let Some(Val::Node(doc, id)) = hit
            && std::ptr::eq(doc, ctx.doc)
        {
            ctx.doc.prefetch_node(id);
            if let Some(slot) = self.hits.get_mut(far % RING) {
                *slot = Some(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::Stmt;
    use crate::eval::run::tests::program;
    use crate::facts::Document;

    /// Whether the first rule's loop looks ahead, over `total` elements.
    fn looks_ahead(body: &str, total: usize) -> bool {
        let program = program(&format!(
            "rule r {{\n  controls A.5.9\n  for t in transfers {{\n{body}\n  }}\n}}\n"
        ));
        let Some(Stmt::For { slot, body, .. }) = program.rules[0].body.first() else {
            panic!("a loop");
        };
        JoinAhead::of(body, *slot, total).is_some()
    }

    #[test]
    fn a_loop_looks_ahead_when_its_body_starts_by_probing_a_join_off_its_element() {
        let probe = "let s = datasets[.name == t.from]\n require count(s) > 0";
        assert!(looks_ahead(probe, 100));
        assert!(looks_ahead(
            "let s = datasets[t.source.name == .name]\n require count(s) > 0",
            100
        ));
        assert!(looks_ahead(
            "let s = names[.x == t]\n require count(s) > 0",
            100
        ));
        // a short list, a probe that is not off the element, a later statement, a filter that
        // is not an equality
        assert!(!looks_ahead(probe, 10));
        assert!(!looks_ahead(
            "let s = datasets[.name == \"x\"]\n require count(s) > 0",
            100
        ));
        assert!(!looks_ahead(
            "require t.ok\n let s = datasets[.name == t.from]\n require count(s) > 0",
            100
        ));
        assert!(!looks_ahead(
            "let s = datasets[.name != t.from]\n require count(s) > 0",
            100
        ));
    }

    /// The failing subjects of `rule`, over transfers whose probes hit one dataset, several,
    /// none, or have no key at all.
    fn failing(rule: &str) -> (Vec<String>, Vec<String>) {
        let program = program(&format!("policy p \"p\"\n{rule}"));
        let datasets: Vec<_> = (0..150)
            .map(|i| {
                let name = if i % 10 == 0 {
                    "twice".to_string()
                } else {
                    format!("d{i}")
                };
                serde_json::json!({"name": name, "pii": i % 3 == 0})
            })
            .collect();
        let transfers: Vec<_> = (0..300)
            .map(|i| match i % 7 {
                0 => serde_json::json!({"id": i, "from": "twice"}),
                1 => serde_json::json!({"id": i, "from": "nowhere"}),
                2 => serde_json::json!({"id": i}),
                _ => serde_json::json!({"id": i, "from": format!("d{}", (i * 37) % 150)}),
            })
            .collect();
        let doc = Document::from_json(
            "f.json",
            &serde_json::json!({"datasets": datasets, "transfers": transfers}),
        );
        let report = crate::eval::evaluate(&program, &[doc], &Default::default())
            .unwrap_or_else(|e| panic!("{e:?}"));
        let result = &report.results[0];
        let subjects = result.violations.iter().map(|v| v.path.clone()).collect();
        let gaps = result
            .evidence_gaps
            .iter()
            .map(|g| g.path.clone())
            .collect();
        (subjects, gaps)
    }

    #[test]
    fn a_loop_that_looks_ahead_finds_what_one_that_does_not_finds() {
        let ahead = failing(
            "rule r {\n controls A.5.9\n for t in transfers {\n let src = datasets[.name == t.from]\n require none s in src: s.pii == true\n }\n}",
        );
        // the same rule, its loop starting with another statement: no look-ahead
        let plain = failing(
            "rule r {\n controls A.5.9\n for t in transfers {\n let first = 1\n let src = datasets[.name == t.from]\n require none s in src: s.pii == true\n }\n}",
        );
        assert_eq!(ahead, plain);
        assert!(!ahead.0.is_empty() && !ahead.1.is_empty(), "{ahead:?}");
    }
}
