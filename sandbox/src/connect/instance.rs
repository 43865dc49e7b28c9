//! Connect instance operations (DescribeInstance, ListInstances), tags (Tag/Untag/ListTagsForResource)
//! and StopContact.
use serde_json::{Value, json};

use super::{Instance, instance, list_query, tags_json};
use crate::core::{ApiError, Req, Resp, World};

fn instance_json(i: &Instance, with_tags: bool) -> Value {
    let mut v = json!({
        "Id": i.id,
        "Arn": i.arn,
        "IdentityManagementType": "CONNECT_MANAGED",
        "InstanceAlias": i.alias,
        "CreatedTime": i.created,
        "ServiceRole": format!("arn:aws:iam::{}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect",
            i.arn.split(':').nth(4).unwrap_or_default()),
        "InstanceStatus": "ACTIVE",
        "InboundCallsEnabled": true,
        "OutboundCallsEnabled": true,
        "InstanceAccessUrl": format!("https://{}.my.connect.aws", i.alias),
    });
    if with_tags {
        v["Tags"] = tags_json(&i.tags);
    }
    v
}

pub(super) fn describe_instance(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let i = instance(w, req.param("InstanceId"))?;
    Ok(Resp::ok(json!({ "Instance": instance_json(i, true) })))
}

pub(super) fn list_instances(w: &mut World, req: &Req) -> Result<Resp, ApiError> {
    let items = w.connect.instances.values().map(|i| instance_json(i, false)).collect();
    list_query(req, "InstanceSummaryList", items, 10, 10, "instances")
}
