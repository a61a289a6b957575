"""Temporary credentials from the local endpoint, for the suites that need
keys whose every part is known (a session token to find in a dump, a log or
an echoed error): AssumeRole of cks-reader signed with the first test
account's keys.  As a command it prints KEY_ID SECRET TOKEN on one line:

    /usr/bin/python3 tests/lib/temp_credentials.py SESSION_NAME

Suites that need more than the three values import assume_role."""
import os
import sys

import botocore.session


def assume_role(session_name):
    """(AccessKeyId, SecretAccessKey, SessionToken) of a new session."""
    s = botocore.session.get_session()
    url = os.environ.get("CKS_ENDPOINT_URL") or "http://127.0.0.1:%s" % open(
        os.environ["CKS_ENDPOINT_PORT_FILE"]).read().strip()
    c = s.create_client("sts", region_name="us-east-1", endpoint_url=url,
                        aws_access_key_id="AKIDCKSTEST111111111",
                        aws_secret_access_key="cks/test/secret/111111111111/AAAAAAAAAAAA")
    r = c.assume_role(RoleArn="arn:aws:iam::111111111111:role/cks-reader",
                      RoleSessionName=session_name)["Credentials"]
    return r["AccessKeyId"], r["SecretAccessKey"], r["SessionToken"]


if __name__ == "__main__":
    print(*assume_role(sys.argv[1]))
