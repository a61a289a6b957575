"""AWS Organizations (JSON 1.1, AWSOrganizationsV20161128): ListAccounts.

The organization is the default one (management 111111111111, the five
fixed accounts and every account of the range, all ACTIVE) until a test
sets members, statuses, the management account or delegated
administrators through POST /_cks/organization (ctl.py org).  Only the
management account and delegated administrators may list accounts.
"""

import fixtures
import state
from common import ApiError, check_int, check_string, require_object
from state import decode_token, encode_token

STATUSES = ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE")


def account_entry(account_id, status, index, management, name=None):
    """One ListAccounts member, members in the model's order."""
    return {
        "Id": account_id,
        "Arn": "arn:aws:organizations::%s:account/%s/%s"
               % (management, fixtures.ORG_ID, account_id),
        "Email": "aws+%s@cks.example.com" % account_id,
        "Name": name or "cks-%s" % account_id,
        "Status": status,
        "JoinedMethod": "CREATED" if account_id == management or index % 2
        else "INVITED",
        "JoinedTimestamp": round(1600000000 + index * 86400 + 0.25, 3),
    }


def default_organization():
    ids = list(fixtures.KEYS_BY_ACCOUNT)
    with state.STATE.lock:
        rng = state.STATE.account_range
    if rng is not None:
        ids += [a for a in rng.accounts() if a not in ids]
    return {"enabled": True,
            "management": fixtures.ORG_MANAGEMENT_ACCOUNT,
            "delegated_admins": [],
            "accounts": [{"Id": a, "Status": "ACTIVE"} for a in ids]}


def normalize_organization(args):
    """Check a POST /_cks/organization body; accounts may be given as
    "ID" or "ID:STATUS" strings or as {"Id", "Status", "Name"} objects."""
    base = default_organization()
    org = {"enabled": bool(args.get("enabled", True)),
           "management": str(args.get("management", base["management"])),
           "delegated_admins": [str(a) for a in
                                args.get("delegated_admins", [])]}
    accounts = []
    for item in args.get("accounts", base["accounts"]):
        if isinstance(item, str):
            account_id, _, status = item.partition(":")
            item = {"Id": account_id, "Status": status or "ACTIVE"}
        account_id = str(item["Id"])
        status = str(item.get("Status", "ACTIVE"))
        if len(account_id) != 12 or not account_id.isdigit():
            raise ValueError("account ids are 12 digits: %r" % account_id)
        if status not in STATUSES:
            raise ValueError("status must be one of %s" % ", ".join(STATUSES))
        entry = {"Id": account_id, "Status": status}
        if item.get("Name"):
            entry["Name"] = str(item["Name"])
        accounts.append(entry)
    if len(accounts) > 200000:
        raise ValueError("at most 200000 accounts")
    org["accounts"] = accounts
    return org


def current_organization():
    with state.STATE.lock:
        org = state.STATE.organization
    return org if org is not None else default_organization()


def member_list(org):
    management = org["management"]
    return [account_entry(a["Id"], a["Status"], i, management, a.get("Name"))
            for i, a in enumerate(org["accounts"])]


def list_accounts(ident, params, fault):
    """ListAccounts: {Accounts:[...], NextToken?}, MaxResults 1..20."""
    require_object("organizations", params)
    org = current_organization()
    member_ids = {a["Id"] for a in org["accounts"]}
    if not org["enabled"] or ident.account not in member_ids:
        raise ApiError("organizations", "AWSOrganizationsNotInUseException",
                       "Your account is not a member of an organization.")
    if (ident.account != org["management"]
            and ident.account not in org["delegated_admins"]):
        raise ApiError("organizations", "AccessDeniedException",
                       "You don't have permissions to access this resource.")
    limit = check_int("organizations", params, "MaxResults", "maxResults", 1,
                      fixtures.ORG_MAX_RESULTS, fixtures.ORG_MAX_RESULTS)
    token = check_string("organizations", params, "NextToken", "nextToken",
                         100000)
    members = org["accounts"]
    scope = (org["management"], fixtures.ORG_ID)
    offset = 0
    if token is not None:
        offset = decode_token(token, "accounts", scope, len(members))
        if offset is None:
            raise ApiError("organizations", "InvalidInputException",
                           "You specified an invalid value for nextToken. "
                           "You must get the value from the response to a "
                           "previous call to the API.",
                           extra={"Reason": "INVALID_PAGINATION_TOKEN"})
    stop = min(offset + limit, len(members))
    answer = {"Accounts": [
        account_entry(a["Id"], a["Status"], offset + i, org["management"],
                      a.get("Name"))
        for i, a in enumerate(members[offset:stop])]}
    if stop < len(members):
        answer["NextToken"] = encode_token("accounts", scope, stop)
    return answer


OPERATIONS = {"ListAccounts": list_accounts}
