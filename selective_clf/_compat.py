"""Every private scikit-learn name this package uses, imported in one place.

scikit-learn's private helpers can move between releases. Importing them only
here keeps the blast radius of such a move to this file.
"""

import inspect

from sklearn.base import _fit_context

# ``_BaseScorer`` gives our scorers what sklearn's own scorers have: metadata
# routing (``set_score_request``), sample_weight forwarding in cross_validate /
# GridSearchCV, and the shared predict cache of multi-metric scoring.
from sklearn.metrics._scorer import _BaseScorer
from sklearn.utils import _safe_indexing

# ``validate_params`` and its constraints: what every sklearn.metrics function uses.
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    RealNotInt,
    StrOptions,
    validate_params,
)
from sklearn.utils.metadata_routing import _routing_enabled

# Named sub-estimators with nested get_params/set_params, as in VotingClassifier.
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    _estimator_has,
    _num_samples,
)
from sklearn.utils.validation import column_or_1d as _column_or_1d

_COLUMN_OR_1D_NAMES_INPUT = "input_name" in inspect.signature(_column_or_1d).parameters


def column_or_1d(y, *, input_name="y", **kwargs):
    """``sklearn.utils.validation.column_or_1d``, naming ``input_name`` in errors.

    Its ``input_name`` parameter is new in scikit-learn 1.8; on older releases
    (all that run on Python 3.10) the error names the input here instead.
    """
    if _COLUMN_OR_1D_NAMES_INPUT:
        return _column_or_1d(y, input_name=input_name, **kwargs)
    try:
        return _column_or_1d(y, **kwargs)
    except ValueError as exc:
        message = str(exc)
        if message.startswith("y ") and input_name != "y":
            message = input_name + message[1:]
        raise ValueError(message) from None


__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "RealNotInt",
    "StrOptions",
    "_BaseComposition",
    "_BaseScorer",
    "_check_method_params",
    "_check_sample_weight",
    "_estimator_has",
    "_fit_context",
    "_num_samples",
    "_routing_enabled",
    "_safe_indexing",
    "column_or_1d",
    "validate_params",
]
