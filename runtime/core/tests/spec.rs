//! The example in `spec/bytecode.md` is what the builder and the disassembler produce.

use glass_runtime::builder::{Code, ProgramBuilder, RuleSpec};
use glass_runtime::disasm::disassemble;
use glass_runtime::format::{Kind, Trigger};
use glass_runtime::isa::Op::*;
use glass_runtime::verify;

/// The first ```text block after `heading` in the spec.
fn spec_block(heading: &str) -> String {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/bytecode.md")).unwrap();
    let section = &spec[spec.find(heading).unwrap_or_else(|| panic!("no {heading}"))..];
    let start = section.find("```text\n").unwrap() + "```text\n".len();
    let end = section[start..].find("```").unwrap();
    section[start..start + end].to_string()
}

#[test]
fn the_dashcam_example_matches_the_spec() {
    // on button-long-press while driving: record clip, notify car
    let mut b = ProgramBuilder::new();
    b.permit("camera");
    let driving = b.state("driving", Kind::Num);
    let press = b.event("button-long-press", &[]);
    let record = b.action("record", &[Kind::Num, Kind::Num], Some("camera"));
    let notify = b.action("notify car", &[Kind::Text], None);
    let clip = b.constant(1);
    let fifteen_s = b.constant(15_000);
    let empty = b.text("");
    let mut c = Code::new();
    c.op(State, driving).op(ExitIfFalse, 0).op(Gate, 0);
    c.op(Const, clip).op(Const, fifteen_s).op(Emit, record).op(Text, empty).op(Emit, notify).op(End, 0);
    b.rule(RuleSpec::on(Trigger::Event { event: press }), &c);
    let bytes = b.finish();
    let program = verify(&bytes).unwrap();
    assert_eq!(disassemble(&program), spec_block("## 8. Example"));
    // Header, 2 constants, 5 texts and their 40 bytes, a state, an event, 2 actions, a rule, 9 instructions.
    assert_eq!(bytes.len(), 120 + 2 * 8 + 5 * 8 + 40 + 4 + 4 + 2 * 8 + 48 + 9 * 4);
    assert_eq!(bytes.len(), 324, "the size spec/bytecode.md gives");
}
