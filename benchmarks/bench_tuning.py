"""Benchmark of SelectiveClassifierCV: tuning speed and risk-guarantee validity.

What it measures (everything side by side in one run; ratios are what matter,
absolute timings depend on the machine and its load):

1. **Speed of threshold tuning.** ``SelectiveClassifierCV`` (one fit per fold,
   every candidate threshold scored from one sort of the out-of-fold
   confidences: 5 + 1 fits) against ``GridSearchCV`` over the ``threshold`` of
   a ``SelectiveClassifier`` (which refits per candidate and fold: 250 + 1
   fits), with a ``HistGradientBoostingClassifier`` on
   ``make_classification(n_samples=20_000, n_features=20, n_informative=10)``,
   the same 50-threshold grid, ``rejection_cost=0.2``, the same shuffled
   ``KFold(5)`` and ``n_jobs=1`` for both.
   Targets: ``SelectiveClassifierCV`` at least 20x faster, and the same
   threshold chosen. With equal-size folds and an unweighted cost, the pooled
   out-of-fold cost that ``SelectiveClassifierCV`` minimises equals the mean of
   the fold costs that ``GridSearchCV`` ranks, and both break ties towards the
   lowest threshold, so the choices must match (the whole objective curve is
   compared, up to floating-point rounding).

2. **Validity and power of ``target_risk``** on data with a known posterior,
   through a frozen model (no training noise): ``m = 1000`` calibration
   points, ``delta = 0.05``, many repetitions, for
   ``SelectiveClassifierCV(FrozenEstimator(model), target_risk=r, delta=delta,
   method=...)`` with ``method`` in ``"ltt_graph"`` (default), ``"ltt"``,
   ``"ltt_holm"`` and ``"sgr"``, and for the reference SGR of Geifman &
   El-Yaniv (2017) as in their code (binary search over the sorted samples,
   returning the *last*
   iterate, which carries no guarantee). Two scenarios:

   (a) ``p1 ~ U(0, 1)``, ``X = [1 - p1, p1]``, ``y ~ Bernoulli(p1)``: the
       confidence ``max(p1, 1 - p1)`` is ``U(0.5, 1)``, the true selective risk
       above ``t`` is ``(1 - t) / 2`` and the coverage ``2 (1 - t)``;
       ``r = 0.1``, oracle coverage 0.4.
   (b) a steeper error curve: latent confidence ``c ~ U(0, 1)``, error
       probability ``0.6 (1 - c) ** 3``; the model's top probability is
       ``(1 + c) / 2`` (a monotone, miscalibrated confidence). True selective
       risk above ``c0`` is ``0.15 (1 - c0) ** 3``, coverage ``1 - c0``;
       ``r = 0.05``, oracle coverage ``3 ** (-1 / 3) = 0.693``.

   For each method: the violation rate (fraction of repetitions whose *true*
   selective risk at the returned threshold exceeds ``r``) with its
   Monte-Carlo standard error, the mean true coverage, and the oracle coverage.
   Targets: no guaranteed method's violation rate beyond
   ``delta + 3 sqrt(delta (1 - delta) / reps)``; mean coverage of ``"ltt"`` at
   least that of the reference SGR. Every repetition also checks that the
   estimator returns exactly the threshold of the bounds-level function
   (``selective_clf.certify``).

Run ``python benchmarks/bench_tuning.py`` (a few minutes) or with ``--quick``
(a smoke run under a minute: smaller data, fewer repetitions). No network
access, no downloads. Output is Markdown.
"""

import argparse
import datetime
import math
import os
import platform
import time
import warnings

import numpy as np
import scipy
import sklearn
from scipy import integrate, optimize, stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

import selective_clf
from selective_clf import GuaranteeWarning, SelectiveClassifier, SelectiveClassifierCV
from selective_clf.certify import RISK_METHODS

METHODS = ("ltt_graph", "ltt", "ltt_holm", "sgr")
REFERENCE = "reference SGR (last iterate)"


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


class ProbaFromColumns(ClassifierMixin, BaseEstimator):
    """Classifier whose ``predict_proba`` is the first ``n_classes`` columns of X."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        return np.asarray(X, dtype=float)[:, : len(self.classes_)]

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _cp_reference(k, n, level):
    return 1.0 if k == n else stats.beta.ppf(1 - level, k + 1, n - k)


def sgr_reference(conf, err, r, delta):
    """SGR as in Geifman & El-Yaniv (2017) and their code: the last iterate.

    Binary search over the m sorted samples (``z`` in ``1..m``, increasing
    confidence) with Clopper-Pearson bounds at level ``delta / ceil(log2 m)``
    and strict feasibility ``bound < r``. Returns the threshold of the *last*
    iterate and its bound (which may exceed ``r``: no guarantee).
    Copied from ``tests/test_certify.py::_sgr_paper``.
    """
    m = len(conf)
    conf_sorted = np.sort(conf)
    err_sorted = err[np.argsort(conf, kind="stable")]
    # errors among the top m - z + 1 samples, for z = 1..m
    tail_errors = np.cumsum(err_sorted[::-1])[::-1]
    k = math.ceil(math.log2(m))
    z_min, z_max = 1, m
    for _ in range(k):
        z = math.ceil((z_min + z_max) / 2)
        n = m - z + 1
        bound = _cp_reference(tail_errors[z - 1], n, delta / k)
        if bound < r:
            z_max = z
        else:
            z_min = z
    return conf_sorted[z - 1], bound


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# 1. speed
# --------------------------------------------------------------------------


def bench_speed(n_samples, n_thresholds, n_ours, threads):
    X, y = make_classification(
        n_samples=n_samples, n_features=20, n_informative=10, random_state=0
    )
    grid = np.round(np.linspace(0.5, 0.99, n_thresholds), 4)
    cost = 0.2
    cv = KFold(5, shuffle=True, random_state=0)
    base = HistGradientBoostingClassifier(random_state=0)

    def run_ours():
        start = time.perf_counter()
        est = SelectiveClassifierCV(
            base,
            rejection_cost=cost,
            thresholds=grid,
            cv=cv,
            n_jobs=1,
            store_cv_results=True,
        ).fit(X, y)
        return time.perf_counter() - start, est

    def run_grid():
        start = time.perf_counter()
        est = GridSearchCV(
            SelectiveClassifier(base, rejection_cost=cost),
            {"threshold": grid},
            cv=cv,
            n_jobs=1,
        ).fit(X, y)
        return time.perf_counter() - start, est

    # interleave: ours, GridSearchCV, ours again (the load of the machine drifts).
    # OpenMP threads of the boosting are limited (default 1): on a shared,
    # loaded machine spinning OpenMP threads make single fits erratic (we saw
    # the same fit take 0.2 s and 90 s), which would make the ratio meaningless.
    with threadpool_limits(limits=threads or None):
        ours_times = []
        ours_time, ours = run_ours()
        ours_times.append(ours_time)
        grid_time, gs = run_grid()
        for _ in range(n_ours - 1):
            ours_times.append(run_ours()[0])
    ours_median = float(np.median(ours_times))

    print(f"\n## 1. Speed: threshold tuning, n_samples={n_samples}\n")
    print(
        "HistGradientBoostingClassifier(random_state=0), 50 thresholds "
        f"{grid[0]}..{grid[-1]}, rejection_cost={cost}, "
        "KFold(5, shuffle=True, random_state=0), n_jobs=1, OpenMP/BLAS threads "
        f"limited to {threads or 'no limit'} (threadpoolctl).\n"
    )
    rows = [
        [
            "SelectiveClassifierCV",
            "5 + 1",
            f"{ours_median:.2f}",
            ", ".join(f"{t:.2f}" for t in ours_times),
            f"{ours.threshold_:g}",
            f"{ours.best_score_:.6f}",
        ],
        [
            "GridSearchCV(SelectiveClassifier)",
            f"{5 * len(grid)} + 1",
            f"{grid_time:.2f}",
            f"{grid_time:.2f}",
            f"{gs.best_params_['threshold']:g}",
            f"{gs.best_score_:.6f}",
        ],
    ]
    print(
        _table(
            [
                "method",
                "fits",
                "wall time (s, median)",
                "all runs (s)",
                "threshold",
                "best score (1 - cost)",
            ],
            rows,
        )
    )
    ratio = grid_time / ours_median
    worst_ratio = grid_time / max(ours_times)
    same = ours.threshold_ == gs.best_params_["threshold"]
    # compare the whole objective curve: pooled out-of-fold vs mean of folds
    order = np.argsort(ours.cv_results_["thresholds"])
    ours_curve = ours.cv_results_["objective"][order]
    gs_order = np.argsort(np.asarray(gs.cv_results_["param_threshold"], dtype=float))
    gs_curve = gs.cv_results_["mean_test_score"][gs_order]
    curve_diff = float(np.max(np.abs(ours_curve - gs_curve)))
    print(
        f"\n- speed-up (GridSearchCV / SelectiveClassifierCV median): "
        f"**{ratio:.1f}x** (with the slowest run of ours: {worst_ratio:.1f}x); "
        f"target >= 20x: {'PASS' if ratio >= 20 else 'FAIL'}"
    )
    print(
        f"- same threshold: **{same}** "
        f"(ours {ours.threshold_!r}, GridSearchCV "
        f"{gs.best_params_['threshold']!r}); best scores differ by "
        f"{abs(ours.best_score_ - gs.best_score_):.2e}"
    )
    print(
        "- max |pooled out-of-fold objective - mean of fold scores| over the "
        f"{len(grid)} candidates: {curve_diff:.2e}"
    )
    if not same:
        print("- candidates closest to the optimum (ours / GridSearchCV):")
        top = np.argsort(-ours_curve)[:5]
        grid_sorted = np.sort(grid)
        for i in top:
            print(f"  - t={grid_sorted[i]:g}: {ours_curve[i]!r} / {gs_curve[i]!r}")
    return ratio, same


# --------------------------------------------------------------------------
# 2. validity on known-posterior data
# --------------------------------------------------------------------------


class ScenarioA:
    """p1 ~ U(0, 1), X = [1 - p1, p1], y ~ Bernoulli(p1); r = 0.1."""

    name = "(a) confidence ~ U(0.5, 1), error prob 1 - confidence"
    target_risk = 0.1

    @staticmethod
    def sample(rng, m):
        p1 = rng.uniform(size=m)
        y = (rng.uniform(size=m) < p1).astype(int)
        return np.column_stack([1 - p1, p1]), y

    @staticmethod
    def true_risk(t):
        return 0.0 if np.isinf(t) else (1 - max(t, 0.5)) / 2

    @staticmethod
    def true_coverage(t):
        return 0.0 if np.isinf(t) else 2 * (1 - max(t, 0.5))

    @staticmethod
    def oracle_coverage(r):
        # (1 - t) / 2 = r  ->  coverage 2 (1 - t) = 4 r
        return min(1.0, 4 * r)

    @staticmethod
    def oracle_numeric(r):
        return _oracle_numeric(lambda c: 1 - c, 0.5, 1.0, r)


class ScenarioB:
    """Latent c ~ U(0, 1), error prob 0.6 (1 - c)^3, top proba (1 + c) / 2."""

    name = "(b) latent c ~ U(0, 1), error prob 0.6 (1 - c)^3"
    target_risk = 0.05

    @staticmethod
    def sample(rng, m):
        c = rng.uniform(size=m)
        s = (1 + c) / 2  # top probability, in [0.5, 1]
        predicted = rng.integers(0, 2, size=m)
        wrong = rng.uniform(size=m) < 0.6 * (1 - c) ** 3
        y = np.where(wrong, 1 - predicted, predicted)
        p1 = np.where(predicted == 1, s, 1 - s)
        return np.column_stack([1 - p1, p1]), y

    @staticmethod
    def _latent(t):
        return min(max(2 * t - 1, 0.0), 1.0)

    @classmethod
    def true_risk(cls, t):
        return 0.0 if np.isinf(t) else 0.15 * (1 - cls._latent(t)) ** 3

    @classmethod
    def true_coverage(cls, t):
        return 0.0 if np.isinf(t) else 1 - cls._latent(t)

    @staticmethod
    def oracle_coverage(r):
        # 0.15 (1 - c0)^3 = r  ->  coverage 1 - c0 = (r / 0.15)^(1/3)
        return min(1.0, (r / 0.15) ** (1 / 3))

    @staticmethod
    def oracle_numeric(r):
        return _oracle_numeric(lambda c: 0.6 * (1 - c) ** 3, 0.0, 1.0, r)


def _oracle_numeric(error_prob, low, high, r):
    """Oracle coverage by quadrature: largest uniform mass above t with risk r."""

    def risk(t):
        return integrate.quad(error_prob, t, high)[0] / (high - t)

    t = optimize.brentq(lambda t: risk(t) - r, low, high - 1e-9)
    return (high - t) / (high - low)


def _threshold_of(method, conf, err, r, delta):
    """The threshold of the bounds-level function the estimator should match."""
    return RISK_METHODS[method](conf, err, target_risk=r, delta=delta).threshold


def bench_validity(scenario, m, delta, reps, seed):
    r = scenario.target_risk
    rng = np.random.default_rng(seed)
    model = ProbaFromColumns().fit(np.zeros((2, 2)), [0, 1])
    names = [*METHODS, REFERENCE]
    thresholds = {name: np.empty(reps) for name in names}
    infeasible = dict.fromkeys(names, 0)
    reference_uncertified = 0
    # smallest accepted count LTT can certify at all: (1 - r) ** n <= delta
    n_min = math.ceil(math.log(delta) / math.log(1 - r))
    early_error = 0
    start = time.perf_counter()
    for i in range(reps):
        X, y = scenario.sample(rng, m)
        conf = X.max(axis=1)
        err = (X.argmax(axis=1) != y).astype(int)
        early_error += err[np.argsort(-conf, kind="stable")[:n_min]].any()
        for method in METHODS:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", GuaranteeWarning)
                est = SelectiveClassifierCV(
                    FrozenEstimator(model), target_risk=r, delta=delta, method=method
                ).fit(X, y)
            n_warned = sum(issubclass(w.category, GuaranteeWarning) for w in caught)
            assert n_warned == int(np.isinf(est.threshold_)), (method, i)
            infeasible[method] += n_warned
            expected = _threshold_of(method, conf, err, r, delta)
            assert est.threshold_ == expected, (method, i, est.threshold_, expected)
            thresholds[method][i] = est.threshold_
        last, bound = sgr_reference(conf, err, r, delta)
        thresholds[REFERENCE][i] = last
        reference_uncertified += bound >= r
    elapsed = time.perf_counter() - start

    oracle = scenario.oracle_coverage(r)
    oracle_num = scenario.oracle_numeric(r)
    tolerance = delta + 3 * math.sqrt(delta * (1 - delta) / reps)
    print(f"\n### {scenario.name}; r = {r}\n")
    print(
        f"m = {m}, delta = {delta}, {reps} repetitions, seed {seed}; "
        f"oracle coverage {oracle:.4f} (closed form), {oracle_num:.4f} "
        f"(numerical integration); violation tolerance delta + 3 MC s.e. = "
        f"{tolerance:.4f}; {elapsed:.1f} s.\n"
    )
    rows = []
    coverage = {}
    cov_samples = {}
    for name in names:
        risk = np.array([scenario.true_risk(t) for t in thresholds[name]])
        cov = np.array([scenario.true_coverage(t) for t in thresholds[name]])
        cov_samples[name] = cov
        violation = float(np.mean(risk > r))
        se = math.sqrt(violation * (1 - violation) / reps)
        coverage[name] = float(cov.mean())
        feasible = ~np.isinf(thresholds[name])
        cov_feasible = float(cov[feasible].mean()) if feasible.any() else float("nan")
        guaranteed = name != REFERENCE
        verdict = (
            ("PASS" if violation <= tolerance else "FAIL")
            if guaranteed
            else "(no guarantee)"
        )
        label = f'SelectiveClassifierCV(method="{name}")' if guaranteed else name
        rows.append(
            [
                label,
                f"{violation:.4f}",
                f"{se:.4f}",
                verdict,
                f"{coverage[name]:.4f}",
                f"{cov.std(ddof=1) / math.sqrt(reps):.4f}",
                f"{cov_feasible:.4f}",
                f"{coverage[name] / oracle:.3f}",
                f"{oracle:.4f}",
                str(infeasible[name]),
            ]
        )
    print(
        _table(
            [
                "method",
                "violation rate",
                "MC s.e.",
                "<= tolerance",
                "mean true coverage",
                "MC s.e.",
                "mean coverage if feasible",
                "coverage / oracle",
                "oracle coverage",
                "infeasible reps",
            ],
            rows,
        )
    )
    diff = cov_samples["ltt_graph"] - cov_samples[REFERENCE]
    diff_se = diff.std(ddof=1) / math.sqrt(reps)
    ok = coverage["ltt_graph"] >= coverage[REFERENCE]
    print(
        f'\n- coverage "ltt_graph" - reference SGR: {diff.mean():+.4f} '
        f"(paired MC s.e. {diff_se:.4f}); target >= 0: {'PASS' if ok else 'FAIL'}"
    )
    print(
        f"- the {n_min} most confident samples (the fewest a zero-error test "
        f"can certify) held an error in {early_error}/{reps} repetitions: a "
        "fixed sequence starting there would certify nothing; the fixed "
        "sequences (ltt, ltt_graph) start where two errors can pass, and the "
        "default, ltt_graph, enters again further down"
    )
    print(
        f"- reference SGR's last iterate was not certified (bound >= r) in "
        f"{reference_uncertified}/{reps} repetitions"
    )
    print(
        "- every repetition: the estimator returned exactly the threshold of "
        "the `selective_clf.certify` function (asserted); infeasible reps are "
        "those with a GuaranteeWarning (threshold inf, coverage 0, no violation)"
    )
    violations_ok = all(
        np.mean([scenario.true_risk(t) > r for t in thresholds[name]]) <= tolerance
        for name in METHODS
    )
    return violations_ok, ok


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def main(argv=None):
    # The grid starts at 0.5, which never rejects on a binary problem: the
    # estimator says so at every fit of the grid search.
    warnings.filterwarnings("ignore", message="threshold=.*never rejects")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (< 1 minute)")
    parser.add_argument("--n-samples", type=int, default=None)
    parser.add_argument("--n-thresholds", type=int, default=None)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="OpenMP/BLAS threads during the speed benchmark (0: no limit)",
    )
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n_samples = args.n_samples or (2_000 if args.quick else 20_000)
    n_thresholds = args.n_thresholds or (20 if args.quick else 50)
    reps = args.reps or (100 if args.quick else 1000)
    n_ours = 1 if args.quick else 3

    start = time.perf_counter()
    print("# selective_clf tuning benchmark" + (" (--quick)" if args.quick else ""))
    print(
        f"\n{datetime.datetime.now().astimezone().isoformat(timespec='seconds')}; "
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, "
        f"selective_clf {selective_clf.__version__}; {platform.machine()}, "
        f"{os.cpu_count()} CPUs (timings are noisy on a shared "
        "machine: read the ratios)"
    )
    ratio, same = bench_speed(n_samples, n_thresholds, n_ours, args.threads)

    print("\n## 2. Validity and coverage of target_risk (frozen model)")
    results = [
        bench_validity(scenario, m=1000, delta=0.05, reps=reps, seed=args.seed + k)
        for k, scenario in enumerate((ScenarioA, ScenarioB))
    ]
    print("\n## Summary\n")
    print(f"- speed-up {ratio:.1f}x (target >= 20x); same threshold: {same}")
    for scenario, (valid, power) in zip((ScenarioA, ScenarioB), results, strict=True):
        print(
            f"- {scenario.name}: violation rates within tolerance: {valid}; "
            f'"ltt_graph" coverage >= reference SGR: {power}'
        )
    print(f"- total time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
