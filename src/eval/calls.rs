//! Calls of policy functions remembered per document: the packs call the same helper on the
//! same fact from rule after rule (`k8s.pod_specs(facts)` in every container rule, in file
//! scopes, in messages), and a function is a pure expression of its arguments, the document
//! and the params, so its value on one document never changes.
//!
//! A remembered call gives exactly what computing it again would: the same value, the same
//! evidence gaps (replayed), and the same charge to the rule's budget (the steps and bytes the
//! first computation cost). When replaying that charge would break a limit, the call is
//! computed again, so the error names the expression it names on a cold run. This keeps the
//! report the same bytes whichever rules ran before on the same context, one thread or many.
//! A call whose computation reached a host function (an embedder's, maybe impure) is not
//! remembered, nor one that failed.

use std::rc::Rc;

use smallvec::SmallVec;

use super::value::Val;
use crate::findings::EvidenceGap;

/// What identifies a call: the function and each argument by identity (a fact node, a policy
/// constant) or by value (scalars, computed strings). Calls with a computed list, object or a
/// missing value among their arguments are not remembered.
///
/// The arguments are held inline up to three (nearly every pack helper takes one or two): a
/// key is made on every call, remembered or not, and a heap allocation per call showed in the
/// evaluator's profile.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct CallKey {
    function: usize,
    args: SmallVec<[ArgKey; 3]>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum ArgKey {
    Node(usize, u32),
    Const(usize),
    Bool(bool),
    Int(i64),
    Float(u64),
    Date(i64),
    Str(Rc<str>),
}

impl CallKey {
    /// The key of `function` called with `args`, when every argument has one.
    pub(crate) fn of(function: usize, args: &[Val<'_>]) -> Option<CallKey> {
        let args = args
            .iter()
            .map(|v| {
                Some(match v {
                    Val::Node(doc, id) => ArgKey::Node(std::ptr::from_ref(*doc).addr(), *id),
                    Val::Const(c) => ArgKey::Const(std::ptr::from_ref(*c).addr()),
                    Val::Bool(b) => ArgKey::Bool(*b),
                    Val::Int(i) => ArgKey::Int(*i),
                    Val::Float(f) => ArgKey::Float(f.to_bits()),
                    Val::Date(d) => ArgKey::Date(*d),
                    Val::Str(s) => ArgKey::Str(Rc::clone(s)),
                    Val::Missing(_) | Val::List(_) | Val::Object(_) => return None,
                })
            })
            .collect::<Option<SmallVec<_>>>()?;
        Some(CallKey { function, args })
    }
}

/// A computed call: its value, the gaps it recorded and what it cost.
pub(crate) struct CallMemo<'a> {
    pub value: Val<'a>,
    pub gaps: Vec<EvidenceGap>,
    pub steps: u64,
    pub bytes: u64,
}
