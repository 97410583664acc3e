use super::check::every_cut;
use super::cuts::*;
use super::*;
use crate::facts::assert_same_arena;

fn opts() -> LoadOptions {
    LoadOptions::default()
}

fn source(text: &str) -> Arc<SourceText> {
    Arc::new(SourceText::new(text.to_string()))
}

/// Whether the fast scanner may read `text`, as the loader decides it.
fn fast(text: &str) -> bool {
    super::super::fast::eligible(text.as_bytes())
}

/// One parse of `text`, on this thread, by saphyr: the reference.
fn serial(text: &str) -> Result<Loaded, String> {
    super::super::load_one(Arc::from("f.yaml"), source(text), &opts(), false, None)
        .map_err(|e| format!("{e:?}"))
}

/// The split parse of `text` at `cuts`, or `None` when a cut did not hold.
fn split_with(text: &str, cuts: &[Cut]) -> Option<Loaded> {
    load_cut(
        &Arc::from("f.yaml"),
        &source(text),
        &opts(),
        cuts,
        fast(text),
        &Default::default(),
    )
}

/// The production path of a text past the size threshold: cut where it finds a cut.
fn split_load(text: &str) -> Option<Loaded> {
    load(
        &Arc::from("f.yaml"),
        &source(text),
        &opts(),
        fast(text),
        &Default::default(),
    )
}

/// The cut at the line that holds `needle`: to its sequence's end.
fn cut_at(text: &str, needle: &str) -> Cut {
    let found = text.find(needle).expect("the needle is in the text");
    let start = text[..found].rfind('\n').map_or(0, |nl| nl + 1);
    let col = indent(text.as_bytes(), start, usize::MAX);
    assert!(is_entry(text.as_bytes(), start + col), "not an entry line");
    Cut {
        start,
        end: sequence_end(text.as_bytes(), start, col),
        col,
    }
}

fn assert_same(a: &Loaded, b: &Loaded) {
    assert_eq!(a.notes, b.notes);
    assert_eq!(a.documents.len(), b.documents.len());
    for (a, b) in a.documents.iter().zip(&b.documents) {
        assert_same_arena(a, b);
    }
}

/// A fact file of `n` datasets, each with a nested `access:` list; `extra(i)` adds lines to
/// dataset `i` (indented for its mapping).
fn datasets(n: usize, extra: impl Fn(usize) -> String) -> String {
    let mut text = String::from("pipeline:\n  name: \"p\"\ndatasets:\n");
    for i in 0..n {
        text.push_str(&format!(
            "  - name: \"ds-{i:04}\"\n    kind: training\n    size: {i}\n    access:\n      - principal: user-{i}\n        role: 'reader'\n      - principal: admin\n        mfa: true\n{}",
            extra(i)
        ));
    }
    text.push_str("transfers:\n  - id: t1\n    from: ds-0001\n");
    text
}

/// The cut found from `from` for pieces of at least `worth` bytes holds and builds the
/// arena of one parse.
fn holds(text: &str, from: usize, worth: usize) {
    let cut = find_cut(text.as_bytes(), from, worth).expect("no cut was found");
    let split = split_with(text, &[cut]).expect("the cut did not hold");
    assert_same(&serial(text).expect("the text parses"), &split);
    // the fast scanner's halves, when it reads them, are saphyr's
    if let Some(quick) = fast_split(text, &[cut]) {
        assert_same(&split, &quick);
    }
}

/// The split parse of `text` at `cuts` by the fast scanner alone: `None` when it bailed.
fn fast_split(text: &str, cuts: &[Cut]) -> Option<Loaded> {
    if !fast(text) {
        return None;
    }
    let bailed = AtomicBool::new(false);
    let reader = Reader {
        fast: true,
        bailed: &bailed,
    };
    let loaded = load_cut_with(
        &Arc::from("f.yaml"),
        &source(text),
        &opts(),
        cuts,
        reader,
        None,
    );
    // a cut that holds fails only where the scanner bails
    assert_eq!(
        loaded.is_none(),
        bailed.load(Ordering::Relaxed),
        "the fast scanner's cut failed without bailing"
    );
    loaded
}

/// The cut at `needle`'s line does not hold, and loading the text gives what one parse gives.
fn gives_up(text: &str, needle: &str) {
    assert!(
        split_with(text, &[cut_at(text, needle)]).is_none(),
        "the cut held"
    );
    let loaded = super::super::load(Arc::from("f.yaml"), text.to_string(), &opts(), None);
    match (serial(text), loaded) {
        (Ok(a), Ok(b)) => assert_same(&a, &b),
        (Err(a), Err(b)) => assert_eq!(a, format!("{b:?}")),
        (a, b) => panic!("one parse: {:?}, load: {:?}", a.is_ok(), b.is_ok()),
    }
}

/// [`holds`] with the smallest pieces (a nested `access:` list is cut) and with larger ones
/// (the datasets are).
fn holds_both(text: &str, from: usize) {
    for worth in [NESTED, TOP] {
        holds(text, from, worth);
    }
}

/// Nested lists (`access:`) are cut with the smallest pieces, the datasets with larger ones.
const NESTED: usize = 1;
const TOP: usize = 400;

#[test]
fn the_arena_of_a_split_parse_is_the_arena_of_one_parse() {
    let plain = datasets(200, |_| String::new());
    for from in [plain.len() / 3, plain.len() / 2, plain.len() * 9 / 10] {
        holds_both(&plain, from);
    }
    let cut = find_cut(plain.as_bytes(), plain.len() / 2, TOP).expect("a cut");
    assert!(
        fast_split(&plain, &[cut]).is_some(),
        "the fast scanner reads block-style YAML"
    );
    // tags, quoted and block scalars, merge keys of inline mappings, comments, empty values
    let varied = datasets(200, |i| match i % 6 {
        0 => "    ref: !Ref Bucket\n    note: |\n      line one\n      - not an entry\n".into(),
        1 => "    # a comment\n\n    doc: >-\n      folded\n      text\n".into(),
        2 => "    <<: {merged: yes, kind: other}\n".into(),
        3 => "    empty:\n".into(),
        4 => "    quoted: \"two\n      lines\"\n".into(),
        _ => "    list: [a, b, {c: d}]\n# a comment at column 0\n".into(),
    });
    for from in [varied.len() / 3, varied.len() / 2, varied.len() * 4 / 5] {
        holds_both(&varied, from);
    }
}

#[test]
fn characters_keys_and_line_ends_of_the_piece_are_placed_as_in_one_parse() {
    // non-ASCII text before and in the piece: places count characters
    let accents = datasets(100, |i| format!("    owner: \"équipe-{i} ✓\"\n"));
    holds_both(&accents, accents.len() / 2);
    // keys first met in the piece are numbered as one parse numbers them
    let late = datasets(100, |i| {
        if i > 60 {
            format!("    late_{}: {i}\n", i % 7)
        } else {
            String::new()
        }
    });
    holds_both(&late, late.len() / 2);
    let crlf = datasets(100, |_| String::new()).replace('\n', "\r\n");
    holds_both(&crlf, crlf.len() / 2);
}

#[test]
fn a_sequence_at_column_zero_and_one_in_a_later_document_split_as_one_parse() {
    let mut compact = String::from("datasets:\n");
    for i in 0..300 {
        compact.push_str(&format!("- name: d{i}\n  tags:\n  - a\n  - b\n"));
    }
    compact.push_str("after: 1\n");
    holds_both(&compact, compact.len() / 2);
    let mut root = String::new();
    for i in 0..300 {
        root.push_str(&format!("- {i}\n- [x, {i}]\n"));
    }
    holds_both(&root, root.len() / 2);
    let stream = format!(
        "first: 1\n---\n{}---\nlast: 2\n",
        datasets(200, |_| String::new())
    );
    holds_both(&stream, stream.len() / 2);
}

#[test]
fn kubernetes_octal_modes_in_the_piece_are_read_as_one_parse_reads_them() {
    let mut k8s = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..300 {
        k8s.push_str(&format!("  - name: v{i}\n    defaultMode: 0644\n"));
    }
    holds_both(&k8s, k8s.len() / 2);
}

/// The `extra` of [`datasets`] that adds `line` to dataset `at` only.
fn in_dataset(at: usize, line: &'static str) -> impl Fn(usize) -> String {
    move |i| {
        if i == at {
            line.to_string()
        } else {
            String::new()
        }
    }
}

#[test]
fn a_cut_inside_a_flow_collection_a_string_or_a_block_scalar_is_not_used() {
    // in the last dataset, so that what follows the piece closes the sequence at once
    let at = |line: &'static str| in_dataset(199, line);
    // an entry line inside a flow sequence that closes at column 0
    let flow = datasets(200, at("    flow: [a,\n  - b,\n]\n"));
    gives_up(&flow, "  - b,");
    // inside a double-quoted string that runs over lines less indented than its mapping
    let quoted = datasets(200, at("    q: \"start\n  - inside\nend\"\n"));
    gives_up(&quoted, "  - inside");
    // inside a top-level block scalar whose lines look like entries
    let mut block = String::from("text: |\n");
    for i in 0..400 {
        block.push_str(&format!("  - line {i}\n"));
    }
    block.push_str("  end\nafter: 1\n");
    gives_up(&block, "  - line 200");
    // the first entry of a sequence: the main parse never opens it
    gives_up(
        &datasets(200, |_| String::new()),
        "      - principal: user-150",
    );
}

#[test]
fn anchors_aliases_directives_and_errors_in_the_piece_leave_it_to_one_parse() {
    let at = |line: &'static str| in_dataset(180, line);
    let cut = "\"ds-0100\"";
    // an anchor the piece redefines, used after it
    let redefined = format!(
        "defaults: &d {{x: 1}}\n{}used: *d\n",
        datasets(200, at("    base: &d {x: 2}\n"))
    );
    gives_up(&redefined, cut);
    let alias = format!(
        "defaults: &d {{x: 1}}\n{}",
        datasets(200, at("    base: *d\n"))
    );
    gives_up(&alias, cut);
    let directive = format!(
        "%TAG !e! tag:example.com,2000:\n---\n{}",
        datasets(200, |_| String::new())
    );
    assert!(find_cut(directive.as_bytes(), directive.len() / 2, 1).is_none());
    gives_up(&datasets(200, at("    kind: again\n")), cut);
    gives_up(&datasets(200, at("    : [\n")), cut);
}

#[test]
fn a_piece_deeper_than_the_limit_is_left_to_one_parse() {
    let deep = |depth: usize| format!("    deep: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    let max = opts().max_depth;
    // datasets (1) > entry (2) > `deep` lists: the last level allowed, and one more
    let fits = datasets(100, |i| {
        if i == 80 {
            deep(max - 3)
        } else {
            String::new()
        }
    });
    assert!(serial(&fits).is_ok());
    let cut = cut_at(&fits, "\"ds-0050\"");
    assert_same(
        &serial(&fits).expect("parses"),
        &split_with(&fits, &[cut]).expect("holds"),
    );
    let over = datasets(100, |i| {
        if i == 80 {
            deep(max - 2)
        } else {
            String::new()
        }
    });
    assert!(serial(&over).is_err());
    gives_up(&over, "\"ds-0050\"");
}

#[test]
fn a_text_past_the_size_threshold_is_split_and_gives_the_arena_of_one_parse() {
    let text = datasets(8000, |i| format!("    region: \"eu-{}\"\n", i % 5));
    assert!(text.len() >= MIN_BYTES, "{}", text.len());
    let split = split_load(&text).expect("the cut did not hold");
    assert_same(&serial(&text).expect("parses"), &split);
}

#[test]
fn a_cut_skips_short_nested_sequences_and_ends_where_its_sequence_ends() {
    let text = "a:\n  - x: 1\n    l:\n      - 1\n      - 2\n  # c\n\n  - y: 2\n  - z: 3\n  - w: 4444444444\nb: 3\n";
    // a first entry (`- 1`, `- y` after a blank line) is never a cut: its sequence would
    // not be open in the main parse
    let nested = text.find("      - 2").unwrap_or(0);
    let entry = text.find("  - y").unwrap_or(0);
    let later = text.find("  - z").unwrap_or(0);
    let end = text.find("b: 3").unwrap_or(0);
    // the comment and the blank line belong to the nested list's piece, which ends at `- y`
    let whole = find_cut(text.as_bytes(), 0, 1).expect("a cut");
    assert_eq!(
        whole,
        Cut {
            start: nested,
            end: entry,
            col: 6
        }
    );
    // too short to be worth it: the next guess comes after it
    let cut = find_cut(text.as_bytes(), 0, entry - nested + 1).expect("a cut");
    assert_eq!(
        cut,
        Cut {
            start: later,
            end,
            col: 2
        }
    );
    assert_eq!(find_cut(text.as_bytes(), 0, end - later + 1), None);
}

/// Every YAML file the project ships (the real-world corpus and the other test inputs, the
/// examples, the packs' fixtures), cut at up to 40 of its entry lines: each cut either holds and gives the arena of one parse, or gives up.
#[test]
fn every_cut_of_the_shipped_yaml_files_holds_exactly_or_gives_up() {
    let (mut held, mut tried) = (0, 0);
    for path in &shipped_yaml_files() {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let Ok(one) = serial(&text) else {
            continue;
        };
        let bytes = text.as_bytes();
        let cuts = every_cut(bytes);
        let mut at = 0;
        while let Some(start) = documents::document_cut(bytes, at) {
            tried += 1;
            let split = documents::load_documents(
                &Arc::from("f.yaml"),
                &source(&text),
                &opts(),
                start,
                fast(&text),
            );
            if let Some(split) = split {
                held += 1;
                assert_same(&one, &split);
            }
            at = start;
        }
        let step = cuts.len().div_ceil(40).max(1);
        for cut in cuts.into_iter().step_by(step) {
            tried += 1;
            match split_with(&text, &[cut]) {
                Some(split) => {
                    held += 1;
                    assert_same(&one, &split);
                }
                // these files' entry lines are all plain block entries (none inside a string
                // or a block scalar): only an anchor or an alias in the piece may refuse one
                None => assert!(
                    may_have_anchors(&bytes[cut.start..cut.end]),
                    "{}: the cut at byte {} did not hold",
                    path.display(),
                    cut.start
                ),
            }
        }
    }
    assert!(held * 2 > tried, "{held} of {tried} cuts held");
}

/// The YAML files under tests/, examples/ and policies/.
fn shipped_yaml_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let is_yaml = |p: &std::path::Path| p.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let files: Vec<_> = ["tests", "examples", "policies"]
        .iter()
        .flat_map(|dir| crate::walk::files_under(&root.join(dir), is_yaml).expect("readable"))
        .collect();
    assert!(
        files.len() > 20,
        "the corpus was not found: {}",
        files.len()
    );
    files
}

/// A stream of `n` small documents: Kubernetes objects with anchors, octal modes, an empty
/// document every so often.
fn stream(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        if i % 50 == 7 {
            text.push_str("---\n# nothing here\n");
            continue;
        }
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  labels: &l {{app: a{i}}}\ndata:\n  copy: *l\n  mode: 0644\n  list:\n    - x\n    - y\n"
        ));
    }
    text
}

/// The stream cut at the first document start from `from`.
fn documents_at(text: &str, from: usize) -> Option<Loaded> {
    let start = documents::document_cut(text.as_bytes(), from).expect("a document start");
    documents_cut_at(text, start)
}

/// The stream cut at byte `start`, a document's start or not.
fn documents_cut_at(text: &str, start: usize) -> Option<Loaded> {
    documents::load_documents(
        &Arc::from("f.yaml"),
        &source(text),
        &opts(),
        start,
        fast(text),
    )
}

#[test]
fn a_stream_cut_between_documents_loads_as_one_parse() {
    let text = stream(400);
    for from in [1, text.len() / 3, text.len() / 2, text.len() - 200] {
        let split = documents_at(&text, from).expect("the cut did not hold");
        assert_same(&serial(&text).expect("parses"), &split);
    }
    // `---` must start the line and stand alone
    let text = "a: 1\n---x: 2\n --- 3\n---\nb: 4\n";
    assert_eq!(
        documents::document_cut(text.as_bytes(), 0),
        text.find("---\nb")
    );
    // the production path: past the size threshold, the stream is cut between documents
    let large = stream(8000);
    assert!(large.len() >= MIN_BYTES, "{}", large.len());
    let split = split_load(&large).expect("the cut held");
    assert_same(&serial(&large).expect("parses"), &split);
}

#[test]
fn a_stream_cut_inside_a_string_with_errors_or_past_the_alias_limit_is_left_to_one_parse() {
    let at = |text: &str, cut: &str| -> Option<Loaded> {
        let start = text.find(cut).expect("the cut is in the text");
        documents_cut_at(text, start)
    };
    let quoted = format!("{}a: \"x\n--- y\"\n{}", stream(20), stream(20));
    assert!(at(&quoted, "--- y").is_none());
    let broken = format!("{}a: [\n{}", stream(20), stream(20));
    let cut = broken.len() / 2 + broken[broken.len() / 2..].find("---").unwrap_or(0);
    assert!(at(&broken, &broken[cut..]).is_none());
    // each half within the limit of alias expansions, the two together past it
    let aliases = stream(40);
    let limit = LoadOptions {
        max_alias_expansions: 60,
        ..opts()
    };
    let start = documents::document_cut(aliases.as_bytes(), aliases.len() / 2).unwrap_or(0);
    assert!(serial(&aliases).is_ok(), "the default limit holds");
    let one = super::super::load_one(Arc::from("f.yaml"), source(&aliases), &limit, false, None);
    assert!(one.is_err(), "one parse is past the limit");
    assert!(
        documents::load_documents(
            &Arc::from("f.yaml"),
            &source(&aliases),
            &limit,
            start,
            fast(&aliases)
        )
        .is_none()
    );
    // a directive before the cut leaves the stream to one parse
    let mut tagged = String::from("%TAG !e! tag:example.com,2000:\n");
    for i in 0..8000 {
        tagged.push_str(&format!(
            "---\nkind: !e!thing k{i}\nlist:\n  - !e!item a\n  - b\n"
        ));
    }
    assert!(directives_before(tagged.as_bytes(), tagged.len() / 2));
    assert!(split_load(&tagged).is_none());
}

#[test]
fn a_piece_that_may_hold_an_anchor_or_an_alias_is_not_cut() {
    for (piece, may) in [
        ("  - a: &x 1\n", true),
        ("  - a: *x\n", true),
        ("  - [*x, 1]\n", true),
        ("  - {a: *x}\n", true),
        ("  - &x\n", true),
        ("  - arn:aws:s3:::bucket/*\n", false),
        ("  - \"a & b\"\n", false),
        ("  - 2 * 3\n", false),
        ("  - a&b\n", false),
    ] {
        assert_eq!(may_have_anchors(piece.as_bytes()), may, "{piece:?}");
    }
    // past the threshold, a text whose piece holds an alias is not cut at all
    let mut text = String::from("defaults: &d {x: 1}\nitems:\n");
    for i in 0..60_000 {
        text.push_str(&format!("  - name: n{i}\n    kind: entry\n"));
        if i == 50_000 {
            text.push_str("    base: *d\n");
        }
    }
    assert!(text.len() >= MIN_BYTES, "{}", text.len());
    assert!(split_load(&text).is_none());
    assert!(super::super::load(Arc::from("f.yaml"), text, &opts(), None).is_ok());
}

mod two_pieces;

#[test]
fn an_arena_reserved_in_advance_is_the_arena_of_one_reserved_here() {
    // a text split on two threads, a text of one parse, and a stream, whose first document
    // alone takes the reservation
    let split = datasets(20_000, |_| String::new());
    assert!(split.len() >= MIN_BYTES);
    for text in [split, datasets(50, |_| String::new()), stream(400)] {
        let load = |reservation| {
            super::super::load(Arc::from("f.yaml"), text.clone(), &opts(), reservation)
                .expect("parses")
        };
        let reserved = load(Some(Reservation::prefaulted(text.len())));
        assert_same(&load(None), &reserved);
        assert_same(&serial(&text).expect("parses"), &reserved);
    }
}
