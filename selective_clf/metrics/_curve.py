"""Risk-coverage curve and the areas and operating points derived from it.

Every function here ranks samples by a confidence score and considers, for
each distinct confidence value ``t``, the selective classifier that accepts
the samples with ``confidence >= t``. Tied confidences form a single point,
so results never depend on the order of the rows.

All of them are computed from one sort of the confidence values followed by
linear passes (``O(n log n)`` time, ``O(n)`` memory).
"""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.utils.validation import check_consistent_length

# ``validate_params`` and ``Interval`` are not exported publicly by
# scikit-learn; every ``sklearn.metrics`` function uses them.
from .._compat import Interval, column_or_1d, validate_params
from .._counting import ranked_counts
from .._groups import encode_groups, index_of_groups
from .._validation import (
    check_labels_1d,
    check_not_empty,
    check_sample_weight_1d,
    compute_if_dask,
    prediction_errors,
)

__all__ = [
    "augrc_score",
    "aurc_score",
    "coverage_at_risk",
    "e_aurc_score",
    "risk_at_coverage",
    "risk_coverage_curve",
    "worst_group_aurc_score",
]


def _check_curve_inputs(y_true, y_pred, confidence, sample_weight):
    """Validate the inputs of the curve metrics.

    Returns
    -------
    errors : ndarray of bool of shape (n_samples,)
        ``y_true != y_pred``.
    confidence : C-contiguous ndarray of float64 of shape (n_samples,)
    sample_weight : ndarray of float64 of shape (n_samples,) or None
        Samples with zero weight are removed from all three arrays, as in
        :func:`sklearn.metrics.roc_curve`: they can not affect the result.
    """
    y_true, y_pred, confidence, sample_weight = compute_if_dask(
        y_true, y_pred, confidence, sample_weight
    )
    check_consistent_length(y_true, y_pred, confidence, sample_weight)
    y_true = check_labels_1d(y_true, "y_true")
    y_pred = check_labels_1d(y_pred, "y_pred")
    confidence = column_or_1d(confidence, dtype=np.float64, input_name="confidence")
    confidence = np.ascontiguousarray(confidence)
    check_not_empty(confidence.shape[0])
    if np.isnan(confidence).any():
        raise ValueError(
            "confidence contains NaN. Every sample needs a confidence score "
            "(+/-inf are allowed)."
        )
    sample_weight = check_sample_weight_1d(sample_weight, confidence.shape[0])
    errors = prediction_errors(y_true, y_pred)
    if sample_weight is not None:
        nonzero = sample_weight != 0
        if not nonzero.all():
            errors = errors[nonzero]
            confidence = confidence[nonzero]
            sample_weight = sample_weight[nonzero]
    return errors, confidence, sample_weight


def _grouped_curve(y_true, y_pred, confidence, sample_weight):
    """Coverage and selective risk per distinct threshold, decreasing order."""
    errors, confidence, sample_weight = _check_curve_inputs(
        y_true, y_pred, confidence, sample_weight
    )
    thresholds, accepted, accepted_errors = ranked_counts(
        errors, confidence, sample_weight
    )
    coverage = accepted / accepted[-1]
    risk = accepted_errors / accepted
    return coverage, risk, thresholds


def _aurc_from_ranked(accepted, accepted_errors):
    """Trapezoidal area under risk(coverage), extended flat to coverage 0."""
    total = float(accepted[-1])
    risk = accepted_errors / accepted
    steps = np.subtract(accepted[1:], accepted[:-1], dtype=np.float64)
    # sum_k steps_k * (risk_k + risk_{k-1}) / 2, without more temporaries.
    trapezoids = 0.5 * (np.dot(steps, risk[1:]) + np.dot(steps, risk[:-1]))
    return float((accepted[0] * risk[0] + trapezoids) / total)


def _aurc_from_curve(coverage, risk):
    """AURC from the points of :func:`risk_coverage_curve` (same convention).

    Equals :func:`_aurc_from_ranked` of the counts the curve was made of:
    the display takes its AURC from the curve it draws.
    """
    order = np.argsort(coverage, kind="stable")
    coverage = np.asarray(coverage, dtype=np.float64)[order]
    risk = np.asarray(risk, dtype=np.float64)[order]
    steps = np.diff(coverage)
    trapezoids = 0.5 * np.dot(steps, risk[1:] + risk[:-1])
    return float(coverage[0] * risk[0] + trapezoids)


def _optimal_aurc(errors, sample_weight):
    """AURC of a perfect strict ranking of the same samples.

    Correct samples are ranked above all errors and every sample gets its own
    threshold. With weights, errors are ranked by decreasing weight.
    """
    if sample_weight is None:
        n_errors = int(np.count_nonzero(errors))
        n_correct = float(errors.shape[0] - n_errors)
        error_weights = np.ones(n_errors)
    else:
        error_weights = np.sort(sample_weight[errors])[::-1]
        n_correct = float(sample_weight[~errors].sum())
    if error_weights.shape[0] == 0:
        return 0.0
    accepted_errors = np.cumsum(error_weights)
    accepted = n_correct + accepted_errors
    if n_correct > 0:
        accepted = np.concatenate([[n_correct], accepted])
        accepted_errors = np.concatenate([[0.0], accepted_errors])
    return _aurc_from_ranked(accepted, accepted_errors)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------

_CURVE_PARAMS = {
    "y_true": ["array-like"],
    "y_pred": ["array-like"],
    "confidence": ["array-like"],
    "sample_weight": ["array-like", None],
}


@validate_params(_CURVE_PARAMS, prefer_skip_nested_validation=True)
def risk_coverage_curve(y_true, y_pred, confidence, *, sample_weight=None):
    """Compute the risk-coverage curve of a confidence score.

    For every distinct value ``t`` of ``confidence``, the samples with
    ``confidence >= t`` are accepted; the curve gives the fraction accepted
    (coverage) and the error rate among them (selective risk).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels, of any type (only equality with ``y_pred``
        matters).

    y_pred : array-like of shape (n_samples,)
        Predicted labels *without* rejection (e.g. the arg-max class).

    confidence : array-like of shape (n_samples,)
        Confidence in each prediction; higher means more confident. Any
        real values are allowed (e.g. probabilities, margins, negative
        entropies) except NaN.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum; samples
        with zero weight are ignored.

    Returns
    -------
    coverage : ndarray of shape (n_thresholds,)
        Decreasing coverages: ``coverage[i]`` is the (weighted) fraction of
        samples with ``confidence >= thresholds[i]``; ``coverage[0] == 1``.

    risk : ndarray of shape (n_thresholds,)
        ``risk[i]`` is the (weighted) error rate among the samples with
        ``confidence >= thresholds[i]``.

    thresholds : ndarray of shape (n_thresholds,)
        Increasing distinct values of ``confidence``, where
        ``n_thresholds = len(np.unique(confidence))``.

    See Also
    --------
    aurc_score : Area under this curve.
    augrc_score : Area under the generalized risk-coverage curve.
    risk_at_coverage : Selective risk at a target coverage.
    coverage_at_risk : Largest coverage at a target selective risk.

    Notes
    -----
    Tied confidences are grouped into one point, since no threshold can
    separate them; the result therefore does not depend on the row order.
    The computation takes a single sort of the confidences and linear passes.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.metrics import risk_coverage_curve
    >>> y_true = np.array([0, 1, 1, 0, 1])
    >>> y_pred = np.array([0, 1, 0, 1, 1])
    >>> confidence = np.array([0.9, 0.8, 0.6, 0.6, 0.7])
    >>> coverage, risk, thresholds = risk_coverage_curve(y_true, y_pred, confidence)
    >>> coverage
    array([1. , 0.6, 0.4, 0.2])
    >>> risk
    array([0.4, 0. , 0. , 0. ])
    >>> thresholds
    array([0.6, 0.7, 0.8, 0.9])
    """
    coverage, risk, thresholds = _grouped_curve(
        y_true, y_pred, confidence, sample_weight
    )
    return coverage[::-1], risk[::-1], thresholds[::-1]


@validate_params(_CURVE_PARAMS, prefer_skip_nested_validation=True)
def aurc_score(y_true, y_pred, confidence, *, sample_weight=None):
    """Area under the risk-coverage curve (AURC).

    Summarises how well ``confidence`` ranks correct predictions above wrong
    ones, across all rejection thresholds. Lower is better.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels, of any type.

    y_pred : array-like of shape (n_samples,)
        Predicted labels *without* rejection (e.g. the arg-max class).

    confidence : array-like of shape (n_samples,)
        Confidence in each prediction; higher means more confident. NaN is
        not allowed.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum.

    Returns
    -------
    aurc : float
        Area under the risk-coverage curve, in ``[0, 1]``.

    See Also
    --------
    risk_coverage_curve : The curve being integrated.
    e_aurc_score : AURC minus the AURC of a perfect ranking.
    augrc_score : Area under the generalized risk-coverage curve.

    Notes
    -----
    Convention used here: the curve has one point per distinct confidence
    value ``t`` (ties grouped), at coverage ``c(t)`` and selective risk
    ``r(t)`` as returned by :func:`risk_coverage_curve`. The area is the
    trapezoidal rule over these points in coverage, with the curve extended
    at constant risk from the smallest coverage down to coverage 0. Hence:

    - the value does not depend on the row order, nor on any strictly
      increasing transformation of ``confidence``;
    - a constant confidence gives the overall error rate;
    - a sample with integer weight ``k`` counts as ``k`` copies of it.

    Other conventions exist. Geifman et al. [1]_ define AURC as the mean,
    over ``k = 1..n``, of the risk of the ``k`` most confident samples, a
    right Riemann sum over per-sample coverages ``k / n``. Ties are then
    broken by the order of the sort, so the value depends on the row order
    when confidences tie. Libraries such as fd-shifts and torch-uncertainty
    use variants (grouping of ties, choice of the step endpoint, whether the
    curve is extended to coverage 0). For distinct confidences this function
    equals Geifman's definition minus ``(r_n - r_1) / (2 n)``, where ``r_k``
    is the risk of the top ``k``, so all these conventions agree up to
    ``O(1 / n)``; with many ties they may differ markedly.

    References
    ----------
    .. [1] Y. Geifman, G. Uziel and R. El-Yaniv, "Bias-reduced uncertainty
       estimation for deep neural classifiers", ICLR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.metrics import aurc_score
    >>> y_true = np.array([0, 1, 1, 0, 1])
    >>> y_pred = np.array([0, 1, 0, 1, 1])
    >>> confidence = np.array([0.9, 0.8, 0.6, 0.6, 0.7])
    >>> aurc_score(y_true, y_pred, confidence)
    0.08
    >>> aurc_score(y_true, y_pred, np.full(5, 0.5))  # = error rate
    0.4
    """
    errors, confidence, sample_weight = _check_curve_inputs(
        y_true, y_pred, confidence, sample_weight
    )
    _, accepted, accepted_errors = ranked_counts(errors, confidence, sample_weight)
    return _aurc_from_ranked(accepted, accepted_errors)


@validate_params(
    {**_CURVE_PARAMS, "sensitive_features": ["array-like", dict]},
    prefer_skip_nested_validation=True,
)
def worst_group_aurc_score(
    y_true, y_pred, confidence, *, sensitive_features, sample_weight=None
):
    """Largest AURC over groups: the ranking of the worst-served group.

    :func:`aurc_score` computed on the samples of each group alone, and the
    largest value returned (as ``MetricFrame(...).group_max()`` does in
    fairlearn, or the worst-group accuracy of distributionally robust
    learning). A confidence that ranks errors last overall may rank them
    poorly within a minority group; the pooled AURC hides it.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels, of any type.

    y_pred : array-like of shape (n_samples,)
        Predicted labels *without* rejection.

    confidence : array-like of shape (n_samples,)
        Confidence in each prediction; higher means more confident.

    sensitive_features : array-like of shape (n_samples,) or (n_samples, \
            n_sensitive), DataFrame or dict
        The group of each sample (several columns: each observed combination
        of their values is a group).

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. A group whose weights are all zero is left out.

    Returns
    -------
    aurc : float
        The largest per-group AURC, in ``[0, 1]``.

    See Also
    --------
    aurc_score : The AURC of all samples together.
    selective_classification_report : Coverage and selective risk per group.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.metrics import aurc_score, worst_group_aurc_score
    >>> y_true = np.array([0, 1, 1, 0, 1, 1])
    >>> y_pred = np.array([0, 1, 0, 1, 1, 1])
    >>> confidence = np.array([0.9, 0.8, 0.6, 0.6, 0.7, 0.5])
    >>> groups = ["a", "a", "b", "b", "a", "b"]
    >>> aurc_score(y_true[[2, 3, 5]], y_pred[[2, 3, 5]], confidence[[2, 3, 5]])
    0.9444...
    >>> worst_group_aurc_score(
    ...     y_true, y_pred, confidence, sensitive_features=groups
    ... )
    0.9444...
    """
    check_consistent_length(y_true, y_pred, confidence, sample_weight)
    y_true = check_labels_1d(y_true, "y_true")
    y_pred = check_labels_1d(y_pred, "y_pred")
    confidence = column_or_1d(confidence, dtype=np.float64, input_name="confidence")
    check_not_empty(confidence.shape[0])
    encoded = encode_groups(sensitive_features, confidence.shape[0])
    sample_weight = check_sample_weight_1d(sample_weight, confidence.shape[0])
    worst = -np.inf
    for rows in index_of_groups(encoded.index, encoded.groups.shape[0]):
        weight = None if sample_weight is None else sample_weight[rows]
        if weight is not None and not (weight > 0).any():
            continue
        errors, group_confidence, weight = _check_curve_inputs(
            y_true[rows], y_pred[rows], confidence[rows], weight
        )
        _, accepted, accepted_errors = ranked_counts(errors, group_confidence, weight)
        worst = max(worst, _aurc_from_ranked(accepted, accepted_errors))
    return float(worst)


@validate_params(_CURVE_PARAMS, prefer_skip_nested_validation=True)
def e_aurc_score(y_true, y_pred, confidence, *, sample_weight=None):
    """Excess AURC: AURC minus the AURC of a perfect ranking.

    Removes from :func:`aurc_score` the part due to the classifier's error
    rate, leaving the part due to the quality of the confidence ranking.
    Lower is better; 0 for a perfect ranking.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels, of any type.

    y_pred : array-like of shape (n_samples,)
        Predicted labels *without* rejection (e.g. the arg-max class).

    confidence : array-like of shape (n_samples,)
        Confidence in each prediction; higher means more confident. NaN is
        not allowed.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum.

    Returns
    -------
    e_aurc : float
        ``aurc_score(...) - optimal_aurc``, where ``optimal_aurc`` is the AURC
        (same convention, same weights) of a perfect strict ranking of the
        same samples: every correct sample strictly above every wrong one and
        each sample at its own threshold.

    See Also
    --------
    aurc_score : The raw area under the risk-coverage curve.
    augrc_score : Area under the generalized risk-coverage curve.

    Notes
    -----
    The optimal AURC depends only on the error rate ``r`` (and on ``n``).
    As ``n`` grows it tends to the closed form ``r + (1 - r) ln(1 - r)``
    [1]_, the integral of ``max(0, 1 - (1 - r) / c)`` over coverage ``c``.

    With sample weights, the wrong samples of the perfect ranking are ordered
    by decreasing weight so that the result does not depend on the row
    order; without weights their order is immaterial.

    A ranking with ties can have a slightly negative excess AURC: grouping
    tied wrong samples into one trapezoid lowers the area below that of the
    strict perfect ranking (by at most ``O(1 / n)`` for few ties).

    References
    ----------
    .. [1] Y. Geifman, G. Uziel and R. El-Yaniv, "Bias-reduced uncertainty
       estimation for deep neural classifiers", ICLR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.metrics import e_aurc_score
    >>> y_true = np.array([0, 1, 1, 0, 1])
    >>> y_pred = np.array([0, 1, 0, 1, 1])
    >>> e_aurc_score(y_true, y_pred, [0.9, 0.8, 0.6, 0.5, 0.7])  # perfect
    0.0
    >>> e_aurc_score(y_true, y_pred, [0.1, 0.8, 0.6, 0.5, 0.7])
    0.116...
    """
    errors, confidence, sample_weight = _check_curve_inputs(
        y_true, y_pred, confidence, sample_weight
    )
    _, accepted, accepted_errors = ranked_counts(errors, confidence, sample_weight)
    aurc = _aurc_from_ranked(accepted, accepted_errors)
    return aurc - _optimal_aurc(errors, sample_weight)


@validate_params(_CURVE_PARAMS, prefer_skip_nested_validation=True)
def augrc_score(y_true, y_pred, confidence, *, sample_weight=None):
    r"""Area under the generalized risk-coverage curve (AUGRC).

    The generalized risk at a threshold is the (weighted) number of accepted
    errors divided by the total number of samples, i.e. the probability of
    an *undetected* failure. Lower is better. Traub et al. [1]_ recommend it
    over :func:`aurc_score`, which over-weights the low-coverage region.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels, of any type.

    y_pred : array-like of shape (n_samples,)
        Predicted labels *without* rejection (e.g. the arg-max class).

    confidence : array-like of shape (n_samples,)
        Confidence in each prediction; higher means more confident. NaN is
        not allowed.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum.

    Returns
    -------
    augrc : float
        Area under the generalized risk-coverage curve, in ``[0, 0.5]``.

    See Also
    --------
    aurc_score : Area under the (selective) risk-coverage curve.
    sklearn.metrics.roc_auc_score : AUROC of the correct/wrong separation.

    Notes
    -----
    Convention: one point per distinct confidence value (ties grouped), at
    coverage ``c(t)`` and generalized risk ``g(t)``; trapezoidal rule over
    these points starting at ``(0, 0)``. With this convention, the identity

    .. math::

        \mathrm{AUGRC} = \frac{\pi^2}{2} + \pi (1 - \pi)(1 - \mathrm{AUROC})

    holds exactly (up to rounding), where ``pi`` is the (weighted) error
    rate and ``AUROC = roc_auc_score(y_true == y_pred, confidence,
    sample_weight=sample_weight)``, which counts ties as 1/2. The first
    term is the area reached by a perfect ranking.

    References
    ----------
    .. [1] L. Traub, P. F. Jaeger et al., "Overcoming common flaws in the
       evaluation of selective classification systems", NeurIPS 2024.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.metrics import augrc_score
    >>> y_true = np.array([0, 1, 1, 0, 1])
    >>> y_pred = np.array([0, 1, 0, 1, 1])
    >>> confidence = np.array([0.9, 0.8, 0.6, 0.6, 0.7])
    >>> augrc_score(y_true, y_pred, confidence)
    0.08
    """
    errors, confidence, sample_weight = _check_curve_inputs(
        y_true, y_pred, confidence, sample_weight
    )
    _, accepted, accepted_errors = ranked_counts(errors, confidence, sample_weight)
    total = accepted[-1]
    generalized_risk = accepted_errors / total
    steps = np.diff(accepted, prepend=0) / total
    previous = np.concatenate([[0.0], generalized_risk[:-1]])
    return float(0.5 * np.dot(steps, generalized_risk + previous))


@validate_params(
    {**_CURVE_PARAMS, "coverage": [Interval(Real, 0, 1, closed="right")]},
    prefer_skip_nested_validation=True,
)
def risk_at_coverage(y_true, y_pred, confidence, coverage, *, sample_weight=None):
    """Compute the selective risk when accepting at least a given coverage.

    Uses the largest threshold whose coverage is at least ``coverage``, i.e.
    the most selective operating point that still reaches the requested
    coverage.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels, of any type.

    y_pred : array-like of shape (n_samples,)
        Predicted labels *without* rejection (e.g. the arg-max class).

    confidence : array-like of shape (n_samples,)
        Confidence in each prediction; higher means more confident. NaN is
        not allowed.

    coverage : float
        Requested coverage, in ``(0, 1]``.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum.

    Returns
    -------
    risk : float
        Selective risk at that threshold. Because of ties the achieved
        coverage may exceed the requested one; use
        :func:`risk_coverage_curve` to see it.

    See Also
    --------
    coverage_at_risk : The converse query.
    risk_coverage_curve : All operating points.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.metrics import risk_at_coverage
    >>> y_true = np.array([0, 1, 1, 0, 1])
    >>> y_pred = np.array([0, 1, 0, 1, 1])
    >>> confidence = np.array([0.9, 0.8, 0.6, 0.6, 0.7])
    >>> risk_at_coverage(y_true, y_pred, confidence, 0.5)
    0.0
    >>> risk_at_coverage(y_true, y_pred, confidence, 0.7)
    0.4
    """
    coverages, risks, _ = _grouped_curve(y_true, y_pred, confidence, sample_weight)
    # `coverages` increases along the (decreasing) thresholds; the last point
    # has coverage 1, so the index is always valid.
    index = np.searchsorted(coverages, coverage, side="left")
    return float(risks[index])


@validate_params(
    {**_CURVE_PARAMS, "risk": [Interval(Real, 0, 1, closed="both")]},
    prefer_skip_nested_validation=True,
)
def coverage_at_risk(y_true, y_pred, confidence, risk, *, sample_weight=None):
    """Largest coverage whose selective risk does not exceed a target.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels, of any type.

    y_pred : array-like of shape (n_samples,)
        Predicted labels *without* rejection (e.g. the arg-max class).

    confidence : array-like of shape (n_samples,)
        Confidence in each prediction; higher means more confident. NaN is
        not allowed.

    risk : float
        Maximal acceptable selective risk, in ``[0, 1]``.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights. Must be non-negative with a positive sum.

    Returns
    -------
    coverage : float
        The largest coverage among the points of
        :func:`risk_coverage_curve` with selective risk ``<= risk``, or 0.0
        if there is none.

    See Also
    --------
    risk_at_coverage : The converse query.
    risk_coverage_curve : All operating points.

    Notes
    -----
    This is an empirical quantity: it does not come with a guarantee that
    the risk on new data stays below ``risk``.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.metrics import coverage_at_risk
    >>> y_true = np.array([0, 1, 1, 0, 1])
    >>> y_pred = np.array([0, 1, 0, 1, 1])
    >>> confidence = np.array([0.9, 0.8, 0.6, 0.6, 0.7])
    >>> coverage_at_risk(y_true, y_pred, confidence, 0.1)
    0.6
    >>> coverage_at_risk(y_true, y_pred, [0.1, 0.2, 0.9, 0.6, 0.3], 0.0)
    0.0
    """
    coverages, risks, _ = _grouped_curve(y_true, y_pred, confidence, sample_weight)
    admissible = np.flatnonzero(risks <= risk)
    if admissible.shape[0] == 0:
        return 0.0
    return float(coverages[admissible[-1]])
