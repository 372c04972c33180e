//! The `glassc` binary: exit codes, output formats, explain, fmt.

use std::path::PathBuf;
use std::process::{Command, Output};

fn glassc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glassc")).args(args).output().expect("glassc runs")
}

fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glassc-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profiles")).expect("scratch dir");
    for (path, text) in files {
        std::fs::write(dir.join(path), text).expect("write");
    }
    dir
}

const PROFILE: &str = "profile p {\n  device glasses\n  capability button {\n    event long-press\n  }\n  state driving: Bool\n  action notify(message: Text = \"\")\n}\n";

#[test]
fn clean_pack_exits_0_and_finds_nearby_profiles() {
    let dir = scratch(
        "clean",
        &[("profiles/p.glass", PROFILE), ("pack.glass", "use p\non button-long-press while driving: notify\n")],
    );
    let out = glassc(&["check", dir.join("pack.glass").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no problems"));
}

#[test]
fn errors_exit_1_with_json_for_tools() {
    let dir = scratch("json", &[("profiles/p.glass", PROFILE), ("pack.glass", "use p\non buton-long-press: notify\n")]);
    let out = glassc(&["check", "--message-format", "json", dir.join("pack.glass").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let line = String::from_utf8(out.stdout).expect("utf-8");
    let v: serde_json::Value = serde_json::from_str(line.lines().next().expect("one line")).expect("json");
    assert_eq!(v["code"], "E0101");
    assert_eq!(v["primary"]["line_start"], 2);
    assert_eq!(v["primary"]["column_start"], 4);
    assert_eq!(v["fix"]["replacement"], "button-long-press");
}

#[test]
fn usage_and_io_problems_exit_2() {
    assert_eq!(glassc(&["check", "/no/such/path.glass"]).status.code(), Some(2));
    assert_eq!(glassc(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(glassc(&["explain", "E9999"]).status.code(), Some(2));
}

#[test]
fn explain_prints_the_long_form() {
    let out = glassc(&["explain", "e0201"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("E0201: number without a unit"), "{text}");
}

#[test]
fn fmt_check_reports_unformatted_files_and_fmt_fixes_them() {
    let dir = scratch("fmt", &[("pack.glass", "use p\non  button-long-press   while driving :notify # why\n")]);
    let path = dir.join("pack.glass");
    let out = glassc(&["fmt", "--check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(glassc(&["fmt", path.to_str().unwrap()]).status.code(), Some(0));
    let formatted = std::fs::read_to_string(&path).expect("read");
    assert!(formatted.contains("# why"), "{formatted}");
    assert_eq!(glassc(&["fmt", "--check", path.to_str().unwrap()]).status.code(), Some(0));
}

#[test]
fn invalid_utf8_is_a_coded_error() {
    let dir = scratch("utf8", &[]);
    std::fs::write(dir.join("bad.glass"), b"use p\n\xff\xfe on x").expect("write");
    let out = glassc(&["check", dir.join("bad.glass").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0005"));
}
