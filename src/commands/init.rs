//! `connect-returns init DIR`: writes the shipped assets (flows, the bot and its locales, the
//! scenarios) and a commented config file into DIR, to edit and then use with `--assets DIR`.

use std::fmt;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::cli::GlobalArgs;
use crate::error::{Outcome, UserError};
use crate::output::print_result;

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Directory to write into (created; must be empty when it exists)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// What `init` prints.
#[derive(Debug, serde::Serialize)]
pub struct InitReport {
    /// The directory written.
    pub dir: String,
    /// The files written, relative to it.
    pub files: Vec<String>,
}

impl fmt::Display for InitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "wrote {} files into {}:", self.files.len(), self.dir)?;
        for file in &self.files {
            writeln!(f, "  {file}")?;
        }
        writeln!(
            f,
            "next: edit them, then `connect-returns --config {dir}/connect-returns.toml validate --assets {dir}`",
            dir = self.dir
        )
    }
}

/// The commented config file `init` writes.
const CONFIG: &str = r#"# connect-returns configuration. Every flag of `connect-returns <command> --help` can be a key
# here (long name without the dashes); [env.NAME] tables override them for --env NAME.

# instance = "1a2b3c4d-1234-5678-9abc-1234567890ab"
# routing-profile = "Basic Routing Profile"   # add the queues to a profile your agents use
# routing-priority = 2

# The returning-caller menu: one entry per queue (the default is the blog's five queues).
# [menu]
# intro = "Thank you for calling."
# option = "For {words}, press {digit}."
#
# [[queues]]
# name = "Billing"
# digit = 1
# words = "billing"
# description = "Invoices and payments"

# The voice of every flow (an Amazon Polly voice id and engine).
# [voice]
# name = "Joanna"
# engine = "neural"

# The bot's language: en_US (default), en_GB or es_US ship with utterances; any other Lex V2
# locale needs [bot.utterances].
# [bot]
# locale = "en_US"

# Prompts in your own words, by flow and action identifier (plain text, or SSML in <speak>).
# [prompts.repeatCallerFlow]
# "Queue full" = "All our agents are busy. Please call again later."
"#;

fn write(dir: &Path, file: &str, text: &str) -> anyhow::Result<()> {
    let path = dir.join(file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, text).map_err(|err| {
        UserError::new(format!("cannot write {}: {err}", path.display()))
            .hint("pass a directory you can write to")
            .into()
    })
}

pub fn run(global: &GlobalArgs, args: &InitArgs) -> anyhow::Result<Outcome> {
    let dir = &args.dir;
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut entries| entries.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(UserError::new(format!(
                "{} exists and is not an empty directory",
                dir.display()
            ))
            .hint("pass a new or empty directory; init never overwrites files")
            .into());
        }
    }
    let mut files: Vec<(String, String)> = crate::assets::flows()
        .iter()
        .map(|flow| (format!("flows/{}.json", flow.name), flow.source.to_string()))
        .collect();
    files.push((
        crate::flow::validate::BOT_FILE.to_string(),
        crate::assets::lex::SOURCE.to_string(),
    ));
    for (locale, text) in crate::assets::experience::LOCALES {
        files.push((format!("lex/locales/{locale}.json"), text.to_string()));
    }
    for (name, text) in crate::flow::scenario::BUILT_IN {
        files.push((format!("scenarios/{name}.toml"), text.to_string()));
    }
    files.push(("connect-returns.toml".to_string(), CONFIG.to_string()));
    for (file, text) in &files {
        write(dir, file, text)?;
    }
    let report = InitReport {
        dir: dir.display().to_string(),
        files: files.into_iter().map(|(file, _)| file).collect(),
    };
    print_result(global, &report)?;
    Ok(Outcome::Success)
}

/// `--assets DIR` of deploy, status, destroy and simulate: the directory must exist; from now on
/// this run reads its flows and bot there.
pub fn use_assets(dir: Option<&PathBuf>) -> anyhow::Result<()> {
    let Some(dir) = dir else {
        return Ok(());
    };
    if !dir.join("flows").is_dir() {
        return Err(UserError::new(format!(
            "assets directory {} has no flows/ directory",
            dir.display()
        ))
        .hint("pass a directory written by `connect-returns init DIR`")
        .into());
    }
    crate::assets::use_assets_dir(dir)
        .map_err(|err| UserError::new(err).hint("give --assets once").into())
}
