//! `glassc fmt`: canonical, idempotent, keeps every comment and the meaning of the code.

use glass_compiler::fmt::format_source;
use glass_compiler::syntax::lexer::lex;
use glass_compiler::syntax::{parse_item_text, split_items};

/// Every kind of trigger, condition, option and action, written carelessly.
const RULES: &str = r#"on button-long-press while driving:record clip,notify car
on wake-word where word=="hi"  and  confidence>=80% : listen
on driving becomes true: set-tint light
on tint changes : chime
on battery below 15%: notify phone(message:"low")
on ambient-light above 20000 : set-tint dark
on button-press then button-press then button-long-press within 1s: translate-view
every 10min while not driving: sync
every day at 7:05: say(message: "Good \"morning\"\n\tand\\hello")
every minute: chime
limit   reminders :at most 2 times per  1h
on battery below 15% limit reminders at most once per hour: say(message: "low")
on x while (a or b) and not (c != d) or motion == still for 3 s: y
on x while a - (b - c) * 2 / -d > -5 and e + f <= g: set n = n+1
on x while -(-a) < 10 s and t >= 07:30 and u < 23:59: z
on x at most once per minute: y
on x at most 3 times per 10 min mode restart: y
on x at most 1 times per 1 minute mode single: y
on x mode queued at most 2 times per hour: y
on x: after 5s notify, after 1 min after 2 s camera.record(kind: clip, duration: 30 s), glasses.led.blink
on x: set glasses.tint = dark, record clip(duration: 10 s), notify car()
on a or b  or on c:y
on a where n>1 or b where m < 2 or  s becomes true or on t changes or every 10 min or on d: y
on a then b within 1 s or c then no d within 2 s or on x > 1 for 2 s: y
"#;

/// Rules too long for one line.
const WRAPPING: &str = r#"rule dashcam-with-a-long-name: on button-long-press while driving and speed > 30 and not parked: record clip(duration: 30 s), notify car(message: "Recording")
on button-press then button-press within 400 ms while (battery > 20% and not driving) or battery == 100% for 3 s: record clip(duration: 30 s), notify car(message: "a long message")
rule limited: on voice-command where phrase == "what am I looking at" at most 3 times per 10 min mode queued: answer(question: "Describe what the camera sees")
on a-very-long-event-name-that-goes-on-and-on then another-very-long-event-name within 400 ms: record clip
rule fits-exactly-on-one-line-of-one-hundred-columns-wide: on button-press while worn: notify(x: 12)
rule one-column-too-many-for-a-single-line-of-one-hundred: on button-press while worn: notify(x: 123)
rule capture: on press or double-press or command where phrase contains "photo" or worn becomes true for 1 h while not driving: record photo
on calls-incoming then temple-double-tap within 20 s
  # Huawei's head gesture
  or calls-incoming then head-nod within 20 s: answer-call
"#;

const TESTS_AND_PROFILES: &str = r#"test "the sentence" { set driving = true
  at 1s: fire button-long-press
     expect record clip
  expect notify car
at 2 s : expect no notify phone(message:"x")


  at 3 s: fire voice-wake-word(word: "xiaoai", confidence: 90%)
  at 1 min: set glasses.battery = 10%
}
test "empty" {   }
profile xiaomi-ai-glasses "Xiaomi AI Glasses" {
  device glasses
  processor ar1
  processor bes2700
  enum capture-kind {photo,clip,}
  state battery: Percent "charge left"
  state speed: Int 0..300
  state offset: Int -10..10
  capability camera "12 MP" {
    event shutter(kind: capture-kind) max 2 per second "the shutter"
    action record(kind: capture-kind = photo, duration: Duration 1 s..10 min = 10 s) cost 900 mW takes duration on ar1 privacy camera
    action photo() takes 2 s
  }

  capability empty {}
  capability audio { capability nested { event tap } }
}
profile bare {}
profile car { device car via phone }
"#;

/// Comments in every position the formatter knows.
const COMMENTS: &str = r#"# File header.

# About the pack.
pack p "doc"   # trailing after pack
# between declarations
use a, b
permit camera,   # inside a permit
  microphone

var n: Int 0..9 = 0 # trailing after var

# Before a rule.
on x: y  # after a one-line rule

# Before a named rule.
rule named:  # after the name
  on x  # after the trigger
  # before the condition
  while a and b  # after the condition
  at most once per minute  # after an option
  # before the actions
  : notify,  # after the first action
    # before the second action
    chime  # after the last action

rule inner: on x where a == # inside the filter
  b: y

on x then  # inside a sequence
  y within 1 s: z

test "t" {  # after the brace
  # before a step
  set a = true  # after a step

  # after a blank line
  at 1 s: fire x(v: # inside a step
    1)
  # before the closing brace
}  # after the closing brace

profile q {
  # before a member
  device glasses  # after a member
  capability c {  # after a capability brace
    event e  # after an event
    # at the end of a capability
  }  # after a capability
  enum k { a, # inside an enum
    b }
  # at the end of a profile
}

test "only comments" {
  # nothing yet
}

# The end.

# Really the end.
"#;

const DECLARATIONS: &str = r#"pack p
use a



use b
permit c
var x: Bool
var y: Int 0..5 = 3
on x: y
on z: w
var late: Bool = false
use q
every 5 s: tick
"#;

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

/// Branches: short ones stay on a line, long ones open their blocks, comments stay inside.
const BRANCHES: &str = r#"on x:if a{y}else{z}
on x: if a { y } else if b and c { z, w } else { v(n: 1) }, chime
rule precondition: on calendar-reminder where minutes-before <= 20: if not car.connected { notify phone(message: "The car is out of reach") } else if parked { precondition(temperature: 22), navigate(destination: title), set trips = trips + 1 }
rule nested:
  on x:
    if a {
      # the first branch
      if b { y } else { z(message: "a message long enough that this branch cannot stay on the line it starts") },
      w
    } else {
      v # the other branch
    }
"#;

const ALL: &[&str] = &[RULES, WRAPPING, TESTS_AND_PROFILES, COMMENTS, DECLARATIONS, MESSY, BRANCHES];

/// The syntax trees of a file with spans removed, to compare meaning across formatting.
fn meaning(src: &str) -> Vec<String> {
    split_items(src)
        .into_iter()
        .map(|s| {
            let parsed = parse_item_text(&src[s.range()]);
            assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
            let debug = format!("{:?}", parsed.item.kind);
            let mut out = String::new();
            let mut rest = debug.as_str();
            // `span: Span { .. }` fields, and spans kept as values (the `no` of an absent step).
            while let Some(i) = rest.find("Span {") {
                out.push_str(rest[..i].strip_suffix("span: ").unwrap_or(&rest[..i]));
                rest = &rest[i..];
                rest = &rest[rest.find('}').map_or(rest.len(), |j| j + 1)..];
            }
            out.push_str(rest);
            out
        })
        .collect()
}

/// The text of every comment, in order.
fn comments(src: &str) -> Vec<String> {
    lex(src).comments.iter().map(|c| src[c.range()].trim_end().to_string()).collect()
}

/// Formats `src` and checks what must hold for every input: formatting again changes nothing,
/// the syntax trees are the same, every comment is still there in the same order, and no line
/// ends with spaces.
fn check_properties(src: &str) -> String {
    let formatted = format_source(src).expect("formats");
    assert_eq!(format_source(&formatted).as_deref(), Some(formatted.as_str()), "not idempotent:\n{formatted}");
    assert_eq!(meaning(src), meaning(&formatted), "meaning changed:\n{formatted}");
    assert_eq!(comments(src), comments(&formatted), "comments lost or reordered:\n{formatted}");
    assert!(formatted.lines().all(|l| l == l.trim_end()), "trailing spaces:\n{formatted}");
    assert!(!formatted.contains("\n\n\n"), "two blank lines:\n{formatted}");
    formatted
}

#[test]
fn rules() {
    insta::assert_snapshot!(check_properties(RULES));
}

#[test]
fn long_rules_wrap() {
    let formatted = check_properties(WRAPPING);
    let exact = formatted.lines().find(|l| l.starts_with("rule fits-exactly")).expect("one line");
    assert_eq!(exact.chars().count(), 100);
    assert!(formatted.contains("rule one-column-too-many-for-a-single-line-of-one-hundred:\n"), "{formatted}");
    insta::assert_snapshot!(formatted);
}

#[test]
fn branches() {
    insta::assert_snapshot!(check_properties(BRANCHES));
}

#[test]
fn tests_and_profiles() {
    insta::assert_snapshot!(check_properties(TESTS_AND_PROFILES));
}

#[test]
fn comments_in_every_position() {
    insta::assert_snapshot!(check_properties(COMMENTS));
}

#[test]
fn declarations_stay_grouped() {
    insta::assert_snapshot!(check_properties(DECLARATIONS));
}

#[test]
fn messy_input_formats_canonically() {
    insta::assert_snapshot!(check_properties(MESSY));
}

#[test]
fn formatted_output_is_a_fixed_point() {
    for src in ALL {
        let once = check_properties(src);
        assert_eq!(check_properties(&once), once);
    }
}

#[test]
fn every_comment_is_kept() {
    for src in ALL {
        let formatted = format_source(src).expect("formats");
        for comment in comments(src) {
            assert_eq!(
                formatted.matches(comment.as_str()).count(),
                src.matches(comment.as_str()).count(),
                "{comment} lost in:\n{formatted}"
            );
        }
    }
}

/// Spaces between tokens do not matter: re-spacing every line of a formatted file (keeping its
/// line breaks and comments) formats back to the same text.
#[test]
fn spacing_does_not_matter() {
    let mut seed = 0x2545_f491_u64;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    for src in ALL {
        let formatted = format_source(src).expect("formats");
        let mut respaced = String::new();
        for line in formatted.lines() {
            let lexed = lex(line);
            let mut pieces: Vec<(u32, &str)> = lexed.tokens.iter().map(|(_, s)| (s.start, &line[s.range()])).collect();
            pieces.extend(lexed.comments.iter().map(|c| (c.start, &line[c.range()])));
            pieces.sort();
            respaced.push_str(&" ".repeat(next() % 4));
            for (_, piece) in pieces {
                respaced.push_str(piece);
                respaced.push_str(&" ".repeat(1 + next() % 3));
            }
            respaced.push('\n');
        }
        assert_eq!(format_source(&respaced).as_deref(), Some(formatted.as_str()), "from:\n{respaced}");
    }
}

#[test]
fn tight_and_loose_spellings_agree() {
    let tight = "on x while a==b and c-1>1: notify car(message:\"m\",level:2),after 5s chime\n";
    let loose =
        "on  x\n  while a == b and c - 1 > 1 :\n notify car ( message : \"m\" , level : 2 ) ,\n after 5 s chime\n";
    let expected = "on x while a == b and c - 1 > 1: notify car(message: \"m\", level: 2), after 5 s chime\n";
    assert_eq!(format_source(tight).as_deref(), Some(expected));
    assert_eq!(format_source(loose).as_deref(), Some(expected));
}

#[test]
fn units_times_and_windows() {
    let cases = [
        ("on x at most once per minute: y", "on x at most once per minute: y"),
        ("on x at most once per 1 minute: y", "on x at most once per 1 minute: y"),
        ("on x at most 1 times per 2min: y", "on x at most once per 2 min: y"),
        ("on battery below 15 %: y", "on battery below 15%: y"),
        ("every day at 7:30: y", "every day at 07:30: y"),
        ("every 007 s: y", "every 7 s: y"),
        ("on x: say(m: \"a\\\"b\\\\c\\n\")", "on x: say(m: \"a\\\"b\\\\c\\n\")"),
        ("on x while ((a)): y", "on x while ((a)): y"),
    ];
    for (input, expected) in cases {
        assert_eq!(format_source(input).as_deref(), Some(format!("{expected}\n").as_str()), "{input}");
    }
}

#[test]
fn broken_input_is_refused() {
    for broken in [
        "on button-press while driving record clip",
        "test \"x\" { fire }",
        "use a\non x: y,\non z: w",
        "profile p { device }",
        "on x: say(message: \"unterminated)",
        "on x while a ¤ b: y",
        "every day at 25:00: y",
        "on x: say(m: \"\\q\")",
        "use a # fine\nrule: on x: y",
    ] {
        assert_eq!(format_source(broken), None, "{broken}");
    }
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format_source("").as_deref(), Some(""));
    assert_eq!(format_source("\n\n  \n").as_deref(), Some(""));
    assert_eq!(format_source("# a\n\n\n\n# b").as_deref(), Some("# a\n\n# b\n"));
    assert_eq!(format_source("  # indented\r\n").as_deref(), Some("# indented\n"));
}

/// Comments that cannot keep their exact place still stay in the file, in order, and the result
/// is stable.
#[test]
fn awkward_comments_are_kept() {
    for src in [
        "on x # a\n: y",
        "on x:\n  y # a\n  ,z",
        "on x: y( # a\n v: 1) # b\n",
        "on x: after # a\n 5 s # b\n y",
        "rule # a\n r # b\n : # c\n on x: y",
        "test \"t\" # a\n { # b\n } # c",
        "test \"t\" # a\n {}",
        "profile p # a\n \"doc\" # b\n { # c\n }",
        "use a # a\n # b\n , b",
        "var v: # a\n Int # b\n 0 # c\n .. # d\n 5 # e\n = # f\n 1 # g",
        "# a\n\n\n# b\non x: y\n\n\n# c\n\n\n\n# d\n",
        "use a\n\n# a\npermit b\n# b\n\non x: y",
    ] {
        check_properties(src);
    }
}

/// A comment after any token, alone or after every token at once, is kept in order, never
/// changes the code, and formats stably.
#[test]
fn a_comment_after_any_token() {
    for src in ALL {
        let ends: Vec<usize> = lex(src).tokens.iter().map(|(_, s)| s.end as usize).collect();
        for (n, &end) in ends.iter().enumerate() {
            let with_one = format!("{}  # c{n}\n{}", &src[..end], &src[end..]);
            check_properties(&with_one);
        }
        let mut with_all = String::new();
        let mut from = 0;
        for (n, &end) in ends.iter().enumerate() {
            with_all.push_str(&src[from..end]);
            with_all.push_str(&format!(" # c{n}\n"));
            from = end;
        }
        with_all.push_str(&src[from..]);
        check_properties(&with_all);
    }
}

#[test]
fn example_files_are_canonical() {
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
                let formatted = format_source(&text).unwrap_or_else(|| panic!("{} does not format", path.display()));
                // The shipped examples are the style guide: they must already be canonical.
                assert!(formatted == text, "{} is not formatted: run `glassc fmt examples`", path.display());
                check_properties(&text);
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "no example files found");
}

#[test]
fn remainders_get_spaces_and_percentages_none() {
    let src = "on x while n%3 == 1 and (a + b)%60 >= 15 and 95 s%(2 s) < 1 s and p % 25% == 50%-10%: y\n";
    let formatted = format_source(src).expect("formats");
    assert_eq!(
        formatted,
        "on x while n % 3 == 1 and (a + b) % 60 >= 15 and 95 s % (2 s) < 1 s and p % 25% == 50% - 10%: y\n"
    );
    assert_eq!(format_source(&formatted).as_deref(), Some(formatted.as_str()));
    // `7 % 2` is a remainder, `15 %` before `:` a percentage; `7%2` is reported (E0015), so the
    // formatter leaves the file alone.
    assert_eq!(format_source("on x while 7 % 2 == b % 15 %: y\n").as_deref(), Some("on x while 7 % 2 == b % 15%: y\n"));
    assert_eq!(format_source("on x while 7%2 == 1: y\n"), None);
}

/// A sequence's steps: each with its `where`, the last maybe `no`, printed canonically and read
/// back as the same tree.
#[test]
fn sequence_steps_with_filters_and_an_absence() {
    let cases = [
        ("on a  where c==1 then   no b where  d within 5s: y", "on a where c == 1 then no b where d within 5 s: y"),
        (
            "on command where text contains\"note\" then press where battery>10% within 10 s:say(message:text)",
            "on command where text contains \"note\" then press where battery > 10% within 10 s: say(message: text)",
        ),
        ("on a then no within 1 s: y", "on a then no within 1 s: y"),
        ("on no then no no within second: y", "on no then no no within second: y"),
    ];
    for (input, expected) in cases {
        let formatted = check_properties(input);
        assert_eq!(formatted, format!("{expected}\n"), "{input}");
    }
    // Too long for one line: the trigger stays whole on its line, its comment after it.
    let long = "rule remind: on voice-command where text contains \"remind me\" and confidence > 80% then no button-press where worn within 10 s  # cancelled by a press\n  while not driving: say(message: text)\n";
    let formatted = check_properties(long);
    assert_eq!(
        formatted,
        "rule remind:\n  on voice-command where text contains \"remind me\" and confidence > 80% then no button-press where worn within 10 s  # cancelled by a press\n  while not driving:\n    say(message: text)\n"
    );
}
