//! The backend end to end: example packs compile, verify and pass their tests; their listings
//! are snapshots; runtime limits are coded errors; damaged programs are refused, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use glass_compiler::build::{build_targets, is_pack, pack_program_in};
use glassc::inputs;
use glassc::session::Session;
use glassc::testing;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn glassc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glassc")).args(args).output().expect("glassc runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glassc-backend-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn example_packs() -> Vec<PathBuf> {
    let packs = inputs::glass_files(&[repo().join("examples/packs")]).expect("packs");
    assert!(packs.len() >= 5, "one pack per device family");
    packs
}

/// A compiled program, and the product it is for when the pack is written for a family.
type Program = (Option<String>, Vec<u8>);

/// The compiled programs of one pack file (one per product for a pack written for a family,
/// with the product's name), and its source text.
fn compile(pack: &Path) -> (Vec<Program>, String) {
    let session = Session::new(inputs::load(&[pack.to_path_buf()], &[]).expect("load"));
    let (input, file) = &session.files[0];
    let file = file.expect("text");
    assert!(is_pack(&session.db, file));
    let programs = build_targets(&session.db, session.ws, file)
        .into_iter()
        .map(|target| {
            let output = pack_program_in(&session.db, session.ws, file, target);
            (target.label(&session.db), output.as_ref().unwrap_or_else(|e| panic!("{e:?}")).bytes.clone())
        })
        .collect();
    (programs, input.text.clone())
}

#[test]
fn example_packs_disassemble_as_recorded() {
    for pack in example_packs() {
        let (programs, source) = compile(&pack);
        for (product, bytes) in programs {
            let program = glass_runtime::verify(&bytes).expect("the verifier accepts compiled packs");
            let name = pack.parent().and_then(|p| p.file_name()).expect("pack folder").to_string_lossy().into_owned();
            let name = product.map_or(name.clone(), |p| format!("{name}-{p}"));
            insta::assert_snapshot!(format!("disasm-{name}"), testing::listing(&program, Some(&source)));
        }
    }
}

#[test]
fn example_tests_all_pass_and_every_pack_has_ten_rules_and_tests() {
    let session = Session::new(inputs::load(&[repo().join("examples")], &[]).expect("examples"));
    let results = testing::run_all(&session, glassc::harness::Engine::Both);
    let mut tested: Vec<&str> = results.iter().map(|r| r.path.as_str()).collect();
    tested.dedup();
    assert_eq!(tested.len(), example_packs().len(), "every pack has tests");
    for file in &results {
        let failures: Vec<_> = file.tests.iter().filter_map(|t| t.failure.as_ref().map(|f| (&t.name, f))).collect();
        assert!(failures.is_empty(), "{}: {failures:#?}", file.path);
        assert!(file.tests.len() >= 10, "{} has only {} tests", file.path, file.tests.len());
    }
    for pack in example_packs() {
        for (_, bytes) in compile(&pack).0 {
            let program = glass_runtime::verify(&bytes).expect("verifies");
            assert!(
                program.count(glass_runtime::format::Section::Rules) >= 10,
                "{} has fewer than 10 rules",
                pack.display()
            );
        }
    }
}

const PROFILE: &str = "profile p {
  device glasses
  capability button {
    event press
    event long-press
  }
  state driving: Bool
  state battery: Percent
  action notify(message: Text = \"\")
  action chime
}
";

/// A scratch pack beside a `profiles` folder holding [`PROFILE`].
fn pack_dir(name: &str, pack: &str) -> PathBuf {
    pack_beside(name, PROFILE, pack)
}

/// A scratch pack beside a `profiles` folder holding one file of `profiles`.
fn pack_beside(name: &str, profiles: &str, pack: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("profiles")).expect("profiles dir");
    std::fs::write(dir.join("profiles/p.glass"), profiles).expect("profiles");
    std::fs::write(dir.join("pack.glass"), pack).expect("pack");
    dir
}

#[test]
fn a_failing_test_shows_both_traces_and_exits_1() {
    let dir = pack_dir(
        "failing",
        "use p\n\nrule warn: on press while driving: notify(message: \"Eyes on the road\"), after 2 s chime\n\n\
         test \"the warning\" {\n  set driving = true\n  at 1 s: fire press\n  expect notify(message: \"Watch out\")\n  \
         at 3 s: expect no chime\n}\n\ntest \"nothing when parked\" {\n  at 1 s: fire press\n  expect no notify\n}\n",
    );
    let junit = dir.join("junit.xml");
    let out = glassc(&["test", dir.join("pack.glass").to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("utf-8").replace(dir.to_str().unwrap(), "DIR");
    insta::assert_snapshot!("failing-test", stdout);
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(xml.contains("tests=\"2\"") && xml.contains("failures=\"1\""), "{xml}");
    assert!(xml.contains("<failure") && xml.contains("Watch out"), "{xml}");
}

/// A family of bands and two products that differ in `buzz`'s default strength.
const FAMILY: &str = "family bands {
  device band
  state battery: Percent
  action buzz(strength: Percent = 50%)
}

profile band-plain implements bands {
  device band
  state battery: Percent
  action buzz(strength: Percent = 50%)
}

profile band-pro implements bands {
  device band
  state battery: Percent
  action buzz(strength: Percent = 80%) takes 2 s
}
";

#[test]
fn a_pack_for_a_family_is_tested_and_built_for_each_product() {
    let dir = pack_beside(
        "family",
        FAMILY,
        "use bands\n\non battery below 10%: buzz\n\n\
         test \"a low battery buzzes at half strength\" {\n  set battery = 50%\n  at 1 s: set battery = 5%\n  \
         expect buzz(strength: 50%)\n}\n",
    );
    let pack = dir.join("pack.glass");
    let out = glassc(&["test", pack.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).expect("utf-8").replace(dir.to_str().unwrap(), "DIR");
    // The default differs on band-pro, so the test fails there and only there.
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("running 1 test in DIR/pack.glass for band-plain"), "{stdout}");
    assert!(
        stdout.contains("---- a low battery buzzes at half strength (DIR/pack.glass:5, for band-pro) ----"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("1 passed, 1 failed"), "{stdout}");

    let out = glassc(&["build", pack.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for product in ["band-plain", "band-pro"] {
        let built = std::fs::read(dir.join(format!("pack.{product}.gbc"))).expect("one program per product");
        glass_runtime::verify(&built).expect("verifies");
    }
    let out = glassc(&["disasm", pack.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("choose one with `--product` (band-plain, band-pro)"));
    let out = glassc(&["disasm", pack.to_str().unwrap(), "--product", "band-pro"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_pack_for_a_family_without_products_is_not_built() {
    let dir = scratch("lonely-family");
    std::fs::create_dir_all(&dir).expect("dir");
    let pack = dir.join("pack.glass");
    std::fs::write(&pack, "family bands {\n  device band\n  state battery: Percent\n  action buzz\n}\n\nuse bands\n\non battery below 10%: buzz\n")
        .expect("pack");
    let out = glassc(&["build", pack.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("W0305") && stderr.contains("E0503") && stderr.contains("no product"), "{stderr}");
}

#[test]
fn passing_tests_exit_0_with_the_closing_line() {
    let dir = pack_dir(
        "passing",
        "use p\n\nrule low: on battery below 15%: notify(message: \"Charge me\")\n\n\
         test \"low battery\" {\n  set battery = 50%\n  at 1 s: set battery = 10%\n  expect notify(message: \"Charge me\")\n  \
         at 2 s: set battery = 5%\n  expect no notify\n}\n",
    );
    let out = glassc(&["test", dir.join("pack.glass").to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.trim_end().ends_with("1 passed, 0 failed"), "{stdout}");
}

#[test]
fn a_pack_with_errors_runs_no_test() {
    let dir = pack_dir("broken", "use p\non pres: chime\ntest \"t\" {\n  at 1 s: fire press\n  expect chime\n}\n");
    let out = glassc(&["test", dir.join("pack.glass").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("E0101") && stderr.contains("no test was run"), "{stderr}");
}

#[test]
fn runtime_limits_are_coded_errors_with_a_span() {
    let dir = pack_dir("limits", "use p\nrule chatty: on press at most 9 times per 1 min: chime\n");
    let out = glassc(&["build", dir.join("pack.glass").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("E0600") && stderr.contains("at most 9 times") && stderr.contains("pack.glass:2"),
        "{stderr}"
    );
    assert!(!dir.join("pack.gbc").exists(), "nothing is written for a pack that does not build");
}

#[test]
fn build_writes_a_program_disasm_reads_it_back() {
    let dir = pack_dir("build", "use p\nrule warn: on long-press while driving: notify(message: \"Hi\"), chime\n");
    let pack = dir.join("pack.glass");
    let out = glassc(&["build", pack.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let gbc = dir.join("pack.gbc");
    let bytes = std::fs::read(&gbc).expect("pack.gbc written beside the pack");
    assert_eq!(&bytes[..4], b"GLAS");
    let out = glassc(&["disasm", gbc.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("rule 0 \"warn\" line 2: on event 0 \"glasses.button.long-press\""), "{listing}");
    assert!(listing.contains("Emit 0") && listing.contains("glasses.notify"), "{listing}");
}

#[test]
fn damaged_programs_are_refused_with_a_reason() {
    let dir = pack_dir("damaged", "use p\nrule warn: on long-press while driving: notify(message: \"Hi\"), chime\n");
    let out =
        glassc(&["build", dir.join("pack.glass").to_str().unwrap(), "-o", dir.join("good.gbc").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let good = std::fs::read(dir.join("good.gbc")).expect("built");
    let mut wrong_version = good.clone();
    wrong_version[4] = 9;
    let mut bad_magic = good.clone();
    bad_magic[0] = b'X';
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() - 3].to_vec(), ""),
        ("version", wrong_version, "version"),
        ("magic", bad_magic, "GLAS"),
        ("empty", Vec::new(), ""),
    ];
    for (name, bytes, reason) in cases {
        let path = dir.join(format!("{name}.gbc"));
        std::fs::write(&path, bytes).expect("write");
        let out = glassc(&["disasm", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains("is not a valid glass program") && stderr.contains(reason), "{name}: {stderr}");
    }
    // Every single flipped byte is either refused or still a valid program; nothing panics.
    for i in 0..good.len() {
        for bit in [0x01u8, 0x80] {
            let mut bytes = good.clone();
            bytes[i] ^= bit;
            if let Ok(program) = glass_runtime::verify(&bytes) {
                let _ = glass_runtime::disasm::disassemble(&program);
                if let Ok(mut runtime) = glassc::harness::HostRuntime::new(&program, 0) {
                    let _ = runtime.set_state(0, 1);
                    let _ = runtime.push_event(0, &[]);
                    runtime.advance_to(10_000, &mut Ignore);
                }
            }
        }
    }
}

struct Ignore;

impl glass_runtime::Host for Ignore {
    fn emit(&mut self, _: u16, _: &[glass_runtime::Value], _: glass_runtime::Origin) {}
}

#[test]
fn the_benchmark_workload_builds_with_sixteen_rules() {
    let (mut programs, _) = compile(&repo().join("compiler/cli/benches/workload/pack.glass"));
    let (_, bytes) = programs.remove(0);
    let program = glass_runtime::verify(&bytes).expect("verifies");
    assert_eq!(program.count(glass_runtime::format::Section::Rules), 16);
}

#[test]
fn the_valid_corpus_passes_its_own_tests_under_both_engines() {
    let data = repo().join("compiler/cli/tests/data");
    let mut tested = 0;
    for entry in std::fs::read_dir(data.join("valid")).expect("valid corpus") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.lines().any(|l| l.starts_with("test \"")) {
            continue;
        }
        let out =
            glassc(&["test", "--engine", "both", path.to_str().unwrap(), data.join("profiles").to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}: {stdout}", path.display());
        tested += 1;
    }
    assert!(tested >= 2, "only {tested} programs of the valid corpus have tests");
}

#[test]
fn both_engines_run_the_tests_and_the_traces() {
    let pack = repo().join("examples/packs/xiaomi-everyday/pack.glass");
    let tests = std::fs::read_to_string(&pack).expect("pack").lines().filter(|l| l.starts_with("test \"")).count();
    assert!(tests > 10, "{tests} tests");
    for engine in ["interp", "jit", "both"] {
        let out = glassc(&["test", "--engine", engine, pack.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{engine}: {stdout}");
        assert!(stdout.trim_end().ends_with(&format!("{tests} passed, 0 failed")), "{engine}: {stdout}");
    }
    let dir = scratch("engines");
    let events = dir.join("events.jsonl");
    std::fs::write(
        &events,
        "{\"at\": 0, \"state\": \"driving\", \"value\": true}\n{\"at\": 1000, \"event\": \"button-long-press\"}\n\
         {\"at\": 2000, \"event\": \"button-double-press\"}\n{\"at\": 70000}\n",
    )
    .expect("events");
    let run = |engine: &str| {
        let out = glassc(&["run", pack.to_str().unwrap(), "--events", events.to_str().unwrap(), "--engine", engine]);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let interp = run("interp");
    assert_eq!(interp.lines().count(), 5, "{interp}");
    assert_eq!(interp, run("jit"));
}

#[test]
fn a_pack_with_too_many_texts_is_e0601() {
    let mut pack = String::from("use p\n");
    for i in 0..2100 {
        pack.push_str(&format!("on press: notify(message: \"reminder {i}\")\n"));
    }
    let dir = pack_dir("texts", &pack);
    let out = glassc(&["build", dir.join("pack.glass").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("E0601") && stderr.contains("more than the runtime's 2048"), "{stderr}");
}
