"""scikit-learn compatibility: common checks, clone, Pipeline, GridSearchCV."""

import collections

import numpy as np
from _common import REJECT, have, quiet, timed
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    FixedThresholdClassifier,
    GridSearchCV,
    TunedThresholdClassifierCV,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from selective_clf import SelectiveClassifier, SelectiveClassifierCV

THRESHOLDS = {"threshold": [0.6, 0.8, 0.95]}
BASE_C = {"estimator__C": [0.1, 1.0]}


def _candidates():
    """(name, library, estimator factory, GridSearchCV grid, note)."""
    out = [
        (
            "SelectiveClassifier(threshold=0.6)",
            "selective_clf",
            lambda: SelectiveClassifier(LogisticRegression(), threshold=0.6),
            THRESHOLDS,
            "",
        ),
        (
            "SelectiveClassifierCV(rejection_cost=0.2)",
            "selective_clf",
            lambda: SelectiveClassifierCV(
                LogisticRegression(), rejection_cost=0.2, cv=3
            ),
            BASE_C,
            "",
        ),
        (
            "FixedThresholdClassifier(threshold=0.6)",
            "scikit-learn",
            lambda: FixedThresholdClassifier(LogisticRegression(), threshold=0.6),
            THRESHOLDS,
            "binary only, no reject option",
        ),
        (
            "TunedThresholdClassifierCV",
            "scikit-learn",
            lambda: TunedThresholdClassifierCV(
                LogisticRegression(), cv=3, thresholds=20
            ),
            BASE_C,
            "binary only, no reject option",
        ),
    ]
    if have("skfb"):
        from skfb.estimators import (
            RateFallbackClassifierCV,
            ThresholdFallbackClassifier,
            ThresholdFallbackClassifierCV,
        )

        out += [
            (
                "ThresholdFallbackClassifier(threshold=0.6)",
                "scikit-fallback",
                lambda: ThresholdFallbackClassifier(
                    LogisticRegression(), threshold=0.6, fallback_mode="return"
                ),
                THRESHOLDS,
                'fallback_mode="return"',
            ),
            (
                "ThresholdFallbackClassifierCV",
                "scikit-fallback",
                lambda: ThresholdFallbackClassifierCV(
                    LogisticRegression(), cv=3, fallback_mode="return"
                ),
                BASE_C,
                'fallback_mode="return"',
            ),
            (
                "RateFallbackClassifierCV(fallback_rate=0.1)",
                "scikit-fallback",
                lambda: RateFallbackClassifierCV(
                    LogisticRegression(), cv=3, fallback_mode="return"
                ),
                BASE_C,
                'fallback_mode="return"',
            ),
        ]
    if have("zugzwang"):
        from zugzwang import SelectiveClassifier as ZugzwangClassifier

        out.append(
            (
                "SelectiveClassifier",
                "zugzwang",
                lambda: ZugzwangClassifier(LogisticRegression()),
                THRESHOLDS,
                "rejects only after certify(), which no check calls",
            )
        )
    if have("mapie"):
        from _methods import _mapie_risks
        from mapie.risk_control import MultiClassificationLTTController

        def controller():
            model = LogisticRegression().fit(*load_breast_cancer(return_X_y=True))
            selective_error, abstention_rate = _mapie_risks()
            return MultiClassificationLTTController(
                model.predict_proba,
                risks=[selective_error],
                target_level=[0.05],
                best_predict_param_choice=abstention_rate,
                classes=model.classes_,
            )

        out.append(
            (
                "MultiClassificationLTTController",
                "MAPIE",
                controller,
                {"confidence_level": [0.9, 0.95]},
                "a controller around a fitted predict_proba, not an estimator",
            )
        )
    return out


def _try(func):
    """Run ``func``; return ("ok", result) or ("error name", None)."""
    try:
        return "ok", quiet(func)
    except Exception as exc:  # noqa: BLE001 - the error type is the result
        return type(exc).__name__, None


def _common_checks(make):
    status, results = _try(lambda: check_estimator(make(), on_fail=None, on_skip=None))
    if status != "ok":
        return {"error": status}
    counts = collections.Counter(r["status"] for r in results)
    failed = sorted({r["check_name"] for r in results if r["status"] == "failed"})
    return {
        "checks": len(results),
        "passed": counts.get("passed", 0),
        "failed": counts.get("failed", 0),
        "skipped": counts.get("skipped", 0),
        "failed_checks": failed,
    }


def run(full_checks):
    """Compatibility rows; ``full_checks`` runs check_estimator on every peer."""
    X, y = load_breast_cancer(return_X_y=True)
    rows = []
    for name, library, make, grid, note in _candidates():
        row = {"library": library, "estimator": name, "note": note}
        if full_checks or library == "selective_clf":
            row["common_checks"], row["common_checks_s"] = timed(_common_checks, make)
        row["clone"] = _try(lambda make=make: clone(make()))[0]

        def pipeline(make=make):
            model = make_pipeline(StandardScaler(), make()).fit(X, y)
            y_pred = np.asarray(model.predict(X), dtype=float)
            return int(np.sum((y_pred == REJECT) | np.isnan(y_pred)))

        row["pipeline"], rejected = _try(pipeline)
        row["pipeline_rejected"] = rejected

        def search(make=make, grid=grid):
            model = make_pipeline(StandardScaler(), make())
            grid = {f"{model.steps[-1][0]}__{k}": v for k, v in grid.items()}
            return GridSearchCV(model, grid, cv=3).fit(X, y).best_params_

        row["grid_search"], best = _try(search)
        row["grid_param"] = ", ".join(grid)
        row["grid_best"] = (
            {k.split("__", 1)[1]: v for k, v in best.items()} if best else None
        )
        rows.append(row)
    return rows
