//! Deploy preflight refusals that need more than the settings: the assets about to be deployed
//! must pass the same offline validation as `connect-returns validate`, and a `--ctr-stream` given
//! by name or ARN must exist (one DescribeStreamSummary). Each refusal is a [`UserError`]: exit 2,
//! before any change. (The Lambda artifact's checks live with it in `upstream::local_artifact`.)

use aws_sdk_kinesis::error::ProvideErrorMetadata as _;

use crate::assets::Solution;
use crate::error::UserError;
use crate::flow::validate::{AssetSet, validate};

/// How many problems the refusal names; `connect-returns validate` lists them all.
const SHOWN_PROBLEMS: usize = 3;

/// Refuses `set` when the offline validation finds any problem, naming the first few.
pub fn check_assets(set: &AssetSet) -> Result<(), UserError> {
    let problems = validate(set);
    if problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = problems
        .iter()
        .take(SHOWN_PROBLEMS)
        .map(|p| {
            let at = match p.line {
                Some(line) => format!("{}:{line}", p.file),
                None => p.file.clone(),
            };
            match &p.action {
                Some(action) => format!("{at}: {action}: {}", p.message),
                None => format!("{at}: {}", p.message),
            }
        })
        .collect();
    let more = problems.len().saturating_sub(SHOWN_PROBLEMS);
    let tail = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    Err(UserError::new(format!(
        "the assets to deploy fail validation with {} problem(s): {}{tail}",
        problems.len(),
        shown.join("; ")
    ))
    .hint("run `connect-returns validate` to list every problem, fix them, then deploy again"))
}

/// Refuses the shipped assets of `solutions`, shaped by `experience`, when they fail
/// validation.
pub fn check_shipped_assets(
    solutions: &[Solution],
    experience: &crate::assets::CallExperience,
) -> Result<(), UserError> {
    check_assets(&AssetSet::shipped(solutions, experience))
}

/// Refuses the assets under `dir` (`--assets`), shaped by `experience`, when they fail
/// validation.
pub fn check_assets_in(
    dir: &std::path::Path,
    solutions: &[Solution],
    experience: &crate::assets::CallExperience,
) -> Result<(), UserError> {
    check_assets(&AssetSet::from_dir(dir, solutions, experience))
}

/// Refuses a `--ctr-stream` (name or ARN) that does not exist in the client's account and Region.
/// True when the Kinesis stream (name or ARN) exists.
pub async fn stream_exists(
    kinesis: &aws_sdk_kinesis::Client,
    stream: &str,
) -> anyhow::Result<bool> {
    let request = kinesis.describe_stream_summary();
    let request = if stream.starts_with("arn:") {
        request.stream_arn(stream)
    } else {
        request.stream_name(stream)
    };
    match request.send().await {
        Ok(_) => Ok(true),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(false)
        }
        Err(err) => Err(anyhow::anyhow!(
            "cannot check CTR stream {stream}: {}",
            err.message().unwrap_or("the Kinesis call failed")
        )),
    }
}

pub async fn check_ctr_stream(
    kinesis: &aws_sdk_kinesis::Client,
    stream: &str,
) -> anyhow::Result<()> {
    let request = kinesis.describe_stream_summary();
    let request = if stream.starts_with("arn:") {
        request.stream_arn(stream)
    } else {
        request.stream_name(stream)
    };
    match request.send().await {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Err(UserError::new(format!("CTR stream {stream} not found"))
                .hint("pass the name or ARN of an existing Kinesis data stream in this account and Region, or leave --ctr-stream out to reuse the instance's stream or create one")
                .into())
        }
        Err(err) => Err(anyhow::anyhow!(
            "cannot check CTR stream {stream}: {}",
            err.message().unwrap_or("the Kinesis call failed")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_assets_pass() {
        check_shipped_assets(&Solution::ALL, &crate::assets::CallExperience::default()).unwrap();
    }

    #[test]
    fn a_broken_asset_is_refused_with_its_first_problems() {
        let mut set = AssetSet::shipped(&Solution::ALL, &crate::assets::CallExperience::default());
        let flow = set.flows.first_mut().expect("a flow");
        let file = flow.file.clone();
        flow.source = Some("{not json".into());
        let err = check_assets(&set).unwrap_err();
        assert!(err.message.contains("fail validation"), "{}", err.message);
        assert!(err.message.contains(&file), "{}", err.message);
        assert!(!err.message.contains('\n'), "{}", err.message);
        assert!(err.hints[0].contains("connect-returns validate"));
    }
}
