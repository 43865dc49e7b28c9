//! Lambda artifacts for provided.al2023: byte-for-byte reproducible zips ([`package`]), the ELF check
//! that refuses binaries needing a newer glibc than AL2023's 2.34 ([`elf`]), the manifest the
//! deployer reads ([`Manifest`]), and a std-only Lambda Runtime API harness ([`runtime_api`]) used to
//! run and benchmark a built `bootstrap` locally.

pub mod elf;
pub mod runtime_api;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Cursor, Write as _};
use std::path::{Path, PathBuf};

/// The file name provided.al2023 executes.
pub const BOOTSTRAP: &str = "bootstrap";
/// The manifest's file name inside the output directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The function ids the one multi-handler `bootstrap` serves (its `_HANDLER` values). The source of
/// truth is `returns_lambdas::contract::Function::ALL`; a test there checks this list equals it, so
/// xtask and the CLI need not build the handler crate to know them.
pub const FUNCTION_IDS: [&str; 9] = [
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

/// Packaging failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing the zip failed.
    #[error("cannot write zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// File I/O failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The manifest is not valid JSON of the expected shape.
    #[error("manifest {path}: {source}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Zips `binary` as the single entry `bootstrap` (mode 0755, fixed 1980-01-01 timestamp, deflate at
/// a fixed level, no extra fields), so the same binary always gives the same bytes.
pub fn package(binary: &[u8]) -> Result<Vec<u8>, Error> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755)
        .large_file(false);
    zip.start_file(BOOTSTRAP, options)?;
    zip.write_all(binary).map_err(|e| Error::Io {
        path: PathBuf::from(BOOTSTRAP),
        source: e,
    })?;
    Ok(zip.finish()?.into_inner())
}

/// The `bootstrap` entry of a zip made by [`package`].
pub fn unpack(zip_bytes: &[u8]) -> Result<Vec<u8>, Error> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes))?;
    let mut entry = archive.by_name(BOOTSTRAP)?;
    let mut out = Vec::new();
    entry.read_to_end(&mut out).map_err(|e| Error::Io {
        path: PathBuf::from(BOOTSTRAP),
        source: e,
    })?;
    Ok(out)
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// One zip in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Path of the zip, relative to the manifest's directory.
    pub zip: String,
    /// SHA-256 of the zip (hex); the artifact bucket key is derived from it.
    pub sha256: String,
    /// Zip size in bytes.
    pub size: u64,
    /// Size of the `bootstrap` binary inside, in bytes.
    pub binary_size: u64,
    /// The newest glibc symbol version the binary needs (e.g. `2.17`).
    pub max_glibc: Option<String>,
}

/// What `cargo xtask build-lambdas` produced: `target/lambda/manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version of this file.
    pub version: u32,
    /// `x86_64` or `arm64` (Lambda's Architectures values).
    pub architecture: String,
    /// `provided.al2023`.
    pub runtime: String,
    /// Function id → the zip it runs (one multi-handler binary: all ids share one zip) and its
    /// Handler property value.
    pub functions: BTreeMap<String, FunctionArtifact>,
    /// Zip name → its details.
    pub artifacts: BTreeMap<String, Artifact>,
}

/// One function's entry in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionArtifact {
    /// Key into [`Manifest::artifacts`].
    pub artifact: String,
    /// The Lambda Handler property (provided.al2023 passes it as `_HANDLER`).
    pub handler: String,
    /// Path of the zip, relative to the manifest's directory (same as the artifact's).
    pub zip: String,
    /// SHA-256 of the zip (same as the artifact's).
    pub sha256: String,
    /// Zip size in bytes.
    pub size: u64,
}

impl Manifest {
    /// Reads `dir/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, Error> {
        let path = dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        serde_json::from_str(&text).map_err(|source| Error::Manifest { path, source })
    }

    /// Writes `dir/manifest.json` (stable key order, trailing newline).
    pub fn write(&self, dir: &Path) -> Result<PathBuf, Error> {
        let path = dir.join(MANIFEST_FILE);
        let mut text = serde_json::to_string_pretty(self).map_err(|source| Error::Manifest {
            path: path.clone(),
            source,
        })?;
        text.push('\n');
        std::fs::write(&path, text).map_err(io(&path))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn packaging_is_reproducible_and_executable() {
        let binary: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let a = package(&binary).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = package(&binary).unwrap();
        assert_eq!(sha256_hex(&a), sha256_hex(&b));
        let mut archive = zip::ZipArchive::new(Cursor::new(a)).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name().unwrap(), BOOTSTRAP);
        assert_eq!(entry.unix_mode().unwrap() & 0o777, 0o755);
        let mut back = Vec::new();
        entry.read_to_end(&mut back).unwrap();
        assert_eq!(back, binary);
        assert_eq!(unpack(&b).unwrap(), binary);
        let other = package(&binary[1..]).unwrap();
        assert_ne!(sha256_hex(&other), sha256_hex(&b));
    }

    #[test]
    fn manifest_round_trips() {
        let dir = std::env::temp_dir().join(format!("returns-artifact-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let artifact = Artifact {
            zip: "bootstrap-x86_64.zip".into(),
            sha256: "ab".into(),
            size: 3,
            binary_size: 4,
            max_glibc: Some("2.17".into()),
        };
        let m = Manifest {
            version: 1,
            architecture: "x86_64".into(),
            runtime: "provided.al2023".into(),
            functions: BTreeMap::from([(
                "getCurrentTime".into(),
                FunctionArtifact {
                    artifact: "bootstrap-x86_64.zip".into(),
                    handler: "getCurrentTime".into(),
                    zip: artifact.zip.clone(),
                    sha256: artifact.sha256.clone(),
                    size: 3,
                },
            )]),
            artifacts: BTreeMap::from([("bootstrap-x86_64.zip".into(), artifact)]),
        };
        m.write(&dir).unwrap();
        assert_eq!(Manifest::read(&dir).unwrap(), m);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
