//! Source text through everything `glassc check`, `fmt` and `build` do.
//!
//! The first byte chooses the file the rest goes into: the pack (beside the example profiles) or
//! a profile file (beside the Xiaomi example pack, which then sees it). For any text:
//! - no stage panics, and every span of every diagnostic lies inside its file, on character
//!   boundaries (ariadne and the LSP trust them);
//! - each diagnostic renders for people and as JSON;
//! - a text that formats formats to itself again (fmt is idempotent), and checks with the same
//!   codes after formatting;
//! - a pack that checks clean compiles to bytecode the verifier accepts.

use glass_compiler::build::{build_targets, is_pack, pack_program_in};
use glass_compiler::db::{file_diagnostics, has_errors};
use glass_compiler::diagnostic::Diagnostic;
use glass_compiler::fmt::format_source;
use glass_compiler::span::Span;
use glassc::render::{self, Sources};

use crate::fixture::{self, Fixture, PACK_PATH, PROFILE_PATH};

/// The pack that sees a fuzzed profile file.
fn xiaomi_pack() -> &'static str {
    static PACK: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PACK.get_or_init(|| {
        let path = crate::repo_root().join("examples/packs/xiaomi-everyday/pack.glass");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    })
}

pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let in_profile = mode & 1 == 1;
    fixture::with(|f| {
        if in_profile {
            f.set(xiaomi_pack(), &text);
        } else {
            f.set(&text, "");
        }
        let before = check_all(f);
        let fuzzed = if in_profile { PROFILE_PATH } else { PACK_PATH };
        if let Some(formatted) = format_source(&text) {
            assert_eq!(format_source(&formatted).as_deref(), Some(formatted.as_str()), "fmt is not idempotent");
            if in_profile {
                f.set(xiaomi_pack(), &formatted);
            } else {
                f.set(&formatted, "");
            }
            let after = check_all(f);
            assert_eq!(codes(&before, fuzzed), codes(&after, fuzzed), "formatting changed what check says");
        }
    });
}

/// Checks both fuzzed files, validates and renders every diagnostic, and builds the pack when it
/// is clean. Returns the diagnostics by file path.
pub(crate) fn check_all(f: &Fixture) -> Vec<(&'static str, Diagnostic)> {
    let mut out = Vec::new();
    for (path, file) in [(PACK_PATH, f.pack), (PROFILE_PATH, f.profile)] {
        out.extend(file_diagnostics(&f.db, f.ws, file).iter().map(|d| (path, d.clone())));
    }
    let sources = Sources::new(f.files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    for (path, d) in &out {
        assert_spans_valid(f, path, d);
        let human = render::human(d, path, &sources, false);
        assert!(human.contains(d.code.0), "the report does not name its code:\n{human}");
        let _ = render::json(d, path, &sources);
    }
    let pack_diagnostics = file_diagnostics(&f.db, f.ws, f.pack);
    if !has_errors(pack_diagnostics) && is_pack(&f.db, f.pack) {
        for target in build_targets(&f.db, f.ws, f.pack) {
            let Ok(output) = pack_program_in(&f.db, f.ws, f.pack, target) else { continue };
            match glass_runtime::verify(&output.bytes) {
                Ok(program) => {
                    let _ = glass_runtime::disasm::disassemble(&program);
                }
                Err(e) => panic!("the verifier refused a compiled pack (a compiler bug): {e}"),
            }
        }
    }
    out
}

/// The codes reported in `path`, in order.
pub(crate) fn codes<'a>(diagnostics: &'a [(&str, Diagnostic)], path: &str) -> Vec<&'a str> {
    let mut codes: Vec<&str> = diagnostics.iter().filter(|(p, _)| *p == path).map(|(_, d)| d.code.0).collect();
    codes.sort_unstable();
    codes
}

fn assert_spans_valid(f: &Fixture, path: &str, d: &Diagnostic) {
    let text_of = |file: Option<&str>| {
        let wanted = file.unwrap_or(path);
        f.files.iter().find(|(p, _)| p == wanted).map(|(_, t)| t.as_str())
    };
    let check = |file: Option<&str>, span: Span, what: &str| {
        let Some(text) = text_of(file) else {
            panic!("{}: {what} names a file that is not loaded: {file:?}", d.code.0)
        };
        let (start, end) = (span.start as usize, span.end as usize);
        assert!(
            start <= end && end <= text.len(),
            "{}: {what} {span:?} is outside its file ({} bytes)",
            d.code.0,
            text.len()
        );
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "{}: {what} {span:?} is not on character boundaries",
            d.code.0
        );
    };
    check(d.primary.file.as_deref(), d.primary.span, "the primary label");
    for label in &d.secondary {
        check(label.file.as_deref(), label.span, "a secondary label");
    }
    if let Some(fix) = &d.fix {
        check(None, fix.span, "the fix");
    }
}
