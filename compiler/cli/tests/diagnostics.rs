//! The diagnostics corpus at the CLI edge. Each program in `tests/data/invalid` names the codes it
//! must report in its first line (`# expect: E0101 E0201`, `E0001*200` for repeats); programs in
//! `tests/data/valid` report nothing. All are checked against the fixed profiles in
//! `tests/data/profiles`. No input may panic or point outside its text.
//!
//! Where each diagnostic points is asserted for every program by the core check test
//! (`compiler/core/tests/check.rs`). Here, the rendered report is snapshotted once per code: the
//! code's representative is the alphabetically first program named after it (`E0101-….glass`),
//! and its snapshot keeps the program's name (`diagnostics__E0101-crlf-line-endings.snap`).

use std::collections::BTreeSet;
use std::path::Path;

use glass_compiler::codes;
use glass_compiler::db::MAX_DIAGNOSTICS_PER_FILE;
use glass_compiler::span::Span;
use glassc::inputs::{self, Input};
use glassc::render::{Sources, human};
use glassc::session::Session;

/// Programs the compiler gets wrong today. An invalid program's header says what it should report;
/// until the bug is fixed they are only checked for panics and spans: no codes, no snapshot.
const KNOWN_BUGS: &[(&str, &str)] = &[];

/// Programs whose rendered report is snapshotted besides each code's representative: mistakes
/// whose point is the wording of the message and its help (issue #13, diagnostics that never
/// mislead).
const RENDERED: &[&str] = &[
    "E0003-absent-step-first",
    "E0003-absent-step-not-last",
    "E0003-argument-with-equals-sign",
    "E0003-more-habits-of-other-languages",
    "E0003-on-every",
    "E0003-options-after-the-actions",
    "E0003-rules-written-as-in-other-languages",
    "E0003-where-after-the-window-of-a-sequence",
    "E0003-where-on-a-sequence",
    "E0003-where-on-a-state-change",
    "E0013-measures-without-units",
    "E0013-unit-words-glass-does-not-know",
    "E0101-event-of-unused-profile",
    "E0101-typo-of-a-gesture-the-pack-handles",
    "E0103-action-of-unused-device",
    "E0105-misspelt-field-of-a-sequence-step",
    "E0105-state-of-an-unused-profile",
    "E0116-field-of-the-absent-step",
    "E0201-bare-numbers-in-windows",
    "E0201-unit-on-the-wrong-side",
    "E0202-units-swapped",
];

/// Diagnostics that have no help line today: (program, code).
const MISSING_HELP: &[(&str, &str)] = &[];

/// The `.glass` files of a folder under `tests/data`, shown by their path from there.
fn load(dir: &str) -> Vec<(String, Input)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let paths = inputs::glass_files(&[root.join(dir)]).expect("test data");
    let mut files = Vec::new();
    for path in paths {
        let stem = path.file_stem().expect("a name").to_string_lossy().into_owned();
        let name = format!("{dir}/{stem}.glass");
        files.push((stem, Input { path: name, ..inputs::read(&path).expect("readable") }));
    }
    files
}

fn known_bug(stem: &str) -> bool {
    KNOWN_BUGS.iter().any(|(name, _)| *name == stem)
}

fn input(text: impl Into<String>) -> Input {
    Input { path: "input.glass".into(), text: text.into(), invalid_utf8: None }
}

struct Report {
    codes: Vec<String>,
    rendered: String,
    lacking_help: Vec<String>,
}

/// Checks `input` with the test profiles (which must stay clean) and renders up to `render`
/// diagnostics. Every span must lie in its file's text, on character boundaries.
fn check(input: Input, render: usize) -> Report {
    let mut files: Vec<Input> = load("profiles").into_iter().map(|(_, p)| p).collect();
    files.push(input);
    let session = Session::new(files);
    let target = session.files.len() - 1;
    let path = session.files[target].0.path.as_str();
    let text_of =
        |file: Option<&str>| session.files.iter().find(|(i, _)| i.path == file.unwrap_or(path)).map(|f| &f.0.text);
    let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
    let mut report = Report { codes: Vec::new(), rendered: String::new(), lacking_help: Vec::new() };
    for (file, d) in session.diagnostics() {
        assert_eq!(file, target, "a test profile reports {}: {}", d.code, d.message);
        assert!(!d.message.is_empty() && !d.primary.message.is_empty(), "{path}: {} lacks a message", d.code);
        let mut spans: Vec<(Option<&str>, Span)> = vec![(None, d.primary.span)];
        spans.extend(d.secondary.iter().map(|l| (l.file.as_deref(), l.span)));
        spans.extend(d.fix.iter().map(|f| (None, f.span)));
        for (file, span) in spans {
            let text = text_of(file).unwrap_or_else(|| panic!("{path}: {} points into unknown {file:?}", d.code));
            let inside = span.start <= span.end && span.end as usize <= text.len();
            let whole =
                inside && text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize);
            assert!(whole, "{path}: {} has span {span:?} outside its text or inside a character", d.code);
        }
        if d.help.as_deref().is_none_or(str::is_empty) {
            report.lacking_help.push(d.code.to_string());
        }
        if report.codes.len() < render {
            report.rendered.push_str(&human(&d, path, &sources, false));
        }
        report.codes.push(d.code.to_string());
    }
    let lines: Vec<&str> = report.rendered.lines().map(str::trim_end).collect();
    report.rendered = lines.join("\n");
    report
}

/// The codes a program's first line expects, `E0001*3` standing for three.
fn expected_codes(text: &str) -> Vec<String> {
    let header = text.lines().next().and_then(|l| l.strip_prefix("# expect:")).expect("an `# expect:` line");
    let mut codes = Vec::new();
    for word in header.split_whitespace() {
        let (code, n) = word.split_once('*').unwrap_or((word, "1"));
        codes.extend(std::iter::repeat_n(code.to_string(), n.parse().expect("a count")));
    }
    codes
}

/// The code a program is named after: `E0101` for `E0101-misspelt-event`.
fn named_code(stem: &str) -> Option<&str> {
    stem.split_once('-').map(|(code, _)| code).filter(|code| codes::lookup(code).is_some())
}

/// The programs whose report is snapshotted: for each code, the first program named after it
/// (`programs` is sorted by name).
fn representatives(programs: &[(String, Input)]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut chosen = BTreeSet::new();
    for (stem, program) in programs {
        if let Some(code) = named_code(stem).filter(|code| seen.insert(code.to_string())) {
            assert!(expected_codes(&program.text).iter().any(|c| c == code), "{stem} does not expect {code}");
            chosen.insert(stem.clone());
        }
    }
    chosen
}

#[test]
fn invalid_programs_report_exactly_their_expected_codes() {
    let programs = load("invalid");
    assert!(programs.len() >= 45, "only {} invalid programs", programs.len());
    let mut wrong = Vec::new();
    let mut snapshots = Vec::new();
    let representatives = representatives(&programs);
    for (stem, program) in programs {
        let mut expected = expected_codes(&program.text);
        let mut report = check(program, usize::MAX);
        if known_bug(&stem) {
            continue;
        }
        expected.sort();
        report.codes.sort();
        if report.codes != expected {
            wrong.push(format!("{stem}: expected {expected:?}, reported {:?}\n{}", report.codes, report.rendered));
        }
        if representatives.contains(&stem) || RENDERED.contains(&stem.as_str()) {
            snapshots.push((stem, report.rendered));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    for (stem, rendered) in snapshots {
        insta::assert_snapshot!(stem, rendered);
    }
}

#[test]
fn valid_programs_report_nothing() {
    for (stem, program) in load("valid") {
        let report = check(program, usize::MAX);
        assert!(report.codes.is_empty() || known_bug(&stem), "{stem}:\n{}", report.rendered);
    }
}

#[test]
fn every_code_has_an_invalid_program_and_every_known_bug_a_program() {
    let programs = load("invalid");
    let mut covered: BTreeSet<String> = programs.iter().flat_map(|(_, p)| expected_codes(&p.text)).collect();
    // E0601 needs a pack of over 2048 different texts: tests/backend.rs builds one.
    covered.insert("E0601".to_string());
    // E0503 comes from building a pack for a family without products: tests/backend.rs builds one.
    covered.insert("E0503".to_string());
    let programs = [programs, load("valid")].concat();
    let missing: Vec<&str> = codes::ALL.iter().map(|c| c.code.0).filter(|c| !covered.contains(*c)).collect();
    assert!(missing.is_empty(), "codes without an invalid program: {missing:?}");
    // Each code's rendered snapshot comes from a program named after it.
    let named: BTreeSet<&str> = programs.iter().filter_map(|(stem, _)| named_code(stem)).collect();
    let unnamed: Vec<&str> =
        codes::ALL.iter().map(|c| c.code.0).filter(|c| !["E0601", "E0503"].contains(c) && !named.contains(c)).collect();
    assert!(unnamed.is_empty(), "codes without a program named after them: {unnamed:?}");
    let listed = KNOWN_BUGS.iter().map(|(s, _)| s).chain(MISSING_HELP.iter().map(|(s, _)| s)).chain(RENDERED);
    let stale: Vec<&&str> = listed.filter(|s| !programs.iter().any(|(stem, _)| stem == *s)).collect();
    assert!(stale.is_empty(), "known problems listed for programs that do not exist: {stale:?}");
}

#[test]
fn no_span_leaves_its_text_or_splits_a_character() {
    // `check` asserts it for every diagnostic; these inputs put multi-byte characters at the edges.
    for text in [
        "use lab-glasses\non button-press: say(message: \"é\\é\")",
        "use lab-glasses\non button-press: say(message: \"📸 not closed",
        "use lab-glasses\non 📸-press: chime ¤",
        "use lab-glasses\non button-press while battery < 20s: say(message: \"€\"), chim€",
        "é",
        "\u{feff}use lab-glasses",
    ] {
        check(input(text), usize::MAX);
    }
    for (_, program) in load("invalid").into_iter().chain(load("valid")) {
        check(program, 0);
    }
}

#[test]
fn every_diagnostic_has_a_help_line() {
    let mut lacking = BTreeSet::new();
    for (stem, program) in load("invalid").into_iter().chain(load("valid")) {
        lacking.extend(check(program, 0).lacking_help.into_iter().map(|code| (stem.clone(), code)));
    }
    let known: BTreeSet<(String, String)> = MISSING_HELP.iter().map(|(s, c)| (s.to_string(), c.to_string())).collect();
    assert_eq!(lacking, known, "diagnostics without a help line (update MISSING_HELP when one is fixed)");
}

/// Deterministic noise (xorshift64), so every run checks the same bytes.
fn noise(len: usize, mut state: u64, printable: bool) -> Vec<u8> {
    let mut byte = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..len).map(|_| if printable { b' ' + (byte() % 95) as u8 } else { byte() as u8 }).collect()
}

/// Many diagnostics, each a known code, cut off by E0010 when there are too many.
fn sensible(codes: &[String]) -> bool {
    let known = codes.iter().all(|c| codes::lookup(c).is_some());
    let cut = codes.len() <= MAX_DIAGNOSTICS_PER_FILE || codes.last().is_some_and(|c| c == "E0010");
    !codes.is_empty() && codes.len() <= MAX_DIAGNOSTICS_PER_FILE + 1 && known && cut
}

#[test]
fn a_megabyte_of_random_bytes_is_an_error_not_a_crash() {
    let bytes = noise(1 << 20, 0x9E37_79B9_7F4A_7C15, false);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let offset = std::str::from_utf8(&bytes).expect_err("noise is not UTF-8").valid_up_to();
    let as_file = Input { invalid_utf8: Some(offset), ..input(text.clone()) };
    assert_eq!(check(as_file, 1).codes, ["E0005"]);
    // The same noise decoded lossily still goes through every stage of the compiler.
    assert!(sensible(&check(input(text), 3).codes));
}

#[test]
fn a_megabyte_of_printable_noise_is_an_error_not_a_crash() {
    let text = String::from_utf8(noise(1 << 20, 42, true)).expect("ASCII");
    assert!(sensible(&check(input(text), 1).codes));
}

#[test]
fn extreme_nesting_is_refused_with_e0004() {
    let parens = format!("({}driving{})", "(".repeat(100_000), ")".repeat(100_000));
    let nots = format!("{}driving", "not ".repeat(100_000));
    let minuses = format!("steps > {}1", "-".repeat(100_000));
    for condition in [parens, nots, minuses] {
        let text = format!("use lab-glasses\non button-press while {condition}: chime\n");
        assert_eq!(check(input(text), 1).codes, ["E0004"]);
    }
    let afters = format!("use lab-glasses\non button-press: {}chime\n", "after 1 s ".repeat(100_000));
    assert_eq!(check(input(afters), 1).codes, ["E0004"]);
}

#[test]
fn files_without_rules() {
    assert_eq!(check(input(""), 1).codes, ["E0006"]);
    assert_eq!(check(input("# only a comment\n\n# and another\n"), 1).codes, ["E0006"]);
    assert!(check(input("use lab-glasses\n"), 1).codes.is_empty());
    assert!(check(input("use lab-glasses, lab-car  # and a comment\n"), 1).codes.is_empty());
    assert!(check(input("# a comment\nuse lab-glasses  # and another\n"), 1).codes.is_empty());
}

#[test]
fn too_many_errors_are_cut_off_with_e0010() {
    let rules: String = (0..300).map(|i| format!("on missing-event-{i}: chime\n")).collect();
    let codes = check(input(format!("use lab-glasses\n{rules}")), 0).codes;
    assert_eq!(codes.len(), MAX_DIAGNOSTICS_PER_FILE + 1);
    assert_eq!(codes.last().map(String::as_str), Some("E0010"));
}

#[test]
fn a_file_too_large_for_spans_is_refused_before_it_is_read() {
    // A sparse file: its length is past what 32-bit spans reach, without writing 4 GiB.
    let path = std::env::temp_dir().join(format!("glassc-huge-{}.glass", std::process::id()));
    let file = std::fs::File::create(&path).expect("a scratch file");
    file.set_len(inputs::MAX_FILE_BYTES + 1).expect("a sparse file");
    let refused = inputs::read(&path);
    let _ = std::fs::remove_file(&path);
    let message = refused.expect_err("a file over 4 GiB is refused").0;
    assert!(message.contains("at most 4294967295 bytes"), "{message}");
}
