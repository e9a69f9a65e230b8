"""Guarantees per group: sensitive_features in SelectiveClassifierCV and metrics."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import IsolationForest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from selective_clf import GuaranteeWarning, InfeasibleTargetError, SelectiveClassifierCV
from selective_clf._classwise import certify_common_threshold
from selective_clf._groups import encode_groups

from ._helpers import ProbaColumns


def group_data(n, seed, minority_share=0.2, ratio=2.0, base=0.3, flat=False):
    """Binary data whose error rate at confidence ``c`` is ``base * (1 - c)``.

    ... in the majority group, ``ratio`` times that in the minority group
    (capped at 1/2); with ``flat=True`` it is ``base`` whatever ``c`` (times
    ``ratio`` in the minority). The model is frozen: its probabilities are
    columns of X and it always predicts class 1, so a row is an error iff
    ``y == 0``.
    """
    rng = np.random.default_rng(seed)
    confidence = np.round(rng.uniform(0.5, 1.0, size=n), 3)
    minority = rng.uniform(size=n) < minority_share
    slope = 1.0 if flat else (1 - confidence)
    p_error = np.minimum(0.5, base * slope * np.where(minority, ratio, 1))
    y = (rng.uniform(size=n) >= p_error).astype(int)
    X = np.c_[1 - confidence, confidence]
    groups = np.where(minority, "minority", "majority")
    model = FrozenEstimator(ProbaColumns().fit(X, [0, 1]))
    return X, y, groups, model


def _fixed_sequence_by_hand(confidence, error, grid, target, level):
    """Fixed sequence on ``grid`` (decreasing) with scipy: the certified mask."""
    certified = np.zeros(grid.shape[0], dtype=bool)
    for j, t in enumerate(grid):
        n = int((confidence >= t).sum())
        if n == 0 or (1 - target) ** n > level:  # untestable: skipped
            continue
        k = int(error[confidence >= t].sum())
        if stats.binom.cdf(k, n, target) > level:
            break
        certified[j] = True
    return certified


# -- the group guarantee in SelectiveClassifierCV ----------------------------


def _union_sequence_by_hand(confidence, error, groups, grid, target, level):
    """Fixed sequence on the largest group p-value (scipy): the certified mask."""
    certified = np.zeros(grid.shape[0], dtype=bool)
    names = np.unique(groups)
    for j, t in enumerate(grid):
        ns = [int((confidence[groups == g] >= t).sum()) for g in names]
        if min(ns) == 0 or any((1 - target) ** n > level for n in ns):
            continue  # untestable in some group: skipped
        ks = [int(error[(groups == g) & (confidence >= t)].sum()) for g in names]
        p = max(stats.binom.cdf(k, n, target) for k, n in zip(ks, ns, strict=True))
        if p > level:
            break
        certified[j] = True
    return certified


@pytest.mark.parametrize("seed", [0, 1])
def test_fixed_sequence_threshold_matches_a_hand_computation(seed):
    """method='ltt' on a grid: the fixed sequence on the largest group p-value."""
    X, y, groups, model = group_data(3000, seed)
    grid = np.linspace(0.5, 1.0, 26)
    target, delta = 0.15, 0.1
    clf = SelectiveClassifierCV(
        model, target_risk=target, delta=delta, method="ltt", thresholds=grid
    ).fit(X, y, sensitive_features=groups)
    confidence, error = X[:, 1], y == 0
    common = _union_sequence_by_hand(
        confidence, error, groups, grid[::-1], target, delta
    )
    assert common.any() and not common.all()
    expected = grid[::-1][common].min()
    assert clf.threshold_ == pytest.approx(expected)
    assert clf.groups_.tolist() == ["majority", "minority"]
    assert (clf.group_risk_bound_ <= target).all()
    for k, g in enumerate(clf.groups_):
        accepted = (groups == g) & (confidence >= clf.threshold_)
        assert clf.group_coverage_[k] == pytest.approx(
            accepted.sum() / (groups == g).sum()
        )
        assert clf.group_risk_[k] == pytest.approx(error[accepted].mean())
    assert clf.group_n_calibration_.tolist() == [
        int((groups == "majority").sum()),
        int((groups == "minority").sum()),
    ]


@pytest.mark.parametrize("method", ["ltt_graph", "ltt", "ltt_holm"])
def test_one_group_is_the_scalar_certificate(method):
    """With a single group the group path certifies the scalar threshold."""
    X, y, _, model = group_data(1500, 3)
    kwargs = dict(target_risk=0.08, delta=0.05, method=method)
    scalar = SelectiveClassifierCV(model, **kwargs).fit(X, y)
    grouped = SelectiveClassifierCV(model, **kwargs).fit(
        X, y, sensitive_features=np.zeros(X.shape[0])
    )
    assert grouped.threshold_ == scalar.threshold_
    assert grouped.risk_bound_ == pytest.approx(scalar.risk_bound_)
    assert grouped.group_risk_bound_[0] == pytest.approx(scalar.risk_bound_)
    assert grouped.coverage_ == scalar.coverage_


@pytest.mark.parametrize("seed", [0, 1])
def test_sidak_combination_intersects_each_group_set(seed):
    """combine='sidak': the lowest threshold in every group's own set at its share."""
    X, y, groups, _ = group_data(3000, seed)
    grid = np.linspace(0.5, 1.0, 26)
    target, delta = 0.15, 0.1
    rows = [groups == g for g in ("majority", "minority")]
    kwargs = dict(
        target_risk=np.array([target, target]),
        delta=delta,
        method="ltt",
        grid=grid,
        robust_start=False,
    )
    confidences = [X[r, 1] for r in rows]
    errors = [(y[r] == 0).astype(int) for r in rows]
    choice = certify_common_threshold(confidences, errors, combine="sidak", **kwargs)
    level = 1 - (1 - delta) ** (1 / 2)  # Šidák over the two groups
    assert choice.delta.tolist() == pytest.approx([level, level])
    common = np.ones(grid.shape[0], dtype=bool)
    for c, e in zip(confidences, errors, strict=True):
        common &= _fixed_sequence_by_hand(c, e == 1, grid[::-1], target, level)
    assert choice.threshold == pytest.approx(grid[::-1][common].min())
    # the intersection-union test on the same grid certifies at least as low
    union = certify_common_threshold(confidences, errors, **kwargs)
    assert union.threshold <= choice.threshold


def test_every_group_passes_its_own_test_at_the_threshold():
    """At threshold_, each group's binomial p-value is at most delta."""
    X, y, groups, model = group_data(4000, 5)
    clf = SelectiveClassifierCV(model, target_risk=0.1, delta=0.1).fit(
        X, y, sensitive_features=groups
    )
    assert np.isfinite(clf.threshold_)
    for k, g in enumerate(clf.groups_):
        rows = (groups == g) & (X[:, 1] >= clf.threshold_)
        n_errors, n = int((y[rows] == 0).sum()), int(rows.sum())
        assert stats.binom.cdf(n_errors, n, 0.1) <= 0.1
        # the reported bound is at least the Clopper-Pearson bound at delta
        upper = stats.beta.ppf(0.9, n_errors + 1, n - n_errors)
        assert upper - 1e-9 <= clf.group_risk_bound_[k] <= 0.1
    # the minority group, with twice the errors, costs coverage
    scalar = SelectiveClassifierCV(model, target_risk=0.1, delta=0.1).fit(X, y)
    assert clf.coverage_ < scalar.coverage_


def test_target_per_group_as_mapping_and_array():
    """A looser target for one group, as a mapping or in the order of groups_."""
    X, y, groups, model = group_data(3000, 7)
    targets = {"majority": 0.08, "minority": 0.15}
    by_map = SelectiveClassifierCV(model, target_risk=targets, delta=0.1).fit(
        X, y, sensitive_features=groups
    )
    by_array = SelectiveClassifierCV(model, target_risk=[0.08, 0.15], delta=0.1).fit(
        X, y, sensitive_features=groups
    )
    assert by_map.threshold_ == by_array.threshold_
    assert (by_map.group_risk_bound_ <= [0.08, 0.15]).all()
    strict = SelectiveClassifierCV(model, target_risk=0.08, delta=0.1).fit(
        X, y, sensitive_features=groups
    )
    assert by_map.threshold_ <= strict.threshold_


@pytest.mark.parametrize(
    "target, match",
    [
        ({"majority": 0.1, "other": 0.1}, "names \\['other'\\], which are not groups"),
        ({"majority": 0.1}, "no entry for group 'minority'"),
        ([0.1, 0.2, 0.3], "one value per group \\(2 values, in the order of groups_"),
    ],
)
def test_bad_target_per_group(target, match):
    """A mapping or array of targets must name exactly the groups."""
    X, y, groups, model = group_data(500, 0)
    with pytest.raises(ValueError, match=match):
        SelectiveClassifierCV(model, target_risk=target).fit(
            X, y, sensitive_features=groups
        )


def test_small_group_is_named_with_the_size_it_needs():
    """A group too small for any certificate: warned with its needed size."""
    X, y, groups, model = group_data(3000, 11)
    groups = groups.astype(object)
    groups[:20] = "tiny"
    with pytest.warns(GuaranteeWarning, match="too small") as record:
        clf = SelectiveClassifierCV(model, target_risk=0.1, delta=0.1).fit(
            X, y, sensitive_features=groups
        )
    # every group is tested at the whole delta: (1 - r) ** m <= delta
    needed = math.ceil(math.log(0.1) / math.log(0.9))
    assert (1 - 0.1) ** needed <= 0.1 < (1 - 0.1) ** (needed - 1)
    message = str(record[0].message)
    assert f"'tiny' (20 rows, needs at least {needed} at target_risk=0.1)" in message
    assert np.isnan(clf.group_risk_bound_[list(clf.groups_).index("tiny")])
    assert np.isfinite(clf.threshold_)


def test_infeasible_in_one_group_rejects_everything_or_raises():
    """No threshold certified in every group: reject everything, or raise."""
    X, y, groups, model = group_data(2000, 2, ratio=6.0)
    kwargs = dict(target_risk=0.05, delta=0.05)
    with pytest.warns(GuaranteeWarning, match="group\\(s\\) \\['minority'\\]"):
        clf = SelectiveClassifierCV(model, **kwargs).fit(
            X, y, sensitive_features=groups
        )
    assert clf.threshold_ == np.inf and clf.coverage_ == 0.0
    assert (clf.predict(X) == clf.reject_label_).all()
    with pytest.raises(InfeasibleTargetError, match="every group"):
        SelectiveClassifierCV(model, infeasible="raise", **kwargs).fit(
            X, y, sensitive_features=groups
        )


def test_several_columns_make_their_combinations_groups():
    """A DataFrame with two columns: each observed combination is a group."""
    pd = pytest.importorskip("pandas")
    X, y, groups, model = group_data(4000, 4)
    other = np.where(np.arange(X.shape[0]) % 2, "b", "a")
    frame = pd.DataFrame({"size": groups, "letter": other})
    clf = SelectiveClassifierCV(model, target_risk=0.12, delta=0.1).fit(
        X, y, sensitive_features=frame
    )
    assert clf.groups_.tolist() == [
        ("majority", "a"),
        ("majority", "b"),
        ("minority", "a"),
        ("minority", "b"),
    ]
    assert clf.sensitive_feature_names_ == ["size", "letter"]
    assert (clf.group_risk_bound_ <= 0.12).all()
    by_array = SelectiveClassifierCV(model, target_risk=0.12, delta=0.1).fit(
        X, y, sensitive_features=np.c_[groups, other]
    )
    assert by_array.threshold_ == clf.threshold_


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.array(["a", "b"]), "has 2 rows but the data has 100 samples"),
        (np.array([None] + ["a"] * 99, dtype=object), "missing at 1 row"),
        (np.full(100, np.nan), "missing at 100 row"),
        (np.zeros((100, 2, 2)), "must be 1-D .* or 2-D"),
    ],
)
def test_bad_sensitive_features(bad, match):
    """Wrong length, missing groups and 3-D input: clear errors."""
    X, y, _, model = group_data(100, 0)
    with pytest.raises(ValueError, match=match):
        SelectiveClassifierCV(model, rejection_cost=0.1).fit(
            X, y, sensitive_features=bad
        )


def test_sgr_is_refused_with_groups():
    """SGR has no certified set on a grid shared by the groups."""
    X, y, groups, model = group_data(500, 0)
    for classwise in (False, True):
        with pytest.raises(ValueError, match="method='sgr' cannot certify one"):
            SelectiveClassifierCV(
                model, target_risk=0.1, method="sgr", classwise=classwise
            ).fit(X, y, sensitive_features=groups)
    with pytest.raises(ValueError, match="rejection_cost is given per class"):
        SelectiveClassifierCV(model, rejection_cost=[0.1, 0.2]).fit(
            X, y, sensitive_features=groups
        )


@pytest.mark.parametrize(
    "objective", [{"rejection_cost": 0.1}, {"target_coverage": 0.8}]
)
def test_other_objectives_report_per_group(objective):
    """rejection_cost / target_coverage: the same threshold, per-group report."""
    X, y, groups, model = group_data(1000, 8)
    plain = SelectiveClassifierCV(model, **objective).fit(X, y)
    clf = SelectiveClassifierCV(model, **objective).fit(X, y, sensitive_features=groups)
    assert clf.threshold_ == plain.threshold_
    assert not hasattr(clf, "group_risk_bound_")
    accepted = X[:, 1] >= clf.threshold_
    minority = groups == "minority"
    assert clf.group_coverage_[1] == pytest.approx(accepted[minority].mean())
    assert clf.group_risk_[1] == pytest.approx((y[accepted & minority] == 0).mean())


def test_refit_without_groups_drops_group_attributes():
    """A second fit without sensitive_features leaves no stale group attribute."""
    X, y, groups, model = group_data(1000, 8)
    clf = SelectiveClassifierCV(model, target_risk=0.15, delta=0.1)
    clf.fit(X, y, sensitive_features=groups)
    assert hasattr(clf, "group_risk_bound_")
    clf.fit(X, y)
    assert not hasattr(clf, "groups_") and not hasattr(clf, "group_risk_bound_")


def test_novelty_detector_rows_are_rejected_in_their_group():
    """Rows the detector drops are rejected and count in the group's coverage."""
    rng = np.random.default_rng(0)
    X, y, groups, _ = group_data(3000, 9)
    X = np.c_[X, rng.normal(size=X.shape[0])]
    X[:150, 2] = 50.0  # outliers, all in the first rows
    model = LogisticRegression()
    detector = IsolationForest(contamination=0.05, random_state=0)
    clf = SelectiveClassifierCV(
        model,
        target_risk=0.15,
        delta=0.1,
        cv=0.5,
        refit=False,
        random_state=0,
        novelty_detector=detector,
    ).fit(X, y, sensitive_features=groups)
    assert np.isfinite(clf.threshold_)
    assert (clf.predict(X[:150]) == clf.reject_label_).all()
    # coverage_ and the group coverages weigh the same rows
    weights = clf.group_n_calibration_ / clf.group_n_calibration_.sum()
    assert clf.coverage_ == pytest.approx(float(weights @ clf.group_coverage_))


class _NeedsGroups(ClassifierMixin, BaseEstimator):
    """A classifier whose fit requires sensitive_features (as fairlearn's)."""

    def fit(self, X, y, sensitive_features=None):
        assert sensitive_features is not None
        self.inner_ = LogisticRegression().fit(X, y)
        self.classes_ = self.inner_.classes_
        return self

    def predict_proba(self, X):
        return self.inner_.predict_proba(X)

    def predict(self, X):
        return self.inner_.predict(X)


def test_metadata_routing_on_and_off():
    """Consumed by fit with routing on or off; routed to a child that asks."""
    X, y, groups, model = group_data(2000, 6)
    kwargs = dict(target_risk=0.1, delta=0.1)
    off = SelectiveClassifierCV(model, **kwargs).fit(X, y, sensitive_features=groups)
    with config_context(enable_metadata_routing=True):
        on = SelectiveClassifierCV(model, **kwargs).fit(X, y, sensitive_features=groups)
        assert on.threshold_ == off.threshold_
        child = _NeedsGroups().set_fit_request(sensitive_features=True)
        routed = SelectiveClassifierCV(child, rejection_cost=0.2, cv=3).fit(
            X, y, sensitive_features=groups
        )
        assert routed.groups_.shape == (2,)
        # a search passes it on when the estimator requests it
        search = GridSearchCV(
            SelectiveClassifierCV(model, target_risk=0.2).set_fit_request(
                sensitive_features=True
            ),
            {"delta": [0.05, 0.1]},
            cv=2,
        ).fit(X, y, sensitive_features=groups)
        assert search.best_estimator_.groups_.tolist() == ["majority", "minority"]
    # and without routing, as a fit parameter split with the rows
    search = GridSearchCV(
        SelectiveClassifierCV(model, target_risk=0.2), {"delta": [0.05, 0.1]}, cv=2
    ).fit(X, y, sensitive_features=groups)
    # (the folds would fail on a length mismatch; the refit sees every row)
    assert search.best_estimator_.group_n_calibration_.sum() == X.shape[0]


def test_encode_groups_mixed_kinds_and_dict():
    """Mixed label kinds keep distinct groups; a dict gives named columns."""
    encoded = encode_groups(np.array([1, "1", 1], dtype=object), 3)
    assert len(encoded.groups) == 2
    assert encoded.index[0] == encoded.index[2] != encoded.index[1]
    encoded = encode_groups({"sex": ["F", "M"], "race": ["w", "w"]}, 2)
    assert encoded.names == ["sex", "race"]
    assert encoded.groups.tolist() == [("F", "w"), ("M", "w")]


# -- metrics and display per group --------------------------------------------


def test_report_by_group_worst_first():
    """Per-group coverage and risk by hand; worst group first, empty ones last."""
    from selective_clf.metrics import selective_classification_report

    y_true = np.array([0, 1, 1, 0, 1, 1, 0, 0])
    y_pred = np.array([0, 1, -1, 1, 1, -1, -1, -1])
    groups = np.array(["a", "a", "b", "b", "c", "c", "d", "d"])
    report = selective_classification_report(
        y_true, y_pred, reject_label=-1, sensitive_features=groups, output_dict=True
    )
    by_group = report["by group"]
    # b: 1 accepted, wrong; c: 1 accepted, right; a: 2 right; d: none accepted
    assert list(by_group) == ["b", "c", "a", "d"]
    assert by_group["b"] == {"coverage": 0.5, "selective risk": 1.0, "support": 2}
    assert by_group["c"]["selective risk"] == 0.0 and by_group["c"]["coverage"] == 0.5
    assert by_group["a"]["coverage"] == 1.0
    assert by_group["d"]["coverage"] == 0.0 and np.isnan(
        by_group["d"]["selective risk"]
    )
    text = selective_classification_report(
        y_true, y_pred, reject_label=-1, sensitive_features=groups
    )
    lines = text.splitlines()
    title = next(i for i, line in enumerate(lines) if line.strip().startswith("group"))
    assert [line.split()[0] for line in lines[title + 2 : title + 6]] == list("bcad")


def test_report_by_group_names_columns_and_weights():
    """Named columns title the block; weights make sums."""
    pd = pytest.importorskip("pandas")
    from selective_clf.metrics import selective_classification_report

    y_true = np.array([0, 1, 1, 0])
    y_pred = np.array([0, 0, 1, -1])
    frame = pd.DataFrame({"sex": ["F", "F", "M", "M"], "race": ["w", "w", "w", "b"]})
    report = selective_classification_report(
        y_true,
        y_pred,
        reject_label=-1,
        sensitive_features=frame,
        sample_weight=[1.0, 3.0, 1.0, 1.0],
        output_dict=True,
    )
    assert list(report["by group"]) == ["F, w", "M, w", "M, b"]
    assert report["by group"]["F, w"]["selective risk"] == pytest.approx(0.75)
    assert report["by group"]["F, w"]["support"] == 4.0
    text = selective_classification_report(
        y_true, y_pred, reject_label=-1, sensitive_features=frame
    )
    assert "sex, race" in text
    with pytest.raises(ValueError, match="has 3 rows but the data has 4"):
        selective_classification_report(
            y_true, y_pred, reject_label=-1, sensitive_features=["a", "b", "c"]
        )


def test_worst_group_aurc_is_the_max_of_group_aurcs():
    """The largest per-group aurc_score; weights of zero drop a group."""
    from selective_clf.metrics import aurc_score, worst_group_aurc_score

    rng = np.random.default_rng(0)
    n = 300
    y_true = rng.integers(0, 2, n)
    y_pred = rng.integers(0, 2, n)
    confidence = rng.uniform(size=n)
    groups = rng.choice(["a", "b", "c"], n)
    per_group = {
        g: aurc_score(y_true[groups == g], y_pred[groups == g], confidence[groups == g])
        for g in "abc"
    }
    assert worst_group_aurc_score(
        y_true, y_pred, confidence, sensitive_features=groups
    ) == pytest.approx(max(per_group.values()))
    worst = max(per_group, key=per_group.get)
    weight = np.where(groups == worst, 0.0, 1.0)
    others = max(v for g, v in per_group.items() if g != worst)
    assert worst_group_aurc_score(
        y_true, y_pred, confidence, sensitive_features=groups, sample_weight=weight
    ) == pytest.approx(others)


def test_display_draws_one_curve_per_group():
    """from_estimator / from_predictions with sensitive_features: group curves."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from selective_clf import RiskCoverageDisplay
    from selective_clf.metrics import aurc_score

    X, y, groups, model = group_data(2000, 1)
    clf = SelectiveClassifierCV(model, target_risk=0.1, delta=0.1).fit(
        X, y, sensitive_features=groups
    )
    display = RiskCoverageDisplay.from_estimator(clf, X, y, sensitive_features=groups)
    assert list(display.group_curves) == ["minority", "majority"]  # worst first
    minority = groups == "minority"
    curve = display.group_curves["minority"]
    assert curve["aurc"] == pytest.approx(
        aurc_score(y[minority], np.ones(minority.sum()), X[minority, 1])
    )
    accepted = X[minority, 1] >= clf.threshold_
    assert curve["operating_point"][0] == pytest.approx(accepted.mean())
    assert set(display.group_lines_) == {"minority", "majority"}
    assert "minority (AURC" in display.group_lines_["minority"].get_label()
    plain = RiskCoverageDisplay.from_predictions(
        y, np.ones_like(y), X[:, 1], threshold=0.9, sensitive_features=groups
    )
    point = plain.group_curves["majority"]["operating_point"]
    assert point[0] == pytest.approx((X[~minority, 1] >= 0.9).mean())
    plt.close("all")


# -- validity of the every-group guarantee (slow) -----------------------------


def _true_group_risk(threshold, base, ratio):
    """Exact selective risk of :func:`group_data` at ``threshold``.

    Confidences are uniform on the grid {0.500, 0.501, ..., 1.000} and the
    error rate at ``c`` is ``base * ratio * (1 - c)`` (at most 1/2 here), so
    the mean of ``1 - c`` over the accepted grid values is ``(1 - t) / 2``
    for the lowest accepted value ``t``.
    """
    if not np.isfinite(threshold):
        return 0.0 if threshold > 0 else base * ratio * 0.25
    lowest = np.ceil(max(threshold, 0.5) * 1000 - 1e-9) / 1000
    return base * ratio * (1 - lowest) / 2


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ltt_graph", "ltt"])
def test_every_group_validity_at_the_null_boundary(method):
    """The minority's risk equals its target at every threshold.

    The majority errs at 5%, the minority at 10% (twice), whatever the
    confidence; the minority's target is exactly 10% and the majority's an
    easy 20%. Every certified threshold is a violation in the minority, so
    P(any group over target) is the probability that anything is certified,
    which must stay below delta (+ 3 s.e., 600 calibrations): the binding
    case of the guarantee (with both groups at their boundary a common
    threshold needs both tests to fail, which is far rarer).
    """
    n_reps, delta = 600, 0.1
    targets = {"majority": 0.2, "minority": 0.1}
    violations = 0
    for rep in range(n_reps):
        X, y, groups, model = group_data(2000, 5000 + rep, base=0.05, flat=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GuaranteeWarning)
            clf = SelectiveClassifierCV(
                model, target_risk=targets, delta=delta, method=method
            ).fit(X, y, sensitive_features=groups)
        violations += bool(np.isfinite(clf.threshold_))
    rate = violations / n_reps
    se = math.sqrt(delta * (1 - delta) / n_reps)
    print(f"{method} at the boundary: violation rate {rate:.3f} ({n_reps} reps)")
    assert rate <= delta + 3 * se, (rate, delta)


@pytest.mark.slow
@pytest.mark.parametrize(
    "method, targets",
    [
        # both groups binding at the same threshold (2/3): the hardest case
        ("ltt_graph", {"majority": 0.05, "minority": 0.1}),
        ("ltt", {"majority": 0.05, "minority": 0.1}),
    ],
)
def test_every_group_validity(method, targets):
    """P(any group above its target) <= delta + 3 s.e.; coverage near the oracle.

    Risk falling with confidence, the minority erring twice as often; the
    targets make both groups binding at the same threshold 2/3 (oracle
    coverage 2/3). 400 calibrations of 4000 rows.
    """
    n_reps, delta, base, ratio = 400, 0.1, 0.3, 2.0
    violations, covered = 0, []
    for rep in range(n_reps):
        X, y, groups, model = group_data(4000, 1000 + rep, base=base, ratio=ratio)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GuaranteeWarning)
            clf = SelectiveClassifierCV(
                model, target_risk=targets, delta=delta, method=method
            ).fit(X, y, sensitive_features=groups)
        risks = {
            "majority": _true_group_risk(clf.threshold_, base, 1.0),
            "minority": _true_group_risk(clf.threshold_, base, ratio),
        }
        violations += any(risks[g] > targets[g] + 1e-12 for g in targets)
        covered.append(clf.coverage_)
    rate = violations / n_reps
    se = math.sqrt(delta * (1 - delta) / n_reps)
    assert rate <= delta + 3 * se, (rate, delta)
    print(f"{method}: violation rate {rate:.3f}, mean coverage {np.mean(covered):.3f}")
    assert np.mean(covered) > 0.35  # oracle 2/3: not valid by rejecting all


def test_target_per_group_without_groups_says_how():
    """A mapping of targets without sensitive_features: the error names both uses."""
    X, y, _, model = group_data(300, 0)
    with pytest.raises(ValueError, match="sensitive_features=A"):
        SelectiveClassifierCV(model, target_risk={"a": 0.1, "b": 0.2}).fit(X, y)


def _three_class_data(n, seed):
    """Calibrated three-class probabilities, a frozen model and two groups."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, 3)) * np.array([4.0, 2.0, 1.0])
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    proba = np.round(proba, 3)
    proba /= proba.sum(axis=1, keepdims=True)
    codes = (rng.uniform(size=(n, 1)) > proba.cumsum(axis=1)).sum(axis=1)
    y = np.minimum(codes, 2)
    groups = np.where(rng.uniform(size=n) < 0.3, "B", "A")
    model = FrozenEstimator(ProbaColumns().fit(proba, [0, 1, 2]))
    return proba, y, groups, model


def test_classwise_with_groups_certifies_every_cell():
    """classwise=True: each class's threshold passes in each of its cells."""
    proba, y, groups, model = _three_class_data(6000, 0)
    delta, target = 0.1, 0.15
    with pytest.warns(GuaranteeWarning, match="class\\(es\\) \\[2\\]"):
        clf = SelectiveClassifierCV(
            model, target_risk=target, delta=delta, classwise=True
        ).fit(proba, y, sensitive_features=groups)
    assert clf.group_risk_bound_.shape == (3, 2)
    assert clf.threshold_[2] == np.inf
    # two classes certified: each at the Šidák share over the three eligible
    level = 1 - (1 - delta) ** (1 / 3)
    pred, conf = proba.argmax(axis=1), proba.max(axis=1)
    for k in (0, 1):
        assert np.isfinite(clf.threshold_[k])
        for j, g in enumerate(("A", "B")):
            rows = (pred == k) & (groups == g) & (conf >= clf.threshold_[k])
            n_errors, n = int((y[rows] != k).sum()), int(rows.sum())
            assert stats.binom.cdf(n_errors, n, target) <= level
            assert clf.group_risk_bound_[k, j] <= target
    accepted = conf >= clf.threshold_[pred]
    for j, g in enumerate(("A", "B")):
        assert clf.group_coverage_[j] == pytest.approx(accepted[groups == g].mean())
        wrong = (pred != y)[accepted & (groups == g)]
        assert clf.group_risk_[j] == pytest.approx(wrong.mean())
    # the cells cost coverage against the class-wise thresholds alone
    alone = SelectiveClassifierCV(
        model, target_risk=target, delta=delta, classwise=True
    ).fit(proba, y)
    assert (clf.threshold_[:2] >= alone.threshold_[:2]).all()


def test_classwise_with_groups_names_small_cells():
    """A (class, group) cell too small is named with the size it needs."""
    proba, y, groups, model = _three_class_data(6000, 1)
    groups = groups.astype(object)
    pred = proba.argmax(axis=1)
    groups[np.flatnonzero(pred == 0)[:5]] = "tiny"
    with pytest.warns(GuaranteeWarning, match="\\(0, 'tiny'\\) \\(5 rows, needs"):
        SelectiveClassifierCV(model, target_risk=0.15, delta=0.1, classwise=True).fit(
            proba, y, sensitive_features=groups
        )


@pytest.mark.slow
def test_classwise_cells_validity_at_the_null_boundary():
    """classwise=True with groups: P(any cell over target) <= delta + 3 s.e.

    Two predicted classes, each half the rows; the minority errs at 10% and
    the majority at 5% whatever the confidence, target 0.1 for both classes:
    the two minority cells sit at their boundary, so every threshold
    certified for a class is a violation. 600 calibrations of 3000 rows.
    """
    n_reps, delta, n = 600, 0.1, 3000
    violations = 0
    for rep in range(n_reps):
        rng = np.random.default_rng(20000 + rep)
        confidence = np.round(rng.uniform(0.5, 1.0, size=n), 3)
        pred = rng.integers(0, 2, size=n)
        minority = rng.uniform(size=n) < 0.3
        wrong = rng.uniform(size=n) < np.where(minority, 0.1, 0.05)
        y = np.where(wrong, 1 - pred, pred)
        proba = (
            np.where(pred[:, None] == 1, 1.0, 0.0) * np.c_[1 - confidence, confidence]
            + np.where(pred[:, None] == 0, 1.0, 0.0) * np.c_[confidence, 1 - confidence]
        )
        model = FrozenEstimator(ProbaColumns().fit(proba, [0, 1]))
        groups = np.where(minority, "minority", "majority")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GuaranteeWarning)
            clf = SelectiveClassifierCV(
                model, target_risk=0.1, delta=delta, classwise=True
            ).fit(proba, y, sensitive_features=groups)
        violations += bool(np.isfinite(clf.threshold_).any())
    rate = violations / n_reps
    se = math.sqrt(delta * (1 - delta) / n_reps)
    print(f"class-wise cells at the boundary: violation rate {rate:.3f}")
    assert rate <= delta + 3 * se, (rate, delta)
