//! Editor queries: completion by context, hover, definition.

use glass_compiler::db::{Database, SourceFile, Workspace};
use glass_compiler::ide::{self, CompletionKind};

const PROFILE: &str = r#"profile tiny "A tiny device" {
  device glasses
  enum capture-kind { photo, clip }
  state driving: Bool "The car moves"
  capability button {
    event long-press
  }
  capability camera {
    action record(kind: capture-kind = photo) cost 900 mW takes 15 s privacy camera "Takes a photo or a clip"
  }
}
"#;

fn setup(pack: &str) -> (Database, Workspace, SourceFile) {
    files(&[("tiny.glass", PROFILE), ("pack.glass", pack)])
}

/// A workspace of `(path, text)` files, and the last of them (the pack the queries ask about).
fn files(files: &[(&str, &str)]) -> (Database, Workspace, SourceFile) {
    let db = Database::default();
    let sources: Vec<SourceFile> =
        files.iter().map(|(path, text)| SourceFile::new(&db, (*path).into(), text.to_string())).collect();
    let ws = Workspace::new(&db, sources.clone());
    (db, ws, *sources.last().expect("a file"))
}

fn kinds_at(pack: &str, marker: &str) -> Vec<(String, CompletionKind)> {
    let offset = pack.find(marker).expect("marker") as u32;
    let pack = pack.replace(marker, "");
    let (db, ws, file) = setup(&pack);
    ide::completions(&db, ws, file, offset).into_iter().map(|c| (c.label, c.kind)).collect()
}

#[test]
fn completion_follows_context() {
    // After `on`: the events, and the states a trigger can watch or hold (`on driving for 10 s`).
    let events = kinds_at("use tiny\non bu$", "$");
    assert_eq!(
        events,
        [("button-long-press".to_string(), CompletionKind::Event), ("driving".to_string(), CompletionKind::State)]
    );
    let sequence = kinds_at("use tiny\non button-long-press then $", "$");
    assert_eq!(
        sequence,
        [("button-long-press".to_string(), CompletionKind::Event), ("no".to_string(), CompletionKind::Keyword)]
    );
    let absent = kinds_at("use tiny\non button-long-press then no $", "$");
    assert_eq!(absent, [("button-long-press".to_string(), CompletionKind::Event)]);
    let expect_no = kinds_at("use tiny\ntest \"t\" { expect no $", "$");
    assert!(expect_no.contains(&("record clip".to_string(), CompletionKind::Action)), "{expect_no:?}");
    let actions = kinds_at("use tiny\non button-long-press: $", "$");
    assert!(actions.contains(&("record clip".to_string(), CompletionKind::Action)), "{actions:?}");
    let pattern = kinds_at("use tiny\non button-long-press while driving contains $", "$");
    assert!(pattern.contains(&("driving".to_string(), CompletionKind::State)), "{pattern:?}");
    let values = kinds_at("use tiny\non button-long-press while $", "$");
    assert!(values.contains(&("driving".to_string(), CompletionKind::State)), "{values:?}");
    // Branches: a condition after `if`, actions in the blocks, `else` after one.
    let condition = kinds_at("use tiny\non button-long-press: if $", "$");
    assert!(condition.contains(&("driving".to_string(), CompletionKind::State)), "{condition:?}");
    let block = kinds_at("use tiny\non button-long-press: if driving { $", "$");
    assert!(block.contains(&("record clip".to_string(), CompletionKind::Action)), "{block:?}");
    let otherwise = kinds_at("use tiny\non button-long-press: if driving { record clip } else { $", "$");
    assert!(otherwise.contains(&("record clip".to_string(), CompletionKind::Action)), "{otherwise:?}");
    let after = kinds_at("use tiny\non button-long-press: if driving { record clip } $", "$");
    assert_eq!(after, [("else".to_string(), CompletionKind::Keyword)]);
    let test_block = kinds_at("use tiny\ntest \"t\" { $", "$");
    assert!(!test_block.iter().any(|(_, k)| *k == CompletionKind::Action), "{test_block:?}");
    let profiles = kinds_at("use $", "$");
    assert_eq!(profiles, [("tiny".to_string(), CompletionKind::Profile)]);
}

#[test]
fn hover_explains_an_action_and_its_cost() {
    let pack = "use tiny\npermit camera\non button-long-press while driving: record clip\n";
    let (db, ws, file) = setup(pack);
    let (span, text) = ide::hover(&db, ws, file, pack.find("record").unwrap() as u32 + 2).expect("hover");
    assert_eq!(&pack[span.range()], "record");
    assert!(text.starts_with("**action** `glasses.camera.record(kind: capture-kind = photo)`"), "{text}");
    assert!(text.contains("draws 900 mW, for 15 s"), "{text}");
    assert!(text.contains("needs `permit camera`"), "{text}");
    assert!(text.ends_with("Takes a photo or a clip"), "{text}");
    let def = ide::definition(&db, ws, file, pack.find("driving").unwrap() as u32).expect("definition");
    assert_eq!(&*def.file, "tiny.glass");
    assert_eq!(&PROFILE[def.span.range()], "driving");
}

#[test]
fn hover_explains_the_keywords_of_the_forms() {
    let pack =
        "use tiny\non button-long-press while driving: if driving { record clip } else { after 5 s record photo }\n";
    let (db, ws, file) = setup(pack);
    for (word, says) in [
        ("if", "runs the first branch"),
        ("else", "no branch before it"),
        ("after", "`D` after"),
        ("while", "condition"),
    ] {
        let at = pack.find(&format!(" {word} ")).expect("the keyword") as u32 + 1;
        let (span, text) = ide::hover(&db, ws, file, at).expect("a hover");
        assert_eq!(&pack[span.range()], word);
        assert!(text.starts_with(&format!("**keyword** `{word}`")) && text.contains(says), "{text}");
    }
    let words = "use tiny\non button-long-press while \"a b\" contains \"b\" and \"A\" matches \"a\": record clip\n";
    let (db_w, ws_w, file_w) = setup(words);
    for (word, says) in [("contains", "in order and whole"), ("matches", "the same words")] {
        let at = words.find(&format!(" {word} ")).expect("the keyword") as u32 + 1;
        let (span, text) = ide::hover(&db_w, ws_w, file_w, at).expect("a hover");
        assert_eq!(&words[span.range()], word);
        assert!(text.contains(says), "{text}");
    }
    // A name still gets its own hover, and punctuation none.
    let (_, text) = ide::hover(&db, ws, file, pack.find("driving {").unwrap() as u32).expect("hover");
    assert!(text.starts_with("**state**"), "{text}");
    assert!(ide::hover(&db, ws, file, pack.find('{').unwrap() as u32).is_none());
}

#[test]
fn references_and_rename_of_a_variable() {
    let pack = "use tiny\nvar count: Int 0..9\non button-long-press: set count = count + 1\non driving becomes true while count > 2: set count = 0\non driving becomes false: if count > 1 { set count = 1 }\n";
    let (db, ws, file) = setup(pack);
    let at = pack.rfind("count = 0").unwrap() as u32;
    let refs = ide::references(&db, ws, file, at);
    assert_eq!(refs.len(), 7, "{refs:?}");
    assert!(refs.iter().all(|s| &pack[s.range()] == "count"));
    let edits = ide::rename(&db, ws, file, at, "presses").expect("renamable");
    assert_eq!(edits.len(), 7);
    assert_eq!(ide::rename(&db, ws, file, at, "on"), Err(ide::RenameError::InvalidName));
    let on_event = pack.find("button-long-press").unwrap() as u32;
    assert_eq!(ide::rename(&db, ws, file, on_event, "x"), Err(ide::RenameError::NotRenamable));
}

#[test]
fn renaming_a_rule_changes_its_name() {
    let pack = "use tiny\nrule greet: on button-long-press: record clip\n";
    let (db, ws, file) = setup(pack);
    let edits = ide::rename(&db, ws, file, pack.find("greet").unwrap() as u32 + 1, "hello").expect("renamable");
    assert_eq!(edits.len(), 1);
    assert_eq!(&pack[edits[0].0.range()], "greet");
}

#[test]
fn outline_lists_rules_tests_and_profile_members() {
    let pack = "use tiny\nvar n: Int 0..3\nrule a: on button-long-press: record clip\non driving becomes true: record photo\ntest \"t\" {\n  fire button-long-press\n}\n";
    let (db, _, file) = setup(pack);
    let names: Vec<String> = ide::symbols(&db, file).into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["n", "a", "rule at line 4", "t"]);
    let db2 = Database::default();
    let profile = SourceFile::new(&db2, "tiny.glass".into(), PROFILE.to_string());
    let outline = ide::symbols(&db2, profile);
    let capabilities: Vec<&str> =
        outline[0].children.iter().filter(|c| !c.children.is_empty()).map(|c| c.name.as_str()).collect();
    assert_eq!(capabilities, ["button", "camera"]);
}

#[test]
fn semantic_tokens_classify_resolved_names() {
    let pack = "use tiny\n# hi\non button-long-press while driving: glasses.camera.record(kind: clip)\n";
    let (db, ws, file) = setup(pack);
    let tokens = ide::semantic_tokens(&db, ws, file);
    let class_of = |word: &str| tokens.iter().find(|(s, _)| &pack[s.range()] == word).map(|(_, c)| *c);
    assert_eq!(class_of("button-long-press"), Some(ide::TokenClass::Event));
    assert_eq!(class_of("driving"), Some(ide::TokenClass::State));
    assert_eq!(class_of("camera"), Some(ide::TokenClass::Action));
    assert_eq!(class_of("kind"), Some(ide::TokenClass::Parameter));
    assert_eq!(class_of("clip"), Some(ide::TokenClass::Value));
    assert_eq!(class_of("# hi"), Some(ide::TokenClass::Comment));
    assert_eq!(class_of("while"), Some(ide::TokenClass::Keyword));
}

#[test]
fn quick_fixes_for_a_name_a_unit_and_a_permission() {
    // A bare number gets a fix only where one unit fits: in a sequence's window, `500` is `500 ms`.
    let pack = "use tiny\non buton-long-press then long-press within 500 while driving: record clip\n";
    let (db, ws, file) = setup(pack);
    let all = glass_compiler::span::Span::new(0, pack.len() as u32);
    let mut fixed = pack.to_string();
    let mut fixes = ide::fixes(&db, ws, file, all);
    fixes.sort_by_key(|f| std::cmp::Reverse(f.span.start));
    assert_eq!(fixes.len(), 3, "{fixes:?}");
    for fix in fixes {
        fixed.replace_range(fix.span.range(), &fix.replacement);
    }
    assert_eq!(
        fixed,
        "use tiny\npermit camera\non button-long-press then long-press within 500 ms while driving: record clip\n"
    );
}

#[test]
fn completion_inside_a_call_offers_its_parameters() {
    let args = kinds_at("use tiny\npermit camera\non button-long-press: record($", "$");
    assert_eq!(args, [("kind".to_string(), CompletionKind::Parameter)]);
    let after_object = kinds_at("use tiny\npermit camera\non button-long-press: record clip($", "$");
    assert_eq!(after_object, [("kind".to_string(), CompletionKind::Parameter)]);
    // A value after `kind:` is a value again, not a parameter.
    let value = kinds_at("use tiny\npermit camera\non button-long-press: record(kind: $", "$");
    assert!(value.iter().all(|(_, k)| *k != CompletionKind::Parameter), "{value:?}");
    assert!(value.contains(&("clip".to_string(), CompletionKind::Value)), "{value:?}");
}

#[test]
fn hover_on_a_short_form_object_shows_the_value_it_binds() {
    let pack = "use tiny\npermit camera\non button-long-press while driving: record clip\n";
    let (db, ws, file) = setup(pack);
    let (span, text) = ide::hover(&db, ws, file, pack.find("clip").unwrap() as u32 + 1).expect("hover");
    assert_eq!(&pack[span.range()], "clip");
    assert!(text.contains("**value** `clip` of `capture-kind`"), "{text}");
}

/// The example profiles, so packs and snippets that `use` them resolve their names.
fn example_profiles() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/profiles");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples/profiles")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "glass"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("profile")))
        .collect();
    out.sort();
    assert!(out.len() >= 10, "the example profiles: {}", out.len());
    out
}

fn example_packs() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/packs");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples/packs")
        .map(|e| e.expect("entry").path().join("pack.glass"))
        .filter(|p| p.exists())
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("pack")))
        .collect();
    out.sort();
    assert!(out.len() >= 5, "the example packs: {}", out.len());
    out
}

/// Text an editor holds while someone types: empty, comments only, other scripts, cut-off
/// constructs.
const AWKWARD: &[&str] = &[
    "",
    " ",
    "\n",
    "#",
    "# a comment\n",
    "# Everyday behaviour for Xiaomi AI Glasses\n   \n\t# and more\n  ",
    "\u{feff}",
    "\u{feff}# after a byte order mark\nuse xiaomi-ai-glasses\n",
    "\r\n\r\n# crlf\r\nuse xiaomi-ai-glasses\r\non button-long-press: record clip\r\n",
    "# 中文注释 😀 emoji\nuse xiaomi-ai-glasses\non 按钮😀: 通知(message: \"你好 😀\")\n",
    "规则 😀😀 \"😀\" 中",
    "use xiaomi-ai-glasses\nrule 拍照: on button-long-press while driving: record clip, notify(message: \"🚗 开车\")\n",
    "use",
    "use ",
    "use ,",
    "use xiaomi-ai-glasses,",
    "use xiaomi-ai-glasses, ",
    "permit",
    "permit ",
    "on",
    "on ",
    "on (",
    ")",
    "((((",
    "))))",
    ",:,:",
    "use xiaomi-ai-glasses\non button-long-press: record clip(",
    "use xiaomi-ai-glasses\non button-long-press: record clip(duration: ",
    "use xiaomi-ai-glasses\non button-long-press: record clip(duration: 60 s,",
    "use xiaomi-ai-glasses\non button-long-press: )record(",
    "use xiaomi-ai-glasses\nfire (",
    "use xiaomi-ai-glasses\ntest \"t\" {\n  fire button-long-press(\n",
    "use xiaomi-ai-glasses\ntest \"",
    "\"unterminated",
    "\"😀",
    "rule",
    "rule :",
    "rule x:",
    "rule x: on",
    "var",
    "var x: Int 0..",
    "var x: Int 0..9 = ",
    "every",
    "every 10 min while",
    "on x then y within",
    "profile",
    "profile p {",
    "profile p {\n  capability c {\n    event e(",
    "profile p {\n  action a(",
    "}}}}",
    "use xiaomi-ai-glasses\non button-long-press while driving: after 5",
    "use xiaomi-ai-glasses\non button-long-press while driving and not",
    "use xiaomi-ai-glasses\non battery below 15%",
    "10:00 99:99 5 s 0..",
    "on ¤ where ¤ == \"é",
    "\0\0\u{1}",
    "\r",
];

const SMALL_PACK: &str = "use xiaomi-ai-glasses, xiaomi-phone\npermit camera\nvar n: Int 0..9 = 0\n\
    rule count: on button-long-press while driving: set n = n + 1, record clip(duration: 60 s)\n\
    on n becomes 5: notify phone(message: \"five\")\ntest \"t\" {\n  fire button-long-press\n}\n";

/// Every byte offset of `text` (a cursor at the end and one past it included) for each request,
/// and the whole-file requests once. Spans that come back must lie in the text on character
/// boundaries, because the server turns each into a line and column.
fn every_request_everywhere(profiles: &[(String, String)], path: &str, text: &str) -> usize {
    let db = Database::default();
    let mut files: Vec<SourceFile> =
        profiles.iter().map(|(p, t)| SourceFile::new(&db, p.as_str().into(), t.clone())).collect();
    let file = match files.iter().position(|f| &**f.path(&db) == path) {
        Some(i) => files[i],
        None => {
            let f = SourceFile::new(&db, path.into(), text.to_string());
            files.push(f);
            f
        }
    };
    let ws = Workspace::new(&db, files);
    let len = text.len() as u32;
    let in_text = |what: &str, at: u32, span: glass_compiler::span::Span| {
        assert!(
            span.start <= span.end
                && span.end <= len
                && text.is_char_boundary(span.start as usize)
                && text.is_char_boundary(span.end as usize),
            "{path}: {what} at {at} gave {span:?} in a text of {len} bytes"
        );
    };
    for (span, _) in ide::semantic_tokens(&db, ws, file) {
        in_text("semantic token", 0, span);
    }
    fn walk(s: &ide::Symbol, check: &dyn Fn(glass_compiler::span::Span)) {
        check(s.span);
        check(s.name_span);
        s.children.iter().for_each(|c| walk(c, check));
    }
    for s in ide::symbols(&db, file) {
        walk(&s, &|span| in_text("symbol", 0, span));
    }
    let whole = glass_compiler::span::Span::new(0, len);
    for fix in ide::fixes(&db, ws, file, whole) {
        in_text("fix", 0, fix.span);
    }
    let _ = glass_compiler::fmt::format_source(text);
    let beyond = [len + 1, len + 7, u32::MAX - 1, u32::MAX];
    let mut hovers = 0;
    for at in (0..=len).chain(beyond) {
        if let Some((span, _)) = ide::resolve_at(&db, ws, file, at) {
            in_text("resolve_at", at, span);
        }
        if let Some((span, markdown)) = ide::hover(&db, ws, file, at) {
            in_text("hover", at, span);
            assert!(!markdown.is_empty(), "{path}: empty hover at {at}");
            hovers += 1;
        }
        if let Some(origin) = ide::definition(&db, ws, file, at)
            && *origin.file == *path
        {
            in_text("definition", at, origin.span);
        }
        let _ = ide::completions(&db, ws, file, at);
        for span in ide::references(&db, ws, file, at) {
            in_text("references", at, span);
        }
        if let Ok(edits) = ide::rename(&db, ws, file, at, "fresh-name") {
            for (span, _) in edits {
                in_text("rename", at, span);
            }
        }
        // Quick fixes for an empty range here, from here to the end, and a reversed range.
        let ranges = [
            glass_compiler::span::Span::new(at, at),
            glass_compiler::span::Span::new(at, len),
            glass_compiler::span::Span::new(at, at.saturating_sub(3)),
        ];
        for range in ranges {
            for fix in ide::fixes(&db, ws, file, range) {
                in_text("fix", at, fix.span);
            }
        }
    }
    hovers
}

#[test]
fn every_request_at_every_offset_of_the_examples() {
    let profiles = example_profiles();
    for (path, text) in example_packs() {
        // The packs resolve against the profiles: hover finds something on most names.
        let hovers = every_request_everywhere(&profiles, &path, &text);
        assert!(hovers > text.len() / 10, "{path}: only {hovers} offsets hover");
    }
    for (path, text) in &profiles {
        every_request_everywhere(&profiles, path, text);
    }
}

#[test]
fn every_request_at_every_offset_of_awkward_text() {
    let profiles = example_profiles();
    for (i, text) in AWKWARD.iter().enumerate() {
        every_request_everywhere(&profiles, &format!("awkward-{i}.glass"), text);
        // The same text with a small real pack after it.
        every_request_everywhere(&profiles, &format!("awkward-{i}-before.glass"), &format!("{text}\n{SMALL_PACK}"));
    }
}

/// A space typed in a pack's first comment line used to kill the server (73 of 77 deaths in a
/// fuzzing campaign): completion with only comments or whitespace before the cursor.
#[test]
fn completion_with_nothing_but_comments_before_the_cursor() {
    for text in ["", " ", "# Everyday behaviour ", "# one\n# two\n   ", "\u{feff}"] {
        let (db, ws, file) = setup(text);
        for at in 0..=text.len() as u32 + 1 {
            let keywords = ide::completions(&db, ws, file, at);
            assert!(keywords.iter().any(|c| c.label == "use" && c.kind == CompletionKind::Keyword), "{text:?} at {at}");
        }
    }
}

#[test]
fn time_of_day_is_completed_and_hovered_and_declared_nowhere() {
    let pattern = kinds_at("use tiny\non button-long-press while driving contains $", "$");
    assert!(pattern.contains(&("driving".to_string(), CompletionKind::State)), "{pattern:?}");
    let values = kinds_at("use tiny\non button-long-press while $", "$");
    assert!(values.contains(&("time-of-day".to_string(), CompletionKind::Value)), "{values:?}");
    let after_remainder = kinds_at("use tiny\nvar n: Int 0..9\non button-long-press while n % $", "$");
    assert!(after_remainder.contains(&("n".to_string(), CompletionKind::Variable)), "{after_remainder:?}");
    let pack = "use tiny\non button-long-press while time-of-day >= 22:00: record clip\n";
    let (db, ws, file) = setup(pack);
    let at = pack.find("time-of-day").unwrap() as u32 + 3;
    let (span, text) = ide::hover(&db, ws, file, at).expect("hover");
    assert_eq!(&pack[span.range()], "time-of-day");
    assert!(text.starts_with("**built-in** `time-of-day`: Time"), "{text}");
    assert!(ide::definition(&db, ws, file, at).is_none());
}

#[test]
fn hover_says_a_link_member_is_supplied_by_the_toolchain() {
    let car = "profile tiny-car {\n  device car via glasses\n  state moving: Bool\n}\n";
    let pack = "use tiny, tiny-car\npermit camera\non car.disconnected while car-connected: record clip\n";
    let (db, ws, file) = files(&[("tiny.glass", PROFILE), ("tiny-car.glass", car), ("pack.glass", pack)]);
    let (_, state) = ide::hover(&db, ws, file, pack.find("car-connected").unwrap() as u32 + 5).expect("hover");
    assert!(state.starts_with("**state** `car.connected`: Bool"), "{state}");
    assert!(state.contains("Supplied by the toolchain: `car` is reached through `glasses`"), "{state}");
    let (_, event) = ide::hover(&db, ws, file, pack.find("disconnected").unwrap() as u32).expect("hover");
    assert!(event.starts_with("**event** `car.disconnected`"), "{event}");
    assert!(event.contains("Supplied by the toolchain"), "{event}");
    // Go to definition lands on the `via` that gives the device its link.
    let def = ide::definition(&db, ws, file, pack.find("car-connected").unwrap() as u32).expect("definition");
    assert_eq!(&car[def.span.range()], "glasses");
}

#[test]
fn hover_shows_the_units_a_profile_declares() {
    let profile = "profile car {\n  device car\n  state speed: Int 0..300 km/h \"Speed\"\n  action precondition(temperature: Int °C = 22 °C) cost 0 mW\n}\n";
    let pack = "use car\non speed above 120 km/h: precondition(temperature: 21 degC)\n";
    let (db, ws, file) = files(&[("car.glass", profile), ("pack.glass", pack)]);
    let (_, text) = ide::hover(&db, ws, file, pack.find("speed").unwrap() as u32).expect("hover");
    assert!(text.starts_with("**state** `car.speed`: Int km/h"), "{text}");
    let (_, text) = ide::hover(&db, ws, file, pack.find("precondition").unwrap() as u32).expect("hover");
    assert!(text.contains("precondition(temperature: Int °C = 22 °C)"), "{text}");
    let (_, text) = ide::hover(&db, ws, file, pack.find("temperature").unwrap() as u32).expect("hover");
    assert!(text.contains("Int °C = 22 °C"), "{text}");
    assert!(glass_compiler::db::file_diagnostics(&db, ws, file).is_empty());
}

#[test]
fn hover_and_definition_know_families_and_their_products() {
    let family = "family bands \"Every band\" {\n  device band\n  action buzz\n}\n";
    let product = "profile band-one implements bands {\n  device band\n  action buzz\n}\n";
    let pack = "use bands\nevery 1 min: buzz\n";
    let (db, ws, file) = files(&[("bands.glass", family), ("one.glass", product), ("pack.glass", pack)]);
    let (span, text) = ide::hover(&db, ws, file, 5).expect("hover on the family");
    assert_eq!(&pack[span.range()], "bands");
    assert!(text.starts_with("**family** `bands`") && text.contains("Implemented by `band-one`"), "{text}");
    // In the product's profile, `implements bands` leads to the family.
    let one = ws.files(&db)[1];
    let at = product.find("bands").unwrap() as u32;
    let def = ide::definition(&db, ws, one, at).expect("definition of the family");
    assert_eq!(&*def.file, "bands.glass");
    assert_eq!(&family[def.span.range()], "bands");
    let (_, text) = ide::hover(&db, ws, one, product.find("implements").unwrap() as u32).expect("keyword hover");
    assert!(text.starts_with("**keyword** `implements`"), "{text}");
}

const VOICE: &str = r#"profile voice {
  device glasses
  event press
  event command(text: Text, confidence: Percent)
  action say(message: Text)
}
"#;

/// A sequence's fields: hover says which step a name reads, definition goes to the field, and
/// they are highlighted as parameters; `then`, `where` and `no` explain the steps.
#[test]
fn the_fields_of_a_sequence_s_steps() {
    let pack = "use voice\non command then press then no command where confidence > 80% within 5 s: say(message: command.text)\n";
    let (db, ws, file) = files(&[("voice.glass", VOICE), ("pack.glass", pack)]);
    let at = pack.find("command.text").expect("the field") as u32 + 9;
    let (span, text) = ide::hover(&db, ws, file, at).expect("a hover");
    assert_eq!(&pack[span.range()], "command.text");
    assert!(text.starts_with("**payload field** `text`: Text") && text.contains("step 1 of the sequence"), "{text}");
    let own = pack.find("confidence").expect("the field") as u32;
    let (_, text) = ide::hover(&db, ws, file, own).expect("a hover");
    assert!(text.contains("step 3 of the sequence"), "{text}");
    let def = ide::definition(&db, ws, file, at).expect("a definition");
    assert_eq!(&*def.file, "voice.glass");
    assert!(VOICE[def.span.range()].starts_with("text"), "{:?}", &VOICE[def.span.range()]);
    let tokens = ide::semantic_tokens(&db, ws, file);
    let class_of = |word: &str| tokens.iter().find(|(s, _)| &pack[s.range()] == word).map(|(_, c)| *c);
    assert_eq!(class_of("confidence"), Some(ide::TokenClass::Parameter));
    assert_eq!(class_of("text"), Some(ide::TokenClass::Parameter));
    for (word, says) in [("then", "then no B"), ("where", "each step may have its own"), ("no", "without a `B`")] {
        let at = pack.find(&format!(" {word} ")).expect("the keyword") as u32 + 1;
        let (span, text) = ide::hover(&db, ws, file, at).expect("a hover");
        assert_eq!(&pack[span.range()], word);
        assert!(text.starts_with(&format!("**keyword** `{word}`")) && text.contains(says), "{text}");
    }
}

#[test]
fn a_shared_limit_completes_hovers_and_renames() {
    let limits = kinds_at("use tiny\nlimit clips: at most once per 1 min\non button-long-press limit $", "$");
    assert_eq!(limits, [("clips".to_string(), CompletionKind::Limit)]);
    let pack = "use tiny\npermit camera\nlimit clips: at most 2 times per 1 min\non button-long-press limit clips: record clip\non driving becomes true limit clips: record clip\n";
    let (db, ws, file) = setup(pack);
    let use_at = pack.rfind("clips:").unwrap() as u32 + 1;
    let (span, text) = ide::hover(&db, ws, file, use_at).expect("hover");
    assert_eq!(&pack[span.range()], "clips");
    assert!(text.starts_with("**limit** `clips`: at most 2 times per 1 min"), "{text}");
    let def = ide::definition(&db, ws, file, use_at).expect("definition");
    assert_eq!(def.span.start as usize, pack.find("clips").unwrap());
    // From the declaration too: both uses and the declaration are renamed.
    let edits = ide::rename(&db, ws, file, pack.find("clips").unwrap() as u32, "shots").expect("renamable");
    assert_eq!(edits.len(), 3, "{edits:?}");
}
