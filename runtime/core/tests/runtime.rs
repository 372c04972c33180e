//! Programs built with the builder run under the interpreter and emit the expected actions.

mod common;

use common::{Recorder, act, code, small};
use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec, StepSpec};
use glass_runtime::format::{Edge, Kind, Mode, NO_TEXT, Source, Trigger};
use glass_runtime::isa::Op::*;
use glass_runtime::runtime::{LoadError, MAX_CASCADE, PushError, RamUsage, Runtime, Value};
use glass_runtime::{Program, verify};

type Rt<'p> = Runtime<'p, 16, 16, 16, 32>;

fn load(bytes: &[u8]) -> Program<'_> {
    verify(bytes).unwrap_or_else(|e| panic!("invalid program: {e}"))
}

fn on_event(event: u16) -> RuleSpec {
    RuleSpec::on(Trigger::Event { event })
}

fn on_change(source: Source, index: u16, edge: Edge, value: i64) -> RuleSpec {
    RuleSpec::on(Trigger::Change { source, index, edge, value })
}

#[test]
fn the_dashcam_sentence() {
    // on button-long-press while driving: record clip, notify car(message: "Saved")
    let mut b = ProgramBuilder::new();
    b.permit("camera");
    let driving = b.state("driving", Kind::Num);
    let press = b.event("button-long-press", &[]);
    let record = b.action("record", &[Kind::Num, Kind::Num], Some("camera"));
    let notify = b.action("notify car", &[Kind::Text], None);
    let clip = b.constant(1);
    let fifteen_s = b.constant(15_000);
    let saved = b.text("Saved");
    let mut c = code(&[(State, driving), (ExitIfFalse, 0), (Gate, 0)]);
    c.op(Const, clip).op(Const, fifteen_s).op(Emit, record).op(Text, saved).op(Emit, notify).op(End, 0);
    b.rule(on_event(press), &c);
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();

    rt.push_event(press, &[]).unwrap();
    rt.advance_to(500, &mut host);
    assert!(host.trace.is_empty(), "not driving: nothing happens");

    rt.set_state(driving, 1).unwrap();
    rt.push_event(press, &[]).unwrap();
    rt.advance_to(1_000, &mut host);
    assert_eq!(host.trace.len(), 2);
    assert_eq!((host.trace[0].at, host.trace[0].action), (1_000, record));
    assert_eq!(host.trace[0].args, [Value::Num(1), Value::Num(15_000)]);
    assert_eq!(host.trace[1].args, [Value::Text(saved)]);
    assert_eq!(program.text(saved), Some("Saved"));
    assert_eq!(rt.counters().runs, 1);
}

#[test]
fn spoken_phrases_match_by_their_words_through_the_host() {
    // on command where phrase contains "take photo": photo
    // on command where phrase matches "Hey Glass": wake
    let mut b = ProgramBuilder::new();
    let command = b.event("command", &[Kind::Text]);
    let photo = b.action("photo", &[], None);
    let wake = b.action("wake", &[], None);
    let take_photo = b.text("take photo");
    let hey_glass = b.text("Hey Glass");
    let said = b.text("hey, glass");
    b.rule(
        on_event(command),
        code(&[(Payload, 0), (Text, take_photo), (Contains, 0), (ExitIfFalse, 0), (Gate, 0), (Emit, photo), (End, 0)]),
    );
    b.rule(
        on_event(command),
        code(&[(Payload, 0), (Text, hey_glass), (Matches, 0), (ExitIfFalse, 0), (Gate, 0), (Emit, wake), (End, 0)]),
    );
    let bytes = b.finish();
    let program = load(&bytes);
    let host_text = |h: i64| glass_runtime::format::HOST_TEXT_BASE + h;
    let run = |host: &mut Recorder| {
        let mut rt: Rt = Runtime::new(&program, 0).unwrap();
        for (t, phrase) in
            [host_text(0), host_text(1), i64::from(said), host_text(2), host_text(9)].into_iter().enumerate()
        {
            rt.push_event(command, &[phrase]).unwrap();
            rt.advance_to(t as u64 * 1_000, host);
        }
        host.take()
    };
    let mut host =
        Recorder { texts: vec!["Please TAKE a photo", "OK glass, take photo!", "HEY GLASS"], ..Default::default() };
    assert_eq!(
        run(&mut host),
        [(1_000, photo), (2_000, wake), (3_000, wake)],
        "handle 9 is a text the host does not know"
    );
    // A host that does not give its texts matches none of them; the pack's own still match.
    assert_eq!(run(&mut Recorder::default()), [(2_000, wake)]);
}

#[test]
fn change_triggers_fire_on_their_edge_only() {
    let mut b = ProgramBuilder::new();
    let battery = b.state("battery", Kind::Num);
    let mode = b.state("mode", Kind::Text);
    let low = b.action("low", &[], None);
    let high = b.action("high", &[], None);
    let full = b.action("full", &[], None);
    let any = b.action("any", &[Kind::Num, Kind::Num], None);
    let walking = b.text("walking");
    let walk = b.action("walk", &[], None);
    b.rule(on_change(Source::State, battery, Edge::Below, 15), act(&[(Emit, low)]));
    b.rule(on_change(Source::State, battery, Edge::Above, 80), act(&[(Emit, high)]));
    b.rule(on_change(Source::State, battery, Edge::Becomes, 100), act(&[(Emit, full)]));
    b.rule(on_change(Source::State, battery, Edge::Changes, 0), act(&[(Old, 0), (New, 0), (Emit, any)]));
    b.rule(on_change(Source::State, mode, Edge::Becomes, i64::from(walking)), act(&[(Emit, walk)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    for (t, level) in [(1, 50), (2, 14), (3, 10), (4, 15), (5, 12), (6, 12), (7, 81), (8, 100), (9, 90), (10, 100)] {
        rt.set_state(battery, level).unwrap();
        rt.advance_to(t, &mut host);
    }
    assert_eq!(host.times(low), [2, 5], "crossing down through 15, not while staying below");
    assert_eq!(host.times(high), [7], "81 and 100 and 90 and 100 stay above 80");
    assert_eq!(host.times(full), [8, 10]);
    assert_eq!(host.times(any), [1, 2, 3, 4, 5, 7, 8, 9, 10], "12 -> 12 is no change");
    let first = host.trace.iter().find(|e| e.action == any).unwrap();
    assert_eq!(first.args, [Value::Num(0), Value::Num(50)]);

    rt.set_state(mode, 999).unwrap(); // a text the pack does not know
    rt.set_state(mode, i64::from(walking)).unwrap();
    rt.set_state(mode, i64::from(walking)).unwrap();
    rt.advance_to(20, &mut host);
    assert_eq!(host.times(walk), [20]);
    assert_eq!(rt.state(mode), Some(i64::from(walking)));
}

#[test]
fn variables_clamp_to_their_range_and_trigger_rules() {
    // var clips: Int 0..3; on press: set clips = clips + 1; on clips becomes 3: full; on clips changes: log(new)
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[]);
    let reset = b.event("reset", &[]);
    let clips = b.var("clips", 0, 3, 0);
    let full = b.action("full", &[], None);
    let log = b.action("log", &[Kind::Num], None);
    b.rule(on_event(press), act(&[(Var, clips), (Small, 1), (Add, 0), (Set, clips)]));
    b.rule(on_event(reset), act(&[(Small, small(-50)), (Set, clips)]));
    b.rule(on_change(Source::Var, clips, Edge::Becomes, 3), act(&[(Emit, full)]));
    b.rule(on_change(Source::Var, clips, Edge::Changes, 0), act(&[(New, 0), (Emit, log)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    for t in 1..=5 {
        rt.push_event(press, &[]).unwrap();
        rt.advance_to(t, &mut host);
    }
    assert_eq!(rt.var(clips), Some(3), "clamped at the top of 0..3");
    assert_eq!(host.times(full), [3]);
    rt.push_event(reset, &[]).unwrap();
    rt.advance_to(6, &mut host);
    assert_eq!(rt.var(clips), Some(0), "clamped at the bottom");
    let logged: Vec<Vec<Value>> = host.trace.iter().filter(|e| e.action == log).map(|e| e.args.clone()).collect();
    assert_eq!(logged, [[Value::Num(1)], [Value::Num(2)], [Value::Num(3)], [Value::Num(0)]]);
}

#[test]
fn every_and_daily_timers() {
    let mut b = ProgramBuilder::new();
    let tick = b.action("tick", &[Kind::Num], None);
    let morning = b.action("good-morning", &[Kind::Num], None);
    b.rule(RuleSpec::on(Trigger::Every { period_ms: 10_000 }), act(&[(Now, 0), (Emit, tick)]));
    // every day at 07:30
    b.rule(RuleSpec::on(Trigger::Daily { minute: 7 * 60 + 30 }), act(&[(Minute, 0), (Emit, morning)]));
    let bytes = b.finish();
    let program = load(&bytes);
    assert_eq!(program.timer_slots(), 2);
    let start = 7 * 3_600_000 + 25 * 60_000; // 07:25 on day 0
    let mut rt: Rt = Runtime::new(&program, start).unwrap();
    let mut host = Recorder::default();
    rt.advance_to(start + 35_000, &mut host);
    assert_eq!(host.times(tick), [start + 10_000, start + 20_000, start + 30_000]);
    assert_eq!(host.trace[0].args, [Value::Num((start + 10_000) as i64)]);
    host.trace.clear();
    const DAY: u64 = 86_400_000;
    let rt_end = 2 * DAY + 8 * 3_600_000;
    rt.advance_to(rt_end, &mut host);
    let at_730 = 7 * 3_600_000 + 30 * 60_000;
    assert_eq!(host.times(morning), [at_730, DAY + at_730, 2 * DAY + at_730]);
    let first = host.trace.iter().find(|e| e.action == morning).unwrap();
    assert_eq!(first.args, [Value::Num(450)]);
    // 10 s ticks never drift: the last one is on the grid.
    assert_eq!(host.times(tick).last().copied(), Some(start + (rt_end - start) / 10_000 * 10_000));
}

#[test]
fn a_stimulus_runs_its_rules_in_table_order_whatever_their_triggers() {
    // Dispatch keeps rules sorted by trigger; the rules of one stimulus must still run in the
    // order they are written, sequences and event rules interleaved, and so must watchers.
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[]);
    let other = b.event("other", &[]);
    let n = b.var("n", 0, 100, 0);
    let out = b.action("out", &[Kind::Num], None);
    let emit = |k: i16| act(&[(Small, small(k)), (Emit, out)]);
    let twice = Trigger::Sequence { events: [press, press, 0, 0], len: 2, within_ms: 400, steps: 0 };
    b.rule(on_event(other), emit(-1));
    b.rule(RuleSpec::on(twice), emit(1));
    b.rule(on_event(press), emit(2));
    b.rule(on_change(Source::Var, n, Edge::Changes, 0), emit(10));
    b.rule(RuleSpec::on(twice), emit(3));
    b.rule(on_event(press), act(&[(Small, 5), (Set, n), (Small, 4), (Emit, out)]));
    b.rule(on_event(other), emit(-2));
    b.rule(on_change(Source::Var, n, Edge::Becomes, 5), emit(11));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    rt.push_event(press, &[]).unwrap();
    rt.push_event(press, &[]).unwrap();
    rt.advance_to(100, &mut host);
    let order: Vec<Value> = host.trace.iter().map(|e| e.args[0]).collect();
    let n = |v: i64| Value::Num(v);
    // First press: 2, 4, then the watchers of n (10, 11). Second: the sequences complete (1,
    // 3) around the press rules; n is already 5, so no watcher runs.
    assert_eq!(order, [n(2), n(4), n(10), n(11), n(1), n(2), n(3), n(4)]);
}

#[test]
fn sequences_complete_in_order_within_the_window() {
    // on press then press within 400 ms: photo;  on a then b then c within 1 s: combo(payload of c)
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[]);
    let ev_a = b.event("a", &[]);
    let ev_b = b.event("b", &[]);
    let ev_c = b.event("c", &[Kind::Num]);
    let photo = b.action("photo", &[], None);
    let combo = b.action("combo", &[Kind::Num], None);
    let seq2 = Trigger::Sequence { events: [press, press, 0, 0], len: 2, within_ms: 400, steps: 0 };
    b.rule(RuleSpec::on(seq2), act(&[(Emit, photo)]));
    let seq3 = Trigger::Sequence { events: [ev_a, ev_b, ev_c, 0], len: 3, within_ms: 1_000, steps: 0 };
    b.rule(RuleSpec::on(seq3), act(&[(Payload, 0), (Emit, combo)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    let mut fire = |rt: &mut Rt, t: u64, e: u16, payload: &[i64]| {
        rt.push_event(e, payload).unwrap();
        rt.advance_to(t, &mut host);
    };
    // 0 and 300: double press. 1000 and 1500: too slow. 1500 and 1800: double press.
    for t in [0, 300, 1_000, 1_500, 1_800, 5_000] {
        fire(&mut rt, t, press, &[]);
    }
    // a b c in time (with an unrelated press between); then a b, too late c; then a a b c.
    for (t, e) in [(10_000, ev_a), (10_100, ev_b), (10_150, press), (10_200, ev_c)] {
        fire(&mut rt, t, e, &[t as i64]);
    }
    for (t, e) in [(20_000, ev_a), (20_500, ev_b), (21_200, ev_c)] {
        fire(&mut rt, t, e, &[t as i64]);
    }
    for (t, e) in [(30_000, ev_a), (30_100, ev_a), (30_200, ev_b), (30_300, ev_c)] {
        fire(&mut rt, t, e, &[t as i64]);
    }
    // An event outside the sequence neither resets it nor keeps it alive: after the window, b
    // and c no longer complete a; within it, they do.
    for (t, e) in [(40_000, ev_a), (41_500, press), (41_600, ev_b), (41_700, ev_c)] {
        fire(&mut rt, t, e, &[t as i64]);
    }
    for (t, e) in [(50_000, ev_a), (50_900, press), (50_950, ev_b), (50_990, ev_c)] {
        fire(&mut rt, t, e, &[t as i64]);
    }
    assert_eq!(host.times(photo), [300, 1_800]);
    let combos: Vec<(u64, Vec<Value>)> =
        host.trace.iter().filter(|e| e.action == combo).map(|e| (e.at, e.args.clone())).collect();
    assert_eq!(
        combos,
        [(10_200, vec![Value::Num(10_200)]), (30_300, vec![Value::Num(30_300)]), (50_990, vec![Value::Num(50_990)])]
    );
}

#[test]
fn a_step_filter_decides_whether_the_step_is_taken() {
    // on command where level > 5 then press within 1 s: beep
    let mut b = ProgramBuilder::new();
    let command = b.event("command", &[Kind::Num]);
    let press = b.event("press", &[]);
    let beep = b.action("beep", &[], None);
    let sequence = Trigger::Sequence { events: [command, press, 0, 0], len: 2, within_ms: 1_000, steps: 0 };
    let filter = StepSpec {
        filter: code(&[(Payload, 0), (Small, 5), (Gt, 0), (End, 0)]).instrs().to_vec(),
        ..StepSpec::default()
    };
    b.rule_with_steps(RuleSpec::on(sequence), act(&[(Emit, beep)]), &[filter]);
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    for (t, e, payload) in [(0, command, 3), (100, press, 0), (1_000, command, 9), (1_100, press, 0)] {
        rt.push_event(e, &[payload]).unwrap();
        rt.advance_to(t, &mut host);
    }
    // A command the filter refuses does not start the sequence, and does not restart one.
    for (t, e, payload) in [(5_000, command, 9), (5_100, command, 1), (5_200, press, 0)] {
        rt.push_event(e, &[payload]).unwrap();
        rt.advance_to(t, &mut host);
    }
    assert_eq!(host.times(beep), [1_100, 5_200]);
}

#[test]
fn a_field_kept_at_the_first_step_reaches_the_last_steps_actions() {
    // on command then press then press within 2 s: say(command.level + press-count)
    let mut b = ProgramBuilder::new();
    let command = b.event("command", &[Kind::Text, Kind::Num]);
    let press = b.event("press", &[Kind::Num]);
    let say = b.action("say", &[Kind::Text, Kind::Num, Kind::Num], None);
    let sequence = Trigger::Sequence { events: [command, press, press, 0], len: 3, within_ms: 2_000, steps: 0 };
    let keep_both = StepSpec { keep: 0b11, ..StepSpec::default() };
    // The second press's filter compares its field with the first press's, kept in slot 2.
    let second = StepSpec {
        filter: code(&[(Payload, 0), (Kept, 2), (Gt, 0), (End, 0)]).instrs().to_vec(),
        ..StepSpec::default()
    };
    let first_press = StepSpec { keep: 0b1, ..StepSpec::default() };
    let body = act(&[(Kept, 0), (Kept, 1), (Payload, 0), (Emit, say)]);
    b.rule_with_steps(RuleSpec::on(sequence), body, &[keep_both, first_press, second]);
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    let hello = glass_runtime::format::HOST_TEXT_BASE + 7;
    let steps = [(0, command, [hello, 42]), (100, press, [5, 0]), (200, press, [3, 0]), (300, press, [6, 0])];
    for (t, e, payload) in steps {
        rt.push_event(e, &payload).unwrap();
        rt.advance_to(t, &mut host);
    }
    // The press at 200 is not greater than the first (5): the one at 300 completes it.
    assert_eq!(host.trace.len(), 1);
    assert_eq!(host.trace[0].at, 300);
    assert_eq!(host.trace[0].args, [Value::HostText(7), Value::Num(42), Value::Num(6)]);
    // The kept slots lie after the held conditions and count in the RAM figure.
    assert_eq!(glass_runtime::runtime::SlotLayout::of(&program).kept(2), Some(2));
}

#[test]
fn an_absence_completes_when_the_window_ends_without_the_event() {
    // on worn-event then no tap within 5 s: tutorial(level of the first step)
    let mut b = ProgramBuilder::new();
    let put_on = b.event("put-on", &[Kind::Num]);
    let tap = b.event("tap", &[Kind::Num]);
    let tutorial = b.action("tutorial", &[Kind::Num], None);
    let sequence = Trigger::Sequence { events: [put_on, tap, 0, 0], len: 2, within_ms: 5_000, steps: 0 };
    // Only a tap with a positive field counts as one.
    let no_tap = StepSpec {
        absent: true,
        filter: code(&[(Payload, 0), (Small, 0), (Gt, 0), (End, 0)]).instrs().to_vec(),
        ..StepSpec::default()
    };
    b.rule_with_steps(
        RuleSpec::on(sequence),
        act(&[(Kept, 0), (Emit, tutorial)]),
        &[StepSpec { keep: 1, ..StepSpec::default() }, no_tap],
    );
    let bytes = b.finish();
    let program = load(&bytes);
    assert_eq!(program.timer_slots(), 1, "the window's end is a timer");
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    let fire = |rt: &mut Rt, host: &mut Recorder, t: u64, e: u16, v: i64| {
        rt.push_event(e, &[v]).unwrap();
        rt.advance_to(t, host);
    };
    fire(&mut rt, &mut host, 0, put_on, 1);
    rt.advance_to(4_999, &mut host);
    assert!(host.trace.is_empty(), "the window has not ended");
    rt.advance_to(5_000, &mut host);
    assert_eq!(host.times(tutorial), [5_000]);
    assert_eq!(host.trace[0].args, [Value::Num(1)]);
    // A tap within the window cancels it; one the filter refuses does not.
    fire(&mut rt, &mut host, 10_000, put_on, 2);
    fire(&mut rt, &mut host, 11_000, tap, 0);
    fire(&mut rt, &mut host, 12_000, tap, 1);
    rt.advance_to(20_000, &mut host);
    assert_eq!(host.times(tutorial), [5_000]);
    assert_eq!(rt.pending_timers(), 0, "the cancelled window's timer is gone");
    // The first event again starts the window over, from its own time.
    fire(&mut rt, &mut host, 30_000, put_on, 3);
    fire(&mut rt, &mut host, 33_000, put_on, 4);
    rt.advance_to(35_000, &mut host);
    assert_eq!(host.times(tutorial), [5_000]);
    rt.advance_to(38_000, &mut host);
    assert_eq!(host.times(tutorial), [5_000, 38_000]);
    assert_eq!(host.trace[1].args, [Value::Num(4)]);
    // A tap at the very end of the window is too late: the window ended first.
    fire(&mut rt, &mut host, 40_000, put_on, 5);
    fire(&mut rt, &mut host, 45_000, tap, 1);
    assert_eq!(host.times(tutorial), [5_000, 38_000, 45_000]);
}

#[test]
fn a_watchdog_is_a_sequence_of_one_event_and_its_absence() {
    // on motion then no motion within 1 s: lights-off — every motion restarts the second.
    let mut b = ProgramBuilder::new();
    let motion = b.event("motion", &[]);
    let off = b.action("lights-off", &[], None);
    let sequence = Trigger::Sequence { events: [motion, motion, 0, 0], len: 2, within_ms: 1_000, steps: 0 };
    let steps = [StepSpec::default(), StepSpec { absent: true, ..StepSpec::default() }];
    b.rule_with_steps(RuleSpec::on(sequence), act(&[(Emit, off)]), &steps);
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    for t in [0, 500, 900, 1_800] {
        rt.push_event(motion, &[]).unwrap();
        rt.advance_to(t, &mut host);
    }
    rt.advance_to(10_000, &mut host);
    assert_eq!(host.times(off), [2_800]);
}

#[test]
fn delayed_actions_use_the_values_of_the_trigger() {
    // on press: after 5 s say(count), after 2 s set count = count + 10, set count = count + 1
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[]);
    let count = b.var("count", 0, 100, 0);
    let say = b.action("say", &[Kind::Num], None);
    let five_s = b.constant(5_000);
    let two_s = b.constant(2_000);
    b.rule(
        on_event(press).mode(Mode::Queued),
        act(&[
            (Var, count),
            (Const, five_s),
            (EmitAfter, say),
            (Var, count),
            (Small, 10),
            (Add, 0),
            (Const, two_s),
            (SetAfter, count),
            (Var, count),
            (Small, 1),
            (Add, 0),
            (Set, count),
        ]),
    );
    let bytes = b.finish();
    let program = load(&bytes);
    assert_eq!(program.timer_slots(), 2);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    rt.push_event(press, &[]).unwrap();
    rt.advance_to(1_000, &mut host);
    assert_eq!(rt.var(count), Some(1));
    assert_eq!(rt.pending_timers(), 2);
    assert_eq!(rt.next_deadline(), Some(3_000));
    rt.advance_to(4_000, &mut host);
    assert_eq!(rt.var(count), Some(10), "the delayed set wrote 0 + 10, computed at the trigger");
    rt.advance_to(10_000, &mut host);
    assert_eq!(host.trace.len(), 1);
    assert_eq!((host.trace[0].at, &host.trace[0].args, host.trace[0].delayed), (6_000, &vec![Value::Num(0)], true));
}

#[test]
fn rate_limits_use_a_sliding_window() {
    // on press at most 2 times per 10 s: chime
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[]);
    let chime = b.action("chime", &[], None);
    b.rule(on_event(press).at_most(2, 10_000), act(&[(Emit, chime)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    for t in [0, 1_000, 2_000, 9_999, 10_000, 10_500, 11_000, 25_000] {
        rt.push_event(press, &[]).unwrap();
        rt.advance_to(t, &mut host);
    }
    // 0, 1000 run; 2000, 9999 refused; 10000 (0 left the window) runs; 10500 refused; 11000 runs.
    assert_eq!(host.times(chime), [0, 1_000, 10_000, 11_000, 25_000]);
    assert_eq!(rt.counters().rate_limited, 3);
}

#[test]
fn a_false_condition_does_not_use_the_rate_limit() {
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[Kind::Num]);
    let chime = b.action("chime", &[], None);
    let c = code(&[(Payload, 0), (ExitIfFalse, 0), (Gate, 0), (Emit, chime), (End, 0)]);
    b.rule(on_event(press).at_most(1, 10_000), &c);
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    for (t, ok) in [(0, 0), (1, 1), (2, 1)] {
        rt.push_event(press, &[ok]).unwrap();
        rt.advance_to(t, &mut host);
    }
    assert_eq!(host.times(chime), [1]);
}

fn delayed_chime(mode: Mode) -> (Vec<u64>, glass_runtime::runtime::Counters) {
    // on press (mode M): after 5 s chime(payload)
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[Kind::Num]);
    let chime = b.action("chime", &[Kind::Num], None);
    let five_s = b.constant(5_000);
    b.rule(on_event(press).mode(mode), act(&[(Payload, 0), (Const, five_s), (EmitAfter, chime)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    for t in [0, 1_000, 2_000, 20_000] {
        rt.push_event(press, &[t as i64]).unwrap();
        rt.advance_to(t, &mut host);
    }
    rt.advance_to(60_000, &mut host);
    let out = host
        .trace
        .iter()
        .map(|e| {
            e.at * 1_000_000
                + e.args.first().map_or(0, |a| match a {
                    Value::Num(n) => *n as u64,
                    Value::Text(t) => u64::from(*t),
                    Value::HostText(h) => u64::from(*h),
                })
        })
        .collect();
    (out, rt.counters())
}

/// Encodes (time, argument) as time * 1e6 + argument, to compare traces at a glance.
fn at(t: u64, arg: u64) -> u64 {
    t * 1_000_000 + arg
}

#[test]
fn mode_single_ignores_triggers_while_pending() {
    let (trace, counters) = delayed_chime(Mode::Single);
    assert_eq!(trace, [at(5_000, 0), at(25_000, 20_000)]);
    assert_eq!(counters.busy_ignored, 2);
}

#[test]
fn mode_restart_cancels_pending_actions() {
    let (trace, counters) = delayed_chime(Mode::Restart);
    assert_eq!(trace, [at(7_000, 2_000), at(25_000, 20_000)]);
    assert_eq!(counters.cancelled, 2);
}

#[test]
fn mode_queued_runs_the_latest_waiting_trigger_after_the_pending_actions() {
    let (trace, counters) = delayed_chime(Mode::Queued);
    // 1000 waits; 2000 replaces it (the latest waits) and runs at 5000 (its chime at 10000).
    assert_eq!(trace, [at(5_000, 0), at(10_000, 2_000), at(25_000, 20_000)]);
    assert_eq!((counters.queued, counters.busy_ignored), (2, 1));
}

/// `on press or tap (mode M): after 5 s chime(payload)`: two rows, the second sharing the
/// first's gate. Returns the chimes as (time, argument) and the counters.
fn two_triggers(
    mode: Mode,
    rate: Option<(u8, u64)>,
    stimuli: &[(u64, bool)],
) -> (Vec<u64>, glass_runtime::runtime::Counters) {
    let mut b = ProgramBuilder::new();
    let press = b.event("press", &[Kind::Num]);
    let tap = b.event("tap", &[Kind::Num, Kind::Num]);
    let chime = b.action("chime", &[Kind::Num], None);
    let five_s = b.constant(5_000);
    let with_rate = |spec: RuleSpec| match rate {
        Some((n, w)) => spec.at_most(n, w),
        None => spec,
    };
    b.rule(with_rate(on_event(press).mode(mode)), act(&[(Payload, 0), (Const, five_s), (EmitAfter, chime)]));
    // The tap's own payload index: its second field.
    b.rule(
        with_rate(on_event(tap).mode(mode)).shares_gate_of(1),
        act(&[(Payload, 1), (Const, five_s), (EmitAfter, chime)]),
    );
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    for (t, is_press) in stimuli {
        if *is_press {
            rt.push_event(press, &[*t as i64]).unwrap();
        } else {
            rt.push_event(tap, &[0, *t as i64]).unwrap();
        }
        rt.advance_to(*t, &mut host);
    }
    rt.advance_to(100_000, &mut host);
    let out = host
        .trace
        .iter()
        .map(|e| {
            at(
                e.at,
                e.args.first().map_or(0, |a| match a {
                    Value::Num(n) => *n as u64,
                    _ => 0,
                }),
            )
        })
        .collect();
    (out, rt.counters())
}

#[test]
fn the_triggers_of_one_rule_share_its_busy_state() {
    // A tap while the press's chime is pending is ignored (mode single), and the other way.
    let (trace, counters) =
        two_triggers(Mode::Single, None, &[(0, true), (1_000, false), (6_000, false), (7_000, true)]);
    assert_eq!(trace, [at(5_000, 0), at(11_000, 6_000)]);
    assert_eq!(counters.busy_ignored, 2);
}

#[test]
fn a_trigger_of_one_rule_restarts_the_run_of_another() {
    let (trace, counters) = two_triggers(Mode::Restart, None, &[(0, true), (1_000, false), (2_000, true)]);
    assert_eq!(trace, [at(7_000, 2_000)]);
    assert_eq!(counters.cancelled, 2);
}

#[test]
fn a_waiting_trigger_runs_the_code_of_its_own_row() {
    // The tap waits while the press's chime is pending, then reads its own second field.
    let (trace, counters) = two_triggers(Mode::Queued, None, &[(0, true), (1_000, false)]);
    assert_eq!(trace, [at(5_000, 0), at(10_000, 1_000)]);
    assert_eq!(counters.queued, 1);
}

#[test]
fn the_triggers_of_one_rule_share_its_rate_limit() {
    // at most 2 per 60 s, over presses and taps together (no delayed action is pending long).
    let (trace, counters) = two_triggers(
        Mode::Single,
        Some((2, 60_000)),
        &[(0, true), (10_000, false), (20_000, true), (30_000, false), (61_000, false)],
    );
    assert_eq!(trace, [at(5_000, 0), at(15_000, 10_000), at(66_000, 61_000)]);
    assert_eq!(counters.rate_limited, 2);
}

#[test]
fn a_shared_gate_must_be_an_earlier_rule_with_the_same_options() {
    let build = |first: RuleSpec, second: RuleSpec| {
        let mut b = ProgramBuilder::new();
        let press = b.event("press", &[]);
        let chime = b.action("chime", &[], None);
        let first = RuleSpec { trigger: Trigger::Event { event: press }, ..first };
        let second = RuleSpec { trigger: Trigger::Event { event: press }, ..second };
        b.rule(first, act(&[(Emit, chime)]));
        b.rule(second, act(&[(Emit, chime)]));
        b.finish()
    };
    let plain = || on_event(0);
    assert!(verify(&build(plain(), plain().shares_gate_of(1))).is_ok());
    // Past the first row, another mode, another rate limit, a row that itself shares a gate.
    assert!(verify(&build(plain(), plain().shares_gate_of(2))).is_err());
    assert!(verify(&build(plain(), plain().mode(Mode::Queued).shares_gate_of(1))).is_err());
    assert!(verify(&build(plain(), plain().at_most(1, 1_000).shares_gate_of(1))).is_err());
    assert!(verify(&build(plain().shares_gate_of(1), plain())).is_err());
}

#[test]
fn held_conditions_need_an_unbroken_duration() {
    // on press while worn for 3 s: chime
    let mut b = ProgramBuilder::new();
    let worn = b.state("worn", Kind::Num);
    let press = b.event("press", &[]);
    let chime = b.action("chime", &[], None);
    let held = b.held(code(&[(State, worn), (End, 0)]), 3_000);
    b.rule(on_event(press), code(&[(Held, held), (ExitIfFalse, 0), (Gate, 0), (Emit, chime), (End, 0)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    let steps: &[(u64, Option<i64>, bool)] = &[
        (1_000, Some(1), true), // worn from 1 s
        (3_999, None, true),    // not yet 3 s
        (4_000, None, true),    // exactly 3 s: holds
        (5_000, Some(0), true), // taken off
        (6_000, Some(1), true), // on again from 6 s
        (8_000, None, true),
        (9_000, None, true),
    ];
    for (t, worn_now, press_now) in steps {
        rt.advance_to(*t, &mut host);
        if let Some(w) = worn_now {
            rt.set_state(worn, *w).unwrap();
        }
        if *press_now {
            rt.push_event(press, &[]).unwrap();
        }
        rt.process(&mut host);
    }
    assert_eq!(host.times(chime), [4_000, 9_000]);
}

#[test]
fn held_triggers_fire_once_per_unbroken_hold() {
    // on speed > 120 for 10 s: warn
    let mut b = ProgramBuilder::new();
    let speed = b.state("speed", Kind::Num);
    let warn = b.action("warn", &[Kind::Num], None);
    let held = b.held(code(&[(State, speed), (Small, 120), (Gt, 0), (End, 0)]), 10_000);
    b.rule(RuleSpec::on(Trigger::Held { held }), act(&[(Now, 0), (Emit, warn)]));
    let bytes = b.finish();
    let program = load(&bytes);
    assert_eq!(program.timer_slots(), 1, "one timer while the condition holds");
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    let steps: &[(u64, i64)] = &[
        (1_000, 130),  // holds from 1 s
        (5_000, 140),  // still holds: the start stays at 1 s
        (11_000, 150), // fired at 11 s already; still above, no second run
        (30_000, 100), // stops holding: re-arms
        (31_000, 125), // holds again from 31 s
        (35_000, 110), // broken before 10 s: nothing
        (36_000, 121), // from 36 s
    ];
    for (t, v) in steps {
        rt.advance_to(*t, &mut host);
        rt.set_state(speed, *v).unwrap();
        rt.process(&mut host);
        if *v <= 120 {
            assert_eq!(rt.next_deadline(), None, "a condition that stops holding drops its timer");
        }
    }
    rt.advance_to(100_000, &mut host);
    assert_eq!(host.times(warn), [11_000, 46_000]);
    let now_args: Vec<Vec<Value>> = host.trace.iter().map(|e| e.args.clone()).collect();
    assert_eq!(now_args, [[Value::Num(11_000)], [Value::Num(46_000)]], "the clock is the due time");
    assert_eq!(rt.counters().runs, 2);
    assert_eq!(rt.pending_timers(), 0);
}

#[test]
fn held_triggers_arm_at_load_and_follow_variables() {
    // var on: Bool = 1; on (not worn) for 5 s: pause; on on for 2 s while worn: chime
    // A condition true from the start has held since the load; one that a rule's `set` makes
    // true starts then.
    let mut b = ProgramBuilder::new();
    let worn = b.state("worn", Kind::Num);
    let press = b.event("press", &[]);
    let flag = b.var("flag", 0, 1, 0);
    let pause = b.action("pause", &[], None);
    let chime = b.action("chime", &[], None);
    let off = b.held(code(&[(State, worn), (Not, 0), (End, 0)]), 5_000);
    let set = b.held(code(&[(Var, flag), (End, 0)]), 2_000);
    b.rule(RuleSpec::on(Trigger::Held { held: off }), act(&[(Emit, pause)]));
    b.rule(
        RuleSpec::on(Trigger::Held { held: set }).mode(Mode::Restart),
        code(&[(State, worn), (ExitIfFalse, 0), (Gate, 0), (Emit, chime), (End, 0)]),
    );
    b.rule(on_event(press), act(&[(Small, 1), (Set, flag)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 1_000).unwrap();
    let mut host = Recorder::default();
    assert_eq!(rt.next_deadline(), Some(6_000), "not worn since the load at 1 s");
    rt.advance_to(7_000, &mut host);
    assert_eq!(host.times(pause), [6_000]);
    rt.set_state(worn, 1).unwrap();
    rt.push_event(press, &[]).unwrap();
    rt.advance_to(8_000, &mut host);
    rt.advance_to(20_000, &mut host);
    assert_eq!(host.times(chime), [10_000], "the `set` at 8 s started the hold; `while worn` holds at 10 s");
    // A held rule whose `while` is false when it comes due does not run, and does not re-arm.
    rt.push_event(press, &[]).unwrap(); // flag is 1 already: no change, no new hold
    rt.advance_to(30_000, &mut host);
    assert_eq!(host.times(chime), [10_000]);
}

#[test]
fn arithmetic_edge_cases_are_defined() {
    let mut b = ProgramBuilder::new();
    let ev = b.event("numbers", &[Kind::Num, Kind::Num]);
    let out = b.action("out", &[Kind::Num; 7], None);
    let min = b.constant(i64::MIN);
    let max = b.constant(i64::MAX);
    b.rule(
        on_event(ev),
        act(&[
            (Payload, 0),
            (Payload, 1),
            (Div, 0), // x / y (y = 0 gives 0)
            (Const, min),
            (Small, small(-1)),
            (Div, 0), // MIN / -1 = MIN
            (Const, min),
            (Neg, 0), // -MIN = MIN
            (Const, min),
            (Small, 1),
            (Sub, 0), // MIN - 1 wraps to MAX
            (Const, max),
            (Small, 2),
            (Mul, 0), // MAX * 2 wraps to -2
            (Const, max),
            (Small, 1),
            (Add, 0), // MAX + 1 wraps to MIN
            (Small, small(-7)),
            (Small, 2),
            (Div, 0), // -7 / 2 = -3 (toward zero)
            (Emit, out),
        ]),
    );
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    rt.push_event(ev, &[7, 0]).unwrap();
    rt.push_event(ev, &[-7, 2]).unwrap();
    rt.process(&mut host);
    let n = |v: i64| Value::Num(v);
    assert_eq!(host.trace[0].args, [n(0), n(i64::MIN), n(i64::MIN), n(i64::MAX), n(-2), n(i64::MIN), n(-3)]);
    assert_eq!(host.trace[1].args[0], n(-3));
}

#[test]
fn remainder_has_the_sign_of_the_dividend_and_is_zero_at_the_edges() {
    let mut b = ProgramBuilder::new();
    let ev = b.event("numbers", &[Kind::Num, Kind::Num]);
    let out = b.action("out", &[Kind::Num; 6], None);
    let min = b.constant(i64::MIN);
    let max = b.constant(i64::MAX);
    b.rule(
        on_event(ev),
        act(&[
            (Payload, 0),
            (Payload, 1),
            (Rem, 0), // x % y
            (Const, min),
            (Small, small(-1)),
            (Rem, 0), // MIN % -1 = 0
            (Const, min),
            (Small, 0),
            (Rem, 0), // MIN % 0 = 0
            (Const, min),
            (Const, max),
            (Rem, 0), // MIN % MAX = -1
            (Small, small(-7)),
            (Small, 2),
            (Rem, 0), // -7 % 2 = -1 (the sign of the dividend)
            (Small, 7),
            (Small, small(-2)),
            (Rem, 0), // 7 % -2 = 1
            (Emit, out),
        ]),
    );
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    rt.push_event(ev, &[7, 0]).unwrap();
    rt.push_event(ev, &[1_000, 60]).unwrap();
    rt.push_event(ev, &[i64::MAX, -1]).unwrap();
    rt.process(&mut host);
    let n = |v: i64| Value::Num(v);
    assert_eq!(host.trace[0].args, [n(0), n(0), n(0), n(-1), n(-1), n(1)]);
    assert_eq!(host.trace[1].args[0], n(40));
    assert_eq!(host.trace[2].args[0], n(0));
}

#[test]
fn comparisons_and_logic() {
    let mut b = ProgramBuilder::new();
    let ev = b.event("e", &[Kind::Num, Kind::Num, Kind::Text]);
    let out = b.action("out", &[Kind::Num; 8], None);
    let same = b.action("same-text", &[Kind::Num], None);
    let hey = b.text("hey");
    let ops = [Eq, Ne, Lt, Le, Gt, Ge, And, Or];
    let mut c = Code::new();
    c.op(Gate, 0);
    for op in ops {
        c.op(Payload, 0).op(Payload, 1).op(op, 0);
    }
    c.op(Emit, out).op(Payload, 2).op(Text, hey).op(Eq, 0).op(Emit, same).op(End, 0);
    b.rule(on_event(ev), &c);
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    rt.push_event(ev, &[2, 3, i64::from(hey)]).unwrap();
    rt.push_event(ev, &[0, 0, 12_345]).unwrap(); // an unknown text
    rt.process(&mut host);
    let nums =
        |e: &common::Emitted| e.args.iter().map(|v| if let Value::Num(n) = v { *n } else { -1 }).collect::<Vec<_>>();
    assert_eq!(nums(&host.trace[0]), [0, 1, 1, 1, 0, 0, 1, 1]);
    assert_eq!(nums(&host.trace[1]), [1]);
    assert_eq!(nums(&host.trace[2]), [1, 0, 0, 1, 0, 1, 0, 0]);
    assert_eq!(nums(&host.trace[3]), [0]);
}

#[test]
fn unknown_texts_reach_the_host_as_no_text() {
    let mut b = ProgramBuilder::new();
    let ev = b.event("heard", &[Kind::Text]);
    let say = b.action("say", &[Kind::Text], None);
    b.rule(on_event(ev), act(&[(Payload, 0), (Emit, say)]));
    let hello = b.text("hello");
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    assert_eq!(program.text_id("hello"), Some(hello));
    rt.push_event(ev, &[i64::from(hello)]).unwrap();
    rt.push_event(ev, &[-5]).unwrap();
    rt.process(&mut host);
    assert_eq!(host.trace[0].args, [Value::Text(hello)]);
    assert_eq!(host.trace[1].args, [Value::Text(NO_TEXT)]);
}

#[test]
fn forward_jumps_choose_between_actions() {
    // on e: if payload > 10 then big else small  (jumps), then always done
    let mut b = ProgramBuilder::new();
    let ev = b.event("e", &[Kind::Num]);
    let big = b.action("big", &[], None);
    let little = b.action("little", &[], None);
    let done = b.action("done", &[], None);
    let mut c = Code::new();
    c.op(Gate, 0).op(Payload, 0).op(Small, 10).op(Gt, 0);
    let otherwise = c.jump(JumpIfFalse);
    c.op(Emit, big);
    let end_if = c.jump(Jump);
    c.bind(otherwise);
    c.op(Emit, little);
    c.bind(end_if);
    c.op(Emit, done).op(End, 0);
    b.rule(on_event(ev), &c);
    let bytes = b.finish();
    let program = load(&bytes);
    assert_eq!(program.rule(0).unwrap().bound, 9, "10 instructions, but a run skips one of the two emits");
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    rt.push_event(ev, &[50]).unwrap();
    rt.push_event(ev, &[5]).unwrap();
    rt.process(&mut host);
    assert_eq!(host.take(), [(0, big), (0, done), (0, little), (0, done)]);
}

#[test]
fn timers_fire_before_events_and_ties_keep_their_order() {
    let mut b = ProgramBuilder::new();
    let ev = b.event("e", &[Kind::Num]);
    let out = b.action("out", &[Kind::Num], None);
    let hundred = b.constant(100);
    b.rule(on_event(ev).mode(Mode::Queued), act(&[(Payload, 0), (Const, hundred), (EmitAfter, out)]));
    b.rule(on_event(ev), act(&[(Payload, 0), (Small, 100), (Add, 0), (Const, hundred), (EmitAfter, out)]));
    b.rule(on_event(ev), act(&[(Payload, 0), (Small, 1), (Add, 0), (Emit, out)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    rt.push_event(ev, &[0]).unwrap();
    rt.advance_to(0, &mut host);
    rt.push_event(ev, &[1000]).unwrap();
    rt.advance_to(100, &mut host);
    let args: Vec<(u64, Value)> = host.trace.iter().map(|e| (e.at, e.args[0])).collect();
    use Value::Num as N;
    // At 0: the immediate action. At 100: both timers (in scheduling order), then the event.
    assert_eq!(args, [(0, N(1)), (100, N(0)), (100, N(100)), (100, N(1001))]);
}

#[test]
fn cascades_of_variable_changes_are_bounded() {
    // on n changes: set n = n + 1   (would run forever)
    let mut b = ProgramBuilder::new();
    let go = b.event("go", &[]);
    let n = b.var("n", 0, 1_000_000, 0);
    b.rule(on_event(go), act(&[(Small, 1), (Set, n)]));
    b.rule(on_change(Source::Var, n, Edge::Changes, 0), act(&[(Var, n), (Small, 1), (Add, 0), (Set, n)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder::default();
    rt.push_event(go, &[]).unwrap();
    rt.process(&mut host);
    assert_eq!(rt.var(n), Some(1 + MAX_CASCADE as i64));
    assert_eq!(rt.counters().cascade_cut, 1);
    rt.push_event(go, &[]).unwrap();
    rt.process(&mut host);
    assert_eq!(rt.var(n), Some(1 + MAX_CASCADE as i64), "each stimulus has its own budget");
    assert_eq!(rt.counters().cascade_cut, 2);
}

#[test]
fn a_full_queue_drops_the_newest_and_counts() {
    let mut b = ProgramBuilder::new();
    let ev = b.event("e", &[Kind::Num]);
    let s = b.state("s", Kind::Num);
    let out = b.action("out", &[Kind::Num], None);
    b.rule(on_event(ev), act(&[(Payload, 0), (Emit, out)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Runtime<'_, 2, 0, 1, 1> = Runtime::new(&program, 0).unwrap();
    let results: Vec<Result<(), PushError>> = (0..4).map(|i| rt.push_event(ev, &[i])).collect();
    assert_eq!(results, [Ok(()), Ok(()), Err(PushError::Full), Err(PushError::Full)]);
    assert_eq!(rt.set_state(s, 1), Err(PushError::Full));
    assert_eq!(rt.push_event(7, &[]), Err(PushError::Unknown));
    assert_eq!(rt.set_state(3, 1), Err(PushError::Unknown));
    let stats = rt.queue_stats();
    assert_eq!((stats.pushed, stats.dropped, stats.high_water), (2, 3, 2));
    assert_eq!(rt.counters().unknown, 2);
    let mut host = Recorder::default();
    rt.process(&mut host);
    let args: Vec<Value> = host.trace.iter().map(|e| e.args[0]).collect();
    assert_eq!(args, [Value::Num(0), Value::Num(1)], "the oldest are kept, in order");
}

#[test]
fn states_can_be_pulled_from_the_host() {
    let mut b = ProgramBuilder::new();
    let a = b.state("a", Kind::Num);
    let c = b.state("c", Kind::Num);
    let out = b.action("out", &[Kind::Num], None);
    b.rule(on_change(Source::State, c, Edge::Changes, 0), act(&[(New, 0), (Emit, out)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Recorder { states: vec![Some(5), Some(9)], ..Recorder::default() };
    rt.sync_states(&mut host).unwrap();
    rt.process(&mut host);
    assert_eq!((rt.state(a), rt.state(c)), (Some(5), Some(9)));
    assert_eq!(host.trace[0].args, [Value::Num(9)]);
}

#[test]
fn capacities_are_checked_at_load_and_ram_is_reported() {
    let mut b = ProgramBuilder::new();
    let ev = b.event("e", &[]);
    let s = b.state("s", Kind::Num);
    b.var("v", 0, 1, 0);
    let out = b.action("out", &[], None);
    let held = b.held(code(&[(State, s), (End, 0)]), 10);
    b.rule(on_event(ev), code(&[(Held, held), (ExitIfFalse, 0), (Gate, 0), (Small, 5), (EmitAfter, out), (End, 0)]));
    b.rule(RuleSpec::on(Trigger::Every { period_ms: 5 }), act(&[]));
    let bytes = b.finish();
    let program = load(&bytes);
    assert!(matches!(Runtime::<'_, 4, 1, 2, 3>::new(&program, 0), Err(LoadError::Timers { needed: 2, capacity: 1 })));
    assert!(matches!(Runtime::<'_, 4, 2, 1, 3>::new(&program, 0), Err(LoadError::Rules { needed: 2, capacity: 1 })));
    assert!(matches!(Runtime::<'_, 4, 2, 2, 2>::new(&program, 0), Err(LoadError::Slots { needed: 3, capacity: 2 })));
    let exact = Runtime::<'_, 4, 2, 2, 3>::new(&program, 0).unwrap();
    let ram = RamUsage::of(&program, 4);
    assert_eq!(ram.slots, 3 * 8);
    assert_eq!(ram.total, ram.slots + ram.rules + ram.timers + ram.queue + ram.fixed);
    let actual = std::mem::size_of_val(&exact);
    assert!(actual.abs_diff(ram.total) <= 16, "RamUsage {ram:?} vs size_of {actual}");
    assert_eq!(
        LoadError::Timers { needed: 2, capacity: 1 }.to_string(),
        "the program needs 2 timer slots but the runtime has room for 1"
    );
}

#[test]
fn time_never_goes_back() {
    let mut b = ProgramBuilder::new();
    let tick = b.action("tick", &[], None);
    b.rule(RuleSpec::on(Trigger::Every { period_ms: 100 }), act(&[(Emit, tick)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 1_000).unwrap();
    let mut host = Recorder::default();
    rt.advance_to(1_250, &mut host);
    rt.advance_to(500, &mut host);
    assert_eq!(rt.now(), 1_250);
    assert_eq!(host.times(tick), [1_100, 1_200]);
}

#[test]
fn poll_uses_the_host_clock() {
    struct Clocked(u64, Vec<u64>);
    impl glass_runtime::Host for Clocked {
        fn emit(&mut self, _: u16, _: &[Value], origin: glass_runtime::Origin) {
            self.1.push(origin.at_ms);
        }
        fn now_ms(&mut self) -> u64 {
            self.0
        }
    }
    let mut b = ProgramBuilder::new();
    let tick = b.action("tick", &[], None);
    b.rule(RuleSpec::on(Trigger::Every { period_ms: 100 }), act(&[(Emit, tick)]));
    let bytes = b.finish();
    let program = load(&bytes);
    let mut rt: Rt = Runtime::new(&program, 0).unwrap();
    let mut host = Clocked(250, vec![]);
    rt.poll(&mut host);
    assert_eq!(host.1, [100, 200]);
    assert_eq!(rt.now(), 250);
}
