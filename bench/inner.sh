#!/usr/bin/env bash
# Runs inside pg_virtualenv (PG* variables point at a throwaway cluster)
# with the local endpoint running (CKS_ENDPOINT_URL): the benchmark driver.
# Started by bench/run; arguments go to bench/bench.py.
set -eu
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/bench.py \
  --boto-python "${CKS_BENCH_BOTO_PYTHON:-python3}" "$@"
