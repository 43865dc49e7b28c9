//! The returning-caller IVR menu: which queues the solution creates, the DTMF key of each and
//! the words the menu says. The default is the blog's "Appliances for All" menu; a contact
//! center gives its own list in the config file. The menu action and the queue actions of
//! `repeatCallerFlow` are generated from it ([`Menu::apply`]), so validation, the plan,
//! simulation, status and destroy all see the same list.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::UserError;

/// The flow whose menu is generated.
pub const MENU_FLOW: &str = "repeatCallerFlow";
/// The identifier of the menu action (a `GetParticipantInput`) in [`MENU_FLOW`].
pub const MENU_ACTION: &str = "Main menu";
/// The keys a single-digit DTMF menu can use (Connect compares one digit, `*` or `#`).
pub const DTMF_KEYS: [&str; 12] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"];
/// Longest queue description Amazon Connect accepts.
pub const MAX_DESCRIPTION: usize = 250;
/// Longest queue name Amazon Connect accepts (the prefix is checked with the other names).
pub const MAX_NAME: usize = 127;
/// How each entry is announced when the config does not say.
pub const DEFAULT_OPTION: &str = "For {words}, press {digit}.";

/// One queue of the menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MenuQueue {
    /// The queue's name in Connect (before `--prefix`).
    pub name: String,
    /// The DTMF key that selects it: `0`–`9`, `*` or `#`.
    pub digit: String,
    /// What the menu calls it ("Spare Parts"); the name when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<String>,
    /// The queue's description in Connect; "<name> queue (connect-returns)" when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl MenuQueue {
    fn new(name: &str, digit: &str, words: &str) -> MenuQueue {
        MenuQueue {
            name: name.to_string(),
            digit: digit.to_string(),
            words: (words != name).then(|| words.to_string()),
            description: None,
        }
    }

    /// What the menu calls the queue.
    pub fn words(&self) -> &str {
        self.words.as_deref().unwrap_or(&self.name)
    }

    /// The description written on the queue.
    pub fn description(&self) -> String {
        self.description
            .clone()
            .unwrap_or_else(|| format!("{} queue (connect-returns)", self.name))
    }

    /// The identifier of the flow action that targets this queue.
    pub fn action(&self) -> String {
        format!("Queue {}", self.name)
    }
}

/// The menu: its queues in the order it announces them, and its wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Menu {
    /// Said before the options (empty: nothing).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intro: String,
    /// How each entry is announced; `{words}` and `{digit}` are replaced.
    #[serde(default = "default_option")]
    pub option: String,
    /// The queues, in the order the menu announces them.
    pub queues: Vec<MenuQueue>,
}

fn default_option() -> String {
    DEFAULT_OPTION.to_string()
}

impl Default for Menu {
    fn default() -> Menu {
        Menu::blogs()
    }
}

impl Menu {
    /// The blog's five queues, digits 1 to 5.
    pub fn blogs() -> Menu {
        Menu {
            intro: String::new(),
            option: default_option(),
            queues: vec![
                MenuQueue::new("Sales", "1", "Sales"),
                MenuQueue::new("Service", "2", "Service"),
                MenuQueue::new("Repairs", "3", "Repairs"),
                MenuQueue::new("Installations", "4", "Installations"),
                MenuQueue::new("Spare_Parts", "5", "Spare Parts"),
            ],
        }
    }

    /// True for the blog's menu (what the record leaves out).
    pub fn is_blogs(&self) -> bool {
        *self == Menu::blogs()
    }

    /// The queue names, in menu order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.queues.iter().map(|queue| queue.name.as_str())
    }

    /// The queue named `name`.
    pub fn queue(&self, name: &str) -> Option<&MenuQueue> {
        self.queues.iter().find(|queue| queue.name == name)
    }

    /// What the menu says.
    pub fn prompt(&self) -> String {
        let options = self.queues.iter().map(|queue| {
            self.option
                .replace("{words}", queue.words())
                .replace("{digit}", &queue.digit)
        });
        let intro = Some(self.intro.trim().to_string()).filter(|intro| !intro.is_empty());
        intro
            .into_iter()
            .chain(options)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// One line per entry, for plans and status: `1 Sales, 2 Service, …`.
    pub fn summary(&self) -> String {
        self.queues
            .iter()
            .map(|queue| format!("{} {}", queue.digit, queue.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Refuses a menu Connect or a caller could not use. Bad input: exit 2, with a hint.
    pub fn check(&self) -> Result<(), UserError> {
        if self.queues.is_empty() {
            return Err(UserError::new("the menu has no queues")
                .hint("add at least one [[queues]] entry with name and digit, or remove the list to use the default five"));
        }
        if self.queues.len() > DTMF_KEYS.len() {
            return Err(UserError::new(format!(
                "the menu has {} queues; a one-key DTMF menu offers at most {}",
                self.queues.len(),
                DTMF_KEYS.len()
            ))
            .hint("keep at most 12 entries (keys 0-9, * and #), or route the rest from a second menu in your own flow"));
        }
        if !self.option.contains("{digit}") {
            return Err(UserError::new(format!(
                "the menu option wording {:?} does not say the key to press",
                self.option
            ))
            .hint("put {digit} (and usually {words}) in it, e.g. option = \"For {words}, press {digit}.\""));
        }
        let mut digits = BTreeSet::new();
        let mut names = BTreeSet::new();
        for queue in &self.queues {
            check_name(&queue.name)?;
            if !DTMF_KEYS.contains(&queue.digit.as_str()) {
                return Err(UserError::new(format!(
                    "queue {:?} has the key {:?}, which a caller cannot press as one DTMF key",
                    queue.name, queue.digit
                ))
                .hint("use one of 0-9, * or #"));
            }
            if !digits.insert(queue.digit.as_str()) {
                return Err(UserError::new(format!(
                    "key {} is given to more than one queue (the second is {:?})",
                    queue.digit, queue.name
                ))
                .hint("give each queue its own key"));
            }
            if !names.insert(queue.name.as_str()) {
                return Err(
                    UserError::new(format!("queue {:?} is in the menu twice", queue.name))
                        .hint("list each queue once; two keys for one queue are not supported"),
                );
            }
            if queue.words().trim().is_empty() || queue.words().chars().any(char::is_control) {
                return Err(UserError::new(format!(
                    "queue {:?} has empty words or control characters in them",
                    queue.name
                ))
                .hint("words is what the menu says, e.g. words = \"Spare Parts\""));
            }
            let description = queue.description();
            if description.is_empty() || description.chars().count() > MAX_DESCRIPTION {
                return Err(UserError::new(format!(
                    "queue {:?} has a description of {} characters; Amazon Connect accepts 1 to {MAX_DESCRIPTION}",
                    queue.name,
                    description.chars().count()
                ))
                .hint("shorten the description, or leave it out for the default"));
            }
        }
        Ok(())
    }

    /// `source` (the menu flow) with its menu action and queue actions generated from this
    /// menu: the menu's text and one condition per entry, and one `UpdateContactTargetQueue` per
    /// queue, made from the first queue action of the source. Other flows are returned as given.
    pub fn apply(&self, flow: &str, source: &str) -> Result<String, String> {
        if flow != MENU_FLOW {
            return Ok(source.to_string());
        }
        let mut doc: serde_json::Value =
            serde_json::from_str(source).map_err(|err| format!("{flow} is not JSON: {err}"))?;
        let actions = doc
            .get_mut("Actions")
            .and_then(|actions| actions.as_array_mut())
            .ok_or_else(|| format!("{flow} has no Actions"))?;
        let is_queue_action = |action: &serde_json::Value| {
            action["Type"] == "UpdateContactTargetQueue"
                && action["Parameters"]["QueueId"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("${queue:"))
        };
        let first = actions
            .iter()
            .position(is_queue_action)
            .ok_or_else(|| format!("{flow} has no action targeting a ${{queue:…}}"))?;
        let template = actions[first].clone();
        let removed: Vec<String> = actions
            .iter()
            .filter(|action| is_queue_action(action))
            .filter_map(|action| action["Identifier"].as_str().map(str::to_string))
            .collect();
        actions.retain(|action| !is_queue_action(action));
        let generated = self.queues.iter().map(|queue| {
            let mut action = template.clone();
            action["Identifier"] = queue.action().into();
            action["Parameters"]["QueueId"] = format!("${{queue:{}}}", queue.name).into();
            action
        });
        actions.splice(first..first, generated);
        let menu = actions
            .iter_mut()
            .find(|action| action["Identifier"] == MENU_ACTION)
            .ok_or_else(|| format!("{flow} has no action {MENU_ACTION:?}"))?;
        menu["Parameters"]["Text"] = self.prompt().into();
        let conditions = menu["Transitions"]["Conditions"]
            .as_array_mut()
            .ok_or_else(|| format!("{flow}: {MENU_ACTION:?} has no Conditions"))?;
        let condition = conditions
            .first()
            .cloned()
            .ok_or_else(|| format!("{flow}: {MENU_ACTION:?} has no Conditions"))?;
        *conditions = self
            .queues
            .iter()
            .map(|queue| {
                let mut condition = condition.clone();
                condition["NextAction"] = queue.action().into();
                condition["Condition"]["Operands"] = serde_json::json!([queue.digit]);
                condition
            })
            .collect();
        if let Some(positions) = doc
            .pointer_mut("/Metadata/ActionMetadata")
            .and_then(|meta| meta.as_object_mut())
        {
            let old: Vec<serde_json::Value> = removed
                .iter()
                .filter_map(|id| positions.remove(id))
                .collect();
            for (i, queue) in self.queues.iter().enumerate() {
                let place = old.get(i).cloned().unwrap_or_else(|| {
                    let last = old.last().cloned().unwrap_or_default();
                    let x = last["position"]["x"].as_i64().unwrap_or(0);
                    let y = last["position"]["y"].as_i64().unwrap_or(0);
                    let step = i64::try_from(i + 1 - old.len()).unwrap_or(1);
                    serde_json::json!({ "position": { "x": x, "y": y + 120 * step } })
                });
                positions.insert(queue.action(), place);
            }
        }
        serde_json::to_string_pretty(&doc).map_err(|err| err.to_string())
    }
}

/// A queue name Connect accepts and the flows can refer to: 1 to 127 characters (the prefix is
/// checked with the other names), letters, digits, spaces, hyphens and underscores, no space at
/// either end or twice in a row.
fn check_name(name: &str) -> Result<(), UserError> {
    let legal = !name.is_empty()
        && crate::assets::placeholder::is_legal_queue_name(name)
        && name.chars().count() <= MAX_NAME;
    if legal {
        return Ok(());
    }
    Err(UserError::new(format!("queue name {name:?} is not one the tool can create in Amazon Connect"))
        .hint("use 1 to 127 letters, digits, hyphens, underscores and single spaces between words, e.g. name = \"Tech Support\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> &'static str {
        crate::assets::flow(MENU_FLOW).unwrap().source
    }

    fn parsed(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_blogs_menu_generates_the_shipped_flow() {
        let generated = Menu::blogs().apply(MENU_FLOW, shipped()).unwrap();
        assert_eq!(parsed(&generated), parsed(shipped()));
    }

    #[test]
    fn a_configured_menu_generates_its_branches_and_text() {
        let menu = Menu {
            intro: "Thanks for calling.".into(),
            option: DEFAULT_OPTION.into(),
            queues: vec![
                MenuQueue::new("Billing", "1", "Billing"),
                MenuQueue::new("Tech Support", "2", "technical support"),
                MenuQueue::new("Sales", "3", "Sales"),
            ],
        };
        let doc = parsed(&menu.apply(MENU_FLOW, shipped()).unwrap());
        let actions = doc["Actions"].as_array().unwrap();
        let targets: Vec<&str> = actions
            .iter()
            .filter(|a| a["Type"] == "UpdateContactTargetQueue")
            .filter_map(|a| a["Parameters"]["QueueId"].as_str())
            .filter(|id| id.starts_with("${queue:"))
            .collect();
        assert_eq!(
            targets,
            [
                "${queue:Billing}",
                "${queue:Tech Support}",
                "${queue:Sales}"
            ]
        );
        let main = actions
            .iter()
            .find(|a| a["Identifier"] == MENU_ACTION)
            .unwrap();
        assert_eq!(
            main["Parameters"]["Text"],
            "Thanks for calling. For Billing, press 1. For technical support, press 2. For Sales, press 3."
        );
        let branches: Vec<(String, String)> = main["Transitions"]["Conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["Condition"]["Operands"][0].as_str().unwrap().to_string(),
                    c["NextAction"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            branches,
            [
                ("1".into(), "Queue Billing".into()),
                ("2".into(), "Queue Tech Support".into()),
                ("3".into(), "Queue Sales".into())
            ]
        );
        let meta = doc["Metadata"]["ActionMetadata"].as_object().unwrap();
        assert!(meta.contains_key("Queue Tech Support"));
        assert!(!meta.contains_key("Queue Spare_Parts"));
    }

    #[test]
    fn bad_menus_are_refused_with_a_hint() {
        type Edit = Box<dyn Fn(&mut Menu)>;
        let cases: Vec<Edit> = vec![
            Box::new(|m| m.queues.clear()),
            Box::new(|m| m.queues[1].digit = "1".into()),
            Box::new(|m| m.queues[1].name = "Sales".into()),
            Box::new(|m| m.queues[0].digit = "12".into()),
            Box::new(|m| m.queues[0].name = "a/b".into()),
            Box::new(|m| m.queues[0].name = " Sales".into()),
            Box::new(|m| m.queues[0].name = "x".repeat(128)),
            Box::new(|m| m.queues[0].description = Some("d".repeat(251))),
            Box::new(|m| m.option = "For {words}.".into()),
            Box::new(|m| {
                m.queues = (0..13)
                    .map(|i| MenuQueue::new(&format!("Q{i}"), "1", "q"))
                    .collect()
            }),
        ];
        assert!(Menu::blogs().check().is_ok());
        for change in cases {
            let mut menu = Menu::blogs();
            change(&mut menu);
            let err = menu.check().unwrap_err();
            assert!(!err.hints.is_empty(), "{err}");
        }
    }
}
