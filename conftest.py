"""Test-session setup: the optional ONNX subpackage, and one BLAS thread.

Collect the optional ONNX subpackage only where its dependencies are installed.

``pytest --doctest-modules`` imports every module of ``selective_clf``;
``selective_clf.onnx`` imports skl2onnx, which comes with the ``onnx`` extra.
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("skl2onnx") is None:
    collect_ignore.append("selective_clf/onnx")

# One BLAS/OpenMP thread per test process: the suite's models are small, and
# on a busy two-core machine oversubscribed BLAS threads made a logistic
# regression on iris 30 times slower.
try:
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
    pass
else:
    _THREADPOOL_LIMITS = threadpool_limits(limits=1)
