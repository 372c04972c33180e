//! Byte ranges into a source text.
//!
//! Spans inside one item are relative to the item's first byte, so an edit in one rule does not
//! change the syntax tree (and so the cached analyses) of any other rule. `Span::shift` makes them
//! absolute again when a diagnostic leaves the item.

/// A half-open byte range `start..end`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }

    /// Bytes covered; 0 for a span whose end is before its start (renderers clamp such spans).
    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.start >= self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Moves the span by `offset` bytes (item-relative to file-absolute). An item starts on a
    /// character boundary and its spans are on boundaries of its text, so the result is on
    /// boundaries of the file. Saturates rather than wraps: `glassc` refuses files past 4 GiB,
    /// and a span clamped at the end of the text is still one a renderer can show.
    pub fn shift(self, offset: u32) -> Span {
        Span::new(self.start.saturating_add(offset), self.end.saturating_add(offset))
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset <= self.end
    }
}

impl From<chumsky::span::SimpleSpan> for Span {
    fn from(s: chumsky::span::SimpleSpan) -> Self {
        Span::new(s.start as u32, s.end as u32)
    }
}

/// A value with the span it was written at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

#[cfg(test)]
mod tests {
    use super::Span;

    #[test]
    fn shifting_and_measuring_never_overflow() {
        assert_eq!(Span::new(3, 5).shift(10), Span::new(13, 15));
        assert_eq!(Span::new(3, u32::MAX - 1).shift(10), Span::new(13, u32::MAX));
        assert_eq!(Span::new(7, 2).len(), 0);
        assert!(Span::new(7, 2).is_empty() && !Span::new(2, 7).is_empty());
    }
}
