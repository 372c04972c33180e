//! How long reporting takes beside checking: for generated packs, the time to check them, then
//! to render every diagnostic for people (ariadne) and as JSON, as `glassc check` does.
//!
//! Run: `cargo bench -p glassc --bench render`. Prints one line per input. Rendering must stay
//! linear in the input: a long line is drawn as windows around its labels, not whole per label.

use std::time::{Duration, Instant};

use glassc::inputs::Input;
use glassc::render::{Sources, human, json};
use glassc::session::Session;

const PROFILE: &str = r#"
profile bench-glasses "智能眼镜" {
  device glasses "眼镜"
  state battery: Percent "电量"
  capability button "按钮" {
    event press max 5 per second "短按"
    event long-press max 2 per second "长按"
  }
  action say(message: Text) cost 40 mW takes 3 s "说话"
}
"#;

/// A rule that checks, and one with a misspelt event (E0101).
fn rule(i: usize) -> String {
    format!("rule r{i}: on button-press while battery < {}%: say(message: \"提醒 {i}\")", i % 100)
}

fn mistake(i: usize) -> String {
    format!("on buton-press while battery < {}%: say(message: \"错 {i}\")", i % 100)
}

/// `(name, pack)`: about a megabyte of rules with one mistake at the end; 300 KB on one line with a
/// mistake at the end; 10,000 mistakes, one per line (reported up to the per-file limit); 300 KB
/// on one line with a mistake every tenth rule; mistakes after a million lines (line and column
/// must not cost a scan from the top of the file per label).
fn inputs() -> Vec<(&'static str, String)> {
    let until = |len: usize, sep: &str, every: usize| {
        let mut s = format!("use bench-glasses{sep}");
        let mut i = 0;
        while s.len() < len {
            s.push_str(&if every > 0 && i % every == every - 1 { mistake(i) } else { rule(i) });
            s.push_str(sep);
            i += 1;
        }
        s
    };
    let end = mistake(0);
    vec![
        ("1 MB pack, 1 mistake", until(1_000_000, "\n", 0) + &end + "\n"),
        ("300 KB on one line, 1 mistake at the end", until(300_000, " ", 0) + &end + "\n"),
        ("10,000 mistakes", until(0, "\n", 0) + &(0..10_000).map(|i| mistake(i) + "\n").collect::<String>()),
        ("300 KB on one line, a mistake every 10 rules", until(300_000, " ", 10) + "\n"),
        (
            "a million comment lines, then 300 mistakes",
            format!(
                "use bench-glasses\n{}{}",
                "# 注释\n".repeat(1_000_000),
                (0..300).map(|i| mistake(i) + "\n").collect::<String>()
            ),
        ),
    ]
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    for (name, pack) in inputs() {
        let (mut check, mut terminal, mut machine) = (Vec::new(), Vec::new(), Vec::new());
        let mut shown = 0;
        for _ in 0..3 {
            let start = Instant::now();
            let files = [("bench-glasses.glass", PROFILE.to_string()), ("pack.glass", pack.clone())];
            let session = Session::new(
                files.into_iter().map(|(p, t)| Input { path: p.into(), text: t, invalid_utf8: None }).collect(),
            );
            let diagnostics = session.diagnostics();
            check.push(start.elapsed());
            let start = Instant::now();
            let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
            let mut bytes = 0;
            for (file, d) in &diagnostics {
                bytes += human(d, &session.files[*file].0.path, &sources, false).len();
            }
            terminal.push(start.elapsed());
            let start = Instant::now();
            let sources = Sources::new(session.files.iter().map(|(i, _)| (i.path.as_str(), i.text.as_str())));
            for (file, d) in &diagnostics {
                bytes += json(d, &session.files[*file].0.path, &sources).to_string().len();
            }
            machine.push(start.elapsed());
            assert!(bytes > 0 && !diagnostics.is_empty(), "{name}: nothing reported");
            shown = diagnostics.len();
        }
        println!(
            "{name} ({} bytes, {shown} diagnostics): check {:?}, terminal {:?}, JSON {:?} (medians of 3)",
            pack.len(),
            median(check),
            median(terminal),
            median(machine)
        );
    }
}
