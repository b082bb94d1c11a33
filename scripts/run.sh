#!/usr/bin/env bash
# One entry point that works on a fresh machine: it provides Node 22+, a Docker engine, the local service
# images, the npm dependencies and the build, then runs what you ask for.
#
#   bash scripts/run.sh examples   # run the examples (examples/*); their report: reports/faultline.html
#   bash scripts/run.sh test       # typecheck, lint, and every test (unit, integration, examples)
#   bash scripts/run.sh bench      # the benchmarks, JSON in bench/results/
#   bash scripts/run.sh screenshot # run the examples, then retake README's picture of their report
#
# Set FAULTLINE_SKIP_SETUP=1 to skip the Docker/images steps (e.g. with external services), and
# FAULTLINE_SKIP_PACK=1 to skip the pack check (scripts/pack-check.ts) of `test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
what="${1:-test}"
shift || true

# Faultline reaps its own containers; Ryuk cannot be pulled where no registry is reachable.
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"

# shellcheck source=scripts/node.sh
source scripts/node.sh

if [ "${FAULTLINE_SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/docker.sh
  if ! command -v debootstrap >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  # Where no registry is reachable, the official images cannot be pulled: build look-alikes locally.
  # testcontainers, seeing /.dockerenv, would reach the services through the bridge's gateway address;
  # with dockerd running right here, its published ports are on loopback. Keep all traffic there.
  if pgrep -x dockerd >/dev/null 2>&1; then
    export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-localhost}"
  fi
  if [ -z "${FAULTLINE_POSTGRES_IMAGE:-}" ]; then
    bash scripts/images.sh >/dev/null
    eval "$(bash scripts/images.sh --env)"
  fi
fi

# The browser check of the HTML report (packages/vitest/src/reporter.test.ts) drives Debian's chromium at
# /usr/bin/chromium (with playwright-core, which never downloads a browser); install it where missing.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ "${CI:-}" = true ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build

mkdir -p reports
vitest_json() { # run vitest with a JSON report and the Faultline report, then print `N passed, N failed`
  local status=0
  rm -f reports/summary.json
  rm -rf reports/charts
  npx vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json \
    --reporter=./packages/vitest/src/reporter.ts --outputFile.faultline=reports/faultline.html \
    --reporter=./scripts/summary-reporter.ts "$@" || status=$?
  node scripts/summary.ts reports/summary.json || status=1
  return "$status"
}

case "$what" in
  examples) vitest_json --project 'example-*' "$@" ;;
  test)
    # Artillery (the user's own install, not a dependency) for @faultline/http's Artillery tests.
    eval "$(bash scripts/artillery.sh --env)"
    npm run typecheck
    npm run lint
    # The packages as published: npm pack, installed into a project outside the repository, a suite there.
    pack=0
    if [ "${FAULTLINE_SKIP_PACK:-0}" != 1 ]; then node scripts/pack-check.ts || pack=$?; fi
    status=0
    vitest_json "$@" || status=$?
    if [ "$pack" != 0 ]; then
      echo "run.sh: the pack check failed (the 'pack check:' lines above)" >&2
      status=1
    fi
    leftovers="$(docker ps -aq --filter label=dev.faultline.managed=true)"
    if [ -n "$leftovers" ]; then
      echo "run.sh: containers left after the run:" >&2
      docker ps -a --filter label=dev.faultline.managed=true >&2
      status=1
    fi
    exit "$status"
    ;;
  bench) npm run bench -- "$@" ;;
  screenshot)
    status=0
    vitest_json --project 'example-*' "$@" || status=$?
    node scripts/report-screenshot.ts reports/faultline.html docs/images/faultline-report.png
    exit "$status"
    ;;
  *) echo "run.sh: unknown command '$what' (examples, test, bench or screenshot)" >&2; exit 2 ;;
esac
