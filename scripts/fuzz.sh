#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60) and prints one line per target:
# its run time and the number of executions libFuzzer reported.
#
#   scripts/fuzz.sh 600            # ten minutes per target
#   TARGETS="policy evaluate" scripts/fuzz.sh 60
#   JOBS=4 scripts/fuzz.sh 600     # 4 parallel fuzzing processes per target
#
# Needs a nightly toolchain and cargo-fuzz (installed here if missing). The seed corpus is
# fuzz/corpus/TARGET; new inputs libFuzzer finds are written to a scratch copy
# (fuzz/target/corpus/TARGET), so the checked-in seeds stay small. Crashes land in
# fuzz/artifacts/TARGET/: turn each into a regression test in tests/ before fixing it.
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
  ''|*[!0-9]*) echo "usage: scripts/fuzz.sh SECONDS" >&2; exit 2 ;;
esac
targets="${TARGETS:-policy facts_json facts_yaml yaml_scanner yaml_split evaluate}"
jobs="${JOBS:-1}"

cd "$(dirname "$0")/../fuzz"

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz.sh: cargo-fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz
fi

cargo +nightly fuzz build

status=0
mkdir -p target/logs
for t in $targets; do
  work="target/corpus/$t"
  mkdir -p "$work" "artifacts/$t" "corpus/$t"
  log="target/logs/$t.log"
  start=$(date +%s)
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: 2 GB is a memory blow-up.
  parallel=()
  if [ "$jobs" -gt 1 ]; then parallel=(-jobs="$jobs" -workers="$jobs"); fi
  if cargo +nightly fuzz run "$t" "$work" "corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      "${parallel[@]}" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see fuzz/$log and fuzz/artifacts/$t/)"
    status=1
  fi
  end=$(date +%s)
  # the workers' logs exist only with JOBS > 1; a missing one must not end the script
  execs=$({ cat "$log"; cat fuzz-*.log 2>/dev/null || true; } \
    | awk '/^stat::number_of_executed_units/ {s += $2} END {print s + 0}')
  rm -f fuzz-*.log
  printf '%-11s %6ss  %12s executions  corpus %5s  %s\n' "$t" "$((end - start))" "$execs" \
    "$(ls "$work" | wc -l)" "$result"
done
exit "$status"
