"""Input checks shared by the estimators, the metrics and the bounds.

Labels (their kind, the reject label and the dtype that holds both), sample
weights, thresholds (scalar, one per class, or a mapping from class to
threshold) and flags that must not be booleans are checked here, once, with
errors that name the problem and the fix.
"""

import math
import sys
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.utils import assert_all_finite
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ._compat import column_or_1d

DEFAULT_STRING_REJECT_LABEL = "rejected"


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


def is_string_label(label):
    """Whether ``label`` is a string (or bytes) label."""
    return isinstance(label, (str, np.str_, bytes, np.bytes_))


def is_number_label(label):
    """Whether ``label`` is a numeric (or boolean) label."""
    return isinstance(label, (Real, np.number, np.bool_)) and not is_string_label(label)


def _label_kinds(y):
    """Return the kinds of labels in ``y``: a subset of {"string", "number"}."""
    kind = y.dtype.kind
    if kind in "US":
        return {"string"}
    if kind in "biuf":
        return {"number"} if y.shape[0] else set()
    kinds = set()
    for value in y.tolist():
        if is_string_label(value):
            kinds.add("string")
        elif value is not None and is_number_label(value):
            kinds.add("number")
    return kinds


def check_label_kinds(y_true, y_pred):
    """Refuse predictions of another kind than the true labels, as sklearn does.

    A string ``"1"`` never equals the number ``1``, so comparing strings with
    numbers would count every such prediction as an error (or fail inside
    numpy). Pass only the accepted predictions: the reject label is checked
    on its own.
    """
    true_kinds, pred_kinds = _label_kinds(y_true), _label_kinds(y_pred)
    if {"string", "number"} <= (true_kinds | pred_kinds) and not (
        pred_kinds <= true_kinds or true_kinds <= pred_kinds and len(pred_kinds) < 2
    ):
        raise ValueError(
            "Mix of label input types (string and number): y_true holds "
            f"{' and '.join(sorted(true_kinds))} labels and y_pred "
            f"{' and '.join(sorted(pred_kinds))} labels. Encode both the same "
            "way (and give the reject label of the same kind as the classes, "
            "e.g. reject_label=clf.reject_label_)."
        )


#: Targets of several outputs: scikit-learn's classifiers that do not support
#: them refuse them (``VotingClassifier``: "only supports binary or multiclass
#: classification"), and so does every selective classifier.
_MULTI_OUTPUT_TARGETS = (
    "multilabel-indicator",
    "multilabel-sequences",
    "multiclass-multioutput",
)


def check_fit_target(y, estimator_name=None):
    """Refuse targets that are not class labels, before any model sees them.

    Continuous targets are refused by scikit-learn's
    ``check_classification_targets`` ("Unknown label type"); targets of
    several outputs (multilabel indicators, multiclass-multioutput) are
    refused as scikit-learn's ``VotingClassifier`` refuses them. A column
    vector ``(n_samples, 1)`` is one output and passes: the caller ravels it
    with ``column_or_1d(y, warn=True)``, as scikit-learn's classifiers do.

    Parameters
    ----------
    y : array-like
        The target passed to ``fit``.

    estimator_name : str, default=None
        The class name of the estimator, for the error message.
    """
    refuse_dask(estimator_name, y)
    y_array = np.asarray(y)
    if y_array.dtype.kind == "f":
        assert_all_finite(y_array, input_name="y")
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y")
    if y_type in _MULTI_OUTPUT_TARGETS:
        name = estimator_name or "A selective classifier"
        raise ValueError(
            f"{name} only supports binary or multiclass classification. "
            "Multilabel and multi-output classification are not supported. "
            f"Unknown label type: {y_type} (y has shape {np.shape(y)}). Pass "
            "a 1d array of class labels; for several outputs, wrap one "
            "selective classifier per output, e.g. "
            "sklearn.multioutput.MultiOutputClassifier(SelectiveClassifier(...))."
        )


def check_labels_1d(y, input_name):
    """Return ``y`` as a 1d ndarray of labels (any dtype)."""
    y = column_or_1d(y, input_name=input_name)
    return np.asarray(y)


def check_not_empty(n_samples):
    """Refuse empty inputs."""
    if n_samples == 0:
        raise ValueError("Found empty input: at least one sample is required.")


def equals_label(y, label):
    """Boolean mask ``y == label`` that never fails on mixed dtypes.

    A float NaN label matches NaN entries.
    """
    kind = y.dtype.kind
    if isinstance(label, float | np.floating) and math.isnan(label):
        if kind == "f":
            return np.isnan(y)
        if kind == "O":
            return np.fromiter(
                (isinstance(v, float | np.floating) and v != v for v in y),
                dtype=bool,
                count=y.shape[0],
            )
        return np.zeros(y.shape[0], dtype=bool)
    if kind in "US":
        if not isinstance(label, str):
            return np.zeros(y.shape[0], dtype=bool)
    elif kind != "O" and (label is None or isinstance(label, str)):
        # A numeric array never contains a string (or None) label.
        return np.zeros(y.shape[0], dtype=bool)
    return np.asarray(y == label, dtype=bool)


def prediction_errors(y_true, y_pred, *, rejected=None):
    """Boolean mask of misclassified samples (``y_true != y_pred``).

    With a ``rejected`` mask, only the accepted predictions are checked
    against the kind of ``y_true`` and rejected ones are never errors.
    """
    if rejected is None:
        check_label_kinds(y_true, y_pred)
    else:
        accepted = ~rejected
        check_label_kinds(y_true, y_pred[accepted])
        errors = np.zeros(y_pred.shape[0], dtype=bool)
        if accepted.any():
            errors[accepted] = np.not_equal(y_true[accepted], y_pred[accepted])
        return errors
    return np.asarray(np.not_equal(y_true, y_pred), dtype=bool)


def check_reject_label_not_in_y_true(y_true, reject_label):
    """Refuse a reject label that is one of the true classes."""
    if equals_label(y_true, reject_label).any():
        raise ValueError(
            f"reject_label={reject_label!r} is present in y_true. The reject "
            "label marks abstentions in y_pred and must not be one of the "
            "true classes; choose a reject_label that is not a class label."
        )


def resolve_reject_label(reject_label, classes):
    """Validate ``reject_label`` against the classes, or pick one for "auto".

    Parameters
    ----------
    reject_label : "auto", int, float or str
        The label asked for.

    classes : ndarray of shape (n_classes,)
        The class labels of the fitted estimator.

    Returns
    -------
    reject_label : int, float or str
        A label of the same kind as the classes that is not a class: a plain
        Python ``int``, ``float`` or ``str``, so that it never wraps around in
        the classes' dtype (see :func:`prediction_dtype`).
    """
    classes = np.asarray(classes)
    class_list = classes.tolist()
    all_strings = all(is_string_label(c) for c in class_list)
    all_numbers = all(is_number_label(c) for c in class_list)
    if isinstance(reject_label, str) and reject_label == "auto":
        if all_strings:
            label = DEFAULT_STRING_REJECT_LABEL
            while label in set(class_list):
                label = "_" + label
            return label
        if all_numbers:
            if classes.dtype.kind == "f" or any(
                isinstance(c, float) for c in class_list
            ):
                label = -1.0
                if any(c == label for c in class_list):
                    label = float(np.min(classes)) - 1.0
                    if label in class_list:  # -1 is lost in float rounding
                        label = float(np.nextafter(np.min(classes), -np.inf))
                return label
            label = -1
            if any(c == label for c in class_list):
                # Python ints: min - 1 never wraps around (int8 -128 - 1).
                label = int(min(int(c) for c in class_list)) - 1
            return label
        raise ValueError(
            "reject_label='auto' cannot choose a label for classes that mix "
            f"strings and numbers ({class_list!r}); pass reject_label "
            "explicitly."
        )

    if isinstance(reject_label, float) and np.isnan(reject_label):
        raise ValueError(
            "reject_label=nan cannot be used: NaN never compares equal to itself, "
            "so rejections could not be counted. Use a number such as -1."
        )
    if isinstance(reject_label, bool | np.bool_):
        raise ValueError(
            f"reject_label={reject_label!r} is a boolean; True and False equal "
            "the classes 1 and 0. Use a number such as -1 or a string."
        )
    if is_string_label(reject_label) and all_numbers:
        raise ValueError(
            f"reject_label={reject_label!r} is a string but the classes are numbers "
            f"{class_list!r}; scikit-learn's metrics cannot mix the two. Use a "
            "number such as -1, or encode y as strings."
        )
    if is_number_label(reject_label) and all_strings:
        raise ValueError(
            f"reject_label={reject_label!r} is a number but the classes are strings "
            f"{class_list!r}; scikit-learn's metrics cannot mix the two. Use a "
            f"string such as {DEFAULT_STRING_REJECT_LABEL!r}."
        )
    if any(c == reject_label for c in class_list):
        raise ValueError(
            f"reject_label={reject_label!r} is one of the classes "
            f"{class_list!r}; rejected samples could not be told apart from "
            "that class. Choose a label that is not a class, or use 'auto'."
        )
    if isinstance(reject_label, np.generic):
        return reject_label.item()
    return reject_label


def prediction_dtype(classes, reject_label):
    """Dtype that holds every class and the reject label without change.

    Integer classes keep an integer dtype wide enough for the reject label
    (int8 classes with the label -129 give int16); where no integer dtype
    holds both (uint64 classes above ``2**63`` with a negative label), and
    for boolean classes (``-1`` is not a boolean), it is ``object``, never a
    float that would merge large integer classes.
    """
    classes = np.asarray(classes)
    kind = classes.dtype.kind
    if kind in "Ob":
        return np.dtype(object)
    if kind in "iu" and isinstance(reject_label, Integral):
        label = int(reject_label)
        low = min(label, int(classes.min())) if classes.size else label
        high = max(label, int(classes.max())) if classes.size else label
        for dtype in (classes.dtype, np.int8, np.int16, np.int32, np.int64):
            info = np.iinfo(dtype)
            if (
                info.min <= low
                and high <= info.max
                and (np.dtype(dtype).itemsize >= classes.dtype.itemsize)
            ):
                return np.dtype(dtype)
        if low >= 0 and high <= np.iinfo(np.uint64).max:
            return np.dtype(np.uint64)
        return np.dtype(object)
    if kind in "iu":  # a float or string label with integer classes
        return np.dtype(object) if classes.dtype.itemsize >= 8 else np.dtype(float)
    return np.result_type(classes.dtype, np.asarray(reject_label).dtype)


# ---------------------------------------------------------------------------
# Numbers and weights
# ---------------------------------------------------------------------------


def check_not_bool(value, name):
    """Refuse a boolean where a number is meant (``True`` is not ``1.0``)."""
    if isinstance(value, bool | np.bool_):
        raise ValueError(
            f"{name}={value!r} is a boolean; pass a number (True would silently "
            "mean 1)."
        )


def check_sample_weight_1d(sample_weight, n_samples):
    """Validate ``sample_weight``; return a float64 array or None.

    Weights must be finite, non-negative and have a positive sum.
    """
    if sample_weight is None:
        return None
    sample_weight = column_or_1d(
        sample_weight, dtype=np.float64, input_name="sample_weight"
    )
    if sample_weight.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has {sample_weight.shape[0]} elements but the "
            f"inputs have {n_samples} samples."
        )
    if not np.isfinite(sample_weight).all():
        raise ValueError("sample_weight must be finite (no NaN or inf).")
    if (sample_weight < 0).any():
        raise ValueError("sample_weight must be non-negative.")
    if not sample_weight.max() > 0:
        raise ValueError("sample_weight must have a strictly positive sum.")
    return sample_weight


def scaled_weights(sample_weight):
    """Weights divided by the largest, so that their sums stay finite."""
    if sample_weight is None:
        return None
    return sample_weight / sample_weight.max()


# ---------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------


def class_thresholds(threshold, classes, *, probability_scaled):
    """Check a scalar, per-class or mapping threshold; return one per class.

    Parameters
    ----------
    threshold : float, array-like of shape (n_classes,), mapping or None
        The threshold as given by the user. A mapping goes from class label to
        threshold and must name every class exactly once.

    classes : ndarray of shape (n_classes,)
        The classes, in the order of ``classes_``.

    probability_scaled : bool
        Whether the confidence lies in [0, 1] (built-in confidences computed
        from probabilities), so that a threshold outside it is a mistake.

    Returns
    -------
    threshold : ndarray of shape (n_classes,) or None
        One float threshold per class, in the order of ``classes``; None
        means that nothing is rejected.
    """
    if threshold is None:
        return None
    n_classes = len(classes)
    class_list = np.asarray(classes).tolist()
    if isinstance(threshold, Mapping):
        values = []
        for c in class_list:
            matches = [key for key in threshold if key == c]
            if not matches:
                raise ValueError(
                    f"threshold has no entry for class {c!r}: a mapping must give "
                    f"a threshold for every class {class_list!r} (use -inf to "
                    "never reject a class)."
                )
            values.append(threshold[matches[0]])
        unknown = [key for key in threshold if not any(key == c for c in class_list)]
        if unknown:
            raise ValueError(
                f"threshold names {unknown!r}, which are not classes; the classes "
                f"are {class_list!r}."
            )
        threshold = values
    if isinstance(threshold, str | bytes) or (
        np.ndim(threshold) == 0 and not isinstance(threshold, Real | np.number)
    ):
        raise ValueError(
            f"threshold={threshold!r} is not a number: pass a float, one float "
            "per class (array-like or mapping from class to float), or None."
        )
    values = np.asarray(threshold)
    if values.dtype.kind == "b" or any(
        isinstance(v, bool | np.bool_) for v in np.ravel(np.asarray(threshold, object))
    ):
        raise ValueError(
            f"threshold={threshold!r} holds booleans; pass numbers (True would "
            "silently mean 1)."
        )
    if values.dtype.kind not in "iuf":
        raise ValueError(
            f"threshold={threshold!r} is not numeric: pass a float, one float per "
            "class (array-like or mapping from class to float), or None."
        )
    threshold_array = values.astype(np.float64)
    if threshold_array.ndim > 1 or (
        threshold_array.ndim == 1 and threshold_array.shape[0] != n_classes
    ):
        raise ValueError(
            "threshold must be a number, an array-like with one threshold per "
            f"class ({n_classes} values, in the order of classes_) or a mapping "
            f"from class to threshold; got shape {threshold_array.shape}."
        )
    if np.isnan(threshold_array).any():
        raise ValueError(
            "threshold must not be NaN; use threshold=None to never reject."
        )
    finite = threshold_array[np.isfinite(threshold_array)]
    if probability_scaled and ((finite < 0).any() or (finite > 1).any()):
        raise ValueError(
            f"threshold={threshold!r} is outside [0, 1], but the confidence "
            "computed from predict_proba lies in [0, 1]: such a threshold would "
            "accept or reject everything (say so with -inf or inf)."
        )
    return np.array(np.broadcast_to(threshold_array, (n_classes,)))


# ---------------------------------------------------------------------------
# Missing values in X
# ---------------------------------------------------------------------------


def rows_with_nan(X):
    """Return the rows of ``X`` holding a NaN (or a missing value of a frame).

    Dense arrays of any float dtype, sparse matrices (their stored values)
    and data frames (``isna``) are inspected; other inputs (strings, objects
    without ``isna``) are left to the estimators and report no row.
    """
    if hasattr(X, "isna"):
        return np.flatnonzero(np.asarray(X.isna()).reshape(X.shape[0], -1).any(axis=1))
    if hasattr(X, "tocsr"):  # scipy sparse
        X = X.tocsr()
        if X.dtype.kind not in "fc":
            return np.zeros(0, dtype=np.intp)
        stored_rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        return np.unique(stored_rows[np.isnan(X.data)])
    array = np.asarray(X)
    if array.dtype.kind not in "fc" or array.ndim == 0:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.isnan(array).reshape(array.shape[0], -1).any(axis=1))


def is_dask_collection(obj):
    """Whether ``obj`` is a Dask collection, without importing Dask.

    Dask support is opt-in: when Dask was never imported, nothing can be a
    Dask collection.
    """
    dask = sys.modules.get("dask")
    return dask is not None and dask.is_dask_collection(obj)


def compute_if_dask(*arrays):
    """Return ``arrays`` with every Dask collection computed, in one pass.

    The metrics' lazy conversion of 1-D inputs (``y_true``, ``y_pred``,
    ``confidence``, weights): one ``dask.compute`` call, so collections that
    share their inputs (``y_pred`` and ``confidence`` from the same model)
    are computed together. Other inputs are returned unchanged.
    """
    lazy = [i for i, a in enumerate(arrays) if is_dask_collection(a)]
    if not lazy:
        return arrays if len(arrays) != 1 else arrays[0]
    import dask

    computed = dask.compute(*(arrays[i] for i in lazy))
    arrays = list(arrays)
    for i, value in zip(lazy, computed, strict=True):
        arrays[i] = np.asarray(value)
    return tuple(arrays) if len(arrays) != 1 else arrays[0]


def refuse_dask(estimator_name, *arrays):
    """Refuse Dask collections where fitting would gather them into memory."""
    if any(is_dask_collection(a) for a in arrays):
        name = estimator_name or "This estimator"
        raise TypeError(
            f"{name} does not fit on Dask collections: it would gather them into "
            "memory. Calibration out of core is done by "
            "SelectiveClassifierCV(FrozenEstimator(model), ...).fit(X, y) on "
            "Dask collections; otherwise compute X and y first."
        )
