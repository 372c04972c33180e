//! The value slots: one array of `i64` holds every state, then every variable, then one start
//! time per held condition, then the payload fields sequence steps keep, then what some rules
//! need (rate-limit rings, waiting triggers), then the rings of the shared limits. This
//! module is the one place that layout is computed; the runtime, the interpreter and the JIT read
//! it from here.

use crate::format::{LimitInfo, Mode, RateLimit, RuleInfo, Section};
use crate::isa::{MAX_ARGS, MAX_RATE};
use crate::program::Program;

/// Value slots a waiting trigger of `mode queued` takes: its payload, the old and the new
/// value, then the row it came to (a rule with several triggers runs the code of that one).
pub(super) const CONTEXT_SLOTS: usize = MAX_ARGS + 3;

/// Where each part of a program's value slots starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlotLayout {
    /// States occupy `0..vars`.
    vars: u32,
    /// Variables occupy `vars..held`.
    held: u32,
    /// Held-condition start times (`u64` bits; `u64::MAX`: it does not hold) occupy
    /// `held..kept`.
    kept: u32,
    /// The fields sequence steps keep occupy `kept..extra`, in step-table order. Code blocks
    /// read nothing from `extra` on.
    extra: u32,
    /// The rules' extra slots occupy `extra..limits`, in rule order.
    limits: u32,
    /// Every slot the program needs: the shared limits' rings occupy `limits..total`, in limit
    /// order.
    total: u32,
}

impl SlotLayout {
    pub fn of(p: &Program) -> SlotLayout {
        // Each table has at most 65 535 entries, a step keeps at most 8 fields and a rule has at
        // most 26 extra slots, a limit 9: no sum comes near `u32::MAX`.
        let vars = p.count(Section::States);
        let held = vars.saturating_add(p.count(Section::Vars));
        let kept = held.saturating_add(p.count(Section::Held));
        let steps = (0..p.len16(Section::Steps)).filter_map(|i| p.step(i));
        let extra = steps.map(|s| u32::from(s.kept())).fold(kept, u32::saturating_add);
        let rules = (0..p.len16(Section::Rules)).filter_map(|i| p.rule(i));
        let limits = rules.map(|r| extra_slots(&r) as u32).fold(extra, u32::saturating_add);
        let total = p.limit_counts().map(ring_slots).fold(limits, u32::saturating_add);
        SlotLayout { vars, held, kept, extra, limits, total }
    }

    /// The slot of state `i`.
    #[inline(always)]
    pub fn state(&self, i: u16) -> Option<usize> {
        let at = u32::from(i);
        (at < self.vars).then_some(at as usize)
    }

    /// The slot of variable `i`.
    #[inline(always)]
    pub fn var(&self, i: u16) -> Option<usize> {
        let at = self.vars.saturating_add(u32::from(i));
        (at < self.held).then_some(at as usize)
    }

    /// The slot of held condition `i`'s start time.
    #[inline(always)]
    pub fn held(&self, i: u16) -> Option<usize> {
        let at = self.held.saturating_add(u32::from(i));
        (at < self.kept).then_some(at as usize)
    }

    /// The slot of kept field `i`.
    #[inline(always)]
    pub fn kept(&self, i: u16) -> Option<usize> {
        let at = self.kept.saturating_add(u32::from(i));
        (at < self.extra).then_some(at as usize)
    }

    /// States, variables, held conditions and kept fields: the slots code blocks may read.
    pub fn readable(&self) -> usize {
        self.extra as usize
    }

    /// Where the rules' extra slots start.
    pub(super) fn extra(&self) -> usize {
        self.extra as usize
    }

    /// Where shared limit `i`'s ring starts (its state slot, then one slot per run it counts),
    /// and the limit. Limits are few (at most 255, verified) and only rules that count against
    /// one look, on the gate's slow path.
    pub(super) fn limit(&self, p: &Program, i: u16) -> Option<(usize, LimitInfo)> {
        // The rings before it, in order; with limit `i` in the table, its ring ends by `total`.
        let info = p.limit(i)?;
        let at = p.limit_counts().take(usize::from(i)).map(ring_slots).fold(self.limits, u32::saturating_add);
        Some((at as usize, info))
    }

    /// Every slot the program needs: what a runtime's `SLOTS` must be at least.
    pub fn total(&self) -> usize {
        self.total as usize
    }
}

/// The extra value slots rule `r` needs: the times of its last runs for a rate limit, then for
/// `mode queued` the waiting trigger.
pub(super) fn extra_slots(r: &RuleInfo) -> usize {
    // Another trigger of a rule uses the slots of the rule's first row.
    if r.shares_gate > 0 {
        return 0;
    }
    let queued = if r.mode == Mode::Queued { CONTEXT_SLOTS } else { 0 };
    usize::from(ring_len(r.rate)).saturating_add(queued)
}

/// The slots of a shared limit's ring: one for its state (the next slot to write and how many
/// are written; no rule state holds them, since several rules share the ring), then one per run
/// the limit counts.
fn ring_slots(count: u8) -> u32 {
    u32::from(count.min(MAX_RATE)).saturating_add(1)
}

/// The slots of a rule's rate-limit ring: one per run the limit counts (none without a limit).
#[inline(always)]
pub(super) fn ring_len(rate: Option<RateLimit>) -> u8 {
    rate.map_or(0, |rate| rate.count.min(MAX_RATE))
}
