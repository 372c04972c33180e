//! The fixed-size entries of the tables a rule refers to: texts, states, variables, events,
//! actions, held conditions, sequence steps and shared limits.

use super::{
    ACTION_SIZE, EVENT_SIZE, HELD_SIZE, Kind, LIMIT_SIZE, Reader, STATE_SIZE, STEP_SIZE, TEXT_SIZE, VAR_SIZE, Writer,
};

/// Where a text lies in the text data section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextInfo {
    pub offset: u32,
    pub len: u16,
}

impl TextInfo {
    #[inline]
    pub fn read(r: &mut Reader) -> Option<Self> {
        let t = TextInfo { offset: r.u32()?, len: r.u16()? };
        r.u16()?;
        Some(t)
    }

    pub fn encode(&self) -> [u8; TEXT_SIZE] {
        let mut w = Writer::new();
        w.u32(self.offset);
        w.u16(self.len);
        w.u16(0);
        w.finish()
    }
}

/// A device state slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateInfo {
    pub kind: Kind,
    /// A text index, or [`NO_TEXT`](super::NO_TEXT).
    pub name: u16,
}

impl StateInfo {
    #[inline]
    pub fn read(r: &mut Reader) -> Option<Self> {
        let kind = match r.u8()? {
            0 => Kind::Num,
            1 => Kind::Text,
            _ => return None,
        };
        if r.u8()? != 0 {
            return None;
        }
        Some(StateInfo { kind, name: r.u16()? })
    }

    pub fn encode(&self) -> [u8; STATE_SIZE] {
        let mut w = Writer::new();
        w.u8(u8::from(self.kind == Kind::Text));
        w.u8(0);
        w.u16(self.name);
        w.finish()
    }
}

/// A pack variable: its range and first value. Writes are clamped into `min..=max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarInfo {
    pub min: i64,
    pub max: i64,
    pub init: i64,
    pub name: u16,
}

impl VarInfo {
    #[inline]
    pub fn read(r: &mut Reader) -> Option<Self> {
        let v = VarInfo { min: r.i64()?, max: r.i64()?, init: r.i64()?, name: r.u16()? };
        r.take(6)?;
        Some(v)
    }

    pub fn encode(&self) -> [u8; VAR_SIZE] {
        let mut w = Writer::new();
        w.i64(self.min);
        w.i64(self.max);
        w.i64(self.init);
        w.u16(self.name);
        w.finish()
    }
}

/// An event the pack reacts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventInfo {
    /// Payload fields (at most `MAX_ARGS`).
    pub fields: u8,
    /// Bit `i` set: payload field `i` is a text.
    pub text_mask: u8,
    pub name: u16,
}

impl EventInfo {
    #[inline]
    pub fn read(r: &mut Reader) -> Option<Self> {
        Some(EventInfo { fields: r.u8()?, text_mask: r.u8()?, name: r.u16()? })
    }

    pub fn encode(&self) -> [u8; EVENT_SIZE] {
        let mut w = Writer::new();
        w.u8(self.fields);
        w.u8(self.text_mask);
        w.u16(self.name);
        w.finish()
    }
}

/// A device action the pack may emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionInfo {
    /// Arguments (at most `MAX_ARGS`).
    pub argc: u8,
    /// Bit `i` set: argument `i` is a text.
    pub text_mask: u8,
    /// A bit number of [`PRIVACY_CLASSES`](super::PRIVACY_CLASSES), or [`NO_PRIVACY`](super::NO_PRIVACY).
    pub privacy: u8,
    pub name: u16,
}

impl ActionInfo {
    #[inline]
    pub fn read(r: &mut Reader) -> Option<Self> {
        let (argc, text_mask, privacy) = (r.u8()?, r.u8()?, r.u8()?);
        if r.u8()? != 0 {
            return None;
        }
        let a = ActionInfo { argc, text_mask, privacy, name: r.u16()? };
        r.u16()?;
        Some(a)
    }

    pub fn encode(&self) -> [u8; ACTION_SIZE] {
        let mut w = Writer::new();
        w.u8(self.argc);
        w.u8(self.text_mask);
        w.u8(self.privacy);
        w.u8(0);
        w.u16(self.name);
        w.u16(0);
        w.finish()
    }
}

/// A condition that must hold for a duration (`worn for 3 s`): a code block over states and
/// variables that yields one number, re-evaluated whenever a state or variable changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldInfo {
    pub code_start: u32,
    pub code_len: u16,
    pub duration_ms: u64,
}

impl HeldInfo {
    #[inline]
    pub fn read(r: &mut Reader) -> Option<Self> {
        let code_start = r.u32()?;
        let code_len = r.u16()?;
        r.u16()?;
        Some(HeldInfo { code_start, code_len, duration_ms: r.u64()? })
    }

    pub fn encode(&self) -> [u8; HELD_SIZE] {
        let mut w = Writer::new();
        w.u32(self.code_start);
        w.u16(self.code_len);
        w.u16(0);
        w.u64(self.duration_ms);
        w.finish()
    }
}

/// One step of a sequence trigger: whether it is the absence that ends the window, the payload
/// fields it keeps for later steps and the rule's code, and its filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepInfo {
    /// `then no E`: the sequence completes when its window ends without this event.
    pub absent: bool,
    /// Bit `i`: field `i` of the step's event is kept when the step is taken.
    pub keep: u8,
    /// The kept slot of the first kept field; the others follow in field order.
    pub kept_at: u16,
    /// The filter (`where`): a block that yields one number, true to take the step. A length
    /// of 0 is no filter.
    pub code_start: u32,
    pub code_len: u16,
}

const STEP_ABSENT: u8 = 1;

impl StepInfo {
    /// Decodes a step entry; `None` if a reserved bit or field is set.
    #[inline]
    pub fn read(r: &mut Reader) -> Option<Self> {
        let flags = r.u8()?;
        if flags & !STEP_ABSENT != 0 {
            return None;
        }
        let keep = r.u8()?;
        let kept_at = r.u16()?;
        let code_start = r.u32()?;
        let code_len = r.u16()?;
        if r.u16()? != 0 {
            return None;
        }
        Some(StepInfo { absent: flags & STEP_ABSENT != 0, keep, kept_at, code_start, code_len })
    }

    pub fn encode(&self) -> [u8; STEP_SIZE] {
        let mut w = Writer::new();
        w.u8(if self.absent { STEP_ABSENT } else { 0 });
        w.u8(self.keep);
        w.u16(self.kept_at);
        w.u32(self.code_start);
        w.u16(self.code_len);
        w.u16(0);
        w.finish()
    }

    /// How many fields the step keeps.
    #[inline]
    pub fn kept(&self) -> u16 {
        self.keep.count_ones() as u16
    }
}

/// A shared limit (`limit reminders: at most 2 times per 1 h`): the rules that name it (rule row
/// byte 43) together run at most `count` times in any `window_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitInfo {
    /// Runs allowed per window: 1..=[`MAX_RATE`](crate::isa::MAX_RATE) (verified).
    pub count: u8,
    /// The sliding window in ms: above 0 (verified).
    pub window_ms: u64,
    /// A text index, or [`NO_TEXT`](super::NO_TEXT).
    pub name: u16,
}

impl LimitInfo {
    /// Decodes a limit entry; `None` if a reserved field is set.
    #[inline]
    pub fn read(r: &mut Reader) -> Option<Self> {
        let count = r.u8()?;
        if r.u8()? != 0 {
            return None;
        }
        let name = r.u16()?;
        if r.u32()? != 0 {
            return None;
        }
        Some(LimitInfo { count, window_ms: r.u64()?, name })
    }

    pub fn encode(&self) -> [u8; LIMIT_SIZE] {
        let mut w = Writer::new();
        w.u8(self.count);
        w.u8(0);
        w.u16(self.name);
        w.u32(0);
        w.u64(self.window_ms);
        w.finish()
    }
}

/// The step features of a sequence rule's row (byte 1) for its steps:
/// [`SEQUENCE_READS_STEPS`](super::SEQUENCE_READS_STEPS) when a step has a filter or keeps
/// fields, [`SEQUENCE_ENDS_ABSENT`](super::SEQUENCE_ENDS_ABSENT) when the last is an absence.
pub fn sequence_features(steps: impl Iterator<Item = StepInfo>) -> u8 {
    let (mut reads, mut absent) = (false, false);
    for s in steps {
        reads |= s.keep != 0 || s.code_len > 0;
        absent = s.absent;
    }
    (if reads { super::SEQUENCE_READS_STEPS } else { 0 }) | if absent { super::SEQUENCE_ENDS_ABSENT } else { 0 }
}
