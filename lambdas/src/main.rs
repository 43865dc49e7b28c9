//! The `bootstrap` binary for provided.al2023: one binary serves all nine functions, dispatching on
//! `_HANDLER` (the function's Handler property, = the function id in the contract).

use lambda_runtime::{Error, LambdaEvent, service_fn};
use returns_lambdas::contract::env;
use returns_lambdas::{Config, Deps, Function, invoke_connect, invoke_kinesis};
use serde_json::Value;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_current_span(false)
        .with_span_list(false)
        .without_time() // CloudWatch stamps every line.
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    match start() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // Before the first poll: Lambda reports the exit as an init failure with this output.
            tracing::error!(error = %e, "init failed");
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn start() -> Result<(), Error> {
    let handler = std::env::var(env::HANDLER).unwrap_or_default();
    let Some(function) = Function::from_id(handler.trim()) else {
        return Err(format!(
            "unknown handler {handler:?}: set the function's Handler to a function id"
        )
        .into());
    };
    let deps = Deps::from_env()?;
    Config::require(&deps.config, function)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(function, deps))
}

async fn run(function: Function, deps: Deps) -> Result<(), Error> {
    let deps = &deps;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let result: Value = if function.invoked_by_connect() {
            serde_json::to_value(invoke_connect(function, event.payload, deps).await)?
        } else {
            invoke_kinesis(event.payload, deps).await
        };
        Ok::<Value, Error>(result)
    }))
    .await
}
