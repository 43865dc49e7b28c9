//! The Lambda zips on local disk (or compiled into the binary), their content hashes, and the
//! preflight that checks each before anything is uploaded.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::deployment_prefix;
use crate::error::UserError;

/// One Lambda zip on local disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalArtifact {
    /// Function (or binary) name, e.g. `searchCustomerCalls`.
    pub name: String,
    /// Path of the zip.
    pub path: PathBuf,
    /// Lower-case hex sha256 of the zip.
    pub sha256: String,
    /// The zip's bytes when they are compiled into the binary (a release build); `path` then only
    /// names where they came from.
    pub embedded: Option<&'static [u8]>,
}

impl LocalArtifact {
    /// The zip's bytes: the embedded ones, else the file's.
    pub fn bytes(&self) -> std::io::Result<std::borrow::Cow<'static, [u8]>> {
        match self.embedded {
            Some(bytes) => Ok(std::borrow::Cow::Borrowed(bytes)),
            None => std::fs::read(&self.path).map(std::borrow::Cow::Owned),
        }
    }

    /// The object key for this zip in `deployment`'s prefix.
    pub fn key(&self, deployment: &str) -> String {
        format!(
            "{}lambdas/{}.zip",
            deployment_prefix(deployment),
            self.sha256
        )
    }
}

/// Lower-case hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// An artifact check (the glibc check): given the artifact and its zip bytes, why it is refused.
pub type ArtifactCheck<'a> = &'a dyn Fn(&LocalArtifact, &[u8]) -> Result<(), String>;

/// Checks every artifact before anything changes: the zip exists, its hash matches the manifest,
/// and `check` (the glibc check of `returns-artifact`, given the zip's bytes) accepts it.
pub fn preflight(artifacts: &[LocalArtifact], check: ArtifactCheck<'_>) -> Result<(), UserError> {
    for artifact in artifacts {
        let bytes = artifact.bytes().map_err(|err| {
            UserError::new(format!(
                "Lambda artifact {} is missing ({}): {err}",
                artifact.name,
                artifact.path.display()
            ))
            .hint("build the Lambda artifacts first: cargo xtask build-lambdas")
        })?;
        let actual = sha256_hex(&bytes);
        if actual != artifact.sha256 {
            return Err(UserError::new(format!(
                "Lambda artifact {} changed since the manifest was written (sha256 {} found, {} in the manifest)",
                artifact.name,
                &actual[..12],
                &artifact.sha256[..artifact.sha256.len().min(12)]
            ))
            .hint("rebuild: cargo xtask build-lambdas"));
        }
        check(artifact, &bytes).map_err(|why| {
            UserError::new(format!("Lambda artifact {} refused: {why}", artifact.name))
                .hint("build with a pinned glibc: cargo xtask build-lambdas (cargo-zigbuild targets glibc 2.17)")
        })?;
    }
    Ok(())
}
