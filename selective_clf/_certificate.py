"""The fitted guarantee as an object: print it, export it, carry it.

A :class:`Certificate` answers in one object "how many samples can this model
decide on its own, and with what guarantee": the objective and its target,
the method and the data protocol, the calibration size and a hash of the
calibration data, the threshold(s), the certified risk bound, the coverage
with a confidence interval, and whether the target was feasible. It prints
as a short text for a model card, exports to a plain dict or JSON, and
pickles (and saves with skops) with the model it describes.
"""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

import dataclasses
import hashlib
import json
import math
import pickle
import sys
from numbers import Real

import numpy as np

from ._decision import unwrap
from ._validation import is_dask_collection
from ._version import __version__
from .certify import RENAMED_RISK_METHODS
from .certify._binomial import cp_upper

__all__ = ["Certificate", "build_certificate", "hash_data", "hash_file"]

#: Names of the data protocols, from the modes of ``_oof.make_splits``.
PROTOCOLS = {
    "frozen": "frozen",  # a model fitted elsewhere, every row calibrates
    "keep": "holdout",  # the model of one split predicts, its held-out rows calibrate
    "refit": "cross-fitted",  # out-of-fold rows calibrate, the final model is refitted
}

#: Level of the coverage interval when the objective has no ``delta``.
DEFAULT_COVERAGE_LEVEL = 0.95


def _update_array(digest, array):
    """Feed one array into ``digest``: dtype, shape and bytes (or reprs)."""
    array = np.asarray(array)
    digest.update(f"{array.dtype.str}{array.shape}".encode())
    if array.dtype.hasobject:
        # object arrays hold pointers: hash what they point to
        digest.update(pickle.dumps(array.tolist(), protocol=4))
    else:
        digest.update(np.ascontiguousarray(array).tobytes())


def hash_data(X, y=None):
    """SHA-256 of the bytes of ``X`` (and ``y``), as a hex string.

    Cheap (one pass over the bytes, no copy for a contiguous array): a
    DataFrame is hashed through its values, column names included; a
    sparse matrix through its ``data``, ``indices`` and ``indptr``; a Dask
    collection through the token of its task graph (the rows are not read
    again).

    Parameters
    ----------
    X : {array-like, sparse matrix, dataframe}
        The data.

    y : array-like, default=None
        The labels.

    Returns
    -------
    digest : str
        64 hexadecimal characters.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf._certificate import hash_data
    >>> X = np.arange(6.0).reshape(3, 2)
    >>> hash_data(X, [0, 1, 0]) == hash_data(X.copy(), np.array([0, 1, 0]))
    True
    >>> hash_data(X, [0, 1, 0]) == hash_data(X, [0, 1, 1])
    False
    """
    digest = hashlib.sha256()
    for part in (X, y):
        if part is None:
            continue
        if is_dask_collection(part):
            # the token of its task graph (its source files, their sizes and
            # times, the operations): hashing the rows would read them again
            digest.update(sys.modules["dask"].base.tokenize(part).encode())
        elif hasattr(part, "columns") and hasattr(part, "to_numpy"):  # DataFrame
            digest.update(repr(list(part.columns)).encode())
            for column in part.columns:
                _update_array(digest, part[column].to_numpy())
        elif hasattr(part, "tocsr"):  # scipy sparse
            csr = part.tocsr()
            digest.update(repr(csr.shape).encode())
            for array in (csr.data, csr.indices, csr.indptr):
                _update_array(digest, array)
        elif hasattr(part, "to_numpy"):  # Series
            _update_array(digest, part.to_numpy())
        else:
            _update_array(digest, part)
    return digest.hexdigest()


def hash_file(path):
    """SHA-256 of a file's bytes (the hash of a saved model), as a hex string."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def coverage_interval(n_accepted, n_calibration, level):
    """Two-sided Clopper–Pearson interval of the acceptance rate at ``level``.

    Each side at ``(1 - level) / 2``, through the one Clopper–Pearson owner
    (:mod:`selective_clf.certify._binomial`).
    """
    if n_calibration == 0:
        return (0.0, 1.0)
    tail = (1.0 - level) / 2.0
    k = np.array([n_accepted, n_calibration - n_accepted])
    n = np.array([n_calibration, n_calibration])
    upper_accepted, upper_rejected = cp_upper(k, n, tail)
    return (float(1.0 - upper_rejected), float(upper_accepted))


def _plain(value):
    """Return a JSON-able Python value: floats, ints, str, tuples; NaN is None."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Real) and not isinstance(value, int):
        value = float(value)
        return None if math.isnan(value) else value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple((_plain(k), _plain(v)) for k, v in value.items())
    return str(value)


@dataclasses.dataclass(frozen=True)
class Certificate:
    """The guarantee of a fitted selective classifier, in one object.

    Built by :class:`~selective_clf.SelectiveClassifierCV` at the end of
    ``fit`` (its ``certificate_``); read by the monitors of
    :mod:`selective_clf.monitor` and by ``python -m selective_clf``. Frozen:
    a certificate describes one fit and is not edited.

    Values that do not apply are ``None`` (``delta`` and ``risk_bound`` for
    objectives other than ``target_risk``, ``best_achievable_risk`` when the
    target was certified). Per-class values (``classwise=True``) are tuples in
    the order of ``classes``.

    Attributes
    ----------
    model : str
        Class name of the model that predicts (inside its wrappers).
    confidence : str
        The confidence score (``"max_proba"``...; a callable's name).
    response_method : str
        The model's method the confidence is computed from.
    objective : str
        ``"target_risk"``, ``"target_coverage"``, ``"rejection_cost"`` or
        ``"scoring"``.
    target : float, tuple, str or None
        The value of the objective (the scorer's name for ``scoring``).
    delta : float or None
        Allowed probability that the risk bound fails (``target_risk``).
    method : str or None
        How ``target_risk`` was certified (``"ltt_graph"``...).
    protocol : {"frozen", "holdout", "cross-fitted"}
        ``"frozen"``: a model fitted elsewhere, every row given to ``fit``
        calibrates it; ``"holdout"``: the model trained on one split
        predicts and its held-out rows calibrate; ``"cross-fitted"``:
        out-of-fold rows calibrate and the predicting model is refitted on
        all rows (no risk guarantee for that model).
    guarantee_holds : bool
        Whether the risk (or coverage) guarantee applies to the model that
        predicts: False for the ``"cross-fitted"`` protocol and for
        objectives without a guarantee.
    n_calibration : int
        Calibration rows (out-of-fold rows for ``"cross-fitted"``).
    n_accepted : int
        Calibration rows accepted at the threshold(s).
    classes : tuple
        The class labels.
    reject_label : int, float or str
        The label given to rejected samples.
    threshold : float or tuple of float
        The threshold (one per class with ``classwise=True``); ``inf`` when
        everything is rejected.
    risk_bound : float, tuple or None
        Certified upper bound on the selective risk (``target_risk``).
    empirical_risk : float or None
        Selective risk of the accepted calibration rows.
    coverage : float
        Fraction of calibration rows accepted.
    coverage_interval : tuple of float
        Two-sided Clopper–Pearson interval of the acceptance rate at
        ``coverage_level``. It treats the threshold as fixed: it ignores that
        the threshold was chosen on the same rows (the acceptance monitor
        widens it for that).
    coverage_level : float
        ``1 - delta`` with ``target_risk``, else 0.95.
    best_achievable_risk : float or None
        With an infeasible ``target_risk``: the smallest target the data
        could certify.
    feasible : bool
        Whether some sample can be accepted (a finite threshold).
    version : str
        Version of selective_clf that made the certificate.
    data_hash : str or None
        SHA-256 of the data given to ``fit``
        (:func:`~selective_clf._certificate.hash_data`).
    model_hash : str or None
        SHA-256 of the saved model file, when certified from a file.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from selective_clf import Certificate, SelectiveClassifierCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_fit, X_cal, y_fit, y_cal = train_test_split(X, y, random_state=0)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())
    >>> model = model.fit(X_fit, y_fit)
    >>> clf = SelectiveClassifierCV(
    ...     FrozenEstimator(model), target_risk=0.05, delta=0.1
    ... ).fit(X_cal, y_cal)
    >>> cert = clf.certificate_
    >>> cert.protocol, cert.n_calibration, cert.feasible
    ('frozen', 143, True)
    >>> print(cert)  # doctest: +ELLIPSIS
    Selective-risk certificate (selective_clf ...)
      model: LogisticRegression (max_proba of predict_proba), protocol frozen,
      143 calibration rows
      objective: target_risk = 0.05, delta 0.1, method ltt_graph
      threshold: 0.69...
      risk bound: 0.04951 (guarantee holds: yes)
      coverage: 0.9371 (90% interval [0.8927, 0.9668]), calibration risk 0.01493
      calibration data sha256: ...
    >>> Certificate.from_json(cert.to_json()) == cert
    True
    """

    model: str
    confidence: str
    response_method: str
    objective: str
    target: object
    delta: float | None
    method: str | None
    protocol: str
    guarantee_holds: bool
    n_calibration: int
    n_accepted: int
    classes: tuple
    reject_label: object
    threshold: object
    risk_bound: object
    empirical_risk: float | None
    coverage: float
    coverage_interval: tuple
    coverage_level: float
    best_achievable_risk: float | None
    feasible: bool
    version: str
    data_hash: str | None = None
    model_hash: str | None = None

    def __str__(self):
        def fmt(value):
            if value is None:
                return "-"
            if isinstance(value, tuple):
                return "[" + ", ".join(fmt(v) for v in value) + "]"
            if isinstance(value, float):
                return f"{value:.4g}"
            return str(value)

        lines = [
            f"Selective-risk certificate (selective_clf {self.version})",
            f"  model: {self.model} ({self.confidence} of {self.response_method}), "
            f"protocol {self.protocol}, {self.n_calibration} calibration rows",
        ]
        objective = f"  objective: {self.objective} = {fmt(self.target)}"
        if self.delta is not None:
            objective += f", delta {fmt(self.delta)}, method {self.method}"
        lines.append(objective)
        threshold = f"  threshold: {fmt(self.threshold)}"
        if isinstance(self.threshold, tuple):
            threshold += f" (classes {fmt(self.classes)})"
        lines.append(threshold)
        if self.risk_bound is not None or self.objective == "target_risk":
            holds = "yes" if self.guarantee_holds else "no"
            lines.append(
                f"  risk bound: {fmt(self.risk_bound)} (guarantee holds: {holds})"
            )
        if not self.feasible:
            lines.append(
                "  INFEASIBLE: everything is rejected; best achievable risk "
                f"{fmt(self.best_achievable_risk)}"
            )
        lo, hi = self.coverage_interval
        lines.append(
            f"  coverage: {self.coverage:.4f} ({self.coverage_level:.0%} interval "
            f"[{lo:.4f}, {hi:.4f}]), calibration risk {fmt(self.empirical_risk)}"
        )
        if self.data_hash is not None:
            lines.append(f"  calibration data sha256: {self.data_hash[:16]}")
        if self.model_hash is not None:
            lines.append(f"  model file sha256: {self.model_hash[:16]}")
        return "\n".join(lines)

    def to_dict(self):
        """Return the certificate as a plain dict (JSON types only, lists).

        Returns
        -------
        certificate : dict
            One key per field; tuples become lists.
        """

        def listed(value):
            if isinstance(value, tuple):
                return [listed(v) for v in value]
            if isinstance(value, float) and not math.isfinite(value):
                return "inf" if value > 0 else "-inf"
            return value

        return {
            field.name: listed(getattr(self, field.name))
            for field in dataclasses.fields(self)
        }

    def to_json(self, **kwargs):
        """Return the certificate as a JSON string.

        Parameters
        ----------
        **kwargs : dict
            Passed to :func:`json.dumps` (e.g. ``indent=2``).

        Returns
        -------
        text : str
        """
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    @classmethod
    def from_dict(cls, data):
        """Rebuild a certificate from :meth:`to_dict`.

        Parameters
        ----------
        data : dict

        Returns
        -------
        certificate : Certificate
        """
        names = {field.name for field in dataclasses.fields(cls)}
        missing = names - set(data) - {"data_hash", "model_hash"}
        if missing:
            raise ValueError(
                f"not a certificate: the fields {sorted(missing)} are missing "
                "(expected the output of Certificate.to_dict or to_json)"
            )
        unknown = set(data) - names
        if unknown:
            raise ValueError(
                f"not a certificate: unknown fields {sorted(unknown)} (written "
                "by a newer selective_clf?)"
            )

        def tupled(value):
            if isinstance(value, list):
                return tuple(tupled(v) for v in value)
            if value in ("inf", "-inf"):
                return float(value)
            return value

        return cls(**{name: tupled(value) for name, value in data.items()})

    @classmethod
    def from_json(cls, text):
        """Rebuild a certificate from :meth:`to_json`.

        Parameters
        ----------
        text : str

        Returns
        -------
        certificate : Certificate
        """
        return cls.from_dict(json.loads(text))


def build_certificate(estimator, *, data_hash=None, model_hash=None):
    """Build the :class:`Certificate` of a fitted selective classifier.

    Reads the fitted attributes (``threshold_``, ``coverage_``, ``risk_``,
    ``risk_bound_``, ``best_achievable_risk_``) and ``_calibration`` (the
    protocol and the calibration size recorded by ``fit``). A cascade can
    use it once it records the same: its thresholds are a tuple per stage.

    Parameters
    ----------
    estimator : SelectiveClassifierCV
        Fitted.
    data_hash, model_hash : str, default=None
        Hashes to record.

    Returns
    -------
    certificate : Certificate
    """
    calibration = estimator._calibration
    objective = calibration["objective"]
    target = getattr(estimator, objective)
    if objective == "scoring" and not isinstance(target, str):
        target = getattr(target, "__name__", type(target).__name__)
    is_risk = objective == "target_risk"
    n_calibration = int(calibration["n_samples"])
    n_accepted = int(round(estimator.coverage_ * n_calibration))
    level = 1.0 - estimator.delta if is_risk else DEFAULT_COVERAGE_LEVEL
    # a cascade has one threshold per stage (thresholds_) and no estimator_
    fitted_thresholds = getattr(estimator, "threshold_", None)
    if fitted_thresholds is None:
        fitted_thresholds = tuple(estimator.thresholds_)
    threshold = _plain(fitted_thresholds)
    thresholds = np.atleast_1d(np.asarray(fitted_thresholds, dtype=np.float64))
    protocol = PROTOCOLS[calibration["mode"]]
    model, confidence, response_method = _describe_model(estimator)
    method = getattr(estimator, "method", None) if is_risk else None
    method = RENAMED_RISK_METHODS.get(method, method)
    return Certificate(
        model=model,
        confidence=confidence,
        response_method=response_method,
        objective=objective,
        target=_plain(target),
        delta=float(estimator.delta) if is_risk else None,
        method=method,
        protocol=protocol,
        guarantee_holds=bool(
            objective in ("target_risk", "target_coverage")
            and protocol != "cross-fitted"
        ),
        n_calibration=n_calibration,
        n_accepted=n_accepted,
        classes=_plain(estimator.classes_),
        reject_label=_plain(estimator.reject_label_),
        threshold=threshold,
        risk_bound=_plain(getattr(estimator, "risk_bound_", None)),
        empirical_risk=_plain(estimator.risk_),
        coverage=float(estimator.coverage_),
        coverage_interval=coverage_interval(n_accepted, n_calibration, level),
        coverage_level=float(level),
        best_achievable_risk=_plain(getattr(estimator, "best_achievable_risk_", None)),
        feasible=bool(np.any(thresholds < np.inf)),
        version=__version__,
        data_hash=data_hash,
        model_hash=model_hash,
    )


def _describe_model(estimator):
    """Return the model's name, confidence and response method, as text.

    A cascade (``stages_``) is described stage by stage.
    """

    def one(selective):
        confidence = selective.confidence
        if not isinstance(confidence, str):
            confidence = getattr(confidence, "__name__", type(confidence).__name__)
        final = unwrap(selective.estimator_).final
        return type(final).__name__, confidence, str(selective.response_method_)

    if hasattr(estimator, "stages_"):
        parts = [one(stage) for _, stage in estimator.stages_]
        names, confidences, methods = zip(*parts, strict=True)
        return (
            "cascade of " + ", ".join(names),
            ", ".join(confidences),
            ", ".join(methods),
        )
    return one(estimator)


def calibration_record(objective, mode, n_samples):
    """Return what ``fit`` records for :func:`build_certificate`.

    A plain dict of plain values: it stays on the fitted estimator, which
    skops then saves without one more type to trust.
    """
    return {"objective": objective, "mode": mode, "n_samples": int(n_samples)}
