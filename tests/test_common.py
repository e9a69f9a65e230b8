"""scikit-learn's common estimator checks on every public estimator."""

import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

from selective_clf import SelectiveClassifier, SelectiveClassifierCV

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


# As scikit-learn declares for TunedThresholdClassifierCV: the folds of a
# repeated sample differ from those of a weighted one, and the coverage and
# risk targets count samples (their guarantees are about counts).
TUNING_IGNORES_WEIGHT_EQUIVALENCE = {
    f"check_sample_weight_equivalence_on_{kind}_data": (
        "Cross-validation folds of repeated samples differ from those of "
        "weighted samples, so the tuned threshold can differ."
    )
    for kind in ("dense", "sparse")
}

CANNOT_CERTIFY_TINY_DATA = {
    "check_classifiers_classes": (
        "On this check's 30-sample data no threshold certifies the risk target, "
        "so the model rejects everything and predicts no training class."
    ),
}


# Tuned instances reject wherever their tuned threshold says so. Each is
# listed beside the checks it is expected to fail (xfail_strict: a declared
# failure that passes fails the run). With the default logistic regression and
# a rejection cost, the threshold tuned on repeated samples happens to equal
# the one tuned on weighted samples on the check's data, so that instance
# passes the weight-equivalence check and declares nothing for it.
TUNED = [
    (SelectiveClassifierCV(rejection_cost=0.3, cv=3), REJECTION_CHANGES_PREDICT),
    (
        SelectiveClassifierCV(target_coverage=0.9, cv=3),
        {**REJECTION_CHANGES_PREDICT, **TUNING_IGNORES_WEIGHT_EQUIVALENCE},
    ),
    (
        SelectiveClassifierCV(LinearSVC(), rejection_cost=0.2, cv=3),
        {**REJECTION_CHANGES_PREDICT, **TUNING_IGNORES_WEIGHT_EQUIVALENCE},
    ),
    # On check_classifiers_train's easy blobs the risk target is certified
    # with every calibration sample accepted: the threshold is then -inf
    # ("accept everything"), so the check passes and declares nothing.
    (
        SelectiveClassifierCV(target_risk=0.2, cv=0.5, refit=False, random_state=0),
        {
            **TUNING_IGNORES_WEIGHT_EQUIVALENCE,
            **CANNOT_CERTIFY_TINY_DATA,
        },
    ),
]
_TUNED_FAILURES = {id(estimator): failures for estimator, failures in TUNED}


def _expected_failures(estimator):
    if isinstance(estimator, SelectiveClassifierCV):
        return _TUNED_FAILURES[id(estimator)]
    if estimator.threshold is None:
        return {}
    return REJECTION_CHANGES_PREDICT


@parametrize_with_checks(
    NON_REJECTING + REJECTING + [estimator for estimator, _ in TUNED],
    expected_failed_checks=_expected_failures,
)
# On the checks' tiny data sets a risk target often cannot be certified; the
# estimator then warns (and rejects everything), which is the intended answer.
@pytest.mark.filterwarnings("ignore::selective_clf.GuaranteeWarning")
def test_sklearn_common_checks(estimator, check):
    """Each instance passes scikit-learn's common checks."""
    check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_check_estimator_on_default_instance():
    """check_estimator passes on the default SelectiveClassifier, no xfail."""
    check_estimator(SelectiveClassifier())


# -- deferral cascades --------------------------------------------------------

from selective_clf import SelectiveCascade, SelectiveCascadeCV  # noqa: E402

CASCADES_NOT_REJECTING = [
    # The last stage never rejects: every row gets a training class.
    SelectiveCascade(
        [
            ("fast", SelectiveClassifier(LogisticRegression(), threshold=0.8)),
            ("slow", SelectiveClassifier(HistGradientBoostingClassifier(max_iter=10))),
        ]
    ),
    SelectiveCascade(
        [
            # a weak first stage that defers most rows, so that the second
            # stage is fitted on enough rows of every class
            (
                "fast",
                SelectiveClassifier(LogisticRegression(C=1e-4), threshold=0.99),
            ),
            ("slow", SelectiveClassifier(LogisticRegression(C=0.5))),
        ],
        fit_deferred=True,
    ),
]

CASCADES_REJECTING = [
    SelectiveCascade(
        [
            ("fast", SelectiveClassifier(LogisticRegression(), threshold=0.8)),
            ("slow", SelectiveClassifier(LogisticRegression(C=10), threshold=0.6)),
        ]
    ),
    SelectiveCascade(
        [
            ("fast", SelectiveClassifier(LogisticRegression(), threshold=0.9)),
            (
                "inner",
                SelectiveCascade(
                    [("a", SelectiveClassifier(LinearSVC(), threshold=0.5))]
                ),
            ),
        ]
    ),
    SelectiveCascadeCV(
        [
            ("fast", SelectiveClassifier(LogisticRegression())),
            ("slow", SelectiveClassifier(LogisticRegression(C=10))),
        ],
        stage_costs=[0.0, 0.05],
        rejection_cost=0.3,
        cv=3,
        thresholds=5,
    ),
]


# Declared per instance (xfail_strict): on the checks' data the two-stage
# cascade and the tuned one happen to decide every training row (the second
# stage takes what the first rejects), so they pass check_classifiers_train;
# the tuned cascade also passes the weight-equivalence checks there. The
# nested cascade ending in a rejecting LinearSVC stage does reject.
_CASCADE_FAILURES = {
    id(CASCADES_REJECTING[0]): {},
    id(CASCADES_REJECTING[1]): REJECTION_CHANGES_PREDICT,
    id(CASCADES_REJECTING[2]): {},
}


def _cascade_expected_failures(estimator):
    return _CASCADE_FAILURES.get(id(estimator), {})


@parametrize_with_checks(
    CASCADES_NOT_REJECTING + CASCADES_REJECTING,
    expected_failed_checks=_cascade_expected_failures,
)
def test_sklearn_common_checks_cascades(estimator, check):
    """Each cascade passes scikit-learn's common checks."""
    check(estimator)


# -- class-wise tuned thresholds ----------------------------------------------

# As for the scalar cost instance above, the thresholds tuned on repeated and
# on weighted samples coincide on the weight-equivalence check's data.
CLASSWISE = [
    (
        SelectiveClassifierCV(rejection_cost=0.3, cv=3, classwise=True),
        REJECTION_CHANGES_PREDICT,
    ),
]
_CLASSWISE_FAILURES = {id(estimator): failures for estimator, failures in CLASSWISE}


@parametrize_with_checks(
    [estimator for estimator, _ in CLASSWISE],
    expected_failed_checks=lambda estimator: _CLASSWISE_FAILURES[id(estimator)],
)
def test_sklearn_common_checks_classwise(estimator, check):
    """A class-wise tuned instance passes scikit-learn's common checks."""
    check(estimator)


# -- novelty rejection ----------------------------------------------------------

from sklearn.ensemble import IsolationForest  # noqa: E402

# A novelty detector rejects the rows it flags as outliers, whatever the
# threshold; on the checks' small data sets it flags some of them.
NOVELTY_REJECTS_ROWS = {
    "check_classifiers_train": (
        "The novelty detector flags some training rows as outliers; they get "
        "the reject label, which is not a training class, as this check requires."
    ),
    "check_classifiers_classes": (
        "The novelty detector flags some of this check's rows as outliers; they "
        "get the reject label instead of a training class."
    ),
}

NOVELTY = [
    (
        SelectiveClassifier(novelty_detector=IsolationForest(random_state=0)),
        {
            **NOVELTY_REJECTS_ROWS,
            "check_classifiers_one_label_sample_weights": (
                "The detector is fitted on X alone (it takes no sample weights) "
                "and, with contamination='auto', flags 8 of this check's 10 rows "
                "as outliers, so they are rejected rather than given the remaining "
                "class."
            ),
        },
    ),
    (
        # contamination='auto' flags every row of the sample-weight checks'
        # data (4 distinct points, each repeated), which leaves nothing to
        # tune on (a clear error); a set contamination flags a share of them.
        SelectiveClassifierCV(
            rejection_cost=0.3,
            cv=3,
            novelty_detector=IsolationForest(
                n_estimators=10, contamination=0.05, random_state=0
            ),
        ),
        {**NOVELTY_REJECTS_ROWS, **TUNING_IGNORES_WEIGHT_EQUIVALENCE},
    ),
]
_NOVELTY_FAILURES = {id(estimator): failures for estimator, failures in NOVELTY}


@parametrize_with_checks(
    [estimator for estimator, _ in NOVELTY],
    expected_failed_checks=lambda estimator: _NOVELTY_FAILURES[id(estimator)],
)
def test_sklearn_common_checks_novelty(estimator, check):
    """Each instance with a novelty detector passes scikit-learn's common checks."""
    check(estimator)
