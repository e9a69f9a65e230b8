import pickle
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_breast_cancer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from selective_clf import Certificate, GuaranteeWarning, SelectiveClassifierCV
from selective_clf._certificate import coverage_interval, hash_data


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[:200], y[:200])
    return model, X[200:], y[200:]


@pytest.fixture(scope="module")
def certified(data):
    model, X, y = data
    return SelectiveClassifierCV(
        FrozenEstimator(model), target_risk=0.05, delta=0.1
    ).fit(X, y)


def test_certificate_reads_the_fitted_attributes(certified, data):
    """Every field agrees with the estimator and with hand counts."""
    _, X, y = data
    cert = certified.certificate_
    assert cert.objective == "target_risk" and cert.target == 0.05
    assert cert.delta == 0.1 and cert.method == "ltt_graph"
    assert cert.protocol == "frozen" and cert.guarantee_holds
    assert cert.n_calibration == 369
    accepted = certified.predict(X) != certified.reject_label_
    assert cert.n_accepted == accepted.sum()
    assert cert.coverage == pytest.approx(accepted.mean())
    assert cert.threshold == certified.threshold_
    assert cert.risk_bound == pytest.approx(certified.risk_bound_)
    assert cert.risk_bound <= 0.05 and cert.feasible
    assert cert.best_achievable_risk is None
    assert cert.classes == (0, 1)
    assert cert.data_hash == hash_data(X, y)
    assert cert.coverage_level == 0.9


def test_coverage_interval_is_two_sided_clopper_pearson():
    """Against scipy's beta quantiles (the textbook Clopper–Pearson form)."""
    lo, hi = coverage_interval(70, 100, 0.9)
    assert lo == pytest.approx(stats.beta.ppf(0.05, 70, 31))
    assert hi == pytest.approx(stats.beta.ppf(0.95, 71, 30))
    assert coverage_interval(0, 50, 0.9)[0] == 0.0
    assert coverage_interval(50, 50, 0.9)[1] == 1.0


@pytest.mark.parametrize(
    "params, protocol, holds",
    [
        ({"cv": 0.5, "refit": False, "random_state": 0}, "holdout", True),
        ({"cv": 3}, "cross-fitted", False),
    ],
)
def test_protocol_of_trained_models(data, params, protocol, holds):
    """A kept holdout split is 'holdout'; k-fold with refit is 'cross-fitted'."""
    _, X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GuaranteeWarning)
        clf = SelectiveClassifierCV(
            make_pipeline(StandardScaler(), LogisticRegression()),
            target_risk=0.1,
            **params,
        ).fit(X, y)
    cert = clf.certificate_
    assert cert.protocol == protocol and cert.guarantee_holds is holds
    assert cert.n_calibration == (185 if protocol == "holdout" else 369)


def test_round_trips_through_dict_json_and_pickle(certified):
    """to_dict/to_json and pickle give back an equal certificate."""
    cert = certified.certificate_
    assert Certificate.from_dict(cert.to_dict()) == cert
    assert Certificate.from_json(cert.to_json(indent=2)) == cert
    assert pickle.loads(pickle.dumps(cert)) == cert
    assert pickle.loads(pickle.dumps(certified)).certificate_ == cert


def test_infeasible_and_classwise_round_trip(data):
    """inf thresholds, None bounds and per-class tuples survive JSON."""
    _, X, y = data
    with pytest.warns(GuaranteeWarning):
        clf = SelectiveClassifierCV(FrozenEstimator(data[0]), target_risk=0.001).fit(
            X, y
        )
    cert = clf.certificate_
    assert not cert.feasible and cert.threshold == np.inf
    assert cert.best_achievable_risk > 0.001
    assert "INFEASIBLE" in str(cert)
    assert Certificate.from_json(cert.to_json()) == cert
    clf = SelectiveClassifierCV(
        FrozenEstimator(data[0]), target_risk=0.1, classwise=True
    ).fit(X, y)
    cert = clf.certificate_
    assert isinstance(cert.threshold, tuple) and len(cert.threshold) == 2
    assert Certificate.from_json(cert.to_json()) == cert
    assert "classes [0, 1]" in str(cert)


def test_other_objectives_have_no_risk_fields(data):
    """rejection_cost: no delta, method or bound; no guarantee claimed."""
    _, X, y = data
    clf = SelectiveClassifierCV(FrozenEstimator(data[0]), rejection_cost=0.2).fit(X, y)
    cert = clf.certificate_
    assert cert.delta is None and cert.method is None and cert.risk_bound is None
    assert not cert.guarantee_holds and "risk bound" not in str(cert)
    assert Certificate.from_json(cert.to_json()) == cert


def test_hash_data_sees_values_order_and_kinds():
    """A changed value, a reordered row or a dtype change changes the hash."""
    pd = pytest.importorskip("pandas")
    from scipy import sparse

    X = np.arange(12.0).reshape(4, 3)
    y = np.array(["a", "b", "a", "b"], dtype=object)
    base = hash_data(X, y)
    assert base == hash_data(X.copy(), y.copy())
    assert base != hash_data(X[::-1], y)
    assert base != hash_data(X.astype(np.float32), y)
    frame = pd.DataFrame(X, columns=["u", "v", "w"])
    assert hash_data(frame, y) == hash_data(frame.copy(), y)
    assert hash_data(frame, y) != hash_data(frame.rename(columns={"u": "z"}), y)
    assert hash_data(sparse.csr_matrix(X), y) == hash_data(sparse.csc_matrix(X), y)


def test_from_dict_refuses_other_dicts(certified):
    """A dict that is not a certificate fails with the missing fields named."""
    with pytest.raises(ValueError, match="fields .*'threshold'.* are missing"):
        Certificate.from_dict({"model": "x"})
    data = certified.certificate_.to_dict() | {"extra": 1}
    with pytest.raises(ValueError, match="unknown fields \\['extra'\\]"):
        Certificate.from_dict(data)


def test_saves_with_skops(certified, tmp_path):
    """The estimator and its certificate save and load with skops."""
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "model.skops"
    sio.dump(certified, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    assert loaded.certificate_ == certified.certificate_


def test_cascade_certificate_describes_each_stage(data, capsys):
    """SelectiveCascadeCV carries a certificate_, describing each stage."""
    from selective_clf import SelectiveCascadeCV, SelectiveClassifier

    model, X, y = data
    cascade = SelectiveCascadeCV(
        [
            ("first", SelectiveClassifier(FrozenEstimator(model))),
            (
                "second",
                SelectiveClassifier(FrozenEstimator(model), confidence="margin"),
            ),
        ],
        rejection_cost=0.3,
        thresholds=5,
        cv=0.5,
        refit=False,
        random_state=0,
        verbose=1,
    ).fit(X, y)
    cert = cascade.certificate_
    assert "[SelectiveCascadeCV]" in capsys.readouterr().out
    assert cert.model == "cascade of LogisticRegression, LogisticRegression"
    assert cert.confidence == "max_proba, margin"
    assert cert.threshold == tuple(cascade.thresholds_)
    # frozen stages: every row calibrates, whatever cv says
    assert cert.objective == "rejection_cost" and cert.n_calibration == len(y)
    assert cert.protocol == "frozen" and cert.n_accepted == round(
        cascade.coverage_ * len(y)
    )
    assert Certificate.from_json(cert.to_json()) == cert
    assert Certificate.from_json(cert.to_json()) == cert
