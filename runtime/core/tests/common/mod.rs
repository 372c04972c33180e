//! A recording host and shorthands shared by the integration tests.
#![allow(dead_code)]

use glass_runtime::TraceEvent;
use glass_runtime::builder::Code;
use glass_runtime::isa::Op;
use glass_runtime::runtime::{Host, Origin, Value};

/// One emitted action: when, which action, its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emitted {
    pub at: u64,
    pub rule: u16,
    pub action: u16,
    pub args: Vec<Value>,
    pub delayed: bool,
}

/// Records every action, and answers `read_state` from `states` and `host_text` from `texts`.
#[derive(Default)]
pub struct Recorder {
    pub trace: Vec<Emitted>,
    pub states: Vec<Option<i64>>,
    pub texts: Vec<&'static str>,
    /// Every decision the runtime traced.
    pub decisions: Vec<TraceEvent>,
}

impl Host for Recorder {
    fn emit(&mut self, action: u16, args: &[Value], origin: Origin) {
        self.trace.push(Emitted {
            at: origin.at_ms,
            rule: origin.rule,
            action,
            args: args.to_vec(),
            delayed: origin.delayed,
        });
    }

    fn trace(&mut self, event: TraceEvent) {
        self.decisions.push(event);
    }

    fn read_state(&mut self, slot: u16) -> Option<i64> {
        self.states.get(usize::from(slot)).copied().flatten()
    }

    fn host_text(&self, handle: u32) -> Option<&str> {
        self.texts.get(handle as usize).copied()
    }
}

impl Recorder {
    /// `(time, action)` of everything emitted, then forgets it.
    pub fn take(&mut self) -> Vec<(u64, u16)> {
        self.trace.drain(..).map(|e| (e.at, e.action)).collect()
    }

    /// Times at which `action` was emitted.
    pub fn times(&self, action: u16) -> Vec<u64> {
        self.trace.iter().filter(|e| e.action == action).map(|e| e.at).collect()
    }
}

/// Assembles a block from `(op, operand)` pairs.
pub fn code(ops: &[(Op, u16)]) -> Code {
    let mut c = Code::new();
    for (op, b) in ops {
        c.op(*op, *b);
    }
    c
}

/// A rule body with no condition: `Gate`, then `ops`, then `End`.
pub fn act(ops: &[(Op, u16)]) -> Code {
    let mut c = Code::new();
    c.op(Op::Gate, 0);
    for (op, b) in ops {
        c.op(*op, *b);
    }
    c.op(Op::End, 0);
    c
}

/// `Small v` operand.
pub fn small(v: i16) -> u16 {
    u16::from_le_bytes(v.to_le_bytes())
}
