"""Shared vocabulary of the local AWS endpoint: errors and their wire shapes.

Every service module raises ApiError; the HTTP layer (kms_endpoint.py)
renders it in the shape the service uses on the wire.  The tables say, per
error code, which HTTP status, JSON `__type` namespace and message member
AWS sends, because AWS is not uniform and clients must cope with that.
"""

import datetime
import json
import re

# Services that speak JSON 1.1 (X-Amz-Target) and the target prefix of each.
JSON_TARGET_PREFIXES = {
    "TrentService": "kms",
    "AWSOrganizationsV20161128": "organizations",
    "BaldrApiService": "cloudhsm",
    "GraniteServiceVersion20100801": "monitoring",
}
JSON_SERVICES = frozenset(JSON_TARGET_PREFIXES.values())
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
# CloudWatch speaks AWS JSON 1.0 (same shapes, another content type).
JSON_1_0_SERVICES = frozenset(("monitoring",))
JSON_1_0_CONTENT_TYPE = "application/x-amz-json-1.0"

# Coral-level errors (authentication, throttling, serialization): the same
# shapes in front of every JSON service.  code -> (status, namespace, member)
CORAL_ERRORS = {
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
}

# Modeled errors of each JSON service.
SERVICE_ERRORS = {
    "kms": {
        "KMSInternalException": (500, "com.amazonaws.kms", "message"),
        "CustomKeyStoreNotFoundException": (400, "com.amazonaws.kms",
                                            "message"),
        "InvalidMarkerException": (400, "com.amazonaws.kms", "message"),
        "NotFoundException": (400, "com.amazonaws.kms", "message"),
        "InvalidArnException": (400, "com.amazonaws.kms", "message"),
    },
    # Organizations and CloudHSM name their modeled errors without a
    # namespace and use "Message".
    "organizations": {
        "AccessDeniedException": (400, None, "Message"),
        "AWSOrganizationsNotInUseException": (400, None, "Message"),
        "InvalidInputException": (400, None, "Message"),
        "TooManyRequestsException": (400, None, "Message"),
        "ServiceException": (500, None, "Message"),
    },
    "cloudhsm": {
        "CloudHsmAccessDeniedException": (400, None, "Message"),
        "CloudHsmInternalFailureException": (500, None, "Message"),
        "CloudHsmInvalidRequestException": (400, None, "Message"),
        "CloudHsmResourceNotFoundException": (400, None, "Message"),
        "CloudHsmServiceException": (400, None, "Message"),
    },
    # CloudWatch (awsQueryCompatible): namespaced codes, "message"
    "monitoring": {
        "InvalidParameterValueException": (400, "com.amazonaws.cloudwatch",
                                           "message"),
        "InvalidParameterCombinationException":
            (400, "com.amazonaws.cloudwatch", "message"),
        "InternalServiceFault": (500, "com.amazonaws.cloudwatch", "message"),
    },
}

# The fallback code for an injected 5xx, per JSON service.
INTERNAL_ERROR = {"kms": "KMSInternalException",
                  "organizations": "ServiceException",
                  "cloudhsm": "CloudHsmInternalFailureException",
                  "monitoring": "InternalServiceFault"}

# STS (Query protocol) error code -> (HTTP status, Type).  These are the
# codes real STS uses, which differ from KMS's for the same problem.
STS_ERRORS = {
    "MissingAuthenticationToken": (403, "Sender"),
    "IncompleteSignature": (400, "Sender"),
    "InvalidClientTokenId": (403, "Sender"),
    "SignatureDoesNotMatch": (403, "Sender"),
    "ExpiredToken": (400, "Sender"),
    "ExpiredTokenException": (400, "Sender"),
    "AccessDenied": (403, "Sender"),
    "ValidationError": (400, "Sender"),
    "MissingAction": (400, "Sender"),
    "InvalidAction": (400, "Sender"),
    "InvalidIdentityToken": (400, "Sender"),
    "Throttling": (400, "Sender"),
    "InternalFailure": (500, "Receiver"),
    "ServiceUnavailable": (503, "Receiver"),
}

# The same authentication failure, named per protocol (JSON, Query).
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


class ApiError(Exception):
    """An AWS error to send back; rendered in the shape of `service`."""

    def __init__(self, service, code, message, status=None, extra=None):
        super().__init__(message)
        self.service = service
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra or {}     # further members (e.g. Reason)


def json_error_shape(service, code):
    """(status, namespace or None, message member) of a JSON error code.
    Codes only injected through the "status" fault are treated as modeled
    errors of the service."""
    modeled = SERVICE_ERRORS.get(service, {})
    if code in modeled:
        return modeled[code]
    if code in CORAL_ERRORS:
        return CORAL_ERRORS[code]
    if service == "kms":
        return 500, "com.amazonaws.kms", "message"
    return 500, None, "Message"


def json_error_body(err):
    """The JSON error document of err: {"__type": ..., message member}."""
    _, namespace, member = json_error_shape(err.service, err.code)
    shape = {"__type": (namespace + "#" + err.code) if namespace
             else err.code}
    if err.message is not None:
        shape[member] = err.message
    shape.update(err.extra)
    return to_json(shape)


def auth_error(service, kind, message):
    """The authentication error `kind` under the code `service` uses."""
    json_code, query_code = AUTH_CODES[kind]
    return ApiError(service, json_code if service in JSON_SERVICES
                    else query_code, message)


def to_json(value):
    """Serialize the way AWS does on the wire: compact, raw UTF-8."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def iso8601(t):
    return datetime.datetime.fromtimestamp(
        t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_validation(service, member, value, constraint):
    """AWS's "1 validation error detected" for a JSON service."""
    code = {"cloudhsm": "CloudHsmInvalidRequestException",
            "organizations": "InvalidInputException"}.get(
                service, "ValidationException")
    return ApiError(service, code,
                    "1 validation error detected: Value '%s' at '%s' failed "
                    "to satisfy constraint: %s" % (value, member, constraint))


def check_int(service, params, key, member, low, high, default):
    """Validate an optional integer member like the service models do."""
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(service, "SerializationException",
                       "STRING_VALUE can not be converted to an Integer"
                       if isinstance(value, str) else
                       "Cannot deserialize value as an Integer")
    if value < low:
        raise json_validation(service, member, value, "Member must have "
                              "value greater than or equal to %d" % low)
    if value > high:
        raise json_validation(service, member, value, "Member must have "
                              "value less than or equal to %d" % high)
    return value


def check_string(service, params, key, member, max_len, pattern=None):
    """Validate an optional string member like the service models do."""
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(service, "SerializationException",
                       "Start of structure or map found where not expected."
                       if isinstance(value, (dict, list)) else
                       "NUMBER_VALUE can not be converted to a String")
    if len(value) < 1:
        raise json_validation(service, member, value,
                              "Member must have length greater than or "
                              "equal to 1")
    if len(value) > max_len:
        raise json_validation(service, member, value,
                              "Member must have length less than or equal "
                              "to %d" % max_len)
    if pattern and not re.fullmatch(pattern, value):
        raise json_validation(service, member, value,
                              "Member must satisfy regular expression "
                              "pattern: %s" % pattern)
    return value


def require_object(service, params):
    if not isinstance(params, dict):
        raise ApiError(service, "SerializationException",
                       "Start of list found where not expected")
    return params
