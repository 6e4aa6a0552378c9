#!/usr/bin/env bash
# The test command (npm test): checks for the external reference tools some tests compare against
# (kcat produces to Kafka as outside producers do, promtool checks the exported Prometheus rules, scikit-learn checks CBPE calibration,
# a real Alertmanager receives alerts, Chromium renders the dashboards and the HTML drift report;
# the JDK and Maven build the local Kafka broker and the Java OTLP client), starts a real Kafka broker,
# builds the Java OTLP client, runs every test file,
# and prints a plain "N passed, N failed" closing line.
#
# Missing tools: as root on Debian they are installed with apt-get; anywhere else the command stops
# at once and prints the exact install command. Nothing it writes for the install stays behind.
set -euo pipefail
cd "$(dirname "$0")/.."

# Everything to undo on exit, whatever the exit: an error, Ctrl-C or a kill.
cleanup=()
on_exit() {
  local i
  for ((i = ${#cleanup[@]} - 1; i >= 0; i--)); do eval "${cleanup[i]}" || true; done
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

missing=()
command -v kcat >/dev/null || missing+=(kcat)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v promtool >/dev/null || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
command -v chromium >/dev/null || missing+=(chromium)
# Debian's python3 with NumPy, SciPy and scikit-learn: CBPE's calibration (drift/stats/cbpe.test.ts) and the
# multivariate / embedding drift statistics (drift/stats/multivariate.test.ts, drift/multivariate.test.ts).
/usr/bin/python3 -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
/usr/bin/python3 -c 'import scipy' 2>/dev/null || missing+=(python3-scipy)
/usr/bin/python3 -c 'import sklearn' 2>/dev/null || missing+=(python3-sklearn)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || [ ! -e /etc/debian_version ]; then
    echo "npm test needs these external tools, which are missing: ${missing[*]}" >&2
    if [ -e /etc/debian_version ]; then
      echo "install them with:" >&2
      echo "  sudo apt-get install -y ${missing[*]}" >&2
    else
      echo "on Debian or Ubuntu: sudo apt-get install -y ${missing[*]} (elsewhere, the same tools from your package manager)" >&2
    fi
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The prometheus packages start their services on install; the tests start their own on free ports.
  # Without systemd, invoke-rc.d asks policy-rc.d: deny starts during the install, unless one is in
  # place already. Ours is removed on every exit (the trap above), an interrupted install included.
  policy="${MLOBS_POLICY_RC_D:-/usr/sbin/policy-rc.d}"
  own_policy=
  if [ ! -e "$policy" ]; then
    cleanup+=("[ -z \"\$own_policy\" ] || rm -f '$policy'")
    own_policy=1
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
  fi
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ -n "$own_policy" ]; then rm -f "$policy"; own_policy=; fi
fi

[ -d node_modules ] || npm ci

port="${MLOBS_TEST_KAFKA_PORT:-19092}"
cleanup+=("deploy/kafka/kafka.sh stop --port '$port' >/dev/null 2>&1")
deploy/kafka/kafka.sh start --port "$port"
export KAFKA_BROKERS="127.0.0.1:$port"

# The Java OTLP client (test/otlp/java-sdk.test.ts): OpenTelemetry Java SDK jars from Maven Central
# into test/otlp-java/.cache (first run only), compiled with the system JDK.
test/otlp-java/otlp-java.sh build
# The OpenLineage Java client that test/openlineage.test.ts drives (jars cached after the first run).
test/openlineage/client.sh build

mkdir -p test/artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test/artifacts/vitest.json "$@" || status=$?
node test/summary.mjs test/artifacts/vitest.json "$status" || status=1
exit $status
