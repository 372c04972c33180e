//! Expressions and triggers back to glass text, for the formatter and for help lines in diagnostics.

use super::ast::*;

/// A time of day as glass writes it, `HH:MM`.
pub fn time_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A trigger as the formatter writes it (help lines that show a rule's trigger rewritten print
/// through it too).
pub(crate) fn trigger(t: &Trigger) -> String {
    match &t.kind {
        TriggerKind::Event { event, filter } => match filter {
            Some(f) => format!("on {} where {}", event.text(), expr(f)),
            None => format!("on {}", event.text()),
        },
        TriggerKind::State { state, change, held } => {
            let change = match change {
                StateChange::Becomes(e) => format!("on {} becomes {}", state.text(), expr(e)),
                StateChange::Changes => format!("on {} changes", state.text()),
                StateChange::Below(e) => format!("on {} below {}", state.text(), expr(e)),
                StateChange::Above(e) => format!("on {} above {}", state.text(), expr(e)),
            };
            match held {
                Some(d) => format!("{change} for {}", expr(d)),
                None => change,
            }
        }
        TriggerKind::Condition { condition, duration } => match duration {
            Some(d) => format!("on {} for {}", expr(condition), expr(d)),
            None => format!("on {}", expr(condition)),
        },
        TriggerKind::Every { period } => format!("every {}", expr(period)),
        TriggerKind::Daily { time } => format!("every day at {}", time_text(time.node)),
        TriggerKind::Sequence { steps, within } => sequence(steps, within),
    }
}

/// A rule's triggers joined by `or` (see [`after_or`]).
pub(crate) fn triggers(ts: &[Trigger]) -> String {
    let mut out = String::new();
    for (k, t) in ts.iter().enumerate() {
        if k == 0 {
            out.push_str(&trigger(t));
        } else {
            out.push_str(" or ");
            out.push_str(&after_or(t));
        }
    }
    out
}

/// A trigger written after `or`: without `on` when it starts with a name and a trigger word
/// (`or b where ...`, `or s becomes v`), with it before a lone event, which would read as part of
/// the expression before it.
pub(crate) fn after_or(t: &Trigger) -> String {
    let text = trigger(t);
    let named = matches!(
        &t.kind,
        TriggerKind::Event { filter: Some(_), .. } | TriggerKind::State { .. } | TriggerKind::Sequence { .. }
    );
    match text.strip_prefix("on ") {
        Some(rest) if named => rest.to_string(),
        _ => text,
    }
}

/// `on a where C then no b within 5 s`.
pub(crate) fn sequence(steps: &[SequenceStep], within: &Expr) -> String {
    let steps: Vec<String> = steps.iter().map(step).collect();
    format!("on {} within {}", steps.join(" then "), expr(within))
}

/// `no long-press where ...`: one step of a sequence.
fn step(s: &SequenceStep) -> String {
    let no = if s.absent.is_some() { "no " } else { "" };
    match &s.filter {
        Some(f) => format!("{no}{} where {}", s.event.text(), expr(f)),
        None => format!("{no}{}", s.event.text()),
    }
}

/// An expression as the author could write it (the formatter and help lines print through it). The tree keeps the author's parentheses, so printing
/// it without adding any reads back as the same tree.
pub(crate) fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(e, &mut out);
    out
}

/// Appends `e` to `out`: one buffer for the whole tree, and a small frame for each level.
fn write_expr(e: &Expr, out: &mut String) {
    match &e.kind {
        ExprKind::Unary { op, operand } => {
            out.push_str(if *op == UnaryOp::Not { "not " } else { "-" });
            write_expr(operand, out);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            write_expr(lhs, out);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_expr(rhs, out);
        }
        ExprKind::Held { condition, duration } => {
            write_expr(condition, out);
            out.push_str(" for ");
            write_expr(duration, out);
        }
        ExprKind::Paren(inner) => {
            out.push('(');
            write_expr(inner, out);
            out.push(')');
        }
        _ => out.push_str(&leaf(e)),
    }
}

fn leaf(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        // `per minute` has no number: its span is the unit's.
        ExprKind::Quantity { value: 1, unit } if unit.span == e.span => unit.node.clone(),
        ExprKind::Quantity { value, unit } => format!("{value} {}", unit.node),
        ExprKind::Percent(n) => format!("{n}%"),
        ExprKind::Text(t) => format!("\"{t}\""),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Time(t) => time_text(*t),
        ExprKind::Ratio(w, h) => format!("{w}:{h}"),
        ExprKind::Measure { value, unit } => format!("{value} {}", unit.node),
        ExprKind::Path(p) => p.text(),
        ExprKind::Unary { .. } | ExprKind::Binary { .. } | ExprKind::Held { .. } | ExprKind::Paren(_) => expr(e),
        ExprKind::Error => String::new(),
    }
}
