//! The gate, as plain data: when a rule is about to act, its re-trigger mode, its rate limit and
//! the shared limit it counts against decide whether it may. [`decide`] only reads; the runtime
//! applies what it decided (counters, traces, the waiting trigger, cancelled actions, the run
//! times recorded).

use super::layout::ring_len;
use super::rules::RuleState;
use crate::format::{LimitInfo, Mode, RateLimit, RunInfo};

/// What the gate decided for a run about to act.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Decision {
    /// The run goes on. `restart`: the rule was busy in `mode restart`, and the delayed actions of
    /// its previous run are dropped. `record`: the rate-limit ring slot this run's time goes in
    /// (the shared limit's, if any, is [`record_shared`]'s).
    Pass { restart: bool, record: Option<usize> },
    /// `mode single`, busy: the trigger is ignored.
    Busy,
    /// `mode queued`, busy: the trigger waits for the run before it to finish, `replacing` one
    /// that waited already (only the latest waits: it carries the freshest payload).
    Queue { replacing: bool },
    /// `at most N per W`: N runs passed in the last W, counted by the rule's own limit
    /// (`shared: None`) or by shared limit `shared`.
    RateLimited { rate: RateLimit, shared: Option<u16> },
}

/// The shared limit a rule counts against (`limit reminders`), as its gate reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SharedLimit {
    pub(super) index: u16,
    pub(super) rate: RateLimit,
    /// Its ring: a state slot (the next slot to write, and how many are written), then the
    /// times of the last `count` runs that counted against it.
    pub(super) ring: usize,
}

impl SharedLimit {
    pub(super) fn new(index: u16, info: LimitInfo, ring: usize) -> Self {
        SharedLimit { index, rate: RateLimit { count: info.count, window_ms: info.window_ms }, ring }
    }

    /// The next ring slot to write and how many are written, from the state slot.
    fn state(&self, slots: &[i64]) -> (u8, u8) {
        let [next, len, ..] = slots.get(self.ring).copied().unwrap_or(0).to_le_bytes();
        (next, len)
    }

    fn times(&self) -> usize {
        self.ring.saturating_add(1)
    }
}

/// Decides for rule state `state` with run fields `r` at `now`; `slots` holds its rate-limit
/// ring from `state.extra` on, and the ring of `shared`, the shared limit it counts against.
/// The order: the mode (a busy rule uses nothing up), the rule's own limit, the shared one.
pub(super) fn decide(
    state: &RuleState,
    r: &RunInfo,
    now: u64,
    slots: &[i64],
    shared: Option<&SharedLimit>,
) -> Decision {
    let busy = state.pending > 0;
    if busy {
        match r.mode {
            Mode::Single => return Decision::Busy,
            Mode::Queued => return Decision::Queue { replacing: state.queued },
            Mode::Restart => {}
        }
    }
    let mut record = None;
    if let Some(rate) = r.rate {
        // The ring holds the times of the last `count` runs that passed.
        let ring = usize::from(state.extra);
        if full(slots, ring, state.fired_len, rate, now) {
            return Decision::RateLimited { rate, shared: None };
        }
        record = Some(ring.saturating_add(usize::from(state.fired_next)));
    }
    if let Some(l) = shared
        && full(slots, l.times(), l.state(slots).1, l.rate, now)
    {
        return Decision::RateLimited { rate: l.rate, shared: Some(l.index) };
    }
    Decision::Pass { restart: busy, record }
}

/// Whether `count` of the `len` run times from slot `ring` on are less than the window old.
fn full(slots: &[i64], ring: usize, len: u8, rate: RateLimit, now: u64) -> bool {
    let recent = (0..usize::from(len))
        .filter_map(|k| slots.get(ring.saturating_add(k)))
        .filter(|t| now.saturating_sub(**t as u64) < rate.window_ms)
        .count();
    recent >= usize::from(ring_len(Some(rate)))
}

/// The next slot and the written count of a ring of `count` after one more run.
fn advance(next: u8, len: u8, count: u8) -> (u8, u8) {
    (next.saturating_add(1).checked_rem(count).unwrap_or(0), len.saturating_add(1).min(count))
}

/// A run of a rate-limited rule passed, its time written in the ring: the ring moves on.
pub(super) fn recorded(state: &mut RuleState, rate: RateLimit) {
    (state.fired_next, state.fired_len) = advance(state.fired_next, state.fired_len, ring_len(Some(rate)));
}

/// A run counting against shared limit `l` passed at `now`: its time replaces the oldest in
/// the ring.
pub(super) fn record_shared(slots: &mut [i64], l: &SharedLimit, now: u64) {
    let count = ring_len(Some(l.rate));
    // `next` is below `count`: only this function writes the state slot.
    let (next, len) = l.state(slots);
    if let Some(t) = slots.get_mut(l.times().saturating_add(usize::from(next))) {
        *t = now as i64;
    }
    let (next, len) = advance(next, len, count);
    if let Some(s) = slots.get_mut(l.ring) {
        *s = i64::from_le_bytes([next, len, 0, 0, 0, 0, 0, 0]);
    }
}
