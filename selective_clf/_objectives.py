"""The tuning objectives of SelectiveClassifierCV, as pure functions.

Each ``choose_*`` takes the out-of-fold data (a Bunch of ``confidence``,
``errors``, ``y_true``, ``y_pred`` and ``weights``) and the objective's
settings, and returns a Bunch with the candidate ``thresholds``, the
``objective`` value at each and the index ``best`` of the chosen one (for
``choose_classwise``: one threshold per class), plus what it certifies
(``risk_bound``, ``best_achievable_risk``). None of them fits, predicts or
sets an attribute: the estimator sets its fitted attributes from the result
in one place.
"""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch

from . import _classwise
from ._compat import _BaseScorer
from ._counting import counts_at, coverage_and_risk_at, ranked_counts
from ._decision import _encode
from ._groups import group_label, index_of_groups
from ._rule import rejected_mask
from ._validation import prediction_dtype
from .certify import (
    GRID_METHODS,
    RISK_METHODS,
    best_achievable_risk,
    best_achievable_risk_from_counts,
    check_thresholds,
    holm_candidates,
    select_threshold_from_counts,
)
from .exceptions import GuaranteeWarning, InfeasibleTargetError, _warn

DEFAULT_SCORING_GRID = 100

# -- the out-of-fold trade-off and the candidate thresholds ------------------


def candidates(confidence, errors, weights, thresholds):
    """Candidate thresholds (descending) and their weighted counts.

    ``thresholds="auto"`` gives every distinct finite confidence, preceded by
    ``inf`` (reject everything) and followed by ``-inf`` (accept everything);
    an int that many quantiles; an array exactly those values. NaN
    confidences are never accepted but count in ``total``.

    Returns
    -------
    candidates : Bunch
        ``thresholds`` (descending), ``accepted`` and ``accepted_errors``
        (weighted counts at each) and ``total`` (weight of all samples).
    """
    finite = ~np.isnan(confidence)
    total = float(confidence.shape[0] if weights is None else weights.sum())
    conf, err = confidence[finite], errors[finite]
    w = None if weights is None else weights[finite]
    if isinstance(thresholds, str):  # "auto"
        if w is not None and (w > 0).any():
            # a row of weight 0 counts for nothing, nor is it a candidate:
            # as if it were removed
            conf, err, w = conf[w > 0], err[w > 0], w[w > 0]
        distinct, accepted, accepted_errors = ranked_counts(err, conf, w)
        if w is not None:  # ranked_counts scales the weights to a max of 1
            scale = float(w.sum()) / float(accepted[-1])
            accepted, accepted_errors = accepted * scale, accepted_errors * scale
        return Bunch(
            thresholds=np.concatenate([[np.inf], distinct, [-np.inf]]),
            accepted=np.concatenate([[0.0], accepted, [accepted[-1]]]),
            accepted_errors=np.concatenate(
                [[0.0], accepted_errors, [accepted_errors[-1]]]
            ),
            total=total,
        )
    grid = make_grid(thresholds, conf)[::-1]
    coverage, risk = coverage_and_risk_at(conf, err, grid, w)
    accepted = coverage * (total if w is None else float(w.sum()))
    with np.errstate(invalid="ignore"):
        accepted_errors = np.where(accepted > 0, risk * accepted, 0.0)
    return Bunch(
        thresholds=grid,
        accepted=accepted,
        accepted_errors=accepted_errors,
        total=total,
    )


def make_grid(thresholds, confidence, default=None):
    """Ascending grid of candidate thresholds from the ``thresholds`` param."""
    if isinstance(thresholds, str):  # "auto"
        n_quantiles = default
    elif isinstance(thresholds, Integral):
        n_quantiles = thresholds
    else:
        return check_thresholds(thresholds)[::-1]
    if confidence.shape[0] == 0:
        return np.array([-np.inf])
    return np.unique(np.quantile(confidence, np.linspace(0, 1, n_quantiles)))


# -- one pure function per objective -----------------------------------------
# Each returns a Bunch with the candidate ``thresholds``, the ``objective``
# value at each and the index ``best`` of the chosen one, plus any extra
# fitted attribute (``risk_bound``) it certifies.


def choose_rejection_cost(oof, *, rejection_cost, thresholds):
    """Minimise ``(errors + c * rejections) / n`` (Chow's cost)."""
    cand = candidates(oof.confidence, oof.errors, oof.weights, thresholds)
    cost = (
        cand.accepted_errors + rejection_cost * (cand.total - cand.accepted)
    ) / cand.total
    # ties: the lowest cost with the largest coverage (latest candidate).
    best = len(cost) - 1 - int(np.argmin(cost[::-1]))
    return Bunch(thresholds=cand.thresholds, objective=1.0 - cost, best=best)


def choose_target_coverage(oof, *, target_coverage, thresholds):
    """Choose the highest threshold whose conformal rejection rate is in budget."""
    confidence = oof.confidence
    cand = candidates(confidence, oof.errors, None, thresholds)
    n = confidence.shape[0]
    # Conformal quantile: reject below the k-th smallest confidence (NaN
    # counting as the smallest: always rejected), so that a new exchangeable
    # sample is rejected with probability k / (n + 1) <= 1 - target_coverage
    # (ties only lower it). A lower threshold whose calibration accuracy
    # happens to be higher is not taken: that is noise, and it would spend
    # the rejection budget less.
    k = int(np.floor((1.0 - target_coverage) * (n + 1)))
    ranked = np.sort(np.where(np.isnan(confidence), -np.inf, confidence))
    limit = -np.inf if k == 0 else ranked[k - 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(
            cand.accepted > 0, 1.0 - cand.accepted_errors / cand.accepted, 0.0
        )
    admissible = np.flatnonzero(cand.thresholds <= limit)
    if admissible.shape[0] == 0:
        raise ValueError(
            f"No candidate threshold accepts target_coverage={target_coverage} of "
            f"the samples: every value of thresholds is above {limit:.6g}, the "
            "highest threshold that does. Add lower candidate thresholds, or use "
            "thresholds='auto'."
        )
    return Bunch(
        thresholds=cand.thresholds, objective=accuracy, best=int(admissible[0])
    )


def choose_target_risk(
    oof, *, target_risk, delta, method, thresholds, infeasible="reject"
):
    """Choose the largest coverage whose risk is certified below the target.

    An infeasible target gives ``inf`` (reject everything) with a
    :class:`GuaranteeWarning`, or raises :class:`InfeasibleTargetError`
    with ``infeasible="raise"``.
    """
    finite = ~np.isnan(oof.confidence)
    # NaN confidences are never accepted; the accepted samples, and hence
    # the binomial arguments of the bounds, only involve the finite ones.
    confidence, errors = oof.confidence[finite], oof.errors[finite]
    if method in ("sgr",) and not isinstance(thresholds, str):
        raise ValueError(
            "method='sgr' searches the distinct confidence values; it takes "
            "no thresholds grid. Use thresholds='auto', or another method."
        )
    selection = RISK_METHODS[method](
        confidence,
        errors,
        target_risk=target_risk,
        delta=delta,
        thresholds=None
        if isinstance(thresholds, str)
        else make_grid(thresholds, confidence),
    )
    achievable = float("nan")
    if not selection.feasible:
        achievable = best_achievable_risk(
            confidence, errors, delta=delta, method=method
        )
        _report_infeasible(
            target_risk, delta, confidence.shape[0], achievable, infeasible
        )
    # The whole curve for cv_results_: every distinct value (or the user's
    # grid) and the chosen threshold, with the coverage each gives (what the
    # search maximises).
    searched = (
        np.unique(confidence)
        if isinstance(thresholds, str)
        else make_grid(thresholds, confidence)
    )
    threshold = selection.threshold
    if (
        isinstance(thresholds, str)
        and selection.feasible
        and threshold <= confidence.min()
    ):
        # Every calibration sample is accepted: that is "accept everything",
        # -inf as for the other objectives (its risk is tested on all of them).
        threshold = -np.inf
    curve = np.union1d(searched, [threshold])
    coverage, _ = coverage_and_risk_at(oof.confidence, oof.errors, curve)
    best = int(np.flatnonzero(curve == threshold)[0])
    return Bunch(
        thresholds=curve,
        objective=coverage,
        best=best,
        risk_bound=float(selection.risk_bound),
        best_achievable_risk=achievable,
    )


def _report_infeasible(target_risk, delta, n_calibration, achievable, infeasible):
    """Warn (or raise, ``infeasible="raise"``) that no threshold certifies."""
    feasible_text = (
        "no target below 1 can be certified on them"
        if np.isnan(achievable)
        else f"the smallest target they can certify at delta={delta:g} is "
        f"{achievable:.3g} (choose a new target on fresh data, or the "
        "guarantee is lost)"
    )
    message = (
        f"No threshold keeps the selective risk below {target_risk} "
        f"with probability {1 - delta:.3g} on these "
        f"{n_calibration} calibration samples"
    )
    advice = (
        f"{feasible_text}. Allow a larger target_risk or delta, or calibrate "
        "on more data."
    )
    if infeasible == "raise":
        raise InfeasibleTargetError(f"{message}; {advice}")
    _warn(
        f"{message}, so the model rejects everything; {advice} (Pass "
        'infeasible="raise" to make this an error.)',
        GuaranteeWarning,
    )


def choose_scoring(
    oof, *, scorer, thresholds, score_params, classes, reject_label, estimator
):
    """Maximise a scorer of predictions over the candidate thresholds.

    The scorer sees the out-of-fold predictions with rejections at each
    threshold, through the same reject rule as ``predict``, without any
    refit or new prediction. ``estimator`` is only handed to the scorer
    (whose predictions are intercepted); a selective scorer reads its
    ``reject_label_``.
    """
    if not isinstance(scorer, _BaseScorer):
        raise ValueError(
            f"scoring={scorer!r} is a plain callable; to evaluate it at every "
            "threshold without refitting, pass a scorer name or an object made "
            "by sklearn.metrics.make_scorer or "
            "selective_clf.metrics.make_selective_scorer."
        )
    grid = make_grid(
        thresholds,
        oof.confidence[~np.isnan(oof.confidence)],
        default=DEFAULT_SCORING_GRID,
    )
    if isinstance(thresholds, str):  # "auto" also offers "accept everything"
        grid = np.concatenate([[-np.inf], grid])
    dtype = prediction_dtype(np.asarray(classes), reject_label)
    scores = np.empty(grid.shape[0])
    for i, threshold in enumerate(grid):
        rejected = rejected_mask(oof.confidence, np.array([threshold]), None)
        y_sel = oof.y_pred.astype(dtype)
        y_sel[rejected] = reject_label

        def method_caller(estimator, method, X, y_sel=y_sel, **kwargs):
            if method != "predict":
                raise ValueError(
                    f"scoring={scorer!r} scores {method}, which does not depend "
                    "on the reject threshold, so it cannot choose one. Use a "
                    "scorer of predictions, e.g. 'accuracy' or "
                    "selective_clf.metrics.make_selective_scorer(...)."
                )
            return y_sel

        scores[i] = scorer._score(
            method_caller, estimator, None, oof.y_true, **score_params
        )
    # ties: the largest coverage (lowest threshold, first in ascending order)
    return Bunch(thresholds=grid, objective=scores, best=int(np.argmax(scores)))


def choose_classwise(
    objective,
    oof,
    *,
    classes,
    target_risk,
    rejection_costs,
    target_coverage,
    delta,
    method,
    thresholds,
    infeasible,
    sensitive_groups=None,
):
    """Split the out-of-fold data by predicted class; choose per class.

    ``rejection_costs`` holds one cost per class (``rejection_cost``);
    ``target_risk`` is the parameter (one value, an array or a mapping).
    With ``sensitive_groups`` (the groups; ``oof.group_index`` the group of
    each row), ``target_risk`` is certified in every (class, group) cell
    (:func:`_choose_cells`).
    """
    classes = np.asarray(classes)
    class_index = _encode(oof.y_pred, classes)
    groups = [np.flatnonzero(class_index == k) for k in range(len(classes))]
    finite = ~np.isnan(oof.confidence)
    if objective == "target_risk":
        targets = _classwise.per_class_values(
            target_risk,
            classes,
            "target_risk",
            low=0.0,
            high=1.0,
            low_closed=False,
            high_closed=False,
        )
        if method in ("sgr",) and not isinstance(thresholds, str):
            raise ValueError(
                "method='sgr' searches the distinct confidence values; it "
                "takes no thresholds grid. Use thresholds='auto', or another "
                "method."
            )
        keep = [g[finite[g]] for g in groups]
        if sensitive_groups is not None:
            choice = _choose_cells(
                oof,
                keep,
                classes=classes,
                groups=np.asarray(sensitive_groups, dtype=object),
                targets=targets,
                delta=delta,
                method=method,
                thresholds=thresholds,
                infeasible=infeasible,
            )
        else:
            choice = _classwise.choose_target_risk(
                [oof.confidence[g] for g in keep],
                [oof.errors[g] for g in keep],
                target_risk=targets,
                delta=delta,
                method=method,
                thresholds=None
                if isinstance(thresholds, str)
                else make_grid(thresholds, oof.confidence[finite]),
            )
            _warn_uncertified_classes(
                choice,
                classes,
                [g.shape[0] for g in keep],
                targets,
                delta=delta,
                infeasible=infeasible,
            )
        choice.objective = float(
            np.mean(~rejected_mask(oof.confidence, choice.thresholds, class_index))
        )
        # the curve of each class: every distinct value and its threshold
        choice.class_candidates = [
            np.union1d(np.unique(oof.confidence[g]), [choice.thresholds[k]])
            for k, g in enumerate(keep)
        ]
        choice.class_objective = [None] * len(classes)  # its coverage
    else:
        # a grid shared by all classes keeps every common threshold a
        # candidate of each class ("auto": each class's distinct values).
        grid = (
            thresholds
            if isinstance(thresholds, str)
            else make_grid(thresholds, oof.confidence[finite])
        )
        weights = oof.weights if objective == "rejection_cost" else None
        curves = [
            _class_curve(oof, g, weights, grid) if g.shape[0] else None for g in groups
        ]
        if objective == "rejection_cost":
            choice = _classwise.choose_rejection_cost(
                curves,
                rejection_cost=rejection_costs,
                fallback=candidates(oof.confidence, oof.errors, oof.weights, grid),
            )
        else:
            scalar = choose_target_coverage(
                oof, target_coverage=target_coverage, thresholds=grid
            )
            choice = _classwise.choose_target_coverage(
                curves,
                n_samples=oof.confidence.shape[0],
                target_coverage=target_coverage,
                scalar=scalar.thresholds[scalar.best],
            )
        choice.class_candidates = [
            None if curve is None else curve.thresholds for curve in curves
        ]
    choice.class_index = class_index
    choice.groups = groups
    return choice


def _choose_cells(
    oof, keep, *, classes, groups, targets, delta, method, thresholds, infeasible
):
    """One threshold per class, its risk certified in every group of the class.

    The classes get Šidák shares of ``delta`` (the classes with at least one
    cell large enough for a certificate at ``delta``), as without groups;
    within a class, the threshold is certified in every (class, group) cell
    at once by :func:`selective_clf._classwise.certify_common_threshold` at
    the class's share. Validity: given the predicted class and the group of
    every calibration row, the rows of different classes are independent
    (Šidák across classes), and the intersection-union test needs no
    independence within a class.
    """
    if method not in GRID_METHODS:
        raise ValueError(
            f"method={method!r} cannot certify one threshold for several groups "
            f"(SGR has no certified set on a grid). Use one of {list(GRID_METHODS)}."
        )
    n_classes, n_groups = len(classes), len(groups)
    finite = ~np.isnan(oof.confidence)
    user_grid = (
        None
        if isinstance(thresholds, str)
        else make_grid(thresholds, oof.confidence[finite])
    )
    cells = [
        index_of_groups(oof.group_index[rows], n_groups) for rows in keep
    ]  # positions within each class's rows
    sizes = np.array([[c.shape[0] for c in row] for row in cells])
    class_eligible = _classwise.eligible_keys(sizes, targets[:, None], delta).any(
        axis=1
    )
    levels = _classwise.sidak_levels(delta, class_eligible)
    chosen = np.full(n_classes, np.inf)
    class_bound = np.full(n_classes, np.nan)
    cell_bound = np.full((n_classes, n_groups), np.nan)
    small, failed = [], []
    for k, rows in enumerate(keep):
        if not class_eligible[k]:
            failed.append(k)
            continue
        confidence, errors = oof.confidence[rows], oof.errors[rows]
        grid = np.unique(confidence) if user_grid is None else user_grid
        confidences = [confidence[c] for c in cells[k]]
        choice = _classwise.certify_common_threshold(
            confidences,
            [errors[c] for c in cells[k]],
            target_risk=np.full(n_groups, targets[k]),
            delta=float(levels[k]),
            method=method,
            grid=grid,
            robust_start=user_grid is None,
        )
        small += [
            (k, g, sizes[k, g], choice.needed_size[g])
            for g in np.flatnonzero(~choice.eligible)
        ]
        if choice.feasible:
            chosen[k] = choice.threshold
            cell_bound[k] = choice.risk_bound
            class_bound[k] = np.nanmax(choice.risk_bound)
        else:
            failed.append(k)
    if small:
        names = ", ".join(
            f"({classes.tolist()[k]!r}, {group_label(groups[g])!r}) ({size} rows, "
            f"needs {needed} at target_risk={targets[k]:g})"
            for k, g, size, needed in small
        )
        _warn(
            f"Cell(s) (predicted class, group) {names} are too small to certify "
            "at the class's share of delta; the guarantee covers the other cells "
            "only (the class threshold applies to these rows too, uncertified).",
            GuaranteeWarning,
        )
    if failed:
        labels = [classes.tolist()[k] for k in failed]
        message = (
            f"No threshold certifies target_risk in every group for class(es) "
            f"{labels} with the simultaneous probability {1 - delta:.3g}"
        )
        advice = "Allow a larger target_risk or delta, or calibrate on more data."
        if infeasible == "raise":
            raise InfeasibleTargetError(f"{message}. {advice}")
        _warn(
            f"{message}, so they are always rejected (threshold inf). {advice}",
            GuaranteeWarning,
        )
    return Bunch(
        thresholds=chosen,
        risk_bound=class_bound,
        best_achievable_risk=np.full(n_classes, np.nan),
        delta=levels,
        infeasible=failed,
        group_risk_bound=cell_bound,
    )


def _warn_uncertified_classes(choice, classes, sizes, targets, *, delta, infeasible):
    """Raise (``infeasible="raise"``) or warn about each uncertified class."""
    if infeasible == "raise" and len(choice.infeasible):
        labels = [classes.tolist()[k] for k in choice.infeasible]
        raise InfeasibleTargetError(
            f"No threshold certifies target_risk for class(es) {labels} with "
            f"the simultaneous probability {1 - delta:.3g} on their "
            f"{[int(sizes[k]) for k in choice.infeasible]} calibration "
            "samples; the smallest targets they can certify are "
            f"{[float(choice.best_achievable_risk[k]) for k in choice.infeasible]}"
            " (nan: none below 1). Allow a larger target_risk or delta, or "
            "calibrate on more data."
        )
    for k in choice.infeasible:
        label = classes.tolist()[k]
        achievable = choice.best_achievable_risk[k]
        feasible_text = (
            "no target below 1 can be certified on them"
            if np.isnan(achievable)
            else f"the smallest target they can certify at its share "
            f"delta={choice.achievable_delta[k]:.3g} is {achievable:.3g} "
            "(choose a new target on fresh data, or the guarantee is lost)"
        )
        _warn(
            f"Class {label!r}: no threshold keeps the error rate of the "
            f"samples accepted as {label!r} below {targets[k]:g} with "
            f"the simultaneous probability {1 - delta:.3g}, on its "
            f"{int(sizes[k])} calibration samples predicted as it, so it "
            f"is always rejected (threshold inf); {feasible_text}. Allow a "
            "larger target_risk for it or a larger delta, or calibrate on "
            "more data.",
            GuaranteeWarning,
        )


def choose_target_risk_from_counts(
    counts, *, classes, target_risk, delta, method, infeasible
):
    """``target_risk`` from counts on a grid (bounded memory), one or per class.

    ``counts`` are :func:`~selective_clf._counting.grid_counts` of every
    calibration sample, by predicted class, on ``counts.grid`` (fixed
    before the errors were seen), merged across partitions. The same
    certification as :func:`choose_target_risk` (``classes=None``) and
    :func:`choose_classwise` (``classes`` given) on that grid: on the same
    rows and grid both give the same thresholds, bounds, coverage and risk.
    ``best_achievable_risk`` is the smallest target certified on the grid
    (the per-row choice searches every distinct confidence).

    Returns
    -------
    choice : Bunch
        As :func:`choose_target_risk` (``thresholds`` the grid and the chosen
        threshold, ``objective`` the coverage at each, ``best``,
        ``risk_bound``, ``best_achievable_risk``), plus ``coverage`` and
        ``risk`` at the chosen threshold(s), ``cv_results`` (on the grid;
        per class in long format with ``classes``) and, with ``classes``,
        ``class_thresholds``.
    """
    if method not in GRID_METHODS:
        raise ValueError(
            f"method={method!r} needs every per-row confidence, which the "
            "bounded-memory mode (target_risk with a thresholds grid on Dask "
            "collections) does not gather: use one of "
            f"{GRID_METHODS}, or thresholds='auto' to gather one confidence "
            "and one error flag per row."
        )
    grid = counts.grid  # increasing
    n_total = int(counts.n_total.sum())

    def at(thresholds, accepted, errors):  # counts at thresholds on the grid
        return counts_at(
            np.asarray(thresholds, dtype=np.float64),
            grid[::-1],
            accepted[::-1],
            errors[::-1],
        )

    accepted, errors = counts.accepted.sum(axis=0), counts.errors.sum(axis=0)
    n_finite = int(counts.n_finite.sum())
    if classes is None:
        selection = select_threshold_from_counts(
            grid,
            accepted,
            errors,
            n_calibration=n_finite,
            target_risk=target_risk,
            delta=delta,
            method=method,
        )
        achievable = float("nan")
        if not selection.feasible:
            achievable = best_achievable_risk_from_counts(
                grid,
                accepted,
                errors,
                n_calibration=n_finite,
                delta=delta,
                method=method,
            )
            _report_infeasible(target_risk, delta, n_finite, achievable, infeasible)
        chosen = np.array([selection.threshold])
        class_accepted, class_errors = [accepted], [errors]
        risk_bound = float(selection.risk_bound)
    else:
        classes = np.asarray(classes)
        targets = _classwise.per_class_values(
            target_risk,
            classes,
            "target_risk",
            low=0.0,
            high=1.0,
            low_closed=False,
            high_closed=False,
        )
        choice = _classwise.choose_target_risk_from_counts(
            grid,
            counts.accepted,
            counts.errors,
            counts.n_finite,
            target_risk=targets,
            delta=delta,
            method=method,
        )
        _warn_uncertified_classes(
            choice,
            classes,
            counts.n_finite,
            targets,
            delta=delta,
            infeasible=infeasible,
        )
        chosen = choice.thresholds
        class_accepted, class_errors = counts.accepted, counts.errors
        risk_bound, achievable = choice.risk_bound, choice.best_achievable_risk
    n_acc = n_err = 0
    for k, threshold in enumerate(chosen):
        k_acc, k_err = at([threshold], class_accepted[k], class_errors[k])
        n_acc, n_err = n_acc + int(k_acc[0]), n_err + int(k_err[0])
    coverage = n_acc / float(n_total)
    # the curve: the grid and the chosen threshold, as choose_target_risk
    curve = np.union1d(grid, chosen if classes is None else [])
    curve_acc, curve_err = at(curve, accepted, errors)
    with np.errstate(invalid="ignore", divide="ignore"):
        curve_risk = np.where(curve_acc > 0, curve_err / curve_acc, np.nan)
    if classes is None:
        cv_results = {
            "thresholds": curve,
            "coverage": curve_acc / float(n_total),
            "risk": curve_risk,
            "objective": curve_acc / float(n_total),
        }
        best = int(np.flatnonzero(curve == chosen[0])[0])
        objective = curve_acc / float(n_total)
    else:
        columns = {key: [] for key in ("class", "thresholds", "coverage", "risk")}
        for k in range(classes.shape[0]):
            if counts.n_total[k] == 0:
                continue
            k_curve = np.union1d(grid, chosen[k : k + 1])
            k_acc, k_err = at(k_curve, counts.accepted[k], counts.errors[k])
            with np.errstate(invalid="ignore", divide="ignore"):
                columns["risk"].append(np.where(k_acc > 0, k_err / k_acc, np.nan))
            columns["class"].append(np.repeat(classes[k : k + 1], k_curve.shape[0]))
            columns["thresholds"].append(k_curve)
            columns["coverage"].append(k_acc / float(counts.n_total[k]))
        cv_results = {key: np.concatenate(value) for key, value in columns.items()}
        cv_results["objective"] = cv_results["coverage"]
        objective, best = np.array([coverage]), 0
    return Bunch(
        thresholds=curve,
        objective=objective,
        best=best,
        risk_bound=risk_bound,
        best_achievable_risk=achievable,
        class_thresholds=np.asarray(chosen, dtype=np.float64),
        coverage=coverage,
        risk=n_err / n_acc if n_acc else np.nan,
        cv_results=cv_results,
    )


def _class_curve(oof, group, weights, grid):
    """Return the candidates of one class (its out-of-fold samples ``group``)."""
    confidence, errors = oof.confidence[group], oof.errors[group]
    w = None if weights is None else weights[group]
    if np.isnan(confidence).all():  # nothing to accept: only the total
        total = float(group.shape[0] if w is None else w.sum())
        return Bunch(
            thresholds=np.array([np.inf, -np.inf]),
            accepted=np.zeros(2),
            accepted_errors=np.zeros(2),
            total=total,
        )
    return candidates(confidence, errors, w, grid)


def classwise_cv_results(classes, choice, oof):
    """Per-class curves in long format: one row per (class, candidate)."""
    columns = {key: [] for key in ("class", "thresholds", "coverage", "risk")}
    objective = []
    for k, candidates in enumerate(choice.class_candidates):
        if candidates is None:
            continue
        group = choice.groups[k]
        thresholds = np.asarray(candidates, dtype=np.float64)
        order = np.argsort(thresholds, kind="stable")
        coverage, risk = coverage_and_risk_at(
            oof.confidence[group], oof.errors[group], thresholds[order]
        )
        columns["class"].append(np.repeat(classes[k : k + 1], order.shape[0]))
        columns["thresholds"].append(thresholds[order])
        columns["coverage"].append(coverage)
        columns["risk"].append(risk)
        own = choice.class_objective[k]
        objective.append(coverage if own is None else np.asarray(own)[order])
    results = {key: np.concatenate(value) for key, value in columns.items()}
    results["objective"] = np.concatenate(objective)
    return results


# -- one threshold certified in every sensitive group ------------------------


def choose_groupwise_risk(
    oof, *, groups, target_risk, delta, method, thresholds, infeasible, combine="union"
):
    """Certify one threshold for all rows, its risk below target in every group.

    ``oof.group_index`` gives each out-of-fold row's position in ``groups``.
    Each group is tested on its own rows (finite confidences) on one grid
    common to all groups, and the threshold is the lowest one certified in
    every group (:func:`selective_clf._classwise.certify_common_threshold`,
    which holds the proof; ``combine`` is its switch, "union" for the
    intersection-union test at the whole ``delta``, "sidak" for Šidák
    shares, kept for the benchmark). Groups too small for any certificate are named in a
    :class:`GuaranteeWarning` with the calibration size they would need and
    are not covered; no common threshold is infeasible, as for the scalar
    objective.

    Returns
    -------
    choice : Bunch
        As :func:`choose_target_risk` (``risk_bound`` being the largest group
        bound), plus ``group_risk_bound``, ``group_certified`` (eligible
        groups) and ``group_delta`` (their levels), one per group.
    """
    groups = np.asarray(groups, dtype=object)
    targets = _classwise.per_class_values(
        target_risk,
        groups,
        "target_risk",
        low=0.0,
        high=1.0,
        low_closed=False,
        high_closed=False,
        kind="group",
    )
    if method not in GRID_METHODS:
        raise ValueError(
            f"method={method!r} cannot certify one threshold for several groups: "
            "SGR's binary search chooses the thresholds it tests, so it has no "
            "certified set on a grid shared by the groups. Use one of "
            f"{list(GRID_METHODS)} with sensitive_features (ltt_graph, the "
            "default, is the most robust)."
        )
    finite = ~np.isnan(oof.confidence)
    rows = [g[finite[g]] for g in index_of_groups(oof.group_index, len(groups))]
    confidences = [oof.confidence[g] for g in rows]
    errors = [oof.errors[g] for g in rows]
    if isinstance(thresholds, str):
        grid = np.unique(oof.confidence[finite])
        if method == "ltt_holm":  # Holm pays for every candidate: a coarse grid
            sizes = [c.shape[0] for c in confidences]
            _, levels = _classwise.group_levels(sizes, targets, delta, combine)
            grid = np.unique(
                np.concatenate(
                    [[np.inf]]
                    + [
                        holm_candidates(c, target_risk=t, delta=level)
                        for c, t, level in zip(
                            confidences, targets, levels, strict=True
                        )
                        if level > 0
                    ]
                )
            )
    else:
        grid = make_grid(thresholds, oof.confidence[finite])
    choice = _classwise.certify_common_threshold(
        confidences,
        errors,
        target_risk=targets,
        delta=delta,
        method=method,
        grid=grid,
        robust_start=isinstance(thresholds, str),
        combine=combine,
    )
    _warn_uncertified_groups(choice, groups, rows, targets, delta, infeasible)
    threshold = choice.threshold
    if (
        isinstance(thresholds, str)
        and choice.feasible
        and threshold <= oof.confidence[finite].min()
    ):
        threshold = -np.inf  # every calibration sample accepted
    curve = np.union1d(np.unique(oof.confidence[finite]), [threshold])
    coverage, _ = coverage_and_risk_at(oof.confidence, oof.errors, curve)
    bounds = choice.risk_bound
    return Bunch(
        thresholds=curve,
        objective=coverage,
        best=int(np.flatnonzero(curve == threshold)[0]),
        risk_bound=float(np.nanmax(bounds)) if choice.feasible else float("nan"),
        best_achievable_risk=float("nan"),
        group_risk_bound=bounds,
        group_certified=choice.eligible & choice.feasible,
        group_delta=choice.delta,
    )


def _warn_uncertified_groups(choice, groups, rows, targets, delta, infeasible):
    """Name the groups too small to certify; raise or warn when infeasible."""
    small = np.flatnonzero(~choice.eligible)
    if small.size:
        names = ", ".join(
            f"{group_label(groups[g])!r} ({rows[g].shape[0]} rows, needs at least "
            f"{choice.needed_size[g]} at target_risk={targets[g]:g})"
            for g in small
        )
        _warn(
            f"Group(s) {names} are too small to certify: even without a single "
            "error, so few calibration rows cannot show a selective risk below "
            f"the target with the simultaneous probability {1 - delta:.3g}. The "
            "guarantee covers the other groups only; the threshold applies to "
            "these rows too, uncertified. Calibrate on more rows of these "
            "groups, merge them with others, or allow a larger target_risk for "
            "them.",
            GuaranteeWarning,
        )
    if choice.feasible:
        return
    nowhere = [
        group_label(groups[g])
        for g in np.flatnonzero(choice.eligible & ~choice.certified_somewhere)
    ]
    if not choice.eligible.any():
        reason = "no group has enough calibration rows for any certificate"
    elif nowhere:
        reason = f"group(s) {nowhere!r} certify no threshold at all, even tested alone"
    else:
        reason = (
            "each group certifies some thresholds, but no threshold is certified "
            "in all of them at once"
        )
    message = (
        f"No single threshold keeps the selective risk below target_risk in "
        f"every group with probability {1 - delta:.3g} on these "
        f"{sum(r.shape[0] for r in rows)} calibration samples: {reason}"
    )
    advice = (
        "Allow a larger target_risk (for the groups named) or delta, or "
        "calibrate on more data."
    )
    if infeasible == "raise":
        raise InfeasibleTargetError(f"{message}. {advice}")
    _warn(
        f"{message}, so the model rejects everything. {advice} (Pass "
        'infeasible="raise" to make this an error.)',
        GuaranteeWarning,
    )


def group_coverage_and_risk(oof, threshold, class_index, n_groups, group_totals):
    """Coverage and selective risk of each group at the fitted threshold(s).

    ``group_totals`` counts every out-of-fold row of each group, those a
    novelty detector left out (always rejected) included, as ``coverage_``
    does.
    """
    accepted = ~rejected_mask(oof.confidence, threshold, class_index)
    n_accepted = np.bincount(oof.group_index[accepted], minlength=n_groups)
    n_errors = np.bincount(
        oof.group_index[accepted],
        weights=oof.errors[accepted].astype(np.float64),
        minlength=n_groups,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(group_totals > 0, n_accepted / group_totals, np.nan)
        risk = np.where(n_accepted > 0, n_errors / n_accepted, np.nan)
    return coverage, risk
