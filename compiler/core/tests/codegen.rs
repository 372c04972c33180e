//! Code generation: what a rule compiles to, the runtime limits it reports, the tests it lowers
//! and the profile hash it records.

use glass_compiler::build::{pack_program, pack_tests};
use glass_compiler::codes;
use glass_compiler::db::{Database, SourceFile, Workspace};
use glass_compiler::ir::StepKind;
use glass_compiler::types::Const;
use glass_runtime::disasm::disassemble;
use glass_runtime::format::Section;

const PROFILE: &str = r#"
profile tiny {
  device glasses
  enum capture-kind { photo, clip }
  state driving: Bool
  state battery: Percent
  state title: Text
  capability button {
    event press
    event long-press
  }
  capability voice {
    event wake-word(word: Text)
  }
  capability camera {
    action record(kind: capture-kind = photo, duration: Duration = 15 s) privacy camera
  }
  action notify(message: Text = "")
}
"#;

struct Built {
    db: Database,
    ws: Workspace,
    file: SourceFile,
}

fn load(pack: &str, profile: &str) -> Built {
    let db = Database::default();
    let profile = SourceFile::new(&db, "p.glass".into(), profile.to_string());
    let file = SourceFile::new(&db, "pack.glass".into(), pack.to_string());
    let ws = Workspace::new(&db, vec![profile, file]);
    Built { db, ws, file }
}

/// The listing of a pack that must build.
fn listing(pack: &str) -> String {
    let b = load(pack, PROFILE);
    let output = pack_program(&b.db, b.ws, b.file).as_ref().unwrap_or_else(|e| panic!("{e:#?}")).clone();
    let program = glass_runtime::verify(&output.bytes).expect("the verifier accepts what codegen emits");
    disassemble(&program)
}

/// The codes of the errors of a pack that must not build.
fn errors(pack: &str) -> Vec<(String, String)> {
    let b = load(pack, PROFILE);
    let errors = pack_program(&b.db, b.ws, b.file).as_ref().expect_err("does not build").clone();
    errors.iter().map(|d| (d.code.to_string(), d.message.clone())).collect()
}

#[test]
fn the_sentence_compiles_to_a_guarded_emit() {
    let l = listing("use tiny\npermit camera\non long-press while driving: record clip, notify\n");
    let code: Vec<&str> = l.lines().skip_while(|l| !l.starts_with("rule 0")).skip(1).collect();
    let ops: Vec<&str> = code.iter().map(|l| l.split_whitespace().nth(1).unwrap_or("")).collect();
    assert_eq!(ops, ["State", "ExitIfFalse", "Gate", "Small", "Small", "Emit", "Text", "Emit", "End"], "{l}");
    assert!(l.contains("Small 1") && l.contains("Small 15000"), "clip is enum value 1, 15 s is 15000 ms:\n{l}");
    assert!(l.contains("permissions 0b1 "), "camera is permitted:\n{l}");
    assert!(l.contains("rule 0 line 3: on event 0 \"glasses.button.long-press\""), "{l}");
}

#[test]
fn only_what_the_rules_use_is_in_the_program() {
    let b = load("use tiny\non press: notify(message: \"hi\")\n", PROFILE);
    let output = pack_program(&b.db, b.ws, b.file).as_ref().expect("builds").clone();
    let program = glass_runtime::verify(&output.bytes).expect("verifies");
    assert_eq!(program.count(Section::Events), 1);
    assert_eq!(program.count(Section::States), 0);
    // `record` needs the camera permission the pack does not ask for: it must not be in the table.
    assert_eq!(program.count(Section::Actions), 1);
    assert_eq!(output.symbols.actions.iter().flatten().count(), 1);
    assert_eq!(program.text(0), Some(""), "text 0 is the empty text a text state starts with");
}

#[test]
fn delays_thresholds_sequences_and_held_conditions() {
    let l = listing(
        "use tiny\nvar n: Int 0..10 = 0\n\
         rule a: on battery below 15%: notify(message: \"low\"), after 2 min set n = n + 1\n\
         rule b: on press then long-press within 400 ms mode restart at most 3 times per 1 min: notify\n\
         rule c: every 10 min while driving for 30 s: notify\n\
         rule d: on wake-word where word == \"hello\": notify(message: word)\n",
    );
    for expected in [
        "on state 0 \"glasses.battery\" below 15, mode single",
        "SetAfter 0",
        "on events 0 \"glasses.button.press\" then 1 \"glasses.button.long-press\" within 400 ms, mode restart at-most 3 per 60000 ms",
        "held 0 for 30000 ms:",
        "Held 0",
        "every 600000 ms",
        "Payload 0",
        "timers 2",
    ] {
        assert!(l.contains(expected), "missing `{expected}` in:\n{l}");
    }
    // 2 min = 120000 ms does not fit a Small: it is a constant.
    assert!(l.contains("= 120000"), "{l}");
}

#[test]
fn runtime_limits_are_e0600() {
    let too_many = errors("use tiny\non press at most 9 times per 1 min: notify\n");
    assert_eq!(too_many[0].0, codes::RUNTIME_LIMIT.to_string(), "{too_many:?}");
    assert!(too_many[0].1.contains("at most 9 times"), "{too_many:?}");

    let long_sequence = errors("use tiny\non press then press then press then press then press within 2 s: notify\n");
    assert_eq!(long_sequence[0].0, "E0600", "{long_sequence:?}");
    assert!(long_sequence[0].1.contains("5 events"), "{long_sequence:?}");

    // 17 values on the stack at once: n + (n + (n + ... )).
    let mut deep = String::from("n");
    for _ in 0..17 {
        deep = format!("n + ({deep})");
    }
    let deep = errors(&format!("use tiny\nvar n: Int 0..10 = 0\non press: set n = {deep}\n"));
    assert_eq!(deep[0].0, "E0600", "{deep:?}");
    assert!(deep[0].1.contains("16 values"), "{deep:?}");
}

#[test]
fn a_pack_with_errors_does_not_build() {
    let errs = errors("use tiny\non pres: notify\n");
    assert_eq!(errs[0].0, "E0101");
}

#[test]
fn tests_lower_to_timed_steps_with_constants() {
    let b = load(
        "use tiny\npermit camera\non press: record clip\n\
         test \"t\" {\n  set driving = true\n  at 2 s: fire wake-word(word: \"hi\")\n  expect record clip\n  at 1 min: expect no notify\n}\n",
        PROFILE,
    );
    let tests = pack_tests(&b.db, b.ws, b.file);
    assert_eq!(tests.len(), 1);
    let steps = &tests[0].test.steps;
    assert_eq!(steps.iter().map(|s| s.at_ms).collect::<Vec<_>>(), [0, 2_000, 2_000, 60_000]);
    assert!(matches!(&steps[0].kind, StepKind::Set { value: Const::Bool(true), .. }));
    assert!(matches!(&steps[1].kind, StepKind::Fire { payload, .. } if payload == &[Const::Text("hi".into())]));
    let StepKind::Expect { negated: false, args, .. } = &steps[2].kind else { panic!("{:?}", steps[2]) };
    assert_eq!(args, &[Some(Const::Enum("capture-kind".into(), "clip".into())), None]);
    assert!(matches!(&steps[3].kind, StepKind::Expect { negated: true, .. }));
}

#[test]
fn the_profile_hash_follows_the_interface_not_the_layout() {
    let hash = |profile: &str| {
        let b = load("use tiny\non press: notify\n", profile);
        let bytes = pack_program(&b.db, b.ws, b.file).as_ref().expect("builds").bytes.clone();
        glass_runtime::verify(&bytes).expect("verifies").header().profile_hash
    };
    let base = hash(PROFILE);
    assert_eq!(base, hash(&PROFILE.replace("  state driving", "\n  # a comment\n  state driving")));
    assert_ne!(base, hash(&PROFILE.replace("state battery: Percent", "state battery: Int")));
}

#[test]
fn a_pack_is_not_built_against_a_profile_with_errors() {
    // `Percnt` is no type: the state lowers with the error type, which no instruction can encode.
    // The pack itself checks clean (the mistake is in the profile's file), yet it must not build.
    let profile = PROFILE.replace("state battery: Percent", "state battery: Percnt");
    let b = load("use tiny\non press while battery > 50%: notify(message: \"charged\")\n", &profile);
    let pack_errors = glass_compiler::db::file_diagnostics(&b.db, b.ws, b.file);
    assert!(!glass_compiler::db::has_errors(pack_errors), "{pack_errors:#?}");
    let errors = pack_program(&b.db, b.ws, b.file).as_ref().expect_err("does not build").clone();
    assert!(errors.iter().any(|d| d.code == codes::UNKNOWN_TYPE), "{errors:#?}");
}
