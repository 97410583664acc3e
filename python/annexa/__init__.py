"""annexa: policy-as-code for ML pipelines, every finding mapped to ISO/IEC 27001:2022 Annex A.

    >>> import annexa
    >>> engine = annexa.Engine(policies=["examples/policies"])
    >>> report = engine.check_files(["examples/facts/pipeline.yaml"])
    >>> report.ok, report.summary.failed
    (False, 4)

An :class:`Engine` is built once (policies read and compiled) and then checks any number of
inputs, from any number of threads: the GIL is released while it builds and checks. It pickles
as its policy texts and options, so a worker that unpickles it needs no policy file.
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import os as _os
from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from ._native import AnnexaError, ConfigError, FactsError, PolicyError, UsageError
from ._report import Control, EvidenceGap, Report, RuleResult, Summary, Violation

__all__ = [
    "AnnexaError",
    "ConfigError",
    "Control",
    "Engine",
    "EvidenceGap",
    "FactsError",
    "PolicyError",
    "Report",
    "RuleResult",
    "Summary",
    "UsageError",
    "Violation",
]

__version__ = "0.1.0"

PathLike = Union[str, "_os.PathLike[str]"]
Now = Union[int, _dt.date, _dt.datetime, None]

_SEVERITIES = ("critical", "high", "medium", "low", "info")
_GAPS = ("fail", "warn")
_FORMATS = ("yaml", "json")


def _paths(value: Any, what: str) -> List[str]:
    """A list of paths as strings; one path alone is accepted as a list of one."""
    if isinstance(value, (str, _os.PathLike)):
        value = [value]
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise TypeError(f"{what} must be a list of paths, not {type(value).__name__}")
    out = []
    for item in value:
        if not isinstance(item, (str, _os.PathLike)):
            raise TypeError(f"{what} must hold paths (str or os.PathLike), not {type(item).__name__}")
        out.append(_os.fspath(item))
    return out


def _sources(value: Any) -> List[Tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise TypeError(f"sources must be a mapping of file name to policy text, not {type(value).__name__}")
    out = []
    for name, text in value.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise TypeError("sources must map str file names to str policy texts")
        out.append((name, text))
    return out


def _now(value: Now) -> Optional[int]:
    """The evaluation clock as Unix seconds; a date means its midnight UTC, like `--now`."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("now must be an int (Unix seconds), a date or a datetime, not bool")
    if isinstance(value, int):
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValueError("now must be an aware datetime (give tzinfo), or a date")
        return int(value.timestamp())
    if isinstance(value, _dt.date):
        return int(_dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc).timestamp())
    raise TypeError(f"now must be an int (Unix seconds), a date or a datetime, not {type(value).__name__}")


def _choice(value: Any, name: str, allowed: Tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _to_json(value: Any, what: str) -> str:
    try:
        return _json.dumps(value, allow_nan=False, ensure_ascii=False)
    except TypeError as e:
        raise TypeError(f"{what} must be JSON data (dict, list, str, int, float, bool, None): {e}") from None
    except ValueError as e:
        raise ValueError(f"{what} must be JSON data: {e}") from None


class Engine:
    """Compiled policies and the options of a run; immutable and safe to share between threads.

    :param policies: ``.policy`` files or folders of them (searched recursively).
    :param sources: policies given as text, by file name (the name appears in diagnostics).
    :param params: param overrides, like ``annexa check --param NAME=JSON``.
    :param builtin: whether the built-in packs run too. ``None`` (the default) does what the
        CLI does: the built-in packs run only when no policy is given.
    :param fail_on: failing rules at or above this severity make ``Report.ok`` false.
    :param gaps: ``"fail"`` (incomplete rules make ``ok`` false) or ``"warn"``.
    :param now: the evaluation clock (Unix seconds, a ``date`` = its midnight UTC, or an aware
        ``datetime``); default: the current time.
    :raises PolicyError: a policy does not read, parse or compile.
    :raises UsageError: a param no policy declares.
    """

    __slots__ = ("_native", "_args")

    def __init__(
        self,
        policies: Union[PathLike, Iterable[PathLike]] = (),
        sources: Optional[Mapping[str, str]] = None,
        params: Optional[Mapping[str, Any]] = None,
        builtin: Optional[bool] = None,
        *,
        fail_on: str = "low",
        gaps: str = "fail",
        now: Now = None,
    ) -> None:
        paths = _paths(policies, "policies")
        texts = _sources(sources)
        if params is None:
            params = {}
        if not isinstance(params, Mapping) or not all(isinstance(k, str) for k in params):
            raise TypeError("params must be a mapping of str param names to JSON values")
        if builtin is not None and not isinstance(builtin, bool):
            raise TypeError(f"builtin must be a bool or None, not {type(builtin).__name__}")
        fail_on = _choice(fail_on, "fail_on", _SEVERITIES)
        gaps = _choice(gaps, "gaps", _GAPS)
        seconds = _now(now)
        params_json = _to_json(dict(params), "params")
        self._native = _native.Engine(paths, texts, params_json, builtin, fail_on, gaps, seconds)
        # what a pickled copy is rebuilt from: the texts read now, so no file is needed later,
        # and the builtin choice made explicit (the default depends on whether paths were given)
        effective_builtin = builtin if builtin is not None else not (paths or texts)
        self._args = (
            tuple(self._native.policy_sources()),
            params_json,
            effective_builtin,
            fail_on,
            gaps,
            seconds,
        )

    @classmethod
    def _rebuild(
        cls,
        sources: Tuple[Tuple[str, str], ...],
        params_json: str,
        builtin: bool,
        fail_on: str,
        gaps: str,
        now: Optional[int],
    ) -> "Engine":
        engine = cls.__new__(cls)
        engine._native = _native.Engine([], list(sources), params_json, builtin, fail_on, gaps, now)
        engine._args = (sources, params_json, builtin, fail_on, gaps, now)
        return engine

    def __reduce__(self) -> Tuple[Any, Tuple[Any, ...]]:
        return (Engine._rebuild, self._args)

    @property
    def policy_sources(self) -> Tuple[Tuple[str, str], ...]:
        """Every user policy as ``(file name, text)``, as read when the engine was built."""
        return self._args[0]

    @property
    def rules(self) -> Tuple[str, ...]:
        """The ids of the rules the engine judges, in report order."""
        return tuple(self._native.rules())

    def check(self, facts: Any, *, name: str = "<facts>") -> Report:
        """Checks one fact document given as Python data (a dict, or a list at its root).

        ``name`` is the document name findings report. Positions (line, column) are those of
        the document's JSON form, since Python data has no source lines.

        :raises TypeError: ``facts`` is not JSON data.
        """
        if not isinstance(facts, (dict, list)):
            raise TypeError(f"facts must be a dict or a list, not {type(facts).__name__}")
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, not {type(name).__name__}")
        return _report(self._native.check_value(name, _to_json(facts, "facts")))

    def check_text(self, text: str, format: str = "yaml", *, name: str = "<text>") -> Report:
        """Checks JSON or YAML text (YAML may hold several ``---`` documents).

        :raises FactsError: the text is not valid JSON or YAML (the message gives the line).
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, not {type(name).__name__}")
        fmt = _choice(format, "format", _FORMATS)
        return _report(self._native.check_text(name, text, fmt))

    def check_files(self, paths: Union[PathLike, Iterable[PathLike]]) -> Report:
        """Checks fact files and folders; folders are walked as ``annexa check`` walks them.

        :raises FactsError: a file named explicitly does not read or parse.
        """
        return _report(self._native.check_paths(_paths(paths, "paths")))

    def __repr__(self) -> str:
        names = [n for n, _ in self._args[0]]
        return f"<annexa.Engine policies={names!r} builtin={self._args[2]}>"


def _report(native: "_native.Report") -> Report:
    return Report(native.ok, native.to_json(), tuple(native.notes()), tuple(native.warnings()))
