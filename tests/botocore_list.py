#!/usr/bin/python3
"""List custom key stores from the local endpoint with a real botocore client.

The regression suite loads this output with psql's \\copy and compares it,
column by column, with what cks_fdw returns: if botocore (and so every AWS
SDK) agrees with us on the same endpoint, our wire protocol is right.

Output: one line per entry, base64 of the entry's JSON (so COPY's text
format needs no escaping), CreationDate as an ISO-8601 timestamp with
microseconds (botocore parses it into a datetime).

usage: botocore_list.py REGION ACCESS_KEY SECRET_KEY [--page-size N]
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
    args = parser.parse_args()

    client = botocore.session.get_session().create_client(
        "kms", region_name=args.region,
        endpoint_url=os.environ["CKS_ENDPOINT_URL"],
        aws_access_key_id=args.access_key,
        aws_secret_access_key=args.secret_key,
        config=Config(retries={"max_attempts": 1}))
    paginator = client.get_paginator("describe_custom_key_stores")
    for page in paginator.paginate(PaginationConfig={"PageSize": args.page_size}):
        for entry in page["CustomKeyStores"]:
            if isinstance(entry.get("CreationDate"), datetime.datetime):
                entry["CreationDate"] = entry["CreationDate"].isoformat()
            line = json.dumps(entry, ensure_ascii=False).encode("utf-8")
            print(base64.b64encode(line).decode("ascii"))


if __name__ == "__main__":
    main()
