"""CloudHSM clusters and KMS keys that go with a list of custom key stores.

The endpoint derives both from the (account, region) store list, so they
are consistent by construction: every AWS_CLOUDHSM store's
CloudHsmClusterId is a cluster of the same account and region, and every
key with a CustomKeyStoreId names a store of that list.  Next to those,
each pair has clusters no store uses, customer keys outside any store,
AWS-managed keys with their alias/aws/... aliases and, on request, many
generated keys (a benchmark pair has 2,000).  Everything is deterministic:
ids come from hashes of the account, region and position.

Field order follows the service models (botocore's service-2.json), which
is the order AWS sends members in.
"""

import hashlib
import time
import uuid

import data
import fixtures

# The benchmark pair: 2,000 generated customer keys, no stores.
BENCH_KEYS_PAIR = (fixtures.ACCOUNT_1, "us-west-2")
BENCH_KEYS_COUNT = 2000
DEFAULT_EXTRA_KEYS = {BENCH_KEYS_PAIR: BENCH_KEYS_COUNT}

# Keys are derived for at most this many stores of one list, so a
# 100,000-entry bulk list stays cheap; the rest simply have no keys.
MAX_STORES_WITH_KEYS = 5000

# A cluster has a PRECO password until it is initialized.
PRECO_STATES = ("UNINITIALIZED", "INITIALIZE_IN_PROGRESS")

CLUSTER_KEYS = (
    "BackupPolicy", "BackupRetentionPolicy", "ClusterId", "CreateTimestamp",
    "Hsms", "HsmType", "HsmTypeRollbackExpiration", "PreCoPassword", "SecurityGroup", "SourceBackupId",
    "State", "StateMessage", "SubnetMapping", "VpcId", "NetworkType",
    "Certificates", "TagList", "Mode",
)
HSM_KEYS = (
    "AvailabilityZone", "ClusterId", "SubnetId", "EniId", "EniIp", "EniIpV6",
    "HsmId", "HsmType", "State", "StateMessage",
)
BACKUP_KEYS = (
    "BackupId", "BackupArn", "BackupState", "ClusterId", "CreateTimestamp",
    "CopyTimestamp", "NeverExpires", "SourceRegion", "SourceBackup",
    "SourceCluster", "DeleteTimestamp", "TagList", "HsmType", "Mode",
)
KEY_METADATA_KEYS = (
    "AWSAccountId", "KeyId", "Arn", "CreationDate", "Enabled", "Description",
    "KeyUsage", "KeyState", "DeletionDate", "ValidTo", "Origin",
    "CustomKeyStoreId", "CloudHsmClusterId", "ExpirationModel", "KeyManager",
    "CustomerMasterKeySpec", "KeySpec", "EncryptionAlgorithms",
    "SigningAlgorithms", "KeyAgreementAlgorithms", "MultiRegion",
    "MultiRegionConfiguration", "PendingDeletionWindowInDays",
    "MacAlgorithms", "XksKeyConfiguration", "CurrentKeyMaterialId",
)
ID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"    # CloudHSM ids: [2-7a-z]


def digest(*parts):
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()


def hex_id(length, *parts):
    return digest(*parts).hex()[:length]


def b32_id(length, *parts):
    return "".join(ID_ALPHABET[b % 32] for b in digest(*parts)[:length])


def key_uuid(*parts):
    return str(uuid.UUID(bytes=digest(*parts)[:16], version=4))


def in_order(value, order):
    out = {k: value[k] for k in order if k in value}
    assert len(out) == len(value), set(value) - set(order)
    return out


def short_cert(*parts):
    """A small PEM-looking certificate: cheap for generated clusters."""
    return ("-----BEGIN CERTIFICATE-----\nMIIB%s\n-----END CERTIFICATE-----"
            % hex_id(48, *parts))


# --------------------------------------------------------------------------
# CloudHSM clusters

# Shapes of the clusters behind the rich list's CloudHSM stores, by store
# name: (cluster state, number of HSMs, state of the last HSM), or
# (cluster state, [(HSM state, index of its AZ: a, b, c), ...]).  They
# cover what key_store_health looks at: two ACTIVE HSMs in two AZs (the
# primary, with a third being deleted), two ACTIVE HSMs in one AZ (the
# secondary), one ACTIVE next to a DEGRADED one (failed-network).
RICH_CLUSTERS = {
    "prod-hsm-primary": ("ACTIVE", [("ACTIVE", 0), ("ACTIVE", 1),
                                    ("DELETE_IN_PROGRESS", 2)]),
    "prod-hsm-secondary": ("ACTIVE", [("ACTIVE", 1), ("ACTIVE", 1)]),
    "hsm-failed-network": ("DEGRADED", [("ACTIVE", 0), ("DEGRADED", 1)]),
    "hsm-failed-cluster": ("ACTIVE", 0, None),
    "hsm-locked-out": ("ACTIVE", 1, "ACTIVE"),
    "hsm-disconnected": ("ACTIVE", 1, "ACTIVE"),
    "it's a \"quoted\" back\\slash\\ name": ("ACTIVE", 2, "ACTIVE"),
    "hsm-big-trust-anchor": ("ACTIVE", 3, "ACTIVE"),
}


def vpc_id(account, region, n):
    return "vpc-" + hex_id(17, "vpc", account, region, n)


HSM_MESSAGES = {
    "ACTIVE": "HSM created.",
    "DEGRADED": "HSM is not responding to health checks.",
    "DELETE_IN_PROGRESS": "HSM is being deleted.",
    "CREATE_IN_PROGRESS": "HSM is being created.",
}


def build_cluster(account, region, cluster_id, created, state, hsm_count,
                  last_hsm_state="ACTIVE", vpc=0, rich=False,
                  source_backup=None, tags=()):
    """One DescribeClusters entry."""
    azs = [region + s for s in "abc"]
    subnets = {az: "subnet-" + hex_id(17, "subnet", account, region, vpc, az)
               for az in azs}
    if isinstance(hsm_count, list):
        specs = hsm_count
    else:
        specs = [(last_hsm_state if n == hsm_count - 1 else "ACTIVE", n % 3)
                 for n in range(hsm_count)]
    hsm_type = "hsm1.medium" if vpc == 0 else "hsm2m.medium"
    hsms = []
    for n, (hsm_state, az_index) in enumerate(specs):
        az = azs[az_index]
        hsm = {
            "AvailabilityZone": az,
            "ClusterId": cluster_id,
            "SubnetId": subnets[az],
            "EniId": "eni-" + hex_id(17, "eni", cluster_id, n),
            "EniIp": "10.%d.%d.%d" % (vpc, az_index, 10 + n),
            "HsmId": "hsm-" + b32_id(11, "hsm", cluster_id, n),
            "HsmType": hsm_type,
            "State": hsm_state,
            "StateMessage": HSM_MESSAGES[hsm_state],
        }
        if rich and n == 0:
            hsm["EniIpV6"] = "2001:db8:%d::%x" % (vpc, 10 + n)
        hsms.append(in_order(hsm, HSM_KEYS))
    cert = ((lambda kind: data.pem_certificate(cluster_id + kind, 900))
            if rich else (lambda kind: short_cert(cluster_id, kind)))
    if state == "UNINITIALIZED":
        certificates = {"ClusterCsr": cert("csr"),
                        "AwsHardwareCertificate": cert("aws"),
                        "ManufacturerHardwareCertificate": cert("mfr")}
    else:
        certificates = {"HsmCertificate": cert("hsm"),
                        "AwsHardwareCertificate": cert("aws"),
                        "ManufacturerHardwareCertificate": cert("mfr"),
                        "ClusterCertificate": cert("cluster")}
    cluster = {
        "BackupPolicy": "DEFAULT",
        "BackupRetentionPolicy": {"Type": "DAYS",
                                  "Value": str(7 + digest(cluster_id)[0] % 90)},
        "ClusterId": cluster_id,
        "CreateTimestamp": created,
        "Hsms": hsms,
        "HsmType": hsm_type,
        "SecurityGroup": "sg-" + hex_id(17, "sg", cluster_id),
        "State": state,
        "SubnetMapping": subnets,
        "VpcId": vpc_id(account, region, vpc),
        "NetworkType": "IPV4",
        "Certificates": certificates,
        "TagList": [{"Key": k, "Value": v} for k, v in tags],
        "Mode": "FIPS" if vpc == 0 else "NON_FIPS",
    }
    if source_backup:
        cluster["SourceBackupId"] = source_backup
    if rich and len(hsms) == 2 and state == "ACTIVE":
        # a cluster that changed HSM type and may still roll back
        cluster["HsmTypeRollbackExpiration"] = round(created + 40 * 86400.5, 3)
    if state in PRECO_STATES:
        # the PRECO user's password: sensitive, hidden by cks_fdw unless
        # the table has show_sensitive (7 to 32 characters in the model)
        cluster["PreCoPassword"] = "preco-" + hex_id(20, "preco", cluster_id)
    if state == "DEGRADED":
        cluster["StateMessage"] = ("The cluster is degraded: an HSM is not "
                                   "responding.")
    elif state == "UNINITIALIZED":
        cluster["StateMessage"] = "Cluster created; awaiting initialization."
    return in_order(cluster, CLUSTER_KEYS)


def derive_clusters(account, region, stores, rich):
    """The clusters of one (account, region): one per distinct
    CloudHsmClusterId of the stores, in store order, then two no store
    uses (an UNINITIALIZED one restored from a backup, and one in a
    second VPC) when the list has CloudHSM stores or is the rich one."""
    out = []
    seen = set()
    for entry in stores:
        cid = entry.get("CloudHsmClusterId")
        if cid is None or cid in seen:
            continue
        seen.add(cid)
        created = round(float(entry.get("CreationDate", 1600000000))
                        - 30 * 86400, 3)
        name = entry.get("CustomKeyStoreName")
        if rich and name in RICH_CLUSTERS:
            shape = RICH_CLUSTERS[name]
            state, count = shape[0], shape[1]
            last = shape[2] if len(shape) > 2 else None
            tags = (("env", "prod" if "prod" in name else "test"),
                    ("store", name))
            out.append(build_cluster(account, region, cid, created, state,
                                     count, last, rich=True, tags=tags))
        else:
            count = digest("hsms", account, region, cid)[0] % 4
            out.append(build_cluster(account, region, cid, created, "ACTIVE",
                                     count))
    if out or rich:
        base = "cluster-" + b32_id(11, "spare", account, region)
        out.append(build_cluster(
            account, region, base, 1690000000.5, "UNINITIALIZED", 0,
            vpc=1, rich=rich,
            source_backup="backup-" + b32_id(11, "backup", account, region),
            tags=(("env", "staging"),)))
        other = "cluster-" + b32_id(11, "other", account, region)
        out.append(build_cluster(account, region, other, 1690000100.25,
                                 "ACTIVE", 1, vpc=1, rich=rich))
    return out


# --------------------------------------------------------------------------
# KMS keys

SYMMETRIC = {"KeyUsage": "ENCRYPT_DECRYPT", "CustomerMasterKeySpec":
             "SYMMETRIC_DEFAULT", "KeySpec": "SYMMETRIC_DEFAULT",
             "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"]}
RSA_SIGN = {"KeyUsage": "SIGN_VERIFY", "CustomerMasterKeySpec": "RSA_2048",
            "KeySpec": "RSA_2048",
            "SigningAlgorithms": ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384",
                                  "RSASSA_PSS_SHA_512",
                                  "RSASSA_PKCS1_V1_5_SHA_256",
                                  "RSASSA_PKCS1_V1_5_SHA_384",
                                  "RSASSA_PKCS1_V1_5_SHA_512"]}
ECC_AGREE = {"KeyUsage": "KEY_AGREEMENT", "CustomerMasterKeySpec":
             "ECC_NIST_P256", "KeySpec": "ECC_NIST_P256",
             "KeyAgreementAlgorithms": ["ECDH"]}
HMAC = {"KeyUsage": "GENERATE_VERIFY_MAC", "CustomerMasterKeySpec":
        "HMAC_256", "KeySpec": "HMAC_256",
        "MacAlgorithms": ["HMAC_SHA_256"]}


def key_arn(account, region, key_id):
    return "arn:aws:kms:%s:%s:key/%s" % (region, account, key_id)


def make_key(account, region, key_id, created, state, description,
             spec=SYMMETRIC, origin="AWS_KMS", manager="CUSTOMER", **extra):
    """KeyMetadata for one key; extra adds or overrides members."""
    meta = {
        "AWSAccountId": account,
        "KeyId": key_id,
        "Arn": key_arn(account, region, key_id),
        "CreationDate": created,
        "Enabled": state == "Enabled",
        "Description": description,
        "KeyState": state,
        "Origin": origin,
        "KeyManager": manager,
        "MultiRegion": False,
    }
    meta.update(spec)
    if origin == "AWS_KMS" and spec is SYMMETRIC:
        # symmetric keys with KMS key material name their current material
        meta["CurrentKeyMaterialId"] = hex_id(64, "material", key_id)
    if state == "PendingDeletion":
        meta["DeletionDate"] = round(created + 400 * 86400, 3)
    meta.update(extra)
    return in_order(meta, KEY_METADATA_KEYS)


def store_keys(account, region, index, entry):
    """Keys inside one custom key store: 1..3, Enabled, PendingDeletion,
    Disabled in turn while the store is CONNECTED; Unavailable otherwise
    (as KMS reports keys of a disconnected store)."""
    store_type = entry.get("CustomKeyStoreType")
    if store_type not in ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"):
        return []
    sid = entry["CustomKeyStoreId"]
    count = 1 + digest("nkeys", sid)[0] % 3
    created0 = float(entry.get("CreationDate", 1600000000)) + 3600
    out = []
    for n in range(count):
        if entry.get("ConnectionState") != "CONNECTED":
            state = "Unavailable"
        else:
            state = ("Enabled", "PendingDeletion", "Disabled")[n]
        extra = {"CustomKeyStoreId": sid}
        if store_type == "AWS_CLOUDHSM":
            origin = "AWS_CLOUDHSM"
            extra["CloudHsmClusterId"] = entry["CloudHsmClusterId"]
        else:
            origin = "EXTERNAL_KEY_STORE"
            extra["XksKeyConfiguration"] = {
                "Id": "xks-key-" + hex_id(24, "xkskey", sid, n)}
        out.append(make_key(
            account, region, key_uuid("key", sid, n),
            round(created0 + n * 86400 + n / 8.0, 3), state,
            "key %d of %s" % (n + 1, entry.get("CustomKeyStoreName")),
            origin=origin, **extra))
    return out


def aws_managed_keys(account, region):
    """(key, alias) pairs of the AWS-managed keys every pair has."""
    out = []
    for n, service in enumerate(("ebs", "s3", "rds")):
        kid = key_uuid("aws-managed", account, region, service)
        out.append((make_key(
            account, region, kid, 1650000000.0 + n * 1000, "Enabled",
            "Default key that protects my %s data when no other key is "
            "defined" % service.upper(), manager="AWS"),
            "alias/aws/" + service))
    return out


def standalone_keys(account, region, rich):
    """(key, alias or None) customer keys outside any custom key store."""
    k = lambda name: key_uuid("customer", account, region, name)  # noqa
    base = 1680000000.0
    out = [
        (make_key(account, region, k("app"), base + 0.5, "Enabled",
                  "application data key"), "alias/cks-app-data"),
        (make_key(account, region, k("retired"), base + 100.25,
                  "PendingDeletion", "retired key"), None),
    ]
    if not rich:
        return out
    mrk = "mrk-" + hex_id(32, "mrk", account, region)
    out += [
        (make_key(account, region, k("rsa"), base + 200.0, "Enabled",
                  "document signing", spec=RSA_SIGN), "alias/cks-signing"),
        (make_key(account, region, k("ecc"), base + 300.0, "Disabled",
                  "old key agreement key", spec=ECC_AGREE), None),
        (make_key(account, region, k("hmac"), base + 400.0, "Enabled",
                  "token MAC", spec=HMAC), None),
        (make_key(account, region, k("imported"), base + 500.0, "Enabled",
                  "imported key material", origin="EXTERNAL",
                  ExpirationModel="KEY_MATERIAL_EXPIRES",
                  ValidTo=1893456000.0), "alias/cks-imported"),
        (make_key(account, region, k("awaiting"), base + 600.0,
                  "PendingImport", "waiting for key material",
                  origin="EXTERNAL"), None),
        (make_key(account, region, mrk, base + 700.0,
                  "PendingReplicaDeletion", "multi-Region primary",
                  MultiRegion=True, PendingDeletionWindowInDays=7,
                  MultiRegionConfiguration={
                      "MultiRegionKeyType": "PRIMARY",
                      "PrimaryKey": {"Arn": key_arn(account, region, mrk),
                                     "Region": region},
                      "ReplicaKeys": [{"Arn": key_arn(account, "eu-west-1",
                                                      mrk),
                                       "Region": "eu-west-1"}]}),
         "alias/cks-multi-region"),
    ]
    return out


def generated_keys(account, region, count):
    """count cheap customer keys (Origin AWS_KMS) for benchmarks; every
    tenth Disabled and every 25th PendingDeletion."""
    out = []
    for i in range(count):
        state = ("PendingDeletion" if i % 25 == 24 else
                 "Disabled" if i % 10 == 9 else "Enabled")
        out.append(make_key(account, region,
                            key_uuid("gen", account, region, i),
                            round(1600000000 + i * 37 + (i % 8) / 8.0, 3),
                            state, "generated key %06d" % i))
    return out


# --------------------------------------------------------------------------
# CloudHSM backups

# Backups are dated from the start of today (UTC), so "a READY backup in
# the last 7 days" holds or not whatever day the tests run, while two runs
# on one day see the same list.
DAY = 86400


def backup_id(*parts):
    return "backup-" + b32_id(11, "backup", *parts)


def build_backup(account, region, cluster, n, state, age_days, **extra):
    """One DescribeBackups entry of cluster, age_days before today."""
    bid = backup_id(account, region, cluster["ClusterId"], n)
    today = int(time.time()) // DAY * DAY
    backup = {
        "BackupId": bid,
        "BackupArn": "arn:aws:cloudhsm:%s:%s:backup/%s" % (region, account, bid),
        "BackupState": state,
        "ClusterId": cluster["ClusterId"],
        "CreateTimestamp": round(today - age_days * DAY + 3600.25, 3),
        "NeverExpires": extra.pop("never_expires", False),
        "HsmType": cluster["HsmType"],
        "Mode": cluster["Mode"],
        "TagList": extra.pop("tags", []),
    }
    if state in ("PENDING_DELETION", "DELETED"):
        backup["DeleteTimestamp"] = round(today - DAY + 7200.5, 3)
    if "source_region" in extra:
        source = extra.pop("source_region")
        backup["SourceRegion"] = source
        backup["SourceBackup"] = backup_id(account, source, "copy", n)
        backup["SourceCluster"] = "cluster-" + b32_id(11, "src", account, source)
        backup["CopyTimestamp"] = round(today - age_days * DAY + 5400.5, 3)
    assert not extra, extra
    return in_order(backup, BACKUP_KEYS)


# Backups of the rich clusters, by their cluster's store name: (state, age
# in days, extras).  A store without an entry has one READY backup of
# yesterday; hsm-failed-network's newest READY one is 20 days old.
RICH_BACKUPS = {
    "prod-hsm-primary": [
        ("READY", 1, {}),
        ("READY", 10, {"never_expires": True,
                       "tags": [{"Key": "keep", "Value": "audit"},
                                {"Key": "owner", "Value": "sec"}]}),
        ("READY", 2, {"source_region": "eu-west-1"}),
        ("PENDING_DELETION", 30, {}),
        ("DELETED", 90, {}),
    ],
    "hsm-failed-network": [("READY", 20, {}), ("CREATE_IN_PROGRESS", 0, {})],
    "hsm-failed-cluster": [],
}


def derive_backups(account, region, stores, clusters, rich):
    """The backups of one (account, region): per initialized cluster, the
    rich shapes above or one READY backup of yesterday."""
    names = {e.get("CloudHsmClusterId"): e.get("CustomKeyStoreName")
             for e in stores if e.get("CloudHsmClusterId")}
    out = []
    for cluster in clusters:
        if cluster["State"] in PRECO_STATES:
            continue
        name = names.get(cluster["ClusterId"])
        shapes = (RICH_BACKUPS.get(name, [("READY", 1, {})]) if rich
                  else [("READY", 1, {})])
        for n, (state, age, extra) in enumerate(shapes):
            out.append(build_backup(account, region, cluster, n, state, age,
                                    **dict(extra)))
    return out


class Inventory:
    """Clusters, keys and aliases of one (account, region), built once
    from its store list and never changed (replacing the list or the
    number of generated keys builds a new one)."""

    def __init__(self, account, region, stores, extra_keys=0, rich=False):
        self.clusters = derive_clusters(account, region, stores, rich)
        self.cluster_json = [None] * len(self.clusters)
        self.backups = derive_backups(account, region, stores, self.clusters,
                                      rich)
        keys = []
        aliases = {}
        for key, alias in aws_managed_keys(account, region):
            keys.append(key)
            aliases[alias] = key["KeyId"]
        for i, entry in enumerate(stores[:MAX_STORES_WITH_KEYS]):
            keys.extend(store_keys(account, region, i, entry))
        for key, alias in standalone_keys(account, region, rich):
            keys.append(key)
            if alias:
                aliases[alias] = key["KeyId"]
        keys.extend(generated_keys(account, region, extra_keys))
        self.keys = keys
        self.key_index = {k["KeyId"]: i for i, k in enumerate(keys)}
        self.aliases = aliases
        # ListAliases order: by name, aliases without a target included
        self.alias_list = alias_entries(account, region, aliases, rich)

    def cluster_text(self, index):
        text = self.cluster_json[index]
        if text is None:
            text = data.to_json(self.clusters[index])
            self.cluster_json[index] = text
        return text


# --------------------------------------------------------------------------
# Aliases, tags and last use (ListAliases, ListResourceTags, GetKeyLastUsage)

# When KMS began recording key use (GetKeyLastUsage's TrackingStartDate).
TRACKING_START = 1767225600.0           # 2026-01-01T00:00:00Z
ALIAS_CREATED = 1690000000.0


def alias_entries(account, region, aliases, rich):
    """ListAliases entries, sorted by name; the rich pair adds an alias
    that points at no key (AWS lists those too, without TargetKeyId)."""
    names = dict(aliases)
    if rich:
        names["alias/cks-orphan"] = None
    out = []
    for n, name in enumerate(sorted(names)):
        entry = {"AliasName": name,
                 "AliasArn": "arn:aws:kms:%s:%s:%s" % (region, account, name)}
        if names[name] is not None:
            entry["TargetKeyId"] = names[name]
        entry["CreationDate"] = ALIAS_CREATED + n
        entry["LastUpdatedDate"] = ALIAS_CREATED + n
        out.append(entry)
    return out


def key_tags(key):
    """Tags of a customer key: owner and team for most, several more for
    every third (so ListResourceTags pages), none for every fifth."""
    if key["KeyManager"] != "CUSTOMER":
        return None
    d = digest("tags", key["KeyId"])
    if d[0] % 5 == 0:
        return []
    tags = [{"TagKey": "owner", "TagValue": "team-%d@example.com" % (d[1] % 4)},
            {"TagKey": "team", "TagValue": ("payments", "identity", "data",
                                            "platform")[d[1] % 4]}]
    if d[0] % 3 == 0:
        tags += [{"TagKey": "cost-center", "TagValue": "cc-%04d" % d[2]},
                 {"TagKey": "env", "TagValue": ("prod", "staging")[d[2] % 2]},
                 {"TagKey": "empty", "TagValue": ""}]
    return tags


LAST_USE_OPERATIONS = ("Decrypt", "Encrypt", "GenerateDataKey", "Sign",
                       "GenerateMac")


def key_last_usage(key, now):
    """GetKeyLastUsage's answer for a key: unused (no KeyLastUsage) for
    every fourth key and for keys never Enabled; used within the last
    30 days for half of the rest, some 200 days ago for the others."""
    answer = {"KeyId": key["Arn"], "TrackingStartDate": TRACKING_START,
              "KeyCreationDate": key["CreationDate"]}
    d = digest("used", key["KeyId"])
    if d[0] % 4 == 0 or key["KeyState"] in ("PendingImport",):
        return answer
    if d[1] % 2 == 0:
        when = now - 86400 * (1 + d[2] % 29)
    else:
        when = now - 86400 * (200 + d[2] % 30)
    when = float(int(when)) + (d[3] % 8) / 8.0
    answer["KeyLastUsage"] = {
        "Operation": LAST_USE_OPERATIONS[d[4] % len(LAST_USE_OPERATIONS)],
        "Timestamp": when,
        "CloudTrailEventId": "%s-%s-%s-%s-%s" % (
            hex_id(8, "ct", key["KeyId"]), hex_id(4, "ct1", key["KeyId"]),
            hex_id(4, "ct2", key["KeyId"]), hex_id(4, "ct3", key["KeyId"]),
            hex_id(12, "ct4", key["KeyId"])),
        "KmsRequestId": "%s-%s-%s-%s-%s" % (
            hex_id(8, "rq", key["KeyId"]), hex_id(4, "rq1", key["KeyId"]),
            hex_id(4, "rq2", key["KeyId"]), hex_id(4, "rq3", key["KeyId"]),
            hex_id(12, "rq4", key["KeyId"]))}
    return answer
