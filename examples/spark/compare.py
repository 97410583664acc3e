#!/usr/bin/env python3
"""Compare the Spark job's findings with the CLI's on the same documents.

    python examples/spark/compare.py --docs target/spark/docs --out target/spark/out \\
        --annexa target/release/annexa

Runs `annexa check . --format json` inside `--docs` (so the CLI names documents as the job does,
by their path below that folder), with the same policies, and compares the multiset of findings
(kind, rule, document, document index, line, column, message) with the job's `findings` table
(Parquet). Also checks that the job's `documents` table has one row per file the CLI read.
Exit 0 when they agree, 1 on any difference (the first ones printed), 2 when either side could
not be read.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

Key = tuple[Any, ...]
EXTENSIONS = (".yaml", ".yml", ".json")


def cli_findings(report: dict[str, Any]) -> Counter[Key]:
    """The findings of a CLI JSON report, as rows comparable with the job's."""
    rows: Counter[Key] = Counter()
    for result in report["results"]:
        rule = result["rule"]
        for kind, items in (("violation", result.get("violations")),
                            ("gap", result.get("evidence_gaps"))):
            for item in items or []:
                rows[(kind, rule, _name(item["document"]), item.get("document_index", 0),
                      item.get("line"), item.get("column"), item.get("message"))] += 1
        if result["status"] == "error":
            # The CLI reports a rule's error once per run, not per document: compare rules only.
            rows[("error", rule, None, None, None, None, None)] += 1
    return rows


def spark_findings(table: list[dict[str, Any]]) -> Counter[Key]:
    """The job's findings rows, keyed as `cli_findings` keys the CLI's."""
    rows: Counter[Key] = Counter()
    errors: set[str] = set()
    for r in table:
        if r["kind"] == "error":
            errors.add(r["rule"])
            continue
        rows[(r["kind"], r["rule"], r["document"], r["document_index"], r["line"],
              r["column"], r["message"])] += 1
    for rule in errors:
        rows[("error", rule, None, None, None, None, None)] += 1
    return rows


def _name(document: str) -> str:
    # `annexa check .` names a file below the folder `./team-000/x.yaml` or `team-000/x.yaml`
    # depending on how the walk joins paths; the job names it `team-000/x.yaml`.
    return document[2:] if document.startswith("./") else document


def read_parquet(path: Path) -> list[dict[str, Any]]:
    """A Parquet folder written by Spark, as a list of rows."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def count_files(root: Path) -> int:
    """The fact files a folder walk finds (the extensions the CLI and the job both take)."""
    return sum(1 for p in root.rglob("*") if p.is_file() and p.name.endswith(EXTENSIONS))


def show(title: str, diff: Counter[Key], limit: int = 10) -> None:
    """Print the first differences, in a stable order."""
    items = sorted(diff.items(), key=lambda kv: tuple("" if x is None else str(x) for x in kv[0]))
    print(f"{title}: {sum(diff.values())} row(s)")
    for key, n in items[:limit]:
        print(f"  {n} x {key}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="the job's --out folder")
    parser.add_argument("--annexa", default="annexa", help="the CLI to compare with")
    parser.add_argument("-p", "--policy", action="append", default=[])
    parser.add_argument("--param", action="append", default=[])
    parser.add_argument("--now", default=None)
    args = parser.parse_args()

    command = [os.path.abspath(args.annexa) if os.sep in args.annexa else args.annexa,
               "check", ".", "--format", "json"]
    for policy in args.policy:
        command += ["-p", os.path.abspath(policy)]
    for param in args.param:
        command += ["--param", param]
    if args.now:
        command += ["--now", args.now]
    run = subprocess.run(command, cwd=args.docs, capture_output=True, text=True)
    if run.returncode not in (0, 1):
        print(f"error: the CLI exited {run.returncode}:\n{run.stderr}", file=sys.stderr)
        return 2
    try:
        cli = cli_findings(json.loads(run.stdout))
        findings = read_parquet(args.out / "findings")
        documents = read_parquet(args.out / "documents")
    except (OSError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    spark = spark_findings(findings)

    failed = False
    files = count_files(args.docs)
    if len(documents) != files:
        print(f"documents: the job judged {len(documents)}, the folder holds {files}")
        failed = True
    unread = [r for r in findings if r["kind"] == "facts_error"]
    if unread:
        show("documents the job could not read", Counter(
            (r["document"], r["message"]) for r in unread))
        failed = True
    only_cli, only_spark = cli - spark, spark - cli
    if only_cli:
        show("only in the CLI's report", only_cli)
        failed = True
    if only_spark:
        show("only in the Spark job's table", only_spark)
        failed = True
    kinds = Counter(key[0] for key in cli.elements())
    print(f"compared {sum(cli.values())} CLI findings ("
          + ", ".join(f"{kinds[k]} {k}" for k in sorted(kinds)) + f") over {files} documents: "
          + ("DIFFERENT" if failed else "identical"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
