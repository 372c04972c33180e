//! Lowering one verified code block to Cranelift IR.
//!
//! The verifier proved every index, stack depth and kind, that jumps only go forward, and that
//! the stack is empty at every jump and jump target. So the lowering keeps the stack at compile
//! time (a vector of SSA values, emptied at every block boundary), makes one Cranelift block per
//! jump target, and needs no data-flow analysis. It still checks what it relies on and returns
//! an error rather than emitting wrong code or panicking if a block breaks a rule after all.
//!
//! Semantics, exactly those of `spec/bytecode.md` §5 and of the interpreter:
//! - `Add Sub Mul Neg` wrap (`iadd isub imul ineg`);
//! - `Div` rounds toward zero with `x / 0 = 0` and `i64::MIN / -1 = i64::MIN`: the divisor is
//!   replaced by 1 when it is 0 or -1 (so `sdiv` never traps) and the result selected after;
//! - `Rem` has the sign of `x` with `x % 0 = 0` and `i64::MIN % -1 = 0`: the divisor is replaced
//!   by 1 when it is 0 or -1 (so `srem` never traps), and `x % 1` is that 0;
//! - comparisons and `Not And Or` yield 0 or 1, any non-zero value being true;
//! - `Held b` is `since != u64::MAX && now.saturating_sub(since) >= duration` on the slot;
//! - `Gate Emit EmitAfter Set SetAfter` call the runtime through the helpers of `native`, which
//!   apply mode, rate limit, clamping, cascades and delays exactly as the interpreter does;
//! - `Matches Contains` call `native::helper_text_match`, which reads the texts through the
//!   machine (the host holds the texts it passed in) and matches them as the interpreter does;
//! - an `ExitIfFalse` that ends the run writes `pc + 1` into the frame's `exited` before it
//!   returns, which `native::Frame::run` reports so `Host::trace` sees the same decisions under
//!   both engines;
//! - `Minute` is `now / 60000 % 1440`, unsigned, computed only by the blocks that use it.
//!
//! No fuel is counted: jumps only go forward, so a run executes each instruction at most once,
//! and the verifier proved the longest path is within the rule's bound (the interpreter's fuel
//! check can never fire on a verified program).

use std::collections::BTreeMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Block, FuncRef, InstBuilder, MemFlagsData, Type, Value, types};
use cranelift_frontend::FunctionBuilder;
use glass_runtime::format::Section;
use glass_runtime::isa::MAX_STACK;
use glass_runtime::isa::{Instr, Op};
use glass_runtime::program::{BlockKind, Program};
use glass_runtime::runtime::SlotLayout;

use crate::native::{MAX_ARGS, offsets};

/// What a block may touch, from the program's tables.
pub(crate) struct Layout {
    /// Where states, variables and held conditions lie in the runtime's value slots.
    pub slots: SlotLayout,
    /// Duration of each held condition.
    pub held: Vec<u64>,
    /// Argument count of each action.
    pub argc: Vec<u8>,
}

impl Layout {
    pub(crate) fn of(p: &Program) -> Layout {
        let held = (0..p.len16(Section::Held)).map(|i| p.held(i).map_or(u64::MAX, |h| h.duration_ms)).collect();
        let argc = (0..p.len16(Section::Actions)).map(|i| p.action(i).map_or(u8::MAX, |a| a.argc)).collect();
        Layout { slots: SlotLayout::of(p), held, argc }
    }
}

/// The helpers, imported into the function being built.
#[derive(Clone, Copy)]
pub(crate) struct HelperRefs {
    pub gate: FuncRef,
    pub emit: FuncRef,
    pub emit_after: FuncRef,
    pub set: FuncRef,
    pub set_after: FuncRef,
    pub text_match: FuncRef,
}

/// Why a block could not be lowered (the verifier should have refused it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Malformed {
    /// Instruction index inside the block.
    pub at: u32,
    pub what: &'static str,
}

fn bad(at: usize, what: &'static str) -> Malformed {
    Malformed { at: u32::try_from(at).unwrap_or(u32::MAX), what }
}

/// Reads the block's instructions.
pub(crate) fn decode(p: &Program, start: u32, len: u16) -> Result<Vec<Instr>, Malformed> {
    (0..u32::from(len))
        .map(|i| start.checked_add(i).and_then(|at| p.instr(at)).ok_or(bad(i as usize, "instruction outside the code")))
        .collect()
}

struct Lowerer<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    p: &'a Program<'a>,
    layout: &'a Layout,
    kind: BlockKind,
    /// Absolute index of the block's first instruction (for traces).
    code_start: u32,
    /// Imported helpers (rule blocks only).
    helpers: Option<HelperRefs>,
    ptr: Type,
    /// The function's parameter: the frame (rules) or the slots (held).
    param: Value,
    /// The slots pointer loaded in the current Cranelift block, until the next helper call.
    slots: Option<Value>,
    stack: Vec<Value>,
}

/// Lowers `code` into the function `b` builds (whose entry block is not yet created).
#[allow(clippy::too_many_arguments)]
pub(crate) fn lower(
    b: &mut FunctionBuilder<'_>,
    p: &Program<'_>,
    layout: &Layout,
    (kind, code_start): (BlockKind, u32),
    helpers: Option<HelperRefs>,
    ptr: Type,
    code: &[Instr],
) -> Result<(), Malformed> {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let param = *b.block_params(entry).first().ok_or(bad(0, "function without parameter"))?;

    // One Cranelift block per jump target.
    let mut targets: BTreeMap<usize, Block> = BTreeMap::new();
    for (i, ins) in code.iter().enumerate() {
        if matches!(ins.op, Op::Jump | Op::JumpIfFalse) {
            let off = usize::try_from(ins.signed()).map_err(|_| bad(i, "backward jump"))?;
            let to = i + 1 + off;
            if to >= code.len() {
                return Err(bad(i, "jump past the block"));
            }
            targets.entry(to).or_insert_with(|| b.create_block());
        }
    }

    let mut l = Lowerer { b, p, layout, kind, code_start, helpers, ptr, param, slots: None, stack: Vec::new() };
    let mut open = true; // the current Cranelift block has no terminator yet
    for (i, ins) in code.iter().enumerate() {
        if let Some(&target) = targets.get(&i) {
            if !l.stack.is_empty() {
                return Err(bad(i, "stack not empty at a jump target"));
            }
            if open {
                l.b.ins().jump(target, &[]);
            }
            l.switch_to(target);
        } else if !open {
            return Err(bad(i, "unreachable instruction"));
        }
        open = l.instr(i, *ins, &targets)?;
    }
    if open {
        return Err(bad(code.len(), "block does not end with End"));
    }
    l.b.seal_all_blocks();
    Ok(())
}

impl Lowerer<'_, '_> {
    fn switch_to(&mut self, block: Block) {
        self.b.switch_to_block(block);
        self.slots = None;
    }

    fn pop(&mut self, at: usize) -> Result<Value, Malformed> {
        self.stack.pop().ok_or(bad(at, "stack underflow"))
    }

    fn push(&mut self, at: usize, v: Value) -> Result<(), Malformed> {
        if self.stack.len() >= MAX_STACK {
            return Err(bad(at, "stack overflow"));
        }
        self.stack.push(v);
        Ok(())
    }

    fn frame(&self, at: usize) -> Result<Value, Malformed> {
        match self.kind {
            BlockKind::Rule { .. } | BlockKind::Step { .. } => Ok(self.param),
            BlockKind::Held => Err(bad(at, "instruction not allowed in a held block")),
        }
    }

    /// The helpers of a block that reads the machine (a rule's, or a filter's for texts).
    fn helpers(&self, at: usize) -> Result<HelperRefs, Malformed> {
        match (self.kind, self.helpers) {
            (BlockKind::Rule { .. } | BlockKind::Step { .. }, Some(h)) => Ok(h),
            _ => Err(bad(at, "instruction not allowed in a held block")),
        }
    }

    /// The helpers of a block that acts: a rule's only.
    fn acting_helpers(&self, at: usize) -> Result<HelperRefs, Malformed> {
        match self.kind {
            BlockKind::Rule { .. } => self.helpers(at),
            _ => Err(bad(at, "instruction allowed only in a rule block")),
        }
    }

    /// Loads an `i64` field of the frame.
    fn frame_field(&mut self, at: usize, offset: i32) -> Result<Value, Malformed> {
        let frame = self.frame(at)?;
        Ok(self.b.ins().load(types::I64, MemFlagsData::trusted(), frame, offset))
    }

    /// Loads slot `index` (checked against the program's slot count).
    fn slot(&mut self, at: usize, index: usize) -> Result<Value, Malformed> {
        if index >= self.layout.slots.readable() {
            return Err(bad(at, "slot index out of range"));
        }
        let base = match (self.kind, self.slots) {
            (BlockKind::Held, _) => self.param,
            (BlockKind::Rule { .. } | BlockKind::Step { .. }, Some(s)) => s,
            (BlockKind::Rule { .. } | BlockKind::Step { .. }, None) => {
                let s = self.b.ins().load(self.ptr, MemFlagsData::trusted(), self.param, offsets::SLOTS);
                self.slots = Some(s);
                s
            }
        };
        let offset = i32::try_from(index * 8).map_err(|_| bad(at, "slot index out of range"))?;
        Ok(self.b.ins().load(types::I64, MemFlagsData::trusted(), base, offset))
    }

    fn bool(&mut self, cond: Value) -> Value {
        self.b.ins().uextend(types::I64, cond)
    }

    /// Calls a helper; the run ends when it returns 0 (a refused gate, a caught panic).
    fn call(&mut self, f: FuncRef, args: &[Value]) {
        let call = self.b.ins().call(f, args);
        let status = self.b.inst_results(call).first().copied();
        self.slots = None;
        if let Some(status) = status {
            self.go_on_if(status, None);
        }
    }

    /// Continues when `cond` is non-zero, else returns from the function (a filter's yields 0),
    /// first writing `exited` (an `ExitIfFalse`'s `pc + 1`) into the frame if given.
    fn go_on_if(&mut self, cond: Value, exited: Option<i64>) {
        let go_on = self.b.create_block();
        let exit = self.b.create_block();
        self.b.ins().brif(cond, go_on, &[], exit, &[]);
        self.b.set_cold_block(exit);
        self.switch_to(exit);
        if let Some(pc) = exited {
            let pc = self.b.ins().iconst(types::I64, pc);
            self.b.ins().store(MemFlagsData::trusted(), pc, self.param, offsets::EXITED);
        }
        if self.kind.yields() {
            let nothing = self.b.ins().iconst(types::I64, 0);
            self.b.ins().return_(&[nothing]);
        } else {
            self.b.ins().return_(&[]);
        }
        self.switch_to(go_on);
    }

    /// Pops the `argc` arguments of `action` (last on top) into the frame's `args`.
    fn store_args(&mut self, at: usize, action: u16) -> Result<(), Malformed> {
        let argc = *self.layout.argc.get(usize::from(action)).ok_or(bad(at, "no such action"))?;
        if usize::from(argc) > MAX_ARGS {
            return Err(bad(at, "too many arguments"));
        }
        let frame = self.frame(at)?;
        for k in (0..usize::from(argc)).rev() {
            let v = self.pop(at)?;
            self.b.ins().store(MemFlagsData::trusted(), v, frame, offsets::ARGS + 8 * k as i32);
        }
        Ok(())
    }

    /// Lowers one instruction; returns whether the current block is still open.
    fn instr(&mut self, at: usize, ins: Instr, targets: &BTreeMap<usize, Block>) -> Result<bool, Malformed> {
        let target = |off: i16| -> Result<Block, Malformed> {
            let to = usize::try_from(off).map_err(|_| bad(at, "backward jump"))? + at + 1;
            targets.get(&to).copied().ok_or(bad(at, "jump target"))
        };
        let b16 = ins.b;
        let v = match ins.op {
            Op::Nop => return Ok(true),
            Op::End => {
                match self.kind {
                    BlockKind::Rule { .. } => {
                        if !self.stack.is_empty() {
                            return Err(bad(at, "stack not empty at End"));
                        }
                        self.b.ins().return_(&[]);
                    }
                    BlockKind::Held | BlockKind::Step { .. } => {
                        let v = self.pop(at)?;
                        if !self.stack.is_empty() {
                            return Err(bad(at, "more than one value at End"));
                        }
                        self.b.ins().return_(&[v]);
                    }
                }
                return Ok(false);
            }
            Op::Jump => {
                if !self.stack.is_empty() {
                    return Err(bad(at, "stack not empty at a jump"));
                }
                let t = target(ins.signed())?;
                self.b.ins().jump(t, &[]);
                return Ok(false);
            }
            Op::JumpIfFalse => {
                let x = self.pop(at)?;
                if !self.stack.is_empty() {
                    return Err(bad(at, "stack not empty at a jump"));
                }
                let t = target(ins.signed())?;
                let next = self.b.create_block();
                self.b.ins().brif(x, next, &[], t, &[]);
                self.switch_to(next);
                return Ok(true);
            }
            Op::ExitIfFalse => {
                self.acting_helpers(at)?;
                let x = self.pop(at)?;
                // The exit path notes where the run ended, for the host (`Host::trace`).
                let pc = i64::from(self.code_start) + at as i64;
                self.go_on_if(x, Some(pc + 1));
                return Ok(true);
            }
            Op::Gate => {
                let h = self.acting_helpers(at)?;
                if !self.stack.is_empty() {
                    return Err(bad(at, "stack not empty at Gate"));
                }
                let frame = self.param;
                self.call(h.gate, &[frame]);
                return Ok(true);
            }
            Op::Set => {
                let h = self.acting_helpers(at)?;
                self.layout.slots.var(b16).ok_or(bad(at, "no such variable"))?;
                let x = self.pop(at)?;
                let (frame, var) = (self.param, self.b.ins().iconst(types::I64, i64::from(b16)));
                self.call(h.set, &[frame, var, x]);
                return Ok(true);
            }
            Op::SetAfter => {
                let h = self.acting_helpers(at)?;
                self.layout.slots.var(b16).ok_or(bad(at, "no such variable"))?;
                let delay = self.pop(at)?;
                let x = self.pop(at)?;
                let (frame, var) = (self.param, self.b.ins().iconst(types::I64, i64::from(b16)));
                self.call(h.set_after, &[frame, var, x, delay]);
                return Ok(true);
            }
            Op::Emit => {
                let h = self.acting_helpers(at)?;
                self.store_args(at, b16)?;
                let (frame, action) = (self.param, self.b.ins().iconst(types::I64, i64::from(b16)));
                self.call(h.emit, &[frame, action]);
                return Ok(true);
            }
            Op::EmitAfter => {
                let h = self.acting_helpers(at)?;
                let delay = self.pop(at)?;
                self.store_args(at, b16)?;
                let (frame, action) = (self.param, self.b.ins().iconst(types::I64, i64::from(b16)));
                self.call(h.emit_after, &[frame, action, delay]);
                return Ok(true);
            }
            Op::Const => {
                let c = self.p.constant(b16).ok_or(bad(at, "no such constant"))?;
                self.b.ins().iconst(types::I64, c)
            }
            Op::Small => self.b.ins().iconst(types::I64, i64::from(ins.signed())),
            Op::Text => {
                if b16 >= self.p.len16(Section::Texts) {
                    return Err(bad(at, "no such text"));
                }
                self.b.ins().iconst(types::I64, i64::from(b16))
            }
            Op::State => {
                let index = self.layout.slots.state(b16).ok_or(bad(at, "no such state"))?;
                self.slot(at, index)?
            }
            Op::Var => {
                let index = self.layout.slots.var(b16).ok_or(bad(at, "no such variable"))?;
                self.slot(at, index)?
            }
            Op::Payload => {
                let has_payload =
                    matches!(self.kind, BlockKind::Rule { payload: Some(_), .. } | BlockKind::Step { .. });
                if !has_payload || usize::from(b16) >= MAX_ARGS {
                    return Err(bad(at, "Payload not allowed here"));
                }
                self.frame_field(at, offsets::PAYLOAD + 8 * i32::from(b16))?
            }
            Op::Kept => {
                let kept = match self.kind {
                    BlockKind::Rule { kept, .. } | BlockKind::Step { kept, .. } => kept,
                    BlockKind::Held => return Err(bad(at, "Kept not allowed in a held block")),
                };
                kept.kind(b16).ok_or(bad(at, "no such kept field"))?;
                let index = self.layout.slots.kept(b16).ok_or(bad(at, "no such kept field"))?;
                self.slot(at, index)?
            }
            Op::Old | Op::New => {
                if !matches!(self.kind, BlockKind::Rule { change: Some(_), .. }) {
                    return Err(bad(at, "Old/New not allowed here"));
                }
                self.frame_field(at, if ins.op == Op::Old { offsets::OLD } else { offsets::NEW })?
            }
            Op::Now => self.frame_field(at, offsets::NOW)?,
            Op::Minute => {
                let now = self.frame_field(at, offsets::NOW)?;
                let (per_minute, per_day) =
                    (self.b.ins().iconst(types::I64, 60_000), self.b.ins().iconst(types::I64, 1_440));
                let minutes = self.b.ins().udiv(now, per_minute);
                self.b.ins().urem(minutes, per_day)
            }
            Op::Held => {
                let duration = *self.layout.held.get(usize::from(b16)).ok_or(bad(at, "no such held condition"))?;
                self.frame(at)?;
                let index = self.layout.slots.held(b16).ok_or(bad(at, "no such held condition"))?;
                let since = self.slot(at, index)?;
                let now = self.frame_field(at, offsets::NOW)?;
                let holding = self.b.ins().icmp_imm_s(IntCC::NotEqual, since, -1); // u64::MAX
                let late = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, now, since);
                let diff = self.b.ins().isub(now, since);
                let zero = self.b.ins().iconst(types::I64, 0);
                let elapsed = self.b.ins().select(late, diff, zero); // now.saturating_sub(since)
                let long = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, elapsed, duration as i64);
                let held = self.b.ins().band(holding, long);
                self.bool(held)
            }
            Op::Matches | Op::Contains => {
                let h = self.helpers(at)?;
                let y = self.pop(at)?;
                let x = self.pop(at)?;
                let (frame, contains) =
                    (self.param, self.b.ins().iconst(types::I64, i64::from(ins.op == Op::Contains)));
                let call = self.b.ins().call(h.text_match, &[frame, contains, x, y]);
                let r = *self.b.inst_results(call).first().ok_or(bad(at, "helper without result"))?;
                self.slots = None;
                let go_on = self.b.ins().icmp_imm_s(IntCC::NotEqual, r, -1);
                self.go_on_if(go_on, None);
                r
            }
            Op::Neg => {
                let x = self.pop(at)?;
                self.b.ins().ineg(x)
            }
            Op::Not => {
                let x = self.pop(at)?;
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, x, 0);
                self.bool(c)
            }
            op => {
                let y = self.pop(at)?;
                let x = self.pop(at)?;
                let ins = self.b.ins();
                match op {
                    Op::Add => ins.iadd(x, y),
                    Op::Sub => ins.isub(x, y),
                    Op::Mul => ins.imul(x, y),
                    Op::Div => self.divide(x, y),
                    Op::Rem => self.remainder(x, y),
                    Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                        let cc = match op {
                            Op::Eq => IntCC::Equal,
                            Op::Ne => IntCC::NotEqual,
                            Op::Lt => IntCC::SignedLessThan,
                            Op::Le => IntCC::SignedLessThanOrEqual,
                            Op::Gt => IntCC::SignedGreaterThan,
                            _ => IntCC::SignedGreaterThanOrEqual,
                        };
                        let c = ins.icmp(cc, x, y);
                        self.bool(c)
                    }
                    Op::And | Op::Or => {
                        let a = ins.icmp_imm_s(IntCC::NotEqual, x, 0);
                        let c = self.b.ins().icmp_imm_s(IntCC::NotEqual, y, 0);
                        let r = if op == Op::And { self.b.ins().band(a, c) } else { self.b.ins().bor(a, c) };
                        self.bool(r)
                    }
                    _ => return Err(bad(at, "unknown operation")),
                }
            }
        };
        self.push(at, v)?;
        Ok(true)
    }

    /// `y`, or 1 where `y` is 0 or -1 (where `sdiv` and `srem` trap), with the two tests.
    fn safe_divisor(&mut self, y: Value) -> (Value, Value, Value) {
        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
        let special = self.b.ins().bor(zero, minus_one);
        let one = self.b.ins().iconst(types::I64, 1);
        (self.b.ins().select(special, one, y), zero, minus_one)
    }

    /// `x / y` toward zero, with `x / 0 = 0` and `x / -1 = -x` wrapping (so
    /// `i64::MIN / -1 = i64::MIN`); `sdiv` only ever sees a divisor other than 0 and -1.
    fn divide(&mut self, x: Value, y: Value) -> Value {
        let (divisor, zero, minus_one) = self.safe_divisor(y);
        let q = self.b.ins().sdiv(x, divisor);
        let negated = self.b.ins().ineg(x);
        let q = self.b.ins().select(minus_one, negated, q);
        let nothing = self.b.ins().iconst(types::I64, 0);
        self.b.ins().select(zero, nothing, q)
    }

    /// `x % y` with the sign of `x`, `x % 0 = 0` and `x % -1 = 0` (so `i64::MIN % -1 = 0`): both
    /// are `x % 1`, so `srem` only ever sees a divisor other than 0 and -1 and needs no select after.
    fn remainder(&mut self, x: Value, y: Value) -> Value {
        let (divisor, _, _) = self.safe_divisor(y);
        self.b.ins().srem(x, divisor)
    }
}
