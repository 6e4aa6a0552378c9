#!/usr/bin/env bash
# The test command (npm test): installs the external tools the tests use as judges, starts a real
# Kafka broker, runs every test file, and prints a plain "N passed, N failed" closing line.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v kcat >/dev/null || missing+=(kcat)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -d node_modules ] || npm ci

port="${MLOBS_TEST_KAFKA_PORT:-19092}"
deploy/kafka/kafka.sh start --port "$port"
export KAFKA_BROKERS="127.0.0.1:$port"
trap 'deploy/kafka/kafka.sh stop --port "$port" >/dev/null 2>&1 || true' EXIT

mkdir -p test/artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test/artifacts/vitest.json "$@" || status=$?
node test/summary.mjs test/artifacts/vitest.json || status=1
exit $status
