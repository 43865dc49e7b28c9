//! The Lambda artifact a deploy uploads, read and checked the same way whatever its source
//! (`crate::artifact_source`): the manifest `cargo xtask build-lambdas` writes, the zip's hash,
//! and the glibc and machine checks of its `bootstrap`.

use std::path::{Path, PathBuf};

use returns_artifact::elf;

use crate::artifact_source::{ArtifactSource, Embedded, Resolved};
use crate::error::UserError;
use crate::resources::artifacts;

/// The artifact name of the one multi-handler zip every function runs.
pub const ARTIFACT: &str = "bootstrap";

/// The Lambda zip, checked before anything changes: the manifest `cargo xtask build-lambdas`
/// writes ([`returns_artifact::Manifest`], the one reader) from where `source` says (a file, or
/// the copy embedded in a release binary), the zip's hash, and the provided.al2023 glibc check of
/// `returns_artifact::elf` on its `bootstrap`.
pub fn local_artifact(source: &ArtifactSource) -> Result<artifacts::LocalArtifact, UserError> {
    match source.resolve() {
        Resolved::Manifest(path) => local_artifact_at(&path),
        Resolved::Embedded(embedded) => embedded_artifact(embedded),
    }
}

const BUILD_HINT: &str = "build the Lambda artifacts first: cargo xtask build-lambdas \
     (or give one with --lambda-artifact PATH, or use a release binary, which carries it)";

/// [`local_artifact`] with the manifest at `path`.
pub fn local_artifact_at(path: &Path) -> Result<artifacts::LocalArtifact, UserError> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        UserError::new(format!(
            "cannot read the Lambda manifest {}: {err}",
            path.display()
        ))
        .hint(BUILD_HINT)
    })?;
    let (zip, sha256, arch) = parse_manifest(&text, &path.display().to_string())?;
    let base = path.parent().unwrap_or(Path::new("."));
    let artifact = artifacts::LocalArtifact {
        name: ARTIFACT.into(),
        path: base.join(zip),
        sha256,
        embedded: None,
    };
    artifacts::preflight(std::slice::from_ref(&artifact), &|_, bytes| {
        check_zip(bytes, arch)
    })?;
    Ok(artifact)
}

/// The artifact compiled into this binary, checked like one on disk.
pub fn embedded_artifact(embedded: Embedded) -> Result<artifacts::LocalArtifact, UserError> {
    let text = std::str::from_utf8(embedded.manifest).map_err(|err| {
        UserError::new(format!("the embedded Lambda manifest is not UTF-8: {err}")).hint(BUILD_HINT)
    })?;
    let (zip, sha256, arch) = parse_manifest(text, "(embedded)")?;
    let artifact = artifacts::LocalArtifact {
        name: ARTIFACT.into(),
        path: PathBuf::from(format!("(embedded)/{zip}")),
        sha256,
        embedded: Some(embedded.zip),
    };
    artifacts::preflight(std::slice::from_ref(&artifact), &|_, bytes| {
        check_zip(bytes, arch)
    })?;
    Ok(artifact)
}

/// The one zip a manifest names (relative path, lower-case sha256) and its architecture.
fn parse_manifest(text: &str, origin: &str) -> Result<(String, String, elf::Arch), UserError> {
    let manifest: returns_artifact::Manifest = serde_json::from_str(text).map_err(|err| {
        UserError::new(format!("malformed Lambda manifest {origin}: {err}")).hint(BUILD_HINT)
    })?;
    let arch = match manifest.architecture.as_str() {
        "x86_64" => elf::Arch::X86_64,
        "arm64" => elf::Arch::Arm64,
        other => {
            return Err(UserError::new(format!(
                "Lambda manifest {origin} names architecture {other:?}; Lambda runs x86_64 or arm64"
            ))
            .hint(BUILD_HINT));
        }
    };
    let mut zips: Vec<(&String, &String)> = manifest
        .functions
        .values()
        .map(|function| (&function.zip, &function.sha256))
        .collect();
    zips.sort();
    zips.dedup();
    let [(zip, sha256)] = zips[..] else {
        return Err(UserError::new(format!(
            "Lambda manifest {origin} must name exactly one zip, names {}",
            zips.len()
        ))
        .hint(BUILD_HINT));
    };
    Ok((zip.clone(), sha256.to_ascii_lowercase(), arch))
}

/// The zip's `bootstrap` must be an ELF for `arch` that needs no glibc newer than AL2023's.
fn check_zip(bytes: &[u8], arch: elf::Arch) -> Result<(), String> {
    let binary = returns_artifact::unpack(bytes).map_err(|err| match err {
        returns_artifact::Error::Zip(err) => {
            format!("not a zip with a `bootstrap` entry (provided.al2023 runs `bootstrap`): {err}")
        }
        other => format!("cannot read bootstrap: {other}"),
    })?;
    match elf::check(&binary, arch) {
        Ok(_) => Ok(()),
        Err(elf::Refused::GlibcTooNew {
            newest,
            limit,
            symbols,
        }) => Err(format!(
            "bootstrap needs glibc {newest} but provided.al2023 ships glibc {limit}: {symbols}"
        )),
        Err(other) => Err(format!("bootstrap: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const ACCEPTED: &[u8] =
        include_bytes!("../../../lambdas/artifact/tests/fixtures/needs-glibc-2.34.elf");
    const REFUSED: &[u8] =
        include_bytes!("../../../lambdas/artifact/tests/fixtures/needs-glibc-2.36.elf");

    /// Writes a manifest in the shape `cargo xtask build-lambdas` writes, for a zip of `binary`.
    fn build(dir: &Path, binary: &[u8], architecture: &str) -> PathBuf {
        let zip = returns_artifact::package(binary).unwrap();
        std::fs::write(dir.join("bootstrap.zip"), &zip).unwrap();
        let sha256 = returns_artifact::sha256_hex(&zip);
        let artifact = returns_artifact::Artifact {
            zip: "bootstrap.zip".into(),
            sha256: sha256.to_ascii_uppercase(),
            size: zip.len() as u64,
            binary_size: binary.len() as u64,
            max_glibc: None,
        };
        let functions = returns_artifact::FUNCTION_IDS
            .iter()
            .map(|id| {
                let function = returns_artifact::FunctionArtifact {
                    artifact: "bootstrap.zip".into(),
                    handler: id.to_string(),
                    zip: artifact.zip.clone(),
                    sha256: artifact.sha256.clone(),
                    size: artifact.size,
                };
                (id.to_string(), function)
            })
            .collect();
        let manifest = returns_artifact::Manifest {
            version: 1,
            architecture: architecture.into(),
            runtime: "provided.al2023".into(),
            functions,
            artifacts: BTreeMap::from([("bootstrap.zip".into(), artifact)]),
        };
        manifest.write(dir).unwrap()
    }

    #[test]
    fn the_manifest_names_one_zip_relative_to_itself() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = build(dir.path(), ACCEPTED, "x86_64");
        let artifact = local_artifact_at(&manifest).unwrap();
        assert_eq!(artifact.name, ARTIFACT);
        assert_eq!(artifact.path, dir.path().join("bootstrap.zip"));
        let zip = std::fs::read(&artifact.path).unwrap();
        assert_eq!(artifact.sha256, returns_artifact::sha256_hex(&zip));
    }

    #[test]
    fn an_embedded_artifact_is_checked_like_one_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = build(dir.path(), ACCEPTED, "x86_64");
        let text: &'static [u8] = std::fs::read(&manifest).unwrap().leak();
        let zip: &'static [u8] = std::fs::read(dir.path().join("bootstrap.zip"))
            .unwrap()
            .leak();
        let artifact = embedded_artifact(Embedded {
            manifest: text,
            zip,
        })
        .unwrap();
        assert_eq!(artifact.sha256, returns_artifact::sha256_hex(zip));
        assert_eq!(artifact.bytes().unwrap().as_ref(), zip);
        // Bytes that are not the zip the manifest names are refused.
        let other: &'static [u8] = returns_artifact::package(REFUSED).unwrap().leak();
        let err = embedded_artifact(Embedded {
            manifest: text,
            zip: other,
        })
        .unwrap_err();
        assert!(
            err.message.contains("changed since the manifest"),
            "{}",
            err.message
        );
    }

    #[test]
    fn the_glibc_check_refuses_a_binary_needing_a_newer_glibc() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = build(dir.path(), REFUSED, "x86_64");
        let err = local_artifact_at(&manifest).unwrap_err();
        assert!(err.message.contains("needs glibc 2.36"), "{}", err.message);
        assert!(
            err.message.contains("arc4random@GLIBC_2.36"),
            "{}",
            err.message
        );
        assert!(!err.message.contains('\n'), "{}", err.message);
        assert!(err.hints[0].contains("cargo xtask build-lambdas"));
    }

    #[test]
    fn the_wrong_machine_and_a_bad_manifest_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = build(dir.path(), ACCEPTED, "arm64");
        let err = local_artifact_at(&manifest).unwrap_err();
        assert!(err.message.contains("arm64"), "{}", err.message);
        // A zip without `bootstrap`, its hash matching the manifest.
        let manifest = build(dir.path(), ACCEPTED, "x86_64");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("handler", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, ACCEPTED).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        std::fs::write(dir.path().join("bootstrap.zip"), &bytes).unwrap();
        let text = std::fs::read_to_string(&manifest).unwrap();
        let old = local_artifact_at(&manifest).unwrap_err();
        assert!(
            old.message.contains("changed since the manifest"),
            "{}",
            old.message
        );
        let sha = returns_artifact::sha256_hex(&bytes);
        let stale = returns_artifact::Manifest::read(dir.path())
            .unwrap()
            .functions["processCtr"]
            .sha256
            .clone();
        std::fs::write(&manifest, text.replace(&stale, &sha)).unwrap();
        let err = local_artifact_at(&manifest).unwrap_err();
        assert!(
            err.message.contains("no") && err.message.contains("`bootstrap` entry"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("cannot write"), "{}", err.message);
        let manifest = build(dir.path(), ACCEPTED, "sparc");
        let err = local_artifact_at(&manifest).unwrap_err();
        assert!(err.message.contains("\"sparc\""), "{}", err.message);
        std::fs::write(&manifest, "{not json").unwrap();
        let err = local_artifact_at(&manifest).unwrap_err();
        assert!(
            err.message.starts_with("malformed Lambda manifest"),
            "{}",
            err.message
        );
        let err = local_artifact_at(&dir.path().join("nope.json")).unwrap_err();
        assert!(
            err.message.starts_with("cannot read the Lambda manifest"),
            "{}",
            err.message
        );
        assert!(err.hints[0].contains("cargo xtask build-lambdas"));
    }
}
