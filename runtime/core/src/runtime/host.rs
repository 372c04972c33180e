//! The host face: what a device hands the runtime and gets back, and the errors and counters it
//! reads. Nothing here knows how rules run.

use crate::isa::MAX_ARGS;
use crate::trace::TraceEvent;

/// A value as the host sees it: the kind comes from the action's declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    Num(i64),
    /// An index into the text table ([`Program::text`](crate::Program::text)), or
    /// [`NO_TEXT`](crate::format::NO_TEXT) for an invalid text.
    Text(u16),
    /// A text the host passed in (a payload field or a text state) by its own handle
    /// ([`HOST_TEXT_BASE`](crate::format::HOST_TEXT_BASE)` + handle`), passed back unchanged.
    HostText(u32),
}

/// Where an emitted action comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Virtual time of the emission.
    pub at_ms: u64,
    /// The rule's index in the rule table.
    pub rule: u16,
    /// Whether it was scheduled by `after`.
    pub delayed: bool,
}

/// The device side: it receives actions, and may supply the clock and the states on request.
pub trait Host {
    /// `action` with its arguments. Called synchronously, in a deterministic order.
    fn emit(&mut self, action: u16, args: &[Value], origin: Origin);

    /// The current virtual time in ms, for [`Runtime::poll`](super::Runtime::poll). The default,
    /// 0, means "no clock": `poll` then only runs the queued stimuli (time never goes back).
    fn now_ms(&mut self) -> u64 {
        0
    }

    /// The current value of state `slot`, for [`Runtime::sync_states`](super::Runtime::sync_states);
    /// `None` if unknown.
    fn read_state(&mut self, slot: u16) -> Option<i64> {
        let _ = slot;
        None
    }

    /// The text of handle `handle` ([`Value::HostText`]), for the `matches` and `contains` of
    /// rules that read a text the host passed in. The default, `None`, knows no text: such a
    /// test is then false.
    fn host_text(&self, handle: u32) -> Option<&str> {
        let _ = handle;
        None
    }

    /// What the runtime decided and why (`glassc run --explain`). The default does nothing and
    /// costs nothing: the runtime is generic over its host, so the calls compile away.
    #[inline(always)]
    fn trace(&mut self, event: TraceEvent) {
        let _ = event;
    }
}

/// Things the runtime counted, so a device can report them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Rule runs that passed their gate.
    pub runs: u32,
    /// Runs stopped by `at most N per W`.
    pub rate_limited: u32,
    /// Triggers ignored by `mode single`, or dropped by `mode queued` when one already waits.
    pub busy_ignored: u32,
    /// Triggers kept by `mode queued` to run later.
    pub queued: u32,
    /// Delayed actions cancelled by `mode restart`.
    pub cancelled: u32,
    /// Variable changes not followed because the stimulus had used its cascade budget.
    pub cascade_cut: u32,
    /// Stimuli naming an event or state the program does not have.
    pub unknown: u32,
    /// Timers that found no free slot (never on a loaded, verified program).
    pub timers_dropped: u32,
    /// Rule runs stopped because the code was malformed after all (never on a verified program).
    pub faults: u32,
    /// Ticks of `every` and daily rules that did not run one by one after a clock jump: a run
    /// that stood for `n` due ticks adds `n - 1` ([`MAX_CATCH_UP`](super::MAX_CATCH_UP)).
    pub ticks_missed: u64,
}

/// Adds one to a counter; a counter stops at its maximum rather than wrapping.
#[inline(always)]
pub(super) fn bump(counter: &mut u32) {
    *counter = counter.saturating_add(1);
}

/// Why a verified program cannot load into this runtime's capacities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// `RULES` is smaller than the program's rule count.
    Rules { needed: usize, capacity: usize },
    /// `SLOTS` is smaller than states + variables + held conditions.
    Slots { needed: usize, capacity: usize },
    /// `TIMERS` is smaller than the program's timer slots.
    Timers { needed: usize, capacity: usize },
}

impl core::fmt::Display for LoadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (what, needed, capacity) = match *self {
            LoadError::Rules { needed, capacity } => ("rules", needed, capacity),
            LoadError::Slots { needed, capacity } => ("value slots", needed, capacity),
            LoadError::Timers { needed, capacity } => ("timer slots", needed, capacity),
        };
        write!(f, "the program needs {needed} {what} but the runtime has room for {capacity}")
    }
}

/// Why a stimulus was not queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushError {
    /// The queue is full: run the runtime and push again.
    Full,
    /// The program has no such event or state.
    Unknown,
}

/// Something the host reported, waiting in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stimulus {
    Event { event: u16, payload: [i64; MAX_ARGS] },
    State { slot: u16, value: i64 },
}
