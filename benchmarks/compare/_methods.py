"""Every way of choosing a reject threshold that the benchmark compares.

Each method takes calibration probabilities ``P`` (rows of a frozen model's
``predict_proba``), labels ``y`` (0..K-1) and a target, runs one library's
public API as its documentation shows, and returns a :class:`Fitted`: a
``predict`` on new probabilities (rejections as ``REJECT``) and the accepted
region as a band of the positive-class probability for binary problems (a
max-probability threshold ``t`` rejects the open band ``(1 - t, t)``).

API notes (checked against the installed sources, see docs/comparison.rst):

* scikit-fallback 0.2: ``ThresholdFallbackClassifierCV`` calls
  ``scoring(y_true, y_pred)`` (a metric, not a scikit-learn scorer) and refits
  the base for every threshold and fold; ``RateFallbackClassifierCV`` averages
  per-fold quantiles. ``fallback_mode="return"`` makes ``predict`` return the
  fallback label -1.
* zugzwang 1.1: ``SelectiveClassifier(prefit=True).certify(X, y, risk, delta,
  method="sgr")`` (a hybrid of SGR binary search and fixed-sequence testing,
  each at delta/2); raises ``UncertifiableRiskError`` when nothing can be
  certified. ``threshold_at_coverage`` is a plain function.
* MAPIE 1.6: the selective risk is not a built-in risk; it is written as
  ``BinaryRisk(occurrence=y_pred != y_true, condition=accepted)``; abstention
  is a NaN prediction. ``MultiClassificationLTTController`` thresholds the top
  probability on ``np.linspace(0, 0.99, 100)`` with Hoeffding-Bentkus p-values
  and Bonferroni-Holm by default; ``best_predict_param_choice=abstention_rate``
  picks the largest coverage among the certified thresholds.
  ``BinaryClassificationController`` takes a two-dimensional parameter
  (lower, upper) of a reject band through a custom ``predict_function``.
"""

from dataclasses import dataclass

import numpy as np
from _common import REJECT, ProbaPassthrough, frozen_passthrough, have, to_reject
from sklearn.model_selection import StratifiedKFold

from selective_clf import SelectiveClassifierCV
from selective_clf.metrics import rejection_cost_loss

DELTA = 0.05


@dataclass
class Fitted:
    """What a method chose: how it predicts and the region it accepts."""

    predict: object  # callable P -> int labels with REJECT
    threshold: float | None = None  # on the top probability; inf = reject all
    band: tuple | None = None  # binary: rejected open band of P[:, 1]
    certified: bool = True  # False when the method certified nothing
    note: str = ""


def _argmax(P):
    return P.argmax(axis=1)


def _threshold_predict(threshold):
    def predict(P):
        y_pred = P.argmax(axis=1)
        y_pred[P.max(axis=1) < threshold] = REJECT
        return y_pred

    return predict


def _reject_all(P):
    return np.full(P.shape[0], REJECT, dtype=np.int64)


def _from_threshold(threshold, certified=True, note=""):
    if not np.isfinite(threshold) and threshold > 0:
        return Fitted(_reject_all, np.inf, (0.0, 1.0), False, note)
    t = float(max(threshold, 0.5)) if np.isfinite(threshold) else 0.5
    return Fitted(
        _threshold_predict(threshold), float(threshold), (1 - t, t), certified, note
    )


def _ours(P, y, **objective):
    clf = SelectiveClassifierCV(frozen_passthrough(P.shape[1]), **objective)
    clf.fit(P, y)
    return Fitted(
        clf.predict,
        clf.threshold_,
        _band_of(clf.threshold_),
        bool(np.isfinite(clf.threshold_) or clf.threshold_ < 0),
    )


def _band_of(threshold):
    if not np.isfinite(threshold):
        return (0.0, 1.0) if threshold > 0 else (0.5, 0.5)
    t = max(float(threshold), 0.5)
    return (1 - t, t)


# -- target risk ------------------------------------------------------------


def ours_risk(method, thresholds="auto"):
    def fit(P, y, target):
        return _ours(
            P, y, target_risk=target, delta=DELTA, method=method, thresholds=thresholds
        )

    return fit


def empirical_risk(P, y, target):
    """Hand-written: the largest coverage whose calibration risk is <= target."""
    confidence = P.max(axis=1)
    errors = P.argmax(axis=1) != y
    order = np.argsort(-confidence, kind="stable")
    conf_sorted = confidence[order]
    cum_errors = np.cumsum(errors[order])
    # candidate ends: last position of each group of tied confidences
    last = np.flatnonzero(np.append(conf_sorted[1:] != conf_sorted[:-1], True))
    ok = cum_errors[last] / (last + 1) <= target
    if not ok.any():
        return _from_threshold(np.inf, note="no threshold")
    return _from_threshold(conf_sorted[last[np.flatnonzero(ok)[-1]]])


def zugzwang_risk(P, y, target):
    from zugzwang import SelectiveClassifier
    from zugzwang.core import UncertifiableRiskError

    model = SelectiveClassifier(
        ProbaPassthrough(P.shape[1]).fit(), prefit=True, check_contamination=False
    )
    try:
        model.certify(P, y, risk=target, delta=DELTA, method="sgr")
    except UncertifiableRiskError:
        return _from_threshold(np.inf, note="UncertifiableRiskError")
    threshold = float(model.threshold_)
    fitted = _from_threshold(threshold)
    fitted.predict = lambda Q: to_reject(model.predict(Q))
    return fitted


def _mapie_risks():
    from mapie.risk_control import BinaryRisk, abstention_rate

    selective_error = BinaryRisk(
        risk_occurrence=lambda y_true, y_pred: y_pred != y_true,
        # NaN (abstention) is the only value not equal to itself
        risk_condition=lambda y_true, y_pred: y_pred == y_pred,  # noqa: PLR0124
        higher_is_better=False,
    )
    return selective_error, abstention_rate


def _mapie_outcome(controller, P):
    """Threshold (or band) chosen by a calibrated MAPIE controller."""
    p_values = np.asarray(controller.p_values, dtype=float)
    note = "NaN p-value" if np.isnan(p_values).any() else ""
    return controller.best_predict_param, note


def mapie_risk(fwer_method):
    def fit(P, y, target):
        from mapie.risk_control import MultiClassificationLTTController

        selective_error, abstention_rate = _mapie_risks()
        model = ProbaPassthrough(P.shape[1]).fit()
        controller = MultiClassificationLTTController(
            predict_function=model.predict_proba,
            risks=[selective_error],
            target_level=[target],
            confidence_level=1 - DELTA,
            best_predict_param_choice=abstention_rate,
            classes=model.classes_,
            fwer_method=fwer_method,
        )
        controller.calibrate(P, y)
        param, note = _mapie_outcome(controller, P)
        if param is None:
            return _from_threshold(np.inf, note=note or "no valid threshold")
        fitted = _from_threshold(float(param), note=note)
        fitted.predict = lambda Q: to_reject(controller.predict(Q))
        return fitted

    return fit


# (lower, upper) pairs of the binary reject band: 20 x 20 values.
BAND_GRID = np.array(
    [
        (low, high)
        for low in np.linspace(0.01, 0.5, 20)
        for high in np.linspace(0.5, 0.99, 20)
    ]
)


def _band_predict(X, low, high):
    p1 = np.asarray(X)[:, 1]
    y_pred = (p1 >= 0.5).astype(np.float64)
    y_pred[(p1 > low) & (p1 < high)] = np.nan
    return y_pred


def mapie_band(P, y, target):
    from mapie.risk_control import BinaryClassificationController

    selective_error, abstention_rate = _mapie_risks()
    controller = BinaryClassificationController(
        predict_function=_band_predict,
        risk=selective_error,
        target_level=float(target),
        confidence_level=1 - DELTA,
        best_predict_param_choice=abstention_rate,
        list_predict_params=BAND_GRID,
    )
    controller.calibrate(P, y)
    param, note = _mapie_outcome(controller, P)
    if param is None:
        return Fitted(_reject_all, None, (0.0, 1.0), False, note or "no valid band")
    low, high = param
    return Fitted(
        lambda Q: to_reject(controller.predict(Q)),
        None,
        (float(low), float(high)),
        True,
        note,
    )


# -- target coverage --------------------------------------------------------


def ours_coverage(P, y, target):
    return _ours(P, y, target_coverage=target)


def quantile_coverage(P, y, target):
    """Hand-written: reject below the (1 - target) quantile of calibration."""
    return _from_threshold(float(np.quantile(P.max(axis=1), 1 - target)))


def skfb_rate(P, y, target):
    from skfb.estimators import RateFallbackClassifierCV

    model = RateFallbackClassifierCV(
        frozen_passthrough(P.shape[1]),
        fallback_rate=1 - target,
        cv=StratifiedKFold(5),
        fallback_mode="return",
    ).fit(P, y)
    fitted = _from_threshold(float(model.threshold_))
    fitted.predict = lambda Q: to_reject(model.predict(Q))
    return fitted


def zugzwang_coverage(P, y, target):
    from zugzwang.core import threshold_at_coverage

    return _from_threshold(threshold_at_coverage(P.max(axis=1), target).threshold)


def mapie_coverage(P, y, target):
    from mapie.risk_control import MultiClassificationLTTController

    selective_error, abstention_rate = _mapie_risks()
    model = ProbaPassthrough(P.shape[1]).fit()
    controller = MultiClassificationLTTController(
        predict_function=model.predict_proba,
        risks=[abstention_rate],
        target_level=[1 - target],
        confidence_level=1 - DELTA,
        best_predict_param_choice=selective_error,
        classes=model.classes_,
    )
    controller.calibrate(P, y)
    param, note = _mapie_outcome(controller, P)
    if param is None:
        return _from_threshold(np.inf, note=note or "no valid threshold")
    fitted = _from_threshold(float(param), note=note)
    fitted.predict = lambda Q: to_reject(controller.predict(Q))
    return fitted


# -- rejection cost ----------------------------------------------------------


def ours_cost(P, y, target):
    return _ours(P, y, rejection_cost=target)


def chow(P, y, target):
    """Hand-written Chow rule: reject when the top probability < 1 - cost."""
    return _from_threshold(1 - target)


def no_reject(P, y, target):
    """What FixedThresholdClassifier / TunedThresholdClassifierCV can do."""
    return Fitted(_argmax, -np.inf, (0.5, 0.5))


def skfb_cost(P, y, target):
    from skfb.estimators import ThresholdFallbackClassifierCV

    def neg_cost(y_true, y_pred):
        return -rejection_cost_loss(
            y_true, y_pred, reject_label=REJECT, rejection_cost=target
        )

    model = ThresholdFallbackClassifierCV(
        frozen_passthrough(P.shape[1]),
        cv=StratifiedKFold(5),
        scoring=neg_cost,
        fallback_mode="return",
    ).fit(P, y)
    fitted = _from_threshold(float(model.threshold_))
    fitted.predict = lambda Q: to_reject(model.predict(Q))
    return fitted


# -- registries --------------------------------------------------------------
# objective -> list of (key, label, required module or None, binary only, fit)

RISK_METHODS = [
    (
        "ours_ltt_graph",
        "selective_clf ltt_graph (default)",
        None,
        False,
        ours_risk("ltt_graph"),
    ),
    ("ours_ltt", "selective_clf ltt", None, False, ours_risk("ltt")),
    (
        "ours_ltt_q20",
        "selective_clf ltt, thresholds=20",
        None,
        False,
        ours_risk("ltt", thresholds=20),
    ),
    ("ours_ltt_holm", "selective_clf ltt_holm", None, False, ours_risk("ltt_holm")),
    ("ours_sgr", "selective_clf sgr", None, False, ours_risk("sgr")),
    ("zugzwang_sgr", "zugzwang certify (sgr)", "zugzwang", False, zugzwang_risk),
    (
        "mapie_ltt_holm",
        "MAPIE multiclass LTT (Holm)",
        "mapie",
        False,
        mapie_risk("bonferroni_holm"),
    ),
    (
        "mapie_ltt_fst",
        "MAPIE multiclass LTT (fixed seq.)",
        "mapie",
        False,
        mapie_risk("fixed_sequence"),
    ),
    (
        "mapie_band",
        "MAPIE binary controller (band; binary sets)",
        "mapie",
        True,
        mapie_band,
    ),
    (
        "empirical",
        "hand-written (empirical, no guarantee)",
        None,
        False,
        empirical_risk,
    ),
]

COVERAGE_METHODS = [
    ("ours", "selective_clf target_coverage", None, False, ours_coverage),
    ("skfb_rate", "scikit-fallback RateFallbackClassifierCV", "skfb", False, skfb_rate),
    (
        "zugzwang",
        "zugzwang threshold_at_coverage",
        "zugzwang",
        False,
        zugzwang_coverage,
    ),
    ("mapie", "MAPIE LTT on abstention_rate", "mapie", False, mapie_coverage),
    ("quantile", "hand-written quantile", None, False, quantile_coverage),
]

COST_METHODS = [
    ("ours", "selective_clf rejection_cost", None, False, ours_cost),
    (
        "skfb_cv",
        "scikit-fallback ThresholdFallbackClassifierCV",
        "skfb",
        False,
        skfb_cost,
    ),
    ("chow", "hand-written Chow rule (1 - cost)", None, False, chow),
    (
        "no_reject",
        "no reject option (sklearn threshold classifiers)",
        None,
        False,
        no_reject,
    ),
]


def usable(methods, n_classes):
    """The methods whose library is installed and that fit the problem."""
    return [
        m
        for m in methods
        if (m[2] is None or have(m[2])) and (not m[3] or n_classes == 2)
    ]
