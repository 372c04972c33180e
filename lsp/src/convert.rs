//! Byte offsets to LSP positions (lines and UTF-16 columns) and diagnostics to LSP diagnostics.

use glass_compiler::diagnostic::{Diagnostic, Severity};
use glass_compiler::span::Span;
use tower_lsp_server::ls_types::{self as lsp, NumberOrString};

pub fn position(text: &str, offset: u32) -> lsp::Position {
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = text[line_start..offset].encode_utf16().count() as u32;
    lsp::Position { line, character }
}

/// The byte offset of an LSP position (UTF-16 columns), clamped to the text.
pub fn offset(text: &str, pos: lsp::Position) -> u32 {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len() as u32,
        }
    }
    let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
    let mut units = 0;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= pos.character as usize {
            return (line_start + i) as u32;
        }
        units += c.len_utf16();
    }
    line_end as u32
}

pub fn range(text: &str, span: Span) -> lsp::Range {
    lsp::Range { start: position(text, span.start), end: position(text, span.end) }
}

pub fn diagnostic(text: &str, uri: &lsp::Uri, d: &Diagnostic) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message = format!("{message}: {}", d.primary.message);
    }
    if let Some(help) = &d.help {
        message = format!("{message}\nhelp: {help}");
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter(|l| l.file.is_none())
        .map(|l| lsp::DiagnosticRelatedInformation {
            location: lsp::Location { uri: uri.clone(), range: range(text, l.span) },
            message: l.message.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range: range(text, d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.0.to_string())),
        source: Some("glass".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "ab\n😀x";
        assert_eq!(position(text, 4 + 3), lsp::Position { line: 1, character: 2 });
        assert_eq!(position(text, 99), lsp::Position { line: 1, character: 3 });
        assert_eq!(offset(text, lsp::Position { line: 1, character: 2 }), 7);
        assert_eq!(offset(text, lsp::Position { line: 9, character: 0 }), text.len() as u32);
    }
}
