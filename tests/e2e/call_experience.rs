//! The whole call experience from the config file: three queues, the voice Matthew, rewritten
//! prompts (one in SSML) and the bot in a second locale (en_GB). validate and simulate --all pass with a generated scenario
//! per key, deploy writes it into Connect, status --check is 0, destroy leaves the stand-ins as
//! they were; a voice or prompt the flows cannot carry is refused before any request.

use crate::harness::{Env, items, show};
use serde_json::{Value, json};

const CONFIG: &str = r#"
[bot]
locale = "en_GB"

[voice]
name = "Matthew"
engine = "neural"

[prompts.repeatCallerFlow]
"Queue full" = "Every line is busy right now. Please try again later."
"Ask same matter" = "<speak>Welcome back to Example Corp! <break time=\"300ms\"/> Is this about your last call?</speak>"

[prompts.newCallerAgentWhisper]
"Whisper new caller" = "First-time caller, queue $.Queue.Name."

[[queues]]
name = "Billing"
digit = 1

[[queues]]
name = "Tech Support"
digit = 2

[[queues]]
name = "Sales"
digit = 3
"#;

fn write_config(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("connect-returns.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().to_string()
}

#[test]
fn the_configured_experience_validates_simulates_and_deploys() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&dir, CONFIG);
    let id = env.instance_id();

    let out = env.cli(&["--config", &config, "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let out = env.cli(&["--config", &config, "--output", "json", "simulate", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(report["failed"], json!(0));
    let scenarios = report["scenarios"].as_array().unwrap();
    let run = |name: &str| {
        scenarios
            .iter()
            .find(|s| s["name"] == json!(name))
            .unwrap_or_else(|| panic!("{name} did not run"))
            .to_string()
    };
    for name in [
        "menu-key-1-billing",
        "menu-key-2-tech-support",
        "menu-key-3-sales",
    ] {
        assert!(run(name).contains("\"passed\":true"), "{name}");
    }
    // The rewritten prompts are what the simulated caller and agent hear.
    assert!(run("returning-yes-yes").contains("Welcome back to Example Corp!"));
    assert!(run("menu-key-2-tech-support").contains("First-time caller, queue Tech Support."));

    let before = env.instance_state();
    let out = env.cli(&[
        "--config",
        &config,
        "deploy",
        "--yes",
        "--solution",
        "returning-callers",
        "--instance",
        &id,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let instance = env.instance_state();
    let flow = |name: &str| -> Value {
        let flow = items(&instance, "flows")
            .into_iter()
            .find(|f| f["name"] == json!(name))
            .unwrap_or_else(|| panic!("flow {name}"));
        serde_json::from_str(flow["published"].as_str().unwrap()).unwrap()
    };
    let action = |doc: &Value, id: &str| -> Value {
        doc["Actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["Identifier"] == json!(id))
            .cloned()
            .unwrap_or_else(|| panic!("action {id}"))
    };
    let entry = flow("repeatCallerFlow");
    assert_eq!(
        action(&entry, "Set voice")["Parameters"],
        json!({"TextToSpeechVoice": "Matthew", "TextToSpeechEngine": "Neural"})
    );
    let asked = action(&entry, "Ask same matter")["Parameters"].clone();
    assert!(asked.get("Text").is_none(), "{asked}");
    assert!(
        asked["SSML"]
            .as_str()
            .unwrap()
            .starts_with("<speak>Welcome back to Example Corp!")
    );
    assert_eq!(
        action(&entry, "Queue full")["Parameters"]["Text"],
        json!("Every line is busy right now. Please try again later.")
    );
    let whisper = flow("newCallerAgentWhisper");
    assert_eq!(
        action(&whisper, "Whisper new caller")["Parameters"]["Text"],
        json!("First-time caller, queue $.Queue.Name.")
    );

    // The bot is built in the configured locale, with that locale's utterances.
    let lex = env.lexv2_client();
    let bots = env.state()["lexv2"]["bots"].clone();
    let bot = bots
        .as_array()
        .unwrap()
        .iter()
        .find(|b| {
            b["botName"]
                .as_str()
                .is_some_and(|n| n.starts_with(&env.name))
        })
        .cloned()
        .unwrap_or_else(|| panic!("our bot in {bots}"));
    let locales: Vec<&String> = bot["locales"].as_object().unwrap().keys().collect();
    assert_eq!(locales, ["en_GB"], "{bot}");
    let bot_id = bot["botId"].as_str().unwrap().to_string();
    let utterances = env.block_on(async {
        let intents = lex
            .list_intents()
            .bot_id(&bot_id)
            .bot_version("DRAFT")
            .locale_id("en_GB")
            .send()
            .await
            .unwrap();
        let yes = intents
            .intent_summaries()
            .iter()
            .find(|i| i.intent_name() == Some("Yes"))
            .and_then(|i| i.intent_id())
            .unwrap()
            .to_string();
        let intent = lex
            .describe_intent()
            .bot_id(&bot_id)
            .bot_version("DRAFT")
            .locale_id("en_GB")
            .intent_id(yes)
            .send()
            .await
            .unwrap();
        intent
            .sample_utterances()
            .iter()
            .map(|u| u.utterance().to_string())
            .collect::<Vec<_>>()
    });
    assert!(
        utterances.contains(&"brilliant".to_string()),
        "{utterances:?}"
    );

    let out = env.cli(&["--config", &config, "status", "--check", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    // Without the file, status compares with what was recorded: in sync too.
    let out = env.cli(&["status", "--check-outdated", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let out = env.cli(&["destroy", "--yes", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    Env::assert_same_state(&before, &env.instance_state(), "after destroy");
}

#[test]
fn the_bot_in_spanish_speaks_with_a_spanish_voice_and_understands_spanish_callers() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&dir, "[bot]\nlocale = \"es_US\"\n");
    let out = env.cli(&["--config", &config, "validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = env.cli(&["--config", &config, "--output", "json", "simulate", "--all"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(report["failed"], json!(0));
    let yes_yes = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == json!("returning-yes-yes"))
        .cloned()
        .expect("returning-yes-yes ran");
    // The caller's "yeah" is said the Spanish way, and still routes to the previous queue.
    let text = yes_yes.to_string();
    assert!(text.contains("Set previous queue"), "{text}");
    // A voice of another language is refused.
    let wrong = write_config(
        &dir,
        "[bot]\nlocale = \"es_US\"\n[voice]\nname = \"Matthew\"\n",
    );
    let out = env.cli(&["--config", &wrong, "validate"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("voice Matthew does not speak the bot's locale es_US")
            && stderr.contains("hint:"),
        "{stderr}"
    );
}

#[test]
fn voices_and_prompts_the_flows_cannot_carry_are_refused_before_any_request() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let id = env.instance_id();
    let cases = [
        (
            "[voice]\nname = \"Mathew\"\n",
            "voice \"Mathew\" is not an Amazon Polly voice",
        ),
        (
            "[voice]\nname = \"Kevin\"\nengine = \"standard\"\n",
            "voice Kevin (en-US) has no standard engine",
        ),
        (
            "[voice]\nname = \"Matthew\"\nengine = \"long-form\"\n",
            "voice engine \"long-form\" is not one Amazon Connect flows can use",
        ),
        (
            "[voice]\nvoice = \"Matthew\"\n",
            "[voice]: unknown field `voice`",
        ),
        (
            "[prompts.repeatCallerFlow]\n\"Set voice\" = \"hello\"\n",
            "names action \"Set voice\", which says nothing to the caller",
        ),
        (
            "[prompts.noSuchFlow]\n\"Queue full\" = \"hello\"\n",
            "[prompts.noSuchFlow] names a flow the tool does not ship",
        ),
        (
            "[prompts.repeatCallerFlow]\n\"Queue full\" = \"<speak>Busy.\"\n",
            "looks like SSML but is not one <speak>…</speak> element",
        ),
        (
            "[bot]\nlocale = \"xx_YY\"\n",
            "locale \"xx_YY\" is not a Lex V2 locale",
        ),
        (
            "[bot]\nlocale = \"fr_CA\"\n[voice]\nname = \"Joanna\"\n",
            "the tool ships no utterances for locale fr_CA",
        ),
        (
            "[bot]\nlocale = \"en_GB\"\n[bot.utterances]\nMaybe = [\"perhaps\"]\n",
            "[bot.utterances] names intent \"Maybe\"",
        ),
    ];
    for (text, message) in cases {
        let config = write_config(&dir, text);
        for command in [
            vec!["deploy", "--yes", "--instance", id.as_str()],
            vec!["validate"],
            vec!["simulate", "--all"],
        ] {
            let mut args = vec!["--config", config.as_str()];
            args.extend(command.iter().copied());
            env.clear_requests();
            let out = env.cli(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{text}: {}", show(&out));
            let line = stderr
                .lines()
                .find(|line| line.contains(message))
                .unwrap_or_else(|| panic!("{text}: expected {message:?} in\n{stderr}"));
            assert!(line.starts_with("error: "), "{stderr}");
            assert!(stderr.contains("\nhint: "), "no hint in\n{stderr}");
            assert!(env.requests().is_empty(), "{text}: a request was sent");
        }
        assert_eq!(
            env.stack_status(&format!("{}-returning-callers", env.name)),
            None
        );
        assert_eq!(env.artifact_keys(), Vec::<String>::new());
    }
}
