//! The release binary (`cargo xtask dist`) carries the Lambda artifact: copied alone into an empty
//! directory far from any source tree, it deploys both solutions, passes `status --check` and
//! destroys, against the stand-ins.
//!
//! The binary under test is `CONNECT_RETURNS_DIST_BIN` (`cargo xtask test` builds the CLI with
//! the `embedded-lambda` feature around the artifact `build-lambdas` makes and sets it), else
//! `target/dist/connect-returns-<version>-x86_64-unknown-linux-gnu` from `cargo xtask dist`.

use std::path::{Path, PathBuf};

use crate::harness::{Env, show, stdout_json};

fn dist_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CONNECT_RETURNS_DIST_BIN") {
        return PathBuf::from(path);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "target/dist/connect-returns-{}-x86_64-unknown-linux-gnu",
        env!("CARGO_PKG_VERSION")
    ));
    assert!(
        path.exists(),
        "no release binary at {} and CONNECT_RETURNS_DIST_BIN is unset\nhint: cargo xtask dist, or run the tests through cargo xtask test",
        path.display()
    );
    path
}

/// Neither `dir` nor any directory above it has a `target/lambda`.
fn no_lambda_build_near(dir: &Path) {
    for ancestor in dir.ancestors() {
        assert!(
            !ancestor.join("target/lambda").exists() && !ancestor.join("manifest.json").exists(),
            "{} has a Lambda build nearby",
            ancestor.display()
        );
    }
}

#[test]
fn the_release_binary_deploys_checks_and_destroys_from_an_empty_directory() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("connect-returns");
    std::fs::copy(dist_binary(), &binary).unwrap();
    no_lambda_build_near(dir.path());
    let cwd = dir.path().to_path_buf();
    let run = |args: &[&str]| {
        env.command_of(&binary, args)
            .current_dir(&cwd)
            .env_remove("CONNECT_RETURNS_LAMBDA_MANIFEST")
            .env_remove("CONNECT_RETURNS_LAMBDA_ARTIFACT")
            .output()
            .expect("run connect-returns")
    };

    let version = run(&["--version"]);
    assert!(version.status.success(), "{}", show(&version));
    let text = String::from_utf8_lossy(&version.stdout).to_string();
    let sha256 = text
        .split("sha256 ")
        .nth(1)
        .and_then(|rest| rest.get(..64))
        .unwrap_or_else(|| panic!("--version names no artifact sha256:\n{text}"))
        .to_string();
    assert!(text.contains("lambda artifact: embedded"), "{text}");
    assert!(text.contains("glibc floor: "), "{text}");

    let id = env.instance_id();
    let deploy = run(&[
        "deploy",
        "--instance",
        &id,
        "--solution",
        "all",
        "--yes",
        "--output",
        "json",
    ]);
    assert_eq!(deploy.status.code(), Some(0), "{}", show(&deploy));
    assert_eq!(
        stdout_json(&deploy)["result"],
        "applied",
        "{}",
        show(&deploy)
    );
    // The embedded zip is what went up: its key is its sha256.
    let keys = env.artifact_keys();
    assert!(
        keys.iter()
            .any(|key| key.ends_with(&format!("lambdas/{sha256}.zip"))),
        "uploaded {keys:?}, embedded {sha256}"
    );
    for solution in ["returning-callers", "callbacks"] {
        let stack = format!("{}-{solution}", env.name);
        assert!(
            env.stack_status(&stack)
                .is_some_and(|s| s.ends_with("_COMPLETE")),
            "stack {stack}: {:?}",
            env.stack_status(&stack)
        );
    }

    let status = run(&["status", "--instance", &id, "--check", "--output", "json"]);
    assert_eq!(status.status.code(), Some(0), "{}", show(&status));

    let destroy = run(&["destroy", "--instance", &id, "--yes", "--output", "json"]);
    assert_eq!(destroy.status.code(), Some(0), "{}", show(&destroy));
    assert!(env.artifact_keys().is_empty(), "{:?}", env.artifact_keys());
    no_lambda_build_near(dir.path());
}

#[test]
fn an_explicit_artifact_overrides_the_embedded_one() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("connect-returns");
    std::fs::copy(dist_binary(), &binary).unwrap();
    let (fixture, manifest) = crate::harness::lambda_fixture_of(crate::harness::ACCEPTED_BOOTSTRAP);
    let zip = std::fs::read(fixture.path().join("returns-lambdas.zip")).unwrap();
    let sha256 = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&zip))
    };
    let id = env.instance_id();
    // A directory stands for the manifest inside it.
    let given = Path::new(&manifest)
        .parent()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let deploy = env
        .command_of(
            &binary,
            &[
                "deploy",
                "--instance",
                &id,
                "--solution",
                "callbacks",
                "--yes",
                "--lambda-artifact",
                &given,
            ],
        )
        .current_dir(dir.path())
        .env_remove("CONNECT_RETURNS_LAMBDA_MANIFEST")
        .output()
        .expect("run connect-returns");
    assert_eq!(deploy.status.code(), Some(0), "{}", show(&deploy));
    let keys = env.artifact_keys();
    assert!(
        keys.iter()
            .any(|key| key.ends_with(&format!("lambdas/{sha256}.zip"))),
        "uploaded {keys:?}, given {sha256}"
    );
    let destroy = env
        .command_of(&binary, &["destroy", "--instance", &id, "--yes"])
        .current_dir(dir.path())
        .output()
        .expect("run connect-returns");
    assert_eq!(destroy.status.code(), Some(0), "{}", show(&destroy));
}
