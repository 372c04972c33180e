//! Checked rules lower to the resolved IR that code generation reads.

use glass_compiler::db::{Database, SourceFile, Workspace, file_diagnostics, file_items, rule_ir};
use glass_compiler::ir::{Action, Change, ExprKind, Trigger, Value};
use glass_compiler::syntax::ast::Mode;
use glass_compiler::types::Const;

const PROFILE: &str = r#"
profile tiny {
  device glasses
  enum capture-kind { photo, clip }
  state driving: Bool
  state battery: Percent
  capability button {
    event long-press
  }
  capability camera {
    action record(kind: capture-kind = photo, duration: Duration = 15 s)
  }
}
profile car {
  device car via phone
  action notify(message: Text = "")
}
"#;

fn lowered(pack: &str) -> Vec<glass_compiler::ir::Rule> {
    let db = Database::default();
    let profile = SourceFile::new(&db, "p.glass".into(), PROFILE.to_string());
    let file = SourceFile::new(&db, "pack.glass".into(), pack.to_string());
    let ws = Workspace::new(&db, vec![profile, file]);
    assert!(file_diagnostics(&db, ws, file).is_empty(), "{:#?}", file_diagnostics(&db, ws, file));
    file_items(&db, file).iter().filter_map(|i| rule_ir(&db, ws, file, i.text)).map(|r| (*r).clone()).collect()
}

#[test]
fn the_sentence_lowers_with_defaults_filled_in() {
    let rules = lowered("use tiny, car\non button-long-press while driving: record clip, notify car\n");
    let rule = &rules[0];
    assert_eq!(rule.trigger, Trigger::Event { event: 0, filter: None });
    assert_eq!(rule.condition.as_ref().map(|c| &c.kind), Some(&ExprKind::Read(Value::State(0))));
    let Action::Emit { action: 0, args } = &rule.actions[0] else { panic!("{:?}", rule.actions[0]) };
    assert_eq!(args[0].kind, ExprKind::Const(Const::Enum("capture-kind".into(), "clip".into())));
    assert_eq!(args[1].kind, ExprKind::Const(Const::Duration(15_000)));
    let Action::Emit { action: 1, args } = &rule.actions[1] else { panic!("{:?}", rule.actions[1]) };
    assert_eq!(args[0].kind, ExprKind::Const(Const::Text(String::new())));
}

#[test]
fn options_delays_and_thresholds() {
    let rules = lowered(
        "use tiny, car\nvar n: Int 0..9\nrule low: on battery below 15% at most once per minute mode restart: \
         after 5 s notify car(message: \"low \\\"battery\\\"\"), set n = n + 1\n",
    );
    let rule = &rules[0];
    assert_eq!(rule.name.as_deref(), Some("low"));
    assert_eq!(rule.rate_limit, Some((1, 60_000)));
    assert_eq!(rule.mode, Mode::Restart);
    let Trigger::Change { value: Value::State(1), change: Change::Below(t) } = &rule.trigger else { panic!() };
    assert_eq!(t.kind, ExprKind::Const(Const::Percent(15)));
    let Action::After { delay_ms: 5_000, action } = &rule.actions[0] else { panic!() };
    let Action::Emit { args, .. } = &**action else { panic!() };
    assert_eq!(args[0].kind, ExprKind::Const(Const::Text("low \"battery\"".into())));
    assert!(matches!(rule.actions[1], Action::Set { var: 0, .. }));
}
