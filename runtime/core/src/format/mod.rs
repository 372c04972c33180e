//! The binary layout of a compiled pack (`spec/bytecode.md`): the header, the section table and
//! the fixed-size entries of each table, with checked little-endian reads and allocation-free
//! encoders (`encode` methods return fixed arrays; the builder strings them together).
//!
//! Every read is bounds-checked and returns `None` past the end, so no input can make parsing
//! panic. Decoding an entry also checks its enumerations (trigger kind, mode, ...); the verifier
//! checks everything that relates one entry to another.

mod rules;
mod tables;

pub use rules::*;
pub use tables::*;

/// `GLAS`: the first four bytes of every program.
pub const MAGIC: [u8; 4] = *b"GLAS";
/// The format version this runtime reads. Version 2 had no shared limits (version 1 no sequence
/// steps either); a runtime refuses a version it does not read.
pub const VERSION: u16 = 3;

/// The sections, in the order of the section table (and of the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Section {
    /// `i64` constants.
    Consts = 0,
    /// Text index: where each text lies in `TextData`.
    Texts = 1,
    /// UTF-8 bytes of all texts.
    TextData = 2,
    /// Device state slots.
    States = 3,
    /// Pack variables with their ranges.
    Vars = 4,
    /// Device events the pack reacts to, with their payload layout.
    Events = 5,
    /// Device actions the pack may emit, with their privacy class.
    Actions = 6,
    /// `C for D` conditions.
    Held = 7,
    /// The rules.
    Rules = 8,
    /// The steps of the sequence rules: each rule's steps in order, the rules in table order.
    Steps = 9,
    /// Shared limits: `limit reminders: at most N per W`, which the rules naming it share.
    Limits = 10,
    /// Instructions.
    Code = 11,
}

/// Number of sections.
pub const SECTION_COUNT: usize = 12;
/// All sections in file order.
pub const SECTIONS: [Section; SECTION_COUNT] = [
    Section::Consts,
    Section::Texts,
    Section::TextData,
    Section::States,
    Section::Vars,
    Section::Events,
    Section::Actions,
    Section::Held,
    Section::Rules,
    Section::Steps,
    Section::Limits,
    Section::Code,
];

impl Section {
    /// Bytes per entry.
    pub const fn entry_size(self) -> usize {
        match self {
            Section::Consts => 8,
            Section::Texts => TEXT_SIZE,
            Section::TextData => 1,
            Section::States => STATE_SIZE,
            Section::Vars => VAR_SIZE,
            Section::Events => EVENT_SIZE,
            Section::Actions => ACTION_SIZE,
            Section::Held => HELD_SIZE,
            Section::Rules => RULE_SIZE,
            Section::Steps => STEP_SIZE,
            Section::Limits => LIMIT_SIZE,
            Section::Code => crate::isa::INSTR_SIZE,
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Section::Consts => "constants",
            Section::Texts => "texts",
            Section::TextData => "text data",
            Section::States => "states",
            Section::Vars => "variables",
            Section::Events => "events",
            Section::Actions => "actions",
            Section::Held => "held conditions",
            Section::Rules => "rules",
            Section::Steps => "sequence steps",
            Section::Limits => "shared limits",
            Section::Code => "code",
        }
    }
}

/// Bytes before the section table.
pub const FIXED_HEADER_SIZE: usize = 24;
/// The whole header: fixed part and section table (offset `u32`, size in bytes `u32` per section).
pub const HEADER_SIZE: usize = FIXED_HEADER_SIZE + SECTION_COUNT * 8;
pub const TEXT_SIZE: usize = 8;
pub const STATE_SIZE: usize = 4;
pub const VAR_SIZE: usize = 32;
pub const EVENT_SIZE: usize = 4;
pub const ACTION_SIZE: usize = 8;
pub const HELD_SIZE: usize = 16;
pub const RULE_SIZE: usize = 48;
pub const STEP_SIZE: usize = 12;
pub const LIMIT_SIZE: usize = 16;

/// "No privacy class" in the action table.
pub const NO_PRIVACY: u8 = 0xFF;
/// "No text": a name that is absent, and the value every unknown text takes at run time.
pub const NO_TEXT: u16 = 0xFFFF;
/// Texts the pack does not contain (a reminder's title, a contact's name) are the host's own:
/// the value `HOST_TEXT_BASE + handle` carries the host's `u32` handle through the runtime
/// untouched, equal only to the same handle.
pub const HOST_TEXT_BASE: i64 = 1 << 32;

/// Privacy classes by bit number in the permission set: the one list the compiler checks
/// `permit` and `privacy` against and the verifier checks permissions against.
pub const PRIVACY_CLASSES: [&str; 7] = ["camera", "microphone", "location", "payment", "health", "contacts", "cloud"];

/// FNV-1a, 64 bits: a hash stable across platforms and releases (unlike `std`'s), for the
/// profile hash a program records and the JIT's identity of a program's bytes.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// The name of a privacy class bit, for messages.
pub fn privacy_name(class: u8) -> &'static str {
    PRIVACY_CLASSES.get(usize::from(class)).copied().unwrap_or("unknown")
}

/// What a value is. Numbers cover Bool, Int, Percent, Duration, Time and enums (all `i64`);
/// a text is the index of a text in the text table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Num,
    Text,
}

impl Kind {
    /// Bit `i` of `mask` says whether item `i` is a text.
    #[inline]
    pub fn of_bit(mask: u8, i: usize) -> Kind {
        if u32::from(mask).checked_shr(i as u32).unwrap_or(0) & 1 == 1 { Kind::Text } else { Kind::Num }
    }
}

/// The fixed-size header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub version: u16,
    /// Reserved, must be 0.
    pub flags: u16,
    /// Hash of the capability profile the pack was compiled against; the host compares it with
    /// its own before loading.
    pub profile_hash: u64,
    /// Bit `i` set: the pack may use privacy class `i` of [`PRIVACY_CLASSES`].
    pub permissions: u32,
    /// Timers the program can have pending at once (the verifier recomputes it).
    pub timer_slots: u16,
    /// Must be [`SECTION_COUNT`].
    pub section_count: u16,
    /// `(offset, size in bytes)` of each section, in [`SECTIONS`] order.
    pub sections: [(u32, u32); SECTION_COUNT],
}

impl Header {
    pub fn encode(&self) -> [u8; HEADER_SIZE] {
        let mut w = Writer::<HEADER_SIZE>::new();
        w.bytes(&MAGIC);
        w.u16(self.version);
        w.u16(self.flags);
        w.u64(self.profile_hash);
        w.u32(self.permissions);
        w.u16(self.timer_slots);
        w.u16(self.section_count);
        for (offset, size) in self.sections {
            w.u32(offset);
            w.u32(size);
        }
        w.finish()
    }
}

/// Reads the header. `None` if the input is shorter than a header; the magic is returned for
/// the caller to check (so a short non-glass file is reported as such).
pub fn read_header(bytes: &[u8]) -> Option<([u8; 4], Header)> {
    let mut r = Reader::new(bytes);
    let magic = r.array::<4>()?;
    let mut h = Header {
        version: r.u16()?,
        flags: r.u16()?,
        profile_hash: r.u64()?,
        permissions: r.u32()?,
        timer_slots: r.u16()?,
        section_count: r.u16()?,
        sections: [(0, 0); SECTION_COUNT],
    };
    for s in h.sections.iter_mut() {
        *s = (r.u32()?, r.u32()?);
    }
    Some((magic, h))
}

/// A cursor over bytes whose reads fail instead of panicking.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    #[inline]
    pub fn at(bytes: &'a [u8], pos: usize) -> Self {
        Reader { bytes, pos }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let slice = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    #[inline]
    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    #[inline]
    pub fn u8(&mut self) -> Option<u8> {
        let [b] = self.array::<1>()?;
        Some(b)
    }

    #[inline]
    pub fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_le_bytes)
    }

    #[inline]
    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    #[inline]
    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    #[inline]
    pub fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_le_bytes)
    }
}

/// Fills a fixed array from the front; writes past the end are ignored (callers size it exactly).
struct Writer<const N: usize> {
    out: [u8; N],
    pos: usize,
}

impl<const N: usize> Writer<N> {
    fn new() -> Self {
        Writer { out: [0; N], pos: 0 }
    }

    fn bytes(&mut self, b: &[u8]) {
        for byte in b {
            if let Some(slot) = self.out.get_mut(self.pos) {
                *slot = *byte;
            }
            self.pos = self.pos.saturating_add(1);
        }
    }

    fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    fn i64(&mut self, v: i64) {
        self.bytes(&v.to_le_bytes());
    }

    fn finish(self) -> [u8; N] {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_is_the_published_function() {
        // Test vectors of FNV-1a 64: the empty input is the offset basis.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    fn round_trip(rule: RuleInfo) {
        let bytes = rule.encode();
        assert_eq!(RuleInfo::read(&mut Reader::new(&bytes)), Some(rule));
        // The single-field reads of the dispatch paths agree with the full one.
        let row = RuleRow::read(&mut Reader::new(&bytes));
        assert_eq!(row.map(|r| r.rate_window()), Some(rule.rate.map_or(0, |r| r.window_ms)));
        assert_eq!(row.and_then(|r| r.shared_limit()), rule.shared_limit);
        match rule.trigger {
            Trigger::Change { edge, value, .. } => assert_eq!(row.and_then(|r| r.change()), Some((edge, value))),
            Trigger::Sequence { events, len, within_ms, steps } => {
                assert_eq!(row.map(|r| r.sequence()), Some((events, len, within_ms, steps, 0)))
            }
            _ => {}
        }
    }

    #[test]
    fn rules_round_trip_for_every_trigger() {
        let base = RuleInfo {
            trigger: Trigger::Event { event: 3 },
            mode: Mode::Queued,
            rate: Some(RateLimit { count: 2, window_ms: 60_000 }),
            code_start: 7,
            code_len: 9,
            bound: 9,
            name: NO_TEXT,
            line: 12,
            shares_gate: 0,
            shared_limit: None,
        };
        let triggers = [
            Trigger::Event { event: 3 },
            Trigger::Change { source: Source::Var, index: 1, edge: Edge::Below, value: -15 },
            Trigger::Change { source: Source::State, index: 0, edge: Edge::Changes, value: 0 },
            Trigger::Every { period_ms: 1_800_000 },
            Trigger::Daily { minute: 450 },
            Trigger::Sequence { events: [1, 2, 1, 0], len: 3, within_ms: 400, steps: 7 },
        ];
        for trigger in triggers {
            round_trip(RuleInfo { trigger, ..base });
        }
        round_trip(RuleInfo { rate: None, mode: Mode::Single, ..base });
        round_trip(RuleInfo { shares_gate: 3, ..base });
        round_trip(RuleInfo { shared_limit: Some(0), ..base });
        round_trip(RuleInfo { shares_gate: 7, shared_limit: Some(254), ..base });
        round_trip(RuleInfo {
            mode: Mode::Restart,
            rate: Some(RateLimit { count: 8, window_ms: u64::MAX >> 1 }),
            code_start: 70_000,
            code_len: 1_024,
            bound: 1_000,
            ..base
        });
    }

    #[test]
    fn entries_round_trip() {
        let v = VarInfo { min: -3, max: i64::MAX, init: 0, name: 4 };
        assert_eq!(VarInfo::read(&mut Reader::new(&v.encode())), Some(v));
        let a = ActionInfo { argc: 3, text_mask: 0b100, privacy: 6, name: 1 };
        assert_eq!(ActionInfo::read(&mut Reader::new(&a.encode())), Some(a));
        let h = HeldInfo { code_start: 1, code_len: 2, duration_ms: 3_000 };
        assert_eq!(HeldInfo::read(&mut Reader::new(&h.encode())), Some(h));
        let s = StateInfo { kind: Kind::Text, name: NO_TEXT };
        assert_eq!(StateInfo::read(&mut Reader::new(&s.encode())), Some(s));
        let l = LimitInfo { count: 2, window_ms: 3_600_000, name: 5 };
        assert_eq!(LimitInfo::read(&mut Reader::new(&l.encode())), Some(l));
        // Reserved bytes set: refused.
        for at in [1, 4, 7] {
            let mut bytes = l.encode();
            if let Some(b) = bytes.get_mut(at) {
                *b = 1;
            }
            assert_eq!(LimitInfo::read(&mut Reader::new(&bytes)), None);
        }
    }

    #[test]
    fn reads_past_the_end_fail() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16(), Some(0x0201));
        assert_eq!(r.u16(), None);
        assert_eq!(r.u8(), Some(3));
        assert_eq!(r.u8(), None);
        assert_eq!(Reader::at(&[], usize::MAX).take(2), None);
        assert_eq!(read_header(&[0; HEADER_SIZE - 1]), None);
    }
}
