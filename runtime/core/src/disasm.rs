//! The disassembler: a verified program as a readable listing, for snapshot tests, the fuzzers
//! and `glassc disasm`.
//!
//! Host-only, like the encoder: it allocates its text, so it exists only with the `builder`
//! feature (and in this crate's own tests).

// Host-only code that never sees untrusted input (it reads a verified program through its checked
// accessors): the no-panic lints of the device code do not apply to it.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

extern crate alloc;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use crate::format::*;
use crate::isa::{Instr, Op};
use crate::program::Program;

/// A readable listing of a verified program: tables, then each held condition's and rule's code,
/// every operand annotated with what it names. (For snapshot tests and `glassc disasm`.)
pub fn disassemble(p: &Program) -> String {
    disassemble_annotated(p, &|_| None)
}

/// [`disassemble`], with the source text of each rule's line when `source_line` knows it.
pub fn disassemble_annotated(p: &Program, source_line: &dyn Fn(u32) -> Option<String>) -> String {
    let mut out = String::new();
    let name = |n: u16| p.name(n).map_or(String::new(), |s| format!(" {s:?}"));
    let h = p.header();
    let _ = writeln!(
        out,
        "glass bytecode v{} profile {:016x} permissions {:#b} timers {}",
        h.version, h.profile_hash, h.permissions, h.timer_slots
    );
    for i in 0..p.len16(Section::Consts) {
        let _ = writeln!(out, "const {i} = {}", p.constant(i).unwrap_or(0));
    }
    for i in 0..p.len16(Section::Texts) {
        let _ = writeln!(out, "text {i} = {:?}", p.text(i).unwrap_or(""));
    }
    for i in 0..p.len16(Section::States) {
        if let Some(s) = p.state(i) {
            let _ = writeln!(out, "state {i}{} {:?}", name(s.name), s.kind);
        }
    }
    for i in 0..p.len16(Section::Vars) {
        if let Some(v) = p.var(i) {
            let _ = writeln!(out, "var {i}{} {}..{} = {}", name(v.name), v.min, v.max, v.init);
        }
    }
    for i in 0..p.len16(Section::Events) {
        if let Some(e) = p.event(i) {
            let _ = writeln!(out, "event {i}{} fields {} text-mask {:#b}", name(e.name), e.fields, e.text_mask);
        }
    }
    for i in 0..p.len16(Section::Actions) {
        if let Some(a) = p.action(i) {
            let class = if a.privacy == NO_PRIVACY { "-" } else { privacy_name(a.privacy) };
            let _ = writeln!(
                out,
                "action {i}{} args {} text-mask {:#b} privacy {class}",
                name(a.name),
                a.argc,
                a.text_mask
            );
        }
    }
    for i in 0..p.len16(Section::Limits) {
        if let Some(l) = p.limit(i) {
            let _ = writeln!(out, "limit {i}{} at-most {} per {} ms", name(l.name), l.count, l.window_ms);
        }
    }
    let listing = |out: &mut String, start: u32, len: u16| {
        for at in start..start + u32::from(len) {
            if let Some(ins) = p.instr(at) {
                let note = operand_note(p, ins);
                let line = format!("  {at:04} {ins}");
                let _ = if note.is_empty() { writeln!(out, "{line}") } else { writeln!(out, "{line:<24}; {note}") };
            }
        }
    };
    for i in 0..p.len16(Section::Held) {
        if let Some(hc) = p.held(i) {
            let _ = writeln!(out, "held {i} for {} ms:", hc.duration_ms);
            listing(&mut out, hc.code_start, hc.code_len);
        }
    }
    for i in 0..p.len16(Section::Rules) {
        if let Some(r) = p.rule(i) {
            let rate = r.rate.map_or(String::new(), |r| format!(" at-most {} per {} ms", r.count, r.window_ms));
            let mode = match r.mode {
                Mode::Single => "single",
                Mode::Restart => "restart",
                Mode::Queued => "queued",
            };
            let shared = match r.shares_gate {
                0 => String::new(),
                back => format!(", gate of rule {}", i.saturating_sub(back)),
            };
            let limit = r.shared_limit.map_or(String::new(), |l| match p.limit(l).and_then(|l| p.name(l.name)) {
                Some(n) => format!(", limit {l} ({n})"),
                None => format!(", limit {l}"),
            });
            let _ = writeln!(
                out,
                "rule {i}{} line {}: {}, mode {mode}{rate}{limit}{shared}, bound {}",
                name(r.name),
                r.line,
                trigger_text(p, &r.trigger),
                r.bound
            );
            if let Some(src) = source_line(r.line) {
                let _ = writeln!(out, "  ; {:>4} | {}", r.line, src.trim_end());
            }
            if let Trigger::Sequence { len, steps, .. } = r.trigger {
                let mut filters = false;
                for k in 0..u16::from(len) {
                    if let Some(step) = p.step(steps.saturating_add(k)).filter(|s| s.code_len > 0) {
                        let _ = writeln!(out, "  step {k} where:");
                        listing(&mut out, step.code_start, step.code_len);
                        filters = true;
                    }
                }
                if filters {
                    let _ = writeln!(out, "  rule:");
                }
            }
            listing(&mut out, r.code_start, r.code_len);
        }
    }
    out
}

/// What an instruction's operand names: a constant's value, a text, a state, an action ...
fn operand_note(p: &Program, ins: Instr) -> String {
    let named = |n: Option<u16>| n.and_then(|n| p.name(n)).unwrap_or("").to_string();
    match ins.op {
        Op::Const => p.constant(ins.b).map_or(String::new(), |v| format!("= {v}")),
        Op::Text => p.text(ins.b).map_or(String::new(), |t| format!("{t:?}")),
        Op::State => named(p.state(ins.b).map(|s| s.name)),
        Op::Var | Op::Set | Op::SetAfter => named(p.var(ins.b).map(|v| v.name)),
        Op::Emit | Op::EmitAfter => named(p.action(ins.b).map(|a| a.name)),
        Op::Held => p.held(ins.b).map_or(String::new(), |h| format!("held for {} ms", h.duration_ms)),
        Op::Kept => "kept by an earlier step".to_string(),
        _ => String::new(),
    }
}

/// A trigger in words: `on event 0 "glasses.button.press"`, `every 600000 ms`, `daily at 07:30`.
fn trigger_text(p: &Program, t: &Trigger) -> String {
    let event = |e: u16| match p.event(e).and_then(|e| p.name(e.name)) {
        Some(n) => format!("{e} {n:?}"),
        None => format!("{e}"),
    };
    match *t {
        Trigger::Event { event: e } => format!("on event {}", event(e)),
        Trigger::Change { source, index, edge, value } => {
            let what = match source {
                Source::State => format!(
                    "state {index}{}",
                    p.state(index).and_then(|s| p.name(s.name)).map_or(String::new(), |n| format!(" {n:?}"))
                ),
                Source::Var => format!(
                    "var {index}{}",
                    p.var(index).and_then(|v| p.name(v.name)).map_or(String::new(), |n| format!(" {n:?}"))
                ),
            };
            match edge {
                Edge::Changes => format!("on {what} changes"),
                Edge::Becomes => format!("on {what} becomes {value}"),
                Edge::Below => format!("on {what} below {value}"),
                Edge::Above => format!("on {what} above {value}"),
            }
        }
        Trigger::Every { period_ms } => format!("every {period_ms} ms"),
        Trigger::Daily { minute } => format!("daily at {:02}:{:02}", minute / 60, minute % 60),
        Trigger::Sequence { events, len, within_ms, steps } => {
            let steps: Vec<String> = events
                .iter()
                .take(usize::from(len))
                .enumerate()
                .map(|(k, e)| {
                    let step = p.step(steps.saturating_add(k as u16));
                    let no = if step.is_some_and(|s| s.absent) { "no " } else { "" };
                    let keep = step.filter(|s| s.keep != 0).map_or(String::new(), |s| format!(" keep {:#b}", s.keep));
                    let filter = if step.is_some_and(|s| s.code_len > 0) { " where (step code below)" } else { "" };
                    format!("{no}{}{keep}{filter}", event(*e))
                })
                .collect();
            format!("on events {} within {within_ms} ms", steps.join(" then "))
        }
        Trigger::Held { held } => match p.held(held) {
            Some(h) => format!("on held condition {held} for {} ms", h.duration_ms),
            None => format!("on held condition {held}"),
        },
    }
}
