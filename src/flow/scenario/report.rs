//! How a scenario's outcome is shown: the text report, with every phone number masked down to
//! its last four digits.

use std::fmt;

use super::ScenarioOutcome;

/// Masks a phone number, keeping the last four digits (`+*******2671`).
fn mask_digits(value: &str) -> String {
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    let keep: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("+{}{keep}", "*".repeat(digits.len().saturating_sub(4)))
}

/// Masks `value` when it is a phone number: an E.164 value, or any value of a key that names a
/// phone number (`CallbackNumber`, `PhoneNumber`, `TenDigitPhoneNumber`, …).
pub fn mask(key: &str, value: &str) -> String {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let e164 = value.starts_with('+') && digits >= 7;
    let lower = key.to_ascii_lowercase();
    let phone_key = lower.contains("phone") || lower.contains("callbacknumber");
    if (e164 || phone_key) && digits >= 4 {
        mask_digits(value)
    } else {
        value.to_string()
    }
}

impl fmt::Display for ScenarioOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {} — {}",
            if self.passed { "PASS" } else { "FAIL" },
            self.name,
            self.description
        )?;
        if let Some(e) = &self.error {
            writeln!(f, "  error: {e}")?;
        }
        for s in &self.steps {
            let label = s
                .label
                .as_deref()
                .map(|l| format!(" {l:?}"))
                .unwrap_or_default();
            writeln!(f, "  step {} {}{label}", s.step, s.kind)?;
            for run in &s.runs {
                writeln!(f, "    {}: {}", run.flow, run.path.join(" → "))?;
                for call in &run.lambdas {
                    let result: Vec<String> = call
                        .result
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    let status = if call.failed {
                        "failed (injected)".to_string()
                    } else {
                        result.join(", ")
                    };
                    writeln!(f, "      λ {}: {status}", call.function)?;
                }
                writeln!(f, "      ended: {}", run.end.label())?;
            }
            let mut facts = Vec::new();
            if let Some(q) = &s.queue {
                facts.push(format!("queue {q}"));
            }
            if let Some(p) = s.priority {
                facts.push(format!("priority {p}"));
            }
            if let Some(w) = &s.whisper {
                facts.push(format!("whisper {w}"));
            }
            if s.callback_created {
                facts.push("callback created".to_string());
            }
            if s.callback_stopped {
                facts.push("callback stopped (StopContact)".to_string());
            }
            if let Some(o) = s.offered {
                facts.push(format!("offered to agent: {o}"));
            }
            if let Some(d) = s.dialled {
                facts.push(format!("customer dialled: {d}"));
            }
            if !facts.is_empty() {
                writeln!(f, "    outcome: {}", facts.join(", "))?;
            }
            if !s.attributes.is_empty() {
                let a: Vec<String> = s
                    .attributes
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                writeln!(f, "    attributes: {}", a.join(", "))?;
            }
            if let Some(r) = &s.record {
                let a: Vec<String> = r.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(
                    f,
                    "    record: {}",
                    if a.is_empty() {
                        "none".to_string()
                    } else {
                        a.join(", ")
                    }
                )?;
            }
            for n in &s.notes {
                writeln!(f, "    note: {n}")?;
            }
            for m in &s.mismatches {
                writeln!(f, "    MISMATCH: {m}")?;
            }
        }
        Ok(())
    }
}
