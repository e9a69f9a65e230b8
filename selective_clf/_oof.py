"""Out-of-fold decisions: from ``cv`` to splits, and one fit per split.

The one place where :class:`~selective_clf.SelectiveClassifierCV` and
:class:`~selective_clf.SelectiveCascadeCV` turn ``cv`` into a splitter (a
float is one stratified holdout split), decide the data protocol (``frozen``,
``keep`` or ``refit``) and warn when it does not support a risk guarantee,
fit one model (or every cascade stage) per split and collect its decisions
on the held-out rows.
"""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedShuffleSplit, check_cv
from sklearn.utils import Bunch

from ._compat import _check_method_params, _num_samples, _safe_indexing
from ._decision import (
    decide,
    decide_fitted,
    fit_novelty_detector,
    resolve_response_method,
)
from ._validation import prediction_errors, refuse_dask
from .exceptions import GuaranteeWarning, _warn


def is_holdout(cv):
    """Whether ``cv`` is a float holdout fraction."""
    return isinstance(cv, Real) and not isinstance(cv, bool) and 0 < cv < 1


def get_splitter(cv, y=None, *, random_state=None):
    """Return the splitter of ``cv``: one stratified holdout split for a float."""
    if is_holdout(cv):
        return StratifiedShuffleSplit(
            n_splits=1, test_size=cv, random_state=random_state
        )
    return check_cv(cv, y=y, classifier=True)


def split_groups(fit_params):
    """Without metadata routing: ``groups`` for the splitter, the rest for fit.

    As :class:`~sklearn.model_selection.GridSearchCV` does.
    """
    params = dict(fit_params)
    groups = params.pop("groups", None)
    return params, ({} if groups is None else {"groups": groups})


def make_splits(X, y, *, cv, refit, random_state, frozen, split_params, what):
    """Return ``(mode, splits)``: the data protocol and the (train, val) pairs.

    ``mode`` is ``"frozen"`` (every row calibrates a model fitted
    elsewhere: one split with no training part), ``"keep"`` (``refit=False``:
    the model of the single split predicts) or ``"refit"``. ``what`` names
    the fitted thing in errors ("model", "stages").
    """
    refuse_dask(None, X, y)
    if frozen:
        return "frozen", [(None, np.arange(_num_samples(X)))]
    if split_params.get("groups") is not None and is_holdout(cv):
        raise ValueError(
            f"groups were given, but cv={cv!r} is a holdout fraction whose "
            "stratified split ignores groups, so a group could be split "
            "between the training and the calibration rows. Pass a group-aware "
            f"splitter, e.g. cv=GroupShuffleSplit(n_splits=1, test_size={cv!r}"
            ", random_state=0) with refit=False."
        )
    splits = list(
        get_splitter(cv, y, random_state=random_state).split(X, y, **split_params)
    )
    if not refit and len(splits) > 1:
        raise ValueError(
            f"refit=False keeps the {what} of a single split, but cv gives "
            f"{len(splits)} splits. Use a float cv (a holdout fraction) or "
            "refit=True."
        )
    return ("refit" if refit else "keep"), splits


def warn_protocol(mode, n_splits, *, subject):
    """Warn that a ``refit`` protocol voids the risk guarantee, saying why.

    ``subject`` is ``"model"`` (one threshold or one per class) or
    ``"cascade"`` (the thresholds of its stages).
    """
    if mode in ("frozen", "keep"):
        return
    fitted = "model" if subject == "model" else "stages"
    if n_splits > 1:
        why = (
            f"the thresholds are certified on out-of-fold confidences of {n_splits} "
            f"fold models, not on the final {fitted} refitted on all data"
        )
    else:
        verb = "is" if subject == "model" else "are"
        why = f"the final {fitted} {verb} refitted on the calibration samples"
    remedy = (
        "a pre-trained model as FrozenEstimator(model)"
        if subject == "model"
        else "stages wrapping FrozenEstimator(model)"
    )
    _warn(
        f"The risk guarantee does not hold for the fitted {subject}: {why}. For a "
        f"guarantee, use a float cv (e.g. cv=0.3) with refit=False, or {remedy} "
        "with calibration data it never saw.",
        GuaranteeWarning,
    )


def fit_and_collect(
    estimator,
    X,
    y,
    *,
    train,
    val,
    fit_params,
    response_method,
    confidence,
    novelty_detector=None,
):
    """Fit on ``train`` (if any); return the model and its decisions on ``val``.

    An unfitted ``novelty_detector`` is fitted on ``X[train]`` (on ``X[val]``
    for a frozen model, which has no training part; a frozen detector is
    used as is), and the validation samples it marks as outliers are left
    out of the decisions: they are rejected whatever the threshold, so they
    do not tune it.

    Returns
    -------
    fold : Bunch
        ``estimator`` (the fitted model), ``novelty_detector`` (fitted, or
        None), ``val`` (indices of the validation samples the detector
        keeps), ``n_val`` (number of validation samples), ``confidence`` and
        ``y_pred`` (decisions without rejection, through the same reject
        rule as ``predict``) of the kept samples.
    """
    if train is not None:
        estimator.fit(
            _safe_indexing(X, train),
            _safe_indexing(y, train),
            **_check_method_params(X, fit_params, indices=train),
        )
    if novelty_detector is not None:
        novelty_detector = fit_novelty_detector(
            novelty_detector, _safe_indexing(X, val if train is None else train)
        )
    decision = decide(
        estimator,
        _safe_indexing(X, val),
        response_method=resolve_response_method(response_method, estimator),
        confidence=confidence,
        novelty_detector=novelty_detector,
    )
    kept = ~decision.novel
    return Bunch(
        estimator=estimator,
        novelty_detector=novelty_detector,
        val=np.asarray(val)[kept],
        n_val=kept.shape[0],
        confidence=np.asarray(decision.confidence[kept], dtype=np.float64),
        y_pred=np.asarray(estimator.classes_).take(decision.class_index[kept]),
    )


def stage_decisions(stage, X):
    """Return the base prediction and confidence of a fitted SelectiveClassifier.

    One call of the wrapped model's response method gives both. Rows its
    novelty detector rejects get a NaN confidence: no threshold accepts them.
    """
    decision = decide_fitted(stage, X, thresholds=None)
    class_index, confidence = decision.class_index, decision.confidence
    if decision.novel.any():
        confidence = np.where(decision.novel, np.nan, confidence)
    return np.asarray(stage.classes_).take(class_index), confidence


def fit_stages_and_collect(stages, X, y, *, train, val, routed):
    """Fit every stage (threshold None) on ``train``; confidences and errors on ``val``.

    ``train=None`` fits on all of ``X`` (frozen stages: the fit is a no-op).

    Returns
    -------
    val : ndarray of int
    confidence : ndarray of shape (n_stages, n_val)
    errors : ndarray of bool of shape (n_stages, n_val)
    fitted : list of (str, SelectiveClassifier)
    """
    X_val = _safe_indexing(X, val)
    y_val = y[val]
    fitted, confidence, errors = [], [], []
    for name, estimator in stages:
        stage = clone(estimator).set_params(threshold=None)
        if train is None:
            stage.fit(X, y, **routed[name].fit)
        else:
            stage.fit(
                _safe_indexing(X, train),
                y[train],
                **_check_method_params(X, routed[name].fit, indices=train),
            )
        y_pred, conf = stage_decisions(stage, X_val)
        fitted.append((name, stage))
        confidence.append(np.asarray(conf, dtype=np.float64))
        # labels of another kind than the stage's classes are an error
        errors.append(prediction_errors(y_val, y_pred))
    return val, np.vstack(confidence), np.vstack(errors), fitted


def warn_missing_classes(fitted_classes, y):
    """Warn when a split's model never saw a class of ``y``, naming them.

    Such a model cannot predict the class, so every validation row of it is
    an error, which drags the tuned threshold up (often to rejecting
    everything). ``fitted_classes`` holds the ``classes_`` of each split's
    model (for a cascade, of its first stage: all stages see the same rows).
    """
    classes = np.unique(np.asarray(y))
    missing = {}
    for i, seen in enumerate(fitted_classes):
        lacking = classes[~np.isin(classes, np.asarray(seen))]
        if lacking.shape[0]:
            missing[i] = lacking.tolist()
    if missing:
        named = "; ".join(f"split {i}: {labels}" for i, labels in missing.items())
        _warn(
            "The training part of some splits has no sample of a class "
            f"({named}), so their models cannot predict it and every validation "
            "row of it counts as an error when tuning the threshold. Use a "
            "stratified splitter (an int or float cv does this), or shuffle the "
            "rows before a KFold."
        )
