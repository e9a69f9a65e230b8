"""scikit-learn's common estimator checks on every public estimator."""

import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

from selective_clf import SelectiveClassifier

# Instances that never reject (threshold=None) must pass every check: they
# predict exactly what their base predicts.
NON_REJECTING = [
    SelectiveClassifier(),
    SelectiveClassifier(LogisticRegression(C=0.5)),
    SelectiveClassifier(HistGradientBoostingClassifier(max_iter=10)),
    SelectiveClassifier(LinearSVC()),
    SelectiveClassifier(make_pipeline(StandardScaler(), LogisticRegression())),
]

# Instances that really reject. Only checks that by design compare predict
# with the argmax of the base (or require a label from the training classes)
# may fail; each is declared with its reason, as scikit-learn does for
# FixedThresholdClassifier.
REJECTING = [
    SelectiveClassifier(LogisticRegression(), threshold=0.6),
    SelectiveClassifier(LogisticRegression(), threshold=0.2, confidence="margin"),
    SelectiveClassifier(LinearSVC(), threshold=0.5),
]

REJECTION_CHANGES_PREDICT = {
    "check_classifiers_train": (
        "Rejecting: predictions include the reject label where the base is "
        "unsure, so they differ from argmax(decision_function/predict_proba) and "
        "are not all training classes, which this check requires (scikit-learn "
        "declares the same failure for FixedThresholdClassifier)."
    ),
}


def _expected_failures(estimator):
    if estimator.threshold is None:
        return {}
    return REJECTION_CHANGES_PREDICT


@parametrize_with_checks(
    NON_REJECTING + REJECTING, expected_failed_checks=_expected_failures
)
def test_sklearn_common_checks(estimator, check):
    """Each instance passes scikit-learn's common checks."""
    check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_check_estimator_on_default_instance():
    """check_estimator passes on the default SelectiveClassifier, no xfail."""
    check_estimator(SelectiveClassifier())
