//! `glassc fmt`: canonical, idempotent, keeps comments and meaning.

use glass_compiler::fmt::format_source;
use glass_compiler::syntax::{parse_item_text, split_items};

const MESSY: &str = r#"# Dashcam pack
pack dashcam   "Road recorder"
use xiaomi-ai-glasses,xiaomi-car   # both
permit camera


# the sentence
on button-long-press while driving : record clip,notify car # trailing
rule low:on battery below 15% at most once per minute mode restart: after 5s notify car(message:"low \"batt\""), set x = x+1
on button-press then button-press within 400ms while (battery > 20% and not driving) or battery==100% for 3 s: record clip(duration: 30 s), notify car(message: "a very long message so that the rule goes past one hundred columns")
every 10 min while not (a-b > -1): notify # inside
test "t" {
  # setup
  set driving = true   # drive
  at 1s: fire button-long-press
  expect record clip
  at 2 s: expect no notify car
  # end
}
profile p "doc" {
  device car via phone
  # procs
  capability cam "c" { # cam
    event shutter(kind: kind) max 2 per second "e"
    action record(kind: kind = photo) cost 900 mW takes 15 s on ar1 privacy camera
  }
  enum kind {photo,clip}
  state speed: Int 0..300 "km/h"
}
every day at 07:30: notify car
# end of file
"#;

/// The syntax trees of a file with spans removed, to compare meaning across formatting.
fn meaning(src: &str) -> Vec<String> {
    split_items(src)
        .into_iter()
        .map(|s| {
            let debug = format!("{:?}", parse_item_text(&src[s.range()]).item.kind);
            let mut out = String::new();
            let mut rest = debug.as_str();
            while let Some(i) = rest.find("span: Span {") {
                out.push_str(&rest[..i]);
                rest = &rest[i..];
                rest = &rest[rest.find('}').map_or(rest.len(), |j| j + 1)..];
            }
            out.push_str(rest);
            out
        })
        .collect()
}

fn comments(src: &str) -> Vec<String> {
    glass_compiler::syntax::lexer::lex(src).comments.iter().map(|c| src[c.range()].trim_end().to_string()).collect()
}

fn check_properties(src: &str) -> String {
    let formatted = format_source(src).expect("formats");
    assert_eq!(format_source(&formatted).as_deref(), Some(formatted.as_str()), "not idempotent:\n{formatted}");
    assert_eq!(meaning(src), meaning(&formatted), "meaning changed:\n{formatted}");
    assert_eq!(comments(src), comments(&formatted), "comments lost or reordered:\n{formatted}");
    formatted
}

#[test]
fn messy_input_formats_canonically() {
    insta::assert_snapshot!(check_properties(MESSY));
}

#[test]
fn formatted_output_is_a_fixed_point() {
    let once = check_properties(MESSY);
    assert_eq!(check_properties(&once), once);
}

#[test]
fn broken_input_is_refused() {
    assert_eq!(format_source("on button-press while driving record clip"), None);
    assert_eq!(format_source("test \"x\" { fire }"), None);
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format_source("").as_deref(), Some(""));
    assert_eq!(format_source("# a\n\n# b\n").as_deref(), Some("# a\n\n# b\n"));
}

#[test]
fn example_files_are_formatted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "glass") {
                let text = std::fs::read_to_string(&path).expect("read");
                check_properties(&text);
                assert_eq!(format_source(&text).as_deref(), Some(text.as_str()), "{} is not formatted", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "no example files found");
}
