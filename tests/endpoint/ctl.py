#!/usr/bin/python3
"""Drive the local KMS test endpoint's control API from shell, psql or Python.

pg_regress calls this through psql's \\! and its stdout lands in expected
output, so every subcommand prints only short deterministic lines (never
ports, times or request ids); failures go to stderr with a non-zero exit.

The endpoint is found through $CKS_ENDPOINT_URL (e.g. http://127.0.0.1:PORT)
or else the port in the file named by $CKS_ENDPOINT_PORT_FILE.

    ctl.py reset
    ctl.py fault KIND [--count N] [--ms N] [--status N] [--bytes N]
                      [--service S] [--operation O] [--region R]
                      [--account A]
    ctl.py script SERVICE STEP ...             (imds, ecs or sts; a STEP is
               a status, STATUS:BODY, close, reset, pass or hang:MS)
    ctl.py config key=value ...
    ctl.py stores ACCOUNT REGION COUNT [--prefix P]
    ctl.py accounts [FIRST [LAST]] [--stores N]  (no FIRST: no range)
    ctl.py org [ACCOUNT[:STATUS] ...] [--management A] [--delegated A,B]
               [--disabled] [--default]
    ctl.py keys ACCOUNT REGION COUNT           -> keys: N (total in the pair)
    ctl.py delete-key ACCOUNT REGION KEY_ID
    ctl.py count [filters] [--status N]        -> requests: N
    ctl.py requests [--fields a,b,c] [filters] -> one line per request
                        (count, requests, connections, overlap: answers the
                        quotas throttled only with --with-throttled)
    ctl.py connections [filters]               -> connections: N
    ctl.py overlap [filters]                   -> overlapping: yes|no
    ctl.py wait-ready [--timeout SECONDS]

As a module: import ctl; ctl.reset(); ctl.fault("throttle", count=2); ...
"""

import argparse
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class CtlError(Exception):
    """The endpoint could not be reached or refused a control call."""


def endpoint_url():
    """Base URL of the endpoint, from the environment."""
    url = os.environ.get("CKS_ENDPOINT_URL")
    if url:
        return url.rstrip("/")
    port_file = os.environ.get("CKS_ENDPOINT_PORT_FILE")
    if port_file:
        try:
            with open(port_file) as f:
                return "http://127.0.0.1:%d" % int(f.read().strip())
        except (OSError, ValueError) as e:
            raise CtlError("cannot read port file %s: %s" % (port_file, e))
    raise CtlError("set CKS_ENDPOINT_URL or CKS_ENDPOINT_PORT_FILE")


def call(method, path, body=None, url=None, timeout=30):
    """One control request; returns the decoded JSON answer."""
    base = url or endpoint_url()
    payload = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=payload, method=method,
                                 headers={"Content-Type": "application/json"})
    context = None
    if base.startswith("https:"):
        # The control API is loopback-only test plumbing; with a CA given
        # we verify, otherwise the self-signed test certificate is accepted.
        ca = os.environ.get("CKS_ENDPOINT_CA")
        context = ssl.create_default_context(cafile=ca) if ca else \
            ssl._create_unverified_context()
    try:
        with urllib.request.urlopen(req, timeout=timeout,
                                    context=context) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace")
        raise CtlError("%s %s: HTTP %d %s" % (method, path, e.code, detail))
    except (urllib.error.URLError, OSError) as e:
        raise CtlError("%s %s: %s" % (method, path, e))


def health(url=None):
    return call("GET", "/_cks/health", url=url)


def reset(url=None):
    call("POST", "/_cks/reset", {}, url=url)


def fault(kind, count=1, ms=None, status=None, url=None, bytes=None,
          **match):
    """Queue a fault for the next `count` API requests matching `match`
    (service, operation, region, account; None values are ignored)."""
    body = {"kind": kind, "count": count,
            "match": {k: v for k, v in match.items() if v is not None}}
    if ms is not None:
        body["ms"] = ms
    if status is not None:
        body["status"] = status
    if bytes is not None:
        body["bytes"] = bytes
    return call("POST", "/_cks/fault", body, url=url)


def script(service, answers, url=None):
    """The next len(answers) requests to service (imds, ecs, sts) get these
    answers in order: a status, {"status", "body"}, "close", "reset",
    "pass" (the normal answer) or {"hang_ms": N}."""
    return call("POST", "/_cks/script", {"service": service,
                                         "answers": answers}, url=url)


def parse_step(text):
    """A script step of the command line: 401, 200:BODY, close, reset,
    pass, hang:MS."""
    head, sep, rest = text.partition(":")
    if head == "hang":
        return {"hang_ms": int(rest)}
    if head.isdigit():
        return {"status": int(head), "body": rest} if sep else int(head)
    return text


def config(url=None, **settings):
    return call("POST", "/_cks/config", settings, url=url)


def stores(account, region, count, prefix="bulk", url=None):
    return call("POST", "/_cks/stores", {"account": account,
                                         "region": region, "count": count,
                                         "prefix": prefix}, url=url)


def get_stores(account, region, url=None):
    query = urllib.parse.urlencode({"account": account, "region": region})
    return call("GET", "/_cks/stores?" + query, url=url)["CustomKeyStores"]


def accounts(first=None, last=None, stores_per_region=2, url=None):
    """Set the account range (None: no range); returns {"range": ...}."""
    body = {} if first is None else {"first": first, "last": last or first,
                                     "stores_per_region": stores_per_region}
    return call("POST", "/_cks/accounts", body, url=url)


def organization(accounts=None, management=None, delegated_admins=None,
                 enabled=True, default=False, url=None):
    """Set the organization: accounts as "ID" / "ID:STATUS" strings (None
    keeps the default members); default=True restores the default one."""
    body = {"default": True} if default else {"enabled": enabled}
    if not default:
        if accounts is not None:
            body["accounts"] = list(accounts)
        if management is not None:
            body["management"] = management
        if delegated_admins is not None:
            body["delegated_admins"] = list(delegated_admins)
    return call("POST", "/_cks/organization", body, url=url)


def get_organization(url=None):
    return call("GET", "/_cks/organization", url=url)


def keys(account, region, count, url=None):
    """Generate `count` extra customer keys in (account, region)."""
    return call("POST", "/_cks/keys", {"account": account, "region": region,
                                       "count": count}, url=url)


def get_keys(account, region, url=None):
    """Every key's KeyMetadata (and the aliases) of (account, region)."""
    query = urllib.parse.urlencode({"account": account, "region": region})
    return call("GET", "/_cks/keys?" + query, url=url)


def delete_key(account, region, key_id, url=None):
    return call("POST", "/_cks/delete-key", {"account": account,
                                             "region": region,
                                             "key_id": key_id}, url=url)


def get_clusters(account, region, url=None):
    query = urllib.parse.urlencode({"account": account, "region": region})
    return call("GET", "/_cks/clusters?" + query, url=url)["Clusters"]


def log(url=None):
    return call("GET", "/_cks/log", url=url)["requests"]


def select(records, service=None, operation=None, region=None, account=None,
           status=None, throttled=True):
    """The logged requests matching every given filter, in seq order;
    throttled=False leaves out the answers the endpoint's quotas throttled
    (fault "quota")."""
    out = []
    for r in sorted(records, key=lambda r: r["seq"]):
        if not throttled and r.get("fault") == "quota":
            continue
        if ((service is None or r["service"] == service)
                and (operation is None or r["operation"] == operation)
                and (region is None or r["region"] == region)
                and (account is None or r["account"] == account)
                and (status is None or r["status"] == status)):
            out.append(r)
    return out


def count(url=None, **filters):
    return len(select(log(url), **filters))


def connections(url=None, **filters):
    return len({r["connection"] for r in select(log(url), **filters)})


def overlapping(records):
    """True if the first request of each distinct (account, region) was in
    flight at the same moment as all the others (max start < min end)."""
    firsts = {}
    for r in records:
        firsts.setdefault((r["account"], r["region"]), r)
    if len(firsts) < 2:
        return False
    if any(r["end"] is None for r in firsts.values()):
        return False
    return (max(r["start"] for r in firsts.values())
            < min(r["end"] for r in firsts.values()))


def format_field(value):
    """Deterministic text for one field of `requests` output."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if value is None:
        return "null"
    return str(value)


def request_lines(records, fields):
    return [" ".join(format_field(r.get(f)) for f in fields) for r in records]


def wait_ready(timeout=10.0, url=None):
    """Poll /_cks/health until it answers or timeout seconds pass."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            if health(url=url).get("ok"):
                return
        except CtlError as e:
            last = e
        time.sleep(0.05)
    raise CtlError("endpoint not ready after %gs: %s" % (timeout, last))


def add_filters(parser, with_status=False):
    parser.add_argument("--service")
    parser.add_argument("--operation")
    parser.add_argument("--region")
    parser.add_argument("--account")
    if with_status:
        parser.add_argument("--status", type=int)
    # With AWS's quotas on, a client pacing at exactly a quota may now and
    # then see an answer throttled (and retry it): the listings leave those
    # out unless asked, so what they show is what the client asked for.
    # tests/suites/quotas.sh counts them (GET /_cks/quotas).
    parser.add_argument("--with-throttled", action="store_true",
                        help="also the answers the quotas throttled")


def match_of(args):
    """The filters of a fault: which requests it is for."""
    filters = filters_of(args)
    filters.pop("throttled")
    return filters


def filters_of(args):
    keys = ("service", "operation", "region", "account", "status")
    filters = {k: getattr(args, k) for k in keys
               if getattr(args, k, None) is not None}
    filters["throttled"] = getattr(args, "with_throttled", False)
    return filters


def parse_setting(text):
    """key=value with value read as JSON when it is (numbers, null), else
    as a string (date_header="Fri, 31 Dec 9999 23:59:59 GMT")."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise CtlError("config wants key=value, got %r" % text)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def command_parser():
    """The command line: one subcommand per control request."""
    parser = argparse.ArgumentParser(
        description="control the local KMS test endpoint")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("reset")
    p = sub.add_parser("fault")
    p.add_argument("kind")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--ms", type=int)
    p.add_argument("--status", type=int)
    p.add_argument("--bytes", type=int)
    add_filters(p)
    p = sub.add_parser("script")
    p.add_argument("service")
    p.add_argument("steps", nargs="+")
    p = sub.add_parser("config")
    p.add_argument("settings", nargs="+")
    p = sub.add_parser("stores")
    p.add_argument("account")
    p.add_argument("region")
    p.add_argument("count", type=int)
    p.add_argument("--prefix", default="bulk")
    p = sub.add_parser("accounts")
    p.add_argument("first", nargs="?")
    p.add_argument("last", nargs="?")
    p.add_argument("--stores", type=int, default=2)
    p = sub.add_parser("org")
    p.add_argument("members", nargs="*", metavar="ACCOUNT[:STATUS]")
    p.add_argument("--management")
    p.add_argument("--delegated", default=None,
                   help="comma-separated delegated administrator accounts")
    p.add_argument("--disabled", action="store_true",
                   help="no organization at all")
    p.add_argument("--default", action="store_true")
    p = sub.add_parser("keys")
    p.add_argument("account")
    p.add_argument("region")
    p.add_argument("count", type=int)
    p = sub.add_parser("delete-key")
    p.add_argument("account")
    p.add_argument("region")
    p.add_argument("key_id")
    p = sub.add_parser("count")
    add_filters(p, with_status=True)
    p = sub.add_parser("requests")
    p.add_argument("--fields", default="operation,region,params")
    add_filters(p, with_status=True)
    p = sub.add_parser("connections")
    add_filters(p, with_status=True)
    p = sub.add_parser("overlap")
    add_filters(p, with_status=True)
    p = sub.add_parser("wait-ready")
    p.add_argument("--timeout", type=float, default=10.0)
    return parser


def run_command(args):
    """Carry out one parsed command, printing what it reports."""
    if args.cmd == "reset":
        reset()
    elif args.cmd == "fault":
        fault(args.kind, count=args.count, ms=args.ms, status=args.status,
              bytes=args.bytes, **match_of(args))
    elif args.cmd == "script":
        script(args.service, [parse_step(t) for t in args.steps])
    elif args.cmd == "config":
        config(**dict(parse_setting(s) for s in args.settings))
    elif args.cmd == "stores":
        stores(args.account, args.region, args.count, args.prefix)
    elif args.cmd == "accounts":
        accounts(args.first, args.last, args.stores)
    elif args.cmd == "org":
        delegated = (None if args.delegated is None else
                     [a for a in args.delegated.split(",") if a])
        organization(args.members or None, args.management, delegated,
                     enabled=not args.disabled, default=args.default)
    elif args.cmd == "keys":
        print("keys: %d" % keys(args.account, args.region,
                                args.count)["keys"])
    elif args.cmd == "delete-key":
        delete_key(args.account, args.region, args.key_id)
    elif args.cmd == "count":
        print("requests: %d" % count(**filters_of(args)))
    elif args.cmd == "requests":
        records = select(log(), **filters_of(args))
        for line in request_lines(records, args.fields.split(",")):
            print(line)
    elif args.cmd == "connections":
        print("connections: %d" % connections(**filters_of(args)))
    elif args.cmd == "overlap":
        records = select(log(), **filters_of(args))
        print("overlapping: %s" % ("yes" if overlapping(records)
                                   else "no"))
    elif args.cmd == "wait-ready":
        wait_ready(args.timeout)


def main(argv=None):
    args = command_parser().parse_args(argv)
    try:
        run_command(args)
    except CtlError as e:
        print("ctl.py %s: %s" % (args.cmd, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
