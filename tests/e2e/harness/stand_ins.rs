//! The stand-ins of one test: an in-process sandbox (Connect + Lex) seeded with an instance, the
//! shared moto for the AWS side, and the CLI run against both with the environment a user would
//! set (`AWS_ENDPOINT_URL*`), never a special code path.

use std::process::{Command, Output};
use std::time::Duration;

use connect_returns_sandbox::{Config, QuotaConfig, Running};
use serde_json::Value;

/// A running sandbox with one seeded instance, and the runtime that serves it.
pub struct Env {
    pub running: Running,
    runtime: tokio::runtime::Runtime,
    pub seed: Value,
    /// Extra environment for the child (e.g. pacing).
    pub extra_env: Vec<(String, String)>,
    /// The deployment name this test uses (moto is shared by every test of the binary).
    pub name: String,
    /// The Region the sandbox's instance lives in (the sandbox is regional).
    pub region: String,
    _artifacts: tempfile::TempDir,
}

/// A Lambda manifest and zip as `cargo xtask build-lambdas` writes them. The binary is the
/// committed glibc fixture that needs no glibc newer than AL2023's 2.34 (moto stores code but never
/// runs it), so it passes the deploy preflight's real glibc check.
fn lambda_fixture() -> (tempfile::TempDir, String) {
    lambda_fixture_of(ACCEPTED_BOOTSTRAP)
}

/// A `bootstrap` the glibc check accepts (newest symbol: `__libc_start_main@GLIBC_2.34`).
pub const ACCEPTED_BOOTSTRAP: &[u8] =
    include_bytes!("../../../lambdas/artifact/tests/fixtures/needs-glibc-2.34.elf");
/// A `bootstrap` the glibc check refuses (`arc4random@GLIBC_2.36`).
pub const REFUSED_BOOTSTRAP: &[u8] =
    include_bytes!("../../../lambdas/artifact/tests/fixtures/needs-glibc-2.36.elf");

/// A manifest and zip whose `bootstrap` is `binary`: the temp dir holding them and the manifest path.
pub fn lambda_fixture_of(binary: &[u8]) -> (tempfile::TempDir, String) {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("temp dir");
    let zip_path = dir.path().join("returns-lambdas.zip");
    let mut bytes = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
        writer.start_file("bootstrap", options).expect("zip entry");
        writer.write_all(binary).expect("zip write");
        writer.finish().expect("zip finish");
    }
    std::fs::write(&zip_path, &bytes).expect("write zip");
    let sha = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let ids = [
        "searchCustomerCalls",
        "addCustomerCalls",
        "get10DigitPhone",
        "getCurrentTime",
        "writeCallback",
        "readCallback",
        "updateCallback",
        "stopContact",
        "processCtr",
    ];
    let functions: serde_json::Map<String, Value> = ids
        .iter()
        .map(|id| (id.to_string(), serde_json::json!({"artifact": "returns-lambdas.zip", "handler": id, "zip": "returns-lambdas.zip", "sha256": sha, "size": bytes.len()})))
        .collect();
    let manifest = serde_json::json!({"version": 1, "architecture": "x86_64", "runtime": "provided.al2023", "functions": functions, "artifacts": {}});
    let path = dir.path().join("manifest.json");
    std::fs::write(&path, manifest.to_string()).expect("write manifest");
    (dir, path.to_string_lossy().to_string())
}

impl Env {
    /// A sandbox with the quota off, fast Lex builds, one seeded instance. The CLI's pacer is
    /// off too (tests are about behaviour; pacing has its own test and the benchmark).
    pub fn new() -> Env {
        Env::with_config(Config {
            quota: QuotaConfig {
                enabled: false,
                ..QuotaConfig::default()
            },
            lex_build_duration: Duration::from_millis(50),
            ..Config::default()
        })
    }

    pub fn with_config(config: Config) -> Env {
        let region = config.region.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let running = runtime
            .block_on(connect_returns_sandbox::start(config))
            .expect("sandbox starts");
        let (artifacts, manifest) = lambda_fixture();
        let name = format!("rc{}", testkit::unique("t").replace('-', ""));
        let extra_env = vec![
            ("CONNECT_RETURNS_CONNECT_PACING".into(), "0".into()),
            ("CONNECT_RETURNS_LAMBDA_MANIFEST".into(), manifest),
            ("CONNECT_RETURNS_NAME".into(), name.clone()),
        ];
        let mut env = Env {
            running,
            runtime,
            seed: Value::Null,
            extra_env,
            name,
            region,
            _artifacts: artifacts,
        };
        env.seed = env.admin("POST", "seed", Some("{}"));
        env
    }

    fn port(&self) -> u16 {
        testkit::port_of(&self.running.connect_url)
    }

    /// Calls the sandbox admin API; panics on a non-2xx answer.
    pub fn admin(&self, method: &str, path: &str, body: Option<&str>) -> Value {
        let (status, text) =
            testkit::http_request(self.port(), method, &format!("/__sandbox/{path}"), body)
                .expect("sandbox admin answers");
        assert!(
            (200..300).contains(&status),
            "admin {method} {path}: {status} {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub fn instance_id(&self) -> String {
        self.seed["instance"]["id"]
            .as_str()
            .expect("seeded instance id")
            .to_string()
    }

    pub fn instance_arn(&self) -> String {
        self.seed["instance"]["arn"]
            .as_str()
            .expect("seeded instance arn")
            .to_string()
    }

    pub fn phone_number(&self) -> String {
        self.seed["phone_number"]["number"]
            .as_str()
            .expect("seeded phone number")
            .to_string()
    }

    /// Every logged request since the last clear.
    pub fn requests(&self) -> Vec<Value> {
        match self.admin("GET", "requests", None) {
            Value::Array(items) => items,
            Value::Object(map) => map
                .get("requests")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    pub fn clear_requests(&self) {
        self.admin("DELETE", "requests", None);
    }

    /// Operations of the mutating requests logged (successful or not).
    pub fn mutating(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|entry| entry["mutating"].as_bool() == Some(true))
            .map(|entry| entry["operation"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Operations of the read requests logged.
    /// The Connect read operations the sandbox logged (Connect's quotas are the scarce ones).
    pub fn connect_reads(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|entry| entry["mutating"].as_bool() == Some(false))
            .filter(|entry| entry["service"] == "connect")
            .map(|entry| entry["operation"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    pub fn reads(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|entry| entry["mutating"].as_bool() == Some(false))
            .map(|entry| entry["operation"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The state dump without the service's record of idempotency tokens and import jobs
    /// (request history, not resources): what "the instance is as before" compares.
    pub fn state(&self) -> Value {
        fn strip(value: &mut Value) {
            match value {
                Value::Object(map) => {
                    map.remove("client_tokens");
                    map.values_mut().for_each(strip);
                }
                Value::Array(items) => items.iter_mut().for_each(strip),
                _ => {}
            }
        }
        let mut state = self.admin("GET", "state", None);
        strip(&mut state);
        // The count of Lex V1 import jobs is history too (imports are not resources).
        if let Some(v1) = state.get_mut("lexv1").and_then(Value::as_object_mut) {
            v1.remove("imports");
        }
        state
    }

    /// Asserts two state dumps are equal, printing only the first differing path.
    pub fn assert_same_state(before: &Value, after: &Value, what: &str) {
        fn first_diff(a: &Value, b: &Value, path: &str) -> Option<String> {
            match (a, b) {
                (Value::Object(x), Value::Object(y)) => {
                    for key in x.keys().chain(y.keys()) {
                        if let Some(diff) = first_diff(
                            x.get(key).unwrap_or(&Value::Null),
                            y.get(key).unwrap_or(&Value::Null),
                            &format!("{path}/{key}"),
                        ) {
                            return Some(diff);
                        }
                    }
                    None
                }
                (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                    .iter()
                    .zip(y)
                    .enumerate()
                    .find_map(|(i, (a, b))| first_diff(a, b, &format!("{path}[{i}]"))),
                _ if a == b => None,
                _ => {
                    let short = |v: &Value| v.to_string().chars().take(300).collect::<String>();
                    Some(format!("{path}: before {} / after {}", short(a), short(b)))
                }
            }
        }
        if let Some(diff) = first_diff(before, after, "") {
            panic!("{what}: state differs at {diff}");
        }
    }

    /// The seeded instance's part of the state dump.
    pub fn instance_state(&self) -> Value {
        let state = self.state();
        let id = self.instance_id();
        let instances = &state["connect"]["instances"];
        match instances {
            Value::Object(map) => map.get(&id).cloned().unwrap_or(Value::Null),
            Value::Array(items) => items
                .iter()
                .find(|item| item["id"] == Value::String(id.clone()))
                .cloned()
                .unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }

    /// Someone edits the published flow `name` in the console: its content, changed by `edit`,
    /// sent back with UpdateContactFlowContent.
    pub fn edit_flow(&self, name: &str, edit: impl FnOnce(&mut Value)) {
        let flow = items(&self.instance_state(), "flows")
            .into_iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no flow {name} in the instance"));
        let mut content: Value =
            serde_json::from_str(flow["published"].as_str().expect("a published flow"))
                .expect("flow content is JSON");
        edit(&mut content);
        self.block_on(
            self.connect_client()
                .update_contact_flow_content()
                .instance_id(self.instance_id())
                .contact_flow_id(flow["id"].as_str().expect("a flow id"))
                .content(content.to_string())
                .send(),
        )
        .expect("UpdateContactFlowContent");
    }

    /// The id of the instance's `kind` (`queues`, `routing_profiles`, …) named `name`.
    pub fn id_of(&self, kind: &str, name: &str) -> String {
        items(&self.instance_state(), kind)
            .into_iter()
            .find(|item| item["name"] == name)
            .and_then(|item| item["id"].as_str().map(str::to_string))
            .unwrap_or_else(|| panic!("no {kind} named {name} in the instance"))
    }

    /// Someone takes queue `queue` out of routing profile `profile` (VOICE) in the console.
    pub fn take_queue_out_of_profile(&self, profile: &str, queue: &str) {
        let reference = aws_sdk_connect::types::RoutingProfileQueueReference::builder()
            .queue_id(self.id_of("queues", queue))
            .channel(aws_sdk_connect::types::Channel::Voice)
            .build()
            .expect("a queue reference");
        self.block_on(
            self.connect_client()
                .disassociate_routing_profile_queues()
                .instance_id(self.instance_id())
                .routing_profile_id(self.id_of("routing_profiles", profile))
                .queue_references(reference)
                .send(),
        )
        .expect("DisassociateRoutingProfileQueues");
    }

    /// Someone adds queue `queue` to routing profile `profile` (VOICE, `priority`, no delay).
    pub fn put_queue_in_profile(&self, profile: &str, queue: &str, priority: i32) {
        let config = aws_sdk_connect::types::RoutingProfileQueueConfig::builder()
            .queue_reference(
                aws_sdk_connect::types::RoutingProfileQueueReference::builder()
                    .queue_id(self.id_of("queues", queue))
                    .channel(aws_sdk_connect::types::Channel::Voice)
                    .build()
                    .expect("a queue reference"),
            )
            .priority(priority)
            .delay(0)
            .build()
            .expect("a queue config");
        self.block_on(
            self.connect_client()
                .associate_routing_profile_queues()
                .instance_id(self.instance_id())
                .routing_profile_id(self.id_of("routing_profiles", profile))
                .queue_configs(config)
                .send(),
        )
        .expect("AssociateRoutingProfileQueues");
    }

    /// The CLI with `args` and the stand-ins' environment (moto, this sandbox, [`Env::extra_env`]),
    /// ready to run or spawn.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_of(super::cli_binary(), args)
    }

    /// [`Env::command`] for another build of the CLI (e.g. the release binary).
    pub fn command_of(&self, program: &std::path::Path, args: &[&str]) -> Command {
        super::command(
            program,
            args,
            testkit::moto_env()
                .into_iter()
                .chain(self.running.env_vars())
                .chain(self.extra_env.clone()),
        )
    }

    /// Runs the CLI with the stand-ins' environment; stdin is not a terminal.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_with(args, |_| {})
    }

    /// `cli` after `adjust` had its say on the command (working directory, environment).
    pub fn cli_with(&self, args: &[&str], adjust: impl FnOnce(&mut Command)) -> Output {
        let mut command = self.command(args);
        adjust(&mut command);
        command.output().expect("run connect-returns")
    }

    /// `cli` with `--instance <seeded>` appended.
    pub fn on_instance(&self, args: &[&str]) -> Output {
        let id = self.instance_id();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--instance", &id]);
        self.cli(&all)
    }
}

/// The resources of a kind in an instance dump, as a list (the dump may key them by id).
pub fn items(instance: &Value, kind: &str) -> Vec<Value> {
    match &instance[kind] {
        Value::Object(map) => map.values().cloned().collect(),
        Value::Array(items) => items.clone(),
        _ => Vec::new(),
    }
}

impl Env {
    /// A Connect SDK client for out-of-band changes ("someone edited it in the console").
    pub fn connect_client(&self) -> aws_sdk_connect::Client {
        aws_sdk_connect::Client::new(&self.sdk_config(&self.running.connect_url))
    }

    /// A Lex V1 model-building client on the sandbox ("someone changed it in the console").
    pub fn lexv1_client(&self) -> aws_sdk_lexmodelbuilding::Client {
        aws_sdk_lexmodelbuilding::Client::new(&self.sdk_config(&self.running.lexv1_url))
    }

    /// The tests' SDK config for `url` in this sandbox's Region.
    fn sdk_config(&self, url: &str) -> aws_config::SdkConfig {
        self.runtime.block_on(super::sdk_config(url, &self.region))
    }

    /// Runs a future on the sandbox's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl Env {
    /// The tests' SDK config for moto (which serves the whole account in us-east-1).
    fn moto_config(&self) -> aws_config::SdkConfig {
        self.runtime
            .block_on(super::sdk_config(testkit::moto_url(), "us-east-1"))
    }

    /// The status of a CloudFormation stack in moto, `None` when it does not exist (or is deleted).
    pub fn stack_status(&self, name: &str) -> Option<String> {
        let client = aws_sdk_cloudformation::Client::new(&self.moto_config());
        let out = self
            .runtime
            .block_on(client.describe_stacks().stack_name(name).send())
            .ok()?;
        let status = out.stacks()[0].stack_status()?.as_str().to_string();
        (status != "DELETE_COMPLETE").then_some(status)
    }

    /// DynamoDB table names in moto containing `part`.
    pub fn tables_named(&self, part: &str) -> Vec<String> {
        let client = aws_sdk_dynamodb::Client::new(&self.moto_config());
        // Every page: moto is shared by the whole run and may hold more than one page of tables.
        let names: Vec<String> = self
            .runtime
            .block_on(
                client
                    .list_tables()
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Vec<_>>(),
            )
            .into_iter()
            .map(|name| name.expect("list tables"))
            .collect();
        names
            .into_iter()
            .filter(|name| name.contains(part))
            .collect()
    }

    /// Object keys under the deployment's prefix in the artifact bucket.
    pub fn artifact_keys(&self) -> Vec<String> {
        self.bucket_keys(&format!("{}/", self.name))
    }

    /// Object keys under `prefix` in the artifact bucket.
    pub fn bucket_keys(&self, prefix: &str) -> Vec<String> {
        let client = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.moto_config())
                .force_path_style(true)
                .build(),
        );
        let out = self.runtime.block_on(
            client
                .list_objects_v2()
                .bucket(self.artifact_bucket())
                .prefix(prefix)
                .send(),
        );
        out.map(|out| {
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
    }
}

impl Env {
    /// A Lex V2 model-building client on the sandbox.
    pub fn lexv2_client(&self) -> aws_sdk_lexmodelsv2::Client {
        aws_sdk_lexmodelsv2::Client::new(&self.sdk_config(&self.running.lexv2_url))
    }
}

impl Env {
    fn s3(&self) -> aws_sdk_s3::Client {
        self.s3_at(testkit::moto_url())
    }

    fn s3_at(&self, url: &str) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(
                &self.runtime.block_on(super::sdk_config(url, "us-east-1")),
            )
            .force_path_style(true)
            .build(),
        )
    }

    /// The artifact bucket's object-ownership setting, as moto reports it.
    pub fn artifact_bucket_ownership(&self) -> Option<String> {
        let s3 = self.s3();
        let bucket = "connect-returns-123456789012-us-east-1";
        self.runtime
            .block_on(s3.get_bucket_ownership_controls().bucket(bucket).send())
            .ok()
            .and_then(|out| {
                out.ownership_controls()?
                    .rules()
                    .first()
                    .map(|rule| rule.object_ownership().as_str().to_string())
            })
    }

    /// The artifact bucket of the sandbox's account and Region.
    pub fn artifact_bucket(&self) -> String {
        format!("connect-returns-123456789012-{}", self.region)
    }

    /// The artifact bucket's policy document, `None` when it has none.
    pub fn artifact_bucket_policy(&self) -> Option<serde_json::Value> {
        let s3 = self.s3();
        let bucket = self.artifact_bucket();
        let out = self
            .runtime
            .block_on(s3.get_bucket_policy().bucket(&bucket).send())
            .ok()?;
        Some(serde_json::from_str(out.policy()?).expect("a JSON policy"))
    }

    /// Removes the artifact bucket's policy ("someone deleted it").
    pub fn delete_artifact_bucket_policy(&self) {
        let s3 = self.s3();
        self.runtime
            .block_on(
                s3.delete_bucket_policy()
                    .bucket(self.artifact_bucket())
                    .send(),
            )
            .expect("delete the bucket policy");
    }

    /// GetObject of `key` in the artifact bucket over plain HTTP (moto's HTTP listener), signed
    /// like any SDK request; the HTTP status.
    pub fn get_artifact_object_without_tls(&self, key: &str) -> u16 {
        let s3 = self.s3_at(testkit::moto_plain_url());
        self.runtime.block_on(async {
            match s3
                .get_object()
                .bucket(self.artifact_bucket())
                .key(key)
                .send()
                .await
            {
                Ok(_) => 200,
                Err(err) => err.raw_response().map_or(0, |r| r.status().as_u16()),
            }
        })
    }

    /// GetObject of `key` in the artifact bucket over HTTPS, as the CLI reads it.
    pub fn get_artifact_object(&self, key: &str) -> Result<Vec<u8>, String> {
        let s3 = self.s3();
        self.runtime.block_on(async {
            let out = s3
                .get_object()
                .bucket(self.artifact_bucket())
                .key(key)
                .send()
                .await
                .map_err(|e| format!("{:?}", e.into_service_error()))?;
            let bytes = out.body.collect().await.map_err(|e| e.to_string())?;
            Ok(bytes.into_bytes().to_vec())
        })
    }

    pub fn put_artifact_object(&self, key: &str, body: &str) {
        let s3 = self.s3();
        self.runtime
            .block_on(
                s3.put_object()
                    .bucket("connect-returns-123456789012-us-east-1")
                    .key(key)
                    .body(body.as_bytes().to_vec().into())
                    .send(),
            )
            .expect("put object");
    }

    pub fn delete_artifact_object(&self, key: &str) {
        let s3 = self.s3();
        self.runtime
            .block_on(
                s3.delete_object()
                    .bucket("connect-returns-123456789012-us-east-1")
                    .key(key)
                    .send(),
            )
            .expect("delete object");
    }
}

/// Creates a Kinesis stream in moto with one raw CreateStream request (the tests do not link the
/// Kinesis SDK; moto does not check signatures).
pub fn create_kinesis_stream(name: &str) {
    kinesis_call(
        "CreateStream",
        &serde_json::json!({"StreamName": name, "ShardCount": 1}).to_string(),
    );
}

/// Deletes a Kinesis stream in moto by ARN ("someone deleted it").
pub fn delete_kinesis_stream(arn: &str) {
    kinesis_call(
        "DeleteStream",
        &serde_json::json!({"StreamARN": arn, "EnforceConsumerDeletion": true}).to_string(),
    );
}

fn kinesis_call(operation: &str, body: &str) {
    use std::io::{Read as _, Write as _};
    let url = testkit::moto_plain_url().to_string();
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut socket = std::net::TcpStream::connect(host).expect("connect to moto");
    write!(
        socket,
        "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: Kinesis_20131202.{operation}\r\n\
         Content-Type: application/x-amz-json-1.1\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send a Kinesis request");
    let mut response = String::new();
    socket.read_to_string(&mut response).expect("read response");
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "{operation}: {response}"
    );
}
