# Shared helpers of the shell test suites (tests/suites/*.sh), sourced by
# each suite as ". tests/lib/suite.sh".  A suite runs from the repository
# root inside a throwaway cluster (pg_virtualenv: PGHOST, PGPORT, PGUSER
# set) with the local endpoint up at $CKS_ENDPOINT_URL, and must end its
# output with the line "N passed, N failed" (tests/run-all adds these up);
# `summary` prints it.
#
# Checks print "ok - what" or "not ok - what" plus the evidence, so a
# failing run says why without rerunning it.

suite_passed=0
suite_failed=0
suite_tmp=$(mktemp -d /tmp/cks-suite.XXXXXX)
# the server (user postgres) must be able to read files placed here
chmod 755 "$suite_tmp"

CTL="/usr/bin/python3 tests/endpoint/ctl.py"

# The server log of the throwaway cluster, for suites run by hand too.
if [ -z "${CKS_SERVER_LOG:-}" ]; then
	CKS_SERVER_LOG=$(ls -t /var/log/postgresql/postgresql-*-regress.log 2>/dev/null | head -n 1)
fi

ok() {
	suite_passed=$((suite_passed + 1))
	echo "ok - $1"
}

# fail WHAT [EVIDENCE]: EVIDENCE (any text) is printed indented.
fail() {
	suite_failed=$((suite_failed + 1))
	echo "not ok - $1"
	if [ -n "${2:-}" ]; then
		printf '%s\n' "$2" | head -n 40 | sed 's/^/    /'
	fi
}

# check WHAT COMMAND...: passes when COMMAND succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what" "command failed: $*"; fi
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "expected: $2
actual:   $3"
	fi
}

# check_lt WHAT VALUE LIMIT: integer VALUE < LIMIT.
check_lt() {
	if [[ "$2" =~ ^-?[0-9]+$ ]] && [ "$2" -lt "$3" ]; then
		ok "$1 ($2 < $3)"
	else
		fail "$1" "expected a number below $3, got: $2"
	fi
}

# check_between WHAT VALUE LOW HIGH: LOW <= integer VALUE < HIGH.
check_between() {
	if [[ "$2" =~ ^-?[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -lt "$4" ]; then
		ok "$1 ($3 <= $2 < $4)"
	else
		fail "$1" "expected a number in [$3, $4), got: $2"
	fi
}

# check_contains WHAT NEEDLE FILE: FILE holds the fixed string NEEDLE.
check_contains() {
	if grep -qF -- "$2" "$3"; then
		ok "$1"
	else
		fail "$1" "\"$2\" not found in:
$(head -c 2000 "$3")"
	fi
}

# check_absent WHAT NEEDLE FILE: FILE does not hold the fixed string NEEDLE.
# The needle itself is never printed (it may be a secret); the evidence is
# the line number only.
check_absent() {
	local hits
	hits=$(grep -nF -- "$2" "$3" | cut -d: -f1 | head -n 5 | tr '\n' ' ')
	if [ -z "$hits" ]; then
		ok "$1"
	else
		fail "$1" "found at line(s) $hits of $3"
	fi
}

# Milliseconds since the epoch.
now_ms() {
	date +%s%3N
}

# sql DB QUERY: one query, unaligned tuples only, stops on error.
sql() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# setup_db NAME: a fresh database with the extension, so suites do not see
# each other's objects.
setup_db() {
	dropdb --if-exists "$1" >/dev/null 2>&1
	createdb "$1" && sql "$1" "CREATE EXTENSION cks_fdw"
}

# sqlstate_of FILE: the SQLSTATE of the first error psql printed with
# VERBOSITY verbose ("ERROR:  57014: canceling statement ..."), or "none".
sqlstate_of() {
	local state
	state=$(grep -oE '^(psql:[^ ]* )?ERROR:  [0-9A-Z]{5}:' "$1" | head -n 1 |
		grep -oE '[0-9A-Z]{5}:$' | tr -d :)
	echo "${state:-none}"
}

# Byte size of the server log now; with log_since, the part written after.
log_size() {
	stat -c %s "$CKS_SERVER_LOG" 2>/dev/null || echo 0
}

log_since() {
	tail -c +"$(($1 + 1))" "$CKS_SERVER_LOG"
}

# wait_for SECONDS COMMAND...: poll every 50 ms until COMMAND succeeds.
wait_for() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# server_env_is_local DB: the server was started with an environment that
# points the AWS metadata services at the local endpoint, so no
# credential_source test can reach 169.254.169.254 or 169.254.170.2.  The
# postmaster's environment is not the suite's (Debian's pg_ctlcluster
# starts it with the cluster's "environment" file only) and PostgreSQL
# overwrites /proc/PID/environ with the process title, so the proof is that
# file, next to postgresql.conf (tools/endpoint.sh writes it; scratch
# clusters started with pg_ctl get a copy).
server_env_is_local() {
	[ "$(sql "$1" "SELECT position('AWS_EC2_METADATA_SERVICE_ENDPOINT = ''$CKS_ENDPOINT_URL''' IN
	                pg_read_file(regexp_replace(current_setting('config_file'), '[^/]*\$', '') || 'environment')) > 0" 2>/dev/null)" = t ]
}

# Prints the result line run-all reads; exit status says whether all passed.
summary() {
	rm -rf "$suite_tmp"
	echo "$suite_passed passed, $suite_failed failed"
	[ "$suite_failed" -eq 0 ]
}
