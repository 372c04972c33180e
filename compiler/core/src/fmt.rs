//! `glassc fmt`: canonical formatting that keeps every comment.
//!
//! The formatter refuses files with syntax errors (`None`): it never guesses at broken code.
//! Otherwise the output depends only on the syntax trees, the comments and where the author left
//! blank lines, so formatting twice changes nothing.
//!
//! # Layout
//!
//! - Two-space indentation, `\n` line ends, one `\n` at the end of a non-empty file.
//! - Between items one blank line, except between consecutive declarations (`use`, `pack`,
//!   `permit`, `var`), which stay grouped: there a blank line is kept only where the author had
//!   one (several collapse to one).
//! - A rule is one line when it fits in 100 columns:
//!   `rule NAME: on TRIGGER while COND OPTION OPTION: ACTION, ACTION`. Otherwise (or when comments
//!   inside it need line ends) it is one clause per line, the last line of the head ends with `:`
//!   and the actions follow one per line, indented by 4, each but the last ending with `,`:
//!
//!   ```text
//!   rule NAME:                      on TRIGGER
//!     on TRIGGER                      while COND
//!     while COND                      at most once per minute:
//!     mode restart:                       ACTION,
//!       ACTION,                           ACTION
//!       ACTION
//!   ```
//! - Tests and profiles: `test "name" {` / `profile NAME "doc" {` and `capability NAME "doc" {`,
//!   then one step or member per line, indented one level deeper, then `}` alone. A blank line
//!   the author left between two steps or members is kept (never right after `{` or before `}`).
//!   A block with nothing in it is written `{}`. Enums stay on one line: `enum kind { a, b }`.
//! - Single spaces around operators (`a == b`, `x - y`), `name: value` arguments and parameters
//!   separated by `, `, a space between a number and its unit (`5 s`) except `%` (`15%`), times as
//!   `07:30`, `per minute` when no number was written, text printed with its escapes as written,
//!   parentheses kept exactly where they were written, `once` for a rate limit of one.
//!
//! # Comments
//!
//! The output is a list of lines, each knowing the source range of the tokens printed on it. A
//! comment is placed by where it stood:
//! - after the last token of a line, on the same source line: at the end of that output line
//!   (after two spaces);
//! - otherwise, before the next output line, on its own line at that line's indentation (before
//!   `}`, at the indentation of the block's contents); so a comment on its own line before an
//!   item, step, member or rule clause stays there, and comments after the last item stay at the
//!   end of the file;
//! - a comment in the middle of what becomes one output line (inside an expression, inside a rule
//!   printed on one line) moves to its own line just before that line.
//!
//! Comments keep their order. Blank lines the author left around comments are kept (one at most),
//! except inside a rule, after `{` and before `}`. Where a blank line is required between two
//! items and the author had one somewhere among the comments between them, it stays there (so a
//! comment written under an item stays with it); otherwise it goes before the comments.

use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::lexer::{Token, lex};
use crate::syntax::print::{after_or, expr, trigger, triggers};
use crate::syntax::{parse_item_text, split_items};

/// The column a rule must fit in to stay on one line.
const WIDTH: usize = 100;

/// Formats a whole file; `None` when it has syntax errors.
pub fn format_source(src: &str) -> Option<String> {
    let lexed = lex(src);
    if !lexed.errors.is_empty() {
        return None;
    }
    let mut builder = Builder { src, tokens: &lexed.tokens, comments: &lexed.comments, base: 0, lines: Vec::new() };
    let mut previous_was_declaration: Option<bool> = None;
    for span in split_items(src) {
        let parsed = parse_item_text(&src[span.range()]);
        if !parsed.errors.is_empty() {
            return None;
        }
        let declaration = is_declaration(&parsed.item);
        let gap = match previous_was_declaration {
            None => Gap::None,
            Some(true) if declaration => Gap::Keep,
            Some(_) => Gap::Always,
        };
        builder.base = span.start;
        builder.item(&parsed.item, span, gap);
        previous_was_declaration = Some(declaration);
    }
    Some(render(src, &builder.lines, &lexed.comments))
}

fn is_declaration(item: &Item) -> bool {
    matches!(
        item.kind,
        ItemKind::Use(_) | ItemKind::Pack { .. } | ItemKind::Permit(_) | ItemKind::Var(_) | ItemKind::Limit(_)
    )
}

/// Whether a blank line comes before a line (or before the comments placed before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gap {
    /// Never: the first item, right after `{`, inside a rule.
    None,
    /// Where the author had one: between declarations, steps, members.
    Keep,
    /// Always: between items that are not both declarations.
    Always,
}

/// One output line.
#[derive(Clone, Debug)]
struct Line {
    depth: usize,
    text: String,
    /// Absolute source offsets of the first and the end of the last token printed on the line.
    start: u32,
    end: u32,
    /// The depth of comments placed before this line (one deeper before a closing `}`).
    comment_depth: usize,
    gap: Gap,
    /// Whether blank lines the author left between the comments before this line, and between
    /// them and the line, are kept.
    keep_blanks: bool,
    /// A closing `}`: never a blank line right before it.
    closing: bool,
}

impl Line {
    fn new(depth: usize, text: String, span: Span, gap: Gap, keep_blanks: bool) -> Line {
        Line { depth, text, start: span.start, end: span.end, comment_depth: depth, gap, keep_blanks, closing: false }
    }

    /// A closing `}` at `span`: comments before it belong to the block's contents.
    fn closing(depth: usize, span: Span, gap: Gap) -> Line {
        Line {
            depth,
            text: "}".into(),
            start: span.start,
            end: span.end,
            comment_depth: depth + 1,
            gap,
            keep_blanks: true,
            closing: true,
        }
    }
}

/// Where each comment goes: before a line, at the end of a line, or after the last line.
struct Placement {
    leading: Vec<Vec<usize>>,
    trailing: Vec<Option<usize>>,
    after: Vec<usize>,
}

/// Places comments (indices into `comments`, sorted) among `lines` (sorted by `start`).
fn place(src: &str, lines: &[Line], comments: &[Span], which: impl Iterator<Item = usize>) -> Placement {
    let mut placed =
        Placement { leading: vec![Vec::new(); lines.len()], trailing: vec![None; lines.len()], after: Vec::new() };
    for k in which {
        let at = comments[k].start;
        // The number of lines starting before the comment.
        let i = lines.partition_point(|l| l.start <= at);
        if i > 0 {
            let line = &lines[i - 1];
            if at < line.end {
                // In the middle of a line: just before it.
                placed.leading[i - 1].push(k);
                continue;
            }
            if placed.trailing[i - 1].is_none() && !src[line.end as usize..at as usize].contains('\n') {
                placed.trailing[i - 1] = Some(k);
                continue;
            }
        }
        match placed.leading.get_mut(i) {
            Some(before) => before.push(k),
            None => placed.after.push(k),
        }
    }
    placed
}

/// A line with nothing on it between two offsets (lines holding comments or code do not count).
fn blank_between(src: &str, from: Option<u32>, to: u32) -> bool {
    let Some(from) = from else { return false };
    if from >= to {
        return false;
    }
    let lines: Vec<&str> = src[from as usize..to as usize].split('\n').collect();
    lines.len() >= 3 && lines[1..lines.len() - 1].iter().any(|l| l.trim().is_empty())
}

fn render(src: &str, lines: &[Line], comments: &[Span]) -> String {
    let placed = place(src, lines, comments, 0..comments.len());
    let mut out = String::new();
    let mut push = |blank: bool, depth: usize, text: &str, trailing: Option<usize>| {
        if blank {
            out.push('\n');
        }
        out.push_str(&"  ".repeat(depth));
        out.push_str(text);
        if let Some(k) = trailing {
            out.push_str("  ");
            out.push_str(src[comments[k].range()].trim_end());
        }
        out.push('\n');
    };
    // The end of what was printed last, as a source offset.
    let mut previous_end: Option<u32> = None;
    for (i, line) in lines.iter().enumerate() {
        let leading = &placed.leading[i];
        // A comment moved out of the line it was in counts as standing at the line's start.
        let at = |k: usize| comments[k].start.min(line.start);
        // The blank lines the author left after each comment before the line (never after `{`
        // or before `}`, nor next to a moved comment).
        let blank_after: Vec<bool> = leading
            .iter()
            .enumerate()
            .map(|(n, &k)| {
                let next = leading.get(n + 1).map_or(line.start, |&j| at(j));
                line.keep_blanks
                    && (n + 1 < leading.len() || !line.closing)
                    && blank_between(src, Some(comments[k].end), next)
            })
            .collect();
        // Before the comments: the line's gap. A blank line that must be there goes where the
        // author had one, or else before the comments.
        let first_at = leading.first().map_or(line.start, |&k| at(k));
        let author = blank_between(src, previous_end, first_at);
        let blank_first = match line.gap {
            Gap::None => false,
            Gap::Keep => author,
            Gap::Always => previous_end.is_some() && (author || !blank_after.contains(&true)),
        } && !(leading.is_empty() && line.closing);
        for (n, &k) in leading.iter().enumerate() {
            let blank = if n == 0 { blank_first } else { blank_after[n - 1] };
            push(blank, line.comment_depth, src[comments[k].range()].trim_end(), None);
        }
        let blank = if leading.is_empty() { blank_first } else { blank_after[leading.len() - 1] };
        push(blank, line.depth, &line.text, placed.trailing[i]);
        previous_end = Some(line.end);
    }
    for &k in &placed.after {
        let blank = blank_between(src, previous_end, comments[k].start);
        push(blank, 0, src[comments[k].range()].trim_end(), None);
        previous_end = Some(comments[k].end);
    }
    out
}

/// Turns items into lines.
struct Builder<'a> {
    src: &'a str,
    tokens: &'a [(Token<'a>, Span)],
    comments: &'a [Span],
    /// The absolute offset of the current item: its tree's spans are relative to it.
    base: u32,
    lines: Vec<Line>,
}

impl Builder<'_> {
    fn abs(&self, span: Span) -> Span {
        span.shift(self.base)
    }

    /// `span` is the item's absolute span.
    fn item(&mut self, item: &Item, span: Span, gap: Gap) {
        let one_line = |text: String| vec![Line::new(0, text, span, gap, true)];
        let lines = match &item.kind {
            ItemKind::Use(names) => one_line(format!("use {}", names_list(names))),
            ItemKind::Pack { name, doc } => one_line(format!("pack {}{}", name.node, doc_suffix(doc))),
            ItemKind::Permit(names) => one_line(format!("permit {}", names_list(names))),
            ItemKind::Var(v) => {
                let init = v.init.as_ref().map(|e| format!(" = {}", expr(e))).unwrap_or_default();
                one_line(format!("var {}: {}{init}", v.name.node, type_expr(&v.ty)))
            }
            ItemKind::Limit(l) => one_line(format!("limit {}: {}", l.name.node, at_most(l.count.node, &l.window))),
            ItemKind::Rule(rule) => self.rule(rule, span, gap),
            ItemKind::Test(test) => {
                let head = format!("test \"{}\" {{", test.name.node);
                let steps: Vec<(Span, String)> = test.steps.iter().map(|s| (self.abs(s.span), step(s))).collect();
                let open = self.open_brace(self.abs(test.name.span).end);
                self.block(head, span, open, &steps, gap)
            }
            ItemKind::Profile(p) => {
                let keyword = if p.family { "family" } else { "profile" };
                let implements = match p.implements.as_slice() {
                    [] => String::new(),
                    families => format!(" implements {}", names_list(families)),
                };
                let head = format!("{keyword} {}{implements}{} {{", p.name.node, doc_suffix(&p.doc));
                let last = p.implements.iter().map(|n| n.span).chain(p.doc.as_ref().map(|d| d.span));
                let after = last.max_by_key(|s| s.end).unwrap_or(p.name.span);
                let open = self.open_brace(self.abs(after).end);
                self.members(head, span, open, &p.members, 0, gap)
            }
            ItemKind::Error => Vec::new(),
        };
        self.lines.extend(lines);
    }

    /// The `{` at or after `offset`.
    fn open_brace(&self, offset: u32) -> Span {
        let i = self.tokens.partition_point(|(_, s)| s.start < offset);
        self.tokens[i..].iter().find(|(t, _)| *t == Token::Sym("{")).map_or(Span::new(offset, offset), |(_, s)| *s)
    }

    /// The last `token` starting before `offset`.
    fn token_before(&self, token: Token, offset: u32) -> Span {
        let i = self.tokens.partition_point(|(_, s)| s.start < offset);
        self.tokens[..i].iter().rev().find(|(t, _)| *t == token).map_or(Span::new(offset, offset), |(_, s)| *s)
    }

    /// The comments inside `span` (not before it, not after it).
    fn comments_inside(&self, span: Span) -> impl Iterator<Item = usize> + '_ {
        let first = self.comments.partition_point(|c| c.start <= span.start);
        let last = self.comments.partition_point(|c| c.start < span.end);
        first..last
    }

    /// Whether some comment inside `span` would land after the first of `lines` (so the lines
    /// cannot be joined into one without moving it).
    fn comments_need_lines(&self, lines: &[Line], span: Span) -> bool {
        let placed = place(self.src, lines, self.comments, self.comments_inside(span));
        placed.leading.iter().skip(1).any(|l| !l.is_empty())
            || placed.trailing.iter().any(Option::is_some)
            || !placed.after.is_empty()
    }

    fn rule(&self, rule: &RuleDecl, span: Span, gap: Gap) -> Vec<Line> {
        let trigger_text = triggers(&rule.triggers);
        // On lines of their own, each trigger after the first starts with `or`.
        let (first, others) = rule.triggers.split_first().expect("a rule has a trigger");
        let others: Vec<(String, Span)> = others.iter().map(|t| (format!("or {}", after_or(t)), t.span)).collect();
        let condition = rule.condition.as_ref().map(|c| (format!("while {}", expr(c)), c.span));
        let options: Vec<(String, Span)> = rule.options.iter().map(|o| (option(o), option_span(o))).collect();
        let actions: Vec<(String, Span)> = rule.actions.iter().map(|a| (action(a), a.span)).collect();

        let mut one = rule.name.as_ref().map(|n| format!("rule {}: ", n.node)).unwrap_or_default();
        one.push_str(&trigger_text);
        for (text, _) in condition.iter().chain(&options) {
            one.push(' ');
            one.push_str(text);
        }
        one.push_str(": ");
        one.push_str(&actions.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(", "));

        let inner = |depth, text, s: Span| Line::new(depth, text, self.abs(s), Gap::None, false);
        let mut lines = Vec::new();
        if let Some(name) = &rule.name {
            let head = Span::new(span.start, self.abs(name.span).end);
            lines.push(Line::new(0, format!("rule {}:", name.node), head, gap, true));
            lines.push(inner(1, trigger(first), first.span));
        } else {
            lines.push(Line::new(0, trigger(first), self.abs(first.span), gap, true));
        }
        for (text, s) in others.into_iter().chain(condition).chain(options) {
            lines.push(inner(1, text, s));
        }
        lines.last_mut().expect("a rule has a trigger").text.push(':');
        self.action_lines(&rule.actions, 2, &mut lines);

        if one.chars().count() <= WIDTH && !self.comments_need_lines(&lines, span) {
            vec![Line::new(0, one, span, gap, true)]
        } else {
            lines
        }
    }

    /// Actions one per line at `depth`, `,` between them; a branch too wide for its line opens
    /// its blocks: `if C {`, the actions one deeper, `} else if C2 {`, ..., `}`.
    fn action_lines(&self, actions: &[Action], depth: usize, lines: &mut Vec<Line>) {
        for (i, a) in actions.iter().enumerate() {
            let comma = if i + 1 < actions.len() { "," } else { "" };
            let one = Line::new(depth, format!("{}{comma}", action(a)), self.abs(a.span), Gap::None, false);
            let ActionKind::If { branches, otherwise } = &a.kind else {
                lines.push(one);
                continue;
            };
            if 2 * depth + one.text.chars().count() <= WIDTH
                && !self.comments_need_lines(std::slice::from_ref(&one), self.abs(a.span))
            {
                lines.push(one);
                continue;
            }
            // Each line covers its tokens, `}` to `{`, so comments between them stay where they were.
            for (k, branch) in branches.iter().enumerate() {
                let head = format!("if {} {{", expr(&branch.condition));
                let condition = self.abs(branch.condition.span);
                let open = self.open_brace(condition.end);
                if k == 0 {
                    lines.push(Line::new(depth, head, Span::new(self.abs(a.span).start, open.end), Gap::None, false));
                } else {
                    let close = self.token_before(Token::Sym("}"), condition.start);
                    let text = format!("}} else {head}");
                    lines.push(Line { text, ..Line::closing(depth, Span::new(close.start, open.end), Gap::None) });
                }
                self.action_lines(&branch.actions, depth + 1, lines);
            }
            if let Some(otherwise) = otherwise
                && let Some(first) = otherwise.first()
            {
                let open = self.token_before(Token::Sym("{"), self.abs(first.span).start);
                let close = self.token_before(Token::Sym("}"), open.start);
                let span = Span::new(close.start, open.end);
                lines.push(Line { text: "} else {".into(), ..Line::closing(depth, span, Gap::None) });
                self.action_lines(otherwise, depth + 1, lines);
            }
            let end = self.abs(a.span).end;
            lines.push(Line { text: format!("}}{comma}"), ..Line::closing(depth, Span::new(end - 1, end), Gap::None) });
        }
    }

    /// A test: `head` ending with `{`, one step per line, `}`.
    fn block(&self, head: String, whole: Span, open: Span, entries: &[(Span, String)], gap: Gap) -> Vec<Line> {
        let mut lines = vec![Line::new(0, head.clone(), Span::new(whole.start, open.end), gap, true)];
        for (i, (span, text)) in entries.iter().enumerate() {
            let gap = if i == 0 { Gap::None } else { Gap::Keep };
            lines.push(Line::new(1, text.clone(), *span, gap, true));
        }
        self.close(lines, head, whole, 0, gap, entries.is_empty())
    }

    /// Adds the closing `}` line, or joins an empty block into `head}`.
    fn close(&self, mut lines: Vec<Line>, head: String, whole: Span, depth: usize, gap: Gap, empty: bool) -> Vec<Line> {
        let close = Span::new(whole.end - 1, whole.end);
        lines.push(Line::closing(depth, close, if empty { Gap::None } else { Gap::Keep }));
        if empty && !self.comments_need_lines(&lines, whole) {
            return vec![Line::new(depth, format!("{head}}}"), whole, gap, true)];
        }
        lines
    }

    fn members(&self, head: String, whole: Span, open: Span, members: &[Member], depth: usize, gap: Gap) -> Vec<Line> {
        let mut lines = vec![Line::new(depth, head.clone(), Span::new(whole.start, open.end), gap, true)];
        for (i, m) in members.iter().enumerate() {
            let gap = if i == 0 { Gap::None } else { Gap::Keep };
            let span = self.abs(m.span);
            match &m.kind {
                MemberKind::Capability { name, members: inner } => {
                    let head = format!("capability {}{} {{", name.node, doc_suffix(&m.doc));
                    let after = m.doc.as_ref().map_or(name.span, |d| d.span);
                    let open = self.open_brace(self.abs(after).end);
                    lines.extend(self.members(head, span, open, inner, depth + 1, gap));
                }
                _ => lines.push(Line::new(depth + 1, member(m), span, gap, true)),
            }
        }
        self.close(lines, head, whole, depth, gap, members.is_empty())
    }
}

fn option_span(o: &RuleOption) -> Span {
    match o {
        RuleOption::RateLimit { span, .. } => *span,
        RuleOption::Mode(m) => m.span,
        RuleOption::Limit { span, .. } => *span,
    }
}

fn names_list(names: &[Name]) -> String {
    names.iter().map(|n| n.node.as_str()).collect::<Vec<_>>().join(", ")
}

fn doc_suffix(doc: &Option<crate::span::Spanned<String>>) -> String {
    doc.as_ref().map(|d| format!(" \"{}\"", d.node)).unwrap_or_default()
}

fn type_expr(t: &TypeExpr) -> String {
    let unit = t.unit.as_ref().map(|u| format!(" {}", u.node)).unwrap_or_default();
    match &t.range {
        Some((lo, hi)) => format!("{} {}..{}{unit}", t.name.node, expr(lo), expr(hi)),
        None => format!("{}{unit}", t.name.node),
    }
}

fn option(o: &RuleOption) -> String {
    match o {
        RuleOption::RateLimit { count, window, .. } => at_most(count.node, window),
        RuleOption::Mode(m) => format!("mode {}", m.node.as_str()),
        RuleOption::Limit { name, .. } => format!("limit {}", name.node),
    }
}

/// `at most once per W`, `at most N times per W`.
fn at_most(count: u64, window: &Expr) -> String {
    let count = if count == 1 { "once".to_string() } else { format!("{count} times") };
    format!("at most {count} per {}", expr(window))
}

fn action(a: &Action) -> String {
    match &a.kind {
        ActionKind::Call(c) => call(c),
        ActionKind::Set { target, value } => format!("set {} = {}", target.text(), expr(value)),
        ActionKind::After { delay, action: inner } => format!("after {} {}", expr(delay), action(inner)),
        ActionKind::If { branches, otherwise } => {
            let block = |actions: &[Action]| actions.iter().map(action).collect::<Vec<_>>().join(", ");
            let mut out = branches
                .iter()
                .map(|b| format!("if {} {{ {} }}", expr(&b.condition), block(&b.actions)))
                .collect::<Vec<_>>()
                .join(" else ");
            if let Some(otherwise) = otherwise {
                out.push_str(&format!(" else {{ {} }}", block(otherwise)));
            }
            out
        }
    }
}

fn call(c: &Call) -> String {
    let mut s = c.verb.text();
    if let Some(o) = &c.object {
        s.push(' ');
        s.push_str(&o.node);
    }
    if !c.args.is_empty() {
        s.push_str(&args(&c.args));
    }
    s
}

fn args(args: &[Arg]) -> String {
    let list: Vec<String> = args
        .iter()
        .map(|a| match &a.name {
            Some(name) => format!("{}: {}", name.node, expr(&a.value)),
            None => expr(&a.value),
        })
        .collect();
    format!("({})", list.join(", "))
}

fn step(st: &TestStep) -> String {
    let at = st.at.as_ref().map(|e| format!("at {}: ", expr(e))).unwrap_or_default();
    let body = match &st.kind {
        StepKind::Set { target, value } => format!("set {} = {}", target.text(), expr(value)),
        StepKind::Fire { event, args: a } => {
            format!("fire {}{}", event.text(), if a.is_empty() { String::new() } else { args(a) })
        }
        StepKind::Expect { negated, call: c } => format!("expect {}{}", if *negated { "no " } else { "" }, call(c)),
        StepKind::Error => String::new(),
    };
    format!("{at}{body}")
}

/// A member that is not a capability, on one line.
fn member(m: &Member) -> String {
    let body = match &m.kind {
        MemberKind::Device { name, via } => match via {
            Some(v) => format!("device {} via {}", name.node, v.node),
            None => format!("device {}", name.node),
        },
        MemberKind::Processor { name } => format!("processor {}", name.node),
        MemberKind::Enum { name, variants } => format!("enum {} {{ {} }}", name.node, names_list(variants)),
        MemberKind::State { name, ty } => format!("state {}: {}", name.node, type_expr(ty)),
        MemberKind::Event { name, params: ps, max_rate } => {
            let rate = max_rate.as_ref().map(|(n, w)| format!(" max {} per {}", n.node, expr(w))).unwrap_or_default();
            format!("event {}{}{rate}", name.node, params(ps))
        }
        MemberKind::Action { name, params: ps, clauses } => {
            let mut s = format!("action {}{}", name.node, params(ps));
            for c in clauses {
                s.push(' ');
                s.push_str(&match c {
                    ActionClause::Cost(n, unit) => format!("cost {} {}", n.node, unit.node),
                    ActionClause::Takes(e) => format!("takes {}", expr(e)),
                    ActionClause::On(p) => format!("on {}", p.node),
                    ActionClause::Privacy(p) => format!("privacy {}", p.node),
                });
            }
            s
        }
        MemberKind::Capability { .. } | MemberKind::Error => String::new(),
    };
    format!("{body}{}", doc_suffix(&m.doc))
}

fn params(ps: &[Param]) -> String {
    if ps.is_empty() {
        return String::new();
    }
    let list: Vec<String> = ps
        .iter()
        .map(|p| match &p.default {
            Some(d) => format!("{}: {} = {}", p.name.node, type_expr(&p.ty), expr(d)),
            None => format!("{}: {}", p.name.node, type_expr(&p.ty)),
        })
        .collect();
    format!("({})", list.join(", "))
}
