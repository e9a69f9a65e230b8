"""Novelty rejection: samples unlike the training data are rejected."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.covariance import EllipticEnvelope
from sklearn.ensemble import IsolationForest
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedShuffleSplit
from sklearn.neighbors import LocalOutlierFactor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM
from sklearn.utils import get_tags

from selective_clf import (
    GuaranteeWarning,
    SelectiveCascade,
    SelectiveCascadeCV,
    SelectiveClassifier,
    SelectiveClassifierCV,
)
from selective_clf.metrics import selective_classification_report

from ._helpers import ProbaColumns

THRESHOLD = 0.6
FAR = 20.0


def gaussians(n_per_class, seed):
    """Two 2-D unit Gaussians centred at (-1, -1) and (1, 1), labels 0 and 1."""
    rng = np.random.default_rng(seed)
    X = np.vstack(
        [rng.normal(-1, 1, (n_per_class, 2)), rng.normal(1, 1, (n_per_class, 2))]
    )
    return X, np.repeat([0, 1], n_per_class)


def far_rows(n, seed):
    """Rows on the circle of radius FAR around the origin, far from the data."""
    angle = np.random.default_rng(seed).uniform(0, 2 * np.pi, n)
    return FAR * np.column_stack([np.cos(angle), np.sin(angle)])


X_TRAIN, Y_TRAIN = gaussians(500, seed=0)
X_TEST, Y_TEST = gaussians(1000, seed=1)
X_FAR = far_rows(2000, seed=2)

# Each detector set to flag about 1% of the training data.
DETECTORS = {
    "isolation_forest": IsolationForest(contamination=0.01, random_state=0),
    "lof": LocalOutlierFactor(novelty=True, contamination=0.01),
    "one_class_svm": OneClassSVM(nu=0.01),
    "elliptic_envelope": EllipticEnvelope(contamination=0.01, random_state=0),
    "scaled_one_class_svm": make_pipeline(StandardScaler(), OneClassSVM(nu=0.01)),
}


class ColumnOutlier(OutlierMixin, BaseEstimator):
    """Outlier detector that flags the rows whose last column is positive."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.where(np.asarray(X)[:, -1] > 0, -1, 1)


class ZeroOneDetector(ColumnOutlier):
    """A detector with the wrong convention: 1 for outliers, 0 for inliers."""

    def predict(self, X):
        return (super().predict(X) == -1).astype(int)


def rejection_rate(clf, X):
    """Fraction of the rows of ``X`` that ``clf`` rejects."""
    return float(np.mean(clf.predict(X) == clf.reject_label_))


def test_far_rows_rejected_with_isolation_forest():
    """IsolationForest rejects >= 95% of far rows; in-distribution rates barely move."""
    plain = SelectiveClassifier(LogisticRegression(), threshold=THRESHOLD)
    plain.fit(X_TRAIN, Y_TRAIN)
    novel = clone(plain).set_params(novelty_detector=DETECTORS["isolation_forest"])
    novel.fit(X_TRAIN, Y_TRAIN)
    far_plain, far_novel = rejection_rate(plain, X_FAR), rejection_rate(novel, X_FAR)
    in_plain, in_novel = rejection_rate(plain, X_TEST), rejection_rate(novel, X_TEST)
    print(
        f"far rows rejected: {far_plain:.3f} -> {far_novel:.3f}; "
        f"in-distribution: {in_plain:.3f} -> {in_novel:.3f}"
    )
    # logistic regression is confident far from its data: the threshold
    # alone accepts almost every far row.
    assert far_plain < 0.05
    assert far_novel >= 0.95
    assert in_novel - in_plain <= 0.03


@pytest.mark.parametrize("name", list(DETECTORS))
def test_every_detector_rejects_what_it_flags(name):
    """predict rejects where the detector flags or the confidence is low."""
    detector = DETECTORS[name]
    clf = SelectiveClassifier(
        LogisticRegression(), threshold=THRESHOLD, novelty_detector=detector
    ).fit(X_TRAIN, Y_TRAIN)
    # independent reference: the two models fitted separately
    base = LogisticRegression().fit(X_TRAIN, Y_TRAIN)
    reference = clone(detector).fit(X_TRAIN)
    X = np.vstack([X_TEST, X_FAR])
    flagged = reference.predict(X) == -1
    unsure = base.predict_proba(X).max(axis=1) < THRESHOLD
    expected = np.where(flagged | unsure, -1, base.predict(X))
    np.testing.assert_array_equal(clf.predict(X), expected)
    assert rejection_rate(clf, X_FAR) >= 0.95
    assert (
        rejection_rate(clf, X_TEST)
        - np.mean(base.predict_proba(X_TEST).max(axis=1) < THRESHOLD)
        <= 0.05
    )


def test_no_threshold_rejects_only_novel_rows():
    """With threshold=None only the rows the detector flags are rejected."""
    detector = DETECTORS["isolation_forest"]
    clf = SelectiveClassifier(LogisticRegression(), novelty_detector=detector)
    clf.fit(X_TRAIN, Y_TRAIN)
    X = np.vstack([X_TEST, X_FAR])
    flagged = clone(detector).fit(X_TRAIN).predict(X) == -1
    base = LogisticRegression().fit(X_TRAIN, Y_TRAIN).predict(X)
    np.testing.assert_array_equal(clf.predict(X), np.where(flagged, -1, base))


def test_without_detector_predict_is_base_predict():
    """threshold=None and novelty_detector=None predict exactly the base's predict."""
    clf = SelectiveClassifier(LogisticRegression()).fit(X_TRAIN, Y_TRAIN)
    base = LogisticRegression().fit(X_TRAIN, Y_TRAIN)
    X = np.vstack([X_TEST, X_FAR])
    np.testing.assert_array_equal(clf.predict(X), base.predict(X))
    assert clf.novelty_detector_ is None
    assert set(clf.rejection_reason(X)) == {"accepted"}


def test_rejection_reason_hand_computed():
    """Each row's reason: novelty first, then low confidence, else accepted."""
    # columns: P(class 0), P(class 1), detector column (> 0 is an outlier)
    X = np.array(
        [
            [0.9, 0.1, -1.0],  # confident, inlier  -> accepted
            [0.55, 0.45, -1.0],  # unsure, inlier    -> low_confidence
            [0.9, 0.1, 1.0],  # confident, outlier  -> novelty
            [0.5, 0.5, 1.0],  # unsure, outlier     -> novelty
        ]
    )
    clf = SelectiveClassifier(
        ProbaColumns(), threshold=THRESHOLD, novelty_detector=ColumnOutlier()
    ).fit(X, [0, 1, 0, 1])
    reason = clf.rejection_reason(X)
    np.testing.assert_array_equal(
        reason, ["accepted", "low_confidence", "novelty", "novelty"]
    )
    np.testing.assert_array_equal(clf.predict(X), [0, -1, -1, -1])
    # the confidence is the model's, whatever the detector says
    np.testing.assert_allclose(clf.confidence_score(X), [0.9, 0.55, 0.9, 0.5])


def test_rejection_reason_agrees_with_predict():
    """rejection_reason is 'accepted' exactly where predict gives a class."""
    clf = SelectiveClassifier(
        LogisticRegression(),
        threshold=THRESHOLD,
        novelty_detector=DETECTORS["isolation_forest"],
    ).fit(X_TRAIN, Y_TRAIN)
    X = np.vstack([X_TEST, X_FAR])
    reason = clf.rejection_reason(X)
    np.testing.assert_array_equal(reason == "accepted", clf.predict(X) != -1)
    assert set(reason) == {"accepted", "low_confidence", "novelty"}


def test_lof_without_novelty_is_refused():
    """LocalOutlierFactor(novelty=False) cannot predict: the error says novelty=True."""
    for detector in (
        LocalOutlierFactor(),
        make_pipeline(StandardScaler(), LocalOutlierFactor()),
    ):
        clf = SelectiveClassifier(novelty_detector=detector)
        with pytest.raises(ValueError, match=r"LocalOutlierFactor\(novelty=True\)"):
            clf.fit(X_TRAIN, Y_TRAIN)
        with pytest.raises(ValueError, match="novelty=True"):
            SelectiveClassifierCV(rejection_cost=0.2, novelty_detector=detector).fit(
                X_TRAIN, Y_TRAIN
            )


@pytest.mark.parametrize(
    "detector, match",
    [
        (LogisticRegression(), "not an outlier detector"),
        (ZeroOneDetector(), "returns 1 for inliers and -1 for outliers"),
        ("isolation_forest", "must be an object implementing 'fit' and 'predict'"),
    ],
)
def test_bad_detector_is_refused(detector, match):
    """A classifier, a detector with 0/1 outputs or a string gives a clear error."""
    clf = SelectiveClassifier(novelty_detector=detector)
    with pytest.raises(ValueError, match=match):
        clf.fit(X_TRAIN, Y_TRAIN).predict(X_TEST)


def test_clone_and_pickle():
    """clone gives an unfitted copy; a pickled model predicts and explains the same."""
    clf = SelectiveClassifier(
        LogisticRegression(),
        threshold=THRESHOLD,
        novelty_detector=DETECTORS["isolation_forest"],
    )
    unfitted = clone(clf.fit(X_TRAIN, Y_TRAIN))
    assert not hasattr(unfitted, "novelty_detector_")
    assert unfitted.get_params()["novelty_detector__contamination"] == 0.01
    restored = pickle.loads(pickle.dumps(clf))
    X = np.vstack([X_TEST, X_FAR])
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    np.testing.assert_array_equal(restored.rejection_reason(X), clf.rejection_reason(X))


def test_in_pipeline():
    """In a Pipeline the detector sees the transformed data, as the base does."""
    scale = 100.0
    pipe = make_pipeline(
        StandardScaler(),
        SelectiveClassifier(
            LogisticRegression(),
            threshold=THRESHOLD,
            novelty_detector=DETECTORS["elliptic_envelope"],
        ),
    ).fit(X_TRAIN * scale, Y_TRAIN)
    scaler = StandardScaler().fit(X_TRAIN * scale)
    flagged = (
        clone(DETECTORS["elliptic_envelope"])
        .fit(scaler.transform(X_TRAIN * scale))
        .predict(scaler.transform(X_FAR * scale))
        == -1
    )
    assert flagged.mean() >= 0.95
    np.testing.assert_array_equal(pipe.predict(X_FAR * scale) == -1, flagged)


def test_grid_search_over_detector_parameters():
    """GridSearchCV searches novelty_detector__contamination."""
    clf = SelectiveClassifier(
        LogisticRegression(),
        threshold=THRESHOLD,
        novelty_detector=IsolationForest(random_state=0),
    )
    search = GridSearchCV(
        clf, {"novelty_detector__contamination": [0.01, 0.3]}, cv=3
    ).fit(X_TRAIN, Y_TRAIN)
    # no test row is novel here: flagging 30% of them only costs rejections
    assert search.best_params_ == {"novelty_detector__contamination": 0.01}
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] > scores[1]
    assert search.best_estimator_.novelty_detector_.contamination == 0.01


def test_dataframe_input_keeps_feature_names():
    """A data frame reaches the detector with its column names, without warnings."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_TRAIN, columns=["a", "b"])
    clf = SelectiveClassifier(
        LogisticRegression(), novelty_detector=DETECTORS["isolation_forest"]
    ).fit(frame, Y_TRAIN)
    far = pd.DataFrame(X_FAR, columns=["a", "b"])
    np.testing.assert_array_equal(clf.novelty_detector_.feature_names_in_, ["a", "b"])
    assert rejection_rate(clf, far) >= 0.95
    cv = SelectiveClassifierCV(
        LogisticRegression(),
        rejection_cost=0.2,
        cv=3,
        novelty_detector=DETECTORS["isolation_forest"],
    ).fit(frame, Y_TRAIN)
    assert rejection_rate(cv, far) >= 0.95


def test_tags_combine_base_and_detector():
    """Sparse input is supported only if both the base and the detector take it."""
    with_forest = SelectiveClassifier(
        LogisticRegression(), novelty_detector=IsolationForest()
    )
    with_envelope = SelectiveClassifier(
        LogisticRegression(), novelty_detector=EllipticEnvelope()
    )
    # what scikit-learn itself says of each (its tags changed across releases)
    base = get_tags(LogisticRegression()).input_tags.sparse
    forest = get_tags(IsolationForest()).input_tags.sparse
    envelope = get_tags(EllipticEnvelope()).input_tags.sparse
    assert get_tags(with_forest).input_tags.sparse == (base and forest)
    assert get_tags(with_envelope).input_tags.sparse == (base and envelope)
    assert not get_tags(with_envelope).input_tags.sparse


# -- SelectiveClassifierCV ----------------------------------------------------


def data_with_far_cluster(seed=0):
    """Two Gaussians plus 10% far rows with random labels (confident errors)."""
    X, y = gaussians(450, seed=seed)
    rng = np.random.default_rng(seed + 100)
    X_far = rng.normal(12, 0.5, (100, 2))
    return np.vstack([X, X_far]), np.concatenate([y, rng.integers(0, 2, 100)])


def conformal_threshold(confidence, target_coverage):
    """The k-th smallest confidence, k = floor((1 - rho)(n + 1)): by hand."""
    k = int(np.floor((1 - target_coverage) * (confidence.shape[0] + 1)))
    return np.sort(confidence)[k - 1]


def test_cv_tunes_on_kept_rows():
    """The threshold is tuned on the validation rows the detector keeps."""
    X, y = data_with_far_cluster()
    detector = IsolationForest(contamination=0.12, random_state=0)
    clf = SelectiveClassifierCV(
        LogisticRegression(),
        target_coverage=0.9,
        cv=0.5,
        refit=False,
        random_state=0,
        novelty_detector=detector,
    ).fit(X, y)
    # brute-force reference on the same split
    split = StratifiedShuffleSplit(n_splits=1, test_size=0.5, random_state=0)
    train, val = next(split.split(X, y))
    base = LogisticRegression().fit(X[train], y[train])
    reference = clone(detector).fit(X[train])
    kept = reference.predict(X[val]) == 1
    confidence = base.predict_proba(X[val]).max(axis=1)
    expected = conformal_threshold(confidence[kept], 0.9)
    assert clf.threshold_ == pytest.approx(expected)
    # tuning on all rows would give another threshold: the test can fail
    assert conformal_threshold(confidence, 0.9) != pytest.approx(expected)
    # coverage_ is over all validation rows, novel ones counted as rejected
    accepted = kept & (confidence >= expected)
    assert clf.coverage_ == pytest.approx(accepted.mean())
    # the detector that predicts is the split's (refit=False)
    np.testing.assert_array_equal(
        clf.novelty_detector_.predict(X), reference.predict(X)
    )
    np.testing.assert_array_equal(
        clf.predict(X) == -1,
        (reference.predict(X) == -1)
        | (base.predict_proba(X).max(axis=1) < clf.threshold_),
    )


def test_cv_refit_refits_detector_on_all_data():
    """With refit=True the final detector is fitted on all the data."""
    X, y = data_with_far_cluster()
    detector = IsolationForest(contamination=0.05, random_state=0)
    clf = SelectiveClassifierCV(
        LogisticRegression(), rejection_cost=0.2, cv=3, novelty_detector=detector
    ).fit(X, y)
    reference = clone(detector).fit(X)
    X_new = np.vstack([X_TEST, X_FAR])
    np.testing.assert_array_equal(
        clf.novelty_detector_.predict(X_new), reference.predict(X_new)
    )
    assert clf.novelty_detector_ is not detector
    assert rejection_rate(clf, X_FAR) >= 0.95


def test_cv_frozen_estimator_takes_a_frozen_detector_as_is():
    """A detector fitted elsewhere (FrozenEstimator) filters, unrefitted."""
    X, y = data_with_far_cluster()
    model = LogisticRegression().fit(X_TRAIN, Y_TRAIN)
    fitted = IsolationForest(contamination=0.1, random_state=0).fit(X_TRAIN)
    clf = SelectiveClassifierCV(
        FrozenEstimator(model),
        target_coverage=0.9,
        novelty_detector=FrozenEstimator(fitted),
    ).fit(X, y)
    kept = fitted.predict(X) == 1
    confidence = model.predict_proba(X).max(axis=1)
    assert clf.threshold_ == pytest.approx(conformal_threshold(confidence[kept], 0.9))
    np.testing.assert_array_equal(
        clf.novelty_detector_.predict(X_FAR), fitted.predict(X_FAR)
    )
    # a frozen detector in SelectiveClassifier is not refitted either
    plain = SelectiveClassifier(model, novelty_detector=FrozenEstimator(fitted))
    plain.fit(X, y)
    np.testing.assert_array_equal(plain.novelty_detector_.predict(X), fitted.predict(X))


def test_cv_frozen_detector_must_be_fitted():
    """An unfitted detector wrapped in FrozenEstimator is a NotFittedError."""
    X, y = data_with_far_cluster()
    model = LogisticRegression().fit(X_TRAIN, Y_TRAIN)
    clf = SelectiveClassifierCV(
        FrozenEstimator(model),
        target_risk=0.1,
        novelty_detector=FrozenEstimator(IsolationForest()),
    )
    with pytest.raises(NotFittedError):
        clf.fit(X, y)


@pytest.mark.parametrize("objective", [{"target_risk": 0.1}, {"target_coverage": 0.9}])
def test_cv_frozen_model_refuses_detector_fitted_on_calibration_rows(objective):
    """A guarantee cannot rest on a detector fitted on the certifying rows."""
    X, y = data_with_far_cluster()
    model = LogisticRegression().fit(X_TRAIN, Y_TRAIN)
    clf = SelectiveClassifierCV(
        FrozenEstimator(model),
        novelty_detector=IsolationForest(contamination=0.1, random_state=0),
        **objective,
    )
    with pytest.raises(ValueError, match="FrozenEstimator\\(detector\\)"):
        clf.fit(X, y)


def test_cv_frozen_estimator_fits_detector_on_calibration_data_for_a_cost():
    """Without a guarantee (rejection_cost) the detector is fitted on all rows."""
    X, y = data_with_far_cluster()
    model = LogisticRegression().fit(X_TRAIN, Y_TRAIN)
    detector = IsolationForest(contamination=0.1, random_state=0)
    clf = SelectiveClassifierCV(
        FrozenEstimator(model), rejection_cost=0.2, novelty_detector=detector
    ).fit(X, y)
    reference = clone(detector).fit(X)
    np.testing.assert_array_equal(
        clf.novelty_detector_.predict(X_FAR), reference.predict(X_FAR)
    )


def test_cv_cv_results_coverage_counts_all_rows():
    """cv_results_ coverage agrees with coverage_ at threshold_, over all rows."""
    X, y = data_with_far_cluster()
    clf = SelectiveClassifierCV(
        LogisticRegression(),
        rejection_cost=0.2,
        cv=3,
        store_cv_results=True,
        novelty_detector=IsolationForest(contamination=0.12, random_state=0),
    ).fit(X, y)
    at = np.flatnonzero(clf.cv_results_["thresholds"] == clf.threshold_)[0]
    assert clf.cv_results_["coverage"][at] == pytest.approx(clf.coverage_)
    # nothing is accepted at "reject everything" and at most the kept share
    # (about 88%) at "accept everything"
    assert clf.cv_results_["coverage"].max() < 0.95


def test_cv_detector_flagging_everything_is_an_error():
    """A detector that flags every validation row leaves nothing to tune on."""
    X = np.column_stack([X_TRAIN, np.ones(X_TRAIN.shape[0])])
    clf = SelectiveClassifierCV(
        LogisticRegression(), rejection_cost=0.2, novelty_detector=ColumnOutlier()
    )
    with pytest.raises(ValueError, match="every out-of-fold sample as an outlier"):
        clf.fit(X, Y_TRAIN)


# -- cascades and the report --------------------------------------------------


def test_cascade_passes_novel_rows_on():
    """A cascade sends the rows a stage's detector flags to the next stage."""
    fast = SelectiveClassifier(
        LogisticRegression(),
        threshold=THRESHOLD,
        novelty_detector=DETECTORS["isolation_forest"],
    )
    slow = SelectiveClassifier(LogisticRegression(C=10))
    X = np.vstack([X_TEST, X_FAR])
    for cascade in (
        SelectiveCascade([("fast", fast), ("slow", slow)]),
        SelectiveCascadeCV(
            [("fast", fast), ("slow", slow)],
            stage_costs=[0.0, 0.05],
            rejection_cost=0.3,
            cv=3,
            thresholds=5,
        ),
    ):
        cascade.fit(X_TRAIN, Y_TRAIN)
        flagged = dict(cascade.stages_)["fast"].novelty_detector_.predict(X) == -1
        assert flagged.sum() > 1000
        assert not (cascade.decided_by(X)[flagged] == 0).any()


def test_report_breaks_rejections_down_by_reason():
    """The report counts the rejections of each reason; they sum to the rejected row."""
    clf = SelectiveClassifier(
        LogisticRegression(),
        threshold=THRESHOLD,
        novelty_detector=DETECTORS["isolation_forest"],
    ).fit(X_TRAIN, Y_TRAIN)
    X = np.vstack([X_TEST, X_FAR[:100]])
    y = np.concatenate([Y_TEST, np.zeros(100, dtype=int)])
    reason = clf.rejection_reason(X)
    y_pred = clf.predict(X)
    report = selective_classification_report(
        y, y_pred, reject_label=-1, rejection_reason=reason, output_dict=True
    )
    n_low, n_novel = (
        int((reason == "low_confidence").sum()),
        int((reason == "novelty").sum()),
    )
    assert report["rejected: low confidence"]["support"] == n_low
    assert report["rejected: novelty"]["support"] == n_novel
    assert n_low + n_novel == report["rejected"]["support"]
    assert report["rejected: novelty"]["rate"] == pytest.approx(n_novel / len(y))
    text = selective_classification_report(
        y, y_pred, reject_label=-1, rejection_reason=reason
    )
    rows = {
        line.strip().rsplit(" ", 1)[0].strip(): line.split()[-1]
        for line in text.splitlines()
        if line.strip()
    }
    assert rows["rejected: novelty"] == str(n_novel)
    assert rows["rejected: low confidence"] == str(n_low)
    plain = selective_classification_report(y, y_pred, reject_label=-1)
    assert "novelty" not in plain
    without = selective_classification_report(
        y, y_pred, reject_label=-1, output_dict=True
    )
    assert set(report) - set(without) == {
        "rejected: low confidence",
        "rejected: novelty",
    }


@pytest.mark.parametrize(
    "reason, match",
    [
        (["accepted", "novelty", "oops"], "must be one of"),
        (["accepted", "accepted", "novelty"], "disagrees with y_pred"),
        (["accepted", "novelty"], "inconsistent numbers of samples"),
    ],
)
def test_report_refuses_bad_reasons(reason, match):
    """Unknown reasons, reasons contradicting y_pred and wrong lengths are refused."""
    with pytest.raises(ValueError, match=match):
        selective_classification_report(
            [0, 1, 1], [0, -1, -1], reject_label=-1, rejection_reason=reason
        )


@pytest.mark.parametrize("classwise", [False, True])
def test_cv_coverage_counts_novel_rows_as_predict_does(classwise):
    """coverage_ is the share predict accepts, with or without classwise."""
    X, y = data_with_far_cluster()
    model = LogisticRegression().fit(X_TRAIN, Y_TRAIN)
    clf = SelectiveClassifierCV(
        FrozenEstimator(model),
        rejection_cost=0.2,
        classwise=classwise,
        novelty_detector=IsolationForest(contamination=0.1, random_state=0),
    ).fit(X, y)
    accepted = clf.predict(X) != clf.reject_label_
    assert clf.coverage_ == pytest.approx(accepted.mean())
    assert clf.risk_ == pytest.approx((clf.predict(X) != y)[accepted].mean())


# -- validity of target_risk with a novelty detector in the loop (slow) -------


def _noisy_rows(n, rng):
    """Logistic labels along x0 plus 3% far rows with coin-flip labels.

    The far rows are confident for a linear model, so errors sit at the top
    of the confidence ranking (an error floor) as well as near 0.5.
    """
    X = rng.normal(0, 1, (n, 2))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-4 * X[:, 0]))).astype(int)
    far = rng.uniform(size=n) < 0.03
    X[far, 0] = rng.normal(2.5, 0.3, far.sum()) * rng.choice([-1, 1], far.sum())
    y[far] = rng.integers(0, 2, far.sum())
    return X, y


def _true_selective_risk(confidence, errors, threshold):
    """Error rate of the population rows accepted at ``threshold`` (0 if none)."""
    accepted = confidence >= threshold
    return float(errors[accepted].mean()) if accepted.any() else 0.0


def _population(model, detector, X_pop, y_pop):
    """Confidence (NaN where the detector flags the row) and errors."""
    confidence = model.predict_proba(X_pop).max(axis=1)
    confidence[detector.predict(X_pop) != 1] = np.nan
    return confidence, model.predict(X_pop) != y_pop


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["frozen_detector", "holdout"])
def test_target_risk_with_a_tight_detector_holds_in_simulation(protocol):
    """A tight OneClassSVM in the loop: the risk of the rows it keeps is certified.

    ``frozen_detector``: a frozen model and a detector fitted on other data
    (``FrozenEstimator(detector)``); ``holdout``: an unfitted model and
    detector trained on half of each draw, certified on the other half
    (``cv=0.5, refit=False``): 1,000 training and 1,000 calibration rows.
    The true selective risk of the accepted rows is measured on 100,000 new
    rows (20,000 for the holdout, whose model changes with each draw). The
    regime is hard: the risk of the kept rows crosses the target near 70% of
    them, and the most confident rows hold errors (about 0.11 above 0.99).
    """
    target, delta, m, reps = 0.06, 0.1, 1000, 300
    rng = np.random.default_rng(0)
    X_train, y_train = _noisy_rows(2000, rng)
    model = LogisticRegression().fit(X_train, y_train)
    detector = OneClassSVM(nu=0.1, gamma=10).fit(X_train[:500])
    X_pop, y_pop = _noisy_rows(
        100_000 if protocol == "frozen_detector" else 20_000, rng
    )
    frozen_population = _population(model, detector, X_pop, y_pop)
    violations, coverages = 0, []
    for _ in range(reps):
        if protocol == "frozen_detector":
            X, y = _noisy_rows(m, rng)
            clf = SelectiveClassifierCV(
                FrozenEstimator(model),
                target_risk=target,
                delta=delta,
                novelty_detector=FrozenEstimator(detector),
            )
        else:
            X, y = _noisy_rows(2 * m, rng)
            clf = SelectiveClassifierCV(
                LogisticRegression(),
                target_risk=target,
                delta=delta,
                cv=0.5,
                refit=False,
                random_state=int(rng.integers(2**31)),
                novelty_detector=OneClassSVM(nu=0.1, gamma=10),
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GuaranteeWarning)
            clf.fit(X, y)
        population = (
            frozen_population
            if protocol == "frozen_detector"
            else _population(clf.estimator_, clf.novelty_detector_, X_pop, y_pop)
        )
        violations += _true_selective_risk(*population, clf.threshold_) > target
        coverages.append(clf.coverage_)
    se = np.sqrt(delta * (1 - delta) / reps)
    assert violations / reps <= delta + 3 * se
    assert np.mean(coverages) > 0.05  # it certifies something, not nothing
