//! The types of glass values, and constant evaluation.

use std::sync::Arc;

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use crate::syntax::lexer::quote;
use crate::syntax::print::time_text;
use crate::syntax::units::{duration_text, unit_millis};

/// The built-in value of the time of day at which a rule runs (a `Time`). The word alone always
/// means it: a pack variable, a profile state or a payload field of that name is refused (E0109)
/// where it is declared, so no profile or variable can change what a rule reads.
pub const TIME_OF_DAY: &str = "time-of-day";

/// The error for a declaration named [`TIME_OF_DAY`]; `what` is "a variable", "a state", ...
pub fn time_of_day_taken(what: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        codes::DUPLICATE_NAME,
        format!("`{TIME_OF_DAY}` is glass's own time of day, not a name for {what}"),
        span,
    )
    .with_label_message("a built-in name")
    .with_help(format!(
        "rules read `{TIME_OF_DAY}` as the time at which they run; give {what} another name, such as `local-time`"
    ))
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    /// A whole number; pack variables carry a range.
    Int,
    /// 0% to 100%.
    Percent,
    /// A length of time, counted in milliseconds.
    Duration,
    Text,
    /// A time of day.
    Time,
    /// An enum declared by a profile, by name.
    Enum(Arc<str>),
    /// The type of an expression that already produced an error; it matches everything so one
    /// mistake is reported once.
    Error,
}

impl Type {
    /// Built-in type names as written in source.
    pub fn builtin(name: &str) -> Option<Type> {
        Some(match name {
            "Bool" => Type::Bool,
            "Int" => Type::Int,
            "Percent" => Type::Percent,
            "Duration" => Type::Duration,
            "Text" => Type::Text,
            "Time" => Type::Time,
            _ => return None,
        })
    }

    pub const BUILTIN_NAMES: &[&str] = &["Bool", "Int", "Percent", "Duration", "Text", "Time"];

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Percent | Type::Duration | Type::Error)
    }

    pub fn is_ordered(&self) -> bool {
        self.is_numeric() || matches!(self, Type::Time)
    }

    /// The type with its article, for messages: "an Int", "a Bool", "a `capture-kind` value".
    pub fn a(&self) -> String {
        match self {
            Type::Int => "an Int".into(),
            Type::Enum(name) => format!("a `{name}` value"),
            Type::Error => "a value".into(),
            t => format!("a {t}"),
        }
    }

    /// Equal, or one side is already an error.
    pub fn matches(&self, other: &Type) -> bool {
        self == other || *self == Type::Error || *other == Type::Error
    }
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Type::Bool => f.write_str("Bool"),
            Type::Int => f.write_str("Int"),
            Type::Percent => f.write_str("Percent"),
            Type::Duration => f.write_str("Duration"),
            Type::Text => f.write_str("Text"),
            Type::Time => f.write_str("Time"),
            Type::Enum(name) => f.write_str(name),
            Type::Error => f.write_str("{error}"),
        }
    }
}

/// A value known at compile time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Const {
    Bool(bool),
    Int(i64),
    Percent(i64),
    /// Milliseconds.
    Duration(i64),
    Text(String),
    /// Minutes after midnight.
    Time(u16),
    Enum(Arc<str>, Arc<str>),
}

/// A constant as glass writes it (`15 s`, `20%`, `07:30`, `"hi\n"`, `clip`): the one printer of
/// constants, used by hover, the checker's messages, the CLI and the test harness. What it prints
/// reads back as the same constant.
impl std::fmt::Display for Const {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Const::Bool(b) => write!(f, "{b}"),
            Const::Int(n) => write!(f, "{n}"),
            Const::Percent(n) => write!(f, "{n}%"),
            Const::Duration(ms) => f.write_str(&duration_text(*ms)),
            Const::Text(t) => f.write_str(&quote(t)),
            Const::Time(m) => f.write_str(&time_text(*m)),
            Const::Enum(_, v) => f.write_str(v),
        }
    }
}

/// Why an expression has no constant value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConstError {
    /// It reads a state, variable or payload field.
    NotConstant,
    /// It overflows.
    Overflow,
    /// It divides by zero.
    DivisionByZero,
    /// A part of it could not be read, and the parser said why: nothing more is to be said.
    Unreadable,
}

/// Evaluates literals and arithmetic on them. Names are not constants (enum values are resolved by
/// the checker, which knows their types). Recurses with a small frame: the work of each node is in
/// the functions it calls.
pub fn const_eval(expr: &Expr) -> Result<Const, ConstError> {
    match &expr.kind {
        ExprKind::Paren(inner) => const_eval(inner),
        ExprKind::Unary { op, operand } => negate(*op, const_eval(operand)?),
        ExprKind::Binary { op, lhs, rhs }
            if matches!(op, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem) =>
        {
            // An unreadable part anywhere makes the whole unreadable, so nothing else is said.
            match (const_eval(lhs), const_eval(rhs)) {
                (Ok(l), Ok(r)) => arithmetic(*op, l, r),
                (Err(ConstError::Unreadable), _) | (_, Err(ConstError::Unreadable)) => Err(ConstError::Unreadable),
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        }
        _ => literal(expr),
    }
}

fn literal(expr: &Expr) -> Result<Const, ConstError> {
    use Const::*;
    Ok(match &expr.kind {
        ExprKind::Int(n) => Int(*n as i64),
        ExprKind::Percent(n) => Percent(*n as i64),
        ExprKind::Quantity { value, unit } => {
            let ms = unit_millis(&unit.node).unwrap_or(1);
            Duration((*value as i64).checked_mul(ms as i64).ok_or(ConstError::Overflow)?)
        }
        ExprKind::Text(s) => Text(crate::syntax::lexer::unescape(s)),
        ExprKind::Bool(b) => Bool(*b),
        ExprKind::Time(t) => Time(*t),
        // The checker reported it.
        ExprKind::Ratio(..) => return Err(ConstError::Unreadable),
        // A measure is a number in its unit (the checker compares units).
        ExprKind::Measure { value, .. } => Int(*value as i64),
        ExprKind::Error => return Err(ConstError::Unreadable),
        _ => return Err(ConstError::NotConstant),
    })
}

/// `-c` or `not c`.
fn negate(op: UnaryOp, c: Const) -> Result<Const, ConstError> {
    use Const::*;
    Ok(match (op, c) {
        (UnaryOp::Neg, Int(n)) => Int(n.checked_neg().ok_or(ConstError::Overflow)?),
        (UnaryOp::Neg, Percent(n)) => Percent(-n),
        (UnaryOp::Neg, Duration(n)) => Duration(-n),
        (UnaryOp::Not, Bool(b)) => Bool(!b),
        _ => return Err(ConstError::NotConstant),
    })
}

/// `l op r` for `+ - * / %`, and a time of day moved by a duration.
fn arithmetic(op: BinaryOp, l: Const, r: Const) -> Result<Const, ConstError> {
    use Const::*;
    let apply = |a: i64, b: i64| -> Result<i64, ConstError> {
        if matches!(op, BinaryOp::Div | BinaryOp::Rem) && b == 0 {
            return Err(ConstError::DivisionByZero);
        }
        match op {
            BinaryOp::Add => a.checked_add(b),
            BinaryOp::Sub => a.checked_sub(b),
            BinaryOp::Mul => a.checked_mul(b),
            // The runtime's own remainder: `i64::MIN % -1` is 0, not an overflow.
            BinaryOp::Rem => Some(glass_runtime::isa::remainder(a, b)),
            _ => a.checked_div(b),
        }
        .ok_or(ConstError::Overflow)
    };
    let same_unit = matches!(op, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Rem);
    Ok(match (l, r) {
        (Int(a), Int(b)) => Int(apply(a, b)?),
        (Duration(a), Duration(b)) if same_unit => Duration(apply(a, b)?),
        (Percent(a), Percent(b)) if same_unit => Percent(apply(a, b)?),
        (Duration(a), Int(b)) if matches!(op, BinaryOp::Mul | BinaryOp::Div) => Duration(apply(a, b)?),
        (Int(a), Duration(b)) if op == BinaryOp::Mul => Duration(apply(a, b)?),
        (Time(t), Duration(d)) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
            Time(time_shifted(t, time_shift(op, d).ok_or(ConstError::NotConstant)?))
        }
        (Duration(d), Time(t)) if op == BinaryOp::Add => {
            Time(time_shifted(t, time_shift(op, d).ok_or(ConstError::NotConstant)?))
        }
        _ => return Err(ConstError::NotConstant),
    })
}

/// Milliseconds in a minute, the unit of a time of day.
pub const MS_PER_MINUTE: i64 = 60_000;
/// Minutes in a day: times of day are `0..MINUTES_PER_DAY`.
pub const MINUTES_PER_DAY: i64 = glass_runtime::isa::MINUTES_PER_DAY as i64;

/// What adding (`op` is `+`) or subtracting (`-`) the duration `ms` does to a time of day: the
/// minutes to add, in `0..1440`, so that `(t + shift) % 1440` is the time moved and wrapped
/// around midnight. `None` when `ms` is not a whole number of minutes. The checker, the constant
/// evaluators and the code generator all move times through this.
pub fn time_shift(op: BinaryOp, ms: i64) -> Option<i64> {
    if ms % MS_PER_MINUTE != 0 {
        return None;
    }
    let minutes = (ms / MS_PER_MINUTE).rem_euclid(MINUTES_PER_DAY);
    Some(if op == BinaryOp::Sub { (MINUTES_PER_DAY - minutes) % MINUTES_PER_DAY } else { minutes })
}

/// A time of day moved on by `shift` minutes (from [`time_shift`]), as the runtime computes it.
pub fn time_shifted(t: u16, shift: i64) -> u16 {
    let minutes = glass_runtime::isa::remainder(i64::from(t) + shift, MINUTES_PER_DAY);
    u16::try_from(minutes).unwrap_or(0)
}
