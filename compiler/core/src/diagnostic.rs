//! The one diagnostic type every stage produces.
//!
//! Diagnostics are plain data: a stable code, a message, a primary label, secondary labels and a
//! help line. They are rendered only at the edge (ariadne in `glassc`, JSON for tools, LSP in the
//! language server), so no stage knows how they will be shown.

use std::sync::Arc;

use crate::codes::Code;
use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A span with something to say about it. `file` is `None` when the label is in the file the
/// diagnostic belongs to, or names another file (a profile, say) by path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub file: Option<Arc<str>>,
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// One sentence in the rule author's words: what is wrong.
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// A machine-applicable fix: replace the text at the span (in this file) with `replacement`.
    pub fix: Option<Fix>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fix {
    pub title: String,
    pub span: Span,
    pub replacement: String,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: Label { file: None, span, message: String::new() },
            secondary: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>, span: Span) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message, span) }
    }

    /// The text under the primary span's caret.
    pub fn with_label_message(mut self, message: impl Into<String>) -> Self {
        self.primary.message = message.into();
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label { file: None, span, message: message.into() });
        self
    }

    pub fn with_secondary_in(mut self, file: Arc<str>, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label { file: Some(file), span, message: message.into() });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, title: impl Into<String>, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Fix { title: title.into(), span, replacement: replacement.into() });
        self
    }

    /// Moves every span in this file by `offset` (item-relative to file-absolute).
    pub fn shifted(mut self, offset: u32) -> Self {
        if offset == 0 {
            return self;
        }
        if self.primary.file.is_none() {
            self.primary.span = self.primary.span.shift(offset);
        }
        for label in &mut self.secondary {
            if label.file.is_none() {
                label.span = label.span.shift(offset);
            }
        }
        if let Some(fix) = &mut self.fix {
            fix.span = fix.span.shift(offset);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
