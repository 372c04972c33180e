//! Writing programs: the encoder `glassc`'s backend uses and tests build programs with.
//!
//! Host-only: it allocates, so it exists only with the `builder` feature (and in this crate's
//! own tests); the default build of the crate never allocates.
//!
//! ```
//! use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec};
//! use glass_runtime::format::{Kind, Trigger};
//! use glass_runtime::isa::Op;
//!
//! // on button-long-press while driving: record clip, notify car
//! let mut b = ProgramBuilder::new();
//! b.permit("camera");
//! let driving = b.state("driving", Kind::Num);
//! let press = b.event("button-long-press", &[]);
//! let record = b.action("record", &[Kind::Num], Some("camera"));
//! let notify = b.action("notify car", &[], None);
//! let mut code = Code::new();
//! code.op(Op::State, driving).op(Op::ExitIfFalse, 0).op(Op::Gate, 0);
//! code.op(Op::Small, 1).op(Op::Emit, record).op(Op::Emit, notify).op(Op::End, 0);
//! b.rule(RuleSpec::on(Trigger::Event { event: press }), &code);
//! let bytes = b.finish();
//! assert!(glass_runtime::verify(&bytes).is_ok());
//! ```

// Host-only code that never sees untrusted input: the no-panic lints of the device code do not
// apply to it (it still avoids panicking on any call).
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::format::*;
use crate::isa::{Instr, Op};

/// Everything of a rule-table row but its code range and bound, which the builder computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleSpec {
    pub trigger: Trigger,
    pub mode: Mode,
    pub rate: Option<RateLimit>,
    /// A text index for the rule's name, or [`NO_TEXT`].
    pub name: u16,
    pub line: u32,
    /// Overrides the computed instruction bound (tests of the verifier use it).
    pub bound: Option<u16>,
    /// Another trigger of the rule this many rows back, whose gate it shares (0: its own).
    pub shares_gate: u16,
    /// The shared limit the rule counts against (an index [`ProgramBuilder::limit`] returned).
    /// Every trigger of a rule names the same one.
    pub shared_limit: Option<u16>,
}

impl RuleSpec {
    /// A rule with this trigger, `mode single`, no rate limit and no name.
    pub fn on(trigger: Trigger) -> Self {
        RuleSpec {
            trigger,
            mode: Mode::Single,
            rate: None,
            name: NO_TEXT,
            line: 0,
            bound: None,
            shares_gate: 0,
            shared_limit: None,
        }
    }

    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Another trigger of the rule whose first row is `back` rows before this one: the two share
    /// one gate (busy state, waiting trigger, rate-limit ring).
    pub fn shares_gate_of(mut self, back: u16) -> Self {
        self.shares_gate = back;
        self
    }

    /// `at most count per window_ms`.
    pub fn at_most(mut self, count: u8, window_ms: u64) -> Self {
        self.rate = Some(RateLimit { count, window_ms });
        self
    }

    /// `limit reminders`: the rule also counts against shared limit `limit` (an index
    /// [`ProgramBuilder::limit`] returned).
    pub fn limited_by(mut self, limit: u16) -> Self {
        self.shared_limit = Some(limit);
        self
    }

    pub fn line(mut self, line: u32) -> Self {
        self.line = line;
        self
    }
}

/// One step of a sequence rule, for [`ProgramBuilder::rule_with_steps`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepSpec {
    /// `then no E` (the last step only).
    pub absent: bool,
    /// Bit `i`: field `i` of the step's event is kept for the steps after it and the rule.
    pub keep: u8,
    /// The filter: a block that yields one number and ends with `End`; empty for none.
    pub filter: Vec<Instr>,
}

/// A forward jump waiting for its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label(usize);

/// A code block being assembled, with forward labels for jumps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Code {
    instrs: Vec<Instr>,
}

impl Code {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `op b`.
    pub fn op(&mut self, op: Op, b: u16) -> &mut Self {
        self.instrs.push(Instr::new(op, b));
        self
    }

    /// Appends `Small v`.
    pub fn small(&mut self, v: i16) -> &mut Self {
        self.op(Op::Small, u16::from_le_bytes(v.to_le_bytes()))
    }

    /// Appends a jump (`Jump` or `JumpIfFalse`) whose target is set by [`Code::bind`].
    pub fn jump(&mut self, op: Op) -> Label {
        self.instrs.push(Instr::new(op, 0));
        Label(self.instrs.len() - 1)
    }

    /// Makes `label`'s jump land on the next instruction appended.
    pub fn bind(&mut self, label: Label) {
        let offset = self.instrs.len().saturating_sub(label.0 + 1);
        if let Some(i) = self.instrs.get_mut(label.0) {
            i.b = u16::try_from(offset).unwrap_or(u16::MAX);
        }
    }

    pub fn instrs(&self) -> &[Instr] {
        &self.instrs
    }

    /// The most forward jumps waiting for their targets at once, counted as the verifier counts
    /// them (jumps to one target count once): more than [`MAX_PENDING_JUMPS`](crate::isa::MAX_PENDING_JUMPS) is refused.
    pub fn pending_jumps(&self) -> usize {
        let mut targets: Vec<usize> = Vec::new();
        let mut most = 0;
        for (pc, ins) in self.instrs.iter().enumerate() {
            targets.retain(|&t| t > pc);
            if matches!(ins.op, Op::Jump | Op::JumpIfFalse) {
                let target = pc + 1 + ins.signed().max(0) as usize;
                if !targets.contains(&target) {
                    targets.push(target);
                }
                most = most.max(targets.len());
            }
        }
        most
    }

    pub fn len(&self) -> usize {
        self.instrs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.instrs.is_empty()
    }
}

impl AsRef<[Instr]> for Code {
    fn as_ref(&self) -> &[Instr] {
        &self.instrs
    }
}

/// Builds a program table by table; [`ProgramBuilder::finish`] encodes it. Indices returned by
/// the adders are what instructions and triggers refer to.
#[derive(Clone, Debug, Default)]
pub struct ProgramBuilder {
    pub profile_hash: u64,
    /// Bit `i`: privacy class `i` of [`PRIVACY_CLASSES`] is permitted.
    pub permissions: u32,
    consts: Vec<i64>,
    texts: Vec<String>,
    /// Where each constant and text is in its table, so adding one is not a scan of the table.
    const_index: BTreeMap<i64, u16>,
    text_index: BTreeMap<String, u16>,
    states: Vec<StateInfo>,
    vars: Vec<VarInfo>,
    events: Vec<EventInfo>,
    actions: Vec<ActionInfo>,
    held: Vec<HeldInfo>,
    rules: Vec<RuleInfo>,
    steps: Vec<StepInfo>,
    limits: Vec<LimitInfo>,
    /// Kept slots the steps so far take.
    kept: u16,
    code: Vec<Instr>,
    /// Overrides the computed timer slots (tests of the verifier use it).
    pub timer_slots: Option<u16>,
}

fn index(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}

fn mask(kinds: &[Kind]) -> u8 {
    kinds.iter().take(8).enumerate().fold(0, |m, (i, k)| if *k == Kind::Text { m | 1 << i } else { m })
}

/// The bit number of a privacy class, by name.
pub fn privacy_class(name: &str) -> Option<u8> {
    PRIVACY_CLASSES.iter().position(|c| *c == name).map(|i| i as u8)
}

impl ProgramBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a privacy class to the permission set (`permit camera`). Unknown names are ignored.
    pub fn permit(&mut self, class: &str) -> &mut Self {
        if let Some(bit) = privacy_class(class) {
            self.permissions |= 1 << bit;
        }
        self
    }

    /// The index of a constant, adding it once.
    pub fn constant(&mut self, v: i64) -> u16 {
        if let Some(&i) = self.const_index.get(&v) {
            return i;
        }
        let i = index(self.consts.len());
        self.consts.push(v);
        self.const_index.insert(v, i);
        i
    }

    /// The index of a text (a name or a text value), adding it once.
    pub fn text(&mut self, s: &str) -> u16 {
        if let Some(&i) = self.text_index.get(s) {
            return i;
        }
        let i = index(self.texts.len());
        self.texts.push(s.into());
        self.text_index.insert(s.into(), i);
        i
    }

    pub fn state(&mut self, name: &str, kind: Kind) -> u16 {
        let name = self.text(name);
        self.states.push(StateInfo { kind, name });
        index(self.states.len() - 1)
    }

    /// A variable with range `min..=max`, starting at `init`.
    pub fn var(&mut self, name: &str, min: i64, max: i64, init: i64) -> u16 {
        let name = self.text(name);
        self.vars.push(VarInfo { min, max, init, name });
        index(self.vars.len() - 1)
    }

    /// An event with payload fields of these kinds.
    pub fn event(&mut self, name: &str, fields: &[Kind]) -> u16 {
        let name = self.text(name);
        self.events.push(EventInfo { fields: fields.len().min(255) as u8, text_mask: mask(fields), name });
        index(self.events.len() - 1)
    }

    /// An action with arguments of these kinds and an optional privacy class (by name; an
    /// unknown name is kept as an invalid class, which the verifier refuses).
    pub fn action(&mut self, name: &str, args: &[Kind], privacy: Option<&str>) -> u16 {
        let privacy = privacy.map_or(NO_PRIVACY, |p| privacy_class(p).unwrap_or(0xFE));
        let name = self.text(name);
        self.actions.push(ActionInfo { argc: args.len().min(255) as u8, text_mask: mask(args), privacy, name });
        index(self.actions.len() - 1)
    }

    /// A held condition (`C for D`): `code` yields a number and ends with `End`.
    pub fn held(&mut self, code: impl AsRef<[Instr]>, duration_ms: u64) -> u16 {
        let code = code.as_ref();
        let code_start = self.place(code);
        self.held.push(HeldInfo { code_start, code_len: index(code.len()), duration_ms });
        index(self.held.len() - 1)
    }

    /// A shared limit `name: at most count per window_ms`, which rules name with
    /// [`RuleSpec::limited_by`]; returns its index.
    pub fn limit(&mut self, name: &str, count: u8, window_ms: u64) -> u16 {
        let name = self.text(name);
        self.limits.push(LimitInfo { count, window_ms, name });
        index(self.limits.len() - 1)
    }

    /// A rule with its code; its bound is the longest path through the code. A sequence's
    /// steps are plain (no filter, nothing kept).
    pub fn rule(&mut self, spec: RuleSpec, code: impl AsRef<[Instr]>) -> u16 {
        self.rule_with_steps(spec, code, &[])
    }

    /// A rule whose sequence trigger has these steps (any missing are plain). The trigger's
    /// first step is set here: the steps are the next entries of the step table.
    pub fn rule_with_steps(&mut self, mut spec: RuleSpec, code: impl AsRef<[Instr]>, steps: &[StepSpec]) -> u16 {
        if let Trigger::Sequence { len, steps: first, .. } = &mut spec.trigger {
            *first = index(self.steps.len());
            for k in 0..usize::from(*len) {
                let step = steps.get(k).cloned().unwrap_or_default();
                let code_start = if step.filter.is_empty() { 0 } else { self.place(&step.filter) };
                let info = StepInfo {
                    absent: step.absent,
                    keep: step.keep,
                    kept_at: self.kept,
                    code_start,
                    code_len: index(step.filter.len()),
                };
                self.kept = self.kept.saturating_add(info.kept());
                self.steps.push(info);
            }
        }
        let code = code.as_ref();
        let code_start = self.place(code);
        self.rules.push(RuleInfo {
            trigger: spec.trigger,
            mode: spec.mode,
            rate: spec.rate,
            code_start,
            code_len: index(code.len()),
            bound: spec.bound.unwrap_or_else(|| longest_path(code)),
            name: spec.name,
            line: spec.line,
            shares_gate: spec.shares_gate,
            shared_limit: spec.shared_limit,
        });
        index(self.rules.len() - 1)
    }

    /// How many rules were added: the index the next one gets.
    pub fn rule_count(&self) -> u16 {
        index(self.rules.len())
    }

    /// The kept slot the next sequence step's first kept field will take.
    pub fn next_kept(&self) -> u16 {
        self.kept
    }

    /// Names the last rule added.
    pub fn name_rule(&mut self, rule: u16, name: &str) {
        let name = self.text(name);
        if let Some(r) = self.rules.get_mut(usize::from(rule)) {
            r.name = name;
        }
    }

    /// The instruction bound recorded for a rule added earlier.
    pub fn rule_bound(&self, rule: u16) -> Option<u16> {
        self.rules.get(usize::from(rule)).map(|r| r.bound)
    }

    /// How many distinct texts (names and values) the program has so far.
    pub fn text_count(&self) -> usize {
        self.texts.len()
    }

    fn place(&mut self, code: &[Instr]) -> u32 {
        let start = u32::try_from(self.code.len()).unwrap_or(u32::MAX);
        self.code.extend_from_slice(code);
        start
    }

    /// Timer slots the rules need: one per `every`, daily and held rule and per sequence that
    /// ends in an absence, plus each delayed action.
    fn needed_timer_slots(&self) -> u16 {
        let mut n: usize = 0;
        for r in &self.rules {
            if matches!(r.trigger, Trigger::Every { .. } | Trigger::Daily { .. } | Trigger::Held { .. }) {
                n += 1;
            }
            if let Trigger::Sequence { len, steps, .. } = r.trigger {
                let last = usize::from(steps) + usize::from(len).saturating_sub(1);
                n += usize::from(self.steps.get(last).is_some_and(|s| s.absent));
            }
            let start = r.code_start as usize;
            let code = self.code.get(start..start + usize::from(r.code_len)).unwrap_or(&[]);
            n += code.iter().filter(|i| matches!(i.op, Op::EmitAfter | Op::SetAfter)).count();
        }
        index(n)
    }

    /// The encoded program.
    pub fn finish(&self) -> Vec<u8> {
        let mut sections: [Vec<u8>; SECTION_COUNT] = Default::default();
        let [consts, texts, text_data, states, vars, events, actions, held, rules, steps, limits, code] = &mut sections;
        for c in &self.consts {
            consts.extend_from_slice(&c.to_le_bytes());
        }
        for t in &self.texts {
            let info = TextInfo { offset: text_data.len() as u32, len: index(t.len()) };
            texts.extend_from_slice(&info.encode());
            text_data.extend_from_slice(t.as_bytes());
        }
        self.states.iter().for_each(|s| states.extend_from_slice(&s.encode()));
        self.vars.iter().for_each(|v| vars.extend_from_slice(&v.encode()));
        self.events.iter().for_each(|e| events.extend_from_slice(&e.encode()));
        self.actions.iter().for_each(|a| actions.extend_from_slice(&a.encode()));
        self.held.iter().for_each(|h| held.extend_from_slice(&h.encode()));
        for r in &self.rules {
            let mut row = r.encode();
            if let Trigger::Sequence { len, steps, .. } = r.trigger {
                let first = usize::from(steps);
                row[1] = sequence_features(self.steps.iter().skip(first).take(usize::from(len)).copied());
            }
            rules.extend_from_slice(&row);
        }
        self.steps.iter().for_each(|s| steps.extend_from_slice(&s.encode()));
        self.limits.iter().for_each(|l| limits.extend_from_slice(&l.encode()));
        self.code.iter().for_each(|i| code.extend_from_slice(&i.encode()));

        let mut table = [(0u32, 0u32); SECTION_COUNT];
        let mut pos = HEADER_SIZE;
        for (entry, bytes) in table.iter_mut().zip(&sections) {
            *entry = (pos as u32, bytes.len() as u32);
            pos += bytes.len();
        }
        let header = Header {
            version: VERSION,
            flags: 0,
            profile_hash: self.profile_hash,
            permissions: self.permissions,
            timer_slots: self.timer_slots.unwrap_or_else(|| self.needed_timer_slots()),
            section_count: SECTION_COUNT as u16,
            sections: table,
        };
        let mut out = Vec::with_capacity(pos);
        out.extend_from_slice(&header.encode());
        sections.iter().for_each(|s| out.extend_from_slice(s));
        out
    }
}

/// Instructions on the longest path through straight-line code with forward jumps.
fn longest_path(code: &[Instr]) -> u16 {
    let mut dist = alloc::vec![0u32; code.len() + 1];
    let mut reach = alloc::vec![false; code.len() + 1];
    if let Some(r) = reach.first_mut() {
        *r = true;
    }
    let mut longest = 0;
    for (i, ins) in code.iter().enumerate() {
        if !reach[i] {
            continue;
        }
        let d = dist[i] + 1;
        longest = longest.max(d);
        let mut to = |t: usize| {
            if t <= code.len() {
                dist[t] = dist[t].max(d);
                reach[t] = true;
            }
        };
        match ins.op {
            Op::End => {}
            Op::Jump => to(i + 1 + ins.signed().max(0) as usize),
            Op::JumpIfFalse => {
                to(i + 1);
                to(i + 1 + ins.signed().max(0) as usize);
            }
            _ => to(i + 1),
        }
    }
    u16::try_from(longest).unwrap_or(u16::MAX)
}
