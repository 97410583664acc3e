//! annexa: policy-as-code for ML pipelines, with every finding mapped to ISO/IEC 27001:2022 Annex A.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod controls;
pub mod facts;
pub mod findings;
pub mod source;
pub mod ast;
pub mod diagnostics;
pub mod syntax;
pub mod compile;
pub mod eval;
pub mod report;
pub mod walk;
pub mod testing;
pub mod pack;
