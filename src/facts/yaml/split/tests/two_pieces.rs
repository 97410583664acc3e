//! Two pieces for the helper: the end of one sequence and most of a later one.

use super::*;

/// A benchmark-shaped file: `n` datasets of nine short lines each (an `access:` list), then
/// transfers of three long lines, a little fewer bytes than the datasets, and a short
/// `models:` list. The middle falls near the end of the datasets, too short a piece, and the
/// cut from there is the transfers': fewer than half the lines.
fn pipeline(n: usize, anchor_in_datasets: bool) -> String {
    let mut text = datasets(n, |i| {
        if anchor_in_datasets && i == n - 2 {
            "    copy: &c {a: 1}\n".into()
        } else {
            String::new()
        }
    });
    for i in 2..n * 7 / 4 {
        text.push_str(&format!(
            "  - id: transfer-{i:06}\n    from: ds-{i:04}\n    to: s3://bucket-name/exports/{i:06}\n"
        ));
    }
    text.push_str("models:\n  - name: m\n    signed: true\n");
    text
}

fn lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

#[test]
fn a_second_piece_before_the_first_gives_the_helper_about_half_the_lines() {
    let text = pipeline(400, false);
    let bytes = text.as_bytes();
    let cuts = plan(bytes, bytes.len() / 16).expect("a plan");
    let middle = find_cut(bytes, bytes.len() / 2, bytes.len() / 16).expect("a cut from the middle");
    let [first, last] = cuts[..] else {
        panic!("one piece: {cuts:?}");
    };
    assert_eq!(last, middle, "the piece from the middle comes last");
    // the first piece is the end of the datasets, and ends before the transfers' first entry
    let transfers = text.find("transfers:").expect("the transfers");
    assert_eq!(first.end, transfers);
    assert!(first.end < last.start);
    let helper = lines(&bytes[first.start..first.end]) + lines(&bytes[last.start..last.end]);
    let share = helper * 1000 / lines(bytes);
    assert!(
        (500..=540).contains(&share),
        "the helper has {share} per mille of the lines"
    );
    let split = split_with(&text, &cuts).expect("both cuts hold");
    assert_same(&serial(&text).expect("the text parses"), &split);
    let quick = fast_split(&text, &cuts).expect("the fast scanner reads it");
    assert_same(&split, &quick);
}

#[test]
fn a_piece_from_the_middle_with_half_the_lines_is_the_only_one() {
    // one long sequence: the cut from its middle has half the lines already
    let text = datasets(400, |_| String::new());
    let cuts = plan(text.as_bytes(), text.len() / 16).expect("a plan");
    assert_eq!(cuts.len(), 1, "{cuts:?}");
}

#[test]
fn a_second_piece_that_may_hold_an_anchor_is_dropped() {
    let text = pipeline(400, true);
    let cuts = plan(text.as_bytes(), text.len() / 16).expect("a plan");
    assert_eq!(cuts.len(), 1, "{cuts:?}");
    let loaded = super::super::super::load(Arc::from("f.yaml"), text.clone(), &opts(), None)
        .expect("the text loads");
    assert_same(&serial(&text).expect("the text parses"), &loaded);
}

#[test]
fn when_the_first_piece_does_not_hold_the_text_is_parsed_once() {
    // an error in the first piece: the helper refuses it, and one parse reports the error
    let text = pipeline(400, false).replacen("    size: 390\n", "    size: [390\n", 1);
    let cuts = plan(text.as_bytes(), text.len() / 16).expect("a plan");
    assert_eq!(cuts.len(), 2, "{cuts:?}");
    assert!(text[cuts[0].start..cuts[0].end].contains("[390"));
    assert!(
        split_with(&text, &cuts).is_none(),
        "a piece with an error held"
    );
    assert!(serial(&text).is_err());
}

#[test]
fn every_pair_of_cuts_of_the_shipped_yaml_files_holds_exactly_or_gives_up() {
    let (mut held, mut tried) = (0, 0);
    for path in shipped_yaml_files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(one) = serial(&text) else {
            continue;
        };
        let bytes = text.as_bytes();
        let cuts = every_cut(bytes);
        let pairs: Vec<[Cut; 2]> = cuts
            .iter()
            .flat_map(|&a| {
                cuts.iter()
                    .filter(move |b| a.end < b.start)
                    .map(move |&b| [a, b])
            })
            .collect();
        let step = pairs.len().div_ceil(40).max(1);
        for pair in pairs.into_iter().step_by(step) {
            tried += 1;
            match split_with(&text, &pair) {
                Some(split) => {
                    held += 1;
                    assert_same(&one, &split);
                }
                None => assert!(
                    pair.iter()
                        .any(|cut| may_have_anchors(&bytes[cut.start..cut.end])),
                    "{}: the cuts at bytes {} and {} did not hold",
                    path.display(),
                    pair[0].start,
                    pair[1].start
                ),
            }
        }
    }
    assert!(held * 2 > tried, "{held} of {tried} pairs held");
}
