"""Warnings and errors that selective_clf raises, for users to filter or catch."""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

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


def _warn(message, category=UserWarning):
    """Warn, attributing the warning to the first frame outside the libraries.

    The stack is walked past the frames of selective_clf, scikit-learn and
    joblib (a ``fit`` reached through ``GridSearchCV``, ``_fit_context`` or a
    parallel backend), so the warning points at the user's line whatever the
    depth of the call, without a hard-coded ``stacklevel``.
    """
    import os
    import sys

    libraries = tuple(
        os.path.dirname(module.__file__) + os.sep
        for module in (sys.modules.get(name) for name in _LIBRARIES)
        if module is not None and getattr(module, "__file__", None)
    )
    frame, level = sys._getframe(1), 2  # stacklevel 2 is our caller
    while frame is not None and frame.f_code.co_filename.startswith(libraries):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


_LIBRARIES = ("selective_clf", "sklearn", "joblib")
