//! The test harness: runs a pack's tests on the runtime in virtual time (spec/language.md §12).
//!
//! Each test loads the compiled pack afresh at time 0 and plays its steps in order: the clock
//! moves to each step's time (firing the timers due on the way), `set` and `fire` become the
//! runtime's stimuli, and `expect` looks at what was emitted at that time.

use glass_compiler::build::PackTest;
use glass_compiler::codegen::Symbols;
use glass_compiler::ir::{StepKind, Test, Value as Target};
use glass_compiler::scope::Scope;
use glass_compiler::types::Const;
use glass_runtime::runtime::{BlockEngine, Host, Interpreter, Origin, Runtime, Value};
use glass_runtime::{Program, format::NO_TEXT};

use crate::values::{self, HostTexts};

/// The capacities of the runtime tests run on: generous for the host, checked at load. `E` runs
/// the code blocks: the interpreter the glasses run, or the host's JIT.
pub type HostRuntime<'p, E = Interpreter> = Runtime<'p, 64, 1024, 1024, 4096, E>;

/// Which engine runs the rules' code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// The runtime's interpreter, as on the glasses.
    Interp,
    /// The host's Cranelift JIT.
    Jit,
    /// Both, and their traces must agree.
    #[default]
    Both,
}

/// A compiled pack, ready to run tests.
pub struct Pack<'a> {
    pub scope: &'a Scope,
    pub program: &'a Program<'a>,
    pub symbols: &'a Symbols,
}

/// One action the runtime emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Emission {
    /// The action's index in the program.
    pub action: u16,
    pub args: Vec<Value>,
    pub origin: Origin,
}

/// What a test did: every emission, and the expectations that did not hold.
#[derive(Clone, Debug)]
pub struct TestRun {
    pub trace: Vec<Emission>,
    /// The texts the test passed in that the pack does not contain.
    pub host_texts: HostTexts,
    pub failures: Vec<Failure>,
    /// A problem that stopped the test before its end (the pack does not fit the host runtime).
    pub aborted: Option<String>,
}

impl TestRun {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.aborted.is_none()
    }
}

/// An `expect` step that did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Index of the step in the test.
    pub step: usize,
    /// `expect no ...` that found these emissions (indices into the trace); empty for an
    /// `expect ...` that found none.
    pub unwanted: Vec<usize>,
}

/// Records what the runtime emits, and gives it the texts the test passed in.
#[derive(Default)]
struct Recorder {
    trace: Vec<Emission>,
    texts: HostTexts,
}

impl Host for Recorder {
    fn emit(&mut self, action: u16, args: &[Value], origin: Origin) {
        self.trace.push(Emission { action, args: args.to_vec(), origin });
    }

    fn host_text(&self, handle: u32) -> Option<&str> {
        self.texts.get(handle)
    }
}

/// Runs one test with the code blocks run by `engine` (the interpreter: `Interpreter`).
pub fn run_test<E: BlockEngine>(pack: &Pack<'_>, test: &Test, engine: E) -> TestRun {
    let mut host = Recorder::default();
    let mut runtime = match HostRuntime::with_engine(pack.program, 0, engine) {
        Ok(runtime) => Box::new(runtime),
        Err(e) => {
            return TestRun {
                trace: Vec::new(),
                host_texts: HostTexts::default(),
                failures: Vec::new(),
                aborted: Some(e.to_string()),
            };
        }
    };
    let mut failures = Vec::new();
    for (index, step) in test.steps.iter().enumerate() {
        runtime.advance_to(step.at_ms, &mut host);
        match &step.kind {
            StepKind::Set { target: Target::State(s), value } => {
                // A state no rule reads is not in the program: setting it changes nothing.
                if let Some(slot) = pack.symbols.states.get(*s).copied().flatten() {
                    let v = values::to_runtime(pack.scope, pack.program, &mut host.texts, value);
                    // The queue holds only this stimulus: it was just emptied by `advance_to`.
                    let _ = runtime.set_state(slot, v);
                    runtime.process(&mut host);
                }
            }
            StepKind::Set { target: Target::Var(var), value } => {
                if let Some(var) = pack.symbols.vars.get(*var).copied().flatten() {
                    let v = values::to_runtime(pack.scope, pack.program, &mut host.texts, value);
                    let _ = runtime.set_var(var, v, &mut host);
                }
            }
            StepKind::Fire { event, payload } => {
                if let Some(event) = pack.symbols.events.get(*event).copied().flatten() {
                    let fields: Vec<i64> = payload
                        .iter()
                        .map(|c| values::to_runtime(pack.scope, pack.program, &mut host.texts, c))
                        .collect();
                    let _ = runtime.push_event(event, &fields);
                    runtime.process(&mut host);
                }
            }
            StepKind::Expect { negated, action, args } => {
                let program_action = pack.symbols.actions.get(*action).copied().flatten();
                let found: Vec<usize> = (host.trace.iter().enumerate())
                    .filter(|(_, e)| {
                        e.origin.at_ms == step.at_ms
                            && Some(e.action) == program_action
                            && args_match(pack, &host.texts, &e.args, args)
                    })
                    .map(|(i, _)| i)
                    .collect();
                match (negated, found.is_empty()) {
                    (false, true) => failures.push(Failure { step: index, unwanted: Vec::new() }),
                    (true, false) => failures.push(Failure { step: index, unwanted: found }),
                    _ => {}
                }
            }
        }
    }
    TestRun { trace: host.trace, host_texts: host.texts, failures, aborted: None }
}

fn args_match(pack: &Pack<'_>, host: &HostTexts, actual: &[Value], expected: &[Option<Const>]) -> bool {
    expected.iter().enumerate().all(|(i, want)| match (want, actual.get(i)) {
        (None, _) => true,
        (Some(want), Some(got)) => values::matches(pack.scope, pack.program, host, *got, want),
        (Some(_), None) => false,
    })
}

/// The scope index of a program action (the inverse of [`Symbols::actions`]).
pub fn scope_action(symbols: &Symbols, action: u16) -> Option<usize> {
    symbols.actions.iter().position(|a| *a == Some(action))
}

/// An emission as glass would write the call: `glasses.camera.record(kind: clip, duration: 60 s)`.
pub fn show_emission(pack: &Pack<'_>, host: &HostTexts, e: &Emission) -> String {
    let Some(def) = scope_action(pack.symbols, e.action).and_then(|i| pack.scope.actions.get(i).map(|d| (i, d))) else {
        return format!("action {}", e.action);
    };
    let (i, def) = def;
    let args: Vec<String> = (def.params.iter().zip(&e.args))
        .map(|(p, v)| {
            let unit = glass_compiler::model::unit_suffix(&p.unit);
            format!("{}: {}{unit}", p.name, values::show(pack.scope, pack.program, host, &p.ty, *v))
        })
        .collect();
    let name = pack.scope.action_qualified(i);
    if args.is_empty() { name } else { format!("{name}({})", args.join(", ")) }
}

/// The rule that emitted: `rule `long-clip` (line 20)` or `the rule at line 10`.
pub fn show_rule(program: &Program<'_>, rule: u16) -> String {
    let Some(info) = program.rule(rule) else { return format!("rule {rule}") };
    match program.name(info.name).filter(|_| info.name != NO_TEXT) {
        Some(name) => format!("rule `{name}` (line {})", info.line),
        None => format!("the rule at line {}", info.line),
    }
}

/// The test's location for messages: `path:line`.
pub fn location(path: &str, test: &PackTest) -> String {
    format!("{path}:{}", test.line)
}
