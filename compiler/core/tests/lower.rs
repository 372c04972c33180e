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
    assert_eq!(rule.triggers[0], Trigger::Event { event: 0, filter: None });
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
    let Trigger::Change { value: Value::State(1), change: Change::Below(t) } = &rule.triggers[0] else { panic!() };
    assert_eq!(t.kind, ExprKind::Const(Const::Percent(15)));
    let Action::After { delay_ms: 5_000, action } = &rule.actions[0] else { panic!() };
    let Action::Emit { args, .. } = &**action else { panic!() };
    assert_eq!(args[0].kind, ExprKind::Const(Const::Text("low \"battery\"".into())));
    assert!(matches!(rule.actions[1], Action::Set { var: 0, .. }));
}

const SEQUENCE_PROFILE: &str = r#"
profile voice {
  device glasses
  state battery: Percent
  event press
  event wake(word: Text)
  event command(text: Text, confidence: Percent)
  event report(battery: Percent)
  action say(message: Text)
}
"#;

/// The rules of `pack` checked and lowered by the front end alone (code generation, which says
/// what the runtime can run, is not asked).
fn front_end(pack: &str) -> Vec<glass_compiler::ir::Rule> {
    use glass_compiler::db::{pack_scope, parse_item};
    use glass_compiler::syntax::ast::ItemKind;
    let db = Database::default();
    let profile = SourceFile::new(&db, "voice.glass".into(), SEQUENCE_PROFILE.to_string());
    let file = SourceFile::new(&db, "pack.glass".into(), pack.to_string());
    let ws = Workspace::new(&db, vec![profile, file]);
    let scope = pack_scope(&db, ws, file);
    let mut rules = Vec::new();
    for item in file_items(&db, file) {
        let parsed = parse_item(&db, item.text);
        assert!(parsed.errors.is_empty(), "{:#?}", parsed.errors);
        let ItemKind::Rule(decl) = &parsed.item.kind else { continue };
        let checked = glass_compiler::check::check_item(&scope, &parsed.item.kind);
        assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
        rules.push(
            glass_compiler::lower::lower_rule(&scope, decl, &checked.triggers, &checked.references).expect("lowers"),
        );
    }
    rules
}

fn field(step: usize, field: usize) -> ExprKind {
    ExprKind::StepField { step, field }
}

/// The kinds of the two sides of a comparison.
fn sides(e: &glass_compiler::ir::Expr) -> (&ExprKind, &ExprKind) {
    let ExprKind::Binary(_, l, r) = &e.kind else { panic!("a comparison: {e:?}") };
    (&l.kind, &r.kind)
}

fn first_argument(action: &Action) -> &ExprKind {
    let Action::Emit { args, .. } = action else { panic!("a call: {action:?}") };
    &args[0].kind
}

#[test]
fn a_field_alone_is_the_latest_step_s_that_has_it() {
    let rules =
        front_end("use voice\non wake then command then command within 5 s while word == \"hi\": say(message: text)\n");
    let Trigger::Sequence { steps, within_ms: 5_000 } = &rules[0].triggers[0] else {
        panic!("{:?}", rules[0].triggers[0])
    };
    assert_eq!(steps.iter().map(|s| (s.event, s.absent)).collect::<Vec<_>>(), [(1, false), (2, false), (2, false)]);
    assert_eq!(sides(rules[0].condition.as_ref().expect("a condition")).0, &field(0, 0));
    assert_eq!(first_argument(&rules[0].actions[0]), &field(2, 0));
}

#[test]
fn a_qualified_field_is_the_latest_step_of_its_event_that_has_happened() {
    let rules = front_end(
        "use voice\non command then wake where command.text contains word then command within 5 s: \
         say(message: command.text), say(message: glasses.wake.word)\n",
    );
    let Trigger::Sequence { steps, .. } = &rules[0].triggers[0] else { panic!() };
    // In the `where` of step 1 the latest `command` is step 0; in the actions, step 2.
    assert_eq!(sides(steps[1].filter.as_ref().expect("a filter")), (&field(0, 0), &field(1, 0)));
    assert_eq!(first_argument(&rules[0].actions[0]), &field(2, 0));
    assert_eq!(first_argument(&rules[0].actions[1]), &field(1, 0));
}

#[test]
fn each_step_s_filter_reads_its_own_fields_and_the_earlier_steps() {
    let rules = front_end(
        "use voice\non command where confidence > 50% then press where text contains \"note\" then report where battery < confidence within 10 s: say(message: text)\n",
    );
    let Trigger::Sequence { steps, .. } = &rules[0].triggers[0] else { panic!() };
    assert_eq!(sides(steps[0].filter.as_ref().expect("a filter")).0, &field(0, 1));
    assert_eq!(sides(steps[1].filter.as_ref().expect("a filter")).0, &field(0, 0));
    assert_eq!(sides(steps[2].filter.as_ref().expect("a filter")), (&field(2, 0), &field(0, 1)));
}

#[test]
fn a_later_step_s_field_is_not_in_an_earlier_filter() {
    // `battery` in the first step's `where` is the state (the report has not come yet); in
    // `while`, the report's field, which comes before the state.
    let rules = front_end(
        "use voice\non press where battery > 10% then report within 5 s while battery < 50%: say(message: \"low\")\n",
    );
    let Trigger::Sequence { steps, .. } = &rules[0].triggers[0] else { panic!() };
    assert_eq!(sides(steps[0].filter.as_ref().expect("a filter")).0, &ExprKind::Read(Value::State(0)));
    assert_eq!(sides(rules[0].condition.as_ref().expect("a condition")).0, &field(1, 0));
}

#[test]
fn the_absent_step_is_marked_and_only_its_own_filter_reads_it() {
    let rules =
        front_end("use voice\non command then no command where confidence > 80% within 5 s: say(message: text)\n");
    let Trigger::Sequence { steps, .. } = &rules[0].triggers[0] else { panic!() };
    assert_eq!(steps.iter().map(|s| (s.event, s.absent)).collect::<Vec<_>>(), [(2, false), (2, true)]);
    assert!(steps[0].filter.is_none());
    assert_eq!(sides(steps[1].filter.as_ref().expect("a filter")).0, &field(1, 1));
    // The absent step never happened: `text` is the first command's.
    assert_eq!(first_argument(&rules[0].actions[0]), &field(0, 0));
}

#[test]
fn an_event_trigger_still_reads_its_payload() {
    let rules = front_end("use voice\non command where confidence > 50%: say(message: text)\n");
    let Trigger::Event { event: 2, filter: Some(filter) } = &rules[0].triggers[0] else {
        panic!("{:?}", rules[0].triggers[0])
    };
    assert_eq!(sides(filter).0, &ExprKind::Payload(1));
    assert_eq!(first_argument(&rules[0].actions[0]), &ExprKind::Payload(0));
}

/// The triggers of each rule: kind and event (`None` for a trigger without one).
fn triggers_of(rule: &glass_compiler::ir::Rule) -> Vec<(&'static str, Option<usize>)> {
    rule.triggers
        .iter()
        .map(|t| match t {
            Trigger::Event { event, .. } => ("event", Some(*event)),
            Trigger::Change { .. } => ("change", None),
            Trigger::Every { .. } => ("every", None),
            Trigger::Daily { .. } => ("daily", None),
            Trigger::Sequence { .. } => ("sequence", None),
            Trigger::Held { .. } => ("held", None),
        })
        .collect()
}

#[test]
fn events_joined_by_or_are_triggers_of_their_own() {
    let rules = front_end(
        "use voice\n\
         on press or wake: say(message: \"a\")\n\
         on command where confidence > 50% or press or wake where word == \"hi\": say(message: \"b\")\n\
         on battery below 10% or press or every 1 h: say(message: \"c\")\n\
         on press or battery < 10% for 1 min or wake then command within 5 s: say(message: \"d\")\n",
    );
    assert_eq!(triggers_of(&rules[0]), [("event", Some(0)), ("event", Some(1))]);
    assert_eq!(triggers_of(&rules[1]), [("event", Some(2)), ("event", Some(0)), ("event", Some(1))]);
    assert_eq!(triggers_of(&rules[2]), [("change", None), ("event", Some(0)), ("every", None)]);
    assert_eq!(triggers_of(&rules[3]), [("event", Some(0)), ("held", None), ("sequence", None)]);
    // Each filter keeps only its own trigger's test: `press` left the first filter.
    let Trigger::Event { filter: Some(filter), .. } = &rules[1].triggers[0] else { panic!() };
    assert_eq!(sides(filter).0, &ExprKind::Payload(1));
    let Trigger::Event { filter: Some(filter), .. } = &rules[1].triggers[2] else { panic!() };
    assert_eq!(sides(filter).0, &ExprKind::Payload(0));
}

#[test]
fn a_condition_between_events_stays_one_condition() {
    // `battery < 10% or battery > 90%` is one held condition between two events.
    let rules =
        front_end("use voice\non press or battery < 10% or battery > 90% for 1 min or wake: say(message: \"x\")\n");
    assert_eq!(triggers_of(&rules[0]), [("event", Some(0)), ("held", None), ("event", Some(1))]);
    let Trigger::Held { condition, duration_ms: 60_000 } = &rules[0].triggers[1] else { panic!() };
    assert!(matches!(condition.kind, ExprKind::Binary(glass_compiler::syntax::ast::BinaryOp::Or, ..)));
}
