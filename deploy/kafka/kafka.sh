#!/usr/bin/env bash
# Local single-node Apache Kafka broker for tests and development.
#
# KRaft mode (one process is both broker and controller, no ZooKeeper) and no
# Docker: the broker jars come from Maven Central via deploy/kafka/pom.xml and
# run on the system JDK (17+). Everything generated lives under
# deploy/kafka/.cache/ (git-ignored).
#
#   deploy/kafka/kafka.sh fetch                      # download jars (cached)
#   deploy/kafka/kafka.sh start [--port N] [--dir DIR] [--partitions N] [--set key=value]...
#   deploy/kafka/kafka.sh stop   [--port N] [--dir DIR]
#   deploy/kafka/kafka.sh status [--port N] [--dir DIR]
#
# `start` prints KAFKA_BROKERS=127.0.0.1:PORT on success, so callers can do
#   eval "$(deploy/kafka/kafka.sh start | grep ^KAFKA_BROKERS=)"; export KAFKA_BROKERS
#
# Environment overrides:
#   KAFKA_HEAP_OPTS        JVM heap flags (default "-Xms256m -Xmx512m": the broker
#                          shares small CI machines with other services)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 90)
#   KAFKA_NUM_PARTITIONS   default partitions for auto-created topics (default 1)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$HERE/.cache"
LIBS="$CACHE/libs"
STAMP="$LIBS/.pom.sha256"

die() { echo "kafka.sh: $*" >&2; exit 1; }
log() { echo "kafka.sh: $*" >&2; }

# ---------------------------------------------------------------- arguments
PORT=19092
DIR=""
PARTITIONS="${KAFKA_NUM_PARTITIONS:-1}"
EXTRA_PROPS=()

parse_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port)       PORT="${2:?--port needs a value}"; shift 2 ;;
      --port=*)     PORT="${1#*=}"; shift ;;
      --dir)        DIR="${2:?--dir needs a value}"; shift 2 ;;
      --dir=*)      DIR="${1#*=}"; shift ;;
      --partitions) PARTITIONS="${2:?--partitions needs a value}"; shift 2 ;;
      --partitions=*) PARTITIONS="${1#*=}"; shift ;;
      --set)        EXTRA_PROPS+=("${2:?--set needs key=value}"); shift 2 ;;
      --set=*)      EXTRA_PROPS+=("${1#*=}"); shift ;;
      *) die "unknown argument: $1" ;;
    esac
  done
  [[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65535 )) || die "bad --port: $PORT"
  [[ "$PARTITIONS" =~ ^[1-9][0-9]*$ ]] || die "bad --partitions: $PARTITIONS"
  CPORT=$((PORT + 1))                     # controller listener sits next to the client port
  DIR="${DIR:-$CACHE/run-$PORT}"
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"                # absolute: the broker runs with another cwd
  PIDFILE="$DIR/kafka.pid"
  LOGFILE="$DIR/kafka.log"
  PROPS="$DIR/server.properties"
  DATA="$DIR/data"
}

# ------------------------------------------------------------------- fetch
require_java() {
  command -v java >/dev/null && command -v javac >/dev/null \
    || die "java/javac not found (need a JDK 17+: apt-get install openjdk-17-jdk-headless)"
  local v
  v="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${v%%.*}" -ge 17 ]] 2>/dev/null || die "Kafka 4.x needs Java 17+, found java.specification.version=$v"
}

# Copies the broker jars into .cache/libs. Skipped when the jars were already
# fetched for the current pom.xml (stamp = pom hash), so it is cheap to call on
# every start. Downloads go to a temp dir first so an interrupted fetch never
# leaves a half-filled libs dir that would look complete.
cmd_fetch() {
  local want
  want="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  log "fetching Kafka jars from Maven Central (first run only)..."
  local tmp="$CACHE/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$CACHE"
  # Maven's output goes to a log file (shown on failure): `start` keeps stdout
  # for the KAFKA_BROKERS line, and mvn 3.8 -q still prints ANSI reset codes.
  mvn -B --no-transfer-progress -f "$HERE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" > "$CACHE/fetch.log" 2>&1 \
    || { tail -n 40 "$CACHE/fetch.log" >&2; rm -rf "$tmp"; die "mvn dependency:copy-dependencies failed (log: $CACHE/fetch.log)"; }
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "fetch produced no kafka_2.13 jar"; }
  echo "$want" > "$tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  log "jars in $LIBS ($(ls "$LIBS"/*.jar | wc -l) files)"
}

# ------------------------------------------------------------------ helpers
# PID of our broker for this dir, or empty. Checks the command line too, so a
# stale pid file whose pid got reused by another process is not mistaken for
# the broker (and never killed by `stop`).
running_pid() {
  [[ -f "$PIDFILE" ]] || return 0
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "kafka.Kafka $PROPS"; then
    echo "$pid"
  fi
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Metadata round trip via the Java admin client (see BrokerReady.java).
# Compiled once into .cache/probe (recompiled when the source changes): running
# it in single-file source mode would cost ~2 s of javac on every start.
# The default log4j2 config (no config file) only prints errors, which is what
# we want here.
broker_ready() {
  local probe="$CACHE/probe"
  if [[ ! "$probe/BrokerReady.class" -nt "$HERE/BrokerReady.java" || ! "$probe/BrokerReady.class" -nt "$STAMP" ]]; then
    mkdir -p "$probe"
    javac -nowarn -cp "$LIBS/*" -d "$probe" "$HERE/BrokerReady.java" >&2 \
      || die "could not compile BrokerReady.java (javac from a full JDK 17+ is needed)"
  fi
  java -Xmx128m -XX:TieredStopAtLevel=1 -cp "$probe:$LIBS/*" BrokerReady "127.0.0.1:$PORT" "$1"
}

write_props() {
  # Rewritten on every start so that edits to this script take effect; the
  # identity (node.id, cluster id) lives in $DATA/meta.properties, not here.
  cat > "$PROPS" <<EOF
# Generated by deploy/kafka/kafka.sh -- edits are overwritten on start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA

# Single node: internal topics default to replication factor 3 and would never
# be created, which breaks consumer groups (kafkajs included) and transactions.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Tests: no 3 s wait before the first rebalance, topics appear on first use.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.partitions=$PARTITIONS
default.replication.factor=1

# Small footprint on 2-core machines.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
EOF
  local kv
  for kv in "${EXTRA_PROPS[@]+"${EXTRA_PROPS[@]}"}"; do
    [[ "$kv" == *=* ]] || die "--set expects key=value, got: $kv"
    echo "$kv" >> "$PROPS"               # later keys win in java.util.Properties
  done
}

# KRaft log dirs must be formatted once with a cluster id before first start.
format_if_needed() {
  [[ -f "$DATA/meta.properties" ]] && return 0
  # A cluster id is 16 random bytes in unpadded URL-safe base64 (what
  # `kafka-storage random-uuid` prints), generated here to save a JVM start.
  local cid
  cid="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  # One id in 64 starts with "-": the --opt=value form keeps the parser from reading it as an option.
  log "formatting $DATA (cluster id $cid)"
  java -Xmx256m -cp "$LIBS/*" -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
      kafka.tools.StorageTool format --config "$PROPS" --cluster-id="$cid" --ignore-formatted \
      >> "$LOGFILE" 2>&1 || { tail -n 30 "$LOGFILE" >&2; die "storage format failed (log: $LOGFILE)"; }
}

# ------------------------------------------------------------------- start
cmd_start() {
  parse_args "$@"
  require_java
  cmd_fetch
  local timeout="${KAFKA_START_TIMEOUT:-90}"

  # Serialise concurrent `start`s for the same dir (e.g. parallel test jobs).
  exec 9>"$DIR/.lock"
  flock 9

  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    # Already running: reuse it, but still prove it serves requests.
    broker_ready "$timeout" >/dev/null || die "broker pid $pid is running but not answering on 127.0.0.1:$PORT (log: $LOGFILE)"
    log "already running (pid $pid, dir $DIR)"
    echo "KAFKA_BROKERS=127.0.0.1:$PORT"
    return 0
  fi
  rm -f "$PIDFILE"
  port_open "$PORT" && die "port $PORT is in use by another process (not a broker from $DIR); pick --port"
  port_open "$CPORT" && die "controller port $CPORT (= port+1) is in use by another process; pick --port"

  write_props
  format_if_needed

  echo "=== kafka.sh start $(date -u +%FT%TZ) port=$PORT" >> "$LOGFILE"
  # setsid + nohup: the broker must outlive the calling shell / test runner and
  # not get its SIGINT/SIGHUP. fd 9 (the lock) is closed for the child so the
  # lock is released when this script exits.
  local t0=$SECONDS
  # shellcheck disable=SC2086
  setsid nohup java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$HERE/log4j2.properties" \
      -cp "$LIBS/*" kafka.Kafka "$PROPS" \
      >> "$LOGFILE" 2>&1 < /dev/null 9>&- &
  pid=$!
  echo "$pid" > "$PIDFILE"

  # On failure show the log tail and kill the half-started JVM: a broker that
  # was not ready in time should not linger and hold the ports.
  fail() {
    echo "----- last 40 lines of $LOGFILE -----" >&2
    tail -n 40 "$LOGFILE" >&2
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      sleep 5
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    die "$1"
  }

  # 1) wait for the client port, bailing out early if the JVM dies.
  until port_open "$PORT"; do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; fail "broker exited during startup"; }
    (( SECONDS - t0 < timeout )) || fail "port $PORT not open after ${timeout}s (broker pid $pid killed)"
    sleep 0.25
  done
  # 2) the port opens before the broker has joined the quorum; wait for a real
  #    metadata answer with the remaining time budget.
  local left=$(( timeout - (SECONDS - t0) ))
  (( left > 5 )) || left=5
  broker_ready "$left" >/dev/null \
    || fail "broker not answering metadata requests after ${timeout}s (broker pid $pid killed)"
  log "started pid $pid in $((SECONDS - t0))s (dir $DIR, log $LOGFILE)"
  echo "KAFKA_BROKERS=127.0.0.1:$PORT"
}

# -------------------------------------------------------------------- stop
cmd_stop() {
  parse_args "$@"
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PIDFILE"
    log "not running (dir $DIR)"
    return 0
  fi
  # SIGTERM triggers a controlled shutdown (flushes logs, so the next start
  # skips log recovery). Give it 30 s, then SIGKILL.
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not stop after 30s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$PIDFILE"
  log "stopped pid $pid (dir $DIR)"
}

# ------------------------------------------------------------------ status
cmd_status() {
  parse_args "$@"
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    echo "stopped (port $PORT, dir $DIR)"
    return 3
  fi
  if port_open "$PORT"; then
    echo "running pid $pid, KAFKA_BROKERS=127.0.0.1:$PORT (dir $DIR)"
  else
    echo "starting/unhealthy: pid $pid alive but port $PORT closed (log $LOGFILE)"
    return 1
  fi
}

case "${1:-}" in
  fetch)  shift; require_java; cmd_fetch; log "jars ready in $LIBS" ;;
  start)  shift; cmd_start "$@" ;;
  stop)   shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
