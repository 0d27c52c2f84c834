#!/usr/bin/env bash
# The long fuzz and fault campaigns (docs/testing.md): the properties the test suite runs quickly
# (tests/test_fuzz_*.py), with many more examples, niced. A fixed seed makes a run repeatable:
#   campaigns/long.sh                  # seed 20261204, 2,000 examples per property
#   SEED=7 EXAMPLES=10000 campaigns/long.sh -x
set -euo pipefail
cd "$(dirname "$0")/.."
export IVIG_RULES_FUZZ_EXAMPLES="${EXAMPLES:-2000}"
exec nice -n 19 .venv/bin/python -m pytest -m fuzz -p no:cacheprovider -q \
    --hypothesis-profile=long --hypothesis-seed="${SEED:-20261204}" --hypothesis-show-statistics "$@"
