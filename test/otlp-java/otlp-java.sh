#!/usr/bin/env bash
# The Java OTLP client for the tests (issue 11: a second client from another ecosystem).
#
# The OpenTelemetry Java SDK and its OTLP exporter come from Maven Central via pom.xml and run on
# the system JDK (17+), like the local Kafka broker (deploy/kafka/kafka.sh). Everything generated
# lives under test/otlp-java/.cache/ (git-ignored).
#
#   test/otlp-java/otlp-java.sh fetch                 # download the jars (cached per pom.xml)
#   test/otlp-java/otlp-java.sh build                 # fetch, then compile OtlpJavaClient.java (cached)
#   test/otlp-java/otlp-java.sh run BASE_URL [--model NAME] [--token TOKEN]
#
# `run` sends a GenAI trace, a counter, a gauge and a log record to BASE_URL/v1/{traces,metrics,logs}
# (protobuf, gzip), prints one JSON line with the trace and span ids, and exits non-zero when an
# export failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$HERE/.cache"
LIBS="$CACHE/libs"
CLASSES="$CACHE/classes"
STAMP="$LIBS/.pom.sha256"

die() { echo "otlp-java.sh: $*" >&2; exit 1; }
log() { echo "otlp-java.sh: $*" >&2; }

require_java() {
  command -v java >/dev/null && command -v javac >/dev/null \
    || die "java/javac not found (need a JDK 17+: apt-get install openjdk-17-jdk-headless)"
  local v
  v="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${v%%.*}" -ge 17 ]] 2>/dev/null || die "the client needs Java 17+, found java.specification.version=$v"
}

# Skipped when the jars were fetched for the current pom.xml (stamp = pom hash). Downloads go to a
# temp dir first so an interrupted fetch never leaves a half-filled libs dir that looks complete.
cmd_fetch() {
  local want
  want="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  log "fetching OpenTelemetry Java SDK jars from Maven Central (first run only)..."
  local tmp="$CACHE/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$CACHE"
  mvn -B --no-transfer-progress -f "$HERE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" > "$CACHE/fetch.log" 2>&1 \
    || { tail -n 40 "$CACHE/fetch.log" >&2; rm -rf "$tmp"; die "mvn dependency:copy-dependencies failed (log: $CACHE/fetch.log)"; }
  ls "$tmp"/opentelemetry-exporter-otlp-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "fetch produced no opentelemetry-exporter-otlp jar"; }
  echo "$want" > "$tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  log "jars in $LIBS ($(ls "$LIBS"/*.jar | wc -l) files)"
}

# Compiled once (again when the source or the jars change): single-file source mode would cost
# seconds of javac on every run.
cmd_build() {
  require_java
  cmd_fetch
  if [[ ! "$CLASSES/OtlpJavaClient.class" -nt "$HERE/OtlpJavaClient.java" || ! "$CLASSES/OtlpJavaClient.class" -nt "$STAMP" ]]; then
    local tmp="$CACHE/classes.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    javac -nowarn --release 17 -cp "$LIBS/*" -d "$tmp" "$HERE/OtlpJavaClient.java" >&2 \
      || { rm -rf "$tmp"; die "could not compile OtlpJavaClient.java"; }
    rm -rf "$CLASSES"
    mv "$tmp" "$CLASSES"
  fi
}

cmd_run() {
  cmd_build
  # A small heap and the C1 compiler only: a short-lived client on a shared machine.
  exec java -Xmx128m -XX:TieredStopAtLevel=1 -cp "$CLASSES:$LIBS/*" OtlpJavaClient "$@"
}

case "${1:-}" in
  fetch) shift; require_java; cmd_fetch ;;
  build) shift; cmd_build ;;
  run)   shift; cmd_run "$@" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
