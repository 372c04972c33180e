//! The machine the runtime lends an engine for rule runs: [`RuleRun`] puts the store, the host,
//! the rule running now and its trigger behind [`Machine`], and [`run`] runs one rule through it.

use super::engine::{BlockEngine, Effects, Machine, RuleBlock, TriggerValues};
use super::host::Host;
use super::layout::SlotLayout;
use super::sequence;
use super::store::Store;
use crate::format::HOST_TEXT_BASE;
use crate::isa::MAX_ARGS;
use crate::program::Program;
use crate::timers::TimerKind;
use crate::trace::TraceEvent;

/// Runs rule `rule` once with the values its trigger gave. Never more than its bound of
/// instructions; a run that goes wrong is counted as a fault.
pub(super) fn run<const TIMERS: usize, const RULES: usize, const SLOTS: usize, E: BlockEngine>(
    store: &mut Store<'_, TIMERS, RULES, SLOTS, E>,
    rule: u16,
    ctx: &TriggerValues,
    host: &mut impl Host,
) {
    // A rule whose run fields cannot be read is not run (never on a verified program).
    let Some(s) = store.rules.get(usize::from(rule)) else { return };
    if s.run_info(store.program, rule).is_none() {
        return;
    }
    let (code_start, code_len, bound, guard) = (s.code_start, s.code_len, s.bound, s.guard);
    let block = RuleBlock { rule, program: store.program, code_start, code_len, bound, guard };
    host.trace(TraceEvent::RuleConsidered { rule });
    let engine = store.engine;
    let mut m = RuleRun { store, host, current: Some(rule), ctx };
    if engine.run_rule(&block, &mut m).is_none() {
        m.fault();
    }
}

/// The [`Machine`] of the rule runs of one stimulus: the store, the host, the rule running now
/// and what its trigger gave.
pub(super) struct RuleRun<'r, 'p, const TIMERS: usize, const RULES: usize, const SLOTS: usize, E, H>
where
    E: BlockEngine,
    H: Host,
{
    pub(super) store: &'r mut Store<'p, TIMERS, RULES, SLOTS, E>,
    pub(super) host: &'r mut H,
    /// The rule running now.
    pub(super) current: Option<u16>,
    pub(super) ctx: &'r TriggerValues,
}

impl<const TIMERS: usize, const RULES: usize, const SLOTS: usize, E, H> Effects
    for RuleRun<'_, '_, TIMERS, RULES, SLOTS, E, H>
where
    E: BlockEngine,
    H: Host,
{
    #[inline(always)]
    fn slots(&self) -> &[i64] {
        &self.store.slots
    }

    #[inline(always)]
    fn program(&self) -> &Program<'_> {
        self.store.program
    }

    #[inline(always)]
    fn layout(&self) -> &SlotLayout {
        &self.store.layout
    }

    #[inline(always)]
    fn now(&self) -> u64 {
        self.store.now
    }

    #[inline(always)]
    fn trigger(&self) -> &TriggerValues {
        self.ctx
    }

    #[inline(always)]
    fn gate(&mut self) -> bool {
        let Some(rule) = self.current else { return false };
        self.store.gate(rule, self.ctx, self.host)
    }

    fn emit(&mut self, action: u16, args: &[i64; MAX_ARGS]) -> bool {
        // `Store::emit` reads only the first `argc` arguments.
        if let (Some(rule), Some(info)) = (self.current, self.store.program.action(action)) {
            self.store.emit(rule, action, &info, args, false, self.host);
        }
        true
    }

    fn emit_after(&mut self, action: u16, args: &[i64; MAX_ARGS], delay: i64) -> bool {
        if let Some(info) = self.store.program.action(action) {
            self.schedule(delay, TimerKind::Emit { action, args: first_args(args, info.argc) });
        }
        true
    }

    fn set(&mut self, var: u16, value: i64) -> bool {
        if let Some(rule) = self.current {
            self.store.write_var(var, value, self.host);
            self.host.trace(TraceEvent::Set { rule, var, value });
        }
        true
    }

    fn set_after(&mut self, var: u16, value: i64, delay: i64) -> bool {
        self.schedule(delay, TimerKind::Set { var, value });
        true
    }

    fn exited(&mut self, pc: u32) {
        if let Some(rule) = self.current {
            self.host.trace(TraceEvent::Exited { rule, pc });
        }
    }

    fn text(&self, value: i64) -> Option<&str> {
        match u16::try_from(value) {
            Ok(index) => self.store.program.text(index),
            Err(_) => self.host.host_text(u32::try_from(value.checked_sub(HOST_TEXT_BASE)?).ok()?),
        }
    }
}

impl<const TIMERS: usize, const RULES: usize, const SLOTS: usize, E, H> Machine
    for RuleRun<'_, '_, TIMERS, RULES, SLOTS, E, H>
where
    E: BlockEngine,
    H: Host,
{
    fn begin(&mut self, rule: u16) -> bool {
        // As dispatch does: a rule runs if what its run needs can be read.
        self.current = self.store.run_info(rule).map(|_| rule);
        if self.current.is_some() {
            self.host.trace(TraceEvent::RuleConsidered { rule });
        }
        self.current.is_some()
    }

    fn sequence_completes(&mut self, rule: u16, event: u16) -> bool {
        sequence::completes(self.store, rule, event, &self.ctx.payload, self.host)
    }

    fn fault(&mut self) {
        if let Some(rule) = self.current {
            self.store.fault(rule, self.host);
        }
    }
}

impl<const TIMERS: usize, const RULES: usize, const SLOTS: usize, E, H> RuleRun<'_, '_, TIMERS, RULES, SLOTS, E, H>
where
    E: BlockEngine,
    H: Host,
{
    /// A delayed action of the rule running now.
    fn schedule(&mut self, delay: i64, timer: TimerKind) {
        if let Some(rule) = self.current {
            self.store.schedule_delayed(rule, delay, timer, self.host);
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
