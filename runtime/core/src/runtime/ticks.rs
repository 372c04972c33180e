//! The clock arithmetic of `every` and daily rules: when the first tick comes, and the period
//! between ticks. Firing them is the runtime's (`Runtime::fire_due`).

use crate::format::Trigger;

/// Ticks of one `every` or daily rule that one `advance_to` replays one by one; when more are
/// due (the device slept, the clock jumped), the rule runs once for all of them, at the last
/// due time, and its next tick stays on its phase (spec/bytecode.md §7.4). A thousand runs of
/// a rule cost at most about a million instructions (a few ms on the glasses), and every
/// example pack's tests replay far fewer (60 at most: `every 10 s` over ten minutes).
pub const MAX_CATCH_UP: u64 = 1_000;

pub(super) const MS_PER_MINUTE: u64 = 60_000;
const MS_PER_DAY: u64 = 86_400_000;

/// The time between two ticks of a periodic rule (`None` for other triggers).
pub(super) fn period(trigger: &Trigger) -> Option<u64> {
    match *trigger {
        Trigger::Every { period_ms } => Some(period_ms),
        Trigger::Daily { .. } => Some(MS_PER_DAY),
        _ => None,
    }
}

/// The first tick of a periodic rule after `from` (the load time; each run then schedules the
/// next one period after its own due time). `None` for other triggers, and for a time past
/// `u64::MAX`, which never comes (the clock has ended for this rule).
pub(super) fn first_tick(trigger: &Trigger, from: u64) -> Option<u64> {
    let due = match *trigger {
        Trigger::Every { period_ms } => from.checked_add(period_ms),
        Trigger::Daily { minute } => {
            let day = from.saturating_sub(from.checked_rem(MS_PER_DAY).unwrap_or(0));
            match day.checked_add(u64::from(minute).saturating_mul(MS_PER_MINUTE)) {
                Some(at) if at > from => Some(at),
                at => at.and_then(|at| at.checked_add(MS_PER_DAY)),
            }
        }
        _ => None,
    };
    due.filter(|due| *due > from)
}
