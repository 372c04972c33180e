//! The compiler's constant arithmetic agrees exactly with the runtime's: `%` (both constant
//! evaluators against `glass_runtime::isa::remainder`) and times of day moved by a duration.

use glass_compiler::ir::{Expr, ExprKind};
use glass_compiler::syntax::ast::{BinaryOp, ItemKind};
use glass_compiler::syntax::parse_item_text;
use glass_compiler::types::{Const, ConstError, Type, const_eval};
use glass_runtime::isa::remainder;

/// The constant value of `text`, read as a variable's start.
fn eval(text: &str) -> Result<Const, ConstError> {
    let parsed = parse_item_text(&format!("var x: Int = {text}"));
    assert!(parsed.errors.is_empty(), "{text}: {:#?}", parsed.errors);
    let ItemKind::Var(var) = parsed.item.kind else { panic!("{text}: not a variable") };
    const_eval(&var.init.expect("a value"))
}

/// `n` as glass can write it: the lowest Int has no literal of its own.
fn written(n: i64) -> String {
    match n {
        i64::MIN => "(-9223372036854775807 - 1)".into(),
        n if n < 0 => format!("({n})"),
        n => n.to_string(),
    }
}

const EDGES: [i64; 13] = [0, 1, -1, 2, -2, 7, -7, 10, 60, i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1];

fn int(n: i64) -> Expr {
    Expr { kind: ExprKind::Const(Const::Int(n)), ty: Type::Int }
}

#[test]
fn constant_remainders_are_the_runtimes() {
    for x in EDGES {
        for y in EDGES {
            let folded =
                Expr { kind: ExprKind::Binary(BinaryOp::Rem, Box::new(int(x)), Box::new(int(y))), ty: Type::Int };
            assert_eq!(folded.constant(), Some(Const::Int(remainder(x, y))), "{x} % {y} as code generation folds it");
            let text = format!("{} % {}", written(x), written(y));
            let expected = if y == 0 { Err(ConstError::DivisionByZero) } else { Ok(Const::Int(remainder(x, y))) };
            assert_eq!(eval(&text), expected, "{text}");
        }
    }
    assert_eq!(eval("(-9223372036854775807 - 1) % (-1)"), Ok(Const::Int(0)));
    assert_eq!(eval("-7 % 2"), Ok(Const::Int(-1)));
    assert_eq!(eval("7 % -2"), Ok(Const::Int(1)));
}

#[test]
fn remainders_keep_their_unit_and_bind_like_division() {
    assert_eq!(eval("95 s % 1 min"), Ok(Const::Duration(35_000)));
    assert_eq!(eval("70% % 25%"), Ok(Const::Percent(20)));
    assert_eq!(eval("2 + 7 % 4 * 3"), Ok(Const::Int(2 + 7 % 4 * 3)));
    assert_eq!(eval("(2 + 7) % 4"), Ok(Const::Int(1)));
    assert_eq!(eval("10 s % 0 s"), Err(ConstError::DivisionByZero));
    assert_eq!(eval("10 s % 3"), Err(ConstError::NotConstant));
}

#[test]
fn times_of_day_move_round_the_clock() {
    let time = |h: u16, m: u16| Ok(Const::Time(h * 60 + m));
    assert_eq!(eval("23:30 + 1 h"), time(0, 30));
    assert_eq!(eval("00:15 - 30 min"), time(23, 45));
    assert_eq!(eval("07:00 + 25 h"), time(8, 0));
    assert_eq!(eval("07:00 - 3 day"), time(7, 0));
    assert_eq!(eval("30 min + 23:45"), time(0, 15));
    assert_eq!(eval("12:00 + 30 s"), Err(ConstError::NotConstant));
    assert_eq!(eval("12:00 - 12:00"), Err(ConstError::NotConstant));
    // Code generation folds them the same way.
    for (t, op, ms) in [
        (1410u16, BinaryOp::Add, 3_600_000i64),
        (15, BinaryOp::Sub, 1_800_000),
        (0, BinaryOp::Sub, 86_400_000 * 3 + 60_000),
    ] {
        let e = Expr {
            kind: ExprKind::Binary(
                op,
                Box::new(Expr { kind: ExprKind::Const(Const::Time(t)), ty: Type::Time }),
                Box::new(Expr { kind: ExprKind::Const(Const::Duration(ms)), ty: Type::Duration }),
            ),
            ty: Type::Time,
        };
        let moved = if op == BinaryOp::Add { ms } else { -ms };
        let minutes = (i64::from(t) + moved / 60_000).rem_euclid(1440);
        assert_eq!(e.constant(), Some(Const::Time(minutes as u16)), "{t} {op:?} {ms}");
    }
}
