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


def _label(value):
    """Show a label as the user wrote it: ``'low'``, not ``np.str_('low')``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


# Target cells that mean "no label": their rows are dropped.
_MISSING = ("", "NA", "N/A", "NaN", "nan", "null", "None")


def _check_path(path):
    """Return a readable, non-empty regular file, or raise a one-line CLIError."""
    path = Path(path)
    if path.is_dir():
        raise CLIError(f"{path} is a directory; pass a CSV file")
    if not path.is_file():
        raise CLIError(
            f"no such file: {path} (bundled data sets: {', '.join(BUNDLED)})"
        )
    if path.stat().st_size == 0:
        raise CLIError(f"{path} is empty: expected a header row and data rows")
    return path


def _read_header(reader, path, target):
    header = [name.strip() for name in next(reader, [])]
    if target is None:
        raise CLIError(f"--target is required with a CSV file; columns: {header}")
    if len(header) == 1 and ";" in header[0]:
        raise CLIError(
            f"{path} has a single column {header[0]!r}: it looks separated by "
            "semicolons; the demo reads comma-separated files (save it as CSV "
            "with ',' between fields and '.' as decimal point)"
        )
    if target not in header:
        raise CLIError(f"unknown target column {target!r}; columns: {header}")
    if len(header) < 2:
        raise CLIError(f"{path} has no feature columns besides {target!r}")
    return header


def _load_csv(path, target, progress_every=1.0):
    """Read a CSV file with a header row: numeric features and a target column.

    The file is streamed: the features go row by row into one flat float
    buffer (8 bytes a value) and the labels into a list, so memory stays a
    small multiple of the file's size. Rows whose target cell is empty or
    ``NA`` are dropped with a note.
    """
    from array import array

    path = _check_path(path)
    values = array("d")
    labels = []
    n_missing_target = 0
    last_report = start = time.perf_counter()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = _read_header(reader, path, target)
            target_index = header.index(target)
            n_fields = len(header)
            for row in reader:
                if len(row) != n_fields:
                    if not row:  # a blank line
                        continue
                    raise CLIError(
                        f"{path}: line {reader.line_num} has {len(row)} fields, "
                        f"the header {n_fields}; rows do not all have {n_fields} "
                        "fields"
                    )
                label = row[target_index].strip()
                if label in _MISSING:
                    n_missing_target += 1
                    continue
                labels.append(label)
                for j, cell in enumerate(row):
                    if j != target_index:
                        values.append(_to_float(cell, header[j]))
                now = time.perf_counter()
                if now - last_report >= progress_every:
                    last_report = now
                    _progress(f"reading {path.name}: {len(labels)} rows ...")
    except UnicodeDecodeError as exc:
        raise CLIError(
            f"{path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
            f"offset {exc.start} of a chunk); save it as UTF-8"
        ) from None
    if time.perf_counter() - start >= progress_every:
        _progress(f"read {len(labels)} rows in {time.perf_counter() - start:.1f} s")
    if n_missing_target:
        _progress(
            f"note: dropped {n_missing_target} rows whose {target!r} cell is empty "
            "or NA"
        )
    if not labels:
        raise CLIError(f"{path} has no data rows with a {target!r} value")
    X = np.frombuffer(values, dtype=np.float64).reshape(len(labels), n_fields - 1)
    y = np.array(labels)
    try:  # numeric targets stay numeric
        y_float = y.astype(float)
    except ValueError:
        pass
    else:
        y = y_float.astype(int) if np.all(y_float == np.round(y_float)) else y_float
    return X, y, path.name


def _to_float(cell, column):
    try:
        return float(cell)
    except ValueError:
        if cell.strip() in _MISSING:
            return np.nan
        hint = (
            " (a decimal comma? the demo needs '.' as decimal point)"
            if "," in cell
            else "; encode it or drop it"
        )
        raise CLIError(
            f"feature column {column!r} is not numeric (e.g. {cell!r}){hint}"
        ) from None


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
    from ._decision import decide_fitted
    from .metrics import aurc_score, coverage_at_risk, e_aurc_score

    if data in BUNDLED:
        if target is not None:
            raise CLIError(
                f"--target is for CSV files; the bundled data set {data!r} comes "
                "with its own target (drop --target, or pass a CSV file)"
            )
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
        raise CLIError(
            f"the target has a single class ({_label(classes[0])}); need two+"
        )
    if counts.min() < 2:
        raise CLIError(
            f"class {_label(classes[counts.argmin()])} has a single sample; every "
            "class "
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
    decision = decide_fitted(clf, X_test, thresholds=None)
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
        _write_plot(clf, X_test, y_test, _png_path(output))
    return rows


PLOT_THRESHOLD = 0.9


def _png_path(output):
    """``dir/`` -> ``dir/risk_coverage.png``; ``name`` -> ``name.png``."""
    path = Path(output)
    if output.endswith(("/", "\\")) or path.is_dir():
        return path / "risk_coverage.png"
    if path.suffix.lower() != ".png":
        return path.with_name(path.name + ".png")
    return path


def _write_plot(clf, X_test, y_test, output):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        _progress(
            "matplotlib is not installed, so no plot was written; install it with "
            "pip install matplotlib (from a selective_clf checkout: "
            "pip install '.[plot]')"
        )
        return
    from ._plot import RiskCoverageDisplay

    if not output.parent.is_dir():
        raise CLIError(f"cannot write {output}: no directory {output.parent}")
    fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
    display = RiskCoverageDisplay.from_estimator(
        clf.set_params(threshold=PLOT_THRESHOLD),
        X_test,
        y_test,
        ax=ax,
        plot_oracle=True,
    )
    if display.operating_point_ is not None:
        cov, risk = display.operating_point
        display.operating_point_.set_label(
            f"threshold {PLOT_THRESHOLD}: coverage {cov:.2f}, risk {risk:.3f}"
        )
        ax.legend()
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
        metavar="NAME_OR_FILE",
        help=f"a dataset bundled with scikit-learn ({', '.join(BUNDLED)}) or the "
        "path of a comma-separated file with a header row (default: digits)",
    )
    demo.add_argument(
        "--target",
        metavar="COLUMN",
        help="column of the CSV file holding the class labels; rows where it is "
        "empty or NA are dropped (required with a file; none with a bundled set)",
    )
    demo.add_argument(
        "--output",
        default="risk_coverage.png",
        metavar="PNG",
        help="where to write the risk–coverage plot: a .png path (.png is "
        "appended if missing), or a directory to write risk_coverage.png in; "
        "'' for no plot (default: risk_coverage.png)",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed of the train/test split (default: 0)",
    )
    args = parser.parse_args(argv)
    try:
        run_demo(args.data, target=args.target, output=args.output, seed=args.seed)
    except (CLIError, ValueError, OSError) as exc:
        # one line, no traceback: the message names the problem
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    return 0
