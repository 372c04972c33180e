//! The simulation of one code block: stack depths and kinds at every instruction, jumps that
//! only go forward, the longest path, and which instructions the block's kind allows.

use super::VerifyError;
use crate::format::{Kind, Section};
use crate::isa::{MAX_PENDING_JUMPS, MAX_STACK, Op};
use crate::program::{BlockKind, Program};

/// What the verifier learned about a block.
pub(super) struct Facts {
    /// Instructions on the longest path.
    pub(super) longest: u32,
    /// Delayed actions (`EmitAfter`, `SetAfter`) in the block.
    pub(super) delayed: u32,
}

/// A jump not reached yet: where it lands, in what state, and the longest path to it.
#[derive(Clone, Copy)]
struct Pending {
    target: u32,
    gated: bool,
    dist: u32,
}

/// The simulated stack of a block: kinds only.
struct Sim {
    stack: [Kind; MAX_STACK],
    depth: usize,
    at: u32,
}

impl Sim {
    fn pop(&mut self) -> Result<Kind, VerifyError> {
        self.depth = self.depth.checked_sub(1).ok_or(VerifyError::StackUnderflow { at: self.at })?;
        Ok(self.stack.get(self.depth).copied().unwrap_or(Kind::Num))
    }

    fn pop_num(&mut self) -> Result<(), VerifyError> {
        match self.pop()? {
            Kind::Num => Ok(()),
            Kind::Text => Err(VerifyError::TypeMismatch { at: self.at }),
        }
    }

    fn push(&mut self, kind: Kind) -> Result<(), VerifyError> {
        *self.stack.get_mut(self.depth).ok_or(VerifyError::StackOverflow { at: self.at })? = kind;
        self.depth = self.depth.saturating_add(1);
        Ok(())
    }
}

/// Simulates a block once, instruction by instruction.
pub(super) fn check_block(
    p: &Program,
    start: u32,
    len: u16,
    block: BlockKind,
    section: Section,
    index: u16,
) -> Result<Facts, VerifyError> {
    let end = start.checked_add(u32::from(len)).filter(|e| *e <= p.count(Section::Code) && len > 0);
    let Some(end) = end else { return Err(VerifyError::BadCodeRange { section, index }) };
    let mut sim = Sim { stack: [Kind::Num; MAX_STACK], depth: 0, at: start };
    let mut pending: [Option<Pending>; MAX_PENDING_JUMPS] = [None; MAX_PENDING_JUMPS];
    let mut gated = false;
    // Longest path to the current instruction, and whether the previous one falls through to it.
    let mut dist: u32 = 0;
    let mut falls_through = true;
    let mut delayed: u32 = 0;
    // What the block may read and do: a rule acts, a held condition and a filter only compute;
    // a held condition reads no payload, no clock and no texts of the host.
    let rule = matches!(block, BlockKind::Rule { .. });
    let (payload, change, kept, computes_from_trigger) = match block {
        BlockKind::Rule { payload, change, kept } => (payload, change, kept, true),
        BlockKind::Step { payload, kept } => (Some(payload), None, kept, true),
        BlockKind::Held => (None, None, crate::program::Kept::default(), false),
    };
    for at in start..end {
        sim.at = at;
        // Merge the jumps that land here with the fall-through path.
        let mut reached = falls_through;
        let mut here_gated = if falls_through { Some(gated) } else { None };
        for slot in pending.iter_mut() {
            if let Some(j) = *slot
                && j.target == at
            {
                *slot = None;
                if here_gated.is_some_and(|g| g != j.gated) || (falls_through && sim.depth != 0) {
                    return Err(VerifyError::BadJump { at });
                }
                here_gated = Some(j.gated);
                dist = if reached { dist.max(j.dist) } else { j.dist };
                reached = true;
            }
        }
        if !reached {
            return Err(VerifyError::Unreachable { at });
        }
        gated = here_gated.unwrap_or(gated);
        dist = dist.saturating_add(1);
        falls_through = true;

        let Some(ins) = p.instr(at) else {
            let byte = p.entry(Section::Code, at).and_then(|mut r| r.u8()).unwrap_or(0);
            return Err(VerifyError::BadOpcode { at, byte });
        };
        if ins.a != 0 {
            return Err(VerifyError::ReservedBits { at });
        }
        let oob = |what: &'static str| VerifyError::IndexOutOfBounds { at, what, index: ins.b };
        let not_here = VerifyError::NotAllowedHere { at, op: ins.op };
        match ins.op {
            Op::Nop => {}
            Op::Const => {
                p.constant(ins.b).ok_or(oob("constant"))?;
                sim.push(Kind::Num)?;
            }
            Op::Small => sim.push(Kind::Num)?,
            Op::Text => {
                if ins.b >= p.len16(Section::Texts) {
                    return Err(oob("text"));
                }
                sim.push(Kind::Text)?;
            }
            Op::State => {
                let s = p.state(ins.b).ok_or(oob("state"))?;
                sim.push(s.kind)?;
            }
            Op::Var => {
                p.var(ins.b).ok_or(oob("variable"))?;
                sim.push(Kind::Num)?;
            }
            Op::Payload => {
                let Some(event) = payload else { return Err(not_here) };
                if ins.b >= u16::from(event.fields) {
                    return Err(oob("payload field"));
                }
                sim.push(Kind::of_bit(event.text_mask, usize::from(ins.b)))?;
            }
            Op::Kept => {
                if !computes_from_trigger {
                    return Err(not_here);
                }
                sim.push(kept.kind(ins.b).ok_or(oob("kept field"))?)?;
            }
            Op::Old | Op::New => {
                let Some(kind) = change else { return Err(not_here) };
                sim.push(kind)?;
            }
            Op::Held => {
                if !computes_from_trigger {
                    return Err(not_here);
                }
                p.held(ins.b).ok_or(oob("held condition"))?;
                sim.push(Kind::Num)?;
            }
            Op::Now | Op::Minute => {
                // A held condition is re-evaluated only when states change, so it may not read time.
                if !computes_from_trigger {
                    return Err(not_here);
                }
                sim.push(Kind::Num)?;
            }
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Rem | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::And | Op::Or => {
                sim.pop_num()?;
                sim.pop_num()?;
                sim.push(Kind::Num)?;
            }
            Op::Eq | Op::Ne => {
                if sim.pop()? != sim.pop()? {
                    return Err(VerifyError::TypeMismatch { at });
                }
                sim.push(Kind::Num)?;
            }
            Op::Matches | Op::Contains => {
                // A held block runs without the host, which holds the texts it passed in.
                if !computes_from_trigger {
                    return Err(not_here);
                }
                if sim.pop()? != Kind::Text || sim.pop()? != Kind::Text {
                    return Err(VerifyError::TypeMismatch { at });
                }
                sim.push(Kind::Num)?;
            }
            Op::Neg | Op::Not => {
                sim.pop_num()?;
                sim.push(Kind::Num)?;
            }
            Op::Jump | Op::JumpIfFalse => {
                if !rule {
                    return Err(not_here);
                }
                if ins.op == Op::JumpIfFalse {
                    sim.pop_num()?;
                }
                let offset = ins.signed();
                if offset < 0 {
                    return Err(VerifyError::BackwardJump { at });
                }
                let target = at.saturating_add(1).saturating_add(offset as u32);
                if target >= end || sim.depth != 0 {
                    return Err(VerifyError::BadJump { at });
                }
                add_pending(&mut pending, Pending { target, gated, dist }, at)?;
                if ins.op == Op::Jump {
                    falls_through = false;
                }
            }
            Op::ExitIfFalse => {
                if !rule || gated {
                    return Err(not_here);
                }
                sim.pop_num()?;
            }
            Op::Gate => {
                if !rule || gated || sim.depth != 0 {
                    return Err(not_here);
                }
                gated = true;
            }
            Op::Set | Op::SetAfter => {
                if !rule || !gated {
                    return Err(not_here);
                }
                p.var(ins.b).ok_or(oob("variable"))?;
                if ins.op == Op::SetAfter {
                    sim.pop_num()?;
                    delayed = delayed.saturating_add(1);
                }
                sim.pop_num()?;
            }
            Op::Emit | Op::EmitAfter => {
                if !rule || !gated {
                    return Err(not_here);
                }
                let action = p.action(ins.b).ok_or(oob("action"))?;
                if ins.op == Op::EmitAfter {
                    sim.pop_num()?;
                    delayed = delayed.saturating_add(1);
                }
                for arg in (0..usize::from(action.argc)).rev() {
                    if sim.pop()? != Kind::of_bit(action.text_mask, arg) {
                        return Err(VerifyError::TypeMismatch { at });
                    }
                }
            }
            Op::End => {
                let (want, yields) = if block.yields() { (1, Kind::Num) } else { (0, Kind::Num) };
                let first = sim.stack.first().copied().unwrap_or(Kind::Num);
                let pending_left = pending.iter().any(Option::is_some);
                if at.saturating_add(1) != end || sim.depth != want || (want == 1 && first != yields) || pending_left {
                    return Err(VerifyError::BadBlockEnd { at });
                }
                return Ok(Facts { longest: dist, delayed });
            }
        }
    }
    Err(VerifyError::BadBlockEnd { at: end.saturating_sub(1) })
}

fn add_pending(pending: &mut [Option<Pending>; MAX_PENDING_JUMPS], j: Pending, at: u32) -> Result<(), VerifyError> {
    // Two jumps to one target merge (they must agree on the gate).
    for p in pending.iter_mut().flatten() {
        if p.target == j.target {
            if p.gated != j.gated {
                return Err(VerifyError::BadJump { at });
            }
            p.dist = p.dist.max(j.dist);
            return Ok(());
        }
    }
    let free = pending.iter_mut().find(|p| p.is_none()).ok_or(VerifyError::BadJump { at })?;
    *free = Some(j);
    Ok(())
}
