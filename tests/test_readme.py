"""The README's code is run, so that it stays true."""

import re
from pathlib import Path

import matplotlib
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

matplotlib.use("Agg")


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_python_blocks_run(index, capsys):
    """Each ```python block of the README runs without error."""
    exec(compile(_python_blocks()[index], f"README.md[{index}]", "exec"), {})
    assert capsys.readouterr().out  # the snippets print their results


def test_readme_first_screen_has_the_two_commands():
    """The install+demo and install+test commands are on the first screen."""
    head = "\n".join(README.read_text().splitlines()[:12])
    assert 'pip install ".[plot]" && python -m selective_clf demo' in head
    assert 'pip install -e ".[test]" && pytest -n auto' in head
