"""CloudHSM v2 (JSON 1.1, BaldrApiService): DescribeClusters, DescribeBackups.

The clusters of an (account, region) come from inventory.py: one behind
every CloudHSM custom key store, plus spares no store uses.  Requests are
checked against botocore's cloudhsmv2 model (Filters keys and values,
MaxResults 1..25, NextToken up to 256 characters).
"""

import state
from common import (ApiError, check_int, check_string, json_validation,
                    require_object)
from state import decode_token, encode_token

MAX_RESULTS = 25
BACKUPS_MAX_RESULTS = 50
FILTER_KEYS = {"clusterIds": "ClusterId", "vpcIds": "VpcId",
               "states": "State"}
BACKUP_FILTER_KEYS = {"backupIds": "BackupId", "sourceBackupIds":
                      "SourceBackup", "clusterIds": "ClusterId",
                      "states": "BackupState", "neverExpires": "NeverExpires"}
BACKUP_STATES = ("CREATE_IN_PROGRESS", "READY", "DELETED", "PENDING_DELETION")
CLUSTER_STATES = ("CREATE_IN_PROGRESS", "UNINITIALIZED",
                  "INITIALIZE_IN_PROGRESS", "INITIALIZED", "ACTIVE",
                  "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "DELETED",
                  "DEGRADED")


def invalid(message):
    return ApiError("cloudhsm", "CloudHsmInvalidRequestException", message)


def check_filters(params, keys=None, states=CLUSTER_STATES):
    """{member: set of values} from the Filters map."""
    keys = keys or FILTER_KEYS
    filters = params.get("Filters")
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise ApiError("cloudhsm", "SerializationException",
                       "Start of list found where not expected")
    out = {}
    for key, values in filters.items():
        if key not in keys:
            raise invalid("Invalid filter key %s. Valid filter keys are: "
                          "%s" % (key, ", ".join(keys)))
        if (not isinstance(values, list)
                or not all(isinstance(v, str) for v in values)):
            raise ApiError("cloudhsm", "SerializationException",
                           "Unexpected value for filter %s" % key)
        if key == "states":
            for value in values:
                if value not in states:
                    raise json_validation(
                        "cloudhsm", "filters.states", value,
                        "Member must satisfy enum value set: [%s]"
                        % ", ".join(states))
        if key == "neverExpires":
            if any(v not in ("true", "false") for v in values):
                raise invalid("Invalid value for filter neverExpires")
            values = [v == "true" for v in values]
        out[keys[key]] = set(values)
    return out


def describe_clusters(ident, params, fault):
    """DescribeClusters: {Clusters:[...], NextToken?} as JSON text, the
    page joined from per-cluster JSON cached in the Inventory."""
    require_object("cloudhsm", params)
    filters = check_filters(params)
    limit = check_int("cloudhsm", params, "MaxResults", "maxResults", 1,
                      MAX_RESULTS, None)
    token = check_string("cloudhsm", params, "NextToken", "nextToken", 256)
    inv = state.STATE.inventory(ident.account, ident.region)
    chosen = [i for i, c in enumerate(inv.clusters)
              if all(c[member] in values
                     for member, values in filters.items())]
    scope = (ident.account, ident.region)
    offset = 0
    if token is not None:
        offset = decode_token(token, "clusters", scope, len(chosen))
        if offset is None:
            raise invalid("The NextToken value is not valid.")
    stop = len(chosen) if limit is None else min(offset + limit, len(chosen))
    page = ",".join(inv.cluster_text(i) for i in chosen[offset:stop])
    if stop < len(chosen):
        return '{"Clusters":[%s],"NextToken":"%s"}' % (
            page, encode_token("clusters", scope, stop))
    return '{"Clusters":[%s]}' % page


def describe_backups(ident, params, fault):
    """DescribeBackups: {Backups:[...], NextToken?}, filtered by the
    Filters map (backupIds, sourceBackupIds, clusterIds, states,
    neverExpires: "true"/"false"); SortAscending sorts by CreateTimestamp,
    Shared lists the (here: no) backups shared with the caller; MaxResults
    1..50."""
    require_object("cloudhsm", params)
    filters = check_filters(params, BACKUP_FILTER_KEYS, BACKUP_STATES)
    limit = check_int("cloudhsm", params, "MaxResults", "maxResults", 1,
                      BACKUPS_MAX_RESULTS, None)
    token = check_string("cloudhsm", params, "NextToken", "nextToken", 256)
    for flag in ("Shared", "SortAscending"):
        if flag in params and not isinstance(params[flag], bool):
            raise ApiError("cloudhsm", "SerializationException",
                           "Unexpected value for %s" % flag)
    inv = state.STATE.inventory(ident.account, ident.region)
    backups = [] if params.get("Shared") else inv.backups
    chosen = [b for b in backups
              if all(b.get(member) in values
                     for member, values in filters.items())]
    if params.get("SortAscending"):
        chosen.sort(key=lambda b: b["CreateTimestamp"])
    scope = (ident.account, ident.region)
    offset = 0
    if token is not None:
        offset = decode_token(token, "backups", scope, len(chosen))
        if offset is None:
            raise invalid("The NextToken value is not valid.")
    stop = len(chosen) if limit is None else min(offset + limit, len(chosen))
    out = {"Backups": chosen[offset:stop]}
    if stop < len(chosen):
        out["NextToken"] = encode_token("backups", scope, stop)
    return out


OPERATIONS = {"DescribeClusters": describe_clusters,
              "DescribeBackups": describe_backups}
