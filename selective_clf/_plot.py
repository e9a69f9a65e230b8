"""RiskCoverageDisplay: the risk–coverage curve, drawn the scikit-learn way."""

from numbers import Real

import numpy as np
from sklearn.utils import Bunch

from ._decision import decide_fitted, is_selective, top_class, unwrap
from ._groups import encode_groups, group_label, index_of_groups
from .metrics import risk_coverage_curve
from .metrics._curve import _aurc_from_curve


def _check_matplotlib(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib, which is not installed. Install it "
            "with: pip install matplotlib (from a selective_clf checkout: "
            "pip install '.[plot]')."
        ) from exc
    return plt


def _line_kw(defaults, user_kw):
    """Merge user keyword arguments of a line over ``defaults``.

    The user's are normalised to matplotlib's full names first (``c`` to
    ``color``, ``ls`` to ``linestyle``...), so that an alias overrides the
    default instead of clashing with it ("Got both 'color' and 'c'").
    """
    from matplotlib.cbook import normalize_kwargs
    from matplotlib.lines import Line2D

    return {**defaults, **normalize_kwargs(user_kw or {}, Line2D)}


def _decisions(estimator, X):
    """Predictions without rejection, confidences and the operating point's mask.

    Looks through a fitted search, a :class:`~sklearn.frozen.FrozenEstimator`
    and a Pipeline (:func:`._decision.unwrap`).

    Returns
    -------
    decisions : Bunch
        ``y_pred`` (the decided classes), ``confidence``, ``rejected`` (mask
        at the estimator's own threshold, None for a plain classifier),
        ``threshold`` (a float when one threshold serves every class, else
        None) and ``name`` (class name of the deciding model).
    """
    unwrapped = unwrap(estimator, X)
    final, Xt = unwrapped.final, unwrapped.X
    if is_selective(final) and hasattr(final, "confidence_score"):
        decision = decide_fitted(final, Xt)
        thresholds = decision.thresholds
        scalar = thresholds is not None and np.all(thresholds == thresholds[0])
        return Bunch(
            y_pred=decision.classes.take(decision.class_index),
            confidence=decision.confidence,
            rejected=None if thresholds is None else decision.rejected,
            threshold=float(thresholds[0]) if scalar else None,
            name=type(final).__name__,
        )
    if not hasattr(final, "predict_proba"):
        raise ValueError(
            f"{type(final).__name__} has neither confidence_score nor "
            "predict_proba, so it has no confidence to plot; wrap it in "
            "SelectiveClassifier (which reads decision_function too)."
        )
    proba = np.asarray(final.predict_proba(Xt))
    index, top = top_class(proba)
    return Bunch(
        y_pred=np.asarray(final.classes_).take(index),
        confidence=top,
        rejected=None,
        threshold=None,
        name=type(final).__name__,
    )


def _check_threshold(threshold):
    """Check that a threshold to mark is one real number (not NaN, not bool)."""
    if threshold is None:
        return None
    if (
        isinstance(threshold, bool | np.bool_)
        or not isinstance(threshold, Real | np.number)
        or np.isnan(threshold)
    ):
        raise ValueError(
            f"threshold={threshold!r} cannot be marked: pass one real number (not "
            "NaN). For class-wise thresholds use from_estimator, which marks the "
            "estimator's own operating point."
        )
    return float(threshold)


class RiskCoverageDisplay:
    """Risk–coverage curve visualization.

    The curve shows, for every threshold on the confidence, the fraction of
    samples the model still decides (coverage, x axis) against its error rate
    on them (selective risk, y axis). Build it with :meth:`from_estimator` or
    :meth:`from_predictions`; all parameters are stored as attributes.

    Parameters
    ----------
    coverage : ndarray
        Coverage of each point, from :func:`~selective_clf.metrics.risk_coverage_curve`.

    risk : ndarray
        Selective risk of each point.

    thresholds : ndarray, default=None
        Confidence threshold of each point.

    aurc : float, default=None
        Area under the curve, shown in the legend.

    error_rate : float, default=None
        Error rate without rejection, used to draw the oracle curve.

    operating_point : tuple of (float, float), default=None
        ``(coverage, risk)`` of a chosen threshold, marked on the curve.

    threshold : float, default=None
        The threshold of the operating point, shown in the legend (None for
        class-wise thresholds).

    name : str, default=None
        Name of the model, shown in the legend.

    group_curves : dict, default=None
        One curve per group (built by ``from_estimator`` or
        ``from_predictions`` with ``sensitive_features``): a mapping from the
        group's name to a dict with its ``coverage``, ``risk``,
        ``thresholds``, ``aurc`` and ``operating_point`` (or None), worst
        group (largest AURC) first.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The risk–coverage curve.

    oracle_line_ : matplotlib Line2D or None
        The optimal curve of a perfect ranking with the same error rate.

    operating_point_ : matplotlib Line2D or None
        The marker of the operating point.

    group_lines_ : dict of matplotlib Line2D
        The curve of each group, by group name (empty without
        ``group_curves``).

    group_operating_points_ : dict of matplotlib Line2D
        The marker of each group's operating point at the same threshold.

    ax_ : matplotlib Axes
        Axes with the curve.

    figure_ : matplotlib Figure
        Figure containing the curve.

    See Also
    --------
    selective_clf.metrics.risk_coverage_curve : Compute the curve.
    selective_clf.metrics.aurc_score : Area under it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from selective_clf import RiskCoverageDisplay, SelectiveClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    >>> clf = SelectiveClassifier(model, threshold=0.9).fit(X_train, y_train)
    >>> display = RiskCoverageDisplay.from_estimator(
    ...     clf, X_test, y_test, plot_oracle=True
    ... )
    >>> float(display.line_.get_xdata().max())
    1.0
    >>> plt.close("all")
    """

    def __init__(
        self,
        *,
        coverage,
        risk,
        thresholds=None,
        aurc=None,
        error_rate=None,
        operating_point=None,
        name=None,
        threshold=None,
        group_curves=None,
    ):
        self.group_curves = group_curves
        self.threshold = threshold
        self.coverage = coverage
        self.risk = risk
        self.thresholds = thresholds
        self.aurc = aurc
        self.error_rate = error_rate
        self.operating_point = operating_point
        self.name = name

    def plot(self, ax=None, *, name=None, plot_oracle=False, oracle_kw=None, **kwargs):
        """Plot the curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; a new figure and axes are created when None.
            Pass the same axes again to overlay several models.

        name : str, default=None
            Legend name; defaults to the ``name`` given at construction.

        plot_oracle : bool, default=False
            Also draw the optimal curve of a perfect ranking with the same
            error rate: risk 0 up to coverage ``1 - error_rate``, then
            ``1 - (1 - error_rate) / coverage``.

        oracle_kw : dict, default=None
            Keyword arguments for matplotlib's ``plot`` of the oracle curve,
            overriding its dashed grey default.

        **kwargs : dict
            Keyword arguments passed to matplotlib's ``plot``.

        Returns
        -------
        display : RiskCoverageDisplay
            Object that stores the computed values and the artists.
        """
        plt = _check_matplotlib("RiskCoverageDisplay.plot")
        if ax is None:
            _, ax = plt.subplots()
        name = self.name if name is None else name
        label = name
        if self.aurc is not None:
            label = (
                f"AURC = {self.aurc:.4f}"
                if name is None
                else (f"{name} (AURC = {self.aurc:.4f})")
            )
        order = np.argsort(self.coverage, kind="stable")
        line_kwargs = _line_kw({"label": label, "drawstyle": "default"}, kwargs)
        (self.line_,) = ax.plot(
            np.asarray(self.coverage)[order],
            np.asarray(self.risk)[order],
            **line_kwargs,
        )
        self.oracle_line_ = None
        if plot_oracle:
            if self.error_rate is None:
                raise ValueError("plot_oracle=True needs error_rate.")
            r = float(self.error_rate)
            grid = np.linspace(1e-3, 1.0, 400)
            oracle = np.clip(1.0 - (1.0 - r) / grid, 0.0, None)
            style = _line_kw(
                {
                    "linestyle": "--",
                    "color": "0.5",
                    "label": f"oracle (error rate {r:.3f})",
                },
                oracle_kw,
            )
            (self.oracle_line_,) = ax.plot(grid, oracle, **style)
        self.operating_point_ = None
        if self.operating_point is not None:
            cov, risk = self.operating_point
            where = (
                "class-wise thresholds"
                if getattr(self, "threshold", None) is None
                else f"threshold {self.threshold:.3g}"
            )
            what = (
                "rejects everything"
                if np.isnan(risk)
                else f"coverage {cov:.2f}, risk {risk:.3f}"
            )
            (self.operating_point_,) = ax.plot(
                [cov],
                [risk],
                marker="o",
                markersize=8,
                linestyle="none",
                color=self.line_.get_color(),
                label=f"{where}: {what}",
            )
        self._plot_groups(ax)
        ax.set_xlabel("Coverage (fraction of samples decided)")
        ax.set_ylabel("Selective risk (error rate on decided samples)")
        ax.set_xlim(0.0, 1.02)
        ax.set_ylim(bottom=0.0)
        if label is not None or plot_oracle or self.group_lines_:
            ax.legend(loc="upper left")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    def _plot_groups(self, ax):
        """Draw one thinner curve per group, and its operating point."""
        self.group_lines_, self.group_operating_points_ = {}, {}
        for name, curve in (self.group_curves or {}).items():
            order = np.argsort(curve["coverage"], kind="stable")
            (line,) = ax.plot(
                np.asarray(curve["coverage"])[order],
                np.asarray(curve["risk"])[order],
                linewidth=1.0,
                label=f"{name} (AURC = {curve['aurc']:.4f})",
            )
            self.group_lines_[name] = line
            point = curve.get("operating_point")
            if point is not None and not np.isnan(point[1]):
                (self.group_operating_points_[name],) = ax.plot(
                    [point[0]],
                    [point[1]],
                    marker="o",
                    markersize=6,
                    linestyle="none",
                    color=line.get_color(),
                )

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        sample_weight=None,
        sensitive_features=None,
        name=None,
        ax=None,
        plot_oracle=False,
        mark_threshold=True,
        oracle_kw=None,
        **kwargs,
    ):
        """Plot the curve of a fitted classifier on ``(X, y)``.

        Parameters
        ----------
        estimator : fitted estimator
            A selective classifier (:class:`SelectiveClassifier`,
            :class:`SelectiveClassifierCV`), possibly the last step of a
            Pipeline, the ``best_estimator_`` of a fitted search or inside a
            :class:`~sklearn.frozen.FrozenEstimator`: its own confidence and
            threshold are used. Any other fitted classifier with
            ``predict_proba`` is drawn with its top probability as confidence.

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input values.

        y : array-like of shape (n_samples,)
            True labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        sensitive_features : array-like of shape (n_samples,) or \
                (n_samples, n_sensitive), DataFrame or dict, default=None
            The group of each sample: one more curve per group (several
            columns: per observed combination), with its AURC in the legend
            and its point at the same threshold, stored in ``group_curves``.

        name : str, default=None
            Legend name; defaults to the class name of the deciding model.

        ax : matplotlib Axes, default=None
            Axes to plot on.

        plot_oracle : bool, default=False
            Also draw the optimal curve for the same error rate.

        mark_threshold : bool, default=True
            Mark the operating point of the estimator's own threshold (its
            coverage and selective risk on ``(X, y)``), when it has one.

        oracle_kw : dict, default=None
            Keyword arguments for matplotlib's ``plot`` of the oracle curve.

        **kwargs : dict
            Keyword arguments passed to matplotlib's ``plot`` of the curve.

        Returns
        -------
        display : RiskCoverageDisplay
            Object that stores the computed values and the artists.
        """
        _check_matplotlib("RiskCoverageDisplay.from_estimator")
        decisions = _decisions(estimator, X)
        operating_point = None
        if mark_threshold and decisions.rejected is not None:
            operating_point = _point_of_mask(
                y, decisions.y_pred, decisions.rejected, sample_weight
            )
        return cls._from_scores(
            y,
            decisions.y_pred,
            decisions.confidence,
            sample_weight=sample_weight,
            name=decisions.name if name is None else name,
            ax=ax,
            plot_oracle=plot_oracle,
            threshold=decisions.threshold if mark_threshold else None,
            operating_point=operating_point,
            oracle_kw=oracle_kw,
            sensitive_features=sensitive_features,
            rejected=decisions.rejected if mark_threshold else None,
            **kwargs,
        )

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_pred,
        confidence,
        *,
        sample_weight=None,
        sensitive_features=None,
        threshold=None,
        name=None,
        ax=None,
        plot_oracle=False,
        oracle_kw=None,
        **kwargs,
    ):
        """Plot the curve from predictions and confidences.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_pred : array-like of shape (n_samples,)
            Predicted labels without rejection.

        confidence : array-like of shape (n_samples,)
            Confidence of each prediction, higher meaning more confident.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        sensitive_features : array-like of shape (n_samples,) or \
                (n_samples, n_sensitive), DataFrame or dict, default=None
            The group of each sample: one more curve per group (several
            columns: per observed combination), with its AURC in the legend
            and its point at the same threshold, stored in ``group_curves``.

        threshold : float, default=None
            If given, mark the operating point of this threshold (samples
            with ``confidence >= threshold`` accepted). A threshold above
            every confidence rejects everything: its point has coverage 0
            and no risk, and is not drawn.

        name : str, default=None
            Legend name.

        ax : matplotlib Axes, default=None
            Axes to plot on.

        plot_oracle : bool, default=False
            Also draw the optimal curve for the same error rate.

        oracle_kw : dict, default=None
            Keyword arguments for matplotlib's ``plot`` of the oracle curve.

        **kwargs : dict
            Keyword arguments passed to matplotlib's ``plot`` of the curve.

        Returns
        -------
        display : RiskCoverageDisplay
            Object that stores the computed values and the artists.
        """
        _check_matplotlib("RiskCoverageDisplay.from_predictions")
        return cls._from_scores(
            y_true,
            y_pred,
            confidence,
            sample_weight=sample_weight,
            name=name,
            ax=ax,
            plot_oracle=plot_oracle,
            threshold=_check_threshold(threshold),
            operating_point=None,
            oracle_kw=oracle_kw,
            sensitive_features=sensitive_features,
            **kwargs,
        )

    @classmethod
    def _from_scores(
        cls,
        y_true,
        y_pred,
        confidence,
        *,
        sample_weight,
        name,
        ax,
        plot_oracle,
        threshold,
        operating_point,
        oracle_kw,
        sensitive_features=None,
        rejected=None,
        **kwargs,
    ):
        coverage, risk, thresholds = risk_coverage_curve(
            y_true, y_pred, confidence, sample_weight=sample_weight
        )
        if operating_point is None and threshold is not None:
            operating_point = _point_at(coverage, risk, thresholds, threshold)
        group_curves = None
        if sensitive_features is not None:
            group_curves = _group_curves(
                y_true,
                y_pred,
                confidence,
                sample_weight,
                sensitive_features,
                threshold,
                rejected,
            )
        display = cls(
            coverage=coverage,
            risk=risk,
            thresholds=thresholds,
            aurc=_aurc_from_curve(coverage, risk),
            error_rate=float(risk[np.argmax(coverage)]),
            operating_point=operating_point,
            name=name,
            threshold=threshold,
            group_curves=group_curves,
        )
        return display.plot(
            ax=ax, plot_oracle=plot_oracle, oracle_kw=oracle_kw, **kwargs
        )


def _point_at(coverage, risk, thresholds, threshold):
    """Return the curve's point at the lowest distinct confidence >= threshold.

    Nothing is accepted above the largest: coverage 0, no risk.
    """
    index = np.searchsorted(thresholds, threshold, side="left")
    if index < len(thresholds):
        return float(coverage[index]), float(risk[index])
    return 0.0, float("nan")


def _group_curves(
    y_true, y_pred, confidence, sample_weight, sensitive_features, threshold, rejected
):
    """One curve per group, worst (largest AURC) first."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    confidence = np.asarray(confidence, dtype=np.float64)
    weight = None if sample_weight is None else np.asarray(sample_weight)
    encoded = encode_groups(sensitive_features, y_true.shape[0])
    curves = {}
    for g, rows in enumerate(index_of_groups(encoded.index, len(encoded.groups))):
        w = None if weight is None else weight[rows]
        if w is not None and not (w > 0).any():
            continue
        coverage, risk, thresholds = risk_coverage_curve(
            y_true[rows], y_pred[rows], confidence[rows], sample_weight=w
        )
        point = None
        if rejected is not None:
            point = _point_of_mask(y_true[rows], y_pred[rows], rejected[rows], w)
        elif threshold is not None:
            point = _point_at(coverage, risk, thresholds, threshold)
        curves[group_label(encoded.groups[g])] = {
            "coverage": coverage,
            "risk": risk,
            "thresholds": thresholds,
            "aurc": _aurc_from_curve(coverage, risk),
            "operating_point": point,
        }
    return dict(sorted(curves.items(), key=lambda item: -item[1]["aurc"]))


def _point_of_mask(y_true, y_pred, rejected, sample_weight):
    """Coverage and selective risk of the predictions with a rejection mask."""
    y_true = np.asarray(y_true)
    weight = (
        np.ones(rejected.shape[0])
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64)
    )
    weight = weight / weight.max()
    accepted = ~rejected
    accepted_weight = weight[accepted].sum()
    coverage = float(accepted_weight / weight.sum())
    if accepted_weight == 0:
        return coverage, float("nan")
    errors = np.not_equal(y_true[accepted], np.asarray(y_pred)[accepted])
    return coverage, float(weight[accepted][errors].sum() / accepted_weight)
