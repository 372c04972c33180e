//! Held conditions (`while x for 10 s`): each has one slot holding the time since which its
//! condition has held, re-evaluated whenever a state or variable changes.

/// The start time of a condition that does not hold.
pub(super) const NOT_HOLDING: u64 = u64::MAX;

/// The start time after a re-evaluation: a condition that starts holding remembers `now`, one
/// that goes on holding keeps its start, one that stops forgets it.
#[inline]
pub(super) fn since_after(holds: bool, since: u64, now: u64) -> u64 {
    match (holds, since == NOT_HOLDING) {
        (true, true) => now.min(NOT_HOLDING.saturating_sub(1)),
        (true, false) => since,
        (false, _) => NOT_HOLDING,
    }
}

/// Whether a condition held since `since` has held for `duration_ms` at `now` (`Held b`).
#[inline(always)]
pub(super) fn has_held(since: u64, duration_ms: u64, now: u64) -> bool {
    since != NOT_HOLDING && now.saturating_sub(since) >= duration_ms
}
