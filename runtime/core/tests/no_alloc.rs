//! After load, the runtime never allocates: a counting global allocator sees zero allocations
//! while events, state changes and timers are processed.
//!
//! (The default build of the crate does not even link `alloc`: it builds for a target without
//! an allocator, `cargo build -p glass-runtime --target thumbv7em-none-eabihf --release`.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec};
use glass_runtime::format::{Edge, Kind, Mode, Source, Trigger};
use glass_runtime::isa::Op::*;
use glass_runtime::runtime::{Host, Origin, Runtime, Value};
use glass_runtime::verify;

struct Counting;

thread_local! {
    // Only this test's thread is counted (the test harness allocates on its own threads).
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a thread-local `Cell`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|n| n.set(n.get() + 1));
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts emitted actions in a fixed array (a recording host would allocate).
struct Tally([u32; 4]);

impl Host for Tally {
    fn emit(&mut self, action: u16, args: &[Value], _: Origin) {
        if let Some(n) = self.0.get_mut(usize::from(action)) {
            *n += 1 + args.len() as u32;
        }
    }
}

#[test]
fn no_allocation_per_event_after_load() {
    let mut b = ProgramBuilder::new();
    b.permit("camera");
    let press = b.event("press", &[Kind::Num]);
    let worn = b.state("worn", Kind::Num);
    let count = b.var("count", 0, 1_000, 0);
    let photo = b.action("photo", &[Kind::Num], Some("camera"));
    let chime = b.action("chime", &[], None);
    let held = b.held(
        {
            let mut c = Code::new();
            c.op(State, worn).op(End, 0);
            c
        },
        1_000,
    );
    let mut c = Code::new();
    c.op(Held, held).op(ExitIfFalse, 0).op(Gate, 0).op(Payload, 0).op(Emit, photo);
    c.op(Var, count).op(Small, 1).op(Add, 0).op(Set, count).op(Small, 500).op(EmitAfter, chime).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: press }).mode(Mode::Restart).at_most(5, 2_000), &c);
    let mut tick = Code::new();
    tick.op(Gate, 0).op(Emit, chime).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Every { period_ms: 300 }), &tick);
    b.rule(RuleSpec::on(Trigger::Change { source: Source::Var, index: count, edge: Edge::Above, value: 3 }), &tick);
    let bytes = b.finish();
    let program = verify(&bytes).unwrap();
    let mut rt: Runtime<'_, 8, 8, 4, 8> = Runtime::new(&program, 0).unwrap();
    let mut host = Tally([0; 4]);

    COUNTING.with(|c| c.set(true));
    for step in 0..2_000u64 {
        let _ = rt.set_state(worn, i64::from(step % 10 != 0));
        let _ = rt.push_event(press, &[step as i64]);
        rt.advance_to(step * 150, &mut host);
    }
    COUNTING.with(|c| c.set(false));

    assert_eq!(ALLOCATIONS.with(Cell::get), 0, "the runtime allocated while running");
    assert!(host.0[0] > 100 && host.0[1] > 100, "the scenario ran: {:?}", host.0);

    // The counter does see allocations on this thread.
    COUNTING.with(|c| c.set(true));
    let boxed = std::hint::black_box(Box::new(1u64));
    COUNTING.with(|c| c.set(false));
    drop(boxed);
    assert_eq!(ALLOCATIONS.with(Cell::get), 1);
}
