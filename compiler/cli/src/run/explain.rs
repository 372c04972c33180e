//! `--explain`: the runtime's trace turned into why each rule acted or not.

use super::*;

/// A rule run being explained: the trigger matched, the outcome follows.
pub(super) struct RunNote {
    pub(super) rule: u16,
    pub(super) outcome: Option<(&'static str, String)>,
    pub(super) restarted: Option<u16>,
    pub(super) fired: bool,
    pub(super) actions: Vec<String>,
}

impl<'a> Player<'a> {
    pub(super) fn stimulus_header(&mut self, step: &Step, line: usize, out: &mut impl Write) -> Result<(), UsageError> {
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

    pub(super) fn end_stimulus(&mut self, out: &mut impl Write) -> Result<(), UsageError> {
        if self.explain && self.noted == 0 {
            self.write_note(out, "stimulus", None, None, "no rule was triggered".into(), true)?;
        }
        Ok(())
    }

    /// Writes what the runtime recorded since the last drain.
    pub(super) fn drain(&mut self, host: &mut Recorder, out: &mut impl Write) -> Result<(), UsageError> {
        for record in std::mem::take(&mut host.records) {
            match record {
                Record::Emit { action, args, origin } => {
                    self.emitted += 1;
                    if !self.explain || self.json {
                        // An action of a tick that ran once for many says how many.
                        let ticks = self.caught_up.filter(|(rule, _)| *rule == origin.rule && !origin.delayed);
                        let line = self.emission_json(action, &args, origin, ticks.map(|(_, n)| n));
                        writeln!(out, "{line}").map_err(write_error)?;
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
                Record::Trace(event) => {
                    match event {
                        TraceEvent::TimerFired { .. } => self.caught_up = None,
                        TraceEvent::CaughtUp { rule, ticks, .. } => self.caught_up = Some((rule, ticks)),
                        _ => {}
                    }
                    if self.explain {
                        self.trace(event, out)?;
                    }
                }
            }
        }
        self.caught_up = None;
        self.flush_run(out)
    }

    pub(super) fn trace(&mut self, event: TraceEvent, out: &mut impl Write) -> Result<(), UsageError> {
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
            TraceEvent::RateLimited { rule, count, window_ms, shared } => {
                let line = self.program.rule(rule).map_or(0, |r| r.line);
                let times = if count == 1 { "once".to_string() } else { format!("{count} times") };
                let window = duration_text(i64::try_from(window_ms).unwrap_or(i64::MAX));
                let message = match shared {
                    // A limit the rule shares with others (`limit reminders`).
                    Some(limit) => {
                        let name = self.program.limit(limit).and_then(|l| self.program.name(l.name));
                        let which = name.map_or(format!("limit {limit}"), |n| format!("limit `{n}`"));
                        format!("{which} (at most {times} per {window}) refused it (line {line})")
                    }
                    None => format!("rate limit: at most {times} per {window} reached (line {line})"),
                };
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
            TraceEvent::Scheduled { rule, due_ms, timer: TraceTimer::Held } => {
                self.flush_run(out)?;
                let message = format!(
                    "{}: its condition started holding; it runs at {} if the condition still holds then ({} from now)",
                    self.rule_label(rule),
                    values::timestamp(due_ms),
                    self.held_text(rule).trim_start_matches("for ")
                );
                self.write_note(out, "held", Some(rule), Some("holding"), message, true)?;
            }
            TraceEvent::Scheduled { rule, due_ms, timer } => {
                let what = match timer {
                    TraceTimer::Emit { action } => self.action_name(action),
                    TraceTimer::Set { var } => format!("set {}", self.var_name(var)),
                    TraceTimer::Tick => "its next run".into(),
                    TraceTimer::Held => format!("its run if its condition holds {}", self.held_text(rule)),
                    TraceTimer::Window => "the end of its sequence's window".into(),
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
                            format!("every {}", duration_text(i64::try_from(period_ms).unwrap_or(i64::MAX)))
                        }
                        Some(Trigger::Daily { minute }) => {
                            format!("every day at {}", time_text(minute))
                        }
                        _ => "its next run".into(),
                    },
                    TraceTimer::Emit { action } => format!("delayed {}", self.action_name(action)),
                    TraceTimer::Set { var } => format!("delayed set {}", self.var_name(var)),
                    TraceTimer::Held => format!("its condition has held {}", self.held_text(rule)),
                    TraceTimer::Window => format!("its window ended without {}", self.absent_event(rule)),
                };
                let late = self.late.take().map_or(String::new(), |due| {
                    let budget = u64::from(self.program.timer_slots()) * (glass_runtime::runtime::MAX_CATCH_UP + 1);
                    format!(
                        " (late: due at {}; this step had already fired {budget} timers, its catch-up budget, so \
                         what is still due runs once, now)",
                        values::timestamp(due)
                    )
                });
                let message =
                    format!("at {}: timer of {}: {what}{late}", values::timestamp(due_ms), self.rule_label(rule));
                self.write_note(out, "timer", Some(rule), None, message, false)?;
            }
            TraceEvent::HeldBroken { rule } => {
                self.flush_run(out)?;
                let message = format!(
                    "{}: its condition stopped holding before it had held {}, so the rule waits for it to hold again",
                    self.rule_label(rule),
                    self.held_text(rule)
                );
                self.write_note(out, "held", Some(rule), Some("broken"), message, true)?;
            }
            TraceEvent::Late { due_ms, .. } => {
                self.flush_run(out)?;
                self.late = Some(due_ms);
            }
            TraceEvent::CaughtUp { rule, ticks, first_ms } => {
                let period = match self.program.rule(rule).map(|r| r.trigger) {
                    Some(Trigger::Every { period_ms }) => period_ms,
                    _ => 86_400_000,
                };
                let last = first_ms.saturating_add((ticks - 1).saturating_mul(period));
                let why = if ticks > glass_runtime::runtime::MAX_CATCH_UP {
                    format!("more than {} were due in this step", glass_runtime::runtime::MAX_CATCH_UP)
                } else {
                    "this step had already used its catch-up budget".to_string()
                };
                let message = format!(
                    "{} ran once for {ticks} due ticks, from {} to {} ({} missed): {why}, so one run stands for \
                     all, and the next tick stays on the rule's schedule",
                    self.rule_label(rule),
                    values::timestamp(first_ms),
                    values::timestamp(last),
                    ticks - 1,
                );
                self.write_note_with(out, "timer", Some(rule), Some("caught-up"), message, true, ticks)?;
            }
            TraceEvent::SequenceStep { rule, seen, len } => {
                self.flush_run(out)?;
                let Some(Trigger::Sequence { events, within_ms, .. }) = self.program.rule(rule).map(|r| r.trigger)
                else {
                    return Ok(());
                };
                let next = events.get(usize::from(seen)).map_or_else(String::new, |e| self.event_name(*e));
                let within = duration_text(i64::try_from(within_ms).unwrap_or(i64::MAX));
                let ends_absent = self.sequence_ends_absent(rule);
                let message = if seen == 0 {
                    let filtered = if self.sequence_filters(rule) { ", filtered out" } else { "" };
                    format!(
                        "{}: sequence: out of order{filtered} or too late, waiting for {next} to start it again",
                        self.rule_label(rule)
                    )
                } else if ends_absent && seen + 1 == len {
                    format!(
                        "{}: sequence: step {seen} of {len} seen, it runs when {within} from the first have passed without {next}",
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
            TraceEvent::SequenceCancelled { rule } => {
                self.flush_run(out)?;
                let message = format!(
                    "{}: sequence: {} came within the window, so the sequence starts over",
                    self.rule_label(rule),
                    self.absent_event(rule)
                );
                self.write_note(out, "sequence", Some(rule), Some("cancelled"), message, true)?;
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
                    glass_runtime::runtime::MAX_CASCADE
                );
                self.write_note(out, "variable", None, Some("cascade-cut"), message, true)?;
            }
        }
        Ok(())
    }

    /// Why the `ExitIfFalse` at `pc` of `rule` stopped it, from the compiler's debug table.
    pub(super) fn exit_reason(&self, rule: u16, pc: u32) -> (&'static str, String) {
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

    pub(super) fn flush_run(&mut self, out: &mut impl Write) -> Result<(), UsageError> {
        let Some(run) = self.run.take() else { return Ok(()) };
        let label = self.rule_label(run.rule);
        let (kind, message) = if run.fired {
            let restarted = run.restarted.map_or(String::new(), |n| {
                format!("restarted (cancelled {} of its last run), ", plural(usize::from(n), "delayed action"))
            });
            // Empty when no branch of an `if` applied.
            let actions = if run.actions.is_empty() { "no action ran".to_string() } else { run.actions.join(", ") };
            ("fired", format!("{restarted}fired: {actions}"))
        } else {
            run.outcome.unwrap_or(("stopped", "it did not act (this engine does not say why)".into()))
        };
        self.write_note(out, "rule", Some(run.rule), Some(kind), format!("{label}: {message}"), true)
    }

    /// One line of explanation: indented text, or a JSON object with `--message-format json`.
    pub(super) fn write_note(
        &mut self,
        out: &mut impl Write,
        kind: &str,
        rule: Option<u16>,
        outcome: Option<&str>,
        message: String,
        indent: bool,
    ) -> Result<(), UsageError> {
        self.write_note_with(out, kind, rule, outcome, message, indent, 0)
    }

    /// [`Player::write_note`], with the due ticks a run stood for (`"ticks"` in JSON when it
    /// is more than one).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_note_with(
        &mut self,
        out: &mut impl Write,
        kind: &str,
        rule: Option<u16>,
        outcome: Option<&str>,
        message: String,
        indent: bool,
        ticks: u64,
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
            if ticks > 1 {
                note.push(("ticks", json!(ticks)));
            }
            note.push(("message", json!(message)));
            writeln!(out, "{}", object(note)).map_err(write_error)
        } else {
            writeln!(out, "{}{message}", if indent { "  " } else { "" }).map_err(write_error)
        }
    }
}
