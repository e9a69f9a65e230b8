"""Command line: ``python -m selective_clf demo``.

Fits a model with a reject option on a dataset bundled with scikit-learn (or a
CSV file), prints what abstaining buys at several thresholds, and writes the
risk–coverage plot as a PNG.
"""

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

BUNDLED = ("digits", "breast_cancer", "wine", "iris")
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
TARGET_RISKS = (0.005, 0.01, 0.02, 0.05)


class CLIError(Exception):
    """An input problem reported to the user as one line, without traceback."""


def _progress(message):
    print(message, file=sys.stderr, flush=True)


def _load_bundled(name):
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    return bunch.data, bunch.target, name


def _load_csv(path, target):
    """Read a CSV file with a header row: numeric features and a target column."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"no such file: {path}")
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if len(rows) < 2:
        raise CLIError(f"{path} has no data rows under its header")
    header, body = rows[0], rows[1:]
    if target is None:
        raise CLIError(f"--target is required with a CSV file; columns: {header}")
    if target not in header:
        raise CLIError(f"unknown target column {target!r}; columns: {header}")
    widths = {len(row) for row in body}
    if widths != {len(header)}:
        raise CLIError(f"{path}: rows do not all have {len(header)} fields")
    target_index = header.index(target)
    y = np.array([row[target_index] for row in body])
    columns = []
    for j, name in enumerate(header):
        if j == target_index:
            continue
        values = [row[j].strip() for row in body]
        try:
            columns.append(
                [float(v) if v not in ("", "NA") else np.nan for v in values]
            )
        except ValueError:
            bad = next(v for v in values if not _is_float(v))
            raise CLIError(
                f"feature column {name!r} is not numeric (e.g. {bad!r}); encode it "
                "or drop it"
            ) from None
    if not columns:
        raise CLIError(f"{path} has no feature columns besides {target!r}")
    X = np.array(columns, dtype=float).T
    try:  # numeric targets stay numeric
        y = y.astype(float)
        if np.all(y == np.round(y)):
            y = y.astype(int)
    except ValueError:
        pass
    return X, y, path.name


def _is_float(value):
    try:
        float(value)
    except ValueError:
        return value in ("", "NA")
    return True


def _format_row(cells, widths):
    return "  ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True))


def run_demo(data="digits", target=None, output="risk_coverage.png", seed=0):
    """Fit, print the risk–coverage table, write the plot; return the table rows."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ._classifier import SelectiveClassifier
    from ._counting import coverage_and_risk_at
    from .metrics import aurc_score, coverage_at_risk, e_aurc_score

    if data in BUNDLED:
        X, y, name = _load_bundled(data)
    else:
        X, y, name = _load_csv(data, target)
    from sklearn.utils.multiclass import type_of_target

    if type_of_target(y) not in ("binary", "multiclass"):
        raise CLIError(
            f"the target looks {type_of_target(y)}, not like class labels; the demo "
            "needs a classification target"
        )
    classes, counts = np.unique(y, return_counts=True)
    if classes.shape[0] < 2:
        raise CLIError(f"the target has a single class ({classes[0]!r}); need two+")
    if counts.min() < 2:
        raise CLIError(
            f"class {classes[counts.argmin()]!r} has a single sample; every class "
            "needs at least two to hold some out for testing"
        )

    print(
        f"data: {name}: {X.shape[0]} samples, {X.shape[1]} features, "
        f"{classes.shape[0]} classes"
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    model = make_pipeline(
        SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=2000)
    )
    start = time.perf_counter()
    _progress(f"fitting on {len(y_train)} samples ...")
    clf = SelectiveClassifier(model).fit(X_train, y_train)
    _progress(f"fitted in {time.perf_counter() - start:.1f} s")
    print(
        f"model: SelectiveClassifier(SimpleImputer + StandardScaler + "
        f"LogisticRegression); evaluated on {len(y_test)} held-out samples\n"
    )

    # One pass of the reject rule; every operating point is counted from it.
    decision = clf._decide(X_test)
    confidence = decision.confidence
    y_base = np.asarray(clf.classes_).take(decision.class_index)
    errors = y_base != np.asarray(y_test)
    widths = (9, 8, 13, 9, 8)
    print(
        _format_row(
            ("threshold", "coverage", "sel. accuracy", "sel. risk", "rejected"), widths
        )
    )
    rows = []
    table_thresholds = (None, *THRESHOLDS)
    coverages, risks = coverage_and_risk_at(
        confidence,
        errors,
        [-np.inf if t is None else t for t in table_thresholds],
    )
    for threshold, cov, risk in zip(table_thresholds, coverages, risks, strict=True):
        n_rejected = int(round((1.0 - cov) * len(y_test)))
        rows.append((threshold, float(cov), float(risk), n_rejected))
        print(
            _format_row(
                (
                    "none" if threshold is None else f"{threshold:.2f}",
                    f"{cov:.3f}",
                    "-" if np.isnan(risk) else f"{1 - risk:.3f}",
                    "-" if np.isnan(risk) else f"{risk:.3f}",
                    n_rejected,
                ),
                widths,
            )
        )

    print("\nlargest coverage at a target selective risk (on the test set):")
    for target_risk in TARGET_RISKS:
        cov = coverage_at_risk(y_test, y_base, confidence, target_risk)
        where = "" if cov > 0 else "  (no threshold reaches it)"
        print(f"  risk <= {target_risk:<6} coverage {cov:.3f}{where}")
    aurc = aurc_score(y_test, y_base, confidence)
    e_aurc = e_aurc_score(y_test, y_base, confidence)
    print(f"\nAURC {aurc:.4f}   E-AURC {e_aurc:.4f}   (lower is better)")

    if output:
        _write_plot(clf, X_test, y_test, output)
    return rows


def _write_plot(clf, X_test, y_test, output):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        _progress(
            "matplotlib is not installed, so no plot was written; install it with "
            "pip install 'selective-clf[plot]'"
        )
        return
    from ._plot import RiskCoverageDisplay

    fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
    RiskCoverageDisplay.from_estimator(
        clf.set_params(threshold=0.9), X_test, y_test, ax=ax, plot_oracle=True
    )
    ax.set_title("Risk–coverage on held-out data")
    fig.savefig(output, dpi=120)
    plt.close(fig)
    print(f"plot written to {output}")


def main(argv=None):
    """Entry point of ``python -m selective_clf``."""
    parser = argparse.ArgumentParser(
        prog="python -m selective_clf",
        description="Classifiers that can say 'I don't know'.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="fit a model with a reject option and show what abstaining buys",
    )
    demo.add_argument(
        "--data",
        default="digits",
        help=f"a dataset bundled with scikit-learn ({', '.join(BUNDLED)}) or the "
        "path of a CSV file with a header row (default: digits)",
    )
    demo.add_argument("--target", help="target column of the CSV file")
    demo.add_argument(
        "--output",
        default="risk_coverage.png",
        help="where to write the risk–coverage plot (PNG); '' for none",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed of the split")
    args = parser.parse_args(argv)
    try:
        run_demo(args.data, target=args.target, output=args.output, seed=args.seed)
    except (CLIError, ValueError, OSError) as exc:
        # one line, no traceback: the message names the problem
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    return 0
