"""Credential sources without keys: EC2 IMDSv2 and the ECS credentials
endpoint, served on the same port as the API (no SigV4 on these paths).

Point an SDK at them with
    AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT
    AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:PORT/v2/credentials/ID
    AWS_CONTAINER_AUTHORIZATION_TOKEN=<fixtures.ECS_AUTH_TOKEN>
Each function takes the request handler and answers
(status, body bytes, content type, extra headers, operation, account).
The credentials handed out are identities of the endpoint that expire
after credential_lifetime_seconds (ctl config), 6 hours by default.
"""

import hmac
import json

import fixtures
import state
from common import iso8601

IMDS_PREFIX = "/latest/"
ECS_PREFIXES = ("/v2/credentials", "/v1/credentials")
TEXT = "text/plain"


def is_metadata_path(method, path):
    if path.startswith(IMDS_PREFIX):
        return "imds"
    if method == "GET" and path.startswith(ECS_PREFIXES):
        return "ecs"
    return None


def lifetime():
    value = state.STATE.setting("credential_lifetime_seconds")
    return fixtures.KEYLESS_DEFAULT_LIFETIME if value is None else value


def issue(account, role_arn, session):
    role_name = role_arn.rsplit("/", 1)[1]
    arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (account, role_name, session)
    user_id = "AROACKSKEYLESS%s:%s" % (account[:7], session)
    return state.STATE.issue_credentials(account, arn, user_id, lifetime())


def text(status, body, operation, account=None, headers=()):
    return status, body.encode(), TEXT, list(headers), operation, account


def imds(handler, path):
    """IMDSv2: PUT /latest/api/token, then GETs with the token."""
    if path == "/latest/api/token":
        if handler.command != "PUT":
            return text(405, "", "GetToken")
        if handler.headers.get("X-Forwarded-For"):
            return text(403, "Forbidden", "GetToken")
        ttl_text = handler.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        try:
            ttl = int(ttl_text)
        except (TypeError, ValueError):
            return text(400, "Bad Request", "GetToken")
        if not 1 <= ttl <= fixtures.IMDS_MAX_TOKEN_TTL:
            return text(400, "Bad Request", "GetToken")
        token = state.STATE.new_imds_token(ttl)
        return text(200, token, "GetToken",
                    headers=[("X-aws-ec2-metadata-token-ttl-seconds",
                              str(ttl))])
    if handler.command != "GET":
        return text(405, "", "GetMetadata")
    token = handler.headers.get("X-aws-ec2-metadata-token")
    operation = ("GetCredentials" if path.startswith(
        "/latest/meta-data/iam/security-credentials/") else "GetMetadata")
    if path == "/latest/meta-data/iam/security-credentials/":
        operation = "GetRoleName"
    if token is None:
        if not state.STATE.setting("imds_v1_allowed"):
            return text(401, "Unauthorized", operation)
    elif not state.STATE.imds_token_valid(token):
        return text(401, "Unauthorized", operation)
    return imds_document(path, operation)


def imds_document(path, operation):
    role = state.STATE.setting("imds_role_name")
    account = fixtures.IMDS_ACCOUNT
    creds_path = "/latest/meta-data/iam/security-credentials/"
    if path == creds_path:
        return text(200, role, operation)
    if path == creds_path + role:
        akid, secret, token, expiration = issue(
            account, "arn:aws:iam::%s:role/%s" % (account, role),
            fixtures.IMDS_INSTANCE_ID)
        body = json.dumps({
            "Code": "Success",
            "LastUpdated": iso8601(state.STATE.now()),
            "Type": "AWS-HMAC",
            "AccessKeyId": akid,
            "SecretAccessKey": secret,
            "Token": token,
            "Expiration": iso8601(expiration),
        }, indent=2)
        return text(200, body, operation, account)
    simple = {
        "/latest/meta-data/instance-id": fixtures.IMDS_INSTANCE_ID,
        "/latest/meta-data/placement/region": "us-east-1",
        "/latest/meta-data/placement/availability-zone": "us-east-1a",
        "/latest/dynamic/instance-identity/document": json.dumps({
            "accountId": account, "instanceId": fixtures.IMDS_INSTANCE_ID,
            "region": "us-east-1", "availabilityZone": "us-east-1a"},
            indent=2),
    }
    if path in simple:
        return text(200, simple[path], operation)
    return text(404, "Not Found", operation)


def ecs(handler, path):
    """The ECS / EKS Pod Identity credentials endpoint: GET with
    Authorization equal to the configured token (401 without, 403 wrong)."""
    expected = state.STATE.setting("ecs_auth_token")
    given = handler.headers.get("Authorization")
    if given is None:
        return error_json(401, "Authorization header is missing")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return error_json(403, "Authorization token is not valid")
    arn = fixtures.ECS_ROLE_ARN
    account = arn.split(":")[4]
    akid, secret, token, expiration = issue(account, arn, fixtures.ECS_TASK_ID)
    body = json.dumps({
        "AccessKeyId": akid,
        "Expiration": iso8601(expiration),
        "RoleArn": arn,
        "SecretAccessKey": secret,
        "Token": token,
    })
    return 200, body.encode(), "application/json", [], "GetCredentials", \
        account


def error_json(status, message):
    body = json.dumps({"code": "AccessDenied" if status == 403
                       else "Unauthorized", "message": message})
    return status, body.encode(), "application/json", [], "GetCredentials", \
        None
