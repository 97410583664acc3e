//! The public API: build an [`Engine`] once from policies, check [`Facts`] with it, read the
//! [`Report`]. Everything else in the crate is private or under [`crate::unstable`].

mod build;
mod builder;
mod engine;
mod error;
mod facts;
mod report;
mod run;
mod select;

pub use builder::EngineBuilder;
pub use engine::{Engine, Limits, SchemaCheck};
pub use error::{Error, ErrorKind};
pub use facts::{FactFormat, Facts};
pub use report::{
    ControlOutcome, Gap, Gaps, Report, RuleOutcome, Severity, Status, Summary, Violation,
};
pub use run::{Cancel, RunOptions};
