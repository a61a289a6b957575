# Sourced by tests/run-all and demo.sh: starts the local KMS endpoint on a
# free loopback port and exports CKS_ENDPOINT_URL / CKS_ENDPOINT_PORT_FILE.
# The caller stops it with stop_endpoint (also done by the EXIT trap).

start_endpoint() {
  local dir
  dir=$(mktemp -d /tmp/cks-endpoint.XXXXXX)
  CKS_ENDPOINT_DIR=$dir
  CKS_ENDPOINT_PORT_FILE="$dir/port"
  /usr/bin/python3 tests/endpoint/kms_endpoint.py --port 0 \
    --port-file "$CKS_ENDPOINT_PORT_FILE" --quiet "$@" >"$dir/log" 2>&1 &
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
