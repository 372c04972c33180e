//! The units a number may carry, owned by the syntax layer: the lexer, the parser, the
//! checker's types and the IDE all read this one table.

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
