//! The binary layout of a compiled pack (`spec/bytecode.md`): the header, the section table and
//! the fixed-size entries of each table, with checked little-endian reads and allocation-free
//! encoders (`encode` methods return fixed arrays; the builder strings them together).
//!
//! Every read is bounds-checked and returns `None` past the end, so no input can make parsing
//! panic. Decoding an entry also checks its enumerations (trigger kind, mode, ...); the verifier
//! checks everything that relates one entry to another.

/// `GLAS`: the first four bytes of every program.
pub const MAGIC: [u8; 4] = *b"GLAS";
/// The format version this runtime reads.
pub const VERSION: u16 = 1;

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
    /// Instructions.
    Code = 9,
}

/// Number of sections.
pub const SECTION_COUNT: usize = 10;
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
    /// A text index, or [`NO_TEXT`].
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
    /// A bit number of [`PRIVACY_CLASSES`], or [`NO_PRIVACY`].
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

/// Where a change trigger looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Source {
    State = 0,
    Var = 1,
}

/// Which changes fire a change trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Edge {
    /// Any change.
    Changes = 0,
    /// `old != V && new == V`.
    Becomes = 1,
    /// `old >= T && new < T`: crossing down.
    Below = 2,
    /// `old <= T && new > T`: crossing up.
    Above = 3,
}

/// The most events in a sequence trigger.
pub const MAX_SEQUENCE: usize = 4;

/// What makes a rule run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Each time `event` happens.
    Event { event: u16 },
    /// When state or variable `index` changes as `edge` says; `value` is `V` or `T` (a number, or
    /// a text index for `becomes` on a text state).
    Change { source: Source, index: u16, edge: Edge, value: i64 },
    /// Every `period_ms`, the first time one period after load.
    Every { period_ms: u64 },
    /// Once a day when the clock's minute of the day (`now_ms / 60000 % 1440`) is `minute`.
    Daily { minute: u16 },
    /// When `events[..len]` happen in that order, all within `within_ms` of the first.
    Sequence { events: [u16; MAX_SEQUENCE], len: u8, within_ms: u64 },
}

/// What a rule does when it triggers while it still has delayed actions pending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Ignore the new trigger (the default).
    Single = 0,
    /// Cancel the pending actions and run again.
    Restart = 1,
    /// Run again once the pending actions are done. One trigger waits; a later one replaces it.
    Queued = 2,
}

/// `at most count per window_ms`: a sliding window over the last `count` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u8,
    pub window_ms: u64,
}

/// One row of the rule table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub trigger: Trigger,
    pub mode: Mode,
    pub rate: Option<RateLimit>,
    pub code_start: u32,
    pub code_len: u16,
    /// The most instructions one run executes (the compiler's figure; the verifier checks it).
    pub bound: u16,
    /// A text index, or [`NO_TEXT`].
    pub name: u16,
    /// Source line, for messages.
    pub line: u32,
}

/// What running a rule needs of its row (its code, mode and rate limit); the runtime keeps these
/// fields per rule from load on, so a run decodes no row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunInfo {
    pub mode: Mode,
    pub rate: Option<RateLimit>,
    pub code_start: u32,
    pub code_len: u16,
    pub bound: u16,
}

/// Single fields of a verified rule row (§4 of the spec), read at their offsets for the
/// interpreter's hot paths, where decoding and re-validating the whole row would cost more
/// than the rule's code. Only for rows the verifier accepted (through [`RuleInfo::read`]).
#[derive(Clone, Copy, Debug)]
pub struct RuleRow([u8; RULE_SIZE]);

impl RuleRow {
    #[inline]
    pub fn read(r: &mut Reader) -> Option<Self> {
        Some(RuleRow(r.array()?))
    }

    /// The edge and value of a change trigger; `None` for a bad edge byte.
    #[inline]
    pub fn change(&self) -> Option<(Edge, i64)> {
        let row = &self.0;
        let edge = match row[1] {
            0 => Edge::Changes,
            1 => Edge::Becomes,
            2 => Edge::Below,
            3 => Edge::Above,
            _ => return None,
        };
        Some((edge, self.param()))
    }

    /// The events, length and window (ms) of a sequence trigger.
    #[inline]
    pub fn sequence(&self) -> ([u16; MAX_SEQUENCE], u8, u64) {
        let row = &self.0;
        let events = [
            u16::from_le_bytes([row[32], row[33]]),
            u16::from_le_bytes([row[34], row[35]]),
            u16::from_le_bytes([row[36], row[37]]),
            u16::from_le_bytes([row[38], row[39]]),
        ];
        (events, row[6], self.param().max(0) as u64)
    }

    /// The window of the rate limit, in ms.
    #[inline]
    pub fn rate_window(&self) -> u64 {
        let row = &self.0;
        u64::from_le_bytes([row[16], row[17], row[18], row[19], row[20], row[21], row[22], row[23]])
    }

    #[inline]
    fn param(&self) -> i64 {
        let row = &self.0;
        i64::from_le_bytes([row[8], row[9], row[10], row[11], row[12], row[13], row[14], row[15]])
    }
}

const TRIGGER_EVENT: u8 = 0;
const TRIGGER_CHANGE: u8 = 1;
const TRIGGER_EVERY: u8 = 2;
const TRIGGER_DAILY: u8 = 3;
const TRIGGER_SEQUENCE: u8 = 4;

impl RuleInfo {
    /// Decodes a rule entry; `None` if an enumeration byte or reserved field is invalid.
    pub fn read(r: &mut Reader) -> Option<Self> {
        // One bounds check for the whole row; the field reads below are on a fixed-size copy,
        // which the compiler checks statically (the interpreter reads rows on hot paths).
        let row: [u8; RULE_SIZE] = r.array()?;
        let r = &mut Reader::new(&row);
        let kind = r.u8()?;
        let edge_byte = r.u8()?;
        let source_byte = r.u8()?;
        let mode = match r.u8()? {
            0 => Mode::Single,
            1 => Mode::Restart,
            2 => Mode::Queued,
            _ => return None,
        };
        let target = r.u16()?;
        let seq_len = r.u8()?;
        let rate_count = r.u8()?;
        let param = r.i64()?;
        let rate_window = r.u64()?;
        let code_start = r.u32()?;
        let code_len = r.u16()?;
        let bound = r.u16()?;
        let events = [r.u16()?, r.u16()?, r.u16()?, r.u16()?];
        let name = r.u16()?;
        if r.u16()? != 0 {
            return None;
        }
        let line = r.u32()?;
        let unused_zero = |ok: bool| if ok { Some(()) } else { None };
        let trigger = match kind {
            TRIGGER_EVENT | TRIGGER_EVERY | TRIGGER_DAILY => {
                unused_zero(edge_byte == 0 && source_byte == 0 && seq_len == 0 && events == [0; MAX_SEQUENCE])?;
                match kind {
                    TRIGGER_EVENT => {
                        unused_zero(param == 0)?;
                        Trigger::Event { event: target }
                    }
                    TRIGGER_EVERY => {
                        unused_zero(target == 0)?;
                        Trigger::Every { period_ms: u64::try_from(param).ok()? }
                    }
                    _ => {
                        unused_zero(target == 0)?;
                        Trigger::Daily { minute: u16::try_from(param).ok()? }
                    }
                }
            }
            TRIGGER_CHANGE => {
                unused_zero(seq_len == 0 && events == [0; MAX_SEQUENCE])?;
                let source = match source_byte {
                    0 => Source::State,
                    1 => Source::Var,
                    _ => return None,
                };
                let edge = match edge_byte {
                    0 => Edge::Changes,
                    1 => Edge::Becomes,
                    2 => Edge::Below,
                    3 => Edge::Above,
                    _ => return None,
                };
                Trigger::Change { source, index: target, edge, value: param }
            }
            TRIGGER_SEQUENCE => {
                unused_zero(edge_byte == 0 && source_byte == 0 && target == 0)?;
                Trigger::Sequence { events, len: seq_len, within_ms: u64::try_from(param).ok()? }
            }
            _ => return None,
        };
        let rate = match rate_count {
            0 => {
                unused_zero(rate_window == 0)?;
                None
            }
            count => Some(RateLimit { count, window_ms: rate_window }),
        };
        Some(RuleInfo { trigger, mode, rate, code_start, code_len, bound, name, line })
    }

    pub fn encode(&self) -> [u8; RULE_SIZE] {
        let (kind, edge, source, target, seq_len, param, events) = match self.trigger {
            Trigger::Event { event } => (TRIGGER_EVENT, 0, 0, event, 0, 0, [0; MAX_SEQUENCE]),
            Trigger::Change { source, index, edge, value } => {
                (TRIGGER_CHANGE, edge as u8, source as u8, index, 0, value, [0; MAX_SEQUENCE])
            }
            Trigger::Every { period_ms } => (TRIGGER_EVERY, 0, 0, 0, 0, period_ms as i64, [0; MAX_SEQUENCE]),
            Trigger::Daily { minute } => (TRIGGER_DAILY, 0, 0, 0, 0, i64::from(minute), [0; MAX_SEQUENCE]),
            Trigger::Sequence { events, len, within_ms } => (TRIGGER_SEQUENCE, 0, 0, 0, len, within_ms as i64, events),
        };
        let (rate_count, rate_window) = self.rate.map_or((0, 0), |r| (r.count, r.window_ms));
        let mut w = Writer::new();
        w.u8(kind);
        w.u8(edge);
        w.u8(source);
        w.u8(self.mode as u8);
        w.u16(target);
        w.u8(seq_len);
        w.u8(rate_count);
        w.i64(param);
        w.u64(rate_window);
        w.u32(self.code_start);
        w.u16(self.code_len);
        w.u16(self.bound);
        for e in events {
            w.u16(e);
        }
        w.u16(self.name);
        w.u16(0);
        w.u32(self.line);
        w.finish()
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
        match rule.trigger {
            Trigger::Change { edge, value, .. } => assert_eq!(row.and_then(|r| r.change()), Some((edge, value))),
            Trigger::Sequence { events, len, within_ms } => {
                assert_eq!(row.map(|r| r.sequence()), Some((events, len, within_ms)))
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
        };
        let triggers = [
            Trigger::Event { event: 3 },
            Trigger::Change { source: Source::Var, index: 1, edge: Edge::Below, value: -15 },
            Trigger::Change { source: Source::State, index: 0, edge: Edge::Changes, value: 0 },
            Trigger::Every { period_ms: 1_800_000 },
            Trigger::Daily { minute: 450 },
            Trigger::Sequence { events: [1, 2, 1, 0], len: 3, within_ms: 400 },
        ];
        for trigger in triggers {
            round_trip(RuleInfo { trigger, ..base });
        }
        round_trip(RuleInfo { rate: None, mode: Mode::Single, ..base });
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
