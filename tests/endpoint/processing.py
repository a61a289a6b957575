"""The request processing of the local endpoint, shared by its two serving
modes (kms_endpoint.py's threaded Handler and event_loop.py's --event-loop
connections): routing, signature checks, the services, faults, the request
log and the control API, written against a small I/O interface (see
RequestProcessing) so that both modes answer byte for byte alike.
"""

import email.utils
import http.server
import json
import time
import urllib.parse
import uuid

import cloudhsm
import cloudwatch
import common
import control
import fixtures
import kms
import metadata
import organizations
import quotas
import state
import sts
import sigv4
from common import ApiError
from sigv4 import authenticate, guess_service

MAX_BODY = 1 << 20              # API bodies are tiny; refuse anything huge
MAX_CONTROL_BODY = 16 << 20
# JSON service -> {operation: handler(ident, params, fault) -> str or dict}
JSON_OPERATIONS = {
    "kms": kms.OPERATIONS,
    "organizations": organizations.OPERATIONS,
    "cloudhsm": cloudhsm.OPERATIONS,
    "monitoring": cloudwatch.OPERATIONS,
}
TARGET_PREFIX = {service: prefix for prefix, service
                 in common.JSON_TARGET_PREFIXES.items()}
# per-service delay settings, on top of latency_ms
SERVICE_LATENCY = {"kms": "kms_latency_ms", "sts": "sts_latency_ms"}

# Size of the empty_entries and big_error bodies unless the fault says.
DEFAULT_FAULT_BYTES = 8 << 20

HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
            b"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
            b"</body>\r\n</html>\r\n")


class RequestProcessing:
    """What the endpoint does with one parsed request, shared by both
    serving modes so that they answer alike.  A mode supplies the request
    (headers, path, command, client_address), close_connection, and its
    I/O: read_body(limit), send_raw(status, body, content_type, headers),
    drop_connection(rst), pause(seconds) and hang(seconds).  The threaded
    mode (Handler) does them at once, sleeping in the connection's thread;
    the event-loop mode (event_loop.py) adds the pauses up and sends the
    computed answer when they have passed."""

    responses = http.server.BaseHTTPRequestHandler.responses

    def response_bytes(self, status, body, content_type, headers=()):
        """Status line, headers and body, ready to go out in one write."""
        reason = self.responses.get(status, ("Unknown",))[0]
        with state.STATE.lock:
            date = state.STATE.config["date_header"]
        if date is None:
            date = email.utils.formatdate(state.STATE.now(), usegmt=True)
        lines = ["HTTP/1.1 %d %s" % (status, reason), "Date: " + date]
        if content_type is not None:
            lines.append("Content-Type: " + content_type)
        lines.append("Content-Length: %d" % len(body))
        lines.extend("%s: %s" % h for h in headers)
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def complete(self, record, status, body, content_type, headers=(),
                 **fields):
        """Finish the log entry, then send the answer: the entry is final
        before the client can see the answer, so a test that reads the
        log right after its request finds it complete."""
        state.STATE.log_update(record, status=status, end=time.time(),
                               **fields)
        self.send_raw(status, body, content_type, headers)

    def end_unanswered(self, record, rst):
        """Finish the log entry and drop the connection without an answer
        (FIN, or RST with rst)."""
        state.STATE.log_update(record, end=time.time())
        self.drop_connection(rst)

    def dispatch(self):
        if self.path.startswith("/_cks/"):
            self.handle_control()
            return
        path = urllib.parse.urlsplit(self.path).path
        source = metadata.is_metadata_path(self.command, path)
        if source:
            self.handle_metadata(source, path)
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
        state.STATE.log_start(record)

        fault = None
        try:
            if service == "sts" and operation in sts.UNSIGNED_ACTIONS:
                ident = self.unsigned_identity(params)
            else:
                ident = authenticate(self, body, service)
            state.STATE.log_update(record, region=ident.region,
                             account=ident.account,
                             access_key_id=ident.access_key_id)
            fault = state.STATE.take_fault(service, operation, ident.region,
                                     ident.account)
            self.apply_latency(service)
            self.enforce_quota(service, operation, ident, record)
            if fault:
                state.STATE.log_update(record, fault=fault["kind"])
                if self.apply_transport_fault(fault, service, record,
                                              request_id):
                    return
            if service == "sts":
                status, payload = self.run_sts(ident, operation, params,
                                               version, request_id, fault)
            else:
                status, payload = self.run_json(service, ident, operation,
                                                params, fault)
            self.finish_api(record, request_id, service, status, payload,
                            None, fault)
        except ApiError as err:
            if err.service == "sts":
                code_status = common.STS_ERRORS.get(err.code, (400,))[0]
                payload = sts.sts_error_xml(err.code, err.message, request_id)
            else:
                code_status = common.json_error_shape(err.service,
                                                      err.code)[0]
                payload = common.json_error_body(err)
            status = err.status or code_status
            self.finish_api(record, request_id, err.service, status, payload,
                            err, fault)

    def enforce_quota(self, service, operation, ident, record):
        """Throttle a request over its (account, region, operation)
        quota, as AWS does (quotas.py); logged with fault "quota"."""
        with state.STATE.lock:
            config = dict(state.STATE.config)
        if not quotas.admit(config, service, operation, ident.account,
                            ident.region):
            state.STATE.log_update(record, fault="quota")
            raise throttling_error(service)

    def unsigned_identity(self, form):
        """The identity of an unsigned STS call: nobody yet; logged under
        the account of the role it asks for, in us-east-1 (the global
        endpoint's region)."""
        role_arn = (form or {}).get("RoleArn") or ""
        parts = role_arn.split(":")
        account = parts[4] if len(parts) > 5 and parts[4].isdigit() else None
        return sigv4.Identity(account, None, None, None, "us-east-1", "sts")

    def apply_latency(self, service):
        with state.STATE.lock:
            latency = state.STATE.config["latency_ms"]
            setting = SERVICE_LATENCY.get(service)
            if setting:
                latency += state.STATE.config[setting]
        if latency:
            self.pause(latency / 1000.0)

    def describe_request(self, service, body, query):
        """(operation, params, STS version) for the log, read before
        authentication so that rejected requests are logged too.  STS form
        fields hold no secrets; Action and Version are left out of params
        as redundant."""
        if service != "sts":
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

    def run_json(self, service, ident, operation, params, fault):
        target = self.headers.get("X-Amz-Target", "")
        prefix, _, name = target.partition(".")
        handler = JSON_OPERATIONS[service].get(name)
        if handler is None or prefix != TARGET_PREFIX[service]:
            raise ApiError(service, "UnknownOperationException", None)
        if params is None:
            raise ApiError(service, "SerializationException",
                           "Unexpected character found in request body")
        answer = handler(ident, params, fault)
        if not isinstance(answer, str):
            answer = common.to_json(answer)
        return 200, answer

    def run_sts(self, ident, operation, form, version, request_id, fault):
        if form is None or operation is None:
            raise ApiError("sts", "MissingAction", "Missing Action")
        handler = sts.ACTIONS.get(operation)
        if handler is None or (version is not None
                               and version != sts.STS_VERSION):
            raise ApiError("sts", "InvalidAction",
                           "Could not find operation %s for version %s"
                           % (operation, version or sts.STS_VERSION))
        return 200, handler(ident, form, request_id, fault)

    def apply_transport_fault(self, fault, service, record, request_id):
        """Faults that replace the whole answer.  Returns True if the
        request is finished (answered or connection dropped)."""
        kind = fault["kind"]
        if kind in ("close", "reset"):
            self.end_unanswered(record, rst=(kind == "reset"))
            return True
        if kind == "hang":
            self.hang(fault.get("ms", 60000) / 1000.0)
            self.end_unanswered(record, rst=False)
            return True
        if kind == "latency":
            self.pause(fault.get("ms", 1000) / 1000.0)
            return False
        err = fault_error(fault, service, record)
        if err is not None:
            raise err
        if kind == "empty":
            self.finish_api(record, request_id, service, 200, "", None, fault)
            return True
        if kind == "answer":
            status = int(fault.get("status", 500))
            self.complete(record, status, fault.get("body", "").encode(
                "utf-8"), "text/xml" if service == "sts"
                else common.JSON_CONTENT_TYPE,
                [("x-amzn-RequestId", request_id)],
                error_code=None if status < 400 else str(status))
            return True
        if kind == "html502":
            self.complete(record, 502, HTML_502, "text/html",
                          [("Server", "awselb/2.0")])
            return True
        if kind in ("empty_entries", "big_error"):
            self.send_big_body(kind, fault, record, request_id)
            return True
        if kind == "empty_elements":
            self.send_empty_elements(fault, record, request_id)
            return True
        return False    # malformed, wrongtypes, padded_page, ... : later

    def send_big_body(self, kind, fault, record, request_id):
        """A well-formed answer of `bytes` bytes (8 MiB unless the fault
        says) meant to cost the client memory: a 200 page of empty entries
        ({"CustomKeyStores":[{},{},...]}, ~400x its size once parsed
        naively), or a 400 ThrottlingException whose message fills the
        body."""
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
        self.complete(record, status, body, common.JSON_CONTENT_TYPE,
                      [("x-amzn-RequestId", request_id)] + headers,
                      error_code=None if status == 200
                      else "ThrottlingException")

    def send_empty_elements(self, fault, record, request_id):
        """A 200 XML answer of `bytes` bytes (8 MiB unless the fault says):
        <OperationResponse xmlns=STS><a/><a/>...</OperationResponse>, the
        XML bomb of issue 19 (~32x its size in a naive libxml2 tree)."""
        size = fault.get("bytes", DEFAULT_FAULT_BYTES)
        name = (record.get("operation") or "AssumeRole") + "Response"
        head = ('<%s xmlns="%s">' % (name, sts.STS_NS)).encode()
        tail = ("</%s>" % name).encode()
        repeat = max(0, (size - len(head) - len(tail)) // 4)
        self.complete(record, 200, head + b"<a/>" * repeat + tail,
                      "text/xml", [("x-amzn-RequestId", request_id)])

    def finish_api(self, record, request_id, service, status, payload, err,
                   fault):
        body = payload.encode("utf-8")
        if fault and fault["kind"] == "malformed":
            body = body[:max(1, len(body) // 2)]
        if (fault and fault["kind"] == "padded_page" and err is None
                and service != "sts" and body.endswith(b"}")):
            # the real answer, grown to `bytes` by a member no client reads
            pad = max(0, fault.get("bytes", DEFAULT_FAULT_BYTES)
                      - len(body) - len(b',"CksPadding":""'))
            body = body[:-1] + b',"CksPadding":"' + b"x" * pad + b'"}'
        headers = [("x-amzn-RequestId", request_id)]
        if err is not None and service != "sts":
            namespace = (common.json_error_shape(service, err.code)[1]
                         or "com.amazonaws." + service)
            headers.append(("X-Amzn-ErrorType", "%s:http://internal.amazon."
                            "com/coral/%s/" % (err.code, namespace)))
        ctype = (common.JSON_1_0_CONTENT_TYPE
                 if service in common.JSON_1_0_SERVICES else
                 common.JSON_CONTENT_TYPE if service != "sts" else "text/xml")
        self.complete(record, status, body, ctype, headers,
                      error_code=err.code if err else None)

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
        handler = control.ROUTES.get(route)
        if handler is None:
            return self.send_json(404, {"error": "no such control call: %s %s"
                                                 % route})
        try:
            status, result = handler(args, query)
        except (ValueError, TypeError, KeyError) as e:
            status, result = 400, {"error": str(e)}
        self.send_json(status, result)

    def send_json(self, status, value):
        self.send_raw(status, common.to_json(value).encode("utf-8"),
                      "application/json")

    # ---- IMDS and ECS -----------------------------------------------------

    def handle_metadata(self, source, path):
        """IMDSv2 and ECS credential requests: logged like API requests
        (service imds or ecs) so tests can count credential fetches;
        close, reset, hang, latency and status faults apply."""
        record = {
            "seq": 0, "start": time.time(), "end": None, "service": source,
            "operation": None, "params": {"path": path}, "region": None,
            "account": None, "access_key_id": None,
            "connection": "%s:%d" % self.client_address[:2],
            "status": None, "error_code": None, "fault": None,
            # the metadata services' requests carry no body: show any
            # body framing a client sends anyway (an empty form POST body)
            "method": self.command,
            "body_headers": "+".join(
                h for h in ("Content-Length", "Content-Type",
                            "Transfer-Encoding")
                if self.headers.get(h) is not None) or "none",
        }
        if self.read_body(MAX_BODY) is None:
            self.close_connection = True
            return self.send_raw(413, b"", None)
        state.STATE.log_start(record)
        answer = (metadata.imds if source == "imds" else metadata.ecs)(
            self, path)
        status, body, ctype, headers, operation, account = answer
        state.STATE.log_update(record, operation=operation, account=account)
        fault = state.STATE.take_fault(source, operation, None, account)
        if fault:
            state.STATE.log_update(record, fault=fault["kind"])
            kind = fault["kind"]
            if kind in ("close", "reset", "hang"):
                if kind == "hang":
                    self.hang(fault.get("ms", 60000) / 1000.0)
                return self.end_unanswered(record, rst=(kind == "reset"))
            if kind == "latency":
                self.pause(fault.get("ms", 1000) / 1000.0)
            else:
                status = {"status500": 500, "status503": 503}.get(
                    kind, int(fault.get("status", 500)))
                body = fault.get("body", "").encode("utf-8") \
                    if kind == "answer" else b""
                ctype, headers = metadata.TEXT, []
        self.complete(record, status, body, ctype, headers,
                      error_code=None if status < 400 else str(status))


def throttling_error(service):
    """The error each service answers a throttled request with: the codes
    botocore retries as throttling (botocore/retries/standard.py)."""
    if service == "sts":
        return ApiError(service, "Throttling", "Rate exceeded")
    if service == "organizations":
        return ApiError(service, "TooManyRequestsException",
                        "You have sent too many requests in too short a "
                        "period of time. The quota helps protect against "
                        "denial-of-service attacks. Try again later.")
    if service == "kms":
        return ApiError(service, "ThrottlingException",
                        "You have exceeded the rate at which you may call "
                        "KMS. Reduce the frequency of your calls.")
    return ApiError(service, "ThrottlingException", "Rate exceeded")


def fault_error(fault, service, record):
    """The ApiError an error fault injects, in `service`'s codes; None for
    the faults that are not errors."""
    kind = fault["kind"]
    json_service = service != "sts"
    if kind == "throttle":
        return ApiError(service, "ThrottlingException" if json_service
                        else "Throttling", "Rate exceeded")
    if kind == "status500":
        return ApiError(service, common.INTERNAL_ERROR.get(
            service, "InternalFailure"),
            "The request processing has failed because of an unknown "
            "error, exception or failure.")
    if kind == "status503":
        return ApiError(service, "ServiceUnavailableException"
                        if json_service else "ServiceUnavailable",
                        "Service Unavailable")
    if kind == "accessdenied":
        ident_arn = "arn:aws:iam::%s:user/%s" % (record["account"],
                                                 fixtures.IAM_USER_NAME)
        return ApiError(service, "AccessDeniedException" if json_service
                        else "AccessDenied",
                        "User: %s is not authorized to perform: %s:%s "
                        "because no identity-based policy allows the "
                        "%s:%s action" % (ident_arn, service,
                                          record["operation"], service,
                                          record["operation"]))
    if kind == "status":
        status = int(fault.get("status", 500))
        code = fault.get("code") or default_code(service, status)
        message = fault.get("message") or "Injected HTTP %d" % status
        return ApiError(service, code, message, status=status)
    return None


def default_code(service, status):
    """An error code that fits an injected HTTP status."""
    if service != "sts":
        internal = common.INTERNAL_ERROR.get(service, "KMSInternalException")
        return {500: internal, 503: "ServiceUnavailableException",
                403: "AccessDeniedException"}.get(
                    status, internal if status >= 500
                    else "ValidationException")
    return {500: "InternalFailure", 503: "ServiceUnavailable",
            403: "AccessDenied"}.get(
                status, "InternalFailure" if status >= 500
                else "ValidationError")
