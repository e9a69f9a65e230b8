"""The benchmark stamps (benchmarks/_provenance.py) cover the measured files."""

import importlib.util
import sys
import types
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "_provenance.py"
if not SCRIPT.is_file():  # pragma: no cover - the sdist ships no benchmarks
    pytest.skip("benchmarks/ is not in this tree", allow_module_level=True)

_spec = importlib.util.spec_from_file_location("_provenance", SCRIPT)
provenance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(provenance)


@pytest.fixture
def package(tmp_path):
    """A package tree with a measured part and parts the benchmark never ran."""
    root = tmp_path / "selective_clf"
    for name in ("__init__.py", "_tuning.py", "_cli.py", "onnx/__init__.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"# {name}\n")
    return root


MEASURED = ["__init__.py", "_tuning.py"]


def _page(tmp_path, package, command="python bench.py"):
    docs = tmp_path / "docs"
    docs.mkdir()
    page = docs / "page.rst"
    stamp = provenance.stamp_line(command, MEASURED, package)
    page.write_text(f"Title\n=====\n\n{stamp}\n\nTables.\n")
    return docs, page


def test_hash_ignores_files_outside_the_measured_set(package):
    before = provenance.source_hash(MEASURED, package)
    (package / "_cli.py").write_text("# the CLI changed\n")
    (package / "onnx" / "__init__.py").write_text("# the export changed\n")
    (package / "_new.py").write_text("# a new module\n")
    assert provenance.source_hash(MEASURED, package) == before
    assert provenance.source_hash(None, package) != before


@pytest.mark.parametrize("edit", ["change", "delete"])
def test_hash_follows_the_measured_files(package, edit):
    before = provenance.source_hash(MEASURED, package)
    if edit == "change":
        (package / "_tuning.py").write_text("# the tuning changed\n")
    else:
        (package / "_tuning.py").unlink()
    assert provenance.source_hash(MEASURED, package) != before


def test_check_reports_only_stamps_whose_files_changed(tmp_path, package):
    docs, page = _page(tmp_path, package)
    assert provenance.check(docs, package) == []
    (package / "_cli.py").write_text("# the CLI changed\n")
    assert provenance.check(docs, package) == []
    (package / "_tuning.py").write_text("# the tuning changed\n")
    (problem,) = provenance.check(docs, package)
    assert "docs/page.rst" in problem and "re-run: python bench.py" in problem


def test_check_reports_the_old_format_as_stale(tmp_path, package):
    docs = tmp_path / "docs"
    docs.mkdir()
    old = provenance.source_hash(None, package)
    (docs / "page.rst").write_text(
        f".. benchmark-stamp: source-hash={old} command=python bench.py\n"
    )
    (problem,) = provenance.check(docs, package)
    assert "stale, re-run" in problem and "old format" in problem
    assert problem.endswith("re-run: python bench.py")


def test_imported_files_are_the_package_modules_in_sys_modules(package):
    def module(name, path):
        result = types.ModuleType(name)
        result.__file__ = str(path)
        return result

    modules = {
        "selective_clf": module("selective_clf", package / "__init__.py"),
        "selective_clf._tuning": module(
            "selective_clf._tuning", package / "_tuning.py"
        ),
        "selective_clfx": module("selective_clfx", package.parent / "x.py"),
        "numpy": sys.modules["sys"],
    }
    assert provenance.imported_files(modules) == MEASURED


def test_stamp_records_the_files_and_round_trips(tmp_path, package):
    line = provenance.stamp_line("python bench.py --update-docs", MEASURED, package)
    match = provenance.STAMP.fullmatch(line)
    assert match["files"].split(",") == MEASURED
    assert match["command"] == "python bench.py --update-docs"
