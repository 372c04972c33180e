//! `glassc test`: runs the tests of every pack given, prints them like `cargo test`, and writes
//! JUnit XML for CI systems.

use std::fmt::Write as _;

use glass_compiler::build::{PackTest, build_targets, pack_program_in, pack_tests_in};
use glass_compiler::db::{SourceFile, Target};
use glass_compiler::ir::StepKind;
use glass_jit::Jit;
use glass_runtime::Program;
use glass_runtime::runtime::Interpreter;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::harness::{self, Engine, Pack, TestRun};
use crate::inputs::Input;
use crate::session::Session;
use crate::values;

/// The outcome of one test.
pub struct Outcome {
    pub name: String,
    pub location: String,
    /// `None` when it passed; else what to show under `failures:`.
    pub failure: Option<String>,
}

/// The tests of one pack file, for one product when the pack is for a family.
pub struct FileOutcome {
    pub path: String,
    /// The product the tests ran on, for a pack written for a family (`use glasses`).
    pub product: Option<String>,
    pub tests: Vec<Outcome>,
}

impl FileOutcome {
    pub fn failed(&self) -> usize {
        self.tests.iter().filter(|t| t.failure.is_some()).count()
    }

    /// The pack, and the product it ran on: `pack.glass`, `pack.glass for ray-ban-meta`.
    pub fn title(&self) -> String {
        match &self.product {
            Some(p) => format!("{} for {p}", self.path),
            None => self.path.clone(),
        }
    }
}

/// Runs the tests of every pack in the session, in input order; a pack for a family runs them
/// once for each product that implements it. The session must check clean (the caller reports
/// its diagnostics first); a pack whose program does not build or verify gives one failed
/// outcome carrying the reason.
pub fn run_all(session: &Session, engine: Engine) -> Vec<FileOutcome> {
    let mut out = Vec::new();
    for (input, file) in &session.files {
        let Some(file) = file else { continue };
        if !glass_compiler::build::is_pack(&session.db, *file) {
            continue;
        }
        for target in build_targets(&session.db, session.ws, *file) {
            out.extend(run_pack(session, input, *file, target, engine));
        }
    }
    out
}

/// The tests of one pack for one target, or `None` when it has none.
fn run_pack(
    session: &Session,
    input: &Input,
    file: SourceFile,
    target: Target<'_>,
    engine: Engine,
) -> Option<FileOutcome> {
    let db = &session.db;
    let tests = pack_tests_in(db, session.ws, file, target);
    if tests.is_empty() {
        return None;
    }
    let path = input.path.clone();
    let product = target.label(db);
    let broken = |reason: String| FileOutcome {
        path: path.clone(),
        product: product.clone(),
        tests: vec![Outcome { name: "(the pack)".into(), location: path.clone(), failure: Some(reason) }],
    };
    let output = match pack_program_in(db, session.ws, file, target) {
        Ok(output) => output.clone(),
        Err(errors) => {
            let messages: Vec<String> = errors.iter().map(|d| format!("{}: {}", d.code, d.message)).collect();
            return Some(broken(format!("the pack does not build:\n  {}", messages.join("\n  "))));
        }
    };
    let program = match glass_runtime::verify(&output.bytes) {
        Ok(p) => p,
        Err(e) => return Some(broken(format!("the verifier refused the compiled pack (a compiler bug): {e}"))),
    };
    let jit = match engine {
        Engine::Interp => None,
        Engine::Jit | Engine::Both => match Jit::compile(&program) {
            Ok(compiled) => Some(compiled),
            Err(e) => return Some(broken(format!("the JIT cannot compile the pack: {e}"))),
        },
    };
    let scope = glass_compiler::db::pack_scope_in(db, session.ws, file, target);
    let pack = Pack { scope: &scope, program: &program, symbols: &output.symbols };
    let text = input.text.as_str();
    let tests = tests
        .iter()
        .map(|t| {
            let (run, disagreement) = match (&jit, engine) {
                (Some(jit), Engine::Jit) => (harness::run_test(&pack, &t.test, jit), None),
                (Some(jit), Engine::Both) => {
                    let interp = harness::run_test(&pack, &t.test, Interpreter);
                    let native = harness::run_test(&pack, &t.test, jit);
                    let disagreement = disagreement(&pack, &interp, &native);
                    (interp, disagreement)
                }
                _ => (harness::run_test(&pack, &t.test, Interpreter), None),
            };
            let failure = match (run.passed(), disagreement) {
                (true, None) => None,
                (true, Some(d)) => Some(d),
                (false, d) => Some(explain_failure(&pack, text, t, &run) + &d.unwrap_or_default()),
            };
            Outcome { name: t.test.name.clone(), location: harness::location(&path, t), failure }
        })
        .collect();
    Some(FileOutcome { path, product, tests })
}

/// Where the JIT's trace leaves the interpreter's, if it does: the engines must agree exactly.
fn disagreement(pack: &Pack<'_>, interp: &TestRun, jit: &TestRun) -> Option<String> {
    let show = |run: &TestRun, i: usize| {
        run.trace.get(i).map_or_else(
            || "nothing".to_string(),
            |e| format!("{} {}", values::timestamp(e.origin.at_ms), harness::show_emission(pack, &run.host_texts, e)),
        )
    };
    let first = (0..interp.trace.len().max(jit.trace.len())).find(|&i| interp.trace.get(i) != jit.trace.get(i));
    match (first, interp.aborted == jit.aborted) {
        (None, true) => None,
        (None, false) => {
            Some(format!("  the engines stopped differently: {:?} and {:?}\n", interp.aborted, jit.aborted))
        }
        (Some(i), _) => Some(format!(
            "  the interpreter and the JIT disagree at emission {}:\n    interpreter: {}\n    JIT:         {}\n",
            i + 1,
            show(interp, i),
            show(jit, i)
        )),
    }
}

/// What went wrong, for people: each expectation that failed, then the expected and actual
/// traces with times and the rules that fired.
fn explain_failure(pack: &Pack<'_>, source: &str, test: &PackTest, run: &TestRun) -> String {
    let mut s = String::new();
    if let Some(reason) = &run.aborted {
        let _ = writeln!(s, "  the test could not run: {reason}");
        return s;
    }
    let step_text = |i: usize| {
        let span = test.test.steps[i].span;
        let start = (test.span.start + span.start) as usize;
        let end = (test.span.start + span.end) as usize;
        let line = glass_compiler::build::line_of(source, start as u32);
        let text = source.get(start..end).unwrap_or("?").trim();
        // The step without its `at D:` (the time is shown beside it).
        let text = if text.starts_with("at ") { text.split_once(": ").map_or(text, |(_, rest)| rest) } else { text };
        (text.to_string(), line)
    };
    for failure in &run.failures {
        let (text, line) = step_text(failure.step);
        let at = values::timestamp(test.test.steps[failure.step].at_ms);
        if failure.unwanted.is_empty() {
            let _ = writeln!(s, "  line {line}, at {at}: `{text}` did not happen");
        } else {
            let _ = writeln!(s, "  line {line}, at {at}: `{text}`, but it happened:");
            for &i in &failure.unwanted {
                let e = &run.trace[i];
                let _ = writeln!(
                    s,
                    "      {}  by {}",
                    harness::show_emission(pack, &run.host_texts, e),
                    harness::show_rule(pack.program, e.origin.rule)
                );
            }
        }
    }
    let _ = writeln!(s, "\n  expected:");
    let mut any = false;
    for (i, step) in test.test.steps.iter().enumerate() {
        if let StepKind::Expect { .. } = step.kind {
            any = true;
            let _ = writeln!(s, "    {:>12}  {}", values::timestamp(step.at_ms), step_text(i).0);
        }
    }
    if !any {
        let _ = writeln!(s, "    (no expectations)");
    }
    let _ = writeln!(s, "  actual:");
    if run.trace.is_empty() {
        let _ = writeln!(s, "    (nothing was emitted)");
    }
    for e in &run.trace {
        let delayed = if e.origin.delayed { ", delayed" } else { "" };
        let _ = writeln!(
            s,
            "    {:>12}  {}  by {}{delayed}",
            values::timestamp(e.origin.at_ms),
            harness::show_emission(pack, &run.host_texts, e),
            harness::show_rule(pack.program, e.origin.rule)
        );
    }
    s
}

/// Prints the results like `cargo test` and returns (passed, failed).
pub fn print(results: &[FileOutcome], out: &mut impl std::io::Write) -> std::io::Result<(usize, usize)> {
    let (mut passed, mut failed) = (0, 0);
    for file in results {
        let n = file.tests.len();
        writeln!(out, "\nrunning {n} test{} in {}", if n == 1 { "" } else { "s" }, file.title())?;
        for t in &file.tests {
            let status = if t.failure.is_some() { "FAILED" } else { "ok" };
            writeln!(out, "test {} ... {status}", t.name)?;
        }
        let failures: Vec<&Outcome> = file.tests.iter().filter(|t| t.failure.is_some()).collect();
        if !failures.is_empty() {
            writeln!(out, "\nfailures:\n")?;
            for t in &failures {
                let product = file.product.as_ref().map(|p| format!(", for {p}")).unwrap_or_default();
                writeln!(out, "---- {} ({}{product}) ----", t.name, t.location)?;
                writeln!(out, "{}", t.failure.as_deref().unwrap_or(""))?;
            }
        }
        let f = failures.len();
        let verdict = if f == 0 { "ok" } else { "FAILED" };
        writeln!(out, "test result: {verdict}. {} passed; {f} failed", n - f)?;
        passed += n - f;
        failed += f;
    }
    writeln!(out, "\n{passed} passed, {failed} failed")?;
    Ok((passed, failed))
}

/// The results as JUnit XML: one test suite per pack file, one test case per test.
pub fn junit(results: &[FileOutcome]) -> String {
    let mut report = Report::new("glassc test");
    for file in results {
        let mut suite = TestSuite::new(file.title());
        for t in &file.tests {
            let status = match &t.failure {
                None => TestCaseStatus::success(),
                Some(why) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(format!("{} failed", t.name)).set_description(why.as_str());
                    status
                }
            };
            let mut case = TestCase::new(t.name.as_str(), status);
            case.set_classname(t.location.as_str());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report.to_string().unwrap_or_default()
}

/// The program of a pack as `glassc disasm` lists it, with each rule's source line.
pub fn listing(program: &Program<'_>, source: Option<&str>) -> String {
    let lines: Vec<&str> = source.map(|s| s.lines().collect()).unwrap_or_default();
    glass_runtime::disasm::disassemble_annotated(program, &|line| {
        lines.get((line as usize).checked_sub(1)?).map(|l| l.to_string())
    })
}
