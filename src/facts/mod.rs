//! Fact loading.
