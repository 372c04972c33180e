//! The JIT, opcode by opcode and feature by feature: each test states what the spec requires and
//! also checks that the interpreter does exactly the same (`common::both`).

mod common;

use common::{Step, both, brief};
use glass_jit::{Jit, JitError};
use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec};
use glass_runtime::format::{Edge, Kind, Mode, Source, Trigger};
use glass_runtime::isa::Op::{self, *};
use glass_runtime::runtime::Value;
use glass_runtime::verify;

use Step::{Advance, Event, SetState};

/// A program with one event `e(x, y)` whose rule computes `code` (which sees `x` and `y` as
/// `Payload 0` and `Payload 1`) and emits the number it leaves.
fn expr_program(code: &[(Op, u16)]) -> Vec<u8> {
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[Kind::Num, Kind::Num]);
    let out = b.action("out", &[Kind::Num], None);
    let mut c = Code::new();
    c.op(Gate, 0);
    for (op, v) in code {
        c.op(*op, *v);
    }
    c.op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }), &c);
    b.finish()
}

/// What `op` makes of `x` and `y` under both engines.
fn binary(op: Op, x: i64, y: i64) -> i64 {
    let bytes = expr_program(&[(Payload, 0), (Payload, 1), (op, 0)]);
    let o = both(&bytes, 0, &[Event(0, vec![x, y]), Advance(1)]);
    assert_eq!(o.trace.len(), 1);
    match o.trace[0].args[0] {
        Value::Num(n) => n,
        ref v => panic!("not a number: {v:?}"),
    }
}

const EDGES: [i64; 11] = [0, 1, -1, 2, -2, 7, -7, i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1];

#[test]
fn arithmetic_wraps_and_divides_as_the_spec_says() {
    for x in EDGES {
        for y in EDGES {
            assert_eq!(binary(Add, x, y), x.wrapping_add(y), "{x} + {y}");
            assert_eq!(binary(Sub, x, y), x.wrapping_sub(y), "{x} - {y}");
            assert_eq!(binary(Mul, x, y), x.wrapping_mul(y), "{x} * {y}");
            let q = if y == 0 {
                0
            } else if y == -1 {
                x.wrapping_neg()
            } else {
                x / y
            };
            assert_eq!(binary(Div, x, y), q, "{x} / {y}");
        }
    }
    assert_eq!(binary(Div, 7, 0), 0);
    assert_eq!(binary(Div, i64::MIN, 0), 0);
    assert_eq!(binary(Div, i64::MIN, -1), i64::MIN);
    assert_eq!(binary(Div, -7, 2), -3);
    assert_eq!(binary(Div, 7, -2), -3);
    assert_eq!(binary(Add, i64::MAX, 1), i64::MIN);
    assert_eq!(binary(Mul, i64::MIN, -1), i64::MIN);
}

#[test]
fn remainder_never_traps_and_has_the_sign_of_the_dividend() {
    for x in EDGES {
        for y in EDGES {
            let r = if y == 0 || y == -1 { 0 } else { x % y };
            assert_eq!(binary(Rem, x, y), r, "{x} % {y}");
        }
    }
    assert_eq!(binary(Rem, 7, 0), 0);
    assert_eq!(binary(Rem, i64::MIN, 0), 0);
    assert_eq!(binary(Rem, i64::MIN, -1), 0);
    assert_eq!(binary(Rem, -7, 2), -1);
    assert_eq!(binary(Rem, 7, -2), 1);
    assert_eq!(binary(Rem, 1_000, 60), 40);
}

#[test]
fn comparisons_and_logic_yield_zero_or_one() {
    for x in EDGES {
        for y in EDGES {
            assert_eq!(binary(Eq, x, y), i64::from(x == y));
            assert_eq!(binary(Ne, x, y), i64::from(x != y));
            assert_eq!(binary(Lt, x, y), i64::from(x < y));
            assert_eq!(binary(Le, x, y), i64::from(x <= y));
            assert_eq!(binary(Gt, x, y), i64::from(x > y));
            assert_eq!(binary(Ge, x, y), i64::from(x >= y));
            assert_eq!(binary(And, x, y), i64::from(x != 0 && y != 0), "{x} and {y}");
            assert_eq!(binary(Or, x, y), i64::from(x != 0 || y != 0), "{x} or {y}");
        }
    }
}

#[test]
fn unary_operations() {
    let bytes = expr_program(&[(Payload, 0), (Neg, 0), (Payload, 0), (Not, 0), (Add, 0)]);
    for x in EDGES {
        let o = both(&bytes, 0, &[Event(0, vec![x, 0]), Advance(1)]);
        assert_eq!(brief(&o), vec![(1, 0, vec![x.wrapping_neg().wrapping_add(i64::from(x == 0))])]);
    }
    let min = both(&expr_program(&[(Payload, 0), (Neg, 0)]), 0, &[Event(0, vec![i64::MIN, 0]), Advance(1)]);
    assert_eq!(brief(&min), vec![(1, 0, vec![i64::MIN])]);
}

#[test]
fn constants_small_numbers_texts_now_and_minute() {
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[]);
    let out = b.action("out", &[Kind::Num, Kind::Num, Kind::Text, Kind::Num, Kind::Num, Kind::Num], None);
    let big = b.constant(-1_234_567_890_123);
    let hello = b.text("hello");
    let mut c = Code::new();
    c.op(Gate, 0).op(Const, big).small(-32768).op(Text, hello).op(Now, 0).op(Minute, 0).op(Nop, 0).small(32767);
    c.op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }), &c);
    let bytes = b.finish();
    // 25 hours and 30 minutes after midnight: minute of the day 90.
    let start = (25 * 60 + 30) * 60_000;
    let o = both(&bytes, start, &[Event(0, vec![]), Advance(5)]);
    let t = start + 5;
    assert_eq!(o.trace.len(), 1);
    assert_eq!(
        o.trace[0].args,
        vec![
            Value::Num(-1_234_567_890_123),
            Value::Num(-32768),
            Value::Text(hello),
            Value::Num(t as i64),
            Value::Num(90),
            Value::Num(32767)
        ]
    );
}

#[test]
fn states_variables_payload_and_text_payload() {
    let mut b = ProgramBuilder::new();
    let mood = b.state("mood", Kind::Text);
    let level = b.state("level", Kind::Num);
    let n = b.var("n", -5, 5, 3);
    let e = b.event("e", &[Kind::Num, Kind::Text]);
    let happy = b.text("happy");
    let out = b.action("out", &[Kind::Num, Kind::Num, Kind::Num, Kind::Text, Kind::Num], None);
    let mut c = Code::new();
    // if mood == "happy": out(level, n, payload 0, payload 1, payload 1 == "happy")
    c.op(State, mood).op(Text, happy).op(Eq, 0).op(ExitIfFalse, 0).op(Gate, 0);
    c.op(State, level).op(Var, n).op(Payload, 0).op(Payload, 1).op(Payload, 1).op(Text, happy).op(Eq, 0);
    c.op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }), &c);
    let bytes = b.finish();
    let h = i64::from(happy);
    let o = both(
        &bytes,
        0,
        &[
            Event(0, vec![1, h]),
            Advance(1),
            SetState(mood, h),
            SetState(level, 42),
            Event(0, vec![2, h]),
            Event(0, vec![3, 999_999]),
            Advance(1),
        ],
    );
    // The unknown text in the payload reaches the action as NO_TEXT.
    assert_eq!(brief(&o), vec![(2, out, vec![42, 3, 2, h, 1]), (2, out, vec![42, 3, 3, 0xFFFF, 0])]);
}

#[test]
fn jumps_take_the_right_branch() {
    // out(x < 0 ? -1 : (x == 0 ? 0 : 1)) with JumpIfFalse and Jump.
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[Kind::Num]);
    let out = b.action("out", &[Kind::Num], None);
    let mut c = Code::new();
    c.op(Gate, 0);
    c.op(Payload, 0).small(0).op(Lt, 0);
    let not_neg = c.jump(JumpIfFalse);
    c.small(-1).op(Emit, out);
    let done1 = c.jump(Jump);
    c.bind(not_neg);
    c.op(Payload, 0).small(0).op(Eq, 0);
    let not_zero = c.jump(JumpIfFalse);
    c.small(0).op(Emit, out);
    let done2 = c.jump(Jump);
    c.bind(not_zero);
    c.small(1).op(Emit, out);
    c.bind(done1);
    c.bind(done2);
    c.op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }), &c);
    let bytes = b.finish();
    let o = both(&bytes, 0, &[Event(0, vec![-9]), Event(0, vec![0]), Event(0, vec![9]), Advance(1)]);
    assert_eq!(brief(&o), vec![(1, out, vec![-1]), (1, out, vec![0]), (1, out, vec![1])]);
}

#[test]
fn exit_if_false_stops_before_the_gate() {
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[Kind::Num]);
    let out = b.action("out", &[], None);
    let mut c = Code::new();
    c.op(Payload, 0).op(ExitIfFalse, 0).op(Gate, 0).op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }).at_most(1, 1_000), &c);
    let bytes = b.finish();
    let o = both(&bytes, 0, &[Event(0, vec![0]), Event(0, vec![5]), Event(0, vec![0]), Event(0, vec![7]), Advance(1)]);
    assert_eq!(brief(&o), vec![(1, out, vec![])]);
    assert_eq!(o.counters.runs, 1);
    assert_eq!(o.counters.rate_limited, 1, "a false condition does not use the rate limit");
}

#[test]
fn set_clamps_and_cascades() {
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[Kind::Num]);
    let n = b.var("n", 0, 10, 0);
    let doubled = b.var("doubled", 0, 100, 0);
    let out = b.action("out", &[Kind::Num, Kind::Num], None);
    let mut c = Code::new();
    c.op(Gate, 0).op(Var, n).op(Payload, 0).op(Add, 0).op(Set, n).op(Var, n).op(Var, doubled).op(Emit, out);
    c.op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }), &c);
    // on n changes: doubled = new * 2 (runs after the stimulus, reads Old and New).
    let mut w = Code::new();
    w.op(Gate, 0).op(New, 0).small(2).op(Mul, 0).op(Set, doubled).op(Old, 0).op(New, 0).op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Change { source: Source::Var, index: n, edge: Edge::Changes, value: 0 }), &w);
    let bytes = b.finish();
    let o = both(
        &bytes,
        0,
        &[Event(0, vec![4]), Advance(1), Event(0, vec![100]), Advance(1), Event(0, vec![-3]), Advance(1)],
    );
    assert_eq!(
        brief(&o),
        vec![
            (1, out, vec![4, 0]),
            (1, out, vec![0, 4]),
            (2, out, vec![10, 8]),
            (2, out, vec![4, 10]),
            (3, out, vec![7, 20]),
            (3, out, vec![10, 7])
        ]
    );
    assert_eq!(o.vars, vec![7, 14]);
}

#[test]
fn cascades_are_cut_at_sixteen_changes() {
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[]);
    let n = b.var("n", 0, 1_000, 0);
    let mut c = Code::new();
    c.op(Gate, 0).op(Var, n).small(1).op(Add, 0).op(Set, n).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }), &c);
    b.rule(RuleSpec::on(Trigger::Change { source: Source::Var, index: n, edge: Edge::Changes, value: 0 }), &c);
    let bytes = b.finish();
    let o = both(&bytes, 0, &[Event(0, vec![]), Advance(1)]);
    assert_eq!(o.vars, vec![17], "the first change and 16 followed ones");
    assert_eq!(o.counters.cascade_cut, 1);
}

#[test]
fn change_edges() {
    let mut b = ProgramBuilder::new();
    let temp = b.state("temp", Kind::Num);
    let out = b.action("out", &[Kind::Num, Kind::Num], None);
    for (edge, value) in [(Edge::Changes, 0), (Edge::Becomes, 20), (Edge::Below, 10), (Edge::Above, 30)] {
        let mut c = Code::new();
        c.op(Gate, 0).op(Old, 0).op(New, 0).op(Emit, out).op(End, 0);
        b.rule(RuleSpec::on(Trigger::Change { source: Source::State, index: temp, edge, value }), &c);
    }
    let bytes = b.finish();
    let steps =
        [SetState(temp, 20), SetState(temp, 20), SetState(temp, 5), SetState(temp, 31), SetState(temp, 30), Advance(1)];
    let o = both(&bytes, 0, &steps);
    let fired: Vec<(u16, i64, i64)> = o
        .trace
        .iter()
        .map(|e| {
            let n = |i: usize| if let Value::Num(n) = e.args[i] { n } else { panic!() };
            (e.origin.rule, n(0), n(1))
        })
        .collect();
    assert_eq!(fired, vec![(0, 0, 20), (1, 0, 20), (0, 20, 5), (2, 20, 5), (0, 5, 31), (3, 5, 31), (0, 31, 30)]);
}

#[test]
fn held_conditions_need_their_duration() {
    let mut b = ProgramBuilder::new();
    let worn = b.state("worn", Kind::Num);
    let n = b.var("n", 0, 100, 0);
    let tick = b.event("tick", &[]);
    let out = b.action("out", &[Kind::Num], None);
    // held: worn and n < 3, for 1000 ms
    let mut h = Code::new();
    h.op(State, worn).op(Var, n).small(3).op(Lt, 0).op(And, 0).op(End, 0);
    let held = b.held(&h, 1_000);
    let mut c = Code::new();
    c.op(Gate, 0).op(Held, held).op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: tick }), &c);
    let bytes = b.finish();
    let o = both(
        &bytes,
        0,
        &[
            SetState(worn, 1),
            Advance(0),
            Event(tick, vec![]),
            Advance(999),
            Event(tick, vec![]),
            Advance(1),
            Event(tick, vec![]),
            SetState(worn, 0),
            Event(tick, vec![]),
            Advance(0),
        ],
    );
    let values: Vec<i64> = brief(&o).into_iter().map(|(_, _, a)| a[0]).collect();
    assert_eq!(values, vec![0, 1, 1, 0]);
}

/// A rule with a delayed action, in `mode`: `on e: out(payload) after 100 ms`.
fn delayed(mode: Mode) -> Vec<u8> {
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[Kind::Num]);
    let out = b.action("out", &[Kind::Num], None);
    let n = b.var("n", 0, 1_000, 0);
    let mut c = Code::new();
    c.op(Gate, 0).op(Payload, 0).small(100).op(EmitAfter, out);
    c.op(Payload, 0).small(0).op(SetAfter, n).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }).mode(mode), &c);
    b.finish()
}

#[test]
fn modes_single_restart_queued() {
    let steps = [
        Event(0, vec![1]),
        Advance(0),
        Advance(10),
        Event(0, vec![2]),
        Event(0, vec![3]),
        Advance(0),
        Advance(200),
        Advance(200),
    ];
    let single = both(&delayed(Mode::Single), 0, &steps);
    assert_eq!(brief(&single), vec![(100, 0, vec![1])]);
    assert_eq!(single.counters.busy_ignored, 2);
    assert_eq!(single.vars, vec![1]);

    let restart = both(&delayed(Mode::Restart), 0, &steps);
    assert_eq!(brief(&restart), vec![(110, 0, vec![3])]);
    assert_eq!(restart.counters.cancelled, 3);
    assert_eq!(restart.vars, vec![3]);

    let queued = both(&delayed(Mode::Queued), 0, &steps);
    assert_eq!(brief(&queued), vec![(100, 0, vec![1]), (200, 0, vec![3])]);
    assert_eq!(queued.counters.queued, 2);
    assert_eq!(queued.counters.busy_ignored, 1);
    assert_eq!(queued.vars, vec![3]);
}

#[test]
fn delays_below_one_ms_count_as_one() {
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[Kind::Num]);
    let out = b.action("out", &[], None);
    let mut c = Code::new();
    c.op(Gate, 0).op(Payload, 0).op(EmitAfter, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }).mode(Mode::Restart), &c);
    let bytes = b.finish();
    let o = both(
        &bytes,
        50,
        &[Event(0, vec![-5]), Advance(0), Advance(1), Event(0, vec![i64::MIN]), Advance(0), Advance(3)],
    );
    assert_eq!(brief(&o), vec![(51, 0, vec![]), (52, 0, vec![])]);
}

#[test]
fn rate_limits_slide() {
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[]);
    let out = b.action("out", &[], None);
    let mut c = Code::new();
    c.op(Gate, 0).op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: e }).at_most(2, 1_000), &c);
    let bytes = b.finish();
    let mut steps = Vec::new();
    for dt in [0, 100, 100, 800, 100, 100] {
        steps.push(Advance(dt));
        steps.push(Event(0, vec![]));
        steps.push(Advance(0));
    }
    let o = both(&bytes, 0, &steps);
    let times: Vec<u64> = brief(&o).into_iter().map(|(t, _, _)| t).collect();
    assert_eq!(times, vec![0, 100, 1000, 1100]);
    assert_eq!(o.counters.rate_limited, 2);
}

#[test]
fn every_daily_and_sequences() {
    let mut b = ProgramBuilder::new();
    let a = b.event("a", &[]);
    let bb = b.event("b", &[Kind::Num]);
    let out = b.action("out", &[Kind::Num], None);
    let mut every = Code::new();
    every.op(Gate, 0).small(1).op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Every { period_ms: 1_000 }), &every);
    let mut daily = Code::new();
    daily.op(Gate, 0).op(Minute, 0).op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Daily { minute: 1 }), &daily);
    let mut seq = Code::new();
    seq.op(Gate, 0).op(Payload, 0).op(Emit, out).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Sequence { events: [a, bb, 0, 0], len: 2, within_ms: 500, steps: 0 }), &seq);
    let bytes = b.finish();
    let o = both(
        &bytes,
        0,
        &[
            Event(a, vec![]),
            Advance(0),
            Advance(100),
            Event(bb, vec![77]),
            Advance(0),
            Advance(2_400),
            Event(a, vec![]),
            Advance(0),
            Advance(600),
            Event(bb, vec![88]),
            Advance(0),
            Advance(60_000 - 3_100),
        ],
    );
    let got = brief(&o);
    assert!(got.contains(&(100, out, vec![77])));
    assert!(!got.iter().any(|(_, _, a)| a == &vec![88]), "the window ran out");
    assert!(got.contains(&(60_000, out, vec![1])), "daily at minute 1");
    assert_eq!(got.iter().filter(|(_, _, a)| a == &vec![1]).count(), 61, "every second, plus the daily minute 1");
}

#[test]
fn malformed_blocks_are_not_reachable_through_the_api_but_verified_ones_compile() {
    // The API takes a verified Program, so the lowering never sees bad code; a large verified
    // program compiles and reports its size.
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[Kind::Num]);
    let out = b.action("out", &[Kind::Num], None);
    for i in 0..50i16 {
        let mut c = Code::new();
        c.op(Payload, 0).small(i).op(Gt, 0).op(ExitIfFalse, 0).op(Gate, 0).small(i).op(Emit, out).op(End, 0);
        b.rule(RuleSpec::on(Trigger::Event { event: e }), &c);
    }
    let bytes = b.finish();
    let program = verify(&bytes).unwrap();
    let pack = Jit::compile(&program).unwrap();
    assert_eq!(pack.rules(), 50);
    assert!(pack.code_bytes() > 50 * 16);
    let o = both(&bytes, 0, &[Event(e, vec![3]), Advance(1)]);
    assert_eq!(brief(&o).len(), 3);
}

#[test]
fn a_pack_only_runs_its_own_program() {
    let one = expr_program(&[(Payload, 0)]);
    let two = expr_program(&[(Payload, 1)]);
    let p1 = verify(&one).unwrap();
    let p2 = verify(&two).unwrap();
    let pack = Jit::compile(&p1).unwrap();
    assert!(pack.runtime::<4, 4, 4, 4>(&p1, 0).is_ok());
    assert_eq!(pack.runtime::<4, 4, 4, 4>(&p2, 0).err(), Some(JitError::ProgramMismatch));
    assert!(matches!(pack.runtime::<4, 4, 0, 4>(&p1, 0).err(), Some(JitError::Load(_))));
}

#[test]
fn a_panicking_host_unwinds_normally() {
    struct Boom;
    impl glass_runtime::runtime::Host for Boom {
        fn emit(&mut self, _: u16, _: &[Value], _: glass_runtime::runtime::Origin) {
            panic!("host failure");
        }
    }
    let bytes = expr_program(&[(Payload, 0)]);
    let program = verify(&bytes).unwrap();
    let pack = Jit::compile(&program).unwrap();
    let mut rt = pack.runtime::<4, 4, 4, 4>(&program, 0).unwrap();
    rt.push_event(0, &[1, 2]).unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.advance_to(1, &mut Boom)));
    let message = caught.unwrap_err();
    assert_eq!(message.downcast_ref::<&str>(), Some(&"host failure"));
}
