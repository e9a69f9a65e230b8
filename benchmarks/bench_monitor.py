"""Monitors in production: false alarms and detection delays, side by side.

1. Selective risk (:class:`selective_clf.monitor.RiskMonitor`, target 0.05):
   streams of 20,000 labelled accepted decisions whose errors are Bernoulli
   draws. False-alarm rate (any alarm on the stream) at the boundary (risk
   0.05) and below it (0.04), at several ``alpha``; detection delay
   (accepted rows after the change until the alarm) when the risk jumps from
   0.04 to 0.08 after 5,000 rows, and after a row drawn uniformly in
   [5000, 6000) (a change that does not fall on a batch edge). Side by side:
   a one-sided exact binomial test of "risk > 0.05" repeated on each batch
   of 1,000 rows at level ``alpha`` (the common practice), the same at
   ``alpha / 20`` (Bonferroni over the 20 batches of this horizon: equal
   false-alarm rate, but it must know the horizon), and a single test of the
   whole stream at its end.
2. Acceptance rate (:class:`selective_clf.monitor.AcceptanceMonitor`, no
   labels): the calibration measures the acceptance rate (0.8) on 5,000
   rows; streams of 20,000 decisions. No shift: false alarms. A covariate
   shift after 5,000 rows moves 10% of the rows into the low-confidence
   region, where they are rejected (acceptance 0.72): delay in rows. Side by
   side, two-sided exact binomial tests of "rate = measured coverage" on
   each batch of 1,000 (at ``alpha`` and ``alpha / 20``), and one test of
   the whole stream.

Run ``python benchmarks/bench_monitor.py`` (about a minute on one core;
``--quick`` runs 60 streams in a few seconds). Output is Markdown.
"""

import argparse
import time
from functools import partial

import numpy as np
from scipy import stats

from selective_clf.monitor import AcceptanceMonitor, RiskMonitor

N_ROWS, BATCH, CHANGE = 20_000, 1_000, 5_000
TARGET, ALPHA = 0.05, 0.05
ALPHAS = (0.01, 0.05, 0.1)
NEVER = np.iinfo(np.int64).max
#: The repeated batch tests: at alpha each (common practice), at alpha / 20
#: (Bonferroni over the 20 batches of this horizon), and at alpha / (j (j+1))
#: for batch j (valid over an unbounded stream, like the monitor).
BATCH_LEVELS = (
    ("alpha", ALPHA),
    ("alpha / 20", ALPHA / 20),
    ("alpha/(j(j+1))", ("spent", ALPHA)),
)


def scaled(level, alpha):
    """The batch level at another ``alpha``."""
    return ("spent", alpha) if isinstance(level, tuple) else level * alpha / ALPHA


def risk_streams(rng, n_streams, before, after, change):
    """Boolean errors, one stream per row; ``change`` a row index per stream."""
    rows = np.arange(N_ROWS)[None, :]
    rate = np.where(rows < np.asarray(change)[:, None], before, after)
    return rng.random((n_streams, N_ROWS)) < rate


def monitor_alarms(errors):
    """RiskMonitor over each stream, in batches: alarm row (1-based) and max e."""
    alarm_at, max_e = [], []
    for stream in errors:
        monitor = RiskMonitor(TARGET, alpha=ALPHA)
        for start in range(0, N_ROWS, BATCH):
            monitor.update_errors(stream[start : start + BATCH])
        alarm_at.append(monitor.alarm_at_ if monitor.alarm_ else NEVER)
        max_e.append(monitor.max_e_value_)
    return np.array(alarm_at), np.array(max_e)


def batch_levels(level):
    """Per-batch levels: ``level`` each, or ``a / (j (j + 1))`` for ("spent", a)."""
    j = np.arange(1, N_ROWS // BATCH + 1)
    if isinstance(level, tuple):
        return level[1] / (j * (j + 1.0))
    return np.full(j.shape, level)


def batch_test_alarms(errors, level):
    """One-sided binomial test per batch; alarm at the end of the first rejection."""
    counts = errors.reshape(errors.shape[0], -1, BATCH).sum(axis=2)
    p_values = stats.binom.sf(counts - 1, BATCH, TARGET)  # P(X >= count)
    reject = p_values <= batch_levels(level)[None, :]
    first = np.where(reject.any(axis=1), reject.argmax(axis=1), -1)
    return np.where(first >= 0, (first + 1) * BATCH, NEVER)


def whole_stream_alarms(errors, level):
    """One test of all rows at the end of the stream."""
    p_values = stats.binom.sf(errors.sum(axis=1) - 1, N_ROWS, TARGET)
    return np.where(p_values <= level, N_ROWS, NEVER)


def delays(alarm_at, change):
    """Rows after the change until the alarm (inf when none; nan when early)."""
    alarm_at = alarm_at.astype(float)
    alarm_at[alarm_at == NEVER] = np.inf
    delay = alarm_at - np.asarray(change)
    delay[delay <= 0] = np.nan  # false alarm before the change
    return delay


def fmt_delay(delay):
    valid = delay[~np.isnan(delay)]
    detected = np.isfinite(valid).mean() if valid.size else np.nan
    if not valid.size:
        return "-", "-", "-"
    median, p90 = np.percentile(valid, [50, 90])

    def show(x):
        return "never" if not np.isfinite(x) else f"{x:.0f}"

    return show(median), show(p90), f"{detected:.3f}"


def risk_section(rng, n_streams):
    print(f"## Selective risk: target {TARGET}, {n_streams} streams of {N_ROWS} rows\n")
    at_boundary = risk_streams(rng, n_streams, TARGET, TARGET, [N_ROWS] * n_streams)
    below = risk_streams(rng, n_streams, 0.04, 0.04, [N_ROWS] * n_streams)
    fixed = np.full(n_streams, CHANGE)
    moved = CHANGE + rng.integers(0, BATCH, n_streams)
    jump = risk_streams(rng, n_streams, 0.04, 0.08, fixed)
    jump_moved = risk_streams(rng, n_streams, 0.04, 0.08, moved)

    se = np.sqrt(ALPHA * (1 - ALPHA) / n_streams)
    print(
        "False-alarm rate (share of streams with any alarm); the monitor's "
        f"bound is alpha (3 s.e. at alpha={ALPHA}: {3 * se:.3f}).\n"
    )
    header = "| method | " + " | ".join(
        f"risk {risk}, alpha {a}" for risk in (TARGET, 0.04) for a in ALPHAS
    )
    print(header + " |")
    print("|" + "---|" * (1 + 2 * len(ALPHAS)))
    _, max_boundary = monitor_alarms(at_boundary)
    _, max_below = monitor_alarms(below)
    cells = [
        f"{np.mean(m >= 1 / a):.3f}" for m in (max_boundary, max_below) for a in ALPHAS
    ]
    print("| RiskMonitor (anytime-valid) | " + " | ".join(cells) + " |")
    for name, level in BATCH_LEVELS:
        cells = [
            f"{np.mean(batch_test_alarms(s, scaled(level, a)) < NEVER):.3f}"
            for s in (at_boundary, below)
            for a in ALPHAS
        ]
        print(f"| binomial test per batch at {name} | " + " | ".join(cells) + " |")
    cells = [
        f"{np.mean(whole_stream_alarms(s, a) < NEVER):.3f}"
        for s in (at_boundary, below)
        for a in ALPHAS
    ]
    print("| one test of the whole stream | " + " | ".join(cells) + " |")

    print(
        f"\nRisk 0.04 then 0.08, alpha {ALPHA}: delay in accepted rows after the "
        "change (median, 90th percentile; 'never' when fewer than half or a "
        "tenth of the streams alarm by row 20,000), the share detected, and "
        "the false alarms before the change.\n"
    )
    print(
        "| method | change at 5000: median | p90 | detected | false alarm | "
        "change in [5000, 6000): median | p90 | detected |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rows = [("RiskMonitor (anytime-valid)", lambda s: monitor_alarms(s)[0])]
    rows += [
        (f"binomial test per batch at {name}", partial(batch_test_alarms, level=lv))
        for name, lv in BATCH_LEVELS
    ]
    rows.append(
        ("one test of the whole stream", partial(whole_stream_alarms, level=ALPHA))
    )
    for name, alarms in rows:
        a_fixed, a_moved = alarms(jump), alarms(jump_moved)
        d_fixed, d_moved = delays(a_fixed, fixed), delays(a_moved, moved)
        early = np.mean(a_fixed <= fixed)
        print(
            f"| {name} | "
            + " | ".join(fmt_delay(d_fixed))
            + f" | {early:.3f} | "
            + " | ".join(fmt_delay(d_moved))
            + " |"
        )


def acceptance_section(rng, n_streams, n_cal=5000, rate=0.8, shift=0.1):
    print(
        f"\n## Acceptance rate: calibrated {rate} on {n_cal} rows, {n_streams} "
        f"streams of {N_ROWS} rows, alpha {ALPHA}\n"
    )
    shifted = rate * (1 - shift)
    print(
        f"After row {CHANGE}, {shift:.0%} of the rows move to low confidence and "
        f"are rejected: the acceptance rate falls to {shifted:.2f}.\n"
    )
    coverage = rng.binomial(n_cal, rate, n_streams) / n_cal
    rows = np.arange(N_ROWS)[None, :]
    quiet = rng.random((n_streams, N_ROWS)) < rate
    drift = rng.random((n_streams, N_ROWS)) < np.where(rows < CHANGE, rate, shifted)

    def monitor(accepted):
        out = []
        for cov, stream in zip(coverage, accepted, strict=True):
            m = AcceptanceMonitor(cov, n_cal, alpha=ALPHA)
            for start in range(0, N_ROWS, BATCH):
                m.update(rejected=~stream[start : start + BATCH])
            out.append(m.alarm_at_ if m.alarm_ else NEVER)
        return np.array(out)

    def batch_test(accepted, level):
        counts = accepted.reshape(n_streams, -1, BATCH).sum(axis=2)
        p = coverage[:, None]
        p_low = stats.binom.cdf(counts, BATCH, p)
        p_high = stats.binom.sf(counts - 1, BATCH, p)
        reject = 2 * np.minimum(p_low, p_high) <= batch_levels(level)[None, :]
        first = np.where(reject.any(axis=1), reject.argmax(axis=1), -1)
        return np.where(first >= 0, (first + 1) * BATCH, NEVER)

    def whole(accepted, level):
        counts = accepted.sum(axis=1)
        p_low = stats.binom.cdf(counts, N_ROWS, coverage)
        p_high = stats.binom.sf(counts - 1, N_ROWS, coverage)
        return np.where(2 * np.minimum(p_low, p_high) <= level, N_ROWS, NEVER)

    print(
        "| method | false alarms, no shift | false alarms before the shift | "
        "delay median | p90 | detected |"
    )
    print("|---|---|---|---|---|---|")
    methods = [
        ("AcceptanceMonitor (anytime-valid, calibration margin)", monitor),
        *(
            (f"binomial test per batch at {name}", partial(batch_test, level=lv))
            for name, lv in BATCH_LEVELS
        ),
        ("one test of the whole stream", partial(whole, level=ALPHA)),
    ]
    change = np.full(n_streams, CHANGE)
    for name, alarms in methods:
        a_quiet, a_drift = alarms(quiet), alarms(drift)
        d = delays(a_drift, change)
        print(
            f"| {name} | {np.mean(a_quiet < NEVER):.3f} | "
            f"{np.mean(a_drift <= CHANGE):.3f} | " + " | ".join(fmt_delay(d)) + " |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="60 streams")
    args = parser.parse_args()
    n_streams = 60 if args.quick else args.streams
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    risk_section(rng, n_streams)
    acceptance_section(rng, n_streams)
    seconds = time.perf_counter() - start
    print(f"\n({n_streams} streams, seed {args.seed}, {seconds:.0f} s)")


if __name__ == "__main__":
    main()
