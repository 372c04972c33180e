//! Sequence triggers (`on a then b within 2 s`): how an event moves a sequence along.

use super::host::Host;
use super::rules::RuleState;
use crate::program::Program;
use crate::trace::TraceEvent;

/// Moves sequence rule `rule` (whose state is `state`) along with `event` at `now`; true when it
/// completes. An event not in the sequence leaves it as it is (a sequence that timed out is reset
/// by its next event, all the same), and passes it by without reading its row.
pub(super) fn completes(
    program: &Program,
    state: &mut RuleState,
    rule: u16,
    event: u16,
    now: u64,
    host: &mut impl Host,
) -> bool {
    if !state.takes(event) {
        return false;
    }
    let Some((events, len, within_ms)) = program.rule_row(rule).map(|row| row.sequence()) else {
        return false;
    };
    let done = advance(state, event, &events, len, within_ms, now);
    if !done && events.iter().take(usize::from(len)).any(|e| *e == event) {
        host.trace(TraceEvent::SequenceStep { rule, seen: state.seq_progress, len });
    }
    done
}

/// Moves a sequence trigger along; true when it completes within its window. Events that are
/// not the next one expected are ignored, except the first event of the sequence, which starts
/// it again.
fn advance(state: &mut RuleState, event: u16, seq: &[u16], len: u8, within: u64, now: u64) -> bool {
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
    false
}
