#!/usr/bin/env bash
# The Python package's tests, from a fresh clone: a venv under target/, maturin and pytest from
# the package registry, `pip install ./python` (a release build of the native module), the CLI
# (debug, the binary the tests compare against), then mypy and pytest. Exits non-zero on any failure.
#
#   scripts/python-tests.sh            # everything
#   scripts/python-tests.sh -k pickle  # extra arguments go to pytest
#   WHEEL_PROFILE=dev scripts/python-tests.sh   # an unoptimised wheel: builds faster, runs slower
#
# Needs python3 (>= 3.9, with the venv module) and cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=target/pyenv
python=${PYTHON:-python3}

say() { printf '==> %s\n' "$*"; }

if [ ! -x "$venv/bin/python" ]; then
    say "creating the venv $venv"
    "$python" -m venv "$venv"
fi
say "installing maturin, pytest, mypy and compliance-trestle into $venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# compliance-trestle (the OSCAL SDK) loads the CLI's OSCAL output in test_oscal.py; pinned:
# 5.2.0 reads OSCAL 1.2.x, the version tests/schemas/oscal holds
"$venv/bin/python" -m pip install --quiet "maturin>=1.5,<2" pytest mypy "compliance-trestle==5.2.0"

# one target folder for the CLI and the native module, so their shared crates build once
export CARGO_TARGET_DIR="$root/target"
profile=${WHEEL_PROFILE:-release}
say "pip install ./python (builds the native module with maturin, profile $profile)"
MATURIN_PEP517_ARGS="--profile $profile" \
    "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps ./python

say "cargo build (the CLI the tests compare the package with)"
cargo build --quiet --bin annexa

say "mypy --strict on the package (its annotations and the native module's stubs)"
(cd python && "$root/$venv/bin/python" -m mypy --strict annexa)

say "pytest python/tests"
ANNEXA_CLI="$root/target/debug/annexa" "$venv/bin/python" -m pytest python/tests -q "$@"
say "python tests passed"
