//! The diagnostics corpus: invalid programs under `tests/corpus/invalid`, each with the codes it
//! must produce in its first line (`# expect: E0101 E0201`), and a snapshot of the rendered report.
//! Plus robustness: no input makes the compiler panic or report out-of-bounds spans.

use std::path::{Path, PathBuf};

use glass_compiler::codes;
use glassc::inputs::{self, Input};
use glassc::render::{Sources, human};
use glassc::session::Session;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn profiles() -> Vec<Input> {
    let paths = inputs::glass_files(&[corpus().join("profiles")]).expect("corpus profiles");
    // Paths relative to the corpus, so snapshots do not depend on where the repository is.
    paths
        .iter()
        .map(|p| {
            let input = inputs::read(p).expect("profile");
            let name = p.file_name().expect("file name").to_string_lossy();
            Input { path: format!("profiles/{name}"), ..input }
        })
        .collect()
}

/// Checks `input` with the corpus profiles; returns its diagnostics rendered, and their codes.
fn check(input: Input) -> (String, Vec<String>) {
    let mut files = profiles();
    let path = input.path.clone();
    files.push(input);
    let session = Session::new(files);
    let target = session.files.len() - 1;
    let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
    let mut rendered = String::new();
    let mut codes = Vec::new();
    for (file, d) in session.diagnostics() {
        let text = &session.files[file].0.text;
        let range = d.primary.span.range();
        assert!(
            range.end <= text.len() && text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
            "{path}: span {range:?} of {} is not in the text",
            d.code
        );
        assert!(!d.message.is_empty() && d.help.is_some(), "{path}: {} lacks a message or a help line", d.code);
        assert!(!d.primary.message.is_empty(), "{path}: {} has no label on its primary span", d.code);
        if file == target {
            codes.push(d.code.0.to_string());
            rendered.push_str(&human(&d, &session.files[file].0.path, &sources, false));
        } else {
            rendered.push_str(&format!("(in a profile) {}: {}\n", d.code, d.message));
        }
    }
    let rendered: Vec<&str> = rendered.lines().map(str::trim_end).collect();
    (rendered.join("\n"), codes)
}

fn invalid_files() -> Vec<PathBuf> {
    inputs::glass_files(&[corpus().join("invalid")]).expect("corpus")
}

fn expected_codes(text: &str) -> Vec<String> {
    let header = text.lines().next().unwrap_or_default();
    let codes = header.strip_prefix("# expect:").unwrap_or_else(|| panic!("no `# expect:` header in {header:?}"));
    codes.split_whitespace().map(String::from).collect()
}

#[test]
fn every_invalid_program_reports_exactly_its_expected_codes() {
    let files = invalid_files();
    assert!(files.len() >= 40, "the corpus has {} programs", files.len());
    for path in files {
        let input = inputs::read(&path).expect("corpus file");
        let name = path.file_stem().expect("name").to_string_lossy().into_owned();
        let mut expected = expected_codes(&input.text);
        let shown = Input { path: format!("{name}.glass"), ..input };
        let (rendered, mut codes) = check(shown);
        expected.sort();
        codes.sort();
        assert_eq!(codes, expected, "{name}:\n{rendered}");
        insta::assert_snapshot!(name, rendered);
    }
}

#[test]
fn every_code_has_a_corpus_program() {
    let mut covered: Vec<String> =
        invalid_files().iter().flat_map(|p| expected_codes(&inputs::read(p).expect("corpus file").text)).collect();
    // Covered by the tests below: a truly empty file, and a file with too many errors.
    covered.extend(["E0006", "E0010"].map(String::from));
    // E0601 needs a pack of over 2048 different texts: tests/backend.rs builds one.
    covered.push("E0601".to_string());
    let missing: Vec<&str> = codes::ALL.iter().map(|c| c.code.0).filter(|c| !covered.iter().any(|k| k == c)).collect();
    assert!(missing.is_empty(), "codes without a corpus program: {missing:?}");
}

fn input(text: impl Into<String>) -> Input {
    Input { path: "input.glass".into(), text: text.into(), invalid_utf8: None }
}

#[test]
fn an_empty_file_is_e0006() {
    assert_eq!(check(input("")).1, ["E0006"]);
}

#[test]
fn too_many_errors_are_cut_off_with_e0010() {
    let text: String = (0..300).map(|i| format!("on missing-event-{i}: notify glasses\n")).collect();
    let (_, codes) = check(input(format!("use test-glasses\n{text}")));
    assert_eq!(codes.len(), glass_compiler::db::MAX_DIAGNOSTICS_PER_FILE + 1);
    assert_eq!(codes.last().map(String::as_str), Some("E0010"));
}

/// A small deterministic generator, so the garbage is the same on every run.
fn garbage(len: usize, seed: u64, printable: bool) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if printable { b' ' + (state % 95) as u8 } else { state as u8 }
        })
        .collect()
}

#[test]
fn a_megabyte_of_random_bytes_is_reported_not_a_crash() {
    let bytes = garbage(1 << 20, 0x9E37_79B9_7F4A_7C15, false);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (_, codes) = check(Input { path: "noise.glass".into(), text, invalid_utf8: Some(0) });
    assert_eq!(codes, ["E0005"]);
    // The same bytes as (lossy) text go through the whole compiler.
    let (_, codes) = check(input(String::from_utf8_lossy(&bytes).into_owned()));
    assert!(!codes.is_empty() && codes.len() <= glass_compiler::db::MAX_DIAGNOSTICS_PER_FILE + 1);
}

#[test]
fn a_megabyte_of_printable_garbage_is_reported_not_a_crash() {
    let text = String::from_utf8(garbage(1 << 20, 42, true)).expect("ascii");
    let (_, codes) = check(input(text));
    assert!(!codes.is_empty() && codes.len() <= glass_compiler::db::MAX_DIAGNOSTICS_PER_FILE + 1);
}

#[test]
fn extreme_nesting_is_refused_cleanly() {
    for text in [
        format!(
            "use test-glasses\non button-press while {}driving{}: notify glasses",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
        format!("use test-glasses\non button-press while {}driving: notify glasses", "not ".repeat(100_000)),
        format!("use test-glasses\non button-press: {}notify glasses", "after 1 s ".repeat(100_000)),
        format!("use test-glasses\non button-press while steps > {}1: notify glasses", "-".repeat(100_000)),
    ] {
        assert_eq!(check(input(text)).1, ["E0004"]);
    }
}

#[test]
fn declarations_alone_are_fine() {
    assert!(check(input("use test-glasses\n")).1.is_empty());
    assert!(check(input("# a comment\nuse test-glasses  # and another\n")).1.is_empty());
}
