"""Reject-threshold selections with a guarantee on selective risk.

Each selection chooses a reject threshold on *calibration* data so that the
selective risk (the error rate among accepted samples) is at most
``target_risk`` with probability at least ``1 - delta`` over the draw of the
calibration set. They are pure functions of the confidences and the 0/1
errors; the binomial arithmetic is in :mod:`._binomial`, the candidates in
:mod:`._grids` and every family-wise error control in :mod:`._fwer`.

Conventions shared by every function:

* a sample is accepted at threshold ``t`` iff ``confidence >= t``;
* ``error`` is 1 when the base prediction is wrong and 0 otherwise;
* samples with tied confidence are accepted or rejected together: candidate
  thresholds are the *distinct* confidence values, never row positions;
* ``threshold = np.inf`` means "reject everything" (returned when no candidate
  can be certified). Confidences must therefore be finite.

The selections:

:func:`select_threshold_sgr`
    Selection with Guaranteed Risk (Geifman & El-Yaniv, 2017): a binary search
    over thresholds with a union bound over its ``ceil(log2 m)`` steps.
:func:`select_threshold_ltt`
    Learn then Test (Angelopoulos et al., 2021): every candidate threshold is a
    null hypothesis "the selective risk exceeds ``target_risk``", tested with
    an exact binomial p-value under family-wise error rate control.
:func:`select_threshold_ltt_graph`
    Learn then Test whose fixed sequence can be entered at several points
    (a graphical procedure).
:func:`select_threshold_from_counts`
    The grid methods (:data:`GRID_METHODS`) from accepted and error counts
    on a grid fixed in advance (counts that merge across partitions).

Every grid method runs one family-wise step on its candidates
(:func:`_family_step`), shared with :mod:`._families` (several chains or
groups certified at once).
:func:`select_threshold_sgr_ltt`
    The larger of SGR and fixed-sequence LTT, each at ``delta / 2``.

All rely on the calibration samples being exchangeable with (in practice:
i.i.d. like) the test samples. Weights are deliberately not supported: the
binomial arguments need integer counts. Measured coverage and violation
rates are in the user guide (``docs/user_guide/choosing_threshold.rst``).

References
----------
.. [1] Y. Geifman and R. El-Yaniv, "Selective classification for deep neural
   networks", NeurIPS 2017.
.. [2] A. N. Angelopoulos, S. Bates, E. J. Candès, M. I. Jordan and L. Lei,
   "Learn then Test: Calibrating predictive algorithms to achieve risk
   control", arXiv:2110.01052, 2021.
.. [3] F. Bretz, W. Maurer, W. Brannath and M. Posch, "A graphical approach
   to sequentially rejective multiple test procedures", Statistics in
   Medicine 28(4), 2009.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._binomial import (
    binomial_p_value,
    check_probability,
    clopper_pearson_upper,
    cp_upper,
    power_count,
    start_count,
)
from ._fwer import bonferroni, chain_with_entries, fixed_sequence, holm
from ._grids import (
    _grouped_counts,
    candidates,
    check_calibration,
    ltt_candidates,
)

__all__ = [
    "ThresholdSelection",
    "check_counts",
    "select_threshold_from_counts",
    "select_threshold_ltt",
    "select_threshold_ltt_graph",
    "select_threshold_sgr",
    "select_threshold_sgr_ltt",
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
    >>> from selective_clf.certify import select_threshold_sgr
    >>> confidence = np.linspace(0.5, 1.0, 200)
    >>> error = (np.arange(200) < 60).astype(int)  # least confident are wrong
    >>> res = select_threshold_sgr(confidence, error, target_risk=0.1, delta=0.05)
    >>> res.feasible, res.risk_bound <= 0.1, res.empirical_risk <= res.risk_bound
    (True, True, True)
    """
    confidence, error = check_calibration(confidence, error)
    target_risk = check_probability(target_risk, "target_risk")
    delta = check_probability(delta, "delta")
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
    >>> from selective_clf.certify import select_threshold_ltt
    >>> confidence = np.linspace(0.5, 1.0, 200)
    >>> error = (np.arange(200) < 60).astype(int)  # least confident are wrong
    >>> res = select_threshold_ltt(confidence, error, target_risk=0.1, delta=0.05)
    >>> res.feasible, res.risk_bound <= 0.1, res.n_accepted
    (True, True, 148)
    """
    confidence, error = check_calibration(confidence, error)
    target_risk = check_probability(target_risk, "target_risk")
    delta = check_probability(delta, "delta")
    if not isinstance(fwer, str) or fwer not in _FWER_METHODS:
        raise ValueError(f"fwer must be one of {_FWER_METHODS}, got {fwer!r}.")
    cand_t, cand_n, cand_k = candidates(confidence, error, thresholds)
    return _ltt_on_candidates(
        cand_t, cand_n, cand_k, confidence.shape[0], target_risk, delta, fwer
    )


def _ltt_on_candidates(cand_t, cand_n, cand_k, m, target_risk, delta, fwer):
    """Learn then Test on candidate counts (decreasing thresholds); checked args."""
    p_values = binomial_p_value(cand_k, cand_n, target_risk)
    # candidates that cannot be certified even without any error are skipped
    testable = binomial_p_value(np.zeros_like(cand_n), cand_n, target_risk) <= delta
    certified, held = _family_step(p_values, delta, fwer, testable=testable)
    bound = _certified_bounds(cand_n, cand_k, certified, held, fwer)
    return _best_certified(cand_t, cand_n, cand_k, certified, bound, m)


def _family_step(p_values, delta, procedure, *, testable=None, entries=None):
    """Run the one family-wise step of the grid methods on candidates.

    Candidates run from the most confident threshold down (non-decreasing
    accepted counts). ``procedure`` is ``"graph"`` (the chain entered at
    ``entries``, a pair ``(starts, levels)`` from :func:`_entry_starts`) or
    one of :data:`_FWER_METHODS`, applied to the ``testable`` candidates
    (a suffix of the candidates: those that could pass without any error).

    Returns
    -------
    certified : ndarray of bool
        The rejected null hypotheses "the risk at this candidate exceeds the
        target".
    held : ndarray of float
        The level each candidate was tested at (0 if never tested).
    """
    certified = np.zeros(p_values.shape[0], dtype=bool)
    held = np.zeros(p_values.shape[0])
    if procedure == "graph":
        starts, levels = entries
        if starts:
            certified, held = chain_with_entries(p_values, starts, levels)
        return certified, held
    index = np.flatnonzero(testable)
    if index.size:
        run = {"fixed_sequence": fixed_sequence, "holm": holm}.get(
            procedure, bonferroni
        )
        certified[index], held[index] = run(p_values[index], delta)
    return certified, held


def _certified_bounds(cand_n, cand_k, certified, held, procedure):
    """Return the reporting bound of each certified candidate, NaN elsewhere.

    Along a chain (the graph, the fixed sequence) the running maximum over a
    run of passed tests (:func:`_running_bounds`); for Holm and Bonferroni
    the Clopper-Pearson bound at the level the candidate's test held.
    """
    bound = np.full(cand_n.shape[0], np.nan)
    index = np.flatnonzero(certified)
    if index.size == 0:
        return bound
    if procedure in ("graph", "fixed_sequence"):
        bound[index] = _running_bounds(cand_n, cand_k, held, index)
    else:
        bound[index] = cp_upper(cand_k[index], cand_n[index], held[index])
    return bound


def _best_certified(cand_t, cand_n, cand_k, certified, bound, m):
    """Select the certified candidate of largest coverage (the last)."""
    index = np.flatnonzero(certified)
    if index.size == 0:
        return _infeasible(m)
    j = index[-1]
    return _selection(cand_t[j], float(bound[j]), cand_n[j], cand_k[j], m)


# --------------------------------------------------------------------------
# Learn then Test with a graph: a fixed sequence entered at several points
# --------------------------------------------------------------------------


def _running_bounds(cand_n, cand_k, held, index):
    """Return the reporting bounds of the certified candidates ``index``.

    ``index`` is increasing and made of whole runs of consecutive certified
    candidates (a run of passed tests). Each gets the running maximum over
    its run, up to itself, of the Clopper-Pearson bounds at the level each
    test used: the smallest target at which every test of the run up to it
    still passes.
    """
    cp = cp_upper(cand_k[index], cand_n[index], held[index])
    bound = np.empty(index.shape[0])
    run_starts = np.flatnonzero(np.diff(index, prepend=-2) != 1)
    ends = [*run_starts[1:], index.shape[0]]
    for first, stop in zip(run_starts, ends, strict=True):
        bound[first:stop] = np.maximum.accumulate(cp[first:stop])
    return bound


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


#: Share of the doubling entries' level held by the first one.
FIRST_SHARE = 0.5

#: The power entries of :func:`select_threshold_ltt_graph`, as pairs
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
#: halving entries of :func:`select_threshold_ltt_graph` may take.
HALVING_FRACTIONS = (0.5, 0.25)
HALVING_MAX_TAKE = 0.8


def _graph_entries(m, target_risk, delta, first_share=FIRST_SHARE, power=True):
    """Default entry counts and levels of :func:`select_threshold_ltt_graph`.

    The doubling entries: the first, holding ``first_share`` of their level,
    is :func:`~._binomial.start_count` at that level (where the test passes
    with two errors, as for :func:`~._grids.ltt_candidates`); the
    next entries double the count while it stays at most ``m`` and share the
    rest equally. A lone doubling entry holds all of their level.

    The power entries (``power=True``), each at
    :func:`~._binomial.power_count` for its level and a true risk of
    ``risk_ratio * target_risk``, and only if that count is at most
    ``m / 2``:

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
    n_first = start_count(target_risk, delta * first_share, m)
    if n_first is None or 2 * n_first > m:
        n_first = start_count(target_risk, delta, m)
        counts, levels = ([], []) if n_first is None else ([n_first], [delta])
    else:
        counts = [n_first]
        while 2 * counts[-1] <= m:
            counts.append(2 * counts[-1])
        rest = delta * (1.0 - first_share) / (len(counts) - 1)
        levels = [delta * first_share] + [rest] * (len(counts) - 1)
    if not counts or not power:
        return counts, levels

    def entry_count(entry):
        risk_ratio, share = entry
        level = share * delta
        return power_count(m // 2, target_risk, level, risk_ratio * target_risk, POWER)

    def add(counts, levels, new_counts, take, first_pays):
        """Append entries sharing ``take``, paid for in proportion.

        The entries after the first pay, or all of them with ``first_pays``.
        """
        payers = 0 if first_pays else 1
        scale = 1.0 - take / sum(levels[payers:])
        levels = levels[:payers] + [level * scale for level in levels[payers:]]
        share = take / len(new_counts)
        return counts + new_counts, levels + [share] * len(new_counts)

    n_floor = entry_count(FLOOR_ENTRY)
    if n_floor is not None and len(counts) > 1:
        take = min(FLOOR_ENTRY[1] * delta, sum(levels[1:]))
        counts, levels = add(counts, levels, [n_floor], take, first_pays=False)
    n_weak = entry_count(WEAK_ENTRY)
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


def select_threshold_ltt_graph(
    confidence,
    error,
    *,
    target_risk,
    delta,
    thresholds=None,
):
    """Choose a threshold by Learn then Test with a graphical procedure.

    The candidates (every distinct calibration confidence, or ``thresholds``)
    are tested from the most confident down, as in fixed-sequence Learn then
    Test, but the sequence can be *entered* at several points, each holding a
    share of ``delta``:

    - the *doubling entries*: at the smallest number of accepted samples
      ``n_1`` at which the test at half of ``delta`` passes with
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
    (almost) the full level ``delta``.

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
    rates, including non-monotone risks, are in the user guide
    (:ref:`risk_methods`).

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
    >>> from selective_clf.certify import select_threshold_ltt_graph
    >>> rng = np.random.default_rng(0)
    >>> confidence = rng.uniform(size=2000)
    >>> # an error floor of 5% among the most confident, rising below 0.6
    >>> p_error = np.maximum(0.05, 0.05 + 0.8 * (0.6 - confidence))
    >>> error = (rng.uniform(size=2000) < p_error).astype(int)
    >>> res = select_threshold_ltt_graph(
    ...     confidence, error, target_risk=0.1, delta=0.05
    ... )
    >>> res.feasible, res.risk_bound <= 0.1, res.n_accepted
    (True, True, 1304)

    A single sequence started at a few dozen samples fails its first test:

    >>> from selective_clf.certify import ltt_candidates, select_threshold_ltt
    >>> start = ltt_candidates(confidence, target_risk=0.1, delta=0.05)
    >>> select_threshold_ltt(
    ...     confidence, error, target_risk=0.1, delta=0.05, thresholds=start
    ... ).feasible
    False
    """
    return _ltt_graph_selection(
        confidence, error, target_risk=target_risk, delta=delta, thresholds=thresholds
    )


def _ltt_graph_selection(
    confidence,
    error,
    *,
    target_risk,
    delta,
    thresholds=None,
    first_share=FIRST_SHARE,
    power_entries=True,
):
    """:func:`select_threshold_ltt_graph` with its entries as parameters.

    An ablation hook for ``benchmarks/bench_certification.py`` (its
    ``doubling`` column), not an option of the estimators.

    Parameters
    ----------
    first_share : float, default=FIRST_SHARE
        Share of the doubling entries' level held by the first one, in
        (0, 1].
    power_entries : bool, default=True
        Whether to add the floor, weak-model and halving entries; ``False``
        gives the doubling entries alone.

    The other parameters and the result are those of
    :func:`select_threshold_ltt_graph`.
    """
    confidence, error = check_calibration(confidence, error)
    target_risk = check_probability(target_risk, "target_risk")
    delta = check_probability(delta, "delta")
    first_share = check_probability(first_share, "first_share", high_open=False)
    if not isinstance(power_entries, (bool, np.bool_)):
        raise TypeError(f"power_entries must be True or False, got {power_entries!r}.")
    cand_t, cand_n, cand_k = candidates(confidence, error, thresholds)
    return _ltt_graph_on_candidates(
        cand_t,
        cand_n,
        cand_k,
        confidence.shape[0],
        target_risk,
        delta,
        first_share=first_share,
        power_entries=bool(power_entries),
    )


def _ltt_graph_on_candidates(
    cand_t, cand_n, cand_k, m, target_risk, delta, *, first_share, power_entries
):
    """Run the graphical Learn then Test on candidate counts; checked args."""
    certified, held = _family_step(
        binomial_p_value(cand_k, cand_n, target_risk),
        delta,
        "graph",
        entries=_graph_starts(
            cand_n, m, target_risk, delta, first_share, power_entries
        ),
    )
    bound = _certified_bounds(cand_n, cand_k, certified, held, "graph")
    return _best_certified(cand_t, cand_n, cand_k, certified, bound, m)


def _graph_starts(entry_n, m, target_risk, delta, first_share=FIRST_SHARE, power=True):
    """Where the graph's entries start on candidates accepting ``entry_n``."""
    entry_counts, entry_levels = _graph_entries(
        m, target_risk, delta, first_share, power=power
    )
    return _entry_starts(entry_n, entry_counts, entry_levels)


# --------------------------------------------------------------------------
# the methods that test a fixed grid
# --------------------------------------------------------------------------

#: The methods that test a grid of candidates fixed in advance (a family-wise
#: procedure over a grid): :func:`certified_thresholds` returns their
#: certified set on a grid, :func:`select_threshold_from_counts` runs them on
#: counts. SGR's binary search tests thresholds it chooses itself from every
#: distinct confidence, so it has neither.
GRID_METHODS = ("ltt_graph", "ltt", "ltt_holm")
#: The family-wise step of each grid method (:func:`_family_step`).
_GRID_PROCEDURES = {"ltt_graph": "graph", "ltt": "fixed_sequence", "ltt_holm": "holm"}


def _testable(cand_n, m, target_risk, delta, method, robust_start):
    """Candidates a sequence tests: those that could pass without any error.

    For ``"ltt"`` with ``robust_start``, only from the count where two
    errors can pass (:func:`~._binomial.start_count`), as its default
    candidates (:func:`~._grids.ltt_candidates`) start.
    """
    testable = binomial_p_value(np.zeros_like(cand_n), cand_n, target_risk) <= delta
    if method == "ltt" and robust_start:
        n_start = start_count(target_risk, delta, m)
        testable &= cand_n >= (m + 1 if n_start is None else n_start)
    return testable


# --------------------------------------------------------------------------
# more selections
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
    >>> from selective_clf.certify import select_threshold_sgr_ltt
    >>> confidence = np.linspace(0.5, 1.0, 200)
    >>> error = (np.arange(200) < 60).astype(int)  # least confident are wrong
    >>> res = select_threshold_sgr_ltt(
    ...     confidence, error, target_risk=0.1, delta=0.05
    ... )
    >>> res.feasible, res.risk_bound <= 0.1
    (True, True)
    """
    confidence, error = check_calibration(confidence, error)
    target_risk = check_probability(target_risk, "target_risk")
    delta = check_probability(delta, "delta")
    half = delta / 2
    sgr = select_threshold_sgr(confidence, error, target_risk=target_risk, delta=half)
    if thresholds is None:
        thresholds = ltt_candidates(confidence, target_risk=target_risk, delta=half)
    ltt = select_threshold_ltt(
        confidence, error, target_risk=target_risk, delta=half, thresholds=thresholds
    )
    return ltt if ltt.coverage > sgr.coverage else sgr


def best_achievable_risk(confidence, error, *, delta, select, tol=1e-4):
    """Smallest target risk at which ``select`` certifies a threshold here.

    Bisection on ``target_risk`` for the feasibility of the selection
    ``select`` on this calibration set (at ``delta``), keeping
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
    select : callable
        A selection ``select(confidence, error, *, target_risk, delta)``
        returning a :class:`ThresholdSelection`, such as a value of
        :data:`~selective_clf.certify.RISK_METHODS`.
    tol : float, default=1e-4
        Width of the final bisection interval.

    Returns
    -------
    risk : float
        A target risk in (0, 1) at which ``select`` is feasible, rounded up
        to ``tol``; ``nan`` when even a target just below 1 is infeasible
        (too few calibration samples for any certificate at ``delta``).
    """
    confidence, error = check_calibration(confidence, error)
    delta = check_probability(delta, "delta")

    def feasible(risk):
        return select(confidence, error, target_risk=risk, delta=delta).feasible

    return smallest_feasible_target(feasible, tol=tol)


def smallest_feasible_target(feasible, *, tol=1e-4):
    """Bisection of :func:`best_achievable_risk` on a ``feasible(risk)`` test.

    The one bisection, for the per-row selections and for the selections
    from counts (:func:`select_threshold_from_counts`).
    """
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


# --------------------------------------------------------------------------
# certification from counts on a fixed grid (bounded memory)
# --------------------------------------------------------------------------


def check_counts(thresholds, accepted, errors, n_calibration):
    """Validate counts on a grid; return them by decreasing threshold.

    Parameters
    ----------
    thresholds : array-like of shape (n_thresholds,)
        Distinct candidate thresholds, in any order.
    accepted, errors : array-like of int of shape (n_thresholds,)
        Calibration samples with ``confidence >= thresholds[j]``, and errors
        among them.
    n_calibration : int
        Number of calibration samples with a finite confidence.

    Returns
    -------
    thresholds, accepted, errors : ndarray
        Decreasing thresholds, their int64 counts.
    """
    cand_t = np.asarray(thresholds)
    if cand_t.dtype == bool or not np.issubdtype(cand_t.dtype, np.number):
        raise TypeError(f"thresholds must be numeric, got dtype {cand_t.dtype}.")
    cand_t = cand_t.astype(np.float64)
    cand_n, cand_k = np.asarray(accepted), np.asarray(errors)
    if cand_t.ndim != 1 or cand_t.shape[0] == 0:
        raise ValueError("thresholds must be a non-empty 1-D array.")
    if cand_n.shape != cand_t.shape or cand_k.shape != cand_t.shape:
        raise ValueError(
            "accepted and errors must have one count per threshold: got shapes "
            f"{cand_n.shape} and {cand_k.shape} for {cand_t.shape[0]} thresholds."
        )
    if np.isnan(cand_t).any() or np.unique(cand_t).shape[0] != cand_t.shape[0]:
        raise ValueError("thresholds must be distinct and not NaN.")
    for name, counts in (("accepted", cand_n), ("errors", cand_k)):
        if counts.dtype.kind not in "iu" and not (
            counts.dtype.kind == "f" and np.all(counts == np.round(counts))
        ):
            raise ValueError(
                f"{name} must hold integer counts (the binomial tests count "
                f"rows); got dtype {counts.dtype}. Weighted sums certify nothing."
            )
    cand_n, cand_k = cand_n.astype(np.int64), cand_k.astype(np.int64)
    order = np.argsort(cand_t)[::-1]
    cand_t, cand_n, cand_k = cand_t[order], cand_n[order], cand_k[order]
    n_calibration = int(n_calibration)
    if (
        (cand_k < 0).any()
        or (cand_k > cand_n).any()
        or (np.diff(cand_n) < 0).any()
        or (np.diff(cand_k) < 0).any()
        or (cand_n.shape[0] and cand_n[-1] > n_calibration)
    ):
        raise ValueError(
            "These are not counts of one calibration set: accepted and errors "
            "must not decrease as the threshold decreases, errors must lie in "
            "[0, accepted] and accepted at most n_calibration "
            f"({n_calibration})."
        )
    if n_calibration < 1:
        raise ValueError("At least one calibration sample is required.")
    return cand_t, cand_n, cand_k


def select_threshold_from_counts(
    thresholds,
    accepted,
    errors,
    *,
    n_calibration,
    target_risk,
    delta,
    method="ltt_graph",
):
    """Certify a threshold from accepted and error counts on a fixed grid.

    The entry point of the certification for counts that were merged
    (summed) across partitions of data too large for memory: the per-row
    selections count their candidates and call the same code, so on the
    same grid both give the same :class:`ThresholdSelection`. The textbook
    Learn then Test guarantee needs the grid fixed before the calibration
    errors are seen (chosen on other data, or from the confidences alone).

    Parameters
    ----------
    thresholds : array-like of shape (n_thresholds,)
        Distinct candidate thresholds.
    accepted : array-like of int of shape (n_thresholds,)
        Number of calibration samples with ``confidence >= thresholds[j]``.
    errors : array-like of int of shape (n_thresholds,)
        Number of errors among them.
    n_calibration : int
        Number of calibration samples with a finite confidence.
    target_risk : float
        Desired upper bound on the selective risk, in (0, 1).
    delta : float
        Allowed failure probability, in (0, 1).
    method : {"ltt_graph", "ltt", "ltt_holm"}, default="ltt_graph"
        As the ``method`` of :class:`~selective_clf.SelectiveClassifierCV`
        (SGR searches every distinct confidence, which counts on a grid do
        not have).

    Returns
    -------
    result : ThresholdSelection

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.certify import (
    ...     select_threshold_from_counts, select_threshold_ltt_graph,
    ... )
    >>> rng = np.random.default_rng(0)
    >>> confidence = rng.uniform(size=5000)
    >>> error = (rng.uniform(size=5000) < 0.3 * (1 - confidence)).astype(int)
    >>> grid = np.linspace(0, 1, 101)
    >>> accepted = [(confidence >= t).sum() for t in grid]
    >>> errors = [error[confidence >= t].sum() for t in grid]
    >>> res = select_threshold_from_counts(
    ...     grid, accepted, errors, n_calibration=5000, target_risk=0.1, delta=0.05
    ... )
    >>> res == select_threshold_ltt_graph(
    ...     confidence, error, target_risk=0.1, delta=0.05, thresholds=grid
    ... )
    True
    """
    target_risk = check_probability(target_risk, "target_risk")
    delta = check_probability(delta, "delta")
    if not isinstance(method, str) or method not in GRID_METHODS:
        raise ValueError(
            f"method={method!r} cannot certify from counts on a grid; use one of "
            f"{GRID_METHODS} (SGR and sgr_ltt search every distinct "
            "confidence, which needs the per-row confidences)."
        )
    cand_t, cand_n, cand_k = check_counts(thresholds, accepted, errors, n_calibration)
    m = int(n_calibration)
    if method == "ltt_graph":
        return _ltt_graph_on_candidates(
            cand_t,
            cand_n,
            cand_k,
            m,
            target_risk,
            delta,
            first_share=FIRST_SHARE,
            power_entries=True,
        )
    fwer = "fixed_sequence" if method == "ltt" else "holm"
    return _ltt_on_candidates(cand_t, cand_n, cand_k, m, target_risk, delta, fwer)
