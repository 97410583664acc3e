//! The pest binding. Its types stay inside `syntax`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/annexa.pest"]
pub(super) struct PolicyParser;
