//! Typed placeholders in flow sources: `${lambda:<function id>}`, `${queue:<name>}`,
//! `${callbackQueue}`, `${flow:<flow name>}`, `${lex:<bot name>}`. Parsing, scanning and replacing.

use std::fmt;

use super::AssetError;

/// A reference in a flow that deploy resolves to a real ARN.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "camelCase")]
pub enum Placeholder {
    /// `${lambda:<function id>}`: a Lambda function ARN (ids from the handler contract).
    Lambda(String),
    /// `${queue:<name>}`: a standard queue ARN, by queue name.
    Queue(String),
    /// `${callbackQueue}`: the ARN of the queue callbacks wait in (`--callback-queue`, default BasicQueue).
    CallbackQueue,
    /// `${flow:<name>}`: another shipped flow's ARN.
    Flow(String),
    /// `${lex:<bot name>}`: the Lex V2 alias ARN of the bot (`prod`).
    Lex(String),
}

impl Placeholder {
    /// The kind as written before the colon.
    pub fn kind(&self) -> &'static str {
        match self {
            Placeholder::Lambda(_) => "lambda",
            Placeholder::Queue(_) => "queue",
            Placeholder::CallbackQueue => "callbackQueue",
            Placeholder::Flow(_) => "flow",
            Placeholder::Lex(_) => "lex",
        }
    }

    /// The name after the colon (empty for `${callbackQueue}`).
    pub fn name(&self) -> &str {
        match self {
            Placeholder::Lambda(n)
            | Placeholder::Queue(n)
            | Placeholder::Flow(n)
            | Placeholder::Lex(n) => n,
            Placeholder::CallbackQueue => "",
        }
    }

    /// Parses the inside of `${..}` (without the braces).
    pub fn parse(inner: &str) -> Result<Placeholder, String> {
        if inner == "callbackQueue" {
            return Ok(Placeholder::CallbackQueue);
        }
        let Some((kind, name)) = inner.split_once(':') else {
            return Err(format!("${{{inner}}} has no kind (expected kind:name)"));
        };
        let legal = match kind {
            "queue" => is_legal_queue_name(name),
            _ => is_legal_name(name),
        };
        if !legal {
            return Err(format!("${{{inner}}} has an empty or illegal name"));
        }
        let name = name.to_string();
        match kind {
            "lambda" => Ok(Placeholder::Lambda(name)),
            "queue" => Ok(Placeholder::Queue(name)),
            "flow" => Ok(Placeholder::Flow(name)),
            "lex" => Ok(Placeholder::Lex(name)),
            other => Err(format!(
                "${{{inner}}} has the unknown kind {other:?} (known: lambda, queue, callbackQueue, flow, lex)"
            )),
        }
    }
}

/// Letters, digits, `_` and `-`, at least one.
fn is_legal_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A queue name a placeholder can carry: words of letters, digits, `_` and `-`, separated by
/// single spaces (Connect queue names often have spaces: "Tech Support").
pub fn is_legal_queue_name(name: &str) -> bool {
    name.split(' ').all(is_legal_name)
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placeholder::CallbackQueue => f.write_str("${callbackQueue}"),
            other => write!(f, "${{{}:{}}}", other.kind(), other.name()),
        }
    }
}

/// One `${..}` occurrence in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The occurrence as written, e.g. `${lambda:searchCustomerCalls}`.
    pub text: String,
    /// The placeholder, or why it is not one.
    pub parsed: Result<Placeholder, String>,
}

/// Every `${..}` occurrence in `text`, in order (an unterminated `${` is reported too).
pub fn scan(text: &str) -> Vec<Observed> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let inner = &after[..end];
                out.push(Observed {
                    text: format!("${{{inner}}}"),
                    parsed: Placeholder::parse(inner),
                });
                rest = &after[end + 1..];
            }
            None => {
                out.push(Observed {
                    text: rest[start..].chars().take(40).collect(),
                    parsed: Err("unterminated ${".to_string()),
                });
                break;
            }
        }
    }
    out
}

/// Replaces every placeholder in one string value.
pub(crate) fn replace(
    flow: &str,
    text: &str,
    resolve: &dyn Fn(&Placeholder) -> Option<String>,
) -> Result<String, AssetError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(AssetError::UnknownPlaceholder {
                flow: flow.to_string(),
                text: rest[start..].to_string(),
            });
        };
        let inner = &after[..end];
        let placeholder =
            Placeholder::parse(inner).map_err(|_| AssetError::UnknownPlaceholder {
                flow: flow.to_string(),
                text: format!("${{{inner}}}"),
            })?;
        let value = resolve(&placeholder)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| AssetError::Unresolved {
                flow: flow.to_string(),
                placeholder: placeholder.clone(),
            })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_and_round_trips() {
        for text in [
            "${lambda:searchCustomerCalls}",
            "${queue:Spare_Parts}",
            "${callbackQueue}",
            "${flow:newCallerAgentWhisper}",
            "${lex:returnCallerConcierge}",
        ] {
            let found = scan(text);
            assert_eq!(found.len(), 1);
            let p = found[0].parsed.clone().unwrap();
            assert_eq!(p.to_string(), text);
        }
    }

    #[test]
    fn rejects_unknown_kinds_and_bad_names() {
        assert!(Placeholder::parse("prompt:hello").is_err());
        assert!(Placeholder::parse("lambda:").is_err());
        assert!(Placeholder::parse("queue:a b").is_ok());
        assert!(Placeholder::parse("queue: a").is_err());
        assert!(Placeholder::parse("queue:a  b").is_err());
        assert!(Placeholder::parse("flow:a b").is_err());
        assert!(Placeholder::parse("searchCustomerCalls").is_err());
        let found = scan("x ${lambda:a} y ${oops");
        assert_eq!(found.len(), 2);
        assert!(found[1].parsed.is_err());
    }

    #[test]
    fn replace_substitutes_inside_text_and_fails_when_unresolved() {
        let r = |p: &Placeholder| (p.kind() == "queue").then(|| format!("Q-{}", p.name()));
        assert_eq!(
            replace("f", "to ${queue:Sales}!", &r).unwrap(),
            "to Q-Sales!"
        );
        assert!(matches!(
            replace("f", "${lambda:x}", &r),
            Err(AssetError::Unresolved { .. })
        ));
        assert!(matches!(
            replace("f", "${nope:x}", &r),
            Err(AssetError::UnknownPlaceholder { .. })
        ));
    }
}
