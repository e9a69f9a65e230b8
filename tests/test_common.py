"""scikit-learn's common estimator checks on every public estimator.

One instance per behaviour (``_instances``): each exercises a code path the
others do not (the base's response method, no threshold or a set one, each
objective of SelectiveClassifierCV, refit=False, class-wise thresholds, a
novelty detector, each kind of cascade). Instances that would differ only by
the inner estimator are left out: the checks test the meta-estimator's API,
which does not depend on the model it wraps (the models' own behaviour is
tested in the other test files).
"""

import os

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    parametrize_with_checks,
)

from selective_clf import (
    SelectiveCascade,
    SelectiveCascadeCV,
    SelectiveClassifier,
    SelectiveClassifierCV,
)

# Only checks that by design compare predict with the argmax of the base (or
# require a label from the training classes) may fail on an instance that
# really rejects; each is declared with its reason, as scikit-learn does for
# FixedThresholdClassifier. xfail_strict: a declared failure that passes
# fails the run.

REJECTION_CHANGES_PREDICT = {
    "check_classifiers_train": (
        "Rejecting: predictions include the reject label where the base is "
        "unsure, so they differ from argmax(decision_function/predict_proba) and "
        "are not all training classes, which this check requires (scikit-learn "
        "declares the same failure for FixedThresholdClassifier)."
    ),
}


# The coverage and risk targets count calibration rows: sample_weight reaches
# only the base's fit, so a row repeated 3 times counts 3 times and a row of
# weight 3 once. SelectiveClassifierCV refuses sample_weight with these
# targets outright, so the check fails at its weighted fit.
TARGETS_COUNT_ROWS = {
    f"check_sample_weight_equivalence_on_{kind}_data": (
        "sample_weight is refused with target_risk/target_coverage: "
        "certification counts unweighted i.i.d. rows, so repeated rows and "
        "weighted rows tune different thresholds."
    )
    for kind in ("dense", "sparse")
}

# The check replaces cv by three explicit splits (one group of rows held out
# in turn), which refit=False refuses before any weight is used: it keeps the
# model of a single split. test_refit_false_fails_weight_check_for_its_reason
# pins that reason; test_holdout_weights_equal_repeated_rows checks the
# weights of the refit=False path with a single split.
REFIT_FALSE_REFUSES_CHECK_SPLITS = {
    f"check_sample_weight_equivalence_on_{kind}_data": (
        "The check sets cv to 3 splits, which refit=False refuses (it keeps the "
        "model of a single split), so it fails before using a weight; and "
        "sample_weight is refused with target_risk/target_coverage: "
        "certification counts unweighted i.i.d. rows."
    )
    for kind in ("dense", "sparse")
}

# The other weight checks pass weights in every form and expect a fit (or,
# for one label, an error naming the class): these instances refuse any
# sample_weight with a ValueError saying why (test_tuning pins it).
WEIGHTS_REFUSED = {
    check: (
        "sample_weight is refused with target_risk/target_coverage: "
        "certification counts unweighted i.i.d. rows."
    )
    for check in (
        "check_sample_weights_pandas_series",
        "check_sample_weights_not_an_array",
        "check_sample_weights_list",
        "check_sample_weights_shape",
        "check_sample_weights_not_overwritten",
        "check_classifiers_one_label_sample_weights",
    )
}

CANNOT_CERTIFY_TINY_DATA = {
    "check_classifiers_classes": (
        "On this check's 30-sample data no threshold certifies the risk target, "
        "so the model rejects everything and predicts no training class."
    ),
}

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


def _instances():
    """``(instance, {check: reason it fails})``, one instance per behaviour."""
    # Never rejecting (threshold=None): every check passes, predict is the
    # base's. The default base (LogisticRegression, predict_proba) ...
    yield SelectiveClassifier(), {}
    # ... and a decision_function-only base: check_classifiers_train compares
    # predict with the argmax of decision_function, which only an instance
    # that does not reject can pass.
    yield SelectiveClassifier(LinearSVC()), {}
    # Rejecting, on predict_proba and on a binary decision_function score.
    yield (
        SelectiveClassifier(LogisticRegression(), threshold=0.6),
        (REJECTION_CHANGES_PREDICT),
    )
    yield SelectiveClassifier(LinearSVC(), threshold=0.5), REJECTION_CHANGES_PREDICT
    # Tuned, one instance per objective. The rejection-cost instance takes
    # weights in the base's fit and in the cost, and passes the
    # weight-equivalence checks (the check gives it matching folds).
    yield SelectiveClassifierCV(rejection_cost=0.3, cv=2), REJECTION_CHANGES_PREDICT
    yield (
        SelectiveClassifierCV(target_coverage=0.9, cv=2),
        {**REJECTION_CHANGES_PREDICT, **TARGETS_COUNT_ROWS, **WEIGHTS_REFUSED},
    )
    # The risk target, with refit=False and a holdout split (cv=0.5). On
    # check_classifiers_train's easy blobs the risk target is certified with
    # every calibration sample accepted: the threshold is then -inf ("accept
    # everything"), so the check passes and declares nothing.
    yield (
        SelectiveClassifierCV(target_risk=0.2, cv=0.5, refit=False, random_state=0),
        {
            **REFIT_FALSE_REFUSES_CHECK_SPLITS,
            **WEIGHTS_REFUSED,
            **CANNOT_CERTIFY_TINY_DATA,
        },
    )
    # Class-wise tuned thresholds. As for the scalar cost instance, the
    # thresholds tuned on repeated and on weighted samples coincide on the
    # weight-equivalence check's data.
    yield (
        SelectiveClassifierCV(rejection_cost=0.3, cv=2, classwise=True),
        REJECTION_CHANGES_PREDICT,
    )
    # A novelty detector rejects the rows it flags as outliers, whatever the
    # threshold; on the checks' small data sets it flags some of them.
    yield (
        SelectiveClassifier(
            novelty_detector=IsolationForest(n_estimators=10, random_state=0)
        ),
        {
            **NOVELTY_REJECTS_ROWS,
            "check_classifiers_one_label_sample_weights": (
                "The detector is fitted on X alone (it takes no sample weights) "
                "and, with contamination='auto', flags 6 of this check's 10 rows "
                "as outliers, so they are rejected rather than given the remaining "
                "class."
            ),
        },
    )
    # The detector inside the tuning. contamination='auto' flags every row of
    # the sample-weight checks' data (4 distinct points, each repeated), which
    # leaves nothing to tune on (a clear error); a set contamination flags a
    # share of them.
    yield (
        SelectiveClassifierCV(
            rejection_cost=0.3,
            cv=2,
            novelty_detector=IsolationForest(
                n_estimators=5, contamination=0.05, random_state=0
            ),
        ),
        {
            **NOVELTY_REJECTS_ROWS,
            **{
                f"check_sample_weight_equivalence_on_{kind}_data": (
                    "The novelty detector is fitted on X alone, without the "
                    "weights, so repeated rows change the detector (and the "
                    "rows it rejects) where weighted rows do not."
                )
                for kind in ("dense", "sparse")
            },
        },
    )
    # Cascades. Two stages whose last one never rejects: every row gets a
    # training class.
    yield (
        SelectiveCascade(
            [
                ("fast", SelectiveClassifier(LogisticRegression(), threshold=0.8)),
                ("slow", SelectiveClassifier(LogisticRegression(C=10))),
            ]
        ),
        {},
    )
    # fit_deferred=True, with a weak first stage that defers most rows, so
    # that the second stage is fitted on enough rows of every class.
    yield (
        SelectiveCascade(
            [
                (
                    "fast",
                    SelectiveClassifier(LogisticRegression(C=1e-4), threshold=0.99),
                ),
                ("slow", SelectiveClassifier(LogisticRegression(C=0.5))),
            ],
            fit_deferred=True,
        ),
        {},
    )
    # A nested cascade whose last stage, a rejecting LinearSVC, does reject.
    yield (
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
        REJECTION_CHANGES_PREDICT,
    )
    # The tuned cascade: on the checks' data it decides every training row
    # (the second stage takes what the first rejects), so it passes
    # check_classifiers_train and the weight-equivalence checks.
    yield (
        SelectiveCascadeCV(
            [
                ("fast", SelectiveClassifier(LogisticRegression())),
                ("slow", SelectiveClassifier(LogisticRegression(C=10))),
            ],
            stage_costs=[0.0, 0.05],
            rejection_cost=0.3,
            cv=2,
            thresholds=5,
        ),
        {},
    )


INSTANCES = list(_instances())
_EXPECTED_FAILURES = {id(estimator): failures for estimator, failures in INSTANCES}


@parametrize_with_checks(
    [estimator for estimator, _ in INSTANCES],
    expected_failed_checks=lambda estimator: _EXPECTED_FAILURES[id(estimator)],
)
# On the checks' tiny data sets a risk target often cannot be certified; the
# estimator then warns (and rejects everything), which is the intended answer.
@pytest.mark.filterwarnings("ignore::selective_clf.GuaranteeWarning")
def test_sklearn_common_checks(estimator, check):
    """Each instance passes scikit-learn's common checks."""
    check(estimator)


def test_thread_pools_are_pinned():
    """The root conftest.py pins every BLAS and OpenMP pool to one thread.

    OpenMP reads OMP_NUM_THREADS when scikit-learn's compiled modules load it
    (HistGradientBoosting's among them), so the variable must be set before
    the first import of scikit-learn; a pool with more threads means it was
    set too late.
    """
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import sklearn.ensemble._hist_gradient_boosting.gradient_boosting  # noqa: F401

    if os.environ.get("OMP_NUM_THREADS") != "1":
        pytest.skip("OMP_NUM_THREADS is set by the user")
    pools = threadpoolctl.threadpool_info()
    assert any(pool["user_api"] == "openmp" for pool in pools)
    assert {(pool["internal_api"], pool["num_threads"]) for pool in pools} == {
        (pool["internal_api"], 1) for pool in pools
    }


# -- sample weights on the refit=False (holdout) path ---------------------------


def test_refit_false_fails_weight_check_for_its_reason():
    """The declared failure of the refit=False instance is the one it has.

    scikit-learn's check sets cv to three explicit splits; refit=False refuses
    them before any weight is used (the unweighted fit comes first).
    """
    estimator = next(
        estimator
        for estimator, failures in INSTANCES
        if failures.get("check_sample_weight_equivalence_on_dense_data")
        == REFIT_FALSE_REFUSES_CHECK_SPLITS[
            "check_sample_weight_equivalence_on_dense_data"
        ]
    )
    with pytest.raises(ValueError, match="refit=False keeps the model of a single"):
        check_sample_weight_equivalence_on_dense_data(
            "SelectiveClassifierCV", estimator
        )


def _holdout_data(seed, weights_from):
    """Data, weights and one (train, calibration) split, as rows and repeats."""
    X, y = make_classification(
        n_samples=80, n_features=5, flip_y=0.3, random_state=seed
    )
    sw = np.ones(80)
    sw[40:] = np.random.default_rng(seed).integers(weights_from, 5, size=40)
    repeats = sw.astype(int)
    X_rep, y_rep = X.repeat(repeats, axis=0), y.repeat(repeats)
    weighted = (X, y, sw, [(np.arange(40), np.arange(40, 80))])
    repeated = (X_rep, y_rep, None, [(np.arange(40), np.arange(40, len(y_rep)))])
    return X, weighted, repeated


@pytest.mark.parametrize("rejection_cost", [0.1, 0.2, 0.3])
def test_holdout_weights_equal_repeated_rows(rejection_cost):
    """refit=False, one split: integer weights on the calibration rows equal
    repeating them, threshold and predictions (the path scikit-learn's check
    cannot reach, see above). 10 seeds; most thresholds are finite."""
    n_finite = 0
    for seed in range(10):
        X, weighted, repeated = _holdout_data(seed, weights_from=1)
        fitted = []
        for X_fit, y_fit, sw, cv in (weighted, repeated):
            clf = SelectiveClassifierCV(
                rejection_cost=rejection_cost, cv=cv, refit=False
            )
            fitted.append(clf.fit(X_fit, y_fit, sample_weight=sw))
        assert fitted[0].threshold_ == fitted[1].threshold_
        np.testing.assert_array_equal(fitted[0].predict(X), fitted[1].predict(X))
        n_finite += np.isfinite(fitted[0].threshold_)
    assert n_finite >= 5


def test_holdout_zero_weights_equal_removed_rows():
    """Weights of 0 on calibration rows equal removing those rows."""
    for seed in range(10):
        X, weighted, repeated = _holdout_data(seed, weights_from=0)
        fitted = []
        for X_fit, y_fit, sw, cv in (weighted, repeated):
            clf = SelectiveClassifierCV(rejection_cost=0.1, cv=cv, refit=False)
            fitted.append(clf.fit(X_fit, y_fit, sample_weight=sw))
        assert fitted[0].threshold_ == fitted[1].threshold_
