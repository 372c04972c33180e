//! The shipped profiles and packs check clean, and every ```glass example in spec/ compiles.

use std::path::{Path, PathBuf};

use glassc::inputs;
use glassc::render::{Sources, human};
use glassc::session::Session;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Rendered diagnostics of a session, empty when it is clean.
fn problems(session: &Session) -> String {
    let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
    session.diagnostics().iter().map(|(f, d)| human(d, &session.files[*f].0.path, &sources, false)).collect()
}

#[test]
fn examples_check_clean() {
    let inputs = inputs::load(&[repo().join("examples")], &[]).expect("examples load");
    assert!(inputs.iter().any(|i| i.text.contains("profile xiaomi-ai-glasses")), "the Xiaomi profile ships");
    let session = Session::new(inputs);
    let problems = problems(&session);
    assert!(problems.is_empty(), "{problems}");
}

#[test]
fn the_product_sentence_is_in_the_xiaomi_pack_and_compiles() {
    let sentence = "on button-long-press while driving: record clip, notify car";
    let inputs = inputs::load(&[repo().join("examples")], &[]).expect("examples load");
    assert!(inputs.iter().any(|i| i.text.lines().any(|l| l.trim() == sentence)), "the verbatim sentence is missing");
}

/// Each fenced ```glass block of spec/*.md is a whole file, compiled with the example profiles.
#[test]
fn spec_examples_compile() {
    let profiles = inputs::glass_files(&[repo().join("examples/profiles")]).expect("profiles");
    let mut checked = 0;
    for entry in std::fs::read_dir(repo().join("spec")).expect("spec folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("spec text");
        for (n, block) in glass_blocks(&text).into_iter().enumerate() {
            let mut files: Vec<inputs::Input> = profiles.iter().map(|p| inputs::read(p).expect("profile")).collect();
            files.push(inputs::Input {
                path: format!("{}#{}", path.display(), n + 1),
                text: block.clone(),
                invalid_utf8: None,
            });
            let session = Session::new(files);
            let problems = problems(&session);
            assert!(problems.is_empty(), "example {} of {}:\n{block}\n{problems}", n + 1, path.display());
            checked += 1;
        }
    }
    assert!(checked > 0, "spec/ has no ```glass examples");
}

fn glass_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start() == "```glass" => current = Some(String::new()),
            Some(block) if line.trim_start() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}
