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
    pub trigger: Trigger,
    pub condition: Option<Expr>,
    /// `at most COUNT per WINDOW ms`.
    pub rate_limit: Option<(u32, u64)>,
    pub mode: Mode,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    Event { event: usize, filter: Option<Expr> },
    Change { value: Value, change: Change },
    Every { period_ms: u64 },
    Daily { minute: u16 },
    Sequence { events: Vec<usize>, within_ms: u64 },
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
    /// A payload field of the triggering event.
    Payload(usize),
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
}
