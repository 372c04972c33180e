//! The `glassc` command line, as a library so its pieces can be tested: finding input files,
//! loading them into the compiler's database, and rendering diagnostics for people and tools.
//!
//! Everything that touches the file system or the terminal lives here, not in the compiler core.

pub mod compile;
pub mod harness;
pub mod inputs;
pub mod render;
pub mod run;
pub mod session;
pub mod testing;
pub mod values;
