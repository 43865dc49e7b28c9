//! E.164 normalisation through the public `phone` API: real numbers from many countries in the
//! forms callers and carriers write them, malformed input, and generated numbers of every region the
//! metadata knows.

use proptest::prelude::*;
use returns_lambdas::phone::{self, HOME_REGION, PhoneError, Region};

fn region(code: &str) -> Region {
    phone::region(code).unwrap_or_else(|| panic!("{code} is a region"))
}

/// (region the number is read in, as written, E.164, national significant number)
const NUMBERS: &[(&str, &str, &str, &str)] = &[
    // United States: caller id as Connect presents it, a typed number, and a leading 1.
    ("US", "+14155552671", "+14155552671", "4155552671"),
    ("US", "(415) 555-2671", "+14155552671", "4155552671"),
    ("US", "1 415 555 2671", "+14155552671", "4155552671"),
    ("US", "011 44 20 7183 8750", "+442071838750", "2071838750"),
    // Canada and Jamaica share +1 with the US: the region comes from the area code.
    ("US", "+1 506 234 5678", "+15062345678", "5062345678"),
    ("CA", "506-234-5678", "+15062345678", "5062345678"),
    ("US", "+1 876 523 0123", "+18765230123", "8765230123"),
    // United Kingdom: trunk prefix 0, international prefix 00.
    ("GB", "020 7183 8750", "+442071838750", "2071838750"),
    ("GB", "07400 123456", "+447400123456", "7400123456"),
    ("US", "+44 (0)20 7183 8750", "+442071838750", "2071838750"),
    ("DE", "00 44 20 7183 8750", "+442071838750", "2071838750"),
    // Germany: variable-length numbers.
    ("DE", "030 123456", "+4930123456", "30123456"),
    ("DE", "+49 151 23456789", "+4915123456789", "15123456789"),
    // France.
    ("FR", "01 23 45 67 89", "+33123456789", "123456789"),
    ("US", "+33 6 12 34 56 78", "+33612345678", "612345678"),
    // Italy keeps its leading zero in E.164.
    ("IT", "02 1234 5678", "+390212345678", "0212345678"),
    ("US", "+39 312 345 6789", "+393123456789", "3123456789"),
    // Australia.
    ("AU", "(02) 1234 5678", "+61212345678", "212345678"),
    ("US", "+61 412 345 678", "+61412345678", "412345678"),
    // Japan.
    ("JP", "03-1234-5678", "+81312345678", "312345678"),
    ("US", "+81 90-1234-5678", "+819012345678", "9012345678"),
    // Brazil: 11-digit mobiles.
    ("BR", "(11) 96123-4567", "+5511961234567", "11961234567"),
    // India.
    ("IN", "081234 56789", "+918123456789", "8123456789"),
    // South Africa.
    ("ZA", "071 123 4567", "+27711234567", "711234567"),
    // Switzerland.
    ("CH", "044 668 18 00", "+41446681800", "446681800"),
    // Mexico.
    ("MX", "200 123 4567", "+522001234567", "2001234567"),
];

#[test]
fn numbers_from_many_countries_normalise_to_e164() {
    let countries: std::collections::BTreeSet<&str> =
        NUMBERS.iter().map(|(_, _, e164, _)| &e164[..3]).collect();
    assert!(countries.len() >= 10, "{countries:?}");
    for (home, raw, e164, national) in NUMBERS {
        let p = phone::normalize(raw, region(home))
            .unwrap_or_else(|e| panic!("{raw:?} in {home}: {e}"));
        assert_eq!(p.e164(), *e164, "{raw:?} in {home}");
        assert_eq!(p.national(), *national, "{raw:?} in {home}");
        // E.164 is a fixed point, whatever the region it is read in.
        for other in ["US", "GB", "JP"] {
            let again = phone::normalize(e164, region(other)).unwrap();
            assert_eq!(again.e164(), *e164);
        }
    }
}

#[test]
fn malformed_numbers_are_invalid() {
    for bad in [
        "12",
        "+1415",
        "+1 415 555 267",   // one digit short
        "+1 415 555 26712", // one digit long
        "+1 015 555 2671",  // NANP area codes do not start with 0
        "+1 415 155 2671",  // nor exchange codes with 1
        "+999999999999",    // no such country code
        "+0 415 555 2671",  // no country code starts with 0
        "+44 20 7183 875",  // UK London number one short
        "+49 0",
        "0000000000",
        "hello",
        "phone: call me",
        "+",
        "()- ..",
        "+1 415 555 2671 +1 415 555 2671",
        "4155552671; DROP TABLE",
    ] {
        assert_eq!(
            phone::normalize(bad, HOME_REGION),
            Err(PhoneError::Invalid),
            "{bad:?}"
        );
    }
    assert_eq!(
        phone::normalize(&"1".repeat(65), HOME_REGION),
        Err(PhoneError::Invalid)
    );
    assert_eq!(phone::normalize("", HOME_REGION), Err(PhoneError::Empty));
    assert_eq!(phone::normalize(" \t", HOME_REGION), Err(PhoneError::Empty));
    assert_eq!(
        phone::normalize("Anonymous", HOME_REGION),
        Err(PhoneError::Withheld)
    );
}

#[test]
fn regions_are_iso_codes_with_a_calling_code() {
    assert_eq!(phone::region(" gb "), Some(Region::GB));
    assert_eq!(phone::region("US"), Some(HOME_REGION));
    for bad in ["XX", "ZZ", "001", "USA", "U", "", "u$", "1A"] {
        assert_eq!(phone::region(bad), None, "{bad:?}");
    }
}

/// Every region's example numbers (fixed line and mobile), the way people write them at home and
/// abroad.
fn examples() -> Vec<(Region, String)> {
    use rlibphonenumber::{PHONE_NUMBER_UTIL, PhoneNumberFormat, PhoneNumberType};
    let util = &*PHONE_NUMBER_UTIL;
    let mut out = Vec::new();
    let mut regions: Vec<Region> = util.get_supported_regions().collect();
    regions.sort_by_key(|r| r.to_string());
    for r in regions {
        for kind in [PhoneNumberType::FixedLine, PhoneNumberType::Mobile] {
            if let Ok(n) = util.get_example_number_for_type_and_region(r, kind) {
                out.push((r, util.format(&n, PhoneNumberFormat::E164).into_owned()));
                out.push((r, util.format(&n, PhoneNumberFormat::National).into_owned()));
                out.push((
                    r,
                    util.format(&n, PhoneNumberFormat::International)
                        .into_owned(),
                ));
                out.push((r, util.format(&n, PhoneNumberFormat::RFC3966).into_owned()));
            }
        }
    }
    out
}

#[test]
fn the_generated_examples_cover_the_world() {
    let regions: std::collections::BTreeSet<String> =
        examples().iter().map(|(r, _)| r.to_string()).collect();
    assert!(regions.len() > 200, "{}", regions.len());
}

/// Re-spaces a written number: every separator becomes one of the separators people type.
fn respace(written: &str, seps: &[&str]) -> String {
    let mut out = String::new();
    let mut i = 0;
    for ch in written.chars() {
        if ch == ' ' || ch == '-' {
            out.push_str(seps[i % seps.len()]);
            i += 1;
        } else {
            out.push(ch);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any region's example number, in any written form and spacing, normalises to one E.164 that
    /// is `+`, the calling code and the national number, and reads back to itself.
    #[test]
    fn written_forms_agree(
        pick in prop::sample::select(examples()),
        seps in prop::collection::vec(prop::sample::select(vec![" ", "-", ".", "", "  "]), 1..4),
    ) {
        let (home, written) = pick;
        let typed = if written.starts_with("tel:") { written.clone() } else { respace(&written, &seps) };
        let p = phone::normalize(&typed, home)
            .map_err(|e| TestCaseError::fail(format!("{typed:?} in {home}: {e}")))?;
        prop_assert!(p.e164().starts_with('+'));
        prop_assert!(p.e164()[1..].bytes().all(|b| b.is_ascii_digit()));
        prop_assert!(p.e164().len() <= 16, "E.164 has at most 15 digits: {}", p.e164());
        prop_assert!(p.e164().ends_with(p.national()));
        let again = phone::normalize(p.e164(), HOME_REGION).unwrap();
        prop_assert_eq!(again.e164(), p.e164());
        prop_assert_eq!(again.national(), p.national());
    }

    /// Junk inserted anywhere in a number never panics; whatever still normalises is well formed,
    /// and a mask shows at most the last two digits.
    #[test]
    fn mangled_numbers_never_panic(
        pick in prop::sample::select(examples()),
        cut in 0usize..20,
        junk in "[0-9a-z+#*()]{0,3}",
    ) {
        let (home, written) = pick;
        let mut s = written.clone();
        let at = s.char_indices().map(|(i, _)| i).nth(cut % written.chars().count().max(1)).unwrap_or(0);
        s.insert_str(at, &junk);
        if let Ok(p) = phone::normalize(&s, home) {
            prop_assert!(p.e164()[1..].bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(p.e164().ends_with(p.national()));
            prop_assert!(p.masked().chars().filter(char::is_ascii_digit).count() <= 2);
        }
        prop_assert!(phone::mask(&s).chars().filter(char::is_ascii_digit).count() <= 2);
    }
}
