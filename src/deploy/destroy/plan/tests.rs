//! The destroy plan: what is ours, adopted or foreign, and what each kind of item becomes.

use super::*;
use crate::deploy::model::SolutionChoice;
use crate::resources::owner_tags;

fn settings(solution: SolutionChoice) -> Settings {
    Settings {
        solution,
        ..crate::deploy::model::Settings::defaults("d")
    }
}

fn flow(name: &str, solution: &str, tags: HashMap<String, String>) -> flows::Current {
    let mut tags = tags;
    tags.insert(SOLUTION_TAG.into(), solution.into());
    flows::Current {
        id: format!("id-{name}"),
        arn: format!("arn-{name}"),
        name: name.into(),
        flow_type: "CONTACT_FLOW".into(),
        content: "{}".into(),
        published: true,
        tags,
    }
}

#[test]
fn only_our_flows_of_the_chosen_solution_are_deleted() {
    let mut found = Observed::default();
    found
        .current
        .flows
        .insert("a".into(), flow("a", "callbacks", owner_tags("d")));
    found
        .current
        .flows
        .insert("b".into(), flow("b", "returning-callers", owner_tags("d")));
    found
        .current
        .flows
        .insert("c".into(), flow("c", "callbacks", HashMap::new()));
    found
        .current
        .flows
        .insert("e".into(), flow("e", "callbacks", owner_tags("other")));
    let plan = plan(&found, &settings(SolutionChoice::Callbacks));
    let names: Vec<&str> = plan.items.iter().map(|item| item.name.as_str()).collect();
    assert_eq!(names, vec!["a"]);
    let all = super::plan(&found, &settings(SolutionChoice::All));
    assert_eq!(all.items.len(), 2);
}

#[test]
fn nothing_of_ours_means_an_empty_plan() {
    assert!(
        plan(&Observed::default(), &settings(SolutionChoice::All))
            .items
            .is_empty()
    );
}
