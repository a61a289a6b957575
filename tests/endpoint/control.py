"""The control API under /_cks/ (no signature, loopback clients only).

Each call takes (args from the JSON body, query parameters) and answers
(status, JSON-able result).  ctl.py is its client; README.md lists every
call.
"""

import re
import organizations
import quotas
import state
from state import AccountRange, CONFIG_SPEC, DEFAULT_CONFIG

FAULT_KINDS = (
    "throttle", "status500", "status503", "status", "close", "reset", "hang",
    "malformed", "empty", "html502", "wrongtypes", "latency", "accessdenied",
    "loop_marker", "truncated_no_marker", "key_deleted", "crlf_token",
    "empty_entries", "big_error", "answer", "empty_elements", "padded_page",
)
# Services whose answers /_cks/script can script, and the words of a step.
SCRIPT_SERVICES = ("imds", "ecs", "sts")
SCRIPT_WORDS = {"close": "close", "reset": "reset", "pass": "latency"}
MAX_SCRIPT_STEPS = 1000
MATCH_KEYS = {"service", "operation", "region", "account"}

# Largest body the empty_entries and big_error faults may be asked for.
MAX_FAULT_BYTES = 256 << 20


# "threaded" (the default) or "event-loop"; set by kms_endpoint.main
SERVING_MODE = "threaded"


def ctl_health(args, query):
    return 200, {"ok": True}


def ctl_info(args, query):
    """How this endpoint serves, so benchmarks can report it."""
    return 200, {"mode": SERVING_MODE}


def ctl_quotas(args, query):
    """Whether quotas are enforced, how many requests they throttled since
    the last reset, and the default rates (quotas.py)."""
    with state.STATE.lock:
        enabled = state.STATE.config["quotas"]
        rates = dict(state.STATE.config["quota_rates"])
    return 200, {"enabled": enabled, "throttled": quotas.BUCKETS.throttled,
                 "rates": rates,
                 "defaults": {"%s:%s" % k: v
                              for k, v in quotas.DEFAULT_RATES.items()}}


def ctl_log(args, query):
    return 200, {"requests": state.STATE.log_snapshot(
        int(query.get("since", 0)))}


def ctl_reset(args, query):
    state.STATE.reset()
    quotas.BUCKETS.reset()
    return 200, {"ok": True}


def ctl_fault(args, query):
    kind = args.get("kind")
    if kind not in FAULT_KINDS:
        raise ValueError("unknown fault kind %r; one of %s"
                         % (kind, ", ".join(FAULT_KINDS)))
    match = args.get("match") or {}
    unknown = set(match) - MATCH_KEYS
    if unknown:
        raise ValueError("unknown match keys: %s" % ", ".join(sorted(unknown)))
    fault = {"kind": kind, "count": int(args.get("count", 1)),
             "match": dict(match)}
    for key in ("ms", "status", "bytes"):
        if args.get(key) is not None:
            fault[key] = int(args[key])
    if not 0 <= fault.get("bytes", 0) <= MAX_FAULT_BYTES:
        raise ValueError("bytes must be between 0 and %d" % MAX_FAULT_BYTES)
    for key in ("code", "message", "body"):
        if args.get(key) is not None:
            fault[key] = str(args[key])
    if fault["count"] < 1:
        raise ValueError("count must be at least 1")
    with state.STATE.lock:
        state.STATE.faults.append(fault)
        queued = len(state.STATE.faults)
    return 200, {"queued": queued}


def script_fault(service, step):
    """One step of a script as a fault matching every request to service:
    a status (int, or {"status", "body"}), "close", "reset", "pass" (the
    normal answer) or {"hang_ms": N} (no answer for N ms, then close)."""
    fault = {"count": 1, "match": {"service": service}}
    if isinstance(step, bool):
        raise ValueError("a script step is a status, a word or an object")
    if isinstance(step, int):
        step = {"status": step}
    if isinstance(step, str):
        if step not in SCRIPT_WORDS:
            raise ValueError("unknown script word %r; one of %s"
                             % (step, ", ".join(SCRIPT_WORDS)))
        fault.update(kind=SCRIPT_WORDS[step], ms=0)
        return fault
    if not isinstance(step, dict):
        raise ValueError("a script step is a status, a word or an object")
    if "hang_ms" in step:
        fault.update(kind="hang", ms=int(step["hang_ms"]))
        return fault
    status = int(step["status"])
    if not 100 <= status <= 599:
        raise ValueError("status must be between 100 and 599")
    fault.update(kind="answer", status=status, body=str(step.get("body", "")))
    return fault


def ctl_script(args, query):
    """{"service": "imds"|"ecs"|"sts", "answers": [step, ...]}: the next
    requests to that service get these answers, in order (one step each),
    whatever they ask; see script_fault for the steps."""
    service = args.get("service")
    if service not in SCRIPT_SERVICES:
        raise ValueError("service must be one of %s"
                         % ", ".join(SCRIPT_SERVICES))
    steps = args.get("answers")
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_SCRIPT_STEPS:
        raise ValueError("answers must be a list of 1 to %d steps"
                         % MAX_SCRIPT_STEPS)
    faults = [script_fault(service, step) for step in steps]
    with state.STATE.lock:
        state.STATE.faults.extend(faults)
        queued = len(state.STATE.faults)
    return 200, {"queued": queued}


def ctl_faults(args, query):
    with state.STATE.lock:
        return 200, {"faults": [dict(f) for f in state.STATE.faults]}


def ctl_config(args, query):
    """Change some settings; null restores a setting's default."""
    changes = {}
    for key, value in args.items():
        if key not in CONFIG_SPEC:
            raise ValueError("unknown config key %r" % key)
        types = CONFIG_SPEC[key][1]
        if value is None:
            value = DEFAULT_CONFIG[key]
        elif (isinstance(value, bool) and bool not in types) or \
                not isinstance(value, types):
            raise ValueError("%s must be a %s" % (
                key, "number" if int in types else types[0].__name__))
        elif key == "quota_rates" and not all(
                isinstance(k, str) and isinstance(v, (int, float))
                and not isinstance(v, bool) and 0 <= v <= 1e6
                for k, v in value.items()):
            raise ValueError("quota_rates maps operation names to rates "
                             "(requests per second, 0..1000000)")
        elif key == "date_header" and not re.fullmatch(r"[\x20-\x7e]{0,200}",
                                                       value):
            raise ValueError("%s must be printable ASCII" % key)
        changes[key] = value
    with state.STATE.lock:
        state.STATE.config.update(changes)
        return 200, dict(state.STATE.config)


def ctl_get_config(args, query):
    with state.STATE.lock:
        return 200, dict(state.STATE.config)


def ctl_put_stores(args, query):
    account = str(args["account"])
    region = str(args["region"])
    count = int(args["count"])
    if not 0 <= count <= 1000000:
        raise ValueError("count must be between 0 and 1000000")
    prefix = str(args.get("prefix") or "bulk")
    ds = state.STATE.replace_stores(account, region, count, prefix)
    return 200, {"count": len(ds)}


def ctl_get_stores(args, query):
    ds = state.STATE.dataset(query["account"], query["region"])
    return 200, {"CustomKeyStores": ds.entries}


def ctl_put_accounts(args, query):
    """{"first","last","stores_per_region"?}: the account range; an
    empty body or first null removes it."""
    if args.get("first") is None:
        rng = None
    else:
        rng = AccountRange(args["first"], args.get("last", args["first"]),
                           args.get("stores_per_region", 2))
    with state.STATE.lock:
        state.STATE.account_range = rng
        # lists generated for the old range go; fixed lists stay
        state.STATE.datasets = {
            k: v for k, v in state.STATE.datasets.items()
            if k in state.STATE.builtin or v.id_prefix is not None}
    return ctl_get_accounts(args, query)


def ctl_get_accounts(args, query):
    with state.STATE.lock:
        rng = state.STATE.account_range
    return 200, {"range": rng.as_dict() if rng else None}


def ctl_put_organization(args, query):
    """Set the organization (see organizations.normalize_organization);
    {"default": true} restores the default one."""
    org = None if args.get("default") else \
        organizations.normalize_organization(args)
    with state.STATE.lock:
        state.STATE.organization = org
    return ctl_get_organization(args, query)


def ctl_get_organization(args, query):
    org = organizations.current_organization()
    return 200, {"enabled": org["enabled"], "management": org["management"],
                 "delegated_admins": org["delegated_admins"],
                 "Accounts": organizations.member_list(org)}


def ctl_put_keys(args, query):
    """{"account","region","count"}: that many generated customer keys
    besides the derived ones (the benchmark pair has 2,000)."""
    count = int(args["count"])
    if not 0 <= count <= 200000:
        raise ValueError("count must be between 0 and 200000")
    key = (str(args["account"]), str(args["region"]))
    with state.STATE.lock:
        state.STATE.extra_keys[key] = count
    return 200, {"keys": len(state.STATE.inventory(*key).keys)}


def ctl_get_keys(args, query):
    inv = state.STATE.inventory(query["account"], query["region"])
    with state.STATE.lock:
        deleted = {k for (a, r, k) in state.STATE.deleted_keys
                   if (a, r) == (query["account"], query["region"])}
    return 200, {"Keys": [k for k in inv.keys if k["KeyId"] not in deleted],
                 "Aliases": inv.aliases}


def ctl_delete_key(args, query):
    """{"account","region","key_id"}: the key disappears from ListKeys and
    DescribeKey answers NotFoundException (until reset)."""
    account, region = str(args["account"]), str(args["region"])
    key_id = str(args["key_id"])
    if key_id not in state.STATE.inventory(account, region).key_index:
        return 404, {"error": "no key %s in %s/%s" % (key_id, account,
                                                     region)}
    with state.STATE.lock:
        state.STATE.deleted_keys.add((account, region, key_id))
    return 200, {"deleted": key_id}


def ctl_get_clusters(args, query):
    inv = state.STATE.inventory(query["account"], query["region"])
    return 200, {"Clusters": inv.clusters}


ROUTES = {
    ("GET", "/_cks/health"): ctl_health,
    ("GET", "/_cks/info"): ctl_info,
    ("GET", "/_cks/log"): ctl_log,
    ("POST", "/_cks/reset"): ctl_reset,
    ("POST", "/_cks/fault"): ctl_fault,
    ("GET", "/_cks/fault"): ctl_faults,
    ("POST", "/_cks/script"): ctl_script,
    ("POST", "/_cks/config"): ctl_config,
    ("GET", "/_cks/config"): ctl_get_config,
    ("GET", "/_cks/quotas"): ctl_quotas,
    ("POST", "/_cks/stores"): ctl_put_stores,
    ("GET", "/_cks/stores"): ctl_get_stores,
    ("POST", "/_cks/accounts"): ctl_put_accounts,
    ("GET", "/_cks/accounts"): ctl_get_accounts,
    ("POST", "/_cks/organization"): ctl_put_organization,
    ("GET", "/_cks/organization"): ctl_get_organization,
    ("POST", "/_cks/keys"): ctl_put_keys,
    ("GET", "/_cks/keys"): ctl_get_keys,
    ("POST", "/_cks/delete-key"): ctl_delete_key,
    ("GET", "/_cks/clusters"): ctl_get_clusters,
}
