"""Tests of the Spark example's worker module, and of the job over unreadable documents.

    python -m unittest discover -s examples/spark -p 'test_*.py'

Needs the annexa package; the last test also needs pyspark (and Java), and runs the real job in
local[1].
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import annexa

import annexa_spark
from annexa_spark import document_rows, relative_name

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PIPELINE = REPO / "examples" / "facts" / "pipeline.yaml"
POLICIES = REPO / "examples" / "policies"
BROKEN = b"datasets:\n  - name: a\n    name: b\n"  # a duplicate key: the CLI exits 2 on it


def spec_engine() -> annexa.Engine:
    """The language spec's example policy alone, whose findings examples/README.md lists."""
    return annexa.Engine(policies=[str(POLICIES)], builtin=False)


class RelativeName(unittest.TestCase):
    def test_local_uri_below_root(self) -> None:
        self.assertEqual(relative_name("file:/data/docs/team-001/a.yaml", "/data/docs"),
                         "team-001/a.yaml")

    def test_root_given_as_uri_with_trailing_slash(self) -> None:
        self.assertEqual(relative_name("file:///data/docs/a.yaml", "file:///data/docs/"), "a.yaml")

    def test_percent_encoding_is_undone(self) -> None:
        self.assertEqual(relative_name("file:/data/docs/my%20team/a.yaml", "/data/docs"),
                         "my team/a.yaml")

    def test_object_store(self) -> None:
        self.assertEqual(relative_name("s3a://bucket/scans/t/a.yaml", "s3a://bucket/scans"),
                         "t/a.yaml")

    def test_outside_root_keeps_whole_path(self) -> None:
        self.assertEqual(relative_name("file:/elsewhere/a.yaml", "/data/docs"),
                         "/elsewhere/a.yaml")

    def test_sibling_with_root_as_prefix_is_not_below_it(self) -> None:
        self.assertEqual(relative_name("file:/data/docs2/a.yaml", "/data/docs"),
                         "/data/docs2/a.yaml")


class DocumentRows(unittest.TestCase):
    def test_failing_pipeline_gives_one_row_per_violation(self) -> None:
        rows = document_rows(spec_engine(), annexa, "p.yaml", PIPELINE.read_bytes(), "w")
        findings = [r for r in rows if r["table"] == "findings"]
        documents = [r for r in rows if r["table"] == "documents"]
        # examples/README.md: 4 rules failed, 6 violations, 1 rule skipped.
        self.assertEqual(len(findings), 6)
        self.assertEqual({r["kind"] for r in findings}, {"violation"})
        self.assertEqual(len(documents), 1)
        doc = documents[0]
        self.assertEqual((doc["status"], doc["rules"], doc["failed"], doc["violations"]),
                         ("fail", 5, 4, 6))
        self.assertEqual(doc["engine"], "w")
        cipher = [r for r in findings if r["message"] == "dataset chargeback-labels uses cipher 3DES"]
        self.assertEqual(len(cipher), 1)
        row = cipher[0]
        self.assertEqual(row["rule"], "ml.data_protection.training_data_encrypted")
        self.assertEqual(row["control"], "A.8.24")
        self.assertTrue(row["controls"].startswith("A.8.24,"))
        self.assertEqual((row["severity"], row["status"], row["document"]), ("high", "fail", "p.yaml"))
        self.assertIsInstance(row["line"], int)
        self.assertTrue(row["path"].startswith("/datasets/"))

    def test_rows_match_the_report_of_the_same_text(self) -> None:
        engine = spec_engine()
        text = PIPELINE.read_text(encoding="utf-8")
        report = engine.check_text(text, format="yaml", name="p.yaml").to_dict()
        expected = sorted(
            (r["rule"], v["line"], v["column"], v["message"])
            for r in report["results"] for v in r["violations"]
        )
        rows = document_rows(engine, annexa, "p.yaml", text.encode(), "w")
        got = sorted((r["rule"], r["line"], r["column"], r["message"])
                     for r in rows if r["table"] == "findings")
        self.assertEqual(got, expected)

    def test_unparsable_document_is_a_row_not_an_exception(self) -> None:
        rows = document_rows(spec_engine(), annexa, "bad.yaml", BROKEN, "w")
        self.assertEqual([(r["table"], r["kind"], r["status"]) for r in rows],
                         [("findings", "facts_error", "error"), ("documents", None, "error")])
        self.assertIn("name", rows[0]["message"])
        self.assertEqual(rows[1]["errors"], 1)

    def test_non_utf8_document_is_a_row(self) -> None:
        rows = document_rows(spec_engine(), annexa, "latin1.yaml", b"name: caf\xe9\n", "w")
        self.assertEqual(rows[0]["kind"], "facts_error")
        self.assertEqual(rows[0]["message"], "latin1.yaml: not UTF-8 text")

    def test_compliant_pipeline_has_no_findings_but_a_documents_row(self) -> None:
        text = (REPO / "examples" / "compliant" / "pipeline.yaml").read_bytes()
        rows = document_rows(spec_engine(), annexa, "ok.yaml", text, "w")
        self.assertEqual(len(rows), 1)
        self.assertEqual((rows[0]["table"], rows[0]["status"], rows[0]["failed"]),
                         ("documents", "pass", 0))


def scan(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the job in local[1] with the given arguments."""
    return subprocess.run([sys.executable, str(HERE / "scan.py"), "--master", "local[1]", *args],
                          capture_output=True, text=True, timeout=300)


class BadInput(unittest.TestCase):
    """Bad input exits 2 with a diagnostic, as `annexa check` does, not with a trace."""

    def test_policy_that_does_not_compile_stops_before_spark(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            policy = Path(tmp) / "bad.policy"
            policy.write_text("namespace x\nrule r {\n  require facts.a ==\n}\n")
            run = scan("--docs", tmp, "--out", str(Path(tmp) / "out"), "-p", str(policy))
        self.assertEqual(run.returncode, 2, run.stderr)
        self.assertTrue(run.stderr.startswith("error: "), run.stderr)
        self.assertIn("bad.policy", run.stderr)
        self.assertNotIn("Traceback", run.stderr)

    def test_missing_folder(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            run = scan("--docs", str(Path(tmp) / "nowhere"), "--out", str(Path(tmp) / "out"))
        self.assertEqual(run.returncode, 2, run.stderr)
        self.assertIn("error: cannot read", run.stderr)
        self.assertIn("nowhere", run.stderr)
        self.assertNotIn("Traceback", run.stderr)


class Job(unittest.TestCase):
    """The real job, in local[1]: unreadable documents are rows, and one Engine is built."""

    def test_unreadable_documents_are_reported_and_engine_is_built_once(self) -> None:
        import pyarrow.parquet as pq

        with tempfile.TemporaryDirectory() as tmp:
            docs = Path(tmp) / "docs"
            (docs / "team-a").mkdir(parents=True)
            (docs / "team-a" / "good.yaml").write_bytes(PIPELINE.read_bytes())
            (docs / "team-a" / "dup.yaml").write_bytes(BROKEN)
            (docs / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
            (docs / "notes.txt").write_text("not a fact file\n")
            out = Path(tmp) / "out"
            run = scan("--docs", str(docs), "--out", str(out), "--partitions", "3",
                       "-p", str(POLICIES))
            self.assertEqual(run.returncode, 0, run.stderr)
            documents = {r["document"]: r for r in pq.read_table(out / "documents").to_pylist()}
            findings = pq.read_table(out / "findings").to_pylist()

        self.assertEqual(sorted(documents), ["latin1.yaml", "team-a/dup.yaml", "team-a/good.yaml"])
        self.assertEqual(documents["team-a/good.yaml"]["status"], "fail")
        self.assertEqual(documents["team-a/dup.yaml"]["status"], "error")
        unread = sorted(r["document"] for r in findings if r["kind"] == "facts_error")
        self.assertEqual(unread, ["latin1.yaml", "team-a/dup.yaml"])
        self.assertEqual(sum(r["kind"] == "violation" for r in findings), 6)
        # Three partitions, one Python worker (local[1] reuses it): one Engine for all three.
        self.assertEqual(len({r["engine"] for r in documents.values()}), 1)
        self.assertIn("documents: 3 (2 error, 1 fail)", run.stdout)


if __name__ == "__main__":
    unittest.main()
