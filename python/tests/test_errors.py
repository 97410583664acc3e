"""Bad policies, bad facts and bad arguments raise clear Python errors, never crash."""

from __future__ import annotations

import pathlib

import pytest

import annexa

from policies import BROKEN, BUCKETS


def test_a_policy_that_does_not_compile_is_a_policy_error() -> None:
    with pytest.raises(annexa.PolicyError) as caught:
        annexa.Engine(sources={"team/broken.policy": BROKEN})
    text = str(caught.value)
    assert "team/broken.policy" in text
    assert "nosuch_function" in text
    assert "annexa::" in text  # the diagnostic code
    assert caught.value.diagnostic == text
    assert isinstance(caught.value, annexa.AnnexaError)


def test_a_syntax_error_names_the_file_and_line(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.policy"
    bad.write_text("rule r {\n  controls A.8.24\n  require (\n}\n", encoding="utf-8")
    with pytest.raises(annexa.PolicyError) as caught:
        annexa.Engine(policies=[bad])
    text = caught.value.diagnostic
    assert "annexa::parse" in text
    assert "bad.policy:3" in text or "bad.policy:4" in text


def test_a_missing_policy_file_is_a_policy_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(annexa.PolicyError, match="nothere.policy"):
        annexa.Engine(policies=[tmp_path / "nothere.policy"])


def test_an_unknown_param_is_a_policy_error() -> None:
    # a param that does not fit the policies is the policy author's mistake, as in the facade
    with pytest.raises(annexa.PolicyError, match="max_bukets"):
        annexa.Engine(sources={"s.policy": BUCKETS}, params={"max_bukets": 3})


def test_bad_yaml_is_a_facts_error_with_the_line() -> None:
    engine = annexa.Engine(sources={"s.policy": BUCKETS})
    with pytest.raises(annexa.FactsError) as caught:
        engine.check_text("buckets:\n  - name: a\n    encrypted: [true\n", name="broken.yaml")
    text = caught.value.diagnostic
    assert "broken.yaml" in text
    assert "annexa::facts::syntax" in text
    assert ":4:" in text or "line 4" in text or ":3:" in text or "line 3" in text


def test_bad_json_is_a_facts_error() -> None:
    engine = annexa.Engine(sources={"s.policy": BUCKETS})
    with pytest.raises(annexa.FactsError, match="b.json"):
        engine.check_text('{"buckets": [}', format="json", name="b.json")


def test_a_missing_fact_file_is_a_facts_error(tmp_path: pathlib.Path) -> None:
    engine = annexa.Engine(sources={"s.policy": BUCKETS})
    with pytest.raises(annexa.FactsError, match="absent.yaml"):
        engine.check_files([tmp_path / "absent.yaml"])


@pytest.mark.parametrize(
    "call",
    [
        lambda: annexa.Engine(policies=[3]),
        lambda: annexa.Engine(policies=b"x.policy"),
        lambda: annexa.Engine(sources=["a.policy"]),
        lambda: annexa.Engine(sources={"a.policy": 3}),
        lambda: annexa.Engine(params=[("a", 1)]),
        lambda: annexa.Engine(params={"a": object()}),
        lambda: annexa.Engine(builtin="yes"),
        lambda: annexa.Engine(now="2026-01-01"),
        lambda: annexa.Engine(fail_on=3),
    ],
    ids=["policy-int", "policies-bytes", "sources-list", "source-int", "params-list", "param-object", "builtin-str", "now-str", "fail_on-int"],
)
def test_wrong_argument_types_are_type_errors(call) -> None:
    with pytest.raises(TypeError):
        call()


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.check("buckets: []"),
        lambda e: e.check(42),
        lambda e: e.check({"x": {1, 2}}),
        lambda e: e.check({}, name=1),
        lambda e: e.check_text(b"buckets: []"),
        lambda e: e.check_files(7),
        lambda e: e.check_files([None]),
    ],
    ids=["check-str", "check-int", "check-set", "check-name", "text-bytes", "files-int", "files-none"],
)
def test_wrong_check_arguments_are_type_errors(call) -> None:
    engine = annexa.Engine(sources={"s.policy": BUCKETS})
    with pytest.raises(TypeError):
        call(engine)


@pytest.mark.parametrize(
    "call",
    [
        lambda: annexa.Engine(fail_on="severe"),
        lambda: annexa.Engine(gaps="ignore"),
        lambda: annexa.Engine(params={"a": float("nan")}),
        lambda: annexa.Engine(sources={"s.policy": BUCKETS}).check_text("", format="toml"),
    ],
    ids=["fail_on", "gaps", "nan", "format"],
)
def test_wrong_values_are_value_errors(call) -> None:
    with pytest.raises(ValueError):
        call()
