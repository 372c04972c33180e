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
