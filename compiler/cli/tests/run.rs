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

/// The line (from 1) of the pack's first line that contains `text`, so expectations follow edits.
fn line(text: &str) -> usize {
    let pack = std::fs::read_to_string(pack()).expect("the pack");
    pack.lines().position(|l| l.contains(text)).map(|i| i + 1).unwrap_or_else(|| panic!("no `{text}` in the pack"))
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
            r#""action":"glasses.camera.record","args":{"kind":"clip","format":"landscape","duration":"1 min"},"rule":"long-clip""#
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
        r#"{"at":1000,"action":"glasses.camera.record","args":[1,0,15000],"rule":null,"line":10,"delayed":false}"#
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
    let dashcam = line("on button-long-press while driving: record clip");
    let own_wake_word = line("rule own-wake-word:");
    let one_assistant = line("rule one-assistant:");
    let long_clip = line("rule long-clip:");
    let wheel_photo = line("rule wheel-photo:");
    let read_reminders = line("rule read-reminders:");
    let snooze_music = line("rule snooze-music:");
    let long_drive = line("rule long-drive:");
    for expected in [
        format!(
            "the rule at line {dashcam}: the condition `while driving` was false (line {dashcam}) [driving = false]"
        ),
        format!(
            "rule `own-wake-word` (line {own_wake_word}): the filter `where word matches \"hey glasses\"` was false (line {own_wake_word})"
        ),
        format!(
            "rule `one-assistant` (line {one_assistant}): the filter `where word matches \"XiaoAi\"` was false (line {})",
            line("on voice-wake-word where word matches \"XiaoAi\"")
        ),
        format!(
            "the condition `while worn and someone-home` was false (line {}) [worn = false, someone-home = false]",
            line("while worn and someone-home")
        ),
        format!(
            "rule `long-clip` (line {long_clip}): ignored: still busy with its delayed actions (mode single, line {long_clip})"
        ),
        format!(
            "rule `wheel-photo` (line {wheel_photo}): rate limit: at most 3 times per 10 min reached (line {wheel_photo})"
        ),
        format!(
            "rule `read-reminders` (line {read_reminders}): waits until its delayed actions are done (mode queued, line {read_reminders})"
        ),
        format!(
            "rule `snooze-music` (line {snooze_music}): restarted (cancelled 1 delayed action of its last run), fired"
        ),
        "sequence: step 1 of 2 seen, waiting for button-long-press within 1 s of the first".to_string(),
        format!("at 1 min 3 s: timer of rule `long-clip` (line {long_clip}): delayed phone.notify"),
        format!(
            "rule `long-drive` (line {long_drive}): its condition started holding; it runs at 2 h 0 min 2 s if the condition \
             still holds then (2 h from now)"
        ),
        format!(
            "rule `long-drive` (line {long_drive}): its condition stopped holding before it had held for 2 h, so the rule \
             waits for it to hold again"
        ),
    ] {
        assert!(text.contains(&expected), "missing `{expected}` in\n{text}");
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
    assert_eq!(limited["line"], line("rule wheel-photo:"));
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
        format!(
            "{{\"at\":1,\"action\":\"glasses.voice.listen\",\"args\":{{}},\"rule\":\"own-wake-word\",\"line\":{},\"delayed\":false}}\n",
            line("rule own-wake-word:")
        )
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

/// `run`, but fails (and kills glassc) if it takes more than two minutes: a clock jump that
/// replays every missed tick would otherwise hang the test, or fill the memory.
fn run_bounded(name: &str, pack: &Path, events: &str, args: &[&str]) -> Output {
    let dir = scratch(name);
    std::fs::write(dir.join("events.jsonl"), events).expect("events file");
    let profiles = repo().join("examples/profiles");
    let mut child = Command::new(env!("CARGO_BIN_EXE_glassc"))
        .current_dir(&dir)
        .args(["run", pack.to_str().unwrap(), "--events", "events.jsonl", "--profiles", profiles.to_str().unwrap()])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("glassc runs");
    // Drain the pipes while waiting, so a large output cannot block the child.
    let mut pipes = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        use std::io::Read;
        let (mut o, mut e) = (Vec::new(), Vec::new());
        pipes.0.read_to_end(&mut o).unwrap();
        pipes.1.read_to_end(&mut e).unwrap();
        (o, e)
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("glassc run did not finish within two minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (stdout, stderr) = out.join().unwrap();
    Output { status, stdout, stderr }
}

/// A pack whose rules tick every second and every morning.
const TICKING: &str = "pack ticking
use ray-ban-meta
var beats: Int 0..1000000 = 0
rule beat: every 1 s: chime, set beats = beats + 1
rule wake: every day at 07:30: chime
";

#[test]
fn clock_jumps_run_a_periodic_rule_once_for_all_its_missed_ticks() {
    let dir = scratch("clock-jumps-pack");
    let pack = dir.join("pack.glass");
    std::fs::write(&pack, TICKING).unwrap();
    // A jump of 3,170 years, then to the end of the clock (u64::MAX ms), twice.
    let events = r#"{"at": 2500}
{"at": 100000000000000}
{"at": 18446744073709551615}
{"at": 18446744073709551615, "var": "beats", "value": 3}
"#;
    let out = run_bounded("clock-jumps", &pack, events, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Two ticks one by one; then each rule runs once per jump, at its last due tick, saying
    // how many due ticks that run stood for.
    let chime = |at: u64, rule: &str, line: u32, ticks: Option<u64>| {
        let ticks = ticks.map_or(String::new(), |n| format!(",\"ticks\":{n}"));
        format!(
            "{{\"at\":{at},\"action\":\"glasses.audio.chime\",\"args\":{{}},\"rule\":\"{rule}\",\"line\":{line},\"delayed\":false{ticks}}}"
        )
    };
    let day = 86_400_000u64;
    let at_0730 = 27_000_000u64;
    let expected = [
        chime(1_000, "beat", 4, None),
        chime(2_000, "beat", 4, None),
        // Mornings from day 0 to the last before 10^14 ms (09:46 of its day).
        chime(100_000_000_000_000 / day * day + at_0730, "wake", 5, Some(1_157_408)),
        // Seconds from 3 s to 10^14 ms.
        chime(100_000_000_000_000, "beat", 4, Some(99_999_999_998)),
        // u64::MAX ms is 14:25 of its day.
        chime(u64::MAX / day * day + at_0730, "wake", 5, Some(213_502_824_927)),
        chime(u64::MAX / 1_000 * 1_000, "beat", 4, Some((u64::MAX / 1_000) - 100_000_000_000)),
    ];
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), expected);
    let summary = stderr(&out);
    let missed = 1_157_407 + 99_999_999_997 + 213_502_824_926 + (u64::MAX / 1_000 - 100_000_000_000 - 1);
    assert!(summary.contains(&format!("faults 0, ticks-missed {missed}; 0 timers pending")), "{summary}");
    assert!(summary.contains("run to 18446744073709551615 ms, 6 actions emitted; rule runs 6"), "{summary}");

    let explained = run_bounded("clock-jumps-explain", &pack, events, &["--explain"]);
    assert!(explained.status.success(), "{}", stderr(&explained));
    let text = stdout(&explained);
    for expected in [
        "at 27777777 h 46 min 40 s: timer of rule `beat` (line 4): every 1 s",
        "  rule `beat` (line 4) ran once for 99999999998 due ticks, from 3 s to 27777777 h 46 min 40 s \
         (99999999997 missed): more than 1000 were due in this step, so one run stands for all, and the next \
         tick stays on the rule's schedule",
        "  rule `beat` (line 4): fired: glasses.audio.chime, set beats = 3",
        "  rule `wake` (line 5) ran once for 1157408 due ticks, from 7 h 30 min 0 s to 27777775 h 30 min 0 s",
    ] {
        assert!(text.lines().any(|l| l.starts_with(expected)), "missing `{expected}` in\n{text}");
    }
    let json = run_bounded("clock-jumps-json", &pack, events, &["--explain", "--message-format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let notes: Vec<serde_json::Value> = stdout(&json).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    let caught: Vec<(&str, u64)> = notes
        .iter()
        .filter(|n| n["outcome"] == "caught-up")
        .map(|n| (n["rule"].as_str().unwrap(), n["ticks"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        caught,
        [
            ("wake", 1_157_408),
            ("beat", 99_999_999_998),
            ("wake", 213_502_824_927),
            ("beat", u64::MAX / 1_000 - 100_000_000_000)
        ]
    );
}

#[test]
fn delayed_sets_that_re_arm_each_other_run_late_after_a_clock_jump() {
    let dir = scratch("clock-chain-pack");
    let pack = dir.join("pack.glass");
    // A flag that flips itself every millisecond, for ever, beside a rule every second.
    std::fs::write(
        &pack,
        "pack flipping
use ray-ban-meta
var flag: Int 0..1 = 0
rule beat: every 1 s: chime
rule start: on capture-button-press: set flag = 1
rule flip: on flag changes: after 1 ms set flag = 1 - flag
",
    )
    .unwrap();
    let events = "{\"at\": 0, \"event\": \"capture-button-press\"}\n{\"at\": 31536000000}\n{\"at\": 31536001500}\n";
    let out = run_bounded("clock-chain", &pack, events, &["--explain"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // Two timer slots: 2 × 1,001 timers fire in order, then what is still due fires once, late.
    let late = text.lines().filter(|l| l.contains("(late: due at")).collect::<Vec<_>>();
    assert_eq!(late.len(), 2, "{late:?}");
    assert!(late[1].starts_with(
        "at 8760 h 0 min 0 s: timer of rule `beat` (line 4): every 1 s (late: due at 8760 h 0 min 0 s; this step \
         had already fired 2002 timers, its catch-up budget, so what is still due runs once, now)"
    ));
    assert!(text.contains("rule `beat` (line 4) ran once for 31536000 due ticks, from 1 s to 8760 h 0 min 0 s"));
    let summary = stderr(&out);
    assert!(summary.contains("ticks-missed 31535999; 2 timers pending, the next due at 31536001501 ms"), "{summary}");
}

#[test]
fn pack_tests_may_jump_to_the_end_of_the_test_clock() {
    // The harness plays test steps on the same runtime: a hundred years, then the last
    // millisecond a test time can name (i64::MAX ms), each a single bounded step.
    let dir = scratch("clock-harness");
    let pack = dir.join("pack.glass");
    let tests = "test \"a long sleep\" {
  at 2 s: expect chime
  at 876000 h: expect chime
  at 2562047788015 h: expect chime
  at 2562047788015 h + 12 min + 55 s: expect chime
  at 2562047788015 h + 12 min + 55 s + 807 ms: expect no chime
}
";
    std::fs::write(&pack, format!("{TICKING}{tests}")).unwrap();
    let profiles = repo().join("examples/profiles");
    let mut child = Command::new(env!("CARGO_BIN_EXE_glassc"))
        .current_dir(&dir)
        .args(["test", "pack.glass", "--profiles", profiles.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("glassc runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("glassc test did not finish within two minutes");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("1 passed, 0 failed"), "{}", stdout(&out));
}
