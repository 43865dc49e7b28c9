//! The CI recipes in `examples/ci/github-actions/` pass the pinned `zizmor` (every audit,
//! pedantic persona, offline) and install the release binary rather than building from source.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn workflows() -> Vec<PathBuf> {
    let dir = root().join("examples/ci/github-actions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    files
}

#[test]
fn the_workflows_pass_zizmor() {
    let out = std::process::Command::new(root().join(".venv/bin/zizmor"))
        .args(["--offline", "--persona", "pedantic", "--no-progress"])
        .args(workflows())
        .output()
        .expect("run zizmor (hint: cargo xtask setup)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("No findings to report"), "{text}");
}

#[test]
fn the_workflows_use_the_release_binary_and_keep_the_json_result() {
    for file in workflows() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.display();
        assert!(!text.contains("cargo "), "{name} builds from source");
        assert!(text.contains("gh release download"), "{name}");
        assert!(text.contains("sha256sum --check"), "{name}");
        assert!(text.contains("id-token: write"), "{name}");
        assert!(text.contains("--output json"), "{name}");
        assert!(text.contains("actions/upload-artifact@"), "{name}");
    }
    let drift =
        std::fs::read_to_string(root().join("examples/ci/github-actions/drift.yml")).unwrap();
    assert!(drift.contains("schedule:") && drift.contains("status --check"));
    let pr = std::fs::read_to_string(root().join("examples/ci/github-actions/pr-environment.yml"))
        .unwrap();
    assert!(pr.contains("CONNECT_RETURNS_NAME: pr-${{ github.event.pull_request.number }}"));
    assert!(pr.contains("connect-returns destroy") && pr.contains("== 'closed'"));
}
