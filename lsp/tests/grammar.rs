//! The VS Code grammar highlights every keyword of the language: a keyword added to the lexer
//! and not to `syntaxes/glass.tmLanguage.json` fails here.

use glass_compiler::syntax::lexer::KEYWORDS;

#[test]
fn the_textmate_grammar_knows_every_keyword() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/editors/vscode/syntaxes/glass.tmLanguage.json");
    let grammar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the grammar")).expect("the grammar is JSON");
    let patterns = grammar["repository"]["keyword"]["patterns"].as_array().expect("keyword patterns");
    // Each pattern is `\b(a|b|c)\b...`: the words between the first `(` and its `)`.
    let words: Vec<&str> = patterns
        .iter()
        .filter_map(|p| p["match"].as_str())
        .filter_map(|m| m.split_once('(').and_then(|(_, rest)| rest.split_once(')')).map(|(inner, _)| inner))
        .flat_map(|inner| inner.split('|'))
        .collect();
    let missing: Vec<&&str> = KEYWORDS.iter().filter(|k| !words.contains(k)).collect();
    assert!(missing.is_empty(), "keywords the grammar does not highlight: {missing:?}");
}
