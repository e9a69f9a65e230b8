"""Benchmark the risk-coverage metrics against sklearn's roc_curve and np.sort.

Usage::

    python benchmarks/bench_metrics.py            # n = 10 million
    python benchmarks/bench_metrics.py --quick    # n = 200,000 smoke run
    python benchmarks/bench_metrics.py --n 1000000 --no-ties

On the same scores it times, best of ``--repeat`` runs:

(a) ``risk_coverage_curve`` followed by ``aurc_score``, called separately as
    a user would (each sorts the confidences once);
(b) ``sklearn.metrics.roc_curve(correct, confidence)``, the closest sklearn
    computation (one sort plus cumulative sums);
(c) a bare ``np.sort(confidence)``, the lower bound for any sort-based curve.

It then reports the peak memory traced by ``tracemalloc`` during (a), in MB
and in multiples of ``n * 8`` bytes (one float64 array of the input size).
Targets: (a) at least 2x faster than (b) and within 4x of (c).
"""

import argparse
import time
import tracemalloc

import numpy as np
from sklearn.metrics import roc_curve

from selective_clf.metrics import aurc_score, risk_coverage_curve


def make_data(n, ties=True, seed=0):
    """Binary labels, ~80% accurate predictions, confidence linked to errors."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, n)
    wrong = rng.random(n) < 0.2
    y_pred = np.where(wrong, 1 - y_true, y_true)
    # Errors tend to have a lower confidence.
    confidence = np.clip(rng.normal(0.75, 0.15, n) - 0.2 * wrong, 0.0, 1.0)
    if ties:
        confidence = np.round(confidence, 4)
    return y_true, y_pred, confidence


def best_time(func, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def peak_memory(func):
    """Peak traced allocation (bytes) while running ``func``."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="number of samples")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run with n = 200,000"
    )
    parser.add_argument(
        "--no-ties", action="store_true", help="distinct confidences (no rounding)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing")
    args = parser.parse_args(argv)
    n = 200_000 if args.quick else args.n

    y_true, y_pred, confidence = make_data(n, ties=not args.no_ties)
    correct = y_true == y_pred
    n_distinct = np.unique(confidence).shape[0]
    print(
        f"n = {n:,} samples, {n_distinct:,} distinct confidences, "
        f"error rate {1 - correct.mean():.3f}, numpy {np.__version__}"
    )

    def ours():
        risk_coverage_curve(y_true, y_pred, confidence)
        aurc_score(y_true, y_pred, confidence)

    def sklearn_roc():
        roc_curve(correct, confidence)

    def bare_sort():
        np.sort(confidence)

    ours()  # warm-up (imports, first-touch allocations)
    timings = {
        "risk_coverage_curve + aurc_score": best_time(ours, args.repeat),
        "sklearn roc_curve": best_time(sklearn_roc, args.repeat),
        "np.sort": best_time(bare_sort, args.repeat),
    }
    t_ours = timings["risk_coverage_curve + aurc_score"]
    t_roc = timings["sklearn roc_curve"]
    t_sort = timings["np.sort"]

    print(f"\nbest of {args.repeat} (time.perf_counter)")
    print(f"{'computation':<34} {'seconds':>9} {'ours / this':>12}")
    for name, seconds in timings.items():
        print(f"{name:<34} {seconds:>9.4f} {t_ours / seconds:>12.2f}")

    peak = peak_memory(ours)
    peak_roc = peak_memory(sklearn_roc)
    unit = n * 8
    print("\npeak traced memory (tracemalloc)")
    print(f"{'computation':<34} {'MB':>9} {'x n*8 B':>12}")
    for name, value in [
        ("risk_coverage_curve + aurc_score", peak),
        ("sklearn roc_curve", peak_roc),
    ]:
        print(f"{name:<34} {value / 1e6:>9.1f} {value / unit:>12.2f}")

    speedup = t_roc / t_ours
    over_sort = t_ours / t_sort
    print("\ntargets")
    print(
        f"  >= 2x faster than roc_curve: {speedup:.2f}x "
        f"[{'met' if speedup >= 2 else 'MISSED'}]"
    )
    print(
        f"  within 4x of np.sort:        {over_sort:.2f}x "
        f"[{'met' if over_sort <= 4 else 'MISSED'}]"
    )


if __name__ == "__main__":
    main()
