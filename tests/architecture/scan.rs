//! A small Rust scanner, just enough to find the module paths a source file names: comments,
//! string and character literals are skipped, `#[cfg(test)]` items are left out, and every path
//! that starts with `crate::`, `super::` or `self::` (use trees included) is reported with its
//! line. Paths inside macro invocations count too, which a syntax-tree walk would miss.

/// A token: an identifier or keyword, or one punctuation character (`::` is one token).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Punct(&'static str),
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

/// What a file names: its paths (as written, `super` and `self` unresolved) and the child
/// modules it declares under `#[cfg(test)]`.
#[derive(Debug, Default)]
pub struct Scanned {
    /// `(line, segments)`, e.g. `(3, ["crate", "eval", "report"])`.
    pub paths: Vec<(usize, Vec<String>)>,
    /// `#[cfg(test)] mod NAME;` declarations: files that are test code.
    pub test_modules: Vec<String>,
}

const PUNCTS: &[&str] = &[
    "#", "[", "]", "(", ")", "{", "}", ";", ",", "*", "$", "!", "<",
];

fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = at(i);
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && at(i) != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            loop {
                if i >= chars.len() {
                    break;
                }
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(at(i) == '\n');
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_string(&chars, i + 1, &mut line);
        } else if c == '\'' {
            // a character literal ('a', '\n', '\u{1F600}') or a lifetime ('a)
            if at(i + 1) == '\\' {
                i += 3;
                while i < chars.len() && at(i) != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while at(i).is_alphanumeric() || at(i) == '_' {
                i += 1;
            }
            let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
            let raw_prefix = matches!(word.as_str(), "r" | "b" | "br" | "c" | "cr");
            if raw_prefix && (at(i) == '"' || (at(i) == '#' && matches!(at(i + 1), '"' | '#'))) {
                i = skip_raw_string(&chars, i, &mut line);
            } else if word == "r" && at(i) == '#' {
                // a raw identifier: `r#type`
                i += 1;
            } else {
                out.push(Token {
                    tok: Tok::Ident(word),
                    line,
                });
            }
        } else if c.is_ascii_digit() {
            while at(i).is_alphanumeric() || at(i) == '_' {
                i += 1;
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push(Token {
                tok: Tok::Punct("::"),
                line,
            });
            i += 2;
        } else {
            let punct = PUNCTS.iter().find(|p| p.starts_with(c)).copied();
            out.push(Token {
                tok: Tok::Punct(punct.unwrap_or(".")),
                line,
            });
            i += 1;
        }
    }
    out
}

/// Skips a `"…"` body from just after its opening quote.
fn skip_string(chars: &[char], mut i: usize, line: &mut usize) -> usize {
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => {
                *line += usize::from(c == '\n');
                i += 1;
            }
        }
    }
    i
}

/// Skips a raw string from its `#`s or opening quote (the `r`/`b` prefix already read).
fn skip_raw_string(chars: &[char], mut i: usize, line: &mut usize) -> usize {
    let mut hashes = 0;
    while chars.get(i) == Some(&'#') {
        hashes += 1;
        i += 1;
    }
    if hashes == 0 {
        // b"…" and c"…" have escapes; r"…" has none, but cannot hold a `"` either
        return skip_string(chars, i + 1, line);
    }
    i += 1;
    while let Some(&c) = chars.get(i) {
        *line += usize::from(c == '\n');
        i += 1;
        if c == '"' && (0..hashes).all(|k| chars.get(i + k) == Some(&'#')) {
            return i + hashes;
        }
    }
    i
}

fn is(tokens: &[Token], i: usize, want: &Tok) -> bool {
    tokens.get(i).is_some_and(|t| &t.tok == want)
}

fn ident(tokens: &[Token], i: usize) -> Option<&str> {
    match tokens.get(i).map(|t| &t.tok) {
        Some(Tok::Ident(name)) => Some(name),
        _ => None,
    }
}

/// Whether tokens `i..` are exactly `# [ cfg ( test ) ]`.
fn is_cfg_test(tokens: &[Token], i: usize) -> bool {
    let want = [
        Tok::Punct("#"),
        Tok::Punct("["),
        Tok::Ident("cfg".into()),
        Tok::Punct("("),
        Tok::Ident("test".into()),
        Tok::Punct(")"),
        Tok::Punct("]"),
    ];
    want.iter().enumerate().all(|(k, t)| is(tokens, i + k, t))
}

/// The index just past the bracketed group that opens at `i`.
fn skip_group(tokens: &[Token], mut i: usize) -> usize {
    let mut depth = 0usize;
    while let Some(t) = tokens.get(i) {
        i += 1;
        match t.tok {
            Tok::Punct("(" | "[" | "{") => depth += 1,
            Tok::Punct(")" | "]" | "}") => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    i
}

/// The index just past the item starting at `i` (after its attributes): up to a `;` or the end
/// of its first `{…}` at the item's own depth.
fn skip_item(tokens: &[Token], mut i: usize) -> usize {
    let mut depth = 0usize;
    while let Some(t) = tokens.get(i) {
        i += 1;
        match t.tok {
            Tok::Punct("(" | "[" | "{") => depth += 1,
            Tok::Punct(")" | "]") => depth = depth.saturating_sub(1),
            Tok::Punct("}") => {
                depth = depth.saturating_sub(1);
                // a `(…)` or `[…]` closing at depth 0 (a signature, an array type) does not end
                // the item: only its body's brace does
                if depth == 0 {
                    return i;
                }
            }
            Tok::Punct(";") if depth == 0 => return i,
            _ => {}
        }
    }
    i
}

/// Reads a path or use tree from `i` into `out` (one entry per leaf) and returns the index past
/// it.
fn path_tree(
    tokens: &[Token],
    mut i: usize,
    mut prefix: Vec<String>,
    line: usize,
    out: &mut Vec<(usize, Vec<String>)>,
) -> usize {
    loop {
        if let Some(name) = ident(tokens, i) {
            prefix.push(name.to_string());
            i += 1;
            if is(tokens, i, &Tok::Punct("::")) {
                i += 1;
                continue;
            }
        } else if is(tokens, i, &Tok::Punct("{")) {
            i += 1;
            while i < tokens.len() && !is(tokens, i, &Tok::Punct("}")) {
                let line = tokens.get(i).map_or(line, |t| t.line);
                i = path_tree(tokens, i, prefix.clone(), line, out);
                if is(tokens, i, &Tok::Punct(",")) {
                    i += 1;
                } else if !is(tokens, i, &Tok::Punct("}")) {
                    // `x as y`: skip to the next element
                    i += 1;
                }
            }
            return i + 1;
        }
        out.push((line, prefix));
        return i;
    }
}

/// Scans one file.
pub fn scan(text: &str) -> Scanned {
    let tokens = tokenize(text);
    let mut scanned = Scanned::default();
    let mut i = 0;
    while let Some(t) = tokens.get(i) {
        if is_cfg_test(&tokens, i) {
            let mut j = i + 7;
            while is(&tokens, j, &Tok::Punct("#")) && is(&tokens, j + 1, &Tok::Punct("[")) {
                j = skip_group(&tokens, j + 1);
            }
            let vis = usize::from(ident(&tokens, j) == Some("pub"));
            if ident(&tokens, j + vis) == Some("mod")
                && is(&tokens, j + vis + 2, &Tok::Punct(";"))
                && let Some(name) = ident(&tokens, j + vis + 1)
            {
                scanned.test_modules.push(name.to_string());
            }
            i = skip_item(&tokens, j);
            continue;
        }
        let starts_path = matches!(ident(&tokens, i), Some("crate" | "super" | "self"))
            && is(&tokens, i + 1, &Tok::Punct("::"))
            && !(i > 0 && is(&tokens, i - 1, &Tok::Punct("::")));
        if starts_path {
            i = path_tree(&tokens, i, Vec::new(), t.line, &mut scanned.paths);
        } else {
            i += 1;
        }
    }
    scanned
}

#[cfg(test)]
mod tests {
    use super::scan;

    fn paths(text: &str) -> Vec<(usize, String)> {
        scan(text)
            .paths
            .into_iter()
            .map(|(line, p)| (line, p.join("::")))
            .collect()
    }

    #[test]
    fn use_trees_expand_to_one_path_per_leaf_on_its_own_line() {
        let text = "use crate::{\n    a::B,\n    c::{self, d::*},\n};\nfn f() { super::x::y(); }";
        assert_eq!(
            paths(text),
            vec![
                (2, "crate::a::B".to_string()),
                (3, "crate::c::self".to_string()),
                (3, "crate::c::d".to_string()),
                (5, "super::x::y".to_string()),
            ]
        );
    }

    #[test]
    fn comments_strings_and_test_items_name_nothing() {
        let text = "// crate::a::b\n/* crate::c /* nested */ crate::d */\nconst S: &str = \"crate::e\";\n\
            const R: &str = r#\"crate::f \"quoted\"\"#;\nconst C: char = '\"';\nconst Q: char = '\\'';\nfn g<'a>(x: &'a str) {}\n\
            #[cfg(test)]\nmod tests { use crate::h; fn t() { crate::i(); } }\n\
            #[cfg(test)]\n#[allow(dead_code)]\nfn only_in_tests() { crate::j(); }\n\
            #[cfg(test)]\nmod more;\nuse crate::k;\n";
        let scanned = scan(text);
        assert_eq!(paths(text), vec![(15, "crate::k".to_string())]);
        assert_eq!(scanned.test_modules, vec!["more".to_string()]);
    }

    #[test]
    fn a_path_inside_a_macro_counts_but_the_tail_of_another_path_does_not() {
        assert_eq!(
            paths("fn f() { format!(\"{}\", crate::a::b()); x::self::y; }"),
            vec![(1, "crate::a::b".to_string())]
        );
    }
}
