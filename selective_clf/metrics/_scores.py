"""Point metrics for classifiers with a reject option.

A sample is *rejected* when its prediction equals the reject label and
*accepted* otherwise. All the metrics of this module only look at the
predicted labels; the metrics built on a confidence score live in
:mod:`selective_clf.metrics._curve`.
"""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
import warnings
from numbers import Real

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils.validation import check_consistent_length

from .._compat import Interval, Options, StrOptions, validate_params
from .._validation import (
    check_labels_1d,
    check_not_empty,
    check_reject_label_not_in_y_true,
    check_sample_weight_1d,
    compute_if_dask,
    equals_label,
    prediction_errors,
    scaled_weights,
)

__all__ = [
    "coverage_score",
    "rejection_cost_loss",
    "selective_accuracy_score",
    "selective_risk_score",
]

# Constraints shared by every function taking a ``reject_label``.
_REJECT_LABEL_CONSTRAINT = [Real, str, None]
_ZERO_DIVISION_CONSTRAINT = [Options(Real, {0.0, 1.0}), "nan", StrOptions({"warn"})]


def _needs_reject_label(func):
    """Say what to pass when a metric is called without ``reject_label``.

    Python's own message ("missing 1 required keyword-only argument") does not
    say where the value comes from.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if "reject_label" not in kwargs:
            raise TypeError(
                f"{func.__name__}() needs reject_label=..., the label that marks "
                "rejected samples in y_pred, passed by keyword: for a fitted "
                "selective classifier pass reject_label=clf.reject_label_ (by "
                "default -1 for numeric classes, 'rejected' for string classes)."
            )
        return func(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------
# Private validation helpers, shared with ``_curve`` and ``_report``.
# ---------------------------------------------------------------------------


def _check_selective_inputs(y_true, y_pred, reject_label, sample_weight):
    """Validate inputs of the label-based selective metrics.

    Returns
    -------
    errors : ndarray of bool
        Misclassified among all samples (a rejected sample is never counted
        as an error, since the reject label is not a true class).
    rejected : ndarray of bool
        Whether each sample was rejected.
    sample_weight : ndarray of float64 or None
    """
    y_true, y_pred, sample_weight = compute_if_dask(y_true, y_pred, sample_weight)
    check_consistent_length(y_true, y_pred, sample_weight)
    y_true = check_labels_1d(y_true, "y_true")
    y_pred = check_labels_1d(y_pred, "y_pred")
    check_not_empty(y_true.shape[0])
    sample_weight = scaled_weights(
        check_sample_weight_1d(sample_weight, y_true.shape[0])
    )
    check_reject_label_not_in_y_true(y_true, reject_label)
    rejected = equals_label(y_pred, reject_label)
    errors = prediction_errors(y_true, y_pred, rejected=rejected)
    return errors, rejected, sample_weight


def _weighted_sum(mask, sample_weight):
    if sample_weight is None:
        return float(np.count_nonzero(mask))
    return float(sample_weight[mask].sum())


def _total(n_samples, sample_weight):
    if sample_weight is None:
        return float(n_samples)
    return float(sample_weight.sum())


def _selective_error_and_accepted(y_true, y_pred, reject_label, sample_weight):
    errors, rejected, sample_weight = _check_selective_inputs(
        y_true, y_pred, reject_label, sample_weight
    )
    n_errors = _weighted_sum(errors, sample_weight)
    n_accepted = _weighted_sum(~rejected, sample_weight)
    return n_errors, n_accepted


def _zero_division_value(zero_division, metric):
    if isinstance(zero_division, str) and zero_division == "warn":
        warnings.warn(
            f"{metric} is ill-defined and being set to 0.0 because no sample "
            "was accepted (every prediction equals reject_label). Use the "
            "`zero_division` parameter to control this behavior.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return 0.0
    return float(zero_division)


# ---------------------------------------------------------------------------
# Public metrics
# ---------------------------------------------------------------------------


@_needs_reject_label
@validate_params(
    {
        "y_pred": ["array-like"],
        "reject_label": _REJECT_LABEL_CONSTRAINT,
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def coverage_score(y_pred, *, reject_label, sample_weight=None):
    """Fraction of samples accepted (not rejected) by a selective classifier.

    Parameters
    ----------
    y_pred : array-like of shape (n_samples,)
        Predicted labels, where rejected samples carry ``reject_label``.

    reject_label : int, float, str or None
        Label marking a rejected (abstained) sample in ``y_pred``.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum.

    Returns
    -------
    coverage : float
        The (weighted) fraction of samples whose prediction is not
        ``reject_label``, in ``[0, 1]``.

    See Also
    --------
    selective_risk_score : Error rate on the accepted samples.
    rejection_cost_loss : Chow's loss combining errors and rejections.

    Examples
    --------
    >>> from selective_clf.metrics import coverage_score
    >>> y_pred = [0, 1, -1, 1, -1]
    >>> coverage_score(y_pred, reject_label=-1)
    0.6
    >>> coverage_score(y_pred, reject_label=-1, sample_weight=[1, 1, 2, 1, 0])
    0.6
    """
    check_consistent_length(y_pred, sample_weight)
    y_pred = check_labels_1d(y_pred, "y_pred")
    check_not_empty(y_pred.shape[0])
    sample_weight = scaled_weights(
        check_sample_weight_1d(sample_weight, y_pred.shape[0])
    )
    accepted = ~equals_label(y_pred, reject_label)
    return _weighted_sum(accepted, sample_weight) / _total(
        y_pred.shape[0], sample_weight
    )


@_needs_reject_label
@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "reject_label": _REJECT_LABEL_CONSTRAINT,
        "sample_weight": ["array-like", None],
        "zero_division": _ZERO_DIVISION_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def selective_risk_score(
    y_true, y_pred, *, reject_label, sample_weight=None, zero_division="warn"
):
    """Error rate among the samples accepted by a selective classifier.

    The selective risk is ``n_errors_accepted / n_accepted`` where a sample is
    accepted when its prediction is not ``reject_label``. With sample weights
    both counts are weight sums.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels. ``reject_label`` must not appear in it.

    y_pred : array-like of shape (n_samples,)
        Predicted labels, where rejected samples carry ``reject_label``.

    reject_label : int, float, str or None
        Label marking a rejected (abstained) sample in ``y_pred``.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum.

    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value returned when no sample is accepted. ``"warn"`` returns 0.0 and
        raises an :class:`~sklearn.exceptions.UndefinedMetricWarning`.

    Returns
    -------
    risk : float
        The selective risk, in ``[0, 1]``; lower is better.

    Raises
    ------
    ValueError
        If ``reject_label`` is one of the labels in ``y_true``.

    See Also
    --------
    selective_accuracy_score : One minus the selective risk.
    coverage_score : Fraction of accepted samples.
    risk_coverage_curve : Selective risk for every confidence threshold.

    Examples
    --------
    >>> from selective_clf.metrics import selective_risk_score
    >>> y_true = [0, 1, 1, 0, 1]
    >>> y_pred = [0, 0, -1, 0, -1]
    >>> selective_risk_score(y_true, y_pred, reject_label=-1)
    0.333...
    >>> selective_risk_score([0, 1], [-1, -1], reject_label=-1, zero_division=1.0)
    1.0
    """
    n_errors, n_accepted = _selective_error_and_accepted(
        y_true, y_pred, reject_label, sample_weight
    )
    if n_accepted == 0:
        return _zero_division_value(zero_division, "Selective risk")
    return n_errors / n_accepted


@_needs_reject_label
@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "reject_label": _REJECT_LABEL_CONSTRAINT,
        "sample_weight": ["array-like", None],
        "zero_division": _ZERO_DIVISION_CONSTRAINT,
    },
    prefer_skip_nested_validation=True,
)
def selective_accuracy_score(
    y_true, y_pred, *, reject_label, sample_weight=None, zero_division="warn"
):
    """Accuracy among the samples accepted by a selective classifier.

    Equals ``1 - selective_risk_score(...)`` whenever at least one sample is
    accepted.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels. ``reject_label`` must not appear in it.

    y_pred : array-like of shape (n_samples,)
        Predicted labels, where rejected samples carry ``reject_label``.

    reject_label : int, float, str or None
        Label marking a rejected (abstained) sample in ``y_pred``.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum.

    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value returned (by this function, not ``1 - value``) when no sample is
        accepted. ``"warn"`` returns 0.0 and raises an
        :class:`~sklearn.exceptions.UndefinedMetricWarning`.

    Returns
    -------
    accuracy : float
        The selective accuracy, in ``[0, 1]``; higher is better.

    Raises
    ------
    ValueError
        If ``reject_label`` is one of the labels in ``y_true``.

    See Also
    --------
    selective_risk_score : One minus the selective accuracy.
    coverage_score : Fraction of accepted samples.

    Examples
    --------
    >>> from selective_clf.metrics import selective_accuracy_score
    >>> y_true = ["cat", "dog", "dog", "cat"]
    >>> y_pred = ["cat", "cat", "reject", "cat"]
    >>> selective_accuracy_score(y_true, y_pred, reject_label="reject")
    0.666...
    """
    n_errors, n_accepted = _selective_error_and_accepted(
        y_true, y_pred, reject_label, sample_weight
    )
    if n_accepted == 0:
        return _zero_division_value(zero_division, "Selective accuracy")
    return 1.0 - n_errors / n_accepted


@_needs_reject_label
@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "reject_label": _REJECT_LABEL_CONSTRAINT,
        "rejection_cost": [Interval(Real, 0, 1, closed="both")],
        "sample_weight": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def rejection_cost_loss(
    y_true, y_pred, *, reject_label, rejection_cost=0.5, sample_weight=None
):
    """Chow's rejection cost: errors cost 1 and rejections cost ``rejection_cost``.

    The loss is ``(n_errors_accepted + rejection_cost * n_rejected) / n``,
    where all counts are weight sums when ``sample_weight`` is given. A
    correct accepted prediction costs 0.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels. ``reject_label`` must not appear in it.

    y_pred : array-like of shape (n_samples,)
        Predicted labels, where rejected samples carry ``reject_label``.

    reject_label : int, float, str or None
        Label marking a rejected (abstained) sample in ``y_pred``.

    rejection_cost : float, default=0.5
        Cost of one rejection relative to the cost (1) of one error; in
        ``[0, 1]``. Rejecting is only worthwhile when it is cheaper than the
        expected error, so values above 1 are not meaningful.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum.

    Returns
    -------
    loss : float
        The average cost per sample, in ``[0, 1]``; lower is better. Without
        any rejection it equals ``1 - accuracy_score(y_true, y_pred)``.

    Raises
    ------
    ValueError
        If ``reject_label`` is one of the labels in ``y_true``.

    See Also
    --------
    selective_risk_score : Error rate on the accepted samples only.
    coverage_score : Fraction of accepted samples.

    Notes
    -----
    This is the risk minimised by Chow's rule [1]_: with calibrated
    probabilities, rejecting exactly when the top-class probability is below
    ``1 - rejection_cost`` minimises its expectation.

    References
    ----------
    .. [1] C. K. Chow, "On optimum recognition error and reject tradeoff",
       IEEE Transactions on Information Theory, 16(1), 41-46, 1970.

    Examples
    --------
    >>> from selective_clf.metrics import rejection_cost_loss
    >>> y_true = [0, 1, 1, 0]
    >>> y_pred = [0, 0, -1, 0]
    >>> rejection_cost_loss(y_true, y_pred, reject_label=-1)
    0.375
    >>> rejection_cost_loss(y_true, y_pred, reject_label=-1, rejection_cost=0.0)
    0.25
    """
    errors, rejected, sample_weight = _check_selective_inputs(
        y_true, y_pred, reject_label, sample_weight
    )
    n_errors = _weighted_sum(errors, sample_weight)
    n_rejected = _weighted_sum(rejected, sample_weight)
    total = _total(errors.shape[0], sample_weight)
    return (n_errors + rejection_cost * n_rejected) / total
