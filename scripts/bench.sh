#!/usr/bin/env bash
# Whole-process benchmarks of annexa against its own parse-only run, a plain serde_json pass,
# regorus and Checkov, all in one run so the figures compare as ratios; prints every target of
# issue 14 with its measured ratio and PASS or FALL SHORT.
#
#   scripts/bench.sh                          # N = 100,000, 5 runs, 5,000-file repository
#   N=10000 RUNS=3 REPO_FILES=500 scripts/bench.sh     # a quick run (no docs rewritten)
#   DOCS=1 scripts/bench.sh                   # also rewrite the measured block of
#                                             # docs/performance.md and README.md
#
# Settings (environment):
#   N           datasets of the synthetic facts (default 100000; the linearity target uses N/10)
#   RUNS        runs of each command, alternating (default 5); CHECKOV_RUNS for Checkov (1)
#   RULES       rules of the small compile-time policy; the large one has 10× (default 2000)
#   REPO_FILES  files of the generated repository (default 5000)
#   PEERS       where regorus is installed, else built (default target/peers)
#   REGORUS=0   skip regorus;  REPO_PEER=0  skip Checkov (installed from PyPI into a venv
#               under target/peers on first use)
#   JOBS        the thread count of the threaded runs (default: every core)
#   DOCS        1: rewrite the docs blocks (default 1 at N = 100000 with RUNS >= 3, else 0)
#
# Needs python3 (generators, reference checker, timer) and, for the peers, cargo and pip.
set -euo pipefail
cd "$(dirname "$0")/.."

n="${N:-100000}"
runs="${RUNS:-5}"
rules="${RULES:-2000}"
repo_files="${REPO_FILES:-5000}"
peers="${PEERS:-target/peers}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
if [ -z "${DOCS:-}" ]; then
  if [ "$n" = 100000 ] && [ "$runs" -ge 3 ]; then DOCS=1; else DOCS=0; fi
fi
out=target/bench
mkdir -p "$out" "$peers"

cargo build --release --quiet --bin annexa
cargo build --release --quiet --manifest-path benches/peers/json-validate/Cargo.toml --target-dir target/json-validate
annexa=target/release/annexa
validate=target/json-validate/release/json-validate

# --- peers --------------------------------------------------------------------------------
regorus=""
if [ "${REGORUS:-1}" != 0 ]; then
  regorus="$peers/regorus/bin/regorus"
  if [ ! -x "$regorus" ]; then
    echo "building regorus 0.14.1 into $peers/regorus (once)" >&2
    cargo install regorus --version 0.14.1 --example regorus --locked --root "$peers/regorus" --quiet
  fi
fi
checkov=""
if [ "${REPO_PEER:-1}" != 0 ]; then
  checkov="$peers/checkov-venv/bin/checkov"
  if [ ! -x "$checkov" ]; then
    echo "installing checkov 3.3 from PyPI into $peers/checkov-venv (once)" >&2
    python3 -m venv "$peers/checkov-venv"
    "$peers/checkov-venv/bin/pip" install --quiet 'checkov==3.3.*'
  fi
fi

# --- inputs -------------------------------------------------------------------------------
small=$((n / 10))
for size in "$n" "$small"; do
  [ -f "$out/facts-$size.json" ] && [ -f "$out/facts-$size.yaml" ] ||
    python3 benches/peers/gen_facts.py "$size" --out-dir "$out" >/dev/null
done
facts="$out/facts-$n.json"
repo="$out/repo-$repo_files"
[ -d "$repo" ] || python3 benches/repo/gen_repo.py "$repo" --files "$repo_files" >/dev/null
python3 benches/repo/gen_rules.py "$rules" --out "$out/rules-$rules.policy"
python3 benches/repo/gen_rules.py "$((rules * 10))" --out "$out/rules-$((rules * 10)).policy"
echo '{"enabled": true, "name": "x"}' >"$out/one.json"

# --- correctness before any timing --------------------------------------------------------
# annexa's counts must equal the independent reference, on the JSON and on the YAML facts
counts() {
  python3 - "$1" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
counts = {r["rule"].split(".")[-1].upper(): len(r["violations"]) for r in report["results"]}
print(json.dumps(dict(sorted(counts.items()))))
PY
}
expected=$(python3 benches/peers/check_counts.py "$facts" | python3 -c 'import json,sys; print(json.dumps(dict(sorted(json.load(sys.stdin).items()))))')
for f in "$facts" "$out/facts-$n.yaml"; do
  "$annexa" check "$f" -p benches/peers/bench.policy --format json -o "$out/report.json" || true
  got=$(counts "$out/report.json")
  if [ "$got" != "$expected" ]; then
    echo "annexa's counts differ from the reference on $f: $got vs $expected" >&2
    exit 1
  fi
done
# the threaded run must give the same bytes as one thread
"$annexa" check "$repo" --format json --jobs 1 -o "$out/repo-1.json" || true
"$annexa" check "$repo" --format json --jobs "$jobs" -o "$out/repo-n.json" || true
"$annexa" check "$facts" -p benches/peers/bench.policy --format json --jobs 1 -o "$out/facts-1.json" || true
"$annexa" check "$facts" -p benches/peers/bench.policy --format json --jobs "$jobs" -o "$out/facts-n.json" || true
identical=true
cmp -s "$out/repo-1.json" "$out/repo-n.json" && cmp -s "$out/facts-1.json" "$out/facts-n.json" || identical=false
annexa_checks=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
judged = [x for x in r["results"] if x["status"] != "skip"]
total = len(r["results"])
print(f"{total} rules, {len(judged)} of them judged some file")' "$out/repo-1.json")
# Checkov's checks are counted from the report of its timed run (bench_targets.py): it runs
# once, for minutes, not once to count and once to time
checkov_output=""
if [ -n "$checkov" ]; then checkov_output="$out/checkov.json"; fi

# --- timings ------------------------------------------------------------------------------
python3 scripts/bench_targets.py <<JSON
{
  "runs": $runs, "n": $n, "rules": $rules, "repo_files": $repo_files, "jobs": $jobs,
  "write_docs": $([ "$DOCS" = 1 ] && echo true || echo false),
  "identical": $identical,
  "command": "N=$n RUNS=$runs RULES=$rules REPO_FILES=$repo_files scripts/bench.sh",
  "sizes": {"json": $(stat -c %s "$facts")},
  "annexa_checks": "$annexa_checks",
  "checkov_output": "$checkov_output",
  "commands": {
    "annexa_json": {"label": "annexa, R1–R6, N = $n JSON (every core)", "ok_codes": [1],
      "cmd": ["$annexa", "check", "$facts", "-p", "benches/peers/bench.policy", "--format", "json", "-o", "/dev/null"]},
    "annexa_json_jobs1": {"label": "annexa, R1–R6, N = $n JSON, --jobs 1", "ok_codes": [1],
      "cmd": ["$annexa", "check", "$facts", "-p", "benches/peers/bench.policy", "--format", "json", "--jobs", "1", "-o", "/dev/null"]},
    "annexa_parse": {"label": "annexa parse only, N = $n JSON", "ok_codes": [0],
      "cmd": ["$annexa", "check", "$facts", "-p", "benches/peers/parse_only.policy", "--format", "json", "-o", "/dev/null"]},
    "serde_validate": {"label": "serde_json IgnoredAny pass, N = $n JSON", "ok_codes": [0],
      "cmd": ["$validate", "$facts"]},
    "annexa_yaml": {"label": "annexa, R1–R6, N = $n YAML", "ok_codes": [1],
      "cmd": ["$annexa", "check", "$out/facts-$n.yaml", "-p", "benches/peers/bench.policy", "--format", "json", "-o", "/dev/null"]},
    "annexa_json_small": {"label": "annexa, R1–R6, N = $small JSON", "ok_codes": [1],
      "cmd": ["$annexa", "check", "$out/facts-$small.json", "-p", "benches/peers/bench.policy", "--format", "json", "-o", "/dev/null"]},
    "compile_small": {"label": "annexa, $rules rules, one tiny file", "ok_codes": [0, 1],
      "cmd": ["$annexa", "check", "$out/one.json", "-p", "$out/rules-$rules.policy", "--format", "json", "-o", "/dev/null"]},
    "compile_large": {"label": "annexa, $((rules * 10)) rules, one tiny file", "ok_codes": [0, 1],
      "cmd": ["$annexa", "check", "$out/one.json", "-p", "$out/rules-$((rules * 10)).policy", "--format", "json", "-o", "/dev/null"]},
    "annexa_repo": {"label": "annexa check, $repo_files-file repository, built-in packs, --jobs $jobs", "ok_codes": [0, 1],
      "cmd": ["$annexa", "check", "$repo", "--format", "json", "--jobs", "$jobs", "-o", "/dev/null"]},
    "repo_jobs1": {"label": "annexa check, $repo_files-file repository, built-in packs, --jobs 1", "ok_codes": [0, 1],
      "cmd": ["$annexa", "check", "$repo", "--format", "json", "--jobs", "1", "-o", "/dev/null"]}
    $( [ -n "$regorus" ] && echo ", \"regorus\": {\"label\": \"regorus 0.14.1, R1–R6, N = $n JSON\", \"ok_codes\": [0],
      \"cmd\": [\"$regorus\", \"eval\", \"-d\", \"benches/peers/bench.rego\", \"-i\", \"$facts\", \"data.bench.report\"]}" )
    $( [ -n "$checkov" ] && echo ", \"checkov\": {\"label\": \"checkov 3.3, $repo_files-file repository\", \"ok_codes\": [0, 1], \"runs\": ${CHECKOV_RUNS:-1},
      \"stdout\": \"$out/checkov.json\", \"cmd\": [\"$checkov\", \"-d\", \"$repo\", \"--quiet\", \"--compact\", \"-o\", \"json\"]}" )
  }
}
JSON
