"""CloudHSM v2 (JSON 1.1, BaldrApiService): DescribeClusters.

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
FILTER_KEYS = {"clusterIds": "ClusterId", "vpcIds": "VpcId",
               "states": "State"}
CLUSTER_STATES = ("CREATE_IN_PROGRESS", "UNINITIALIZED",
                  "INITIALIZE_IN_PROGRESS", "INITIALIZED", "ACTIVE",
                  "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "DELETED",
                  "DEGRADED")


def invalid(message):
    return ApiError("cloudhsm", "CloudHsmInvalidRequestException", message)


def check_filters(params):
    """{member: set of values} from the Filters map."""
    filters = params.get("Filters")
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise ApiError("cloudhsm", "SerializationException",
                       "Start of list found where not expected")
    out = {}
    for key, values in filters.items():
        if key not in FILTER_KEYS:
            raise invalid("Invalid filter key %s. Valid filter keys are: "
                          "clusterIds, vpcIds, states" % key)
        if (not isinstance(values, list)
                or not all(isinstance(v, str) for v in values)):
            raise ApiError("cloudhsm", "SerializationException",
                           "Unexpected value for filter %s" % key)
        if key == "states":
            for value in values:
                if value not in CLUSTER_STATES:
                    raise json_validation(
                        "cloudhsm", "filters.states", value,
                        "Member must satisfy enum value set: [%s]"
                        % ", ".join(CLUSTER_STATES))
        out[FILTER_KEYS[key]] = set(values)
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


OPERATIONS = {"DescribeClusters": describe_clusters}
