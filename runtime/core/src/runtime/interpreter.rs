//! The built-in interpreter: the instruction loop and its value stack. It reaches the runtime
//! only through [`Effects`], so it knows nothing of triggers, timers or the gate.

use super::engine::{BlockEngine, Effects, HeldBlock, Machine, RuleBlock, StepBlock, TriggerValues};
use super::held::has_held;
use super::host::Host;
use super::layout::SlotLayout;
use super::ticks::MS_PER_MINUTE;
use crate::format::HOST_TEXT_BASE;
use crate::guard::{Operand, Verdict};
use crate::isa::{INSTR_SIZE, MAX_ARGS, MAX_STACK, Op, divide, remainder, signed};
use crate::program::Program;

/// The built-in interpreter: the default [`BlockEngine`] of a [`Runtime`](super::Runtime).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Interpreter;

impl BlockEngine for Interpreter {
    /// Checks the rule's guard (see `crate::guard`), then interprets the rest of its code.
    #[inline(always)]
    fn run_rule<M: Machine>(self, block: &RuleBlock<'_>, m: &mut M) -> Option<()> {
        match guard_verdict(block, m) {
            Verdict::Exit(at) => {
                m.exited(block.code_start.saturating_add(u32::from(at)));
                Some(())
            }
            Verdict::Run { at, carry } => {
                let code = block.program.code_block(block.code_start, block.code_len)?;
                let run = Run { code, start: block.code_start, fuel: block.bound, from: at, carry };
                exec::<_, false>(run, m).map(|_| ())
            }
        }
    }

    fn eval_held(self, block: &HeldBlock<'_>, slots: &[i64]) -> Option<i64> {
        // A held block only computes; jumps only go forward, so its length bounds a run.
        let code = block.program.code_block(block.code_start, block.code_len)?;
        let run = Run { code, start: block.code_start, fuel: block.code_len, from: 0, carry: None };
        let mut m = Pure { slots, layout: &block.layout, program: block.program, now: 0, ctx: NO_TRIGGER, host: None };
        exec_yielding(run, &mut m)
    }

    fn eval_step<M: Machine>(self, block: &StepBlock<'_>, m: &mut M) -> Option<i64> {
        // A filter only computes, forward: its length bounds a run.
        let code = block.program.code_block(block.code_start, block.code_len)?;
        let run = Run { code, start: block.code_start, fuel: block.code_len, from: 0, carry: None };
        exec_yielding(run, m)
    }
}

/// The value a guard tests, read as the loop would read it; a read that fails leaves it to the
/// loop. A rule without a guard runs from its start.
#[inline(always)]
fn guard_verdict(block: &RuleBlock<'_>, m: &impl Effects) -> Verdict {
    let guard = &block.guard;
    let x = match guard.operand {
        Operand::None => None,
        Operand::Payload => m.trigger().payload.get(usize::from(guard.index)).copied(),
        Operand::State => m.layout().state(guard.index).and_then(|i| m.slots().get(i).copied()),
        Operand::Var => m.layout().var(guard.index).and_then(|i| m.slots().get(i).copied()),
        Operand::Old => Some(m.trigger().old),
        Operand::New => Some(m.trigger().new),
    };
    x.map_or(Verdict::Run { at: 0, carry: None }, |x| guard.verdict(x))
}

/// The effects of a run of a block that only computes (a held condition or a step filter): it
/// reads the slots, the clock, the trigger's payload and the host's texts it is given, and may
/// do nothing else (the verifier proved it; on a malformed block an effect ends the run, and the
/// result is 0). One type for both kinds of block, so the loop is compiled once for them.
pub(super) struct Pure<'s> {
    pub(super) slots: &'s [i64],
    pub(super) layout: &'s SlotLayout,
    pub(super) program: &'s Program<'s>,
    /// The clock: 0 for a held condition, which is re-evaluated when states change, not when
    /// time passes, and may not read it.
    pub(super) now: u64,
    pub(super) ctx: &'s TriggerValues,
    /// Where the texts the host passed in are read (none for a held condition).
    pub(super) host: Option<&'s dyn Host>,
}

/// What a held condition's run is given: no payload, no clock, no host.
const NO_TRIGGER: &TriggerValues = &TriggerValues { payload: [0; MAX_ARGS], old: 0, new: 0 };

impl Effects for Pure<'_> {
    fn slots(&self) -> &[i64] {
        self.slots
    }
    fn layout(&self) -> &SlotLayout {
        self.layout
    }
    fn program(&self) -> &Program<'_> {
        self.program
    }
    fn now(&self) -> u64 {
        self.now
    }
    fn trigger(&self) -> &TriggerValues {
        self.ctx
    }
    fn gate(&mut self) -> bool {
        false
    }
    fn emit(&mut self, _action: u16, _args: &[i64; MAX_ARGS]) -> bool {
        false
    }
    fn emit_after(&mut self, _action: u16, _args: &[i64; MAX_ARGS], _delay: i64) -> bool {
        false
    }
    fn set(&mut self, _var: u16, _value: i64) -> bool {
        false
    }
    fn set_after(&mut self, _var: u16, _value: i64, _delay: i64) -> bool {
        false
    }
    fn exited(&mut self, _pc: u32) {}
    fn text(&self, value: i64) -> Option<&str> {
        match u16::try_from(value) {
            Ok(index) => self.program.text(index),
            Err(_) => self.host?.host_text(u32::try_from(value.checked_sub(HOST_TEXT_BASE)?).ok()?),
        }
    }
}

impl Machine for Pure<'_> {
    fn begin(&mut self, _rule: u16) -> bool {
        false
    }
    fn sequence_completes(&mut self, _rule: u16, _event: u16) -> bool {
        false
    }
    fn fault(&mut self) {}
}

/// The loop for the blocks that yield a number (held conditions, step filters): out of line,
/// so that both share one copy of it (the runtime gives both a [`Pure`]), while the loop of
/// rule runs is inlined into the run.
#[inline(never)]
fn exec_yielding<E: Effects>(run: Run<'_>, m: &mut E) -> Option<i64> {
    exec::<E, true>(run, m)
}

/// One run of a block, as the loop starts it.
struct Run<'p> {
    code: &'p [[u8; INSTR_SIZE]],
    /// The absolute index of the block's first instruction (for traces).
    start: u32,
    /// Instructions the run may execute: the rule's bound, or a held block's length.
    fuel: u16,
    /// Where the run starts (after its guard, or 0) and what is on the stack then (the guard's
    /// value, if the condition goes on).
    from: u16,
    carry: Option<i64>,
}

/// Runs a block to its `End` and returns what it yields: with `YIELDS` (a held block) the value on
/// top of its stack, else 0. `None` if the program is malformed after
/// all: every read is checked and a run stops at its bound. An effect that ends the run (a gate
/// that refuses) yields 0.
///
/// One `match` over every operation: no nested dispatch, and the operators work in place.
/// Constants and tables are read through the machine, not a `&Program` held by the loop: LLVM
/// then loads them where they are used instead of keeping them in registers across the loop
/// (held in the loop, they pushed the code slice and the stack's top to memory: 2.4% more
/// instructions per event).
fn exec<E: Effects, const YIELDS: bool>(run: Run<'_>, m: &mut E) -> Option<i64> {
    let Run { code, start, mut fuel, from, carry } = run;
    let mut stack = Stack::new();
    let mut below: Below = [0; MAX_STACK];
    // `pc` counts from the start of the block; running off its end is a fault. A run that
    // starts after its guard has spent the guard's instructions, and may hold its value.
    let mut pc = usize::from(from);
    fuel = fuel.checked_sub(from)?;
    if let Some(v) = carry {
        stack.push(&mut below, v)?;
    }
    loop {
        // One load per instruction: `[op, a, b_lo, b_hi]` as a little-endian word.
        let word = u32::from_le_bytes(*code.get(pc)?);
        let b = (word >> 16) as u16;
        fuel = fuel.checked_sub(1)?;
        pc = pc.saturating_add(1);
        let pushed = match Op::from_byte(word as u8)? {
            Op::Nop => continue,
            Op::Const => m.program().constant(b)?,
            Op::Small => i64::from(signed(b)),
            Op::Text => i64::from(b),
            Op::State => *m.slots().get(m.layout().state(b)?)?,
            Op::Var => *m.slots().get(m.layout().var(b)?)?,
            Op::Payload => *m.trigger().payload.get(usize::from(b))?,
            Op::Kept => *m.slots().get(m.layout().kept(b)?)?,
            Op::Old => m.trigger().old,
            Op::New => m.trigger().new,
            Op::Held => {
                let since = *m.slots().get(m.layout().held(b)?)? as u64;
                i64::from(has_held(since, m.program().held(b)?.duration_ms, m.now()))
            }
            Op::Now => m.now() as i64,
            Op::Minute => (m.now().checked_div(MS_PER_MINUTE)?.checked_rem(1440)?) as i64,
            Op::Neg => {
                stack.unary(i64::wrapping_neg)?;
                continue;
            }
            Op::Not => {
                stack.unary(|x| i64::from(x == 0))?;
                continue;
            }
            Op::Add => {
                stack.binary(&below, i64::wrapping_add)?;
                continue;
            }
            Op::Sub => {
                stack.binary(&below, i64::wrapping_sub)?;
                continue;
            }
            Op::Mul => {
                stack.binary(&below, i64::wrapping_mul)?;
                continue;
            }
            Op::Div => {
                stack.binary(&below, divide)?;
                continue;
            }
            Op::Rem => {
                stack.binary(&below, remainder)?;
                continue;
            }
            Op::Eq => {
                stack.binary(&below, |x, y| i64::from(x == y))?;
                continue;
            }
            Op::Ne => {
                stack.binary(&below, |x, y| i64::from(x != y))?;
                continue;
            }
            Op::Lt => {
                stack.binary(&below, |x, y| i64::from(x < y))?;
                continue;
            }
            Op::Le => {
                stack.binary(&below, |x, y| i64::from(x <= y))?;
                continue;
            }
            Op::Gt => {
                stack.binary(&below, |x, y| i64::from(x > y))?;
                continue;
            }
            Op::Ge => {
                stack.binary(&below, |x, y| i64::from(x >= y))?;
                continue;
            }
            op @ (Op::Matches | Op::Contains) => {
                stack.binary(&below, |x, y| i64::from(m.text_match(op == Op::Contains, x, y)))?;
                continue;
            }
            Op::And => {
                stack.binary(&below, |x, y| i64::from(x != 0 && y != 0))?;
                continue;
            }
            Op::Or => {
                stack.binary(&below, |x, y| i64::from(x != 0 || y != 0))?;
                continue;
            }
            Op::End => return if YIELDS { stack.pop(&below) } else { Some(0) },
            Op::Jump => {
                pc = forward(pc, b)?;
                continue;
            }
            Op::JumpIfFalse => {
                if stack.pop(&below)? == 0 {
                    pc = forward(pc, b)?;
                }
                continue;
            }
            // Below: the instructions with effects, through the machine.
            Op::ExitIfFalse => {
                if stack.pop(&below)? == 0 {
                    let at = u32::try_from(pc).unwrap_or(u32::MAX);
                    m.exited(start.saturating_add(at).saturating_sub(1));
                    return Some(0);
                }
                continue;
            }
            Op::Gate => {
                if !m.gate() {
                    return Some(0);
                }
                continue;
            }
            Op::Set => {
                let v = stack.pop(&below)?;
                if !m.set(b, v) {
                    return Some(0);
                }
                continue;
            }
            Op::SetAfter => {
                let delay = stack.pop(&below)?;
                let value = stack.pop(&below)?;
                if !m.set_after(b, value, delay) {
                    return Some(0);
                }
                continue;
            }
            Op::Emit => {
                let argc = m.program().action(b)?.argc;
                let args = stack.pop_args(&below, argc)?;
                if !m.emit(b, &args) {
                    return Some(0);
                }
                continue;
            }
            Op::EmitAfter => {
                let delay = stack.pop(&below)?;
                let argc = m.program().action(b)?.argc;
                let args = stack.pop_args(&below, argc)?;
                if !m.emit_after(b, &args, delay) {
                    return Some(0);
                }
                continue;
            }
        };
        stack.push(&mut below, pushed)?;
    }
}

/// Where a jump by operand `b` from `pc` (the next instruction) lands; `None` for a backward one.
#[inline(always)]
fn forward(pc: usize, b: u16) -> Option<usize> {
    pc.checked_add(usize::try_from(signed(b)).ok()?)
}

/// The value stack of one block run: its top value and depth, which stay in registers, and
/// the values below the top in `below`. (They are two values, not one struct: LLVM keeps a struct
/// that holds an indexed array in memory, fields and all.) A push stores the old top; an
/// operator combines the top with one load.
struct Stack {
    top: i64,
    /// Values on the stack, `top` included.
    depth: usize,
}

/// `Below[k]` holds what was on top when the stack held `k` values (`[0]` is unused).
type Below = [i64; MAX_STACK];

impl Stack {
    fn new() -> Self {
        Stack { top: 0, depth: 0 }
    }

    #[inline(always)]
    fn push(&mut self, below: &mut Below, v: i64) -> Option<()> {
        *below.get_mut(self.depth)? = self.top;
        // `depth` < MAX_STACK here: it cannot wrap.
        self.depth = self.depth.wrapping_add(1);
        self.top = v;
        Some(())
    }

    #[inline(always)]
    fn pop(&mut self, below: &Below) -> Option<i64> {
        let v = self.top;
        self.depth = self.depth.checked_sub(1)?;
        self.top = *below.get(self.depth)?;
        Some(v)
    }

    /// Pops the `argc` arguments of an action (the last on top) into the first entries of an
    /// argument array, the rest 0.
    #[inline(always)]
    fn pop_args(&mut self, below: &Below, argc: u8) -> Option<[i64; MAX_ARGS]> {
        let mut args = [0i64; MAX_ARGS];
        for slot in args.get_mut(..usize::from(argc))?.iter_mut().rev() {
            *slot = self.pop(below)?;
        }
        Some(args)
    }

    /// Replaces the top `x` with `f(x)`.
    #[inline(always)]
    fn unary(&mut self, f: impl FnOnce(i64) -> i64) -> Option<()> {
        if self.depth == 0 {
            return None;
        }
        self.top = f(self.top);
        Some(())
    }

    /// Pops `y` and replaces `x` below it with `f(x, y)`.
    #[inline(always)]
    fn binary(&mut self, below: &Below, f: impl FnOnce(i64, i64) -> i64) -> Option<()> {
        // Two values at least: `x` is `below[depth - 1]`, with `depth - 1` >= 1.
        let x_at = self.depth.checked_sub(2)?.wrapping_add(1);
        let x = *below.get(x_at)?;
        self.top = f(x, self.top);
        self.depth = x_at;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stack_keeps_its_order_and_refuses_to_go_past_either_end() {
        let mut below: Below = [0; MAX_STACK];
        let mut s = Stack::new();
        assert_eq!(s.pop(&below), None);
        assert_eq!(s.binary(&below, i64::wrapping_sub), None);
        assert_eq!(s.unary(i64::wrapping_neg), None);
        for v in 1..=MAX_STACK as i64 {
            assert_eq!(s.push(&mut below, v), Some(()));
        }
        assert_eq!(s.push(&mut below, 99), None, "a 17th value overflows");
        // 15 - 16 = -1 on top, 14 values below it.
        assert_eq!(s.binary(&below, i64::wrapping_sub), Some(()));
        assert_eq!(s.unary(i64::wrapping_neg), Some(()));
        assert_eq!(s.pop(&below), Some(1));
        assert_eq!(s.pop_args(&below, 3), Some([12, 13, 14, 0, 0, 0, 0, 0]));
        for v in (1..=11).rev() {
            assert_eq!(s.pop(&below), Some(v));
        }
        assert_eq!(s.pop(&below), None);
        s.push(&mut below, 7);
        assert_eq!(s.binary(&below, i64::wrapping_add), None, "one value is not enough for an operator");
    }
}
