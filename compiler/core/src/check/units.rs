//! Where a number without a unit meets a Duration or a Percent (E0201), or two units meet
//! (E0202): what the author most likely meant, and a fix only when that is certain.
//!
//! A bare number (`within 500`) gets the units that make a plausible duration where it stands:
//! a sequence's window is short, so `500` there is `500 ms`; `every 30` could be `30 s` or
//! `30 min`, and the help lists both without a fix. A name or an expression without a unit
//! (`minutes-before > 20 min`) is never given a unit after its name: the help compares it with a
//! plain number instead, or multiplies it by a unit, both of which typecheck.

use super::Checker;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{Expr, ExprKind};
use crate::syntax::print;
use crate::types::Type;

/// Where a duration is written, which bounds what is plausible there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// `within` of a sequence: from a fast double press to a couple of minutes.
    Window,
    /// `every`, `per`, `for`: a second to a day.
    Period,
    /// `after`: a tenth of a second to a day.
    Delay,
    /// Anywhere else (an argument, a comparison, a test time).
    Anywhere,
}

impl Place {
    /// The place of a duration named as [`Checker::positive_duration`] names it.
    pub fn of(what: &str) -> Place {
        match what {
            "`within`" => Place::Window,
            "`after`" => Place::Delay,
            "`every`" | "a rate limit" | "a held condition" => Place::Period,
            _ => Place::Anywhere,
        }
    }

    /// The shortest and longest plausible duration here, in milliseconds.
    fn bounds(self) -> (u64, u64) {
        const DAY: u64 = 86_400_000;
        match self {
            Place::Window => (50, 120_000),
            Place::Period => (1_000, DAY),
            Place::Delay => (100, DAY),
            Place::Anywhere => (100, 7 * DAY),
        }
    }
}

/// The units that make `n` a plausible duration at `place`, shortest first.
fn plausible_units(n: u64, place: Place) -> Vec<&'static str> {
    let (lo, hi) = place.bounds();
    [("ms", 1u64), ("s", 1_000), ("min", 60_000), ("h", 3_600_000)]
        .into_iter()
        .filter(|(_, size)| n.checked_mul(*size).is_some_and(|ms| (lo..=hi).contains(&ms)))
        .map(|(unit, _)| unit)
        .collect()
}

/// The unit a name says its number counts in (`minutes-before`, `timeout-secs`), in milliseconds.
fn unit_of_name(name: &str) -> Option<u64> {
    name.split('-').find_map(|part| {
        Some(match part {
            "ms" | "millis" | "milliseconds" => 1,
            "s" | "sec" | "secs" | "second" | "seconds" => 1_000,
            "min" | "mins" | "minute" | "minutes" => 60_000,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000,
            "day" | "days" => 86_400_000,
            _ => return None,
        })
    })
}

/// The whole number `e` is, through brackets.
fn literal(e: &Expr) -> Option<u64> {
    match &e.kind {
        ExprKind::Int(n) => Some(*n),
        ExprKind::Paren(inner) => literal(inner),
        _ => None,
    }
}

/// The name `e` is, if it is one (a payload field, a state, a variable).
fn name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Path(p) => Some(p.text()),
        ExprKind::Paren(inner) => name(inner),
        _ => None,
    }
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            format!("{} or `{last}`", init.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "))
        }
    }
}

impl Checker<'_> {
    /// `int_side` is an Int where `want` (a Duration or a Percent) is needed: compared with
    /// `other` (when it is a comparison or a sum), or expected at `place`.
    pub(crate) fn int_for_unit(&mut self, int_side: &Expr, want: &Type, other: Option<&Expr>, place: Place) {
        let want_a = want.a();
        let context = match other {
            Some(_) => format!("but it is compared with {want_a}"),
            None => format!("but {want_a} is expected here"),
        };
        let with_other = |d: Diagnostic| match other {
            Some(o) => d.with_secondary(o.span, format!("this is {want_a}")),
            None => d,
        };
        if let Some(n) = literal(int_side) {
            let d = with_other(
                Diagnostic::error(codes::MISSING_UNIT, format!("this number has no unit, {context}"), int_side.span)
                    .with_label_message("no unit"),
            );
            let d = if *want == Type::Percent {
                let fixed = format!("{n}%");
                d.with_help(format!("add `%`: `{fixed}`")).with_fix("add `%`", int_side.span, fixed)
            } else {
                let units = plausible_units(n, place);
                let written: Vec<String> = units.iter().map(|u| format!("{n} {u}")).collect();
                match written.as_slice() {
                    [one] => d.with_help(format!("add a unit: `{one}` (units: ms, s, min, h)")).with_fix(
                        "add the unit",
                        int_side.span,
                        one.clone(),
                    ),
                    [] => d.with_help(format!("add a unit, such as `{n} s` (units: ms, s, min, h)")),
                    many => d.with_help(format!("add the unit meant: {} (units: ms, s, min, h)", either(many))),
                }
            };
            self.error(d);
            return;
        }
        // A name or an expression: never a unit after it, but a number on the other side, or the
        // value multiplied by its unit.
        let shown = name(int_side).unwrap_or_else(|| print::expr(int_side));
        let one = if *want == Type::Percent { "1%" } else { "1 s" };
        let d = with_other(
            Diagnostic::error(
                codes::MISSING_UNIT,
                format!("`{shown}` is a number without a unit, {context}"),
                int_side.span,
            )
            .with_label_message("a number without a unit"),
        );
        let other_number = other.and_then(|o| match &o.kind {
            ExprKind::Quantity { value, unit } => Some((o, *value, crate::syntax::units::unit_millis(&unit.node))),
            ExprKind::Percent(value) => Some((o, *value, None)),
            _ => None,
        });
        let d = match other_number {
            Some((o, value, unit_ms)) => {
                // `minutes-before > 2 h` is `minutes-before > 120`: certain when the name says
                // what it counts and the duration is a whole number of it.
                let counted = name(int_side).as_deref().and_then(unit_of_name);
                let exact = match (unit_ms, counted) {
                    (Some(ms), Some(per)) => value.checked_mul(ms).filter(|total| total % per == 0).map(|t| t / per),
                    _ => None,
                };
                match exact {
                    Some(number) => d
                        .with_help(format!(
                            "`{shown}` counts in the unit its name says: compare it with the number `{number}`"
                        ))
                        .with_fix(format!("write `{number}`"), o.span, number.to_string()),
                    None => d.with_help(format!(
                        "compare it with a plain number (`{value}`, in the unit `{shown}` counts in), or make it {want_a}: `{shown} * {one}`"
                    )),
                }
            }
            None => {
                d.with_help(format!("multiply it by a unit to make it {want_a}: `{} * {one}`", bracketed(int_side)))
            }
        };
        self.error(d);
    }

    /// `lhs` (a Duration or a Percent) meets `rhs` of the other one (E0202).
    pub(crate) fn units_differ(&mut self, want: &Type, found_side: &Expr, found: &Type, wanted_side: Option<&Expr>) {
        let (want_a, found_a) = (want.a(), found.a());
        let message = match wanted_side {
            Some(_) => format!("{want_a} cannot be compared with {found_a}"),
            None => format!("expected {want_a}, found {found_a}"),
        };
        let mut d = Diagnostic::error(codes::UNIT_MISMATCH, message, found_side.span)
            .with_label_message(format!("this is {found_a}"));
        if let Some(w) = wanted_side {
            d = d.with_secondary(w.span, format!("this is {want_a}"));
        }
        // The number written, in the unit wanted.
        let number = match &found_side.kind {
            ExprKind::Quantity { value, .. } | ExprKind::Percent(value) => Some(*value),
            _ => None,
        };
        let help = match (number, want) {
            (Some(n), Type::Percent) => format!("a percentage is written with `%`: `{n}%`"),
            (Some(n), _) => {
                let written: Vec<String> =
                    plausible_units(n, Place::Anywhere).iter().map(|u| format!("{n} {u}")).collect();
                format!("write a duration, such as {}", either(&written))
            }
            (None, _) => format!("write {want_a}, such as {}", self.example(want)),
        };
        self.error(d.with_help(help));
    }
}

/// `e` as it reads as one operand of `*`.
fn bracketed(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Path(_) | ExprKind::Int(_) | ExprKind::Paren(_) => print::expr(e),
        _ => format!("({})", print::expr(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_units_fit_the_place() {
        assert_eq!(plausible_units(500, Place::Window), ["ms"]);
        assert_eq!(plausible_units(5, Place::Window), ["s"]);
        assert_eq!(plausible_units(30, Place::Period), ["s", "min"]);
        assert_eq!(plausible_units(5, Place::Delay), ["s", "min", "h"]);
        assert!(plausible_units(u64::MAX, Place::Anywhere).is_empty());
    }

    #[test]
    fn names_say_their_unit() {
        assert_eq!(unit_of_name("minutes-before"), Some(60_000));
        assert_eq!(unit_of_name("timeout-secs"), Some(1_000));
        assert_eq!(unit_of_name("steps"), None);
        assert_eq!(unit_of_name("session"), None);
    }
}
