//! The registry of diagnostic codes.
//!
//! A code never changes meaning once released. Each has a title (one line) and a long explanation
//! that `glassc explain CODE` prints. Codes are grouped by stage: E00xx text and syntax, E01xx names,
//! E02xx types and units, E03xx rules and permissions, E04xx tests, E05xx profiles, E06xx
//! runtime limits found by code generation, W0xxx warnings.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(pub &'static str);

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

pub struct CodeInfo {
    pub code: Code,
    pub title: &'static str,
    pub explanation: &'static str,
}

macro_rules! codes {
    ($($name:ident = $code:literal, $title:literal, $explanation:literal;)*) => {
        $(pub const $name: Code = Code($code);)*
        /// Every code, in order.
        pub const ALL: &[CodeInfo] = &[$(CodeInfo { code: $name, title: $title, explanation: $explanation }),*];
    };
}

/// Looks a code up by its text, case-insensitively (`e0101` finds `E0101`).
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    ALL.iter().find(|info| info.code.0.eq_ignore_ascii_case(code))
}

codes! {
    UNEXPECTED_CHARACTER = "E0001", "unexpected character",
"The file contains characters that are not part of the glass language.

Names are made of ASCII letters, digits, `_` and `-` (as in `button-long-press`); text goes between
double quotes; comments start with `#`.

    on button-long-press: notify phone(message: \"hi\")   # fine
    on button-long-press: notify phone ¤                  # error: `¤` means nothing here";

    UNTERMINATED_TEXT = "E0002", "unterminated text",
"A text value starts with `\"` but the line ends before the closing `\"`.

    notify phone(message: \"Clip saved)     # error
    notify phone(message: \"Clip saved\")    # fine";

    SYNTAX = "E0003", "syntax error",
"The parser expected something else at this point. The message lists what would fit, and the
help line shows the shape of the item the mistake is in. The items have these shapes:

    use PROFILE, ...                 permit PERMISSION, ...
    pack NAME \"DESCRIPTION\"          var NAME: TYPE [= VALUE]
    [rule NAME:] on TRIGGER [while CONDITION] [OPTIONS]: ACTION, ACTION, ...
    test \"NAME\" { [at TIME:] set NAME = VALUE | fire EVENT | expect [no] ACTION ... }
    profile NAME { device NAME  processor NAME  enum NAME { ... }  state NAME: TYPE
                   event NAME(...)  action NAME(...) ...  capability NAME { ... } }

for example

    on button-long-press while driving: record clip, notify car

Some mistakes have their own message: comparisons that chain (`a < b < c`), `=` in a
condition where `==` is meant, `every day` without `at`, `where` after a state change or after
a sequence's `within` (it goes right after the step it filters), `no` on a step of a sequence
other than the last, a reserved word used as a name, a bracket that is never closed, and the habits of
other rule languages, which are read as meant so that the rest of the rule is checked:

    when button-press: chime                       # write `on button-press: chime`
    on button-press if driving: chime              # write `while driving`
    on every 10 s: chime                           # write `every 10 s: chime`
    on button-press: chime then say(...)           # write `chime, say(...)`
    on button-press: chime at most once per minute # write `on button-press at most once per minute: chime`
    on button-press: say(message = \"hi\")          # write `message: \"hi\"`";

    TOO_DEEP = "E0004", "expression nested too deeply",
"Brackets, `not`, unary `-` or `after` are nested more deeply than the compiler accepts (48
levels). Real rules never need this; split the expression into simpler parts.";

    INVALID_UTF8 = "E0005", "file is not UTF-8 text",
"glass source files must be UTF-8 text. The file contains bytes that are not valid UTF-8, usually
because it is a binary file or was saved in another encoding. Save it as UTF-8.";

    EMPTY_FILE = "E0006", "empty file",
"The file contains no items. A pack names the profiles it is written for and then its rules:

    use xiaomi-ai-glasses
    on button-long-press while driving: record clip, notify car";

    NUMBER_TOO_LARGE = "E0007", "number too large",
"Numbers are 64-bit signed integers; this one does not fit.";

    BAD_TIME = "E0008", "not a time of day",
"Times of day are written `HH:MM` with hours from 00 to 23 and minutes from 00 to 59:

    every day at 07:30: show itinerary";

    BAD_ESCAPE = "E0009", "unknown escape in text",
"Inside text, `\\\\` may only be followed by `\"`, `\\\\`, `n` or `t`.";

    TOO_MANY_ERRORS = "E0010", "too many errors",
"The file has so many errors that the rest are not shown. Fix the first ones and check again;
often one mistake causes many.";

    DIGIT_NAME_PART = "E0011", "a part of a name starts with a digit",
"A hyphen joins the parts of a name only when a letter follows it, so `wifi-6e` is not one name:
`x-5` means `x` minus `5`. A part of a name cannot start with a digit. Join the parts or spell the
number:

    state wifi6e: Bool          # fine
    state wifi-six-e: Bool      # fine
    state wifi-6e: Bool         # error";

    EXPR_TOO_LONG = "E0012", "expression too long",
"An expression is deeper than the compiler accepts: more than 256 operators in a row, counting
each `and`, `or`, comparison, `+`, `-`, `*`, `/`, `for`, `not` and bracket between the outside of
the expression and its innermost value. A chain like `a or b or c ...` is that deep when it has
more than 256 `or`. Real rules never need this; split the expression:

    on button-press while mode == a or mode == b or ...: chime    # more than 256 `or`

    on button-press while mode == a: chime                         # one rule per case
    on button-press while mode == b: chime

or work a part out in a rule of its own, keep it in a `var`, and test the `var`. A long sum of
constants (`1 s + 1 s + ...`) is better written as its value (`5 min`).";

    UNKNOWN_UNIT = "E0013", "no such unit",
"A number is followed by a word that is not a unit glass knows. A number takes `%` (a
percentage) or a duration unit: `ms`, `s`, `min`, `h` or `day`, or their long forms (`second`,
`minutes`, `hours`, ...), or a unit of a measure that a value in scope is declared in
(`state speed: Int 0..300 km/h` in a profile makes `120 km/h` a number in km/h; `°C` is also
written `degC` or `celsius`). A number that counts something takes no unit at all. The help lists
the units in scope.

    on button-press while battery < 20 pct: chime        # error: no unit `pct`
    on button-press while battery < 20 %: chime          # fine
    on button-press at most 2 times per 10 secs: chime   # error: no unit `secs`
    on button-press at most 2 times per 10 s: chime      # fine";

    FRACTION = "E0014", "fractional number",
"Numbers in glass are whole: there are no fractions. A fraction of a duration is a whole number of
a smaller unit, and the help line gives it; percentages are whole percents.

    on button-press then button-long-press within 1.5 s: chime    # error
    on button-press then button-long-press within 1500 ms: chime  # fine
    every 2.5 min: chime                                          # error
    every 150 s: chime                                            # fine";

    PERCENT_OR_REMAINDER = "E0015", "a `%` that could be a percent sign or a remainder",
"`%` has two meanings, told apart by spaces. Right after the digits of a number, with no space,
it is a percent sign: `15%` is fifteen percent. Anywhere else it is the remainder operator, which
binds like `*` and `/`: `clips % 10` is what is left after dividing `clips` by 10.

After a space, `%` is still the number's percent sign when no value follows it (`15 %:`), as
nothing else fits. A `%` right after a number and right before a value, with no spaces, fits both
rules, and is reported with the fix:

    while 7%2 == 1: chime                # error: a percentage or a remainder?
    while 7 % 2 == 1: chime              # fine: the remainder, 1
    while count%2 == 1: chime            # fine: `%` after a name is the remainder
    while battery < 15%: chime           # fine
    while battery < 15 %: chime          # fine too: nothing follows the `%`";

    UNKNOWN_PROFILE = "E0100", "unknown profile",
"`use` names a profile the compiler does not know. Profiles are `.glass` files that contain a
`profile NAME { ... }` block; pass them to `glassc` with the pack (or put them in the same folder).

    use xiaomi-ai-glasses";

    UNKNOWN_EVENT = "E0101", "unknown event",
"The trigger names an event that no profile in scope declares. Events are written as the
capability and event joined by `-` (`button-long-press`), by the event alone when that is unique
(`long-press`), or fully qualified (`glasses.button.long-press`). The message suggests the closest
names.";

    AMBIGUOUS_EVENT = "E0102", "ambiguous event or state",
"A short event or state name matches members of more than one device or capability. Write one of
the candidates the message lists in full, for example `glasses.button.press` instead of `press`,
or `glasses.battery` instead of `battery` when the phone has a battery too.";

    UNKNOWN_ACTION = "E0103", "unknown action",
"The action is not declared by any profile in scope. Short forms are a verb and an object:
`record clip` (the action `record` with its enum argument `clip`), `notify car` (the action `notify`
of the device `car`). The message suggests the closest actions.";

    AMBIGUOUS_ACTION = "E0104", "ambiguous action",
"The verb names actions of more than one device or capability. Add the object that says which,
as the message lists: `notify car` rather than `notify`.";

    UNKNOWN_NAME = "E0105", "unknown name",
"The expression names a state, variable, payload field or enum value that is not in scope.

States come from the profiles in `use`; variables from `var`; payload fields from the triggering
event, or from the steps of a sequence (E0116 says where each has a value); enum values from the
type they are compared with.";

    UNKNOWN_ARGUMENT = "E0106", "unknown argument",
"The action (or, in a test's `fire`, the event) has no parameter of this name. The help line lists
the parameters it has; their types and defaults are in the profile that declares it.";

    DUPLICATE_ARGUMENT = "E0107", "argument given twice",
"The same argument is given twice to one action. Keep one.";

    MISSING_ARGUMENT = "E0108", "missing argument",
"The action has a parameter without a default, and the call does not give it.

    notify car(message: \"Parking\")";

    DUPLICATE_NAME = "E0109", "name defined twice",
"Two rules, variables, tests or profile members have the same name in one scope, two profiles in
`use` declare different enums of one name, or a rule gives one option twice. Rename or remove one.

A device reached through another (`device car via phone`) has the state `connected` and the events
`connected` and `disconnected` from the toolchain; a profile that declares them too is told to
remove its lines.

Naming a profile twice in `use`, or a permission twice in `permit`, is harmless and only a
warning (W0109).";

    DUPLICATE_DECLARATION = "W0109", "profile or permission named twice",
"A warning: `use` names a profile that is already in use, or `permit` a permission that is already
declared. The second mention changes nothing; remove it.

    use xiaomi-ai-glasses, xiaomi-car
    use xiaomi-car                # W0109: already used";

    UNNAMED_ARGUMENT = "E0110", "argument without a name",
"Arguments are named: each value says which parameter it is for, so a call reads the same
whatever the order of its parameters in the profile.

    say(\"Hello\")                 # error: which parameter?
    say(message: \"Hello\")        # fine
    record(photo)                  # error
    record(kind: photo)            # fine
    record photo                   # fine: the short form, where the value names its parameter

When only one parameter left can take the value (the one of its type, or the enum that has the
word), the help line names it and an editor can add the name; otherwise it lists the parameters.";

    NO_PROFILE = "E0111", "pack uses no profile",
"A pack with rules must say which devices it is written for, with `use PROFILE` before its rules:

    use xiaomi-ai-glasses";

    TWO_PROFILES_OF_ONE_DEVICE = "E0115", "two profiles of one device",
"Two profiles in `use` describe a device of one name, such as two pairs of glasses. A pack is
written for one concrete device of each name: with both, every name of the device would mean two
things. Use the profile of the product the pack is for; a pack for another product uses that
product's profile.

    use xiaomi-ai-glasses, ray-ban-meta     # error: both describe `glasses`
    use xiaomi-ai-glasses, xiaomi-car       # fine: the glasses and the car

A pack for several products of one kind uses their family instead, and is checked, built and
tested for each product that implements it:

    use glasses                             # every profile that says `implements glasses`
    use glasses, ray-ban-meta               # error: the family and one of its products";

    FIELD_WITHOUT_VALUE = "E0116", "a payload field read where it has no value",
"In a sequence, each step's payload fields have a value from the moment its event happens. A
step's `where` reads its own fields and those of the steps before it, not those of a later step,
whose event has not happened yet when the filter is tested; `while` and the actions read every
step's:

    on command where text contains \"note\" then press within 10 s: ...     # fine
    on press where text contains \"note\" then command within 10 s: ...     # E0116: `command` comes later
    on press then command where text contains \"note\" within 10 s: ...     # fine

The absent step of `then no E` never happens, so its fields never have a value: only its own
`where` reads them, to say which of its events cancels the sequence.

    on press then no command where confidence > 80% within 5 s: chime       # fine
    on press then no command within 5 s: say(message: text)                 # E0116

A name without its event (`text`) is the field of the latest step that has it and has a value
where the name stands; `command.text` names the field of the latest `command`.

A rule with several triggers runs on any one of them, so its `while` and its actions read no
payload field: each trigger's `where` reads its own event's.

    on wake-word where word == \"hey\" or press: chime                       # fine
    on wake-word or press: say(message: word)                               # E0116: a press has no `word`";

    UNKNOWN_TYPE = "E0113", "unknown type",
"The type is neither a built-in type (`Bool`, `Int`, `Percent`, `Duration`, `Text`) nor an enum
declared by a profile in scope.";

    UNKNOWN_REFERENCE = "E0114", "unknown profile reference",
"A profile refers to a processor, privacy class, device or enum it does not declare. A processor
(`on ar1`) must be declared in the same profile; `via` must name the device of another profile
given to the compiler:

    device car via phone          # the phone is the device of another profile";

    TYPE_MISMATCH = "E0200", "mismatched types",
"The value has a different type than the place it is used in expects. Comparisons need both sides
of the same type, arithmetic needs numbers of the same unit, conditions need a `Bool`.

An aspect ratio written where a format is expected reads as a time of day (`9:16` is 09:16);
formats are enum values, and the help names the one meant:

    record clip(format: 9:16)        # error: a time of day, not a `video-format` value
    record clip(format: landscape)   # fine";

    MISSING_UNIT = "E0201", "number without a unit",
"A duration or a percentage needs its unit. `after 5` could mean seconds or minutes:

    after 5 s notify phone      # units: ms, s, min, h
    on battery below 15%: ...

The help lists the units that make the number plausible where it stands, and an editor may add
the unit only when one fits: a sequence's window is short, so `within 500` is `500 ms`, while
`every 30` could be `30 s` or `30 min`. A name without a unit (a payload field, a state, a
variable that counts) is never given one; compare it with a plain number, or multiply it by a
unit:

    on calendar-reminder where minutes-before > 20 min: ...   # error
    on calendar-reminder where minutes-before > 20: ...       # fine
    after delay-secs * 1 s notify phone                       # an Int made a Duration";

    UNIT_MISMATCH = "E0202", "mismatched units",
"The two sides of a comparison or arithmetic have different units, such as a percentage and a
duration:

    while battery < 20s     # error: battery is a Percent, 20s is a Duration
    while battery < 20%     # fine

The units of measures the profiles declare do not mix either, and glass does not convert between
them. A plain number fits any of them; a value declared without a unit takes plain numbers only:

    while cabin-temperature < 18 km/h    # error: cabin-temperature is in °C
    while cabin-temperature < 18 °C      # fine
    while cabin-temperature < 18         # fine: 18 in the unit of cabin-temperature";

    NOT_A_CONDITION = "E0203", "condition is not true or false",
"`while`, `where` and `not` need a `Bool` value. Compare the value with something:

    while speed > 0";

    OUT_OF_RANGE = "E0204", "value out of range",
"The value lies outside the range the type allows: a percentage over 100%, a variable outside its
declared range, an empty range. Durations and percentages are never negative, so `-5 s`, `-10%`
and `below -5%` are refused too.";

    UNBOUNDED_VARIABLE = "E0205", "variable type is not bounded",
"Pack variables live in the glasses' fixed RAM, so their type must be bounded: `Bool`, `Percent`,
`Duration`, an enum, or `Int` with a range such as `Int 0..100`. `Text` variables are not allowed.";

    ARITHMETIC_OVERFLOW = "E0206", "constant overflows",
"A constant expression overflows a 64-bit integer (durations count milliseconds, so they go up to
about 292 million years), or divides by zero: `10 s / 0` has no value.";

    TIME_ARITHMETIC = "E0207", "arithmetic a time of day does not take",
"A time of day (a `Time`, such as `07:30` or `time-of-day`) is moved by a constant duration of
whole minutes, and the result goes round the clock: `23:30 + 1 h` is `00:30`, `00:15 - 30 min`
is `23:45`. Times are also compared (`time-of-day >= 22:00`). Nothing else is arithmetic on a
time:

    while time-of-day + 30 min < 23:00: chime       # fine
    while departs - 1 h > time-of-day: chime        # fine
    while time-of-day + 30 s < 23:00: chime         # error: not a whole number of minutes
    while time-of-day + delay < 23:00: chime        # error: the duration is a variable
    while departs - time-of-day < 1 h: chime        # error: two times subtracted
    while time-of-day * 2 > 12:00: chime            # error

A time between two others is tested by comparing it with both, `or` when the span crosses
midnight: `time-of-day >= 22:00 or time-of-day < 06:00`.";

    UNDECLARED_PERMISSION = "E0300", "permission not declared",
"The action captures or sends data of a privacy class (camera, microphone, location, payment,
...) that the pack did not declare with `permit`. Declaring it makes the pack's permissions
visible to reviewers and to the runtime:

    permit camera";

    NOT_A_STATE = "E0301", "not a state",
"A state trigger (`becomes`, `changes`, `below`, `above`) or `set` in a test needs a state or a
variable, and this name is something else, usually an event. A rule reacts to an event with
`on EVENT`, and a test raises one with `fire EVENT`.";

    NOT_SETTABLE = "E0302", "cannot set this",
"Rules can only `set` pack variables. Device states are read-only; change them with the
device's actions.";

    BAD_THRESHOLD = "E0303", "threshold on a non-numeric state",
"`below` and `above` compare numbers; the state here is not a number, percentage or duration.
Use `becomes` for Bool and enum states.";

    BAD_RATE = "E0304", "invalid rate limit or window",
"A duration in `at most ... per`, `within`, `every` or `after` must be greater than zero, and a
count in `at most N times` must be at least 1.";

    NOT_CONSTANT = "E0305", "duration is not a constant",
"Durations of timers (`after`, `within`, `every`, `per`, `for`) and test times are fixed when the
pack loads, so they must be constants such as `5 s`, not states or variables.";

    NOT_A_MOMENT = "E0306", "trigger names no moment",
"A trigger says when a rule runs: an event happens (`on button-press`), a value changes or
crosses a threshold (`on speed above 120`), or a condition has held for a time
(`on speed > 120 for 10 s`, `on worn == false for 5 min`). A condition alone names no moment,
and an event happens at one moment, so it cannot hold for a time:

    on speed > 120: say(message: \"Slow down\")           # E0306: write `on speed above 120`
    on button-press for 2 s: chime                      # E0306: an event cannot hold
    on speed > 120 for 10 s: say(message: \"Slow down\")  # runs once, after 10 s above 120

A held trigger runs once when its condition has held without a break for the duration, and
again only after the condition was false.";

    DELAYED_BRANCH = "E0307", "a delayed `if`",
"`after D` delays one action. An `if` is decided when the rule runs, so `after 10 min if worn {
pause-music }` would read `worn` now, not in ten minutes, which is not what it says. Put the delay
inside the branch, where it delays the action the branch chose now:

    on button-press: after 10 min if worn { pause-music }    # E0307
    on button-press: if worn { after 10 min pause-music }    # decided now, paused in ten minutes

To decide later, let a rule run then: a variable set now, and a rule on its change or a held
trigger that checks the condition at that time.";

    HELD_TEXT_MATCH = "E0308", "words matched in a held condition",
"A held condition (`C for D`) is tested again whenever a state or variable changes, without the
texts the device passed in, so it cannot compare words with `matches` or `contains`:

    on now-playing contains \"podcast\" for 10 min: ...       # E0308

Test the words in the rule that sees the text, and hold what they decided instead: a rule
`on playing where title contains \"podcast\": set podcast = true` and a held trigger
`on podcast for 10 min`.";

    WORDLESS_PATTERN = "W0304", "a text pattern without words",
"`matches` and `contains` compare words, ignoring case, spaces and punctuation. A pattern with no
words in it is almost always a mistake: every text contains it, and a text matches it only when it
has no words either:

    on command where phrase contains \"\": ...     # W0304: always true
    on command where phrase matches \"?\": ...     # W0304

Write the words to look for.";

    HELD_AT_CHANGE = "W0302", "held condition checked only at a change",
"A rule triggered by a change of a value runs only when the value changes. A `while` condition
that asks how long that same value has been in a range is checked at those moments only, so the
rule does not run while the value stays where it is:

    on speed changes while speed > 120 for 10 s: say(message: \"Slow down\")   # W0302

runs at the first change after 10 s above 120, not after 10 s. To run when the condition has
held for the time, make it the trigger: `on speed > 120 for 10 s: ...`.";

    DEAD_BRANCH = "W0303", "branch that never runs",
"The branches of an `if` are tried in order, and the first whose condition holds runs. A branch
whose condition is `false`, or the same as an earlier branch's (which was false when this one is
tried), never runs; nor does anything after a branch whose condition is `true`:

    on button-press: if driving { record clip } else if driving { chime }   # W0303
    on button-press: if true { chime } else { record photo }                # W0303

Remove the branch, or write the condition that was meant.";

    UNUSED_PERMISSION = "W0301", "permission declared but never used",
"The pack declares a permission no rule needs. Remove it so the pack asks for no more than it
uses.";

    UNUSED_LIMIT = "W0306", "limit that no rule uses",
"The pack declares a shared limit (`limit reminders: at most once per hour`) but no rule names it
in its options, so it limits nothing. Add `limit reminders` to the rules it is for, before their
`:`:

    limit reminders: at most once per hour
    rule low-battery: on glasses.battery below 20% limit reminders: say(message: \"Charge soon\")

or remove the declaration.";

    TEST_NOT_EVENT = "E0400", "test fires something that is not an event",
"`fire` in a test needs an event of a profile in scope.";

    TEST_TIME_ORDER = "E0401", "test steps out of order",
"The steps of a test run at increasing virtual times; a step's `at` time must not be earlier
than the step before it.";

    PROFILE_BAD_MEMBER = "E0500", "invalid profile member",
"A profile member is malformed: a default value of the wrong type, a cost that is not a power in
mW, a maximum rate of zero.";

    PROFILE_DUPLICATE = "E0501", "profile defined twice",
"Two files define a profile with the same name. Profile names must be unique among the files given
to the compiler.";

    FAMILY_NOT_IMPLEMENTED = "E0502", "profile unlike the family it implements",
"A profile says it implements a family (`profile ray-ban-meta implements glasses`), so a pack
written for the family runs on it; for that, the product must have every state, event and action
of the family, in the same capability, with the same types and units:

    family glasses {
      device glasses
      state worn: Bool
      capability audio {
        action say(message: Text)
      }
    }

    profile my-glasses implements glasses {
      device glasses
      state worn: Bool
      action say(message: Text)       # error: the family's `say` is in `capability audio`
    }

A product may have more than the family: more members, more values in an enum, more parameters
if each has a default. It may raise an event less often than the family's `max`, never more, and
an action needs the same permission (`privacy`) as in the family.";

    FAMILY_WITHOUT_PRODUCTS = "W0305", "family that no product implements",
"The pack is written for a family, but no profile given to the compiler implements it, so the
pack is checked against the family alone and cannot be built or tested: there is no product to
build it for. Pass the products' profiles too, or add `implements FAMILY` to them.";

    NO_PRODUCT = "E0503", "pack for a family built without a product",
"A pack written for a family (`use glasses`) is compiled once for each product that implements
it, because each product's profile says what its events and actions are on the device. None of
the profiles given to the compiler implements the family, so there is nothing to build: pass the
products' profiles, each declared with `implements FAMILY`.";

    RUNTIME_LIMIT = "E0600", "rule beyond the runtime's limits",
"The rule is valid glass, but the on-glasses runtime cannot run it: it keeps fixed-size tables so
that it never allocates and every event takes bounded time (spec/bytecode.md, \"Limits\").

    at most 8 times per ...       a rate limit remembers at most 8 runs
    on a then b then c then d     a sequence has at most 4 events
    an expression nesting         at most 16 values on the stack at once
    a rule's code                 at most 1024 instructions on any path

Split the rule in two, or use a variable as a counter instead of a large rate limit.";

    PACK_TOO_LARGE = "E0601", "pack beyond the runtime's limits",
"The pack as a whole does not fit the bytecode format: more than 2048 different texts, or more
than 65 535 constants, events, states, actions or rules. Split it into several packs.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for info in ALL {
            assert!(seen.insert(info.code.0), "duplicate code {}", info.code);
            assert!(info.code.0.len() == 5 && (info.code.0.starts_with('E') || info.code.0.starts_with('W')));
            assert!(!info.explanation.is_empty());
        }
        assert_eq!(lookup("e0101").map(|i| i.code), Some(UNKNOWN_EVENT));
    }
}
