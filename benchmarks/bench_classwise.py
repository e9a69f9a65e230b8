"""Class-wise thresholds: validity, coverage against the oracle, cost against scalar.

A known, calibrated four-class posterior whose classes differ in difficulty:
``z ~ N(0, I_4)``, logits ``(5, 3, 2, 1.5) * z``, the model predicts the
argmax with confidence ``max softmax``, wrong with probability ``1 - max``.
A population of 400,000 draws is the truth; calibration sets of ``m`` rows
are drawn from it with errors drawn from the posterior. Per-class targets
(0.02, 0.05, 0.08, 0.12).

1. ``target_risk`` per class (:func:`selective_clf._classwise.choose_target_risk`,
   default method, Šidák share of ``delta`` over the eligible classes) and,
   side by side, plain Bonferroni (``delta / 4`` for every class): the rate
   of repetitions in which *any* class's true selective risk exceeds its
   target, and the mean true within-class coverage against the per-class
   oracle (largest coverage whose true risk meets the target).
2. What a scalar guarantee does per class: one threshold certified for an
   overall selective risk of 0.05, with the true risk of each class there.
3. ``rejection_cost`` (one cost 0.1 for all, or 0.02, 0.05, 0.08, 0.12 per
   class): the class-wise cost on the tuning data and its true expected
   cost, against one common threshold minimising the same costs on the same
   data.

Run ``python benchmarks/bench_classwise.py`` (about a minute and a half;
``--reps 200`` for a quicker run). Output is Markdown.
"""

import argparse
import math
import time

import numpy as np

from selective_clf._classwise import choose_rejection_cost, choose_target_risk
from selective_clf._objectives import candidates as _candidates
from selective_clf.certify import DEFAULT_RISK_METHOD, RISK_METHODS

SCALES = np.array([5.0, 3.0, 2.0, 1.5])
TARGETS = np.array([0.02, 0.05, 0.08, 0.12])


def population(n=400_000, seed=12345):
    """Confidence and predicted class of a calibrated four-class posterior."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, 4)) * SCALES
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    return proba.max(axis=1), proba.argmax(axis=1)


def truth(conf, pred):
    """Per class: confidences (decreasing) and the true risk of each top set."""
    out = []
    for k in range(4):
        c = np.sort(conf[pred == k])[::-1]
        out.append((c, np.cumsum(1 - c) / np.arange(1, c.shape[0] + 1)))
    return out


def bonferroni(confidences, errors, *, target_risk, delta):
    """Each class at ``delta / K``, no eligibility (the simple reference)."""
    thresholds = np.full(len(confidences), np.inf)
    for k, (c, e) in enumerate(zip(confidences, errors, strict=True)):
        if c.shape[0] == 0:
            continue
        sel = RISK_METHODS[DEFAULT_RISK_METHOD](
            c, e, target_risk=target_risk[k], delta=delta / len(confidences)
        )
        if sel.feasible:
            thresholds[k] = sel.threshold
    return thresholds


def section_validity(conf, pred, curves, reps):
    """Violation rates and coverage against the oracle."""
    oracle = [
        (np.flatnonzero(risk <= t)[-1] + 1) / c.shape[0]
        for (c, risk), t in zip(curves, TARGETS, strict=True)
    ]
    print("## 1. target_risk per class: simultaneous validity and coverage\n")
    print(
        f"{reps} repetitions; targets {TARGETS.tolist()}; oracle within-class "
        f"coverage {', '.join(f'{o:.3f}' for o in oracle)}; cells: mean true "
        "within-class coverage of each class (Šidák / Bonferroni).\n"
    )
    print(
        "| m | delta | violation Šidák (s.e.) | violation Bonferroni | "
        "class 0 (x5) | class 1 (x3) | class 2 (x2) | class 3 (x1.5) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for m in (500, 1000, 2000, 4000):
        for delta in (0.05, 0.1):
            rng = np.random.default_rng(m + int(1000 * delta))
            index = rng.integers(0, conf.shape[0], size=(reps, m))
            c_all, p_all = conf[index], pred[index]
            e_all = rng.uniform(size=(reps, m)) < 1 - c_all
            viol = np.zeros(2)
            cov = np.zeros((2, 4))
            for r in range(reps):
                masks = [p_all[r] == k for k in range(4)]
                cs = [c_all[r][mk] for mk in masks]
                es = [e_all[r][mk] for mk in masks]
                chosen = [
                    choose_target_risk(
                        cs,
                        es,
                        target_risk=TARGETS,
                        delta=delta,
                        method=DEFAULT_RISK_METHOD,
                        _compute_achievable=False,  # speed switch
                    ).thresholds,
                    bonferroni(cs, es, target_risk=TARGETS, delta=delta),
                ]
                for j, thresholds in enumerate(chosen):
                    bad = False
                    for k, (c, risk) in enumerate(curves):
                        n_acc = np.searchsorted(-c, -thresholds[k], side="right")
                        cov[j, k] += n_acc / c.shape[0]
                        bad |= n_acc > 0 and risk[n_acc - 1] > TARGETS[k]
                    viol[j] += bad
            viol /= reps
            cov /= reps
            se = math.sqrt(delta * (1 - delta) / reps)
            cells = " | ".join(
                f"{cov[0, k]:.3f} / {cov[1, k]:.3f} ({cov[0, k] / oracle[k]:.0%})"
                for k in range(4)
            )
            print(
                f"| {m} | {delta} | {viol[0]:.3f} ({se:.3f}) | {viol[1]:.3f} | "
                f"{cells} |"
            )
    print(
        "\n(percentages: Šidák coverage as a share of the oracle; a violation "
        "rate must stay below delta + 3 s.e.)\n"
    )


def section_scalar(conf, pred, curves, reps):
    """A scalar overall guarantee, seen class by class."""
    print("## 2. One threshold certified for the overall risk, per class\n")
    m, target, delta = 2000, 0.05, 0.05
    rng = np.random.default_rng(7)
    risks = np.full((reps, 4), np.nan)
    for r in range(reps):
        index = rng.integers(0, conf.shape[0], size=m)
        c = conf[index]
        e = rng.uniform(size=m) < 1 - c
        sel = RISK_METHODS[DEFAULT_RISK_METHOD](c, e, target_risk=target, delta=delta)
        for k, (ck, risk) in enumerate(curves):
            n_acc = np.searchsorted(-ck, -sel.threshold, side="right")
            if n_acc:
                risks[r, k] = risk[n_acc - 1]
    print(
        f"m={m}, overall target_risk={target}, delta={delta}, {reps} "
        "repetitions: mean true selective risk of each predicted class at the "
        "certified scalar threshold: "
        + ", ".join(f"class {k}: {np.nanmean(risks[:, k]):.3f}" for k in range(4))
        + "\n"
    )


def section_cost(conf, pred, curves, reps):
    """Class-wise against scalar cost, on the tuning data and in truth."""
    print("## 3. rejection_cost: class-wise against scalar\n")
    print(
        "| m | costs | tuning cost scalar | tuning cost class-wise | "
        "true cost scalar | true cost class-wise | reps class-wise > scalar "
        "(tuning) |"
    )
    print("|---|---|---|---|---|---|---|")
    shares = np.array([np.mean(pred == k) for k in range(4)])

    def true_cost(thresholds, costs):
        total = 0.0
        for k, (c, risk) in enumerate(curves):
            n_acc = np.searchsorted(-c, -thresholds[k], side="right")
            acc = n_acc / c.shape[0]
            err = risk[n_acc - 1] * acc if n_acc else 0.0
            total += shares[k] * (err + costs[k] * (1 - acc))
        return total

    for m in (300, 2000):
        for costs in (np.full(4, 0.1), np.array([0.02, 0.05, 0.08, 0.12])):
            rng = np.random.default_rng(m)
            out = np.zeros((reps, 4))
            for r in range(reps):
                index = rng.integers(0, conf.shape[0], size=m)
                c, p = conf[index], pred[index]
                e = rng.uniform(size=m) < 1 - c
                curves_r = [
                    _candidates(c[p == k], e[p == k], None, "auto")
                    if (p == k).any()
                    else None
                    for k in range(4)
                ]
                pooled = _candidates(c, e, None, "auto")
                cw = choose_rejection_cost(
                    curves_r, rejection_cost=costs, fallback=pooled
                )
                # scalar: one threshold minimising the same per-class costs
                per_sample = costs[p]
                order = np.argsort(-c, kind="stable")
                cum_err = np.concatenate([[0], np.cumsum(e[order])])
                cum_c = np.concatenate([[0], np.cumsum(per_sample[order])])
                # accept the top j (ties ignored: confidences are continuous)
                value = cum_err + (per_sample.sum() - cum_c)
                j = int(np.argmin(value))
                t = np.inf if j == 0 else c[order][j - 1]
                out[r] = [
                    value[j] / m,
                    1 - cw.objective,
                    true_cost(np.full(4, t), costs),
                    true_cost(cw.thresholds, costs),
                ]
            mean = out.mean(axis=0)
            worse = int(np.sum(out[:, 1] > out[:, 0] + 1e-12))
            print(
                f"| {m} | {costs.tolist()} | {mean[0]:.4f} | {mean[1]:.4f} | "
                f"{mean[2]:.4f} | {mean[3]:.4f} | {worse} |"
            )
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    args = parser.parse_args()
    start = time.perf_counter()
    conf, pred = population()
    curves = truth(conf, pred)
    section_validity(conf, pred, curves, args.reps)
    section_scalar(conf, pred, curves, min(args.reps, 300))
    section_cost(conf, pred, curves, min(args.reps, 300))
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
