"""Building engines from paths, sources and the built-in packs, and checking every kind of input."""

from __future__ import annotations

import json
import pathlib

import pytest

import annexa

from conftest import NOW_SECONDS
from policies import BUCKETS

BUCKET_FACTS = {
    "buckets": [
        {"name": "raw", "encrypted": True},
        {"name": "features", "encrypted": False},
    ]
}

BUCKET_YAML = """\
buckets:
  - name: raw
    encrypted: true
  - name: features
    encrypted: false
"""


def by_rule(report: annexa.Report) -> dict:
    return {r.rule: r for r in report.results}


def test_policies_from_a_folder_check_files(in_root: pathlib.Path) -> None:
    engine = annexa.Engine(policies=["examples/policies"], now=NOW_SECONDS)
    report = engine.check_files(["examples/facts/pipeline.yaml"])
    assert report.ok is False
    s = report.summary
    assert (s.rules, s.passed, s.failed, s.skipped, s.violations) == (5, 0, 4, 1, 6)
    mfa = by_rule(report)["ml.data_protection.admins_use_mfa"]
    assert mfa.status == "fail"
    assert mfa.severity == "critical"
    assert mfa.controls == ("A.5.15", "A.8.5")
    (v,) = mfa.violations
    assert v.message == "admin dave@example.com on customer-features has no MFA"
    assert (v.document, v.path, v.line, v.column) == (
        "examples/facts/pipeline.yaml",
        "/datasets/3/access/0/mfa",
        76,
        52,
    )
    assert v.reason == "failed"
    assert v.subject_key == "dave@example.com"
    assert len(v.fingerprint) == 64
    skipped = by_rule(report)["ml.data_protection.third_party_transfers_protected"]
    assert skipped.status == "skip"
    assert skipped.skip_reason


def test_a_policy_file_and_a_pathlib_path(in_root: pathlib.Path) -> None:
    engine = annexa.Engine(policies=[pathlib.Path("examples/policies/ml_data_protection.policy")])
    names = [name for name, _ in engine.policy_sources]
    assert names == ["examples/policies/ml_data_protection.policy"]
    assert engine.check_files("examples/compliant/pipeline.yaml").ok is True


def test_the_compliant_twin_passes(in_root: pathlib.Path) -> None:
    engine = annexa.Engine(policies=["examples/policies"], now=NOW_SECONDS)
    report = engine.check_files(["examples/compliant/pipeline.yaml"])
    assert report.ok is True
    assert report.summary.failed == 0
    assert report.failed() == []


def test_sources_and_a_dict() -> None:
    engine = annexa.Engine(sources={"storage.policy": BUCKETS})
    report = engine.check(BUCKET_FACTS, name="buckets.json")
    assert report.ok is False
    results = by_rule(report)
    assert results["t.storage.buckets_encrypted"].status == "fail"
    assert results["t.storage.few_buckets"].status == "pass"
    (v,) = results["t.storage.buckets_encrypted"].violations
    assert v.message == "bucket features is not encrypted"
    assert v.document == "buckets.json"
    assert v.path == "/buckets/1/encrypted"
    # Python data has no source lines
    assert (v.line, v.column) == (1, 1)


def test_params_override_a_policy_param() -> None:
    engine = annexa.Engine(sources={"storage.policy": BUCKETS}, params={"max_buckets": 1})
    results = by_rule(engine.check(BUCKET_FACTS))
    assert results["t.storage.few_buckets"].status == "fail"
    assert results["t.storage.few_buckets"].violations[0].message == "too many buckets"


def test_yaml_text_gives_lines_and_columns() -> None:
    engine = annexa.Engine(sources={"storage.policy": BUCKETS})
    report = engine.check_text(BUCKET_YAML, name="buckets.yaml")
    (v,) = by_rule(report)["t.storage.buckets_encrypted"].violations
    # a finding points at the key of the fact concerned, as the CLI does
    assert (v.document, v.line, v.column) == ("buckets.yaml", 5, 5)


def test_json_text_and_the_dict_give_the_same_verdicts() -> None:
    engine = annexa.Engine(sources={"storage.policy": BUCKETS})
    from_text = engine.check_text(json.dumps(BUCKET_FACTS), format="json", name="b")
    from_dict = engine.check(BUCKET_FACTS, name="b")
    assert [(r.rule, r.status, len(r.violations)) for r in from_text.results] == [
        (r.rule, r.status, len(r.violations)) for r in from_dict.results
    ]
    assert from_text.results[0].violations[0].path == "/buckets/1/encrypted"


def test_multi_document_yaml_is_judged_per_document() -> None:
    engine = annexa.Engine(sources={"storage.policy": BUCKETS})
    text = "buckets: [{name: a, encrypted: false}]\n---\nbuckets: [{name: b, encrypted: false}]\n"
    (rule,) = [r for r in engine.check_text(text).results if r.rule == "t.storage.buckets_encrypted"]
    assert [(v.message, v.document_index, v.line) for v in rule.violations] == [
        ("bucket a is not encrypted", 0, 1),
        ("bucket b is not encrypted", 1, 3),
    ]


def test_a_list_at_the_root_is_one_document() -> None:
    engine = annexa.Engine(sources={"storage.policy": BUCKETS})
    from_list = engine.check([{"name": "x"}], name="l")
    from_text = engine.check_text('[{"name": "x"}]', format="json", name="l")
    assert [(r.rule, r.status) for r in from_list.results] == [
        (r.rule, r.status) for r in from_text.results
    ]
    # a document with no `buckets` leaves the rules without their facts: never a pass
    assert from_list.ok is False
    assert all(r.status != "pass" for r in from_list.results)


def test_a_folder_of_facts_is_walked(in_root: pathlib.Path) -> None:
    engine = annexa.Engine(now=NOW_SECONDS)
    report = engine.check_files(["examples/repo"])
    documents = {v.document for r in report.results for v in r.violations}
    assert documents, "the planted weaknesses of examples/repo give violations"
    assert all(d.startswith("examples/repo/") for d in documents)
    assert report.ok is False


def test_builtin_packs_run_alone_by_default_and_with_policies_on_request(in_root: pathlib.Path) -> None:
    packs = annexa.Engine(now=NOW_SECONDS).check_files(["examples/facts/pipeline.yaml"])
    mine = annexa.Engine(policies=["examples/policies"], now=NOW_SECONDS).check_files(
        ["examples/facts/pipeline.yaml"]
    )
    both = annexa.Engine(policies=["examples/policies"], builtin=True, now=NOW_SECONDS).check_files(
        ["examples/facts/pipeline.yaml"]
    )
    pack_rules = {r.rule for r in packs.results}
    my_rules = {r.rule for r in mine.results}
    assert my_rules and pack_rules and not (my_rules & pack_rules)
    assert {r.rule for r in both.results} == pack_rules | my_rules
    none = annexa.Engine(policies=["examples/policies"], builtin=False)
    assert {r.rule for r in none.check_files(["examples/facts/pipeline.yaml"]).results} == my_rules


def test_controls_roll_up(in_root: pathlib.Path) -> None:
    engine = annexa.Engine(policies=["examples/policies"], now=NOW_SECONDS)
    controls = {c.id: c for c in engine.check_files(["examples/facts/pipeline.yaml"]).controls}
    assert controls["A.5.14"].status == "fail"
    assert controls["A.5.14"].title == "Information transfer"
    assert controls["A.5.14"].rules == (
        "ml.data_protection.pii_stays_in_region",
        "ml.data_protection.third_party_transfers_protected",
    )


def test_to_dict_is_the_json_and_a_fresh_copy() -> None:
    report = annexa.Engine(sources={"s.policy": BUCKETS}).check(BUCKET_FACTS)
    d = report.to_dict()
    assert d == json.loads(report.to_json())
    assert d["summary"]["failed"] == report.summary.failed == 1
    d["summary"]["failed"] = 99
    assert report.to_dict()["summary"]["failed"] == 1


def test_fail_on_and_gaps_decide_ok() -> None:
    # buckets_encrypted fails at high: a critical threshold lets the run pass
    assert annexa.Engine(sources={"s.policy": BUCKETS}, fail_on="critical").check(BUCKET_FACTS).ok is True
    assert annexa.Engine(sources={"s.policy": BUCKETS}, fail_on="high").check(BUCKET_FACTS).ok is False


def test_a_report_refuses_truthiness() -> None:
    report = annexa.Engine(sources={"s.policy": BUCKETS}).check(BUCKET_FACTS)
    with pytest.raises(TypeError, match="report.ok"):
        bool(report)
    assert "ok=False" in repr(report)


def test_gaps_decide_whether_an_incomplete_rule_fails_the_run() -> None:
    from policies import GAPPY

    facts = {"buckets": [{"name": "a", "encrypted": False}]}
    strict = annexa.Engine(sources={"g.policy": GAPPY}).check(facts)
    (result,) = strict.results
    assert result.status == "incomplete"
    assert result.evidence_gaps and result.evidence_gaps[0].path == "/buckets/0/public"
    assert strict.summary.incomplete == 1
    assert strict.ok is False
    assert annexa.Engine(sources={"g.policy": GAPPY}, gaps="warn").check(facts).ok is True


def test_now_takes_a_date(in_root: pathlib.Path) -> None:
    import datetime

    by_date = annexa.Engine(policies=["examples/policies"], now=datetime.date(2026, 1, 1))
    by_seconds = annexa.Engine(policies=["examples/policies"], now=NOW_SECONDS)
    facts = ["examples/facts/pipeline.yaml"]
    assert by_date.check_files(facts).to_json() == by_seconds.check_files(facts).to_json()
    with pytest.raises(ValueError, match="aware"):
        annexa.Engine(now=datetime.datetime(2026, 1, 1))


def test_a_report_pickles() -> None:
    import pickle

    report = annexa.Engine(sources={"s.policy": BUCKETS}).check(BUCKET_FACTS)
    copy = pickle.loads(pickle.dumps(report))
    assert copy.to_json() == report.to_json()
    assert copy.ok is report.ok is False
    assert copy.results == report.results
    assert (copy.notes, copy.warnings) == (report.notes, report.warnings)


def test_rules_lists_the_rule_ids_in_report_order() -> None:
    engine = annexa.Engine(sources={"s.policy": BUCKETS})
    assert engine.rules == ("t.storage.buckets_encrypted", "t.storage.few_buckets")
    assert [r.rule for r in engine.check(BUCKET_FACTS).results] == list(engine.rules)
