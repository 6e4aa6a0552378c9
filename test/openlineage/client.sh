#!/usr/bin/env bash
# The OpenLineage Java client (io.openlineage:openlineage-java, with its HTTP transport) for the
# lineage end-to-end test: jars from Maven Central via pom.xml, EmitDagRun.java compiled with the
# system JDK (17+). Everything generated lives under test/openlineage/.cache/ (git-ignored).
#
#   test/openlineage/client.sh build                          # fetch jars (cached) and compile
#   test/openlineage/client.sh run URL TOKEN NAMESPACE DAG ERROR   # emit one DAG run (builds first)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="$HERE/.cache"
LIBS="$CACHE/libs"
CLASSES="$CACHE/classes"
STAMP="$LIBS/.pom.sha256"

die() { echo "openlineage client.sh: $*" >&2; exit 1; }

# Skipped when the jars were fetched for the current pom.xml; downloads go to a temp dir first so
# that an interrupted fetch never leaves a half-filled libs dir that would look complete.
fetch() {
  local want
  want="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  echo "openlineage client.sh: fetching the OpenLineage Java client from Maven Central (first run only)..." >&2
  local tmp="$CACHE/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$CACHE"
  mvn -B --no-transfer-progress -f "$HERE/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" > "$CACHE/fetch.log" 2>&1 \
    || { tail -n 40 "$CACHE/fetch.log" >&2; rm -rf "$tmp"; die "mvn dependency:copy-dependencies failed (log: $CACHE/fetch.log)"; }
  ls "$tmp"/openlineage-java-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "fetch produced no openlineage-java jar"; }
  echo "$want" > "$tmp/.pom.sha256"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
}

build() {
  fetch
  command -v javac >/dev/null || die "javac not found (apt-get install openjdk-17-jdk-headless)"
  if [[ ! "$CLASSES/EmitDagRun.class" -nt "$HERE/EmitDagRun.java" || ! "$CLASSES/EmitDagRun.class" -nt "$STAMP" ]]; then
    rm -rf "$CLASSES.tmp.$$" && mkdir -p "$CLASSES.tmp.$$"
    javac -nowarn -cp "$LIBS/*" -d "$CLASSES.tmp.$$" "$HERE/EmitDagRun.java" >&2 || { rm -rf "$CLASSES.tmp.$$"; die "could not compile EmitDagRun.java"; }
    rm -rf "$CLASSES" && mv "$CLASSES.tmp.$$" "$CLASSES"
  fi
}

case "${1:-}" in
  build) build ;;
  run) shift; build; exec java -Xmx128m -XX:TieredStopAtLevel=1 -cp "$CLASSES:$LIBS/*" EmitDagRun "$@" ;;
  *) die "usage: client.sh build | run URL TOKEN NAMESPACE DAG ERROR" ;;
esac
