//! Conditions a walk evaluates: the comparisons of a branch, E.164 numbers, and the value a
//! stored customer input takes.
use serde_json::Value;

pub(super) fn condition_holds(op: &str, value: &str, operand: &str) -> bool {
    let num = |s: &str| s.trim().parse::<f64>().ok();
    match op {
        "Equals" => value == operand,
        "TextStartsWith" => value.starts_with(operand),
        "TextEndsWith" => value.ends_with(operand),
        "TextContains" => value.contains(operand),
        "NumberGreaterThan" => matches!((num(value), num(operand)), (Some(a), Some(b)) if a > b),
        "NumberGreaterOrEqualTo" => {
            matches!((num(value), num(operand)), (Some(a), Some(b)) if a >= b)
        }
        "NumberLessThan" => matches!((num(value), num(operand)), (Some(a), Some(b)) if a < b),
        "NumberLessOrEqualTo" => {
            matches!((num(value), num(operand)), (Some(a), Some(b)) if a <= b)
        }
        _ => false,
    }
}

pub(super) fn e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (2..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// What `GetParticipantInput` with `StoreInput` stores for the digits entered, or its error.
/// Phone numbers are stored in E.164 (`Local` numbers get the country's code; only `US`, `CA`
/// and the other +1 countries are emulated).
pub(super) fn stored_input(entered: &str, p: &Value) -> Result<String, &'static str> {
    if entered.is_empty() || !entered.chars().all(|c| c.is_ascii_digit()) {
        return Err("InvalidPhoneNumber");
    }
    if let Some(v) = p.pointer("/InputValidation/PhoneNumberValidation") {
        let format = v.get("NumberFormat").and_then(Value::as_str).unwrap_or("");
        return match format {
            "Local" => {
                let country = v.get("CountryCode").and_then(Value::as_str).unwrap_or("");
                if !["US", "CA", "PR", "GU", "VI", "AS", "MP"].contains(&country) {
                    return Err("InvalidPhoneNumber");
                }
                let b = entered.as_bytes();
                // NANP: area code and exchange start with 2-9
                if b.len() == 10 && b[0] >= b'2' && b[3] >= b'2' {
                    Ok(format!("+1{entered}"))
                } else {
                    Err("InvalidPhoneNumber")
                }
            }
            "E164" => {
                let n = format!("+{entered}");
                if e164(&n) {
                    Ok(n)
                } else {
                    Err("InvalidPhoneNumber")
                }
            }
            _ => Err("InvalidPhoneNumber"),
        };
    }
    if let Some(max) = p
        .pointer("/InputValidation/CustomValidation/MaximumLength")
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        && entered.len() as u64 > max
    {
        return Err("NoMatchingError");
    }
    Ok(entered.to_string())
}
