"""Tests for the selective scorers (cross-validation, search, routing)."""

import copy
import pickle

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from selective_clf.metrics import (
    coverage_score,
    coverage_scorer,
    make_selective_scorer,
    neg_rejection_cost_scorer,
    neg_selective_risk_scorer,
    rejection_cost_loss,
    selective_accuracy_score,
    selective_accuracy_scorer,
    selective_risk_score,
)

PREDICT_CALLS = []


class ThresholdSelective(ClassifierMixin, BaseEstimator):
    """Stand-in selective classifier: rejects when max probability < threshold."""

    def __init__(self, threshold=0.8, C=1.0):
        self.threshold = threshold
        self.C = C

    def fit(self, X, y):
        self.estimator_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.estimator_.classes_
        self.reject_label_ = -1
        return self

    def predict(self, X):
        PREDICT_CALLS.append(1)
        proba = self.estimator_.predict_proba(X)
        y_pred = self.classes_[proba.argmax(axis=1)]
        return np.where(proba.max(axis=1) >= self.threshold, y_pred, -1)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=240, n_features=5, n_informative=2, flip_y=0.1, random_state=0
    )
    return X, y


SCORERS = {
    "cov": (coverage_scorer, lambda yt, yp, **kw: coverage_score(yp, **kw)),
    "acc": (selective_accuracy_scorer, selective_accuracy_score),
    "risk": (
        neg_selective_risk_scorer,
        lambda yt, yp, **kw: -selective_risk_score(yt, yp, **kw),
    ),
    "cost": (
        neg_rejection_cost_scorer,
        lambda yt, yp, **kw: -rejection_cost_loss(yt, yp, rejection_cost=0.5, **kw),
    ),
}


def _by_hand(name, estimator, X, y, sample_weight=None):
    y_pred = estimator.predict(X)
    return SCORERS[name][1](y, y_pred, reject_label=-1, sample_weight=sample_weight)


def test_scorer_reprs():
    """Scorers describe themselves like sklearn's make_scorer."""
    assert repr(coverage_scorer) == "make_selective_scorer(coverage_score)"
    assert repr(neg_rejection_cost_scorer) == (
        "make_selective_scorer(rejection_cost_loss, greater_is_better=False, "
        "rejection_cost=0.5)"
    )
    assert repr(neg_selective_risk_scorer) == (
        "make_selective_scorer(selective_risk_score, greater_is_better=False)"
    )


@pytest.mark.parametrize("name", sorted(SCORERS))
@pytest.mark.parametrize("weighted", [False, True])
def test_direct_call_matches_metric(data, name, weighted):
    """scorer(estimator, X, y) equals the metric on estimator.predict(X)."""
    X, y = data
    estimator = ThresholdSelective().fit(X, y)
    weight = np.linspace(0.5, 2.0, y.shape[0]) if weighted else None
    scorer = SCORERS[name][0]
    expected = _by_hand(name, estimator, X, y, weight)
    assert scorer(estimator, X, y, sample_weight=weight) == pytest.approx(expected)


def test_cross_validate_matches_per_fold_computation(data):
    """cross_validate gives, fold by fold, the metric computed by hand."""
    X, y = data
    cv = KFold(4, shuffle=True, random_state=0)
    scoring = {name: scorer for name, (scorer, _) in SCORERS.items()}
    scoring["accuracy"] = "accuracy"  # mixes with sklearn's own scorers
    results = cross_validate(
        ThresholdSelective(threshold=0.75),
        X,
        y,
        cv=cv,
        scoring=scoring,
        return_estimator=True,
        return_indices=True,
    )
    for fold, test in enumerate(results["indices"]["test"]):
        estimator = results["estimator"][fold]
        for name in SCORERS:
            expected = _by_hand(name, estimator, X[test], y[test])
            assert results[f"test_{name}"][fold] == pytest.approx(expected)
        expected = accuracy_score(y[test], estimator.predict(X[test]))
        assert results["test_accuracy"][fold] == pytest.approx(expected)
    assert 0 < results["test_cov"].mean() < 1  # the stand-in does reject


def test_multimetric_scoring_predicts_once_per_fold(data):
    """All selective scorers share one cached predict call per fold."""
    X, y = data
    scoring = {name: scorer for name, (scorer, _) in SCORERS.items()}
    PREDICT_CALLS.clear()
    cross_validate(ThresholdSelective(), X, y, cv=3, scoring=scoring)
    assert len(PREDICT_CALLS) == 3


def test_scoring_through_pipeline(data):
    """The reject label is read from the final step of a Pipeline."""
    X, y = data
    pipeline = make_pipeline(StandardScaler(), ThresholdSelective(threshold=0.7))
    cv = KFold(3, shuffle=True, random_state=1)
    results = cross_validate(
        pipeline,
        X,
        y,
        cv=cv,
        scoring={"cov": coverage_scorer, "cost": neg_rejection_cost_scorer},
        return_estimator=True,
        return_indices=True,
    )
    for fold, test in enumerate(results["indices"]["test"]):
        fitted = results["estimator"][fold]
        for name in ("cov", "cost"):
            expected = _by_hand(name, fitted, X[test], y[test])
            assert results[f"test_{name}"][fold] == pytest.approx(expected)


def test_grid_search_with_neg_rejection_cost(data):
    """GridSearchCV ranks thresholds by the (negated) rejection cost."""
    X, y = data
    grid = {"threshold": [0.5, 0.7, 0.9, 0.99]}
    cv = KFold(3, shuffle=True, random_state=2)
    search = GridSearchCV(
        ThresholdSelective(), grid, scoring=neg_rejection_cost_scorer, cv=cv
    ).fit(X, y)
    for i, params in enumerate(search.cv_results_["params"]):
        fold_scores = []
        for train, test in cv.split(X, y):
            estimator = clone(ThresholdSelective()).set_params(**params)
            estimator.fit(X[train], y[train])
            fold_scores.append(_by_hand("cost", estimator, X[test], y[test]))
        assert search.cv_results_["mean_test_score"][i] == pytest.approx(
            np.mean(fold_scores)
        )
    # Scoring the fitted search looks through best_estimator_.
    expected = _by_hand("cost", search.best_estimator_, X, y)
    assert neg_rejection_cost_scorer(search, X, y) == pytest.approx(expected)


def test_frozen_pipeline_is_looked_through(data):
    """A FrozenEstimator around a fitted Pipeline can be scored."""
    X, y = data
    pipeline = make_pipeline(StandardScaler(), ThresholdSelective()).fit(X, y)
    frozen = FrozenEstimator(pipeline)
    expected = _by_hand("acc", pipeline, X, y)
    assert selective_accuracy_scorer(frozen, X, y) == pytest.approx(expected)


@pytest.mark.parametrize(
    "estimator",
    [
        LogisticRegression(),
        make_pipeline(StandardScaler(), LogisticRegression()),
    ],
)
def test_missing_reject_label_raises(data, estimator):
    """Without a reject_label_ anywhere, the error says what is needed."""
    X, y = data
    estimator.fit(X, y)
    with pytest.raises(ValueError, match="Could not find the reject label"):
        coverage_scorer(estimator, X, y)


def test_unfitted_search_raises(data):
    """An unfitted search exposes no reject label."""
    X, y = data
    search = GridSearchCV(ThresholdSelective(), {"threshold": [0.5]})
    with pytest.raises(ValueError, match="reject_label_"):
        coverage_scorer(search, X, y)


def test_explicit_reject_label_overrides(data):
    """A reject_label given to make_selective_scorer is used as is."""
    X, y = data
    plain = LogisticRegression().fit(X, y)
    scorer = make_selective_scorer(coverage_score, reject_label=0)
    expected = coverage_score(plain.predict(X), reject_label=0)
    assert scorer(plain, X, y) == pytest.approx(expected)
    assert "reject_label=0" in repr(scorer)


def test_greater_is_better_false_negates(data):
    """greater_is_better=False returns minus the metric."""
    X, y = data
    estimator = ThresholdSelective().fit(X, y)
    scorer = make_selective_scorer(
        rejection_cost_loss, greater_is_better=False, rejection_cost=0.2
    )
    expected = rejection_cost_loss(
        y, estimator.predict(X), reject_label=-1, rejection_cost=0.2
    )
    assert scorer(estimator, X, y) == pytest.approx(-expected)


def test_make_selective_scorer_rejects_plain_metrics():
    """A metric without a reject_label parameter is refused."""
    with pytest.raises(ValueError, match="does not accept a `reject_label`"):
        make_selective_scorer(accuracy_score)


def test_make_selective_scorer_validates_params():
    """Parameter validation applies to make_selective_scorer."""
    with pytest.raises(ValueError, match="greater_is_better"):
        make_selective_scorer(coverage_score, greater_is_better="yes")
    with pytest.raises(ValueError, match="score_func"):
        make_selective_scorer("coverage")


def test_custom_metric_with_var_kwargs(data):
    """A custom metric taking **kwargs receives reject_label."""
    X, y = data
    estimator = ThresholdSelective().fit(X, y)

    def n_rejected(y_true, y_pred, **kwargs):
        return float(np.sum(y_pred == kwargs["reject_label"]))

    scorer = make_selective_scorer(n_rejected)
    assert scorer(estimator, X, y) == np.sum(estimator.predict(X) == -1)


def test_scorers_pickle():
    """Scorers survive pickling (needed for n_jobs > 1)."""
    for scorer in (coverage_scorer, neg_rejection_cost_scorer):
        restored = pickle.loads(pickle.dumps(scorer))
        assert repr(restored) == repr(scorer)


def test_sample_weight_metadata_routing(data):
    """With metadata routing, sample_weight reaches a scorer requesting it."""
    X, y = data
    weight = np.random.default_rng(0).uniform(0.1, 2.0, y.shape[0])
    cv = KFold(3, shuffle=True, random_state=3)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = copy.deepcopy(neg_rejection_cost_scorer)
        scorer.set_score_request(sample_weight=True)
        results = cross_validate(
            ThresholdSelective(),
            X,
            y,
            cv=cv,
            scoring={"cost": scorer},
            params={"sample_weight": weight},
            return_estimator=True,
            return_indices=True,
        )
    for fold, test in enumerate(results["indices"]["test"]):
        estimator = results["estimator"][fold]
        expected = _by_hand("cost", estimator, X[test], y[test], weight[test])
        assert results["test_cost"][fold] == pytest.approx(expected)
        unweighted = _by_hand("cost", estimator, X[test], y[test])
        assert results["test_cost"][fold] != pytest.approx(unweighted)
    # The shared instance was not modified.
    assert not hasattr(neg_rejection_cost_scorer, "_metadata_request")
