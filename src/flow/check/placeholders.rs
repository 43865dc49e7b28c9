//! Placeholder checks: every `${…}` in a flow parses, names something the catalog holds, and is
//! allowed where it stands; no literal ARN stands in for one.

use super::{Catalog, Report, has_literal_arn};
use crate::assets::Solution;
use crate::assets::placeholder::{self, Placeholder};
use crate::flow::model::{self, Action};

/// The single placeholder a parameter must consist of.
pub(super) fn sole_placeholder(value: &str) -> Option<Placeholder> {
    let found = placeholder::scan(value);
    match found.as_slice() {
        [one] if one.text == value => one.parsed.clone().ok(),
        _ => None,
    }
}

pub(super) fn check_placeholders_in(
    r: &mut Report<'_>,
    action: &Action,
    solution: Solution,
    catalog: &Catalog,
) {
    for (at, s) in model::strings(&action.parameters) {
        if has_literal_arn(s) {
            r.at(&action.id, format!("Parameters{at} holds a literal ARN; use a placeholder such as ${{lambda:..}} or ${{queue:..}}"));
        }
        for found in placeholder::scan(s) {
            match found.parsed {
                Err(why) => r.at(
                    &action.id,
                    format!("unknown placeholder {}: {why}", found.text),
                ),
                Ok(p) => check_placeholder(r, &action.id, &p, solution, catalog),
            }
        }
    }
}

pub(super) fn check_placeholder(
    r: &mut Report<'_>,
    id: &str,
    p: &Placeholder,
    solution: Solution,
    catalog: &Catalog,
) {
    match p {
        Placeholder::Lambda(name) => match catalog.lambdas.get(name) {
            None => r.at(id, format!("{p} names no function of the handler contract")),
            Some(spec) if !spec.invoked_by_connect => {
                r.at(id, format!("{p} is not invoked by contact flows"))
            }
            Some(spec) if spec.solution != solution => r.at(
                id,
                format!(
                    "{p} belongs to the {} solution, this flow to {solution}",
                    spec.solution
                ),
            ),
            Some(_) => {}
        },
        Placeholder::Queue(name) => {
            if !catalog.queues.contains(name) {
                r.at(id, format!("{p} names no queue this tool creates"));
            }
        }
        Placeholder::CallbackQueue => {
            if solution != Solution::Callbacks {
                r.at(
                    id,
                    format!("{p} is only resolved for the callbacks solution"),
                );
            }
        }
        Placeholder::Flow(name) => match catalog.flows.get(name) {
            None => r.at(id, format!("{p} names no shipped flow")),
            Some((_, s)) if *s != solution => r.at(id, format!("{p} belongs to the {s} solution")),
            Some(_) => {}
        },
        Placeholder::Lex(name) => {
            if *name != catalog.bot_name {
                r.at(
                    id,
                    format!("{p} names no bot; the bot is {}", catalog.bot_name),
                );
            }
        }
    }
}
