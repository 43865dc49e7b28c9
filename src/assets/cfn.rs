//! A small reader for our CloudFormation YAML templates: enough structure (sections, resources,
//! their types and scalar properties, outputs) for `validate` to check them offline against the
//! handler contract and the flows. It reads block-style YAML as the shipped templates are written;
//! the full parse is cfn-lint's and CloudFormation's (both run in the test suite). The checks
//! themselves are in `check.rs`.

use std::collections::BTreeMap;

mod check;

pub use check::check_template;

/// One `key: value` line with its full key path (list items appear as `-<n>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Key path from the document root.
    pub path: Vec<String>,
    /// The inline value (empty when the key opens a block).
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// A read template.
#[derive(Debug, Clone, Default)]
pub struct Template {
    /// Every entry in document order.
    pub entries: Vec<Entry>,
}

/// A line the reader cannot follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line.
    pub line: usize,
    /// Why.
    pub message: String,
}

impl Template {
    /// Reads `text`; errors name the line.
    pub fn read(text: &str) -> Result<Template, ReadError> {
        let mut entries = Vec::new();
        // (indent, key) of the open mappings.
        let mut stack: Vec<(usize, String)> = Vec::new();
        let mut list_counters: BTreeMap<(usize, Vec<String>), usize> = BTreeMap::new();
        let mut block_scalar_indent: Option<usize> = None;
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            if raw.contains('\t') {
                return Err(ReadError {
                    line: line_no,
                    message: "tabs are not allowed in yaml indentation".into(),
                });
            }
            let trimmed = raw.trim_end();
            let content = trimmed.trim_start();
            let indent = trimmed.len() - content.len();
            if let Some(bi) = block_scalar_indent {
                if content.is_empty() || indent > bi {
                    continue;
                }
                block_scalar_indent = None;
            }
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let (indent, content, item) = match content.strip_prefix("- ") {
                Some(rest) => (indent + 2, rest.trim_start(), true),
                None if content == "-" => (indent + 2, "", true),
                None => (indent, content, false),
            };
            // A new list item also closes the previous item of the same list.
            let level = if item { indent - 1 } else { indent };
            while stack.last().is_some_and(|(i, _)| *i >= level) {
                stack.pop();
            }
            let mut path: Vec<String> = stack.iter().map(|(_, k)| k.clone()).collect();
            if item {
                let counter = list_counters.entry((indent, path.clone())).or_insert(0);
                let label = format!("-{counter}");
                *counter += 1;
                path.push(label.clone());
                // Keys of the item sit at `indent`; the item itself is one level up.
                stack.push((indent - 1, label));
            }
            if content.is_empty() {
                continue;
            }
            match split_key(content) {
                Some((key, value)) => {
                    path.push(key.to_string());
                    if value == ">-" || value == ">" || value == "|" || value == "|-" {
                        block_scalar_indent = Some(indent);
                    }
                    entries.push(Entry {
                        path,
                        value: value.to_string(),
                        line: line_no,
                    });
                    stack.push((indent, key.to_string()));
                }
                None => {
                    // A scalar list item (`- x`).
                    if item {
                        entries.push(Entry {
                            path,
                            value: content.to_string(),
                            line: line_no,
                        });
                    } else {
                        return Err(ReadError {
                            line: line_no,
                            message: format!("cannot read {content:?} as key: value"),
                        });
                    }
                }
            }
        }
        Ok(Template { entries })
    }

    /// The inline value at exactly `path`.
    pub fn get(&self, path: &[&str]) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.path.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|e| e.value.as_str())
    }

    /// Keys directly under `path`, in order.
    pub fn keys(&self, path: &[&str]) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for e in &self.entries {
            if e.path.len() == path.len() + 1
                && e.path
                    .iter()
                    .map(String::as_str)
                    .zip(path.iter().copied())
                    .all(|(a, b)| a == b)
            {
                let k = e.path[path.len()].as_str();
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        out
    }

    /// Resource logical ids with their `Type`.
    pub fn resources(&self) -> Vec<(&str, &str)> {
        self.keys(&["Resources"])
            .into_iter()
            .map(|r| (r, self.get(&["Resources", r, "Type"]).unwrap_or("")))
            .collect()
    }
}

fn split_key(content: &str) -> Option<(&str, &str)> {
    let (key, value) = match content.find(": ") {
        Some(i) => (&content[..i], content[i + 2..].trim()),
        None => (content.strip_suffix(':')?, ""),
    };
    let key = key.trim().trim_matches('"');
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:/".contains(c));
    plain.then_some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_lists_and_block_scalars() {
        let t = Template::read(
            "Description: >-\n  long text: with colon\nParameters:\n  A:\n    Type: Number\nResources:\n  R:\n    Type: AWS::X\n    Properties:\n      L:\n        - Effect: Allow\n          Action: a\n        - Effect: Deny\n      Tags: [1, 2]\nOutputs:\n  O:\n    Value: !Ref R\n",
        )
        .unwrap();
        assert_eq!(t.keys(&["Parameters"]), vec!["A"]);
        assert_eq!(t.get(&["Parameters", "A", "Type"]), Some("Number"));
        assert_eq!(t.resources(), vec![("R", "AWS::X")]);
        assert_eq!(
            t.get(&["Resources", "R", "Properties", "L", "-0", "Action"]),
            Some("a")
        );
        assert_eq!(
            t.get(&["Resources", "R", "Properties", "L", "-1", "Effect"]),
            Some("Deny")
        );
        assert_eq!(t.keys(&["Outputs"]), vec!["O"]);
        assert!(t.get(&["long text"]).is_none());
    }

    #[test]
    fn reads_the_shipped_templates() {
        for s in crate::assets::Solution::ALL {
            let t = Template::read(crate::assets::template(s)).unwrap();
            for o in crate::assets::template_outputs(s) {
                assert!(t.keys(&["Outputs"]).contains(o), "{s}: {o}");
            }
        }
    }
}
