"""Convert a selective classifier and check the graph against ``predict``.

skl2onnx converts some bases wrongly (the graph loads and runs, but gives
other probabilities than scikit-learn) or writes graphs that onnxruntime
refuses to load. :func:`to_onnx` converts, runs the graph in onnxruntime on
rows the user gives, and raises instead of returning a graph that decides
differently from ``predict``.
"""

import numpy as np
import skl2onnx

from .._classifier import BaseSelectiveClassifier
from .._decision import fitted_thresholds
from . import _converter
from ._converter import _final_step

# Default tolerance on the confidence, relative to max(1, |value|): float32
# rounding measured in tests/test_onnx.py stays below 4e-6.
TOL = 1e-4

_ORT_DTYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(string)": object,
    "tensor(bool)": bool,
}


class ONNXParityError(ValueError):
    """The ONNX graph does not reproduce the estimator's ``predict``."""


def _describe(model):
    """``"SelectiveClassifier(<base>)"``: the model and its final classifier."""
    return f"{type(model).__name__}({type(_final_step(model.estimator_)).__name__})"


def _session(onx, model):
    """Load ``onx`` in onnxruntime, turning a load failure into a clear error."""
    import onnxruntime as ort

    try:
        return ort.InferenceSession(
            onx.SerializeToString(), providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ONNXParityError(
            f"onnxruntime cannot load the ONNX graph of {_describe(model)}: "
            f"skl2onnx wrote a graph onnxruntime refuses ({exc}). Do not deploy "
            "it: convert with a float32 sample (X.astype(np.float32)), or use a "
            "base listed as verified on the Deploying page of the documentation."
        ) from exc


def _feeds(session, X):
    """Return the graph's inputs from ``X``: one array, or one column per input."""
    inputs = session.get_inputs()
    if len(inputs) == 1:
        dtype = _ORT_DTYPES.get(inputs[0].type, np.float32)
        return {inputs[0].name: np.asarray(X).astype(dtype)}
    if not hasattr(X, "columns"):
        raise TypeError(
            f"The graph has one input per column ({len(inputs)} inputs), so the "
            "rows to check must be a data frame with those columns."
        )
    return {
        node.name: np.asarray(X[[node.name]]).astype(
            _ORT_DTYPES.get(node.type, np.float32)
        )
        for node in inputs
    }


def _labels_differ(label, expected):
    """Row-wise ``label != expected``, int64 or string graph labels."""
    label, expected = np.asarray(label), np.asarray(expected)
    if expected.dtype.kind in "OUS" or label.dtype.kind in "OUS":
        return label.astype(str) != expected.astype(str)
    return label.astype(np.float64) != expected.astype(np.float64)


def check_onnx_parity(onx, model, X, *, tol=TOL):
    """Check that an ONNX graph of ``model`` decides as ``model.predict`` on ``X``.

    Runs ``onx`` in onnxruntime on ``X`` (cast to the graph's input type) and
    compares its ``label`` with ``model.predict(X)`` and its ``confidence``
    with ``model.confidence_score(X)``. The graph computes in float32, so two
    kinds of rows may get another label without error: a row whose float64
    confidence lies within ``tol * max(1, |threshold|)`` of the threshold of
    its class, and a row whose two top responses are within ``tol`` of each
    other (a tie, where either class is the argmax).

    Parameters
    ----------
    onx : onnx.ModelProto
        The graph, as returned by ``skl2onnx.to_onnx(model, ...)``.

    model : SelectiveClassifier or SelectiveClassifierCV
        The fitted model ``onx`` was converted from.

    X : array-like or DataFrame of shape (n_samples, n_features)
        Rows to compare on, as given to ``model.predict``. Use rows like those
        the graph will serve, a few thousand if possible.

    tol : float, default=1e-4
        Tolerance on the confidence, relative to ``max(1, |value|)``.

    Returns
    -------
    n_near_threshold : int
        The number of rows whose labels differ within the tolerance.

    Raises
    ------
    ONNXParityError
        If onnxruntime cannot load the graph, or if a label differs away
        from the threshold, or a confidence by more than ``tol``. The message
        names the base estimator and the number of differing rows.
    """
    session = _session(onx, model)
    names = [output.name for output in session.get_outputs()]
    try:
        outputs = dict(zip(names, session.run(None, _feeds(session, X)), strict=True))
    except Exception as exc:
        if isinstance(exc, TypeError):
            raise
        raise ONNXParityError(
            f"onnxruntime loads the ONNX graph of {_describe(model)} but fails "
            f"to run it on the rows to check ({exc})."
        ) from exc
    label = outputs["label"]
    graph_confidence = outputs["confidence"].astype(np.float64)
    expected = model.predict(X)
    confidence = model.confidence_score(X)
    n = len(expected)

    both_nan = np.isnan(graph_confidence) & np.isnan(confidence)
    with np.errstate(invalid="ignore"):
        gap = np.abs(graph_confidence - confidence)
        bad_confidence = ~both_nan & ~(gap <= tol * np.maximum(1.0, np.abs(confidence)))

    differ = _labels_differ(label, expected)
    excused = np.zeros(n, dtype=bool)
    threshold = fitted_thresholds(model)
    response = getattr(model.estimator_, model.response_method_)(X)
    response = np.asarray(response, dtype=np.float64)
    if response.ndim == 1:
        tie = np.abs(response) <= tol
    else:
        top_two = np.sort(response, axis=1)[:, -2:]
        tie = top_two[:, 1] - top_two[:, 0] <= tol * np.maximum(
            1.0, np.abs(top_two[:, 1])
        )
    excused |= tie
    if threshold is not None:
        base_label = np.asarray(model.estimator_.predict(X))
        index = np.searchsorted(model.classes_, base_label)
        row_threshold = np.asarray(threshold, dtype=np.float64)[
            np.clip(index, 0, len(model.classes_) - 1)
        ]
        excused |= np.abs(confidence - row_threshold) <= tol * np.maximum(
            1.0, np.abs(row_threshold)
        )
    bad_label = differ & ~excused
    if bad_label.any() or bad_confidence.any():
        worst = np.nanmax(np.where(both_nan, 0.0, gap)) if n else 0.0
        raise ONNXParityError(
            f"The ONNX graph of {_describe(model)} does not reproduce predict: "
            f"{differ.sum()} of {n} labels differ ({bad_label.sum()} away from "
            f"the threshold) and {bad_confidence.sum()} of {n} confidences "
            f"differ by more than {tol:g} (largest difference {worst:.3g}). "
            "skl2onnx converts this base wrongly, at least for this data (or the "
            "graph comes from another model). Do not deploy this graph: use "
            "a base listed as verified on the Deploying page of the "
            "documentation (LogisticRegression, RandomForestClassifier, "
            "HistGradientBoostingClassifier...), or deploy the model with pickle "
            "or skops."
        )
    return int((differ & excused).sum())


def _raised_by_us(exc):
    """Whether ``exc`` is a refusal of our converter, which names its remedy."""
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == _converter.__file__:
            if traceback.tb_next is None:
                return True
        traceback = traceback.tb_next
    return False


def to_onnx(model, X, *, check_X=None, tol=TOL, **kwargs):
    """Convert a fitted selective classifier to ONNX and check it against predict.

    Converts with ``skl2onnx.to_onnx(model, X, **kwargs)``, then runs the
    graph in onnxruntime on ``check_X`` (``X`` by default) and compares it
    with ``model.predict`` and ``model.confidence_score``, see
    :func:`check_onnx_parity`.

    Parameters
    ----------
    model : SelectiveClassifier or SelectiveClassifierCV
        The fitted model.

    X : array-like or DataFrame
        A sample of the inputs: its type (float32 advised) and columns set
        the graph's inputs, as in ``skl2onnx.to_onnx``.

    check_X : array-like, DataFrame or False, default=None
        Rows to check the graph on, as given to ``model.predict`` (held-out
        data, a few thousand rows if possible). ``None`` checks on ``X``;
        ``False`` skips the check.

    tol : float, default=1e-4
        Tolerance on the confidence, relative to ``max(1, |value|)``.

    **kwargs
        Passed to ``skl2onnx.to_onnx`` (``options``, ``target_opset``...).

    Returns
    -------
    onx : onnx.ModelProto
        The graph, with outputs ``label``, ``probabilities`` (or ``scores``)
        and ``confidence``.

    Raises
    ------
    ONNXParityError
        If onnxruntime cannot load or run the graph, or if the graph decides
        differently from ``predict`` on ``check_X``.

    RuntimeError
        If skl2onnx fails to convert the base (its own error is chained).
        The export's refusals (a callable confidence, a binary
        LinearDiscriminantAnalysis on probabilities, a float64 sample for the
        bases skl2onnx converts wrongly...) raise their ``ValueError`` or
        ``NotImplementedError`` as is.

    ImportError
        If onnxruntime is not installed and the check is not skipped.
    """
    if not isinstance(model, BaseSelectiveClassifier):
        raise TypeError(
            f"to_onnx converts a fitted SelectiveClassifier or "
            f"SelectiveClassifierCV, not {type(model).__name__}; use "
            "skl2onnx.to_onnx for other models."
        )
    check = check_X is not False
    if check:
        try:
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "The check of the ONNX graph against predict needs onnxruntime: "
                'install it with pip install ".[onnx]" from the repository root, '
                "or pass check_X=False to convert without the check."
            ) from exc
    try:
        onx = skl2onnx.to_onnx(model, X, **kwargs)
    except Exception as exc:
        if _raised_by_us(exc):
            raise
        raise RuntimeError(
            f"skl2onnx cannot convert {_describe(model)} "
            f"({type(exc).__name__}: {exc}). Use a base listed as verified on "
            "the Deploying page of the documentation, or deploy the model with "
            "pickle or skops."
        ) from exc
    if check:
        check_onnx_parity(onx, model, X if check_X is None else check_X, tol=tol)
    return onx
