"""Tests of SelectiveCascade and SelectiveCascadeCV."""

import pickle
import warnings
from itertools import product

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from selective_clf import (
    GuaranteeWarning,
    SelectiveCascade,
    SelectiveCascadeCV,
    SelectiveClassifier,
    SelectiveClassifierCV,
)
from selective_clf._counting import cascade_counts
from selective_clf.certify import select_threshold_ltt_graph
from selective_clf.metrics import rejection_cost_loss

# Rows seen by each spy, by spy name: {"fit": [...], "predict": [...]}.
CALLS = {}


class SpyProba(ClassifierMixin, BaseEstimator):
    """Binary classifier whose P(class 1) is column ``column`` of X; logs rows seen."""

    def __init__(self, column=0, name="spy"):
        self.column = column
        self.name = name

    def _log(self, method, X):
        CALLS.setdefault(self.name, {"fit": [], "predict": [], "types": []})
        CALLS[self.name][method].append(X.shape[0])
        CALLS[self.name]["types"].append(type(X))

    def fit(self, X, y):
        self._log("fit", X)
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        self._log("predict", X)
        return self._proba(X)

    def _proba(self, X):
        column = X[:, [self.column]] if sp.issparse(X) else None
        if column is not None:
            p1 = np.asarray(column.todense()).ravel()
        else:
            p1 = np.asarray(X, dtype=float)[:, self.column]
        return np.column_stack([1 - p1, p1])

    def predict(self, X):
        # not logged: the wrapper asks a base of unknown type for its own
        # predict next to predict_proba, on the same rows.
        return self.classes_[(self._proba(X)[:, 1] > 0.5).astype(int)]


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def _two_stage(t_fast=0.8, t_slow=0.7, **kwargs):
    return SelectiveCascade(
        [
            ("fast", SelectiveClassifier(SpyProba(0, "fast"), threshold=t_fast)),
            ("slow", SelectiveClassifier(SpyProba(1, "slow"), threshold=t_slow)),
        ],
        **kwargs,
    )


# Columns: P(class 1) by the fast stage, by the slow stage.
X_HAND = np.array(
    [
        [0.95, 0.50],  # fast sure of 1
        [0.10, 0.90],  # fast sure of 0
        [0.60, 0.90],  # fast unsure -> slow sure of 1
        [0.50, 0.20],  # fast unsure -> slow sure of 0
        [0.55, 0.60],  # both unsure -> rejected
    ]
)
Y_HAND = np.array([1, 0, 0, 0, 1])


def test_predict_and_decided_by_match_hand_routing():
    """Each row is labelled by the first stage confident enough, else rejected."""
    cascade = _two_stage().fit(X_HAND, Y_HAND)
    np.testing.assert_array_equal(cascade.predict(X_HAND), [1, 0, 1, 0, -1])
    np.testing.assert_array_equal(cascade.decided_by(X_HAND), [0, 0, 1, 1, -1])
    np.testing.assert_allclose(cascade.stage_shares(X_HAND), [0.4, 0.4, 0.2])
    assert cascade.reject_label_ == -1


def test_each_stage_sees_only_the_rows_that_reach_it():
    """The slow stage is called once, on exactly the rows the fast one rejected."""
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(200, 2))
    y = rng.integers(0, 2, 200)
    cascade = _two_stage().fit(X, y)
    CALLS.clear()
    cascade.predict(X)
    fast_unsure = np.maximum(X[:, 0], 1 - X[:, 0]) < 0.8
    assert CALLS["fast"]["predict"] == [200]
    assert CALLS["slow"]["predict"] == [int(fast_unsure.sum())]


def test_stage_reached_by_no_row_is_not_called():
    """A stage that no row reaches is skipped, not called on zero rows."""
    cascade = _two_stage(t_fast=0.0).fit(X_HAND, Y_HAND)
    CALLS.clear()
    np.testing.assert_array_equal(cascade.decided_by(X_HAND), [0] * 5)
    assert "slow" not in CALLS


def test_stage_shares_count_of_each_stage():
    """stage_shares agrees with a count of decided_by, rejected last."""
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(300, 2))
    cascade = _two_stage().fit(X, rng.integers(0, 2, 300))
    decided_by = cascade.decided_by(X)
    expected = [np.mean(decided_by == i) for i in (0, 1, -1)]
    np.testing.assert_allclose(cascade.stage_shares(X), expected)


def test_get_set_params_reach_into_stages():
    """Nested parameters read and set stage parameters; a name replaces a stage."""
    cascade = _two_stage()
    params = cascade.get_params()
    assert params["fast__threshold"] == 0.8
    assert params["slow__estimator__column"] == 1
    cascade.set_params(fast__threshold=0.9, slow__estimator__column=0)
    assert cascade.named_stages["fast"].threshold == 0.9
    assert cascade.named_stages["slow"].estimator.column == 0
    new = SelectiveClassifier(SpyProba(1, "new"))
    cascade.set_params(slow=new)
    assert cascade.named_stages["slow"] is new


def test_clone_and_pickle_keep_predictions():
    """A clone refits to the same predictions; a pickled cascade predicts the same."""
    cascade = _two_stage().fit(X_HAND, Y_HAND)
    expected = cascade.predict(X_HAND)
    np.testing.assert_array_equal(
        clone(cascade).fit(X_HAND, Y_HAND).predict(X_HAND), expected
    )
    restored = pickle.loads(pickle.dumps(cascade))
    np.testing.assert_array_equal(restored.predict(X_HAND), expected)
    np.testing.assert_array_equal(restored.decided_by(X_HAND), [0, 0, 1, 1, -1])


def test_in_a_pipeline():
    """A cascade is the last step of a Pipeline, and scores through it."""
    X, y = make_classification(n_samples=300, random_state=0)
    cascade = SelectiveCascade(
        [
            ("fast", SelectiveClassifier(LogisticRegression(C=0.01), threshold=0.9)),
            ("slow", SelectiveClassifier(LogisticRegression(), threshold=0.6)),
        ]
    )
    pipe = make_pipeline(StandardScaler(), cascade).fit(X, y)
    X_scaled = StandardScaler().fit(X).transform(X)
    expected = clone(cascade).fit(X_scaled, y).predict(X_scaled)
    np.testing.assert_array_equal(pipe.predict(X), expected)
    assert pipe.score(X, y) == pytest.approx(
        1 - rejection_cost_loss(y, expected, reject_label=-1)
    )


@pytest.mark.filterwarnings("ignore:threshold=.*never rejects:UserWarning")
def test_grid_search_over_fast_threshold():
    """GridSearchCV searches fast__threshold with the cascade's own score."""
    X, y = make_classification(n_samples=300, flip_y=0.2, random_state=0)
    cascade = SelectiveCascade(
        [
            ("fast", SelectiveClassifier(LogisticRegression(C=0.01), threshold=0.5)),
            ("slow", SelectiveClassifier(LogisticRegression(), threshold=0.7)),
        ],
        rejection_cost=0.2,
    )
    grid = [0.5, 0.7, 0.95]
    cv = KFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(cascade, {"fast__threshold": grid}, cv=cv).fit(X, y)
    expected = [
        cross_val_score(clone(cascade).set_params(fast__threshold=t), X, y, cv=cv)
        for t in grid
    ]
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], np.mean(expected, axis=1)
    )
    assert (
        search.best_params_["fast__threshold"]
        == grid[int(np.argmax(np.mean(expected, axis=1)))]
    )


def test_nested_cascade_equals_flat_cascade():
    """A cascade as a stage routes rows like the flat cascade of all stages."""
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(200, 3))
    y = rng.integers(0, 2, 200)

    def stage(column, threshold):
        return SelectiveClassifier(SpyProba(column, f"s{column}"), threshold=threshold)

    flat = SelectiveCascade(
        [("a", stage(0, 0.9)), ("b", stage(1, 0.8)), ("c", stage(2, 0.7))]
    )
    nested = SelectiveCascade(
        [
            ("a", stage(0, 0.9)),
            ("rest", SelectiveCascade([("b", stage(1, 0.8)), ("c", stage(2, 0.7))])),
        ]
    )
    flat.fit(X, y)
    nested.fit(X, y)
    np.testing.assert_array_equal(nested.predict(X), flat.predict(X))
    flat_by = flat.decided_by(X)
    np.testing.assert_array_equal(
        nested.decided_by(X), np.where(flat_by >= 1, 1, flat_by)
    )
    assert nested.get_params()["rest__c__threshold"] == 0.7


def test_string_classes_get_string_reject_label():
    """With string classes the reject label is "rejected"; a number is refused."""
    y = np.array(["no", "yes"])[Y_HAND]
    cascade = _two_stage().fit(X_HAND, y)
    assert cascade.reject_label_ == "rejected"
    np.testing.assert_array_equal(
        cascade.predict(X_HAND), ["yes", "no", "yes", "no", "rejected"]
    )
    with pytest.raises(ValueError, match="is a number but the classes are strings"):
        _two_stage(reject_label=-1).fit(X_HAND, y)


def test_auto_reject_label_avoids_minus_one_class():
    """When -1 is a class, "auto" picks one less than the smallest class."""
    cascade = _two_stage().fit(X_HAND, Y_HAND * 2 - 1)  # classes -1 and 1
    assert cascade.reject_label_ == -2
    assert cascade.predict(X_HAND)[-1] == -2


def test_explicit_reject_label_equal_to_a_class_is_refused():
    """An explicit reject label that is a class is an error at fit."""
    with pytest.raises(ValueError, match="is one of the classes"):
        _two_stage(reject_label=1).fit(X_HAND, Y_HAND)


def test_stages_must_agree_on_classes():
    """Stages that learnt different classes give a clear error."""
    other = SpyProba(1, "other").fit(X_HAND, Y_HAND + 1)  # classes 1, 2
    cascade = SelectiveCascade(
        [
            ("fast", SelectiveClassifier(SpyProba(0, "fast"), threshold=0.8)),
            ("slow", SelectiveClassifier(FrozenEstimator(other))),
        ]
    )
    with pytest.raises(ValueError, match="same classes_.*'slow' has \\[1, 2\\]"):
        cascade.fit(X_HAND, Y_HAND)


def test_stage_that_cannot_reject_is_refused():
    """A plain classifier as a stage is an error suggesting SelectiveClassifier."""
    cascade = SelectiveCascade(
        [
            ("fast", SelectiveClassifier(SpyProba(0), threshold=0.8)),
            ("lr", LogisticRegression()),
        ]
    )
    with pytest.raises(ValueError, match="'lr' .*is not a selective classifier"):
        cascade.fit(X_HAND, Y_HAND)


@pytest.mark.parametrize(
    "stages, match",
    [
        ([], "stages is empty"),
        ([SelectiveClassifier()], "list of \\(name, estimator\\) pairs"),
        ([("a", SelectiveClassifier()), ("a", SelectiveClassifier())], "not unique"),
        ([("a__b", SelectiveClassifier())], "must not contain __"),
        ([("stages", SelectiveClassifier())], "conflict with constructor"),
        ([(1, SelectiveClassifier())], "names must be strings"),
        ([("a", "not an estimator")], "with fit and predict"),
    ],
)
def test_invalid_stages(stages, match):
    """Malformed stages fail at fit with a message naming the problem."""
    with pytest.raises(ValueError, match=match):
        SelectiveCascade(stages).fit(X_HAND, Y_HAND)


def test_fit_deferred_fits_later_stage_on_deferred_rows_only():
    """With fit_deferred, the slow stage is fitted on the rows fast rejects."""
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(300, 2))
    y = rng.integers(0, 2, 300)
    _two_stage(fit_deferred=True).fit(X, y)
    fast_unsure = np.maximum(X[:, 0], 1 - X[:, 0]) < 0.8
    assert CALLS["fast"]["fit"] == [300]
    assert CALLS["slow"]["fit"] == [int(fast_unsure.sum())]
    CALLS.clear()
    _two_stage(fit_deferred=False).fit(X, y)
    assert CALLS["slow"]["fit"] == [300]


def test_fit_deferred_with_a_missing_class_is_an_error():
    """fit_deferred fails clearly when the deferred rows miss a class."""
    # the fast stage defers rows 2 and 3, both of class 0
    with pytest.raises(
        ValueError, match=r"only 2 training rows reach stage 'slow'.*classes \[1\]"
    ):
        _two_stage(t_fast=0.7, fit_deferred=True).fit(X_HAND[:4], [1, 0, 0, 0])


def test_dataframe_rows_reach_later_stages_as_dataframes():
    """DataFrame rows are indexed as DataFrames; feature names are kept."""
    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.uniform(size=(100, 2)), columns=["p_fast", "p_slow"])
    y = rng.integers(0, 2, 100)
    cascade = _two_stage().fit(X, y)
    np.testing.assert_array_equal(cascade.feature_names_in_, ["p_fast", "p_slow"])
    CALLS.clear()
    y_pred = cascade.predict(X)
    assert CALLS["slow"]["types"] == [pd.DataFrame]
    np.testing.assert_array_equal(y_pred, cascade.predict(X.to_numpy()))


def test_sparse_input_gives_dense_predictions():
    """Sparse rows are indexed as sparse matrices and predicted as dense ones."""
    rng = np.random.default_rng(5)
    X = rng.uniform(size=(100, 2))
    y = rng.integers(0, 2, 100)
    cascade = _two_stage().fit(X, y)
    expected = cascade.predict(X)
    CALLS.clear()
    np.testing.assert_array_equal(cascade.predict(sp.csr_matrix(X)), expected)
    assert CALLS["slow"]["types"] == [sp.csr_matrix]


def test_score_is_one_minus_rejection_cost_loss():
    """score charges 1 per error and rejection_cost per row rejected by all."""
    cascade = _two_stage(rejection_cost=0.3).fit(X_HAND, Y_HAND)
    # predictions [1, 0, 1, 0, -1] against [1, 0, 0, 0, 1]: one error, one rejection
    assert cascade.score(X_HAND, Y_HAND) == pytest.approx(1 - (1 + 0.3) / 5)


def test_fit_params_reach_every_stage():
    """sample_weight given to fit reaches every stage's estimator."""
    X, y = make_classification(n_samples=200, random_state=0)
    weight = np.random.default_rng(0).uniform(size=200)
    cascade = SelectiveCascade(
        [
            ("fast", SelectiveClassifier(LogisticRegression(), threshold=0.9)),
            ("slow", SelectiveClassifier(LogisticRegression(C=0.1))),
        ]
    ).fit(X, y, sample_weight=weight)
    expected = LogisticRegression(C=0.1).fit(X, y, sample_weight=weight).coef_
    np.testing.assert_allclose(cascade.named_stages_["slow"].estimator_.coef_, expected)


def test_unfitted_cascade_raises_not_fitted():
    """predict before fit raises NotFittedError."""
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        _two_stage().predict(X_HAND)


# -- tuning the cascade as a whole ---------------------------------------------


def _brute_force_counts(confidence, errors, thresholds):
    """Reach, decided and errors of one threshold combination, row by row."""
    n_stages, n = confidence.shape
    reach = np.zeros(n_stages, int)
    decided = np.zeros(n_stages, int)
    n_errors = 0
    for i in range(n):
        for s in range(n_stages):
            reach[s] += 1
            if confidence[s, i] >= thresholds[s]:
                decided[s] += 1
                n_errors += errors[s, i]
                break
    return reach, decided, n_errors


def test_operating_points_match_brute_force_for_three_stages():
    """Every combination's counts match a row-by-row simulation."""
    rng = np.random.default_rng(6)
    confidence = rng.uniform(size=(3, 60))
    errors = rng.uniform(size=(3, 60)) < 0.3
    grids = [
        np.array([-np.inf, 0.3, 0.8]),
        np.array([0.5, np.inf]),
        np.array([0.2, 0.9]),
    ]
    thresholds, (reach, decided, n_errors), sizes = cascade_counts(
        confidence, errors, list(product(*grids[:-1])), grids[-1]
    )
    assert sizes == [2] * 6
    assert thresholds.shape == (12, 3)
    for row, combo in enumerate(product(*grids)):
        np.testing.assert_array_equal(thresholds[row], combo)
        exp_reach, exp_decided, exp_errors = _brute_force_counts(
            confidence, errors, combo
        )
        np.testing.assert_array_equal(reach[row], exp_reach)
        np.testing.assert_array_equal(decided[row], exp_decided)
        assert n_errors[row] == exp_errors


def _frozen_stages(X, y):
    fast = SpyProba(0, "fast").fit(X, y)
    slow = SpyProba(1, "slow").fit(X, y)
    return [
        ("fast", SelectiveClassifier(FrozenEstimator(fast))),
        ("slow", SelectiveClassifier(FrozenEstimator(slow))),
    ]


def _noisy_two_column_data(n, random_state):
    """P(y=1) = column 1 (the slow stage is calibrated); column 0 is noisier."""
    rng = np.random.default_rng(random_state)
    p_slow = rng.uniform(size=n)
    p_fast = np.clip(p_slow + rng.normal(scale=0.25, size=n), 0, 1)
    y = (rng.uniform(size=n) < p_slow).astype(int)
    return np.column_stack([p_fast, p_slow]), y


@pytest.mark.filterwarnings("ignore:threshold=.*never rejects:UserWarning")
def test_cv_cost_choice_is_the_brute_force_minimum():
    """The chosen thresholds minimise errors + stage prices + human cost."""
    X, y = _noisy_two_column_data(400, 0)
    grid = [np.array([0.5, 0.7, 0.9, 1.0]), np.array([0.5, 0.6, 0.8, 1.0])]
    prices = np.array([0.01, 0.1])
    human = 0.3
    cascade = SelectiveCascadeCV(
        _frozen_stages(X, y), stage_costs=prices, rejection_cost=human, thresholds=grid
    ).fit(X, y)
    costs = {}
    for t_fast, t_slow in product(*grid):
        fixed = SelectiveCascade(
            [
                ("fast", SelectiveClassifier(SpyProba(0), threshold=t_fast)),
                ("slow", SelectiveClassifier(SpyProba(1), threshold=t_slow)),
            ]
        ).fit(X, y)
        y_pred, by = fixed.predict(X), fixed.decided_by(X)
        errors = np.sum((y_pred != y) & (by >= 0))
        reach_slow = np.sum(by != 0)
        costs[t_fast, t_slow] = (
            errors
            + prices[0] * len(y)
            + prices[1] * reach_slow
            + human * np.sum(by < 0)
        ) / len(y)
    best = min(costs, key=costs.get)
    assert cascade.cost_ == pytest.approx(costs[best])
    assert costs[tuple(cascade.thresholds_)] == pytest.approx(costs[best])


def test_cv_pricier_slow_stage_is_reached_less():
    """Raising the slow stage's price sends fewer rows to it."""
    X, y = _noisy_two_column_data(1000, 1)

    def reach_slow(price):
        return (
            SelectiveCascadeCV(
                _frozen_stages(X, y), stage_costs=[0.0, price], rejection_cost=0.5
            )
            .fit(X, y)
            .stage_reach_[1]
        )

    assert reach_slow(0.2) < reach_slow(0.0)


def test_cv_predicts_with_tuned_thresholds():
    """The fitted cascade routes rows with thresholds_ on each stage's confidence."""
    X, y = _noisy_two_column_data(300, 2)
    cascade = SelectiveCascadeCV(_frozen_stages(X, y), rejection_cost=0.2).fit(X, y)
    t_fast, t_slow = cascade.thresholds_
    conf_fast = np.maximum(X[:, 0], 1 - X[:, 0])
    conf_slow = np.maximum(X[:, 1], 1 - X[:, 1])
    expected = np.where(conf_fast >= t_fast, 0, np.where(conf_slow >= t_slow, 1, -1))
    np.testing.assert_array_equal(cascade.decided_by(X), expected)
    assert cascade.stage_shares(X)[1] == pytest.approx(np.mean(expected == 1))


def test_cv_one_stage_certifies_like_the_default_method():
    """A one-stage cascade certifies exactly what the single-model default does."""
    X, y = _noisy_two_column_data(2000, 3)
    stage = SpyProba(1).fit(X, y)
    cascade = SelectiveCascadeCV(
        [("only", SelectiveClassifier(FrozenEstimator(stage)))],
        target_risk=0.1,
        delta=0.1,
    ).fit(X, y)
    conf = np.maximum(X[:, 1], 1 - X[:, 1])
    errors = (X[:, 1] > 0.5).astype(int) != y
    expected = select_threshold_ltt_graph(conf, errors, target_risk=0.1, delta=0.1)
    assert cascade.thresholds_[0] == expected.threshold
    assert cascade.coverage_ == pytest.approx(expected.coverage)
    assert cascade.risk_bound_ == pytest.approx(expected.risk_bound)


def _hard_two_stage_data(n, random_state, target=0.1):
    """Frozen-stage data where the certified risk sits near the target.

    The fast stage makes confident errors (9% among its rows above 0.9, 30%
    below), the slow stage's risk falls with its confidence.
    """
    rng = np.random.default_rng(random_state)
    conf = rng.uniform(0.5, 1.0, size=(2, n))
    p_error = np.vstack(
        [np.where(conf[0] > 0.9, 0.9 * target, 0.3), 0.7 * (1 - conf[1])]
    )
    errors = rng.uniform(size=(2, n)) < p_error
    y = rng.integers(0, 2, size=n)
    predicted = y[None, :] ^ errors
    X = np.where(predicted == 1, conf, 1 - conf).T
    return X, y, conf, errors


def test_cv_target_risk_family_contains_the_last_stage_alone():
    """The last stage alone is certified at delta / 2, as the default would."""
    X, y, conf, errors = _hard_two_stage_data(3000, 0)
    cascade = SelectiveCascadeCV(_frozen_stages(X, y), target_risk=0.1, delta=0.1).fit(
        X, y
    )
    results = cascade.cv_results_
    alone = np.isinf(results["param_fast"])
    slow_alone = select_threshold_ltt_graph(
        conf[1], errors[1], target_risk=0.1, delta=0.05
    )
    certified = results["certified"] & alone
    assert results["coverage"][certified].max() == pytest.approx(slow_alone.coverage)
    # the chosen combination: certified, bound below the target, and within
    # 1% of the largest certified coverage the fewest rows reaching "slow"
    assert cascade.risk_bound_ <= 0.1
    chosen = np.flatnonzero(
        (results["param_fast"] == cascade.thresholds_[0])
        & (results["param_slow"] == cascade.thresholds_[1])
    )
    assert results["certified"][chosen].all()
    largest = results["coverage"][results["certified"]].max()
    near = results["certified"] & (results["coverage"] >= 0.99 * largest)
    assert cascade.stage_reach_[1] == pytest.approx(results["reach_slow"][near].min())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cv_certified_cascade_is_worth_using(seed):
    """Near the best stage certified alone, with the fast stage deciding rows."""
    X, y, conf, errors = _hard_two_stage_data(10000, seed)
    cascade = SelectiveCascadeCV(_frozen_stages(X, y), target_risk=0.1, delta=0.1).fit(
        X, y
    )
    best_alone = max(
        select_threshold_ltt_graph(
            conf[s], errors[s], target_risk=0.1, delta=0.1
        ).coverage
        for s in range(2)
    )
    assert cascade.coverage_ >= 0.97 * best_alone
    # the fast stage's rows above 0.9 are safe (9% errors): it decides some
    assert 1 - cascade.stage_reach_[1] >= 0.05
    assert cascade.thresholds_[0] >= 0.9


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::selective_clf.GuaranteeWarning")
def test_cv_target_risk_holds_on_new_data():
    """Over 400 calibration sets the risk on new data exceeds the target rarely.

    A hard regime: the fast stage's confident errors sit just under the
    target, and the largest empirically safe combination violates the target
    in most repetitions (checked below), so a procedure that did not pay for
    its choices would fail here.
    """
    target, delta, n_runs = 0.1, 0.1, 400
    _, _, conf_test, errors_test = _hard_two_stage_data(400_000, 10**6)

    def true_risk(t_fast, t_slow):
        fast = conf_test[0] >= t_fast
        slow = ~fast & (conf_test[1] >= t_slow)
        n_accepted = fast.sum() + slow.sum()
        n_errors = errors_test[0][fast].sum() + errors_test[1][slow].sum()
        return n_errors / max(n_accepted, 1)

    violations, naive_violations = 0, 0
    for seed in range(n_runs):
        X, y, _, _ = _hard_two_stage_data(1000, seed)
        cascade = SelectiveCascadeCV(
            _frozen_stages(X, y), target_risk=target, delta=delta
        ).fit(X, y)
        violations += true_risk(*cascade.thresholds_) > target
        results = cascade.cv_results_
        safe = np.flatnonzero(np.nan_to_num(results["risk"], nan=1.0) <= target)
        naive = safe[np.argmax(results["coverage"][safe])]
        naive_violations += (
            true_risk(results["param_fast"][naive], results["param_slow"][naive])
            > target
        )
    assert naive_violations / n_runs > 0.3  # the regime is hard
    # Monte-Carlo slack: two binomial standard errors at delta
    assert violations / n_runs <= delta + 2 * np.sqrt(delta * (1 - delta) / n_runs)


@pytest.mark.slow
def test_cv_certified_cascade_against_the_best_stage_alone():
    """Issue 20's data: within 3% of HGB certified alone, LR deciding rows."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = make_classification(
        n_samples=20000, weights=[0.9], flip_y=0.03, random_state=0
    )
    common = dict(target_risk=0.04, cv=0.5, refit=False, random_state=0)
    cascade = SelectiveCascadeCV(
        [
            ("cheap", SelectiveClassifier(LogisticRegression())),
            (
                "expensive",
                SelectiveClassifier(HistGradientBoostingClassifier(random_state=0)),
            ),
        ],
        **common,
    ).fit(X, y)
    alone = [
        SelectiveClassifierCV(estimator, **common).fit(X, y).coverage_
        for estimator in (
            LogisticRegression(),
            HistGradientBoostingClassifier(random_state=0),
        )
    ]
    assert cascade.coverage_ >= 0.97 * max(alone)
    assert 1 - cascade.stage_reach_[1] >= 0.05
    assert cascade.risk_bound_ <= 0.04


def test_cv_infeasible_target_rejects_everything_with_a_warning():
    """When nothing is certified the cascade warns and rejects every row."""
    X, y = _noisy_two_column_data(30, 4)
    with pytest.warns(GuaranteeWarning, match="rejects everything"):
        cascade = SelectiveCascadeCV(
            _frozen_stages(X, y), target_risk=0.01, thresholds=5
        ).fit(X, y)
    np.testing.assert_array_equal(cascade.thresholds_, [np.inf, np.inf])
    assert np.all(cascade.predict(X) == -1)
    assert np.isnan(cascade.risk_bound_)


@pytest.mark.parametrize(
    "cv, refit, match",
    [(3, True, "out-of-fold confidences of 3 fold models"), (0.5, True, "refitted")],
)
def test_cv_warns_when_the_protocol_breaks_the_guarantee(cv, refit, match):
    """k-fold or refitted stages fit with a GuaranteeWarning under target_risk."""
    X, y = make_classification(n_samples=300, random_state=0)
    stages = [
        ("fast", SelectiveClassifier(LogisticRegression(C=0.01))),
        ("slow", SelectiveClassifier(LogisticRegression())),
    ]
    with pytest.warns(GuaranteeWarning, match=match):
        SelectiveCascadeCV(
            stages, target_risk=0.2, cv=cv, refit=refit, random_state=0, thresholds=5
        ).fit(X, y)


def test_cv_holdout_without_refit_keeps_the_split_stages():
    """cv=float, refit=False keeps the stages fitted on the training part, silently."""
    X, y = make_classification(n_samples=300, random_state=0)
    stages = [
        ("fast", SelectiveClassifier(SpyProba(0, "fast"))),
        ("slow", SelectiveClassifier(LogisticRegression())),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuaranteeWarning)
        SelectiveCascadeCV(
            stages, target_risk=0.3, cv=0.5, refit=False, random_state=0, thresholds=5
        ).fit(X, y)
    assert CALLS["fast"]["fit"] == [150]


@pytest.mark.parametrize(
    "params, match",
    [
        ({}, "needs an objective"),
        ({"rejection_cost": 0.5, "stage_costs": [1.0]}, "one price per stage"),
        ({"rejection_cost": 0.5, "stage_costs": [1.0, -1.0]}, "non-negative"),
        ({"rejection_cost": 0.5, "thresholds": [[0.5]]}, "one array of candidates"),
        ({"rejection_cost": 0.5, "thresholds": [[0.5], []]}, "non-empty"),
    ],
)
def test_cv_invalid_parameters(params, match):
    """Bad objectives, prices or grids fail with a message naming the fix."""
    X, y = _noisy_two_column_data(100, 5)
    with pytest.raises(ValueError, match=match):
        SelectiveCascadeCV(_frozen_stages(X, y), **params).fit(X, y)


def test_cv_stages_must_be_selective_classifiers():
    """A cascade stage cannot be tuned by SelectiveCascadeCV."""
    X, y = _noisy_two_column_data(100, 6)
    stages = [("inner", SelectiveCascade(_frozen_stages(X, y)))]
    with pytest.raises(ValueError, match="must be a SelectiveClassifier"):
        SelectiveCascadeCV(stages, rejection_cost=0.5).fit(X, y)


def test_metadata_routing_sends_sample_weight_where_requested():
    """With metadata routing, each stage gets sample_weight only if it asks."""
    import sklearn

    X, y = make_classification(n_samples=200, random_state=0)
    weight = np.random.default_rng(0).uniform(size=200)
    with sklearn.config_context(enable_metadata_routing=True):
        fast = LogisticRegression().set_fit_request(sample_weight=True)
        slow = LogisticRegression(C=0.1).set_fit_request(sample_weight=False)
        cascade = SelectiveCascade(
            [
                ("fast", SelectiveClassifier(fast, threshold=0.9)),
                ("slow", SelectiveClassifier(slow)),
            ]
        ).fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(
        cascade.named_stages_["fast"].estimator_.coef_,
        LogisticRegression().fit(X, y, sample_weight=weight).coef_,
    )
    np.testing.assert_allclose(
        cascade.named_stages_["slow"].estimator_.coef_,
        LogisticRegression(C=0.1).fit(X, y).coef_,
    )


# -- one NaN policy ------------------------------------------------------------


class NaNTolerantProba(SpyProba):
    """SpyProba that accepts NaN (declared in its tags): confidence 1 on NaN rows."""

    def _proba(self, X):
        proba = super()._proba(X)
        return np.where(np.isnan(proba), [0.0, 1.0], proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class NaNRefusingProba(SpyProba):
    """SpyProba that refuses NaN, as scikit-learn's linear models do."""

    def _proba(self, X):
        if np.isnan(np.asarray(X, dtype=float)).any():
            raise ValueError("Input X contains NaN.")
        return super()._proba(X)


def _nan_cascade(slow):
    X = np.array([[0.95, 0.9], [0.1, 0.2], [0.6, 0.7]])
    y = np.array([1, 0, 1])
    return SelectiveCascade(
        [
            ("tree", SelectiveClassifier(NaNTolerantProba(0, "tree"), threshold=0.8)),
            ("slow", SelectiveClassifier(slow, threshold=0.6)),
        ]
    ).fit(X, y)


@pytest.mark.parametrize("nan_row_deferred", [False, True])
def test_nan_is_refused_up_front_whichever_stage_the_row_reaches(nan_row_deferred):
    """A NaN row fails whether the first stage accepts it or defers it."""
    cascade = _nan_cascade(NaNRefusingProba(1, "slow"))
    # column 0 NaN: the first stage is sure (accepts); column 1 NaN: deferred
    X = np.array(
        [[0.95, 0.9], [0.6, 0.7], [0.6, np.nan] if nan_row_deferred else [np.nan, 0.7]]
    )
    with pytest.raises(ValueError, match=r"X holds NaN \(1 rows.*index 2.*'slow'"):
        cascade.predict(X)
    with pytest.raises(ValueError, match="Impute the missing values"):
        cascade.stage_shares(X)
    # refused before any stage ran: "slow" only saw the one-row probes
    assert CALLS["tree"]["predict"] == []
    assert CALLS["slow"]["predict"] == [1, 1]


def test_nan_passes_when_every_stage_takes_it():
    """Stages that accept NaN (by tag or by their own check) decide NaN rows."""
    X = np.array([[np.nan, 0.7], [0.6, 0.9], [0.1, 0.2]])
    by_tag = _nan_cascade(NaNTolerantProba(1, "slow"))
    np.testing.assert_array_equal(by_tag.decided_by(X), [0, 1, 0])
    imputing = _nan_cascade(
        make_pipeline(SimpleImputer(strategy="constant", fill_value=0.9), SpyProba(1))
    )
    X_deferred = np.array([[0.6, np.nan], [0.1, 0.2]])
    np.testing.assert_array_equal(imputing.predict(X_deferred), [1, 0])


def test_fit_deferred_refuses_nan_a_later_stage_cannot_take():
    """fit_deferred: NaN training rows the first stage keeps fail like the others."""
    X = np.array([[0.95, 0.9], [0.1, 0.2], [0.6, 0.7], [np.nan, 0.4], [0.3, 0.4]])
    y = np.array([1, 0, 1, 1, 0])
    cascade = SelectiveCascade(
        [
            ("tree", SelectiveClassifier(NaNTolerantProba(0), threshold=0.8)),
            ("slow", SelectiveClassifier(NaNRefusingProba(1), threshold=0.6)),
        ],
        fit_deferred=True,
    )
    with pytest.raises(ValueError, match="'slow'"):
        cascade.fit(X, y)


# -- groups and cv_results_ ---------------------------------------------------


class RowRecorder(SpyProba):
    """SpyProba that records the row ids (column 2 of X) it is fitted on."""

    fitted_ids = []

    def fit(self, X, y):
        RowRecorder.fitted_ids.append(np.asarray(X)[:, 2].astype(int))
        return super().fit(X, y)


@pytest.mark.parametrize("routing", [False, True])
def test_cv_groups_reach_the_splitter(routing):
    """With groups, no group is split between training and calibration rows."""
    import sklearn

    X, y = _noisy_two_column_data(120, 7)
    X = np.column_stack([X, np.arange(120)])
    groups = np.arange(120) // 10  # 12 groups of 10 consecutive rows
    RowRecorder.fitted_ids = []
    with sklearn.config_context(enable_metadata_routing=routing):
        SelectiveCascadeCV(
            [
                ("fast", SelectiveClassifier(RowRecorder(0))),
                ("slow", SelectiveClassifier(RowRecorder(1))),
            ],
            rejection_cost=0.3,
            cv=GroupKFold(n_splits=3),
            thresholds=4,
        ).fit(X, y, groups=groups)
    fold_fits = RowRecorder.fitted_ids[:6]  # 3 folds x 2 stages, then the refit
    assert len(fold_fits) == 6
    for train_ids in fold_fits:
        calib_ids = np.setdiff1d(np.arange(120), train_ids)
        assert np.intersect1d(groups[train_ids], groups[calib_ids]).size == 0
        assert calib_ids.size == 40  # 4 whole groups


def test_cv_groups_with_a_float_cv_is_an_error():
    """A stratified holdout ignores groups: the error names a group-aware splitter."""
    X, y = make_classification(n_samples=100, random_state=0)
    with pytest.raises(ValueError, match="GroupShuffleSplit"):
        SelectiveCascadeCV(
            [("only", SelectiveClassifier(LogisticRegression()))],
            rejection_cost=0.3,
            cv=0.5,
        ).fit(X, y, groups=np.arange(100) // 5)


@pytest.mark.parametrize("objective", [{"rejection_cost": 0.3}, {"target_risk": 0.2}])
def test_cv_results_load_into_a_dataframe(objective):
    """cv_results_ is a dict of 1-D columns, one threshold column per stage."""
    X, y = _noisy_two_column_data(300, 8)
    cascade = SelectiveCascadeCV(
        _frozen_stages(X, y), thresholds=5, delta=0.2, **objective
    ).fit(X, y)
    frame = pd.DataFrame(cascade.cv_results_)
    assert {"param_fast", "param_slow", "reach_fast", "reach_slow"} <= set(frame)
    assert (frame["reach_fast"] == 1).all()
    # every row agrees with a cascade fixed at its thresholds
    # a SelectiveClassifier takes no infinite threshold: -inf (accept every
    # row) is 0 here, where confidences lie in [0.5, 1]
    finite = frame[(frame["param_fast"] < np.inf) & (frame["param_slow"] < np.inf)]
    for row in finite.sample(5, random_state=0).itertuples():
        t_fast, t_slow = np.maximum([row.param_fast, row.param_slow], 0.0)
        fixed = SelectiveCascade(
            [
                ("fast", SelectiveClassifier(SpyProba(0), threshold=t_fast)),
                ("slow", SelectiveClassifier(SpyProba(1), threshold=t_slow)),
            ]
        ).fit(X, y)
        by = fixed.decided_by(X)
        assert row.coverage == pytest.approx(np.mean(by >= 0))
        assert row.reach_slow == pytest.approx(np.mean(by != 0))
