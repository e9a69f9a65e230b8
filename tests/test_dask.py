"""Tests of selective_clf._dask: calibration and metrics on Dask collections."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from selective_clf import SelectiveClassifierCV
from selective_clf.exceptions import GuaranteeWarning
from selective_clf.metrics import (
    aurc_score,
    coverage_at_risk,
    risk_coverage_curve,
    selective_classification_report,
    selective_risk_upper_bound,
)

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

ATTRIBUTES = (
    "threshold_",
    "best_score_",
    "coverage_",
    "risk_",
    "risk_bound_",
    "best_achievable_risk_",
    "n_features_in_",
)
GRID = np.linspace(0.35, 1.0, 60)


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture(scope="module")
def data():
    """A fitted 3-class model and 2500 calibration rows it never saw."""
    X, y = make_classification(
        3000,
        6,
        n_informative=4,
        n_classes=3,
        random_state=0,
        flip_y=0.05,
        class_sep=2.0,
    )
    model = LogisticRegression(max_iter=300).fit(X[:500], y[:500])
    return model, X[500:], y[500:]


def assert_same_fit(expected, got):
    """Every fitted attribute of ``got`` equals that of ``expected``."""
    for name in ATTRIBUTES:
        assert hasattr(got, name) == hasattr(expected, name), name
        if hasattr(expected, name):
            np.testing.assert_array_equal(getattr(got, name), getattr(expected, name))
    assert got.estimator_ is expected.estimator_ or (
        got.estimator_.estimator is expected.estimator_.estimator
    )
    # the same certificate, but for the hash of the data (a Dask collection
    # is hashed through its task graph, not by reading its rows again)
    got_cert, expected_cert = (
        got.certificate_.to_dict(),
        expected.certificate_.to_dict(),
    )
    assert got_cert.pop("data_hash") != expected_cert.pop("data_hash")
    assert got_cert == expected_cert
    if hasattr(expected, "cv_results_"):
        assert got.cv_results_.keys() == expected.cv_results_.keys()
        for key, value in expected.cv_results_.items():
            np.testing.assert_array_equal(got.cv_results_[key], value)


def fit_both(model, X, y, X_dask, y_dask, **params):
    """Fit in memory and on Dask; return both (warnings must match too)."""
    with warnings.catch_warnings(record=True) as memory_warnings:
        warnings.simplefilter("always")
        expected = SelectiveClassifierCV(FrozenEstimator(model), **params).fit(X, y)
    with warnings.catch_warnings(record=True) as dask_warnings:
        warnings.simplefilter("always")
        got = SelectiveClassifierCV(FrozenEstimator(model), **params).fit(
            X_dask, y_dask
        )
    assert [type(w.message) for w in dask_warnings] == [
        type(w.message) for w in memory_warnings
    ]
    return expected, got


def test_import_does_not_import_dask():
    """Importing selective_clf (and its metrics) leaves Dask unimported."""
    code = (
        "import sys, selective_clf, selective_clf.metrics, selective_clf.certify;"
        "print('dask' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "params",
    [
        {"target_risk": 0.1},
        {"rejection_cost": 0.2, "store_cv_results": True},
        {"target_coverage": 0.8, "store_cv_results": True},
        {"target_risk": 0.2, "classwise": True},
        {"rejection_cost": 0.2, "classwise": True},
        {"target_coverage": 0.8, "classwise": True},
        {"target_risk": 0.1, "thresholds": GRID, "store_cv_results": True},
        {"target_risk": 0.2, "thresholds": GRID, "classwise": True},
        {"target_risk": 0.1, "thresholds": GRID, "method": "ltt"},
        {"target_risk": 0.1, "cv": 0.3, "refit": False},  # no part for frozen
    ],
)
def test_dask_array_fit_equals_in_memory(data, params):
    """On a Dask array every fitted attribute is the in-memory one.

    With a thresholds grid and target_risk, the counts on the grid (bounded
    memory) give the same threshold, bound, coverage and risk as the per-row
    path on the same grid.
    """
    model, X, y = data
    X_dask = da.from_array(X, chunks=(700, 3))  # row and column chunks
    y_dask = da.from_array(y, chunks=900)  # other row chunks: realigned
    expected, got = fit_both(model, X, y, X_dask, y_dask, **params)
    assert_same_fit(expected, got)


def test_dask_dataframe_fit_equals_in_memory(data):
    """A Dask DataFrame and Series (string labels) give the pandas fit."""
    model, X, y = data
    y = np.array(["cat", "dog", "eel"])[y]
    columns = [f"f{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    model = LogisticRegression(max_iter=300).fit(frame.iloc[:300], y[:300])
    X_dask = dd.from_pandas(frame, npartitions=3)
    y_dask = dd.from_pandas(pd.Series(y), npartitions=3)
    for params in ({"target_risk": 0.1}, {"target_risk": 0.1, "thresholds": GRID}):
        expected, got = fit_both(model, frame, y, X_dask, y_dask, **params)
        assert_same_fit(expected, got)
        np.testing.assert_array_equal(got.feature_names_in_, columns)


@pytest.mark.parametrize(
    "params",
    [
        {"target_risk": 0.15},
        {"rejection_cost": 0.2},
        {"target_risk": 0.25, "classwise": True},
    ],
)
def test_sensitive_features_on_dask_equal_in_memory(data, params):
    """Groups on Dask (a Dask Series or numpy): the in-memory group fit."""
    model, X, y = data
    rng = np.random.default_rng(0)
    groups = rng.choice(["a", "b", "c"], size=y.shape[0], p=[0.5, 0.3, 0.2])
    expected = SelectiveClassifierCV(FrozenEstimator(model), **params).fit(
        X, y, sensitive_features=groups
    )
    X_dask = da.from_array(X, chunks=(700, 6))
    for sensitive in (groups, dd.from_pandas(pd.Series(groups), npartitions=3)):
        got = SelectiveClassifierCV(FrozenEstimator(model), **params).fit(
            X_dask, da.from_array(y, chunks=700), sensitive_features=sensitive
        )
        assert_same_fit(expected, got)
        for name in (
            "groups_",
            "group_n_calibration_",
            "group_coverage_",
            "group_risk_",
            "group_risk_bound_",
        ):
            assert hasattr(got, name) == hasattr(expected, name), name
            if hasattr(expected, name):
                np.testing.assert_array_equal(
                    getattr(got, name), getattr(expected, name)
                )


def test_sensitive_features_refused_in_counts_mode(data):
    """Counts on a grid are not split by group: a clear error, no silent marginal."""
    model, X, y = data
    with pytest.raises(ValueError, match="sensitive_features with target_risk"):
        SelectiveClassifierCV(
            FrozenEstimator(model), target_risk=0.1, thresholds=GRID
        ).fit(
            da.from_array(X, chunks=(700, 6)),
            da.from_array(y, chunks=700),
            sensitive_features=np.zeros(y.shape[0]),
        )


def test_dask_sample_weight_and_numpy_y(data):
    """rejection_cost takes Dask weights; y may stay in memory for a Dask array."""
    model, X, y = data
    weight = np.random.default_rng(0).uniform(0.5, 2, size=y.shape[0])
    expected = SelectiveClassifierCV(FrozenEstimator(model), rejection_cost=0.3).fit(
        X, y, sample_weight=weight
    )
    got = SelectiveClassifierCV(FrozenEstimator(model), rejection_cost=0.3).fit(
        da.from_array(X, chunks=600), y, sample_weight=da.from_array(weight, 500)
    )
    assert_same_fit(expected, got)


def test_infeasible_target_on_counts(data):
    """An infeasible target on counts warns as in memory; achievable on the grid."""
    model, X, y = data
    expected, got = fit_both(
        model,
        X,
        y,
        da.from_array(X, chunks=700),
        da.from_array(y, chunks=700),
        target_risk=0.001,
        thresholds=GRID,
    )
    assert got.threshold_ == expected.threshold_ == np.inf
    assert got.coverage_ == 0.0 and np.isnan(got.risk_bound_)
    # the smallest target certified on the grid (not on every distinct value)
    assert 0 < got.best_achievable_risk_ < 1
    clf = SelectiveClassifierCV(
        FrozenEstimator(model), target_risk=got.best_achievable_risk_, thresholds=GRID
    ).fit(da.from_array(X, chunks=700), da.from_array(y, chunks=700))
    assert np.isfinite(clf.threshold_)


def test_int_thresholds_grid_from_confidences(data):
    """An int gives quantiles of the confidences from a first pass."""
    model, X, y = data
    clf = SelectiveClassifierCV(
        FrozenEstimator(model), target_risk=0.1, thresholds=50, store_cv_results=True
    ).fit(da.from_array(X, chunks=500), da.from_array(y, chunks=500))
    confidence = model.predict_proba(X).max(axis=1)
    grid = clf.cv_results_["thresholds"]
    assert 40 <= grid.shape[0] <= 51
    # a quantile grid: each step holds about 2% of the confidences
    share = np.diff(np.searchsorted(np.sort(confidence), grid)) / confidence.shape[0]
    assert share.max() < 0.05
    assert clf.threshold_ in grid
    # same result as in memory on that grid
    expected = SelectiveClassifierCV(
        FrozenEstimator(model), target_risk=0.1, thresholds=grid
    ).fit(X, y)
    assert clf.threshold_ == expected.threshold_


def test_progress_bar_sees_the_computation(data, capsys):
    """dask.diagnostics.ProgressBar reports the calibration (local scheduler)."""
    from dask.diagnostics import ProgressBar

    model, X, y = data
    with ProgressBar(minimum=0):
        SelectiveClassifierCV(FrozenEstimator(model), target_risk=0.1).fit(
            da.from_array(X, chunks=1000), da.from_array(y, chunks=1000)
        )
    assert "100%" in capsys.readouterr().out


def test_refusals(data):
    """What is not supported on Dask fails before any computation, saying why."""
    model, X, y = data
    X_dask, y_dask = da.from_array(X, chunks=700), da.from_array(y, chunks=700)
    with pytest.raises(TypeError, match="Train the model on a sample"):
        SelectiveClassifierCV(LogisticRegression(), target_risk=0.1).fit(X_dask, y_dask)
    with pytest.raises(TypeError, match="unfitted LogisticRegression"):
        SelectiveClassifierCV(
            FrozenEstimator(LogisticRegression()), target_risk=0.1
        ).fit(X_dask, y_dask)
    frozen = FrozenEstimator(model)
    with pytest.raises(ValueError, match="scoring is not supported"):
        SelectiveClassifierCV(frozen, scoring="accuracy").fit(X_dask, y_dask)
    with pytest.raises(ValueError, match="novelty_detector is not supported"):
        SelectiveClassifierCV(
            frozen, target_risk=0.1, novelty_detector=LogisticRegression()
        ).fit(X_dask, y_dask)
    with pytest.raises(ValueError, match="method='sgr' needs every per-row"):
        SelectiveClassifierCV(
            frozen, target_risk=0.1, method="sgr", thresholds=GRID
        ).fit(X_dask, y_dask)
    with pytest.raises(ValueError, match="sample_weight cannot be used"):
        SelectiveClassifierCV(frozen, target_risk=0.1).fit(
            X_dask, y_dask, sample_weight=da.ones(y.shape[0], chunks=700)
        )
    with pytest.raises(TypeError, match="pass X as a Dask array"):
        SelectiveClassifierCV(frozen, target_risk=0.1).fit(X, y_dask)
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=3)
    with pytest.raises(TypeError, match="as a Dask Series with the same partitions"):
        SelectiveClassifierCV(frozen, target_risk=0.1).fit(frame, y)
    series = dd.from_pandas(pd.Series(y), npartitions=2)
    with pytest.raises(ValueError, match="X has 3 partitions but y has 2"):
        SelectiveClassifierCV(frozen, target_risk=0.1).fit(frame, series)
    with pytest.raises(TypeError, match="must be a Dask array or a Dask DataFrame"):
        SelectiveClassifierCV(frozen, target_risk=0.1).fit(
            dd.from_pandas(pd.Series(X[:, 0]), npartitions=3), series
        )
    with pytest.raises(ValueError, match="y has 2499 rows but X has 2500"):
        SelectiveClassifierCV(frozen, target_risk=0.1).fit(X_dask, y_dask[1:])
    with pytest.raises(ValueError, match="must be 1-D"):
        SelectiveClassifierCV(frozen, target_risk=0.1).fit(
            X_dask, da.stack([y_dask, y_dask], axis=1)
        )


def test_misaligned_partitions_fail_clearly(data):
    """Partitions of X and y with other lengths are an error, not a silent mix."""
    model, X, y = data
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=2)
    # the same number of partitions, cut at other rows
    series = dd.from_pandas(pd.Series(y), npartitions=1).repartition(
        divisions=[0, 500, y.shape[0] - 1]
    )
    with pytest.raises(ValueError, match="same partitions"):
        SelectiveClassifierCV(FrozenEstimator(model), target_risk=0.1).fit(
            frame, series
        )


def test_other_estimators_refuse_dask(data):
    """SelectiveClassifier refuses Dask collections instead of gathering them."""
    from selective_clf import SelectiveCascade, SelectiveClassifier

    model, X, y = data
    with pytest.raises(TypeError, match="does not fit on Dask collections"):
        SelectiveClassifier(FrozenEstimator(model), threshold=0.5).fit(
            X, da.from_array(y, chunks=700)
        )
    # a Dask X with labels in memory: predict would gather X, so fit refuses
    X_dask = da.from_array(X, chunks=700)
    cascade = SelectiveCascade(
        [("only", SelectiveClassifier(FrozenEstimator(model), threshold=0.5))]
    )
    for estimator in (SelectiveClassifier(FrozenEstimator(model)), cascade):
        name = type(estimator).__name__
        with pytest.raises(TypeError, match=f"{name} does not fit on Dask"):
            estimator.fit(X_dask, y)


def test_metrics_accept_dask_arrays(data):
    """The metrics compute 1-D Dask inputs themselves; same values as numpy."""
    model, X, y = data
    y_pred = model.predict(X)
    confidence = model.predict_proba(X).max(axis=1)
    lazy = [da.from_array(a, chunks=700) for a in (y, y_pred, confidence)]
    for metric in (risk_coverage_curve, aurc_score):
        expected, got = metric(y, y_pred, confidence), metric(*lazy)
        for e, g in zip(np.atleast_1d(expected), np.atleast_1d(got), strict=True):
            np.testing.assert_array_equal(g, e)
    assert coverage_at_risk(*lazy, 0.1) == coverage_at_risk(y, y_pred, confidence, 0.1)
    assert selective_risk_upper_bound(*lazy, 0.8) == selective_risk_upper_bound(
        y, y_pred, confidence, 0.8
    )
    rejected = np.where(confidence >= 0.8, y_pred, -1)
    assert selective_classification_report(
        lazy[0], da.from_array(rejected, chunks=700), reject_label=-1
    ) == selective_classification_report(y, rejected, reject_label=-1)


def test_guarantee_warning_on_counts_classwise(data):
    """A class the grid cannot certify is rejected with a GuaranteeWarning."""
    model, X, y = data
    with pytest.warns(GuaranteeWarning, match="Class"):
        clf = SelectiveClassifierCV(
            FrozenEstimator(model),
            target_risk=[0.2, 0.2, 0.001],
            classwise=True,
            thresholds=GRID,
        ).fit(da.from_array(X, chunks=700), da.from_array(y, chunks=700))
    assert clf.threshold_[2] == np.inf and np.isfinite(clf.threshold_[:2]).all()


def test_column_vector_y_warns_as_in_memory(data):
    """A (n, 1) Dask y is raveled with scikit-learn's DataConversionWarning."""
    from sklearn.exceptions import DataConversionWarning

    model, X, y = data
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        got = SelectiveClassifierCV(FrozenEstimator(model), target_risk=0.1).fit(
            da.from_array(X, chunks=700), da.from_array(y[:, None], chunks=700)
        )
    expected = SelectiveClassifierCV(FrozenEstimator(model), target_risk=0.1).fit(X, y)
    assert_same_fit(expected, got)


def test_cascades_refuse_dask(data):
    """The cascades refuse Dask collections (X or y) instead of gathering them."""
    from selective_clf import SelectiveCascade, SelectiveCascadeCV, SelectiveClassifier

    model, X, y = data
    stages = [
        ("a", SelectiveClassifier(FrozenEstimator(model))),
        ("b", SelectiveClassifier(FrozenEstimator(model))),
    ]
    with pytest.raises(TypeError, match="does not fit on Dask collections"):
        SelectiveCascadeCV(stages, rejection_cost=0.2).fit(
            da.from_array(X, chunks=700), y
        )
    with pytest.raises(TypeError, match="does not fit on Dask collections"):
        SelectiveCascade(stages).fit(X, da.from_array(y, chunks=700))
