//! The checked, resolved form of a rule: what code generation and analyses work from.
//!
//! Every name is an index into the pack's `Scope` (events, states, actions, variables), every
//! duration is in milliseconds, every argument is present (defaults filled in), and every value
//! is typed. Only rules without errors are lowered.

use std::sync::Arc;

use crate::syntax::ast::{BinaryOp, Mode, UnaryOp};
use crate::types::{Const, Type};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The declared name (`rule NAME:`), if any.
    pub name: Option<Arc<str>>,
    /// At least one; with several, any of them runs the rule (`on a or b`).
    pub triggers: Vec<Trigger>,
    pub condition: Option<Expr>,
    /// `at most COUNT per WINDOW ms`.
    pub rate_limit: Option<(u32, u64)>,
    /// `limit NAME`: the pack's shared limit the rule counts against (an index into
    /// `Scope::limits`).
    pub shared_limit: Option<usize>,
    pub mode: Mode,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    Event {
        event: usize,
        filter: Option<Expr>,
    },
    Change {
        value: Value,
        change: Change,
    },
    Every {
        period_ms: u64,
    },
    Daily {
        minute: u16,
    },
    /// `on A then B ... within D`: the steps in order, all within `within_ms` of the first.
    Sequence {
        steps: Vec<SequenceStep>,
        within_ms: u64,
    },
    /// Once each time `condition` has held without a break for `duration_ms`.
    Held {
        condition: Expr,
        duration_ms: u64,
    },
}

/// One step of a sequence trigger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SequenceStep {
    pub event: usize,
    /// The step's `where`: it reads the step's own fields and those of earlier steps (as
    /// [`ExprKind::StepField`]), states and variables.
    pub filter: Option<Expr>,
    /// `then no E`: the last step only. The sequence completes when its window ends without
    /// this event (one that passes the filter).
    pub absent: bool,
}

/// A state or a pack variable: something that has a value over time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    State(usize),
    Var(usize),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    Becomes(Expr),
    Changes,
    /// Fires when the value crosses from at or above the threshold to below it.
    Below(Expr),
    /// Fires when the value crosses from at or below the threshold to above it.
    Above(Expr),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// Enum constants are their variant index as an Int-like value (`Const::Enum` keeps the name).
    Const(Const),
    Read(Value),
    /// A payload field of the triggering event (event triggers).
    Payload(usize),
    /// In a sequence rule, every payload field: field `field` of the event of step `step`.
    StepField {
        step: usize,
        field: usize,
    },
    /// The time of day at which the rule runs (`time-of-day`), in minutes after midnight.
    TimeOfDay,
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// The condition has been true without a break for this many milliseconds.
    Held(Box<Expr>, u64),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Calls a device action with one value per parameter, in parameter order.
    Emit {
        action: usize,
        args: Vec<Expr>,
    },
    Set {
        var: usize,
        value: Expr,
    },
    After {
        delay_ms: u64,
        action: Box<Action>,
    },
    /// Runs the actions of the first branch whose condition is true, else `otherwise` (which may
    /// be empty).
    If {
        branches: Vec<(Expr, Vec<Action>)>,
        otherwise: Vec<Action>,
    },
}

impl Expr {
    /// The value of an expression made of constants only (`-5`, `2 * 30 s`), as the checker's
    /// constant rules compute it; `None` if it reads anything or overflows.
    pub fn constant(&self) -> Option<Const> {
        match &self.kind {
            ExprKind::Const(c) => Some(c.clone()),
            ExprKind::Unary(UnaryOp::Not, e) => match e.constant()? {
                Const::Bool(b) => Some(Const::Bool(!b)),
                _ => None,
            },
            ExprKind::Unary(UnaryOp::Neg, e) => {
                let (n, rebuild) = number(e.constant()?)?;
                Some(rebuild(n.checked_neg()?))
            }
            ExprKind::Binary(op, l, r) => {
                let (l, r) = (l.constant()?, r.constant()?);
                if let (Const::Text(l), Const::Text(r)) = (&l, &r) {
                    return match op {
                        BinaryOp::Matches => Some(Const::Bool(glass_runtime::text::same_words(l, r))),
                        BinaryOp::Contains => Some(Const::Bool(glass_runtime::text::contains_words(l, r))),
                        _ => None,
                    };
                }
                if let Some((t, ms)) = time_and_duration(*op, &l, &r) {
                    return Some(Const::Time(crate::types::time_shifted(t, crate::types::time_shift(*op, ms)?)));
                }
                let (l, rebuild) = number(l)?;
                let (r, _) = number(r)?;
                let n = match op {
                    BinaryOp::Add => l.checked_add(r)?,
                    BinaryOp::Sub => l.checked_sub(r)?,
                    BinaryOp::Mul => l.checked_mul(r)?,
                    BinaryOp::Div => l.checked_div(r)?,
                    // Exactly the runtime's `Rem`: `x % 0` and `i64::MIN % -1` are 0.
                    BinaryOp::Rem => glass_runtime::isa::remainder(l, r),
                    _ => return None,
                };
                Some(rebuild(n))
            }
            _ => None,
        }
    }
}

/// The time and the duration of `time ± duration` or `duration + time` (the checker allows no
/// other arithmetic on a time of day).
fn time_and_duration(op: BinaryOp, l: &Const, r: &Const) -> Option<(u16, i64)> {
    match (op, l, r) {
        (BinaryOp::Add | BinaryOp::Sub, Const::Time(t), Const::Duration(ms))
        | (BinaryOp::Add, Const::Duration(ms), Const::Time(t)) => Some((*t, *ms)),
        _ => None,
    }
}

/// Makes a constant of one numeric type from a number.
type Rebuild = fn(i64) -> Const;

/// A numeric constant's value, and how to make a constant of the same type from a number.
fn number(c: Const) -> Option<(i64, Rebuild)> {
    Some(match c {
        Const::Int(n) => (n, Const::Int),
        Const::Percent(n) => (n, Const::Percent),
        Const::Duration(n) => (n, Const::Duration),
        _ => return None,
    })
}

/// A test, resolved: steps at absolute virtual times from the start of the test.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Test {
    pub name: String,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Step {
    /// Milliseconds from the start of the test.
    pub at_ms: u64,
    pub kind: StepKind,
    /// The step's span, relative to the test item.
    pub span: crate::span::Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// `set PATH = VALUE`
    Set { target: Value, value: Const },
    /// `fire EVENT(FIELD: VALUE, ...)`: one value per payload field, in field order.
    Fire { event: usize, payload: Vec<Const> },
    /// `expect [no] ACTION(...)`: the arguments written, by parameter position; `None` for a
    /// parameter the test does not constrain.
    Expect { negated: bool, action: usize, args: Vec<Option<Const>> },
}
