//! Byte offsets to LSP positions (lines and UTF-16 columns) and diagnostics to LSP diagnostics.

use glass_compiler::diagnostic::{Diagnostic, Severity};
use glass_compiler::ide::{self, SymbolKind, TokenClass};
use glass_compiler::span::Span;
use tower_lsp_server::ls_types::{self as lsp, NumberOrString};

/// Byte offsets to LSP positions and back for one text, built once per request in one pass:
/// each conversion is then a binary search, so a request that converts every token of a file is
/// linear in the file, not quadratic.
pub struct LineIndex<'t> {
    text: &'t str,
    /// The byte offset where each line starts; the first is 0.
    lines: Vec<u32>,
    /// For each character outside ASCII, the offset just after it and how many more bytes than
    /// UTF-16 units the text has up to there. A column is the bytes from the line start less the
    /// difference gained on the way.
    wide: Vec<(u32, u32)>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut lines = vec![0];
        let mut wide = Vec::new();
        let mut extra = 0u32;
        let bytes = text.as_bytes();
        for (i, c) in text.char_indices() {
            // LSP's line ends: `\n`, `\r\n` and a lone `\r`.
            if c == '\n' || (c == '\r' && bytes.get(i + 1) != Some(&b'\n')) {
                lines.push(i as u32 + 1);
            } else if !c.is_ascii() {
                extra += (c.len_utf8() - c.len_utf16()) as u32;
                wide.push(((i + c.len_utf8()) as u32, extra));
            }
        }
        LineIndex { text, lines, wide }
    }

    /// The bytes-over-UTF-16-units of the text before `offset`.
    fn extra_before(&self, offset: u32) -> u32 {
        let after = self.wide.partition_point(|&(end, _)| end <= offset);
        after.checked_sub(1).and_then(|i| self.wide.get(i)).map_or(0, |&(_, extra)| extra)
    }

    /// The line and UTF-16 column of a byte offset; an offset past the end is the end, one inside
    /// a character is that character's start.
    pub fn position(&self, offset: u32) -> lsp::Position {
        let offset = self.text.floor_char_boundary(offset as usize) as u32;
        let line = self.lines.partition_point(|&start| start <= offset).saturating_sub(1);
        let start = self.lines.get(line).copied().unwrap_or(0);
        let character = (offset - start) - (self.extra_before(offset) - self.extra_before(start));
        lsp::Position { line: line as u32, character }
    }

    /// The range of a span, widened out to character boundaries (so a span that cuts a character
    /// covers all of it) and put in order.
    pub fn range(&self, span: Span) -> lsp::Range {
        let (start, end) = (span.start.min(span.end), span.end.max(span.start));
        let end = self.text.ceil_char_boundary((end as usize).min(self.text.len())) as u32;
        lsp::Range { start: self.position(start), end: self.position(end) }
    }

    /// The byte offset of an LSP position (UTF-16 columns), clamped to the text: a line past
    /// the last is the end of the text, a column past the line's end is the line's end, and a
    /// column inside a surrogate pair is the character's start.
    pub fn offset(&self, pos: lsp::Position) -> u32 {
        let Some(&start) = self.lines.get(pos.line as usize) else { return self.text.len() as u32 };
        let next = self.lines.get(pos.line as usize + 1).map_or(self.text.len(), |&next| next as usize);
        let line = self.text.get(start as usize..next).unwrap_or_default();
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let end = start as usize + line.len();
        let mut units = 0;
        for (i, c) in line.char_indices() {
            units += c.len_utf16();
            if units > pos.character as usize {
                return start + i as u32;
            }
        }
        end as u32
    }
}

pub fn diagnostic(index: &LineIndex, uri: &lsp::Uri, d: &Diagnostic) -> lsp::Diagnostic {
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
            location: lsp::Location { uri: uri.clone(), range: index.range(l.span) },
            message: l.message.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range: index.range(d.primary.span),
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
/// Tokens must come sorted by start; one that spans lines, or starts before the previous one
/// ends, is left out (LSP's encoding can express neither).
pub fn encode_tokens(index: &LineIndex, tokens: &[(Span, TokenClass)]) -> Vec<lsp::SemanticToken> {
    let mut out = Vec::with_capacity(tokens.len());
    // The previous token's line and start column, and where it ended.
    let (mut line, mut start) = (0, 0);
    let mut end = lsp::Position { line: 0, character: 0 };
    for (span, class) in tokens {
        let from = index.position(span.start);
        let to = index.position(span.end);
        let Some(length) = to.character.checked_sub(from.character).filter(|_| to.line == from.line) else { continue };
        if (from.line, from.character) < (end.line, end.character) {
            continue;
        }
        let Some(kind) = TOKEN_TYPES.iter().position(|(c, _)| c == class) else { continue };
        let delta_line = from.line - line;
        let delta_start = if delta_line == 0 { from.character - start } else { from.character };
        out.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: kind as u32,
            token_modifiers_bitset: 0,
        });
        (line, start, end) = (from.line, from.character, to);
    }
    out
}

#[allow(deprecated)] // `deprecated` is a required field of the LSP type.
pub fn symbol(index: &LineIndex, s: &ide::Symbol) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: s.name.clone(),
        detail: None,
        kind: match s.kind {
            SymbolKind::Rule => lsp::SymbolKind::FUNCTION,
            SymbolKind::Test => lsp::SymbolKind::METHOD,
            SymbolKind::Variable => lsp::SymbolKind::VARIABLE,
            SymbolKind::Limit => lsp::SymbolKind::CONSTANT,
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
        range: index.range(s.span),
        selection_range: index.range(s.name_span),
        children: (!s.children.is_empty()).then(|| s.children.iter().map(|c| symbol(index, c)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "ab\n😀x";
        let index = LineIndex::new(text);
        assert_eq!(index.position(4 + 3), lsp::Position { line: 1, character: 2 });
        assert_eq!(index.position(99), lsp::Position { line: 1, character: 3 });
        assert_eq!(index.offset(lsp::Position { line: 1, character: 2 }), 7);
        assert_eq!(index.offset(lsp::Position { line: 1, character: 1 }), 3, "inside the pair: its start");
        assert_eq!(index.offset(lsp::Position { line: 9, character: 0 }), text.len() as u32);
        assert_eq!(index.offset(lsp::Position { line: 0, character: 99 }), 2, "past the line's end");
    }

    #[test]
    fn a_range_covers_every_character_it_touches_in_order() {
        let index = LineIndex::new("a😀b");
        let pos = |character| lsp::Position { line: 0, character };
        // Bytes 2..3 cut the emoji (bytes 1..5): the range covers all of it.
        assert_eq!(index.range(Span::new(2, 3)), lsp::Range { start: pos(1), end: pos(3) });
        assert_eq!(index.range(Span { start: 5, end: 1 }), lsp::Range { start: pos(1), end: pos(3) });
        assert_eq!(index.range(Span::new(5, 99)), lsp::Range { start: pos(3), end: pos(4) });
    }

    #[test]
    fn tokens_out_of_order_overlapping_or_across_lines_are_left_out() {
        let text = "on a: b\n\"x\ny\" c";
        let index = LineIndex::new(text);
        let t = |a, b| (Span::new(a, b), TokenClass::Keyword);
        let tokens = [t(0, 2), t(1, 4), t(3, 4), t(0, 1), t(5, 4), t(6, 7), t(8, 13), t(14, 15), t(99, 120)];
        let encoded: Vec<(u32, u32, u32)> =
            encode_tokens(&index, &tokens).iter().map(|t| (t.delta_line, t.delta_start, t.length)).collect();
        // `on`, `a`, `b`, then `c` two lines down; the overlaps, the reversed span and the
        // string across lines are dropped; past the end is an empty token at the end.
        assert_eq!(encoded, [(0, 0, 2), (0, 3, 1), (0, 3, 1), (2, 3, 1), (0, 1, 0)]);
    }

    /// The position of `offset` counted from the start, the obvious way.
    fn naive(text: &str, offset: usize) -> lsp::Position {
        let offset = text.floor_char_boundary(offset);
        let (mut line, mut character) = (0, 0);
        for (i, c) in text[..offset].char_indices() {
            let lone_cr = c == '\r' && !text[i + 1..].starts_with('\n');
            if c == '\n' || lone_cr {
                (line, character) = (line + 1, 0);
            } else {
                character += c.len_utf16() as u32;
            }
        }
        lsp::Position { line, character }
    }

    #[test]
    fn every_offset_agrees_with_counting_from_the_start() {
        let texts = [
            "",
            "\n",
            "abc",
            "ab\n😀x\n",
            "中文\r\n规则 😀😀\r\n\r\n",
            "a\rb\r\rc\r",
            "é\u{10348}\u{feff}\n\n  # 注释\non button-long-press: notify(message: \"你好\")",
        ];
        for text in texts {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                let pos = index.position(offset as u32);
                assert_eq!(pos, naive(text, offset), "{text:?} at {offset}");
                let boundary = text.floor_char_boundary(offset);
                let inside_crlf = text[..boundary].ends_with('\r') && text[boundary..].starts_with('\n');
                if !inside_crlf {
                    assert_eq!(index.offset(pos) as usize, boundary, "{text:?} at {offset}: {pos:?}");
                }
            }
        }
    }
}
