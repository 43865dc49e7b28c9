//! Progress events and the reporter the engine sends them to.
//!
//! The engine (deploy, destroy, status) never writes to the terminal: it sends [`Event`]s, a
//! closed set, to a [`Reporter`], which hands them to the [`Render`] the command chose
//! (`ui/progress.rs`: spinners on a terminal, timestamped lines otherwise).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    Created,
    Updated,
    Unchanged,
    Adopted,
    Deleted,
    Restored,
    Kept,
}

impl StepOutcome {
    pub fn word(&self) -> &'static str {
        match self {
            StepOutcome::Created => "created",
            StepOutcome::Updated => "updated",
            StepOutcome::Unchanged => "unchanged",
            StepOutcome::Adopted => "adopted",
            StepOutcome::Deleted => "deleted",
            StepOutcome::Restored => "restored",
            StepOutcome::Kept => "kept",
        }
    }
}

/// Everything the engine reports while it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A phase of the command begins ("reading current state", "applying 7 changes").
    Phase(String),
    /// A step started.
    Started { step: String, label: String },
    /// A step is waiting on something and says what (stack events, bot build, pacing).
    Waiting { step: String, what: String },
    /// A step finished.
    Finished {
        step: String,
        label: String,
        outcome: StepOutcome,
    },
    /// A step failed; its dependents will be skipped.
    Failed {
        step: String,
        label: String,
        error: String,
    },
    /// A step did not run because a step it depends on failed.
    Skipped {
        step: String,
        label: String,
        because: String,
    },
    /// Something the user should know that is not an error.
    Warning(String),
}

/// Draws events somewhere (the command's terminal renderers live in `ui/progress.rs`).
pub trait Render: Send {
    fn render(&mut self, event: &Event);
}

/// Where the engine sends its [`Event`]s: records them, and hands each to the renderer the
/// command chose. Cheap to clone; safe to use from concurrent steps.
#[derive(Clone)]
pub struct Reporter {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    start: Instant,
    render: Option<Box<dyn Render>>,
    /// Every event, for tests and the summary.
    log: Vec<Event>,
}

impl Reporter {
    /// A reporter that hands every event to `render`.
    pub fn new(render: Box<dyn Render>) -> Reporter {
        Reporter::with(Some(render))
    }

    /// A reporter that renders nothing and only records (`-q`, tests).
    pub fn silent() -> Reporter {
        Reporter::with(None)
    }

    fn with(render: Option<Box<dyn Render>>) -> Reporter {
        Reporter {
            inner: Arc::new(Mutex::new(Inner {
                start: Instant::now(),
                render,
                log: Vec::new(),
            })),
        }
    }

    /// Every event reported so far (tests).
    #[cfg(test)]
    pub fn events(&self) -> Vec<Event> {
        self.inner
            .lock()
            .map(|inner| inner.log.clone())
            .unwrap_or_default()
    }

    /// Time since the reporter was made.
    pub fn elapsed(&self) -> Duration {
        self.inner
            .lock()
            .map(|inner| inner.start.elapsed())
            .unwrap_or_default()
    }

    pub fn phase(&self, text: impl Into<String>) {
        self.send(Event::Phase(text.into()));
    }

    pub fn warn(&self, text: impl Into<String>) {
        self.send(Event::Warning(text.into()));
    }

    /// Reports one event.
    pub fn send(&self, event: Event) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.log.push(event.clone());
        if let Some(render) = inner.render.as_mut() {
            render.render(&event);
        }
    }

    /// A progress callback for one step: each line becomes an [`Event::Waiting`] of `step`.
    pub fn progress_for(&self, step: impl Into<String>) -> Arc<dyn Fn(String) + Send + Sync> {
        let (reporter, step) = (self.clone(), step.into());
        Arc::new(move |what: String| {
            reporter.send(Event::Waiting {
                step: step.clone(),
                what,
            })
        })
    }
}

/// The one-line text of an event (plain mode, and finished spinners).
pub fn plain_line(event: &Event) -> String {
    match event {
        Event::Phase(text) => format!("== {text}"),
        Event::Started { label, .. } => format!("..  {label}"),
        Event::Waiting { what, .. } => format!("..  waiting: {what}"),
        Event::Finished { label, outcome, .. } => format!("ok  {label}: {}", outcome.word()),
        Event::Failed { label, error, .. } => format!("ERR {label}: {error}"),
        Event::Skipped { label, because, .. } => format!("--  {label}: skipped ({because})"),
        Event::Warning(text) => format!("warning: {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_recorded_in_order() {
        let reporter = Reporter::silent();
        reporter.phase("applying");
        reporter.send(Event::Finished {
            step: "q".into(),
            label: "queue Sales".into(),
            outcome: StepOutcome::Created,
        });
        assert_eq!(reporter.events().len(), 2);
        assert_eq!(
            plain_line(&reporter.events()[1]),
            "ok  queue Sales: created"
        );
    }

    #[test]
    fn failures_and_skips_say_why() {
        let failed = Event::Failed {
            step: "a".into(),
            label: "flow x".into(),
            error: "refused".into(),
        };
        assert_eq!(plain_line(&failed), "ERR flow x: refused");
        let skipped = Event::Skipped {
            step: "b".into(),
            label: "flow y".into(),
            because: "flow x failed".into(),
        };
        assert_eq!(plain_line(&skipped), "--  flow y: skipped (flow x failed)");
    }
}
