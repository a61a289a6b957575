#!/usr/bin/python3
"""Local stand-in for AWS KMS (DescribeCustomKeyStores) and STS.

cks_fdw's tests never reach AWS; they point the extension's `endpoint` and
`sts_endpoint` options at this server.  It behaves like the real services on
the wire: KMS JSON 1.1 and STS Query/XML, AWS's error shapes and headers,
SigV4 signature checks done with botocore's own signer, temporary
credentials issued by AssumeRole, per-(account, region) data with opaque
pagination markers.  A control API under /_cks/ lets tests inject faults,
skew the clock, load large data sets and read a log of every API request.

    /usr/bin/python3 tests/endpoint/kms_endpoint.py --port 0 --port-file F

See tests/endpoint/README.md for the identities, the control API and ctl.py.
"""

import argparse
import base64
import datetime
import email.utils
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore.auth                                        # noqa: E402
import botocore.awsrequest                                  # noqa: E402
import botocore.credentials                                 # noqa: E402

import data                                                 # noqa: E402
import fixtures                                             # noqa: E402

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_VERSION = "2011-06-15"
ET.register_namespace("", STS_NS)

KMS_CONTENT_TYPE = "application/x-amz-json-1.1"
SIGV4_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_BODY = 1 << 20              # API bodies are tiny; refuse anything huge
MAX_CONTROL_BODY = 16 << 20

# Markers carry an HMAC so that a forged or edited marker is detected.  The
# key is fixed on purpose: the same data gives the same markers on every
# run, which keeps logged request parameters deterministic.
MARKER_KEY = b"cks-endpoint-marker-key-v1"

# KMS error code -> (HTTP status, __type namespace, message member name).
# AWS is not uniform here: coral-level errors (authentication, throttling,
# unknown operation) come from other namespaces than the modeled KMS
# errors, and some use "Message" instead of "message".  Clients must take
# the code after the last '#' and accept either member.
KMS_ERRORS = {
    "MissingAuthenticationTokenException":
        (400, "com.amazon.coral.service", "message"),
    "IncompleteSignatureException": (400, "com.amazon.coral.service", "message"),
    "UnrecognizedClientException": (400, "com.amazon.coral.service", "message"),
    "InvalidSignatureException": (400, "com.amazon.coral.service", "message"),
    "ExpiredTokenException": (400, "com.amazon.coral.service", "message"),
    "AccessDeniedException": (400, "com.amazon.coral.service", "Message"),
    "UnknownOperationException": (400, "com.amazon.coral.service", "Message"),
    "SerializationException": (400, "com.amazon.coral.service", "Message"),
    "ValidationException": (400, "com.amazon.coral.validate", "message"),
    "ThrottlingException": (400, "com.amazon.coral.availability", "message"),
    "ServiceUnavailableException":
        (503, "com.amazon.coral.availability", "message"),
    "KMSInternalException": (500, "com.amazonaws.kms", "message"),
    "CustomKeyStoreNotFoundException": (400, "com.amazonaws.kms", "message"),
    "InvalidMarkerException": (400, "com.amazonaws.kms", "message"),
}

# STS (Query protocol) error code -> (HTTP status, Type).  These are the
# codes real STS uses, which differ from KMS's for the same problem.
STS_ERRORS = {
    "MissingAuthenticationToken": (403, "Sender"),
    "IncompleteSignature": (400, "Sender"),
    "InvalidClientTokenId": (403, "Sender"),
    "SignatureDoesNotMatch": (403, "Sender"),
    "ExpiredToken": (400, "Sender"),
    "AccessDenied": (403, "Sender"),
    "ValidationError": (400, "Sender"),
    "MissingAction": (400, "Sender"),
    "InvalidAction": (400, "Sender"),
    "Throttling": (400, "Sender"),
    "InternalFailure": (500, "Receiver"),
    "ServiceUnavailable": (503, "Receiver"),
}

# The same authentication failure, named per service.
AUTH_CODES = {
    "missing": ("MissingAuthenticationTokenException",
                "MissingAuthenticationToken"),
    "incomplete": ("IncompleteSignatureException", "IncompleteSignature"),
    "unknown_key": ("UnrecognizedClientException", "InvalidClientTokenId"),
    "signature": ("InvalidSignatureException", "SignatureDoesNotMatch"),
    "expired_token": ("ExpiredTokenException", "ExpiredToken"),
}

MSG_BAD_TOKEN = "The security token included in the request is invalid."
MSG_EXPIRED_TOKEN = "The security token included in the request is expired"
MSG_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details.")

FAULT_KINDS = (
    "throttle", "status500", "status503", "status", "close", "reset", "hang",
    "malformed", "empty", "html502", "wrongtypes", "latency", "accessdenied",
    "loop_marker", "truncated_no_marker", "empty_entries", "big_error",
)

# Size of the empty_entries and big_error bodies unless the fault says.
DEFAULT_FAULT_BYTES = 8 << 20
MAX_FAULT_BYTES = 256 << 20

HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
            b"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
            b"</body>\r\n</html>\r\n")

DEFAULT_CONFIG = {
    "clock_offset_seconds": 0,
    "sts_expiry_seconds": None,
    "latency_ms": 0,
    "date_header": None,
}

# Config keys that take a string instead of a number.
STRING_CONFIG = ("date_header",)


class ApiError(Exception):
    """An AWS error to send back; rendered in the shape of `service`."""

    def __init__(self, service, code, message, status=None):
        super().__init__(message)
        self.service = service
        self.code = code
        self.message = message
        self.status = status


def kms_error_shape(code):
    """(status, namespace, message member) of a KMS error code; codes only
    injected through the "status" fault are treated as modeled KMS errors."""
    return KMS_ERRORS.get(code, (500, "com.amazonaws.kms", "message"))


def auth_error(service, kind, message):
    """The authentication error `kind` under the code `service` uses."""
    kms_code, sts_code = AUTH_CODES[kind]
    return ApiError(service, kms_code if service == "kms" else sts_code,
                    message)


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


class State:
    """Everything the request threads share, guarded by one lock.

    Data sets are immutable objects swapped in whole, so readers take the
    lock only to look one up; the log, faults, config and issued
    credentials are small and only touched under the lock.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.builtin = {key: data.DataSet(key[0], key[1], entries)
                        for key, entries in data.builtin_entries().items()}
        self.temp_creds = {}    # ASIA... -> dict, kept across resets
        self.reset()

    def reset(self):
        with self.lock:
            self.datasets = dict(self.builtin)
            self.log = []
            self.seq = 0
            self.faults = []
            self.config = dict(DEFAULT_CONFIG)

    def now(self):
        """The server clock: real time plus the configured offset."""
        return time.time() + self.config["clock_offset_seconds"]

    def dataset(self, account, region):
        with self.lock:
            ds = self.datasets.get((account, region))
        return ds if ds is not None else data.DataSet(account, region, [])

    def replace_stores(self, account, region, count, prefix):
        """Install `count` generated entries for (account, region).

        The 9-hex id prefix is derived from the arguments and re-derived
        with a salt until no other list uses it, so ids stay unique across
        every list without checking each id.
        """
        with self.lock:
            used = {ds.id_prefix for key, ds in self.datasets.items()
                    if key != (account, region)}
            used_builtin = {e["CustomKeyStoreId"][4:13]
                            for ds in self.builtin.values()
                            for e in ds.entries}
        salt = 0
        while True:
            seed = "%s/%s/%s/%d" % (account, region, prefix, salt)
            id_prefix = hashlib.sha256(seed.encode()).hexdigest()[:9]
            if id_prefix not in used and id_prefix not in used_builtin:
                break
            salt += 1
        entries = data.generated_entries(account, region, count, prefix,
                                         id_prefix)
        ds = data.DataSet(account, region, entries, id_prefix)
        with self.lock:
            self.datasets[(account, region)] = ds
        return ds

    def log_start(self, record):
        with self.lock:
            self.seq += 1
            record["seq"] = self.seq
            self.log.append(record)

    def log_update(self, record, **fields):
        with self.lock:
            record.update(fields)

    def log_snapshot(self, since=0):
        with self.lock:
            return [dict(r) for r in self.log if r["seq"] > since]

    def take_fault(self, service, operation, region, account):
        """Consume one use of the first queued fault matching the request."""
        with self.lock:
            for fault in self.faults:
                match = fault["match"]
                if (match.get("service", service) == service
                        and match.get("operation", operation) == operation
                        and match.get("region", region) == region
                        and match.get("account", account) == account):
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self.faults.remove(fault)
                    return dict(fault)
        return None


STATE = None        # the State of the running server


# --------------------------------------------------------------------------
# Markers

def encode_marker(account, region, offset):
    """An opaque marker bound to one list and position."""
    payload = "%s|%s|%d" % (account, region, offset)
    mac = hmac.new(MARKER_KEY, payload.encode(), hashlib.sha256).hexdigest()
    raw = "v1|%s|%s" % (payload, mac[:16])
    return base64.b64encode(raw.encode()).decode()


def decode_marker(marker, account, region, length):
    """The offset a marker points at, or None if it is not one of ours for
    this (account, region) or points past the end of the current list."""
    try:
        raw = base64.b64decode(marker.encode("ascii"), validate=True).decode()
        version, m_account, m_region, m_offset, mac = raw.split("|")
        offset = int(m_offset)
    except (ValueError, UnicodeError):
        return None
    if version != "v1" or not hmac.compare_digest(
            marker, encode_marker(m_account, m_region, offset)):
        return None
    if (m_account, m_region) != (account, region):
        return None
    if offset < 0 or offset > length:
        return None
    return offset


# --------------------------------------------------------------------------
# SigV4 verification (botocore computes the signature)

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


def guess_service(headers, body, query):
    """Which service a request is meant for, judged by its shape.

    Used to pick the error shape before (and independently of) the
    credential scope, and to detect a scope for the wrong service.
    """
    if headers.get("X-Amz-Target"):
        return "kms"
    ctype = headers.get("Content-Type", "")
    if ("x-www-form-urlencoded" in ctype or body.startswith(b"Action=")
            or "Action=" in query):
        return "sts"
    return "kms"


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
                         "Missing Authentication Token" if service == "kms"
                         else "Request is missing Authentication Token")
    fields = parse_authorization(value, service)
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or not scope[0]:
        raise auth_error(service, "incomplete",
                         "Credential should be scoped to a valid region.")
    akid, scope_date, region, scope_service, terminator = scope
    if terminator != "aws4_request":
        raise auth_error(service, "incomplete",
                         "Credential should be scoped with a valid "
                         "terminator: 'aws4_request', not '%s'." % terminator)
    if not re.fullmatch(r"[a-z0-9-]{1,32}", region):
        raise auth_error(service, "incomplete",
                         "Credential should be scoped to a valid region.")
    if scope_service != service:
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

    token = headers.get("X-Amz-Security-Token")
    now = STATE.now()
    if akid in fixtures.STATIC_KEYS:
        secret, account = fixtures.STATIC_KEYS[akid]
        if token:
            raise auth_error(service, "unknown_key", MSG_BAD_TOKEN)
        ident = Identity(
            account, akid,
            "arn:aws:iam::%s:user/%s" % (account, fixtures.IAM_USER_NAME),
            ("AIDA" + "CKSTEST" + account)[:21], region, service)
    else:
        with STATE.lock:
            cred = STATE.temp_creds.get(akid)
        if cred is None:
            raise auth_error(service, "unknown_key", MSG_BAD_TOKEN)
        if not token or not hmac.compare_digest(token.encode(),
                                                cred["token"].encode()):
            raise auth_error(service, "unknown_key", MSG_BAD_TOKEN)
        if now >= cred["expiration"]:
            raise auth_error(service, "expired_token", MSG_EXPIRED_TOKEN)
        secret, account = cred["secret"], cred["account"]
        ident = Identity(account, akid, cred["arn"], cred["user_id"], region,
                         service, temporary=True)

    expected = compute_signature(
        secret, scope_service, region, amz_date, handler.command,
        headers.get("Host", ""), handler.path, signed_names, headers, body)
    if not hmac.compare_digest(expected.encode(),
                               fields["Signature"].encode()):
        raise auth_error(service, "signature", MSG_BAD_SIGNATURE)

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


# --------------------------------------------------------------------------
# KMS: DescribeCustomKeyStores

def kms_validation(member, value, constraint):
    return ApiError("kms", "ValidationException",
                    "1 validation error detected: Value '%s' at '%s' failed "
                    "to satisfy constraint: %s" % (value, member, constraint))


def check_string(params, key, member, max_len, pattern=None):
    """Validate an optional string member like the KMS model does."""
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError("kms", "SerializationException",
                       "Start of structure or map found where not expected."
                       if isinstance(value, (dict, list)) else
                       "NUMBER_VALUE can not be converted to a String")
    if len(value) < 1:
        raise kms_validation(member, value,
                             "Member must have length greater than or equal "
                             "to 1")
    if len(value) > max_len:
        raise kms_validation(member, value,
                             "Member must have length less than or equal to "
                             "%d" % max_len)
    if pattern and not re.fullmatch(pattern, value):
        raise kms_validation(member, value,
                             "Member must satisfy regular expression "
                             "pattern: %s" % pattern)
    return value


def describe_custom_key_stores(ident, params, fault):
    """One DescribeCustomKeyStores answer as JSON text.

    The page is assembled from per-entry JSON cached in the DataSet, so a
    1000-entry page costs a string join, not a serialization.
    """
    if not isinstance(params, dict):
        raise ApiError("kms", "SerializationException",
                       "Start of list found where not expected")
    limit = params.get("Limit")
    if limit is None:
        limit = fixtures.KMS_DEFAULT_LIMIT
    elif isinstance(limit, bool) or not isinstance(limit, int):
        raise ApiError("kms", "SerializationException",
                       "STRING_VALUE can not be converted to an Integer"
                       if isinstance(limit, str) else
                       "Cannot deserialize value as an Integer")
    elif limit < 1:
        raise kms_validation("limit", limit, "Member must have value greater "
                             "than or equal to 1")
    elif limit > fixtures.KMS_MAX_LIMIT:
        raise kms_validation("limit", limit, "Member must have value less "
                             "than or equal to 1000")
    store_id = check_string(params, "CustomKeyStoreId", "customKeyStoreId",
                            64)
    name = check_string(params, "CustomKeyStoreName", "customKeyStoreName",
                        256)
    marker = check_string(params, "Marker", "marker", 1024,
                          "[\u0020-\u00FF]*")
    if store_id is not None and name is not None:
        raise ApiError("kms", "ValidationException",
                       "You cannot specify both CustomKeyStoreId and "
                       "CustomKeyStoreName in the same request.")
    ds = STATE.dataset(ident.account, ident.region)

    if store_id is not None or name is not None:
        index = (ds.by_id.get(store_id) if store_id is not None
                 else ds.by_name.get(name))
        if index is None:
            raise ApiError("kms", "CustomKeyStoreNotFoundException",
                           "Custom key store %s does not exist."
                           % (store_id if store_id is not None
                              else "with name '%s'" % name))
        return ('{"CustomKeyStores":[%s],"Truncated":false}'
                % ds.entry_json(index))

    offset = 0
    if marker is not None:
        offset = decode_marker(marker, ident.account, ident.region, len(ds))
        if offset is None:
            raise ApiError("kms", "InvalidMarkerException",
                           "The marker that specifies where pagination "
                           "should next begin is not valid.")
    stop = min(offset + limit, len(ds))
    page = ds.page_json(offset, stop)
    kind = fault["kind"] if fault else None
    if kind == "loop_marker":
        same = marker if marker is not None else \
            encode_marker(ident.account, ident.region, offset)
        return ('{"CustomKeyStores":[%s],"NextMarker":%s,"Truncated":true}'
                % (page, json.dumps(same)))
    if kind == "truncated_no_marker":
        return '{"CustomKeyStores":[%s],"Truncated":true}' % page
    if kind == "wrongtypes":
        return ('{"CustomKeyStores":%s,"Truncated":"%s"}'
                % (json.dumps("[" + page[:40] + "]"),
                   "true" if stop < len(ds) else "false"))
    if stop < len(ds):
        return ('{"CustomKeyStores":[%s],"NextMarker":%s,"Truncated":true}'
                % (page, json.dumps(encode_marker(ident.account, ident.region,
                                                  stop))))
    return '{"CustomKeyStores":[%s],"Truncated":false}' % page


# --------------------------------------------------------------------------
# STS: AssumeRole, GetCallerIdentity

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


def new_temporary_credentials():
    """Random ASIA key id, secret and session token shaped like AWS's."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    akid = "ASIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    secret = base64.b64encode(secrets.token_bytes(30)).decode()
    token = "IQoJb3JpZ2luX2VjE" + base64.b64encode(
        secrets.token_bytes(300)).decode()
    return akid, secret, token


def iso8601(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def assume_role(ident, form, request_id, fault):
    role_arn = form.get("RoleArn")
    if role_arn is None:
        raise sts_validation("roleArn", None, "Member must not be null")
    check_sts_string(form, "RoleArn", "roleArn", 20, 2048, None)
    session = form.get("RoleSessionName")
    if session is None:
        raise sts_validation("roleSessionName", None,
                             "Member must not be null")
    check_sts_string(form, "RoleSessionName", "roleSessionName", 2, 64,
                     r"[\w+=,.@-]*")
    external_id = check_sts_string(form, "ExternalId", "externalId", 2, 1224,
                                   r"[\w+=,.@:/-]*")
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
        if ident.temporary and duration > 3600:
            raise ApiError("sts", "ValidationError",
                           "The requested DurationSeconds exceeds the 1 hour "
                           "session limit for roles assumed by role "
                           "chaining.")
    role = fixtures.ROLES.get(role_arn)
    denied = ApiError("sts", "AccessDenied",
                      "User: %s is not authorized to perform: sts:AssumeRole "
                      "on resource: %s" % (ident.arn, role_arn))
    if role is None:
        raise denied
    required_external_id, role_id = role
    if required_external_id is not None and external_id != required_external_id:
        raise denied

    role_account = role_arn.split(":")[4]
    role_name = role_arn.rsplit("/", 1)[1]
    akid, secret, token = new_temporary_credentials()
    with STATE.lock:
        override = STATE.config["sts_expiry_seconds"]
    expiration = int(STATE.now()) + (override if override is not None
                                     else duration)
    assumed_arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (
        role_account, role_name, session)
    user_id = "%s:%s" % (role_id, session)
    with STATE.lock:
        STATE.temp_creds[akid] = {
            "secret": secret, "token": token, "account": role_account,
            "arn": assumed_arn, "user_id": user_id, "expiration": expiration,
        }
    expiration_text = iso8601(expiration)
    if fault and fault["kind"] == "wrongtypes":
        akid, expiration_text = "", "soon"
    return sts_xml("AssumeRole", [
        ("Credentials", [
            ("AccessKeyId", akid),
            ("SecretAccessKey", secret),
            ("SessionToken", token),
            ("Expiration", expiration_text),
        ]),
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


STS_ACTIONS = {
    "AssumeRole": assume_role,
    "GetCallerIdentity": get_caller_identity,
}


# --------------------------------------------------------------------------
# HTTP

class Handler(http.server.BaseHTTPRequestHandler):
    """One client connection; HTTP/1.1 keep-alive is handled by the base
    class's loop over handle_one_request."""

    protocol_version = "HTTP/1.1"
    server_version = "cks-endpoint"
    sys_version = ""

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            # TLS handshake here, in the connection's own thread, so a slow
            # or failing client never stalls the accept loop
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()
        # Responses go out in one write; without NODELAY a keep-alive
        # client could still wait for a delayed ACK between requests.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                       1)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        pass    # the request log is kept in memory, see /_cks/log

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    # ---- plumbing ---------------------------------------------------------

    def read_body(self, limit):
        """The request body (Content-Length or chunked), or None if it is
        larger than limit."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            total = 0
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n",
                                                             b""):
                        pass
                    break
                total += size
                if total > limit:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def send_raw(self, status, body, content_type, headers=()):
        """Write status line, headers and body in one call."""
        reason = self.responses.get(status, ("Unknown",))[0]
        with STATE.lock:
            date = STATE.config["date_header"]
        if date is None:
            date = email.utils.formatdate(STATE.now(), usegmt=True)
        lines = ["HTTP/1.1 %d %s" % (status, reason), "Date: " + date]
        if content_type is not None:
            lines.append("Content-Type: " + content_type)
        lines.append("Content-Length: %d" % len(body))
        lines.extend("%s: %s" % h for h in headers)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + body)
        self.wfile.flush()

    def drop_connection(self, rst):
        """End the connection without a response; with rst, abort it (RST)
        instead of closing it (FIN)."""
        self.close_connection = True
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET,
                                           socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            self.wfile.flush()
        except OSError:
            pass
        for f in (self.wfile, self.rfile):
            try:
                f.close()
            except OSError:
                pass
        try:
            self.connection.close()
        except OSError:
            pass

    def dispatch(self):
        if self.path.startswith("/_cks/"):
            self.handle_control()
        else:
            self.handle_api()

    # ---- API requests -----------------------------------------------------

    def handle_api(self):
        start = time.time()
        request_id = str(uuid.uuid4())
        body = self.read_body(MAX_BODY)
        if body is None:
            self.close_connection = True
            self.send_raw(413, b"", None, [("x-amzn-RequestId", request_id)])
            return
        query = urllib.parse.urlsplit(self.path).query
        service = guess_service(self.headers, body, query)
        record = {
            "seq": 0, "start": start, "end": None, "service": service,
            "operation": None, "params": None, "region": None,
            "account": None, "access_key_id": None,
            "connection": "%s:%d" % self.client_address[:2],
            "status": None, "error_code": None, "fault": None,
        }
        operation, params, version = self.describe_request(service, body,
                                                           query)
        record["operation"] = operation
        record["params"] = params
        STATE.log_start(record)

        fault = None
        try:
            ident = authenticate(self, body, service)
            STATE.log_update(record, region=ident.region,
                             account=ident.account,
                             access_key_id=ident.access_key_id)
            fault = STATE.take_fault(service, operation, ident.region,
                                     ident.account)
            with STATE.lock:
                latency = STATE.config["latency_ms"]
            if latency:
                time.sleep(latency / 1000.0)
            if fault:
                STATE.log_update(record, fault=fault["kind"])
                if self.apply_transport_fault(fault, service, record,
                                              request_id):
                    return
            if service == "kms":
                status, payload = self.run_kms(ident, operation, params,
                                               fault)
            else:
                status, payload = self.run_sts(ident, operation, params,
                                               version, request_id, fault)
            self.finish_api(record, request_id, service, status, payload,
                            None, fault)
        except ApiError as err:
            if err.service == "kms":
                code_status, namespace, key = kms_error_shape(err.code)
                shape = {"__type": namespace + "#" + err.code}
                if err.message is not None:
                    shape[key] = err.message
                payload = data.to_json(shape)
            else:
                code_status = STS_ERRORS.get(err.code, (400,))[0]
                payload = sts_error_xml(err.code, err.message, request_id)
            status = err.status or code_status
            self.finish_api(record, request_id, err.service, status, payload,
                            err, fault)

    def describe_request(self, service, body, query):
        """(operation, params, STS version) for the log, read before
        authentication so that rejected requests are logged too.  STS form
        fields hold no secrets; Action and Version are left out of params
        as redundant."""
        if service == "kms":
            target = self.headers.get("X-Amz-Target", "")
            operation = target.split(".", 1)[1] if "." in target else target
            try:
                params = json.loads(body.decode("utf-8")) if body else {}
            except (ValueError, UnicodeError):
                params = None
            return operation or None, params, None
        try:
            text = body.decode("utf-8") if body else query
            form = {k: v[0] for k, v in urllib.parse.parse_qs(
                text, keep_blank_values=True).items()}
        except (ValueError, UnicodeError):
            return None, None, None
        operation = form.pop("Action", None)
        version = form.pop("Version", None)
        return operation, form, version

    def run_kms(self, ident, operation, params, fault):
        target = self.headers.get("X-Amz-Target", "")
        if target != "TrentService.DescribeCustomKeyStores":
            raise ApiError("kms", "UnknownOperationException", None)
        if params is None:
            raise ApiError("kms", "SerializationException",
                           "Unexpected character found in request body")
        return 200, describe_custom_key_stores(ident, params, fault)

    def run_sts(self, ident, operation, form, version, request_id, fault):
        if form is None or operation is None:
            raise ApiError("sts", "MissingAction", "Missing Action")
        handler = STS_ACTIONS.get(operation)
        if handler is None or (version is not None and version != STS_VERSION):
            raise ApiError("sts", "InvalidAction",
                           "Could not find operation %s for version %s"
                           % (operation, version or STS_VERSION))
        return 200, handler(ident, form, request_id, fault)

    def apply_transport_fault(self, fault, service, record, request_id):
        """Faults that replace the whole answer.  Returns True if the
        request is finished (answered or connection dropped)."""
        kind = fault["kind"]
        if kind in ("close", "reset"):
            STATE.log_update(record, end=time.time())
            self.drop_connection(rst=(kind == "reset"))
            return True
        if kind == "hang":
            STATE.stop.wait(fault.get("ms", 60000) / 1000.0)
            STATE.log_update(record, end=time.time())
            self.drop_connection(rst=False)
            return True
        if kind == "latency":
            time.sleep(fault.get("ms", 1000) / 1000.0)
            return False
        err = None
        if kind == "throttle":
            err = ApiError(service, "ThrottlingException" if service == "kms"
                           else "Throttling", "Rate exceeded")
        elif kind == "status500":
            err = ApiError(service, "KMSInternalException" if service == "kms"
                           else "InternalFailure",
                           "The request processing has failed because of an "
                           "unknown error, exception or failure.")
        elif kind == "status503":
            err = ApiError(service, "ServiceUnavailableException"
                           if service == "kms" else "ServiceUnavailable",
                           "Service Unavailable")
        elif kind == "accessdenied":
            ident_arn = "arn:aws:iam::%s:user/%s" % (record["account"],
                                                     fixtures.IAM_USER_NAME)
            err = ApiError(service, "AccessDeniedException" if service == "kms"
                           else "AccessDenied",
                           "User: %s is not authorized to perform: %s:%s "
                           "because no identity-based policy allows the "
                           "%s:%s action" % (ident_arn, service,
                                             record["operation"], service,
                                             record["operation"]))
        elif kind == "status":
            status = int(fault.get("status", 500))
            code = fault.get("code") or default_code(service, status)
            message = fault.get("message") or "Injected HTTP %d" % status
            err = ApiError(service, code, message, status=status)
        if err is not None:
            raise err
        if kind == "empty":
            self.finish_api(record, request_id, service, 200, "", None, fault)
            return True
        if kind == "html502":
            STATE.log_update(record, status=502, end=time.time())
            self.send_raw(502, HTML_502, "text/html",
                          [("Server", "awselb/2.0")])
            return True
        if kind in ("empty_entries", "big_error"):
            self.send_big_body(kind, fault, record, request_id)
            return True
        return False    # malformed, wrongtypes, loop_marker, ... : later

    def send_big_body(self, kind, fault, record, request_id):
        """A well-formed answer of `bytes` bytes meant to cost the client
        memory: a 200 page of empty entries ({"CustomKeyStores":[{},{},
        ...]}, ~400x its size once parsed naively), or a 400
        ThrottlingException whose message fills the body."""
        size = fault.get("bytes", DEFAULT_FAULT_BYTES)
        if kind == "empty_entries":
            head, item, tail = b'{"CustomKeyStores":[', b"{},", b"{}]}"
            status, headers = 200, []
        else:
            head = (b'{"__type":"com.amazon.coral.availability#'
                    b'ThrottlingException","message":"')
            item, tail = b"x", b'"}'
            status = 400
            headers = [("X-Amzn-ErrorType", "ThrottlingException:http://"
                        "internal.amazon.com/coral/com.amazon.coral."
                        "availability/")]
        repeat = max(0, (size - len(head) - len(tail)) // len(item))
        body = head + item * repeat + tail
        STATE.log_update(record, status=status, end=time.time(),
                         error_code=None if status == 200
                         else "ThrottlingException")
        self.send_raw(status, body, KMS_CONTENT_TYPE,
                      [("x-amzn-RequestId", request_id)] + headers)

    def finish_api(self, record, request_id, service, status, payload, err,
                   fault):
        body = payload.encode("utf-8")
        if fault and fault["kind"] == "malformed":
            body = body[:max(1, len(body) // 2)]
        headers = [("x-amzn-RequestId", request_id)]
        if err is not None and service == "kms":
            namespace = kms_error_shape(err.code)[1]
            headers.append(("X-Amzn-ErrorType", "%s:http://internal.amazon."
                            "com/coral/%s/" % (err.code, namespace)))
        ctype = KMS_CONTENT_TYPE if service == "kms" else "text/xml"
        # Complete the log entry before the client can see the answer, so a
        # test that reads the log right after its request finds it final.
        STATE.log_update(record, status=status, end=time.time(),
                         error_code=err.code if err else None)
        self.send_raw(status, body, ctype, headers)

    # ---- control API ------------------------------------------------------

    def handle_control(self):
        host = self.client_address[0]
        body = self.read_body(MAX_CONTROL_BODY)
        if body is None:
            self.close_connection = True
            return self.send_json(413, {"error": "body too large"})
        if not (host.startswith("127.") or host == "::1"):
            return self.send_json(403, {"error": "control API is loopback "
                                                 "only"})
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        try:
            args = json.loads(body.decode("utf-8")) if body.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("body must be a JSON object")
        except (ValueError, UnicodeError) as e:
            return self.send_json(400, {"error": "bad JSON body: %s" % e})
        route = (self.command, url.path)
        handler = CONTROL_ROUTES.get(route)
        if handler is None:
            return self.send_json(404, {"error": "no such control call: %s %s"
                                                 % route})
        try:
            status, result = handler(args, query)
        except (ValueError, TypeError, KeyError) as e:
            status, result = 400, {"error": str(e)}
        self.send_json(status, result)

    def send_json(self, status, value):
        self.send_raw(status, data.to_json(value).encode("utf-8"),
                      "application/json")


def default_code(service, status):
    """An error code that fits an injected HTTP status."""
    if service == "kms":
        return {500: "KMSInternalException", 503: "ServiceUnavailableException",
                403: "AccessDeniedException"}.get(
                    status, "KMSInternalException" if status >= 500
                    else "ValidationException")
    return {500: "InternalFailure", 503: "ServiceUnavailable",
            403: "AccessDenied"}.get(
                status, "InternalFailure" if status >= 500
                else "ValidationError")


# ---- control calls: (args from JSON body, query) -> (status, result) ------

def ctl_health(args, query):
    return 200, {"ok": True}


def ctl_log(args, query):
    return 200, {"requests": STATE.log_snapshot(int(query.get("since", 0)))}


def ctl_reset(args, query):
    STATE.reset()
    return 200, {"ok": True}


def ctl_fault(args, query):
    kind = args.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError("unknown fault kind %r; one of %s"
                         % (kind, ", ".join(FAULT_KINDS)))
    match = args.get("match") or {}
    unknown = set(match) - {"service", "operation", "region", "account"}
    if unknown:
        raise ValueError("unknown match keys: %s" % ", ".join(sorted(unknown)))
    fault = {"kind": kind, "count": int(args.get("count", 1)),
             "match": dict(match)}
    for key in ("ms", "status", "bytes"):
        if args.get(key) is not None:
            fault[key] = int(args[key])
    if not 0 <= fault.get("bytes", 0) <= MAX_FAULT_BYTES:
        raise ValueError("bytes must be between 0 and %d" % MAX_FAULT_BYTES)
    for key in ("code", "message"):
        if args.get(key) is not None:
            fault[key] = str(args[key])
    if fault["count"] < 1:
        raise ValueError("count must be at least 1")
    with STATE.lock:
        STATE.faults.append(fault)
        queued = len(STATE.faults)
    return 200, {"queued": queued}


def ctl_config(args, query):
    """Change some settings; null restores a setting's default."""
    changes = {}
    for key, value in args.items():
        if key not in DEFAULT_CONFIG:
            raise ValueError("unknown config key %r" % key)
        if value is None:
            value = DEFAULT_CONFIG[key]
        elif key in STRING_CONFIG:
            if not isinstance(value, str) or not re.fullmatch(
                    r"[\x20-\x7e]{0,200}", value):
                raise ValueError("%s must be printable ASCII" % key)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("%s must be a number" % key)
        changes[key] = value
    with STATE.lock:
        STATE.config.update(changes)
        return 200, dict(STATE.config)


def ctl_get_config(args, query):
    with STATE.lock:
        return 200, dict(STATE.config)


def ctl_put_stores(args, query):
    account = str(args["account"])
    region = str(args["region"])
    count = int(args["count"])
    if not 0 <= count <= 1000000:
        raise ValueError("count must be between 0 and 1000000")
    prefix = str(args.get("prefix") or "bulk")
    ds = STATE.replace_stores(account, region, count, prefix)
    return 200, {"count": len(ds)}


def ctl_get_stores(args, query):
    ds = STATE.dataset(query["account"], query["region"])
    return 200, {"CustomKeyStores": ds.entries}


def ctl_faults(args, query):
    with STATE.lock:
        return 200, {"faults": [dict(f) for f in STATE.faults]}


CONTROL_ROUTES = {
    ("GET", "/_cks/health"): ctl_health,
    ("GET", "/_cks/log"): ctl_log,
    ("POST", "/_cks/reset"): ctl_reset,
    ("POST", "/_cks/fault"): ctl_fault,
    ("GET", "/_cks/fault"): ctl_faults,
    ("POST", "/_cks/config"): ctl_config,
    ("GET", "/_cks/config"): ctl_get_config,
    ("POST", "/_cks/stores"): ctl_put_stores,
    ("GET", "/_cks/stores"): ctl_get_stores,
}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256

    def handle_error(self, request, client_address):
        """Clients that vanish, reset or fail the TLS handshake are routine
        in fault tests; only report real bugs, one line each, on stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            return
        print("kms_endpoint: error serving %s:%d: %r"
              % (client_address[0], client_address[1], exc), file=sys.stderr,
              flush=True)


def write_port_file(path, port):
    """Publish the port atomically: readers see no file or a whole one."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    global STATE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--quiet", action="store_true",
                        help="do not print the 'listening on' line")
    opts = parser.parse_args(argv)
    if bool(opts.tls_cert) != bool(opts.tls_key):
        parser.error("--tls-cert and --tls-key go together")

    if opts.port_file and os.path.exists(opts.port_file):
        os.unlink(opts.port_file)      # never let a reader see a stale port
    STATE = State()
    server = Server((opts.host, opts.port), Handler)
    scheme = "http"
    if opts.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
        # handshake in the connection's thread, not in the accept loop
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
        scheme = "https"
    port = server.server_address[1]

    def stop(signum, frame):
        STATE.stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if opts.port_file:
        write_port_file(opts.port_file, port)
    if not opts.quiet:
        print("listening on %s://%s:%d" % (scheme, opts.host, port),
              flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if opts.port_file:
            try:
                os.unlink(opts.port_file)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
