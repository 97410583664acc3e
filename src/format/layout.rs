//! The canonical layout: items, rule bodies and test blocks line by line, expressions through the
//! pretty printer of [`super::doc`], comments put back beside the lines they belonged to.

use super::MAX_WIDTH;
use super::doc::{Doc, INDENT, cat, nest, render, text};
use crate::ast::*;
use crate::source::Span;

mod exprs;

use exprs::quote;

pub(super) struct Layout<'m> {
    module: &'m Module,
    text: &'m str,
    comments: Vec<Comment>,
    used: Vec<bool>,
    out: String,
    indent: usize,
    /// Nothing was printed since the last `{` (no blank line goes here).
    at_block_start: bool,
    /// The end, in the source, of what was printed last (code or comment).
    last_src_end: usize,
    /// The end, in the source, of the code on the last printed line, when that line is code
    /// without a comment yet: a comment on the same source line trails it.
    last_code_end: Option<usize>,
    /// A blank line goes before the next line printed.
    want_blank: bool,
    /// Object keys that are names print bare (in a test's `facts`).
    bare_keys: bool,
}

impl<'m> Layout<'m> {
    pub(super) fn new(module: &'m Module) -> Layout<'m> {
        let comments = module.comments.clone();
        Layout {
            module,
            text: module.source.text(),
            used: vec![false; comments.len()],
            comments,
            out: String::new(),
            indent: 0,
            at_block_start: true,
            last_src_end: 0,
            last_code_end: None,
            want_blank: false,
            bare_keys: false,
        }
    }

    pub(super) fn run(mut self) -> String {
        let module = self.module;
        if let Some(h) = &module.header {
            let mut line = format!("policy {}", h.name.text());
            if let Some(t) = &h.title {
                line.push(' ');
                line.push_str(&quote(&t.value));
            }
            self.unit(h.span, self.end(h.span), text(line));
        }
        if let Some(s) = &module.schema {
            // directly under the header: together they say what the file is and what it reads
            self.want_blank = false;
            let line = format!("schema {}", quote(&s.model.value));
            self.unit(s.span, self.end(s.span), text(line));
        }
        let mut previous: Option<(&Item, usize)> = None;
        for item in &module.items {
            self.want_blank = match previous {
                None => module.header.is_some() || module.schema.is_some(),
                Some((prev, lines)) => !keeps_together(prev, lines, item),
            };
            let before = self.out.len();
            self.item(item);
            let lines = self.out[before..]
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .count();
            previous = Some((item, lines));
        }
        self.want_blank = false;
        self.flush_before(self.text.len());
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        self.out
    }

    // ------------------------------------------------------------ lines and comments

    fn same_line(&self, a: usize, b: usize) -> bool {
        a <= b && !self.text.get(a..b).unwrap_or("\n").contains('\n')
    }

    /// Whether the source has an empty line between `a` and `b`.
    fn blank_between(&self, a: usize, b: usize) -> bool {
        if a >= b {
            return false;
        }
        let gap = self.text.get(a..b).unwrap_or("");
        // a line strictly between the first and the last is blank
        let mut lines = gap.split('\n').skip(1).peekable();
        let mut blank = false;
        while let Some(line) = lines.next() {
            if lines.peek().is_some() && line.trim().is_empty() {
                blank = true;
            }
        }
        blank
    }

    /// Starts a printed line for something at `src` in the source (a blank line first when
    /// asked for, or when the source had one there).
    fn begin_line(&mut self, src: Option<usize>) {
        let blank =
            self.want_blank || src.is_some_and(|s| self.blank_between(self.last_src_end, s));
        if blank && !self.at_block_start && !self.out.is_empty() {
            self.out.push('\n');
        }
        self.want_blank = false;
        self.at_block_start = false;
        self.out.extend(std::iter::repeat_n(' ', self.indent));
    }

    fn comment_text(&self, i: usize) -> String {
        let text = self.comments.get(i).map_or("", |c| c.text.trim_end());
        format!("#{text}")
    }

    /// The span of comment `i`.
    fn comment_span(&self, i: usize) -> Span {
        self.comments.get(i).map_or(Span::default(), |c| c.span)
    }

    fn is_used(&self, i: usize) -> bool {
        self.used.get(i).copied().unwrap_or(true)
    }

    /// Marks comment `i` printed; the source position moves past it.
    fn mark_used(&mut self, i: usize) {
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        self.last_src_end = self.comment_span(i).end;
    }

    /// The comments not printed yet that start in `[a, b)`, in order.
    fn pending(&self, a: usize, b: usize) -> Vec<usize> {
        (0..self.comments.len())
            .filter(|&i| {
                let s = self.comment_span(i).start;
                !self.is_used(i) && a <= s && s < b
            })
            .collect()
    }

    fn own_line_comment(&mut self, i: usize, keep_blank: bool) {
        let start = self.comment_span(i).start;
        self.begin_line(keep_blank.then_some(start));
        let c = self.comment_text(i);
        self.out.push_str(&c);
        self.out.push('\n');
        self.mark_used(i);
        self.last_code_end = None;
    }

    /// Prints the comments before `pos` not printed yet: at the end of the last line when they
    /// trailed it in the source, on their own lines otherwise.
    fn flush_before(&mut self, pos: usize) {
        for i in self.pending(0, pos) {
            let start = self.comment_span(i).start;
            match self.last_code_end {
                Some(end) if self.same_line(end, start) && self.out.ends_with('\n') => {
                    self.out.pop();
                    let c = self.comment_text(i);
                    self.out.push_str("  ");
                    self.out.push_str(&c);
                    self.out.push('\n');
                    self.mark_used(i);
                    self.last_code_end = None;
                }
                _ => self.own_line_comment(i, true),
            }
        }
    }

    /// Comments inside `[start, end)` the printed document did not place: printed on their own
    /// lines before it.
    fn hoist(&mut self, start: usize, end: usize) {
        for i in self.pending(start, end) {
            self.own_line_comment(i, false);
        }
    }

    /// Takes the comments starting in `[a, b)` not placed yet.
    fn take(&mut self, a: usize, b: usize) -> Vec<usize> {
        let found = self.pending(a, b);
        for &i in &found {
            if let Some(u) = self.used.get_mut(i) {
                *u = true;
            }
        }
        found
    }

    fn any_comment(&self, a: usize, b: usize) -> bool {
        !self.pending(a, b).is_empty()
    }

    /// Prints one unit (an item line, a metadata line, a statement or a block header) that
    /// covers `span` in the source; its code ends at `code_end`.
    fn unit(&mut self, span: Span, code_end: usize, doc: Doc) {
        self.flush_before(span.start);
        let end = self.end(span);
        self.hoist(span.start, end.max(code_end));
        self.begin_line(Some(span.start));
        render(&doc, self.indent, self.indent, MAX_WIDTH, &mut self.out);
        self.out.push('\n');
        self.last_src_end = code_end;
        self.last_code_end = Some(code_end);
    }

    /// Where the code of `span` ends: spans of rules that end with an optional part take the
    /// whitespace and comments after them along.
    fn end(&self, span: Span) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = span.end.min(bytes.len());
        loop {
            while end > span.start
                && matches!(bytes.get(end - 1), Some(b' ' | b'\t' | b'\r' | b'\n'))
            {
                end -= 1;
            }
            match self
                .comments
                .iter()
                .find(|c| c.span.start >= span.start && c.span.start < end && end <= c.span.end)
            {
                Some(c) => end = c.span.start,
                None => return end,
            }
        }
    }

    /// The first position at or after `pos` that is neither whitespace nor comment.
    fn next_code(&self, mut pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        loop {
            match bytes.get(pos) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => pos += 1,
                Some(b'#') => match self.module.comments.iter().find(|c| c.span.start == pos) {
                    Some(c) => pos = c.span.end,
                    None => return pos,
                },
                _ => return pos,
            }
        }
    }

    /// Prints the statements of a block and its closing brace at `close` (the `{` line is
    /// printed already).
    fn block(&mut self, stmts: &[Stmt], close: usize) {
        self.indent += INDENT;
        self.at_block_start = true;
        // nested `if`/`for` blocks recurse here, not through the expression layout
        crate::source::grow_stack(|| {
            for s in stmts {
                self.stmt(s);
            }
        });
        self.flush_before(close);
        self.indent -= INDENT;
        self.close(close, "}");
    }

    fn close(&mut self, close: usize, line: &str) {
        self.at_block_start = false;
        self.want_blank = false;
        self.out.extend(std::iter::repeat_n(' ', self.indent));
        self.out.push_str(line);
        self.out.push('\n');
        self.last_src_end = close + 1;
        self.last_code_end = Some(close + 1);
    }

    // ------------------------------------------------------------ items

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(u) => {
                let doc = text(format!("use {}", u.path.text()));
                self.unit(u.span, self.end(u.span), doc);
            }
            Item::Param(b) => self.binding("param", b),
            Item::Let(b) => self.binding("let", b),
            Item::Fn(f) => {
                let params: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
                let head = format!("fn {}({}) = ", f.name.name, params.join(", "));
                let body = self.expr(&f.body, 0, true);
                self.unit(f.span, self.end(f.span), cat(vec![text(head), body]));
            }
            Item::Rule(r) => self.rule(r),
            Item::Test(t) => self.test(t),
            Item::Scope(sc) => {
                let value = self.expr(&sc.expr, 0, true);
                self.unit(sc.span, self.end(sc.span), cat(vec![text("scope "), value]));
            }
        }
    }

    fn binding(&mut self, keyword: &str, b: &Binding) {
        let value = self.expr(&b.value, 0, true);
        let doc = cat(vec![text(format!("{keyword} {} = ", b.name.name)), value]);
        self.unit(b.span, self.end(b.span), doc);
    }

    fn rule(&mut self, r: &RuleItem) {
        let close = self.end(r.span).saturating_sub(1);
        let head_end = self.end(r.name.span);
        if r.meta.is_empty() && r.body.is_empty() && !self.any_comment(head_end, close) {
            let doc = text(format!("rule {} {{}}", r.name.name));
            self.unit(r.span, self.end(r.span), doc);
            return;
        }
        let doc = text(format!("rule {} {{", r.name.name));
        self.unit(Span::new(r.span.start, head_end), head_end, doc);
        self.indent += INDENT;
        self.at_block_start = true;
        for m in &r.meta {
            let doc = self.meta(m);
            self.unit(m.span, self.end(m.span), doc);
        }
        for s in &r.body {
            self.stmt(s);
        }
        self.flush_before(close);
        self.indent -= INDENT;
        self.close(close, "}");
    }

    fn meta(&mut self, m: &Meta) -> Doc {
        if let MetaValue::Expr(e) = &m.value {
            let value = self.expr(e, 0, true);
            return cat(vec![text(format!("{} ", m.key.as_str())), value]);
        }
        let value = match &m.value {
            MetaValue::Template(t) => self.template(t),
            MetaValue::Controls(ids) => {
                let ids: Vec<&str> = ids.iter().map(|c| c.id.as_str()).collect();
                ids.join(", ")
            }
            MetaValue::Severity(s) => s.name.clone(),
            MetaValue::Tags(tags) => {
                let tags: Vec<String> = tags.iter().map(|t| quote(&t.value)).collect();
                tags.join(", ")
            }
            MetaValue::Aspect(Some(aspect)) => quote(&aspect.value),
            MetaValue::Aspect(None) => "whole".to_string(),
            MetaValue::When(names) => {
                let names: Vec<String> = names.iter().map(Dotted::text).collect();
                names.join(", ")
            }
            MetaValue::Expr(_) => String::new(),
        };
        text(format!("{} {value}", m.key.as_str()))
    }

    fn test(&mut self, t: &TestItem) {
        let close = self.end(t.span).saturating_sub(1);
        let head_end = self.end(t.name.span);
        let name = quote(&t.name.value);
        let empty = t.facts.is_none() && t.params.is_empty() && t.expects.is_empty();
        if empty && !self.any_comment(head_end, close) {
            self.unit(t.span, self.end(t.span), text(format!("test {name} {{}}")));
            return;
        }
        self.unit(
            Span::new(t.span.start, head_end),
            head_end,
            text(format!("test {name} {{")),
        );
        self.indent += INDENT;
        self.at_block_start = true;
        match &t.facts {
            Some(TestFacts::Inline(e)) => {
                self.bare_keys = true;
                let value = self.expr(e, 0, true);
                self.bare_keys = false;
                self.unit(e.span, self.end(e.span), cat(vec![text("facts "), value]));
            }
            Some(TestFacts::File(f)) => {
                let doc = text(format!("facts file {}", quote(&f.value)));
                self.unit(f.span, self.end(f.span), doc);
            }
            None => {}
        }
        if let (Some(first), Some(last)) = (t.params.first(), t.params.last()) {
            let span = Span::new(first.0.span.start, self.end(last.1.span));
            let mut entries = Vec::new();
            for (name, value) in &t.params {
                let v = self.expr(value, 0, true);
                let entry_span = Span::new(name.span.start, self.end(value.span));
                entries.push((entry_span, cat(vec![text(format!("{}: ", name.text())), v])));
            }
            let seq = self.seq(("{", "}"), span.start, span.end, entries, true);
            self.unit(span, span.end, cat(vec![text("params "), seq]));
        }
        for e in &t.expects {
            let line = match &e.target {
                ExpectTarget::All => "expect all pass".to_string(),
                ExpectTarget::Rule(r) => {
                    let mut l = format!("expect {} {}", r.text(), e.status.name);
                    if let Some(n) = e.count {
                        l.push_str(&format!(" {n}"));
                    }
                    l
                }
                ExpectTarget::Control(c) => format!("expect control {} {}", c.id, e.status.name),
            };
            self.unit(e.span, self.end(e.span), text(line));
        }
        self.flush_before(close);
        self.indent -= INDENT;
        self.close(close, "}");
    }

    // ------------------------------------------------------------ statements

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Require {
                cond,
                message,
                span,
            } => {
                let c = self.expr(cond, 0, true);
                let doc = match message {
                    None => cat(vec![text("require "), c]),
                    Some(t) => {
                        let message = self.template(t);
                        let one_line = cat(vec![
                            text("require "),
                            c.clone(),
                            text(format!(" else {message}")),
                        ]);
                        let fits = one_line
                            .flat()
                            .is_some_and(|l| self.indent + l.chars().count() <= MAX_WIDTH);
                        if fits {
                            one_line
                        } else {
                            let more = nest(cat(vec![Doc::Hard, text(format!("else {message}"))]));
                            cat(vec![text("require "), c, more])
                        }
                    }
                };
                self.unit(*span, self.end(*span), doc);
            }
            Stmt::Let(b) => self.binding("let", b),
            Stmt::For {
                var,
                iter,
                body,
                span,
            } => {
                let it = self.expr(iter, 0, true);
                let close = self.end(*span).saturating_sub(1);
                let head = Span::new(span.start, self.end(iter.span));
                let open = cat(vec![text(format!("for {} in ", var.name)), it]);
                if body.is_empty() && !self.any_comment(self.end(iter.span), close) {
                    self.unit(*span, self.end(*span), cat(vec![open, text(" {}")]));
                } else {
                    self.unit(head, self.end(iter.span), cat(vec![open, text(" {")]));
                    self.block(body, close);
                }
            }
            Stmt::If { .. } => self.if_stmt(s, None),
        }
    }

    /// `if … { … } [else …]`; `prefix` is the `}` of the enclosing `if` for `} else if`.
    fn if_stmt(&mut self, s: &Stmt, prefix: Option<usize>) {
        let Stmt::If {
            cond,
            then,
            otherwise,
            span,
        } = s
        else {
            return;
        };
        let c = self.expr(cond, 0, true);
        let close = self.end(*span).saturating_sub(1);
        let head_start = prefix.unwrap_or(span.start);
        let lead = if prefix.is_some() {
            "} else if "
        } else {
            "if "
        };
        let head = Span::new(head_start, self.end(cond.span));
        let open = cat(vec![text(lead), c]);
        let Some(otherwise) = otherwise else {
            if prefix.is_none() && then.is_empty() && !self.any_comment(self.end(cond.span), close)
            {
                self.unit(*span, self.end(*span), cat(vec![open, text(" {}")]));
            } else {
                self.unit(head, self.end(cond.span), cat(vec![open, text(" {")]));
                self.block(then, close);
            }
            return;
        };
        self.unit(head, self.end(cond.span), cat(vec![open, text(" {")]));
        // the `}` closing the `then` block
        let open_brace = self.next_code(self.end(cond.span));
        let after_then = then
            .last()
            .map_or(open_brace + 1, |s| self.end(stmt_span(s)));
        let then_close = self.next_code(after_then);
        self.indent += INDENT;
        self.at_block_start = true;
        for st in then {
            self.stmt(st);
        }
        self.flush_before(then_close);
        self.indent -= INDENT;
        match otherwise.as_slice() {
            [nested @ Stmt::If { .. }] => self.if_stmt(nested, Some(then_close)),
            stmts => {
                let else_kw = self.next_code(then_close + 1);
                let else_open = self.next_code(else_kw + "else".len());
                self.unit(
                    Span::new(then_close, else_open + 1),
                    else_open + 1,
                    text("} else {"),
                );
                self.block(stmts, close);
            }
        }
    }
}

/// Whether two top-level items stay on adjacent lines: `use` lines, and one-line `param`, `let`
/// and `fn` items that were adjacent in the source.
fn keeps_together(prev: &Item, prev_lines: usize, next: &Item) -> bool {
    match (prev, next) {
        (Item::Use(_), Item::Use(_)) => true,
        (
            Item::Param(_) | Item::Let(_) | Item::Fn(_),
            Item::Param(_) | Item::Let(_) | Item::Fn(_),
        ) => prev_lines == 1,
        _ => false,
    }
}

fn stmt_span(s: &Stmt) -> Span {
    match s {
        Stmt::Require { span, .. } | Stmt::For { span, .. } | Stmt::If { span, .. } => *span,
        Stmt::Let(b) => b.span,
    }
}
