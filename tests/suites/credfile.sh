#!/usr/bin/env bash
# Keys in a file, not in SQL: pg_stat_statements (with its default
# track_utility = on) keeps CREATE/ALTER USER MAPPING statements word for
# word, readable by pg_read_all_stats, and log_statement = 'all' writes
# them to the server log.  The user-mapping options credentials_file and
# profile keep every secret out of both.  Checked in a scratch cluster
# with pg_stat_statements preloaded and log_statement = 'all':
#   - control: a mapping with secret_access_key in its options does leave
#     the secret in pg_stat_statements and in the log (the threat);
#   - a mapping with credentials_file (profile default, then a profile
#     with a session token) returns rows, and no secret of the file is in
#     pg_stat_statements, pg_stat_activity or the server log;
#   - the file is read per query (a rotated key counts at once);
#   - the file's rules: group/world-readable or not the server's OS user's
#     is refused, a missing file or profile is a clean error, setting it
#     needs superuser, it does not combine with keys or credential_source.
# The scratch cluster is needed because a suite cannot preload a library
# in the cluster it runs in.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/suite.sh
. tests/lib/scratch_cluster.sh

scratch_cluster credfile

cleanup() {
	scratch_stop
}
trap cleanup EXIT

scratch_initdb
cat >>"$data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_stat_statements'
log_statement = 'all'
log_min_messages = debug1
log_error_verbosity = verbose
CONF
check "start the scratch cluster with pg_stat_statements and log_statement = all" \
	runuser -u postgres -- "$bindir/pg_ctl" start -D "$data" -l "$run/server.log" -w -t 60
export PGHOST=$run PGPORT=5432 PGUSER=postgres
db=postgres
sql "$db" "CREATE EXTENSION cks_fdw; CREATE EXTENSION pg_stat_statements;
           CREATE ROLE cks_credfile_user LOGIN;
           GRANT USAGE ON FOREIGN DATA WRAPPER cks_fdw TO cks_credfile_user;" >/dev/null ||
	fail "create the extensions"
check_eq "pg_stat_statements tracks utility statements (the default)" "on" \
	"$(psql -X -At -d "$db" -c 'SHOW pg_stat_statements.track_utility')"

SECRET_1=cks/test/secret/111111111111/AAAAAAAAAAAA
SECRET_3=cks/test/secret/333333333333/CCCCCCCCCCCC
# temporary credentials, session token included, for the second profile
read -r TEMP_KEY_ID TEMP_SECRET TEMP_TOKEN <<<"$(/usr/bin/python3 tests/lib/temp_credentials.py cks-credfile)"
[ -n "$TEMP_TOKEN" ] || fail "temporary credentials from the endpoint"

creds=$work/aws-credentials
write_creds() {		# write_creds SECRET_OF_DEFAULT
	printf '%s\n' "# the AWS CLI's format" "[default]" \
		"aws_access_key_id = AKIDCKSTEST111111111" \
		"aws_secret_access_key = $1" "" "[temp]" \
		"aws_access_key_id = $TEMP_KEY_ID" \
		"aws_secret_access_key = $TEMP_SECRET" \
		"aws_session_token = $TEMP_TOKEN" >"$creds"
	chown postgres: "$creds"
	chmod 600 "$creds"
}
write_creds "$SECRET_1"

ep=$CKS_ENDPOINT_URL
server() {		# server NAME: SQL for a server and its table NAME_t
	echo "CREATE SERVER $1 FOREIGN DATA WRAPPER cks_fdw
	  OPTIONS (region 'us-east-1', endpoint '$ep', sts_endpoint '$ep',
	           max_attempts '1');
	CREATE FOREIGN TABLE $1_t (custom_key_store_id text) SERVER $1;"
}
rows() {		# rows TABLE: "rows:N" or the error, in $work/rows.out
	psql -X -At -d "$db" -v VERBOSITY=verbose \
		-c "SELECT 'rows:' || count(*) FROM $1" >"$work/rows.out" 2>&1
	cat "$work/rows.out"
}
state_of() {	# state_of SQL: the SQLSTATE of its first error, or none
	psql -X -q -d "$db" -v VERBOSITY=verbose -v ON_ERROR_STOP=1 \
		-c "$1" >"$work/state.out" 2>&1
	sqlstate_of "$work/state.out"
}

# ---- control: keys in SQL are kept word for word --------------------------
sql "$db" "$(server s_inline)
CREATE USER MAPPING FOR CURRENT_USER SERVER s_inline
  OPTIONS (access_key_id 'AKIDCKSTEST111111111', secret_access_key '$SECRET_3');" >/dev/null
sql "$db" "SELECT query FROM pg_stat_statements" >"$work/pgss-inline.out"
check_contains "control: pg_stat_statements keeps a secret given in SQL" \
	"$SECRET_3" "$work/pgss-inline.out"
check_contains "control: so does the server log (log_statement = all)" \
	"$SECRET_3" "$run/server.log"

# ---- credentials_file ------------------------------------------------------
sql "$db" "$(server s_file)
CREATE USER MAPPING FOR CURRENT_USER SERVER s_file
  OPTIONS (credentials_file '$creds');" >/dev/null ||
	fail "create a user mapping with credentials_file"
$CTL reset
rows s_file_t >/dev/null
check_contains "credentials_file: the default profile signs" "rows:" "$work/rows.out"
check_eq "credentials_file: KMS saw the default profile's key" "AKIDCKSTEST111111111" \
	"$($CTL requests --operation DescribeCustomKeyStores --fields access_key_id | sort -u)"
sql "$db" "ALTER USER MAPPING FOR CURRENT_USER SERVER s_file
  OPTIONS (ADD profile 'temp');" >/dev/null
$CTL reset
rows s_file_t >/dev/null
check_contains "profile temp (with a session token) signs" "rows:" "$work/rows.out"
check_eq "profile temp: KMS saw the temporary key" "$TEMP_KEY_ID" \
	"$($CTL requests --operation DescribeCustomKeyStores --fields access_key_id | sort -u)"

# read per query: a wrong secret in the file fails the next query (28000),
# the right one works again at once
sql "$db" "ALTER USER MAPPING FOR CURRENT_USER SERVER s_file OPTIONS (DROP profile);" >/dev/null
rows s_file_t >/dev/null
write_creds "wrong/secret/in/the/file/0000000000"
rows s_file_t >/dev/null
check_contains "the file is read per query: a rotated wrong key fails" \
	"ERROR:  28000" "$work/rows.out"
write_creds "$SECRET_1"
rows s_file_t >/dev/null
check_contains "... and the right one works again" "rows:" "$work/rows.out"

# ---- the file's rules ------------------------------------------------------
chmod 640 "$creds"
rows s_file_t >/dev/null
check_contains "group-readable file refused (F0000)" \
	"ERROR:  F0000: could not read AWS credentials from credentials_file" "$work/rows.out"
check_contains "... saying why" "accessible to its group or to others (use chmod 600)" \
	"$work/rows.out"
chmod 604 "$creds"
rows s_file_t >/dev/null
check_contains "world-readable file refused" "ERROR:  F0000" "$work/rows.out"
# another OS user's file the server can read (mode 644): refused for its owner
chown root: "$creds"
chmod 644 "$creds"
rows s_file_t >/dev/null
check_contains "a file of another OS user refused" \
	"not owned by the database server's operating system user" "$work/rows.out"
chown postgres: "$creds"
chmod 600 "$creds"
sql "$db" "ALTER USER MAPPING FOR CURRENT_USER SERVER s_file OPTIONS (ADD profile 'nosuch');" >/dev/null
rows s_file_t >/dev/null
check_contains "a missing profile is a clean error" "it has no profile [nosuch]" "$work/rows.out"
sql "$db" "ALTER USER MAPPING FOR CURRENT_USER SERVER s_file OPTIONS (DROP profile,
  SET credentials_file '$work/absent');" >/dev/null
rows s_file_t >/dev/null
check_contains "a missing file: 58P01" "ERROR:  58P01" "$work/rows.out"
sql "$db" "ALTER USER MAPPING FOR CURRENT_USER SERVER s_file OPTIONS (SET credentials_file '$creds');" >/dev/null
rows s_file_t >/dev/null
check_contains "back to the file: rows" "rows:" "$work/rows.out"

check_eq "credentials_file needs superuser (42501)" "42501" "$(state_of "
  SET ROLE cks_credfile_user;
  CREATE SERVER s_user FOREIGN DATA WRAPPER cks_fdw OPTIONS (region 'us-east-1');
  CREATE USER MAPPING FOR CURRENT_USER SERVER s_user OPTIONS (credentials_file '$creds');")"
check_eq "credentials_file with keys refused (HV00D)" "HV00D" "$(state_of "
  $(server s_both)
  CREATE USER MAPPING FOR CURRENT_USER SERVER s_both OPTIONS (credentials_file '$creds',
    access_key_id 'AKIDCKSTEST111111111', secret_access_key 'x');")"
check_eq "credentials_file with credential_source refused (HV00D)" "HV00D" "$(state_of "
  $(server s_both)
  CREATE USER MAPPING FOR CURRENT_USER SERVER s_both OPTIONS (credentials_file '$creds',
    credential_source 'instance');")"
check_eq "profile without credentials_file refused (HV00J)" "HV00J" "$(state_of "
  $(server s_both)
  CREATE USER MAPPING FOR CURRENT_USER SERVER s_both OPTIONS (profile 'temp');")"
check_eq "a relative credentials_file refused (22023)" "22023" "$(state_of "
  $(server s_both)
  CREATE USER MAPPING FOR CURRENT_USER SERVER s_both OPTIONS (credentials_file 'aws/credentials');")"

# ---- where the file's secrets must not be ----------------------------------
sql "$db" "SELECT query FROM pg_stat_statements" >"$work/pgss.out"
sql "$db" "SELECT query FROM pg_stat_activity" >"$work/activity.out"
check_contains "pg_stat_statements holds the credentials_file mapping" \
	"credentials_file" "$work/pgss.out"
for name in SECRET_1 TEMP_SECRET TEMP_TOKEN; do
	check_absent "pg_stat_statements: no $name" "${!name}" "$work/pgss.out"
	check_absent "pg_stat_activity: no $name" "${!name}" "$work/activity.out"
	check_absent "server log: no $name" "${!name}" "$run/server.log"
done

cleanup
trap - EXIT
summary
