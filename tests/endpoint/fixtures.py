"""Fixed identities of the local KMS + STS test endpoint.

Every test (Python, shell, pg_regress) that talks to tests/endpoint/kms_endpoint.py
signs its requests with one of these keys.  They are test-only values that the
endpoint hard-codes; none of them is a real AWS credential.  Import them with

    sys.path.insert(0, "tests/endpoint"); from fixtures import *

or read them from tests/endpoint/README.md, which lists the same values.
"""

ACCOUNT_1 = "111111111111"
ACCOUNT_2 = "222222222222"
ACCOUNT_3 = "333333333333"
ACCOUNTS = (ACCOUNT_1, ACCOUNT_2, ACCOUNT_3)

# Long-term (IAM user) access keys, one per account.  The user behind each is
# arn:aws:iam::<account>:user/cks-test.
ACCESS_KEY_1 = "AKIDCKSTEST111111111"
SECRET_KEY_1 = "cks/test/secret/111111111111/AAAAAAAAAAAA"
ACCESS_KEY_2 = "AKIDCKSTEST222222222"
SECRET_KEY_2 = "cks/test/secret/222222222222/BBBBBBBBBBBB"
ACCESS_KEY_3 = "AKIDCKSTEST333333333"
SECRET_KEY_3 = "cks/test/secret/333333333333/CCCCCCCCCCCC"

# Two more accounts with keys but no built-in data (an empty list in every
# region until a test loads stores with ctl.py stores): for fan-out
# benchmarks over five accounts.
ACCOUNT_4 = "444444444444"
ACCOUNT_5 = "555555555555"
EXTRA_ACCOUNTS = (ACCOUNT_4, ACCOUNT_5)
ACCESS_KEY_4 = "AKIDCKSTEST444444444"
SECRET_KEY_4 = "cks/test/secret/444444444444/DDDDDDDDDDDD"
ACCESS_KEY_5 = "AKIDCKSTEST555555555"
SECRET_KEY_5 = "cks/test/secret/555555555555/EEEEEEEEEEEE"

IAM_USER_NAME = "cks-test"

# access key id -> (secret, account); what the endpoint's signature check uses.
STATIC_KEYS = {
    ACCESS_KEY_1: (SECRET_KEY_1, ACCOUNT_1),
    ACCESS_KEY_2: (SECRET_KEY_2, ACCOUNT_2),
    ACCESS_KEY_3: (SECRET_KEY_3, ACCOUNT_3),
    ACCESS_KEY_4: (SECRET_KEY_4, ACCOUNT_4),
    ACCESS_KEY_5: (SECRET_KEY_5, ACCOUNT_5),
}

# account -> (access key id, secret), for tests that pick "the key of account X".
KEYS_BY_ACCOUNT = {account: (akid, secret)
                      for akid, (secret, account) in STATIC_KEYS.items()}

# A key id the endpoint does not know (-> UnrecognizedClientException).
UNKNOWN_ACCESS_KEY = "AKIDCKSTESTUNKNOWN00"

# Roles any of the three users may assume.  Any other role ARN -> AccessDenied.
ROLE_READER_1 = "arn:aws:iam::111111111111:role/cks-reader"
ROLE_READER_2 = "arn:aws:iam::222222222222:role/cks-reader"
ROLE_READER_EXT_3 = "arn:aws:iam::333333333333:role/cks-reader-ext"
EXTERNAL_ID_3 = "ext-id-42"

# role ARN -> (required external id or None, role id used in AssumedRoleId)
ROLES = {
    ROLE_READER_1: (None, "AROACKSTESTREADER1111"),
    ROLE_READER_2: (None, "AROACKSTESTREADER2222"),
    ROLE_READER_EXT_3: (EXTERNAL_ID_3, "AROACKSTESTREADEREXT3"),
}

# A role that does not exist on the endpoint (-> AccessDenied).
UNKNOWN_ROLE = "arn:aws:iam::222222222222:role/no-such-role"

# Regions with built-in data; any other region answers with an empty list.
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")

# The one (account, region) pair with the rich data set, and one that is empty.
RICH_ACCOUNT = ACCOUNT_1
RICH_REGION = "us-east-1"
EMPTY_ACCOUNT = ACCOUNT_2
EMPTY_REGION = "ap-southeast-2"

# Bounds the endpoint enforces, as AWS does.
STS_MIN_DURATION = 900
STS_MAX_DURATION = 43200
STS_DEFAULT_DURATION = 3600
KMS_DEFAULT_LIMIT = 100
KMS_MAX_LIMIT = 1000
MAX_CLOCK_SKEW_SECONDS = 300

# ---- many accounts (issue 12) ---------------------------------------------
# With --account-range FIRST-LAST (or ctl.py accounts FIRST LAST) every
# account id in the range exists, with generated data, and any static user
# may assume arn:aws:iam::<account>:role/<name> for these role names.
PATTERN_ROLE_NAMES = ("cks-reader", "OrganizationAccountAccessRole")
EXAMPLE_ACCOUNT_RANGE = ("100000000000", "100000000999")

# ---- Organizations --------------------------------------------------------
# The default organization: the management account and the five fixed
# accounts (plus every account of the range, when one is set), all ACTIVE.
ORG_ID = "o-ckstest0001"
ORG_MANAGEMENT_ACCOUNT = ACCOUNT_1
ORG_MAX_RESULTS = 20

# ---- keyless credentials (issue 13) ---------------------------------------
# IMDSv2 hands out credentials of this role (account 111111111111).
IMDS_ACCOUNT = ACCOUNT_1
IMDS_ROLE_NAME = "cks-instance-role"
IMDS_INSTANCE_ID = "i-0c0ffee0c0ffee000"
# The ECS credentials endpoint needs this Authorization value and hands out
# credentials of this role (account 222222222222).
ECS_AUTH_TOKEN = "cks-ecs-authorization-token-0123456789"
ECS_ROLE_ARN = "arn:aws:iam::222222222222:role/cks-task-role"
ECS_TASK_ID = "0c0ffee0c0ffee0c0ffee0c0ffee0000"
# AssumeRoleWithWebIdentity accepts this token (a JWT whose claims are
# shown below; the signature is not checked) for roles named
# WEB_IDENTITY_ROLE_NAME in any known account.
WEB_IDENTITY_ROLE_NAME = "cks-web-identity"
WEB_IDENTITY_ROLE = "arn:aws:iam::333333333333:role/cks-web-identity"
WEB_IDENTITY_SUBJECT = "system:serviceaccount:cks:fdw"
WEB_IDENTITY_ISSUER = "https://oidc.cks.example.com"
WEB_IDENTITY_AUDIENCE = "sts.amazonaws.com"


def make_jwt(claims):
    """An unsigned-looking JWT (header.claims.signature, base64url)."""
    import base64
    import json

    def b64(raw):
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    header = {"alg": "RS256", "kid": "cks-test", "typ": "JWT"}
    return ".".join([b64(json.dumps(header, sort_keys=True).encode()),
                     b64(json.dumps(claims, sort_keys=True).encode()),
                     b64(b"cks-test-signature-not-checked")])


WEB_IDENTITY_TOKEN = make_jwt({
    "aud": WEB_IDENTITY_AUDIENCE, "exp": 4102444800, "iat": 1700000000,
    "iss": WEB_IDENTITY_ISSUER, "sub": WEB_IDENTITY_SUBJECT})
# The same with "exp" in the past (-> ExpiredTokenException once configured).
WEB_IDENTITY_TOKEN_EXPIRED = make_jwt({
    "aud": WEB_IDENTITY_AUDIENCE, "exp": 1700000600, "iat": 1700000000,
    "iss": WEB_IDENTITY_ISSUER, "sub": WEB_IDENTITY_SUBJECT})
# Lifetime of IMDS and ECS credentials unless credential_lifetime_seconds
# is set (AWS hands out ~6 hours).
KEYLESS_DEFAULT_LIFETIME = 21600
IMDS_MAX_TOKEN_TTL = 21600
