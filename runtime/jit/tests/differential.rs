//! Differential testing: random valid programs and random stimulus traces run under the
//! interpreter and the JIT must give identical action traces (action, arguments, origin),
//! identical `Host::trace` decisions, variables, states, counters and pending timers.
//!
//! Programs are built from a stream of random numbers (Hypothesis style): every choice reads the
//! next number, and a missing number means "the simplest option". Proptest shrinks the stream
//! (shorter, smaller numbers), so a failure shrinks to a small program and a short trace. Every
//! generated program must pass the verifier, which is asserted.
//!
//! Coverage: every opcode, the six trigger kinds and four edges, sequence steps with filters,
//! kept fields and a final absence, the three modes, rate limits, shared limits (alone and with
//! a rule's own limit, over several rules and the triggers of one),
//! delayed emits and sets, held conditions, variables with narrow and extreme ranges (clamping),
//! text states, payload fields and arguments (pack texts, host texts and garbage), jumps before
//! and after the gate, time steps that cross minutes and days, and clock jumps of a week, a
//! year and to the end of the clock (coalesced ticks, late timers).

mod common;

use common::{Outcome, Step, interp, jit, jit_many};
use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec, StepSpec};
use glass_runtime::disasm::disassemble;
use glass_runtime::format::{Edge, HOST_TEXT_BASE, Kind, Mode, Source, Trigger};
use glass_runtime::isa::MAX_TRIGGERS;
use glass_runtime::isa::Op;
use glass_runtime::verify;
use proptest::prelude::*;

/// Reads choices from a random stream; past its end every choice is 0, the simplest.
struct Choices<'a> {
    data: &'a [u32],
    pos: usize,
}

impl Choices<'_> {
    fn next(&mut self) -> u32 {
        let v = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.next() as usize % n }
    }

    /// True with about `percent` % probability; false for a 0 choice.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) >= 100 - percent
    }

    fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.below(options.len())]
    }

    /// A number, mostly from values where arithmetic has edges.
    fn number(&mut self) -> i64 {
        const INTERESTING: [i64; 20] = [
            0,
            1,
            -1,
            2,
            3,
            -3,
            7,
            10,
            100,
            1_000,
            60_000,
            i64::MAX,
            i64::MIN,
            i64::MAX - 1,
            i64::MIN + 1,
            1 << 32,
            -(1 << 32),
            1 << 62,
            86_400_000,
            -100,
        ];
        if self.chance(20) {
            (u64::from(self.next()) << 32 | u64::from(self.next())) as i64
        } else {
            self.pick(&INTERESTING)
        }
    }
}

/// What the code of one block may read.
#[derive(Clone, Default)]
struct Ctx {
    /// Payload field kinds (event and sequence rules).
    payload: Option<Vec<Kind>>,
    /// Kind of `Old`/`New` (change rules).
    change: Option<Kind>,
    /// A rule block or a step filter (may read `Held`, `Now`, `Minute` and match texts), not
    /// a held block.
    rule: bool,
    /// The kept slots the block may read: from `kept_at`, of these kinds.
    kept_at: u16,
    kept: Vec<Kind>,
}

impl Ctx {
    /// The kept slots of kind `kind`.
    fn kept_of(&self, kind: Kind) -> Vec<u16> {
        (0..self.kept.len()).filter(|i| self.kept[*i] == kind).map(|i| self.kept_at + i as u16).collect()
    }
}

struct Gen<'a> {
    c: Choices<'a>,
    b: ProgramBuilder,
    states: Vec<Kind>,
    vars: usize,
    events: Vec<Vec<Kind>>,
    actions: Vec<Vec<Kind>>,
    texts: Vec<u16>,
    held: usize,
}

/// A generated program and where its clock starts.
struct Generated {
    bytes: Vec<u8>,
    start: u64,
    states: Vec<Kind>,
    events: Vec<Vec<Kind>>,
    texts: Vec<u16>,
}

fn kind(c: &mut Choices) -> Kind {
    if c.chance(25) { Kind::Text } else { Kind::Num }
}

impl Gen<'_> {
    /// Pushes a number.
    fn num(&mut self, code: &mut Code, ctx: &Ctx, depth: u32) {
        if depth == 0 || self.c.chance(35) {
            self.num_leaf(code, ctx);
            return;
        }
        match self.c.below(10) {
            0 => {
                self.num(code, ctx, depth - 1);
                code.op(self.c.pick(&[Op::Neg, Op::Not]), 0);
            }
            1 => {
                // Two texts compared (by word only in rules: held blocks cannot read host texts).
                self.text(code, ctx);
                self.text(code, ctx);
                let ops: &[Op] =
                    if ctx.rule { &[Op::Eq, Op::Ne, Op::Matches, Op::Contains] } else { &[Op::Eq, Op::Ne] };
                code.op(self.c.pick(ops), 0);
            }
            2 => {
                // `Div` and `Rem` at their edges: a divisor of 0 or -1, and `i64::MIN` divided by
                // -1, which a random pick of two leaves rarely makes.
                if self.c.chance(50) {
                    code.op(Op::Const, self.b.constant(i64::MIN));
                } else {
                    self.num(code, ctx, depth - 1);
                }
                code.small(self.c.pick(&[0i16, -1]));
                code.op(self.c.pick(&[Op::Div, Op::Rem]), 0);
            }
            _ => {
                self.num(code, ctx, depth - 1);
                self.num(code, ctx, depth - 1);
                const BINARY: [Op; 13] = [
                    Op::Add,
                    Op::Sub,
                    Op::Mul,
                    Op::Div,
                    Op::Rem,
                    Op::Eq,
                    Op::Ne,
                    Op::Lt,
                    Op::Le,
                    Op::Gt,
                    Op::Ge,
                    Op::And,
                    Op::Or,
                ];
                code.op(self.c.pick(&BINARY), 0);
            }
        }
    }

    fn num_leaf(&mut self, code: &mut Code, ctx: &Ctx) {
        let num_states: Vec<u16> =
            (0..self.states.len()).filter(|s| self.states[*s] == Kind::Num).map(|s| s as u16).collect();
        let num_fields: Vec<u16> =
            ctx.payload.iter().flatten().enumerate().filter(|(_, k)| **k == Kind::Num).map(|(i, _)| i as u16).collect();
        match self.c.below(12) {
            1 => {
                let v = self.c.number();
                code.op(Op::Const, self.b.constant(v));
            }
            2 if !num_states.is_empty() => {
                code.op(Op::State, self.c.pick(&num_states));
            }
            3 | 4 if self.vars > 0 => {
                code.op(Op::Var, self.c.below(self.vars) as u16);
            }
            5 if !num_fields.is_empty() => {
                code.op(Op::Payload, self.c.pick(&num_fields));
            }
            6 if ctx.change == Some(Kind::Num) => {
                code.op(self.c.pick(&[Op::Old, Op::New]), 0);
            }
            7 if ctx.rule && self.held > 0 => {
                code.op(Op::Held, self.c.below(self.held) as u16);
            }
            8 if ctx.rule => {
                code.op(self.c.pick(&[Op::Now, Op::Minute]), 0);
            }
            9 => {
                code.op(Op::Nop, 0);
                self.num_leaf(code, ctx);
            }
            10 if !ctx.kept_of(Kind::Num).is_empty() => {
                code.op(Op::Kept, self.c.pick(&ctx.kept_of(Kind::Num)));
            }
            _ => {
                let v = self.c.pick(&[0i16, 1, -1, 2, 5, 100, i16::MAX, i16::MIN, 3, -7]);
                code.small(v);
            }
        }
    }

    /// A value compared with a constant, or tested alone: a state, variable, payload field or
    /// the old or new value of a change, against a small number, a text or a 32-bit constant.
    fn guard_test(&mut self, code: &mut Code, ctx: &Ctx) {
        let text = self.c.chance(25);
        if text {
            self.text(code, ctx);
        } else {
            self.num_leaf(code, ctx);
        }
        if !text && self.c.chance(20) {
            return;
        }
        if text {
            let t = self.c.pick(&self.texts.clone());
            code.op(Op::Text, t);
            code.op(self.c.pick(&[Op::Eq, Op::Ne]), 0);
            return;
        }
        match self.c.below(3) {
            0 => {
                let v = self.c.pick(&[70_000i64, -70_000, i64::from(i32::MAX), i64::from(i32::MIN), 1 << 40]);
                code.op(Op::Const, self.b.constant(v));
            }
            _ => {
                // Values the stimuli often carry, so that comparisons meet their boundaries.
                let v = self.c.pick(&[0i16, 1, -1, 10, 100, i16::MAX, i16::MIN]);
                code.small(v);
            }
        }
        code.op(self.c.pick(&[Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge]), 0);
    }

    /// Pushes a text.
    fn text(&mut self, code: &mut Code, ctx: &Ctx) {
        let text_states: Vec<u16> =
            (0..self.states.len()).filter(|s| self.states[*s] == Kind::Text).map(|s| s as u16).collect();
        let text_fields: Vec<u16> = ctx
            .payload
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, k)| **k == Kind::Text)
            .map(|(i, _)| i as u16)
            .collect();
        match self.c.below(5) {
            1 if !text_states.is_empty() => {
                code.op(Op::State, self.c.pick(&text_states));
            }
            4 if !ctx.kept_of(Kind::Text).is_empty() => {
                code.op(Op::Kept, self.c.pick(&ctx.kept_of(Kind::Text)));
            }
            2 if !text_fields.is_empty() => {
                code.op(Op::Payload, self.c.pick(&text_fields));
            }
            3 if ctx.change == Some(Kind::Text) => {
                code.op(self.c.pick(&[Op::Old, Op::New]), 0);
            }
            _ => {
                let t = self.c.pick(&self.texts.clone());
                code.op(Op::Text, t);
            }
        }
    }

    /// Pushes the arguments of `action`.
    fn args(&mut self, code: &mut Code, ctx: &Ctx, action: usize) {
        for k in self.actions[action].clone() {
            match k {
                Kind::Num => self.num(code, ctx, 2),
                Kind::Text => self.text(code, ctx),
            }
        }
    }

    fn delay(&mut self, code: &mut Code, ctx: &Ctx) {
        if self.c.chance(15) {
            self.num(code, ctx, 2);
        } else {
            let v = self.c.pick(&[100i16, 0, 1, 5, 250, 1_000, -5, 3_000]);
            code.small(v);
        }
    }

    /// Statements after the gate.
    fn actions(&mut self, code: &mut Code, ctx: &Ctx, depth: u32) {
        let n = self.c.below(4);
        for _ in 0..n {
            match self.c.below(9) {
                0 | 1 => {
                    let a = self.c.below(self.actions.len());
                    self.args(code, ctx, a);
                    code.op(Op::Emit, a as u16);
                }
                2 => {
                    let a = self.c.below(self.actions.len());
                    self.args(code, ctx, a);
                    self.delay(code, ctx);
                    code.op(Op::EmitAfter, a as u16);
                }
                3 | 4 if self.vars > 0 => {
                    let v = self.c.below(self.vars) as u16;
                    self.num(code, ctx, 3);
                    code.op(Op::Set, v);
                }
                5 if self.vars > 0 => {
                    let v = self.c.below(self.vars) as u16;
                    self.num(code, ctx, 2);
                    self.delay(code, ctx);
                    code.op(Op::SetAfter, v);
                }
                6 | 7 if depth > 0 => {
                    // if c { .. } [else { .. }]
                    self.num(code, ctx, 2);
                    let otherwise = code.jump(Op::JumpIfFalse);
                    self.actions(code, ctx, depth - 1);
                    if self.c.chance(50) {
                        let done = code.jump(Op::Jump);
                        code.bind(otherwise);
                        self.actions(code, ctx, depth - 1);
                        code.bind(done);
                    } else {
                        code.bind(otherwise);
                    }
                }
                _ => {
                    code.op(Op::Nop, 0);
                }
            }
        }
    }

    fn rule_code(&mut self, ctx: &Ctx) -> Code {
        let mut code = Code::new();
        match self.c.below(5) {
            1 | 2 => {
                self.num(&mut code, ctx, 3);
                code.op(Op::ExitIfFalse, 0);
            }
            4 => {
                // The shapes the interpreter checks as a guard, without interpreting them
                // (`x k cmp` or `x`, alone or as the left side of a final `and`).
                self.guard_test(&mut code, ctx);
                if self.c.chance(50) {
                    self.num(&mut code, ctx, 2);
                    code.op(Op::And, 0);
                }
                code.op(Op::ExitIfFalse, 0);
            }
            3 => {
                // A jump before the gate: if c1 { c2 or exit }.
                self.num(&mut code, ctx, 2);
                let skip = code.jump(Op::JumpIfFalse);
                self.num(&mut code, ctx, 2);
                code.op(Op::ExitIfFalse, 0);
                code.bind(skip);
            }
            _ => {}
        }
        if self.c.chance(5) {
            // A rule that never acts.
            code.op(Op::End, 0);
            return code;
        }
        code.op(Op::Gate, 0);
        self.actions(&mut code, ctx, 2);
        code.op(Op::End, 0);
        code
    }

    fn trigger(&mut self, start: u64) -> (Trigger, Ctx, Vec<StepSpec>) {
        let rule = true;
        let (trigger, ctx) = match self.c.below(8) {
            1 | 2 => {
                let (source, index, kind) = if self.c.chance(50) && self.vars > 0 {
                    (Source::Var, self.c.below(self.vars) as u16, Kind::Num)
                } else {
                    let s = self.c.below(self.states.len());
                    (Source::State, s as u16, self.states[s])
                };
                let (edge, value) = match (kind, self.c.below(4)) {
                    (_, 0) => (Edge::Changes, 0),
                    (Kind::Text, _) => (Edge::Becomes, i64::from(self.c.pick(&self.texts.clone()))),
                    (Kind::Num, e) => {
                        let v = self.c.pick(&[0i64, 1, 5, -1, 10, 100]);
                        ([Edge::Changes, Edge::Becomes, Edge::Below, Edge::Above][e], v)
                    }
                };
                let ctx = Ctx { change: Some(kind), rule, ..Ctx::default() };
                (Trigger::Change { source, index, edge, value }, ctx)
            }
            3 => {
                let period_ms = self.c.pick(&[1_000u64, 250, 5_000, 60_000, 777]);
                (Trigger::Every { period_ms }, Ctx { rule, ..Ctx::default() })
            }
            4 => {
                let now = (start / 60_000 % 1440) as u16;
                let minute = match self.c.below(3) {
                    0 => (now + 1) % 1440,
                    1 => now,
                    _ => self.c.below(1440) as u16,
                };
                (Trigger::Daily { minute }, Ctx { rule, ..Ctx::default() })
            }
            6 if self.held > 0 => {
                let held = self.c.below(self.held) as u16;
                (Trigger::Held { held }, Ctx { rule, ..Ctx::default() })
            }
            5 => {
                let len = 2 + self.c.below(3);
                let mut events = [0u16; 4];
                for e in events.iter_mut().take(len) {
                    *e = self.c.below(self.events.len()) as u16;
                }
                let within_ms = self.c.pick(&[1_000u64, 10, 100, 5_000]);
                let absent = self.c.chance(35);
                // Each step keeps some fields, and may filter on its payload and what the steps
                // before it kept.
                let kept_at = self.b.next_kept();
                let mut kept = Vec::new();
                let mut steps = Vec::new();
                for (k, e) in events.iter().take(len).enumerate() {
                    let fields = self.events[usize::from(*e)].clone();
                    let mut step = StepSpec { absent: absent && k == len - 1, ..StepSpec::default() };
                    if self.c.chance(40) {
                        let ctx =
                            Ctx { payload: Some(fields.clone()), rule, kept_at, kept: kept.clone(), change: None };
                        let mut filter = Code::new();
                        self.num(&mut filter, &ctx, 2);
                        filter.op(Op::End, 0);
                        step.filter = filter.instrs().to_vec();
                    }
                    if !step.absent {
                        for (i, kind) in fields.iter().enumerate() {
                            if self.c.chance(50) {
                                step.keep |= 1 << i;
                                kept.push(*kind);
                            }
                        }
                    }
                    steps.push(step);
                }
                let last = events[len - 1];
                let payload = (!absent).then(|| self.events[usize::from(last)].clone());
                let ctx = Ctx { payload, rule, kept_at, kept, change: None };
                return (Trigger::Sequence { events, len: len as u8, within_ms, steps: 0 }, ctx, steps);
            }
            _ => {
                let e = self.c.below(self.events.len());
                let ctx = Ctx { payload: Some(self.events[e].clone()), rule, ..Ctx::default() };
                (Trigger::Event { event: e as u16 }, ctx)
            }
        };
        (trigger, ctx, Vec::new())
    }
}

fn generate(data: &[u32]) -> Generated {
    let mut g = Gen {
        c: Choices { data, pos: 0 },
        b: ProgramBuilder::new(),
        states: Vec::new(),
        vars: 0,
        events: Vec::new(),
        actions: Vec::new(),
        texts: Vec::new(),
        held: 0,
    };
    // The clock starts at a random time of some day, often just before a minute boundary.
    let day = g.c.below(3) as u64 * 86_400_000;
    let start = day + g.c.below(1440) as u64 * 60_000 + g.c.pick(&[0u64, 59_990, 30_000, 1]);
    // Texts whose words overlap, so that `Matches` and `Contains` meet both answers.
    for t in ["a", "b", "c", "A b", "b, A!"] {
        let id = g.b.text(t);
        g.texts.push(id);
    }
    for i in 0..1 + g.c.below(4) {
        let k = kind(&mut g.c);
        g.b.state(&format!("s{i}"), k);
        g.states.push(k);
    }
    for i in 0..g.c.below(4) {
        let (min, max) = match g.c.below(4) {
            0 => (0, 10),
            1 => (i64::MIN, i64::MAX),
            2 => (-5, 5),
            _ => {
                let (a, b) = (g.c.number(), g.c.number());
                (a.min(b), a.max(b))
            }
        };
        let init = if g.c.chance(50) { min } else { max.min(min.saturating_add(3)) };
        g.b.var(&format!("v{i}"), min, max, init);
        g.vars += 1;
    }
    for i in 0..1 + g.c.below(3) {
        let fields: Vec<Kind> = (0..g.c.below(4)).map(|_| kind(&mut g.c)).collect();
        g.b.event(&format!("e{i}"), &fields);
        g.events.push(fields);
    }
    for i in 0..1 + g.c.below(3) {
        let args: Vec<Kind> = (0..g.c.below(4)).map(|_| kind(&mut g.c)).collect();
        g.b.action(&format!("a{i}"), &args, None);
        g.actions.push(args);
    }
    for _ in 0..g.c.below(3) {
        let mut code = Code::new();
        g.num(&mut code, &Ctx::default(), 3);
        code.op(Op::End, 0);
        let duration = g.c.pick(&[1_000u64, 1, 100, 5_000]);
        g.b.held(&code, duration);
        g.held += 1;
    }
    // Shared limits, which some rules count against (small counts, so that they refuse).
    let limits = g.c.below(3) as u16;
    for i in 0..limits {
        let count = g.c.pick(&[1u8, 2, 1, 3, 8]);
        g.b.limit(&format!("l{i}"), count, g.c.pick(&[1_000u64, 10, 100, 5_000, 60_000]));
    }
    // The first row of the last rule, and its options: a later row may be another trigger of
    // that rule (`on a or b`), sharing its gate.
    let mut first: Option<(u16, RuleSpec)> = None;
    for _ in 0..1 + g.c.below(6) {
        let (trigger, ctx, steps) = g.trigger(start);
        let mut spec = RuleSpec::on(trigger).mode(g.c.pick(&[Mode::Single, Mode::Restart, Mode::Queued]));
        if g.c.chance(30) {
            let count = 1 + g.c.below(8) as u8;
            spec = spec.at_most(count, g.c.pick(&[1_000u64, 10, 100, 5_000]));
        }
        if limits > 0 && g.c.chance(50) {
            spec = spec.limited_by(g.c.below(usize::from(limits)) as u16);
        }
        let next = g.b.rule_count();
        match &first {
            Some((at, of)) if next - at < MAX_TRIGGERS && g.c.chance(30) => {
                let (mode, rate, shared_limit) = (of.mode, of.rate, of.shared_limit);
                spec = RuleSpec { mode, rate, shared_limit, ..spec }.shares_gate_of(next - at);
            }
            _ => first = Some((next, spec)),
        }
        let code = g.rule_code(&ctx);
        g.b.rule_with_steps(spec, &code, &steps);
    }
    Generated { bytes: g.b.finish(), start, states: g.states, events: g.events, texts: g.texts }
}

/// A random stimulus trace for a generated program.
fn stimuli(p: &Generated, data: &[u32]) -> Vec<Step> {
    let mut c = Choices { data, pos: 0 };
    let text = |c: &mut Choices| -> i64 {
        match c.below(4) {
            0 | 1 => i64::from(c.pick(&p.texts)),
            2 => HOST_TEXT_BASE + i64::from(c.below(3) as u32),
            _ => c.number(),
        }
    };
    let mut steps = Vec::new();
    // The clock, to jump to its very end at most once (`drive` adds each step to it).
    let mut now = p.start;
    for _ in 0..c.below(40) {
        match c.below(5) {
            0 | 1 => {
                let e = c.below(p.events.len());
                let payload = p.events[e]
                    .iter()
                    .map(|k| match k {
                        Kind::Num => c.number(),
                        Kind::Text => text(&mut c),
                    })
                    .collect();
                steps.push(Step::Event(e as u16, payload));
            }
            2 => {
                let s = c.below(p.states.len());
                let v = match p.states[s] {
                    Kind::Num => c.pick(&[0i64, 1, 5, 10, 100, -1, 11]),
                    Kind::Text => text(&mut c),
                };
                steps.push(Step::SetState(s as u16, v));
            }
            3 if c.chance(10) => {
                // A clock jump: a week asleep, a year, or to the end of the clock (u64::MAX),
                // where the catch-up of ticks and delayed actions must agree too.
                let dt = match c.below(3) {
                    0 => 7 * 86_400_000,
                    1 => 365 * 86_400_000,
                    _ => u64::MAX - now,
                }
                .min(u64::MAX - now);
                now += dt;
                steps.push(Step::Advance(dt));
            }
            _ => {
                let dt = c.pick(&[0u64, 1, 7, 100, 333, 1_000, 5_000, 60_000]).min(u64::MAX - now);
                now += dt;
                steps.push(Step::Advance(dt));
            }
        }
    }
    steps
}

fn check(program: &[u32], traces: &[Vec<u32>]) -> Result<(), TestCaseError> {
    let p = generate(program);
    let verified = verify(&p.bytes);
    prop_assert!(verified.is_ok(), "generated an invalid program: {:?}", verified.err());
    let scripts: Vec<Vec<Step>> = traces.iter().map(|t| stimuli(&p, t)).collect();
    let jitted = jit_many(&p.bytes, p.start, &scripts);
    for (steps, b) in scripts.iter().zip(jitted) {
        let a: Outcome = interp(&p.bytes, p.start, steps);
        if a != b {
            let listing = disassemble(&verify(&p.bytes).unwrap());
            prop_assert_eq!(a, b, "start {}\nsteps {:?}\n{}", p.start, steps, listing);
        }
    }
    Ok(())
}

proptest! {
    // 1500 programs, each under 3 stimulus traces: 4500 differential runs (about 20 s in a
    // debug build on 2 cores, most of it Cranelift compiling in debug mode).
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn interpreter_and_jit_agree(
        program in prop::collection::vec(any::<u32>(), 0..300),
        traces in prop::collection::vec(prop::collection::vec(any::<u32>(), 0..200), 3),
    ) {
        check(&program, &traces)?;
    }
}

/// The generator reaches what it claims to: over a fixed set of seeds, every opcode, trigger
/// kind, edge and mode appears, and rules fire, emit and are refused.
#[test]
fn generator_covers_the_instruction_set_and_triggers() {
    use glass_runtime::format::Section;
    use proptest::test_runner::{RngAlgorithm, TestRng};

    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut ops = std::collections::BTreeSet::new();
    let mut triggers = std::collections::BTreeSet::new();
    let mut edges = std::collections::BTreeSet::new();
    let mut modes = std::collections::BTreeSet::new();
    let (mut emitted, mut delayed, mut limited, mut busy) = (0, 0, 0, 0);
    let (mut caught_up, mut held_fired) = (0, 0);
    let (mut filtered, mut windows, mut cancelled, mut sequences_ran) = (0, 0, 0, 0);
    let (mut shared_ran, mut shared_gated) = (0, 0);
    let (mut limit_refused, mut limit_refused_shared_gate, mut limited_both) = (0, 0, 0);
    for _ in 0..300 {
        let program: Vec<u32> = (0..300).map(|_| rng.next_u32()).collect();
        let trace: Vec<u32> = (0..200).map(|_| rng.next_u32()).collect();
        let p = generate(&program);
        let v = verify(&p.bytes).expect("generated programs are valid");
        for i in 0..v.count(Section::Code) {
            ops.insert(v.instr(i).unwrap().op as u8);
        }
        filtered += (0..v.len16(Section::Steps)).filter(|i| v.step(*i).unwrap().code_len > 0).count();
        for i in 0..v.len16(Section::Rules) {
            let r = v.rule(i).unwrap();
            modes.insert(r.mode as u8);
            triggers.insert(match r.trigger {
                Trigger::Event { .. } => 0,
                Trigger::Change { edge, .. } => {
                    edges.insert(edge as u8);
                    1
                }
                Trigger::Every { .. } => 2,
                Trigger::Daily { .. } => 3,
                Trigger::Sequence { .. } => 4,
                Trigger::Held { .. } => 5,
            });
        }
        let o = jit(&p.bytes, p.start, &stimuli(&p, &trace));
        windows += o
            .decisions
            .iter()
            .filter(|d| {
                matches!(d, glass_runtime::TraceEvent::TimerFired { timer: glass_runtime::TraceTimer::Window, .. })
            })
            .count();
        cancelled +=
            o.decisions.iter().filter(|d| matches!(d, glass_runtime::TraceEvent::SequenceCancelled { .. })).count();
        let is_sequence = |rule: u16| matches!(v.rule(rule).map(|r| r.trigger), Some(Trigger::Sequence { .. }));
        sequences_ran += o
            .decisions
            .iter()
            .filter(|d| matches!(d, glass_runtime::TraceEvent::Fired { rule } if is_sequence(*rule)))
            .count();
        use glass_runtime::TraceEvent as T;
        let shares = |rule: u16| v.rule(rule).is_some_and(|r| r.shares_gate > 0);
        shared_ran += o.decisions.iter().filter(|d| matches!(d, T::Fired { rule } if shares(*rule))).count();
        shared_gated += o
            .decisions
            .iter()
            .filter(|d| {
                matches!(d, T::Busy { rule, .. } | T::Queued { rule } | T::Restarted { rule, .. } | T::RateLimited { rule, .. } if shares(*rule))
            })
            .count();
        limit_refused += o.decisions.iter().filter(|d| matches!(d, T::RateLimited { shared: Some(_), .. })).count();
        limit_refused_shared_gate += o
            .decisions
            .iter()
            .filter(|d| matches!(d, T::RateLimited { rule, shared: Some(_), .. } if shares(*rule)))
            .count();
        let both = |rule: u16| v.rule(rule).is_some_and(|r| r.rate.is_some() && r.shared_limit.is_some());
        limited_both += o.decisions.iter().filter(|d| matches!(d, T::RateLimited { rule, .. } if both(*rule))).count();
        emitted += o.trace.len();
        delayed += o.trace.iter().filter(|e| e.origin.delayed).count();
        limited += o.counters.rate_limited;
        busy += o.counters.busy_ignored + o.counters.cancelled + o.counters.queued;
        caught_up += o.decisions.iter().filter(|d| matches!(d, glass_runtime::TraceEvent::CaughtUp { .. })).count();
        held_fired += o
            .decisions
            .iter()
            .filter(|d| {
                matches!(d, glass_runtime::TraceEvent::TimerFired { timer: glass_runtime::TraceTimer::Held, .. })
            })
            .count();
    }
    let all: std::collections::BTreeSet<u8> = Op::ALL.iter().map(|o| *o as u8).collect();
    assert_eq!(ops, all, "opcodes never generated: {:?}", all.difference(&ops).collect::<Vec<_>>());
    assert_eq!(triggers.len(), 6);
    assert_eq!(edges.len(), 4);
    assert_eq!(modes.len(), 3);
    assert!(emitted > 1_000 && delayed > 50 && limited > 10 && busy > 10, "{emitted} {delayed} {limited} {busy}");
    assert!(caught_up > 10, "clock jumps coalesced ticks {caught_up} times");
    assert!(held_fired > 10, "held rules came due {held_fired} times");
    assert!(filtered > 50, "{filtered} sequence steps had filters");
    assert!(sequences_ran > 10 && windows > 10 && cancelled > 3, "{sequences_ran} {windows} {cancelled}");
    assert!(
        shared_ran > 10 && shared_gated > 10,
        "rules' other triggers ran {shared_ran} times, were gated {shared_gated}"
    );
    assert!(
        limit_refused > 100 && limit_refused_shared_gate > 20 && limited_both > 50,
        "shared limits refused {limit_refused} runs ({limit_refused_shared_gate} of rules' other triggers); \
         rules with both limits were refused {limited_both} times"
    );
}
