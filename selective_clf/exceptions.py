"""Warnings and errors that selective_clf raises, for users to filter or catch."""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

__all__ = ["GuaranteeWarning", "InfeasibleTargetError"]


class GuaranteeWarning(UserWarning):
    """The data protocol or the data of a fit do not support its risk guarantee.

    Raised, for instance, when ``target_risk`` cannot be certified on the
    calibration data (the fitted model then rejects everything), or when the
    final model is refitted on its own calibration samples.
    """


class InfeasibleTargetError(ValueError):
    """No threshold certifies ``target_risk`` on the calibration data.

    Raised by ``fit`` with ``infeasible="raise"`` instead of fitting a model
    that rejects everything. Its message gives the smallest target the data
    could have certified.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from selective_clf import SelectiveClassifierCV
    >>> from selective_clf.exceptions import InfeasibleTargetError
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())
    >>> model = model.fit(X[:300], y[:300])
    >>> clf = SelectiveClassifierCV(
    ...     FrozenEstimator(model), target_risk=0.001, infeasible="raise"
    ... )
    >>> try:
    ...     clf.fit(X[300:], y[300:])
    ... except InfeasibleTargetError as error:
    ...     print("not certified:", str(error)[:37])
    not certified: No threshold keeps the selective risk
    """
