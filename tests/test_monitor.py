import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special
from sklearn.datasets import load_breast_cancer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from selective_clf import GuaranteeWarning, SelectiveClassifierCV
from selective_clf.monitor import AcceptanceMonitor, RiskMonitor, recertify
from selective_clf.monitor._eprocess import (
    ODDS_RATIOS,
    START_SHIFT,
    ChangeDetector,
    confidence_sequence,
)
from selective_clf.monitor._monitors import dkw_margin

from ._helpers import ProbaColumns


def brute_force_detector(x, r, m):
    """M_t by the definition: a sum over started processes of products."""
    assert START_SHIFT == 10
    rho = np.asarray(ODDS_RATIOS)
    q = rho * r / (1 - r + rho * r)
    values = []
    for t in range(1, len(x) + 1):
        total, started = 0.0, 0.0
        for s in range(1, t + 1, m):  # starts at 1, 1 + m, ...
            i = (s - 1) // m + 1
            w = 11.0 / ((i + 10) * (i + 11))  # weights summing to 1
            started += w
            seg = np.asarray(x[s - 1 : t])
            ratio = np.where(
                seg[None, :], (q / r)[:, None], ((1 - q) / (1 - r))[:, None]
            )
            total += w * np.mean(np.prod(ratio, axis=1))
        values.append(total + 1.0 - started)
    return np.array(values)


@settings(max_examples=15, deadline=None)
@given(
    x=st.lists(st.booleans(), min_size=1, max_size=60),
    cut=st.lists(st.integers(0, 60), max_size=4),
    m=st.integers(1, 9),
)
def test_detector_matches_definition_in_any_batches(x, cut, m):
    """Batched log-space updates equal the sum over starts, whatever the cuts."""
    x = np.array(x)
    expected = brute_force_detector(x, 0.2, m)
    detector = ChangeDetector(0.2, m)
    edges = [0, *sorted(c for c in cut if c < len(x)), len(x)]
    got = np.concatenate(
        [detector.update(x[a:b]) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    )
    np.testing.assert_allclose(got, expected, rtol=1e-9)


@pytest.mark.parametrize("p, expected", [(0.3, "equal"), (0.2, "below")])
def test_detector_is_a_supermartingale_exactly(p, expected):
    """E[M_n] over all 2**8 sequences: 1 at rate = r, below 1 under it."""
    n, r = 8, 0.3
    sequences = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    ones = sequences.sum(axis=1)
    prob = p**ones * (1 - p) ** (n - ones)
    finals = np.array([ChangeDetector(r, 3).update(x)[-1] for x in sequences])
    mean = float(prob @ finals)
    if expected == "equal":
        assert mean == pytest.approx(1.0, rel=1e-9)
    else:
        assert mean < 1.0


def test_detector_edge_rates():
    """A null rate of 1 is never disproved; a rate of 0 by a single one."""
    assert np.all(ChangeDetector(1.0, 10).update(np.ones(5, bool)) == 1.0)
    values = ChangeDetector(0.0, 10).update(np.array([0, 0, 1, 0], bool))
    np.testing.assert_array_equal(values, [1, 1, np.inf, np.inf])


def test_confidence_sequence_is_the_set_below_one_over_alpha():
    """The endpoints bound the rates whose mixture ratio is below 1/alpha."""
    k, n, alpha = 30, 400, 0.05
    lo, hi = confidence_sequence(k, n, alpha)
    grid = np.linspace(1e-4, 1 - 1e-4, 20001)
    log_ratio = (
        special.betaln(k + 0.5, n - k + 0.5)
        - special.betaln(0.5, 0.5)
        - k * np.log(grid)
        - (n - k) * np.log1p(-grid)
    )
    inside = grid[log_ratio < math.log(1 / alpha)]
    assert inside.min() == pytest.approx(lo, abs=1e-4)
    assert inside.max() == pytest.approx(hi, abs=1e-4)
    assert confidence_sequence(0, 0, alpha) == (0.0, 1.0)
    assert confidence_sequence(0, 50, alpha)[0] == 0.0


def test_risk_monitor_alarms_after_a_rise_not_before():
    """3% errors for 6000 rows, then 12%: the alarm comes after the change."""
    rng = np.random.default_rng(1)
    monitor = RiskMonitor(0.05)
    for _ in range(6):
        errors = rng.random(1000) < 0.03
        monitor.update(np.zeros(1000, int), errors.astype(int))
    assert not monitor.alarm_ and monitor.n_seen_ == 6000
    monitor.update(np.zeros(3000, int), (rng.random(3000) < 0.12).astype(int))
    assert monitor.alarm_ and 6000 < monitor.alarm_at_ < 7500
    assert monitor.risk_ == monitor.n_errors_ / 9000
    lo, hi = monitor.risk_interval_
    assert lo < monitor.risk_ < hi


def test_risk_monitor_ignores_rejected_rows():
    """Rejected rows change no count but n_rejected_; same alarm as without them."""
    rng = np.random.default_rng(2)
    y_true = rng.integers(0, 2, 3000)
    y_pred = np.where(rng.random(3000) < 0.1, 1 - y_true, y_true).astype(object)
    rejected = rng.random(3000) < 0.3
    y_pred[rejected] = "reject"
    with_rejects = RiskMonitor(0.05, reject_label="reject").update(y_true, y_pred)
    only_accepted = RiskMonitor(0.05).update(
        y_true[~rejected], y_pred[~rejected].astype(int)
    )
    assert with_rejects.n_rejected_ == rejected.sum()
    assert with_rejects.n_seen_ == only_accepted.n_seen_ == (~rejected).sum()
    assert with_rejects.n_errors_ == only_accepted.n_errors_
    assert with_rejects.alarm_at_ == only_accepted.alarm_at_ is not None


@pytest.mark.parametrize(
    "params, match",
    [
        ({"target_risk": 1.5}, "target_risk must be in"),
        ({"target_risk": 0.1, "alpha": 0}, "alpha must be in"),
        ({"target_risk": 0.1, "restart_every": 0}, "restart_every must be"),
    ],
)
def test_risk_monitor_bad_parameters(params, match):
    """Out-of-range parameters fail at the first update, naming the parameter."""
    with pytest.raises(ValueError, match=match):
        RiskMonitor(**params).update([0], [0])


def test_risk_monitor_bad_inputs():
    """Length mismatch and certificates of other objectives are refused."""
    with pytest.raises(ValueError, match="y_true has 2 labels but y_pred has 3"):
        RiskMonitor(0.1).update([0, 1], [0, 1, 1])
    with pytest.raises(TypeError, match="has no certificate_"):
        RiskMonitor.from_estimator(LogisticRegression())
    with pytest.raises(TypeError, match="expected a Certificate"):
        RiskMonitor.from_certificate({"target": 0.1})


@pytest.fixture(scope="module")
def fitted():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[:200], y[:200])
    clf = SelectiveClassifierCV(
        FrozenEstimator(model), target_risk=0.05, delta=0.1, reject_label=-1
    ).fit(X[200:], y[200:])
    return clf, X, y


def test_monitors_from_estimator_read_the_certificate(fitted):
    """Target, reject label and calibration size come from certificate_."""
    clf, X, y = fitted
    risk = RiskMonitor.from_estimator(clf, alpha=0.1)
    assert (risk.target_risk, risk.reject_label, risk.alpha) == (0.05, -1, 0.1)
    risk.update(y, clf.predict(X))
    accepted = clf.predict(X) != -1
    assert risk.n_seen_ == accepted.sum() and risk.n_rejected_ == (~accepted).sum()
    accept = AcceptanceMonitor.from_estimator(clf)
    assert accept.coverage == clf.coverage_ and accept.n_calibration == 369
    accept.update(clf.predict(X))
    assert accept.n_accepted_ == accepted.sum()
    with pytest.raises(ValueError, match="not for one target_risk"):
        cert = SelectiveClassifierCV(clf.estimator_, rejection_cost=0.1).fit(
            X[200:], y[200:]
        )
        RiskMonitor.from_estimator(cert)


def test_acceptance_range_uses_the_dkw_margin():
    """The range is coverage -/+ the DKW half-width at alpha / 2."""
    monitor = AcceptanceMonitor(0.8, 2000, alpha=0.1).update(rejected=np.zeros(1, bool))
    eps = math.sqrt(math.log(2 / 0.05) / (2 * 2000))
    assert monitor.acceptance_range_ == pytest.approx((0.8 - eps, 0.8 + eps))
    assert dkw_margin(2000, 2, 0.05) == pytest.approx(
        2 * math.sqrt(math.log(4 / 0.05) / 4000)
    )
    exact = AcceptanceMonitor(0.8).update(rejected=np.zeros(1, bool))
    assert exact.acceptance_range_ == (0.8, 0.8)


@pytest.mark.parametrize("rate, direction", [(0.6, "low"), (0.95, "high")])
def test_acceptance_monitor_alarms_on_either_side(rate, direction):
    """A fall or a rise of the acceptance rate raises the alarm, with its side."""
    rng = np.random.default_rng(3)
    monitor = AcceptanceMonitor(0.8, 5000)
    monitor.update(rejected=rng.random(3000) > 0.8)
    assert not monitor.alarm_
    monitor.update(rejected=rng.random(5000) > rate)
    assert monitor.alarm_ and monitor.direction_ == direction
    assert monitor.alarm_at_ > 3000


def test_acceptance_monitor_bad_inputs():
    """Both or neither input, a non-boolean mask, y_pred without a label."""
    monitor = AcceptanceMonitor(0.8, 100)
    with pytest.raises(ValueError, match="exactly one of y_pred and rejected"):
        monitor.update()
    with pytest.raises(TypeError, match="boolean mask"):
        monitor.update(rejected=[0, 1])
    with pytest.raises(ValueError, match="needs a reject_label"):
        monitor.update([0, 1])
    with pytest.raises(ValueError, match="n_calibration must be a positive int"):
        AcceptanceMonitor(0.8, 0).update(rejected=np.ones(2, bool))


def test_recertify_keeps_the_model_and_the_objective(fitted):
    """Same model object, same target and delta; a new target can be given."""
    clf, X, y = fitted
    again = recertify(clf, X[:300], y[:300])
    assert again.estimator_.estimator is clf.estimator_.estimator
    assert (again.target_risk, again.delta, again.reject_label) == (0.05, 0.1, -1)
    assert again.certificate_.n_calibration == 300
    assert again.certificate_.data_hash != clf.certificate_.data_hash
    cost = recertify(clf, X[:300], y[:300], rejection_cost=0.2)
    assert cost.target_risk is None and cost.certificate_.objective == "rejection_cost"


def test_recertify_bad_inputs(fitted):
    """Unfitted estimators and a plain model without an objective are refused."""
    clf, X, y = fitted
    with pytest.raises(ValueError, match="not fitted"):
        recertify(SelectiveClassifierCV(target_risk=0.1), X, y)
    with pytest.raises(ValueError, match="has no classes_"):
        recertify(LogisticRegression(), X, y, target_risk=0.1)
    with pytest.raises(ValueError, match="needs an objective"):
        recertify(clf.estimator_.estimator, X, y)


# -- statistical validity (slow) ---------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_risk_monitor_false_alarm_rate_at_the_boundary(alpha):
    """Risk = target on 1000 streams of 3000 rows: alarms <= alpha + 3 s.e."""
    rng = np.random.default_rng(10)
    n_streams, target = 1000, 0.05
    alarms = 0
    for _ in range(n_streams):
        monitor = RiskMonitor(target, alpha=alpha)
        errors = rng.random(3000) < target
        for batch in np.array_split(errors, 3):
            monitor.update_errors(batch)
        alarms += monitor.alarm_
    rate = alarms / n_streams
    assert rate <= alpha + 3 * math.sqrt(alpha * (1 - alpha) / n_streams)


@pytest.mark.slow
def test_acceptance_monitor_false_alarm_rate():
    """Calibration and stream drawn alike, 1000 times: alarms <= alpha + 3 s.e."""
    rng = np.random.default_rng(11)
    n_streams, alpha, n_cal, rate = 1000, 0.05, 500, 0.7
    alarms = 0
    for _ in range(n_streams):
        coverage = rng.binomial(n_cal, rate) / n_cal
        monitor = AcceptanceMonitor(coverage, n_cal, alpha=alpha)
        monitor.update(rejected=rng.random(3000) > rate)
        alarms += monitor.alarm_
    assert alarms / n_streams <= alpha + 3 * math.sqrt(alpha * (1 - alpha) / n_streams)


@pytest.mark.slow
def test_recertified_threshold_keeps_its_guarantee_after_a_shift():
    """After a shift, re-certifying on fresh rows of the new distribution.

    The true selective risk (computed exactly on the simulated model) exceeds
    the target in at most delta + 3 s.e. of 300 draws, where the old
    threshold exceeds it in about half.
    """
    rng = np.random.default_rng(12)
    n_draws, delta, target, n_cal = 300, 0.1, 0.1, 600

    def draw(n, shift):
        # a binary model whose confidence c is uniform on [0.5, 1]; the
        # prediction is wrong with probability 1 - c, plus `shift` after it
        conf = rng.uniform(0.5, 1.0, n)
        wrong = rng.random(n) < np.minimum(1 - conf + shift, 1.0)
        y = rng.integers(0, 2, n)
        pred = np.where(wrong, 1 - y, y)
        proba = np.column_stack([np.where(pred == 0, conf, 1 - conf)])
        return np.column_stack([proba, 1 - proba]), y

    def true_risk(threshold, shift):
        # accepted: conf >= t; error rate = mean of (1 - c + shift) over [t, 1]
        t = max(threshold, 0.5)
        if t >= 1.0:
            return 0.0
        return min(1 - (t + 1) / 2 + shift, 1.0)

    X0, y0 = draw(200, 0.0)
    model = FrozenEstimator(ProbaColumns().fit(X0, y0))
    violations = stale = 0
    for _ in range(n_draws):
        X_cal, y_cal = draw(n_cal, 0.0)
        X_new, y_new = draw(n_cal, 0.06)  # the errors rise by 6 points
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GuaranteeWarning)  # infeasible draws
            clf = SelectiveClassifierCV(model, target_risk=target, delta=delta)
            again = recertify(clf.fit(X_cal, y_cal), X_new, y_new)
        violations += true_risk(again.threshold_, 0.06) > target
        stale += true_risk(clf.threshold_, 0.06) > target
    rate = violations / n_draws
    assert rate <= delta + 3 * math.sqrt(delta * (1 - delta) / n_draws)
    # the shift matters: the old threshold breaks the target on many draws
    assert stale / n_draws > 0.3  # 0.54 with seed 12
