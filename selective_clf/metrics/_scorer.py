"""Scorers for selective classifiers, for cross-validation and grid search."""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

from inspect import Parameter, signature

from .._compat import _BaseScorer, validate_params
from .._decision import unwrap
from ._scores import (
    coverage_score,
    rejection_cost_loss,
    selective_accuracy_score,
    selective_risk_score,
)

__all__ = [
    "coverage_scorer",
    "make_selective_scorer",
    "neg_rejection_cost_scorer",
    "neg_selective_risk_scorer",
    "selective_accuracy_scorer",
]

# Deeper nesting than this is taken as a cycle, not a model.
_MAX_NESTING = 20


def _get_reject_label(estimator):
    """Return ``reject_label_`` of ``estimator`` or of the estimator it wraps.

    Looks through ``GridSearchCV``-like searches (``best_estimator_``),
    :class:`~sklearn.pipeline.Pipeline` and
    :class:`~sklearn.frozen.FrozenEstimator` as
    :func:`selective_clf._decision.unwrap` does, then through the
    ``estimator`` of any other meta-estimator, recursively.
    """
    current = estimator
    for _ in range(_MAX_NESTING):
        if hasattr(current, "reject_label_"):
            return current.reject_label_
        final = unwrap(current).final
        if final is not current:
            current = final
            continue
        inner = getattr(current, "estimator", None)
        if inner is None or isinstance(inner, str):
            break
        current = inner
    raise ValueError(
        f"Could not find the reject label of {type(estimator).__name__}: a "
        "selective scorer needs a fitted estimator with a `reject_label_` "
        "attribute, either itself or as the final step of a Pipeline, the "
        "best_estimator_ of a fitted search, or the estimator of a "
        "FrozenEstimator. Fit the estimator first, or pass reject_label= to "
        "make_selective_scorer."
    )


class _SelectiveScorer(_BaseScorer):
    """Scorer calling ``score_func(y_true, y_pred, reject_label=..., **kwargs)``.

    ``y_pred`` comes from ``estimator.predict(X)`` and ``reject_label`` from
    the fitted estimator (see :func:`_get_reject_label`), unless given in
    ``kwargs``. Score functions whose first parameter is ``y_pred`` (such as
    :func:`coverage_score`) are called without ``y_true``.
    """

    def __init__(self, score_func, sign, kwargs):
        super().__init__(
            score_func=score_func, sign=sign, kwargs=kwargs, response_method="predict"
        )
        first = next(iter(signature(score_func).parameters), None)
        self._uses_y_true = first != "y_pred"

    def __repr__(self):
        sign_string = "" if self._sign > 0 else ", greater_is_better=False"
        kwargs_string = "".join(f", {k}={v!r}" for k, v in self._kwargs.items())
        name = getattr(self._score_func, "__name__", repr(self._score_func))
        return f"make_selective_scorer({name}{sign_string}{kwargs_string})"

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        """Score ``estimator.predict(X)`` against ``y_true``.

        Parameters
        ----------
        method_caller : callable
            Returns predictions given an estimator, a method name and ``X``,
            possibly from a cache shared between scorers.

        estimator : object
            Fitted selective estimator (possibly wrapped).

        X : {array-like, sparse matrix}
            Test data.

        y_true : array-like
            True labels for ``X``.

        **kwargs : dict
            Metadata passed to the score function, e.g. ``sample_weight``.

        Returns
        -------
        score : float
            ``sign * score_func(...)``.
        """
        self._warn_overlap(
            message=(
                "There is an overlap between set kwargs of this scorer instance and"
                " passed metadata. Please pass them either as kwargs to"
                " `make_selective_scorer` or metadata, but not both."
            ),
            kwargs=kwargs,
        )
        scoring_kwargs = {**self._kwargs, **kwargs}
        if "reject_label" not in scoring_kwargs:
            scoring_kwargs["reject_label"] = _get_reject_label(estimator)
        y_pred = method_caller(estimator, "predict", X)
        if self._uses_y_true:
            return self._sign * self._score_func(y_true, y_pred, **scoring_kwargs)
        return self._sign * self._score_func(y_pred, **scoring_kwargs)


@validate_params(
    {"score_func": [callable], "greater_is_better": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def make_selective_scorer(score_func, *, greater_is_better=True, **kwargs):
    """Make a scorer from a selective metric, for model selection tools.

    The scorer is called as ``scorer(estimator, X, y_true, sample_weight=None)``.
    It predicts with ``estimator.predict(X)`` and passes the estimator's
    ``reject_label_`` to ``score_func``, looking through a
    :class:`~sklearn.pipeline.Pipeline` (its final step), a fitted search
    such as :class:`~sklearn.model_selection.GridSearchCV` (its
    ``best_estimator_``) or a :class:`~sklearn.frozen.FrozenEstimator`. It
    can be given as ``scoring`` to
    :func:`~sklearn.model_selection.cross_validate`,
    :class:`~sklearn.model_selection.GridSearchCV`, etc., and supports
    metadata routing of ``sample_weight`` like scikit-learn's scorers.

    Parameters
    ----------
    score_func : callable
        Score function with signature
        ``score_func(y_true, y_pred, *, reject_label, **kwargs)``, or
        ``score_func(y_pred, *, reject_label, **kwargs)`` when its first
        parameter is named ``y_pred`` (as :func:`coverage_score`).

    greater_is_better : bool, default=True
        Whether ``score_func`` is a score (higher is better) or a loss. For a
        loss, the scorer returns the negated value, so that higher is always
        better for model selection.

    **kwargs : additional arguments
        Additional parameters passed to ``score_func``, e.g.
        ``rejection_cost``. Passing ``reject_label`` overrides the label read
        from the estimator.

    Returns
    -------
    scorer : callable
        Callable returning a scalar score; higher is better.

    Raises
    ------
    ValueError
        If ``score_func`` takes no ``reject_label`` parameter (and no
        ``**kwargs``).

    See Also
    --------
    sklearn.metrics.make_scorer : The scikit-learn equivalent, without reject
        label handling.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from selective_clf.metrics import (
    ...     coverage_scorer, make_selective_scorer, rejection_cost_loss)
    >>> scorer = make_selective_scorer(
    ...     rejection_cost_loss, greater_is_better=False, rejection_cost=0.2)
    >>> scorer
    make_selective_scorer(rejection_cost_loss, greater_is_better=False,
    rejection_cost=0.2)

    Any fitted classifier exposing ``reject_label_`` can be scored, such as
    :class:`selective_clf.SelectiveClassifier`; here a stand-in that always
    abstains:

    >>> X, y = np.zeros((4, 1)), np.array([0, 0, 1, 1])
    >>> clf = DummyClassifier(strategy="constant", constant=-1)
    >>> clf = clf.fit(X, [-1, 0, 1, -1])
    >>> clf.reject_label_ = -1
    >>> coverage_scorer(clf, X, y)
    0.0
    >>> scorer(clf, X, y)
    -0.2
    """
    parameters = signature(score_func).parameters
    accepts_var_kwargs = any(
        p.kind == Parameter.VAR_KEYWORD for p in parameters.values()
    )
    if "reject_label" not in parameters and not accepts_var_kwargs:
        name = getattr(score_func, "__name__", repr(score_func))
        raise ValueError(
            f"score_func {name} does not accept a `reject_label` argument; "
            "make_selective_scorer needs a selective metric such as "
            "selective_accuracy_score. Use sklearn.metrics.make_scorer for "
            "ordinary metrics."
        )
    sign = 1 if greater_is_better else -1
    return _SelectiveScorer(score_func, sign, kwargs)


coverage_scorer = make_selective_scorer(coverage_score)
selective_accuracy_scorer = make_selective_scorer(selective_accuracy_score)
neg_selective_risk_scorer = make_selective_scorer(
    selective_risk_score, greater_is_better=False
)
neg_rejection_cost_scorer = make_selective_scorer(
    rejection_cost_loss, greater_is_better=False, rejection_cost=0.5
)
