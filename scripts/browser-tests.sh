#!/usr/bin/env bash
# The HTML reports in a real browser: builds annexa, writes `check --format html` and
# `soa --format html` of the fraud example to target/browser/, installs Debian's Chromium when
# /usr/bin/chromium is absent, installs playwright-core (pinned in tests/browser/package-lock.json)
# and runs tests/browser/report.test.js: no request leaves a page, the filter works, script off
# shows everything, the pages print on A4. Screenshots and PDFs stay in target/browser/.
#
#   scripts/browser-tests.sh
#   CHROMIUM=/path/to/chromium scripts/browser-tests.sh   # another Chromium build
#
# Needs cargo, node (>= 20) with npm, and apt-get (as root or with sudo) when Chromium is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    say "installing Chromium from Debian's packages"
    if [ "$(id -u)" -eq 0 ]; then as_root=(); else as_root=(sudo); fi
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq chromium
fi

say "building annexa"
cargo build --quiet
out=target/browser
mkdir -p "$out"
facts=examples/pipelines/fraud-tabular.yaml
# check exits 1 on this example: its findings are what the page shows
status=0
target/debug/annexa check "$facts" --now 2026-06-01 --no-config --format html -o "$out/check.html" || status=$?
if [ "$status" -ne 1 ]; then
    echo "annexa check exited $status, expected 1 (findings)" >&2
    exit 1
fi
target/debug/annexa soa "$facts" --now 2026-06-01 --format html -o "$out/soa.html"

say "installing playwright-core"
(cd tests/browser && npm ci --no-audit --no-fund --silent)

say "running the browser tests"
CHROMIUM="$chromium" node tests/browser/report.test.js "$out"
