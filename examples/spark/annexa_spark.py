"""The executor side of the Spark example: one Engine per Python worker, rows out.

Spark pickles the function `mapInPandas` runs; a function defined in the driver's `__main__`
is pickled by value together with the globals it uses, so a cache kept there would be a fresh
copy in every task. Kept in this module, shipped with `addPyFile` (or `--py-files`), the
function is pickled by reference and `_ENGINES` is a real per-process cache.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlparse

FINDINGS_SCHEMA = (
    "kind string, rule string, control string, controls string, severity string, "
    "status string, document string, document_index int, line int, column int, "
    "path string, message string"
)
DOCUMENTS_SCHEMA = (
    "document string, status string, rules int, failed int, incomplete int, errors int, "
    "violations int, gaps int, message string, engine string"
)
# One mapInPandas output carries both tables (a `table` column tells them apart), so each
# document is evaluated exactly once; the driver caches it and splits it.
COMBINED_SCHEMA = (
    "table string, " + FINDINGS_SCHEMA + ", rules int, failed int, incomplete int, "
    "errors int, violations int, gaps int, engine string"
)


def column_names(schema: str) -> list[str]:
    """The column names of a DDL schema string."""
    return [c.strip().split(" ")[0] for c in schema.split(",")]


COLUMNS = column_names(COMBINED_SCHEMA)

# The worst status decides a document's status, in the report's own order (CLI.md: error,
# then fail, then incomplete, then pass, then skip).
_RANK = {"error": 5, "fail": 4, "incomplete": 3, "pass": 2, "waived": 1, "skip": 0}

# Per Python worker process: the Engine built from the broadcast, keyed by the digest of its
# pickle so that a second job in the same worker does not reuse another job's policies; with the
# label of that build (host, process, sequence), which the `documents` table records so a run
# shows how many Engines it built.
_ENGINES: dict[str, tuple[Any, str]] = {}
_BUILDS = itertools.count(1)


def relative_name(uri: str, root: str) -> str:
    """The document's name as the CLI gives it when run inside `root`: its path below it.

    Spark reports `file:/abs/path` (or `s3a://bucket/key`), percent-encoded; the root may be
    given as a plain path or a URI.
    """
    path = unquote(urlparse(uri).path)
    base = unquote(urlparse(root).path or root).rstrip("/") + "/"
    return path[len(base):] if path.startswith(base) else path


def engine_key(blob: bytes) -> str:
    """The cache key of a pickled Engine."""
    return hashlib.sha256(blob).hexdigest()


def _engine(broadcast: Any, key: str) -> tuple[Any, str]:
    cached = _ENGINES.get(key)
    if cached is None:
        label = f"{socket.gethostname()}:{os.getpid()}:{next(_BUILDS)}"
        cached = (pickle.loads(broadcast.value), label)
        _ENGINES[key] = cached
    return cached


def _row(**values: Any) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS)
    row.update(values)
    return row


def document_rows(
    engine: Any, annexa: Any, name: str, content: bytes, label: str = ""
) -> list[dict[str, Any]]:
    """Every row one document gives: its findings, then its `documents` row."""
    try:
        text = content.decode("utf-8")
        fmt = "json" if name.endswith(".json") else "yaml"
        # The Report's objects, not to_dict(): the Report has parsed its JSON once already,
        # and a second parse of every rule's result costs as much as a third of the check.
        report = engine.check_text(text, format=fmt, name=name)
    except (UnicodeDecodeError, annexa.FactsError) as err:
        message = f"{name}: not UTF-8 text" if isinstance(err, UnicodeDecodeError) else str(err)
        line = getattr(err, "line", None)
        column = getattr(err, "column", None)
        return [
            _row(table="findings", kind="facts_error", status="error", document=name,
                 document_index=0, line=line, column=column, message=message),
            _row(table="documents", document=name, status="error", rules=0, failed=0,
                 incomplete=0, errors=1, violations=0, gaps=0, message=message, engine=label),
        ]
    rows: list[dict[str, Any]] = []
    worst = -1
    status = "skip"
    gaps = 0
    for result in report.results:
        rank = _RANK.get(result.status, 5)
        if rank > worst:
            worst, status = rank, result.status
        controls = result.controls
        common = {
            "rule": result.rule,
            "control": controls[0] if controls else None,
            "controls": ",".join(controls),
            "severity": result.severity,
            "status": result.status,
        }
        for v in result.violations:
            rows.append(_row(table="findings", kind="violation", **common, document=v.document,
                             document_index=v.document_index, line=v.line, column=v.column,
                             path=v.path, message=v.message))
        for g in result.evidence_gaps:
            rows.append(_row(table="findings", kind="gap", **common, document=g.document,
                             document_index=g.document_index, line=g.line, column=g.column,
                             path=g.path, message=g.message))
        gaps += len(result.evidence_gaps)
        if result.status == "error":
            rows.append(_row(table="findings", kind="error", **common, document=name,
                             document_index=0, message=result.error))
    summary = report.summary
    rows.append(_row(table="documents", document=name, status=status, rules=summary.rules,
                     failed=summary.failed, incomplete=summary.incomplete,
                     errors=summary.errors, violations=summary.violations, gaps=gaps,
                     message=None, engine=label))
    return rows


def evaluate_partitions(broadcast: Any, key: str, root: str) -> Any:
    """The function mapInPandas runs: (path, content) batches in, findings rows out.

    `broadcast` holds the pickled Engine, `key` its digest (`engine_key`), `root` the folder
    document names are made relative to.
    """

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        # Imported here: these run on the executor's Python, not the driver's.
        import annexa
        import pandas as pd

        engine, label = _engine(broadcast, key)
        for batch in batches:
            rows: list[dict[str, Any]] = []
            for uri, content in zip(batch["path"], batch["content"]):
                name = relative_name(uri, root)
                rows.extend(document_rows(engine, annexa, name, content, label))
            yield pd.DataFrame(rows, columns=COLUMNS)

    return run
