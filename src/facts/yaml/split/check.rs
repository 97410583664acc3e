//! The split parse held to one parse, for the `yaml_split` fuzz target.

use std::sync::Arc;

use super::cuts::{Cut, entry_line, sequence_lines};
use super::load_cut;
use crate::facts::lines::SourceText;
use crate::facts::{LoadOptions, Loaded, arena_difference};

/// Cuts and pairs of cuts tried per text: a fuzz input is small, but each try parses it
/// twice more.
const MOST: usize = 12;

/// How many of `text`'s cuts held (each entry line as one piece, and pairs of them), or how
/// one that held differed from one parse.
pub(crate) fn agrees_with_one_parse(text: &str) -> Result<usize, String> {
    let opts = LoadOptions::default();
    let name: Arc<str> = Arc::from("f.yaml");
    let source = Arc::new(SourceText::new(text.to_string()));
    let fast = super::super::fast::eligible(text.as_bytes());
    let one = super::super::load_one(Arc::clone(&name), Arc::clone(&source), &opts, false, None);
    let cuts = every_cut(text.as_bytes());
    let pairs = cuts.iter().enumerate().flat_map(|(i, &a)| {
        cuts.iter()
            .skip(i + 1)
            .filter(move |b| a.end < b.start)
            .map(move |&b| vec![a, b])
    });
    let tries = cuts
        .iter()
        .map(|&cut| vec![cut])
        .take(MOST)
        .chain(pairs.take(MOST));
    let mut held = 0;
    for pieces in tries {
        let Some(split) = load_cut(&name, &source, &opts, &pieces, fast, &Default::default())
        else {
            continue;
        };
        held += 1;
        let at: Vec<usize> = pieces.iter().map(|cut| cut.start).collect();
        match &one {
            Ok(one) => same(one, &split).map_err(|d| format!("cut at bytes {at:?}: {d}"))?,
            Err(e) => {
                return Err(format!(
                    "cut at bytes {at:?} held where one parse failed: {e:?}"
                ));
            }
        }
    }
    Ok(held)
}

/// A cut at every entry line of `bytes`, to its sequence's end.
pub(super) fn every_cut(bytes: &[u8]) -> Vec<Cut> {
    let mut cuts = Vec::new();
    let mut at = 0;
    while let Some((start, col)) = entry_line(bytes, at) {
        let (end, _) = sequence_lines(bytes, start, col);
        cuts.push(Cut { start, end, col });
        at = start;
    }
    cuts
}

fn same(a: &Loaded, b: &Loaded) -> Result<(), String> {
    if a.notes != b.notes {
        return Err(format!("notes {:?} and {:?}", a.notes, b.notes));
    }
    if a.documents.len() != b.documents.len() {
        return Err(format!(
            "{} and {} documents",
            a.documents.len(),
            b.documents.len()
        ));
    }
    for (i, (a, b)) in a.documents.iter().zip(&b.documents).enumerate() {
        if let Some(vector) = arena_difference(a, b) {
            return Err(format!("document {i}: the arenas' {vector} differ"));
        }
    }
    Ok(())
}
