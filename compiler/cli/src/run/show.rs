//! Showing what the runtime emitted as glass writes it: names, values, JSON lines.

use super::*;

impl<'a> Player<'a> {
    pub(super) fn show_number(&self, ty: Option<&Type>, n: i64) -> String {
        match (ty, self.source) {
            (Some(ty), Some(source)) => {
                values::show(&source.scope, self.program, &values::HostTexts::default(), ty, Value::Num(n))
            }
            _ => n.to_string(),
        }
    }

    pub(super) fn text_of(&self, v: Value) -> Option<String> {
        match v {
            Value::Text(t) if t != NO_TEXT => self.program.text(t).map(str::to_string),
            Value::HostText(h) => self.host_texts.get(h as usize).cloned(),
            _ => None,
        }
    }

    /// An emitted value for JSON: glass values as glass writes them (`"60 s"`, `"clip"`), Int as
    /// numbers, Bool as booleans, texts as strings (`null` for an invalid text).
    pub(super) fn value_json(&self, ty: Option<&Type>, v: Value) -> Json {
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
    pub(super) fn action_def(&self, action: u16) -> Option<(usize, &'a glass_compiler::model::ActionDef)> {
        let source = self.source?;
        let i = source.output.symbols.actions.iter().position(|a| *a == Some(action))?;
        Some((i, source.scope.actions.get(i)?))
    }

    pub(super) fn action_name(&self, action: u16) -> String {
        self.program
            .action(action)
            .and_then(|a| self.program.name(a.name))
            .map_or_else(|| format!("action {action}"), str::to_string)
    }

    /// An emission as glass writes a call: `glasses.camera.record(kind: clip, duration: 60 s)`.
    pub(super) fn show_call(&self, action: u16, args: &[Value]) -> String {
        let def = self.action_def(action);
        let parts: Vec<String> = args
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let param = def.and_then(|(_, d)| d.params.get(i));
                let shown = match (v, param) {
                    (Value::Num(n), p) => {
                        let unit = p.map(|p| glass_compiler::model::unit_suffix(&p.unit)).unwrap_or_default();
                        format!("{}{unit}", self.show_number(p.map(|p| &p.ty), *n))
                    }
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

    /// The action line: `{"at":…,"action":…,"args":…,"rule":…,"line":…,"delayed":…}`, and
    /// `"ticks":N` when the run stood for N due ticks of its `every` or daily rule.
    pub(super) fn emission_json(&self, action: u16, args: &[Value], origin: Origin, ticks: Option<u64>) -> String {
        let args = match self.action_def(action) {
            Some((_, def)) if def.params.len() == args.len() => object(
                def.params.iter().zip(args).map(|(p, v)| (p.name.as_str(), self.value_json(Some(&p.ty), *v))).collect(),
            ),
            _ => Json::Array(args.iter().map(|v| self.value_json(None, *v)).collect()).to_string(),
        };
        let info = self.program.rule(origin.rule);
        let head = object(vec![("at", json!(origin.at_ms)), ("action", json!(self.action_name(action)))]);
        let mut tail = vec![
            ("rule", json!(self.rule_name(origin.rule))),
            ("line", json!(info.map(|r| r.line))),
            ("delayed", json!(origin.delayed)),
        ];
        if let Some(ticks) = ticks {
            tail.push(("ticks", json!(ticks)));
        }
        let tail = object(tail);
        format!("{},\"args\":{args},{}", &head[..head.len() - 1], &tail[1..])
    }

    pub(super) fn rule_name(&self, rule: u16) -> Option<String> {
        let info = self.program.rule(rule)?;
        (info.name != NO_TEXT).then(|| self.program.name(info.name).map(str::to_string)).flatten()
    }

    /// `rule `wheel-photo` (line 29)`, `the rule at line 10`.
    pub(super) fn rule_label(&self, rule: u16) -> String {
        crate::harness::show_rule(self.program, rule)
    }

    /// `for 10 s`: how long a held rule's condition must hold.
    pub(super) fn held_text(&self, rule: u16) -> String {
        let duration = match self.program.rule(rule).map(|r| r.trigger) {
            Some(glass_runtime::format::Trigger::Held { held }) => self.program.held(held).map(|h| h.duration_ms),
            _ => None,
        };
        duration.map_or_else(String::new, |ms| format!("for {}", duration_text(i64::try_from(ms).unwrap_or(i64::MAX))))
    }

    /// Whether sequence rule `rule` ends in an absence (`then no E`).
    pub(super) fn sequence_ends_absent(&self, rule: u16) -> bool {
        match self.program.rule(rule).map(|r| r.trigger) {
            Some(glass_runtime::format::Trigger::Sequence { len, steps, .. }) => {
                self.program.step(steps.saturating_add(u16::from(len).saturating_sub(1))).is_some_and(|s| s.absent)
            }
            _ => false,
        }
    }

    /// Whether a step of sequence rule `rule` has a filter.
    pub(super) fn sequence_filters(&self, rule: u16) -> bool {
        match self.program.rule(rule).map(|r| r.trigger) {
            Some(glass_runtime::format::Trigger::Sequence { len, steps, .. }) => {
                (0..u16::from(len)).any(|k| self.program.step(steps.saturating_add(k)).is_some_and(|s| s.code_len > 0))
            }
            _ => false,
        }
    }

    /// The event the last step of sequence rule `rule` says must not come.
    pub(super) fn absent_event(&self, rule: u16) -> String {
        match self.program.rule(rule).map(|r| r.trigger) {
            Some(glass_runtime::format::Trigger::Sequence { events, len, .. }) => {
                events.get(usize::from(len).saturating_sub(1)).map_or_else(String::new, |e| self.event_name(*e))
            }
            _ => String::new(),
        }
    }

    pub(super) fn var_name(&self, var: u16) -> String {
        self.program
            .var(var)
            .and_then(|v| self.program.name(v.name))
            .map_or_else(|| format!("variable {var}"), str::to_string)
    }

    pub(super) fn var_type(&self, var: u16) -> Option<&'a Type> {
        let source = self.source?;
        let i = source.output.symbols.vars.iter().position(|v| *v == Some(var))?;
        Some(&source.scope.vars.get(i)?.ty)
    }

    /// How glass names a program event: its short form with the source, else its name.
    pub(super) fn event_name(&self, event: u16) -> String {
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
}

/// A JSON object with its keys in the order given (`serde_json` would sort them).
pub(super) fn object(fields: Vec<(&str, Json)>) -> String {
    let fields: Vec<String> = fields.into_iter().map(|(k, v)| format!("{}:{v}", Json::from(k))).collect();
    format!("{{{}}}", fields.join(","))
}

/// The source text of a span on one line (a condition written over several lines is joined).
pub(super) fn snippet(text: &str, span: Span) -> String {
    text.get(span.range()).unwrap_or("...").split_whitespace().collect::<Vec<_>>().join(" ")
}
