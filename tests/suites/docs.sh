#!/usr/bin/env bash
# The documentation runs: every ```sql block of README.md and doc/*.md,
# and every file of examples/, against the local endpoint in this
# throwaway cluster (real-AWS placeholders replaced by the endpoint's), so
# that no page drifts from the code.  Blocks marked <!-- fails: SQLSTATE -->
# must fail with that SQLSTATE; the examples are loaded twice each as a
# non-superuser role, as their headers say they can be.  The rules and
# markers are in tests/lib/doc_blocks.py.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
python3 tests/lib/doc_blocks.py run
