//! Annex A catalog.
