//! How long `glassc check` takes on a generated 10,000-rule pack, cold and after a one-rule edit;
//! how long `glassc check` and `glassc fmt` take on it and on a profile with an enum of 10,000
//! values (with a pack that names them).
//!
//! Run: `cargo bench -p glassc --bench check`. Prints one line per measurement; README records them.
//! The pack is generated against a fixed profile in this file so the figure does not move when the
//! example profiles change.

use std::time::{Duration, Instant};

use glass_compiler::db::{Database, SourceFile, Workspace, file_diagnostics};
use salsa::Setter;

const PROFILE: &str = r#"
profile bench-glasses {
  device glasses
  processor ar1
  enum capture-kind { photo, clip }
  enum motion-state { still, walking, running }
  state driving: Bool
  state battery: Percent
  state motion: motion-state
  state steps: Int
  capability button {
    event press max 5 per second
    event long-press max 2 per second
  }
  capability voice {
    event wake-word(word: Text) max 1 per second
  }
  capability camera {
    action record(kind: capture-kind = photo, duration: Duration = 15 s) cost 1200 mW takes duration on ar1 privacy camera
  }
  action notify(message: Text = "") cost 20 mW
}
"#;

const RULES: &[&str] = &[
    "on button-long-press while driving: record clip, notify",
    "on button-press while battery > 20% and not driving at most once per minute: record photo",
    "on wake-word where word == \"hello\": notify(message: \"hi\")",
    "on battery below 15%: notify(message: \"battery low\")",
    "on motion becomes running while steps > 1000: after 5 s notify, set count = count + 1",
    "every 10 min while motion == still for 3 s: record photo",
    "on button-press then button-press within 400 ms mode restart: record clip(duration: 30 s)",
];

fn pack(rules: usize) -> String {
    let mut s = String::from("use bench-glasses\npermit camera\nvar count: Int 0..1000000 = 0\n");
    for i in 0..rules {
        s.push_str(&format!("rule r{i}: {}\n", RULES[i % RULES.len()]));
    }
    s
}

/// A profile with an enum of `values` values, and a pack of `rules` rules that compare a state of
/// it with one value each.
fn big_enum(values: usize, rules: usize) -> (String, String) {
    let names: Vec<String> = (0..values).map(|i| format!("level{i}")).collect();
    let profile = format!(
        "profile many-levels \"有一万个级别的设备\" {{\n  device glasses\n  enum level {{ {} }} \"级别\"\n  state current: level \"当前级别\"\n  capability button {{\n    event press\n  }}\n  action notify(message: Text = \"\", at: level = level0) cost 20 mW\n}}\n",
        names.join(", ")
    );
    let mut pack = String::from("use many-levels\n");
    for i in 0..rules {
        let v = (i * 7919) % values;
        pack.push_str(&format!(
            "rule r{i}: on button-press while current == level{v}: notify(message: \"级别 {v}\", at: level{v})\n"
        ));
    }
    (profile, pack)
}

/// The median time of `f` over `n` runs.
fn time(n: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..n)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn check_once(profile: &str, pack: &str) {
    let db = Database::default();
    let profile = SourceFile::new(&db, "profile.glass".into(), profile.to_string());
    let file = SourceFile::new(&db, "pack.glass".into(), pack.to_string());
    let ws = Workspace::new(&db, vec![profile, file]);
    for f in [profile, file] {
        let diags = file_diagnostics(&db, ws, f);
        assert!(diags.is_empty(), "the generated files must check clean: {:?}", diags.first());
    }
}

fn format_once(texts: &[&str]) {
    for text in texts {
        assert!(glass_compiler::fmt::format_source(text).is_some(), "the generated files must format");
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let rules = 10_000;
    let text = pack(rules);
    let mut cold = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let db = Database::default();
        let profile = SourceFile::new(&db, "bench-glasses.glass".into(), PROFILE.to_string());
        let file = SourceFile::new(&db, "pack.glass".into(), text.clone());
        let ws = Workspace::new(&db, vec![profile, file]);
        let diags = file_diagnostics(&db, ws, file);
        assert!(diags.is_empty(), "the generated pack must check clean: {:?}", diags.first());
        cold.push(start.elapsed());
    }
    println!("check, {rules} rules, {} bytes, cold: {:?} (median of 5)", text.len(), median(cold));

    // One-character edits inside one rule in the middle, as an editor sends them.
    let mut db = Database::default();
    let profile = SourceFile::new(&db, "bench-glasses.glass".into(), PROFILE.to_string());
    let file = SourceFile::new(&db, "pack.glass".into(), text.clone());
    let ws = Workspace::new(&db, vec![profile, file]);
    file_diagnostics(&db, ws, file);
    let at = text.find(&format!("rule r{}:", rules / 2)).expect("middle rule") + 5;
    let mut warm = Vec::new();
    for i in 0..20 {
        let mut edited = text.clone();
        edited.insert(at, if i % 2 == 0 { 'x' } else { 'y' });
        let start = Instant::now();
        file.set_text(&mut db).to(edited);
        let diags = file_diagnostics(&db, ws, file);
        warm.push(start.elapsed());
        assert!(diags.is_empty());
    }
    println!("re-check after a one-character edit in one rule of {rules}: {:?} (median of 20)", median(warm));

    let fmt = time(5, || format_once(&[PROFILE, &text]));
    println!("fmt, {rules} rules, {} bytes: {fmt:?} (median of 5)", text.len());

    let (values, enum_rules) = (10_000, 1_000);
    let (profile, pack) = big_enum(values, enum_rules);
    let bytes = profile.len() + pack.len();
    let check = time(5, || check_once(&profile, &pack));
    println!(
        "check, an enum of {values} values and {enum_rules} rules naming them, {bytes} bytes: {check:?} (median of 5)"
    );
    let fmt = time(5, || format_once(&[&profile, &pack]));
    println!(
        "fmt, an enum of {values} values and {enum_rules} rules naming them, {bytes} bytes: {fmt:?} (median of 5)"
    );
}
