//! Units of measures the profiles declare (`state speed: Int 0..300 km/h`,
//! `precondition(temperature: Int °C)`): a number written with a unit (`120 km/h`, `22 °C`,
//! `22 degC`) is an `Int` in that unit. A unit no value in scope has is E0013, with the units in
//! scope; two values in different units meet in E0202. A plain number fits any unit: it counts in
//! the unit of what it meets, as before units were declared.

use super::{Checker, Target};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::span::{Span, Spanned};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Path, UnaryOp, VarDecl};
use crate::syntax::print;
use crate::syntax::units::{canonical_unit, other_spellings};
use crate::types::Type;

/// The unit of a value, as far as a check needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UnitOf {
    /// A plain number, which takes the unit of what it meets.
    Plain,
    /// A value declared without a unit (`steps`), which a number with a unit does not fit.
    None,
    /// A value in this unit, as glass prints it.
    In(String),
}

impl Checker<'_> {
    /// `22 °C`: an `Int` in a unit some value in scope is declared in; else E0013.
    pub(super) fn measure(&mut self, e: &Expr, unit: &Spanned<String>) -> Type {
        let canonical = canonical_unit(&unit.node);
        let in_scope = self.units_in_scope();
        if in_scope.iter().any(|(u, _)| u == canonical) {
            return Type::Int;
        }
        let number = match &e.kind {
            ExprKind::Measure { value, .. } => value.to_string(),
            _ => "the number".into(),
        };
        // `18 C`, `65 F`: the degree sign left out.
        let degrees = format!("°{}", unit.node);
        if in_scope.iter().any(|(u, _)| *u == degrees) {
            self.error(
                Diagnostic::error(codes::UNKNOWN_UNIT, format!("no unit `{}`", unit.node), unit.span)
                    .with_label_message(format!("write `{degrees}`"))
                    .with_help(format!("degrees are written `{degrees}`{}", or_also(&degrees)))
                    .with_fix(format!("write `{degrees}`"), unit.span, degrees.clone()),
            );
            return Type::Error;
        }
        let listed: Vec<String> = in_scope
            .iter()
            .map(|(u, names)| {
                let more = if names.len() > 2 { format!(", +{}", names.len() - 2) } else { String::new() };
                format!("`{u}` ({}{more})", names.iter().take(2).cloned().collect::<Vec<_>>().join(", "))
            })
            .collect();
        let whole = in_scope.iter().find(|(u, _)| u.starts_with(&format!("{}/", unit.node)));
        let help = if let Some((whole, _)) = whole {
            format!("the unit is `{whole}`, with its `/`, as in `{number} {whole}`")
        } else if listed.is_empty() {
            format!(
                "the profiles in `use` declare no unit of a measure, so a speed, a distance or a light level is a plain number in the unit its state counts in, as in `{number}`; numbers also take `%` and the durations `ms`, `s`, `min`, `h`, `day`"
            )
        } else {
            format!("the units here are {}, `%`, and the durations `ms`, `s`, `min`, `h`, `day`", listed.join(", "))
        };
        self.error(
            Diagnostic::error(codes::UNKNOWN_UNIT, format!("no unit `{}`", unit.node), unit.span)
                .with_label_message("no value in scope has this unit")
                .with_help(help),
        );
        Type::Error
    }

    /// Every unit of a measure a state, variable, payload field or parameter in scope is declared
    /// in, each with the names that have it, in declaration order.
    fn units_in_scope(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        let mut add = |unit: &Option<String>, name: String| {
            let Some(unit) = unit else { return };
            match out.iter_mut().find(|(u, _)| u == unit) {
                Some((_, names)) => names.push(name),
                None => out.push((unit.clone(), vec![name])),
            }
        };
        for s in &self.scope.states {
            add(&s.unit, s.name.clone());
        }
        for v in &self.scope.vars {
            add(&v.unit, v.name.clone());
        }
        for e in &self.scope.events {
            for p in &e.params {
                add(&p.unit, format!("{}'s {}", e.name, p.name));
            }
        }
        for a in &self.scope.actions {
            for p in &a.params {
                add(&p.unit, format!("{}'s {}", a.name, p.name));
            }
        }
        out
    }

    /// The unit of `e`, an `Int` expression that type-checked (so its names are resolved).
    pub(super) fn unit_of(&self, e: &Expr) -> UnitOf {
        match &e.kind {
            ExprKind::Measure { unit, .. } => UnitOf::In(canonical_unit(&unit.node).to_string()),
            ExprKind::Path(p) => self.resolved_unit(p).unwrap_or(UnitOf::Plain),
            ExprKind::Paren(inner) | ExprKind::Unary { op: UnaryOp::Neg, operand: inner } => self.unit_of(inner),
            // A sum has the unit of its sides (E0202 when they differ); a product or a quotient
            // by a plain number keeps the other side's.
            ExprKind::Binary {
                op: BinaryOp::Add | BinaryOp::Sub | BinaryOp::Rem | BinaryOp::Mul | BinaryOp::Div,
                lhs,
                rhs,
            } => match self.unit_of(lhs) {
                UnitOf::Plain => self.unit_of(rhs),
                unit => unit,
            },
            _ => UnitOf::Plain,
        }
    }

    /// The declared unit of what `p` was resolved to (the checker's own reference for it), if
    /// that is a state, variable, payload field or parameter of type `Int`.
    fn resolved_unit(&self, p: &Path) -> Option<UnitOf> {
        let target = &self.out.references.iter().rev().find(|r| r.span == p.span)?.target;
        let (ty, unit) = match target {
            Target::State(i) => self.scope.states.get(*i).map(|s| (&s.ty, &s.unit))?,
            Target::Var(i) => self.scope.vars.get(*i).map(|v| (&v.ty, &v.unit))?,
            Target::EventParam(e, i) | Target::StepParam(_, e, i) => {
                self.scope.events.get(*e)?.params.get(*i).map(|p| (&p.ty, &p.unit))?
            }
            Target::ActionParam(a, i) => self.scope.actions.get(*a)?.params.get(*i).map(|p| (&p.ty, &p.unit))?,
            _ => return None,
        };
        (*ty == Type::Int).then(|| unit.clone().map_or(UnitOf::None, UnitOf::In))
    }

    /// `lhs op rhs` of two `Int`s: E0202 when both have units and they differ, or one has a unit
    /// and the other is declared without one.
    pub(super) fn same_units(&mut self, lhs: &Expr, rhs: &Expr) {
        let (l, r) = (self.unit_of(lhs), self.unit_of(rhs));
        let (named, written, named_unit, written_unit) = match (&l, &r) {
            (UnitOf::In(a), UnitOf::In(b)) if a != b => (lhs, rhs, Some(a.as_str()), b.as_str()),
            (UnitOf::None, UnitOf::In(b)) => (lhs, rhs, None, b.as_str()),
            (UnitOf::In(a), UnitOf::None) => (rhs, lhs, None, a.as_str()),
            _ => return,
        };
        self.unit_mismatch(&print::expr(named), named_unit, written_unit, written, Some(named.span));
    }

    /// A value for something declared in `want` (or without a unit, `None`): the argument of a
    /// parameter, the value a variable or state is set to, a threshold. `what` names it.
    pub(super) fn unit_fits(&mut self, what: &str, want: Option<&str>, value: &Expr) {
        let UnitOf::In(got) = self.unit_of(value) else { return };
        if want != Some(got.as_str()) {
            self.unit_mismatch(what, want, &got, value, None);
        }
    }

    /// `set target = value`, `on target above value`: the value in the unit `target` is declared
    /// in (a variable or state whose type is `Int`).
    pub(super) fn unit_of_target_fits(&mut self, target: &Path, value: &Expr) {
        let want = match self.resolved_unit(target) {
            Some(UnitOf::In(unit)) => Some(unit),
            Some(_) => None,
            None => return,
        };
        self.unit_fits(&target.text(), want.as_deref(), value);
    }

    /// E0202 at `value`, in `got`, where `what` (at `named`, if it is written there) is in `want`
    /// or declared without a unit (`None`).
    fn unit_mismatch(&mut self, what: &str, want: Option<&str>, got: &str, value: &Expr, named: Option<Span>) {
        let (message, help) = match want {
            Some(want) => {
                let example = match &value.kind {
                    ExprKind::Measure { value, .. } => format!(", as in `{value} {want}`"),
                    _ => String::new(),
                };
                (
                    format!("`{what}` is in {want}, and this is in {got}"),
                    format!(
                        "write the value in {want}{example}; glass does not convert between units{}",
                        spellings(want)
                    ),
                )
            }
            None => (
                format!("`{what}` has no unit, and this is in {got}"),
                format!("`{what}` counts no unit: write a plain number"),
            ),
        };
        let mut d = Diagnostic::error(codes::UNIT_MISMATCH, message, value.span)
            .with_label_message(format!("in {got}"))
            .with_help(help);
        if let Some(named) = named {
            d = d.with_secondary(named, want.map_or_else(|| "no unit".to_string(), |u| format!("in {u}")));
        }
        self.error(d);
    }

    /// A variable's declared unit: only an `Int` has one (E0200).
    pub(super) fn var_unit(&mut self, var: &VarDecl, ty: &Type) -> Option<String> {
        let unit = var.ty.unit();
        if let Some(unit) = unit
            && *ty != Type::Int
        {
            if *ty != Type::Error {
                self.unit_on_non_int(unit.span, &unit.node, ty);
            }
            return None;
        }
        let canonical = unit.map(|u| canonical_unit(&u.node).to_string());
        if let (Some(init), Type::Int) = (&var.init, ty) {
            self.unit_fits(&var.name.node, canonical.as_deref(), init);
        }
        canonical
    }

    fn unit_on_non_int(&mut self, at: Span, unit: &str, ty: &Type) {
        self.error(
            Diagnostic::error(codes::TYPE_MISMATCH, format!("{} has no unit `{unit}`", ty.a()), at)
                .with_label_message("a unit of a measure")
                .with_help(format!("only a whole number counts in a unit: declare `Int {unit}`, or remove `{unit}`")),
        );
    }
}

/// `; `°C` is also written `℃`, `degC` or `celsius`` for a unit with other spellings.
fn spellings(unit: &str) -> String {
    match other_spellings(unit) {
        [] => String::new(),
        others => format!("; `{unit}` is also written {}", listed(others)),
    }
}

/// `, or `℃`, `degC` or `celsius`` for a unit with other spellings.
fn or_also(unit: &str) -> String {
    match other_spellings(unit) {
        [] => String::new(),
        others => format!(", or {}", listed(others)),
    }
}

/// `` `a`, `b` or `c` ``.
fn listed(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} or {last}", init.join(", ")),
        None => String::new(),
    }
}
