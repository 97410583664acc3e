#!/usr/bin/env bash
# Whole-process timings of annexa on the six benchmark rules (benches/peers/bench.policy) over
# synthetic facts, checked against the reference counts, and of the peers when they are
# installed (see benches/peers/README.md), all in the same run so figures compare as ratios.
#
#   scripts/bench.sh                 # N = 1000 10000, 5 runs each
#   SIZES="1000 10000 100000" RUNS=3 PEERS=$HOME/peers scripts/bench.sh
#
# Needs python3 (the fact generator, the reference checker and the timer).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="${SIZES:-1000 10000}"
runs="${RUNS:-5}"
peers="${PEERS:-}"
out=target/bench
mkdir -p "$out"

cargo build --release --quiet
annexa=target/release/annexa

# median wall seconds and peak RSS (MB) of `runs` runs of a command (wall time from a
# monotonic clock, RSS from the child's own rusage)
measure() {
  python3 - "$runs" "$@" <<'PY'
import os, statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
walls, rss = [], []
for _ in range(runs):
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    walls.append(time.perf_counter() - start)
    rss.append(usage.ru_maxrss)
print(f"{statistics.median(walls):.3f} {max(rss) / 1024:.0f}")
PY
}

printf '%-10s %-10s %10s %10s %8s\n' engine N "wall (s)" "RSS (MB)" ratio
for n in $sizes; do
  facts="$out/facts-$n.json"
  [ -f "$facts" ] || python3 benches/peers/gen_facts.py "$n" --out-dir "$out" >/dev/null

  # the counts must match the independent reference before any timing means anything
  expected=$(python3 benches/peers/check_counts.py "$facts")
  "$annexa" check "$facts" -p benches/peers/bench.policy --format json -o "$out/report-$n.json" || true
  got=$(python3 - "$out/report-$n.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
counts = {r["rule"].split(".")[-1].upper(): len(r["violations"]) for r in report["results"]}
print(json.dumps(dict(sorted(counts.items()))))
PY
)
  if [ "$(echo "$expected" | python3 -c 'import json,sys; print(json.dumps(dict(sorted(json.load(sys.stdin).items()))))')" != "$got" ]; then
    echo "annexa's counts differ from the reference at N=$n: $got vs $expected" >&2
    exit 1
  fi

  read -r base_t base_m < <(measure "$annexa" check "$facts" -p benches/peers/bench.policy --format json -o /dev/null)
  printf '%-10s %-10s %10s %10s %8s\n' annexa "$n" "$base_t" "$base_m" "1.00"

  if [ -n "$peers" ] && [ -x "$peers/regorus/bin/regorus" ]; then
    read -r t m < <(measure "$peers/regorus/bin/regorus" eval -d benches/peers/bench.rego -i "$facts" data.bench.report)
    printf '%-10s %-10s %10s %10s %8s\n' regorus "$n" "$t" "$m" "$(python3 -c "print(f'{$t / $base_t:.2f}')")"
  fi
  if [ -n "$peers" ] && [ -x "$peers/guard/bin/cfn-guard" ]; then
    read -r t m < <(measure "$peers/guard/bin/cfn-guard" validate -r benches/peers/bench.guard -d "$facts" --structured -o json --show-summary none)
    printf '%-10s %-10s %10s %10s %8s\n' cfn-guard "$n" "$t" "$m" "$(python3 -c "print(f'{$t / $base_t:.2f}')")"
  fi
done
echo "ratio: a peer's median wall time divided by annexa's, same run (higher is slower than annexa)"

# Every built-in pack over the real corpus (tests/corpus/real: 20 files of 9 formats), so the cost of
# the packs on real files is watched; a parse-only run of the same files is the baseline.
printf '%-24s %10s %10s %8s\n' corpus wall_s peak_mb ratio
read -r parse_t parse_m < <(measure "$annexa" check tests/corpus/real -p benches/peers/parse_only.policy --format json -o /dev/null)
printf '%-24s %10s %10s %8s\n' "parse only" "$parse_t" "$parse_m" "1.00"
read -r packs_t packs_m < <(measure "$annexa" check tests/corpus/real --format json -o /dev/null)
printf '%-24s %10s %10s %8s\n' "all built-in packs" "$packs_t" "$packs_m" "$(python3 -c "print(f'{$packs_t / $parse_t:.2f}')")"
echo "ratio: the packs' median wall time divided by the parse-only run's, same run"
