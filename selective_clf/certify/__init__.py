"""Certify reject thresholds: pure functions of confidences and errors.

- :mod:`._binomial`: Clopper-Pearson bounds, binomial p-values, and the
  count at which a few errors can pass a test;
- :mod:`._fwer`: the one family-wise error rate engine (the graphical
  procedure of Bretz et al., 2009; fixed sequence, Holm and Bonferroni are
  its special cases);
- :mod:`._grids`: calibration checks, counts and candidate thresholds;
- :mod:`._select`: the threshold selections (SGR, Learn then Test and its
  variants, from rows or from counts on a grid) and
  :func:`best_achievable_risk`;
- :mod:`._families`: several families at once (a cascade's chains, a
  threshold common to groups), on the same family-wise step.

This module holds the registry :data:`RISK_METHODS` of the selections behind
the ``method`` parameter of the estimators, and everything other modules
import from this package.
"""

import warnings

import numpy as np

from ._binomial import binomial_p_value, clopper_pearson_upper
from ._families import certified_for_every_group, certified_thresholds, certify_chains
from ._grids import check_thresholds, grouped_counts, holm_candidates, ltt_candidates
from ._select import (
    GRID_METHODS,
    ThresholdSelection,
    select_threshold_from_counts,
    select_threshold_ltt,
    select_threshold_ltt_graph,
    select_threshold_sgr,
    select_threshold_sgr_ltt,
    smallest_feasible_target,
)
from ._select import best_achievable_risk as _best_achievable_risk

__all__ = [
    "DEFAULT_RISK_METHOD",
    "GRID_METHODS",
    "RENAMED_RISK_METHODS",
    "RISK_METHODS",
    "ThresholdSelection",
    "best_achievable_risk",
    "best_achievable_risk_from_counts",
    "binomial_p_value",
    "certified_for_every_group",
    "certified_thresholds",
    "certify_chains",
    "check_thresholds",
    "clopper_pearson_upper",
    "grouped_counts",
    "holm_candidates",
    "ltt_candidates",
    "resolve_risk_method",
    "select_threshold_from_counts",
    "select_threshold_ltt",
    "select_threshold_ltt_graph",
    "select_threshold_sgr",
    "select_threshold_sgr_ltt",
]


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
    "ltt_graph": select_threshold_ltt_graph,
    "ltt": _ltt_method("fixed_sequence", ltt_candidates),
    "ltt_holm": _ltt_method("holm", holm_candidates),
    "sgr": _sgr_method,
    "sgr_ltt": select_threshold_sgr_ltt,
}

#: The default ``method``: Learn then Test with a graphical procedure, the
#: one that does not collapse at an error floor (see the user guide).
DEFAULT_RISK_METHOD = "ltt_graph"

#: Old ``method`` names still accepted, with a FutureWarning, by new name.
RENAMED_RISK_METHODS = {"fallback": "ltt_graph"}


def resolve_risk_method(method):
    """Return the name of ``method`` in :data:`RISK_METHODS`.

    A renamed method (:data:`RENAMED_RISK_METHODS`) gives its new name with a
    FutureWarning; any other name is returned unchanged.

    Examples
    --------
    >>> import warnings
    >>> from selective_clf.certify import resolve_risk_method
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     resolve_risk_method("fallback")
    'ltt_graph'
    >>> print(caught[0].message)
    method='fallback' was renamed method='ltt_graph' in 0.2 and will be removed in 0.4.
    """
    if isinstance(method, str) and method in RENAMED_RISK_METHODS:
        new = RENAMED_RISK_METHODS[method]
        warnings.warn(
            f"method={method!r} was renamed method={new!r} in 0.2 and will be "
            "removed in 0.4.",
            FutureWarning,
            stacklevel=3,
        )
        return new
    return method


def best_achievable_risk(
    confidence, error, *, delta, method=DEFAULT_RISK_METHOD, tol=1e-4
):
    """Smallest target risk at which ``method`` certifies a threshold here.

    :func:`~._select.best_achievable_risk` for ``RISK_METHODS[method]`` (see
    there; a renamed method is resolved by :func:`resolve_risk_method`).

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.certify import best_achievable_risk
    >>> confidence = np.linspace(0.5, 1.0, 200)
    >>> error = (np.arange(200) < 60).astype(int)  # least confident are wrong
    >>> # 140 correct on top pass at r iff (1 - r) ** 140 <= 0.05
    >>> best_achievable_risk(confidence, error, delta=0.05)
    0.0212
    """
    method = resolve_risk_method(method)
    if not isinstance(method, str) or method not in RISK_METHODS:
        raise ValueError(
            f"method must be one of {sorted(RISK_METHODS)}, got {method!r}."
        )
    return _best_achievable_risk(
        confidence, error, delta=delta, select=RISK_METHODS[method], tol=tol
    )


def best_achievable_risk_from_counts(
    thresholds, accepted, errors, *, n_calibration, delta, method=DEFAULT_RISK_METHOD
):
    """Smallest target risk at which ``method`` certifies a grid threshold.

    :func:`best_achievable_risk` for counts on a fixed grid
    (:func:`select_threshold_from_counts`): the same bisection, on the grid
    rather than on every distinct confidence.

    Examples
    --------
    >>> from selective_clf.certify import best_achievable_risk_from_counts
    >>> best_achievable_risk_from_counts(
    ...     [0.9, 0.5], [140, 200], [0, 60], n_calibration=200, delta=0.05
    ... )
    0.0212
    """
    method = resolve_risk_method(method)

    def feasible(risk):
        return select_threshold_from_counts(
            thresholds,
            accepted,
            errors,
            n_calibration=n_calibration,
            target_risk=risk,
            delta=delta,
            method=method,
        ).feasible

    return smallest_feasible_target(feasible)
