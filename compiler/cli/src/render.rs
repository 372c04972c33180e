//! Diagnostics for people (ariadne) and for tools (JSON lines).

use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};
use glass_compiler::diagnostic::{Diagnostic, Severity};
use glass_compiler::span::Span;

/// The texts of all loaded files, by path, for labels that point into other files (profiles).
/// Line tables are built once here, not once per diagnostic.
pub struct Sources<'a> {
    files: Vec<(&'a str, &'a str, ariadne::Source<&'a str>)>,
}

impl<'a> Sources<'a> {
    pub fn new(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Sources { files: files.into_iter().map(|(path, text)| (path, text, ariadne::Source::from(text))).collect() }
    }

    fn text(&self, path: &str) -> &'a str {
        self.files.iter().find(|(p, _, _)| *p == path).map_or("", |(_, t, _)| *t)
    }
}

impl<'a> ariadne::Cache<String> for &Sources<'a> {
    type Storage = &'a str;

    fn fetch(&mut self, id: &String) -> Result<&ariadne::Source<&'a str>, impl std::fmt::Debug> {
        self.files.iter().find(|(p, _, _)| *p == id).map(|(_, _, s)| s).ok_or_else(|| format!("no file `{id}`"))
    }

    fn display<'b>(&self, id: &'b String) -> Option<impl std::fmt::Display + 'b> {
        Some(id.clone())
    }
}

/// Clamps a span to the text and to char boundaries, so a stale or odd span never panics.
fn clamp(text: &str, span: Span) -> std::ops::Range<usize> {
    let fix = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (start, end) = (fix(span.start as usize), fix(span.end as usize));
    start..end.max(start)
}

/// A rustc-style report. `color` is off in tests and when output is not a terminal.
pub fn human(diag: &Diagnostic, path: &str, sources: &Sources, color: bool) -> String {
    let text = sources.text(path);
    let kind = match diag.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let primary = (path.to_string(), clamp(text, diag.primary.span));
    let main_color = if diag.severity == Severity::Error { Color::Red } else { Color::Yellow };
    // Ariadne draws the labels in `order`, starting a new group (with its own `file:line:col`
    // header) whenever the file changes or a label comes before the one drawn last; and it heads
    // every group in the report's own file with the primary location. So the labels go in file
    // order (this file first, then the others as they first appear), by position within each:
    // one group per file, each headed by a place it shows.
    let mut labels: Vec<(String, std::ops::Range<usize>, &str, Color)> =
        vec![(primary.0.clone(), primary.1.clone(), diag.primary.message.as_str(), main_color)];
    for l in &diag.secondary {
        let file = l.file.as_deref().unwrap_or(path).to_string();
        let range = clamp(sources.text(&file), l.span);
        labels.push((file, range, l.message.as_str(), Color::Blue));
    }
    let mut files: Vec<&str> = vec![path];
    for (file, ..) in &labels {
        if !files.contains(&file.as_str()) {
            files.push(file);
        }
    }
    let rank = |file: &str| files.iter().position(|f| *f == file).unwrap_or(usize::MAX);
    let mut sorted: Vec<&(String, std::ops::Range<usize>, &str, Color)> = labels.iter().collect();
    sorted.sort_by_key(|(file, range, ..)| (rank(file), range.start, range.end));
    let mut report = Report::build(kind, primary)
        .with_code(diag.code)
        .with_message(&diag.message)
        .with_config(Config::new().with_index_type(IndexType::Byte).with_color(color));
    for (order, (file, range, message, color)) in sorted.into_iter().enumerate() {
        let mut label = Label::new((file.clone(), range.clone())).with_color(*color).with_order(order as i32);
        if !message.is_empty() {
            label = label.with_message(*message);
        }
        report = report.with_label(label);
    }
    if let Some(help) = &diag.help {
        report = report.with_help(help);
    }
    let mut out = Vec::new();
    if report.finish().write(sources, &mut out).is_err() {
        return format!("{}[{}]: {}\n", if diag.is_error() { "error" } else { "warning" }, diag.code, diag.message);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Line and column (both from 1; the column counts characters) of a byte offset.
pub fn line_col(text: &str, offset: u32) -> (usize, usize) {
    let offset = clamp(text, Span::new(offset, offset)).start;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn json_span(path: &str, text: &str, span: Span) -> serde_json::Value {
    let (line, column) = line_col(text, span.start);
    let (end_line, end_column) = line_col(text, span.end);
    serde_json::json!({
        "file": path,
        "byte_start": span.start,
        "byte_end": span.end,
        "line_start": line,
        "column_start": column,
        "line_end": end_line,
        "column_end": end_column,
    })
}

/// One JSON object per diagnostic, for editors and CI tools.
pub fn json(diag: &Diagnostic, path: &str, sources: &Sources) -> serde_json::Value {
    let text = sources.text(path);
    let labels: Vec<serde_json::Value> = diag
        .secondary
        .iter()
        .map(|l| {
            let file = l.file.as_deref().unwrap_or(path);
            let mut v = json_span(file, sources.text(file), l.span);
            v["message"] = l.message.clone().into();
            v
        })
        .collect();
    let mut primary = json_span(path, text, diag.primary.span);
    primary["message"] = diag.primary.message.clone().into();
    serde_json::json!({
        "code": diag.code.0,
        "severity": if diag.is_error() { "error" } else { "warning" },
        "message": diag.message,
        "primary": primary,
        "labels": labels,
        "help": diag.help,
        "fix": diag.fix.as_ref().map(|f| serde_json::json!({
            "title": f.title,
            "span": json_span(path, text, f.span),
            "replacement": f.replacement,
        })),
    })
}
