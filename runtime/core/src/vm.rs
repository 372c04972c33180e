//! The interpreter: runs a verified program's rules as events arrive, states change and timers
//! come due, against a [`Host`] that receives the actions.
//!
//! Order of work, all deterministic:
//! - `push_event` and `set_state` only queue a stimulus (FIFO, drop-newest when full).
//! - `advance_to(t)` first fires every timer due up to `t`, in `(due, scheduling order)`, with
//!   the clock set to each timer's due time; then, at time `t`, it runs the queued stimuli in
//!   the order they were pushed. Every stimulus runs the rules it triggers in rule-table order.
//! - A rule's `set` that changes a variable queues the change in a small cascade buffer; after
//!   the stimulus, the rules watching those variables run, breadth-first. At most
//!   [`MAX_CASCADE`] changes are followed per stimulus (the rest are counted), so the work of
//!   one stimulus is bounded by `(1 + MAX_CASCADE) × rules × MAX_RULE_BOUND` instructions.
//! - However far the clock jumps, `advance_to` fires at most `timer slots × (MAX_CATCH_UP + 2)`
//!   timers: an `every` or daily rule with more than [`MAX_CATCH_UP`] ticks due runs once for
//!   all of them, on its phase; a timer never re-arms at the time it fired; and once a call has
//!   fired its catch-up budget, what is still due fires once, late, at the target time.

use crate::format::{
    ActionInfo, Edge, HOST_TEXT_BASE, Kind, Mode, NO_TEXT, RateLimit, RuleInfo, RunInfo, Section, Source, Trigger,
};
use crate::guard::{Guard, Operand, Verdict};
use crate::isa::{MAX_ARGS, MAX_RATE, MAX_STACK};
use crate::isa::{Op, divide, signed};
use crate::program::Program;
use crate::queue::{Queue, QueueStats};
use crate::timers::{Timer, TimerKind, TimerList};
use crate::trace::{TraceEvent, TraceTimer};

/// Variable changes followed per stimulus (a `set` that triggers a rule that sets ...).
pub const MAX_CASCADE: usize = 16;

/// Ticks of one `every` or daily rule that one `advance_to` replays one by one; when more are
/// due (the device slept, the clock jumped), the rule runs once for all of them, at the last
/// due time, and its next tick stays on its phase (spec/bytecode.md §7.4). A thousand runs of
/// a rule cost at most about a million instructions (a few ms on the glasses), and every
/// example pack's tests replay far fewer (60 at most: `every 10 s` over ten minutes).
pub const MAX_CATCH_UP: u64 = 1_000;

const MS_PER_MINUTE: u64 = 60_000;
const MS_PER_DAY: u64 = 86_400_000;
/// `held_since` of a condition that does not hold.
const NOT_HOLDING: u64 = u64::MAX;

/// A value as the host sees it: the kind comes from the action's declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    Num(i64),
    /// An index into the text table ([`Program::text`]), or [`NO_TEXT`] for an invalid text.
    Text(u16),
    /// A text the host passed in (a payload field or a text state) by its own handle
    /// ([`HOST_TEXT_BASE`]` + handle`), passed back unchanged.
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

    /// The current virtual time in ms, for [`Runtime::poll`]. The default, 0, means "no clock":
    /// `poll` then only runs the queued stimuli (time never goes back).
    fn now_ms(&mut self) -> u64 {
        0
    }

    /// The current value of state `slot`, for [`Runtime::sync_states`]; `None` if unknown.
    fn read_state(&mut self, slot: u16) -> Option<i64> {
        let _ = slot;
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
    /// that stood for `n` due ticks adds `n - 1` ([`MAX_CATCH_UP`]).
    pub ticks_missed: u64,
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

/// What the trigger gives a rule's code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Context {
    payload: [i64; MAX_ARGS],
    old: i64,
    new: i64,
}

/// What the runtime remembers per rule: 40 bytes. What only some rules need (the times of the
/// last runs for a rate limit, the waiting trigger of `mode queued`) lives in value slots sized
/// from the program at load, from `extra` on.
#[derive(Clone, Copy, Debug)]
pub struct RuleState {
    /// What a run needs of the row (its code, bound, mode and rate limit count), decoded once
    /// at load: a run reads the row only for the window of a rate limit.
    code_start: u32,
    code_len: u16,
    bound: u16,
    mode: Mode,
    rate_count: u8,
    /// The rate-limit ring (`rate.count` slots of run times), then for `mode queued` the waiting
    /// trigger ([`CONTEXT_SLOTS`] slots).
    extra: u16,
    fired_next: u8,
    fired_len: u8,
    /// Sequence triggers: events matched so far, and when the first matched.
    seq_progress: u8,
    /// Sequence triggers: bit `e % 16` set for each event `e` of the sequence, so the other
    /// events pass a sequence by without reading its row.
    seq_events: u16,
    /// `mode queued`: a trigger waits in the extra slots.
    queued: bool,
    /// The test the rule's code starts with, checked before interpreting it.
    guard: Guard,
    /// Delayed actions of this rule still waiting.
    pending: u16,
    seq_start: u64,
}

// The size the docs and the spec state (§7.6); the dispatch order adds 6 bytes per rule.
const _: () = assert!(core::mem::size_of::<RuleState>() == 40);

/// A rule's trigger, as dispatch matches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Event(u16),
    Change(Source, u16),
    /// A sequence looks at every event (rare: its row is read for each event).
    Sequence,
    /// `every` and daily rules run from timers only.
    Timer,
}

impl Key {
    fn of(trigger: &Trigger) -> Key {
        match *trigger {
            Trigger::Event { event } => Key::Event(event),
            Trigger::Change { source, index, .. } => Key::Change(source, index),
            Trigger::Sequence { .. } => Key::Sequence,
            Trigger::Every { .. } | Trigger::Daily { .. } => Key::Timer,
        }
    }

    /// The dispatch order: rules are kept sorted by rank, so the rules one stimulus triggers
    /// are found by a binary search and lie next to each other, in rule-table order.
    fn rank(self) -> u32 {
        match self {
            Key::Event(e) => u32::from(e),
            Key::Change(Source::State, i) => CHANGE_STATE | u32::from(i),
            Key::Change(Source::Var, i) => CHANGE_VAR | u32::from(i),
            Key::Sequence => SEQUENCE_RANK,
            Key::Timer => SEQUENCE_RANK | 1,
        }
    }
}

const CHANGE_STATE: u32 = 1 << 16;
const CHANGE_VAR: u32 = 2 << 16;
const SEQUENCE_RANK: u32 = 3 << 16;
/// Where each kind of trigger starts in the dispatch order (events start at 0).
const BANDS: [u32; 4] = [CHANGE_STATE, CHANGE_VAR, SEQUENCE_RANK, SEQUENCE_RANK | 1];

const IDLE: RuleState = RuleState {
    code_start: 0,
    code_len: 0,
    bound: 0,
    mode: Mode::Single,
    rate_count: 0,
    extra: 0,
    fired_next: 0,
    fired_len: 0,
    seq_progress: 0,
    seq_events: 0,
    queued: false,
    guard: Guard::NONE,
    pending: 0,
    seq_start: 0,
};

/// The bit of `event` in [`RuleState::seq_events`].
fn event_bit(event: u16) -> u16 {
    1 << (event % 16)
}

/// Value slots a waiting trigger takes: its payload, then the old and the new value.
const CONTEXT_SLOTS: usize = MAX_ARGS + 2;

/// The extra value slots a rule needs (see [`RuleState::extra`]).
fn extra_slots(r: &RuleInfo) -> usize {
    let ring = r.rate.map_or(0, |rate| usize::from(rate.count.min(MAX_RATE)));
    let queued = if r.mode == Mode::Queued { CONTEXT_SLOTS } else { 0 };
    ring.saturating_add(queued)
}

#[derive(Clone, Copy, Debug)]
struct Change {
    var: u16,
    old: i64,
    new: i64,
}

/// RAM a program needs in a runtime sized exactly for it, in bytes (for README figures and for
/// firmware teams choosing capacities). `total` is `size_of` of that `Runtime`, give or take
/// padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RamUsage {
    /// States, variables, held-condition start times, rate-limit rings and waiting triggers
    /// (8 bytes each).
    pub slots: usize,
    /// Per-rule state: what a run needs of the row, sequence progress, pending count, and the
    /// rule's place and trigger in the dispatch order (the rate-limit rings and waiting triggers
    /// are counted in `slots`).
    pub rules: usize,
    /// Timer slots.
    pub timers: usize,
    /// The stimulus queue, for the given capacity.
    pub queue: usize,
    /// The clock, counters, cascade buffer and the reference to the program.
    pub fixed: usize,
    pub total: usize,
}

impl RamUsage {
    /// What `program` needs with a stimulus queue of `queue` entries.
    pub fn of(program: &Program, queue: usize) -> RamUsage {
        use core::mem::size_of;
        let slots = slots_needed(program).saturating_mul(size_of::<i64>());
        let per_rule = size_of::<RuleState>().saturating_add(size_of::<u16>()).saturating_add(size_of::<u32>());
        let rules = (program.count(Section::Rules) as usize).saturating_mul(per_rule);
        let timers = usize::from(program.timer_slots()).saturating_mul(size_of::<Option<crate::timers::Timer>>());
        let queue = queue.saturating_mul(size_of::<Stimulus>());
        let fixed = size_of::<Runtime<'_, 0, 0, 0, 0>>();
        let total = slots.saturating_add(rules).saturating_add(timers).saturating_add(queue).saturating_add(fixed);
        RamUsage { slots, rules, timers, queue, fixed, total }
    }
}

/// States, variables, held-condition start times, then each rule's extra slots.
fn slots_needed(p: &Program) -> usize {
    let fixed = [Section::States, Section::Vars, Section::Held].iter().map(|s| p.count(*s) as usize);
    let extras = (0..p.len16(Section::Rules)).filter_map(|i| p.rule(i)).map(|r| extra_slots(&r));
    fixed.chain(extras).fold(0, usize::saturating_add)
}

/// A loaded program and everything it remembers: one fixed-size value, no allocation, ever.
///
/// Capacities: `QUEUE` stimuli between two `advance_to` calls, `TIMERS` timer slots (at least
/// [`Program::timer_slots`]), `RULES` rules, and `SLOTS` values (states + variables + held
/// conditions). [`RamUsage::of`] says what a program needs; [`Runtime::new`] refuses capacities
/// that are too small.
///
/// `E` runs the code blocks: the built-in [`Interpreter`] by default, or an external
/// [`BlockEngine`] (the host-side JIT) given to [`Runtime::with_engine`]. Everything else
/// (triggers, queue, timers, gate, cascades) is this type's, whatever the engine.
pub struct Runtime<
    'p,
    const QUEUE: usize,
    const TIMERS: usize,
    const RULES: usize,
    const SLOTS: usize,
    E: BlockEngine = Interpreter,
> {
    program: &'p Program<'p>,
    engine: E,
    now: u64,
    /// States, then variables, then held-condition start times (as `u64` bits).
    slots: [i64; SLOTS],
    var_base: usize,
    held_base: usize,
    rules: [RuleState; RULES],
    /// Rule indices sorted by the [`Key::rank`] of their triggers, then by index, and those
    /// ranks: decoded once at load, so dispatch reads no row of a rule a stimulus does not
    /// concern.
    order: [u16; RULES],
    ranks: [u32; RULES],
    /// Rules in the program (the used part of `rules` and `order`).
    rule_count: usize,
    /// Where the rules watching states, watching variables, of sequences, and of timers start
    /// in `order` ([`BANDS`]): a search only looks at the band of its kind of trigger.
    bands: [usize; 4],
    /// The [`RuleState::seq_events`] of every sequence together: an event outside it runs its
    /// rules without looking at the sequences.
    seq_events: u16,
    timers: TimerList<TIMERS>,
    queue: Queue<Stimulus, QUEUE>,
    cascade: Queue<Change, MAX_CASCADE>,
    counters: Counters,
}

impl<'p, const QUEUE: usize, const TIMERS: usize, const RULES: usize, const SLOTS: usize>
    Runtime<'p, QUEUE, TIMERS, RULES, SLOTS>
{
    /// Loads a verified program at time `now_ms`: variables take their first values, states are
    /// 0 until the host sets them, and the `every` and daily rules schedule their first runs.
    pub fn new(program: &'p Program<'p>, now_ms: u64) -> Result<Self, LoadError> {
        Runtime::with_engine(program, now_ms, Interpreter)
    }
}

impl<'p, const QUEUE: usize, const TIMERS: usize, const RULES: usize, const SLOTS: usize, E: BlockEngine>
    Runtime<'p, QUEUE, TIMERS, RULES, SLOTS, E>
{
    /// [`Runtime::new`], with the code blocks run by `engine`.
    pub fn with_engine(program: &'p Program<'p>, now_ms: u64, engine: E) -> Result<Self, LoadError> {
        let rules = program.count(Section::Rules) as usize;
        if rules > RULES {
            return Err(LoadError::Rules { needed: rules, capacity: RULES });
        }
        let slots = slots_needed(program);
        if slots > SLOTS {
            return Err(LoadError::Slots { needed: slots, capacity: SLOTS });
        }
        let timers = usize::from(program.timer_slots());
        if timers > TIMERS {
            return Err(LoadError::Timers { needed: timers, capacity: TIMERS });
        }
        let var_base = program.count(Section::States) as usize;
        let held_base = var_base.saturating_add(program.count(Section::Vars) as usize);
        let mut rt = Runtime {
            program,
            engine,
            now: now_ms,
            slots: [0; SLOTS],
            var_base,
            held_base,
            rules: [IDLE; RULES],
            order: [0; RULES],
            ranks: [u32::MAX; RULES],
            rule_count: rules,
            bands: [0; 4],
            seq_events: 0,
            timers: TimerList::new(),
            queue: Queue::new(Stimulus::State { slot: 0, value: 0 }),
            cascade: Queue::new(Change { var: 0, old: 0, new: 0 }),
            counters: Counters::default(),
        };
        for i in 0..program.len16(Section::Vars) {
            if let Some(v) = program.var(i) {
                rt.set_slot(var_base.saturating_add(usize::from(i)), v.init);
            }
        }
        for i in 0..program.len16(Section::Held) {
            rt.set_slot(held_base.saturating_add(usize::from(i)), NOT_HOLDING as i64);
        }
        // Each rule's row is decoded once here: its state, its place in the dispatch order and,
        // for `every` and daily rules, the first run.
        let mut extra = held_base.saturating_add(program.count(Section::Held) as usize);
        for i in 0..program.len16(Section::Rules) {
            let Some(r) = program.rule(i) else { continue };
            rt.load_rule(i, &r, extra);
            rt.seq_events |= rt.rules.get(usize::from(i)).map_or(0, |s| s.seq_events);
            extra = extra.saturating_add(extra_slots(&r));
            rt.schedule_tick(i, &r, now_ms);
        }
        rt.sort_rules();
        rt.update_held();
        Ok(rt)
    }

    /// Keeps what runs and dispatch need of rule `i`, whose extra slots start at `extra`.
    fn load_rule(&mut self, i: u16, r: &RuleInfo, extra: usize) {
        let at = usize::from(i);
        if let (Some(state), Some(slot), Some(rank)) =
            (self.rules.get_mut(at), self.order.get_mut(at), self.ranks.get_mut(at))
        {
            state.code_start = r.code_start;
            state.code_len = r.code_len;
            state.bound = r.bound;
            state.mode = r.mode;
            state.rate_count = r.rate.map_or(0, |rate| rate.count);
            state.guard = self
                .program
                .code_block(r.code_start, r.code_len)
                .map_or(Guard::NONE, |code| Guard::of(self.program, code));
            if let Trigger::Sequence { events, len, .. } = r.trigger {
                state.seq_events = events.iter().take(usize::from(len)).fold(0, |m, e| m | event_bit(*e));
            }
            state.extra = u16::try_from(extra).unwrap_or(u16::MAX);
            *slot = i;
            *rank = Key::of(&r.trigger).rank();
        }
    }

    pub fn now(&self) -> u64 {
        self.now
    }

    pub fn program(&self) -> &'p Program<'p> {
        self.program
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    pub fn queue_stats(&self) -> QueueStats {
        self.queue.stats()
    }

    /// Pending timers, and when the next one is due (a host may sleep until then).
    pub fn pending_timers(&self) -> usize {
        self.timers.len()
    }

    pub fn next_deadline(&self) -> Option<u64> {
        self.timers.next_due()
    }

    /// The current value of variable `i`.
    pub fn var(&self, i: u16) -> Option<i64> {
        let at = self.var_base.saturating_add(usize::from(i));
        if at >= self.held_base {
            return None;
        }
        self.slot(at)
    }

    /// The last value the runtime has processed for state `i`.
    pub fn state(&self, i: u16) -> Option<i64> {
        // States come first in the slots, variables from `var_base` on.
        if usize::from(i) >= self.var_base {
            return None;
        }
        self.slot(usize::from(i))
    }

    /// Queues an event with its payload (missing fields are 0; text fields are text indices).
    pub fn push_event(&mut self, event: u16, payload: &[i64]) -> Result<(), PushError> {
        if event >= self.program.len16(Section::Events) {
            self.counters.unknown = self.counters.unknown.saturating_add(1);
            return Err(PushError::Unknown);
        }
        let mut fields = [0; MAX_ARGS];
        for (slot, v) in fields.iter_mut().zip(payload) {
            *slot = *v;
        }
        self.queue.push(Stimulus::Event { event, payload: fields }).map_err(|_| PushError::Full)
    }

    /// Queues a new value of a device state (a text state takes a text index).
    pub fn set_state(&mut self, slot: u16, value: i64) -> Result<(), PushError> {
        if slot >= self.program.len16(Section::States) {
            self.counters.unknown = self.counters.unknown.saturating_add(1);
            return Err(PushError::Unknown);
        }
        self.queue.push(Stimulus::State { slot, value }).map_err(|_| PushError::Full)
    }

    /// Asks the host for every state and queues the ones that differ from what the runtime has.
    pub fn sync_states(&mut self, host: &mut impl Host) -> Result<(), PushError> {
        for slot in 0..self.program.len16(Section::States) {
            if let Some(v) = host.read_state(slot)
                && self.state(slot) != Some(v)
            {
                self.set_state(slot, v)?;
            }
        }
        Ok(())
    }

    /// Sets a pack variable at the current time (clamped to its range), as a test or a debugger
    /// does, and runs the rules that watch it at once.
    pub fn set_var(&mut self, var: u16, value: i64, host: &mut impl Host) -> Result<(), PushError> {
        if var >= self.program.len16(Section::Vars) {
            self.counters.unknown = self.counters.unknown.saturating_add(1);
            return Err(PushError::Unknown);
        }
        self.write_var(var, value);
        self.follow_cascade(host);
        Ok(())
    }

    /// Moves time forward to `now_ms` firing every timer due on the way, then runs the queued
    /// stimuli at `now_ms`. Time never goes back: an earlier `now_ms` counts as now.
    ///
    /// Bounded for any `now_ms` (spec/bytecode.md §7.4): an `every` or daily rule with more
    /// than [`MAX_CATCH_UP`] ticks due runs once for all of them (at the last, traced as
    /// [`TraceEvent::CaughtUp`], counted in [`Counters::ticks_missed`]); a timer whose time
    /// would be past `u64::MAX` is never scheduled; and after `timer slots × (MAX_CATCH_UP +
    /// 1)` timers the call fires what is still due once, late, at `now_ms`
    /// ([`TraceEvent::Late`]). So one call fires at most `timer slots × (MAX_CATCH_UP + 2)`
    /// timers, each followed by at most the work of one stimulus.
    pub fn advance_to(&mut self, now_ms: u64, host: &mut impl Host) {
        let target = now_ms.max(self.now);
        let mut fired = 0u64;
        while let Some(timer) = self.timers.pop_due(target) {
            self.fire_due(timer, target, &mut fired, host);
        }
        self.now = target;
        while let Some(stimulus) = self.queue.pop() {
            match stimulus {
                Stimulus::Event { event, payload } => self.dispatch_event(event, payload, host),
                Stimulus::State { slot, value } => self.dispatch_state(slot, value, host),
            }
            self.follow_cascade(host);
        }
    }

    /// Runs the queued stimuli at the current time.
    pub fn process(&mut self, host: &mut impl Host) {
        self.advance_to(self.now, host);
    }

    /// `advance_to(host.now_ms())`: for hosts that own a clock.
    pub fn poll(&mut self, host: &mut impl Host) {
        let now = host.now_ms();
        self.advance_to(now, host);
    }

    // ---- slots -------------------------------------------------------------------------------

    fn slot(&self, i: usize) -> Option<i64> {
        self.slots.get(i).copied()
    }

    fn set_slot(&mut self, i: usize, v: i64) {
        if let Some(s) = self.slots.get_mut(i) {
            *s = v;
        }
    }

    /// A text from outside (a payload field or a text state) is a text of the pack or a host
    /// handle; anything else becomes `NO_TEXT`, so every text the host gets back is valid.
    fn sanitize_text(&self, v: i64) -> i64 {
        let pack = 0..i64::from(self.program.len16(Section::Texts));
        let host = HOST_TEXT_BASE..=HOST_TEXT_BASE.saturating_add(i64::from(u32::MAX));
        if pack.contains(&v) || host.contains(&v) { v } else { i64::from(NO_TEXT) }
    }

    // ---- dispatch order ----------------------------------------------------------------------

    /// Sorts `order` and `ranks` by rank, keeping rule-table order within a rank (an insertion
    /// sort: it runs once at load, needs no memory and has no panic path).
    fn sort_rules(&mut self) {
        for i in 1..self.rule_count {
            let mut j = i;
            while j > 0 {
                let before = j.saturating_sub(1);
                if self.rank_at(before) <= self.rank_at(j) {
                    break;
                }
                if let (Some([a, b]), Some([x, y])) = (self.order.get_mut(before..=j), self.ranks.get_mut(before..=j)) {
                    core::mem::swap(a, b);
                    core::mem::swap(x, y);
                }
                j = before;
            }
        }
        let mut bands = [0; 4];
        for (band, rank) in bands.iter_mut().zip(BANDS) {
            *band = self.first_with(rank, (0, self.rule_count));
        }
        self.bands = bands;
    }

    /// The positions in `order` of the rules whose trigger is of `key`'s kind.
    fn band(&self, key: Key) -> (usize, usize) {
        let [states, vars, sequences, timers] = self.bands;
        match key {
            Key::Event(_) => (0, states),
            Key::Change(Source::State, _) => (states, vars),
            Key::Change(Source::Var, _) => (vars, sequences),
            Key::Sequence => (sequences, timers),
            Key::Timer => (timers, self.rule_count),
        }
    }

    /// The positions of the rules `key` triggers (in rule-table order).
    fn triggered_by(&self, key: Key) -> (usize, u32) {
        let rank = key.rank();
        (self.first_with(rank, self.band(key)), rank)
    }

    /// The rank of the rule at `pos` in the dispatch order (`u32::MAX` past the end).
    fn rank_at(&self, pos: usize) -> u32 {
        self.ranks.get(pos).copied().unwrap_or(u32::MAX)
    }

    /// The first position in `lo..hi` of the dispatch order whose rank is at least `rank`.
    fn first_with(&self, rank: u32, (mut lo, mut hi): (usize, usize)) -> usize {
        while lo < hi {
            let mid = lo.midpoint(hi);
            if self.rank_at(mid) < rank {
                lo = mid.saturating_add(1);
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The rule at `pos` in the dispatch order, if its trigger has rank `rank`.
    fn rule_at(&self, pos: usize, rank: u32) -> Option<u16> {
        if self.rank_at(pos) == rank { self.order.get(pos).copied() } else { None }
    }

    /// What running rule `rule` needs; the row is read only for a rate limit's window.
    fn run_info(&self, rule: u16) -> Option<RunInfo> {
        let s = self.rules.get(usize::from(rule))?;
        let rate = match s.rate_count {
            0 => None,
            count => Some(RateLimit { count, window_ms: self.program.rule_row(rule)?.rate_window() }),
        };
        Some(RunInfo { mode: s.mode, rate, code_start: s.code_start, code_len: s.code_len, bound: s.bound })
    }

    // ---- stimuli -----------------------------------------------------------------------------

    /// Runs the rules of `event` and moves the sequences along, all in rule-table order (the
    /// two runs of the dispatch order are merged).
    fn dispatch_event(&mut self, event: u16, mut payload: [i64; MAX_ARGS], host: &mut impl Host) {
        let Some(info) = self.program.event(event) else { return };
        if info.text_mask != 0 {
            for (i, field) in payload.iter_mut().enumerate() {
                if Kind::of_bit(info.text_mask, i) == Kind::Text {
                    *field = self.sanitize_text(*field);
                }
            }
        }
        let ctx = Context { payload, ..Context::default() };
        if E::EXTERNAL {
            let engine = self.engine;
            if engine.run_event(event, &mut RuleRun { rt: self, host, current: None, ctx: &ctx }) {
                return;
            }
        }
        let (mut on_event, rank) = self.triggered_by(Key::Event(event));
        if self.seq_events & event_bit(event) == 0 {
            // No sequence takes this event: its own rules, in order, are all there is to run.
            while let Some(rule) = self.rule_at(on_event, rank) {
                on_event = on_event.saturating_add(1);
                self.run(rule, &ctx, host);
            }
            return;
        }
        let mut in_sequence = self.band(Key::Sequence).0;
        loop {
            // The next rule in table order: the event's next rule or the next sequence.
            let (rule, is_sequence) = match (self.rule_at(on_event, rank), self.rule_at(in_sequence, SEQUENCE_RANK)) {
                (Some(e), Some(s)) if s < e => (s, true),
                (Some(e), _) => (e, false),
                (None, Some(s)) => (s, true),
                (None, None) => break,
            };
            if is_sequence {
                in_sequence = in_sequence.saturating_add(1);
                if !self.sequence_completes(rule, event, host) {
                    continue;
                }
            } else {
                on_event = on_event.saturating_add(1);
            }
            self.run(rule, &ctx, host);
        }
    }

    fn dispatch_state(&mut self, slot: u16, value: i64, host: &mut impl Host) {
        let Some(info) = self.program.state(slot) else { return };
        let value = if info.kind == Kind::Text { self.sanitize_text(value) } else { value };
        let Some(old) = self.state(slot) else { return };
        if old == value {
            return;
        }
        self.set_slot(usize::from(slot), value);
        self.update_held();
        self.run_watchers(Source::State, slot, old, value, host);
    }

    /// Runs the change-triggered rules watching `index` whose edge matches.
    fn run_watchers(&mut self, source: Source, index: u16, old: i64, new: i64, host: &mut impl Host) {
        let (mut pos, rank) = self.triggered_by(Key::Change(source, index));
        if self.rule_at(pos, rank).is_none() {
            return;
        }
        let ctx = Context { old, new, ..Context::default() };
        while let Some(rule) = self.rule_at(pos, rank) {
            pos = pos.saturating_add(1);
            let Some((edge, value)) = self.program.rule_row(rule).and_then(|row| row.change()) else { continue };
            let fires = match edge {
                Edge::Changes => old != new,
                Edge::Becomes => old != value && new == value,
                Edge::Below => old >= value && new < value,
                Edge::Above => old <= value && new > value,
            };
            if fires {
                self.run(rule, &ctx, host);
            }
        }
    }

    /// Follows the variable changes rules made, breadth-first, within the cascade budget.
    fn follow_cascade(&mut self, host: &mut impl Host) {
        let mut followed = 0usize;
        while let Some(c) = self.cascade.pop() {
            if followed >= MAX_CASCADE {
                self.counters.cascade_cut = self.counters.cascade_cut.saturating_add(1);
                host.trace(TraceEvent::CascadeCut { var: c.var });
                continue;
            }
            followed = followed.saturating_add(1);
            host.trace(TraceEvent::VarChanged { var: c.var, old: c.old, new: c.new });
            self.run_watchers(Source::Var, c.var, c.old, c.new, host);
        }
    }

    /// Moves sequence rule `rule` along with `event`; true when it completes. An event not in the
    /// sequence leaves it as it is (a sequence that timed out is reset by its next event, all the
    /// same), and passes it by without reading its row.
    fn sequence_completes(&mut self, rule: u16, event: u16, host: &mut impl Host) -> bool {
        if self.rules.get(usize::from(rule)).is_none_or(|s| s.seq_events & event_bit(event) == 0) {
            return false;
        }
        let Some((events, len, within_ms)) = self.program.rule_row(rule).map(|row| row.sequence()) else {
            return false;
        };
        self.advance_sequence(rule, event, &events, len, within_ms, host)
    }

    /// Moves a sequence trigger along; true when it completes within its window. Events that
    /// are not the next one expected are ignored, except the first event of the sequence,
    /// which starts it again.
    fn advance_sequence(
        &mut self,
        rule: u16,
        event: u16,
        seq: &[u16],
        len: u8,
        within: u64,
        host: &mut impl Host,
    ) -> bool {
        let now = self.now;
        let Some(state) = self.rules.get_mut(usize::from(rule)) else { return false };
        if state.seq_progress > 0 && now.saturating_sub(state.seq_start) > within {
            state.seq_progress = 0;
        }
        if seq.get(usize::from(state.seq_progress)) == Some(&event) {
            if state.seq_progress == 0 {
                state.seq_start = now;
            }
            state.seq_progress = state.seq_progress.saturating_add(1);
            if state.seq_progress >= len {
                state.seq_progress = 0;
                return true;
            }
        } else if seq.first() == Some(&event) {
            state.seq_progress = 1;
            state.seq_start = now;
        }
        if seq.iter().take(usize::from(len)).any(|e| *e == event) {
            host.trace(TraceEvent::SequenceStep { rule, seen: state.seq_progress, len });
        }
        false
    }

    // ---- timers ------------------------------------------------------------------------------

    /// Fires `timer`, popped by `advance_to(target)` after `fired` others, or first moves a
    /// tick that stands for too many due ones to the last of them (§7.4).
    fn fire_due(&mut self, timer: Timer, target: u64, fired: &mut u64, host: &mut impl Host) {
        let Timer { rule, mut due, kind, .. } = timer;
        // At most 65 535 × 1 001: it cannot wrap.
        let late = *fired >= u64::from(self.program.timer_slots()).wrapping_mul(MAX_CATCH_UP.wrapping_add(1));
        // A tick: its period, and how many due ticks it stands for.
        let mut tick = None;
        if let TimerKind::Tick { mut ticks } = kind {
            let Some(period) = self.program.rule(rule).and_then(|r| match r.trigger {
                Trigger::Every { period_ms } => Some(period_ms),
                Trigger::Daily { .. } => Some(MS_PER_DAY),
                _ => None,
            }) else {
                return;
            };
            // The rule's ticks due by the target after this one, on its phase.
            let more = target.saturating_sub(due).checked_div(period).unwrap_or(0);
            if more > 0 && (more >= MAX_CATCH_UP || late) {
                // `due + more × period` is at most the target: it cannot wrap.
                due = due.wrapping_add(more.wrapping_mul(period));
                ticks = ticks.saturating_add(more);
                if !late {
                    // In due order it waits for its turn, behind the timers due before it.
                    self.insert_timer(due, rule, TimerKind::Tick { ticks });
                    return;
                }
            }
            tick = Some((period, ticks));
        }
        *fired = fired.saturating_add(1);
        let what = TraceTimer::of(&kind);
        if late {
            host.trace(TraceEvent::Late { rule, due_ms: due, timer: what });
            self.now = target;
        } else {
            self.now = self.now.max(due);
        }
        host.trace(TraceEvent::TimerFired { rule, due_ms: self.now, timer: what });
        match (kind, tick) {
            (TimerKind::Tick { .. }, Some((period, ticks))) => {
                if ticks > 1 {
                    let missed = ticks.wrapping_sub(1);
                    self.counters.ticks_missed = self.counters.ticks_missed.saturating_add(missed);
                    // `missed × period` is what `due` moved by: it cannot wrap.
                    let first_ms = due.saturating_sub(missed.wrapping_mul(period));
                    host.trace(TraceEvent::CaughtUp { rule, ticks, first_ms });
                }
                // The next tick follows the one due, not the clock: the phase is kept. One past
                // `u64::MAX` never comes (the clock has ended for this rule), and none re-arms
                // at its own time (a period of 0, never on a verified program).
                if let Some(next) = due.checked_add(period).filter(|next| *next > due) {
                    self.insert_timer(next, rule, TimerKind::Tick { ticks: 1 });
                }
                self.run(rule, &Context::default(), host);
            }
            (TimerKind::Emit { action, args }, _) => {
                if let Some(info) = self.program.action(action) {
                    self.emit(rule, action, &info, &args, true, host);
                }
                self.finish_pending(rule, host);
            }
            (TimerKind::Set { var, value }, _) => {
                self.write_var(var, value);
                self.finish_pending(rule, host);
            }
            (TimerKind::Tick { .. }, None) => {}
        }
        self.follow_cascade(host);
    }

    /// Schedules a timer; a full list is counted (never on a verified program).
    fn insert_timer(&mut self, due: u64, rule: u16, kind: TimerKind) {
        if !self.timers.insert(due, rule, kind) {
            self.counters.timers_dropped = self.counters.timers_dropped.saturating_add(1);
        }
    }

    /// Schedules the first run of an `every` or daily rule after `from` (the load time; each
    /// run then schedules the next one period after its own due time). A time past `u64::MAX`
    /// never comes: nothing is scheduled (the clock has ended for this rule).
    fn schedule_tick(&mut self, rule: u16, r: &RuleInfo, from: u64) {
        let due = match r.trigger {
            Trigger::Every { period_ms } => from.checked_add(period_ms),
            Trigger::Daily { minute } => {
                let day = from.saturating_sub(from.checked_rem(MS_PER_DAY).unwrap_or(0));
                match day.checked_add(u64::from(minute).saturating_mul(MS_PER_MINUTE)) {
                    Some(at) if at > from => Some(at),
                    at => at.and_then(|at| at.checked_add(MS_PER_DAY)),
                }
            }
            _ => return,
        };
        if let Some(due) = due.filter(|due| *due > from) {
            self.insert_timer(due, rule, TimerKind::Tick { ticks: 1 });
        }
    }

    /// A delayed action of `rule` is done; a queued trigger runs once none are left.
    fn finish_pending(&mut self, rule: u16, host: &mut impl Host) {
        let Some(state) = self.rules.get_mut(usize::from(rule)) else { return };
        state.pending = state.pending.saturating_sub(1);
        if state.pending == 0 && core::mem::take(&mut state.queued) {
            let Some(r) = self.run_info(rule) else { return };
            let ctx = self.waiting(rule, &r);
            self.run(rule, &ctx, host);
        }
    }

    /// Where a rule's waiting trigger is kept: after its rate-limit ring.
    fn context_base(&self, rule: u16, r: &RunInfo) -> usize {
        let ring = r.rate.map_or(0, |rate| usize::from(rate.count.min(MAX_RATE)));
        self.rules.get(usize::from(rule)).map_or(usize::MAX, |s| usize::from(s.extra)).saturating_add(ring)
    }

    fn keep_waiting(&mut self, rule: u16, r: &RunInfo, ctx: &Context) {
        let base = self.context_base(rule, r);
        let values = ctx.payload.iter().chain([&ctx.old, &ctx.new]);
        for (i, v) in values.enumerate() {
            self.set_slot(base.saturating_add(i), *v);
        }
    }

    fn waiting(&self, rule: u16, r: &RunInfo) -> Context {
        let base = self.context_base(rule, r);
        let mut ctx = Context::default();
        for (i, v) in ctx.payload.iter_mut().enumerate() {
            *v = self.slot(base.saturating_add(i)).unwrap_or(0);
        }
        ctx.old = self.slot(base.saturating_add(MAX_ARGS)).unwrap_or(0);
        ctx.new = self.slot(base.saturating_add(MAX_ARGS + 1)).unwrap_or(0);
        ctx
    }

    /// Returns when the timer is due, or `None` if it found no slot or would be due past
    /// `u64::MAX` (a time that never comes: it is not scheduled, and the rule is not busy).
    fn schedule_delayed(&mut self, rule: u16, delay: i64, kind: TimerKind) -> Option<u64> {
        // A delay below 1 ms is 1 ms: a delayed action never runs inside the run that made it.
        let due = self.now.checked_add(u64::try_from(delay).unwrap_or(0).max(1))?;
        if self.timers.insert(due, rule, kind) {
            if let Some(s) = self.rules.get_mut(usize::from(rule)) {
                s.pending = s.pending.saturating_add(1);
            }
            Some(due)
        } else {
            self.counters.timers_dropped = self.counters.timers_dropped.saturating_add(1);
            None
        }
    }

    // ---- variables and held conditions -------------------------------------------------------

    /// Sets a variable, clamped to its range; a change is queued for the rules that watch it.
    #[inline(never)]
    fn write_var(&mut self, var: u16, value: i64) {
        let Some(info) = self.program.var(var) else { return };
        // Not `clamp`, which panics if `min > max` (the verifier refuses that, but the
        // interpreter does not rely on it).
        let value = value.min(info.max).max(info.min);
        let Some(old) = self.var(var) else { return };
        if old == value {
            return;
        }
        self.set_slot(self.var_base.saturating_add(usize::from(var)), value);
        self.update_held();
        if self.cascade.push(Change { var, old, new: value }).is_err() {
            self.counters.cascade_cut = self.counters.cascade_cut.saturating_add(1);
        }
    }

    /// Re-evaluates every held condition after a state or variable changed.
    fn update_held(&mut self) {
        for i in 0..self.program.len16(Section::Held) {
            let Some(h) = self.program.held(i) else { continue };
            let value = if E::EXTERNAL {
                self.engine.eval_held(i, &self.slots)
            } else {
                self.eval_held(h.code_start, h.code_len)
            };
            let holds = value.is_some_and(|v| v != 0);
            let at = self.held_base.saturating_add(usize::from(i));
            let since = self.slot(at).map_or(NOT_HOLDING, |v| v as u64);
            let since = match (holds, since == NOT_HOLDING) {
                (true, true) => self.now.min(NOT_HOLDING.saturating_sub(1)),
                (true, false) => since,
                (false, _) => NOT_HOLDING,
            };
            self.set_slot(at, since as i64);
        }
    }

    fn held_now(&self, i: u16) -> Option<bool> {
        let h = self.program.held(i)?;
        let since = self.slot(self.held_base.saturating_add(usize::from(i)))? as u64;
        Some(since != NOT_HOLDING && self.now.saturating_sub(since) >= h.duration_ms)
    }

    /// Runs a held condition's code and returns the number it yields.
    fn eval_held(&mut self, start: u32, len: u16) -> Option<i64> {
        // A held block only computes; jumps only go forward, so its length bounds a run.
        self.exec(Block::Held { code_start: start, code_len: len }, &Context::default(), &mut NoHost)
    }

    // ---- rules -------------------------------------------------------------------------------

    /// Runs rule `rule` once. Never more than its bound of instructions.
    fn run(&mut self, rule: u16, ctx: &Context, host: &mut impl Host) {
        // A rule whose run fields cannot be read is not run (never on a verified program).
        let Some(r) = self.run_info(rule) else { return };
        let r = &r;
        host.trace(TraceEvent::RuleConsidered { rule });
        let ran = if E::EXTERNAL {
            let engine = self.engine;
            engine.run_rule(rule, &mut RuleRun { rt: self, host, current: Some(rule), ctx })
        } else {
            match self.guard_verdict(rule, ctx) {
                Verdict::Exit(at) => {
                    host.trace(TraceEvent::Exited { rule, pc: r.code_start.saturating_add(u32::from(at)) });
                    Some(())
                }
                Verdict::Run { at, carry } => {
                    self.exec(Block::Rule { rule, info: r, from: at, carry }, ctx, host).map(|_| ())
                }
            }
        };
        if ran.is_none() {
            self.fault(rule, host);
        }
    }

    /// A run of `rule` went wrong (never on a verified program).
    fn fault(&mut self, rule: u16, host: &mut impl Host) {
        self.counters.faults = self.counters.faults.saturating_add(1);
        host.trace(TraceEvent::Fault { rule });
    }

    /// Checks rule `rule`'s guard (see [`crate::guard`]); a rule without one runs from its start.
    #[inline]
    fn guard_verdict(&self, rule: u16, ctx: &Context) -> Verdict {
        let from_start = Verdict::Run { at: 0, carry: None };
        let Some(guard) = self.rules.get(usize::from(rule)).map(|s| s.guard) else { return from_start };
        // The value as the interpreter reads it; a read that fails leaves it to the interpreter.
        let x = match guard.operand {
            Operand::None => None,
            Operand::Payload => ctx.payload.get(usize::from(guard.index)).copied(),
            Operand::State => self.state(guard.index),
            Operand::Var => self.var(guard.index),
            Operand::Old => Some(ctx.old),
            Operand::New => Some(ctx.new),
        };
        x.map_or(from_start, |x| guard.verdict(x))
    }

    /// The interpreter: runs a block to its `End` and returns what the stack holds then (a rule
    /// block ends empty: 0). `None` if the program is malformed after all: every read is
    /// checked, a run stops at its bound, and a held block that reaches an instruction with an
    /// effect stops too.
    ///
    /// One `match` over every operation: no nested dispatch, and the operators work in place.
    fn exec(&mut self, block: Block<'_>, ctx: &Context, host: &mut impl Host) -> Option<i64> {
        let mut stack = Stack::new();
        let mut below: Below = [0; MAX_STACK];
        let (start, len, mut fuel, from, carry) = match block {
            Block::Rule { info, from, carry, .. } => (info.code_start, info.code_len, info.bound, from, carry),
            Block::Held { code_start, code_len } => (code_start, code_len, code_len, 0, None),
        };
        let code = self.program.code_block(start, len)?;
        // `pc` counts from the start of the block; running off its end is a fault. A run that
        // starts after its guard has spent the guard's instructions, and may hold its value.
        let mut pc = usize::from(from);
        fuel = fuel.checked_sub(from)?;
        if let Some(v) = carry {
            stack.push(&mut below, v)?;
        }
        loop {
            // One load per instruction: `[op, a, b_lo, b_hi]` as a little-endian word.
            let word = u32::from_le_bytes(*code.get(pc)?);
            let b = (word >> 16) as u16;
            fuel = fuel.checked_sub(1)?;
            pc = pc.saturating_add(1);
            let pushed = match Op::from_byte(word as u8)? {
                Op::Nop => continue,
                Op::Const => self.program.constant(b)?,
                Op::Small => i64::from(signed(b)),
                Op::Text => i64::from(b),
                Op::State => self.state(b)?,
                Op::Var => self.var(b)?,
                Op::Payload => *ctx.payload.get(usize::from(b))?,
                Op::Old => ctx.old,
                Op::New => ctx.new,
                Op::Held => i64::from(self.held_now(b)?),
                Op::Now => self.now as i64,
                Op::Minute => (self.now.checked_div(MS_PER_MINUTE)?.checked_rem(1440)?) as i64,
                Op::Neg => {
                    stack.unary(i64::wrapping_neg)?;
                    continue;
                }
                Op::Not => {
                    stack.unary(|x| i64::from(x == 0))?;
                    continue;
                }
                Op::Add => {
                    stack.binary(&below, i64::wrapping_add)?;
                    continue;
                }
                Op::Sub => {
                    stack.binary(&below, i64::wrapping_sub)?;
                    continue;
                }
                Op::Mul => {
                    stack.binary(&below, i64::wrapping_mul)?;
                    continue;
                }
                Op::Div => {
                    stack.binary(&below, divide)?;
                    continue;
                }
                Op::Eq => {
                    stack.binary(&below, |x, y| i64::from(x == y))?;
                    continue;
                }
                Op::Ne => {
                    stack.binary(&below, |x, y| i64::from(x != y))?;
                    continue;
                }
                Op::Lt => {
                    stack.binary(&below, |x, y| i64::from(x < y))?;
                    continue;
                }
                Op::Le => {
                    stack.binary(&below, |x, y| i64::from(x <= y))?;
                    continue;
                }
                Op::Gt => {
                    stack.binary(&below, |x, y| i64::from(x > y))?;
                    continue;
                }
                Op::Ge => {
                    stack.binary(&below, |x, y| i64::from(x >= y))?;
                    continue;
                }
                Op::And => {
                    stack.binary(&below, |x, y| i64::from(x != 0 && y != 0))?;
                    continue;
                }
                Op::Or => {
                    stack.binary(&below, |x, y| i64::from(x != 0 || y != 0))?;
                    continue;
                }
                Op::End => {
                    return match block {
                        Block::Rule { .. } => Some(0),
                        Block::Held { .. } => stack.pop(&below),
                    };
                }
                Op::Jump => {
                    pc = forward(pc, b)?;
                    continue;
                }
                Op::JumpIfFalse => {
                    if stack.pop(&below)? == 0 {
                        pc = forward(pc, b)?;
                    }
                    continue;
                }
                // Below: a rule's instructions only (a held block that reaches one faults).
                Op::ExitIfFalse => {
                    let Block::Rule { rule, .. } = block else { return None };
                    if stack.pop(&below)? == 0 {
                        let at = u32::try_from(pc).unwrap_or(u32::MAX);
                        host.trace(TraceEvent::Exited { rule, pc: start.saturating_add(at).saturating_sub(1) });
                        return Some(0);
                    }
                    continue;
                }
                Op::Gate => {
                    let Block::Rule { rule, info, .. } = block else { return None };
                    if !self.gate(rule, info, ctx, host) {
                        return Some(0);
                    }
                    continue;
                }
                Op::Set => {
                    let Block::Rule { rule, .. } = block else { return None };
                    let v = stack.pop(&below)?;
                    self.write_var(b, v);
                    host.trace(TraceEvent::Set { rule, var: b, value: v });
                    continue;
                }
                Op::SetAfter => {
                    let Block::Rule { rule, .. } = block else { return None };
                    let delay = stack.pop(&below)?;
                    let value = stack.pop(&below)?;
                    self.schedule_traced(rule, delay, TimerKind::Set { var: b, value }, host);
                    continue;
                }
                Op::Emit => {
                    let Block::Rule { rule, .. } = block else { return None };
                    let info = self.program.action(b)?;
                    let args = stack.pop_args(&below, info.argc)?;
                    self.emit(rule, b, &info, &args, false, host);
                    continue;
                }
                Op::EmitAfter => {
                    let Block::Rule { rule, .. } = block else { return None };
                    let delay = stack.pop(&below)?;
                    let info = self.program.action(b)?;
                    let args = stack.pop_args(&below, info.argc)?;
                    self.schedule_traced(rule, delay, TimerKind::Emit { action: b, args }, host);
                    continue;
                }
            };
            stack.push(&mut below, pushed)?;
        }
    }

    /// Schedules a delayed action of `rule` and traces it. Out of line: it is rare, and inlined
    /// into `exec` it made every run pay for setting up the timer search.
    #[inline(never)]
    fn schedule_traced(&mut self, rule: u16, delay: i64, timer: TimerKind, host: &mut impl Host) {
        if let Some(due_ms) = self.schedule_delayed(rule, delay, timer) {
            host.trace(TraceEvent::Scheduled { rule, due_ms, timer: TraceTimer::of(&timer) });
        }
    }

    /// Hands an action to the host, its text arguments checked (`info` is the action's entry).
    #[inline(never)]
    fn emit(
        &mut self,
        rule: u16,
        action: u16,
        info: &ActionInfo,
        args: &[i64; MAX_ARGS],
        delayed: bool,
        host: &mut impl Host,
    ) {
        let argc = usize::from(info.argc);
        let mut values = [Value::Num(0); MAX_ARGS];
        for (i, (v, a)) in values.iter_mut().zip(args).enumerate().take(argc) {
            *v = match Kind::of_bit(info.text_mask, i) {
                Kind::Num => Value::Num(*a),
                Kind::Text => {
                    let t = self.sanitize_text(*a);
                    match u16::try_from(t) {
                        Ok(index) => Value::Text(index),
                        Err(_) => Value::HostText(u32::try_from(t.saturating_sub(HOST_TEXT_BASE)).unwrap_or(0)),
                    }
                }
            };
        }
        let values = values.get(..argc).unwrap_or(&[]);
        host.emit(action, values, Origin { at_ms: self.now, rule, delayed });
    }

    /// The rule is about to act: its re-trigger mode and rate limit decide whether it may.
    #[inline(always)]
    fn gate(&mut self, rule: u16, r: &RunInfo, ctx: &Context, host: &mut impl Host) -> bool {
        // Most runs find the rule idle and without a rate limit: they pass at once.
        let idle = self.rules.get(usize::from(rule)).is_some_and(|s| s.pending == 0);
        if idle && r.rate.is_none() {
            self.counters.runs = self.counters.runs.saturating_add(1);
            host.trace(TraceEvent::Fired { rule });
            return true;
        }
        self.gate_busy_or_limited(rule, r, ctx, host)
    }

    #[inline(never)]
    fn gate_busy_or_limited(&mut self, rule: u16, r: &RunInfo, ctx: &Context, host: &mut impl Host) -> bool {
        let now = self.now;
        let Some(state) = self.rules.get(usize::from(rule)).copied() else { return false };
        let busy = state.pending > 0;
        if busy {
            match r.mode {
                Mode::Single => {
                    self.counters.busy_ignored = self.counters.busy_ignored.saturating_add(1);
                    host.trace(TraceEvent::Busy { rule, mode: Mode::Single });
                    return false;
                }
                Mode::Queued => {
                    // Only the latest trigger waits: it carries the freshest payload.
                    if state.queued {
                        self.counters.busy_ignored = self.counters.busy_ignored.saturating_add(1);
                        host.trace(TraceEvent::Busy { rule, mode: Mode::Queued });
                    }
                    self.keep_waiting(rule, r, ctx);
                    if let Some(s) = self.rules.get_mut(usize::from(rule)) {
                        s.queued = true;
                    }
                    self.counters.queued = self.counters.queued.saturating_add(1);
                    host.trace(TraceEvent::Queued { rule });
                    return false;
                }
                Mode::Restart => {}
            }
        }
        if let Some(rate) = r.rate {
            // The ring holds the times of the last `count` runs that passed.
            let count = rate.count.min(MAX_RATE);
            let ring = usize::from(state.extra);
            let recent = (0..usize::from(state.fired_len))
                .filter_map(|k| self.slot(ring.saturating_add(k)))
                .filter(|t| now.saturating_sub(*t as u64) < rate.window_ms)
                .count();
            if recent >= usize::from(count) {
                self.counters.rate_limited = self.counters.rate_limited.saturating_add(1);
                host.trace(TraceEvent::RateLimited { rule, count: rate.count, window_ms: rate.window_ms });
                return false;
            }
            self.set_slot(ring.saturating_add(usize::from(state.fired_next)), now as i64);
            if let Some(s) = self.rules.get_mut(usize::from(rule)) {
                s.fired_next = s.fired_next.saturating_add(1).checked_rem(count).unwrap_or(0);
                s.fired_len = s.fired_len.saturating_add(1).min(count);
            }
        }
        if busy {
            // Mode::Restart: the pending actions of the previous run are dropped.
            let n = self.timers.cancel_delayed(rule);
            self.counters.cancelled = self.counters.cancelled.saturating_add(u32::from(n));
            host.trace(TraceEvent::Restarted { rule, cancelled: n });
            if let Some(state) = self.rules.get_mut(usize::from(rule)) {
                state.pending = 0;
            }
        }
        self.counters.runs = self.counters.runs.saturating_add(1);
        host.trace(TraceEvent::Fired { rule });
        true
    }
}

/// Where a jump by operand `b` from `pc` (the next instruction) lands; `None` for a backward one.
#[inline(always)]
fn forward(pc: usize, b: u16) -> Option<usize> {
    pc.checked_add(usize::try_from(signed(b)).ok()?)
}

/// What [`Runtime::exec`] runs.
#[derive(Clone, Copy)]
enum Block<'r> {
    /// A rule's code, with what its gate and trace need, run from instruction `from` (after
    /// its guard, or 0) with `carry` on the stack (the guard's value, if the condition goes on).
    Rule { rule: u16, info: &'r RunInfo, from: u16, carry: Option<i64> },
    /// A held condition's code: it only computes, and yields one number.
    Held { code_start: u32, code_len: u16 },
}

/// The host of a held block's run, which has no effects to hand over or decisions to trace.
struct NoHost;

impl Host for NoHost {
    fn emit(&mut self, _action: u16, _args: &[Value], _origin: Origin) {}
}

/// The value stack of one block run: its top value and depth, which stay in registers, and
/// the values below the top in `below`. (They are two values, not one struct: LLVM keeps a struct
/// that holds an indexed array in memory, fields and all.) A push stores the old top; an
/// operator combines the top with one load.
struct Stack {
    top: i64,
    /// Values on the stack, `top` included.
    depth: usize,
}

/// `Below[k]` holds what was on top when the stack held `k` values (`[0]` is unused).
type Below = [i64; MAX_STACK];

impl Stack {
    fn new() -> Self {
        Stack { top: 0, depth: 0 }
    }

    #[inline(always)]
    fn push(&mut self, below: &mut Below, v: i64) -> Option<()> {
        *below.get_mut(self.depth)? = self.top;
        // `depth` < MAX_STACK here: it cannot wrap.
        self.depth = self.depth.wrapping_add(1);
        self.top = v;
        Some(())
    }

    #[inline(always)]
    fn pop(&mut self, below: &Below) -> Option<i64> {
        let v = self.top;
        self.depth = self.depth.checked_sub(1)?;
        self.top = *below.get(self.depth)?;
        Some(v)
    }

    /// Pops the `argc` arguments of an action (the last on top) into the first entries of an
    /// argument array, the rest 0.
    #[inline(always)]
    fn pop_args(&mut self, below: &Below, argc: u8) -> Option<[i64; MAX_ARGS]> {
        let mut args = [0i64; MAX_ARGS];
        for slot in args.get_mut(..usize::from(argc))?.iter_mut().rev() {
            *slot = self.pop(below)?;
        }
        Some(args)
    }

    /// Replaces the top `x` with `f(x)`.
    #[inline(always)]
    fn unary(&mut self, f: impl FnOnce(i64) -> i64) -> Option<()> {
        if self.depth == 0 {
            return None;
        }
        self.top = f(self.top);
        Some(())
    }

    /// Pops `y` and replaces `x` below it with `f(x, y)`.
    #[inline(always)]
    fn binary(&mut self, below: &Below, f: impl FnOnce(i64, i64) -> i64) -> Option<()> {
        // Two values at least: `x` is `below[depth - 1]`, with `depth - 1` >= 1.
        let x_at = self.depth.checked_sub(2)?.wrapping_add(1);
        let x = *below.get(x_at)?;
        self.top = f(x, self.top);
        self.depth = x_at;
        Some(())
    }
}

// ---- external block engines ----------------------------------------------------------------

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

/// What runs the code blocks of a [`Runtime`]: the built-in [`Interpreter`] (the default), or
/// an external engine such as the host-side JIT (crate `glass-jit`).
///
/// The runtime keeps everything but the blocks: triggers, the queue, timers, the gate, clamping
/// and cascades. An external engine computes what a block computes and calls the [`Machine`] for
/// everything else, so it has the interpreter's semantics by construction outside its code.
/// The runtime copies the engine (a reference or a zero-sized value) before each call.
pub trait BlockEngine: Copy {
    /// `false` only for [`Interpreter`]: the runtime then runs its own interpreter inline and
    /// never calls the two methods below (this is a constant, so the choice costs nothing).
    const EXTERNAL: bool = true;

    /// Runs rule `rule`'s block once against `m`. `None` means the run went wrong (counted in
    /// [`Counters::faults`]); it never happens on a verified program.
    fn run_rule(self, rule: u16, m: &mut dyn Machine) -> Option<()>;

    /// Runs the rules of `event` against `m` in one call, from a plan made ahead of time, and
    /// returns `true`; or returns `false` at once, and the runtime runs them rule by rule with
    /// [`BlockEngine::run_rule`]. The plan must be [`event_plan`]'s: for each entry, a sequence
    /// runs only if [`Machine::sequence_completes`] says so, and a rule only after
    /// [`Machine::begin`] (which traces it) returned `true`. A run that goes wrong is reported
    /// with [`Machine::fault`].
    fn run_event(self, _event: u16, _m: &mut dyn Machine) -> bool {
        false
    }

    /// Evaluates held condition `held` over `slots` (laid out as [`Machine::slots`] says) and
    /// returns the number its block yields; `None` if it went wrong.
    fn eval_held(self, held: u16, slots: &[i64]) -> Option<i64>;
}

/// The built-in interpreter: the default [`BlockEngine`] of a [`Runtime`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Interpreter;

impl BlockEngine for Interpreter {
    const EXTERNAL: bool = false;

    /// Never called (the runtime interprets inline when `EXTERNAL` is false).
    fn run_rule(self, _rule: u16, _m: &mut dyn Machine) -> Option<()> {
        None
    }

    /// Never called (the runtime interprets inline when `EXTERNAL` is false).
    fn eval_held(self, _held: u16, _slots: &[i64]) -> Option<i64> {
        None
    }
}

/// The clock and the trigger's values during one rule run ([`Machine::context`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunContext {
    /// The clock (ms); it does not move during a run.
    pub now: u64,
    /// Payload fields of the triggering event (event and sequence rules; 0 otherwise).
    pub payload: [i64; MAX_ARGS],
    /// `Old` and `New` of a change rule (0 otherwise).
    pub old: i64,
    pub new: i64,
}

/// Rule runs as an external [`BlockEngine`] sees them: what the code reads, and the instructions
/// with effects, each with exactly the interpreter's semantics. The effects apply to the rule
/// running now: the one [`BlockEngine::run_rule`] was given, or under
/// [`BlockEngine::run_event`] the one [`Machine::begin`] started last.
pub trait Machine {
    /// `run_event`: rule `rule` of the plan is next; `false` if it cannot run (it never happens
    /// on a verified program).
    fn begin(&mut self, rule: u16) -> bool;
    /// `run_event`: moves sequence rule `rule` along with `event`; `true` when it completes
    /// (then it runs, after [`Machine::begin`]).
    fn sequence_completes(&mut self, rule: u16, event: u16) -> bool;
    /// A run went wrong (counted in [`Counters::faults`]).
    fn fault(&mut self);
    /// The value slots: every state by index, then every variable, then one per held condition
    /// holding the time since which it has held (`u64` bits; `u64::MAX`: it does not hold).
    /// `Held b` is 1 when that time `since` is not `u64::MAX` and
    /// `now.saturating_sub(since) >= duration_ms`.
    fn slots(&self) -> &[i64];
    /// The clock and what the trigger gave the run, and the value slots as [`Machine::slots`]
    /// gives them: what a run starts from, in one call.
    fn context(&self) -> (RunContext, &[i64]);
    /// `Gate`: applies the rule's mode and rate limit; `false` ends the run.
    fn gate(&mut self) -> bool;
    /// `Emit action` with its arguments (the first `argc` entries of `args`).
    fn emit(&mut self, action: u16, args: &[i64; MAX_ARGS]);
    /// `EmitAfter action`.
    fn emit_after(&mut self, action: u16, args: &[i64; MAX_ARGS], delay: i64);
    /// `Set var` (clamped; a change is queued for the cascade).
    fn set(&mut self, var: u16, value: i64);
    /// `SetAfter var`.
    fn set_after(&mut self, var: u16, value: i64, delay: i64);
    /// `ExitIfFalse` at absolute instruction `pc` popped false: the run ends (for
    /// [`Host::trace`]).
    fn exited(&mut self, pc: u32);
}

/// The [`Machine`] of one rule run: the runtime, the host, the rule and its trigger.
struct RuleRun<'r, 'p, const QUEUE: usize, const TIMERS: usize, const RULES: usize, const SLOTS: usize, E, H>
where
    E: BlockEngine,
    H: Host,
{
    rt: &'r mut Runtime<'p, QUEUE, TIMERS, RULES, SLOTS, E>,
    host: &'r mut H,
    /// The rule running now.
    current: Option<u16>,
    ctx: &'r Context,
}

impl<const QUEUE: usize, const TIMERS: usize, const RULES: usize, const SLOTS: usize, E, H> Machine
    for RuleRun<'_, '_, QUEUE, TIMERS, RULES, SLOTS, E, H>
where
    E: BlockEngine,
    H: Host,
{
    fn begin(&mut self, rule: u16) -> bool {
        // As dispatch does: a rule runs if what its run needs can be read.
        self.current = self.rt.run_info(rule).map(|_| rule);
        if self.current.is_some() {
            self.host.trace(TraceEvent::RuleConsidered { rule });
        }
        self.current.is_some()
    }

    fn sequence_completes(&mut self, rule: u16, event: u16) -> bool {
        self.rt.sequence_completes(rule, event, self.host)
    }

    fn fault(&mut self) {
        if let Some(rule) = self.current {
            self.rt.fault(rule, self.host);
        }
    }

    fn slots(&self) -> &[i64] {
        &self.rt.slots
    }

    fn context(&self) -> (RunContext, &[i64]) {
        let ctx = RunContext { now: self.rt.now, payload: self.ctx.payload, old: self.ctx.old, new: self.ctx.new };
        (ctx, &self.rt.slots)
    }

    fn gate(&mut self) -> bool {
        let Some((rule, info)) = self.current.and_then(|rule| Some((rule, self.rt.run_info(rule)?))) else {
            return false;
        };
        self.rt.gate(rule, &info, self.ctx, self.host)
    }

    fn emit(&mut self, action: u16, args: &[i64; MAX_ARGS]) {
        // `Runtime::emit` reads only the first `argc` arguments.
        let (Some(rule), Some(info)) = (self.current, self.rt.program.action(action)) else { return };
        self.rt.emit(rule, action, &info, args, false, self.host);
    }

    fn emit_after(&mut self, action: u16, args: &[i64; MAX_ARGS], delay: i64) {
        let Some(info) = self.rt.program.action(action) else { return };
        let args = first_args(args, info.argc);
        self.schedule(delay, TimerKind::Emit { action, args });
    }

    fn set(&mut self, var: u16, value: i64) {
        let Some(rule) = self.current else { return };
        self.rt.write_var(var, value);
        self.host.trace(TraceEvent::Set { rule, var, value });
    }

    fn set_after(&mut self, var: u16, value: i64, delay: i64) {
        self.schedule(delay, TimerKind::Set { var, value });
    }

    fn exited(&mut self, pc: u32) {
        if let Some(rule) = self.current {
            self.host.trace(TraceEvent::Exited { rule, pc });
        }
    }
}

impl<const QUEUE: usize, const TIMERS: usize, const RULES: usize, const SLOTS: usize, E, H>
    RuleRun<'_, '_, QUEUE, TIMERS, RULES, SLOTS, E, H>
where
    E: BlockEngine,
    H: Host,
{
    /// A delayed action, traced as the interpreter traces it.
    fn schedule(&mut self, delay: i64, timer: TimerKind) {
        if let Some(rule) = self.current {
            self.rt.schedule_traced(rule, delay, timer, self.host);
        }
    }
}

/// The first `argc` arguments, the rest 0 (as the interpreter builds them).
fn first_args(args: &[i64; MAX_ARGS], argc: u8) -> [i64; MAX_ARGS] {
    let mut out = [0; MAX_ARGS];
    for (o, a) in out.iter_mut().zip(args).take(usize::from(argc)) {
        *o = *a;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stack_keeps_its_order_and_refuses_to_go_past_either_end() {
        let mut below: Below = [0; MAX_STACK];
        let mut s = Stack::new();
        assert_eq!(s.pop(&below), None);
        assert_eq!(s.binary(&below, i64::wrapping_sub), None);
        assert_eq!(s.unary(i64::wrapping_neg), None);
        for v in 1..=MAX_STACK as i64 {
            assert_eq!(s.push(&mut below, v), Some(()));
        }
        assert_eq!(s.push(&mut below, 99), None, "a 17th value overflows");
        // 15 - 16 = -1 on top, 14 values below it.
        assert_eq!(s.binary(&below, i64::wrapping_sub), Some(()));
        assert_eq!(s.unary(i64::wrapping_neg), Some(()));
        assert_eq!(s.pop(&below), Some(1));
        assert_eq!(s.pop_args(&below, 3), Some([12, 13, 14, 0, 0, 0, 0, 0]));
        for v in (1..=11).rev() {
            assert_eq!(s.pop(&below), Some(v));
        }
        assert_eq!(s.pop(&below), None);
        s.push(&mut below, 7);
        assert_eq!(s.binary(&below, i64::wrapping_add), None, "one value is not enough for an operator");
    }
}
