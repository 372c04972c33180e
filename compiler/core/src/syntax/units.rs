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
