#!/usr/bin/env bash
# moto, an AWS emulator written by other people, as an independent check of
# cloudhsm_clusters and keys: tests/endpoint/moto_server.py starts moto on
# loopback and seeds it (3 clusters; 3 keys, one with alias/moto-one, one
# Disabled, one PendingDeletion).  The same queries cks_fdw's regression
# tests run against the local endpoint (which checks signatures; moto does
# not) must give here exactly the rows boto3 gets from moto:
#   a. cloudhsm_clusters: every cluster, with state, HSM type, VPC, HSM
#      count, subnet mapping, tags and creation time,
#   b. cluster_id = X: one DescribeClusters, that cluster,
#   c. keys: every key (ListKeys, DescribeKey each) with state, enabled,
#      manager, description, deletion date and algorithms,
#   d. key_id = 'alias/moto-one': that key, by DescribeKey alone,
#   e. a join of keys to an inventory of key ids,
#   f. cloudhsm_backups: every backup (moto makes one per cluster) with
#      state, cluster, HSM type, mode, tags and creation time,
#   g. cluster_id = X: that cluster's backup; cloudhsm_hsms (moto's
#      clusters have no HSMs): zero rows, no error.
#   h. tags (ListResourceTags) and aliases (ListAliases) of every key, as
#      boto3 lists them (moto has no GetKeyLastUsage).
#   i. key_store_metrics of two external key stores named by id (moto's KMS
#      has none to list): every datapoint CloudWatch GetMetricData gives
#      boto3 for the same queries, in one request.
# Skipped (0 passed, 0 failed, with a message) where moto or boto3 is not
# importable by python3.  Runs inside a throwaway cluster, see
# tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

moto_python=${CKS_MOTO_PYTHON:-python3}
if ! "$moto_python" -c 'import moto, boto3' 2>/dev/null; then
	echo "skip - moto and boto3 are not importable by $moto_python; the moto comparison is skipped"
	summary
	exit 0
fi

port_file=$suite_tmp/moto.port
"$moto_python" tests/endpoint/moto_server.py --port 0 --port-file "$port_file" \
	>"$suite_tmp/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; wait $moto_pid 2>/dev/null' EXIT
if ! wait_for 60 test -s "$port_file"; then
	fail "moto starts" "$(cat "$suite_tmp/moto.log")"
	summary
	exit 1
fi
moto_url="http://127.0.0.1:$(cat "$port_file")"
ok "moto starts and is seeded ($(grep -c . "$suite_tmp/moto.log") lines of output)"

db=cks_moto
setup_db "$db" || { fail "create database $db"; summary; exit 1; }
sql "$db" "
CREATE SERVER moto FOREIGN DATA WRAPPER cks_fdw
  OPTIONS (region 'us-east-1', endpoint '$moto_url', sts_endpoint '$moto_url',
           cloudhsm_endpoint '$moto_url', cloudwatch_endpoint '$moto_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER moto
  OPTIONS (access_key_id 'testing', secret_access_key 'testing');
IMPORT FOREIGN SCHEMA kms FROM SERVER moto INTO public;
IMPORT FOREIGN SCHEMA cloudhsm FROM SERVER moto INTO public;
IMPORT FOREIGN SCHEMA cloudwatch FROM SERVER moto INTO public;
ALTER FOREIGN TABLE keys OPTIONS (ADD key_manager 'ALL');"

# boto3's view of moto, one line per entry, in the format of the queries below
boto3_lines() {	# boto3_lines clusters|keys|backups|extras|metrics
	"$moto_python" - "$1" "$moto_url" <<'EOF'
import json
import os
import sys

import boto3

what, url = sys.argv[1], sys.argv[2]
kwargs = dict(endpoint_url=url, region_name="us-east-1",
              aws_access_key_id="testing", aws_secret_access_key="testing")
lines = []
if what == "clusters":
    hsm = boto3.client("cloudhsmv2", **kwargs)
    for page in hsm.get_paginator("describe_clusters").paginate():
        for c in page["Clusters"]:
            lines.append("|".join([
                c["ClusterId"], c.get("State", ""), c.get("HsmType", ""),
                c.get("VpcId", ""), str(len(c.get("Hsms", []))),
                json.dumps(c.get("SubnetMapping", {}), sort_keys=True),
                json.dumps(c.get("TagList", []), sort_keys=True),
                c["CreateTimestamp"].strftime("%Y-%m-%d %H:%M:%S")]))
elif what == "backups":
    hsm = boto3.client("cloudhsmv2", **kwargs)
    for page in hsm.get_paginator("describe_backups").paginate():
        for b in page["Backups"]:
            tags = {t["Key"]: t["Value"] for t in b.get("TagList", [])}
            lines.append("|".join([
                b["BackupId"], b.get("BackupState", ""), b.get("ClusterId", ""),
                b.get("HsmType", ""), b.get("Mode", ""),
                str(b.get("NeverExpires", "")).lower(),
                json.dumps(tags, sort_keys=True),
                b["CreateTimestamp"].strftime("%Y-%m-%d %H:%M:%S")]))
elif what == "extras":
    kms = boto3.client("kms", **kwargs)
    aliases = {}
    for page in kms.get_paginator("list_aliases").paginate():
        for a in page["Aliases"]:
            if "TargetKeyId" in a:
                aliases.setdefault(a["TargetKeyId"], []).append(a["AliasName"])
    for page in kms.get_paginator("list_keys").paginate():
        for k in page["Keys"]:
            tags = {t["TagKey"]: t["TagValue"] for p in kms.get_paginator(
                "list_resource_tags").paginate(KeyId=k["KeyId"])
                for t in p["Tags"]}
            lines.append("|".join([
                k["KeyId"], json.dumps(tags, sort_keys=True),
                ",".join(sorted(aliases.get(k["KeyId"], [])))]))
elif what == "metrics":
    import datetime
    cloudwatch = boto3.client("cloudwatch", **kwargs)
    # the window key_store_metrics is given below (moto's periods start at
    # StartTime, so both clients must send the same one)
    end = datetime.datetime.fromtimestamp(int(os.environ["CKS_MOTO_END"]),
                                          datetime.timezone.utc)
    for store in ("cks-moto0000000000001", "cks-moto0000000000002"):
        wanted = [(m, None) for m in ("XksProxyCertificateDaysToExpire",
                                      "XksProxyCredentialAge", "XksProxyErrors",
                                      "XksProxyLatency")]
        wanted += [("XksExternalKeyManagerStates", s)
                   for s in ("Active", "Degraded", "Unavailable")]
        for metric, state in wanted:
            dims = [{"Name": "KeyStoreId", "Value": store}]
            if state:
                dims.append({"Name": "XksExternalKeyManagerState", "Value": state})
            answer = cloudwatch.get_metric_data(
                MetricDataQueries=[{"Id": "q", "MetricStat": {
                    "Metric": {"Namespace": "AWS/KMS", "MetricName": metric,
                               "Dimensions": dims},
                    "Period": 300, "Stat": "Average"}}],
                StartTime=end - datetime.timedelta(hours=3), EndTime=end)
            for r in answer["MetricDataResults"]:
                for t, v in zip(r["Timestamps"], r["Values"]):
                    lines.append("|".join([store, metric, state or "", repr(float(v)),
                                           t.strftime("%Y-%m-%d %H:%M:%S")]))
else:
    kms = boto3.client("kms", **kwargs)
    for page in kms.get_paginator("list_keys").paginate():
        for k in page["Keys"]:
            m = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
            lines.append("|".join([
                m["KeyId"], m["KeyState"], str(m["Enabled"]).lower(),
                m.get("KeyManager", ""), m.get("Description", ""),
                "deletion" if m.get("DeletionDate") else "",
                ",".join(m.get("EncryptionAlgorithms", []))]))
print("\n".join(sorted(lines)))
EOF
}

# a. every cluster
want=$(boto3_lines clusters)
got=$(sql "$db" "SET TIME ZONE 'UTC';
SELECT concat_ws('|', cluster_id, coalesce(state, ''), coalesce(hsm_type, ''),
                 coalesce(vpc_id, ''), hsm_count,
                 coalesce(subnet_mapping, '{}')::text, coalesce(tags, '[]')::text,
                 to_char(create_timestamp, 'YYYY-MM-DD HH24:MI:SS'))
  FROM cloudhsm_clusters ORDER BY 1" 2>&1)
# jsonb prints {"a": "b"}: the same text as json.dumps with sort_keys
check_eq "cloudhsm_clusters equals what boto3 lists from moto ($(echo "$want" | grep -c .) clusters)" \
	"$want" "$got"
check_eq "moto holds the three seeded clusters" 3 "$(echo "$want" | grep -c .)"

# b. one cluster by id
first=$(echo "$want" | head -n 1 | cut -d'|' -f1)
check_eq "cluster_id = X returns that cluster" "$first|$(echo "$want" | head -n 1 | cut -d'|' -f5)" \
	"$(sql "$db" "SELECT cluster_id || '|' || hsm_count FROM cloudhsm_clusters WHERE cluster_id = '$first'" 2>&1)"
check_eq "an unknown cluster id is zero rows" 0 \
	"$(sql "$db" "SELECT count(*) FROM cloudhsm_clusters WHERE cluster_id = 'cluster-00000000000'" 2>&1)"

# c. every key
want=$(boto3_lines keys)
got=$(sql "$db" "
SELECT concat_ws('|', key_id, key_state, CASE WHEN enabled THEN 'true' ELSE 'false' END,
                 coalesce(key_manager, ''),
                 coalesce(description, ''),
                 CASE WHEN deletion_date IS NOT NULL THEN 'deletion' ELSE '' END,
                 array_to_string(encryption_algorithms, ','))
  FROM keys ORDER BY 1" 2>&1)
check_eq "keys equals what boto3 lists and describes from moto ($(echo "$want" | grep -c .) keys)" \
	"$want" "$got"
check_eq "moto's keys: one Disabled, one PendingDeletion" "Disabled
Enabled
PendingDeletion" "$(sql "$db" "SELECT key_state FROM keys ORDER BY 1" 2>&1)"

# d. a key by its alias
check_eq "key_id = 'alias/moto-one' is moto key one" "moto key one" \
	"$(sql "$db" "SELECT description FROM keys WHERE key_id = 'alias/moto-one'" 2>&1)"
check_eq "key_id = an unknown alias is zero rows" 0 \
	"$(sql "$db" "SELECT count(*) FROM keys WHERE key_id = 'alias/no-such-alias'" 2>&1)"

# e. keys joined to an inventory of key ids, looked up one by one
got=$(sql "$db" "
CREATE TEMP TABLE owners (key_ref text, owner text);
INSERT INTO owners SELECT key_id, 'team ' || row_number() OVER (ORDER BY key_id) FROM keys;
INSERT INTO owners VALUES ('alias/moto-one', 'alias owner');
ANALYZE owners;
SET enable_hashjoin = off; SET enable_mergejoin = off;
SELECT count(*) FROM owners o JOIN keys k ON k.key_id = o.key_ref" 2>&1)
check_eq "keys joined to an inventory: every key id and the alias match" 4 "$got"

# f. every backup
want=$(boto3_lines backups)
got=$(sql "$db" "SET TIME ZONE 'UTC';
SELECT concat_ws('|', backup_id, coalesce(backup_state, ''), coalesce(cluster_id, ''),
                 coalesce(hsm_type, ''), coalesce(mode, ''),
                 coalesce(never_expires::text, ''), coalesce(tags, '{}')::text,
                 to_char(create_timestamp, 'YYYY-MM-DD HH24:MI:SS'))
  FROM cloudhsm_backups ORDER BY 1" 2>&1)
check_eq "cloudhsm_backups equals what boto3 lists from moto ($(echo "$want" | grep -c .) backups)" \
	"$want" "$got"
check_eq "moto holds one backup per seeded cluster" 3 "$(echo "$want" | grep -c .)"

# g. a cluster's backups by the clusterIds filter; HSMs of moto's clusters
cluster=$(echo "$want" | head -n 1 | cut -d'|' -f3)
check_eq "cluster_id = X: that cluster's backup" "$(echo "$want" | head -n 1 | cut -d'|' -f1)" \
	"$(sql "$db" "SELECT backup_id FROM cloudhsm_backups WHERE cluster_id = '$cluster'" 2>&1)"
check_eq "cluster_id IN (X, unknown): still that one backup" 1 \
	"$(sql "$db" "SELECT count(*) FROM cloudhsm_backups WHERE cluster_id IN ('$cluster', 'cluster-00000000000')" 2>&1)"
check_eq "cloudhsm_hsms over moto's clusters without HSMs: zero rows" 0 \
	"$(sql "$db" "SELECT count(*) FROM cloudhsm_hsms" 2>&1)"
# h. tags and aliases
want=$(boto3_lines extras)
got=$(sql "$db" "
SELECT concat_ws('|', key_id, coalesce(tags, '{}')::text,
                 (SELECT coalesce(string_agg(a, ',' ORDER BY a), '') FROM unnest(aliases) a))
  FROM keys ORDER BY 1" 2>&1)
check_eq "tags and aliases equal what boto3 lists from moto" "$want" "$got"
check_eq "moto's keys: two tagged, one aliased" "2|1" \
	"$(sql "$db" "SELECT count(*) FILTER (WHERE tags <> '{}') || '|' || count(aliases) FROM keys" 2>&1)"

# i. metrics of two stores named by id: one GetMetricData, no listing.
# moto answers CloudWatch's AWS JSON 1.0 protocol (the one cks_fdw speaks)
# from 5.2 on; 5.1 (Debian 13's python3-moto) reads only the query protocol
# and answers a JSON GetMetricData with HTTP 500: the check is skipped there.
cw_status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$moto_url/" \
	-H 'Content-Type: application/x-amz-json-1.0' \
	-H 'X-Amz-Target: GraniteServiceVersion20100801.GetMetricData' \
	-H "Authorization: AWS4-HMAC-SHA256 Credential=AKIDMOTO/$(date -u +%Y%m%d)/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0" \
	-d "{\"MetricDataQueries\": [], \"StartTime\": $(($(date +%s) - 3600)), \"EndTime\": $(date +%s)}")
if [ "$cw_status" != 200 ]; then
	echo "skip - moto $("$moto_python" -c 'import moto; print(moto.__version__)') answers CloudWatch's JSON 1.0 GetMetricData with HTTP $cw_status (moto 5.2 or later speaks it); the key_store_metrics comparison is skipped"
	summary
	exit 0
fi
# one window for both clients: the last 3 hours to a whole second, the end
# exclusive as CloudWatch's EndTime (a "<" bound is sent as it is)
export CKS_MOTO_END=$(date +%s)
want=$(boto3_lines metrics)
got=$(sql "$db" "SET TIME ZONE 'UTC'; SET extra_float_digits = 0;
SELECT concat_ws('|', custom_key_store_id, metric_name,
                 coalesce(external_key_manager_state, ''),
                 CASE WHEN value = trunc(value) THEN value::numeric(20,1)::text ELSE value::text END,
                 to_char(\"timestamp\", 'YYYY-MM-DD HH24:MI:SS'))
  FROM key_store_metrics
 WHERE custom_key_store_id IN ('cks-moto0000000000001', 'cks-moto0000000000002')
   AND \"timestamp\" >= to_timestamp($CKS_MOTO_END - 10800)
   AND \"timestamp\" < to_timestamp($CKS_MOTO_END)
 ORDER BY 1" 2>&1)
check_eq "key_store_metrics equals what boto3 gets from moto's GetMetricData ($(echo "$want" | grep -c .) datapoints)" \
	"$(echo "$want" | LC_ALL=C sort)" "$(echo "$got" | LC_ALL=C sort)"
check_eq "moto holds 2 datapoints of 5 series of 2 stores" 20 "$(echo "$want" | grep -c .)"
check_eq "a store moto has no metric of: zero rows" 0 \
	"$(sql "$db" "SELECT count(*) FROM key_store_metrics WHERE custom_key_store_id = 'cks-moto0000000000009'" 2>&1)"

summary
