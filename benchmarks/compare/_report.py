"""Turn the measured results into tables, rendered as Markdown or reStructuredText."""

import re
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Table:
    title: str
    header: list
    rows: list
    notes: list = field(default_factory=list)
    docs: bool = True  # whether --update-docs publishes it


def _cell(value):
    if value is None:
        return "–"
    return str(value)


def markdown(table):
    lines = [f"### {table.title}", ""]
    lines.append("| " + " | ".join(table.header) + " |")
    lines.append("|" + "|".join("---" for _ in table.header) + "|")
    for row in table.rows:
        lines.append(
            "| " + " | ".join(_cell(c).replace("|", "\\|") for c in row) + " |"
        )
    lines.append("")
    lines += [f"{note}" for note in table.notes]
    if table.notes:
        lines.append("")
    return "\n".join(lines)


def _rst_text(value):
    """Markdown text as reStructuredText: literals ``x``, escaped bars."""
    value = value.replace("|", "\\|")  # |x| would be a substitution
    return re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", value)


def rst(table, level="~"):
    title = _rst_text(table.title)
    lines = [title, level * len(title), ""]
    lines += [".. list-table::", "   :header-rows: 1", ""]
    for row in [table.header, *table.rows]:
        cells = [_rst_text(_cell(c)) for c in row]
        lines.append(f"   * - {cells[0] or ' '}")
        lines += [f"     - {c or ' '}" for c in cells[1:]]
    lines.append("")
    for note in table.notes:
        lines += [_rst_text(note), ""]
    return "\n".join(lines)


def text(table):
    """Plain aligned text for the terminal."""
    cells = [[_cell(c) for c in row] for row in [table.header, *table.rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.header))]
    out = [table.title, "-" * len(table.title)]
    for i, row in enumerate(cells):
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    out += table.notes
    return "\n".join(out) + "\n"


def f3(value):
    return None if value is None else f"{value:.3f}"


def pct(value):
    return None if value is None else f"{100 * value:.0f}%"


# -- the tables -------------------------------------------------------------------


def compat_tables(rows):
    out = []
    for row in rows:
        checks = row.get("common_checks")
        if checks is None:
            common = "not run (--quick)"
        elif "error" in checks:
            common = f"cannot run ({checks['error']})"
        else:
            common = f"{checks['passed']}/{checks['checks']}"
            if checks["failed_checks"]:
                common += " (fails: " + ", ".join(checks["failed_checks"]) + ")"
        grid = row["grid_search"]
        if grid == "ok" and row["grid_best"]:
            grid = "ok, best " + ", ".join(
                f"{k}={v}" for k, v in row["grid_best"].items()
            )
        else:
            grid = f"{grid} (over {row['grid_param']})"
        pipeline = row["pipeline"]
        if pipeline == "ok":
            pipeline = f"ok ({row['pipeline_rejected']} rejected)"
        out.append(
            [
                row["library"],
                row["estimator"],
                common,
                row["clone"],
                pipeline,
                grid,
                row["note"],
            ]
        )
    return [
        Table(
            "Compatibility with scikit-learn",
            [
                "Library",
                "Estimator",
                "common checks passed",
                "clone",
                "Pipeline (breast_cancer)",
                "GridSearchCV",
                "Note",
            ],
            out,
            [
                "Common checks: `check_estimator(est, on_fail=None)`; every "
                "estimator is configured to reject (threshold 0.6 or tuned). "
                "`check_classifiers_train` requires predictions among the "
                "training classes, which a reject label is not (scikit-learn "
                "declares the same expected failure for its own "
                "FixedThresholdClassifier). scikit-fallback estimators are "
                'tagged as "rejector", not classifier, so the classifier '
                "checks are not run on them (41 checks instead of 55).",
            ],
        )
    ]


def score_table(datasets, scores):
    by = {(s["dataset"], s["confidence"]): s for s in scores}
    rows = []
    for d in datasets:
        name = d["name"]
        row = [name, d["n_holdout"], d["n_classes"], f3(d["accuracy"])]
        for metric in ("aurc", "e_aurc"):
            row += [
                f"{1000 * by[(name, c)][metric]:.2f}"
                for c in ("max_proba", "margin", "entropy")
            ]
        rows.append(row)
    return Table(
        "AURC and E-AURC of the confidence scores (x 1000, lower is better)",
        [
            "Data set",
            "held-out n",
            "classes",
            "base accuracy",
            "AURC max_proba",
            "AURC margin",
            "AURC entropy",
            "E-AURC max_proba",
            "E-AURC margin",
            "E-AURC entropy",
        ],
        rows,
        [
            "Computed with `selective_clf.metrics.aurc_score` / `e_aurc_score` "
            "on the whole held-out half. Every peer thresholds the top "
            "probability (max_proba) by default, so their rankings and AURC are "
            "the max_proba column; zugzwang also offers margin and entropy, "
            "scikit-fallback a top-2 margin (`ambiguity_threshold`), MAPIE "
            "only the top probability.",
        ],
    )


def _by_method(rows, objective, target):
    sel = [r for r in rows if r["objective"] == objective and r["target"] == target]
    datasets = list(dict.fromkeys(r["dataset"] for r in sel))
    methods = list(dict.fromkeys((r["method"], r["label"]) for r in sel))
    index = {(r["dataset"], r["method"]): r for r in sel}
    return datasets, methods, index


def risk_tables(rows):
    tables = []
    targets = sorted({r["target"] for r in rows if r["objective"] == "risk"})
    for target in targets:
        datasets, methods, index = _by_method(rows, "risk", target)
        out = []
        for key, label in methods:
            cells = [label]
            covs, exceed = [], []
            for d in datasets:
                r = index.get((d, key))
                if r is None:
                    cells.append(None)
                    continue
                covs.append(r["mean_coverage"])
                exceed.append(r["exceed_rate"])
                risk = "–" if r["mean_risk"] is None else f"{r['mean_risk']:.3f}"
                cells.append(f"{r['mean_coverage']:.3f} / {risk}")
            cells += [f3(float(np.mean(covs))), pct(float(np.mean(exceed)))]
            out.append(cells)
        tables.append(
            Table(
                f"Target risk {target}, delta 0.05: test coverage / test "
                "selective risk",
                ["Method", *datasets, "mean coverage", "splits over target"],
                out,
            )
        )
    if tables:
        tables[-1].notes = [
            "Each cell: mean over the calibration/test re-splits of the test "
            "coverage and of the test selective risk (– when nothing was "
            'accepted). "splits over target": share of (data set, split) '
            "pairs whose *test* risk exceeds the target; the test half is "
            "finite, so this is noisy and not the guarantee's failure rate "
            "(see the validity simulation for that). The hand-written "
            "empirical threshold has no guarantee.",
        ]
    return tables


def coverage_tables(rows):
    tables = []
    for target in sorted({r["target"] for r in rows if r["objective"] == "coverage"}):
        datasets, methods, index = _by_method(rows, "coverage", target)
        out = []
        for key, label in methods:
            cells, errors = [label], []
            for d in datasets:
                r = index.get((d, key))
                errors.append(r["coverage_error"])
                cells.append(f"{r['coverage_error']:.3f} ({r['mean_coverage']:.3f})")
            cells.append(f3(float(np.mean(errors))))
            out.append(cells)
        tables.append(
            Table(
                f"Target coverage {target}: mean |test coverage - target| "
                "(mean test coverage)",
                ["Method", *datasets, "mean error"],
                out,
            )
        )
    if tables:
        tables[-1].notes = [
            "MAPIE's row controls the abstention rate with probability 0.95 "
            "(a one-sided, high-probability guarantee), so it over-covers by "
            "design; the others aim at the target itself.",
        ]
    return tables


def cost_tables(rows):
    tables = []
    for target in sorted({r["target"] for r in rows if r["objective"] == "cost"}):
        datasets, methods, index = _by_method(rows, "cost", target)
        out = []
        for key, label in methods:
            cells, costs = [label], []
            for d in datasets:
                r = index[(d, key)]
                costs.append(r["mean_cost"])
                cells.append(f"{1000 * r['mean_cost']:.1f}")
            cells.append(f"{1000 * float(np.mean(costs)):.1f}")
            out.append(cells)
        oracle = [index[(d, methods[0][0])]["oracle_cost"] for d in datasets]
        out.append(
            [
                "oracle (best threshold on the test half)",
                *[f"{1000 * c:.1f}" for c in oracle],
                f"{1000 * float(np.mean(oracle)):.1f}",
            ]
        )
        tables.append(
            Table(
                f"Rejection cost {target}: mean test cost x 1000 (lower is better)",
                ["Method", *datasets, "mean"],
                out,
            )
        )
    if tables:
        tables[-1].notes = [
            "Cost: `rejection_cost_loss` (an error costs 1, a rejection the "
            "given cost) on the test half. zugzwang and MAPIE have no cost "
            "objective. scikit-learn's threshold classifiers cannot abstain: "
            "their best is the no-reject row.",
        ]
    return tables


def validity_tables(rows):
    tables = []
    for scenario in dict.fromkeys(r["scenario"] for r in rows):
        sel = [r for r in rows if r["scenario"] == scenario]
        targets = sorted({r["target_risk"] for r in sel})
        methods = list(dict.fromkeys((r["method"], r["label"]) for r in sel))
        index = {(r["method"], r["target_risk"]): r for r in sel}
        out = []
        for key, label in methods:
            cells = [label]
            for t in targets:
                r = index[(key, t)]
                cells.append(f"{pct(r['violation_rate'])} / {r['mean_coverage']:.3f}")
            out.append(cells)
        out.append(
            [
                "oracle (true risk known)",
                *[
                    f"0% / {index[(methods[0][0], t)]['oracle_coverage']:.3f}"
                    for t in targets
                ],
            ]
        )
        first = sel[0]
        tables.append(
            Table(
                f"Validity, p1 ~ {scenario}, n = {first['n_calibration']} "
                f"calibration samples, {first['repetitions']} repetitions: "
                "violation rate / mean true coverage",
                ["Method", *[f"target {t}" for t in targets]],
                out,
            )
        )
    if tables:
        tables[-1].notes = [
            "A violation is a chosen threshold whose true selective risk "
            "exceeds the target; methods with a 1 - delta guarantee must stay "
            "at or below delta = 5% (Monte Carlo standard error about 1 "
            "point). Coverage is the true (population) coverage; the oracle "
            "knows the posterior.",
        ]
    return tables


def tuning_table(rows):
    bases = list(dict.fromkeys(r["base"] for r in rows))
    tuners = list(dict.fromkeys((r["tuner"], r["fits"]) for r in rows))
    index = {(r["tuner"], r["base"]): r for r in rows}
    out = []
    for tuner, fits in tuners:
        cells = [tuner, fits]
        for b in bases:
            r = index.get((tuner, b))
            cells.append(
                None if r is None else f"{r['seconds']:.2f} s ({r['relative']:.1f}x)"
            )
        out.append(cells)
    first = rows[0]
    return Table(
        f"Tuning time on {first['dataset']} ({first['n_samples']} rows), "
        "model fits included",
        ["Tuner", "what it fits", *bases],
        out,
        [
            "Relative to SelectiveClassifierCV(rejection_cost). The tuners do "
            "different jobs (cost, coverage, certified risk, a binary decision "
            'threshold); the column "what it fits" explains most of the time.'
        ],
    )


def predict_tables(rows, profiles):
    models = list(dict.fromkeys(r["model"] for r in rows))
    out = []
    for m in models:
        for r in (r for r in rows if r["model"] == m):
            target = (
                "" if r["target_ratio"] is None else f" (target {r['target_ratio']}x)"
            )
            out.append(
                [
                    m,
                    r["predictor"],
                    f"{1000 * r['seconds']:.1f}",
                    f"{r['ratio_to_predict_proba']:.2f}x{target}",
                    f"{r['peak_mb']:.1f}",
                    f"{r['extra_proba_copies']:+.2f}",
                ]
            )
    n_rows = rows[0]["n_rows"]
    tables = [
        Table(
            f"predict on {n_rows:,} rows: time (best of repeats) and peak memory",
            [
                "Model",
                "Predictor",
                "ms",
                "vs predict_proba",
                "peak MB (tracemalloc)",
                "extra probability copies",
            ],
            out,
            [
                '"extra probability copies": (peak of the call - peak of the bare '
                "predict_proba) / size of the probability matrix; the target for "
                "selective_clf is at most +1."
            ],
        )
    ]
    by = {(r["model"], r["predictor"]): r for r in rows}
    steps = list(dict.fromkeys(s for p in profiles for s in p["seconds"]))
    prof_rows = [
        [
            "response: predict_proba",
            *[
                f"{1000 * by[(p['model'], 'bare predict_proba')]['seconds']:.1f}"
                for p in profiles
            ],
        ],
        *[[s, *[f"{1000 * p['seconds'][s]:.1f}" for p in profiles]] for s in steps],
        [
            "full SelectiveClassifier.predict",
            *[
                f"{1000 * by[(p['model'], 'selective_clf predict')]['seconds']:.1f}"
                for p in profiles
            ],
        ],
    ]
    tables.append(
        Table(
            "Where SelectiveClassifier.predict spends its time (ms)",
            ["Step", *[p["model"] for p in profiles]],
            prof_rows,
            [
                "The top-class rows are alternatives (the first is what a "
                "hand-written mask does); predict uses one of them, then "
                "assembles y_pred."
            ],
        )
    )
    return tables


def sweep_table(rows):
    kernels = list(dict.fromkeys(k for r in rows for k in r["seconds"]))
    out = [
        [
            r["n_classes"],
            r["order"],
            *[f"{1000 * r['seconds'][k]:.1f}" for k in kernels],
        ]
        for r in rows
    ]
    return Table(
        f"Top-class kernels on {rows[0]['n_rows']:,} rows of random "
        "probabilities (ms, best of repeats)",
        ["classes", "memory order", *kernels],
        out,
        [
            "C order: what LogisticRegression returns; F order: what "
            "HistGradientBoostingClassifier returns."
        ],
        docs=False,
    )
