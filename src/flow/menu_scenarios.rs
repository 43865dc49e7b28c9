//! Scenarios for a configured menu. The shipped scenarios are written for the blog's menu; with
//! another menu, [`for_menu`] generates one scenario per entry (a new caller presses its key and
//! lands in its queue) and carries the shipped returning-caller scenarios over: the blog's k-th
//! queue stands for the menu's k-th (its name and key rewritten in inputs and expectations). A
//! scenario that needs a k-th queue the menu does not have is left out. A shipped scenario that
//! expects the words of a prompt the config file rewrote expects the new words instead.

use std::collections::BTreeMap;

use super::scenario::{self, Scenario};
use crate::assets::experience::plain_part;
use crate::assets::{CallExperience, Menu, MenuQueue, Solution};

/// The shipped scenarios that the generated ones replace (one per blog queue).
const NEW_CALLER_PREFIX: &str = "new-caller-";

/// The scenarios to run for `experience`: [`for_menu`], then every expected prompt that an
/// overridden prompt said in the shipped flow expects the override's first plain words.
pub fn for_experience(
    experience: &CallExperience,
    scenarios: Vec<(String, Scenario)>,
) -> Vec<(String, Scenario)> {
    let mut out = for_menu(&experience.menu, scenarios);
    if !experience.bot.is_default()
        && let Ok(bot) = experience.bot_definition()
    {
        let shipped = crate::assets::bot();
        for (_, scenario) in &mut out {
            for step in &mut scenario.steps {
                for input in &mut step.inputs {
                    if let Some(said) = translated(input, &shipped, &bot) {
                        *input = said;
                    }
                }
            }
        }
    }
    let overridden = experience.overridden();
    if overridden.is_empty() {
        return out;
    }
    for (_, scenario) in &mut out {
        for step in &mut scenario.steps {
            for expected in &mut step.expect.prompts_include {
                if let Some((_, text)) = overridden
                    .iter()
                    .find(|(shipped, _)| said_by(shipped, expected))
                {
                    *expected = plain_part(text);
                }
            }
        }
    }
    out
}

/// A `say:` input the shipped bot understands as one of its intents, said the way the bot in
/// another locale understands it (the first utterance of the same intent there).
fn translated(
    input: &str,
    shipped: &crate::assets::BotDefinition,
    bot: &crate::assets::BotDefinition,
) -> Option<String> {
    let said = input.strip_prefix("say:")?.trim().to_lowercase();
    let intent = shipped
        .intents
        .iter()
        .find(|intent| intent.utterances.iter().any(|u| u.to_lowercase() == said))?;
    let there = bot.intents.iter().find(|i| i.name == intent.name)?;
    there.utterances.first().map(|u| format!("say:{u}"))
}

/// True when a prompt made from `shipped` (its `$.` references filled in) can contain
/// `expected`: one of its literal runs overlaps the expectation.
fn said_by(shipped: &str, expected: &str) -> bool {
    shipped
        .split(' ')
        .collect::<Vec<_>>()
        .split(|word| word.contains("$."))
        .map(|run| run.join(" "))
        .filter(|run| run.len() >= 8)
        .any(|run| run.contains(expected) || expected.contains(run.as_str()))
}

/// The scenarios to run for `menu`, from the shipped (or given) ones. With the blog's menu they
/// are returned unchanged.
pub fn for_menu(menu: &Menu, scenarios: Vec<(String, Scenario)>) -> Vec<(String, Scenario)> {
    if menu.is_blogs() {
        return scenarios;
    }
    let blogs = Menu::blogs();
    let names: BTreeMap<&str, &MenuQueue> = blogs
        .names()
        .zip(menu.queues.iter())
        .collect::<BTreeMap<_, _>>();
    let keys: BTreeMap<&str, &str> = blogs
        .queues
        .iter()
        .zip(menu.queues.iter())
        .map(|(blog, ours)| (blog.digit.as_str(), ours.digit.as_str()))
        .collect();
    let map = Mapping {
        blogs: &blogs,
        names,
        keys,
    };
    let mut out: Vec<(String, Scenario)> = scenarios
        .into_iter()
        .filter(|(name, _)| !name.starts_with(NEW_CALLER_PREFIX))
        .filter_map(|(name, scenario)| map.carry(&scenario).map(|s| (name, s)))
        .collect();
    out.extend(menu.queues.iter().map(generated));
    out
}

/// The name of the scenario of one menu entry: `menu-key-<key>-<queue>` (`menu-key-2-tech-support`).
/// `verify` names its path for the entry the same, so the two can be compared.
pub fn generated_name(queue: &MenuQueue) -> String {
    let key = match queue.digit.as_str() {
        "*" => "star",
        "#" => "hash",
        digit => digit,
    };
    format!("menu-key-{key}-{}", slug(&queue.name))
}

/// A queue name as lowercase letters, digits and hyphens (`Tech Support` → `tech-support`).
pub fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The scenario of one menu entry: a new caller presses its key.
pub fn generated(queue: &MenuQueue) -> (String, Scenario) {
    let (name, digit) = (&queue.name, &queue.digit);
    let text = format!(
        r#"description = "new caller presses {digit} for {name}: the configured menu puts the caller in queue {name} with the new-caller whisper, which records caller, queue and agent"
solution = "returning-callers"

[[steps]]
kind = "call"
caller = "+14155552671"
inputs = ["{digit}"]
agent = "alice"
[steps.expect]
ends = "queue"
queue = "{name}"
priority = 5
whisper = "newCallerAgentWhisper"
path_includes = ["Main menu", "{action}", "Record caller", "Whisper new caller"]
path_excludes = ["Ask same matter"]
lambdas_called = ["searchCustomerCalls", "addCustomerCalls"]
record = {{ customerQueueName = "{name}", agentName = "alice" }}
"#,
        action = queue.action(),
    );
    let scenario = scenario::parse(&text).expect("queue names and keys are checked TOML-safe");
    (generated_name(queue), scenario)
}

struct Mapping<'a> {
    blogs: &'a Menu,
    /// Blog queue name → the menu entry standing for it.
    names: BTreeMap<&'a str, &'a MenuQueue>,
    /// Blog key → the key of the entry standing for it.
    keys: BTreeMap<&'a str, &'a str>,
}

impl Mapping<'_> {
    /// `scenario` rewritten onto the menu, or `None` when it needs a queue the menu lacks.
    fn carry(&self, scenario: &Scenario) -> Option<Scenario> {
        if scenario.solution != Solution::ReturningCallers.id() {
            return Some(scenario.clone());
        }
        let mut out = scenario.clone();
        for step in &mut out.steps {
            for input in &mut step.inputs {
                if self.blogs.queues.iter().any(|q| q.digit == *input) {
                    *input = self.keys.get(input.as_str())?.to_string();
                }
            }
            let expect = &mut step.expect;
            if let Some(queue) = &mut expect.queue {
                *queue = self.name(queue)?;
            }
            for value in expect
                .record
                .values_mut()
                .chain(expect.attributes.values_mut())
            {
                *value = self.name(value)?;
            }
            for action in expect
                .path_includes
                .iter_mut()
                .chain(expect.path_excludes.iter_mut())
            {
                if let Some(queue) = action.strip_prefix("Queue ") {
                    *action = format!("Queue {}", self.name(queue)?);
                }
            }
            for prompt in &mut expect.prompts_include {
                *prompt = self.words(prompt)?;
            }
        }
        Some(out)
    }

    /// A blog queue's name mapped; any other value unchanged; `None` when unmapped.
    fn name(&self, value: &str) -> Option<String> {
        if self.blogs.queue(value).is_none() {
            return Some(value.to_string());
        }
        self.names.get(value).map(|queue| queue.name.clone())
    }

    /// Every word of `text` that is a blog queue's name mapped.
    fn words(&self, text: &str) -> Option<String> {
        text.split(' ')
            .map(|word| self.name(word))
            .collect::<Option<Vec<_>>>()
            .map(|words| words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built_in() -> Vec<(String, Scenario)> {
        scenario::BUILT_IN
            .iter()
            .map(|(name, text)| (name.to_string(), scenario::parse(text).unwrap()))
            .collect()
    }

    fn three() -> Menu {
        let queue = |name: &str, digit: &str| MenuQueue {
            name: name.into(),
            digit: digit.into(),
            words: None,
            description: None,
        };
        Menu {
            queues: vec![
                queue("Billing", "1"),
                queue("Tech Support", "2"),
                queue("Sales", "3"),
            ],
            ..Menu::blogs()
        }
    }

    #[test]
    fn the_blogs_menu_keeps_the_shipped_scenarios() {
        let names: Vec<String> = for_menu(&Menu::blogs(), built_in())
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let shipped: Vec<String> = built_in().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, shipped);
    }

    #[test]
    fn another_menu_gets_one_scenario_per_key_and_the_carried_ones() {
        let out = for_menu(&three(), built_in());
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        for key in [
            "menu-key-1-billing",
            "menu-key-2-tech-support",
            "menu-key-3-sales",
        ] {
            assert!(names.contains(&key), "{names:?}");
        }
        assert!(!names.iter().any(|n| n.starts_with(NEW_CALLER_PREFIX)));
        // Needs the blog's 4th and 5th queues, which a three-entry menu lacks.
        assert!(!names.contains(&"returning-yes-no"));
        let yes_yes = &out
            .iter()
            .find(|(n, _)| n == "returning-yes-yes")
            .unwrap()
            .1;
        let last = yes_yes.steps.last().unwrap();
        assert_eq!(last.expect.queue.as_deref(), Some("Tech Support"));
        let first = &yes_yes.steps[0];
        assert_eq!(first.inputs, ["2"]);
        assert!(
            last.expect
                .prompts_include
                .contains(&"Returning caller for Tech Support".to_string())
        );
        // Callback scenarios are not about the menu.
        assert!(names.contains(&"callback-first-request"));
    }
}
