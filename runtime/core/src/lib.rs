//! The glass runtime core: the bytecode format, its verifier and the runtime that runs it.
//!
//! ```text
//! bytes ──verify──▶ Program ──Runtime::new──▶ Runtime ◀── push_event / set_state
//!                                                │
//!                                  advance_to(now, host) ──▶ Host::emit(action, args)
//! ```
//!
//! Invariants, for firmware teams embedding it:
//! - **`#![no_std]`, no allocation at all.** The crate does not link `alloc` (only the
//!   host-side `builder` feature does). A [`Runtime`] is one fixed-size value
//!   whose capacities are const generics, checked against the program at load
//!   ([`runtime::RamUsage`] says what a program needs).
//! - **No panics on any input.** Every read is checked; `clippy::indexing_slicing`,
//!   `unwrap_used`, `expect_used`, `panic` and `arithmetic_side_effects` are denied below.
//!   Malformed programs are refused by [`verify()`] with a typed [`VerifyError`]; the interpreter
//!   re-checks what it reads and counts a fault instead of trusting the verifier blindly.
//! - **Bounded time per event.** Rule code only jumps forward and each run is cut at its
//!   recorded bound (at most [`isa::MAX_RULE_BOUND`] instructions); variable cascades are
//!   cut at [`runtime::MAX_CASCADE`] changes per stimulus; queue and timers have fixed capacities;
//!   and one `advance_to` fires at most `timer slots × (`[`runtime::MAX_CATCH_UP`]` + 2)` timers
//!   however far the clock jumps (a periodic rule with more ticks due runs once for them).
//! - **Deterministic.** Time is what the host says it is (virtual milliseconds); timers fire
//!   in due order, stimuli in arrival order, rules in table order.
//!
//! Module map: [`format`] (layout and checked reads), [`isa`] (instructions and the runtime-wide
//! limits), [`program`] (the verified view), [`verify`](mod@verify) (the verifier),
//! [`runtime`](mod@runtime) (the runtime: dispatch, timers, the gate, the engine seam and the
//! interpreter behind it), `guard` (the test a rule starts with, checked without interpreting
//! it), [`queue`] (the stimulus queue), [`timers`]
//! (the timer list) and, with the `builder` feature, `builder` (the encoder glassc uses) and
//! `disasm` (the disassembler). The format itself is specified in `spec/bytecode.md`.

#![no_std]
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    unsafe_code
)]

#[cfg(any(test, feature = "builder"))]
pub mod builder;
#[cfg(any(test, feature = "builder"))]
pub mod disasm;
pub mod format;
mod guard;
pub mod isa;
pub mod program;
pub mod queue;
pub mod runtime;
pub mod text;
pub mod timers;
pub mod trace;
pub mod verify;

pub use program::Program;
pub use runtime::{BlockEngine, Host, Interpreter, Machine, Origin, RamUsage, Runtime, Value};
pub use trace::{TraceEvent, TraceTimer};
pub use verify::{VerifyError, verify};
