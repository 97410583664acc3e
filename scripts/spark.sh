#!/usr/bin/env bash
# The Spark example end to end, from a clean checkout: a virtual environment with pyspark,
# pandas, pyarrow and the annexa Python package (built from ./python by maturin), the CLI, 10,000
# generated fact documents, the scan in Spark's local mode, and the comparison of its findings
# with the CLI's on the same files. Non-zero on any failure; prints the time of each step.
#
#   scripts/spark.sh                 # 10,000 documents, local[2]
#   SPARK_DOCS=2000 scripts/spark.sh # fewer documents, for a quick look
#   SPARK_VENV=target/other scripts/spark.sh  # another virtual environment
#
# Needs python3 (3.9+), Java 17 (Spark 4), cargo, and the network for PyPI on the first run;
# everything it writes is under target/ (the venv in target/sparkenv is reused when present).
set -euo pipefail
cd "$(dirname "$0")/.."

docs_count="${SPARK_DOCS:-10000}"
master="${SPARK_MASTER:-local[2]}"
# One fixed date, so rules about ages (key rotation, reviews) judge the same on every day and
# the CLI and the job cannot straddle midnight.
now="${SPARK_NOW:-2026-11-25}"
venv="${SPARK_VENV:-target/sparkenv}"
work="target/spark"

step_start=0
step() {
    step_start=$(date +%s)
    echo "== $*"
}
done_step() {
    echo "   ($(($(date +%s) - step_start)) s)"
}

step "python environment ($venv)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# pandas below 3: PySpark 4 warns that it does not yet fully support pandas 3.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    'pyspark>=4,<5' 'pandas>=2.2,<3' 'pyarrow>=15'
# The repository's target folder, as scripts/python-tests.sh uses it: after that script (or a
# first run of this one) the native module is already built and nothing is compiled again.
# WHEEL_PROFILE=dev builds faster and scans slower.
CARGO_TARGET_DIR="$PWD/target" MATURIN_PEP517_ARGS="--profile ${WHEEL_PROFILE:-release}" \
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --force-reinstall --no-deps ./python
done_step

# The CLI the findings are compared with: the optimised build (the wheel above already built
# its dependencies in release), since a debug CLI takes minutes over 10,000 documents.
step "CLI (cargo build --release)"
cargo build --quiet --release --bin annexa
annexa="target/release/annexa"
done_step

step "unit tests of the worker module (and a job over unreadable documents)"
"$venv/bin/python" -m unittest discover -s examples/spark -p 'test_*.py'
done_step

step "generate $docs_count documents"
python3 examples/spark/generate.py --out "$work/docs" --count "$docs_count"
done_step

step "scan in $master"
"$venv/bin/python" examples/spark/scan.py --docs "$work/docs" --out "$work/out" \
    --master "$master" --now "$now"
done_step

step "compare with the CLI"
"$venv/bin/python" examples/spark/compare.py --docs "$work/docs" --out "$work/out" \
    --annexa "$annexa" --now "$now"
done_step
