//! Diagnostics for people (ariadne) and for tools (JSON lines).
//!
//! Spans are byte ranges. Before anything is drawn, each is clamped to its file and widened out to
//! character boundaries (`FileText::snap`), so a wrong span can spoil a label but never panic.
//! Ariadne is given character offsets (`IndexType::Char`): with byte offsets, ariadne 0.6 heads
//! the group of a label in another file by treating that label's character offset as a byte
//! offset, which names the wrong column and panics when it falls inside a character.
//!
//! Ariadne draws every character of each line it shows, and does per-column work for every label
//! on it, so one long line (a pack written on one line) costs as much as the line per diagnostic.
//! It is therefore given, per diagnostic, an excerpt of each file: from the first line a label is
//! on to the last, with a line longer than `LONG_LINE` characters cut to windows around the
//! labels' ends, and the lines between left empty. The margins' line numbers, and the columns in
//! the `file:line:col` headings of a cut line, are put back to the file's own afterwards. A
//! report costs what it shows (plus the lines between its labels, which ariadne walks), and
//! reads, byte for byte, as ariadne would draw it from the whole file.

use std::collections::HashMap;
use std::ops::Range;

use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};
use glass_compiler::diagnostic::{Diagnostic, Severity};
use glass_compiler::span::Span;

/// Lines longer than this many characters are shown as windows around the labels.
const LONG_LINE: usize = 300;
/// Characters shown on each side of a label's start and end on a long line.
const CONTEXT: usize = 60;
/// What stands for the text left out of a long line.
const CUT: char = '…';
/// Character counts are recorded every this many bytes, so a column costs at most this much.
const CHECKPOINT: usize = 1024;

/// One loaded file: its text, where its lines start, and character counts along it.
struct FileText<'a> {
    path: &'a str,
    text: &'a str,
    /// Byte offset of the start of each line (lines end with `\n`).
    lines: Vec<usize>,
    /// `(byte offset on a char boundary, characters before it)`, every `CHECKPOINT` bytes.
    checkpoints: Vec<(usize, usize)>,
}

impl<'a> FileText<'a> {
    fn new(path: &'a str, text: &'a str) -> Self {
        let mut lines = vec![0];
        lines.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        let mut checkpoints = vec![(0, 0)];
        for (chars, (i, _)) in text.char_indices().enumerate() {
            if i >= checkpoints.last().map_or(0, |c| c.0) + CHECKPOINT {
                checkpoints.push((i, chars));
            }
        }
        FileText { path, text, lines, checkpoints }
    }

    /// The byte offset clamped to the text and moved back to a character boundary.
    fn floor(&self, offset: usize) -> usize {
        let mut i = offset.min(self.text.len());
        while !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    /// The byte offset clamped to the text and moved on to a character boundary.
    fn ceil(&self, offset: usize) -> usize {
        let mut i = offset.min(self.text.len());
        while !self.text.is_char_boundary(i) {
            i += 1;
        }
        i
    }

    /// The span as a byte range of this text on character boundaries: clamped to the text, and
    /// widened outward, so a span that cuts a character covers all of it.
    fn snap(&self, span: Span) -> Range<usize> {
        let start = self.floor(span.start.min(span.end) as usize);
        start..self.ceil(span.end as usize).max(start)
    }

    /// The 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.lines.partition_point(|&start| start <= offset).saturating_sub(1)
    }

    /// The line's text without its line break (`\n` or `\r\n`).
    fn line_text(&self, line: usize) -> (usize, &'a str) {
        let start = self.lines[line];
        let end = self.lines.get(line + 1).map_or(self.text.len(), |next| next - 1);
        let text = &self.text[start..end];
        (start, text.strip_suffix('\r').unwrap_or(text))
    }

    /// Characters before a byte offset on a character boundary.
    fn chars_before(&self, offset: usize) -> usize {
        let k = self.checkpoints.partition_point(|c| c.0 <= offset).saturating_sub(1);
        let (at, chars) = self.checkpoints[k];
        chars + self.text[at..offset].chars().count()
    }

    /// Line and column (both from 1; the column counts characters) of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor(offset);
        let line = self.line_of(offset);
        (line + 1, self.chars_before(offset) - self.chars_before(self.lines[line]) + 1)
    }
}

/// The texts of all loaded files, by path, for labels that point into other files (profiles).
/// Line tables are built once here, not once per diagnostic.
pub struct Sources<'a> {
    files: Vec<FileText<'a>>,
    by_path: HashMap<&'a str, usize>,
}

impl<'a> Sources<'a> {
    pub fn new(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let files: Vec<FileText<'a>> = files.into_iter().map(|(path, text)| FileText::new(path, text)).collect();
        let mut by_path = HashMap::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            by_path.entry(f.path).or_insert(i);
        }
        Sources { files, by_path }
    }

    fn file(&self, path: &str) -> Option<&FileText<'a>> {
        self.by_path.get(path).map(|&i| &self.files[i])
    }
}

/// What one file shows of itself in one report: the excerpt ariadne draws, and how byte offsets
/// of the file map into it.
struct Excerpt {
    text: String,
    /// The file's line the excerpt starts with (from 0).
    first: usize,
    /// Lines shown, each with its mapping.
    lines: HashMap<usize, ShownLine>,
}

/// One line of an excerpt: where it starts in the excerpt (in characters), and the pieces of the
/// file's line it shows, `(file bytes, characters of the line before them)`, in order. A short
/// line is one piece; a cut line has `CUT` between pieces (and before or after them when they do
/// not reach the line's ends).
struct ShownLine {
    start: usize,
    pieces: Vec<(Range<usize>, usize)>,
    /// Starts in the excerpt's line (characters) of each piece.
    piece_starts: Vec<usize>,
}

impl ShownLine {
    fn cut(&self) -> bool {
        self.pieces.len() != 1 || self.piece_starts[0] != 0
    }

    /// Offset in the excerpt of a byte offset of the file on this line (a character boundary).
    fn map(&self, file: &FileText, offset: usize) -> usize {
        let k = self.pieces.partition_point(|(r, _)| r.start <= offset).saturating_sub(1);
        let (range, _) = &self.pieces[k];
        // Past the line's text (its `\r\n`) is where the excerpt's line break is.
        let within = file.text[range.start..offset.clamp(range.start, range.end)].chars().count();
        self.start + self.piece_starts[k] + within
    }

    /// The file's column (from 1) of an excerpt column (from 1) on this line.
    fn column(&self, excerpt_column: usize) -> usize {
        let at = excerpt_column - 1;
        let k = self.piece_starts.partition_point(|&s| s <= at).saturating_sub(1);
        let before = self.pieces[k].1;
        before + at.saturating_sub(self.piece_starts[k]) + 1
    }
}

/// Characters ariadne would take for a line break: the file's lines end at `\n` only.
fn is_ariadne_break(c: char) -> bool {
    matches!(c, '\r' | '\x0B' | '\x0C' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

impl Excerpt {
    /// The excerpt of `file` showing the byte offsets `points` (on character boundaries).
    fn new(file: &FileText, points: &[usize]) -> Excerpt {
        let mut by_line: HashMap<usize, Vec<usize>> = HashMap::new();
        for &p in points {
            by_line.entry(file.line_of(p)).or_default().push(p);
        }
        let first = by_line.keys().copied().min().unwrap_or(0);
        let last = by_line.keys().copied().max().unwrap_or(0);
        // One more line than the last shown, so an offset at its end reads as ariadne reads it
        // in the whole file.
        let last = (last + 1).min(file.lines.len() - 1);
        let mut text = String::new();
        let mut chars = 0;
        let mut lines = HashMap::new();
        for line in first..=last {
            let (start, content) = file.line_text(line);
            let points = by_line.get(&line).map(Vec::as_slice).or(if line == last { Some(&[][..]) } else { None });
            if let Some(points) = points {
                let shown = Self::pieces(file, start, content, points);
                let mut piece_starts = Vec::new();
                let mut col = 0;
                for (k, (range, _)) in shown.iter().enumerate() {
                    if range.start > start && (k == 0 || shown[k - 1].0.end < range.start) {
                        text.push(CUT);
                        col += 1;
                    }
                    piece_starts.push(col);
                    for c in file.text[range.clone()].chars() {
                        text.push(if is_ariadne_break(c) { ' ' } else { c });
                        col += 1;
                    }
                }
                if shown.last().is_some_and(|(r, _)| r.end < start + content.len()) {
                    text.push(CUT);
                    col += 1;
                }
                lines.insert(line, ShownLine { start: chars, pieces: shown, piece_starts });
                chars += col;
            }
            if line + 1 < file.lines.len() {
                text.push('\n');
                chars += 1;
            }
        }
        Excerpt { text, first, lines }
    }

    /// The pieces of a line to show: all of it when short, else windows of `CONTEXT` characters
    /// around each point.
    fn pieces(file: &FileText, start: usize, content: &str, points: &[usize]) -> Vec<(Range<usize>, usize)> {
        let end = start + content.len();
        if content.len() <= LONG_LINE || content.chars().nth(LONG_LINE).is_none() {
            return vec![(start..end, 0)];
        }
        let mut windows: Vec<Range<usize>> = points
            .iter()
            .map(|&p| {
                let p = p.min(end);
                let back = content[..p - start].char_indices().rev().nth(CONTEXT - 1).map_or(0, |(i, _)| i);
                let ahead =
                    content[p - start..].char_indices().nth(CONTEXT).map_or(content.len(), |(i, _)| p - start + i);
                start + back..start + ahead
            })
            .collect();
        windows.sort_by_key(|w| w.start);
        let mut merged: Vec<Range<usize>> = Vec::new();
        for w in windows {
            match merged.last_mut() {
                Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
                _ => merged.push(w),
            }
        }
        if merged.is_empty() {
            merged.push(start..start);
        }
        merged.into_iter().map(|r| (r.clone(), file.chars_before(r.start) - file.chars_before(start))).collect()
    }

    /// Offset in the excerpt of a byte offset of the file (a character boundary it shows).
    fn map(&self, file: &FileText, offset: usize) -> usize {
        let line = file.line_of(offset);
        match self.lines.get(&line) {
            Some(shown) => shown.map(file, offset),
            None => 0,
        }
    }
}

/// The excerpts of one report, as ariadne's cache.
struct Excerpts<'s> {
    files: Vec<(&'s str, ariadne::Source<String>)>,
}

impl ariadne::Cache<String> for &Excerpts<'_> {
    type Storage = String;

    fn fetch(&mut self, id: &String) -> Result<&ariadne::Source<String>, impl std::fmt::Debug> {
        self.files.iter().find(|(p, _)| *p == id).map(|(_, s)| s).ok_or_else(|| format!("no file `{id}`"))
    }

    fn display<'b>(&self, id: &'b String) -> Option<impl std::fmt::Display + 'b> {
        Some(id.clone())
    }
}

/// A rustc-style report. `color` is off in tests and when output is not a terminal.
pub fn human(diag: &Diagnostic, path: &str, sources: &Sources, color: bool) -> String {
    let fallback =
        || format!("{}[{}]: {}\n", if diag.is_error() { "error" } else { "warning" }, diag.code, diag.message);
    let Some(own) = sources.file(path) else { return fallback() };
    let kind = match diag.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let main_color = if diag.severity == Severity::Error { Color::Red } else { Color::Yellow };
    // Labels in files that were not loaded cannot be drawn; the others are snapped to their text.
    let mut labels: Vec<(&FileText, Range<usize>, &str, Color)> =
        vec![(own, own.snap(diag.primary.span), diag.primary.message.as_str(), main_color)];
    for l in &diag.secondary {
        if let Some(file) = sources.file(l.file.as_deref().unwrap_or(path)) {
            labels.push((file, file.snap(l.span), l.message.as_str(), Color::Blue));
        }
    }
    // Ariadne draws the labels in `order`, starting a new group (with its own `file:line:col`
    // header) whenever the file changes or a label comes before the one drawn last; and it heads
    // every group in the report's own file with the primary location. So the labels go in file
    // order (this file first, then the others as they first appear), by position within each:
    // one group per file, each headed by a place it shows.
    let mut files: Vec<&FileText> = Vec::new();
    for (file, ..) in &labels {
        if !files.iter().any(|f| std::ptr::eq(*f, *file)) {
            files.push(file);
        }
    }
    let rank = |file: &FileText| files.iter().position(|f| std::ptr::eq(*f, file)).unwrap_or(usize::MAX);
    let excerpts: Vec<Excerpt> = files
        .iter()
        .map(|file| {
            let points: Vec<usize> = labels
                .iter()
                .filter(|(f, ..)| std::ptr::eq(*f, *file))
                // Ariadne ends a label on the line of its last character.
                .flat_map(|(_, r, ..)| [r.start, r.end, file.floor(r.end.saturating_sub(1)).max(r.start)])
                .collect();
            Excerpt::new(file, &points)
        })
        .collect();
    let to_excerpt = |file: &FileText, range: &Range<usize>| {
        let excerpt = &excerpts[rank(file)];
        excerpt.map(file, range.start)..excerpt.map(file, range.end)
    };
    let mut sorted: Vec<&(&FileText, Range<usize>, &str, Color)> = labels.iter().collect();
    sorted.sort_by_key(|(file, range, ..)| (rank(file), range.start, range.end));
    let primary = (path.to_string(), to_excerpt(own, &labels[0].1));
    let mut report = Report::build(kind, primary)
        .with_code(diag.code)
        .with_message(&diag.message)
        .with_config(Config::new().with_index_type(IndexType::Char).with_color(color));
    for (order, (file, range, message, color)) in sorted.into_iter().enumerate() {
        let mut label =
            Label::new((file.path.to_string(), to_excerpt(file, range))).with_color(*color).with_order(order as i32);
        if !message.is_empty() {
            label = label.with_message(*message);
        }
        report = report.with_label(label);
    }
    if let Some(help) = &diag.help {
        report = report.with_help(help);
    }
    let cache = Excerpts {
        files: files
            .iter()
            .zip(&excerpts)
            .map(|(f, e)| (f.path, ariadne::Source::from(e.text.clone()).with_display_line_offset(e.first)))
            .collect(),
    };
    let mut out = Vec::new();
    if report.finish().write(&cache, &mut out).is_err() {
        return fallback();
    }
    let out = String::from_utf8_lossy(&out).into_owned();
    // The widest line number ariadne shows: that of the last line of a label.
    let widest = labels
        .iter()
        .map(|(file, range, ..)| file.line_of(file.floor(range.end.saturating_sub(1)).max(range.start)) + 1)
        .max()
        .unwrap_or(1);
    let out = true_line_numbers(&out, &files, &excerpts, widest);
    if excerpts.iter().any(|e| e.lines.values().any(ShownLine::cut)) {
        return true_columns(&out, &files, &excerpts);
    }
    out
}

/// Ariadne numbers the lines of its margin from the start of the text it is given (the line
/// offset of a source counts only in headings) and pads them to the widest number; the excerpt
/// starts at its first labelled line. So each margin is widened to the width of `widest`, the
/// file's line number, and each line number shown is that of the file.
fn true_line_numbers(report: &str, files: &[&FileText], excerpts: &[Excerpt], widest: usize) -> String {
    let digits = |n: usize| n.to_string().len();
    let mut lines = report.split_inclusive('\n');
    let Some(first_line) = lines.next() else { return String::new() };
    let rest: Vec<&str> = lines.collect();
    // The first heading is indented by the margin's width and two.
    let Some(shown_width) = rest.first().map(|l| l.len() - l.trim_start_matches(' ').len() - 2) else {
        return report.to_string();
    };
    let wider = digits(widest).saturating_sub(shown_width);
    let mut out = String::with_capacity(report.len() + rest.len() * (wider + 2));
    out.push_str(first_line);
    let mut offset = 0;
    for line in rest {
        let plain = strip_ansi(line);
        let body = plain.trim_start_matches(' ');
        if let Some(heading) = body.strip_prefix("╭─[ ").or_else(|| body.strip_prefix("├─[ ")) {
            // A group starts: its line numbers are offset by where its file's excerpt starts.
            let path = heading.trim_end().strip_suffix(" ]").and_then(|h| h.rsplitn(3, ':').nth(2));
            offset = path.and_then(|p| files.iter().position(|f| f.path == p)).map_or(0, |k| excerpts[k].first);
        }
        // The margin: spaces, perhaps a colour, spaces, and on a source line its number and ` │`.
        let lead = line.len() - line.trim_start_matches(' ').len();
        let after_lead = &line[lead..];
        let colour = if after_lead.starts_with('\x1b') { after_lead.find('m').map_or(0, |m| m + 1) } else { 0 };
        let after_colour = &after_lead[colour..];
        let pad = after_colour.len() - after_colour.trim_start_matches(' ').len();
        let number_text = &after_colour[pad..];
        let number_len = number_text.bytes().take_while(u8::is_ascii_digit).count();
        let number =
            number_text[..number_len].parse::<usize>().ok().filter(|_| number_text[number_len..].starts_with(" │"));
        if let Some(number) = number {
            let true_number = number + offset;
            let spaces = (lead + pad + digits(number) + wider).saturating_sub(digits(true_number));
            let (before, inner) = if colour > 0 { (lead, spaces - lead.min(spaces)) } else { (spaces, 0) };
            out.push_str(&" ".repeat(before));
            out.push_str(&after_lead[..colour]);
            out.push_str(&" ".repeat(inner));
            out.push_str(&true_number.to_string());
            out.push_str(&number_text[number_len..]);
        } else if after_colour.starts_with('─') {
            // The closing line, `───╯`.
            out.push_str(&line[..lead + colour]);
            out.push_str(&"─".repeat(wider));
            out.push_str(after_colour);
        } else if lead == 1 && colour > 0 {
            // A margin ariadne colours from its first space on.
            out.push_str(&line[..lead + colour]);
            out.push_str(&" ".repeat(wider));
            out.push_str(after_colour);
        } else {
            out.push_str(&" ".repeat(wider));
            out.push_str(line);
        }
    }
    out
}

/// The report with the columns of its `file:line:col` headings on cut lines put back to the
/// file's own.
fn true_columns(report: &str, files: &[&FileText], excerpts: &[Excerpt]) -> String {
    let mut out = String::with_capacity(report.len());
    for line in report.split_inclusive('\n') {
        let plain = strip_ansi(line);
        let heading = plain
            .trim_start()
            .strip_prefix("╭─[ ")
            .or_else(|| plain.trim_start().strip_prefix("├─[ "))
            .and_then(|h| h.trim_end().strip_suffix(" ]"));
        let fixed = heading.and_then(|h| {
            let mut parts = h.rsplitn(3, ':');
            let (col, row, path) =
                (parts.next()?.parse::<usize>().ok()?, parts.next()?.parse::<usize>().ok()?, parts.next()?);
            let k = files.iter().position(|f| f.path == path)?;
            let shown = excerpts[k].lines.get(&(row - 1)).filter(|s| s.cut())?;
            let old = format!(" {path}:{row}:{col} ");
            Some(line.replacen(&old, &format!(" {path}:{row}:{} ", shown.column(col)), 1))
        });
        out.push_str(fixed.as_deref().unwrap_or(line));
    }
    out
}

/// The text without terminal colour codes.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Line and column (both from 1; the column counts characters) of a byte offset.
pub fn line_col(text: &str, offset: u32) -> (usize, usize) {
    FileText::new("", text).line_col(offset as usize)
}

fn json_span(path: &str, file: Option<&FileText>, span: Span) -> serde_json::Value {
    let (range, (line, column), (end_line, end_column)) = match file {
        Some(file) => {
            let range = file.snap(span);
            (range.clone(), file.line_col(range.start), file.line_col(range.end))
        }
        None => (span.range(), (1, 1), (1, 1)),
    };
    serde_json::json!({
        "file": path,
        "byte_start": range.start,
        "byte_end": range.end,
        "line_start": line,
        "column_start": column,
        "line_end": end_line,
        "column_end": end_column,
    })
}

/// One JSON object per diagnostic, for editors and CI tools. Spans are snapped to their file's
/// text as for people, so a tool can always slice the text with them.
pub fn json(diag: &Diagnostic, path: &str, sources: &Sources) -> serde_json::Value {
    let own = sources.file(path);
    let labels: Vec<serde_json::Value> = diag
        .secondary
        .iter()
        .map(|l| {
            let file = l.file.as_deref().unwrap_or(path);
            let mut v = json_span(file, sources.file(file), l.span);
            v["message"] = l.message.clone().into();
            v
        })
        .collect();
    let mut primary = json_span(path, own, diag.primary.span);
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
            "span": json_span(path, own, f.span),
            "replacement": f.replacement,
        })),
    })
}
