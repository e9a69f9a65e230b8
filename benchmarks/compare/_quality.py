"""Statistical quality on real data.

Per data set, the common base model (HistGradientBoostingClassifier) is
trained once on a stratified half. The other half is split
``repetitions`` times (stratified, seeds 0, 1, ...) into a calibration half
and a test half; every method is calibrated on the same calibration
probabilities and evaluated on the same test rows.
"""

import numpy as np
from _common import nanmean, quiet, selective_stats, timed
from _data import holdout_probabilities
from _methods import COST_METHODS, COVERAGE_METHODS, RISK_METHODS, usable
from sklearn.model_selection import train_test_split

from selective_clf.metrics import aurc_score, e_aurc_score, rejection_cost_loss

RISK_TARGETS = (0.02, 0.05, 0.1)
COVERAGE_TARGETS = (0.8, 0.9)
COSTS = (0.1, 0.2, 0.3)


def _confidences(P):
    """The three built-in confidence scores of selective_clf."""
    top2 = np.sort(P, axis=1)[:, -2:]
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    return {
        "max_proba": top2[:, 1],
        "margin": top2[:, 1] - top2[:, 0],
        "entropy": 1 + plogp.sum(axis=1) / np.log(P.shape[1]),
    }


def oracle_cost(y, P, cost):
    """Lowest test cost over every threshold of the top probability."""
    confidence = P.max(axis=1)
    errors = P.argmax(axis=1) != y
    order = np.argsort(-confidence, kind="stable")
    cum_errors = np.concatenate([[0], np.cumsum(errors[order])])
    accepted = np.arange(y.shape[0] + 1)
    ends = np.flatnonzero(
        np.append(
            np.append(True, confidence[order][1:] != confidence[order][:-1]), True
        )
    )  # prefix lengths that do not split tied confidences
    total = cum_errors[ends] + cost * (y.shape[0] - accepted[ends])
    return float(total.min() / y.shape[0])


def _evaluate(methods, objective, targets, splits, n_classes, rows, name):
    for target in targets:
        per_method = {key: [] for key, *_ in methods}
        seconds = {key: 0.0 for key, *_ in methods}
        for P_cal, y_cal, P_test, y_test in splits:
            for key, _label, _mod, _binary, fit in methods:
                fitted, took = timed(quiet, fit, P_cal, y_cal, target)
                seconds[key] += took
                y_pred = fitted.predict(P_test)
                coverage, risk = selective_stats(y_test, y_pred)
                record = {"coverage": coverage, "risk": risk, "note": fitted.note}
                if objective == "cost":
                    record["cost"] = rejection_cost_loss(
                        y_test, y_pred, reject_label=-1, rejection_cost=target
                    )
                    record["oracle"] = oracle_cost(y_test, P_test, target)
                per_method[key].append(record)
        for key, label, *_ in methods:
            records = per_method[key]
            row = {
                "dataset": name,
                "objective": objective,
                "target": target,
                "method": key,
                "label": label,
                "repetitions": len(records),
                "mean_coverage": float(np.mean([r["coverage"] for r in records])),
                "mean_risk": nanmean([r["risk"] for r in records]),
                "mean_ms": 1000 * seconds[key] / len(records),
            }
            if objective == "risk":
                row["exceed_rate"] = float(
                    np.mean(
                        [r["risk"] is not None and r["risk"] > target for r in records]
                    )
                )
                row["nothing_certified"] = float(
                    np.mean([r["coverage"] == 0 for r in records])
                )
                row["nan_p_value"] = float(
                    np.mean([r["note"] == "NaN p-value" for r in records])
                )
            if objective == "coverage":
                row["coverage_error"] = float(
                    np.mean([abs(r["coverage"] - target) for r in records])
                )
            if objective == "cost":
                row["mean_cost"] = float(np.mean([r["cost"] for r in records]))
                row["oracle_cost"] = float(np.mean([r["oracle"] for r in records]))
            rows.append(row)


def run(names, repetitions):
    datasets, scores, rows = [], [], []
    for name in names:
        (info, P, y), took = timed(holdout_probabilities, name)
        info.update(name=name, base_fit_and_predict_s=took)
        datasets.append(info)
        y_pred = P.argmax(axis=1)
        for score, confidence in _confidences(P).items():
            scores.append(
                {
                    "dataset": name,
                    "confidence": score,
                    "aurc": aurc_score(y, y_pred, confidence),
                    "e_aurc": e_aurc_score(y, y_pred, confidence),
                }
            )
        splits = []
        for seed in range(repetitions):
            P_cal, P_test, y_cal, y_test = train_test_split(
                P, y, train_size=0.5, stratify=y, random_state=seed
            )
            splits.append((P_cal, y_cal, P_test, y_test))
        n_classes = P.shape[1]
        for objective, methods, targets in (
            ("risk", RISK_METHODS, RISK_TARGETS),
            ("coverage", COVERAGE_METHODS, COVERAGE_TARGETS),
            ("cost", COST_METHODS, COSTS),
        ):
            _evaluate(
                usable(methods, n_classes),
                objective,
                targets,
                splits,
                n_classes,
                rows,
                name,
            )
    return {"datasets": datasets, "scores": scores, "rows": rows}
