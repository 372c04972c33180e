//! Snapshots of syntax trees: one per construct, so a grammar change shows up as a reviewed diff.

use glass_compiler::syntax::{parse_item_text, split_items};

/// Parses every item of `src` and debug-prints the trees (spans are item-relative).
fn trees(src: &str) -> String {
    let mut out = String::new();
    for span in split_items(src) {
        let parsed = parse_item_text(&src[span.range()]);
        assert!(parsed.errors.is_empty(), "{:#?}", parsed.errors);
        out.push_str(&format!("{:#?}\n", parsed.item.kind));
    }
    out
}

#[test]
fn the_product_sentence() {
    insta::assert_snapshot!(trees("on button-long-press while driving: record clip, notify car"));
}

#[test]
fn declarations() {
    insta::assert_snapshot!(trees(
        "pack dashcam \"Records the road\"\nuse xiaomi-ai-glasses, xiaomi-car\npermit camera\nvar clips: Int 0..500 = 0"
    ));
}

#[test]
fn triggers() {
    insta::assert_snapshot!(trees(
        "on wake-word where word == \"xiaoai\": notify\n\
         on battery below 15%: notify\n\
         on driving becomes true: notify\n\
         on motion changes: notify\n\
         every 10 min: notify\n\
         every day at 07:30: notify\n\
         on button-press then button-press within 400 ms: notify"
    ));
}

#[test]
fn conditions_and_precedence() {
    insta::assert_snapshot!(trees("on x while not a and b or c == d for 3 s and speed - 5 * 2 > -1: notify"));
}

#[test]
fn options_and_actions() {
    insta::assert_snapshot!(trees(
        "rule r: on x at most once per minute at most 3 times per 10 min mode restart: \
         after 5 s notify car(message: \"hi\"), set clips = clips + 1, glasses.camera.record(kind: clip, duration: 30 s)"
    ));
}

#[test]
fn tests() {
    insta::assert_snapshot!(trees(
        "test \"records\" {\n  set driving = true\n  at 1 s: fire button-long-press\n  expect record clip\n  at 2 s: expect no notify car\n}"
    ));
}

#[test]
fn profiles() {
    insta::assert_snapshot!(trees(
        "profile p \"doc\" {\n  device car via phone\n  processor ar1 \"AR1\"\n  enum kind { photo, clip }\n  state speed: Int \"km/h\"\n  \
         capability camera \"cam\" {\n    event shutter(kind: kind) max 2 per second\n    \
         action record(kind: kind = photo, duration: Duration = 15 s) cost 900 mW takes duration on ar1 privacy camera \"rec\"\n  }\n}"
    ));
}
