"""Binomial bounds and tests on counts: the arithmetic every certificate uses.

A candidate threshold accepts ``n`` calibration samples of which ``k`` are
errors. Conditional on ``n``, ``k`` is ``Binomial(n, R)`` with ``R`` the
selective risk at that threshold, so:

* :func:`clopper_pearson_upper` is the exact one-sided upper confidence bound
  on ``R`` (vectorised over counts, and over levels by :func:`cp_upper`);
* :func:`binomial_p_value` is the exact p-value of "``R`` exceeds ``r``";
* :func:`start_count` is the fewest accepted samples at which that test can
  pass with a few errors: where a fixed sequence of tests should start;
  :func:`power_count` the fewest at which it passes with a given power.

The two are dual: ``binomial_p_value(k, n, r) <= delta`` iff
``r >= clopper_pearson_upper(k, n, delta)``.
"""

import math
import numbers

import numpy as np
from scipy import stats

__all__ = [
    "binomial_p_value",
    "clopper_pearson_upper",
    "cp_upper",
    "min_passing_count",
    "power_count",
    "start_count",
]

#: Most errors the first test of a fixed sequence may contain and still pass
#: (see :func:`start_count`).
START_ERRORS = 2


def check_probability(value, name, *, low_open=True, high_open=True):
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


def cp_upper(k, n, levels):
    """Clopper-Pearson upper bounds, one level per count (unchecked arrays).

    The core of :func:`clopper_pearson_upper`: ``k``, ``n`` and ``levels`` are
    arrays of one shape (``levels`` may be a scalar), ``0 <= k <= n``.
    """
    bound = np.ones(k.shape, dtype=np.float64)
    inner = k < n
    levels = np.broadcast_to(np.asarray(levels, dtype=np.float64), k.shape)
    bound[inner] = stats.beta.ppf(
        1.0 - levels[inner], k[inner] + 1, n[inner] - k[inner]
    )
    return bound


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
    >>> from selective_clf.certify import clopper_pearson_upper
    >>> round(float(clopper_pearson_upper(0, 10, 0.05)), 4)  # 1 - 0.05 ** (1 / 10)
    0.2589
    >>> clopper_pearson_upper([0, 5, 0], [0, 5, 1], 0.05)
    array([1.  , 1.  , 0.95])
    """
    delta = check_probability(delta, "delta")
    k_arr, n_arr = _check_counts(k, n)
    bound = cp_upper(k_arr, n_arr, delta)
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
    >>> from selective_clf.certify import binomial_p_value
    >>> float(binomial_p_value(0, 10, 0.1))  # 0.9 ** 10
    0.3486784401
    >>> binomial_p_value([0, 0], [0, 30], 0.1)
    array([1.        , 0.04239116])
    """
    r = check_probability(r, "r")
    k_arr, n_arr = _check_counts(k, n)
    p_value = np.ones(k_arr.shape, dtype=np.float64)
    has_data = n_arr > 0
    p_value[has_data] = stats.binom.cdf(k_arr[has_data], n_arr[has_data], r)
    return p_value[()] if p_value.ndim == 0 else p_value


def min_passing_count(n_errors, target_risk, level, n_max):
    """Smallest ``n <= n_max`` at which ``n_errors`` errors pass the test.

    The binomial test "risk > target_risk" at ``level`` rejects with ``k``
    errors out of ``n`` iff ``binom.cdf(k, n, target_risk) <= level``, which
    is decreasing in ``n``. Returns ``None`` when even ``n_max`` is too few.

    Examples
    --------
    >>> from selective_clf.certify._binomial import min_passing_count
    >>> min_passing_count(0, 0.1, 0.05, 1000)  # 0.9 ** 29 <= 0.05 < 0.9 ** 28
    29
    """
    if n_max <= n_errors:
        return None
    # Ascending blocks of counts, doubling up to _MAX_BLOCK: the first count
    # that passes is found without an array of n_max counts (memory and time
    # do not grow with the calibration size when it passes early).
    low = n_errors + 1
    while low <= n_max:
        high = min(n_max, low + min(max(low, 1024), _MAX_BLOCK) - 1)
        counts = np.arange(low, high + 1)
        passing = np.flatnonzero(
            stats.binom.cdf(n_errors, counts, target_risk) <= level
        )
        if passing.size:
            return int(counts[passing[0]])
        low = high + 1
    return None


#: Most counts :func:`min_passing_count` evaluates at once.
_MAX_BLOCK = 1 << 18


def start_count(target_risk, level, n_max, max_errors=START_ERRORS):
    """Fewest accepted samples at which the test can pass with a few errors.

    A fixed sequence of tests stops at its first failure, and a candidate
    accepting only a handful of samples fails on a single error. The count
    returned is :func:`min_passing_count` for ``e`` errors, ``e`` the largest
    number up to ``max_errors`` whose count is at most ``n_max / 2`` (0 if
    none is). It depends on the counts only, never on the errors. ``None``
    when even ``n_max`` samples without an error cannot pass.

    Examples
    --------
    >>> from selective_clf.certify._binomial import start_count
    >>> start_count(0.1, 0.05, 201)  # two errors pass from 61 samples on
    61
    >>> start_count(0.1, 0.05, 40)  # too few for one error: none tolerated
    29
    """
    for errors in range(max_errors, -1, -1):
        n = min_passing_count(errors, target_risk, level, n_max)
        if n is not None and (n <= n_max / 2 or errors == 0):
            return n
    return None


def power_count(n_max, target_risk, level, risk, power):
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
        high = min(n_max, 2 * low + 1023, low + _MAX_BLOCK - 1)
        n = np.arange(low, high + 1)
        k = stats.binom.ppf(level, n, target_risk)
        k = np.where(stats.binom.cdf(k, n, target_risk) <= level, k, k - 1)
        reach = np.where(k >= 0, stats.binom.cdf(k, n, risk), 0.0) >= power
        if reach.any():
            return int(n[np.argmax(reach)])
        low = high + 1
    return None
