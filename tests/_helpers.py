"""Small estimators with known outputs, shared by the tests."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted


class _Columns(ClassifierMixin, BaseEstimator):
    """Classifier whose response is the first ``n_classes`` columns of X.

    Its ``predict`` is ``classes_[np.argmax(response)]``, NaN included, so a
    test can state the response and compute every decision by hand.
    """

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def _response(self, X):
        check_is_fitted(self)
        return np.asarray(X, dtype=float)[:, : len(self.classes_)]

    def predict(self, X):
        return self.classes_[self._response(X).argmax(axis=1)]


class ProbaColumns(_Columns):
    """The columns are ``predict_proba``."""

    def predict_proba(self, X):
        return self._response(X)


class DecisionColumns(_Columns):
    """The columns are ``decision_function`` (binary: column 1 minus column 0)."""

    def decision_function(self, X):
        response = self._response(X)
        if response.shape[1] == 2:
            return response[:, 1] - response[:, 0]
        return response


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
