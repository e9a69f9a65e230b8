"""docs/conftest.py runs the code blocks of the pages with their examples.

A ``.. code-block:: python`` that uses a name a ``>>>`` example above it
defined must run, whichever optional libraries are installed: with skops
installed, the skops block of docs/deploying.rst used the example's ``clf``
and failed with a NameError.
"""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

PAGE = textwrap.dedent(
    """
    Page
    ====

    >>> clf = 40 + 1
    >>> clf + 1
    42

    .. code-block:: python

       assert clf == 41
       seen = clf

    >>> clf = "later"  # doctest: +SKIP
    >>> 1 / 0
    Traceback (most recent call last):
    ZeroDivisionError: division by zero
    >>> clf = clf + 1

    .. code-block:: python

       assert seen == 41 and clf == 42
    """
)


def run_docs_pytest(tmp_path, page):
    """Run pytest, with the docs' conftest, on a folder holding ``page``."""
    shutil.copy(DOCS / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "page.rst").write_text(page, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_code_blocks_see_the_names_of_the_examples_above(tmp_path):
    """Each block runs after the examples above it, skipped ones left out."""
    pytest.importorskip("matplotlib")
    result = run_docs_pytest(tmp_path, PAGE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASSED page.rst::code-block[line 9]" in result.stdout
    assert "PASSED page.rst::code-block[line 20]" in result.stdout
    assert "2 passed" in result.stdout


def test_a_failing_example_fails_the_block_below(tmp_path):
    """An example raising where it expects no exception fails the block."""
    pytest.importorskip("matplotlib")
    page = PAGE.replace(">>> clf = clf + 1", ">>> clf = undefined_name")
    result = run_docs_pytest(tmp_path, page)
    assert result.returncode == 1
    assert "PASSED page.rst::code-block[line 9]" in result.stdout
    assert "NameError" in result.stdout and "undefined_name" in result.stdout
    assert "1 failed, 1 passed" in result.stdout
