//! The steps of a sequence trigger, and which of their payload fields a name reads where.
//!
//! In a sequence rule every payload field belongs to one step. A step's `where` reads its own
//! fields and those of the steps before it (the later ones have not happened yet); `while` and
//! the actions read every step that happened, which is all but the absent one (`then no E`,
//! which never gives its fields a value). A name resolves to the latest step that has the
//! field and is readable there: unqualified (`text`), or qualified by any spelling of the step's
//! event (`command.text`, `voice.command.text`).

use crate::scope::Scope;
use crate::span::Span;
use crate::syntax::ast::Path;

/// The steps of the sequence trigger being checked.
#[derive(Clone, Debug, Default)]
pub(crate) struct Steps {
    steps: Vec<Step>,
}

/// One step: its event (`None` where the name did not resolve, already reported), as written and
/// where, and whether it is the absent step.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    pub event: Option<usize>,
    pub written: String,
    pub span: Span,
    pub absent: bool,
}

/// Where in a sequence rule an expression stands, which decides the steps it can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StepScope {
    /// The `where` of step `k`: steps `0..=k` (`k` is the event being tested).
    Filter(usize),
    /// `while` and the actions: the sequence is complete, and every step but the absent one
    /// happened.
    Complete,
}

/// A name looked up among the steps' payload fields: field `field` of the event `event` at step
/// `step`, and whether it has a value where the name stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StepField {
    Readable {
        step: usize,
        event: usize,
        field: usize,
    },
    /// A field of a step after the one whose `where` reads it.
    Later {
        step: usize,
        event: usize,
        field: usize,
    },
    /// A field of the absent step, outside its own `where`.
    Absent {
        step: usize,
        event: usize,
        field: usize,
    },
    /// No step has a field of that name.
    None,
}

impl Steps {
    pub fn new(steps: Vec<Step>) -> Steps {
        Steps { steps }
    }

    pub fn step(&self, k: usize) -> Option<&Step> {
        self.steps.get(k)
    }

    fn readable(&self, k: usize, at: StepScope) -> bool {
        match at {
            StepScope::Filter(filtered) => k <= filtered,
            StepScope::Complete => !self.steps[k].absent,
        }
    }

    /// What `p` names among the steps' fields at `at`: the latest readable step with the field;
    /// failing that, the first step that has it (to say why it cannot be read).
    pub fn lookup(&self, scope: &Scope, at: StepScope, p: &Path) -> StepField {
        let Some((field_name, prefix)) = p.segments.split_last() else { return StepField::None };
        // `command.text`: the steps whose event `command` names.
        let events =
            (!prefix.is_empty()).then(|| scope.events_matching(&Path { segments: prefix.to_vec(), span: p.span }));
        let field_of = |k: usize| {
            let event = self.steps[k].event?;
            if events.as_ref().is_some_and(|named| !named.contains(&event)) {
                return None;
            }
            let field = scope.events.get(event)?.params.iter().position(|f| f.name == field_name.node)?;
            Some((event, field))
        };
        let having: Vec<(usize, usize, usize)> =
            (0..self.steps.len()).filter_map(|k| field_of(k).map(|(event, field)| (k, event, field))).collect();
        if let Some(&(step, event, field)) = having.iter().rev().find(|(k, ..)| self.readable(*k, at)) {
            return StepField::Readable { step, event, field };
        }
        match having.first() {
            Some(&(step, event, field)) if self.steps[step].absent => StepField::Absent { step, event, field },
            Some(&(step, event, field)) => StepField::Later { step, event, field },
            None => StepField::None,
        }
    }

    /// The names of the fields readable at `at`, for "did you mean": each field alone, and
    /// qualified by its step's event as written when `qualified`.
    pub fn readable_names(&self, scope: &Scope, at: StepScope, qualified: bool) -> Vec<String> {
        let mut names = Vec::new();
        for (k, step) in self.steps.iter().enumerate() {
            let Some(event) = step.event.and_then(|e| scope.events.get(e)) else { continue };
            if !self.readable(k, at) {
                continue;
            }
            for f in &event.params {
                names.push(if qualified { format!("{}.{}", step.written, f.name) } else { f.name.clone() });
            }
        }
        names
    }
}
