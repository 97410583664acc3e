"""The report of a check as Python objects, built from the JSON the CLI prints.

The JSON is the contract (docs/ci.md pins its shape), so every object here is read from it
rather than from the Rust types: `Report.to_json()` and the attributes can never disagree.
Unknown keys are ignored, so a newer engine with more fields still loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple


@dataclass(frozen=True)
class Violation:
    """One failed check: what failed and where in the facts."""

    message: str
    reason: str
    """``"failed"`` (the fact is wrong) or ``"missing"`` (the fact is absent)."""
    document: str
    document_index: int
    subject: str
    path: str
    """The JSON pointer of the fact concerned."""
    line: int
    column: int
    subject_key: Optional[str] = None
    fingerprint: str = ""

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Violation":
        return cls(
            message=d["message"],
            reason=d["reason"],
            document=d["document"],
            document_index=d["document_index"],
            subject=d["subject"],
            path=d["path"],
            line=d["line"],
            column=d["column"],
            subject_key=d.get("subject_key"),
            fingerprint=d.get("fingerprint", ""),
        )


@dataclass(frozen=True)
class EvidenceGap:
    """A missing fact that left a filter, `if` or `for` undecided (the rule is incomplete)."""

    message: str
    document: str
    document_index: int
    path: str
    line: int
    column: int

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "EvidenceGap":
        return cls(
            message=d["message"],
            document=d["document"],
            document_index=d["document_index"],
            path=d["path"],
            line=d["line"],
            column=d["column"],
        )


@dataclass(frozen=True)
class RuleResult:
    """The verdict on one rule."""

    rule: str
    title: str
    status: str
    """``"pass"``, ``"fail"``, ``"incomplete"``, ``"skip"``, ``"waived"`` or ``"error"``."""
    severity: str
    controls: Tuple[str, ...]
    """The Annex A (2022) control ids the rule supports."""
    subjects: int
    violations: Tuple[Violation, ...]
    evidence_gaps: Tuple[EvidenceGap, ...]
    skip_reason: Optional[str] = None
    error: Optional[str] = None
    waived: Tuple[Violation, ...] = ()

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "RuleResult":
        return cls(
            rule=d["rule"],
            title=d["title"],
            status=d["status"],
            severity=d["severity"],
            controls=tuple(d["controls"]),
            subjects=d["subjects"],
            violations=tuple(Violation._from(v) for v in d["violations"]),
            evidence_gaps=tuple(EvidenceGap._from(g) for g in d["evidence_gaps"]),
            skip_reason=d.get("skip_reason"),
            error=d.get("error"),
            waived=tuple(Violation._from(v) for v in d.get("waived", [])),
        )


@dataclass(frozen=True)
class Summary:
    """How many rules ended in each status, and how many violations there were."""

    rules: int
    passed: int
    failed: int
    incomplete: int
    skipped: int
    waived: int
    errors: int
    violations: int

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Summary":
        return cls(
            rules=d["rules"],
            passed=d["passed"],
            failed=d["failed"],
            incomplete=d.get("incomplete", 0),
            skipped=d["skipped"],
            waived=d["waived"],
            errors=d["errors"],
            violations=d["violations"],
        )


@dataclass(frozen=True)
class Control:
    """The roll-up of one Annex A control over the rules mapped to it."""

    id: str
    title: str
    status: str
    rules: Tuple[str, ...]

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Control":
        return cls(id=d["id"], title=d["title"], status=d["status"], rules=tuple(d["rules"]))


class Report:
    """The outcome of a check; immutable.

    ``ok`` is what the CLI's exit code would say (True for 0, False for 1); ``to_json()`` is
    byte for byte what ``annexa check --format json`` prints for the same inputs.
    """

    __slots__ = ("_ok", "_json", "_dict", "_results", "_summary", "_controls", "_notes", "_warnings")

    def __init__(
        self,
        ok: bool,
        json_text: str,
        notes: Tuple[str, ...] = (),
        warnings: Tuple[str, ...] = (),
    ) -> None:
        self._ok = ok
        self._json = json_text
        self._notes = tuple(notes)
        self._warnings = tuple(warnings)
        self._dict: Dict[str, Any] = json.loads(json_text)
        self._results = tuple(RuleResult._from(r) for r in self._dict["results"])
        self._summary = Summary._from(self._dict["summary"])
        self._controls = tuple(Control._from(c) for c in self._dict["controls"])

    @property
    def ok(self) -> bool:
        """True when ``annexa check`` would exit 0 on the same inputs and options."""
        return self._ok

    @property
    def summary(self) -> Summary:
        """The counts of the run."""
        return self._summary

    @property
    def results(self) -> Tuple[RuleResult, ...]:
        """One result per rule, in the report's order."""
        return self._results

    @property
    def controls(self) -> Tuple[Control, ...]:
        """The Annex A roll-up, by control id."""
        return self._controls

    @property
    def notes(self) -> Tuple[str, ...]:
        """Notes of the run that are not findings, as the CLI prints them on standard error."""
        return self._notes

    @property
    def warnings(self) -> Tuple[str, ...]:
        """Warnings of the run (e.g. unknown fact fields), as the CLI prints them on standard error."""
        return self._warnings

    def failed(self) -> List[RuleResult]:
        """The results whose status is ``fail``."""
        return [r for r in self._results if r.status == "fail"]

    def to_json(self) -> str:
        """The JSON report, the same bytes as ``annexa check --format json``."""
        return self._json

    def to_dict(self) -> Dict[str, Any]:
        """The JSON report as plain Python data (a fresh copy each call)."""
        data: Dict[str, Any] = json.loads(self._json)
        return data

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        # results go back from Spark or Ray workers as reports: the JSON is the whole state
        return (Report, (self._ok, self._json, self._notes, self._warnings))

    def __bool__(self) -> bool:
        # a report is a value, not a verdict: `if report:` would read as "if it passed" and
        # silently be wrong for one half of the callers, so it is refused
        raise TypeError("use report.ok to ask whether the check passed")

    def __repr__(self) -> str:
        s = self._summary
        return (
            f"<annexa.Report ok={self._ok} rules={s.rules} passed={s.passed} "
            f"failed={s.failed} incomplete={s.incomplete} violations={s.violations}>"
        )
