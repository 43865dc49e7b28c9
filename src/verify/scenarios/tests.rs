//! The verify scenarios for the blog's call experience and for a contact center's own: names,
//! reserved numbers, expected words and answers, and the paths a short menu leaves out.

use super::*;
use crate::assets::{BotLanguage, Menu};
use crate::flow::scenario;

fn blogs() -> CallExperience {
    CallExperience::default()
}

/// Billing 1, Tech Support 2, Sales 3; the welcome back rewritten in SSML; the bot in es_US.
fn configured() -> CallExperience {
    let queue = |name: &str, digit: &str| MenuQueue {
        name: name.into(),
        digit: digit.into(),
        words: None,
        description: None,
    };
    let mut experience = CallExperience {
        menu: Menu {
            queues: vec![
                queue("Billing", "1"),
                queue("Tech Support", "2"),
                queue("Sales", "3"),
            ],
            ..Menu::blogs()
        },
        bot: BotLanguage {
            locale: "es_US".into(),
            ..BotLanguage::default()
        },
        ..CallExperience::default()
    };
    experience.prompts.entry(MENU_FLOW.into()).or_default().insert(
        "Ask same matter".into(),
        "<speak>Welcome back to Example Corp! <break time=\"300ms\"/> Is this about your last call?</speak>".into(),
    );
    experience
}

fn named<'a>(scenarios: &'a [Scenario], name: &str) -> &'a Scenario {
    scenarios
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

fn expected(scenario: &Scenario, id: &str) -> Expect {
    scenario
        .steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("{} has no step {id}", scenario.name))
        .expect
        .clone()
}

#[test]
fn every_scenario_has_its_own_reserved_number_and_a_last_step_that_waits_for_something() {
    for experience in [blogs(), configured()] {
        let scenarios = for_experience(&experience);
        let mut numbers: Vec<String> = scenarios.iter().map(Scenario::caller).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), scenarios.len());
        for scenario in &scenarios {
            let caller = scenario.caller();
            assert_eq!(caller.len(), 12, "{caller}");
            assert!(
                reserved_numbers(scenario.solution).contains(&caller),
                "{caller} of {} is removed after a kill",
                scenario.name
            );
            assert!(
                scenario.steps.last().unwrap().then.is_none(),
                "{}",
                scenario.name
            );
        }
    }
}

#[test]
fn every_key_of_every_menu_has_a_reserved_number_of_its_own() {
    let mut suffixes: Vec<&str> = crate::assets::menu::DTMF_KEYS
        .iter()
        .map(|key| key_suffix(key))
        .collect();
    suffixes.sort();
    suffixes.dedup();
    assert_eq!(suffixes.len(), crate::assets::menu::DTMF_KEYS.len());
    for suffix in suffixes {
        assert!(RETURNING_SUFFIXES.contains(&suffix), "{suffix}");
    }
}

#[test]
fn every_scenario_shares_its_name_with_the_simulate_scenario_of_the_same_experience() {
    for experience in [blogs(), configured()] {
        let built_in: Vec<(String, scenario::Scenario)> = scenario::BUILT_IN
            .iter()
            .map(|(name, text)| (name.to_string(), scenario::parse(text).unwrap()))
            .collect();
        let simulated = menu_scenarios::for_experience(&experience, built_in);
        for scenario in for_experience(&experience) {
            assert!(
                simulated.iter().any(|(name, _)| *name == scenario.name),
                "{} has no simulate scenario of the same name",
                scenario.name
            );
        }
    }
}

#[test]
fn the_blogs_menu_gets_the_blogs_paths_and_words() {
    let scenarios = for_experience(&blogs());
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "new-caller-sales",
            "new-caller-service",
            "returning-yes-yes",
            "returning-no",
            "callback-keep-no-duplicate",
            "callback-cancel-agent-hangs-up"
        ]
    );
    let Expect::Prompt(menu) = expected(named(&scenarios, "new-caller-sales"), "main-menu") else {
        panic!("the menu is a prompt");
    };
    assert!(
        menu.starts_with("For Sales, press 1. For Service, press 2."),
        "{menu}"
    );
    let yes_yes = named(&scenarios, "returning-yes-yes");
    assert_eq!(
        expected(yes_yes, "welcome-back"),
        Expect::Prompt(
            "Welcome back! Are you calling about the same matter as your last call?".into()
        )
    );
    assert_eq!(yes_yes.steps[0].then, Some(Input::Say("yeah".into())));
    assert_eq!(yes_yes.language, "en-US");
    let no = named(&scenarios, "returning-no");
    assert_eq!(no.steps[1].then, Some(Input::Dtmf("3".into())));
    assert_eq!(
        expected(no, "transfer-to-repairs"),
        Expect::Transfer("Repairs".into())
    );
}

#[test]
fn a_configured_menu_gets_a_path_per_queue_its_prompts_and_its_bots_words() {
    let scenarios = for_experience(&configured());
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names[..5],
        [
            "menu-key-1-billing",
            "menu-key-2-tech-support",
            "menu-key-3-sales",
            "returning-yes-yes",
            "returning-no",
        ]
    );
    let tech = named(&scenarios, "menu-key-2-tech-support");
    let Expect::Prompt(menu) = expected(tech, "main-menu") else {
        panic!("the menu is a prompt");
    };
    assert!(menu.contains("Tech Support, press 2"), "{menu}");
    assert!(!menu.contains("Service"), "{menu}");
    assert_eq!(tech.steps[1].then, Some(Input::Dtmf("2".into())));
    assert_eq!(
        expected(tech, "transfer-to-tech-support"),
        Expect::Transfer("Tech Support".into())
    );
    // The blog's second queue (Service) is this menu's Tech Support, its third (Repairs) Sales.
    let yes_yes = named(&scenarios, "returning-yes-yes");
    assert_eq!(
        yes_yes.seed,
        Seed::LastCall {
            queue: "Tech Support".into()
        }
    );
    assert_eq!(
        expected(yes_yes, "welcome-back"),
        Expect::Prompt("Welcome back to Example Corp!".into())
    );
    assert_eq!(yes_yes.language, "es-US");
    let Some(Input::Say(yes)) = &yes_yes.steps[0].then else {
        panic!("the caller answers");
    };
    let bot = configured().bot_definition().unwrap();
    let understood = |intent: &str, said: &str| {
        bot.intents
            .iter()
            .any(|i| i.name == intent && i.utterances.iter().any(|u| u == said))
    };
    assert!(understood("Yes", yes), "{yes}");
    let no = named(&scenarios, "returning-no");
    let Some(Input::Say(nope)) = &no.steps[0].then else {
        panic!("the caller answers");
    };
    assert!(understood("No", nope), "{nope}");
    assert_eq!(no.steps[1].then, Some(Input::Dtmf("3".into())));
    assert_eq!(
        expected(no, "transfer-to-sales"),
        Expect::Transfer("Sales".into())
    );
}

#[test]
fn a_menu_too_short_for_a_returning_path_leaves_it_out() {
    let mut experience = configured();
    experience.menu.queues.truncate(2);
    let names: Vec<String> = for_experience(&experience)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(
        names.contains(&"returning-yes-yes".to_string()),
        "{names:?}"
    );
    assert!(!names.contains(&"returning-no".to_string()), "{names:?}");
    experience.menu.queues.truncate(1);
    let names: Vec<String> = for_experience(&experience)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("returning")),
        "{names:?}"
    );
    assert!(
        names.contains(&"menu-key-1-billing".to_string()),
        "{names:?}"
    );
}
