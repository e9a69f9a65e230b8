"""One threshold per predicted class: the class-wise tuning objectives.

The reject rule accepts a sample predicted as class ``k`` iff its confidence
reaches ``threshold[k]``, so every count the objectives need splits by
predicted class: the samples predicted as ``k`` are accepted or rejected by
``threshold[k]`` alone. Each function here is a pure function of per-class
arrays (no estimator), called by :class:`SelectiveClassifierCV` with
``classwise=True`` and by the validity simulations directly:

- :func:`choose_rejection_cost` minimises the total cost class by class, which
  is exact: the total is the sum of the per-class costs;
- :func:`choose_target_coverage` minimises the accepted errors under a
  coverage budget by a Lagrangian sweep over the lower convex hulls of the
  per-class (accepted, errors) curves, then spends the remainder of the
  budget on the last class moved;
- :func:`choose_target_risk` certifies each class on its own predicted
  samples with a Šidák share of ``delta`` (see its docstring for the proof of
  the simultaneous guarantee).

The same machinery serves any key that splits the samples: the sensitive
groups of ``fit(..., sensitive_features=A)`` use :func:`per_class_values`
(``kind="group"``), :func:`eligible_keys`, :func:`needed_size` and
:func:`certify_common_threshold`, which certifies *one* threshold in every
key at once (see its docstring for the proof).

A per-class *curve* is a :class:`~sklearn.utils.Bunch` with ``thresholds``
(decreasing), ``accepted`` and ``accepted_errors`` (counts or weight sums at
each threshold) and ``total`` (all samples predicted as the class, NaN
confidences included: they are never accepted).
"""

import math
from collections.abc import Mapping
from numbers import Real

import numpy as np
from sklearn.utils import Bunch

from ._counting import counts_at
from .certify import (
    RISK_METHODS,
    best_achievable_risk,
    best_achievable_risk_from_counts,
    certified_for_every_group,
    certified_thresholds,
    resolve_risk_method,
    select_threshold_from_counts,
)

__all__ = [
    "certify_common_threshold",
    "choose_rejection_cost",
    "choose_target_coverage",
    "choose_target_risk",
    "choose_target_risk_from_counts",
    "eligible_keys",
    "group_levels",
    "needed_size",
    "per_class_values",
    "sidak_levels",
]


def per_class_values(
    value, classes, name, *, low, high, low_closed, high_closed, kind="class"
):
    """Check a scalar, array-like or mapping parameter; return one per class.

    The same for groups (``kind="group"``, ``classes`` being the groups): a
    class and a group are both a key that splits the samples.

    Parameters
    ----------
    value : float, array-like of shape (n_classes,) or mapping
        A scalar (the same for every class), one value per class in the order
        of ``classes``, or a mapping from every class label to its value.
    classes : ndarray of shape (n_classes,)
        The classes, in the order of ``classes_``.
    name : str
        Parameter name, for the error messages.
    low, high : float
        The allowed interval.
    low_closed, high_closed : bool
        Whether its ends are allowed.
    kind : {"class", "group"}, default="class"
        What the keys are, for the error messages.

    Returns
    -------
    values : ndarray of shape (n_classes,)
    """
    class_list = np.asarray(classes).tolist()
    kinds, attribute = (
        ("classes", "classes_") if kind == "class" else ("groups", "groups_")
    )
    if isinstance(value, Mapping):
        unknown = [key for key in value if not any(key == c for c in class_list)]
        if unknown:
            raise ValueError(
                f"{name} names {unknown!r}, which are not {kinds}; the {kinds} "
                f"are {class_list!r}."
            )
        missing = [c for c in class_list if not any(key == c for key in value)]
        if missing:
            raise ValueError(
                f"{name} has no entry for {kind} {missing[0]!r}: a mapping must "
                f"give a value for every {kind} {class_list!r}."
            )
        value = [next(v for key, v in value.items() if key == c) for c in class_list]
    flat = np.ravel(np.asarray(value, dtype=object))
    if any(isinstance(v, bool | np.bool_) for v in flat) or not all(
        isinstance(v, Real | np.number) for v in flat
    ):
        raise ValueError(
            f"{name}={value!r} must hold numbers (not booleans or strings): a "
            f"float, one float per {kind} in the order of {attribute}, or a "
            f"mapping from {kind} to float."
        )
    values = np.asarray(value, dtype=np.float64)
    if values.ndim > 1 or (values.ndim == 1 and values.shape[0] != len(class_list)):
        raise ValueError(
            f"{name} must be a number, one value per {kind} ({len(class_list)} "
            f"values, in the order of {attribute}) or a mapping from {kind} to "
            f"value; got shape {values.shape}."
        )
    values = np.array(np.broadcast_to(values, (len(class_list),)))
    above = values >= low if low_closed else values > low
    below = values <= high if high_closed else values < high
    if not (above & below).all():
        bad = values[~(above & below)][0]
        left, right = "[" if low_closed else "(", "]" if high_closed else ")"
        interval = f"{left}{low:g}, {high:g}{right}"
        raise ValueError(f"{name} must lie in {interval}; got {bad!r}.")
    return values


def sidak_levels(delta, eligible):
    """Šidák share of ``delta`` for each eligible class, 0 for the others.

    ``1 - (1 - delta) ** (1 / n_eligible)``: independent tests at this level
    all hold with probability exactly ``1 - delta`` (slightly more than the
    Bonferroni ``delta / n_eligible``).
    """
    eligible = np.asarray(eligible, dtype=bool)
    n_eligible = int(eligible.sum())
    if n_eligible == 0:
        return np.zeros(eligible.shape[0])
    level = -math.expm1(math.log1p(-delta) / n_eligible)
    return np.where(eligible, level, 0.0)


def eligible_keys(sizes, target_risk, delta):
    """Whether each key (class or group) has enough samples to be certified.

    A key with ``m`` samples can pass a test at ``delta`` only if a test
    without any error does: ``(1 - r) ** m <= delta``. Depends on the sizes
    and the targets only, never on the errors.
    """
    sizes = np.asarray(sizes)
    with np.errstate(divide="ignore"):
        log_p_zero = sizes * np.log1p(-np.asarray(target_risk, dtype=np.float64))
    return (sizes > 0) & (log_p_zero <= math.log(delta))


def needed_size(target_risk, level):
    """Fewest samples at which a test without any error passes at ``level``.

    The smallest ``m`` with ``(1 - target_risk) ** m <= level``: a key with
    fewer calibration samples cannot be certified at that level whatever its
    errors.

    Examples
    --------
    >>> from selective_clf._classwise import needed_size
    >>> needed_size(0.05, 0.05)  # 0.95 ** 59 = 0.0485
    59
    """
    return int(math.ceil(math.log(level) / math.log1p(-target_risk) - 1e-12))


def group_levels(sizes, target_risk, delta, combine):
    """Eligible keys and the level each is tested at, for one common threshold.

    ``combine="union"``: every eligible key at the whole ``delta`` (the
    intersection-union test); ``"sidak"``: the Šidák share of the eligible
    keys. Eligibility is :func:`eligible_keys` at that level.
    """
    if combine == "union":
        eligible = eligible_keys(sizes, target_risk, delta)
        return eligible, np.where(eligible, float(delta), 0.0)
    if combine != "sidak":
        raise ValueError(f"combine must be 'union' or 'sidak', got {combine!r}.")
    eligible = eligible_keys(sizes, target_risk, delta)
    return eligible, sidak_levels(delta, eligible)


def certify_common_threshold(
    confidences,
    errors,
    *,
    target_risk,
    delta,
    method,
    grid,
    robust_start=True,
    combine="union",
):
    """One threshold certified in every key (group) at once.

    Two ways, both valid at ``delta`` for every eligible key at once
    (:func:`eligible_keys`: a key too small for any certificate is left out
    and named by the caller):

    - ``combine="union"`` (the default): the intersection-union test of
      :func:`~selective_clf.certify.certified_for_every_group`. A candidate
      is tested on the largest of the keys' p-values, so each key is tested
      at the whole ``delta``; valid whatever the dependence between keys.
    - ``combine="sidak"``: each eligible key's own certified set
      (:func:`~selective_clf.certify.certified_thresholds`) at the Šidák
      level ``1 - (1 - delta) ** (1 / G')`` (:func:`sidak_levels`, ``G'``
      eligible keys), intersected. Valid because, given the keys of the
      calibration samples (the sensitive group of each row, given by the
      data, not by the model), the samples of each key are i.i.d. draws from
      that key's law, independent across keys, so with a grid fixed before
      the errors are seen the keys' failures are independent and none
      happens with probability ``prod (1 - level) = 1 - delta``. (The
      default grid depends on every key's confidences: the same argument as
      for the default candidates of
      :func:`~selective_clf.certify.select_threshold_ltt`.) Kept for
      comparison (``benchmarks/bench_groups.py``): for a fixed sequence it
      certifies a subset of what ``"union"`` does.

    The threshold is the lowest certified one (largest coverage).

    Parameters
    ----------
    confidences, errors : list of ndarray
        The finite confidences and the error flags of the samples of each key.
    target_risk : ndarray of shape (n_keys,)
        Target selective risk of each key, in (0, 1).
    delta : float
        Allowed probability that any eligible key exceeds its target.
    method : str
        One of :data:`~selective_clf.certify.GRID_METHODS`.
    grid : ndarray
        The candidate thresholds shared by every key (never chosen from the
        errors).
    robust_start : bool, default=True
        Passed to the certify function (the start of ``"ltt"``).
    combine : {"union", "sidak"}, default="union"
        How the keys are combined (above).

    Returns
    -------
    choice : Bunch
        ``threshold`` (``inf`` when no threshold is certified in every
        eligible key, or no key is eligible), ``feasible``, ``eligible``,
        ``delta`` (each key's level, 0 when not eligible), ``needed_size``
        (per key, the calibration size at which a test without any error
        passes at the level it has, or would get as one more eligible key),
        ``risk_bound`` (per key at ``threshold``; NaN when not eligible or
        not feasible) and ``certified_somewhere`` (per key: whether its own
        test certifies any threshold of the grid at its level; only
        computed when not feasible, else all True).
    """
    n_keys = len(confidences)
    targets = np.asarray(target_risk, dtype=np.float64)
    sizes = np.array([c.shape[0] for c in confidences])
    eligible, levels = group_levels(sizes, targets, delta, combine)
    n_eligible = int(eligible.sum())
    extra = (
        float(delta)
        if combine == "union"
        else float(sidak_levels(delta, [True] * (n_eligible + 1))[0])
    )
    needed = np.array(
        [
            needed_size(targets[g], levels[g] if eligible[g] else extra)
            for g in range(n_keys)
        ]
    )
    grid = np.unique(np.asarray(grid, dtype=np.float64))[::-1]
    bounds = np.full((n_keys, grid.shape[0]), np.nan)
    somewhere = np.ones(n_keys, dtype=bool)
    keys = np.flatnonzero(eligible)
    own_sets = {}

    def own_set(g):
        if g not in own_sets:
            own_sets[g] = certified_thresholds(
                confidences[g],
                errors[g],
                target_risk=float(targets[g]),
                delta=float(levels[g]),
                thresholds=grid,
                method=method,
                robust_start=robust_start,
            )
        return own_sets[g]

    common = np.zeros(grid.shape[0], dtype=bool)
    if keys.size and combine == "union":
        result = certified_for_every_group(
            [confidences[g] for g in keys],
            [errors[g] for g in keys],
            target_risk=targets[keys],
            delta=float(delta),
            thresholds=grid,
            method=method,
            robust_start=robust_start,
        )
        common = result.certified
        bounds[keys] = result.risk_bound
    elif keys.size:
        common = np.ones(grid.shape[0], dtype=bool)
        for g in keys:
            common &= own_set(g).certified
            bounds[g] = own_set(g).risk_bound
    feasible = bool(common.any())
    threshold, bound = np.inf, np.full(n_keys, np.nan)
    if feasible:
        j = int(np.flatnonzero(common)[-1])  # the lowest threshold
        threshold, bound = float(grid[j]), bounds[:, j]
    else:
        for g in keys:
            somewhere[g] = own_set(g).certified.any()
    return Bunch(
        threshold=threshold,
        feasible=feasible,
        eligible=eligible,
        delta=levels,
        needed_size=needed,
        risk_bound=bound,
        certified_somewhere=somewhere,
    )


def _pick_cost(curve, cost):
    """Index of the cheapest candidate of one class, largest coverage on ties."""
    values = curve.accepted_errors + cost * (curve.total - curve.accepted)
    best = len(values) - 1 - int(np.argmin(values[::-1]))
    return best, float(values[best])


def choose_rejection_cost(curves, *, rejection_cost, fallback=None):
    """Minimise ``errors + c_k * rejections`` with one threshold per class.

    The total cost is the sum over predicted classes of the cost of the
    samples predicted as each, and the threshold of a class moves only that
    class's term: minimising each term minimises the total. Since the
    candidates of a class accept exactly the sets a common threshold would
    accept among its samples, the total is never above the cost of the best
    scalar threshold on the same data.

    Parameters
    ----------
    curves : list of Bunch
        One curve per class (see the module docstring); ``None`` for a class
        never predicted.
    rejection_cost : ndarray of shape (n_classes,)
        Cost of rejecting a sample predicted as each class, an error costing 1.
    fallback : Bunch, default=None
        The pooled curve of all samples, used for a class never predicted:
        its threshold is the scalar one tuned at that class's cost.

    Returns
    -------
    choice : Bunch
        ``thresholds`` (one per class), ``objective`` (one minus the mean
        cost) and ``class_objective`` (one per class: one minus the mean cost
        of its samples, at each of its candidates).
    """
    thresholds = np.empty(len(curves))
    total_cost, total = 0.0, 0.0
    class_objective = []
    for k, curve in enumerate(curves):
        if curve is None or curve.total == 0:
            best, _ = _pick_cost(fallback, rejection_cost[k])
            thresholds[k] = fallback.thresholds[best]
            class_objective.append(None)
            continue
        best, cost = _pick_cost(curve, rejection_cost[k])
        thresholds[k] = curve.thresholds[best]
        total_cost += cost
        total += curve.total
        class_objective.append(
            1.0
            - (
                curve.accepted_errors
                + rejection_cost[k] * (curve.total - curve.accepted)
            )
            / curve.total
        )
    return Bunch(
        thresholds=thresholds,
        objective=1.0 - total_cost / total,
        class_objective=class_objective,
    )


def _lower_hull(x, y):
    """Return the lower convex hull of points sorted by ``x`` (indices)."""
    hull = []
    for i in range(x.shape[0]):
        if hull and x[i] == x[hull[-1]]:  # same set accepted: keep the later
            hull.pop()
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b if it lies on or above the segment a -> i
            if (y[b] - y[a]) * (x[i] - x[a]) >= (y[i] - y[a]) * (x[b] - x[a]):
                hull.pop()
            else:
                break
        hull.append(i)
    return np.asarray(hull)


def choose_target_coverage(curves, *, n_samples, target_coverage, scalar=None):
    """Fewest accepted errors with at least the target share accepted.

    A Lagrangian sweep: minimising ``errors - lam * accepted`` separately per
    class (what a rejection cost ``lam`` common to every class does) gives the
    points of the lower convex hulls of the per-class (accepted, errors)
    curves. Raising ``lam`` moves the classes along their hulls in order of
    increasing marginal error rate (errors per extra accepted sample); the
    sweep stops at the first point accepting at least
    ``n_samples - floor((1 - target_coverage) * (n_samples + 1))`` samples
    (the count the scalar objective accepts), and then the last class moved
    backs off along its own curve to the fewest accepted samples that still
    meet the count (fewer accepted never means more errors). The hulls miss
    the points between their vertices, so this can be a few errors short of
    the exact optimum; if the common threshold ``scalar`` (which must meet
    the count) has fewer errors, it is kept instead: the result is never
    worse than the scalar objective on these samples.

    The coverage is met on these samples; unlike the scalar threshold (a
    conformal quantile of the confidences alone) the class-wise thresholds
    depend on the errors, so the expected coverage on new samples carries no
    finite-sample guarantee: it is an estimate, like a cross-validated score.

    Parameters
    ----------
    curves : list of Bunch
        One unweighted curve per class (``None`` for a class never
        predicted).
    n_samples : int
        Number of samples, NaN confidences included (never accepted).
    target_coverage : float
        The share of samples to accept, in (0, 1].
    scalar : float, default=None
        A common threshold meeting the count (the scalar objective's choice),
        kept if it has fewer accepted errors.

    Returns
    -------
    choice : Bunch
        ``thresholds`` (one per class; ``-inf``, accepting everything, for a
        class never predicted), ``objective`` (the selective accuracy),
        ``class_objective`` (per class: the selective accuracy at each
        candidate) and ``lagrange_multiplier`` (the marginal error rate of the
        last step).
    """
    n_rejected_max = int(np.floor((1.0 - target_coverage) * (n_samples + 1)))
    needed = n_samples - n_rejected_max
    n_classes = len(curves)
    position = np.zeros(n_classes, dtype=int)
    steps = []
    for k, curve in enumerate(curves):
        if curve is None or curve.total == 0:
            continue
        a = np.asarray(curve.accepted, dtype=np.float64)
        e = np.asarray(curve.accepted_errors, dtype=np.float64)
        hull = _lower_hull(a, e)
        position[k] = hull[0]
        for start, stop in zip(hull[:-1], hull[1:], strict=True):
            slope = (e[stop] - e[start]) / (a[stop] - a[start])
            steps.append((slope, k, int(stop)))
    steps.sort(key=lambda step: (step[0], step[1], step[2]))

    def accepted_at(k, j):
        return 0.0 if curves[k] is None else float(curves[k].accepted[j])

    accepted = sum(accepted_at(k, position[k]) for k in range(n_classes))
    multiplier = 0.0
    for slope, k, stop in steps:
        if accepted >= needed:
            break
        previous = position[k]
        accepted += accepted_at(k, stop) - accepted_at(k, previous)
        position[k] = stop
        multiplier = slope
        if accepted >= needed:
            # back off along the class's own curve, between the hull points
            a = curves[k].accepted
            others = accepted - a[stop]
            enough = np.flatnonzero(others + a[previous : stop + 1] >= needed)
            position[k] = previous + int(enough[0])
            accepted = others + a[position[k]]
    if accepted < needed:
        raise ValueError(
            f"No candidate thresholds accept target_coverage={target_coverage} of "
            f"the samples (at most {accepted / n_samples:.3g} can be accepted: NaN "
            "confidences are never accepted, and the candidates may stop short "
            "of accepting everything). Add lower candidate thresholds, or use "
            "thresholds='auto'."
        )
    thresholds = np.full(n_classes, -np.inf)
    class_objective = []
    n_accepted, n_errors = 0.0, 0.0
    for k, curve in enumerate(curves):
        if curve is None or curve.total == 0:
            class_objective.append(None)
            continue
        thresholds[k] = curve.thresholds[position[k]]
        n_accepted += curve.accepted[position[k]]
        n_errors += curve.accepted_errors[position[k]]
        with np.errstate(invalid="ignore", divide="ignore"):
            class_objective.append(
                np.where(
                    curve.accepted > 0,
                    1.0 - curve.accepted_errors / curve.accepted,
                    np.nan,
                )
            )
    if scalar is not None:
        counts = [
            counts_at(
                np.array([scalar]),
                curve.thresholds,
                curve.accepted,
                curve.accepted_errors,
            )
            for curve in curves
            if curve is not None and curve.total
        ]
        scalar_errors = float(sum(k[0] for _, k in counts))
        if scalar_errors < n_errors:
            thresholds = np.full(n_classes, float(scalar))
            n_accepted = float(sum(n[0] for n, _ in counts))
            n_errors = scalar_errors
    return Bunch(
        thresholds=thresholds,
        objective=1.0 - n_errors / n_accepted if n_accepted else float("nan"),
        class_objective=class_objective,
        lagrange_multiplier=multiplier,
    )


def choose_target_risk(
    confidences,
    errors,
    *,
    target_risk,
    delta,
    method,
    thresholds=None,
    _compute_achievable=True,
):
    """Certify every class at once: risk of each accepted class below target.

    Each class is certified on its own predicted samples with
    ``RISK_METHODS[method]`` at the Šidák level ``1 - (1 - delta) ** (1 /
    K')``, where ``K'`` counts the *eligible* classes: those with enough
    predicted samples for a test without any error to pass at ``delta``
    (``(1 - r_k) ** m_k <= delta``). A class that is not eligible cannot be
    certified at any share of ``delta``; it gets no share and is rejected.

    Guarantee: with probability at least ``1 - delta``, for every class ``k``
    at once, the error rate of new samples accepted as ``k`` is at most
    ``target_risk[k]``. Proof: condition on the predicted classes of the
    calibration samples (a function of each sample's features alone, through
    the fixed model). Given them, the samples predicted as ``k`` are i.i.d.
    draws from the distribution of a new sample given that it is predicted
    as ``k``, independent across classes, and the selective risk of class
    ``k`` at a threshold is the error rate of exactly that distribution. The
    eligibility and the levels depend on the conditioning only, each method
    controls its class's violation at its level for any fixed sample size,
    and the per-class selections are independent given the conditioning, so
    all hold together with probability at least ``prod (1 - level) = 1 -
    delta``; integrating over the conditioning keeps the bound. (Bonferroni,
    ``delta / K'``, would not need the independence.)

    Parameters
    ----------
    confidences, errors : list of ndarray
        The finite confidences and the error flags of the samples predicted
        as each class.
    target_risk : ndarray of shape (n_classes,)
        Target selective risk of each class, in (0, 1).
    delta : float
        Allowed probability that any class exceeds its target.
    method : str
        A key of :data:`selective_clf.certify.RISK_METHODS` (a renamed one
        is resolved with a FutureWarning).
    thresholds : ndarray, default=None
        Candidate thresholds shared by all classes; None for the method's
        default candidates on each class.
    _compute_achievable : bool, default=True
        Whether to compute ``best_achievable_risk`` (a bisection) for the
        classes not certified; NaN otherwise. A speed switch for
        ``benchmarks/bench_classwise.py``, not an option of the estimators.

    Returns
    -------
    choice : Bunch
        ``thresholds``, ``risk_bound``, ``best_achievable_risk``, ``delta``
        (the level of each class, 0 for a class not eligible) and
        ``achievable_delta`` (the level at which ``best_achievable_risk`` was
        computed: the class's own, or for a class not eligible the share it
        would get as one more eligible class), each of shape (n_classes,);
        ``infeasible`` (indices of the classes not certified, which are
        rejected: threshold ``inf``).
    """
    method = resolve_risk_method(method)
    select = RISK_METHODS[method]

    def certify(k, target, level):
        return select(
            confidences[k],
            errors[k],
            target_risk=target,
            delta=level,
            thresholds=thresholds,
        )

    def achievable(k, level):
        return best_achievable_risk(
            confidences[k], errors[k], delta=level, method=method
        )

    return _certify_classes(
        np.array([c.shape[0] for c in confidences]),
        certify,
        achievable if _compute_achievable else None,
        target_risk=target_risk,
        delta=delta,
    )


def choose_target_risk_from_counts(
    grid, accepted, errors, sizes, *, target_risk, delta, method
):
    """:func:`choose_target_risk` from counts on a grid fixed beforehand.

    The same Šidák shares and per-class certification, each class certified
    by :func:`~selective_clf.certify.select_threshold_from_counts` on its
    counts (counts of the samples predicted as each class, which merge by
    addition across partitions: :func:`selective_clf._counting.grid_counts`).

    Parameters
    ----------
    grid : ndarray of shape (n_thresholds,)
        The candidate thresholds.
    accepted, errors : ndarray of int of shape (n_classes, n_thresholds)
        Samples predicted as each class accepted at each threshold, and
        errors among them.
    sizes : ndarray of int of shape (n_classes,)
        Samples predicted as each class with a finite confidence.
    target_risk, delta, method
        As for :func:`choose_target_risk`.

    Returns
    -------
    choice : Bunch
        As :func:`choose_target_risk`; ``best_achievable_risk`` is the
        smallest target certified on the grid.
    """
    method = resolve_risk_method(method)

    def certify(k, target, level):
        return select_threshold_from_counts(
            grid,
            accepted[k],
            errors[k],
            n_calibration=sizes[k],
            target_risk=target,
            delta=level,
            method=method,
        )

    def achievable(k, level):
        return best_achievable_risk_from_counts(
            grid,
            accepted[k],
            errors[k],
            n_calibration=sizes[k],
            delta=level,
            method=method,
        )

    return _certify_classes(
        np.asarray(sizes), certify, achievable, target_risk=target_risk, delta=delta
    )


def _certify_classes(sizes, certify, achievable, *, target_risk, delta):
    """Šidák shares, one certification per eligible class (the one engine).

    ``certify(k, target, level)`` returns the class's ThresholdSelection,
    ``achievable(k, level)`` its best achievable risk (None: not computed).
    """
    n_classes = sizes.shape[0]
    eligible = eligible_keys(sizes, target_risk, delta)
    levels = sidak_levels(delta, eligible)
    chosen = np.full(n_classes, np.inf)
    bound = np.full(n_classes, np.nan)
    smallest = np.full(n_classes, np.nan)
    achievable_delta = levels.copy()
    infeasible = []
    for k in range(n_classes):
        if eligible[k]:
            selection = certify(k, float(target_risk[k]), float(levels[k]))
            if selection.feasible:
                chosen[k] = selection.threshold
                bound[k] = selection.risk_bound
                continue
        infeasible.append(k)
        if achievable is not None and sizes[k] > 0:
            # the level it had, or would have had among one more eligible class
            n_tested = int(eligible.sum()) + (not eligible[k])
            level = levels[k] or float(sidak_levels(delta, [True] * n_tested)[0])
            achievable_delta[k] = level
            smallest[k] = achievable(k, level)
    return Bunch(
        thresholds=chosen,
        risk_bound=bound,
        best_achievable_risk=smallest,
        delta=levels,
        achievable_delta=achievable_delta,
        infeasible=infeasible,
    )
