//! Everything `unsafe` of the crate: the frame the compiled code reads, the `extern "C"` helpers
//! it calls, and the calls into compiled code.
//!
//! The contract between compiled code and this module:
//! - A rule function is `extern "C" fn(frame: *mut Frame)`. It reads `slots`, `now`, `old`,
//!   `new` and `payload` at the offsets below, writes the arguments of an action into `args`,
//!   and calls the helpers with the frame pointer. It never touches `machine` or `panic`. When
//!   an `ExitIfFalse` at absolute instruction `pc` ends the run it writes `pc + 1` into
//!   `exited` (the common case of a rule whose condition is false costs no helper call;
//!   [`Frame::run`] tells the machine afterwards).
//! - Every helper may change the runtime's slots (a `Set` changes a variable and the held
//!   conditions): each one refreshes `frame.slots` before it returns, and compiled code reloads
//!   `slots` from the frame after every call, so it never reads through a stale pointer.
//! - A helper returns 1 to go on and 0 to end the run (a gate that refused, or a panic of the
//!   host caught here: it is resumed once the compiled code has returned, so a panicking
//!   `Host::emit` behaves as under the interpreter instead of unwinding through JIT frames).
//! - `helper_text_match` is the one helper that returns a value: 1 or 0, or -1 to end the run.
//! - A held function is `extern "C" fn(slots: *const i64) -> i64` and calls nothing.
//! - A step function (a sequence step's filter) is `extern "C" fn(frame: *mut Frame) -> i64`:
//!   it reads the frame as a rule does, calls only `helper_text_match`, and returns the number
//!   its block yields (0 when the helper ended the run).
//!
//! Compiled code reads only slots below the count the lowering checked against the program
//! (`SlotLayout::readable`), and [`Frame::start`] / [`eval_held`] check that the slice
//! they are given is at least that long before calling it.

use std::any::Any;
use std::ffi::c_void;
use std::mem::offset_of;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use glass_runtime::runtime::Machine;

/// Payload fields and action arguments (`glass_runtime::isa::MAX_ARGS`).
pub(crate) const MAX_ARGS: usize = glass_runtime::isa::MAX_ARGS;

/// What compiled code sees: one frame for the rule runs of a stimulus.
#[repr(C)]
pub(crate) struct Frame<'m> {
    /// The runtime's value slots (states, variables, held-condition start times).
    slots: *const i64,
    now: i64,
    old: i64,
    new: i64,
    payload: [i64; MAX_ARGS],
    /// The arguments of the action being emitted, written by compiled code.
    args: [i64; MAX_ARGS],
    /// 0, or `pc + 1` of the `ExitIfFalse` that ended the run, written by compiled code.
    exited: i64,
    // Below: for the helpers only.
    machine: &'m mut dyn Machine,
    panic: Option<Box<dyn Any + Send>>,
}

/// Byte offsets of the frame's fields, for the lowering.
pub(crate) mod offsets {
    use super::*;
    pub(crate) const SLOTS: i32 = offset_of!(Frame<'static>, slots) as i32;
    pub(crate) const NOW: i32 = offset_of!(Frame<'static>, now) as i32;
    pub(crate) const OLD: i32 = offset_of!(Frame<'static>, old) as i32;
    pub(crate) const NEW: i32 = offset_of!(Frame<'static>, new) as i32;
    pub(crate) const PAYLOAD: i32 = offset_of!(Frame<'static>, payload) as i32;
    pub(crate) const ARGS: i32 = offset_of!(Frame<'static>, args) as i32;
    pub(crate) const EXITED: i32 = offset_of!(Frame<'static>, exited) as i32;
}

/// A compiled rule block.
#[derive(Clone, Copy)]
pub(crate) struct RuleFn(unsafe extern "C" fn(*mut c_void));

/// A compiled held block.
#[derive(Clone, Copy)]
pub(crate) struct HeldFn(unsafe extern "C" fn(*const i64) -> i64);

/// A compiled step filter.
#[derive(Clone, Copy)]
pub(crate) struct StepFn(unsafe extern "C" fn(*mut c_void) -> i64);

impl StepFn {
    /// # Safety
    /// As [`RuleFn::from_code`], for a step filter (signature `(ptr) -> i64`).
    pub(crate) unsafe fn from_code(code: *const u8) -> StepFn {
        // SAFETY: the caller guarantees `code` is a function with this signature.
        StepFn(unsafe { std::mem::transmute::<*const u8, unsafe extern "C" fn(*mut c_void) -> i64>(code) })
    }
}

impl RuleFn {
    /// # Safety
    /// `code` must be the finalized address of a function the lowering compiled as a rule block
    /// (signature `(ptr)`), and must stay mapped as long as the `RuleFn` is used.
    pub(crate) unsafe fn from_code(code: *const u8) -> RuleFn {
        // SAFETY: the caller guarantees `code` is a function with this signature.
        RuleFn(unsafe { std::mem::transmute::<*const u8, unsafe extern "C" fn(*mut c_void)>(code) })
    }
}

impl HeldFn {
    /// # Safety
    /// As [`RuleFn::from_code`], for a held block (signature `(ptr) -> i64`).
    pub(crate) unsafe fn from_code(code: *const u8) -> HeldFn {
        // SAFETY: the caller guarantees `code` is a function with this signature.
        HeldFn(unsafe { std::mem::transmute::<*const u8, unsafe extern "C" fn(*const i64) -> i64>(code) })
    }
}

impl<'m> Frame<'m> {
    /// A frame for the rule runs of one stimulus, or `None` if the runtime's slots are fewer
    /// than compiled code may read (`slots_needed`). The slots pointer is set before each run.
    fn start(m: &'m mut dyn Machine, slots_needed: usize) -> Option<Frame<'m>> {
        if m.slots().len() < slots_needed {
            return None;
        }
        let (now, trigger) = (m.now(), *m.trigger());
        Some(Frame {
            slots: std::ptr::null(),
            now: now as i64,
            old: trigger.old,
            new: trigger.new,
            payload: trigger.payload,
            args: [0; MAX_ARGS],
            exited: 0,
            machine: m,
            panic: None,
        })
    }

    /// Runs compiled rule block `f` once, then resumes a panic the helpers caught and tells
    /// the machine where an `ExitIfFalse` ended the run.
    fn run(&mut self, f: RuleFn) {
        // Through the frame's own reference, after every call that may have changed the runtime,
        // so no later use of it invalidates the pointer before a helper refreshes it.
        self.slots = self.machine.slots().as_ptr();
        self.exited = 0;
        // SAFETY: `f` was compiled from a verified block by the lowering, whose code only reads
        // the frame's plain fields and at most `slots_needed` slots (checked in `start`: the
        // slots never change length; refreshed by every helper), writes `args` and `exited`, and
        // calls the helpers below with this frame pointer. The frame outlives the call, and
        // nothing else touches it meanwhile. Runs terminate: jumps only go forward (the
        // verifier's bound proof replaces the interpreter's fuel count).
        unsafe { (f.0)((&raw mut *self).cast::<c_void>()) };
        if let Some(payload) = self.panic.take() {
            resume_unwind(payload);
        }
        if let Some(pc) = self.exited.checked_sub(1).and_then(|pc| u32::try_from(pc).ok()) {
            self.machine.exited(pc);
        }
    }
}

/// Runs a compiled rule block once against `m`. `slots_needed` is what the code may read.
pub(crate) fn run_rule(f: RuleFn, slots_needed: usize, m: &mut dyn Machine) -> Option<()> {
    Frame::start(m, slots_needed)?.run(f);
    Some(())
}

/// Runs the rules of one event from its plan (`glass_runtime::runtime::event_plan`) against `m`: one
/// frame for all of them, then a native call per rule. `false` (nothing done) if the runtime's
/// slots are fewer than the code may read: the runtime then runs the rules one by one, and
/// counts each as a fault.
pub(crate) fn run_event(plan: &[PlanStep], event: u16, slots_needed: usize, m: &mut dyn Machine) -> bool {
    let Some(mut frame) = Frame::start(m, slots_needed) else { return false };
    for step in plan {
        if step.sequence && !frame.machine.sequence_completes(step.rule, event) {
            continue;
        }
        if frame.machine.begin(step.rule) {
            frame.run(step.code);
        }
    }
    true
}

/// One entry of an event's plan: a rule, its compiled block, and whether it is a sequence.
#[derive(Clone, Copy)]
pub(crate) struct PlanStep {
    pub(crate) rule: u16,
    pub(crate) sequence: bool,
    pub(crate) code: RuleFn,
}

/// Evaluates a compiled held block over `slots`.
pub(crate) fn eval_held(f: HeldFn, slots_needed: usize, slots: &[i64]) -> Option<i64> {
    if slots.len() < slots_needed {
        return None;
    }
    // SAFETY: `f` is a compiled held block, which reads at most `slots_needed` slots (checked
    // above) from a pointer valid for the whole call, and calls nothing.
    Some(unsafe { (f.0)(slots.as_ptr()) })
}

/// Evaluates a compiled step filter against `m`, whose trigger is the step's event.
pub(crate) fn eval_step(f: StepFn, slots_needed: usize, m: &mut dyn Machine) -> Option<i64> {
    let mut frame = Frame::start(m, slots_needed)?;
    frame.slots = frame.machine.slots().as_ptr();
    // SAFETY: as in `Frame::run`: `f` was compiled from a verified filter, which reads the
    // frame's plain fields and at most `slots_needed` slots (checked in `start`), calls only the
    // text helper with this frame pointer, and returns.
    let v = unsafe { (f.0)((&raw mut frame).cast::<c_void>()) };
    if let Some(payload) = frame.panic.take() {
        resume_unwind(payload);
    }
    Some(v)
}

/// Runs a helper's body against the frame, catching a panic of the host (or the runtime) so it
/// does not unwind through compiled code. Returns 1 to go on, 0 to end the run.
///
/// # Safety
/// `frame` must be the pointer [`Frame::run`] passed to compiled code.
unsafe fn with_frame(frame: *mut c_void, body: impl FnOnce(&mut dyn Machine, &[i64; MAX_ARGS]) -> bool) -> i64 {
    // SAFETY: compiled code passes back the frame pointer it was called with, which points to a
    // live `Frame` that only this call accesses now (compiled code waits for the helper).
    let f = unsafe { &mut *frame.cast::<Frame<'_>>() };
    let args = f.args;
    let go_on = match catch_unwind(AssertUnwindSafe(|| body(&mut *f.machine, &args))) {
        Ok(go_on) => go_on,
        Err(payload) => {
            f.panic = Some(payload);
            false
        }
    };
    f.slots = f.machine.slots().as_ptr();
    i64::from(go_on)
}

pub(crate) extern "C" fn helper_gate(frame: *mut c_void) -> i64 {
    // SAFETY: only compiled code calls helpers, with its frame pointer.
    unsafe { with_frame(frame, |m, _| m.gate()) }
}

pub(crate) extern "C" fn helper_emit(frame: *mut c_void, action: i64) -> i64 {
    // SAFETY: as `helper_gate`.
    unsafe { with_frame(frame, |m, args| m.emit(action as u16, args)) }
}

pub(crate) extern "C" fn helper_emit_after(frame: *mut c_void, action: i64, delay: i64) -> i64 {
    // SAFETY: as `helper_gate`.
    unsafe { with_frame(frame, |m, args| m.emit_after(action as u16, args, delay)) }
}

pub(crate) extern "C" fn helper_set(frame: *mut c_void, var: i64, value: i64) -> i64 {
    // SAFETY: as `helper_gate`.
    unsafe { with_frame(frame, |m, _| m.set(var as u16, value)) }
}

pub(crate) extern "C" fn helper_set_after(frame: *mut c_void, var: i64, value: i64, delay: i64) -> i64 {
    // SAFETY: as `helper_gate`.
    unsafe { with_frame(frame, |m, _| m.set_after(var as u16, value, delay)) }
}

/// `Contains` (`contains` non-zero) or `Matches` over text values `x` and `y`: 1 or 0, or -1 if
/// the host panicked reading a text (the run then ends, and the panic is resumed after it).
pub(crate) extern "C" fn helper_text_match(frame: *mut c_void, contains: i64, x: i64, y: i64) -> i64 {
    let mut matched = false;
    // SAFETY: as `helper_gate`.
    let go_on = unsafe {
        with_frame(frame, |m, _| {
            matched = m.text_match(contains != 0, x, y);
            true
        })
    };
    if go_on == 0 { -1 } else { i64::from(matched) }
}

/// Releases the memory of a module once nothing refers to its code.
///
/// # Safety
/// No function pointer obtained from `module` may be called afterwards.
pub(crate) unsafe fn free(module: cranelift_jit::JITModule) {
    // SAFETY: guaranteed by the caller.
    unsafe { module.free_memory() }
}
