"""Every scikit-learn classifier through SelectiveClassifier(CV) (issue 11).

Each classifier of ``all_estimators(type_filter="classifier")`` is built with
its defaults (a meta-estimator around a LogisticRegression), fitted on binary,
3-class and 10-class data and wrapped:

- ``SelectiveClassifier`` with ``threshold=None`` predicts exactly what the
  same base fitted alone predicts;
- with ``threshold=0.7`` each prediction is the base's or the reject label;
- ``SelectiveClassifierCV(rejection_cost=0.3, cv=3)`` predicts the base's
  classes or the reject label;
- where the base itself fails on the data (a binary-only or a multi-output
  model, a singular covariance, no neighbour in the radius), the wrapper
  raises the same exception type;
- a model with neither ``predict_proba`` nor ``decision_function`` is refused
  with the hint to calibrate it.

A representative subset runs by default; the whole sweep is marked slow.
"""

import inspect

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import all_estimators

from selective_clf import SelectiveClassifier, SelectiveClassifierCV

CLASSIFIERS = dict(all_estimators(type_filter="classifier"))

# The default run: argmax of probabilities (LogisticRegression, tree), of
# decision scores (RidgeClassifier, binary 1-D), a predict that is not the
# argmax (SVC votes, NearestCentroid, FixedThresholdClassifier, which also
# refuses multiclass data), NaN probabilities (LabelSpreading) and a base
# that fails (QuadraticDiscriminantAnalysis on collinear classes).
FAST = {
    "LogisticRegression",
    "DecisionTreeClassifier",
    "RidgeClassifier",
    "SVC",
    "NearestCentroid",
    "FixedThresholdClassifier",
    "LabelSpreading",
    "QuadraticDiscriminantAnalysis",
}

# Bases with neither predict_proba nor decision_function once fitted.
NO_CONFIDENCE = {"OutputCodeClassifier", "VotingClassifier"}


def _build(name):
    """The classifier ``name`` with its defaults, seeded where it can be."""
    cls = CLASSIFIERS[name]
    params = inspect.signature(cls).parameters
    if name in ("StackingClassifier", "VotingClassifier"):
        estimator = cls(
            [("lr", LogisticRegression()), ("tree", DecisionTreeClassifier())]
        )
    elif "estimator" in params and (
        params["estimator"].default is inspect.Parameter.empty
        or name == "SelfTrainingClassifier"  # its default None is refused
    ):
        estimator = cls(LogisticRegression())
    elif "base_estimator" in params and (
        params["base_estimator"].default is inspect.Parameter.empty
    ):  # ClassifierChain before scikit-learn 1.7
        estimator = cls(LogisticRegression())
    else:
        estimator = cls()
    # seed every random part, so that two fits give the same model
    seeds = {k: 0 for k in estimator.get_params() if k.endswith("random_state")}
    return estimator.set_params(**seeds)


def _data(name, n_classes):
    """Train and test data; non-negative or categorical X where required."""
    X, y = make_classification(
        120, n_informative=5, n_classes=n_classes, random_state=0
    )
    if name in ("MultinomialNB", "ComplementNB"):
        X = np.abs(X)
    elif name == "CategoricalNB":
        X = np.clip((np.abs(X) * 2).astype(int), 0, 3)
    return X[:90], y[:90], X[90:]


def _params():
    for name in sorted(CLASSIFIERS):
        for n_classes in (2, 3, 10):
            marks = () if name in FAST else (pytest.mark.slow,)
            yield pytest.param(name, n_classes, marks=marks, id=f"{name}-{n_classes}")


def _fit_predict(estimator, X_train, y_train, X_test):
    """(predictions, None) or (None, the exception raised)."""
    try:
        return estimator.fit(X_train, y_train).predict(X_test), None
    except Exception as error:  # noqa: BLE001 - compared by type below
        return None, error


# warnings of the bases themselves, alone as wrapped
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore:Class .* is deprecated:FutureWarning")
@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NaN in LabelSpreading
@pytest.mark.filterwarnings("ignore:.*out-of-fold confidences are NaN:UserWarning")
@pytest.mark.parametrize("name, n_classes", list(_params()))
def test_wrapping_any_classifier(name, n_classes):
    """threshold=None is the base; 0.7 and the CV tuner give base or reject."""
    X_train, y_train, X_test = _data(name, n_classes)
    base_pred, base_error = _fit_predict(_build(name), X_train, y_train, X_test)
    wrappers = {
        "none": SelectiveClassifier(_build(name)),
        "0.7": SelectiveClassifier(_build(name), threshold=0.7),
        "cv": SelectiveClassifierCV(_build(name), rejection_cost=0.3, cv=3),
    }

    if base_error is not None:
        for wrapper in wrappers.values():
            with pytest.raises(type(base_error)):
                wrapper.fit(X_train, y_train).predict(X_test)
        return

    if name in NO_CONFIDENCE:
        for wrapper in wrappers.values():
            with pytest.raises(ValueError, match="CalibratedClassifierCV"):
                wrapper.fit(X_train, y_train)
        return

    # threshold=None: exactly the base's predict, values and dtype
    y_none = wrappers["none"].fit(X_train, y_train).predict(X_test)
    np.testing.assert_array_equal(y_none, base_pred)
    assert y_none.dtype == base_pred.dtype

    for key in ("0.7", "cv"):
        clf = wrappers[key].fit(X_train, y_train)
        y_pred = clf.predict(X_test)
        accepted = y_pred != clf.reject_label_
        np.testing.assert_array_equal(
            y_pred[accepted], clf.estimator_.predict(X_test)[accepted]
        )
        assert set(y_pred[accepted].tolist()) <= set(clf.classes_.tolist())
        assert clf.reject_label_ not in clf.classes_.tolist()
    # the fixed-threshold wrapper's model is the base fitted alone
    np.testing.assert_array_equal(wrappers["0.7"].estimator_.predict(X_test), base_pred)
