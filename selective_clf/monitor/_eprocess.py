"""Anytime-valid tests on a stream of 0/1 outcomes: the arithmetic of the monitors.

Everything here is a function of a Bernoulli stream ``x_1, x_2, ...`` (an
error of an accepted prediction, a rejected row) and of the null hypothesis
"``P(x_t = 1 | past) <= r`` at every ``t``".

The change detector
-------------------
For an alternative rate ``q > r`` the likelihood ratio of one outcome,

    ``f_t(q) = (q / r) ** x_t * ((1 - q) / (1 - r)) ** (1 - x_t)
    = 1 + lam * (x_t - r)``, with ``lam = (q - r) / (r (1 - r))``,

has conditional mean ``1 + lam (p_t - r) <= 1`` under the null, so a product
of such factors started at any time ``s`` is a test supermartingale (a
betting martingale, Waudby-Smith & Ramdas 2023, with a fixed bet). A
process started at ``s`` is worth 1 before ``s``. Mixing over

* a few alternatives ``q_j`` (odds ratios 1.25 to 5 over ``r``), equal
  weights ``pi_j``, and
* start times ``s_i = 1 + (i - 1) m`` (every ``m`` outcomes) with weights
  ``w_i = (k + 1) / ((i + k) (i + k + 1))``, ``k = START_SHIFT``, which sum
  to 1 (a telescoping sum),

gives ``M_t = sum_i w_i sum_j pi_j prod_{s_i <= u <= t} f_u(q_j)`` over the
started processes plus ``sum_{i not started} w_i``: a mixture of test
supermartingales, so itself one, with ``M_0 = 1``. By Ville's inequality
(1939) ``P(sup_t M_t >= 1 / alpha) <= alpha`` under the null, over an
unbounded stream: the alarm ``M_t >= 1 / alpha`` is false with probability at
most ``alpha`` whenever and however often one looks. This is the e-detector
of Shin, Ramdas & Rinaldo (2024) with summable weights on its starts (their
Shiryaev–Roberts sum with weights 1 controls the average run length instead,
a weaker promise); after a rise at time ``nu`` the process started just
before ``nu`` grows at the rate ``KL(p || r)`` and crosses after about
``(log(1 / alpha) + log(1 / w_i)) / KL`` outcomes, ``log(1 / w_i)`` growing
like ``2 log(nu / m)``. The shift ``k`` spreads the weight over the first
starts instead of giving half of it to the first one (``k = 0``): a rise
from the very start is seen a little later, every later rise sooner (the
weight of a late start is ``k + 1`` times larger).

For each ``q_j`` the sum over starts obeys
``S_t = (S_{t-1} + w_t [t is a start]) f_t``; a batch is computed at once
in log space with a cumulative ``logaddexp``, with no loop over rows.

The confidence sequence
-----------------------
:func:`confidence_sequence` inverts Robbins' (1970) beta-mixture martingale
for "the rate equals ``r``": with a ``Beta(1/2, 1/2)`` mixing density,
``B(k + 1/2, n - k + 1/2) / (B(1/2, 1/2) r^k (1 - r)^(n - k))`` is a
test martingale for every ``r``, and the values of ``r`` where it is below
``1 / alpha`` form a confidence sequence: with probability ``1 - alpha`` it
holds the rate at every ``n`` at once (for a constant rate).
"""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
from scipy import optimize, special

#: Odds ratios of the alternatives mixed by the detector.
ODDS_RATIOS = (1.25, 1.5, 2.0, 3.0, 5.0)

#: Shift ``k`` of the start weights ``(k + 1) / ((i + k) (i + k + 1))``.
START_SHIFT = 10

#: Rows in one vectorised block of an update (bounds the memory of a batch).
_BLOCK = 1 << 16


def default_restart_every(rate):
    """Spacing of the detector's starts: about 10 expected events under ``rate``.

    A process started ``m`` outcomes before a change loses up to ``m`` times
    its drift under the old rate; starting more often costs weight.
    """
    smaller = min(rate, 1.0 - rate)
    return max(10, math.ceil(10.0 / smaller)) if smaller > 0 else 10


class ChangeDetector:
    """Anytime-valid detector of "the rate of ones exceeds ``rate``".

    See the module docstring for the construction. ``update`` takes a batch
    of 0/1 outcomes and returns ``M_t`` after each; the state is the count
    seen and one log-sum per alternative.

    Parameters
    ----------
    rate : float in [0, 1]
        The null rate ``r``. With ``rate >= 1`` nothing can exceed it and
        ``M_t`` stays 1.
    restart_every : int
        Spacing ``m`` of the starts.
    """

    def __init__(self, rate, restart_every):
        self.rate = float(rate)
        self.restart_every = int(restart_every)
        self.n = 0
        self.started_weight = 0.0
        self.trivial = self.rate >= 1.0
        self.impossible = self.rate <= 0.0  # a single one disproves it
        self.seen_one = False
        if self.trivial or self.impossible:
            return
        r = self.rate
        rho = np.asarray(ODDS_RATIOS)
        q = rho * r / (1.0 - r + rho * r)
        self.log_f1 = np.log(q / r)  # an outcome 1
        self.log_f0 = np.log1p(-q) - np.log1p(-r)  # an outcome 0
        self.log_pi = np.full(q.shape[0], -math.log(q.shape[0]))
        self.log_sums = np.full(q.shape[0], -np.inf)

    def update(self, x):
        """Feed 0/1 outcomes; return ``M_t`` after each of them.

        Parameters
        ----------
        x : ndarray of bool or int of shape (n,)

        Returns
        -------
        values : ndarray of shape (n,)
        """
        x = np.asarray(x, dtype=bool)
        out = np.empty(x.shape[0])
        for start in range(0, x.shape[0], _BLOCK):
            block = x[start : start + _BLOCK]
            out[start : start + block.shape[0]] = self._update_block(block)
        return out

    def _update_block(self, x):
        n_new = x.shape[0]
        if self.trivial or self.impossible:
            self.n += n_new
            if self.trivial:
                return np.ones(n_new)
            seen = self.seen_one | np.logical_or.accumulate(x)
            self.seen_one = bool(seen[-1])
            return np.where(seen, np.inf, 1.0)
        index = self.n + np.arange(n_new)
        m = self.restart_every
        is_start = index % m == 0
        i = index // m + 1.0
        k = START_SHIFT
        weight = np.where(is_start, (k + 1.0) / ((i + k) * (i + k + 1.0)), 0.0)
        with np.errstate(divide="ignore"):
            log_w = np.log(weight)
        # log prod of the factors, per alternative: shape (n_alt, n_new)
        log_f = np.where(x, self.log_f1[:, None], self.log_f0[:, None])
        cum = np.cumsum(log_f, axis=1)
        before = np.concatenate([np.zeros((cum.shape[0], 1)), cum[:, :-1]], axis=1)
        # S_t = prod_{u<=t} f_u * (S_0 + sum_{starts s<=t} w_s / prod_{u<s} f_u)
        terms = log_w[None, :] - before
        terms[:, 0] = np.logaddexp(terms[:, 0], self.log_sums)
        log_sums = cum + np.logaddexp.accumulate(terms, axis=1)
        mixed = special.logsumexp(log_sums + self.log_pi[:, None], axis=0)
        not_started = 1.0 - (self.started_weight + np.cumsum(weight))
        values = np.exp(np.minimum(mixed, 700.0)) + np.maximum(not_started, 0.0)
        self.log_sums = log_sums[:, -1].copy()
        self.started_weight += float(weight.sum())
        self.n += n_new
        return values


def _log_mixture_ratio(rate, k, n):
    """Log of Robbins' Beta(1/2, 1/2) mixture martingale at ``rate``."""
    return (
        special.betaln(k + 0.5, n - k + 0.5)
        - special.betaln(0.5, 0.5)
        - special.xlogy(k, rate)
        - special.xlog1py(n - k, -rate)
    )


def confidence_sequence(k, n, alpha):
    """Anytime-valid interval for a constant rate after ``k`` ones in ``n``.

    The rates whose beta-mixture martingale is below ``1 / alpha``
    (see the module docstring); ``(0, 1)`` before any outcome. Valid at
    every ``n`` at once, it is wider than a fixed-``n`` interval (about 1.8
    times the Clopper–Pearson width at ``n = 1000``).

    Examples
    --------
    >>> from selective_clf.monitor._eprocess import confidence_sequence
    >>> lo, hi = confidence_sequence(50, 1000, 0.05)
    >>> round(lo, 3), round(hi, 3)  # Clopper-Pearson at one n: (0.037, 0.064)
    (0.029, 0.079)
    """
    if n == 0:
        return (0.0, 1.0)
    level = math.log(1.0 / alpha)
    mle = k / n

    def excess(rate):
        return _log_mixture_ratio(rate, k, n) - level

    tiny = 1e-15
    lower = 0.0 if k == 0 or excess(tiny) < 0 else None
    upper = 1.0 if k == n or excess(1.0 - tiny) < 0 else None
    if lower is None:
        lower = optimize.brentq(excess, tiny, mle, xtol=1e-12)
    if upper is None:
        upper = optimize.brentq(excess, mle, 1.0 - tiny, xtol=1e-12)
    return (float(lower), float(upper))
