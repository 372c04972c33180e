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
use glass_runtime::vm::{BlockEngine, Host, Origin, PushError, Value};
use glass_runtime::{Program, TraceEvent, TraceTimer};
use serde_json::{Value as Json, json};

use crate::compile::{Source, compile};
use crate::harness::HostRuntime;
use crate::inputs::UsageError;
use crate::values;

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
runtime's counters on stderr. --explain prints readable text instead; with
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
    pub explain: bool,
    /// `--message-format json`: the explanation as JSON lines too.
    pub json: bool,
    pub engine: Engine,
}

/// Runs the command. `Err` is a usage or I/O problem (exit 2).
pub fn run(options: &Options) -> Result<ExitCode, UsageError> {
    let source = if options.pack.extension().is_some_and(|e| e == "glass") {
        match compile(&options.pack, &options.profiles, "run")? {
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
    let mut host = Recorder::default();
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
         cancelled {}, cascade-cut {}, queue-overflow {}, faults {}; {pending} timer{} pending{next}",
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

/// Everything the runtime told the host, in order.
#[derive(Default)]
struct Recorder {
    records: Vec<Record>,
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
        self.records.push(Record::Trace(event));
    }
}

/// One line of the events file, resolved.
struct Step {
    at: u64,
    stimulus: Stimulus,
}

enum Stimulus {
    Advance,
    /// `event` is `None` for an event of the profiles that no rule uses.
    Event {
        event: Option<u16>,
        payload: Vec<i64>,
        shown: String,
    },
    State {
        slot: Option<u16>,
        value: i64,
        shown: String,
    },
    Var {
        var: u16,
        value: i64,
        shown: String,
    },
}

/// The type of a value the events file gives: a glass type when the source is known, else the
/// runtime's kind.
#[derive(Clone, Debug)]
enum FieldType {
    Glass(Type),
    Num,
    Text,
}

impl FieldType {
    fn of_kind(kind: Kind) -> FieldType {
        match kind {
            Kind::Num => FieldType::Num,
            Kind::Text => FieldType::Text,
        }
    }
}

/// A rule run being explained: the trigger matched, the outcome follows.
struct RunNote {
    rule: u16,
    outcome: Option<(&'static str, String)>,
    restarted: Option<u16>,
    fired: bool,
    actions: Vec<String>,
}

/// Resolves lines, turns the runtime's records into output, and remembers what it needs for that.
struct Player<'a> {
    program: &'a Program<'a>,
    source: Option<&'a Source>,
    explain: bool,
    json: bool,
    /// Texts passed in that the program does not contain, by host handle.
    host_texts: Vec<String>,
    /// The last value given to each state (program slot); the runtime starts them at 0.
    states: HashMap<u16, i64>,
    /// The clock as the records go by.
    now: u64,
    emitted: usize,
    run: Option<RunNote>,
    /// Lines of explanation written for the current stimulus.
    noted: usize,
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
        }
    }

    // ---- reading lines ---------------------------------------------------------------------

    fn parse(&mut self, line: &str, last_at: u64) -> Result<Step, String> {
        let json: Json = serde_json::from_str(line).map_err(|e| format!("this is not JSON: {e}"))?;
        let Json::Object(object) = json else {
            return Err(format!(
                "expected a JSON object such as {{\"at\": 1000, \"event\": \"button-press\"}}, found {}",
                kind_of(&json)
            ));
        };
        if let Some(key) =
            object.keys().find(|k| !["at", "event", "payload", "state", "var", "value"].contains(&k.as_str()))
        {
            return Err(format!("unknown key `{key}`: a line has {KEYS}"));
        }
        let at = match object.get("at") {
            None => return Err("missing `at`: the time of the line in milliseconds, e.g. \"at\": 1000".into()),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("`at` must be a whole number of milliseconds from 0 up, found {}", short(v)))?,
        };
        if at < last_at {
            return Err(format!("`at` is {at}, earlier than the {last_at} of the line before: time never goes back"));
        }
        let given: Vec<&str> = ["event", "state", "var"].into_iter().filter(|k| object.contains_key(*k)).collect();
        if given.len() > 1 {
            let given: Vec<String> = given.iter().map(|k| format!("`{k}`")).collect();
            return Err(format!("a line has one of `event`, `state` or `var`, not {}", given.join(" and ")));
        }
        if object.contains_key("payload") && given != ["event"] {
            return Err("`payload` belongs to an `event` line".into());
        }
        if object.contains_key("value") && !(given == ["state"] || given == ["var"]) {
            return Err("`value` belongs to a `state` or `var` line".into());
        }
        let name = |key: &str| -> Result<String, String> {
            match object.get(key) {
                Some(Json::String(s)) => Ok(s.clone()),
                Some(v) => Err(format!("`{key}` must be a name in a string, found {}", short(v))),
                None => Err(format!("missing `{key}`")),
            }
        };
        let stimulus = match given.first().copied() {
            None => Stimulus::Advance,
            Some("event") => self.event(&name("event")?, object.get("payload"))?,
            Some(key) => {
                let target = name(key)?;
                let Some(value) = object.get("value") else {
                    return Err(format!("missing `value`: the new value of {key} `{target}`"));
                };
                if key == "state" { self.state(&target, value)? } else { self.var(&target, value)? }
            }
        };
        Ok(Step { at, stimulus })
    }

    fn event(&mut self, name: &str, payload: Option<&Json>) -> Result<Stimulus, String> {
        let (event, display, fields): (Option<u16>, String, Vec<(String, FieldType)>) = match self.source {
            Some(source) => {
                let scope = &source.scope;
                let i = resolve(
                    name,
                    "event",
                    &scope.events_matching(&path(name)),
                    |i| scope.event_qualified(i),
                    || (0..scope.events.len()).flat_map(|i| [scope.event_short(i), scope.event_qualified(i)]).collect(),
                )?;
                let fields = scope.events[i].params.iter().map(|p| (p.name.clone(), FieldType::Glass(p.ty.clone())));
                (source.output.symbols.events[i], scope.event_qualified(i), fields.collect())
            }
            None => {
                let i = self.program_entry(Section::Events, name, "event", |p, i| p.event(i).map(|e| e.name))?;
                let info = self.program.event(i).ok_or("the program's event table is damaged")?;
                let fields = (0..usize::from(info.fields))
                    .map(|f| (format!("field {f}"), FieldType::of_kind(Kind::of_bit(info.text_mask, f))))
                    .collect();
                (Some(i), name.to_string(), fields)
            }
        };
        let values = self.payload(&display, &fields, payload)?;
        let shown = if values.is_empty() {
            display
        } else {
            let parts: Vec<String> = if self.source.is_some() {
                fields.iter().zip(&values).map(|((n, _), (_, s))| format!("{n}: {s}")).collect()
            } else {
                values.iter().map(|(_, s)| s.clone()).collect()
            };
            format!("{display}({})", parts.join(", "))
        };
        Ok(Stimulus::Event { event, payload: values.into_iter().map(|(v, _)| v).collect(), shown })
    }

    /// The payload's values (and how to show them), one per field in order.
    fn payload(
        &mut self,
        event: &str,
        fields: &[(String, FieldType)],
        payload: Option<&Json>,
    ) -> Result<Vec<(i64, String)>, String> {
        let names = || fields.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let given: Vec<&Json> = match payload {
            None | Some(Json::Null) if fields.is_empty() => Vec::new(),
            None | Some(Json::Null) => {
                return Err(format!("missing `payload`: `{event}` has the fields {}", names()));
            }
            Some(Json::Array(items)) => {
                if items.len() != fields.len() {
                    return Err(format!(
                        "`{event}` has {} payload field{}, but the payload list has {}",
                        fields.len(),
                        if fields.len() == 1 { "" } else { "s" },
                        items.len()
                    ));
                }
                items.iter().collect()
            }
            Some(Json::Object(map)) => {
                if self.source.is_none() {
                    return Err(
                        "a .gbc has no field names: give the payload as a list in field order, e.g. [\"XiaoAi\"]"
                            .into(),
                    );
                }
                if let Some(unknown) = map.keys().find(|k| !fields.iter().any(|(n, _)| n == *k)) {
                    let hint = did_you_mean(unknown, fields.iter().map(|(n, _)| n.as_str()))
                        .unwrap_or_else(|| format!("its fields are {}", names()));
                    return Err(if fields.is_empty() {
                        format!("`{event}` has no payload fields, but the payload has `{unknown}`")
                    } else {
                        format!("`{event}` has no payload field `{unknown}`; {hint}")
                    });
                }
                let mut out = Vec::new();
                for (n, _) in fields {
                    out.push(map.get(n).ok_or_else(|| format!("missing payload field `{n}` of `{event}`"))?);
                }
                out
            }
            Some(other) => {
                return Err(format!("`payload` must be an object of fields or a list, found {}", short(other)));
            }
        };
        fields
            .iter()
            .zip(given)
            .map(|((n, ty), v)| self.value(ty, v).map_err(|e| format!("payload field `{n}` of `{event}`: {e}")))
            .collect()
    }

    fn state(&mut self, name: &str, value: &Json) -> Result<Stimulus, String> {
        let (slot, display, ty) = match self.source {
            Some(source) => {
                let scope = &source.scope;
                let i = resolve(
                    name,
                    "state",
                    &scope.states_matching(&path(name)),
                    |i| scope.state_qualified(i),
                    || (0..scope.states.len()).flat_map(|i| [scope.state_short(i), scope.state_qualified(i)]).collect(),
                )?;
                (
                    source.output.symbols.states[i],
                    scope.state_qualified(i),
                    FieldType::Glass(scope.states[i].ty.clone()),
                )
            }
            None => {
                let i = self.program_entry(Section::States, name, "state", |p, i| p.state(i).map(|s| s.name))?;
                let kind = self.program.state(i).ok_or("the program's state table is damaged")?.kind;
                (Some(i), name.to_string(), FieldType::of_kind(kind))
            }
        };
        let (value, shown) = self.value(&ty, value).map_err(|e| format!("the value of state `{display}`: {e}"))?;
        Ok(Stimulus::State { slot, value, shown: format!("{display} = {shown}") })
    }

    fn var(&mut self, name: &str, value: &Json) -> Result<Stimulus, String> {
        let (var, ty) = match self.source {
            Some(source) => {
                let scope = &source.scope;
                let Some(i) = scope.var(name) else {
                    let hint = did_you_mean(name, scope.vars.iter().map(|v| v.name.as_str()));
                    return Err(format!(
                        "the pack has no variable `{name}`{}",
                        hint.map_or(String::new(), |h| format!("; {h}"))
                    ));
                };
                let var =
                    source.output.symbols.vars.get(i).copied().flatten().ok_or("the variable is not in the program")?;
                (var, FieldType::Glass(scope.vars[i].ty.clone()))
            }
            None => {
                (self.program_entry(Section::Vars, name, "variable", |p, i| p.var(i).map(|v| v.name))?, FieldType::Num)
            }
        };
        let (value, shown) = self.value(&ty, value).map_err(|e| format!("the value of variable `{name}`: {e}"))?;
        Ok(Stimulus::Var { var, value, shown: format!("{name} = {shown}") })
    }

    /// The index of the entry of `section` named `name` in a program without source.
    fn program_entry(
        &self,
        section: Section,
        name: &str,
        what: &str,
        name_of: impl Fn(&Program<'_>, u16) -> Option<u16>,
    ) -> Result<u16, String> {
        let names: Vec<(u16, &str)> = (0..self.program.len16(section))
            .filter_map(|i| Some((i, self.program.name(name_of(self.program, i)?)?)))
            .collect();
        if let Some((i, _)) = names.iter().find(|(_, n)| *n == name) {
            return Ok(*i);
        }
        // A .gbc knows only qualified names: `button-press` is `glasses.button.press`.
        let qualified: Vec<&str> = names
            .iter()
            .map(|(_, n)| *n)
            .filter(|n| n.split_once('.').is_some_and(|(_, rest)| rest.replace('.', "-") == name || rest == name))
            .collect();
        let hint = if qualified.is_empty() {
            did_you_mean(name, names.iter().map(|(_, n)| *n)).map_or(String::new(), |h| format!("; {h}"))
        } else {
            format!(
                "; a .gbc names it by its qualified name: {}",
                qualified.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or ")
            )
        };
        Err(format!("the program has no {what} `{name}`{hint}"))
    }

    /// A JSON value as the runtime takes it, and as glass shows it.
    fn value(&mut self, ty: &FieldType, v: &Json) -> Result<(i64, String), String> {
        let wrong = |expected: &str| format!("expected {expected}, found {}", short(v));
        let text = |this: &mut Self, s: &str| -> (i64, String) {
            let id = this.program.text_id(s).map_or_else(|| this.host_text(s), i64::from);
            (id, format!("{s:?}"))
        };
        match ty {
            FieldType::Text | FieldType::Glass(Type::Text) => match v {
                Json::String(s) => Ok(text(self, s)),
                _ => Err(wrong("a text in a string")),
            },
            FieldType::Num => match v {
                Json::Bool(b) => Ok((i64::from(*b), b.to_string())),
                _ => v.as_i64().map(|n| (n, n.to_string())).ok_or_else(|| wrong("a whole number")),
            },
            FieldType::Glass(ty) => {
                let n = match (ty, v) {
                    (Type::Bool, Json::Bool(b)) => i64::from(*b),
                    (Type::Bool, _) => return Err(wrong("true or false")),
                    (Type::Int, _) => v.as_i64().ok_or_else(|| wrong("a whole number"))?,
                    (Type::Percent, Json::String(s)) => {
                        parse_percent(s).ok_or_else(|| wrong("a percentage such as \"15%\""))?
                    }
                    (Type::Percent, _) => v.as_i64().ok_or_else(|| wrong("a percentage such as \"15%\" or 15"))?,
                    (Type::Duration, Json::String(s)) => {
                        parse_duration(s).ok_or_else(|| wrong("a duration such as \"60 s\" or \"400 ms\""))?
                    }
                    (Type::Duration, _) => v
                        .as_i64()
                        .filter(|n| *n >= 0)
                        .ok_or_else(|| wrong("a duration such as \"60 s\" or a number of ms"))?,
                    (Type::Time, Json::String(s)) => {
                        parse_time(s).ok_or_else(|| wrong("a time of day such as \"07:30\""))?
                    }
                    (Type::Time, _) => return Err(wrong("a time of day such as \"07:30\"")),
                    (Type::Enum(e), Json::String(s)) => {
                        let variants = self.source.and_then(|src| src.scope.enum_def(e)).map(|d| d.variants.clone());
                        let variants = variants.unwrap_or_default();
                        match variants.iter().position(|x| x == s) {
                            Some(i) => i as i64,
                            None => {
                                return Err(format!(
                                    "`{s}` is not a value of {e}; its values are {}",
                                    variants.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ")
                                ));
                            }
                        }
                    }
                    (Type::Enum(e), _) => return Err(wrong(&format!("a value of {e} in a string"))),
                    (Type::Text | Type::Error, _) => return Err(wrong("a value")),
                };
                let shown = self.show_number(Some(ty), n);
                Ok((n, shown))
            }
        }
    }

    fn host_text(&mut self, s: &str) -> i64 {
        let i = self.host_texts.iter().position(|t| t == s).unwrap_or_else(|| {
            self.host_texts.push(s.to_string());
            self.host_texts.len() - 1
        });
        glass_runtime::format::HOST_TEXT_BASE + i as i64
    }

    // ---- showing values --------------------------------------------------------------------

    fn show_number(&self, ty: Option<&Type>, n: i64) -> String {
        match (ty, self.source) {
            (Some(ty), Some(source)) => {
                values::show(&source.scope, self.program, &values::HostTexts::default(), ty, Value::Num(n))
            }
            _ => n.to_string(),
        }
    }

    fn text_of(&self, v: Value) -> Option<String> {
        match v {
            Value::Text(t) if t != NO_TEXT => self.program.text(t).map(str::to_string),
            Value::HostText(h) => self.host_texts.get(h as usize).cloned(),
            _ => None,
        }
    }

    /// An emitted value for JSON: glass values as glass writes them (`"60 s"`, `"clip"`), Int as
    /// numbers, Bool as booleans, texts as strings (`null` for an invalid text).
    fn value_json(&self, ty: Option<&Type>, v: Value) -> Json {
        match v {
            Value::Num(n) => match ty {
                None | Some(Type::Int | Type::Error | Type::Text) => json!(n),
                Some(Type::Bool) => json!(n != 0),
                Some(ty) => json!(self.show_number(Some(ty), n)),
            },
            text => self.text_of(text).map_or(Json::Null, Json::String),
        }
    }

    /// The scope index and definition of a program action, when the source is known.
    fn action_def(&self, action: u16) -> Option<(usize, &'a glass_compiler::model::ActionDef)> {
        let source = self.source?;
        let i = source.output.symbols.actions.iter().position(|a| *a == Some(action))?;
        Some((i, source.scope.actions.get(i)?))
    }

    fn action_name(&self, action: u16) -> String {
        self.program
            .action(action)
            .and_then(|a| self.program.name(a.name))
            .map_or_else(|| format!("action {action}"), str::to_string)
    }

    /// An emission as glass writes a call: `glasses.camera.record(kind: clip, duration: 60 s)`.
    fn show_call(&self, action: u16, args: &[Value]) -> String {
        let def = self.action_def(action);
        let parts: Vec<String> = args
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let param = def.and_then(|(_, d)| d.params.get(i));
                let shown = match (v, param) {
                    (Value::Num(n), p) => self.show_number(p.map(|p| &p.ty), *n),
                    (text, _) => self.text_of(*text).map_or_else(|| "<an invalid text>".into(), |s| format!("{s:?}")),
                };
                match param {
                    Some(p) => format!("{}: {shown}", p.name),
                    None => shown,
                }
            })
            .collect();
        let name = self.action_name(action);
        if parts.is_empty() { name } else { format!("{name}({})", parts.join(", ")) }
    }

    /// The action line: `{"at":…,"action":…,"args":…,"rule":…,"line":…,"delayed":…}`.
    fn emission_json(&self, action: u16, args: &[Value], origin: Origin) -> String {
        let args = match self.action_def(action) {
            Some((_, def)) if def.params.len() == args.len() => object(
                def.params.iter().zip(args).map(|(p, v)| (p.name.as_str(), self.value_json(Some(&p.ty), *v))).collect(),
            ),
            _ => Json::Array(args.iter().map(|v| self.value_json(None, *v)).collect()).to_string(),
        };
        let info = self.program.rule(origin.rule);
        let head = object(vec![("at", json!(origin.at_ms)), ("action", json!(self.action_name(action)))]);
        let tail = object(vec![
            ("rule", json!(self.rule_name(origin.rule))),
            ("line", json!(info.map(|r| r.line))),
            ("delayed", json!(origin.delayed)),
        ]);
        format!("{},\"args\":{args},{}", &head[..head.len() - 1], &tail[1..])
    }

    fn rule_name(&self, rule: u16) -> Option<String> {
        let info = self.program.rule(rule)?;
        (info.name != NO_TEXT).then(|| self.program.name(info.name).map(str::to_string)).flatten()
    }

    /// `rule `wheel-photo` (line 29)`, `the rule at line 10`.
    fn rule_label(&self, rule: u16) -> String {
        crate::harness::show_rule(self.program, rule)
    }

    fn var_name(&self, var: u16) -> String {
        self.program
            .var(var)
            .and_then(|v| self.program.name(v.name))
            .map_or_else(|| format!("variable {var}"), str::to_string)
    }

    fn var_type(&self, var: u16) -> Option<&'a Type> {
        let source = self.source?;
        let i = source.output.symbols.vars.iter().position(|v| *v == Some(var))?;
        Some(&source.scope.vars.get(i)?.ty)
    }

    /// How glass names a program event: its short form with the source, else its name.
    fn event_name(&self, event: u16) -> String {
        if let Some(source) = self.source
            && let Some(i) = source.output.symbols.events.iter().position(|e| *e == Some(event))
        {
            return source.scope.event_short(i);
        }
        self.program
            .event(event)
            .and_then(|e| self.program.name(e.name))
            .map_or_else(|| format!("event {event}"), str::to_string)
    }

    // ---- explaining --------------------------------------------------------------------------

    fn stimulus_header(&mut self, step: &Step, line: usize, out: &mut impl Write) -> Result<(), UsageError> {
        self.noted = 0;
        if !self.explain {
            return Ok(());
        }
        let what = match &step.stimulus {
            Stimulus::Advance => "time passes".to_string(),
            Stimulus::Event { event: None, shown, .. } => format!("event {shown}: no rule uses this event"),
            Stimulus::Event { shown, .. } => format!("event {shown}"),
            Stimulus::State { slot: None, shown, .. } => format!("state {shown}: no rule reads this state"),
            Stimulus::State { shown, .. } => format!("state {shown}"),
            Stimulus::Var { shown, .. } => format!("variable {shown}"),
        };
        let message = format!("at {}: {what} (events line {line})", values::timestamp(step.at));
        self.write_note(out, "stimulus", None, None, message, false)?;
        // The header is not a note about the stimulus's effects.
        self.noted = 0;
        Ok(())
    }

    fn end_stimulus(&mut self, out: &mut impl Write) -> Result<(), UsageError> {
        if self.explain && self.noted == 0 {
            self.write_note(out, "stimulus", None, None, "no rule was triggered".into(), true)?;
        }
        Ok(())
    }

    /// Writes what the runtime recorded since the last drain.
    fn drain(&mut self, host: &mut Recorder, out: &mut impl Write) -> Result<(), UsageError> {
        for record in std::mem::take(&mut host.records) {
            match record {
                Record::Emit { action, args, origin } => {
                    self.emitted += 1;
                    if !self.explain || self.json {
                        writeln!(out, "{}", self.emission_json(action, &args, origin)).map_err(write_error)?;
                    }
                    if self.explain {
                        let call = self.show_call(action, &args);
                        match &mut self.run {
                            Some(run) if run.rule == origin.rule && !origin.delayed => run.actions.push(call),
                            _ => {
                                self.flush_run(out)?;
                                self.write_note(out, "emit", Some(origin.rule), None, format!("emitted {call}"), true)?;
                            }
                        }
                    }
                }
                Record::Trace(event) if self.explain => self.trace(event, out)?,
                Record::Trace(_) => {}
            }
        }
        self.flush_run(out)
    }

    fn trace(&mut self, event: TraceEvent, out: &mut impl Write) -> Result<(), UsageError> {
        let outcome = |run: &mut Option<RunNote>, kind: &'static str, message: String| {
            if let Some(run) = run {
                run.outcome = Some((kind, message));
            }
        };
        match event {
            TraceEvent::RuleConsidered { rule } => {
                self.flush_run(out)?;
                self.run = Some(RunNote { rule, outcome: None, restarted: None, fired: false, actions: Vec::new() });
            }
            TraceEvent::Exited { rule, pc } => {
                let (kind, message) = self.exit_reason(rule, pc);
                outcome(&mut self.run, kind, message);
            }
            TraceEvent::Busy { rule, mode } => {
                let line = self.program.rule(rule).map_or(0, |r| r.line);
                let message = match mode {
                    Mode::Queued => format!("its waiting trigger was dropped for this one (mode queued, line {line})"),
                    _ => format!("ignored: still busy with its delayed actions (mode single, line {line})"),
                };
                outcome(&mut self.run, "busy", message);
            }
            TraceEvent::Queued { rule } => {
                let line = self.program.rule(rule).map_or(0, |r| r.line);
                let replaced = matches!(&self.run, Some(RunNote { outcome: Some(("busy", _)), .. }));
                let message = format!(
                    "waits until its delayed actions are done (mode queued, line {line}){}",
                    if replaced { ", replacing the trigger that was waiting" } else { "" }
                );
                outcome(&mut self.run, "queued", message);
            }
            TraceEvent::RateLimited { rule, count, window_ms } => {
                let line = self.program.rule(rule).map_or(0, |r| r.line);
                let times = if count == 1 { "once".to_string() } else { format!("{count} times") };
                let message = format!(
                    "rate limit: at most {times} per {} reached (line {line})",
                    values::duration(i64::try_from(window_ms).unwrap_or(i64::MAX))
                );
                outcome(&mut self.run, "rate-limited", message);
            }
            TraceEvent::Restarted { cancelled, .. } => {
                if let Some(run) = &mut self.run {
                    run.restarted = Some(cancelled);
                }
            }
            TraceEvent::Fired { .. } => {
                if let Some(run) = &mut self.run {
                    run.fired = true;
                }
            }
            TraceEvent::Set { rule, var, value } => {
                let value = self.program.var(var).map_or(value, |v| value.min(v.max).max(v.min));
                let note = format!("set {} = {}", self.var_name(var), self.show_number(self.var_type(var), value));
                match &mut self.run {
                    Some(run) if run.rule == rule => run.actions.push(note),
                    _ => {
                        self.flush_run(out)?;
                        self.write_note(out, "variable", Some(rule), None, note, true)?;
                    }
                }
            }
            TraceEvent::Fault { rule } => {
                outcome(&mut self.run, "fault", format!("the run went wrong and was stopped (rule {rule})"));
            }
            TraceEvent::Scheduled { rule, due_ms, timer } => {
                let what = match timer {
                    TraceTimer::Emit { action } => self.action_name(action),
                    TraceTimer::Set { var } => format!("set {}", self.var_name(var)),
                    TraceTimer::Tick => "its next run".into(),
                };
                let note = format!("{what} at {} (delayed)", values::timestamp(due_ms));
                match &mut self.run {
                    Some(run) if run.rule == rule => run.actions.push(note),
                    _ => {
                        self.flush_run(out)?;
                        self.write_note(out, "timer", Some(rule), None, format!("scheduled {note}"), true)?;
                    }
                }
            }
            TraceEvent::TimerFired { rule, due_ms, timer } => {
                self.flush_run(out)?;
                self.now = due_ms;
                let what = match timer {
                    TraceTimer::Tick => match self.program.rule(rule).map(|r| r.trigger) {
                        Some(Trigger::Every { period_ms }) => {
                            format!("every {}", values::duration(i64::try_from(period_ms).unwrap_or(i64::MAX)))
                        }
                        Some(Trigger::Daily { minute }) => {
                            format!("every day at {:02}:{:02}", minute / 60, minute % 60)
                        }
                        _ => "its next run".into(),
                    },
                    TraceTimer::Emit { action } => format!("delayed {}", self.action_name(action)),
                    TraceTimer::Set { var } => format!("delayed set {}", self.var_name(var)),
                };
                let message = format!("at {}: timer of {}: {what}", values::timestamp(due_ms), self.rule_label(rule));
                self.write_note(out, "timer", Some(rule), None, message, false)?;
            }
            TraceEvent::SequenceStep { rule, seen, len } => {
                self.flush_run(out)?;
                let Some(Trigger::Sequence { events, within_ms, .. }) = self.program.rule(rule).map(|r| r.trigger)
                else {
                    return Ok(());
                };
                let next = events.get(usize::from(seen)).map_or_else(String::new, |e| self.event_name(*e));
                let within = values::duration(i64::try_from(within_ms).unwrap_or(i64::MAX));
                let message = if seen == 0 {
                    format!(
                        "{}: sequence: out of order or too late, waiting for {next} to start it again",
                        self.rule_label(rule)
                    )
                } else {
                    format!(
                        "{}: sequence: step {seen} of {len} seen, waiting for {next} within {within} of the first",
                        self.rule_label(rule)
                    )
                };
                self.write_note(out, "sequence", Some(rule), Some("waiting"), message, true)?;
            }
            TraceEvent::VarChanged { var, old, new } => {
                self.flush_run(out)?;
                let ty = self.var_type(var);
                let message = format!(
                    "variable {} changed: {} → {}",
                    self.var_name(var),
                    self.show_number(ty, old),
                    self.show_number(ty, new)
                );
                self.write_note(out, "variable", None, None, message, true)?;
            }
            TraceEvent::CascadeCut { var } => {
                self.flush_run(out)?;
                let message = format!(
                    "variable {} changed, but the rules watching it did not run: this stimulus already \
                     followed {} changes",
                    self.var_name(var),
                    glass_runtime::vm::MAX_CASCADE
                );
                self.write_note(out, "variable", None, Some("cascade-cut"), message, true)?;
            }
        }
        Ok(())
    }

    /// Why the `ExitIfFalse` at `pc` of `rule` stopped it, from the compiler's debug table.
    fn exit_reason(&self, rule: u16, pc: u32) -> (&'static str, String) {
        let info = self.program.rule(rule);
        let offset = info.map_or(pc, |r| pc.saturating_sub(r.code_start));
        let exit = self.source.and_then(|s| {
            let debug = s.output.debug.get(usize::from(rule))?;
            debug.exits.iter().find(|e| e.offset == offset).map(|e| (s, e))
        });
        let Some((source, exit)) = exit else {
            return (
                "condition-false",
                format!(
                    "its filter or condition was false (the ExitIfFalse at instruction {pc}, offset {offset} in the rule)"
                ),
            );
        };
        let (kind, keyword, what) = match exit.tests {
            Tested::Filter => ("filter-false", "where", "filter"),
            Tested::Condition => ("condition-false", "while", "condition"),
        };
        let (text, line) = match exit.span {
            Some(span) => (snippet(&source.text, span), line_of(&source.text, span.start)),
            None => (String::from("..."), info.map_or(0, |r| r.line)),
        };
        let reads: Vec<String> = exit
            .reads
            .iter()
            .filter_map(|r| match r {
                Target::State(s) => {
                    let def = source.scope.states.get(*s)?;
                    let slot = source.output.symbols.states.get(*s).copied().flatten()?;
                    let value = self.states.get(&slot).copied().unwrap_or(0);
                    let shown = match def.ty {
                        Type::Text => {
                            let v = u16::try_from(value).map_or_else(
                                |_| {
                                    Value::HostText(
                                        u32::try_from(value - glass_runtime::format::HOST_TEXT_BASE).unwrap_or(0),
                                    )
                                },
                                Value::Text,
                            );
                            self.text_of(v).map_or_else(|| "\"\"".into(), |s| format!("{s:?}"))
                        }
                        ref ty => self.show_number(Some(ty), value),
                    };
                    Some(format!("{} = {shown}", source.scope.state_short(*s)))
                }
                Target::Var(_) => None,
            })
            .collect();
        let values = if reads.is_empty() { String::new() } else { format!(" [{}]", reads.join(", ")) };
        (kind, format!("the {what} `{keyword} {text}` was false (line {line}){values}"))
    }

    fn flush_run(&mut self, out: &mut impl Write) -> Result<(), UsageError> {
        let Some(run) = self.run.take() else { return Ok(()) };
        let label = self.rule_label(run.rule);
        let (kind, message) = if run.fired {
            let restarted = run.restarted.map_or(String::new(), |n| {
                format!("restarted (cancelled {} of its last run), ", plural(usize::from(n), "delayed action"))
            });
            let actions = if run.actions.is_empty() { "it has no actions".to_string() } else { run.actions.join(", ") };
            ("fired", format!("{restarted}fired: {actions}"))
        } else {
            run.outcome.unwrap_or(("stopped", "it did not act (this engine does not say why)".into()))
        };
        self.write_note(out, "rule", Some(run.rule), Some(kind), format!("{label}: {message}"), true)
    }

    /// One line of explanation: indented text, or a JSON object with `--message-format json`.
    fn write_note(
        &mut self,
        out: &mut impl Write,
        kind: &str,
        rule: Option<u16>,
        outcome: Option<&str>,
        message: String,
        indent: bool,
    ) -> Result<(), UsageError> {
        self.noted += 1;
        if self.json {
            let mut note = vec![("at", json!(self.now)), ("explain", json!(kind))];
            if let Some(rule) = rule {
                note.push(("rule", json!(self.rule_name(rule))));
                note.push(("line", json!(self.program.rule(rule).map(|r| r.line))));
            }
            if let Some(outcome) = outcome {
                note.push(("outcome", json!(outcome)));
            }
            note.push(("message", json!(message)));
            writeln!(out, "{}", object(note)).map_err(write_error)
        } else {
            writeln!(out, "{}{message}", if indent { "  " } else { "" }).map_err(write_error)
        }
    }
}

/// A JSON object with its keys in the order given (`serde_json` would sort them).
fn object(fields: Vec<(&str, Json)>) -> String {
    let fields: Vec<String> = fields.into_iter().map(|(k, v)| format!("{}:{v}", Json::from(k))).collect();
    format!("{{{}}}", fields.join(","))
}

/// The source text of a span on one line (a condition written over several lines is joined).
fn snippet(text: &str, span: Span) -> String {
    text.get(span.range()).unwrap_or("...").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A name as glass writes it, as a path to resolve.
fn path(name: &str) -> NamePath {
    let span = Span::new(0, 0);
    NamePath { segments: name.split('.').map(|s| Spanned { node: s.to_string(), span }).collect(), span }
}

/// The one match of a name, or why there is none.
fn resolve(
    name: &str,
    what: &str,
    found: &[usize],
    qualified: impl Fn(usize) -> String,
    all: impl FnOnce() -> Vec<String>,
) -> Result<usize, String> {
    match found {
        [one] => Ok(*one),
        [] => {
            let all = all();
            let hint = did_you_mean(name, all.iter().map(String::as_str)).map_or(String::new(), |h| format!("; {h}"));
            Err(format!("the pack's profiles have no {what} `{name}`{hint}"))
        }
        many => Err(format!(
            "`{name}` is ambiguous: it is {}; write the qualified name",
            many.iter().map(|i| format!("`{}`", qualified(*i))).collect::<Vec<_>>().join(" or ")
        )),
    }
}

/// What a JSON value is, for messages.
fn kind_of(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// A JSON value in a message: itself when short, else what it is.
fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.len() <= 40 { s } else { kind_of(v).to_string() }
}

/// `15%` or `15 %`.
fn parse_percent(s: &str) -> Option<i64> {
    s.trim().strip_suffix('%')?.trim().parse().ok()
}

/// `60 s`, `400ms`, `1 min 30 s`, `2 h`: glass durations, summed, in ms.
fn parse_duration(s: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let n: i64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => 1,
            "s" | "sec" | "second" | "seconds" => 1_000,
            "min" | "minute" | "minutes" => 60_000,
            "h" | "hour" | "hours" => 3_600_000,
            "day" | "days" => 86_400_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
        rest = rest[unit_len..].trim_start();
    }
    Some(total)
}

/// `7:30` or `07:30`: the minute of the day.
fn parse_time(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m) && s.trim().len() - s.trim().find(':')? == 3).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glass_values_parse() {
        assert_eq!(parse_duration("60 s"), Some(60_000));
        assert_eq!(parse_duration("400ms"), Some(400));
        assert_eq!(parse_duration("1 min 30 s"), Some(90_000));
        assert_eq!(parse_duration("2 h"), Some(7_200_000));
        assert_eq!(parse_duration("60"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_percent("15%"), Some(15));
        assert_eq!(parse_percent("15"), None);
        assert_eq!(parse_time("07:30"), Some(450));
        assert_eq!(parse_time("7:30"), Some(450));
        assert_eq!(parse_time("24:00"), None);
        assert_eq!(parse_time("7:3"), None);
    }
}
