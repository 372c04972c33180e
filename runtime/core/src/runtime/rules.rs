//! Per-rule state: what the runtime remembers of each rule between its runs, decoded from the
//! rule's row once at load.

use crate::format::{Mode, RateLimit, RuleInfo, RunInfo, Trigger};
use crate::guard::Guard;
use crate::program::Program;

/// What the runtime remembers per rule: 40 bytes. What only some rules need (the times of the
/// last runs for a rate limit, the waiting trigger of `mode queued`) lives in value slots sized
/// from the program at load, from `extra` on; a shared limit's ring, in value slots of its own.
#[derive(Clone, Copy, Debug)]
pub struct RuleState {
    /// What a run needs of the row (its code, bound, mode and rate limit count), decoded once
    /// at load: a run reads the row only for the window of a rate limit.
    pub(super) code_start: u32,
    pub(super) code_len: u16,
    pub(super) bound: u16,
    pub(super) mode: Mode,
    /// The rate limit's count (low 4 bits; 0: none, at most [`MAX_RATE`](crate::isa::MAX_RATE)),
    /// for another trigger of a rule (`on a or b`) how many rows back the rule's first row is
    /// (bits 4..6; less than [`MAX_TRIGGERS`](crate::isa::MAX_TRIGGERS), verified), whose row
    /// keeps the busy state, the waiting trigger and the rate-limit ring of all the rule's
    /// triggers, and whether the row counts against a shared limit (bit 7, [`SHARED_LIMIT`];
    /// which one, the slow path reads from the row). One byte, so a run's gate tests it once: 0
    /// means nothing to look at but the pending count.
    pub(super) gating: u8,
    /// The rate-limit ring (`rate.count` slots of run times), then for `mode queued` the waiting
    /// trigger ([`CONTEXT_SLOTS`](super::layout::CONTEXT_SLOTS) slots).
    pub(super) extra: u16,
    pub(super) fired_next: u8,
    pub(super) fired_len: u8,
    /// Sequence triggers: events matched so far, and when the first matched.
    pub(super) seq_progress: u8,
    /// Sequence triggers: bit `e % 16` set for each event `e` of the sequence, so the other
    /// events pass a sequence by without reading its row.
    pub(super) seq_events: u16,
    /// `mode queued`: a trigger waits in the extra slots.
    pub(super) queued: bool,
    /// The test the rule's code starts with, checked before interpreting it.
    pub(super) guard: Guard,
    /// Delayed actions of this rule still waiting (of all its triggers, on its first row).
    pub(super) pending: u16,
    pub(super) seq_start: u64,
}

/// [`RuleState::gating`]'s bit for a row that counts against a shared limit.
pub(super) const SHARED_LIMIT: u8 = 0x80;

// The size the docs and the spec state (§7.6); the dispatch order adds 6 bytes per rule.
const _: () = assert!(core::mem::size_of::<RuleState>() == 40);

impl RuleState {
    /// The state of a slot no rule uses.
    pub(super) const IDLE: RuleState = RuleState {
        code_start: 0,
        code_len: 0,
        bound: 0,
        mode: Mode::Single,
        gating: 0,
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

    /// The state of rule `i`, row `r` of `program`, as loaded, its extra slots starting at
    /// `extra`.
    pub(super) fn load(program: &Program, i: u16, r: &RuleInfo, extra: usize) -> RuleState {
        let guard = program.code_block(r.code_start, r.code_len).map_or(Guard::NONE, |code| Guard::of(program, code));
        let seq_events = match r.trigger {
            Trigger::Sequence { events, len, .. } => {
                events.iter().take(usize::from(len)).fold(0, |m, e| m | event_bit(*e))
            }
            _ => 0,
        };
        RuleState {
            code_start: r.code_start,
            code_len: r.code_len,
            bound: r.bound,
            mode: r.mode,
            // The count fits 4 bits and the distance 3 once verified; a bad value only ever means
            // a smaller one.
            gating: (r.rate.map_or(0, |rate| rate.count) & 0x0F)
                | ((r.shares_gate.min(i).min(0x07) as u8) << 4)
                | if r.shared_limit.is_some() { SHARED_LIMIT } else { 0 },
            extra: u16::try_from(extra).unwrap_or(u16::MAX),
            seq_events,
            guard,
            ..RuleState::IDLE
        }
    }

    /// What running rule `rule` needs; its row is read only for a rate limit's window.
    #[inline]
    pub(super) fn run_info(&self, program: &Program, rule: u16) -> Option<RunInfo> {
        let rate = match self.rate_count() {
            0 => None,
            count => Some(RateLimit { count, window_ms: program.rule_row(rule)?.rate_window() }),
        };
        Some(RunInfo { mode: self.mode, rate, code_start: self.code_start, code_len: self.code_len, bound: self.bound })
    }

    /// The rate limit's count, 0 without one.
    #[inline(always)]
    pub(super) fn rate_count(&self) -> u8 {
        self.gating & 0x0F
    }

    /// How many rows back the row keeping this row's gate is (0: this row).
    #[inline(always)]
    pub(super) fn gate_back(&self) -> u16 {
        u16::from((self.gating >> 4) & 0x07)
    }

    /// Whether the row counts against a shared limit.
    #[inline(always)]
    pub(super) fn has_shared_limit(&self) -> bool {
        self.gating & SHARED_LIMIT != 0
    }

    /// Whether `event` may move this rule's sequence (always false for other rules).
    #[inline(always)]
    pub(super) fn takes(&self, event: u16) -> bool {
        self.seq_events & event_bit(event) != 0
    }
}

/// The bit of `event` in [`RuleState::seq_events`].
#[inline(always)]
pub(super) fn event_bit(event: u16) -> u16 {
    1 << (event % 16)
}
