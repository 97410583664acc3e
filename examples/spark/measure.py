#!/usr/bin/env python3
"""Time the Spark scan and the CLI on the same generated documents; print and write a table.

    python examples/spark/measure.py --annexa target/release/annexa --sizes 10000 50000 \\
        --masters 'local[1]' 'local[2]' --table target/spark/measure.md

For each size it generates the documents (examples/spark/generate.py), runs
`annexa check . --format json` once and scan.py once per master (its own `scan seconds`: read,
evaluate and write, without the JVM's start; the whole process's wall time is shown beside it).
The table is rewritten after each run, so a run cut short keeps the rows it finished. The table is
Markdown, with the machine and the command, for docs/scale.md. Figures are single runs on
whatever else the machine is doing: read them as orders of magnitude. The table gives the
one-minute load average before each run, so a figure taken on a busy machine says so.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_timed(command: list[str], cwd: Path | None = None) -> tuple[float, str]:
    """Wall seconds and standard output; raise on a failure (the CLI's 1 is findings, fine)."""
    started = time.monotonic()
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if run.returncode not in (0, 1):
        raise SystemExit(f"{shlex.join(command)} exited {run.returncode}:\n{run.stderr}")
    return elapsed, run.stdout


def cores(master: str) -> int:
    """The cores a local master uses (`local[N]`)."""
    match = re.fullmatch(r"local\[(\d+)\]", master)
    if not match:
        raise SystemExit(f"--masters: {master!r} is not local[N]")
    return int(match.group(1))


def machine() -> str:
    """One line about the machine the figures come from."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model or platform.processor() or 'unknown CPU'}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annexa", required=True, help="the CLI (a release build)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    parser.add_argument("--work", type=Path, default=Path("target/spark/measure"))
    parser.add_argument("--table", type=Path, default=Path("target/spark/measure.md"))
    parser.add_argument("--now", default="2026-11-25")
    args = parser.parse_args()

    rows: list[tuple[int, str, int, float, float, int, float]] = []
    header = [
        f"Machine: {machine()}.",
        "",
        "Command: `" + shlex.join([os.path.relpath(sys.executable), "examples/spark/measure.py",
                                    *sys.argv[1:]]) + "`",
        "",
        "| documents | MB | run | cores | seconds | process seconds | documents/s | core-hours per million documents (extrapolated) | load before |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]

    def write_table() -> None:
        # Rewritten after every run, so a run cut short still leaves the rows it finished.
        lines = list(header)
        for size, run, n, secs, wall, nbytes, load in rows:
            per_million = secs * n * (1_000_000 / size) / 3600
            lines.append(f"| {size} | {nbytes / 1e6:.0f} | {run} | {n} | {secs:.1f} | "
                         f"{wall:.1f} | {size / secs:.0f} | {per_million:.2f} | {load:.1f} |")
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text("\n".join(lines) + "\n")

    annexa = os.path.abspath(args.annexa)
    for size in args.sizes:
        docs = args.work / f"docs-{size}"
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--out", str(docs),
                        "--count", str(size)], check=True, capture_output=True)
        nbytes = sum(p.stat().st_size for p in docs.rglob("*.yaml"))
        # The CLI first: it is the quickest, and the baseline every other row is read against.
        load = os.getloadavg()[0]
        wall, _ = run_timed([annexa, "check", ".", "--format", "json", "--now", args.now],
                            cwd=docs)
        rows.append((size, "CLI (one process)", 1, wall, wall, nbytes, load))
        print(f"{size} documents, CLI: {wall:.1f} s", flush=True)
        write_table()
        for master in args.masters:
            load = os.getloadavg()[0]
            wall, out = run_timed([sys.executable, str(HERE / "scan.py"), "--docs", str(docs),
                                   "--out", str(args.work / f"out-{size}"), "--master", master,
                                   "--now", args.now])
            found = re.search(r"scan seconds: ([0-9.]+)", out)
            if not found:
                raise SystemExit(f"scan.py printed no time:\n{out}")
            rows.append((size, f"Spark {master}", cores(master), float(found.group(1)), wall,
                         nbytes, load))
            print(f"{size} documents, Spark {master}: {found.group(1)} s (process {wall:.1f} s)",
                  flush=True)
            write_table()
    print()
    print(args.table.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
