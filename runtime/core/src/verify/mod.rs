//! The verifier: a plain function from bytes to a [`Program`] that is safe to run, like rbpf's.
//!
//! It checks the layout (header, section table, every entry), every index, every code block (by
//! simulating its stack once: exact, because jumps only go forward and meet on an empty stack),
//! value kinds (a text is never used as a number), permissions, instruction bounds and the timer
//! slots the program needs. The interpreter relies on what it proves, and its accessors still
//! check every read, so even a verifier bug cannot make it panic.

use crate::format::*;
use crate::isa::{
    MAX_ARGS, MAX_LIMITS, MAX_RATE, MAX_RULE_BOUND, MAX_STACK, MAX_TEXTS, MAX_TRIGGERS, MINUTES_PER_DAY, Op,
};
use crate::program::{BlockKind, Program, Table};

mod block;

use block::check_block;

/// Why a program was refused. Positions are instruction indices in the code section (`at`) or
/// entry indices in a table, so a firmware log can point at the fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The file does not start with `GLAS`.
    BadMagic,
    UnsupportedVersion(u16),
    /// The input ends before the header or a section does.
    Truncated,
    /// Bytes after the last section.
    TrailingBytes,
    /// Reserved header bits set, an unknown permission bit, or the wrong section count.
    BadHeader,
    /// A section out of order, overlapping another, or not a whole number of entries.
    BadSection {
        section: Section,
    },
    /// A table holds more entries than indices or the runtime allow.
    TooManyEntries {
        section: Section,
        count: u32,
        max: u32,
    },
    /// An entry with an invalid field (enumeration byte, reserved bits, range, name, ...).
    BadEntry {
        section: Section,
        index: u32,
    },
    /// Two texts are equal (texts compare by index, so each must appear once).
    DuplicateText {
        index: u16,
    },
    /// A trigger's value does not fit the kind of what it watches (`below` on a text state).
    TriggerTypeMismatch {
        rule: u16,
    },
    /// A rule or held condition whose code range lies outside the code section.
    BadCodeRange {
        section: Section,
        index: u16,
    },
    /// An instruction names a constant, text, state, variable, action, payload field or held
    /// condition that does not exist.
    IndexOutOfBounds {
        at: u32,
        what: &'static str,
        index: u16,
    },
    BadOpcode {
        at: u32,
        byte: u8,
    },
    /// The reserved byte of an instruction is not 0.
    ReservedBits {
        at: u32,
    },
    /// An instruction that is not allowed where it stands (`Payload` in a timer rule, `Emit`
    /// before the gate, `Gate` twice, ...).
    NotAllowedHere {
        at: u32,
        op: Op,
    },
    StackUnderflow {
        at: u32,
    },
    StackOverflow {
        at: u32,
    },
    /// A text used as a number, or an argument or comparison of the wrong kind.
    TypeMismatch {
        at: u32,
    },
    /// A block that does not end with `End` on its last instruction, with the right stack.
    BadBlockEnd {
        at: u32,
    },
    /// An instruction no path reaches.
    Unreachable {
        at: u32,
    },
    /// A jump past its block, with a non-empty stack, to a target reached in different states,
    /// or one too many pending jumps.
    BadJump {
        at: u32,
    },
    /// A jump to an earlier instruction (rule code only goes forward).
    BackwardJump {
        at: u32,
    },
    /// An action whose privacy class the pack's permission set lacks.
    PermissionDenied {
        action: u16,
        class: u8,
    },
    /// A rule whose longest path is longer than its recorded bound, or whose bound exceeds
    /// [`MAX_RULE_BOUND`].
    InstructionBoundExceeded {
        rule: u16,
        bound: u16,
        needed: u32,
    },
    /// The header's timer slots differ from what the rules need.
    TimerSlotsMismatch {
        declared: u16,
        needed: u32,
    },
    /// A rule counts against a shared limit the limit table does not have.
    UnknownLimit {
        rule: u16,
        limit: u16,
    },
    /// Another trigger of a rule (a row sharing the gate of row `first`) names another shared
    /// limit than that row.
    LimitMismatch {
        rule: u16,
        first: u16,
    },
}

impl core::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use VerifyError::*;
        match *self {
            BadMagic => write!(f, "not a glass program (it does not start with `GLAS`)"),
            UnsupportedVersion(v) => {
                write!(f, "bytecode format version {v} is not supported (this runtime reads version {VERSION})")
            }
            Truncated => write!(f, "the program is truncated"),
            TrailingBytes => write!(f, "the program has bytes after its last section"),
            BadHeader => write!(f, "the header has reserved bits set, unknown permissions or a wrong section count"),
            BadSection { section } => {
                write!(f, "the {} section is misplaced or not a whole number of entries", section.name())
            }
            TooManyEntries { section, count, max } => {
                write!(f, "the {} section has {count} entries, more than the {max} allowed", section.name())
            }
            BadEntry { section, index } => write!(f, "entry {index} of the {} table is invalid", section.name()),
            DuplicateText { index } => write!(f, "text {index} appears twice in the text table"),
            TriggerTypeMismatch { rule } => {
                write!(f, "rule {rule} compares what it watches with a value of another kind")
            }
            BadCodeRange { section, index } => {
                write!(f, "entry {index} of the {} table points outside the code", section.name())
            }
            IndexOutOfBounds { at, what, index } => {
                write!(f, "instruction {at} names {what} {index}, which does not exist")
            }
            BadOpcode { at, byte } => write!(f, "instruction {at} has unknown opcode 0x{byte:02x}"),
            ReservedBits { at } => write!(f, "instruction {at} has its reserved byte set"),
            NotAllowedHere { at, op } => write!(f, "instruction {at} (`{}`) is not allowed here", op.name()),
            StackUnderflow { at } => write!(f, "instruction {at} pops from an empty stack"),
            StackOverflow { at } => write!(f, "instruction {at} pushes past the stack limit of {MAX_STACK}"),
            TypeMismatch { at } => write!(f, "instruction {at} uses a text as a number or mixes texts and numbers"),
            BadBlockEnd { at } => write!(f, "the code block ending at instruction {at} is malformed"),
            Unreachable { at } => write!(f, "instruction {at} can never run"),
            BadJump { at } => write!(f, "the jump at instruction {at} is invalid"),
            BackwardJump { at } => write!(f, "instruction {at} jumps backward, which rule code may not do"),
            PermissionDenied { action, class } => write!(
                f,
                "action {action} needs the `{}` permission, which the pack does not declare (add `permit {}`)",
                privacy_name(class),
                privacy_name(class)
            ),
            InstructionBoundExceeded { rule, bound, needed } => write!(
                f,
                "rule {rule} can run {needed} instructions but records a bound of {bound} (the limit is {MAX_RULE_BOUND})"
            ),
            TimerSlotsMismatch { declared, needed } => {
                write!(f, "the header declares {declared} timer slots but the rules need {needed}")
            }
            UnknownLimit { rule, limit } => {
                write!(f, "rule {rule} counts against shared limit {limit}, which does not exist")
            }
            LimitMismatch { rule, first } => {
                write!(f, "rule {rule} is another trigger of rule {first} but counts against another shared limit")
            }
        }
    }
}

/// Checks `bytes` and returns the program they hold.
pub fn verify(bytes: &[u8]) -> Result<Program<'_>, VerifyError> {
    let Some((magic, header)) = read_header(bytes) else {
        return Err(match bytes.get(..4) {
            Some(m) if m != MAGIC => VerifyError::BadMagic,
            _ => VerifyError::Truncated,
        });
    };
    if magic != MAGIC {
        return Err(VerifyError::BadMagic);
    }
    if header.version != VERSION {
        return Err(VerifyError::UnsupportedVersion(header.version));
    }
    if header.flags != 0
        || usize::from(header.section_count) != SECTION_COUNT
        || header.permissions.checked_shr(PRIVACY_CLASSES.len() as u32).unwrap_or(0) != 0
    {
        return Err(VerifyError::BadHeader);
    }
    let tables = layout(bytes, &header)?;
    let mut sections: [&[u8]; SECTION_COUNT] = [&[]; SECTION_COUNT];
    for ((section, t), slot) in SECTIONS.iter().zip(&tables).zip(&mut sections) {
        // `layout` has checked every section lies inside `bytes`.
        let size = (t.count as usize).checked_mul(section.entry_size());
        *slot = size
            .and_then(|size| bytes.get(t.offset..t.offset.checked_add(size)?))
            .ok_or(VerifyError::BadSection { section: *section })?;
    }
    let p = Program { bytes, header, tables, sections };
    check_texts(&p)?;
    check_tables(&p)?;
    let mut timers: u32 = 0;
    for i in 0..p.len16(Section::Held) {
        let held = p.held(i).ok_or(VerifyError::BadEntry { section: Section::Held, index: u32::from(i) })?;
        if held.duration_ms == 0 || held.duration_ms > i64::MAX as u64 {
            return Err(VerifyError::BadEntry { section: Section::Held, index: u32::from(i) });
        }
        check_block(&p, held.code_start, held.code_len, BlockKind::Held, Section::Held, i)?;
    }
    let mut steps = StepCursor::default();
    for i in 0..p.len16(Section::Rules) {
        timers = timers.saturating_add(check_rule(&p, i, &mut steps)?);
    }
    if steps.next != p.count(Section::Steps) {
        return Err(VerifyError::BadSection { section: Section::Steps });
    }
    if timers != u32::from(header.timer_slots) {
        return Err(VerifyError::TimerSlotsMismatch { declared: header.timer_slots, needed: timers });
    }
    Ok(p)
}

/// Checks the section table: in order, back to back from the header to the end of the input,
/// each a whole number of entries, and not more entries than indices allow.
fn layout(bytes: &[u8], h: &Header) -> Result<[Table; SECTION_COUNT], VerifyError> {
    let mut tables = [Table::default(); SECTION_COUNT];
    let mut pos = HEADER_SIZE;
    for ((section, &(offset, size)), table) in SECTIONS.iter().zip(h.sections.iter()).zip(tables.iter_mut()) {
        let (offset, size) = (offset as usize, size as usize);
        let entry = section.entry_size();
        if offset != pos || size.checked_rem(entry) != Some(0) {
            return Err(VerifyError::BadSection { section: *section });
        }
        let end = offset.checked_add(size).ok_or(VerifyError::Truncated)?;
        if end > bytes.len() {
            return Err(VerifyError::Truncated);
        }
        let count = u32::try_from(size.checked_div(entry).unwrap_or(0)).unwrap_or(u32::MAX);
        let max = match section {
            Section::Code | Section::TextData => u32::MAX,
            Section::Texts => MAX_TEXTS as u32,
            // A rule row names a limit in one byte.
            Section::Limits => u32::from(MAX_LIMITS),
            // Index 0xFFFF is kept free (NO_TEXT for names; "none" elsewhere).
            _ => u32::from(u16::MAX),
        };
        if count > max {
            return Err(VerifyError::TooManyEntries { section: *section, count, max });
        }
        *table = Table { offset, count };
        pos = end;
    }
    if pos != bytes.len() {
        return Err(VerifyError::TrailingBytes);
    }
    Ok(tables)
}

fn check_texts(p: &Program) -> Result<(), VerifyError> {
    let n = p.len16(Section::Texts);
    for i in 0..n {
        let Some(text) = p.text(i) else {
            return Err(VerifyError::BadEntry { section: Section::Texts, index: u32::from(i) });
        };
        // Quadratic, but over at most MAX_TEXTS short texts, once at load.
        if (0..i).any(|j| p.text(j) == Some(text)) {
            return Err(VerifyError::DuplicateText { index: i });
        }
    }
    Ok(())
}

/// The tables whose entries stand alone: states, variables, events, actions and shared limits.
fn check_tables(p: &Program) -> Result<(), VerifyError> {
    let texts = p.len16(Section::Texts);
    let name_ok = |name: u16| name == NO_TEXT || name < texts;
    let mask_ok = |mask: u8, n: u8| u32::from(mask).checked_shr(u32::from(n)).unwrap_or(0) == 0;
    let bad = |section, i: u16| VerifyError::BadEntry { section, index: u32::from(i) };
    for i in 0..p.len16(Section::States) {
        let s = p.state(i).ok_or(bad(Section::States, i))?;
        if !name_ok(s.name) {
            return Err(bad(Section::States, i));
        }
    }
    for i in 0..p.len16(Section::Vars) {
        let v = p.var(i).ok_or(bad(Section::Vars, i))?;
        if v.min > v.max || v.init < v.min || v.init > v.max || !name_ok(v.name) {
            return Err(bad(Section::Vars, i));
        }
    }
    for i in 0..p.len16(Section::Events) {
        let e = p.event(i).ok_or(bad(Section::Events, i))?;
        if usize::from(e.fields) > MAX_ARGS || !mask_ok(e.text_mask, e.fields) || !name_ok(e.name) {
            return Err(bad(Section::Events, i));
        }
    }
    for i in 0..p.len16(Section::Actions) {
        let a = p.action(i).ok_or(bad(Section::Actions, i))?;
        if usize::from(a.argc) > MAX_ARGS || !mask_ok(a.text_mask, a.argc) || !name_ok(a.name) {
            return Err(bad(Section::Actions, i));
        }
        if a.privacy != NO_PRIVACY {
            if usize::from(a.privacy) >= PRIVACY_CLASSES.len() {
                return Err(bad(Section::Actions, i));
            }
            if p.header.permissions.checked_shr(u32::from(a.privacy)).unwrap_or(0) & 1 == 0 {
                return Err(VerifyError::PermissionDenied { action: i, class: a.privacy });
            }
        }
    }
    for i in 0..p.len16(Section::Limits) {
        let l = p.limit(i).ok_or(bad(Section::Limits, i))?;
        if !(1..=MAX_RATE).contains(&l.count) || l.window_ms == 0 || l.window_ms > i64::MAX as u64 || !name_ok(l.name) {
            return Err(bad(Section::Limits, i));
        }
    }
    Ok(())
}

/// Where the next sequence's steps and kept slots must start: each sequence rule takes the
/// next entries of the step table, and each step the next kept slots, in table order.
#[derive(Default)]
struct StepCursor {
    next: u32,
    kept: u32,
}

/// Checks one rule; returns the timer slots it needs.
fn check_rule(p: &Program, i: u16, steps: &mut StepCursor) -> Result<u32, VerifyError> {
    let bad = VerifyError::BadEntry { section: Section::Rules, index: u32::from(i) };
    let r = p.rule(i).ok_or(bad)?;
    if r.name != NO_TEXT && r.name >= p.len16(Section::Texts) {
        return Err(bad);
    }
    if let Some(rate) = r.rate
        && (rate.count > MAX_RATE || rate.window_ms == 0 || rate.window_ms > i64::MAX as u64)
    {
        return Err(bad);
    }
    // Another trigger of an earlier rule shares that rule's gate, so it has that rule's mode
    // and rate limit, and the row it points at has a gate of its own.
    if r.shares_gate >= MAX_TRIGGERS {
        return Err(bad);
    }
    if let Some(limit) = r.shared_limit
        && limit >= p.len16(Section::Limits)
    {
        return Err(VerifyError::UnknownLimit { rule: i, limit });
    }
    if r.shares_gate > 0 {
        let at = i.checked_sub(r.shares_gate).ok_or(bad)?;
        let first = p.rule(at).ok_or(bad)?;
        if first.shares_gate != 0 || first.mode != r.mode || first.rate != r.rate {
            return Err(bad);
        }
        // One rule, one shared limit: its first row's.
        if first.shared_limit != r.shared_limit {
            return Err(VerifyError::LimitMismatch { rule: i, first: at });
        }
    }
    let mut timers: u32 = 0;
    // The trigger's fields are checked here; what they give the code is `BlockKind::of_rule`'s.
    match r.trigger {
        Trigger::Event { event } => {
            p.event(event).ok_or(bad)?;
        }
        Trigger::Change { source, index, edge, value } => {
            let kind = match source {
                Source::State => p.state(index).ok_or(bad)?.kind,
                Source::Var => {
                    p.var(index).ok_or(bad)?;
                    Kind::Num
                }
            };
            match (kind, edge) {
                (Kind::Text, Edge::Below | Edge::Above) => return Err(VerifyError::TriggerTypeMismatch { rule: i }),
                (Kind::Text, Edge::Becomes) if !(0..i64::from(p.len16(Section::Texts))).contains(&value) => {
                    return Err(VerifyError::TriggerTypeMismatch { rule: i });
                }
                (_, Edge::Changes) if value != 0 => return Err(bad),
                _ => {}
            }
        }
        Trigger::Every { period_ms } => {
            if period_ms == 0 {
                return Err(bad);
            }
            timers = 1;
        }
        Trigger::Daily { minute } => {
            if minute >= MINUTES_PER_DAY {
                return Err(bad);
            }
            timers = 1;
        }
        Trigger::Held { held } => {
            p.held(held).ok_or(bad)?;
            // The timer set when the condition starts to hold (one at a time: it is dropped
            // when the condition stops).
            timers = 1;
        }
        Trigger::Sequence { events, len, within_ms, steps: first } => {
            let len = usize::from(len);
            if !(2..=MAX_SEQUENCE).contains(&len) || within_ms == 0 || u32::from(first) != steps.next {
                return Err(bad);
            }
            for (k, e) in events.iter().enumerate() {
                let ok = if k < len { *e < p.len16(Section::Events) } else { *e == 0 };
                if !ok {
                    return Err(bad);
                }
            }
            let features = check_steps(p, &r, events.get(..len).ok_or(bad)?, steps)?;
            if p.rule_row(i).map(|row| row.sequence().4) != Some(features) {
                return Err(bad);
            }
            if features & SEQUENCE_ENDS_ABSENT != 0 {
                // The timer of the window's end, which completes a sequence that ends in an
                // absence.
                timers = 1;
            }
        }
    }
    let kind = BlockKind::of_rule(p, &r).ok_or(bad)?;
    let facts = check_block(p, r.code_start, r.code_len, kind, Section::Rules, i)?;
    if facts.longest > u32::from(r.bound) || r.bound > MAX_RULE_BOUND {
        return Err(VerifyError::InstructionBoundExceeded { rule: i, bound: r.bound, needed: facts.longest });
    }
    Ok(timers.saturating_add(facts.delayed))
}

/// Checks the steps of sequence rule `r`, whose events are `events`, and moves the cursor past
/// them; returns the step features its row must record. Only the last step may be absent (not
/// the first), an absent step keeps nothing, a step keeps only fields its event has, and its
/// filter is a block that yields one number.
fn check_steps(p: &Program, r: &RuleInfo, events: &[u16], steps: &mut StepCursor) -> Result<u8, VerifyError> {
    let first = steps.next;
    for (k, event) in events.iter().enumerate() {
        let index = u16::try_from(steps.next).map_err(|_| VerifyError::BadSection { section: Section::Steps })?;
        let bad = VerifyError::BadEntry { section: Section::Steps, index: steps.next };
        let step = p.step(index).ok_or(bad)?;
        let fields = p.event(*event).ok_or(bad)?.fields;
        let last = k.saturating_add(1) == events.len();
        if (step.absent && (!last || k == 0 || step.keep != 0))
            || u32::from(step.keep).checked_shr(u32::from(fields)).unwrap_or(0) != 0
            || u32::from(step.kept_at) != steps.kept
        {
            return Err(bad);
        }
        steps.kept = steps.kept.saturating_add(u32::from(step.kept()));
        if steps.kept > u32::from(u16::MAX) {
            return Err(bad);
        }
        if step.code_len > 0 {
            let kind = BlockKind::of_step(p, r, k as u8).ok_or(bad)?;
            check_block(p, step.code_start, step.code_len, kind, Section::Steps, index)?;
        }
        steps.next = steps.next.saturating_add(1);
    }
    // Every step was read above.
    let taken = (first..steps.next).filter_map(|i| p.step(u16::try_from(i).ok()?));
    Ok(sequence_features(taken))
}
