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
    let db = Database::default();
    let profile = SourceFile::new(&db, "tiny.glass".into(), PROFILE.to_string());
    let file = SourceFile::new(&db, "pack.glass".into(), pack.to_string());
    let ws = Workspace::new(&db, vec![profile, file]);
    (db, ws, file)
}

fn kinds_at(pack: &str, marker: &str) -> Vec<(String, CompletionKind)> {
    let offset = pack.find(marker).expect("marker") as u32;
    let pack = pack.replace(marker, "");
    let (db, ws, file) = setup(&pack);
    ide::completions(&db, ws, file, offset).into_iter().map(|c| (c.label, c.kind)).collect()
}

#[test]
fn completion_follows_context() {
    let events = kinds_at("use tiny\non bu$", "$");
    assert_eq!(events, [("button-long-press".to_string(), CompletionKind::Event)]);
    let actions = kinds_at("use tiny\non button-long-press: $", "$");
    assert!(actions.contains(&("record clip".to_string(), CompletionKind::Action)), "{actions:?}");
    let values = kinds_at("use tiny\non button-long-press while $", "$");
    assert!(values.contains(&("driving".to_string(), CompletionKind::State)), "{values:?}");
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
fn references_and_rename_of_a_variable() {
    let pack = "use tiny\nvar count: Int 0..9\non button-long-press: set count = count + 1\non driving becomes true while count > 2: set count = 0\n";
    let (db, ws, file) = setup(pack);
    let at = pack.rfind("count = 0").unwrap() as u32;
    let refs = ide::references(&db, ws, file, at);
    assert_eq!(refs.len(), 5, "{refs:?}");
    assert!(refs.iter().all(|s| &pack[s.range()] == "count"));
    let edits = ide::rename(&db, ws, file, at, "presses").expect("renamable");
    assert_eq!(edits.len(), 5);
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
    let pack = "use tiny\non buton-long-press while driving: after 5 record clip\n";
    let (db, ws, file) = setup(pack);
    let all = glass_compiler::span::Span::new(0, pack.len() as u32);
    let mut fixed = pack.to_string();
    let mut fixes = ide::fixes(&db, ws, file, all);
    fixes.sort_by_key(|f| std::cmp::Reverse(f.span.start));
    assert_eq!(fixes.len(), 3, "{fixes:?}");
    for fix in fixes {
        fixed.replace_range(fix.span.range(), &fix.replacement);
    }
    assert_eq!(fixed, "use tiny\npermit camera\non button-long-press while driving: after 5 s record clip\n");
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
