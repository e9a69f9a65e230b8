"""RiskCoverageDisplay: the risk–coverage curve, drawn the scikit-learn way."""

import numpy as np

from .metrics import aurc_score, risk_coverage_curve


def _check_matplotlib(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib, which is not installed. Install it "
            "with: pip install 'selective-clf[plot]' (or pip install matplotlib)."
        ) from exc
    return plt


def _final_step(estimator):
    """Split a Pipeline into (preprocessing, last step); others pass through."""
    if hasattr(estimator, "steps"):
        return estimator[:-1], estimator[-1]
    return None, estimator


def _predictions_and_confidence(estimator, X):
    """Return base predictions (no rejection), confidences and actual predictions."""
    preprocessing, final = _final_step(estimator)
    Xt = X if preprocessing is None else preprocessing.transform(X)
    if hasattr(final, "confidence_score"):
        y_selective = final.predict(Xt)
        y_base, confidence = final._base_predict_and_confidence(Xt)
        return y_base, confidence, y_selective, final.reject_label_
    if not hasattr(final, "predict_proba"):
        raise ValueError(
            f"{type(final).__name__} has neither confidence_score nor "
            "predict_proba; wrap it in SelectiveClassifier to plot its curve."
        )
    proba = np.asarray(final.predict_proba(Xt))
    y_base = np.asarray(final.classes_)[proba.argmax(axis=1)]
    return y_base, proba.max(axis=1), None, None


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

    name : str, default=None
        Name of the model, shown in the legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The risk–coverage curve.

    oracle_line_ : matplotlib Line2D or None
        The optimal curve of a perfect ranking with the same error rate.

    operating_point_ : matplotlib Line2D or None
        The marker of the operating point.

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
    >>> display.line_.get_xdata().max()
    np.float64(1.0)
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
    ):
        self.coverage = coverage
        self.risk = risk
        self.thresholds = thresholds
        self.aurc = aurc
        self.error_rate = error_rate
        self.operating_point = operating_point
        self.name = name

    def plot(self, ax=None, *, name=None, plot_oracle=False, **kwargs):
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
        line_kwargs = {"label": label, "drawstyle": "default"}
        line_kwargs.update(kwargs)
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
            (self.oracle_line_,) = ax.plot(
                grid,
                oracle,
                linestyle="--",
                color="0.5",
                label=f"oracle (error rate {r:.3f})",
            )
        self.operating_point_ = None
        if self.operating_point is not None:
            cov, risk = self.operating_point
            (self.operating_point_,) = ax.plot(
                [cov],
                [risk],
                marker="o",
                markersize=8,
                linestyle="none",
                color=self.line_.get_color(),
                label=f"threshold: coverage {cov:.2f}, risk {risk:.3f}",
            )
        ax.set_xlabel("Coverage (fraction of samples decided)")
        ax.set_ylabel("Selective risk (error rate on decided samples)")
        ax.set_xlim(0.0, 1.02)
        ax.set_ylim(bottom=0.0)
        if label is not None or plot_oracle:
            ax.legend(loc="upper left")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        sample_weight=None,
        name=None,
        ax=None,
        plot_oracle=False,
        mark_threshold=True,
        **kwargs,
    ):
        """Plot the curve of a fitted classifier on ``(X, y)``.

        Parameters
        ----------
        estimator : fitted estimator
            A :class:`SelectiveClassifier` (or a Pipeline ending in one), or
            any fitted classifier with ``predict_proba`` (its top probability
            is then the confidence).

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input values.

        y : array-like of shape (n_samples,)
            True labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        name : str, default=None
            Legend name; defaults to the class name of the estimator.

        ax : matplotlib Axes, default=None
            Axes to plot on.

        plot_oracle : bool, default=False
            Also draw the optimal curve for the same error rate.

        mark_threshold : bool, default=True
            Mark the operating point of the estimator's own threshold (its
            coverage and selective risk on ``(X, y)``), when it rejects.

        **kwargs : dict
            Keyword arguments passed to matplotlib's ``plot``.

        Returns
        -------
        display : RiskCoverageDisplay
            Object that stores the computed values and the artists.
        """
        _check_matplotlib("RiskCoverageDisplay.from_estimator")
        y_base, confidence, y_selective, reject_label = _predictions_and_confidence(
            estimator, X
        )
        operating_point = None
        if mark_threshold and y_selective is not None:
            from .metrics import coverage_score, selective_risk_score

            if np.any(y_selective == reject_label):
                operating_point = (
                    coverage_score(
                        y_selective,
                        reject_label=reject_label,
                        sample_weight=sample_weight,
                    ),
                    selective_risk_score(
                        y,
                        y_selective,
                        reject_label=reject_label,
                        sample_weight=sample_weight,
                        zero_division=0.0,
                    ),
                )
        if name is None:
            _, final = _final_step(estimator)
            name = type(final).__name__
        return cls._from_scores(
            y,
            y_base,
            confidence,
            sample_weight=sample_weight,
            name=name,
            ax=ax,
            plot_oracle=plot_oracle,
            operating_point=operating_point,
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
        threshold=None,
        name=None,
        ax=None,
        plot_oracle=False,
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

        threshold : float, default=None
            If given, mark the operating point of this threshold (samples
            with ``confidence >= threshold`` accepted).

        name : str, default=None
            Legend name.

        ax : matplotlib Axes, default=None
            Axes to plot on.

        plot_oracle : bool, default=False
            Also draw the optimal curve for the same error rate.

        **kwargs : dict
            Keyword arguments passed to matplotlib's ``plot``.

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
            operating_point=threshold,
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
        operating_point,
        **kwargs,
    ):
        coverage, risk, thresholds = risk_coverage_curve(
            y_true, y_pred, confidence, sample_weight=sample_weight
        )
        aurc = aurc_score(y_true, y_pred, confidence, sample_weight=sample_weight)
        if operating_point is not None and np.ndim(operating_point) == 0:
            # a threshold: its point is the curve's at the lowest distinct
            # confidence >= threshold (nothing accepted above the largest).
            index = np.searchsorted(thresholds, operating_point, side="left")
            operating_point = (
                (coverage[index], risk[index]) if index < len(thresholds) else (0, 0)
            )
        display = cls(
            coverage=coverage,
            risk=risk,
            thresholds=thresholds,
            aurc=aurc,
            error_rate=risk[np.argmax(coverage)],
            operating_point=operating_point,
            name=name,
        )
        return display.plot(ax=ax, plot_oracle=plot_oracle, **kwargs)
