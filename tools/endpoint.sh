# Sourced by tests/run-all and demo.sh: starts the local KMS endpoint on a
# free loopback port and exports CKS_ENDPOINT_URL / CKS_ENDPOINT_PORT_FILE.
# The caller stops it with stop_endpoint (also done by the EXIT trap).

start_endpoint() {
  local dir
  dir=$(mktemp -d /tmp/cks-endpoint.XXXXXX)
  CKS_ENDPOINT_DIR=$dir
  CKS_ENDPOINT_PORT_FILE="$dir/port"
  # AWS's default request quotas (tests/endpoint/quotas.py), per account,
  # region and operation: on, as on AWS (issue 21), so every test sees an
  # endpoint that says no; CKS_ENDPOINT_QUOTAS=off turns them off (for
  # micro-benchmarks that measure the client, not the quota)
  local quotas=()
  [ "${CKS_ENDPOINT_QUOTAS:-on}" = off ] && quotas=(--no-quotas)
  /usr/bin/python3 tests/endpoint/kms_endpoint.py --port 0 \
    --port-file "$CKS_ENDPOINT_PORT_FILE" --quiet "${quotas[@]}" "$@" >"$dir/log" 2>&1 &
  CKS_ENDPOINT_PID=$!
  for _ in $(seq 1 100); do
    [ -s "$CKS_ENDPOINT_PORT_FILE" ] && break
    kill -0 "$CKS_ENDPOINT_PID" 2>/dev/null || { cat "$dir/log" >&2; return 1; }
    sleep 0.1
  done
  [ -s "$CKS_ENDPOINT_PORT_FILE" ] || { echo "endpoint did not start" >&2; return 1; }
  CKS_ENDPOINT_URL="http://127.0.0.1:$(cat "$CKS_ENDPOINT_PORT_FILE")"
  export CKS_ENDPOINT_URL CKS_ENDPOINT_PORT_FILE
  trap stop_endpoint EXIT
}

stop_endpoint() {
  if [ -n "${CKS_ENDPOINT_PID:-}" ]; then
    kill "$CKS_ENDPOINT_PID" 2>/dev/null || true
    wait "$CKS_ENDPOINT_PID" 2>/dev/null || true
    CKS_ENDPOINT_PID=""
  fi
  if [ -n "${CKS_ENDPOINT_DIR:-}" ]; then
    rm -rf "$CKS_ENDPOINT_DIR"
    CKS_ENDPOINT_DIR=""
  fi
}

# Point the AWS SDKs' credential-source variables at the local endpoint, so
# that a test cluster can use credential_source 'instance', 'container' and
# 'web_identity' on loopback (see tests/endpoint/README.md).  They are
# exported here (psql, the suites and scratch clusters started with pg_ctl
# see them) and written to $CKS_POSTMASTER_ENVIRONMENT, a cluster
# environment file for pg_createcluster --environment: Debian's
# pg_ctlcluster starts the postmaster with that file's variables only, so
# exported ones would never reach pg_virtualenv's cluster.  AWS_ACCESS_KEY_ID is deliberately not
# set: 'chain' then resolves to web identity, and 'environment' is tested
# in a scratch cluster of its own (tests/suites/credentials.sh).  The token
# files live in the endpoint's directory, readable by the server's user.
export_keyless_environment() {
  local dir=${CKS_ENDPOINT_DIR:?start_endpoint first}
  chmod 755 "$dir"
  /usr/bin/python3 - "$dir" <<'PY' || return 1
import os, sys
sys.path.insert(0, "tests/endpoint")
import fixtures
for name, value in (("web-identity-token", fixtures.WEB_IDENTITY_TOKEN),
                    ("ecs-token", fixtures.ECS_AUTH_TOKEN)):
    path = os.path.join(sys.argv[1], name)
    with open(path, "w") as f:
        f.write(value + "\n")
    os.chmod(path, 0o644)
PY
  local name
  CKS_POSTMASTER_ENVIRONMENT=$dir/postmaster.environment
  export CKS_POSTMASTER_ENVIRONMENT
  export AWS_EC2_METADATA_SERVICE_ENDPOINT=$CKS_ENDPOINT_URL
  export AWS_CONTAINER_CREDENTIALS_FULL_URI=$CKS_ENDPOINT_URL/v2/credentials/cks-task
  export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$dir/ecs-token
  export AWS_WEB_IDENTITY_TOKEN_FILE=$dir/web-identity-token
  export AWS_ROLE_ARN=arn:aws:iam::333333333333:role/cks-web-identity
  export AWS_ROLE_SESSION_NAME=cks-regress
  # short metadata timeouts, so "not available" is quick in tests too
  export AWS_METADATA_SERVICE_TIMEOUT=1 AWS_METADATA_SERVICE_NUM_ATTEMPTS=2
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
    AWS_EC2_METADATA_DISABLED AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    AWS_CONTAINER_AUTHORIZATION_TOKEN
  # postgresql.conf syntax; none of the values holds a quote
  : >"$CKS_POSTMASTER_ENVIRONMENT"
  for name in AWS_EC2_METADATA_SERVICE_ENDPOINT AWS_CONTAINER_CREDENTIALS_FULL_URI \
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE AWS_WEB_IDENTITY_TOKEN_FILE \
      AWS_ROLE_ARN AWS_ROLE_SESSION_NAME AWS_METADATA_SERVICE_TIMEOUT \
      AWS_METADATA_SERVICE_NUM_ATTEMPTS; do
    echo "$name = '${!name}'" >>"$CKS_POSTMASTER_ENVIRONMENT"
  done
  chmod 644 "$CKS_POSTMASTER_ENVIRONMENT"
}
