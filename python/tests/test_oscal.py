"""`annexa check --format oscal` loads in compliance-trestle, the OSCAL SDK: its pydantic models
of OSCAL 1.2.1 assessment results accept the document, and what they read back is the run."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from trestle.oscal.assessment_results import Model

from conftest import NOW, run_cli

FAILING = ["examples/facts/pipeline.yaml", "-p", "examples/policies"]
WAIVERS = "tests/fixtures/waivers/waivers.yaml"


def text(value: Any) -> str:
    """The string inside one of trestle's wrappers (an enum, a pydantic root model)."""
    while hasattr(value, "root") or hasattr(value, "value"):
        value = value.root if hasattr(value, "root") else value.value
    return str(value)


def oscal(args: List[str], code: int) -> Dict[str, Any]:
    # `soa` has no --no-config; the repository has no annexa.toml for it to find
    config = ["--no-config"] if args[0] == "check" else []
    got, stdout, stderr = run_cli([*args, "--now", NOW, *config, "--format", "oscal"])
    assert got == code, stderr
    doc: Dict[str, Any] = json.loads(stdout)
    return doc


def test_trestle_loads_a_failing_run_with_waivers() -> None:
    doc = oscal(["check", *FAILING, "--waivers", WAIVERS], 1)
    ar = Model.model_validate(doc).assessment_results
    assert text(ar.metadata.oscal_version) == "1.2.1"
    result = ar.results[0]
    states = {text(f.target.target_id): text(f.target.status.state) for f in result.findings or []}
    assert states["a.8.24_smt"] == "not-satisfied"
    assert states["a.8.5_smt"] == "satisfied"  # its one finding is waived
    included = [text(c.control_id) for c in result.reviewed_controls.control_selections[0].include_controls or []]
    assert sorted(included) == sorted(t.removesuffix("_smt") for t in states)

    observations = {str(o.uuid): o for o in result.observations or []}
    encrypted = [o for o in observations.values() if "not encrypted at rest" in o.description]
    assert len(encrypted) == 1
    evidence = (encrypted[0].relevant_evidence or [])[0]
    assert evidence.href == "examples/facts/pipeline.yaml"
    assert evidence.description.startswith("examples/facts/pipeline.yaml:42 at /datasets/")

    risks = {r.title: r for r in result.risks or []}
    mfa = risks["Waiver of ml.data_protection.admins_use_mfa"]
    assert text(mfa.status) == "deviation-approved"
    assert mfa.deadline is not None and mfa.deadline.isoformat().startswith("2027-06-30T23:59:59")
    linked = [str(r.observation_uuid) for r in mfa.related_observations or []]
    assert linked and all(u in observations for u in linked)


def test_trestle_loads_a_passing_run_and_a_statement() -> None:
    ar = Model.model_validate(oscal(["check", "examples/compliant/pipeline.yaml", "-p", "examples/policies"], 0))
    findings = ar.assessment_results.results[0].findings or []
    assert findings and all(text(f.target.status.state) == "satisfied" for f in findings)
    soa = oscal(["soa", *FAILING, "--applicability", "tests/fixtures/soa/applicability.yaml"], 0)
    result = Model.model_validate(soa).assessment_results.results[0]
    assert result.remarks is not None and "A.7.4 (not applicable)" in result.remarks


def test_trestle_rejects_what_oscal_does_not_allow() -> None:
    import pydantic
    import pytest

    doc = oscal(["check", *FAILING], 1)
    doc["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "mostly"
    with pytest.raises(pydantic.ValidationError):
        Model.model_validate(doc)
