import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from selective_clf import (
    GuaranteeWarning,
    InfeasibleTargetError,
    SelectiveClassifier,
    SelectiveClassifierCV,
)


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _warnings_of(call):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        call()
    return record


def test_warnings_point_at_the_callers_line(data):
    """No hard-coded stacklevel: the warning names this file, however deep."""
    X, y = data
    clf = SelectiveClassifierCV(LogisticRegression(), target_risk=0.05, cv=3)
    record = _warnings_of(lambda: clf.fit(X, y))
    guarantee = [w for w in record if issubclass(w.category, GuaranteeWarning)]
    assert guarantee and all(w.filename == __file__ for w in guarantee)
    # through a search (sklearn frames in between) and from a plain classifier
    search = GridSearchCV(
        SelectiveClassifier(LogisticRegression()), {"threshold": [0.5]}, cv=2
    )
    record = _warnings_of(lambda: search.fit(X, y))
    never = [w for w in record if "never rejects" in str(w.message)]
    assert never and all(w.filename == __file__ for w in never)


def test_infeasible_target_error_is_a_value_error():
    assert issubclass(InfeasibleTargetError, ValueError)
    assert issubclass(GuaranteeWarning, UserWarning)


def test_groups_with_a_holdout_fraction_are_refused(data):
    """A stratified holdout would ignore groups: an error, not a silent split."""
    X, y = data
    groups = np.arange(len(y)) % 7
    clf = SelectiveClassifierCV(LogisticRegression(), rejection_cost=0.2, cv=0.3)
    with pytest.raises(ValueError, match="GroupShuffleSplit"):
        clf.fit(X, y, groups=groups)
