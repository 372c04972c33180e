//! Bytes through the verifier, the disassembler and both engines.
//!
//! The input is a program followed by the stimuli to play on it: its first two bytes give the
//! program's length (little-endian), so mutations of a real `.gbc` keep a stimulus script, and
//! a script can change without breaking the program. Whatever the bytes, `verify` answers with a
//! program or a typed error; a program it accepts disassembles, loads or is refused calmly, and
//! runs the same on the interpreter and the JIT.

use arbitrary::Unstructured;

use crate::drive;

pub fn run(data: &[u8]) {
    let (program, script) = match data {
        [a, b, rest @ ..] => rest.split_at(usize::from(u16::from_le_bytes([*a, *b])).min(rest.len())),
        _ => (data, &[][..]),
    };
    let Ok(program) = glass_runtime::verify(program) else { return };
    let _ = glass_runtime::disasm::disassemble(&program);
    let steps = drive::steps(&mut Unstructured::new(script), &program);
    drive::both(&program, &steps);
}
