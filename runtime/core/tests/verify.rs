//! The verifier refuses each class of bad program with the right error.

mod common;

use common::{act, code, small};
use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec};
use glass_runtime::format::{Edge, HEADER_SIZE, Kind, SECTIONS, Section, Source, Trigger, read_header};
use glass_runtime::isa::{Instr, Op, Op::*};
use glass_runtime::isa::{MAX_PENDING_JUMPS, MAX_RULE_BOUND, MAX_STACK, MAX_TEXTS};
use glass_runtime::{VerifyError, VerifyError::*, verify};

/// A small valid pack: event `e(Num, Text)` (0), states `n: Num` (0) and `t: Text` (1), var `v`
/// (0), actions `photo()` (0, camera) and `say(Text)` (1), constant 7 (0), texts.
fn base() -> ProgramBuilder {
    let mut b = ProgramBuilder::new();
    b.permit("camera");
    b.event("e", &[Kind::Num, Kind::Text]);
    b.state("n", Kind::Num);
    b.state("t", Kind::Text);
    b.var("v", 0, 10, 0);
    b.action("photo", &[], Some("camera"));
    b.action("say", &[Kind::Text], None);
    b.constant(7);
    b
}

fn with_rule(spec: RuleSpec, c: &Code) -> Vec<u8> {
    let mut b = base();
    b.rule(spec, c);
    b.finish()
}

fn event_rule(ops: &[(Op, u16)]) -> Result<(), VerifyError> {
    verify(&with_rule(RuleSpec::on(Trigger::Event { event: 0 }), &code(ops))).map(|_| ())
}

fn check(bytes: &[u8]) -> Result<(), VerifyError> {
    verify(bytes).map(|_| ())
}

/// Byte offset of section `s` in `bytes`.
fn section(bytes: &[u8], s: Section) -> usize {
    read_header(bytes).unwrap().1.sections[s as usize].0 as usize
}

#[test]
fn the_base_program_is_valid() {
    assert_eq!(event_rule(&[(Gate, 0), (Emit, 0), (End, 0)]), Ok(()));
}

#[test]
fn header_errors() {
    let good = with_rule(RuleSpec::on(Trigger::Event { event: 0 }), &act(&[]));
    assert_eq!(check(&good), Ok(()));
    assert_eq!(check(b""), Err(Truncated));
    assert_eq!(check(b"GLA"), Err(Truncated));
    assert_eq!(check(b"ELF\x7f and more"), Err(BadMagic));
    assert_eq!(check(&good[..HEADER_SIZE - 1]), Err(Truncated));
    assert_eq!(check(&good[..good.len() - 1]), Err(Truncated));
    let mut magic = good.clone();
    magic[0] = b'X';
    assert_eq!(check(&magic), Err(BadMagic));
    let mut version = good.clone();
    version[4] = 1;
    assert_eq!(check(&version), Err(UnsupportedVersion(1)), "version 1 had no sequence steps");
    version[4] = 2;
    assert_eq!(check(&version), Err(UnsupportedVersion(2)), "version 2 had no shared limits");
    let mut flags = good.clone();
    flags[6] = 1;
    assert_eq!(check(&flags), Err(BadHeader));
    let mut permissions = good.clone();
    permissions[16] |= 0x80; // bit 7: no such privacy class
    assert_eq!(check(&permissions), Err(BadHeader));
    let mut count = good.clone();
    count[22] = 9;
    assert_eq!(check(&count), Err(BadHeader));
    let mut extra = good.clone();
    extra.push(0);
    assert_eq!(check(&extra), Err(TrailingBytes));
}

#[test]
fn section_table_errors() {
    let good = with_rule(RuleSpec::on(Trigger::Event { event: 0 }), &act(&[]));
    // The constants section moved by one byte.
    let mut moved = good.clone();
    moved[24] = moved[24].wrapping_add(1);
    assert_eq!(check(&moved), Err(BadSection { section: Section::Consts }));
    // The rules section one byte short: not a whole number of entries.
    let rules_size = 24 + 8 * Section::Rules as usize + 4;
    let mut short = good.clone();
    short[rules_size] -= 1;
    assert_eq!(check(&short), Err(BadSection { section: Section::Rules }));
    assert_eq!(SECTIONS.len(), 12);
    assert_eq!((Section::Limits as usize, Section::Code as usize, HEADER_SIZE), (10, 11, 120));

    let mut b = ProgramBuilder::new();
    for i in 0..=MAX_TEXTS {
        b.text(&format!("t{i}"));
    }
    let max = MAX_TEXTS as u32;
    assert_eq!(check(&b.finish()), Err(TooManyEntries { section: Section::Texts, count: max + 1, max }));
}

#[test]
fn table_entry_errors() {
    let mut b = base();
    b.var("bad", 5, 1, 5);
    assert_eq!(check(&b.finish()), Err(BadEntry { section: Section::Vars, index: 1 }));
    let mut b = base();
    b.var("outside", 0, 1, 2);
    assert_eq!(check(&b.finish()), Err(BadEntry { section: Section::Vars, index: 1 }));
    let mut b = base();
    b.action("many", &[Kind::Num; 9], None);
    assert_eq!(check(&b.finish()), Err(BadEntry { section: Section::Actions, index: 2 }));
    let mut b = base();
    b.event("many", &[Kind::Num; 9]);
    assert_eq!(check(&b.finish()), Err(BadEntry { section: Section::Events, index: 1 }));

    let good = with_rule(RuleSpec::on(Trigger::Event { event: 0 }), &act(&[]));
    let mut kind = good.clone();
    kind[section(&good, Section::States)] = 2; // neither Num nor Text
    assert_eq!(check(&kind), Err(BadEntry { section: Section::States, index: 0 }));
    let mut name = good.clone();
    let at = section(&good, Section::States) + 2;
    name[at..at + 2].copy_from_slice(&500u16.to_le_bytes());
    assert_eq!(check(&name), Err(BadEntry { section: Section::States, index: 0 }));
    let mut mask = good.clone();
    mask[section(&good, Section::Events) + 1] = 0b100; // a text field past the two fields
    assert_eq!(check(&mask), Err(BadEntry { section: Section::Events, index: 0 }));
    let mut trigger = good.clone();
    trigger[section(&good, Section::Rules)] = 9;
    assert_eq!(check(&trigger), Err(BadEntry { section: Section::Rules, index: 0 }));
    let mut mode = good.clone();
    mode[section(&good, Section::Rules) + 3] = 3;
    assert_eq!(check(&mode), Err(BadEntry { section: Section::Rules, index: 0 }));
    let mut utf8 = good.clone();
    utf8[section(&good, Section::TextData)] = 0xFF;
    assert_eq!(check(&utf8), Err(BadEntry { section: Section::Texts, index: 0 }));
}

#[test]
fn duplicate_texts() {
    let mut b = ProgramBuilder::new();
    b.text("ab");
    b.text("ac");
    let mut bytes = b.finish();
    let at = section(&bytes, Section::TextData) + 3;
    bytes[at] = b'b';
    assert_eq!(check(&bytes), Err(DuplicateText { index: 1 }));
}

#[test]
fn trigger_errors() {
    let bad = Err(BadEntry { section: Section::Rules, index: 0 });
    let rule = |t: Trigger| check(&with_rule(RuleSpec::on(t), &act(&[])));
    assert_eq!(rule(Trigger::Event { event: 1 }), bad);
    assert_eq!(rule(Trigger::Every { period_ms: 0 }), bad);
    assert_eq!(rule(Trigger::Daily { minute: 1440 }), bad);
    assert_eq!(rule(Trigger::Change { source: Source::State, index: 2, edge: Edge::Changes, value: 0 }), bad);
    assert_eq!(rule(Trigger::Change { source: Source::Var, index: 1, edge: Edge::Changes, value: 0 }), bad);
    assert_eq!(rule(Trigger::Sequence { events: [0, 0, 0, 0], len: 1, within_ms: 100, steps: 0 }), bad);
    assert_eq!(rule(Trigger::Sequence { events: [0, 3, 0, 0], len: 2, within_ms: 100, steps: 0 }), bad);
    assert_eq!(rule(Trigger::Sequence { events: [0, 0, 0, 0], len: 2, within_ms: 0, steps: 0 }), bad);
    assert_eq!(rule(Trigger::Sequence { events: [0, 0, 0, 0], len: 2, within_ms: 100, steps: 0 }), Ok(()));
    assert_eq!(rule(Trigger::Held { held: 0 }), bad, "no held condition 0");
    let mut b = ProgramBuilder::new();
    let held = b.held(code(&[(Small, 1), (End, 0)]), 1_000);
    b.rule(RuleSpec::on(Trigger::Held { held }), act(&[]));
    assert_eq!(check(&b.finish()), Ok(()));
    let mismatch = Err(TriggerTypeMismatch { rule: 0 });
    assert_eq!(rule(Trigger::Change { source: Source::State, index: 1, edge: Edge::Below, value: 3 }), mismatch);
    assert_eq!(rule(Trigger::Change { source: Source::State, index: 1, edge: Edge::Becomes, value: 999 }), mismatch);
    assert_eq!(rule(Trigger::Change { source: Source::State, index: 1, edge: Edge::Becomes, value: 0 }), Ok(()));
    let rate = |n: u8, w: u64| check(&with_rule(RuleSpec::on(Trigger::Event { event: 0 }).at_most(n, w), &act(&[])));
    assert_eq!(rate(9, 100), bad);
    assert_eq!(rate(1, 0), bad);
    assert_eq!(rate(8, 100), Ok(()));
}

#[test]
fn index_errors() {
    let oob = |at, what, index| Err(IndexOutOfBounds { at, what, index });
    assert_eq!(event_rule(&[(Gate, 0), (Const, 1), (Set, 0), (End, 0)]), oob(1, "constant", 1));
    assert_eq!(event_rule(&[(Gate, 0), (State, 2), (Set, 0), (End, 0)]), oob(1, "state", 2));
    assert_eq!(event_rule(&[(Gate, 0), (Var, 1), (Set, 0), (End, 0)]), oob(1, "variable", 1));
    assert_eq!(event_rule(&[(Gate, 0), (Small, 1), (Set, 1), (End, 0)]), oob(2, "variable", 1));
    assert_eq!(event_rule(&[(Gate, 0), (Emit, 2), (End, 0)]), oob(1, "action", 2));
    assert_eq!(event_rule(&[(Gate, 0), (Payload, 2), (Set, 0), (End, 0)]), oob(1, "payload field", 2));
    assert_eq!(event_rule(&[(Gate, 0), (Held, 0), (Set, 0), (End, 0)]), oob(1, "held condition", 0));
    assert_eq!(event_rule(&[(Gate, 0), (Text, 500), (Emit, 1), (End, 0)]), oob(1, "text", 500));
    let mut b = base();
    b.rule(RuleSpec::on(Trigger::Event { event: 0 }), act(&[]));
    let mut bytes = b.finish();
    let len_at = section(&bytes, Section::Rules) + 28;
    bytes[len_at] = 3; // code_len past the end of the code section
    assert_eq!(check(&bytes), Err(BadCodeRange { section: Section::Rules, index: 0 }));
}

#[test]
fn instruction_errors() {
    let mut bytes = with_rule(RuleSpec::on(Trigger::Event { event: 0 }), &act(&[]));
    let code = section(&bytes, Section::Code);
    bytes[code] = 0xEE;
    assert_eq!(check(&bytes), Err(BadOpcode { at: 0, byte: 0xEE }));
    bytes[code] = Gate as u8;
    bytes[code + 1] = 1;
    assert_eq!(check(&bytes), Err(ReservedBits { at: 0 }));
}

#[test]
fn placement_errors() {
    let not_here = |at, op| Err(NotAllowedHere { at, op });
    assert_eq!(event_rule(&[(Emit, 0), (End, 0)]), not_here(0, Emit));
    assert_eq!(event_rule(&[(Small, 1), (Set, 0), (End, 0)]), not_here(1, Set));
    assert_eq!(event_rule(&[(Gate, 0), (Gate, 0), (End, 0)]), not_here(1, Gate));
    assert_eq!(event_rule(&[(Small, 1), (Gate, 0), (End, 0)]), not_here(1, Gate));
    assert_eq!(event_rule(&[(Gate, 0), (Small, 1), (ExitIfFalse, 0), (End, 0)]), not_here(2, ExitIfFalse));
    assert_eq!(event_rule(&[(Gate, 0), (Old, 0), (Set, 0), (End, 0)]), not_here(1, Old));
    let every = RuleSpec::on(Trigger::Every { period_ms: 10 });
    assert_eq!(check(&with_rule(every, &act(&[(Payload, 0), (Set, 0)]))), not_here(1, Payload));
    let change = RuleSpec::on(Trigger::Change { source: Source::State, index: 1, edge: Edge::Changes, value: 0 });
    assert_eq!(check(&with_rule(change, &act(&[(New, 0), (Emit, 1)]))), Ok(()));
    assert_eq!(check(&with_rule(change, &act(&[(New, 0), (Set, 0)]))), Err(TypeMismatch { at: 2 }));
    // Held conditions are pure and timeless.
    for op in [Now, Payload, Held, Gate] {
        let mut b = base();
        b.held(code(&[(op, 0), (End, 0)]), 100);
        assert_eq!(check(&b.finish()), not_here(0, op), "{op:?}");
    }
    // Matching words needs the host's texts, which a held condition is evaluated without.
    for op in [Matches, Contains] {
        let mut b = base();
        b.held(code(&[(State, 1), (State, 1), (op, 0), (End, 0)]), 100);
        assert_eq!(check(&b.finish()), not_here(2, op), "{op:?}");
    }
    let mut b = base();
    b.held(code(&[(State, 0), (End, 0)]), 0);
    assert_eq!(check(&b.finish()), Err(BadEntry { section: Section::Held, index: 0 }));
}

#[test]
fn stack_and_type_errors() {
    assert_eq!(event_rule(&[(Gate, 0), (Add, 0), (End, 0)]), Err(StackUnderflow { at: 1 }));
    let mut deep = vec![(Gate, 0)];
    deep.extend(std::iter::repeat_n((Small, 1), MAX_STACK + 1));
    assert_eq!(event_rule(&deep), Err(StackOverflow { at: MAX_STACK as u32 + 1 }));
    // Text in arithmetic, text compared with a number, a number where a text argument goes,
    // a text as a condition.
    let mismatch = |at| Err(TypeMismatch { at });
    assert_eq!(event_rule(&[(Gate, 0), (Payload, 1), (Small, 1), (Add, 0), (Set, 0), (End, 0)]), mismatch(3));
    assert_eq!(event_rule(&[(Gate, 0), (Payload, 1), (Small, 1), (Eq, 0), (Set, 0), (End, 0)]), mismatch(3));
    assert_eq!(event_rule(&[(Gate, 0), (Small, 1), (Emit, 1), (End, 0)]), mismatch(2));
    assert_eq!(event_rule(&[(State, 1), (ExitIfFalse, 0), (Gate, 0), (End, 0)]), mismatch(1));
    assert_eq!(event_rule(&[(Gate, 0), (Payload, 1), (Emit, 1), (End, 0)]), Ok(()));
    assert_eq!(event_rule(&[(Gate, 0), (Payload, 1), (State, 1), (Eq, 0), (Set, 0), (End, 0)]), Ok(()));
    // Words are matched between two texts, never numbers.
    for op in [Matches, Contains] {
        assert_eq!(event_rule(&[(Gate, 0), (Payload, 1), (Small, 1), (op, 0), (Set, 0), (End, 0)]), mismatch(3));
        assert_eq!(event_rule(&[(Gate, 0), (Small, 1), (Payload, 1), (op, 0), (Set, 0), (End, 0)]), mismatch(3));
        assert_eq!(event_rule(&[(Gate, 0), (Payload, 1), (State, 1), (op, 0), (Set, 0), (End, 0)]), Ok(()));
    }
}

#[test]
fn block_end_errors() {
    assert_eq!(event_rule(&[(Gate, 0)]), Err(BadBlockEnd { at: 0 }));
    assert_eq!(event_rule(&[(Gate, 0), (Small, 1), (End, 0)]), Err(BadBlockEnd { at: 2 }));
    assert_eq!(event_rule(&[(Gate, 0), (End, 0), (Nop, 0)]), Err(BadBlockEnd { at: 1 }));
    let mut b = base();
    b.held(code(&[(State, 0), (State, 0), (End, 0)]), 100);
    assert_eq!(check(&b.finish()), Err(BadBlockEnd { at: 2 }));
    let mut b = base();
    b.held(code(&[(State, 1), (End, 0)]), 100);
    assert_eq!(check(&b.finish()), Err(BadBlockEnd { at: 1 }), "a held condition yields a number");
}

#[test]
fn jump_errors() {
    let j = |off: i16| small(off);
    assert_eq!(event_rule(&[(Gate, 0), (Jump, j(0)), (End, 0)]), Ok(()));
    assert_eq!(event_rule(&[(Gate, 0), (Small, 1), (JumpIfFalse, j(1)), (Nop, 0), (End, 0)]), Ok(()));
    assert_eq!(event_rule(&[(Gate, 0), (Jump, j(-2)), (End, 0)]), Err(BackwardJump { at: 1 }));
    assert_eq!(event_rule(&[(Gate, 0), (Jump, j(5)), (End, 0)]), Err(BadJump { at: 1 }));
    // The stack must be empty across a jump.
    assert_eq!(event_rule(&[(Gate, 0), (Small, 1), (Jump, j(0)), (Set, 0), (End, 0)]), Err(BadJump { at: 2 }));
    assert_eq!(
        event_rule(&[(Gate, 0), (Small, 1), (Small, 1), (JumpIfFalse, j(0)), (Set, 0), (End, 0)]),
        Err(BadJump { at: 3 })
    );
    // Jumping over the gate to an action would skip the rate limit.
    assert_eq!(event_rule(&[(Small, 1), (JumpIfFalse, j(1)), (Gate, 0), (Emit, 0), (End, 0)]), Err(BadJump { at: 3 }));
    // Nothing reaches the instruction after an unconditional jump.
    assert_eq!(event_rule(&[(Gate, 0), (Jump, j(1)), (Emit, 0), (End, 0)]), Err(Unreachable { at: 2 }));
    // A jump in a held condition.
    let mut b = base();
    b.held(code(&[(Jump, j(0)), (State, 0), (End, 0)]), 100);
    assert_eq!(check(&b.finish()), Err(NotAllowedHere { at: 0, op: Jump }));
}

/// `n` jumps to `n` different targets, all pending after the last of them (as `n` nested
/// branches, each with an action after its `}`).
fn nested_jumps(n: usize) -> Code {
    let mut ops = vec![(Gate, 0)];
    let targets = 1 + 2 * n;
    for k in 0..n {
        let pc = 2 + 2 * k;
        let target = targets + (n - 1 - k);
        ops.push((Small, 1));
        ops.push((JumpIfFalse, small((target - pc - 1) as i16)));
    }
    ops.extend(std::iter::repeat_n((Nop, 0), n));
    ops.push((End, 0));
    code(&ops)
}

#[test]
fn the_builder_counts_pending_jumps_as_the_verifier_does() {
    for n in [1, MAX_PENDING_JUMPS, MAX_PENDING_JUMPS + 1] {
        let c = nested_jumps(n);
        assert_eq!(c.pending_jumps(), n);
        let verified = verify(&with_rule(RuleSpec::on(Trigger::Event { event: 0 }), &c)).map(|_| ());
        assert_eq!(verified.is_ok(), n <= MAX_PENDING_JUMPS, "{n} pending jumps: {verified:?}");
    }
    // Jumps to one target count once.
    let shared = code(&[
        (Gate, 0),
        (Small, 1),
        (JumpIfFalse, small(3)),
        (Small, 1),
        (JumpIfFalse, small(1)),
        (Nop, 0),
        (End, 0),
    ]);
    assert_eq!(shared.pending_jumps(), 1);
}

#[test]
fn permission_errors() {
    let mut b = base();
    b.permissions = 0;
    b.rule(RuleSpec::on(Trigger::Event { event: 0 }), act(&[]));
    let err = verify(&b.finish()).map(|_| ()).unwrap_err();
    assert_eq!(err, PermissionDenied { action: 0, class: 0 });
    assert_eq!(
        err.to_string(),
        "action 0 needs the `camera` permission, which the pack does not declare (add `permit camera`)"
    );
    let mut b = base();
    b.action("pay", &[], Some("payment"));
    assert_eq!(check(&b.finish()), Err(PermissionDenied { action: 2, class: 3 }));
    let mut b = base();
    b.permit("payment");
    b.action("pay", &[], Some("payment"));
    assert_eq!(check(&b.finish()), Ok(()));
}

#[test]
fn bound_and_timer_errors() {
    let body = act(&[(Emit, 0)]);
    let spec = RuleSpec { bound: Some(2), ..RuleSpec::on(Trigger::Event { event: 0 }) };
    assert_eq!(check(&with_rule(spec, &body)), Err(InstructionBoundExceeded { rule: 0, bound: 2, needed: 3 }));
    let spec = RuleSpec { bound: Some(MAX_RULE_BOUND + 1), ..RuleSpec::on(Trigger::Event { event: 0 }) };
    assert_eq!(
        check(&with_rule(spec, &body)),
        Err(InstructionBoundExceeded { rule: 0, bound: MAX_RULE_BOUND + 1, needed: 3 })
    );
    let spec = RuleSpec { bound: Some(50), ..RuleSpec::on(Trigger::Event { event: 0 }) };
    assert_eq!(check(&with_rule(spec, &body)), Ok(()), "a generous bound is fine");

    let mut b = base();
    b.rule(RuleSpec::on(Trigger::Every { period_ms: 100 }), act(&[(Small, 5), (EmitAfter, 0)]));
    b.timer_slots = Some(1);
    assert_eq!(check(&b.finish()), Err(TimerSlotsMismatch { declared: 1, needed: 2 }));
}

#[test]
fn every_error_has_a_message() {
    let errors = [
        BadMagic,
        UnsupportedVersion(2),
        Truncated,
        TrailingBytes,
        BadHeader,
        BadSection { section: Section::Code },
        TooManyEntries { section: Section::Texts, count: 3000, max: 2048 },
        BadEntry { section: Section::Rules, index: 2 },
        DuplicateText { index: 4 },
        TriggerTypeMismatch { rule: 1 },
        BadCodeRange { section: Section::Held, index: 0 },
        IndexOutOfBounds { at: 3, what: "constant", index: 9 },
        BadOpcode { at: 1, byte: 0xEE },
        ReservedBits { at: 1 },
        NotAllowedHere { at: 1, op: Op::Emit },
        StackUnderflow { at: 1 },
        StackOverflow { at: 1 },
        TypeMismatch { at: 1 },
        BadBlockEnd { at: 1 },
        Unreachable { at: 1 },
        BadJump { at: 1 },
        BackwardJump { at: 1 },
        PermissionDenied { action: 0, class: 1 },
        InstructionBoundExceeded { rule: 0, bound: 1, needed: 2 },
        TimerSlotsMismatch { declared: 0, needed: 1 },
        UnknownLimit { rule: 1, limit: 2 },
        LimitMismatch { rule: 2, first: 1 },
        BadEntry { section: Section::Limits, index: 0 },
    ];
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    insta_like(&messages.join("\n"));
    assert_eq!(Instr::new(Op::Small, small(-3)).to_string(), "Small -3");
}

/// The messages, checked in full so a change to one is a deliberate change to this list.
fn insta_like(got: &str) {
    let want = "\
not a glass program (it does not start with `GLAS`)
bytecode format version 2 is not supported (this runtime reads version 3)
the program is truncated
the program has bytes after its last section
the header has reserved bits set, unknown permissions or a wrong section count
the code section is misplaced or not a whole number of entries
the texts section has 3000 entries, more than the 2048 allowed
entry 2 of the rules table is invalid
text 4 appears twice in the text table
rule 1 compares what it watches with a value of another kind
entry 0 of the held conditions table points outside the code
instruction 3 names constant 9, which does not exist
instruction 1 has unknown opcode 0xee
instruction 1 has its reserved byte set
instruction 1 (`Emit`) is not allowed here
instruction 1 pops from an empty stack
instruction 1 pushes past the stack limit of 16
instruction 1 uses a text as a number or mixes texts and numbers
the code block ending at instruction 1 is malformed
instruction 1 can never run
the jump at instruction 1 is invalid
instruction 1 jumps backward, which rule code may not do
action 0 needs the `microphone` permission, which the pack does not declare (add `permit microphone`)
rule 0 can run 2 instructions but records a bound of 1 (the limit is 1024)
the header declares 0 timer slots but the rules need 1
rule 1 counts against shared limit 2, which does not exist
rule 2 is another trigger of rule 1 but counts against another shared limit
entry 0 of the shared limits table is invalid";
    assert_eq!(got, want);
}

/// A program with one sequence rule `e then e` over the base pack's event `e(Num, Text)`.
fn sequence(steps: &[glass_runtime::builder::StepSpec], body: &[(Op, u16)]) -> Vec<u8> {
    let mut b = base();
    let trigger = Trigger::Sequence { events: [0, 0, 0, 0], len: 2, within_ms: 100, steps: 0 };
    b.rule_with_steps(RuleSpec::on(trigger), code(body), steps);
    b.finish()
}

#[test]
fn sequence_step_errors() {
    use glass_runtime::builder::StepSpec;
    let plain = StepSpec::default();
    let keep = |keep: u8| StepSpec { keep, ..StepSpec::default() };
    let absent = StepSpec { absent: true, ..StepSpec::default() };
    let filter = |ops: &[(Op, u16)]| StepSpec { filter: code(ops).instrs().to_vec(), ..StepSpec::default() };
    let body = [(Gate, 0), (End, 0)];
    let bad_step = |index| Err(BadEntry { section: Section::Steps, index });
    assert_eq!(check(&sequence(&[keep(0b11), plain.clone()], &body)), Ok(()));
    assert_eq!(check(&sequence(&[keep(0b100), plain.clone()], &body)), bad_step(0), "e has two fields");
    assert_eq!(check(&sequence(&[absent.clone(), plain.clone()], &body)), bad_step(0), "absent first");
    let absent_keeps = StepSpec { keep: 1, ..absent.clone() };
    assert_eq!(check(&sequence(&[plain.clone(), absent_keeps], &body)), bad_step(1), "an absence keeps nothing");
    // What the rule's code may read: the kept fields by kind, and no payload after an absence.
    let reads_kept = [(Kept, 0), (Kept, 1), (Eq, 0), (ExitIfFalse, 0), (Gate, 0), (End, 0)];
    assert_eq!(check(&sequence(&[keep(0b11), plain.clone()], &reads_kept)), Err(TypeMismatch { at: 2 }));
    let reads_text = [(Gate, 0), (Kept, 1), (Emit, 1), (End, 0)];
    assert_eq!(check(&sequence(&[keep(0b11), plain.clone()], &reads_text)), Ok(()));
    assert_eq!(
        check(&sequence(&[keep(0b01), plain.clone()], &reads_text)),
        Err(IndexOutOfBounds { at: 1, what: "kept field", index: 1 })
    );
    let payload = [(Payload, 0), (ExitIfFalse, 0), (Gate, 0), (End, 0)];
    assert_eq!(check(&sequence(&[plain.clone(), plain.clone()], &payload)), Ok(()));
    assert_eq!(
        check(&sequence(&[plain.clone(), absent.clone()], &payload)),
        Err(NotAllowedHere { at: 0, op: Payload }),
        "a rule that runs when the window ends has no payload"
    );
    // A filter yields one number and does nothing else; it reads only earlier steps' kept fields.
    assert_eq!(check(&sequence(&[filter(&[(Payload, 0), (End, 0)]), plain.clone()], &body)), Ok(()));
    assert_eq!(
        check(&sequence(&[filter(&[(Payload, 0), (ExitIfFalse, 0), (End, 0)]), plain.clone()], &body)),
        Err(NotAllowedHere { at: 1, op: ExitIfFalse })
    );
    assert_eq!(
        check(&sequence(&[filter(&[(Gate, 0), (Small, 1), (End, 0)]), plain.clone()], &body)),
        Err(NotAllowedHere { at: 0, op: Gate })
    );
    assert_eq!(
        check(&sequence(&[keep(1), filter(&[(Kept, 0), (End, 0)])], &body)),
        Ok(()),
        "step 1 reads what step 0 kept"
    );
    assert_eq!(
        check(&sequence(&[StepSpec { keep: 1, ..filter(&[(Kept, 0), (End, 0)]) }, plain.clone()], &body)),
        Err(IndexOutOfBounds { at: 0, what: "kept field", index: 0 }),
        "a step reads nothing it keeps itself"
    );
    // A held condition reads no kept field.
    let mut b = base();
    b.held(code(&[(Kept, 0), (End, 0)]), 1_000);
    b.rule(RuleSpec::on(Trigger::Event { event: 0 }), act(&[]));
    assert_eq!(check(&b.finish()), Err(NotAllowedHere { at: 0, op: Kept }));
    // The window's timer is counted.
    let mut short = base();
    short.timer_slots = Some(0);
    let trigger = Trigger::Sequence { events: [0, 0, 0, 0], len: 2, within_ms: 100, steps: 0 };
    short.rule_with_steps(RuleSpec::on(trigger), code(&body), &[plain.clone(), absent]);
    assert_eq!(check(&short.finish()), Err(TimerSlotsMismatch { declared: 0, needed: 1 }));
}

#[test]
fn sequence_steps_must_be_in_rule_order() {
    let body = code(&[(Gate, 0), (End, 0)]);
    let trigger = Trigger::Sequence { events: [0, 0, 0, 0], len: 2, within_ms: 100, steps: 0 };
    let mut b = base();
    b.rule(RuleSpec::on(trigger), &body);
    b.rule(RuleSpec::on(trigger), &body);
    let mut bytes = b.finish();
    assert_eq!(check(&bytes), Ok(()));
    // The second rule's first step is 2: point it at the first rule's steps.
    let row = section(&bytes, Section::Rules) + glass_runtime::format::RULE_SIZE + 4;
    bytes[row] = 0;
    assert_eq!(check(&bytes), Err(BadEntry { section: Section::Rules, index: 1 }));
}

/// A version-2 file: what `bytes` (version 3) was before shared limits, with 11 sections and no
/// limit table (`bytes` has none).
fn as_version_2(bytes: &[u8]) -> Vec<u8> {
    let (_, h) = read_header(bytes).unwrap();
    assert_eq!(h.sections[Section::Limits as usize].1, 0, "no limits to drop");
    let mut out = bytes[..22].to_vec();
    out[4..6].copy_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&11u16.to_le_bytes());
    for (i, (offset, size)) in h.sections.iter().enumerate() {
        if i != Section::Limits as usize {
            out.extend_from_slice(&(offset - 8).to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
        }
    }
    out.extend_from_slice(&bytes[HEADER_SIZE..]);
    out
}

#[test]
fn a_version_2_file_is_refused() {
    let v3 = with_rule(RuleSpec::on(Trigger::Event { event: 0 }), &act(&[(Emit, 0)]));
    assert_eq!(check(&v3), Ok(()));
    let v2 = as_version_2(&v3);
    assert_eq!(v2.len(), v3.len() - 8, "a version-2 header is 112 bytes");
    assert_eq!(check(&v2), Err(UnsupportedVersion(2)));
    assert_eq!(
        UnsupportedVersion(2).to_string(),
        "bytecode format version 2 is not supported (this runtime reads version 3)"
    );
}

/// The base pack with limit `l` (0) at most 2 per 1000 ms, and rules `e` (event 0) from `specs`.
fn with_limit_rules(specs: &[RuleSpec]) -> Vec<u8> {
    let mut b = base();
    b.limit("l", 2, 1_000);
    for spec in specs {
        b.rule(*spec, act(&[]));
    }
    b.finish()
}

#[test]
fn shared_limit_errors() {
    let on_e = || RuleSpec::on(Trigger::Event { event: 0 });
    assert_eq!(check(&with_limit_rules(&[on_e().limited_by(0), on_e().limited_by(0).shares_gate_of(1)])), Ok(()));
    // A limit the table lacks.
    assert_eq!(check(&with_limit_rules(&[on_e(), on_e().limited_by(1)])), Err(UnknownLimit { rule: 1, limit: 1 }));
    // Another trigger of a rule counts against its first row's limit, and no other.
    assert_eq!(
        check(&with_limit_rules(&[on_e().limited_by(0), on_e().shares_gate_of(1)])),
        Err(LimitMismatch { rule: 1, first: 0 })
    );
    assert_eq!(
        check(&with_limit_rules(&[on_e(), on_e(), on_e().limited_by(0).shares_gate_of(1)])),
        Err(LimitMismatch { rule: 2, first: 1 })
    );
    let mut b = base();
    b.limit("l", 2, 1_000);
    b.limit("m", 1, 1_000);
    b.rule(on_e().limited_by(0), act(&[]));
    b.rule(on_e().limited_by(1).shares_gate_of(1), act(&[]));
    assert_eq!(check(&b.finish()), Err(LimitMismatch { rule: 1, first: 0 }));

    // The entries: 1..=8 runs per a window above 0 (and at most i64::MAX), reserved bytes 0, a
    // name that is a text or none.
    let bad = Err(BadEntry { section: Section::Limits, index: 1 });
    let limit = |count: u8, window_ms: u64| {
        let mut b = base();
        b.limit("ok", 1, 1);
        b.limit("l", count, window_ms);
        check(&b.finish())
    };
    assert_eq!(limit(8, 1), Ok(()));
    assert_eq!(limit(1, i64::MAX as u64), Ok(()));
    assert_eq!(limit(0, 1_000), bad, "no run allowed");
    assert_eq!(limit(9, 1_000), bad, "past MAX_RATE");
    assert_eq!(limit(1, 0), bad, "an empty window");
    assert_eq!(limit(1, i64::MAX as u64 + 1), bad);
    let good = with_limit_rules(&[on_e().limited_by(0)]);
    let at = section(&good, Section::Limits);
    let bad = Err(BadEntry { section: Section::Limits, index: 0 });
    for (offset, value) in [(1, 1u8), (4, 1), (7, 0x80), (2, 0xF0)] {
        let mut bytes = good.clone();
        bytes[at + offset] = value;
        assert_eq!(check(&bytes), bad, "byte {offset} = {value:#x}");
    }
    let mut unnamed = good.clone();
    unnamed[at + 2..at + 4].copy_from_slice(&glass_runtime::format::NO_TEXT.to_le_bytes());
    assert_eq!(check(&unnamed), Ok(()), "a limit may have no name");
    // A rule row names a limit in a byte (its index + 1): at most 255 limits.
    let mut b = ProgramBuilder::new();
    for i in 0..256 {
        b.limit(&format!("l{i}"), 1, 1_000);
    }
    assert_eq!(check(&b.finish()), Err(TooManyEntries { section: Section::Limits, count: 256, max: 255 }));
    // The row's shared gate is one byte now, its limit the next.
    let mut bytes = with_limit_rules(&[on_e().limited_by(0)]);
    let row = section(&bytes, Section::Rules);
    assert_eq!(bytes[row + 42..row + 44], [0, 1]);
    bytes[row + 43] = 2;
    assert_eq!(check(&bytes), Err(UnknownLimit { rule: 0, limit: 1 }));
}
