//! Progress events and the one reporter that renders them to stderr.
//!
//! The engine (deploy, destroy, status) never writes to the terminal: it sends [`Event`]s, a
//! closed set, to a [`Reporter`]. The reporter renders them as indicatif spinners on a terminal,
//! or as plain timestamped lines otherwise (`--no-progress`, not a TTY, or `NO_COLOR` for the
//! spinner colours). `-q` silences progress. stdout is never touched here.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::GlobalArgs;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Silent,
    Plain,
    Spinners,
}

/// Renders [`Event`]s to stderr. Cheap to clone; safe to use from concurrent steps.
#[derive(Clone)]
pub struct Reporter {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    mode: Mode,
    start: Instant,
    multi: Option<MultiProgress>,
    bars: HashMap<String, ProgressBar>,
    /// Every event, for tests and the summary.
    log: Vec<Event>,
}

impl Reporter {
    /// The reporter the global flags ask for.
    pub fn from_args(global: &GlobalArgs) -> Reporter {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let mode = if global.quiet {
            Mode::Silent
        } else if global.no_progress || !tty {
            Mode::Plain
        } else {
            Mode::Spinners
        };
        Reporter::with_mode(mode)
    }

    /// A reporter that renders nothing and only records (tests).
    #[cfg(test)]
    pub fn silent() -> Reporter {
        Reporter::with_mode(Mode::Silent)
    }

    fn with_mode(mode: Mode) -> Reporter {
        let multi = (mode == Mode::Spinners)
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Reporter {
            inner: Arc::new(Mutex::new(Inner {
                mode,
                start: Instant::now(),
                multi,
                bars: HashMap::new(),
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
        match inner.mode {
            Mode::Silent => {}
            Mode::Plain => {
                let line = format!("{} {}", timestamp(), plain_line(&event));
                let mut stderr = std::io::stderr().lock();
                let _ = writeln!(stderr, "{line}");
            }
            Mode::Spinners => inner.render_spinner(&event),
        }
    }
}

impl Inner {
    fn render_spinner(&mut self, event: &Event) {
        let Some(multi) = self.multi.clone() else {
            return;
        };
        let color = crate::output::use_color();
        match event {
            Event::Started { step, label } => {
                let bar = multi.add(ProgressBar::new_spinner());
                let template = if color {
                    "{spinner:.cyan} {msg} {elapsed:.dim}"
                } else {
                    "{spinner} {msg} {elapsed}"
                };
                if let Ok(style) = ProgressStyle::with_template(template) {
                    bar.set_style(style);
                }
                bar.set_message(label.clone());
                bar.enable_steady_tick(Duration::from_millis(100));
                self.bars.insert(step.clone(), bar);
            }
            Event::Waiting { step, what } => {
                if let Some(bar) = self.bars.get(step) {
                    bar.set_message(what.clone());
                }
            }
            Event::Finished { step, .. } | Event::Failed { step, .. } => {
                let line = plain_line(event);
                match self.bars.remove(step) {
                    Some(bar) => bar.finish_with_message(line),
                    None => {
                        let _ = multi.println(line);
                    }
                }
            }
            Event::Phase(_) | Event::Skipped { .. } | Event::Warning(_) => {
                let _ = multi.println(plain_line(event));
            }
        }
    }
}

fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
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
