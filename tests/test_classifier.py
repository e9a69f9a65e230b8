import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import sparse
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import check_supervised_y_2d
from sklearn.utils.multiclass import type_of_target

from selective_clf import SelectiveClassifier, SelectiveClassifierCV

from ._helpers import DecisionFromColumn, ProbaColumns, known_posterior_data

# Rows are probabilities for classes (0, 1, 2).
PROBA = np.array(
    [
        [0.70, 0.20, 0.10],  # max 0.70, margin 0.50
        [0.40, 0.35, 0.25],  # max 0.40, margin 0.05
        [0.10, 0.85, 0.05],  # max 0.85, margin 0.75
        [0.30, 0.30, 0.40],  # max 0.40, margin 0.10
        [0.05, 0.45, 0.50],  # max 0.50, margin 0.05
    ]
)
Y3 = np.array([0, 1, 2, 2, 1])


@pytest.fixture
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_predict_matches_hand_computed_max_proba():
    """Rows whose top probability is below the threshold get the reject label."""
    clf = SelectiveClassifier(ProbaColumns(), threshold=0.5).fit(PROBA, Y3)
    assert_array = np.testing.assert_array_equal
    assert_array(clf.predict(PROBA), [0, -1, 1, -1, 2])
    assert_array(clf.confidence_score(PROBA), [0.70, 0.40, 0.85, 0.40, 0.50])
    assert clf.reject_label_ == -1
    assert clf.predict(PROBA).dtype == np.int64


@pytest.mark.parametrize(
    "confidence, expected_score, expected_pred",
    [
        ("margin", [0.50, 0.05, 0.75, 0.10, 0.05], [0, -1, 1, -1, -1]),
        (lambda p: p[:, 0], [0.70, 0.40, 0.10, 0.30, 0.05], [0, 0, -1, 2, -1]),
    ],
)
def test_confidence_choices_hand_computed(confidence, expected_score, expected_pred):
    """Margin and a callable give the hand-computed scores and rejections."""
    clf = SelectiveClassifier(ProbaColumns(), threshold=0.3, confidence=confidence).fit(
        PROBA, Y3
    )
    np.testing.assert_allclose(clf.confidence_score(PROBA), expected_score)
    np.testing.assert_array_equal(clf.predict(PROBA), expected_pred)


def test_entropy_confidence_hand_computed():
    """Entropy confidence is 1 - H(p) / log(K): 1 when certain, 0 when uniform."""
    proba = np.array([[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]])
    clf = SelectiveClassifier(ProbaColumns(), confidence="entropy").fit(
        proba, [0, 1, 2]
    )
    expected = [1.0, 0.0, 1.0 - np.log(2) / np.log(3)]
    np.testing.assert_allclose(clf.confidence_score(proba), expected, atol=1e-12)


def test_threshold_none_never_rejects(iris):
    """threshold=None predicts exactly what the wrapped estimator predicts."""
    X, y = iris
    clf = SelectiveClassifier(LogisticRegression(max_iter=1000)).fit(X, y)
    base = LogisticRegression(max_iter=1000).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), base.predict(X))
    assert clf.score(X, y) == pytest.approx(accuracy_score(y, base.predict(X)))


def test_classwise_thresholds_give_asymmetric_band():
    """Binary class-wise thresholds reject a band that is not centred at 0.5."""
    p1 = np.array([0.05, 0.25, 0.35, 0.5, 0.65, 0.75, 0.95])
    X = np.column_stack([1 - p1, p1])
    clf = SelectiveClassifier(ProbaColumns(), threshold=[0.7, 0.9]).fit(
        X, [0, 1, 0, 1, 0, 1, 0]
    )
    # class 0 accepted when p0 >= 0.7, class 1 when p1 >= 0.9.
    np.testing.assert_array_equal(clf.predict(X), [0, 0, -1, -1, -1, -1, 1])


def test_threshold_can_change_after_fit_without_refit(iris):
    """set_params(threshold=...) on a fitted model changes predict, not the model."""
    X, y = iris
    clf = SelectiveClassifier(LogisticRegression(max_iter=1000)).fit(X, y)
    coef = clf.estimator_.coef_.copy()
    clf.set_params(threshold=0.99)
    y_pred = clf.predict(X)
    assert (y_pred == -1).sum() > 0
    np.testing.assert_array_equal(clf.estimator_.coef_, coef)


def test_decision_function_only_estimator_thresholds_the_score_scale():
    """With decision_function only, max_proba is |s| and accepted rows agree."""
    s = np.array([-2.0, -0.5, 0.0, 0.3, 1.5])
    X = s.reshape(-1, 1)
    clf = SelectiveClassifier(DecisionFromColumn(), threshold=1.0).fit(
        X, [0, 1] * 2 + [1]
    )
    assert clf.response_method_ == "decision_function"
    np.testing.assert_allclose(clf.confidence_score(X), np.abs(s))
    np.testing.assert_array_equal(clf.predict(X), [0, -1, -1, -1, 1])
    margin = clf.set_params(confidence="margin").confidence_score(X)
    np.testing.assert_allclose(margin, 2 * np.abs(s))


@pytest.mark.parametrize(
    "base",
    [LinearSVC(), SGDClassifier(loss="hinge", random_state=0)],
    ids=["LinearSVC", "SGD-hinge"],
)
def test_linear_svm_bases_work(base, iris):
    """Hinge-loss models without predict_proba reject on their decision scores."""
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = SelectiveClassifier(base, threshold=0.0).fit(X, y)
    fitted = clone(base).fit(X, y)
    scores = fitted.decision_function(X)
    np.testing.assert_allclose(clf.confidence_score(X), scores.max(axis=1))
    y_pred = clf.predict(X)
    accepted = y_pred != clf.reject_label_
    np.testing.assert_array_equal(y_pred[accepted], fitted.predict(X)[accepted])
    np.testing.assert_array_equal(accepted, scores.max(axis=1) >= 0)


@pytest.mark.parametrize(
    "y, expected_label",
    [
        ([0, 1, 2, 0], -1),
        ([-1, 1, -1, 1], -2),
        ([0.0, 2.0, 0.0, 2.0], -1.0),
        (["cat", "dog", "cat", "dog"], "rejected"),
        (["rejected", "ok", "ok", "rejected"], "_rejected"),
        ([True, False, True, False], -1),
    ],
)
def test_auto_reject_label_is_of_the_kind_of_the_classes(y, expected_label):
    """'auto' picks -1, min - 1, or 'rejected', never an existing class."""
    X = np.random.default_rng(0).uniform(0.1, 0.4, size=(4, 3))
    clf = SelectiveClassifier(ProbaColumns(), threshold=1.0).fit(X, y)
    assert clf.reject_label_ == expected_label
    assert type(clf.reject_label_) is type(expected_label)
    y_pred = clf.predict(X)
    assert (y_pred == expected_label).all()
    # booleans stay booleans: no integer dtype holds True, False and -1 apart
    assert (y_pred.dtype == object) == (np.asarray(y).dtype == bool)


def test_string_labels_and_pandas_input():
    """A DataFrame with string labels gives string predictions and feature names."""
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    names = np.array(["setosa", "versicolor", "virginica"])
    y_str = pd.Series(names[y])
    clf = SelectiveClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()), threshold=0.9
    ).fit(X, y_str)
    np.testing.assert_array_equal(clf.feature_names_in_, X.columns)
    y_pred = clf.predict(X)
    assert set(np.unique(y_pred)) <= {*names, "rejected"}
    assert (y_pred == "rejected").any()
    accepted = y_pred != "rejected"
    assert accuracy_score(y_str[accepted], y_pred[accepted]) > 0.95


def test_pickle_and_clone_round_trip(iris):
    """Pickled and re-loaded models predict identically; clone copies params."""
    X, y = iris
    clf = SelectiveClassifier(LogisticRegression(max_iter=1000), threshold=0.8)
    clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    np.testing.assert_array_equal(restored.confidence_score(X), clf.confidence_score(X))
    cloned = clone(clf)
    assert cloned.get_params()["threshold"] == 0.8
    assert not hasattr(cloned, "estimator_")


def test_pipeline_with_selective_last_step(iris):
    """SelectiveClassifier works as the last step of a Pipeline."""
    X, y = iris
    pipe = make_pipeline(
        StandardScaler(), SelectiveClassifier(LogisticRegression(), threshold=0.9)
    ).fit(X, y)
    inner = SelectiveClassifier(LogisticRegression(), threshold=0.9).fit(
        StandardScaler().fit_transform(X), y
    )
    np.testing.assert_array_equal(
        pipe.predict(X), inner.predict(StandardScaler().fit_transform(X))
    )


def test_frozen_pretrained_model_is_not_refitted(iris):
    """A FrozenEstimator base is used as is: fit only sets up the reject option."""
    X, y = iris
    pretrained = LogisticRegression(max_iter=1000).fit(X[::2], y[::2])
    clf = SelectiveClassifier(FrozenEstimator(pretrained), threshold=0.7).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), pretrained.predict_proba(X))
    expected = np.where(
        pretrained.predict_proba(X).max(axis=1) >= 0.7, pretrained.predict(X), -1
    )
    np.testing.assert_array_equal(clf.predict(X), expected)


def test_delegated_methods_and_availability(iris):
    """predict_proba etc. come from the base; missing ones are not exposed."""
    X, y = iris
    clf = SelectiveClassifier(LogisticRegression(max_iter=1000)).fit(X, y)
    base = clf.estimator_
    np.testing.assert_array_equal(clf.predict_proba(X), base.predict_proba(X))
    np.testing.assert_array_equal(clf.predict_log_proba(X), base.predict_log_proba(X))
    np.testing.assert_array_equal(clf.decision_function(X), base.decision_function(X))
    svc = SelectiveClassifier(LinearSVC())
    assert not hasattr(svc, "predict_proba")
    assert hasattr(svc, "decision_function")


def test_score_counts_rejection_cost():
    """score is 1 - (errors + c * rejections) / n, hand computed."""
    clf = SelectiveClassifier(ProbaColumns(), threshold=0.5, rejection_cost=0.3)
    clf.fit(PROBA, Y3)
    # predictions [0, -1, 1, -1, 2] vs truth [0, 1, 2, 2, 1]: 2 errors, 2 rejected.
    assert clf.score(PROBA, Y3) == pytest.approx(1 - (2 + 0.3 * 2) / 5)
    weights = np.array([1, 2, 1, 1, 3])
    expected = 1 - (1 * 1 + 3 * 1 + 0.3 * (2 + 1)) / weights.sum()
    assert clf.score(PROBA, Y3, sample_weight=weights) == pytest.approx(expected)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:threshold=.*never rejects:UserWarning")
@pytest.mark.parametrize("rejection_cost", [0.15, 0.3])
def test_grid_search_recovers_chow_threshold(rejection_cost):
    """GridSearchCV with the default score finds threshold ~ 1 - rejection_cost."""
    X, y = known_posterior_data(40_000, random_state=0)
    search = GridSearchCV(
        SelectiveClassifier(LogisticRegression(), rejection_cost=rejection_cost),
        {"threshold": np.round(np.arange(0.5, 1.0, 0.02), 2)},
        cv=StratifiedKFold(4, shuffle=True, random_state=0),
    ).fit(X, y)
    assert search.best_params_["threshold"] == pytest.approx(
        1 - rejection_cost, abs=0.05
    )


def test_grid_search_over_inner_and_threshold(iris):
    """A grid over estimator__C and threshold in a pipeline runs and refits."""
    X, y = iris
    pipe = make_pipeline(
        StandardScaler(), SelectiveClassifier(LogisticRegression(), rejection_cost=0.2)
    )
    grid = {
        "selectiveclassifier__estimator__C": [0.1, 1.0],
        "selectiveclassifier__threshold": [None, 0.6, 0.8],
    }
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert set(search.best_params_) == set(grid)
    assert search.predict(X).shape == y.shape


def test_nan_capable_base_keeps_working():
    """HistGradientBoosting accepts NaN; so does the wrapper around it."""
    X, y = make_classification(n_samples=200, random_state=0)
    X[::7, 2] = np.nan
    clf = SelectiveClassifier(
        HistGradientBoostingClassifier(max_iter=20), threshold=0.8
    ).fit(X, y)
    assert clf.__sklearn_tags__().input_tags.allow_nan
    assert clf.predict(X).shape == (200,)


def test_nan_with_base_that_cannot_take_it_errors():
    """LogisticRegression rejects NaN; its own error reaches the user."""
    X, y = make_classification(n_samples=50, random_state=0)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SelectiveClassifier(LogisticRegression()).fit(X, y)


def test_sparse_input_with_sparse_capable_base():
    """A CSR matrix goes straight to a sparse-capable base."""
    X, y = make_classification(n_samples=100, random_state=0)
    X_sparse = sparse.csr_matrix(X)
    clf = SelectiveClassifier(LogisticRegression(), threshold=0.7).fit(X_sparse, y)
    dense = SelectiveClassifier(LogisticRegression(), threshold=0.7).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X_sparse), dense.predict(X))


def test_inputs_not_modified(iris):
    """fit and predict leave X and y untouched."""
    X, y = iris
    X_copy, y_copy = X.copy(), y.copy()
    clf = SelectiveClassifier(LogisticRegression(max_iter=1000), threshold=0.9)
    clf.fit(X, y).predict(X)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_fit_params_passed_through_without_routing(iris):
    """Without metadata routing, sample_weight goes to the base's fit."""
    X, y = iris
    w = np.linspace(0.1, 2.0, len(y))
    clf = SelectiveClassifier(LogisticRegression(max_iter=1000)).fit(
        X, y, sample_weight=w
    )
    base = LogisticRegression(max_iter=1000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.estimator_.coef_, base.coef_)


def test_metadata_routing_of_sample_weight(iris):
    """With routing on, sample_weight reaches the base only when it asks for it."""
    X, y = iris
    w = np.linspace(0.1, 2.0, len(y))
    with config_context(enable_metadata_routing=True):
        base = LogisticRegression(max_iter=1000).set_fit_request(sample_weight=True)
        clf = SelectiveClassifier(base).fit(X, y, sample_weight=w)
        expected = LogisticRegression(max_iter=1000).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(clf.estimator_.coef_, expected.coef_)

        unrequested = SelectiveClassifier(LogisticRegression(max_iter=1000))
        with pytest.raises(Exception, match="sample_weight"):
            unrequested.fit(X, y, sample_weight=w)

        # score consumes sample_weight itself when requested, e.g. by a search.
        selective = SelectiveClassifier(base).set_score_request(sample_weight=True)
        search = GridSearchCV(selective, {"threshold": [0.6, 0.9]}, cv=3)
        search.fit(X, y, sample_weight=w)
        assert search.best_params_["threshold"] in (0.6, 0.9)


# --- bad input: each gets a clear error naming the problem -----------------


@pytest.mark.parametrize(
    "params, match",
    [
        ({"threshold": 1.5}, r"outside \[0, 1\]"),
        ({"threshold": -0.1}, r"outside \[0, 1\]"),
        ({"threshold": float("nan")}, "threshold"),
        ({"threshold": [0.5, 0.6]}, "one threshold per class"),
        ({"threshold": [[0.5, 0.6, 0.7]]}, "one threshold per class"),
        ({"threshold": [0.5, np.nan, 0.7]}, "must not be NaN"),
        ({"confidence": "top"}, "confidence"),
        ({"reject_label": 1}, "is one of the classes"),
        ({"reject_label": "unknown"}, "is a string but the classes are numbers"),
        ({"reject_label": float("nan")}, "NaN never compares equal"),
        ({"rejection_cost": 1.5}, "rejection_cost"),
        (
            {"response_method": "predict_proba", "estimator": LinearSVC()},
            "no predict_proba",
        ),
        ({"estimator": KNeighborsRegressor()}, "predict_proba"),
    ],
)
def test_bad_parameters_raise_clear_errors(params, match, iris):
    """Invalid parameters fail at fit with a message naming the problem."""
    X, y = iris
    with pytest.raises(ValueError, match=match):
        SelectiveClassifier(**{"estimator": LogisticRegression(), **params}).fit(X, y)


def test_bad_threshold_set_after_fit_errors_at_predict(iris):
    """A threshold changed after fit is validated when predicting."""
    X, y = iris
    clf = SelectiveClassifier(LogisticRegression(max_iter=1000)).fit(X, y)
    clf.set_params(threshold=2.0)
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        clf.predict(X)


def test_entropy_with_decision_function_only_errors():
    """Entropy needs probabilities; the error says what to do instead."""
    X = np.array([[-1.0], [1.0]])
    clf = SelectiveClassifier(DecisionFromColumn(), confidence="entropy").fit(X, [0, 1])
    with pytest.raises(ValueError, match="CalibratedClassifierCV"):
        clf.predict(X)


def test_callable_confidence_with_wrong_shape_errors():
    """A confidence callable must return one score per sample."""
    clf = SelectiveClassifier(ProbaColumns(), confidence=lambda p: p)
    clf.fit(PROBA, Y3)
    with pytest.raises(ValueError, match="one score per sample"):
        clf.predict(PROBA)


def test_string_reject_label_with_numeric_classes_errors_and_string_ok():
    """A reject label of the right kind is accepted as given."""
    clf = SelectiveClassifier(ProbaColumns(), threshold=0.5, reject_label=-9)
    assert (clf.fit(PROBA, Y3).predict(PROBA) == -9).sum() == 2
    with pytest.raises(ValueError, match="is a number but the classes are strings"):
        SelectiveClassifier(ProbaColumns(), reject_label=3).fit(
            PROBA, np.array(list("abcca"))
        )


def test_unfitted_use_raises_not_fitted(iris):
    """predict, confidence_score and classes_ before fit raise NotFittedError."""
    X, _ = iris
    clf = SelectiveClassifier(LogisticRegression())
    for call in (clf.predict, clf.confidence_score, clf.predict_proba):
        with pytest.raises(NotFittedError):
            call(X)
    with pytest.raises(NotFittedError):
        clf.classes_  # noqa: B018


def test_continuous_target_errors(iris):
    """A regression target is refused as an unknown label type."""
    X, _ = iris
    with pytest.raises(ValueError, match="Unknown label type"):
        SelectiveClassifier().fit(X, np.linspace(0, 1, len(X)))


# --- targets (issue 20, items 5 and 13) ---------------------------------------


def _multilabel_data():
    X, _ = make_classification(n_samples=50, random_state=0)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    return X, Y


@pytest.mark.parametrize("reject_label", [-1, "auto"])
@pytest.mark.parametrize(
    "make_clf",
    [
        lambda label: SelectiveClassifier(
            DecisionTreeClassifier(random_state=0), reject_label=label
        ),
        lambda label: SelectiveClassifier(reject_label=label),
        lambda label: SelectiveClassifierCV(
            DecisionTreeClassifier(random_state=0),
            rejection_cost=0.3,
            reject_label=label,
        ),
    ],
    ids=["tree", "logistic", "cv-tree"],
)
def test_multilabel_target_is_refused_as_sklearn_does(make_clf, reject_label):
    """Multilabel y: refused with VotingClassifier's words, for every estimator.

    On 6b9dc6b, a DecisionTreeClassifier base (which takes several outputs)
    was fitted and predict returned an array of shape (2, 2) for 50 rows;
    with reject_label="auto" the error spoke of classes mixing strings and
    numbers.
    """
    X, Y = _multilabel_data()
    assert type_of_target(Y) == "multilabel-indicator"
    with pytest.raises(
        ValueError,
        match=(
            r"only supports binary or multiclass classification\. Multilabel "
            r"and multi-output classification are not supported\. Unknown label "
            r"type: multilabel-indicator"
        ),
    ):
        make_clf(reject_label).fit(X, Y)


def test_multiclass_multioutput_target_is_refused():
    """Several multiclass outputs are refused too, naming the target type."""
    X, Y = _multilabel_data()
    Y[:5, 0] = 2
    assert type_of_target(Y) == "multiclass-multioutput"
    with pytest.raises(ValueError, match="Unknown label type: multiclass-multioutput"):
        SelectiveClassifier(DecisionTreeClassifier()).fit(X, Y)


def test_one_selective_classifier_per_output_is_the_way_for_multilabel():
    """The fix the error names works: one selective classifier per output."""
    X, Y = _multilabel_data()
    model = MultiOutputClassifier(SelectiveClassifier(threshold=0.8)).fit(X, Y)
    for k, clf in enumerate(model.estimators_):
        np.testing.assert_array_equal(model.predict(X)[:, k], clf.predict(X))


def test_column_vector_target_is_ravelled_with_a_warning():
    """y of shape (n, 1): DataConversionWarning and a 1d fit, as scikit-learn.

    A DecisionTreeClassifier takes several outputs, so on 6b9dc6b it kept the
    column as one output silently; scikit-learn's own check is run here.
    """
    X, y = make_classification(n_samples=60, random_state=0)
    clf = SelectiveClassifier(DecisionTreeClassifier(random_state=0))
    with pytest.warns(DataConversionWarning, match="A column-vector y was passed"):
        clf.fit(X, y[:, None])
    base = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert clf.estimator_.classes_.ndim == 1
    np.testing.assert_array_equal(clf.predict(X), base.predict(X))
    check_supervised_y_2d(
        "SelectiveClassifier", SelectiveClassifier(DecisionTreeClassifier())
    )


def test_one_class_decision_scores_say_there_is_one_class():
    """A RidgeClassifier fitted on one class: the error says so, at fit.

    On 6b9dc6b fit passed and predict blamed one-vs-one decision scores.
    """
    X, _ = make_classification(n_samples=30, random_state=0)
    y = np.zeros(30, dtype=int)
    RidgeClassifier().fit(X, y)  # the base alone accepts it
    with pytest.raises(
        ValueError,
        match=r"number of classes has to be greater than one; got 1 class \(\[0\]\)",
    ):
        SelectiveClassifier(RidgeClassifier(), threshold=0.5).fit(X, y)
    # probabilities of one class (a single column of ones) still work, and
    # no probability threshold can reject then
    with pytest.warns(UserWarning, match="never rejects"):
        clf = SelectiveClassifier(DecisionTreeClassifier(), threshold=0.5).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), y)


# --- properties (hypothesis) ------------------------------------------------

probability_rows = arrays(
    np.float64,
    st.tuples(st.integers(3, 30), st.just(3)),
    elements=st.floats(0.01, 1.0),
).map(lambda a: a / a.sum(axis=1, keepdims=True))


@settings(max_examples=60, deadline=None)
@given(
    proba=probability_rows,
    t_low=st.floats(0, 1),
    t_high=st.floats(0, 1),
    confidence=st.sampled_from(["max_proba", "margin", "entropy"]),
)
def test_raising_threshold_never_accepts_more(proba, t_low, t_high, confidence):
    """Accepted set at a higher threshold is a subset of the lower one's."""
    t_low, t_high = sorted((t_low, t_high))
    clf = SelectiveClassifier(ProbaColumns(), confidence=confidence)
    clf.fit(proba, np.arange(len(proba)) % 3)
    low = clf.set_params(threshold=t_low).predict(proba) != -1
    high = clf.set_params(threshold=t_high).predict(proba) != -1
    assert not (high & ~low).any()


@pytest.mark.filterwarnings("ignore:threshold=.*never rejects:UserWarning")
@settings(max_examples=60, deadline=None)
@given(proba=probability_rows, threshold=st.floats(0, 1))
def test_accepted_predictions_equal_base_argmax(proba, threshold):
    """Every accepted prediction is classes_[argmax(predict_proba)]."""
    y = np.array(["a", "b", "c"])[np.arange(len(proba)) % 3]
    clf = SelectiveClassifier(ProbaColumns(), threshold=threshold).fit(proba, y)
    y_pred = clf.predict(proba)
    accepted = y_pred != clf.reject_label_
    np.testing.assert_array_equal(
        y_pred[accepted], clf.classes_[proba.argmax(axis=1)][accepted]
    )
    np.testing.assert_array_equal(accepted, proba.max(axis=1) >= threshold)


@pytest.mark.filterwarnings("ignore:threshold=.*never rejects:UserWarning")
@settings(max_examples=60, deadline=None)
@given(proba=probability_rows, threshold=st.floats(0, 1))
def test_classwise_equal_thresholds_match_scalar(proba, threshold):
    """A class-wise threshold repeated for every class behaves like the scalar."""
    y = np.arange(len(proba)) % 3
    scalar = SelectiveClassifier(ProbaColumns(), threshold=threshold).fit(proba, y)
    classwise = clone(scalar).set_params(threshold=[threshold] * 3).fit(proba, y)
    np.testing.assert_array_equal(scalar.predict(proba), classwise.predict(proba))


@pytest.mark.parametrize("n_classes", [2, 3, 5, 17])
@pytest.mark.parametrize("order", ["C", "F"])
def test_top_class_matches_argmax_with_ties(n_classes, order):
    """The fast top-class pass equals argmax/max, ties to the first column."""
    from selective_clf._decision import top_class

    rng = np.random.default_rng(n_classes)
    response = np.asarray(
        rng.integers(0, 4, size=(500, n_classes)).astype(float), order=order
    )
    index, value = top_class(response)
    np.testing.assert_array_equal(index, response.argmax(axis=1))
    np.testing.assert_array_equal(value, response.max(axis=1))


# -- label kinds, per-class mappings, parameters set after fit (from test_decision)


def _label_cases():
    bigs = np.array([2**53, 2**53 + 1, 2**64 - 1], dtype=np.uint64)
    return {
        "int8": np.array([-128, -1, 127], dtype=np.int8),
        "uint64>2**53": bigs,
        "bool": np.array([False, True, True]),
        "categorical": pd.Categorical(["a", "b", "c"]),
        "string": np.array(["low", "mid", "high"]),
    }


@pytest.mark.parametrize("case", list(_label_cases()))
@pytest.mark.parametrize(
    "make",
    [
        lambda: SelectiveClassifier(LogisticRegression(), threshold=0.7),
        lambda: SelectiveClassifierCV(LogisticRegression(), rejection_cost=0.3, cv=3),
    ],
    ids=["SelectiveClassifier", "SelectiveClassifierCV"],
)
def test_labels_keep_their_identity(case, make):
    """Every class keeps its identity; the reject label is never a class."""
    labels = _label_cases()[case]
    X, y_index = make_classification(300, n_informative=4, n_classes=3, random_state=0)
    y = (
        labels[y_index]
        if not isinstance(labels, pd.Categorical)
        else pd.Series(labels[y_index])
    )
    clf = make().fit(X, y)
    expected_classes = np.unique(np.asarray(y))
    assert np.asarray(clf.classes_).tolist() == expected_classes.tolist()
    assert clf.reject_label_ not in expected_classes.tolist()
    y_pred = clf.predict(X)
    rejected = np.array([v == clf.reject_label_ for v in y_pred.tolist()])
    # rejected exactly where the confidence is below the threshold
    threshold = getattr(clf, "threshold_", 0.7)
    np.testing.assert_array_equal(rejected, clf.confidence_score(X) < threshold)
    assert 0 < rejected.sum() < len(y_pred)
    # accepted rows carry the base's prediction, value and type
    base = clf.estimator_.predict(X)
    assert y_pred[~rejected].tolist() == base[~rejected].tolist()
    assert {type(v) for v in y_pred[~rejected].tolist()} == {
        type(v) for v in base.tolist()
    }


def test_int8_reject_label_fits_the_prediction_dtype():
    """int8 classes [-128, -1, 127]: the reject label -129 is held exactly."""
    X, y_index = make_classification(300, n_informative=4, n_classes=3, random_state=0)
    y = np.array([-128, -1, 127], dtype=np.int8)[y_index]
    clf = SelectiveClassifier(LogisticRegression(), threshold=0.7).fit(X, y)
    assert clf.reject_label_ == -129
    y_pred = clf.predict(X)
    assert np.can_cast(np.int8, y_pred.dtype)
    assert set(np.unique(y_pred).tolist()) <= {-129, -128, -1, 127}


def test_bool_labels_come_back_as_bools():
    """Bool labels: an object array of True/False and the reject label -1."""
    X, y_index = make_classification(200, random_state=0)
    clf = SelectiveClassifier(LogisticRegression(), threshold=0.9)
    y_pred = clf.fit(X, y_index == 1).predict(X)
    assert y_pred.dtype == object
    accepted = [v for v in y_pred.tolist() if v is not clf.reject_label_]
    assert accepted and all(isinstance(v, bool) for v in accepted)
    assert clf.reject_label_ == -1 and not isinstance(clf.reject_label_, bool)


@pytest.fixture(scope="module")
def high_low():
    X, y = make_classification(200, random_state=0)
    return X, np.array(["low", "high"])[y]


def test_mapping_threshold_equals_the_array_in_classes_order(high_low):
    """{"high": 0.7, "low": 0.6} is [0.7, 0.6] with classes_ ['high', 'low']."""
    X, y = high_low
    mapped = SelectiveClassifier(
        LogisticRegression(max_iter=1000), threshold={"low": 0.6, "high": 0.7}
    )
    y_mapped = mapped.fit(X, y).predict(X)
    assert mapped.classes_.tolist() == ["high", "low"]
    y_array = (
        SelectiveClassifier(LogisticRegression(max_iter=1000), threshold=[0.7, 0.6])
        .fit(X, y)
        .predict(X)
    )
    np.testing.assert_array_equal(y_mapped, y_array)
    # the hand-computed rule: the predicted class's own threshold
    proba = mapped.estimator_.predict_proba(X)
    limit = np.array([0.7, 0.6])[proba.argmax(axis=1)]
    np.testing.assert_array_equal(y_mapped == "rejected", proba.max(axis=1) < limit)
    assert (y_mapped == "rejected").any()


@pytest.mark.parametrize(
    "threshold, match",
    [
        ({"high": 0.7}, "no entry for class 'low'"),
        ({"high": 0.7, "low": 0.6, "mid": 0.5}, r"names \['mid'\], which are not"),
    ],
)
def test_mapping_threshold_with_unknown_or_missing_class_errors(
    threshold, match, high_low
):
    """A mapping must name every class, and only classes."""
    X, y = high_low
    with pytest.raises(ValueError, match=match):
        SelectiveClassifier(LogisticRegression(max_iter=1000), threshold=threshold).fit(
            X, y
        )


@pytest.mark.parametrize(
    "make",
    [
        lambda: SelectiveClassifier(LogisticRegression(max_iter=1000), threshold=True),
        lambda: SelectiveClassifier(
            LogisticRegression(max_iter=1000), threshold=0.7, rejection_cost=True
        ),
        lambda: SelectiveClassifierCV(
            LogisticRegression(max_iter=1000), rejection_cost=True
        ),
        lambda: SelectiveClassifierCV(
            LogisticRegression(max_iter=1000), target_coverage=True
        ),
    ],
)
def test_booleans_are_not_numbers(make, iris):
    """threshold / rejection_cost / target_coverage = True are refused."""
    X, y = iris
    with pytest.raises(ValueError, match="is a boolean"):
        make().fit(X, y)


def test_string_threshold_set_after_fit_errors_at_predict(iris):
    """set_params(threshold="0.5") after fit: a clear error at predict."""
    X, y = iris
    clf = SelectiveClassifier(LogisticRegression(max_iter=1000), threshold=0.7).fit(
        X, y
    )
    clf.set_params(threshold="0.5")
    with pytest.raises(ValueError, match="threshold='0.5' is not a number"):
        clf.predict(X)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SelectiveClassifier(LogisticRegression(max_iter=1000), threshold=0.9),
        lambda: SelectiveClassifierCV(
            LogisticRegression(max_iter=1000), rejection_cost=0.05
        ),
    ],
)
def test_reject_label_changed_after_fit_takes_effect(make, iris):
    """set_params(reject_label=-7) after fit: predict uses -7, no refit."""
    X, y = iris
    clf = make().fit(X, y)
    before = clf.predict(X)
    assert (before == -1).any()
    clf.set_params(reject_label=-7)
    assert clf.reject_label_ == -7
    after = clf.predict(X)
    np.testing.assert_array_equal(after == -7, before == -1)
    clf.set_params(reject_label=2)  # a class
    with pytest.raises(ValueError, match="is one of the classes"):
        clf.predict(X)


def test_one_vs_rest_loses_the_rejections():
    """Inside OneVsRestClassifier the rejections are lost (SelectiveClassifier's
    Notes): the binary selective classifiers reject, OvR still predicts a
    training class for every row from their scores."""
    from sklearn.multiclass import OneVsRestClassifier

    X, y = load_iris(return_X_y=True)
    base = make_pipeline(StandardScaler(), LogisticRegression())
    ovr = OneVsRestClassifier(SelectiveClassifier(base, threshold=0.99)).fit(X, y)
    assert any((binary.predict(X) == -1).any() for binary in ovr.estimators_)
    assert set(ovr.predict(X)) == {0, 1, 2}


@pytest.mark.filterwarnings("ignore::selective_clf.GuaranteeWarning")
@pytest.mark.parametrize(
    "params",
    [
        {"rejection_cost": 0.1},
        {"target_coverage": 1.0},  # threshold_ = -inf: accept everything
        {"target_risk": 0.001},  # infeasible: threshold_ = inf
    ],
)
def test_tuned_threshold_is_a_valid_fixed_threshold(params):
    """SelectiveClassifier(threshold=cv.threshold_) predicts as cv does, -inf
    and inf included (a scalar inf was refused while the tuner returns it)."""
    X, y = load_iris(return_X_y=True)
    model = FrozenEstimator(LogisticRegression(max_iter=1000).fit(X, y))
    cv = SelectiveClassifierCV(model, **params).fit(X, y)
    fixed = SelectiveClassifier(model, threshold=cv.threshold_).fit(X, y)
    np.testing.assert_array_equal(fixed.predict(X), cv.predict(X))
    if np.isinf(cv.threshold_):
        rejected = fixed.predict(X) == fixed.reject_label_
        assert rejected.all() if cv.threshold_ > 0 else not rejected.any()
