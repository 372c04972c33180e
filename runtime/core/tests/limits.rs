//! Shared limits (`limit reminders: at most N per W`, and rules with `limit reminders`): the rules
//! that name one together run at most N times in any W, after their mode and their own limit.

mod common;

use common::{Recorder, act};
use glass_runtime::builder::{ProgramBuilder, RuleSpec};
use glass_runtime::format::{Kind, Mode, Trigger};
use glass_runtime::isa::Op::*;
use glass_runtime::runtime::{LoadError, RamUsage, Runtime, SlotLayout};
use glass_runtime::{Program, TraceEvent, verify};

type Rt<'p> = Runtime<'p, 16, 16, 16, 64>;

fn load(bytes: &[u8]) -> Program<'_> {
    verify(bytes).unwrap_or_else(|e| panic!("invalid program: {e}"))
}

fn on_event(event: u16) -> RuleSpec {
    RuleSpec::on(Trigger::Event { event })
}

/// Pushes each `(time, event)` and advances to its time; returns the host.
fn drive(program: &Program, stimuli: &[(u64, u16)]) -> (Recorder, glass_runtime::runtime::Counters) {
    let mut rt: Rt = Runtime::new(program, 0).unwrap();
    let mut host = Recorder::default();
    for (t, event) in stimuli {
        rt.push_event(*event, &[]).unwrap();
        rt.advance_to(*t, &mut host);
    }
    rt.advance_to(1_000_000, &mut host);
    (host, rt.counters())
}

/// `(rule, shared)` of every `RateLimited` traced.
fn refusals(host: &Recorder) -> Vec<(u16, Option<u16>)> {
    host.decisions
        .iter()
        .filter_map(|d| match d {
            TraceEvent::RateLimited { rule, shared, .. } => Some((*rule, *shared)),
            _ => None,
        })
        .collect()
}

/// `limit reminders: at most {count} per 10 s`, and one rule per event `press`, `tap`, `nudge`
/// naming it (each says its own action); the rule specs pass through `options`.
fn three_rules(count: u8, options: impl Fn(u16, RuleSpec) -> RuleSpec) -> (Vec<u8>, [u16; 3], [u16; 3]) {
    let mut b = ProgramBuilder::new();
    let reminders = b.limit("reminders", count, 10_000);
    let events = [b.event("press", &[]), b.event("tap", &[]), b.event("nudge", &[])];
    let actions = [b.action("a", &[], None), b.action("b", &[], None), b.action("c", &[], None)];
    for (i, (e, a)) in events.iter().zip(actions).enumerate() {
        b.rule(options(i as u16, on_event(*e).limited_by(reminders)), act(&[(Emit, a)]));
    }
    (b.finish(), events, actions)
}

#[test]
fn two_rules_share_a_limit() {
    // at most once per 10 s, whichever rule says it.
    let (bytes, [press, tap, _], [a, b, _]) = three_rules(1, |_, spec| spec);
    let program = load(&bytes);
    let (host, counters) = drive(&program, &[(0, press), (1_000, tap), (9_999, tap), (10_000, tap), (12_000, press)]);
    assert_eq!(host.times(a), [0]);
    assert_eq!(host.times(b), [10_000], "refused within the window of the first rule's run, passes after");
    assert_eq!(counters.rate_limited, 3);
    assert_eq!(counters.runs, 2);
    assert_eq!(refusals(&host), [(1, Some(0)), (1, Some(0)), (0, Some(0))]);
    let refused = host.decisions.iter().find(|d| matches!(d, TraceEvent::RateLimited { .. }));
    assert_eq!(refused, Some(&TraceEvent::RateLimited { rule: 1, count: 1, window_ms: 10_000, shared: Some(0) }));
}

#[test]
fn a_limit_of_two_is_a_sliding_window_over_all_its_rules() {
    let (bytes, [press, tap, nudge], [a, b, c]) = three_rules(2, |_, spec| spec);
    let program = load(&bytes);
    let stimuli = [(0, press), (1_000, tap), (2_000, nudge), (10_000, nudge), (10_500, press), (11_000, tap)];
    let (host, counters) = drive(&program, &stimuli);
    // 0 and 1000 pass; 2000 is refused; 10000 passes (0 left the window); 10500 is refused
    // (1000 and 10000 are in it); 11000 passes (1000 left it).
    assert_eq!((host.times(a), host.times(b), host.times(c)), (vec![0], vec![1_000, 11_000], vec![10_000]));
    assert_eq!(counters.rate_limited, 2);
    assert_eq!(refusals(&host), [(2, Some(0)), (0, Some(0))]);
}

#[test]
fn neither_ring_records_a_refused_run() {
    // Rule 0 also has its own `at most 2 per 100 s`; the shared limit is once per 10 s.
    let (bytes, [press, tap, _], [a, b, _]) =
        three_rules(1, |i, spec| if i == 0 { spec.at_most(2, 100_000) } else { spec });
    let program = load(&bytes);
    let stimuli = [
        (0, press),      // passes both
        (1, press),      // the shared limit refuses: its own ring must not record it
        (10_000, press), // passes (its own ring holds 0 only)
        (20_000, press), // its own limit refuses (0, 10000): the shared ring must not record it
        (20_001, tap),   // passes: the shared ring's last run is 10000
    ];
    let (host, counters) = drive(&program, &stimuli);
    assert_eq!(host.times(a), [0, 10_000]);
    assert_eq!(host.times(b), [20_001]);
    assert_eq!(counters.rate_limited, 2);
    assert_eq!(refusals(&host), [(0, Some(0)), (0, None)], "the shared limit first, then the rule's own");
    let own = host.decisions.iter().find(|d| matches!(d, TraceEvent::RateLimited { shared: None, .. }));
    assert_eq!(own, Some(&TraceEvent::RateLimited { rule: 0, count: 2, window_ms: 100_000, shared: None }));
}

#[test]
fn the_own_limit_is_checked_before_the_shared_one() {
    // Both would refuse: the rule's own limit is the one traced.
    let (bytes, [press, _, _], [a, _, _]) =
        three_rules(1, |i, spec| if i == 0 { spec.at_most(1, 50_000) } else { spec });
    let program = load(&bytes);
    let (host, _) = drive(&program, &[(0, press), (5_000, press)]);
    assert_eq!(host.times(a), [0]);
    assert_eq!(refusals(&host), [(0, None)]);
}

#[test]
fn a_busy_rule_does_not_use_the_shared_limit() {
    // Rule 0 (`mode single`): after 5 s chime; rule 1 says `b` at once. At most 2 per 10 s.
    let mut b = ProgramBuilder::new();
    let reminders = b.limit("reminders", 2, 10_000);
    let press = b.event("press", &[]);
    let tap = b.event("tap", &[]);
    let chime = b.action("chime", &[], None);
    let say = b.action("say", &[], None);
    let five_s = b.constant(5_000);
    b.rule(on_event(press).mode(Mode::Single).limited_by(reminders), act(&[(Const, five_s), (EmitAfter, chime)]));
    b.rule(on_event(tap).limited_by(reminders), act(&[(Emit, say)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let (host, counters) = drive(&program, &[(0, press), (1_000, press), (2_000, tap), (3_000, tap)]);
    // 1000: busy, ignored, not counted; 2000 passes (0 and 2000 in the window); 3000 is refused.
    assert_eq!(host.times(chime), [5_000]);
    assert_eq!(host.times(say), [2_000]);
    assert_eq!((counters.busy_ignored, counters.rate_limited), (1, 1));
    assert_eq!(refusals(&host), [(1, Some(0))]);
}

#[test]
fn a_queued_rule_counts_when_its_waiting_trigger_runs() {
    // Rule 0 (`mode queued`): after 5 s chime. Its waiting trigger runs at 5000, past its gate
    // again: the limit (once per 10 s) refuses it then.
    let mut b = ProgramBuilder::new();
    let reminders = b.limit("reminders", 1, 10_000);
    let press = b.event("press", &[]);
    let chime = b.action("chime", &[], None);
    let five_s = b.constant(5_000);
    b.rule(on_event(press).mode(Mode::Queued).limited_by(reminders), act(&[(Const, five_s), (EmitAfter, chime)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let (host, counters) = drive(&program, &[(0, press), (1_000, press)]);
    assert_eq!(host.times(chime), [5_000]);
    assert_eq!((counters.queued, counters.rate_limited), (1, 1));
}

#[test]
fn the_triggers_of_one_rule_use_its_first_rows_limit() {
    // `on press or tap limit reminders` (rows 0 and 1, sharing a gate) and `on nudge limit
    // reminders` (row 2): at most 2 per 10 s over all three triggers.
    let mut b = ProgramBuilder::new();
    let reminders = b.limit("reminders", 2, 10_000);
    let press = b.event("press", &[]);
    let tap = b.event("tap", &[]);
    let nudge = b.event("nudge", &[]);
    let say = b.action("say", &[], None);
    let other = b.action("other", &[], None);
    b.rule(on_event(press).limited_by(reminders), act(&[(Emit, say)]));
    b.rule(on_event(tap).limited_by(reminders).shares_gate_of(1), act(&[(Emit, say)]));
    b.rule(on_event(nudge).limited_by(reminders), act(&[(Emit, other)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let stimuli = [(0, press), (1_000, tap), (2_000, nudge), (3_000, tap), (10_000, nudge), (10_500, tap)];
    let (host, counters) = drive(&program, &stimuli);
    assert_eq!(host.times(say), [0, 1_000]);
    assert_eq!(host.times(other), [10_000]);
    assert_eq!(counters.rate_limited, 3);
    // The traces name the row triggered.
    assert_eq!(refusals(&host), [(2, Some(0)), (1, Some(0)), (1, Some(0))]);
}

#[test]
fn rules_under_different_limits_do_not_meet() {
    let mut b = ProgramBuilder::new();
    let first = b.limit("first", 1, 10_000);
    let second = b.limit("second", 1, 10_000);
    let press = b.event("press", &[]);
    let say = b.action("say", &[], None);
    let other = b.action("other", &[], None);
    b.rule(on_event(press).limited_by(first), act(&[(Emit, say)]));
    b.rule(on_event(press).limited_by(second), act(&[(Emit, other)]));
    b.rule(on_event(press).limited_by(second), act(&[(Emit, say)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let (host, counters) = drive(&program, &[(0, press), (1_000, press)]);
    // At 0: rule 0 (first) and rule 1 (second) pass, rule 2 (second) is refused.
    assert_eq!(host.times(say), [0]);
    assert_eq!(host.times(other), [0]);
    assert_eq!(counters.rate_limited, 4);
    assert_eq!(refusals(&host), [(2, Some(1)), (0, Some(0)), (1, Some(1)), (2, Some(1))]);
}

#[test]
fn a_shared_limit_holds_at_the_end_of_the_clock() {
    // Once per 1 ms: the runs of the clock's last two milliseconds are told apart.
    let mut b = ProgramBuilder::new();
    let reminders = b.limit("reminders", 1, 1);
    let press = b.event("press", &[]);
    let tap = b.event("tap", &[]);
    let say = b.action("say", &[], None);
    b.rule(on_event(press).limited_by(reminders), act(&[(Emit, say)]));
    b.rule(on_event(tap).limited_by(reminders), act(&[(Emit, say)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, u64::MAX - 1).unwrap();
    let mut host = Recorder::default();
    for (t, e) in [(u64::MAX - 1, press), (u64::MAX - 1, tap), (u64::MAX, tap), (u64::MAX, press), (u64::MAX, tap)] {
        rt.push_event(e, &[]).unwrap();
        rt.advance_to(t, &mut host);
    }
    // MAX - 1: press passes, tap is refused; MAX: tap passes (the press left the window), then
    // press and tap are refused.
    assert_eq!(host.trace.iter().map(|e| (e.at, e.rule)).collect::<Vec<_>>(), [(u64::MAX - 1, 0), (u64::MAX, 1)]);
    assert_eq!(refusals(&host), [(1, Some(0)), (0, Some(0)), (1, Some(0))]);
}

#[test]
fn a_limits_ring_takes_value_slots_after_the_rules() {
    // One state; rule 0 with its own `at most 3` (3 slots); limit 0 of 2 runs (1 + 2 slots).
    let mut b = ProgramBuilder::new();
    b.state("s", Kind::Num);
    let reminders = b.limit("reminders", 2, 1_000);
    let press = b.event("press", &[]);
    b.rule(on_event(press).at_most(3, 1_000).limited_by(reminders), act(&[]));
    let bytes = b.finish();
    let program = load(&bytes);
    assert_eq!(SlotLayout::of(&program).total(), 1 + 3 + 3);
    assert_eq!(RamUsage::of(&program, 4).slots, 7 * 8);
    assert!(matches!(Runtime::<'_, 4, 0, 1, 6>::new(&program, 0), Err(LoadError::Slots { needed: 7, capacity: 6 })));
    assert!(Runtime::<'_, 4, 0, 1, 7>::new(&program, 0).is_ok());
}

#[test]
fn the_disassembly_lists_the_limits_and_the_rules_that_name_them() {
    let mut b = ProgramBuilder::new();
    let reminders = b.limit("reminders", 2, 3_600_000);
    let press = b.event("press", &[]);
    let tap = b.event("tap", &[]);
    b.rule(on_event(press).at_most(1, 1_000).limited_by(reminders), act(&[]));
    b.rule(on_event(tap).at_most(1, 1_000).limited_by(reminders).shares_gate_of(1), act(&[]));
    b.rule(on_event(tap), act(&[]));
    let bytes = b.finish();
    let listing = glass_runtime::disasm::disassemble(&load(&bytes));
    let lines: Vec<&str> = listing.lines().filter(|l| l.starts_with("limit") || l.starts_with("rule")).collect();
    assert_eq!(
        lines,
        [
            "limit 0 \"reminders\" at-most 2 per 3600000 ms",
            "rule 0 line 0: on event 0 \"press\", mode single at-most 1 per 1000 ms, limit 0 (reminders), bound 2",
            "rule 1 line 0: on event 1 \"tap\", mode single at-most 1 per 1000 ms, limit 0 (reminders), gate of rule 0, bound 2",
            "rule 2 line 0: on event 1 \"tap\", mode single, bound 2",
        ]
    );
}
