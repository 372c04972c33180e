//! Guards: the simple test a rule's code starts with, found once at load (like the alpha tests of
//! a rule engine), so that a run the test stops never enters the interpreter.
//!
//! Most rules start with a condition and most of their runs end there: `on heart where bpm > 160`
//! runs for every heartbeat and acts on few. The test is one value compared with a constant, so
//! the runtime checks it directly; when it fails the run ends exactly as the interpreter would end
//! it (an `Exited` trace at the same `ExitIfFalse`), and when it holds the interpreter goes on
//! after it. Two shapes are recognised:
//!
//! - the whole condition: `x k cmp ExitIfFalse` or `x ExitIfFalse` (the test is `x != 0`);
//!   a run that passes goes on after the `ExitIfFalse`;
//! - the left side of a final `and`: `x k cmp <rest> And ExitIfFalse` (or `x <rest> And ...`),
//!   where `<rest>` only computes (no jump, no effect) and leaves one value above the test's;
//!   a run that passes goes on at `<rest>` with the test's value on the stack. `<rest>` is not
//!   evaluated when the test fails: it has no effect, and on a verified program it cannot fault.
//!
//! `x` is a payload field, a state, a variable, or the old or new value of a change, and `k` a
//! `Small`, a `Text`, or a constant that fits in 32 bits.

use crate::isa::{INSTR_SIZE, Instr, Op};
use crate::program::Program;

/// Where a guard's value comes from (`None`: the rule has no guard).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Operand {
    None,
    Payload,
    State,
    Var,
    Old,
    New,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn of(op: Op) -> Option<Cmp> {
        Some(match op {
            Op::Eq => Cmp::Eq,
            Op::Ne => Cmp::Ne,
            Op::Lt => Cmp::Lt,
            Op::Le => Cmp::Le,
            Op::Gt => Cmp::Gt,
            Op::Ge => Cmp::Ge,
            _ => return None,
        })
    }
}

/// A rule's guard: 12 bytes of its runtime state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Guard {
    pub(crate) operand: Operand,
    /// The payload field, state or variable read.
    pub(crate) index: u16,
    cmp: Cmp,
    k: i32,
    /// The `ExitIfFalse` a failed test ends the run at, counted from the block's start.
    pub(crate) exit_at: u16,
    /// Where a run the test lets through goes on: after the `ExitIfFalse` when the test is the
    /// whole condition; after the test itself (1 for `x`, 3 for `x k cmp`) when it is the left
    /// side of an `and`, with its value on the stack.
    pub(crate) resume_at: u16,
}

/// How a run starts, after its guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The test failed: the run ends at the `ExitIfFalse` at this offset.
    Exit(u16),
    /// The run goes on at offset `at`, with `carry` on the stack (the test's value, when the
    /// rest of the condition still has to be computed).
    Run { at: u16, carry: Option<i64> },
}

impl Guard {
    pub(crate) const NONE: Guard =
        Guard { operand: Operand::None, index: 0, cmp: Cmp::Ne, k: 0, exit_at: 0, resume_at: 0 };

    /// The guard of a rule block, or [`Guard::NONE`] if it does not start with one.
    pub(crate) fn of(program: &Program, code: &[[u8; INSTR_SIZE]]) -> Guard {
        find(program, code).unwrap_or(Guard::NONE)
    }

    /// What a run does, given the guard's value `x`.
    #[inline]
    pub(crate) fn verdict(&self, x: i64) -> Verdict {
        let k = i64::from(self.k);
        let holds = match self.cmp {
            Cmp::Eq => x == k,
            Cmp::Ne => x != k,
            Cmp::Lt => x < k,
            Cmp::Le => x <= k,
            Cmp::Gt => x > k,
            Cmp::Ge => x >= k,
        };
        if !holds {
            return Verdict::Exit(self.exit_at);
        }
        let carry = match self.resume_at {
            at if at > self.exit_at => None,
            // `x` alone: its value; `x k cmp`: 1.
            1 => Some(x),
            _ => Some(1),
        };
        Verdict::Run { at: self.resume_at, carry }
    }
}

fn find(program: &Program, code: &[[u8; INSTR_SIZE]]) -> Option<Guard> {
    let at = |i: usize| code.get(i).and_then(|w| Instr::decode(*w));
    let first = at(0)?;
    let operand = match first.op {
        Op::Payload => Operand::Payload,
        Op::State => Operand::State,
        Op::Var => Operand::Var,
        Op::Old => Operand::Old,
        Op::New => Operand::New,
        _ => return None,
    };
    let constant = |i: Instr| -> Option<i32> {
        match i.op {
            Op::Small => Some(i32::from(i.signed())),
            Op::Text => Some(i32::from(i.b)),
            Op::Const => i32::try_from(program.constant(i.b)?).ok(),
            _ => None,
        }
    };
    // The test: `x k cmp`, or `x` alone (`x != 0`).
    let (cmp, k, len) = match (at(1).and_then(constant), at(2).and_then(|i| Cmp::of(i.op))) {
        (Some(k), Some(cmp)) => (cmp, k, 3u16),
        _ => (Cmp::Ne, 0, 1),
    };
    let guard = |exit_at: usize, resume_at: u16| {
        Some(Guard { operand, index: first.b, cmp, k, exit_at: u16::try_from(exit_at).ok()?, resume_at })
    };
    let mut i = usize::from(len);
    if at(i)?.op == Op::ExitIfFalse {
        return guard(i, len.checked_add(1)?);
    }
    // The left side of a final `and`: the rest computes, never reaching below the test's value.
    let mut above: usize = 0;
    while i < code.len() {
        let op = at(i)?.op;
        if op == Op::And && above == 1 && at(i.checked_add(1)?)?.op == Op::ExitIfFalse {
            return guard(i.checked_add(1)?, len);
        }
        let (pops, pushes) = pure_effect(op)?;
        above = above.checked_sub(pops)?.checked_add(pushes)?;
        i = i.checked_add(1)?;
    }
    None
}

/// Values an instruction that only computes pops and pushes; `None` for any other.
fn pure_effect(op: Op) -> Option<(usize, usize)> {
    Some(match op {
        Op::Nop => (0, 0),
        Op::Const
        | Op::Small
        | Op::Text
        | Op::State
        | Op::Var
        | Op::Payload
        | Op::Old
        | Op::New
        | Op::Held
        | Op::Now
        | Op::Minute
        | Op::Kept => (0, 1),
        Op::Neg | Op::Not => (1, 1),
        Op::Add
        | Op::Sub
        | Op::Mul
        | Op::Div
        | Op::Rem
        | Op::Eq
        | Op::Ne
        | Op::Lt
        | Op::Le
        | Op::Gt
        | Op::Ge
        | Op::Matches
        | Op::Contains
        | Op::And
        | Op::Or => (2, 1),
        Op::Jump
        | Op::JumpIfFalse
        | Op::ExitIfFalse
        | Op::Gate
        | Op::Set
        | Op::Emit
        | Op::EmitAfter
        | Op::SetAfter
        | Op::End => return None,
    })
}

#[cfg(test)]
#[allow(clippy::expect_used)] // a test that cannot build its program should stop loudly
mod tests {
    extern crate alloc;

    use super::*;
    use crate::builder::{Code, ProgramBuilder, RuleSpec};
    use crate::format::{Kind, Trigger};
    use crate::verify::verify;
    use Op::*;
    use alloc::vec::Vec;

    /// The guard found in the block of a one-rule program with a number payload, a number
    /// state, a text state and a variable.
    fn guard_of(ops: &[(Op, u16)]) -> Guard {
        let mut b = ProgramBuilder::new();
        let e = b.event("e", &[Kind::Num]);
        b.state("speed", Kind::Num);
        b.state("mode", Kind::Text);
        b.var("n", 0, 100, 0);
        b.text("driving");
        b.constant(70_000);
        b.constant(1 << 40);
        let mut code = Code::new();
        for &(op, v) in ops {
            code.op(op, v);
        }
        b.rule(RuleSpec::on(Trigger::Event { event: e }), &code);
        let bytes = b.finish();
        let program = verify(&bytes).expect("the test program verifies");
        let r = program.rule(0).expect("one rule");
        Guard::of(&program, program.code_block(r.code_start, r.code_len).expect("its code"))
    }

    fn small(v: i16) -> u16 {
        u16::from_le_bytes(v.to_le_bytes())
    }

    #[test]
    fn a_whole_condition_is_a_guard_and_the_run_goes_on_after_it() {
        let g = guard_of(&[(Payload, 0), (Small, small(-3)), (Gt, 0), (ExitIfFalse, 0), (Gate, 0), (End, 0)]);
        assert_eq!((g.operand, g.index, g.exit_at, g.resume_at), (Operand::Payload, 0, 3, 4));
        assert_eq!(g.verdict(-2), Verdict::Run { at: 4, carry: None });
        assert_eq!(g.verdict(-3), Verdict::Exit(3));
        // A state tested alone is `!= 0`.
        let g = guard_of(&[(State, 0), (ExitIfFalse, 0), (Gate, 0), (End, 0)]);
        assert_eq!((g.operand, g.exit_at, g.resume_at), (Operand::State, 1, 2));
        assert_eq!((g.verdict(0), g.verdict(-5)), (Verdict::Exit(1), Verdict::Run { at: 2, carry: None }));
        // A text state against a text, a variable against a constant that fits 32 bits.
        let g = guard_of(&[(State, 1), (Text, 0), (Eq, 0), (ExitIfFalse, 0), (End, 0)]);
        assert_eq!(
            (g.operand, g.index, g.verdict(0), g.verdict(1)),
            (Operand::State, 1, Verdict::Run { at: 4, carry: None }, Verdict::Exit(3))
        );
        let g = guard_of(&[(Var, 0), (Const, 0), (Le, 0), (ExitIfFalse, 0), (End, 0)]);
        assert_eq!(
            (g.operand, g.verdict(70_000), g.verdict(70_001)),
            (Operand::Var, Verdict::Run { at: 4, carry: None }, Verdict::Exit(3))
        );
    }

    #[test]
    fn every_comparison_decides_as_the_interpreter_would_at_its_boundary() {
        type Holds = fn(i64, i64) -> bool;
        let cases: [(Op, Holds); 6] = [
            (Eq, |x, k| x == k),
            (Ne, |x, k| x != k),
            (Lt, |x, k| x < k),
            (Le, |x, k| x <= k),
            (Gt, |x, k| x > k),
            (Ge, |x, k| x >= k),
        ];
        for (op, holds) in cases {
            let g = guard_of(&[(Payload, 0), (Small, small(-5)), (op, 0), (ExitIfFalse, 0), (End, 0)]);
            for x in [i64::MIN, -6, -5, -4, 0, i64::MAX] {
                let expected = if holds(x, -5) { Verdict::Run { at: 4, carry: None } } else { Verdict::Exit(3) };
                assert_eq!(g.verdict(x), expected, "{op:?} with x = {x}");
            }
        }
    }

    #[test]
    fn the_left_side_of_a_final_and_is_a_guard_and_the_run_goes_on_with_its_value() {
        // speed > 10 and (n + 1) * 2 < speed
        let ops = [(State, 0), (Small, 10), (Gt, 0), (Var, 0), (Small, 1), (Add, 0), (Small, 2), (Mul, 0)];
        let mut code = ops.to_vec();
        code.extend([(State, 0), (Lt, 0), (And, 0), (ExitIfFalse, 0), (Gate, 0), (End, 0)]);
        let g = guard_of(&code);
        assert_eq!(
            (g.exit_at, g.resume_at, g.verdict(10), g.verdict(11)),
            (11, 3, Verdict::Exit(11), Verdict::Run { at: 3, carry: Some(1) })
        );
        // A value tested alone, then `and`.
        let g = guard_of(&[(Payload, 0), (State, 0), (And, 0), (ExitIfFalse, 0), (End, 0)]);
        assert_eq!(
            (g.operand, g.exit_at, g.verdict(0), g.verdict(3)),
            (Operand::Payload, 3, Verdict::Exit(3), Verdict::Run { at: 1, carry: Some(3) })
        );
    }

    #[test]
    fn other_shapes_have_no_guard() {
        let none = |ops: &[(Op, u16)]| assert_eq!(guard_of(ops), Guard::NONE, "{ops:?}");
        none(&[(Gate, 0), (End, 0)]);
        // The test's value is used by something else than the final `and`.
        none(&[(Payload, 0), (Small, 1), (Gt, 0), (State, 0), (Or, 0), (ExitIfFalse, 0), (End, 0)]);
        none(&[(Payload, 0), (Small, 1), (Gt, 0), (State, 0), (Add, 0), (ExitIfFalse, 0), (End, 0)]);
        none(&[(Payload, 0), (State, 0), (And, 0), (Not, 0), (ExitIfFalse, 0), (End, 0)]);
        // The condition starts with a constant, or its constant does not fit 32 bits.
        none(&[(Small, 1), (Payload, 0), (Lt, 0), (ExitIfFalse, 0), (End, 0)]);
        none(&[(Payload, 0), (Const, 1), (Lt, 0), (ExitIfFalse, 0), (End, 0)]);
        // A jump before the exit (effects cannot come before it: the verifier wants the gate first).
        let mut c = Code::new();
        c.op(Payload, 0);
        let skip = c.jump(JumpIfFalse);
        c.op(State, 0).op(ExitIfFalse, 0);
        c.bind(skip);
        c.op(End, 0);
        let ops: Vec<(Op, u16)> = c.instrs().iter().map(|i| (i.op, i.b)).collect();
        none(&ops);
        // The test is negated before the exit.
        none(&[(Payload, 0), (Small, 1), (Gt, 0), (Not, 0), (ExitIfFalse, 0), (End, 0)]);
    }
}
