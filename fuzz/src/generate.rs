//! A structure-aware generator: packs as product teams write them, drawn from the vocabulary of
//! the example profiles, so most inputs get past the parser and the checker into codegen, the
//! verifier and both engines. The fuzzer's bytes steer every choice (`arbitrary::Unstructured`),
//! so its mutations move through the space of well-typed packs; one choice in sixteen is a
//! natural mistake instead (a misspelt name, a missing unit, a wrong type) to keep the error
//! paths in play.

use std::fmt::Write as _;

use arbitrary::{Result, Unstructured};
use glass_compiler::model::PRIVACY_CLASSES;
use glass_compiler::types::Type;
use glassc::session::Session;

/// The profile sets a generated pack can use (each checks clean on its own).
const PROFILE_SETS: [&[&str]; 4] = [
    &["xiaomi-ai-glasses", "xiaomi-phone", "xiaomi-car", "mi-home"],
    &["ray-ban-meta", "meta-ai-phone"],
    &["quark-ai-glasses", "android-phone"],
    &["huawei-glasses", "harmony-phone", "harmony-screen", "huawei-watch"],
];

/// A parameter: its name, its type, and whether a call must give it (it has no default).
pub type Param = (String, Type, bool);

/// What a pack using one profile set can name.
pub struct Vocabulary {
    pub uses: &'static [&'static str],
    /// Qualified event names with their parameters.
    pub events: Vec<(String, Vec<(String, Type)>)>,
    pub states: Vec<(String, Type)>,
    /// Qualified action names with their parameters, each with whether it must be given.
    pub actions: Vec<(String, Vec<Param>)>,
    pub enums: Vec<(String, Vec<String>)>,
}

/// The vocabularies, read from the example profiles once.
pub fn vocabularies() -> &'static [Vocabulary] {
    static VOCABULARIES: std::sync::OnceLock<Vec<Vocabulary>> = std::sync::OnceLock::new();
    VOCABULARIES.get_or_init(|| PROFILE_SETS.iter().map(|uses| Vocabulary::of(uses)).collect())
}

impl Vocabulary {
    fn of(uses: &'static [&'static str]) -> Vocabulary {
        let root = crate::repo_root().join("examples/profiles");
        let mut inputs = glassc::inputs::load(std::slice::from_ref(&root), &[]).unwrap_or_else(|e| panic!("{e}"));
        inputs.insert(
            0,
            glassc::inputs::Input {
                path: "vocabulary.glass".into(),
                text: format!("use {}\non x: y\n", uses.join(", ")),
                invalid_utf8: None,
            },
        );
        let session = Session::new(inputs);
        let Some((_, Some(file))) = session.files.first() else { panic!("the vocabulary pack did not load") };
        let scope = glass_compiler::db::pack_scope(&session.db, session.ws, *file);
        let params =
            |list: &[glass_compiler::model::ParamDef]| list.iter().map(|p| (p.name.clone(), p.ty.clone())).collect();
        Vocabulary {
            uses,
            events: (0..scope.events.len())
                .map(|i| (scope.event_qualified(i), params(&scope.events[i].params)))
                .collect(),
            states: (0..scope.states.len()).map(|i| (scope.state_qualified(i), scope.states[i].ty.clone())).collect(),
            actions: (0..scope.actions.len())
                .map(|i| {
                    let params = scope.actions[i].params.iter();
                    let params = params.map(|p| (p.name.clone(), p.ty.clone(), p.default.is_none())).collect();
                    (scope.action_qualified(i), params)
                })
                .collect(),
            enums: scope.enums.iter().map(|e| (e.name.to_string(), e.variants.clone())).collect(),
        }
    }
}

/// A generated pack: its text, and whether the generator meant it to check clean.
pub struct Generated {
    pub text: String,
    pub mistakes: usize,
}

struct Gen<'v, 'u, 'd> {
    u: &'u mut Unstructured<'d>,
    v: &'v Vocabulary,
    /// Pack variables: name and whether it is Int (else Bool).
    vars: Vec<(String, bool)>,
    /// Whether this pack may have mistakes at all (one in four does).
    careless: bool,
    mistakes: usize,
}

/// A pack read from the fuzzer's bytes.
pub fn pack(u: &mut Unstructured<'_>) -> Result<Generated> {
    let vocabularies = vocabularies();
    let v = &vocabularies[usize::from(u.arbitrary::<u8>()?) % vocabularies.len()];
    let careless = u.ratio(1, 4)?;
    let mut g = Gen { u, v, vars: Vec::new(), careless, mistakes: 0 };
    let mut text = String::new();
    writeln!(text, "pack generated \"A generated pack: 眼镜 🕶\"").ok();
    writeln!(text, "use {}", v.uses.join(", ")).ok();
    if !g.mistake()? {
        writeln!(text, "permit {}", PRIVACY_CLASSES.join(", ")).ok();
    }
    for i in 0..g.u.int_in_range(0..=3)? {
        let name = format!("v{i}");
        if g.u.arbitrary()? {
            let (lo, hi) = (g.u.int_in_range(-100..=0)?, g.u.int_in_range(1..=1000)?);
            writeln!(text, "var {name}: Int {lo}..{hi} = 0").ok();
            g.vars.push((name, true));
        } else {
            writeln!(text, "var {name}: Bool = false").ok();
            g.vars.push((name, false));
        }
    }
    for i in 0..g.u.int_in_range(1..=8)? {
        text.push('\n');
        g.rule(&mut text, i)?;
    }
    for i in 0..g.u.int_in_range(0..=3)? {
        text.push('\n');
        g.test(&mut text, i)?;
    }
    Ok(Generated { text, mistakes: g.mistakes })
}

impl Gen<'_, '_, '_> {
    /// In a careless pack, one time in sixteen: make a natural mistake here.
    fn mistake(&mut self) -> Result<bool> {
        let m = self.careless && self.u.ratio(1, 16)?;
        self.mistakes += usize::from(m);
        Ok(m)
    }

    /// A name as written, sometimes misspelt.
    fn name(&mut self, name: &str) -> Result<String> {
        if !self.mistake()? {
            return Ok(name.to_string());
        }
        let mut chars: Vec<char> = name.chars().collect();
        let i = self.u.choose_index(chars.len().max(1))?.min(chars.len().saturating_sub(1));
        match self.u.int_in_range(0..=2)? {
            0 if !chars.is_empty() => drop(chars.remove(i)),
            1 => chars.insert(i, 'x'),
            _ => chars.insert(i, 'é'),
        }
        Ok(chars.into_iter().collect())
    }

    fn rule(&mut self, out: &mut String, i: u32) -> Result<()> {
        if self.u.arbitrary()? {
            write!(out, "rule r{i}: ").ok();
        }
        let payload = self.trigger(out)?;
        if self.u.ratio(2, 3)? {
            out.push_str(" while ");
            let cond = self.expr(&Type::Bool, 3, &payload)?;
            out.push_str(&cond);
            if self.u.ratio(1, 4)? {
                write!(out, " for {}", self.duration()?).ok();
            }
        }
        if self.u.ratio(1, 4)? {
            let mode = *self.u.choose(&["single", "restart", "queued"])?;
            write!(out, " mode {mode}").ok();
        }
        if self.u.ratio(1, 4)? {
            match self.u.int_in_range(1..=5)? {
                1 => write!(out, " at most once per {}", self.duration()?).ok(),
                n => write!(out, " at most {n} times per {}", self.duration()?).ok(),
            };
        }
        out.push(':');
        let n = self.u.int_in_range(1..=3)?;
        for k in 0..n {
            out.push_str(if k == 0 { " " } else { ", " });
            self.action(out, &payload)?;
        }
        out.push('\n');
        Ok(())
    }

    /// Writes a trigger; returns the payload fields a condition may read.
    fn trigger(&mut self, out: &mut String) -> Result<Vec<(String, Type)>> {
        let v = self.v;
        match self.u.int_in_range(0..=9)? {
            0..=3 if !v.events.is_empty() => {
                let (event, params) = self.u.choose(&v.events)?;
                write!(out, "on {}", self.name(event)?).ok();
                if !params.is_empty() && self.u.ratio(1, 3)? {
                    let cond = self.expr(&Type::Bool, 2, params)?;
                    write!(out, " where {cond}").ok();
                }
                Ok(params.clone())
            }
            4..=6 if !v.states.is_empty() => {
                let (state, ty) = self.u.choose(&v.states)?;
                write!(out, "on {}", self.name(state)?).ok();
                let numeric = matches!(ty, Type::Int | Type::Percent);
                match self.u.int_in_range(0..=3)? {
                    0 | 1 if numeric => {
                        let dir = if self.u.arbitrary()? { "above" } else { "below" };
                        write!(out, " {dir} {}", self.literal(ty)?).ok();
                    }
                    0 | 1 => {
                        write!(out, " becomes {}", self.literal(ty)?).ok();
                    }
                    2 => {
                        // The value held for a time: `on speed above 120 for 10 s`.
                        let change = if numeric { " above" } else { " becomes" };
                        write!(out, "{change} {} for {}", self.literal(ty)?, self.duration()?).ok();
                    }
                    _ => out.push_str(" changes"),
                }
                Ok(Vec::new())
            }
            9 if self.u.ratio(1, 2)? => {
                // A held trigger: `on CONDITION for D`.
                let cond = self.expr(&Type::Bool, 2, &[])?;
                write!(out, "on {cond} for {}", self.duration()?).ok();
                Ok(Vec::new())
            }
            7 if v.events.len() >= 2 => {
                let n = self.u.int_in_range(2..=3)?;
                out.push_str("on ");
                for k in 0..n {
                    if k > 0 {
                        out.push_str(" then ");
                    }
                    let (event, _) = self.u.choose(&v.events)?;
                    out.push_str(event);
                }
                write!(out, " within {}", self.duration()?).ok();
                Ok(Vec::new())
            }
            8 => {
                let (h, m) = (self.u.int_in_range(0..=23)?, self.u.int_in_range(0..=59)?);
                write!(out, "every day at {h:02}:{m:02}").ok();
                Ok(Vec::new())
            }
            _ => {
                write!(out, "every {}", self.duration()?).ok();
                Ok(Vec::new())
            }
        }
    }

    fn action(&mut self, out: &mut String, payload: &[(String, Type)]) -> Result<()> {
        if self.u.ratio(1, 5)? {
            write!(out, "after {} ", self.duration()?).ok();
        }
        if !self.vars.is_empty() && self.u.ratio(1, 4)? {
            let (var, int) = self.u.choose(&self.vars)?.clone();
            let ty = if int { Type::Int } else { Type::Bool };
            let value = self.expr(&ty, 2, payload)?;
            write!(out, "set {var} = {value}").ok();
            return Ok(());
        }
        let v = self.v;
        let Ok((action, params)) = self.u.choose(&v.actions) else { return Ok(()) };
        out.push_str(&self.name(action)?);
        let mut args = Vec::new();
        for (name, ty, required) in params {
            if *required || self.u.ratio(1, 2)? {
                args.push(format!("{name}: {}", self.expr(ty, 1, payload)?));
            }
        }
        if !args.is_empty() {
            write!(out, "({})", args.join(", ")).ok();
        }
        Ok(())
    }

    /// A duration literal in a unit a team would write.
    fn duration(&mut self) -> Result<String> {
        if self.mistake()? {
            return Ok(self.u.int_in_range(1..=100u32)?.to_string());
        }
        let unit = *self.u.choose(&["ms", "s", "min", "h", "day"])?;
        let n: u32 = match unit {
            "ms" => self.u.int_in_range(1..=5000)?,
            "day" => self.u.int_in_range(1..=3)?,
            _ => self.u.int_in_range(1..=90)?,
        };
        Ok(format!("{n} {unit}"))
    }

    /// An expression of type `ty`, at most `depth` operators deep.
    fn expr(&mut self, ty: &Type, depth: u32, payload: &[(String, Type)]) -> Result<String> {
        // A wrong type now and then: the checker must say so, never crash.
        let ty = if self.mistake()? {
            self.u.choose(&[Type::Bool, Type::Int, Type::Text, Type::Duration])?.clone()
        } else {
            ty.clone()
        };
        let named = self.named(&ty, payload)?;
        if depth == 0 || self.u.ratio(1, 3)? {
            return match named {
                Some(name) if self.u.arbitrary()? => Ok(name),
                _ => self.literal(&ty),
            };
        }
        Ok(match ty {
            Type::Bool => match self.u.int_in_range(0..=5)? {
                0 => format!("not {}", self.expr(&Type::Bool, depth - 1, payload)?),
                1 => format!(
                    "{} and {}",
                    self.expr(&Type::Bool, depth - 1, payload)?,
                    self.expr(&Type::Bool, depth - 1, payload)?
                ),
                2 => format!(
                    "({} or {})",
                    self.expr(&Type::Bool, depth - 1, payload)?,
                    self.expr(&Type::Bool, depth - 1, payload)?
                ),
                3 => {
                    // Texts: exactly, or by their words.
                    let op = *self.u.choose(&["==", "!=", "matches", "contains"])?;
                    format!(
                        "{} {op} {}",
                        self.expr(&Type::Text, depth - 1, payload)?,
                        self.expr(&Type::Text, depth - 1, payload)?
                    )
                }
                _ => {
                    let operand = self.u.choose(&[Type::Int, Type::Percent, Type::Duration, Type::Time])?.clone();
                    let op = *self.u.choose(&["==", "!=", "<", "<=", ">", ">="])?;
                    format!(
                        "{} {op} {}",
                        self.expr(&operand, depth - 1, payload)?,
                        self.expr(&operand, depth - 1, payload)?
                    )
                }
            },
            Type::Int | Type::Percent => {
                let op = *self.u.choose(&["+", "-", "*", "/"])?;
                let right_ty = if matches!(op, "*" | "/") { Type::Int } else { ty.clone() };
                format!("{} {op} {}", self.expr(&ty, depth - 1, payload)?, self.expr(&right_ty, depth - 1, payload)?)
            }
            Type::Duration if self.u.arbitrary()? => {
                format!("{} + {}", self.expr(&ty, depth - 1, payload)?, self.expr(&ty, depth - 1, payload)?)
            }
            _ => match named {
                Some(name) => name,
                None => self.literal(&ty)?,
            },
        })
    }

    /// A state, variable or payload field of type `ty`, if there is one.
    fn named(&mut self, ty: &Type, payload: &[(String, Type)]) -> Result<Option<String>> {
        let mut names: Vec<String> = payload.iter().filter(|(_, t)| t == ty).map(|(n, _)| n.clone()).collect();
        names.extend(self.v.states.iter().filter(|(_, t)| t == ty).map(|(n, _)| n.clone()));
        let want_int = match ty {
            Type::Int => Some(true),
            Type::Bool => Some(false),
            _ => None,
        };
        names.extend(self.vars.iter().filter(|(_, int)| Some(*int) == want_int).map(|(n, _)| n.clone()));
        if names.is_empty() {
            return Ok(None);
        }
        let name = self.u.choose(&names)?.clone();
        Ok(Some(self.name(&name)?))
    }

    fn literal(&mut self, ty: &Type) -> Result<String> {
        Ok(match ty {
            Type::Bool => (if self.u.arbitrary()? { "true" } else { "false" }).to_string(),
            Type::Int => match self.u.int_in_range(0..=9)? {
                0 => "9223372036854775807".to_string(),
                1 => "0".to_string(),
                _ => self.u.int_in_range(0..=200u32)?.to_string(),
            },
            Type::Percent => format!("{}%", self.u.int_in_range(0..=100u32)?),
            Type::Duration => self.duration()?,
            Type::Text => {
                let texts = [
                    "XiaoAi",
                    "hey glasses",
                    "早上好",
                    "Eyes on the road 🚗",
                    "",
                    "a \\\"quoted\\\" word",
                    "Hey, Glasses!",
                    "小爱同学，拍照",
                ];
                format!("\"{}\"", self.u.choose(&texts)?)
            }
            Type::Time => format!("{:02}:{:02}", self.u.int_in_range(0..=23)?, self.u.int_in_range(0..=59)?),
            Type::Enum(name) => {
                let variants =
                    self.v.enums.iter().find(|(n, _)| **n == **name).map(|(_, v)| v.clone()).unwrap_or_default();
                match self.u.choose(&variants) {
                    Ok(variant) => self.name(variant)?,
                    Err(_) => "true".to_string(),
                }
            }
            Type::Error => "0".to_string(),
        })
    }

    fn test(&mut self, out: &mut String, i: u32) -> Result<()> {
        writeln!(out, "test \"t{i} 测试\" {{").ok();
        let mut at_ms: u64 = 0;
        for _ in 0..self.u.int_in_range(1..=8)? {
            if self.u.ratio(1, 2)? {
                at_ms = at_ms.saturating_add(self.u.int_in_range(1..=600_000u64)?);
                write!(out, "  at {at_ms} ms: ").ok();
            } else {
                out.push_str("  ");
            }
            let v = self.v;
            match self.u.int_in_range(0..=3)? {
                0 if !v.states.is_empty() => {
                    let (state, ty) = self.u.choose(&v.states)?;
                    let value = self.literal(ty)?;
                    write!(out, "set {state} = {value}").ok();
                }
                1 | 2 if !v.events.is_empty() => {
                    let (event, params) = self.u.choose(&v.events)?;
                    let mut args = Vec::new();
                    for (name, ty) in params {
                        args.push(format!("{name}: {}", self.literal(ty)?));
                    }
                    if args.is_empty() {
                        write!(out, "fire {event}").ok();
                    } else {
                        write!(out, "fire {event}({})", args.join(", ")).ok();
                    }
                }
                _ if !v.actions.is_empty() => {
                    let (action, _) = self.u.choose(&v.actions)?;
                    let no = if self.u.arbitrary()? { "no " } else { "" };
                    write!(out, "expect {no}{action}").ok();
                }
                _ => out.push_str("expect no glasses.chime"),
            }
            out.push('\n');
        }
        out.push_str("}\n");
        Ok(())
    }
}
