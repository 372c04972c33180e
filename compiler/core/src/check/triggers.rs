//! A rule's triggers as it runs them. An expression that ends a trigger takes an `or` and what
//! follows (`on press or wake-word` is one condition to the parser, `on a where x > 1 or b` one
//! filter): the events among its `or`-joined operands are read here as triggers of their own.

use super::Checker;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Path, StateChange, Trigger, TriggerKind};
use crate::syntax::parser::split_for;

/// An event one of a rule's several triggers names: its payload fields are read only in that
/// trigger's `where`.
#[derive(Clone, Debug)]
pub(crate) struct TriggerEvent {
    pub event: usize,
    pub written: String,
    pub span: Span,
}

impl Checker<'_> {
    /// The rule's triggers, the events `or` joins to a written trigger's last expression split
    /// off in the order written.
    pub(super) fn alternatives(&self, written: &[Trigger]) -> Vec<Trigger> {
        let mut out = Vec::new();
        for t in written {
            self.split(t, &mut out);
        }
        out
    }

    fn split(&self, t: &Trigger, out: &mut Vec<Trigger>) {
        match &t.kind {
            TriggerKind::Condition { condition, duration } => {
                let mut operands = Vec::new();
                or_operands(condition, &mut operands);
                let is_event = |e: &Expr| self.event_operand(e).is_some();
                // `for` after an event is E0306 (an event does not hold): left whole to say so.
                let ends_in_event = operands.last().is_some_and(|e| is_event(e));
                if !operands.iter().any(|e| is_event(e)) || (duration.is_some() && ends_in_event) {
                    out.push(t.clone());
                    return;
                }
                // Conditions between events stay one condition, and `for` is the last one's.
                let mut group: Vec<&Expr> = Vec::new();
                for e in &operands {
                    match self.event_operand(e) {
                        Some(p) => {
                            out.extend(condition_of(&group, None));
                            group.clear();
                            out.push(event_trigger(p));
                        }
                        None => group.push(e),
                    }
                }
                out.extend(condition_of(&group, duration.as_ref()));
            }
            TriggerKind::Event { event: name, filter: Some(f) } => {
                self.split_tail(t, f, out, |rest| TriggerKind::Event { event: name.clone(), filter: Some(rest) })
            }
            TriggerKind::State { state, change, held: None } => {
                let (value, rebuild): (_, fn(Expr) -> StateChange) = match change {
                    StateChange::Becomes(v) => (v, StateChange::Becomes),
                    StateChange::Below(v) => (v, StateChange::Below),
                    StateChange::Above(v) => (v, StateChange::Above),
                    StateChange::Changes => return out.push(t.clone()),
                };
                self.split_tail(t, value, out, |rest| TriggerKind::State {
                    state: state.clone(),
                    change: rebuild(rest),
                    held: None,
                })
            }
            TriggerKind::Every { period } => {
                self.split_tail(t, period, out, |rest| TriggerKind::Every { period: rest })
            }
            TriggerKind::Sequence { steps, within } => {
                self.split_tail(t, within, out, |rest| TriggerKind::Sequence { steps: steps.clone(), within: rest })
            }
            _ => out.push(t.clone()),
        }
    }

    /// Trigger `t` whose last expression is `last`, without the events `or` joins to its end
    /// (`rebuild` puts what is left back in its place), then those events as triggers.
    fn split_tail(&self, t: &Trigger, last: &Expr, out: &mut Vec<Trigger>, rebuild: impl FnOnce(Expr) -> TriggerKind) {
        let (rest, events) = self.trailing_events(last);
        let span = Span::new(t.span.start, rest.span.end);
        out.push(Trigger { kind: rebuild(rest.clone()), span });
        out.extend(events.into_iter().map(event_trigger));
    }

    /// `x > 1 or a or b` → `x > 1` and the events `a`, `b`: the operands that are events at the
    /// end of a top-level `or` chain. The rest is left whole (an event inside it is reported).
    fn trailing_events<'e>(&self, e: &'e Expr) -> (&'e Expr, Vec<&'e Path>) {
        let mut rest = e;
        let mut events = Vec::new();
        while let ExprKind::Binary { op: BinaryOp::Or, lhs, rhs } = &rest.kind {
            let Some(p) = self.event_operand(rhs) else { break };
            events.push(p);
            rest = lhs;
        }
        events.reverse();
        (rest, events)
    }

    /// An operand that names an event and nothing else.
    fn event_operand<'e>(&self, e: &'e Expr) -> Option<&'e Path> {
        match &e.kind {
            ExprKind::Path(p) if self.is_event_only(p) => Some(p),
            _ => None,
        }
    }

    /// The events of a rule's several triggers, whose fields its `while` and actions cannot read.
    pub(super) fn trigger_events(&self, triggers: &[Trigger]) -> Vec<TriggerEvent> {
        if triggers.len() < 2 {
            return Vec::new();
        }
        let one = |p: &Path| match self.scope.events_matching(p).as_slice() {
            [i] => Some(TriggerEvent { event: *i, written: p.text(), span: p.span }),
            _ => None,
        };
        triggers
            .iter()
            .filter_map(|t| match &t.kind {
                TriggerKind::Event { event, .. } => one(event),
                _ => None,
            })
            .collect()
    }

    /// E0116: `word` is a payload field of one of the rule's several triggers, read where not every
    /// trigger gives it (in `while`, the actions, or another trigger's `where`).
    /// `filtering` is the event whose `where` reads it, if it is read in one.
    pub(super) fn field_of_one_trigger(&self, word: &str, span: Span, filtering: Option<usize>) -> Option<Diagnostic> {
        let owner = self
            .trigger_events
            .iter()
            .find(|t| self.scope.events.get(t.event).is_some_and(|e| e.params.iter().any(|f| f.name == word)))?;
        let event = &owner.written;
        if let Some(reader) = filtering.and_then(|e| self.trigger_events.iter().find(|t| t.event == e)) {
            let reader = &reader.written;
            return Some(
                Diagnostic::error(
                    codes::FIELD_WITHOUT_VALUE,
                    format!("`{word}` is a field of `{event}`, not of `{reader}`, whose `where` this is"),
                    span,
                )
                .with_label_message(format!("`{reader}` has no `{word}`"))
                .with_secondary(owner.span, format!("`{word}` has a value when this trigger runs the rule"))
                .with_help(format!(
                    "each trigger's `where` reads its own event's fields: test `{word}` in the `where` of `{event}`"
                )),
            );
        }
        Some(
            Diagnostic::error(
                codes::FIELD_WITHOUT_VALUE,
                format!("`{word}` is a field of `{event}`, one of this rule's triggers: it has no value when another runs the rule"),
                span,
            )
            .with_label_message(format!("only `{event}` gives `{word}`"))
            .with_secondary(owner.span, format!("`{word}` has a value when this trigger runs the rule"))
            .with_help(format!(
                "test it in that trigger's `where` (`{event} where {word} ...`), or write a rule of its own for `{event}`"
            )),
        )
    }
}

/// `on p`, an event without a filter.
fn event_trigger(p: &Path) -> Trigger {
    Trigger { kind: TriggerKind::Event { event: p.clone(), filter: None }, span: p.span }
}

/// The operands of a top-level `or` chain, left to right (not through brackets).
fn or_operands<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary { op: BinaryOp::Or, lhs, rhs } => {
            or_operands(lhs, out);
            or_operands(rhs, out);
        }
        _ => out.push(e),
    }
}

/// The conditions between two events as one condition trigger, joined by `or` again. The `for`
/// at its end is the whole condition's, as at the end of any trigger's condition (the parser
/// took the one written last, `duration`).
fn condition_of(group: &[&Expr], duration: Option<&Expr>) -> Option<Trigger> {
    let (first, rest) = group.split_first()?;
    let joined = rest.iter().fold((*first).clone(), |lhs, rhs| {
        let span = lhs.span.to(rhs.span);
        Expr { kind: ExprKind::Binary { op: BinaryOp::Or, lhs: Box::new(lhs), rhs: Box::new((*rhs).clone()) }, span }
    });
    let (condition, duration) = match duration {
        Some(d) => (joined, Some(d.clone())),
        None => split_for(joined),
    };
    let span = duration.as_ref().map_or(condition.span, |d| condition.span.to(d.span));
    Some(Trigger { kind: TriggerKind::Condition { condition, duration }, span })
}
