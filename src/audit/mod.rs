//! The audit stage, after evaluation: what a run accepts and what it tells an auditor.
//!
//! - [`waivers`]: waivers files and `--baseline` reports, applied to a
//!   [`Report`](crate::findings::Report) so accepted findings stay in it without failing the run;
//! - [`baseline`]: the findings of an earlier report, matched by identity;
//! - [`soa`]: the Statement of Applicability, built from the catalog and a report;
//! - [`delta`]: what a run changes against an earlier report or statement (`--compare`).
//!
//! They live together because each works on a finished report and on the identity of its
//! findings, never on policies or the evaluator.

pub mod baseline;
pub mod delta;
pub mod soa;
pub mod waivers;

pub use baseline::Baseline;
pub use waivers::{Accepted, Applied, Waiver, apply, parse_waivers};
