//! Generated packs ([`crate::generate`]) through everything: check (with every span valid and
//! every diagnostic rendered), fmt (idempotent, and checking the same after), build and verify,
//! then every test of the pack on the interpreter and on the JIT, which must agree exactly.

use arbitrary::Unstructured;
use glass_compiler::build::{pack_program, pack_tests};
use glass_compiler::db::{file_diagnostics, has_errors, pack_scope};
use glass_compiler::fmt::format_source;
use glass_jit::Jit;
use glass_runtime::runtime::Interpreter;
use glassc::harness::{Pack, run_test};

use crate::check::{check_all, codes};
use crate::fixture::{self, PACK_PATH};
use crate::generate;

pub fn run(data: &[u8]) {
    let Ok(generated) = generate::pack(&mut Unstructured::new(data)) else { return };
    let text = generated.text;
    fixture::with(|f| {
        f.set(&text, "");
        let before = check_all(f);
        if std::env::var_os("GLASS_FUZZ_SHOW").is_some() {
            eprintln!("{text}---- {:?}", codes(&before, PACK_PATH));
        }
        let formatted = format_source(&text);
        if let Some(formatted) = &formatted {
            assert_eq!(format_source(formatted).as_deref(), Some(formatted.as_str()), "fmt is not idempotent");
            f.set(formatted, "");
            assert_eq!(
                codes(&before, PACK_PATH),
                codes(&check_all(f), PACK_PATH),
                "formatting changed what check says"
            );
            f.set(&text, "");
        }
        // The generator writes only what the grammar allows: fmt refuses only syntax errors.
        if generated.mistakes == 0 {
            assert!(formatted.is_some(), "fmt refused a generated pack without mistakes:\n{text}");
        }
        if has_errors(file_diagnostics(&f.db, f.ws, f.pack)) {
            return;
        }
        let Ok(output) = pack_program(&f.db, f.ws, f.pack) else { return };
        let program = glass_runtime::verify(&output.bytes)
            .unwrap_or_else(|e| panic!("the verifier refused a compiled pack (a compiler bug): {e}\n{text}"));
        let jit =
            Jit::compile(&program).unwrap_or_else(|e| panic!("the JIT cannot compile a verified pack: {e}\n{text}"));
        let scope = pack_scope(&f.db, f.ws, f.pack);
        let pack = Pack { scope: &scope, program: &program, symbols: &output.symbols };
        for t in pack_tests(&f.db, f.ws, f.pack) {
            let interp = run_test(&pack, &t.test, Interpreter);
            let native = run_test(&pack, &t.test, &jit);
            assert_eq!(
                interp.trace, native.trace,
                "the engines emitted differently in test `{}`:\n{text}",
                t.test.name
            );
            assert_eq!(interp.failures, native.failures, "the engines judged test `{}` differently", t.test.name);
            assert_eq!(interp.aborted, native.aborted);
        }
    });
}
