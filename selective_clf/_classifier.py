"""SelectiveClassifier: any classifier plus a reject option."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch, assert_all_finite, get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._compat import HasMethods, Interval, StrOptions, _fit_context, _routing_enabled
from ._confidence import (
    CONFIDENCE_FUNCTIONS,
    PROBABILITY_SCALED,
    confidence_from_response,
    response_matrix,
    top_class,
)
from .metrics._scores import rejection_cost_loss

DEFAULT_STRING_REJECT_LABEL = "rejected"
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


def _is_string_label(label):
    return isinstance(label, (str, np.str_, bytes, np.bytes_))


def _is_number_label(label):
    return isinstance(label, (Real, np.number, np.bool_)) and not _is_string_label(
        label
    )


def _resolve_reject_label(reject_label, classes):
    """Validate ``reject_label`` against the classes, or pick one for "auto".

    Parameters
    ----------
    reject_label : "auto", int, float or str
        The label asked for.

    classes : ndarray of shape (n_classes,)
        The class labels of the fitted estimator.

    Returns
    -------
    reject_label : int, float or str
        A label of the same kind as the classes that is not a class.
    """
    all_strings = all(_is_string_label(c) for c in classes)
    all_numbers = all(_is_number_label(c) for c in classes)
    if isinstance(reject_label, str) and reject_label == "auto":
        if all_strings:
            label = DEFAULT_STRING_REJECT_LABEL
            while label in set(classes.tolist()):
                label = "_" + label
            return label
        if all_numbers:
            label = (
                -1 if classes.dtype.kind in "iub" or classes.dtype == object else -1.0
            )
            if np.any(classes == label):
                label = type(label)(np.min(classes) - 1)
            return label
        raise ValueError(
            "reject_label='auto' cannot choose a label for classes that mix "
            f"strings and numbers ({classes.tolist()!r}); pass reject_label "
            "explicitly."
        )

    if isinstance(reject_label, float) and np.isnan(reject_label):
        raise ValueError(
            "reject_label=nan cannot be used: NaN never compares equal to itself, "
            "so rejections could not be counted. Use a number such as -1."
        )
    if _is_string_label(reject_label) and all_numbers:
        raise ValueError(
            f"reject_label={reject_label!r} is a string but the classes are numbers "
            f"{classes.tolist()!r}; scikit-learn's metrics cannot mix the two. Use a "
            "number such as -1, or encode y as strings."
        )
    if _is_number_label(reject_label) and all_strings:
        raise ValueError(
            f"reject_label={reject_label!r} is a number but the classes are strings "
            f"{classes.tolist()!r}; scikit-learn's metrics cannot mix the two. Use a "
            f"string such as {DEFAULT_STRING_REJECT_LABEL!r}."
        )
    if any(c == reject_label for c in classes.tolist()):
        raise ValueError(
            f"reject_label={reject_label!r} is one of the classes "
            f"{classes.tolist()!r}; rejected samples could not be told apart from "
            "that class. Choose a label that is not a class, or use 'auto'."
        )
    return reject_label


def _prediction_dtype(classes, reject_label):
    """Smallest dtype holding the classes and the reject label."""
    if classes.dtype == object:
        return object
    return np.result_type(classes.dtype, np.asarray(reject_label).dtype)


class BaseSelectiveClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Shared machinery of the classifiers that can abstain.

    Subclasses fit ``estimator_``, then call :meth:`_set_fitted_attributes`,
    and implement :meth:`_decision_threshold`, the threshold used by
    :meth:`predict`.
    """

    _parameter_constraints: dict = {
        "estimator": [
            HasMethods(["fit", "predict_proba"]),
            HasMethods(["fit", "decision_function"]),
            None,
        ],
        "confidence": [StrOptions(set(CONFIDENCE_FUNCTIONS)), callable],
        "response_method": [StrOptions({"auto", "predict_proba", "decision_function"})],
        "reject_label": [str, Integral, Real],
        "rejection_cost": [Interval(Real, 0, 1, closed="both")],
    }

    def _check_response_method(self, estimator):
        """Return the response method to use with ``estimator``."""
        if self.response_method == "auto":
            for method in ("predict_proba", "decision_function"):
                if hasattr(estimator, method):
                    return method
            raise ValueError(
                f"{type(estimator).__name__} has neither predict_proba nor "
                "decision_function, so it gives no confidence to threshold. Use a "
                "probabilistic classifier, or wrap it in "
                "sklearn.calibration.CalibratedClassifierCV."
            )
        if not hasattr(estimator, self.response_method):
            raise ValueError(
                f"response_method={self.response_method!r} but "
                f"{type(estimator).__name__} has no {self.response_method} method."
            )
        return self.response_method

    def _route_fit_params(self, fit_params):
        """Metadata for the inner ``fit``: routed if enabled, else passed through."""
        if _routing_enabled():
            return process_routing(self, "fit", **fit_params)
        return Bunch(estimator=Bunch(fit=fit_params))

    def _check_fit_target(self, y):
        """Refuse targets that are not class labels, before the base sees them."""
        y_array = np.asarray(y)
        if y_array.dtype.kind == "f":
            assert_all_finite(y_array, input_name="y")
        check_classification_targets(y)

    def _set_fitted_attributes(self):
        """Set the attributes shared by every fitted selective classifier."""
        self.response_method_ = self._check_response_method(self.estimator_)
        classes = np.asarray(self.estimator_.classes_)
        self.reject_label_ = _resolve_reject_label(self.reject_label, classes)
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, attr):
                setattr(self, attr, getattr(self.estimator_, attr))

    @property
    def classes_(self):
        """Class labels of the fitted estimator; the reject label is not one."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.classes_

    def _validate_threshold(self, threshold, n_classes):
        """Check a scalar or class-wise threshold and return it as an array.

        Returns
        -------
        threshold : ndarray of shape (n_classes,) or None
            None means that nothing is rejected.
        """
        if threshold is None:
            return None
        threshold_array = np.asarray(threshold, dtype=np.float64)
        if threshold_array.ndim > 1 or (
            threshold_array.ndim == 1 and threshold_array.shape[0] != n_classes
        ):
            raise ValueError(
                "threshold must be a number or an array-like with one threshold "
                f"per class ({n_classes} values, in the order of classes_); got "
                f"shape {threshold_array.shape}."
            )
        if np.isnan(threshold_array).any():
            raise ValueError(
                "threshold must not be NaN; use threshold=None to never reject."
            )
        if (
            self.response_method_ == "predict_proba"
            and not callable(self.confidence)
            and self.confidence in PROBABILITY_SCALED
            and ((threshold_array < 0).any() or (threshold_array > 1).any())
        ):
            raise ValueError(
                f"threshold={threshold!r} is outside [0, 1], but "
                f"confidence={self.confidence!r} computed from predict_proba lies "
                "in [0, 1]: such a threshold would accept or reject everything."
            )
        return np.broadcast_to(threshold_array, (n_classes,))

    def _decision_threshold(self):
        """Return the threshold of each class as an array, or None."""
        raise NotImplementedError

    def _class_index_and_confidence(self, X):
        """Column of the top class and the confidence of each sample."""
        response = response_matrix(self.estimator_, X, self.response_method_)
        class_index, top = top_class(response)
        confidence = confidence_from_response(
            response, self.confidence, response_method=self.response_method_, top=top
        )
        return class_index, confidence

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
            confidence is below the threshold of its predicted class.
        """
        check_is_fitted(self, "estimator_")
        return self._class_index_and_confidence(X)[1]

    def _base_predict_and_confidence(self, X):
        """Predictions without rejection, and their confidences."""
        class_index, confidence = self._class_index_and_confidence(X)
        return np.asarray(self.classes_).take(class_index), confidence

    def predict(self, X):
        """Predict a class, or the reject label where the model abstains.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples, as accepted by the wrapped estimator.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``classes_[argmax]`` of the response for accepted samples and
            ``reject_label_`` for rejected ones.
        """
        check_is_fitted(self, "estimator_")
        classes = np.asarray(self.classes_)
        threshold = self._decision_threshold()
        class_index, confidence = self._class_index_and_confidence(X)
        y_pred = classes.take(class_index)
        dtype = _prediction_dtype(classes, self.reject_label_)
        if y_pred.dtype != dtype:
            y_pred = y_pred.astype(dtype)
        if threshold is not None:
            if np.all(threshold == threshold[0]):  # one threshold for all classes
                rejected = confidence < threshold[0]
            else:
                rejected = confidence < threshold[class_index]
            y_pred[rejected] = self.reject_label_
        return y_pred

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

    threshold : float, array-like of shape (n_classes,) or None, default=None
        A sample is rejected when its confidence is below the threshold.
        ``None`` never rejects. An array gives one threshold per class, in
        the order of ``classes_``, applied to the sample's predicted class;
        for a binary problem that is an asymmetric reject band. With
        ``predict_proba`` and a built-in confidence the threshold must lie
        in [0, 1]; with ``decision_function`` it is on the score's scale.

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

    Attributes
    ----------
    estimator_ : estimator instance
        The fitted wrapped classifier.

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
    Accepted samples are labelled ``classes_[argmax]`` of the same response
    the confidence is computed from, so accepted predictions always agree
    with ``predict_proba`` (or ``decision_function``). Input validation is
    left to the wrapped estimator, so estimators that accept NaN, sparse
    matrices or data frames keep accepting them.

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
    >>> clf.confidence_score(X_test[:3]).round(3)
    array([0.999, 0.96 , 0.999])
    """

    _parameter_constraints: dict = {
        **BaseSelectiveClassifier._parameter_constraints,
        "threshold": [Interval(Real, None, None, closed="neither"), "array-like", None],
    }

    def __init__(
        self,
        estimator=None,
        *,
        threshold=None,
        confidence="max_proba",
        response_method="auto",
        reject_label="auto",
        rejection_cost=0.5,
    ):
        self.estimator = estimator
        self.threshold = threshold
        self.confidence = confidence
        self.response_method = response_method
        self.reject_label = reject_label
        self.rejection_cost = rejection_cost

    @_fit_context(
        # SelectiveClassifier.estimator is not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, **fit_params):
        """Fit the wrapped classifier and check the reject settings.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, validated by the wrapped estimator.

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
        self._check_fit_target(y)
        routed_params = self._route_fit_params(fit_params)
        self.estimator_ = clone(_get_estimator(self.estimator)).fit(
            X, y, **routed_params.estimator.fit
        )
        self._set_fitted_attributes()
        self._validate_threshold(self.threshold, n_classes=len(self.classes_))
        return self

    def _decision_threshold(self):
        return self._validate_threshold(self.threshold, n_classes=len(self.classes_))

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
