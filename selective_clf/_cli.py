"""Command line: ``python -m selective_clf demo | certify | monitor``.

``demo`` fits a model with a reject option on a dataset bundled with
scikit-learn (or a CSV file), prints what abstaining buys at several
thresholds, and writes the risk–coverage plot as a PNG. ``certify`` certifies
the threshold of a saved model on a labelled CSV file and writes its
certificate as JSON; ``monitor`` replays labelled decisions through the
monitors of that certificate and says when they would have alarmed.
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


# -- certify and monitor -------------------------------------------------------


def _load_model(path):
    """Load a fitted classifier saved with pickle/joblib or skops (``.skops``)."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"no such model file: {path}")
    if path.suffix == ".skops":
        try:
            import skops.io as sio
        except ImportError:
            raise CLIError(
                f"{path} is a skops file and skops is not installed: pip install skops"
            ) from None
        untrusted = sio.get_untrusted_types(file=path)
        if untrusted:
            _progress(
                f"note: {path.name} holds types skops does not trust by default "
                f"({', '.join(untrusted)}); loading them because you chose the "
                "file"
            )
        model = sio.load(path, trusted=untrusted)
    else:
        import pickle

        try:
            with path.open("rb") as handle:
                model = pickle.load(handle)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise CLIError(
                f"{path} is not a pickled model ({type(exc).__name__}: {exc}); "
                "save it with pickle.dump or joblib.dump, or as .skops"
            ) from None
    if not hasattr(model, "classes_"):
        raise CLIError(
            f"{path} holds a {type(model).__name__}, not a fitted classifier (no "
            "classes_)"
        )
    if not (hasattr(model, "predict_proba") or hasattr(model, "decision_function")):
        raise CLIError(
            f"{path} holds a {type(model).__name__}, which has neither "
            "predict_proba nor decision_function: no confidence to threshold. "
            "Wrap it in CalibratedClassifierCV, or save a model that scores"
        )
    return model


def _header(path):
    if not Path(path).exists():
        raise CLIError(f"no such data file: {path}")
    path = _check_path(path)
    with path.open(newline="", encoding="utf-8") as handle:
        return [name.strip() for name in next(csv.reader(handle), [])]


def _check_columns(header, path, **columns):
    for option, column in columns.items():
        if column is not None and column not in header:
            raise CLIError(
                f"unknown {option} column {column!r} in {path}; columns: {header}"
            )


def _read_columns(path, columns):
    """Read whole columns of a CSV file as stripped strings."""
    path = _check_path(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        index = [header.index(c) for c in columns]
        values = [[] for _ in columns]
        for row in reader:
            if not row:
                continue
            for out, j in zip(values, index, strict=True):
                out.append(row[j].strip())
    return [np.array(v, dtype=str) for v in values]


def _labels(cells):
    """Labels as the demo reads them: numbers when all are, ints when whole."""
    try:
        y_float = cells.astype(float)
    except ValueError:
        return cells
    if np.all(y_float == np.round(y_float)):
        return y_float.astype(int)
    return y_float


def _replay_from_column(data, target, prediction, reject_label):
    """Rejected mask, and errors of the accepted labelled rows with their rows."""
    from ._validation import prediction_errors

    truth, predicted = _read_columns(data, [target, prediction])
    if reject_label is None or (
        isinstance(reject_label, float) and np.isnan(reject_label)
    ):
        rejected = np.isin(predicted, _MISSING)
    else:
        rejected = predicted == str(reject_label)
        if not rejected.any() and isinstance(reject_label, int | float):
            # "-1.0" or "-1": compare as numbers where the cells are numbers
            numeric = np.array([_as_float(c) for c in predicted])
            rejected = numeric == float(reject_label)
    labelled = ~np.isin(truth, _MISSING)
    rows = np.flatnonzero(labelled & ~rejected)
    errors = prediction_errors(_labels(truth[rows]), _labels(predicted[rows]))
    return rejected, rows, errors


def _as_float(cell):
    try:
        return float(cell)
    except ValueError:
        return np.nan


def _features(path, target, model):
    """Feature matrix of a CSV file for ``model`` (by name when it has names)."""
    header = _header(path)
    X, y, _ = _load_csv(path, target)
    names = [c for c in header if c != target]
    expected = getattr(model, "feature_names_in_", None)
    if expected is not None:
        missing = [c for c in expected if c not in names]
        if missing:
            raise CLIError(
                f"{path} lacks the model's feature columns {missing}; columns: {header}"
            )
        X = X[:, [names.index(c) for c in expected]]
        try:
            import pandas as pd
        except ImportError:
            pass
        else:
            X = pd.DataFrame(X, columns=list(expected))
    elif getattr(model, "n_features_in_", X.shape[1]) != X.shape[1]:
        raise CLIError(
            f"{path} has {X.shape[1]} feature columns, the model expects "
            f"{model.n_features_in_}"
        )
    return X, y


def run_certify(
    model,
    data,
    target,
    target_risk,
    *,
    delta=0.05,
    method="ltt_graph",
    output=None,
):
    """Certify a saved model on a labelled CSV file; return its certificate."""
    import warnings

    from sklearn.frozen import FrozenEstimator

    from ._certificate import hash_file
    from ._tuning import SelectiveClassifierCV
    from .exceptions import GuaranteeWarning

    _check_columns(_header(data), data, target=target)
    estimator = _load_model(model)
    X, y = _features(data, target, estimator)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GuaranteeWarning)
        clf = SelectiveClassifierCV(
            FrozenEstimator(estimator),
            target_risk=target_risk,
            delta=delta,
            method=method,
        ).fit(X, y)
    for warning in caught:
        _progress(f"warning: {warning.message}")
    import dataclasses

    certificate = dataclasses.replace(clf.certificate_, model_hash=hash_file(model))
    print(certificate)
    if output:
        Path(output).write_text(certificate.to_json(indent=2) + "\n", encoding="utf-8")
        print(f"certificate written to {output}")
    return certificate


def _read_certificate(path):
    from ._certificate import Certificate

    path = Path(path)
    if not path.is_file():
        raise CLIError(f"no such certificate file: {path}")
    try:
        return Certificate.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, TypeError) as exc:
        raise CLIError(f"{path} is not a certificate: {exc}") from None


def _decisions(model_path, certificate, data, target):
    """Predictions with rejection of the certified model on a CSV file."""
    from sklearn.frozen import FrozenEstimator

    from ._certificate import hash_file
    from ._classifier import SelectiveClassifier

    digest = hash_file(model_path)
    if certificate.model_hash is not None and digest != certificate.model_hash:
        raise CLIError(
            f"{model_path} is not the model the certificate describes (its sha256 "
            f"{digest[:16]} differs from the certificate's "
            f"{certificate.model_hash[:16]}); certify this model first"
        )
    model = _load_model(model_path)
    X, y = _features(data, target, model)
    threshold = np.broadcast_to(
        np.asarray(certificate.threshold, dtype=float), (len(model.classes_),)
    )
    clf = SelectiveClassifier(
        FrozenEstimator(model),
        threshold=np.where(
            np.isfinite(threshold), threshold, np.sign(threshold) * 1e300
        ),
        confidence=certificate.confidence,
        response_method=certificate.response_method,
        reject_label=certificate.reject_label,
    ).fit(X, y)
    from ._validation import equals_label, prediction_errors

    y_pred = clf.predict(X)
    rejected = equals_label(y_pred, certificate.reject_label)
    rows = np.flatnonzero(~rejected)
    return rejected, rows, prediction_errors(y[rows], y_pred[rows])


def run_monitor(certificate, data, target, *, prediction=None, model=None, alpha=0.05):
    """Replay labelled decisions through the monitors; return them."""
    from .monitor import AcceptanceMonitor, RiskMonitor

    cert = _read_certificate(certificate)
    header = _header(data)
    _check_columns(header, data, target=target, prediction=prediction)
    if (prediction is None) == (model is None):
        raise CLIError("pass exactly one of --prediction COLUMN and --model FILE")
    if prediction is not None:
        rejected, rows, errors = _replay_from_column(
            data, target, prediction, cert.reject_label
        )
    else:
        rejected, rows, errors = _decisions(model, cert, data, target)
    risk = RiskMonitor.from_certificate(cert, alpha=alpha)
    acceptance = AcceptanceMonitor.from_certificate(cert, alpha=alpha)
    # batched updates; the monitors still find the exact row of an alarm
    acceptance.update(rejected=rejected)
    risk.update_errors(errors)
    print(f"certificate: {cert.objective} = {cert.target}, threshold {cert.threshold}")
    print(
        f"replayed {len(rejected)} decisions ({int((~rejected).sum())} accepted, "
        f"{len(rows)} of them labelled), alpha {alpha}"
    )
    lo, hi = risk.risk_interval_
    print(
        f"selective risk: {risk.risk_:.4f} on {risk.n_seen_} accepted labelled rows "
        f"(anytime {1 - alpha:.0%} interval [{lo:.4f}, {hi:.4f}]); target "
        f"{risk.target_risk}"
    )
    if risk.alarm_:
        row = int(rows[risk.alarm_at_ - 1]) + 1
        print(
            f"RISK ALARM at data row {row} (accepted labelled decision "
            f"{risk.alarm_at_}): the selective risk exceeds {risk.target_risk}"
        )
    else:
        print("risk monitor: no alarm")
    lo, hi = acceptance.acceptance_range_
    print(
        f"acceptance rate: {acceptance.acceptance_rate_:.4f} (certified range "
        f"[{lo:.4f}, {hi:.4f}])"
    )
    if acceptance.alarm_:
        print(
            f"ACCEPTANCE ALARM at data row {acceptance.alarm_at_}: the acceptance "
            f"rate is too {acceptance.direction_}"
        )
    else:
        print("acceptance monitor: no alarm")
    return risk, acceptance


def _prog():
    """Return the name the program was started by, for --help and --version."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if name in ("", "__main__.py", "-c") or name.startswith("python"):
        return "python -m selective_clf"
    return name


def main(argv=None):
    """Entry point of ``python -m selective_clf``."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="Classifiers that can say 'I don't know'.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
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
    _add_certify_parser(sub)
    _add_monitor_parser(sub)
    args = parser.parse_args(argv)
    try:
        if args.command == "certify":
            certificate = run_certify(
                args.model,
                args.data,
                args.target,
                args.target_risk,
                delta=args.delta,
                method=args.method,
                output=args.output,
            )
            return 0 if certificate.feasible else 1
        if args.command == "monitor":
            risk, acceptance = run_monitor(
                args.certificate,
                args.data,
                args.target,
                prediction=args.prediction,
                model=args.model,
                alpha=args.alpha,
            )
            return 1 if (risk.alarm_ or acceptance.alarm_) else 0
        run_demo(args.data, target=args.target, output=args.output, seed=args.seed)
    except (CLIError, ValueError, OSError) as exc:
        # one line, no traceback: the message names the problem
        print(f"error: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    return 0


def _add_certify_parser(sub):
    certify = sub.add_parser(
        "certify",
        help="certify the reject threshold of a saved model on a labelled CSV "
        "file and write its certificate",
        description="Wrap a saved fitted classifier in FrozenEstimator, certify "
        "target_risk on a labelled CSV file (calibration rows the model never "
        "saw), print the certificate and write it as JSON. Exit status 1 when "
        "the target cannot be certified.",
    )
    certify.add_argument(
        "--model",
        required=True,
        metavar="FILE",
        help="a fitted classifier saved with pickle/joblib, or with skops (.skops)",
    )
    certify.add_argument(
        "--data",
        required=True,
        metavar="CSV",
        help="calibration rows: a comma-separated file with a header row",
    )
    certify.add_argument(
        "--target", required=True, metavar="COLUMN", help="the label column"
    )
    certify.add_argument(
        "--target-risk",
        required=True,
        type=float,
        metavar="R",
        help="the selective risk to certify, in (0, 1)",
    )
    certify.add_argument(
        "--delta",
        type=float,
        default=0.05,
        metavar="D",
        help="allowed probability that the bound fails (default: 0.05)",
    )
    certify.add_argument(
        "--method",
        default="ltt_graph",
        help="certification method (default: ltt_graph)",
    )
    certify.add_argument(
        "--output", metavar="JSON", help="where to write the certificate"
    )


def _add_monitor_parser(sub):
    monitor = sub.add_parser(
        "monitor",
        help="replay labelled decisions through the monitors of a certificate "
        "and say when they would have alarmed",
        description="Read decisions in file order (the --prediction column, or "
        "the predictions of --model with the certified threshold) and feed the "
        "anytime-valid risk and acceptance monitors. With --prediction, rows "
        "with an empty or NA label count for the acceptance monitor only (with "
        "--model they are dropped). Exit status 1 on an alarm.",
    )
    monitor.add_argument(
        "--certificate", required=True, metavar="JSON", help="from certify"
    )
    monitor.add_argument("--data", required=True, metavar="CSV", help="decisions")
    monitor.add_argument(
        "--target", required=True, metavar="COLUMN", help="the label column"
    )
    monitor.add_argument(
        "--prediction",
        metavar="COLUMN",
        help="the column of predictions (the certificate's reject label for "
        "rejected rows)",
    )
    monitor.add_argument(
        "--model",
        metavar="FILE",
        help="the certified model file, to predict instead of --prediction",
    )
    monitor.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="bound on the probability of a false alarm, ever (default: 0.05)",
    )
