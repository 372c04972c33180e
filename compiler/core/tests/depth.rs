//! No input exhausts the stack: an expression deeper than `MAX_EXPR_DEPTH` is one error (E0012)
//! from the parser, and every pass over one within the limit (checking, constants, formatting,
//! lowering, code generation, the editor's requests) runs on a language server worker's stack.

use glass_compiler::build::{pack_program, pack_tests};
use glass_compiler::codes;
use glass_compiler::db::{Database, SourceFile, Workspace, file_diagnostics};
use glass_compiler::diagnostic::Diagnostic;
use glass_compiler::fmt::format_source;
use glass_compiler::ide;
use glass_compiler::syntax::parser::MAX_EXPR_DEPTH;
use glass_compiler::syntax::split::MAX_NESTING;

/// A tokio worker thread's stack (the language server runs every request on one).
const WORKER_STACK: usize = 2 << 20;

const PROFILE: &str = r#"
profile tiny {
  device glasses
  enum mode { quiet, loud }
  state driving: Bool
  state speed: Int 0..300
  state battery: Percent
  state kind: mode
  capability button {
    event press(count: Int)
  }
  action notify(message: Text = "", delay: Duration = 1 s, level: Int = 0)
}
"#;

/// Runs `f` on a thread with `stack` bytes of stack; a stack overflow aborts the test.
fn on_stack<T: Send + 'static>(stack: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(stack).spawn(f).expect("spawn").join().expect("no panic")
}

/// What every entry point says about `pack`, on a worker's stack.
fn everything(pack: String) -> (Vec<Diagnostic>, bool) {
    everything_on(WORKER_STACK, pack)
}

/// What every entry point says about an expression at the limit, on half a worker's stack: the
/// other half is left for the language server's own frames, and for frames growing with changes
/// to the compiler.
fn at_the_limit(pack: String) -> (Vec<Diagnostic>, bool) {
    everything_on(WORKER_STACK / 2, pack)
}

/// What every entry point says about `pack`: its diagnostics, and whether it formats. Also runs
/// the editor's requests over it (which must not crash) and, when it checks clean, builds it.
fn everything_on(stack: usize, pack: String) -> (Vec<Diagnostic>, bool) {
    on_stack(stack, move || {
        let db = Database::default();
        let profile = SourceFile::new(&db, "tiny.glass".into(), PROFILE.to_string());
        let file = SourceFile::new(&db, "pack.glass".into(), pack.clone());
        let ws = Workspace::new(&db, vec![profile, file]);
        let diagnostics = file_diagnostics(&db, ws, file).clone();
        if !diagnostics.iter().any(Diagnostic::is_error) {
            assert!(pack_program(&db, ws, file).is_ok(), "a pack that checks builds");
            let _ = pack_tests(&db, ws, file);
        }
        let formats = format_source(&pack).is_some();
        // Where the long expression is, and at its end.
        for offset in [pack.len() / 2, pack.len() - 1, pack.find("while").unwrap_or(0) + 6] {
            let offset = pack.floor_char_boundary(offset) as u32;
            let _ = ide::hover(&db, ws, file, offset);
            let _ = ide::completions(&db, ws, file, offset);
            let _ = ide::definition(&db, ws, file, offset);
            let _ = ide::references(&db, ws, file, offset);
        }
        let _ = ide::semantic_tokens(&db, ws, file);
        let _ = ide::symbols(&db, file);
        (diagnostics, formats)
    })
}

fn codes_of(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.code.0).collect()
}

/// `n` terms joined by `op`, as a complete condition (one that checks when short).
fn chain(op: &str, n: usize) -> String {
    match op {
        "and" | "or" => vec!["driving"; n].join(&format!(" {op} ")),
        "==" | "!=" | "<" | "<=" | ">" | ">=" => vec!["speed"; n].join(&format!(" {op} ")),
        _ => format!("{} > 0", vec!["speed"; n].join(&format!(" {op} "))),
    }
}

fn rule_with(condition: &str) -> String {
    format!("use tiny\n\non button-press while {condition}: notify\n")
}

const ARITHMETIC: &[&str] = &["+", "-", "*", "/"];
const LOGIC: &[&str] = &["and", "or"];

/// Asserts that a chain of `n` `op` is the one error E0012 everywhere.
fn too_long(op: &str, n: usize) {
    let (diagnostics, formats) = everything(rule_with(&chain(op, n)));
    assert_eq!(codes_of(&diagnostics), ["E0012"], "`{op}`: {diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d.message, format!("this expression has more than {MAX_EXPR_DEPTH} operators in a row"));
    assert!(d.help.as_deref().is_some_and(|h| h.contains("several rules")), "{d:?}");
    assert!(!formats, "`glassc fmt` refuses a file with errors");
}

/// Asserts that a chain of `n` comparisons is the one error that comparisons do not chain.
fn chained_comparisons(op: &str, n: usize) {
    let (diagnostics, _) = everything(rule_with(&chain(op, n)));
    assert_eq!(codes_of(&diagnostics), ["E0003"], "`{op}`: {diagnostics:#?}");
    assert_eq!(diagnostics[0].message, "comparisons do not chain");
}

// A million terms of each kind of operator the grammar folds: sums, products, `and`, `or`, and
// comparisons (equality and order). The other operators of each kind go through the same code
// and are tested with fewer terms, to keep the debug build's test time down.
#[test]
fn a_million_additions() {
    too_long("+", 1_000_000);
}

#[test]
fn a_million_multiplications() {
    too_long("*", 1_000_000);
}

#[test]
fn a_million_ands() {
    too_long("and", 1_000_000);
}

#[test]
fn a_million_ors() {
    too_long("or", 1_000_000);
}

#[test]
fn a_million_comparisons() {
    chained_comparisons("==", 1_000_000);
    chained_comparisons("<", 1_000_000);
}

#[test]
fn long_chains_of_every_other_operator() {
    for op in ["-", "/"] {
        too_long(op, 100_000);
    }
    for op in ["!=", "<=", ">", ">="] {
        chained_comparisons(op, 100_000);
    }
}

/// Prefixes, brackets, `after` and `for` a million times: the nesting limit (E0004) or a syntax
/// error, once.
#[test]
fn a_million_prefixes_brackets_afters_and_fors() {
    let n = 1_000_000;
    let cases = [
        (rule_with(&format!("{}driving", "not ".repeat(n))), "E0004"),
        (rule_with(&format!("{}speed > 0", "-".repeat(n))), "E0004"),
        (rule_with(&format!("{}driving{}", "(".repeat(n), ")".repeat(n))), "E0004"),
        (format!("use tiny\n\non button-press: {}notify\n", "after 1 s ".repeat(n)), "E0004"),
        (rule_with(&format!("driving{}", " for 1 s".repeat(n))), "E0003"),
    ];
    for (pack, code) in cases {
        let (diagnostics, formats) = everything(pack);
        assert_eq!(codes_of(&diagnostics), [code], "{diagnostics:#?}");
        assert!(!formats);
    }
}

#[test]
fn the_error_is_where_the_limit_is_passed() {
    let limit = MAX_EXPR_DEPTH as usize;
    let src = rule_with(&vec!["driving"; limit + 2].join(" or "));
    let (diagnostics, _) = everything(src.clone());
    assert_eq!(codes_of(&diagnostics), ["E0012"]);
    // The operator that makes the tree one level too deep: the limit's `or` plus one.
    let nth_or = src.match_indices(" or ").nth(limit).expect("enough").0 + 1;
    assert_eq!(diagnostics[0].primary.span.start as usize, nth_or);
    assert_eq!(&src[diagnostics[0].primary.span.range()], "or");
}

#[test]
fn expressions_at_the_limit_are_fine_everywhere() {
    let limit = MAX_EXPR_DEPTH as usize;
    for op in ARITHMETIC.iter().chain(LOGIC) {
        // `n` terms have `n - 1` operators, and the comparison after a sum is one more.
        let terms = if LOGIC.contains(op) { limit + 1 } else { limit };
        let (diagnostics, formats) = at_the_limit(rule_with(&chain(op, terms)));
        assert!(!codes_of(&diagnostics).contains(&"E0012"), "`{op}`: {diagnostics:#?}");
        assert!(formats || diagnostics.iter().any(Diagnostic::is_error), "`{op}` formats");
        let (diagnostics, _) = at_the_limit(rule_with(&chain(op, terms + 1)));
        assert_eq!(codes_of(&diagnostics), ["E0012"], "`{op}` one past the limit: {diagnostics:#?}");
    }
}

#[test]
fn a_constant_at_the_limit_checks_builds_and_formats() {
    let limit = MAX_EXPR_DEPTH as usize;
    // 255 `+` and the `==` on top: a constant the checker folds and codegen emits.
    let sum = vec!["1"; limit].join(" + ");
    let ms = vec!["1 ms"; limit].join(" + ");
    let pack = format!(
        "use tiny\nvar n: Int 0..1000 = {sum}\n\non button-press while speed == {sum}: notify(level: {sum}), set n = {sum}\n\ntest \"t\" {{\n  at {ms}: fire button-press(count: {sum})\n  expect notify(level: {sum})\n}}\n"
    );
    let (diagnostics, formats) = at_the_limit(pack);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    assert!(formats);
    // Not constant, and deep on the left (the runtime holds two values at once).
    let pack = rule_with(&format!("{} > 0", vec!["speed"; limit - 1].join(" - ")));
    let (diagnostics, formats) = at_the_limit(pack);
    assert!(!diagnostics.iter().any(Diagnostic::is_error) || codes_of(&diagnostics) == ["E0600"], "{diagnostics:#?}");
    assert!(formats);
}

/// Brackets and prefixes at the nesting limit, each level with a long chain inside.
#[test]
fn long_chains_inside_brackets_at_the_nesting_limit() {
    let limit = MAX_EXPR_DEPTH as usize;
    let depth = MAX_NESTING;
    let inner = vec!["speed"; 1_000].join(" + ");
    // ((((speed + ... + speed) + speed + ...) ...) > 0
    let mut e = inner.clone();
    for _ in 0..depth {
        e = format!("({e}) + {inner}");
    }
    let (diagnostics, _) = everything(rule_with(&format!("{e} > 0")));
    assert_eq!(codes_of(&diagnostics), ["E0012"], "{diagnostics:#?}");
    // speed + ... + (speed + ... + (...)), nested on the right: each level adds only its
    // bracket and one `+`, so this is within the limit, and the runtime's limit on the values
    // held at once (E0600) is what it meets.
    let short = vec!["speed"; limit / 2].join(" + ");
    let mut e = short.clone();
    for _ in 0..depth {
        e = format!("{short} + ({e})");
    }
    let (diagnostics, _) = everything(rule_with(&format!("{e} > 0")));
    assert_eq!(codes_of(&diagnostics), ["E0600"], "{diagnostics:#?}");
    // `not` and `-` at the nesting limit inside brackets at the nesting limit.
    let nots = "not ".repeat(depth);
    let e = format!("{}driving{}", format!("{nots}(").repeat(depth), ")".repeat(depth));
    let (diagnostics, _) = everything(rule_with(&e));
    assert_eq!(codes_of(&diagnostics), ["E0012"], "{diagnostics:#?}");
    let negs = "-".repeat(depth);
    let e = format!("{}speed{} > 0", format!("{negs}(").repeat(depth), ")".repeat(depth));
    let (diagnostics, _) = everything(rule_with(&e));
    assert_eq!(codes_of(&diagnostics), ["E0012"], "{diagnostics:#?}");
}

/// Every place an expression can stand, with one too long in it: each is one error, and the
/// rest of the item is still checked.
#[test]
fn every_expression_position_is_bounded() {
    let long = vec!["1"; 200_000].join(" + ");
    let packs = [
        format!("use tiny\n\non button-press where count == {long}: notify\n"),
        format!("use tiny\n\non speed becomes {long}: notify\n"),
        format!("use tiny\n\non speed below {long}: notify\n"),
        format!("use tiny\n\nevery {long} s: notify\n"),
        format!("use tiny\n\non button-press at most once per {long} s: notify\n"),
        format!("use tiny\n\non button-press then button-press within {long} ms: notify\n"),
        format!("use tiny\n\non button-press: notify(level: {long})\n"),
        format!("use tiny\n\non button-press: after {long} s notify\n"),
        format!("use tiny\nvar n: Int 0..9 = {long}\n"),
        format!("use tiny\nvar n: Int 0..{long}\n"),
        format!("use tiny\nvar n: Int 0..9\n\non button-press: set n = {long}\n"),
        format!(
            "use tiny\n\non button-press: notify\n\ntest \"t\" {{\n  at {long} s: fire button-press(count: 1)\n}}\n"
        ),
        format!("use tiny\n\non button-press: notify\n\ntest \"t\" {{\n  fire button-press(count: {long})\n}}\n"),
        format!("use tiny\n\non button-press: notify\n\ntest \"t\" {{\n  expect notify(level: {long})\n}}\n"),
        format!("use tiny\nvar n: Int 0..9\n\ntest \"t\" {{\n  set n = {long}\n}}\n"),
    ];
    for pack in packs {
        let (diagnostics, formats) = everything(pack.clone());
        assert_eq!(codes_of(&diagnostics), ["E0012"], "{}: {diagnostics:#?}", &pack[..60.min(pack.len())]);
        assert!(!formats);
    }
}

/// Profiles have expressions too: parameter defaults, `takes`, `max N per W`, type ranges.
#[test]
fn profile_expressions_are_bounded() {
    let long = vec!["1"; 200_000].join(" + ");
    let members = [
        format!("action a(n: Int = {long})"),
        format!("action a takes {long} s"),
        format!("event e max 2 per {long} s"),
        format!("state s: Int 0..{long}"),
        format!("action a(n: Int 0..{long})"),
    ];
    // At the limit, each checks and formats.
    let n = vec!["1"; MAX_EXPR_DEPTH as usize + 1].join(" + ");
    let ms = vec!["1 ms"; MAX_EXPR_DEPTH as usize + 1].join(" + ");
    let profile = format!(
        "profile big {{\n  device glasses\n  action a(n: Int = {n}) takes {ms}\n  event e max 2 per {ms}\n}}\n"
    );
    let diagnostics = on_stack(WORKER_STACK / 2, move || {
        let db = Database::default();
        let file = SourceFile::new(&db, "big.glass".into(), profile.clone());
        let ws = Workspace::new(&db, vec![file]);
        assert!(format_source(&profile).is_some());
        let _ = ide::semantic_tokens(&db, ws, file);
        file_diagnostics(&db, ws, file).clone()
    });
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    for member in members {
        let profile = format!("profile big {{\n  device glasses\n  {member}\n}}\n");
        let diagnostics = on_stack(WORKER_STACK, move || {
            let db = Database::default();
            let file = SourceFile::new(&db, "big.glass".into(), profile.clone());
            let ws = Workspace::new(&db, vec![file]);
            assert!(format_source(&profile).is_none());
            let _ = ide::semantic_tokens(&db, ws, file);
            let _ = ide::hover(&db, ws, file, profile.len() as u32 / 2);
            file_diagnostics(&db, ws, file).clone()
        });
        assert_eq!(codes_of(&diagnostics), ["E0012"], "{diagnostics:#?}");
    }
}

#[test]
fn the_expression_limit_is_the_one_explained() {
    let explanation = codes::lookup("E0012").expect("E0012").explanation;
    assert!(explanation.contains(&format!("more than {MAX_EXPR_DEPTH} operators")), "{explanation}");
    assert!(explanation.contains(&format!("more than {MAX_EXPR_DEPTH} `or`")), "{explanation}");
}
