//! The runtime: runs a verified program's rules as events arrive, states change and timers
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
//!
//! The modules form a tree, leaves first: the host face (`host`), the slot layout
//! (`layout`), per-rule state (`rules`), the dispatch order (`order`), sequences
//! (`sequence`), the gate (`gate`), held conditions (`held`) and the clock of periodic rules
//! (`ticks`); the engine seam (`engine`) and the interpreter behind it (`interpreter`); the
//! store a run changes (`store`), the machine that lends it to an engine (`machine`), and here
//! the [`Runtime`] that dispatches stimuli and fires timers.

mod engine;
mod gate;
mod held;
mod host;
mod interpreter;
mod layout;
mod machine;
mod order;
mod rules;
mod sequence;
mod store;
mod ticks;

pub use engine::{BlockEngine, Effects, HeldBlock, Machine, RuleBlock, StepBlock, TriggerValues, event_plan};
pub use host::{Counters, Host, LoadError, Origin, PushError, Stimulus, Value};
pub use interpreter::Interpreter;
pub use layout::SlotLayout;
pub use store::MAX_CASCADE;
pub use ticks::MAX_CATCH_UP;

use self::host::bump;
use self::machine::RuleRun;
use self::order::{DispatchOrder, Key};
use self::rules::RuleState;
use self::store::Store;
use crate::format::{Edge, Kind, RuleInfo, Section, Source, Trigger};
use crate::isa::MAX_ARGS;
use crate::program::Program;
use crate::queue::{Queue, QueueStats};
use crate::timers::{Timer, TimerKind};
use crate::trace::{TraceEvent, TraceTimer};

/// The host of the runtime's own work at load, which emits nothing and traces nothing.
struct Silent;

impl Host for Silent {
    fn emit(&mut self, _: u16, _: &[Value], _: Origin) {}
}

/// RAM a program needs in a runtime sized exactly for it, in bytes (for README figures and for
/// firmware teams choosing capacities). `total` is `size_of` of that `Runtime`, give or take
/// padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RamUsage {
    /// States, variables, held-condition start times, kept fields, rate-limit rings, waiting
    /// triggers and the shared limits' rings (8 bytes each).
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
        let slots = SlotLayout::of(program).total().saturating_mul(size_of::<i64>());
        let per_rule = size_of::<RuleState>().saturating_add(size_of::<u16>()).saturating_add(size_of::<u32>());
        let rules = (program.count(Section::Rules) as usize).saturating_mul(per_rule);
        let timers = usize::from(program.timer_slots()).saturating_mul(size_of::<Option<Timer>>());
        let queue = queue.saturating_mul(size_of::<Stimulus>());
        let fixed = size_of::<Runtime<'_, 0, 0, 0, 0>>();
        let total = slots.saturating_add(rules).saturating_add(timers).saturating_add(queue).saturating_add(fixed);
        RamUsage { slots, rules, timers, queue, fixed, total }
    }
}

/// A loaded program and everything it remembers: one fixed-size value, no allocation, ever.
///
/// Capacities: `QUEUE` stimuli between two `advance_to` calls, `TIMERS` timer slots (at least
/// [`Program::timer_slots`]), `RULES` rules, and `SLOTS` values (states + variables + held
/// conditions). [`RamUsage::of`] says what a program needs; [`Runtime::new`] refuses capacities
/// that are too small.
///
/// `E` runs the code blocks: the built-in [`Interpreter`] by default, or another
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
    store: Store<'p, TIMERS, RULES, SLOTS, E>,
    order: DispatchOrder<RULES>,
    /// The [`RuleState::seq_events`] of every sequence together: an event outside it runs its
    /// rules without looking at the sequences.
    seq_events: u16,
    queue: Queue<Stimulus, QUEUE>,
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
        let layout = SlotLayout::of(program);
        if layout.total() > SLOTS {
            return Err(LoadError::Slots { needed: layout.total(), capacity: SLOTS });
        }
        let timers = usize::from(program.timer_slots());
        if timers > TIMERS {
            return Err(LoadError::Timers { needed: timers, capacity: TIMERS });
        }
        let mut rt = Runtime {
            store: Store::new(program, layout, now_ms, engine),
            order: DispatchOrder::new(rules),
            seq_events: 0,
            queue: Queue::new(Stimulus::State { slot: 0, value: 0 }),
        };
        rt.store.init_values();
        // Each rule's row is decoded once here: its state, its place in the dispatch order and,
        // for `every` and daily rules, the first run.
        let mut extra = layout.extra();
        for i in 0..program.len16(Section::Rules) {
            let Some(r) = program.rule(i) else { continue };
            let state = RuleState::load(program, i, &r, extra);
            if matches!(r.trigger, Trigger::Held { .. }) {
                rt.store.held_rules = rt.store.held_rules.saturating_add(1);
            }
            rt.seq_events |= state.seq_events;
            if let Some(slot) = rt.store.rules.get_mut(usize::from(i)) {
                *slot = state;
            }
            rt.order.place(i, Key::of(&r.trigger));
            extra = extra.saturating_add(layout::extra_slots(&r));
            rt.schedule_tick(i, &r, now_ms);
        }
        rt.order.sort();
        // Held conditions that hold from the start arm their rules now; nothing is traced
        // before the host's first call.
        rt.store.update_held(&mut Silent);
        Ok(rt)
    }

    pub fn now(&self) -> u64 {
        self.store.now
    }

    pub fn program(&self) -> &'p Program<'p> {
        self.store.program
    }

    pub fn counters(&self) -> Counters {
        self.store.counters
    }

    pub fn queue_stats(&self) -> QueueStats {
        self.queue.stats()
    }

    /// Pending timers, and when the next one is due (a host may sleep until then).
    pub fn pending_timers(&self) -> usize {
        self.store.timers.len()
    }

    pub fn next_deadline(&self) -> Option<u64> {
        self.store.timers.next_due()
    }

    /// The current value of variable `i`.
    pub fn var(&self, i: u16) -> Option<i64> {
        self.store.var(i)
    }

    /// The last value the runtime has processed for state `i`.
    pub fn state(&self, i: u16) -> Option<i64> {
        self.store.state(i)
    }

    /// Queues an event with its payload (missing fields are 0; text fields are text indices).
    pub fn push_event(&mut self, event: u16, payload: &[i64]) -> Result<(), PushError> {
        if event >= self.store.program.len16(Section::Events) {
            bump(&mut self.store.counters.unknown);
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
        if slot >= self.store.program.len16(Section::States) {
            bump(&mut self.store.counters.unknown);
            return Err(PushError::Unknown);
        }
        self.queue.push(Stimulus::State { slot, value }).map_err(|_| PushError::Full)
    }

    /// Asks the host for every state and queues the ones that differ from what the runtime has.
    pub fn sync_states(&mut self, host: &mut impl Host) -> Result<(), PushError> {
        for slot in 0..self.store.program.len16(Section::States) {
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
        if var >= self.store.program.len16(Section::Vars) {
            bump(&mut self.store.counters.unknown);
            return Err(PushError::Unknown);
        }
        self.store.write_var(var, value, host);
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
        let target = now_ms.max(self.store.now);
        let mut fired = 0u64;
        while let Some(timer) = self.store.timers.pop_due(target) {
            self.fire_due(timer, target, &mut fired, host);
        }
        self.store.now = target;
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
        self.advance_to(self.store.now, host);
    }

    /// `advance_to(host.now_ms())`: for hosts that own a clock.
    pub fn poll(&mut self, host: &mut impl Host) {
        let now = host.now_ms();
        self.advance_to(now, host);
    }

    /// Runs rule `rule` once (see [`machine::run`]).
    #[inline(always)]
    fn run(&mut self, rule: u16, ctx: &TriggerValues, host: &mut impl Host) {
        machine::run(&mut self.store, rule, ctx, host);
    }

    // ---- stimuli -----------------------------------------------------------------------------

    /// Runs the rules of `event` and moves the sequences along, all in rule-table order (the
    /// two runs of the dispatch order are merged).
    fn dispatch_event(&mut self, event: u16, mut payload: [i64; MAX_ARGS], host: &mut impl Host) {
        let Some(info) = self.store.program.event(event) else { return };
        if info.text_mask != 0 {
            for (i, field) in payload.iter_mut().enumerate() {
                if Kind::of_bit(info.text_mask, i) == Kind::Text {
                    *field = self.store.sanitize_text(*field);
                }
            }
        }
        let ctx = TriggerValues { payload, ..TriggerValues::default() };
        // An engine that plans events ahead runs them in one call; the interpreter does not.
        let engine = self.store.engine;
        if engine.run_event(event, &mut RuleRun { store: &mut self.store, host, current: None, ctx: &ctx }) {
            return;
        }
        let on_event = self.order.triggered_by(Key::Event(event));
        let mut next_on_event = on_event.start;
        if self.seq_events & rules::event_bit(event) == 0 {
            // No sequence takes this event: its own rules, in order, are all there is to run.
            while let Some(rule) = self.order.rule_at(next_on_event, on_event) {
                next_on_event = next_on_event.saturating_add(1);
                self.run(rule, &ctx, host);
            }
            return;
        }
        let sequences = self.order.sequences();
        let mut next_sequence = sequences.start;
        loop {
            // The next rule in table order: the event's next rule or the next sequence.
            let on_event_rule = self.order.rule_at(next_on_event, on_event);
            let (rule, is_sequence) = match (on_event_rule, self.order.rule_at(next_sequence, sequences)) {
                (Some(e), Some(s)) if s < e => (s, true),
                (Some(e), _) => (e, false),
                (None, Some(s)) => (s, true),
                (None, None) => break,
            };
            if is_sequence {
                next_sequence = next_sequence.saturating_add(1);
                if !sequence::completes(&mut self.store, rule, event, &ctx.payload, host) {
                    continue;
                }
            } else {
                next_on_event = next_on_event.saturating_add(1);
            }
            self.run(rule, &ctx, host);
        }
    }

    fn dispatch_state(&mut self, slot: u16, value: i64, host: &mut impl Host) {
        let Some(info) = self.store.program.state(slot) else { return };
        let value = if info.kind == Kind::Text { self.store.sanitize_text(value) } else { value };
        let (Some(at), Some(old)) = (self.store.layout.state(slot), self.state(slot)) else { return };
        if old == value {
            return;
        }
        self.store.set_slot(at, value);
        self.store.update_held(host);
        self.run_watchers(Source::State, slot, old, value, host);
    }

    /// Runs the change-triggered rules watching `index` whose edge matches.
    fn run_watchers(&mut self, source: Source, index: u16, old: i64, new: i64, host: &mut impl Host) {
        let watchers = self.order.triggered_by(Key::Change(source, index));
        let mut pos = watchers.start;
        if self.order.rule_at(pos, watchers).is_none() {
            return;
        }
        let ctx = TriggerValues { old, new, ..TriggerValues::default() };
        while let Some(rule) = self.order.rule_at(pos, watchers) {
            pos = pos.saturating_add(1);
            let Some((edge, value)) = self.store.program.rule_row(rule).and_then(|row| row.change()) else { continue };
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
        while let Some(c) = self.store.cascade.pop() {
            if followed >= MAX_CASCADE {
                bump(&mut self.store.counters.cascade_cut);
                host.trace(TraceEvent::CascadeCut { var: c.var });
                continue;
            }
            followed = followed.saturating_add(1);
            host.trace(TraceEvent::VarChanged { var: c.var, old: c.old, new: c.new });
            self.run_watchers(Source::Var, c.var, c.old, c.new, host);
        }
    }

    // ---- timers ------------------------------------------------------------------------------

    /// Schedules the first run of an `every` or daily rule after `from`.
    fn schedule_tick(&mut self, rule: u16, r: &RuleInfo, from: u64) {
        if let Some(due) = ticks::first_tick(&r.trigger, from) {
            self.store.insert_timer(due, rule, TimerKind::Tick { ticks: 1 });
        }
    }

    /// Fires `timer`, popped by `advance_to(target)` after `fired` others, or first moves a
    /// tick that stands for too many due ones to the last of them (§7.4).
    fn fire_due(&mut self, timer: Timer, target: u64, fired: &mut u64, host: &mut impl Host) {
        let Timer { rule, mut due, kind, .. } = timer;
        let program = self.store.program;
        // At most 65 535 × 1 001: it cannot wrap.
        let late = *fired >= u64::from(program.timer_slots()).wrapping_mul(MAX_CATCH_UP.wrapping_add(1));
        // A tick: its period, and how many due ticks it stands for.
        let mut tick = None;
        if let TimerKind::Tick { mut ticks } = kind {
            let Some(period) = program.rule(rule).and_then(|r| ticks::period(&r.trigger)) else { return };
            // The rule's ticks due by the target after this one, on its phase.
            let more = target.saturating_sub(due).checked_div(period).unwrap_or(0);
            if more > 0 && (more >= MAX_CATCH_UP || late) {
                // `due + more × period` is at most the target: it cannot wrap.
                due = due.wrapping_add(more.wrapping_mul(period));
                ticks = ticks.saturating_add(more);
                if !late {
                    // In due order it waits for its turn, behind the timers due before it.
                    self.store.insert_timer(due, rule, TimerKind::Tick { ticks });
                    return;
                }
            }
            tick = Some((period, ticks));
        }
        *fired = fired.saturating_add(1);
        let what = TraceTimer::of(&kind);
        if late {
            host.trace(TraceEvent::Late { rule, due_ms: due, timer: what });
            self.store.now = target;
        } else {
            self.store.now = self.store.now.max(due);
        }
        host.trace(TraceEvent::TimerFired { rule, due_ms: self.store.now, timer: what });
        match (kind, tick) {
            (TimerKind::Tick { .. }, Some((period, ticks))) => {
                if ticks > 1 {
                    let missed = ticks.wrapping_sub(1);
                    let counters = &mut self.store.counters;
                    counters.ticks_missed = counters.ticks_missed.saturating_add(missed);
                    // `missed × period` is what `due` moved by: it cannot wrap.
                    let first_ms = due.saturating_sub(missed.wrapping_mul(period));
                    host.trace(TraceEvent::CaughtUp { rule, ticks, first_ms });
                }
                // The next tick follows the one due, not the clock: the phase is kept. One past
                // `u64::MAX` never comes (the clock has ended for this rule), and none re-arms
                // at its own time (a period of 0, never on a verified program).
                if let Some(next) = due.checked_add(period).filter(|next| *next > due) {
                    self.store.insert_timer(next, rule, TimerKind::Tick { ticks: 1 });
                }
                self.run(rule, &TriggerValues::default(), host);
            }
            (TimerKind::Emit { action, args }, _) => {
                if let Some(info) = program.action(action) {
                    self.store.emit(rule, action, &info, &args, true, host);
                }
                self.finish_pending(rule, host);
            }
            (TimerKind::Set { var, value }, _) => {
                self.store.write_var(var, value, host);
                self.finish_pending(rule, host);
            }
            (TimerKind::Held, _) => {
                // The timer is dropped when the condition stops holding; checking again keeps a
                // run from ever following a condition that does not hold now.
                if self.store.has_held_for_rule(rule) {
                    self.run(rule, &TriggerValues::default(), host);
                }
            }
            (TimerKind::Window, _) => {
                if sequence::window_ends(&mut self.store, rule, due) {
                    self.run(rule, &TriggerValues::default(), host);
                }
            }
            (TimerKind::Tick { .. }, None) => {}
        }
        self.follow_cascade(host);
    }

    /// A delayed action of `rule` is done; a queued trigger runs once none are left.
    /// The rule's pending count is on the row of its gate, which all its triggers share.
    fn finish_pending(&mut self, rule: u16, host: &mut impl Host) {
        let gate = self.store.gate_of(rule);
        let Some(state) = self.store.rules.get_mut(usize::from(gate)) else { return };
        state.pending = state.pending.saturating_sub(1);
        if state.pending == 0 && core::mem::take(&mut state.queued) {
            let Some(r) = self.store.run_info(gate) else { return };
            let (row, ctx) = self.store.waiting(gate, &r);
            self.run(row, &ctx, host);
        }
    }
}
