"""Grouped counting: accepted samples and errors at every distinct confidence.

One sort of the confidences, then linear passes, gives for every distinct
confidence value ``t`` the (weighted) number of samples with
``confidence >= t`` and of errors among them. Tied confidences form one group,
so nothing here depends on the order of the rows. The metrics' curves, the
finite-sample bounds and the threshold tuning all count through this module;
none of them sorts on its own.

The reject rule itself (``confidence >= threshold`` accepts, NaN never does)
lives in :mod:`selective_clf._rule`; :func:`coverage_and_risk_at` counts
with that same rule.
"""

import sys

import numpy as np
from sklearn.utils import Bunch

from ._rule import acceptable

# Offset of the least significant byte in a native uint64.
_LOW_BYTE = 0 if sys.byteorder == "little" else 7


def _first_of_runs(values):
    """Return the indices where runs of equal values start in a sorted array."""
    change = np.empty(values.shape[0], dtype=bool)
    change[0] = True
    np.not_equal(values[1:], values[:-1], out=change[1:])
    return np.flatnonzero(change)


def _ranked_counts_of_magnitudes(magnitudes, errors):
    """Count samples and errors below each distinct magnitude.

    ``magnitudes`` are order-preserving unsigned integer images of the
    confidences, below ``2**63``. The error flag is packed into the lowest bit
    of a single ``uint64`` key, so that one in-place (SIMD-accelerated)
    ``ndarray.sort`` replaces an ``argsort`` followed by gathers.

    Returns
    -------
    values : ndarray of uint64
        Distinct magnitudes, increasing.
    starts : ndarray of int
        Number of samples with a smaller magnitude than each value (index of
        its first sample in sorted order).
    errors_before : ndarray of int
        Number of errors among the samples with a smaller magnitude.
    n_errors : int
        Total number of errors.
    """
    n_samples = magnitudes.shape[0]
    keys = magnitudes << np.uint64(1)  # a new array; the top bit is free
    keys |= errors
    keys.sort()
    change = np.empty(n_samples, dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    if np.count_nonzero(change) <= n_samples // 4:
        # Many ties: work on the runs of equal keys. A run is one magnitude
        # with one error flag; a magnitude has at most two runs (correct
        # samples, even key, then errors, odd key).
        run_starts = np.flatnonzero(change)
        del change
        run_keys = keys[run_starts]
        del keys
        run_errors = np.where(
            run_keys & np.uint64(1), np.diff(run_starts, append=n_samples), 0
        )
        run_values = run_keys >> np.uint64(1)
        groups = _first_of_runs(run_values)
        errors_before = np.concatenate([[0], np.cumsum(run_errors)])
        return (
            run_values[groups],
            run_starts[groups],
            errors_before[groups],
            int(errors_before[-1]),
        )
    # Mostly distinct values: per-sample error flags, from the lowest byte of
    # each key (a strided view).
    del change
    flags = keys.view(np.uint8)[_LOW_BYTE::8] & np.uint8(1)
    keys >>= np.uint64(1)
    starts = _first_of_runs(keys)
    # Exclusive cumulative sum of the flags: errors_before[i] = sum(flags[:i]).
    cum_dtype = np.int32 if n_samples < np.iinfo(np.int32).max else np.int64
    errors_before = np.empty(n_samples + 1, dtype=cum_dtype)
    errors_before[0] = 0
    np.cumsum(flags, dtype=cum_dtype, out=errors_before[1:])
    n_errors = int(errors_before[-1])
    if starts.shape[0] == n_samples:  # all distinct: no gathers needed
        return keys, starts, errors_before[:-1], n_errors
    return keys[starts], starts, errors_before[starts], n_errors


def _ranked_counts_unweighted(errors, confidence):
    """Unweighted version of :func:`ranked_counts` (sort of packed keys)."""
    n_samples = confidence.shape[0]
    bits = confidence.view(np.uint64)
    # IEEE-754 bit patterns of non-negative floats sort like the floats; -0.0
    # (sign bit only) maps to the key of +0.0 once the sign bit is shifted
    # out. For negative floats, the complemented bit pattern sorts like the
    # floats and has a zero top bit. Mixed signs are sorted separately.
    if not confidence.min() < 0:
        parts = [(False, bits, errors)]
    elif confidence.max() < 0:
        parts = [(True, bits, errors)]
    else:
        negative = confidence < 0
        positive = ~negative
        # np.compress is much faster than boolean indexing here.
        parts = [
            (True, np.compress(negative, bits), np.compress(negative, errors)),
            (False, np.compress(positive, bits), np.compress(positive, errors)),
        ]
    thresholds, starts, errors_before = [], [], []
    offset, error_offset = 0, 0
    for is_negative, part_bits, part_errors in parts:
        magnitudes = ~part_bits if is_negative else part_bits
        values, part_starts, part_before, part_n_errors = _ranked_counts_of_magnitudes(
            magnitudes, part_errors
        )
        thresholds.append((~values if is_negative else values).view(np.float64))
        starts.append(part_starts + offset if offset else part_starts)
        errors_before.append(part_before + error_offset if offset else part_before)
        offset += part_bits.shape[0]
        error_offset += part_n_errors
    if len(parts) > 1:
        thresholds = np.concatenate(thresholds)
        starts = np.concatenate(starts)
        errors_before = np.concatenate(errors_before)
    else:
        thresholds, starts, errors_before = thresholds[0], starts[0], errors_before[0]
    accepted = np.subtract(n_samples, starts[::-1], dtype=np.int64)
    accepted_errors = np.subtract(error_offset, errors_before[::-1], dtype=np.int64)
    return thresholds[::-1], accepted, accepted_errors


def _ranked_counts_weighted(errors, confidence, sample_weight):
    """Weighted version of :func:`ranked_counts` (argsort and gathers)."""
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    # Scale to a maximum of 1: sums of huge weights (1e308) would overflow to
    # inf and turn every ratio into NaN; ratios do not depend on the scale.
    largest = sample_weight.max() if sample_weight.shape[0] else 0.0
    if largest > 0:
        sample_weight = sample_weight / largest
    order = np.argsort(confidence)
    confidence = confidence[order]
    weight = sample_weight[order]
    error_weight = np.where(errors[order], weight, 0.0)
    starts = _first_of_runs(confidence)
    group_weight = np.add.reduceat(weight, starts)[::-1]
    group_errors = np.add.reduceat(error_weight, starts)[::-1]
    return confidence[starts][::-1], np.cumsum(group_weight), np.cumsum(group_errors)


def ranked_counts(errors, confidence, sample_weight):
    """Cumulative counts at each distinct threshold, most confident first.

    Shared by the curve metrics and by the threshold tuning. ``O(n log n)``:
    one sort and linear passes.

    Parameters
    ----------
    errors : array-like of bool of shape (n_samples,)
        Whether each prediction is wrong.
    confidence : array-like of float of shape (n_samples,)
        Confidence scores, without NaN (not checked here).
    sample_weight : array-like of shape (n_samples,) or None
        Non-negative weights (not checked here).

    Returns
    -------
    thresholds : ndarray of shape (n_thresholds,)
        Distinct confidence values in decreasing order.
    accepted : ndarray of shape (n_thresholds,)
        (Weighted) number of samples with ``confidence >= thresholds[i]``;
        increasing, ``accepted[-1]`` is the total.
    accepted_errors : ndarray of shape (n_thresholds,)
        (Weighted) number of errors among them.

        Both are int64 counts without weights, float64 sums with weights
        (the weights scaled so that the largest is 1, which keeps the sums
        finite; ratios are unchanged).
    """
    errors = np.asarray(errors, dtype=bool)
    confidence = np.ascontiguousarray(confidence, dtype=np.float64)
    if sample_weight is None:
        return _ranked_counts_unweighted(errors, confidence)
    return _ranked_counts_weighted(errors, confidence, sample_weight)


def counts_at(thresholds, group_thresholds, group_n, group_k):
    """Count accepted samples and errors at any thresholds from ranked counts.

    ``group_thresholds`` is decreasing; a threshold ``t`` accepts the groups
    whose value is ``>= t`` (none for ``t`` above the largest).
    """
    n_groups = np.searchsorted(-group_thresholds, -thresholds, side="right")
    padded_n = np.concatenate(([0], group_n))
    padded_k = np.concatenate(([0], group_k))
    return padded_n[n_groups], padded_k[n_groups]


def coverage_and_risk_at(confidence, errors, thresholds, sample_weight=None):
    """Coverage and selective risk at each threshold, counted once.

    A sample is accepted at ``t`` iff ``confidence >= t``, so a NaN
    confidence is never accepted; it still counts in the total, as it does
    for :meth:`SelectiveClassifier.predict`, which rejects it.

    Parameters
    ----------
    confidence : ndarray of shape (n_samples,)
        Confidence scores, NaN allowed.
    errors : ndarray of bool of shape (n_samples,)
        Whether each prediction without rejection is wrong.
    thresholds : array-like of shape (n_thresholds,)
        Thresholds, in any order.
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative weights.

    Returns
    -------
    coverage : ndarray of shape (n_thresholds,)
        (Weighted) fraction of all samples accepted at each threshold.
    risk : ndarray of shape (n_thresholds,)
        (Weighted) error rate among them, NaN where nothing is accepted.
    """
    thresholds = np.asarray(thresholds, dtype=np.float64)
    confidence = np.asarray(confidence, dtype=np.float64)
    errors = np.asarray(errors, dtype=bool)
    weight = None if sample_weight is None else np.asarray(sample_weight, float)
    if weight is not None and weight.shape[0] and weight.max() > 0:
        weight = weight / weight.max()  # as ranked_counts scales them
    total = float(confidence.shape[0] if weight is None else weight.sum())
    finite = acceptable(confidence)  # NaN: never accepted, still counted
    if not finite.all():
        confidence, errors = confidence[finite], errors[finite]
        weight = None if weight is None else weight[finite]
    if confidence.shape[0] == 0:
        zeros = np.zeros(thresholds.shape[0])
        return zeros, np.full(thresholds.shape[0], np.nan)
    accepted, accepted_errors = counts_at(
        thresholds, *ranked_counts(errors, confidence, weight)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        risk = np.where(accepted > 0, accepted_errors / accepted, np.nan)
    return accepted / total, risk


def _stage_counts(confidence, errors, sample_weight, thresholds):
    """Count one stage's accepted rows and errors at each threshold (unscaled)."""
    finite = acceptable(confidence)
    confidence, errors = confidence[finite], errors[finite]
    if sample_weight is not None:
        sample_weight = sample_weight[finite]
    if confidence.shape[0] == 0:
        return np.zeros(thresholds.shape[0]), np.zeros(thresholds.shape[0])
    n, k = counts_at(thresholds, *ranked_counts(errors, confidence, sample_weight))
    if sample_weight is not None and sample_weight.max() > 0:
        # ranked_counts scales the weights to a maximum of 1
        n, k = n * sample_weight.max(), k * sample_weight.max()
    return n, k


def cascade_counts(confidence, errors, prefixes, last, sample_weight=None):
    """Count what a cascade does along chains of threshold tuples.

    A row is decided by the first stage ``s`` whose confidence is at least
    its threshold ``t_s`` (NaN never is); rows no stage accepts are
    rejected. There is one chain per prefix (a threshold for each stage but
    the last); along a chain the last stage's threshold runs through
    ``last``, or, when ``last`` is None, from ``inf`` (defer every row) down
    through every distinct confidence of the last stage among the rows
    reaching it. With ``prefixes = itertools.product(*grids[:-1])`` and
    ``last = grids[-1]`` this is every combination of the grids, the last
    stage varying fastest.

    Parameters
    ----------
    confidence : ndarray of shape (n_stages, n_samples)
        Confidence of each stage on each row.
    errors : ndarray of bool of shape (n_stages, n_samples)
        Whether each stage's prediction of each row is wrong.
    prefixes : iterable of tuples of float
        Thresholds of the stages before the last, one tuple per chain.
    last : ndarray or None
        Thresholds of the last stage, shared by every chain.
    sample_weight : ndarray of shape (n_samples,), default=None
        Row weights: the counts become sums of weights.

    Returns
    -------
    thresholds : ndarray of shape (n_nodes, n_stages)
        The threshold tuple of each node, chain after chain.
    counts : tuple of (reach, decided, n_errors)
        Rows reaching and rows decided by each stage, each of shape
        (n_nodes, n_stages), and wrong decisions, of shape (n_nodes,): int64
        counts without weights, sums of weights with them.
    sizes : list of int
        Number of nodes of each chain, in the order of ``prefixes``.
    """
    n_stages, n_samples = confidence.shape
    w = (
        np.ones(n_samples)
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64)
    )
    out_t, out_reach, out_decided, out_errors, sizes = [], [], [], [], []
    for prefix in prefixes:
        remaining = np.ones(n_samples, dtype=bool)
        reach, decided, n_err = [], [], 0.0
        for s, threshold in enumerate(prefix):
            reach.append(w @ remaining)
            with np.errstate(invalid="ignore"):
                accepted = (confidence[s] >= threshold) & remaining
            decided.append(w @ accepted)
            n_err += w @ (accepted & errors[s])
            remaining &= ~accepted
        reach.append(w @ remaining)
        candidates = last
        if candidates is None:
            conf = confidence[-1][remaining]
            candidates = np.concatenate(
                [[np.inf], np.unique(conf[acceptable(conf)])[::-1]]
            )
        n_last, k_last = _stage_counts(
            confidence[-1][remaining],
            errors[-1][remaining],
            None if sample_weight is None else w[remaining],
            candidates,
        )
        size = candidates.shape[0]
        t = np.empty((size, n_stages))
        t[:, :-1] = prefix
        t[:, -1] = candidates
        out_t.append(t)
        out_reach.append(np.tile(reach, (size, 1)))
        out_decided.append(np.column_stack([np.tile(decided, (size, 1)), n_last]))
        out_errors.append(n_err + k_last)
        sizes.append(size)
    counts = (
        np.vstack(out_reach),
        np.vstack(out_decided),
        np.concatenate(out_errors),
    )
    if sample_weight is None:
        counts = tuple(np.rint(c).astype(np.int64) for c in counts)
    return np.vstack(out_t), counts, sizes


def grid_counts(confidence, errors, grid, class_index=None, n_classes=1):
    """Count accepted samples and errors at each threshold of a grid, by class.

    Counts that merge by addition (:func:`merge_grid_counts`): the counts of
    the partitions of a data set sum to the counts of the whole, so data too
    large for memory is counted partition by partition with memory that does
    not depend on the number of rows. A sample is accepted at ``t`` iff
    ``confidence >= t`` (NaN never is, yet counts in ``n_total``). One
    ``searchsorted``, one ``bincount`` and a reverse cumulative sum.

    Parameters
    ----------
    confidence : ndarray of shape (n_samples,)
        Confidences, NaN allowed.
    errors : ndarray of bool of shape (n_samples,)
        Whether each prediction without rejection is wrong.
    grid : ndarray of shape (n_thresholds,)
        Increasing, distinct thresholds.
    class_index : ndarray of int of shape (n_samples,), default=None
        Predicted class of each sample (an index below ``n_classes``); None
        counts all samples as one class.
    n_classes : int, default=1
        Number of classes.

    Returns
    -------
    counts : Bunch
        ``accepted`` and ``errors`` (int64 of shape (n_classes,
        n_thresholds): samples predicted as each class with a confidence at
        least each threshold, and the errors among them), ``n_finite`` and
        ``n_total`` (int64 of shape (n_classes,): samples predicted as each
        class with a finite confidence, and all of them).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf._counting import grid_counts
    >>> counts = grid_counts(
    ...     np.array([0.9, 0.6, np.nan, 0.7]), np.array([0, 1, 0, 1], bool),
    ...     np.array([0.5, 0.7, 0.95]),
    ... )
    >>> counts.accepted.tolist(), counts.errors.tolist(), counts.n_total.tolist()
    ([[3, 2, 0]], [[2, 1, 0]], [4])
    """
    grid = np.asarray(grid, dtype=np.float64)
    confidence = np.asarray(confidence, dtype=np.float64)
    errors = np.asarray(errors, dtype=bool)
    n_grid = grid.shape[0]
    finite = acceptable(confidence)
    # how many grid values each sample reaches: accepted at grid[:position]
    position = np.searchsorted(grid, confidence, side="right")
    position[~finite] = 0
    if class_index is None:
        class_index = np.zeros(confidence.shape[0], dtype=np.intp)
    key = np.asarray(class_index, dtype=np.intp) * (n_grid + 1) + position
    size = n_classes * (n_grid + 1)
    rows = np.bincount(key, minlength=size).reshape(n_classes, n_grid + 1)
    wrong = np.bincount(key[errors], minlength=size).reshape(n_classes, n_grid + 1)

    def at_least(bins):  # samples reaching grid[j]: positions above j
        return np.cumsum(bins[:, :0:-1], axis=1, dtype=np.int64)[:, ::-1]

    return Bunch(
        accepted=at_least(rows),
        errors=at_least(wrong),
        n_finite=np.bincount(class_index[finite], minlength=n_classes).astype(np.int64),
        n_total=np.bincount(class_index, minlength=n_classes).astype(np.int64),
    )


def merge_grid_counts(first, second):
    """Sum two :func:`grid_counts` of disjoint samples on the same grid."""
    return Bunch(**{key: first[key] + second[key] for key in first})
