#!/usr/bin/python3
"""List custom key stores, CloudHSM clusters or KMS keys from the local
endpoint with a real botocore client.

The regression suite loads this output with psql's \\copy and compares it,
column by column, with what cks_fdw returns: if botocore (and so every AWS
SDK) agrees with us on the same endpoint, our wire protocol is right.

Output: one line per entry, base64 of the entry's JSON (so COPY's text
format needs no escaping), timestamps (CreationDate, DeletionDate, ValidTo,
CreateTimestamp) as ISO-8601 with microseconds (botocore parses them into
datetimes).  Keys are ListKeys pages, each key then DescribeKey'd, as an
SDK user would do it.

usage: botocore_list.py REGION ACCESS_KEY SECRET_KEY [--page-size N]
                        [--what stores|clusters|keys|hsms|backups|key-extras]

Older botocore models (Debian 13's 1.37) lack GetKeyLastUsage and
KeyMetadata.CurrentKeyMaterialId: botocore's own "sdk-extras" mechanism
then adds them from tests/lib/botocore-extras (written from the KMS API
reference), so every botocore reads the same fields.

--what key-extras adds to each
key's KeyMetadata what the keys table's follow-up columns read: "_Usage"
(GetKeyLastUsage's answer, timestamps ISO-8601), "_Tags" (ListResourceTags,
every page, as an object; null when AWS refuses it) and "_Aliases" (the
names of the aliases ListAliases gives for the key, sorted; null for none).
"""
import argparse
import base64
import datetime
import json
import os

import botocore.session
from botocore.config import Config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("region")
    parser.add_argument("access_key")
    parser.add_argument("secret_key")
    parser.add_argument("--page-size", type=int, default=7)
    parser.add_argument("--what", default="stores",
                        choices=("stores", "clusters", "keys", "hsms",
                                 "backups", "key-extras"))
    args = parser.parse_args()

    def client(service):
        return new_session().create_client(
            service, region_name=args.region,
            endpoint_url=os.environ["CKS_ENDPOINT_URL"],
            aws_access_key_id=args.access_key,
            aws_secret_access_key=args.secret_key,
            # the endpoint enforces AWS's default quotas (GetKeyLastUsage 5
            # per second): botocore's adaptive mode paces and retries
            # throttled calls, as an SDK user's script would (the listings
            # here inject no other fault for it to retry)
            config=Config(retries={"mode": "adaptive",
                                   "total_max_attempts": 20}))

    pages = {"PaginationConfig": {"PageSize": args.page_size}}
    if args.what == "stores":
        kms = client("kms")
        for page in kms.get_paginator("describe_custom_key_stores").paginate(**pages):
            for entry in page["CustomKeyStores"]:
                emit(entry)
    elif args.what in ("clusters", "hsms"):
        hsm = client("cloudhsmv2")
        for page in hsm.get_paginator("describe_clusters").paginate(**pages):
            for entry in page["Clusters"]:
                if args.what == "clusters":
                    emit(entry)
                else:
                    for one in entry.get("Hsms", []):
                        emit(one)
    elif args.what == "backups":
        hsm = client("cloudhsmv2")
        for page in hsm.get_paginator("describe_backups").paginate(**pages):
            for entry in page["Backups"]:
                emit(entry)
    elif args.what == "keys":
        kms = client("kms")
        for page in kms.get_paginator("list_keys").paginate(**pages):
            for key in page["Keys"]:
                emit(kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"])
    else:
        key_extras(client("kms"), pages)


def new_session():
    """A botocore session, with tests/lib/botocore-extras merged into the
    KMS model when its own model lacks GetKeyLastUsage."""
    session = botocore.session.get_session()
    if "GetKeyLastUsage" not in session.get_service_model(
            "kms").operation_names:
        session = botocore.session.get_session()
        session.get_component("data_loader").search_paths.insert(
            0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "botocore-extras"))
    return session


def key_extras(kms, pages):
    """Every key with its last use, tags and aliases (see the docstring)."""
    aliases = {}
    for page in kms.get_paginator("list_aliases").paginate(**pages):
        for alias in page["Aliases"]:
            if "TargetKeyId" in alias:
                aliases.setdefault(alias["TargetKeyId"], []).append(
                    alias["AliasName"])
    for page in kms.get_paginator("list_keys").paginate(**pages):
        for key in page["Keys"]:
            meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
            usage = kms.get_key_last_usage(KeyId=key["KeyId"])
            usage.pop("ResponseMetadata", None)
            iso_times(usage)
            iso_times(usage.get("KeyLastUsage", {}))
            meta["_Usage"] = usage
            meta["_Tags"] = tags_of(kms, key["KeyId"])
            names = aliases.get(key["KeyId"])
            meta["_Aliases"] = sorted(names) if names else None
            emit(meta)


def tags_of(kms, key_id):
    tags = {}
    try:
        for page in kms.get_paginator("list_resource_tags").paginate(
                KeyId=key_id, PaginationConfig={"PageSize": 2}):
            for tag in page["Tags"]:
                tags[tag["TagKey"]] = tag["TagValue"]
    except kms.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "AccessDeniedException":
            raise
        return None
    return tags


def iso_times(entry):
    for field, value in entry.items():
        if isinstance(value, datetime.datetime):
            entry[field] = value.isoformat()


def emit(entry):
    for field, value in entry.items():
        if isinstance(value, datetime.datetime):
            entry[field] = value.isoformat()
    line = json.dumps(entry, ensure_ascii=False).encode("utf-8")
    print(base64.b64encode(line).decode("ascii"))


if __name__ == "__main__":
    main()
