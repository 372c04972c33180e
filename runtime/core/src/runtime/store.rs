//! The store: everything a rule run reads and changes (the clock, the value slots, per-rule
//! state, timers, the cascade buffer and the counters), with the effects of the instructions
//! that act (a variable set, an action emitted or delayed, the gate applied). It knows nothing of
//! dispatch; runs reach it through [`RuleRun`](super::machine::RuleRun).

use super::engine::{BlockEngine, HeldBlock, TriggerValues};
use super::gate::{self, Decision, SharedLimit};
use super::held::{NOT_HOLDING, has_held, since_after};
use super::host::{Counters, Host, Origin, Value, bump};
use super::layout::{SlotLayout, ring_len};
use super::rules::RuleState;
use crate::format::{ActionInfo, HOST_TEXT_BASE, Kind, Mode, NO_TEXT, RunInfo, Section};
use crate::isa::MAX_ARGS;
use crate::program::Program;
use crate::queue::Queue;
use crate::timers::{TimerKind, TimerList};
use crate::trace::{TraceEvent, TraceTimer};

/// Variable changes followed per stimulus (a `set` that triggers a rule that sets ...).
pub const MAX_CASCADE: usize = 16;

/// A variable change, waiting for the rules that watch the variable.
#[derive(Clone, Copy, Debug)]
pub(super) struct Change {
    pub(super) var: u16,
    pub(super) old: i64,
    pub(super) new: i64,
}

pub(super) struct Store<'p, const TIMERS: usize, const RULES: usize, const SLOTS: usize, E: BlockEngine> {
    pub(super) program: &'p Program<'p>,
    /// Runs the blocks; the store asks it for held conditions.
    pub(super) engine: E,
    pub(super) now: u64,
    pub(super) layout: SlotLayout,
    pub(super) slots: [i64; SLOTS],
    pub(super) rules: [RuleState; RULES],
    pub(super) timers: TimerList<TIMERS>,
    pub(super) cascade: Queue<Change, MAX_CASCADE>,
    pub(super) counters: Counters,
    /// Rules with a held trigger: when none, a held condition that starts or stops holding
    /// looks for no rule to arm.
    pub(super) held_rules: u16,
}

impl<'p, const TIMERS: usize, const RULES: usize, const SLOTS: usize, E: BlockEngine>
    Store<'p, TIMERS, RULES, SLOTS, E>
{
    /// The store of `program` at `now`, every slot 0 and every rule idle: the runtime then gives
    /// the variables and held conditions their first values ([`Store::init_values`]) and loads
    /// the rules. A plain value, so that it is built in place inside the `Runtime`: one built
    /// and filled here, then moved, cost a copy of every slot and rule state at each load.
    #[inline(always)]
    pub(super) fn new(program: &'p Program<'p>, layout: SlotLayout, now: u64, engine: E) -> Self {
        Store {
            program,
            engine,
            now,
            layout,
            slots: [0; SLOTS],
            rules: [RuleState::IDLE; RULES],
            timers: TimerList::new(),
            cascade: Queue::new(Change { var: 0, old: 0, new: 0 }),
            counters: Counters::default(),
            held_rules: 0,
        }
    }

    /// Variables at their first values, no held condition holding.
    pub(super) fn init_values(&mut self) {
        for i in 0..self.program.len16(Section::Vars) {
            if let (Some(v), Some(at)) = (self.program.var(i), self.layout.var(i)) {
                self.set_slot(at, v.init);
            }
        }
        for i in 0..self.program.len16(Section::Held) {
            if let Some(at) = self.layout.held(i) {
                self.set_slot(at, NOT_HOLDING as i64);
            }
        }
    }

    #[inline(always)]
    pub(super) fn slot(&self, i: usize) -> Option<i64> {
        self.slots.get(i).copied()
    }

    #[inline(always)]
    pub(super) fn set_slot(&mut self, i: usize, v: i64) {
        if let Some(s) = self.slots.get_mut(i) {
            *s = v;
        }
    }

    /// The current value of variable `i`.
    #[inline(always)]
    pub(super) fn var(&self, i: u16) -> Option<i64> {
        self.slot(self.layout.var(i)?)
    }

    /// The last value the runtime has processed for state `i`.
    #[inline(always)]
    pub(super) fn state(&self, i: u16) -> Option<i64> {
        self.slot(self.layout.state(i)?)
    }

    /// What running rule `rule` needs.
    #[inline]
    pub(super) fn run_info(&self, rule: u16) -> Option<RunInfo> {
        self.rules.get(usize::from(rule))?.run_info(self.program, rule)
    }

    /// A text from outside (a payload field or a text state) is a text of the pack or a host
    /// handle; anything else becomes `NO_TEXT`, so every text the host gets back is valid.
    pub(super) fn sanitize_text(&self, v: i64) -> i64 {
        let pack = 0..i64::from(self.program.len16(Section::Texts));
        let host = HOST_TEXT_BASE..=HOST_TEXT_BASE.saturating_add(i64::from(u32::MAX));
        if pack.contains(&v) || host.contains(&v) { v } else { i64::from(NO_TEXT) }
    }

    // ---- variables and held conditions -------------------------------------------------------

    /// Sets a variable, clamped to its range; a change is queued for the rules that watch it.
    #[inline(never)]
    pub(super) fn write_var(&mut self, var: u16, value: i64, host: &mut impl Host) {
        let Some(info) = self.program.var(var) else { return };
        // Not `clamp`, which panics if `min > max` (the verifier refuses that, but the
        // runtime does not rely on it).
        let value = value.min(info.max).max(info.min);
        let (Some(at), Some(old)) = (self.layout.var(var), self.var(var)) else { return };
        if old == value {
            return;
        }
        self.set_slot(at, value);
        self.update_held(host);
        if self.cascade.push(Change { var, old, new: value }).is_err() {
            bump(&mut self.counters.cascade_cut);
        }
    }

    /// Re-evaluates every held condition after a state or variable changed. Inlined: out of line
    /// (as it went once it took the host) every change paid a call, even with no held condition.
    #[inline(always)]
    pub(super) fn update_held(&mut self, host: &mut impl Host) {
        for i in 0..self.program.len16(Section::Held) {
            let (Some(h), Some(at)) = (self.program.held(i), self.layout.held(i)) else { continue };
            let block = HeldBlock {
                held: i,
                program: self.program,
                layout: self.layout,
                code_start: h.code_start,
                code_len: h.code_len,
            };
            let holds = self.engine.eval_held(&block, &self.slots).is_some_and(|v| v != 0);
            let since = self.slot(at).map_or(NOT_HOLDING, |v| v as u64);
            let after = since_after(holds, since, self.now);
            self.set_slot(at, after as i64);
            if self.held_rules > 0 && (after == NOT_HOLDING) != (since == NOT_HOLDING) {
                self.arm_held_rules(i, after, h.duration_ms, host);
            }
        }
    }

    /// Held condition `held` started holding (`since` is when) or stopped (`NOT_HOLDING`): the
    /// rules it triggers get a timer for when it will have held for `duration_ms`, or lose it.
    /// Rare (a condition's start or end, in a program with held rules), so the rule table is
    /// searched rather than indexed.
    #[cold]
    #[inline(never)]
    fn arm_held_rules(&mut self, held: u16, since: u64, duration_ms: u64, host: &mut impl Host) {
        for rule in 0..self.program.len16(Section::Rules) {
            if self.program.rule_row(rule).and_then(|row| row.held()) != Some(held) {
                continue;
            }
            if self.timers.cancel(rule, TimerKind::Held) {
                host.trace(TraceEvent::HeldBroken { rule });
            }
            // A time past `u64::MAX` never comes.
            if since != NOT_HOLDING
                && let Some(due_ms) = since.checked_add(duration_ms)
                && self.insert_timer(due_ms, rule, TimerKind::Held)
            {
                host.trace(TraceEvent::Scheduled { rule, due_ms, timer: TraceTimer::Held });
            }
        }
    }

    /// Whether held rule `rule`'s condition has held for its duration now.
    pub(super) fn has_held_for_rule(&self, rule: u16) -> bool {
        let Some(held) = self.program.rule_row(rule).and_then(|row| row.held()) else { return false };
        let (Some(h), Some(at)) = (self.program.held(held), self.layout.held(held)) else { return false };
        let since = self.slot(at).map_or(NOT_HOLDING, |v| v as u64);
        has_held(since, h.duration_ms, self.now)
    }

    // ---- actions and timers ------------------------------------------------------------------

    /// Hands an action to the host, its text arguments checked (`info` is the action's entry).
    #[inline(never)]
    pub(super) fn emit(
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

    /// Schedules a timer; a full list is counted (never on a verified program).
    pub(super) fn insert_timer(&mut self, due: u64, rule: u16, kind: TimerKind) -> bool {
        let inserted = self.timers.insert(due, rule, kind);
        if !inserted {
            bump(&mut self.counters.timers_dropped);
        }
        inserted
    }

    /// Schedules a delayed action of `rule` and traces it. Out of line: it is rare, and inlined
    /// into the interpreter it made every run pay for setting up the timer search.
    #[inline(never)]
    pub(super) fn schedule_delayed(&mut self, rule: u16, delay: i64, timer: TimerKind, host: &mut impl Host) {
        // A delay below 1 ms is 1 ms: a delayed action never runs inside the run that made it.
        // A time past `u64::MAX` never comes: it is not scheduled, and the rule is not busy.
        let Some(due_ms) = self.now.checked_add(u64::try_from(delay).unwrap_or(0).max(1)) else { return };
        if self.insert_timer(due_ms, rule, timer) {
            let gate = self.gate_of(rule);
            if let Some(s) = self.rules.get_mut(usize::from(gate)) {
                s.pending = s.pending.saturating_add(1);
            }
            host.trace(TraceEvent::Scheduled { rule, due_ms, timer: TraceTimer::of(&timer) });
        }
    }

    // ---- the gate ----------------------------------------------------------------------------

    /// The rule is about to act: its re-trigger mode, its rate limit and its shared limit decide
    /// whether it may.
    #[inline(always)]
    pub(super) fn gate(&mut self, rule: u16, ctx: &TriggerValues, host: &mut impl Host) -> bool {
        // Most runs find the rule idle, without a rate limit or a shared one and with a gate of
        // its own: they pass at once.
        let Some(state) = self.rules.get(usize::from(rule)) else { return false };
        if state.pending == 0 && state.gating == 0 {
            return self.fired(rule, host);
        }
        self.gate_busy_or_limited(rule, ctx, host)
    }

    #[inline(always)]
    fn fired(&mut self, rule: u16, host: &mut impl Host) -> bool {
        bump(&mut self.counters.runs);
        host.trace(TraceEvent::Fired { rule });
        true
    }

    /// The row whose gate `rule` uses: its own, or its rule's first row (`on a or b`).
    #[inline]
    pub(super) fn gate_of(&self, rule: u16) -> u16 {
        self.rules.get(usize::from(rule)).map_or(rule, |s| rule.saturating_sub(s.gate_back()))
    }

    /// The gate of `rule`, kept on row `gate` (the state of every trigger of the rule): the
    /// traces name the row that was triggered.
    #[inline(never)]
    fn gate_busy_or_limited(&mut self, rule: u16, ctx: &TriggerValues, host: &mut impl Host) -> bool {
        let gate = self.gate_of(rule);
        let (Some(state), Some(r)) = (self.rules.get(usize::from(gate)), self.run_info(gate)) else { return false };
        let r = &r;
        // The rule's triggers count against its first row's shared limit.
        let shared = if state.has_shared_limit() { self.shared_limit(gate) } else { None };
        match gate::decide(state, r, self.now, &self.slots, shared.as_ref()) {
            Decision::Busy => {
                bump(&mut self.counters.busy_ignored);
                host.trace(TraceEvent::Busy { rule, mode: Mode::Single });
                false
            }
            Decision::Queue { replacing } => {
                if replacing {
                    bump(&mut self.counters.busy_ignored);
                    host.trace(TraceEvent::Busy { rule, mode: Mode::Queued });
                }
                self.keep_waiting(gate, rule, r, ctx);
                if let Some(s) = self.rules.get_mut(usize::from(gate)) {
                    s.queued = true;
                }
                bump(&mut self.counters.queued);
                host.trace(TraceEvent::Queued { rule });
                false
            }
            Decision::RateLimited { rate, shared } => {
                bump(&mut self.counters.rate_limited);
                host.trace(TraceEvent::RateLimited { rule, count: rate.count, window_ms: rate.window_ms, shared });
                false
            }
            Decision::Pass { restart, record } => {
                // Only a run that passes both limits is recorded, in both rings.
                if let (Some(at), Some(rate)) = (record, r.rate) {
                    self.set_slot(at, self.now as i64);
                    if let Some(s) = self.rules.get_mut(usize::from(gate)) {
                        gate::recorded(s, rate);
                    }
                }
                if let Some(l) = &shared {
                    gate::record_shared(&mut self.slots, l, self.now);
                }
                if restart {
                    // Mode::Restart: the pending actions of the previous run, whichever
                    // trigger of the rule it came from, are dropped.
                    let n = self.cancel_delayed_of_gate(gate);
                    self.counters.cancelled = self.counters.cancelled.saturating_add(u32::from(n));
                    host.trace(TraceEvent::Restarted { rule, cancelled: n });
                    if let Some(state) = self.rules.get_mut(usize::from(gate)) {
                        state.pending = 0;
                    }
                }
                self.fired(rule, host)
            }
        }
    }

    /// The shared limit row `gate` counts against, and where its ring is.
    fn shared_limit(&self, gate: u16) -> Option<SharedLimit> {
        let index = self.program.rule_row(gate)?.shared_limit()?;
        let (ring, info) = self.layout.limit(self.program, index)?;
        Some(SharedLimit::new(index, info, ring))
    }

    /// Cancels the delayed actions of every row that uses gate `gate` (the rule's triggers are
    /// its first row and the rows right after it).
    fn cancel_delayed_of_gate(&mut self, gate: u16) -> u16 {
        let mut n = self.timers.cancel_delayed(gate);
        let mut row = gate.saturating_add(1);
        // A row past `gate` with `gate_of(row) == gate` shares it; the first that does not ends
        // the rule's rows.
        while row != gate && self.gate_of(row) == gate {
            n = n.saturating_add(self.timers.cancel_delayed(row));
            row = row.saturating_add(1);
        }
        n
    }

    // ---- the waiting trigger of `mode queued` ------------------------------------------------

    /// Where a rule's waiting trigger is kept: after its rate-limit ring.
    fn context_base(&self, rule: u16, r: &RunInfo) -> usize {
        let ring = usize::from(ring_len(r.rate));
        self.rules.get(usize::from(rule)).map_or(usize::MAX, |s| usize::from(s.extra)).saturating_add(ring)
    }

    /// Keeps trigger `ctx` of row `rule` waiting in the slots of gate `gate`.
    fn keep_waiting(&mut self, gate: u16, rule: u16, r: &RunInfo, ctx: &TriggerValues) {
        let base = self.context_base(gate, r);
        let row = i64::from(rule);
        let values = ctx.payload.iter().chain([&ctx.old, &ctx.new, &row]);
        for (i, v) in values.enumerate() {
            self.set_slot(base.saturating_add(i), *v);
        }
    }

    /// The trigger waiting at gate `gate`, and the row it came to.
    pub(super) fn waiting(&self, gate: u16, r: &RunInfo) -> (u16, TriggerValues) {
        let base = self.context_base(gate, r);
        let mut ctx = TriggerValues::default();
        for (i, v) in ctx.payload.iter_mut().enumerate() {
            *v = self.slot(base.saturating_add(i)).unwrap_or(0);
        }
        ctx.old = self.slot(base.saturating_add(MAX_ARGS)).unwrap_or(0);
        ctx.new = self.slot(base.saturating_add(MAX_ARGS + 1)).unwrap_or(0);
        let row = self.slot(base.saturating_add(MAX_ARGS + 2)).and_then(|v| u16::try_from(v).ok()).unwrap_or(gate);
        // Only a row of this gate may run from it.
        let row = if self.gate_of(row) == gate { row } else { gate };
        (row, ctx)
    }

    /// A run of `rule` went wrong (never on a verified program).
    pub(super) fn fault(&mut self, rule: u16, host: &mut impl Host) {
        bump(&mut self.counters.faults);
        host.trace(TraceEvent::Fault { rule });
    }
}
