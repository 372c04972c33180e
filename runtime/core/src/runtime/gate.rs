//! The gate, as plain data: when a rule is about to act, its re-trigger mode and rate limit
//! decide whether it may. [`decide`] only reads; the runtime applies what it decided (counters,
//! traces, the waiting trigger, cancelled actions).

use super::layout::ring_len;
use super::rules::RuleState;
use crate::format::{Mode, RateLimit, RunInfo};

/// What the gate decided for a run about to act.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Decision {
    /// The run goes on. `restart`: the rule was busy in `mode restart`, and the delayed actions of
    /// its previous run are dropped. `record`: the rate-limit ring slot this run's time goes in.
    Pass { restart: bool, record: Option<usize> },
    /// `mode single`, busy: the trigger is ignored.
    Busy,
    /// `mode queued`, busy: the trigger waits for the run before it to finish, `replacing` one
    /// that waited already (only the latest waits: it carries the freshest payload).
    Queue { replacing: bool },
    /// `at most N per W`: N runs passed in the last W.
    RateLimited(RateLimit),
}

/// Decides for rule state `state` with run fields `r` at `now`; `slots` holds its rate-limit
/// ring from `state.extra` on.
pub(super) fn decide(state: &RuleState, r: &RunInfo, now: u64, slots: &[i64]) -> Decision {
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
        let count = ring_len(Some(rate));
        let ring = usize::from(state.extra);
        let recent = (0..usize::from(state.fired_len))
            .filter_map(|k| slots.get(ring.saturating_add(k)))
            .filter(|t| now.saturating_sub(**t as u64) < rate.window_ms)
            .count();
        if recent >= usize::from(count) {
            return Decision::RateLimited(rate);
        }
        record = Some(ring.saturating_add(usize::from(state.fired_next)));
    }
    Decision::Pass { restart: busy, record }
}

/// A run of a rate-limited rule passed, its time written in the ring: the ring moves on.
pub(super) fn recorded(state: &mut RuleState, rate: RateLimit) {
    let count = ring_len(Some(rate));
    state.fired_next = state.fired_next.saturating_add(1).checked_rem(count).unwrap_or(0);
    state.fired_len = state.fired_len.saturating_add(1).min(count);
}
