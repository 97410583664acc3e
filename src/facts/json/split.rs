//! A large JSON text parsed on two threads.
//!
//! Fact files are mostly one long array of objects (`datasets`, `resource_changes`). While the
//! main thread parses from the start, a helper guesses a place halfway through where one
//! element of such an array ends and the next begins (`},{`), and parses the rest of that array
//! from there into its own arena. When the main parse reaches that exact place as the start
//! of an array element, it takes the helper's values in (positions shifted, keys interned
//! in the order they were met: the arena a single parse builds) and goes on after the array.
//! A guess is only ever used at a place the main parse proved to be an element start, and
//! parsing JSON from an element start depends on nothing before it, so a wrong guess (a `},{`
//! inside a string, or in a short nested array) costs the helper's time, never a different
//! document: the main parse then does all the work itself, and every error is found, and
//! reported, by it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use super::{ConvError, Converter};
use crate::facts::NodeId;
use crate::facts::build::Builder;

/// From this size on a JSON text is parsed on two threads: below it, a thread costs more than
/// half the parse.
pub(super) const MIN_BYTES: usize = 8 << 20;

/// The helper's guesses before it gives up (each a `},{` after the last array it finished).
const MAX_GUESSES: usize = 64;

/// The main parse's view of the helper.
pub(super) struct Pending<'t> {
    /// Where the helper's run of elements starts, once it has parsed enough of it to be worth
    /// waiting for (`usize::MAX` until then).
    start: &'t AtomicUsize,
    rest: Receiver<Option<Rest>>,
}

/// The elements the helper parsed: the rest of one array.
struct Rest {
    builder: Builder,
    roots: Vec<NodeId>,
    /// Just past the array's closing `]`.
    end: usize,
    /// One more than the deepest `depth` the helper reached, counted from the elements.
    deepest: usize,
}

/// [`Converter::convert`] of `text`, with a helper thread parsing the second half of its
/// longest array when it can.
pub(super) fn convert(
    text: &str,
    builder: Builder,
    max_depth: usize,
) -> (Result<NodeId, ConvError>, Builder) {
    let worth = (text.len() / 16).max(1 << 16);
    let (root, builder, _) = convert_from(text, builder, max_depth, text.len() / 2, worth, false);
    (root, builder)
}

/// [`convert`] with the helper's first guess at or after `from`, announced once it has parsed
/// `worth` bytes of it; also says whether its run was taken. `hold` makes the main parse start
/// only once the helper has announced a run or given up (tests: on a small text the main parse
/// would otherwise pass the place first).
fn convert_from(
    text: &str,
    builder: Builder,
    max_depth: usize,
    from: usize,
    worth: usize,
    hold: bool,
) -> (Result<NodeId, ConvError>, Builder, bool) {
    let start = AtomicUsize::new(usize::MAX);
    let stop = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    let (send, rest) = channel();
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("annexa-parse".into())
            .spawn_scoped(scope, || {
                parse_rest(text, from, worth, max_depth, &start, &stop, send);
                done.store(true, Ordering::Release);
            });
        while hold
            && helper.is_ok()
            && start.load(Ordering::Acquire) == usize::MAX
            && !done.load(Ordering::Acquire)
        {
            std::thread::yield_now();
        }
        let mut conv = Converter::new(text, 0, builder, max_depth);
        if helper.is_ok() {
            conv.split = Some(Pending {
                start: &start,
                rest,
            });
        }
        let root = conv.convert();
        // a run the main parse did not take (it passed the place first, or the guess was not
        // an element start) is not needed any more
        stop.store(true, Ordering::Relaxed);
        (root, conv.builder, conv.took_rest)
    })
}

/// The helper: guesses an element start at or after `from` and parses the rest of its array;
/// a run that ends soon was a short nested array, and the next guess comes after it (a level
/// up, in the usual shapes). Announces a run in `start` once it is long enough to be worth
/// waiting for, and then sends what it gave (`None` when it did not parse: the main parse
/// finds the error itself).
fn parse_rest(
    text: &str,
    from: usize,
    worth: usize,
    max_depth: usize,
    start: &AtomicUsize,
    stop: &AtomicBool,
    send: Sender<Option<Rest>>,
) {
    let bytes = text.as_bytes();
    let mut search = from;
    // wrong guesses together parse at most the rest of the text once more: a text made of
    // `},{` inside strings costs the helper one more parse, never many
    let mut budget = text.len().saturating_sub(from);
    for _ in 0..MAX_GUESSES {
        let Some(guess) = element_start(bytes, search) else {
            return;
        };
        let mut conv = Converter::new(
            text,
            guess,
            Builder::with_capacity(text.len() - guess),
            max_depth,
        );
        let mut roots = Vec::new();
        let mut announced = false;
        let ended = loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let parsed = conv
                .jiter
                .peek()
                .map_err(ConvError::Json)
                .and_then(|peek| conv.value(peek, crate::facts::NO_PARENT, None, 0));
            match parsed {
                Ok(root) => roots.push(root),
                Err(_) => break None,
            }
            if !announced && conv.index() - guess >= worth {
                start.store(guess, Ordering::Release);
                announced = true;
            }
            match conv.jiter.array_step() {
                Ok(Some(_)) => {}
                Ok(None) => break Some(conv.index()),
                Err(_) => break None,
            }
        };
        match (ended, announced) {
            (Some(end), true) => {
                let rest = Rest {
                    builder: conv.builder,
                    roots,
                    end,
                    deepest: conv.deepest,
                };
                let _ = send.send(Some(rest));
                return;
            }
            (None, true) => {
                let _ = send.send(None);
                return;
            }
            // a short array: guess again after it
            (Some(end), false) => search = end,
            (None, false) => search = guess + 1,
        }
        budget = match budget.checked_sub(conv.index() - guess) {
            Some(left) if left > 0 => left,
            _ => return,
        };
    }
}

/// The start of the next array element at or after `from` that follows an object element:
/// the `{` of `}` `,` `{` (whitespace allowed around the comma). A guess: the bytes may as
/// well be inside a string.
fn element_start(bytes: &[u8], from: usize) -> Option<usize> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut at = from;
    loop {
        let comma = at + memchr::memchr(b',', bytes.get(at..)?)?;
        let before = bytes.get(..comma)?.iter().rev().find(|b| !is_space(b));
        let after = bytes.get(comma + 1..)?.iter().position(|b| !is_space(b));
        if before == Some(&b'}')
            && let Some(offset) = after
            && bytes.get(comma + 1 + offset) == Some(&b'{')
        {
            return Some(comma + 1 + offset);
        }
        at = comma + 1;
    }
}

impl Converter<'_> {
    /// At the start of an element of array `array` (whose own `depth` is given): when the
    /// helper's run starts here, takes its elements in, goes on past the array's `]`, and says
    /// so; the array's elements are then complete.
    pub(super) fn take_rest(&mut self, array: NodeId, depth: usize) -> bool {
        let Some(pending) = &self.split else {
            return false;
        };
        if pending.start.load(Ordering::Acquire) != self.index() {
            return false;
        }
        let rest = pending.rest.recv().ok().flatten();
        self.split = None;
        let Some(rest) = rest else {
            return false;
        };
        // the helper counted depth from the elements; the limit is the whole text's
        if rest.deepest > 0 && rest.deepest + depth + 1 > self.max_depth {
            return false;
        }
        self.deepest = self.deepest.max(rest.deepest + depth + 1);
        for id in self.builder.append(rest.builder, &rest.roots, array) {
            self.builder.add_item(id);
        }
        self.jiter = jiter::Jiter::new(self.text.as_bytes().get(rest.end..).unwrap_or(&[]));
        self.base = rest.end;
        self.took_rest = true;
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::facts::error::ErrCtx;
    use crate::facts::lines::SourceText;
    use crate::facts::{Document, Place};
    use crate::source::SourceFile;

    const DEPTH: usize = 128;

    fn document(
        text: &str,
        root: Result<NodeId, ConvError>,
        builder: Builder,
    ) -> Result<Document, String> {
        let ctx = ErrCtx::new(SourceFile::new("t.json", text));
        match root {
            Ok(root) => Ok(builder.finish_with_text(
                Arc::from("t.json"),
                0,
                root,
                Arc::new(SourceText::new(text.to_string())),
                Place::Bytes,
            )),
            Err(e) => {
                // rendered with its source, so that the place is compared too
                let mut out = String::new();
                let error = e.into_error(&ctx, text, DEPTH);
                let handler = miette::GraphicalReportHandler::new_themed(
                    miette::GraphicalTheme::unicode_nocolor(),
                );
                handler
                    .render_report(&mut out, &error)
                    .map_err(|e| e.to_string())?;
                Err(out)
            }
        }
    }

    /// The text parsed on one thread and with a helper guessing from `from`; says whether the
    /// helper's run was taken.
    fn both(text: &str, from: usize) -> (Result<Document, String>, Result<Document, String>, bool) {
        let mut one = Converter::new(text, 0, Builder::with_capacity(text.len()), DEPTH);
        let root = one.convert();
        let serial = document(text, root, one.builder);
        let (root, builder, took) = convert_from(
            text,
            Builder::with_capacity(text.len()),
            DEPTH,
            from,
            64,
            true,
        );
        (serial, document(text, root, builder), took)
    }

    use crate::facts::assert_same_arena as assert_same;

    fn datasets(n: usize, extra: impl Fn(usize) -> serde_json::Value) -> serde_json::Value {
        let items: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                serde_json::json!({
                    "name": format!("ds-{i}"),
                    "access": [{"role": "a"}, {"role": "b", "mfa": i % 2 == 0}],
                    "note": format!("line\n{i} \u{e9}"),
                    "extra": extra(i),
                })
            })
            .collect();
        serde_json::json!({"pipeline": {"name": "p"}, "datasets": items, "after": [1, 2]})
    }

    #[test]
    fn the_arena_of_a_split_parse_is_the_arena_of_one_parse() {
        // keys first met in the second half, a large object there, escapes on both sides; the
        // first guess lands in a short nested array (`access`), the next one a level up
        let wide: serde_json::Map<String, serde_json::Value> = (0..40)
            .map(|k| (format!("k{k}"), serde_json::json!(k)))
            .collect();
        let value = datasets(400, |i| {
            if i > 300 {
                serde_json::json!({"late": i, "wide": wide, "Ref": "x"})
            } else {
                serde_json::json!(null)
            }
        });
        for text in [
            serde_json::to_string(&value).unwrap(),
            serde_json::to_string_pretty(&value).unwrap(),
        ] {
            let (serial, split, took) = both(&text, text.len() / 2);
            assert!(took, "the helper's run was not taken");
            assert_same(&serial.unwrap(), &split.unwrap());
        }
    }

    #[test]
    fn a_text_past_the_size_threshold_gives_the_arena_of_one_parse() {
        // the production path: `convert`, its own first guess and announcement size, no hold
        // (whether the main parse arrives first is a race; the arena is the same either way)
        let value = datasets(90_000, |i| serde_json::json!(i));
        let text = serde_json::to_string(&value).unwrap();
        assert!(text.len() >= MIN_BYTES, "{}", text.len());
        let mut one = Converter::new(&text, 0, Builder::with_capacity(text.len()), DEPTH);
        let root = one.convert();
        let serial = document(&text, root, one.builder);
        let (root, builder) = convert(&text, Builder::with_capacity(text.len()), DEPTH);
        assert_same(&serial.unwrap(), &document(&text, root, builder).unwrap());
    }

    #[test]
    fn a_guess_inside_a_string_changes_nothing() {
        let value = datasets(300, |i| serde_json::json!(format!("x}},{{\"y\": {i}}}")));
        let text = serde_json::to_string(&value).unwrap();
        // the first `},{` after the middle is inside a string
        let from = text.len() / 2;
        let in_string = text[from..].find("x},{").unwrap() + from + 1;
        let (serial, split, _) = both(&text, in_string);
        assert_same(&serial.unwrap(), &split.unwrap());
    }

    #[test]
    fn errors_past_the_split_are_the_errors_of_one_parse() {
        let value = datasets(300, |_| serde_json::json!(null));
        let good = serde_json::to_string(&value).unwrap();
        let at = good.len() * 3 / 4;
        let comma = good[at..].find(",\"note\"").unwrap() + at;
        let broken = [
            // a syntax error, a duplicate key, a value nested past the depth limit
            format!("{},{}", &good[..comma], &good[comma..]),
            format!("{},\"name\":\"again\"{}", &good[..comma], &good[comma..]),
            format!(
                "{},\"deep\":{}{}{}",
                &good[..comma],
                "[".repeat(DEPTH - 2),
                "]".repeat(DEPTH - 2),
                &good[comma..]
            ),
        ];
        for text in broken {
            let (serial, split, _) = both(&text, text.len() / 2);
            let serial = serial
                .err()
                .unwrap_or_else(|| panic!("one parse accepted it"));
            assert_eq!(Some(serial), split.err());
        }
        // past the array the helper parsed: the main parse goes on from its end, and its
        // errors still say where they are in the whole text
        let after = good.rfind("\"after\"").unwrap();
        let past = [
            good.replace("[1,2]}", "[1,2,]}"),
            format!("{}\"datasets\":0,{}", &good[..after], &good[after..]),
        ];
        for text in past {
            let (serial, split, took) = both(&text, text.len() / 2);
            assert!(took, "the helper's run was not taken");
            let serial = serial
                .err()
                .unwrap_or_else(|| panic!("one parse accepted it"));
            assert_eq!(Some(serial), split.err());
        }
    }

    #[test]
    fn an_element_start_follows_an_object_element() {
        let text = br#"[{"a": "},{"}, {"b": 1} ,
  {"c": [1,{}]}]"#;
        let find = |needle: &[u8]| text.windows(needle.len()).position(|w| w == needle);
        let in_string = find(b"},{\"}").map(|at| at + 2);
        let spaced = find(b"{\"b\"");
        let after_newline = find(b"{\"c\"");
        assert_eq!(element_start(text, 0), in_string);
        assert_eq!(element_start(text, in_string.unwrap() + 1), spaced);
        assert_eq!(element_start(text, spaced.unwrap() + 1), after_newline);
        // `1,{` follows no object
        assert_eq!(element_start(text, after_newline.unwrap() + 1), None);
    }
}
