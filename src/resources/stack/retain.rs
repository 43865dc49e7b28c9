//! The template transform `--keep-data` deletes with: every `AWS::DynamoDB::Table` retained
//! (JSON or block-style YAML), pure.

/// Pure: the template with `DeletionPolicy: Retain` on every `AWS::DynamoDB::Table` (JSON or
/// block-style YAML). Returns the template unchanged when every table already retains.
pub fn retain_tables(template: &str) -> String {
    if template.trim_start().starts_with('{')
        && let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(template)
    {
        if let Some(resources) = doc.get_mut("Resources").and_then(|r| r.as_object_mut()) {
            for resource in resources.values_mut() {
                if resource.get("Type").and_then(|t| t.as_str()) == Some("AWS::DynamoDB::Table") {
                    resource["DeletionPolicy"] = serde_json::Value::String("Retain".into());
                }
            }
        }
        return serde_json::to_string_pretty(&doc).unwrap_or_else(|_| template.to_string());
    }
    retain_tables_yaml(template)
}

pub(super) fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

pub(super) fn is_table_type_line(line: &str) -> bool {
    let trimmed = line.trim();
    let Some(value) = trimmed.strip_prefix("Type:") else {
        return false;
    };
    let value = value
        .split('#')
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches(|c| c == '"' || c == '\'');
    value == "AWS::DynamoDB::Table"
}

pub(super) fn retain_tables_yaml(template: &str) -> String {
    let mut lines: Vec<String> = template.lines().map(str::to_string).collect();
    let mut index = 0;
    while index < lines.len() {
        if !is_table_type_line(&lines[index]) {
            index += 1;
            continue;
        }
        let indent = indent_of(&lines[index]);
        // The resource block: the lines around `Type:` indented at least as deep, stopping at a
        // shallower non-blank line (the next resource key or section).
        let in_block = |line: &String| line.trim().is_empty() || indent_of(line) >= indent;
        let mut start = index;
        while start > 0 && in_block(&lines[start - 1]) {
            start -= 1;
        }
        let mut end = index + 1;
        while end < lines.len() && in_block(&lines[end]) {
            end += 1;
        }
        let existing = (start..end).find(|&i| {
            indent_of(&lines[i]) == indent && lines[i].trim_start().starts_with("DeletionPolicy:")
        });
        let retain = format!("{}DeletionPolicy: Retain", " ".repeat(indent));
        match existing {
            Some(i) => lines[i] = retain,
            None => {
                lines.insert(index + 1, retain);
                end += 1;
            }
        }
        index = end;
    }
    let mut out = lines.join("\n");
    if template.ends_with('\n') {
        out.push('\n');
    }
    out
}
