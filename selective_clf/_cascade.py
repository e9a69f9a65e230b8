"""Deferral cascades: selective classifiers in sequence, each deciding what it can.

A row goes to the first stage; the rows it rejects go to the next stage, and
so on; the rows the last stage rejects get the cascade's reject label (a
person, or nobody, decides them). Each stage only ever sees the rows that
reach it, so a slow model is never run on the rows a fast one decided.
"""

from itertools import product
from math import ceil
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import Bunch, get_tags, indexable
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._classifier import (
    DEFAULT_REJECTION_COST,
    SelectiveClassifier,
)
from ._compat import (
    Interval,
    RealNotInt,
    _BaseComposition,
    _check_method_params,
    _check_sample_weight,
    _fit_context,
    _num_samples,
    _routing_enabled,
    _safe_indexing,
)
from ._counting import counts_at, ranked_counts
from ._decision import is_frozen
from ._oof import (
    fit_stages_and_collect,
    get_splitter,
    make_splits,
    split_groups,
    stage_decisions,
    warn_missing_classes,
    warn_protocol,
)
from ._validation import (
    check_fit_target,
    equals_label,
    prediction_dtype,
    resolve_reject_label,
    rows_with_nan,
)
from .certify import certify_chains
from .exceptions import GuaranteeWarning, _warn
from .metrics._scorer import _get_reject_label
from .metrics._scores import rejection_cost_loss

DEFAULT_GRID_SIZE = 20

#: With ``target_risk``: the share of ``delta`` held by the chain of the last
#: stage alone (every earlier stage defers every row), so that the certified
#: cascade is never far below its last stage certified alone.
LAST_STAGE_ALONE_SHARE = 0.5
#: With ``target_risk`` and an int ``thresholds``: the candidate thresholds of
#: each earlier stage, besides ``inf``, are those at which it alone would
#: decide these shares of the calibration rows (its most confident rows).
EARLY_STAGE_SHARES = (0.1, 0.3)
#: Name of the splitter in the metadata router of SelectiveCascadeCV.
_SPLITTER = "splitter"


def _stage_reject_label(name, stage):
    """``reject_label_`` of a fitted stage, or a clear error if it has none."""
    try:
        return _get_reject_label(stage)
    except ValueError:
        raise ValueError(
            f"Stage {name!r} ({type(stage).__name__}) is not a selective "
            "classifier: it has no reject_label_, so it cannot defer rows to the "
            "next stage. Wrap it in SelectiveClassifier (threshold=None never "
            "rejects, for a last stage that decides every row it gets)."
        ) from None


class SelectiveCascade(ClassifierMixin, MetaEstimatorMixin, _BaseComposition):
    """Selective classifiers in sequence: each decides what it can, defers the rest.

    ``SelectiveCascade([("fast", fast), ("slow", slow)])`` sends every row to
    ``fast``; the rows ``fast`` rejects go to ``slow``; the rows ``slow``
    rejects get ``reject_label_`` (for a person to decide, or nobody). At
    :meth:`predict` each stage is called **only on the rows that reach it**,
    so an expensive model runs on the fraction of rows the cheap one is
    unsure about, and a stage that no row reaches is not called at all.
    :meth:`decided_by` and :meth:`stage_shares` report which stage decided
    each row.

    Stages are composed like the estimators of
    :class:`~sklearn.ensemble.VotingClassifier`: ``get_params`` and
    ``set_params`` reach into them, so
    :class:`~sklearn.model_selection.GridSearchCV` can search
    ``fast__threshold``. To tune the thresholds of all stages together, for
    a total cost or a certified total risk, use :class:`SelectiveCascadeCV`.

    Parameters
    ----------
    stages : list of (str, estimator) tuples
        The stages, in the order rows visit them. Each is a selective
        classifier: a :class:`SelectiveClassifier`, a
        ``SelectiveClassifierCV``, another ``SelectiveCascade``, or a
        :class:`~sklearn.pipeline.Pipeline` ending in one. Clones are fitted
        in :meth:`fit`. All stages must learn the same ``classes_``. A last
        stage with ``threshold=None`` decides every row it gets.

    fit_deferred : bool, default=False
        If False, every stage is fitted on all training rows. If True, a
        stage is fitted only on the training rows the stages before it
        reject, so it specialises on the hard rows; those rows are chosen by
        the earlier stages' predictions on their own training data, which
        are over-confident, so fewer rows are deferred at training time than
        at prediction time. It is an error if the deferred rows miss a class.

    reject_label : "auto", int, float or str, default="auto"
        The label :meth:`predict` returns for rows every stage rejected.
        ``"auto"`` picks one of the same kind as the classes that is not a
        class: -1 for numbers (or one less than the smallest class if -1 is a
        class), ``"rejected"`` for strings. The stages' own reject labels
        only mark deferrals and never appear in the output.

    rejection_cost : float in [0, 1], default=0.5
        Cost of one row rejected by every stage, an error costing 1, used by
        :meth:`score`.

    Attributes
    ----------
    stages_ : list of (str, estimator) tuples
        The fitted stages.

    named_stages_ : :class:`~sklearn.utils.Bunch`
        The fitted stages by name.

    classes_ : ndarray of shape (n_classes,)
        The class labels shared by the stages; the reject label is not one.

    reject_label_ : int, float or str
        The label given to rows that every stage rejected.

    n_features_in_ : int
        Number of features seen during :term:`fit`, when the first stage
        exposes it.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when the first stage
        exposes them.

    See Also
    --------
    SelectiveCascadeCV : A cascade whose stage thresholds are tuned together.
    SelectiveClassifier : One model with a reject option.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from selective_clf import SelectiveCascade, SelectiveClassifier
    >>> X, y = make_classification(n_samples=1000, random_state=0)
    >>> cascade = SelectiveCascade([
    ...     ("fast", SelectiveClassifier(LogisticRegression(), threshold=0.9)),
    ...     ("slow", SelectiveClassifier(
    ...         HistGradientBoostingClassifier(max_iter=20, random_state=0),
    ...         threshold=0.6)),
    ... ]).fit(X[:500], y[:500])
    >>> cascade.stage_shares(X[500:]).round(2)  # fast, slow, rejected by both
    array([0.85, 0.13, 0.02])
    >>> cascade.decided_by(X[500:510])
    array([0, 0, 0, 0, 0, 1, 0, 1, 0, 0])
    >>> _ = cascade.set_params(fast__threshold=0.99).fit(X[:500], y[:500])
    >>> cascade.stage_shares(X[500:]).round(2)
    array([0.45, 0.51, 0.04])
    """

    _parameter_constraints: dict = {
        "stages": [list],
        "fit_deferred": ["boolean"],
        "reject_label": [str, Integral, Real],
        "rejection_cost": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self, stages, *, fit_deferred=False, reject_label="auto", rejection_cost=0.5
    ):
        self.stages = stages
        self.fit_deferred = fit_deferred
        self.reject_label = reject_label
        self.rejection_cost = rejection_cost

    # -- composition ------------------------------------------------------

    def get_params(self, deep=True):
        """Get the parameters of the cascade and, if ``deep``, of its stages.

        Parameters
        ----------
        deep : bool, default=True
            If True, also return the parameters of the stages as
            ``<stage name>__<parameter>``.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return self._get_params("stages", deep=deep)

    def set_params(self, **params):
        """Set the parameters of the cascade or of its stages.

        Valid keys are the cascade's parameters, stage names (to replace a
        stage) and ``<stage name>__<parameter>``, as listed by
        :meth:`get_params`. As for every scikit-learn meta-estimator, they
        apply to the unfitted ``stages``; refit to use them.

        Parameters
        ----------
        **params : keyword arguments
            Parameters and their new values.

        Returns
        -------
        self : object
            The cascade.
        """
        self._set_params("stages", **params)
        return self

    @property
    def named_stages(self):
        """The (unfitted) stages by name, as a :class:`~sklearn.utils.Bunch`."""
        return Bunch(**dict(self.stages))

    @property
    def named_stages_(self):
        """The fitted stages by name, as a :class:`~sklearn.utils.Bunch`."""
        check_is_fitted(self, "stages_")
        return Bunch(**dict(self.stages_))

    def _validate_stages(self):
        """Check ``stages`` is a non-empty list of uniquely named estimators."""
        if len(self.stages) == 0:
            raise ValueError(
                "stages is empty; give at least one (name, selective classifier) pair."
            )
        try:
            names, estimators = zip(*self.stages, strict=True)
        except (TypeError, ValueError):
            raise ValueError(
                "stages must be a list of (name, estimator) pairs, such as "
                "[('fast', SelectiveClassifier(...)), ('slow', "
                f"SelectiveClassifier(...))]; got {self.stages!r}."
            ) from None
        bad_names = [name for name in names if not isinstance(name, str)]
        if bad_names:
            raise ValueError(f"Stage names must be strings; got {bad_names!r}.")
        self._validate_names(names)
        for estimator in estimators:  # _BaseComposition's check, not in sklearn 1.6
            if isinstance(estimator, type):
                raise TypeError(
                    f"Expected an estimator instance ({estimator.__name__}()), got "
                    f"estimator class instead ({estimator.__name__})."
                )
        for name, estimator in self.stages:
            if not (hasattr(estimator, "fit") and hasattr(estimator, "predict")):
                raise ValueError(
                    f"Stage {name!r} must be a selective classifier with fit and "
                    f"predict; got {estimator!r}."
                )
        return names, estimators

    # -- fitting ----------------------------------------------------------

    def _route_fit_params(self, fit_params):
        """Metadata for each stage's ``fit``: routed if enabled, else passed to all."""
        if _routing_enabled():
            return process_routing(self, "fit", **fit_params)
        return Bunch(**{name: Bunch(fit=fit_params) for name, _ in self.stages})

    @_fit_context(
        # the stages are not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, **fit_params):
        """Fit a clone of every stage.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Training data, validated by the stages.

        y : array-like of shape (n_samples,)
            Class labels.

        **fit_params : dict
            Parameters for the stages' ``fit`` (for instance
            ``sample_weight``). With metadata routing enabled they are routed
            as each stage requests; otherwise every stage gets all of them.

        Returns
        -------
        self : object
            The fitted cascade.
        """
        self._validate_stages()
        check_fit_target(y)
        X, y = indexable(X, y)
        y = column_or_1d(y, warn=True)
        routed = self._route_fit_params(fit_params)
        all_classes = np.unique(y)
        sample_weight = fit_params.get("sample_weight")
        rows = np.arange(_num_samples(X))
        fitted = []
        for i, (name, estimator) in enumerate(self.stages):
            if self.fit_deferred and i > 0:
                self._check_deferred_rows(name, y, rows, all_classes, sample_weight)
                stage = clone(estimator).fit(
                    _safe_indexing(X, rows),
                    y[rows],
                    **_check_method_params(X, routed[name].fit, indices=rows),
                )
            else:
                stage = clone(estimator).fit(X, y, **routed[name].fit)
            reject_label = _stage_reject_label(name, stage)
            fitted.append((name, stage))
            if self.fit_deferred and i < len(self.stages) - 1:
                y_pred = np.asarray(stage.predict(_safe_indexing(X, rows)))
                rows = rows[equals_label(y_pred, reject_label)]
        self.stages_ = fitted
        self._set_fitted_attributes()
        if self.fit_deferred:  # later stages did not see every training row
            self._check_nan(X)
        return self

    def _check_deferred_rows(self, name, y, rows, all_classes, sample_weight):
        """Refuse to fit a stage on deferred rows that miss a class."""
        counted = "training rows"
        if sample_weight is not None:
            weight = np.asarray(_safe_indexing(sample_weight, rows), dtype=float)
            rows = rows[weight > 0]
            counted = "training rows with a positive sample_weight"
        present = np.unique(y[rows])
        if present.shape[0] < all_classes.shape[0]:
            missing = np.setdiff1d(all_classes, present)
            raise ValueError(
                f"fit_deferred=True: only {rows.shape[0]} {counted} reach stage "
                f"{name!r}, and they miss the classes {missing.tolist()!r}; "
                "every stage must learn all classes. Raise the earlier stages' "
                "thresholds so they defer more rows, give more training data, or "
                "use fit_deferred=False."
            )

    def _set_fitted_attributes(self):
        """Check that the stages agree on the classes; set the shared attributes."""
        (first_name, first), *others = self.stages_
        classes = np.asarray(first.classes_)
        for name, stage in others:
            if not np.array_equal(np.asarray(stage.classes_), classes):
                raise ValueError(
                    f"All stages must have the same classes_, but stage "
                    f"{first_name!r} has {classes.tolist()!r} and stage {name!r} "
                    f"has {np.asarray(stage.classes_).tolist()!r}. Fit every stage "
                    "on the same classes (a stage given a pre-trained model must "
                    "know every class)."
                )
        self.classes_ = classes
        self.reject_label_ = resolve_reject_label(self.reject_label, classes)
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(first, attr):
                setattr(self, attr, getattr(first, attr))

    # -- prediction -------------------------------------------------------

    def _stage_decide(self, index, X):
        """Predictions of stage ``index`` on ``X`` and the mask of rows it decides."""
        name, stage = self.stages_[index]
        y_pred = np.asarray(stage.predict(X))
        return y_pred, ~equals_label(y_pred, _stage_reject_label(name, stage))

    def _check_nan(self, X):
        """Refuse NaN up front when a later stage cannot take it, whatever the routing.

        A :class:`SelectiveClassifier` passes every row to its estimator (and
        novelty detector), so a row with NaN fails there whatever its
        confidence unless they all accept NaN. The cascade applies the same
        policy to all its stages: otherwise a NaN row would be classified when
        an early stage accepts it and fail when it is deferred to a stage that
        cannot take it. A stage whose tags do not declare ``allow_nan`` is
        asked, through its own ``predict`` (the stage's own validation), on
        one row holding NaN; the first stage sees every row anyway.
        """
        unsure = []
        for name, stage in self.stages_[1:]:
            try:
                allow_nan = get_tags(stage).input_tags.allow_nan
            except (TypeError, ValueError, AttributeError):
                allow_nan = False
            if not allow_nan:
                unsure.append((name, stage))
        if not unsure:
            return
        nan_rows = rows_with_nan(X)
        if nan_rows.shape[0] == 0:
            return
        probe = _safe_indexing(X, nan_rows[:1])
        for name, stage in unsure:
            try:
                stage.predict(probe)
            except ValueError as exc:
                raise ValueError(
                    f"X holds NaN ({nan_rows.shape[0]} rows, the first at index "
                    f"{nan_rows[0]}), which stage {name!r} "
                    f"({type(stage).__name__}) does not accept ("
                    f"{str(exc).splitlines()[0]}). A cascade "
                    "refuses such rows whichever stage they would reach, as a "
                    "SelectiveClassifier does whatever its threshold. Impute the "
                    "missing values before the cascade (e.g. make_pipeline("
                    "SimpleImputer(), cascade)) or inside that stage, or use a "
                    "stage that accepts NaN (such as HistGradientBoostingClassifier)."
                ) from exc

    def _predict_and_route(self, X):
        """Predictions, and the index of the stage that decided each row (-1: none)."""
        check_is_fitted(self, "stages_")
        (X,) = indexable(X)  # array-likes without __getitem__ become arrays
        self._check_nan(X)
        n_samples = _num_samples(X)
        dtype = prediction_dtype(self.classes_, self.reject_label_)
        y_pred = np.full(n_samples, self.reject_label_, dtype=dtype)
        decided_by = np.full(n_samples, -1, dtype=np.intp)
        rows = np.arange(n_samples)
        for index in range(len(self.stages_)):
            if index > 0 and rows.shape[0] == 0:
                break  # no row left: later stages are not called
            X_stage = X if index == 0 else _safe_indexing(X, rows)
            stage_pred, decided = self._stage_decide(index, X_stage)
            y_pred[rows[decided]] = stage_pred[decided]
            decided_by[rows[decided]] = index
            rows = rows[~decided]
        return y_pred, decided_by

    def predict(self, X):
        """Predict with the first stage that accepts each row.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            The samples. Each stage receives only the rows the stages before
            it rejected.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The prediction of the stage that decided each row, or
            ``reject_label_`` for rows every stage rejected.
        """
        return self._predict_and_route(X)[0]

    def decided_by(self, X):
        """Index of the stage that decided each row.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        stage_index : ndarray of int of shape (n_samples,)
            ``i`` when stage ``stages_[i]`` decided the row, ``-1`` when every
            stage rejected it. The stage names are ``[name for name, _ in
            stages_]``.
        """
        return self._predict_and_route(X)[1]

    def stage_shares(self, X):
        """Fraction of rows decided by each stage, and rejected by all.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        shares : ndarray of shape (n_stages + 1,)
            ``shares[i]`` is the fraction of rows stage ``i`` decided and
            ``shares[-1]`` the fraction every stage rejected, so that
            ``shares[decided_by(X)]`` lines up with :meth:`decided_by`. The
            rows reaching stage ``i`` are ``1 - shares[:i].sum()``.
        """
        decided_by = self._predict_and_route(X)[1]
        n_stages = len(self.stages_)
        counts = np.bincount(decided_by + 1, minlength=n_stages + 1)
        counts = np.roll(counts, -1)  # rejected (-1 -> bin 0) goes last
        return counts / max(decided_by.shape[0], 1)

    def score(self, X, y, sample_weight=None):
        """Accuracy with abstentions credited: ``1 - rejection_cost_loss``.

        An error costs 1, a row rejected by every stage ``rejection_cost``
        and a correct prediction 0; the score is one minus the mean cost, as
        for :meth:`SelectiveClassifier.score`. Stage prices do not enter it
        (see :class:`SelectiveCascadeCV` for a cost with stage prices).

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
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
        rejection_cost = (
            DEFAULT_REJECTION_COST
            if self.rejection_cost is None
            else self.rejection_cost
        )
        return 1.0 - rejection_cost_loss(
            y,
            self.predict(X),
            reject_label=self.reject_label_,
            rejection_cost=rejection_cost,
            sample_weight=sample_weight,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            inner = [get_tags(estimator) for _, estimator in self.stages]
        except (TypeError, ValueError, AttributeError):
            return tags
        if not inner:
            return tags
        tags.input_tags.sparse = all(t.input_tags.sparse for t in inner)
        tags.input_tags.allow_nan = all(t.input_tags.allow_nan for t in inner)
        tags.input_tags.pairwise = all(t.input_tags.pairwise for t in inner)
        tags.input_tags.string = all(t.input_tags.string for t in inner)
        tags.input_tags.categorical = all(t.input_tags.categorical for t in inner)
        tags.input_tags.dict = all(t.input_tags.dict for t in inner)
        tags.input_tags.positive_only = any(t.input_tags.positive_only for t in inner)
        classifier_tags = [t.classifier_tags for t in inner if t.classifier_tags]
        if classifier_tags:
            tags.classifier_tags.multi_class = all(
                t.multi_class for t in classifier_tags
            )
            tags.classifier_tags.poor_score = any(t.poor_score for t in classifier_tags)
        tags.non_deterministic = any(t.non_deterministic for t in inner)
        return tags

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit`` metadata to each stage's ``fit``; this object
            consumes ``sample_weight`` in :meth:`score`.
        """
        router = MetadataRouter(owner=self).add_self_request(self)
        for name, estimator in self.stages:
            router.add(
                **{name: estimator},
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        return router


# --------------------------------------------------------------------------
# tuning the cascade as a whole
# --------------------------------------------------------------------------


def _cascade_operating_points(confidence, errors, grids, weights=None):
    """Count what a cascade does at every combination of stage thresholds.

    A row is decided by the first stage ``s`` whose confidence is at least
    its threshold ``t_s``; rows no stage accepts are rejected.

    Parameters
    ----------
    confidence : ndarray of shape (n_stages, n_samples)
        Confidence of each stage on each row (NaN is never accepted).

    errors : ndarray of bool of shape (n_stages, n_samples)
        Whether each stage's prediction of each row is wrong.

    grids : list of 1-D ndarrays
        Candidate thresholds of each stage.

    weights : ndarray of shape (n_samples,), default=None
        Row weights: the counts become sums of weights.

    Returns
    -------
    thresholds : ndarray of shape (n_combinations, n_stages)
        Every combination, the last stage varying fastest.

    reach : ndarray of shape (n_combinations, n_stages)
        Rows reaching each stage (int counts without weights).

    decided : ndarray of shape (n_combinations, n_stages)
        Rows each stage accepted.

    n_errors : ndarray of shape (n_combinations,)
        Wrong predictions among the accepted rows.
    """
    n_stages, n_samples = confidence.shape
    w = np.ones(n_samples) if weights is None else np.asarray(weights, dtype=float)
    with np.errstate(invalid="ignore"):
        accepts = [confidence[s][None, :] >= grids[s][:, None] for s in range(n_stages)]
    last_grid = grids[-1]
    n_last = last_grid.shape[0]
    out_t, out_reach, out_decided, out_errors = [], [], [], []
    for prefix in product(*[range(g.shape[0]) for g in grids[:-1]]):
        remaining = np.ones(n_samples, dtype=bool)
        reach, decided, n_err = [], [], 0
        for s, j in enumerate(prefix):
            reach.append(w @ remaining)
            accepted = accepts[s][j] & remaining
            decided.append(w @ accepted)
            n_err += w @ (accepted & errors[s])
            remaining &= ~accepted
        last = accepts[-1][:, remaining]
        w_last = w[remaining]
        last_decided = last @ w_last
        last_errors = (last & errors[-1][remaining]) @ w_last
        t = np.empty((n_last, n_stages))
        t[:, :-1] = [grids[s][j] for s, j in enumerate(prefix)]
        t[:, -1] = last_grid
        out_t.append(t)
        out_reach.append(np.tile(reach + [w @ remaining], (n_last, 1)))
        out_decided.append(
            np.column_stack([np.tile(decided, (n_last, 1)), last_decided])
        )
        out_errors.append(n_err + last_errors)
    counts = (
        np.vstack(out_reach),
        np.vstack(out_decided),
        np.concatenate(out_errors),
    )
    if weights is None:
        counts = tuple(np.rint(c).astype(np.int64) for c in counts)
    return (np.vstack(out_t), *counts)


def _last_stage_counts(confidence, errors, weights, candidates):
    """Count accepted rows and errors of one stage at each candidate threshold."""
    finite = ~np.isnan(confidence)
    confidence, errors = confidence[finite], errors[finite]
    if weights is not None:
        weights = weights[finite]
    if confidence.shape[0] == 0:
        return np.zeros(candidates.shape[0]), np.zeros(candidates.shape[0])
    n, k = counts_at(candidates, *ranked_counts(errors, confidence, weights))
    if weights is not None and weights.max() > 0:
        # ranked_counts scales the weights to a maximum of 1
        n, k = n * weights.max(), k * weights.max()
    return n, k


def _chain_operating_points(confidence, errors, prefixes, last, weights=None):
    """Count what a cascade does along chains of threshold tuples.

    One chain per prefix (a threshold for each stage but the last); along a
    chain the last stage's threshold goes from ``inf`` (defer every row) down
    through ``last`` (decreasing), or, when ``last`` is None, through every
    distinct confidence of the last stage among the rows reaching it.

    Returns
    -------
    thresholds : ndarray of shape (n_nodes, n_stages)
    counts : tuple of (reach, decided, n_errors)
        As in :func:`_cascade_operating_points`.
    sizes : list of int
        Number of nodes of each chain, in the order of ``prefixes``.
    """
    n_stages, n_samples = confidence.shape
    w = np.ones(n_samples) if weights is None else np.asarray(weights, dtype=float)
    out_t, out_reach, out_decided, out_errors, sizes = [], [], [], [], []
    for prefix in prefixes:
        remaining = np.ones(n_samples, dtype=bool)
        reach, decided, n_err = [], [], 0.0
        for s, threshold in enumerate(prefix):
            reach.append(w @ remaining)
            with np.errstate(invalid="ignore"):
                accepted = (confidence[s] >= threshold) & remaining
            decided.append(w @ accepted)
            n_err += w @ (accepted & errors[s])
            remaining &= ~accepted
        reach.append(w @ remaining)
        candidates = last
        if candidates is None:
            conf = confidence[-1][remaining]
            conf = conf[~np.isnan(conf)]
            candidates = np.concatenate([[np.inf], np.unique(conf)[::-1]])
        n_last, k_last = _last_stage_counts(
            confidence[-1][remaining],
            errors[-1][remaining],
            None if weights is None else w[remaining],
            candidates,
        )
        size = candidates.shape[0]
        t = np.empty((size, n_stages))
        t[:, :-1] = prefix
        t[:, -1] = candidates
        out_t.append(t)
        out_reach.append(np.tile(reach, (size, 1)))
        out_decided.append(np.column_stack([np.tile(decided, (size, 1)), n_last]))
        out_errors.append(n_err + k_last)
        sizes.append(size)
    counts = (
        np.vstack(out_reach),
        np.vstack(out_decided),
        np.concatenate(out_errors),
    )
    if weights is None:
        counts = tuple(np.rint(c).astype(np.int64) for c in counts)
    return np.vstack(out_t), counts, sizes


class SelectiveCascadeCV(SelectiveCascade):
    """Cascade whose stage thresholds are tuned together, for a cost or a risk.

    Each stage is a :class:`SelectiveClassifier`; its own ``threshold`` is
    ignored. One model per stage is fitted per fold, the out-of-fold
    confidences of every stage are collected once, and every combination of
    candidate thresholds ``(t_1, ..., t_k)`` is evaluated on them: a row is
    decided by the first stage whose confidence reaches its threshold, and
    rejected if none does. The cost of a combination, per row, is::

        (errors + sum_s stage_costs[s] * rows reaching stage s
                + rejection_cost * rows rejected by all) / n_rows

    so a slow stage can be priced by its compute and the rows left over by
    the price of a human review. Objectives:

    - ``rejection_cost`` alone: the combination with the lowest cost.
    - ``target_risk=r``: only combinations whose selective risk (errors
      among the rows accepted by any stage) is certified at most ``r`` with
      probability ``1 - delta`` are eligible; among those whose coverage is
      within ``coverage_tolerance`` of the largest, the one with the lowest
      stage price (without ``stage_costs``: the fewest rows reaching the
      stages after the first) or, when ``rejection_cost`` is also given,
      the lowest cost.

    The fitted cascade predicts like a :class:`SelectiveCascade` whose stage
    ``i`` accepts a row when its confidence is at least ``thresholds_[i]``.

    Parameters
    ----------
    stages : list of (str, SelectiveClassifier) tuples
        The stages in the order rows visit them. Their ``estimator``,
        ``confidence`` and ``response_method`` are used, their ``threshold``
        is not. A stage wrapping a :class:`~sklearn.frozen.FrozenEstimator`
        is used as is.

    stage_costs : array-like of shape (n_stages,), default=None
        Price of running each stage on one row, in units of the cost of one
        error. ``None`` means zero for every stage.

    rejection_cost : float in [0, 1], default=None
        Price of a row every stage rejects (e.g. a human review), an error
        costing 1. An objective on its own; with ``target_risk`` it picks the
        cheapest certified combination. Also used by :meth:`score` (0.5 when
        not given).

    target_risk : float in (0, 1), default=None
        Objective: the highest acceptable error rate among the rows any stage
        accepts, certified with probability ``1 - delta`` by the graphical
        procedure of ``method="ltt_graph"`` (see Notes).

    delta : float in (0, 1), default=0.05
        Allowed probability that the certified risk bound fails.

    coverage_tolerance : float in [0, 1), default=0.01
        With ``target_risk`` and no ``rejection_cost``: certified
        combinations whose coverage is at least ``1 - coverage_tolerance``
        times the largest certified coverage are equally good, and the one
        sending the fewest rows to the later stages (the lowest stage price)
        is chosen among them. 0 picks the largest coverage.

    thresholds : int or list of array-like, default=20
        Candidate thresholds of each stage. An int ``g``: ``g`` quantiles of
        the stage's out-of-fold confidences (computed without the labels),
        the lowest replaced by ``-inf`` (accept all), plus ``inf`` (defer
        all). A list: one array of candidates per stage, used as given. The
        number of combinations is the product of the grid sizes. With
        ``target_risk`` the certified family is built differently (see
        Notes): an int then gives each earlier stage the candidates ``inf``
        and those at which it alone would decide 10% or 30% of the
        calibration rows, and the last stage every distinct confidence of the
        rows reaching it; a list gives the candidates of each stage
        (``inf`` is added to the earlier stages'), as given.

    cv : int, float, cross-validation generator or iterable, default=5
        How out-of-fold confidences are made. An int gives a stratified
        k-fold; a float in (0, 1) one stratified holdout split of that size
        (the calibration set). Ignored when every stage wraps a
        :class:`~sklearn.frozen.FrozenEstimator`: all data given to
        :meth:`fit` is then calibration data.

    refit : bool, default=True
        Whether the final stages are refitted on all data. ``refit=False``
        keeps the stages trained on the training part of a single split.

    n_jobs : int, default=None
        Number of folds fitted in parallel, through joblib.

    random_state : int, RandomState instance or None, default=None
        Seed of the holdout split when ``cv`` is a float.

    reject_label : "auto", int, float or str, default="auto"
        The label given to rows every stage rejected, as in
        :class:`SelectiveCascade`.

    Attributes
    ----------
    stages_ : list of (str, SelectiveClassifier) tuples
        The fitted stages, with ``threshold=None``: the cascade applies
        ``thresholds_``, not the stages' own thresholds.

    thresholds_ : ndarray of shape (n_stages,)
        The tuned threshold of each stage. ``-inf`` accepts every row that
        reaches the stage, ``inf`` defers them all (with ``target_risk``,
        every threshold is ``inf`` when nothing could be certified).

    cost_ : float
        The cost per row at ``thresholds_`` on the out-of-fold data.

    coverage_ : float
        Fraction of out-of-fold rows accepted by some stage.

    risk_ : float
        Error rate among the accepted out-of-fold rows (nan if none).

    stage_reach_ : ndarray of shape (n_stages,)
        Fraction of out-of-fold rows reaching each stage.

    risk_bound_ : float
        With ``target_risk``: the certified upper bound on the cascade's
        selective risk at ``thresholds_`` (nan when nothing was certified).

    cv_results_ : dict of 1-D ndarrays
        One entry per candidate combination (with ``target_risk``: per
        combination of the certified family), so that
        ``pandas.DataFrame(cv_results_)`` loads it: ``"param_<stage>"`` (the
        threshold of each stage), ``"reach_<stage>"`` (the fraction of rows
        reaching each stage), ``"coverage"``, ``"risk"``, ``"stage_cost"``
        (the price part of the cost), ``"cost"`` (with ``rejection_cost``,
        0.5 when not given) and, with ``target_risk``, ``"certified"`` and
        ``"risk_bound"`` (NaN where not certified).

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    reject_label_ : int, float or str
        The label given to rows every stage rejected.

    n_features_in_ : int
        Number of features seen during :term:`fit`, when the first stage
        exposes it.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when exposed.

    See Also
    --------
    SelectiveCascade : A cascade with fixed stage thresholds.
    SelectiveClassifierCV : Tunes the threshold of a single model.

    Notes
    -----
    **The certified family.** Each combination of stage thresholds is a
    null hypothesis "the cascade's selective risk exceeds ``target_risk``",
    tested with the exact binomial p-value of its errors among the
    calibration rows it accepts. The combinations are arranged in chains,
    fixed before the errors are looked at: one chain per *prefix* (a
    threshold for every stage but the last), along which the last stage's
    threshold goes from ``inf`` (the prefix alone) to the least confident
    row, as the default of :class:`SelectiveClassifierCV` does for one
    model. The first prefix defers every row to the last stage, so the last
    stage alone is one of the chains and holds half of ``delta``; the other
    prefixes (the earlier stages deciding their 10% or 30% most confident
    rows) share the other half. Every chain is tested by fixed sequence
    with the entries of the single-model default (``method="ltt_graph"``
    of :class:`SelectiveClassifierCV`), and the chains
    form one graph procedure (Bretz et al., 2009) whose levels sum to
    ``delta``, which controls the family-wise error: every certified
    combination, the chosen one included, holds together with probability
    ``1 - delta``. A cascade therefore certifies about what its last stage
    certifies alone at ``delta / 2``, and more when the earlier stages'
    confident rows are safe; ``benchmarks/bench_cascade.py`` measures it
    against the best stage certified alone.

    **Data protocol of the risk guarantee.** The guarantee needs calibration
    rows that the predicting stages never saw: every
    stage wrapping a :class:`~sklearn.frozen.FrozenEstimator` (all data given
    to :meth:`fit` is calibration data), or a float ``cv`` with
    ``refit=False`` (the stages trained on the rest are kept). Other settings
    fit with a :class:`GuaranteeWarning`. With an int ``thresholds`` the
    candidates are made from the calibration confidences but never from
    their labels; for the textbook guarantee pass grids fixed in advance.

    The number of chains grows as ``3 ** (n_stages - 1)``, each holding a
    smaller share of ``delta``: two or three stages are the useful case.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from selective_clf import SelectiveCascadeCV, SelectiveClassifier
    >>> X, y = make_classification(n_samples=1000, random_state=0)
    >>> cascade = SelectiveCascadeCV(
    ...     [("fast", SelectiveClassifier(LogisticRegression())),
    ...      ("slow", SelectiveClassifier(
    ...          HistGradientBoostingClassifier(max_iter=20, random_state=0)))],
    ...     stage_costs=[0.0, 0.01], rejection_cost=0.3, thresholds=10,
    ... ).fit(X, y)
    >>> bool(cascade.stage_reach_[1] < 1), bool(cascade.cost_ < 0.1)
    (True, True)
    """

    _parameter_constraints: dict = {
        "stages": [list],
        "stage_costs": ["array-like", None],
        "rejection_cost": [Interval(Real, 0, 1, closed="both"), None],
        "target_risk": [Interval(Real, 0, 1, closed="neither"), None],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "coverage_tolerance": [Interval(Real, 0, 1, closed="left")],
        "thresholds": [Interval(Integral, 2, None, closed="left"), list],
        "cv": ["cv_object", Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "reject_label": [str, Integral, Real],
    }

    def __init__(
        self,
        stages,
        *,
        stage_costs=None,
        rejection_cost=None,
        target_risk=None,
        delta=0.05,
        coverage_tolerance=0.01,
        thresholds=DEFAULT_GRID_SIZE,
        cv=5,
        refit=True,
        n_jobs=None,
        random_state=None,
        reject_label="auto",
    ):
        self.stages = stages
        self.stage_costs = stage_costs
        self.rejection_cost = rejection_cost
        self.target_risk = target_risk
        self.delta = delta
        self.coverage_tolerance = coverage_tolerance
        self.thresholds = thresholds
        self.cv = cv
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.reject_label = reject_label

    # -- checks -----------------------------------------------------------

    def _check_tuning_params(self):
        """Validate the stages and costs; return the stage prices."""
        self._validate_stages()
        for name, estimator in self.stages:
            if not isinstance(estimator, SelectiveClassifier):
                raise ValueError(
                    f"SelectiveCascadeCV tunes the threshold of every stage, so each "
                    f"stage must be a SelectiveClassifier; stage {name!r} is a "
                    f"{type(estimator).__name__}. Use SelectiveCascade for stages "
                    "with thresholds of their own."
                )
        if _SPLITTER in dict(self.stages):
            raise ValueError(
                f"A stage of SelectiveCascadeCV cannot be named {_SPLITTER!r}: the "
                "name routes metadata (groups) to the cv splitter. Rename the stage."
            )
        if self.rejection_cost is None and self.target_risk is None:
            raise ValueError(
                "SelectiveCascadeCV needs an objective: rejection_cost (the price "
                "of a row every stage rejects) and/or target_risk."
            )
        n_stages = len(self.stages)
        if self.stage_costs is None:
            return np.zeros(n_stages)
        costs = np.asarray(self.stage_costs, dtype=np.float64)
        if costs.shape != (n_stages,):
            raise ValueError(
                f"stage_costs must give one price per stage ({n_stages} values); "
                f"got shape {costs.shape}."
            )
        if not np.all(np.isfinite(costs)) or np.any(costs < 0):
            raise ValueError(
                f"stage_costs must be finite and non-negative; got {costs.tolist()}."
            )
        return costs

    def _route_tuning_params(self, fit_params):
        """Metadata for each stage's ``fit`` and for the splitter's ``split``.

        Without metadata routing, ``groups`` goes to the splitter only (as in
        :class:`~sklearn.model_selection.GridSearchCV`) and everything else to
        every stage; with routing, each goes where it is requested.
        """
        if _routing_enabled():
            routed = process_routing(self, "fit", **fit_params)
            return routed, routed[_SPLITTER].split
        params, split_params = split_groups(fit_params)
        routed = Bunch(**{name: Bunch(fit=params) for name, _ in self.stages})
        return routed, split_params

    def _grids(self, confidence):
        """Candidate thresholds of each stage."""
        n_stages = confidence.shape[0]
        if isinstance(self.thresholds, Integral):
            levels = np.linspace(0.0, 1.0, self.thresholds)
            grids = []
            for conf in confidence:
                finite = conf[np.isfinite(conf)]
                grid = np.unique(np.quantile(finite, levels)) if finite.size else []
                grid = np.concatenate([[-np.inf], grid[1:], [np.inf]])
                grids.append(grid)
            return grids
        if len(self.thresholds) != n_stages:
            raise ValueError(
                f"thresholds must give one array of candidates per stage "
                f"({n_stages}); got {len(self.thresholds)}."
            )
        grids = []
        for grid in self.thresholds:
            grid = np.asarray(grid, dtype=np.float64).ravel()
            if grid.shape[0] == 0 or np.isnan(grid).any():
                raise ValueError(
                    "Each array of candidate thresholds must be non-empty and "
                    "without NaN."
                )
            grids.append(np.unique(grid))
        return grids

    def _risk_family(self, confidence):
        """Prefixes (earlier stages' thresholds) and last-stage candidates to test.

        Chosen from the confidences only, never from the errors: the first
        prefix defers every row to the last stage (the last stage alone).
        """
        if isinstance(self.thresholds, Integral):
            early = []
            for conf in confidence[:-1]:
                ranked = np.sort(conf[np.isfinite(conf)])[::-1]
                values = [np.inf]
                for share in EARLY_STAGE_SHARES:
                    if ranked.shape[0]:
                        values.append(ranked[max(ceil(share * ranked.shape[0]), 1) - 1])
                early.append(np.unique(values)[::-1])
            return list(product(*early)), None
        grids = self._grids(confidence)
        early = [np.unique(np.append(grid, np.inf))[::-1] for grid in grids[:-1]]
        return list(product(*early)), grids[-1][::-1]

    # -- fitting ----------------------------------------------------------

    @_fit_context(
        # the stages are not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the stages per fold, tune their thresholds together, fit the final ones.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Training (and calibration) data.

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, for the stages' ``fit`` and the cost objective
            (``target_risk`` counts rows: its guarantee is about counts).

        **fit_params : dict
            Parameters for the stages' ``fit``, and ``groups`` for the
            splitter (such as :class:`~sklearn.model_selection.GroupKFold`).
            With metadata routing enabled they are routed where requested;
            otherwise ``groups`` goes to the splitter's ``split`` only, as in
            :class:`~sklearn.model_selection.GridSearchCV`, and the others to
            every stage.

        Returns
        -------
        self : object
            The fitted cascade.
        """
        prices = self._check_tuning_params()
        check_fit_target(y)
        X, y = indexable(X, y)
        y = column_or_1d(y, warn=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
            fit_params = {**fit_params, "sample_weight": sample_weight}
        routed, split_params = self._route_tuning_params(fit_params)
        mode, splits = make_splits(
            X,
            y,
            cv=self.cv,
            refit=self.refit,
            random_state=self.random_state,
            frozen=all(is_frozen(stage.estimator) for _, stage in self.stages),
            split_params=split_params,
            what="stages",
        )
        if self.target_risk is not None:
            warn_protocol(mode, len(splits), subject="cascade")

        results = Parallel(n_jobs=self.n_jobs)(
            delayed(fit_stages_and_collect)(
                self.stages, X, y, train=train, val=val, routed=routed
            )
            for train, val in splits
        )
        if mode != "frozen":
            warn_missing_classes([r[3][0][1].classes_ for r in results], y)
        val = np.concatenate([r[0] for r in results])
        confidence = np.hstack([r[1] for r in results])
        errors = np.hstack([r[2] for r in results])
        weights = None if sample_weight is None else sample_weight[val]

        if self.target_risk is None:
            grids = self._grids(confidence)
            thresholds, *counts = _cascade_operating_points(confidence, errors, grids)
            weighted = counts
            if weights is not None:
                weighted = _cascade_operating_points(
                    confidence, errors, grids, weights=weights
                )[1:]
            table = self._score_table(thresholds, weighted, prices)
        else:
            prefixes, last = self._risk_family(confidence)
            thresholds, counts, sizes = _chain_operating_points(
                confidence, errors, prefixes, last
            )
            weighted = counts
            if weights is not None:
                weighted = _chain_operating_points(
                    confidence, errors, prefixes, last, weights=weights
                )[1]
            table = self._score_table(thresholds, weighted, prices)
            n_chains = len(sizes)
            levels = [self.delta]
            if n_chains > 1:
                rest = self.delta * (1 - LAST_STAGE_ALONE_SHARE) / (n_chains - 1)
                levels = [self.delta * LAST_STAGE_ALONE_SHARE] + [rest] * (n_chains - 1)
            table["certified"], table["risk_bound"] = certify_chains(
                counts[1].sum(axis=1),
                counts[2],
                sizes,
                levels,
                n_calibration=confidence.shape[1],
                target_risk=self.target_risk,
            )
        best = self._choose(table, prices, n_samples=confidence.shape[1])

        if mode == "refit":
            stages = [
                (
                    name,
                    clone(est).set_params(threshold=None).fit(X, y, **routed[name].fit),
                )
                for name, est in self.stages
            ]
        else:
            stages = results[0][3]
        self.stages_ = stages
        self._set_fitted_attributes()

        self.cv_results_ = table
        if best is None:  # nothing certified: reject everything
            self.thresholds_ = np.full(len(self.stages), np.inf)
            n_stages = len(self.stages)
            human = (
                DEFAULT_REJECTION_COST
                if self.rejection_cost is None
                else self.rejection_cost
            )
            self.cost_ = float(human + prices.sum())
            self.coverage_ = 0.0
            self.risk_ = float("nan")
            self.stage_reach_ = np.ones(n_stages)
        else:
            self.thresholds_ = thresholds[best].copy()
            self.cost_ = float(table["cost"][best])
            self.coverage_ = float(table["coverage"][best])
            self.risk_ = float(table["risk"][best])
            self.stage_reach_ = np.array(
                [table[f"reach_{name}"][best] for name, _ in self.stages]
            )
        return self

    def _score_table(self, thresholds, weighted, prices):
        """Coverage, risk, prices and cost of every combination, as 1-D columns.

        ``weighted`` is (reach, decided, errors), sums of weights with
        sample weights and counts without.
        """
        reach, decided, n_errors = weighted
        n_samples = reach[0, 0]
        n_accepted = decided.sum(axis=1)
        human = (
            DEFAULT_REJECTION_COST
            if self.rejection_cost is None
            else self.rejection_cost
        )
        stage_cost = (reach @ prices) / n_samples
        with np.errstate(invalid="ignore", divide="ignore"):
            risk = np.where(n_accepted > 0, n_errors / n_accepted, np.nan)
        names = [name for name, _ in self.stages]
        table = {f"param_{name}": thresholds[:, s] for s, name in enumerate(names)}
        table.update(
            {f"reach_{name}": reach[:, s] / n_samples for s, name in enumerate(names)}
        )
        table.update(
            {
                "coverage": n_accepted / n_samples,
                "risk": risk,
                "stage_cost": stage_cost,
                "cost": (n_errors + human * (n_samples - n_accepted)) / n_samples
                + stage_cost,
            }
        )
        return table

    def _choose(self, table, prices, n_samples):
        """Index of the chosen combination, or None if nothing is certified."""
        coverage, cost, stage_cost = (
            table["coverage"],
            table["cost"],
            table["stage_cost"],
        )
        if self.target_risk is None:
            # the lowest cost; ties: the largest coverage
            return int(np.lexsort((-coverage, cost))[0])
        eligible = np.flatnonzero(table["certified"])
        if eligible.shape[0] == 0:
            _warn(
                f"No combination of stage thresholds keeps the cascade's selective "
                f"risk below {self.target_risk} with probability "
                f"{1 - self.delta:.3g} on these {n_samples} calibration rows, so "
                "the cascade rejects everything. Allow a "
                "larger target_risk or delta, or calibrate on more data.",
                GuaranteeWarning,
            )
            self.risk_bound_ = float("nan")
            return None
        if self.rejection_cost is not None:
            keys = (-coverage[eligible], cost[eligible])
        else:
            # within coverage_tolerance of the largest certified coverage, the
            # lowest stage price (without stage_costs: the fewest rows reaching
            # the stages after the first); ties: the largest coverage
            largest = coverage[eligible].max()
            eligible = eligible[
                coverage[eligible] >= (1 - self.coverage_tolerance) * largest
            ]
            if self.stage_costs is None:
                names = [name for name, _ in self.stages[1:]]
                price = sum((table[f"reach_{name}"] for name in names), 0.0)
                price = np.broadcast_to(price, coverage.shape)
            else:
                price = stage_cost
            keys = (-coverage[eligible], price[eligible])
        best = int(eligible[np.lexsort(keys)[0]])
        self.risk_bound_ = float(table["risk_bound"][best])
        return best

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit`` metadata to each stage's ``fit`` and to the
            splitter's ``split`` (``groups``); this object consumes
            ``sample_weight`` in :meth:`fit` and :meth:`score`.
        """
        router = super().get_metadata_routing()
        router.add(
            **{_SPLITTER: get_splitter(self.cv, random_state=self.random_state)},
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )
        return router

    def _stage_decide(self, index, X):
        y_pred, confidence = stage_decisions(self.stages_[index][1], X)
        with np.errstate(invalid="ignore"):
            return y_pred, confidence >= self.thresholds_[index]
