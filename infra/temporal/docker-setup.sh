#!/bin/sh
# Temporal setup steps for docker-compose.yml, run in the temporalio/admin-tools
# image (POSIX sh; no jq needed).
#   docker-setup.sh schema     create/upgrade the temporal and temporal_visibility
#                              databases in PostgreSQL (before the server starts)
#   docker-setup.sh register   create the namespace and register the search
#                              attributes of infra/temporal/search-attributes.json
# Both steps are idempotent.
set -eu

PG_HOST="${POSTGRES_SEEDS:-postgres}"
PG_PORT="${DB_PORT:-5432}"
PG_USER="${POSTGRES_USER:-postgres}"
export SQL_PASSWORD="${POSTGRES_PWD:-postgres}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
ATTRIBUTES="${SEARCH_ATTRIBUTES_FILE:-/itsm/search-attributes.json}"
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

sql() { temporal-sql-tool --plugin postgres12 --ep "$PG_HOST" -p "$PG_PORT" -u "$PG_USER" "$@"; }

schema() {
  i=0
  until nc -z "$PG_HOST" "$PG_PORT"; do
    i=$((i + 1)); [ "$i" -gt 60 ] && { echo "PostgreSQL $PG_HOST:$PG_PORT not reachable" >&2; exit 1; }
    sleep 1
  done
  for db in temporal temporal_visibility; do
    case "$db" in temporal) dir="$SCHEMA_ROOT/temporal/versioned" ;; *) dir="$SCHEMA_ROOT/visibility/versioned" ;; esac
    sql --db "$db" create 2>/dev/null || echo "database $db exists"
    sql --db "$db" setup-schema -v 0.0 2>/dev/null || echo "schema of $db already set up"
    sql --db "$db" update-schema -d "$dir"
  done
  echo "Temporal schema ready"
}

register() {
  i=0
  until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -gt 120 ] && { echo "Temporal $ADDRESS not healthy" >&2; exit 1; }
    sleep 1
  done
  temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1 ||
    temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention 72h
  # A new namespace takes a moment to reach the server's namespace cache.
  i=0
  until existing="$(temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" 2>/dev/null)"; do
    i=$((i + 1)); [ "$i" -gt 60 ] && { echo "namespace $NAMESPACE not available" >&2; exit 1; }
    sleep 1
  done
  # One "Name": "Type" pair per line in the JSON file.
  sed -n 's/^[[:space:]]*"\([A-Za-z0-9_]*\)"[[:space:]]*:[[:space:]]*"\([A-Za-z]*\)".*/\1 \2/p' "$ATTRIBUTES" |
    while read -r name type; do
      if printf '%s\n' "$existing" | grep -qw "$name"; then
        echo "search attribute $name exists"
      else
        temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" \
          --name "$name" --type "$type"
      fi
    done
  echo "Temporal namespace $NAMESPACE and search attributes ready"
}

case "${1:-}" in
  schema) schema ;;
  register) register ;;
  *) echo "usage: $0 {schema|register}" >&2; exit 2 ;;
esac
