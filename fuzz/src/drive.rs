//! Plays a list of stimuli on a verified program under the interpreter and under the JIT, and
//! requires the two to agree on every action, counter, variable and state.

use arbitrary::Unstructured;
use glass_jit::{CompiledPack, Jit};
use glass_runtime::Program;
use glass_runtime::format::Section;
use glass_runtime::runtime::{BlockEngine, Counters, Host, Interpreter, Origin, Runtime, Value};

/// The capacities `glassc test` gives a runtime.
type HostRuntime<'p, E> = Runtime<'p, 64, 1024, 1024, 4096, E>;

/// At most this many stimuli per input, so one input stays fast.
const MAX_STEPS: usize = 64;

/// Clock values where arithmetic has edges.
const CLOCKS: [u64; 8] = [0, 1, 86_399_999, 86_400_000, 365 * 86_400_000, 100_000_000_000_000, u64::MAX - 1, u64::MAX];

#[derive(Clone, Debug)]
pub enum Step {
    Event {
        event: u16,
        payload: Vec<i64>,
    },
    State {
        slot: u16,
        value: i64,
    },
    Var {
        var: u16,
        value: i64,
    },
    /// Moves the clock forward by this much (saturating).
    Wait(u64),
    /// Moves the clock to this time (never back).
    Jump(u64),
}

impl Step {
    /// A step for `program`, mostly naming its own events, states and variables.
    fn arbitrary(u: &mut Unstructured<'_>, program: &Program<'_>) -> arbitrary::Result<Step> {
        let pick = |u: &mut Unstructured<'_>, n: u16| -> arbitrary::Result<u16> {
            // One time in eight, an index past the end: the runtime must refuse it calmly.
            if n == 0 || u.ratio(1, 8)? { u.arbitrary() } else { u.int_in_range(0..=n - 1) }
        };
        Ok(match u.int_in_range(0..=9)? {
            0..=3 => {
                let event = pick(u, program.len16(Section::Events))?;
                let len = u.int_in_range(0..=4)?;
                let payload = (0..len).map(|_| value(u)).collect::<arbitrary::Result<_>>()?;
                Step::Event { event, payload }
            }
            4 => Step::State { slot: pick(u, program.len16(Section::States))?, value: value(u)? },
            5 => Step::Var { var: pick(u, program.len16(Section::Vars))?, value: value(u)? },
            6 | 7 => Step::Wait(match u.int_in_range(0..=3)? {
                0 => u.int_in_range(0..=10)?,
                1 => u.int_in_range(0..=120_000)?,
                2 => u.int_in_range(0..=30 * 86_400_000)?,
                _ => u.arbitrary()?,
            }),
            _ => Step::Jump(*u.choose(&CLOCKS)?),
        })
    }
}

fn value(u: &mut Unstructured<'_>) -> arbitrary::Result<i64> {
    const EDGES: [i64; 8] = [0, 1, -1, 100, i64::MAX, i64::MIN, 1 << 32, 86_400_000];
    if u.ratio(1, 2)? { u.choose(&EDGES).copied() } else { u.int_in_range(-1_000..=1_000) }
}

/// Stimuli for `program` read from `u`.
pub fn steps(u: &mut Unstructured<'_>, program: &Program<'_>) -> Vec<Step> {
    let mut out = Vec::new();
    while out.len() < MAX_STEPS {
        match Step::arbitrary(u, program) {
            Ok(step) => out.push(step),
            Err(_) => break,
        }
    }
    out
}

/// What one engine did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Record {
    pub emitted: Vec<(u16, Vec<Value>, Origin)>,
    pub counters: Counters,
    pub vars: Vec<Option<i64>>,
    pub states: Vec<Option<i64>>,
    pub now: u64,
}

#[derive(Default)]
struct Recorder {
    record: Record,
}

impl Host for Recorder {
    fn emit(&mut self, action: u16, args: &[Value], origin: Origin) {
        self.record.emitted.push((action, args.to_vec(), origin));
    }

    fn read_state(&mut self, slot: u16) -> Option<i64> {
        Some(i64::from(slot))
    }
}

/// Plays `steps` on `program` with `engine`; `None` if the program does not load.
pub fn play<E: BlockEngine>(program: &Program<'_>, steps: &[Step], engine: E) -> Option<Record> {
    let mut runtime: Box<HostRuntime<'_, E>> = Box::new(HostRuntime::with_engine(program, 0, engine).ok()?);
    let mut host = Recorder::default();
    for step in steps {
        match step {
            Step::Event { event, payload } => {
                let _ = runtime.push_event(*event, payload);
                runtime.process(&mut host);
            }
            Step::State { slot, value } => {
                let _ = runtime.set_state(*slot, *value);
                runtime.process(&mut host);
            }
            Step::Var { var, value } => {
                let _ = runtime.set_var(*var, *value, &mut host);
            }
            Step::Wait(ms) => {
                let to = runtime.now().saturating_add(*ms);
                runtime.advance_to(to, &mut host);
            }
            Step::Jump(at) => runtime.advance_to(*at, &mut host),
        }
        let _ = runtime.sync_states(&mut host);
        runtime.process(&mut host);
    }
    let mut record = host.record;
    record.counters = runtime.counters();
    record.vars = (0..program.len16(Section::Vars)).map(|i| runtime.var(i)).collect();
    record.states = (0..program.len16(Section::States)).map(|i| runtime.state(i)).collect();
    record.now = runtime.now();
    Some(record)
}

/// Plays `steps` under both engines and requires them to agree. A program the JIT cannot
/// compile is run by the interpreter alone.
pub fn both(program: &Program<'_>, steps: &[Step]) {
    match Jit::compile(program) {
        Ok(jit) => both_with(program, &jit, steps),
        Err(_) => drop(play(program, steps, Interpreter)),
    }
}

/// [`both`] with the program's blocks already compiled.
pub fn both_with(program: &Program<'_>, jit: &CompiledPack, steps: &[Step]) {
    let interp = play(program, steps, Interpreter);
    let native = play(program, steps, jit);
    match (interp, native) {
        // Traces are not compared: they may differ in detail (the JIT skips what its native
        // code decides itself).
        (Some(a), Some(b)) => assert_eq!(a, b, "the interpreter and the JIT disagree on {steps:?}"),
        (None, None) => {}
        (a, b) => panic!("one engine loaded the program and the other did not: {:?} / {:?}", a.is_some(), b.is_some()),
    }
}
