//! pest errors turned into diagnostics a person can read: expected tokens in words, never rule names.

use pest::error::{ErrorVariant, InputLocation};

use super::grammar::Rule;
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
        kw_when | meta_when => "`when`",
        kw_expect | test_expect => "`expect`",
        kw_params | test_params => "`params`",
        kw_file | facts_file => "`file`",
        kw_control | expect_control => "`control`",
        kw_pass => "`pass`",
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
        && attempts.max_position == offset {
            for token in attempts.expected_tokens() {
                // literal punctuation only; ranges print as `a..z` and built-ins as a rule name
                let token = token.to_string();
                let punctuation = token.chars().all(|c| c.is_ascii_punctuation());
                if punctuation && !token.is_empty() && token.len() <= 2 && token != "\\" {
                    expected.push(format!("`{token}`"));
                }
            }
        }
    expected.sort();
    expected.dedup();
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    let label = if expected.is_empty() {
        "not expected here".to_string()
    } else {
        format!("expected {} here", join_or(&expected))
    };
    let mut diagnostic = Diagnostic::error("annexa::parse", message, file).with_label(span, label);
    if let Some(help) = help_for(text, offset) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
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
fn help_for(text: &str, offset: usize) -> Option<&'static str> {
    let rest = text.get(offset..).unwrap_or("");
    let before = text.get(..offset).unwrap_or("");
    if rest.starts_with('\\') {
        return Some("valid escapes are \\\" \\\\ \\n \\t \\r and \\u{…}");
    }
    if rest.is_empty() && before.matches('"').count() % 2 == 1 {
        return Some("a string is missing its closing `\"`");
    }
    if (rest.starts_with('\n') || rest.starts_with('\r')) && before.rsplit('\n').next().is_some_and(|l| l.matches('"').count() % 2 == 1) {
        return Some("strings cannot span lines; close the string with `\"` or use `\\n`");
    }
    if rest.starts_with('}') && before.trim_end().ends_with('{') {
        return Some("a template hole needs an expression; write `{{` for a literal brace");
    }
    if rest.starts_with('=') && !rest.starts_with("==") {
        return Some("compare with `==`; `=` only appears in `let`, `param` and `fn`");
    }
    if rest.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        return Some("names are lowercase: `[a-z_][a-z0-9_]*`");
    }
    None
}
