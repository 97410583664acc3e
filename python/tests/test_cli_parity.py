"""The package and the CLI agree: `to_json()` is byte for byte `annexa check --format json`, and
`ok` is the exit code."""

from __future__ import annotations

import pathlib
from typing import List

import pytest

import annexa

from conftest import NOW, NOW_SECONDS, run_cli

CASES = [
    # (policies, facts): no policies = the built-in packs, as for the CLI without -p
    (["examples/policies"], ["examples/facts/pipeline.yaml"]),
    (["examples/policies"], ["examples/compliant/pipeline.yaml"]),
    ([], ["examples/facts/pipeline.yaml"]),
    ([], ["examples/compliant/ml-pipeline.yaml"]),
    ([], ["examples/repo"]),
]


def cli_args(policies: List[str], facts: List[str], extra: List[str]) -> List[str]:
    args = ["check", *facts, "--format", "json", "--now", NOW, "--no-config", *extra]
    for p in policies:
        args += ["-p", p]
    return args


@pytest.mark.parametrize("policies,facts", CASES, ids=lambda v: ",".join(v) or "builtin")
def test_to_json_is_the_cli_output(in_root: pathlib.Path, policies: List[str], facts: List[str]) -> None:
    code, stdout, stderr = run_cli(cli_args(policies, facts, []))
    assert code in (0, 1), stderr
    report = annexa.Engine(policies=policies, now=NOW_SECONDS).check_files(facts)
    assert report.to_json() == stdout
    assert report.ok is (code == 0)


@pytest.mark.parametrize(
    "kwargs,flags",
    [
        ({"fail_on": "critical"}, ["--fail-on", "critical"]),
        ({"fail_on": "info"}, ["--fail-on", "info"]),
        ({"gaps": "warn"}, ["--gaps", "warn"]),
        ({"params": {"allowed_regions": ["eu-west-1", "us-east-1"]}}, ["--param", 'allowed_regions=["eu-west-1","us-east-1"]']),
    ],
    ids=["fail-on-critical", "fail-on-info", "gaps-warn", "param"],
)
def test_options_match_the_cli_flags(in_root: pathlib.Path, kwargs: dict, flags: List[str]) -> None:
    policies, facts = ["examples/policies"], ["examples/facts/pipeline.yaml"]
    code, stdout, stderr = run_cli(cli_args(policies, facts, flags))
    assert code in (0, 1), stderr
    report = annexa.Engine(policies=policies, now=NOW_SECONDS, **kwargs).check_files(facts)
    assert report.to_json() == stdout
    assert report.ok is (code == 0)


def test_check_text_matches_the_cli_on_the_same_file(in_root: pathlib.Path) -> None:
    name = "examples/facts/pipeline.yaml"
    _, stdout, _ = run_cli(cli_args(["examples/policies"], [name], []))
    engine = annexa.Engine(policies=["examples/policies"], now=NOW_SECONDS)
    text = pathlib.Path(name).read_text(encoding="utf-8")
    assert engine.check_text(text, "yaml", name=name).to_json() == stdout
