//! The `ide` target (see `glass_fuzz::ide`): libFuzzer under `cargo fuzz`, else a replayer of
//! the files and folders named on the command line.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| glass_fuzz::ide::run(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    glass_fuzz::replay_main(glass_fuzz::ide::run)
}
