"""ONNX export: the onnxruntime graph predicts what ``predict`` predicts.

Each parity test converts a fitted model with ``skl2onnx.to_onnx``, runs it
with onnxruntime on float32 test data, and compares with scikit-learn's
float64 ``predict``, ``confidence_score`` and response. Labels may differ only
on rows whose float64 confidence lies within ``TOLERANCE`` of the threshold of
their class (float32 rounding can put them on either side); the tests count
those rows, print them, and require them to be at most 0.1 % of the rows.
"""

import sys

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import (
    AdaBoostClassifier,
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    IsolationForest,
    RandomForestClassifier,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from selective_clf import SelectiveClassifier, SelectiveClassifierCV

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
onnx_export = pytest.importorskip("selective_clf.onnx")  # registers the converters
from selective_clf.onnx import _converter  # noqa: E402

# float32 rounding of the confidence, relative to max(1, |threshold|). The
# largest difference between the graph's confidence and confidence_score seen
# over these tests is below 4e-6 (decision scores of an SVC); probabilities
# differ by less than 1e-6.
TOLERANCE = 1e-5
MAX_DIFFERING_FRACTION = 0.001

# skl2onnx's SVC converter reads probA_, deprecated in scikit-learn 1.9.
SVC_WARNING = "ignore:Attribute `prob.?_` was deprecated:FutureWarning"

N_TEST = 4000


def make_data(n_classes, labels, seed=0):
    """Train and test split of a noisy problem; int or string labels."""
    X, y = make_classification(
        n_samples=2000 + N_TEST,
        n_features=8,
        n_informative=5,
        n_redundant=1,
        n_classes=n_classes,
        flip_y=0.1,
        random_state=seed,
    )
    if labels == "str":
        y = np.array(["ant", "bee", "cat", "dog"])[y]
    elif labels == "int":
        y = np.array([3, 5, 7, 9])[y]
    return X[:2000], y[:2000], X[2000:], y[2000:]


BASES = {
    "logistic": lambda: LogisticRegression(),
    "scaled_logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "column_transformer": lambda: make_pipeline(
        ColumnTransformer(
            [
                ("standard", StandardScaler(), [0, 1, 2, 3]),
                ("minmax", MinMaxScaler(), [4, 5, 6, 7]),
            ]
        ),
        LogisticRegression(),
    ),
    "random_forest": lambda: RandomForestClassifier(
        n_estimators=30, min_samples_leaf=3, random_state=0
    ),
    "hist_gradient_boosting": lambda: HistGradientBoostingClassifier(
        max_iter=30, random_state=0
    ),
    "mlp": lambda: make_pipeline(
        StandardScaler(),
        MLPClassifier((16,), max_iter=2000, tol=1e-3, random_state=0),
    ),
    "linear_svc": lambda: LinearSVC(),
    "svc": lambda: SVC(),
    "decision_tree": lambda: DecisionTreeClassifier(
        min_samples_leaf=20, random_state=0
    ),
    "extra_trees": lambda: ExtraTreesClassifier(
        n_estimators=30, min_samples_leaf=3, random_state=0
    ),
    "gradient_boosting": lambda: GradientBoostingClassifier(
        n_estimators=20, random_state=0
    ),
    "ridge": lambda: RidgeClassifier(),
    "ada_boost": lambda: AdaBoostClassifier(n_estimators=20, random_state=0),
}
# Bases whose confidences take few distinct values (leaves shared by many
# rows): a quantile threshold equals one of them, and float32 rounding puts
# all its rows on either side. Their tests move each threshold half-way to the
# next distinct confidence.
FEW_CONFIDENCES = {"decision_tree", "extra_trees", "gradient_boosting", "ada_boost"}
# The bases of BASES that skl2onnx converts wrongly for float64 inputs
# (refused, see test_float64_input_is_refused_for_some_bases).
NO_DOUBLE_INPUT = [
    "hist_gradient_boosting",
    "linear_svc",
    "decision_tree",
    "extra_trees",
    "gradient_boosting",
    "ridge",
    "ada_boost",
]


def run_onnx(model, X, **to_onnx_kwargs):
    """Convert ``model`` and return onnxruntime's outputs by name on ``X``."""
    X32 = np.asarray(X, dtype=np.float32)
    onx = skl2onnx.to_onnx(model, X32[:1], **to_onnx_kwargs)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [output.name for output in session.get_outputs()]
    values = session.run(None, {session.get_inputs()[0].name: X32})
    return dict(zip(names, values, strict=True))


def sklearn_response(model, X):
    """Response matrix of ``predict`` computed independently of the package."""
    response = getattr(model.estimator_, model.response_method_)(X)
    if response.ndim == 1:
        response = np.column_stack([-response, response])
    return response


def assert_parity(model, X, outputs):
    """Check the graph's outputs against scikit-learn; return the differing rows.

    Labels must be equal except on rows within ``TOLERANCE`` of their
    threshold, and those must be at most ``MAX_DIFFERING_FRACTION``.
    """
    label = outputs["label"]
    expected = model.predict(X)
    confidence = model.confidence_score(X)
    response_name = (
        "probabilities" if model.response_method_ == "predict_proba" else "scores"
    )
    np.testing.assert_allclose(
        outputs[response_name], sklearn_response(model, X), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        outputs["confidence"], confidence, rtol=TOLERANCE, atol=TOLERANCE
    )
    assert label.dtype.kind == ("O" if model.classes_.dtype.kind in "OUS" else "i")

    base_label = model.estimator_.predict(X)
    threshold = model._decision_threshold()
    differ = label.astype(expected.dtype) != expected
    if threshold is None:
        assert not differ.any()
        return differ
    row_threshold = threshold[np.searchsorted(model.classes_, base_label)]
    near = np.abs(confidence - row_threshold) <= TOLERANCE * np.maximum(
        1.0, np.abs(row_threshold)
    )
    for i in np.flatnonzero(differ):
        print(
            f"row {i}: onnx {label[i]!r}, sklearn {expected[i]!r}, confidence "
            f"{confidence[i]!r}, threshold {row_threshold[i]!r}"
        )
    print(
        f"{differ.sum()} of {len(label)} labels differ, all within {TOLERANCE} of "
        f"the threshold; {near.sum()} rows lie that close"
    )
    assert np.all(near[differ]), "a label differs away from the threshold"
    assert differ.mean() <= MAX_DIFFERING_FRACTION
    # the test must reject something and accept something to prove anything
    rejected = expected == model.reject_label_
    assert 0.05 < rejected.mean() < 0.95
    return differ


def off_the_values(threshold, confidence):
    """Move each threshold half-way to the next distinct confidence above it."""
    values = np.unique(confidence)
    moved = []
    for t in np.atleast_1d(threshold):
        above = values[values > t + TOLERANCE]
        on = np.abs(values - t) <= TOLERANCE
        moved.append((t + above[0]) / 2 if on.any() and len(above) else t)
    return np.asarray(moved) if np.ndim(threshold) else float(moved[0])


def quantile_thresholds(model, X, quantiles):
    """One threshold per class: a quantile of the confidences of that class."""
    confidence = model.confidence_score(X)
    base_label = model.estimator_.predict(X)
    return np.array(
        [
            np.quantile(confidence[base_label == c], q)
            for c, q in zip(model.classes_, quantiles, strict=True)
        ]
    )


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Fit the small models on one OpenMP thread: faster than many on a busy CPU."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def fitted():
    """Fit each base once per label kind; tests set the threshold afterwards."""
    cache = {}

    def get(base, n_classes, labels):
        key = (base, n_classes, labels)
        if key not in cache:
            X_train, y_train, X_test, y_test = make_data(n_classes, labels)
            model = SelectiveClassifier(BASES[base]()).fit(X_train, y_train)
            cache[key] = model, X_test
        return cache[key]

    return get


@pytest.mark.filterwarnings(SVC_WARNING)
@pytest.mark.parametrize("thresholds", ["scalar", "classwise"])
@pytest.mark.parametrize(
    "n_classes, labels", [(3, "int"), (3, "str"), (2, "int"), (2, "str")]
)
@pytest.mark.parametrize("base", list(BASES))
def test_parity_for_each_base(fitted, base, n_classes, labels, thresholds):
    """onnxruntime's labels equal predict for every base, label kind and threshold."""
    model, X = fitted(base, n_classes, labels)
    if thresholds == "scalar":
        threshold = float(np.quantile(model.confidence_score(X), 0.3))
    else:
        threshold = quantile_thresholds(model, X, [0.1, 0.3, 0.5][:n_classes])
    if base in FEW_CONFIDENCES:
        threshold = off_the_values(threshold, model.confidence_score(X))
    model.set_params(threshold=threshold)
    assert_parity(model, X, run_onnx(model, X))


@pytest.mark.filterwarnings(SVC_WARNING)
@pytest.mark.parametrize("labels", ["int", "str"])
@pytest.mark.parametrize(
    "base, confidence",
    [
        ("logistic", "margin"),
        ("logistic", "entropy"),
        ("random_forest", "entropy"),
        ("hist_gradient_boosting", "margin"),
        ("mlp", "entropy"),
        ("linear_svc", "margin"),
        ("svc", "margin"),
    ],
)
def test_parity_for_each_confidence(fitted, base, confidence, labels):
    """The margin and entropy confidences of the graph match confidence_score."""
    model, X = fitted(base, 3, labels)
    model.set_params(confidence=confidence, threshold=None)
    model.set_params(threshold=quantile_thresholds(model, X, [0.2, 0.4, 0.3]))
    assert_parity(model, X, run_onnx(model, X))


def test_entropy_confidence_matches_hand_computation(fitted):
    """The graph's entropy is 1 - H(p) / log(K) of its own probabilities."""
    model, X = fitted("random_forest", 3, "int")
    model.set_params(confidence="entropy", threshold=0.3)
    outputs = run_onnx(model, X)
    proba = outputs["probabilities"].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_log_p = np.where(proba > 0, proba * np.log(proba), 0.0)
    expected = 1.0 + p_log_p.sum(axis=1) / np.log(3)
    # random forest leaves give exact zeros: the 0 log 0 = 0 branch is used
    assert (proba == 0).any()
    np.testing.assert_allclose(outputs["confidence"], expected, atol=1e-6)


@pytest.mark.parametrize("labels", ["int", "str"])
def test_decision_function_of_a_probabilistic_base(labels):
    """response_method='decision_function' exports raw scores, binary as (-s, s)."""
    X_train, y_train, X, _ = make_data(2, labels)
    model = SelectiveClassifier(
        LogisticRegression(), response_method="decision_function", threshold=1.0
    ).fit(X_train, y_train)
    outputs = run_onnx(model, X)
    assert set(outputs) == {"label", "scores", "confidence"}
    score = model.estimator_.decision_function(X)
    np.testing.assert_allclose(outputs["scores"][:, 1], score, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outputs["scores"][:, 0], -score, rtol=1e-4, atol=1e-5)
    assert_parity(model, X, outputs)


@pytest.mark.parametrize("objective", ["rejection_cost", "target_coverage"])
def test_parity_for_selective_classifier_cv(objective):
    """SelectiveClassifierCV exports its tuned threshold."""
    X_train, y_train, X, _ = make_data(3, "str")
    params = {"rejection_cost": 0.3, "target_coverage": 0.7}
    model = SelectiveClassifierCV(
        HistGradientBoostingClassifier(max_iter=20, random_state=0),
        cv=3,
        **{objective: params[objective]},
    ).fit(X_train, y_train)
    assert_parity(model, X, run_onnx(model, X))


def test_no_threshold_exports_the_base_predictions(fitted):
    """threshold=None never rejects: the label output is the base's predict."""
    model, X = fitted("hist_gradient_boosting", 3, "str")
    model.set_params(confidence="max_proba", threshold=None)
    outputs = run_onnx(model, X)
    assert_parity(model, X, outputs)
    np.testing.assert_array_equal(outputs["label"], model.estimator_.predict(X))


def test_nan_confidence_is_rejected():
    """A row whose probabilities are NaN gets the reject label, not a class."""
    X_train, y_train, X, _ = make_data(3, "int")
    model = SelectiveClassifier(LogisticRegression(), threshold=0.5)
    model.fit(X_train, y_train)
    X_nan = X[:4].copy()
    X_nan[0, 0] = np.nan
    outputs = run_onnx(model, X_nan)
    assert np.isnan(outputs["confidence"][0])
    assert outputs["label"][0] == model.reject_label_
    np.testing.assert_array_equal(outputs["label"][1:], model.predict(X[1:4]))


def test_reject_label_is_the_fitted_one():
    """An explicit reject label reaches the graph, for int and string classes."""
    X_train, y_train, X, _ = make_data(2, "int")
    model = SelectiveClassifier(reject_label=42, threshold=0.9).fit(X_train, y_train)
    label = run_onnx(model, X)["label"]
    assert label.dtype == np.int64
    assert set(np.unique(label)) == {3, 5, 42}

    X_train, y_train, X, _ = make_data(2, "str")
    model = SelectiveClassifier(reject_label="?", threshold=0.9).fit(X_train, y_train)
    label = run_onnx(model, X)["label"]
    assert set(np.unique(label)) == {"ant", "bee", "?"}


def test_frozen_estimator_is_exported():
    """A pre-fitted base wrapped in FrozenEstimator converts like the base."""
    X_train, y_train, X, _ = make_data(3, "int")
    base = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    model = SelectiveClassifier(FrozenEstimator(base), threshold=0.6)
    model.fit(X_train, y_train)
    assert_parity(model, X, run_onnx(model, X))


def test_data_frame_with_a_categorical_column():
    """A ColumnTransformer over a data frame exports with one input per column."""
    pd = pytest.importorskip("pandas")
    X_train, y_train, X, _ = make_data(3, "str")
    rng = np.random.default_rng(0)

    def frame(X):
        df = pd.DataFrame(X[:, :4].astype(np.float32), columns=list("abcd"))
        df["colour"] = rng.choice(["red", "green", "blue"], size=len(X))
        return df

    df_train, df_test = frame(X_train), frame(X)
    base = make_pipeline(
        ColumnTransformer(
            [
                ("num", StandardScaler(), list("abcd")),
                ("cat", OneHotEncoder(), ["colour"]),
            ]
        ),
        LogisticRegression(),
    )
    model = SelectiveClassifier(base, threshold=0.6).fit(df_train, y_train)
    onx = skl2onnx.to_onnx(model, df_train[:1])
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    feeds = {
        column: df_test[[column]]
        .to_numpy()
        .astype(np.float32 if column != "colour" else object)
        for column in df_test.columns
    }
    names = [output.name for output in session.get_outputs()]
    outputs = dict(zip(names, session.run(None, feeds), strict=True))
    assert {node.name for node in session.get_inputs()} == set(df_test.columns)
    assert_parity(model, df_test, outputs)


def test_callable_confidence_is_refused():
    """A callable confidence cannot be written as ONNX operators: clear error."""
    X_train, y_train, X, _ = make_data(2, "int")
    model = SelectiveClassifier(
        confidence=lambda response: response.max(axis=1), threshold=0.6
    ).fit(X_train, y_train)
    with pytest.raises(ValueError, match="callable confidence cannot be exported"):
        skl2onnx.to_onnx(model, X[:1].astype(np.float32))


@pytest.mark.filterwarnings(SVC_WARNING)
def test_one_vs_one_scores_are_refused():
    """SVC with pairwise (ovo) scores has no per-class confidence: clear error."""
    X_train, y_train, X, _ = make_data(3, "int")
    model = SelectiveClassifier(SVC(decision_function_shape="ovo"), threshold=0.5)
    # refused at fit already, so no such model reaches the converter
    with pytest.raises(ValueError, match="decision_function_shape='ovr'"):
        model.fit(X_train, y_train)


def test_user_options_are_not_modified():
    """Options passed to to_onnx are read, not written to."""
    X_train, y_train, X, _ = make_data(2, "int")
    model = SelectiveClassifier(threshold=0.6).fit(X_train, y_train)
    options = {LogisticRegression: {"zipmap": False}}
    run_onnx(model, X, options=options)
    assert options == {LogisticRegression: {"zipmap": False}}


def test_deploying_page_example():
    """The ONNX example of docs/deploying.rst runs and matches predict."""
    # -- start of the docs/deploying.rst example --
    import onnxruntime as ort
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    from selective_clf.onnx import to_onnx

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression())
    clf = SelectiveClassifier(model, threshold=0.9).fit(X_train, y_train)

    onx = to_onnx(clf, X_train[:1].astype(np.float32), check_X=X_test)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    label, proba, confidence = session.run(None, {"X": X_test.astype(np.float32)})
    # -- end of the example --

    assert [output.name for output in session.get_outputs()] == [
        "label",
        "probabilities",
        "confidence",
    ]
    np.testing.assert_array_equal(label, clf.predict(X_test))
    assert (label == -1).sum() == 19


def test_deploying_page_install_command():
    """The page installs the extra from the checkout: not on a package index."""
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "deploying.rst"
    text = page.read_text(encoding="utf-8")
    assert 'pip install ".[onnx]"' in text
    assert "selective-clf[" not in text


@pytest.mark.parametrize("threshold", [None, 0.6])
def test_novelty_detector_is_refused(threshold):
    """A model with a novelty detector is refused: the graph would accept outliers."""
    X_train, y_train, X, _ = make_data(2, "int")
    model = SelectiveClassifier(
        threshold=threshold,
        novelty_detector=IsolationForest(n_estimators=10, random_state=0),
    ).fit(X_train, y_train)
    with pytest.raises(NotImplementedError, match="novelty_detector is not supported"):
        skl2onnx.to_onnx(model, X[:1].astype(np.float32))
    # the same model without detector converts
    model.set_params(novelty_detector=None).fit(X_train, y_train)
    skl2onnx.to_onnx(model, X[:1].astype(np.float32))


def run_onnx_float64(model, X):
    """Convert ``model`` with a float64 sample and run it on float64 rows."""
    onx = skl2onnx.to_onnx(model, np.asarray(X[:1], dtype=np.float64))
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    names = [output.name for output in session.get_outputs()]
    values = session.run(None, {session.get_inputs()[0].name: np.asarray(X)})
    return dict(zip(names, values, strict=True))


@pytest.mark.filterwarnings(SVC_WARNING)
@pytest.mark.parametrize("base", [b for b in BASES if b not in NO_DOUBLE_INPUT])
def test_parity_with_float64_input(fitted, base):
    """The bases not refused for float64 inputs load and match predict."""
    model, X = fitted(base, 3, "str")
    model.set_params(threshold=float(np.quantile(model.confidence_score(X), 0.3)))
    assert_parity(model, X, run_onnx_float64(model, X))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("base", NO_DOUBLE_INPUT)
def test_float64_input_is_refused_for_some_bases(fitted, base, n_classes):
    """skl2onnx's graph of these bases fails for float64 inputs: clear error.

    Unrefused, the tree ensembles' graphs fail to load in onnxruntime (double
    probabilities declared, float written) and the linear ones fail to
    convert; with a float32 sample the same models match predict.
    """
    model, X = fitted(base, n_classes, "int")
    confidence = model.confidence_score(X)
    model.set_params(
        threshold=off_the_values(float(np.quantile(confidence, 0.3)), confidence)
    )
    name = type(model.estimator_).__name__
    with pytest.raises(ValueError, match=f"cannot convert {name} for float64"):
        skl2onnx.to_onnx(model, X[:1].astype(np.float64))
    with pytest.raises(ValueError, match=r"X\[:1\]\.astype\(np\.float32\)"):
        onnx_export.to_onnx(model, X[:1].astype(np.float64), check_X=X)
    # the remedy works: the float32 graph matches predict
    onx = onnx_export.to_onnx(model, X[:1].astype(np.float32), check_X=X)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    label = session.run(["label"], {"X": X.astype(np.float32)})[0]
    assert (label.astype(np.int64) != model.predict(X)).mean() <= 0.001


def test_load_failure_is_a_clear_error(fitted, monkeypatch):
    """A graph onnxruntime refuses gives ONNXParityError, not onnxruntime's own."""
    model, X = fitted("decision_tree", 3, "int")
    model.set_params(threshold=0.6)
    # what the float64 refusal guards against: skl2onnx's broken graph
    monkeypatch.setattr(_converter, "_NO_DOUBLE_INPUT", ())
    onx = skl2onnx.to_onnx(model, X[:1].astype(np.float64))
    with pytest.raises(Exception) as raw:
        ort.InferenceSession(
            onx.SerializeToString(), providers=["CPUExecutionProvider"]
        )
    assert not isinstance(raw.value, onnx_export.ONNXParityError)
    with pytest.raises(
        onnx_export.ONNXParityError,
        match=r"onnxruntime cannot load the ONNX graph of "
        r"SelectiveClassifier\(DecisionTreeClassifier\)",
    ):
        onnx_export.to_onnx(model, X[:1].astype(np.float64), check_X=X)


@pytest.mark.parametrize("labels", ["int", "str"])
def test_binary_lda_probabilities_are_refused(labels):
    """skl2onnx writes expit(2 s) for a binary LDA's expit(s): refused."""
    X_train, y_train, X, _ = make_data(2, labels)
    model = SelectiveClassifier(LinearDiscriminantAnalysis(), threshold=0.8)
    model.fit(X_train, y_train)
    with pytest.raises(ValueError, match="binary LinearDiscriminantAnalysis"):
        skl2onnx.to_onnx(model, X[:1].astype(np.float32))
    # in a pipeline too
    model = SelectiveClassifier(
        make_pipeline(StandardScaler(), LinearDiscriminantAnalysis()), threshold=0.8
    ).fit(X_train, y_train)
    with pytest.raises(ValueError, match="response_method='decision_function'"):
        onnx_export.to_onnx(model, X[:1].astype(np.float32), check_X=X)


@pytest.mark.parametrize(
    "n_classes, response_method", [(2, "decision_function"), (3, "predict_proba")]
)
def test_lda_that_converts_exactly(n_classes, response_method):
    """The remedies: a binary LDA's scores, and a multiclass LDA, match predict."""
    X_train, y_train, X, _ = make_data(n_classes, "str")
    model = SelectiveClassifier(
        LinearDiscriminantAnalysis(), response_method=response_method
    ).fit(X_train, y_train)
    model.set_params(threshold=float(np.quantile(model.confidence_score(X), 0.3)))
    assert_parity(model, X, run_onnx(model, X))


def test_parity_check_catches_a_wrong_conversion(monkeypatch):
    """Unrefused, the binary LDA graph is caught by the check at export."""
    X_train, y_train, X, _ = make_data(2, "int")
    model = SelectiveClassifier(LinearDiscriminantAnalysis(), threshold=0.8)
    model.fit(X_train, y_train)
    monkeypatch.setattr(_converter, "_WRONG_BINARY_PROBA", ())
    onx = skl2onnx.to_onnx(model, X[:1].astype(np.float32))
    # independent expectation: the graph's probabilities are expit(2 s)
    score = model.estimator_.decision_function(X)
    graph_confidence = 1 / (1 + np.exp(-2 * np.abs(score)))
    graph_label = np.where(
        graph_confidence >= 0.8, model.estimator_.predict(X), model.reject_label_
    )
    n_differ = int((graph_label != model.predict(X)).sum())
    assert n_differ > 100
    with pytest.raises(
        onnx_export.ONNXParityError,
        match=rf"SelectiveClassifier\(LinearDiscriminantAnalysis\) does not "
        rf"reproduce predict: {n_differ} of {len(X)} labels differ",
    ):
        onnx_export.check_onnx_parity(onx, model, X)
    with pytest.raises(onnx_export.ONNXParityError, match="Do not deploy"):
        onnx_export.to_onnx(model, X[:1].astype(np.float32), check_X=X)
    # no check, no error: the graph is returned as skl2onnx wrote it
    assert onnx_export.to_onnx(model, X[:1].astype(np.float32), check_X=False)


def test_parity_check_compares_with_the_model_given():
    """A graph checked against another threshold: the rows between them differ."""
    X_train, y_train, X, _ = make_data(3, "int")
    model = SelectiveClassifier(LogisticRegression(), threshold=0.9)
    model.fit(X_train, y_train)
    onx = onnx_export.to_onnx(model, X[:1].astype(np.float32), check_X=X)
    confidence = model.confidence_score(X)
    n_between = int(((confidence >= 0.6) & (confidence < 0.9)).sum())
    assert n_between > 100
    model.set_params(threshold=0.6)
    with pytest.raises(
        onnx_export.ONNXParityError, match=rf" {n_between} of {len(X)} labels differ"
    ):
        onnx_export.check_onnx_parity(onx, model, X)


def test_to_onnx_returns_a_graph_that_matches_predict():
    """to_onnx checks on X when no check_X is given, and returns the graph."""
    X_train, y_train, X, _ = make_data(3, "str")
    model = SelectiveClassifier(LogisticRegression(), threshold=0.7)
    model.fit(X_train, y_train)
    onx = onnx_export.to_onnx(model, X.astype(np.float32))
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    label = session.run(["label"], {"X": X.astype(np.float32)})[0]
    np.testing.assert_array_equal(label, model.predict(X))
    assert (label == "rejected").any()
    with pytest.raises(TypeError, match="not LogisticRegression"):
        onnx_export.to_onnx(model.estimator_, X.astype(np.float32))


def test_to_onnx_without_onnxruntime(monkeypatch):
    """The check needs onnxruntime: a clear ImportError, or check_X=False."""
    X_train, y_train, X, _ = make_data(2, "int")
    model = SelectiveClassifier(LogisticRegression(), threshold=0.7)
    model.fit(X_train, y_train)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match="check_X=False"):
        onnx_export.to_onnx(model, X[:1].astype(np.float32), check_X=X)
    onx = onnx_export.to_onnx(model, X[:1].astype(np.float32), check_X=False)
    assert [output.name for output in onx.graph.output] == [
        "label",
        "probabilities",
        "confidence",
    ]


def test_parity_check_on_a_data_frame():
    """check_X may be a data frame: one graph input per column."""
    pd = pytest.importorskip("pandas")
    X_train, y_train, X, _ = make_data(2, "str")
    columns = list("abcdefgh")
    df_train = pd.DataFrame(X_train.astype(np.float32), columns=columns)
    df_test = pd.DataFrame(X.astype(np.float32), columns=columns)
    base = make_pipeline(
        ColumnTransformer([("num", StandardScaler(), columns)]), LogisticRegression()
    )
    model = SelectiveClassifier(base, threshold=0.8).fit(df_train, y_train)
    onx = onnx_export.to_onnx(model, df_train[:1], check_X=df_test)
    assert len(onx.graph.input) == 8
    model.set_params(threshold=0.6)
    with pytest.raises(onnx_export.ONNXParityError, match="labels differ"):
        onnx_export.check_onnx_parity(onx, model, df_test)


def test_skl2onnx_failure_names_the_base(monkeypatch):
    """A converter failing inside skl2onnx gives an error naming the base."""
    X_train, y_train, X, _ = make_data(3, "int")
    model = SelectiveClassifier(GaussianNB(), threshold=0.6).fit(X_train, y_train)

    def broken_converter(scope, operator, container):
        raise AttributeError("'GaussianNB' object has no attribute 'class_log_prior_'")

    # skl2onnx 1.20's GaussianNB converter reads class_log_prior_, which
    # scikit-learn 1.9's GaussianNB lacks; a stand-in makes the test
    # independent of the versions
    monkeypatch.setattr(_converter, "get_converter", lambda alias: broken_converter)
    with pytest.raises(
        RuntimeError,
        match=r"skl2onnx cannot convert SelectiveClassifier\(GaussianNB\) "
        r"\(AttributeError: 'GaussianNB' object has no attribute",
    ) as info:
        onnx_export.to_onnx(model, X[:1].astype(np.float32), check_X=X)
    assert isinstance(info.value.__cause__, AttributeError)
    # the export's own refusals pass through unchanged
    model.set_params(confidence=lambda response: response.max(axis=1))
    with pytest.raises(ValueError, match="callable confidence cannot be exported"):
        onnx_export.to_onnx(model, X[:1].astype(np.float32), check_X=X)
