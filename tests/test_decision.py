"""Tests of the decision core: selective_clf._decision and _rule.

The response, the decided class (and the base's own label at ties), the
confidence, the reject rule and its NaN policy, the one unwrapper. The
numbered sections keep the numbers of the defects of issue 11 they pin down
(every such test failed on 732f7e6); the tests of that issue about other
modules live in those modules' test files.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    make_classification,
)
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import StackingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    FixedThresholdClassifier,
    GridSearchCV,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelPropagation, LabelSpreading
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from selective_clf import (
    SelectiveClassifier,
    SelectiveClassifierCV,
)

from ._helpers import DecisionColumns, DecisionFromColumn, ProbaColumns

# -- stubs --------------------------------------------------------------------

STUBS = {"predict_proba": ProbaColumns, "decision_function": DecisionColumns}


class OnlyPredict(ClassifierMixin, BaseEstimator):
    """Classifier with fit and predict only: no confidence to threshold."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(np.asarray(X).shape[0], self.classes_[0])


# -- 1. a NaN confidence is rejected ------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("base", [LabelSpreading(), LabelPropagation()])
def test_semi_supervised_nan_rows_are_rejected(base, digits_split):
    """LabelSpreading/LabelPropagation NaN rows on digits are all rejected."""
    X_train, X_test, y_train = digits_split
    clf = SelectiveClassifier(base, threshold=0.5).fit(X_train, y_train)
    nan_rows = np.isnan(clf.estimator_.predict_proba(X_test)).any(axis=1)
    assert nan_rows.sum() > 500  # the 597 of 597 test rows
    y_pred = clf.predict(X_test)
    assert (y_pred[nan_rows] == clf.reject_label_).all()
    assert np.isnan(clf.confidence_score(X_test)[nan_rows]).all()
    # without a threshold the wrapper stays transparent
    clf.set_params(threshold=None)
    np.testing.assert_array_equal(clf.predict(X_test), clf.estimator_.predict(X_test))


class OverflowingLogistic(DecisionFromColumn):
    """Binary "logistic regression" on column 0 whose probabilities overflow.

    ``predict`` is the sign of the decision value, as for a logistic
    regression; ``predict_proba`` is NaN where ``|x| > 1e300`` (an overflow)
    and the sigmoid elsewhere. Declared an argmax predictor by the tests that
    use it, as ``LogisticRegression`` is, so that the wrapper's shortcut (no
    second ``predict``) is the path under test.
    """

    def predict_proba(self, X):
        d = self.decision_function(X)
        p1 = 1.0 / (1.0 + np.exp(-np.clip(d, -700, 700)))
        proba = np.column_stack([1.0 - p1, p1])
        proba[np.abs(d) > 1e300] = np.nan
        return proba


@pytest.fixture
def overflowing_is_argmax(monkeypatch):
    """Make OverflowingLogistic take the argmax shortcut, as LogisticRegression."""
    import selective_clf._decision as decision

    kind = (OverflowingLogistic.__module__.split(".")[0], "OverflowingLogistic")
    monkeypatch.setattr(
        decision,
        "_THIRD_PARTY_ARGMAX_PREDICTORS",
        decision._THIRD_PARTY_ARGMAX_PREDICTORS | {kind},
    )
    assert decision.predict_is_argmax(OverflowingLogistic())


def test_overflowing_row_is_rejected_and_none_is_the_base(overflowing_is_argmax):
    """A row whose probabilities are NaN: rejected, not class 0; None: the base.

    The argmax of the NaN row ``[nan, nan]`` is column 0, but the base
    predicts class 1 (its decision value is positive): with a threshold the
    row is rejected (a NaN confidence is always rejected), without one the
    wrapper predicts what the base predicts.
    """
    X = np.array([[-2.0], [-0.1], [0.1], [3.0], [1e308], [-1e308]])
    y = np.array([0, 0, 1, 1, 1, 0])
    clf = SelectiveClassifier(OverflowingLogistic(), threshold=0.55).fit(X, y)
    assert np.isnan(clf.estimator_.predict_proba(X[4:])).all()
    # by hand: confidences 0.88, 0.52, 0.52, 0.95, nan, nan
    np.testing.assert_array_equal(clf.predict(X), [0, -1, -1, 1, -1, -1])
    assert clf.rejection_reason(X)[4:].tolist() == ["low_confidence"] * 2
    clf.set_params(threshold=None)
    np.testing.assert_array_equal(clf.predict(X), [0, 0, 1, 1, 1, 0])
    np.testing.assert_array_equal(clf.predict(X), clf.estimator_.predict(X))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_logistic_regression_extreme_row_follows_the_reject_rule(iris):
    """A row of +-1e308 through LogisticRegression, whatever its build gives.

    Depending on the BLAS, its probabilities are NaN or finite: the row is
    rejected iff its top probability is NaN or below the threshold, and with
    threshold=None the wrapper predicts what the base predicts.
    """
    X, y = iris
    row = np.array([[1e308, -1e308, 1e308, -1e308]])
    clf = SelectiveClassifier(LogisticRegression(max_iter=1000), threshold=0.5)
    clf.fit(X, y)
    top = clf.estimator_.predict_proba(row).max(axis=1)[0]
    rejected = bool(np.isnan(top) or top < 0.5)
    assert (clf.predict(row)[0] == clf.reject_label_) == rejected
    if not rejected:
        assert clf.predict(row)[0] == clf.estimator_.predict(row)[0]
    clf.set_params(threshold=None)
    np.testing.assert_array_equal(clf.predict(row), clf.estimator_.predict(row))


@pytest.mark.parametrize("confidence", ["max_proba", "margin", "entropy"])
@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_stub_nan_rows_are_rejected_at_the_lowest_threshold(confidence, n_classes):
    """A response row with a NaN is rejected even at threshold 0."""
    rng = np.random.default_rng(n_classes)
    X = rng.dirichlet(np.ones(n_classes), size=40)
    X[::4, 0] = np.nan  # a single NaN entry
    X[1::4] = np.nan  # a whole NaN row
    y = np.arange(40) % n_classes
    clf = SelectiveClassifier(ProbaColumns(), threshold=0.0, confidence=confidence)
    y_pred = clf.fit(X, y).predict(X)
    nan_rows = np.isnan(X).any(axis=1)
    np.testing.assert_array_equal(y_pred == -1, nan_rows)


@pytest.mark.parametrize("n_classes", [2, 3, 4, 5, 17, 20])
@pytest.mark.parametrize("order", ["C", "F"])
def test_top_class_breaks_nan_like_argmax(n_classes, order):
    """top_class gives a NaN row its first NaN column and value, as np.argmax."""
    from selective_clf._decision import top_class

    rng = np.random.default_rng(n_classes)
    response = rng.integers(0, 3, size=(400, n_classes)).astype(float)
    response[rng.uniform(size=response.shape) < 0.1] = np.nan
    response = np.asarray(response, order=order)
    index, value = top_class(response)
    np.testing.assert_array_equal(index, response.argmax(axis=1))
    np.testing.assert_array_equal(value, response.max(axis=1))  # NaN == NaN here


# -- 2. one-vs-one decision scores ---------------------------------------------


@pytest.mark.parametrize("n_classes", [3, 4])
@pytest.mark.parametrize(
    "make",
    [
        lambda b: SelectiveClassifier(b),
        lambda b: SelectiveClassifierCV(b, rejection_cost=0.3, cv=3),
    ],
    ids=["SelectiveClassifier", "SelectiveClassifierCV"],
)
def test_ovo_svc_is_refused_at_fit(n_classes, make):
    """SVC(decision_function_shape='ovo') with 3 or 4 classes: a clear error."""
    X, y = make_classification(
        120, n_informative=4, n_classes=n_classes, random_state=0
    )
    clf = make(SVC(decision_function_shape="ovo"))
    with pytest.raises(ValueError, match="decision_function_shape='ovr'"):
        clf.fit(X, y)


@pytest.mark.parametrize("n_classes", [3, 4])
def test_ovr_svc_without_threshold_equals_svc_predict(n_classes):
    """SVC (ovr) with threshold=None predicts exactly as SVC.predict (votes)."""
    X, y = make_classification(
        300, n_informative=4, n_classes=n_classes, random_state=0
    )
    clf = SelectiveClassifier(SVC()).fit(X, y)
    base = clf.estimator_
    assert clf.response_method_ == "decision_function"
    np.testing.assert_array_equal(clf.predict(X), base.predict(X))


# -- 3. the holdout protocol keeps the certified model ------------------------


# -- 4. label dtypes ------------------------------------------------------------


# -- 5. metrics refuse mixed label kinds ---------------------------------------


# -- 6. bases whose methods appear at fit --------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda b: SelectiveClassifier(b, threshold=0.7),
        lambda b: SelectiveClassifierCV(b, rejection_cost=0.2, cv=3),
    ],
)
def test_stacking_with_default_final_estimator_works(make, iris):
    """StackingClassifier(final_estimator=None) gets predict_proba once fitted."""
    X, y = iris
    stack = StackingClassifier(
        [("lr", LogisticRegression(max_iter=500)), ("tree", DecisionTreeClassifier())],
        cv=3,
    )
    clf = make(stack).fit(X, y)
    assert clf.response_method_ == "predict_proba"
    y_pred = clf.predict(X)
    accepted = y_pred != clf.reject_label_
    np.testing.assert_array_equal(y_pred[accepted], clf.estimator_.predict(X)[accepted])


@pytest.mark.parametrize(
    "make",
    [
        lambda b: SelectiveClassifier(b, threshold=0.7),
        lambda b: SelectiveClassifierCV(b, rejection_cost=0.2, cv=3),
    ],
)
def test_model_without_confidence_gets_calibration_hint(make, iris):
    """A classifier with fit and predict only: wrap it in CalibratedClassifierCV."""
    X, y = iris
    with pytest.raises(ValueError, match="CalibratedClassifierCV"):
        make(OnlyPredict()).fit(X, y)


# -- 7. threshold=None reproduces the base's predict ---------------------------


def _scaled_lr():
    return make_pipeline(StandardScaler(), LogisticRegression())


def test_fixed_threshold_base_is_reproduced():
    """FixedThresholdClassifier(threshold=0.1): its moved decision, exactly."""
    X, y = load_breast_cancer(return_X_y=True)
    clf = SelectiveClassifier(FixedThresholdClassifier(_scaled_lr(), threshold=0.1))
    clf.fit(X, y)
    base = clf.estimator_
    argmax = base.classes_[base.predict_proba(X).argmax(axis=1)]
    assert (argmax != base.predict(X)).sum() > 10  # the rows that differed
    np.testing.assert_array_equal(clf.predict(X), base.predict(X))


def test_tuned_threshold_base_is_reproduced():
    """TunedThresholdClassifierCV: its tuned decision, exactly."""
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, _ = train_test_split(X, y, random_state=0)
    tuned = TunedThresholdClassifierCV(_scaled_lr(), scoring="f1", random_state=0)
    clf = SelectiveClassifier(tuned).fit(X_train, y_train)
    base = clf.estimator_
    argmax = base.classes_[base.predict_proba(X_test).argmax(axis=1)]
    assert (argmax != base.predict(X_test)).any()
    np.testing.assert_array_equal(clf.predict(X_test), base.predict(X_test))


def test_nearest_centroid_is_reproduced(iris):
    """NearestCentroid on iris: its nearest centroid, not argmax(proba)."""
    X, y = iris
    clf = SelectiveClassifier(NearestCentroid()).fit(X, y)
    base = clf.estimator_
    argmax = base.classes_[base.predict_proba(X).argmax(axis=1)]
    assert (argmax != base.predict(X)).sum() > 5
    np.testing.assert_array_equal(clf.predict(X), base.predict(X))


# -- 8. SelectiveClassifierCV grids and objectives -----------------------------


def _lr():
    return LogisticRegression(max_iter=1000)


# -- 9. negative sample weights ------------------------------------------------


# -- 10. the display of a search, a frozen model, oracle_kw --------------------


# -- 11. a threshold per class as a mapping ------------------------------------


# -- 12. smaller items ----------------------------------------------------------


@pytest.mark.parametrize("n_classes", [3, 10, 50])
def test_entropy_is_bitwise_identical_for_c_and_fortran_order(n_classes):
    """The same probabilities in C or F order give the same entropy bits."""
    # from 8 classes on, numpy sums a C-ordered row pairwise, in another order
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(n_classes), size=20_000)
    clf = SelectiveClassifier(ProbaColumns(), confidence="entropy")
    clf.fit(proba, np.arange(len(proba)) % n_classes)
    c_order = clf.confidence_score(np.ascontiguousarray(proba))
    f_order = clf.confidence_score(np.asfortranarray(proba))
    assert np.array_equal(c_order, f_order)
    # and a threshold sitting exactly on a confidence decides the same way
    clf.set_params(threshold=float(np.median(c_order)))
    np.testing.assert_array_equal(
        clf.predict(np.ascontiguousarray(proba)),
        clf.predict(np.asfortranarray(proba)),
    )


# -- property: predict against a plain numpy computation -----------------------


def _reference_confidence(response, confidence, response_method):
    """Confidence of each row by the textbook formula (NaN rows stay NaN)."""
    if response.shape[1] == 2 and response_method == "decision_function":
        score = response[:, 1] - response[:, 0]
        return {"max_proba": np.abs(score), "margin": 2 * np.abs(score)}[confidence]
    nan_rows = np.isnan(response).any(axis=1)
    ordered = -np.sort(-np.nan_to_num(response), axis=1)
    if confidence == "max_proba":
        scores = ordered[:, 0]
    elif confidence == "margin":
        scores = ordered[:, 0] - ordered[:, 1]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(response > 0, response * np.log(response), 0.0)
        scores = 1 - (-plogp.sum(axis=1)) / np.log(response.shape[1])
    return np.where(nan_rows, np.nan, scores)


@st.composite
def _responses(draw):
    n_classes = draw(st.sampled_from([2, 3, 4, 6]))
    n = draw(st.integers(1, 25))
    response_method = draw(st.sampled_from(["predict_proba", "decision_function"]))
    # small integers: many exact ties between classes and rows
    counts = np.array(
        draw(
            st.lists(st.integers(0, 4), min_size=n * n_classes, max_size=n * n_classes)
        ),
        dtype=float,
    ).reshape(n, n_classes)
    if response_method == "predict_proba":
        counts[counts.sum(axis=1) == 0, 0] = 1.0
        response = counts / counts.sum(axis=1, keepdims=True)
        confidence = draw(st.sampled_from(["max_proba", "margin", "entropy"]))
    else:
        response = counts - 2.0
        confidence = draw(st.sampled_from(["max_proba", "margin"]))
    nan_rows = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    nan_cells = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    response[np.array(nan_rows)] = np.nan
    response[np.array(nan_cells), -1] = np.nan
    order = draw(st.sampled_from(["C", "F"]))
    return np.asarray(response, order=order), response_method, confidence


@settings(max_examples=150, deadline=None)
@given(case=_responses(), data=st.data())
def test_predict_matches_numpy_reference(case, data):
    """predict = argmax class, or -1 where confidence < its class's threshold."""
    response, response_method, confidence = case
    n, n_classes = response.shape
    y = np.arange(max(n, n_classes)) % n_classes
    stub = STUBS[response_method]()
    clf = SelectiveClassifier(stub, confidence=confidence)
    clf.fit(np.zeros((len(y), n_classes)), y)
    classes = clf.classes_

    expected_conf = _reference_confidence(response, confidence, response_method)
    scores = clf.confidence_score(response)
    np.testing.assert_array_equal(np.isnan(scores), np.isnan(expected_conf))
    if confidence == "entropy":
        np.testing.assert_allclose(scores, expected_conf, rtol=0, atol=1e-12)
    else:  # max and differences of the response: exact
        np.testing.assert_array_equal(scores, expected_conf)
    # the same bits in the other memory order
    other = (
        np.asfortranarray(response)
        if response.flags.c_contiguous
        else (np.ascontiguousarray(response))
    )
    np.testing.assert_array_equal(clf.confidence_score(other), scores)

    # thresholds: None, a confidence itself (an exact tie), or one per class
    finite = np.unique(scores[~np.isnan(scores)])
    values = st.sampled_from(finite.tolist()) if finite.size else st.just(0.0)
    if response_method == "predict_proba":
        values = values.map(lambda v: min(max(v, 0.0), 1.0))
    threshold = data.draw(
        st.one_of(
            st.none(),
            values,
            st.lists(values, min_size=n_classes, max_size=n_classes),
            st.fixed_dictionaries({c: values for c in classes.tolist()}),
        )
    )
    y_pred = clf.set_params(threshold=threshold).predict(response)

    decided = classes[np.argmax(response, axis=1)]  # the stub's own predict
    if threshold is None:
        np.testing.assert_array_equal(y_pred, decided)
        return
    if isinstance(threshold, dict):
        per_class = np.array([threshold[c] for c in classes.tolist()])
    else:
        per_class = np.broadcast_to(np.asarray(threshold, dtype=float), n_classes)
    limit = per_class[np.argmax(response, axis=1)]
    accepted = scores >= limit  # NaN compares False: rejected
    np.testing.assert_array_equal(y_pred, np.where(accepted, decided, -1))
    np.testing.assert_array_equal(y_pred, clf.predict(other))


# -- issue 20, item 6: near ties ------------------------------------------------


def _rows_near_boundaries(base, rng, n_rows):
    """Rows on the decision boundaries of ``base`` (a linear model), plus a zero row.

    Each row is projected on the hyperplane where the scores of two classes
    are equal, so their probabilities tie or nearly tie after rounding.
    """
    coef = np.atleast_2d(base.coef_)
    intercept = np.atleast_1d(base.intercept_)
    if coef.shape[0] == 1:  # binary: score of class 1 minus that of class 0
        pairs = [(np.zeros_like(coef[0]), 0.0, coef[0], intercept[0])]
    else:
        pairs = [
            (coef[i], intercept[i], coef[j], intercept[j])
            for i in range(coef.shape[0])
            for j in range(i + 1, coef.shape[0])
        ]
    rows = [np.zeros((1, coef.shape[1]))]
    for w_i, b_i, w_j, b_j in pairs:
        w, b = w_j - w_i, b_j - b_i
        Z = rng.normal(size=(n_rows, coef.shape[1]))
        rows.append(Z - ((Z @ w + b) / (w @ w))[:, None] * w)
    return np.vstack(rows)


def _symmetric_data(seed, n_classes):
    """Data whose fitted intercept is zero up to rounding (a zero row ties)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 3))
    if n_classes == 2:
        y = (X[:, 0] + rng.normal(size=30) > 0).astype(int)
        return np.vstack([X, -X]), np.concatenate([y, 1 - y])
    y = np.arange(30) % n_classes
    X[:, 0] += y
    return X, y


@pytest.mark.parametrize(
    "make_base",
    [
        LogisticRegression,
        lambda: make_pipeline(StandardScaler(), LogisticRegression(C=10.0)),
        LinearDiscriminantAnalysis,
    ],
    ids=["logistic", "pipeline", "lda"],
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_threshold_none_is_the_base_predict_at_near_ties(make_base, n_classes):
    """Brute force: 40 seeds, rows on the boundaries and a zero row.

    On 6b9dc6b a binary logistic regression with a decision value of 1e-16
    predicted 1 and the wrapper 0 (argmax of probabilities rounded to
    [0.5, 0.5]).
    """
    n_tied = 0
    for seed in range(40):
        X, y = _symmetric_data(seed, n_classes)
        base = make_base().fit(X, y)
        clf = SelectiveClassifier(make_base()).fit(X, y)
        model = base[-1] if hasattr(base, "steps") else base
        X_test = _rows_near_boundaries(model, np.random.default_rng(seed), 30)
        if hasattr(base, "steps"):  # boundaries are in the scaled space
            X_test = base[0].inverse_transform(X_test)
        proba = base.predict_proba(X_test)
        n_tied += int((np.sort(proba, axis=1)[:, -1] == np.sort(proba)[:, -2]).sum())
        np.testing.assert_array_equal(clf.predict(X_test), base.predict(X_test))
    assert n_tied > 0  # the sweep does reach exact ties of the probabilities


@pytest.mark.filterwarnings("ignore:threshold=.*never rejects:UserWarning")
def test_accepted_tied_rows_carry_the_base_label_with_a_threshold():
    """With a threshold, a tied row takes the base's label and its threshold.

    Rows of a binary logistic regression on its boundary have probabilities
    [0.5, 0.5]; the base predicts from the sign of its decision value. With
    threshold=0.5 they are accepted with the base's label; with the class-wise
    thresholds (0.5, 0.9) the threshold of the base's class applies: rows the
    base calls 1 are rejected (0.5 < 0.9), rows it calls 0 are accepted.
    """
    X, y = _symmetric_data(3, 2)
    clf = SelectiveClassifier(LogisticRegression(), threshold=0.5).fit(X, y)
    X_test = _rows_near_boundaries(clf.estimator_, np.random.default_rng(0), 200)
    proba = clf.estimator_.predict_proba(X_test)
    tied = proba[:, 0] == proba[:, 1]
    base = clf.estimator_.predict(X_test)
    assert tied.sum() > 10 and np.unique(base[tied]).tolist() == [0, 1]
    np.testing.assert_array_equal(clf.predict(X_test), base)
    clf.set_params(threshold=[0.5, 0.9])
    # the threshold of the base's class (classes are 0 and 1: their indices)
    expected = np.where(proba.max(axis=1) >= np.array([0.5, 0.9])[base], base, -1)
    assert (expected[tied & (base == 1)] == -1).all()
    assert (expected[tied & (base == 0)] == 0).all()
    np.testing.assert_array_equal(clf.predict(X_test), expected)


def test_tied_rows_of_a_dataframe_ask_the_base_on_those_rows_only():
    """Ties in a DataFrame input: the base predicts the tied rows, by position."""
    X, y = _symmetric_data(5, 2)
    columns = ["a", "b", "c"]
    base = LogisticRegression().fit(pd.DataFrame(X, columns=columns), y)
    X_test = _rows_near_boundaries(base, np.random.default_rng(1), 50)
    frame = pd.DataFrame(X_test, columns=columns, index=np.arange(50, -1, -1))
    clf = SelectiveClassifier(LogisticRegression()).fit(
        pd.DataFrame(X, columns=columns), y
    )
    np.testing.assert_array_equal(clf.predict(frame), base.predict(frame))


# -- issue 21: the one unwrapper and decide_fitted ---------------------------


@pytest.fixture(scope="module")
def wrapped_selective():
    """A fitted search over a Pipeline ending in a SelectiveClassifier, frozen."""
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(), SelectiveClassifier(LogisticRegression(), threshold=0.8)
    )
    search = GridSearchCV(
        pipe, {"selectiveclassifier__threshold": [0.7, 0.8]}, cv=3
    ).fit(X, y)
    return FrozenEstimator(search), X


def test_unwrap_finds_the_selective_classifier_and_transforms_X(wrapped_selective):
    from selective_clf._decision import final_estimator, unwrap

    frozen, X = wrapped_selective
    best = frozen.estimator.best_estimator_
    unwrapped = unwrap(frozen, X)
    assert unwrapped.final is best[-1]
    np.testing.assert_array_equal(unwrapped.X, best[0].transform(X))
    assert [kind for kind, _ in unwrapped.path] == ["frozen", "search", "pipeline"]
    assert unwrapped.path[0][1] is frozen
    assert unwrap(frozen).X is None
    assert final_estimator(frozen) is best[-1]
    # stopping at the first wrapper not asked for
    assert unwrap(frozen, through=("frozen",)).final is frozen.estimator
    # an unwrapped estimator is its own final one
    plain = LogisticRegression()
    assert unwrap(plain).final is plain and unwrap(plain).path == []


def test_decide_fitted_on_a_wrapper_equals_the_manual_rule(wrapped_selective):
    from selective_clf._decision import decide_fitted, fitted_thresholds

    frozen, X = wrapped_selective
    best = frozen.estimator.best_estimator_
    clf = best[-1]
    threshold = clf.threshold
    proba = clf.estimator_.predict_proba(best[0].transform(X))
    decision = decide_fitted(frozen, X)
    np.testing.assert_array_equal(decision.class_index, proba.argmax(axis=1))
    np.testing.assert_array_equal(decision.confidence, proba.max(axis=1))
    np.testing.assert_array_equal(decision.rejected, proba.max(axis=1) < threshold)
    assert decision.rejected.any() and not decision.rejected.all()
    assert not decision.novel.any()
    assert decision.estimator is clf
    np.testing.assert_array_equal(decision.classes, clf.classes_)
    np.testing.assert_array_equal(decision.thresholds, [threshold] * 3)
    np.testing.assert_array_equal(fitted_thresholds(frozen), [threshold] * 3)
    expected = np.where(
        decision.rejected, clf.reject_label_, decision.classes[decision.class_index]
    )
    np.testing.assert_array_equal(frozen.predict(X), expected)
    # thresholds=None: the base's decisions, nothing rejected
    none = decide_fitted(frozen, X, thresholds=None)
    assert none.thresholds is None and not none.rejected.any()
    np.testing.assert_array_equal(none.class_index, decision.class_index)
    # explicit per-class thresholds
    per_class = decide_fitted(frozen, X, thresholds=np.array([0.0, 1.1, 0.0]))
    np.testing.assert_array_equal(per_class.rejected, decision.class_index == 1)


def test_decide_fitted_refuses_a_plain_classifier():
    from selective_clf._decision import decide_fitted, fitted_thresholds

    X, y = load_iris(return_X_y=True)
    plain = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    with pytest.raises(TypeError, match="not a fitted selective classifier"):
        decide_fitted(plain, X)
    with pytest.raises(TypeError, match="not a fitted selective classifier"):
        fitted_thresholds(SelectiveClassifier())  # unfitted


def test_nan_policy_is_the_reject_rule():
    """acceptable() is False exactly where rejected_mask rejects at any threshold."""
    from selective_clf._counting import coverage_and_risk_at
    from selective_clf._rule import acceptable, rejected_mask

    confidence = np.array([np.nan, 0.2, 0.9, np.nan])
    np.testing.assert_array_equal(acceptable(confidence), [False, True, True, False])
    rejected = rejected_mask(confidence, np.array([-np.inf]), np.zeros(4, int))
    np.testing.assert_array_equal(rejected, ~acceptable(confidence))
    coverage, risk = coverage_and_risk_at(
        confidence, np.array([True, True, False, False]), [-np.inf, 0.5]
    )
    np.testing.assert_allclose(coverage, [0.5, 0.25])  # NaN rows count, never accept
    np.testing.assert_allclose(risk, [0.5, 0.0])


def test_no_private_decision_calls_outside_decision_module():
    """Only _decision.py calls another object's _decide / _decision_threshold."""
    import pathlib
    import re

    import selective_clf

    root = pathlib.Path(selective_clf.__file__).parent
    call = re.compile(r"([\w)\]]+)\._(decide|decision_threshold)\b")
    named = re.compile(r"""["']_(decide|decision_threshold)["']""")
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "_decision.py" and path.parent == root:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            receivers = [m.group(1) for m in call.finditer(line)]
            if any(r != "self" for r in receivers) or named.search(line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
            if any(m.group(2) == "decide" for m in call.finditer(line)):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("n_classes", [1, 2, 3, 5, 9, 16, 17])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_top_and_ties_equals_top_class_and_near_tie_rows(n_classes, order, dtype):
    """The one-pass kernel of decide: argmax off ties, the same ties, blocks too."""
    from selective_clf._decision import (
        _BLOCK_ROWS,
        _top_and_near_ties,
        near_tie_rows,
        top_class,
    )

    rng = np.random.default_rng(n_classes)
    n = 2 * _BLOCK_ROWS + 7  # three blocks, the last one short
    response = rng.normal(size=(n, n_classes))
    tied = rng.choice(n, 500, replace=False)
    tied = np.union1d(tied, [0, _BLOCK_ROWS - 1, _BLOCK_ROWS, n - 1])
    if n_classes > 1:
        response[tied, -1] = response[tied].max(axis=1)  # exact ties
        response[tied[::3], 0] = np.nextafter(response[tied[::3], -1], np.inf)
        response[tied[1::3]] = -response[tied[1::3]]  # negative tops
        response[5] = np.inf
        response[6] = -np.inf
    response = np.asarray(response.astype(dtype), order=order)
    index, top, ties = _top_and_near_ties(response)
    expected_index, expected_top = top_class(response)
    expected_ties = near_tie_rows(response, expected_top)
    np.testing.assert_array_equal(top, expected_top)
    np.testing.assert_array_equal(ties, expected_ties)
    off_ties = np.setdiff1d(np.arange(n), expected_ties)
    np.testing.assert_array_equal(index[off_ties], expected_index[off_ties])
    np.testing.assert_array_equal(index[off_ties], response[off_ties].argmax(axis=1))
    assert top.dtype == response.dtype
    if n_classes > 1:
        assert expected_ties.shape[0] >= tied.shape[0] // 2


def test_a_fitted_search_base_is_looked_through():
    """One-vs-one scores are refused inside a search too; argmax bases stay exact."""
    X, y = load_iris(return_X_y=True)
    ovo = GridSearchCV(SVC(decision_function_shape="ovo"), {"C": [1.0]}, cv=3)
    with pytest.raises(ValueError, match="ovo"):
        SelectiveClassifier(ovo, response_method="decision_function").fit(X, y)
    search = GridSearchCV(LogisticRegression(max_iter=1000), {"C": [0.1, 1.0]}, cv=3)
    clf = SelectiveClassifier(search, threshold=None).fit(X, y)
    np.testing.assert_array_equal(clf.predict(X), clf.estimator_.predict(X))
