#!/usr/bin/env python3
"""Scan a folder of fact documents with annexa on Spark; write the findings as a table.

    python examples/spark/scan.py --docs target/spark/docs --out target/spark/out --master 'local[2]'

The documents become a DataFrame of (path, content) through Spark's `binaryFile` source; each
partition is evaluated by `mapInPandas` with one `annexa.Engine` per Python worker process, built
once from a broadcast pickled Engine (the policies travel inside it, so executors need the
package but no policy files). The job writes two tables under `--out`:

- `findings`: one row per violation, evidence gap, rule error and unreadable document, columns
  `kind, rule, control, controls, severity, status, document, document_index, line, column,
  path, message` (the columns are documented in examples/spark/README.md);
- `documents`: one row per document read, with its overall status and counts, so a document that
  gave no finding is still seen to have been judged.

A document annexa cannot read is a `facts_error` row in both tables, never dropped.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import annexa_spark
from annexa_spark import COMBINED_SCHEMA, DOCUMENTS_SCHEMA, FINDINGS_SCHEMA, column_names


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """`NAME=JSON` pairs, as `annexa check --param` takes them."""
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"error: --param {pair!r}: expected NAME=JSON")
        try:
            params[name] = json.loads(value)
        except json.JSONDecodeError as err:
            raise SystemExit(f"error: --param {name}: not JSON: {err}") from None
    return params


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", required=True, help="folder (or URI) of fact documents")
    parser.add_argument("--out", required=True, help="folder (or URI) for the two tables")
    parser.add_argument("--master", default=None, help="e.g. local[2]; default: spark-submit's")
    parser.add_argument("--partitions", type=int, default=0,
                        help="partitions to evaluate (default: 4 per core)")
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("-p", "--policy", action="append", default=[],
                        help="policy file or folder (repeatable); none: the built-in packs")
    parser.add_argument("--param", action="append", default=[], help="NAME=JSON (repeatable)")
    parser.add_argument("--now", type=datetime.date.fromisoformat, default=None,
                        help="YYYY-MM-DD: the date rules about ages compare with (default today)")
    args = parser.parse_args()

    import annexa
    from pyspark.errors import AnalysisException
    from pyspark.sql import SparkSession, functions as F

    # Compiled on the driver first: a policy that does not compile fails here, before any task.
    try:
        # builtin=None: the built-in packs run when no policy is given, as with the CLI.
        engine = annexa.Engine(policies=args.policy, params=parse_params(args.param),
                               builtin=None, now=args.now)
    except (annexa.PolicyError, getattr(annexa, "UsageError", annexa.PolicyError)) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    # No console progress bar: the job's own counts are its output.
    builder = SparkSession.builder.appName("annexa-scan").config(
        "spark.ui.showConsoleProgress", "false")
    if args.master and args.master.startswith("local"):
        # Local workers are forked by this process: give them this interpreter (the venv with
        # annexa and pyarrow) rather than whatever `python3` is first on the PATH. On a cluster
        # the executors' Python is the cluster's setting (docs/scale.md).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    # Executors import the worker module by name; shipping it makes that true on a cluster too.
    spark.sparkContext.addPyFile(str(Path(annexa_spark.__file__).resolve()))
    started = time.monotonic()

    root = args.docs if "://" in args.docs else os.path.abspath(args.docs)
    try:
        files = (
            spark.read.format("binaryFile")
            .option("recursiveFileLookup", "true")
            .option("pathGlobFilter", "*.{yaml,yml,json}")
            .load(root)
            .select("path", "content")
        )
    except AnalysisException as err:
        # A folder that does not exist: say so, as `annexa check` does, not with a JVM trace.
        print(f"error: cannot read {args.docs}: {err.getMessage()}", file=sys.stderr)
        spark.stop()
        return 2
    partitions = args.partitions or 4 * spark.sparkContext.defaultParallelism
    # binaryFile counts every file as at least 4 MB when it splits, so many small documents
    # arrive as hundreds of tiny partitions; coalescing (no shuffle) gives each task a
    # worthwhile batch and each worker one Engine for many documents.
    files = files.coalesce(partitions)
    pickled = pickle.dumps(engine)
    blob = spark.sparkContext.broadcast(pickled)
    run = annexa_spark.evaluate_partitions(blob, annexa_spark.engine_key(pickled), root)
    combined = files.mapInPandas(run, COMBINED_SCHEMA).cache()

    findings = (
        combined.where(F.col("table") == "findings")
        .select(*column_names(FINDINGS_SCHEMA))
        .orderBy("document", "document_index", "rule", "line", "column", "kind", "message")
    )
    documents = (
        combined.where(F.col("table") == "documents")
        .select(*column_names(DOCUMENTS_SCHEMA))
        .orderBy("document")
    )
    writer = {"parquet": lambda df, p: df.write.mode("overwrite").parquet(p),
              "csv": lambda df, p: df.write.mode("overwrite").option("header", True).csv(p)}
    writer[args.format](findings, f"{args.out.rstrip('/')}/findings")
    writer[args.format](documents, f"{args.out.rstrip('/')}/documents")
    elapsed = time.monotonic() - started

    by_status = dict(documents.groupBy("status").count().collect())
    by_kind = dict(findings.groupBy("kind").count().collect())
    top = (findings.where(F.col("kind") == "violation").groupBy("rule").count()
           .orderBy(F.desc("count"), "rule").limit(10).collect())
    total = sum(by_status.values())
    if total == 0:
        # As `annexa check`: a run that finds no fact document at all judged nothing.
        print(f"error: no fact document (*.yaml, *.yml, *.json) under {args.docs}",
              file=sys.stderr)
        spark.stop()
        return 2
    engines = documents.select("engine").distinct().count()
    print(f"documents: {total} ("
          + ", ".join(f"{by_status[s]} {s}" for s in sorted(by_status)) + ")")
    print("findings: " + (", ".join(f"{by_kind[k]} {k}" for k in sorted(by_kind)) or "none"))
    for row in top:
        print(f"  {row['count']:7d}  {row['rule']}")
    print(f"engines built: {engines} (one per Python worker process; {partitions} partitions)")
    print(f"scan seconds: {elapsed:.2f} (read, evaluate, write)")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
