#!/usr/bin/env bash
# Installs Artillery (pinned) into .tools/artillery for the tests of @faultline/http's Artillery support,
# and prints the path of its binary. Artillery is not a dependency of the repository: it is 460 MB, and a
# user brings their own (`npm i -D artillery`, or the one their CI runs distributed). Its Playwright
# engine would download browsers at install: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD keeps it from doing so.
#
#   bash scripts/artillery.sh            # installs if missing; prints the binary's path
#   eval "$(bash scripts/artillery.sh --env)"   # exports FAULTLINE_ARTILLERY, which the tests read
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${FAULTLINE_ARTILLERY_VERSION:-2.0.34}"
dir="$root/.tools/artillery-$version"
bin="$dir/node_modules/.bin/artillery"
if [ ! -x "$bin" ]; then
  echo "faultline: installing artillery@$version into .tools/ (once)" >&2
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{ "name": "faultline-artillery", "private": true }' >"$dir/package.json"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error \
    "artillery@$version" >&2)
fi
if [ "${1:-}" = --env ]; then
  echo "export FAULTLINE_ARTILLERY='$bin'"
else
  echo "$bin"
fi
