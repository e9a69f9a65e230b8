"""SelectiveClassifier: any classifier plus a reject option."""

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    clone,
    is_outlier_detector,
)
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    _routing_enabled,
    column_or_1d,
)
from ._confidence import CONFIDENCE_FUNCTIONS, PROBABILITY_SCALED
from ._decision import (
    check_class_scores,
    check_two_classes_scored,
    decide_fitted,
    final_estimator,
    fit_novelty_detector,
    labels_with_rejection,
    rejection_reasons,
    resolve_response_method,
)
from ._validation import (
    check_fit_target,
    check_not_bool,
    class_thresholds,
    prediction_dtype,
    refuse_dask,
    resolve_reject_label,
)
from .exceptions import _warn
from .metrics._scores import rejection_cost_loss

DEFAULT_REJECTION_COST = 0.5


def _estimator_has(attr):
    """Check ``attr`` on the fitted ``estimator_`` if any, else on ``estimator``."""

    def check(self):
        if hasattr(self, "estimator_"):
            getattr(self.estimator_, attr)
        else:
            getattr(_get_estimator(self.estimator), attr)
        return True

    return check


def _get_estimator(estimator):
    """Return ``estimator``, or the default LogisticRegression when None."""
    return LogisticRegression() if estimator is None else estimator


def _check_novelty_predict(detector):
    """Refuse a detector that cannot flag new samples, saying how to fix it."""
    if detector is None or not hasattr(detector, "fit") or hasattr(detector, "predict"):
        return
    final = final_estimator(detector)
    if type(final).__name__ == "LocalOutlierFactor":
        raise ValueError(
            "novelty_detector=LocalOutlierFactor(novelty=False) has no predict: "
            "it only labels the data it was fitted on. Pass "
            "LocalOutlierFactor(novelty=True) to flag new samples."
        )
    raise ValueError(
        f"novelty_detector={type(detector).__name__} has no predict method, so "
        "it cannot flag new samples. Pass an outlier detector whose predict "
        "returns -1 for outliers: IsolationForest, OneClassSVM, "
        "EllipticEnvelope, LocalOutlierFactor(novelty=True), or a Pipeline "
        "ending in one."
    )


class BaseSelectiveClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Shared machinery of the classifiers that can abstain.

    Subclasses fit ``estimator_``, then call :meth:`_set_fitted_attributes`,
    and implement :meth:`_decision_threshold`, the threshold used by
    :meth:`predict`.
    """

    _parameter_constraints: dict = {
        # predict, predict_proba and decision_function may appear only once
        # fitted (StackingClassifier with final_estimator=None): checked on
        # the fitted estimator_.
        "estimator": [HasMethods(["fit"]), None],
        "confidence": [StrOptions(set(CONFIDENCE_FUNCTIONS)), callable],
        "response_method": [StrOptions({"auto", "predict_proba", "decision_function"})],
        "reject_label": [str, Integral, Real],
        "rejection_cost": [Interval(Real, 0, 1, closed="both")],
        "novelty_detector": [HasMethods(["fit", "predict"]), None],
    }

    # Parameters that are numbers, where a boolean is a mistake.
    _not_bool_params = ("rejection_cost", "reject_label")

    def _check_not_bool_params(self):
        for name in self._not_bool_params:
            check_not_bool(getattr(self, name, None), name)

    def _validate_params(self):
        # Before the generic "must implement predict" of the constraint: a
        # LocalOutlierFactor gets predict only with novelty=True.
        _check_novelty_predict(getattr(self, "novelty_detector", None))
        super()._validate_params()

    def _checked_novelty_detector(self):
        """Return the ``novelty_detector`` parameter once checked, or None."""
        detector = self.novelty_detector
        if detector is not None and not is_outlier_detector(detector):
            raise ValueError(
                f"novelty_detector={type(detector).__name__} is not an outlier "
                "detector (its estimator type is not 'outlier_detector'). Pass "
                "one whose predict returns -1 for outliers: IsolationForest, "
                "OneClassSVM, EllipticEnvelope, LocalOutlierFactor(novelty=True), "
                "or a Pipeline ending in one."
            )
        return detector

    def _check_response_method(self, estimator):
        """Return the response method to use with the fitted ``estimator``."""
        return resolve_response_method(self.response_method, estimator)

    def _route_fit_params(self, fit_params):
        """Metadata for the inner ``fit``: routed if enabled, else passed through."""
        if _routing_enabled():
            return process_routing(self, "fit", **fit_params)
        return Bunch(estimator=Bunch(fit=fit_params))

    def _set_fitted_attributes(self):
        """Set the attributes shared by every fitted selective classifier."""
        self.response_method_ = self._check_response_method(self.estimator_)
        classes = np.asarray(self.estimator_.classes_)
        check_two_classes_scored(self.estimator_, self.response_method_, classes)
        check_class_scores(self.estimator_, self.response_method_, len(classes))
        resolve_reject_label(self.reject_label, classes)  # fail at fit, not later
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, attr):
                setattr(self, attr, getattr(self.estimator_, attr))

    @property
    def classes_(self):
        """Class labels of the fitted estimator; the reject label is not one."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.classes_

    @property
    def reject_label_(self):
        """The label :meth:`predict` gives rejected samples.

        Resolved from ``reject_label`` and ``classes_``, so a ``set_params``
        after fitting takes effect (and is checked against the classes).
        """
        check_is_fitted(self, "estimator_")
        return resolve_reject_label(self.reject_label, np.asarray(self.classes_))

    def _probability_scaled(self):
        return (
            self.response_method_ == "predict_proba"
            and not callable(self.confidence)
            and self.confidence in PROBABILITY_SCALED
        )

    def _validate_threshold(self, threshold):
        """Check a scalar, class-wise or mapping threshold; one per class or None."""
        return class_thresholds(
            threshold,
            np.asarray(self.classes_),
            probability_scaled=self._probability_scaled(),
        )

    def _warn_if_never_rejects(self, thresholds):
        """Warn when a top-probability threshold is too low to ever reject."""
        n_classes = len(self.classes_)
        if (
            thresholds is None
            or self.confidence != "max_proba"
            or self.response_method_ != "predict_proba"
            or not np.all(thresholds <= 1.0 / n_classes)
            or not np.any(thresholds > 0)  # 0 (or below) is a deliberate "never"
        ):
            return
        _warn(
            f"threshold={self.threshold!r} never rejects: with {n_classes} classes "
            f"the top probability is at least 1/{n_classes}. The 0.5 decision "
            "cut-off of a sigmoid is not the confidence threshold; to abstain "
            "when the model is unsure, use a threshold above "
            f"{1.0 / n_classes:.3g} (e.g. 0.6 or 0.8).",
            UserWarning,
        )

    def _decision_threshold(self):
        """Return the threshold of each class as an array, or None."""
        raise NotImplementedError

    def confidence_score(self, X):
        """Confidence of each sample, the score compared with the threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples, as accepted by the wrapped estimator.

        Returns
        -------
        confidence : ndarray of shape (n_samples,)
            Higher means more confident. A sample is rejected when its
            confidence is below the threshold of its predicted class, or NaN.
        """
        check_is_fitted(self, "estimator_")
        return decide_fitted(self, X, thresholds=None, novelty=False).confidence

    def predict(self, X):
        """Predict a class, or the reject label where the model abstains.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples, as accepted by the wrapped estimator.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The wrapped estimator's prediction for accepted samples and
            ``reject_label_`` for rejected ones (confidence below the
            threshold of the predicted class, or NaN; or marked as an
            outlier by ``novelty_detector_``).
        """
        check_is_fitted(self, "estimator_")
        reject_label = self.reject_label_
        decision = decide_fitted(self, X)
        classes = decision.classes
        return labels_with_rejection(
            classes,
            decision.class_index,
            decision.rejected,
            reject_label,
            prediction_dtype(classes, reject_label),
        )

    def rejection_reason(self, X):
        """Say why each sample is rejected, or that it is accepted.

        The two kinds of rejection call for different handling: a sample the
        model is unsure about is an ambiguous case, for a person or a better
        model; a sample unlike the training data (novelty) may be a data
        error, a drift or a new kind of case, for whoever owns the data.
        This method gives the reason from the same single pass of the reject
        rule as :meth:`predict`, so it agrees with it row by row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples, as accepted by the wrapped estimator.

        Returns
        -------
        reason : ndarray of str of shape (n_samples,)
            ``"accepted"`` where :meth:`predict` gives a class,
            ``"novelty"`` where ``novelty_detector_`` marks the sample as an
            outlier (whatever its confidence, so a sample both novel and
            unconfident is ``"novelty"``), and ``"low_confidence"`` where the
            confidence is below the threshold of its predicted class, or NaN.
            Pass it to
            :func:`~selective_clf.metrics.selective_classification_report`
            as ``rejection_reason`` to break rejections down by reason.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.covariance import EllipticEnvelope
        >>> from sklearn.linear_model import LogisticRegression
        >>> from selective_clf import SelectiveClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = np.vstack([rng.normal(-1, 1, (200, 2)), rng.normal(1, 1, (200, 2))])
        >>> y = np.repeat([0, 1], 200)
        >>> clf = SelectiveClassifier(
        ...     LogisticRegression(),
        ...     threshold=0.6,
        ...     novelty_detector=EllipticEnvelope(contamination=0.01, random_state=0),
        ... ).fit(X, y)
        >>> X_new = [[-2.0, -2.0], [0.1, -0.1], [20.0, 20.0]]
        >>> clf.rejection_reason(X_new)
        array(['accepted', 'low_confidence', 'novelty'], dtype='<U14')
        >>> clf.predict(X_new)
        array([ 0, -1, -1])
        >>> clf.confidence_score(X_new).round(1)  # sure of itself far away
        array([1. , 0.5, 1. ])
        """
        check_is_fitted(self, "estimator_")
        return rejection_reasons(decide_fitted(self, X))

    def score(self, X, y, sample_weight=None):
        """Accuracy with abstentions credited: ``1 - rejection_cost_loss``.

        An error costs 1, a rejection costs ``rejection_cost`` and a correct
        prediction costs 0; the score is one minus the mean cost. Without
        rejections it equals :func:`~sklearn.metrics.accuracy_score`, and each
        rejection adds ``1 - rejection_cost`` credit where accuracy would add
        nothing. With calibrated probabilities and ``confidence="max_proba"``,
        Chow's rule ``threshold = 1 - rejection_cost`` maximises it, so
        :class:`~sklearn.model_selection.GridSearchCV` over ``threshold`` finds
        that threshold.

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
        return 1.0 - rejection_cost_loss(
            y,
            self.predict(X),
            reject_label=self.reject_label_,
            rejection_cost=(
                DEFAULT_REJECTION_COST
                if self.rejection_cost is None
                else self.rejection_cost
            ),
            sample_weight=sample_weight,
        )

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the wrapped estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_`` (no reject column).
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Class log-probabilities of the wrapped estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the wrapped estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The wrapped estimator's decision scores, unchanged.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(_get_estimator(self.estimator))
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.string = inner.input_tags.string
        tags.input_tags.categorical = inner.input_tags.categorical
        tags.input_tags.dict = inner.input_tags.dict
        tags.input_tags.positive_only = inner.input_tags.positive_only
        tags.input_tags.two_d_array = inner.input_tags.two_d_array
        tags.input_tags.three_d_array = inner.input_tags.three_d_array
        if inner.classifier_tags is not None:
            tags.classifier_tags.multi_class = inner.classifier_tags.multi_class
            tags.classifier_tags.poor_score = inner.classifier_tags.poor_score
        tags.non_deterministic = inner.non_deterministic
        if hasattr(self.novelty_detector, "__sklearn_tags__"):
            # The detector sees the same X: both must accept the input.
            detector = get_tags(self.novelty_detector)
            tags.input_tags.sparse &= detector.input_tags.sparse
            tags.input_tags.allow_nan &= detector.input_tags.allow_nan
            tags.input_tags.string &= detector.input_tags.string
            tags.input_tags.categorical &= detector.input_tags.categorical
            tags.non_deterministic |= detector.non_deterministic
        return tags


class SelectiveClassifier(BaseSelectiveClassifier):
    """Classifier that abstains when its wrapped model is not confident enough.

    ``SelectiveClassifier`` wraps any scikit-learn classifier with
    ``predict_proba`` (or, failing that, ``decision_function``) and adds a
    reject option: :meth:`predict` returns the class the model would predict
    when its confidence reaches ``threshold``, and ``reject_label_`` when it
    does not. "If the top probability is below 0.6, call it unclassifiable"
    is ``SelectiveClassifier(model, threshold=0.6)``.

    The threshold can be changed after fitting with ``set_params`` (no refit
    is needed) and tuned with :class:`~sklearn.model_selection.GridSearchCV`,
    whose default scoring, :meth:`score`, charges ``rejection_cost`` per
    rejection and 1 per error. To tune it from one fit per fold, with cost,
    coverage or guaranteed-risk objectives, use ``SelectiveClassifierCV``.

    Parameters
    ----------
    estimator : estimator instance, default=None
        The classifier to wrap, fitted as a clone in :meth:`fit`. It needs
        ``predict_proba`` or ``decision_function``. ``None`` means
        :class:`~sklearn.linear_model.LogisticRegression`. To use an already
        trained model without refitting it, wrap it in
        :class:`~sklearn.frozen.FrozenEstimator`.

    threshold : float, array-like of shape (n_classes,), dict or None, \
            default=None
        A sample is rejected when its confidence is below the threshold (a
        NaN confidence is always rejected). ``None`` never rejects: ``predict``
        then equals the wrapped estimator's ``predict``. An array gives one
        threshold per class, in the order of ``classes_``, applied to the
        sample's predicted class; for a binary problem that is an asymmetric
        reject band. A dict maps every class to its threshold, e.g.
        ``{"approve": 0.9, "decline": 0.7}``. With
        ``predict_proba`` and a built-in confidence the threshold must lie
        in [0, 1]; with ``decision_function`` it is on the score's scale.
        ``-inf`` accepts and ``inf`` rejects every sample, as the
        ``threshold_`` of :class:`SelectiveClassifierCV` may.

    confidence : {"max_proba", "margin", "entropy"} or callable, \
            default="max_proba"
        How confident the model is about its predicted class, computed from
        the response (``predict_proba``, else ``decision_function``):

        - ``"max_proba"``: the top probability. With ``decision_function``
          it becomes the top decision score; for a binary score ``s`` that is
          ``|s|``, the distance to the decision boundary.
        - ``"margin"``: top-1 minus top-2 probability (for binary problems,
          ``|2 p - 1|``). With ``decision_function`` it is the same gap
          between the top two scores; for a binary score it is ``2 |s|``.
        - ``"entropy"``: one minus the Shannon entropy divided by
          ``log(n_classes)``, 1 for a certain prediction and 0 for a uniform
          one. It needs probabilities: with a ``decision_function``-only
          estimator it is an error.
        - a callable ``f(response) -> scores``, taking the response matrix of
          shape ``(n_samples, n_classes)`` (a binary decision score ``s`` is
          passed as the two columns ``(-s, s)``) and returning one float per
          sample, higher meaning more confident.

    response_method : {"auto", "predict_proba", "decision_function"}, \
            default="auto"
        Which method of ``estimator`` gives the response. ``"auto"`` uses
        ``predict_proba`` when available, else ``decision_function``.

    reject_label : "auto", int, float or str, default="auto"
        The label :meth:`predict` returns for rejected samples. ``"auto"``
        picks one of the same kind as the classes that is not a class: -1
        for numbers (or one less than the smallest class if -1 is a class),
        ``"rejected"`` for strings. An explicit label equal to a class, or of
        another kind than the classes, is an error at :meth:`fit`.

    rejection_cost : float in [0, 1], default=0.5
        Cost of one rejection, an error costing 1, used by :meth:`score`.
        The default, 0.5, prices an abstention like a fair coin's expected
        error on a binary problem: abstaining is worth it when the model is
        less sure than that (Chow's rule with calibrated probabilities:
        reject when the top probability is below ``1 - rejection_cost``).
        Lower it when a human review is cheap compared with a mistake.

    novelty_detector : estimator instance, default=None
        An unfitted scikit-learn outlier detector, such as
        :class:`~sklearn.ensemble.IsolationForest`,
        :class:`~sklearn.neighbors.LocalOutlierFactor` with
        ``novelty=True``, :class:`~sklearn.svm.OneClassSVM`,
        :class:`~sklearn.covariance.EllipticEnvelope`, or a
        :class:`~sklearn.pipeline.Pipeline` ending in one. A clone is fitted
        on the training ``X`` (without ``y`` or fit parameters) in
        :meth:`fit`, and the samples whose ``predict`` is -1 (outliers) are
        rejected whatever their confidence: a threshold catches ambiguous
        inputs, a novelty detector catches inputs unlike the training data,
        on which a model can be confidently wrong. With ``threshold=None``
        only the detector rejects. :meth:`rejection_reason` tells the two
        kinds of rejection apart. A detector fitted elsewhere is passed as
        ``FrozenEstimator(detector)`` and used as is. ``None`` detects
        nothing.

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted wrapped classifier.

    novelty_detector_ : estimator instance or None
        The fitted clone of ``novelty_detector``; None without one.

    classes_ : ndarray of shape (n_classes,)
        The class labels, without the reject label.

    reject_label_ : int, float or str
        The label given to rejected samples.

    response_method_ : str
        The method of ``estimator_`` used for the response.

    n_features_in_ : int
        Number of features seen during :term:`fit`. Only defined if the
        wrapped estimator exposes it.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Only defined if the
        wrapped estimator exposes it.

    See Also
    --------
    sklearn.model_selection.FixedThresholdClassifier : Moves the binary
        decision threshold instead of adding a reject option.
    sklearn.calibration.CalibratedClassifierCV : Calibrates probabilities,
        which makes a probability threshold mean what it says.

    Notes
    -----
    Accepted samples carry the wrapped estimator's own decision: its
    ``predict``, which for most classifiers is ``classes_[argmax]`` of the
    response the confidence is computed from (for those known to predict
    that way, such as logistic regression, gradient boosting and random
    forests, the response is not computed twice). A base that moves its
    decision threshold (``FixedThresholdClassifier``) or votes keeps its
    answer; the confidence still measures the response. Where the top
    response is tied (within a relative ``4 * eps``) with another class, the
    label is the base's ``predict`` on that row, with or without a
    threshold: a logistic regression whose probabilities round to
    ``[0.5, 0.5]`` still predicts from the sign of its decision value, and
    so does the wrapper. A class-wise threshold applies to the predicted
    class, so at a tie the threshold of the base's class decides.

    ``y`` must hold one label per sample: multilabel and multi-output
    targets are refused (wrap one selective classifier per output in
    :class:`~sklearn.multioutput.MultiOutputClassifier`), and a column vector
    is ravelled with a ``DataConversionWarning``, as scikit-learn does.

    The reject rule is ``confidence >= threshold`` accepts: a NaN confidence
    (a NaN or infinite response) is rejected whenever a threshold is set. A
    sample the novelty detector marks as an outlier is rejected in any case.

    Input validation is left to the wrapped estimator, so estimators that
    accept NaN, sparse matrices or data frames keep accepting them.

    Inside :class:`~sklearn.multiclass.OneVsRestClassifier` or
    :class:`~sklearn.multiclass.OneVsOneClassifier`, a selective classifier
    is used through its ``predict_proba`` / ``decision_function`` only, so its
    rejections are lost: wrap the multiclass model in the selective
    classifier instead, ``SelectiveClassifier(OneVsRestClassifier(...))``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from selective_clf import SelectiveClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())
    >>> clf = SelectiveClassifier(model, threshold=0.9).fit(X_train, y_train)
    >>> y_pred = clf.predict(X_test)
    >>> int((y_pred == clf.reject_label_).sum())  # rejected test samples
    19
    >>> accepted = y_pred != clf.reject_label_
    >>> float((y_pred[accepted] == y_test[accepted]).mean())
    0.99...
    >>> clf.confidence_score(X_test[:3]).round(2).tolist()
    [1.0, 0.96, 1.0]
    """

    _parameter_constraints: dict = {
        **BaseSelectiveClassifier._parameter_constraints,
        "threshold": [
            Interval(Real, None, None, closed="both"),
            "array-like",
            Mapping,
            None,
        ],
    }

    _not_bool_params = ("threshold", "rejection_cost", "reject_label")

    def __init__(
        self,
        estimator=None,
        *,
        threshold=None,
        confidence="max_proba",
        response_method="auto",
        reject_label="auto",
        rejection_cost=0.5,
        novelty_detector=None,
    ):
        self.estimator = estimator
        self.threshold = threshold
        self.confidence = confidence
        self.response_method = response_method
        self.reject_label = reject_label
        self.rejection_cost = rejection_cost
        self.novelty_detector = novelty_detector

    @_fit_context(
        # SelectiveClassifier.estimator is not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, **fit_params):
        """Fit the wrapped classifier (and novelty detector); check the settings.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, validated by the wrapped estimator. The novelty
            detector, if any, is fitted on it too.

        y : array-like of shape (n_samples,)
            Class labels.

        **fit_params : dict
            Parameters for the wrapped estimator's ``fit`` (for instance
            ``sample_weight``). With metadata routing enabled they are routed
            as requested through ``set_fit_request``; otherwise they are all
            passed to the wrapped estimator.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        self._check_not_bool_params()
        refuse_dask(type(self).__name__, X)
        check_fit_target(y, type(self).__name__)
        # A column vector is one output: ravelled with a DataConversionWarning,
        # as scikit-learn's classifiers do (the base may accept several
        # outputs, as DecisionTreeClassifier does, and keep it as such).
        y = column_or_1d(y, warn=True)
        detector = self._checked_novelty_detector()
        routed_params = self._route_fit_params(fit_params)
        self.estimator_ = clone(_get_estimator(self.estimator)).fit(
            X, y, **routed_params.estimator.fit
        )
        self.novelty_detector_ = fit_novelty_detector(detector, X)
        self._set_fitted_attributes()
        self._warn_if_never_rejects(self._validate_threshold(self.threshold))
        return self

    def _decision_threshold(self):
        # Checked here too: set_params(threshold=...) after fit needs no refit.
        check_not_bool(self.threshold, "threshold")
        return self._validate_threshold(self.threshold)

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit`` metadata to the wrapped estimator's ``fit``; this
            object consumes ``sample_weight`` in :meth:`score`.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                estimator=_get_estimator(self.estimator),
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        )
