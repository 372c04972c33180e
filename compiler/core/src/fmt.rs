//! `glassc fmt`: canonical formatting that keeps every comment.
//!
//! Layout:
//! - two-space indentation; one item per line group; a blank line between items where the author
//!   had one, and always around tests, profiles and wrapped rules, and between declarations
//!   (`use`, `pack`, `permit`, `var`) and what follows them;
//! - a rule on one line when it fits in 100 columns, otherwise its head on the first line, each
//!   of `while` and the options on its own line, and after the `:` one action per line;
//! - tests and profiles one step or member per line inside braces;
//! - single spaces around operators, `name: value` arguments, `5 s` (a space before a unit),
//!   `15%`, text printed with its escapes as written, parentheses kept as written.
//!
//! Comments: a comment on its own line stays before the item, step or member that follows it (at
//! that nesting level); a comment at the end of a line stays at the end of that line. A comment
//! inside a rule that cannot keep its place moves to the line before the rule. The formatter
//! refuses files with syntax errors (`None`): it never guesses at broken code.

use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::lexer::lex;
use crate::syntax::{parse_item_text, split_items};

const WIDTH: usize = 100;

/// Formats a whole file; `None` when it has syntax errors.
pub fn format_source(src: &str) -> Option<String> {
    let spans = split_items(src);
    let mut items = Vec::with_capacity(spans.len());
    for span in &spans {
        let parsed = parse_item_text(&src[span.range()]);
        if !parsed.errors.is_empty() {
            return None;
        }
        items.push((*span, parsed.item));
    }
    let comments: Vec<Span> = lex(src).comments;
    let mut out = Out { text: String::new(), src, comments: &comments, next_comment: 0, last_taken_end: None };
    let mut previous: Option<(Span, Group)> = None;
    for (span, item) in &items {
        let group = group(item);
        // Comments between the previous item and this one.
        let mut blank = false;
        if let Some((prev, prev_group)) = previous {
            blank = has_blank_line(&src[prev.end as usize..span.start as usize])
                || prev_group != group
                || matches!(group, Group::Block)
                || out.text.trim_end().ends_with('}');
        }
        let leading = out.comments_before(span.start);
        if previous.is_some() {
            out.text.push('\n');
            if blank {
                out.text.push('\n');
            }
        }
        for c in &leading {
            out.text.push_str(c);
            out.text.push('\n');
        }
        if !leading.is_empty()
            && let Some(end) = out.last_taken_end
            && has_blank_line(&src[end as usize..span.start as usize])
        {
            out.text.push('\n');
        }
        let body = out.item(item, span.start);
        if matches!(group, Group::Rule) && body.contains('\n') && previous.is_some() && !blank {
            out.text.push('\n');
        }
        out.text.push_str(&body);
        if let Some(trailing) = out.trailing_after(span.end) {
            out.text.push_str("  ");
            out.text.push_str(trailing);
        }
        previous = Some((*span, if body.contains('\n') { Group::Block } else { group }));
    }
    // Comments after the last item.
    let rest: Vec<&str> = out.comments_before(u32::MAX);
    if !rest.is_empty() {
        if !out.text.is_empty() {
            out.text.push('\n');
            if previous.is_some_and(|(p, _)| {
                has_blank_line(&src[p.end as usize..comments[comments.len() - rest.len()].start as usize])
            }) {
                out.text.push('\n');
            }
        }
        out.text.push_str(&rest.join("\n"));
    }
    if !out.text.is_empty() {
        out.text.push('\n');
    }
    Some(out.text)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Decl,
    Rule,
    /// Multi-line items: tests, profiles, wrapped rules.
    Block,
}

fn group(item: &Item) -> Group {
    match item.kind {
        ItemKind::Use(_) | ItemKind::Pack { .. } | ItemKind::Permit(_) | ItemKind::Var(_) => Group::Decl,
        ItemKind::Rule(_) => Group::Rule,
        _ => Group::Block,
    }
}

/// A line with nothing on it between two items (lines holding comments do not count).
fn has_blank_line(between: &str) -> bool {
    let lines: Vec<&str> = between.split('\n').collect();
    lines.len() >= 3 && lines[1..lines.len() - 1].iter().any(|l| l.trim().is_empty())
}

struct Out<'a> {
    text: String,
    src: &'a str,
    comments: &'a [Span],
    next_comment: usize,
    /// The end of the last comment taken, to keep a blank line between it and what follows.
    last_taken_end: Option<u32>,
}

impl<'a> Out<'a> {
    /// Takes the comments that start before `offset` (and were not taken yet). A blank line
    /// between two of them is kept as an empty entry.
    fn comments_before(&mut self, offset: u32) -> Vec<&'a str> {
        let mut taken = Vec::new();
        let mut last_end: Option<u32> = None;
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.start >= offset {
                break;
            }
            if let Some(end) = last_end
                && has_blank_line(&self.src[end as usize..c.start as usize])
            {
                taken.push("");
            }
            taken.push(self.src[c.range()].trim_end());
            last_end = Some(c.end);
            self.next_comment += 1;
        }
        self.last_taken_end = last_end.or(self.last_taken_end);
        taken
    }

    /// The comment right after `offset` on the same line, if any.
    fn trailing_after(&mut self, offset: u32) -> Option<&'a str> {
        let c = self.comments.get(self.next_comment)?;
        let between = self.src.get(offset as usize..c.start as usize)?;
        if between.contains('\n') || !between.trim().is_empty() {
            return None;
        }
        self.next_comment += 1;
        Some(self.src[c.range()].trim_end())
    }

    fn item(&mut self, item: &Item, base: u32) -> String {
        match &item.kind {
            ItemKind::Use(names) => format!("use {}", names_list(names)),
            ItemKind::Pack { name, doc } => format!("pack {}{}", name.node, doc_suffix(doc)),
            ItemKind::Permit(names) => format!("permit {}", names_list(names)),
            ItemKind::Var(v) => {
                let init = v.init.as_ref().map(|e| format!(" = {}", expr(e))).unwrap_or_default();
                self.hoist_inner(base, item.span);
                format!("var {}: {}{init}", v.name.node, type_expr(&v.ty))
            }
            ItemKind::Rule(rule) => {
                self.hoist_inner(base, item.span);
                rule_text(rule)
            }
            ItemKind::Test(test) => {
                let mut s = format!("test \"{}\" {{", test.name.node);
                let lines: Vec<(Span, String)> = test.steps.iter().map(|st| (st.span, step(st))).collect();
                self.block(&mut s, &lines, base, item.span, 1);
                s.push('}');
                s
            }
            ItemKind::Profile(p) => {
                let mut s = format!("profile {}{} {{", p.name.node, doc_suffix(&p.doc));
                self.members(&mut s, &p.members, base, item.span, 1);
                s.push('}');
                s
            }
            ItemKind::Error => String::new(),
        }
    }

    /// Comments inside a one-line item go to the lines before it, in order.
    fn hoist_inner(&mut self, base: u32, span: Span) {
        let inner = self.comments_before(span.end + base);
        if !inner.is_empty() {
            for c in inner {
                self.text.push_str(c);
                self.text.push('\n');
            }
        }
    }

    /// Lines of a braced block, each with its leading and trailing comments.
    fn block(&mut self, s: &mut String, lines: &[(Span, String)], base: u32, item: Span, depth: usize) {
        let pad = "  ".repeat(depth);
        let close = item.end + base;
        if lines.is_empty() && self.comments.get(self.next_comment).is_none_or(|c| c.start >= close) {
            return;
        }
        let mut prev_end: Option<u32> = None;
        for (span, text) in lines {
            self.keep_blank_line(s, prev_end, span.start + base);
            prev_end = Some(span.end + base);
            for c in self.comments_before(span.start + base) {
                comment_line(s, &pad, c);
            }
            s.push_str(&format!("\n{pad}{}", text.replace('\n', &format!("\n{pad}"))));
            // Comments inside a one-line step go after it.
            let mut inner = self.comments_before(span.end + base);
            if let Some(t) = self.trailing_after(span.end + base) {
                inner.push(t);
            }
            if let [one] = inner.as_slice() {
                s.push_str(&format!("  {one}"));
            } else {
                for c in inner {
                    comment_line(s, &pad, c);
                }
            }
        }
        for c in self.comments_before(close) {
            comment_line(s, &pad, c);
        }
        s.push('\n');
        s.push_str(&"  ".repeat(depth - 1));
    }

    fn members(&mut self, s: &mut String, members: &[Member], base: u32, item: Span, depth: usize) {
        let pad = "  ".repeat(depth);
        let close = item.end + base;
        let mut prev_end: Option<u32> = None;
        for m in members {
            self.keep_blank_line(s, prev_end, m.span.start + base);
            prev_end = Some(m.span.end + base);
            for c in self.comments_before(m.span.start + base) {
                comment_line(s, &pad, c);
            }
            s.push_str(&format!("\n{pad}"));
            if let MemberKind::Capability { name, members } = &m.kind {
                s.push_str(&format!("capability {}{} {{", name.node, doc_suffix(&m.doc)));
                if let Some(t) = self.trailing_after_brace(m, base) {
                    s.push_str(&format!("  {t}"));
                }
                self.members(s, members, base, m.span, depth + 1);
                s.push('}');
            } else {
                s.push_str(&member(m));
            }
            let mut inner = self.comments_before(m.span.end + base);
            if let Some(t) = self.trailing_after(m.span.end + base) {
                inner.push(t);
            }
            if let [one] = inner.as_slice() {
                s.push_str(&format!("  {one}"));
            } else {
                for c in inner {
                    comment_line(s, &pad, c);
                }
            }
        }
        for c in self.comments_before(close) {
            comment_line(s, &pad, c);
        }
        s.push('\n');
        s.push_str(&"  ".repeat(depth - 1));
    }

    /// One empty line where the author left at least one between two steps or members.
    fn keep_blank_line(&self, s: &mut String, prev_end: Option<u32>, next_start: u32) {
        if let Some(end) = prev_end
            && has_blank_line(&self.src[end as usize..next_start as usize])
        {
            s.push('\n');
        }
    }

    /// A comment at the end of a capability's `{` line.
    fn trailing_after_brace(&mut self, m: &Member, base: u32) -> Option<&'a str> {
        let start = (m.span.start + base) as usize;
        let brace = self.src[start..].find('{')? + start;
        self.trailing_after(brace as u32 + 1)
    }
}

/// A comment line at an indentation; an empty comment entry is a blank line.
fn comment_line(s: &mut String, pad: &str, comment: &str) {
    s.push('\n');
    if !comment.is_empty() {
        s.push_str(pad);
        s.push_str(comment);
    }
}

fn names_list(names: &[Name]) -> String {
    names.iter().map(|n| n.node.as_str()).collect::<Vec<_>>().join(", ")
}

fn doc_suffix(doc: &Option<crate::span::Spanned<String>>) -> String {
    doc.as_ref().map(|d| format!(" \"{}\"", d.node)).unwrap_or_default()
}

fn type_expr(t: &TypeExpr) -> String {
    match &t.range {
        Some((lo, hi)) => format!("{} {}..{}", t.name.node, expr(lo), expr(hi)),
        None => t.name.node.clone(),
    }
}

fn rule_text(rule: &RuleDecl) -> String {
    let name = rule.name.as_ref().map(|n| format!("rule {}: ", n.node)).unwrap_or_default();
    let head = trigger(&rule.trigger);
    let condition = rule.condition.as_ref().map(|c| format!("while {}", expr(c)));
    let options: Vec<String> = rule.options.iter().map(option).collect();
    let actions: Vec<String> = rule.actions.iter().map(action).collect();
    let mut one_line = format!("{name}{head}");
    for part in condition.iter().chain(options.iter()) {
        one_line.push(' ');
        one_line.push_str(part);
    }
    one_line.push_str(": ");
    one_line.push_str(&actions.join(", "));
    if one_line.len() <= WIDTH {
        return one_line;
    }
    let mut s = match &rule.name {
        Some(n) => format!("rule {}:\n  {head}", n.node),
        None => head,
    };
    for part in condition.iter().chain(options.iter()) {
        s.push_str("\n  ");
        s.push_str(part);
    }
    s.push(':');
    for (i, a) in actions.iter().enumerate() {
        s.push_str("\n    ");
        s.push_str(a);
        if i + 1 < actions.len() {
            s.push(',');
        }
    }
    s
}

fn trigger(t: &Trigger) -> String {
    match &t.kind {
        TriggerKind::Event { event, filter } => match filter {
            Some(f) => format!("on {} where {}", event.text(), expr(f)),
            None => format!("on {}", event.text()),
        },
        TriggerKind::State { state, change } => match change {
            StateChange::Becomes(e) => format!("on {} becomes {}", state.text(), expr(e)),
            StateChange::Changes => format!("on {} changes", state.text()),
            StateChange::Below(e) => format!("on {} below {}", state.text(), expr(e)),
            StateChange::Above(e) => format!("on {} above {}", state.text(), expr(e)),
        },
        TriggerKind::Every { period } => format!("every {}", expr(period)),
        TriggerKind::Daily { time } => format!("every day at {}", time_text(time.node)),
        TriggerKind::Sequence { steps, within } => {
            let steps: Vec<String> = steps.iter().map(Path::text).collect();
            format!("on {} within {}", steps.join(" then "), expr(within))
        }
    }
}

fn option(o: &RuleOption) -> String {
    match o {
        RuleOption::RateLimit { count, window, .. } => {
            let count = if count.node == 1 { "once".to_string() } else { format!("{} times", count.node) };
            format!("at most {count} per {}", expr(window))
        }
        RuleOption::Mode(m) => format!("mode {}", m.node.as_str()),
    }
}

fn action(a: &Action) -> String {
    match &a.kind {
        ActionKind::Call(c) => call(c),
        ActionKind::Set { target, value } => format!("set {} = {}", target.text(), expr(value)),
        ActionKind::After { delay, action: inner } => format!("after {} {}", expr(delay), action(inner)),
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
    let list: Vec<String> = args.iter().map(|a| format!("{}: {}", a.name.node, expr(&a.value))).collect();
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

fn time_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

pub(crate) fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        // `per minute` has no number: its span is the unit's.
        ExprKind::Quantity { value: 1, unit } if unit.span == e.span => unit.node.clone(),
        ExprKind::Quantity { value, unit } => format!("{value} {}", unit.node),
        ExprKind::Percent(n) => format!("{n}%"),
        ExprKind::Text(t) => format!("\"{t}\""),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Time(t) => time_text(*t),
        ExprKind::Path(p) => p.text(),
        ExprKind::Unary { op: UnaryOp::Not, operand } => format!("not {}", expr(operand)),
        ExprKind::Unary { op: UnaryOp::Neg, operand } => format!("-{}", expr(operand)),
        ExprKind::Binary { op, lhs, rhs } => format!("{} {} {}", expr(lhs), op.as_str(), expr(rhs)),
        ExprKind::Held { condition, duration } => format!("{} for {}", expr(condition), expr(duration)),
        ExprKind::Paren(inner) => format!("({})", expr(inner)),
        ExprKind::Error => String::new(),
    }
}
