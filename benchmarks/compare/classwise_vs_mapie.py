"""Class-wise risk guarantee against MAPIE's binary precision controller.

On a binary problem, the error rate among the samples accepted as class 1 is
one minus the precision of the positive predictions, and among those accepted
as class 0 one minus the negative predictive value. Two ways to bound both at
once with probability ``1 - delta``:

- ``selective_clf``: ``SelectiveClassifierCV(FrozenEstimator(model),
  classwise=True, target_risk={0: r0, 1: r1}, delta=delta)``, one threshold
  per predicted class, each class certified on its own predicted samples at
  a Šidák share of ``delta``;
- MAPIE 1.6: ``BinaryClassificationController`` with the two risks
  ``[precision, negative_predictive_value]`` (targets ``1 - r1`` and
  ``1 - r0``), a two-dimensional parameter (the lower and upper end of a
  reject band of ``P(y=1)``, the 20 x 20 grid of the comparison benchmark),
  Hoeffding-Bentkus p-values (the larger of the two per band) with
  Bonferroni-Holm, and ``best_predict_param_choice=abstention_rate`` (the
  certified band that rejects least).

Protocol: per data set, one base model is trained on a stratified half; the
other half is re-split many times into a calibration set of ``m`` rows and a
test set (the rest). Both methods see the same probabilities. Reported per
method, averaged over the re-splits: test coverage (overall and among the
samples predicted as each class), test error rate among the samples accepted
as each class, the share of splits where that error exceeds its target, and
the share of splits where the method certified each class (accepts some of
it). The test error of a split fluctuates around the population error the
guarantee is about, so on the small test sets the share above target can
exceed ``delta`` without a violation of the guarantee.

Usage (from the repository root, in the benchmark environment)::

    python benchmarks/compare/classwise_vs_mapie.py --rst     # about 35 s, + list-table
    python benchmarks/compare/classwise_vs_mapie.py --quick   # CI smoke, < 30 s
"""

import argparse
import datetime
import pathlib
import sys
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import REJECT, have, to_reject, versions  # noqa: E402
from _data import available, base_model, load  # noqa: E402
from _methods import BAND_GRID, _band_predict  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from selective_clf import SelectiveClassifierCV  # noqa: E402

# Error rate allowed among the samples accepted as each class:
# negatives (class 0) wrong at most 10%, positives (class 1) at most 5%.
TARGETS = {0: 0.10, 1: 0.05}
DELTA = 0.1

CONFIG = {
    "quick": {
        "datasets": ["breast_cancer"],
        "base": "lr",
        "repetitions": 5,
        "m": 140,
    },
    "full": {
        "datasets": ["breast_cancer", "spambase", "magic"],
        "base": "hgb",
        "repetitions": 200,
        "m": 1000,
    },
}


def _base(kind):
    if kind == "lr":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return base_model()


def ours(model, X_cal, y_cal, P_cal):
    """selective_clf: one threshold per class, each class certified."""
    clf = SelectiveClassifierCV(
        FrozenEstimator(model),
        classwise=True,
        target_risk=TARGETS,
        delta=DELTA,
    )
    with warnings.catch_warnings():
        # a class that cannot be certified is rejected with a warning
        warnings.simplefilter("ignore")
        clf.fit(X_cal, y_cal)
    certified = np.isfinite(clf.threshold_) | (clf.threshold_ < 0)
    return (lambda X, P: clf.predict(X)), certified


# A coarser grid than the comparison benchmark's 20 x 20: fewer tests, a
# smaller Holm correction, at the price of coarser bands.
SMALL_GRID = np.array(
    [
        (low, high)
        for low in np.linspace(0.05, 0.5, 10)
        for high in np.linspace(0.5, 0.95, 10)
    ]
)


def mapie(model, X_cal, y_cal, P_cal, grid=BAND_GRID):
    """MAPIE: reject band controlling precision and NPV at once."""
    from mapie.risk_control import (
        BinaryClassificationController,
        abstention_rate,
        negative_predictive_value,
        precision,
    )

    controller = BinaryClassificationController(
        predict_function=_band_predict,
        risk=[precision, negative_predictive_value],
        target_level=[1 - TARGETS[1], 1 - TARGETS[0]],
        confidence_level=1 - DELTA,
        best_predict_param_choice=abstention_rate,
        list_predict_params=grid,
    )
    with warnings.catch_warnings():
        # MAPIE warns when no band is valid; reported as "certified 0%"
        warnings.simplefilter("ignore")
        controller.calibrate(P_cal, y_cal)
    if controller.best_predict_param is None:
        return (lambda X, P: np.full(P.shape[0], REJECT)), np.array([False, False])
    # a valid band accepts both predicted classes (an empty class is not tested)
    return (lambda X, P: to_reject(controller.predict(P))), np.array([True, True])


METHODS = [
    ("selective_clf classwise (ltt_graph)", None, ours),
    ("MAPIE BinaryClassificationController (band, 20 x 20)", "mapie", mapie),
    (
        "MAPIE BinaryClassificationController (band, 10 x 10)",
        "mapie",
        lambda *args: mapie(*args, grid=SMALL_GRID),
    ),
]


def evaluate(y_true, y_pred, predicted):
    """Coverage overall and per predicted class; error among accepted per class."""
    accepted = y_pred != REJECT
    out = {"coverage": accepted.mean()}
    for k in (0, 1):
        as_k = predicted == k
        out[f"coverage_{k}"] = accepted[as_k].mean() if as_k.any() else np.nan
        acc_k = accepted & as_k
        out[f"n_acc_{k}"] = int(acc_k.sum())
        # predictions of accepted samples are the argmax class
        out[f"error_{k}"] = (y_true[acc_k] != k).mean() if acc_k.any() else np.nan
    return out


def run(config):
    names, skipped = available(config["datasets"])
    methods = [
        (label, fit) for label, module, fit in METHODS if module is None or have(module)
    ]
    missing = [label for label, module, _ in METHODS if module and not have(module)]
    results = {}  # (dataset, label) -> list of per-split dicts
    sizes = {}
    for name in names:
        X, y = load(name)
        X_train, X_hold, y_train, y_hold = train_test_split(
            X, y, train_size=0.5, stratify=y, random_state=0
        )
        model = _base(config["base"]).fit(X_train, y_train)
        P_hold = model.predict_proba(X_hold)
        m = min(config["m"], X_hold.shape[0] // 2)
        sizes[name] = (
            m,
            X_hold.shape[0] - m,
            float((P_hold.argmax(1) == y_hold).mean()),
        )
        for rep in range(config["repetitions"]):
            cal, test = train_test_split(
                np.arange(X_hold.shape[0]),
                train_size=m,
                stratify=y_hold,
                random_state=1000 + rep,
            )
            predicted = (P_hold[test, 1] >= 0.5).astype(int)
            for label, fit in methods:
                predict, certified = fit(model, X_hold[cal], y_hold[cal], P_hold[cal])
                y_pred = np.asarray(predict(X_hold[test], P_hold[test]))
                row = evaluate(y_hold[test], y_pred, predicted)
                row["certified_0"], row["certified_1"] = certified
                results.setdefault((name, label), []).append(row)
    return results, sizes, skipped, missing


def summarise(rows):
    def mean(key):
        values = np.array([r[key] for r in rows], dtype=float)
        return np.nanmean(values) if np.isfinite(values).any() else np.nan

    out = {"coverage": mean("coverage")}
    for k in (0, 1):
        out[f"coverage_{k}"] = mean(f"coverage_{k}")
        out[f"error_{k}"] = mean(f"error_{k}")
        out[f"viol_{k}"] = np.mean(
            [r[f"n_acc_{k}"] > 0 and r[f"error_{k}"] > TARGETS[k] for r in rows]
        )
        out[f"cert_{k}"] = np.mean([r[f"certified_{k}"] for r in rows])
    out["viol_any"] = np.mean(
        [
            any(r[f"n_acc_{k}"] > 0 and r[f"error_{k}"] > TARGETS[k] for k in (0, 1))
            for r in rows
        ]
    )
    return out


def _fmt(value, digits=3):
    return "n/a" if not np.isfinite(value) else f"{value:.{digits}f}"


def _cells(results, sizes):
    """One list of formatted cells per (data set, method)."""
    for (name, label), rows in results.items():
        s = summarise(rows)
        m, n_test, _ = sizes[name]
        yield [
            f"{name} ({m} / {n_test})",
            label,
            _fmt(s["coverage"]),
            _fmt(s["coverage_0"]),
            _fmt(s["coverage_1"]),
            _fmt(s["error_0"]),
            _fmt(s["error_1"]),
            f"{s['viol_0']:.0%} / {s['viol_1']:.0%} / {s['viol_any']:.0%}",
            f"{s['cert_0']:.0%} / {s['cert_1']:.0%}",
        ]


HEADERS = [
    "Data set (m / test)",
    "Method",
    "coverage",
    "coverage, predicted 0",
    "coverage, predicted 1",
    f"error among accepted 0 (target {TARGETS[0]})",
    f"error among accepted 1 (target {TARGETS[1]})",
    "splits over target: 0 / 1 / either",
    "certified: 0 / 1",
]


def table_rst(results, sizes):
    """The same table as an reStructuredText list-table (for the docs)."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for cells in [HEADERS, *_cells(results, sizes)]:
        lines.append(f"   * - {cells[0]}")
        lines.extend(f"     - {cell}" for cell in cells[1:])
    return "\n".join(lines)


def table(results, sizes):
    """The markdown table."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines.extend("| " + " | ".join(cells) + " |" for cells in _cells(results, sizes))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke run")
    parser.add_argument(
        "--rst", action="store_true", help="also print the table as a list-table"
    )
    args = parser.parse_args(argv)
    config = CONFIG["quick" if args.quick else "full"]
    with threadpool_limits(1):
        results, sizes, skipped, missing = run(config)
    v = versions()
    print(
        f"# Class-wise guarantee vs MAPIE's precision controller "
        f"({datetime.date.today().isoformat()})\n"
    )
    print(
        f"targets: error among accepted as 0 <= {TARGETS[0]}, as 1 <= "
        f"{TARGETS[1]}; delta = {DELTA}; base = {config['base']}; "
        f"{config['repetitions']} calibration/test re-splits per data set"
    )
    print(
        "versions: "
        + ", ".join(f"{k} {val}" for k, val in v.items() if val is not None)
    )
    for name, (m, n_test, acc) in sizes.items():
        print(f"{name}: m = {m}, test = {n_test}, base accuracy {acc:.3f}")
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")
    for label in missing:
        print(f"skipped {label}: not installed")
    print()
    print(table(results, sizes))
    if args.rst:
        print()
        print(table_rst(results, sizes))


if __name__ == "__main__":
    main()
