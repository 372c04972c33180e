//! The rule table's entry: the trigger, the re-trigger mode, the rate limit and the code, with
//! single-field reads for the dispatch paths.

use super::{RULE_SIZE, Reader, Writer};

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

/// A sequence rule's row, byte 1: some step has a filter or keeps fields, so a step reads its
/// entry in the step table (the row of a sequence without this bit is all its steps need).
pub const SEQUENCE_READS_STEPS: u8 = 1;
/// A sequence rule's row, byte 1: the last step is an absence.
pub const SEQUENCE_ENDS_ABSENT: u8 = 2;

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
    /// When `events[..len]` happen in that order, all within `within_ms` of the first (or, when
    /// the last step is an absence, when the window ends without it). The steps are entries
    /// `steps..steps + len` of the step table.
    Sequence { events: [u16; MAX_SEQUENCE], len: u8, within_ms: u64, steps: u16 },
    /// Once each time held condition `held` has held for its duration: a timer is set when the
    /// condition starts to hold and dropped when it stops, so the rule re-arms only after the
    /// condition was false.
    Held { held: u16 },
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
    /// A text index, or [`NO_TEXT`](super::NO_TEXT).
    pub name: u16,
    /// Source line, for messages.
    pub line: u32,
    /// Another trigger of an earlier rule (`on a or b`): how many rows back that rule's first
    /// row is, whose gate (busy state, waiting trigger, rate-limit ring) this row uses; 0 for a
    /// row with its own gate. One byte in the row (offset 42): a larger value is encoded as 255,
    /// which the verifier refuses.
    pub shares_gate: u16,
    /// The shared limit the rule counts against (`limit reminders`): an index into the limit
    /// table. One byte in the row (offset 43: 0 for none, else the index + 1), so at most
    /// [`MAX_LIMITS`](crate::isa::MAX_LIMITS) limits can be named.
    pub shared_limit: Option<u16>,
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

    /// The events, length, window (ms), first step and step features
    /// ([`SEQUENCE_READS_STEPS`], [`SEQUENCE_ENDS_ABSENT`]) of a sequence trigger.
    #[inline]
    pub fn sequence(&self) -> ([u16; MAX_SEQUENCE], u8, u64, u16, u8) {
        let row = &self.0;
        let events = [
            u16::from_le_bytes([row[32], row[33]]),
            u16::from_le_bytes([row[34], row[35]]),
            u16::from_le_bytes([row[36], row[37]]),
            u16::from_le_bytes([row[38], row[39]]),
        ];
        (events, row[6], self.param().max(0) as u64, u16::from_le_bytes([row[4], row[5]]), row[1])
    }

    /// The window of the rate limit, in ms.
    #[inline]
    pub fn rate_window(&self) -> u64 {
        let row = &self.0;
        u64::from_le_bytes([row[16], row[17], row[18], row[19], row[20], row[21], row[22], row[23]])
    }

    /// The shared limit the rule counts against (an index into the limit table), if any.
    #[inline]
    pub fn shared_limit(&self) -> Option<u16> {
        u16::from(self.0[43]).checked_sub(1)
    }

    /// The held condition of a held trigger; `None` for other triggers.
    #[inline]
    pub fn held(&self) -> Option<u16> {
        let row = &self.0;
        (row[0] == TRIGGER_HELD).then(|| u16::from_le_bytes([row[4], row[5]]))
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
const TRIGGER_HELD: u8 = 5;

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
        let shares_gate = u16::from(r.u8()?);
        let shared_limit = u16::from(r.u8()?).checked_sub(1);
        let line = r.u32()?;
        let unused_zero = |ok: bool| if ok { Some(()) } else { None };
        let trigger = match kind {
            TRIGGER_EVENT | TRIGGER_EVERY | TRIGGER_DAILY | TRIGGER_HELD => {
                unused_zero(edge_byte == 0 && source_byte == 0 && seq_len == 0 && events == [0; MAX_SEQUENCE])?;
                match kind {
                    TRIGGER_EVENT => {
                        unused_zero(param == 0)?;
                        Trigger::Event { event: target }
                    }
                    TRIGGER_HELD => {
                        unused_zero(param == 0)?;
                        Trigger::Held { held: target }
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
                // Byte 1 holds the step features, which the verifier checks against the steps.
                unused_zero(edge_byte & !(SEQUENCE_READS_STEPS | SEQUENCE_ENDS_ABSENT) == 0 && source_byte == 0)?;
                Trigger::Sequence { events, len: seq_len, within_ms: u64::try_from(param).ok()?, steps: target }
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
        Some(RuleInfo { trigger, mode, rate, code_start, code_len, bound, name, line, shares_gate, shared_limit })
    }

    pub fn encode(&self) -> [u8; RULE_SIZE] {
        let (kind, edge, source, target, seq_len, param, events) = match self.trigger {
            Trigger::Event { event } => (TRIGGER_EVENT, 0, 0, event, 0, 0, [0; MAX_SEQUENCE]),
            Trigger::Change { source, index, edge, value } => {
                (TRIGGER_CHANGE, edge as u8, source as u8, index, 0, value, [0; MAX_SEQUENCE])
            }
            Trigger::Every { period_ms } => (TRIGGER_EVERY, 0, 0, 0, 0, period_ms as i64, [0; MAX_SEQUENCE]),
            Trigger::Daily { minute } => (TRIGGER_DAILY, 0, 0, 0, 0, i64::from(minute), [0; MAX_SEQUENCE]),
            Trigger::Sequence { events, len, within_ms, steps } => {
                (TRIGGER_SEQUENCE, 0, 0, steps, len, within_ms as i64, events)
            }
            Trigger::Held { held } => (TRIGGER_HELD, 0, 0, held, 0, 0, [0; MAX_SEQUENCE]),
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
        // Out of range: 255, which the verifier refuses (shared gates are at most 7 rows back,
        // and a limit index at most 254).
        w.u8(u8::try_from(self.shares_gate).unwrap_or(u8::MAX));
        w.u8(self.shared_limit.map_or(0, |l| u8::try_from(l.saturating_add(1)).unwrap_or(u8::MAX)));
        w.u32(self.line);
        w.finish()
    }
}
