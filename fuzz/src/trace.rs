//! Stimuli through the example packs, compiled once: events, states and variables the packs
//! know (and some they do not), with clocks that jump by milliseconds, days, years and to the
//! end of time. The runtime must return from every call, in bounded time and memory, and the
//! interpreter and the JIT must agree.

use arbitrary::Unstructured;
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
            match glass_compiler::build::pack_program(&session.db, session.ws, *file) {
                Ok(output) => out.push(output.bytes.clone()),
                Err(e) => panic!("an example pack does not compile: {e:?}"),
            }
        }
        assert!(!out.is_empty(), "no example packs found");
        out
    })
}

pub fn run(data: &[u8]) {
    let Some((&which, script)) = data.split_first() else { return };
    let packs = packs();
    let Some(bytes) = packs.get(usize::from(which) % packs.len()) else { return };
    let program = glass_runtime::verify(bytes).unwrap_or_else(|e| panic!("an example pack does not verify: {e}"));
    let steps = drive::steps(&mut Unstructured::new(script), &program);
    drive::both(&program, &steps);
}
