"""An Engine pickles as its policy texts and options, so workers need no policy file."""

from __future__ import annotations

import pathlib
import pickle
import shutil

import annexa

from conftest import NOW_SECONDS, ROOT
from policies import BUCKETS


def test_round_trip_after_the_policy_files_are_gone(tmp_path: pathlib.Path, monkeypatch) -> None:
    folder = tmp_path / "policies"
    shutil.copytree(ROOT / "examples" / "policies", folder)
    monkeypatch.chdir(tmp_path)
    engine = annexa.Engine(policies=["policies"], params={"allowed_regions": ["us-east-1"]}, now=NOW_SECONDS, fail_on="high")
    facts = str(ROOT / "examples" / "facts" / "pipeline.yaml")
    before = engine.check_files([facts])
    data = pickle.dumps(engine)
    shutil.rmtree(folder)
    copy = pickle.loads(data)
    after = copy.check_files([facts])
    assert after.to_json() == before.to_json()
    assert after.ok == before.ok
    assert copy.policy_sources == engine.policy_sources
    assert [n for n, _ in copy.policy_sources] == ["policies/ml_data_protection.policy"]


def test_the_options_survive_pickling() -> None:
    facts = {"buckets": [{"name": "a", "encrypted": False}, {"name": "b", "encrypted": True}]}
    engine = annexa.Engine(sources={"s.policy": BUCKETS}, params={"max_buckets": 1}, fail_on="critical")
    copy = pickle.loads(pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL))
    # max_buckets=1 makes few_buckets fail; fail_on=critical keeps ok true despite both failures
    assert copy.check(facts).to_json() == engine.check(facts).to_json()
    assert copy.check(facts).ok is True
    assert {r.rule: r.status for r in copy.check(facts).results}["t.storage.few_buckets"] == "fail"


def test_a_builtin_engine_stays_builtin(in_root: pathlib.Path) -> None:
    engine = annexa.Engine(now=NOW_SECONDS)
    copy = pickle.loads(pickle.dumps(engine))
    facts = ["examples/facts/pipeline.yaml"]
    assert copy.check_files(facts).to_json() == engine.check_files(facts).to_json()
    assert copy.policy_sources == ()
