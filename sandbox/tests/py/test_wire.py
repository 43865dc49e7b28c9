"""Wire-format check of the sandbox with a non-Rust client: boto3 drives the Connect, Lex V2
(lexv2-models) and Lex V1 (lex-models) APIs of a running sandbox, proving the routes, bodies,
status codes and error shapes are AWS's own (botocore is generated from the same service models).

Run by sandbox/tests/lex_python_client.rs, which starts the sandbox, seeds an instance and sets
SANDBOX_CONNECT_URL, SANDBOX_LEXV2_URL, SANDBOX_LEXV1_URL and SANDBOX_INSTANCE_ID.
"""

import io
import json
import os
import time
import unittest
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = "arn:aws:iam::123456789012:role/LexV2BotRoleForTests"


def client(service, env):
    return boto3.client(
        service,
        endpoint_url=os.environ[env],
        region_name=REGION,
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret-test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def error_code(err):
    return err.response["Error"]["Code"]


def flow_content():
    return json.dumps(
        {
            "Version": "2019-10-30",
            "StartAction": "End",
            "Actions": [{"Identifier": "End", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}],
        }
    )


def wait_for(describe, key, want, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        got = describe()[key]
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


class LexV2(unittest.TestCase):
    def setUp(self):
        self.lex = client("lexv2-models", "SANDBOX_LEXV2_URL")

    def test_bot_to_alias_with_waiters(self):
        lex = self.lex
        bot = lex.create_bot(
            botName="pyConcierge",
            roleArn=ROLE,
            dataPrivacy={"childDirected": False},
            idleSessionTTLInSeconds=300,
        )
        bot_id = bot["botId"]
        self.assertEqual(bot["botStatus"], "Creating")
        fast = {"Delay": 1, "MaxAttempts": 20}
        lex.get_waiter("bot_available").wait(botId=bot_id, WaiterConfig=fast)
        lex.create_bot_locale(
            botId=bot_id, botVersion="DRAFT", localeId="en_US", nluIntentConfidenceThreshold=0.4,
            voiceSettings={"voiceId": "Joanna"},
        )
        lex.get_waiter("bot_locale_created").wait(botId=bot_id, botVersion="DRAFT", localeId="en_US", WaiterConfig=fast)
        for name, words in (("Yes", ["yes", "sure"]), ("No", ["no", "nope"])):
            lex.create_intent(
                botId=bot_id, botVersion="DRAFT", localeId="en_US", intentName=name,
                sampleUtterances=[{"utterance": w} for w in words],
            )
        built = lex.build_bot_locale(botId=bot_id, botVersion="DRAFT", localeId="en_US")
        self.assertEqual(built["botLocaleStatus"], "Building")
        lex.get_waiter("bot_locale_built").wait(botId=bot_id, botVersion="DRAFT", localeId="en_US", WaiterConfig=fast)
        version = lex.create_bot_version(
            botId=bot_id, botVersionLocaleSpecification={"en_US": {"sourceBotVersion": "DRAFT"}}
        )["botVersion"]
        self.assertEqual(version, "1")
        lex.get_waiter("bot_version_available").wait(botId=bot_id, botVersion="1", WaiterConfig=fast)
        alias = lex.create_bot_alias(
            botId=bot_id, botAliasName="prod", botVersion="1",
            botAliasLocaleSettings={"en_US": {"enabled": True}},
        )
        lex.get_waiter("bot_alias_available").wait(botId=bot_id, botAliasId=alias["botAliasId"], WaiterConfig=fast)
        described = lex.describe_bot_alias(botId=bot_id, botAliasId=alias["botAliasId"])
        self.assertEqual(described["botVersion"], "1")
        names = [b["botName"] for b in lex.list_bots(filters=[{"name": "BotName", "values": ["pyConcierge"], "operator": "EQ"}])["botSummaries"]]
        self.assertEqual(names, ["pyConcierge"])
        intents = lex.list_intents(botId=bot_id, botVersion="1", localeId="en_US", maxResults=2)
        self.assertEqual(len(intents["intentSummaries"]), 2)
        self.assertIn("nextToken", intents)

        with self.assertRaises(ClientError) as dup:
            lex.create_bot(botName="pyConcierge", roleArn=ROLE, dataPrivacy={"childDirected": False}, idleSessionTTLInSeconds=300)
        self.assertEqual(error_code(dup.exception), "ConflictException")
        self.assertEqual(dup.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        with self.assertRaises(ClientError) as missing:
            lex.describe_bot(botId="ZZZZZZZZZZ")
        self.assertEqual(error_code(missing.exception), "ResourceNotFoundException")
        with self.assertRaises(ClientError) as in_use:
            lex.delete_bot(botId=bot_id)
        self.assertEqual(error_code(in_use.exception), "PreconditionFailedException")

        lex.delete_bot_alias(botId=bot_id, botAliasId=alias["botAliasId"])
        lex.delete_bot_version(botId=bot_id, botVersion="1")
        self.assertEqual(lex.delete_bot(botId=bot_id)["botStatus"], "Deleting")


class LexV1(unittest.TestCase):
    def setUp(self):
        self.lex = client("lex-models", "SANDBOX_LEXV1_URL")

    def test_import_build_publish_and_delete_order(self):
        lex = self.lex
        doc = {
            "metadata": {"schemaVersion": "1.0", "importType": "LEX", "importFormat": "JSON"},
            "resource": {
                "name": "pyClassic", "version": "1", "locale": "en-US", "childDirected": False,
                "voiceId": "Joanna", "idleSessionTTLInSeconds": 300,
                "clarificationPrompt": {"messages": [{"contentType": "PlainText", "content": "Sorry?"}], "maxAttempts": 2},
                "abortStatement": {"messages": [{"contentType": "PlainText", "content": "Bye"}]},
                "intents": [
                    {"name": "PyYes", "version": "1", "sampleUtterances": ["yes"], "fulfillmentActivity": {"type": "ReturnIntent"}, "slots": []},
                    {"name": "PyNo", "version": "1", "sampleUtterances": ["no"], "fulfillmentActivity": {"type": "ReturnIntent"}, "slots": []},
                ],
                "slotTypes": [],
            },
        }
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("pyClassic.json", json.dumps(doc))
        started = lex.start_import(payload=buf.getvalue(), resourceType="BOT", mergeStrategy="OVERWRITE_LATEST")
        got = lex.get_import(importId=started["importId"])
        self.assertEqual(got["importStatus"], "COMPLETE", got.get("failureReason"))

        refs = []
        for name in ("PyYes", "PyNo"):
            cs = lex.get_intent(name=name, version="$LATEST")["checksum"]
            refs.append({"intentName": name, "intentVersion": lex.create_intent_version(name=name, checksum=cs)["version"]})
        latest = lex.get_bot(name="pyClassic", versionOrAlias="$LATEST")
        put = lex.put_bot(
            name="pyClassic", locale="en-US", childDirected=False, intents=refs, voiceId="Joanna",
            clarificationPrompt=latest["clarificationPrompt"], abortStatement=latest["abortStatement"],
            processBehavior="BUILD", checksum=latest["checksum"],
        )
        self.assertEqual(put["status"], "BUILDING")
        self.assertEqual(wait_for(lambda: lex.get_bot(name="pyClassic", versionOrAlias="$LATEST"), "status", "READY"), "READY")
        cs = lex.get_bot(name="pyClassic", versionOrAlias="$LATEST")["checksum"]
        self.assertEqual(lex.create_bot_version(name="pyClassic", checksum=cs)["version"], "1")
        lex.put_bot_alias(name="prod", botName="pyClassic", botVersion="1")
        self.assertEqual(lex.get_bot(name="pyClassic", versionOrAlias="prod")["version"], "1")
        self.assertEqual([a["name"] for a in lex.get_bot_aliases(botName="pyClassic")["BotAliases"]], ["prod"])
        self.assertEqual([b["version"] for b in lex.get_bot_versions(name="pyClassic")["bots"]], ["$LATEST", "1"])

        with self.assertRaises(ClientError) as stale:
            lex.put_bot_alias(name="prod", botName="pyClassic", botVersion="1", checksum="stale")
        self.assertEqual(error_code(stale.exception), "PreconditionFailedException")
        self.assertEqual(stale.exception.response["ResponseMetadata"]["HTTPStatusCode"], 412)
        with self.assertRaises(ClientError) as in_use:
            lex.delete_bot(name="pyClassic")
        self.assertEqual(error_code(in_use.exception), "ResourceInUseException")
        self.assertEqual(in_use.exception.response["referenceType"], "BotAlias")
        self.assertEqual(in_use.exception.response["exampleReference"], {"name": "prod", "version": "1"})
        with self.assertRaises(ClientError) as nf:
            lex.get_bot(name="Nobody", versionOrAlias="$LATEST")
        self.assertEqual(error_code(nf.exception), "NotFoundException")

        lex.delete_bot_alias(name="prod", botName="pyClassic")
        lex.delete_bot_version(name="pyClassic", version="1")
        lex.delete_bot(name="pyClassic")
        deadline = time.monotonic() + 10
        while True:
            try:
                lex.delete_intent(name="PyYes")
                break
            except ClientError as e:
                if error_code(e) != "ResourceInUseException" or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


class Connect(unittest.TestCase):
    def setUp(self):
        self.connect = client("connect", "SANDBOX_CONNECT_URL")
        self.instance = os.environ["SANDBOX_INSTANCE_ID"]

    def test_flows_queues_routing_profiles_and_bots(self):
        c = self.connect
        iid = self.instance
        self.assertEqual(c.describe_instance(InstanceId=iid)["Instance"]["Id"], iid)
        hours = c.list_hours_of_operations(InstanceId=iid)["HoursOfOperationSummaryList"]
        self.assertTrue(hours)
        queue = c.create_queue(InstanceId=iid, Name="PySales", HoursOfOperationId=hours[0]["Id"])
        self.assertEqual(c.describe_queue(InstanceId=iid, QueueId=queue["QueueId"])["Queue"]["Name"], "PySales")
        with self.assertRaises(ClientError) as dup:
            c.create_queue(InstanceId=iid, Name="PySales", HoursOfOperationId=hours[0]["Id"])
        self.assertEqual(error_code(dup.exception), "DuplicateResourceException")

        flow = c.create_contact_flow(InstanceId=iid, Name="pyFlow", Type="CONTACT_FLOW", Content=flow_content())
        described = c.describe_contact_flow(InstanceId=iid, ContactFlowId=flow["ContactFlowId"])["ContactFlow"]
        self.assertEqual(described["Name"], "pyFlow")
        self.assertEqual(json.loads(described["Content"])["StartAction"], "End")
        names = [f["Name"] for f in c.list_contact_flows(InstanceId=iid, ContactFlowTypes=["CONTACT_FLOW"])["ContactFlowSummaryList"]]
        self.assertIn("pyFlow", names)
        with self.assertRaises(ClientError) as bad:
            c.create_contact_flow(InstanceId=iid, Name="pyBroken", Type="CONTACT_FLOW", Content=json.dumps({"Version": "2019-10-30", "StartAction": "Nowhere", "Actions": []}))
        self.assertEqual(error_code(bad.exception), "InvalidContactFlowException")

        profile = c.create_routing_profile(
            InstanceId=iid, Name="PyProfile", Description="python", DefaultOutboundQueueId=queue["QueueId"],
            MediaConcurrencies=[{"Channel": "VOICE", "Concurrency": 1}],
        )
        c.associate_routing_profile_queues(
            InstanceId=iid, RoutingProfileId=profile["RoutingProfileId"],
            QueueConfigs=[{"QueueReference": {"QueueId": queue["QueueId"], "Channel": "VOICE"}, "Priority": 1, "Delay": 0}],
        )
        linked = c.list_routing_profile_queues(InstanceId=iid, RoutingProfileId=profile["RoutingProfileId"])
        self.assertEqual([q["QueueId"] for q in linked["RoutingProfileQueueConfigSummaryList"]], [queue["QueueId"]])
        with self.assertRaises(ClientError) as in_use:
            c.delete_queue(InstanceId=iid, QueueId=queue["QueueId"])
        self.assertEqual(error_code(in_use.exception), "ResourceInUseException")

        # A Lex V2 alias and a Lex V1 bot made through the Lex ports associate with the instance.
        lex2 = client("lexv2-models", "SANDBOX_LEXV2_URL")
        bot_id = lex2.create_bot(botName="pyAssoc", roleArn=ROLE, dataPrivacy={"childDirected": False}, idleSessionTTLInSeconds=300)["botId"]
        alias_arn = f"arn:aws:lex:{REGION}:{ACCOUNT}:bot-alias/{bot_id}/TSTALIASID"
        c.associate_bot(InstanceId=iid, LexV2Bot={"AliasArn": alias_arn})
        v2 = c.list_bots(InstanceId=iid, LexVersion="V2")["LexBots"]
        self.assertIn(alias_arn, [b["LexV2Bot"]["AliasArn"] for b in v2])
        lex1 = client("lex-models", "SANDBOX_LEXV1_URL")
        lex1.put_bot(name="pyAssocClassic", locale="en-US", childDirected=False, processBehavior="SAVE")
        c.associate_lex_bot(InstanceId=iid, LexBot={"Name": "pyAssocClassic", "LexRegion": REGION})
        v1 = c.list_lex_bots(InstanceId=iid)["LexBots"]
        self.assertIn("pyAssocClassic", [b["Name"] for b in v1])


if __name__ == "__main__":
    unittest.main(verbosity=2)
