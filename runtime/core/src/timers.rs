//! A fixed-capacity timer list: delayed actions, the next run of `every` and daily rules, the
//! moment a held rule's condition will have held, and the end of a sequence's window when the
//! sequence ends in an absence.
//!
//! Deadlines that only need checking when something happens — rate-limit windows, the windows
//! of other sequences, `C for D` conditions — are not timers: the runtime keeps their start
//! times and compares them with the clock when a rule asks, which needs no slot and cannot fire
//! late.
//!
//! Timers fire in `(due, seq)` order, `seq` being the order they were scheduled in, so two timers
//! due at the same millisecond fire first-scheduled first. The list is scanned linearly: with the
//! few dozen slots a pack needs that is as fast as a heap and has no invariants to break.
//! The verifier computes how many slots a program can need ([`crate::Program::timer_slots`]) and
//! the runtime refuses to load into fewer, so on a verified program `insert` never fails.

use crate::isa::MAX_ARGS;

/// What happens when a timer fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerKind {
    /// The next run of an `every` or daily rule, standing for `ticks` due runs: 1, or more when
    /// a clock jump coalesced them into this one (spec/bytecode.md §7.4).
    Tick { ticks: u64 },
    /// A delayed action, with its arguments as evaluated when the rule ran (the action's entry
    /// says how many it takes; the rest are 0).
    Emit { action: u16, args: [i64; MAX_ARGS] },
    /// A delayed `set`.
    Set { var: u16, value: i64 },
    /// A held rule's condition will have held for its duration, if it goes on holding.
    Held,
    /// The window of a sequence that ends in an absence ends: the sequence completes if the
    /// absent event did not come.
    Window,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    pub due: u64,
    /// Scheduling order, for ties.
    pub seq: u64,
    pub rule: u16,
    pub kind: TimerKind,
}

/// Up to `N` pending timers.
#[derive(Clone, Copy, Debug)]
pub struct TimerList<const N: usize> {
    slots: [Option<Timer>; N],
    next_seq: u64,
    len: usize,
}

impl<const N: usize> Default for TimerList<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> TimerList<N> {
    pub const fn new() -> Self {
        TimerList { slots: [None; N], next_seq: 0, len: 0 }
    }

    /// Schedules a timer; `false` if every slot is taken.
    pub fn insert(&mut self, due: u64, rule: u16, kind: TimerKind) -> bool {
        let seq = self.next_seq;
        match self.slots.iter_mut().find(|s| s.is_none()) {
            Some(slot) => {
                *slot = Some(Timer { due, seq, rule, kind });
                self.next_seq = self.next_seq.wrapping_add(1);
                self.len = self.len.saturating_add(1);
                true
            }
            None => false,
        }
    }

    /// Removes and returns the timer that fires first, if it is due by `limit`.
    pub fn pop_due(&mut self, limit: u64) -> Option<Timer> {
        if self.len == 0 {
            return None;
        }
        let mut best: Option<(usize, u64, u64)> = None;
        for (i, t) in self.slots.iter().enumerate() {
            if let Some(t) = t
                && t.due <= limit
                && best.is_none_or(|(_, due, seq)| (t.due, t.seq) < (due, seq))
            {
                best = Some((i, t.due, t.seq));
            }
        }
        let (i, _, _) = best?;
        let timer = self.slots.get_mut(i)?.take()?;
        self.len = self.len.saturating_sub(1);
        Some(timer)
    }

    /// Cancels the delayed actions of `rule` (not its tick or held timer); returns how many.
    pub fn cancel_delayed(&mut self, rule: u16) -> u16 {
        let mut n: u16 = 0;
        for slot in self.slots.iter_mut() {
            if slot.is_some_and(|t| t.rule == rule && matches!(t.kind, TimerKind::Emit { .. } | TimerKind::Set { .. }))
            {
                *slot = None;
                n = n.saturating_add(1);
            }
        }
        self.len = self.len.saturating_sub(usize::from(n));
        n
    }

    /// Drops the held or window timer (`kind`) of `rule`: its condition stopped holding, or its
    /// sequence started over. Whether there was one.
    pub fn cancel(&mut self, rule: u16, kind: TimerKind) -> bool {
        let found = self.slots.iter_mut().find(|s| s.is_some_and(|t| t.rule == rule && t.kind == kind));
        match found {
            Some(slot) => {
                *slot = None;
                self.len = self.len.saturating_sub(1);
                true
            }
            None => false,
        }
    }

    /// The earliest deadline, for hosts that sleep until then.
    pub fn next_due(&self) -> Option<u64> {
        self.slots.iter().flatten().map(|t| t.due).min()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub const fn capacity(&self) -> usize {
        N
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TICK: TimerKind = TimerKind::Tick { ticks: 1 };

    #[test]
    fn fires_in_due_then_schedule_order() {
        let mut t: TimerList<4> = TimerList::new();
        assert!(t.insert(20, 0, TICK));
        assert!(t.insert(10, 1, TICK));
        assert!(t.insert(20, 2, TimerKind::Set { var: 0, value: 1 }));
        assert!(t.insert(5, 3, TimerKind::Set { var: 0, value: 2 }));
        assert!(!t.insert(1, 4, TICK), "full");
        assert_eq!(t.next_due(), Some(5));
        assert_eq!(t.cancel_delayed(3), 1);
        let order: [Option<u16>; 4] = core::array::from_fn(|_| t.pop_due(20).map(|t| t.rule));
        assert_eq!(order, [Some(1), Some(0), Some(2), None]);
        assert!(t.is_empty());
    }

    #[test]
    fn a_held_timer_is_dropped_only_as_one() {
        let mut t: TimerList<4> = TimerList::new();
        assert!(t.insert(10, 0, TimerKind::Held));
        assert!(t.insert(20, 0, TimerKind::Set { var: 0, value: 1 }));
        assert_eq!(t.cancel_delayed(0), 1, "`mode restart` keeps the held timer");
        assert!(t.cancel(0, TimerKind::Held));
        assert!(!t.cancel(0, TimerKind::Held));
        assert!(t.is_empty());
    }
}
