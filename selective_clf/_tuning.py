"""SelectiveClassifierCV: tune the reject threshold from one fit per fold."""

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch, indexable
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import column_or_1d

from . import _classwise
from ._certificate import build_certificate, calibration_record, hash_data
from ._classifier import (
    DEFAULT_REJECTION_COST,
    BaseSelectiveClassifier,
    _get_estimator,
)
from ._compat import (
    Interval,
    RealNotInt,
    StrOptions,
    _check_method_params,
    _check_sample_weight,
    _fit_context,
    _num_samples,
    _routing_enabled,
    _safe_indexing,
)
from ._counting import coverage_and_risk_at
from ._decision import (
    decide_fitted,
    fit_novelty_detector,
    is_frozen,
)
from ._groups import encode_groups
from ._objectives import (
    choose_classwise,
    choose_groupwise_risk,
    choose_rejection_cost,
    choose_scoring,
    choose_target_coverage,
    choose_target_risk,
    choose_target_risk_from_counts,
    classwise_cv_results,
    group_coverage_and_risk,
)
from ._oof import (
    fit_and_collect,
    get_splitter,
    make_splits,
    split_groups,
    warn_missing_classes,
    warn_protocol,
)
from ._rule import rejected_mask
from ._validation import (
    check_fit_target,
    check_not_bool,
    is_dask_collection,
    prediction_errors,
)
from .certify import (
    DEFAULT_RISK_METHOD,
    RENAMED_RISK_METHODS,
    RISK_METHODS,
    resolve_risk_method,
)
from .exceptions import _warn

OBJECTIVES = ("rejection_cost", "target_coverage", "target_risk", "scoring")

# Fitted attributes of a fit with sensitive_features.
_GROUP_ATTRIBUTES = (
    "groups_",
    "sensitive_feature_names_",
    "group_n_calibration_",
    "group_coverage_",
    "group_risk_",
    "group_risk_bound_",
)


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
        certified for all classes at once. With ``sensitive_features`` given
        to :meth:`fit`, the highest acceptable selective risk of every group
        (one target for all, an array in the order of ``groups_`` or a
        mapping from group to target), certified for all groups at once.

    delta : float in (0, 1), default=0.05
        Allowed probability that the certified risk bound fails
        (``target_risk`` only).

    method : {"ltt_graph", "ltt", "ltt_holm", "sgr", "sgr_ltt"}, \
            default="ltt_graph"
        How ``target_risk`` is certified:

        - ``"ltt_graph"``: Learn then Test with binomial p-values tested in a
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

        All make the same assumption (exchangeable calibration and test
        data) and keep the same guarantee; they differ in how much coverage
        they certify. The user guide (:ref:`risk_methods`) compares them on
        simulated regimes and real data sets.

        .. versionchanged:: 0.2
           ``"fallback"`` was renamed ``"ltt_graph"``; the old name works
           with a FutureWarning until 0.4.

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
        values. On Dask collections, ``target_risk`` with an int or an array
        certifies from counts on that grid, with memory independent of the
        number of rows (see the user guide, "Certifying on a cluster").

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
        class". With ``sensitive_features`` and ``target_risk``, each class's
        threshold is certified in every group of the class at once.

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

    verbose : int, default=0
        Progress messages, as in
        :class:`~sklearn.model_selection.GridSearchCV`: ``>0`` prints the
        number of fits and the chosen threshold with its certificate; higher
        values are passed to joblib, which reports the fold fits.

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

    certificate_ : Certificate
        The guarantee of the fit in one object (objective, target, protocol,
        calibration size and data hash, threshold, bound, coverage with its
        interval), printable and exportable to JSON; see
        :class:`~selective_clf.Certificate`.

    groups_ : ndarray of shape (n_groups,)
        With ``sensitive_features``: the groups, sorted (tuples of values
        when several sensitive features were given: their observed
        combinations).

    sensitive_feature_names_ : list of str
        With ``sensitive_features``: the names of their columns
        (``sensitive_feature_<j>`` when they have none).

    group_n_calibration_ : ndarray of shape (n_groups,)
        With ``sensitive_features``: the out-of-fold (calibration) rows of
        each group.

    group_coverage_ : ndarray of shape (n_groups,)
        With ``sensitive_features``: the fraction of each group's
        out-of-fold rows accepted at ``threshold_`` (rows a novelty detector
        left out count as rejected, as for ``coverage_``).

    group_risk_ : ndarray of shape (n_groups,)
        With ``sensitive_features``: the selective risk of each group's
        accepted out-of-fold rows (nan if none).

    group_risk_bound_ : ndarray of shape (n_groups,) or (n_classes, n_groups)
        With ``sensitive_features`` and ``target_risk``: the certified upper
        bound on each group's selective risk at ``threshold_``, all holding
        together with probability ``1 - delta``; nan for a group too small
        to certify (named in a :class:`GuaranteeWarning`) and for every
        group when nothing could be certified. ``risk_bound_`` is then the
        largest of them. With ``classwise=True``, one row per class: the
        bound in each (predicted class, group) cell. Otherwise not set.

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
        "method": [
            StrOptions(
                set(RISK_METHODS) | set(RENAMED_RISK_METHODS),
                deprecated=set(RENAMED_RISK_METHODS),
            )
        ],
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
        "verbose": ["verbose"],
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
        verbose=0,
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
        self.verbose = verbose

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

    def _route(self, sample_weight, sensitive_features, fit_params):
        if _routing_enabled():
            # both are consumed by fit itself, and also routed to a child
            # that requests them
            consumed = {
                name: value
                for name, value in (
                    ("sample_weight", sample_weight),
                    ("sensitive_features", sensitive_features),
                )
                if value is not None
            }
            return process_routing(self, "fit", **consumed, **fit_params)
        # Without routing, ``groups`` goes to the splitter, as GridSearchCV
        # does, and every other parameter to the estimator's fit.
        estimator_fit, split_params = split_groups(fit_params)
        weight = {} if sample_weight is None else {"sample_weight": sample_weight}
        return Bunch(
            estimator=Bunch(fit={**estimator_fit, **weight}),
            splitter=Bunch(split=split_params),
            scorer=Bunch(score=weight),
        )

    @_fit_context(
        # SelectiveClassifierCV.estimator is not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, sensitive_features=None, **fit_params):
        """Fit the model(s) and tune the reject threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training (and calibration) data. With a ``FrozenEstimator``, a
            Dask array or DataFrame (and ``y``, ``sample_weight`` as Dask
            arrays or Series) is calibrated block by block without being
            gathered (user guide, "Certifying on a cluster").

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights, for the estimator's ``fit`` and the
            ``rejection_cost`` / ``scoring`` objectives. Refused with
            ``target_risk`` and ``target_coverage``, whose guarantees count
            unweighted rows.

        sensitive_features : array-like of shape (n_samples,) or \
                (n_samples, n_sensitive), DataFrame or dict, default=None
            The group of each row (several columns: each observed combination
            of their values is a group, as in fairlearn). With
            ``target_risk``, the selective risk is certified in every group
            at once, with one threshold for all rows (``predict`` needs no
            group); with the other objectives, the per-group coverage and
            risk are reported. On Dask collections it is gathered with the
            per-row vectors (not with counts on a grid). See the user guide,
            "Guarantees per group".

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
        self._check_classwise_params(objective, sensitive_features is not None)
        for name in _GROUP_ATTRIBUTES:  # from an earlier fit with groups
            self.__dict__.pop(name, None)
        if any(is_dask_collection(a) for a in (X, y, sample_weight)):
            self._fit_dask(objective, X, y, sample_weight, sensitive_features)
            return self._certify_fitted(X, y)
        check_fit_target(y, type(self).__name__)
        X, y = indexable(X, y)
        y = column_or_1d(y, warn=True)
        encoded = (
            None
            if sensitive_features is None
            else encode_groups(sensitive_features, _num_samples(X))
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
            if (sample_weight < 0).any():
                raise ValueError(
                    "sample_weight must be non-negative: a negative weight has no "
                    "meaning for a cost or a score."
                )
            self._refuse_weights(objective)
        self._fit(
            objective, X, y, sample_weight, fit_params, encoded, sensitive_features
        )
        return self._certify_fitted(X, y)

    def _certify_fitted(self, X, y):
        """Set ``certificate_``, the one record of what the fit guarantees."""
        self.certificate_ = build_certificate(self, data_hash=hash_data(X, y))
        if self.verbose > 0:
            print(f"[{type(self).__name__}] {self.certificate_}")
        return self

    def _refuse_weights(self, objective):
        """Refuse ``sample_weight`` with an objective whose guarantee counts rows."""
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

    def _fit(
        self, objective, X, y, sample_weight, fit_params, encoded, sensitive_features
    ):
        """Collect out-of-fold decisions once, choose, set the final model."""
        routed = self._route(sample_weight, sensitive_features, fit_params)
        base = _get_estimator(self.estimator)
        detector = self._checked_novelty_detector()
        mode, splits = make_splits(
            X,
            y,
            cv=self.cv,
            refit=self.refit,
            random_state=self.random_state,
            frozen=is_frozen(base),
            split_params=routed.splitter.split,
            what="model",
        )
        self._check_detector_protocol(objective, mode, detector)
        if self.target_risk is not None:
            warn_protocol(mode, len(splits), subject="model")
        folds = self._collect(base, mode, splits, X, y, routed.estimator.fit)
        if mode != "frozen":
            warn_missing_classes([fold.estimator.classes_ for fold in folds], y)
        val = np.concatenate([fold.val for fold in folds])
        # coverage_ counts the novel samples (always rejected) too.
        kept_share = val.shape[0] / sum(fold.n_val for fold in folds)
        self._calibration = calibration_record(
            objective, mode, sum(fold.n_val for fold in folds)
        )
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
            group_index=None if encoded is None else encoded.index[val],
        )
        self._check_confidences(np.isnan(oof.confidence).sum(), oof.confidence.shape[0])

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
        choice = self._choose(objective, oof, X, routed, val, encoded)
        self._set_results(objective, choice, oof, kept_share)
        if encoded is not None:
            all_val = np.concatenate([split_val for _, split_val in splits])
            self._set_group_results(choice, oof, encoded, all_val)
        return self

    def _fit_dask(self, objective, X, y, sample_weight, sensitive_features):
        """Calibrate a frozen model on Dask collections, block by block.

        Dask support is opt-in (:mod:`selective_clf._dask`, imported here
        only). Either the per-row confidences, predictions and errors are
        gathered and the in-memory choice runs on them, or, for
        ``target_risk`` with a grid of ``thresholds``, only the counts on
        the grid are (bounded memory). ``sensitive_features`` (one group
        label per row, Dask or not) is gathered with the per-row vectors.
        """
        from . import _dask

        base = _get_estimator(self.estimator)
        _dask.check_supported(self, objective, base)
        if sensitive_features is not None and _dask.uses_counts(self, objective):
            raise ValueError(
                "sensitive_features with target_risk and a thresholds grid on "
                "Dask would need counts per group, which this version does not "
                "merge: pass thresholds='auto' (the per-row confidences, "
                "predictions and errors are gathered, one of each per row, and "
                "the groups with them)."
            )
        if sample_weight is not None:
            self._refuse_weights(objective)
        self.estimator_ = base
        self.novelty_detector_ = None
        self._set_fitted_attributes()
        data = _dask.Blocks(X, y, sample_weight)
        if _dask.uses_counts(self, objective):
            counts = _dask.collect_counts(self, data)
            self._check_confidences(
                int((counts.n_total - counts.n_finite).sum()),
                int(counts.n_total.sum()),
            )
            self._calibration = calibration_record(
                objective, "frozen", int(counts.n_total.sum())
            )
            return self._set_count_results(counts)
        oof = _dask.collect_decisions(self, data)
        n_rows = oof.confidence.shape[0]
        self._calibration = calibration_record(objective, "frozen", n_rows)
        self._check_confidences(np.isnan(oof.confidence).sum(), n_rows)
        encoded = None
        if sensitive_features is not None:
            encoded = encode_groups(_dask.gather(sensitive_features), n_rows)
            oof.group_index = encoded.index
        choice = self._choose(objective, oof, None, None, None, encoded)
        self._set_results(objective, choice, oof, 1.0)
        if encoded is not None:
            self._set_group_results(choice, oof, encoded, np.arange(n_rows))
        return self

    def _set_count_results(self, counts):
        """Fitted attributes of ``target_risk`` certified from grid counts."""
        choice = choose_target_risk_from_counts(
            counts,
            classes=self.classes_ if self.classwise else None,
            target_risk=self.target_risk,
            delta=self.delta,
            method=resolve_risk_method(self.method),
            infeasible=self.infeasible,
        )
        self.threshold_ = (
            choice.class_thresholds
            if self.classwise
            else float(choice.thresholds[choice.best])
        )
        self.best_score_ = float(choice.objective[choice.best])
        self.risk_bound_ = choice.risk_bound
        self.best_achievable_risk_ = choice.best_achievable_risk
        self.coverage_, self.risk_ = choice.coverage, choice.risk
        if self.store_cv_results:
            self.cv_results_ = choice.cv_results
        return self

    def _set_results(self, objective, choice, oof, kept_share):
        """Set the fitted attributes from a choice on out-of-fold data."""
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

    def _set_group_results(self, choice, oof, encoded, all_val):
        """Set the per-group attributes at ``threshold_``, in one place."""
        n_groups = encoded.groups.shape[0]
        totals = np.bincount(encoded.index[all_val], minlength=n_groups)
        self.groups_ = encoded.groups
        self.sensitive_feature_names_ = list(encoded.names)
        self.group_n_calibration_ = totals
        self.group_coverage_, self.group_risk_ = group_coverage_and_risk(
            oof, self._decision_threshold(), choice.get("class_index"), n_groups, totals
        )
        if "group_risk_bound" in choice:
            self.group_risk_bound_ = choice.group_risk_bound

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
        if self.verbose > 0:
            what = "scoring the frozen model on" if mode == "frozen" else "fitting"
            print(
                f"[{type(self).__name__}] {what} {len(splits)} split(s) "
                f"({mode} protocol)"
            )
        return Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
            delayed(fit_and_collect)(
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

    def _check_confidences(self, n_nan, n_samples):
        """Refuse all-NaN out-of-fold confidences; warn about some."""
        n_nan = int(n_nan)
        if n_samples == 0:
            raise ValueError(
                "novelty_detector marks every out-of-fold sample as an outlier, "
                "so no sample is left to tune the threshold on. Lower its "
                "contamination (or nu), or check that it sees the same features."
            )
        if n_nan == n_samples:
            raise ValueError(
                "Every out-of-fold confidence is NaN (the estimator's response "
                f"is NaN or infinite on all {n_nan} samples), so no threshold "
                "can be tuned. Check the "
                "estimator's probabilities (e.g. LabelSpreading gives NaN with "
                "its default kernel on unscaled data)."
            )
        if n_nan:
            _warn(
                f"{n_nan} of {n_samples} out-of-fold confidences are NaN "
                "(a NaN or infinite response); those samples are always rejected "
                "and counted as rejections when tuning.",
                UserWarning,
            )

    def _choose(self, objective, oof, X, routed, val, encoded):
        """Dispatch to the pure function of the objective."""
        if encoded is not None and objective == "target_risk" and not self.classwise:
            return choose_groupwise_risk(
                oof,
                groups=encoded.groups,
                target_risk=self.target_risk,
                delta=self.delta,
                method=resolve_risk_method(self.method),
                thresholds=self.thresholds,
                infeasible=self.infeasible,
            )
        if self.classwise:
            return choose_classwise(
                objective,
                oof,
                classes=self.classes_,
                target_risk=self.target_risk,
                rejection_costs=self._class_costs(np.asarray(self.classes_)),
                target_coverage=self.target_coverage,
                delta=self.delta,
                method=resolve_risk_method(self.method),
                thresholds=self.thresholds,
                infeasible=self.infeasible,
                sensitive_groups=None if encoded is None else encoded.groups,
            )
        if objective == "rejection_cost":
            return choose_rejection_cost(
                oof, rejection_cost=self.rejection_cost, thresholds=self.thresholds
            )
        if objective == "target_coverage":
            return choose_target_coverage(
                oof, target_coverage=self.target_coverage, thresholds=self.thresholds
            )
        if objective == "target_risk":
            return choose_target_risk(
                oof,
                target_risk=self.target_risk,
                delta=self.delta,
                method=resolve_risk_method(self.method),
                thresholds=self.thresholds,
                infeasible=self.infeasible,
            )
        # sample_weight is consumed by fit for the objective; a user scorer
        # gets what is routed to it.
        scorer_params = routed.scorer.score if "scorer" in routed else {}
        return choose_scoring(
            oof,
            scorer=check_scoring(self.estimator_, scoring=self.scoring),
            thresholds=self.thresholds,
            score_params=_check_method_params(X, scorer_params, indices=val),
            classes=self.classes_,
            reject_label=self.reject_label_,
            estimator=self,
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
                splitter=get_splitter(self.cv, random_state=self.random_state),
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

    def _check_classwise_params(self, objective, grouped=False):
        """Refuse per-class values without ``classwise`` and unsupported pairs."""
        for name in ("rejection_cost", "target_risk"):
            value = getattr(self, name)
            if grouped and name == "target_risk" and objective == "target_risk":
                continue  # one target per group: checked against groups_
            if not self.classwise and (
                isinstance(value, Mapping) or np.ndim(value) > 0
            ):
                per_group = (
                    " For one target per group, pass the groups to fit: "
                    "fit(X, y, sensitive_features=A)."
                    if name == "target_risk"
                    else ""
                )
                raise ValueError(
                    f"{name} is given per class, which needs one threshold per "
                    "class: set classwise=True (or give a single number)." + per_group
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

    def _set_classwise_results(self, objective, choice, oof, kept_share):
        """Fitted attributes of a class-wise choice; returns ``self``."""
        self.threshold_ = np.asarray(choice.thresholds, dtype=np.float64)
        self.best_score_ = float(choice.objective)
        if objective == "target_risk":
            self.risk_bound_ = choice.risk_bound
            self.best_achievable_risk_ = choice.best_achievable_risk
        self._set_coverage_and_risk(oof, choice.class_index, kept_share)
        if self.store_cv_results:
            self.cv_results_ = classwise_cv_results(
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
