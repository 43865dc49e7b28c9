//! Unit tests of the walk: dynamic text and conditions, stored phone numbers, the runner contract.
use std::time::Duration;

use super::*;

#[test]
fn dynamic_text_and_conditions() {
    assert!(condition_holds("Equals", "1", "1"));
    assert!(!condition_holds("Equals", "1", "2"));
    assert!(condition_holds("NumberLessThan", "2", "10"));
    assert!(!condition_holds("NumberLessThan", "x", "10"));
    assert_eq!(normalise("Yes, please!"), "yes please");
    assert!(e164("+12065550100") && !e164("2065550100") && !e164("+0123"));
}

#[test]
fn stored_phone_numbers_are_e164() {
    let p = json!({"InputValidation": {"PhoneNumberValidation": {"NumberFormat": "Local", "CountryCode": "US"}}});
    assert_eq!(stored_input("2065550100", &p), Ok("+12065550100".into()));
    assert_eq!(stored_input("12345", &p), Err("InvalidPhoneNumber"));
    assert_eq!(stored_input("1065550100", &p), Err("InvalidPhoneNumber"));
}

#[test]
fn the_runner_contract() {
    let event = json!({"Name": "ContactFlowEvent"});
    // `cat` echoes the event back: a JSON answer
    let v = run_lambda("cat", "arn:x", &event, Duration::from_secs(2));
    assert!(
        v.is_err(),
        "cat gets the ARN as a file argument and fails: {v:?}"
    );
    let v = run_lambda("sh -c cat", "arn:x", &event, Duration::from_secs(2)).unwrap();
    assert_eq!(v, event);
    let e = run_lambda("tail -f /dev/null", "arn:x", &event, Duration::from_secs(1));
    assert!(e.unwrap_err().contains("no answer within 1 s"));
    let e = run_lambda("false", "arn:x", &event, Duration::from_secs(1)).unwrap_err();
    assert!(e.contains("exited"), "{e}");
}
