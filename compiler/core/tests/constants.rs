//! The one printer of constants (`Display for Const`): what hover, diagnostics, the CLI and the
//! test harness show must read back, through the lexer and the parser, as the same constant.

use glass_compiler::syntax::ast::ItemKind;
use glass_compiler::syntax::parse_item_text;
use glass_compiler::types::{Const, const_eval};
use proptest::prelude::*;

/// Reads `text` back as the value of a variable declaration.
fn read_back(text: &str) -> Const {
    let parsed = parse_item_text(&format!("var x: Int = {text}"));
    assert!(parsed.errors.is_empty(), "{text}: {:#?}", parsed.errors);
    let ItemKind::Var(var) = parsed.item.kind else { panic!("{text}: not a variable") };
    const_eval(&var.init.expect("a value")).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

#[test]
fn each_kind_prints_as_glass_writes_it() {
    for (c, shown) in [
        (Const::Bool(true), "true"),
        (Const::Int(-12), "-12"),
        (Const::Percent(15), "15%"),
        (Const::Duration(0), "0 s"),
        (Const::Duration(400), "400 ms"),
        (Const::Duration(90_000), "90 s"),
        (Const::Duration(600_000), "10 min"),
        (Const::Duration(7_200_000), "2 h"),
        (Const::Duration(-3_000), "-3 s"),
        (Const::Time(7 * 60 + 5), "07:05"),
        (Const::Text("say \"hi\"\\\n\tnow".into()), r#""say \"hi\"\\\n\tnow""#),
        (Const::Enum("capture-kind".into(), "clip".into()), "clip"),
    ] {
        assert_eq!(c.to_string(), shown);
    }
}

fn constant() -> impl Strategy<Value = Const> {
    prop_oneof![
        any::<bool>().prop_map(Const::Bool),
        (i64::MIN + 1..=i64::MAX).prop_map(Const::Int),
        (0..=100i64).prop_map(Const::Percent),
        (i64::MIN + 1..=i64::MAX).prop_map(Const::Duration),
        prop_oneof![Just(1i64), Just(1_000), Just(60_000), Just(3_600_000)]
            .prop_flat_map(|unit| (-1_000_000i64..1_000_000).prop_map(move |n| Const::Duration(n * unit))),
        (0..24 * 60u16).prop_map(Const::Time),
        "[ -~\\n\\t\u{e9}\u{4e2d}\u{1f4f8}]{0,20}".prop_map(Const::Text),
    ]
}

proptest! {
    #[test]
    fn a_printed_constant_reads_back_as_itself(c in constant()) {
        prop_assert_eq!(read_back(&c.to_string()), c);
    }
}
