#!/usr/bin/python3
"""Endpoint tests for issue 13: IMDSv2, the ECS credentials endpoint and
AssumeRoleWithWebIdentity, each driven by botocore's own credential
provider (configured through the SDK's environment variables), whose
credentials then list key stores; tokens that go stale, credentials that
expire, and the request log that counts every fetch.

Run through test_endpoint.py (which prints "N passed, N failed") or
    /usr/bin/python3 -m unittest -v test_keyless
"""

import functools
import json
import os
import tempfile
import unittest

import botocore.config
import botocore.credentials
import botocore.session
import botocore.utils

import ctl
import fixtures as fx
import harness as h
from harness import EndpointTest, client, raw_get

CREDS_PATH = "/latest/meta-data/iam/security-credentials/"


def setUpModule():
    h.start(h.SERVICE_ARGS)


def tearDownModule():
    h.stop()


class CleanEnvironment(EndpointTest):
    """Each test sees only the AWS_* variables it sets itself."""

    def setUp(self):
        super().setUp()
        self.saved = dict(os.environ)
        for name in list(os.environ):
            if name.startswith("AWS_"):
                del os.environ[name]
        os.environ.update(AWS_CONFIG_FILE="/dev/null",
                          AWS_SHARED_CREDENTIALS_FILE="/dev/null")

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved)
        super().tearDown()

    def stores_with(self, creds, account_region=("us-east-1",)):
        kms = client("kms", region=account_region[0],
                     creds=(creds.access_key, creds.secret_key, creds.token))
        return kms.describe_custom_key_stores()["CustomKeyStores"]

    def imds_token(self, ttl=60):
        status, body, headers = raw_get(
            "/latest/api/token", "PUT",
            {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)})
        self.assertEqual(status, 200)
        self.assertEqual(headers["X-aws-ec2-metadata-token-ttl-seconds"],
                         str(ttl))
        return body.decode()


class Imds(CleanEnvironment):

    def test_botocore_instance_metadata_provider(self):
        os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = h.url()
        session = botocore.session.Session()
        creds = session.get_credentials()
        self.assertEqual(creds.method, "iam-role")
        self.assertTrue(creds.access_key.startswith("ASIA"))
        self.assertEqual(len(self.stores_with(creds)), 14)   # 111111111111
        calls = [(r["operation"], r["status"]) for r in
                 self.log(service="imds")]
        self.assertEqual(calls, [("GetToken", 200), ("GetRoleName", 200),
                                 ("GetCredentials", 200)])
        self.assertEqual(self.log(service="imds")[2]["account"],
                         fx.IMDS_ACCOUNT)
        ident = client("sts", creds=(creds.access_key, creds.secret_key,
                                     creds.token)).get_caller_identity()
        self.assertEqual(ident["Arn"], "arn:aws:sts::111111111111:"
                         "assumed-role/cks-instance-role/%s"
                         % fx.IMDS_INSTANCE_ID)

    def test_token_rules(self):
        for headers, status in (({}, 400),
                                ({"X-aws-ec2-metadata-token-ttl-seconds":
                                  "0"}, 400),
                                ({"X-aws-ec2-metadata-token-ttl-seconds":
                                  "21601"}, 400),
                                ({"X-aws-ec2-metadata-token-ttl-seconds":
                                  "60", "X-Forwarded-For": "10.0.0.1"}, 403)):
            self.assertEqual(raw_get("/latest/api/token", "PUT",
                                     headers)[0], status, headers)
        # IMDSv1 (no token) is refused unless allowed; a wrong token too
        self.assertEqual(raw_get(CREDS_PATH)[0], 401)
        self.assertEqual(raw_get(CREDS_PATH, headers={
            "X-aws-ec2-metadata-token": "forged"})[0], 401)
        token = self.imds_token(ttl=5)
        status, body, _ = raw_get(CREDS_PATH, headers={
            "X-aws-ec2-metadata-token": token})
        self.assertEqual((status, body), (200, fx.IMDS_ROLE_NAME.encode()))
        # the token goes stale after its TTL (server clock moved 6 s)
        ctl.config(clock_offset_seconds=6, url=h.url())
        self.assertEqual(raw_get(CREDS_PATH, headers={
            "X-aws-ec2-metadata-token": token})[0], 401)
        ctl.config(imds_v1_allowed=True, url=h.url())
        self.assertEqual(raw_get(CREDS_PATH)[0], 200)
        self.assertEqual(raw_get(CREDS_PATH + "other-role")[0], 404)
        statuses = [r["status"] for r in self.log(service="imds")]
        self.assertEqual(statuses, [400, 400, 400, 403, 401, 401, 200, 200,
                                    401, 200, 404])

    def test_credentials_expire_and_refresh(self):
        ctl.config(credential_lifetime_seconds=20, url=h.url())
        fetcher = botocore.utils.InstanceMetadataFetcher(
            timeout=5, num_attempts=1,
            config={"ec2_metadata_service_endpoint": h.url()})
        first = fetcher.retrieve_iam_role_credentials()
        self.assertEqual(first["role_name"], fx.IMDS_ROLE_NAME)
        doc = json.loads(raw_get(CREDS_PATH + fx.IMDS_ROLE_NAME, headers={
            "X-aws-ec2-metadata-token": self.imds_token()})[1])
        self.assertEqual((doc["Code"], doc["Type"]), ("Success", "AWS-HMAC"))
        lifetime = (botocore.utils.parse_timestamp(doc["Expiration"])
                    - botocore.utils.parse_timestamp(doc["LastUpdated"]))
        self.assertEqual(lifetime.total_seconds(), 20)
        creds = (first["access_key"], first["secret_key"], first["token"])
        client("kms", creds=creds).list_keys(Limit=1)
        ctl.config(clock_offset_seconds=25, url=h.url())
        self.assertClientError("ExpiredTokenException",
                               client("kms", creds=creds).list_keys)
        # a refresh fetches new credentials that work again
        again = fetcher.retrieve_iam_role_credentials()
        self.assertNotEqual(again["access_key"], first["access_key"])
        client("kms", creds=(again["access_key"], again["secret_key"],
                             again["token"])).list_keys(Limit=1)
        self.assertEqual(len(self.log(service="imds",
                                      operation="GetCredentials")), 3)


class Ecs(CleanEnvironment):

    def test_botocore_container_provider(self):
        os.environ.update(
            AWS_CONTAINER_CREDENTIALS_FULL_URI=h.url() + "/v2/credentials/"
            + fx.ECS_TASK_ID,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=fx.ECS_AUTH_TOKEN)
        creds = botocore.session.Session().get_credentials()
        self.assertEqual(creds.method, "container-role")
        self.assertEqual(len(self.stores_with(creds)), 3)    # 222222222222
        logged = self.log(service="ecs")
        self.assertEqual([(r["operation"], r["status"], r["account"])
                          for r in logged],
                         [("GetCredentials", 200, fx.ACCOUNT_2)])

    def test_authorization_and_document(self):
        path = "/v2/credentials/" + fx.ECS_TASK_ID
        self.assertEqual(raw_get(path)[0], 401)
        self.assertEqual(raw_get(path, headers={
            "Authorization": "wrong"})[0], 403)
        status, body, headers = raw_get(path, headers={
            "Authorization": fx.ECS_AUTH_TOKEN})
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual(sorted(doc), ["AccessKeyId", "Expiration", "RoleArn",
                                       "SecretAccessKey", "Token"])
        self.assertEqual(doc["RoleArn"], fx.ECS_ROLE_ARN)
        ctl.config(ecs_auth_token="rotated", url=h.url())
        self.assertEqual(raw_get(path, headers={
            "Authorization": fx.ECS_AUTH_TOKEN})[0], 403)
        # and the ECS fault hook: a 500 from the credentials endpoint
        ctl.fault("status500", service="ecs", url=h.url())
        self.assertEqual(raw_get(path, headers={
            "Authorization": "rotated"})[0], 500)


class WebIdentity(CleanEnvironment):

    def provider(self, token=fx.WEB_IDENTITY_TOKEN,
                 role=fx.WEB_IDENTITY_ROLE):
        f = tempfile.NamedTemporaryFile("w", delete=False,
                                        prefix="cks-web-token-")
        f.write(token)
        f.close()
        self.addCleanup(os.unlink, f.name)
        os.environ.update(AWS_WEB_IDENTITY_TOKEN_FILE=f.name,
                          AWS_ROLE_ARN=role, AWS_ROLE_SESSION_NAME="fdw")
        session = botocore.session.Session()
        # botocore's own provider; only the STS client it creates is
        # pointed at the endpoint (this botocore has no endpoint env var)
        return botocore.credentials.AssumeRoleWithWebIdentityProvider(
            load_config=lambda: {}, profile_name="default",
            client_creator=functools.partial(
                session.create_client, region_name="us-east-1",
                endpoint_url=h.url()))

    def test_botocore_web_identity_provider(self):
        creds = self.provider().load()
        frozen = creds.get_frozen_credentials()
        self.assertTrue(frozen.access_key.startswith("ASIA"))
        self.assertEqual(len(self.stores_with(frozen)), 1)    # 333333333333
        ident = client("sts", creds=frozen).get_caller_identity()
        self.assertEqual(ident["Arn"], "arn:aws:sts::333333333333:"
                         "assumed-role/cks-web-identity/fdw")
        logged = self.log(operation="AssumeRoleWithWebIdentity")
        self.assertEqual(len(logged), 1)
        self.assertEqual(logged[0]["access_key_id"], None)    # unsigned
        self.assertEqual(logged[0]["account"], fx.ACCOUNT_3)
        self.assertEqual(logged[0]["params"]["RoleArn"],
                         fx.WEB_IDENTITY_ROLE)

    def test_short_lifetime_makes_botocore_refresh(self):
        ctl.config(credential_lifetime_seconds=20, url=h.url())
        creds = self.provider().load()
        first = creds.get_frozen_credentials()
        second = creds.get_frozen_credentials()
        # 20 s is inside botocore's refresh window: every use refreshes
        self.assertNotEqual(first.access_key, second.access_key)
        self.assertEqual(len(self.log(
            operation="AssumeRoleWithWebIdentity")), 2)
        ctl.config(clock_offset_seconds=30, url=h.url())
        self.assertClientError("ExpiredTokenException",
                               client("kms", creds=first)
                               .describe_custom_key_stores)

    def test_result_and_refusals(self):
        sts = h.SESSION.create_client(
            "sts", region_name="us-east-1", endpoint_url=h.url(),
            config=botocore.config.Config(
                signature_version=botocore.UNSIGNED,
                retries={"total_max_attempts": 1}))
        result = sts.assume_role_with_web_identity(
            RoleArn=fx.WEB_IDENTITY_ROLE, RoleSessionName="fdw",
            WebIdentityToken=fx.WEB_IDENTITY_TOKEN, DurationSeconds=900)
        self.assertEqual(result["SubjectFromWebIdentityToken"],
                         fx.WEB_IDENTITY_SUBJECT)
        self.assertEqual(result["Audience"], fx.WEB_IDENTITY_AUDIENCE)
        self.assertEqual(result["AssumedRoleUser"]["Arn"],
                         "arn:aws:sts::333333333333:assumed-role/"
                         "cks-web-identity/fdw")
        self.assertClientError(
            "InvalidIdentityToken", sts.assume_role_with_web_identity,
            RoleArn=fx.WEB_IDENTITY_ROLE, RoleSessionName="fdw",
            WebIdentityToken=fx.WEB_IDENTITY_TOKEN + "x")
        self.assertClientError(
            "AccessDenied", sts.assume_role_with_web_identity,
            RoleArn=fx.ROLE_READER_1, RoleSessionName="fdw",
            WebIdentityToken=fx.WEB_IDENTITY_TOKEN)
        ctl.config(web_identity_token=fx.WEB_IDENTITY_TOKEN_EXPIRED,
                   url=h.url())
        self.assertClientError(
            "ExpiredTokenException", sts.assume_role_with_web_identity,
            RoleArn=fx.WEB_IDENTITY_ROLE, RoleSessionName="fdw",
            WebIdentityToken=fx.WEB_IDENTITY_TOKEN_EXPIRED)


class Script(CleanEnvironment):
    """/_cks/script: answer sequences for the credential sources' state
    machines (tests/suites/credentials.sh plays them against cks_fdw)."""

    def test_imds_sequence_in_order(self):
        ctl.script("imds", [401, {"status": 403, "body": "nope"}, "pass",
                            {"status": 200, "body": "not-a-role\n"}],
                   url=st.url())
        token = {"X-aws-ec2-metadata-token": "whatever"}
        self.assertEqual(raw_get(CREDS_PATH, headers=token)[:2],
                         (401, b""))
        self.assertEqual(raw_get("/latest/api/token", "PUT", {
            "X-aws-ec2-metadata-token-ttl-seconds": "60"})[:2],
            (403, b"nope"))
        # "pass": the normal answer (a token), then the scripted body
        self.assertEqual(raw_get("/latest/api/token", "PUT", {
            "X-aws-ec2-metadata-token-ttl-seconds": "60"})[0], 200)
        self.assertEqual(raw_get(CREDS_PATH, headers=token)[:2],
                         (200, b"not-a-role\n"))
        # the script is used up: normal answers again
        self.assertEqual(raw_get(CREDS_PATH, headers=token)[0], 401)
        self.assertEqual(ctl.call("GET", "/_cks/fault", url=st.url()),
                         {"faults": []})

    def test_close_and_other_services(self):
        ctl.script("ecs", ["close"], url=st.url())
        ctl.script("sts", [{"status": 500, "body": "<oops/>"}],
                   url=st.url())
        with self.assertRaises(Exception):
            raw_get("/v2/credentials/x")
        status, body, _ = raw_get(
            "/", "POST", {"Content-Type": "application/x-www-form-"
                          "urlencoded"},
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn="
            + fx.WEB_IDENTITY_ROLE + "&RoleSessionName=x&WebIdentityToken="
            + fx.WEB_IDENTITY_TOKEN)
        self.assertEqual((status, body), (500, b"<oops/>"))

    def test_bad_scripts(self):
        for body in ({"service": "kms", "answers": [401]},
                     {"service": "imds", "answers": []},
                     {"service": "imds", "answers": ["later"]},
                     {"service": "imds", "answers": [99]},
                     {"service": "imds", "answers": [True]}):
            with self.assertRaises(ctl.CtlError, msg=body):
                ctl.call("POST", "/_cks/script", body, url=st.url())
        self.assertEqual(ctl.parse_step("200:a:b"),
                         {"status": 200, "body": "a:b"})
        self.assertEqual(ctl.parse_step("hang:50"), {"hang_ms": 50})
        self.assertEqual(ctl.parse_step("403"), 403)
        self.assertEqual(ctl.parse_step("pass"), "pass")


if __name__ == "__main__":
    unittest.main()
