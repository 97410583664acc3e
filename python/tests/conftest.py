"""Shared fixtures: the repository root and the real CLI binary built by cargo."""

from __future__ import annotations

import os
import pathlib
import subprocess
from typing import List, Tuple

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOW = "2026-01-01"
NOW_SECONDS = 1767225600  # 2026-01-01T00:00:00Z, the same clock as --now 2026-01-01


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """Runs the test from the repository root, so relative paths name the same files as the CLI's."""
    monkeypatch.chdir(ROOT)
    return ROOT


def cli_path() -> pathlib.Path:
    """The CLI: $ANNEXA_CLI, else the debug build of this checkout (scripts/python-tests.sh builds it)."""
    given = os.environ.get("ANNEXA_CLI")
    path = pathlib.Path(given) if given else ROOT / "target" / "debug" / "annexa"
    if not path.is_file():
        pytest.fail(f"the annexa CLI is not built at {path}: run `cargo build` (or set ANNEXA_CLI)")
    return path


def run_cli(args: List[str]) -> Tuple[int, str, str]:
    """Runs `annexa ARGS` from the repository root with no annexa.toml; (exit code, stdout, stderr)."""
    done = subprocess.run(
        [str(cli_path()), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return done.returncode, done.stdout, done.stderr
