"""The endpoint's shared, mutable state and its opaque pagination tokens.

One State object holds everything the request threads share: the data
sets, issued credentials, the request log, queued faults, the config and
the organization.  The service modules reach it through `state.STATE`,
which the entry point (kms_endpoint.py) sets at start-up.
"""

import base64
import hashlib
import hmac
import secrets
import threading
import time

import data
import fixtures
import inventory

# Markers carry an HMAC so that a forged or edited marker is detected.  The
# key is fixed on purpose: the same data gives the same markers on every
# run, which keeps logged request parameters deterministic.
MARKER_KEY = b"cks-endpoint-marker-key-v1"

# name -> (default, allowed types).  null in POST /_cks/config restores the
# default.  Numbers are seconds or milliseconds as the name says.
CONFIG_SPEC = {
    "clock_offset_seconds": (0, (int, float)),
    "sts_expiry_seconds": (None, (int, float)),
    "latency_ms": (0, (int, float)),
    "kms_latency_ms": (0, (int, float)),
    "sts_latency_ms": (0, (int, float)),
    "credential_lifetime_seconds": (None, (int, float)),
    "imds_v1_allowed": (False, (bool,)),
    "imds_role_name": (fixtures.IMDS_ROLE_NAME, (str,)),
    "ecs_auth_token": (fixtures.ECS_AUTH_TOKEN, (str,)),
    "web_identity_token": (fixtures.WEB_IDENTITY_TOKEN, (str,)),
    # the Date header of every answer, verbatim (a clock-skew test sends
    # absurd ones); null: the endpoint's clock
    "date_header": (None, (str,)),
    # AWS's default request quotas (quotas.py); the default is the command
    # line's (--no-quotas turns them off), restored by a reset
    "quotas": (True, (bool,)),
    # per-test rates: {"Operation" or "service:Operation": requests/s}
    "quota_rates": ({}, (dict,)),
}
DEFAULT_CONFIG = {k: v[0] for k, v in CONFIG_SPEC.items()}

MAX_PATTERN_ACCOUNTS = 100000
MAX_IMDS_TOKENS = 10000

STATE = None        # the State of the running server


class AccountRange:
    """Every 12-digit account id from first to last (inclusive) is an
    account with generated data: stores_per_region stores in any region,
    and the roles of fixtures.PATTERN_ROLE_NAMES."""

    def __init__(self, first, last, stores_per_region=2):
        first, last = str(first), str(last)
        for value in (first, last):
            if len(value) != 12 or not value.isdigit():
                raise ValueError("account ids are 12 digits: %r" % value)
        if int(last) < int(first):
            raise ValueError("last account is before the first")
        if int(last) - int(first) + 1 > MAX_PATTERN_ACCOUNTS:
            raise ValueError("at most %d accounts" % MAX_PATTERN_ACCOUNTS)
        stores = int(stores_per_region)
        if not 0 <= stores <= 1000:
            raise ValueError("stores_per_region must be 0..1000")
        self.first, self.last, self.stores = int(first), int(last), stores

    def __contains__(self, account):
        return (isinstance(account, str) and len(account) == 12
                and account.isdigit()
                and self.first <= int(account) <= self.last)

    def accounts(self):
        return ["%012d" % a for a in range(self.first, self.last + 1)]

    def as_dict(self):
        return {"first": "%012d" % self.first, "last": "%012d" % self.last,
                "stores_per_region": self.stores}


class State:
    """Everything the request threads share, guarded by one lock.

    Data sets are immutable objects swapped in whole, so readers take the
    lock only to look one up; the log, faults, config and issued
    credentials are small and only touched under the lock.
    """

    def __init__(self, account_range=None, quotas=True):
        self.base_quotas = quotas
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.builtin = {key: data.DataSet(key[0], key[1], entries)
                        for key, entries in data.builtin_entries().items()}
        self.rich = self.builtin[(fixtures.RICH_ACCOUNT,
                                  fixtures.RICH_REGION)]
        self.base_range = account_range
        self.temp_creds = {}    # ASIA... -> dict, kept across resets
        self.imds_tokens = {}   # token -> expiry (server clock)
        self.reset()

    def reset(self):
        with self.lock:
            self.datasets = dict(self.builtin)
            self.log = []
            self.seq = 0
            self.faults = []
            self.config = dict(DEFAULT_CONFIG)
            self.config["quotas"] = self.base_quotas
            self.config["quota_rates"] = {}
            self.account_range = self.base_range
            self.organization = None        # None: the default one
            self.extra_keys = dict(inventory.DEFAULT_EXTRA_KEYS)
            self.deleted_keys = set()
            self.inventories = {}
            self.imds_tokens = {}

    def now(self):
        """The server clock: real time plus the configured offset."""
        return time.time() + self.config["clock_offset_seconds"]

    def setting(self, name):
        with self.lock:
            return self.config[name]

    # ---- accounts and data ------------------------------------------------

    def is_pattern_account(self, account):
        with self.lock:
            rng = self.account_range
        return rng is not None and account in rng

    def dataset(self, account, region):
        with self.lock:
            ds = self.datasets.get((account, region))
            rng = self.account_range
        if ds is not None:
            return ds
        if rng is not None and account in rng:
            ds = data.DataSet(account, region, data.pattern_entries(
                account, region, rng.stores))
            with self.lock:
                ds = self.datasets.setdefault((account, region), ds)
            return ds
        return data.DataSet(account, region, [])

    def inventory(self, account, region):
        """Clusters and keys of (account, region), built on first use and
        rebuilt when its store list or generated key count changes."""
        ds = self.dataset(account, region)
        with self.lock:
            extra = self.extra_keys.get((account, region), 0)
            cached = self.inventories.get((account, region))
        # an inventory depends only on the entries: any two empty lists
        # (regions without data get a fresh empty DataSet) are the same
        if (cached is not None and cached[1] == extra
                and (cached[0] is ds or not (cached[0].entries
                                             or ds.entries))):
            return cached[2]
        inv = inventory.Inventory(account, region, ds.entries, extra,
                                  rich=ds is self.rich)
        with self.lock:
            self.inventories[(account, region)] = (ds, extra, inv)
        return inv

    def replace_stores(self, account, region, count, prefix):
        """Install `count` generated entries for (account, region).

        The 9-hex id prefix is derived from the arguments and re-derived
        with a salt until no other list uses it, so ids stay unique across
        every list without checking each id.
        """
        with self.lock:
            used = {ds.id_prefix for key, ds in self.datasets.items()
                    if key != (account, region)}
            used_builtin = {e["CustomKeyStoreId"][4:13]
                            for ds in self.builtin.values()
                            for e in ds.entries}
        salt = 0
        while True:
            seed = "%s/%s/%s/%d" % (account, region, prefix, salt)
            id_prefix = hashlib.sha256(seed.encode()).hexdigest()[:9]
            if id_prefix not in used and id_prefix not in used_builtin:
                break
            salt += 1
        entries = data.generated_entries(account, region, count, prefix,
                                         id_prefix)
        ds = data.DataSet(account, region, entries, id_prefix)
        with self.lock:
            self.datasets[(account, region)] = ds
        return ds

    # ---- credentials ------------------------------------------------------

    def issue_credentials(self, account, arn, user_id, lifetime):
        """New temporary credentials of a real identity of the endpoint:
        KMS and the other services accept them until they expire."""
        akid, secret, token = new_temporary_credentials()
        expiration = int(self.now()) + int(lifetime)
        with self.lock:
            self.temp_creds[akid] = {
                "secret": secret, "token": token, "account": account,
                "arn": arn, "user_id": user_id, "expiration": expiration,
            }
        return akid, secret, token, expiration

    def new_imds_token(self, ttl):
        token = base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()
        now = self.now()
        with self.lock:
            if len(self.imds_tokens) >= MAX_IMDS_TOKENS:
                self.imds_tokens = {t: e for t, e in self.imds_tokens.items()
                                    if e > now}
            self.imds_tokens[token] = now + ttl
        return token

    def imds_token_valid(self, token):
        with self.lock:
            expiry = self.imds_tokens.get(token)
        return expiry is not None and self.now() < expiry

    # ---- log and faults ---------------------------------------------------

    def log_start(self, record):
        with self.lock:
            self.seq += 1
            record["seq"] = self.seq
            self.log.append(record)

    def log_update(self, record, **fields):
        with self.lock:
            record.update(fields)

    def log_snapshot(self, since=0):
        with self.lock:
            return [dict(r) for r in self.log if r["seq"] > since]

    def take_fault(self, service, operation, region, account):
        """Consume one use of the first queued fault matching the request."""
        with self.lock:
            for fault in self.faults:
                match = fault["match"]
                if (match.get("service", service) == service
                        and match.get("operation", operation) == operation
                        and match.get("region", region) == region
                        and match.get("account", account) == account):
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self.faults.remove(fault)
                    return dict(fault)
        return None


def new_temporary_credentials():
    """Random ASIA key id, secret and session token shaped like AWS's."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    akid = "ASIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    secret = base64.b64encode(secrets.token_bytes(30)).decode()
    token = "IQoJb3JpZ2luX2VjE" + base64.b64encode(
        secrets.token_bytes(300)).decode()
    return akid, secret, token


# --------------------------------------------------------------------------
# Markers and tokens

def encode_marker(account, region, offset):
    """An opaque marker bound to one list and position."""
    payload = "%s|%s|%d" % (account, region, offset)
    mac = hmac.new(MARKER_KEY, payload.encode(), hashlib.sha256).hexdigest()
    raw = "v1|%s|%s" % (payload, mac[:16])
    return base64.b64encode(raw.encode()).decode()


def decode_marker(marker, account, region, length):
    """The offset a marker points at, or None if it is not one of ours for
    this (account, region) or points past the end of the current list."""
    try:
        raw = base64.b64decode(marker.encode("ascii"), validate=True).decode()
        version, m_account, m_region, m_offset, mac = raw.split("|")
        offset = int(m_offset)
    except (ValueError, UnicodeError):
        return None
    if version != "v1" or not hmac.compare_digest(
            marker, encode_marker(m_account, m_region, offset)):
        return None
    if (m_account, m_region) != (account, region):
        return None
    if offset < 0 or offset > length:
        return None
    return offset


def encode_token(kind, scope, offset):
    """A pagination token of another listing (`kind`: keys, clusters,
    accounts), bound to its scope (e.g. account and region) so that it
    is refused elsewhere; not valid as a DescribeCustomKeyStores marker."""
    return encode_marker(kind + ":" + scope[0], scope[1], offset)


def decode_token(token, kind, scope, length):
    return decode_marker(token, kind + ":" + scope[0], scope[1], length)
