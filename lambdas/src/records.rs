//! DynamoDB items of both tables, (de)serialised with `serde_dynamo`. Attribute names of keys and
//! TTL must equal the ones in [`crate::contract::table`] (a test checks it).

use serde::{Deserialize, Serialize};

/// returnCalls item: the caller's last queue and agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnCall {
    /// Partition key: E.164 caller number.
    #[serde(rename = "phoneNumber")]
    pub phone_number: String,
    /// Queue name.
    #[serde(rename = "customerQueueName")]
    pub queue_name: String,
    /// Queue ARN.
    #[serde(rename = "customerQueueARN")]
    pub queue_arn: String,
    /// Agent user name.
    #[serde(rename = "agentName")]
    pub agent_name: String,
    /// Agent ARN.
    #[serde(rename = "agentARN")]
    pub agent_arn: String,
    /// The contact the agent took.
    #[serde(rename = "contactId", default)]
    pub contact_id: String,
    /// When it was written (epoch seconds).
    #[serde(rename = "updatedAt", default)]
    pub updated_at: i64,
    /// TTL attribute (epoch seconds).
    #[serde(rename = "expiryTime")]
    pub expiry_time: i64,
}

/// callbacks item: one callback per number and queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    /// Partition key: E.164 callback number.
    #[serde(rename = "PhoneNumber")]
    pub phone_number: String,
    /// Sort key: queue name.
    #[serde(rename = "QueueName")]
    pub queue_name: String,
    /// Queue ARN (may be empty).
    #[serde(rename = "QueueARN", default)]
    pub queue_arn: String,
    /// The contact that requested the callback.
    #[serde(rename = "ContactId", default)]
    pub contact_id: String,
    /// The queued callback contact's id, a plain string, once the CTR has arrived.
    #[serde(
        rename = "NextContactId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_contact_id: Option<String>,
    /// PENDING / CANCELLED / COMPLETED / CANCELLED_OFFERED.
    #[serde(rename = "CallBackStatus")]
    pub status: String,
    /// When it was requested (epoch seconds).
    #[serde(rename = "createdAt", default)]
    pub created_at: i64,
    /// Last change (epoch seconds).
    #[serde(rename = "updatedAt", default)]
    pub updated_at: i64,
    /// TTL attribute (epoch seconds).
    #[serde(rename = "expiryTime")]
    pub expiry_time: i64,
}

/// Attribute names the I/O layer uses in expressions (kept next to the serde names above).
pub mod attr {
    pub use crate::contract::table::{
        CALLBACKS_PARTITION_KEY, CALLBACKS_SORT_KEY, RETURN_CALLS_KEY, TTL_ATTRIBUTE,
    };
    /// Callback status attribute.
    pub const STATUS: &str = crate::contract::CALLBACK_STATUS;
    /// Callback contact id attribute.
    pub const NEXT_CONTACT_ID: &str = crate::contract::NEXT_CONTACT_ID;
    /// Requesting contact id attribute.
    pub const CONTACT_ID: &str = "ContactId";
    /// Last change attribute.
    pub const UPDATED_AT: &str = "updatedAt";
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;
    use std::collections::HashMap;

    #[test]
    fn item_names_match_the_contract() {
        let rc = ReturnCall {
            phone_number: "+14155552671".into(),
            queue_name: "Sales".into(),
            queue_arn: "arn:q".into(),
            agent_name: "jdoe".into(),
            agent_arn: "arn:a".into(),
            contact_id: "c".into(),
            updated_at: 1,
            expiry_time: 2,
        };
        let item: HashMap<String, AttributeValue> = serde_dynamo::to_item(&rc).unwrap();
        assert!(item.contains_key(attr::RETURN_CALLS_KEY));
        assert!(matches!(item.get(attr::TTL_ATTRIBUTE), Some(AttributeValue::N(n)) if n == "2"));
        let cb = Callback {
            phone_number: "+14155552671".into(),
            queue_name: "BasicQueue".into(),
            queue_arn: String::new(),
            contact_id: "c".into(),
            next_contact_id: None,
            status: "PENDING".into(),
            created_at: 1,
            updated_at: 1,
            expiry_time: 3,
        };
        let item: HashMap<String, AttributeValue> = serde_dynamo::to_item(&cb).unwrap();
        for k in [
            attr::CALLBACKS_PARTITION_KEY,
            attr::CALLBACKS_SORT_KEY,
            attr::TTL_ATTRIBUTE,
            attr::STATUS,
            attr::CONTACT_ID,
            attr::UPDATED_AT,
        ] {
            assert!(item.contains_key(k), "{k}");
        }
        assert!(!item.contains_key(attr::NEXT_CONTACT_ID));
        let back: Callback = serde_dynamo::from_item(item).unwrap();
        assert_eq!(back, cb);
    }
}
