//! Progress on stderr: indicatif spinners on a terminal, plain timestamped lines otherwise
//! (`--no-progress`, not a TTY), nothing with `-q`. `NO_COLOR` turns the spinner colours off.

use std::collections::HashMap;
use std::io::Write as _;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::{Event, Render, Reporter, plain_line};

/// How progress should show, as the command line asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProgressStyleChoice {
    /// Nothing at all (`-q`).
    pub quiet: bool,
    /// Plain lines even on a terminal (`--no-progress`).
    pub no_progress: bool,
}

/// The reporter for `choice`.
pub fn reporter(choice: ProgressStyleChoice) -> Reporter {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if choice.quiet {
        Reporter::silent()
    } else if choice.no_progress || !tty {
        Reporter::new(Box::new(Plain))
    } else {
        Reporter::new(Box::new(Spinners {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: HashMap::new(),
            color: crate::output::use_color(),
        }))
    }
}

/// One timestamped line per event.
struct Plain;

impl Render for Plain {
    fn render(&mut self, event: &Event) {
        let line = format!("{} {}", timestamp(), plain_line(event));
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{line}");
    }
}

/// A spinner per running step.
struct Spinners {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    color: bool,
}

impl Render for Spinners {
    fn render(&mut self, event: &Event) {
        match event {
            Event::Started { step, label } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                let template = if self.color {
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
                        let _ = self.multi.println(line);
                    }
                }
            }
            Event::Phase(_) | Event::Skipped { .. } | Event::Warning(_) => {
                let _ = self.multi.println(plain_line(event));
            }
        }
    }
}

fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
}
