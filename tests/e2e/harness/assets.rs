//! The shipped assets in a scratch copy, for the tests that break them on purpose.

use std::path::{Path, PathBuf};

/// The repository root of this package.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies `assets/flows` and `assets/lex` into a fresh temp dir.
pub fn copy_assets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["flows", "lex"] {
        let from = root().join("assets").join(sub);
        let to = dir.path().join(sub);
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(&from).unwrap() {
            let entry = entry.unwrap();
            // The flow and bot files; lex/locales/ holds the other languages' utterances.
            if entry.path().is_file() {
                std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
            }
        }
    }
    dir
}

/// Reads, changes and writes back one JSON file.
pub fn edit_json(path: &Path, change: impl FnOnce(&mut serde_json::Value)) {
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut doc);
    std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

/// The action with `id` in a flow document.
pub fn action<'a>(doc: &'a mut serde_json::Value, id: &str) -> &'a mut serde_json::Value {
    doc["Actions"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a["Identifier"] == id)
        .unwrap_or_else(|| panic!("no action {id}"))
}
