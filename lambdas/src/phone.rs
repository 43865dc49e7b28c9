//! Phone-number handling: E.164 normalisation with the `phonenumber` crate, withheld-caller
//! detection, and masking for logs (a full number never reaches a log line).

use phonenumber::{Mode, PhoneNumber, country};

/// Why a string is not a usable phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing was given.
    #[error("phone number is empty")]
    Empty,
    /// The caller withheld the number ("anonymous", "Restricted", …).
    #[error("phone number is withheld")]
    Withheld,
    /// Not a valid phone number.
    #[error("phone number is not valid")]
    Invalid,
}

/// A validated phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    e164: String,
    national: String,
}

impl Phone {
    /// The number in E.164 (`+14155552671`): the key of both tables.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The national significant number (ten digits for NANP numbers).
    pub fn national(&self) -> &str {
        &self.national
    }

    /// The number masked for logs.
    pub fn masked(&self) -> String {
        mask(&self.e164)
    }
}

/// Strings carriers and Connect use for a withheld caller id (compared case-insensitively).
const WITHHELD: [&str; 8] = [
    "anonymous",
    "restricted",
    "private",
    "unavailable",
    "unknown",
    "withheld",
    "blocked",
    // "ANONYMOUS" typed on a keypad, presented by some carriers as +266696687.
    "+266696687",
];

/// Normalises `raw` to E.164. Numbers without a `+` are read in `default_region`.
pub fn normalize(raw: &str, default_region: country::Id) -> Result<Phone, PhoneError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    if WITHHELD.iter().any(|w| trimmed.eq_ignore_ascii_case(w)) {
        return Err(PhoneError::Withheld);
    }
    // Bound the work on hostile input; no real number comes close to this.
    if trimmed.len() > 64 {
        return Err(PhoneError::Invalid);
    }
    let number: PhoneNumber =
        phonenumber::parse(Some(default_region), trimmed).map_err(|_| PhoneError::Invalid)?;
    if !number.is_valid() {
        return Err(PhoneError::Invalid);
    }
    let e164 = number.format().mode(Mode::E164).to_string();
    let national = number.national().to_string();
    Ok(Phone { e164, national })
}

/// Parses an ISO 3166 alpha-2 region ("US", "gb"); `None` when unknown.
pub fn region(code: &str) -> Option<country::Id> {
    code.trim().to_ascii_uppercase().parse().ok()
}

/// Masks every digit but the last two; other characters are dropped. `"+14155552671"` → `"*********71"`.
pub fn mask(raw: &str) -> String {
    let digits: Vec<char> = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return "<none>".to_string();
    }
    let keep = if digits.len() > 4 { 2 } else { 0 };
    let mut out = String::with_capacity(digits.len());
    for (i, d) in digits.iter().enumerate() {
        out.push(if i + keep >= digits.len() { *d } else { '*' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_e164() {
        let p = normalize("+1 (415) 555-2671", country::Id::US).unwrap();
        assert_eq!(p.e164(), "+14155552671");
        assert_eq!(p.national(), "4155552671");
        let p = normalize("4155552671", country::Id::US).unwrap();
        assert_eq!(p.e164(), "+14155552671");
        let p = normalize("020 7183 8750", country::Id::GB).unwrap();
        assert_eq!(p.e164(), "+442071838750");
    }

    #[test]
    fn withheld_empty_and_invalid_are_errors() {
        for w in [
            "anonymous",
            "Restricted",
            "ANONYMOUS",
            "+266696687",
            " private ",
        ] {
            assert_eq!(
                normalize(w, country::Id::US),
                Err(PhoneError::Withheld),
                "{w}"
            );
        }
        assert_eq!(normalize("  ", country::Id::US), Err(PhoneError::Empty));
        for bad in ["12", "+1415", "hello", "+999999999999", "0000000000"] {
            assert_eq!(
                normalize(bad, country::Id::US),
                Err(PhoneError::Invalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn masks_all_but_the_last_two_digits() {
        assert_eq!(mask("+14155552671"), "*********71");
        assert_eq!(mask("1234"), "****");
        assert_eq!(mask("anonymous"), "<none>");
        assert!(!mask("+14155552671").contains("4155"));
    }

    #[test]
    fn regions_parse() {
        assert_eq!(region("us"), Some(country::Id::US));
        assert_eq!(region("XX"), None);
    }
}
