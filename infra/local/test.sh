#!/usr/bin/env bash
# The project's test command (`npm test`, and .ci/run through it):
# installs what is missing and starts the infrastructure (bootstrap.sh), then
# lints (when an eslint config exists) and runs every jest test against the
# real servers. Extra arguments go to jest, e.g. `npm test -- libs/events`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"

bash "$HERE/bootstrap.sh"
# shellcheck source=infra/local/env.sh
. "$HERE/env.sh"

export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--max-old-space-size=4096"

if compgen -G "eslint.config.*" >/dev/null; then
  printf '==> npx eslint .\n'
  npx --no-install eslint .
fi

printf '==> pruning Kafka topics and Temporal workflows of earlier test runs\n'
node libs/testing/prune-test-topics.js
node libs/testing/prune-test-workflows.js

# One test file at a time by default: the suites drive real Kafka, Temporal and
# PostgreSQL, which need the second core (override with JEST_WORKERS).
jest_args=("--maxWorkers=${JEST_WORKERS:-1}")
if [ "${CI:-}" = true ]; then
  jest_args+=(--ci)
fi
results="${ITSM_CACHE:-$HOME/.cache/itsm}/last-test-results.json"
mkdir -p "$(dirname "$results")"
rm -f "$results"
jest_args+=(--json "--outputFile=$results")
printf '==> npx jest %s\n' "${jest_args[*]} $*"
status=0
npx --no-install jest "${jest_args[@]}" "$@" || status=$?
# One plain closing line with the counts.
if [ -f "$results" ]; then
  node -e 'const r = require(process.argv[1]); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' "$results"
fi
exit "$status"
