"""Finite-sample reject thresholds with a guarantee on selective risk.

This private module chooses a reject threshold on *calibration* data so that the
selective risk (the error rate among accepted samples) is at most a target
``target_risk`` with probability at least ``1 - delta`` over the draw of the
calibration set.

Conventions shared by every function:

* a sample is accepted at threshold ``t`` iff ``confidence >= t``;
* ``error`` is 1 when the base prediction is wrong and 0 otherwise;
* samples with tied confidence are accepted or rejected together: candidate
  thresholds are the *distinct* confidence values, never row positions;
* ``threshold = np.inf`` means "reject everything" (returned when no candidate
  can be certified). Confidences must therefore be finite.

Two selection procedures are provided:

:func:`select_threshold_sgr`
    Selection with Guaranteed Risk (Geifman & El-Yaniv, 2017): a binary search
    over thresholds with a union bound over its ``ceil(log2 m)`` steps.
:func:`select_threshold_ltt`
    Learn then Test (Angelopoulos et al., 2021): every candidate threshold is a
    null hypothesis "the selective risk exceeds ``target_risk``", tested with
    an exact binomial p-value under family-wise error rate control.

Both procedures rely on the calibration samples being exchangeable with (in
practice: i.i.d. like) the test samples. Weights are deliberately not
supported: the binomial arguments need integer counts.

References
----------
.. [1] Y. Geifman and R. El-Yaniv, "Selective classification for deep neural
   networks", NeurIPS 2017.
.. [2] A. N. Angelopoulos, S. Bates, E. J. Candès, M. I. Jordan and L. Lei,
   "Learn then Test: Calibrating predictive algorithms to achieve risk
   control", arXiv:2110.01052, 2021.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._counting import counts_at as _counts_at
from ._counting import ranked_counts as _ranked_counts

__all__ = [
    "DEFAULT_RISK_METHOD",
    "RISK_METHODS",
    "ThresholdSelection",
    "best_achievable_risk",
    "certify_chains",
    "holm_candidates",
    "select_threshold_fallback",
    "select_threshold_sgr_ltt",
    "binomial_p_value",
    "clopper_pearson_upper",
    "grouped_counts",
    "select_threshold_ltt",
    "select_threshold_sgr",
]

_FWER_METHODS = ("fixed_sequence", "holm", "bonferroni")


@dataclass(frozen=True)
class ThresholdSelection:
    """Outcome of a reject-threshold selection on calibration data.

    Attributes
    ----------
    threshold : float
        Accept a sample iff ``confidence >= threshold``. ``np.inf`` when no
        candidate could be certified (reject everything).
    risk_bound : float
        Certified upper bound on the selective risk at ``threshold`` (always
        ``<= target_risk`` when ``feasible``). ``nan`` when not ``feasible``.
        See each selection function for exactly which bound is reported.
    coverage : float
        Fraction of calibration samples accepted at ``threshold`` (0.0 when
        not ``feasible``).
    empirical_risk : float
        Error rate among the accepted calibration samples (``nan`` when
        nothing is accepted).
    feasible : bool
        Whether a threshold accepting at least one calibration sample was
        certified.
    n_calibration : int
        Number of calibration samples.
    n_accepted : int
        Number of calibration samples accepted at ``threshold``.
    """

    threshold: float
    risk_bound: float
    coverage: float
    empirical_risk: float
    feasible: bool
    n_calibration: int
    n_accepted: int


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------


def _check_probability(value, name, *, low_open=True, high_open=True):
    """Check that ``value`` is a real number in the (open) unit interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}.")
    value = float(value)
    too_low = value <= 0.0 if low_open else value < 0.0
    too_high = value >= 1.0 if high_open else value > 1.0
    if math.isnan(value) or too_low or too_high:
        lo = "(0" if low_open else "[0"
        hi = "1)" if high_open else "1]"
        raise ValueError(f"{name} must be in {lo}, {hi}, got {value!r}.")
    return value


def _check_counts(k, n):
    """Convert ``k`` and ``n`` to broadcast integer arrays with 0 <= k <= n."""
    k_arr = np.asarray(k)
    n_arr = np.asarray(n)
    for arr, name in ((k_arr, "k"), (n_arr, "n")):
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"{name} must contain integer counts, got {arr.dtype}.")
        if np.issubdtype(arr.dtype, np.complexfloating):
            raise TypeError(f"{name} must contain integer counts, got {arr.dtype}.")
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must contain integer counts.")
    k_arr, n_arr = np.broadcast_arrays(k_arr.astype(np.int64), n_arr.astype(np.int64))
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise ValueError("Counts must satisfy 0 <= k <= n.")
    return k_arr, n_arr


def _check_calibration(confidence, error):
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


# --------------------------------------------------------------------------
# binomial bounds and tests
# --------------------------------------------------------------------------


def clopper_pearson_upper(k, n, delta):
    """One-sided Clopper-Pearson upper confidence bound on a binomial rate.

    Returns the smallest ``b`` such that observing ``k`` or fewer errors out
    of ``n`` has probability at most ``delta`` under any rate ``p >= b``, i.e.
    ``beta.ppf(1 - delta, k + 1, n - k)``. With probability at least
    ``1 - delta`` the true rate is at most this bound.

    This is the "binomial tail inversion" ``B*(r_hat, delta, S_m)`` of Geifman &
    El-Yaniv (2017, Lemma 3.1), which their reference code solves by bisection
    on ``binom.cdf(k, n, b) = delta``: the two coincide.

    Parameters
    ----------
    k : int or array-like of int
        Number of errors, ``0 <= k <= n``.
    n : int or array-like of int
        Number of trials. Broadcast against ``k``.
    delta : float
        Miscoverage level in (0, 1).

    Returns
    -------
    bound : float or ndarray
        Upper bound in [0, 1]. Equal to 1.0 when ``k == n`` and, by
        convention, when ``n == 0``. A scalar when ``k`` and ``n`` are scalars.

    Examples
    --------
    >>> from selective_clf._bounds import clopper_pearson_upper
    >>> round(float(clopper_pearson_upper(0, 10, 0.05)), 4)  # 1 - 0.05 ** (1 / 10)
    0.2589
    >>> clopper_pearson_upper([0, 5, 0], [0, 5, 1], 0.05)
    array([1.  , 1.  , 0.95])
    """
    delta = _check_probability(delta, "delta")
    k_arr, n_arr = _check_counts(k, n)
    bound = np.ones(k_arr.shape, dtype=np.float64)
    inner = k_arr < n_arr
    bound[inner] = stats.beta.ppf(
        1.0 - delta, k_arr[inner] + 1, n_arr[inner] - k_arr[inner]
    )
    return bound[()] if bound.ndim == 0 else bound


def binomial_p_value(k, n, r):
    """Exact p-value of H0: "error rate > r" given ``k`` errors out of ``n``.

    The p-value is ``binom.cdf(k, n, r)``: the probability of observing at
    most ``k`` errors if the rate were exactly ``r`` (the least favourable
    null). Since it is decreasing in the rate, ``P(p <= alpha) <= alpha`` for
    every rate ``> r``. It is small when few errors were observed. For fixed
    ``k, n``: ``binomial_p_value(k, n, r) <= delta`` iff
    ``r >= clopper_pearson_upper(k, n, delta)``.

    Parameters
    ----------
    k : int or array-like of int
        Number of errors, ``0 <= k <= n``.
    n : int or array-like of int
        Number of trials. Broadcast against ``k``.
    r : float
        Rate under the null hypothesis, in (0, 1).

    Returns
    -------
    p_value : float or ndarray
        p-values in [0, 1]; 1.0 when ``n == 0`` (nothing can be rejected). A
        scalar when ``k`` and ``n`` are scalars.

    Examples
    --------
    >>> from selective_clf._bounds import binomial_p_value
    >>> float(binomial_p_value(0, 10, 0.1))  # 0.9 ** 10
    0.3486784401
    >>> binomial_p_value([0, 0], [0, 30], 0.1)
    array([1.        , 0.04239116])
    """
    r = _check_probability(r, "r")
    k_arr, n_arr = _check_counts(k, n)
    p_value = np.ones(k_arr.shape, dtype=np.float64)
    has_data = n_arr > 0
    p_value[has_data] = stats.binom.cdf(k_arr[has_data], n_arr[has_data], r)
    return p_value[()] if p_value.ndim == 0 else p_value


# --------------------------------------------------------------------------
# grouping of tied confidences
# --------------------------------------------------------------------------


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
    >>> from selective_clf._bounds import grouped_counts
    >>> t, n, k = grouped_counts([0.9, 0.6, 0.9, 0.7], [0, 1, 1, 0])
    >>> t.tolist(), n.tolist(), k.tolist()
    ([0.9, 0.7, 0.6], [2, 3, 4], [1, 1, 2])
    """
    confidence, error = _check_calibration(confidence, error)
    return _grouped_counts(confidence, error)


def _grouped_counts(confidence, error):
    """Unchecked core of :func:`grouped_counts` (the metrics' one-sort counts)."""
    return _ranked_counts(error.astype(bool), confidence, None)


def _infeasible(n_calibration):
    return ThresholdSelection(
        threshold=np.inf,
        risk_bound=np.nan,
        coverage=0.0,
        empirical_risk=np.nan,
        feasible=False,
        n_calibration=int(n_calibration),
        n_accepted=0,
    )


def _selection(threshold, risk_bound, n_acc, k_acc, n_calibration):
    return ThresholdSelection(
        threshold=float(threshold),
        risk_bound=float(risk_bound),
        coverage=float(n_acc) / n_calibration,
        empirical_risk=float(k_acc) / float(n_acc),
        feasible=True,
        n_calibration=int(n_calibration),
        n_accepted=int(n_acc),
    )


# --------------------------------------------------------------------------
# Selection with Guaranteed Risk
# --------------------------------------------------------------------------


def select_threshold_sgr(confidence, error, *, target_risk, delta):
    """Choose a threshold by Selection with Guaranteed Risk (SGR) binary search.

    Implements Algorithm 1 of Geifman & El-Yaniv (2017) on the distinct
    confidence values, with three deliberate changes (the first two are the
    ones that matter):

    1. **Best feasible iterate.** The paper and its reference code return the
       *last* iterate, whose bound may exceed ``target_risk``. Here the
       returned threshold is the feasible iterate (bound ``<= target_risk``)
       with the largest coverage; if no iterate is feasible everything is
       rejected.
    2. **Search space.** Let ``G`` be the number of distinct confidences
       (``G = m`` without ties). The paper's index ``z`` runs over
       ``1..m`` in increasing confidence and its ceiling-midpoint rule never
       tests ``z = 1`` (full coverage). We search over ``G + 1`` positions:
       the ``G`` groups plus a never-tested sentinel below the lowest
       confidence, so every group, including full coverage, is reachable.
       In decreasing-confidence group indices: ``lo, hi = 0, G``; test
       ``j = (lo + hi) // 2``; feasible moves ``lo = j`` (more coverage),
       infeasible moves ``hi = j`` (less coverage).
    3. **Feasibility** is ``bound <= target_risk`` (the paper writes ``<``).

    Exactly as in the paper, ``m`` is the number of calibration samples, the
    search runs for at most ``k = ceil(log2 m)`` steps (``k = 1`` when
    ``m = 1``) and every step uses the Clopper-Pearson bound at level
    ``delta / k``, so a union bound over the at most ``k`` evaluated bounds
    gives the ``1 - delta`` guarantee. The loop stops early once the next
    midpoint was already tested (the search has converged); a capped search
    (possible only when ``G = m`` is a power of two) keeps the best feasible
    iterate found so far. Only ``O(log m)`` bounds are evaluated.

    Parameters
    ----------
    confidence : array-like of shape (n_samples,)
        Finite confidence scores on calibration data.
    error : array-like of shape (n_samples,)
        1 where the base prediction is wrong, 0 where it is right.
    target_risk : float
        Desired upper bound on the selective risk, in (0, 1).
    delta : float
        Allowed failure probability of the guarantee, in (0, 1).

    Returns
    -------
    result : ThresholdSelection
        ``risk_bound`` is the Clopper-Pearson bound at level ``delta / k`` on
        the accepted calibration set, i.e. the bound ``b*`` certified by the
        search (``nan`` when infeasible).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf._bounds import select_threshold_sgr
    >>> confidence = np.linspace(0.5, 1.0, 200)
    >>> error = (np.arange(200) < 60).astype(int)  # least confident are wrong
    >>> res = select_threshold_sgr(confidence, error, target_risk=0.1, delta=0.05)
    >>> res.feasible, res.risk_bound <= 0.1, res.empirical_risk <= res.risk_bound
    (True, True, True)
    """
    confidence, error = _check_calibration(confidence, error)
    target_risk = _check_probability(target_risk, "target_risk")
    delta = _check_probability(delta, "delta")
    m = confidence.shape[0]
    thresholds, n_acc, k_acc = _grouped_counts(confidence, error)
    n_steps = max(1, math.ceil(math.log2(m)))
    level = delta / n_steps

    lo, hi = 0, thresholds.shape[0]
    tested = set()
    best = None
    for _ in range(n_steps):
        j = (lo + hi) // 2
        if j in tested:
            break
        tested.add(j)
        bound = float(clopper_pearson_upper(k_acc[j], n_acc[j], level))
        if bound <= target_risk:
            lo = j
            if best is None or j > best[0]:
                best = (j, bound)
        else:
            hi = j
    if best is None:
        return _infeasible(m)
    j, bound = best
    return _selection(thresholds[j], bound, n_acc[j], k_acc[j], m)


# --------------------------------------------------------------------------
# Learn then Test
# --------------------------------------------------------------------------


def ltt_candidates(confidence, *, target_risk, delta, max_tolerated_errors=2):
    """Default Learn-then-Test candidates: distinct values past a robust start.

    Fixed-sequence testing stops at its first failure, and a candidate that
    accepts only a few samples fails on a single error. The sequence therefore
    starts at the most confident candidate accepting at least ``n_start``
    samples, the smallest count at which the binomial test can pass with ``e``
    errors, and goes on through every distinct value below it. ``e`` is the
    largest number up to ``max_tolerated_errors`` whose ``n_start`` is at most
    half the calibration set (0 if none is). The choice uses the confidences
    and their number only, never the errors, so the test stays valid. In
    simulations (``benchmarks/bench_tuning.py``) it certified more coverage
    than one candidate per distinct value, a quantile grid, or SGR, at the
    same validity.

    Parameters
    ----------
    confidence : ndarray of shape (n_samples,)
        Calibration confidences.
    target_risk, delta : float
        The risk target and the allowed failure probability.
    max_tolerated_errors : int, default=2
        Most errors the first test may contain and still pass.

    Returns
    -------
    thresholds : ndarray
        Ascending candidate thresholds (``[inf]`` when even all samples are
        too few).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf._bounds import ltt_candidates
    >>> conf = np.linspace(0, 1, 201)
    >>> float(ltt_candidates(conf, target_risk=0.1, delta=0.05).max())  # 61 accepted
    0.7
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    n_samples = confidence.shape[0]
    counts = np.arange(1, n_samples + 1)
    n_start = None
    for errors in range(max_tolerated_errors, -1, -1):
        passing = np.flatnonzero(stats.binom.cdf(errors, counts, target_risk) <= delta)
        if passing.size and (counts[passing[0]] <= n_samples / 2 or errors == 0):
            n_start = int(counts[passing[0]])
            break
    if n_start is None:
        return np.array([np.inf])
    start = np.sort(confidence)[::-1][n_start - 1]
    distinct = np.unique(confidence)
    return distinct[distinct <= start]


def select_threshold_ltt(
    confidence,
    error,
    *,
    target_risk,
    delta,
    fwer="fixed_sequence",
    thresholds=None,
):
    """Choose a reject threshold by Learn then Test (LTT).

    Each candidate threshold ``t`` is a null hypothesis
    ``H_t: R(t) > target_risk`` where ``R(t) = P(error | confidence >= t)`` is
    the selective risk. Conditional on the number ``n_t`` of calibration
    samples accepted at ``t``, the accepted samples are an i.i.d. sample from
    the accepted part of the distribution (this needs the calibration data to
    be i.i.d./exchangeable with test data), so their error count is
    ``Binomial(n_t, R(t))`` and ``binom.cdf(k_t, n_t, target_risk)`` is a
    valid p-value (:func:`binomial_p_value`). The null hypotheses rejected
    under family-wise error rate (FWER) control at level ``delta`` are
    certified simultaneously with probability at least ``1 - delta``; the
    certified threshold with the largest calibration coverage is returned.

    Candidates are ordered from the most conservative (highest threshold,
    smallest coverage) to the least. A candidate accepting so few calibration
    samples that its p-value exceeds ``delta`` whatever the errors, i.e.
    ``(1 - target_risk) ** n_t > delta`` (in particular ``n_t == 0``), is
    dropped before testing: it can never be certified, and in fixed-sequence
    testing it would stop the sequence at once, since the most conservative
    candidates accept only a handful of samples. The drop depends on the
    accepted counts only, never on the errors (the LTT reference code
    similarly discards thresholds accepting fewer than 25-30 samples). As the
    dropped set shrinks when ``target_risk`` grows, the fixed-sequence
    coverage is non-decreasing in ``target_risk`` only for a fixed set of
    testable candidates: a small candidate that becomes testable at a larger
    target risk can fail and stop the sequence earlier.

    The textbook LTT guarantee holds for a grid of ``thresholds`` fixed
    before seeing the calibration data. The default candidates, the distinct
    calibration confidences, are data-dependent; the guarantee then rests on
    the conditional binomial argument above holding at the data-chosen
    thresholds, which is the case when the risk is non-increasing in the
    threshold (the first null candidate crossed accepts the samples above
    the oracle threshold plus boundary samples whose error rate exceeds the
    target). The test-suite checks the violation rate by simulation.

    Parameters
    ----------
    confidence : array-like of shape (n_samples,)
        Finite confidence scores on calibration data.
    error : array-like of shape (n_samples,)
        1 where the base prediction is wrong, 0 where it is right.
    target_risk : float
        Desired upper bound on the selective risk, in (0, 1).
    delta : float
        Allowed failure probability (FWER level), in (0, 1).
    fwer : {"fixed_sequence", "holm", "bonferroni"}, default="fixed_sequence"
        Family-wise error rate control:

        - ``"fixed_sequence"``: test candidates in order, each at level
          ``delta``, and stop at the first p-value ``> delta``; the certified
          set is every candidate before the stop. Most powerful when the risk
          decreases with the threshold, as is typical.
        - ``"holm"``: Bonferroni-Holm step-down over all ``M`` candidates.
        - ``"bonferroni"``: reject the nulls with p-value ``<= delta / M``.
    thresholds : array-like of shape (n_thresholds,), default=None
        Candidate thresholds (deduplicated and sorted internally). ``None``
        uses the distinct calibration confidences.

    Returns
    -------
    result : ThresholdSelection
        ``risk_bound`` is a reporting number consistent with the test (the
        guarantee itself is the FWER statement): for ``"fixed_sequence"`` the
        running maximum of the Clopper-Pearson bounds at level ``delta`` over
        the tested candidates up to the returned one, i.e. the smallest target
        risk at which all of them still pass (``p <= delta`` iff the target
        is at least that bound); for ``"holm"`` the
        Clopper-Pearson bound at the Holm level ``delta / (M - i)`` at which it
        was rejected (``i`` is its 0-based rank among the sorted p-values);
        for ``"bonferroni"`` the bound at level ``delta / M``. Always
        ``<= target_risk`` (up to rounding) when feasible, ``nan`` otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf._bounds import select_threshold_ltt
    >>> confidence = np.linspace(0.5, 1.0, 200)
    >>> error = (np.arange(200) < 60).astype(int)  # least confident are wrong
    >>> res = select_threshold_ltt(confidence, error, target_risk=0.1, delta=0.05)
    >>> res.feasible, res.risk_bound <= 0.1, res.n_accepted
    (True, True, 148)
    """
    confidence, error = _check_calibration(confidence, error)
    target_risk = _check_probability(target_risk, "target_risk")
    delta = _check_probability(delta, "delta")
    if not isinstance(fwer, str) or fwer not in _FWER_METHODS:
        raise ValueError(f"fwer must be one of {_FWER_METHODS}, got {fwer!r}.")
    m = confidence.shape[0]
    group_t, group_n, group_k = _grouped_counts(confidence, error)

    if thresholds is None:
        cand_t, cand_n, cand_k = group_t, group_n, group_k
    else:
        cand_t = np.asarray(thresholds)
        if cand_t.dtype == bool or not np.issubdtype(cand_t.dtype, np.number):
            raise TypeError(f"thresholds must be numeric, got dtype {cand_t.dtype}.")
        cand_t = cand_t.astype(np.float64)
        if cand_t.ndim != 1 or cand_t.shape[0] == 0:
            raise ValueError("thresholds must be a non-empty 1-D array.")
        if np.any(np.isnan(cand_t)):
            raise ValueError("thresholds must not contain NaN.")
        cand_t = np.unique(cand_t)[::-1]
        cand_n, cand_k = _counts_at(cand_t, group_t, group_n, group_k)

    # drop candidates that cannot be certified even without any error
    testable = binomial_p_value(np.zeros_like(cand_n), cand_n, target_risk) <= delta
    cand_t, cand_n, cand_k = cand_t[testable], cand_n[testable], cand_k[testable]
    if cand_t.shape[0] == 0:
        return _infeasible(m)
    p_values = binomial_p_value(cand_k, cand_n, target_risk)
    n_cand = cand_t.shape[0]

    if fwer == "fixed_sequence":
        failed = np.flatnonzero(p_values > delta)
        n_certified = failed[0] if failed.shape[0] else n_cand
        if n_certified == 0:
            return _infeasible(m)
        j = n_certified - 1
        # smallest r' for which candidates 0..j all pass: p_i(r') <= delta iff
        # r' >= clopper_pearson_upper(k_i, n_i, delta)
        bound = np.max(clopper_pearson_upper(cand_k[: j + 1], cand_n[: j + 1], delta))
    elif fwer == "holm":
        order = np.argsort(p_values, kind="stable")
        levels = delta / (n_cand - np.arange(n_cand))
        failed = np.flatnonzero(p_values[order] > levels)
        n_rejected = failed[0] if failed.shape[0] else n_cand
        if n_rejected == 0:
            return _infeasible(m)
        # coverage is non-decreasing along the candidate order: take the last
        rank = np.argmax(order[:n_rejected])
        j = order[rank]
        bound = clopper_pearson_upper(cand_k[j], cand_n[j], levels[rank])
    else:  # bonferroni
        rejected = np.flatnonzero(p_values <= delta / n_cand)
        if rejected.shape[0] == 0:
            return _infeasible(m)
        j = rejected[-1]
        bound = clopper_pearson_upper(cand_k[j], cand_n[j], delta / n_cand)
    return _selection(cand_t[j], bound, cand_n[j], cand_k[j], m)


# --------------------------------------------------------------------------
# shared pieces of the fixed-sequence family
# --------------------------------------------------------------------------


def _check_thresholds(thresholds):
    """Validate a user grid of candidate thresholds; return it decreasing."""
    cand_t = np.asarray(thresholds)
    if cand_t.dtype == bool or not np.issubdtype(cand_t.dtype, np.number):
        raise TypeError(f"thresholds must be numeric, got dtype {cand_t.dtype}.")
    cand_t = cand_t.astype(np.float64)
    if cand_t.ndim != 1 or cand_t.shape[0] == 0:
        raise ValueError("thresholds must be a non-empty 1-D array.")
    if np.any(np.isnan(cand_t)):
        raise ValueError("thresholds must not contain NaN.")
    return np.unique(cand_t)[::-1]


def _candidates(confidence, error, thresholds):
    """Candidate thresholds (decreasing) with accepted counts and errors."""
    group_t, group_n, group_k = _grouped_counts(confidence, error)
    if thresholds is None:
        return group_t, group_n, group_k
    cand_t = _check_thresholds(thresholds)
    cand_n, cand_k = _counts_at(cand_t, group_t, group_n, group_k)
    return cand_t, cand_n, cand_k


def _min_count(n_errors, target_risk, level, n_max):
    """Smallest ``n <= n_max`` at which ``n_errors`` errors pass the test.

    The binomial test "risk > target_risk" at ``level`` rejects with ``k``
    errors out of ``n`` iff ``binom.cdf(k, n, target_risk) <= level``, which
    is decreasing in ``n``. Returns ``None`` when even ``n_max`` is too few.
    """
    if n_max <= n_errors:
        return None
    counts = np.arange(n_errors + 1, n_max + 1)
    passing = np.flatnonzero(stats.binom.cdf(n_errors, counts, target_risk) <= level)
    return int(counts[passing[0]]) if passing.size else None


def _chain_graph(p_values, start_index, start_level):
    """Fixed-sequence chain with several entry points (a fallback graph).

    Hypotheses ``0..M-1`` form a chain in which a rejected hypothesis passes
    its whole level to the next one. Entry ``s`` (a hypothesis index) holds an
    initial level ``start_level[s]``; the levels sum to at most ``delta``. A
    hypothesis is rejected iff its p-value is at most the level it holds: its
    own initial level plus the level passed on by a rejected predecessor.
    This is the graphical weighted-Bonferroni procedure of Bretz et al. (2009)
    for the graph "each node passes everything to its successor", which
    controls the family-wise error rate at the total level for any
    dependence between the p-values (closed testing with weighted Bonferroni
    tests; the graph is consonant). With a single entry it is fixed-sequence
    testing; with entries at every hypothesis it is Wiens' fallback procedure.

    Returns the rejected mask and the level held by each hypothesis.
    """
    n_hyp = p_values.shape[0]
    held = np.zeros(n_hyp)
    rejected = np.zeros(n_hyp, dtype=bool)
    entries = sorted(set(int(s) for s in start_index))
    own = {s: 0.0 for s in entries}
    for s, lev in zip(start_index, start_level, strict=True):
        own[int(s)] += float(lev)
    carry = 0.0
    for pos, s in enumerate(entries):
        end = entries[pos + 1] if pos + 1 < len(entries) else n_hyp
        level = carry + own[s]
        failed = np.flatnonzero(p_values[s:end] > level)
        stop = s + failed[0] if failed.size else end
        held[s:end] = level
        rejected[s:stop] = True
        # the failed hypothesis keeps its level; the next entry starts afresh
        carry = level if stop == end else 0.0
        if stop < end:
            held[stop + 1 : end] = 0.0
    return rejected, held


def _cp_upper_levels(k, n, levels):
    """Clopper-Pearson upper bounds with one level per count (unchecked)."""
    bound = np.ones(k.shape, dtype=np.float64)
    inner = k < n
    bound[inner] = stats.beta.ppf(
        1.0 - levels[inner], k[inner] + 1, n[inner] - k[inner]
    )
    return bound


def _run_bound(cand_n, cand_k, rejected, held, j):
    """Return the reporting bound of the certified hypothesis ``j`` of a chain.

    The running maximum of the Clopper-Pearson bounds, each at the level its
    test used, over the run of rejections that ends at ``j``.
    """
    run_start = j
    while run_start > 0 and rejected[run_start - 1] and held[run_start - 1] > 0:
        run_start -= 1
    run = slice(run_start, j + 1)
    return float(np.max(_cp_upper_levels(cand_k[run], cand_n[run], held[run])))


def _chain_selection(cand_t, cand_n, cand_k, rejected, held, m):
    """Largest-coverage certified candidate of a chain, with its bound."""
    certified = np.flatnonzero(rejected)
    if certified.size == 0:
        return _infeasible(m)
    j = certified[-1]
    bound = _run_bound(cand_n, cand_k, rejected, held, j)
    return _selection(cand_t[j], bound, cand_n[j], cand_k[j], m)


def _entry_starts(cand_n, entry_counts, entry_levels, offset=0):
    """Map entry counts to the first candidate accepting at least that many.

    ``cand_n`` is non-decreasing along the chain. Entries that no candidate
    reaches are dropped (with their level). Returns the start indices (plus
    ``offset``) and their levels.
    """
    starts, levels = [], []
    for count, level in zip(entry_counts, entry_levels, strict=True):
        idx = np.flatnonzero(cand_n >= count)
        if idx.size:
            starts.append(offset + int(idx[0]))
            levels.append(level)
    return starts, levels


#: The power entries of :func:`select_threshold_fallback`, as pairs
#: ``(risk_ratio, share)``: an entry holding ``share * delta`` at the smallest
#: count at which its test (at that level) passes with probability ``POWER``
#: when the true selective risk is ``risk_ratio * target_risk``. The floor
#: entry serves an error floor at half the target and is paid for by the
#: later doubling entries; the weak-model entry serves a risk that barely
#: moves with confidence, just under the target, and is paid for by all.
FLOOR_ENTRY = (0.5, 1 / 4)
WEAK_ENTRY = (0.8, 1 / 4)
POWER = 0.8
#: Where SGR's binary search tests first (fractions of the calibration
#: samples), and the most of the other entries' level (after the first) the
#: halving entries of :func:`select_threshold_fallback` may take.
HALVING_FRACTIONS = (0.5, 0.25)
HALVING_MAX_TAKE = 0.8


def _power_count(n_max, target_risk, level, risk, power):
    """Smallest ``n <= n_max`` whose test at ``level`` has power ``power``.

    The test with ``n`` accepted samples rejects "risk > target_risk" iff the
    error count is at most ``k_n``, the largest ``k`` with
    ``binom.cdf(k, n, target_risk) <= level``; its power when the true risk
    is ``risk`` is ``binom.cdf(k_n, n, risk)``. The power is not monotone in
    ``n`` (discreteness), so counts are scanned in doubling blocks and the
    first that reaches ``power`` is returned; ``None`` when none up to
    ``n_max`` does.
    """
    low = 1
    while low <= n_max:
        high = min(n_max, 2 * low + 1023)
        n = np.arange(low, high + 1)
        k = stats.binom.ppf(level, n, target_risk)
        k = np.where(stats.binom.cdf(k, n, target_risk) <= level, k, k - 1)
        reach = np.where(k >= 0, stats.binom.cdf(k, n, risk), 0.0) >= power
        if reach.any():
            return int(n[np.argmax(reach)])
        low = high + 1
    return None


def _fallback_entries(m, target_risk, delta, first_share, max_errors=2, power=True):
    """Default entry counts and levels of :func:`select_threshold_fallback`.

    The doubling entries: the first, holding ``first_share`` of their level,
    is the smallest count at which the test at that level passes with ``e``
    errors, ``e`` the largest number up to ``max_errors`` whose count is at
    most ``m / 2`` (0 if none is; the rule of :func:`ltt_candidates`); the
    next entries double the count while it stays at most ``m`` and share the
    rest equally. A lone doubling entry holds all of their level.

    The power entries (``power=True``), each at :func:`_power_count` for its
    level and a true risk of ``risk_ratio * target_risk``, and only if that
    count is at most ``m / 2``:

    - the floor entry (:data:`FLOOR_ENTRY`), when there are at least two
      doubling entries: it takes ``share * delta`` (at most their level)
      from the doubling entries after the first, scaling them down; the
      first keeps its level;
    - the weak-model entry (:data:`WEAK_ENTRY`), when there are doubling
      entries: every level so far is scaled by ``1 - share`` and the entry
      holds ``share * delta``.

    Then the halving entries (``power=True`` and at least two entries so
    far): at ``m // 2`` and ``m // 4`` (:data:`HALVING_FRACTIONS`), each
    holding SGR's level ``delta / ceil(log2 m)``; together they take at most
    :data:`HALVING_MAX_TAKE` of the level of the entries after the first,
    which are scaled down accordingly.

    Counts never change with the scaling.

    Returns the counts and levels, in no particular order; the levels sum to
    ``delta``. Depends on ``m``, ``target_risk`` and ``delta`` only.
    """

    def first_count(level):
        for errors in range(max_errors, -1, -1):
            n = _min_count(errors, target_risk, level, m)
            if n is not None and (n <= m / 2 or errors == 0):
                return n
        return None

    n_first = first_count(delta * first_share)
    if n_first is None or 2 * n_first > m:
        n_first = first_count(delta)
        counts, levels = ([], []) if n_first is None else ([n_first], [delta])
    else:
        counts = [n_first]
        while 2 * counts[-1] <= m:
            counts.append(2 * counts[-1])
        rest = delta * (1.0 - first_share) / (len(counts) - 1)
        levels = [delta * first_share] + [rest] * (len(counts) - 1)
    if not counts or not power:
        return counts, levels

    def power_count(entry):
        risk_ratio, share = entry
        level = share * delta
        return _power_count(m // 2, target_risk, level, risk_ratio * target_risk, POWER)

    def add(counts, levels, new_counts, take, first_pays):
        """Append entries sharing ``take``, paid for in proportion.

        The entries after the first pay, or all of them with ``first_pays``.
        """
        payers = 0 if first_pays else 1
        scale = 1.0 - take / sum(levels[payers:])
        levels = levels[:payers] + [level * scale for level in levels[payers:]]
        share = take / len(new_counts)
        return counts + new_counts, levels + [share] * len(new_counts)

    n_floor = power_count(FLOOR_ENTRY)
    if n_floor is not None and len(counts) > 1:
        take = min(FLOOR_ENTRY[1] * delta, sum(levels[1:]))
        counts, levels = add(counts, levels, [n_floor], take, first_pays=False)
    n_weak = power_count(WEAK_ENTRY)
    if n_weak is not None:
        take = WEAK_ENTRY[1] * delta
        counts, levels = add(counts, levels, [n_weak], take, first_pays=True)
    if len(counts) > 1:
        sgr_level = delta / max(1, math.ceil(math.log2(m)))
        take = min(
            sgr_level * len(HALVING_FRACTIONS), HALVING_MAX_TAKE * sum(levels[1:])
        )
        halving = [int(m * f) for f in HALVING_FRACTIONS]
        counts, levels = add(counts, levels, halving, take, first_pays=False)
    return counts, levels


def select_threshold_fallback(
    confidence,
    error,
    *,
    target_risk,
    delta,
    thresholds=None,
    first_share=0.5,
    power_entries=True,
):
    """Choose a threshold by fixed-sequence testing with fallback entries.

    The candidates (every distinct calibration confidence, or ``thresholds``)
    are tested from the most confident down, as in fixed-sequence Learn then
    Test, but the sequence can be *entered* at several points, each holding a
    share of ``delta``:

    - the *doubling entries*: at the smallest number of accepted samples
      ``n_1`` at which the test at level ``first_share * delta`` passes with
      two errors, then at ``2 n_1``, ``4 n_1``, ... (at most ``m``), which
      share what ``n_1`` leaves equally;
    - the *floor entry*: the smallest number of accepted samples at which
      its test passes with probability 0.8 when the true selective risk is
      half the target (an error floor). It holds a quarter of ``delta``,
      taken from the doubling entries after the first (the first keeps its
      level, which is what a monotone risk needs);
    - the *weak-model entry*: the same for a true risk of 0.8 times the
      target (a weak model whose risk barely moves with confidence); it
      holds a quarter of ``delta`` and scales every other level by 3/4;
    - the *halving entries*: at half and a quarter of the calibration
      samples, where SGR's binary search tests first, each holding SGR's
      level ``delta / ceil(log2 m)``, paid for by the entries after the
      first (at most 80% of their level). When SGR's first test passes, so
      does the run entered there, which then goes on with every level it
      collects.

    A power entry is used only if it is at most ``m / 2``; the levels always
    sum to ``delta``.

    A candidate whose test passes hands its whole level on to the next one,
    so a run that reaches the next entry adds that entry's level to its own;
    a failed test stops its run but not the later entries.

    Why: a single sequence stops at its first failure. When the most
    confident predictions already carry an error floor (a share of errors
    that does not vanish with confidence) or a cluster of confidently wrong
    predictions, its first test, on a few dozen samples, fails and nothing is
    certified although thresholds accepting hundreds of samples would pass
    easily. The later entries catch those, and the power entries start runs
    where such a floor would pass; when the risk rises monotonically the
    first run usually passes every entry before the boundary and ends at
    (almost) the full level ``delta``. ``power_entries=False`` gives the
    doubling entries alone.

    Validity: this is the graphical weighted-Bonferroni procedure of Bretz et
    al. (2009) for the chain graph in which every hypothesis passes its level
    to its successor, whose initial levels sum to ``delta``; it controls the
    family-wise error rate at ``delta`` for any dependence between the
    p-values (closed testing with weighted Bonferroni local tests). Each
    p-value is the binomial p-value of :func:`select_threshold_ltt`. The
    entries and the candidates depend on the number of calibration samples
    and on the confidences only, never on the errors, which is the same
    condition under which the default candidates of
    :func:`select_threshold_ltt` are valid (see there); with a fixed
    ``thresholds`` grid it is the textbook LTT guarantee. Simulated violation
    rates, including non-monotone risks, are in
    ``benchmarks/bench_certification.py``.

    Parameters
    ----------
    confidence : array-like of shape (n_samples,)
        Finite confidence scores on calibration data.
    error : array-like of shape (n_samples,)
        1 where the base prediction is wrong, 0 where it is right.
    target_risk : float
        Desired upper bound on the selective risk, in (0, 1).
    delta : float
        Allowed failure probability (FWER level), in (0, 1).
    thresholds : array-like of shape (n_thresholds,), default=None
        Candidate thresholds; ``None`` uses the distinct calibration
        confidences. An entry count maps to the first candidate accepting at
        least that many samples.
    first_share : float, default=0.5
        Share of the doubling entries' level held by the first one, in
        (0, 1].
    power_entries : bool, default=True
        Whether to add the floor, weak-model and halving entries.

    Returns
    -------
    result : ThresholdSelection
        ``risk_bound`` is the running maximum, over the run of passed tests
        ending at the returned candidate, of the Clopper-Pearson bounds at
        the level each test used: a number ``<= target_risk`` consistent with
        the test (the guarantee itself is the FWER statement).

    References
    ----------
    .. [1] F. Bretz, W. Maurer, W. Brannath and M. Posch, "A graphical
       approach to sequentially rejective multiple test procedures",
       Statistics in Medicine 28(4), 2009.
    .. [2] B. L. Wiens, "A fixed sequence Bonferroni procedure for testing
       multiple endpoints", Pharmaceutical Statistics 2(3), 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf._bounds import select_threshold_fallback
    >>> rng = np.random.default_rng(0)
    >>> confidence = rng.uniform(size=2000)
    >>> # an error floor of 5% among the most confident, rising below 0.6
    >>> p_error = np.maximum(0.05, 0.05 + 0.8 * (0.6 - confidence))
    >>> error = (rng.uniform(size=2000) < p_error).astype(int)
    >>> res = select_threshold_fallback(
    ...     confidence, error, target_risk=0.1, delta=0.05
    ... )
    >>> res.feasible, res.risk_bound <= 0.1, res.n_accepted
    (True, True, 1304)

    A single sequence started at a few dozen samples fails its first test:

    >>> from selective_clf._bounds import ltt_candidates, select_threshold_ltt
    >>> start = ltt_candidates(confidence, target_risk=0.1, delta=0.05)
    >>> select_threshold_ltt(
    ...     confidence, error, target_risk=0.1, delta=0.05, thresholds=start
    ... ).feasible
    False
    """
    confidence, error = _check_calibration(confidence, error)
    target_risk = _check_probability(target_risk, "target_risk")
    delta = _check_probability(delta, "delta")
    first_share = _check_probability(first_share, "first_share", high_open=False)
    if not isinstance(power_entries, (bool, np.bool_)):
        raise TypeError(f"power_entries must be True or False, got {power_entries!r}.")
    m = confidence.shape[0]
    cand_t, cand_n, cand_k = _candidates(confidence, error, thresholds)
    entry_counts, entry_levels = _fallback_entries(
        m, target_risk, delta, first_share, power=bool(power_entries)
    )
    starts, levels = _entry_starts(cand_n, entry_counts, entry_levels)
    if not starts:
        return _infeasible(m)
    p_values = binomial_p_value(cand_k, cand_n, target_risk)
    rejected, held = _chain_graph(p_values, starts, levels)
    return _chain_selection(cand_t, cand_n, cand_k, rejected, held, m)


def certify_chains(
    cand_n,
    cand_k,
    chain_sizes,
    chain_levels,
    *,
    n_calibration,
    target_risk,
    first_share=0.5,
):
    """Fallback testing of several chains of candidates as one graph procedure.

    Each chain is a sequence of candidates ordered from the fewest accepted
    samples to the most (as the candidates of
    :func:`select_threshold_fallback`, most confident first), and holds a
    share ``chain_levels[c]`` of the total level. Within each chain that
    share is spread over the entries of :func:`select_threshold_fallback`
    (:func:`_fallback_entries` at that level), and the chains are
    concatenated into one chain graph (:func:`_chain_graph`): a run that
    passes the whole of one chain hands its level on to the next. This is
    the graphical weighted-Bonferroni procedure of Bretz et al. (2009) for a
    chain whose initial levels sum to ``sum(chain_levels)``, so it controls
    the family-wise error rate at that sum for any dependence between the
    p-values, provided the chains, their order and their levels are chosen
    without the errors. A single chain holding ``delta`` is
    :func:`select_threshold_fallback`.

    Parameters
    ----------
    cand_n, cand_k : ndarray of int of shape (n_candidates,)
        Accepted samples and errors of every candidate, chain after chain.
    chain_sizes : sequence of int
        Number of candidates of each chain, in order; they sum to
        ``n_candidates``.
    chain_levels : sequence of float
        Level held by each chain; their sum is the family-wise level.
    n_calibration : int
        Number of calibration samples (sets the entry counts).
    target_risk : float
        The risk target, in (0, 1).
    first_share : float, default=0.5
        As in :func:`select_threshold_fallback`.

    Returns
    -------
    certified : ndarray of bool of shape (n_candidates,)
        The rejected null hypotheses "risk > target_risk".
    risk_bound : ndarray of shape (n_candidates,)
        For each certified candidate, the running maximum of the
        Clopper-Pearson bounds, each at the level its test used, over the run
        of passed tests that ends there (the reporting bound of
        :func:`select_threshold_fallback`); NaN elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf._bounds import certify_chains
    >>> n = np.array([100, 200, 300, 100, 200, 300])
    >>> k = np.array([0, 2, 30, 0, 25, 40])  # chain 2 fails from its 2nd test
    >>> certified, bound = certify_chains(
    ...     n, k, [3, 3], [0.025, 0.025], n_calibration=300, target_risk=0.1
    ... )
    >>> certified.tolist()
    [True, True, False, True, False, False]
    """
    cand_n = np.asarray(cand_n, dtype=np.int64)
    cand_k = np.asarray(cand_k, dtype=np.int64)
    target_risk = _check_probability(target_risk, "target_risk")
    if sum(chain_sizes) != cand_n.shape[0] or cand_k.shape != cand_n.shape:
        raise ValueError(
            f"chain_sizes sum to {sum(chain_sizes)} but there are "
            f"{cand_n.shape[0]} candidates (and {cand_k.shape[0]} error counts)."
        )
    starts, levels, offset = [], [], 0
    for size, level in zip(chain_sizes, chain_levels, strict=True):
        if size and level > 0:
            counts, entry_levels = _fallback_entries(
                n_calibration, target_risk, level, first_share
            )
            chain_starts, chain_entry_levels = _entry_starts(
                cand_n[offset : offset + size], counts, entry_levels, offset
            )
            starts += chain_starts
            levels += chain_entry_levels
        offset += size
    certified = np.zeros(cand_n.shape[0], dtype=bool)
    bound = np.full(cand_n.shape[0], np.nan)
    if not starts:
        return certified, bound
    p_values = binomial_p_value(cand_k, cand_n, target_risk)
    certified, held = _chain_graph(p_values, starts, levels)
    if not certified.any():
        return certified, bound
    # runs of consecutive certified candidates: running maximum of the bounds
    index = np.flatnonzero(certified)
    cp = _cp_upper_levels(cand_k[index], cand_n[index], held[index])
    run_starts = np.flatnonzero(np.diff(index, prepend=-2) != 1)
    ends = [*run_starts[1:], index.shape[0]]
    for first, stop in zip(run_starts, ends, strict=True):
        bound[index[first:stop]] = np.maximum.accumulate(cp[first:stop])
    return certified, bound


# --------------------------------------------------------------------------
# more procedures and the dispatch table
# --------------------------------------------------------------------------


def select_threshold_sgr_ltt(confidence, error, *, target_risk, delta, thresholds=None):
    """Run SGR and fixed-sequence LTT at ``delta / 2`` each; keep the larger.

    The hybrid of zugzwang: :func:`select_threshold_sgr` and
    :func:`select_threshold_ltt` (fixed sequence, default start
    :func:`ltt_candidates`, or ``thresholds``) each at level ``delta / 2``;
    the certified threshold with the larger calibration coverage is returned
    (SGR on a tie). Valid by a union bound: each selection violates the
    target with probability at most ``delta / 2``, so the returned one, which
    is one of them, does with probability at most ``delta``.

    Parameters
    ----------
    confidence : array-like of shape (n_samples,)
        Finite confidence scores on calibration data.
    error : array-like of shape (n_samples,)
        1 where the base prediction is wrong, 0 where it is right.
    target_risk : float
        Desired upper bound on the selective risk, in (0, 1).
    delta : float
        Allowed failure probability, in (0, 1).
    thresholds : array-like of shape (n_thresholds,), default=None
        Candidates of the LTT half; ``None`` uses :func:`ltt_candidates` at
        level ``delta / 2``.

    Returns
    -------
    result : ThresholdSelection
        The selection with the larger coverage, with its own ``risk_bound``
        (at level ``delta / 2``).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf._bounds import select_threshold_sgr_ltt
    >>> confidence = np.linspace(0.5, 1.0, 200)
    >>> error = (np.arange(200) < 60).astype(int)  # least confident are wrong
    >>> res = select_threshold_sgr_ltt(
    ...     confidence, error, target_risk=0.1, delta=0.05
    ... )
    >>> res.feasible, res.risk_bound <= 0.1
    (True, True)
    """
    confidence, error = _check_calibration(confidence, error)
    target_risk = _check_probability(target_risk, "target_risk")
    delta = _check_probability(delta, "delta")
    half = delta / 2
    sgr = select_threshold_sgr(confidence, error, target_risk=target_risk, delta=half)
    if thresholds is None:
        thresholds = ltt_candidates(confidence, target_risk=target_risk, delta=half)
    ltt = select_threshold_ltt(
        confidence, error, target_risk=target_risk, delta=half, thresholds=thresholds
    )
    return ltt if ltt.coverage > sgr.coverage else sgr


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
    >>> from selective_clf._bounds import holm_candidates
    >>> conf = np.linspace(0, 1, 1001)
    >>> len(holm_candidates(conf, target_risk=0.1, delta=0.05))
    20
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    m = confidence.shape[0]
    n_min = _min_count(0, target_risk, delta / n_candidates, m)
    if n_min is None:
        return np.array([np.inf])
    counts = np.unique(np.linspace(n_min, m, n_candidates).round().astype(int))
    ranked = np.sort(confidence)[::-1]
    return np.unique(ranked[counts - 1])


def _ltt_method(fwer, default_grid):
    def method(confidence, error, *, target_risk, delta, thresholds=None):
        if thresholds is None:
            thresholds = default_grid(
                np.asarray(confidence, dtype=np.float64),
                target_risk=target_risk,
                delta=delta,
            )
        return select_threshold_ltt(
            confidence,
            error,
            target_risk=target_risk,
            delta=delta,
            fwer=fwer,
            thresholds=thresholds,
        )

    return method


def _sgr_method(confidence, error, *, target_risk, delta, thresholds=None):
    # SGR searches the distinct confidences; it takes no candidate grid.
    return select_threshold_sgr(confidence, error, target_risk=target_risk, delta=delta)


#: Threshold selection procedures for ``target_risk``, by ``method`` name.
#: Each is ``f(confidence, error, *, target_risk, delta, thresholds=None)``
#: returning a :class:`ThresholdSelection`; ``thresholds=None`` means the
#: method's own default candidates (SGR ignores ``thresholds``).
RISK_METHODS = {
    "fallback": select_threshold_fallback,
    "ltt": _ltt_method("fixed_sequence", ltt_candidates),
    "ltt_holm": _ltt_method("holm", holm_candidates),
    "sgr": _sgr_method,
    "sgr_ltt": select_threshold_sgr_ltt,
}

#: The default ``method``: the only one that was never the weak one in
#: ``benchmarks/bench_certification.py`` (see the user guide).
DEFAULT_RISK_METHOD = "fallback"


def best_achievable_risk(
    confidence, error, *, delta, method=DEFAULT_RISK_METHOD, tol=1e-4
):
    """Smallest target risk at which ``method`` certifies a threshold here.

    Bisection on ``target_risk`` for the feasibility of
    ``RISK_METHODS[method]`` on this calibration set (at ``delta``), keeping
    the invariant that the upper end is feasible: the value returned is
    always a target at which the method certifies at least one threshold on
    this data, within ``tol`` of the smallest such target when feasibility
    is monotone in the target (it nearly always is; the fixed-sequence
    methods move their start with the target, so rare exceptions exist).

    Use it to tell a user what to ask for, not to choose the target on the
    same data: a target picked after looking at the calibration errors and
    then certified on the same calibration set no longer carries the
    ``1 - delta`` guarantee. Re-calibrate on fresh data, or read the number
    as "what this amount of data can support".

    Parameters
    ----------
    confidence : array-like of shape (n_samples,)
        Finite confidence scores on calibration data.
    error : array-like of shape (n_samples,)
        1 where the base prediction is wrong, 0 where it is right.
    delta : float
        Allowed failure probability, in (0, 1).
    method : str, default=DEFAULT_RISK_METHOD
        A key of :data:`RISK_METHODS`.
    tol : float, default=1e-4
        Width of the final bisection interval.

    Returns
    -------
    risk : float
        A target risk in (0, 1) at which ``method`` is feasible, rounded up
        to ``tol``; ``nan`` when even a target just below 1 is infeasible
        (too few calibration samples for any certificate at ``delta``).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf._bounds import best_achievable_risk
    >>> confidence = np.linspace(0.5, 1.0, 200)
    >>> error = (np.arange(200) < 60).astype(int)  # least confident are wrong
    >>> # 140 correct on top pass at r iff (1 - r) ** 140 <= 0.05
    >>> best_achievable_risk(confidence, error, delta=0.05)
    0.0212
    """
    confidence, error = _check_calibration(confidence, error)
    delta = _check_probability(delta, "delta")
    if not isinstance(method, str) or method not in RISK_METHODS:
        raise ValueError(
            f"method must be one of {sorted(RISK_METHODS)}, got {method!r}."
        )
    select = RISK_METHODS[method]

    def feasible(risk):
        return select(confidence, error, target_risk=risk, delta=delta).feasible

    lo, hi = 0.0, 1.0 - tol
    if not feasible(hi):
        return float("nan")
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if feasible(mid):
            hi = mid
        else:
            lo = mid
    return round(math.ceil(hi / tol - 1e-9) * tol, 12)
