"""Every private scikit-learn name this package uses, imported in one place.

scikit-learn's private helpers can move between releases. Importing them only
here keeps the blast radius of such a move to this file.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.metadata_routing import _routing_enabled
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    _estimator_has,
)

__all__ = [
    "HasMethods",
    "Interval",
    "RealNotInt",
    "StrOptions",
    "_check_method_params",
    "_check_sample_weight",
    "_estimator_has",
    "_fit_context",
    "_routing_enabled",
]
