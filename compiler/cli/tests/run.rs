//! `glassc run` end to end, on the real binary: actions as JSON lines from a pack and from a
//! built .gbc, every kind of malformed line reported with its line number, and `--explain`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pack() -> PathBuf {
    repo().join("examples/packs/xiaomi-everyday/pack.glass")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glassc-run-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs glassc in `dir` (so the events file's name in messages is short and stable).
fn glassc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glassc")).current_dir(dir).args(args).output().expect("glassc runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

/// `glassc run PACK --events events.jsonl ARGS...` with these events, in a scratch folder.
fn run(name: &str, pack: &Path, events: &str, args: &[&str]) -> Output {
    let dir = scratch(name);
    std::fs::write(dir.join("events.jsonl"), events).expect("events file");
    let pack = pack.to_str().expect("utf-8 path");
    let mut all = vec!["run", pack, "--events", "events.jsonl"];
    all.extend_from_slice(args);
    glassc(&dir, &all)
}

/// A morning drive: a condition that is false, a filter, a busy rule, a rate limit, a queued
/// rule, a restarted snooze, a two-step sequence, a delayed action and an `every` timer.
const DRIVE: &str = r#"{"at": 0, "state": "driving", "value": false}
{"at": 1000, "event": "button-long-press"}
{"at": 1500, "event": "voice-wake-word", "payload": {"word": "XiaoAi"}}
{"at": 1600, "event": "voice-wake-word", "payload": {"word": "hey glasses"}}
{"at": 2000, "state": "glasses.driving", "value": true}
{"at": 2000, "state": "speed", "value": 80}
{"at": 2500, "event": "glasses.button.long-press"}
{"at": 3000, "event": "button-double-press"}
{"at": 4000, "event": "button-double-press"}
{"at": 5000, "state": "worn", "value": true}
{"at": 6000, "event": "wheel-custom-button"}
{"at": 7000, "event": "wheel-custom-button"}
{"at": 8000, "event": "wheel-custom-button"}
{"at": 9000, "event": "wheel-custom-button"}
{"at": 10000, "event": "calendar-reminder", "payload": {"title": "Stand-up", "minutes-before": 10}}
{"at": 11000, "event": "calendar-reminder", "payload": ["Lunch", 5]}
{"at": 11500, "event": "calendar-reminder", "payload": {"title": "Dentist", "minutes-before": 60}}
{"at": 12000, "state": "music-playing", "value": true}
{"at": 12000, "state": "driving", "value": false}
{"at": 12000, "state": "motion", "value": "still"}
{"at": 13000, "event": "button-press"}
{"at": 14000, "event": "button-press"}
{"at": 20000, "event": "button-press"}
{"at": 20500, "event": "button-long-press"}
{"at": 70000}
{"at": 7200000, "state": "driving", "value": true}
"#;

#[test]
fn a_pack_prints_its_actions_as_json_lines() {
    let out = run("pack-json", &pack(), DRIVE, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("every line is JSON");
        for key in ["at", "action", "args", "rule", "line", "delayed"] {
            assert!(v.get(key).is_some(), "`{key}` missing in {line}");
        }
    }
    // Glass values by parameter name: an enum value, a duration, a text.
    assert!(
        text.contains(
            r#""action":"glasses.camera.record","args":{"kind":"clip","duration":"1 min"},"rule":"long-clip""#
        ),
        "{text}"
    );
    insta::assert_snapshot!("pack-actions", text);
    let summary = stderr(&out);
    assert!(summary.starts_with("summary: 26 lines run to 7200000 ms"), "{summary}");
    assert!(summary.contains("rate-limited 1, busy-ignored 2, queued 2, cancelled 2"), "{summary}");
    assert!(summary.contains("queue-overflow 0, faults 0"), "{summary}");
}

#[test]
fn a_built_program_runs_with_qualified_names_and_prints_numbers() {
    let dir = scratch("gbc");
    let gbc = dir.join("pack.gbc");
    let built = glassc(&dir, &["build", pack().to_str().unwrap(), "-o", gbc.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let events = r#"{"at": 0, "state": "glasses.driving", "value": true}
{"at": 1000, "event": "glasses.button.long-press"}
{"at": 1500, "event": "glasses.voice.wake-word", "payload": ["hey glasses"]}
{"at": 1600, "state": "glasses.worn", "value": true}
{"at": 1700, "event": "phone.calendar.reminder", "payload": ["Stand-up", 10]}
{"at": 5000}
"#;
    let out = run("gbc-run", &gbc, events, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("gbc-actions", stdout(&out));
    // Arguments are a list of numbers and texts; rules keep their names and lines.
    assert!(stdout(&out).contains(
        r#"{"at":1000,"action":"glasses.camera.record","args":[1,15000],"rule":null,"line":10,"delayed":false}"#
    ));
    assert!(stdout(&out).contains(r#""args":["Stand-up"],"rule":"read-reminders""#));

    // The same trace on the pack itself emits the same actions at the same times.
    let pack_out = run("gbc-same", &pack(), events, &[]);
    let key = |text: &str| -> Vec<(u64, String, bool)> {
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["at"].as_u64().unwrap(), v["action"].as_str().unwrap().to_string(), v["delayed"].as_bool().unwrap())
            })
            .collect()
    };
    assert_eq!(key(&stdout(&out)), key(&stdout(&pack_out)));

    // A .gbc has no field names, so a payload object is refused, with the way out.
    let out =
        run("gbc-object", &gbc, r#"{"at": 1, "event": "glasses.voice.wake-word", "payload": {"word": "x"}}"#, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error: events.jsonl:1: a .gbc has no field names"), "{}", stderr(&out));
    // And short names point to the qualified ones.
    let out = run("gbc-short", &gbc, r#"{"at": 1, "event": "button-press"}"#, &[]);
    assert!(
        stderr(&out).contains(
            "error: events.jsonl:1: the program has no event `button-press`; a .gbc names it by its qualified name: `glasses.button.press`"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_malformed_line_is_reported_with_its_number_and_the_rest_still_runs() {
    let events = r#"{"at": 1000, "state": "worn", "value": true}
not json
[1, 2]
{"event": "button-press"}
{"at": 2000, "event": "buton-long-press"}
{"at": 2000, "state": "drivng", "value": true}
{"at": 2000, "event": "voice-wake-word", "payload": {"wrod": "XiaoAi"}}
{"at": 2000, "event": "voice-wake-word", "payload": {"word": 3}}
{"at": 500, "event": "button-press"}
{"at": 2000, "state": "driving", "value": "yes"}
{"at": 2000, "state": "driving"}
{"at": 2000, "event": "voice-wake-word"}
{"at": -5}
{"at": 2000, "colour": "red"}
{"at": 2000, "event": "button-press", "state": "driving"}
{"at": 2000, "state": "tint", "value": "purple"}
{"at": 2000, "event": "calendar-reminder", "payload": ["Lunch"]}
{"at": 2000, "event": "wheel-custom-button", "payload": {"x": 1}}
{"at": 2000, "var": "clips", "value": 1}
{"at": 2000, "event": "press", "value": 1}
{"at": "soon"}

{"at": 3000, "event": "wheel-custom-button"}
"#;
    let out = run("malformed", &pack(), events, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let expected = [
        (2, "this is not JSON: expected ident at line 1 column 2"),
        (3, "expected a JSON object such as {\"at\": 1000, \"event\": \"button-press\"}, found a list"),
        (4, "missing `at`: the time of the line in milliseconds"),
        (5, "the pack's profiles have no event `buton-long-press`; did you mean `button-long-press`"),
        (6, "the pack's profiles have no state `drivng`; did you mean `driving`?"),
        (7, "`glasses.voice.wake-word` has no payload field `wrod`; did you mean `word`?"),
        (8, "payload field `word` of `glasses.voice.wake-word`: expected a text in a string, found 3"),
        (9, "`at` is 500, earlier than the 1000 of the line before: time never goes back"),
        (10, "the value of state `glasses.driving`: expected true or false, found \"yes\""),
        (11, "missing `value`: the new value of state `driving`"),
        (12, "missing `payload`: `glasses.voice.wake-word` has the fields `word`"),
        (13, "`at` must be a whole number of milliseconds from 0 up, found -5"),
        (14, "unknown key `colour`"),
        (15, "a line has one of `event`, `state` or `var`, not `event` and `state`"),
        (16, "`purple` is not a value of tint-level; its values are `clear`, `light`, `medium`, `dark`"),
        (17, "`phone.calendar.reminder` has 2 payload fields, but the payload list has 1"),
        (18, "`car.wheel.custom-button` has no payload fields, but the payload has `x`"),
        (19, "the pack has no variable `clips`; did you mean `clips-today`?"),
        (20, "`value` belongs to a `state` or `var` line"),
        (21, "`at` must be a whole number of milliseconds from 0 up, found \"soon\""),
    ];
    for (line, reason) in expected {
        let prefix = format!("error: events.jsonl:{line}: ");
        let found = err.lines().find(|l| l.starts_with(&prefix));
        assert!(found.is_some_and(|l| l.contains(reason)), "line {line}: expected `{reason}` in\n{err}");
    }
    // One message per bad line, none for the blank line 22 or the good lines 1 and 23.
    assert_eq!(err.lines().filter(|l| l.starts_with("error: events.jsonl:")).count(), expected.len(), "{err}");
    assert!(err.contains("error: 20 lines of `events.jsonl` could not be run"), "{err}");
    assert!(err.contains("summary: 2 lines run to 3000 ms, 2 actions emitted"), "{err}");
    // The good lines after the bad ones still ran: the photo at 3 s.
    assert!(stdout(&out).contains(r#"{"at":3000,"action":"glasses.camera.record","args":{"kind":"photo""#));
}

#[test]
fn explain_says_why_each_rule_acted_or_not() {
    let out = run("explain", &pack(), DRIVE, &["--explain"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "the rule at line 10: the condition `while driving` was false (line 10) [driving = false]",
        "rule `own-wake-word` (line 57): the filter `where word == \"hey glasses\"` was false (line 57)",
        "rule `one-assistant` (line 51): the filter `where word == \"XiaoAi\"` was false (line 52)",
        "the condition `while worn and someone-home` was false (line 53) [worn = false, someone-home = false]",
        "rule `long-clip` (line 19): ignored: still busy with its delayed actions (mode single, line 19)",
        "rule `wheel-photo` (line 28): rate limit: at most 3 times per 10 min reached (line 28)",
        "rule `read-reminders` (line 78): waits until its delayed actions are done (mode queued, line 78)",
        "rule `snooze-music` (line 70): restarted (cancelled 1 delayed action of its last run), fired",
        "sequence: step 1 of 2 seen, waiting for button-long-press within 1 s of the first",
        "at 1 min 3 s: timer of rule `long-clip` (line 19): delayed phone.notify",
        "at 2 h 0 min 0 s: timer of rule `long-drive` (line 101): every 2 h",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in\n{text}");
    }
    insta::assert_snapshot!("explain-drive", text);
}

#[test]
fn explain_as_json_lines_interleaves_notes_and_actions() {
    let events = r#"{"at": 0, "state": "worn", "value": true}
{"at": 1000, "event": "wheel-custom-button"}
{"at": 1000, "event": "wheel-custom-button"}
{"at": 1000, "event": "wheel-custom-button"}
{"at": 1000, "event": "wheel-custom-button"}
"#;
    let out = run("explain-json", &pack(), events, &["--explain", "--message-format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    let limited = lines.iter().find(|v| v["outcome"] == "rate-limited").expect("a rate-limited note");
    assert_eq!(limited["rule"], "wheel-photo");
    assert_eq!(limited["line"], 28);
    assert_eq!(lines.iter().filter(|v| v["action"] == "glasses.audio.chime").count(), 3);
    insta::assert_snapshot!("explain-json", text);
}

#[test]
fn explain_on_a_gbc_names_rules_and_instructions() {
    let dir = scratch("gbc-explain");
    let gbc = dir.join("pack.gbc");
    let built = glassc(&dir, &["build", pack().to_str().unwrap(), "-o", gbc.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let events = r#"{"at": 1000, "event": "glasses.button.long-press"}
{"at": 1500, "event": "glasses.voice.wake-word", "payload": ["XiaoAi"]}
"#;
    let out = run("gbc-explain-run", &gbc, events, &["--explain"]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!("explain-gbc", stdout(&out));
}

#[test]
fn events_come_from_stdin_with_a_dash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_glassc"))
        .args(["run", pack().to_str().unwrap(), "--events", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("glassc runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"at\": 1, \"event\": \"voice-wake-word\", \"payload\": {\"word\": \"hey glasses\"}}\n{\"at\": 2, \"bad\": 1}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "{\"at\":1,\"action\":\"glasses.voice.listen\",\"args\":{},\"rule\":\"own-wake-word\",\"line\":57,\"delayed\":false}\n"
    );
    assert!(stderr(&out).contains("error: <stdin>:2: unknown key `bad`"), "{}", stderr(&out));
}

#[test]
fn bad_programs_and_missing_files_are_errors_not_panics() {
    let dir = scratch("bad-program");
    let gbc = dir.join("pack.gbc");
    let built = glassc(&dir, &["build", pack().to_str().unwrap(), "-o", gbc.to_str().unwrap()]);
    assert!(built.status.success());
    let mut bytes = std::fs::read(&gbc).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(dir.join("half.gbc"), &bytes).unwrap();
    std::fs::write(dir.join("events.jsonl"), "{\"at\": 0}\n").unwrap();
    let out = glassc(&dir, &["run", "half.gbc", "--events", "events.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: `half.gbc` is not a valid glass program"), "{}", stderr(&out));

    let out = glassc(&dir, &["run", "pack.gbc", "--events", "missing.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read `missing.jsonl`"), "{}", stderr(&out));

    let out = glassc(&dir, &["run", "pack.gbc"]);
    assert_eq!(out.status.code(), Some(2), "--events is required");

    // Not UTF-8: reported for that line only.
    std::fs::write(dir.join("binary.jsonl"), b"{\"at\": 0}\n\xff\xfe\n").unwrap();
    let out = glassc(&dir, &["run", "pack.gbc", "--events", "binary.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("error: binary.jsonl:2: the line is not UTF-8 text"), "{}", stderr(&out));
}

#[test]
fn help_describes_the_events_file() {
    let out = glassc(&repo(), &["run", "--help"]);
    assert!(out.status.success());
    let help = stdout(&out);
    for expected in ["Events file: one JSON object per line", "`payload`", "error: FILE:LINE: reason", "exit code is 1"]
    {
        assert!(help.contains(expected), "missing `{expected}` in\n{help}");
    }
}
