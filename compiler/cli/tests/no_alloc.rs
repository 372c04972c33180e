//! Compiled packs run without a single heap allocation per event: every example pack and the
//! benchmark workload, under a counting global allocator, with events, state changes and
//! timers (delayed actions, `every` rules, held conditions, cascades).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};

use glass_compiler::build::{build_targets, pack_program_in};
use glass_runtime::format::Section;
use glass_runtime::runtime::{Host, Origin, Runtime, Value};
use glassc::inputs;
use glassc::session::Session;

struct Counting;

thread_local! {
    // Only the thread that turns it on is counted (the test harness allocates on its own).
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

/// Counts emissions in place (a recording host would allocate).
struct Tally(u64);

impl Host for Tally {
    fn emit(&mut self, _: u16, args: &[Value], _: Origin) {
        self.0 += 1 + args.len() as u64;
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The programs of a pack: one per product for a pack written for a family.
fn compile(pack: &Path) -> Vec<Vec<u8>> {
    let session = Session::new(inputs::load(&[pack.to_path_buf()], &[]).expect("load"));
    let file = session.files[0].1.expect("text");
    build_targets(&session.db, session.ws, file)
        .into_iter()
        .map(|t| pack_program_in(&session.db, session.ws, file, t).as_ref().expect("builds").bytes.clone())
        .collect()
}

#[test]
fn compiled_packs_allocate_nothing_per_event() {
    let mut packs = inputs::glass_files(&[repo().join("examples/packs")]).expect("packs");
    packs.push(repo().join("compiler/cli/benches/workload/pack.glass"));
    for (pack, bytes) in packs.iter().flat_map(|pack| compile(pack).into_iter().map(move |bytes| (pack, bytes))) {
        let program = glass_runtime::verify(&bytes).expect("verifies");
        let mut runtime = Box::new(Runtime::<'_, 16, 64, 64, 128>::new(&program, 0).expect("fits"));
        let mut host = Tally(0);
        let (events, states) = (program.len16(Section::Events), program.len16(Section::States));
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        COUNTING.with(|c| c.set(true));
        for step in 0..5_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if seed.is_multiple_of(4) && states > 0 {
                let _ = runtime.set_state((seed >> 8) as u16 % states, (seed >> 20) as i64 % 3);
            } else if events > 0 {
                let _ = runtime.push_event((seed >> 8) as u16 % events, &[(seed >> 24) as i64 % 200, 1, 2]);
            }
            runtime.advance_to(step * 997, &mut host);
        }
        COUNTING.with(|c| c.set(false));
        assert_eq!(ALLOCATIONS.with(Cell::get), 0, "{} allocated while running", pack.display());
        assert!(host.0 > 0, "{}: the scenario emitted nothing", pack.display());
    }
}
