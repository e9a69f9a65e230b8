"""Certification of several families at once: a cascade's chains, groups.

Both run the one family-wise step of :mod:`._select` (:func:`_family_step`)
on candidates built from more than one sequence:

:func:`certify_chains`
    Several chains of candidates (a cascade's threshold tuples) certified as
    one graph procedure.
:func:`certified_thresholds`
    The whole certified set of a grid method on a grid, not only its best
    candidate.
:func:`certified_for_every_group`
    The thresholds of a grid certified in every group at once, by the
    intersection-union test.
"""

import numpy as np

from ._binomial import binomial_p_value, check_probability
from ._grids import candidates, check_calibration
from ._select import (
    _GRID_PROCEDURES,
    GRID_METHODS,
    _certified_bounds,
    _entry_starts,
    _family_step,
    _graph_entries,
    _graph_starts,
    _testable,
)

__all__ = ["certified_for_every_group", "certified_thresholds", "certify_chains"]


def certify_chains(
    cand_n,
    cand_k,
    chain_sizes,
    chain_levels,
    *,
    n_calibration,
    target_risk,
):
    """Several chains of candidates certified as one graph procedure.

    Each chain is a sequence of candidates ordered from the fewest accepted
    samples to the most (as the candidates of
    :func:`select_threshold_ltt_graph`, most confident first), and holds a
    share ``chain_levels[c]`` of the total level. Within each chain that
    share is spread over the entries of :func:`select_threshold_ltt_graph`
    (:func:`_graph_entries` at that level), and the chains are
    concatenated into one chain graph (:func:`~._fwer.chain_with_entries`): a run that
    passes the whole of one chain hands its level on to the next. This is
    the graphical weighted-Bonferroni procedure of Bretz et al. (2009) for a
    chain whose initial levels sum to ``sum(chain_levels)``, so it controls
    the family-wise error rate at that sum for any dependence between the
    p-values, provided the chains, their order and their levels are chosen
    without the errors. A single chain holding ``delta`` is
    :func:`select_threshold_ltt_graph`.

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

    Returns
    -------
    certified : ndarray of bool of shape (n_candidates,)
        The rejected null hypotheses "risk > target_risk".
    risk_bound : ndarray of shape (n_candidates,)
        For each certified candidate, the running maximum of the
        Clopper-Pearson bounds, each at the level its test used, over the run
        of passed tests that ends there (the reporting bound of
        :func:`select_threshold_ltt_graph`); NaN elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.certify import certify_chains
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
    target_risk = check_probability(target_risk, "target_risk")
    if sum(chain_sizes) != cand_n.shape[0] or cand_k.shape != cand_n.shape:
        raise ValueError(
            f"chain_sizes sum to {sum(chain_sizes)} but there are "
            f"{cand_n.shape[0]} candidates (and {cand_k.shape[0]} error counts)."
        )
    starts, levels, offset = [], [], 0
    for size, level in zip(chain_sizes, chain_levels, strict=True):
        if size and level > 0:
            counts, entry_levels = _graph_entries(n_calibration, target_risk, level)
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
    certified, held = _family_step(
        p_values, sum(chain_levels), "graph", entries=(starts, levels)
    )
    return certified, _certified_bounds(cand_n, cand_k, certified, held, "graph")


def certified_thresholds(
    confidence,
    error,
    *,
    target_risk,
    delta,
    thresholds,
    method="ltt_graph",
    robust_start=True,
):
    """Every candidate of a grid that a method certifies, not only the best.

    The selections return the certified candidate with the largest coverage;
    the family-wise statement behind them is stronger: with probability at
    least ``1 - delta``, *every* rejected null hypothesis "the selective risk
    at ``t`` exceeds ``target_risk``" is true to reject. This returns that
    whole rejected set on the grid ``thresholds``, which need not be upward
    closed (``"ltt_graph"`` and ``"ltt_holm"`` may certify a threshold and
    not a higher one). A threshold common to several disjoint groups is
    certified in all of them when it lies in each group's set (see
    :func:`selective_clf._classwise.certify_common_threshold`).

    Parameters
    ----------
    confidence : array-like of shape (n_samples,)
        Finite confidence scores on calibration data.
    error : array-like of shape (n_samples,)
        1 where the base prediction is wrong, 0 where it is right.
    target_risk : float
        Target selective risk, in (0, 1).
    delta : float
        Family-wise level, in (0, 1).
    thresholds : array-like of shape (n_thresholds,)
        The grid (deduplicated and sorted internally). It may depend on
        confidences, never on errors.
    method : {"ltt_graph", "ltt", "ltt_holm"}, default="ltt_graph"
        The procedure, as in :data:`~selective_clf.certify.RISK_METHODS`:
        the graph of :func:`select_threshold_ltt_graph`, the fixed sequence
        or Holm's step-down of :func:`select_threshold_ltt`, on this grid.
    robust_start : bool, default=True
        For ``"ltt"``: start the sequence at the first candidate accepting
        the count of :func:`~selective_clf.certify.ltt_candidates` (where
        two errors can pass), as its default candidates do; ``False`` tests
        from the first testable candidate, as for a user grid.

    Returns
    -------
    result : Bunch
        ``thresholds`` (decreasing), ``certified`` (bool, one per threshold)
        and ``risk_bound`` (the reporting bound of the method at each
        certified threshold, NaN elsewhere).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.certify import certified_thresholds
    >>> confidence = np.linspace(0.5, 1.0, 200)
    >>> error = (np.arange(200) < 60).astype(int)  # least confident are wrong
    >>> result = certified_thresholds(
    ...     confidence, error, target_risk=0.1, delta=0.05,
    ...     thresholds=[0.9, 0.75, 0.6, 0.5],
    ... )
    >>> result.thresholds.tolist(), result.certified.tolist()
    ([0.9, 0.75, 0.6, 0.5], [False, True, False, False])

    0.9 accepts 40 samples, fewer than the first entry of the graph (where
    the test would pass with two errors), so it is never tested; the fixed
    sequence on this grid tests it:

    >>> certified_thresholds(
    ...     confidence, error, target_risk=0.1, delta=0.05,
    ...     thresholds=[0.9, 0.75, 0.6, 0.5], method="ltt", robust_start=False,
    ... ).certified.tolist()
    [True, True, False, False]
    """
    from sklearn.utils import Bunch

    confidence, error = check_calibration(confidence, error)
    target_risk = check_probability(target_risk, "target_risk")
    delta = check_probability(delta, "delta")
    if method not in GRID_METHODS:
        raise ValueError(
            f"method={method!r} has no certified set on a grid (SGR's binary "
            "search chooses the thresholds it tests); a threshold common to "
            f"several groups can be certified with one of {list(GRID_METHODS)}."
        )
    m = confidence.shape[0]
    cand_t, cand_n, cand_k = candidates(confidence, error, thresholds)
    p_values = binomial_p_value(cand_k, cand_n, target_risk)
    procedure = _GRID_PROCEDURES[method]
    if procedure == "graph":
        entries = _graph_starts(cand_n, m, target_risk, delta)
        certified, held = _family_step(p_values, delta, procedure, entries=entries)
    else:
        testable = _testable(cand_n, m, target_risk, delta, method, robust_start)
        certified, held = _family_step(p_values, delta, procedure, testable=testable)
    bound = _certified_bounds(cand_n, cand_k, certified, held, procedure)
    return Bunch(thresholds=cand_t, certified=certified, risk_bound=bound)


def certified_for_every_group(
    confidences,
    errors,
    *,
    target_risk,
    delta,
    thresholds,
    method="ltt_graph",
    robust_start=True,
):
    """Thresholds of a grid certified in every group at once (intersection-union).

    For a candidate ``t`` the null hypothesis is "some group's selective risk
    at ``t`` exceeds its target", the union of the groups' nulls. It is
    rejected when *every* group's binomial test rejects its own null at the
    same level: the p-value ``max_g p_g(t)`` is valid for the union (under
    it, some group's null holds, and that group's p-value alone is valid),
    whatever the dependence between the groups (Berger 1982, the
    intersection-union test). The candidates are then tested with the
    family-wise procedure of ``method`` at the whole ``delta``, as a single
    group would be: with probability at least ``1 - delta``, every group's
    risk is below its target at every certified threshold. No share of
    ``delta`` is spent per group, and the groups need not be independent.

    The entries of ``"ltt_graph"`` are those of
    :func:`select_threshold_ltt_graph` for the smallest group, each placed
    at the first candidate at which every group has accepted at least the
    same fraction of its samples as that group does there; ``"ltt"``
    starts where every group's test could pass with two errors; a candidate
    is tested only when every group's test could pass without any error.
    All depend on the confidences and sizes, never on the errors.

    Parameters
    ----------
    confidences, errors : list of array-like
        The finite confidences and the 0/1 errors of the samples of each
        group.
    target_risk : array-like of shape (n_groups,)
        The target of each group, in (0, 1).
    delta : float
        Family-wise level, in (0, 1).
    thresholds : array-like of shape (n_thresholds,)
        The grid (deduplicated and sorted internally), chosen without the
        errors.
    method : {"ltt_graph", "ltt", "ltt_holm"}, default="ltt_graph"
        The family-wise procedure over the candidates.
    robust_start : bool, default=True
        For ``"ltt"``: start where every group's test could pass with two
        errors (as the default candidates of
        :func:`~selective_clf.certify.ltt_candidates`).

    Returns
    -------
    result : Bunch
        ``thresholds`` (decreasing), ``certified`` (bool, one per threshold)
        and ``risk_bound`` (shape (n_groups, n_thresholds): each group's
        reporting bound at each certified threshold, NaN elsewhere).

    References
    ----------
    .. [1] R. L. Berger, "Multiparameter hypothesis testing and acceptance
       sampling", Technometrics 24(4), 1982.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.certify import certified_for_every_group
    >>> confidence = np.linspace(0.5, 1.0, 400)
    >>> errors = [
    ...     (np.arange(400) < 100).astype(int),  # errs below 0.625
    ...     (np.arange(400) < 200).astype(int),  # errs below 0.75
    ... ]
    >>> result = certified_for_every_group(
    ...     [confidence, confidence], errors, target_risk=[0.1, 0.1],
    ...     delta=0.1, thresholds=[0.9, 0.8, 0.7, 0.6],
    ... )
    >>> result.certified.tolist()
    [True, True, False, False]
    """
    from sklearn.utils import Bunch

    delta = check_probability(delta, "delta")
    if method not in GRID_METHODS:
        raise ValueError(
            f"method={method!r} has no certified set on a grid; use one of "
            f"{list(GRID_METHODS)}."
        )
    targets = [check_probability(float(r), "target_risk") for r in target_risk]
    if len(targets) != len(confidences) or len(errors) != len(confidences):
        raise ValueError(
            f"{len(confidences)} groups of confidences, {len(errors)} of errors "
            f"and {len(targets)} targets: give one of each per group."
        )
    checked = [
        check_calibration(c, e) for c, e in zip(confidences, errors, strict=True)
    ]
    sizes = np.array([c.shape[0] for c, _ in checked])
    counts = [candidates(c, e, thresholds) for c, e in checked]
    cand_t = counts[0][0]
    cand_n = np.array([n for _, n, _ in counts])  # (n_groups, n_candidates)
    cand_k = np.array([k for _, _, k in counts])
    # the intersection-union test: each candidate on its largest p-value
    p_values = np.max(
        [
            binomial_p_value(k, n, target)
            for k, n, target in zip(cand_k, cand_n, targets, strict=True)
        ],
        axis=0,
    )
    procedure = _GRID_PROCEDURES[method]
    if procedure == "graph":
        ref = int(np.argmin(sizes))
        # the fraction of its samples every group has accepted, in samples of
        # the smallest group
        reach = (cand_n / sizes[:, None]).min(axis=0) * sizes[ref]
        entries = _graph_starts(reach + 1e-9, int(sizes[ref]), targets[ref], delta)
        certified, held = _family_step(p_values, delta, procedure, entries=entries)
    else:
        testable = np.all(
            [
                _testable(n, int(m), target, delta, method, robust_start)
                for n, m, target in zip(cand_n, sizes, targets, strict=True)
            ],
            axis=0,
        )
        certified, held = _family_step(p_values, delta, procedure, testable=testable)
    bound = np.array(
        [
            _certified_bounds(n, k, certified, held, procedure)
            for n, k in zip(cand_n, cand_k, strict=True)
        ]
    )
    return Bunch(thresholds=cand_t, certified=certified, risk_bound=bound)
