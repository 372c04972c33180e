//! Reading the events file: each line resolved to a stimulus, names and values checked.

use super::*;

/// One line of the events file, resolved.
pub(super) struct Step {
    pub(super) at: u64,
    pub(super) stimulus: Stimulus,
}

pub(super) enum Stimulus {
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
pub(super) enum FieldType {
    Glass(Type),
    Num,
    Text,
}

impl FieldType {
    pub(super) fn of_kind(kind: Kind) -> FieldType {
        match kind {
            Kind::Num => FieldType::Num,
            Kind::Text => FieldType::Text,
        }
    }
}

impl<'a> Player<'a> {
    pub(super) fn parse(&mut self, line: &str, last_at: u64) -> Result<Step, String> {
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

    pub(super) fn event(&mut self, name: &str, payload: Option<&Json>) -> Result<Stimulus, String> {
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
    pub(super) fn payload(
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

    pub(super) fn state(&mut self, name: &str, value: &Json) -> Result<Stimulus, String> {
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

    pub(super) fn var(&mut self, name: &str, value: &Json) -> Result<Stimulus, String> {
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
    pub(super) fn program_entry(
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
    pub(super) fn value(&mut self, ty: &FieldType, v: &Json) -> Result<(i64, String), String> {
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

    pub(super) fn host_text(&mut self, s: &str) -> i64 {
        let i = self.host_texts.iter().position(|t| t == s).unwrap_or_else(|| {
            self.host_texts.push(s.to_string());
            self.host_texts.len() - 1
        });
        glass_runtime::format::HOST_TEXT_BASE + i as i64
    }
}

/// A name as glass writes it, as a path to resolve.
pub(super) fn path(name: &str) -> NamePath {
    let span = Span::new(0, 0);
    NamePath { segments: name.split('.').map(|s| Spanned { node: s.to_string(), span }).collect(), span }
}

/// The one match of a name, or why there is none.
pub(super) fn resolve(
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
pub(super) fn kind_of(v: &Json) -> &'static str {
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
pub(super) fn short(v: &Json) -> String {
    let s = v.to_string();
    if s.len() <= 40 { s } else { kind_of(v).to_string() }
}

/// `15%` or `15 %`.
pub(super) fn parse_percent(s: &str) -> Option<i64> {
    s.trim().strip_suffix('%')?.trim().parse().ok()
}

/// `60 s`, `400ms`, `1 min 30 s`, `2 h`: glass durations (the units of `syntax::units`), summed, in ms.
pub(super) fn parse_duration(s: &str) -> Option<i64> {
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
        // The units glass source takes, from the syntax layer's one table.
        let unit = i64::try_from(unit_millis(&rest[..unit_len])?).ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        rest = rest[unit_len..].trim_start();
    }
    Some(total)
}

/// `7:30` or `07:30`: the minute of the day.
pub(super) fn parse_time(s: &str) -> Option<i64> {
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
