//! "Did you mean" suggestions for misspelt names.

/// The candidates closest to `wrong`, best first: at most three, and only those close enough to be
/// a plausible typo (a normalized edit similarity of at least 0.6, or one contains the other).
///
/// Asked for every unknown name, over every name in scope, so the edit distance (the costly part)
/// is only computed for candidates that a cheap lower bound on it does not already rule out.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut shape = Shape::of(wrong);
    let mut scored: Vec<(f64, &str)> = Vec::new();
    // The best three different candidates so far, best first: one that cannot beat the third
    // cannot be in the answer either, so its distance is not computed.
    let mut best: Vec<(f64, &str)> = Vec::with_capacity(4);
    for c in candidates {
        if c == wrong {
            continue;
        }
        let contains = c.len() >= 3 && wrong.len() >= 3 && (c.contains(wrong) || wrong.contains(c));
        if !contains {
            let most = shape.most_similar(c);
            if most < MIN_SCORE || best.len() == 3 && most < best[2].0 {
                continue;
            }
        }
        let score = strsim::normalized_damerau_levenshtein(wrong, c);
        if score >= MIN_SCORE || contains {
            let score = score + if contains { 0.2 } else { 0.0 };
            scored.push((score, c));
            if !best.iter().any(|(_, b)| *b == c) {
                best.push((score, c));
                best.sort_by(|a, b| b.0.total_cmp(&a.0));
                best.truncate(3);
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// The normalized similarity a candidate needs.
const MIN_SCORE: f64 = 0.6;

/// What a lower bound on the edit distance from one string to others needs: its length in
/// characters, and how many of its characters fall in each of 64 buckets.
struct Shape {
    chars: usize,
    buckets: [u32; 64],
    /// `buckets`, lent to each candidate and given back (see [`Shape::most_similar`]).
    unmatched: [u32; 64],
}

fn bucket(c: char) -> usize {
    c as usize % 64
}

impl Shape {
    fn of(s: &str) -> Shape {
        let mut buckets = [0; 64];
        let mut chars = 0;
        for c in s.chars() {
            chars += 1;
            buckets[bucket(c)] += 1;
        }
        Shape { chars, buckets, unmatched: buckets }
    }

    /// The highest normalized Damerau-Levenshtein similarity `other` can have to this string.
    /// An insertion or a deletion changes one bucket count by one, a substitution two by one
    /// each, a transposition none, so the distance is at least half the difference of the bucket
    /// counts, and at least the difference in length. The similarity is computed as `strsim`
    /// does, so `strsim` never scores a candidate above this. Takes time in the length of `other`.
    fn most_similar(&mut self, other: &str) -> f64 {
        // The characters of `other` matched with one of this string's in their bucket.
        let (mut chars, mut matched) = (0usize, 0usize);
        for c in other.chars() {
            chars += 1;
            let b = bucket(c);
            if self.unmatched[b] > 0 {
                self.unmatched[b] -= 1;
                matched += 1;
            }
        }
        for c in other.chars() {
            let b = bucket(c);
            self.unmatched[b] = (self.unmatched[b] + 1).min(self.buckets[b]);
        }
        let longest = self.chars.max(chars);
        if longest == 0 {
            return 1.0;
        }
        // The sum of the differences of the bucket counts.
        let moved = self.chars + chars - 2 * matched;
        let bound = moved.div_ceil(2).max(self.chars.abs_diff(chars));
        1.0 - (bound as f64) / (longest as f64)
    }
}

/// `did you mean `a`?` / `did you mean `a` or `b`?`, or None when nothing is close.
pub fn did_you_mean<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let close = closest(wrong, candidates);
    match close.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        [init @ .., last] => Some(format!(
            "did you mean {} or `{last}`?",
            init.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The candidate `wrong` is certainly a typo of, for a fix an editor may apply without asking:
/// the closest one, at most `CERTAIN_EDITS` edits away (and fewer than a quarter of its
/// length), when every candidate for another member is at least two edits further. A suggestion
/// that only wins by an edit is a guess: `button-tripple-press` is as near a double press as the
/// author's own meaning, and the help line names it instead.
///
/// `candidates` pairs each spelling with the member it names, so that the short and the qualified
/// spelling of one member (`button-press`, `glasses.button.press`) do not compete.
pub fn certain<'a, K: PartialEq + Copy>(
    wrong: &str,
    candidates: impl IntoIterator<Item = (&'a str, K)>,
) -> Option<&'a str> {
    let len = wrong.chars().count();
    let limit = CERTAIN_EDITS.min(len.saturating_sub(1) / 4);
    // Only candidates within `limit + 1` edits matter: either as the answer or as its rival.
    // The length difference bounds the distance from below, so the others are never measured.
    let mut near: Vec<(usize, &str, K)> = Vec::new();
    for (c, key) in candidates {
        if c == wrong || c.chars().count().abs_diff(len) > limit + 1 {
            continue;
        }
        let d = strsim::damerau_levenshtein(wrong, c);
        if d <= limit + 1 {
            near.push((d, c, key));
        }
    }
    near.sort_by_key(|(d, c, _)| (*d, *c));
    let &(best, answer, key) = near.first()?;
    let rival = near.iter().any(|(d, _, k)| *k != key && *d < best + 2);
    (best <= limit && !rival).then_some(answer)
}

/// The most edits a certain fix makes.
const CERTAIN_EDITS: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certain_fixes_have_no_rival() {
        let events = [
            ("button-press", 0),
            ("button-long-press", 1),
            ("button-double-press", 2),
            ("glasses.button.double-press", 2),
        ];
        assert_eq!(certain("button-dubble-press", events), Some("button-double-press"));
        assert_eq!(certain("buton-press", events), Some("button-press"));
        // Too far from anything to be sure.
        assert_eq!(certain("button-tripple-press", events), None);
        // Two gestures one edit apart: neither is certain.
        assert_eq!(certain("press-1", [("press-2", 0), ("press-3", 1)]), None);
        // Short names are never fixed: one edit changes their meaning.
        assert_eq!(certain("ok", [("on", 0)]), None);
    }

    /// What `closest` answered before it ruled candidates out early: every candidate scored.
    fn closest_by_scoring_all<'a>(wrong: &str, candidates: &[&'a str]) -> Vec<&'a str> {
        let mut scored: Vec<(f64, &str)> = candidates
            .iter()
            .copied()
            .filter(|c| *c != wrong)
            .filter_map(|c| {
                let score = strsim::normalized_damerau_levenshtein(wrong, c);
                let contains = c.len() >= 3 && wrong.len() >= 3 && (c.contains(wrong) || wrong.contains(c));
                (score >= MIN_SCORE || contains).then_some((score + if contains { 0.2 } else { 0.0 }, c))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.into_iter().take(3).map(|(_, c)| c).collect()
    }

    #[test]
    fn ruling_out_early_changes_no_answer() {
        // Names from a small alphabet, so that many are close to each other, with typos of every
        // kind; and names outside ASCII, which fall in the same buckets as others.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let alphabet: Vec<char> = "abc-de\u{4e2d}\u{6587}A".chars().collect();
        let words: Vec<String> = (0..1_500)
            .map(|_| (0..1 + next(9)).map(|_| alphabet[next(alphabet.len() as u64) as usize]).collect())
            .collect();
        let candidates: Vec<&str> = words.iter().map(String::as_str).collect();
        for wrong in &words[..300] {
            assert_eq!(
                closest(wrong, candidates.iter().copied()),
                closest_by_scoring_all(wrong, &candidates),
                "{wrong}"
            );
        }
    }

    #[test]
    fn finds_typos() {
        let names = ["button-long-press", "button-press", "wake-word"];
        assert_eq!(closest("buton-long-press", names).first(), Some(&"button-long-press"));
        assert_eq!(closest("zzz", names), Vec::<&str>::new());
    }
}
