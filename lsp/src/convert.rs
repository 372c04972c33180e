//! Byte offsets to LSP positions (lines and UTF-16 columns) and diagnostics to LSP diagnostics.

use glass_compiler::diagnostic::{Diagnostic, Severity};
use glass_compiler::ide::{self, SymbolKind, TokenClass};
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

/// The semantic token types, in the order `encode_tokens` numbers them.
const TOKEN_TYPES: &[(TokenClass, lsp::SemanticTokenType)] = &[
    (TokenClass::Keyword, lsp::SemanticTokenType::KEYWORD),
    (TokenClass::Number, lsp::SemanticTokenType::NUMBER),
    (TokenClass::Text, lsp::SemanticTokenType::STRING),
    (TokenClass::Comment, lsp::SemanticTokenType::COMMENT),
    (TokenClass::Operator, lsp::SemanticTokenType::OPERATOR),
    (TokenClass::Event, lsp::SemanticTokenType::EVENT),
    (TokenClass::State, lsp::SemanticTokenType::PROPERTY),
    (TokenClass::Action, lsp::SemanticTokenType::FUNCTION),
    (TokenClass::Variable, lsp::SemanticTokenType::VARIABLE),
    (TokenClass::Value, lsp::SemanticTokenType::ENUM_MEMBER),
    (TokenClass::Parameter, lsp::SemanticTokenType::PARAMETER),
];

pub fn token_legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: TOKEN_TYPES.iter().map(|(_, t)| t.clone()).collect(),
        token_modifiers: Vec::new(),
    }
}

/// LSP's relative encoding: each token as (line delta, start delta, length, type, modifiers).
pub fn encode_tokens(text: &str, tokens: &[(Span, TokenClass)]) -> Vec<lsp::SemanticToken> {
    let mut out = Vec::with_capacity(tokens.len());
    let (mut line, mut start) = (0, 0);
    for (span, class) in tokens {
        let from = position(text, span.start);
        let to = position(text, span.end);
        if to.line != from.line {
            continue;
        }
        let Some(kind) = TOKEN_TYPES.iter().position(|(c, _)| c == class) else { continue };
        let delta_start = if from.line == line { from.character - start } else { from.character };
        out.push(lsp::SemanticToken {
            delta_line: from.line - line,
            delta_start,
            length: to.character - from.character,
            token_type: kind as u32,
            token_modifiers_bitset: 0,
        });
        (line, start) = (from.line, from.character);
    }
    out
}

#[allow(deprecated)] // `deprecated` is a required field of the LSP type.
pub fn symbol(text: &str, s: &ide::Symbol) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: s.name.clone(),
        detail: None,
        kind: match s.kind {
            SymbolKind::Rule => lsp::SymbolKind::FUNCTION,
            SymbolKind::Test => lsp::SymbolKind::METHOD,
            SymbolKind::Variable => lsp::SymbolKind::VARIABLE,
            SymbolKind::Profile => lsp::SymbolKind::MODULE,
            SymbolKind::Device => lsp::SymbolKind::OBJECT,
            SymbolKind::Capability => lsp::SymbolKind::NAMESPACE,
            SymbolKind::Event => lsp::SymbolKind::EVENT,
            SymbolKind::State => lsp::SymbolKind::PROPERTY,
            SymbolKind::Action => lsp::SymbolKind::FUNCTION,
            SymbolKind::Enum => lsp::SymbolKind::ENUM,
            SymbolKind::Processor => lsp::SymbolKind::CONSTANT,
        },
        tags: None,
        deprecated: None,
        range: range(text, s.span),
        selection_range: range(text, s.name_span),
        children: (!s.children.is_empty()).then(|| s.children.iter().map(|c| symbol(text, c)).collect()),
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
