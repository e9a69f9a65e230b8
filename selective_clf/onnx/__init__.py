"""Export selective classifiers to ONNX.

Importing this module registers converters for
:class:`~selective_clf.SelectiveClassifier` and
:class:`~selective_clf.SelectiveClassifierCV` with `skl2onnx
<https://onnx.ai/sklearn-onnx/>`_, after which ``skl2onnx.to_onnx(model, X)``
converts a fitted model whose base estimator skl2onnx itself converts.
:func:`to_onnx` converts the same way and then checks the graph in
onnxruntime against ``predict`` on rows you give (:func:`check_onnx_parity`
checks a graph converted otherwise): skl2onnx converts some bases wrongly.
It needs the ``onnx`` extra: ``pip install ".[onnx]"`` from the repository
root.

The graph has three outputs:

``label``
    The predicted class, or ``reject_label_`` where the model abstains
    (int64 for integer classes, string for string classes).
``probabilities`` (or ``scores``)
    The response the confidence is computed from: the base's
    ``predict_proba``, or its decision scores when ``response_method_`` is
    ``"decision_function"`` (a binary score ``s`` as the columns ``(-s, s)``).
``confidence``
    The confidence compared with the threshold.

The graph computes in float32 where scikit-learn computes in float64, so a
row whose confidence lies within float32 rounding of its threshold can be
accepted by one and rejected by the other; see the Deploying page of the
documentation.
"""

try:
    import skl2onnx  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "selective_clf.onnx needs skl2onnx and onnx; install them with "
        'pip install ".[onnx]" from the repository root.'
    ) from exc

from ._check import ONNXParityError, check_onnx_parity, to_onnx
from ._converter import register

register()

__all__ = ["ONNXParityError", "check_onnx_parity", "to_onnx"]
