"""Calibration on Dask collections: decisions block by block, X never gathered.

Opt-in: :class:`~selective_clf.SelectiveClassifierCV` imports this module
only when ``fit`` receives a Dask collection, so ``import selective_clf``
never imports Dask. The model must be fitted elsewhere and passed as
``FrozenEstimator(model)``: every row is calibration data, and each block
of rows is decided by :func:`selective_clf._oof.fit_and_collect` (so by
the reject rule of :mod:`selective_clf._decision`), exactly as the rows of
an in-memory fit. Two ways to bring the results back:

- **per-row vectors** (:func:`collect_decisions`): one confidence, one
  predicted label and one error flag per row are gathered (17 bytes a row
  for integer labels), and the in-memory ``choose_*`` of
  :mod:`selective_clf._objectives` runs on them, so every fitted attribute
  is the one of the in-memory fit on the same rows;
- **counts on a grid** (:func:`collect_counts`, ``target_risk`` with a
  ``thresholds`` grid): each block returns its accepted and error counts at
  every grid threshold, per predicted class
  (:func:`selective_clf._counting.grid_counts`), which are summed in a tree:
  memory does not depend on the number of rows. An int ``thresholds`` is
  turned into a grid of quantiles of the confidences (labels unseen) by a
  first pass.

Computations run on Dask's current scheduler (threads by default, a
``distributed.Client`` when one is active) and show the progress bars of
``dask.diagnostics.ProgressBar`` or ``distributed.progress``.
"""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
import uuid

import dask
import dask.array as da
import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ._compat import _check_sample_weight
from ._counting import grid_counts, merge_grid_counts
from ._decision import _encode, is_frozen
from ._objectives import make_grid
from ._oof import fit_and_collect
from ._validation import check_fit_target, prediction_errors
from .exceptions import _warn

#: Number of partition counts summed by one task of the tree reduction.
_SPLIT_EVERY = 8

#: Quantiles of the confidences each block returns for the default grid.
_BLOCK_QUANTILES = 1000


def check_supported(clf, objective, base):
    """Refuse what calibration on Dask collections does not do, saying why."""
    if not is_frozen(base):
        raise TypeError(
            "SelectiveClassifierCV calibrates on Dask collections only a model "
            "fitted elsewhere, passed as FrozenEstimator(model): fitting one per "
            f"fold of out-of-core data is not supported (got {type(base).__name__})."
            " Train the model on a sample that fits in memory (e.g. "
            "X.sample(frac=0.01).compute() for a Dask DataFrame), then calibrate "
            "SelectiveClassifierCV(FrozenEstimator(model), ...).fit(X, y) on all "
            "of the data (rows the model never saw, for a risk guarantee)."
        )
    try:
        check_is_fitted(base.estimator)
    except Exception as exc:  # NotFittedError, or a model that is no estimator
        raise TypeError(
            f"FrozenEstimator wraps an unfitted {type(base.estimator).__name__}: "
            "on Dask collections the model is only calibrated. Fit it on an "
            "in-memory sample first, then pass FrozenEstimator(model)."
        ) from exc
    if objective == "scoring":
        raise ValueError(
            "scoring is not supported on Dask collections: a scorer needs every "
            "prediction and label in memory. Use rejection_cost, "
            "target_coverage or target_risk, or compute X and y first."
        )
    if clf.novelty_detector is not None:
        raise ValueError(
            "novelty_detector is not supported on Dask collections. Calibrate "
            "without it, or on an in-memory sample."
        )


def uses_counts(clf, objective):
    """Whether to certify from grid counts (bounded memory) or per-row vectors.

    Counts when the objective is ``target_risk`` and ``thresholds`` is a
    grid (an array, or an int for quantiles of the confidences); with
    ``"auto"`` (every distinct confidence) the per-row vectors are gathered.
    """
    return objective == "target_risk" and not isinstance(clf.thresholds, str)


def _is_frame(obj):
    """Whether ``obj`` is a Dask DataFrame or Series (without importing them)."""
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(obj, (dd.DataFrame, dd.Series))


class Blocks:
    """Aligned delayed row blocks of ``X``, ``y`` and ``sample_weight``."""

    def __init__(self, X, y, sample_weight):
        if not dask.is_dask_collection(X):
            raise TypeError(
                f"y or sample_weight is a Dask collection but X is a "
                f"{type(X).__name__}: pass X as a Dask array or DataFrame too, or "
                "compute y and sample_weight."
            )
        if isinstance(X, da.Array):
            if X.ndim != 2:
                raise ValueError(
                    f"X must be a 2-D Dask array (rows, features); got {X.ndim} "
                    "dimensions."
                )
            X = X.rechunk({1: -1})  # whole rows in every block
            row_chunks = X.chunks[0]
            self.X = list(X.to_delayed()[:, 0])
        elif _is_frame(X) and X.ndim == 2:
            row_chunks = None  # unknown until computed
            self.X = list(X.to_delayed())
        else:
            raise TypeError(
                f"X is a {type(X).__name__}; on Dask, X must be a Dask array or a "
                "Dask DataFrame."
            )
        self.y = self._align(y, "y", row_chunks)
        self.sample_weight = (
            [None] * len(self.X)
            if sample_weight is None
            else self._align(sample_weight, "sample_weight", row_chunks)
        )

    def _align(self, values, name, row_chunks):
        """Split ``values`` into blocks of the rows of ``X``."""
        n_blocks = len(self.X)
        if isinstance(values, da.Array):
            if name == "y" and values.ndim == 2 and values.shape[1] == 1:
                _warn(
                    "A column-vector y was passed when a 1d array was expected. "
                    "Please change the shape of y to (n_samples, ), for example "
                    "using ravel().",
                    DataConversionWarning,
                )
                values = values[:, 0]
            if values.ndim != 1:
                raise ValueError(
                    f"{name} must be 1-D; got a Dask array of shape {values.shape}."
                )
            if row_chunks is not None and not np.isnan(sum(row_chunks)):
                n_rows = sum(row_chunks)
                if values.shape[0] != n_rows:
                    raise ValueError(
                        f"{name} has {values.shape[0]} rows but X has {n_rows}."
                    )
                if values.chunks[0] != row_chunks:
                    values = values.rechunk({0: row_chunks})
            blocks = list(values.to_delayed())
        elif _is_frame(values):
            blocks = list(values.to_delayed())
        elif row_chunks is not None and not np.isnan(sum(row_chunks)):
            values = np.asarray(values)
            if values.shape[0] != sum(row_chunks):
                raise ValueError(
                    f"{name} has {values.shape[0]} rows but X has {sum(row_chunks)}."
                )
            bounds = np.cumsum((0, *row_chunks))
            blocks = [values[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        else:
            raise TypeError(
                f"X is a Dask DataFrame and {name} a {type(values).__name__}: give "
                f"{name} as a Dask Series with the same partitions (e.g. "
                "y = df['label'], X = df.drop(columns='label'))."
            )
        if len(blocks) != n_blocks:
            raise ValueError(
                f"X has {n_blocks} partitions but {name} has {len(blocks)}: give "
                f"{name} with the partitions of X (e.g. y = df['label'] from the "
                "same DataFrame, or y.rechunk(X.chunks[0]) for arrays)."
            )
        return blocks

    def map(self, function, *args):
        """One delayed ``function(X_block, y_block, w_block, *args)`` per block."""
        call = dask.delayed(function, pure=True)
        return [
            call(x, y, w, *args)
            for x, y, w in zip(self.X, self.y, self.sample_weight, strict=True)
        ]


def gather(values):
    """Compute a Dask collection (a DataFrame stays a pandas DataFrame)."""
    if dask.is_dask_collection(values):
        return dask.compute(values)[0]
    return values


def _model(clf):
    """Wrap the frozen model in one task: sent once, not once per block."""
    return dask.delayed(
        clf.estimator_,
        name=f"selective-clf-model-{uuid.uuid4().hex}",
        traverse=False,
    )


def _decide_block(X, y, sample_weight, estimator, response_method, confidence):
    """Decisions on one block, by the in-memory fold code; checked labels."""
    n_rows = X.shape[0]
    fold = fit_and_collect(
        estimator,
        X,
        None,
        train=None,
        val=np.arange(n_rows),
        fit_params={},
        response_method=response_method,
        confidence=confidence,
    )
    y = np.asarray(y)
    if y.shape[0] != n_rows:
        raise ValueError(
            f"A block of X has {n_rows} rows and the matching block of y "
            f"{y.shape[0]}: X and y must have the same partitions."
        )
    check_fit_target(y, "SelectiveClassifierCV")
    weights = None
    if sample_weight is not None:
        weights = _check_sample_weight(np.asarray(sample_weight), y)
    return fold.confidence, fold.y_pred, prediction_errors(y, fold.y_pred), weights


def collect_decisions(clf, blocks):
    """Gather the per-row confidences, predictions and errors of every block.

    Returns the out-of-fold Bunch of the in-memory fit (``y_true`` is not
    gathered: no objective on Dask reads it).
    """
    parts = dask.compute(
        *blocks.map(_decide_block, _model(clf), clf.response_method_, clf.confidence)
    )
    confidence, y_pred, errors, weights = (
        list(column) for column in zip(*parts, strict=True)
    )
    weights = None if weights[0] is None else np.concatenate(weights)
    if weights is not None and (weights < 0).any():
        raise ValueError(
            "sample_weight must be non-negative: a negative weight has no "
            "meaning for a cost or a score."
        )
    return Bunch(
        confidence=np.concatenate(confidence),
        y_true=None,
        y_pred=np.concatenate(y_pred),
        errors=np.concatenate(errors),
        weights=weights,
    )


def _count_block(X, y, sample_weight, estimator, response_method, confidence, grid):
    """Grid counts of one block, by predicted class."""
    conf, y_pred, errors, _ = _decide_block(
        X, y, None, estimator, response_method, confidence
    )
    classes = np.asarray(estimator.classes_)
    return grid_counts(
        conf, errors, grid, _encode(y_pred, classes), n_classes=classes.shape[0]
    )


def _sum_counts(*counts):
    total = counts[0]
    for more in counts[1:]:
        total = merge_grid_counts(total, more)
    return total


def _quantile_block(X, y, sample_weight, estimator, response_method, confidence):
    """Quantiles of the finite confidences of one block (no label is read)."""
    fold = fit_and_collect(
        estimator,
        X,
        None,
        train=None,
        val=np.arange(X.shape[0]),
        fit_params={},
        response_method=response_method,
        confidence=confidence,
    )
    finite = fold.confidence[~np.isnan(fold.confidence)]
    if finite.shape[0] == 0:
        return None, 0
    levels = np.linspace(0, 100, min(_BLOCK_QUANTILES, finite.shape[0]))
    return np.percentile(finite, levels), finite.shape[0]


def default_grid(clf, blocks, n_quantiles):
    """Quantiles of the confidences from a first pass (labels never read).

    Each block returns its own quantiles; they are merged as
    :func:`dask.array.percentile` merges those of its chunks, so the grid
    approximates the quantiles of all confidences. It depends on the
    confidences alone, so the guarantee on the grid holds.
    """
    from dask.array.percentile import merge_percentiles

    parts = dask.compute(
        *blocks.map(_quantile_block, _model(clf), clf.response_method_, clf.confidence)
    )
    parts = [(q, n) for q, n in parts if n]
    if not parts:
        return np.array([-np.inf])
    final = np.linspace(0, 100, n_quantiles)
    grid = merge_percentiles(
        final,
        [np.linspace(0, 100, q.shape[0]) for q, _ in parts],
        [q for q, _ in parts],
        method="lower",
        Ns=[n for _, n in parts],
    )
    return np.unique(np.asarray(grid, dtype=np.float64))


def collect_counts(clf, blocks):
    """Sum the grid counts of every block in a tree; return them with the grid."""
    if isinstance(clf.thresholds, (int, np.integer)):
        grid = default_grid(clf, blocks, int(clf.thresholds))
    else:
        grid = make_grid(clf.thresholds, None)
    parts = blocks.map(
        _count_block, _model(clf), clf.response_method_, clf.confidence, grid
    )
    reduce = dask.delayed(_sum_counts, pure=True)
    while len(parts) > 1:
        parts = [
            reduce(*parts[i : i + _SPLIT_EVERY])
            for i in range(0, len(parts), _SPLIT_EVERY)
        ]
    (counts,) = dask.compute(parts[0])
    counts.grid = grid
    return counts
