//! The units a number may carry, owned by the syntax layer: the lexer, the parser, the
//! checker's types and the IDE all read this one table.

use chumsky::span::SimpleSpan;

use super::lexer::{KEYWORDS, Token};

/// Units a number may carry, with their length in milliseconds (`None` for `%`, handled apart).
pub const DURATION_UNITS: &[(&str, u64)] = &[
    ("ms", 1),
    ("s", 1_000),
    ("sec", 1_000),
    ("second", 1_000),
    ("seconds", 1_000),
    ("min", 60_000),
    ("minute", 60_000),
    ("minutes", 60_000),
    ("h", 3_600_000),
    ("hour", 3_600_000),
    ("hours", 3_600_000),
    ("day", 86_400_000),
    ("days", 86_400_000),
];

/// The length of `unit` in milliseconds, or `None` if the word is not a duration unit.
pub fn unit_millis(unit: &str) -> Option<u64> {
    DURATION_UNITS.iter().find(|(u, _)| *u == unit).map(|(_, ms)| *ms)
}

/// A duration as glass writes it: in the largest of `h`, `min`, `s` and `ms` that divides it
/// exactly, and `0 s` for zero. Every place that shows a duration (hover, diagnostics, the CLI,
/// the test harness) prints through this, so they agree, and what it prints reads back as the
/// same number of milliseconds.
pub fn duration_text(ms: i64) -> String {
    if ms == 0 {
        return "0 s".into();
    }
    for (unit, size) in [("h", 3_600_000), ("min", 60_000), ("s", 1_000)] {
        if ms % size == 0 {
            return format!("{} {unit}", ms / size);
        }
    }
    format!("{ms} ms")
}

/// Spellings of one unit of a measure, the first as glass prints it. A profile may declare any
/// unit word for its values; these are the ones with more than one spelling (ASCII for the
/// keyboards without `°`).
const SPELLINGS: &[&[&str]] = &[
    &["°C", "℃", "degC", "celsius"],
    &["°F", "℉", "degF", "fahrenheit"],
    &["km/h", "kmh", "kph"],
    &["m/s", "mps"],
    &["lux", "lx"],
];

/// The unit `word` stands for, as glass prints it (`degC` is `°C`); other words stand for
/// themselves.
pub fn canonical_unit(word: &str) -> &str {
    SPELLINGS.iter().find(|s| s.contains(&word)).map_or(word, |s| s[0])
}

/// Other spellings of `unit` that read as it, for help lines (`degC` and `celsius` for `°C`).
pub fn other_spellings(unit: &str) -> &'static [&'static str] {
    SPELLINGS.iter().find(|s| s[0] == unit).map_or(&[], |s| &s[1..])
}

/// Words that follow a number in the grammar itself, which are never its unit.
const NOT_UNITS: &[&str] = &["times", "per", "at", "mode", "most", "once"];

/// Marks the unit words of a rule, test or variable: a word right after a number, when what
/// follows it goes on the item (`22 celsius)`, `120 kmh and ...`, the next step of a test), and
/// `WORD/WORD` written without spaces after a number (`120 km/h`). Durations keep their words
/// (the parser reads them), and so does a word that does not go on (`while speed > 20 chime` is
/// a missing `:`, which the syntax error explains).
pub(super) fn mark_units<'s>(text: &'s str, tokens: &mut Vec<(Token<'s>, SimpleSpan)>) {
    let mut i = 1;
    while i < tokens.len() {
        let (Token::Int(_), Token::Word(word)) = (tokens[i - 1].0, tokens[i].0) else {
            i += 1;
            continue;
        };
        let span = tokens[i].1;
        if KEYWORDS.contains(&word)
            || unit_millis(word).is_some()
            || unit_meant(word).is_some()
            || NOT_UNITS.contains(&word)
        {
            i += 1;
            continue;
        }
        // `km/h`: three tokens without a space between them.
        if let (Some((Token::Sym("/"), slash)), Some((Token::Word(per), end))) = (tokens.get(i + 1), tokens.get(i + 2))
            && slash.start == span.end
            && end.start == slash.end
            && !KEYWORDS.contains(per)
        {
            let unit = &text[span.start..end.end];
            tokens.splice(i..i + 3, [(Token::Unit(unit), SimpleSpan::from(span.start..end.end))]);
        } else if goes_on(tokens.get(i + 1).map(|(t, _)| t)) {
            tokens[i].0 = Token::Unit(word);
        }
        i += 1;
    }
}

/// Whether a value's unit may stand before `next`: the end of the item, punctuation that goes
/// on an expression, an operator word, or the clause or step that follows a value.
fn goes_on(next: Option<&Token<'_>>) -> bool {
    match next {
        // `after 10 s / 2 chime`: a word that ends the item is an action after a number.
        None => false,
        Some(Token::Sym(s)) => !matches!(*s, "(" | "."),
        Some(Token::Word(w)) => {
            matches!(*w, "and" | "or" | "for" | "then" | "where" | "matches" | "contains" | "while" | "at" | "mode")
                || matches!(*w, "limit")
                || matches!(*w, "set" | "fire" | "expect" | "within" | "else" | "if" | "after")
        }
        Some(Token::Str(_)) => false,
        Some(_) => false,
    }
}

/// The unit a common spelling glass does not take stands for.
pub(super) fn unit_meant(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "pct" | "percent" | "per-cent" | "percentage" => "%",
        "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => "ms",
        "secs" => "s",
        "mins" => "min",
        "hr" | "hrs" => "h",
        _ => return None,
    })
}
