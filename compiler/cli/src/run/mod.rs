//! `glassc run`: plays a JSON-lines trace of events, state changes and time on the runtime, and
//! prints what the pack does: one JSON line per emitted action, or with `--explain`, for every
//! stimulus, which rules it triggered and why each acted or not.
//!
//! The events file has one JSON object per line (blank lines are skipped):
//!
//! ```text
//! {"at": 1000, "event": "button-long-press"}
//! {"at": 1500, "event": "voice-wake-word", "payload": {"word": "XiaoAi"}}
//! {"at": 2000, "state": "driving", "value": true}
//! {"at": 2500, "var": "clips-today", "value": 3}
//! {"at": 9000}
//! ```
//!
//! A line that cannot be run is reported on stderr with its line number, skipped, and makes the
//! exit code 1; the lines after it still run.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use glass_compiler::build::line_of;
use glass_compiler::codegen::Tested;
use glass_compiler::ir::Value as Target;
use glass_compiler::span::{Span, Spanned};
use glass_compiler::suggest::did_you_mean;
use glass_compiler::syntax::ast::Path as NamePath;
use glass_compiler::types::Type;
use glass_jit::Jit;
use glass_runtime::format::{Kind, Mode, NO_TEXT, Section, Trigger};
use glass_runtime::runtime::{BlockEngine, Host, Origin, PushError, Value};
use glass_runtime::{Program, TraceEvent, TraceTimer};
use serde_json::{Value as Json, json};

use crate::compile::{Source, compile};
use crate::harness::HostRuntime;
use crate::inputs::UsageError;
use crate::values;
use glass_compiler::syntax::print::time_text;
use glass_compiler::syntax::units::{duration_text, unit_millis};

mod events;
mod explain;
mod show;

use events::{Step, Stimulus};
use explain::RunNote;
use show::{object, snippet};

/// The long help of `glassc run`: the events file and what happens to a bad line.
pub const HELP: &str = "\
Events file: one JSON object per line; blank lines are skipped.
  {\"at\": 1000, \"event\": \"button-long-press\"}
  {\"at\": 1500, \"event\": \"voice-wake-word\", \"payload\": {\"word\": \"XiaoAi\"}}
  {\"at\": 2000, \"state\": \"driving\", \"value\": true}
  {\"at\": 2500, \"var\": \"clips-today\", \"value\": 3}
  {\"at\": 9000}
`at` (required): virtual milliseconds since the pack was loaded at 0, never going back; timers
due up to it fire first. Then one of:
  `event` NAME, with `payload`: an object of fields by name, or a list in field order
  `state` NAME, with `value`
  `var` NAME (a pack variable), with `value`
  nothing: time passes to `at`
With a .glass pack, NAME is the short form written in glass (`button-long-press`, `driving`) or
the qualified one (`glasses.button.long-press`), and values are as glass writes them: true,
12, \"15%\", \"60 s\" (or a number of ms), \"07:30\", an enum value such as \"dark\", a text. With a
.gbc, NAME is the qualified name in its tables, values are numbers (or true/false) and texts, and
a payload is a list.

Output: one JSON line per action on stdout:
  {\"at\": 1000, \"action\": \"car.notify\", \"args\": {\"message\": \"\"}, \"rule\": null, \"line\": 10, \"delayed\": false}
(`args` by parameter name with a .glass pack, else a list), then a summary line with the
runtime's counters on stderr. After a jump of the clock, an `every` or daily rule with more
than 1000 ticks due runs once, at the last of them, on its phase; its actions then carry
`\"ticks\": N`, the due ticks that run stood for (the summary counts the missed ones). --explain prints readable text instead; with
--message-format json, the explanation comes as JSON lines ({\"explain\": ...}) among the
action lines.

A line that cannot be run (not JSON, unknown key, missing or decreasing `at`, unknown event,
state or variable, wrong payload field or value) is reported on stderr as
`error: FILE:LINE: reason` and skipped; the lines after it still run, and the exit code is 1.
Nothing is dropped silently: a full event queue is run and the event pushed again.
Exit codes: 0 all lines ran, 1 a line or the pack had errors, 2 usage or I/O problems.";

/// What runs the rule code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The runtime's interpreter, as on the glasses.
    #[default]
    Interp,
    /// The host's Cranelift JIT (same semantics; it does not say which condition stopped a rule).
    Jit,
}

/// What `glassc run` was asked to do.
pub struct Options {
    /// A `.glass` pack (compiled first) or a `.gbc` program.
    pub pack: PathBuf,
    /// The events file; `-` is stdin.
    pub events: PathBuf,
    pub profiles: Vec<PathBuf>,
    /// For a pack written for a family: the product to run it on.
    pub product: Option<String>,
    pub explain: bool,
    /// `--message-format json`: the explanation as JSON lines too.
    pub json: bool,
    pub engine: Engine,
}

/// Runs the command. `Err` is a usage or I/O problem (exit 2).
pub fn run(options: &Options) -> Result<ExitCode, UsageError> {
    let source = if options.pack.extension().is_some_and(|e| e == "glass") {
        match compile(&options.pack, &options.profiles, "run", options.product.as_deref())? {
            Ok(source) => Some(source),
            Err(code) => return Ok(code),
        }
    } else {
        None
    };
    let bytes = match &source {
        Some(s) => s.output.bytes.clone(),
        None => std::fs::read(&options.pack)
            .map_err(|e| UsageError(format!("cannot read `{}`: {e}", options.pack.display())))?,
    };
    let program = match glass_runtime::verify(&bytes) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: `{}` is not a valid glass program: {e}", options.pack.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let (events_name, events) = read_events(&options.events)?;
    match options.engine {
        Engine::Interp => match HostRuntime::new(&program, 0) {
            Ok(runtime) => play(&mut Box::new(runtime), &program, source.as_ref(), options, &events_name, &events),
            Err(e) => {
                eprintln!("error: `{}` cannot run on the host runtime: {e}", options.pack.display());
                Ok(ExitCode::FAILURE)
            }
        },
        Engine::Jit => {
            let jit = match Jit::compile(&program) {
                Ok(jit) => jit,
                Err(e) => {
                    eprintln!("error: the JIT cannot compile `{}`: {e}", options.pack.display());
                    return Ok(ExitCode::FAILURE);
                }
            };
            match HostRuntime::with_engine(&program, 0, &jit) {
                Ok(runtime) => play(&mut Box::new(runtime), &program, source.as_ref(), options, &events_name, &events),
                Err(e) => {
                    eprintln!("error: `{}` cannot run on the host runtime: {e}", options.pack.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// Plays the events on a loaded runtime, whichever engine runs its blocks.
fn play<E: BlockEngine>(
    runtime: &mut HostRuntime<'_, E>,
    program: &Program<'_>,
    source: Option<&Source>,
    options: &Options,
    events_name: &str,
    events: &[u8],
) -> Result<ExitCode, UsageError> {
    let mut player = Player::new(program, source, options);
    let mut host = Recorder { records: Vec::new(), all: options.explain, texts: Vec::new() };
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut errors = 0usize;
    let mut lines_run = 0usize;
    let mut last_at = 0u64;
    for (index, raw) in events.split(|b| *b == b'\n').enumerate() {
        let number = index + 1;
        let step = match std::str::from_utf8(raw) {
            Err(_) => Err("the line is not UTF-8 text".to_string()),
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => player.parse(line, last_at),
        };
        let step = match step {
            Ok(step) => step,
            Err(reason) => {
                stdout.flush().map_err(write_error)?;
                eprintln!("error: {events_name}:{number}: {reason}");
                errors += 1;
                continue;
            }
        };
        lines_run += 1;
        last_at = step.at;
        // The texts this line passed in, for the rules that match their words.
        host.texts.extend(player.host_texts.get(host.texts.len()..).unwrap_or_default().iter().cloned());
        runtime.advance_to(step.at, &mut host);
        player.drain(&mut host, &mut stdout)?;
        player.now = step.at;
        player.stimulus_header(&step, number, &mut stdout)?;
        match step.stimulus {
            Stimulus::Advance => {}
            Stimulus::Event { event: Some(event), payload, .. } => {
                // The queue was emptied by `advance_to`; should it be full after all, run what
                // it holds and push again rather than lose the event.
                let mut pushed = runtime.push_event(event, &payload);
                if pushed == Err(PushError::Full) {
                    runtime.process(&mut host);
                    pushed = runtime.push_event(event, &payload);
                }
                if let Err(e) = pushed {
                    stdout.flush().map_err(write_error)?;
                    eprintln!("error: {events_name}:{number}: the runtime refused the event ({e:?})");
                    errors += 1;
                }
            }
            Stimulus::State { slot: Some(slot), value, .. } => {
                player.states.insert(slot, value);
                let mut pushed = runtime.set_state(slot, value);
                if pushed == Err(PushError::Full) {
                    runtime.process(&mut host);
                    pushed = runtime.set_state(slot, value);
                }
                if let Err(e) = pushed {
                    stdout.flush().map_err(write_error)?;
                    eprintln!("error: {events_name}:{number}: the runtime refused the state change ({e:?})");
                    errors += 1;
                }
            }
            Stimulus::Var { var, value, .. } => {
                if let Err(e) = runtime.set_var(var, value, &mut host) {
                    stdout.flush().map_err(write_error)?;
                    eprintln!("error: {events_name}:{number}: the runtime refused the variable ({e:?})");
                    errors += 1;
                }
            }
            // Known to the pack's profiles, but no rule uses it: nothing to run.
            Stimulus::Event { event: None, .. } | Stimulus::State { slot: None, .. } => {}
        }
        runtime.process(&mut host);
        player.drain(&mut host, &mut stdout)?;
        player.end_stimulus(&mut stdout)?;
    }
    stdout.flush().map_err(write_error)?;
    drop(stdout);
    let c = runtime.counters();
    let pending = runtime.pending_timers();
    let next = runtime.next_deadline().map_or(String::new(), |due| format!(", the next due at {due} ms"));
    eprintln!(
        "summary: {lines_run} {} run to {} ms, {} emitted; rule runs {}, rate-limited {}, busy-ignored {}, queued {}, \
         cancelled {}, cascade-cut {}, queue-overflow {}, faults {}, ticks-missed {}; {pending} timer{} pending{next}",
        if lines_run == 1 { "line" } else { "lines" },
        runtime.now(),
        plural(player.emitted, "action"),
        c.runs,
        c.rate_limited,
        c.busy_ignored,
        c.queued,
        c.cancelled,
        c.cascade_cut,
        runtime.queue_stats().dropped,
        c.faults,
        c.ticks_missed,
        if pending == 1 { "" } else { "s" },
    );
    if errors > 0 {
        eprintln!("error: {} of `{events_name}` could not be run", plural(errors, "line"));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn write_error(e: std::io::Error) -> UsageError {
    UsageError(format!("cannot write output: {e}"))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// The events file's name for messages, and its bytes.
fn read_events(path: &Path) -> Result<(String, Vec<u8>), UsageError> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| UsageError(format!("cannot read stdin: {e}")))?;
        return Ok(("<stdin>".into(), bytes));
    }
    let bytes = std::fs::read(path).map_err(|e| UsageError(format!("cannot read `{}`: {e}", path.display())))?;
    Ok((path.display().to_string(), bytes))
}

/// Everything the runtime told the host, in order, since the last drain (one `advance_to` or
/// stimulus: the runtime bounds its work, so this is bounded too, whatever the clock).
struct Recorder {
    records: Vec<Record>,
    /// Every decision (`--explain`), or only those the action lines need.
    all: bool,
    /// The texts passed in that the program does not contain, by host handle.
    texts: Vec<String>,
}

enum Record {
    Emit { action: u16, args: Vec<Value>, origin: Origin },
    Trace(TraceEvent),
}

impl Host for Recorder {
    fn emit(&mut self, action: u16, args: &[Value], origin: Origin) {
        self.records.push(Record::Emit { action, args: args.to_vec(), origin });
    }

    fn trace(&mut self, event: TraceEvent) {
        if self.all || matches!(event, TraceEvent::TimerFired { .. } | TraceEvent::CaughtUp { .. }) {
            self.records.push(Record::Trace(event));
        }
    }

    fn host_text(&self, handle: u32) -> Option<&str> {
        self.texts.get(handle as usize).map(String::as_str)
    }
}

/// Resolves lines, turns the runtime's records into output, and remembers what it needs for that.
struct Player<'a> {
    pub(super) program: &'a Program<'a>,
    pub(super) source: Option<&'a Source>,
    pub(super) explain: bool,
    pub(super) json: bool,
    /// Texts passed in that the program does not contain, by host handle.
    pub(super) host_texts: Vec<String>,
    /// The last value given to each state (program slot); the runtime starts them at 0.
    pub(super) states: HashMap<u16, i64>,
    /// The clock as the records go by.
    pub(super) now: u64,
    pub(super) emitted: usize,
    pub(super) run: Option<RunNote>,
    /// Lines of explanation written for the current stimulus.
    pub(super) noted: usize,
    /// The rule of the timer that fired last, when it ran once for this many due ticks.
    pub(super) caught_up: Option<(u16, u64)>,
    /// The timer about to fire is late: it was due at this time.
    pub(super) late: Option<u64>,
}

const KEYS: &str = "`at`, `event`, `payload`, `state`, `var` and `value`";

impl<'a> Player<'a> {
    fn new(program: &'a Program<'a>, source: Option<&'a Source>, options: &Options) -> Self {
        Player {
            program,
            source,
            explain: options.explain,
            json: options.json,
            host_texts: Vec::new(),
            states: HashMap::new(),
            now: 0,
            emitted: 0,
            run: None,
            noted: 0,
            caught_up: None,
            late: None,
        }
    }
}
