//! The verified view of a program: what [`verify()`](crate::verify()) returns, and the checked
//! accessors the runtime, the guard and the JIT read it through.

use crate::format::*;
use crate::isa::{INSTR_SIZE, Instr};
use core::fmt;

/// Where a table lies in the bytes and how many entries it has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Table {
    pub(crate) offset: usize,
    pub(crate) count: u32,
}

/// A verified program. Its accessors still check bounds (returning `None`), so even a bug in the
/// verifier cannot make the interpreter panic.
#[derive(Clone, Copy, Debug)]
pub struct Program<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) header: Header,
    pub(crate) tables: [Table; SECTION_COUNT],
    /// The bytes of each section, found once here so that reading an entry (and finding a
    /// run's code) takes one bounds check.
    pub(crate) sections: [&'a [u8]; SECTION_COUNT],
}

impl<'a> Program<'a> {
    #[inline]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Entries in a section (bytes for `TextData`).
    #[inline]
    pub fn count(&self, section: Section) -> u32 {
        self.tables.get(section as usize).map_or(0, |t| t.count)
    }

    /// Entries of a table indexed by `u16`.
    #[inline]
    pub fn len16(&self, section: Section) -> u16 {
        u16::try_from(self.count(section)).unwrap_or(u16::MAX)
    }

    #[inline]
    pub(crate) fn entry(&self, section: Section, i: u32) -> Option<Reader<'a>> {
        let t = self.tables.get(section as usize)?;
        if i >= t.count {
            return None;
        }
        let at = (i as usize).checked_mul(section.entry_size())?.checked_add(t.offset)?;
        Some(Reader::at(self.bytes, at))
    }

    /// Entry `i` as a fixed-size copy, so that decoding it needs one bounds check, not one per
    /// field: the decoders' reads on the copy are checked statically (the interpreter reads
    /// entries on hot paths).
    #[inline]
    fn row<const N: usize>(&self, section: Section, i: u16) -> Option<[u8; N]> {
        self.rows::<N>(section).get(usize::from(i)).copied()
    }

    /// The entries of a section whose entries are `N` bytes long.
    #[inline]
    fn rows<const N: usize>(&self, section: Section) -> &'a [[u8; N]] {
        self.sections.get(section as usize).map_or(&[], |bytes| bytes.as_chunks::<N>().0)
    }

    #[inline]
    pub fn constant(&self, i: u16) -> Option<i64> {
        self.row(Section::Consts, i).map(i64::from_le_bytes)
    }

    #[inline]
    pub fn state(&self, i: u16) -> Option<StateInfo> {
        StateInfo::read(&mut Reader::new(&self.row::<STATE_SIZE>(Section::States, i)?))
    }

    #[inline]
    pub fn var(&self, i: u16) -> Option<VarInfo> {
        VarInfo::read(&mut Reader::new(&self.row::<VAR_SIZE>(Section::Vars, i)?))
    }

    #[inline]
    pub fn event(&self, i: u16) -> Option<EventInfo> {
        EventInfo::read(&mut Reader::new(&self.row::<EVENT_SIZE>(Section::Events, i)?))
    }

    #[inline]
    pub fn action(&self, i: u16) -> Option<ActionInfo> {
        ActionInfo::read(&mut Reader::new(&self.row::<ACTION_SIZE>(Section::Actions, i)?))
    }

    #[inline]
    pub fn held(&self, i: u16) -> Option<HeldInfo> {
        HeldInfo::read(&mut Reader::new(&self.row::<HELD_SIZE>(Section::Held, i)?))
    }

    pub fn step(&self, i: u16) -> Option<StepInfo> {
        StepInfo::read(&mut Reader::new(&self.row::<STEP_SIZE>(Section::Steps, i)?))
    }

    /// Shared limit `i`.
    #[inline]
    pub fn limit(&self, i: u16) -> Option<LimitInfo> {
        LimitInfo::read(&mut Reader::new(&self.row::<LIMIT_SIZE>(Section::Limits, i)?))
    }

    /// The run count of each shared limit, in order (for where their rings are).
    #[inline]
    pub(crate) fn limit_counts(&self) -> impl Iterator<Item = u8> + 'a {
        self.rows::<LIMIT_SIZE>(Section::Limits).iter().map(|row| row[0])
    }

    pub fn rule(&self, i: u16) -> Option<RuleInfo> {
        RuleInfo::read(&mut self.entry(Section::Rules, u32::from(i))?)
    }

    /// Rule `i`'s row, for single-field reads ([`RuleRow`]).
    #[inline]
    pub fn rule_row(&self, i: u16) -> Option<RuleRow> {
        RuleRow::read(&mut Reader::new(&self.row::<RULE_SIZE>(Section::Rules, i)?))
    }

    /// The encoded instructions `start..start + len` of the code section (a block), so that a run
    /// finds its block once rather than for every instruction.
    #[inline]
    pub fn code_block(&self, start: u32, len: u16) -> Option<&'a [[u8; INSTR_SIZE]]> {
        let start = start as usize;
        self.rows::<INSTR_SIZE>(Section::Code).get(start..start.checked_add(usize::from(len))?)
    }

    /// Instruction `i` of the code section.
    #[inline]
    pub fn instr(&self, i: u32) -> Option<Instr> {
        Instr::decode(*self.rows::<INSTR_SIZE>(Section::Code).get(i as usize)?)
    }

    /// Text `i` (names and text constants).
    pub fn text(&self, i: u16) -> Option<&'a str> {
        let t = TextInfo::read(&mut self.entry(Section::Texts, u32::from(i))?)?;
        let data = self.tables.get(Section::TextData as usize)?;
        let start = data.offset.checked_add(t.offset as usize)?;
        let bytes = self.bytes.get(start..start.checked_add(usize::from(t.len))?)?;
        core::str::from_utf8(bytes).ok()
    }

    /// The index of a text, for hosts that pass text states and payload fields. `None` if the
    /// pack never mentions it: pass [`NO_TEXT`] then, which equals no text of the pack.
    pub fn text_id(&self, text: &str) -> Option<u16> {
        (0..self.len16(Section::Texts)).find(|&i| self.text(i) == Some(text))
    }

    /// The name of a state, variable, event, action or rule, if it has one.
    pub fn name(&self, name: u16) -> Option<&'a str> {
        if name == NO_TEXT { None } else { self.text(name) }
    }

    /// Timers this program can have pending at once: one per `every` and daily rule, plus every
    /// delayed action of every rule (a rule has at most one run's worth pending: see `Mode`).
    pub fn timer_slots(&self) -> u16 {
        self.header.timer_slots
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// What a code block is, and what its code may read besides states, variables and constants:
/// the one description the verifier proves a block against and the JIT lowers it by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// A held condition: it only computes, and yields one number.
    Held,
    /// A rule's code, with what its trigger provides: the payload layout of the triggering
    /// event (event rules, and sequences that end on an event), the kind of the watched value
    /// (change rules), and the fields a sequence's steps kept.
    Rule { payload: Option<EventInfo>, change: Option<Kind>, kept: Kept },
    /// A sequence step's filter: it only computes and yields one number, from its event's
    /// payload and what the earlier steps kept.
    Step { payload: EventInfo, kept: Kept },
}

/// The kept slots a block may read (`Kept b` for `b` in `start..start + len`), and which of
/// them hold texts (bit `i`: slot `start + i`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    pub start: u16,
    pub len: u16,
    pub text_mask: u32,
}

impl Kept {
    /// The kind of kept slot `b`; `None` outside the range.
    pub fn kind(&self, b: u16) -> Option<Kind> {
        let i = b.checked_sub(self.start).filter(|i| *i < self.len)?;
        Some(if self.text_mask.checked_shr(u32::from(i)).unwrap_or(0) & 1 == 1 { Kind::Text } else { Kind::Num })
    }
}

impl BlockKind {
    /// The kind of rule `r`'s block; `None` if its trigger names an entry `p` lacks.
    // Inlined into the verifier, its one caller on the device: less code.
    #[inline(always)]
    pub fn of_rule(p: &Program, r: &RuleInfo) -> Option<BlockKind> {
        let (payload, change, kept) = match r.trigger {
            Trigger::Event { event } => (Some(p.event(event)?), None, Kept::default()),
            Trigger::Change { source: Source::State, index, .. } => (None, Some(p.state(index)?.kind), Kept::default()),
            Trigger::Change { source: Source::Var, index, .. } => {
                p.var(index)?;
                (None, Some(Kind::Num), Kept::default())
            }
            // The code reads the payload of the event that completes the sequence; one that
            // completes when its window ends has none.
            Trigger::Sequence { events, len, steps, .. } => {
                let last = usize::from(len).checked_sub(1)?;
                let kept = p.kept_by(&events, steps, len)?;
                let payload = if p.step(steps.checked_add(last as u16)?)?.absent {
                    None
                } else {
                    Some(p.event(*events.get(last)?)?)
                };
                (payload, None, kept)
            }
            Trigger::Every { .. } | Trigger::Daily { .. } | Trigger::Held { .. } => (None, None, Kept::default()),
        };
        Some(BlockKind::Rule { payload, change, kept })
    }

    /// The kind of the filter of step `step` (of `len`) of sequence rule `r`.
    pub fn of_step(p: &Program, r: &RuleInfo, step: u8) -> Option<BlockKind> {
        let Trigger::Sequence { events, steps, .. } = r.trigger else { return None };
        let payload = p.event(*events.get(usize::from(step))?)?;
        Some(BlockKind::Step { payload, kept: p.kept_by(&events, steps, step)? })
    }

    /// Whether a run of the block ends with one number on the stack (held conditions and
    /// filters) rather than an empty one (rules).
    pub fn yields(&self) -> bool {
        !matches!(self, BlockKind::Rule { .. })
    }
}

impl Program<'_> {
    /// The kept slots of the first `count` steps of a sequence whose steps start at `first`.
    fn kept_by(&self, events: &[u16; MAX_SEQUENCE], first: u16, count: u8) -> Option<Kept> {
        let mut kept = Kept { start: self.step(first).map_or(0, |s| s.kept_at), len: 0, text_mask: 0 };
        for (i, event) in events.iter().enumerate().take(usize::from(count)) {
            let step = self.step(first.checked_add(i as u16)?)?;
            let info = self.event(*event)?;
            for field in 0..8usize {
                if step.keep & (1 << field) != 0 {
                    if Kind::of_bit(info.text_mask, field) == Kind::Text {
                        kept.text_mask |= 1u32.checked_shl(u32::from(kept.len))?;
                    }
                    kept.len = kept.len.checked_add(1)?;
                }
            }
        }
        Some(kept)
    }
}

/// A code block by its table entry (in errors about a block).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockRef {
    Rule(u16),
    Held(u16),
    /// Step `1` (counted in its rule) of rule `0`'s sequence.
    Step(u16, u8),
}

impl fmt::Display for BlockRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockRef::Rule(i) => write!(f, "rule {i}"),
            BlockRef::Held(i) => write!(f, "held condition {i}"),
            BlockRef::Step(rule, step) => write!(f, "step {step} of rule {rule}"),
        }
    }
}
