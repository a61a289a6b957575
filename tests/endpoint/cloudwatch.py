"""CloudWatch (AWS JSON 1.0, GraniteServiceVersion20100801): GetMetricData
of the AWS/KMS metrics external key stores publish.

Every EXTERNAL_KEY_STORE store of an (account, region) list publishes, by
its KeyStoreId, one datapoint per period: XksProxyCertificateDaysToExpire,
XksProxyCredentialAge, XksProxyErrors, XksProxyLatency and
XksExternalKeyManagerStates (with a second dimension,
XksExternalKeyManagerState: Active, Degraded, Unavailable).  Values are
derived from the store's id, except in the rich list, where they make the
cases key_store_health looks for: a certificate about to expire, an old
credential, a degraded external key manager, and a store (DISCONNECTING)
that publishes nothing.

Requests are checked against botocore's cloudwatch model: 1 to 500
queries with unique ids matching ^[a-z][a-zA-Z0-9_]*$, StartTime before
EndTime, a period of 1, 5, 10, 30 or a multiple of 60; pages hold at most
MaxDatapoints datapoints (default 100,800) and continue with NextToken.
"""

import hashlib

import state
from common import ApiError, check_int, check_string, require_object
from state import decode_token, encode_token

NAMESPACE = "AWS/KMS"
MAX_QUERIES = 500
MAX_DATAPOINTS = 100800
STATES = ("Active", "Degraded", "Unavailable")
METRICS = ("XksProxyCertificateDaysToExpire", "XksProxyCredentialAge",
           "XksProxyErrors", "XksProxyLatency", "XksExternalKeyManagerStates")
STATS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")

# rich store name -> {metric or (metric, state): value}
RICH_VALUES = {
    "xks-public": {"XksProxyCertificateDaysToExpire": 12.0},
    "xks-failed-credentials": {"XksProxyCredentialAge": 120.0},
    "Ünïcode ключ 🔑": {("XksExternalKeyManagerStates", "Active"): 1.0,
                        ("XksExternalKeyManagerStates", "Degraded"): 1.0},
}
SILENT_STATES = ("DISCONNECTING", "DISCONNECTED")


def invalid(message):
    return ApiError("monitoring", "InvalidParameterValueException", message)


def number(params, key, required):
    value = params.get(key)
    if value is None:
        if required:
            raise ApiError("monitoring", "ValidationException",
                           "1 validation error detected: Value null at '%s' "
                           "failed to satisfy constraint: Member must not be "
                           "null" % key[0].lower() + key[1:])
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiError("monitoring", "SerializationException",
                       "Unexpected value for %s" % key)
    return float(value)


def check_query(query, seen):
    """(id, metric name, dimensions dict, period, stat) of one query."""
    if not isinstance(query, dict):
        raise ApiError("monitoring", "SerializationException",
                       "Unexpected query")
    qid = query.get("Id")
    if (not isinstance(qid, str) or not qid or not qid[0].islower()
            or not all(c.isalnum() or c == "_" for c in qid)
            or not qid.isascii() or len(qid) > 255):
        raise invalid("The value %r for parameter MetricDataQueries.Id is "
                      "not valid." % (qid,))
    if qid in seen:
        raise invalid("The values for parameter id in MetricDataQueries "
                      "are not unique.")
    seen.add(qid)
    stat = query.get("MetricStat")
    if not isinstance(stat, dict) or "Expression" in query:
        raise invalid("Exactly one of Expression and MetricStat must be "
                      "specified for each query.")
    metric = stat.get("Metric") or {}
    dims = {}
    for dim in metric.get("Dimensions") or []:
        if not isinstance(dim, dict) or not isinstance(dim.get("Name"), str):
            raise ApiError("monitoring", "SerializationException",
                           "Unexpected dimension")
        dims[dim["Name"]] = dim.get("Value")
    period = stat.get("Period")
    if (not isinstance(period, int) or isinstance(period, bool) or period < 1
            or (period not in (1, 5, 10, 30) and period % 60)):
        raise invalid("The parameter Period must be 1, 5, 10, 30 or a "
                      "multiple of 60.")
    if stat.get("Stat") not in STATS:
        raise invalid("The parameter Stat must be a statistic.")
    return (qid, metric.get("Namespace"), metric.get("MetricName"), dims,
            period, stat["Stat"])


def store_value(store, metric, xstate):
    """The value a store publishes for (metric, state), or None."""
    name = store.get("CustomKeyStoreName")
    special = RICH_VALUES.get(name, {})
    key = (metric, xstate) if xstate else metric
    if key in special:
        return special[key]
    seed = hashlib.sha256(("%s/%s/%s" % (store["CustomKeyStoreId"], metric,
                                         xstate)).encode()).digest()[0]
    if metric == "XksExternalKeyManagerStates":
        if any(k[0] == metric for k in special if isinstance(k, tuple)):
            return 0.0
        return 2.0 if xstate == "Active" else 0.0
    return {"XksProxyCertificateDaysToExpire": 60.0 + seed,
            "XksProxyCredentialAge": float(seed % 60),
            "XksProxyErrors": float(seed % 3),
            "XksProxyLatency": 20.0 + seed % 50}[metric]


def series(stores, query, start, end):
    """(timestamps, values) of one query, newest first (AWS's default
    TimestampDescending order)."""
    _, namespace, metric, dims, period, stat = query
    wanted = set(dims) - {"KeyStoreId", "XksExternalKeyManagerState"}
    store = stores.get(dims.get("KeyStoreId"))
    xstate = dims.get("XksExternalKeyManagerState")
    if (namespace != NAMESPACE or metric not in METRICS or store is None
            or wanted or store.get("ConnectionState") in SILENT_STATES
            or (metric == "XksExternalKeyManagerStates") != (xstate is not None)
            or (xstate is not None and xstate not in STATES)):
        return [], []
    value = store_value(store, metric, xstate)
    if stat == "SampleCount":
        value = 1.0
    first = int(start // period * period)
    if first < start:
        first += period
    stamps = list(range(first, int(end), period))[::-1]
    return stamps, [value] * len(stamps)


def get_metric_data(ident, params, fault):
    """GetMetricData: {MetricDataResults: [...], NextToken?, Messages: []}."""
    require_object("monitoring", params)
    queries = params.get("MetricDataQueries")
    if not isinstance(queries, list) or not 1 <= len(queries) <= MAX_QUERIES:
        raise invalid("The collection MetricDataQueries must not be empty "
                      "and must not have more than %d elements." % MAX_QUERIES)
    seen = set()
    checked = [check_query(q, seen) for q in queries]
    start = number(params, "StartTime", True)
    end = number(params, "EndTime", True)
    if start >= end:
        raise invalid("The parameter StartTime must be less than the "
                      "parameter EndTime.")
    limit = check_int("monitoring", params, "MaxDatapoints", "maxDatapoints",
                      1, MAX_DATAPOINTS, MAX_DATAPOINTS)
    token = check_string("monitoring", params, "NextToken", "nextToken", 4096)
    inv_stores = {s["CustomKeyStoreId"]: s
                  for s in state.STATE.dataset(ident.account,
                                               ident.region).entries
                  if s.get("CustomKeyStoreType") == "EXTERNAL_KEY_STORE"}
    points = []
    for query in checked:
        stamps, values = series(inv_stores, query, start, end)
        points.extend((query[0], t, v) for t, v in zip(stamps, values))
    scope = (ident.account, ident.region)
    offset = 0
    if token is not None:
        offset = decode_token(token, "metrics", scope, len(points))
        if offset is None:
            raise invalid("The parameter NextToken is not valid.")
    stop = min(offset + (limit or MAX_DATAPOINTS), len(points))
    results = []
    by_id = {}
    for qid, stamp, value in points[offset:stop]:
        if qid not in by_id:
            by_id[qid] = {"Id": qid, "Label": qid, "Timestamps": [],
                          "Values": [], "StatusCode": "Complete"}
        by_id[qid]["Timestamps"].append(stamp)
        by_id[qid]["Values"].append(value)
    for query in checked:
        if query[0] in by_id:
            results.append(by_id[query[0]])
        elif offset == 0:
            results.append({"Id": query[0], "Label": query[0],
                            "Timestamps": [], "Values": [],
                            "StatusCode": "Complete"})
    out = {"MetricDataResults": results, "Messages": []}
    if stop < len(points):
        for result in results:
            result["StatusCode"] = "PartialData"
        out["NextToken"] = encode_token("metrics", scope, stop)
    return out


OPERATIONS = {"GetMetricData": get_metric_data}
