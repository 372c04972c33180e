//! Whatever the bytes, verifying and running never panic (and running stays bounded).

use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec};
use glass_runtime::format::{Edge, HEADER_SIZE, Kind, Mode, Section, Source, Trigger, VERSION, read_header};
use glass_runtime::isa::{INSTR_SIZE, Op, Op::*};
use glass_runtime::runtime::{Host, MAX_CATCH_UP, Origin, Runtime, Value};
use glass_runtime::verify;
use glass_runtime::{Program, TraceEvent};
use proptest::prelude::*;

/// Counts what it receives, checks every text it gets is valid, and that no `advance_to` fires
/// more timers than its bound (spec/bytecode.md §7.4), however far the clock jumps.
struct Sink {
    emitted: usize,
    texts: u16,
    /// Timers fired since the last `advance_to` began, and the most one call may fire.
    fired: u64,
    most: u64,
}

impl Sink {
    fn new(program: &Program<'_>) -> Sink {
        let most = u64::from(program.timer_slots()) * (MAX_CATCH_UP + 2);
        Sink { emitted: 0, texts: program.len16(Section::Texts), fired: 0, most }
    }
}

/// `advance_to(t)`, checking the bound of its work.
fn advance<const Q: usize, const T: usize, const R: usize, const S: usize>(
    rt: &mut Runtime<'_, Q, T, R, S>,
    t: u64,
    sink: &mut Sink,
) {
    sink.fired = 0;
    rt.advance_to(t, sink);
    assert!(rt.now() >= t, "the clock reached {t}");
}

impl Host for Sink {
    fn trace(&mut self, event: TraceEvent) {
        if let TraceEvent::TimerFired { .. } = event {
            self.fired += 1;
            assert!(self.fired <= self.most, "one advance_to fired more than {} timers", self.most);
        }
    }

    fn emit(&mut self, _: u16, args: &[Value], _: Origin) {
        for a in args {
            if let Value::Text(t) = a {
                assert!(*t < self.texts || *t == glass_runtime::format::NO_TEXT, "text {t} out of range");
            }
        }
        self.emitted += 1;
    }

    fn read_state(&mut self, slot: u16) -> Option<i64> {
        Some(i64::from(slot) - 1)
    }
}

const DAILY_MINUTE: u16 = 7 * 60 + 30;
/// Five seconds before the daily rule.
const START: u64 = DAILY_MINUTE as u64 * 60_000 - 5_000;

fn ops(c: &mut Code, list: &[(Op, u16)]) {
    for (op, b) in list {
        c.op(*op, *b);
    }
}

/// A program using every trigger kind, mode, option and instruction, so mutations reach every
/// part of the format.
fn sample() -> Vec<u8> {
    let mut b = ProgramBuilder::new();
    b.permit("camera").permit("cloud");
    let e = b.event("e", &[Kind::Num, Kind::Text]);
    let f = b.event("f", &[]);
    let s = b.state("s", Kind::Num);
    let t = b.state("t", Kind::Text);
    let v = b.var("v", -5, 5, 0);
    let a = b.action("a", &[Kind::Num, Kind::Text], Some("camera"));
    let z = b.action("z", &[], Some("cloud"));
    let c = b.constant(1_000);
    let hello = b.text("hello");
    let limit = b.limit("shared", 2, 400);
    let h = b.held(
        {
            let mut c = Code::new();
            ops(&mut c, &[(State, s), (Var, v), (Add, 0), (Small, 2), (Mul, 0), (Small, 1), (Ge, 0), (End, 0)]);
            c
        },
        500,
    );
    let mut act = Code::new();
    ops(
        &mut act,
        &[
            (Gate, 0),
            (Var, v),
            (Text, hello),
            (Const, c),
            (EmitAfter, a),
            (Small, 3),
            (Small, 9),
            (SetAfter, v),
            (End, 0),
        ],
    );
    let mut cond = Code::new();
    ops(
        &mut cond,
        &[(Payload, 0), (Small, 0), (Ne, 0), (Payload, 1), (Text, hello), (Eq, 0), (Or, 0), (Not, 0), (Not, 0)],
    );
    ops(&mut cond, &[(ExitIfFalse, 0), (Gate, 0), (Payload, 0), (Payload, 1), (Emit, a), (Payload, 0), (Small, 10)]);
    ops(&mut cond, &[(Gt, 0)]);
    let skip = cond.jump(JumpIfFalse);
    ops(&mut cond, &[(Emit, z)]);
    let out = cond.jump(Jump);
    cond.bind(skip);
    ops(&mut cond, &[(Payload, 0), (Small, 3), (Div, 0), (Neg, 0), (Set, v)]);
    cond.bind(out);
    ops(&mut cond, &[(Nop, 0), (End, 0)]);
    b.rule(RuleSpec::on(Trigger::Event { event: e }).at_most(2, 100), &cond);
    let change = |index, edge, value| Trigger::Change { source: Source::State, index, edge, value };
    b.rule(RuleSpec::on(change(s, Edge::Changes, 0)).mode(Mode::Queued), &act);
    b.rule(RuleSpec::on(change(s, Edge::Below, 2)).limited_by(limit), &act);
    b.rule(RuleSpec::on(change(s, Edge::Above, 2)).mode(Mode::Restart).limited_by(limit), &act);
    b.rule(RuleSpec::on(change(t, Edge::Becomes, i64::from(hello))), &act);
    let var_change = Trigger::Change { source: Source::Var, index: v, edge: Edge::Becomes, value: 3 };
    b.rule(RuleSpec::on(var_change).mode(Mode::Restart), &act);
    let mut tick = Code::new();
    ops(&mut tick, &[(Held, h), (Minute, 0), (Now, 0), (Lt, 0), (And, 0), (ExitIfFalse, 0), (Gate, 0)]);
    ops(&mut tick, &[(Var, v), (Small, 1), (Sub, 0), (Set, v), (Old, 0)]);
    tick.op(End, 0);
    // (`Old` in an every rule is invalid: drop it again so the sample verifies.)
    let tick = {
        let mut t = Code::new();
        for i in tick.instrs().iter().filter(|i| i.op != Old) {
            t.op(i.op, i.b);
        }
        t
    };
    b.rule(RuleSpec::on(Trigger::Every { period_ms: 250 }), &tick);
    b.rule(RuleSpec::on(Trigger::Daily { minute: DAILY_MINUTE }).at_most(1, 1_000).limited_by(limit), &act);
    b.rule(RuleSpec::on(Trigger::Sequence { events: [e, f, e, 0], len: 3, within_ms: 300, steps: 0 }), &act);
    b.action("unused", &[], None);
    b.finish()
}

const YEAR: u64 = 365 * 86_400_000;

/// Verifies and, if valid, runs a scenario through every kind of stimulus, then the clock's
/// extremes: a year's jump, the last milliseconds of the clock and its end.
fn exercise(bytes: &[u8]) -> usize {
    let Ok(program) = verify(bytes) else { return 0 };
    let Ok(mut rt) = Runtime::<'_, 8, 64, 32, 64>::new(&program, START) else { return 0 };
    let mut sink = Sink::new(&program);
    for step in 0..60u64 {
        let _ = rt.set_state((step % 3) as u16, (step % 5) as i64 - 1);
        let _ = rt.push_event((step % 3) as u16, &[step as i64 % 13 - 2, (step % 4) as i64 - 1]);
        if step % 7 == 0 {
            let _ = rt.sync_states(&mut sink);
        }
        advance(&mut rt, START + step * 97, &mut sink);
    }
    advance(&mut rt, START + 12_000, &mut sink);
    for (k, t) in [START + YEAR, u64::MAX - 3, u64::MAX - 2, u64::MAX, u64::MAX].into_iter().enumerate() {
        let _ = rt.push_event((k % 3) as u16, &[k as i64, 1]);
        let _ = rt.set_state((k % 3) as u16, k as i64 % 3);
        advance(&mut rt, t, &mut sink);
    }
    let _ = rt.counters();
    sink.emitted
}

/// Where the code section starts, and how many instructions it has.
fn code_section(bytes: &[u8]) -> (usize, usize) {
    let (_, h) = read_header(bytes).unwrap();
    let (offset, size) = h.sections[Section::Code as usize];
    (offset as usize, size as usize / INSTR_SIZE)
}

#[test]
fn the_sample_is_valid_and_runs() {
    let bytes = sample();
    if let Err(e) = verify(&bytes) {
        panic!("{e}");
    }
    assert!(exercise(&bytes) > 10, "the scenario reaches the actions");
}

#[test]
fn every_truncation_is_refused() {
    let bytes = sample();
    for len in 0..bytes.len() {
        assert!(verify(&bytes[..len]).is_err(), "a prefix of {len} bytes verified");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
    }

    #[test]
    fn random_bodies_after_a_valid_header_never_panic(body in proptest::collection::vec(any::<u8>(), 0..800)) {
        let mut bytes = sample();
        bytes.truncate(HEADER_SIZE);
        bytes.extend_from_slice(&body);
        exercise(&bytes);
    }

    #[test]
    fn mutated_programs_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        version in any::<u16>(),
    ) {
        let mut bytes = sample();
        for (at, value) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= value;
        }
        exercise(&bytes);
        let keep = cut.index(bytes.len());
        exercise(&bytes[..keep]);
        bytes[4..6].copy_from_slice(&version.to_le_bytes());
        // Any other version is refused, whatever the rest (the flips may have been no-ops).
        prop_assert!(version == VERSION || verify(&bytes).is_err());
    }

    #[test]
    fn random_traces_with_clock_jumps_stay_bounded(
        steps in proptest::collection::vec((0u8..4, any::<u16>(), 0usize..9, any::<u64>()), 1..30),
    ) {
        // The sample program under random stimuli and clock steps from 0 ms to the end of the
        // clock: every call stays within its bound, the clock only goes forward, nothing panics.
        let bytes = sample();
        let program = verify(&bytes).unwrap();
        let mut rt = Runtime::<'_, 8, 64, 32, 64>::new(&program, START).unwrap();
        let mut sink = Sink::new(&program);
        for (kind, value, jump, huge) in steps {
            let v = i64::from(value as i16);
            match kind {
                0 => { let _ = rt.push_event(value % 3, &[v, v % 3]); }
                1 => { let _ = rt.set_state(value % 2, v % 4); }
                2 => { let _ = rt.sync_states(&mut sink); }
                _ => {}
            }
            let now = rt.now();
            let step = [0, 1, 97, 250, 86_400_000, 7 * 86_400_000, YEAR, huge % (u64::MAX - now).max(1), u64::MAX - now][jump];
            let before = rt.now();
            advance(&mut rt, now.saturating_add(step), &mut sink);
            prop_assert!(rt.now() >= before);
            prop_assert!(rt.next_deadline().is_none_or(|d| d > rt.now()), "nothing left due");
        }
    }

    #[test]
    fn random_code_never_panics(code in proptest::collection::vec((0u8..0x40, any::<u16>()), 1..40), at in any::<prop::sample::Index>()) {
        // Random instructions written over the code section of a valid program: many verify
        // (the opcode space is small), and those must run without panicking.
        let mut bytes = sample();
        let (start, len) = code_section(&bytes);
        let first = at.index(len);
        for (k, (op, b)) in code.iter().enumerate() {
            let pos = start + (first + k) % len * INSTR_SIZE;
            bytes[pos] = *op;
            bytes[pos + 2..pos + 4].copy_from_slice(&b.to_le_bytes());
        }
        exercise(&bytes);
    }
}
