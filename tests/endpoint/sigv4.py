"""SigV4 verification of API requests, with botocore computing signatures.

authenticate() does every check AWS makes before it looks at a request
(Authorization syntax, credential scope, key, session token, expiry,
signature, clock skew) and answers with the Identity that signed it.  The
same code serves every signed service (kms, sts, organizations, cloudhsm);
errors come in the protocol of the service the request was meant for.
"""

import datetime
import hmac
import re
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials

import common
import fixtures
import state
from common import auth_error

SIGV4_TIME_FORMAT = "%Y%m%dT%H%M%SZ"


class Identity:
    """Who signed an accepted request."""

    def __init__(self, account, access_key_id, arn, user_id, region, service,
                 temporary=False):
        self.account = account
        self.access_key_id = access_key_id
        self.arn = arn
        self.user_id = user_id
        self.region = region
        self.service = service
        self.temporary = temporary


class SigV4Verifier(botocore.auth.SigV4Auth):
    """botocore's signer, told exactly which received headers were signed.

    botocore normally signs every header it has (minus a blacklist); to
    verify a received request we must instead use the client's
    SignedHeaders list with the values as they arrived.
    """

    def __init__(self, credentials, service, region, signed_headers):
        super().__init__(credentials, service, region)
        self._signed = signed_headers

    def headers_to_sign(self, request):
        return self._signed


def compute_signature(secret, service, region, amz_date, method, host, path,
                      signed_names, received_headers, body):
    """The signature botocore would produce for this request."""
    signed = botocore.awsrequest.HTTPHeaders()
    for name in signed_names:
        for value in received_headers.get_all(name) or []:
            signed[name] = value
    # Query parameters are decoded and re-encoded the SigV4 way, as AWS
    # does, whatever escaping the client used on the wire.
    # (partition, not urlsplit: a path like //x// is not a netloc here)
    path_only, _, query = path.partition("?")
    request = botocore.awsrequest.AWSRequest(
        method=method, url="http://%s%s" % (host, path_only), data=body,
        params=urllib.parse.parse_qsl(query, keep_blank_values=True))
    request.context["timestamp"] = amz_date
    creds = botocore.credentials.Credentials("unused", secret)
    signer = SigV4Verifier(creds, service, region, signed)
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)


def parse_authorization(value, service):
    """Split an AWS4-HMAC-SHA256 Authorization header into its parts."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise auth_error(service, "incomplete",
                         "Unsupported AWS 'algorithm': '%s'" % algorithm)
    fields = {}
    for part in rest.split(","):
        key, _, val = part.strip().partition("=")
        if key:
            fields[key] = val.strip()
    missing = [p for p in ("Credential", "Signature", "SignedHeaders")
               if not fields.get(p)]
    if missing:
        raise auth_error(service, "incomplete", " ".join(
            "Authorization header requires '%s' parameter." % p
            for p in missing))
    return fields


def format_sigv4(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime(SIGV4_TIME_FORMAT)


def scope_service(headers):
    """The service named in the Authorization credential scope, if any."""
    match = re.search(r"Credential=[^/,\s]*/[^/,\s]*/[^/,\s]*/([^/,\s]*)/",
                      headers.get("Authorization") or "")
    return match.group(1) if match else None


def guess_service(headers, body, query):
    """Which service a request is meant for, judged by its shape.

    JSON requests name their service in the X-Amz-Target prefix (an
    unknown prefix falls back to the scope's JSON service, else kms); a
    form body is STS.  Used to pick the error shape before (and
    independently of) the credential scope, and to detect a scope for the
    wrong service.
    """
    target = headers.get("X-Amz-Target")
    if target:
        prefix = target.split(".", 1)[0]
        if prefix in common.JSON_TARGET_PREFIXES:
            return common.JSON_TARGET_PREFIXES[prefix]
        scoped = scope_service(headers)
        return scoped if scoped in common.JSON_SERVICES else "kms"
    ctype = headers.get("Content-Type", "")
    if ("x-www-form-urlencoded" in ctype or body.startswith(b"Action=")
            or "Action=" in query):
        return "sts"
    return "kms"


def static_identity(akid, region, service):
    secret, account = fixtures.STATIC_KEYS[akid]
    return secret, Identity(
        account, akid,
        "arn:aws:iam::%s:user/%s" % (account, fixtures.IAM_USER_NAME),
        ("AIDA" + "CKSTEST" + account)[:21], region, service)


def temporary_identity(akid, token, region, service, now):
    with state.STATE.lock:
        cred = state.STATE.temp_creds.get(akid)
    if cred is None:
        raise auth_error(service, "unknown_key", common.MSG_BAD_TOKEN)
    if not token or not hmac.compare_digest(token.encode(),
                                            cred["token"].encode()):
        raise auth_error(service, "unknown_key", common.MSG_BAD_TOKEN)
    if now >= cred["expiration"]:
        raise auth_error(service, "expired_token", common.MSG_EXPIRED_TOKEN)
    return cred["secret"], Identity(cred["account"], akid, cred["arn"],
                                    cred["user_id"], region, service,
                                    temporary=True)


def check_scope(fields, headers, service):
    """(akid, region, amz_date, request time, signed header names) of a
    well-formed Authorization whose scope is for `service`."""
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or not scope[0]:
        raise auth_error(service, "incomplete",
                         "Credential should be scoped to a valid region.")
    akid, scope_date, region, scoped, terminator = scope
    if terminator != "aws4_request":
        raise auth_error(service, "incomplete",
                         "Credential should be scoped with a valid "
                         "terminator: 'aws4_request', not '%s'." % terminator)
    if not re.fullmatch(r"[a-z0-9-]{1,32}", region):
        raise auth_error(service, "incomplete",
                         "Credential should be scoped to a valid region.")
    if scoped != service:
        raise auth_error(service, "signature",
                         "Credential should be scoped to correct service: "
                         "'%s'." % service)
    amz_date = headers.get("X-Amz-Date")
    if not amz_date:
        raise auth_error(service, "incomplete",
                         "Authorization header requires existence of either "
                         "a 'X-Amz-Date' or a 'Date' header.")
    try:
        request_time = datetime.datetime.strptime(
            amz_date, SIGV4_TIME_FORMAT).replace(
                tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        raise auth_error(service, "incomplete",
                         "Date must be in ISO-8601 'basic format'. Got '%s'. "
                         "See http://en.wikipedia.org/wiki/ISO_8601"
                         % amz_date)
    if scope_date != amz_date[:8]:
        raise auth_error(service, "signature",
                         "Date in Credential scope does not match YYYYMMDD "
                         "from ISO-8601 version of date from HTTP: '%s' != "
                         "'%s', from '%s'." % (scope_date, amz_date[:8],
                                               amz_date))
    signed_names = [n.strip().lower()
                    for n in fields["SignedHeaders"].split(";")]
    if "host" not in signed_names:
        raise auth_error(service, "signature",
                         "'Host' or ':authority' must be a 'SignedHeader' in "
                         "the AWS Authorization.")
    return akid, region, amz_date, request_time, signed_names


def authenticate(handler, body, service):
    """Check the request's SigV4 signature; return its Identity.

    Raises ApiError (in `service`'s shape) for every way AWS rejects a
    request before looking at it: no or garbled Authorization, a scope for
    another service or date, unknown or expired keys, a missing or wrong
    session token, a wrong signature and a timestamp more than five minutes
    off the server clock.
    """
    headers = handler.headers
    value = headers.get("Authorization")
    if not value:
        raise auth_error(service, "missing",
                         "Request is missing Authentication Token"
                         if service == "sts" else
                         "Missing Authentication Token")
    fields = parse_authorization(value, service)
    akid, region, amz_date, request_time, signed_names = check_scope(
        fields, headers, service)

    token = headers.get("X-Amz-Security-Token")
    now = state.STATE.now()
    if akid in fixtures.STATIC_KEYS:
        if token:
            raise auth_error(service, "unknown_key", common.MSG_BAD_TOKEN)
        secret, ident = static_identity(akid, region, service)
    else:
        secret, ident = temporary_identity(akid, token, region, service, now)

    expected = compute_signature(
        secret, service, region, amz_date, handler.command,
        headers.get("Host", ""), handler.path, signed_names, headers, body)
    if not hmac.compare_digest(expected.encode(),
                               fields["Signature"].encode()):
        raise auth_error(service, "signature", common.MSG_BAD_SIGNATURE)

    skew = fixtures.MAX_CLOCK_SKEW_SECONDS
    if request_time < now - skew:
        raise auth_error(service, "signature",
                         "Signature expired: %s is now earlier than %s "
                         "(%s - 5 min.)" % (amz_date, format_sigv4(now - skew),
                                            format_sigv4(now)))
    if request_time > now + skew:
        raise auth_error(service, "signature",
                         "Signature not yet current: %s is still later than "
                         "%s (%s + 5 min.)" % (amz_date,
                                               format_sigv4(now + skew),
                                               format_sigv4(now)))
    return ident
