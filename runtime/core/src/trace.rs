//! What the runtime did and why, for tools: [`Host::trace`](crate::runtime::Host::trace) receives a
//! [`TraceEvent`] at each decision the runtime makes about a rule (its trigger matched, a
//! condition stopped it, its mode, rate limit or shared limit refused it, it fired, a timer came
//! due).
//!
//! The default `trace` does nothing, and since the runtime is generic over its host the calls
//! compile to nothing on a device. Events are small `Copy` values: no allocation, no text.

use crate::format::Mode;

/// One decision of the runtime. Rules, actions and variables are program indices; `pc` is an
/// absolute instruction index (the rule's `code_start` plus the offset in its block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// The rule's trigger matched (an event, a change, a timer, a completed sequence, or a
    /// queued trigger now let through): its code starts.
    RuleConsidered { rule: u16 },
    /// The `ExitIfFalse` at `pc` popped false: a filter or condition stopped the run.
    Exited { rule: u16, pc: u32 },
    /// The rule still has delayed actions pending and its mode ignores the trigger (`single`),
    /// or (`queued`) the trigger that was waiting was replaced by this one.
    Busy { rule: u16, mode: Mode },
    /// `mode queued`: the trigger waits until the pending actions are done.
    Queued { rule: u16 },
    /// `at most count per window_ms` refused the run: the rule's own rate limit (`shared:
    /// None`), or the shared limit it counts against (`shared: Some(limit)`, an index into the
    /// limit table; `count` and `window_ms` are that limit's).
    RateLimited { rule: u16, count: u8, window_ms: u64, shared: Option<u16> },
    /// `mode restart`: the pending delayed actions were cancelled before running again.
    Restarted { rule: u16, cancelled: u16 },
    /// The run passed its gate: its actions follow.
    Fired { rule: u16 },
    /// An event of a sequence trigger arrived without completing it: `seen` of `len` events
    /// are now matched (0 when it was out of order or the window had run out).
    SequenceStep { rule: u16, seen: u8, len: u8 },
    /// The event a sequence's last step says must not come (`then no E`) came within the window:
    /// the sequence starts over.
    SequenceCancelled { rule: u16 },
    /// The rule's `set` gave variable `var` the value `value` (before clamping to its range).
    Set { rule: u16, var: u16, value: i64 },
    /// A delayed action or `set` was scheduled for `due_ms`.
    Scheduled { rule: u16, due_ms: u64, timer: TraceTimer },
    /// A held rule's condition stopped holding before its duration: its timer was dropped, and
    /// the rule waits for the condition to start holding again.
    HeldBroken { rule: u16 },
    /// A timer came due: the clock is now `due_ms`.
    TimerFired { rule: u16, due_ms: u64, timer: TraceTimer },
    /// The tick that just fired stands for `ticks` due runs of its `every` or daily rule, the
    /// first due at `first_ms`: more than [`MAX_CATCH_UP`](crate::runtime::MAX_CATCH_UP) were due
    /// in one `advance_to` (or its catch-up budget ran out), so the rule runs once for all of
    /// them, and its next tick stays on its phase (spec/bytecode.md §7.4).
    CaughtUp { rule: u16, ticks: u64, first_ms: u64 },
    /// This `advance_to` fired its whole catch-up budget of timers (timers that re-arm each
    /// other: a delayed `set` that triggers its rule again): the timer due at `due_ms` fires
    /// late, at the target time, as every other timer still due does (a `TimerFired` follows).
    Late { rule: u16, due_ms: u64, timer: TraceTimer },
    /// A variable changed; the rules watching it run next.
    VarChanged { var: u16, old: i64, new: i64 },
    /// A variable change was not followed: the stimulus used up its cascade budget.
    CascadeCut { var: u16 },
    /// The run went wrong and was stopped (never on a verified program).
    Fault { rule: u16 },
}

/// What a timer does when it comes due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceTimer {
    /// The next run of an `every` or daily rule.
    Tick,
    /// A delayed action.
    Emit { action: u16 },
    /// A delayed `set` of a variable.
    Set { var: u16 },
    /// A held rule's condition has held for its duration.
    Held,
    /// The window of a sequence that ends in an absence ended.
    Window,
}

impl TraceTimer {
    pub(crate) fn of(kind: &crate::timers::TimerKind) -> TraceTimer {
        match *kind {
            crate::timers::TimerKind::Tick { .. } => TraceTimer::Tick,
            crate::timers::TimerKind::Emit { action, .. } => TraceTimer::Emit { action },
            crate::timers::TimerKind::Set { var, .. } => TraceTimer::Set { var },
            crate::timers::TimerKind::Held => TraceTimer::Held,
            crate::timers::TimerKind::Window => TraceTimer::Window,
        }
    }
}
