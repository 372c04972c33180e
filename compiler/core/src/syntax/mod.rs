//! Text to syntax trees: lexing, cutting a file into items, and parsing each item.

pub mod ast;
mod habits;
pub mod lexer;
pub mod parser;
pub mod print;
pub mod split;
mod text_tests;
pub mod units;

pub use split::{ParsedItem, parse_item_text, split_items};
