"""Speed and memory: tuning wall time, predict overhead, predict peak memory.

All timings are taken in one process, side by side, best of several repeats
(the repeats of the compared calls are interleaved, so a burst of load on a
shared machine hits them alike).
"""

import tracemalloc

import numpy as np
from _common import REJECT, best_of, have, quiet, timed
from _data import load
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from selective_clf import SelectiveClassifier, SelectiveClassifierCV
from selective_clf.metrics import rejection_cost_loss

COST = 0.2
RISK = 0.1  # target risk of the certifying tuners
GRID = [None, *np.round(np.linspace(0.5, 0.95, 10), 3).tolist()]


def _neg_cost(y_true, y_pred):
    return -rejection_cost_loss(
        y_true, y_pred, reject_label=REJECT, rejection_cost=COST
    )


def _bases():
    return {
        "LogisticRegression pipeline": lambda: make_pipeline(
            StandardScaler(), LogisticRegression()
        ),
        "HistGradientBoosting": lambda: HistGradientBoostingClassifier(random_state=0),
    }


def _tuners(make_base, X, y):
    """name -> (what it fits, callable running the whole tuning)."""
    cv = StratifiedKFold(5)
    X_fit, X_cal, y_fit, y_cal = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    tuners = {
        "selective_clf SelectiveClassifierCV(rejection_cost)": (
            "5 folds + refit",
            lambda: SelectiveClassifierCV(make_base(), rejection_cost=COST, cv=cv).fit(
                X, y
            ),
        ),
        "GridSearchCV(SelectiveClassifier, 11 thresholds)": (
            "11 x 5 folds + refit",
            lambda: GridSearchCV(
                SelectiveClassifier(make_base(), rejection_cost=COST),
                {"threshold": GRID},
                cv=cv,
            ).fit(X, y),
        ),
        "selective_clf SelectiveClassifierCV(target_risk, holdout)": (
            "1 fit on 75%",
            lambda: SelectiveClassifierCV(
                make_base(), target_risk=RISK, cv=0.25, refit=False, random_state=0
            ).fit(X, y),
        ),
        "sklearn TunedThresholdClassifierCV (no reject)": (
            "5 folds + refit",
            lambda: TunedThresholdClassifierCV(make_base(), cv=cv).fit(X, y),
        ),
    }
    if have("skfb"):
        from skfb.estimators import (
            RateFallbackClassifierCV,
            ThresholdFallbackClassifierCV,
        )

        tuners["scikit-fallback ThresholdFallbackClassifierCV"] = (
            "10 thresholds x 5 folds + refit",
            lambda: ThresholdFallbackClassifierCV(
                make_base(), cv=cv, scoring=_neg_cost, fallback_mode="return"
            ).fit(X, y),
        )
        tuners["scikit-fallback RateFallbackClassifierCV"] = (
            "5 folds + refit",
            lambda: RateFallbackClassifierCV(
                make_base(), fallback_rate=0.1, cv=cv, fallback_mode="return"
            ).fit(X, y),
        )
    if have("zugzwang"):
        from zugzwang import SelectiveClassifier as ZugzwangClassifier

        def zugzwang_fit():
            model = ZugzwangClassifier(make_base()).fit(X_fit, y_fit)
            try:
                model.certify(X_cal, y_cal, risk=RISK, delta=0.05)
            except ValueError:  # UncertifiableRiskError: the work is done
                pass
            return model

        tuners["zugzwang fit + certify"] = ("1 fit on 75%", zugzwang_fit)
    if have("mapie"):
        from _methods import _mapie_risks
        from mapie.risk_control import MultiClassificationLTTController

        def mapie_fit():
            model = make_base().fit(X_fit, y_fit)
            selective_error, abstention_rate = _mapie_risks()
            return MultiClassificationLTTController(
                model.predict_proba,
                risks=[selective_error],
                target_level=[RISK],
                confidence_level=0.95,
                best_predict_param_choice=abstention_rate,
                classes=model.classes_,
            ).calibrate(X_cal, y_cal)

        tuners["MAPIE fit + MultiClassificationLTTController"] = (
            "1 fit on 75%",
            mapie_fit,
        )
    return tuners


def tuning_times(dataset, repeats, bases):
    X, y = load(dataset)
    rows = []
    for base_name, make_base in _bases().items():
        if base_name not in bases:
            continue
        tuners = _tuners(make_base, X, y)
        times = {name: [] for name in tuners}
        for _ in range(repeats[base_name]):
            for name, (_, run) in tuners.items():
                times[name].append(timed(quiet, run)[1])
        reference = min(times["selective_clf SelectiveClassifierCV(rejection_cost)"])
        for name, (fits, _) in tuners.items():
            rows.append(
                {
                    "dataset": dataset,
                    "n_samples": int(X.shape[0]),
                    "base": base_name,
                    "tuner": name,
                    "fits": fits,
                    "seconds": min(times[name]),
                    "relative": min(times[name]) / reference,
                }
            )
    return rows


# -- predict overhead ----------------------------------------------------------


def _predictors(model, X_small, y_small):
    """name -> callable(X) predicting with a reject option (threshold 0.6)."""
    ours = SelectiveClassifier(FrozenEstimator(model), threshold=0.6).fit(
        X_small, y_small
    )

    def hand_written(X):
        proba = model.predict_proba(X)
        y_pred = proba.argmax(axis=1)
        y_pred[proba.max(axis=1) < 0.6] = REJECT
        return y_pred

    out = {
        "bare predict_proba": model.predict_proba,
        "bare predict": model.predict,
        "selective_clf predict": ours.predict,
        "hand-written predict_proba + mask": hand_written,
    }
    if have("skfb"):
        from skfb.estimators import ThresholdFallbackClassifier

        skfb = ThresholdFallbackClassifier(
            model, threshold=0.6, fallback_mode="return"
        ).fit(X_small, y_small)
        out["scikit-fallback predict"] = skfb.predict
    if have("zugzwang"):
        from zugzwang import SelectiveClassifier as ZugzwangClassifier

        zug = ZugzwangClassifier(model, prefit=True, check_contamination=False)
        try:
            quiet(zug.certify, X_small, y_small, risk=0.3, delta=0.2)
            out["zugzwang predict"] = zug.predict
        except ValueError:  # UncertifiableRiskError: nothing to time
            pass
    if have("mapie"):
        from _methods import _mapie_risks
        from mapie.risk_control import MultiClassificationLTTController

        selective_error, abstention_rate = _mapie_risks()
        controller = MultiClassificationLTTController(
            model.predict_proba,
            risks=[selective_error],
            target_level=[0.5],
            confidence_level=0.5,
            best_predict_param_choice=abstention_rate,
            classes=model.classes_,
        )
        quiet(controller.calibrate, X_small, y_small)
        out["MAPIE predict"] = controller.predict
    return out


def _peak_bytes(func, X):
    tracemalloc.start()
    tracemalloc.reset_peak()
    func(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def predict_overhead(n_rows, repeats, models):
    X, y = make_classification(20000, 20, n_informative=10, n_classes=3, random_state=0)
    X_big = np.random.default_rng(0).standard_normal((n_rows, 20))
    makers = {
        "LogisticRegression (3 classes)": lambda: LogisticRegression(),
        "HistGradientBoosting (3 classes, 30 iterations)": lambda: (
            HistGradientBoostingClassifier(
                max_iter=30, early_stopping=False, random_state=0
            )
        ),
    }
    targets = {
        "LogisticRegression (3 classes)": 1.2,
        "HistGradientBoosting (3 classes, 30 iterations)": 1.05,
    }
    rows, profiles = [], []
    for name, make in makers.items():
        if name not in models:
            continue
        model = make().fit(X, y)
        predictors = _predictors(model, X[:2000], y[:2000])
        if name.startswith("HistGradientBoosting"):
            del predictors["bare predict"]  # it is predict_proba + argmax
        times = {key: [] for key in predictors}
        for _ in range(repeats[name]):
            for key, predict in predictors.items():
                times[key].append(best_of(lambda p=predict: p(X_big), 1))
        proba_bytes = n_rows * 3 * 8
        peaks = {key: _peak_bytes(p, X_big) for key, p in predictors.items()}
        reference = min(times["bare predict_proba"])
        for key in predictors:
            rows.append(
                {
                    "model": name,
                    "n_rows": n_rows,
                    "predictor": key,
                    "seconds": min(times[key]),
                    "ratio_to_predict_proba": min(times[key]) / reference,
                    "target_ratio": targets[name]
                    if key == "selective_clf predict"
                    else None,
                    "peak_mb": peaks[key] / 2**20,
                    "extra_proba_copies": (peaks[key] - peaks["bare predict_proba"])
                    / proba_bytes,
                }
            )
        profiles.append(profile_predict(name, model, X_big, repeats[name]))
    return rows, profiles


def _top_class_kernels():
    """name -> f(response) returning (column of the top class, top value)."""

    def max_and_argmax(response):
        return response.argmax(axis=1), response.max(axis=1)

    def argmax_and_gather(response):
        index = response.argmax(axis=1)
        return index, np.take_along_axis(response, index[:, None], axis=1)[:, 0]

    kernels = {
        "argmax(axis=1) + max(axis=1)": max_and_argmax,
        "argmax(axis=1) + take_along_axis": argmax_and_gather,
    }
    try:  # the column-wise kernel of selective_clf, where it has one
        from selective_clf._decision import top_class
    except ImportError:
        pass
    else:
        kernels["selective_clf._decision.top_class"] = top_class
    return kernels


def profile_predict(name, model, X, repeats):
    """Where the time of SelectiveClassifier.predict goes, beyond predict_proba.

    The response itself and the full predict are timed, interleaved, in
    :func:`predict_overhead`; here are the steps applied to the response.
    """
    proba = model.predict_proba(X)
    index = proba.argmax(axis=1)
    top = proba.max(axis=1)
    classes = np.asarray(model.classes_)

    def assemble():
        y_pred = classes.take(index)
        y_pred[top < 0.6] = REJECT
        return y_pred

    steps = {
        f"top class: {kernel}": (lambda f=f: f(proba))
        for kernel, f in _top_class_kernels().items()
    }
    steps["y_pred: classes.take, scalar compare, mask"] = assemble
    times = {step: [] for step in steps}
    for _ in range(max(5, repeats)):  # interleaved rounds, best of each step
        for step, func in steps.items():
            times[step].append(best_of(func, 1))
    timings = {step: min(values) for step, values in times.items()}
    return {"model": name, "n_rows": int(X.shape[0]), "seconds": timings}


def top_class_sweep(n_rows, repeats, class_counts=(2, 3, 5, 10, 16, 26)):
    """Time each top-class kernel on random probabilities, C and F order."""
    rng = np.random.default_rng(0)
    rows = []
    for n_classes in class_counts:
        for order in ("C", "F"):
            proba = np.asarray(
                rng.dirichlet(np.ones(n_classes), size=n_rows), order=order
            )
            kernels = _top_class_kernels()
            times = {name: [] for name in kernels}
            for _ in range(repeats):
                for name, kernel in kernels.items():
                    times[name].append(best_of(lambda k=kernel, p=proba: k(p), 1))
            rows.append(
                {
                    "n_classes": n_classes,
                    "order": order,
                    "n_rows": n_rows,
                    "seconds": {name: min(t) for name, t in times.items()},
                }
            )
    return rows
