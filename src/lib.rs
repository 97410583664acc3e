//! annexa: policy-as-code for ML pipelines, with every finding mapped to ISO/IEC 27001:2022 Annex A.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod ast;
pub mod audit;
pub mod compile;
pub mod config;
pub mod controls;
pub mod date;
pub mod diagnostics;
pub mod eval;
pub mod facts;
pub mod findings;
pub mod format;
pub mod identity;
pub mod lint;
pub mod pack;
pub mod report;
pub mod schema;
pub mod source;
pub mod stdlib;
pub mod syntax;
pub mod testing;
pub mod walk;
