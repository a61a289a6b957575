"""STS (Query protocol, XML): AssumeRole, GetCallerIdentity and the
unsigned AssumeRoleWithWebIdentity.  Credentials it issues are identities
of the endpoint: the other services accept them until they expire."""

import base64
import hashlib
import hmac
import json
import re
import xml.etree.ElementTree as ET

import fixtures
import state
from common import STS_ERRORS, ApiError, iso8601

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_VERSION = "2011-06-15"
ET.register_namespace("", STS_NS)


def sts_xml(name, result_fields, request_id):
    """<NameResponse><NameResult>...</NameResult><ResponseMetadata>... in
    AWS's namespace and indentation.  result_fields is a list of
    (tag, text-or-list) pairs; a list nests."""
    root = ET.Element("{%s}%sResponse" % (STS_NS, name))
    result = ET.SubElement(root, "{%s}%sResult" % (STS_NS, name))

    def add(parent, items):
        for tag, value in items:
            child = ET.SubElement(parent, "{%s}%s" % (STS_NS, tag))
            if isinstance(value, list):
                add(child, value)
            else:
                child.text = value

    add(result, result_fields)
    meta = ET.SubElement(root, "{%s}ResponseMetadata" % STS_NS)
    ET.SubElement(meta, "{%s}RequestId" % STS_NS).text = request_id
    ET.indent(root, "  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def sts_error_xml(code, message, request_id):
    status, err_type = STS_ERRORS.get(code, (400, "Sender"))
    root = ET.Element("{%s}ErrorResponse" % STS_NS)
    err = ET.SubElement(root, "{%s}Error" % STS_NS)
    ET.SubElement(err, "{%s}Type" % STS_NS).text = err_type
    ET.SubElement(err, "{%s}Code" % STS_NS).text = code
    ET.SubElement(err, "{%s}Message" % STS_NS).text = message
    ET.SubElement(root, "{%s}RequestId" % STS_NS).text = request_id
    ET.indent(root, "  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def sts_validation(member, value, constraint):
    return ApiError("sts", "ValidationError",
                    "1 validation error detected: Value %s at '%s' failed to "
                    "satisfy constraint: %s"
                    % ("null" if value is None else "'%s'" % value, member,
                       constraint))


def check_sts_string(form, key, member, min_len, max_len, pattern):
    value = form.get(key)
    if value is None:
        return None
    if len(value) < min_len:
        raise sts_validation(member, value, "Member must have length greater "
                             "than or equal to %d" % min_len)
    if len(value) > max_len:
        raise sts_validation(member, value, "Member must have length less "
                             "than or equal to %d" % max_len)
    if pattern and not re.fullmatch(pattern, value):
        raise sts_validation(member, value, "Member must satisfy regular "
                             "expression pattern: %s" % pattern)
    return value


def role_id_for(role_arn):
    """A stable AROA... id for a generated role."""
    h = hashlib.sha256(role_arn.encode()).hexdigest().upper()
    return "AROA" + re.sub(r"[^A-Z2-7]", "7", h)[:17]


def lookup_role(role_arn):
    """(required external id or None, role id) of a role AssumeRole
    accepts: the fixed ROLES, and the PATTERN_ROLE_NAMES of every account
    of the configured account range; None for any other ARN."""
    role = fixtures.ROLES.get(role_arn)
    if role is not None:
        return role
    m = re.fullmatch(r"arn:aws:iam::(\d{12}):role/([\w+=,.@-]+)", role_arn)
    if (m and m.group(2) in fixtures.PATTERN_ROLE_NAMES
            and state.STATE.is_pattern_account(m.group(1))):
        return None, role_id_for(role_arn)
    return None


def check_session(form):
    session = form.get("RoleSessionName")
    if session is None:
        raise sts_validation("roleSessionName", None,
                             "Member must not be null")
    check_sts_string(form, "RoleSessionName", "roleSessionName", 2, 64,
                     r"[\w+=,.@-]*")
    return session


def check_duration(form, temporary):
    duration = fixtures.STS_DEFAULT_DURATION
    if form.get("DurationSeconds") is not None:
        try:
            duration = int(form["DurationSeconds"])
        except ValueError:
            raise ApiError("sts", "ValidationError",
                           "Value '%s' for parameter DurationSeconds is "
                           "invalid." % form["DurationSeconds"])
        if duration < fixtures.STS_MIN_DURATION:
            raise sts_validation("durationSeconds", duration,
                                 "Member must have value greater than or "
                                 "equal to %d" % fixtures.STS_MIN_DURATION)
        if duration > fixtures.STS_MAX_DURATION:
            raise sts_validation("durationSeconds", duration,
                                 "Member must have value less than or "
                                 "equal to %d" % fixtures.STS_MAX_DURATION)
        if temporary and duration > 3600:
            raise ApiError("sts", "ValidationError",
                           "The requested DurationSeconds exceeds the 1 hour "
                           "session limit for roles assumed by role "
                           "chaining.")
    return duration


def check_role_arn(form):
    role_arn = form.get("RoleArn")
    if role_arn is None:
        raise sts_validation("roleArn", None, "Member must not be null")
    check_sts_string(form, "RoleArn", "roleArn", 20, 2048, None)
    return role_arn


def issue_role_credentials(role_arn, role_id, session, duration,
                           keyless=False):
    """Credentials of the assumed role, with their expiration; the
    configured lifetimes (sts_expiry_seconds, and for keyless sources
    credential_lifetime_seconds first) replace the requested one."""
    with state.STATE.lock:
        override = state.STATE.config["sts_expiry_seconds"]
        keyless_override = state.STATE.config["credential_lifetime_seconds"]
    if keyless and keyless_override is not None:
        override = keyless_override
    role_account = role_arn.split(":")[4]
    role_name = role_arn.rsplit("/", 1)[1]
    assumed_arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (
        role_account, role_name, session)
    user_id = "%s:%s" % (role_id, session)
    akid, secret, token, expiration = state.STATE.issue_credentials(
        role_account, assumed_arn, user_id,
        override if override is not None else duration)
    return akid, secret, token, expiration, assumed_arn, user_id


def credentials_xml(akid, secret, token, expiration_text):
    return ("Credentials", [
        ("AccessKeyId", akid),
        ("SecretAccessKey", secret),
        ("SessionToken", token),
        ("Expiration", expiration_text),
    ])


def assume_role(ident, form, request_id, fault):
    role_arn = check_role_arn(form)
    session = check_session(form)
    external_id = check_sts_string(form, "ExternalId", "externalId", 2, 1224,
                                   r"[\w+=,.@:/-]*")
    duration = check_duration(form, ident.temporary)
    role = lookup_role(role_arn)
    denied = ApiError("sts", "AccessDenied",
                      "User: %s is not authorized to perform: sts:AssumeRole "
                      "on resource: %s" % (ident.arn, role_arn))
    if role is None:
        raise denied
    required_external_id, role_id = role
    if required_external_id is not None and external_id != required_external_id:
        raise denied
    akid, secret, token, expiration, assumed_arn, user_id = \
        issue_role_credentials(role_arn, role_id, session, duration)
    expiration_text = iso8601(expiration)
    if fault and fault["kind"] == "wrongtypes":
        akid, expiration_text = "", "soon"
    return sts_xml("AssumeRole", [
        credentials_xml(akid, secret, token, expiration_text),
        ("AssumedRoleUser", [
            ("AssumedRoleId", user_id),
            ("Arn", assumed_arn),
        ]),
    ], request_id)


def get_caller_identity(ident, form, request_id, fault):
    fields = [("Arn", ident.arn), ("UserId", ident.user_id),
              ("Account", ident.account)]
    if fault and fault["kind"] == "wrongtypes":
        fields = [("Arn", ident.arn), ("UserId", [("Nested", "x")])]
    return sts_xml("GetCallerIdentity", fields, request_id)


def jwt_claims(token):
    """The claims of a JWT-shaped token, or {} (the signature is not
    checked: the token is compared with the configured one)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
        return claims if isinstance(claims, dict) else {}
    except (IndexError, ValueError):
        return {}


def web_identity_role(role_arn):
    """The role id of a role that trusts the test identity provider:
    WEB_IDENTITY_ROLE_NAME in a fixed or range account; else None."""
    m = re.fullmatch(r"arn:aws:iam::(\d{12}):role/([\w+=,.@-]+)", role_arn)
    if not m or m.group(2) != fixtures.WEB_IDENTITY_ROLE_NAME:
        return None
    account = m.group(1)
    if (account in fixtures.KEYS_BY_ACCOUNT
            or state.STATE.is_pattern_account(account)):
        return role_id_for(role_arn)
    return None


def assume_role_with_web_identity(ident, form, request_id, fault):
    """Unsigned: the web identity token is the credential.  It must be
    the configured token (ctl config web_identity_token) and, if it is a
    JWT with "exp", not expired by the server clock."""
    role_arn = check_role_arn(form)
    session = check_session(form)
    duration = check_duration(form, False)
    token = form.get("WebIdentityToken")
    if token is None:
        raise sts_validation("webIdentityToken", None,
                             "Member must not be null")
    check_sts_string(form, "WebIdentityToken", "webIdentityToken", 4, 20000,
                     None)
    expected = state.STATE.setting("web_identity_token")
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiError("sts", "InvalidIdentityToken",
                       "The ID Token provided is not a valid JWT. (You may "
                       "see this error if you sent an Access Token)")
    claims = jwt_claims(token)
    now = state.STATE.now()
    if isinstance(claims.get("exp"), (int, float)) and claims["exp"] <= now:
        raise ApiError("sts", "ExpiredTokenException",
                       "Token expired: current date/time %d must be before "
                       "the expiration date/time %d" % (now, claims["exp"]))
    role_id = web_identity_role(role_arn)
    if role_id is None:
        raise ApiError("sts", "AccessDenied",
                       "Not authorized to perform "
                       "sts:AssumeRoleWithWebIdentity")
    akid, secret, token_out, expiration, assumed_arn, user_id = \
        issue_role_credentials(role_arn, role_id, session, duration,
                               keyless=True)
    subject = str(claims.get("sub", fixtures.WEB_IDENTITY_SUBJECT))
    return sts_xml("AssumeRoleWithWebIdentity", [
        credentials_xml(akid, secret, token_out, iso8601(expiration)),
        ("SubjectFromWebIdentityToken", subject),
        ("AssumedRoleUser", [
            ("AssumedRoleId", user_id),
            ("Arn", assumed_arn),
        ]),
        ("Provider", str(claims.get("iss", fixtures.WEB_IDENTITY_ISSUER))
         .replace("https://", "")),
        ("Audience", str(claims.get("aud", fixtures.WEB_IDENTITY_AUDIENCE))),
    ], request_id)


ACTIONS = {
    "AssumeRole": assume_role,
    "GetCallerIdentity": get_caller_identity,
    "AssumeRoleWithWebIdentity": assume_role_with_web_identity,
}
# Actions AWS serves without a signature.
UNSIGNED_ACTIONS = frozenset({"AssumeRoleWithWebIdentity"})
