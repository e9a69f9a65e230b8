"""Run the code of the documentation pages.

``pytest docs --doctest-glob="*.rst"`` checks every ``>>>`` example of the
pages against its printed output. This file adds the rest:

- every ``.. code-block:: python`` of a page runs as a test of its own
  (``docs/<page>.rst::code-block[line N]``), the blocks of one page in order
  and in one namespace, in a temporary working directory, after the page's
  setup below has defined the names the prose takes as given (``X``, ``y``, a
  trained ``keras_model``...). The ``>>>`` examples of the page run in that
  namespace too, each before the first block below it (their output is
  checked by the doctest run, not here), so a block sees the ``clf`` an
  example above it fitted whatever optional libraries are installed;
- a block importing an optional library that is not installed (torch,
  keras, lightgbm...) is skipped, naming the library and the requirements
  file that installs it; CI installs them all. The trained Keras models of the
  prose are stand-ins with Keras' ``predict`` signature when Keras is absent;
- slow doctest pages get the ``slow`` marker (deselected by default, run by
  CI).
"""

import doctest
import os
import re
import shutil
import sys
import tempfile
import textwrap
import types
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "auto_examples/*", "generated/*"]

HERE = Path(__file__).resolve().parent

# Doctest pages that fit many models (over ~3 s): run by CI's `pytest -m slow`.
SLOW_PAGES = {"user_guide/choosing_threshold.rst"}
# Pages whose code blocks train networks, boosters and Dask clusters (tens of
# seconds with the integration libraries installed): slow too.
SLOW_CODE_BLOCK_PAGES = {"integrations.rst", "user_guide/cluster.rst"}

# Libraries a block may need that neither the package nor its test extra
# installs; a block failing to import one of them is skipped.
OPTIONAL = {
    "torch",
    "skorch",
    "keras",
    "scikeras",
    "lightgbm",
    "xgboost",
    "polars",
    "skops",
    "dask",
    "distributed",
    "dask_ml",
    "pyspark",  # user_guide/cluster.rst shows Spark code, not run without it
    "onnx",
    "onnxruntime",
    "skl2onnx",
}
INSTALL_HINT = "pip install -r .ci/integration-requirements.txt"
# Libraries that come with an extra of the package instead.
EXTRA_HINTS = {
    "onnx": 'pip install ".[onnx]"',
    "onnxruntime": 'pip install ".[onnx]"',
    "skl2onnx": 'pip install ".[onnx]"',
    "pyspark": "pip install pyspark, with a Java runtime; CI does not",
}

# What the prose of a page takes as given, run before its first block.
_STUB_KERAS_MODEL = """
import numpy as np
from scipy.special import expit


class _TrainedKerasModel:
    '''Stand-in for a trained Keras model: one sigmoid output unit.'''

    output_shape = (None, 1)

    def __init__(self, offset):
        self.offset = offset

    def predict(self, X, verbose="auto", batch_size=None):
        X = np.asarray(X, dtype=np.float32)
        return expit(4 * (X.sum(axis=1, keepdims=True) - self.offset))
"""

PAGE_SETUP = {
    "user_guide/faq.rst": _STUB_KERAS_MODEL
    + """
from selective_clf import SelectiveClassifier

keras_model = _TrainedKerasModel(offset=2.5)
rng = np.random.default_rng(0)
X_calib = rng.random((500, 5))
y_calib = np.where(X_calib.sum(axis=1) > 2.5, "positive", "negative")
""",
    "integrations.rst": _STUB_KERAS_MODEL
    + """
from sklearn.model_selection import train_test_split

from selective_clf import SelectiveClassifierCV

rng = np.random.default_rng(0)
X = rng.normal(size=(600, 8))
y = (X.sum(axis=1) + rng.normal(scale=0.5, size=600) > 0).astype(int)
X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)
X_cal, X_new = X[:400], X[400:]
y_cal = np.where(y[:400] == 1, "malignant", "benign")
color = rng.choice(["red", "green", "blue"], 300)
x1, x2 = rng.normal(size=(2, 300))
answer = np.where(x1 + (color == "red") + rng.normal(size=300) > 0.5, "yes", "no")
X_numeric, y_numeric = X, y
try:
    import keras  # noqa: F401
except ImportError:
    _keras = types.ModuleType("keras")
    _stand_in = _TrainedKerasModel(offset=0.0)
    _keras.models = types.SimpleNamespace(load_model=lambda path: _stand_in)
    sys.modules["keras"] = _keras  # removed again after the page's blocks
else:
    keras.utils.set_random_seed(0)
    _model = keras.Sequential([
        keras.Input((X.shape[1],)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    _model.compile(optimizer="adam", loss="binary_crossentropy")
    _model.fit(X_cal, (y_cal == "malignant").astype(int), epochs=30, verbose=0)
    _model.save("model.keras")
""",
}

# What the prose of one block takes as given, run just before it; keyed by
# (page, a line of the block).
BLOCK_SETUP = {
    (
        "integrations.rst",
        "X_big = da.from_array(X_on_disk, chunks=(100_000, n_features))",
    ): """
from sklearn.linear_model import LogisticRegression
X_on_disk, n_features = X_numeric, X_numeric.shape[1]
clf = SelectiveClassifierCV(LogisticRegression(), rejection_cost=0.2, cv=3)
clf.fit(X_numeric, y_numeric)
""",
    ("integrations.rst", "from dask_ml.wrappers import ParallelPostFit"): """
model, X, y = LogisticRegression(), X_numeric, y_numeric
""",
}

_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)\.\. code-block:: python[ \t]*\n"
    r"(?:(?P=indent)[ \t]+:[^\n]*\n)*"  # options such as :caption:
    r"[ \t]*\n"
    r"(?P<body>(?:(?:(?P=indent)[ \t]+[^\n]*)?\n)+)",
    flags=re.M,
)


def doctest_examples(text):
    """``(line, source, raises)`` of each ``>>>`` example of an rst text.

    Examples marked ``+SKIP`` are left out; ``raises`` tells whether the
    example expects an exception.
    """
    examples = []
    for example in doctest.DocTestParser().get_examples(text):
        if example.options.get(doctest.SKIP):
            continue
        examples.append((example.lineno + 1, example.source, example.exc_msg))
    return examples


def python_blocks(text):
    """``(line, code)`` of each ``.. code-block:: python`` of an rst text."""
    blocks = []
    for match in _BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        blocks.append((line, textwrap.dedent(match.group("body")).strip("\n")))
    return blocks


def pytest_collect_file(file_path, parent):
    """Collect the python code blocks of each page under docs/."""
    if file_path.suffix == ".rst" and python_blocks(file_path.read_text("utf-8")):
        return CodeBlocks.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark the doctests of the slow pages as slow before -m deselects them."""
    for item in items:
        path = Path(str(item.path))
        if path.suffix == ".rst" and path.is_relative_to(HERE):
            if path.relative_to(HERE).as_posix() in SLOW_PAGES:
                item.add_marker(pytest.mark.slow)


class CodeBlocks(pytest.File):
    """The python code blocks of one page, run in order in one namespace."""

    def collect(self):
        page = self.path.relative_to(HERE).as_posix()
        self.page = page
        self.namespace = None
        self.skipped = None
        text = self.path.read_text("utf-8")
        examples = doctest_examples(text)
        previous = 0
        for line, code in python_blocks(text):
            block = CodeBlock.from_parent(
                self,
                name=f"code-block[line {line}]",
                line=line,
                code=code,
                examples=[e for e in examples if previous < e[0] < line],
            )
            previous = line
            if page in SLOW_CODE_BLOCK_PAGES:
                block.add_marker(pytest.mark.slow)
            yield block

    def setup(self):
        self._cwd = os.getcwd()
        self._modules = set(sys.modules)
        self._workdir = tempfile.mkdtemp(prefix="docs-code-blocks-")
        os.chdir(self._workdir)
        self.namespace = {"__name__": "__docs__", "sys": sys, "types": types}
        setup = PAGE_SETUP.get(self.page)
        if setup:
            exec(compile(setup, f"{self.page} (setup)", "exec"), self.namespace)

    def teardown(self):
        os.chdir(self._cwd)
        shutil.rmtree(self._workdir, ignore_errors=True)
        stub = sys.modules.get("keras")
        if stub is not None and not hasattr(stub, "__file__"):
            del sys.modules["keras"]  # the stand-in, never a real Keras
        self.namespace = None


class CodeBlock(pytest.Item):
    """One ``.. code-block:: python`` of a docs page."""

    def __init__(self, *, line, code, examples=(), **kwargs):
        super().__init__(**kwargs)
        self.line, self.code, self.examples = line, code, examples

    def run_examples(self):
        """Run the page's ``>>>`` examples above this block, in its namespace."""
        page = self.parent
        for line, source, raises in self.examples:
            code = compile(source, f"{page.path.name}:{line} (doctest)", "exec")
            try:
                exec(code, page.namespace)
            except Exception:
                if raises is None:
                    raise

    def runtest(self):
        page = self.parent
        filename = f"{self.parent.path.name}:{self.line}"
        self.run_examples()
        try:
            for (setup_page, block_line), setup in BLOCK_SETUP.items():
                if setup_page == page.page and block_line in self.code.splitlines():
                    code = compile(setup, f"{filename} (setup)", "exec")
                    exec(code, page.namespace)
            exec(compile(self.code, filename, "exec"), page.namespace)
        except ModuleNotFoundError as exc:
            if exc.name is not None and exc.name.split(".")[0] in OPTIONAL:
                page.skipped = exc.name
                hint = EXTRA_HINTS.get(exc.name.split(".")[0], INSTALL_HINT)
                pytest.skip(f"needs {exc.name} (install it with: {hint})")
            raise
        except NameError as exc:
            if page.skipped is not None:
                pytest.skip(
                    f"uses names of an earlier block of this page that was skipped "
                    f"for lack of {page.skipped} ({exc})"
                )
            raise

    def repr_failure(self, excinfo):
        return f"{self.parent.path}:{self.line}: code block failed\n" + str(
            excinfo.getrepr(style="short")
        )

    def reportinfo(self):
        return self.parent.path, self.line - 1, self.name
