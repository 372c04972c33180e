//! Replays the committed fuzz corpus (`fuzz/corpus/TARGET`) and every past finding
//! (`fuzz/regressions/TARGET`) through the targets' plain entry points, on stable, in
//! `cargo test`. A finding gets its file in `regressions/` (named for what it found) when it is
//! fixed, so it can never come back.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        let dir = root.join(dir).join(target);
        if !dir.exists() {
            continue;
        }
        for file in glass_fuzz::inputs(&dir).expect("readable corpus") {
            let bytes = std::fs::read(&file).expect("readable input");
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            assert!(
                outcome.is_ok(),
                "{target}: {} fails (replay: cargo run -p glass-fuzz --bin {target} -- {})",
                file.display(),
                file.display()
            );
            count += 1;
        }
    }
    assert!(count > 0, "{target}: no corpus to replay");
}

#[test]
fn check() {
    replay("check", glass_fuzz::check::run);
}

#[test]
fn ide() {
    replay("ide", glass_fuzz::ide::run);
}

#[test]
fn bytecode() {
    replay("bytecode", glass_fuzz::bytecode::run);
}

#[test]
fn trace() {
    replay("trace", glass_fuzz::trace::run);
}

#[test]
fn generated() {
    replay("generated", glass_fuzz::generated::run);
}
