#!/usr/bin/env bash
# examples/console.sql across accounts, as users load it: the three tables
# partitioned by account over two accounts' roles (examples/multi_account.sql
# with remote_table), then the two views, checked against the endpoint's
# own data read through its control API (not through cks_fdw):
#   a. key_store_console has every store of both accounts and regions, each
#      with its cluster's HSM count and state (NULL for XKS stores),
#   b. keys_at_risk lists exactly the keys of FAILED or DISCONNECTED stores,
#      with owners from key_owners where it has them and NULL elsewhere,
#   c. the DEGRADED cluster shows up behind its FAILED store.
# Runs inside a throwaway cluster, see tests/in-cluster.sh.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh

db=cks_console
regions=us-east-1,eu-west-1
setup_db "$db" || { fail "create database $db"; summary; exit 1; }
$CTL reset

psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f examples/multi_account.sql \
	>"$suite_tmp/multi.out" 2>&1 || fail "examples/multi_account.sql loads" "$(cat "$suite_tmp/multi.out")"
if sql "$db" "
CREATE TABLE custom_key_stores (custom_key_store_id text, custom_key_store_name text,
    custom_key_store_type text, cloud_hsm_cluster_id text, connection_state text,
    connection_error_code text, creation_date timestamptz, region text, account_id text)
  PARTITION BY LIST (account_id);
CREATE TABLE keys (key_id text, description text, key_state text, key_manager text,
    custom_key_store_id text, deletion_date timestamptz, region text, account_id text)
  PARTITION BY LIST (account_id);
CREATE TABLE cloudhsm_clusters (cluster_id text, state text, hsm_count integer,
    region text, account_id text)
  PARTITION BY LIST (account_id);
DO \$\$
DECLARE t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES ('custom_key_stores', NULL), ('keys', 'keys'),
                                 ('cloudhsm_clusters', 'cloudhsm_clusters')) v(parent, remote)
  LOOP
    CALL cks_create_account_partitions(t.parent::regclass,
       ARRAY['arn:aws:iam::111111111111:role/cks-reader',
             'arn:aws:iam::222222222222:role/cks-reader'],
       regions => '$regions', access_key_id => 'AKIDCKSTEST111111111',
       secret_access_key => 'cks/test/secret/111111111111/AAAAAAAAAAAA',
       endpoint => '$CKS_ENDPOINT_URL', sts_endpoint => '$CKS_ENDPOINT_URL',
       cloudhsm_endpoint => '$CKS_ENDPOINT_URL', remote_table => t.remote);
  END LOOP;
END \$\$;
" >"$suite_tmp/setup.out" 2>&1; then
	ok "three tables partitioned over two accounts"
else
	fail "three tables partitioned over two accounts" "$(cat "$suite_tmp/setup.out")"
fi

psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f examples/console.sql \
	>"$suite_tmp/console.out" 2>&1 &&
	ok "examples/console.sql loads" ||
	fail "examples/console.sql loads" "$(cat "$suite_tmp/console.out")"

# the endpoint's view: stores with their cluster's HSM count and state, and
# the keys of FAILED/DISCONNECTED stores (customer managed ones: all of them)
endpoint() {	# endpoint console|at_risk
	/usr/bin/python3 - "$1" "$regions" <<'EOF'
import sys
sys.path.insert(0, "tests/endpoint")
import ctl
what, regions = sys.argv[1], sys.argv[2].split(",")
lines = []
for account in ("111111111111", "222222222222"):
    for region in regions:
        stores = ctl.get_stores(account, region)
        clusters = {c["ClusterId"]: c for c in ctl.get_clusters(account, region)}
        keys = ctl.get_keys(account, region)["Keys"]
        for s in stores:
            c = clusters.get(s.get("CloudHsmClusterId"))
            if what == "console":
                lines.append("|".join([account, region, s["CustomKeyStoreId"],
                    str(len(c["Hsms"])) if c else "", c["State"] if c else "",
                    s.get("ConnectionState", "")]))
            elif s.get("ConnectionState") in ("FAILED", "DISCONNECTED"):
                for k in keys:
                    if k.get("CustomKeyStoreId") == s["CustomKeyStoreId"]:
                        lines.append("|".join([account, s["CustomKeyStoreId"],
                                               k["KeyId"], k["KeyState"]]))
print("\n".join(sorted(lines)))
EOF
}

# a. the console page
want=$(endpoint console)
got=$(sql "$db" "SELECT concat_ws('|', account_id, region, custom_key_store_id,
                        coalesce(hsm_count::text, ''), coalesce(cluster_state, ''),
                        coalesce(connection_state, ''))
                   FROM key_store_console ORDER BY 1" 2>&1)
check_eq "key_store_console: every store of both accounts with its HSM count ($(echo "$want" | grep -c .) stores)" \
	"$want" "$got"

# b. keys at risk, with owners for two of them
want=$(endpoint at_risk)
nwant=$(echo "$want" | grep -c .)
check_between "the endpoint has keys in failed or disconnected stores" "$nwant" 3 1000
for key in $(echo "$want" | head -n 2 | cut -d'|' -f3); do
	sql "$db" "INSERT INTO key_owners VALUES ('$key', 'payments', 'oncall@example.com')"
done
got=$(sql "$db" "SELECT concat_ws('|', r.account_id, s.custom_key_store_id, r.key_id, r.key_state)
                   FROM keys_at_risk r
                   JOIN key_store_console s USING (account_id, region, custom_key_store_name)
                  ORDER BY 1" 2>&1)
check_eq "keys_at_risk: exactly the keys of FAILED or DISCONNECTED stores ($nwant keys)" \
	"$want" "$got"
check_eq "keys_at_risk: owners where key_owners has them, NULL elsewhere" \
	"2 $((nwant - 2))" \
	"$(sql "$db" "SELECT count(owner_team) || ' ' || count(*) FILTER (WHERE owner_team IS NULL) FROM keys_at_risk" 2>&1)"

# c. the degraded cluster behind hsm-failed-network
check_eq "the FAILED store's cluster is DEGRADED with 2 HSMs" "FAILED|NETWORK_ERRORS|DEGRADED|2" \
	"$(sql "$db" "SELECT concat_ws('|', connection_state, connection_error_code, cluster_state, hsm_count)
	                FROM key_store_console WHERE custom_key_store_name = 'hsm-failed-network'" 2>&1)"

summary
