"""Re-certification: certify the threshold of a deployed model on new rows."""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from .._decision import is_frozen
from .._tuning import SelectiveClassifierCV

#: Parameters of SelectiveClassifierCV that describe the decision and its
#: guarantee; they carry over to the re-certified estimator.
_OBJECTIVES = ("rejection_cost", "target_coverage", "target_risk", "scoring")


def _frozen(estimator):
    return estimator if is_frozen(estimator) else FrozenEstimator(estimator)


def recertify(estimator, X, y, **params):
    """Certify a deployed model again on labelled rows it has never seen.

    Returns a new :class:`~selective_clf.SelectiveClassifierCV` fitted on
    ``FrozenEstimator(model)``: the model is not retrained, only its
    threshold is chosen and certified again on ``(X, y)``, with the same
    objective, target, ``delta`` and method (unless overridden in
    ``params``). ``X, y`` must be drawn like the data the model will meet
    from now on and must not have served the monitor to raise the alarm (see
    the user guide, :ref:`monitoring`, "Which rows may certify again").

    Parameters
    ----------
    estimator : SelectiveClassifierCV or classifier
        A fitted ``SelectiveClassifierCV`` (its ``estimator_`` and its
        parameters are reused; a fitted novelty detector is kept frozen), or
        a fitted classifier, certified with the objective given in
        ``params``.

    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Fresh calibration rows.

    y : array-like of shape (n_samples,)
        Their labels.

    **params : dict
        Parameters of :class:`~selective_clf.SelectiveClassifierCV` that
        replace those of ``estimator`` (e.g. ``target_risk=0.03``). Giving an
        objective replaces the old one.

    Returns
    -------
    certified : SelectiveClassifierCV
        Fitted; its ``certificate_`` describes the new guarantee.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from selective_clf.monitor import recertify
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())
    >>> model.fit(X[:250], y[:250])  # doctest: +ELLIPSIS
    Pipeline(...)
    >>> clf = recertify(model, X[250:], y[250:], target_risk=0.05, delta=0.1)
    >>> clf.certificate_.protocol, clf.certificate_.n_calibration
    ('frozen', 319)
    """
    if isinstance(estimator, SelectiveClassifierCV):
        if not hasattr(estimator, "estimator_"):
            raise ValueError(
                "recertify needs a fitted SelectiveClassifierCV (or a fitted "
                "classifier); this one is not fitted."
            )
        base = clone(estimator, safe=False)
        base_params = {"estimator": _frozen(estimator.estimator_)}
        detector = getattr(estimator, "novelty_detector_", None)
        if detector is not None:
            base_params["novelty_detector"] = _frozen(detector)
        if any(params.get(name) is not None for name in _OBJECTIVES):
            base_params.update(dict.fromkeys(_OBJECTIVES))
        base.set_params(**base_params)
    else:
        if not hasattr(estimator, "classes_"):
            raise ValueError(
                f"recertify needs a fitted classifier; {type(estimator).__name__} "
                "has no classes_ (fit it first)."
            )
        if not any(params.get(name) is not None for name in _OBJECTIVES):
            raise ValueError(
                "recertify of a plain classifier needs an objective, e.g. "
                "recertify(model, X, y, target_risk=0.05)."
            )
        base = SelectiveClassifierCV(_frozen(estimator))
    return base.set_params(**params).fit(X, y)
