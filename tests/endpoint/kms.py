"""KMS (JSON 1.1, TrentService): DescribeCustomKeyStores, ListKeys,
DescribeKey, GetKeyLastUsage, ListResourceTags and ListAliases over the
(account, region) data of the signing identity."""

import json
import re

import inventory
import state
from common import ApiError, check_int, check_string, require_object
from state import decode_marker, decode_token, encode_marker, encode_token

KMS_MAX_LIMIT = 1000
KMS_DEFAULT_LIMIT = 100
MARKER_PATTERN = "[\u0020-\u00FF]*"
KEY_ID_RE = re.compile(r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-"
                       r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
INVALID_MARKER = ("The marker that specifies where pagination should next "
                  "begin is not valid.")


def check_limit(params):
    return check_int("kms", params, "Limit", "limit", 1, KMS_MAX_LIMIT,
                     KMS_DEFAULT_LIMIT)


def describe_custom_key_stores(ident, params, fault):
    """One DescribeCustomKeyStores answer as JSON text.

    The page is assembled from per-entry JSON cached in the DataSet, so a
    1000-entry page costs a string join, not a serialization.
    """
    require_object("kms", params)
    limit = check_limit(params)
    store_id = check_string("kms", params, "CustomKeyStoreId",
                            "customKeyStoreId", 64)
    name = check_string("kms", params, "CustomKeyStoreName",
                        "customKeyStoreName", 256)
    marker = check_string("kms", params, "Marker", "marker", 1024,
                          MARKER_PATTERN)
    if store_id is not None and name is not None:
        raise ApiError("kms", "ValidationException",
                       "You cannot specify both CustomKeyStoreId and "
                       "CustomKeyStoreName in the same request.")
    ds = state.STATE.dataset(ident.account, ident.region)

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
            raise ApiError("kms", "InvalidMarkerException", INVALID_MARKER)
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


def live_keys(ident):
    """The keys of the identity's (account, region) that are not deleted
    (ctl delete-key), in list order."""
    inv = state.STATE.inventory(ident.account, ident.region)
    with state.STATE.lock:
        deleted = {k for (a, r, k) in state.STATE.deleted_keys
                   if (a, r) == (ident.account, ident.region)}
    if not deleted:
        return inv, inv.keys
    return inv, [k for k in inv.keys if k["KeyId"] not in deleted]


def list_keys(ident, params, fault):
    """ListKeys: {Keys:[{KeyId,KeyArn}], Truncated, NextMarker?}."""
    require_object("kms", params)
    limit = check_limit(params)
    marker = check_string("kms", params, "Marker", "marker", 1024,
                          MARKER_PATTERN)
    _, keys = live_keys(ident)
    scope = (ident.account, ident.region)
    offset = 0
    if marker is not None:
        offset = decode_token(marker, "keys", scope, len(keys))
        if offset is None:
            raise ApiError("kms", "InvalidMarkerException", INVALID_MARKER)
    stop = min(offset + limit, len(keys))
    page = [{"KeyId": k["KeyId"], "KeyArn": k["Arn"]}
            for k in keys[offset:stop]]
    answer = {"Keys": page}
    if stop < len(keys):
        answer["NextMarker"] = encode_token("keys", scope, stop)
        answer["Truncated"] = True
    else:
        answer["Truncated"] = False
    return answer


def not_found(message):
    return ApiError("kms", "NotFoundException", message)


def resolve_key_id(ident, inv, key_ref):
    """The key id that KeyId (id, key ARN, alias name or alias ARN) names
    in the identity's account and region; NotFoundException as KMS says
    it otherwise."""
    account, region = ident.account, ident.region
    if key_ref.startswith("arn:"):
        parts = key_ref.split(":", 5)
        if len(parts) != 6 or parts[2] != "kms":
            raise not_found("Invalid arn")
        if parts[3] != region:
            raise not_found("Invalid arn %s" % parts[3])
        if parts[4] != account:
            raise not_found("Key '%s' does not exist" % key_ref)
        resource = parts[5]
        if resource.startswith("alias/"):
            key_id = inv.aliases.get(resource)
            if key_id is None:
                raise not_found("Alias %s is not found." % key_ref)
            return key_id
        if not resource.startswith("key/"):
            raise not_found("Invalid arn")
        key_ref = resource[4:]
    elif key_ref.startswith("alias/"):
        key_id = inv.aliases.get(key_ref)
        if key_id is None:
            raise not_found("Alias arn:aws:kms:%s:%s:%s is not found."
                            % (region, account, key_ref))
        return key_id
    if not KEY_ID_RE.fullmatch(key_ref):
        raise not_found("Invalid keyId '%s'" % key_ref)
    return key_ref


def describe_key(ident, params, fault):
    """DescribeKey: {KeyMetadata: {...}} of one key."""
    require_object("kms", params)
    if params.get("KeyId") is None:
        raise ApiError("kms", "ValidationException",
                       "1 validation error detected: Value null at 'keyId' "
                       "failed to satisfy constraint: Member must not be "
                       "null")
    key_ref = check_string("kms", params, "KeyId", "keyId", 2048)
    inv, keys = live_keys(ident)
    key_id = resolve_key_id(ident, inv, key_ref)
    missing = not_found("Key 'arn:aws:kms:%s:%s:key/%s' does not exist"
                        % (ident.region, ident.account, key_id))
    index = inv.key_index.get(key_id)
    if index is None or (fault and fault["kind"] == "key_deleted"):
        raise missing
    with state.STATE.lock:
        if (ident.account, ident.region, key_id) in state.STATE.deleted_keys:
            raise missing
    return {"KeyMetadata": inv.keys[index]}


def key_of(ident, params):
    """The KeyMetadata a KeyId parameter names (as DescribeKey resolves it,
    without aliases: GetKeyLastUsage and ListResourceTags take a key id or
    key ARN only)."""
    require_object("kms", params)
    key_ref = check_string("kms", params, "KeyId", "keyId", 2048)
    if key_ref is None:
        raise ApiError("kms", "ValidationException",
                       "1 validation error detected: Value null at 'keyId' "
                       "failed to satisfy constraint: Member must not be "
                       "null")
    if "alias/" in key_ref:
        raise ApiError("kms", "InvalidArnException",
                       "Alias is not a valid key id here: %s" % key_ref)
    return describe_key(ident, {"KeyId": key_ref}, None)["KeyMetadata"]


def get_key_last_usage(ident, params, fault):
    """GetKeyLastUsage: the key's last successful cryptographic use since
    tracking began, KeyLastUsage absent when there is none."""
    key = key_of(ident, params)
    # whole days: two readers of the same key, seconds apart, agree
    today = int(state.STATE.now() // 86400) * 86400
    return inventory.key_last_usage(key, today)


# AWS pages tags and aliases in smaller pages than the model's Limit
# bound allows: at most 50 tags and 100 aliases (the KMS API reference).
TAGS_MAX_PAGE = 50
ALIASES_MAX_PAGE = 100


def list_resource_tags(ident, params, fault):
    """ListResourceTags: Tags [{TagKey, TagValue}] of a customer key, paged
    by Limit/Marker.  An AWS managed key's policy grants no one
    kms:ListResourceTags: AccessDeniedException, as AWS answers."""
    limit = min(check_limit(params), TAGS_MAX_PAGE)
    marker = check_string("kms", params, "Marker", "marker", 1024,
                          MARKER_PATTERN)
    key = key_of(ident, params)
    tags = inventory.key_tags(key)
    if tags is None:
        raise ApiError("kms", "AccessDeniedException",
                       "User: arn:aws:iam::%s:user/cks is not authorized to "
                       "perform: kms:ListResourceTags on resource: %s "
                       "because no resource-based policy allows the "
                       "kms:ListResourceTags action"
                       % (ident.account, key["Arn"]))
    return paged(ident, "tags:" + key["KeyId"], "Tags", tags, limit, marker)


def list_aliases(ident, params, fault):
    """ListAliases: every alias of the account and region (or of one key
    with KeyId), aliases without a target included, paged by Limit/Marker."""
    require_object("kms", params)
    limit = min(check_limit(params), ALIASES_MAX_PAGE)
    marker = check_string("kms", params, "Marker", "marker", 1024,
                          MARKER_PATTERN)
    inv, _ = live_keys(ident)
    aliases = inv.alias_list
    if params.get("KeyId") is not None:
        key = key_of(ident, params)
        aliases = [a for a in aliases if a.get("TargetKeyId") == key["KeyId"]]
    return paged(ident, "aliases", "Aliases", aliases, limit, marker)


def paged(ident, kind, field, entries, limit, marker):
    """One Limit/Marker page of entries, the marker bound to the listing."""
    scope = (ident.account, ident.region)
    offset = 0
    if marker is not None:
        offset = decode_token(marker, kind, scope, len(entries))
        if offset is None:
            raise ApiError("kms", "InvalidMarkerException", INVALID_MARKER)
    stop = min(offset + limit, len(entries))
    answer = {field: entries[offset:stop], "Truncated": stop < len(entries)}
    if stop < len(entries):
        answer["NextMarker"] = encode_token(kind, scope, stop)
    return answer


OPERATIONS = {
    "DescribeCustomKeyStores": describe_custom_key_stores,
    "ListKeys": list_keys,
    "DescribeKey": describe_key,
    "GetKeyLastUsage": get_key_last_usage,
    "ListResourceTags": list_resource_tags,
    "ListAliases": list_aliases,
}
