"""One family-wise error rate engine: the graphical procedure of Bretz et al.

Every certificate tests many null hypotheses "the selective risk at this
candidate exceeds the target" and keeps those rejected under family-wise
error rate (FWER) control. All of them go through :func:`graph_procedure`,
the sequentially rejective weighted-Bonferroni procedure of Bretz et al.
(2009, Algorithm 1): hypothesis ``i`` starts with a level ``alpha[i]`` (the
levels sum to at most ``delta``); any hypothesis whose p-value is at most
the level it holds is rejected, and its level is passed on along the edges
of a graph; repeat until nothing more can be rejected. It controls the FWER
at ``sum(alpha)`` for any dependence between the p-values (it is a
shortcut of a closed test with weighted Bonferroni local tests), and the
final rejections do not depend on the order in which they are made.

The graphs used here, and the classical procedures they give:

``"chain"``
    each hypothesis passes its whole level to its successor. With the whole
    level on the first hypothesis it is fixed-sequence testing
    (:func:`fixed_sequence`); with levels on several entry points it is the
    fallback procedure of Wiens (2003) (:func:`chain_with_entries`), used by
    the default selection and by the cascade.
``"complete"``
    every hypothesis holds the same level and a rejected one spreads its
    level evenly over the others still in play: Holm's step-down
    (:func:`holm`).
``"none"``
    no edges: Bonferroni (:func:`bonferroni`).
a square array ``G``
    ``G[i, j]`` is the share of ``i``'s level passed to ``j`` (rows summing
    to at most 1, zero diagonal); the general algorithm, with the transition
    update of Bretz et al. (2009), in ``O(M^2)`` per rejection.

Levels may be given as :class:`fractions.Fraction` (``"complete"`` and
``"none"`` keep them exact, so Holm's levels are exactly ``delta / (M - i)``)
or floats. A hypothesis holding no level is never rejected.

References
----------
.. [1] F. Bretz, W. Maurer, W. Brannath and M. Posch, "A graphical approach to
   sequentially rejective multiple test procedures", Statistics in Medicine
   28(4), 2009.
.. [2] B. L. Wiens, "A fixed sequence Bonferroni procedure for testing
   multiple endpoints", Pharmaceutical Statistics 2(3), 2003.
"""

from fractions import Fraction

import numpy as np

__all__ = [
    "bonferroni",
    "chain_with_entries",
    "fixed_sequence",
    "graph_procedure",
    "holm",
]


def graph_procedure(p_values, alpha, graph):
    """Sequentially rejective graphical procedure (Bretz et al., 2009).

    Parameters
    ----------
    p_values : ndarray of shape (n_hypotheses,)
        Valid p-values.
    alpha : sequence of float or Fraction of length n_hypotheses
        Initial level of each hypothesis; the FWER is controlled at their sum.
    graph : {"chain", "complete", "none"} or ndarray of shape \
            (n_hypotheses, n_hypotheses)
        How a rejected hypothesis passes its level on (see the module
        docstring). ``"complete"`` needs equal initial levels.

    Returns
    -------
    rejected : ndarray of bool of shape (n_hypotheses,)
        The rejected null hypotheses.
    held : ndarray of shape (n_hypotheses,)
        The level each hypothesis held when it was rejected, or when the
        procedure stopped for the others (0.0 for a hypothesis never
        reached).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.certify._fwer import graph_procedure
    >>> p = np.array([0.01, 0.02, 0.5, 0.03])
    >>> rejected, held = graph_procedure(p, [0.05, 0, 0, 0], "chain")
    >>> rejected.tolist(), held.tolist()
    ([True, True, False, False], [0.05, 0.05, 0.05, 0.0])
    """
    p_values = np.asarray(p_values, dtype=np.float64)
    if len(alpha) != p_values.shape[0]:
        raise ValueError(
            f"alpha has {len(alpha)} levels for {p_values.shape[0]} p-values."
        )
    if isinstance(graph, str):
        if graph == "chain":
            return _chain(p_values, alpha)
        if graph in ("complete", "none"):
            return _symmetric(p_values, alpha, spread=graph == "complete")
        raise ValueError(
            f"graph must be 'chain', 'complete', 'none' or an array, got {graph!r}."
        )
    return _general(p_values, alpha, np.asarray(graph, dtype=np.float64))


def _chain(p_values, alpha):
    """Run the chain graph in one pass, from the first hypothesis to the last.

    A hypothesis's level is final once its predecessor is settled: its own
    level plus, if the predecessor was rejected, everything it held.
    """
    n_hyp = p_values.shape[0]
    held = np.zeros(n_hyp)
    rejected = np.zeros(n_hyp, dtype=bool)
    carry = 0.0
    for i in range(n_hyp):
        level = carry + alpha[i] if alpha[i] else carry
        held[i] = level
        if level > 0 and p_values[i] <= level:
            rejected[i] = True
            carry = level
        else:
            carry = 0.0
    return rejected, held


def _symmetric(p_values, alpha, *, spread):
    """Bonferroni (no edges) or Holm (equal levels, complete even graph).

    With equal levels and even spreading every hypothesis still in play holds
    the same level, ``total / n_remaining``: test the smallest p-value first
    and stop at the first failure (no other can pass then).
    """
    n_hyp = p_values.shape[0]
    held = np.array([float(a) for a in alpha], dtype=np.float64)
    rejected = np.zeros(n_hyp, dtype=bool)
    if not spread:
        rejected = (held > 0) & (p_values <= held)
        return rejected, held
    if n_hyp and any(a != alpha[0] for a in alpha):
        raise ValueError("graph='complete' needs equal initial levels.")
    total = sum(alpha[:1]) * n_hyp
    for rank, i in enumerate(np.argsort(p_values, kind="stable")):
        level = float(total / (n_hyp - rank))
        if not (level > 0 and p_values[i] <= level):
            held[~rejected] = level
            break
        rejected[i] = True
        held[i] = level
    return rejected, held


def _general(p_values, alpha, transitions):
    """Algorithm 1 of Bretz et al. (2009) for an explicit transition matrix."""
    n_hyp = p_values.shape[0]
    if transitions.shape != (n_hyp, n_hyp):
        raise ValueError(
            f"graph must have shape {(n_hyp, n_hyp)}, got {transitions.shape}."
        )
    level = np.array([float(a) for a in alpha], dtype=np.float64)
    g = transitions.copy()
    held = level.copy()
    rejected = np.zeros(n_hyp, dtype=bool)
    while True:
        open_ = np.flatnonzero(~rejected & (level > 0) & (p_values <= level))
        if open_.size == 0:
            break
        j = open_[0]
        rejected[j] = True
        held[j] = level[j]
        rest = np.flatnonzero(~rejected)
        level[rest] += level[j] * g[j, rest]
        level[j] = 0.0
        new_g = np.zeros_like(g)
        for a in rest:
            for b in rest:
                if a != b:
                    denom = 1.0 - g[a, j] * g[j, a]
                    if denom > 0:
                        new_g[a, b] = (g[a, b] + g[a, j] * g[j, b]) / denom
        g = new_g
    held[~rejected] = level[~rejected]
    return rejected, held


def fixed_sequence(p_values, delta):
    """Test in order, each at ``delta``; stop at the first failure.

    Examples
    --------
    >>> from selective_clf.certify._fwer import fixed_sequence
    >>> fixed_sequence([0.01, 0.04, 0.06, 0.01], 0.05)[0].tolist()
    [True, True, False, False]
    """
    n_hyp = len(p_values)
    alpha = [delta] + [0.0] * (n_hyp - 1) if n_hyp else []
    return graph_procedure(p_values, alpha, "chain")


def chain_with_entries(p_values, starts, levels):
    """Test a fixed sequence entered at several points: the chain graph.

    Entry ``starts[e]`` (a hypothesis index) holds ``levels[e]``; entries at
    the same index add up. With one entry it is :func:`fixed_sequence`; with
    an entry at every hypothesis it is Wiens' fallback procedure.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.certify._fwer import chain_with_entries
    >>> p = np.array([0.01, 0.02, 0.5, 0.03, 0.02, 0.001, 0.04])
    >>> rejected, held = chain_with_entries(p, [0, 3, 5], [0.025, 0.0125, 0.0125])
    >>> rejected.tolist()
    [True, True, False, False, False, True, False]
    """
    p_values = np.asarray(p_values, dtype=np.float64)
    alpha = [0.0] * p_values.shape[0]
    for start, level in zip(starts, levels, strict=True):
        alpha[int(start)] += float(level)
    return graph_procedure(p_values, alpha, "chain")


def holm(p_values, delta):
    """Holm's step-down: the ``i``-th smallest p-value is tested at ``delta / (M - i)``.

    Examples
    --------
    >>> from selective_clf.certify._fwer import holm
    >>> rejected, held = holm([0.01, 0.03, 0.02, 0.5], 0.1)
    >>> rejected.tolist(), held[:3].tolist()
    ([True, True, True, False], [0.025, 0.05, 0.03333333333333333])
    """
    n_hyp = len(p_values)
    return graph_procedure(p_values, [Fraction(delta) / n_hyp] * n_hyp, "complete")


def bonferroni(p_values, delta):
    """Reject the p-values at most ``delta / M``.

    Examples
    --------
    >>> from selective_clf.certify._fwer import bonferroni
    >>> bonferroni([0.01, 0.03], 0.05)[0].tolist()
    [True, False]
    """
    n_hyp = len(p_values)
    return graph_procedure(p_values, [Fraction(delta) / n_hyp] * n_hyp, "none")
