//! Triggers that are conditions (`on speed > 120 for 10 s`), and the trap a held condition sets
//! under a change trigger (`on speed changes while speed > 120 for 10 s` runs only at changes).

use super::expr::Locals;
use super::{Checker, Target, is_error_path};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Path, StateChange, TriggerKind, UnaryOp};
use crate::syntax::print;

impl Checker<'_> {
    /// `on CONDITION for D`: a Bool condition over states and variables, held for a constant
    /// duration. Without a duration the trigger names no moment (E0306).
    pub(super) fn condition_trigger(&mut self, condition: &Expr, duration: Option<&Expr>) {
        if let Some(event) = self.event_in(condition) {
            return self.event_as_condition(condition, event, duration);
        }
        self.condition(condition, Locals::default());
        match duration {
            Some(d) => {
                self.positive_duration(d, "a held trigger");
                self.no_text_match_held(condition, d);
            }
            None => self.no_moment(condition),
        }
    }

    /// `on driving becomes true for 10 s`: the change's value held for a duration. `changes`
    /// is a moment and cannot hold (E0306).
    pub(super) fn held_change(&mut self, state: &Path, change: &StateChange, held: &Expr) {
        if matches!(change, StateChange::Changes) {
            let s = state.text();
            let d = print::expr(held);
            self.error(
                Diagnostic::error(
                    codes::NOT_A_MOMENT,
                    format!("`changes` is a moment: it cannot hold for {d}"),
                    held.span,
                )
                .with_label_message("a change does not last")
                .with_help(format!(
                    "to run when `{s}` has kept a value for {d}, write `on {s} becomes VALUE for {d}`; to run at every change, remove `for {d}`"
                )),
            );
            return;
        }
        self.positive_duration(held, "a held trigger");
    }

    /// An event named where a trigger's condition is expected: the first one, if the
    /// condition is made of events and `and`/`or`/`not` only (`on button-press for 2 s`,
    /// `on button-press or wake-word`).
    fn event_in(&self, e: &Expr) -> Option<Path> {
        match &e.kind {
            ExprKind::Path(p) if self.is_event_only(p) => Some(p.clone()),
            ExprKind::Paren(inner) | ExprKind::Unary { op: UnaryOp::Not, operand: inner } => self.event_in(inner),
            ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or, lhs, rhs } => {
                self.event_in(lhs).or_else(|| self.event_in(rhs))
            }
            _ => None,
        }
    }

    /// A name that only an event answers to (no state or variable).
    pub(super) fn is_event_only(&self, p: &Path) -> bool {
        !is_error_path(p)
            && !self.scope.events_matching(p).is_empty()
            && self.scope.states_matching(p).is_empty()
            && (p.segments.len() != 1 || self.scope.var(&p.segments[0].node).is_none())
    }

    fn event_as_condition(&mut self, condition: &Expr, event: Path, duration: Option<&Expr>) {
        let name = event.text();
        let mut bare = condition;
        while let ExprKind::Paren(inner) = &bare.kind {
            bare = inner;
        }
        let is_alone = matches!(&bare.kind, ExprKind::Path(_));
        // `on speed > 120 or press for 2 s`: the `for` is written after the event.
        let mut last = bare;
        while let ExprKind::Binary { op: BinaryOp::Or, rhs, .. } = &last.kind {
            last = rhs;
        }
        let held_event = matches!(&last.kind, ExprKind::Path(p) if p.span == event.span);
        let (message, help) = match duration {
            Some(d) if is_alone || held_event => {
                let d = print::expr(d);
                (
                    format!("`{name}` is an event: it happens at a moment and cannot hold for {d}"),
                    format!(
                        "`for` belongs to a condition: write `on {name} while CONDITION for {d}` to need a condition held when the event happens, or use the profile's event for a press held down (such as `long-press`)"
                    ),
                )
            }
            // Only in brackets: a lone name is read as an event trigger.
            None if is_alone => {
                (format!("`{name}` is an event"), format!("name it without brackets: `on {name}: ...`"))
            }
            _ => match &bare.kind {
                // `on a and b`: two events never happen at one moment.
                ExprKind::Binary { op: BinaryOp::And, lhs, rhs } => {
                    let (a, b) = (print::expr(lhs), print::expr(rhs));
                    (
                        format!("`{name}` is an event: events happen at moments, and `and` cannot join two of them"),
                        format!(
                            "to run on either, write `on {a} or {b}`; to run when one follows the other, `on {a} then {b} within 5 s`"
                        ),
                    )
                }
                _ => (
                    format!("`{name}` is an event, and events cannot be joined into a condition"),
                    format!(
                        "to run on any of several events, join them with `or` (`on {name} or ...`); conditions on states go in `while`"
                    ),
                ),
            },
        };
        self.error(
            Diagnostic::error(codes::NOT_A_MOMENT, message, event.span).with_label_message("an event").with_help(help),
        );
    }

    /// A Bool state or variable.
    fn is_bool_value(&self, p: &Path) -> bool {
        let var = (p.segments.len() == 1).then(|| self.scope.var(&p.segments[0].node)).flatten();
        match (var, self.scope.states_matching(p).as_slice()) {
            (Some(v), _) => self.scope.vars[v].ty == crate::types::Type::Bool,
            (None, [s]) => self.scope.states[*s].ty == crate::types::Type::Bool,
            _ => false,
        }
    }

    /// A trigger that is a condition without `for`: say which moment the author may mean.
    fn no_moment(&mut self, condition: &Expr) {
        let it = print::expr(condition);
        let held = format!("to run once it has held for a time, write `on {it} for 10 s`");
        let help = match &condition.kind {
            ExprKind::Binary { op, lhs, rhs } if op.is_comparison() => {
                let (l, r) = (print::expr(lhs), print::expr(rhs));
                match op {
                    BinaryOp::Gt => format!("to run when it becomes true, write `on {l} above {r}`; {held}"),
                    BinaryOp::Lt => format!("to run when it becomes true, write `on {l} below {r}`; {held}"),
                    BinaryOp::Eq => format!("to run when it becomes true, write `on {l} becomes {r}`; {held}"),
                    // `above` and `below` are strict: they are not `>=` and `<=`.
                    BinaryOp::Ge => format!("to run when `{l}` rises past {r}, write `on {l} above {r}`; {held}"),
                    BinaryOp::Le => format!("to run when `{l}` falls under {r}, write `on {l} below {r}`; {held}"),
                    _ => format!("to run at every change, write `on {l} changes`; {held}"),
                }
            }
            // `on press or worn`: a Bool state among the triggers.
            ExprKind::Path(p) if self.is_bool_value(p) => {
                format!("to run when it becomes true, write `on {it} becomes true`; {held}")
            }
            ExprKind::Unary { op: UnaryOp::Not, operand } => {
                let x = print::expr(operand);
                format!("to run when it becomes true, write `on {x} becomes false`; {held}")
            }
            _ => format!("{held}, or trigger on an event and test the condition in `while`"),
        };
        self.error(
            Diagnostic::error(codes::NOT_A_MOMENT, "a condition alone does not say when the rule runs", condition.span)
                .with_label_message("a condition, not a moment")
                .with_help(help),
        );
    }

    /// W0302: a change trigger whose `while` holds a condition on the watched value for a time.
    /// The rule runs only at changes, so a value that stays in range never makes it run.
    pub(super) fn held_at_change(&mut self, trigger: &TriggerKind, trigger_span: Span, condition: &Expr) {
        let TriggerKind::State { state, held: None, .. } = trigger else { return };
        let Some(watched) = self.target_at(state.span) else { return };
        let mut helds = Vec::new();
        held_conditions(condition, &mut helds);
        for (inner, duration, span) in helds {
            let mut paths = Vec::new();
            paths_in(inner, &mut paths);
            if !paths.iter().any(|p| self.target_at(p.span).as_ref() == Some(&watched)) {
                continue;
            }
            let (s, c, d) = (state.text(), print::expr(inner), print::expr(duration));
            self.error(
                Diagnostic::warning(
                    codes::HELD_AT_CHANGE,
                    format!("this rule runs only when `{s}` changes, so `{c} for {d}` is checked only then"),
                    span,
                )
                .with_label_message(format!("not checked while `{s}` stays the same"))
                .with_secondary(trigger_span, "the rule runs at these changes only")
                .with_help(format!("to run once `{c}` has held for {d}, make it the trigger: `on {c} for {d}: ...`")),
            );
        }
    }

    /// What the checker resolved the name at `span` to.
    fn target_at(&self, span: Span) -> Option<Target> {
        self.out.references.iter().find(|r| r.span == span).map(|r| r.target.clone())
    }
}

/// The held conditions of an expression: the condition, the duration and the whole's span.
fn held_conditions<'e>(e: &'e Expr, out: &mut Vec<(&'e Expr, &'e Expr, Span)>) {
    match &e.kind {
        ExprKind::Held { condition, duration } => out.push((condition, duration, e.span)),
        ExprKind::Paren(inner) | ExprKind::Unary { operand: inner, .. } => held_conditions(inner, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            held_conditions(lhs, out);
            held_conditions(rhs, out);
        }
        _ => {}
    }
}

/// The names an expression reads.
fn paths_in<'e>(e: &'e Expr, out: &mut Vec<&'e Path>) {
    match &e.kind {
        ExprKind::Path(p) => out.push(p),
        ExprKind::Paren(inner) | ExprKind::Unary { operand: inner, .. } => paths_in(inner, out),
        ExprKind::Held { condition, duration } => {
            paths_in(condition, out);
            paths_in(duration, out);
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            paths_in(lhs, out);
            paths_in(rhs, out);
        }
        _ => {}
    }
}
