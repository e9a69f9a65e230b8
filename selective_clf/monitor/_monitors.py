"""RiskMonitor and AcceptanceMonitor: anytime-valid alarms for a deployed model."""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import column_or_1d

from .._certificate import Certificate
from .._validation import equals_label, prediction_errors
from ._eprocess import ChangeDetector, confidence_sequence, default_restart_every


def _check_fraction(value, name, *, closed=False):
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a float in (0, 1), got {value!r}.")
    value = float(value)
    inside = 0.0 <= value <= 1.0 if closed else 0.0 < value < 1.0
    if not inside:
        interval = "[0, 1]" if closed else "(0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value!r}.")
    return value


def _check_restart_every(value):
    if value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(
            f"restart_every must be 'auto' or a positive int, got {value!r}."
        )
    return int(value)


def _certificate_of(estimator):
    """Return the certificate of a fitted selective classifier, or raise."""
    certificate = getattr(estimator, "certificate_", None)
    if not isinstance(certificate, Certificate):
        raise TypeError(
            f"{type(estimator).__name__} has no certificate_: pass a fitted "
            "SelectiveClassifierCV (or its Certificate to from_certificate)."
        )
    return certificate


def _rejected(y_pred, reject_label):
    y_pred = column_or_1d(y_pred)
    if reject_label is None:
        return y_pred, np.zeros(y_pred.shape[0], dtype=bool)
    return y_pred, equals_label(y_pred, reject_label)


class _StreamAlarm:
    """The alarm bookkeeping both monitors share.

    ``_record`` takes the running e-values of a batch: it counts the rows,
    keeps the last and the largest e-value, and at the first crossing of
    ``threshold`` (``1 / alpha`` by Ville's inequality) sets ``alarm_`` and
    ``alarm_at_`` (the 1-based row of the stream). Returns the index of that
    crossing in the batch, or None.
    """

    def _reset_alarm(self):
        self.n_seen_ = 0
        self.e_value_ = self.max_e_value_ = 1.0
        self.alarm_ = False
        self.alarm_at_ = None

    def _record(self, values, threshold):
        first = None
        if not self.alarm_:
            crossed = np.flatnonzero(values >= threshold)
            if crossed.size:
                first = int(crossed[0])
                self.alarm_ = True
                self.alarm_at_ = self.n_seen_ + first + 1
        self.n_seen_ += values.shape[0]
        self.e_value_ = float(values[-1])
        self.max_e_value_ = max(self.max_e_value_, float(values.max()))
        return first

    def _rate(self, count):
        """Return the share of ``count`` among the rows seen (nan before any)."""
        n = getattr(self, "n_seen_", 0)
        return count / n if n else math.nan

    def _interval(self, count):
        """Return the anytime-valid ``1 - alpha`` interval of a constant rate."""
        if not hasattr(self, "n_seen_"):
            return (0.0, 1.0)
        return confidence_sequence(count, self.n_seen_, self.alpha)


class RiskMonitor(_StreamAlarm):
    """Anytime-valid alarm when the selective risk of a deployed model rises.

    Feed it labelled decisions as labels arrive, in batches of any size;
    rejected rows are ignored. ``alarm_`` becomes True when the error rate of
    the accepted rows exceeds ``target_risk``, with the guarantee that while
    that rate stays at or below ``target_risk`` the probability of *any*
    alarm, over an unbounded stream checked after every row, is at most
    ``alpha``. A rise after a long stretch within target is detected too: the
    monitor keeps restarting its test (every ``restart_every`` accepted rows)
    and mixes the restarts with weights that sum to one, so a recent start
    sees the rise without the rows before it (an e-detector; see the user
    guide, :ref:`monitoring`).

    Parameters
    ----------
    target_risk : float in (0, 1)
        The selective risk the model must keep.

    alpha : float in (0, 1), default=0.05
        Bound on the probability of a false alarm, ever.

    reject_label : int, float, str or None, default=None
        The label of rejected rows in ``y_pred``; ``None`` means every row
        given to :meth:`update` is an accepted decision.

    restart_every : "auto" or int, default="auto"
        Accepted rows between two starts of the test. ``"auto"``: about ten
        expected errors at the target (``ceil(10 / target_risk)``).

    Attributes
    ----------
    n_seen_ : int
        Accepted labelled decisions seen.

    n_errors_ : int
        Errors among them.

    n_rejected_ : int
        Rejected rows given to :meth:`update` (ignored).

    risk_ : float
        Running estimate ``n_errors_ / n_seen_`` (nan before any).

    risk_interval_ : tuple of float
        Anytime-valid ``1 - alpha`` confidence interval of the risk (a
        confidence sequence, valid at every ``n_seen_`` at once) assuming the
        risk has been constant.

    e_value_ : float
        The current value of the test process; the alarm is raised when it
        reaches ``1 / alpha``.

    max_e_value_ : float
        The largest value so far: the alarm would have been raised at any
        ``alpha >= 1 / max_e_value_`` (the process does not depend on
        ``alpha``).

    alarm_ : bool
        Whether the alarm was raised (it stays raised).

    alarm_at_ : int or None
        The number of accepted decisions seen when the alarm was raised.

    See Also
    --------
    AcceptanceMonitor : Alarm on the share of rejected rows (no labels).
    recertify : Certify the threshold again on fresh labelled rows.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.monitor import RiskMonitor
    >>> rng = np.random.default_rng(0)
    >>> monitor = RiskMonitor(target_risk=0.05, alpha=0.05)
    >>> y_true = np.zeros(4000, dtype=int)
    >>> y_pred = (rng.random(4000) < 0.03).astype(int)  # 3% errors
    >>> monitor.update(y_true, y_pred).alarm_
    False
    >>> y_pred = (rng.random(4000) < 0.10).astype(int)  # 10% errors
    >>> monitor.update(y_true, y_pred).alarm_
    True
    >>> monitor.alarm_at_ > 4000, monitor.n_seen_
    (True, 8000)
    """

    def __init__(
        self, target_risk, *, alpha=0.05, reject_label=None, restart_every="auto"
    ):
        self.target_risk = target_risk
        self.alpha = alpha
        self.reject_label = reject_label
        self.restart_every = restart_every

    @classmethod
    def from_certificate(cls, certificate, *, alpha=0.05, restart_every="auto"):
        """Monitor the target risk certified by ``certificate``.

        Parameters
        ----------
        certificate : Certificate
            With ``objective="target_risk"`` and one target.
        alpha : float in (0, 1), default=0.05
        restart_every : "auto" or int, default="auto"

        Returns
        -------
        monitor : RiskMonitor
        """
        if not isinstance(certificate, Certificate):
            raise TypeError(
                f"expected a Certificate, got {type(certificate).__name__}."
            )
        if certificate.objective != "target_risk" or isinstance(
            certificate.target, tuple
        ):
            raise ValueError(
                f"the certificate is for {certificate.objective}="
                f"{certificate.target!r}, not for one target_risk: pass "
                "RiskMonitor(target_risk=...) with the risk to watch."
            )
        return cls(
            certificate.target,
            alpha=alpha,
            reject_label=certificate.reject_label,
            restart_every=restart_every,
        )

    @classmethod
    def from_estimator(cls, estimator, *, alpha=0.05, restart_every="auto"):
        """Monitor a fitted ``SelectiveClassifierCV(target_risk=...)``.

        Parameters
        ----------
        estimator : SelectiveClassifierCV
            Fitted, with ``target_risk``.
        alpha : float in (0, 1), default=0.05
        restart_every : "auto" or int, default="auto"

        Returns
        -------
        monitor : RiskMonitor
        """
        return cls.from_certificate(
            _certificate_of(estimator), alpha=alpha, restart_every=restart_every
        )

    def _start(self):
        target = _check_fraction(self.target_risk, "target_risk")
        _check_fraction(self.alpha, "alpha")
        every = _check_restart_every(self.restart_every)
        if every == "auto":
            every = default_restart_every(target)
        self.detector_ = ChangeDetector(target, every)
        self._reset_alarm()
        self.n_errors_ = self.n_rejected_ = 0

    def update(self, y_true, y_pred):
        """Add a batch of labelled decisions.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.
        y_pred : array-like of shape (n_samples,)
            The predictions, ``reject_label`` for rejected rows.

        Returns
        -------
        self : RiskMonitor
        """
        if not hasattr(self, "detector_"):
            self._start()
        y_true = column_or_1d(y_true)
        y_pred, rejected = _rejected(y_pred, self.reject_label)
        if y_true.shape[0] != y_pred.shape[0]:
            raise ValueError(
                f"y_true has {y_true.shape[0]} labels but y_pred has {y_pred.shape[0]}."
            )
        errors = prediction_errors(y_true, y_pred, rejected=rejected)[~rejected]
        self.n_rejected_ += int(rejected.sum())
        return self._add(errors)

    def update_errors(self, errors):
        """Add the 0/1 errors of accepted decisions directly.

        Parameters
        ----------
        errors : array-like of bool of shape (n_accepted,)

        Returns
        -------
        self : RiskMonitor
        """
        if not hasattr(self, "detector_"):
            self._start()
        return self._add(np.asarray(errors, dtype=bool).ravel())

    def _add(self, errors):
        if errors.shape[0] == 0:
            return self
        self._record(self.detector_.update(errors), 1.0 / self.alpha)
        self.n_errors_ += int(errors.sum())
        return self

    @property
    def risk_(self):
        """Running estimate of the selective risk (nan before any row)."""
        return self._rate(getattr(self, "n_errors_", 0))

    @property
    def risk_interval_(self):
        """Anytime-valid ``1 - alpha`` interval of a constant selective risk."""
        return self._interval(getattr(self, "n_errors_", 0))

    def __repr__(self):
        state = (
            f"n_seen_={self.n_seen_}, risk_={self.risk_:.4g}, alarm_={self.alarm_}"
            if hasattr(self, "n_seen_")
            else "not updated"
        )
        return f"RiskMonitor(target_risk={self.target_risk!r}, {state})"


def dkw_margin(n_calibration, n_thresholds, alpha):
    """Half-width of a band on acceptance rates valid for any threshold(s).

    By the Dvoretzky–Kiefer–Wolfowitz inequality with Massart's constant,
    ``P(sup_t |F_n(t) - F(t)| > eps) <= 2 exp(-2 n eps^2)``, applied to the
    distribution of the confidence (of each predicted class, at ``alpha /
    n_thresholds`` each, for one threshold per class): the acceptance rate
    estimated on the calibration rows is within ``margin`` of the true one
    even though the threshold was chosen on those rows.
    """
    if n_calibration == 0:
        return 1.0
    k = max(int(n_thresholds), 1)
    return k * math.sqrt(math.log(2.0 * k / alpha) / (2.0 * n_calibration))


class AcceptanceMonitor(_StreamAlarm):
    """Anytime-valid alarm when the share of accepted rows leaves its range.

    Needs no labels: each decision is accepted or rejected at once, so this
    is the early warning of a covariate shift. The calibration rows give the
    acceptance rate up to a margin; the alarm says, with a two-sided
    anytime-valid test, that the stream's rate is outside
    ``[coverage - margin, coverage + margin]``. ``alpha`` is split in two:
    half for the margin (a Dvoretzky–Kiefer–Wolfowitz band, valid although
    the threshold was chosen on the calibration rows), half for the stream
    (two change detectors, one per side, averaged). Under no shift the
    probability of any alarm, ever, is at most ``alpha``.

    Parameters
    ----------
    coverage : float in [0, 1]
        The acceptance rate measured on the calibration rows.

    n_calibration : int or None
        How many calibration rows measured it; ``None`` takes ``coverage``
        as exact (all of ``alpha`` then goes to the stream).

    alpha : float in (0, 1), default=0.05
        Bound on the probability of a false alarm, ever.

    reject_label : int, float, str or None, default=None
        The label of rejected rows in ``y_pred`` given to :meth:`update`.

    n_thresholds : int, default=1
        Thresholds chosen on the calibration rows (one per class with
        ``classwise=True``); the margin grows with it.

    restart_every : "auto" or int, default="auto"
        Rows between two starts of each test.

    Attributes
    ----------
    acceptance_range_ : tuple of float
        The range of acceptance rates under which no alarm is due.

    n_seen_, n_accepted_ : int
        Rows seen and accepted.

    acceptance_rate_ : float
        Running share of accepted rows.

    acceptance_interval_ : tuple of float
        Anytime-valid ``1 - alpha`` interval of a constant acceptance rate.

    e_value_ : float
        Current value of the two-sided test process (the mean of the two
        one-sided ones; alarm at ``2 / alpha`` with a margin, ``1 / alpha``
        without).

    max_e_value_ : float
        The largest value so far.

    alarm_ : bool
        Whether the alarm was raised; ``alarm_at_`` the rows seen then.

    direction_ : {"low", "high"} or None
        Which side raised the alarm.

    Examples
    --------
    >>> import numpy as np
    >>> from selective_clf.monitor import AcceptanceMonitor
    >>> rng = np.random.default_rng(0)
    >>> monitor = AcceptanceMonitor(coverage=0.8, n_calibration=5000)
    >>> monitor.update(rejected=rng.random(5000) > 0.8).alarm_
    False
    >>> monitor.update(rejected=rng.random(5000) > 0.6).alarm_
    True
    >>> monitor.direction_
    'low'
    """

    def __init__(
        self,
        coverage,
        n_calibration=None,
        *,
        alpha=0.05,
        reject_label=None,
        n_thresholds=1,
        restart_every="auto",
    ):
        self.coverage = coverage
        self.n_calibration = n_calibration
        self.alpha = alpha
        self.reject_label = reject_label
        self.n_thresholds = n_thresholds
        self.restart_every = restart_every

    @classmethod
    def from_certificate(cls, certificate, *, alpha=0.05, restart_every="auto"):
        """Monitor the acceptance rate measured by ``certificate``.

        Parameters
        ----------
        certificate : Certificate
        alpha : float in (0, 1), default=0.05
        restart_every : "auto" or int, default="auto"

        Returns
        -------
        monitor : AcceptanceMonitor
        """
        if not isinstance(certificate, Certificate):
            raise TypeError(
                f"expected a Certificate, got {type(certificate).__name__}."
            )
        n_thresholds = (
            len(certificate.threshold)
            if isinstance(certificate.threshold, tuple)
            else 1
        )
        return cls(
            certificate.coverage,
            certificate.n_calibration,
            alpha=alpha,
            reject_label=certificate.reject_label,
            n_thresholds=n_thresholds,
            restart_every=restart_every,
        )

    @classmethod
    def from_estimator(cls, estimator, *, alpha=0.05, restart_every="auto"):
        """Monitor the acceptance rate of a fitted ``SelectiveClassifierCV``.

        Parameters
        ----------
        estimator : SelectiveClassifierCV
        alpha : float in (0, 1), default=0.05
        restart_every : "auto" or int, default="auto"

        Returns
        -------
        monitor : AcceptanceMonitor
        """
        return cls.from_certificate(
            _certificate_of(estimator), alpha=alpha, restart_every=restart_every
        )

    def _start(self):
        coverage = _check_fraction(self.coverage, "coverage", closed=True)
        alpha = _check_fraction(self.alpha, "alpha")
        every = _check_restart_every(self.restart_every)
        if self.n_calibration is None:
            margin, stream_alpha = 0.0, alpha
        else:
            n = self.n_calibration
            if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
                raise ValueError(
                    f"n_calibration must be a positive int or None, got {n!r}."
                )
            margin = dkw_margin(n, self.n_thresholds, alpha / 2.0)
            stream_alpha = alpha / 2.0
        low = max(coverage - margin, 0.0)
        high = min(coverage + margin, 1.0)
        self.acceptance_range_ = (low, high)
        self._threshold = 2.0 / stream_alpha  # mean of two processes
        # "too many accepted": ones are accepted rows, null rate `high`;
        # "too few accepted": ones are rejected rows, null rate 1 - low.
        self.detectors_ = {
            "high": ChangeDetector(
                high, default_restart_every(high) if every == "auto" else every
            ),
            "low": ChangeDetector(
                1.0 - low,
                default_restart_every(1.0 - low) if every == "auto" else every,
            ),
        }
        self._reset_alarm()
        self.n_accepted_ = 0
        self.direction_ = None

    def update(self, y_pred=None, *, rejected=None):
        """Add a batch of decisions: predictions, or the mask of rejected rows.

        Parameters
        ----------
        y_pred : array-like of shape (n_samples,), default=None
            Predictions with ``reject_label`` for rejected rows.
        rejected : array-like of bool of shape (n_samples,), default=None
            The rejected rows (instead of ``y_pred``).

        Returns
        -------
        self : AcceptanceMonitor
        """
        if (y_pred is None) == (rejected is None):
            raise ValueError("pass exactly one of y_pred and rejected.")
        if y_pred is not None:
            if self.reject_label is None:
                raise ValueError(
                    "y_pred needs a reject_label to tell rejected rows; build "
                    "the monitor with reject_label=... (from_estimator sets it) "
                    "or pass rejected=mask."
                )
            _, rejected = _rejected(y_pred, self.reject_label)
        else:
            rejected = np.asarray(rejected)
            if rejected.dtype != bool:
                raise TypeError(
                    f"rejected must be a boolean mask, got dtype {rejected.dtype}."
                )
            rejected = rejected.ravel()
        if not hasattr(self, "detectors_"):
            self._start()
        if rejected.shape[0] == 0:
            return self
        high = self.detectors_["high"].update(~rejected)
        low = self.detectors_["low"].update(rejected)
        first = self._record((high + low) / 2.0, self._threshold)
        if first is not None:
            self.direction_ = "high" if high[first] >= low[first] else "low"
        self.n_accepted_ += int((~rejected).sum())
        return self

    @property
    def acceptance_rate_(self):
        """Running share of accepted rows (nan before any)."""
        return self._rate(getattr(self, "n_accepted_", 0))

    @property
    def acceptance_interval_(self):
        """Anytime-valid ``1 - alpha`` interval of a constant acceptance rate."""
        return self._interval(getattr(self, "n_accepted_", 0))

    def __repr__(self):
        state = (
            f"n_seen_={self.n_seen_}, acceptance_rate_="
            f"{self.acceptance_rate_:.4g}, alarm_={self.alarm_}"
            if hasattr(self, "n_seen_")
            else "not updated"
        )
        return f"AcceptanceMonitor(coverage={self.coverage!r}, {state})"
