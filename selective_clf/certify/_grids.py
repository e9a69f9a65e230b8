"""Candidate thresholds: the calibration data, its counts, and the default grids.

A candidate threshold ``t`` accepts the samples with ``confidence >= t``;
samples with tied confidence are accepted or rejected together, so the
natural candidates are the *distinct* confidence values. Every selection
validates its calibration data with :func:`check_calibration` and turns its
candidates into accepted and error counts with :func:`candidates`; a user
grid is validated by :func:`check_thresholds`, the one checker.
"""

import numpy as np

from .._counting import counts_at, ranked_counts
from ._binomial import min_passing_count, start_count

__all__ = [
    "candidates",
    "check_calibration",
    "check_thresholds",
    "grouped_counts",
    "holm_candidates",
    "ltt_candidates",
]


def check_calibration(confidence, error):
    """Validate calibration confidences and 0/1 errors as 1-D arrays."""
    confidence = np.asarray(confidence)
    error = np.asarray(error)
    if confidence.ndim != 1 or error.ndim != 1:
        raise ValueError(
            "confidence and error must be 1-D arrays, got shapes "
            f"{confidence.shape} and {error.shape}."
        )
    if confidence.shape[0] != error.shape[0]:
        raise ValueError(
            "confidence and error must have the same length, got "
            f"{confidence.shape[0]} and {error.shape[0]}."
        )
    if confidence.shape[0] == 0:
        raise ValueError("At least one calibration sample is required.")
    if confidence.dtype == bool or not np.issubdtype(confidence.dtype, np.number):
        raise TypeError(f"confidence must be numeric, got dtype {confidence.dtype}.")
    if np.issubdtype(confidence.dtype, np.complexfloating):
        raise TypeError(f"confidence must be real, got dtype {confidence.dtype}.")
    confidence = confidence.astype(np.float64)
    if not np.all(np.isfinite(confidence)):
        raise ValueError("confidence must be finite (no NaN or infinity).")
    if not (error.dtype == bool or np.issubdtype(error.dtype, np.number)):
        raise TypeError(f"error must be numeric or boolean, got dtype {error.dtype}.")
    if not np.all((error == 0) | (error == 1)):
        raise ValueError("error must contain only 0 (correct) and 1 (wrong).")
    return confidence, error.astype(np.int64)


def check_thresholds(thresholds, name="thresholds"):
    """Validate a user grid of candidate thresholds; return it decreasing.

    The one checker of a grid, for the certify functions and the estimators
    (``SelectiveClassifierCV(thresholds=[...])``, each stage's grid of
    ``SelectiveCascadeCV``); ``name`` is how the error calls it.
    """
    cand_t = np.asarray(thresholds)
    if cand_t.dtype == bool or not np.issubdtype(cand_t.dtype, np.number):
        raise TypeError(
            f"{name} must be numeric, got dtype {cand_t.dtype} "
            f"({cand_t.ravel()[:5].tolist()!r})."
        )
    cand_t = cand_t.astype(np.float64)
    if cand_t.ndim != 1 or cand_t.shape[0] == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array of candidate thresholds; got "
            f"shape {cand_t.shape}. Give at least one, or thresholds='auto' where "
            "the estimator takes it."
        )
    if np.any(np.isnan(cand_t)):
        raise ValueError(f"{name} must not contain NaN.")
    return np.unique(cand_t)[::-1]


def grouped_counts(confidence, error):
    """Count accepted samples and errors at every distinct confidence threshold.

    Samples are sorted once by decreasing confidence; tied confidences form a
    single group, so the counts do not depend on row order.

    Parameters
    ----------
    confidence : array-like of shape (n_samples,)
        Finite confidence scores; higher means more confident.
    error : array-like of shape (n_samples,)
        1 where the base prediction is wrong, 0 where it is right.

    Returns
    -------
    thresholds : ndarray of shape (n_groups,)
        Distinct confidence values in strictly decreasing order.
    n_acc : ndarray of shape (n_groups,)
        ``n_acc[j]`` is the number of samples with
        ``confidence >= thresholds[j]`` (strictly increasing, ends at
        ``n_samples``).
    k_acc : ndarray of shape (n_groups,)
        ``k_acc[j]`` is the number of errors among those samples.

    Examples
    --------
    >>> from selective_clf.certify import grouped_counts
    >>> t, n, k = grouped_counts([0.9, 0.6, 0.9, 0.7], [0, 1, 1, 0])
    >>> t.tolist(), n.tolist(), k.tolist()
    ([0.9, 0.7, 0.6], [2, 3, 4], [1, 1, 2])
    """
    confidence, error = check_calibration(confidence, error)
    return _grouped_counts(confidence, error)


def _grouped_counts(confidence, error):
    """Unchecked core of :func:`grouped_counts` (the metrics' one-sort counts)."""
    return ranked_counts(error.astype(bool), confidence, None)


def candidates(confidence, error, thresholds):
    """Candidate thresholds (decreasing) with their accepted counts and errors.

    ``thresholds=None`` gives the distinct calibration confidences; otherwise
    the grid is validated by :func:`check_thresholds`. Inputs are checked
    calibration arrays (:func:`check_calibration`).
    """
    group_t, group_n, group_k = _grouped_counts(confidence, error)
    if thresholds is None:
        return group_t, group_n, group_k
    cand_t = check_thresholds(thresholds)
    cand_n, cand_k = counts_at(cand_t, group_t, group_n, group_k)
    return cand_t, cand_n, cand_k


def ltt_candidates(confidence, *, target_risk, delta):
    """Default Learn-then-Test candidates: distinct values past a robust start.

    Fixed-sequence testing stops at its first failure, and a candidate that
    accepts only a few samples fails on a single error. The sequence therefore
    starts at the most confident candidate accepting at least ``n_start``
    samples, the count of :func:`~selective_clf.certify._binomial.start_count`
    (the smallest at which the test can pass with two errors, or fewer when
    that would take more than half the calibration set), and goes on through
    every distinct value below it. The choice uses the confidences and their
    number only, never the errors, so the test stays valid. The user guide
    (:ref:`risk_methods`) compares it with other grids.

    Parameters
    ----------
    confidence : ndarray of shape (n_samples,)
        Calibration confidences.
    target_risk, delta : float
        The risk target and the allowed failure probability.

    Returns
    -------
    thresholds : ndarray
        Ascending candidate thresholds (``[inf]`` when even all samples are
        too few).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.certify import ltt_candidates
    >>> conf = np.linspace(0, 1, 201)
    >>> float(ltt_candidates(conf, target_risk=0.1, delta=0.05).max())  # 61 accepted
    0.7
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    n_start = start_count(target_risk, delta, confidence.shape[0])
    if n_start is None:
        return np.array([np.inf])
    start = np.sort(confidence)[::-1][n_start - 1]
    distinct = np.unique(confidence)
    return distinct[distinct <= start]


def holm_candidates(confidence, *, target_risk, delta, n_candidates=20):
    """Coarse default grid for Bonferroni-Holm LTT.

    Holm pays for every candidate (its first level is ``delta / M``), so with
    hundreds of candidates it is very conservative. This grid keeps at most
    ``n_candidates`` thresholds: the distinct confidence values reached at
    evenly spaced accepted counts between the fewest samples that can pass at
    level ``delta / n_candidates`` with no error and all samples. It depends
    on the confidences only, never on the errors.

    Parameters
    ----------
    confidence : ndarray of shape (n_samples,)
        Calibration confidences.
    target_risk, delta : float
        The risk target and the allowed failure probability.
    n_candidates : int, default=20
        Most candidates kept.

    Returns
    -------
    thresholds : ndarray
        Ascending candidate thresholds (``[inf]`` when even all samples are
        too few).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.certify import holm_candidates
    >>> conf = np.linspace(0, 1, 1001)
    >>> len(holm_candidates(conf, target_risk=0.1, delta=0.05))
    20
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    m = confidence.shape[0]
    n_min = min_passing_count(0, target_risk, delta / n_candidates, m)
    if n_min is None:
        return np.array([np.inf])
    counts = np.unique(np.linspace(n_min, m, n_candidates).round().astype(int))
    ranked = np.sort(confidence)[::-1]
    return np.unique(ranked[counts - 1])
