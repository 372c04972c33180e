//! The host-side JIT: compiles the code blocks of a verified glass program to native code with
//! Cranelift, to run under the runtime core's own [`Runtime`] with the same [`Host`] interface
//! and exactly the interpreter's semantics.
//!
//! ```text
//! bytes ──verify──▶ Program ──Jit::compile──▶ CompiledPack
//!                      │                          │ (a BlockEngine)
//!                      └──────── pack.runtime(&program, now) ──▶ Runtime<.., &CompiledPack>
//! ```
//!
//! Architecture invariants:
//! - **Only verified programs.** [`Jit::compile`] takes the verifier's output ([`Program`]), never
//!   bytes. The lowering still re-checks what it relies on and refuses ([`JitError::Malformed`])
//!   rather than emit wrong code.
//! - **One orchestration.** Triggers, the stimulus queue, timers, the gate (mode, rate limits),
//!   clamping, cascades and held-condition bookkeeping stay in `glass_runtime::Runtime`; the JIT
//!   only replaces the execution of code blocks, through the core's [`BlockEngine`] seam. For an
//!   event it runs the event's rules in one call, in the order the core's `event_plan` gives
//!   (the core still moves sequences along and gates every run). So interpreter and JIT differ
//!   only in how a block computes, which `tests/differential.rs` checks on thousands of random
//!   programs.
//! - **`unsafe` lives in one module** (`native`): the frame compiled code reads, the
//!   `extern "C"` helpers it calls and the calls into compiled code.
//! - The runtime core knows nothing of this crate, cranelift or std.
//!
//! ```
//! use glass_jit::Jit;
//! use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec};
//! use glass_runtime::format::Trigger;
//! use glass_runtime::isa::Op;
//! use glass_runtime::runtime::{Host, Origin, Value};
//!
//! struct Print(Vec<(u16, Vec<Value>)>);
//! impl Host for Print {
//!     fn emit(&mut self, action: u16, args: &[Value], _: Origin) {
//!         self.0.push((action, args.to_vec()));
//!     }
//! }
//!
//! let mut b = ProgramBuilder::new();
//! let press = b.event("press", &[glass_runtime::format::Kind::Num]);
//! let beep = b.action("beep", &[glass_runtime::format::Kind::Num], None);
//! let mut code = Code::new();
//! code.op(Op::Gate, 0).op(Op::Payload, 0).small(2).op(Op::Mul, 0).op(Op::Emit, beep).op(Op::End, 0);
//! b.rule(RuleSpec::on(Trigger::Event { event: press }), &code);
//! let bytes = b.finish();
//!
//! let program = glass_runtime::verify(&bytes).unwrap();
//! let pack = Jit::compile(&program).unwrap();
//! let mut rt = pack.runtime::<8, 8, 8, 8>(&program, 0).unwrap();
//! let mut host = Print(Vec::new());
//! rt.push_event(press, &[21]).unwrap();
//! rt.advance_to(10, &mut host);
//! assert_eq!(host.0, vec![(beep, vec![Value::Num(42)])]);
//! ```

mod lower;
mod native;

use std::fmt;

use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, ir};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, default_libcall_names};
use glass_runtime::format::Section;
use glass_runtime::format::Trigger;
use glass_runtime::program::{BlockKind, BlockRef};
use glass_runtime::runtime::{BlockEngine, HeldBlock, LoadError, Machine, RuleBlock, StepBlock, event_plan};
use glass_runtime::{Program, Runtime};

pub use glass_runtime::runtime::Host;

use crate::lower::{HelperRefs, Layout};
use crate::native::{HeldFn, PlanStep, RuleFn, StepFn};

/// A [`Runtime`] whose blocks run as native code compiled by [`Jit::compile`].
pub type JitRuntime<'p, 'j, const QUEUE: usize, const TIMERS: usize, const RULES: usize, const SLOTS: usize> =
    Runtime<'p, QUEUE, TIMERS, RULES, SLOTS, &'j CompiledPack>;

/// Why a program could not be compiled or loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JitError {
    /// The host's machine is not supported by Cranelift, or Cranelift refused a setting.
    Host(String),
    /// A block breaks a rule the verifier enforces (a verifier bug, if it happens).
    Malformed { block: BlockRef, at: u32, what: &'static str },
    /// Cranelift failed to compile a block.
    Codegen { block: BlockRef, message: String },
    /// [`CompiledPack::runtime`] was given another program than the one compiled.
    ProgramMismatch,
    /// The runtime's capacities are too small for the program.
    Load(LoadError),
}

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JitError::Host(m) => write!(f, "cannot set up the JIT on this machine: {m}"),
            JitError::Malformed { block, at, what } => write!(f, "{block}, instruction {at}: {what}"),
            JitError::Codegen { block, message } => write!(f, "{block}: code generation failed: {message}"),
            JitError::ProgramMismatch => f.write_str("the compiled pack was compiled from another program"),
            JitError::Load(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for JitError {}

impl From<LoadError> for JitError {
    fn from(e: LoadError) -> Self {
        JitError::Load(e)
    }
}

/// The compiler. (A unit type: compilation has no options yet.)
#[derive(Clone, Copy, Debug, Default)]
pub struct Jit;

/// A program's blocks compiled to native code: a [`BlockEngine`] for [`Runtime::with_engine`]
/// (use [`CompiledPack::runtime`], which also checks it is given the same program). The code is
/// freed when the pack is dropped; the borrow in `&CompiledPack` keeps every runtime using it
/// from outliving it.
pub struct CompiledPack {
    module: Option<JITModule>,
    rules: Vec<RuleFn>,
    /// For each event, the rules it runs in order (`glass_runtime::runtime::event_plan`), with their
    /// code: an event's rules run in one call, without a dispatch search.
    plans: Vec<Vec<PlanStep>>,
    held: Vec<HeldFn>,
    /// The filter of each entry of the step table (`None`: the step has none).
    steps: Vec<Option<StepFn>>,
    slots_needed: usize,
    fingerprint: (usize, u64),
    code_bytes: usize,
}

impl fmt::Debug for CompiledPack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledPack")
            .field("rules", &self.rules.len())
            .field("held", &self.held.len())
            .field("code_bytes", &self.code_bytes)
            .finish()
    }
}

impl Drop for CompiledPack {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: the function pointers into the module are fields of `self`, which is being
            // dropped, and every `Runtime` using them borrowed `self`, so none is alive.
            unsafe { native::free(module) };
        }
    }
}

/// Frees a module's memory if compilation stops half-way.
struct ModuleGuard(Option<JITModule>);

impl Drop for ModuleGuard {
    fn drop(&mut self) {
        if let Some(module) = self.0.take() {
            // SAFETY: no function pointer from this module has escaped (compilation failed).
            unsafe { native::free(module) };
        }
    }
}

/// A cheap identity of a program's bytes (FNV-1a), so a pack is only run with its program.
fn fingerprint(p: &Program) -> (usize, u64) {
    (p.bytes().len(), glass_runtime::format::fnv1a(p.bytes()))
}

struct HelperIds {
    gate: FuncId,
    emit: FuncId,
    emit_after: FuncId,
    set: FuncId,
    set_after: FuncId,
    text_match: FuncId,
}

impl Jit {
    /// Compiles every rule block, held block and step filter of a verified program.
    pub fn compile(program: &Program<'_>) -> Result<CompiledPack, JitError> {
        let host = |e: &dyn fmt::Display| JitError::Host(e.to_string());
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").map_err(|e| host(&e))?;
        flags.set("use_colocated_libcalls", "false").map_err(|e| host(&e))?;
        flags.set("is_pic", "false").map_err(|e| host(&e))?;
        // Cranelift's IR verifier checks the lowering's output: on in debug builds (every test,
        // the differential ones included), off in release, where it cost a third of compile time.
        let verify_ir = if cfg!(debug_assertions) { "true" } else { "false" };
        flags.set("enable_verifier", verify_ir).map_err(|e| host(&e))?;
        let isa = cranelift_native::builder()
            .map_err(|e| host(&e))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| host(&e))?;
        let mut jb = JITBuilder::with_isa(isa, default_libcall_names());
        jb.symbol("glass_gate", native::helper_gate as *const u8);
        jb.symbol("glass_emit", native::helper_emit as *const u8);
        jb.symbol("glass_emit_after", native::helper_emit_after as *const u8);
        jb.symbol("glass_set", native::helper_set as *const u8);
        jb.symbol("glass_set_after", native::helper_set_after as *const u8);
        jb.symbol("glass_text_match", native::helper_text_match as *const u8);
        let mut guard = ModuleGuard(Some(JITModule::new(jb)));
        let Some(module) = guard.0.as_mut() else { return Err(JitError::Host("no module".into())) };

        let ptr = module.target_config().pointer_type();
        let call_conv = module.isa().default_call_conv();
        let sig = |params: &[ir::Type], ret: Option<ir::Type>| {
            let mut s = Signature::new(call_conv);
            s.params.extend(params.iter().map(|t| AbiParam::new(*t)));
            s.returns.extend(ret.map(AbiParam::new));
            s
        };
        let i64t = types::I64;
        let declare = |m: &mut JITModule, name: &str, s: &Signature| {
            m.declare_function(name, Linkage::Import, s).map_err(|e| host(&e))
        };
        let helpers = HelperIds {
            gate: declare(module, "glass_gate", &sig(&[ptr], Some(i64t)))?,
            emit: declare(module, "glass_emit", &sig(&[ptr, i64t], Some(i64t)))?,
            emit_after: declare(module, "glass_emit_after", &sig(&[ptr, i64t, i64t], Some(i64t)))?,
            set: declare(module, "glass_set", &sig(&[ptr, i64t, i64t], Some(i64t)))?,
            set_after: declare(module, "glass_set_after", &sig(&[ptr, i64t, i64t, i64t], Some(i64t)))?,
            text_match: declare(module, "glass_text_match", &sig(&[ptr, i64t, i64t, i64t], Some(i64t)))?,
        };
        let rule_sig = sig(&[ptr], None);
        let held_sig = sig(&[ptr], Some(i64t));
        let step_sig = sig(&[ptr], Some(i64t));

        let layout = Layout::of(program);
        let mut ctx = module.make_context();
        let mut fctx = FunctionBuilderContext::new();
        let mut rule_ids = Vec::new();
        let mut held_ids = Vec::new();
        let mut step_ids: Vec<Option<FuncId>> = vec![None; usize::from(program.len16(Section::Steps))];
        let mut code_bytes = 0usize;

        for i in 0..program.len16(Section::Held) {
            let block = BlockRef::Held(i);
            let h = program.held(i).ok_or(JitError::Malformed { block, at: 0, what: "unreadable entry" })?;
            let id = compile_block(
                module,
                &mut ctx,
                &mut fctx,
                program,
                &layout,
                (block, BlockKind::Held, None),
                (h.code_start, h.code_len),
                &held_sig,
            )?;
            code_bytes += ctx_size(&ctx);
            module.clear_context(&mut ctx);
            held_ids.push(id);
        }
        for i in 0..program.len16(Section::Rules) {
            let block = BlockRef::Rule(i);
            let r = program.rule(i).ok_or(JitError::Malformed { block, at: 0, what: "unreadable entry" })?;
            let kind = BlockKind::of_rule(program, &r).ok_or(JitError::Malformed {
                block,
                at: 0,
                what: "unreadable trigger",
            })?;
            let id = compile_block(
                module,
                &mut ctx,
                &mut fctx,
                program,
                &layout,
                (block, kind, Some(&helpers)),
                (r.code_start, r.code_len),
                &rule_sig,
            )?;
            code_bytes += ctx_size(&ctx);
            module.clear_context(&mut ctx);
            rule_ids.push(id);
            let Trigger::Sequence { len, steps, .. } = r.trigger else { continue };
            for k in 0..len {
                let index = steps.saturating_add(u16::from(k));
                let block = BlockRef::Step(i, k);
                let malformed = JitError::Malformed { block, at: 0, what: "unreadable step" };
                let step = program.step(index).ok_or(malformed.clone())?;
                if step.code_len == 0 {
                    continue;
                }
                let kind = BlockKind::of_step(program, &r, k).ok_or(malformed.clone())?;
                let id = compile_block(
                    module,
                    &mut ctx,
                    &mut fctx,
                    program,
                    &layout,
                    (block, kind, Some(&helpers)),
                    (step.code_start, step.code_len),
                    &step_sig,
                )?;
                code_bytes += ctx_size(&ctx);
                module.clear_context(&mut ctx);
                *step_ids.get_mut(usize::from(index)).ok_or(malformed)? = Some(id);
            }
        }
        module.finalize_definitions().map_err(|e| host(&e))?;

        // SAFETY (all three maps): each id was defined just above by `compile_block` with the
        // signature the wrapper expects (rule: `(ptr)`, held and step: `(ptr) -> i64`), the
        // module is finalized, and the pack keeps the module alive as long as the pointers.
        let rules: Vec<RuleFn> =
            rule_ids.iter().map(|id| unsafe { RuleFn::from_code(module.get_finalized_function(*id)) }).collect();
        let held = held_ids.iter().map(|id| unsafe { HeldFn::from_code(module.get_finalized_function(*id)) }).collect();
        let steps = step_ids
            .iter()
            .map(|id| id.map(|id| unsafe { StepFn::from_code(module.get_finalized_function(id)) }))
            .collect();
        let plans = plans(program, &rules);
        Ok(CompiledPack {
            module: guard.0.take(),
            rules,
            plans,
            held,
            steps,
            slots_needed: layout.slots.readable(),
            fingerprint: fingerprint(program),
            code_bytes,
        })
    }
}

/// Each event's plan, with the compiled block of each rule.
fn plans(program: &Program<'_>, rules: &[RuleFn]) -> Vec<Vec<PlanStep>> {
    (0..program.len16(Section::Events))
        .map(|event| {
            event_plan(program, event)
                .filter_map(|(rule, sequence)| Some(PlanStep { rule, sequence, code: *rules.get(usize::from(rule))? }))
                .collect()
        })
        .collect()
}

fn ctx_size(ctx: &Context) -> usize {
    ctx.compiled_code().map_or(0, |c| c.code_buffer().len())
}

#[allow(clippy::too_many_arguments)]
fn compile_block(
    module: &mut JITModule,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
    program: &Program<'_>,
    layout: &Layout,
    (block, kind, helpers): (BlockRef, BlockKind, Option<&HelperIds>),
    (start, len): (u32, u16),
    sig: &Signature,
) -> Result<FuncId, JitError> {
    let malformed = |m: lower::Malformed| JitError::Malformed { block, at: m.at, what: m.what };
    let code = lower::decode(program, start, len).map_err(malformed)?;
    ctx.func.signature = sig.clone();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, fctx);
        let refs = helpers.map(|h| HelperRefs {
            gate: module.declare_func_in_func(h.gate, b.func),
            emit: module.declare_func_in_func(h.emit, b.func),
            emit_after: module.declare_func_in_func(h.emit_after, b.func),
            set: module.declare_func_in_func(h.set, b.func),
            set_after: module.declare_func_in_func(h.set_after, b.func),
            text_match: module.declare_func_in_func(h.text_match, b.func),
        });
        let ptr = module.target_config().pointer_type();
        lower::lower(&mut b, program, layout, (kind, start), refs, ptr, &code).map_err(malformed)?;
        b.finalize(module.target_config());
    }
    let id = module
        .declare_anonymous_function(&ctx.func.signature)
        .map_err(|e| JitError::Codegen { block, message: e.to_string() })?;
    module.define_function(id, ctx).map_err(|e| JitError::Codegen { block, message: format!("{e:?}") })?;
    Ok(id)
}

impl CompiledPack {
    /// Loads `program` (the one this pack was compiled from) into a runtime whose blocks run as
    /// this pack's native code. Otherwise exactly [`Runtime::new`].
    pub fn runtime<'p, 'j, const QUEUE: usize, const TIMERS: usize, const RULES: usize, const SLOTS: usize>(
        &'j self,
        program: &'p Program<'p>,
        now_ms: u64,
    ) -> Result<JitRuntime<'p, 'j, QUEUE, TIMERS, RULES, SLOTS>, JitError> {
        if fingerprint(program) != self.fingerprint {
            return Err(JitError::ProgramMismatch);
        }
        Ok(Runtime::with_engine(program, now_ms, self)?)
    }

    /// Rule blocks compiled (one per rule).
    pub fn rules(&self) -> usize {
        self.rules.len()
    }

    /// Bytes of native code generated.
    pub fn code_bytes(&self) -> usize {
        self.code_bytes
    }
}

impl BlockEngine for &CompiledPack {
    fn run_rule<M: Machine>(self, block: &RuleBlock<'_>, m: &mut M) -> Option<()> {
        let f = *self.rules.get(usize::from(block.rule))?;
        native::run_rule(f, self.slots_needed, m)
    }

    fn run_event<M: Machine>(self, event: u16, m: &mut M) -> bool {
        let Some(plan) = self.plans.get(usize::from(event)) else { return false };
        native::run_event(plan, event, self.slots_needed, m)
    }

    fn eval_held(self, block: &HeldBlock<'_>, slots: &[i64]) -> Option<i64> {
        let f = *self.held.get(usize::from(block.held))?;
        native::eval_held(f, self.slots_needed, slots)
    }

    fn eval_step<M: Machine>(self, block: &StepBlock<'_>, m: &mut M) -> Option<i64> {
        let f = (*self.steps.get(usize::from(block.step))?)?;
        native::eval_step(f, self.slots_needed, m)
    }
}
