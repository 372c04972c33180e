//! The checker's diagnostics, without the renderer: for every program of the diagnostics corpus
//! (`compiler/cli/tests/data`), the codes it reports and where each label and fix points, as
//! `line:column` ranges with the text they cover. Wording is not asserted here (the rendered
//! snapshots at the CLI edge show it), so this fails exactly when a code, a severity, a span or a
//! fix changes. Files that are not UTF-8 never reach the compiler (E0005 is the CLI's).

use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

use glass_compiler::db::{Database, SourceFile, Workspace, file_diagnostics};
use glass_compiler::span::Span;

fn corpus(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/data").join(dir);
    let mut paths: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "glass"))
        .collect();
    paths.sort();
    paths
}

/// `line:column` of a byte offset, both from 1, the column in characters.
fn position(text: &str, offset: u32) -> String {
    let before = text.get(..offset as usize).unwrap_or_else(|| panic!("offset {offset} is not in the text"));
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    format!("{line}:{column}")
}

/// A span as `3:4-3:16 "butten-press"` (long covered texts cut in the middle).
fn place(text: &str, span: Span) -> String {
    let covered = text.get(span.range()).unwrap_or_else(|| panic!("span {span:?} is not in the text"));
    let chars: Vec<char> = covered.chars().collect();
    let shown: String = if chars.len() > 40 {
        format!("{}…{}", chars[..20].iter().collect::<String>(), chars[chars.len() - 19..].iter().collect::<String>())
    } else {
        covered.to_string()
    };
    format!("{}-{} {shown:?}", position(text, span.start), position(text, span.end))
}

/// The program's diagnostics in the plain form described above.
fn report(program: &str) -> (Vec<String>, String) {
    let db = Database::default();
    let mut files = Vec::new();
    let mut texts = Vec::new();
    for path in corpus("profiles") {
        let text = fs::read_to_string(&path).expect("a UTF-8 profile");
        let name = format!("profiles/{}", path.file_name().expect("a name").to_string_lossy());
        files.push(SourceFile::new(&db, name.as_str().into(), text.clone()));
        texts.push((name, text));
    }
    let target = SourceFile::new(&db, "program.glass".into(), program.to_string());
    files.push(target);
    let ws = Workspace::new(&db, files.clone());
    for (file, (name, _)) in files.iter().zip(&texts) {
        let reported = file_diagnostics(&db, ws, *file);
        assert!(reported.is_empty(), "the corpus profile {name} reports {:?}", reported.first().map(|d| d.code));
    }
    let text_of = |file: Option<&str>| match file {
        None | Some("program.glass") => program,
        Some(name) => texts.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str()).expect("a known file"),
    };
    let mut codes = Vec::new();
    let mut out = String::new();
    for d in file_diagnostics(&db, ws, target) {
        codes.push(d.code.to_string());
        let file = d.primary.file.as_deref();
        writeln!(out, "{} {:?} {}", d.code, d.severity, place(text_of(file), d.primary.span)).unwrap();
        for label in &d.secondary {
            let file = label.file.as_deref();
            let shown = file.filter(|f| *f != "program.glass").map(|f| format!("{f} ")).unwrap_or_default();
            writeln!(out, "  also {shown}{}", place(text_of(file), label.span)).unwrap();
        }
        if let Some(fix) = &d.fix {
            writeln!(out, "  fix {} -> {:?}", place(program, fix.span), fix.replacement).unwrap();
        }
    }
    (codes, out)
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

#[test]
fn every_invalid_program_reports_its_codes_at_the_same_places() {
    let mut checked = 0;
    for path in corpus("invalid") {
        let Ok(program) = String::from_utf8(fs::read(&path).expect("readable")) else { continue };
        let stem = path.file_stem().expect("a name").to_string_lossy().into_owned();
        let (mut codes, shown) = report(program.trim_start_matches('\u{feff}'));
        let mut expected = expected_codes(&program);
        codes.sort();
        expected.sort();
        assert_eq!(codes, expected, "{stem}:\n{shown}");
        insta::assert_snapshot!(stem, shown);
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} programs");
}

#[test]
fn every_valid_program_reports_nothing() {
    for path in corpus("valid") {
        let program = fs::read_to_string(&path).expect("UTF-8");
        let (_, shown) = report(program.trim_start_matches('\u{feff}'));
        assert!(shown.is_empty(), "{}:\n{shown}", path.display());
    }
}

/// The diagnostics of `program` against the corpus profiles.
fn diagnostics(program: &str) -> Vec<glass_compiler::diagnostic::Diagnostic> {
    let db = Database::default();
    let mut files: Vec<SourceFile> = corpus("profiles")
        .iter()
        .map(|path| {
            let name = format!("profiles/{}", path.file_name().expect("a name").to_string_lossy());
            SourceFile::new(&db, name.as_str().into(), fs::read_to_string(path).expect("a UTF-8 profile"))
        })
        .collect();
    let target = SourceFile::new(&db, "program.glass".into(), program.to_string());
    files.push(target);
    let ws = Workspace::new(&db, files);
    file_diagnostics(&db, ws, target).to_vec()
}

/// A machine-applicable fix is certain: applied alone, it removes one diagnostic of its code and
/// brings no code the program did not have. (A fix of an unreadable character or word, E0001 and
/// E0011, may bring what the checker said nothing of while it could not read the word: a name
/// that is unknown, or the other half of a pair of smart quotes.)
#[test]
fn every_fix_removes_its_diagnostic_and_brings_no_new_one() {
    let mut applied = 0;
    let mut problems = Vec::new();
    for path in corpus("invalid") {
        let Ok(program) = String::from_utf8(fs::read(&path).expect("readable")) else { continue };
        let program = program.trim_start_matches('\u{feff}');
        let stem = path.file_stem().expect("a name").to_string_lossy().into_owned();
        let before = diagnostics(program);
        let count = |ds: &[glass_compiler::diagnostic::Diagnostic], code: &str| {
            ds.iter().filter(|d| d.code.to_string() == code).count()
        };
        for d in &before {
            let Some(fix) = &d.fix else { continue };
            if d.primary.file.as_deref().is_some_and(|f| f != "program.glass") {
                continue;
            }
            let mut fixed = program.to_string();
            fixed.replace_range(fix.span.range(), &fix.replacement);
            let after = diagnostics(&fixed);
            let code = d.code.to_string();
            if count(&after, &code) >= count(&before, &code) {
                problems.push(format!("{stem}: the fix {:?} leaves its {code}", fix.replacement));
            }
            for new in &after {
                let new_code = new.code.to_string();
                if count(&before, &new_code) == 0 && !matches!(code.as_str(), "E0001" | "E0011") {
                    problems.push(format!("{stem}: the fix {:?} of {code} brings {new_code}", fix.replacement));
                }
            }
            applied += 1;
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(applied >= 50, "only {applied} fixes applied");
}

/// A rule row names its shared limit in one byte: a pack of more limits than the runtime's
/// `MAX_LIMITS` is E0600 at the first one too many, not a program the verifier refuses.
#[test]
fn limits_past_the_runtimes_are_a_runtime_limit() {
    let max = usize::from(glass_runtime::isa::MAX_LIMITS);
    let mut pack = String::from("use lab-glasses\n");
    for i in 0..=max {
        pack.push_str(&format!("limit l{i}: at most once per 1 min\non button-press limit l{i}: chime\n"));
    }
    let errors: Vec<_> = diagnostics(&pack).into_iter().filter(|d| d.is_error()).collect();
    // One error: the rule that names the limit too many is not told it is unknown.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, glass_compiler::codes::RUNTIME_LIMIT);
    assert_eq!(&pack[errors[0].primary.span.range()], format!("l{max}"));
}
