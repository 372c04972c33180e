//! Typing expressions: conditions, filters, values of arguments and variables.

use super::ratio::ArgumentOf;
use super::steps::{StepField, StepScope};
use super::units::Place;
use super::{Checker, Target, is_error_path};
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::model::ParamDef;
use crate::suggest::did_you_mean;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Path, UnaryOp};
use crate::types::{Const, ConstError, Type, const_eval};

/// Names an expression can read besides states and variables. Passed down the whole walk of an
/// expression, so it stays small: a sequence's steps live in the checker, and this says only
/// which of them the expression can read.
#[derive(Clone, Copy, Default)]
pub(crate) struct Locals<'p> {
    /// The triggering event's payload fields, inside `where`, and the event they belong to.
    pub payload: Option<(usize, &'p [ParamDef])>,
    /// In a sequence rule: where the expression stands, and so whose fields it reads.
    pub steps: Option<StepScope>,
}

impl Checker<'_> {
    /// Types `e`; `expected` lets bare enum values (`still`) resolve against the type they meet.
    ///
    /// This and [`Self::condition`] and [`Self::binary`] recurse over the tree, so they keep their
    /// frames small: everything that reports is in functions called after the recursion.
    pub fn expr(&mut self, e: &Expr, expected: Option<&Type>, locals: Locals) -> Type {
        match &e.kind {
            ExprKind::Int(_) => Type::Int,
            ExprKind::Quantity { .. } => Type::Duration,
            ExprKind::Percent(n) => {
                if *n > 100 {
                    self.over_100_percent(e, *n);
                }
                Type::Percent
            }
            ExprKind::Text(_) => Type::Text,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::Time(_) => Type::Time,
            ExprKind::Measure { unit, .. } => self.measure(e, unit),
            ExprKind::Ratio(w, h) => {
                self.ratio(e, (*w, *h), expected, None);
                Type::Error
            }
            ExprKind::Error => Type::Error,
            ExprKind::Paren(inner) => self.expr(inner, expected, locals),
            ExprKind::Path(p) => self.name(p, expected, locals),
            ExprKind::Unary { op: UnaryOp::Not, operand } => {
                self.condition(operand, locals);
                Type::Bool
            }
            ExprKind::Unary { op: UnaryOp::Neg, operand } => {
                let t = self.expr(operand, expected, locals);
                self.negation(e, operand, t)
            }
            ExprKind::Held { condition, duration } => {
                self.condition(condition, locals);
                self.positive_duration(duration, "a held condition");
                self.no_text_match_held(condition, duration);
                Type::Bool
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, locals),
        }
    }

    fn over_100_percent(&mut self, e: &Expr, n: u64) {
        self.error(
            Diagnostic::error(codes::OUT_OF_RANGE, format!("{n}% is more than 100%"), e.span)
                .with_label_message("more than 100%")
                .with_help("percentages go from 0% to 100%"),
        );
    }

    /// The type of `-operand`, where the operand is `t`.
    fn negation(&mut self, e: &Expr, operand: &Expr, t: Type) -> Type {
        if !t.is_numeric() {
            let help = if t == Type::Bool {
                format!("`-` negates a number; a condition is negated with `not`: `not {}`", short(operand))
            } else {
                format!("`-` negates an Int, a Percent or a Duration, and this is {}", t.a())
            };
            self.mismatch(operand, "a number", &t, help);
            return Type::Error;
        }
        if matches!(t, Type::Duration | Type::Percent) {
            let what = if t == Type::Duration { "durations" } else { "percentages" };
            let positive = crate::syntax::print::expr(operand);
            self.error(
                Diagnostic::error(codes::OUT_OF_RANGE, format!("{what} are never negative"), e.span)
                    .with_label_message(format!(
                        "a negative {}",
                        if t == Type::Duration { "duration" } else { "percentage" }
                    ))
                    .with_help(if t == Type::Duration {
                        format!("durations are zero or more: write `{positive}`")
                    } else {
                        format!("percentages go from 0% to 100%: write `{positive}`")
                    })
                    .with_fix(format!("write `{positive}`"), e.span, positive),
            );
        }
        t
    }

    /// An expression that must be `Bool`.
    pub fn condition(&mut self, e: &Expr, locals: Locals) {
        let t = self.expr(e, Some(&Type::Bool), locals);
        if !t.matches(&Type::Bool) {
            self.not_a_condition(e, &t);
        }
    }

    /// `word == "a" or "b"`: a value after `and`/`or` where a test was meant, the test before it
    /// repeated (E0203 with the test written out); any other value is E0203 as a condition.
    fn joined_value(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, t: &Type) {
        // The last test before the value: `a == 1 or 2 or 3` repeats `a ==` for `3` too.
        let Some((test, subject)) = last_test(lhs).filter(|_| *t != Type::Error) else {
            return self.not_a_condition(rhs, t);
        };
        let repeated =
            format!("{} {} {}", crate::syntax::print::expr(subject), test.as_str(), crate::syntax::print::expr(rhs));
        let (joined, t_a) = (op.as_str(), t.a());
        self.error(
            Diagnostic::error(codes::NOT_A_CONDITION, format!("this is {t_a}, not true or false"), rhs.span)
                .with_label_message(format!("this is {t_a}"))
                .with_secondary(lhs.span, "a test")
                .with_help(format!(
                    "`{joined}` joins two tests, so the second one needs its left side too: `{} {joined} {repeated}`",
                    crate::syntax::print::expr(lhs)
                ))
                .with_fix(format!("write `{repeated}`"), rhs.span, repeated),
        );
    }

    fn not_a_condition(&mut self, e: &Expr, t: &Type) {
        let t_a = t.a();
        let it = crate::syntax::print::expr(e);
        let help = match t {
            Type::Text => format!("compare it with a text: `{it} == \"...\"`"),
            Type::Enum(name) => match self.scope.enum_def(name).map_or(&[][..], |d| d.variants.as_slice()) {
                [] => format!("compare it with a value of `{name}`"),
                values => {
                    format!("compare it with one of its values ({}): `{it} == {}`", super::one_of(values), values[0])
                }
            },
            Type::Time => format!("compare it with a time of day: `{it} < 12:00`"),
            _ => format!("compare it with something: `{it} > {}`", zero_of(t)),
        };
        self.error(
            Diagnostic::error(codes::NOT_A_CONDITION, format!("this is {t_a}, not true or false"), e.span)
                .with_label_message(format!("this is {t_a}"))
                .with_help(help),
        );
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, locals: Locals) -> Type {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            self.condition(lhs, locals);
            let t = self.expr(rhs, Some(&Type::Bool), locals);
            if !t.matches(&Type::Bool) {
                self.joined_value(op, lhs, rhs, &t);
            }
            return Type::Bool;
        }
        if op.is_text_match() {
            let lt = self.expr(lhs, Some(&Type::Text), locals);
            let rt = self.expr(rhs, Some(&Type::Text), locals);
            self.text_match(op, lhs, &lt, rhs, &rt);
            return Type::Bool;
        }
        // A bare word on the left (`still == motion`) may be an enum value of the right side's type.
        let (lt, rt) = if self.is_unbound_word(lhs, locals) {
            let rt = self.expr(rhs, None, locals);
            (self.expr(lhs, Some(&rt), locals), rt)
        } else {
            let lt = self.expr(lhs, None, locals);
            let rt = self.expr(rhs, Some(&lt), locals);
            (lt, rt)
        };
        let units_meet = matches!(op, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Rem) || op.is_comparison();
        if units_meet && lt == Type::Int && rt == Type::Int {
            self.same_units(lhs, rhs);
        }
        self.binary_type(op, lhs, lt, rhs, rt)
    }

    /// `lhs matches rhs` or `lhs contains rhs`, whose sides are `lt` and `rt`: two texts, and a
    /// written pattern has words.
    fn text_match(&mut self, op: BinaryOp, lhs: &Expr, lt: &Type, rhs: &Expr, rt: &Type) {
        let name = op.as_str();
        let (l, r) = (crate::syntax::print::expr(lhs), crate::syntax::print::expr(rhs));
        for (side, t, is_lhs) in [(lhs, lt, true), (rhs, rt, false)] {
            if *t == Type::Error || t.matches(&Type::Text) {
                continue;
            }
            let it = if is_lhs { &l } else { &r };
            let help = match t {
                // `text contains photo`, where `photo` is also an enum value: the word was meant.
                Type::Enum(_) if !is_lhs && matches!(&side.kind, ExprKind::Path(p) if p.segments.len() == 1) => {
                    let quoted = format!("\"{r}\"");
                    let d = Diagnostic::error(codes::TYPE_MISMATCH, format!("expected a text, found {}", t.a()), side.span)
                        .with_label_message(format!("this is {}", t.a()))
                        .with_help(format!("`{name}` looks for words: to look for the word `{r}`, write it in quotes, as in `{l} {name} {quoted}`"))
                        .with_fix(format!("write `{quoted}`"), side.span, quoted);
                    self.error(d);
                    continue;
                }
                Type::Enum(enum_name) => {
                    let values = self.scope.enum_def(enum_name).map_or(&[][..], |d| d.variants.as_slice());
                    let value = values.first().map_or("VALUE", String::as_str);
                    format!(
                        "`{it}` is a value of `{enum_name}`, not words: compare it with `==`, as in `{it} == {value}`"
                    )
                }
                _ if is_lhs => format!(
                    "`{name}` compares the words of two texts, and `{it}` is {}: compare it with `==`, `<` or `>`",
                    t.a()
                ),
                _ => {
                    let words = if matches!(side.kind, ExprKind::Int(_)) { r.as_str() } else { "..." };
                    format!("`{name}` looks for words: write them in quotes, as in `{l} {name} \"{words}\"`")
                }
            };
            self.mismatch(side, "a text", t, help);
        }
        if let ExprKind::Text(pattern) = &rhs.kind {
            let pattern = crate::syntax::lexer::unescape(pattern);
            if glass_runtime::text::same_words(&pattern, "") {
                self.wordless_pattern(op, lhs, rhs, &pattern);
            }
        }
    }

    /// `contains ""` is always true and `matches "?"` true only of a text without words: the
    /// author meant other words.
    fn wordless_pattern(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, pattern: &str) {
        let l = crate::syntax::print::expr(lhs);
        let (message, label) = if op == BinaryOp::Contains {
            (format!("every text contains `{}`: it has no words", crate::syntax::print::expr(rhs)), "always true")
        } else {
            (format!("`{l}` matches `{}` only when it has no words", crate::syntax::print::expr(rhs)), "no words")
        };
        let what = if pattern.is_empty() { "an empty text" } else { "punctuation and spaces only" };
        self.error(
            Diagnostic::warning(codes::WORDLESS_PATTERN, message, rhs.span)
                .with_label_message(label)
                .with_help(format!(
                    "this is {what}, and words are compared without case, spaces or punctuation: write the words to look for, as in `{l} {} \"take photo\"`",
                    op.as_str()
                )),
        );
    }

    /// A held condition is evaluated without the texts the host passed in, so it cannot match
    /// words (E0308).
    pub(super) fn no_text_match_held(&mut self, condition: &Expr, duration: &Expr) {
        let Some((op, at)) = text_match_in(condition) else { return };
        let d = crate::syntax::print::expr(duration);
        self.error(
            Diagnostic::error(
                codes::HELD_TEXT_MATCH,
                format!("`{}` cannot be held for {d}", op.as_str()),
                at,
            )
            .with_label_message(format!("`{}` in a held condition", op.as_str()))
            .with_secondary(duration.span, "held for this long")
            .with_help(format!(
                "a held condition is re-tested when states change, without the texts the device passed in: test the words without `for {d}`, or hold what they decided (a `var` a rule sets when it sees the text)"
            )),
        );
    }

    /// The type of `lhs op rhs` (not `and` or `or`), whose sides are `lt` and `rt`.
    fn binary_type(&mut self, op: BinaryOp, lhs: &Expr, lt: Type, rhs: &Expr, rt: Type) -> Type {
        if lt == Type::Error || rt == Type::Error {
            return if op.is_comparison() { Type::Bool } else { Type::Error };
        }
        let (lt_a, rt_a) = (lt.a(), rt.a());
        if op.is_comparison() {
            if !self.same_kind(lhs, &lt, rhs, &rt) {
                return Type::Bool;
            }
            if !matches!(op, BinaryOp::Eq | BinaryOp::Ne) && !lt.is_ordered() {
                self.error(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        format!("{lt} values cannot be compared with `{}`", op.as_str()),
                        lhs.span.to(rhs.span),
                    )
                    .with_label_message("cannot be ordered")
                    .with_help("only numbers, percentages, durations and times are ordered; use `==` or `!=`"),
                );
            }
            return Type::Bool;
        }
        if lt == Type::Time || rt == Type::Time {
            return self.time_arithmetic(op, lhs, &lt, rhs, &rt);
        }
        match op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Rem => {
                if !lt.is_numeric() {
                    let help = format!(
                        "`{}` takes Int, Percent or Duration values, and `{}` is {}",
                        op.as_str(),
                        short(lhs),
                        lt.a()
                    );
                    self.mismatch(lhs, "a number", &lt, help);
                    return Type::Error;
                }
                if op == BinaryOp::Rem && !lt.matches(&rt) {
                    self.remainder_of_two_kinds(lhs, &lt, rhs, &rt);
                    return Type::Error;
                }
                if !self.same_kind(lhs, &lt, rhs, &rt) {
                    return Type::Error;
                }
                lt
            }
            _ => {
                // Scaling: a quantity times or divided by a plain number.
                match (&lt, &rt) {
                    (Type::Int, Type::Int) => Type::Int,
                    (t, Type::Int) if t.is_numeric() => t.clone(),
                    (Type::Int, t) if t.is_numeric() && op == BinaryOp::Mul => t.clone(),
                    _ => {
                        self.error(
                            Diagnostic::error(
                                codes::UNIT_MISMATCH,
                                format!(
                                    "cannot {} {lt_a} by {rt_a}",
                                    if op == BinaryOp::Mul { "multiply" } else { "divide" }
                                ),
                                lhs.span.to(rhs.span),
                            )
                            .with_label_message(format!("{lt} {} {rt}", op.as_str()))
                            .with_help("multiply or divide a quantity by a plain number, e.g. `delay * 2`"),
                        );
                        Type::Error
                    }
                }
            }
        }
    }

    /// `lhs % rhs` of two kinds of value. A remainder has the unit of what it divides by, so both
    /// sides have one: `clips % 10`, `elapsed % 10 s`, `battery % 25%`.
    fn remainder_of_two_kinds(&mut self, lhs: &Expr, lt: &Type, rhs: &Expr, rt: &Type) {
        let (lt_a, rt_a) = (lt.a(), rt.a());
        let d = match (lt, &rhs.kind) {
            (Type::Duration | Type::Percent, ExprKind::Int(n)) => {
                let unit = if *lt == Type::Duration { format!("`{n} s` or `{n} min`") } else { format!("`{n}%`") };
                Diagnostic::error(
                    codes::MISSING_UNIT,
                    format!("this number has no unit, but it divides {lt_a}"),
                    rhs.span,
                )
                .with_label_message("no unit")
                .with_secondary(lhs.span, format!("this is {lt_a}"))
                .with_help(format!("the remainder of {lt_a} is taken by {lt_a}: write {unit}"))
            }
            _ => Diagnostic::error(
                codes::UNIT_MISMATCH,
                format!("the remainder of {lt_a} divided by {rt_a} has no unit that fits"),
                lhs.span.to(rhs.span),
            )
            .with_label_message(format!("{lt} % {rt}"))
            .with_help("`%` takes two values of one kind and its result has that kind: `clips % 10`, `elapsed % 10 s`, `battery % 25%`"),
        };
        self.error(d);
    }

    /// `lhs op rhs` where a side is a time of day: only `time ± duration` and `duration + time`,
    /// the duration a constant whole number of minutes, which moves the time around the clock
    /// (`23:30 + 1 h` is `00:30`). Everything else is reported (E0201 for a bare number, E0207).
    fn time_arithmetic(&mut self, op: BinaryOp, lhs: &Expr, lt: &Type, rhs: &Expr, rt: &Type) -> Type {
        let moves =
            matches!((op, lt, rt), (BinaryOp::Add | BinaryOp::Sub, Type::Time, _) | (BinaryOp::Add, _, Type::Time));
        let (time, other, other_t) = if *lt == Type::Time { (lhs, rhs, rt) } else { (rhs, lhs, lt) };
        let sign = op.as_str();
        let shown = crate::syntax::print::expr(time);
        if !moves || *other_t == Type::Time {
            let (message, help) = if *other_t == Type::Time {
                (
                    format!("`{sign}` does not take two times of day"),
                    format!(
                        "compare them instead (`{shown} < {}`); to test a time between two others, compare it with both: `{shown} >= 22:00 or {shown} < 06:00`",
                        crate::syntax::print::expr(other)
                    ),
                )
            } else if op == BinaryOp::Sub {
                (
                    "a time of day cannot be subtracted from a duration".to_string(),
                    format!("subtract the duration from the time: `{shown} - {}`", crate::syntax::print::expr(other)),
                )
            } else {
                (
                    format!("a time of day cannot be used with `{sign}`"),
                    format!(
                        "a time of day is moved by a constant duration (`{shown} + 30 min`) or compared (`{shown} < 12:00`)"
                    ),
                )
            };
            self.error(
                Diagnostic::error(codes::TIME_ARITHMETIC, message, lhs.span.to(rhs.span))
                    .with_label_message(format!("{lt} {sign} {rt}"))
                    .with_help(help),
            );
            return Type::Error;
        }
        match other_t {
            Type::Duration => {}
            Type::Int => {
                let n = short(other);
                self.error(
                    Diagnostic::error(
                        codes::MISSING_UNIT,
                        "this number has no unit, but it moves a time of day",
                        other.span,
                    )
                    .with_label_message("no unit")
                    .with_secondary(time.span, "this is a Time")
                    .with_help(format!("a time of day is moved by a duration: `{n} min` or `{n} h`")),
                );
                return Type::Error;
            }
            _ => {
                self.error(
                    Diagnostic::error(
                        codes::TIME_ARITHMETIC,
                        format!("a time of day is moved by a duration, not by {}", other_t.a()),
                        other.span,
                    )
                    .with_label_message(format!("this is {}", other_t.a()))
                    .with_secondary(time.span, "this is a Time")
                    .with_help(format!("write a duration such as `{shown} {sign} 30 min`")),
                );
                return Type::Error;
            }
        }
        let refused = |message: String, label: &str, help: String| {
            Diagnostic::error(codes::TIME_ARITHMETIC, message, other.span)
                .with_label_message(label)
                .with_secondary(time.span, "this is a Time")
                .with_help(help)
        };
        let d = match const_eval(other) {
            Ok(Const::Duration(ms)) if crate::types::time_shift(op, ms).is_some() => return Type::Time,
            Ok(Const::Duration(ms)) => {
                let minutes = ms / crate::types::MS_PER_MINUTE;
                refused(
                    format!("times of day count whole minutes, and `{}` is not one", crate::syntax::print::expr(other)),
                    "not a whole number of minutes",
                    format!("move it by whole minutes, such as `{shown} {sign} {} min`", minutes.max(1)),
                )
            }
            Ok(_) | Err(ConstError::Unreadable) => return Type::Error,
            Err(ConstError::NotConstant) => refused(
                "a time of day is moved by a constant duration".to_string(),
                "this reads a state, a variable or a payload field",
                format!(
                    "write a fixed duration, such as `{shown} {sign} 30 min`; to compare with a time that changes, compare the two times"
                ),
            ),
            Err(e @ (ConstError::Overflow | ConstError::DivisionByZero)) => Diagnostic::error(
                codes::ARITHMETIC_OVERFLOW,
                format!("this duration has no value: {}", crate::model::const_error_text(&e)),
                other.span,
            )
            .with_label_message("no value")
            .with_help("write a duration such as `30 min`"),
        };
        self.error(d);
        Type::Error
    }

    /// Both sides of a comparison or sum have one type; otherwise reports the clearest reason.
    fn same_kind(&mut self, lhs: &Expr, lt: &Type, rhs: &Expr, rt: &Type) -> bool {
        if lt.matches(rt) {
            return true;
        }
        let (lt_a, rt_a) = (lt.a(), rt.a());
        let unitful = |t: &Type| matches!(t, Type::Duration | Type::Percent);
        if *lt == Type::Int && unitful(rt) || unitful(lt) && *rt == Type::Int {
            let (bare, other, other_side) = if *lt == Type::Int { (lhs, rt, rhs) } else { (rhs, lt, lhs) };
            self.int_for_unit(bare, other, Some(other_side), Place::Anywhere);
            return false;
        }
        if unitful(lt) && unitful(rt) {
            // The number written is the side to rewrite: `20 s < battery` as well as `battery < 20 s`.
            let literal = |e: &Expr| matches!(e.kind, ExprKind::Quantity { .. } | ExprKind::Percent(_));
            if literal(lhs) && !literal(rhs) {
                self.units_differ(rt, lhs, lt, Some(rhs));
            } else {
                self.units_differ(lt, rhs, rt, Some(lhs));
            }
            return false;
        }
        let d = Diagnostic::error(codes::TYPE_MISMATCH, format!("{lt_a} cannot be compared with {rt_a}"), rhs.span)
            .with_label_message(format!("this is {rt_a}"))
            .with_secondary(lhs.span, format!("this is {lt_a}"))
            .with_help(format!("both sides must have one type; write {lt_a} such as {}", self.example(lt)));
        self.error(d);
        false
    }

    fn is_unbound_word(&self, e: &Expr, locals: Locals) -> bool {
        let ExprKind::Path(p) = &e.kind else { return false };
        p.segments.len() == 1
            && !locals.payload.is_some_and(|(_, fields)| fields.iter().any(|f| f.name == p.segments[0].node))
            && !matches!(self.step_field(p, locals), StepField::Readable { .. })
            && self.scope.var(&p.segments[0].node).is_none()
            && self.scope.states_matching(p).is_empty()
    }

    /// A name in an expression: a payload field, a variable, a state, or an enum value.
    fn name(&mut self, p: &Path, expected: Option<&Type>, locals: Locals) -> Type {
        if is_error_path(p) {
            return Type::Error;
        }
        let word = p.text();
        // The built-in first: nothing a profile or the pack declares can take its place.
        if p.segments.len() == 1 && word == crate::types::TIME_OF_DAY {
            self.refer(p.span, Target::TimeOfDay);
            return Type::Time;
        }
        let step_field = self.step_field(p, locals);
        if let StepField::Readable { step, event, field } = step_field
            && let Some(f) = self.scope.events.get(event).and_then(|e| e.params.get(field))
        {
            let ty = f.ty.clone();
            self.refer(p.span, Target::StepParam(step, event, field));
            return ty;
        }
        if p.segments.len() == 1 {
            if let Some((event, fields)) = locals.payload
                && let Some(i) = fields.iter().position(|f| f.name == word)
            {
                self.refer(p.span, Target::EventParam(event, i));
                return fields[i].ty.clone();
            }
            if let Some(i) = self.scope.var(&word) {
                self.refer(p.span, Target::Var(i));
                return self.scope.vars[i].ty.clone();
            }
        }
        let states = self.scope.states_matching(p);
        match states.as_slice() {
            [i] => {
                self.refer(p.span, Target::State(*i));
                return self.scope.states[*i].ty.clone();
            }
            [_, ..] => {
                self.ambiguous_state(p, &states);
                return Type::Error;
            }
            [] => {}
        }
        if p.segments.len() == 1
            && let Some(t) = self.enum_value(&word, p, expected)
        {
            return t;
        }
        if !matches!(step_field, StepField::None) {
            self.field_without_value(p, step_field, locals);
            return Type::Error;
        }
        if p.segments.len() == 1
            && let Some(d) = self.field_of_one_trigger(&word, p.span, locals.payload.map(|(e, _)| e))
        {
            self.error(d);
            return Type::Error;
        }
        let states = self.scope.state_short_names();
        let step_names = match (&self.sequence, locals.steps) {
            (Some(steps), Some(at)) => steps.readable_names(self.scope, at, p.segments.len() > 1),
            _ => Vec::new(),
        };
        let mut candidates: Vec<&str> = step_names.iter().map(String::as_str).collect();
        if let Some((_, fields)) = locals.payload {
            candidates.extend(fields.iter().map(|f| f.name.as_str()));
        }
        candidates.extend(self.scope.vars.iter().map(|v| v.name.as_str()));
        candidates.extend(states.iter().map(String::as_str));
        let expected_enum = match expected {
            Some(Type::Enum(e)) => {
                if self.scope.enum_conflicts(e) {
                    // Its values depend on which profile is meant: E0109 already said so.
                    return Type::Error;
                }
                self.scope.enum_def(e)
            }
            _ => None,
        };
        if let Some(def) = expected_enum {
            candidates.extend(def.variants.iter().map(String::as_str));
        }
        let suggestion = did_you_mean(&word, candidates.iter().copied());
        // `driving == yes`: a Bool is `true` or `false`.
        let truth = match word.to_ascii_lowercase().as_str() {
            "yes" | "true" | "y" => Some("true"),
            "no" | "false" | "n" => Some("false"),
            _ => None,
        };
        if let (Some(truth), Some(Type::Bool), true) = (truth, expected, p.segments.len() == 1) {
            self.error(
                Diagnostic::error(codes::UNKNOWN_NAME, format!("a Bool is `true` or `false`, not `{word}`"), p.span)
                    .with_label_message(format!("write `{truth}`"))
                    .with_help(format!("write `{truth}`"))
                    .with_fix(format!("write `{truth}`"), p.span, truth),
            );
            return Type::Error;
        }
        let d = match expected_enum {
            Some(def) if p.segments.len() == 1 => {
                let values = super::one_of(&def.variants);
                let other = self.scope.enums_with_value(&word).first().map(|&(e, _)| self.scope.enums[e].name.clone());
                let message = match &other {
                    Some(other) => format!("`{word}` is a `{other}` value, but a `{}` value is expected here", def.name),
                    None => format!("there is no `{}` value, state or variable named `{word}`", def.name),
                };
                let help = match suggestion {
                    Some(s) if other.is_none() => format!("{s} (`{}` is one of {values})", def.name),
                    _ => format!("`{}` is one of {values}", def.name),
                };
                Diagnostic::error(codes::UNKNOWN_NAME, message, p.span)
                    .with_label_message(format!("not a `{}` value", def.name))
                    .with_help(help)
            }
            // `text contains hello`, `say(message: hello)`: a text without its quotes.
            _ if expected == Some(&Type::Text) && p.segments.len() == 1 && suggestion.is_none() => {
                let quoted = format!("\"{word}\"");
                Diagnostic::error(
                    codes::UNKNOWN_NAME,
                    format!("there is no state, variable or value named `{word}`"),
                    p.span,
                )
                .with_label_message("not found")
                .with_help(format!("a text is written in quotes: `{quoted}`"))
                .with_fix(format!("write `{quoted}`"), p.span, quoted)
            }
            _ => Diagnostic::error(
                codes::UNKNOWN_NAME,
                format!("there is no state, variable or value named `{word}`"),
                p.span,
            )
            .with_label_message("not found")
            .with_help(self.in_unused_profile(crate::scope::MemberKind::State, p).or(suggestion).unwrap_or_else(|| {
                "states come from the profiles in `use`, variables from `var`, and payload fields from the event in `where`".into()
            })),
        };
        self.error(d);
        Type::Error
    }

    /// What `p` names among the fields of the sequence's steps, where `locals` stands.
    fn step_field(&self, p: &Path, locals: Locals) -> StepField {
        match (&self.sequence, locals.steps) {
            (Some(steps), Some(at)) => steps.lookup(self.scope, at, p),
            _ => StepField::None,
        }
    }

    /// E0116: a field of a step read where that step gives it no value: in the `where` of an
    /// earlier step, or, for the absent step, anywhere but its own `where`.
    fn field_without_value(&mut self, p: &Path, found: StepField, locals: Locals) {
        let (StepField::Later { step, .. } | StepField::Absent { step, .. }) = found else { return };
        let Some(owner) = self.sequence.as_ref().and_then(|s| s.step(step)).cloned() else { return };
        let (word, event) = (p.text(), owner.written.as_str());
        let field = p.segments.last().map_or(word.as_str(), |s| s.node.as_str());
        let d = match found {
            StepField::Later { .. } => {
                let reader = match locals.steps {
                    Some(StepScope::Filter(k)) => self.sequence.as_ref().and_then(|s| s.step(k)).map(|s| s.written.clone()),
                    _ => None,
                };
                let reader = reader.unwrap_or_else(|| "this step".into());
                Diagnostic::error(
                    codes::FIELD_WITHOUT_VALUE,
                    format!("`{word}` is a field of `{event}`, which comes after `{reader}` in the sequence"),
                    p.span,
                )
                .with_label_message(format!("`{event}` has not happened yet when `{reader}` is tested"))
                .with_secondary(owner.span, format!("`{field}` has a value from this step on"))
                .with_help(format!(
                    "a step's `where` reads its own fields and those of the steps before it: test `{field}` in the `where` of `{event}` (`then {event} where {field} ...`), or in `while`, once every step has happened"
                ))
            }
            _ => Diagnostic::error(
                codes::FIELD_WITHOUT_VALUE,
                format!("`{word}` is a field of `{event}`, the step that must not happen: it never has a value"),
                p.span,
            )
            .with_label_message("never has a value")
            .with_secondary(owner.span, format!("the rule runs when the window ends without `{event}`"))
            .with_help(format!(
                "only the `where` of the absent step can read its fields, to say which `{event}` cancels the sequence: `then no {event} where {field} ...`"
            )),
        };
        self.error(d);
    }

    /// A state name that more than one state answers to (E0102), with every candidate.
    pub fn ambiguous_state(&mut self, p: &Path, states: &[usize]) {
        let names: Vec<String> = states.iter().map(|i| self.scope.state_qualified(*i)).collect();
        let mut distinct = names.clone();
        super::call::dedup_in_order(&mut distinct);
        let mut d = Diagnostic::error(
            codes::AMBIGUOUS_EVENT,
            format!("`{}` could be any of {} states", p.text(), names.len()),
            p.span,
        )
        .with_label_message("ambiguous")
        .with_help(format!("write one of {}", super::call::list(&distinct)));
        for (i, name) in states.iter().zip(&names) {
            let s = &self.scope.states[*i];
            d = d.with_secondary_in(s.origin.file.clone(), s.origin.span, super::declared_here(name, s.link));
        }
        self.error(d);
    }

    /// `word` as a value of the expected enum, or of the only enum in scope that has it.
    fn enum_value(&mut self, word: &str, p: &Path, expected: Option<&Type>) -> Option<Type> {
        let having = self.scope.enums_with_value(word);
        let (found, variant) = match expected {
            Some(Type::Enum(name)) => {
                let e = self.scope.enum_index(name)?;
                having.into_iter().find(|&(i, _)| i == e)
            }
            _ => match having.as_slice() {
                [one] => Some(*one),
                _ => None,
            },
        }?;
        self.refer(p.span, Target::EnumVariant(found, variant));
        Some(Type::Enum(self.scope.enums[found].name.clone()))
    }

    pub fn mismatch(&mut self, e: &Expr, wanted: &str, found: &Type, help: String) {
        let found_a = found.a();
        self.error(
            Diagnostic::error(codes::TYPE_MISMATCH, format!("expected {wanted}, found {found_a}"), e.span)
                .with_label_message(format!("this is {found_a}"))
                .with_help(help),
        );
    }

    /// Checks `e` against a type it must have, with the unit hints of comparisons.
    pub fn expect_type(&mut self, e: &Expr, want: &Type, locals: Locals) {
        self.expect_type_at(e, want, locals, Place::Anywhere, None);
    }

    /// [`Self::expect_type`] for a value given to a parameter, which the help lines name.
    pub(crate) fn expect_type_of(&mut self, e: &Expr, want: &Type, locals: Locals, at: Option<&ArgumentOf>) {
        self.expect_type_at(e, want, locals, Place::Anywhere, at);
    }

    /// [`Self::expect_type`] for a value written at `place`, which tells which units are
    /// plausible, and given to the parameter `at`, if any.
    fn expect_type_at(&mut self, e: &Expr, want: &Type, locals: Locals, place: Place, at: Option<&ArgumentOf>) {
        if let ExprKind::Ratio(w, h) = e.kind {
            return self.ratio(e, (w, h), Some(want), at);
        }
        let t = self.expr(e, Some(want), locals);
        if t.matches(want) {
            return;
        }
        if let (ExprKind::Time(minutes), Type::Enum(name)) = (&e.kind, want) {
            self.time_for_enum(e, *minutes, name, at);
            return;
        }
        let (t_a, want_a) = (t.a(), want.a());
        let d = match (&t, want) {
            (Type::Int, Type::Duration | Type::Percent) => return self.int_for_unit(e, want, None, place),
            (Type::Duration | Type::Percent, Type::Duration | Type::Percent) => {
                return self.units_differ(want, e, &t, None);
            }
            _ => Diagnostic::error(codes::TYPE_MISMATCH, format!("expected {want_a}, found {t_a}"), e.span)
                .with_label_message(format!("this is {t_a}"))
                .with_help(format!("write {want_a} such as {}", self.example(want))),
        };
        self.error(d);
    }

    /// A constant duration greater than zero, in milliseconds (`after`, `within`, `per`, `every`).
    pub fn positive_duration(&mut self, e: &Expr, what: &str) -> Option<u64> {
        let errors = self.errors_so_far();
        let t = self.expr(e, Some(&Type::Duration), Locals::default());
        self.positive_duration_of(e, t, errors, what)
    }

    /// The rest of [`Self::positive_duration`], apart so that its frame is not on the stack
    /// while the duration's tree is walked.
    fn positive_duration_of(&mut self, e: &Expr, t: Type, errors: usize, what: &str) -> Option<u64> {
        if t == Type::Error || self.errors_so_far() > errors {
            return None;
        }
        if t != Type::Duration {
            self.expect_type_at(e, &Type::Duration, Locals::default(), Place::of(what), None);
            return None;
        }
        match const_eval(e) {
            Ok(Const::Duration(ms)) if ms > 0 => Some(ms as u64),
            Ok(_) => {
                self.error(
                    Diagnostic::error(
                        codes::BAD_RATE,
                        format!("the duration of {what} must be more than zero"),
                        e.span,
                    )
                    .with_label_message("not more than zero")
                    .with_help("write a positive duration such as `1 s`"),
                );
                None
            }
            Err(ConstError::Overflow) => {
                self.error(
                    Diagnostic::error(
                        codes::ARITHMETIC_OVERFLOW,
                        format!("the duration of {what} is too long to count"),
                        e.span,
                    )
                    .with_label_message("overflows a 64-bit count of milliseconds")
                    .with_help("durations go up to about 292 million years; write a shorter one"),
                );
                None
            }
            Err(ConstError::DivisionByZero) => {
                self.error(
                    Diagnostic::error(
                        codes::ARITHMETIC_OVERFLOW,
                        format!("the duration of {what} divides by zero"),
                        e.span,
                    )
                    .with_label_message("a division by zero")
                    .with_help("a duration divided by zero has no length; divide by a number greater than zero"),
                );
                None
            }
            Err(ConstError::Unreadable) => None,
            Err(ConstError::NotConstant) => {
                self.error(
                    Diagnostic::error(
                        codes::NOT_CONSTANT,
                        format!("the duration of {what} must be a constant"),
                        e.span,
                    )
                    .with_label_message("this reads a state or variable")
                    .with_help("timers are set up before rules run, so write a fixed duration such as `5 s`"),
                );
                None
            }
        }
    }
}

/// The last comparison of a chain of `and` and `or`, and its left side.
fn last_test(e: &Expr) -> Option<(BinaryOp, &Expr)> {
    match &e.kind {
        ExprKind::Binary { op, lhs, .. } if op.is_comparison() => Some((*op, lhs)),
        ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or, lhs, rhs } => last_test(rhs).or_else(|| last_test(lhs)),
        _ => None,
    }
}

/// The first `matches` or `contains` in `e`, and the span of its test.
fn text_match_in(e: &Expr) -> Option<(BinaryOp, crate::span::Span)> {
    match &e.kind {
        ExprKind::Binary { op, .. } if op.is_text_match() => Some((*op, e.span)),
        ExprKind::Binary { lhs, rhs, .. } => text_match_in(lhs).or_else(|| text_match_in(rhs)),
        ExprKind::Paren(inner) | ExprKind::Unary { operand: inner, .. } => text_match_in(inner),
        ExprKind::Held { condition, .. } => text_match_in(condition),
        _ => None,
    }
}

/// A short rendering of an expression for help lines (the literal number for `5`).
fn short(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Path(p) => p.text(),
        _ => "value".into(),
    }
}

fn zero_of(t: &Type) -> &'static str {
    match t {
        Type::Percent => "0%",
        Type::Duration => "0 s",
        Type::Text => "\"\"",
        _ => "0",
    }
}
