//! The `--instance` argument: an Amazon Connect instance id (UUID) or ARN.

use crate::error::UserError;

/// A parsed instance reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRef {
    pub id: String,
    /// Region and account, when an ARN was given.
    pub arn_parts: Option<ArnParts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnParts {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl InstanceRef {
    /// Parses `--instance`. `None` (not given) and malformed values are bad input.
    pub fn parse(value: Option<&str>) -> Result<InstanceRef, UserError> {
        let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
            return Err(UserError::new("--instance is required")
                .hint("pass --instance <id|arn> (Connect console → your instance → Instance ARN), or set instance in connect-returns.toml"));
        };
        if let Some(rest) = value.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let malformed = || {
                UserError::new(format!(
                    "--instance {value:?} is not an Amazon Connect instance ARN"
                ))
                .hint("expected arn:aws:connect:<region>:<account>:instance/<uuid>")
            };
            let [partition, service, region, account, resource] = parts[..] else {
                return Err(malformed());
            };
            let Some(id) = resource.strip_prefix("instance/") else {
                return Err(malformed());
            };
            if service != "connect"
                || region.is_empty()
                || account.len() != 12
                || !account.bytes().all(|b| b.is_ascii_digit())
                || !is_uuid(id)
            {
                return Err(malformed());
            }
            return Ok(InstanceRef {
                id: id.to_string(),
                arn_parts: Some(ArnParts {
                    partition: partition.into(),
                    region: region.into(),
                    account: account.into(),
                }),
            });
        }
        if !is_uuid(value) {
            return Err(UserError::new(format!(
                "--instance {value:?} is neither an instance id nor an ARN"
            ))
            .hint("an instance id looks like 1a2b3c4d-1234-5678-9abc-1234567890ab"));
        }
        Ok(InstanceRef {
            id: value.to_string(),
            arn_parts: None,
        })
    }

    /// Refuses an ARN of another account than the credentials' (the deploy would go into the
    /// caller's own account instead).
    pub fn check_account(&self, caller_account: &str) -> Result<(), UserError> {
        match &self.arn_parts {
            Some(parts) if parts.account != caller_account => Err(UserError::new(format!(
                "--instance belongs to account {} but the credentials are of account {caller_account}",
                parts.account
            ))
            .hint("pass the --profile (or credentials) of the instance's account, or the instance of this account")),
            _ => Ok(()),
        }
    }

    /// Refuses an ARN whose Region differs from the Region the clients use.
    pub fn check_region(&self, client_region: &str) -> Result<(), UserError> {
        match &self.arn_parts {
            Some(parts) if parts.region != client_region => Err(UserError::new(format!(
                "--instance is in {} but the AWS Region in use is {client_region}",
                parts.region
            ))
            .hint(format!("pass --region {}", parts.region))),
            _ => Ok(()),
        }
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1a2b3c4d-1234-5678-9abc-1234567890ab";

    #[test]
    fn accepts_an_id_and_an_arn() {
        assert_eq!(InstanceRef::parse(Some(ID)).unwrap().id, ID);
        let arn = format!("arn:aws:connect:eu-west-2:123456789012:instance/{ID}");
        let parsed = InstanceRef::parse(Some(&arn)).unwrap();
        assert_eq!(parsed.id, ID);
        assert_eq!(parsed.arn_parts.as_ref().unwrap().region, "eu-west-2");
        assert!(parsed.check_region("eu-west-2").is_ok());
        assert!(
            parsed.check_region("us-east-1").unwrap_err().hints[0].contains("--region eu-west-2")
        );
    }

    #[test]
    fn refuses_missing_and_malformed_values() {
        assert!(
            InstanceRef::parse(None)
                .unwrap_err()
                .message
                .contains("required")
        );
        for bad in [
            "",
            "abc",
            "1a2b3c4d",
            &format!("arn:aws:lambda:us-east-1:123456789012:instance/{ID}"),
            &format!("arn:aws:connect:us-east-1:1234:instance/{ID}"),
            "arn:aws:connect:us-east-1:123456789012:instance/nope",
            &format!("{ID}x"),
        ] {
            assert!(InstanceRef::parse(Some(bad)).is_err(), "{bad} accepted");
        }
    }
}
