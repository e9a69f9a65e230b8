import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading

from selective_clf import GuaranteeWarning, SelectiveClassifier, SelectiveClassifierCV
from selective_clf.certify import (
    holm_candidates,
    select_threshold_ltt,
    select_threshold_ltt_graph,
    select_threshold_sgr,
)

from ._helpers import ProbaColumns


def _frozen_oracle(n, seed, n_decimals=2):
    """Binary data with tied probabilities, and a frozen model returning them."""
    rng = np.random.default_rng(seed)
    p1 = np.round(rng.uniform(size=n), n_decimals)
    y = (rng.uniform(size=n) < p1).astype(int)
    X = np.column_stack([1 - p1, p1])
    model = FrozenEstimator(ProbaColumns().fit(X, [0, 1]))
    return X, y, model


def _oof(X, y):
    """Confidence and errors of the ProbaColumns model on (X, y)."""
    confidence = X.max(axis=1)
    errors = X.argmax(axis=1) != y
    return confidence, errors


def _brute_candidates(confidence):
    return np.concatenate([np.unique(confidence), [np.inf]])


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("cost", [0.0, 0.1, 0.3, 0.5])
def test_rejection_cost_matches_brute_force(seed, cost):
    """The cost objective equals a threshold-by-threshold scan (with ties)."""
    X, y, model = _frozen_oracle(60, seed)
    w = np.random.default_rng(seed).uniform(0.5, 2.0, size=len(y))
    clf = SelectiveClassifierCV(model, rejection_cost=cost).fit(X, y, sample_weight=w)
    confidence, errors = _oof(X, y)
    best = None
    for t in _brute_candidates(confidence):
        acc = confidence >= t
        value = (np.sum(w * (errors & acc)) + cost * np.sum(w * ~acc)) / w.sum()
        if (
            best is None
            or value < best[0] - 1e-12
            or (abs(value - best[0]) <= 1e-12 and acc.sum() > best[1].sum())
        ):
            best = (value, acc)
    accepted = X.max(axis=1) >= clf.threshold_
    np.testing.assert_array_equal(accepted, best[1])
    assert clf.best_score_ == pytest.approx(1 - best[0])
    np.testing.assert_array_equal(clf.predict(X) != -1, best[1])


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("target", [0.5, 0.8, 0.95, 1.0])
def test_target_coverage_matches_brute_force(seed, target):
    """Coverage objective: the highest threshold within the conformal limit."""
    X, y, model = _frozen_oracle(50, seed)
    clf = SelectiveClassifierCV(model, target_coverage=target).fit(X, y)
    confidence, errors = _oof(X, y)
    n = len(y)
    k = int(np.floor((1 - target) * (n + 1)))
    # scan thresholds from the top: the first whose rejections stay below k.
    expected = np.ones(n, dtype=bool)
    for t in np.unique(confidence)[::-1]:
        if k >= 1 and (confidence < t).sum() <= k - 1:
            expected = confidence >= t
            break
    np.testing.assert_array_equal(confidence >= clf.threshold_, expected)
    assert clf.best_score_ == pytest.approx(1 - errors[expected].mean())
    assert clf.coverage_ >= target - 1 / (n + 1)


def _auto_risk_grid(confidence, target_risk=0.2, delta=0.1):
    """The default LTT candidates, by a scan: start where 2 errors can pass."""
    from scipy.stats import binom

    n_start = next(
        n
        for n in range(1, len(confidence) + 1)
        if binom.cdf(2, n, target_risk) <= delta
    )
    start = np.sort(confidence)[::-1][n_start - 1]
    return np.array([t for t in np.unique(confidence) if t <= start])


@pytest.mark.parametrize(
    "method, reference",
    [
        (
            "ltt",
            lambda c, e: select_threshold_ltt(
                c, e, target_risk=0.2, delta=0.1, thresholds=_auto_risk_grid(c)
            ),
        ),
        (
            "ltt_holm",
            lambda c, e: select_threshold_ltt(
                c,
                e,
                target_risk=0.2,
                delta=0.1,
                fwer="holm",
                thresholds=holm_candidates(c, target_risk=0.2, delta=0.1),
            ),
        ),
        ("sgr", lambda c, e: select_threshold_sgr(c, e, target_risk=0.2, delta=0.1)),
        (
            "ltt_graph",
            lambda c, e: select_threshold_ltt_graph(c, e, target_risk=0.2, delta=0.1),
        ),
    ],
)
def test_target_risk_uses_the_certified_selection(method, reference):
    """target_risk returns the bounds module's certified threshold and bound."""
    X, y, model = _frozen_oracle(400, 0)
    clf = SelectiveClassifierCV(model, target_risk=0.2, delta=0.1, method=method).fit(
        X, y
    )
    expected = reference(*_oof(X, y))
    assert expected.feasible
    assert clf.threshold_ == expected.threshold
    assert clf.risk_bound_ == pytest.approx(expected.risk_bound)
    assert clf.risk_bound_ <= 0.2
    assert clf.coverage_ == pytest.approx(expected.coverage)
    assert clf.best_score_ == pytest.approx(expected.coverage)
    curve = clone(clf).set_params(store_cv_results=True).fit(X, y).cv_results_
    assert len(curve["thresholds"]) == len(np.unique(X.max(axis=1)))
    chosen = curve["thresholds"] == clf.threshold_
    assert curve["coverage"][chosen] == pytest.approx(clf.coverage_)


@pytest.mark.parametrize("classwise", [False, True])
def test_method_fallback_is_deprecated_for_ltt_graph(classwise):
    """The old name of the default warns once and certifies the same."""
    X, y, model = _frozen_oracle(400, 0)
    kw = {"target_risk": 0.2, "delta": 0.1, "classwise": classwise}
    new = SelectiveClassifierCV(model, method="ltt_graph", **kw).fit(X, y)
    with pytest.warns(FutureWarning, match="renamed method='ltt_graph'") as caught:
        old = SelectiveClassifierCV(model, method="fallback", **kw).fit(X, y)
    assert sum(issubclass(w.category, FutureWarning) for w in caught) == 1
    np.testing.assert_array_equal(old.threshold_, new.threshold_)
    np.testing.assert_array_equal(old.risk_bound_, new.risk_bound_)
    assert SelectiveClassifierCV(model).method == "ltt_graph"


def test_scoring_matches_brute_force_over_grid():
    """A scorer is evaluated at each grid threshold on the out-of-fold data."""
    X, y, model = _frozen_oracle(80, 1)
    grid = np.linspace(0.5, 1.0, 11)
    scorer = make_scorer(f1_score, average="macro")
    clf = SelectiveClassifierCV(
        model, scoring=scorer, thresholds=grid, store_cv_results=True
    ).fit(X, y)
    confidence = X.max(axis=1)
    y_base = X.argmax(axis=1)
    expected = []
    for t in grid:  # a user grid means exactly those values
        y_sel = np.where(confidence >= t, y_base, -1)
        expected.append(f1_score(y, y_sel, average="macro"))
    np.testing.assert_allclose(clf.cv_results_["objective"], expected)
    assert clf.threshold_ == grid[np.argmax(expected)]


@pytest.mark.filterwarnings("ignore:threshold=.*never rejects:UserWarning")
def test_same_threshold_as_grid_search():
    """With equal folds, the cost objective picks GridSearchCV's threshold."""
    X, y = load_breast_cancer(return_X_y=True)
    X, y = StandardScaler().fit_transform(X[:565]), y[:565]  # 5 folds of 113
    model = LogisticRegression()
    grid = np.round(np.linspace(0.5, 0.995, 12), 3)
    cv = KFold(5, shuffle=True, random_state=0)
    tuned = SelectiveClassifierCV(
        model, rejection_cost=0.1, thresholds=grid, cv=cv
    ).fit(X, y)
    search = GridSearchCV(
        SelectiveClassifier(model, rejection_cost=0.1), {"threshold": grid}, cv=cv
    ).fit(X, y)
    assert tuned.threshold_ == search.best_params_["threshold"]
    assert tuned.best_score_ == pytest.approx(search.best_score_)


@pytest.mark.slow
def test_conformal_coverage_holds_on_new_samples():
    """Mean rejection rate on new data is at most 1 - rho + 1/(n+1)."""
    rho, n, reps = 0.8, 60, 300
    rng = np.random.default_rng(0)
    rates = []
    for _ in range(reps):
        p1 = rng.uniform(size=n + 2000)
        X = np.column_stack([1 - p1, p1])
        y = (rng.uniform(size=n + 2000) < p1).astype(int)
        model = FrozenEstimator(ProbaColumns().fit(X[:2], [0, 1]))
        clf = SelectiveClassifierCV(model, target_coverage=rho).fit(X[:n], y[:n])
        rates.append(np.mean(X[n:].max(axis=1) < clf.threshold_))
    mc_error = 3 * np.std(rates) / np.sqrt(reps)
    assert np.mean(rates) <= 1 - rho + 1 / (n + 1) + mc_error
    assert np.mean(rates) >= 1 - rho - 1 / (n + 1) - mc_error


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ltt", "ltt_holm", "sgr"])
def test_target_risk_guarantee_holds_in_simulation(method):
    """Known posteriors: the true risk exceeds r at most delta of the time."""
    r, delta, m, reps = 0.1, 0.05, 1000, 200
    rng = np.random.default_rng(1)
    violations, coverages = 0, []
    for _ in range(reps):
        # confidence c ~ U(0.5, 1), error with probability 1 - c: the true
        # selective risk above t is (1 - t) / 2 and the coverage 2 (1 - t).
        p1 = rng.uniform(size=m)
        X = np.column_stack([1 - p1, p1])
        y = (rng.uniform(size=m) < p1).astype(int)
        model = FrozenEstimator(ProbaColumns().fit(X[:2], [0, 1]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GuaranteeWarning)
            clf = SelectiveClassifierCV(
                model, target_risk=r, delta=delta, method=method
            ).fit(X, y)
        t = min(max(clf.threshold_, 0.5), 1.0)
        violations += (1 - t) / 2 > r
        coverages.append(2 * (1 - t))
    se = np.sqrt(delta * (1 - delta) / reps)
    assert violations / reps <= delta + 3 * se
    assert 0 < np.mean(coverages) <= 0.4  # the oracle coverage is 0.4


def test_infeasible_target_risk_warns_and_rejects_everything():
    """No certifiable threshold: a warning, and every prediction is rejected."""
    X, y, model = _frozen_oracle(30, 0)
    with pytest.warns(GuaranteeWarning, match="rejects everything"):
        clf = SelectiveClassifierCV(model, target_risk=0.01).fit(X, y)
    assert clf.threshold_ == np.inf
    assert np.isnan(clf.risk_bound_)
    assert (clf.predict(X) == -1).all()


@pytest.mark.parametrize(
    "params, expectation",
    [
        ({"cv": 5, "refit": True}, "fold models"),
        ({"cv": 0.3, "refit": True}, "refitted on the calibration samples"),
    ],
)
def test_refitting_on_calibration_data_warns(params, expectation):
    """A protocol that voids the guarantee is named in a warning."""
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    with pytest.warns(GuaranteeWarning, match=expectation):
        SelectiveClassifierCV(model, target_risk=0.05, random_state=0, **params).fit(
            X, y
        )


def test_holdout_without_refit_keeps_the_split_model():
    """cv=float, refit=False: the model is trained on the rest, no warning."""
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = SelectiveClassifierCV(
            model, target_risk=0.05, cv=0.4, refit=False, random_state=0
        ).fit(X, y)
    assert clf.risk_bound_ <= 0.05
    # the kept model was trained on 60% of the data only
    full = clone(model).fit(X, y)
    assert not np.allclose(clf.estimator_[-1].coef_, full[-1].coef_)


@pytest.mark.parametrize(
    "params, match",
    [
        ({}, "exactly one objective"),
        ({"rejection_cost": 0.1, "target_risk": 0.1}, "exactly one objective"),
        ({"target_coverage": 1.5}, "target_coverage"),
        ({"target_risk": 0.0}, "target_risk"),
        ({"rejection_cost": 0.1, "cv": 5, "refit": False}, "single split"),
        ({"rejection_cost": 0.1, "method": "bonferoni"}, "method"),
        ({"rejection_cost": 0.1, "thresholds": [0.5, np.nan]}, "NaN"),
    ],
)
def test_bad_configuration_errors(params, match):
    """Missing, conflicting or invalid objectives fail at fit with a clear error."""
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=match):
        SelectiveClassifierCV(LogisticRegression(max_iter=1000), **params).fit(X, y)


def test_store_cv_results_curve_is_consistent():
    """cv_results_ holds ascending thresholds with their coverage and risk."""
    X, y, model = _frozen_oracle(100, 3)
    clf = SelectiveClassifierCV(model, rejection_cost=0.2, store_cv_results=True).fit(
        X, y
    )
    res = clf.cv_results_
    assert np.all(np.diff(res["thresholds"]) > 0)
    assert np.all(np.diff(res["coverage"]) <= 0)
    confidence, errors = _oof(X, y)
    for t, cov, risk in zip(
        res["thresholds"], res["coverage"], res["risk"], strict=True
    ):
        acc = confidence >= t
        assert cov == pytest.approx(acc.mean())
        if acc.any():
            assert risk == pytest.approx(errors[acc].mean())


def test_parallel_folds_give_the_same_result():
    """n_jobs=2 gives the n_jobs=1 threshold (up to float rounding)."""
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    one = SelectiveClassifierCV(model, rejection_cost=0.2).fit(X, y)
    two = SelectiveClassifierCV(model, rejection_cost=0.2, n_jobs=2).fit(X, y)
    # the fold models are fitted in other processes, whose BLAS may round the
    # last digits differently: the same threshold up to float rounding
    assert one.threshold_ == pytest.approx(two.threshold_, rel=1e-9)


def test_behaves_as_selective_classifier_in_pipeline_and_search():
    """Pipeline, score, and GridSearchCV over inner parameters work."""
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        SelectiveClassifierCV(LogisticRegression(), rejection_cost=0.2),
    )
    search = GridSearchCV(pipe, {"selectiveclassifiercv__estimator__C": [0.1, 1]}, cv=3)
    search.fit(X, y)
    tuned = search.best_estimator_[-1]
    fixed = SelectiveClassifier(tuned.estimator_, threshold=tuned.threshold_)
    fixed.estimator_ = tuned.estimator_
    fixed.response_method_ = tuned.response_method_
    Xt = search.best_estimator_[0].transform(X)
    np.testing.assert_array_equal(tuned.predict(Xt), fixed.predict(Xt))
    assert 0 <= search.score(X, y) <= 1


def test_metadata_routing_sample_weight_and_groups():
    """sample_weight reaches the estimator; groups reach the splitter."""
    X, y = load_breast_cancer(return_X_y=True)
    groups = np.arange(len(y)) % 7
    w = np.linspace(0.5, 1.5, len(y))
    X = StandardScaler().fit_transform(X)
    with config_context(enable_metadata_routing=True):
        base = LogisticRegression().set_fit_request(sample_weight=True)
        clf = SelectiveClassifierCV(base, rejection_cost=0.2, cv=GroupKFold(3))
        clf.fit(X, y, sample_weight=w, groups=groups)
        expected = LogisticRegression().fit(X, y, sample_weight=w)
        np.testing.assert_allclose(clf.estimator_.coef_, expected.coef_)
        with pytest.raises(ValueError, match="groups"):
            SelectiveClassifierCV(
                LogisticRegression(), rejection_cost=0.2, cv=GroupKFold(3)
            ).fit(X, y)


# -- issue 20: every documented path keeps its promise ------------------------


@pytest.mark.parametrize("objective", [{"target_risk": 0.2}, {"target_coverage": 0.8}])
def test_sample_weight_is_refused_where_a_guarantee_counts_rows(objective):
    """Weights with a guaranteed objective: an error, never silently ignored."""
    X, y, model = _frozen_oracle(200, 0)
    clf = SelectiveClassifierCV(model, **objective)
    with pytest.raises(ValueError, match="sample_weight cannot be used with"):
        clf.fit(X, y, sample_weight=np.full(len(y), 10.0))
    # the objectives that honour weights still take them
    w = np.where(X.max(axis=1) < 0.7, 10.0, 1.0)
    weighted = SelectiveClassifierCV(model, rejection_cost=0.2).fit(
        X, y, sample_weight=w
    )
    repeated = SelectiveClassifierCV(model, rejection_cost=0.2).fit(
        np.repeat(X, w.astype(int), axis=0), np.repeat(y, w.astype(int))
    )
    assert weighted.threshold_ == repeated.threshold_


def test_infeasible_raise_is_an_error_with_the_achievable_target():
    """infeasible="raise": no model that rejects everything, a named error."""
    from selective_clf.exceptions import InfeasibleTargetError

    X, y, model = _frozen_oracle(30, 0)
    clf = SelectiveClassifierCV(model, target_risk=0.01, infeasible="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning on the way to the error
        with pytest.raises(InfeasibleTargetError, match="calibrate on more data"):
            clf.fit(X, y)
    assert isinstance(InfeasibleTargetError("x"), ValueError)
    # a feasible target is unaffected by the switch
    X, y, model = _frozen_oracle(2000, 0)
    kwargs = {"target_risk": 0.2, "delta": 0.1}
    strict = SelectiveClassifierCV(model, infeasible="raise", **kwargs).fit(X, y)
    lenient = SelectiveClassifierCV(model, **kwargs).fit(X, y)
    assert strict.threshold_ == lenient.threshold_ < np.inf


def test_infeasible_raise_classwise_names_the_class():
    from selective_clf.exceptions import InfeasibleTargetError

    X, y, model = _frozen_oracle(300, 0)
    clf = SelectiveClassifierCV(
        model,
        target_risk={0: 0.3, 1: 0.001},
        classwise=True,
        infeasible="raise",
    )
    with pytest.raises(InfeasibleTargetError, match=r"class\(es\) \[1\]"):
        clf.fit(X, y)


def test_groups_reach_the_splitter_without_routing():
    """As GridSearchCV: fit(X, y, groups=g) with routing off splits by group."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    groups = np.arange(len(y)) % 7
    clf = SelectiveClassifierCV(
        LogisticRegression(), rejection_cost=0.2, cv=GroupKFold(3)
    ).fit(X, y, groups=groups)
    # the same threshold as with routing on, where groups are routed explicitly
    with config_context(enable_metadata_routing=True):
        routed = SelectiveClassifierCV(
            LogisticRegression(), rejection_cost=0.2, cv=GroupKFold(3)
        ).fit(X, y, groups=groups)
    assert clf.threshold_ == routed.threshold_
    # and it differs from ignoring the groups (a plain stratified 3-fold)
    ungrouped = SelectiveClassifierCV(LogisticRegression(), rejection_cost=0.2, cv=3)
    assert ungrouped.fit(X, y).best_score_ != clf.best_score_


def test_calibration_labels_of_another_kind_are_an_error():
    """String y for an int-label frozen model: the metrics' clear error."""
    X, y, model = _frozen_oracle(200, 0)
    clf = SelectiveClassifierCV(model, target_risk=0.2)
    with pytest.raises(ValueError, match="Mix of label input types"):
        clf.fit(X, y.astype(str))


def test_class_missing_from_a_training_fold_warns_naming_it():
    """KFold on sorted y: a fold model that never saw a class is named."""
    X, y = load_iris(return_X_y=True)
    clf = SelectiveClassifierCV(
        LogisticRegression(max_iter=1000), rejection_cost=0.2, cv=KFold(3)
    )
    with pytest.warns(
        UserWarning, match=r"split 0: \[0\]; split 1: \[1\]; split 2: \[2\]"
    ):
        clf.fit(X, y)


# -- NaN confidences, the holdout protocol, grids, objectives, weights -----------


# Records of RandomSeedClassifier: one entry per fit, and the seed of every
# model that computed probabilities.
_FITS = []
_PROBA_SEEDS = []
# Where an unseeded RandomSeedClassifier draws its seed: a generator shared by
# every fit (as the global RNG of random_state=None), reset by the tests.
_SEED_SOURCE = [np.random.default_rng(0)]


class RandomSeedClassifier(ClassifierMixin, BaseEstimator):
    """An unseeded randomized classifier, as ExtraTrees with random_state=None.

    X has two columns in [0.5, 1]: ``u`` is the probability of class 1 and
    ``v`` is noise. ``fit`` draws a seed; an odd seed makes the model
    informative (its probability of class 1 is ``u``), an even one makes it
    a noise model (``v``). Either way it predicts class 1.
    """

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        rng = (
            _SEED_SOURCE[0]
            if self.random_state is None
            else np.random.default_rng(self.random_state)
        )
        self.seed_ = int(rng.integers(2**31 - 1))
        _FITS.append(self.seed_)
        return self

    @property
    def informative_(self):
        return self.seed_ % 2 == 1

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        _PROBA_SEEDS.append(self.seed_)
        p1 = X[:, 0] if self.informative_ else X[:, 1]
        return np.column_stack([1 - p1, p1])

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _random_seed_data(n, rng):
    """(u, v) features and labels with P(y = 1 | u) = u, u and v ~ U(0.5, 1)."""
    u, v = rng.uniform(0.5, 1.0, size=(2, n))
    y = (rng.uniform(size=n) < u).astype(int)
    return np.column_stack([u, v]), y


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_cv_refuses_all_nan_out_of_fold_confidences(digits_split):
    """Every out-of-fold confidence NaN: a ValueError, not threshold_=inf."""
    X_train, _, y_train = digits_split
    with pytest.raises(ValueError, match="Every out-of-fold confidence is NaN"):
        SelectiveClassifierCV(LabelSpreading(), rejection_cost=0.3, cv=3).fit(
            X_train, y_train
        )


@pytest.mark.parametrize(
    "params",
    [{"rejection_cost": 0.3}, {"target_coverage": 0.5}, {"scoring": "accuracy"}],
)
def test_cv_warns_on_some_nan_and_coverage_agrees_with_predict(params):
    """Some NaN confidences: a warning, and coverage_ is what predict accepts."""
    rng = np.random.default_rng(0)
    p1 = rng.uniform(size=200)
    X = np.column_stack([1 - p1, p1])
    X[:30] = np.nan
    y = (rng.uniform(size=200) < np.nan_to_num(p1, nan=0.5)).astype(int)
    model = FrozenEstimator(ProbaColumns().fit(X, y))
    with pytest.warns(UserWarning, match="30 of 200 out-of-fold confidences are NaN"):
        clf = SelectiveClassifierCV(model, **params).fit(X, y)
    accepted = clf.predict(X) != clf.reject_label_
    assert not accepted[:30].any()
    assert clf.coverage_ == pytest.approx(accepted.mean())
    assert clf.coverage_ <= 170 / 200


def test_holdout_without_refit_returns_the_certified_model():
    """cv=float, refit=False: one fit, and estimator_ is the model certified."""
    X, y = _random_seed_data(400, np.random.default_rng(0))
    _FITS.clear()
    _PROBA_SEEDS.clear()
    clf = SelectiveClassifierCV(
        RandomSeedClassifier(), target_risk=0.2, cv=0.3, refit=False, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GuaranteeWarning)  # an uninformative draw
        clf.fit(X, y)
    assert len(_FITS) == 1
    assert set(_PROBA_SEEDS) == {clf.estimator_.seed_}
    assert clf.estimator_.seed_ == _FITS[0]


@pytest.mark.slow
def test_holdout_guarantee_holds_with_an_unseeded_randomized_base():
    """The returned model's true risk exceeds the target at most delta often."""
    target, delta, n, reps = 0.1, 0.05, 1000, 600
    rng = np.random.default_rng(0)
    _SEED_SOURCE[0] = np.random.default_rng(1)
    violations = 0
    for _ in range(reps):
        X, y = _random_seed_data(n, rng)
        clf = SelectiveClassifierCV(
            RandomSeedClassifier(),
            target_risk=target,
            delta=delta,
            cv=0.5,
            refit=False,
            random_state=rng.integers(2**31),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GuaranteeWarning)
            clf.fit(X, y)
        t = clf.threshold_
        if t >= 1:  # accepts (almost) nothing: no risk to violate
            continue
        # true selective risk of the returned model at t: errors happen
        # with probability 1 - u, u ~ U(0.5, 1)
        if clf.estimator_.informative_:
            risk = (1 - max(t, 0.5)) / 2
        else:
            risk = 0.25  # v is independent of u
        violations += risk > target
    se = np.sqrt(delta * (1 - delta) / reps)
    assert violations / reps <= delta + 3 * se


def test_target_coverage_grid_above_every_confidence_errors(iris):
    """A user grid that accepts too little: a ValueError saying what to add."""
    X, y = iris
    clf = SelectiveClassifierCV(
        LogisticRegression(max_iter=1000), target_coverage=0.8, thresholds=[1.5, 2.0]
    )
    with pytest.raises(ValueError, match="Add lower candidate thresholds"):
        clf.fit(X, y)


@pytest.mark.filterwarnings("ignore::selective_clf.GuaranteeWarning")
@pytest.mark.parametrize(
    "params",
    [
        {"rejection_cost": 0.2},
        {"target_coverage": 0.8},
        {"target_risk": 0.1},
        {"scoring": "accuracy"},
    ],
)
def test_empty_grid_errors(params, iris):
    """thresholds=[]: a ValueError naming the fix, for every objective."""
    X, y = iris
    with pytest.raises(ValueError, match="thresholds must be a non-empty"):
        SelectiveClassifierCV(
            LogisticRegression(max_iter=1000), thresholds=[], **params
        ).fit(X, y)


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("scoring", ["roc_auc", "neg_log_loss"])
def test_scoring_of_probabilities_errors(scoring, binary, iris):
    """A scorer of predict_proba/decision_function cannot choose a threshold."""
    X, y = iris
    if binary:
        X, y = X[y < 2], y[y < 2]
    elif scoring == "roc_auc":
        scoring = "roc_auc_ovr"
    with pytest.raises(
        ValueError, match="scores (predict_proba|decision_function), which does not"
    ) as error:
        SelectiveClassifierCV(LogisticRegression(max_iter=1000), scoring=scoring).fit(
            X, y
        )
    assert "_FixedPredictions" not in str(error.value)


@pytest.mark.filterwarnings("ignore::selective_clf.GuaranteeWarning")
@pytest.mark.parametrize(
    "params",
    [
        {"rejection_cost": 0.2},
        {"target_coverage": 0.9},
        {"scoring": "accuracy"},
        {"target_risk": 0.1, "method": "ltt"},
    ],
)
def test_user_grid_is_exactly_the_candidates(params, iris):
    """A grid of 11 values: exactly those 11 thresholds in cv_results_."""
    X, y = iris
    grid = np.linspace(0.3, 0.99, 11)
    clf = SelectiveClassifierCV(
        LogisticRegression(max_iter=1000),
        thresholds=grid,
        store_cv_results=True,
        **params,
    ).fit(X, y)
    np.testing.assert_array_equal(clf.cv_results_["thresholds"], grid)
    assert clf.threshold_ in grid


@pytest.mark.filterwarnings("ignore::selective_clf.GuaranteeWarning")
@pytest.mark.parametrize(
    "params",
    [
        {"rejection_cost": 1.0},
        {"target_coverage": 1.0},
        {"scoring": "accuracy"},
        {"target_risk": 0.9},
        {"target_risk": 0.9, "method": "ltt"},
        {"target_risk": 0.9, "method": "sgr"},
    ],
)
def test_accept_everything_is_minus_inf_for_every_objective(params, iris):
    """thresholds='auto': accepting every sample is threshold_ = -inf."""
    X, y = iris
    clf = SelectiveClassifierCV(
        LogisticRegression(max_iter=1000), store_cv_results=True, **params
    ).fit(X, y)
    assert clf.coverage_ == 1.0
    assert clf.threshold_ == -np.inf
    assert clf.cv_results_["thresholds"][0] == -np.inf
    # a new sample less confident than every calibration one is accepted
    assert (clf.predict(X) != clf.reject_label_).all()


def test_negative_sample_weight_is_refused(iris):
    """SelectiveClassifierCV refuses a negative weight, as the metrics do."""
    X, y = iris
    weight = np.ones(len(y))
    weight[3] = -1.0
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        SelectiveClassifierCV(
            LogisticRegression(max_iter=1000), rejection_cost=0.2
        ).fit(X, y, sample_weight=weight)


def test_target_coverage_rejecting_one_rank_gives_the_lowest_confidence():
    """k = floor((1 - rho)(n + 1)) = 1: threshold_ is the smallest confidence."""
    rng = np.random.default_rng(0)
    p1 = rng.uniform(size=100)
    X = np.column_stack([1 - p1, p1])
    y = (rng.uniform(size=100) < p1).astype(int)
    model = FrozenEstimator(ProbaColumns().fit(X, y))
    clf = SelectiveClassifierCV(model, target_coverage=0.99).fit(X, y)  # k = 1
    assert clf.threshold_ == X.max(axis=1).min()
    assert clf.coverage_ == 1.0
    rho0 = SelectiveClassifierCV(model, target_coverage=0.995).fit(X, y)  # k = 0
    assert rho0.threshold_ == -np.inf


def test_verbose_prints_fits_and_certificate(capsys):
    """verbose=1 names the splits and prints the certificate; 0 is silent."""
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    SelectiveClassifierCV(model, rejection_cost=0.1, cv=3, verbose=1).fit(X, y)
    printed = capsys.readouterr().out
    assert "fitting 3 split(s) (refit protocol)" in printed
    assert "Selective-risk certificate" in printed
    SelectiveClassifierCV(model, rejection_cost=0.1, cv=3).fit(X, y)
    assert capsys.readouterr().out == ""
