//! Where the Lambda artifact (the `bootstrap` zip and its manifest) comes from.
//!
//! - A release binary (`cargo xtask dist`) carries the artifact inside it: built with the cargo
//!   feature `embedded-lambda`, it compiles in the manifest and zip named by
//!   `CONNECT_RETURNS_EMBED_MANIFEST` and `CONNECT_RETURNS_EMBED_ZIP` (the files
//!   `cargo xtask build-lambdas` writes), so it deploys from any working directory.
//! - `--lambda-artifact PATH` (a manifest, or the directory holding `manifest.json`) overrides it,
//!   and so does `CONNECT_RETURNS_LAMBDA_MANIFEST`.
//! - A development build (`cargo run`) without either falls back to the source tree's
//!   `target/lambda/manifest.json`.
//!
//! Whatever the source, the same reader (`deploy::upstream::local_artifact`) checks the manifest,
//! the zip's hash and the glibc the `bootstrap` needs before anything changes.

use std::path::{Path, PathBuf};

/// Where a command takes the Lambda artifact from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ArtifactSource {
    /// `CONNECT_RETURNS_LAMBDA_MANIFEST` when set, else the embedded artifact, else the source
    /// tree's `target/lambda/manifest.json`.
    #[default]
    Auto,
    /// A manifest file, or a directory holding `manifest.json`.
    Path(PathBuf),
}

/// The environment variable naming a manifest (overrides the embedded artifact).
pub const MANIFEST_VAR: &str = "CONNECT_RETURNS_LAMBDA_MANIFEST";
/// Where `cargo xtask build-lambdas` writes its manifest, relative to the source tree.
pub const DEFAULT_MANIFEST: &str = "target/lambda/manifest.json";

/// The artifact compiled into this binary.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    /// The manifest's text, as `build-lambdas` wrote it.
    pub manifest: &'static [u8],
    /// The zip the manifest names.
    pub zip: &'static [u8],
}

/// The embedded artifact, in a binary built with the `embedded-lambda` feature.
pub fn embedded() -> Option<Embedded> {
    #[cfg(feature = "embedded-lambda")]
    {
        Some(Embedded {
            manifest: include_bytes!(env!("CONNECT_RETURNS_EMBED_MANIFEST")),
            zip: include_bytes!(env!("CONNECT_RETURNS_EMBED_ZIP")),
        })
    }
    #[cfg(not(feature = "embedded-lambda"))]
    {
        None
    }
}

/// What a source resolves to.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// A manifest on disk; its zip lies relative to it.
    Manifest(PathBuf),
    /// The artifact inside this binary.
    Embedded(Embedded),
}

impl ArtifactSource {
    /// The manifest file or embedded artifact this source means.
    pub fn resolve(&self) -> Resolved {
        match self {
            ArtifactSource::Path(path) => Resolved::Manifest(manifest_path(path)),
            ArtifactSource::Auto => {
                if let Some(path) = std::env::var_os(MANIFEST_VAR) {
                    Resolved::Manifest(manifest_path(Path::new(&path)))
                } else if let Some(embedded) = embedded() {
                    Resolved::Embedded(embedded)
                } else {
                    Resolved::Manifest(PathBuf::from(DEFAULT_MANIFEST))
                }
            }
        }
    }
}

/// A directory means the `manifest.json` inside it.
fn manifest_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(returns_artifact::MANIFEST_FILE)
    } else {
        path.to_path_buf()
    }
}

/// The lines `--version` adds after the version: the embedded artifact (zip, sha256, the glibc its
/// `bootstrap` needs) and the glibc this binary itself needs, read from its own ELF.
pub fn version_details() -> String {
    let artifact = match embedded() {
        Some(embedded) => describe_embedded(embedded),
        None => "lambda artifact: none embedded (development build: reads --lambda-artifact, \
                 CONNECT_RETURNS_LAMBDA_MANIFEST or target/lambda/manifest.json)"
            .to_string(),
    };
    let floor = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::read(exe).ok())
        .and_then(|bytes| {
            returns_artifact::elf::inspect(&bytes, returns_artifact::elf::GlibcVersion(u32::MAX, 0))
                .ok()
        })
        .map(|(_, report)| match report.max_glibc {
            Some(version) => {
                format!("glibc floor: {version} (this binary needs glibc {version} or newer)")
            }
            None => "glibc floor: none (this binary needs no versioned glibc symbol)".to_string(),
        })
        .unwrap_or_else(|| "glibc floor: unknown (cannot read this binary as ELF)".to_string());
    format!(
        "{}\n{artifact}\n{floor}\ntarget: {}-{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}

fn describe_embedded(embedded: Embedded) -> String {
    let sha256 = returns_artifact::sha256_hex(embedded.zip);
    let manifest: Option<returns_artifact::Manifest> =
        serde_json::from_slice(embedded.manifest).ok();
    let (zip, glibc, arch) = manifest
        .as_ref()
        .and_then(|m| {
            m.artifacts
                .values()
                .next()
                .map(|a| (a.zip.clone(), a.max_glibc.clone(), m.architecture.clone()))
        })
        .unwrap_or_else(|| ("?".into(), None, "?".into()));
    format!(
        "lambda artifact: embedded {zip} ({arch}, {} bytes) sha256 {sha256}, bootstrap needs glibc {} \
         (provided.al2023 has {})",
        embedded.zip.len(),
        glibc.as_deref().unwrap_or("-"),
        returns_artifact::elf::AL2023_GLIBC
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_means_its_manifest_and_a_file_itself() {
        let dir = tempfile::tempdir().unwrap();
        let given = ArtifactSource::Path(dir.path().to_path_buf());
        match given.resolve() {
            Resolved::Manifest(path) => assert_eq!(path, dir.path().join("manifest.json")),
            other => panic!("{other:?}"),
        }
        let file = dir.path().join("other.json");
        match ArtifactSource::Path(file.clone()).resolve() {
            Resolved::Manifest(path) => assert_eq!(path, file),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_version_names_the_artifact_and_the_glibc_floor() {
        let text = version_details();
        assert!(text.starts_with(env!("CARGO_PKG_VERSION")), "{text}");
        assert!(text.contains("lambda artifact: "), "{text}");
        // The test binary is an ELF linked against glibc: its floor is a version.
        let floor = text
            .lines()
            .find(|l| l.starts_with("glibc floor: "))
            .unwrap();
        assert!(floor.contains("or newer"), "{text}");
    }
}
