"""Test-session setup: one BLAS/OpenMP thread, and the optional ONNX subpackage.

One thread per library. The suite's models are small: on a busy two-core
machine, oversubscribed threads made a logistic regression on iris 30 times
slower, and HistGradientBoosting's OpenMP threads tripled the suite's time.
OpenMP (loaded with scikit-learn's compiled modules) and the BLAS libraries
(loaded with numpy) read these variables once, when they are loaded, so they
are set here, before anything in the test session imports numpy or
scikit-learn (pytest loads this file before collecting any test module; its
only plugin, hypothesis', imports neither). ``setdefault``: a value the user
exported wins. tests/test_common.py::test_thread_pools_are_pinned checks that
the pools report one thread once HistGradientBoosting is imported.

A declared failure (xfail) gets its traceback in Python's native style, which
is cheap to format: see ``pytest_runtest_makereport``.

Collect the optional ONNX subpackage (and the Dask support) only where its
dependencies are installed:
``pytest --doctest-modules`` imports every module of ``selective_clf``;
``selective_clf.onnx`` imports skl2onnx, which comes with the ``onnx`` extra.
"""

import os
import sys

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
_USER_SET_THREADS = any(name in os.environ for name in THREAD_VARIABLES)
for _name in THREAD_VARIABLES:
    os.environ.setdefault(_name, "1")

import importlib.util  # noqa: E402

import pytest  # noqa: E402

collect_ignore = []
if importlib.util.find_spec("skl2onnx") is None:
    collect_ignore.append("selective_clf/onnx")
# the Dask support (the dask extra) is imported only with a Dask collection
if importlib.util.find_spec("dask") is None:
    collect_ignore.append("selective_clf/_dask.py")

# A library loaded before this file (a plugin that imported numpy) has read
# its variables already: limit it at run time instead, unless the user chose.
if "numpy" in sys.modules and not _USER_SET_THREADS:  # pragma: no cover
    from threadpoolctl import threadpool_limits

    _THREADPOOL_LIMITS = threadpool_limits(limits=1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Format the traceback of a declared failure in Python's native style.

    A test that fails as declared (an unconditional ``xfail``, such as the
    expected failures of scikit-learn's common checks) shows no traceback,
    but pytest still formats one, with the source of every frame: for a
    failure inside scikit-learn's estimator_checks.py that took a quarter of
    the common checks' time. A failure of any other test, and an xfail test
    that passes (xfail_strict), are reported as usual; so are all failures
    under ``--runxfail``.
    """
    marker = item.get_closest_marker("xfail")
    runxfail = getattr(item.config.option, "runxfail", False)
    if call.excinfo is None or marker is None or marker.args or runxfail:
        yield
        return
    option = item.config.option
    style = getattr(option, "tbstyle", "auto")
    option.tbstyle = "native"
    try:
        yield
    finally:
        option.tbstyle = style
