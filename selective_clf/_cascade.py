"""Deferral cascades: selective classifiers in sequence, each deciding what it can.

A row goes to the first stage; the rows it rejects go to the next stage, and
so on; the rows the last stage rejects get the cascade's reject label (a
person, or nobody, decides them). Each stage only ever sees the rows that
reach it, so a slow model is never run on the rows a fast one decided.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import Bunch, get_tags, indexable
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._classifier import (
    DEFAULT_REJECTION_COST,
)
from ._compat import (
    Interval,
    _BaseComposition,
    _check_method_params,
    _fit_context,
    _num_samples,
    _routing_enabled,
    _safe_indexing,
)
from ._validation import (
    check_fit_target,
    equals_label,
    prediction_dtype,
    refuse_dask,
    resolve_reject_label,
    rows_with_nan,
)
from .metrics._scorer import _get_reject_label
from .metrics._scores import rejection_cost_loss


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
        refuse_dask(type(self).__name__, X)
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
