//! pest errors turned into diagnostics a person can read: expected tokens in words, never rule names.

use pest::error::{ErrorVariant, InputLocation};

use super::grammar::Rule;
use super::lexical::Lexeme;
use crate::diagnostics::Diagnostic;
use crate::source::{SourceFile, Span};

/// What a grammar rule means to a reader, or `None` for rules that should not be named.
fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        ident | dotted => "a name",
        field_name => "a field name",
        number | count => "a number",
        date => "a date like `@2026-01-31`",
        string | template | str_chars | escape | tpl_chars => "a string",
        tpl_hole | tpl_lbrace | tpl_rbrace => "a template hole `{…}`",
        control_id => "a control id like `A.8.24`",
        expr | quantifier | disjunction | conjunction | negation | comparison | membership
        | coalesce | sum | product | unary | postfix | paren | list | object | dot | dot_field
        | op_neg => "an expression",
        field | projection | index | key_access | filter | call_args => "`.`, `[` or `(`",
        int_index => "an index",
        obj_entry => "an object member `\"key\": value`",
        kw_policy => "`policy`",
        kw_use | use_item => "`use`",
        kw_param | param_item => "`param`",
        kw_let | let_item | let_stmt => "`let`",
        kw_fn | fn_item => "`fn`",
        kw_rule | rule_item => "`rule`",
        kw_test | test_item => "`test`",
        kw_require | require_stmt => "`require`",
        kw_else => "`else`",
        kw_for | for_stmt => "`for`",
        kw_if | if_stmt => "`if`",
        kw_not => "`not`",
        kw_and => "`and`",
        kw_or => "`or`",
        kw_in => "`in`",
        kw_not_in => "`not in`",
        kw_matches => "`matches`",
        kw_true => "`true`",
        kw_false => "`false`",
        kw_null => "`null`",
        kw_facts | test_facts => "`facts`",
        kw_all | expect_all => "`all`",
        kw_any => "`any`",
        kw_none => "`none`",
        kw_title | meta_title => "`title`",
        kw_description | meta_description => "`description`",
        kw_remediation | meta_remediation => "`remediation`",
        kw_controls | meta_controls => "`controls`",
        kw_severity | meta_severity => "`severity`",
        kw_tags | meta_tags => "`tags`",
        kw_aspect | meta_aspect => "`aspect`",
        kw_whole => "`whole`",
        kw_when | meta_when => "`when`",
        kw_expect | test_expect => "`expect`",
        kw_params | test_params => "`params`",
        kw_file | facts_file => "`file`",
        kw_control | expect_control => "`control`",
        kw_pass => "`pass`",
        kw_schema | schema_item => "`schema`",
        block => "`{`",
        op_mul => "`*`",
        op_div => "`/`",
        op_mod => "`%`",
        op_add => "`+`",
        op_sub => "`-`",
        op_default => "`??`",
        op_eq => "`==`",
        op_ne => "`!=`",
        op_le => "`<=`",
        op_ge => "`>=`",
        op_lt => "`<`",
        op_gt => "`>`",
        EOI => "end of file",
        header => "`policy`",
        _ => return None,
    })
}

/// Turns a pest error into an `annexa::parse` diagnostic.
pub(super) fn to_diagnostic(error: &pest::error::Error<Rule>, file: &SourceFile) -> Diagnostic {
    let offset = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let text = file.text();
    let found = describe_found(text, offset);
    let span = found_span(text, offset);
    let mut expected: Vec<String> = Vec::new();
    match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            for rule in positives {
                if let Some(words) = describe(*rule) {
                    expected.push(words.to_string());
                }
            }
        }
        ErrorVariant::CustomError { message } => {
            if message.contains("limit reached") {
                return Diagnostic::error(
                    "annexa::too_deep",
                    "the policy nests too deeply to parse",
                    file,
                )
                .with_label(span, "nesting becomes too deep here")
                .with_help("policies nest at most 256 levels; split the expression with `let`");
            }
        }
    }
    if let Some(attempts) = error.parse_attempts()
        && attempts.max_position == offset
    {
        for token in attempts.expected_tokens() {
            // literal punctuation only; ranges print as `a..z` and built-ins as a rule name
            let token = token.to_string();
            let punctuation = token.chars().all(|c| c.is_ascii_punctuation());
            if punctuation && !token.is_empty() && token.len() <= 2 && token != "\\" {
                expected.push(format!("`{token}`"));
            }
        }
    }
    let expected = summarize(expected);
    let in_string = inside_string(text, offset);
    let found_text = text.get(span.start..span.end).unwrap_or("");
    // a few mistakes get their own words; everything else is "expected X, found Y"
    let (message, label) = if text.get(offset..).is_some_and(|r| r.starts_with('\\')) {
        let escape: String = text.get(offset..).unwrap_or("").chars().take(2).collect();
        (
            format!("invalid escape `{escape}` in a string"),
            "not a valid escape".to_string(),
        )
    } else if in_string && (found_text.is_empty() || found_text.starts_with(['\n', '\r'])) {
        (
            "unterminated string".to_string(),
            "the string needs a closing `\"` here".to_string(),
        )
    } else if in_string && found_text == "}" && !expected.iter().any(|e| e == "an expression") {
        (
            "a lone `}` in a template".to_string(),
            "write `}}` for a literal brace".to_string(),
        )
    } else if in_string && found_text == "}" {
        (
            "empty template hole `{}`".to_string(),
            "a hole needs an expression".to_string(),
        )
    } else if expected.is_empty() {
        (
            format!("unexpected {found}"),
            "not expected here".to_string(),
        )
    } else {
        (
            format!("expected {}, found {found}", join_or(&expected)),
            format!("expected {} here", join_or(&expected)),
        )
    };
    let mut diagnostic = Diagnostic::error("annexa::parse", message, file);
    // at the end of the file, point at the bracket that was never closed
    let closer = |bracket: char| match bracket {
        '(' => ')',
        '[' => ']',
        _ => '}',
    };
    let unclosed = unclosed_bracket(text, offset).filter(|(_, b)| {
        found_text.is_empty() && !in_string && expected.contains(&format!("`{}`", closer(*b)))
    });
    match unclosed {
        Some((at, bracket)) => {
            let close = closer(bracket);
            diagnostic = diagnostic
                .with_label(
                    Span::new(at, at + 1),
                    format!("this `{bracket}` is never closed"),
                )
                .with_help(format!("add the missing `{close}`"));
        }
        None => {
            diagnostic = diagnostic.with_label(span, label);
            if let Some(help) = help_for(text, offset, &expected, found_text, in_string) {
                diagnostic = diagnostic.with_help(help);
            }
        }
    }
    diagnostic
}

/// Folds pest's expected tokens into words: tokens that start an expression go into "an
/// expression", operators into "an operator", statement keywords into "a statement", metadata keys
/// into "rule metadata"; `#` (a comment is always possible) and `_` (a name start) are dropped.
fn summarize(mut expected: Vec<String>) -> Vec<String> {
    const EXPR_START: [&str; 8] = ["`\"`", "`(`", "`-`", "`.`", "`@`", "`[`", "`{`", "`!`"];
    const OPERATORS: [&str; 22] = [
        "`!=`",
        "`%`",
        "`*`",
        "`+`",
        "`-`",
        "`/`",
        "`<=`",
        "`<`",
        "`==`",
        "`>=`",
        "`>`",
        "`??`",
        "`and`",
        "`or`",
        "`in`",
        "`not in`",
        "`matches`",
        "`.`",
        "`[`",
        "`(`",
        "`.`, `[` or `(`",
        "`not`",
    ];
    const STATEMENTS: [&str; 4] = ["`require`", "`for`", "`if`", "`let`"];
    const META: [&str; 8] = [
        "`title`",
        "`description`",
        "`remediation`",
        "`controls`",
        "`severity`",
        "`tags`",
        "`aspect`",
        "`when`",
    ];
    expected.retain(|e| e != "`#`" && e != "`_`");
    let has = |list: &[String], e: &str| list.iter().any(|x| x == e);
    if has(&expected, "an expression") {
        expected.retain(|e| !EXPR_START.contains(&e.as_str()));
    }
    let mut groups = Vec::new();
    if expected
        .iter()
        .filter(|e| OPERATORS.contains(&e.as_str()))
        .count()
        >= 3
    {
        expected.retain(|e| !OPERATORS.contains(&e.as_str()));
        groups.push("an operator".to_string());
    }
    if expected
        .iter()
        .filter(|e| META.contains(&e.as_str()))
        .count()
        >= 3
    {
        expected.retain(|e| !META.contains(&e.as_str()));
        groups.push("rule metadata (`controls`, `severity`, …)".to_string());
    }
    if expected
        .iter()
        .filter(|e| STATEMENTS.contains(&e.as_str()))
        .count()
        >= 3
    {
        expected.retain(|e| !STATEMENTS.contains(&e.as_str()));
        groups.push("a statement".to_string());
    }
    if has(&expected, "a template hole `{…}`") {
        expected.retain(|e| !matches!(e.as_str(), "`{`" | "`{{`" | "`}}`" | "a string"));
    }
    expected.sort();
    expected.dedup();
    // words before the lone closing tokens: "an operator, `else` or `}`"
    let (punct, words): (Vec<String>, Vec<String>) =
        expected.into_iter().partition(|e| e.starts_with('`'));
    groups.extend(words);
    groups.extend(punct);
    groups
}

/// True when `offset` lies inside a string literal on its line (an odd number of unescaped `"`
/// before it).
fn inside_string(text: &str, offset: usize) -> bool {
    let before = text.get(..offset).unwrap_or("");
    let line = before.rsplit('\n').next().unwrap_or("");
    let mut inside = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if inside => {
                chars.next();
            }
            '"' => inside = !inside,
            '#' if !inside => return false,
            _ => {}
        }
    }
    inside
}

/// The innermost bracket still open at `offset` (strings and comments skipped).
fn unclosed_bracket(text: &str, offset: usize) -> Option<(usize, char)> {
    let mut stack = Vec::new();
    for lexeme in super::lexical::lexemes(text.get(..offset).unwrap_or("")) {
        match lexeme {
            Lexeme::Code(i, c @ ('(' | '[' | '{')) => stack.push((i, c)),
            Lexeme::Code(_, ')' | ']' | '}') => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token at `offset`, in words.
fn describe_found(text: &str, offset: usize) -> String {
    let rest = text.get(offset..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return "end of file".to_string();
    };
    if first == '\n' || first == '\r' {
        return "end of line".to_string();
    }
    if first.is_ascii_alphanumeric() || first == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect();
        return format!("`{word}`");
    }
    if first == '"' {
        return "a string".to_string();
    }
    if first.is_control() {
        return format!("the control character U+{:04X}", u32::from(first));
    }
    format!("`{first}`")
}

fn found_span(text: &str, offset: usize) -> Span {
    let rest = text.get(offset..).unwrap_or("");
    let len = match rest.chars().next() {
        None => 0,
        Some(c) if c.is_ascii_alphanumeric() || c == '_' => rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum(),
        Some(c) => c.len_utf8(),
    };
    Span::new(offset, offset + len)
}

/// Hints for mistakes people make often.
fn help_for(
    text: &str,
    offset: usize,
    expected: &[String],
    found: &str,
    in_string: bool,
) -> Option<String> {
    const RESERVED: [&str; 23] = [
        "policy", "use", "param", "let", "fn", "rule", "test", "require", "else", "for", "if",
        "not", "and", "or", "in", "matches", "all", "any", "none", "true", "false", "null",
        "facts",
    ];
    const META: [&str; 8] = [
        "title",
        "description",
        "remediation",
        "controls",
        "severity",
        "tags",
        "aspect",
        "when",
    ];
    let rest = text.get(offset..).unwrap_or("");
    let before = text.get(..offset).unwrap_or("");
    let expects = |e: &str| expected.iter().any(|x| x == e);
    let help = if rest.starts_with('\\') {
        "valid escapes are \\\" \\\\ \\n \\t \\r and \\u{…}"
    } else if in_string && (found.is_empty() || found.starts_with(['\n', '\r'])) {
        "strings cannot span lines; close the string with `\"` or write `\\n`"
    } else if in_string && found == "}" && before.trim_end().ends_with('{') {
        "a template hole needs an expression; write `{{` for a literal brace"
    } else if in_string && found == "}" {
        "in a template `}}` is a literal `}` and `{…}` holds an expression"
    } else if in_string {
        "a single `{` in a template opens a hole `{expression}`; write `{{` for a literal brace"
    } else if ["==", "!=", "<=", ">=", "<", ">"]
        .iter()
        .any(|op| rest.starts_with(op))
        && expects("an operator")
    {
        "comparisons do not chain: write `a < b and b < c`, or add parentheses"
    } else if (found == "in" || found == "matches" || rest.starts_with("not in"))
        && expects("an operator")
    {
        "`in`, `not in` and `matches` do not chain; add parentheses"
    } else if rest.starts_with('=') && !rest.starts_with("==") {
        "compare with `==`; `=` only appears in `let`, `param` and `fn`"
    } else if found == "schema" && expects("`rule`") {
        "`schema \"MODEL\"` comes right after the `policy` header, before any other item"
    } else if META.contains(&found) && expects("a statement") {
        return Some(format!(
            "rule metadata such as `{found}` comes before the first statement of the rule"
        ));
    } else if RESERVED.contains(&found) && expects("a name") {
        return Some(format!("`{found}` is a reserved word; choose another name"));
    } else if expected.iter().any(|e| e.starts_with("a control id")) {
        "a control id is one token with no spaces: `A.` and two numbers, like `A.8.24`"
    } else if rest.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        "names are lowercase: `[a-z_][a-z0-9_]*`"
    } else if expects("an expression") {
        return Some(match last_token(before) {
            Some(op) if is_operator(op) => format!("`{op}` needs an operand after it"),
            _ => "an expression is missing here".to_string(),
        });
    } else {
        return None;
    };
    Some(help.to_string())
}

/// The last non-blank token before `offset`, roughly: a run of punctuation or of word characters.
fn last_token(before: &str) -> Option<&str> {
    let trimmed = before.trim_end();
    let last = trimmed.chars().last()?;
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| {
            if word(last) {
                word(*c)
            } else {
                c.is_ascii_punctuation() && !matches!(c, '(' | ')' | '[' | ']' | '{' | '}' | '"')
            }
        })
        .last()
        .map_or(trimmed.len(), |(i, _)| i);
    trimmed.get(start..)
}

fn is_operator(token: &str) -> bool {
    matches!(
        token,
        "==" | "!="
            | "<"
            | "<="
            | ">"
            | ">="
            | "+"
            | "-"
            | "*"
            | "/"
            | "%"
            | "??"
            | "and"
            | "or"
            | "not"
            | "in"
            | "matches"
    )
}
