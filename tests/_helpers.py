"""Small estimators with known outputs, shared by the tests."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted


class ProbaFromColumns(ClassifierMixin, BaseEstimator):
    """Classifier whose ``predict_proba`` is the first ``n_classes`` columns of X.

    It lets a test state the probabilities it wants and compute the expected
    predictions by hand.
    """

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        return np.asarray(X, dtype=float)[:, : len(self.classes_)]

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class DecisionFromColumn(ClassifierMixin, BaseEstimator):
    """Binary classifier whose ``decision_function`` is column 0 of X."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def decision_function(self, X):
        check_is_fitted(self)
        return np.asarray(X, dtype=float)[:, 0]

    def predict(self, X):
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def known_posterior_data(n_samples, random_state):
    """Binary data whose true posterior P(y=1 | x) is sigmoid(x).

    With one feature x, a logistic regression is well specified, so its
    probabilities converge to the true (calibrated) posterior.
    """
    rng = np.random.default_rng(random_state)
    x = rng.normal(scale=3.0, size=n_samples)
    y = (rng.uniform(size=n_samples) < 1.0 / (1.0 + np.exp(-x))).astype(int)
    return x.reshape(-1, 1), y
