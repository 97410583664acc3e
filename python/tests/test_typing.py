"""The package is typed: py.typed ships, and the stubs name everything the native module has."""

from __future__ import annotations

import inspect
import pathlib

import annexa
from annexa import _native


def test_py_typed_and_the_stubs_ship_with_the_package() -> None:
    folder = pathlib.Path(annexa.__file__).parent
    assert (folder / "py.typed").is_file()
    assert (folder / "_native.pyi").is_file()


def test_the_stubs_declare_every_native_name() -> None:
    stub = (pathlib.Path(annexa.__file__).parent / "_native.pyi").read_text(encoding="utf-8")
    public = [n for n in dir(_native) if not n.startswith("_")]
    assert public, "the native module exports names"
    for name in public:
        assert f"class {name}" in stub, f"_native.{name} is missing from _native.pyi"
    for cls in (_native.Engine, _native.Report):
        for method, _ in inspect.getmembers(cls):
            if not method.startswith("_"):
                assert f"def {method}(" in stub, f"_native.{cls.__name__}.{method} is missing from the stubs"


def test_every_exported_name_exists() -> None:
    for name in annexa.__all__:
        assert hasattr(annexa, name), name
    assert issubclass(annexa.PolicyError, annexa.AnnexaError)
    assert issubclass(annexa.FactsError, annexa.AnnexaError)
    assert issubclass(annexa.AnnexaError, Exception)
