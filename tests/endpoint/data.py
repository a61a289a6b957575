"""Custom key store data served by the local KMS test endpoint.

The endpoint keeps one list of DescribeCustomKeyStores entries per
(account, region).  This module builds the built-in, deterministic lists (the
same bytes on every run, so pg_regress expected output can show them) and the
large generated lists that POST /_cks/stores asks for.  A DataSet also keeps
what the request path needs to be fast: each entry already serialized to JSON
and indexes by id and by name.
"""

import hashlib
import json

import fixtures

# Key order of an entry as the KMS API reference documents it; AWS sends
# the members in this order and the raw jsonb column shows it.
ENTRY_KEYS = (
    "CustomKeyStoreId", "CustomKeyStoreName", "CloudHsmClusterId",
    "TrustAnchorCertificate", "ConnectionState", "ConnectionErrorCode",
    "CreationDate", "CustomKeyStoreType", "XksProxyConfiguration",
)
XKS_KEYS = (
    "AccessKeyId", "Connectivity", "UriEndpoint", "UriPath",
    "VpcEndpointServiceName", "VpcEndpointServiceOwner",
)

CONNECTION_STATES = ("CONNECTED", "CONNECTING", "FAILED", "DISCONNECTED",
                     "DISCONNECTING")
HSM_ERROR_CODES = ("NETWORK_ERRORS", "CLUSTER_NOT_FOUND", "USER_LOCKED_OUT",
                   "INVALID_CREDENTIALS", "SUBNET_NOT_FOUND",
                   "INSUFFICIENT_CLOUDHSM_HSMS")
XKS_ERROR_CODES = ("XKS_PROXY_TIMED_OUT", "XKS_PROXY_NOT_REACHABLE",
                   "INVALID_CREDENTIALS", "XKS_PROXY_INVALID_RESPONSE",
                   "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND")


def to_json(value):
    """Serialize the way AWS does on the wire: compact, raw UTF-8."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def store_id(seed):
    """An id shaped like AWS's (cks- and 17 hex digits), stable for a seed."""
    return "cks-" + hashlib.sha256(seed.encode()).hexdigest()[:17]


def pem_certificate(seed, total_length):
    """A PEM-looking certificate of exactly total_length characters.

    The content is deterministic filler, not a parsable certificate: the
    tests only care that a long multi-line value survives byte for byte.
    """
    head = "-----BEGIN CERTIFICATE-----\n"
    tail = "\n-----END CERTIFICATE-----"
    body_len = total_length - len(head) - len(tail)
    alphabet = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                "0123456789+/")
    chars = []
    digest = hashlib.sha256(seed.encode()).digest()
    while len(chars) < body_len:
        digest = hashlib.sha256(digest).digest()
        chars.extend(alphabet[b % 64] for b in digest)
    body = []
    for i in range(body_len):
        # a newline after every 64 characters, like a real PEM body
        body.append("\n" if i % 65 == 64 else chars[i])
    text = head + "".join(body) + tail
    assert len(text) == total_length
    return text


def ordered(entry):
    """Return entry with its keys in AWS's documented order."""
    out = {k: entry[k] for k in ENTRY_KEYS if k in entry}
    xks = out.get("XksProxyConfiguration")
    if xks is not None:
        out["XksProxyConfiguration"] = {k: xks[k] for k in XKS_KEYS if k in xks}
    assert len(out) == len(entry), "unknown key in entry"
    return out


def hsm(seed, name, state, created, error=None, cluster=None, cert_len=1200):
    """A CloudHSM key store entry."""
    entry = {
        "CustomKeyStoreId": store_id(seed),
        "CustomKeyStoreName": name,
        "CloudHsmClusterId": cluster or
        "cluster-" + hashlib.sha256(("cl" + seed).encode()).hexdigest()[:11],
        "TrustAnchorCertificate": pem_certificate(seed, cert_len),
        "ConnectionState": state,
        "CreationDate": created,
        "CustomKeyStoreType": "AWS_CLOUDHSM",
    }
    if error:
        entry["ConnectionErrorCode"] = error
    return ordered(entry)


def xks(seed, name, state, created, account, region, vpc=False, error=None):
    """An external key store entry (public endpoint or VPC endpoint service)."""
    h = hashlib.sha256(("xks" + seed).encode()).hexdigest()
    proxy = {
        "AccessKeyId": "XKS" + h[:17].upper(),
        "Connectivity": "VPC_ENDPOINT_SERVICE" if vpc else "PUBLIC_ENDPOINT",
        "UriEndpoint": ("https://xks-%s.%s.example.com" % (h[17:23], region)),
        "UriPath": "/kms/xks/v1" if not vpc else "/example/prefix/kms/xks/v1",
    }
    if vpc:
        proxy["VpcEndpointServiceName"] = (
            "com.amazonaws.vpce.%s.vpce-svc-%s" % (region, h[23:40]))
        proxy["VpcEndpointServiceOwner"] = account
    entry = {
        "CustomKeyStoreId": store_id(seed),
        "CustomKeyStoreName": name,
        "ConnectionState": state,
        "CreationDate": created,
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyConfiguration": proxy,
    }
    if error:
        entry["ConnectionErrorCode"] = error
    return ordered(entry)


def rich_entries():
    """The ~14 entries of 111111111111 / us-east-1: every type, state,
    error-code family, awkward names, a 5,000-character certificate and an
    entry without any optional field."""
    a, r = fixtures.ACCOUNT_1, "us-east-1"
    s = "builtin/%s/%s/" % (a, r)
    return [
        hsm(s + "1", "prod-hsm-primary", "CONNECTED", 1700000000.123,
            cluster="cluster-1a23b4cdefg"),
        hsm(s + "2", "prod-hsm-secondary", "CONNECTING", 1700000100.5),
        hsm(s + "3", "hsm-failed-network", "FAILED", 1700000200.001,
            error="NETWORK_ERRORS"),
        hsm(s + "4", "hsm-failed-cluster", "FAILED", 1700000300.25,
            error="CLUSTER_NOT_FOUND"),
        hsm(s + "5", "hsm-locked-out", "FAILED", 1700000400.999,
            error="USER_LOCKED_OUT"),
        hsm(s + "6", "hsm-disconnected", "DISCONNECTED", 1700000500.0),
        xks(s + "7", "xks-public", "CONNECTED", 1700000600.75, a, r),
        xks(s + "8", "xks-vpc", "DISCONNECTING", 1700000700.01, a, r,
            vpc=True),
        xks(s + "9", "xks-failed-credentials", "FAILED", 1700000800.1, a, r,
            error="INVALID_CREDENTIALS"),
        xks(s + "10", "xks-vpc-timeout", "FAILED", 1700000900.9, a, r,
            vpc=True, error="XKS_PROXY_TIMED_OUT"),
        xks(s + "11", "Ünïcode ключ 🔑", "CONNECTED", 1700001000.321, a, r),
        hsm(s + "12", "it's a \"quoted\" back\\slash\\ name", "CONNECTED",
            1700001100.456),
        hsm(s + "13", "hsm-big-trust-anchor", "CONNECTED", 1700001200.789,
            cert_len=5000),
        # leaves every optional member out, as old stores may
        ordered({"CustomKeyStoreId": store_id(s + "14"),
                 "CustomKeyStoreName": "minimal-no-optional-fields"}),
    ]


def simple_entries(account, region, count):
    """A few plain entries whose names show account and region."""
    s = "builtin/%s/%s/" % (account, region)
    out = []
    for i in range(1, count + 1):
        name = "acct%s-%s-%d" % (account[:3], region, i)
        created = round(1710000000 + int(account[0]) * 1000000
                        + i * 86400 + i / 1000.0, 3)
        if i % 2 == 1:
            out.append(hsm(s + str(i), name + "-hsm", "CONNECTED", created))
        else:
            out.append(xks(s + str(i), name + "-xks", "DISCONNECTED", created,
                           account, region))
    return out


# (account, region) -> number of simple entries; the rich pair is separate.
SIMPLE_COUNTS = {
    (fixtures.ACCOUNT_1, "eu-west-1"): 2,
    (fixtures.ACCOUNT_1, "ap-southeast-2"): 1,
    (fixtures.ACCOUNT_2, "us-east-1"): 3,
    (fixtures.ACCOUNT_2, "eu-west-1"): 2,
    (fixtures.ACCOUNT_2, "ap-southeast-2"): 0,
    (fixtures.ACCOUNT_3, "us-east-1"): 1,
    (fixtures.ACCOUNT_3, "eu-west-1"): 4,
    (fixtures.ACCOUNT_3, "ap-southeast-2"): 2,
}


def builtin_entries():
    """All built-in lists: {(account, region): [entry, ...]}."""
    out = {(fixtures.RICH_ACCOUNT, fixtures.RICH_REGION): rich_entries()}
    for (account, region), n in SIMPLE_COUNTS.items():
        out[(account, region)] = simple_entries(account, region, n)
    return out


def generated_entries(account, region, count, prefix, id_prefix):
    """count deterministic entries for POST /_cks/stores.

    Ids are id_prefix (9 hex digits, chosen by the caller so that it is not
    used by any other list) followed by the index in 8 hex digits, which
    keeps them unique without a per-id check.  Types, states and optional
    members rotate so that a large scan meets every shape.
    """
    out = []
    append = out.append
    for i in range(count):
        name = "%s-%s-%s-%06d" % (prefix, account, region, i)
        sid = "cks-%s%08x" % (id_prefix, i)
        created = round(1600000000 + i * 61 + (i % 1000) / 1000.0, 3)
        state = CONNECTION_STATES[i % 5]
        if i % 101 == 100:
            append({"CustomKeyStoreId": sid, "CustomKeyStoreName": name})
        elif i % 2 == 0:
            entry = {
                "CustomKeyStoreId": sid,
                "CustomKeyStoreName": name,
                "CloudHsmClusterId": "cluster-%011x" % (i * 7919 % (1 << 44)),
                "TrustAnchorCertificate":
                    "-----BEGIN CERTIFICATE-----\nMIIB%08d\n"
                    "-----END CERTIFICATE-----" % i,
                "ConnectionState": state,
            }
            if state == "FAILED":
                entry["ConnectionErrorCode"] = \
                    HSM_ERROR_CODES[i // 5 % len(HSM_ERROR_CODES)]
            entry["CreationDate"] = created
            entry["CustomKeyStoreType"] = "AWS_CLOUDHSM"
            append(entry)
        else:
            vpc = i % 4 == 3
            proxy = {
                "AccessKeyId": "XKSGEN%014d" % i,
                "Connectivity":
                    "VPC_ENDPOINT_SERVICE" if vpc else "PUBLIC_ENDPOINT",
                "UriEndpoint": "https://xks%d.%s.example.com" % (i, region),
                "UriPath": "/kms/xks/v1",
            }
            if vpc:
                proxy["VpcEndpointServiceName"] = \
                    "com.amazonaws.vpce.%s.vpce-svc-%017x" % (region, i)
                proxy["VpcEndpointServiceOwner"] = account
            entry = {
                "CustomKeyStoreId": sid,
                "CustomKeyStoreName": name,
                "ConnectionState": state,
            }
            if state == "FAILED":
                entry["ConnectionErrorCode"] = \
                    XKS_ERROR_CODES[i // 5 % len(XKS_ERROR_CODES)]
            entry["CreationDate"] = created
            entry["CustomKeyStoreType"] = "EXTERNAL_KEY_STORE"
            entry["XksProxyConfiguration"] = proxy
            append(entry)
    return out


class DataSet:
    """One (account, region) list plus what makes serving it cheap.

    Entries are immutable once built; replacing a list builds a new DataSet,
    so request threads can use one without holding the endpoint's lock.
    """

    def __init__(self, account, region, entries, id_prefix=None):
        self.account = account
        self.id_prefix = id_prefix      # set for generated lists
        self.region = region
        self.entries = entries
        # serialized lazily, page by page, so a 100,000-entry list is
        # installed quickly and only pages that are read pay for JSON
        self._json = [None] * len(entries)
        self.by_id = {}
        self.by_name = {}
        for i, e in enumerate(entries):
            self.by_id.setdefault(e["CustomKeyStoreId"], i)
            self.by_name.setdefault(e.get("CustomKeyStoreName"), i)

    def __len__(self):
        return len(self.entries)

    def entry_json(self, index):
        """The entry serialized as AWS would; cached (benign race: two
        threads may both compute the same string)."""
        text = self._json[index]
        if text is None:
            text = to_json(self.entries[index])
            self._json[index] = text
        return text

    def page_json(self, start, stop):
        """Comma-joined JSON of entries[start:stop]."""
        return ",".join(self.entry_json(i) for i in range(start, stop))


def pattern_entries(account, region, count):
    """The stores of an account of the --account-range: count entries
    named acct<ACCOUNT>-<region>-<n>-hsm|xks, odd n CloudHSM CONNECTED,
    even n XKS DISCONNECTED, ids unique per account and region."""
    s = "pattern/%s/%s/" % (account, region)
    out = []
    for i in range(1, count + 1):
        name = "acct%s-%s-%d" % (account, region, i)
        created = round(1720000000 + i * 86400 + i / 1000.0, 3)
        if i % 2 == 1:
            out.append(hsm(s + str(i), name + "-hsm", "CONNECTED", created,
                           cert_len=400))
        else:
            out.append(xks(s + str(i), name + "-xks", "DISCONNECTED", created,
                           account, region))
    return out
