"""Tests for the selective-classification metrics.

The curve metrics are checked against brute-force references written here
independently: a Python loop over each distinct threshold ``t`` that builds
the mask ``confidence >= t`` and computes coverage and risk directly.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import accuracy_score, roc_auc_score

from selective_clf.metrics import (
    augrc_score,
    aurc_score,
    coverage_at_risk,
    coverage_score,
    e_aurc_score,
    rejection_cost_loss,
    risk_at_coverage,
    risk_coverage_curve,
    selective_accuracy_score,
    selective_classification_report,
    selective_risk_score,
)

# ---------------------------------------------------------------------------
# Brute-force references (deliberately naive: loops and explicit masks)
# ---------------------------------------------------------------------------


def _weights(n, sample_weight):
    return np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)


def brute_curve(y_true, y_pred, confidence, sample_weight=None):
    """Coverage, risk and thresholds, one point per distinct confidence."""
    y_true, y_pred = list(y_true), list(y_pred)
    confidence = [float(c) for c in confidence]
    w = _weights(len(confidence), sample_weight)
    total = sum(w)
    thresholds = sorted(set(confidence))
    coverage, risk = [], []
    for t in thresholds:
        accepted = [i for i, c in enumerate(confidence) if c >= t]
        w_accepted = sum(w[i] for i in accepted)
        w_errors = sum(w[i] for i in accepted if y_true[i] != y_pred[i])
        coverage.append(w_accepted / total)
        risk.append(w_errors / w_accepted)
    return np.array(coverage), np.array(risk), np.array(thresholds)


def brute_aurc(y_true, y_pred, confidence, sample_weight=None):
    coverage, risk, _ = brute_curve(y_true, y_pred, confidence, sample_weight)
    coverage, risk = coverage[::-1], risk[::-1]  # increasing coverage
    area = coverage[0] * risk[0]  # flat extension down to coverage 0
    for k in range(1, len(coverage)):
        area += (coverage[k] - coverage[k - 1]) * (risk[k] + risk[k - 1]) / 2
    return area


def brute_augrc(y_true, y_pred, confidence, sample_weight=None):
    coverage, risk, _ = brute_curve(y_true, y_pred, confidence, sample_weight)
    coverage, risk = coverage[::-1], risk[::-1]
    generalized = coverage * risk  # accepted errors / total
    area, previous_c, previous_g = 0.0, 0.0, 0.0
    for c, g in zip(coverage, generalized, strict=True):
        area += (c - previous_c) * (g + previous_g) / 2
        previous_c, previous_g = c, g
    return area


def brute_e_aurc(y_true, y_pred, confidence, sample_weight=None):
    """AURC minus the AURC of an explicit perfect strict ranking."""
    n = len(confidence)
    w = _weights(n, sample_weight)
    wrong = [i for i in range(n) if y_true[i] != y_pred[i]]
    correct = [i for i in range(n) if y_true[i] == y_pred[i]]
    # Distinct confidences: correct samples on top, then the errors by
    # decreasing weight (stable, ties of weights keep any order).
    wrong.sort(key=lambda i: -w[i])
    perfect = np.empty(n)
    for rank, i in enumerate(correct):
        perfect[i] = 2.0 * n + rank
    for rank, i in enumerate(wrong):
        perfect[i] = float(n - rank)
    optimal = brute_aurc(y_true, y_pred, perfect, sample_weight)
    return brute_aurc(y_true, y_pred, confidence, sample_weight) - optimal


def brute_risk_at_coverage(y_true, y_pred, confidence, target, sample_weight=None):
    coverage, risk, _ = brute_curve(y_true, y_pred, confidence, sample_weight)
    for c, r in zip(
        coverage[::-1], risk[::-1], strict=True
    ):  # from the largest threshold
        if c >= target:
            return r
    raise AssertionError("coverage 1 is always reached")


def brute_coverage_at_risk(y_true, y_pred, confidence, target, sample_weight=None):
    coverage, risk, _ = brute_curve(y_true, y_pred, confidence, sample_weight)
    admissible = [c for c, r in zip(coverage, risk, strict=True) if r <= target]
    return max(admissible) if admissible else 0.0


def geifman_aurc(y_true, y_pred, confidence):
    """Mean over k of the risk of the k most confident samples."""
    order = np.argsort(-np.asarray(confidence), kind="stable")
    errors = (np.asarray(y_true) != np.asarray(y_pred))[order]
    risks = [errors[: k + 1].mean() for k in range(len(order))]
    return float(np.mean(risks)), risks


def random_data(seed, n=300, n_classes=3, decimals=1, weighted=False):
    """Random labels and tied confidences (rounded), with optional weights."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, n_classes, n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, n_classes, n))
    confidence = rng.normal(size=n)
    if decimals is not None:
        confidence = np.round(confidence, decimals)
    weight = rng.uniform(0.1, 3.0, n) if weighted else None
    return y_true, y_pred, confidence, weight


# ---------------------------------------------------------------------------
# Hypothesis strategies
# ---------------------------------------------------------------------------

_TIE_PRONE = st.sampled_from([-2.0, -0.5, -0.0, 0.0, 0.25, 0.5, 1.0, np.inf])
_CONFIDENCE = _TIE_PRONE | st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def selective_samples(draw, weighted=False):
    n = draw(st.integers(1, 30))
    labels = st.integers(0, 2)
    y_true = draw(arrays(np.int64, n, elements=labels))
    y_pred = draw(arrays(np.int64, n, elements=labels))
    confidence = draw(arrays(np.float64, n, elements=_CONFIDENCE))
    weight = None
    if weighted:
        weight = draw(arrays(np.float64, n, elements=st.floats(0.01, 100.0)))
    return y_true, y_pred, confidence, weight


_HYPOTHESIS = settings(max_examples=60, deadline=None)

AREA_METRICS = [
    (aurc_score, brute_aurc),
    (e_aurc_score, brute_e_aurc),
    (augrc_score, brute_augrc),
]
CURVE_METRICS = [risk_coverage_curve, aurc_score, e_aurc_score, augrc_score]


def _flat(result):
    """Concatenate a curve tuple, or wrap a scalar, into one 1d array."""
    if isinstance(result, tuple):
        return np.concatenate(result)
    return np.array([result])


def _assert_curves_equal(actual, expected):
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------
# Label-based metrics: hand-computed examples
# ---------------------------------------------------------------------------

Y_TRUE = [0, 1, 1, 0, 1, 0]
Y_PRED = [0, 0, -1, 0, -1, 1]  # 2 rejected, 4 accepted of which 2 wrong
WEIGHT = [1.0, 2.0, 1.0, 1.0, 3.0, 0.5]


def test_coverage_score_hand_computed():
    """Coverage counts the predictions different from the reject label."""
    assert coverage_score(Y_PRED, reject_label=-1) == pytest.approx(4 / 6)
    assert coverage_score(Y_PRED, reject_label=-1, sample_weight=WEIGHT) == (
        pytest.approx(4.5 / 8.5)
    )
    assert coverage_score(Y_PRED, reject_label=7) == 1.0


def test_selective_risk_and_accuracy_hand_computed():
    """Selective risk is the error rate among accepted samples only."""
    assert selective_risk_score(Y_TRUE, Y_PRED, reject_label=-1) == 0.5
    assert selective_accuracy_score(Y_TRUE, Y_PRED, reject_label=-1) == 0.5
    # accepted weights 1, 2, 1, 0.5; errors are the 2.0 and the 0.5
    risk = selective_risk_score(Y_TRUE, Y_PRED, reject_label=-1, sample_weight=WEIGHT)
    assert risk == pytest.approx(2.5 / 4.5)
    accuracy = selective_accuracy_score(
        Y_TRUE, Y_PRED, reject_label=-1, sample_weight=WEIGHT
    )
    assert accuracy == pytest.approx(2.0 / 4.5)


def test_rejection_cost_loss_hand_computed():
    """Chow's loss adds rejection_cost per rejection to the accepted errors."""
    loss = rejection_cost_loss(Y_TRUE, Y_PRED, reject_label=-1, rejection_cost=0.25)
    assert loss == pytest.approx((2 + 0.25 * 2) / 6)
    loss = rejection_cost_loss(
        Y_TRUE, Y_PRED, reject_label=-1, rejection_cost=0.5, sample_weight=WEIGHT
    )
    assert loss == pytest.approx((2.5 + 0.5 * 4.0) / 8.5)


@pytest.mark.parametrize("rejection_cost", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_rejection_cost_loss_without_rejection_is_error_rate(rejection_cost, weighted):
    """Without rejections the loss equals 1 - accuracy_score."""
    y_true, y_pred, _, weight = random_data(0, weighted=weighted)
    loss = rejection_cost_loss(
        y_true,
        y_pred,
        reject_label=-1,
        rejection_cost=rejection_cost,
        sample_weight=weight,
    )
    expected = 1 - accuracy_score(y_true, y_pred, sample_weight=weight)
    assert loss == pytest.approx(expected, abs=1e-12)


def test_rejection_cost_loss_everything_rejected():
    """Rejecting everything costs exactly rejection_cost."""
    assert rejection_cost_loss([0, 1], [-1, -1], reject_label=-1) == 0.5


def test_string_labels_and_string_reject_label():
    """Labels of any type work, with a string reject label."""
    y_true = ["cat", "dog", "dog", "cat"]
    y_pred = ["cat", "cat", "?", "cat"]
    assert coverage_score(y_pred, reject_label="?") == 0.75
    assert selective_risk_score(y_true, y_pred, reject_label="?") == (
        pytest.approx(1 / 3)
    )


def test_object_labels_with_numeric_reject_label():
    """String classes with an integer reject label (object dtype) work."""
    y_true = np.array(["a", "b", "b"], dtype=object)
    y_pred = np.array(["a", -1, "a"], dtype=object)
    assert coverage_score(y_pred, reject_label=-1) == pytest.approx(2 / 3)
    assert selective_risk_score(y_true, y_pred, reject_label=-1) == 0.5


def test_nan_reject_label():
    """A NaN reject label matches NaN predictions."""
    y_pred = np.array([0.0, np.nan, 1.0, np.nan])
    assert coverage_score(y_pred, reject_label=np.nan) == 0.5
    risk = selective_risk_score([0, 1, 0, 1], y_pred, reject_label=float("nan"))
    assert risk == 0.5


def test_zero_weights_are_ignored_by_label_metrics():
    """A zero-weight sample does not change any label-based metric."""
    y_true, y_pred = [0, 1, 1, 0], [0, -1, 1, 1]
    weight = [1.0, 1.0, 1.0, 0.0]
    assert coverage_score(y_pred, reject_label=-1, sample_weight=weight) == (
        pytest.approx(2 / 3)
    )
    risk = selective_risk_score(y_true, y_pred, reject_label=-1, sample_weight=weight)
    assert risk == 0.0


# ---------------------------------------------------------------------------
# zero_division and errors of the label-based metrics
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("metric", [selective_risk_score, selective_accuracy_score])
def test_zero_division_warn(metric):
    """Nothing accepted: 'warn' returns 0.0 with an UndefinedMetricWarning."""
    with pytest.warns(UndefinedMetricWarning, match="no sample was accepted"):
        assert metric([0, 1], [-1, -1], reject_label=-1) == 0.0


@pytest.mark.parametrize("metric", [selective_risk_score, selective_accuracy_score])
@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
def test_zero_division_value(metric, zero_division):
    """Nothing accepted: a numeric zero_division is returned silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = metric([0, 1], [-1, -1], reject_label=-1, zero_division=zero_division)
    np.testing.assert_equal(value, zero_division)


@pytest.mark.parametrize("metric", [selective_risk_score, selective_accuracy_score])
def test_invalid_zero_division(metric):
    """An unsupported zero_division is rejected by parameter validation."""
    with pytest.raises(ValueError, match="zero_division"):
        metric([0, 1], [0, 1], reject_label=-1, zero_division=0.5)


@pytest.mark.parametrize(
    "metric",
    [
        selective_risk_score,
        selective_accuracy_score,
        rejection_cost_loss,
        selective_classification_report,
    ],
)
@pytest.mark.parametrize(
    "y_true, reject_label",
    [([0, 1, -1], -1), (["a", "rejected"], "rejected"), ([0.5, np.nan], np.nan)],
)
def test_reject_label_in_y_true_raises(metric, y_true, reject_label):
    """The reject label must not be one of the true classes."""
    y_pred = list(y_true)
    with pytest.raises(ValueError, match="reject_label=.* is present in y_true"):
        metric(y_true, y_pred, reject_label=reject_label)


@pytest.mark.parametrize("rejection_cost", [-0.1, 1.5, "high"])
def test_invalid_rejection_cost(rejection_cost):
    """rejection_cost must be a number in [0, 1]."""
    with pytest.raises(ValueError, match="rejection_cost"):
        rejection_cost_loss(
            [0, 1], [0, -1], reject_label=-1, rejection_cost=rejection_cost
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda: coverage_score([0, 1], reject_label=-1, sample_weight=[1.0]),
        lambda: selective_risk_score([0, 1, 0], [0, 1], reject_label=-1),
        lambda: selective_accuracy_score([0, 1], [0, 1, 1], reject_label=-1),
        lambda: rejection_cost_loss([0], [0, 1], reject_label=-1),
        lambda: risk_coverage_curve([0, 1], [0, 1], [0.5]),
        lambda: aurc_score([0, 1], [0, 1, 1], [0.5, 0.1]),
        lambda: e_aurc_score([0], [0, 1], [0.5, 0.1]),
        lambda: augrc_score([0, 1], [0, 1], [0.5, 0.1], sample_weight=[1.0]),
        lambda: risk_at_coverage([0, 1], [0], [0.5, 0.1], 0.5),
        lambda: coverage_at_risk([0, 1], [0, 1], [0.5], 0.5),
        lambda: selective_classification_report([0, 1], [0], reject_label=-1),
    ],
)
def test_inconsistent_lengths_raise(call):
    """Inputs of different lengths raise a ValueError."""
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        call()


@pytest.mark.parametrize(
    "weight, match",
    [
        ([1.0, -1.0], "non-negative"),
        ([0.0, 0.0], "positive sum"),
        ([1.0, np.nan], "finite"),
    ],
)
@pytest.mark.parametrize(
    "metric",
    [
        lambda w: coverage_score([0, 1], reject_label=-1, sample_weight=w),
        lambda w: selective_risk_score(
            [0, 1], [0, 1], reject_label=-1, sample_weight=w
        ),
        lambda w: aurc_score([0, 1], [0, 1], [0.1, 0.2], sample_weight=w),
    ],
)
def test_invalid_sample_weight(metric, weight, match):
    """Negative, all-zero or NaN weights raise a ValueError."""
    with pytest.raises(ValueError, match=match):
        metric(weight)


@pytest.mark.parametrize(
    "call",
    [
        lambda: coverage_score([], reject_label=-1),
        lambda: selective_risk_score([], [], reject_label=-1),
        lambda: aurc_score([], [], []),
    ],
)
def test_empty_input_raises(call):
    """Empty inputs raise a ValueError."""
    with pytest.raises(ValueError, match="empty input"):
        call()


# ---------------------------------------------------------------------------
# Curve metrics: hand-computed examples
# ---------------------------------------------------------------------------

# errors at indices 2 and 3 (confidence 0.6, tied)
CY_TRUE = np.array([0, 1, 1, 0, 1])
CY_PRED = np.array([0, 1, 0, 1, 1])
CONF = np.array([0.9, 0.8, 0.6, 0.6, 0.7])


def test_risk_coverage_curve_hand_computed():
    """One point per distinct confidence, thresholds increasing."""
    coverage, risk, thresholds = risk_coverage_curve(CY_TRUE, CY_PRED, CONF)
    np.testing.assert_allclose(coverage, [1.0, 0.6, 0.4, 0.2])
    np.testing.assert_allclose(risk, [0.4, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(thresholds, [0.6, 0.7, 0.8, 0.9])


def test_risk_coverage_curve_hand_computed_weighted():
    """Weights make coverage and risk weighted fractions."""
    weight = [1.0, 1.0, 2.0, 0.0, 4.0]  # the zero-weight sample is dropped
    coverage, risk, thresholds = risk_coverage_curve(
        CY_TRUE, CY_PRED, CONF, sample_weight=weight
    )
    np.testing.assert_allclose(coverage, [1.0, 0.75, 0.25, 0.125])
    np.testing.assert_allclose(risk, [0.25, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(thresholds, [0.6, 0.7, 0.8, 0.9])


def test_areas_hand_computed():
    """AURC, E-AURC and AUGRC on a 5-sample example computed by hand."""
    # Points (coverage, risk) by decreasing threshold:
    # (0.2, 0), (0.4, 0), (0.6, 0), (1.0, 0.4).
    assert aurc_score(CY_TRUE, CY_PRED, CONF) == pytest.approx(0.4 * 0.4 / 2)
    # Generalized risk at coverage 1 is 2 / 5 too.
    assert augrc_score(CY_TRUE, CY_PRED, CONF) == pytest.approx(0.4 * 0.4 / 2)
    # Perfect strict ranking: (0.6, 0), (0.8, 1/4), (1.0, 2/5).
    optimal = 0.2 * (0 + 0.25) / 2 + 0.2 * (0.25 + 0.4) / 2
    assert e_aurc_score(CY_TRUE, CY_PRED, CONF) == pytest.approx(0.08 - optimal)


def test_areas_hand_computed_worst_ranking():
    """The errors ranked on top: AURC from the flat extension and trapezoids."""
    confidence = [0.1, 0.2, 0.9, 0.8, 0.3]
    # Points: (0.2, 1), (0.4, 1), (0.6, 2/3), (0.8, 1/2), (1.0, 2/5).
    expected = (
        0.2 * 1
        + 0.2 * (1 + 1) / 2
        + 0.2 * (1 + 2 / 3) / 2
        + 0.2 * (2 / 3 + 1 / 2) / 2
        + 0.2 * (1 / 2 + 2 / 5) / 2
    )
    assert aurc_score(CY_TRUE, CY_PRED, confidence) == pytest.approx(expected)
    # Generalized risks 0.2, 0.4, 0.4, 0.4, 0.4 at coverages 0.2 ... 1.0.
    expected_augrc = 0.2 * 0.2 / 2 + 0.2 * 0.6 / 2 + 3 * 0.2 * 0.4
    assert augrc_score(CY_TRUE, CY_PRED, confidence) == pytest.approx(expected_augrc)


def test_operating_points_hand_computed():
    """risk_at_coverage and coverage_at_risk on the small example."""
    assert risk_at_coverage(CY_TRUE, CY_PRED, CONF, 0.6) == 0.0
    assert risk_at_coverage(CY_TRUE, CY_PRED, CONF, 0.61) == pytest.approx(0.4)
    assert risk_at_coverage(CY_TRUE, CY_PRED, CONF, 1.0) == pytest.approx(0.4)
    assert coverage_at_risk(CY_TRUE, CY_PRED, CONF, 0.0) == pytest.approx(0.6)
    assert coverage_at_risk(CY_TRUE, CY_PRED, CONF, 0.4) == 1.0
    confidence = [0.1, 0.2, 0.9, 0.8, 0.3]  # errors on top
    assert coverage_at_risk(CY_TRUE, CY_PRED, confidence, 0.45) == 1.0
    assert coverage_at_risk(CY_TRUE, CY_PRED, confidence, 0.3) == 0.0
    # Points (0.2, 0), (0.4, 1/2), (0.6, 1/3), (0.8, 1/4), (1.0, 2/5).
    confidence = [0.95, 0.5, 0.9, 0.1, 0.4]
    assert coverage_at_risk(CY_TRUE, CY_PRED, confidence, 0.3) == pytest.approx(0.8)
    assert coverage_at_risk(CY_TRUE, CY_PRED, confidence, 0.0) == pytest.approx(0.2)
    assert risk_at_coverage(CY_TRUE, CY_PRED, confidence, 0.5) == pytest.approx(1 / 3)


def test_curve_string_labels():
    """Only equality of y_true and y_pred matters, whatever the label type."""
    y_true = np.array(["a", "b", "b", "a", "b"])
    y_pred = np.array(["a", "b", "a", "b", "b"])
    expected = risk_coverage_curve(CY_TRUE, CY_PRED, CONF)
    _assert_curves_equal(risk_coverage_curve(y_true, y_pred, CONF), expected)
    mixed = np.array(["a", 1, "b", "a", 1], dtype=object)
    assert aurc_score(mixed, mixed, CONF) == 0.0


def test_curve_list_and_integer_inputs():
    """Lists and integer confidences are accepted."""
    coverage, risk, thresholds = risk_coverage_curve([0, 1, 1], [0, 0, 1], [3, 1, 2])
    np.testing.assert_allclose(coverage, [1.0, 2 / 3, 1 / 3])
    np.testing.assert_allclose(risk, [1 / 3, 0.0, 0.0])
    assert thresholds.dtype == np.float64


# ---------------------------------------------------------------------------
# Curve metrics: brute force on random data with ties, weights, signs
# ---------------------------------------------------------------------------


# decimals=0: few distinct values (many ties); None: all distinct.
@pytest.mark.parametrize("decimals", [0, 1, None])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("weighted", [False, True])
def test_risk_coverage_curve_matches_brute_force(decimals, seed, weighted):
    """The vectorised curve equals the per-threshold loop (ties, weights)."""
    y_true, y_pred, confidence, weight = random_data(
        seed, decimals=decimals, weighted=weighted
    )
    _assert_curves_equal(
        risk_coverage_curve(y_true, y_pred, confidence, sample_weight=weight),
        brute_curve(y_true, y_pred, confidence, weight),
    )


@pytest.mark.parametrize("metric, reference", AREA_METRICS)
@pytest.mark.parametrize("decimals", [0, 1, None])
@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("weighted", [False, True])
def test_areas_match_brute_force(metric, reference, decimals, seed, weighted):
    """AURC, E-AURC and AUGRC equal their brute-force references."""
    y_true, y_pred, confidence, weight = random_data(
        seed, decimals=decimals, weighted=weighted
    )
    actual = metric(y_true, y_pred, confidence, sample_weight=weight)
    expected = reference(y_true, y_pred, confidence, weight)
    assert actual == pytest.approx(expected, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("target", [0.01, 0.2, 0.5, 0.77, 0.999, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_risk_at_coverage_matches_brute_force(target, weighted):
    """risk_at_coverage equals the brute-force largest-threshold search."""
    y_true, y_pred, confidence, weight = random_data(1, weighted=weighted)
    actual = risk_at_coverage(y_true, y_pred, confidence, target, sample_weight=weight)
    expected = brute_risk_at_coverage(y_true, y_pred, confidence, target, weight)
    assert actual == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("target", [0.0, 0.1, 0.25, 0.3, 0.5, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_coverage_at_risk_matches_brute_force(target, weighted):
    """coverage_at_risk equals the brute-force search over the points."""
    y_true, y_pred, confidence, weight = random_data(2, weighted=weighted)
    actual = coverage_at_risk(y_true, y_pred, confidence, target, sample_weight=weight)
    expected = brute_coverage_at_risk(y_true, y_pred, confidence, target, weight)
    assert actual == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "confidence",
    [
        np.array([-0.0, 0.0, -0.0, 0.0, 1.0, -1.0]),
        np.array([-np.inf, -1e300, -5e-324, 5e-324, 1e300, np.inf]),
        np.array([-3.0, -1.0, -1.0, -2.0, -3.0, -0.5]),  # all negative
        np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
    ],
)
def test_curve_sign_and_extreme_values(confidence):
    """Signed zeros tie, infinities and denormals sort correctly."""
    y_true = np.array([0, 1, 1, 0, 1, 0])
    y_pred = np.array([0, 0, 1, 1, 1, 0])
    expected = brute_curve(y_true, y_pred, confidence)
    _assert_curves_equal(risk_coverage_curve(y_true, y_pred, confidence), expected)
    weighted = risk_coverage_curve(y_true, y_pred, confidence, sample_weight=np.ones(6))
    _assert_curves_equal(weighted, expected)


def test_signed_zeros_form_one_threshold():
    """-0.0 and 0.0 are the same threshold."""
    _, _, thresholds = risk_coverage_curve([0, 1], [0, 0], [-0.0, 0.0])
    assert thresholds.shape == (1,)


@pytest.mark.parametrize("metric", CURVE_METRICS)
def test_nan_confidence_raises(metric):
    """NaN confidences are rejected with a clear message."""
    with pytest.raises(ValueError, match="confidence contains NaN"):
        metric([0, 1, 1], [0, 1, 0], [0.5, np.nan, 0.1])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: risk_at_coverage([0], [0], [0.5], 0.0), "coverage"),
        (lambda: risk_at_coverage([0], [0], [0.5], 1.5), "coverage"),
        (lambda: coverage_at_risk([0], [0], [0.5], -0.1), "risk"),
        (lambda: coverage_at_risk([0], [0], [0.5], 2.0), "risk"),
    ],
)
def test_invalid_operating_point_targets(call, match):
    """Targets outside their range are rejected by parameter validation."""
    with pytest.raises(ValueError, match=match):
        call()


def test_confidence_must_be_numeric():
    """Non-numeric confidences raise a ValueError."""
    with pytest.raises(ValueError):
        aurc_score([0, 1], [0, 1], ["high", "low"])


@pytest.mark.parametrize("metric", CURVE_METRICS)
def test_zero_weights_equal_dropping_samples(metric):
    """Samples with zero weight are ignored (as in sklearn's roc_curve)."""
    y_true, y_pred, confidence, weight = random_data(4, n=60, weighted=True)
    weight[::3] = 0.0
    keep = weight > 0
    with_zeros = metric(y_true, y_pred, confidence, sample_weight=weight)
    dropped = metric(
        y_true[keep], y_pred[keep], confidence[keep], sample_weight=weight[keep]
    )
    np.testing.assert_allclose(_flat(with_zeros), _flat(dropped), rtol=1e-12)


# Not e_aurc_score: the optimal AURC it subtracts ranks the copies of a sample
# strictly and a weighted sample once, so there a weight is not k copies.
@pytest.mark.parametrize(
    "metric", [metric for metric in CURVE_METRICS if metric is not e_aurc_score]
)
def test_integer_weights_equal_repeated_samples(metric):
    """A weight k acts as k copies of the sample (ties are grouped)."""
    y_true, y_pred, confidence, _ = random_data(5, n=80)
    repeats = np.random.default_rng(5).integers(1, 4, y_true.shape[0])
    weighted = metric(y_true, y_pred, confidence, sample_weight=repeats)
    repeated = metric(
        np.repeat(y_true, repeats),
        np.repeat(y_pred, repeats),
        np.repeat(confidence, repeats),
    )
    np.testing.assert_allclose(_flat(weighted), _flat(repeated), rtol=1e-12)


def test_weighted_path_equals_unweighted_path():
    """Unit weights (argsort path) give the unweighted (key sort) result."""
    y_true, y_pred, confidence, _ = random_data(6, n=2000, decimals=2)
    confidence[:50] = -0.0
    confidence[50:60] = np.inf
    unweighted = risk_coverage_curve(y_true, y_pred, confidence)
    weighted = risk_coverage_curve(
        y_true, y_pred, confidence, sample_weight=np.ones(2000)
    )
    _assert_curves_equal(weighted, unweighted)


def test_risk_coverage_curve_does_not_modify_inputs():
    """The inputs are left untouched (the sort works on a copy)."""
    y_true, y_pred, confidence, weight = random_data(7, weighted=True)
    copies = [a.copy() for a in (y_true, y_pred, confidence, weight)]
    risk_coverage_curve(y_true, y_pred, confidence)
    risk_coverage_curve(y_true, y_pred, confidence, sample_weight=weight)
    for array, copy in zip((y_true, y_pred, confidence, weight), copies, strict=True):
        np.testing.assert_array_equal(array, copy)


def test_non_contiguous_and_float32_confidence():
    """Strided and float32 confidences give the same result as float64."""
    y_true, y_pred, confidence, _ = random_data(8, n=400)
    strided = np.repeat(confidence, 2)[::2]
    expected = risk_coverage_curve(y_true, y_pred, confidence)
    _assert_curves_equal(risk_coverage_curve(y_true, y_pred, strided), expected)
    as32 = confidence.astype(np.float32)
    _assert_curves_equal(
        risk_coverage_curve(y_true, y_pred, as32),
        brute_curve(y_true, y_pred, as32.astype(np.float64)),
    )


# ---------------------------------------------------------------------------
# Property tests (hypothesis)
# ---------------------------------------------------------------------------


@_HYPOTHESIS
@given(data=selective_samples(), weighted_data=selective_samples(weighted=True))
def test_property_curve_matches_brute_force(data, weighted_data):
    """Curve equals the brute force, with ties, signs, infinities, weights."""
    for y_true, y_pred, confidence, weight in (data, weighted_data):
        _assert_curves_equal(
            risk_coverage_curve(y_true, y_pred, confidence, sample_weight=weight),
            brute_curve(y_true, y_pred, confidence, weight),
        )


@pytest.mark.parametrize("metric, reference", AREA_METRICS)
@_HYPOTHESIS
@given(data=selective_samples(), weighted_data=selective_samples(weighted=True))
def test_property_areas_match_brute_force(metric, reference, data, weighted_data):
    """Every area metric equals its brute-force reference."""
    for y_true, y_pred, confidence, weight in (data, weighted_data):
        actual = metric(y_true, y_pred, confidence, sample_weight=weight)
        expected = reference(y_true, y_pred, confidence, weight)
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12)


@_HYPOTHESIS
@given(
    data=selective_samples(weighted=True),
    coverage=st.floats(0.001, 1.0),
    risk=st.floats(0.0, 1.0),
)
def test_property_operating_points_match_brute_force(data, coverage, risk):
    """risk_at_coverage and coverage_at_risk equal their brute force.

    Both are step functions of their target: where the target equals a point
    of the curve up to rounding (weighted sums added in a different order),
    either side of the step is correct, so such targets are not compared.
    """
    y_true, y_pred, confidence, weight = data
    for w in (None, weight):
        curve_coverage, curve_risk, _ = brute_curve(y_true, y_pred, confidence, w)
        if not np.any(np.isclose(curve_coverage, coverage, rtol=1e-9, atol=1e-12)):
            assert risk_at_coverage(
                y_true, y_pred, confidence, coverage, sample_weight=w
            ) == pytest.approx(
                brute_risk_at_coverage(y_true, y_pred, confidence, coverage, w),
                rel=1e-9,
                abs=1e-12,
            )
        if not np.any(np.isclose(curve_risk, risk, rtol=1e-9, atol=1e-12)):
            assert coverage_at_risk(
                y_true, y_pred, confidence, risk, sample_weight=w
            ) == pytest.approx(
                brute_coverage_at_risk(y_true, y_pred, confidence, risk, w),
                rel=1e-9,
                abs=1e-12,
            )


def test_coverage_at_risk_on_the_step():
    """The example hypothesis found: three errors in six samples, risk 0.5.

    Exactly at the curve's risk the whole set is admissible; just below it
    nothing is.
    """
    y_true, y_pred = [0, 0, 1, 1, 1, 1], [0, 0, 1, 0, 0, 0]
    confidence = np.zeros(6)
    assert coverage_at_risk(y_true, y_pred, confidence, 0.5) == 1.0
    weight = np.full(6, 2.0)
    assert coverage_at_risk(y_true, y_pred, confidence, 0.5, sample_weight=weight) == 1
    assert coverage_at_risk(y_true, y_pred, confidence, 0.5 - 1e-9) == 0.0


@pytest.mark.parametrize("metric", CURVE_METRICS)
@_HYPOTHESIS
@given(data=selective_samples(weighted=True), seed=st.integers(0, 2**32 - 1))
def test_property_row_permutation_invariance(metric, data, seed):
    """Shuffling the rows does not change any curve or area metric."""
    y_true, y_pred, confidence, weight = data
    perm = np.random.default_rng(seed).permutation(y_true.shape[0])
    for w in (None, weight):
        original = metric(y_true, y_pred, confidence, sample_weight=w)
        shuffled = metric(
            y_true[perm],
            y_pred[perm],
            confidence[perm],
            sample_weight=None if w is None else w[perm],
        )
        if isinstance(original, tuple):
            _assert_curves_equal(shuffled, original)
        else:
            assert shuffled == pytest.approx(original, rel=1e-12, abs=1e-12)


@_HYPOTHESIS
@given(data=selective_samples(weighted=True))
def test_property_curve_shape(data):
    """Thresholds increase strictly; coverage decreases strictly from 1."""
    y_true, y_pred, confidence, weight = data
    for w in (None, weight):
        coverage, risk, thresholds = risk_coverage_curve(
            y_true, y_pred, confidence, sample_weight=w
        )
        assert np.all(np.diff(thresholds) > 0)
        assert np.all(np.diff(coverage) < 0)
        assert coverage[0] == 1.0
        assert np.all((risk >= 0) & (risk <= 1))
        assert thresholds.shape[0] == np.unique(confidence).shape[0]


@_HYPOTHESIS
@given(data=selective_samples(weighted=True))
def test_property_augrc_roc_auc_identity(data):
    """AUGRC = pi^2/2 + pi (1 - pi) (1 - AUROC), exactly, ties counted 1/2."""
    y_true, y_pred, confidence, weight = data
    # roc_auc_score refuses infinities; this keeps the ranking.
    confidence = np.nan_to_num(confidence, posinf=1e300, neginf=-1e300)
    correct = y_true == y_pred
    for w in (None, weight):
        ww = np.ones(y_true.shape[0]) if w is None else w
        pi = ww[~correct].sum() / ww.sum()
        if correct.all() or not correct.any():
            expected = pi**2 / 2  # 0 or 1/2; AUROC undefined
        else:
            auroc = roc_auc_score(correct, confidence, sample_weight=w)
            expected = pi**2 / 2 + pi * (1 - pi) * (1 - auroc)
        actual = augrc_score(y_true, y_pred, confidence, sample_weight=w)
        assert actual == pytest.approx(expected, abs=1e-12)


# ---------------------------------------------------------------------------
# Closed forms and conventions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_augrc_identity_with_ties(weighted):
    """The AUGRC / AUROC identity holds to 1e-12 on heavily tied data."""
    y_true, y_pred, confidence, weight = random_data(
        9, n=5000, decimals=0, weighted=weighted
    )
    correct = y_true == y_pred
    w = np.ones(5000) if weight is None else weight
    pi = w[~correct].sum() / w.sum()
    auroc = roc_auc_score(correct, confidence, sample_weight=weight)
    expected = pi**2 / 2 + pi * (1 - pi) * (1 - auroc)
    actual = augrc_score(y_true, y_pred, confidence, sample_weight=weight)
    assert abs(actual - expected) < 1e-12


@pytest.mark.parametrize("error_rate", [0.05, 0.2, 0.5])
def test_optimal_aurc_tends_to_closed_form(error_rate):
    """Perfect distinct ranking: AURC -> r + (1 - r) ln(1 - r), E-AURC = 0."""
    n = 200_000
    n_errors = int(error_rate * n)
    y_true = np.zeros(n, dtype=int)
    y_pred = np.zeros(n, dtype=int)
    y_pred[:n_errors] = 1
    confidence = np.arange(n, dtype=float)  # the errors get the lowest values
    expected = error_rate + (1 - error_rate) * math.log(1 - error_rate)
    assert aurc_score(y_true, y_pred, confidence) == pytest.approx(expected, abs=1e-3)
    assert e_aurc_score(y_true, y_pred, confidence) == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize("weighted", [False, True])
def test_constant_confidence_aurc_is_error_rate(weighted):
    """A constant confidence gives AURC = (weighted) error rate."""
    y_true, y_pred, _, weight = random_data(10, weighted=weighted)
    w = np.ones(y_true.shape[0]) if weight is None else weight
    error_rate = w[y_true != y_pred].sum() / w.sum()
    constant = np.full(y_true.shape[0], 0.3)
    assert aurc_score(y_true, y_pred, constant, sample_weight=weight) == (
        pytest.approx(error_rate, rel=1e-12)
    )
    # AUGRC of a single point (1, pi) reached from (0, 0).
    assert augrc_score(y_true, y_pred, constant, sample_weight=weight) == (
        pytest.approx(error_rate / 2, rel=1e-12)
    )


def test_aurc_vs_geifman_definition_for_distinct_confidences():
    """With distinct confidences, AURC = Geifman's mean - (r_n - r_1) / (2 n)."""
    y_true, y_pred, _, _ = random_data(11, n=500)
    confidence = np.random.default_rng(11).permutation(500).astype(float)
    geifman, risks = geifman_aurc(y_true, y_pred, confidence)
    expected = geifman - (risks[-1] - risks[0]) / (2 * 500)
    assert aurc_score(y_true, y_pred, confidence) == pytest.approx(expected, rel=1e-12)


def test_aurc_invariant_to_monotone_transformation():
    """Only the ranking of the confidences matters."""
    y_true, y_pred, confidence, weight = random_data(12, weighted=True)
    transformed = np.exp(3 * confidence) - 7
    for metric in (aurc_score, e_aurc_score, augrc_score):
        assert metric(
            y_true, y_pred, transformed, sample_weight=weight
        ) == pytest.approx(metric(y_true, y_pred, confidence, sample_weight=weight))


def test_all_correct_and_all_wrong():
    """No error: every area is 0; all wrong: AURC 1, AUGRC 1/2, E-AURC 0."""
    y = np.array([0, 1, 2, 1])
    confidence = [0.1, 0.4, 0.4, 0.9]
    assert aurc_score(y, y, confidence) == 0.0
    assert e_aurc_score(y, y, confidence) == 0.0
    assert augrc_score(y, y, confidence) == 0.0
    wrong = (y + 1) % 3
    assert aurc_score(y, wrong, confidence) == 1.0
    assert e_aurc_score(y, wrong, confidence) == 0.0
    assert augrc_score(y, wrong, confidence) == 0.5


def test_single_sample():
    """A single sample is a single point at coverage 1."""
    coverage, risk, thresholds = risk_coverage_curve([1], [0], [0.3])
    np.testing.assert_array_equal(coverage, [1.0])
    np.testing.assert_array_equal(risk, [1.0])
    assert aurc_score([1], [0], [0.3]) == 1.0


# ---------------------------------------------------------------------------
# selective_classification_report
# ---------------------------------------------------------------------------

RY_TRUE = ["cat", "cat", "cat", "dog", "dog", "dog"]
RY_PRED = ["cat", "cat", "?", "dog", "cat", "?"]


def test_report_dict_hand_computed():
    """Per-class coverage and metrics on accepted samples, summary rows."""
    report = selective_classification_report(
        RY_TRUE, RY_PRED, reject_label="?", output_dict=True
    )
    assert report["cat"] == pytest.approx(
        {
            "coverage": 2 / 3,
            "precision": 2 / 3,
            "recall": 1.0,
            "f1-score": 0.8,
            "support": 3,
        }
    )
    assert report["dog"] == pytest.approx(
        {
            "coverage": 2 / 3,
            "precision": 1.0,
            "recall": 0.5,
            "f1-score": 2 / 3,
            "support": 3,
        }
    )
    assert report["rejected"] == pytest.approx({"rate": 1 / 3, "support": 2})
    assert report["coverage"] == pytest.approx(2 / 3)
    assert report["selective accuracy"] == pytest.approx(0.75)
    assert report["selective risk"] == pytest.approx(0.25)
    assert report["macro avg"]["precision"] == pytest.approx(5 / 6)
    assert report["macro avg"]["support"] == 6


def test_report_matches_metric_functions():
    """Summary rows agree with coverage_score and selective_risk_score."""
    y_true, y_pred, _, weight = random_data(13, weighted=True)
    y_pred = np.where(np.random.default_rng(13).random(300) < 0.3, -1, y_pred)
    report = selective_classification_report(
        y_true, y_pred, reject_label=-1, sample_weight=weight, output_dict=True
    )
    assert report["coverage"] == pytest.approx(
        coverage_score(y_pred, reject_label=-1, sample_weight=weight)
    )
    assert report["selective risk"] == pytest.approx(
        selective_risk_score(y_true, y_pred, reject_label=-1, sample_weight=weight)
    )
    assert report["rejected"]["support"] == pytest.approx(weight[y_pred == -1].sum())
    assert set(report) >= {"0", "1", "2"}


def test_report_text_layout():
    """The text report has class, rejected and summary rows."""
    text = selective_classification_report(
        RY_TRUE,
        RY_PRED,
        reject_label="?",
        labels=["dog", "cat"],
        target_names=["Dog", "Cat"],
        digits=3,
    )
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].split() == [
        "coverage",
        "precision",
        "recall",
        "f1-score",
        "support",
    ]
    assert lines[1].split() == ["Dog", "0.667", "1.000", "0.500", "0.667", "3"]
    assert lines[2].split()[0] == "Cat"
    # named after the reject label; only the count, under "support"
    assert lines[3].split() == ["?", "(rejected)", "2"]
    assert lines[3].rstrip().endswith("2") and len(lines[3]) == len(lines[1])
    assert lines[5].split() == ["selective", "accuracy", "0.750", "4"]
    assert lines[-1].split()[:2] == ["macro", "avg"]


def test_report_names_the_rejected_row_after_the_reject_label():
    """A string reject label names the row; no rate under the f1-score column."""
    text = selective_classification_report(
        ["a", "b", "a", "b"],
        ["a", "unclassifiable", "b", "b"],
        reject_label="unclassifiable",
    )
    row = next(line for line in text.splitlines() if "(rejected)" in line)
    assert row.split() == ["unclassifiable", "(rejected)", "1"]
    header = text.splitlines()[0]
    f1_column = slice(
        header.index("recall") + len("recall"), header.index("f1-score") + 8
    )
    assert row[f1_column].strip() == ""


def test_report_zero_division():
    """A class never accepted warns per metric; zero_division sets the values."""
    y_true, y_pred = [0, 0, 1, 1], [0, 0, -1, -1]
    with pytest.warns(UndefinedMetricWarning) as record:
        report = selective_classification_report(
            y_true, y_pred, reject_label=-1, labels=[0, 1], output_dict=True
        )
    messages = [str(w.message) for w in record]
    assert [m.split()[0] for m in messages] == ["Precision", "Recall", "F-score"]
    assert report["1"]["precision"] == 0.0
    report = selective_classification_report(
        y_true,
        y_pred,
        reject_label=-1,
        labels=[0, 1],
        output_dict=True,
        zero_division=1.0,
    )
    assert report["1"]["precision"] == 1.0
    assert report["1"]["coverage"] == 0.0


def test_report_everything_rejected():
    """Nothing accepted: defined values stay, undefined ones use zero_division."""
    report = selective_classification_report(
        [0, 1], [-1, -1], reject_label=-1, output_dict=True, zero_division=np.nan
    )
    assert report["coverage"] == 0.0
    assert np.isnan(report["selective accuracy"])
    assert report["rejected"] == {"rate": 1.0, "support": 2}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"labels": [0, -1]}, "labels contains reject_label"),
        ({"target_names": ["a"]}, "target_names has 1 names but there are 2"),
        ({"digits": -1}, "digits"),
    ],
)
def test_report_invalid_arguments(kwargs, match):
    """Bad labels, target_names or digits raise a ValueError."""
    with pytest.raises(ValueError, match=match):
        selective_classification_report([0, 1], [0, -1], reject_label=-1, **kwargs)


@pytest.mark.parametrize(
    "metric, args",
    [
        (coverage_score, ([0, -1],)),
        (selective_risk_score, ([0, 1], [0, -1])),
        (selective_accuracy_score, ([0, 1], [0, -1])),
        (rejection_cost_loss, ([0, 1], [0, -1])),
        (selective_classification_report, ([0, 1], [0, -1])),
    ],
)
def test_missing_reject_label_says_what_to_pass(metric, args):
    """Without reject_label, the TypeError names clf.reject_label_."""
    with pytest.raises(TypeError, match=r"reject_label=clf\.reject_label_"):
        metric(*args)
    with pytest.raises(TypeError, match="passed by keyword"):
        metric(*args, -1)


# -- mixed label kinds, huge weights (from test_decision) --------------------


MIXED = "Mix of label input types"


def test_selective_risk_refuses_string_truth_and_number_predictions():
    """The issue's example: strings in y_true, numbers in y_pred."""
    y_true = pd.Series(["0", "1", "1", "0"])
    y_pred = np.array([0, 1, -1, 0])
    with pytest.raises(ValueError, match=MIXED):
        selective_risk_score(y_true, y_pred, reject_label=-1)
    with pytest.raises(ValueError, match=MIXED):
        aurc_score(y_true, y_pred, np.array([0.9, 0.8, 0.1, 0.7]))


@pytest.mark.parametrize(
    "metric",
    [
        aurc_score,
        augrc_score,
        e_aurc_score,
        risk_coverage_curve,
        lambda *a: coverage_at_risk(*a, 0.1),
        lambda *a: risk_at_coverage(*a, 0.5),
    ],
)
@pytest.mark.parametrize("strings_in", ["y_true", "y_pred"])
def test_curve_metrics_refuse_numpy_strings_with_numbers(metric, strings_in):
    """numpy <U strings against numbers: a clear ValueError, no UFuncTypeError."""
    strings = np.array(["a", "b", "a", "b"])
    numbers = np.array([0, 1, 0, 1])
    confidence = np.array([0.9, 0.8, 0.7, 0.6])
    y_true, y_pred = (
        (strings, numbers) if strings_in == "y_true" else (numbers, strings)
    )
    with pytest.raises(ValueError, match=MIXED):
        metric(y_true, y_pred, confidence)


def test_huge_weights_give_the_unit_weight_aurc():
    """Weights of 1e308 give a finite AURC equal to the unweighted one."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=200)
    confidence = rng.uniform(size=200)
    y_pred = np.where(rng.uniform(size=200) < confidence, y, 1 - y)
    huge = aurc_score(y, y_pred, confidence, sample_weight=np.full(200, 1e308))
    unit = aurc_score(y, y_pred, confidence)
    assert np.isfinite(huge)
    assert huge == pytest.approx(unit, rel=1e-12)
