//! The dispatch order, as plain data: every rule's index sorted by the kind and subject of its
//! trigger, so the rules one stimulus triggers are found by a binary search and lie next to each
//! other, in rule-table order. Decoded once at load: dispatch reads no row of a rule a stimulus
//! does not concern.

use crate::format::{Source, Trigger};

/// A rule's trigger, as dispatch matches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Key {
    Event(u16),
    Change(Source, u16),
    /// A sequence looks at every event (rare: its row is read for each event).
    Sequence,
    /// `every`, daily and held rules run from timers only.
    Timer,
}

const CHANGE_STATE: u32 = 1 << 16;
const CHANGE_VAR: u32 = 2 << 16;
const SEQUENCE_RANK: u32 = 3 << 16;
/// Where each kind of trigger starts in the dispatch order (events start at 0).
const BANDS: [u32; 4] = [CHANGE_STATE, CHANGE_VAR, SEQUENCE_RANK, SEQUENCE_RANK | 1];

impl Key {
    pub(super) fn of(trigger: &Trigger) -> Key {
        match *trigger {
            Trigger::Event { event } => Key::Event(event),
            Trigger::Change { source, index, .. } => Key::Change(source, index),
            Trigger::Sequence { .. } => Key::Sequence,
            Trigger::Every { .. } | Trigger::Daily { .. } | Trigger::Held { .. } => Key::Timer,
        }
    }

    /// The place of this kind of trigger in the dispatch order.
    fn rank(self) -> u32 {
        match self {
            Key::Event(e) => u32::from(e),
            Key::Change(Source::State, i) => CHANGE_STATE | u32::from(i),
            Key::Change(Source::Var, i) => CHANGE_VAR | u32::from(i),
            Key::Sequence => SEQUENCE_RANK,
            Key::Timer => SEQUENCE_RANK | 1,
        }
    }
}

/// The rules in the dispatch order that share one trigger: walk them with
/// [`DispatchOrder::rule_at`], from `start` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Group {
    pub(super) start: usize,
    rank: u32,
}

/// Rule indices sorted by the rank of their triggers, then by index, and those ranks.
pub(super) struct DispatchOrder<const RULES: usize> {
    rules: [u16; RULES],
    ranks: [u32; RULES],
    /// Rules in the program (the used part of both arrays).
    len: usize,
    /// Where the rules watching states, watching variables, of sequences, and of timers start
    /// ([`BANDS`]): a search only looks at the band of its kind of trigger.
    bands: [usize; 4],
}

impl<const RULES: usize> DispatchOrder<RULES> {
    /// An order of `len` rules, to be [`place`](Self::place)d and then [`sort`](Self::sort)ed.
    pub(super) fn new(len: usize) -> Self {
        DispatchOrder { rules: [0; RULES], ranks: [u32::MAX; RULES], len, bands: [0; 4] }
    }

    /// Rule `i`'s trigger is `key`.
    pub(super) fn place(&mut self, i: u16, key: Key) {
        let at = usize::from(i);
        if let (Some(rule), Some(rank)) = (self.rules.get_mut(at), self.ranks.get_mut(at)) {
            *rule = i;
            *rank = key.rank();
        }
    }

    /// Sorts by rank, keeping rule-table order within a rank (an insertion sort: it runs once at
    /// load, needs no memory and has no panic path), and finds the bands.
    pub(super) fn sort(&mut self) {
        for i in 1..self.len {
            let mut j = i;
            while j > 0 {
                let before = j.saturating_sub(1);
                if self.rank_at(before) <= self.rank_at(j) {
                    break;
                }
                if let (Some([a, b]), Some([x, y])) = (self.rules.get_mut(before..=j), self.ranks.get_mut(before..=j)) {
                    core::mem::swap(a, b);
                    core::mem::swap(x, y);
                }
                j = before;
            }
        }
        let mut bands = [0; 4];
        for (band, rank) in bands.iter_mut().zip(BANDS) {
            *band = self.first_with(rank, (0, self.len));
        }
        self.bands = bands;
    }

    /// The positions of the rules whose trigger is of `key`'s kind.
    fn band(&self, key: Key) -> (usize, usize) {
        let [states, vars, sequences, timers] = self.bands;
        match key {
            Key::Event(_) => (0, states),
            Key::Change(Source::State, _) => (states, vars),
            Key::Change(Source::Var, _) => (vars, sequences),
            Key::Sequence => (sequences, timers),
            Key::Timer => (timers, self.len),
        }
    }

    /// The rules `key` triggers (in rule-table order).
    #[inline]
    pub(super) fn triggered_by(&self, key: Key) -> Group {
        let rank = key.rank();
        Group { start: self.first_with(rank, self.band(key)), rank }
    }

    /// The sequence rules, which every event may move along.
    #[inline]
    pub(super) fn sequences(&self) -> Group {
        Group { start: self.band(Key::Sequence).0, rank: SEQUENCE_RANK }
    }

    /// The rule at `pos` in the dispatch order, if it is still in `group`.
    #[inline(always)]
    pub(super) fn rule_at(&self, pos: usize, group: Group) -> Option<u16> {
        if self.rank_at(pos) == group.rank { self.rules.get(pos).copied() } else { None }
    }

    /// The rank of the rule at `pos` (`u32::MAX` past the end).
    #[inline(always)]
    fn rank_at(&self, pos: usize) -> u32 {
        self.ranks.get(pos).copied().unwrap_or(u32::MAX)
    }

    /// The first position in `lo..hi` whose rank is at least `rank`.
    fn first_with(&self, rank: u32, (mut lo, mut hi): (usize, usize)) -> usize {
        while lo < hi {
            let mid = lo.midpoint(hi);
            if self.rank_at(mid) < rank {
                lo = mid.saturating_add(1);
            } else {
                hi = mid;
            }
        }
        lo
    }
}
