import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from selective_clf import RiskCoverageDisplay, SelectiveClassifier
from selective_clf.metrics import aurc_score, risk_coverage_curve

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(scope="module")
def digits_model():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    clf = SelectiveClassifier(model, threshold=0.9).fit(X_train, y_train)
    return clf, X_test, y_test


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_from_estimator_equals_from_predictions(digits_model):
    """Both constructors draw the same curve from the same scores."""
    clf, X, y = digits_model
    est = RiskCoverageDisplay.from_estimator(clf, X, y)
    y_base = clf.set_params(threshold=None).predict(X)
    clf.set_params(threshold=0.9)
    pred = RiskCoverageDisplay.from_predictions(y, y_base, clf.confidence_score(X))
    np.testing.assert_allclose(est.coverage, pred.coverage)
    np.testing.assert_allclose(est.risk, pred.risk)
    assert est.aurc == pytest.approx(pred.aurc)
    coverage, risk, _ = risk_coverage_curve(y, y_base, clf.confidence_score(X))
    np.testing.assert_allclose(est.coverage, coverage)
    assert est.aurc == pytest.approx(aurc_score(y, y_base, clf.confidence_score(X)))


def test_artists_and_operating_point(digits_model):
    """line_, ax_, figure_, the oracle line and the threshold marker exist."""
    clf, X, y = digits_model
    display = RiskCoverageDisplay.from_estimator(clf, X, y, plot_oracle=True)
    assert isinstance(display.line_, mpl.lines.Line2D)
    assert isinstance(display.oracle_line_, mpl.lines.Line2D)
    assert display.ax_.figure is display.figure_
    y_pred = clf.predict(X)
    accepted = y_pred != clf.reject_label_
    cov, risk = display.operating_point
    assert cov == pytest.approx(accepted.mean())
    assert risk == pytest.approx(np.mean(y_pred[accepted] != y[accepted]))
    x, y_marker = display.operating_point_.get_data()
    assert (x[0], y_marker[0]) == pytest.approx((cov, risk))
    assert "AURC" in display.line_.get_label()
    # the oracle is zero up to coverage 1 - error rate
    oracle_x, oracle_y = display.oracle_line_.get_data()
    error_rate = display.error_rate
    assert np.all(oracle_y[oracle_x <= 1 - error_rate] == 0)


def test_overlay_on_the_same_axes(digits_model):
    """Passing ax overlays several models on one axes."""
    clf, X, y = digits_model
    fig, ax = plt.subplots()
    first = RiskCoverageDisplay.from_estimator(clf, X, y, ax=ax, name="logistic")
    hgb = HistGradientBoostingClassifier(max_iter=10).fit(X, y)
    second = RiskCoverageDisplay.from_estimator(hgb, X, y, ax=ax, name="hgb")
    assert first.ax_ is second.ax_ is ax
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith("logistic") for label in labels)
    assert any(label.startswith("hgb") for label in labels)
    assert second.operating_point_ is None  # a plain model has no threshold


def test_plot_kwargs_and_name(digits_model):
    """plot() forwards matplotlib kwargs and the name."""
    clf, X, y = digits_model
    display = RiskCoverageDisplay.from_estimator(clf, X, y)
    display.plot(name="again", color="red", linestyle=":")
    assert display.line_.get_color() == "red"
    assert display.line_.get_label().startswith("again")


def test_matplotlib_aliases_override_the_defaults(digits_model):
    """Aliases (c, ls, ds) in oracle_kw and plot kwargs override the defaults.

    Regression: oracle_kw={"c": "r"} raised "Got both 'color' and 'c'".
    """
    clf, X, y = digits_model
    display = RiskCoverageDisplay.from_estimator(
        clf, X, y, plot_oracle=True, oracle_kw={"c": "r", "ls": ":"}
    )
    assert display.oracle_line_.get_color() == "r"
    assert display.oracle_line_.get_linestyle() == ":"
    assert display.oracle_line_.get_label().startswith("oracle")
    display.plot(plot_oracle=True, c="g", ds="steps-post", lw=3)
    assert display.line_.get_color() == "g"
    assert display.line_.get_drawstyle() == "steps-post"
    assert display.line_.get_linewidth() == 3
    assert display.oracle_line_.get_color() == "0.5"  # default kept
    assert display.oracle_line_.get_linestyle() == "--"


def test_from_predictions_threshold_marker():
    """A threshold given to from_predictions marks its coverage and risk."""
    y_true = np.array([0, 1, 1, 0, 1])
    y_pred = np.array([0, 1, 0, 0, 0])
    conf = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    display = RiskCoverageDisplay.from_predictions(y_true, y_pred, conf, threshold=0.65)
    assert display.operating_point == pytest.approx((0.6, 1 / 3))


def test_estimator_without_confidence_errors():
    """A model with neither confidence_score nor predict_proba is refused."""
    X, y = load_digits(return_X_y=True)
    svc = LinearSVC().fit(StandardScaler().fit_transform(X[:200]), y[:200])
    with pytest.raises(ValueError, match="wrap it in SelectiveClassifier"):
        RiskCoverageDisplay.from_estimator(svc, X[:50], y[:50])


def test_package_imports_and_plot_errors_without_matplotlib():
    """Without matplotlib the package imports and plotting says what to install."""
    code = (
        "import sys; sys.modules['matplotlib'] = None; "
        "sys.modules['matplotlib.pyplot'] = None\n"
        "import selective_clf\n"
        "from selective_clf import RiskCoverageDisplay\n"
        "try:\n"
        "    RiskCoverageDisplay.from_predictions([0, 1], [0, 1], [0.9, 0.8])\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "pip install matplotlib" in out
    assert "pip install '.[plot]'" in out


# -- the display of a search, a frozen model, oracle_kw (from test_decision) -


@pytest.fixture(scope="module")
def entropy_search(iris):
    X, y = iris
    search = GridSearchCV(
        SelectiveClassifier(LogisticRegression(max_iter=1000), confidence="entropy"),
        {"threshold": [0.6, 0.8]},
        cv=3,
    )
    return search.fit(X, y)


def test_display_of_search_draws_the_entropy_curve(entropy_search, iris):
    """from_estimator(GridSearchCV(...)): the best model's entropy curve and point."""
    pytest.importorskip("matplotlib")
    X, y = iris
    best = entropy_search.best_estimator_
    display = RiskCoverageDisplay.from_estimator(entropy_search, X, y)
    y_base = best.estimator_.predict(X)
    coverage, risk, _ = risk_coverage_curve(y, y_base, best.confidence_score(X))
    np.testing.assert_allclose(display.coverage, coverage)
    np.testing.assert_allclose(display.risk, risk)
    # not the top-probability curve
    top = best.estimator_.predict_proba(X).max(axis=1)
    _, top_risk, _ = risk_coverage_curve(y, y_base, top)
    assert top_risk.shape != risk.shape or not np.allclose(top_risk, risk)
    # the operating point of the best threshold
    accepted = best.predict(X) != best.reject_label_
    assert display.operating_point == pytest.approx(
        (accepted.mean(), (y_base[accepted] != y[accepted]).mean())
    )
    assert display.threshold == best.threshold


def test_display_of_search_over_linear_svc(iris):
    """A search over SelectiveClassifier(LinearSVC()) is displayed."""
    pytest.importorskip("matplotlib")
    X, y = iris
    search = GridSearchCV(
        SelectiveClassifier(LinearSVC()), {"threshold": [0.0, 0.5]}, cv=3
    ).fit(X, y)
    display = RiskCoverageDisplay.from_estimator(search, X, y)
    best = search.best_estimator_
    accepted = best.predict(X) != best.reject_label_
    assert display.operating_point[0] == pytest.approx(accepted.mean())


def test_display_of_frozen_selective_classifier(entropy_search, iris):
    """FrozenEstimator(selective classifier): the same curve and point."""
    pytest.importorskip("matplotlib")
    X, y = iris
    best = entropy_search.best_estimator_
    frozen = RiskCoverageDisplay.from_estimator(FrozenEstimator(best), X, y)
    direct = RiskCoverageDisplay.from_estimator(best, X, y)
    np.testing.assert_allclose(frozen.coverage, direct.coverage)
    assert frozen.operating_point == direct.operating_point


def test_oracle_kw_styles_the_oracle_line(entropy_search, iris):
    """oracle_kw reaches the oracle line and only it."""
    pytest.importorskip("matplotlib")
    X, y = iris
    display = RiskCoverageDisplay.from_estimator(
        entropy_search,
        X,
        y,
        plot_oracle=True,
        oracle_kw={"color": "red", "linestyle": ":"},
    )
    assert display.oracle_line_.get_color() == "red"
    assert display.oracle_line_.get_linestyle() == ":"
    assert display.line_.get_color() != "red"


@pytest.mark.parametrize("threshold", [[0.5], np.nan, float("nan"), True])
def test_display_threshold_must_be_one_real_number(threshold):
    """from_predictions(threshold=[0.5] / nan / True): a clear ValueError."""
    pytest.importorskip("matplotlib")
    y = np.array([0, 1, 1, 0])
    with pytest.raises(ValueError, match="cannot be marked: pass one real number"):
        RiskCoverageDisplay.from_predictions(
            y,
            np.array([0, 1, 0, 0]),
            np.array([0.9, 0.8, 0.7, 0.6]),
            threshold=threshold,
        )
