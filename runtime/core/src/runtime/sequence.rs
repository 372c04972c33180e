//! Sequence triggers (`on a then b within 2 s`, `on a then no b within 5 s`): how an event moves
//! a sequence along, what its steps keep, and the end of the window of one that ends in an
//! absence.
//!
//! A sequence remembers how many steps it has taken and when the first was taken (in its
//! [`RuleState`](super::rules::RuleState)), and the payload fields its steps keep (in its kept
//! slots, [`SlotLayout::kept`](super::layout::SlotLayout::kept)): fixed memory per rule,
//! sized by the program.

use super::engine::{BlockEngine, StepBlock, TriggerValues};
use super::host::Host;
use super::interpreter::Pure;
use super::store::Store;
use crate::format::{MAX_SEQUENCE, SEQUENCE_ENDS_ABSENT, StepInfo};
use crate::isa::MAX_ARGS;
use crate::timers::TimerKind;
use crate::trace::TraceEvent;

/// Moves sequence rule `rule` along with `event` (whose payload is `payload`); true when the
/// event completes it. An event that is not the next one expected leaves the sequence as it is,
/// except the first event of the sequence, which starts it over; a sequence whose window ran out
/// starts over too. An event not in the sequence passes it by without reading its row.
pub(super) fn completes<const TIMERS: usize, const RULES: usize, const SLOTS: usize, E: BlockEngine>(
    store: &mut Store<'_, TIMERS, RULES, SLOTS, E>,
    rule: u16,
    event: u16,
    payload: &[i64; MAX_ARGS],
    host: &mut impl Host,
) -> bool {
    let Some(state) = store.rules.get(usize::from(rule)) else { return false };
    if !state.takes(event) {
        return false;
    }
    let Some((events, len, within, first, features)) = store.program.rule_row(rule).map(|row| row.sequence()) else {
        return false;
    };
    if features == 0 {
        return plain(store, rule, event, &events, len, within, host);
    }
    let (mut progress, mut start) = (usize::from(state.seq_progress), state.seq_start);
    let len = usize::from(len).min(MAX_SEQUENCE);
    let Some(last) = len.checked_sub(1) else { return false };
    let step = |k: usize| store.program.step(first.saturating_add(k as u16));
    let ends_absent = features & SEQUENCE_ENDS_ABSENT != 0;
    if progress > 0 && store.now.saturating_sub(start) > within {
        progress = 0;
    }
    let is = |k: usize| events.get(k) == Some(&event);
    // The event the last step says must not come: the sequence starts over (and this event
    // may start it again below).
    if ends_absent && progress == last && is(last) && passes(store, rule, first, last, payload, host) {
        progress = 0;
        store.timers.cancel(rule, TimerKind::Window);
        host.trace(TraceEvent::SequenceCancelled { rule });
    }
    let takes_next =
        is(progress) && !(ends_absent && progress == last) && passes(store, rule, first, progress, payload, host);
    let taken = if takes_next {
        Some(progress)
    } else if progress > 0 && is(0) && passes(store, rule, first, 0, payload, host) {
        Some(0)
    } else {
        None
    };
    let mut done = false;
    if let Some(k) = taken {
        if let Some(s) = step(k) {
            keep(store, &s, payload);
        }
        if k == 0 {
            start = store.now;
            store.timers.cancel(rule, TimerKind::Window);
        }
        progress = k.saturating_add(1);
        if progress == len {
            progress = 0;
            done = true;
        } else if ends_absent && progress == last {
            // Now only the window's end is missing. A window past the end of time never ends.
            if let Some(due) = start.checked_add(within) {
                store.insert_timer(due, rule, TimerKind::Window);
            }
        }
    }
    if let Some(state) = store.rules.get_mut(usize::from(rule)) {
        state.seq_progress = progress as u8;
        state.seq_start = start;
    }
    if !done && events.iter().take(len).any(|e| *e == event) {
        host.trace(TraceEvent::SequenceStep { rule, seen: progress as u8, len: len as u8 });
    }
    done
}

/// [`completes`] for a sequence whose steps neither filter nor keep, and which ends on an
/// event: its row is all it reads.
#[inline(always)]
fn plain<const TIMERS: usize, const RULES: usize, const SLOTS: usize, E: BlockEngine>(
    store: &mut Store<'_, TIMERS, RULES, SLOTS, E>,
    rule: u16,
    event: u16,
    events: &[u16; MAX_SEQUENCE],
    len: u8,
    within: u64,
    host: &mut impl Host,
) -> bool {
    let now = store.now;
    let Some(state) = store.rules.get_mut(usize::from(rule)) else { return false };
    if state.seq_progress > 0 && now.saturating_sub(state.seq_start) > within {
        state.seq_progress = 0;
    }
    if events.get(usize::from(state.seq_progress)) == Some(&event) {
        if state.seq_progress == 0 {
            state.seq_start = now;
        }
        state.seq_progress = state.seq_progress.saturating_add(1);
        if state.seq_progress >= len {
            state.seq_progress = 0;
            return true;
        }
    } else if events.first() == Some(&event) {
        state.seq_progress = 1;
        state.seq_start = now;
    }
    if events.iter().take(usize::from(len)).any(|e| *e == event) {
        host.trace(TraceEvent::SequenceStep { rule, seen: state.seq_progress, len });
    }
    false
}

/// The window of sequence rule `rule`, which ends in an absence, ended at `due`: true when the
/// sequence completes, having waited for nothing but this. A window timer of a sequence that
/// started over since is dropped when it starts over; checking its time again keeps one that
/// was not from ever completing the wrong window.
pub(super) fn window_ends<const TIMERS: usize, const RULES: usize, const SLOTS: usize, E: BlockEngine>(
    store: &mut Store<'_, TIMERS, RULES, SLOTS, E>,
    rule: u16,
    due: u64,
) -> bool {
    let Some((_, len, within, ..)) = store.program.rule_row(rule).map(|row| row.sequence()) else { return false };
    let Some(state) = store.rules.get_mut(usize::from(rule)) else { return false };
    let waiting = usize::from(state.seq_progress) == usize::from(len).saturating_sub(1) && state.seq_progress > 0;
    if !waiting || state.seq_start.checked_add(within) != Some(due) {
        return false;
    }
    state.seq_progress = 0;
    true
}

/// Whether step `k` of the sequence whose steps start at `first` takes an event with
/// `payload`: it has no filter, or its filter is true. A filter that goes wrong (never on a
/// verified program) is false.
fn passes<const TIMERS: usize, const RULES: usize, const SLOTS: usize, E: BlockEngine>(
    store: &Store<'_, TIMERS, RULES, SLOTS, E>,
    rule: u16,
    first: u16,
    k: usize,
    payload: &[i64; MAX_ARGS],
    host: &dyn Host,
) -> bool {
    let index = first.saturating_add(k as u16);
    let Some(step) = store.program.step(index) else { return false };
    if step.code_len == 0 {
        return true;
    }
    let block =
        StepBlock { rule, step: index, program: store.program, code_start: step.code_start, code_len: step.code_len };
    let ctx = TriggerValues { payload: *payload, ..TriggerValues::default() };
    let mut m = Pure {
        slots: &store.slots,
        layout: &store.layout,
        program: store.program,
        now: store.now,
        ctx: &ctx,
        host: Some(host),
    };
    store.engine.eval_step(&block, &mut m).is_some_and(|v| v != 0)
}

/// Copies the fields step `s` keeps from `payload` into its kept slots.
fn keep<const TIMERS: usize, const RULES: usize, const SLOTS: usize, E: BlockEngine>(
    store: &mut Store<'_, TIMERS, RULES, SLOTS, E>,
    s: &StepInfo,
    payload: &[i64; MAX_ARGS],
) {
    let mut at = s.kept_at;
    for (field, value) in payload.iter().enumerate() {
        if s.keep & (1 << field) != 0 {
            if let Some(slot) = store.layout.kept(at) {
                store.set_slot(slot, *value);
            }
            at = at.saturating_add(1);
        }
    }
}
