//! Runs the same stimuli under the interpreter and the JIT and records everything observable.
#![allow(dead_code)]

use glass_jit::Jit;
use glass_runtime::format::Section;
use glass_runtime::runtime::{BlockEngine, Counters, Host, Origin, Runtime, Value};
use glass_runtime::{Program, TraceEvent, verify};

/// One emitted action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emitted {
    pub action: u16,
    pub args: Vec<Value>,
    pub origin: Origin,
}

/// Records every action and every decision the runtime traces.
#[derive(Default)]
pub struct Recorder {
    pub trace: Vec<Emitted>,
    pub decisions: Vec<TraceEvent>,
}

impl Host for Recorder {
    fn emit(&mut self, action: u16, args: &[Value], origin: Origin) {
        self.trace.push(Emitted { action, args: args.to_vec(), origin });
    }

    fn trace(&mut self, event: TraceEvent) {
        self.decisions.push(event);
    }

    /// Host texts 0 to 2 (the differential stimuli use these three handles); others are unknown.
    fn host_text(&self, handle: u32) -> Option<&str> {
        ["a B c", "B", "x, a"].get(handle as usize).copied()
    }
}

/// A stimulus or a step of time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Event(u16, Vec<i64>),
    SetState(u16, i64),
    /// Advance the clock by this many ms (running everything queued).
    Advance(u64),
}

/// Everything one engine made of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub trace: Vec<Emitted>,
    /// What `Host::trace` received: why each rule acted or not.
    pub decisions: Vec<TraceEvent>,
    pub vars: Vec<i64>,
    pub states: Vec<i64>,
    pub counters: Counters,
    pub pending_timers: usize,
}

pub type Rt<'p, E> = Runtime<'p, 64, 256, 64, 256, E>;

fn drive<E: BlockEngine>(program: &Program, mut rt: Rt<'_, E>, steps: &[Step]) -> Outcome {
    let mut host = Recorder::default();
    for step in steps {
        match step {
            Step::Event(e, payload) => {
                let _ = rt.push_event(*e, payload);
            }
            Step::SetState(s, v) => {
                let _ = rt.set_state(*s, *v);
            }
            Step::Advance(dt) => {
                let t = rt.now() + dt;
                rt.advance_to(t, &mut host);
            }
        }
    }
    let t = rt.now();
    rt.advance_to(t, &mut host);
    Outcome {
        trace: host.trace,
        decisions: host.decisions,
        vars: (0..program.len16(Section::Vars)).map(|i| rt.var(i).unwrap()).collect(),
        states: (0..program.len16(Section::States)).map(|i| rt.state(i).unwrap()).collect(),
        counters: rt.counters(),
        pending_timers: rt.pending_timers(),
    }
}

/// Runs `steps` from time `start` under the interpreter.
pub fn interp(bytes: &[u8], start: u64, steps: &[Step]) -> Outcome {
    let program = verify(bytes).expect("valid program");
    let rt: Rt<'_, glass_runtime::Interpreter> = Runtime::new(&program, start).expect("fits");
    drive(&program, rt, steps)
}

/// Runs `steps` from time `start` under the JIT.
pub fn jit(bytes: &[u8], start: u64, steps: &[Step]) -> Outcome {
    let program = verify(bytes).expect("valid program");
    let pack = Jit::compile(&program).expect("compiles");
    let rt = pack.runtime(&program, start).expect("fits");
    drive(&program, rt, steps)
}

/// Runs each script from time `start` under the JIT, compiling the program once.
pub fn jit_many(bytes: &[u8], start: u64, scripts: &[Vec<Step>]) -> Vec<Outcome> {
    let program = verify(bytes).expect("valid program");
    let pack = Jit::compile(&program).expect("compiles");
    scripts.iter().map(|steps| drive(&program, pack.runtime(&program, start).expect("fits"), steps)).collect()
}

/// Runs both engines, asserts they agree, and returns the JIT's outcome.
pub fn both(bytes: &[u8], start: u64, steps: &[Step]) -> Outcome {
    let a = interp(bytes, start, steps);
    let b = jit(bytes, start, steps);
    assert_eq!(a, b, "interpreter and JIT disagree");
    b
}

/// `(time, action, numbers)` of a trace, for short assertions.
pub fn brief(o: &Outcome) -> Vec<(u64, u16, Vec<i64>)> {
    o.trace
        .iter()
        .map(|e| {
            let args = e
                .args
                .iter()
                .map(|v| match v {
                    Value::Num(n) => *n,
                    Value::Text(t) => i64::from(*t),
                    #[allow(unreachable_patterns)]
                    _ => -1,
                })
                .collect();
            (e.origin.at_ms, e.action, args)
        })
        .collect()
}

/// `Small v` operand.
pub fn small(v: i16) -> u16 {
    u16::from_le_bytes(v.to_le_bytes())
}
