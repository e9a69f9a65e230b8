"""Certify a reject threshold the user already has."""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Real

import numpy as np
from sklearn.utils import check_consistent_length

from .._compat import Interval, column_or_1d, validate_params
from .._validation import (
    check_not_bool,
    compute_if_dask,
    equals_label,
    prediction_errors,
)
from ..certify import clopper_pearson_upper

__all__ = ["selective_risk_upper_bound"]


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "confidence": ["array-like"],
        "threshold": [Real],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "reject_label": [Real, str, None],
    },
    prefer_skip_nested_validation=True,
)
def selective_risk_upper_bound(
    y_true, y_pred, confidence, threshold, *, delta=0.05, reject_label=None
):
    """Upper confidence bound on the selective risk at a fixed threshold.

    For a reject threshold chosen *before* looking at this calibration data
    (a value you already use, a round number, one tuned on other data),
    returns the one-sided ``1 - delta`` Clopper-Pearson upper bound on the
    selective risk ``P(y_pred != y_true | confidence >= threshold)`` of new
    samples exchangeable with the calibration samples. With probability at
    least ``1 - delta`` over the draw of the calibration set, the true
    selective risk at ``threshold`` is at most the returned value.

    Why it holds: given the number ``n`` of calibration samples accepted at
    a fixed threshold, they are an i.i.d. sample of the accepted part of the
    distribution, so their error count is ``Binomial(n, R)`` with ``R`` the
    selective risk, and the Clopper-Pearson bound covers ``R`` with
    probability at least ``1 - delta`` whatever ``n``. It does **not** hold
    if ``threshold`` was chosen on the same samples (for instance the
    threshold with the lowest calibration error): use
    ``SelectiveClassifierCV(target_risk=...)`` to choose and certify at once.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels of the calibration samples.
    y_pred : array-like of shape (n_samples,)
        Predicted labels of the base classifier (before rejection), or of a
        selective classifier when ``reject_label`` is given.
    confidence : array-like of shape (n_samples,)
        Finite confidence scores; a sample is accepted iff
        ``confidence >= threshold``.
    threshold : float
        The fixed reject threshold to certify.
    delta : float, default=0.05
        Allowed failure probability of the bound, in (0, 1).
    reject_label : int, float, str or None, default=None
        If given, samples whose ``y_pred`` equals it also count as rejected.

    Returns
    -------
    bound : float
        Upper bound on the selective risk, in [0, 1]; 1.0 when no
        calibration sample is accepted (nothing is known).

    See Also
    --------
    selective_risk_score : The observed selective risk (no guarantee).

    Examples
    --------
    >>> from selective_clf.metrics import selective_risk_upper_bound
    >>> y_true = [0] * 100 + [1] * 100
    >>> y_pred = [0] * 98 + [1] * 2 + [1] * 100  # two errors
    >>> confidence = [0.9] * 150 + [0.55] * 50  # both errors confident
    >>> bound = selective_risk_upper_bound(y_true, y_pred, confidence, 0.6)
    >>> round(bound, 3)  # 2 errors among 150 accepted
    0.041
    """
    y_true, y_pred, confidence = compute_if_dask(y_true, y_pred, confidence)
    y_true = np.asarray(column_or_1d(y_true, input_name="y_true"))
    y_pred = np.asarray(column_or_1d(y_pred, input_name="y_pred"))
    confidence = np.asarray(column_or_1d(confidence, input_name="confidence"))
    check_consistent_length(y_true, y_pred, confidence)
    if y_true.shape[0] == 0:
        raise ValueError("Found empty input: at least one sample is required.")
    if confidence.dtype == bool or not np.issubdtype(confidence.dtype, np.number):
        raise ValueError(f"confidence must be numeric, got dtype {confidence.dtype}.")
    confidence = confidence.astype(np.float64)
    if not np.all(np.isfinite(confidence)):
        raise ValueError("confidence must be finite (no NaN or infinity).")
    check_not_bool(threshold, "threshold")
    if math.isnan(threshold):
        raise ValueError("threshold must not be NaN.")
    accepted = confidence >= threshold
    if reject_label is not None:
        if equals_label(y_true, reject_label).any():
            raise ValueError(
                f"reject_label={reject_label!r} is present in y_true; choose a "
                "reject_label that is not a class label."
            )
        accepted &= ~equals_label(y_pred, reject_label)
    n_accepted = int(np.count_nonzero(accepted))
    errors = prediction_errors(y_true, y_pred, rejected=~accepted)
    n_errors = int(np.count_nonzero(errors))
    return float(clopper_pearson_upper(n_errors, n_accepted, delta))
