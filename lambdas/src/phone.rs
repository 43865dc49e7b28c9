//! Phone-number handling: E.164 normalisation with `rlibphonenumber` (a port of libphonenumber with
//! its metadata), withheld-caller detection, and masking for logs (a full number never reaches a log
//! line).
//!
//! The first number a process parses pays for the metadata: `rlibphonenumber` decodes its compiled-in
//! metadata once and compiles (with regex-lite) only the patterns the number touches, about 17 M
//! instructions, where the `phonenumber` crate used before syntax-checked every pattern of every region
//! with regex-syntax (about 640 M instructions, 138 ms of CPU) on the first call. That first call
//! lands on a caller's line after every cold start, so it is measured by `cargo xtask bench lambdas`.

use rlibphonenumber::{PHONE_NUMBER_UTIL, PhoneNumberFormat};

/// A region (ISO 3166 alpha-2) numbers are read in when they have no `+`.
pub use rlibphonenumber::Region;

/// The region numbers without a `+` are read in: both solutions serve North American lines.
pub const HOME_REGION: Region = Region::US;

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
pub fn normalize(raw: &str, default_region: Region) -> Result<Phone, PhoneError> {
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
    let util = &*PHONE_NUMBER_UTIL;
    let number = util
        .parse(trimmed, Some(default_region))
        .map_err(|_| PhoneError::Invalid)?;
    if !util.is_valid_number(&number) {
        return Err(PhoneError::Invalid);
    }
    let e164 = util.format(&number, PhoneNumberFormat::E164).into_owned();
    let national = number.get_national_significant_number();
    Ok(Phone { e164, national })
}

/// Parses an ISO 3166 alpha-2 region ("US", "gb") that has a calling code; `None` otherwise.
pub fn region(code: &str) -> Option<Region> {
    let code = code.trim();
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let region: Region = code.parse().ok()?;
    PHONE_NUMBER_UTIL
        .get_country_code_for_region(region)
        .map(|_| region)
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
        let p = normalize("+1 (415) 555-2671", Region::US).unwrap();
        assert_eq!(p.e164(), "+14155552671");
        assert_eq!(p.national(), "4155552671");
        let p = normalize("4155552671", Region::US).unwrap();
        assert_eq!(p.e164(), "+14155552671");
        let p = normalize("020 7183 8750", Region::GB).unwrap();
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
            assert_eq!(normalize(w, Region::US), Err(PhoneError::Withheld), "{w}");
        }
        assert_eq!(normalize("  ", Region::US), Err(PhoneError::Empty));
        for bad in ["12", "+1415", "hello", "+999999999999", "0000000000"] {
            assert_eq!(
                normalize(bad, Region::US),
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
        assert_eq!(region("us"), Some(Region::US));
        assert_eq!(region("XX"), None);
    }
}
