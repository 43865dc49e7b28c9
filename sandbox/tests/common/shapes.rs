//! Output shapes of the service models, read from the generated deserializers of the AWS SDK crates
//! (aws-sdk-connect, aws-sdk-lexmodelsv2, aws-sdk-lexmodelbuilding) in the cargo registry: every
//! `de_<operation>` function lists the JSON member names of its output shape, and calls
//! `shape_<x>::de_<x>` for nested structures, lists and maps. [`Shapes::check`] compares a JSON
//! answer with that tree and names every member the model does not have.
//!
//! Used by the sandbox's conformance test and by end-to-end tests that record the sandbox's answers.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The SDK crate (name and version from Cargo.lock) that models a sandbox service.
pub fn crate_of(service: &str) -> &'static str {
    match service {
        "connect" => "aws-sdk-connect",
        "lexv2" => "aws-sdk-lexmodelsv2",
        "lexv1" => "aws-sdk-lexmodelbuilding",
        other => panic!("unknown service {other}"),
    }
}

/// The crate's source directory in the cargo registry, at the version Cargo.lock pins.
pub fn crate_source(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock = [root.join("Cargo.lock"), root.join("../Cargo.lock")]
        .into_iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .expect("Cargo.lock");
    let needle = format!("name = \"{name}\"\nversion = \"");
    let at = lock.find(&needle).expect("crate in Cargo.lock") + needle.len();
    let version = &lock[at..at + lock[at..].find('"').unwrap()];
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").expect("HOME")).join(".cargo"));
    let src = home.join("registry/src");
    for index in std::fs::read_dir(&src).expect("cargo registry sources") {
        let dir = index.unwrap().path().join(format!("{name}-{version}"));
        if dir.join("src/protocol_serde").is_dir() {
            return dir;
        }
    }
    panic!("{name} {version} sources not found under {}", src.display());
}

/// A node of an output shape.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A string, number, boolean, timestamp, blob or document: anything goes.
    Scalar,
    Struct(BTreeMap<String, Shape>),
    List(Box<Shape>),
    Map(Box<Shape>),
}

/// Output shapes of one SDK crate, parsed lazily.
pub struct Shapes {
    dir: PathBuf,
    files: HashMap<String, String>,
}

fn snake(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_lowercase()
}

impl Shapes {
    pub fn of_service(service: &str) -> Shapes {
        Shapes::new(&crate_source(crate_of(service)))
    }

    pub fn new(crate_dir: &Path) -> Shapes {
        let dir = crate_dir.join("src/protocol_serde");
        let mut files = HashMap::new();
        for entry in std::fs::read_dir(&dir).expect("protocol_serde") {
            let path = entry.unwrap().path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if let Some(name) = stem.strip_prefix("shape_") {
                files.insert(name.to_string(), path.to_string_lossy().to_string());
            }
        }
        Shapes { dir, files }
    }

    fn text(&self, shape_file: &str) -> Option<String> {
        std::fs::read_to_string(self.files.get(shape_file)?).ok()
    }

    /// The body of `fn <function>(` in `shape_<file>.rs`.
    fn function(&self, file: &str, function: &str) -> Option<String> {
        let text = self.text(file)?;
        let start = text.find(&format!("fn {function}("))?;
        let rest = &text[start..];
        let end = rest[1..].find("\npub").map(|i| i + 1).unwrap_or(rest.len());
        Some(rest[..end].to_string())
    }

    /// The output shape of `operation`; `None` when the crate has no such operation.
    pub fn output(&self, operation: &str) -> Option<Shape> {
        let file = self
            .files
            .keys()
            .find(|name| snake(name) == operation.to_lowercase())?
            .clone();
        match self.function(&file, &format!("de_{file}")) {
            Some(body) => Some(self.parse(&body, 0)),
            // an operation without a JSON output body
            None => Some(Shape::Struct(BTreeMap::new())),
        }
    }

    fn call_in(text: &str) -> Option<(String, String)> {
        let marker = "crate::protocol_serde::shape_";
        let at = text.find(marker)? + marker.len();
        let rest = &text[at..];
        let file: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let after = &rest[file.len()..];
        let function: String = after
            .strip_prefix("::")?
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        Some((file, function))
    }

    fn nested(&self, file: &str, function: &str, depth: usize) -> Shape {
        if depth > 24 {
            return Shape::Scalar; // recursive shapes: stop checking below this depth
        }
        match self.function(file, function) {
            Some(body) => self.parse(&body, depth + 1),
            None => Shape::Scalar,
        }
    }

    fn parse(&self, body: &str, depth: usize) -> Shape {
        // member arms: `"name" => {`
        let mut arms: Vec<(String, usize)> = Vec::new();
        for (i, line) in body.lines().scan(0usize, |pos, line| {
            let here = *pos;
            *pos += line.len() + 1;
            Some((here, line))
        }) {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix('"')
                && let Some(name) = rest.strip_suffix("\" => {")
                && !name.contains('"')
            {
                arms.push((name.to_string(), i));
            }
        }
        if !arms.is_empty() {
            let mut members = BTreeMap::new();
            for (n, (name, at)) in arms.iter().enumerate() {
                let end = arms.get(n + 1).map(|a| a.1).unwrap_or(body.len());
                let arm = &body[*at..end];
                let shape = match Shape::call(arm) {
                    Some((file, function)) => self.nested(&file, &function, depth),
                    None => Shape::Scalar,
                };
                members.insert(name.clone(), shape);
            }
            return Shape::Struct(members);
        }
        let element = || match Self::call_in(body) {
            Some((file, function)) => self.nested(&file, &function, depth),
            None => Shape::Scalar,
        };
        if body.contains("Token::StartArray") {
            Shape::List(Box::new(element()))
        } else if body.contains("Token::ObjectKey") {
            Shape::Map(Box::new(element()))
        } else {
            Shape::Scalar
        }
    }

    /// Every member of `value` that `shape` does not have, as JSON paths.
    pub fn deviations(shape: &Shape, value: &Value, path: &str, out: &mut Vec<String>) {
        match (shape, value) {
            (Shape::Struct(members), Value::Object(map)) => {
                for (key, v) in map {
                    match members.get(key) {
                        Some(member) => Self::deviations(member, v, &format!("{path}.{key}"), out),
                        None => out.push(format!("{path}.{key}")),
                    }
                }
            }
            (Shape::List(element), Value::Array(items)) => {
                for (i, v) in items.iter().enumerate() {
                    Self::deviations(element, v, &format!("{path}[{i}]"), out);
                }
            }
            (Shape::Map(value_shape), Value::Object(map)) => {
                for (key, v) in map {
                    Self::deviations(value_shape, v, &format!("{path}{{{key}}}"), out);
                }
            }
            (Shape::Scalar, _) | (_, Value::Null) => {}
            (Shape::Struct(_), other) => {
                out.push(format!("{path}: an object expected, got {other}"))
            }
            (Shape::List(_), other) => out.push(format!("{path}: a list expected, got {other}")),
            (Shape::Map(_), other) => out.push(format!("{path}: a map expected, got {other}")),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Shape {
    fn call(arm: &str) -> Option<(String, String)> {
        Shapes::call_in(arm)
    }

    /// Member names of a structure shape.
    pub fn members(&self) -> BTreeSet<String> {
        match self {
            Shape::Struct(m) => m.keys().cloned().collect(),
            _ => BTreeSet::new(),
        }
    }
}

/// Checks recorded answers `(service, operation, body)` against the models; returns one line per
/// deviation, and the set of operations checked.
pub fn check_answers(answers: &[(String, String, Value)]) -> (Vec<String>, BTreeSet<String>) {
    let mut by_service: HashMap<String, Shapes> = HashMap::new();
    let mut cache: HashMap<(String, String), Option<Shape>> = HashMap::new();
    let mut problems = Vec::new();
    let mut checked = BTreeSet::new();
    for (service, operation, body) in answers {
        let shapes = by_service
            .entry(service.clone())
            .or_insert_with(|| Shapes::of_service(service));
        let shape = cache
            .entry((service.clone(), operation.clone()))
            .or_insert_with(|| shapes.output(operation));
        let Some(shape) = shape else {
            problems.push(format!(
                "{service} {operation}: not an operation of the model"
            ));
            continue;
        };
        checked.insert(format!("{service} {operation}"));
        let mut out = Vec::new();
        Shapes::deviations(shape, body, "", &mut out);
        for d in out {
            problems.push(format!(
                "{service} {operation}: {d} is not in the output shape"
            ));
        }
    }
    problems.sort();
    problems.dedup();
    (problems, checked)
}
