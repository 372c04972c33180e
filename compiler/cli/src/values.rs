//! Runtime values and glass values: constants to the numbers and text indices a program takes,
//! and emitted values back to glass syntax for people (`60 s`, `15%`, `clip`, `"hi"`).

use glass_compiler::codegen::const_number;
use glass_compiler::scope::Scope;
use glass_compiler::syntax::lexer::quote;
use glass_compiler::types::{Const, Type};
use glass_runtime::Program;
use glass_runtime::format::HOST_TEXT_BASE;
use glass_runtime::runtime::Value;

/// The texts a host passes that the pack does not contain, by handle (`HOST_TEXT_BASE + i` is
/// text `i`): a reminder's title, a wake word the pack does not test for.
#[derive(Clone, Debug, Default)]
pub struct HostTexts(Vec<String>);

impl HostTexts {
    fn handle(&mut self, s: &str) -> i64 {
        let i = self.0.iter().position(|t| t == s).unwrap_or_else(|| {
            self.0.push(s.to_string());
            self.0.len() - 1
        });
        HOST_TEXT_BASE + i as i64
    }

    pub fn get(&self, handle: u32) -> Option<&str> {
        self.0.get(handle as usize).map(String::as_str)
    }
}

/// The runtime form of a constant: a number, the program's index of a text, or a host handle
/// for a text the program does not contain.
pub fn to_runtime(scope: &Scope, program: &Program<'_>, host: &mut HostTexts, c: &Const) -> i64 {
    match c {
        Const::Text(s) => program.text_id(s).map_or_else(|| host.handle(s), i64::from),
        c => const_number(scope, c).unwrap_or(0),
    }
}

/// Does an emitted value equal a constant of the test?
pub fn matches(scope: &Scope, program: &Program<'_>, host: &HostTexts, value: Value, expected: &Const) -> bool {
    match (value, expected) {
        (Value::Text(t), Const::Text(s)) => program.text(t) == Some(s.as_str()),
        (Value::HostText(h), Const::Text(s)) => host.get(h) == Some(s.as_str()),
        (Value::Num(n), c) => const_number(scope, c) == Some(n),
        _ => false,
    }
}

/// An emitted value as glass source would write it.
pub fn show(scope: &Scope, program: &Program<'_>, host: &HostTexts, ty: &Type, value: Value) -> String {
    let text = |t: Option<&str>| t.map_or_else(|| "<an unknown text>".into(), quote);
    match value {
        Value::Text(t) => text(program.text(t)),
        Value::HostText(h) => text(host.get(h)),
        Value::Num(n) => show_number(scope, ty, n),
    }
}

/// A number of the runtime as a constant of type `ty`, printed by the compiler's one printer of
/// constants; a number no constant of that type has (a time past midnight, an enum value past
/// the last) is shown as the number.
fn show_number(scope: &Scope, ty: &Type, n: i64) -> String {
    let constant = match ty {
        Type::Bool => Some(Const::Bool(n != 0)),
        Type::Percent => Some(Const::Percent(n)),
        Type::Duration => Some(Const::Duration(n)),
        Type::Time => u16::try_from(n).ok().filter(|m| *m < 24 * 60).map(Const::Time),
        Type::Enum(e) => scope
            .enum_def(e)
            .and_then(|d| usize::try_from(n).ok().and_then(|i| d.variants.get(i)))
            .map(|v| Const::Enum(e.clone(), v.as_str().into())),
        Type::Int | Type::Text | Type::Error => None,
    };
    constant.map_or_else(|| n.to_string(), |c| c.to_string())
}

/// Virtual time in a trace: `1 s`, `1 min 30 s`, `2 h 0 min 0.250 s`.
pub fn timestamp(ms: u64) -> String {
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1_000 % 60, ms % 1_000);
    let seconds = if milli == 0 { format!("{s} s") } else { format!("{s}.{milli:03} s") };
    match (h, m) {
        (0, 0) => seconds,
        (0, m) => format!("{m} min {seconds}"),
        (h, m) => format!("{h} h {m} min {seconds}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_count_up_from_seconds() {
        assert_eq!(timestamp(61_000), "1 min 1 s");
        assert_eq!(timestamp(250), "0.250 s");
        assert_eq!(timestamp(7_200_250), "2 h 0 min 0.250 s");
    }
}
