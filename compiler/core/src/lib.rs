//! The glass compiler core.
//!
//! Pure: no I/O, no knowledge of terminals, JSON or the LSP. Source texts and profiles are salsa
//! inputs (`db`), and every stage (parsing, the capability model, name resolution, typechecking)
//! is a tracked query; `glassc` and `glass-lsp` ask the same queries.

pub mod build;
pub mod check;
pub mod codegen;
pub mod codes;
pub mod db;
pub mod diagnostic;
pub mod family;
pub mod fmt;
pub mod ide;
pub mod ir;
pub mod lower;
pub mod model;
pub mod scope;
pub mod span;
pub mod suggest;
pub mod syntax;
pub mod types;
