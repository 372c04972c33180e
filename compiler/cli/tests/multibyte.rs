//! Multi-byte text everywhere: Chinese, emoji and combining marks in comments, doc strings and
//! texts of every file of a check (pack and profiles), before every label, on earlier lines and
//! on the same line. Every program of both invalid corpora is checked as written and with such
//! text added; both versions are rendered for people (ariadne) and as JSON, and each label must
//! sit on the same words in both, with the right line and column. Nothing may panic.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use glass_compiler::diagnostic::Diagnostic;
use glassc::inputs::{self, Input};
use glassc::render::{Sources, human, json};
use glassc::session::Session;
use unicode_width::UnicodeWidthChar;

/// Added at the start of every text (doc strings too): CJK, an emoji with a variation selector, a
/// letter with a combining accent.
const IN_TEXT: &str = "小米眼镜😀\u{fe0f}e\u{301} ";
/// A comment line added before every line.
const LINE_COMMENT: &str = "#1 华为 阿里巴巴 🕶 n\u{303} 注释\n";
/// A comment added at the end of every line.
const TRAILING_COMMENT: &str = " #2 说明 👓\u{fe0f} a\u{308}";

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The text with multi-byte text added as described above. Works on bytes: the characters it
/// looks for (`"`, `\`, `#`, newlines) are ASCII, and a file that is not UTF-8 stays so.
fn multibyte(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 3);
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        out.extend_from_slice(LINE_COMMENT.as_bytes());
        let (body, end) = match line {
            [body @ .., b'\r', b'\n'] => (body, &b"\r\n"[..]),
            [body @ .., b'\n'] => (body, &b"\n"[..]),
            body => (body, &b""[..]),
        };
        let (mut in_text, mut escaped) = (false, false);
        for (i, &b) in body.iter().enumerate() {
            out.push(b);
            if in_text {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_text = false,
                    _ => {}
                }
            } else if b == b'"' {
                in_text = true;
                out.extend_from_slice(IN_TEXT.as_bytes());
            } else if b == b'#' {
                out.extend_from_slice(&body[i + 1..]);
                break;
            }
        }
        // A line ending in `\` inside a text would escape the added space: leave it alone.
        if !(in_text && escaped) {
            out.extend_from_slice(TRAILING_COMMENT.as_bytes());
        }
        out.extend_from_slice(end);
    }
    out
}

/// Text as it was before `multibyte`.
fn ascii(text: &str) -> String {
    text.replace(LINE_COMMENT, "").replace(TRAILING_COMMENT, "").replace(IN_TEXT, "")
}

/// An input as `inputs::read` makes it from these bytes.
fn input(path: &str, bytes: Vec<u8>) -> Input {
    match String::from_utf8(bytes) {
        Ok(text) => Input { path: path.to_string(), text, invalid_utf8: None },
        Err(e) => Input {
            path: path.to_string(),
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            invalid_utf8: Some(e.utf8_error().valid_up_to()),
        },
    }
}

/// One check: file paths and contents, the pack last.
type Case = Vec<(String, Vec<u8>)>;

fn read_dir(dir: &Path, shown: &str) -> Vec<(String, Vec<u8>)> {
    let paths = inputs::glass_files(&[dir.to_path_buf()]).expect("test data");
    paths
        .iter()
        .map(|p| {
            let name = p.file_name().expect("a name").to_string_lossy();
            (format!("{shown}/{name}"), std::fs::read(p).expect("readable"))
        })
        .collect()
}

/// Every invalid program of the diagnostics corpus (`tests/data`) with its profiles, and packs that
/// point into the example profiles (their labels land in the Xiaomi, Huawei and Alibaba profiles).
fn cases() -> Vec<(String, Case)> {
    let mut cases = Vec::new();
    let profiles = read_dir(&tests_dir().join("data/profiles"), "profiles");
    for (path, bytes) in read_dir(&tests_dir().join("data/invalid"), "invalid") {
        let mut case = profiles.clone();
        case.push((path.clone(), bytes));
        cases.push((format!("data/{path}"), case));
    }
    let examples = read_dir(&tests_dir().join("../../../examples/profiles"), "profiles");
    for (name, pack) in [
        ("ambiguous-press", "use xiaomi-ai-glasses, xiaomi-car\non press: chime\n"),
        ("ambiguous-press-huawei", "use huawei-glasses, huawei-watch\non press: chime\n"),
        ("misspelt-event-alibaba", "use quark-ai-glasses\non buton-long-press: say(message: \"好\")\n"),
        (
            "ambiguous-action",
            "use xiaomi-ai-glasses, xiaomi-phone, xiaomi-car\non button-press: notify(message: \"你好\")\n",
        ),
        ("duplicate-profile", "profile xiaomi-ai-glasses \"小米\" {\n  device glasses \"眼镜\"\n}\n"),
        ("wrong-type", "use xiaomi-ai-glasses\non button-press while battery < \"低\": chime\n"),
    ] {
        let mut case = examples.clone();
        case.push((format!("examples/{name}.glass"), pack.as_bytes().to_vec()));
        cases.push((format!("examples/{name}"), case));
    }
    // Too many errors (E0010), and a file of nothing but comments (E0006).
    let many: String = (0..230).map(|i| format!("on missing-event-{i}: notify glasses # 第{i}条\n")).collect();
    for (name, text) in [("too-many", format!("use lab-glasses\n{many}")), ("comments", "# 只有注释\n".into())] {
        let mut case = profiles.clone();
        case.push((format!("generated/{name}.glass"), text.into_bytes()));
        cases.push((format!("generated/{name}"), case));
    }
    cases
}

/// The codes the corpus programs' first lines expect (`# expect: E0101 E0001*3`).
fn cases_expect() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for (_, bytes) in read_dir(&tests_dir().join("data/invalid"), "invalid") {
        let text = String::from_utf8_lossy(&bytes);
        let header = text.lines().next().and_then(|l| l.strip_prefix("# expect:")).unwrap_or_default();
        codes.extend(header.split_whitespace().map(|w| w.split('*').next().unwrap_or(w).to_string()));
    }
    codes.remove("E0601");
    // A pattern without words has words once text is added to it.
    codes.remove("W0304");
    codes
}

/// Where a label is, as the JSON renderer says, and the text under it.
#[derive(Debug)]
struct Place {
    file: String,
    line: usize,
    column: usize,
    multiline: bool,
    text: String,
}

/// What one diagnostic shows: its code, the JSON places (primary, labels, fix), the `file:line:col`
/// of each group ariadne drew, and the text ariadne underlined, line by line.
#[derive(Debug)]
struct Shown {
    code: String,
    places: Vec<Place>,
    headers: Vec<(String, usize, usize)>,
    underlined: Vec<String>,
}

/// The independent answer: line and column (characters) of a byte offset, counting `\n` lines.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

fn place(v: &serde_json::Value, text_of: &dyn Fn(&str) -> String, problems: &mut Vec<String>) -> Place {
    let file = v["file"].as_str().expect("a file").to_string();
    let text = text_of(&file);
    let (start, end) =
        (v["byte_start"].as_u64().expect("start") as usize, v["byte_end"].as_u64().expect("end") as usize);
    let mut slice = String::new();
    if start <= end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end) {
        slice = text[start..end].to_string();
        let got = (v["line_start"].as_u64().unwrap() as usize, v["column_start"].as_u64().unwrap() as usize);
        let got_end = (v["line_end"].as_u64().unwrap() as usize, v["column_end"].as_u64().unwrap() as usize);
        if got != line_col(&text, start) || got_end != line_col(&text, end) {
            problems.push(format!("JSON says {got:?}..{got_end:?} for bytes {start}..{end} of {file}"));
        }
    } else {
        problems.push(format!("JSON span {start}..{end} is not in the text of {file}"));
    }
    Place {
        file,
        line: v["line_start"].as_u64().unwrap_or(0) as usize,
        column: v["column_start"].as_u64().unwrap_or(0) as usize,
        multiline: v["line_start"] != v["line_end"],
        text: slice,
    }
}

/// The `file:line:col` heading each group of a rendered report.
fn headers(rendered: &str) -> Vec<(String, usize, usize)> {
    rendered
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let inner = l.strip_prefix("╭─[ ").or_else(|| l.strip_prefix("├─[ "))?.strip_suffix(" ]")?;
            let mut parts = inner.rsplitn(3, ':');
            let col = parts.next()?.parse().ok()?;
            let line = parts.next()?.parse().ok()?;
            Some((parts.next()?.to_string(), line, col))
        })
        .collect()
}

/// The runs of text ariadne underlined (`─` and `┬` under them on the first row after a source
/// line), measured in display columns as ariadne draws them.
fn underlined(rendered: &str) -> Vec<String> {
    let lines: Vec<&str> = rendered.lines().collect();
    let mut runs = Vec::new();
    for pair in lines.windows(2) {
        let Some((margin, source)) = pair[0].split_once("│ ") else { continue };
        if margin.trim().parse::<usize>().is_err() {
            continue;
        }
        let Some((_, marks)) = pair[1].split_once("│ ") else { continue };
        let marks: Vec<char> = marks.chars().collect();
        let (mut col, mut run, mut under) = (0, String::new(), false);
        for c in source.chars() {
            let width = c.width().unwrap_or(1);
            if width > 0 {
                under = matches!(marks.get(col), Some('─' | '┬'));
            }
            col += width;
            if under {
                run.push(c);
            } else if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
    }
    runs
}

/// Checks one case and renders every diagnostic both ways. A panic in a renderer is a problem
/// reported with the file and code, not the end of the test.
fn show(files: &[(String, Vec<u8>)], problems: &mut Vec<String>) -> Vec<Shown> {
    let session = Session::new(files.iter().map(|(p, b)| input(p, b.clone())).collect());
    let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
    let text_of = |file: &str| {
        session.files.iter().find(|(i, _)| i.path == file).map(|(i, _)| i.text.clone()).unwrap_or_default()
    };
    let mut shown = Vec::new();
    let diagnostics: Vec<(usize, Diagnostic)> = session.diagnostics();
    for (file, d) in &diagnostics {
        let path = session.files[*file].0.path.as_str();
        // Every span the compiler makes is on character boundaries of its file.
        let mut spans = vec![(None, d.primary.span)];
        spans.extend(d.secondary.iter().map(|l| (l.file.as_deref(), l.span)));
        spans.extend(d.fix.iter().map(|f| (None, f.span)));
        for (in_file, span) in spans {
            let text = text_of(in_file.unwrap_or(path));
            let (s, e) = (span.start as usize, span.end as usize);
            if !(s <= e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e)) {
                problems.push(format!("{path}: {} has span {s}..{e} off the characters of {in_file:?}", d.code));
            }
        }
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| human(d, path, &sources, false)));
        let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| json(d, path, &sources)));
        let (Ok(rendered), Ok(value)) = (rendered, value) else {
            problems.push(format!("{path}: rendering {} panicked", d.code));
            continue;
        };
        let mut places = vec![place(&value["primary"], &text_of, problems)];
        for label in value["labels"].as_array().expect("labels") {
            places.push(place(label, &text_of, problems));
        }
        if !value["fix"].is_null() {
            places.push(place(&value["fix"]["span"], &text_of, problems));
        }
        let headers = headers(&rendered);
        // Ariadne heads the group of the diagnostic's own file with the primary place, the group
        // of another file with one of that file's labels.
        for (file, line, col) in &headers {
            let ok = if file == path {
                places[0].line == *line && places[0].column == *col
            } else {
                places.iter().any(|p| p.file == *file && p.line == *line && p.column == *col)
            };
            if !ok {
                problems.push(format!(
                    "{path}: {} is headed `{file}:{line}:{col}`, at none of its labels\n{rendered}",
                    d.code
                ));
            }
        }
        if headers.is_empty() {
            problems.push(format!("{path}: {} rendered without a location\n{rendered}", d.code));
        }
        shown.push(Shown { code: d.code.to_string(), places, headers, underlined: underlined(&rendered) });
    }
    shown
}

#[test]
fn labels_stay_on_their_words_when_every_file_has_multibyte_text() {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut compared = 0;
    // A panic while rendering is reported with its case below, without a backtrace each.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let cases = cases();
    assert!(cases.len() >= 130, "only {} cases", cases.len());
    for (name, case) in cases {
        // Its patterns without words get words with the added text (see `cases_expect`).
        if name.contains("W0304") {
            continue;
        }
        let plain = show(&case, &mut problems);
        let wide: Case = case.iter().map(|(p, b)| (p.clone(), multibyte(b))).collect();
        let shown = show(&wide, &mut problems);
        let codes = |s: &[Shown]| s.iter().map(|d| d.code.clone()).collect::<Vec<_>>();
        if codes(&plain) != codes(&shown) {
            problems.push(format!("{name}: {:?} became {:?} with multi-byte text", codes(&plain), codes(&shown)));
            continue;
        }
        for (a, b) in plain.iter().zip(&shown) {
            seen.insert(a.code.clone());
            let texts = |s: &Shown| s.places.iter().map(|p| (p.file.clone(), ascii(&p.text))).collect::<Vec<_>>();
            if texts(a) != texts(b) {
                problems.push(format!("{name}: {} labels {:?}, with multi-byte text {:?}", a.code, texts(a), texts(b)));
            }
            let files = |s: &Shown| s.headers.iter().map(|h| h.0.clone()).collect::<Vec<_>>();
            if files(a) != files(b) {
                problems.push(format!("{name}: {} drawn in {:?}, then {:?}", a.code, files(a), files(b)));
            }
            // Ariadne's underlines, for labels on one line each (a multi-line label is drawn in
            // the margin).
            if b.places.iter().all(|p| !p.multiline) {
                let runs: Vec<String> = b.underlined.iter().map(|r| ascii(r)).collect();
                if a.underlined != runs {
                    problems.push(format!("{name}: {} underlines {:?}, then {:?}", a.code, a.underlined, runs));
                }
                // A label over some text is underlined (labels side by side may merge).
                if runs.is_empty() && b.places.iter().any(|p| !p.text.is_empty()) {
                    problems.push(format!("{name}: {} underlines nothing", a.code));
                }
                compared += runs.len();
            }
        }
    }
    assert!(compared > 300, "only {compared} underlines compared");
    std::panic::set_hook(hook);
    // Every code a corpus program is for was produced here too (tests/diagnostics.rs sees to it that
    // every code has a program; E0601, over 2048 texts, comes from code generation: see below;
    // W0304, a pattern without words, cannot be written with words added to every text).
    let expected: BTreeSet<String> = cases_expect();
    let missing: Vec<&String> = expected.iter().filter(|c| !seen.contains(*c)).collect();
    assert!(missing.is_empty(), "codes no case produced: {missing:?}");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

/// Deterministic noise (xorshift64), so every run checks the same programs.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn programs_of_glass_words_and_multibyte_pieces_render_without_a_panic() {
    // Pieces of glass and of everything that is not: multi-byte letters inside and beside names,
    // texts and escapes cut by line ends, typographic quotes, line breaks ariadne alone counts.
    const PIECES: &[&str] = &[
        "on ",
        "button-press",
        "press",
        "buton",
        ":",
        " ",
        " ",
        "\n",
        "\n  ",
        "say(message: ",
        "\"",
        "\"好\"",
        "中文",
        "😀",
        "e\u{301}",
        "\u{301}",
        "é",
        "\\",
        "\\中",
        "#",
        "# 注释",
        "“",
        "”",
        "-",
        "1",
        "9",
        "(",
        ")",
        "{",
        "}",
        ",",
        "while ",
        "battery < ",
        "20%",
        "\u{2028}",
        "\r",
        "\r\n",
        "\u{feff}",
        "profile ",
        "use ",
        "lab-glasses",
        "test \"测\" {",
        "expect say",
        "at 1 s: ",
        "\u{85}",
        "\t",
        "ǅ",
        "ß",
        "İ",
        "record clip",
    ];
    let profiles = read_dir(&tests_dir().join("data/profiles"), "profiles");
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut problems = Vec::new();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for i in 0..400 {
        let len = 1 + (next(&mut state) % 60) as usize;
        let mut text = String::from("use lab-glasses\n");
        for _ in 0..len {
            text.push_str(PIECES[(next(&mut state) % PIECES.len() as u64) as usize]);
        }
        let mut case = profiles.clone();
        // Half of the programs carry a profile of their own too, so labels land in both files.
        if i % 2 == 0 {
            case.push(("profiles/写的.glass".into(), format!("profile 测试 {{ {text} }}").into_bytes()));
        }
        case.push((format!("random/{i}.glass"), text.into_bytes()));
        let before = problems.len();
        show(&case, &mut problems);
        if problems.len() > before {
            problems.push(format!("in {:?}", String::from_utf8_lossy(&case.last().expect("a pack").1)));
        }
    }
    std::panic::set_hook(hook);
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn a_long_line_is_cut_around_its_labels_with_the_columns_of_the_file() {
    let rules: String = (0..400).map(|i| format!("rule r{i}: on button-press: say(message: \"提醒{i}\") ")).collect();
    let pack = format!("use lab-glasses {rules}on buton-press: say(message: \"完\")\n");
    let mut case = read_dir(&tests_dir().join("data/profiles"), "profiles");
    case.push(("long.glass".into(), pack.clone().into_bytes()));
    let session = Session::new(case.iter().map(|(p, b)| input(p, b.clone())).collect());
    let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
    let (_, d) = session.diagnostics().into_iter().next().expect("the misspelt event");
    let rendered = human(&d, "long.glass", &sources, false);
    let at = pack.find("buton-press").expect("the mistake");
    let column = pack[..at].chars().count() + 1;
    assert!(rendered.contains(&format!("long.glass:1:{column} ]")), "{rendered}");
    assert!(rendered.lines().all(|l| l.chars().count() < 200), "a line was drawn whole:\n{rendered}");
    assert!(rendered.contains("…") && rendered.contains("on buton-press: say"), "{rendered}");
    assert_eq!(underlined(&rendered), ["buton-press"], "{rendered}");
    // In colour too: the heading is found between the colour codes.
    let coloured = human(&d, "long.glass", &sources, true);
    assert!(coloured.contains(&format!(" long.glass:1:{column} ")), "{coloured}");
}

#[test]
fn too_many_texts_render_on_the_rule_that_needs_one_more() {
    let rules: String =
        (0..2100).map(|i| format!("# 第{i}条 😀\non button-press: say(message: \"提醒 e\u{301} {i}\")\n")).collect();
    let mut case = read_dir(&tests_dir().join("data/profiles"), "profiles");
    case.push(("texts.glass".into(), format!("use lab-glasses # 小米 😀\n{rules}").into_bytes()));
    let session = Session::new(case.iter().map(|(p, b)| input(p, b.clone())).collect());
    let file = session.files.last().and_then(|f| f.1).expect("the pack");
    let Err(diagnostics) = glass_compiler::build::pack_program(&session.db, session.ws, file) else {
        panic!("2100 texts fit the runtime")
    };
    let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
    let d = diagnostics.iter().find(|d| d.code.0 == "E0601").expect("E0601");
    let text_of = |_: &str| session.files.last().map(|f| f.0.text.clone()).unwrap_or_default();
    let mut problems = Vec::new();
    let value = json(d, "texts.glass", &sources);
    let place = place(&value["primary"], &text_of, &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    let rendered = human(d, "texts.glass", &sources, false);
    assert_eq!(headers(&rendered), [("texts.glass".to_string(), place.line, place.column)], "{rendered}");
    // On the first rule's trigger, after lines of multi-byte text.
    assert_eq!((place.text.as_str(), place.line), ("on button-press", 3));
    assert_eq!(underlined(&rendered), [place.text], "{rendered}");
}

#[test]
fn glassc_check_reports_labels_in_a_chinese_profile_without_a_panic() {
    let dir = std::env::temp_dir().join(format!("glassc-multibyte-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profiles")).expect("scratch dir");
    let profile = "# 小米眼镜的配置文件\nprofile p \"小米 AI 眼镜\" {\n  device glasses \"眼镜 眼镜 眼镜\"\n  capability button \"右侧镜腿上的触控按钮\" { event press \"短按一下\" }\n  capability touch \"触摸板 😀\" { event press \"轻触一下\" }\n  action chime \"提示音\"\n}\n";
    std::fs::write(dir.join("profiles/p.glass"), profile).expect("profile");
    std::fs::write(dir.join("pack.glass"), "use p\n# 说明 😀\non press: chime\n").expect("pack");
    let pack = dir.join("pack.glass");
    let run = |json: bool| {
        let mut args = vec!["check".to_string(), pack.display().to_string()];
        if json {
            args.extend(["--message-format".to_string(), "json".to_string()]);
        }
        std::process::Command::new(env!("CARGO_BIN_EXE_glassc")).args(&args).output().expect("glassc runs")
    };
    let (human, json) = (run(false), run(true));
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert_eq!(human.status.code(), Some(1), "{stderr}");
    assert_eq!(json.status.code(), Some(1), "{}", String::from_utf8_lossy(&json.stderr));
    // Both `press` events: JSON gives their lines and character columns in the profile, and
    // ariadne heads the profile's group at the first.
    let place_after = |before: &str| {
        let at = profile.find(before).expect("in the profile") + before.len();
        let line = profile[..at].matches('\n').count() + 1;
        (line as u64, profile[..at].rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1)
    };
    let (button, touch) = (place_after("按钮\" { event "), place_after("😀\" { event "));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON object");
    let labels: Vec<(u64, u64)> = value["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| (l["line_start"].as_u64().unwrap_or(0), l["column_start"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(labels, [button, touch], "{value}");
    let headings = headers(&stderr);
    let profile_heading = headings.iter().find(|(f, ..)| f.ends_with("p.glass")).expect("a profile group");
    assert_eq!((profile_heading.1 as u64, profile_heading.2 as u64), button, "{stderr}");
    assert_eq!(underlined(&stderr), ["press", "press", "press"], "{stderr}");
}

#[test]
fn margins_number_the_lines_of_the_file_at_the_width_of_the_widest() {
    let pack = format!(
        "use lab-glasses\n{}rule a: on button-press: notify # 第一\n{}rule a: on button-press: say(message: \"再\")\n",
        "# 注释\n".repeat(7),
        "\n".repeat(990)
    );
    let mut case = read_dir(&tests_dir().join("data/profiles"), "profiles");
    case.push(("lines.glass".into(), pack.into_bytes()));
    let session = Session::new(case.iter().map(|(p, b)| input(p, b.clone())).collect());
    let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
    let (_, d) = session.diagnostics().into_iter().find(|(_, d)| d.code.0 == "E0109").expect("E0109");
    let rendered: Vec<String> =
        human(&d, "lines.glass", &sources, false).lines().map(|l| l.trim_end().to_string()).collect();
    let expected = [
        "[E0109] Error: there is already a rule named `a`",
        "      ╭─[ lines.glass:1000:6 ]",
        "      │",
        "    9 │ rule a: on button-press: notify # 第一",
        "      │      ┬",
        "      │      ╰── first named here",
        "      │",
        " 1000 │ rule a: on button-press: say(message: \"再\")",
        "      │      ┬",
        "      │      ╰── named again here",
        "      │",
        "      │ Help: give each rule its own name",
        "──────╯",
    ];
    assert_eq!(rendered, expected, "\n{}", rendered.join("\n"));
}

#[test]
fn any_span_at_all_renders_without_a_panic_on_character_boundaries() {
    use glass_compiler::diagnostic::Diagnostic;
    use glass_compiler::span::Span;
    // Spans no stage should make: inside characters, reversed, past the end, in files not loaded.
    let long: String = (0..150).map(|i| format!("规则{i} 😀e\u{301} ")).collect();
    let texts = [
        format!("use 小米\n# 注释 😀\non press: chime\n{long}\n\u{2028}末\r\n"),
        format!("profile 测 {{ {long} }}"),
        String::new(),
    ];
    let paths = ["pack.glass", "profiles/测.glass", "empty.glass"];
    let sources = Sources::new(paths.iter().copied().zip(texts.iter().map(String::as_str)));
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let span = |state: &mut u64| {
        let len = texts[0].len().max(texts[1].len()) as u64 + 8;
        Span::new((next(state) % len) as u32, (next(state) % len) as u32)
    };
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut problems = Vec::new();
    for i in 0..3000 {
        let own = paths[(next(&mut state) % 3) as usize];
        let mut d = Diagnostic::error(glass_compiler::codes::SYNTAX, "坏了", span(&mut state))
            .with_label_message("这里")
            .with_help("修");
        for _ in 0..next(&mut state) % 4 {
            let file =
                ["pack.glass", "profiles/测.glass", "empty.glass", "missing.glass"][(next(&mut state) % 4) as usize];
            d = d.with_secondary_in(file.into(), span(&mut state), "那里");
        }
        if next(&mut state).is_multiple_of(2) {
            d = d.with_fix("改", span(&mut state), "好");
        }
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (human(&d, own, &sources, i % 2 == 0), json(&d, own, &sources))
        }));
        let Ok((_, value)) = rendered else {
            problems.push(format!("{own}: {d:?} panicked"));
            continue;
        };
        let text_of = |f: &str| paths.iter().position(|p| *p == f).map(|k| texts[k].clone()).unwrap_or_default();
        for v in [&value["primary"]].into_iter().chain(value["labels"].as_array().into_iter().flatten()) {
            if paths.contains(&v["file"].as_str().unwrap_or_default()) {
                place(v, &text_of, &mut problems);
            }
        }
    }
    std::panic::set_hook(hook);
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
