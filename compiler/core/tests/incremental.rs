//! The salsa database reuses the analyses of rules that did not change.

use std::sync::{Arc, Mutex};

use glass_compiler::db::{Database, SourceFile, Workspace, file_diagnostics};
use salsa::Setter;

const PROFILE: &str = r#"
profile tiny {
  device glasses
  enum capture-kind { photo, clip }
  state driving: Bool
  capability button {
    event long-press
    event press
  }
  capability camera {
    action record(kind: capture-kind = photo)
  }
  action notify(message: Text = "")
}
"#;

fn pack(rules: usize, edited: Option<usize>) -> String {
    let mut s = String::from("use tiny\n");
    for i in 0..rules {
        let cond = if Some(i) == edited { "not driving" } else { "driving" };
        s.push_str(&format!("rule r{i}: on button-long-press while {cond}: record clip, notify\n"));
    }
    s
}

#[test]
fn editing_one_rule_rechecks_only_that_rule() {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = log.clone();
    let mut db = Database::with_logger(move |e| {
        if let salsa::EventKind::WillExecute { database_key } = e.kind {
            sink.lock().unwrap().push(format!("{database_key:?}"));
        }
    });
    let profile = SourceFile::new(&db, "tiny.glass".into(), PROFILE.to_string());
    let file = SourceFile::new(&db, "pack.glass".into(), pack(50, None));
    let ws = Workspace::new(&db, vec![profile, file]);
    let diags = file_diagnostics(&db, ws, file);
    assert!(diags.is_empty(), "{diags:#?}");
    let first_run = log.lock().unwrap().iter().filter(|k| k.starts_with("check_item")).count();
    assert_eq!(first_run, 50);

    log.lock().unwrap().clear();
    file.set_text(&mut db).to(pack(50, Some(7)));
    assert!(file_diagnostics(&db, ws, file).is_empty());
    let ran = log.lock().unwrap().clone();
    let checks = ran.iter().filter(|k| k.starts_with("check_item")).count();
    let parses = ran.iter().filter(|k| k.starts_with("parse_item")).count();
    assert_eq!((checks, parses), (1, 1), "{ran:#?}");
    assert!(!ran.iter().any(|k| k.starts_with("pack_scope(")), "{ran:#?}");
}
