//! Runtime figures for README: load-and-verify time, bytecode size and RAM of each example pack,
//! and interpreter throughput over 1,000,000 events on the 16-rule workload in `benches/workload`.
//!
//! Run: `cargo bench -p glassc --bench runtime`. Events are pushed one at a time, each followed by
//! `advance_to` (the way firmware drives the runtime), with capacities a device would choose.
//! Every figure is the fastest of 5 rounds: on a shared machine noise only ever adds time.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use glass_compiler::build::pack_program;
use glass_runtime::format::Section;
use glass_runtime::runtime::{Host, Origin, Runtime, Value};
use glass_runtime::{Program, RamUsage, verify};
use glassc::inputs;
use glassc::session::Session;

const EVENTS: usize = 1_000_000;
const ROUNDS: usize = 5;

/// The fastest of `ROUNDS` runs of `f`, with what the last one returned.
fn fastest<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed());
        out = Some(value);
    }
    (best, out.expect("ROUNDS > 0"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn compile(pack: &Path) -> Vec<u8> {
    let session = Session::new(inputs::load(&[pack.to_path_buf()], &[]).expect("load"));
    let file = session.files[0].1.expect("text");
    match pack_program(&session.db, session.ws, file) {
        Ok(output) => output.bytes.clone(),
        Err(errors) => panic!("{} does not build: {errors:?}", pack.display()),
    }
}

/// Folds every emission into a checksum, so the work cannot be optimised away and engines can
/// be compared.
struct Checksum(u64);

impl Host for Checksum {
    fn emit(&mut self, action: u16, args: &[Value], origin: Origin) {
        let mut h = self.0 ^ u64::from(action) ^ origin.at_ms.rotate_left(17);
        for a in args {
            h = h.rotate_left(5)
                ^ match a {
                    Value::Num(n) => *n as u64,
                    Value::Text(t) => u64::from(*t),
                    Value::HostText(t) => u64::from(*t),
                };
        }
        self.0 = h.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

fn main() {
    println!("example packs (verify + load, mean of 2,000, fastest of {ROUNDS}; RAM with a 16-event queue):");
    println!("{:<24} {:>6} {:>10} {:>12} {:>10}", "pack", "rules", "bytecode", "verify+load", "RAM");
    let packs = inputs::glass_files(&[repo().join("examples/packs")]).expect("packs");
    for pack in &packs {
        let bytes = compile(pack);
        let loads = 2_000;
        let (batch, ()) = fastest(|| {
            for _ in 0..loads {
                let program = verify(black_box(&bytes)).expect("verifies");
                let runtime = Runtime::<'_, 16, 64, 64, 128>::new(&program, 0).expect("fits");
                black_box(&runtime);
            }
        });
        let per = batch / loads;
        let program = verify(&bytes).expect("verifies");
        let name = pack.parent().and_then(|p| p.file_name()).map_or_else(String::new, |n| n.to_string_lossy().into());
        println!(
            "{name:<24} {:>6} {:>8} B {:>9.1} µs {:>8} B",
            program.count(Section::Rules),
            bytes.len(),
            per.as_secs_f64() * 1e6,
            RamUsage::of(&program, 16).total
        );
    }

    let workload = compile(&repo().join("compiler/cli/benches/workload/pack.glass"));
    let program = verify(&workload).expect("verifies");
    let ram = RamUsage::of(&program, 16);
    println!(
        "\nworkload: {} rules, {} B of bytecode, {} B of RAM ({:?})",
        program.count(Section::Rules),
        workload.len(),
        ram.total,
        ram
    );
    let stimuli = stimuli(&program, EVENTS);
    let (elapsed, (host, runs)) = fastest(|| {
        let mut host = Checksum(0);
        let mut runtime = Runtime::<'_, 16, 8, 16, 32>::new(&program, 0).expect("fits");
        for s in &stimuli {
            match *s {
                Stimulus::Event { at, event, field } => {
                    let _ = runtime.push_event(event, &[field]);
                    runtime.advance_to(at, &mut host);
                }
                Stimulus::State { at, slot, value } => {
                    let _ = runtime.set_state(slot, value);
                    runtime.advance_to(at, &mut host);
                }
            }
        }
        (host, runtime.counters().runs)
    });
    let ns = elapsed.as_secs_f64() * 1e9 / EVENTS as f64;
    println!(
        "interpreter: {EVENTS} events in {:.1} ms (fastest of {ROUNDS}): {ns:.0} ns/event, {:.2} M events/s, checksum {:016x}, runs {runs}",
        elapsed.as_secs_f64() * 1e3,
        1e3 / ns,
        host.0,
    );
}

#[derive(Clone, Copy)]
enum Stimulus {
    Event { at: u64, event: u16, field: i64 },
    State { at: u64, slot: u16, value: i64 },
}

/// A deterministic pseudo-random mix: mostly events (presses, steps, heart beats), some state
/// changes, 10 to 200 ms apart.
fn stimuli(program: &Program<'_>, n: usize) -> Vec<Stimulus> {
    let event = |name: &str| {
        (0..program.len16(Section::Events))
            .find(|&i| program.event(i).and_then(|e| program.name(e.name)) == Some(name))
            .unwrap_or_else(|| panic!("no event {name}"))
    };
    let state = |name: &str| {
        (0..program.len16(Section::States))
            .find(|&i| program.state(i).and_then(|s| program.name(s.name)) == Some(name))
            .unwrap_or_else(|| panic!("no state {name}"))
    };
    let events = [
        event("glasses.button.press"),
        event("glasses.button.long-press"),
        event("glasses.button.double-press"),
        event("glasses.sensor.step"),
        event("glasses.sensor.heart"),
    ];
    let states = [
        (state("glasses.battery"), 101),
        (state("glasses.worn"), 2),
        (state("glasses.speed"), 200),
        (state("glasses.activity"), 4),
    ];
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut at = 0;
    (0..n)
        .map(|_| {
            at += 10 + next() % 190;
            let r = next();
            if r % 8 == 0 {
                let (slot, range) = states[(r >> 8) as usize % states.len()];
                Stimulus::State { at, slot, value: ((r >> 16) % range) as i64 }
            } else {
                Stimulus::Event { at, event: events[(r >> 8) as usize % events.len()], field: ((r >> 16) % 220) as i64 }
            }
        })
        .collect()
}
