"""Validity: known-posterior simulations where the true selective risk is exact.

``p1 ~ Beta(a, a)``, ``X = [1 - p1, p1]`` and ``y ~ Bernoulli(p1)``, passed
through a frozen model whose ``predict_proba`` returns ``X``: the model is
perfectly calibrated and the true selective risk and coverage of any reject
band ``(low, high)`` of ``p1`` have closed forms. ``a = 1`` is the uniform
posterior; ``a = 0.5`` puts more mass on confident samples.

For each repetition every method is calibrated on ``n`` fresh samples; a
violation is a chosen threshold whose *true* selective risk exceeds the
target. A method with a ``1 - delta`` guarantee must violate in at most
``delta = 5%`` of repetitions (up to Monte Carlo error).
"""

import numpy as np
from _common import nanmean, quiet, timed
from _methods import RISK_METHODS, usable
from scipy import optimize, stats

TARGETS = (0.02, 0.05, 0.1)


def true_risk_coverage(band, a):
    """True selective risk and coverage of rejecting ``low < p1 < high``."""
    low, high = band
    base = stats.beta(a, a)
    shifted = stats.beta(a + 1, a)  # E[p 1{p <= x}] = mean * shifted.cdf(x)
    mean = 0.5
    mass = base.cdf(low) + base.sf(high)
    if mass <= 0:
        return None, 0.0
    errors = mean * shifted.cdf(low) + (base.sf(high) - mean * shifted.sf(high))
    return float(errors / mass), float(mass)


def oracle_coverage(target, a):
    """Largest coverage of a symmetric band with true risk <= target."""

    def excess(t):
        return true_risk_coverage((1 - t, t), a)[0] - target

    if excess(0.5) <= 0:
        return 1.0
    t = optimize.brentq(excess, 0.5, 1 - 1e-12)
    return true_risk_coverage((1 - t, t), a)[1]


def run(scenarios, n_calibration, repetitions, seed=0):
    methods = usable(RISK_METHODS, n_classes=2)
    rows = []
    for a in scenarios:
        for target in TARGETS:
            rng = np.random.default_rng([seed, int(a * 100), int(target * 1000)])
            outcomes = {key: [] for key, *_ in methods}
            seconds = {key: 0.0 for key, *_ in methods}
            for _ in range(repetitions):
                p1 = rng.beta(a, a, size=n_calibration)
                y = (rng.random(n_calibration) < p1).astype(np.int64)
                P = np.column_stack([1 - p1, p1])
                for key, _label, _mod, _binary, fit in methods:
                    fitted, took = timed(quiet, fit, P, y, target)
                    seconds[key] += took
                    risk, coverage = true_risk_coverage(fitted.band, a)
                    outcomes[key].append((risk, coverage, fitted.note))
            oracle = oracle_coverage(target, a)
            for key, label, *_ in methods:
                results = outcomes[key]
                violations = [
                    r is not None and r > target + 1e-12 for r, _, _ in results
                ]
                rows.append(
                    {
                        "scenario": f"Beta({a:g},{a:g})",
                        "target_risk": target,
                        "method": key,
                        "label": label,
                        "repetitions": repetitions,
                        "n_calibration": n_calibration,
                        "violation_rate": float(np.mean(violations)),
                        "mean_coverage": float(np.mean([c for _, c, _ in results])),
                        "mean_true_risk": nanmean([r for r, _, _ in results]),
                        "oracle_coverage": oracle,
                        "nothing_certified": float(
                            np.mean([c == 0 for _, c, _ in results])
                        ),
                        "nan_p_value": float(
                            np.mean([n == "NaN p-value" for _, _, n in results])
                        ),
                        "mean_ms": 1000 * seconds[key] / repetitions,
                    }
                )
    return rows
