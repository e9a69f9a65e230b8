"""SelectiveClassifierCV: tune the reject threshold from one fit per fold."""

import warnings
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import check_scoring
from sklearn.model_selection import StratifiedShuffleSplit, check_cv
from sklearn.utils import Bunch, indexable
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import column_or_1d

from . import _classwise
from ._bounds import DEFAULT_RISK_METHOD, RISK_METHODS, best_achievable_risk
from ._classifier import (
    DEFAULT_REJECTION_COST,
    BaseSelectiveClassifier,
    _get_estimator,
    fit_novelty_detector,
    is_frozen,
    resolve_response_method,
)
from ._compat import (
    Interval,
    RealNotInt,
    StrOptions,
    _BaseScorer,
    _check_method_params,
    _check_sample_weight,
    _fit_context,
    _num_samples,
    _routing_enabled,
    _safe_indexing,
)
from ._counting import coverage_and_risk_at, ranked_counts
from ._decision import _encode, decide, decide_fitted, rejected_mask
from ._validation import (
    check_fit_target,
    check_not_bool,
    prediction_dtype,
    prediction_errors,
)
from .exceptions import GuaranteeWarning, InfeasibleTargetError

DEFAULT_SCORING_GRID = 100
OBJECTIVES = ("rejection_cost", "target_coverage", "target_risk", "scoring")


def _fit_and_collect(
    estimator,
    X,
    y,
    *,
    train,
    val,
    fit_params,
    response_method,
    confidence,
    novelty_detector=None,
):
    """Fit on ``train`` (if any); return the model and its decisions on ``val``.

    An unfitted ``novelty_detector`` is fitted on ``X[train]`` (on ``X[val]``
    for a frozen model, which has no training part; a frozen detector is
    used as is), and the validation samples it marks as outliers are left
    out of the decisions: they are rejected whatever the threshold, so they
    do not tune it.

    Returns
    -------
    fold : Bunch
        ``estimator`` (the fitted model), ``novelty_detector`` (fitted, or
        None), ``val`` (indices of the validation samples the detector
        keeps), ``n_val`` (number of validation samples), ``confidence`` and
        ``y_pred`` (decisions without rejection, through the same reject
        rule as ``predict``) of the kept samples.
    """
    if train is not None:
        estimator.fit(
            _safe_indexing(X, train),
            _safe_indexing(y, train),
            **_check_method_params(X, fit_params, indices=train),
        )
    if novelty_detector is not None:
        novelty_detector = fit_novelty_detector(
            novelty_detector, _safe_indexing(X, val if train is None else train)
        )
    decision = decide(
        estimator,
        _safe_indexing(X, val),
        response_method=resolve_response_method(response_method, estimator),
        confidence=confidence,
        novelty_detector=novelty_detector,
    )
    kept = ~decision.novel
    return Bunch(
        estimator=estimator,
        novelty_detector=novelty_detector,
        val=np.asarray(val)[kept],
        n_val=kept.shape[0],
        confidence=np.asarray(decision.confidence[kept], dtype=np.float64),
        y_pred=np.asarray(estimator.classes_).take(decision.class_index[kept]),
    )


def _warn_missing_classes(folds, y):
    """Warn when a fold model never saw a class that its validation rows hold.

    Such a model cannot predict the class, so every validation row of it is
    an error, which drags the tuned threshold up (often to rejecting
    everything).
    """
    classes = np.unique(np.asarray(y))
    missing = {}
    for i, fold in enumerate(folds):
        lacking = classes[~np.isin(classes, np.asarray(fold.estimator.classes_))]
        if lacking.shape[0]:
            missing[i] = lacking.tolist()
    if missing:
        named = "; ".join(f"split {i}: {labels}" for i, labels in missing.items())
        warnings.warn(
            "The training part of some splits has no sample of a class "
            f"({named}), so their models cannot predict it and every validation "
            "row of it counts as an error when tuning the threshold. Use a "
            "stratified splitter (an int or float cv does this), or shuffle the "
            "rows before a KFold.",
            UserWarning,
            stacklevel=5,
        )


# -- the out-of-fold trade-off and the candidate thresholds ------------------


def _candidates(confidence, errors, weights, thresholds):
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
    grid = _grid(thresholds, conf)[::-1]
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


def _grid(thresholds, confidence, default=None):
    """Ascending grid of candidate thresholds from the ``thresholds`` param."""
    if isinstance(thresholds, str):  # "auto"
        n_quantiles = default
    elif isinstance(thresholds, Integral):
        n_quantiles = thresholds
    else:
        grid = np.asarray(thresholds)
        if grid.dtype.kind == "b" or grid.dtype.kind not in "iuf":
            raise ValueError(
                f"thresholds must be numbers; got {np.asarray(thresholds).tolist()!r}."
            )
        grid = np.unique(grid.astype(np.float64))
        if grid.shape[0] == 0:
            raise ValueError(
                "thresholds is empty: give at least one candidate threshold, or "
                "thresholds='auto'."
            )
        if np.isnan(grid).any():
            raise ValueError("thresholds must not contain NaN.")
        return grid
    if confidence.shape[0] == 0:
        return np.array([-np.inf])
    return np.unique(np.quantile(confidence, np.linspace(0, 1, n_quantiles)))


# -- one pure function per objective -----------------------------------------
# Each returns a Bunch with the candidate ``thresholds``, the ``objective``
# value at each and the index ``best`` of the chosen one, plus any extra
# fitted attribute (``risk_bound``) it certifies.


def _choose_rejection_cost(oof, *, rejection_cost, thresholds):
    """Minimise ``(errors + c * rejections) / n`` (Chow's cost)."""
    cand = _candidates(oof.confidence, oof.errors, oof.weights, thresholds)
    cost = (
        cand.accepted_errors + rejection_cost * (cand.total - cand.accepted)
    ) / cand.total
    # ties: the lowest cost with the largest coverage (latest candidate).
    best = len(cost) - 1 - int(np.argmin(cost[::-1]))
    return Bunch(thresholds=cand.thresholds, objective=1.0 - cost, best=best)


def _choose_target_coverage(oof, *, target_coverage, thresholds):
    """Choose the highest threshold whose conformal rejection rate is in budget."""
    confidence = oof.confidence
    cand = _candidates(confidence, oof.errors, None, thresholds)
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


def _choose_target_risk(
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
        else _grid(thresholds, confidence),
    )
    achievable = float("nan")
    if not selection.feasible:
        achievable = best_achievable_risk(
            confidence, errors, delta=delta, method=method
        )
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
            f"{confidence.shape[0]} calibration samples"
        )
        advice = (
            f"{feasible_text}. Allow a larger target_risk or delta, or calibrate "
            "on more data."
        )
        if infeasible == "raise":
            raise InfeasibleTargetError(f"{message}; {advice}")
        warnings.warn(
            f"{message}, so the model rejects everything; {advice} (Pass "
            'infeasible="raise" to make this an error.)',
            GuaranteeWarning,
            stacklevel=6,
        )
    # The whole curve for cv_results_: every distinct value (or the user's
    # grid) and the chosen threshold, with the coverage each gives (what the
    # search maximises).
    searched = (
        np.unique(confidence)
        if isinstance(thresholds, str)
        else _grid(thresholds, confidence)
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


def _choose_scoring(oof, *, scorer, thresholds, score_params, owner):
    """Maximise a scorer of predictions over the candidate thresholds.

    The scorer sees the out-of-fold predictions with rejections at each
    threshold, through the same reject rule as ``predict``, without any
    refit or new prediction.
    """
    if not isinstance(scorer, _BaseScorer):
        raise ValueError(
            f"scoring={scorer!r} is a plain callable; to evaluate it at every "
            "threshold without refitting, pass a scorer name or an object made "
            "by sklearn.metrics.make_scorer or "
            "selective_clf.metrics.make_selective_scorer."
        )
    grid = _grid(
        thresholds,
        oof.confidence[~np.isnan(oof.confidence)],
        default=DEFAULT_SCORING_GRID,
    )
    if isinstance(thresholds, str):  # "auto" also offers "accept everything"
        grid = np.concatenate([[-np.inf], grid])
    reject_label = owner.reject_label_
    dtype = prediction_dtype(np.asarray(owner.classes_), reject_label)
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
            method_caller, owner, None, oof.y_true, **score_params
        )
    # ties: the largest coverage (lowest threshold, first in ascending order)
    return Bunch(thresholds=grid, objective=scores, best=int(np.argmax(scores)))


class SelectiveClassifierCV(BaseSelectiveClassifier):
    """Classifier with a reject option whose threshold is tuned by cross-validation.

    One model is fitted per fold; the out-of-fold confidences and predictions
    are collected once and the whole risk–coverage trade-off over every
    candidate threshold comes from one sort. Exactly one objective is given:

    - ``rejection_cost=c``: minimise ``(errors + c * rejections) / n``
      (Chow's cost);
    - ``target_coverage=rho``: the highest (so, with a confidence that ranks
      errors last, the most accurate) threshold that still accepts at least
      ``rho`` of the samples, set with the conformal quantile so that on
      exchangeable data the expected rejection rate on new samples lies in
      ``[1 - rho - 1/(n+1), 1 - rho]``;
    - ``target_risk=r``: the largest coverage whose selective risk (error
      rate among accepted samples) is at most ``r`` with probability at
      least ``1 - delta``, certified on data the predicting model never saw
      (see the data protocol below);
    - ``scoring``: any scorer, evaluated at each candidate threshold on the
      out-of-fold predictions (scorers from
      :func:`selective_clf.metrics.make_selective_scorer` know the reject
      label).

    The fitted object predicts like a :class:`SelectiveClassifier` with
    ``threshold=threshold_``.

    Parameters
    ----------
    estimator : estimator instance, default=None
        The classifier to wrap. ``None`` means
        :class:`~sklearn.linear_model.LogisticRegression`. A
        :class:`~sklearn.frozen.FrozenEstimator` is used as is and all data
        given to :meth:`fit` is calibration data.

    confidence : {"max_proba", "margin", "entropy"} or callable, \
            default="max_proba"
        The confidence score, as in :class:`SelectiveClassifier`.

    response_method : {"auto", "predict_proba", "decision_function"}, \
            default="auto"
        Which method of ``estimator`` gives the response.

    rejection_cost : float in [0, 1], array-like or dict, default=None
        Objective: cost of a rejection, an error costing 1. Also used by
        :meth:`score` (0.5 when not given). With ``classwise=True`` it may
        be given per class (an array in the order of ``classes_``, or a
        mapping from every class to its cost): a rejected sample costs the
        cost of the class it was predicted as.

    target_coverage : float in (0, 1], default=None
        Objective: the fraction of samples that must be accepted.

    target_risk : float in (0, 1), array-like or dict, default=None
        Objective: the highest acceptable selective risk, certified with
        probability ``1 - delta``. With ``classwise=True``, the highest
        acceptable error rate among the samples accepted as each class (one
        target for all, an array in the order of ``classes_`` or a mapping),
        certified for all classes at once.

    delta : float in (0, 1), default=0.05
        Allowed probability that the certified risk bound fails
        (``target_risk`` only).

    method : {"fallback", "ltt", "ltt_holm", "sgr", "sgr_ltt"}, \
            default="fallback"
        How ``target_risk`` is certified:

        - ``"fallback"``: Learn then Test with binomial p-values tested in a
          fixed sequence from the most confident threshold down, entered at
          several points (where two errors can pass, then at twice, four
          times... as many accepted samples; where the test would pass with
          80% probability if the risk were half the target, or, with enough
          data, 0.8 times the target; and at half and a quarter of the
          samples with SGR's level); a failed test stops only its own
          stretch and a passed one hands its level on (a graphical
          weighted-Bonferroni procedure, Bretz et al. 2009).
          It does not collapse when the most confident predictions already
          hold errors (an error floor, a confidently-wrong cluster).
        - ``"ltt"``: Learn then Test (Angelopoulos et al. 2021) in one fixed
          sequence; strongest when errors concentrate at low confidence, but
          it certifies nothing once its first test fails.
        - ``"ltt_holm"``: Learn then Test with Bonferroni–Holm control over a
          coarse grid of at most 20 candidates.
        - ``"sgr"``: Selection with Guaranteed Risk (Geifman & El-Yaniv
          2017), a binary search with Clopper–Pearson bounds at level
          ``delta / ceil(log2 n)``, keeping the best feasible iterate.
        - ``"sgr_ltt"``: SGR and fixed-sequence LTT at ``delta / 2`` each,
          keeping the larger coverage.

        ``"fallback"`` is the default: over the simulated regimes and real
        data sets of ``benchmarks/bench_certification.py`` it certified at
        least 0.98 times SGR's coverage in 57 of 58 rows (0.979 in the
        last), at the same validity (see the user guide).

    scoring : str or callable, default=None
        Objective: a scorer name or callable ``scorer(estimator, X, y)``,
        greater is better, evaluated on the out-of-fold predictions with
        rejections at each candidate threshold.

    thresholds : "auto", int or array-like, default="auto"
        Candidate thresholds. ``"auto"``: every distinct out-of-fold
        confidence value (and "reject everything") for ``rejection_cost`` and
        ``target_coverage``; 100 quantiles of the confidences for
        ``scoring``; for ``target_risk`` with Learn then Test, the distinct
        values from the most confident one accepting enough samples for the
        binomial test to pass with two errors (one or none if that needs
        more than half the calibration set), since a test on fewer samples
        fails on a single error and stops the fixed sequence; SGR always
        searches the distinct values. An int: that many quantiles. An array: those
        values.

    cv : int, float, cross-validation generator or iterable, default=5
        How out-of-fold predictions are made. An int gives a stratified
        k-fold; a float in (0, 1) one stratified holdout split of that size
        (the calibration set). Ignored for a ``FrozenEstimator``.

    refit : bool, default=True
        Whether the final model is refitted on all data. ``refit=False``
        keeps the model trained on the training part of a single split.

    n_jobs : int, default=None
        Number of folds fitted in parallel, through joblib (any joblib
        backend, e.g. dask, applies).

    random_state : int, RandomState instance or None, default=None
        Seed of the holdout split when ``cv`` is a float.

    store_cv_results : bool, default=False
        Whether to store the whole trade-off curve in ``cv_results_``.

    reject_label : "auto", int, float or str, default="auto"
        The label given to rejected samples, as in
        :class:`SelectiveClassifier`.

    classwise : bool, default=False
        Whether to tune one threshold per predicted class (``threshold_`` is
        then an array in the order of ``classes_``). Supported for
        ``rejection_cost`` (minimised class by class: never above the single
        threshold's cost on the tuning data), ``target_risk`` (each class
        certified on its own predicted samples at a Šidák share of
        ``delta``) and ``target_coverage`` (a Lagrangian sweep over the
        per-class curves, without the conformal guarantee); not for
        ``scoring``. Per-class values of ``rejection_cost`` or
        ``target_risk`` require it. See the user guide, "One threshold per
        class".

    novelty_detector : estimator instance, default=None
        An outlier detector, as in :class:`SelectiveClassifier`: samples it
        marks as outliers are rejected whatever their confidence. An
        unfitted detector is cloned and fitted on the training part of each
        split, and the validation samples it marks are left out of the
        tuning: every objective (and ``best_score_``) is computed on the
        samples the detector keeps, so ``target_coverage`` is a fraction of
        those and ``target_risk`` is certified on them. The detector that
        predicts is refitted on all data with ``refit=True``; otherwise it
        is the one of the split, the one used when tuning. A detector fitted
        elsewhere, passed as ``FrozenEstimator(detector)``, is used as is.
        With a ``FrozenEstimator`` model all data given to :meth:`fit` is
        calibration data, so an unfitted detector would be fitted on the
        very rows it then filters, and the rows it keeps there are not drawn
        like those it keeps on new data: with ``target_risk`` or
        ``target_coverage`` this is refused (pass a detector fitted on other
        data as ``FrozenEstimator(detector)``); with ``rejection_cost`` or
        ``scoring`` it is fitted on all the data given to :meth:`fit`.

    infeasible : {"reject", "raise"}, default="reject"
        What ``fit`` does when no threshold certifies ``target_risk`` (for
        some class, with ``classwise=True``): ``"reject"`` fits a model that
        rejects everything (``threshold_`` is ``inf``, for that class) with
        a :class:`GuaranteeWarning` giving the smallest target the data
        could certify; ``"raise"`` raises
        :class:`~selective_clf.exceptions.InfeasibleTargetError` with the
        same message, for services and notebooks that filter warnings.
        A fitted infeasible model predicts ``reject_label_`` for every
        sample (for every sample predicted as that class), its
        ``coverage_`` is 0 and its :meth:`score` is ``1 - rejection_cost``
        of the rejected samples (0.5 without a ``rejection_cost``). Other
        objectives ignore it.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted classifier used to predict.

    novelty_detector_ : estimator instance or None
        The fitted novelty detector used to predict; None without one.

    threshold_ : float or ndarray of shape (n_classes,)
        The tuned threshold (one per class with ``classwise=True``): samples
        with a confidence below the threshold of their predicted class are
        rejected.
        ``-inf`` means nothing is rejected; ``inf`` that everything is (no
        threshold satisfied ``target_risk``).

    best_score_ : float
        The objective at ``threshold_`` on the out-of-fold data: ``1 - cost``
        for ``rejection_cost``, the selective accuracy for
        ``target_coverage``, the coverage for ``target_risk``, the score for
        ``scoring``.

    coverage_ : float
        Fraction of out-of-fold (calibration) samples accepted at
        ``threshold_``. With a ``novelty_detector`` it is a fraction of all
        of them, the novel ones counting as rejected, so that it agrees with
        what :meth:`predict` does; the coverage among the kept samples is
        ``coverage_`` divided by their share.

    risk_ : float
        Selective risk of the accepted out-of-fold samples (nan if none).

    risk_bound_ : float or ndarray of shape (n_classes,)
        With ``target_risk``: the certified upper bound on the selective risk
        at ``threshold_`` (per class with ``classwise=True``; nan when
        nothing could be certified). Otherwise not set.

    best_achievable_risk_ : float
        With ``target_risk`` when nothing could be certified: the smallest
        target this calibration set could certify with ``method`` at
        ``delta`` (nan if none, or when the target was certified). Choosing a
        new target from it on the same data loses the guarantee.

    cv_results_ : dict of ndarrays
        With ``store_cv_results=True``: ``"thresholds"`` (ascending),
        ``"coverage"``, ``"risk"`` and ``"objective"`` at each candidate
        (for ``target_risk``: every distinct confidence value, the objective
        being the coverage; only ``threshold_`` is certified). With
        ``classwise=True``, the per-class curves in long format: a
        ``"class"`` column, one row per class and candidate, the coverage
        and risk counted among the samples predicted as that class, the
        objective being that class's (one minus its mean cost, its selective
        accuracy, or its coverage). With a ``novelty_detector``, the coverage
        counts all samples, as ``coverage_`` does; the objective only those
        the detector keeps.

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    reject_label_ : int, float or str
        The label given to rejected samples.

    response_method_ : str
        The method of ``estimator_`` used for the response.

    n_features_in_ : int
        Number of features seen during :term:`fit`, when the wrapped
        estimator exposes it.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when the wrapped estimator
        exposes them.

    See Also
    --------
    SelectiveClassifier : Reject option with a fixed threshold.
    sklearn.model_selection.TunedThresholdClassifierCV : Tunes the binary
        decision threshold (no reject option).

    Notes
    -----
    **Data protocol of the risk guarantee.** The bound holds for a model
    whose threshold was certified on samples it never saw. That is the case
    for a :class:`~sklearn.frozen.FrozenEstimator` (all data given to
    :meth:`fit` is calibration data) and for a float ``cv`` with
    ``refit=False`` (the model trained on the rest is kept). With
    ``refit=True`` the final model is trained on the calibration samples too,
    and with k-fold ``cv`` the threshold is certified on the fold models, not
    on the final one: both fit with a :class:`GuaranteeWarning`.

    ``sample_weight`` is passed to the estimator's ``fit`` and weights the
    ``rejection_cost`` and ``scoring`` objectives. With ``target_coverage``
    or ``target_risk`` it is refused: their guarantees count i.i.d.
    calibration rows, and neither a weighted risk nor a weighted coverage
    is certified by those counts (fit a weighted model first, then certify
    ``FrozenEstimator(model)`` on unweighted calibration data; expand
    integer frequency weights into repeated rows with ``np.repeat``).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from selective_clf import SelectiveClassifierCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())
    >>> clf = SelectiveClassifierCV(model, rejection_cost=0.1).fit(X, y)
    >>> round(float(clf.threshold_), 1), round(clf.coverage_, 2)
    (0.7, 0.97)
    >>> guaranteed = SelectiveClassifierCV(
    ...     model, target_risk=0.02, delta=0.05, cv=0.5, refit=False,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> bool(guaranteed.risk_bound_ <= 0.02), round(guaranteed.coverage_, 1)
    (True, 0.9)
    """

    _parameter_constraints: dict = {
        **BaseSelectiveClassifier._parameter_constraints,
        "rejection_cost": [
            Interval(Real, 0, 1, closed="both"),
            "array-like",
            Mapping,
            None,
        ],
        "target_coverage": [Interval(Real, 0, 1, closed="right"), None],
        "target_risk": [
            Interval(Real, 0, 1, closed="neither"),
            "array-like",
            Mapping,
            None,
        ],
        "classwise": ["boolean"],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "method": [StrOptions(set(RISK_METHODS))],
        "scoring": [str, callable, None],
        "thresholds": [
            StrOptions({"auto"}),
            Interval(Integral, 2, None, closed="left"),
            "array-like",
        ],
        "cv": ["cv_object", Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "store_cv_results": ["boolean"],
        "infeasible": [StrOptions({"reject", "raise"})],
    }

    def __init__(
        self,
        estimator=None,
        *,
        confidence="max_proba",
        response_method="auto",
        rejection_cost=None,
        target_coverage=None,
        target_risk=None,
        delta=0.05,
        method=DEFAULT_RISK_METHOD,
        scoring=None,
        thresholds="auto",
        cv=5,
        refit=True,
        n_jobs=None,
        random_state=None,
        store_cv_results=False,
        reject_label="auto",
        classwise=False,
        novelty_detector=None,
        infeasible="reject",
    ):
        self.estimator = estimator
        self.confidence = confidence
        self.response_method = response_method
        self.rejection_cost = rejection_cost
        self.target_coverage = target_coverage
        self.target_risk = target_risk
        self.delta = delta
        self.method = method
        self.scoring = scoring
        self.thresholds = thresholds
        self.cv = cv
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.store_cv_results = store_cv_results
        self.reject_label = reject_label
        self.classwise = classwise
        self.novelty_detector = novelty_detector
        self.infeasible = infeasible

    def _objective(self):
        given = [
            name
            for name in ("rejection_cost", "target_coverage", "target_risk", "scoring")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            problem = "none was given" if not given else f"got {', '.join(given)}"
            raise ValueError(
                "SelectiveClassifierCV needs exactly one objective among "
                "rejection_cost, target_coverage, target_risk and scoring; "
                f"{problem}."
            )
        return given[0]

    def _get_cv(self, y=None):
        """Return the splitter: one stratified holdout split for a float ``cv``."""
        if isinstance(self.cv, Real) and 0 < self.cv < 1:
            return StratifiedShuffleSplit(
                n_splits=1, test_size=self.cv, random_state=self.random_state
            )
        return check_cv(self.cv, y=y, classifier=True)

    def _splits(self, X, y, split_params):
        """Return (final-model mode, list of (train, val) splits)."""
        if isinstance(_get_estimator(self.estimator), FrozenEstimator):
            return "frozen", [(None, np.arange(_num_samples(X)))]
        splits = list(self._get_cv(y).split(X, y, **split_params))
        if not self.refit and len(splits) > 1:
            raise ValueError(
                f"refit=False keeps the model of a single split, but cv gives "
                f"{len(splits)} splits. Use a float cv (a holdout fraction) or "
                "refit=True."
            )
        return ("refit" if self.refit else "keep"), splits

    def _warn_protocol(self, mode, n_splits):
        if self.target_risk is None or mode in ("frozen", "keep"):
            return
        if n_splits > 1:
            why = (
                f"the threshold is certified on out-of-fold predictions of {n_splits} "
                "fold models, not on the final model refitted on all data"
            )
        else:
            why = "the final model is refitted on the calibration samples"
        warnings.warn(
            f"The risk guarantee does not hold for the fitted model: {why}. For a "
            "guarantee, use a float cv (e.g. cv=0.3) with refit=False, or pass a "
            "pre-trained model as FrozenEstimator(model) with calibration data "
            "it never saw.",
            GuaranteeWarning,
            stacklevel=5,
        )

    def _route(self, sample_weight, fit_params):
        if _routing_enabled():
            return process_routing(
                self, "fit", sample_weight=sample_weight, **fit_params
            )
        # Without routing, ``groups`` goes to the splitter, as GridSearchCV
        # does, and every other parameter to the estimator's fit.
        estimator_fit = dict(fit_params)
        groups = estimator_fit.pop("groups", None)
        weight = {} if sample_weight is None else {"sample_weight": sample_weight}
        return Bunch(
            estimator=Bunch(fit={**estimator_fit, **weight}),
            splitter=Bunch(split={} if groups is None else {"groups": groups}),
            scorer=Bunch(score=weight),
        )

    @_fit_context(
        # SelectiveClassifierCV.estimator is not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the model(s) and tune the reject threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training (and calibration) data.

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, for the estimator's ``fit`` and the
            ``rejection_cost`` / ``scoring`` objectives. Refused with
            ``target_risk`` and ``target_coverage``, whose guarantees count
            unweighted rows.

        **fit_params : dict
            Other parameters for the estimator's ``fit``, routed with
            metadata routing if enabled. Without routing, ``groups`` goes to
            the splitter's ``split`` (as in
            :class:`~sklearn.model_selection.GridSearchCV`) and the others
            to the estimator's ``fit``.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        objective = self._objective()
        for name in ("rejection_cost", "target_coverage", "target_risk", "delta"):
            check_not_bool(getattr(self, name), name)
        check_not_bool(self.reject_label, "reject_label")
        self._check_classwise_params(objective)
        check_fit_target(y, type(self).__name__)
        X, y = indexable(X, y)
        y = column_or_1d(y, warn=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
            if (sample_weight < 0).any():
                raise ValueError(
                    "sample_weight must be non-negative: a negative weight has no "
                    "meaning for a cost or a score."
                )
            if objective in ("target_risk", "target_coverage"):
                raise ValueError(
                    f"sample_weight cannot be used with {objective}: its "
                    "guarantee counts unweighted i.i.d. calibration rows, and "
                    "the weighted counts would certify nothing (importance "
                    "weights change the distribution the guarantee is about; "
                    "integer weights read as repetitions overstate the sample "
                    "size). To train with weights, fit the model first and "
                    "certify FrozenEstimator(model) without weights; for "
                    "frequency weights of rows that really are repeated draws, "
                    "expand them with np.repeat. rejection_cost and scoring "
                    "take sample_weight."
                )
        return self._fit(objective, X, y, sample_weight, fit_params)

    def _fit(self, objective, X, y, sample_weight, fit_params):
        """Collect out-of-fold decisions once, choose, set the final model."""
        routed = self._route(sample_weight, fit_params)
        base = _get_estimator(self.estimator)
        detector = self._checked_novelty_detector()
        mode, splits = self._splits(X, y, routed.splitter.split)
        self._check_detector_protocol(objective, mode, detector)
        self._warn_protocol(mode, len(splits))
        folds = self._collect(base, mode, splits, X, y, routed.estimator.fit)
        if mode != "frozen":
            _warn_missing_classes(folds, y)
        val = np.concatenate([fold.val for fold in folds])
        # coverage_ counts the novel samples (always rejected) too.
        kept_share = val.shape[0] / sum(fold.n_val for fold in folds)
        y_true = np.asarray(_safe_indexing(y, val))
        y_pred = np.concatenate([fold.y_pred for fold in folds])
        oof = Bunch(
            confidence=np.concatenate([fold.confidence for fold in folds]),
            y_true=y_true,
            y_pred=y_pred,
            # labels of another kind than the model's classes (a frozen
            # model with int classes, string y) are an error, not all errors
            errors=prediction_errors(y_true, y_pred),
            weights=(
                None
                if sample_weight is None
                else np.asarray(_safe_indexing(sample_weight, val), dtype=np.float64)
            ),
        )
        self._check_confidences(oof.confidence)

        # The model that predicts: for a frozen base and a kept holdout split
        # it is the very model whose out-of-fold confidences were collected
        # (and certified); otherwise it is refitted on all data.
        if mode in ("frozen", "keep"):
            self.estimator_ = folds[0].estimator
            self.novelty_detector_ = folds[0].novelty_detector
        else:
            self.estimator_ = clone(base).fit(X, y, **routed.estimator.fit)
            self.novelty_detector_ = fit_novelty_detector(detector, X)
        self._set_fitted_attributes()

        choice = self._choose(objective, oof, X, routed, val)
        if self.classwise:
            return self._set_classwise_results(objective, choice, oof, kept_share)
        self.threshold_ = float(choice.thresholds[choice.best])
        self.best_score_ = float(choice.objective[choice.best])
        if "risk_bound" in choice:
            self.risk_bound_ = choice.risk_bound
            self.best_achievable_risk_ = choice.best_achievable_risk
        self._set_coverage_and_risk(oof, None, kept_share)
        if self.store_cv_results:
            thresholds = np.asarray(choice.thresholds, dtype=np.float64)
            coverage, risk = coverage_and_risk_at(
                oof.confidence, oof.errors, thresholds
            )
            order = np.argsort(thresholds, kind="stable")
            self.cv_results_ = {
                "thresholds": thresholds[order],
                "coverage": coverage[order] * kept_share,
                "risk": risk[order],
                "objective": np.asarray(choice.objective)[order],
            }
        return self

    def _set_coverage_and_risk(self, oof, class_index, kept_share):
        """Set ``coverage_`` and ``risk_`` at ``threshold_``, as predict decides.

        The one place for both the single and the class-wise threshold:
        ``coverage_`` counts the samples a novelty detector left out as
        rejected (``kept_share`` is the share it kept).
        """
        accepted = ~rejected_mask(
            oof.confidence, self._decision_threshold(), class_index
        )
        self.coverage_ = float(accepted.mean()) * kept_share
        self.risk_ = float(oof.errors[accepted].mean()) if accepted.any() else np.nan

    def _check_detector_protocol(self, objective, mode, detector):
        """Refuse a detector fitted on the rows that certify a frozen model."""
        if (
            mode == "frozen"
            and detector is not None
            and not is_frozen(detector)
            and objective in ("target_risk", "target_coverage")
        ):
            raise ValueError(
                f"novelty_detector={type(detector).__name__} is unfitted and the "
                "model is a FrozenEstimator, so the detector would be fitted on "
                "the calibration rows themselves: the rows it keeps there are not "
                f"drawn like the rows it keeps on new data, and the {objective} "
                "guarantee would not hold. Fit the detector on other data and "
                "pass FrozenEstimator(detector), or let SelectiveClassifierCV "
                "train the model and the detector on a holdout split (an "
                "unfrozen estimator with cv=0.3, refit=False)."
            )

    def _collect(self, base, mode, splits, X, y, fit_params):
        """Fit one model per split; its out-of-fold decisions, in one pass."""
        return Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_collect)(
                base if mode == "frozen" else clone(base),
                X,
                y,
                train=train,
                val=val,
                fit_params=fit_params,
                response_method=self.response_method,
                confidence=self.confidence,
                novelty_detector=self.novelty_detector,
            )
            for train, val in splits
        )

    def _check_confidences(self, confidence):
        """Refuse all-NaN out-of-fold confidences; warn about some."""
        if confidence.shape[0] == 0:
            raise ValueError(
                "novelty_detector marks every out-of-fold sample as an outlier, "
                "so no sample is left to tune the threshold on. Lower its "
                "contamination (or nu), or check that it sees the same features."
            )
        n_nan = int(np.isnan(confidence).sum())
        if n_nan == confidence.shape[0]:
            raise ValueError(
                "Every out-of-fold confidence is NaN (the estimator's response "
                f"is NaN or infinite on all {n_nan} samples), so no threshold "
                "can be tuned. Check the "
                "estimator's probabilities (e.g. LabelSpreading gives NaN with "
                "its default kernel on unscaled data)."
            )
        if n_nan:
            warnings.warn(
                f"{n_nan} of {confidence.shape[0]} out-of-fold confidences are NaN "
                "(a NaN or infinite response); those samples are always rejected "
                "and counted as rejections when tuning.",
                UserWarning,
                stacklevel=5,
            )

    def _choose(self, objective, oof, X, routed, val):
        """Dispatch to the pure function of the objective."""
        if self.classwise:
            return self._choose_classwise(objective, oof)
        if objective == "rejection_cost":
            return _choose_rejection_cost(
                oof, rejection_cost=self.rejection_cost, thresholds=self.thresholds
            )
        if objective == "target_coverage":
            return _choose_target_coverage(
                oof, target_coverage=self.target_coverage, thresholds=self.thresholds
            )
        if objective == "target_risk":
            return _choose_target_risk(
                oof,
                target_risk=self.target_risk,
                delta=self.delta,
                method=self.method,
                thresholds=self.thresholds,
                infeasible=self.infeasible,
            )
        # sample_weight is consumed by fit for the objective; a user scorer
        # gets what is routed to it.
        scorer_params = routed.scorer.score if "scorer" in routed else {}
        return _choose_scoring(
            oof,
            scorer=check_scoring(self.estimator_, scoring=self.scoring),
            thresholds=self.thresholds,
            score_params=_check_method_params(X, scorer_params, indices=val),
            owner=self,
        )

    def _decision_threshold(self):
        if np.ndim(self.threshold_):  # classwise: one per class
            return np.asarray(self.threshold_, dtype=np.float64)
        return np.full(len(self.classes_), self.threshold_)

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit`` metadata to the estimator's ``fit``, the splitter's
            ``split`` and the scorer; ``sample_weight`` is consumed by
            :meth:`fit` (objective) and :meth:`score`.
        """
        router = (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                estimator=_get_estimator(self.estimator),
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
            .add(
                splitter=self._get_cv(),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        )
        if self.scoring is not None:
            router.add(
                scorer=check_scoring(
                    _get_estimator(self.estimator), scoring=self.scoring
                ),
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
        return router

    # -- one threshold per predicted class (classwise=True) --------------------

    def _check_classwise_params(self, objective):
        """Refuse per-class values without ``classwise`` and unsupported pairs."""
        for name in ("rejection_cost", "target_risk"):
            value = getattr(self, name)
            if not self.classwise and (
                isinstance(value, Mapping) or np.ndim(value) > 0
            ):
                raise ValueError(
                    f"{name} is given per class, which needs one threshold per "
                    "class: set classwise=True (or give a single number)."
                )
        if self.classwise and objective == "scoring":
            raise ValueError(
                "classwise=True supports rejection_cost, target_coverage and "
                "target_risk; a scorer of the predictions does not split by "
                "predicted class, so maximising it over one threshold per class "
                "is a search over all their combinations. Use rejection_cost "
                "(one cost per class if needed), or a GridSearchCV over "
                "SelectiveClassifier(threshold=[...]) with your scorer."
            )

    def _choose_classwise(self, objective, oof):
        """Split the out-of-fold data by predicted class; choose per class."""
        classes = np.asarray(self.classes_)
        class_index = _encode(oof.y_pred, classes)
        groups = [np.flatnonzero(class_index == k) for k in range(len(classes))]
        finite = ~np.isnan(oof.confidence)
        if objective == "target_risk":
            targets = _classwise.per_class_values(
                self.target_risk,
                classes,
                "target_risk",
                low=0.0,
                high=1.0,
                low_closed=False,
                high_closed=False,
            )
            if self.method in ("sgr",) and not isinstance(self.thresholds, str):
                raise ValueError(
                    "method='sgr' searches the distinct confidence values; it "
                    "takes no thresholds grid. Use thresholds='auto', or another "
                    "method."
                )
            keep = [g[finite[g]] for g in groups]
            choice = _classwise.choose_target_risk(
                [oof.confidence[g] for g in keep],
                [oof.errors[g] for g in keep],
                target_risk=targets,
                delta=self.delta,
                method=self.method,
                thresholds=None
                if isinstance(self.thresholds, str)
                else _grid(self.thresholds, oof.confidence[finite]),
            )
            self._warn_uncertified_classes(choice, classes, keep, targets)
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
                self.thresholds
                if isinstance(self.thresholds, str)
                else _grid(self.thresholds, oof.confidence[finite])
            )
            weights = oof.weights if objective == "rejection_cost" else None
            curves = [
                _class_curve(oof, g, weights, grid) if g.shape[0] else None
                for g in groups
            ]
            if objective == "rejection_cost":
                choice = _classwise.choose_rejection_cost(
                    curves,
                    rejection_cost=self._class_costs(classes),
                    fallback=_candidates(oof.confidence, oof.errors, oof.weights, grid),
                )
            else:
                scalar = _choose_target_coverage(
                    oof, target_coverage=self.target_coverage, thresholds=grid
                )
                choice = _classwise.choose_target_coverage(
                    curves,
                    n_samples=oof.confidence.shape[0],
                    target_coverage=self.target_coverage,
                    scalar=scalar.thresholds[scalar.best],
                )
            choice.class_candidates = [
                None if curve is None else curve.thresholds for curve in curves
            ]
        choice.class_index = class_index
        choice.groups = groups
        return choice

    def _warn_uncertified_classes(self, choice, classes, keep, targets):
        if self.infeasible == "raise" and len(choice.infeasible):
            labels = [classes.tolist()[k] for k in choice.infeasible]
            raise InfeasibleTargetError(
                f"No threshold certifies target_risk for class(es) {labels} with "
                f"the simultaneous probability {1 - self.delta:.3g} on their "
                f"{[keep[k].shape[0] for k in choice.infeasible]} calibration "
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
            warnings.warn(
                f"Class {label!r}: no threshold keeps the error rate of the "
                f"samples accepted as {label!r} below {targets[k]:g} with "
                f"the simultaneous probability {1 - self.delta:.3g}, on its "
                f"{keep[k].shape[0]} calibration samples predicted as it, so it "
                f"is always rejected (threshold inf); {feasible_text}. Allow a "
                "larger target_risk for it or a larger delta, or calibrate on "
                "more data.",
                GuaranteeWarning,
                stacklevel=7,
            )

    def _set_classwise_results(self, objective, choice, oof, kept_share):
        """Fitted attributes of a class-wise choice; returns ``self``."""
        self.threshold_ = np.asarray(choice.thresholds, dtype=np.float64)
        self.best_score_ = float(choice.objective)
        if objective == "target_risk":
            self.risk_bound_ = choice.risk_bound
            self.best_achievable_risk_ = choice.best_achievable_risk
        self._set_coverage_and_risk(oof, choice.class_index, kept_share)
        if self.store_cv_results:
            self.cv_results_ = _classwise_cv_results(
                np.asarray(self.classes_), choice, oof
            )
        return self

    def _class_costs(self, classes):
        """Return the rejection cost of each class, in the order of ``classes``."""
        cost = (
            DEFAULT_REJECTION_COST
            if self.rejection_cost is None
            else self.rejection_cost
        )
        return _classwise.per_class_values(
            cost,
            classes,
            "rejection_cost",
            low=0.0,
            high=1.0,
            low_closed=True,
            high_closed=True,
        )

    def score(self, X, y, sample_weight=None):
        """One minus the mean cost: 1 per error, the rejection cost per rejection.

        With one ``rejection_cost`` per class, a rejected sample costs the
        rejection cost of the class it was predicted as (before rejection);
        otherwise as :meth:`SelectiveClassifier.score` (0.5 when not given).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.

        y : array-like of shape (n_samples,)
            True labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean credit, in [0, 1].
        """
        cost = self.rejection_cost
        if not (isinstance(cost, Mapping) or np.ndim(cost) > 0):
            return super().score(X, y, sample_weight=sample_weight)
        classes = np.asarray(self.classes_)
        costs = self._class_costs(classes)
        decision = decide_fitted(self, X)
        y = column_or_1d(y)
        if y.shape[0] != decision.class_index.shape[0]:
            raise ValueError(
                f"y has {y.shape[0]} labels but X has "
                f"{decision.class_index.shape[0]} samples."
            )
        wrong = classes.take(decision.class_index) != y
        per_sample = np.where(
            decision.rejected, costs[decision.class_index], wrong.astype(float)
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, y)
        return 1.0 - float(np.average(per_sample, weights=sample_weight))


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
    return _candidates(confidence, errors, w, grid)


def _classwise_cv_results(classes, choice, oof):
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
