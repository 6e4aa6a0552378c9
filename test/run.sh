#!/usr/bin/env bash
# The test command (npm test): installs the external tools the tests use as judges, starts a real
# Kafka broker, runs every test file, and prints a plain "N passed, N failed" closing line.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v kcat >/dev/null || missing+=(kcat)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
# promtool judges the exported SLO rules; a real Alertmanager receives alerts in alerting's end-to-end test.
command -v promtool >/dev/null || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
command -v chromium >/dev/null || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The prometheus packages start their services on install; the tests start their own on free ports.
  # Without systemd, invoke-rc.d asks policy-rc.d: deny starts for the install, unless one is in place.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1; fi
  install_rc=0
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null || install_rc=$?
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
  [ "$install_rc" -eq 0 ] || exit "$install_rc"
fi

[ -d node_modules ] || npm ci

port="${MLOBS_TEST_KAFKA_PORT:-19092}"
deploy/kafka/kafka.sh start --port "$port"
export KAFKA_BROKERS="127.0.0.1:$port"
trap 'deploy/kafka/kafka.sh stop --port "$port" >/dev/null 2>&1 || true' EXIT

mkdir -p test/artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test/artifacts/vitest.json "$@" || status=$?
node test/summary.mjs test/artifacts/vitest.json "$status" || status=1
exit $status
