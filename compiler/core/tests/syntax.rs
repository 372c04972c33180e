//! Snapshots of syntax trees: one per construct, so a grammar change shows up as a reviewed diff.

use glass_compiler::syntax::{parse_item_text, split_items};

/// Parses every item of `src` and debug-prints the trees (spans are item-relative).
fn trees(src: &str) -> String {
    let mut out = String::new();
    for span in split_items(src) {
        let parsed = parse_item_text(&src[span.range()]);
        assert!(parsed.errors.is_empty(), "{:#?}", parsed.errors);
        out.push_str(&format!("{:#?}\n", parsed.item.kind));
    }
    out
}

#[test]
fn the_product_sentence() {
    insta::assert_snapshot!(trees("on button-long-press while driving: record clip, notify car"));
}

#[test]
fn declarations() {
    insta::assert_snapshot!(trees(
        "pack dashcam \"Records the road\"\nuse xiaomi-ai-glasses, xiaomi-car\npermit camera\nvar clips: Int 0..500 = 0"
    ));
}

#[test]
fn triggers() {
    insta::assert_snapshot!(trees(
        "on wake-word where word == \"xiaoai\": notify\n\
         on battery below 15%: notify\n\
         on driving becomes true: notify\n\
         on motion changes: notify\n\
         every 10 min: notify\n\
         every day at 07:30: notify\n\
         on button-press then button-press within 400 ms: notify"
    ));
}

#[test]
fn sequence_steps_with_filters_and_an_absence() {
    insta::assert_snapshot!(trees(
        "on command where text contains \"note\" then press where battery > 10% then no long-press where worn within 10 s: notify"
    ));
}

/// `no` marks an absent step only after `then` and before an event; elsewhere it is a name.
#[test]
fn no_is_a_word_of_its_own_only_before_an_event() {
    use glass_compiler::syntax::ast::{ItemKind, TriggerKind};
    let steps = |src: &str| match parse_item_text(src).item.kind {
        ItemKind::Rule(r) => match r.triggers.into_iter().next().map(|t| t.kind) {
            Some(TriggerKind::Sequence { steps, .. }) => {
                steps.iter().map(|s| (s.absent.is_some(), s.event.text())).collect::<Vec<_>>()
            }
            other => panic!("{src}: {other:?}"),
        },
        other => panic!("{src}: {other:?}"),
    };
    assert_eq!(steps("on a then no b within 1 s: y"), [(false, "a".into()), (true, "b".into())]);
    assert_eq!(steps("on a then no within 1 s: y"), [(false, "a".into()), (false, "no".into())]);
    assert_eq!(steps("on no then no no within 1 s: y"), [(false, "no".into()), (true, "no".into())]);
    assert!(parse_item_text("on no becomes true: y").errors.is_empty());
}

#[test]
fn conditions_and_precedence() {
    insta::assert_snapshot!(trees("on x while not a and b or c == d for 3 s and speed - 5 * 2 > -1: notify"));
}

#[test]
fn options_and_actions() {
    insta::assert_snapshot!(trees(
        "rule r: on x at most once per minute at most 3 times per 10 min mode restart: \
         after 5 s notify car(message: \"hi\"), set clips = clips + 1, glasses.camera.record(kind: clip, duration: 30 s)"
    ));
}

#[test]
fn tests() {
    insta::assert_snapshot!(trees(
        "test \"records\" {\n  set driving = true\n  at 1 s: fire button-long-press\n  expect record clip\n  at 2 s: expect no notify car\n}"
    ));
}

#[test]
fn profiles() {
    insta::assert_snapshot!(trees(
        "profile p \"doc\" {\n  device car via phone\n  processor ar1 \"AR1\"\n  enum kind { photo, clip }\n  state speed: Int \"km/h\"\n  \
         capability camera \"cam\" {\n    event shutter(kind: kind) max 2 per second\n    \
         action record(kind: kind = photo, duration: Duration = 15 s) cost 900 mW takes duration on ar1 privacy camera \"rec\"\n  }\n}"
    ));
}

#[test]
fn for_binds_tighter_than_not() {
    // spec/language.md §6: `not worn for 30 s` is "not (worn for 30 s)".
    insta::assert_snapshot!(trees("on x while not worn for 30 s and (not worn) for 5 s: notify"));
}

#[test]
fn bare_units_in_every_within_and_per() {
    insta::assert_snapshot!(trees("every hour: notify\non a then b within second at most once per minute: notify"));
}

/// The codes of the errors of one item.
fn error_codes(src: &str) -> Vec<String> {
    parse_item_text(src).errors.iter().map(|d| format!("{} {}", d.code, d.message)).collect()
}

#[test]
fn mistakes_the_grammar_reports_itself() {
    for (src, message) in [
        ("on x while 1 < a < 2: y", "comparisons do not chain"),
        ("on x while a = b: y", "`=` gives a value; a condition compares with `==`"),
        ("every day 07:30: y", "`every day` needs `at` before the time"),
        ("every day: y", "`every day` needs a time of day"),
        ("on a below 5 where b: y", "a state change has no payload fields"),
        ("on a then b within 1 s where c: y", "`where` filters one step of a sequence"),
        ("on no a then b within 1 s: y", "a sequence starts with an event that happens"),
        ("on no a: y", "a sequence starts with an event that happens"),
        ("on a then no b then c within 1 s: y", "only the last step of a sequence can be `no`"),
        ("on x: y at most once per minute", "an option goes before the `:`"),
        ("on x: y while z", "the condition goes before the `:`"),
        ("when x: y", "a rule starts with `on`"),
        ("on every 1 s: y", "`every` starts a trigger on its own"),
        ("on x: y then z", "actions are separated by `,`"),
        ("on x: y(a = 1)", "an argument is named with `:`"),
    ] {
        let errors = error_codes(src);
        assert_eq!(errors.len(), 1, "{src}: {errors:?}");
        assert!(errors[0].starts_with("E0003 ") && errors[0].contains(message), "{src}: {errors:?}");
    }
}

#[test]
fn an_unclosed_bracket_is_reported_at_the_bracket_and_ends_the_item() {
    let src = "use a\non x: say(message: \"hi\", y\non z: w\nprofile p {\n  device d\n\nuse b\n";
    let items: Vec<&str> = split_items(src).into_iter().map(|s| &src[s.range()]).collect();
    assert_eq!(items, ["use a", "on x: say(message: \"hi\", y", "on z: w", "profile p {\n  device d", "use b"]);
    let parsed = parse_item_text(items[1]);
    assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
    assert_eq!(parsed.errors[0].message, "this `(` is never closed");
    assert_eq!(parsed.errors[0].primary.span.start, 9);
    assert_eq!(parse_item_text(items[3]).errors[0].message, "this `{` is never closed");
}

#[test]
fn keywords_inside_braces_that_are_not_items() {
    // A profile action's `on PROCESSOR` on its own line, and `on` in a test, stay in their item.
    let src = "profile p {\n  device d\n  processor main\n  action a\n    on main\n}\ntest \"t\" {\n  on x\n}\n";
    assert_eq!(split_items(src).len(), 2);
}

/// The habits of other rule languages are reported once and read as their fix, so the rest of
/// the rule is checked as meant.
#[test]
fn habits_are_read_as_their_fix() {
    use glass_compiler::syntax::ast::{BinaryOp, ExprKind, ItemKind, RuleDecl, TriggerKind};
    let rule = |src: &str| -> (RuleDecl, usize) {
        let parsed = parse_item_text(src);
        match parsed.item.kind {
            ItemKind::Rule(r) => (r, parsed.errors.len()),
            other => panic!("{src}: {other:?}"),
        }
    };
    let (r, errors) = rule("on x: y, z at most once per minute mode restart");
    assert_eq!((r.options.len(), r.actions.len(), errors), (2, 2, 1));
    let (r, errors) = rule("when x if c: y then z");
    assert!(r.condition.is_some());
    assert_eq!((r.actions.len(), errors), (2, 3));
    let (r, errors) = rule("on every 10 s: y");
    assert!(matches!(r.triggers[0].kind, TriggerKind::Every { .. }));
    assert_eq!(errors, 1);
    // A `where` after a sequence's window filters its last step, joined with `and` to the
    // step's own.
    let (r, errors) = rule("on a then b where c or d within 1 s where e or f while g: y");
    let TriggerKind::Sequence { steps, .. } = &r.triggers[0].kind else { panic!("a sequence") };
    let Some(ExprKind::Binary { op: BinaryOp::And, lhs, rhs }) = steps[1].filter.as_ref().map(|f| &f.kind) else {
        panic!("the two filters are joined with `and`: {:?}", steps[1].filter)
    };
    assert!(matches!((&lhs.kind, &rhs.kind), (ExprKind::Paren(_), ExprKind::Paren(_))));
    assert!(steps[0].filter.is_none() && r.condition.is_some());
    assert_eq!(errors, 1);
    let (r, errors) = rule("on a then b within 1 s where c: y");
    let TriggerKind::Sequence { steps, .. } = &r.triggers[0].kind else { panic!("a sequence") };
    assert!(steps[1].filter.is_some());
    assert_eq!(errors, 1);
    // An absent step first or before another is read as a step that happens.
    let (r, errors) = rule("on no a then b then no c then d within 1 s: y");
    let TriggerKind::Sequence { steps, .. } = &r.triggers[0].kind else { panic!("a sequence") };
    assert!(steps.iter().all(|s| s.absent.is_none()), "{steps:?}");
    assert_eq!((steps.len(), errors), (4, 2));
    let (r, errors) = rule("on x: say(\"hi\"), record(kind = clip)");
    assert_eq!((r.actions.len(), errors), (2, 1));
    // Numbers: a fraction of a duration reads as the whole number of a smaller unit.
    let (r, errors) = rule("on a then b within 1.5 s: y");
    let TriggerKind::Sequence { within, .. } = &r.triggers[0].kind else { panic!("a sequence") };
    assert!(matches!(within.kind, ExprKind::Quantity { value: 1500, .. }));
    assert_eq!(errors, 1);
}
