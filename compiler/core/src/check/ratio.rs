//! An aspect ratio written where an enum is expected: `record(format: 9:16)` or `16:9`. `9:16`
//! reads as a time (§2) and `16:9` as a ratio, which glass has no values for; an author who writes
//! either for a format means an aspect ratio, so the report says so and names the value of the
//! enum meant, when the enum has one.

use super::Checker;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::Expr;
use crate::types::Type;

/// Enum values that name an orientation, as profiles spell formats.
const PORTRAIT: &[&str] = &["vertical", "portrait", "tall", "upright"];
const LANDSCAPE: &[&str] = &["landscape", "horizontal", "wide", "widescreen"];
const SQUARE: &[&str] = &["square"];

/// Where the value is written: the action or event and the parameter it is given to.
pub(crate) struct ArgumentOf<'a> {
    pub callee: &'a str,
    pub param: &'a str,
}

impl Checker<'_> {
    /// Reports the time literal `e` (`minutes` after midnight) given where the enum `name` is
    /// expected.
    pub(crate) fn time_for_enum(&mut self, e: &Expr, minutes: u16, name: &str, at: Option<&ArgumentOf>) {
        let (w, h) = (minutes / 60, minutes % 60);
        let written = format!("{w}:{h:02}");
        let reading = format!("`{written}` is read as a time of day");
        self.format_for_enum(e, (w, h), (&written, "time of day", &reading), name, at);
    }

    /// Reports the ratio literal `e` (`16:9`): against the enum `expected`, if one is, as a format
    /// of it; elsewhere as a value glass does not have (both E0200).
    pub(crate) fn ratio(&mut self, e: &Expr, (w, h): (u16, u16), expected: Option<&Type>, at: Option<&ArgumentOf>) {
        let written = format!("{w}:{h}");
        if let Some(Type::Enum(name)) = expected {
            let reading = format!("`{written}` is an aspect ratio, and glass has no ratios");
            return self.format_for_enum(e, (w, h), (&written, "ratio", &reading), name, at);
        }
        self.error(
            Diagnostic::error(codes::TYPE_MISMATCH, format!("`{written}` is a ratio, and glass has no ratios"), e.span)
                .with_label_message("a ratio")
                .with_help(
                    "a format of a device is one of the values of an enum of its profile, written as a name; a time of day is written `HH:MM`, as in `07:30`",
                ),
        );
    }

    /// Reports `written`, a `what` (`(w, h)` as an aspect ratio; `reading` says how glass reads
    /// it), given where the enum `name` is expected.
    fn format_for_enum(
        &mut self,
        e: &Expr,
        (w, h): (u16, u16),
        (written, what, reading): (&str, &str, &str),
        name: &str,
        at: Option<&ArgumentOf>,
    ) {
        let values = self.scope.enum_def(name).map(|d| d.variants.clone()).unwrap_or_default();
        let listed = super::one_of(&values);
        let known = match at {
            Some(at) => format!("the {}s of `{}` are {listed}", at.param, at.callee),
            None => format!("the values of `{name}` are {listed}"),
        };
        // A value spelt with the ratio (`r9x16`) is certainly the one meant; a value of the
        // ratio's orientation (`vertical`) is the nearest the device offers.
        let exact = [format!("r{w}x{h}"), format!("{w}x{h}")];
        let exact = values.iter().find(|v| exact.iter().any(|x| v.ends_with(x.as_str())));
        let (orientation, words) = match w.cmp(&h) {
            std::cmp::Ordering::Less => ("vertical", PORTRAIT),
            std::cmp::Ordering::Greater => ("landscape", LANDSCAPE),
            std::cmp::Ordering::Equal => ("square", SQUARE),
        };
        let oriented: Vec<&String> = values.iter().filter(|v| words.contains(&v.as_str())).collect();
        let looks_like_formats = values
            .iter()
            .any(|v| PORTRAIT.contains(&v.as_str()) || LANDSCAPE.contains(&v.as_str()) || SQUARE.contains(&v.as_str()));
        let help = match (exact, oriented.as_slice()) {
            (Some(v), _) => format!("{reading}; {known}: write `{v}`"),
            (None, [v]) => format!("{reading}; {known}: write `{v}`, its {orientation} format"),
            (None, _) if looks_like_formats => {
                format!("{reading}; {known}, and none is {orientation} like {written}: the device has no such format")
            }
            (None, _) => format!("{reading}; {known}"),
        };
        let mut d = Diagnostic::error(
            codes::TYPE_MISMATCH,
            format!("expected a `{name}` value, found the {what} `{written}`"),
            e.span,
        )
        .with_label_message(format!("read as a {what}"))
        .with_help(help);
        if let Some(v) = exact {
            d = d.with_fix(format!("write `{v}`"), e.span, v.clone());
        }
        self.error(d);
    }
}
