//! The instruction set: a stack machine over `i64` values with fixed-width 4-byte instructions
//! `[op, a, b_lo, b_hi]` (`a` is reserved and must be 0; `b` is the operand).
//!
//! Jumps only go forward, so a block runs at most as many instructions as it has. The verifier
//! knows the exact stack depth and the kind (number or text) of every stack slot at every
//! instruction, which is what makes a Cranelift lowering straightforward: stack slot `i` at a
//! given instruction is a known SSA variable.
//!
//! It also holds the runtime-wide limits: the bounds the verifier enforces, which the engines size
//! their buffers by and the compiler's backend checks against.

/// Size of one instruction in bytes.
pub const INSTR_SIZE: usize = 4;

/// One decoded instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instr {
    pub op: Op,
    /// Reserved: 0.
    pub a: u8,
    /// The operand: an index, a small signed number or a signed jump offset.
    pub b: u16,
}

macro_rules! ops {
    ($($name:ident = $code:literal, $doc:literal;)*) => {
        /// Operation codes (see `spec/bytecode.md` for the exact semantics).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Op {
            $(#[doc = $doc] $name = $code,)*
        }

        impl Op {
            /// Every operation, in opcode order.
            pub const ALL: &'static [Op] = &[$(Op::$name,)*];

            #[inline]
            pub fn from_byte(byte: u8) -> Option<Op> {
                match byte {
                    $($code => Some(Op::$name),)*
                    _ => None,
                }
            }

            /// The mnemonic, as in the spec and the disassembly.
            pub fn name(self) -> &'static str {
                match self {
                    $(Op::$name => stringify!($name),)*
                }
            }
        }
    };
}

ops! {
    Nop = 0x00, "Does nothing.";
    Const = 0x01, "Pushes constant `b`.";
    Small = 0x02, "Pushes `b` read as a signed 16-bit number.";
    Text = 0x03, "Pushes text `b` (a text value is its index: texts are unique, so equal texts have equal indices).";
    State = 0x04, "Pushes device state `b`.";
    Var = 0x05, "Pushes pack variable `b`.";
    Payload = 0x06, "Pushes payload field `b` of the triggering event (event and sequence triggers only).";
    Old = 0x07, "Pushes the value the watched state or variable had before the change (change triggers only).";
    New = 0x08, "Pushes the value it has now (change triggers only).";
    Held = 0x09, "Pushes 1 if held condition `b` has been true without a break for its duration, else 0.";
    Now = 0x0A, "Pushes the current time in ms.";
    Minute = 0x0B, "Pushes the minute of the day, `now / 60000 % 1440`.";
    Kept = 0x0C, "Pushes kept slot `b`: a payload field an earlier step of the rule's sequence kept (sequence rules and step filters only).";
    Add = 0x10, "Pops y, x; pushes x + y, wrapping.";
    Sub = 0x11, "Pops y, x; pushes x - y, wrapping.";
    Mul = 0x12, "Pops y, x; pushes x * y, wrapping.";
    Div = 0x13, "Pops y, x; pushes x / y rounded toward zero; x / 0 = 0 and i64::MIN / -1 = i64::MIN.";
    Neg = 0x14, "Pops x; pushes -x, wrapping (-i64::MIN = i64::MIN).";
    Rem = 0x15, "Pops y, x; pushes the remainder of x / y, with the sign of x; x % 0 = 0 and i64::MIN % -1 = 0.";
    Eq = 0x18, "Pops y, x; pushes 1 if x == y, else 0 (numbers or texts, both of one kind).";
    Ne = 0x19, "Pops y, x; pushes 1 if x != y, else 0.";
    Lt = 0x1A, "Pops y, x; pushes 1 if x < y, else 0.";
    Le = 0x1B, "Pops y, x; pushes 1 if x <= y, else 0.";
    Gt = 0x1C, "Pops y, x; pushes 1 if x > y, else 0.";
    Ge = 0x1D, "Pops y, x; pushes 1 if x >= y, else 0.";
    Matches = 0x1E, "Pops y, x (texts); pushes 1 if they have the same words (see `crate::text`), else 0. Rule blocks only.";
    Contains = 0x1F, "Pops y, x (texts); pushes 1 if x contains the words of y (see `crate::text`), else 0. Rule blocks only.";
    Not = 0x20, "Pops x; pushes 1 if x == 0, else 0.";
    And = 0x21, "Pops y, x; pushes 1 if both are non-zero, else 0.";
    Or = 0x22, "Pops y, x; pushes 1 if either is non-zero, else 0.";
    Jump = 0x28, "Continues at the instruction `1 + b` (signed) after this one; forward only, stack empty.";
    JumpIfFalse = 0x29, "Pops x; if x == 0 jumps like `Jump`, else continues; forward only, stack empty after the pop.";
    ExitIfFalse = 0x30, "Pops x; if x == 0 the rule stops here (before its gate: it did not trigger).";
    Gate = 0x31, "The rule is about to act: applies its re-trigger mode, rate limit and shared limit, which may stop it. Stack empty.";
    Set = 0x32, "Pops x into pack variable `b`, clamped to its range.";
    Emit = 0x33, "Pops the arguments of action `b` (last on top) and emits it now.";
    EmitAfter = 0x34, "Pops a delay in ms, then the arguments of action `b`; emits them (as evaluated now) after the delay.";
    SetAfter = 0x35, "Pops a delay in ms, then x; sets variable `b` to x (clamped) after the delay.";
    End = 0x3F, "Ends the block: a rule ends with an empty stack, a held condition with its one number.";
}

impl Instr {
    pub const fn new(op: Op, b: u16) -> Instr {
        Instr { op, a: 0, b }
    }

    pub fn encode(self) -> [u8; INSTR_SIZE] {
        let [lo, hi] = self.b.to_le_bytes();
        [self.op as u8, self.a, lo, hi]
    }

    /// Decodes one instruction; `None` for an unknown opcode.
    #[inline]
    pub fn decode(bytes: [u8; INSTR_SIZE]) -> Option<Instr> {
        let [op, a, lo, hi] = bytes;
        Some(Instr { op: Op::from_byte(op)?, a, b: u16::from_le_bytes([lo, hi]) })
    }

    /// `b` as a signed number (`Small` values and jump offsets).
    pub fn signed(self) -> i16 {
        signed(self.b)
    }
}

impl core::fmt::Display for Instr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.op {
            Op::Small | Op::Jump | Op::JumpIfFalse => write!(f, "{} {}", self.op.name(), self.signed()),
            Op::Const
            | Op::Text
            | Op::State
            | Op::Var
            | Op::Payload
            | Op::Held
            | Op::Set
            | Op::Emit
            | Op::EmitAfter
            | Op::SetAfter => write!(f, "{} {}", self.op.name(), self.b),
            _ => f.write_str(self.op.name()),
        }
    }
}

/// An operand read as a signed number (`Small` values and jump offsets).
#[inline(always)]
pub fn signed(b: u16) -> i16 {
    i16::from_le_bytes(b.to_le_bytes())
}

/// Division as the ISA defines it: toward zero, `x / 0 == 0`, `i64::MIN / -1 == i64::MIN`.
pub fn divide(x: i64, y: i64) -> i64 {
    // `checked_div` fails exactly for `y == 0` and for `i64::MIN / -1`, whose wrapped result is `x`.
    x.checked_div(y).unwrap_or(if y == 0 { 0 } else { x })
}

/// The remainder as the ISA defines it: `x - y * (x / y)` with the quotient rounded toward zero
/// (so it has the sign of `x`), `x % 0 == 0` and `i64::MIN % -1 == 0`.
pub fn remainder(x: i64, y: i64) -> i64 {
    // `checked_rem` fails exactly for `y == 0` and for `i64::MIN % -1`, whose true remainder is 0.
    x.checked_rem(y).unwrap_or(0)
}

// ---- Runtime-wide limits: what the verifier enforces and the engines size their buffers by.

/// Values a code block may hold on its stack at once.
pub const MAX_STACK: usize = 16;
/// Arguments of one action, and fields of one event payload.
pub const MAX_ARGS: usize = 8;
/// `at most N per W` keeps the times of the last `N` runs: `N` is at most this.
pub const MAX_RATE: u8 = 8;
/// Shared limits in one program: a rule row names one in a byte (0 for none, else its index + 1).
pub const MAX_LIMITS: u16 = 255;
/// Triggers one rule may have (`on a or b or ...`): a rule's other triggers are the rows right
/// after its first, at most this many minus one rows back from it.
pub const MAX_TRIGGERS: u16 = 8;
/// Instructions one rule run may execute (its recorded bound is at most this).
pub const MAX_RULE_BOUND: u16 = 1024;
/// Texts in one program (the verifier checks they are unique).
pub const MAX_TEXTS: usize = 2048;
/// Forward jumps of one block that may be pending (not yet reached) at once.
pub const MAX_PENDING_JUMPS: usize = 8;
/// Minutes in a day (`Daily` triggers).
pub const MINUTES_PER_DAY: u16 = 1440;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_round_trips() {
        for op in Op::ALL {
            let i = Instr::new(*op, 0xBEEF);
            assert_eq!(Instr::decode(i.encode()), Some(i));
        }
        let unknown = (0..=255u8).filter(|b| Op::from_byte(*b).is_none()).count();
        assert_eq!(unknown, 256 - Op::ALL.len());
    }

    #[test]
    fn division_edge_cases() {
        assert_eq!(divide(7, 0), 0);
        assert_eq!(divide(i64::MIN, -1), i64::MIN);
        assert_eq!(divide(-7, 2), -3);
        assert_eq!(divide(7, -2), -3);
    }

    #[test]
    fn remainder_edge_cases() {
        assert_eq!(remainder(7, 0), 0);
        assert_eq!(remainder(i64::MIN, 0), 0);
        assert_eq!(remainder(i64::MIN, -1), 0);
        assert_eq!(remainder(i64::MAX, -1), 0);
        assert_eq!(remainder(-7, 2), -1);
        assert_eq!(remainder(7, -2), 1);
        assert_eq!(remainder(i64::MIN, i64::MAX), -1);
        // With `divide`, `x == y * (x / y) + x % y` wherever `y` is neither 0 nor -1.
        for (x, y) in [(7, 3), (-7, 3), (7, -3), (-7, -3), (i64::MIN, 2), (i64::MAX, 10)] {
            assert_eq!(y * divide(x, y) + remainder(x, y), x, "{x} % {y}");
        }
    }
}
