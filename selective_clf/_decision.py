"""Deciding rows, once: response in; class, confidence and rejection out.

Every place that decides whether a sample is accepted (``predict``, the tuning
objectives, the risk–coverage display, the demo) goes through this module, as
scikit-learn's threshold classifiers and ``_CurveScorer`` share
``_threshold_scores_to_class_labels``. The rule:

* the response is ``predict_proba`` or ``decision_function`` of the fitted
  base, as a matrix with one column per class (a binary score ``s`` is the
  two columns ``(-s, s)``);
* the decided class is the base's own prediction: ``argmax`` of the response
  for bases whose ``predict`` is that ``argmax`` (checked by type, so that
  they are not asked twice) and whose response has no NaN row, ``predict``
  itself otherwise. Rows where the top response is tied (within a relative
  ``4 * eps``) with another column also take the base's ``predict``, on
  those rows only: a logistic regression whose decision value is ``1e-16``
  predicts class 1 while its probabilities round to ``[0.5, 0.5]``, whose
  argmax is class 0. So at a tie the label is the base's, with or without a
  threshold;
* the confidence is computed from the response (:mod:`._confidence`);
* a sample is accepted iff ``confidence >= threshold[decided class]``, so a
  NaN confidence is always rejected; ``threshold=None`` never rejects and
  reproduces the base's ``predict`` exactly;
* with a fitted novelty detector, a sample it marks as an outlier
  (``predict == -1``) is rejected whatever its confidence; the reason of
  each rejection (:data:`REJECTION_REASONS`) is read from the same pass.

The comparison itself and the NaN policy (a NaN confidence is never
accepted, yet counts among the samples) live one floor down, in
:mod:`._rule`, so that the counting code applies the very same rule. This
module also owns the one walker through wrappers (:func:`unwrap`:
FrozenEstimator, fitted search, Pipeline). Other modules ask
a fitted selective classifier, or a wrapper of one, for its decisions with
:func:`decide_fitted` and for its thresholds with :func:`fitted_thresholds`;
none calls an estimator's private methods.
"""

import functools

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import Bunch, _safe_indexing

from ._confidence import confidence_from_response
from ._rule import rejected_mask

#: Why a sample was (not) rejected, as returned by ``rejection_reason``: a
#: sample both novel and unconfident is a ``"novelty"``.
REJECTION_REASONS = ("accepted", "low_confidence", "novelty")


def response_matrix(estimator, X, response_method, *, n_classes=None):
    """Return the response of ``estimator`` on ``X`` as a 2D array.

    Parameters
    ----------
    estimator : fitted classifier
        The classifier whose response is computed.

    X : {array-like, sparse matrix, dataframe}
        Input samples, passed unchanged to ``estimator``.

    response_method : {"predict_proba", "decision_function"}
        The method of ``estimator`` to call.

    n_classes : int, default=None
        If given, the number of columns decision scores must have (one per
        class: one-vs-one scores are refused).

    Returns
    -------
    response : ndarray of shape (n_samples, n_classes)
        Probabilities, or decision scores with a binary score ``s`` written
        as the columns ``(-s, s)``.
    """
    response = np.asarray(getattr(estimator, response_method)(X))
    if response.ndim == 1:
        response = np.column_stack([-response, response])
    if (
        n_classes is not None
        and response_method == "decision_function"
        and (response.ndim != 2 or response.shape[1] != n_classes)
    ):
        raise ValueError(
            f"{type(estimator).__name__}.{response_method} returned an array of "
            f"shape {response.shape}, not one column per class ({n_classes}). "
            "One-vs-one decision scores (SVC(decision_function_shape='ovo')) "
            "cannot be read as class scores: use decision_function_shape='ovr' "
            "or probability=True."
        )
    return response


def check_class_scores(estimator, response_method, n_classes):
    """Refuse decision scores that are not one score per class.

    ``SVC(decision_function_shape="ovo")`` returns one column per pair of
    classes; with three classes that is three columns, indistinguishable by
    shape from class scores, so it is refused by its parameter.
    """
    if response_method != "decision_function" or n_classes <= 2:
        return
    final = final_estimator(estimator)
    if getattr(final, "decision_function_shape", None) == "ovo":
        raise ValueError(
            f"{type(final).__name__}(decision_function_shape='ovo') returns one "
            "decision score per pair of classes, not per class, so no class "
            "confidence can be read from it. Use decision_function_shape='ovr', "
            "or probability=True to threshold probabilities."
        )


def check_two_classes_scored(estimator, response_method, classes):
    """Refuse decision scores fitted on a single class, as scikit-learn does.

    A classifier that fits one class (``RidgeClassifier``) still returns one
    decision score per sample, which reads as a binary score of two classes
    it does not have: no confidence in the one class can be read from it.
    Probabilities (one column, all 1) are left alone: the class is predicted.
    """
    if response_method != "decision_function" or len(classes) >= 2:
        return
    raise ValueError(
        "The number of classes has to be greater than one; got "
        f"{len(classes)} class ({np.asarray(classes).tolist()!r}) in y. "
        f"{type(final_estimator(estimator)).__name__}.decision_function scores "
        "two classes, so no confidence can be read from it with a single "
        "class: fit on data with at least two classes."
    )


# Up to this many classes, the top class is found with vectorised passes over
# the columns, faster than ``argmax(axis=1)`` on the short rows of a
# probability matrix; above it ``argmax`` is used. Columns of a C-ordered
# matrix are strided, so the column-wise pass pays off for fewer classes
# there (measured at 1M rows: benchmarks/compare).
_COLUMNWISE_MAX_CLASSES = {"F": 16, "C": 4}


def _columnwise(response):
    """Whether the top of each row is found by passes over the columns."""
    order = "F" if response.flags.f_contiguous else "C"
    return response.shape[1] <= _COLUMNWISE_MAX_CLASSES[order]


# Rows per block of the column-wise passes of the reject rule (measured at
# 1M rows, 3 classes: 16384 beats 4096 and 65536, C and F order).
_BLOCK_ROWS = 16384


def _columnwise_max(response, out=None):
    """Maximum of each row, column by column, into ``out`` (or a new array).

    NaN propagates as with ``np.max``. Pairwise ``np.maximum`` into one
    output, rather than ``np.maximum.reduce`` of the list of columns, which
    first stacks the columns into a copy of the whole matrix.
    """
    n_classes = response.shape[1]
    if n_classes == 1:
        if out is None:
            return response[:, 0].copy()
        out[...] = response[:, 0]
        return out
    value = np.maximum(response[:, 0], response[:, 1], out=out)
    for k in range(2, n_classes):
        np.maximum(value, response[:, k], out=value)
    return value


def top_class(response):
    """Index and value of the top response of each row, in one pass.

    Ties go to the first column and a row holding NaN gets its first NaN
    column and a NaN value, exactly as with ``np.argmax`` and ``np.max``.

    Parameters
    ----------
    response : ndarray of shape (n_samples, n_classes)
        Output of :func:`response_matrix`.

    Returns
    -------
    index : ndarray of shape (n_samples,)
        Column of the top response.

    value : ndarray of shape (n_samples,)
        The top response.
    """
    n_classes = response.shape[1]
    if not _columnwise(response):
        index = response.argmax(axis=1)
        value = np.take_along_axis(response, index[:, None], axis=1)[:, 0]
        return index, value
    value = _columnwise_max(response)
    # the first column holding the maximum, as np.argmax: write from the last.
    index = np.full(response.shape[0], n_classes - 1, dtype=np.intp)
    for k in range(n_classes - 2, -1, -1):
        np.copyto(index, k, where=response[:, k] == value)
    if response.dtype.kind == "f":
        nan_rows = np.flatnonzero(np.isnan(value))
        if nan_rows.shape[0]:  # np.maximum propagates NaN; argmax finds it
            index[nan_rows] = response[nan_rows].argmax(axis=1)
    return index, value


def near_tie_rows(response, top):
    """Rows whose top response is nearly tied with another column's.

    There ``argmax`` (the first tied column) may not be the base's decision:
    probabilities computed from decision scores round distinct scores to
    equal values (``softmax([-1e-16, 1e-16])`` is ``[0.5, 0.5]``). "Nearly"
    is within a relative ``4 * eps`` of the top value (4 to 8 ulps), which
    also covers an exponential rounded one way for one class and the other
    way for the next. Infinite top values tie only exactly; NaN rows are not
    reported (the caller asks the base for them).

    Parameters
    ----------
    response : ndarray of shape (n_samples, n_classes)
        Output of :func:`response_matrix`.

    top : ndarray of shape (n_samples,)
        The top response of each row (:func:`top_class`).

    Returns
    -------
    rows : ndarray of int
        Indices of the rows with a near tie.
    """
    lower = _near_tie_lower(top)
    with np.errstate(invalid="ignore"):
        if not _columnwise(response):
            count = np.count_nonzero(response >= lower[:, None], axis=1)
        else:
            count = np.zeros(response.shape[0], dtype=np.uint8)
            for k in range(response.shape[1]):
                count += response[:, k] >= lower
    return np.flatnonzero(count > 1)


def _near_tie_lower(top):
    """Return the value at or above which a response nearly ties ``top``."""
    top = np.asarray(top, dtype=np.float64)
    slack = 4.0 * np.finfo(np.float64).eps
    with np.errstate(invalid="ignore", over="ignore"):
        lower = top * (1.0 - slack)
        negative = top < 0
        if negative.any():
            lower[negative] = top[negative] * (1.0 + slack)
    return lower


def _top_and_near_ties(response):
    """``top_class`` and ``near_tie_rows`` together, in fewer passes.

    Exact on rows with no near tie (the one column at or above the near-tie
    bound is the argmax); on tied rows the index is the first tied column,
    which the caller replaces by the base's decision. For rows without NaN.

    Returns
    -------
    index, top, tied : ndarray
        Column of the top response, the top response, the tied rows.
    """
    if not _columnwise(response):
        index, top = top_class(response)
        return index, top, near_tie_rows(response, top)
    n_samples, n_classes = response.shape
    top = np.empty(n_samples, dtype=response.dtype)
    # bit k of a row's mask: column k is at or above the near-tie bound
    mask = np.zeros(n_samples, dtype=np.uint8 if n_classes <= 8 else np.uint16)
    # Blocks of rows small enough that the passes over their columns read
    # from cache, not memory (a third faster at 1M rows, C-ordered).
    for start in range(0, n_samples, _BLOCK_ROWS):
        block = response[start : start + _BLOCK_ROWS]
        rows = slice(start, start + block.shape[0])
        _columnwise_max(block, out=top[rows])
        lower = _near_tie_lower(top[rows])
        block_mask = mask[rows]
        with np.errstate(invalid="ignore"):
            for k in range(n_classes):
                at_top = (block[:, k] >= lower).view(np.uint8)
                if k:
                    at_top = np.left_shift(at_top, k, dtype=mask.dtype)
                block_mask |= at_top
    first_bit, several_bits = _bit_tables(n_classes)
    return first_bit.take(mask), top, np.flatnonzero(several_bits.take(mask))


@functools.lru_cache
def _bit_tables(n_bits):
    """Lowest set bit of each mask of ``n_bits`` bits, and whether it has two."""
    masks = np.arange(1 << n_bits)
    first_bit = np.zeros(masks.shape[0], dtype=np.intp)
    for k in range(n_bits - 1, -1, -1):
        first_bit[(masks >> k) & 1 == 1] = k
    several_bits = (masks & (masks - 1)) != 0
    first_bit.flags.writeable = several_bits.flags.writeable = False
    return first_bit, several_bits


def _predict_rows(estimator, X, rows):
    """Return the base's ``predict`` on the given rows of ``X``."""
    try:
        X_rows = _safe_indexing(X, rows)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        # An input type that cannot be indexed by rows: predict on all of it.
        return np.asarray(estimator.predict(X))[rows]
    return estimator.predict(X_rows)


# Deeper nesting than this is taken as a cycle, not a model.
_MAX_NESTING = 20


def resolve_response_method(response_method, estimator):
    """Return the response method to use with the fitted ``estimator``.

    ``"auto"`` is ``predict_proba`` when the estimator has it, else
    ``decision_function``; a model with neither gets an error that says how
    to give it one.
    """
    if response_method == "auto":
        for method in ("predict_proba", "decision_function"):
            if hasattr(estimator, method):
                return method
        raise ValueError(
            f"{type(estimator).__name__} has neither predict_proba nor "
            "decision_function, so it gives no confidence to threshold. Use a "
            "probabilistic classifier, or wrap it in "
            "sklearn.calibration.CalibratedClassifierCV."
        )
    if not hasattr(estimator, response_method):
        raise ValueError(
            f"response_method={response_method!r} but "
            f"{type(estimator).__name__} has no {response_method} method."
        )
    return response_method


def fit_novelty_detector(detector, X):
    """Return a fitted clone of ``detector`` (fitted on ``X``), or None.

    A :class:`~sklearn.frozen.FrozenEstimator` is a detector fitted
    elsewhere: it is used as is (its ``fit`` only checks that it is fitted).
    """
    if detector is None:
        return None
    detector = clone(detector)
    if is_frozen(detector):
        return detector.fit(X, None)
    return detector.fit(X)


def is_frozen(estimator):
    """Whether ``estimator`` is a FrozenEstimator (fitted elsewhere, used as is)."""
    return isinstance(estimator, FrozenEstimator)


def unwrap(estimator, X=None, *, through=("frozen", "search", "pipeline")):
    """Find the estimator that decides inside its wrappers, the one walker.

    Looks through, recursively and in this order, a
    :class:`~sklearn.frozen.FrozenEstimator` (its ``estimator``), a fitted
    search (its ``best_estimator_``) and a Pipeline (its last step; the
    steps before it transform ``X`` when ``X`` is given). An estimator that
    is none of these, a selective classifier included, is the final one.

    Parameters
    ----------
    estimator : estimator
        A classifier, selective or not, possibly wrapped.

    X : {array-like, sparse matrix, dataframe}, default=None
        If given, transformed on the way by the first steps of each Pipeline.

    through : tuple of str, default=("frozen", "search", "pipeline")
        The kinds of wrapper to look through; the walk stops at any other.

    Returns
    -------
    unwrapped : Bunch
        ``final`` (the estimator found), ``X`` (``X`` as ``final`` sees it,
        None when ``X`` is None) and ``path`` (the wrappers passed through,
        outermost first, as ``(kind, wrapper)`` pairs with ``kind`` one of
        ``"frozen"``, ``"search"``, ``"pipeline"``).
    """
    path = []
    for _ in range(_MAX_NESTING):
        if "frozen" in through and isinstance(estimator, FrozenEstimator):
            path.append(("frozen", estimator))
            estimator = estimator.estimator
        elif "search" in through and hasattr(estimator, "best_estimator_"):
            path.append(("search", estimator))
            estimator = estimator.best_estimator_
        elif "pipeline" in through and hasattr(estimator, "steps"):
            path.append(("pipeline", estimator))
            if X is not None and len(estimator.steps) > 1:
                X = estimator[:-1].transform(X)
            estimator = estimator.steps[-1][1]
        else:
            break
    return Bunch(final=estimator, X=X, path=path)


def final_estimator(estimator):
    """Return the estimator that decides: ``unwrap(estimator).final``."""
    return unwrap(estimator).final


def _argmax_predictors():
    """Classifier types whose ``predict`` is the argmax of their response."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.discriminant_analysis import (
        LinearDiscriminantAnalysis,
        QuadraticDiscriminantAnalysis,
    )
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import (
        LogisticRegression,
        LogisticRegressionCV,
        RidgeClassifier,
        RidgeClassifierCV,
    )
    from sklearn.svm import LinearSVC
    from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

    from ._keras import KerasProbaClassifier

    return (
        CalibratedClassifierCV,
        DecisionTreeClassifier,
        ExtraTreeClassifier,
        ExtraTreesClassifier,
        HistGradientBoostingClassifier,
        KerasProbaClassifier,
        LinearDiscriminantAnalysis,
        LinearSVC,
        LogisticRegression,
        LogisticRegressionCV,
        QuadraticDiscriminantAnalysis,
        RandomForestClassifier,
        RidgeClassifier,
        RidgeClassifierCV,
    )


# Third-party classifiers known to predict the argmax of predict_proba, by
# module and class name (importing them here would make them dependencies).
# Asking them for predict as well would cost a second forward pass, and for
# skorch it also draws from torch's global random generator (each DataLoader
# takes a seed), which would change the next fold's initialisation.
_THIRD_PARTY_ARGMAX_PREDICTORS = {("skorch", "NeuralNetClassifier")}


def predict_is_argmax(estimator):
    """Whether ``estimator.predict`` is ``classes_[argmax(response)]``.

    True only for types known to predict that way (exactly the type, not a
    subclass, which may override ``predict``). For any other base the decided
    class comes from its own ``predict``: a moved decision threshold, a vote,
    a ``NearestCentroid`` or a semi-supervised model then keep their answer.
    """
    final = final_estimator(estimator)
    if type(final).__name__ == "SVC":  # Platt probabilities vs one-vs-one votes
        return False
    kind = (type(final).__module__.split(".")[0], type(final).__name__)
    return kind in _THIRD_PARTY_ARGMAX_PREDICTORS or type(final) in _argmax_predictors()


def _encode(labels, classes):
    """Index of each label in ``classes``; error on a label that is not a class."""
    labels = np.asarray(labels)
    if classes.dtype.kind in "biuf" and labels.dtype.kind in "biuf":
        order = np.argsort(classes, kind="stable")
        position = np.searchsorted(classes[order], labels)
        position = np.clip(position, 0, classes.shape[0] - 1)
        index = order[position]
        found = classes[index] == labels
    else:
        lookup = {c: i for i, c in enumerate(classes.tolist())}
        index = np.fromiter((lookup.get(v, -1) for v in labels.tolist()), dtype=np.intp)
        found = index >= 0
    if not found.all():
        unknown = labels[~found][0]
        raise ValueError(
            f"The estimator's predict returned {unknown!r}, which is not one of "
            f"its classes_ {classes.tolist()!r}."
        )
    return index


def novelty_mask(detector, X):
    """Where the fitted outlier ``detector`` marks samples as novel.

    Parameters
    ----------
    detector : fitted outlier detector
        Its ``predict`` returns 1 for inliers and -1 for outliers.

    X : {array-like, sparse matrix, dataframe}
        Samples, passed unchanged to ``detector``.

    Returns
    -------
    novel : ndarray of bool of shape (n_samples,)
    """
    labels = np.asarray(detector.predict(X))
    novel = labels == -1
    if not (novel | (labels == 1)).all():
        raise ValueError(
            f"novelty_detector {type(detector).__name__}.predict returned "
            f"{np.unique(labels)[:5].tolist()!r}; an outlier detector returns 1 "
            "for inliers and -1 for outliers, as scikit-learn's IsolationForest, "
            "OneClassSVM, EllipticEnvelope and LocalOutlierFactor(novelty=True) do."
        )
    return novel


def decide(
    estimator,
    X,
    *,
    response_method,
    confidence,
    thresholds=None,
    classes=None,
    argmax_predicts=None,
    novelty_detector=None,
):
    """Apply the reject rule to the fitted ``estimator`` on ``X``.

    Parameters
    ----------
    estimator : fitted classifier
        The base classifier.

    X : {array-like, sparse matrix, dataframe}
        Samples, passed unchanged to ``estimator``.

    response_method : {"predict_proba", "decision_function"}
        Which method gives the response.

    confidence : str or callable
        The confidence score (see :func:`._confidence.confidence_from_response`).

    thresholds : ndarray of shape (n_classes,) or None, default=None
        One threshold per class, or None to never reject.

    classes : ndarray of shape (n_classes,), default=None
        ``estimator.classes_`` if None.

    argmax_predicts : bool, default=None
        Whether the base's ``predict`` is the argmax of the response;
        :func:`predict_is_argmax` if None.

    novelty_detector : fitted outlier detector, default=None
        If given, the samples it marks as outliers are rejected too.

    Returns
    -------
    decision : Bunch
        ``class_index`` (the decided class of each sample, as an index into
        ``classes``), ``confidence``, ``rejected`` (bool mask, novel samples
        included) and ``novel`` (bool mask of the samples the detector
        rejects; all False without one).
    """
    classes = np.asarray(estimator.classes_ if classes is None else classes)
    response = response_matrix(
        estimator, X, response_method, n_classes=classes.shape[0]
    )
    if argmax_predicts is None:
        argmax_predicts = predict_is_argmax(estimator)
    if argmax_predicts:
        index, top, tied = _top_and_near_ties(response)
    elif _columnwise(response):  # the index comes from the base's predict
        top = _columnwise_max(response)
    else:
        top = top_class(response)[1]
    scores = confidence_from_response(
        response, confidence, response_method=response_method, top=top
    )
    # The argmax of a NaN response row is not the base's decision (a
    # LogisticRegression whose probabilities overflow to NaN still predicts
    # from its decision scores): ask the base itself when any row is NaN.
    if not argmax_predicts or (top.dtype.kind == "f" and np.isnan(top).any()):
        index = _encode(estimator.predict(X), classes)
    elif tied.shape[0]:
        # At a (near) tie the argmax is the first tied column, which may not
        # be the base's decision: ask the base, on those rows only.
        index[tied] = _encode(_predict_rows(estimator, X, tied), classes)
    rejected = rejected_mask(scores, thresholds, index)
    if novelty_detector is None:
        novel = np.zeros(rejected.shape[0], dtype=bool)
    else:
        novel = novelty_mask(novelty_detector, X)
        rejected |= novel
    return Bunch(class_index=index, confidence=scores, rejected=rejected, novel=novel)


def is_selective(estimator):
    """Whether ``estimator`` is a fitted selective classifier (has a reject rule).

    That is a classifier with a fitted base (``estimator_``) that says its
    thresholds (``_decision_threshold``), as ``SelectiveClassifier`` and
    ``SelectiveClassifierCV`` do.
    """
    return hasattr(estimator, "_decision_threshold") and hasattr(
        estimator, "estimator_"
    )


def _selective_final(estimator):
    """Return the fitted selective classifier ``estimator`` wraps, or raise."""
    final = final_estimator(estimator)
    if not is_selective(final):
        raise TypeError(
            f"{type(estimator).__name__} is not a fitted selective classifier, "
            "nor a Pipeline, FrozenEstimator or fitted search ending in one."
        )
    return final


def fitted_thresholds(estimator):
    """Threshold of each class of a fitted selective classifier, or None.

    Parameters
    ----------
    estimator : fitted selective classifier, or a wrapper of one
        Looked through as :func:`unwrap` does.

    Returns
    -------
    thresholds : ndarray of shape (n_classes,) or None
        None when the classifier never rejects on confidence.
    """
    return _selective_final(estimator)._decision_threshold()


#: ``thresholds`` of :func:`decide_fitted` meaning the classifier's own.
FITTED = "fitted"


def decide_fitted(estimator, X, *, thresholds=FITTED, novelty=True):
    """Apply the reject rule of a fitted selective classifier on ``X``.

    Parameters
    ----------
    estimator : fitted selective classifier, or a wrapper of one
        A Pipeline, FrozenEstimator or fitted search ending in one is looked
        through (:func:`unwrap`), ``X`` transformed on the way.

    X : {array-like, sparse matrix, dataframe}
        Samples.

    thresholds : "fitted", ndarray of shape (n_classes,) or None, default="fitted"
        ``"fitted"`` for the classifier's own thresholds
        (:func:`fitted_thresholds`), or one threshold per class, or None to
        reject on novelty only.

    novelty : bool, default=True
        Whether the fitted novelty detector, if any, rejects too; False
        skips it (for callers that only need confidences).

    Returns
    -------
    decision : Bunch
        The fields of :func:`decide` (``class_index``, ``confidence``,
        ``rejected``, ``novel``) plus ``classes`` (of the selective
        classifier), ``thresholds`` (those applied) and ``estimator`` (the
        selective classifier found).
    """
    unwrapped = unwrap(estimator, X)
    clf = unwrapped.final
    if not is_selective(clf):
        _selective_final(clf)  # raises
    if isinstance(thresholds, str) and thresholds == FITTED:
        thresholds = clf._decision_threshold()
    classes = np.asarray(clf.classes_)
    decision = decide(
        clf.estimator_,
        unwrapped.X,
        response_method=clf.response_method_,
        confidence=clf.confidence,
        thresholds=thresholds,
        classes=classes,
        argmax_predicts=predict_is_argmax(clf.estimator_),
        novelty_detector=(getattr(clf, "novelty_detector_", None) if novelty else None),
    )
    decision.update(classes=classes, thresholds=thresholds, estimator=clf)
    return decision


def rejection_reasons(decision):
    """Reason of each decision: one of :data:`REJECTION_REASONS`.

    Parameters
    ----------
    decision : Bunch
        Output of :func:`decide`.

    Returns
    -------
    reason : ndarray of str of shape (n_samples,)
        ``"novelty"`` where the novelty detector rejects (whatever the
        confidence), ``"low_confidence"`` where only the threshold rejects,
        ``"accepted"`` elsewhere.
    """
    width = max(map(len, REJECTION_REASONS))
    reason = np.full(decision.rejected.shape[0], "accepted", dtype=f"<U{width}")
    reason[decision.rejected] = "low_confidence"
    reason[decision.novel] = "novelty"
    return reason


def labels_with_rejection(classes, class_index, rejected, reject_label, dtype):
    """Class labels of the decided classes, the reject label where rejected."""
    y_pred = np.asarray(classes).take(class_index)
    if y_pred.dtype != dtype:
        y_pred = y_pred.astype(dtype)
    if rejected is not None and rejected.any():
        # as y_pred[rejected] = reject_label, without building the index
        np.copyto(y_pred, reject_label, casting="unsafe", where=rejected)
    return y_pred
