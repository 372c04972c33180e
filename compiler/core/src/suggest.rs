//! "Did you mean" suggestions for misspelt names.

/// The candidates closest to `wrong`, best first: at most three, and only those close enough to be
/// a plausible typo (a normalized edit similarity of at least 0.6, or one contains the other).
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|c| *c != wrong)
        .filter_map(|c| {
            let score = strsim::normalized_damerau_levenshtein(wrong, c);
            let contains = c.len() >= 3 && wrong.len() >= 3 && (c.contains(wrong) || wrong.contains(c));
            (score >= 0.6 || contains).then_some((score + if contains { 0.2 } else { 0.0 }, c))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos() {
        let names = ["button-long-press", "button-press", "wake-word"];
        assert_eq!(closest("buton-long-press", names).first(), Some(&"button-long-press"));
        assert_eq!(closest("zzz", names), Vec::<&str>::new());
    }
}
