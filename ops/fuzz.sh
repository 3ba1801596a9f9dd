#!/usr/bin/env bash
# Longer fuzzing of the JSON API than CI's (tests/test_fuzz_api.py): every operation of
# /api/v1/openapi.json with N generated requests each (default 500), against the real
# app, store and OpenSearch node. A failure prints the request (as curl) that broke it.
#   ops/fuzz.sh            500 examples per operation (~5 min on 2 cores)
#   ops/fuzz.sh 2000 -x    more, stop at the first failing operation (extra args go to pytest)
# OpenSearch must answer on OPENSEARCH_URL (default 127.0.0.1:9200): `./ror opensearch start`.
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-500}
shift || true
ROR_FUZZ_EXAMPLES="$examples" exec .venv/bin/python -m pytest tests/test_fuzz_api.py -p no:cacheprovider \
  -k test_operation_answers_as_documented_whatever_it_is_sent "$@"
