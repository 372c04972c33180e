//! Stimuli through the example packs, compiled once: events, states and variables the packs
//! know (and some they do not), with clocks that jump by milliseconds, days, years and to the
//! end of time. The runtime must return from every call, in bounded time and memory, and the
//! interpreter and the JIT must agree.

use arbitrary::Unstructured;
use glass_jit::{CompiledPack, Jit};
use glass_runtime::Program;
use glassc::session::Session;

use crate::drive;

/// The example packs' bytecode, compiled from source once.
fn packs() -> &'static [Vec<u8>] {
    static PACKS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    PACKS.get_or_init(|| {
        let root = crate::repo_root().join("examples");
        let inputs = glassc::inputs::load(&[root.join("packs")], &[root.join("profiles")])
            .unwrap_or_else(|e| panic!("cannot load the examples: {e}"));
        let session = Session::new(inputs);
        let mut out = Vec::new();
        for (_, file) in &session.files {
            let Some(file) = file else { continue };
            if !glass_compiler::build::is_pack(&session.db, *file) {
                continue;
            }
            for target in glass_compiler::build::build_targets(&session.db, session.ws, *file) {
                match glass_compiler::build::pack_program_in(&session.db, session.ws, *file, target) {
                    Ok(output) => out.push(output.bytes.clone()),
                    Err(e) => panic!("an example pack does not compile: {e:?}"),
                }
            }
        }
        assert!(!out.is_empty(), "no example packs found");
        out
    })
}

/// A pack verified and compiled under the JIT once per thread (compiling is most of the cost of
/// an input otherwise).
struct Loaded {
    program: Program<'static>,
    jit: CompiledPack,
}

thread_local! {
    static LOADED: Vec<Loaded> = packs()
        .iter()
        .map(|bytes| {
            let program = glass_runtime::verify(bytes).unwrap_or_else(|e| panic!("an example pack does not verify: {e}"));
            let jit = Jit::compile(&program).unwrap_or_else(|e| panic!("the JIT cannot compile an example pack: {e}"));
            Loaded { program, jit }
        })
        .collect();
}

pub fn run(data: &[u8]) {
    let Some((&which, script)) = data.split_first() else { return };
    LOADED.with(|loaded| {
        let Some(pack) = loaded.get(usize::from(which) % loaded.len()) else { return };
        let steps = drive::steps(&mut Unstructured::new(script), &pack.program);
        drive::both_with(&pack.program, &pack.jit, &steps);
    });
}
