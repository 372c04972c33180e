//! The clock at its extremes: a jump of a year, a week asleep, the end of the clock (u64::MAX).
//! `advance_to` stays bounded in work whatever its argument (spec/bytecode.md §7.4): a periodic
//! rule with more than `MAX_CATCH_UP` ticks due runs once for all of them, on its phase, and a
//! timer never re-arms at the time it fired.
//!
//! The host here fails a test once it has seen more than `WORK` actions and decisions, so a
//! regression fails instead of hanging or eating memory.

use glass_runtime::builder::{ProgramBuilder, RuleSpec};
use glass_runtime::format::{Edge, Kind, Mode, Source, Trigger};
use glass_runtime::isa::Op::*;
use glass_runtime::runtime::{Host, MAX_CATCH_UP, Origin, Runtime, Value};
use glass_runtime::{Program, TraceEvent, TraceTimer, verify};

mod common;
use common::act;

type Rt<'p> = Runtime<'p, 16, 16, 16, 32>;

/// Far more work than any test here needs once the clock is bounded.
const WORK: usize = 200_000;
const SECOND: u64 = 1_000;
const DAY: u64 = 86_400_000;
const YEAR: u64 = 365 * DAY;
/// 07:30 in ms after midnight.
const AT_0730: u64 = (7 * 60 + 30) * 60_000;

/// One emitted action: when, which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Emitted {
    at: u64,
    action: u16,
    delayed: bool,
}

/// Records what the runtime does, and fails past `WORK` records.
#[derive(Default)]
struct Bounded {
    emitted: Vec<Emitted>,
    decisions: Vec<TraceEvent>,
}

impl Bounded {
    fn check(&self) {
        let seen = self.emitted.len() + self.decisions.len();
        assert!(seen <= WORK, "{seen} actions and decisions: the clock is not bounded");
    }

    fn times(&self, action: u16) -> Vec<u64> {
        self.emitted.iter().filter(|e| e.action == action).map(|e| e.at).collect()
    }

    fn timers_fired(&self) -> usize {
        self.decisions.iter().filter(|d| matches!(d, TraceEvent::TimerFired { .. })).count()
    }

    /// The `CaughtUp` decisions: (rule, ticks, first due).
    fn caught_up(&self) -> Vec<(u16, u64, u64)> {
        self.decisions
            .iter()
            .filter_map(|d| match *d {
                TraceEvent::CaughtUp { rule, ticks, first_ms } => Some((rule, ticks, first_ms)),
                _ => None,
            })
            .collect()
    }
}

impl Host for Bounded {
    fn emit(&mut self, action: u16, _: &[Value], origin: Origin) {
        self.emitted.push(Emitted { at: origin.at_ms, action, delayed: origin.delayed });
        self.check();
    }

    fn trace(&mut self, event: TraceEvent) {
        self.decisions.push(event);
        self.check();
    }
}

fn load(bytes: &[u8]) -> Program<'_> {
    verify(bytes).unwrap_or_else(|e| panic!("invalid program: {e}"))
}

/// `every period: tick` with the clock as its argument.
fn every(period_ms: u64) -> (Vec<u8>, u16) {
    let mut b = ProgramBuilder::new();
    let tick = b.action("tick", &[Kind::Num], None);
    b.rule(RuleSpec::on(Trigger::Every { period_ms }), act(&[(Now, 0), (Emit, tick)]));
    (b.finish(), tick)
}

#[test]
fn the_end_of_the_clock_is_reached_and_nothing_re_arms_there() {
    // every 1 s, every day at 07:30, an event with delayed actions, and a variable that a
    // delayed set flips back and forth for ever: nothing of it may re-arm at u64::MAX.
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[]);
    let flag = b.var("flag", 0, 1, 0);
    let tick = b.action("tick", &[], None);
    let morning = b.action("morning", &[], None);
    let later = b.action("later", &[], None);
    let one_s = b.constant(SECOND as i64);
    b.rule(RuleSpec::on(Trigger::Every { period_ms: SECOND }), act(&[(Emit, tick)]));
    b.rule(RuleSpec::on(Trigger::Daily { minute: 7 * 60 + 30 }), act(&[(Emit, morning)]));
    b.rule(
        RuleSpec::on(Trigger::Event { event: press }),
        act(&[(Const, one_s), (EmitAfter, later), (Small, 1), (Set, flag)]),
    );
    let flip = Trigger::Change { source: Source::Var, index: flag, edge: Edge::Changes, value: 0 };
    b.rule(RuleSpec::on(flip), act(&[(Small, 1), (Var, flag), (Sub, 0), (Small, 1), (SetAfter, flag)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Bounded::default();
    rt.push_event(press, &[]).unwrap();
    rt.process(&mut host);
    rt.advance_to(10 * SECOND, &mut host);
    assert_eq!(host.times(later), [SECOND]);
    rt.advance_to(u64::MAX, &mut host);
    assert_eq!(rt.now(), u64::MAX);
    assert_eq!(rt.pending_timers(), 0, "no timer can come due after the end of the clock");
    assert_eq!(rt.next_deadline(), None);
    let before = host.emitted.len();
    // At the end of the clock an event still runs, but its delayed action can never come due.
    rt.push_event(press, &[]).unwrap();
    rt.advance_to(u64::MAX, &mut host);
    rt.advance_to(u64::MAX, &mut host);
    assert_eq!(host.emitted.len(), before, "the delayed action is not scheduled");
    assert_eq!(rt.pending_timers(), 0);
    let ticks = host.times(tick);
    assert!(ticks.windows(2).all(|w| w[0] < w[1]), "ticks never repeat a time");
    assert!(host.emitted.windows(2).all(|w| w[0].at <= w[1].at), "time never goes back");
}

#[test]
fn loading_near_the_end_of_the_clock_schedules_only_what_can_come() {
    let mut b = ProgramBuilder::new();
    let tick = b.action("tick", &[], None);
    let morning = b.action("morning", &[], None);
    b.rule(RuleSpec::on(Trigger::Every { period_ms: 3 * SECOND }), act(&[(Emit, tick)]));
    b.rule(RuleSpec::on(Trigger::Daily { minute: 23 * 60 + 59 }), act(&[(Emit, morning)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let start = u64::MAX - 5 * SECOND;
    let mut rt: Rt = Runtime::new(&program, start).unwrap();
    let mut host = Bounded::default();
    rt.advance_to(u64::MAX, &mut host);
    assert_eq!(host.times(tick), [start + 3 * SECOND], "the tick after it would be past u64::MAX");
    // u64::MAX is 14:25 of its day: 23:59 of that day would be past the end.
    assert_eq!(u64::MAX % DAY / 60_000, 14 * 60 + 25);
    assert_eq!(host.times(morning), Vec::<u64>::new());
    assert_eq!(rt.pending_timers(), 0);
}

#[test]
fn a_year_asleep_runs_an_every_rule_once_and_keeps_its_phase() {
    let (bytes, tick) = every(SECOND);
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Bounded::default();
    rt.advance_to(YEAR + 500, &mut host);
    // 31,536,000 ticks were due: one run, at the last of them, stands for all.
    assert_eq!(host.times(tick), [YEAR]);
    assert_eq!(host.caught_up(), [(0, YEAR / SECOND, SECOND)]);
    assert_eq!(rt.counters().ticks_missed, YEAR / SECOND - 1);
    assert_eq!(rt.counters().runs, 1);
    assert_eq!(rt.next_deadline(), Some(YEAR + SECOND), "on the phase of the first tick");
    // Awake again: one tick at a time, on the same grid.
    rt.advance_to(YEAR + 3_200, &mut host);
    assert_eq!(host.times(tick), [YEAR, YEAR + SECOND, YEAR + 2 * SECOND, YEAR + 3 * SECOND]);
    assert_eq!(rt.counters().ticks_missed, YEAR / SECOND - 1);
    // The one run saw the clock at its own due time.
    assert!(host.decisions.contains(&TraceEvent::TimerFired { rule: 0, due_ms: YEAR, timer: TraceTimer::Tick }));
}

#[test]
fn up_to_the_limit_every_tick_runs_one_by_one_as_before() {
    assert_eq!(MAX_CATCH_UP, 1_000);
    let (bytes, tick) = every(SECOND);
    let program = load(&bytes);
    // One jump over exactly MAX_CATCH_UP ticks, and the same time in steps of a second.
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut jumped = Bounded::default();
    rt.advance_to(MAX_CATCH_UP * SECOND + 999, &mut jumped);
    let mut stepped_rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut stepped = Bounded::default();
    for t in 1..=MAX_CATCH_UP {
        stepped_rt.advance_to(t * SECOND, &mut stepped);
    }
    stepped_rt.advance_to(MAX_CATCH_UP * SECOND + 999, &mut stepped);
    assert_eq!(jumped.emitted.len() as u64, MAX_CATCH_UP);
    assert_eq!(jumped.emitted, stepped.emitted);
    assert_eq!(jumped.decisions, stepped.decisions);
    assert_eq!(rt.counters(), stepped_rt.counters());
    assert_eq!(rt.counters().ticks_missed, 0);
    assert!(jumped.caught_up().is_empty());
    // One tick more and the rule runs once, for all of them.
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Bounded::default();
    rt.advance_to((MAX_CATCH_UP + 1) * SECOND, &mut host);
    assert_eq!(host.times(tick), [(MAX_CATCH_UP + 1) * SECOND]);
    assert_eq!(host.caught_up(), [(0, MAX_CATCH_UP + 1, SECOND)]);
    assert_eq!(rt.counters().ticks_missed, MAX_CATCH_UP);
}

#[test]
fn daily_rules_after_a_week_asleep_and_after_ten_years() {
    let mut b = ProgramBuilder::new();
    let morning = b.action("morning", &[Kind::Num], None);
    b.rule(RuleSpec::on(Trigger::Daily { minute: 7 * 60 + 30 }), act(&[(Now, 0), (Emit, morning)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 8 * 3_600_000).unwrap();
    let mut host = Bounded::default();
    // A week: seven mornings are well under the limit and each runs, at its own 07:30.
    rt.advance_to(8 * DAY, &mut host);
    let mornings: Vec<u64> = (1..8).map(|d| d * DAY + AT_0730).collect();
    assert_eq!(host.times(morning), mornings);
    assert_eq!(rt.counters().ticks_missed, 0);
    // Ten years: 3,650 mornings are past it, and the last one stands for all of them.
    host.emitted.clear();
    rt.advance_to(8 * DAY + 3_650 * DAY, &mut host);
    assert_eq!(host.times(morning), [3_657 * DAY + AT_0730]);
    assert_eq!(host.caught_up(), [(0, 3_650, 8 * DAY + AT_0730)]);
    assert_eq!(rt.counters().ticks_missed, 3_649);
    assert_eq!(rt.next_deadline(), Some(3_658 * DAY + AT_0730), "still at 07:30");
}

#[test]
fn a_coalesced_tick_takes_its_turn_among_delayed_actions() {
    // every 1 s: tick; on press: after 5 s early, after 2,000.5 s late
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[]);
    let tick = b.action("tick", &[], None);
    let early = b.action("early", &[], None);
    let late = b.action("late", &[], None);
    let five_s = b.constant(5 * SECOND as i64);
    let past_the_tick = b.constant(2_000_500);
    b.rule(RuleSpec::on(Trigger::Every { period_ms: SECOND }), act(&[(Emit, tick)]));
    b.rule(RuleSpec::on(Trigger::Event { event: press }), act(&[(Const, five_s), (EmitAfter, early)]));
    b.rule(RuleSpec::on(Trigger::Event { event: press }), act(&[(Const, past_the_tick), (EmitAfter, late)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Bounded::default();
    rt.push_event(press, &[]).unwrap();
    rt.process(&mut host);
    rt.advance_to(2_000_700, &mut host);
    // 2,000 ticks due: the delayed action due in between fires first, at its time; the tick
    // runs once at the last due second; the action due after that comes after it.
    let order: Vec<(u64, u16)> = host.emitted.iter().map(|e| (e.at, e.action)).collect();
    assert_eq!(order, [(5_000, early), (2_000_000, tick), (2_000_500, late)]);
    assert_eq!(host.caught_up(), [(0, 2_000, SECOND)]);
    assert_eq!(rt.next_deadline(), Some(2_001_000));
}

#[test]
fn delayed_sets_that_re_arm_each_other_are_bounded_too() {
    // on press: set flag = 1; on flag changes: after 1 ms set flag = 1 - flag (for ever), and
    // every 1 s: tick. A jump of a year would otherwise replay 31.5 billion delayed sets.
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[]);
    let flag = b.var("flag", 0, 1, 0);
    let tick = b.action("tick", &[Kind::Num], None);
    b.rule(RuleSpec::on(Trigger::Every { period_ms: SECOND }), act(&[(Now, 0), (Emit, tick)]));
    b.rule(RuleSpec::on(Trigger::Event { event: press }), act(&[(Small, 1), (Set, flag)]));
    let flip = Trigger::Change { source: Source::Var, index: flag, edge: Edge::Changes, value: 0 };
    b.rule(RuleSpec::on(flip), act(&[(Small, 1), (Var, flag), (Sub, 0), (Small, 1), (SetAfter, flag)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let slots = u64::from(program.timer_slots());
    assert_eq!(slots, 2);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Bounded::default();
    rt.push_event(press, &[]).unwrap();
    rt.process(&mut host);
    rt.advance_to(YEAR, &mut host);
    // The call fires at most slots × (MAX_CATCH_UP + 1) timers in order, then whatever is
    // still due once, late, at the target: the flip then re-arms after it.
    let budget = slots * (MAX_CATCH_UP + 1);
    let fired = host.timers_fired() as u64;
    assert!(fired <= budget + slots, "{fired} timers fired");
    assert!(fired > budget, "{fired}: the budget was used in order first");
    let late: Vec<u16> = host
        .decisions
        .iter()
        .filter_map(|d| match *d {
            TraceEvent::Late { rule, .. } => Some(rule),
            _ => None,
        })
        .collect();
    assert_eq!(late, [2, 0], "the flip, due next, then the tick");
    assert_eq!(rt.next_deadline(), Some(YEAR + 1));
    // The tick ran once a second while the budget lasted, then once for the rest, at the target.
    let ticks = host.times(tick);
    assert_eq!(ticks.last(), Some(&YEAR));
    assert!(ticks.len() < 5, "{ticks:?}");
    // Awake again, both go on as before.
    host.emitted.clear();
    rt.advance_to(YEAR + SECOND, &mut host);
    assert_eq!(host.times(tick), [YEAR + SECOND]);
}

#[test]
fn a_queued_rule_at_the_end_of_the_clock_still_runs_its_waiting_trigger() {
    // on press mode queued: after 10 s chime(payload); pressed twice just before the end.
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[Kind::Num]);
    let chime = b.action("chime", &[Kind::Num], None);
    let ten_s = b.constant(10 * SECOND as i64);
    b.rule(
        RuleSpec::on(Trigger::Event { event: press }).mode(Mode::Queued),
        act(&[(Payload, 0), (Const, ten_s), (EmitAfter, chime)]),
    );
    let bytes = b.finish();
    let program = load(&bytes);
    let start = u64::MAX - 15 * SECOND;
    let mut rt: Rt = Runtime::new(&program, start).unwrap();
    let mut host = Bounded::default();
    rt.push_event(press, &[1]).unwrap();
    rt.push_event(press, &[2]).unwrap();
    rt.process(&mut host);
    rt.advance_to(u64::MAX, &mut host);
    // The first chime comes; the waiting trigger runs then, and its chime would be past the end.
    assert_eq!(host.times(chime), [start + 10 * SECOND]);
    assert_eq!(rt.pending_timers(), 0);
    assert_eq!(rt.counters().runs, 2);
}
