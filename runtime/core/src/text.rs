//! Matching texts the way people say them: the `matches` and `contains` of the language
//! (`Matches` and `Contains` in the ISA), for wake words and spoken phrases.
//!
//! Both compare the *words* of two texts, not their bytes:
//! - **Case does not count** for Latin (ASCII, Latin-1, Latin Extended-A), Greek and Cyrillic
//!   letters, and full-width Latin letters and digits read as their ASCII forms. Accents count:
//!   `é` is not `e`.
//! - **Punctuation and spacing do not count**: any run of spaces, punctuation or symbols
//!   (ASCII, Latin-1, general and CJK punctuation) separates two words, and is nothing at the
//!   start or end of a text. Between two characters of a script written without spaces (Chinese,
//!   Japanese kana, Thai, ...) it is nothing at all, so `小爱同学，拍照` has the words of
//!   `小爱同学拍照`.
//! - `contains` finds the pattern's words in order, next to each other, and only whole words of
//!   spaced scripts: `"Hey, Glass! Take a photo"` contains `"hey glass"` and `"photo"` but not
//!   `"phot"`; `"小爱同学拍照"` contains `"拍照"`.
//!
//! No tables and no allocation: each text is read as a stream of folded characters, and a
//! search costs at most (text length × pattern length) steps.

use core::str::Chars;

/// Whether `a` and `b` have the same words.
pub fn same_words(a: &str, b: &str) -> bool {
    Words::new(a).eq(Words::new(b))
}

/// Whether the words of `pattern` appear in `text`, in order and next to each other. Every text
/// contains a pattern without words.
pub fn contains_words(text: &str, pattern: &str) -> bool {
    let mut words = Words::new(pattern);
    let Some(first) = words.next() else { return true };
    let last = words.last().unwrap_or(first);
    let mut at = Words::new(text);
    // The item before `at`, to tell whether a match there starts a word.
    let mut before: Option<char> = None;
    loop {
        if !(joins(first) && before.is_some_and(joins)) && starts_with(at.clone(), pattern, last) {
            return true;
        }
        match at.next() {
            Some(c) => before = Some(c),
            None => return false,
        }
    }
}

/// Whether `text` starts with the words of `pattern`, the match ending at a word's end when the
/// pattern's `last` character is of a spaced script.
fn starts_with(mut text: Words<'_>, pattern: &str, last: char) -> bool {
    for p in Words::new(pattern) {
        if text.next() != Some(p) {
            return false;
        }
    }
    !(joins(last) && text.next().is_some_and(joins))
}

/// A text as the characters its words are made of, folded to one case, with one `' '` between
/// two words of a spaced script and no other separator.
#[derive(Clone)]
struct Words<'a> {
    chars: Chars<'a>,
    /// A folded character read after a separator, to return after the `' '`.
    next: Option<char>,
    /// Separators were skipped since the last character returned.
    separated: bool,
    /// The last character returned joins with a following word of a spaced script.
    after_word: bool,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        Words { chars: text.chars(), next: None, separated: false, after_word: false }
    }
}

impl Iterator for Words<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if let Some(c) = self.next.take() {
            self.after_word = joins(c);
            return Some(c);
        }
        loop {
            let c = fold(self.chars.next()?);
            if is_separator(c) {
                self.separated = true;
                continue;
            }
            if core::mem::take(&mut self.separated) && self.after_word && joins(c) {
                self.next = Some(c);
                self.after_word = false;
                return Some(' ');
            }
            self.after_word = joins(c);
            return Some(c);
        }
    }
}

/// Whether `c` is a word character of a script written with spaces between words, so that a
/// word of it ends only at a separator (and `' '`, the separator itself, is not).
fn joins(c: char) -> bool {
    !(c == ' '
        || matches!(u32::from(c),
            0x0E00..=0x0EFF // Thai, Lao
            | 0x1000..=0x109F // Myanmar
            | 0x1780..=0x17FF // Khmer
            | 0x2E80..=0x2FDF // CJK radicals
            | 0x3005..=0x3007 // 々 〆 〇
            | 0x3040..=0x31FF // kana, bopomofo
            | 0x3400..=0x4DBF // CJK extension A
            | 0x4E00..=0x9FFF // CJK ideographs
            | 0xF900..=0xFAFF // CJK compatibility ideographs
            | 0xFF66..=0xFF9F // half-width katakana
            | 0x20000..=0x3FFFF)) // CJK extensions B and later
}

/// Whether `c` (folded) separates words: spaces, controls, punctuation and symbols.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_alphanumeric();
    }
    matches!(u32::from(c),
        // Latin-1 controls, punctuation and signs, but not `ª µ º`
        0x0080..=0x00A9 | 0x00AB..=0x00B4 | 0x00B6..=0x00B9 | 0x00BB..=0x00BF
        | 0x00D7 | 0x00F7 // × ÷
        | 0x2000..=0x206F // general punctuation: spaces, dashes, quotes, ellipsis
        | 0x2E00..=0x2E7F // supplemental punctuation
        | 0x3000..=0x3003 | 0x3008..=0x3011 | 0x3014..=0x301F // CJK spaces, marks, brackets
        | 0xFE10..=0xFE1F | 0xFE30..=0xFE6F // vertical, compatibility and small forms
        | 0xFF61..=0xFF65 // half-width CJK punctuation
        | 0xFEFF) // byte order mark
}

/// `c` in lower case where that is a simple offset (see the module's list), full-width ASCII as
/// ASCII.
fn fold(c: char) -> char {
    let u = u32::from(c);
    // Offsets within the ranges matched, so the wrapping operations never wrap.
    let folded = match u {
        0x41..=0x5A => u.wrapping_add(0x20),
        // Full-width `！`..`～` are ASCII `!`..`~`; their letters fold again.
        0xFF01..=0xFF5E => return fold(char::from_u32(u.wrapping_sub(0xFEE0)).unwrap_or(c)),
        0xC0..=0xDE if u != 0xD7 => u.wrapping_add(0x20),
        // Latin Extended-A pairs: upper case even from Ā to ķ and from Ŋ to ŷ, odd from Ĺ to ň
        // and from Ź to ž.
        0x0100..=0x0137 | 0x014A..=0x0177 if u & 1 == 0 && u != 0x0130 => u | 1,
        0x0139..=0x0148 | 0x0179..=0x017E if u & 1 == 1 => u.wrapping_add(1),
        0x0178 => 0xFF,
        0x0391..=0x03A9 if u != 0x03A2 => u.wrapping_add(0x20),
        // Final sigma is sigma.
        0x03C2 => 0x03C3,
        0x0410..=0x042F => u.wrapping_add(0x20),
        0x0400..=0x040F => u.wrapping_add(0x50),
        _ => return c,
    };
    char::from_u32(folded).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::format;

    #[test]
    fn case_punctuation_and_spacing_do_not_count() {
        assert!(same_words("Hey Glass", "hey glass"));
        assert!(same_words("  Hey,   GLASS!! ", "hey glass"));
        assert!(same_words("Hey-Glass", "hey glass"));
        assert!(same_words("ÉCOUTE", "écoute"));
        assert!(same_words("Straße", "STRAßE"));
        assert!(same_words("ΣΟΦΙΑΣ", "σοφιας"));
        assert!(!same_words("ΣΟΦΙΑ", "σοφιας"));
        assert!(same_words("ПРИВЕТ", "привет"));
        assert!(same_words("ＨＥＹ　ＧＬＡＳＳ", "hey glass"), "full-width letters and space");
        assert!(same_words("小爱同学，拍照。", "小爱同学拍照"));
        assert!(same_words("", "?!"));
        assert!(!same_words("hey glass", "heyglass"));
        assert!(!same_words("café", "cafe"), "accents count");
        assert!(!same_words("hey glass", "hey glasses"));
    }

    #[test]
    fn contains_finds_whole_words_in_order() {
        assert!(contains_words("Hey, Glass! Take a photo.", "hey glass"));
        assert!(contains_words("Hey, Glass! Take a photo.", "PHOTO"));
        assert!(contains_words("Hey, Glass! Take a photo.", "glass take"));
        assert!(!contains_words("Hey, Glass! Take a photo.", "phot"));
        assert!(!contains_words("take a photograph", "photo"));
        assert!(!contains_words("a photo", "a photo please"));
        assert!(!contains_words("glass hey", "hey glass"));
        assert!(contains_words("anything", ""));
        assert!(contains_words("", "..."));
        assert!(!contains_words("", "a"));
        assert!(contains_words("a a a b", "a a b"), "a failed start does not skip a later one");
    }

    #[test]
    fn scripts_without_spaces_match_inside_words() {
        assert!(contains_words("小爱同学拍照", "拍照"));
        assert!(contains_words("小爱同学，拍个照片", "拍个"));
        assert!(contains_words("小爱glass", "glass"));
        assert!(contains_words("glass拍照", "glass"));
        assert!(!contains_words("glasses拍照", "glass"));
        assert!(contains_words("OK Google，拍照", "google 拍照"));
    }

    #[test]
    fn folding_is_idempotent_and_keeps_other_characters() {
        for c in ['A', 'z', 'Ａ', 'À', 'Þ', '×', 'Ā', 'Ĺ', 'Ÿ', 'Σ', 'ς', 'Ж', 'Ё', '中', '😀', 'İ'] {
            assert_eq!(fold(fold(c)), fold(c), "{c}");
        }
        assert_eq!(fold('×'), '×');
        assert_eq!(fold('中'), '中');
        assert_eq!(fold('Ё'), 'ё');
        assert_eq!(fold('Ĺ'), 'ĺ');
        assert_eq!(fold('ĺ'), 'ĺ');
    }

    proptest::proptest! {
        #[test]
        fn a_text_contains_its_own_words_and_what_it_matches(a in "\\PC{0,24}", b in "[a-zA-Z ,.!]{0,12}") {
            proptest::prop_assert!(contains_words(&a, &a));
            proptest::prop_assert!(same_words(&a, &a));
            if same_words(&a, &b) {
                proptest::prop_assert!(contains_words(&a, &b) && contains_words(&b, &a));
            }
            // A phrase is found inside a longer sentence, whatever surrounds it.
            let sentence = format!("Well, {b}! ok");
            proptest::prop_assert!(contains_words(&sentence, &b));
            proptest::prop_assert_eq!(same_words(&a, &b), same_words(&b, &a));
        }
    }
}
