//! The engine seam: what runs the code blocks of a [`Runtime`](super::Runtime), and the one
//! interface through which a block's code reaches the runtime.
//!
//! The runtime keeps everything but the blocks: triggers, the queue, timers, the gate, clamping
//! and cascades. An engine computes what a block computes and asks the [`Effects`] for everything
//! else, so it has the runtime's semantics by construction outside its code. Both engines stand
//! behind it: the built-in [`Interpreter`](super::Interpreter) and the host-side JIT (crate
//! `glass-jit`). Every call is statically dispatched: the runtime is generic over its engine, and
//! an engine over the machine it is given.

use super::layout::SlotLayout;
use crate::format::{Section, Trigger};
use crate::guard::Guard;
use crate::isa::MAX_ARGS;
use crate::program::Program;
use crate::text;

/// What the trigger gives a rule's code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TriggerValues {
    /// Payload fields of the triggering event (event and sequence rules; 0 otherwise).
    pub payload: [i64; MAX_ARGS],
    /// `Old` and `New` of a change rule (0 otherwise).
    pub old: i64,
    pub new: i64,
}

/// What a block's code reads, and the instructions with effects, each with exactly the runtime's
/// semantics. Every effect returns whether the run goes on.
pub trait Effects {
    /// The value slots, laid out as [`SlotLayout`] says: every state by index, then every
    /// variable, then one per held condition holding the time since which it has held (`u64`
    /// bits; `u64::MAX`: it does not hold). `Held b` is 1 when that time `since` is not
    /// `u64::MAX` and `now.saturating_sub(since) >= duration_ms`.
    fn slots(&self) -> &[i64];
    /// Where states, variables and held conditions lie in [`Effects::slots`].
    fn layout(&self) -> &SlotLayout;
    /// The program the running block belongs to (its constants and tables).
    fn program(&self) -> &Program<'_>;
    /// The clock (ms); it does not move during a run.
    fn now(&self) -> u64;
    /// What the trigger gave the run.
    fn trigger(&self) -> &TriggerValues;
    /// `Gate`: applies the rule's mode, rate limit and shared limit; `false` ends the run.
    fn gate(&mut self) -> bool;
    /// `Emit action` with its arguments (the first `argc` entries of `args`).
    fn emit(&mut self, action: u16, args: &[i64; MAX_ARGS]) -> bool;
    /// `EmitAfter action`.
    fn emit_after(&mut self, action: u16, args: &[i64; MAX_ARGS], delay: i64) -> bool;
    /// `Set var` (clamped; a change is queued for the cascade).
    fn set(&mut self, var: u16, value: i64) -> bool;
    /// `SetAfter var`.
    fn set_after(&mut self, var: u16, value: i64, delay: i64) -> bool;
    /// `ExitIfFalse` at absolute instruction `pc` popped false: the run ends (for
    /// [`Host::trace`](super::Host::trace)).
    fn exited(&mut self, pc: u32);

    /// The text a text value stands for: a text of the program (the default reads only those),
    /// or one the host passed in. `None` if it is neither.
    fn text(&self, value: i64) -> Option<&str> {
        self.program().text(u16::try_from(value).ok()?)
    }

    /// `Contains` (`contains`) or `Matches` over text values `x` and `y`. A text that cannot be
    /// read matches nothing.
    fn text_match(&self, contains: bool, x: i64, y: i64) -> bool {
        match (self.text(x), self.text(y)) {
            (Some(x), Some(y)) if contains => text::contains_words(x, y),
            (Some(x), Some(y)) => text::same_words(x, y),
            _ => false,
        }
    }
}

/// Rule runs as an engine sees them: the [`Effects`] of the rule running now (the one
/// [`BlockEngine::run_rule`] was given, or under [`BlockEngine::run_event`] the one
/// [`Machine::begin`] started last), and the steps of a planned event.
pub trait Machine: Effects {
    /// `run_event`: rule `rule` of the plan is next; `false` if it cannot run (it never happens
    /// on a verified program).
    fn begin(&mut self, rule: u16) -> bool;
    /// `run_event`: moves sequence rule `rule` along with `event`; `true` when it completes
    /// (then it runs, after [`Machine::begin`]).
    fn sequence_completes(&mut self, rule: u16, event: u16) -> bool;
    /// A run went wrong (counted in [`Counters::faults`](super::Counters::faults)).
    fn fault(&mut self);
}

/// A rule's block as the runtime decoded it at load: what an engine that reads the bytecode
/// needs (a compiled engine needs only `rule`).
#[derive(Clone, Copy, Debug)]
pub struct RuleBlock<'p> {
    pub rule: u16,
    pub program: &'p Program<'p>,
    /// The rule's code: `code_len` instructions from `code_start`, of which a run executes at
    /// most `bound`.
    pub code_start: u32,
    pub code_len: u16,
    pub bound: u16,
    /// The test the code starts with (see `crate::guard`).
    pub(crate) guard: Guard,
}

/// A held condition's block.
#[derive(Clone, Copy, Debug)]
pub struct HeldBlock<'p> {
    pub held: u16,
    pub program: &'p Program<'p>,
    pub layout: SlotLayout,
    pub code_start: u32,
    pub code_len: u16,
}

/// A sequence step's filter block: `step` is its entry in the step table.
#[derive(Clone, Copy, Debug)]
pub struct StepBlock<'p> {
    pub rule: u16,
    pub step: u16,
    pub program: &'p Program<'p>,
    pub code_start: u32,
    pub code_len: u16,
}

/// What runs the code blocks of a [`Runtime`](super::Runtime): the built-in
/// [`Interpreter`](super::Interpreter) (the default), or an engine such as the host-side JIT.
/// The runtime copies the engine (a reference or a zero-sized value) before each call.
pub trait BlockEngine: Copy {
    /// Runs rule `block.rule`'s block once against `m`. `None` means the run went wrong
    /// (counted in [`Counters::faults`](super::Counters::faults)); it never happens on a
    /// verified program.
    fn run_rule<M: Machine>(self, block: &RuleBlock<'_>, m: &mut M) -> Option<()>;

    /// Runs the rules of `event` against `m` in one call, from a plan made ahead of time, and
    /// returns `true`; or returns `false` at once (the default), and the runtime runs them rule
    /// by rule with [`BlockEngine::run_rule`]. The plan must be [`event_plan`]'s: for each entry,
    /// a sequence runs only if [`Machine::sequence_completes`] says so, and a rule only after
    /// [`Machine::begin`] (which traces it) returned `true`. A run that goes wrong is reported
    /// with [`Machine::fault`].
    #[inline(always)]
    fn run_event<M: Machine>(self, event: u16, m: &mut M) -> bool {
        let _ = (event, m);
        false
    }

    /// Evaluates held condition `block.held` over `slots` (laid out as [`Effects::slots`] says)
    /// and returns the number its block yields; `None` if it went wrong.
    fn eval_held(self, block: &HeldBlock<'_>, slots: &[i64]) -> Option<i64>;

    /// Evaluates the filter of sequence step `block.step` against `m` (whose trigger is the
    /// step's event) and returns the number its block yields; `None` if it went wrong. A filter
    /// only computes: `m`'s effects are never called on a verified program.
    fn eval_step<M: Machine>(self, block: &StepBlock<'_>, m: &mut M) -> Option<i64>;
}

/// The rules `event` runs, in the order the runtime runs them: the rules it triggers and the
/// sequences it takes part in, in rule-table order, each with `true` for a sequence (which runs
/// only when the event completes it). For engines that plan dispatch ahead
/// ([`BlockEngine::run_event`]).
pub fn event_plan<'a>(program: &'a Program<'a>, event: u16) -> impl Iterator<Item = (u16, bool)> + 'a {
    (0..program.len16(Section::Rules)).filter_map(move |i| match program.rule(i)?.trigger {
        Trigger::Event { event: e } if e == event => Some((i, false)),
        Trigger::Sequence { events, len, .. } if events.iter().take(usize::from(len)).any(|e| *e == event) => {
            Some((i, true))
        }
        _ => None,
    })
}
