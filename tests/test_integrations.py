"""The models and tools people actually use, wrapped and tuned for real.

Each section needs an optional package and is skipped cleanly without it
(``pytest.importorskip`` inside the tests); CI installs them all from
``.ci/integration-requirements.txt`` so that every test here runs. Models are
tiny and seeded: the whole module runs in well under a minute on two cores.

Every integration is checked the same way: some samples are rejected, the
accepted predictions are the inner model's own ``predict``, the confidence is
the inner model's top probability, and a tuned threshold reproduces the
objective computed by hand from the same model's out-of-fold probabilities.
"""

import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    StratifiedKFold,
    cross_val_predict,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from selective_clf import SelectiveClassifier, SelectiveClassifierCV
from selective_clf._keras import KerasProbaClassifier

# torch (used by keras' torch backend) converts tensors with an __array__ that
# has no ``copy`` keyword, which numpy 2 deprecates; keras' predict hits it.
IGNORE_TORCH_ARRAY_COPY = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
REJECTION_COST = 0.2


@pytest.fixture(scope="module")
def data():
    """Binary data hard enough that a reasonable model rejects some samples."""
    X, y = make_classification(
        n_samples=600,
        n_features=8,
        n_informative=4,
        flip_y=0.05,
        class_sep=1.0,
        random_state=0,
    )
    return X.astype(np.float32), y


def check_rejects_like_inner_model(clf, X):
    """Some rejections; accepted rows are the inner model's own predictions.

    Also checks that the confidence is the inner model's top probability and
    that exactly the samples below the threshold are rejected.
    """
    y_pred = np.asarray(clf.predict(X))
    rejected = y_pred == clf.reject_label_
    assert 0 < rejected.sum() < len(y_pred), "expected some, not all, rejections"
    inner = clf.estimator_
    np.testing.assert_array_equal(
        y_pred[~rejected], np.asarray(inner.predict(X)).ravel()[~rejected]
    )
    confidence = clf.confidence_score(X)
    np.testing.assert_allclose(
        confidence, np.asarray(inner.predict_proba(X), dtype=np.float64).max(axis=1)
    )
    threshold = clf.threshold_ if hasattr(clf, "threshold_") else clf.threshold
    np.testing.assert_array_equal(rejected, confidence < threshold)
    return rejected


def check_cost_from_oof(clf, estimator, X, y, *, cv=3, params=None):
    """The tuned threshold's cost equals the one from ``cross_val_predict``.

    ``clf`` was tuned with ``rejection_cost=REJECTION_COST`` and ``cv``; the
    same folds (stratified, unshuffled) are refitted here with plain
    scikit-learn and the cost is recomputed by hand.
    """
    proba = cross_val_predict(
        estimator,
        X,
        y,
        cv=StratifiedKFold(cv),
        method="predict_proba",
        params=params,
    )
    classes = np.unique(y)
    confidence = np.asarray(proba, dtype=np.float64).max(axis=1)
    errors = classes[proba.argmax(axis=1)] != np.asarray(y)
    accepted = confidence >= clf.threshold_
    cost = (errors & accepted).sum() + REJECTION_COST * (~accepted).sum()
    assert clf.best_score_ == pytest.approx(1.0 - cost / len(y))
    assert clf.coverage_ == pytest.approx(accepted.mean())
    assert 0 < clf.coverage_ < 1


@pytest.fixture
def one_torch_thread():
    """Train torch models on one thread.

    On a small machine, torch's intra-op thread pool contends with keras'
    callback thread and makes tiny models ten times slower.
    """
    torch = pytest.importorskip("torch")
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(n_threads)


# -- import hygiene ---------------------------------------------------------


def test_importing_selective_clf_imports_no_heavy_dependency():
    """``import selective_clf`` pulls in none of the optional libraries."""
    code = (
        "import sys, selective_clf, selective_clf._keras, selective_clf.metrics\n"
        "heavy = {'keras', 'torch', 'tensorflow', 'jax', 'lightgbm', 'xgboost',"
        " 'polars', 'dask', 'skops', 'skorch'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# -- neural networks: skorch (PyTorch) --------------------------------------


def test_skorch_mlp_rejects_and_tunes(data, one_torch_thread):
    torch = one_torch_thread
    skorch = pytest.importorskip("skorch")
    from torch import nn

    class MLP(nn.Module):
        def __init__(self, n_features=8, n_hidden=16):
            super().__init__()
            self.layers = nn.Sequential(
                nn.Linear(n_features, n_hidden), nn.ReLU(), nn.Linear(n_hidden, 2)
            )

        def forward(self, X):
            return self.layers(X)

    X, y = data
    net = skorch.NeuralNetClassifier(
        MLP,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=0.01,
        max_epochs=15,
        batch_size=64,
        train_split=None,
        verbose=0,
        device="cpu",
    )
    torch.manual_seed(0)
    clf = SelectiveClassifier(net, threshold=0.75).fit(X, y)
    check_rejects_like_inner_model(clf, X)
    # skorch applies the softmax for CrossEntropyLoss: probabilities
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)
    # the wrapped net is an ordinary skorch net, trained for max_epochs
    assert len(clf.estimator_.history) == 15

    torch.manual_seed(0)
    tuned = SelectiveClassifierCV(net, rejection_cost=REJECTION_COST, cv=3).fit(X, y)
    check_rejects_like_inner_model(tuned, X)
    # the same seed replays the same three fold initialisations
    torch.manual_seed(0)
    check_cost_from_oof(tuned, net, X, y)


# -- neural networks: Keras 3 ----------------------------------------------


def _import_keras(monkeypatch):
    """Import keras on the torch backend (the backend is fixed at first import)."""
    if "keras" not in sys.modules:
        pytest.importorskip("torch")
        monkeypatch.setenv("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _trained_keras_model(keras, X, y, *, n_outputs, activation, epochs=8):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((X.shape[1],)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(n_outputs, activation=activation),
        ]
    )
    if n_outputs == 1:
        loss = keras.losses.BinaryCrossentropy(from_logits=activation is None)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=activation is None
        )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    model.fit(X, y, epochs=epochs, batch_size=64, verbose=0)
    return model


@IGNORE_TORCH_ARRAY_COPY
def test_keras_sigmoid_model_frozen_rejects_and_certifies(
    data, monkeypatch, one_torch_thread
):
    keras = _import_keras(monkeypatch)
    X, y = data
    X_train, X_cal, y_train, y_cal = train_test_split(
        X, y, test_size=0.5, random_state=0
    )
    model = _trained_keras_model(
        keras, X_train, y_train, n_outputs=1, activation="sigmoid"
    )
    weights_before = [w.copy() for w in model.get_weights()]
    adapter = KerasProbaClassifier(model, classes=[0, 1], batch_size=256)

    # the adapter is usable as is: binary sigmoid -> [1 - p, p]
    p = model.predict(X_cal, verbose=0).astype(np.float64).ravel()
    np.testing.assert_allclose(adapter.predict_proba(X_cal), np.c_[1 - p, p])
    np.testing.assert_array_equal(adapter.predict(X_cal), (p > 0.5).astype(int))

    clf = SelectiveClassifier(FrozenEstimator(adapter), threshold=0.8).fit(X_cal, y_cal)
    check_rejects_like_inner_model(clf, X_cal)
    np.testing.assert_allclose(clf.confidence_score(X_cal), np.maximum(p, 1 - p))

    # a frozen model calibrated on unseen data: no GuaranteeWarning (an error
    # under this suite's warning filter)
    tuned = SelectiveClassifierCV(
        FrozenEstimator(adapter), target_risk=0.15, delta=0.1
    ).fit(X_cal, y_cal)
    check_rejects_like_inner_model(tuned, X_cal)
    accepted = np.maximum(p, 1 - p) >= tuned.threshold_
    assert tuned.coverage_ == pytest.approx(accepted.mean())
    assert tuned.risk_ == pytest.approx(((p > 0.5) != y_cal)[accepted].mean())
    assert tuned.risk_bound_ <= 0.15

    # nothing was trained: the model's weights are untouched
    for before, after in zip(weights_before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)

    # pickle (keras 3 models pickle through keras' own format) and clone
    restored = pickle.loads(pickle.dumps(tuned))
    np.testing.assert_array_equal(restored.predict(X_cal), tuned.predict(X_cal))
    cloned = clone(adapter)
    assert cloned.model is not model
    np.testing.assert_allclose(
        cloned.predict_proba(X_cal), adapter.predict_proba(X_cal)
    )


@IGNORE_TORCH_ARRAY_COPY
@pytest.mark.parametrize("activation", ["softmax", None], ids=["softmax", "logits"])
def test_keras_multiclass_model_frozen(monkeypatch, one_torch_thread, activation):
    """Softmax outputs pass through; logits go through a softmax first."""
    keras = _import_keras(monkeypatch)
    X, y = make_classification(
        n_samples=600,
        n_features=8,
        n_informative=5,
        n_classes=3,
        flip_y=0.05,
        random_state=1,
    )
    X = X.astype(np.float32)
    labels = np.array(["cat", "dog", "fox"])
    X_train, X_cal, y_train, y_cal = train_test_split(
        X, y, test_size=0.5, random_state=0
    )
    model = _trained_keras_model(
        keras, X_train, y_train, n_outputs=3, activation=activation
    )
    adapter = KerasProbaClassifier(
        model, classes=labels, from_logits=activation is None
    )
    output = model.predict(X_cal, verbose=0).astype(np.float64)
    expected = output if activation else np.exp(output) / np.exp(output).sum(1)[:, None]
    np.testing.assert_allclose(adapter.predict_proba(X_cal), expected, rtol=1e-6)

    tuned = SelectiveClassifierCV(
        FrozenEstimator(adapter), rejection_cost=REJECTION_COST
    ).fit(X_cal, labels[y_cal])
    rejected = check_rejects_like_inner_model(tuned, X_cal)
    assert tuned.reject_label_ == "rejected"
    assert set(tuned.predict(X_cal)[~rejected]) <= set(labels)
    # the cost, recomputed from the model's own outputs
    confidence = expected.max(axis=1)
    accepted = confidence >= tuned.threshold_
    errors = expected.argmax(axis=1) != y_cal
    cost = (errors & accepted).sum() + REJECTION_COST * (~accepted).sum()
    assert tuned.best_score_ == pytest.approx(1 - cost / len(y_cal))


@IGNORE_TORCH_ARRAY_COPY
def test_scikeras_wrapper_trains_inside_the_loop(data, monkeypatch, one_torch_thread):
    """scikeras 0.13 still fits, clones and tunes under scikit-learn 1.9.

    Its ``KerasClassifier`` puts ``ClassifierMixin`` after ``BaseEstimator``, so
    scikit-learn's tags do not see a classifier (``is_classifier`` is False);
    our estimators do not rely on that tag, so wrapping it works.
    """
    keras = _import_keras(monkeypatch)
    wrappers = pytest.importorskip("scikeras.wrappers")
    X, y = data

    def build(meta):
        # scikeras' random_state seeds TensorFlow only: seed keras itself
        keras.utils.set_random_seed(0)
        return keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(16, activation="relu"),
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )

    net = wrappers.KerasClassifier(
        build,
        loss="binary_crossentropy",
        optimizer="adam",
        optimizer__learning_rate=0.01,
        epochs=5,
        batch_size=64,
        verbose=0,
        random_state=0,
    )
    assert not sklearn.base.is_classifier(net)  # the tag problem described above
    tuned = SelectiveClassifierCV(net, rejection_cost=REJECTION_COST, cv=3).fit(X, y)
    check_rejects_like_inner_model(tuned, X)
    check_cost_from_oof(tuned, net, X, y)


class _StubModel:
    """Stands in for a trained Keras model: ``predict`` returns fixed outputs."""

    def __init__(self, output, output_shape=None):
        self.output = np.asarray(output, dtype=np.float32)
        self.output_shape = output_shape or (None, *self.output.shape[1:])
        self.calls = []

    def predict(self, X, verbose="auto", batch_size=None):
        self.calls.append({"verbose": verbose, "batch_size": batch_size})
        return self.output[: len(X)]


def test_keras_adapter_contract_without_keras():
    """The adapter only needs ``predict``: its rules, checked with a stub."""
    X = np.zeros((4, 3))
    sigmoid = _StubModel([[0.9], [0.2], [0.5], [0.65]])
    adapter = KerasProbaClassifier(sigmoid, classes=["no", "yes"], batch_size=128)
    np.testing.assert_allclose(
        adapter.predict_proba(X),
        [[0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.35, 0.65]],
        atol=1e-7,
    )
    np.testing.assert_array_equal(adapter.predict(X), ["yes", "no", "no", "yes"])
    assert sigmoid.calls[-1] == {"verbose": 0, "batch_size": 128}
    # usable without fit, so FrozenEstimator takes it as is
    clf = SelectiveClassifier(FrozenEstimator(adapter), threshold=0.6).fit(
        X, ["no", "yes", "no", "yes"]
    )
    np.testing.assert_array_equal(clf.predict(X), ["yes", "no", "rejected", "yes"])
    # fit never trains; it records the width and checks the labels
    assert adapter.fit(X, ["yes", "no"]).n_features_in_ == 3
    with pytest.raises(ValueError, match=r"labels \['maybe'\] that are not in"):
        adapter.fit(X, ["yes", "maybe"])

    # classes=None: [0, 1] for one unit, 0..k-1 for k units
    assert KerasProbaClassifier(sigmoid).classes_.tolist() == [0, 1]
    softmax = _StubModel([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]])
    assert KerasProbaClassifier(softmax).classes_.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(KerasProbaClassifier(softmax).predict(X[:2]), [1, 0])
    logits = _StubModel([[0.0, np.log(3.0)]])
    np.testing.assert_allclose(
        KerasProbaClassifier(logits, from_logits=True).predict_proba(X[:1]),
        [[0.25, 0.75]],
        rtol=1e-6,
    )
    one_logit = _StubModel([[0.0], [np.log(3.0)]])
    np.testing.assert_allclose(
        KerasProbaClassifier(one_logit, from_logits=True).predict_proba(X[:2]),
        [[0.5, 0.5], [0.25, 0.75]],
        rtol=1e-6,
    )

    # clear errors for outputs that are not probabilities
    with pytest.raises(ValueError, match="row 0 sums to 2.5"):
        KerasProbaClassifier(_StubModel([[2.0, 0.5]])).predict_proba(X[:1])
    with pytest.raises(ValueError, match="not a probability in"):
        KerasProbaClassifier(_StubModel([[1.7]])).predict_proba(X[:1])
    with pytest.raises(ValueError, match="3 output units but classes has 2"):
        KerasProbaClassifier(softmax, classes=[0, 1]).predict_proba(X[:2])
    with pytest.raises(ValueError, match="single output unit"):
        KerasProbaClassifier(sigmoid, classes=[0, 1, 2]).predict_proba(X)
    with pytest.raises(ValueError, match="at least two class labels"):
        KerasProbaClassifier(sigmoid, classes=[1]).predict(X)
    with pytest.raises(ValueError, match="Pass classes explicitly"):
        KerasProbaClassifier(_StubModel([[0.5]], output_shape="?")).predict(X[:1])

    # clone and pickle keep the parameters
    assert clone(adapter).get_params()["classes"] == ["no", "yes"]
    restored = pickle.loads(pickle.dumps(adapter))
    np.testing.assert_array_equal(restored.predict(X), adapter.predict(X))


# -- gradient boosting: LightGBM and XGBoost -------------------------------


def _lightgbm(X_val, y_val):
    lgb = pytest.importorskip("lightgbm")
    model = lgb.LGBMClassifier(
        n_estimators=50, learning_rate=0.3, random_state=0, n_jobs=1, verbose=-1
    )
    # LightGBM 4.7 deprecates eval_set for eval_X / eval_y; tuples keep the
    # validation set whole when the folds split the fit parameters.
    fit_params = {
        "eval_X": (X_val,),
        "eval_y": (y_val,),
        "callbacks": [lgb.early_stopping(5, verbose=False)],
    }
    return model, fit_params, lambda fitted: fitted.evals_result_


def _xgboost(X_val, y_val):
    xgb = pytest.importorskip("xgboost")
    model = xgb.XGBClassifier(
        n_estimators=50,
        learning_rate=0.5,
        max_depth=3,
        early_stopping_rounds=5,
        random_state=0,
        n_jobs=1,
    )
    fit_params = {"eval_set": [(X_val, y_val)], "verbose": False}
    return model, fit_params, lambda fitted: fitted.evals_result()


@pytest.mark.parametrize("routing", [False, True], ids=["passthrough", "routing"])
@pytest.mark.parametrize("library", [_lightgbm, _xgboost], ids=["lightgbm", "xgboost"])
def test_gradient_boosting_with_early_stopping(data, library, routing):
    """Early stopping's validation set reaches the booster, routed or not."""
    X, y = data
    X_fit, X_val, y_fit, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
    model, fit_params, evals_result = library(X_val, y_val)
    with sklearn.config_context(enable_metadata_routing=routing):
        if routing:
            model = model.set_fit_request(**dict.fromkeys(fit_params, True))
        clf = SelectiveClassifier(model, threshold=0.8).fit(X_fit, y_fit, **fit_params)
        tuned = SelectiveClassifierCV(model, rejection_cost=REJECTION_COST, cv=3).fit(
            X_fit, y_fit, **fit_params
        )
    for fitted in (clf, tuned):
        # the validation set was scored, and early stopping ended the boosting
        # before its 50 rounds
        (losses,) = evals_result(fitted.estimator_).values()
        (loss,) = losses.values()
        assert len(loss) < 50
        check_rejects_like_inner_model(fitted, X_val)
    # the same booster, fitted directly with the same parameters
    direct = clone(model).fit(X_fit, y_fit, **fit_params)
    np.testing.assert_allclose(
        clf.confidence_score(X_val), direct.predict_proba(X_val).max(axis=1)
    )
    check_cost_from_oof(tuned, clone(model), X_fit, y_fit, params=fit_params)


# -- data frames: pandas and polars ----------------------------------------


def _frame_columns(n_samples=500, random_state=0):
    """Columns of a mixed-type table, and a noisy string target."""
    rng = np.random.default_rng(random_state)
    color = rng.choice(["red", "green", "blue"], n_samples)
    x1, x2 = rng.normal(size=(2, n_samples))
    logit = 2 * x1 - x2 + np.select([color == "red", color == "green"], [1.5, -1.5])
    target = np.where(
        rng.uniform(size=n_samples) < 1 / (1 + np.exp(-logit)), "yes", "no"
    )
    return {"color": color, "x1": x1, "x2": x2}, target


def _frame_pipeline(categorical_columns):
    encode = ColumnTransformer(
        [
            ("categories", OneHotEncoder(sparse_output=False), categorical_columns),
            ("numbers", StandardScaler(), ["x1", "x2"]),
        ]
    )
    return make_pipeline(encode, LogisticRegression())


@pytest.mark.parametrize("target_kind", ["strings", "categorical"])
def test_pandas_categorical_columns_in_a_pipeline(target_kind):
    pd = pytest.importorskip("pandas")
    columns, target = _frame_columns()
    X = pd.DataFrame(columns).astype({"color": "category"})
    y = target if target_kind == "strings" else pd.Series(target, dtype="category")
    model = _frame_pipeline(make_column_selector(dtype_include="category"))

    clf = SelectiveClassifier(model, threshold=0.8).fit(X, y)
    rejected = check_rejects_like_inner_model(clf, X)
    assert clf.reject_label_ == "rejected"
    assert clf.classes_.tolist() == ["no", "yes"]
    assert clf.feature_names_in_.tolist() == ["color", "x1", "x2"]
    assert set(clf.predict(X)[~rejected]) <= {"no", "yes"}

    tuned = SelectiveClassifierCV(model, rejection_cost=REJECTION_COST, cv=3).fit(X, y)
    check_rejects_like_inner_model(tuned, X)
    check_cost_from_oof(tuned, model, X, np.asarray(y))
    # a new frame with only some of the categories still predicts
    one_row = X.iloc[[0]].astype({"color": "object"}).astype({"color": "category"})
    assert clf.predict(one_row)[0] == clf.predict(X)[0]


@pytest.mark.parametrize("output", ["default", "polars"])
def test_polars_frame_straight_into_a_pipeline(output):
    """A polars frame and target go in as they are; polars output works too."""
    pl = pytest.importorskip("polars")
    columns, target = _frame_columns()
    X = pl.DataFrame(columns).with_columns(pl.col("color").cast(pl.Categorical))
    y = pl.Series("answer", target)
    model = _frame_pipeline(["color"]).set_output(transform=output)

    clf = SelectiveClassifier(model, threshold=0.8).fit(X, y)
    check_rejects_like_inner_model(clf, X)
    assert clf.feature_names_in_.tolist() == ["color", "x1", "x2"]

    tuned = SelectiveClassifierCV(model, rejection_cost=REJECTION_COST, cv=3).fit(X, y)
    check_rejects_like_inner_model(tuned, X)
    check_cost_from_oof(tuned, model, X, target)
    # the same numbers as the same table in pandas
    pd = pytest.importorskip("pandas")
    from_pandas = SelectiveClassifierCV(
        _frame_pipeline(["color"]), rejection_cost=REJECTION_COST, cv=3
    ).fit(pd.DataFrame(columns).astype({"color": "category"}), target)
    assert tuned.threshold_ == pytest.approx(from_pandas.threshold_)
    assert tuned.best_score_ == pytest.approx(from_pandas.best_score_)


# -- persistence: pickle, joblib, skops -------------------------------------


def _fitted_selective_models():
    """Both estimators around a pandas pipeline, and the frame they predict on."""
    pd = pytest.importorskip("pandas")
    columns, y = _frame_columns()
    X = pd.DataFrame(columns).astype({"color": "category"})
    model = _frame_pipeline(["color"])
    fitted = {
        "SelectiveClassifier": SelectiveClassifier(model, threshold=0.8).fit(X, y),
        "SelectiveClassifierCV": SelectiveClassifierCV(
            model,
            target_risk=0.1,
            delta=0.1,
            cv=0.5,
            refit=False,
            random_state=0,
            store_cv_results=True,
        ).fit(X, y),
    }
    return fitted, X


def _assert_same_predictions(restored, original, X):
    np.testing.assert_array_equal(restored.predict(X), original.predict(X))
    np.testing.assert_array_equal(
        restored.confidence_score(X), original.confidence_score(X)
    )
    if hasattr(original, "threshold_"):
        assert restored.threshold_ == original.threshold_
        assert restored.risk_bound_ == original.risk_bound_


def test_pickle_and_joblib_round_trips(tmp_path):
    fitted, X = _fitted_selective_models()
    for name, clf in fitted.items():
        check_rejects_like_inner_model(clf, X)
        _assert_same_predictions(pickle.loads(pickle.dumps(clf)), clf, X)
        path = tmp_path / f"{name}.joblib"
        joblib.dump(clf, path)
        _assert_same_predictions(joblib.load(path), clf, X)


def test_skops_round_trip_with_explicit_trusted_types(tmp_path):
    sio = pytest.importorskip("skops.io")
    fitted, X = _fitted_selective_models()
    trusted = {
        "SelectiveClassifier": ["selective_clf._classifier.SelectiveClassifier"],
        # a tuned model carries its certificate_
        "SelectiveClassifierCV": [
            "selective_clf._certificate.Certificate",
            "selective_clf._tuning.SelectiveClassifierCV",
        ],
    }
    for name, clf in fitted.items():
        path = tmp_path / f"{name}.skops"
        sio.dump(clf, path)
        # our classes are the only types skops does not trust by default
        assert sorted(sio.get_untrusted_types(file=path)) == trusted[name]
        _assert_same_predictions(sio.load(path, trusted=trusted[name]), clf, X)


# -- scaling out: Dask -------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client():
    """A two-worker local Dask cluster (worker processes, no dashboard)."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_dask_joblib_backend_runs_the_folds(data, dask_client):
    """Folds fitted on the cluster give the sequential fit's threshold."""
    distributed = pytest.importorskip("distributed")
    X, y = data
    model = make_pipeline(StandardScaler(), LogisticRegression())
    sequential = SelectiveClassifierCV(model, rejection_cost=REJECTION_COST, cv=4)
    sequential.fit(X, y)
    with (
        distributed.get_task_stream(client=dask_client) as tasks,
        joblib.parallel_backend("dask"),
    ):
        on_dask = SelectiveClassifierCV(
            model, rejection_cost=REJECTION_COST, cv=4, n_jobs=-1
        ).fit(X, y)
    assert tasks.data, "no task ran on the Dask cluster"
    assert on_dask.threshold_ == sequential.threshold_
    assert on_dask.best_score_ == pytest.approx(sequential.best_score_)
    check_rejects_like_inner_model(on_dask, X)


def test_dask_chunkwise_prediction(data, dask_client):
    """Predict block by block over a dask array, as for larger-than-memory data."""
    da = pytest.importorskip("dask.array")
    X, y = data
    clf = SelectiveClassifierCV(LogisticRegression(), rejection_cost=REJECTION_COST)
    clf.fit(X, y)
    X_big = np.tile(X, (10, 1))
    X_dask = da.from_array(X_big, chunks=(1000, X.shape[1]))
    y_dask = X_dask.map_blocks(clf.predict, dtype=np.int64, drop_axis=1)
    confidence_dask = X_dask.map_blocks(
        clf.confidence_score, dtype=np.float64, drop_axis=1
    )
    y_pred, confidence = dask_client.compute([y_dask, confidence_dask], sync=True)
    np.testing.assert_array_equal(y_pred, clf.predict(X_big))
    np.testing.assert_array_equal(confidence, clf.confidence_score(X_big))
    assert (y_pred == clf.reject_label_).any()


def test_dask_ml_parallel_post_fit(data, dask_client):
    """dask-ml's ParallelPostFit fits in memory and predicts lazily by block."""
    wrappers = pytest.importorskip("dask_ml.wrappers")
    da = pytest.importorskip("dask.array")
    X, y = data
    clf = wrappers.ParallelPostFit(
        SelectiveClassifierCV(LogisticRegression(), rejection_cost=REJECTION_COST)
    ).fit(X, y)
    X_dask = da.from_array(np.tile(X, (10, 1)), chunks=(1000, X.shape[1]))
    y_pred = clf.predict(X_dask)
    assert isinstance(y_pred, da.Array)
    np.testing.assert_array_equal(
        y_pred.compute(), np.tile(clf.estimator.predict(X), 10)
    )
    assert clf.predict_proba(X_dask).shape == (len(X_dask), 2)
